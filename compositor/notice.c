#include "compositor/notice.h"

#include <wlr/util/log.h>

#include "compositor/server.h"
#include "compositor/title_bar.h"

#define NOTICE_WIDTH 480
#define NOTICE_TOP 8

static int handle_notice_timer(void *data)
{
	struct server *server = data;
	title_bar_finish(&server->notice);
	return 0;
}

void notice_show(struct server *server, uint32_t rgb, const char *text)
{
	struct wlr_box *area = wlr_output_layout_get_box(server->output_layout, NULL);
	if (area == NULL || area->width <= 0) {
		return;
	}
	int width = area->width < NOTICE_WIDTH ? area->width : NOTICE_WIDTH;
	title_bar_finish(&server->notice);
	title_bar_init(&server->notice, &server->overlay_tree->node, rgb,
		(int)server->config->output_scale);
	title_bar_update(&server->notice, area->x + (area->width - width) / 2, area->y + NOTICE_TOP,
		width, text, false);
	if (server->notice_timer == NULL) {
		server->notice_timer =
			wl_event_loop_add_timer(server->event_loop, handle_notice_timer, server);
	}
	if (server->notice_timer != NULL) {
		wl_event_source_timer_update(server->notice_timer, NOTICE_SHOWN_MS);
	}
	wlr_log(WLR_INFO, "Notice: %s", text);
}

void notice_finish(struct server *server)
{
	if (server->notice_timer != NULL) {
		wl_event_source_remove(server->notice_timer);
		server->notice_timer = NULL;
	}
	title_bar_finish(&server->notice);
}
