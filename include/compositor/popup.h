/*
 * A popup (xdg_popup) shown on its parent window: framed in the VM's colour
 * when a VM's, and kept on the output by dom0 whatever the VM asked for.
 */
#ifndef COMPOSITOR_POPUP_H
#define COMPOSITOR_POPUP_H

#include <wayland-server-core.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_xdg_shell.h>

#include "compositor/decoration.h"

struct server;
struct view;

struct popup {
	struct wlr_xdg_surface *xdg_surface;
	struct view *view; /* the toplevel at the root of its chain */
	struct wlr_scene_tree *tree; /* under the parent's surface node */
	struct wlr_scene_tree *frame_tree; /* VM popups: at the popup's place */
	struct wlr_scene_node *surface_node;
	struct decoration decoration; /* VM popups only */

	struct wl_listener map;
	struct wl_listener unmap;
	struct wl_listener destroy;
	struct wl_listener commit;
};

/* NULL (logged) when the popup has no shown parent of its own client. */
struct popup *popup_create(struct server *server, struct wlr_xdg_surface *xdg_surface);
void popup_destroy(struct popup *popup);

#endif
