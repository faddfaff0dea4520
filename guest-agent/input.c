#include "guest-agent/input.h"

#include <string.h>
#include <wlr/backend/headless.h>
#include <wlr/interfaces/wlr_keyboard.h>
#include <wlr/types/wlr_input_device.h>
#include <wlr/types/wlr_keyboard.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/types/wlr_surface.h>
#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/log.h>
#include <xkbcommon/xkbcommon.h>

#include "guest-agent/server.h"
#include "guest-agent/window.h"

/* The clients repeat held keys themselves, at this rate (per second) and
 * delay (ms); a leave from dom0 stops them (wl_keyboard.leave). */
#define REPEAT_RATE 25
#define REPEAT_DELAY 600

static double from_fixed(int32_t value)
{
	return value / 256.0;
}

static bool set_keymap(struct agent_input *input, struct xkb_keymap *keymap)
{
	if (keymap == NULL) {
		return false;
	}
	bool ok = wlr_keyboard_set_keymap(input->keyboard->keyboard, keymap);
	xkb_keymap_unref(keymap);
	return ok;
}

bool agent_input_init(struct agent_input *input, struct agent_server *server)
{
	*input = (struct agent_input){ .server = server };
	input->xkb = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	if (input->xkb == NULL) {
		wlr_log(WLR_ERROR, "Cannot create an xkb context");
		return false;
	}
	input->keyboard = wlr_headless_add_input_device(server->backend, WLR_INPUT_DEVICE_KEYBOARD);
	if (input->keyboard == NULL) {
		wlr_log(WLR_ERROR, "Cannot create the seat's keyboard");
		return false;
	}
	/* Until dom0's arrives: clients that bind wl_keyboard at once
	 * (GTK) need one, and never get keys before dom0's anyway. */
	if (!set_keymap(input,
		    xkb_keymap_new_from_names(input->xkb, NULL, XKB_KEYMAP_COMPILE_NO_FLAGS))) {
		wlr_log(WLR_INFO,
			"No default keymap (xkeyboard-config missing?); waiting for dom0's");
	}
	wlr_keyboard_set_repeat_info(input->keyboard->keyboard, REPEAT_RATE, REPEAT_DELAY);
	wlr_seat_set_keyboard(server->seat, input->keyboard);
	wlr_seat_set_capabilities(server->seat,
		WL_SEAT_CAPABILITY_POINTER | WL_SEAT_CAPABILITY_KEYBOARD);
	return true;
}

void agent_input_finish(struct agent_input *input)
{
	/* The keyboard is the backend's: it goes with it. */
	xkb_context_unref(input->xkb);
	input->xkb = NULL;
}

void agent_input_set_keymap(struct agent_input *input, const uint8_t *text, uint32_t size)
{
	/* The wl_keyboard convention ends the text with a NUL; xkbcommon
	 * wants the text without it. */
	size_t length = strnlen((const char *)text, size);
	struct xkb_keymap *keymap = xkb_keymap_new_from_buffer(input->xkb, (const char *)text,
		length, XKB_KEYMAP_FORMAT_TEXT_V1, XKB_KEYMAP_COMPILE_NO_FLAGS);
	if (!set_keymap(input, keymap)) {
		wlr_log(WLR_ERROR,
			"dom0's keymap (%u bytes) does not compile; keeping the last one", size);
		return;
	}
	/* The seat sends the new keymap to every client's wl_keyboard. */
	wlr_seat_set_keyboard(input->server->seat, input->keyboard);
	wlr_log(WLR_DEBUG, "Keymap of %u bytes from dom0 in use", size);
}

static struct wlr_surface *window_surface(struct agent_input *input, uint32_t window_id)
{
	struct agent_window *window = agent_window_from_id(input->server, window_id);
	return window != NULL ? window->xdg_surface->surface : NULL;
}

void agent_input_keyboard_enter(struct agent_input *input, uint32_t window_id)
{
	struct wlr_surface *surface = window_surface(input, window_id);
	if (surface == NULL) {
		return; /* gone here; dom0 will hear of it */
	}
	struct wlr_keyboard *keyboard = input->keyboard->keyboard;
	wlr_seat_set_keyboard(input->server->seat, input->keyboard);
	/* No keys are down as far as the client knows: dom0 sends none. */
	wlr_seat_keyboard_notify_enter(input->server->seat, surface, NULL, 0, &keyboard->modifiers);
}

void agent_input_keyboard_leave(struct agent_input *input)
{
	/* wl_keyboard.leave: the client forgets its pressed keys and stops
	 * repeating them (no key stays down here, QSB-104). */
	wlr_seat_keyboard_notify_clear_focus(input->server->seat);
}

