#include "compositor/output.h"

#include <stdlib.h>
#include <time.h>
#include <wlr/backend/headless.h>
#include <wlr/backend/multi.h>
#include <wlr/util/log.h>

#include "compositor/server.h"

static void fit_background(struct server *server)
{
	struct wlr_box *box =
		wlr_output_layout_get_box(server->output_layout, NULL);
	if (!box) {
		return;
	}
	wlr_scene_node_set_position(&server->background->node, box->x, box->y);
	wlr_scene_rect_set_size(server->background, box->width, box->height);
}

static void handle_output_frame(struct wl_listener *listener, void *data)
{
	struct output *output = wl_container_of(listener, output, frame);

	wlr_scene_output_commit(output->scene_output);

	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	wlr_scene_output_send_frame_done(output->scene_output, &now);
}

static void handle_output_destroy(struct wl_listener *listener, void *data)
{
	struct output *output = wl_container_of(listener, output, destroy);
	output_destroy(output);
}

void output_destroy(struct output *output)
{
	if (!output) {
		return;
	}
	struct server *server = output->server;
	wl_list_remove(&output->frame.link);
	wl_list_remove(&output->destroy.link);
	wl_list_remove(&output->link);
	/* The layout drops the output itself when the wlr_output goes. */
	free(output);
	fit_background(server);
}

void handle_new_output(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, new_output);
	struct wlr_output *wlr_output = data;

	if (!wlr_output_init_render(wlr_output, server->allocator,
			server->renderer)) {
		wlr_log(WLR_ERROR, "Cannot set up rendering on output %s",
			wlr_output->name);
		return;
	}

	struct wlr_output_mode *mode = wlr_output_preferred_mode(wlr_output);
	if (mode) {
		wlr_output_set_mode(wlr_output, mode);
	}
	wlr_output_enable(wlr_output, true);
	if (!wlr_output_commit(wlr_output)) {
		wlr_log(WLR_ERROR, "Cannot enable output %s", wlr_output->name);
		return;
	}

	struct output *output = calloc(1, sizeof(*output));
	if (!output) {
		wlr_log(WLR_ERROR, "Out of memory");
		return;
	}
	output->server = server;
	output->wlr_output = wlr_output;
	output->frame.notify = handle_output_frame;
	wl_signal_add(&wlr_output->events.frame, &output->frame);
	output->destroy.notify = handle_output_destroy;
	wl_signal_add(&wlr_output->events.destroy, &output->destroy);
	wl_list_insert(&server->outputs, &output->link);

	wlr_output_layout_add_auto(server->output_layout, wlr_output);
	output->scene_output = wlr_scene_get_scene_output(server->scene,
		wlr_output);
	fit_background(server);

	wlr_log(WLR_INFO, "Output %s: %dx%d", wlr_output->name,
		wlr_output->width, wlr_output->height);
}

static void add_headless_output(struct wlr_backend *backend, void *data)
{
	struct server *server = data;
	if (!wlr_backend_is_headless(backend) ||
			!wl_list_empty(&server->outputs)) {
		return;
	}
	if (!wlr_headless_add_output(backend, server->headless_width,
			server->headless_height)) {
		wlr_log(WLR_ERROR, "Cannot add a headless output");
	}
}

void output_add_headless(struct server *server)
{
	if (wlr_backend_is_multi(server->backend)) {
		wlr_multi_for_each_backend(server->backend, add_headless_output,
			server);
	} else {
		add_headless_output(server->backend, server);
	}
}
