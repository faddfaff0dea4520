#include "compositor/view.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <wlr/util/log.h>

#include "compositor/notice.h"
#include "compositor/occlusion.h"
#include "compositor/output.h"
#include "compositor/server.h"
#include "compositor/vm.h"

/* Long enough for any sane title; the bridge already bounds VM titles. */
#define VIEW_TITLE_MAX 512

static size_t utf8_truncate(const char *str, size_t max)
{
	size_t len = strnlen(str, max + 1);
	if (len <= max) {
		return len;
	}
	/* Step back over continuation bytes so a character is not split. */
	len = max;
	while (len > 0 && ((unsigned char)str[len] & 0xc0) == 0x80) {
		len--;
	}
	return len;
}

void view_format_title(const struct view *view, char *out, size_t size)
{
	const char *title = view->xdg_surface->toplevel->title;
	if (!title) {
		title = "";
	}
	int len = (int)utf8_truncate(title, VIEW_TITLE_MAX);
	if (view->vm) {
		snprintf(out, size, "[%s] %.*s", view->vm->config->name, len, title);
	} else {
		snprintf(out, size, "%.*s", len, title);
	}
}

/* The title bar spans the frame, just above its top border. */
static void update_title_bar(struct view *view)
{
	if (!view->vm || !view->mapped) {
		return;
	}
	char title[VIEW_TITLE_MAX + CONFIG_NAME_MAX + 4];
	view_format_title(view, title, sizeof(title));
	int border = (int)view->server->config->border_width;
	struct wlr_box geometry;
	wlr_xdg_surface_get_geometry(view->xdg_surface, &geometry);
	title_bar_update(&view->title_bar, -border, -border - TITLE_BAR_HEIGHT,
		geometry.width + 2 * border, title, view->urgent);
}

static void update_title(struct view *view)
{
	update_title_bar(view);
	if (!view->toplevel_handle) {
		return;
	}
	char title[VIEW_TITLE_MAX + CONFIG_NAME_MAX + 4];
	view_format_title(view, title, sizeof(title));
	wlr_foreign_toplevel_handle_v1_set_title(view->toplevel_handle, title);
}

/* What dom0 clients see as a VM window's app id: "VMNAME:app_id"
 * (work:org.gnome.Foo), so that a VM cannot claim another app's or
 * dom0's identity; the bridge leaves no ':' in the VM's part. */
static void update_app_id(struct view *view)
{
	const char *app_id = view->xdg_surface->toplevel->app_id;
	if (!view->toplevel_handle || !app_id) {
		return;
	}
	char prefixed[CONFIG_NAME_MAX + VIEW_TITLE_MAX + 2];
	if (view->vm) {
		snprintf(prefixed, sizeof(prefixed), "%s:%s", view->vm->config->name, app_id);
		app_id = prefixed;
	}
	wlr_foreign_toplevel_handle_v1_set_app_id(view->toplevel_handle, app_id);
}

static void update_geometry(struct view *view)
{
	struct wlr_box geometry;
	wlr_xdg_surface_get_geometry(view->xdg_surface, &geometry);
	/* Content (geometry) starts at the tree origin; the frame is outside. */
	wlr_scene_node_set_position(view->surface_node, -geometry.x, -geometry.y);
	if (view->vm) {
		decoration_set_size(&view->decoration, geometry.width, geometry.height);
		update_title_bar(view);
	}
}

/* The area a window, frame and title bar included, must stay inside: the
 * output it is on (the first one if it is on none). */
static bool usable_area(const struct view *view, struct wlr_box *area)
{
	struct wlr_output_layout *layout = view->server->output_layout;
	struct wlr_output *output = wlr_output_layout_output_at(layout, view->x, view->y);
	struct wlr_box *box = wlr_output_layout_get_box(layout, output);
	if (box == NULL || box->width <= 0 || box->height <= 0) {
		return false;
	}
	*area = *box;
	return true;
}

/* How much a VM window's frame adds around its content (nothing while it
 * is fullscreen). */
static void frame_extents(const struct view *view, int *left, int *top, int *right, int *bottom)
{
	if (view->fullscreen) {
		*left = *top = *right = *bottom = 0;
		return;
	}
	int border = view->vm ? (int)view->server->config->border_width : 0;
	*left = *right = *bottom = border;
	*top = border + (view->vm ? TITLE_BAR_HEIGHT : 0);
}