void agent_input_key(struct agent_input *input, const struct wire_key *key)
{
	if (input->server->seat->keyboard_state.focused_surface == NULL) {
		return;
	}
	wlr_seat_keyboard_notify_key(input->server->seat, key->time_msec, key->keycode, key->state);
}

void agent_input_modifiers(struct agent_input *input, const struct wire_modifiers *modifiers)
{
	struct wlr_keyboard *keyboard = input->keyboard->keyboard;
	wlr_keyboard_notify_modifiers(keyboard, modifiers->depressed, modifiers->latched,
		modifiers->locked, modifiers->group);
	wlr_seat_keyboard_notify_modifiers(input->server->seat, &keyboard->modifiers);
}

/* Gives pointer focus to the surface of the pointer's window under the
 * pointer; clears it where the window takes no input. Only the window's
 * own tree: its popups are windows of their own in dom0. */
static void focus_surface_at(struct agent_input *input, uint32_t time_msec)
{
	struct wlr_seat *seat = input->server->seat;
	struct agent_window *window = agent_window_from_id(input->server, input->pointer_window);
	double sx = 0, sy = 0;
	struct wlr_surface *surface = window != NULL
		? wlr_surface_surface_at(window->xdg_surface->surface, input->pointer_x,
			  input->pointer_y, &sx, &sy)
		: NULL;
	if (surface == NULL) {
		wlr_seat_pointer_notify_clear_focus(seat);
		return;
	}
	wlr_seat_pointer_notify_enter(seat, surface, sx, sy);
	wlr_seat_pointer_notify_motion(seat, time_msec, sx, sy);
}

/* dom0's window-local position (window pixels, 24.8) as the pointer's
 * root-surface-local one. */
static void set_position(struct agent_input *input, int32_t x, int32_t y)
{
	struct agent_window *window = agent_window_from_id(input->server, input->pointer_window);
	if (window == NULL) {
		input->pointer_x = from_fixed(x);
		input->pointer_y = from_fixed(y);
		return;
	}
	agent_window_to_surface(window, from_fixed(x), from_fixed(y), &input->pointer_x,
		&input->pointer_y);
}

void agent_input_pointer_enter(struct agent_input *input, const struct wire_pointer_enter *enter)
{
	input->pointer_window = enter->window_id;
	set_position(input, enter->x, enter->y);
	focus_surface_at(input, 0);
}

void agent_input_pointer_leave(struct agent_input *input)
{
	input->pointer_window = WIRE_ID_INVALID;
	wlr_seat_pointer_notify_clear_focus(input->server->seat);
}

void agent_input_pointer_motion(struct agent_input *input, const struct wire_pointer_motion *motion)
{
	set_position(input, motion->x, motion->y);
	struct wlr_seat *seat = input->server->seat;
	if (seat->pointer_state.button_count > 0 && seat->pointer_state.focused_surface != NULL) {
		/* Implicit grab: the pressed surface keeps the pointer,
		 * even outside itself. */
		wlr_seat_pointer_notify_motion(seat, motion->time_msec,
			input->pointer_x - input->grab_origin_x,
			input->pointer_y - input->grab_origin_y);
		return;
	}
	focus_surface_at(input, motion->time_msec);
}

void agent_input_pointer_button(struct agent_input *input, const struct wire_pointer_button *button)
{
	struct wlr_seat *seat = input->server->seat;
	if (seat->pointer_state.focused_surface == NULL) {
		return;
	}
	if (seat->pointer_state.button_count == 0 && button->state == WIRE_PRESSED) {
		input->grab_origin_x = input->pointer_x - seat->pointer_state.sx;
		input->grab_origin_y = input->pointer_y - seat->pointer_state.sy;
	}
	wlr_seat_pointer_notify_button(seat, button->time_msec, button->button,
		button->state == WIRE_PRESSED ? WLR_BUTTON_PRESSED : WLR_BUTTON_RELEASED);
	if (seat->pointer_state.button_count == 0) {
		/* The grab ended: the surface under the pointer now. */
		focus_surface_at(input, button->time_msec);
	}
}

void agent_input_pointer_axis(struct agent_input *input, const struct wire_pointer_axis *axis)
{
	/* The wire's axis and source numbers are wl_pointer's, and
	 * wlroots' enums follow wl_pointer. */
	wlr_seat_pointer_notify_axis(input->server->seat, axis->time_msec,
		(enum wlr_axis_orientation)axis->axis, from_fixed(axis->value), axis->discrete,
		(enum wlr_axis_source)axis->source);
}

void agent_input_pointer_frame(struct agent_input *input)
{
	wlr_seat_pointer_notify_frame(input->server->seat);
}

void agent_input_forget_dom0(struct agent_input *input)
{
	agent_input_pointer_leave(input);
	agent_input_keyboard_leave(input);
}
