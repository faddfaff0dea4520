#include "compositor/switcher.h"

#include <stdio.h>
#include <wlr/util/log.h>

#include "compositor/server.h"
#include "compositor/view.h"
#include "compositor/vm.h"

#define SWITCHER_WIDTH 560
#define SWITCHER_TOP 80
#define SWITCHER_GAP 4
#define SELECTED_MARK "\xe2\x96\xb6 " /* U+25B6: the row Return focuses */

static void draw(struct server *server)
{
	struct switcher *switcher = &server->switcher;
	struct wlr_box *area = wlr_output_layout_get_box(server->output_layout, NULL);
	if (area == NULL) {
		return;
	}
	int width = area->width < SWITCHER_WIDTH ? area->width : SWITCHER_WIDTH;
	int x = area->x + (area->width - width) / 2;
	for (int i = 0; i < switcher->count; i++) {
		struct view *view = switcher->views[i];
		char title[512];
		char text[sizeof(SELECTED_MARK) + sizeof("[dom0] ") + sizeof(title)];
		view_format_title(view, title, sizeof(title));
		snprintf(text, sizeof(text), "%s%s%s", i == switcher->selected ? SELECTED_MARK : "",
			view->vm ? "" : "[dom0] ", title);
		title_bar_set_colour(&switcher->rows[i],
			view->vm ? view->vm->config->rgb : SWITCHER_DOM0_RGB);
		title_bar_update(&switcher->rows[i], x,
			area->y + SWITCHER_TOP + i * (TITLE_BAR_HEIGHT + SWITCHER_GAP), width, text,
			false);
	}
}

static void clear_rows(struct switcher *switcher)
{
	for (int i = 0; i < SWITCHER_ROWS_MAX; i++) {
		title_bar_finish(&switcher->rows[i]);
	}
	switcher->count = 0;
}

void switcher_open(struct server *server)
{
	struct switcher *switcher = &server->switcher;
	clear_rows(switcher);
	struct view *view;
	wl_list_for_each(view, &server->views, link) {
		if (view->mapped && switcher->count < SWITCHER_ROWS_MAX) {
			title_bar_init(&switcher->rows[switcher->count],
				&server->overlay_tree->node, SWITCHER_DOM0_RGB,
				(int)server->config->output_scale);
			switcher->views[switcher->count++] = view;
		}
	}
	switcher->open = true;
	switcher->selected = 0;
	draw(server);
	wlr_log(WLR_INFO, "Window switcher: %d windows", switcher->count);
}

void switcher_close(struct server *server)
{
	clear_rows(&server->switcher);
	server->switcher.open = false;
}

void switcher_handle_key(struct server *server, xkb_keysym_t keysym, bool pressed)
{
	struct switcher *switcher = &server->switcher;
	if (!pressed) {
		return;
	}
	switch (keysym) {
	case XKB_KEY_Escape:
		switcher_close(server);
		return;
	case XKB_KEY_Return:
	case XKB_KEY_KP_Enter: {
		struct view *view =
			switcher->count > 0 ? switcher->views[switcher->selected] : NULL;
		switcher_close(server);
		view_focus(view);
		return;
	}
	case XKB_KEY_Down:
	case XKB_KEY_Tab:
		if (switcher->count > 0) {
			switcher->selected = (switcher->selected + 1) % switcher->count;
		}
		break;
	case XKB_KEY_Up:
	case XKB_KEY_ISO_Left_Tab:
		if (switcher->count > 0) {
			switcher->selected =
				(switcher->selected + switcher->count - 1) % switcher->count;
		}
		break;
	default:
		return;
	}
	draw(server);
}

void switcher_forget_view(struct server *server, struct view *view)
{
	struct switcher *switcher = &server->switcher;
	if (!switcher->open) {
		return;
	}
	for (int i = 0; i < switcher->count; i++) {
		if (switcher->views[i] == view) {
			switcher_open(server); /* listed again, without it */
			return;
		}
	}
}
