/*
 * dom0 wl_shm buffers on memfds of the bridge's own. Each buffer has its
 * own memfd so it can be freed alone when a window is resized; the memfd
 * is sealed against shrinking, so the compositor's mapping of it can never
 * fault, whatever happens here.
 */
#define _GNU_SOURCE /* memfd_create and file seals */
#include "vm-bridge/shm_buffer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/util/log.h"
#include "common/wire/protocol.h"

uint64_t shm_buffer_bytes(uint32_t width, uint32_t height)
{
	return (uint64_t)width * 4 * height;
}

static void handle_buffer_release(void *data, struct wl_buffer *wl_buffer)
{
	struct shm_buffer *buffer = data;
	buffer->busy = false;
	if (buffer->on_release != NULL) {
		buffer->on_release(buffer, buffer->on_release_data);
	}
}

static const struct wl_buffer_listener buffer_listener = {
	.release = handle_buffer_release,
};

struct shm_buffer *shm_buffer_create(struct wl_shm *shm, uint32_t width, uint32_t height,
	uint32_t wl_format)
{
	/* Callers pass sizes a VM buffer passed validation with; this
	 * bound also keeps every int conversion for wl_shm in range. */
	if (width == 0 || width > WIRE_MAX_WIDTH || height == 0 || height > WIRE_MAX_HEIGHT) {
		mlog(MLOG_ERROR, "dom0 buffer of %ux%u is out of range", width, height);
		return NULL;
	}
	struct shm_buffer *buffer = calloc(1, sizeof(*buffer));
	if (buffer == NULL) {
		mlog(MLOG_ERROR, "out of memory for a dom0 buffer");
		return NULL;
	}
	buffer->width = width;
	buffer->height = height;
	buffer->stride = width * 4;
	buffer->size = (size_t)shm_buffer_bytes(width, height);
	buffer->wl_format = wl_format;
	pixman_region32_init_rect(&buffer->stale, 0, 0, width, height);

	int fd = memfd_create("mullion-bridge", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		mlog_errno(MLOG_ERROR, "memfd_create");
		goto error_buffer;
	}
	if (ftruncate(fd, (off_t)buffer->size) < 0) {
		mlog_errno(MLOG_ERROR, "ftruncate of a %zu-byte dom0 buffer", buffer->size);
		goto error_fd;
	}
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL) < 0) {
		mlog_errno(MLOG_ERROR, "sealing a dom0 buffer");
		goto error_fd;
	}
	buffer->data = mmap(NULL, buffer->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (buffer->data == MAP_FAILED) {
		buffer->data = NULL;
		mlog_errno(MLOG_ERROR, "mmap of a %zu-byte dom0 buffer", buffer->size);
		goto error_fd;
	}

	struct wl_shm_pool *pool = wl_shm_create_pool(shm, fd, (int32_t)buffer->size);
	buffer->buffer = wl_shm_pool_create_buffer(pool, 0, (int32_t)width, (int32_t)height,
		(int32_t)buffer->stride, wl_format);
	/* The buffer keeps the pool's memory alive on both sides. */
	wl_shm_pool_destroy(pool);
	close(fd);
	if (buffer->buffer == NULL) {
		mlog(MLOG_ERROR, "cannot create a wl_buffer");
		goto error_map;
	}
	wl_buffer_add_listener(buffer->buffer, &buffer_listener, buffer);
	return buffer;

error_fd:
	close(fd);
error_map:
	if (buffer->data != NULL) {
		munmap(buffer->data, buffer->size);
	}
error_buffer:
	pixman_region32_fini(&buffer->stale);
	free(buffer);
	return NULL;
}

void shm_buffer_destroy(struct shm_buffer *buffer)
{
	if (buffer == NULL) {
		return;
	}
	/* Destroying it while the compositor still shows it is allowed:
	 * the memory is not written again, so what it shows stays. */
	if (buffer->buffer != NULL) {
		wl_buffer_destroy(buffer->buffer);
	}
	munmap(buffer->data, buffer->size);
	pixman_region32_fini(&buffer->stale);
	free(buffer);
}
