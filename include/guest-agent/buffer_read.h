/*
 * Reading a client's buffer on the CPU, whatever kind of buffer it is: a
 * wl_shm buffer through wlroots' data pointer, a single-plane LINEAR
 * dmabuf (from linux-dmabuf, when the VM has a render node) by mapping it
 * read-only between DMA_BUF_IOCTL_SYNC start and end, so that what a GPU
 * wrote is what is read. Other dmabufs (tiled or compressed modifiers,
 * several planes) have no layout a CPU can read: those are drawn by the
 * agent's renderer (GLES2 on the VM's GPU) into a buffer of its own and
 * read back from there (buffer_read_texture).
 */
#ifndef AGENT_BUFFER_READ_H
#define AGENT_BUFFER_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wlr_allocator;
struct wlr_buffer;
struct wlr_client_buffer;
struct wlr_renderer;
struct wlr_texture;

enum buffer_read_kind {
	BUFFER_READ_NONE,
	BUFFER_READ_DATA_PTR, /* wlroots' data pointer access (wl_shm) */
	BUFFER_READ_DMABUF, /* our own read-only mapping of a LINEAR dmabuf */
	BUFFER_READ_TEXTURE, /* pixels the renderer drew and read back */
};

/* One read of a buffer's pixels, from buffer_read_begin to _end. */
struct buffer_read {
	const void *data; /* the first pixel of the first row */
	uint32_t format; /* DRM fourcc */
	size_t stride; /* >= width * bytes per pixel, in bytes */

	/* private */
	enum buffer_read_kind kind;
	struct wlr_buffer *buffer;
	void *map; /* the dmabuf mapping, or the read-back pixels */
	size_t map_size;
	int dmabuf_fd; /* borrowed from the buffer, for the end sync */
};

/*
 * Maps buffer's pixels for reading: data holds height rows of stride
 * bytes (the last row at least width pixels of format). False, with
 * nothing to undo, when the buffer has no CPU-readable layout, a format
 * the agent cannot draw, or a size that does not hold its rows.
 */
bool buffer_read_begin(struct wlr_buffer *buffer, struct buffer_read *read);
/*
 * Reads texture's pixels by drawing it with renderer into a buffer from
 * allocator and reading that back: for buffers buffer_read_begin cannot
 * map. The pixels are ARGB8888, a copy of the whole texture.
 */
bool buffer_read_texture(struct wlr_renderer *renderer, struct wlr_allocator *allocator,
	struct wlr_texture *texture, struct buffer_read *read);
void buffer_read_end(struct buffer_read *read);

/* The format of a surface's current buffer as the CPU reads it, without
 * reading it: its own, or ARGB8888 where it is read back from a texture. */
bool buffer_read_format(struct wlr_client_buffer *buffer, uint32_t *format);

#endif
