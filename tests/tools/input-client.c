/*
 * An ordinary Wayland client that shows a solid-colour window and prints
 * every input event it gets, one line each, flushed at once, so a test
 * can check exactly what a client saw. It runs as a dom0 client or inside
 * a VM's agent: it uses nothing but wl_shm, wl_subcompositor, xdg-shell
 * and wl_seat.
 *
 * What it prints (SURFACE is main, sub or popup; X Y are surface-local
 * coordinates with two decimals; BUTTON is the evdev code, 272 = left):
 *   ready                                  first frame is on screen
 *   configure W H                          xdg_toplevel.configure
 *   toplevel-states [STATE...]             its states (activated, ...)
 *   close                                  xdg_toplevel.close (then exits)
 *   popup-configure X Y W H                xdg_popup.configure
 *   popup-ready                            first frame of the popup is on screen
 *   popup-done                             xdg_popup.popup_done
 *   pointer-enter SURFACE X Y
 *   pointer-leave SURFACE
 *   pointer-motion SURFACE X Y
 *   pointer-button SURFACE X Y BUTTON pressed|released
 *   pointer-axis SURFACE X Y AXIS VALUE DISCRETE SOURCE
 *                                          at the frame that ends it; AXIS
 *                                          vertical|horizontal, VALUE two
 *                                          decimals, DISCRETE steps (0:
 *                                          none), SOURCE wheel|finger|
 *                                          continuous|wheel-tilt|none
 *   pointer-axis-stop SURFACE X Y AXIS
 *   keymap SIZE                            xkb_v1 keymap of SIZE bytes (with
 *                                          --keymap-file, printed once its
 *                                          text is in the file)
 *   keyboard-enter
 *   keyboard-leave
 *   key KEYCODE pressed|released           evdev code
 *   modifiers DEPRESSED LATCHED LOCKED GROUP
 *   repeat-info RATE DELAY
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/input-event-codes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wayland-client.h>
#include <xkbcommon/xkbcommon.h>

#include "xdg-shell-client-protocol.h"

static const char usage[] =
	"Usage: mullion-test-input-client [options]\n"
	"  --size WxH            window size (default 200x150)\n"
	"  --colour RRGGBB       window colour (default 336699)\n"
	"  --subsurface X,Y,WxH  add a subsurface at X,Y of the window\n"
	"  --sub-colour RRGGBB   its colour (default cc6633)\n"
	"  --popup X,Y,WxH       open an xdg_popup there on a right click\n"
	"  --popup-colour RRGGBB its colour (default 9933cc)\n"
	"  --shadow N            draw an N-pixel shadow around the window, outside\n"
	"                        its window geometry (as GTK's client-side shadows)\n"
	"  --shadow-colour RRGGBB its colour (default 11dd77)\n"
	"  --buffer-scale N      draw every buffer at scale N (wl_surface.set_buffer_scale)\n"
	"  --dot X,Y             one buffer pixel of the window, X,Y in buffer pixels\n"
	"                        (not logical ones), in the subsurface colour\n"
	"  --min-size WxH        xdg_toplevel.set_min_size\n"
	"  --max-size WxH        xdg_toplevel.set_max_size\n"
	"  --write-keys FILE     append the text of each pressed key to FILE\n"
	"  --keymap-file FILE    write the text of each keymap received to FILE\n"
	"  --title TITLE         window title (default mullion-test-input-client)\n"
	"  --fullscreen          ask for fullscreen before the first commit\n"
	"  --cursor RRGGBB       set a 16x16 pointer image of that colour on each enter\n"
	"Prints one line per event on stdout; see the top of input-client.c.\n";

struct rect {
	int x, y, width, height;
};

struct client {
	struct wl_display *display;
	struct wl_compositor *compositor;
	struct wl_subcompositor *subcompositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wl_seat *seat;
	struct wl_pointer *pointer;
	struct wl_keyboard *keyboard;

	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel;
	int width, height;
	uint32_t colour;
	bool configured, ready, closed;
	/* Around the window geometry, in the main surface's buffer. */
	int shadow;
	uint32_t shadow_colour;
	int buffer_scale;
	int dot_x, dot_y; /* a buffer pixel of the main surface; -1: none */
	int min_width, min_height, max_width, max_height;

	bool has_sub;
	struct rect sub_rect;
	uint32_t sub_colour;
	struct wl_surface *sub_surface;
	struct wl_subsurface *subsurface;

	bool has_popup;
	struct rect popup_rect;
	uint32_t popup_colour;
	struct wl_surface *popup_surface;
	struct xdg_surface *popup_xdg_surface;
	struct xdg_popup *popup;
	bool popup_mapped;

	/* Where the pointer is, as the last enter or motion said. */
	struct wl_surface *pointer_surface;
	double pointer_x, pointer_y;
	/* Axis events wait for the frame that ends them. */
	struct {
		bool pending, stop;
		double value;
		int32_t discrete;
	} axis[2];
	int32_t axis_source; /* -1: none in this frame */

	struct xkb_context *xkb_context;
	struct xkb_keymap *keymap;
	struct xkb_state *xkb_state;
	int keys_fd;
	const char *keymap_path;
	bool want_fullscreen;
	/* --cursor: a 16x16 pointer image of this colour, set on each enter. */
	bool has_cursor;
	uint32_t cursor_colour;
	struct wl_surface *cursor_surface;
};

