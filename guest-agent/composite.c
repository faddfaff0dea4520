#include "guest-agent/composite.h"

#include <drm_fourcc.h>
#include <wayland-server-protocol.h>
#include <wlr/render/wlr_texture.h>
#include <wlr/types/wlr_buffer.h>
#include <wlr/types/wlr_compositor.h>
#include <wlr/types/wlr_surface.h>
#include <wlr/util/region.h>

#include "common/util/copy.h"
#include "common/wire/protocol.h"
#include "guest-agent/buffer_read.h"

#define BYTES_PER_PIXEL 4

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "DRM formats are little-endian words; the table below assumes a little-endian CPU"
#endif

/* DRM formats (little-endian words) and pixman's (native words) that
 * name the same pixels: what wl_shm offers, as far as pixman reads it. */
static const struct {
	uint32_t drm;
	pixman_format_code_t pixman;
} formats[] = {
	{ DRM_FORMAT_ARGB8888, PIXMAN_a8r8g8b8 },
	{ DRM_FORMAT_XRGB8888, PIXMAN_x8r8g8b8 },
	{ DRM_FORMAT_ABGR8888, PIXMAN_a8b8g8r8 },
	{ DRM_FORMAT_XBGR8888, PIXMAN_x8b8g8r8 },
	{ DRM_FORMAT_RGBA8888, PIXMAN_r8g8b8a8 },
	{ DRM_FORMAT_RGBX8888, PIXMAN_r8g8b8x8 },
	{ DRM_FORMAT_BGRA8888, PIXMAN_b8g8r8a8 },
	{ DRM_FORMAT_BGRX8888, PIXMAN_b8g8r8x8 },
	{ DRM_FORMAT_RGB565, PIXMAN_r5g6b5 },
	{ DRM_FORMAT_BGR565, PIXMAN_b5g6r5 },
	{ DRM_FORMAT_ARGB2101010, PIXMAN_a2r10g10b10 },
	{ DRM_FORMAT_XRGB2101010, PIXMAN_x2r10g10b10 },
	{ DRM_FORMAT_ABGR2101010, PIXMAN_a2b10g10r10 },
	{ DRM_FORMAT_XBGR2101010, PIXMAN_x2b10g10r10 },
};

_Static_assert(WIRE_FORMAT_ARGB8888 == DRM_FORMAT_ARGB8888, "wire formats are DRM fourccs");
_Static_assert(WIRE_FORMAT_XRGB8888 == DRM_FORMAT_XRGB8888, "wire formats are DRM fourccs");

static pixman_format_code_t pixman_format(uint32_t drm_format)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (formats[i].drm == drm_format) {
			return formats[i].pixman;
		}
	}
	return 0;
}

bool composite_format_supported(uint32_t drm_format)
{
	return pixman_format(drm_format) != 0;
}

uint32_t composite_format_bytes(uint32_t drm_format)
{
	pixman_format_code_t pixman = pixman_format(drm_format);
	return pixman == 0 ? 0 : (uint32_t)PIXMAN_FORMAT_BPP(pixman) / 8;
}

uint32_t composite_window_format(uint32_t drm_format)
{
	if (drm_format == WIRE_FORMAT_ARGB8888 || drm_format == WIRE_FORMAT_XRGB8888) {
		return drm_format;
	}
	return WIRE_FORMAT_ARGB8888;
}

bool composite_surface_position(struct wlr_surface *root, struct wlr_surface *surface, int *x,
	int *y)
{
	int sx = 0, sy = 0;
	while (surface != root) {
		if (surface == NULL || !wlr_surface_is_subsurface(surface)) {
			return false;
		}
		struct wlr_subsurface *subsurface = wlr_subsurface_from_wlr_surface(surface);
		if (subsurface == NULL || !subsurface->mapped) {
			return false;
		}
		sx += subsurface->current.x;
		sy += subsurface->current.y;
		surface = subsurface->parent;
	}
	*x = sx;
	*y = sy;
	return true;
}

