/*
 * VM windows as toplevels of the bridge's own. The VM's pixels are only
 * ever read here, from read-only views of its shared pages, and only
 * copied (damaged rectangles, row by row) into dom0 buffers: the
 * compositor is never handed a page the VM can write.
 *
 * Each window has two dom0 buffers. Each remembers (stale) where it
 * differs from the window's latest content, so a frame copies only what
 * that buffer missed. The VM buffer a DAMAGE names holds the complete
 * latest frame (the agent keeps it so), which is why any stale region can
 * be refreshed from it.
 *
 * Copies follow the frames the compositor shows: at most one per frame
 * callback. A large frame may come in parts (DAMAGE_PART) before its
 * DAMAGE; each part is copied as it comes, into the dom0 buffer the frame
 * will be shown from, while the VM still draws the rest, so the two
 * copies of a frame overlap. Nothing is shown before the DAMAGE.
 */
#include "vm-bridge/window.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vm-bridge/dom0_client.h"
#include "vm-bridge/scale.h"
#include "vm-bridge/shm_buffer.h"
#include "vm-bridge/vm_link.h"
#include "common/util/copy.h"
#include "common/util/log.h"
#include "common/vchan/vchan.h"
#include "common/wire/codec.h"
#include "xdg-shell-client-protocol.h"

/* Log the copy counters at debug level every so many frames. */
#define WINDOW_STATS_EVERY 300
/* Damage rectangles one commit sends at most (24 bytes each); beyond,
 * their bounding box. */
#define WINDOW_DAMAGE_BOXES_MAX 16

/* One bridge serves one VM: these sum its windows, past and present. */
static uint64_t total_frames;
static uint64_t total_bytes_copied;
static uint64_t total_parts; /* DAMAGE_PARTs copied */
static uint64_t total_shown; /* frame callbacks: frames the compositor showed */
static uint64_t total_dom0_buffers; /* dom0 buffers alive now */

static void present(struct bridge_window *window);

static uint32_t wl_format_of(uint32_t wire_format)
{
	/*
	 * dom0 shows every VM pixel opaque, whatever alpha the VM sent: a
	 * see-through VM window laid over another VM's window (or dom0's)
	 * would put that content inside this VM's frame, where input goes
	 * to this VM. Transparent areas show as their colour values
	 * (black, for premultiplied zero alpha), as in Qubes.
	 */
	(void)wire_format; /* the decoder allows only ARGB and XRGB8888 */
	return WL_SHM_FORMAT_XRGB8888;
}

static struct vm_buffer *find_vm_buffer(struct bridge_window *window, uint32_t id)
{
	if (id == WIRE_ID_INVALID) {
		return NULL;
	}
	for (size_t i = 0; i < VALIDATE_MAX_BUFFERS_PER_WINDOW; i++) {
		if (window->buffers[i].id == id) {
			return &window->buffers[i];
		}
	}
	return NULL;
}

static void send_release(struct bridge_window *window, uint32_t buffer_id)
{
	struct wire_msg msg = {
		.type = WIRE_BUFFER_RELEASE,
		.buffer_release = {
			.window_id = window->id,
			.buffer_id = buffer_id,
		},
	};
	vm_link_send(window->vm, &msg);
}

/* Gives back the buffer present() copied last, if not yet done. */
static void release_copied(struct bridge_window *window)
{
	if (window->copied_id != WIRE_ID_INVALID) {
		send_release(window, window->copied_id);
		window->copied_id = WIRE_ID_INVALID;
	}
}

static void handle_frame_done(void *data, struct wl_callback *callback, uint32_t time)
{
	struct bridge_window *window = data;
	wl_callback_destroy(callback);
	window->frame_callback = NULL;
	total_shown++;
	/* Before FRAME_DONE, in the same write: the VM draws its next
	 * frame on FRAME_DONE and finds the buffer free. A frame that came
	 * meanwhile is copied at the next safe point (present). */
	release_copied(window);
	struct wire_msg msg = {
		.type = WIRE_FRAME_DONE,
		.frame_done = { .window_id = window->id, .time_msec = time },
	};
	vm_link_send(window->vm, &msg);
}

static const struct wl_callback_listener frame_listener = {
	.done = handle_frame_done,
};

/* A maximum size hint in logical pixels: rounded down, but a bound stays
 * a bound (0 means none). */
static int32_t max_hint(uint32_t pixels, int32_t scale)
{
	int32_t logical = scale_to_logical_floor(pixels, scale);
	return pixels > 0 && logical == 0 ? 1 : logical;
}