static void move_to(struct view *view, int x, int y)
{
	view->x = x;
	view->y = y;
	wlr_scene_node_set_position(&view->tree->node, x, y);
	occlusion_view_changed(view);
}

/*
 * QSB-072/073: a VM window is never larger than the usable area, and all
 * of its frame and title bar are on screen. Too large: dom0 asks the VM
 * for the size that fits (the bridge cuts whatever the VM sends beyond
 * it) and shows nothing until the window fits. Then the window is moved
 * so its frame is inside the area. Checked at every commit, whoever
 * changed the size.
 */
static bool fit_to_output(struct view *view)
{
	struct wlr_box area, geometry;
	if (!view->vm || !usable_area(view, &area)) {
		return true;
	}
	wlr_xdg_surface_get_geometry(view->xdg_surface, &geometry);
	int left, top, right, bottom;
	frame_extents(view, &left, &top, &right, &bottom);
	int max_width = area.width - left - right;
	int max_height = area.height - top - bottom;
	if (max_width <= 0 || max_height <= 0) {
		return false;
	}
	if (geometry.width > max_width || geometry.height > max_height) {
		if (!view->too_big) {
			view->too_big = true;
			wlr_log(WLR_INFO, "VM %s: a %dx%d window does not fit %dx%d: asked to fit",
				view->vm->config->name, geometry.width, geometry.height, max_width,
				max_height);
			wlr_xdg_toplevel_set_size(view->xdg_surface,
				(uint32_t)(geometry.width < max_width ? geometry.width : max_width),
				(uint32_t)(geometry.height < max_height ? geometry.height
									: max_height));
		}
		return false;
	}
	view->too_big = false;
	/* now: content and frame fit the area; keep them inside it */
	int x = view->x, y = view->y;
	if (x + geometry.width + right > area.x + area.width) {
		x = area.x + area.width - right - geometry.width;
	}
	if (y + geometry.height + bottom > area.y + area.height) {
		y = area.y + area.height - bottom - geometry.height;
	}
	if (x - left < area.x) {
		x = area.x + left;
	}
	if (y - top < area.y) {
		y = area.y + top;
	}
	if (x != view->x || y != view->y) {
		move_to(view, x, y);
	}
	return true;
}

static void send_frame_done(struct wlr_surface *surface, int sx, int sy, void *data)
{
	wlr_surface_send_frame_done(surface, data);
}

void view_send_frame_done(struct view *view, const struct timespec *now)
{
	wlr_xdg_surface_for_each_surface(view->xdg_surface, send_frame_done, (void *)now);
}

static void show_if_fits(struct view *view)
{
	bool fits = fit_to_output(view);
	wlr_scene_node_set_enabled(&view->tree->node, view->mapped && fits);
	if (view->mapped && !fits) {
		/* Hidden, it gets no frames from the output; without them its
		 * client would never draw the size it was asked for. */
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		view_send_frame_done(view, &now);
	}
}

static void send_state_configure(struct view *view, int width, int height)
{
	wlr_xdg_toplevel_set_fullscreen(view->xdg_surface, view->fullscreen);
	wlr_xdg_toplevel_set_maximized(view->xdg_surface, view->maximized);
	wlr_xdg_toplevel_set_size(view->xdg_surface, (uint32_t)width, (uint32_t)height);
}

