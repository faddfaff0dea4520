/*
 * The compositor's wl_keyboard and wl_pointer events for the bridge's
 * surfaces, forwarded to the VM as KEYMAP, KEYBOARD_ENTER/LEAVE, KEY,
 * MODIFIERS and POINTER_*. Values come from the trusted compositor; they
 * are still clamped to the wire's bounds, because the encoder refuses
 * what the VM's decoder would.
 */
#include "vm-bridge/input.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/util/log.h"
#include "common/wire/protocol.h"
#include "vm-bridge/dom0_client.h"
#include "vm-bridge/scale.h"
#include "vm-bridge/shm_buffer.h"
#include "vm-bridge/vm_link.h"
#include "vm-bridge/window.h"

/* axis_discrete and frame need version 5; nothing later is used. */
#define SEAT_VERSION 5

static int32_t clamp_i32(int32_t value, int32_t bound)
{
	return value < -bound ? -bound : value > bound ? bound : value;
}

/* A pointer coordinate, logical 24.8 from the compositor, as the VM's
 * window pixels (24.8), within the wire's bound. */
static int32_t pointer_coordinate(const struct bridge_input *input, wl_fixed_t value, int32_t bound)
{
	return (int32_t)scale_to_window(value, input->link->output_scale, bound);
}

static bool vm_takes_input(struct bridge_input *input)
{
	return input->link->connected && (input->link->validate.vm_capabilities & WIRE_CAP_INPUT);
}

/* The VM window of a surface of ours, or 0. */
static uint32_t window_of_surface(struct bridge_input *input, struct wl_surface *surface)
{
	if (surface == NULL) {
		return WIRE_ID_INVALID;
	}
	struct bridge_window *window = bridge_window_from_surface(input->link, surface);
	return window != NULL ? window->id : WIRE_ID_INVALID;
}

/* The window that has focus on this connection, or 0 when focus was
 * given on an earlier connection (whose windows are gone). */
static uint32_t current(struct bridge_input *input, uint32_t window, uint32_t connection)
{
	return connection == input->link->connection ? window : WIRE_ID_INVALID;
}

static void send(struct bridge_input *input, const struct wire_msg *msg)
{
	if (vm_takes_input(input)) {
		vm_link_send(input->link, msg);
	}
}

/* Tells the VM which window has the keyboard, once it can: the agent
 * takes focus only after a keymap. */
static void send_keyboard_enter(struct bridge_input *input)
{
	uint32_t window = current(input, input->focus_window, input->focus_connection);
	if (window == WIRE_ID_INVALID || input->link->keymap == NULL || !vm_takes_input(input) ||
		current(input, input->keyboard_window, input->keyboard_connection) !=
			WIRE_ID_INVALID ||
		bridge_window_find(input->link, window) == NULL) {
		return;
	}
	input->keyboard_window = window;
	input->keyboard_connection = input->link->connection;
	struct wire_msg enter = {
		.type = WIRE_KEYBOARD_ENTER,
		.keyboard_enter = { .window_id = window },
	};
	send(input, &enter);
}

static void handle_keyboard_keymap(void *data, struct wl_keyboard *keyboard, uint32_t format,
	int32_t fd, uint32_t size)
{
	struct bridge_input *input = data;
	if (format != WL_KEYBOARD_KEYMAP_FORMAT_XKB_V1 || size == 0 ||
		size > WIRE_MAX_KEYMAP_BYTES) {
		mlog(MLOG_ERROR, "keymap of format %u and %u bytes not forwarded", format, size);
		close(fd);
		return;
	}
	void *text = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (text == MAP_FAILED) {
		mlog_errno(MLOG_ERROR, "cannot map the compositor's keymap");
		return;
	}
	vm_link_set_keymap(input->link, text, size);
	munmap(text, size);
	send_keyboard_enter(input);
}

static void handle_keyboard_enter(void *data, struct wl_keyboard *keyboard, uint32_t serial,
	struct wl_surface *surface, struct wl_array *keys)
{
	struct bridge_input *input = data;
	/* The keys already down (the shortcut that gave focus) are not
	 * the VM's business: KEYBOARD_ENTER carries none. */
	input->focus_window = window_of_surface(input, surface);
	input->focus_connection = input->link->connection;
	send_keyboard_enter(input);
}

