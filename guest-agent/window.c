#include "guest-agent/window.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wlr/types/wlr_buffer.h>
#include <wlr/types/wlr_output.h>
#include <wlr/types/wlr_presentation_time.h>
#include <wlr/types/wlr_surface.h>
#include <wlr/types/wlr_xdg_shell.h>
#include <wlr/util/log.h>

#include "guest-agent/buffer_read.h"
#include "guest-agent/composite.h"
#include "guest-agent/dom0_link.h"
#include "guest-agent/server.h"
#include "guest-agent/subsurface.h"
#include "common/wire/codec.h"
#include "common/wire/protocol.h"

#define BYTES_PER_PIXEL 4
/* After the pool had no room for a window's buffers: how long before
 * trying again (each failure logs, and clients commit up to 60 times a
 * second). */
#define SHARE_RETRY_MS 1000
/*
 * A frame that copies at least twice this many bytes is drawn in bands of
 * rows of about this size, each sent as a DAMAGE_PART when drawn, so that
 * dom0 copies band k while the agent draws band k + 1: the frame's two
 * copies overlap. Smaller frames (a cursor's blink, a 64x64 box) go in one
 * DAMAGE, one message as before. 1 MiB: the best of 512 KiB, 1 and 2 MiB
 * on latency and frame rate (doc/performance.md, "Bands").
 */
#define PART_BYTES (1024u * 1024u)

/* BUFFER_CREATE's refs in wire order. The agent has one thread and encodes
 * one message at a time, so one scratch array serves every window. */
static uint8_t ref_scratch[4 * WIRE_MAX_BUFFER_REFS];

static bool send_msg(struct agent_window *window, const struct wire_msg *msg)
{
	return dom0_link_send(window->server->dom0, msg);
}

static uint32_t next_buffer_id(struct agent_window *window)
{
	/* Fresh ids, never reused within a window: a BUFFER_RELEASE dom0
	 * sent for a buffer it had not yet seen destroyed must not free
	 * its successor. */
	if (++window->last_buffer_id == WIRE_ID_INVALID) {
		window->last_buffer_id = 1;
	}
	return window->last_buffer_id;
}

static bool buffer_share(struct agent_window *window, struct agent_window_buffer *buffer)
{
	uint64_t bytes = (uint64_t)window->stride * window->height;
	uint32_t pages = (uint32_t)((bytes + WIRE_PAGE_SIZE - 1) / WIRE_PAGE_SIZE);

	uint32_t *refs = calloc(pages, sizeof(*refs));
	if (!refs) {
		wlr_log(WLR_ERROR, "Out of memory for %u page refs", pages);
		return false;
	}
	void *data = dom0_link_share_pages(window->server->dom0, pages, refs);
	if (!data) {
		/* The transport logged why (pool exhausted). */
		free(refs);
		return false;
	}
	buffer->id = next_buffer_id(window);
	buffer->data = data;
	buffer->page_count = pages;
	buffer->refs = refs;
	buffer->busy = false;
	/* Never written: all of it is stale. */
	pixman_region32_fini(&buffer->stale);
	pixman_region32_init_rect(&buffer->stale, 0, 0, window->width, window->height);

	for (uint32_t i = 0; i < pages; i++) {
		wire_ref_set(ref_scratch, i, refs[i]);
	}
	struct wire_msg msg = {
		.type = WIRE_BUFFER_CREATE,
		.buffer_create = {
			.window_id = window->id,
			.buffer_id = buffer->id,
			.width = window->width,
			.height = window->height,
			.stride = window->stride,
			.format = window->format,
			.ref_count = pages,
			.refs = ref_scratch,
		},
	};
	send_msg(window, &msg);
	return true;
}

static void buffer_unshare(struct agent_window *window, struct agent_window_buffer *buffer,
	bool tell_dom0)
{
	if (buffer->id == WIRE_ID_INVALID) {
		return;
	}
	if (tell_dom0) {
		struct wire_msg msg = {
			.type = WIRE_BUFFER_DESTROY,
			.buffer_destroy = {
				.window_id = window->id,
				.buffer_id = buffer->id,
			},
		};
		send_msg(window, &msg);
	}
	dom0_link_unshare_pages(window->server->dom0, buffer->data, buffer->page_count,
		buffer->refs);
	free(buffer->refs);
	buffer->refs = NULL;
	buffer->data = NULL;
	buffer->page_count = 0;
	buffer->id = WIRE_ID_INVALID;
	buffer->busy = false;
	pixman_region32_clear(&buffer->stale);
}

static void drop_buffers(struct agent_window *window, bool tell_dom0)
{
	for (int i = 0; i < WINDOW_BUFFER_COUNT; i++) {
		buffer_unshare(window, &window->buffers[i], tell_dom0);
	}
	window->width = window->height = window->stride = window->format = 0;
	window->pending = false;
	pixman_region32_clear(&window->unsent);
	window->damage_all = false;
	window->share_failed_msec = 0;
}

static uint64_t now_msec(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
}

static bool shape_supported(struct agent_window *window, uint32_t width, uint32_t height)
{
	uint64_t bytes = (uint64_t)width * BYTES_PER_PIXEL * height;
	if (width == 0 || height == 0 || width > WIRE_MAX_WIDTH || height > WIRE_MAX_HEIGHT ||
		bytes > WIRE_MAX_BUFFER_BYTES) {
		if (!window->warned_size) {
			wlr_log(WLR_INFO,
				"Window %u: %ux%u is outside the wire's limits, not shown",
				window->id, width, height);
			window->warned_size = true;
		}
		return false;
	}
	return true;
}

/* Gives the window two shared buffers of this shape, replacing any of
 * another shape. False if they cannot be made (logged). */
