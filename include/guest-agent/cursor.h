/*
 * The pointer image the VM's clients ask for (wl_pointer.set_cursor), sent
 * to dom0 as CURSOR_IMAGE, which shows it only over the VM's windows. Only
 * the client under the pointer may set it; an image larger than
 * WIRE_MAX_CURSOR_SIZE or in a format other than ARGB/XRGB8888 is not
 * sent (dom0 then shows its own).
 */
#ifndef GUEST_AGENT_CURSOR_H
#define GUEST_AGENT_CURSOR_H

#include <stdint.h>
#include <wayland-server-core.h>

struct agent_server;
struct wlr_surface;

struct agent_cursor {
	struct agent_server *server;
	struct wlr_surface *surface; /* the client's cursor surface; NULL: hidden */
	int32_t hotspot_x, hotspot_y;
	struct wl_listener request_set_cursor; /* wlr_seat */
	struct wl_listener surface_commit; /* surface */
	struct wl_listener surface_destroy; /* surface */
};

void agent_cursor_init(struct agent_cursor *cursor, struct agent_server *server);
void agent_cursor_finish(struct agent_cursor *cursor);
/* dom0 is (again) there: it gets the current image. */
void agent_cursor_announce(struct agent_cursor *cursor);

#endif
