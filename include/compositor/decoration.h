/*
 * The trust frame around a VM window: a border in the VM's label colour,
 * drawn by dom0 outside the window's content so the VM cannot cover it.
 */
#ifndef COMPOSITOR_DECORATION_H
#define COMPOSITOR_DECORATION_H

#include <stdbool.h>
#include <stdint.h>
#include <wlr/types/wlr_scene.h>

enum decoration_side {
	DECORATION_TOP,
	DECORATION_BOTTOM,
	DECORATION_LEFT,
	DECORATION_RIGHT,
	DECORATION_SIDE_COUNT,
};

struct decoration {
	struct wlr_scene_rect *sides[DECORATION_SIDE_COUNT];
	int border_width;
	int content_width, content_height;
};

/* Creates the border rects under parent; content starts at (0, 0). */
void decoration_init(struct decoration *decoration, struct wlr_scene_node *parent, uint32_t rgb,
	int border_width);
/* Fits the frame around content of the given size. */
void decoration_set_size(struct decoration *decoration, int width, int height);
/* A new colour or width (config reloaded). */
void decoration_restyle(struct decoration *decoration, uint32_t rgb, int border_width);
/* Hides or shows the frame (hidden: a fullscreen window). */
void decoration_set_visible(struct decoration *decoration, bool visible);
void decoration_finish(struct decoration *decoration);

#endif
