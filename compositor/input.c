/*
 * dom0 owns every input device. Keys and pointer events go to the client
 * dom0 chose (the focused view), never to one that asked.
 */
#include "compositor/input.h"

#include <linux/input-event-codes.h>
#include <stdlib.h>
#include <wlr/interfaces/wlr_input_device.h>
#include <wlr/interfaces/wlr_keyboard.h>
#include <wlr/types/wlr_data_device.h>
#include <wlr/types/wlr_keyboard.h>
#include <wlr/types/wlr_pointer.h>
#include <wlr/util/log.h>
#include <xkbcommon/xkbcommon.h>

#include "compositor/config.h"
#include "compositor/bindings.h"
#include "compositor/server.h"
#include "compositor/view.h"

static void handle_keyboard_modifiers(struct wl_listener *listener, void *data)
{
	struct keyboard *keyboard = wl_container_of(listener, keyboard, modifiers);
	wlr_seat_set_keyboard(keyboard->server->seat, keyboard->device);
	wlr_seat_keyboard_notify_modifiers(keyboard->server->seat,
		&keyboard->device->keyboard->modifiers);
}

static void handle_keyboard_key(struct wl_listener *listener, void *data)
{
	struct keyboard *keyboard = wl_container_of(listener, keyboard, key);
	struct wlr_event_keyboard_key *event = data;
	if (bindings_handle_key(keyboard, event)) {
		return; /* dom0's own key: no client sees it */
	}
	wlr_seat_set_keyboard(keyboard->server->seat, keyboard->device);
	wlr_seat_keyboard_notify_key(keyboard->server->seat, event->time_msec, event->keycode,
		event->state);
}

static void keyboard_destroy(struct keyboard *keyboard)
{
	wl_list_remove(&keyboard->modifiers.link);
	wl_list_remove(&keyboard->key.link);
	wl_list_remove(&keyboard->destroy.link);
	wl_list_remove(&keyboard->link);
	free(keyboard);
}

static void handle_keyboard_destroy(struct wl_listener *listener, void *data)
{
	struct keyboard *keyboard = wl_container_of(listener, keyboard, destroy);
	struct server *server = keyboard->server;
	bool was_seat_keyboard = wlr_seat_get_keyboard(server->seat) == keyboard->device->keyboard;
	keyboard_destroy(keyboard);
	/* The seat goes on with the newest keyboard left, at worst the placeholder. */
	if (was_seat_keyboard && !wl_list_empty(&server->keyboards)) {
		struct keyboard *next = wl_container_of(server->keyboards.next, next, link);
		wlr_seat_set_keyboard(server->seat, next->device);
	}
}

/*
 * Every keyboard of the seat starts with dom0's keymap (keymap: the one
 * compiled from [keyboard] at startup, which the placeholder keeps), so a
 * VM's bridge gets the same one whichever keyboard is the seat's. A
 * virtual keyboard's client sends its own right after (wtype does), and
 * wlroots puts that one in place.
 */
static void add_keyboard(struct server *server, struct wlr_input_device *device,
	struct xkb_keymap *keymap)
{
	struct keyboard *keyboard = calloc(1, sizeof(*keyboard));
	if (!keyboard) {
		wlr_log(WLR_ERROR, "Out of memory");
		return;
	}
	if (!wlr_keyboard_set_keymap(device->keyboard, keymap)) {
		wlr_log(WLR_ERROR, "Cannot give dom0's keymap to keyboard %s", device->name);
		free(keyboard);
		return;
	}
	wlr_keyboard_set_repeat_info(device->keyboard, 25, 600);

	keyboard->server = server;
	keyboard->device = device;
	keyboard->modifiers.notify = handle_keyboard_modifiers;
	wl_signal_add(&device->keyboard->events.modifiers, &keyboard->modifiers);
	keyboard->key.notify = handle_keyboard_key;
	wl_signal_add(&device->keyboard->events.key, &keyboard->key);
	keyboard->destroy.notify = handle_keyboard_destroy;
	wl_signal_add(&device->events.destroy, &keyboard->destroy);
	wl_list_insert(&server->keyboards, &keyboard->link);

	wlr_seat_set_keyboard(server->seat, device);
}