static void handle_xdg_surface_configure(void *data, struct xdg_surface *xdg_surface,
	uint32_t serial)
{
	struct bridge_window *window = data;
	/* Acked at the safe point, where a full socket is known; content
	 * that arrived before the first configure waits for it. */
	window->configure_serial = serial;
	window->dirty |= BRIDGE_WINDOW_DIRTY_ACK;
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = handle_xdg_surface_configure,
};

static void send_close(struct bridge_window *window)
{
	struct wire_msg msg = {
		.type = WIRE_CLOSE,
		.close = { .window_id = window->id },
	};
	vm_link_send(window->vm, &msg);
}

static void handle_toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t width,
	int32_t height, struct wl_array *states)
{
	struct bridge_window *window = data;
	uint32_t wire_states = 0;
	const uint32_t *state;
	wl_array_for_each(state, states) {
		switch (*state) {
		case XDG_TOPLEVEL_STATE_ACTIVATED:
			wire_states |= WIRE_STATE_ACTIVATED;
			break;
		case XDG_TOPLEVEL_STATE_MAXIMIZED:
			wire_states |= WIRE_STATE_MAXIMIZED;
			break;
		case XDG_TOPLEVEL_STATE_FULLSCREEN:
			wire_states |= WIRE_STATE_FULLSCREEN;
			break;
		default:
			break; /* resizing, tiled: nothing the VM is told */
		}
	}
	/* 0: the VM chooses, and dom0 shows what it chose. The wire carries
	 * no size beyond the maximum buffer. */
	int32_t scale = window->vm->output_scale;
	uint32_t w = width <= 0 ? 0 : (uint32_t)scale_to_window(width, scale, WIRE_MAX_WIDTH);
	uint32_t h = height <= 0 ? 0 : (uint32_t)scale_to_window(height, scale, WIRE_MAX_HEIGHT);
	if (w == 0 || h == 0) {
		w = h = 0;
	}
	if (window->configure_sent && w == window->configure_width &&
		h == window->configure_height && wire_states == window->configure_states) {
		return;
	}
	window->configure_sent = true;
	window->configure_width = w;
	window->configure_height = h;
	window->configure_states = wire_states;
	struct wire_msg msg = {
		.type = WIRE_CONFIGURE,
		.configure = {
			.window_id = window->id,
			.width = w,
			.height = h,
			.states = wire_states,
		},
	};
	vm_link_send(window->vm, &msg);
}

static void handle_toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	send_close(data);
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = handle_toplevel_configure,
	.close = handle_toplevel_close,
};

static void handle_popup_configure(void *data, struct xdg_popup *popup, int32_t x, int32_t y,
	int32_t width, int32_t height)
{
	/* Where the compositor put it is the compositor's business; the
	 * VM's coordinates stay relative to the popup itself. */
}

static void handle_popup_done(void *data, struct xdg_popup *popup)
{
	/* Dismissed in dom0 (a click elsewhere): CLOSE on a popup is its
	 * popup_done in the VM, which then destroys it. */
	send_close(data);
}

static void handle_popup_repositioned(void *data, struct xdg_popup *popup, uint32_t token)
{
}

static const struct xdg_popup_listener popup_listener = {
	.configure = handle_popup_configure,
	.popup_done = handle_popup_done,
	.repositioned = handle_popup_repositioned,
};

static void handle_dom0_release(struct shm_buffer *buffer, void *data)
{
	/* A dom0 buffer is free: a frame that waited for one goes out at
	 * the safe point (bridge_window_send_pending), not from inside the
	 * compositor's events, whose requests could overfill libwayland's
	 * buffer while the socket is full. */
}

/* Forgets the frame that came in parts: what they copied into part_dst
 * is stale there again (it came from a buffer no DAMAGE completed). */
static void parts_forget(struct bridge_window *window)
{
	if (window->part_dst != NULL) {
		pixman_region32_union(&window->part_dst->stale, &window->part_dst->stale,
			&window->part_copied);
	}
	pixman_region32_clear(&window->part_copied);
	window->part_dst = NULL;
	window->part_id = WIRE_ID_INVALID;
}

static void dom0_buffers_destroy(struct bridge_window *window)
{
	/* What parts copied goes with the buffers. */
	window->part_dst = NULL;
	parts_forget(window);
	for (size_t i = 0; i < 2; i++) {
		struct shm_buffer *buffer = window->dom0[i];
		if (buffer == NULL) {
			continue;
		}
		window->vm->dom0_bytes -= buffer->size;
		shm_buffer_destroy(buffer);
		window->dom0[i] = NULL;
		total_dom0_buffers--;
	}
}