static bool ensure_buffers(struct agent_window *window, uint32_t width, uint32_t height,
	uint32_t format)
{
	if (!shape_supported(window, width, height)) {
		return false;
	}
	if (window->buffers[0].id != WIRE_ID_INVALID && window->width == width &&
		window->height == height && window->format == format) {
		return true;
	}

	uint64_t now = now_msec();
	if (window->share_failed_msec != 0 && now - window->share_failed_msec < SHARE_RETRY_MS) {
		return false;
	}
	window->share_failed_msec = 0;

	/* dom0 may still read the old ones; it stops at BUFFER_DESTROY and
	 * will not hold the new ids' pages against them. */
	for (int i = 0; i < WINDOW_BUFFER_COUNT; i++) {
		buffer_unshare(window, &window->buffers[i], true);
	}
	/* The releases it waited for will not come. */
	window->pending = false;
	window->width = width;
	window->height = height;
	window->stride = width * BYTES_PER_PIXEL;
	window->format = format;
	for (int i = 0; i < WINDOW_BUFFER_COUNT; i++) {
		if (!buffer_share(window, &window->buffers[i])) {
			for (int j = 0; j < i; j++) {
				buffer_unshare(window, &window->buffers[j], true);
			}
			window->width = window->height = 0;
			window->stride = window->format = 0;
			/* Never 0, which means no failure. */
			window->share_failed_msec = now ? now : 1;
			return false;
		}
	}
	pixman_region32_clear(&window->unsent);
	window->damage_all = true;
	wlr_log(WLR_DEBUG, "Window %u: shared buffers %u and %u, %ux%u", window->id,
		window->buffers[0].id, window->buffers[1].id, width, height);
	return true;
}

static struct agent_window_buffer *free_buffer(struct agent_window *window)
{
	for (int i = 0; i < WINDOW_BUFFER_COUNT; i++) {
		if (!window->buffers[i].busy) {
			return &window->buffers[i];
		}
	}
	return NULL;
}

static void add_damage(struct agent_window *window, pixman_region32_t *damage)
{
	pixman_region32_t clipped;
	pixman_region32_init(&clipped);
	pixman_region32_intersect_rect(&clipped, damage, 0, 0, window->width, window->height);
	for (int i = 0; i < WINDOW_BUFFER_COUNT; i++) {
		pixman_region32_union(&window->buffers[i].stale, &window->buffers[i].stale,
			&clipped);
	}
	pixman_region32_union(&window->unsent, &window->unsent, &clipped);
	pixman_region32_fini(&clipped);
}

/* Draws region of the window into buffer. */
static void draw_region(struct agent_window *window, struct agent_window_buffer *buffer,
	const pixman_region32_t *region, enum copy_stores stores)
{
	const struct composite_view view = {
		.geometry = window->geometry,
		.scale = window->scale,
		.renderer = window->server->renderer,
		.allocator = window->server->allocator,
	};
	const struct composite_target target = {
		.data = buffer->data,
		.width = window->width,
		.height = window->height,
		.stride = window->stride,
		.format = window->format,
		.stores = stores,
	};
	struct composite_problems problems = { 0 };
	uint64_t written =
		composite_draw(&view, window->xdg_surface->surface, &target, region, &problems);
	window->bytes_copied += written;
	window->server->bytes_copied += written;
	if (problems.no_access && !window->warned_access) {
		wlr_log(WLR_INFO,
			"Window %u: a buffer the agent can neither map nor read back, not shown",
			window->id);
		window->warned_access = true;
	}
	if (problems.bad_format && !window->warned_format) {
		wlr_log(WLR_INFO, "Window %u: pixel format 0x%08x is not supported yet, not shown",
			window->id, problems.format);
		window->warned_format = true;
	}
}

/* The rectangles of region (the whole window with all), or their
 * bounding box if there are more than the wire takes. region is not
 * empty unless all is set. */
static void set_rects(struct wire_damage *damage, const struct agent_window *window,
	const pixman_region32_t *region, bool all)
{
	int count = 0;
	const pixman_box32_t *boxes = pixman_region32_rectangles(region, &count);
	if (all || count > WIRE_MAX_DAMAGE_RECTS) {
		const pixman_box32_t *extents = all ? NULL : pixman_region32_extents(region);
		damage->rect_count = 1;
		damage->rects[0] = (struct wire_rect){
			.x = extents ? extents->x1 : 0,
			.y = extents ? extents->y1 : 0,
			.width = extents ? extents->x2 - extents->x1 : (int32_t)window->width,
			.height = extents ? extents->y2 - extents->y1 : (int32_t)window->height,
		};
		return;
	}
	damage->rect_count = (uint32_t)count;
	for (int i = 0; i < count; i++) {
		damage->rects[i] = (struct wire_rect){
			.x = boxes[i].x1,
			.y = boxes[i].y1,
			.width = boxes[i].x2 - boxes[i].x1,
			.height = boxes[i].y2 - boxes[i].y1,
		};
	}
}

static uint64_t region_bytes(const pixman_region32_t *region)
{
	int count = 0;
	const pixman_box32_t *boxes = pixman_region32_rectangles(region, &count);
	uint64_t bytes = 0;
	for (int i = 0; i < count; i++) {
		bytes += (uint64_t)(boxes[i].x2 - boxes[i].x1) *
			(uint64_t)(boxes[i].y2 - boxes[i].y1) * BYTES_PER_PIXEL;
	}
	return bytes;
}

/* Sends what of the frame's damage lies in rows [y1, y2), drawn, as a
 * DAMAGE_PART, at once. */