static void handle_keyboard_leave(void *data, struct wl_keyboard *keyboard, uint32_t serial,
	struct wl_surface *surface)
{
	struct bridge_input *input = data;
	uint32_t window = current(input, input->keyboard_window, input->keyboard_connection);
	input->keyboard_window = WIRE_ID_INVALID;
	input->focus_window = WIRE_ID_INVALID;
	if (window == WIRE_ID_INVALID) {
		return;
	}
	struct wire_msg leave = {
		.type = WIRE_KEYBOARD_LEAVE,
		.keyboard_leave = { .window_id = window },
	};
	send(input, &leave);
}

static void handle_keyboard_key(void *data, struct wl_keyboard *keyboard, uint32_t serial,
	uint32_t time, uint32_t key, uint32_t state)
{
	struct bridge_input *input = data;
	if (state == WL_KEYBOARD_KEY_STATE_PRESSED) {
		input->dom0->input_serial = serial;
	}
	if (current(input, input->keyboard_window, input->keyboard_connection) == WIRE_ID_INVALID ||
		key > WIRE_MAX_KEYCODE || state > WIRE_PRESSED) {
		return;
	}
	struct wire_msg msg = {
		.type = WIRE_KEY,
		.key = { .time_msec = time, .keycode = key, .state = state },
	};
	send(input, &msg);
}

static void handle_keyboard_modifiers(void *data, struct wl_keyboard *keyboard, uint32_t serial,
	uint32_t depressed, uint32_t latched, uint32_t locked, uint32_t group)
{
	struct bridge_input *input = data;
	if (current(input, input->keyboard_window, input->keyboard_connection) == WIRE_ID_INVALID) {
		return;
	}
	struct wire_msg msg = {
		.type = WIRE_MODIFIERS,
		.modifiers = {
			.depressed = depressed,
			.latched = latched,
			.locked = locked,
			.group = group <= WIRE_MAX_XKB_GROUP ? group : 0,
		},
	};
	send(input, &msg);
}

static void handle_keyboard_repeat_info(void *data, struct wl_keyboard *keyboard, int32_t rate,
	int32_t delay)
{
	/* The VM's clients repeat at the agent's rate; dom0's is not sent. */
}

static const struct wl_keyboard_listener keyboard_listener = {
	.keymap = handle_keyboard_keymap,
	.enter = handle_keyboard_enter,
	.leave = handle_keyboard_leave,
	.key = handle_keyboard_key,
	.modifiers = handle_keyboard_modifiers,
	.repeat_info = handle_keyboard_repeat_info,
};

static void pointer_leave_now(struct bridge_input *input)
{
	uint32_t window = current(input, input->pointer_window, input->pointer_connection);
	input->pointer_window = WIRE_ID_INVALID;
	if (window == WIRE_ID_INVALID) {
		return;
	}
	struct wire_msg leave = {
		.type = WIRE_POINTER_LEAVE,
		.pointer_leave = { .window_id = window },
	};
	send(input, &leave);
}

/* Shows the VM's pointer image, if it sent one, while the pointer is in. */
static void apply_cursor(struct bridge_input *input)
{
	if (!input->cursor_from_vm || input->pointer == NULL ||
		current(input, input->pointer_window, input->pointer_connection) ==
			WIRE_ID_INVALID) {
		return; /* the compositor's default stays */
	}
	if (input->cursor_buffer == NULL) {
		wl_pointer_set_cursor(input->pointer, input->enter_serial, NULL, 0, 0);
		return;
	}
	wl_pointer_set_cursor(input->pointer, input->enter_serial, input->cursor_surface,
		input->cursor_hotspot_x, input->cursor_hotspot_y);
}

void bridge_input_set_cursor(struct bridge_input *input, const struct wire_cursor_image *image)
{
	if (input->cursor_surface == NULL) {
		input->cursor_surface = wl_compositor_create_surface(input->dom0->compositor);
		if (input->cursor_surface == NULL) {
			return;
		}
	}
	shm_buffer_destroy(input->cursor_buffer);
	input->cursor_buffer = NULL;
	input->cursor_from_vm = true;
	/* validate.c: width, height <= WIRE_MAX_CURSOR_SIZE, the hotspot
	 * inside, length = width * height * 4; 0x0 hides the pointer. */
	if (image->width > 0 && image->height > 0) {
		input->cursor_buffer = shm_buffer_create(input->dom0->shm, image->width,
			image->height, WL_SHM_FORMAT_ARGB8888);
		if (input->cursor_buffer == NULL) {
			return;
		}
		memcpy(input->cursor_buffer->data, image->pixels, image->length);
		/* Drawn at the VM's scale, like its windows; the hotspot is
		 * in the surface's logical pixels. */
		int32_t scale = input->link->output_scale;
		input->cursor_hotspot_x = scale_to_logical_floor(image->hotspot_x, scale);
		input->cursor_hotspot_y = scale_to_logical_floor(image->hotspot_y, scale);
		wl_surface_set_buffer_scale(input->cursor_surface, scale);
		wl_surface_attach(input->cursor_surface, input->cursor_buffer->buffer, 0, 0);
		wl_surface_damage_buffer(input->cursor_surface, 0, 0, INT32_MAX, INT32_MAX);
		wl_surface_commit(input->cursor_surface);
	}
	apply_cursor(input);
}