/* Makes both dom0 buffers match src's size and format. */
/*
 * What dom0 shows of a VM buffer: all of it, but never more than the size
 * the compositor configured the window to (QSB-072/073: a VM that ignores
 * the size dom0 fits it to is cut, not allowed to cover the screen or push
 * its frame off it). The compositor checks the result again.
 */
static void shown_size(const struct bridge_window *window, const struct vm_buffer *src,
	uint32_t *width, uint32_t *height)
{
	*width = src->width;
	*height = src->height;
	if (window->configure_width != 0 && *width > window->configure_width) {
		*width = window->configure_width;
	}
	if (window->configure_height != 0 && *height > window->configure_height) {
		*height = window->configure_height;
	}
	/* Whole logical pixels: wlroots drops a commit whose buffer is not
	 * a multiple of the scale. The VM's own windows always are. */
	uint32_t scale = (uint32_t)window->vm->output_scale;
	if (*width >= scale && *height >= scale) {
		*width -= *width % scale;
		*height -= *height % scale;
	}
}

static int64_t monotonic_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* One more dom0 buffer for the window, like src; false when the
 * compositor's side failed (logged, the bridge ends). */
static bool dom0_buffer_add(struct bridge_window *window, size_t slot, uint32_t width,
	uint32_t height, uint32_t format)
{
	struct vm_link *vm = window->vm;
	struct shm_buffer *buffer = shm_buffer_create(vm->dom0->shm, width, height, format);
	if (buffer == NULL) {
		vm_link_dom0_failure(vm, "window %u: cannot allocate a %ux%u dom0 buffer",
			window->id, width, height);
		return false;
	}
	buffer->on_release = handle_dom0_release;
	buffer->on_release_data = window;
	vm->dom0_bytes += buffer->size;
	window->dom0[slot] = buffer;
	total_dom0_buffers++;
	return true;
}

/*
 * Makes the window's first dom0 buffer match src's size and format. The
 * window must have room in the VM's dom0 bytes for two (it may need to
 * double-buffer); the second is made only when needed (free_dom0_buffer).
 */
static bool dom0_buffers_match(struct bridge_window *window, const struct vm_buffer *src)
{
	uint32_t format = wl_format_of(src->format);
	uint32_t width, height;
	shown_size(window, src, &width, &height);
	struct shm_buffer *first = window->dom0[0];
	if (first != NULL && first->width == width && first->height == height &&
		first->wl_format == format) {
		return true;
	}
	dom0_buffers_destroy(window);

	struct vm_link *vm = window->vm;
	uint64_t need = 2 * shm_buffer_bytes(width, height);
	/* dom0_bytes <= max_dom0_bytes always holds: no wrap. */
	if (need > vm->max_dom0_bytes - vm->dom0_bytes) {
		vm_link_violation(vm, WIRE_DAMAGE,
			"window %u: dom0 copies of %ux%u would exceed %llu bytes (%llu in use)",
			window->id, width, height, (unsigned long long)vm->max_dom0_bytes,
			(unsigned long long)vm->dom0_bytes);
		return false;
	}
	if (!dom0_buffer_add(window, 0, width, height, format)) {
		return false;
	}
	/* A new size: the compositor redraws the whole surface anyway. */
	pixman_region32_union_rect(&window->surface_damage, &window->surface_damage, 0, 0, width,
		height);
	return true;
}

/*
 * A dom0 buffer the compositor does not hold, to copy a frame into. The
 * second one is made only when the first is held as a frame is due: a
 * window that drew once, or a compositor that lets a wl_shm buffer go
 * once it has read it (GLES2 uploads it), keeps one. NULL: both held, or
 * the VM's dom0 bytes have no room for a second (the window then waits
 * for the release of its one), or the compositor's side failed.
 */
static struct shm_buffer *free_dom0_buffer(struct bridge_window *window)
{
	for (size_t i = 0; i < 2; i++) {
		if (window->dom0[i] != NULL && !window->dom0[i]->busy) {
			return window->dom0[i];
		}
	}
	struct shm_buffer *first = window->dom0[0];
	struct vm_link *vm = window->vm;
	if (first == NULL || window->dom0[1] != NULL ||
		first->size > vm->max_dom0_bytes - vm->dom0_bytes) {
		return NULL;
	}
	if (!dom0_buffer_add(window, 1, first->width, first->height, first->wl_format)) {
		return NULL;
	}
	return window->dom0[1];
}

/* Copies region's rectangles from src into dst, row by row, clipped to
 * both (region is clipped in place). */
