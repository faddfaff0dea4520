#include "compositor/occlusion.h"

#include <drm_fourcc.h>
#include <pixman.h>
#include <stdbool.h>
#include <wlr/types/wlr_buffer.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_surface.h>

#include "compositor/output.h"
#include "compositor/server.h"
#include "compositor/view.h"

/* dom0's own buffers (title bars) say their format; a format without
 * alpha covers its whole box. */
static bool buffer_is_opaque(struct wlr_buffer *buffer)
{
	void *data;
	uint32_t format;
	size_t stride;
	if (buffer == NULL ||
		!wlr_buffer_begin_data_ptr_access(buffer, WLR_BUFFER_DATA_PTR_ACCESS_READ, &data,
			&format, &stride)) {
		return false;
	}
	wlr_buffer_end_data_ptr_access(buffer);
	return format == DRM_FORMAT_XRGB8888 || format == DRM_FORMAT_XBGR8888;
}

/*
 * What a node draws, in layout coordinates: its own box added to drawn,
 * and the part known to be opaque (surfaces by wlroots' opaque region,
 * which it makes the whole surface for a format without alpha, as every
 * VM window is; rects of full alpha) added to opaque.
 */
static void add_node(struct wlr_scene_node *node, int x, int y, pixman_region32_t *drawn,
	pixman_region32_t *opaque)
{
	int width = 0, height = 0;
	bool opaque_box = false;
	switch (node->type) {
	case WLR_SCENE_NODE_ROOT:
	case WLR_SCENE_NODE_TREE:
		break;
	case WLR_SCENE_NODE_SURFACE: {
		struct wlr_surface *surface = wlr_scene_surface_from_node(node)->surface;
		width = surface->current.width;
		height = surface->current.height;
		pixman_region32_t surface_opaque;
		pixman_region32_init(&surface_opaque);
		pixman_region32_intersect_rect(&surface_opaque, &surface->opaque_region, 0, 0,
			width, height);
		pixman_region32_translate(&surface_opaque, x, y);
		pixman_region32_union(opaque, opaque, &surface_opaque);
		pixman_region32_fini(&surface_opaque);
		break;
	}
	case WLR_SCENE_NODE_RECT: {
		struct wlr_scene_rect *rect = wl_container_of(node, rect, node);
		width = rect->width;
		height = rect->height;
		opaque_box = rect->color[3] >= 1.0f;
		break;
	}
	case WLR_SCENE_NODE_BUFFER: {
		struct wlr_scene_buffer *buffer = wl_container_of(node, buffer, node);
		width = buffer->dst_width;
		height = buffer->dst_height;
		if ((width == 0 || height == 0) && buffer->buffer) {
			width = buffer->buffer->width;
			height = buffer->buffer->height;
			if (buffer->transform & WL_OUTPUT_TRANSFORM_90) {
				int swap = width;
				width = height;
				height = swap;
			}
		}
		opaque_box = buffer_is_opaque(buffer->buffer);
		break;
	}
	}
	if (width > 0 && height > 0) {
		pixman_region32_union_rect(drawn, drawn, x, y, (unsigned)width, (unsigned)height);
		if (opaque_box) {
			pixman_region32_union_rect(opaque, opaque, x, y, (unsigned)width,
				(unsigned)height);
		}
	}
}

/* The node itself whatever its own state (content may be off), and its
 * children that are on. */
static void add_tree(struct wlr_scene_node *node, int x, int y, pixman_region32_t *drawn,
	pixman_region32_t *opaque)
{
	add_node(node, x, y, drawn, opaque);
	struct wlr_scene_node *child;
	wl_list_for_each(child, &node->state.children, state.link) {
		if (child->state.enabled) {
			add_tree(child, x + child->state.x, y + child->state.y, drawn, opaque);
		}
	}
}

/* What a shown view draws and what of it is opaque, in layout
 * coordinates; false if dom0 does not show it (unmapped, too big). */
static bool view_regions(struct view *view, pixman_region32_t *drawn, pixman_region32_t *opaque)
{
	int x, y;
	if (!wlr_scene_node_coords(&view->tree->node, &x, &y)) {
		return false;
	}
	struct wlr_scene_node *content = &view->content->node;
	add_tree(content, x + content->state.x, y + content->state.y, drawn, opaque);
	return true;
}

/* Whether what covered (the opaque parts of the views above) leaves
 * nothing of drawn in view. Nothing measured (no buffer yet) is never
 * taken for hidden. */
static bool hidden_whole(pixman_region32_t *drawn, pixman_region32_t *covered)
{
	pixman_region32_t shown;
	pixman_region32_init(&shown);
	pixman_region32_subtract(&shown, drawn, covered);
	bool hidden = pixman_region32_not_empty(drawn) && !pixman_region32_not_empty(&shown);
	pixman_region32_fini(&shown);
	return hidden;
}

/* Visits the shown views top to bottom with what the ones above hide;
 * stops at until (if not NULL), returning whether it is hidden whole. */
static bool walk(struct server *server, struct view *until)
{
	pixman_region32_t covered;
	pixman_region32_init(&covered);
	bool until_hidden = false;
	struct view *view;
	wl_list_for_each(view, &server->views, link) {
		pixman_region32_t drawn, opaque;
		pixman_region32_init(&drawn);
		pixman_region32_init(&opaque);
		bool shown = view_regions(view, &drawn, &opaque);
		bool hidden = shown && hidden_whole(&drawn, &covered);
		if (view == until) {
			until_hidden = hidden;
		} else if (until == NULL) {
			/* Off and on again each damage the whole window, once
			 * each way. A window dom0 does not show keeps its content
			 * on: when it shows again, that is what damages it. */
			wlr_scene_node_set_enabled(&view->content->node, !hidden);
		}
		if (shown) {
			pixman_region32_union(&covered, &covered, &opaque);
		}
		pixman_region32_fini(&opaque);
		pixman_region32_fini(&drawn);
		if (view == until) {
			break;
		}
	}
	pixman_region32_fini(&covered);
	return until_hidden;
}

void occlusion_cull(struct server *server)
{
	walk(server, NULL);
}

static bool is_culled(struct view *view)
{
	int x, y;
	return wlr_scene_node_coords(&view->tree->node, &x, &y) &&
		!view->content->node.state.enabled;
}

void occlusion_send_frames(struct server *server, struct timespec *now)
{
	struct view *view;
	wl_list_for_each(view, &server->views, link) {
		if (view->vm && is_culled(view)) {
			view_send_frame_done(view, now);
		}
	}
}

void occlusion_view_changed(struct view *view)
{
	if (!is_culled(view)) {
		return;
	}
	struct output *output;
	wl_list_for_each(output, &view->server->outputs, link) {
		wlr_output_schedule_frame(output->wlr_output);
	}
}

bool occlusion_view_hidden(struct server *server, struct view *view)
{
	return walk(server, view);
}
