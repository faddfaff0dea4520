#include "guest-agent/xdg_shell.h"

#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/log.h>

#include "guest-agent/server.h"
#include "guest-agent/window.h"

static void handle_toplevel_map(struct wl_listener *listener, void *data)
{
	struct agent_window *window = wl_container_of(listener, window, map);
	agent_window_map(window);
}

static void handle_toplevel_unmap(struct wl_listener *listener, void *data)
{
	struct agent_window *window = wl_container_of(listener, window, unmap);
	agent_window_unmap(window);
}

static void handle_toplevel_set_title(struct wl_listener *listener, void *data)
{
	struct agent_window *window = wl_container_of(listener, window, set_title);
	agent_window_title_changed(window);
}

static void handle_toplevel_destroy(struct wl_listener *listener, void *data)
{
	struct agent_window *window = wl_container_of(listener, window, destroy);
	wl_list_remove(&window->map.link);
	wl_list_remove(&window->unmap.link);
	wl_list_remove(&window->set_title.link);
	wl_list_remove(&window->destroy.link);
	agent_window_destroy(window);
}

static void handle_new_xdg_surface(struct wl_listener *listener, void *data)
{
	struct agent_server *server = wl_container_of(listener, server, new_xdg_surface);
	struct wlr_xdg_surface *xdg_surface = data;

	if (xdg_surface->role != WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
		/* The seam for popups: each becomes a window of its own in
		 * dom0, with its parent and position. Until then wlroots
		 * configures them and their frame callbacks ride with their
		 * toplevel's (wlr_xdg_surface_for_each_surface). */
		wlr_log(WLR_DEBUG, "Popup surface %p not shown yet", (void *)xdg_surface);
		return;
	}

	struct agent_window *window = agent_window_create(server, xdg_surface);
	if (!window) {
		wl_resource_post_no_memory(xdg_surface->resource);
		return;
	}
	window->map.notify = handle_toplevel_map;
	wl_signal_add(&xdg_surface->events.map, &window->map);
	window->unmap.notify = handle_toplevel_unmap;
	wl_signal_add(&xdg_surface->events.unmap, &window->unmap);
	window->set_title.notify = handle_toplevel_set_title;
	wl_signal_add(&xdg_surface->toplevel->events.set_title, &window->set_title);
	window->destroy.notify = handle_toplevel_destroy;
	wl_signal_add(&xdg_surface->events.destroy, &window->destroy);
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
