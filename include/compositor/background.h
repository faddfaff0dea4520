/*
 * The screen's background colour, under every view.
 *
 * Not a wlr_scene_rect: wlroots 0.15's pixman renderer draws a rect by
 * allocating and filling an image of the rect's size on every frame, which
 * for an output-sized rect is most of a frame's cost (35 MB at 4K). A
 * buffer filled once costs a plain copy of the damaged area instead.
 */
#ifndef COMPOSITOR_BACKGROUND_H
#define COMPOSITOR_BACKGROUND_H

struct server;

/* Covers the output layout's current box; call when outputs change. */
void background_fit(struct server *server);
void background_finish(struct server *server);

#endif