bool composite_surface_synchronized(struct wlr_surface *root, struct wlr_surface *surface)
{
	while (surface != root && surface != NULL && wlr_surface_is_subsurface(surface)) {
		struct wlr_subsurface *subsurface = wlr_subsurface_from_wlr_surface(surface);
		if (subsurface == NULL) {
			return false;
		}
		if (subsurface->synchronized) {
			return true;
		}
		surface = subsurface->parent;
	}
	return false;
}

/* Surface-local (logical) region, at x, y root-local, into window pixels. */
static void to_window(const struct composite_view *view, pixman_region32_t *region, int x, int y)
{
	pixman_region32_translate(region, x - view->geometry.x, y - view->geometry.y);
	wlr_region_scale(region, region, (float)view->scale);
}

/* The buffer's crop as the surface shows it (transformed, buffer
 * pixels); its size is the buffer's unless a viewport crops. */
static void surface_crop(const struct wlr_surface_state *state, int buffer_width, int buffer_height,
	double crop[4])
{
	bool rotated = (state->transform & WL_OUTPUT_TRANSFORM_90) != 0;
	crop[0] = crop[1] = 0;
	crop[2] = rotated ? buffer_height : buffer_width;
	crop[3] = rotated ? buffer_width : buffer_height;
	if (state->viewport.has_src) {
		crop[0] = state->viewport.src.x * state->scale;
		crop[1] = state->viewport.src.y * state->scale;
		crop[2] = state->viewport.src.width * state->scale;
		crop[3] = state->viewport.src.height * state->scale;
	}
}

/*
 * How far (window pixels) a changed buffer pixel reaches when the
 * surface is drawn scaled: the filter blends each window pixel from its
 * neighbours, so the damage must grow by one buffer pixel's size, and a
 * little for rounding. 0 when drawn 1:1.
 */
static int filter_reach(const struct composite_view *view, struct wlr_surface *surface)
{
	const struct wlr_surface_state *state = &surface->current;
	if (state->buffer_width <= 0 || state->buffer_height <= 0) {
		return 0;
	}
	double crop[4];
	surface_crop(state, state->buffer_width, state->buffer_height, crop);
	if (crop[2] <= 0 || crop[3] <= 0) {
		return 0;
	}
	double zoom_x = (double)state->width * view->scale / crop[2];
	double zoom_y = (double)state->height * view->scale / crop[3];
	if (zoom_x == 1.0 && zoom_y == 1.0 && crop[0] == (double)(int64_t)crop[0] &&
		crop[1] == (double)(int64_t)crop[1]) {
		return 0;
	}
	double zoom = zoom_x > zoom_y ? zoom_x : zoom_y;
	/* Surfaces are bounded by the wire's sizes: this fits. */
	return (int)zoom + 2;
}

void composite_add_surface_damage(const struct composite_view *view, struct wlr_surface *surface,
	int x, int y, pixman_region32_t *damage)
{
	pixman_region32_t local;
	pixman_region32_init(&local);
	wlr_surface_get_effective_damage(surface, &local);
	to_window(view, &local, x, y);
	int reach = filter_reach(view, surface);
	if (reach > 0) {
		wlr_region_expand(&local, &local, reach);
	}
	pixman_region32_union(damage, damage, &local);
	pixman_region32_fini(&local);
}

struct area_data {
	pixman_region32_t *area; /* root-local */
	int x, y;
};

static void add_area_iterator(struct wlr_surface *surface, int sx, int sy, void *data)
{
	struct area_data *area = data;
	pixman_region32_union_rect(area->area, area->area, area->x + sx, area->y + sy,
		(unsigned)surface->current.width, (unsigned)surface->current.height);
}

