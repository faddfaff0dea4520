#include "compositor/title_bar.h"

#include <cairo.h>
#include <drm_fourcc.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wlr/types/wlr_buffer.h>
#include <wlr/util/log.h>

#define TITLE_FONT "Sans 10"
#define TITLE_PADDING 6
/* What marks a window that mapped without the focus (QSB-style: the VM
 * may not take focus, so the user is told instead). */
#define URGENT_MARK "\xe2\x97\x8f " /* U+25CF BLACK CIRCLE */

/* A cairo image surface as a wlr_buffer the scene can show. */
struct cairo_buffer {
	struct wlr_buffer base;
	cairo_surface_t *surface;
};

static void cairo_buffer_destroy(struct wlr_buffer *wlr_buffer)
{
	struct cairo_buffer *buffer = wl_container_of(wlr_buffer, buffer, base);
	cairo_surface_destroy(buffer->surface);
	free(buffer);
}

static bool cairo_buffer_begin_data_ptr_access(struct wlr_buffer *wlr_buffer, uint32_t flags,
	void **data, uint32_t *format, size_t *stride)
{
	struct cairo_buffer *buffer = wl_container_of(wlr_buffer, buffer, base);
	if (flags & WLR_BUFFER_DATA_PTR_ACCESS_WRITE) {
		return false;
	}
	*data = cairo_image_surface_get_data(buffer->surface);
	/* CAIRO_FORMAT_RGB24 is native-endian xRGB: on a little-endian
	 * machine, DRM's XRGB8888. No alpha: the bar is painted whole, and
	 * occlusion.c counts it as hiding what lies under it. */
	*format = DRM_FORMAT_XRGB8888;
	*stride = (size_t)cairo_image_surface_get_stride(buffer->surface);
	return true;
}

static void cairo_buffer_end_data_ptr_access(struct wlr_buffer *wlr_buffer)
{
}

static const struct wlr_buffer_impl cairo_buffer_impl = {
	.destroy = cairo_buffer_destroy,
	.begin_data_ptr_access = cairo_buffer_begin_data_ptr_access,
	.end_data_ptr_access = cairo_buffer_end_data_ptr_access,
};

void title_bar_release_fonts(void)
{
	pango_cairo_font_map_set_default(NULL);
	cairo_debug_reset_static_data();
	FcFini();
}

uint32_t title_bar_text_colour(uint32_t rgb)
{
	/* Relative luminance (ITU-R BT.709 weights, on the gamma-encoded
	 * values: close enough to pick black or white). */
	double r = ((rgb >> 16) & 0xff) / 255.0;
	double g = ((rgb >> 8) & 0xff) / 255.0;
	double b = (rgb & 0xff) / 255.0;
	double luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
	return luminance > 0.5 ? 0x000000 : 0xffffff;
}

static void set_source_rgb(cairo_t *cr, uint32_t rgb)
{
	cairo_set_source_rgb(cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
		(rgb & 0xff) / 255.0);
}

