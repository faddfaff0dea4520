#include "compositor/output.h"

#include <stdlib.h>
#include <time.h>
#include <wlr/backend/headless.h>
#include <wlr/backend/multi.h>
#include <wlr/interfaces/wlr_output.h>
#include <wlr/types/wlr_output_damage.h>
#include <wlr/util/log.h>

#include "compositor/background.h"
#include "compositor/occlusion.h"
#include "compositor/server.h"

/* The most boxes a frame's damage keeps before it becomes their extents. */
#define OUTPUT_DAMAGE_MAX_RECTS 4096

static void output_render(struct output *output)
{
	struct wlr_output *wlr_output = output->wlr_output;
	occlusion_cull(output->server);
	if (!wlr_scene_output_commit(output->scene_output)) {
		return;
	}
	/*
	 * wlroots 0.15's headless backend never reports a presentation, so
	 * wp_presentation clients would wait forever: the frame is "shown"
	 * the moment it is committed.
	 */
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (wlr_output_is_headless(wlr_output)) {
		struct wlr_output_event_present present = {
			.output = wlr_output,
			.commit_seq = wlr_output->commit_seq,
			.presented = true,
			.when = &now,
		};
		wlr_output_send_present(wlr_output, &present);
	}
	wlr_scene_output_send_frame_done(output->scene_output, &now);
	occlusion_send_frames(output->server, &now);
}

static void handle_output_frame(struct wl_listener *listener, void *data)
{
	struct output *output = wl_container_of(listener, output, frame);
	if (output->server->benchmark) {
		return; /* output_render_now paces the frames instead */
	}
	output_render(output);
}

static void render_all(struct server *server)
{
	struct output *output;
	wl_list_for_each(output, &server->outputs, link) {
		output_render(output);
		/*
		 * Ends the frame at once instead of at the backend's refresh
		 * timer (whole milliseconds in 0.15's headless backend), so
		 * the next commit can render. Benchmark mode only.
		 */
		wlr_output_send_frame(output->wlr_output);
	}
}

static void render_all_now(void *data)
{
	struct server *server = data;
	server->render_idle = NULL;
	render_all(server);
}

static uint64_t now_nsec(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* Arms the timer for the next tick of the steady clock; the timer counts
 * whole milliseconds, so a tick may come up to 1 ms late, never early,
 * and the rate stays exact. */
static void arm_refresh(struct server *server)
{
	uint64_t period = 1000000000u / (uint64_t)server->benchmark_hz;
	uint64_t now = now_nsec();
	server->render_next_nsec += period;
	if (server->render_next_nsec < now) {
		/* Fell behind (a long render): start the beat again. */
		server->render_next_nsec = now + period;
	}
	uint64_t delay_ms = (server->render_next_nsec - now + 999999u) / 1000000u;
	wl_event_source_timer_update(server->render_timer, delay_ms > 0 ? (int)delay_ms : 1);
}

static int handle_refresh_timer(void *data)
{
	struct server *server = data;
	render_all(server);
	arm_refresh(server);
	return 0;
}

bool output_start_refresh(struct server *server)
{
	if (!server->benchmark || server->benchmark_hz <= 0) {
		return true;
	}
	server->render_timer =
		wl_event_loop_add_timer(server->event_loop, handle_refresh_timer, server);
	if (!server->render_timer) {
		wlr_log(WLR_ERROR, "Cannot create the benchmark refresh timer");
		return false;
	}
	server->render_next_nsec = now_nsec();
	arm_refresh(server);
	return true;
}

void output_render_soon(struct server *server)
{
	if (!server->benchmark || server->benchmark_hz > 0 || server->render_idle) {
		return;
	}
	server->render_idle = wl_event_loop_add_idle(server->event_loop, render_all_now, server);
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
	background_fit(server);
}

void handle_new_output(struct wl_listener *listener, void *data)
{
	struct server *server = wl_container_of(listener, server, new_output);
	struct wlr_output *wlr_output = data;

	if (!wlr_output_init_render(wlr_output, server->allocator, server->renderer)) {
		wlr_log(WLR_ERROR, "Cannot set up rendering on output %s", wlr_output->name);
		return;
	}

	struct wlr_output_mode *mode = wlr_output_preferred_mode(wlr_output);
	if (mode) {
		wlr_output_set_mode(wlr_output, mode);
	} else if (wlr_output_is_headless(wlr_output)) {
		/* wlroots makes its own headless outputs 1280x720. */
		wlr_output_set_custom_mode(wlr_output, server->headless_width,
			server->headless_height, 0);
	}
	/* Logical coordinates from here on: windows, frames, the pointer. */
	wlr_output_set_scale(wlr_output, (float)server->config->output_scale);
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
	output->scene_output = wlr_scene_get_scene_output(server->scene, wlr_output);
	/*
	 * wlroots turns a frame's damage of more than 20 boxes into the one
	 * box around them all: with windows updating apart across the
	 * screen, every frame would draw all of it, every window between
	 * them. Drawing box by box costs a composite call each, far less
	 * than the pixels between them.
	 */
	output->scene_output->damage->max_rects = OUTPUT_DAMAGE_MAX_RECTS;
	background_fit(server);

	wlr_log(WLR_INFO, "Output %s: %dx%d", wlr_output->name, wlr_output->width,
		wlr_output->height);
}

static void add_headless_output(struct wlr_backend *backend, void *data)
{
	struct server *server = data;
	if (!wlr_backend_is_headless(backend) || !wl_list_empty(&server->outputs)) {
		return;
	}
	if (!wlr_headless_add_output(backend, server->headless_width, server->headless_height)) {
		wlr_log(WLR_ERROR, "Cannot add a headless output");
	}
}

void output_add_headless(struct server *server)
{
	if (wlr_backend_is_multi(server->backend)) {
		wlr_multi_for_each_backend(server->backend, add_headless_output, server);
	} else {
		add_headless_output(server->backend, server);
	}
}
