#include "guest-agent/xdg_shell.h"

#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/log.h>

#include "guest-agent/server.h"
#include "guest-agent/window.h"

static void handle_new_xdg_surface(struct wl_listener *listener, void *data)
{
	struct agent_server *server = wl_container_of(listener, server, new_xdg_surface);
	struct wlr_xdg_surface *xdg_surface = data;

	if (xdg_surface->role == WLR_XDG_SURFACE_ROLE_NONE) {
		return;
	}
	/* Toplevels and popups alike become windows in dom0; a window
	 * follows its surface's signals itself (window.c). */
	if (!agent_window_create(server, xdg_surface)) {
		wl_resource_post_no_memory(xdg_surface->resource);
	}
}

bool agent_xdg_shell_init(struct agent_server *server)
{
	server->xdg_shell = wlr_xdg_shell_create(server->display);
	if (!server->xdg_shell) {
		wlr_log(WLR_ERROR, "Cannot create xdg_shell");
		return false;
	}
	server->new_xdg_surface.notify = handle_new_xdg_surface;
	wl_signal_add(&server->xdg_shell->events.new_surface, &server->new_xdg_surface);
	return true;
}

void agent_xdg_shell_finish(struct agent_server *server)
{
	wl_list_remove(&server->new_xdg_surface.link);
	wl_list_init(&server->new_xdg_surface.link);
}
