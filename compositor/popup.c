/*
 * Popups (menus, tooltips) of VM windows. A VM's popup is placed on its
 * parent by the VM's positioner, but dom0 has the last word: it keeps the
 * popup, with its frame, on the output, checking again whenever the popup
 * is configured or moved (QSB-072/073), and frames it in the VM's colour
 * so it cannot pass for dom0's or another VM's. dom0's own popups get no
 * frame.
 */
#include "compositor/popup.h"

#include <stdlib.h>
#include <wlr/util/log.h>

#include "compositor/occlusion.h"
#include "compositor/server.h"
#include "compositor/view.h"
#include "compositor/vm.h"

/* A popup's frame is thinner than a window's, but never absent. */
static int popup_border(const struct server *server)
{
	int border = (int)server->config->border_width / 2;
	return border > 0 ? border : 1;
}

/* The root toplevel of a popup chain. */
static struct view *root_view(struct wlr_xdg_surface *xdg_surface)
{
	while (xdg_surface != NULL && xdg_surface->role == WLR_XDG_SURFACE_ROLE_POPUP) {
		struct wlr_surface *parent = xdg_surface->popup->parent;
		xdg_surface = parent ? wlr_xdg_surface_from_wlr_surface(parent) : NULL;
	}
	if (xdg_surface == NULL || xdg_surface->role != WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
		return NULL;
	}
	struct wlr_scene_node *node = xdg_surface->data;
	while (node != NULL && node->data == NULL) {
		node = node->parent;
	}
	return node ? node->data : NULL;
}

/*
 * Keeps the popup and its frame on the output its toplevel is on, in the
 * toplevel's coordinates (content origin at the view's x, y).
 */
static void keep_on_screen(struct popup *popup)
{
	struct view *view = popup->view;
	struct wlr_output *output =
		wlr_output_layout_output_at(view->server->output_layout, view->x, view->y);
	struct wlr_box *layout_box = wlr_output_layout_get_box(view->server->output_layout, output);
	if (layout_box == NULL) {
		return;
	}
	struct wlr_box area = *layout_box;
	int border = popup_border(view->server);
	struct wlr_box box = {
		.x = area.x - view->x + border,
		.y = area.y - view->y + border,
		.width = area.width - 2 * border,
		.height = area.height - 2 * border,
	};
	if (box.width <= 0 || box.height <= 0) {
		return;
	}
	/* The positioner's coordinates are relative to the parent; the box
	 * is in the root toplevel's, which is what wlroots asks for. */
	wlr_xdg_popup_unconstrain_from_box(popup->xdg_surface->popup, &box);
}

static void update_frame(struct popup *popup)
{
	if (popup->view == NULL || popup->view->vm == NULL) {
		return;
	}
	struct wlr_box geometry;
	wlr_xdg_surface_get_geometry(popup->xdg_surface, &geometry);
	const struct wlr_box *placed = &popup->xdg_surface->popup->geometry;
	wlr_scene_node_set_position(&popup->frame_tree->node, placed->x, placed->y);
	decoration_set_size(&popup->decoration, geometry.width, geometry.height);
}

static void handle_map(struct wl_listener *listener, void *data)
{
	struct popup *popup = wl_container_of(listener, popup, map);
	update_frame(popup);
	wlr_scene_node_set_enabled(&popup->tree->node, true);
	if (popup->view) {
		occlusion_view_changed(popup->view);
	}
}

static void handle_unmap(struct wl_listener *listener, void *data)
{
	struct popup *popup = wl_container_of(listener, popup, unmap);
	wlr_scene_node_set_enabled(&popup->tree->node, false);
	/* A menu with a grab had the keyboard; when it closes, the keyboard
	 * goes back to its window (not nowhere), if nothing else took it. */
	struct wlr_seat *seat = popup->view->server->seat;
	struct wlr_surface *focused = seat->keyboard_state.focused_surface;
	if (focused == NULL || focused == popup->xdg_surface->surface) {
		wlr_seat_keyboard_notify_clear_focus(seat);
		view_focus(popup->view);
	}
}