void composite_add_tree_area(const struct composite_view *view, struct wlr_surface *surface, int x,
	int y, pixman_region32_t *damage)
{
	pixman_region32_t area;
	pixman_region32_init(&area);
	struct area_data data = { .area = &area, .x = x, .y = y };
	wlr_surface_for_each_surface(surface, add_area_iterator, &data);
	to_window(view, &area, 0, 0);
	pixman_region32_union(damage, damage, &area);
	pixman_region32_fini(&area);
}

static bool has_mapped_subsurfaces(struct wlr_surface *surface)
{
	struct wlr_subsurface *subsurface;
	wl_list_for_each(subsurface, &surface->current.subsurfaces_below, current.link) {
		if (subsurface->mapped) {
			return true;
		}
	}
	wl_list_for_each(subsurface, &surface->current.subsurfaces_above, current.link) {
		if (subsurface->mapped) {
			return true;
		}
	}
	return false;
}

static struct wlr_buffer *surface_source(struct wlr_surface *surface)
{
	return surface->buffer ? surface->buffer->source : NULL;
}

/* Reads source, surface's buffer: mapped where the CPU can read it, else
 * drawn by the view's renderer and read back. */
static bool read_source(const struct composite_view *view, struct wlr_surface *surface,
	struct wlr_buffer *source, struct buffer_read *read)
{
	if (buffer_read_begin(source, read)) {
		return true;
	}
	struct wlr_texture *texture = surface->buffer->texture;
	return view->renderer != NULL && texture != NULL &&
		texture->width == (uint32_t)source->width &&
		texture->height == (uint32_t)source->height &&
		buffer_read_texture(view->renderer, view->allocator, texture, read);
}

/*
 * The fast path: the window is the root's buffer, pixel for pixel (one
 * surface, no viewport, no transform, drawn at the window's scale, in the
 * window's format), maybe cropped to the geometry. Copies region's rows
 * and returns true; false when the window is not like that.
 */
static bool draw_direct(const struct composite_view *view, struct wlr_surface *root,
	const struct composite_target *target, const pixman_region32_t *region, uint64_t *written)
{
	struct wlr_buffer *source = surface_source(root);
	const struct wlr_surface_state *state = &root->current;
	if (source == NULL || state->viewport.has_src || state->viewport.has_dst ||
		state->transform != WL_OUTPUT_TRANSFORM_NORMAL || state->scale != view->scale ||
		has_mapped_subsurfaces(root)) {
		return false;
	}
	/* Bounded by WIRE_MAX_WIDTH (the target) and the surface's size. */
	int64_t offset_x = (int64_t)view->geometry.x * view->scale;
	int64_t offset_y = (int64_t)view->geometry.y * view->scale;
	if (offset_x < 0 || offset_y < 0 || offset_x + target->width > source->width ||
		offset_y + target->height > source->height) {
		return false;
	}
	struct buffer_read read;
	if (!read_source(view, root, source, &read)) {
		return false;
	}
	const void *data = read.data;
	size_t src_stride = read.stride;
	if (read.format != target->format || src_stride < (size_t)source->width * BYTES_PER_PIXEL) {
		buffer_read_end(&read);
		return false;
	}
	/* now: every row of target lies inside source, at offset_x, offset_y */
	int count;
	const pixman_box32_t *boxes = pixman_region32_rectangles(region, &count);
	uint64_t copied = 0;
	for (int i = 0; i < count; i++) {
		const pixman_box32_t *box = &boxes[i];
		size_t length = (size_t)(box->x2 - box->x1) * BYTES_PER_PIXEL;
		size_t rows = (size_t)(box->y2 - box->y1);
		uint8_t *dst_row = target->data + (size_t)box->y1 * target->stride +
			(size_t)box->x1 * BYTES_PER_PIXEL;
		const uint8_t *src_row = (const uint8_t *)data +
			(size_t)(box->y1 + offset_y) * src_stride +
			(size_t)(box->x1 + offset_x) * BYTES_PER_PIXEL;
		copy_rows_stores(dst_row, target->stride, src_row, src_stride, length, rows,
			target->stores);
		copied += (uint64_t)length * rows;
	}
	buffer_read_end(&read);
	*written = copied;
	return true;
}