/* dom0's keymap, as the placeholder keeps it from startup to the end. */
static struct xkb_keymap *dom0_keymap(struct server *server)
{
	return server->placeholder_keyboard->keyboard->keymap;
}

/*
 * A keyboard of the seat's own, from the start: every client, a VM's bridge
 * included, gets dom0's keymap with its wl_keyboard, before any keyboard
 * focus, even where no real keyboard exists (headless). Real and virtual
 * keyboards come and go beside it; when the last of them goes, the seat
 * falls back to this one. It is also where dom0's keymap, compiled once
 * from [keyboard] (or XKB_DEFAULT_*), lives for the keyboards that come
 * later.
 */
static bool add_placeholder_keyboard(struct server *server)
{
	char why[CONFIG_ERROR_MAX];
	struct xkb_keymap *keymap =
		config_keyboard_compile(&server->config->keyboard, why, sizeof(why));
	if (!keymap) {
		/* The config check passed, so the environment or xkb-data changed. */
		wlr_log(WLR_ERROR,
			"Cannot compile dom0's keymap from [keyboard] and XKB_DEFAULT_*: %s", why);
		return false;
	}
	struct wlr_input_device *device = calloc(1, sizeof(*device));
	struct wlr_keyboard *keyboard = calloc(1, sizeof(*keyboard));
	if (!device || !keyboard) {
		wlr_log(WLR_ERROR, "Out of memory");
		free(device);
		free(keyboard);
		xkb_keymap_unref(keymap);
		return false;
	}
	/* No impls: wlr_input_device_destroy frees both. */
	wlr_input_device_init(device, WLR_INPUT_DEVICE_KEYBOARD, NULL, "mullion-placeholder", 0, 0);
	wlr_keyboard_init(keyboard, NULL);
	device->keyboard = keyboard;
	server->placeholder_keyboard = device;
	add_keyboard(server, device, keymap);
	/* The placeholder holds its own reference now. */
	xkb_keymap_unref(keymap);
	return wlr_seat_get_keyboard(server->seat) == keyboard;
}

static void handle_new_input(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, new_input);
	struct wlr_input_device *device = data;

	switch (device->type) {
	case WLR_INPUT_DEVICE_KEYBOARD:
		add_keyboard(server, device, dom0_keymap(server));
		break;
	case WLR_INPUT_DEVICE_POINTER:
		wlr_cursor_attach_input_device(server->cursor, device);
		break;
	default:
		break;
	}
}

/* A virtual keyboard of a dom0 client is a keyboard of the seat like any other. */
static void handle_new_virtual_keyboard(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, new_virtual_keyboard);
	struct wlr_virtual_keyboard_v1 *keyboard = data;
	add_keyboard(server, &keyboard->input_device, dom0_keymap(server));
}

static void handle_new_virtual_pointer(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, new_virtual_pointer);
	struct wlr_virtual_pointer_v1_new_pointer_event *event = data;
	struct wlr_input_device *device = &event->new_pointer->input_device;
	/* The cursor forgets the device by itself when it is destroyed. */
	wlr_cursor_attach_input_device(server->cursor, device);
	if (event->suggested_output) {
		/* Absolute motion then spans that output, not the whole layout. */
		wlr_cursor_map_input_to_output(server->cursor, device, event->suggested_output);
	}
}

/*
 * Gives pointer focus to the surface under the cursor, except while a
 * button is held: then the surface that got the press keeps it (implicit
 * grab) and hears of the motion relative to where it was, even outside it.
 */
