#ifndef COMPOSITOR_INPUT_H
#define COMPOSITOR_INPUT_H

#include <stdbool.h>
#include <wayland-server-core.h>
#include <wlr/types/wlr_input_device.h>

struct server;

struct keyboard {
	struct server *server;
	struct wlr_input_device *device;
	struct wl_list link; // server::keyboards

	struct wl_listener modifiers;
	struct wl_listener key;
	struct wl_listener destroy;
};

bool input_init(struct server *server);
void input_finish(struct server *server);

#endif