/*
 * The pixman transform from a surface's place in the window (pixels of
 * its destination box, dst_width x dst_height) to its buffer's pixels:
 * first to the buffer as the surface shows it (transformed, scaled,
 * cropped by the viewport's source), then back through the buffer
 * transform. Returns whether it is a plain 1:1 translation (no filter
 * needed).
 */
static bool source_transform(struct wlr_surface *surface, const struct wlr_buffer *buffer,
	int dst_width, int dst_height, struct pixman_f_transform *out)
{
	const struct wlr_surface_state *state = &surface->current;
	double buffer_width = buffer->width, buffer_height = buffer->height;
	double crop[4];
	surface_crop(state, buffer->width, buffer->height, crop);
	double crop_x = crop[0], crop_y = crop[1], crop_width = crop[2], crop_height = crop[3];
	double scale_x = crop_width / dst_width;
	double scale_y = crop_height / dst_height;

	/* Shown (px, py) to buffer: bx = a px + b py + c, by = d px + e py + f
	 * (wlr_region_transform's buffer-to-surface map, inverted). */
	double a = 0, b = 0, c = 0, d = 0, e = 0, f = 0;
	switch (state->transform) {
	case WL_OUTPUT_TRANSFORM_NORMAL:
	default:
		a = 1, e = 1;
		break;
	case WL_OUTPUT_TRANSFORM_90:
		b = 1, d = -1, f = buffer_height;
		break;
	case WL_OUTPUT_TRANSFORM_180:
		a = -1, c = buffer_width, e = -1, f = buffer_height;
		break;
	case WL_OUTPUT_TRANSFORM_270:
		b = -1, c = buffer_width, d = 1;
		break;
	case WL_OUTPUT_TRANSFORM_FLIPPED:
		a = -1, c = buffer_width, e = 1;
		break;
	case WL_OUTPUT_TRANSFORM_FLIPPED_90:
		b = 1, d = 1;
		break;
	case WL_OUTPUT_TRANSFORM_FLIPPED_180:
		a = 1, e = -1, f = buffer_height;
		break;
	case WL_OUTPUT_TRANSFORM_FLIPPED_270:
		b = -1, c = buffer_width, d = -1, f = buffer_height;
		break;
	}
	/* px = crop_x + scale_x u, py = crop_y + scale_y v */
	pixman_f_transform_init_identity(out);
	out->m[0][0] = a * scale_x;
	out->m[0][1] = b * scale_y;
	out->m[0][2] = a * crop_x + b * crop_y + c;
	out->m[1][0] = d * scale_x;
	out->m[1][1] = e * scale_y;
	out->m[1][2] = d * crop_x + e * crop_y + f;
	/* Whole pixels: the crop is bounded by the buffer, so it fits. */
	return scale_x == 1.0 && scale_y == 1.0 && crop_x == (double)(int64_t)crop_x &&
		crop_y == (double)(int64_t)crop_y;
}

struct draw_data {
	const struct composite_view *view;
	pixman_image_t *target;
	pixman_box32_t extents; /* of the region drawn */
	struct composite_problems *problems;
};

