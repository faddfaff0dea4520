#include "compositor/server.h"

#include <stdlib.h>
#include <wlr/backend/headless.h>
#include <wlr/backend/multi.h>
#include <wlr/types/wlr_compositor.h>
#include <wlr/types/wlr_data_device.h>
#include <wlr/types/wlr_export_dmabuf_v1.h>
#include <wlr/types/wlr_screencopy_v1.h>
#include <wlr/types/wlr_viewporter.h>
#include <wlr/types/wlr_presentation_time.h>
#include <wlr/types/wlr_xdg_output_v1.h>
#include <wlr/util/log.h>

#include "compositor/background.h"
#include "compositor/input.h"
#include "compositor/notice.h"
#include "compositor/output.h"
#include "compositor/security.h"
#include "compositor/vm.h"
#include "compositor/xdg_shell.h"

void server_rgb_to_float(uint32_t rgb, float out[static 4])
{
	out[0] = (float)((rgb >> 16) & 0xff) / 255.0f;
	out[1] = (float)((rgb >> 8) & 0xff) / 255.0f;
	out[2] = (float)(rgb & 0xff) / 255.0f;
	out[3] = 1.0f;
}

static bool create_scene(struct server *server)
{
	server->scene = wlr_scene_create();
	if (!server->scene) {
		wlr_log(WLR_ERROR, "Cannot create the scene graph");
		return false;
	}
	if (!wlr_scene_attach_output_layout(server->scene, server->output_layout)) {
		wlr_log(WLR_ERROR, "Cannot attach the scene to the layout");
		return false;
	}
	server->background_tree = wlr_scene_tree_create(&server->scene->node);
	server->view_tree = wlr_scene_tree_create(&server->scene->node);
	server->overlay_tree = wlr_scene_tree_create(&server->scene->node);
	/* The background itself comes with the first output. */
	return server->background_tree && server->view_tree && server->overlay_tree;
}

bool server_init(struct server *server, const struct server_options *options)
{
	server->config = options->config;
	server->bridge_path = options->bridge_path;
	server->headless_width = options->headless_width;
	server->headless_height = options->headless_height;
	server->benchmark = options->benchmark;
	server->benchmark_hz = options->benchmark_hz;
	server->place_in_grid = options->place_in_grid;
	wl_list_init(&server->outputs);
	wl_list_init(&server->views);
	wl_list_init(&server->keyboards);
	wl_list_init(&server->vms);
	/* So a partial init can be finished by server_finish. */
	wl_list_init(&server->new_output.link);

	server->display = wl_display_create();
	if (!server->display) {
		wlr_log(WLR_ERROR, "Cannot create the Wayland display");
		return false;
	}
	server->event_loop = wl_display_get_event_loop(server->display);

	/* Before any global exists, so none is ever visible unfiltered. */
	security_init(server);

	server->backend = wlr_backend_autocreate(server->display);
	if (!server->backend) {
		wlr_log(WLR_ERROR,
			"Cannot create a backend (set WLR_BACKENDS=headless to run without a display)");
		return false;
	}
	server->renderer = wlr_renderer_autocreate(server->backend);
	if (!server->renderer) {
		wlr_log(WLR_ERROR,
			"Cannot create a renderer (WLR_RENDERER=pixman works without a GPU)");
		return false;
	}
	if (!wlr_renderer_init_wl_display(server->renderer, server->display)) {
		wlr_log(WLR_ERROR, "Cannot set up shm/dmabuf for the renderer");
		return false;
	}
	server->allocator = wlr_allocator_autocreate(server->backend, server->renderer);
	if (!server->allocator) {
		wlr_log(WLR_ERROR, "Cannot create an allocator");
		return false;
	}

	/* In wlroots 0.15 the compositor also creates wl_subcompositor. */
	if (!wlr_compositor_create(server->display, server->renderer) ||
		!wlr_data_device_manager_create(server->display) ||
		!wlr_viewporter_create(server->display)) {
		wlr_log(WLR_ERROR, "Cannot create the core globals");
		return false;
	}

	server->output_layout = wlr_output_layout_create();
	if (!server->output_layout || !create_scene(server)) {
		wlr_log(WLR_ERROR, "Cannot create the output layout");
		return false;
	}
	wlr_xdg_output_manager_v1_create(server->display, server->output_layout);
	struct wlr_presentation *presentation =
		wlr_presentation_create(server->display, server->backend);
	if (presentation) {
		wlr_scene_set_presentation(server->scene, presentation);
	}

	server->new_output.notify = handle_new_output;
	wl_signal_add(&server->backend->events.new_output, &server->new_output);

	if (!xdg_shell_init(server) || !input_init(server) || !clipboard_init(server)) {
		return false;
	}

	/* dom0-only: the security filter hides these from every VM. */
	wlr_screencopy_manager_v1_create(server->display);
	wlr_export_dmabuf_manager_v1_create(server->display);
	server->foreign_toplevel_manager = wlr_foreign_toplevel_manager_v1_create(server->display);
	return true;
}

bool server_start(struct server *server)
{
	server->socket = wl_display_add_socket_auto(server->display);
	if (!server->socket) {
		wlr_log(WLR_ERROR,
			"Cannot open a Wayland socket (is XDG_RUNTIME_DIR set and writable?)");
		return false;
	}
	if (!wlr_backend_start(server->backend)) {
		wlr_log(WLR_ERROR, "Cannot start the backend");
		return false;
	}
	output_add_headless(server);
	return output_start_refresh(server);
}

void server_finish(struct server *server)
{
	if (!server->display) {
		return;
	}
	vms_stop(server);
	if (server->render_idle) {
		wl_event_source_remove(server->render_idle);
		server->render_idle = NULL;
	}
	if (server->render_timer) {
		wl_event_source_remove(server->render_timer);
		server->render_timer = NULL;
	}
	wl_display_destroy_clients(server->display);
	notice_finish(server);
	switcher_close(server);
	clipboard_finish(server);
	wl_list_remove(&server->new_output.link);
	xdg_shell_finish(server);
	input_finish(server);
	/* Before the display: an xdg popup grab listens for the seat's
	 * destroy, and wl_display_destroy frees xdg-shell (and its grabs)
	 * before the seat. */
	if (server->seat) {
		wlr_seat_destroy(server->seat);
		server->seat = NULL;
	}
	background_finish(server);
	wlr_backend_destroy(server->backend);
	/* The scene listens to the layout: the layout goes first. */
	wlr_output_layout_destroy(server->output_layout);
	server->output_layout = NULL;
	if (server->scene) {
		wlr_scene_node_destroy(&server->scene->node);
	}
	wlr_allocator_destroy(server->allocator);
	wlr_renderer_destroy(server->renderer);
	wl_display_destroy(server->display);
	title_bar_release_fonts();
	server->display = NULL;
}