static size_t copy_region(struct shm_buffer *dst, const struct vm_buffer *src,
	pixman_region32_t *region, enum copy_stores stores)
{
	/* Sizes match (dom0_buffers_match) but for what dom0 cuts off;
	 * clip anyway, so a mistake here can never read or write outside
	 * either buffer. */
	uint32_t width = dst->width < src->width ? dst->width : src->width;
	uint32_t height = dst->height < src->height ? dst->height : src->height;
	pixman_region32_intersect_rect(region, region, 0, 0, width, height);

	size_t copied = 0;
	int n = 0;
	const pixman_box32_t *boxes = pixman_region32_rectangles(region, &n);
	for (int i = 0; i < n; i++) {
		const pixman_box32_t *b = &boxes[i];
		size_t row_bytes = (size_t)(b->x2 - b->x1) * 4;
		copy_rows_stores(dst->data + (size_t)b->y1 * dst->stride + (size_t)b->x1 * 4,
			dst->stride, src->view + (size_t)b->y1 * src->stride + (size_t)b->x1 * 4,
			src->stride, row_bytes, (size_t)(b->y2 - b->y1), stores);
		copied += row_bytes * (size_t)(b->y2 - b->y1);
	}
	return copied;
}

/* Copies dst's stale rectangles from src: dst then shows src. */
static size_t copy_stale(struct shm_buffer *dst, const struct vm_buffer *src,
	enum copy_stores stores)
{
	size_t copied = copy_region(dst, src, &dst->stale, stores);
	pixman_region32_clear(&dst->stale);
	return copied;
}

static void count_copy(struct bridge_window *window, size_t copied)
{
	window->bytes_copied += copied;
	total_bytes_copied += copied;
}

/*
 * Takes the parts of src's frame as copied into dst: they are part of the
 * frame's damage (the DAMAGE lists them too; added again in case it did
 * not), and dst needs only the rest of its stale region.
 */
static void parts_take(struct bridge_window *window, struct shm_buffer *dst)
{
	pixman_region32_t *copied = &window->part_copied;
	pixman_region32_union(&window->surface_damage, &window->surface_damage, copied);
	for (size_t i = 0; i < 2; i++) {
		if (window->dom0[i] != NULL && window->dom0[i] != dst) {
			pixman_region32_union(&window->dom0[i]->stale, &window->dom0[i]->stale,
				copied);
		}
	}
	pixman_region32_subtract(&dst->stale, &dst->stale, copied);
	pixman_region32_clear(copied);
	window->part_dst = NULL;
	window->part_id = WIRE_ID_INVALID;
}

/* Shows the pending VM buffer, if there is one and a dom0 buffer is
 * free, and gives the VM buffer back. */
static void present(struct bridge_window *window)
{
	if (!window->configured || window->pending_id == WIRE_ID_INVALID || window->vm->failed ||
		window->vm->dom0->blocked) {
		return;
	}
	/*
	 * Paced by the frames the compositor shows: one copy per frame.
	 * Until the last copy's frame callback comes, a newer DAMAGE only
	 * adds to the dom0 buffers' stale regions and replaces the pending
	 * VM buffer; the safe point after the callback copies it once.
	 */
	if (window->frame_callback != NULL) {
		return;
	}
	struct vm_buffer *src = find_vm_buffer(window, window->pending_id);
	if (src == NULL) {
		window->pending_id = WIRE_ID_INVALID;
		return;
	}
	if (!dom0_buffers_match(window, src)) {
		return;
	}
	struct shm_buffer *dst = NULL;
	/* The rest of a frame that came in parts is a band of a large
	 * copy, and streams as its parts did. */
	enum copy_stores stores = COPY_STORES_BY_SIZE;
	if (window->part_id == src->id && window->part_dst != NULL && !window->part_dst->busy) {
		/* The frame's parts are there already. */
		dst = window->part_dst;
		parts_take(window, dst);
		stores = COPY_STORES_STREAM;
	} else {
		parts_forget(window);
		dst = free_dom0_buffer(window);
	}
	if (dst == NULL) {
		return; /* the next wl_buffer.release comes back here */
	}

	size_t copied = copy_stale(dst, src, stores);
	count_copy(window, copied);
	window->frames++;
	total_frames++;
	window->last_copy_ms = monotonic_ms();

	wl_surface_attach(window->surface, dst->buffer, 0, 0);
	int n = 0;
	const pixman_box32_t *boxes = pixman_region32_rectangles(&window->surface_damage, &n);
	if (n > WINDOW_DAMAGE_BOXES_MAX) {
		/* Damage piled up over many frames: one box, so that a frame's
		 * requests stay far below libwayland's 4 KiB buffer. */
		boxes = pixman_region32_extents(&window->surface_damage);
		n = 1;
	}
	for (int i = 0; i < n; i++) {
		wl_surface_damage_buffer(window->surface, boxes[i].x1, boxes[i].y1,
			boxes[i].x2 - boxes[i].x1, boxes[i].y2 - boxes[i].y1);
	}
	pixman_region32_clear(&window->surface_damage);
	if (window->frame_callback == NULL) {
		window->frame_callback = wl_surface_frame(window->surface);
		wl_callback_add_listener(window->frame_callback, &frame_listener, window);
	}
	wl_surface_commit(window->surface);
	dst->busy = true;

	/* The copy is done: the VM may draw into its buffer again, told
	 * with the next FRAME_DONE or on its next DAMAGE (see copied_id). */
	release_copied(window);
	window->copied_id = window->pending_id;
	window->pending_id = WIRE_ID_INVALID;

	if (window->frames == 1 || window->frames % WINDOW_STATS_EVERY == 0) {
		mlog(MLOG_DEBUG, "vm %s: window %u: frame %llu copied %zu bytes, %llu bytes in all",
			window->vm->name, window->id, (unsigned long long)window->frames, copied,
			(unsigned long long)window->bytes_copied);
	}
}