static void send_part(struct agent_window *window, struct agent_window_buffer *buffer, int y1,
	int y2)
{
	pixman_region32_t part;
	pixman_region32_init(&part);
	if (window->damage_all) {
		pixman_region32_init_rect(&part, 0, y1, window->width, (unsigned)(y2 - y1));
	} else {
		pixman_region32_intersect_rect(&part, &window->unsent, 0, y1, window->width,
			(unsigned)(y2 - y1));
	}
	if (pixman_region32_not_empty(&part)) {
		struct wire_msg msg = {
			.type = WIRE_DAMAGE_PART,
			.damage_part = {
				.window_id = window->id,
				.buffer_id = buffer->id,
			},
		};
		set_rects(&msg.damage_part, window, &part, false);
		send_msg(window, &msg);
		dom0_link_flush(window->server->dom0);
	}
	pixman_region32_fini(&part);
}

/*
 * Brings buffer up to date: only what changed since it was last written.
 * A large update goes in bands, top to bottom, each sent as a part as
 * soon as it is drawn (when dom0 takes parts).
 */
static void draw_stale(struct agent_window *window, struct agent_window_buffer *buffer)
{
	bool parts = dom0_link_has(window->server->dom0, WIRE_CAP_DAMAGE_PARTS) &&
		region_bytes(&buffer->stale) >= 2 * (uint64_t)PART_BYTES;
	if (!parts) {
		draw_region(window, buffer, &buffer->stale, COPY_STORES_BY_SIZE);
		pixman_region32_clear(&buffer->stale);
		return;
	}
	/* stride is at most 4 x 8192: a band is at least one row. */
	int band = (int)(PART_BYTES / window->stride);
	band = band > 0 ? band : 1;
	const pixman_box32_t extents = *pixman_region32_extents(&buffer->stale);
	pixman_region32_t rows;
	pixman_region32_init(&rows);
	for (int y = extents.y1; y < extents.y2; y += band) {
		int y2 = y + band < extents.y2 ? y + band : extents.y2;
		pixman_region32_intersect_rect(&rows, &buffer->stale, 0, y, window->width,
			(unsigned)(y2 - y));
		draw_region(window, buffer, &rows, COPY_STORES_STREAM);
		/* The last band's part would only precede its DAMAGE. */
		if (y2 < extents.y2) {
			send_part(window, buffer, y, y2);
		}
	}
	pixman_region32_fini(&rows);
	pixman_region32_clear(&buffer->stale);
}

static void send_damage(struct agent_window *window, struct agent_window_buffer *buffer)
{
	struct wire_msg msg = {
		.type = WIRE_DAMAGE,
		.damage = {
			.window_id = window->id,
			.buffer_id = buffer->id,
		},
	};
	set_rects(&msg.damage, window, &window->unsent, window->damage_all);
	send_msg(window, &msg);

	buffer->busy = true;
	window->awaiting_frame = true;
	window->damage_all = false;
	pixman_region32_clear(&window->unsent);
	window->frames_sent++;
	window->server->frames_sent++;
}

/* Everything shown is stale: the view moved, so no pixel is where it was. */
static void damage_whole(struct agent_window *window)
{
	for (int i = 0; i < WINDOW_BUFFER_COUNT; i++) {
		if (window->buffers[i].id != WIRE_ID_INVALID) {
			pixman_region32_fini(&window->buffers[i].stale);
			pixman_region32_init_rect(&window->buffers[i].stale, 0, 0, window->width,
				window->height);
		}
	}
	pixman_region32_clear(&window->unsent);
	window->damage_all = true;
}

/* The view the window has now: its geometry, at the output's scale. */
static struct composite_view current_view(struct agent_window *window)
{
	struct composite_view view = { .scale = window->server->scale };
	wlr_xdg_surface_get_geometry(window->xdg_surface, &view.geometry);
	return view;
}

/* Follows the geometry and scale; a change redraws the whole window. */
static void update_view(struct agent_window *window)
{
	struct composite_view view = current_view(window);
	const struct wlr_box *old = &window->geometry;
	if (view.scale == window->scale && view.geometry.x == old->x && view.geometry.y == old->y &&
		view.geometry.width == old->width && view.geometry.height == old->height) {
		return;
	}
	window->geometry = view.geometry;
	window->scale = view.scale;
	damage_whole(window);
}

/* The window's size in window pixels (bounded: 0 if beyond the wire's). */
static void view_size(const struct composite_view *view, uint32_t *width, uint32_t *height)
{
	int64_t w = (int64_t)view->geometry.width * view->scale;
	int64_t h = (int64_t)view->geometry.height * view->scale;
	if (w <= 0 || h <= 0 || w > WIRE_MAX_WIDTH || h > WIRE_MAX_HEIGHT) {
		*width = *height = 0;
		return;
	}
	*width = (uint32_t)w;
	*height = (uint32_t)h;
}

/* The root's buffer format, if it has a buffer the agent can show. */
static bool root_format(struct agent_window *window, uint32_t *format)
{
	struct wlr_surface *surface = window->xdg_surface->surface;
	if (!surface->buffer || !surface->buffer->source) {
		wlr_log(WLR_DEBUG, "Window %u: commit without a readable buffer", window->id);
		return false;
	}
	uint32_t shm_format;
	if (!buffer_read_format(surface->buffer, &shm_format)) {
		if (!window->warned_access) {
			wlr_log(WLR_INFO,
				"Window %u: a buffer the agent can neither map nor read back, not shown",
				window->id);
			window->warned_access = true;
		}
		return false;
	}
	if (!composite_format_supported(shm_format)) {
		if (!window->warned_format) {
			wlr_log(WLR_INFO,
				"Window %u: pixel format 0x%08x is not supported yet, not shown",
				window->id, shm_format);
			window->warned_format = true;
		}
		return false;
	}
	*format = composite_window_format(shm_format);
	return true;
}

