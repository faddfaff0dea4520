#include "guest-agent/cursor.h"

#include <string.h>
#include <wlr/types/wlr_buffer.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/types/wlr_surface.h>
#include <wlr/util/log.h>

#include "common/wire/protocol.h"
#include "guest-agent/buffer_read.h"
#include "guest-agent/dom0_link.h"
#include "guest-agent/server.h"

static void send_hidden(struct agent_cursor *cursor)
{
	struct wire_msg msg = { .type = WIRE_CURSOR_IMAGE };
	dom0_link_send(cursor->server->dom0, &msg);
}

/* Sends the surface's current buffer, if it can be one. */
static void send_image(struct agent_cursor *cursor)
{
	if (cursor->server->dom0 == NULL || !dom0_link_has(cursor->server->dom0, WIRE_CAP_CURSOR)) {
		return;
	}
	struct wlr_surface *surface = cursor->surface;
	if (surface == NULL) {
		send_hidden(cursor);
		return;
	}
	struct wlr_buffer *buffer = surface->buffer ? surface->buffer->source : NULL;
	struct buffer_read read;
	if (buffer == NULL || !buffer_read_begin(buffer, &read)) {
		return; /* nothing readable: dom0 keeps what it has */
	}
	const void *data = read.data;
	uint32_t format = read.format;
	size_t stride = read.stride;
	uint32_t width = (uint32_t)buffer->width, height = (uint32_t)buffer->height;
	static uint8_t pixels[WIRE_MAX_CURSOR_BYTES];
	bool ok = width > 0 && height > 0 && width <= WIRE_MAX_CURSOR_SIZE &&
		height <= WIRE_MAX_CURSOR_SIZE &&
		(format == WIRE_FORMAT_ARGB8888 || format == WIRE_FORMAT_XRGB8888) &&
		stride >= (size_t)width * 4 && cursor->hotspot_x >= 0 && cursor->hotspot_y >= 0 &&
		(uint32_t)cursor->hotspot_x < width && (uint32_t)cursor->hotspot_y < height;
	if (ok) {
		for (uint32_t y = 0; y < height; y++) {
			memcpy(pixels + (size_t)y * width * 4, (const uint8_t *)data + y * stride,
				(size_t)width * 4);
		}
		if (format == WIRE_FORMAT_XRGB8888) {
			for (size_t i = 0; i < (size_t)width * height; i++) {
				pixels[i * 4 + 3] = 0xff; /* opaque, as X means */
			}
		}
	}
	buffer_read_end(&read);
	if (!ok) {
		wlr_log(WLR_DEBUG, "Cursor of %ux%u (format 0x%08x) not sent to dom0", width,
			height, format);
		return;
	}
	struct wire_msg msg = {
		.type = WIRE_CURSOR_IMAGE,
		.cursor_image = {
			.width = width,
			.height = height,
			.hotspot_x = (uint32_t)cursor->hotspot_x,
			.hotspot_y = (uint32_t)cursor->hotspot_y,
			.length = width * height * 4,
			.pixels = pixels,
		},
	};
	dom0_link_send(cursor->server->dom0, &msg);
}

static void forget_surface(struct agent_cursor *cursor)
{
	if (cursor->surface) {
		wl_list_remove(&cursor->surface_commit.link);
		wl_list_remove(&cursor->surface_destroy.link);
		cursor->surface = NULL;
	}
}

static void handle_surface_commit(struct wl_listener *listener, void *data)
{
	struct agent_cursor *cursor = wl_container_of(listener, cursor, surface_commit);
	send_image(cursor);
}

static void handle_surface_destroy(struct wl_listener *listener, void *data)
{
	struct agent_cursor *cursor = wl_container_of(listener, cursor, surface_destroy);
	forget_surface(cursor);
}

static void handle_request_set_cursor(struct wl_listener *listener, void *data)
{
	struct agent_cursor *cursor = wl_container_of(listener, cursor, request_set_cursor);
	struct wlr_seat_pointer_request_set_cursor_event *event = data;
	struct wlr_seat *seat = cursor->server->seat;
	/* Only the client under the pointer decides what it looks like. */
	if (event->seat_client != seat->pointer_state.focused_client) {
		return;
	}
	forget_surface(cursor);
	cursor->surface = event->surface;
	cursor->hotspot_x = event->hotspot_x;
	cursor->hotspot_y = event->hotspot_y;
	if (cursor->surface) {
		cursor->surface_commit.notify = handle_surface_commit;
		wl_signal_add(&cursor->surface->events.commit, &cursor->surface_commit);
		cursor->surface_destroy.notify = handle_surface_destroy;
		wl_signal_add(&cursor->surface->events.destroy, &cursor->surface_destroy);
	}
	send_image(cursor);
}

void agent_cursor_init(struct agent_cursor *cursor, struct agent_server *server)
{
	*cursor = (struct agent_cursor){ .server = server };
	cursor->request_set_cursor.notify = handle_request_set_cursor;
	wl_signal_add(&server->seat->events.request_set_cursor, &cursor->request_set_cursor);
}

void agent_cursor_finish(struct agent_cursor *cursor)
{
	forget_surface(cursor);
	wl_list_remove(&cursor->request_set_cursor.link);
}

void agent_cursor_announce(struct agent_cursor *cursor)
{
	if (cursor->surface) {
		send_image(cursor);
	}
}