/* A bar width logical pixels wide, in pixels at scale. */
static struct wlr_buffer *draw(int width, int scale, uint32_t rgb, const char *text, bool urgent)
{
	struct cairo_buffer *buffer = calloc(1, sizeof(*buffer));
	if (buffer == NULL) {
		return NULL;
	}
	buffer->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width * scale,
		TITLE_BAR_HEIGHT * scale);
	if (cairo_surface_status(buffer->surface) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(buffer->surface);
		free(buffer);
		return NULL;
	}
	cairo_t *cr = cairo_create(buffer->surface);
	cairo_scale(cr, scale, scale);
	set_source_rgb(cr, rgb);
	cairo_paint(cr);

	PangoLayout *layout = pango_cairo_create_layout(cr);
	PangoFontDescription *font = pango_font_description_from_string(TITLE_FONT);
	pango_layout_set_font_description(layout, font);
	pango_font_description_free(font);
	/* One line whatever the text holds, cut at the end: the VM's
	 * prefix at the start always shows. */
	pango_layout_set_single_paragraph_mode(layout, TRUE);
	pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
	pango_layout_set_width(layout, (width - 2 * TITLE_PADDING) * PANGO_SCALE);
	char *shown = NULL;
	if (urgent) {
		size_t size = strlen(URGENT_MARK) + strlen(text) + 1;
		shown = malloc(size);
		if (shown) {
			snprintf(shown, size, "%s%s", URGENT_MARK, text);
		}
	}
	pango_layout_set_text(layout, shown ? shown : text, -1);
	free(shown);
	int text_width, text_height;
	pango_layout_get_pixel_size(layout, &text_width, &text_height);
	set_source_rgb(cr, title_bar_text_colour(rgb));
	cairo_move_to(cr, TITLE_PADDING, (TITLE_BAR_HEIGHT - text_height) / 2.0);
	pango_cairo_show_layout(cr, layout);
	g_object_unref(layout);
	cairo_destroy(cr);
	cairo_surface_flush(buffer->surface);

	wlr_buffer_init(&buffer->base, &cairo_buffer_impl, width * scale, TITLE_BAR_HEIGHT * scale);
	return &buffer->base;
}

static void redraw(struct title_bar *bar)
{
	if (bar->width <= 0 || bar->text == NULL) {
		return;
	}
	struct wlr_buffer *buffer = draw(bar->width, bar->scale, bar->rgb, bar->text, bar->urgent);
	if (buffer == NULL) {
		wlr_log(WLR_ERROR, "Cannot draw a %d pixel wide title bar", bar->width);
		return;
	}
	/* wlroots 0.15 cannot swap a scene buffer's buffer: a new node. */
	if (bar->node) {
		wlr_scene_node_destroy(&bar->node->node);
	}
	bar->node = wlr_scene_buffer_create(bar->parent, buffer);
	/* The scene holds its own reference. */
	wlr_buffer_drop(buffer);
	if (bar->node) {
		wlr_scene_buffer_set_dest_size(bar->node, bar->width, TITLE_BAR_HEIGHT);
		wlr_scene_node_set_position(&bar->node->node, bar->x, bar->y);
		wlr_scene_node_set_enabled(&bar->node->node, !bar->hidden);
	}
}

void title_bar_init(struct title_bar *bar, struct wlr_scene_node *parent, uint32_t rgb, int scale)
{
	*bar = (struct title_bar){ .parent = parent, .rgb = rgb, .scale = scale };
}

void title_bar_update(struct title_bar *bar, int x, int y, int width, const char *text, bool urgent)
{
	bool same_text = bar->text != NULL && strcmp(bar->text, text) == 0;
	if (bar->node && same_text && width == bar->width && urgent == bar->urgent) {
		if (x != bar->x || y != bar->y) {
			bar->x = x;
			bar->y = y;
			wlr_scene_node_set_position(&bar->node->node, x, y);
		}
		return;
	}
	if (!same_text) {
		char *copy = strdup(text);
		if (copy == NULL) {
			return;
		}
		free(bar->text);
		bar->text = copy;
	}
	bar->x = x;
	bar->y = y;
	bar->width = width;
	bar->urgent = urgent;
	redraw(bar);
}

void title_bar_set_colour(struct title_bar *bar, uint32_t rgb)
{
	if (rgb != bar->rgb) {
		bar->rgb = rgb;
		redraw(bar);
	}
}

void title_bar_set_visible(struct title_bar *bar, bool visible)
{
	bar->hidden = !visible;
	if (bar->node) {
		wlr_scene_node_set_enabled(&bar->node->node, visible);
	}
}

void title_bar_finish(struct title_bar *bar)
{
	if (bar->node) {
		wlr_scene_node_destroy(&bar->node->node);
	}
	free(bar->text);
	*bar = (struct title_bar){ 0 };
}