static void say(const char *format, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *format, ...)
{
	va_list args;
	va_start(args, format);
	vprintf(format, args);
	va_end(args);
	putchar('\n');
	fflush(stdout);
}

static const char *surface_name(struct client *client, struct wl_surface *surface)
{
	if (surface && surface == client->surface) {
		return "main";
	}
	if (surface && surface == client->sub_surface) {
		return "sub";
	}
	if (surface && surface == client->popup_surface) {
		return "popup";
	}
	return "unknown";
}

/* ---- Buffers: one per frame, destroyed when the compositor releases it. */

static void handle_buffer_release(void *data, struct wl_buffer *buffer)
{
	wl_buffer_destroy(buffer);
}

static const struct wl_buffer_listener buffer_listener = {
	.release = handle_buffer_release,
};

/*
 * A buffer for a surface of width x height (logical), at the client's
 * buffer scale: colour, within a border of border pixels of
 * border_colour; with dot, the buffer pixel dot[0], dot[1] in the
 * subsurface colour.
 */
static struct wl_buffer *solid_buffer(struct client *client, int width, int height, uint32_t colour,
	int border, uint32_t border_colour, const int *dot)
{
	int scale = client->buffer_scale;
	int buffer_width = width * scale, buffer_height = height * scale;
	int stride = buffer_width * 4;
	size_t size = (size_t)stride * buffer_height;
	int fd = memfd_create("mullion-test-input-client", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
		fprintf(stderr, "input-client: cannot make a buffer: %s\n", strerror(errno));
		if (fd >= 0) {
			close(fd);
		}
		return NULL;
	}
	uint32_t *pixels = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (pixels == MAP_FAILED) {
		fprintf(stderr, "input-client: cannot map a buffer: %s\n", strerror(errno));
		close(fd);
		return NULL;
	}
	int inner = border * scale;
	for (int y = 0; y < buffer_height; y++) {
		for (int x = 0; x < buffer_width; x++) {
			bool edge = x < inner || y < inner || x >= buffer_width - inner ||
				y >= buffer_height - inner;
			pixels[(size_t)y * buffer_width + x] =
				0xff000000u | (edge ? border_colour : colour);
		}
	}
	if (dot != NULL && dot[0] < buffer_width && dot[1] < buffer_height) {
		pixels[(size_t)dot[1] * buffer_width + dot[0]] = 0xff000000u | client->sub_colour;
	}
	munmap(pixels, size);

	struct wl_shm_pool *pool = wl_shm_create_pool(client->shm, fd, (int32_t)size);
	struct wl_buffer *buffer = wl_shm_pool_create_buffer(pool, 0, buffer_width, buffer_height,
		stride, WL_SHM_FORMAT_XRGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	wl_buffer_add_listener(buffer, &buffer_listener, NULL);
	return buffer;
}

static void attach_framed(struct client *client, struct wl_surface *surface, int width, int height,
	uint32_t colour, int border, uint32_t border_colour)
{
	const int dot[2] = { client->dot_x, client->dot_y };
	bool with_dot = surface == client->surface && client->dot_x >= 0;
	struct wl_buffer *buffer = solid_buffer(client, width, height, colour, border,
		border_colour, with_dot ? dot : NULL);
	if (!buffer) {
		exit(1);
	}
	wl_surface_set_buffer_scale(surface, client->buffer_scale);
	wl_surface_attach(surface, buffer, 0, 0);
	wl_surface_damage(surface, 0, 0, width, height);
}

static void attach_solid(struct client *client, struct wl_surface *surface, int width, int height,
	uint32_t colour)
{
	attach_framed(client, surface, width, height, colour, 0, 0);
}

static void handle_frame_done(void *data, struct wl_callback *callback, uint32_t time)
{
	struct client *client = data;
	wl_callback_destroy(callback);
	if (!client->ready) {
		client->ready = true;
		say("ready");
	}
}

static const struct wl_callback_listener frame_listener = {
	.done = handle_frame_done,
};

static void draw(struct client *client)
{
	int shadow = client->shadow;
	attach_framed(client, client->surface, client->width + 2 * shadow,
		client->height + 2 * shadow, client->colour, shadow, client->shadow_colour);
	/* The subsurface and the shadow may stick out; what dom0 frames is
	 * the window. */
	xdg_surface_set_window_geometry(client->xdg_surface, shadow, shadow, client->width,
		client->height);
	if (!client->ready) {
		struct wl_callback *callback = wl_surface_frame(client->surface);
		wl_callback_add_listener(callback, &frame_listener, client);
	}
	wl_surface_commit(client->surface);
}

/* ---- xdg-shell */

static void handle_wm_base_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = handle_wm_base_ping,
};