void view_set_fullscreen(struct view *view, bool fullscreen)
{
	struct server *server = view->server;
	if (fullscreen && view->vm && !view->vm->config->allow_fullscreen) {
		wlr_log(WLR_INFO, "VM %s: fullscreen denied by its config; the window stays framed",
			view->vm->config->name);
		/* The request still gets its answer: the state it keeps. */
		wlr_xdg_surface_schedule_configure(view->xdg_surface);
		return;
	}
	if (fullscreen == view->fullscreen) {
		wlr_xdg_surface_schedule_configure(view->xdg_surface);
		return;
	}
	struct wlr_box area;
	if (!usable_area(view, &area)) {
		return;
	}
	if (fullscreen) {
		if (!view->maximized) {
			view->restore_x = view->x;
			view->restore_y = view->y;
		}
		view->fullscreen = true;
		decoration_set_visible(&view->decoration, false);
		title_bar_set_visible(&view->title_bar, false);
		move_to(view, area.x, area.y);
		send_state_configure(view, area.width, area.height);
		if (view->vm) {
			char text[CONFIG_NAME_MAX + 64];
			snprintf(text, sizeof(text),
				"[%s] is fullscreen. Ctrl+Alt+Escape leaves it.",
				view->vm->config->name);
			notice_show(server, view->vm->config->rgb, text);
		}
	} else {
		view->fullscreen = false;
		decoration_set_visible(&view->decoration, true);
		title_bar_set_visible(&view->title_bar, true);
		if (!view->maximized) {
			move_to(view, view->restore_x, view->restore_y);
		}
		/* 0x0: the client's own size again; fit_to_output checks it. */
		send_state_configure(view, 0, 0);
	}
	show_if_fits(view);
}

void view_cycle_focus(struct server *server)
{
	/* server->views is topmost first: the last mapped one is the one
	 * the user has not been in for longest. */
	struct view *view, *next = NULL;
	wl_list_for_each(view, &server->views, link) {
		if (view->mapped) {
			next = view;
		}
	}
	if (next && next != view_focused(server)) {
		view_focus(next);
	}
}

void view_close(struct view *view)
{
	if (view && view->mapped) {
		wlr_xdg_toplevel_send_close(view->xdg_surface);
	}
}

void view_refresh_frame(struct view *view)
{
	if (view->vm == NULL) {
		return;
	}
	decoration_restyle(&view->decoration, view->vm->config->rgb,
		(int)view->server->config->border_width);
	title_bar_set_colour(&view->title_bar, view->vm->config->rgb);
	update_title_bar(view);
	show_if_fits(view);
}

void view_move(struct view *view, int x, int y)
{
	move_to(view, x, y);
	show_if_fits(view);
}

void view_request_size(struct view *view, int width, int height)
{
	struct wlr_box area;
	if (!usable_area(view, &area)) {
		return;
	}
	int left, top, right, bottom;
	frame_extents(view, &left, &top, &right, &bottom);
	int max_width = area.width - left - right, max_height = area.height - top - bottom;
	width = width > max_width ? max_width : width;
	height = height > max_height ? max_height : height;
	if (width > 0 && height > 0) {
		wlr_xdg_toplevel_set_size(view->xdg_surface, (uint32_t)width, (uint32_t)height);
	}
}

void view_set_maximized(struct view *view, bool maximized)
{
	struct wlr_box area;
	if (view->fullscreen || maximized == view->maximized || !usable_area(view, &area)) {
		wlr_xdg_surface_schedule_configure(view->xdg_surface);
		return;
	}
	int left, top, right, bottom;
	frame_extents(view, &left, &top, &right, &bottom);
	view->maximized = maximized;
	if (maximized) {
		view->restore_x = view->x;
		view->restore_y = view->y;
		move_to(view, area.x + left, area.y + top);
		send_state_configure(view, area.width - left - right, area.height - top - bottom);
	} else {
		move_to(view, view->restore_x, view->restore_y);
		send_state_configure(view, 0, 0);
	}
}

void view_leave_all_fullscreen(struct server *server)
{
	struct view *view;
	wl_list_for_each(view, &server->views, link) {
		if (view->fullscreen) {
			view_set_fullscreen(view, false);
		}
	}
}

static void handle_request_fullscreen(struct wl_listener *listener, void *data)
{
	struct view *view = wl_container_of(listener, view, request_fullscreen);
	struct wlr_xdg_toplevel_set_fullscreen_event *event = data;
	view_set_fullscreen(view, event->fullscreen);
}

static void handle_request_maximize(struct wl_listener *listener, void *data)
{
	struct view *view = wl_container_of(listener, view, request_maximize);
	view_set_maximized(view, view->xdg_surface->toplevel->requested.maximized);
}

/* Rows from the top left, each as tall as its tallest frame; a window
 * wider than what is left of a row starts the next one. */
