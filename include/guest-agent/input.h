/*
 * dom0's input, delivered to the VM's clients through the agent's wlr_seat.
 * dom0 decides which window has the keyboard and where the pointer is;
 * the agent only finds the (sub)surface under the pointer inside that
 * window and passes events on. dom0_link.c has already checked the order
 * of the messages; a window that is gone here simply gets nothing.
 */
#ifndef GUEST_AGENT_INPUT_H
#define GUEST_AGENT_INPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/wire/protocol.h"

struct agent_server;
struct wlr_input_device;
struct wlr_surface;
struct xkb_context;

struct agent_input {
	struct agent_server *server;
	struct xkb_context *xkb;
	/* The seat's keyboard: a headless device whose keymap is dom0's. */
	struct wlr_input_device *keyboard;
	/* Where dom0 says the pointer is (0: outside this VM) and its last
	 * position there, local to the window's root surface. */
	uint32_t pointer_window;
	double pointer_x, pointer_y;
	/* While a button is held, motion stays with the surface that got
	 * the press (implicit grab); this is its origin in the window. */
	double grab_origin_x, grab_origin_y;
};

/* Creates the seat's keyboard (with a default keymap until dom0's comes)
 * and advertises keyboard and pointer from the start. */
bool agent_input_init(struct agent_input *input, struct agent_server *server);
void agent_input_finish(struct agent_input *input);

/* A complete keymap from dom0 (XKB text, maybe NUL-terminated). */
void agent_input_set_keymap(struct agent_input *input, const uint8_t *text, uint32_t size);
void agent_input_keyboard_enter(struct agent_input *input, uint32_t window_id);
void agent_input_keyboard_leave(struct agent_input *input);
void agent_input_key(struct agent_input *input, const struct wire_key *key);
void agent_input_modifiers(struct agent_input *input, const struct wire_modifiers *modifiers);

void agent_input_pointer_enter(struct agent_input *input, const struct wire_pointer_enter *enter);
void agent_input_pointer_leave(struct agent_input *input);
void agent_input_pointer_motion(struct agent_input *input,
	const struct wire_pointer_motion *motion);
void agent_input_pointer_button(struct agent_input *input,
	const struct wire_pointer_button *button);
void agent_input_pointer_axis(struct agent_input *input, const struct wire_pointer_axis *axis);
void agent_input_pointer_frame(struct agent_input *input);

/* dom0 went away: nothing is focused any more. */
void agent_input_forget_dom0(struct agent_input *input);

#endif