static void handle_xdg_surface_configure(void *data, struct xdg_surface *xdg_surface,
	uint32_t serial)
{
	struct client *client = data;
	xdg_surface_ack_configure(xdg_surface, serial);
	client->configured = true;
	draw(client);
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = handle_xdg_surface_configure,
};

static const char *state_name(uint32_t state)
{
	switch (state) {
	case XDG_TOPLEVEL_STATE_MAXIMIZED:
		return "maximized";
	case XDG_TOPLEVEL_STATE_FULLSCREEN:
		return "fullscreen";
	case XDG_TOPLEVEL_STATE_RESIZING:
		return "resizing";
	case XDG_TOPLEVEL_STATE_ACTIVATED:
		return "activated";
	default:
		return "other";
	}
}

static void handle_toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t width,
	int32_t height, struct wl_array *states)
{
	struct client *client = data;
	char line[256] = "toplevel-states";
	uint32_t *state;
	wl_array_for_each(state, states) {
		size_t used = strlen(line);
		snprintf(line + used, sizeof(line) - used, " %s", state_name(*state));
	}
	say("%s", line);
	say("configure %d %d", width, height);
	/* Zero: the client picks; keep the size it has. */
	if (width > 0 && height > 0) {
		client->width = width;
		client->height = height;
	}
}

static void handle_toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	struct client *client = data;
	say("close");
	client->closed = true;
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = handle_toplevel_configure,
	.close = handle_toplevel_close,
};

/* ---- The popup */

static void popup_destroy(struct client *client)
{
	if (!client->popup) {
		return;
	}
	xdg_popup_destroy(client->popup);
	xdg_surface_destroy(client->popup_xdg_surface);
	wl_surface_destroy(client->popup_surface);
	client->popup = NULL;
	client->popup_xdg_surface = NULL;
	client->popup_mapped = false;
	if (client->pointer_surface == client->popup_surface) {
		client->pointer_surface = NULL;
	}
	client->popup_surface = NULL;
}

static void handle_popup_frame_done(void *data, struct wl_callback *callback, uint32_t time)
{
	wl_callback_destroy(callback);
	say("popup-ready");
}

static const struct wl_callback_listener popup_frame_listener = {
	.done = handle_popup_frame_done,
};

static void handle_popup_surface_configure(void *data, struct xdg_surface *xdg_surface,
	uint32_t serial)
{
	struct client *client = data;
	xdg_surface_ack_configure(xdg_surface, serial);
	struct rect *r = &client->popup_rect;
	attach_solid(client, client->popup_surface, r->width, r->height, client->popup_colour);
	xdg_surface_set_window_geometry(xdg_surface, 0, 0, r->width, r->height);
	if (!client->popup_mapped) {
		client->popup_mapped = true;
		struct wl_callback *callback = wl_surface_frame(client->popup_surface);
		wl_callback_add_listener(callback, &popup_frame_listener, client);
	}
	wl_surface_commit(client->popup_surface);
}

static const struct xdg_surface_listener popup_surface_listener = {
	.configure = handle_popup_surface_configure,
};

static void handle_popup_configure(void *data, struct xdg_popup *popup, int32_t x, int32_t y,
	int32_t width, int32_t height)
{
	say("popup-configure %d %d %d %d", x, y, width, height);
}

static void handle_popup_done(void *data, struct xdg_popup *popup)
{
	struct client *client = data;
	say("popup-done");
	popup_destroy(client);
}

static const struct xdg_popup_listener popup_listener = {
	.configure = handle_popup_configure,
	.popup_done = handle_popup_done,
};

