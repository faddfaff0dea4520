/*
 * Drawing a window's surface tree into one of its shared buffers. What
 * dom0 gets of a window is its window geometry (xdg_surface), at the
 * agent's output scale: window pixel (0, 0) is the geometry's top left
 * corner, and one logical pixel is `scale` window pixels. Every surface of
 * the root's own tree (its subsurfaces, not its popups, which are windows
 * of their own) is drawn there with its viewport, buffer transform and
 * buffer scale applied (pixman). A window that is one plain surface at the
 * output's scale is copied row by row instead: as fast as copying its
 * damage can be.
 */
#ifndef AGENT_COMPOSITE_H
#define AGENT_COMPOSITE_H

#include <stdbool.h>
#include <stdint.h>
#include <pixman.h>
#include <wlr/util/box.h>

#include "common/util/copy.h"

struct wlr_allocator;
struct wlr_renderer;
struct wlr_surface;

/* Which part of the tree a window shows, and how big. */
struct composite_view {
	struct wlr_box geometry; /* root-surface-local, logical */
	int32_t scale; /* window pixels per logical pixel, >= 1 */
	/* Draw buffers the CPU cannot map (tiled dmabufs) to read them
	 * back; with a NULL renderer those are not shown. */
	struct wlr_renderer *renderer;
	struct wlr_allocator *allocator;
};

/* A shared window buffer. */
struct composite_target {
	uint8_t *data;
	uint32_t width, height, stride;
	uint32_t format; /* WIRE_FORMAT_ARGB8888 or WIRE_FORMAT_XRGB8888 */
	/* How copies store (common/util/copy.h): a band of a large frame
	 * streams, as the whole frame would. */
	enum copy_stores stores;
};

/* What drawing ran into, for the caller to log once. */
struct composite_problems {
	bool no_access; /* a buffer had no CPU mapping (dmabuf) */
	bool bad_format; /* a buffer's format is not one pixman reads */
	uint32_t format; /* the last such format */
};

/* Whether pixman can read buffers of this DRM format. */
bool composite_format_supported(uint32_t drm_format);
/* Bytes per pixel of this DRM format, 0 where pixman cannot read it. */
uint32_t composite_format_bytes(uint32_t drm_format);
/* The shared buffers' format for a root buffer of this format: the same
 * where the wire has it (so the direct copy applies), else ARGB8888. */
uint32_t composite_window_format(uint32_t drm_format);

/*
 * Where surface is in root's tree, root-local: false if it is not in it
 * or not shown (it, or a subsurface on its way up, is unmapped).
 */
bool composite_surface_position(struct wlr_surface *root, struct wlr_surface *surface, int *x,
	int *y);
/* Whether surface's commits wait for its parent's (it, or a subsurface on
 * its way up, is synchronized). The root's never do. */
bool composite_surface_synchronized(struct wlr_surface *root, struct wlr_surface *surface);

/* Adds to damage, in window pixels, what the last commit of surface (at
 * x, y root-local) changed: its buffer damage and what its own or its
 * subsurfaces' moves uncovered. */
void composite_add_surface_damage(const struct composite_view *view, struct wlr_surface *surface,
	int x, int y, pixman_region32_t *damage);
/* Adds to damage, in window pixels, what surface (at x, y) and its
 * mapped subsurfaces cover. */
void composite_add_tree_area(const struct composite_view *view, struct wlr_surface *surface, int x,
	int y, pixman_region32_t *damage);

/*
 * Draws region (window pixels, inside target) of root's tree into target.
 * Returns the bytes written.
 */
uint64_t composite_draw(const struct composite_view *view, struct wlr_surface *root,
	const struct composite_target *target, const pixman_region32_t *region,
	struct composite_problems *problems);

#endif
