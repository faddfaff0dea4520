#include "compositor/reload.h"

#include <signal.h>
#include <wlr/util/log.h>

#include "compositor/config.h"
#include "compositor/server.h"
#include "compositor/view.h"
#include "compositor/vm.h"

/* Redraws every VM window's frame and title bar from its VM's config. */
static void redraw_frames(struct server *server)
{
	struct view *view;
	wl_list_for_each(view, &server->views, link) {
		if (view->vm == NULL) {
			continue;
		}
		view_refresh_frame(view);
	}
}

static int handle_sighup(int signal, void *data)
{
	struct server *server = data;
	char error[CONFIG_ERROR_MAX];
	struct config *config = config_load(server->config_path, error, sizeof(error));
	if (config == NULL) {
		wlr_log(WLR_ERROR, "SIGHUP: the config is not reloaded: %s", error);
		return 0;
	}
	/* Every VM was told the scale when its bridge connected. */
	if (config->output_scale != server->config->output_scale) {
		wlr_log(WLR_ERROR, "SIGHUP: output-scale stays %u until the next start, not %u",
			server->config->output_scale, config->output_scale);
		config->output_scale = server->config->output_scale;
	}
	/* The old config stays alive until every VM and view points at the
	 * new one. */
	struct config *old = server->owned_config;
	vms_reconfigure(server, config);
	server->config = config;
	server->owned_config = config;
	redraw_frames(server);
	config_destroy(old);
	wlr_log(WLR_INFO, "SIGHUP: config %s reloaded", server->config_path);
	return 0;
}

bool reload_init(struct server *server, const char *config_path)
{
	server->config_path = config_path;
	server->sighup_source =
		wl_event_loop_add_signal(server->event_loop, SIGHUP, handle_sighup, server);
	if (server->sighup_source == NULL) {
		wlr_log(WLR_ERROR, "Cannot watch SIGHUP: the config cannot be reloaded");
		return false;
	}
	return true;
}

void reload_finish(struct server *server)
{
	if (server->sighup_source) {
		wl_event_source_remove(server->sighup_source);
		server->sighup_source = NULL;
	}
}