/* Opens the popup with its top-left corner at popup_rect's x, y of the window. */
static void popup_open(struct client *client, uint32_t serial)
{
	struct rect *r = &client->popup_rect;
	struct xdg_positioner *positioner = xdg_wm_base_create_positioner(client->wm_base);
	xdg_positioner_set_size(positioner, r->width, r->height);
	xdg_positioner_set_anchor_rect(positioner, r->x, r->y, 1, 1);
	xdg_positioner_set_anchor(positioner, XDG_POSITIONER_ANCHOR_TOP_LEFT);
	xdg_positioner_set_gravity(positioner, XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT);

	client->popup_surface = wl_compositor_create_surface(client->compositor);
	client->popup_xdg_surface =
		xdg_wm_base_get_xdg_surface(client->wm_base, client->popup_surface);
	xdg_surface_add_listener(client->popup_xdg_surface, &popup_surface_listener, client);
	client->popup =
		xdg_surface_get_popup(client->popup_xdg_surface, client->xdg_surface, positioner);
	xdg_popup_add_listener(client->popup, &popup_listener, client);
	xdg_positioner_destroy(positioner);
	/* As menus do: the popup takes the pointer and is gone on a click elsewhere. */
	xdg_popup_grab(client->popup, client->seat, serial);
	wl_surface_commit(client->popup_surface);
}

/* ---- Pointer */

static void handle_pointer_enter(void *data, struct wl_pointer *pointer, uint32_t serial,
	struct wl_surface *surface, wl_fixed_t x, wl_fixed_t y)
{
	struct client *client = data;
	client->pointer_surface = surface;
	client->pointer_x = wl_fixed_to_double(x);
	client->pointer_y = wl_fixed_to_double(y);
	say("pointer-enter %s %.2f %.2f", surface_name(client, surface), client->pointer_x,
		client->pointer_y);
	if (client->has_cursor) {
		if (client->cursor_surface == NULL) {
			client->cursor_surface = wl_compositor_create_surface(client->compositor);
			attach_solid(client, client->cursor_surface, 16, 16, client->cursor_colour);
			wl_surface_commit(client->cursor_surface);
		}
		wl_pointer_set_cursor(pointer, serial, client->cursor_surface, 0, 0);
	}
}

static void handle_pointer_leave(void *data, struct wl_pointer *pointer, uint32_t serial,
	struct wl_surface *surface)
{
	struct client *client = data;
	say("pointer-leave %s", surface_name(client, surface));
	client->pointer_surface = NULL;
}

static void handle_pointer_motion(void *data, struct wl_pointer *pointer, uint32_t time,
	wl_fixed_t x, wl_fixed_t y)
{
	struct client *client = data;
	client->pointer_x = wl_fixed_to_double(x);
	client->pointer_y = wl_fixed_to_double(y);
	say("pointer-motion %s %.2f %.2f", surface_name(client, client->pointer_surface),
		client->pointer_x, client->pointer_y);
}

static void handle_pointer_button(void *data, struct wl_pointer *pointer, uint32_t serial,
	uint32_t time, uint32_t button, uint32_t state)
{
	struct client *client = data;
	bool pressed = state == WL_POINTER_BUTTON_STATE_PRESSED;
	say("pointer-button %s %.2f %.2f %u %s", surface_name(client, client->pointer_surface),
		client->pointer_x, client->pointer_y, button, pressed ? "pressed" : "released");
	if (pressed && button == BTN_RIGHT && client->has_popup && !client->popup &&
		client->pointer_surface != NULL) {
		popup_open(client, serial);
	}
}

static void handle_pointer_axis(void *data, struct wl_pointer *pointer, uint32_t time,
	uint32_t axis, wl_fixed_t value)
{
	struct client *client = data;
	if (axis > WL_POINTER_AXIS_HORIZONTAL_SCROLL) {
		return;
	}
	client->axis[axis].pending = true;
	client->axis[axis].value += wl_fixed_to_double(value);
}

static const char *axis_name(uint32_t axis)
{
	return axis == WL_POINTER_AXIS_HORIZONTAL_SCROLL ? "horizontal" : "vertical";
}

static const char *axis_source_name(int32_t source)
{
	switch (source) {
	case WL_POINTER_AXIS_SOURCE_WHEEL:
		return "wheel";
	case WL_POINTER_AXIS_SOURCE_FINGER:
		return "finger";
	case WL_POINTER_AXIS_SOURCE_CONTINUOUS:
		return "continuous";
	case WL_POINTER_AXIS_SOURCE_WHEEL_TILT:
		return "wheel-tilt";
	default:
		return "none";
	}
}