/* A window with its surface and xdg_surface, no role yet. */
static struct bridge_window *window_create(struct vm_link *vm, uint32_t id)
{
	struct bridge_window *window = calloc(1, sizeof(*window));
	if (window == NULL) {
		mlog(MLOG_ERROR, "out of memory for a window");
		return NULL;
	}
	window->vm = vm;
	window->id = id;
	pixman_region32_init(&window->surface_damage);
	pixman_region32_init(&window->part_copied);
	wl_list_insert(&vm->windows, &window->link);

	struct dom0_client *dom0 = vm->dom0;
	window->surface = wl_compositor_create_surface(dom0->compositor);
	if (window->surface == NULL) {
		goto error;
	}
	/* Window pixels are buffer pixels: the VM drew at this scale. */
	wl_surface_set_buffer_scale(window->surface, vm->output_scale);
	window->xdg_surface = xdg_wm_base_get_xdg_surface(dom0->wm_base, window->surface);
	if (window->xdg_surface == NULL) {
		goto error;
	}
	xdg_surface_add_listener(window->xdg_surface, &xdg_surface_listener, window);
	return window;

error:
	mlog(MLOG_ERROR, "vm %s: cannot create the surface of window %u", vm->name, id);
	bridge_window_destroy(window);
	return NULL;
}

/*
 * The place of a popup: its top left corner at (x, y) of the parent. The
 * compositor may slide or flip it to keep it on screen; the size is only
 * a hint for that (the buffers decide what is shown).
 */
static struct xdg_positioner *popup_positioner(struct bridge_window *window, int32_t x, int32_t y,
	uint32_t width, uint32_t height)
{
	struct xdg_positioner *positioner =
		xdg_wm_base_create_positioner(window->vm->dom0->wm_base);
	if (positioner == NULL) {
		return NULL;
	}
	int32_t scale = window->vm->output_scale;
	int32_t logical_width = scale_to_logical_ceil(width, scale);
	int32_t logical_height = scale_to_logical_ceil(height, scale);
	xdg_positioner_set_size(positioner, logical_width > 0 ? logical_width : 1,
		logical_height > 0 ? logical_height : 1);
	xdg_positioner_set_anchor_rect(positioner, scale_to_logical_floor(x, scale),
		scale_to_logical_floor(y, scale), 1, 1);
	xdg_positioner_set_anchor(positioner, XDG_POSITIONER_ANCHOR_TOP_LEFT);
	xdg_positioner_set_gravity(positioner, XDG_POSITIONER_GRAVITY_BOTTOM_RIGHT);
	xdg_positioner_set_constraint_adjustment(positioner,
		XDG_POSITIONER_CONSTRAINT_ADJUSTMENT_SLIDE_X |
			XDG_POSITIONER_CONSTRAINT_ADJUSTMENT_SLIDE_Y);
	return positioner;
}

