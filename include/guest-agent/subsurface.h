/*
 * A window's subsurfaces, at any depth, followed so that their commits
 * (synchronized or not), maps and unmaps reach the window's shared
 * buffers. One agent_subsurface per wlr_subsurface; each follows its own
 * surface's new subsurfaces, so a tree is followed as it grows.
 */
#ifndef AGENT_SUBSURFACE_H
#define AGENT_SUBSURFACE_H

#include <wayland-server-core.h>

struct agent_window;
struct wlr_subsurface;
struct wlr_surface;

struct agent_subsurface {
	struct agent_window *window;
	struct wlr_subsurface *subsurface;
	struct wl_list link; /* agent_window::subsurfaces */

	/* Added in agent_subsurface_create, removed in _destroy. */
	struct wl_listener destroy; /* wlr_subsurface */
	struct wl_listener map; /* wlr_subsurface */
	struct wl_listener unmap; /* wlr_subsurface */
	struct wl_listener commit; /* its wlr_surface */
	struct wl_listener new_subsurface; /* its wlr_surface */
};

/* Follows subsurface, and the subsurfaces it already has, for window.
 * NULL (logged) if out of memory. */
struct agent_subsurface *agent_subsurface_create(struct agent_window *window,
	struct wlr_subsurface *subsurface);
/* NULL is ok. */
void agent_subsurface_destroy(struct agent_subsurface *subsurface);

/* Follows every subsurface surface already has (those added before the
 * window was made), at any depth. */
void agent_subsurface_follow_existing(struct agent_window *window, struct wlr_surface *surface);

#endif