static void handle_pointer_frame(void *data, struct wl_pointer *pointer)
{
	struct client *client = data;
	const char *name = surface_name(client, client->pointer_surface);
	for (uint32_t axis = 0; axis < 2; axis++) {
		if (client->axis[axis].pending) {
			say("pointer-axis %s %.2f %.2f %s %.2f %d %s", name, client->pointer_x,
				client->pointer_y, axis_name(axis), client->axis[axis].value,
				client->axis[axis].discrete, axis_source_name(client->axis_source));
		}
		if (client->axis[axis].stop) {
			say("pointer-axis-stop %s %.2f %.2f %s", name, client->pointer_x,
				client->pointer_y, axis_name(axis));
		}
	}
	memset(client->axis, 0, sizeof(client->axis));
	client->axis_source = -1;
}

static void handle_pointer_axis_source(void *data, struct wl_pointer *pointer, uint32_t source)
{
	struct client *client = data;
	client->axis_source = (int32_t)source;
}

static void handle_pointer_axis_stop(void *data, struct wl_pointer *pointer, uint32_t time,
	uint32_t axis)
{
	struct client *client = data;
	if (axis <= WL_POINTER_AXIS_HORIZONTAL_SCROLL) {
		client->axis[axis].stop = true;
	}
}

static void handle_pointer_axis_discrete(void *data, struct wl_pointer *pointer, uint32_t axis,
	int32_t discrete)
{
	struct client *client = data;
	if (axis <= WL_POINTER_AXIS_HORIZONTAL_SCROLL) {
		client->axis[axis].discrete += discrete;
	}
}

static const struct wl_pointer_listener pointer_listener = {
	.enter = handle_pointer_enter,
	.leave = handle_pointer_leave,
	.motion = handle_pointer_motion,
	.button = handle_pointer_button,
	.axis = handle_pointer_axis,
	.frame = handle_pointer_frame,
	.axis_source = handle_pointer_axis_source,
	.axis_stop = handle_pointer_axis_stop,
	.axis_discrete = handle_pointer_axis_discrete,
};

/* ---- Keyboard */

/*
 * The whole keymap text, replacing what FILE held: written beside it and
 * renamed over it, so a reader sees one keymap or the next, never half.
 */
static void write_keymap_file(const char *path, const char *text, size_t len)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		fprintf(stderr, "input-client: keymap path too long\n");
		return;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "input-client: cannot open %s: %s\n", tmp, strerror(errno));
		return;
	}
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			fprintf(stderr, "input-client: cannot write %s: %s\n", tmp,
				strerror(errno));
			close(fd);
			unlink(tmp);
			return;
		}
		done += (size_t)n;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		fprintf(stderr, "input-client: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
	}
}

static void handle_keyboard_keymap(void *data, struct wl_keyboard *keyboard, uint32_t format,
	int32_t fd, uint32_t size)
{
	struct client *client = data;
	if (format != WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1 || size == 0) {
		say("keymap %u", size);
		close(fd);
		return;
	}
	char *text = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (text == MAP_FAILED) {
		say("keymap %u", size);
		fprintf(stderr, "input-client: cannot map the keymap: %s\n", strerror(errno));
		return;
	}
	/* The text ends at its NUL, the last of the size bytes. */
	size_t len = strnlen(text, size);
	if (client->keymap_path) {
		write_keymap_file(client->keymap_path, text, len);
	}
	say("keymap %u", size);
	struct xkb_keymap *keymap = xkb_keymap_new_from_buffer(client->xkb_context, text, len,
		XKB_KEYMAP_FORMAT_TEXT_V1, XKB_KEYMAP_COMPILE_NO_FLAGS);
	munmap(text, size);
	if (!keymap) {
		fprintf(stderr, "input-client: cannot compile the keymap\n");
		return;
	}
	xkb_state_unref(client->xkb_state);
	xkb_keymap_unref(client->keymap);
	client->keymap = keymap;
	client->xkb_state = xkb_state_new(keymap);
}

static void handle_keyboard_enter(void *data, struct wl_keyboard *keyboard, uint32_t serial,
	struct wl_surface *surface, struct wl_array *keys)
{
	say("keyboard-enter");
}

static void handle_keyboard_leave(void *data, struct wl_keyboard *keyboard, uint32_t serial,
	struct wl_surface *surface)
{
	say("keyboard-leave");
}

static void write_key_text(struct client *client, uint32_t key)
{
	if (client->keys_fd < 0 || !client->xkb_state) {
		return;
	}
	char text[64];
	int len = xkb_state_key_get_utf8(client->xkb_state, key + 8, text, sizeof(text));
	if (len <= 0 || (size_t)len >= sizeof(text)) {
		return;
	}
	if (write(client->keys_fd, text, (size_t)len) != len) {
		fprintf(stderr, "input-client: cannot write the key text: %s\n", strerror(errno));
	}
}

