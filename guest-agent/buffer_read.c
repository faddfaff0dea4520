/*
 * CPU reads of client buffers: wl_shm through wlroots, LINEAR dmabufs by
 * our own mapping, other dmabufs read back from the renderer. The dmabuf's attributes come from the client through
 * wlroots' linux-dmabuf, which has already imported the buffer into the
 * renderer (so the fd is a real dmabuf of that size), but its offset and
 * stride are the client's word: they are checked against the dmabuf's
 * size here before anything is mapped, so that no row read lies outside.
 */
#define _GNU_SOURCE /* for the Linux dma-buf ioctl */
#include "guest-agent/buffer_read.h"

#include <errno.h>
#include <linux/dma-buf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <drm_fourcc.h>
#include <wlr/render/allocator.h>
#include <wlr/render/dmabuf.h>
#include <wlr/render/drm_format_set.h>
#include <wlr/render/wlr_renderer.h>
#include <wlr/render/wlr_texture.h>
#include <wlr/types/wlr_buffer.h>
#include <wlr/types/wlr_matrix.h>
#include <wlr/util/log.h>

#include "common/wire/protocol.h"
#include "guest-agent/composite.h"

/*
 * Brackets a CPU read of a dmabuf. A GPU may still be writing it (or its
 * caches hold what it wrote); the sync makes the read see the finished
 * frame. A fd that is no dmabuf (ENOTTY: the unit tests' memfd) needs no
 * sync. A failure otherwise costs at worst a torn frame of the VM's own
 * window, so it is logged and the read goes on.
 */
static void sync_dmabuf(int fd, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags | DMA_BUF_SYNC_READ };
	int ret;
	do {
		ret = ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
	} while (ret != 0 && (errno == EINTR || errno == EAGAIN));
	if (ret != 0 && errno != ENOTTY) {
		wlr_log_errno(WLR_DEBUG, "DMA_BUF_IOCTL_SYNC failed");
	}
}

/* Maps a single-plane LINEAR dmabuf of a format the agent draws. */
static bool begin_dmabuf(struct wlr_buffer *buffer, struct buffer_read *read)
{
	struct wlr_dmabuf_attributes attribs;
	if (!wlr_buffer_get_dmabuf(buffer, &attribs)) {
		return false;
	}
	if (attribs.n_planes != 1 || attribs.modifier != DRM_FORMAT_MOD_LINEAR) {
		wlr_log(WLR_DEBUG,
			"dmabuf with %d planes and modifier 0x%016llx: not LINEAR, not read",
			attribs.n_planes, (unsigned long long)attribs.modifier);
		return false;
	}
	uint32_t bytes_per_pixel = composite_format_bytes(attribs.format);
	if (bytes_per_pixel == 0) {
		wlr_log(WLR_DEBUG, "dmabuf of format 0x%08x: not one the agent draws",
			attribs.format);
		return false;
	}
	if (attribs.width != buffer->width || attribs.height != buffer->height ||
		attribs.width <= 0 || attribs.height <= 0) {
		return false;
	}
	/* The rows must lie inside the dmabuf: offset + (height - 1) * stride
	 * + width * bytes_per_pixel <= its size, in 64 bits (each factor is
	 * below 2^32). */
	uint64_t row_bytes = (uint64_t)attribs.width * bytes_per_pixel;
	uint64_t stride = attribs.stride[0];
	off_t size = lseek(attribs.fd[0], 0, SEEK_END);
	if (size < 0) {
		wlr_log_errno(WLR_DEBUG, "dmabuf's size unknown");
		return false;
	}
	uint64_t end = attribs.offset[0] + (uint64_t)(attribs.height - 1) * stride + row_bytes;
	if (stride < row_bytes || end > (uint64_t)size) {
		wlr_log(WLR_DEBUG,
			"dmabuf %dx%d, stride %u at offset %u does not fit its %lld bytes",
			attribs.width, attribs.height, attribs.stride[0], attribs.offset[0],
			(long long)size);
		return false;
	}
	/* now: every row read lies in [offset, end) of the dmabuf */
	long page = sysconf(_SC_PAGESIZE);
	uint64_t map_start = attribs.offset[0] - attribs.offset[0] % (uint64_t)page;
	size_t map_size = (size_t)(end - map_start);
	void *map = mmap(NULL, map_size, PROT_READ, MAP_SHARED, attribs.fd[0], (off_t)map_start);
	if (map == MAP_FAILED) {
		wlr_log_errno(WLR_DEBUG, "Cannot map a dmabuf");
		return false;
	}
	sync_dmabuf(attribs.fd[0], DMA_BUF_SYNC_START);
	*read = (struct buffer_read){
		.data = (const uint8_t *)map + (attribs.offset[0] - map_start),
		.format = attribs.format,
		.stride = (size_t)stride,
		.kind = BUFFER_READ_DMABUF,
		.buffer = buffer,
		.map = map,
		.map_size = map_size,
		.dmabuf_fd = attribs.fd[0],
	};
	return true;
}