static void place_in_grid(struct view *view)
{
	struct server *server = view->server;
	struct wlr_box geometry;
	wlr_xdg_surface_get_geometry(view->xdg_surface, &geometry);
	int left, top, right, bottom;
	frame_extents(view, &left, &top, &right, &bottom);
	int width = left + geometry.width + right;
	int height = top + geometry.height + bottom;
	struct wlr_box *screen = wlr_output_layout_get_box(server->output_layout, NULL);
	if (server->grid_x > 0 && screen && server->grid_x + width > screen->width) {
		server->grid_x = 0;
		server->grid_y += server->grid_row_height;
		server->grid_row_height = 0;
	}
	move_to(view, server->grid_x + left, server->grid_y + top);
	server->grid_x += width;
	if (height > server->grid_row_height) {
		server->grid_row_height = height;
	}
}

#define CASCADE_STEPS 8

/* Step index of the cascade, from near the top left of the output. */
static void cascade(struct view *view, int index)
{
	int step = 32 + (view->server->config->border_width * 2);
	move_to(view, step + index * step, step + index * step + (view->vm ? TITLE_BAR_HEIGHT : 0));
}

static void place(struct view *view)
{
	/* Cascade, so a new window never sits exactly on the last one. */
	struct server *server = view->server;
	if (server->place_in_grid) {
		place_in_grid(view);
		return;
	}
	/* Counted at each placing: a client that creates several windows
	 * before it maps them gets them cascaded too. */
	cascade(view, (int)(++server->windows_placed % CASCADE_STEPS));
}

/*
 * A window mapped below the focused one may land where the focused one
 * hides all of it, frame and title bar too: nobody would see that it
 * came, and occlusion.c would give it no frames. It goes to the first
 * step of the cascade, then the first corner of the output, where some
 * of it shows; where none does (the focused window fills the output), it
 * stays, listed in the switcher and marked urgent.
 */
static void place_in_view(struct view *view)
{
	struct server *server = view->server;
	if (!occlusion_view_hidden(server, view)) {
		return;
	}
	int x = view->x, y = view->y;
	struct wlr_box area, geometry;
	bool corners = usable_area(view, &area);
	wlr_xdg_surface_get_geometry(view->xdg_surface, &geometry);
	int left, top, right, bottom;
	frame_extents(view, &left, &top, &right, &bottom);
	for (int i = 0; i < CASCADE_STEPS + 4; i++) {
		if (i < CASCADE_STEPS) {
			cascade(view, i);
		} else if (corners) {
			int corner = i - CASCADE_STEPS;
			move_to(view,
				corner & 1 ? area.x + area.width - right - geometry.width
					   : area.x + left,
				corner & 2 ? area.y + area.height - bottom - geometry.height
					   : area.y + top);
		}
		if (fit_to_output(view) && !occlusion_view_hidden(server, view)) {
			wlr_log(WLR_DEBUG, "New window of %s moved to (%d,%d), in view",
				view->vm ? view->vm->config->name : "dom0", view->x, view->y);
			return;
		}
	}
	move_to(view, x, y);
}

void view_focus(struct view *view)
{
	if (!view || !view->mapped) {
		return;
	}
	struct server *server = view->server;
	struct wlr_seat *seat = server->seat;
	struct wlr_surface *previous = seat->keyboard_state.focused_surface;
	struct wlr_surface *surface = view->xdg_surface->surface;
	if (previous == surface) {
		return;
	}
	if (previous && wlr_surface_is_xdg_surface(previous)) {
		struct wlr_xdg_surface *prev_xdg = wlr_xdg_surface_from_wlr_surface(previous);
		if (prev_xdg && prev_xdg->role == WLR_XDG_SURFACE_ROLE_TOPLEVEL) {
			wlr_xdg_toplevel_set_activated(prev_xdg, false);
		}
		struct view *prev_view;
		wl_list_for_each(prev_view, &server->views, link) {
			if (prev_view->xdg_surface == prev_xdg && prev_view->toplevel_handle) {
				wlr_foreign_toplevel_handle_v1_set_activated(prev_view->toplevel_handle,
					false);
			}
		}
	}

	if (view->urgent) {
		view->urgent = false;
		update_title_bar(view);
	}
	wlr_scene_node_raise_to_top(&view->tree->node);
	wl_list_remove(&view->link);
	wl_list_insert(&server->views, &view->link);
	wlr_xdg_toplevel_set_activated(view->xdg_surface, true);
	if (view->toplevel_handle) {
		wlr_foreign_toplevel_handle_v1_set_activated(view->toplevel_handle, true);
	}

	struct wlr_keyboard *keyboard = wlr_seat_get_keyboard(seat);
	if (keyboard) {
		wlr_seat_keyboard_notify_enter(seat, surface, keyboard->keycodes,
			keyboard->num_keycodes, &keyboard->modifiers);
	} else {
		wlr_seat_keyboard_notify_enter(seat, surface, NULL, 0, NULL);
	}
}

