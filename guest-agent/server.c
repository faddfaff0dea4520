#include "guest-agent/server.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <wlr/backend.h>
#include <wlr/backend/headless.h>
#include <wlr/render/allocator.h>
#include <wlr/render/gles2.h>
#include <wlr/render/wlr_renderer.h>
#include <wlr/types/wlr_compositor.h>
#include <wlr/types/wlr_data_device.h>
#include <wlr/types/wlr_output.h>
#include <wlr/types/wlr_presentation_time.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/types/wlr_viewporter.h>
#include <wlr/util/log.h>

#include "guest-agent/decoration.h"
#include "guest-agent/window.h"
#include "guest-agent/xdg_shell.h"
#include "common/wire/protocol.h"

/*
 * Windows dom0 does not pace (not announced, or with no frame out) still
 * get frame callbacks, ten times a second: clients keep running, slowly,
 * instead of spinning or stalling until dom0 appears.
 */
#define SLOW_FRAME_MS 100

static int handle_slow_frame_timer(void *data)
{
	struct agent_server *server = data;
	struct agent_window *window;
	wl_list_for_each(window, &server->windows, link) {
		if (!window->awaiting_frame) {
			agent_window_send_frame_done(window);
		}
	}
	if (!wl_list_empty(&server->windows)) {
		wl_event_source_timer_update(server->slow_frame_timer, SLOW_FRAME_MS);
	}
	return 0;
}

void agent_server_schedule_slow_frames(struct agent_server *server)
{
	if (server->slow_frame_timer) {
		wl_event_source_timer_update(server->slow_frame_timer, SLOW_FRAME_MS);
	}
}

void agent_server_print_stats(struct agent_server *server)
{
	fprintf(stderr, "mullion-stats: frames=%llu bytes_copied=%llu\n",
		(unsigned long long)server->frames_sent, (unsigned long long)server->bytes_copied);
	fflush(stderr);
}

uint32_t agent_server_next_window_id(struct agent_server *server)
{
	/* Never 0 (invalid on the wire), even after wrapping. */
	if (++server->last_window_id == 0) {
		server->last_window_id = 1;
	}
	return server->last_window_id;
}

static bool create_output(struct agent_server *server, int width, int height)
{
	server->output =
		wlr_headless_add_output(server->backend, (unsigned)width, (unsigned)height);
	if (!server->output) {
		wlr_log(WLR_ERROR, "Cannot create the headless output");
		return false;
	}
	if (!wlr_output_init_render(server->output, server->allocator, server->renderer)) {
		wlr_log(WLR_ERROR, "Cannot set up the output's buffers");
		return false;
	}
	wlr_output_enable(server->output, true);
	if (!wlr_output_commit(server->output)) {
		wlr_log(WLR_ERROR, "Cannot enable the output");
		return false;
	}
	/* Clients size themselves by it; nothing is ever drawn on it. */
	wlr_output_create_global(server->output);
	return true;
}

void agent_server_set_output(struct agent_server *server, uint32_t width, uint32_t height,
	uint32_t scale)
{
	if (width != 0 && height != 0 && width <= INT32_MAX && height <= INT32_MAX &&
		(server->output->width != (int)width || server->output->height != (int)height)) {
		wlr_output_set_custom_mode(server->output, (int32_t)width, (int32_t)height, 0);
		if (!wlr_output_commit(server->output)) {
			wlr_log(WLR_ERROR, "Cannot resize the output to %ux%u", width, height);
		} else {
			wlr_log(WLR_INFO, "Output is now %ux%u, as dom0's", width, height);
		}
	}
	/* 1 to WIRE_MAX_OUTPUT_SCALE (decoder); a window's pixels follow it. */
	if (scale == 0 || scale > WIRE_MAX_OUTPUT_SCALE || (int32_t)scale == server->scale) {
		return;
	}
	wlr_output_set_scale(server->output, (float)scale);
	if (!wlr_output_commit(server->output)) {
		wlr_log(WLR_ERROR, "Cannot set the output's scale to %u", scale);
		return;
	}
	server->scale = (int32_t)scale;
	wlr_log(WLR_INFO, "Output scale is now %u, as dom0's", scale);
	struct agent_window *window;
	wl_list_for_each(window, &server->windows, link) {
		agent_window_scale_changed(window);
	}
}