/*
 * Shows the tree's content in dom0: draws into a free shared buffer what
 * it missed (the damage added since) and sends DAMAGE; with both buffers
 * busy, it waits for the next release.
 */
static void present(struct agent_window *window)
{
	if (!window->announced) {
		return;
	}
	update_view(window);
	uint32_t format, width, height;
	const struct composite_view view = { .geometry = window->geometry, .scale = window->scale };
	view_size(&view, &width, &height);
	if (!root_format(window, &format) || !ensure_buffers(window, width, height, format)) {
		return;
	}
	if (!window->damage_all && !pixman_region32_not_empty(&window->unsent)) {
		return;
	}
	if (window->awaiting_frame) {
		/* Paced by the frames dom0 shows: one copy per FRAME_DONE.
		 * Commits meanwhile only add to unsent and stale, and the
		 * FRAME_DONE draws them once. */
		window->pending = true;
		return;
	}
	struct agent_window_buffer *buffer = free_buffer(window);
	if (!buffer) {
		window->pending = true;
		return;
	}
	window->pending = false;
	draw_stale(window, buffer);
	send_damage(window, buffer);
	window->sent_seq = window->xdg_surface->surface->current.seq;
	window->sent_seq_valid = true;
}

static void handle_present_idle(void *data)
{
	struct agent_window *window = data;
	window->present_idle = NULL;
	present(window);
}

/* Presents once the event loop is idle: after the commit (or destroy)
 * that is on its way has changed the tree. */
static void schedule_present(struct agent_window *window)
{
	if (window->present_idle || !window->announced) {
		return;
	}
	window->present_idle =
		wl_event_loop_add_idle(window->server->event_loop, handle_present_idle, window);
	if (!window->present_idle) {
		wlr_log(WLR_ERROR, "Window %u: cannot schedule a redraw", window->id);
	}
}

/* Adds what surface's last commit changed to what dom0 has not seen. */
static void add_surface_damage(struct agent_window *window, struct wlr_surface *surface)
{
	int x, y;
	if (!composite_surface_position(window->xdg_surface->surface, surface, &x, &y)) {
		return;
	}
	update_view(window);
	pixman_region32_t damage;
	pixman_region32_init(&damage);
	const struct composite_view view = { .geometry = window->geometry, .scale = window->scale };
	composite_add_surface_damage(&view, surface, x, y, &damage);
	add_damage(window, &damage);
	pixman_region32_fini(&damage);
}

void agent_window_surface_committed(struct agent_window *window, struct wlr_surface *surface)
{
	if (!window->announced) {
		return;
	}
	add_surface_damage(window, surface);
	/* A synchronized subsurface's state is applied by its parent's
	 * commit, which presents it with everything else. */
	if (!composite_surface_synchronized(window->xdg_surface->surface, surface)) {
		present(window);
	}
}

void agent_window_subsurface_shown(struct agent_window *window, struct wlr_subsurface *subsurface)
{
	if (!window->announced) {
		return;
	}
	int x, y;
	if (!composite_surface_position(window->xdg_surface->surface, subsurface->parent, &x, &y)) {
		return;
	}
	update_view(window);
	pixman_region32_t damage;
	pixman_region32_init(&damage);
	const struct composite_view view = { .geometry = window->geometry, .scale = window->scale };
	composite_add_tree_area(&view, subsurface->surface, x + subsurface->current.x,
		y + subsurface->current.y, &damage);
	add_damage(window, &damage);
	pixman_region32_fini(&damage);
	schedule_present(window);
}

void agent_window_scale_changed(struct agent_window *window)
{
	schedule_present(window);
}

void agent_window_to_surface(const struct agent_window *window, double x, double y, double *sx,
	double *sy)
{
	int32_t scale = window->scale > 0 ? window->scale : window->server->scale;
	*sx = x / scale + window->geometry.x;
	*sy = y / scale + window->geometry.y;
}

/*
 * wp_presentation: the agent has no display, so a frame counts as
 * presented when dom0 says it drew it (FRAME_DONE), as seen here: a little
 * later than the real moment, never earlier. Sampled then, not at the
 * commit: wlroots makes a commit's feedback current only after the commit
 * listeners that came before its own (this window's does) have run. The
 * feedback of content that never reached dom0 is discarded by wlroots at
 * the next commit.
 */
static void send_presented(struct agent_window *window)
{
	struct wlr_surface *surface = window->xdg_surface->surface;
	if (!window->sent_seq_valid || surface->current.seq != window->sent_seq) {
		return;
	}
	window->sent_seq_valid = false;
	struct wlr_presentation_feedback *feedback =
		wlr_presentation_surface_sampled(window->server->presentation, surface);
	if (!feedback) {
		return;
	}
	struct timespec now;
	clock_gettime(window->server->presentation->clock, &now);
	struct wlr_presentation_event event = {
		.output = window->server->output,
		.tv_sec = (uint64_t)now.tv_sec,
		.tv_nsec = (uint32_t)now.tv_nsec,
	};
	wlr_presentation_feedback_send_presented(feedback, &event);
	wlr_presentation_feedback_destroy(feedback);
}

static void send_title(struct agent_window *window)
{
	const char *title = window->xdg_surface->toplevel->title;
	if (!title) {
		title = "";
	}
	size_t length = strlen(title);
	if (length > WIRE_MAX_TITLE_BYTES) {
		/* Cut before a UTF-8 continuation byte, never inside a
		 * character; dom0 sanitises the rest. */
		length = WIRE_MAX_TITLE_BYTES;
		while (length > 0 && ((unsigned char)title[length] & 0xc0) == 0x80) {
			length--;
		}
	}
	struct wire_msg msg = {
		.type = WIRE_WINDOW_TITLE,
		.window_title = {
			.window_id = window->id,
			.length = (uint32_t)length,
			.title = title,
		},
	};
	send_msg(window, &msg);
}