struct view *view_at(struct server *server, double lx, double ly, struct wlr_surface **surface,
	double *sx, double *sy)
{
	struct wlr_scene_node *node = wlr_scene_node_at(&server->view_tree->node, lx, ly, sx, sy);
	if (!node) {
		return NULL;
	}
	if (node->type == WLR_SCENE_NODE_SURFACE) {
		*surface = wlr_scene_surface_from_node(node)->surface;
	}
	/* The view's tree carries it in data; frames and popups are below. */
	while (node && !node->data) {
		node = node->parent;
	}
	return node ? node->data : NULL;
}

/* The view whose surface has the keyboard, or NULL. */
struct view *view_focused(struct server *server)
{
	struct wlr_surface *focused = server->seat->keyboard_state.focused_surface;
	if (focused == NULL) {
		return NULL;
	}
	struct view *view;
	wl_list_for_each(view, &server->views, link) {
		if (view->mapped && view->xdg_surface->surface == focused) {
			return view;
		}
	}
	return NULL;
}

/*
 * Focus belongs to the user: a new window takes the keyboard only when
 * nothing has it, or when the window that has it is of the same VM (a
 * dialog of the app being used). Otherwise it goes just below the focused
 * window, so it neither steals keys nor covers what the user works in.
 */
static bool may_take_focus(const struct view *view, const struct view *focused)
{
	return focused == NULL || (view->vm != NULL && focused->vm == view->vm) ||
		(view->vm == NULL && focused->vm == NULL);
}

static int64_t now_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/*
 * Takes one of the view's VM's names for this second: 0 when it may send
 * now, else how many ms until the VM's next second begins.
 */
static int64_t take_vm_names_budget(struct view *view, int64_t now)
{
	struct vm *vm = view->vm;
	if (now - vm->names_second_ms >= 1000) {
		vm->names_second_ms = now;
		vm->names_in_second = 0;
	}
	if (vm->names_in_second < VM_NAMES_PER_SECOND) {
		vm->names_in_second++;
		return 0;
	}
	return 1000 - (now - vm->names_second_ms);
}

static void send_names(struct view *view, int64_t now)
{
	view->names_sent_ms = now;
	view->names_dirty = false;
	update_title(view);
	update_app_id(view);
}

/*
 * Puts a mapped view in dom0's foreign-toplevel list (a panel's), with
 * its names. A VM's windows join it within the VM's names budget, so a VM
 * that shows and closes windows without pause adds at most
 * VM_NAMES_PER_SECOND a second (and can close no more than it added).
 */
static void list_view(struct view *view, int64_t now)
{
	view->toplevel_handle =
		wlr_foreign_toplevel_handle_v1_create(view->server->foreign_toplevel_manager);
	if (view->toplevel_handle == NULL) {
		return;
	}
	send_names(view, now);
	if (view_focused(view->server) == view) {
		wlr_foreign_toplevel_handle_v1_set_activated(view->toplevel_handle, true);
	}
}

