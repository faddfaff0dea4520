/*
 * Windows that other windows hide entirely are not drawn and get no
 * frames.
 *
 * wlroots 0.15's scene draws, for each damaged box, every node under it,
 * however many opaque windows lie on top: a screen of many stacked
 * windows costs the compositor a copy per window per box. Nor does it
 * hold back frame callbacks from a window nobody can see, so a hidden VM
 * window keeps its client drawing, its agent and its bridge copying.
 * Before each render, occlusion_cull turns off the content of every
 * window that the opaque parts of the windows above it cover whole, and
 * turns it back on the moment any pixel of it shows. A window partly in
 * view is drawn as before.
 */
#ifndef COMPOSITOR_OCCLUSION_H
#define COMPOSITOR_OCCLUSION_H

#include <stdbool.h>

struct server;
struct view;

void occlusion_cull(struct server *server);
/* Whether the windows above view, as they stand, hide all of it. */
bool occlusion_view_hidden(struct server *server, struct view *view);

#endif