static void handle_keyboard_key(void *data, struct wl_keyboard *keyboard, uint32_t serial,
	uint32_t time, uint32_t key, uint32_t state)
{
	struct client *client = data;
	bool pressed = state == WL_KEYBOARD_KEY_STATE_PRESSED;
	say("key %u %s", key, pressed ? "pressed" : "released");
	if (pressed) {
		write_key_text(client, key);
	}
}

static void handle_keyboard_modifiers(void *data, struct wl_keyboard *keyboard, uint32_t serial,
	uint32_t depressed, uint32_t latched, uint32_t locked, uint32_t group)
{
	struct client *client = data;
	say("modifiers %u %u %u %u", depressed, latched, locked, group);
	if (client->xkb_state) {
		xkb_state_update_mask(client->xkb_state, depressed, latched, locked, 0, 0, group);
	}
}

static void handle_keyboard_repeat_info(void *data, struct wl_keyboard *keyboard, int32_t rate,
	int32_t delay)
{
	say("repeat-info %d %d", rate, delay);
}

static const struct wl_keyboard_listener keyboard_listener = {
	.keymap = handle_keyboard_keymap,
	.enter = handle_keyboard_enter,
	.leave = handle_keyboard_leave,
	.key = handle_keyboard_key,
	.modifiers = handle_keyboard_modifiers,
	.repeat_info = handle_keyboard_repeat_info,
};

/* ---- Seat and globals */

static void handle_seat_capabilities(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct client *client = data;
	bool has_pointer = caps & WL_SEAT_CAPABILITY_POINTER;
	bool has_keyboard = caps & WL_SEAT_CAPABILITY_KEYBOARD;
	if (has_pointer && !client->pointer) {
		client->pointer = wl_seat_get_pointer(seat);
		wl_pointer_add_listener(client->pointer, &pointer_listener, client);
	} else if (!has_pointer && client->pointer) {
		wl_pointer_release(client->pointer);
		client->pointer = NULL;
	}
	if (has_keyboard && !client->keyboard) {
		client->keyboard = wl_seat_get_keyboard(seat);
		wl_keyboard_add_listener(client->keyboard, &keyboard_listener, client);
	} else if (!has_keyboard && client->keyboard) {
		wl_keyboard_release(client->keyboard);
		client->keyboard = NULL;
	}
}

static void handle_seat_name(void *data, struct wl_seat *seat, const char *name)
{
}

static const struct wl_seat_listener seat_listener = {
	.capabilities = handle_seat_capabilities,
	.name = handle_seat_name,
};

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static void handle_global(void *data, struct wl_registry *registry, uint32_t name,
	const char *interface, uint32_t version)
{
	struct client *client = data;
	if (strcmp(interface, wl_compositor_interface.name) == 0) {
		client->compositor = wl_registry_bind(registry, name, &wl_compositor_interface,
			min_u32(version, 4));
	} else if (strcmp(interface, wl_subcompositor_interface.name) == 0) {
		client->subcompositor =
			wl_registry_bind(registry, name, &wl_subcompositor_interface, 1);
	} else if (strcmp(interface, wl_shm_interface.name) == 0) {
		client->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0) {
		client->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(client->wm_base, &wm_base_listener, client);
	} else if (strcmp(interface, wl_seat_interface.name) == 0 && !client->seat) {
		/* Version 5 to 7: frames and axis_discrete (8 replaced it with value120). */
		client->seat =
			wl_registry_bind(registry, name, &wl_seat_interface, min_u32(version, 7));
		wl_seat_add_listener(client->seat, &seat_listener, client);
	}
}

static void handle_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = handle_global,
	.global_remove = handle_global_remove,
};

/* ---- Options */

static bool parse_colour(const char *str, uint32_t *colour)
{
	char *end;
	unsigned long value = strtoul(str, &end, 16);
	if (strlen(str) != 6 || *end) {
		fprintf(stderr, "input-client: bad colour '%s' (expected RRGGBB)\n", str);
		return false;
	}
	*colour = (uint32_t)value;
	return true;
}

static bool parse_size(const char *str, int *width, int *height)
{
	char tail;
	if (sscanf(str, "%dx%d%c", width, height, &tail) != 2 || *width <= 0 || *height <= 0 ||
		*width > 8192 || *height > 8192) {
		fprintf(stderr, "input-client: bad size '%s' (expected WxH)\n", str);
		return false;
	}
	return true;
}

