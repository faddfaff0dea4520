/*
 * mullion-test-clipboard: a Wayland client with a small window that uses
 * its compositor's clipboard the way an app does (wl_data_device). Run in
 * a VM's agent, it stands for the app the user copies from or pastes into.
 *
 *   --copy TEXT     when the window gets the keyboard, offers TEXT as the
 *                   selection (text/plain;charset=utf-8)
 *   --paste-to FILE whenever a text selection is offered while the window
 *                   has the keyboard, writes its text to FILE (whole, by
 *                   renaming a temporary file)
 *   --colour RRGGBB the window's colour (default 808080)
 *
 * Prints "ready" once its window is shown, "copied" when it set the
 * selection, "pasted N" after writing N bytes.
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wayland-client.h>

#include "xdg-shell-client-protocol.h"

#define WIDTH 160
#define HEIGHT 100
#define TEXT_TYPE "text/plain;charset=utf-8"

struct client {
	struct wl_display *display;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wl_seat *seat;
	struct wl_keyboard *keyboard;
	struct wl_data_device_manager *manager;
	struct wl_data_device *device;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	struct wl_data_offer *selection; /* offered, with text */
	bool offer_has_text, focused, shown;
	const char *copy_text, *paste_path;
	uint32_t colour;
};

static void say(const char *line)
{
	printf("%s\n", line);
	fflush(stdout);
}

static void handle_source_send(void *data, struct wl_data_source *source, const char *mime_type,
	int32_t fd)
{
	struct client *client = data;
	const char *text = client->copy_text;
	size_t done = 0, length = strlen(text);
	while (done < length) {
		ssize_t n = write(fd, text + done, length - done);
		if (n <= 0) {
			break;
		}
		done += (size_t)n;
	}
	close(fd);
}

static void handle_source_cancelled(void *data, struct wl_data_source *source)
{
	wl_data_source_destroy(source);
}

static void handle_source_target(void *data, struct wl_data_source *source, const char *type)
{
}

static const struct wl_data_source_listener source_listener = {
	.target = handle_source_target,
	.send = handle_source_send,
	.cancelled = handle_source_cancelled,
};

static void paste(struct client *client)
{
	if (!client->paste_path || !client->focused || !client->selection ||
		!client->offer_has_text) {
		return;
	}
	int fds[2];
	if (pipe(fds) < 0) {
		return;
	}
	wl_data_offer_receive(client->selection, TEXT_TYPE, fds[1]);
	close(fds[1]);
	wl_display_flush(client->display);
	char path[4096];
	snprintf(path, sizeof(path), "%s.tmp", client->paste_path);
	FILE *out = fopen(path, "w");
	char buf[4096];
	size_t total = 0;
	for (;;) {
		ssize_t n = read(fds[0], buf, sizeof(buf));
		if (n <= 0) {
			break;
		}
		if (out) {
			fwrite(buf, 1, (size_t)n, out);
		}
		total += (size_t)n;
	}
	close(fds[0]);
	if (out) {
		fclose(out);
		rename(path, client->paste_path);
	}
	printf("pasted %zu\n", total);
	fflush(stdout);
}

static void handle_offer_offer(void *data, struct wl_data_offer *offer, const char *type)
{
	struct client *client = data;
	if (strcmp(type, TEXT_TYPE) == 0) {
		client->offer_has_text = true;
	}
}

static const struct wl_data_offer_listener offer_listener = {
	.offer = handle_offer_offer,
};

static void handle_data_offer(void *data, struct wl_data_device *device,
	struct wl_data_offer *offer)
{
	wl_data_offer_add_listener(offer, &offer_listener, data);
}

static void handle_selection(void *data, struct wl_data_device *device, struct wl_data_offer *offer)
{
	struct client *client = data;
	if (client->selection) {
		wl_data_offer_destroy(client->selection);
	}
	client->selection = offer;
	/* offer events came before this one */
	if (offer == NULL) {
		client->offer_has_text = false;
	}
	paste(client);
}

static void handle_enter(void *data, struct wl_data_device *device, uint32_t serial,
	struct wl_surface *surface, wl_fixed_t x, wl_fixed_t y, struct wl_data_offer *offer)
{
}

static void handle_leave(void *data, struct wl_data_device *device)
{
}

static void handle_motion(void *data, struct wl_data_device *device, uint32_t time, wl_fixed_t x,
	wl_fixed_t y)
{
}

static void handle_drop(void *data, struct wl_data_device *device)
{
}

static const struct wl_data_device_listener device_listener = {
	.data_offer = handle_data_offer,
	.enter = handle_enter,
	.leave = handle_leave,
	.motion = handle_motion,
	.drop = handle_drop,
	.selection = handle_selection,
};

static void handle_keymap(void *data, struct wl_keyboard *keyboard, uint32_t format, int32_t fd,
	uint32_t size)
{
	close(fd);
}

static void handle_keyboard_enter(void *data, struct wl_keyboard *keyboard, uint32_t serial,
	struct wl_surface *surface, struct wl_array *keys)
{
	struct client *client = data;
	client->focused = true;
	say("keyboard-enter");
	if (client->copy_text && client->manager && client->device) {
		struct wl_data_source *source =
			wl_data_device_manager_create_data_source(client->manager);
		wl_data_source_add_listener(source, &source_listener, client);
		wl_data_source_offer(source, TEXT_TYPE);
		wl_data_source_offer(source, "text/plain");
		wl_data_device_set_selection(client->device, source, serial);
		say("copied");
	}
	paste(client);
}

static void handle_keyboard_leave(void *data, struct wl_keyboard *keyboard, uint32_t serial,
	struct wl_surface *surface)
{
	struct client *client = data;
	client->focused = false;
}

