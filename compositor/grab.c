#include "compositor/grab.h"

#include <wlr/types/wlr_xcursor_manager.h>
#include <wlr/util/edges.h>
#include <wlr/util/log.h>

#include "compositor/server.h"
#include "compositor/title_bar.h"
#include "compositor/view.h"
#include "compositor/vm.h"

/* The smallest size a resize leaves a window at. */
#define GRAB_MIN_SIZE 32

bool grab_begin(struct server *server, struct view *view, double sx, double sy)
{
	if (view == NULL || view->vm == NULL || view->fullscreen) {
		return false;
	}
	struct wlr_box geometry;
	wlr_xdg_surface_get_geometry(view->xdg_surface, &geometry);
	int border = (int)server->config->border_width;
	uint32_t edges = WLR_EDGE_NONE;
	enum grab_mode mode;
	if (sy < -border && sy >= -border - TITLE_BAR_HEIGHT) {
		mode = GRAB_MOVE;
	} else {
		if (sx < 0) {
			edges |= WLR_EDGE_LEFT;
		} else if (sx >= geometry.width) {
			edges |= WLR_EDGE_RIGHT;
		}
		if (sy < 0) {
			edges |= WLR_EDGE_TOP;
		} else if (sy >= geometry.height) {
			edges |= WLR_EDGE_BOTTOM;
		}
		if (edges == WLR_EDGE_NONE || view->maximized) {
			return false; /* on the content: the client's press */
		}
		mode = GRAB_RESIZE;
	}
	server->grab = (struct grab){
		.mode = mode,
		.view = view,
		.cursor_x = server->cursor->x,
		.cursor_y = server->cursor->y,
		.view_x = view->x,
		.view_y = view->y,
		.geometry = geometry,
		.edges = edges,
	};
	/* While dom0 moves or resizes, no client has the pointer. */
	wlr_seat_pointer_clear_focus(server->seat);
	wlr_xcursor_manager_set_cursor_image(server->cursor_manager,
		mode == GRAB_MOVE ? "grabbing" : "se-resize", server->cursor);
	return true;
}

bool grab_motion(struct server *server)
{
	struct grab *grab = &server->grab;
	if (grab->mode == GRAB_NONE) {
		return false;
	}
	int dx = (int)(server->cursor->x - grab->cursor_x);
	int dy = (int)(server->cursor->y - grab->cursor_y);
	if (grab->mode == GRAB_MOVE) {
		/* view_move keeps the frame on the output. */
		view_move(grab->view, grab->view_x + dx, grab->view_y + dy);
		return true;
	}
	int x = grab->view_x, y = grab->view_y;
	int width = grab->geometry.width, height = grab->geometry.height;
	if (grab->edges & WLR_EDGE_RIGHT) {
		width += dx;
	} else if (grab->edges & WLR_EDGE_LEFT) {
		width -= dx;
	}
	if (grab->edges & WLR_EDGE_BOTTOM) {
		height += dy;
	} else if (grab->edges & WLR_EDGE_TOP) {
		height -= dy;
	}
	width = width < GRAB_MIN_SIZE ? GRAB_MIN_SIZE : width;
	height = height < GRAB_MIN_SIZE ? GRAB_MIN_SIZE : height;
	/* The opposite edge stays where it was. */
	if (grab->edges & WLR_EDGE_LEFT) {
		x = grab->view_x + grab->geometry.width - width;
	}
	if (grab->edges & WLR_EDGE_TOP) {
		y = grab->view_y + grab->geometry.height - height;
	}
	view_move(grab->view, x, y);
	/* The size is asked for; fit_to_output checks what comes back. */
	view_request_size(grab->view, width, height);
	return true;
}

void grab_end(struct server *server)
{
	server->grab = (struct grab){ .mode = GRAB_NONE };
}

void grab_forget_view(struct server *server, struct view *view)
{
	if (server->grab.view == view) {
		grab_end(server);
	}
}