static bool parse_count(const char *str, int min, int max, int *value)
{
	char tail;
	if (sscanf(str, "%d%c", value, &tail) != 1 || *value < min || *value > max) {
		fprintf(stderr, "input-client: bad number '%s' (expected %d to %d)\n", str, min,
			max);
		return false;
	}
	return true;
}

static bool parse_point(const char *str, int *x, int *y)
{
	char tail;
	if (sscanf(str, "%d,%d%c", x, y, &tail) != 2 || *x < 0 || *y < 0) {
		fprintf(stderr, "input-client: bad point '%s' (expected X,Y)\n", str);
		return false;
	}
	return true;
}

static bool parse_rect(const char *str, struct rect *rect)
{
	char tail;
	if (sscanf(str, "%d,%d,%dx%d%c", &rect->x, &rect->y, &rect->width, &rect->height, &tail) !=
			4 ||
		rect->width <= 0 || rect->height <= 0 || rect->width > 8192 ||
		rect->height > 8192) {
		fprintf(stderr, "input-client: bad rectangle '%s' (expected X,Y,WxH)\n", str);
		return false;
	}
	return true;
}

static bool parse_options(int argc, char *argv[], struct client *client, const char **title,
	const char **keys_path)
{
	enum {
		OPT_SIZE = 256,
		OPT_COLOUR,
		OPT_SUBSURFACE,
		OPT_SUB_COLOUR,
		OPT_POPUP,
		OPT_POPUP_COLOUR,
		OPT_WRITE_KEYS,
		OPT_KEYMAP_FILE,
		OPT_TITLE,
		OPT_FULLSCREEN,
		OPT_CURSOR,
		OPT_SHADOW,
		OPT_SHADOW_COLOUR,
		OPT_BUFFER_SCALE,
		OPT_DOT,
		OPT_MIN_SIZE,
		OPT_MAX_SIZE,
	};
	static const struct option options[] = {
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "colour", required_argument, NULL, OPT_COLOUR },
		{ "subsurface", required_argument, NULL, OPT_SUBSURFACE },
		{ "sub-colour", required_argument, NULL, OPT_SUB_COLOUR },
		{ "popup", required_argument, NULL, OPT_POPUP },
		{ "popup-colour", required_argument, NULL, OPT_POPUP_COLOUR },
		{ "write-keys", required_argument, NULL, OPT_WRITE_KEYS },
		{ "keymap-file", required_argument, NULL, OPT_KEYMAP_FILE },
		{ "title", required_argument, NULL, OPT_TITLE },
		{ "shadow", required_argument, NULL, OPT_SHADOW },
		{ "shadow-colour", required_argument, NULL, OPT_SHADOW_COLOUR },
		{ "buffer-scale", required_argument, NULL, OPT_BUFFER_SCALE },
		{ "dot", required_argument, NULL, OPT_DOT },
		{ "min-size", required_argument, NULL, OPT_MIN_SIZE },
		{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
		{ "fullscreen", no_argument, NULL, OPT_FULLSCREEN },
		{ "cursor", required_argument, NULL, OPT_CURSOR },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		bool ok = true;
		switch (c) {
		case OPT_SIZE:
			ok = parse_size(optarg, &client->width, &client->height);
			break;
		case OPT_COLOUR:
			ok = parse_colour(optarg, &client->colour);
			break;
		case OPT_SUBSURFACE:
			ok = parse_rect(optarg, &client->sub_rect);
			client->has_sub = true;
			break;
		case OPT_SUB_COLOUR:
			ok = parse_colour(optarg, &client->sub_colour);
			break;
		case OPT_POPUP:
			ok = parse_rect(optarg, &client->popup_rect);
			client->has_popup = true;
			break;
		case OPT_POPUP_COLOUR:
			ok = parse_colour(optarg, &client->popup_colour);
			break;
		case OPT_WRITE_KEYS:
			*keys_path = optarg;
			break;
		case OPT_KEYMAP_FILE:
			client->keymap_path = optarg;
			break;
		case OPT_TITLE:
			*title = optarg;
			break;
		case OPT_SHADOW:
			ok = parse_count(optarg, 0, 1000, &client->shadow);
			break;
		case OPT_SHADOW_COLOUR:
			ok = parse_colour(optarg, &client->shadow_colour);
			break;
		case OPT_BUFFER_SCALE:
			ok = parse_count(optarg, 1, 4, &client->buffer_scale);
			break;
		case OPT_DOT:
			ok = parse_point(optarg, &client->dot_x, &client->dot_y);
			break;
		case OPT_MIN_SIZE:
			ok = parse_size(optarg, &client->min_width, &client->min_height);
			break;
		case OPT_MAX_SIZE:
			ok = parse_size(optarg, &client->max_width, &client->max_height);
			break;
		case OPT_CURSOR:
			ok = parse_colour(optarg, &client->cursor_colour);
			client->has_cursor = true;
			break;
		case OPT_FULLSCREEN:
			client->want_fullscreen = true;
			break;
		case 'h':
			printf("%s", usage);
			exit(0);
		default:
			ok = false;
			fprintf(stderr, "%s", usage);
			break;
		}
		if (!ok) {
			return false;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "input-client: unexpected argument '%s'\n", argv[optind]);
		return false;
	}
	return true;
}