struct bridge_window *bridge_window_create_popup(struct vm_link *vm, uint32_t id,
	struct bridge_window *parent, int32_t x, int32_t y, uint32_t width, uint32_t height,
	bool grab)
{
	struct bridge_window *window = window_create(vm, id);
	if (window == NULL) {
		return NULL;
	}
	window->width_hint = width;
	window->height_hint = height;
	struct xdg_positioner *positioner = popup_positioner(window, x, y, width, height);
	if (positioner == NULL) {
		goto error;
	}
	window->popup = xdg_surface_get_popup(window->xdg_surface, parent->xdg_surface, positioner);
	xdg_positioner_destroy(positioner);
	if (window->popup == NULL) {
		goto error;
	}
	xdg_popup_add_listener(window->popup, &popup_listener, window);
	/* Only in answer to a press (the compositor checks the serial);
	 * dom0 decides whether a VM menu gets the keyboard. */
	struct dom0_client *dom0 = vm->dom0;
	if (grab && dom0->seat != NULL && dom0->input_serial != 0) {
		xdg_popup_grab(window->popup, dom0->seat, dom0->input_serial);
	}
	wl_surface_commit(window->surface);
	return window;

error:
	mlog(MLOG_ERROR, "vm %s: cannot create popup %u", vm->name, id);
	bridge_window_destroy(window);
	return NULL;
}

void bridge_window_move_popup(struct bridge_window *window, int32_t x, int32_t y)
{
	if (window->popup == NULL ||
		xdg_popup_get_version(window->popup) < XDG_POPUP_REPOSITION_SINCE_VERSION) {
		return;
	}
	struct xdg_positioner *positioner =
		popup_positioner(window, x, y, window->width_hint, window->height_hint);
	if (positioner == NULL) {
		return;
	}
	xdg_popup_reposition(window->popup, positioner, 0);
	xdg_positioner_destroy(positioner);
}

struct bridge_window *bridge_window_create(struct vm_link *vm, uint32_t id)
{
	struct bridge_window *window = window_create(vm, id);
	if (window == NULL) {
		return NULL;
	}
	window->toplevel = xdg_surface_get_toplevel(window->xdg_surface);
	if (window->toplevel == NULL) {
		goto error;
	}
	xdg_toplevel_add_listener(window->toplevel, &toplevel_listener, window);
	/* xdg-shell: an empty commit asks for the first configure; no
	 * buffer may be attached before it is acked. */
	wl_surface_commit(window->surface);
	return window;

error:
	mlog(MLOG_ERROR, "vm %s: cannot create the surface of window %u", vm->name, id);
	bridge_window_destroy(window);
	return NULL;
}

void bridge_window_destroy(struct bridge_window *window)
{
	if (window == NULL) {
		return;
	}
	mlog(MLOG_DEBUG, "vm %s: window %u gone after %llu frames, %llu bytes copied",
		window->vm->name, window->id, (unsigned long long)window->frames,
		(unsigned long long)window->bytes_copied);
	if (window->frame_callback != NULL) {
		wl_callback_destroy(window->frame_callback);
	}
	if (window->toplevel != NULL) {
		xdg_toplevel_destroy(window->toplevel);
	}
	if (window->popup != NULL) {
		xdg_popup_destroy(window->popup);
	}
	if (window->xdg_surface != NULL) {
		xdg_surface_destroy(window->xdg_surface);
	}
	if (window->surface != NULL) {
		wl_surface_destroy(window->surface);
	}
	dom0_buffers_destroy(window);
	for (size_t i = 0; i < VALIDATE_MAX_BUFFERS_PER_WINDOW; i++) {
		bridge_window_buffer_destroy(window, window->buffers[i].id);
	}
	pixman_region32_fini(&window->surface_damage);
	pixman_region32_fini(&window->part_copied);
	wl_list_remove(&window->link);
	free(window);
}

struct bridge_window *bridge_window_from_surface(struct vm_link *vm, struct wl_surface *surface)
{
	struct bridge_window *window;
	wl_list_for_each(window, &vm->windows, link) {
		if (window->surface == surface) {
			return window;
		}
	}
	return NULL;
}

struct bridge_window *bridge_window_find(struct vm_link *vm, uint32_t id)
{
	struct bridge_window *window;
	wl_list_for_each(window, &vm->windows, link) {
		if (window->id == id) {
			return window;
		}
	}
	return NULL;
}

void bridge_window_set_title(struct bridge_window *window, const char *title)
{
	snprintf(window->title, sizeof(window->title), "%s", title);
	window->dirty |= BRIDGE_WINDOW_DIRTY_TITLE;
}

void bridge_window_set_app_id(struct bridge_window *window, const char *app_id)
{
	snprintf(window->app_id, sizeof(window->app_id), "%s", app_id);
	window->dirty |= BRIDGE_WINDOW_DIRTY_APP_ID;
}