static void update_pointer_focus(struct server *server, uint32_t time_msec, bool moved)
{
	struct wlr_seat *seat = server->seat;
	if (seat->pointer_state.button_count > 0) {
		if (moved && seat->pointer_state.focused_surface) {
			wlr_seat_pointer_notify_motion(seat, time_msec,
				server->cursor->x - server->pointer_origin_x,
				server->cursor->y - server->pointer_origin_y);
		}
		return;
	}

	struct wlr_surface *surface = NULL;
	double sx, sy;
	struct view *view =
		view_at(server, server->cursor->x, server->cursor->y, &surface, &sx, &sy);
	if (!view) {
		wlr_xcursor_manager_set_cursor_image(server->cursor_manager, "left_ptr",
			server->cursor);
	}
	if (!surface) {
		wlr_seat_pointer_clear_focus(seat);
		return;
	}
	server->pointer_origin_x = server->cursor->x - sx;
	server->pointer_origin_y = server->cursor->y - sy;
	if (surface != seat->pointer_state.focused_surface) {
		/* dom0's pointer until the new client sets its own: one VM's
		 * image never lingers over another's window or dom0's. */
		wlr_xcursor_manager_set_cursor_image(server->cursor_manager, "left_ptr",
			server->cursor);
	}
	/* Sends enter (with sx, sy) only when the surface changes. */
	wlr_seat_pointer_notify_enter(seat, surface, sx, sy);
	if (moved) {
		wlr_seat_pointer_notify_motion(seat, time_msec, sx, sy);
	}
}

static void handle_cursor_motion(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, cursor_motion);
	struct wlr_event_pointer_motion *event = data;
	wlr_cursor_move(server->cursor, event->device, event->delta_x, event->delta_y);
	if (!grab_motion(server)) {
		update_pointer_focus(server, event->time_msec, true);
	}
}

static void handle_cursor_motion_absolute(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, cursor_motion_absolute);
	struct wlr_event_pointer_motion_absolute *event = data;
	wlr_cursor_warp_absolute(server->cursor, event->device, event->x, event->y);
	if (!grab_motion(server)) {
		update_pointer_focus(server, event->time_msec, true);
	}
}

static void handle_cursor_button(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, cursor_button);
	struct wlr_event_pointer_button *event = data;

	if (server->grab.mode != GRAB_NONE) {
		/* dom0's own drag: its release is dom0's too. */
		if (event->state == WLR_BUTTON_RELEASED) {
			grab_end(server);
			update_pointer_focus(server, event->time_msec, false);
		}
		return;
	}
	if (event->state == WLR_BUTTON_PRESSED) {
		/* Click to focus: the window under the pointer gets the keyboard
		 * (and is raised); a press on its frame is dom0's, to move or
		 * resize it, and no client sees it. */
		struct wlr_surface *surface = NULL;
		double sx, sy;
		struct view *view =
			view_at(server, server->cursor->x, server->cursor->y, &surface, &sx, &sy);
		view_focus(view);
		if (view != NULL && surface == NULL && event->button == BTN_LEFT &&
			grab_begin(server, view, server->cursor->x - view->x,
				server->cursor->y - view->y)) {
			return;
		}
	}
	wlr_seat_pointer_notify_button(server->seat, event->time_msec, event->button, event->state);
	if (event->state == WLR_BUTTON_RELEASED && server->seat->pointer_state.button_count == 0) {
		/* The implicit grab ends: focus goes back to what is under the pointer. */
		update_pointer_focus(server, event->time_msec, false);
	}
}

static void handle_cursor_axis(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, cursor_axis);
	struct wlr_event_pointer_axis *event = data;
	wlr_seat_pointer_notify_axis(server->seat, event->time_msec, event->orientation,
		event->delta, event->delta_discrete, event->source);
}

static void handle_cursor_frame(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, cursor_frame);
	wlr_seat_pointer_notify_frame(server->seat);
}

static void handle_request_set_cursor(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, request_set_cursor);
	struct wlr_seat_pointer_request_set_cursor_event *event = data;
	/* Only the client under the pointer may set its image. */
	if (event->seat_client == server->seat->pointer_state.focused_client) {
		wlr_cursor_set_surface(server->cursor, event->surface, event->hotspot_x,
			event->hotspot_y);
	}
}

static void handle_request_set_selection(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, request_set_selection);
	struct wlr_seat_request_set_selection_event *event = data;
	/*
	 * Only dom0's clients get here: VM clients never see
	 * wl_data_device_manager (security.c), and a wlr_data_source does not
	 * say which client made it.
	 */
	wlr_seat_set_selection(server->seat, event->source, event->serial);
}

