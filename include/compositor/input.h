#ifndef COMPOSITOR_INPUT_H
#define COMPOSITOR_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wayland-server-core.h>
#include <wlr/types/wlr_input_device.h>

struct server;

/* Keys held down at once that dom0 took for itself, at most. */
#define KEYBOARD_TAKEN_MAX 8

struct keyboard {
	struct server *server;
	struct wlr_input_device *device;
	struct wl_list link; // server::keyboards
	/* Pressed keys dom0 took (bindings.c): their releases are dom0's. */
	uint32_t taken[KEYBOARD_TAKEN_MAX];
	size_t taken_count;

	struct wl_listener modifiers;
	struct wl_listener key;
	struct wl_listener destroy;
};

bool input_init(struct server *server);
void input_finish(struct server *server);

#endif