void bridge_window_set_hints(struct bridge_window *window, const struct wire_window_hints *hints)
{
	window->hints = *hints;
	window->dirty |= BRIDGE_WINDOW_DIRTY_HINTS;
}

bool bridge_window_send_pending(struct bridge_window *window, bool properties)
{
	uint32_t dirty = window->dirty;
	if (!properties) {
		dirty &= BRIDGE_WINDOW_DIRTY_ACK;
	}
	window->dirty &= ~dirty;
	if (dirty & BRIDGE_WINDOW_DIRTY_ACK) {
		xdg_surface_ack_configure(window->xdg_surface, window->configure_serial);
		window->configured = true;
	}
	/* validate.c allows titles, app ids and hints on toplevels only. */
	if (window->toplevel != NULL) {
		if (dirty & BRIDGE_WINDOW_DIRTY_TITLE) {
			xdg_toplevel_set_title(window->toplevel, window->title);
		}
		if (dirty & BRIDGE_WINDOW_DIRTY_APP_ID) {
			xdg_toplevel_set_app_id(window->toplevel, window->app_id);
		}
		if (dirty & BRIDGE_WINDOW_DIRTY_HINTS) {
			/* Bounded by WIRE_MAX_WIDTH/HEIGHT; 0 stays 0 (no
			 * bound). A minimum rounds up, a maximum down. */
			const struct wire_window_hints *h = &window->hints;
			int32_t scale = window->vm->output_scale;
			xdg_toplevel_set_min_size(window->toplevel,
				scale_to_logical_ceil(h->min_width, scale),
				scale_to_logical_ceil(h->min_height, scale));
			xdg_toplevel_set_max_size(window->toplevel, max_hint(h->max_width, scale),
				max_hint(h->max_height, scale));
		}
	}
	present(window);
	return (dirty & BRIDGE_WINDOW_DIRTY_PROPERTIES) != 0;
}

bool bridge_window_buffer_create(struct bridge_window *window,
	const struct wire_buffer_create *create)
{
	struct vm_link *vm = window->vm;
	struct vm_buffer *slot = NULL;
	for (size_t i = 0; i < VALIDATE_MAX_BUFFERS_PER_WINDOW; i++) {
		if (window->buffers[i].id == WIRE_ID_INVALID) {
			slot = &window->buffers[i];
			break;
		}
	}
	/* validate.c allowed this buffer, so there is room and the sizes
	 * agree; check what protects memory once more where it is used. */
	if (slot == NULL || !wire_buffer_layout_ok(create)) {
		vm_link_bug(vm, "buffer %u passed validation but does not fit window %u",
			create->buffer_id, window->id);
		return false;
	}
	for (uint32_t i = 0; i < create->ref_count; i++) {
		vm->refs[i] = wire_ref_at(create, i);
	}
	const void *view = vchan_map_refs(vm->vchan, vm->refs, create->ref_count);
	if (view == NULL) {
		vm_link_violation(vm, WIRE_BUFFER_CREATE,
			"buffer %u: its %u pages cannot be mapped", create->buffer_id,
			create->ref_count);
		return false;
	}
	*slot = (struct vm_buffer){
		.id = create->buffer_id,
		.width = create->width,
		.height = create->height,
		.stride = create->stride,
		.format = create->format,
		.page_count = create->ref_count,
		.view = view,
	};
	return true;
}

void bridge_window_buffer_destroy(struct bridge_window *window, uint32_t buffer_id)
{
	struct vm_buffer *buffer = find_vm_buffer(window, buffer_id);
	if (buffer == NULL) {
		return;
	}
	if (window->pending_id == buffer_id) {
		/* Gone before it was copied: nothing to show or release.
		 * The stale regions stay for the next buffer. */
		window->pending_id = WIRE_ID_INVALID;
	}
	if (window->copied_id == buffer_id) {
		window->copied_id = WIRE_ID_INVALID; /* nothing to give back */
	}
	if (window->part_id == buffer_id) {
		parts_forget(window);
	}
	vchan_unmap(window->vm->vchan, buffer->view, buffer->page_count);
	memset(buffer, 0, sizeof(*buffer));
}

