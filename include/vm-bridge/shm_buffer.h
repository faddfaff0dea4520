/*
 * A dom0-owned wl_shm buffer: memory the bridge creates (a memfd), fills
 * with copies of a VM's pixels, and hands to the compositor. The VM never
 * sees it, so nothing the compositor maps can change under it.
 */
#ifndef BRIDGE_SHM_BUFFER_H
#define BRIDGE_SHM_BUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pixman.h>
#include <wayland-client.h>

struct shm_buffer {
	struct wl_buffer *buffer;
	uint8_t *data;
	size_t size;
	uint32_t width, height, stride; /* stride = width * 4 */
	uint32_t wl_format; /* enum wl_shm_format */
	/* Attached and not yet released by the compositor: do not write. */
	bool busy;
	/* Where its pixels differ from the window's latest content. */
	pixman_region32_t stale;

	/* Called when the compositor releases it (busy is already false). */
	void (*on_release)(struct shm_buffer *buffer, void *data);
	void *on_release_data;
};

/* A width x height buffer, all of it stale. NULL (logged) on failure. */
struct shm_buffer *shm_buffer_create(struct wl_shm *shm, uint32_t width, uint32_t height,
	uint32_t wl_format);
void shm_buffer_destroy(struct shm_buffer *buffer);

/* Bytes a width x height buffer takes, for accounting before creating. */
uint64_t shm_buffer_bytes(uint32_t width, uint32_t height);

#endif
