/*
 * dom0's input, as the compositor gives it to the bridge's surfaces, turned
 * into the wire's input messages for the VM. The compositor decides who
 * gets input (only the surface it focused); this file only translates, and
 * keeps the order rules the agent checks: a keymap before keyboard focus,
 * keys only with focus, pointer events only inside an entered window, a
 * leave before the next enter.
 */
#ifndef VM_BRIDGE_INPUT_H
#define VM_BRIDGE_INPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-client.h>

struct dom0_client;
struct shm_buffer;
struct vm_link;
struct wire_cursor_image;

/* One axis of a wl_pointer frame, until the frame event ends it. */
struct bridge_axis {
	bool pending;
	bool stop; /* axis_stop: the finger left */
	int32_t value; /* 24.8, summed over the frame */
	int32_t discrete; /* wheel steps, summed */
};

struct bridge_input {
	struct dom0_client *dom0;
	struct vm_link *link;
	struct wl_seat *seat;
	struct wl_keyboard *keyboard;
	struct wl_pointer *pointer;

	/* The VM window dom0 focused, as told to the VM on the connection
	 * numbered *_connection (vm_link::connection); 0: none. */
	uint32_t keyboard_window, keyboard_connection;
	/* The window the compositor focused, told to the VM as soon as
	 * it has a keymap; 0: none. */
	uint32_t focus_window, focus_connection;
	uint32_t pointer_window, pointer_connection;

	struct bridge_axis axes[2]; /* WIRE_AXIS_VERTICAL, _HORIZONTAL */
	uint32_t axis_source, axis_time;

	/* The VM's pointer image (CURSOR_IMAGE), shown by the compositor
	 * only while the pointer is over one of this VM's windows. */
	struct wl_surface *cursor_surface;
	struct shm_buffer *cursor_buffer; /* NULL: none, or hidden */
	int32_t cursor_hotspot_x, cursor_hotspot_y;
	bool cursor_from_vm; /* the VM sent one (0x0 too) */
	uint32_t enter_serial; /* of the last pointer enter, for set_cursor */
};

/*
 * Binds the compositor's wl_seat (if it has one) and forwards its
 * keyboard and pointer events to link's VM. NULL, logged, on failure; a
 * compositor without a seat gives an input that forwards nothing.
 */
struct bridge_input *bridge_input_create(struct dom0_client *dom0, struct vm_link *link);
void bridge_input_destroy(struct bridge_input *input);
/* A validated CURSOR_IMAGE: the VM's pointer image from now on. */
void bridge_input_set_cursor(struct bridge_input *input, const struct wire_cursor_image *image);

#endif