static void send_app_id(struct agent_window *window)
{
	const char *app_id = window->xdg_surface->toplevel->app_id;
	if (app_id == NULL) {
		return;
	}
	/* Longer ones are cut; dom0 sanitises and prefixes the rest. */
	size_t length = strlen(app_id);
	struct wire_msg msg = {
		.type = WIRE_WINDOW_APP_ID,
		.window_app_id = {
			.window_id = window->id,
			.length = (uint32_t)(length < WIRE_MAX_APP_ID_BYTES ? length
									  : WIRE_MAX_APP_ID_BYTES),
			.app_id = app_id,
		},
	};
	send_msg(window, &msg);
}

/*
 * Where a popup goes on its parent, in window pixels: xdg-shell places the
 * popup's window geometry relative to its parent's, and each window is its
 * geometry in dom0.
 */
static void popup_position(struct agent_window *window, int32_t *x, int32_t *y)
{
	const struct wlr_box *placed = &window->xdg_surface->popup->geometry;
	int64_t scale = window->server->scale;
	int64_t px = (int64_t)placed->x * scale;
	int64_t py = (int64_t)placed->y * scale;
	/* The wire's bounds; dom0 checks the place again anyway. */
	*x = (int32_t)(px < -WIRE_MAX_WIDTH   ? -WIRE_MAX_WIDTH
			: px > WIRE_MAX_WIDTH ? WIRE_MAX_WIDTH
					      : px);
	*y = (int32_t)(py < -WIRE_MAX_HEIGHT   ? -WIRE_MAX_HEIGHT
			: py > WIRE_MAX_HEIGHT ? WIRE_MAX_HEIGHT
					       : py);
}

/* Tells dom0 a popup moved (xdg_popup.reposition, or a new geometry). */
static void send_popup_move(struct agent_window *window)
{
	int32_t x, y;
	popup_position(window, &x, &y);
	if (x == window->popup_x && y == window->popup_y) {
		return;
	}
	struct wire_msg msg = {
		.type = WIRE_WINDOW_MOVE,
		.window_move = { .window_id = window->id, .x = x, .y = y },
	};
	if (send_msg(window, &msg)) {
		window->popup_x = x;
		window->popup_y = y;
	}
}

static void announce_popups_of(struct agent_window *parent)
{
	struct agent_window *child;
	wl_list_for_each(child, &parent->server->windows, link) {
		if (child->parent == parent) {
			agent_window_announce(child);
		}
	}
}

/* Tells dom0 the toplevel's size hints when they changed (window
 * pixels, within the wire's bounds, min never above a bounded max). */
static void send_hints(struct agent_window *window)
{
	const struct wlr_xdg_toplevel_state *state = &window->xdg_surface->toplevel->current;
	uint64_t scale = (uint64_t)window->server->scale;
	uint64_t min_width = state->min_width * scale, min_height = state->min_height * scale;
	uint64_t max_width = state->max_width * scale, max_height = state->max_height * scale;
	max_width = max_width > WIRE_MAX_WIDTH ? WIRE_MAX_WIDTH : max_width;
	max_height = max_height > WIRE_MAX_HEIGHT ? WIRE_MAX_HEIGHT : max_height;
	min_width = min_width > WIRE_MAX_WIDTH ? WIRE_MAX_WIDTH : min_width;
	min_height = min_height > WIRE_MAX_HEIGHT ? WIRE_MAX_HEIGHT : min_height;
	if (max_width != 0 && min_width > max_width) {
		min_width = max_width;
	}
	if (max_height != 0 && min_height > max_height) {
		min_height = max_height;
	}
	/* now: every value fits the wire, and min <= max where max bounds */
	if (min_width == window->hints_min_width && min_height == window->hints_min_height &&
		max_width == window->hints_max_width && max_height == window->hints_max_height) {
		return;
	}
	struct wire_msg msg = {
		.type = WIRE_WINDOW_HINTS,
		.window_hints = {
			.window_id = window->id,
			.min_width = (uint32_t)min_width,
			.min_height = (uint32_t)min_height,
			.max_width = (uint32_t)max_width,
			.max_height = (uint32_t)max_height,
		},
	};
	if (send_msg(window, &msg)) {
		window->hints_min_width = (uint32_t)min_width;
		window->hints_min_height = (uint32_t)min_height;
		window->hints_max_width = (uint32_t)max_width;
		window->hints_max_height = (uint32_t)max_height;
	}
}

/* dom0's configures: none outstanding, no ack due, no hints known. */
static void forget_configures(struct agent_window *window)
{
	window->configure_count = 0;
	window->ack_due = false;
	window->hints_min_width = window->hints_min_height = 0;
	window->hints_max_width = window->hints_max_height = 0;
}

/* A request only: dom0 decides, and says so in a CONFIGURE. */
static void send_request(struct agent_window *window, uint32_t request)
{
	if (!window->announced) {
		return;
	}
	struct wire_msg msg = {
		.type = WIRE_WINDOW_REQUEST,
		.window_request = { .window_id = window->id, .request = request },
	};
	send_msg(window, &msg);
}

