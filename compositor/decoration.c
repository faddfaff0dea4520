#include "compositor/decoration.h"

#include <wlr/util/log.h>

#include "compositor/server.h"

void decoration_init(struct decoration *decoration, struct wlr_scene_node *parent, uint32_t rgb,
	int border_width)
{
	float colour[4];
	server_rgb_to_float(rgb, colour);
	decoration->border_width = border_width;
	for (int i = 0; i < DECORATION_SIDE_COUNT; i++) {
		decoration->sides[i] = wlr_scene_rect_create(parent, 0, 0, colour);
	}
}

void decoration_set_size(struct decoration *decoration, int width, int height)
{
	if (width == decoration->content_width && height == decoration->content_height) {
		return;
	}
	decoration->content_width = width;
	decoration->content_height = height;

	/* Outside the content, so nothing the VM draws can overlap it. */
	const int b = decoration->border_width;
	const struct {
		int x, y, width, height;
	} boxes[DECORATION_SIDE_COUNT] = {
		[DECORATION_TOP] = { -b, -b, width + 2 * b, b },
		[DECORATION_BOTTOM] = { -b, height, width + 2 * b, b },
		[DECORATION_LEFT] = { -b, 0, b, height },
		[DECORATION_RIGHT] = { width, 0, b, height },
	};
	for (int i = 0; i < DECORATION_SIDE_COUNT; i++) {
		struct wlr_scene_rect *rect = decoration->sides[i];
		if (!rect) {
			continue;
		}
		wlr_scene_node_set_position(&rect->node, boxes[i].x, boxes[i].y);
		wlr_scene_rect_set_size(rect, boxes[i].width, boxes[i].height);
	}
}

void decoration_restyle(struct decoration *decoration, uint32_t rgb, int border_width)
{
	float colour[4];
	server_rgb_to_float(rgb, colour);
	for (int i = 0; i < DECORATION_SIDE_COUNT; i++) {
		if (decoration->sides[i]) {
			wlr_scene_rect_set_color(decoration->sides[i], colour);
		}
	}
	if (border_width != decoration->border_width) {
		decoration->border_width = border_width;
		int width = decoration->content_width, height = decoration->content_height;
		decoration->content_width = decoration->content_height = -1;
		decoration_set_size(decoration, width, height);
	}
}

void decoration_set_visible(struct decoration *decoration, bool visible)
{
	for (int i = 0; i < DECORATION_SIDE_COUNT; i++) {
		if (decoration->sides[i]) {
			wlr_scene_node_set_enabled(&decoration->sides[i]->node, visible);
		}
	}
}

void decoration_finish(struct decoration *decoration)
{
	for (int i = 0; i < DECORATION_SIDE_COUNT; i++) {
		if (decoration->sides[i]) {
			wlr_scene_node_destroy(&decoration->sides[i]->node);
			decoration->sides[i] = NULL;
		}
	}
}
