#include "guest-agent/decoration.h"

#include <stdlib.h>
#include <wlr/types/wlr_server_decoration.h>
#include <wlr/types/wlr_xdg_decoration_v1.h>
#include <wlr/util/log.h>

#include "guest-agent/server.h"

/* One client's xdg-decoration object of one toplevel. */
struct decoration {
	struct wlr_xdg_toplevel_decoration_v1 *decoration;
	/* Added in handle_new_toplevel_decoration, removed in
	 * decoration_destroy. */
	struct wl_listener request_mode; /* wlr_xdg_toplevel_decoration_v1 */
	struct wl_listener destroy; /* wlr_xdg_toplevel_decoration_v1 */
};

static void decoration_destroy(struct decoration *decoration)
{
	wl_list_remove(&decoration->request_mode.link);
	wl_list_remove(&decoration->destroy.link);
	free(decoration);
}

static void handle_decoration_request_mode(struct wl_listener *listener, void *data)
{
	struct decoration *decoration = wl_container_of(listener, decoration, request_mode);
	/* Whatever the client asks for: the answer is always dom0's. */
	wlr_xdg_toplevel_decoration_v1_set_mode(decoration->decoration,
		WLR_XDG_TOPLEVEL_DECORATION_V1_MODE_SERVER_SIDE);
}

static void handle_decoration_destroy(struct wl_listener *listener, void *data)
{
	struct decoration *decoration = wl_container_of(listener, decoration, destroy);
	decoration_destroy(decoration);
}

static void handle_new_toplevel_decoration(struct wl_listener *listener, void *data)
{
	struct wlr_xdg_toplevel_decoration_v1 *wlr_decoration = data;
	struct decoration *decoration = calloc(1, sizeof(*decoration));
	if (!decoration) {
		wlr_log(WLR_ERROR, "Out of memory for a decoration");
		wl_resource_post_no_memory(wlr_decoration->resource);
		return;
	}
	decoration->decoration = wlr_decoration;
	decoration->request_mode.notify = handle_decoration_request_mode;
	wl_signal_add(&wlr_decoration->events.request_mode, &decoration->request_mode);
	decoration->destroy.notify = handle_decoration_destroy;
	wl_signal_add(&wlr_decoration->events.destroy, &decoration->destroy);
	/* Emitted once the toplevel had its initial commit: the mode joins
	 * its first configure. */
	wlr_xdg_toplevel_decoration_v1_set_mode(wlr_decoration,
		WLR_XDG_TOPLEVEL_DECORATION_V1_MODE_SERVER_SIDE);
}

bool agent_decoration_init(struct agent_server *server)
{
	server->xdg_decoration_manager = wlr_xdg_decoration_manager_v1_create(server->display);
	if (!server->xdg_decoration_manager) {
		wlr_log(WLR_ERROR, "Cannot create xdg-decoration");
		return false;
	}
	server->new_toplevel_decoration.notify = handle_new_toplevel_decoration;
	wl_signal_add(&server->xdg_decoration_manager->events.new_toplevel_decoration,
		&server->new_toplevel_decoration);

	server->server_decoration_manager = wlr_server_decoration_manager_create(server->display);
	if (!server->server_decoration_manager) {
		wlr_log(WLR_ERROR, "Cannot create server-decoration");
		return false;
	}
	wlr_server_decoration_manager_set_default_mode(server->server_decoration_manager,
		WLR_SERVER_DECORATION_MANAGER_MODE_SERVER);
	return true;
}

void agent_decoration_finish(struct agent_server *server)
{
	wl_list_remove(&server->new_toplevel_decoration.link);
	wl_list_init(&server->new_toplevel_decoration.link);
}