static void handle_map(struct wl_listener *listener, void *data)
{
	struct view *view = wl_container_of(listener, view, map);
	struct server *server = view->server;

	if (!view->fullscreen && !view->maximized) {
		place(view);
	}
	update_geometry(view);

	struct view *focused = view_focused(server);
	view->mapped = true;
	int64_t now = now_ms();
	int64_t wait = view->vm ? take_vm_names_budget(view, now) : 0;
	if (wait == 0) {
		list_view(view, now);
	} else if (view->names_timer) {
		/* Listed when its VM's budget allows (handle_names_timer). */
		view->names_dirty = true;
		wl_event_source_timer_update(view->names_timer, (int)wait);
	}
	show_if_fits(view);
	if (may_take_focus(view, focused)) {
		view_focus(view);
		return;
	}
	view->urgent = true;
	update_title_bar(view);
	/* server->views is topmost first: just after the focused one. */
	wlr_scene_node_place_below(&view->tree->node, &focused->tree->node);
	wl_list_remove(&view->link);
	wl_list_insert(&focused->link, &view->link);
	if (!view->fullscreen && !view->maximized && !view->server->place_in_grid) {
		place_in_view(view);
	}
	wlr_log(WLR_INFO, "New window of %s mapped below the focused one, without the focus",
		view->vm ? view->vm->config->name : "dom0");
}

static void handle_unmap(struct wl_listener *listener, void *data)
{
	struct view *view = wl_container_of(listener, view, unmap);
	bool had_focus = view_focused(view->server) == view;
	view->mapped = false;
	wlr_scene_node_set_enabled(&view->tree->node, false);
	if (view->toplevel_handle) {
		wlr_foreign_toplevel_handle_v1_destroy(view->toplevel_handle);
		view->toplevel_handle = NULL;
	}
	if (view->names_dirty) {
		/* Never listed, or names never sent: nothing to send now. */
		view->names_dirty = false;
		wl_event_source_timer_update(view->names_timer, 0);
	}
	if (had_focus) {
		/* The focus goes where the user looks next: the window
		 * below, in stacking order, never nowhere. */
		wlr_seat_keyboard_notify_clear_focus(view->server->seat);
		struct view *next;
		wl_list_for_each(next, &view->server->views, link) {
			if (next != view && next->mapped) {
				view_focus(next);
				break;
			}
		}
	}
}

static void handle_commit(struct wl_listener *listener, void *data)
{
	struct view *view = wl_container_of(listener, view, commit);
	if (view->mapped) {
		update_geometry(view);
		show_if_fits(view);
		occlusion_view_changed(view);
		output_render_soon(view->server);
	}
}

static int handle_names_timer(void *data)
{
	struct view *view = data;
	if (!view->mapped) {
		view->names_dirty = false; /* its names go out when it maps */
		return 0;
	}
	int64_t now = now_ms();
	int64_t wait = view->vm ? take_vm_names_budget(view, now) : 0;
	if (wait > 0) {
		/* The VM spent its second: the latest names wait for the next. */
		wl_event_source_timer_update(view->names_timer, (int)wait);
		return 0;
	}
	if (view->toplevel_handle == NULL) {
		list_view(view, now);
		return 0;
	}
	send_names(view, now);
	return 0;
}

/*
 * A window's title and app id reach dom0's clients (the foreign-toplevel
 * list, a panel) and its title bar at most every VIEW_NAMES_MIN_MS, and all
 * of a VM's windows' at most VM_NAMES_PER_SECOND times a second: a VM that
 * renames its windows thousands of times a second shows the latest names,
 * and no dom0 client is flooded into being dropped, even one that stops
 * reading for a while.
 */
static void names_changed(struct view *view)
{
	if (!view->mapped || view->names_dirty || view->names_timer == NULL) {
		return; /* they go out at map, or the timer sends the latest */
	}
	int64_t now = now_ms();
	int64_t wait = VIEW_NAMES_MIN_MS - (now - view->names_sent_ms);
	if (wait <= 0) {
		wait = take_vm_names_budget(view, now);
		if (wait == 0) {
			send_names(view, now);
			return;
		}
	}
	view->names_dirty = true;
	wl_event_source_timer_update(view->names_timer, (int)wait);
}

static void handle_set_title(struct wl_listener *listener, void *data)
{
	struct view *view = wl_container_of(listener, view, set_title);
	if (view->vm) {
		names_changed(view);
	} else {
		update_title(view);
	}
}

static void handle_set_app_id(struct wl_listener *listener, void *data)
{
	struct view *view = wl_container_of(listener, view, set_app_id);
	if (view->vm) {
		names_changed(view);
	} else {
		update_app_id(view);
	}
}

static void handle_destroy(struct wl_listener *listener, void *data)
{
	struct view *view = wl_container_of(listener, view, destroy);
	view_destroy(view);
}