static void draw_surface_iterator(struct wlr_surface *surface, int sx, int sy, void *data)
{
	struct draw_data *draw = data;
	const struct composite_view *view = draw->view;
	struct wlr_buffer *source = surface_source(surface);
	int width = surface->current.width, height = surface->current.height;
	if (source == NULL || width <= 0 || height <= 0 || source->width <= 0 ||
		source->height <= 0) {
		return;
	}
	/* The surface's box in window pixels; sizes are bounded by the
	 * wire's (surfaces) and the scale by 4, so this fits. */
	int64_t x = ((int64_t)sx - view->geometry.x) * view->scale;
	int64_t y = ((int64_t)sy - view->geometry.y) * view->scale;
	int64_t dst_width = (int64_t)width * view->scale;
	int64_t dst_height = (int64_t)height * view->scale;
	if (x >= draw->extents.x2 || y >= draw->extents.y2 || x + dst_width <= draw->extents.x1 ||
		y + dst_height <= draw->extents.y1 || x < INT16_MIN || y < INT16_MIN ||
		dst_width > INT16_MAX || dst_height > INT16_MAX) {
		/* Nothing of it in the region (pixman's coordinates are
		 * 16-bit; the wire's sizes are far inside them). */
		return;
	}

	struct buffer_read read;
	if (!read_source(view, surface, source, &read)) {
		draw->problems->no_access = true;
		return;
	}
	pixman_format_code_t pixman = pixman_format(read.format);
	if (pixman == 0) {
		draw->problems->bad_format = true;
		draw->problems->format = read.format;
		buffer_read_end(&read);
		return;
	}
	/* pixman only reads through this image (the composite's source). */
	pixman_image_t *image = pixman_image_create_bits_no_clear(pixman, source->width,
		source->height, (uint32_t *)read.data, (int)read.stride);
	if (image == NULL) {
		buffer_read_end(&read);
		return;
	}
	struct pixman_f_transform ftransform;
	bool exact =
		source_transform(surface, source, (int)dst_width, (int)dst_height, &ftransform);
	struct pixman_transform transform;
	pixman_transform_from_pixman_f_transform(&transform, &ftransform);
	pixman_image_set_transform(image, &transform);
	if (exact) {
		pixman_image_set_filter(image, PIXMAN_FILTER_NEAREST, NULL, 0);
	} else {
		/* Scaled: smooth, and the edges keep their colour. */
		pixman_image_set_filter(image, PIXMAN_FILTER_BILINEAR, NULL, 0);
		pixman_image_set_repeat(image, PIXMAN_REPEAT_PAD);
	}
	pixman_image_composite32(PIXMAN_OP_OVER, image, NULL, draw->target, 0, 0, 0, 0, (int32_t)x,
		(int32_t)y, (int32_t)dst_width, (int32_t)dst_height);
	pixman_image_unref(image);
	buffer_read_end(&read);
}

uint64_t composite_draw(const struct composite_view *view, struct wlr_surface *root,
	const struct composite_target *target, const pixman_region32_t *region,
	struct composite_problems *problems)
{
	if (!pixman_region32_not_empty((pixman_region32_t *)region)) {
		return 0;
	}
	uint64_t written = 0;
	if (draw_direct(view, root, target, region, &written)) {
		return written;
	}

	pixman_image_t *image =
		pixman_image_create_bits_no_clear(pixman_format(target->format), (int)target->width,
			(int)target->height, (uint32_t *)target->data, (int)target->stride);
	if (image == NULL) {
		return 0;
	}
	pixman_region32_t clip;
	pixman_region32_init(&clip);
	pixman_region32_copy(&clip, (pixman_region32_t *)region);
	pixman_image_set_clip_region32(image, &clip);
	/* What no surface covers is black (dom0 shows every window opaque). */
	int count;
	const pixman_box32_t *boxes = pixman_region32_rectangles(&clip, &count);
	pixman_color_t clear = { 0 };
	pixman_image_fill_boxes(PIXMAN_OP_SRC, image, &clear, count, boxes);
	for (int i = 0; i < count; i++) {
		written += (uint64_t)(boxes[i].x2 - boxes[i].x1) *
			(uint64_t)(boxes[i].y2 - boxes[i].y1) * BYTES_PER_PIXEL;
	}

	struct draw_data draw = {
		.view = view,
		.target = image,
		.extents = *pixman_region32_extents(&clip),
		.problems = problems,
	};
	wlr_surface_for_each_surface(root, draw_surface_iterator, &draw);
	pixman_image_unref(image);
	pixman_region32_fini(&clip);
	return written;
}