static void handle_pointer_enter(void *data, struct wl_pointer *pointer, uint32_t serial,
	struct wl_surface *surface, wl_fixed_t x, wl_fixed_t y)
{
	struct bridge_input *input = data;
	input->enter_serial = serial;
	pointer_leave_now(input); /* the agent wants a leave before an enter */
	uint32_t window = window_of_surface(input, surface);
	if (window == WIRE_ID_INVALID || !vm_takes_input(input)) {
		return;
	}
	input->pointer_window = window;
	input->pointer_connection = input->link->connection;
	apply_cursor(input);
	/* wl_fixed_t is the wire's 24.8. */
	struct wire_msg enter = {
		.type = WIRE_POINTER_ENTER,
		.pointer_enter = {
			.window_id = window,
			.x = pointer_coordinate(input, x, WIRE_MAX_POINTER_X),
			.y = pointer_coordinate(input, y, WIRE_MAX_POINTER_Y),
		},
	};
	send(input, &enter);
}

static void handle_pointer_leave(void *data, struct wl_pointer *pointer, uint32_t serial,
	struct wl_surface *surface)
{
	pointer_leave_now(data);
}

static bool pointer_inside(struct bridge_input *input)
{
	return current(input, input->pointer_window, input->pointer_connection) != WIRE_ID_INVALID;
}

static void handle_pointer_motion(void *data, struct wl_pointer *pointer, uint32_t time,
	wl_fixed_t x, wl_fixed_t y)
{
	struct bridge_input *input = data;
	if (!pointer_inside(input)) {
		return;
	}
	struct wire_msg motion = {
		.type = WIRE_POINTER_MOTION,
		.pointer_motion = {
			.time_msec = time,
			.x = pointer_coordinate(input, x, WIRE_MAX_POINTER_X),
			.y = pointer_coordinate(input, y, WIRE_MAX_POINTER_Y),
		},
	};
	send(input, &motion);
}

static void handle_pointer_button(void *data, struct wl_pointer *pointer, uint32_t serial,
	uint32_t time, uint32_t button, uint32_t state)
{
	struct bridge_input *input = data;
	if (state == WL_POINTER_BUTTON_STATE_PRESSED) {
		input->dom0->input_serial = serial; /* for a menu's grab */
	}
	/* Buttons outside the BTN_MOUSE block (tablet, joystick codes)
	 * have no wire form. */
	if (!pointer_inside(input) || button < WIRE_MIN_BUTTON || button > WIRE_MAX_BUTTON ||
		state > WIRE_PRESSED) {
		return;
	}
	struct wire_msg msg = {
		.type = WIRE_POINTER_BUTTON,
		.pointer_button = { .time_msec = time, .button = button, .state = state },
	};
	send(input, &msg);
}

static struct bridge_axis *axis_of(struct bridge_input *input, uint32_t axis)
{
	return axis <= WIRE_AXIS_HORIZONTAL ? &input->axes[axis] : NULL;
}

static void handle_pointer_axis(void *data, struct wl_pointer *pointer, uint32_t time,
	uint32_t axis, wl_fixed_t value)
{
	struct bridge_input *input = data;
	struct bridge_axis *a = axis_of(input, axis);
	if (a == NULL) {
		return;
	}
	a->pending = true;
	a->value = clamp_i32(a->value + clamp_i32(value, WIRE_MAX_AXIS_VALUE), WIRE_MAX_AXIS_VALUE);
	input->axis_time = time;
}

static void handle_pointer_axis_source(void *data, struct wl_pointer *pointer, uint32_t source)
{
	struct bridge_input *input = data;
	input->axis_source =
		source <= WIRE_AXIS_SOURCE_WHEEL_TILT ? source : WIRE_AXIS_SOURCE_CONTINUOUS;
}

static void handle_pointer_axis_stop(void *data, struct wl_pointer *pointer, uint32_t time,
	uint32_t axis)
{
	struct bridge_input *input = data;
	struct bridge_axis *a = axis_of(input, axis);
	if (a == NULL) {
		return;
	}
	a->pending = true;
	a->stop = true;
	input->axis_time = time;
}

