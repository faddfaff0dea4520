#include "compositor/xdg_shell.h"

#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/log.h>

#include "compositor/server.h"
#include "compositor/view.h"
#include "compositor/vm.h"

static void add_popup(struct server *server, struct wlr_xdg_surface *popup)
{
	struct vm *vm = vm_from_client(server, wl_resource_get_client(popup->resource));
	if (vm) {
		/*
		 * VM popups need the checks of a later change (stay inside the
		 * parent's VM, re-checked against the screen on every move);
		 * until then they are never shown.
		 */
		wlr_log(WLR_INFO, "VM %s: popup refused (not supported yet)", vm->config->name);
		return;
	}

	struct wlr_xdg_surface *parent = wlr_xdg_surface_from_wlr_surface(popup->popup->parent);
	struct wlr_scene_node *parent_node = parent ? parent->data : NULL;
	if (!parent_node) {
		wlr_log(WLR_DEBUG, "Popup without a shown parent, ignored");
		return;
	}
	popup->data = wlr_scene_xdg_surface_create(parent_node, popup);
}

static void handle_new_xdg_surface(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, new_xdg_surface);
	struct wlr_xdg_surface *xdg_surface = data;

	switch (xdg_surface->role) {
	case WLR_XDG_SURFACE_ROLE_TOPLEVEL:
		view_create(server, xdg_surface);
		break;
	case WLR_XDG_SURFACE_ROLE_POPUP:
		add_popup(server, xdg_surface);
		break;
	case WLR_XDG_SURFACE_ROLE_NONE:
		break;
	}
}

bool xdg_shell_init(struct server *server)
{
	server->xdg_shell = wlr_xdg_shell_create(server->display);
	if (!server->xdg_shell) {
		wlr_log(WLR_ERROR, "Cannot create xdg-shell");
		return false;
	}
	server->new_xdg_surface.notify = handle_new_xdg_surface;
	wl_signal_add(&server->xdg_shell->events.new_surface, &server->new_xdg_surface);
	return true;
}

void xdg_shell_finish(struct server *server)
{
	if (!server->xdg_shell) {
		return;
	}
	wl_list_remove(&server->new_xdg_surface.link);
	server->xdg_shell = NULL;
}
