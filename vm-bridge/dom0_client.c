/*
 * The bridge as a Wayland client of dom0. It binds only what it needs to
 * show windows: wl_compositor, wl_shm, xdg_wm_base and one wl_output for
 * the size the VM should think its screen is; it notes the wl_seat, which
 * input.c binds.
 */
#include "vm-bridge/dom0_client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/util/log.h"
#include "xdg-shell-client-protocol.h"

#define COMPOSITOR_VERSION 4
#define SHM_VERSION 1
#define WM_BASE_VERSION 3 /* xdg_popup.reposition */
#define OUTPUT_VERSION 2

static void handle_wm_base_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = handle_wm_base_ping,
};

static void handle_output_geometry(void *data, struct wl_output *output, int32_t x, int32_t y,
	int32_t physical_width, int32_t physical_height, int32_t subpixel, const char *make,
	const char *model, int32_t transform)
{
}

static void handle_output_mode(void *data, struct wl_output *output, uint32_t flags, int32_t width,
	int32_t height, int32_t refresh)
{
	struct dom0_client *client = data;
	if (!(flags & WL_OUTPUT_MODE_CURRENT) || width <= 0 || height <= 0) {
		return;
	}
	client->output_width = width;
	client->output_height = height;
}

static void handle_output_done(void *data, struct wl_output *output)
{
}

static void handle_output_scale(void *data, struct wl_output *output, int32_t factor)
{
	struct dom0_client *client = data;
	/* The compositor's own; a scale it cannot have is taken as 1. */
	client->output_scale =
		factor >= LIMIT_OUTPUT_SCALE_MIN && factor <= LIMIT_OUTPUT_SCALE_MAX ? factor : 1;
}

static const struct wl_output_listener output_listener = {
	.geometry = handle_output_geometry,
	.mode = handle_output_mode,
	.done = handle_output_done,
	.scale = handle_output_scale,
};

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static void handle_registry_global(void *data, struct wl_registry *registry, uint32_t name,
	const char *interface, uint32_t version)
{
	struct dom0_client *client = data;
	if (strcmp(interface, wl_compositor_interface.name) == 0 && client->compositor == NULL) {
		client->compositor = wl_registry_bind(registry, name, &wl_compositor_interface,
			min_u32(version, COMPOSITOR_VERSION));
	} else if (strcmp(interface, wl_shm_interface.name) == 0 && client->shm == NULL) {
		client->shm = wl_registry_bind(registry, name, &wl_shm_interface,
			min_u32(version, SHM_VERSION));
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0 && client->wm_base == NULL) {
		client->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface,
			min_u32(version, WM_BASE_VERSION));
		xdg_wm_base_add_listener(client->wm_base, &wm_base_listener, client);
	} else if (strcmp(interface, "mullion_vm_clipboard_v1") == 0 &&
		client->clipboard_name == 0) {
		client->clipboard_name = name;
	} else if (strcmp(interface, wl_seat_interface.name) == 0 && client->seat_name == 0) {
		client->seat_name = name;
		client->seat_version = version;
	} else if (strcmp(interface, wl_output_interface.name) == 0 && client->output == NULL) {
		client->output = wl_registry_bind(registry, name, &wl_output_interface,
			min_u32(version, OUTPUT_VERSION));
		client->output_name = name;
		wl_output_add_listener(client->output, &output_listener, client);
	}
}

static void handle_registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
	struct dom0_client *client = data;
	if (client->output != NULL && name == client->output_name) {
		/* The VM keeps the size it was told; a later HELLO (after a
		 * reconnect) uses whatever output there is then. */
		wl_output_destroy(client->output);
		client->output = NULL;
	}
}

static const struct wl_registry_listener registry_listener = {
	.global = handle_registry_global,
	.global_remove = handle_registry_global_remove,
};

struct dom0_client *dom0_client_connect(void)
{
	struct dom0_client *client = calloc(1, sizeof(*client));
	if (client == NULL) {
		mlog(MLOG_ERROR, "out of memory");
		return NULL;
	}
	client->output_scale = 1;
	client->display = wl_display_connect(NULL);
	if (client->display == NULL) {
		mlog_errno(MLOG_ERROR, "cannot connect to the compositor");
		goto error;
	}
	client->registry = wl_display_get_registry(client->display);
	wl_registry_add_listener(client->registry, &registry_listener, client);
	/* The first round trip lists the globals, the second delivers the
	 * events of those just bound (the output's mode). */
	if (wl_display_roundtrip(client->display) < 0 ||
		wl_display_roundtrip(client->display) < 0) {
		mlog(MLOG_ERROR, "the compositor connection failed during setup");
		goto error;
	}
	if (client->compositor == NULL || client->shm == NULL || client->wm_base == NULL) {
		mlog(MLOG_ERROR, "the compositor lacks %s",
			client->compositor == NULL    ? "wl_compositor"
				: client->shm == NULL ? "wl_shm"
						      : "xdg_wm_base");
		goto error;
	}
	if (client->output_width == 0) {
		mlog(MLOG_INFO, "no output size known yet");
	}
	return client;

error:
	dom0_client_destroy(client);
	return NULL;
}

void dom0_client_destroy(struct dom0_client *client)
{
	if (client == NULL) {
		return;
	}
	if (client->budget_sync != NULL) {
		wl_callback_destroy(client->budget_sync);
	}
	if (client->output != NULL) {
		wl_output_destroy(client->output);
	}
	if (client->wm_base != NULL) {
		xdg_wm_base_destroy(client->wm_base);
	}
	if (client->shm != NULL) {
		wl_shm_destroy(client->shm);
	}
	if (client->compositor != NULL) {
		wl_compositor_destroy(client->compositor);
	}
	if (client->registry != NULL) {
		wl_registry_destroy(client->registry);
	}
	if (client->display != NULL) {
		wl_display_disconnect(client->display);
	}
	free(client);
}

static void handle_budget_done(void *data, struct wl_callback *callback, uint32_t time)
{
	struct dom0_client *client = data;
	wl_callback_destroy(callback);
	client->budget_sync = NULL;
}

static const struct wl_callback_listener budget_listener = {
	.done = handle_budget_done,
};

bool dom0_client_ready(const struct dom0_client *client)
{
	return !client->blocked && client->budget_sync == NULL;
}

bool dom0_client_flush(struct dom0_client *client)
{
	/* A connection libwayland gave up on reports its last error, which
	 * may be EAGAIN too: that is no full socket. */
	if (wl_display_get_error(client->display) != 0) {
		return false;
	}
	int sent = wl_display_flush(client->display);
	if (sent >= 0) {
		client->blocked = false;
		client->sent_bytes += (size_t)sent;
		if (client->sent_bytes < DOM0_CLIENT_BUDGET_BYTES || client->budget_sync != NULL) {
			return true;
		}
		/* Its answer comes once the compositor handled everything
		 * before it, and only it lets the VM be read again: it goes
		 * out now, not with some later flush. */
		client->sent_bytes = 0;
		client->budget_sync = wl_display_sync(client->display);
		wl_callback_add_listener(client->budget_sync, &budget_listener, client);
		if (wl_display_flush(client->display) >= 0) {
			return true;
		}
	}
	if (errno == EAGAIN) {
		client->blocked = true;
		return true;
	}
	return false;
}