int main(int argc, char *argv[])
{
	struct client client = {
		.width = 200,
		.height = 150,
		.colour = 0x336699,
		.sub_colour = 0xcc6633,
		.popup_colour = 0x9933cc,
		.shadow_colour = 0x11dd77,
		.buffer_scale = 1,
		.dot_x = -1,
		.dot_y = -1,
		.axis_source = -1,
		.keys_fd = -1,
	};
	const char *title = "mullion-test-input-client";
	const char *keys_path = NULL;
	if (!parse_options(argc, argv, &client, &title, &keys_path)) {
		return 2;
	}
	if (keys_path) {
		client.keys_fd = open(keys_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (client.keys_fd < 0) {
			fprintf(stderr, "input-client: cannot open %s: %s\n", keys_path,
				strerror(errno));
			return 2;
		}
	}
	client.xkb_context = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	if (!client.xkb_context) {
		fprintf(stderr, "input-client: cannot create an xkb context\n");
		return 2;
	}

	client.display = wl_display_connect(NULL);
	if (!client.display) {
		fprintf(stderr, "input-client: cannot connect to the compositor\n");
		return 2;
	}
	struct wl_registry *registry = wl_display_get_registry(client.display);
	wl_registry_add_listener(registry, &registry_listener, &client);
	if (wl_display_roundtrip(client.display) < 0) {
		fprintf(stderr, "input-client: connection lost\n");
		return 1;
	}
	if (!client.compositor || !client.shm || !client.wm_base || !client.seat ||
		(client.has_sub && !client.subcompositor)) {
		fprintf(stderr, "input-client: the compositor lacks a global this client needs\n");
		return 1;
	}

	client.surface = wl_compositor_create_surface(client.compositor);
	if (client.has_sub) {
		struct rect *r = &client.sub_rect;
		client.sub_surface = wl_compositor_create_surface(client.compositor);
		client.subsurface = wl_subcompositor_get_subsurface(client.subcompositor,
			client.sub_surface, client.surface);
		/* At X,Y of the window: inside the shadow. */
		wl_subsurface_set_position(client.subsurface, r->x + client.shadow,
			r->y + client.shadow);
		/* Synchronized: shown with the parent's next commit. */
		attach_solid(&client, client.sub_surface, r->width, r->height, client.sub_colour);
		wl_surface_commit(client.sub_surface);
	}
	client.xdg_surface = xdg_wm_base_get_xdg_surface(client.wm_base, client.surface);
	xdg_surface_add_listener(client.xdg_surface, &xdg_surface_listener, &client);
	client.toplevel = xdg_surface_get_toplevel(client.xdg_surface);
	xdg_toplevel_add_listener(client.toplevel, &toplevel_listener, &client);
	xdg_toplevel_set_title(client.toplevel, title);
	xdg_toplevel_set_app_id(client.toplevel, "mullion-test-input-client");
	if (client.min_width > 0) {
		xdg_toplevel_set_min_size(client.toplevel, client.min_width, client.min_height);
	}
	if (client.max_width > 0) {
		xdg_toplevel_set_max_size(client.toplevel, client.max_width, client.max_height);
	}
	if (client.want_fullscreen) {
		xdg_toplevel_set_fullscreen(client.toplevel, NULL);
	}
	wl_surface_commit(client.surface);

	while (!client.closed && wl_display_dispatch(client.display) != -1) {
		/* Events are handled in the listeners. */
	}
	int status = client.closed ? 0 : 1;
	if (!client.closed) {
		fprintf(stderr, "input-client: connection lost\n");
	}

	popup_destroy(&client);
	xkb_state_unref(client.xkb_state);
	xkb_keymap_unref(client.keymap);
	xkb_context_unref(client.xkb_context);
	if (client.keys_fd >= 0) {
		close(client.keys_fd);
	}
	wl_display_disconnect(client.display);
	return status;
}