struct view *view_create(struct server *server, struct wlr_xdg_surface *xdg_surface)
{
	struct view *view = calloc(1, sizeof(*view));
	if (!view) {
		wlr_log(WLR_ERROR, "Out of memory");
		return NULL;
	}
	view->server = server;
	view->xdg_surface = xdg_surface;
	view->vm = vm_from_client(server, wl_resource_get_client(xdg_surface->resource));

	view->tree = wlr_scene_tree_create(&server->view_tree->node);
	if (!view->tree) {
		free(view);
		return NULL;
	}
	/* Hidden until mapped, and then frame and content appear together. */
	wlr_scene_node_set_enabled(&view->tree->node, false);
	view->tree->node.data = view;
	view->content = wlr_scene_tree_create(&view->tree->node);
	if (!view->content) {
		wlr_scene_node_destroy(&view->tree->node);
		free(view);
		return NULL;
	}
	if (view->vm) {
		decoration_init(&view->decoration, &view->content->node, view->vm->config->rgb,
			server->config->border_width);
		title_bar_init(&view->title_bar, &view->content->node, view->vm->config->rgb,
			(int)server->config->output_scale);
	}
	view->surface_node = wlr_scene_xdg_surface_create(&view->content->node, xdg_surface);
	if (!view->surface_node) {
		decoration_finish(&view->decoration);
		wlr_scene_node_destroy(&view->tree->node);
		free(view);
		return NULL;
	}
	/* Popups of this toplevel attach below its surface node. */
	xdg_surface->data = view->surface_node;

	view->map.notify = handle_map;
	wl_signal_add(&xdg_surface->events.map, &view->map);
	view->unmap.notify = handle_unmap;
	wl_signal_add(&xdg_surface->events.unmap, &view->unmap);
	view->destroy.notify = handle_destroy;
	wl_signal_add(&xdg_surface->events.destroy, &view->destroy);
	view->commit.notify = handle_commit;
	wl_signal_add(&xdg_surface->surface->events.commit, &view->commit);
	view->set_title.notify = handle_set_title;
	wl_signal_add(&xdg_surface->toplevel->events.set_title, &view->set_title);
	view->set_app_id.notify = handle_set_app_id;
	wl_signal_add(&xdg_surface->toplevel->events.set_app_id, &view->set_app_id);
	view->names_timer = wl_event_loop_add_timer(server->event_loop, handle_names_timer, view);
	if (view->names_timer == NULL) {
		/* Safe, not silent: names then stay as they were at map. */
		wlr_log(WLR_ERROR,
			"Cannot create a timer: this window's name changes will not show");
	}
	view->request_fullscreen.notify = handle_request_fullscreen;
	wl_signal_add(&xdg_surface->toplevel->events.request_fullscreen, &view->request_fullscreen);
	view->request_maximize.notify = handle_request_maximize;
	wl_signal_add(&xdg_surface->toplevel->events.request_maximize, &view->request_maximize);

	wl_list_insert(&server->views, &view->link);
	if (view->vm) {
		wlr_log(WLR_DEBUG, "New window of VM %s", view->vm->config->name);
	}
	return view;
}

void view_destroy(struct view *view)
{
	if (!view) {
		return;
	}
	wl_list_remove(&view->map.link);
	wl_list_remove(&view->unmap.link);
	wl_list_remove(&view->destroy.link);
	wl_list_remove(&view->commit.link);
	wl_list_remove(&view->set_title.link);
	wl_list_remove(&view->set_app_id.link);
	grab_forget_view(view->server, view);
	if (view->names_timer) {
		wl_event_source_remove(view->names_timer);
	}
	switcher_forget_view(view->server, view);
	wl_list_remove(&view->request_fullscreen.link);
	wl_list_remove(&view->request_maximize.link);
	wl_list_remove(&view->link);
	if (view->toplevel_handle) {
		wlr_foreign_toplevel_handle_v1_destroy(view->toplevel_handle);
	}
	view->xdg_surface->data = NULL;
	title_bar_finish(&view->title_bar);
	/* Takes the frame and the surface node with it. */
	wlr_scene_node_destroy(&view->tree->node);
	free(view);
}
