/*
 * Windows that other windows hide entirely are not drawn.
 *
 * wlroots 0.15's scene draws, for each damaged box, every node under it,
 * however many opaque windows lie on top: a screen of many stacked
 * windows costs the compositor a copy per window per box. Before each
 * render, occlusion_cull turns off the content of every window that the
 * opaque parts of the windows above it cover whole, and turns it back on
 * the moment any pixel of it shows. A window partly in view is drawn as
 * before.
 *
 * A hidden VM window still gets its frame callbacks, at each frame of the
 * output as if it showed (occlusion_send_frames): were they to stop, its
 * VM would learn when it is covered, and by growing its window or opening
 * popups where it likes, the outline of the windows above it, other VMs'
 * included. So it still costs its agent's and bridge's copies; only
 * dom0's own clients, which are trusted, go without frames while hidden.
 */
#ifndef COMPOSITOR_OCCLUSION_H
#define COMPOSITOR_OCCLUSION_H

#include <stdbool.h>
#include <time.h>

struct server;
struct view;

void occlusion_cull(struct server *server);
/* Frame callbacks for the VM windows occlusion_cull turned off; after
 * wlr_scene_output_send_frame_done, which skips them. */
void occlusion_send_frames(struct server *server, struct timespec *now);
/* A change of a hidden window's own (a commit, a move, a popup) damages
 * nothing, so nothing would render: asks for a frame, which culls again
 * and, for a VM window, sends its frame callbacks. */
void occlusion_view_changed(struct view *view);
/* Whether the windows above view, as they stand, hide all of it. */
bool occlusion_view_hidden(struct server *server, struct view *view);

#endif
