#include "compositor/xdg_shell.h"

#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/log.h>

#include "compositor/popup.h"
#include "compositor/server.h"
#include "compositor/view.h"

static void handle_new_xdg_surface(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, new_xdg_surface);
	struct wlr_xdg_surface *xdg_surface = data;

	switch (xdg_surface->role) {
	case WLR_XDG_SURFACE_ROLE_TOPLEVEL:
		view_create(server, xdg_surface);
		break;
	case WLR_XDG_SURFACE_ROLE_POPUP:
		popup_create(server, xdg_surface);
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