bool input_init(struct server *server)
{
	/* So input_finish can remove them after a failure below. */
	wl_list_init(&server->new_virtual_keyboard.link);
	wl_list_init(&server->new_virtual_pointer.link);
	server->seat = wlr_seat_create(server->display, "seat0");
	server->cursor = wlr_cursor_create();
	server->cursor_manager = wlr_xcursor_manager_create(NULL, 24);
	if (!server->seat || !server->cursor || !server->cursor_manager) {
		wlr_log(WLR_ERROR, "Cannot create the seat");
		return false;
	}
	wlr_cursor_attach_output_layout(server->cursor, server->output_layout);
	/* The theme at the output's scale (the one output there is). */
	wlr_xcursor_manager_load(server->cursor_manager, (float)server->config->output_scale);

	server->new_input.notify = handle_new_input;
	wl_signal_add(&server->backend->events.new_input, &server->new_input);
	server->cursor_motion.notify = handle_cursor_motion;
	wl_signal_add(&server->cursor->events.motion, &server->cursor_motion);
	server->cursor_motion_absolute.notify = handle_cursor_motion_absolute;
	wl_signal_add(&server->cursor->events.motion_absolute, &server->cursor_motion_absolute);
	server->cursor_button.notify = handle_cursor_button;
	wl_signal_add(&server->cursor->events.button, &server->cursor_button);
	server->cursor_axis.notify = handle_cursor_axis;
	wl_signal_add(&server->cursor->events.axis, &server->cursor_axis);
	server->cursor_frame.notify = handle_cursor_frame;
	wl_signal_add(&server->cursor->events.frame, &server->cursor_frame);
	server->request_set_cursor.notify = handle_request_set_cursor;
	wl_signal_add(&server->seat->events.request_set_cursor, &server->request_set_cursor);
	server->request_set_selection.notify = handle_request_set_selection;
	wl_signal_add(&server->seat->events.request_set_selection, &server->request_set_selection);

	/*
	 * For dom0's test and accessibility tools. Created after the global
	 * filter (security.c), which hides them from every VM.
	 */
	server->virtual_keyboard_manager = wlr_virtual_keyboard_manager_v1_create(server->display);
	server->virtual_pointer_manager = wlr_virtual_pointer_manager_v1_create(server->display);
	if (!server->virtual_keyboard_manager || !server->virtual_pointer_manager) {
		wlr_log(WLR_ERROR, "Cannot create the virtual keyboard and pointer managers");
		return false;
	}
	server->new_virtual_keyboard.notify = handle_new_virtual_keyboard;
	wl_signal_add(&server->virtual_keyboard_manager->events.new_virtual_keyboard,
		&server->new_virtual_keyboard);
	server->new_virtual_pointer.notify = handle_new_virtual_pointer;
	wl_signal_add(&server->virtual_pointer_manager->events.new_virtual_pointer,
		&server->new_virtual_pointer);

	/*
	 * A keyboard from the start, even before any device exists: a client
	 * that finds none (GTK) binds its wl_keyboard late and misses keys.
	 */
	if (!add_placeholder_keyboard(server)) {
		return false;
	}
	wlr_seat_set_capabilities(server->seat,
		WL_SEAT_CAPABILITY_POINTER | WL_SEAT_CAPABILITY_KEYBOARD);
	return true;
}

void input_finish(struct server *server)
{
	if (!server->cursor_manager) {
		return;
	}
	wl_list_remove(&server->new_input.link);
	wl_list_remove(&server->cursor_motion.link);
	wl_list_remove(&server->cursor_motion_absolute.link);
	wl_list_remove(&server->cursor_button.link);
	wl_list_remove(&server->cursor_axis.link);
	wl_list_remove(&server->cursor_frame.link);
	wl_list_remove(&server->request_set_cursor.link);
	wl_list_remove(&server->request_set_selection.link);
	wl_list_remove(&server->new_virtual_keyboard.link);
	wl_list_remove(&server->new_virtual_pointer.link);

	struct keyboard *keyboard, *tmp;
	wl_list_for_each_safe(keyboard, tmp, &server->keyboards, link) {
		keyboard_destroy(keyboard);
	}
	wlr_input_device_destroy(server->placeholder_keyboard);
	server->placeholder_keyboard = NULL;
	wlr_xcursor_manager_destroy(server->cursor_manager);
	wlr_cursor_destroy(server->cursor);
	server->cursor_manager = NULL;
}
