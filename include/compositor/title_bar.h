/*
 * The title bar dom0 draws above every VM window: the VM's label colour,
 * with "[vm] title" in a colour that contrasts with it, on one line that
 * always starts with the VM's prefix (the end of a long title is cut, never
 * the start). Drawn with cairo and pango into a buffer of dom0's own; the
 * VM's pixels never reach it.
 */
#ifndef COMPOSITOR_TITLE_BAR_H
#define COMPOSITOR_TITLE_BAR_H

#include <stdbool.h>
#include <stdint.h>
#include <wlr/types/wlr_scene.h>

/* Height of the bar in pixels, above the window's top border. */
#define TITLE_BAR_HEIGHT 22

struct title_bar {
	struct wlr_scene_node *parent;
	struct wlr_scene_buffer *node; /* NULL until drawn */
	int x, y; /* where the bar's top left goes under parent */
	int width; /* logical pixels, as x and y */
	/* Drawn at the output's scale, so that text is sharp on HiDPI
	 * screens (and no renderer has to scale it). */
	int scale;
	uint32_t rgb;
	bool urgent; /* a window that wants attention: marked, not focused */
	bool hidden;
	char *text;
};

void title_bar_init(struct title_bar *bar, struct wlr_scene_node *parent, uint32_t rgb, int scale);
/* Redraws when anything changed; a failure to draw leaves the old bar and
 * is logged (the border still says which VM it is). */
void title_bar_update(struct title_bar *bar, int x, int y, int width, const char *text,
	bool urgent);
void title_bar_set_colour(struct title_bar *bar, uint32_t rgb);
void title_bar_set_visible(struct title_bar *bar, bool visible);
void title_bar_finish(struct title_bar *bar);

/* At shutdown, after every bar is gone: frees the font caches pango,
 * cairo and fontconfig keep for the whole process. */
void title_bar_release_fonts(void);

/* The text colour (0xRRGGBB) that reads best on background rgb. */
uint32_t title_bar_text_colour(uint32_t rgb);

#endif