void agent_window_announce(struct agent_window *window)
{
	if (window->id == WIRE_ID_INVALID || window->announced ||
		!dom0_link_ready(window->server->dom0)) {
		return;
	}
	/* dom0 learns of a parent before its popups (announce_popups_of
	 * comes back for them); a popup without one is not shown, nor any
	 * where dom0 shows no popups. */
	if (window->popup &&
		(window->parent == NULL || !window->parent->announced ||
			!dom0_link_has(window->server->dom0, WIRE_CAP_POPUPS))) {
		return;
	}
	struct wlr_surface *surface = window->xdg_surface->surface;
	const struct composite_view view = current_view(window);
	uint32_t width, height;
	view_size(&view, &width, &height);
	struct wire_msg msg = {
		.type = WIRE_WINDOW_CREATE,
		.window_create = {
			.window_id = window->id,
			.width = width,
			.height = height,
			.kind = window->popup ? WIRE_WINDOW_POPUP : WIRE_WINDOW_TOPLEVEL,
		},
	};
	if (window->popup) {
		popup_position(window, &msg.window_create.x, &msg.window_create.y);
		msg.window_create.parent_id = window->parent->id;
		if (window->xdg_surface->popup->seat != NULL) {
			msg.window_create.flags = WIRE_WINDOW_GRAB;
		}
	}
	if (!send_msg(window, &msg)) {
		return;
	}
	window->announced = true;
	window->awaiting_frame = false;
	forget_configures(window);
	if (window->popup) {
		window->popup_x = msg.window_create.x;
		window->popup_y = msg.window_create.y;
	} else {
		send_title(window);
		send_app_id(window);
		/* What the client asked for before dom0 knew the window. */
		const struct wlr_xdg_toplevel_requested *requested =
			&window->xdg_surface->toplevel->requested;
		if (requested->fullscreen) {
			send_request(window, WIRE_REQUEST_FULLSCREEN);
		} else if (requested->maximized) {
			send_request(window, WIRE_REQUEST_MAXIMIZE);
		}
		send_hints(window);
	}

	/* What the client shows now, in full; its next commit brings only
	 * its damage. */
	window->scale = 0; /* so that the view is new */
	present(window);
	window->presented_seq = surface->current.seq;
	window->presented_seq_valid = true;
	wlr_log(WLR_DEBUG, "Window %u announced to dom0", window->id);
	announce_popups_of(window);
}

static void withdraw(struct agent_window *window)
{
	if (!window->announced) {
		return;
	}
	window->sent_seq_valid = false;
	drop_buffers(window, true);
	struct wire_msg msg = {
		.type = WIRE_WINDOW_DESTROY,
		.window_destroy = { .window_id = window->id },
	};
	send_msg(window, &msg);
	window->announced = false;
	window->awaiting_frame = false;
	window->presented_seq_valid = false;
	forget_configures(window);
}

void agent_window_forget_dom0(struct agent_window *window)
{
	window->sent_seq_valid = false;
	drop_buffers(window, false);
	window->announced = false;
	window->awaiting_frame = false;
	window->presented_seq_valid = false;
	forget_configures(window);
}

static void window_map(struct agent_window *window)
{
	window->id = agent_server_next_window_id(window->server);
	wlr_log(WLR_DEBUG, "Window %u mapped", window->id);
	agent_window_announce(window);
}

static void window_unmap(struct agent_window *window)
{
	if (window->id == WIRE_ID_INVALID) {
		return;
	}
	/* dom0 wants a window's popups gone before the window. */
	struct agent_window *child;
	wl_list_for_each(child, &window->server->windows, link) {
		if (child->parent == window) {
			window_unmap(child);
		}
	}
	withdraw(window);
	drop_buffers(window, false);
	wlr_log(WLR_DEBUG, "Window %u unmapped: %llu frames, %llu bytes copied", window->id,
		(unsigned long long)window->frames_sent, (unsigned long long)window->bytes_copied);
	window->id = WIRE_ID_INVALID;
	/* Unmapped, it is paced by the slow timer again. */
	agent_server_schedule_slow_frames(window->server);
}

static void window_title_changed(struct agent_window *window)
{
	if (window->announced) {
		send_title(window);
	}
}

void agent_window_frame_done(struct agent_window *window)
{
	send_presented(window);
	window->awaiting_frame = false;
	agent_window_send_frame_done(window);
	if (window->pending) {
		/* What the client committed while the last frame was out. */
		present(window);
	}
}

void agent_window_buffer_release(struct agent_window *window, uint32_t buffer_id)
{
	struct agent_window_buffer *buffer = NULL;
	for (int i = 0; i < WINDOW_BUFFER_COUNT; i++) {
		if (window->buffers[i].id == buffer_id) {
			buffer = &window->buffers[i];
		}
	}
	if (!buffer || buffer_id == WIRE_ID_INVALID) {
		/* Destroyed since dom0 sent this. */
		wlr_log(WLR_DEBUG, "Window %u: release of unknown buffer %u ignored", window->id,
			buffer_id);
		return;
	}
	buffer->busy = false;
	if (window->pending) {
		present(window);
	}
}