bool bridge_window_damage(struct bridge_window *window, const struct wire_damage *damage)
{
	struct vm_buffer *src = find_vm_buffer(window, damage->buffer_id);
	if (src == NULL) {
		vm_link_bug(window->vm, "no buffer %u in window %u after validation",
			damage->buffer_id, window->id);
		return false;
	}
	if (window->part_id != WIRE_ID_INVALID && window->part_id != src->id) {
		parts_forget(window); /* that frame was never completed */
	}
	/* The VM moved on to another buffer: it may want the copied one
	 * next. The same one again: it is given back after this copy. */
	if (window->copied_id == src->id) {
		window->copied_id = WIRE_ID_INVALID;
	}
	release_copied(window);
	if (window->pending_id != WIRE_ID_INVALID && window->pending_id != src->id) {
		/* Superseded before it was shown: this one is newer and
		 * complete, so the older one goes back uncopied. */
		send_release(window, window->pending_id);
	}
	window->pending_id = src->id;

	for (uint32_t i = 0; i < damage->rect_count && i < WIRE_MAX_DAMAGE_RECTS; i++) {
		const struct wire_rect *r = &damage->rects[i];
		for (size_t k = 0; k < 2; k++) {
			if (window->dom0[k] != NULL) {
				pixman_region32_union_rect(&window->dom0[k]->stale,
					&window->dom0[k]->stale, r->x, r->y, (unsigned)r->width,
					(unsigned)r->height);
			}
		}
		pixman_region32_union_rect(&window->surface_damage, &window->surface_damage, r->x,
			r->y, (unsigned)r->width, (unsigned)r->height);
	}
	present(window);
	return true;
}

void bridge_window_damage_part(struct bridge_window *window, const struct wire_damage *part)
{
	struct vm_buffer *src = find_vm_buffer(window, part->buffer_id);
	if (src == NULL) {
		vm_link_bug(window->vm, "no buffer %u in window %u after validation",
			part->buffer_id, window->id);
		return;
	}
	if (window->part_id != src->id) {
		parts_forget(window); /* a new frame, or another buffer's */
	}
	/*
	 * Copied now only when present() would copy the frame now too (the
	 * window may draw, its last copy was shown), and never from a buffer
	 * dom0 still holds: the VM may write only into released ones, so a
	 * part of a held one is a confused VM's, and its DAMAGE decides.
	 */
	if (!window->configured || window->vm->failed || window->frame_callback != NULL ||
		src->id == window->pending_id || src->id == window->copied_id) {
		return;
	}
	if (!dom0_buffers_match(window, src)) {
		return;
	}
	struct shm_buffer *dst = window->part_dst;
	if (dst == NULL) {
		dst = free_dom0_buffer(window);
	}
	if (dst == NULL) {
		return; /* both shown or held: the DAMAGE copies it all */
	}
	window->part_id = src->id;
	window->part_dst = dst;

	pixman_region32_t region;
	pixman_region32_init(&region);
	for (uint32_t i = 0; i < part->rect_count && i < WIRE_MAX_DAMAGE_RECTS; i++) {
		const struct wire_rect *r = &part->rects[i];
		pixman_region32_union_rect(&region, &region, r->x, r->y, (unsigned)r->width,
			(unsigned)r->height);
	}
	/* Not twice: what an earlier part of this frame copied. */
	pixman_region32_subtract(&region, &region, &window->part_copied);
	count_copy(window, copy_region(dst, src, &region, COPY_STORES_STREAM));
	total_parts++;
	pixman_region32_union(&window->part_copied, &window->part_copied, &region);
	pixman_region32_fini(&region);
}

int bridge_window_drop_idle(struct bridge_window *window, int64_t now_ms)
{
	if (window->dom0[1] == NULL) {
		return -1;
	}
	int64_t left = window->last_copy_ms + BRIDGE_WINDOW_IDLE_MS - now_ms;
	if (left > 0) {
		return (int)left;
	}
	/* The one the compositor does not hold, and no frame's parts in it
	 * (while both are held, the next release brings the loop back). */
	size_t spare = window->dom0[1]->busy ? 0 : 1;
	struct shm_buffer *buffer = window->dom0[spare];
	if (buffer->busy || buffer == window->part_dst) {
		return -1;
	}
	window->vm->dom0_bytes -= buffer->size;
	shm_buffer_destroy(buffer);
	total_dom0_buffers--;
	/* dom0[0] is always the one kept. */
	window->dom0[0] = window->dom0[1 - spare];
	window->dom0[1] = NULL;
	mlog(MLOG_DEBUG, "vm %s: window %u idle: its second dom0 buffer given back",
		window->vm->name, window->id);
	return -1;
}

void bridge_window_print_stats(void)
{
	fprintf(stderr,
		"mullion-stats: frames=%llu bytes_copied=%llu shown=%llu parts=%llu dom0_buffers=%llu\n",
		(unsigned long long)total_frames, (unsigned long long)total_bytes_copied,
		(unsigned long long)total_shown, (unsigned long long)total_parts,
		(unsigned long long)total_dom0_buffers);
	fflush(stderr);
}
