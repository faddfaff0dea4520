#include "compositor/background.h"

#include <drm_fourcc.h>
#include <stdlib.h>
#include <wlr/types/wlr_buffer.h>
#include <wlr/util/log.h>

#include "compositor/server.h"

struct background_buffer {
	struct wlr_buffer base;
	uint32_t *pixels;
};

static void buffer_destroy(struct wlr_buffer *wlr_buffer)
{
	struct background_buffer *buffer = wl_container_of(wlr_buffer, buffer, base);
	free(buffer->pixels);
	free(buffer);
}

static bool buffer_begin_data_ptr_access(struct wlr_buffer *wlr_buffer, uint32_t flags, void **data,
	uint32_t *format, size_t *stride)
{
	struct background_buffer *buffer = wl_container_of(wlr_buffer, buffer, base);
	if (flags & WLR_BUFFER_DATA_PTR_ACCESS_WRITE) {
		return false;
	}
	*data = buffer->pixels;
	*format = DRM_FORMAT_XRGB8888;
	*stride = (size_t)wlr_buffer->width * 4;
	return true;
}

static void buffer_end_data_ptr_access(struct wlr_buffer *wlr_buffer)
{
}

static const struct wlr_buffer_impl buffer_impl = {
	.destroy = buffer_destroy,
	.begin_data_ptr_access = buffer_begin_data_ptr_access,
	.end_data_ptr_access = buffer_end_data_ptr_access,
};

static struct background_buffer *buffer_create(int width, int height, uint32_t rgb)
{
	struct background_buffer *buffer = calloc(1, sizeof(*buffer));
	size_t count = (size_t)width * (size_t)height;
	uint32_t *pixels = malloc(count * sizeof(*pixels));
	if (!buffer || !pixels) {
		free(buffer);
		free(pixels);
		return NULL;
	}
	for (size_t i = 0; i < count; i++) {
		pixels[i] = 0xff000000u | rgb;
	}
	wlr_buffer_init(&buffer->base, &buffer_impl, width, height);
	buffer->pixels = pixels;
	return buffer;
}

void background_finish(struct server *server)
{
	if (server->background) {
		wlr_scene_node_destroy(&server->background->node);
		server->background = NULL;
	}
}

void background_fit(struct server *server)
{
	struct wlr_box *box = wlr_output_layout_get_box(server->output_layout, NULL);
	/* In pixels at the output's scale, shown at the layout's size: no
	 * renderer has to scale it. */
	int scale = (int)server->config->output_scale;
	if (server->background && box && box->width * scale == server->background->buffer->width &&
		box->height * scale == server->background->buffer->height) {
		wlr_scene_node_set_position(&server->background->node, box->x, box->y);
		return;
	}

	/* wlroots 0.15 cannot swap a scene buffer's buffer: make a node. */
	background_finish(server);
	if (!box || wlr_box_empty(box)) {
		return;
	}
	struct background_buffer *buffer = buffer_create(box->width * scale, box->height * scale,
		server->config->background_rgb);
	if (!buffer) {
		wlr_log(WLR_ERROR, "Out of memory for a %dx%d background", box->width * scale,
			box->height * scale);
		return;
	}
	server->background = wlr_scene_buffer_create(&server->background_tree->node, &buffer->base);
	/* The scene node holds the buffer now; it goes with the node. */
	wlr_buffer_drop(&buffer->base);
	if (!server->background) {
		wlr_log(WLR_ERROR, "Cannot create the background");
		return;
	}
	wlr_scene_buffer_set_dest_size(server->background, box->width, box->height);
	wlr_scene_node_set_position(&server->background->node, box->x, box->y);
}
