#ifndef COMPOSITOR_OUTPUT_H
#define COMPOSITOR_OUTPUT_H

#include <wayland-server-core.h>
#include <wlr/types/wlr_output.h>
#include <wlr/types/wlr_scene.h>

struct server;

struct output {
	struct server *server;
	struct wlr_output *wlr_output;
	struct wlr_scene_output *scene_output;
	struct wl_list link; // server::outputs

	struct wl_listener frame;
	struct wl_listener destroy;
};

void handle_new_output(struct wl_listener *listener, void *data);
void output_destroy(struct output *output);

/*
 * Benchmark mode: render every output once the current burst of client
 * commits is handled, and send frame-done right after, instead of at the
 * output's refresh rate. Does nothing in normal mode.
 */
void output_render_soon(struct server *server);
/*
 * Benchmark mode with benchmark_hz: render every output at that rate by
 * a steady clock (wlroots 0.15's headless timer counts each period from
 * the end of the last render, so its rate falls as rendering takes
 * longer; a display's vblank does not). False if the timer cannot be
 * made; does nothing otherwise.
 */
bool output_start_refresh(struct server *server);

/* Adds a headless output when the headless backend runs without one. */
void output_add_headless(struct server *server);

#endif