static void handle_commit(struct wl_listener *listener, void *data)
{
	struct popup *popup = wl_container_of(listener, popup, commit);
	if (popup->view != NULL && popup->view->vm != NULL) {
		/* A reposition (or the first commit) may have placed it
		 * anywhere the VM liked: check again. */
		struct wlr_box before = popup->xdg_surface->popup->geometry;
		keep_on_screen(popup);
		const struct wlr_box *after = &popup->xdg_surface->popup->geometry;
		if (after->x != before.x || after->y != before.y || after->width != before.width ||
			after->height != before.height) {
			wlr_xdg_surface_schedule_configure(popup->xdg_surface);
		}
	}
	update_frame(popup);
	if (popup->view) {
		occlusion_view_changed(popup->view);
	}
}

static void handle_destroy(struct wl_listener *listener, void *data)
{
	struct popup *popup = wl_container_of(listener, popup, destroy);
	popup_destroy(popup);
}

struct popup *popup_create(struct server *server, struct wlr_xdg_surface *xdg_surface)
{
	struct wlr_xdg_surface *parent = xdg_surface->popup->parent
		? wlr_xdg_surface_from_wlr_surface(xdg_surface->popup->parent)
		: NULL;
	struct wlr_scene_node *parent_node = parent ? parent->data : NULL;
	struct view *view = root_view(xdg_surface);
	struct vm *vm = vm_from_client(server, wl_resource_get_client(xdg_surface->resource));
	if (parent_node == NULL || view == NULL) {
		wlr_log(WLR_DEBUG, "Popup without a shown parent, ignored");
		return NULL;
	}
	/* A popup lives in its parent's VM, or in dom0 with a dom0 parent:
	 * the compositor gives one client's popup to another's surface
	 * never, but check what shows the frame colour. */
	if (view->vm != vm) {
		wlr_log(WLR_ERROR, "Popup of another client's window refused");
		return NULL;
	}

	struct popup *popup = calloc(1, sizeof(*popup));
	if (popup == NULL) {
		wlr_log(WLR_ERROR, "Out of memory");
		return NULL;
	}
	popup->xdg_surface = xdg_surface;
	popup->view = view;
	popup->tree = wlr_scene_tree_create(parent_node);
	if (popup->tree == NULL) {
		free(popup);
		return NULL;
	}
	wlr_scene_node_set_enabled(&popup->tree->node, false);
	if (vm != NULL) {
		popup->frame_tree = wlr_scene_tree_create(&popup->tree->node);
		if (popup->frame_tree == NULL) {
			wlr_scene_node_destroy(&popup->tree->node);
			free(popup);
			return NULL;
		}
		decoration_init(&popup->decoration, &popup->frame_tree->node, vm->config->rgb,
			popup_border(server));
	}
	/* Positions itself at the popup's place on the parent. */
	popup->surface_node = wlr_scene_xdg_surface_create(&popup->tree->node, xdg_surface);
	if (popup->surface_node == NULL) {
		decoration_finish(&popup->decoration);
		wlr_scene_node_destroy(&popup->tree->node);
		free(popup);
		return NULL;
	}
	/* Its own popups attach below its surface node. */
	xdg_surface->data = popup->surface_node;

	popup->map.notify = handle_map;
	wl_signal_add(&xdg_surface->events.map, &popup->map);
	popup->unmap.notify = handle_unmap;
	wl_signal_add(&xdg_surface->events.unmap, &popup->unmap);
	popup->destroy.notify = handle_destroy;
	wl_signal_add(&xdg_surface->events.destroy, &popup->destroy);
	popup->commit.notify = handle_commit;
	wl_signal_add(&xdg_surface->surface->events.commit, &popup->commit);

	if (vm != NULL) {
		/* Before its first configure, so the VM draws it where it
		 * will be shown. */
		keep_on_screen(popup);
	}
	return popup;
}

void popup_destroy(struct popup *popup)
{
	if (popup == NULL) {
		return;
	}
	wl_list_remove(&popup->map.link);
	wl_list_remove(&popup->unmap.link);
	wl_list_remove(&popup->destroy.link);
	wl_list_remove(&popup->commit.link);
	popup->xdg_surface->data = NULL;
	decoration_finish(&popup->decoration);
	wlr_scene_node_destroy(&popup->tree->node);
	free(popup);
}
