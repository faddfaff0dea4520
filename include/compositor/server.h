/*
 * The one compositor struct: every long-lived wlroots object of dom0's
 * compositor hangs off it.
 */
#ifndef COMPOSITOR_SERVER_H
#define COMPOSITOR_SERVER_H

#include <stdbool.h>
#include <wayland-server-core.h>
#include <wlr/backend.h>
#include <wlr/render/allocator.h>
#include <wlr/render/wlr_renderer.h>
#include <wlr/types/wlr_cursor.h>
#include <wlr/types/wlr_foreign_toplevel_management_v1.h>
#include <wlr/types/wlr_output_layout.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/types/wlr_virtual_keyboard_v1.h>
#include <wlr/types/wlr_virtual_pointer_v1.h>
#include <wlr/types/wlr_xcursor_manager.h>
#include <wlr/types/wlr_xdg_shell.h>

#include "compositor/clipboard.h"
#include "compositor/config.h"
#include "compositor/grab.h"
#include "compositor/switcher.h"
#include "compositor/title_bar.h"

struct view;

struct server {
	struct wl_display *display;
	struct wl_event_loop *event_loop;
	const char *socket;
	const struct config *config;
	/* The config the compositor owns once reload.c runs (SIGHUP). */
	struct config *owned_config;
	const char *config_path;
	struct wl_event_source *sighup_source;
	const char *bridge_path;

	struct wlr_backend *backend;
	struct wlr_renderer *renderer;
	struct wlr_allocator *allocator;

	struct wlr_output_layout *output_layout;
	struct wl_list outputs; // output::link
	int headless_width, headless_height;
	/* Render on every commit instead of at the refresh rate; with
	 * benchmark_hz, at that rate by a steady clock instead. */
	bool benchmark;
	int benchmark_hz;
	struct wl_event_source *render_idle;
	struct wl_event_source *render_timer;
	uint64_t render_next_nsec; /* CLOCK_MONOTONIC, the next tick's */
	/* Windows side by side in rows instead of cascaded, for benchmarks of
	 * many windows all in view; where the next one goes. */
	bool place_in_grid;
	int grid_x, grid_y, grid_row_height;
	unsigned windows_placed; /* the cascade's next step, modulo its length */

	struct wlr_scene *scene;
	/* Stacking, bottom to top. Views live in view_tree. */
	struct wlr_scene_tree *background_tree;
	struct wlr_scene_tree *view_tree;
	/* dom0's messages, above every window (notice.c). */
	struct wlr_scene_tree *overlay_tree;
	struct title_bar notice;
	struct wl_event_source *notice_timer;
	struct wlr_scene_buffer *background; // see background.h

	struct wlr_xdg_shell *xdg_shell;
	struct wl_list views; // view::link, topmost first
	struct wlr_foreign_toplevel_manager_v1 *foreign_toplevel_manager;

	struct wlr_seat *seat;
	struct wlr_cursor *cursor;
	struct wlr_xcursor_manager *cursor_manager;
	struct wl_list keyboards; // keyboard::link
	struct grab grab; /* a move or resize by the pointer (grab.c) */
	struct switcher switcher; /* the secure attention key's list */
	struct clipboard clipboard; /* the inter-VM clipboard (clipboard.c) */
	/* Never types; gives the seat dom0's keymap from the start (input.c). */
	struct wlr_input_device *placeholder_keyboard;
	/*
	 * Layout position of the surface-local origin of the surface that has
	 * pointer focus: while a button is held (implicit grab) the pointer
	 * stays on that surface and is reported relative to this point.
	 */
	double pointer_origin_x, pointer_origin_y;
	/* dom0-only: security.c hides both from every VM. */
	struct wlr_virtual_keyboard_manager_v1 *virtual_keyboard_manager;
	struct wlr_virtual_pointer_manager_v1 *virtual_pointer_manager;

	struct wl_list vms; // vm::link
	struct wl_event_source *sigchld_source;

	struct wl_listener new_output;
	struct wl_listener new_input;
	struct wl_listener new_xdg_surface;
	struct wl_listener cursor_motion;
	struct wl_listener cursor_motion_absolute;
	struct wl_listener cursor_button;
	struct wl_listener cursor_axis;
	struct wl_listener cursor_frame;
	struct wl_listener request_set_cursor;
	struct wl_listener request_set_selection;
	struct wl_listener new_virtual_keyboard;
	struct wl_listener new_virtual_pointer;
};

struct server_options {
	const struct config *config;
	const char *bridge_path;
	int headless_width, headless_height;
	bool benchmark;
	int benchmark_hz;
	bool place_in_grid;
};

bool server_init(struct server *server, const struct server_options *options);
/* Starts the backend and listens on a socket; server->socket is set. */
bool server_start(struct server *server);
void server_finish(struct server *server);

/* Colour helpers shared by the background and the borders. */
void server_rgb_to_float(uint32_t rgb, float out[static 4]);

#endif
