/*
 * Window management by the pointer, decided by dom0 alone: a press on a
 * VM window's title bar moves the window, a press on its border resizes
 * it, until the button is released. No client sees the pointer meanwhile,
 * and every position and size is checked against the output again.
 */
#ifndef COMPOSITOR_GRAB_H
#define COMPOSITOR_GRAB_H

#include <stdbool.h>
#include <stdint.h>
#include <wlr/util/box.h>

struct server;
struct view;

enum grab_mode {
	GRAB_NONE,
	GRAB_MOVE,
	GRAB_RESIZE,
};

struct grab {
	enum grab_mode mode;
	struct view *view;
	double cursor_x, cursor_y; /* where the press was, layout coordinates */
	int view_x, view_y; /* the view's content origin then */
	struct wlr_box geometry; /* its size then */
	uint32_t edges; /* WLR_EDGE_* being dragged (resize) */
};

/* A press at the cursor on view's frame (sx, sy from its content origin):
 * starts a move or a resize. False if the point is not on the frame. */
bool grab_begin(struct server *server, struct view *view, double sx, double sy);
/* The cursor moved: true if a grab took the motion. */
bool grab_motion(struct server *server);
void grab_end(struct server *server);
/* The view is going: a grab of it ends. */
void grab_forget_view(struct server *server, struct view *view);

#endif
