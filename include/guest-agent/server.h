/*
 * The one agent server: a Wayland compositor inside the VM with no display
 * of its own. It offers the usual globals to the VM's clients, advertises
 * one headless output, and renders nothing: window pixels go to dom0
 * through the dom0 link.
 */
#ifndef AGENT_SERVER_H
#define AGENT_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-server-core.h>

#include "guest-agent/clipboard.h"
#include "guest-agent/cursor.h"
#include "guest-agent/input.h"

struct dom0_link;

struct agent_server {
	struct wl_display *display;
	struct wl_event_loop *event_loop;
	const char *socket;

	struct wlr_backend *backend;
	struct wlr_renderer *renderer;
	struct wlr_allocator *allocator;
	/* In wlroots 0.15 this also provides wl_subcompositor. */
	struct wlr_compositor *compositor;
	struct wlr_xdg_shell *xdg_shell;
	struct wlr_xdg_decoration_manager_v1 *xdg_decoration_manager;
	struct wlr_server_decoration_manager *server_decoration_manager;
	struct wlr_viewporter *viewporter;
	struct wlr_seat *seat;
	struct agent_input input; /* the seat's keyboard and pointer */
	struct agent_clipboard clipboard; /* dom0's clipboard keys (clipboard.c) */
	struct agent_cursor cursor; /* the clients' pointer image (cursor.c) */
	struct wlr_data_device_manager *data_device_manager;
	struct wlr_presentation *presentation;
	struct wlr_output *output;
	/* The output's scale, dom0's: window pixels per logical pixel. */
	int32_t scale;

	/* NULL before dom0_link_create and after dom0_link_destroy. */
	struct dom0_link *dom0;
	struct wl_list windows; /* window::link */
	uint32_t last_window_id;
	/* Paces clients that dom0 does not pace (see server.c). */
	struct wl_event_source *slow_frame_timer;
	/* Every window's frames sent to dom0 and bytes copied into shared
	 * buffers, windows already gone included (server_print_stats). */
	uint64_t frames_sent;
	uint64_t bytes_copied;

	struct wl_listener new_xdg_surface;
	struct wl_listener new_toplevel_decoration;
};

/* Creates the display, backend and globals; the output is width x height.
 * On failure, server_finish cleans up what was made. */
bool agent_server_init(struct agent_server *server, int width, int height);
/* Opens the Wayland socket (server->socket): socket_name in
 * XDG_RUNTIME_DIR, or the first free wayland-N when it is NULL. */
bool agent_server_start(struct agent_server *server, const char *socket_name);
/* Disconnects every client and frees everything; safe after a failed
 * server_init. */
void agent_server_finish(struct agent_server *server);

/* A fresh nonzero window id. */
uint32_t agent_server_next_window_id(struct agent_server *server);
/* Mirrors dom0's output size (pixels; 0: keep) and scale (1 to
 * WIRE_MAX_OUTPUT_SCALE; 0: keep) to the VM's clients. */
void agent_server_set_output(struct agent_server *server, uint32_t width, uint32_t height,
	uint32_t scale);
/* Makes sure the slow frame timer runs (a window is not paced by dom0). */
void agent_server_schedule_slow_frames(struct agent_server *server);
/* One machine-readable line on stderr for the benchmark:
 * "mullion-stats: frames=N bytes_copied=M". */
void agent_server_print_stats(struct agent_server *server);

#endif