static void handle_pointer_axis_discrete(void *data, struct wl_pointer *pointer, uint32_t axis,
	int32_t discrete)
{
	struct bridge_input *input = data;
	struct bridge_axis *a = axis_of(input, axis);
	if (a == NULL) {
		return;
	}
	a->pending = true;
	a->discrete = clamp_i32(a->discrete + clamp_i32(discrete, WIRE_MAX_AXIS_DISCRETE),
		WIRE_MAX_AXIS_DISCRETE);
}

static void handle_pointer_frame(void *data, struct wl_pointer *pointer)
{
	struct bridge_input *input = data;
	bool inside = pointer_inside(input);
	for (uint32_t axis = WIRE_AXIS_VERTICAL; axis <= WIRE_AXIS_HORIZONTAL; axis++) {
		struct bridge_axis *a = &input->axes[axis];
		if (a->pending && inside) {
			/* A stop is a zero scroll from a finger (the spec's
			 * encoding of wl_pointer.axis_stop). */
			struct wire_msg msg = {
				.type = WIRE_POINTER_AXIS,
				.pointer_axis = {
					.time_msec = input->axis_time,
					.axis = axis,
					.value = a->stop && a->value == 0 ? 0 : a->value,
					.discrete = a->discrete,
					.source = a->stop && a->value == 0
						? WIRE_AXIS_SOURCE_FINGER
						: input->axis_source,
				},
			};
			send(input, &msg);
		}
		*a = (struct bridge_axis){ 0 };
	}
	input->axis_source = WIRE_AXIS_SOURCE_WHEEL;
	if (inside) {
		struct wire_msg frame = { .type = WIRE_POINTER_FRAME };
		send(input, &frame);
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

static void handle_seat_capabilities(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct bridge_input *input = data;
	bool want_keyboard = caps & WL_SEAT_CAPABILITY_KEYBOARD;
	bool want_pointer = caps & WL_SEAT_CAPABILITY_POINTER;
	if (want_keyboard && input->keyboard == NULL) {
		input->keyboard = wl_seat_get_keyboard(seat);
		wl_keyboard_add_listener(input->keyboard, &keyboard_listener, input);
	} else if (!want_keyboard && input->keyboard != NULL) {
		handle_keyboard_leave(input, input->keyboard, 0, NULL);
		wl_keyboard_release(input->keyboard);
		input->keyboard = NULL;
	}
	if (want_pointer && input->pointer == NULL) {
		input->pointer = wl_seat_get_pointer(seat);
		wl_pointer_add_listener(input->pointer, &pointer_listener, input);
	} else if (!want_pointer && input->pointer != NULL) {
		pointer_leave_now(input);
		wl_pointer_release(input->pointer);
		input->pointer = NULL;
	}
}

static void handle_seat_name(void *data, struct wl_seat *seat, const char *name)
{
}

static const struct wl_seat_listener seat_listener = {
	.capabilities = handle_seat_capabilities,
	.name = handle_seat_name,
};

struct bridge_input *bridge_input_create(struct dom0_client *dom0, struct vm_link *link)
{
	struct bridge_input *input = calloc(1, sizeof(*input));
	if (input == NULL) {
		mlog(MLOG_ERROR, "out of memory");
		return NULL;
	}
	input->link = link;
	input->dom0 = dom0;
	if (dom0->seat_name == 0 || dom0->seat_version < SEAT_VERSION) {
		mlog(MLOG_INFO,
			"the compositor has no wl_seat of version %d: no input reaches the VM",
			SEAT_VERSION);
		return input;
	}
	input->dom0 = dom0;
	input->seat =
		wl_registry_bind(dom0->registry, dom0->seat_name, &wl_seat_interface, SEAT_VERSION);
	dom0->seat = input->seat;
	wl_seat_add_listener(input->seat, &seat_listener, input);
	return input;
}

void bridge_input_destroy(struct bridge_input *input)
{
	if (input == NULL) {
		return;
	}
	if (input->keyboard != NULL) {
		wl_keyboard_release(input->keyboard);
	}
	if (input->pointer != NULL) {
		wl_pointer_release(input->pointer);
	}
	shm_buffer_destroy(input->cursor_buffer);
	if (input->cursor_surface != NULL) {
		wl_surface_destroy(input->cursor_surface);
	}
	if (input->seat != NULL) {
		input->dom0->seat = NULL;
		wl_seat_release(input->seat);
	}
	free(input);
}