bool buffer_read_begin(struct wlr_buffer *buffer, struct buffer_read *read)
{
	*read = (struct buffer_read){ .kind = BUFFER_READ_NONE, .dmabuf_fd = -1 };
	void *data;
	uint32_t format;
	size_t stride;
	if (wlr_buffer_begin_data_ptr_access(buffer, WLR_BUFFER_DATA_PTR_ACCESS_READ, &data,
		    &format, &stride)) {
		*read = (struct buffer_read){
			.data = data,
			.format = format,
			.stride = stride,
			.kind = BUFFER_READ_DATA_PTR,
			.buffer = buffer,
			.dmabuf_fd = -1,
		};
		return true;
	}
	return begin_dmabuf(buffer, read);
}

/* Mirrors rows in place, for a renderer that reads bottom-up. */
static void flip_rows(uint8_t *pixels, size_t stride, uint32_t height)
{
	uint8_t *row = malloc(stride);
	if (row == NULL) {
		return;
	}
	for (uint32_t top = 0, bottom = height - 1; top < bottom; top++, bottom--) {
		memcpy(row, pixels + top * stride, stride);
		memcpy(pixels + top * stride, pixels + bottom * stride, stride);
		memcpy(pixels + bottom * stride, row, stride);
	}
	free(row);
}

bool buffer_read_texture(struct wlr_renderer *renderer, struct wlr_allocator *allocator,
	struct wlr_texture *texture, struct buffer_read *read)
{
	*read = (struct buffer_read){ .kind = BUFFER_READ_NONE, .dmabuf_fd = -1 };
	uint32_t width = texture->width, height = texture->height;
	/* A window is never larger than the wire takes; nor is what is read. */
	if (width == 0 || height == 0 || width > WIRE_MAX_WIDTH || height > WIRE_MAX_HEIGHT) {
		return false;
	}
	size_t stride = (size_t)width * 4;
	size_t size = stride * height;
	/* Drawn into a buffer the renderer can draw to; LINEAR, which every
	 * allocator the agent can have (GBM, shm) makes. */
	struct wlr_drm_format *linear = calloc(1, sizeof(*linear) + sizeof(linear->modifiers[0]));
	if (linear == NULL) {
		wlr_log(WLR_ERROR, "Out of memory");
		return false;
	}
	*linear = (struct wlr_drm_format){ .format = DRM_FORMAT_ARGB8888, .len = 1, .capacity = 1 };
	linear->modifiers[0] = DRM_FORMAT_MOD_LINEAR;
	struct wlr_buffer *target =
		wlr_allocator_create_buffer(allocator, (int)width, (int)height, linear);
	free(linear);
	if (target == NULL) {
		wlr_log(WLR_ERROR, "Cannot allocate a %ux%u buffer to read a texture back", width,
			height);
		return false;
	}
	uint8_t *pixels = malloc(size);
	if (pixels == NULL) {
		wlr_buffer_drop(target);
		wlr_log(WLR_ERROR, "Out of memory");
		return false;
	}
	bool ok = wlr_renderer_begin_with_buffer(renderer, target);
	uint32_t flags = 0;
	if (ok) {
		/* The renderer projects onto the buffer itself: the matrix
		 * only transforms (here not at all). */
		float identity[9];
		wlr_matrix_identity(identity);
		wlr_renderer_clear(renderer, (const float[4]){ 0, 0, 0, 0 });
		ok = wlr_render_texture(renderer, texture, identity, 0, 0, 1.0f) &&
			wlr_renderer_read_pixels(renderer, DRM_FORMAT_ARGB8888, &flags,
				(uint32_t)stride, width, height, 0, 0, 0, 0, pixels);
		wlr_renderer_end(renderer);
	}
	wlr_buffer_drop(target);
	if (!ok) {
		free(pixels);
		wlr_log(WLR_ERROR, "Cannot read a %ux%u texture back", width, height);
		return false;
	}
	if (flags & WLR_RENDERER_READ_PIXELS_Y_INVERT) {
		flip_rows(pixels, stride, height);
	}
	*read = (struct buffer_read){
		.data = pixels,
		.format = DRM_FORMAT_ARGB8888,
		.stride = stride,
		.kind = BUFFER_READ_TEXTURE,
		.map = pixels,
		.map_size = size,
		.dmabuf_fd = -1,
	};
	return true;
}

void buffer_read_end(struct buffer_read *read)
{
	switch (read->kind) {
	case BUFFER_READ_NONE:
		break;
	case BUFFER_READ_DATA_PTR:
		wlr_buffer_end_data_ptr_access(read->buffer);
		break;
	case BUFFER_READ_DMABUF:
		sync_dmabuf(read->dmabuf_fd, DMA_BUF_SYNC_END);
		munmap(read->map, read->map_size);
		break;
	case BUFFER_READ_TEXTURE:
		free(read->map);
		break;
	}
	read->kind = BUFFER_READ_NONE;
}

bool buffer_read_format(struct wlr_client_buffer *buffer, uint32_t *format)
{
	if (buffer->shm_source_format != DRM_FORMAT_INVALID) {
		*format = buffer->shm_source_format;
		return true;
	}
	struct wlr_dmabuf_attributes attribs;
	if (buffer->source != NULL && wlr_buffer_get_dmabuf(buffer->source, &attribs) &&
		attribs.n_planes == 1 && attribs.modifier == DRM_FORMAT_MOD_LINEAR) {
		*format = attribs.format;
		return true;
	}
	if (buffer->texture != NULL) {
		*format = DRM_FORMAT_ARGB8888; /* buffer_read_texture's */
		return true;
	}
	return false;
}