bool agent_server_init(struct agent_server *server, int width, int height)
{
	wl_list_init(&server->windows);
	/* So that server_finish can always remove them. */
	wl_list_init(&server->new_xdg_surface.link);
	wl_list_init(&server->new_toplevel_decoration.link);
	server->scale = 1;

	server->display = wl_display_create();
	if (!server->display) {
		wlr_log(WLR_ERROR, "Cannot create the Wayland display");
		return false;
	}
	server->event_loop = wl_display_get_event_loop(server->display);

	server->backend = wlr_headless_backend_create(server->display);
	if (!server->backend) {
		wlr_log(WLR_ERROR, "Cannot create the headless backend");
		return false;
	}
	/* GLES2 where the VM has a render node (the headless backend opens
	 * one), pixman otherwise; WLR_RENDERER=pixman forces pixman. */
	server->renderer = wlr_renderer_autocreate(server->backend);
	if (!server->renderer) {
		wlr_log(WLR_ERROR, "Cannot create a renderer");
		return false;
	}
	/* wl_shm and its formats; with GLES2 also linux-dmabuf, whose
	 * buffers buffer_read.c maps (LINEAR) or reads back (any other). */
	if (!wlr_renderer_init_wl_display(server->renderer, server->display)) {
		wlr_log(WLR_ERROR, "Cannot set up wl_shm");
		return false;
	}
	if (wlr_renderer_is_gles2(server->renderer)) {
		wlr_log(WLR_INFO, "GLES2 renderer on the VM's render node: linux-dmabuf offered");
	} else {
		wlr_log(WLR_INFO, "Software renderer (no render node): clients draw into wl_shm");
	}
	server->allocator = wlr_allocator_autocreate(server->backend, server->renderer);
	if (!server->allocator) {
		wlr_log(WLR_ERROR, "Cannot create an allocator");
		return false;
	}

	server->compositor = wlr_compositor_create(server->display, server->renderer);
	if (!server->compositor) {
		wlr_log(WLR_ERROR, "Cannot create wl_compositor");
		return false;
	}
	if (!agent_xdg_shell_init(server)) {
		return false;
	}
	/* Title bars are dom0's: clients that can leave them out do. */
	if (!agent_decoration_init(server)) {
		return false;
	}
	/* Crop and scale of surfaces: window.c draws with it. */
	server->viewporter = wlr_viewporter_create(server->display);
	if (!server->viewporter) {
		wlr_log(WLR_ERROR, "Cannot create wp_viewporter");
		return false;
	}
	/* dom0's keys and pointer events reach clients through this seat
	 * (input.c). */
	server->seat = wlr_seat_create(server->display, "seat0");
	if (!server->seat) {
		wlr_log(WLR_ERROR, "Cannot create the seat");
		return false;
	}
	if (!agent_input_init(&server->input, server)) {
		return false;
	}
	agent_clipboard_init(&server->clipboard, server);
	agent_cursor_init(&server->cursor, server);
	/* The VM-local clipboard; dom0 moves data between VMs only on an
	 * explicit key. */
	server->data_device_manager = wlr_data_device_manager_create(server->display);
	if (!server->data_device_manager) {
		wlr_log(WLR_ERROR, "Cannot create the data device manager");
		return false;
	}
	/* Frames count as presented when dom0 has drawn them (window.c). */
	server->presentation = wlr_presentation_create(server->display, server->backend);
	if (!server->presentation) {
		wlr_log(WLR_ERROR, "Cannot create wp_presentation");
		return false;
	}
	/* Headless outputs are enabled only by a started backend. Its frame
	 * timer then ticks with no listener: nothing is rendered here. */
	if (!wlr_backend_start(server->backend)) {
		wlr_log(WLR_ERROR, "Cannot start the headless backend");
		return false;
	}
	if (!create_output(server, width, height)) {
		return false;
	}

	server->slow_frame_timer =
		wl_event_loop_add_timer(server->event_loop, handle_slow_frame_timer, server);
	if (!server->slow_frame_timer) {
		wlr_log(WLR_ERROR, "Cannot create the frame timer");
		return false;
	}
	return true;
}

bool agent_server_start(struct agent_server *server, const char *socket_name)
{
	if (socket_name) {
		if (wl_display_add_socket(server->display, socket_name) != 0) {
			wlr_log(WLR_ERROR,
				"Cannot open the Wayland socket %s (in use, or XDG_RUNTIME_DIR not writable?)",
				socket_name);
			return false;
		}
		server->socket = socket_name;
		return true;
	}
	server->socket = wl_display_add_socket_auto(server->display);
	if (!server->socket) {
		wlr_log(WLR_ERROR, "Cannot open a Wayland socket (is XDG_RUNTIME_DIR writable?)");
		return false;
	}
	return true;
}

void agent_server_finish(struct agent_server *server)
{
	if (!server->display) {
		return;
	}
	/* Windows go with their clients, before what they use. */
	wl_display_destroy_clients(server->display);
	if (server->slow_frame_timer) {
		wl_event_source_remove(server->slow_frame_timer);
		server->slow_frame_timer = NULL;
	}
	agent_xdg_shell_finish(server);
	agent_decoration_finish(server);
	agent_cursor_finish(&server->cursor);
	agent_clipboard_finish(&server->clipboard);
	agent_input_finish(&server->input);
	/* Takes the output with it. */
	wlr_backend_destroy(server->backend);
	wlr_allocator_destroy(server->allocator);
	wlr_renderer_destroy(server->renderer);
	wl_display_destroy(server->display);
	server->display = NULL;
}