static void handle_key(void *data, struct wl_keyboard *keyboard, uint32_t serial, uint32_t time,
	uint32_t key, uint32_t state)
{
}

static void handle_modifiers(void *data, struct wl_keyboard *keyboard, uint32_t serial,
	uint32_t depressed, uint32_t latched, uint32_t locked, uint32_t group)
{
}

static void handle_repeat_info(void *data, struct wl_keyboard *keyboard, int32_t rate,
	int32_t delay)
{
}

static const struct wl_keyboard_listener keyboard_listener = {
	.keymap = handle_keymap,
	.enter = handle_keyboard_enter,
	.leave = handle_keyboard_leave,
	.key = handle_key,
	.modifiers = handle_modifiers,
	.repeat_info = handle_repeat_info,
};

static void handle_seat_capabilities(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct client *client = data;
	if ((caps & WL_SEAT_CAPABILITY_KEYBOARD) && client->keyboard == NULL) {
		client->keyboard = wl_seat_get_keyboard(seat);
		wl_keyboard_add_listener(client->keyboard, &keyboard_listener, client);
	}
}

static void handle_seat_name(void *data, struct wl_seat *seat, const char *name)
{
}

static const struct wl_seat_listener seat_listener = {
	.capabilities = handle_seat_capabilities,
	.name = handle_seat_name,
};

static void handle_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = handle_ping,
};

static struct wl_buffer *solid_buffer(struct client *client)
{
	size_t size = (size_t)WIDTH * HEIGHT * 4;
	int fd = memfd_create("mullion-test-clipboard", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
		return NULL;
	}
	uint32_t *pixels = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (pixels == MAP_FAILED) {
		close(fd);
		return NULL;
	}
	for (size_t i = 0; i < (size_t)WIDTH * HEIGHT; i++) {
		pixels[i] = 0xff000000u | client->colour;
	}
	munmap(pixels, size);
	struct wl_shm_pool *pool = wl_shm_create_pool(client->shm, fd, (int32_t)size);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, WIDTH, HEIGHT, WIDTH * 4,
		WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	return buffer;
}

static void handle_xdg_configure(void *data, struct xdg_surface *xdg_surface, uint32_t serial)
{
	struct client *client = data;
	xdg_surface_ack_configure(xdg_surface, serial);
	if (!client->shown) {
		client->shown = true;
		wl_surface_attach(client->surface, solid_buffer(client), 0, 0);
		wl_surface_commit(client->surface);
		say("ready");
	}
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = handle_xdg_configure,
};

static void handle_toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t width,
	int32_t height, struct wl_array *states)
{
}

static void handle_toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	exit(0);
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = handle_toplevel_configure,
	.close = handle_toplevel_close,
};

static void handle_global(void *data, struct wl_registry *registry, uint32_t name,
	const char *interface, uint32_t version)
{
	struct client *client = data;
	if (strcmp(interface, wl_compositor_interface.name) == 0) {
		client->compositor = wl_registry_bind(registry, name, &wl_compositor_interface, 4);
	} else if (strcmp(interface, wl_shm_interface.name) == 0) {
		client->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0) {
		client->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(client->wm_base, &wm_base_listener, client);
	} else if (strcmp(interface, wl_seat_interface.name) == 0 && client->seat == NULL) {
		client->seat = wl_registry_bind(registry, name, &wl_seat_interface, 5);
		wl_seat_add_listener(client->seat, &seat_listener, client);
	} else if (strcmp(interface, wl_data_device_manager_interface.name) == 0) {
		client->manager =
			wl_registry_bind(registry, name, &wl_data_device_manager_interface, 3);
	}
}

static void handle_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = handle_global,
	.global_remove = handle_global_remove,
};

int main(int argc, char *argv[])
{
	struct client client = { .colour = 0x808080 };
	static const struct option options[] = {
		{ "copy", required_argument, NULL, 'c' },
		{ "paste-to", required_argument, NULL, 'p' },
		{ "colour", required_argument, NULL, 'o' },
		{ 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			client.copy_text = optarg;
			break;
		case 'p':
			client.paste_path = optarg;
			break;
		case 'o':
			client.colour = (uint32_t)strtoul(optarg, NULL, 16) & 0xffffff;
			break;
		default:
			fprintf(stderr,
				"usage: mullion-test-clipboard [--copy TEXT] [--paste-to FILE] [--colour RRGGBB]\n");
			return 2;
		}
	}
	client.display = wl_display_connect(NULL);
	if (client.display == NULL) {
		fprintf(stderr, "mullion-test-clipboard: cannot connect\n");
		return 1;
	}
	struct wl_registry *registry = wl_display_get_registry(client.display);
	wl_registry_add_listener(registry, &registry_listener, &client);
	wl_display_roundtrip(client.display);
	if (!client.compositor || !client.shm || !client.wm_base) {
		fprintf(stderr, "mullion-test-clipboard: missing globals\n");
		return 1;
	}
	if (client.manager && client.seat) {
		client.device = wl_data_device_manager_get_data_device(client.manager, client.seat);
		wl_data_device_add_listener(client.device, &device_listener, &client);
	}
	client.surface = wl_compositor_create_surface(client.compositor);
	client.xdg_surface = xdg_wm_base_get_xdg_surface(client.wm_base, client.surface);
	xdg_surface_add_listener(client.xdg_surface, &xdg_surface_listener, &client);
	client.toplevel = xdg_surface_get_toplevel(client.xdg_surface);
	xdg_toplevel_add_listener(client.toplevel, &toplevel_listener, &client);
	xdg_toplevel_set_title(client.toplevel, "mullion-test-clipboard");
	wl_surface_commit(client.surface);
	while (wl_display_dispatch(client.display) != -1) {
	}
	return 0;
}