void agent_window_configure(struct agent_window *window, const struct wire_configure *configure)
{
	if (window->popup) {
		/* dom0 places popups by their parent; xdg_popup has no
		 * configure of dom0's to take. */
		wlr_log(WLR_DEBUG, "Window %u: CONFIGURE of a popup ignored", window->id);
		return;
	}
	struct wlr_xdg_surface *xdg_surface = window->xdg_surface;
	/* Window pixels to logical ones; 0 stays 0 (the client chooses),
	 * and a size never rounds down to it. */
	uint32_t scale = (uint32_t)window->server->scale;
	uint32_t width = configure->width / scale, height = configure->height / scale;
	if (configure->width != 0 && width == 0) {
		width = 1;
	}
	if (configure->height != 0 && height == 0) {
		height = 1;
	}
	wlr_xdg_toplevel_set_size(xdg_surface, width, height);
	wlr_xdg_toplevel_set_activated(xdg_surface, configure->states & WIRE_STATE_ACTIVATED);
	wlr_xdg_toplevel_set_maximized(xdg_surface, configure->states & WIRE_STATE_MAXIMIZED);
	/* All four go out in one xdg configure, with this serial. */
	uint32_t xdg_serial = wlr_xdg_toplevel_set_fullscreen(xdg_surface,
		configure->states & WIRE_STATE_FULLSCREEN);

	if (window->configure_count == WINDOW_CONFIGURES_MAX) {
		memmove(&window->configures[0], &window->configures[1],
			sizeof(window->configures[0]) * (WINDOW_CONFIGURES_MAX - 1));
		window->configure_count--;
	}
	int last = window->configure_count - 1;
	if (last >= 0 && window->configures[last].xdg_serial == xdg_serial) {
		/* Joined a configure not sent yet: the newer serial wins. */
		window->configures[last].dom0_serial = configure->serial;
	} else {
		window->configures[window->configure_count].xdg_serial = xdg_serial;
		window->configures[window->configure_count].dom0_serial = configure->serial;
		window->configure_count++;
	}
	wlr_log(WLR_DEBUG, "Window %u: configure %u (%ux%u, states 0x%x) sent as %u", window->id,
		configure->serial, width, height, configure->states, xdg_serial);
}

static void handle_ack_configure(struct wl_listener *listener, void *data)
{
	struct agent_window *window = wl_container_of(listener, window, ack_configure);
	const struct wlr_xdg_surface_configure *acked = data;
	/* wlroots signals every configure the ack skipped too, oldest
	 * first; dom0's are in the same order. */
	for (int i = 0; i < window->configure_count; i++) {
		if (window->configures[i].xdg_serial != acked->serial) {
			continue;
		}
		window->ack_due = true;
		window->ack_serial = window->configures[i].dom0_serial;
		window->configure_count -= i + 1;
		memmove(&window->configures[0], &window->configures[i + 1],
			sizeof(window->configures[0]) * (size_t)window->configure_count);
		return;
	}
}

static void send_configure_ack(struct agent_window *window)
{
	if (!window->ack_due) {
		return;
	}
	window->ack_due = false;
	struct wire_msg msg = {
		.type = WIRE_CONFIGURE_ACK,
		.configure_ack = { .window_id = window->id, .serial = window->ack_serial },
	};
	send_msg(window, &msg);
}

void agent_window_close(struct agent_window *window)
{
	if (window->popup) {
		/* dom0 dismissed it (a click elsewhere): popup_done. */
		wlr_xdg_popup_destroy(window->xdg_surface);
		return;
	}
	wlr_xdg_toplevel_send_close(window->xdg_surface);
}

static void send_frame_done_iterator(struct wlr_surface *surface, int sx, int sy, void *data)
{
	const struct timespec *now = data;
	wlr_surface_send_frame_done(surface, now);
}

void agent_window_send_frame_done(struct agent_window *window)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	wlr_xdg_surface_for_each_surface(window->xdg_surface, send_frame_done_iterator, &now);
}

static void handle_surface_commit(struct wl_listener *listener, void *data)
{
	struct agent_window *window = wl_container_of(listener, window, commit);
	struct wlr_xdg_surface *xdg_surface = window->xdg_surface;

	if (!window->configured && !window->popup) {
		/* Joins the configure wlroots sends for the initial commit:
		 * the client picks its size, and it has the focus (the only
		 * focus there is in a VM; dom0 decides what is focused). */
		wlr_xdg_toplevel_set_size(xdg_surface, 0, 0);
		wlr_xdg_toplevel_set_activated(xdg_surface, true);
		window->configured = true;
	}
	if (!window->announced) {
		return;
	}
	if (window->popup) {
		send_popup_move(window);
	} else {
		/* Before the DAMAGE of the content that follows it. */
		send_configure_ack(window);
		send_hints(window);
	}
	struct wlr_surface *surface = xdg_surface->surface;
	/* Already shown by window_announce in this same commit. */
	if (window->presented_seq_valid && window->presented_seq == surface->current.seq) {
		return;
	}
	window->presented_seq_valid = false;
	/* Frame callbacks wait for dom0's FRAME_DONE. */
	agent_window_surface_committed(window, surface);
}

static void handle_new_subsurface(struct wl_listener *listener, void *data)
{
	struct agent_window *window = wl_container_of(listener, window, new_subsurface);
	struct wlr_subsurface *subsurface = data;
	agent_subsurface_create(window, subsurface);
}

static void handle_xdg_surface_map(struct wl_listener *listener, void *data)
{
	struct agent_window *window = wl_container_of(listener, window, map);
	window_map(window);
}

static void handle_xdg_surface_unmap(struct wl_listener *listener, void *data)
{
	struct agent_window *window = wl_container_of(listener, window, unmap);
	window_unmap(window);
}

static void handle_toplevel_set_title(struct wl_listener *listener, void *data)
{
	struct agent_window *window = wl_container_of(listener, window, set_title);
	window_title_changed(window);
}

static void handle_toplevel_set_app_id(struct wl_listener *listener, void *data)
{
	struct agent_window *window = wl_container_of(listener, window, set_app_id);
	if (window->announced) {
		send_app_id(window);
	}
}

static void handle_request_fullscreen(struct wl_listener *listener, void *data)
{
	struct agent_window *window = wl_container_of(listener, window, request_fullscreen);
	struct wlr_xdg_toplevel_set_fullscreen_event *event = data;
	send_request(window,
		event->fullscreen ? WIRE_REQUEST_FULLSCREEN : WIRE_REQUEST_UNFULLSCREEN);
}

static void handle_request_maximize(struct wl_listener *listener, void *data)
{
	struct agent_window *window = wl_container_of(listener, window, request_maximize);
	bool maximized = window->xdg_surface->toplevel->requested.maximized;
	send_request(window, maximized ? WIRE_REQUEST_MAXIMIZE : WIRE_REQUEST_UNMAXIMIZE);
}

static void handle_request_minimize(struct wl_listener *listener, void *data)
{
	struct agent_window *window = wl_container_of(listener, window, request_minimize);
	send_request(window, WIRE_REQUEST_MINIMIZE);
}

static void handle_xdg_surface_destroy(struct wl_listener *listener, void *data)
{
	struct agent_window *window = wl_container_of(listener, window, destroy);
	agent_window_destroy(window);
}

struct agent_window *agent_window_create(struct agent_server *server,
	struct wlr_xdg_surface *xdg_surface)
{
	struct agent_window *window = calloc(1, sizeof(*window));
	if (!window) {
		wlr_log(WLR_ERROR, "Out of memory for a window");
		return NULL;
	}
	window->server = server;
	window->xdg_surface = xdg_surface;
	xdg_surface->data = window;
	if (xdg_surface->role == WLR_XDG_SURFACE_ROLE_POPUP) {
		window->popup = true;
		struct wlr_xdg_surface *parent = xdg_surface->popup->parent
			? wlr_xdg_surface_from_wlr_surface(xdg_surface->popup->parent)
			: NULL;
		window->parent = parent ? parent->data : NULL;
	}
	for (int i = 0; i < WINDOW_BUFFER_COUNT; i++) {
		pixman_region32_init(&window->buffers[i].stale);
	}
	pixman_region32_init(&window->unsent);
	wl_list_init(&window->subsurfaces);

	window->map.notify = handle_xdg_surface_map;
	wl_signal_add(&xdg_surface->events.map, &window->map);
	window->unmap.notify = handle_xdg_surface_unmap;
	wl_signal_add(&xdg_surface->events.unmap, &window->unmap);
	window->set_title.notify = handle_toplevel_set_title;
	window->set_app_id.notify = handle_toplevel_set_app_id;
	window->request_fullscreen.notify = handle_request_fullscreen;
	window->request_maximize.notify = handle_request_maximize;
	window->request_minimize.notify = handle_request_minimize;
	if (window->popup) {
		wl_list_init(&window->set_title.link);
		wl_list_init(&window->set_app_id.link);
		wl_list_init(&window->request_fullscreen.link);
		wl_list_init(&window->request_maximize.link);
		wl_list_init(&window->request_minimize.link);
	} else {
		struct wlr_xdg_toplevel *toplevel = xdg_surface->toplevel;
		wl_signal_add(&toplevel->events.set_title, &window->set_title);
		wl_signal_add(&toplevel->events.set_app_id, &window->set_app_id);
		wl_signal_add(&toplevel->events.request_fullscreen, &window->request_fullscreen);
		wl_signal_add(&toplevel->events.request_maximize, &window->request_maximize);
		wl_signal_add(&toplevel->events.request_minimize, &window->request_minimize);
	}
	window->destroy.notify = handle_xdg_surface_destroy;
	wl_signal_add(&xdg_surface->events.destroy, &window->destroy);
	window->commit.notify = handle_surface_commit;
	wl_signal_add(&xdg_surface->surface->events.commit, &window->commit);
	window->new_subsurface.notify = handle_new_subsurface;
	wl_signal_add(&xdg_surface->surface->events.new_subsurface, &window->new_subsurface);
	window->ack_configure.notify = handle_ack_configure;
	wl_signal_add(&xdg_surface->events.ack_configure, &window->ack_configure);
	wl_list_insert(&server->windows, &window->link);
	agent_subsurface_follow_existing(window, xdg_surface->surface);
	/* The output it will be on, before its first frame: clients pick
	 * their buffer scale by it. */
	wlr_surface_send_enter(xdg_surface->surface, server->output);
	agent_server_schedule_slow_frames(server);
	return window;
}

void agent_window_destroy(struct agent_window *window)
{
	if (!window) {
		return;
	}
	window_unmap(window);
	drop_buffers(window, false);
	struct agent_window *child;
	wl_list_for_each(child, &window->server->windows, link) {
		if (child->parent == window) {
			child->parent = NULL;
		}
	}
	struct agent_subsurface *subsurface, *tmp;
	wl_list_for_each_safe(subsurface, tmp, &window->subsurfaces, link) {
		agent_subsurface_destroy(subsurface);
	}
	if (window->present_idle) {
		wl_event_source_remove(window->present_idle);
	}
	window->xdg_surface->data = NULL;
	wl_list_remove(&window->map.link);
	wl_list_remove(&window->unmap.link);
	wl_list_remove(&window->set_title.link);
	wl_list_remove(&window->set_app_id.link);
	wl_list_remove(&window->request_fullscreen.link);
	wl_list_remove(&window->request_maximize.link);
	wl_list_remove(&window->request_minimize.link);
	wl_list_remove(&window->destroy.link);
	wl_list_remove(&window->commit.link);
	wl_list_remove(&window->new_subsurface.link);
	wl_list_remove(&window->ack_configure.link);
	wl_list_remove(&window->link);
	for (int i = 0; i < WINDOW_BUFFER_COUNT; i++) {
		pixman_region32_fini(&window->buffers[i].stale);
	}
	pixman_region32_fini(&window->unsent);
	free(window);
}

struct agent_window *agent_window_from_id(struct agent_server *server, uint32_t id)
{
	if (id == WIRE_ID_INVALID) {
		return NULL;
	}
	struct agent_window *window;
	wl_list_for_each(window, &server->windows, link) {
		if (window->id == id) {
			return window;
		}
	}
	return NULL;
}
