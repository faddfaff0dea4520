/*
 * A toplevel window on dom0's screen, from a dom0 client or from a VM
 * (through its bridge). A VM view is always drawn inside its frame: the
 * frame and the surface live in one scene tree that is shown only once
 * both exist.
 */
#ifndef COMPOSITOR_VIEW_H
#define COMPOSITOR_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <wayland-server-core.h>
#include <wlr/types/wlr_foreign_toplevel_management_v1.h>
#include <wlr/types/wlr_scene.h>
#include <wlr/types/wlr_xdg_shell.h>

#include "compositor/decoration.h"
#include "compositor/title_bar.h"

struct server;
struct vm;

struct view {
	struct server *server;
	struct wlr_xdg_surface *xdg_surface;
	/* NULL for dom0's own clients. Set once at creation; never changes. */
	struct vm *vm;
	bool mapped;
	int x, y;

	struct wlr_scene_tree *tree; // positioned at x, y; on while dom0 shows the window
	/* Frame, title bar, surface and popups: off while other windows hide
	 * all of it (occlusion.c). */
	struct wlr_scene_tree *content;
	struct wlr_scene_node *surface_node;
	struct decoration decoration;
	struct title_bar title_bar; /* VM windows only */
	/* Mapped without the focus: marked in its title bar until focused. */
	bool urgent;
	/* Larger than its output allows: asked to fit, hidden until it does. */
	bool too_big;
	/* Fullscreen (no frame: only where the VM's config allows it, with
	 * a dom0 notice) or maximized; where it was before either. */
	bool fullscreen, maximized;
	/* Names go out at most every VIEW_NAMES_MIN_MS (view.c). */
	struct wl_event_source *names_timer;
	int64_t names_sent_ms;
	bool names_dirty;
	int restore_x, restore_y;
	struct wlr_foreign_toplevel_handle_v1 *toplevel_handle;

	struct wl_list link; // server::views

	struct wl_listener map;
	struct wl_listener unmap;
	struct wl_listener destroy;
	struct wl_listener commit;
	struct wl_listener set_title;
	struct wl_listener set_app_id;
	struct wl_listener request_fullscreen;
	struct wl_listener request_maximize;
};

/* The fastest a VM window's title and app id reach dom0's clients. */
#define VIEW_NAMES_MIN_MS 100
/* And all of one VM's windows together: a VM with hundreds of windows
 * renaming them all still sends a dom0 panel a few KiB a second, which
 * its socket holds for a long while if the panel stops reading. */
#define VM_NAMES_PER_SECOND 20

struct view *view_create(struct server *server, struct wlr_xdg_surface *xdg_surface);
void view_destroy(struct view *view);

void view_focus(struct view *view);
/* Frame callbacks for the window and its popups, for when the scene
 * sends them none (the window hidden, or too big to show). */
void view_send_frame_done(struct view *view, const struct timespec *now);
/* The window with the keyboard, or NULL. */
struct view *view_focused(struct server *server);
/* Focuses (and raises) the bottommost window: repeated, it goes through
 * every window, as Alt+Tab does. */
void view_cycle_focus(struct server *server);
/* Asks the window's client to close (the VM decides when it goes). */
void view_close(struct view *view);
/* dom0's decisions on a window's state, whoever asked (the VM, a dom0 key
 * or button); a VM's fullscreen follows its config (default: deny). */
void view_set_fullscreen(struct view *view, bool fullscreen);
void view_set_maximized(struct view *view, bool maximized);
/* Moves the content origin to (x, y); the frame is kept on the output. */
void view_move(struct view *view, int x, int y);
/* Asks the client for this content size, fitted to the output. */
void view_request_size(struct view *view, int width, int height);
/* Redraws frame and title bar from the VM's config (after a reload). */
void view_refresh_frame(struct view *view);
/* The secure attention key: no window stays fullscreen. */
void view_leave_all_fullscreen(struct server *server);
/* The view and surface-local point under layout coordinates, or NULL. */
struct view *view_at(struct server *server, double lx, double ly, struct wlr_surface **surface,
	double *sx, double *sy);

/* What dom0 shows as the title: "[vm] title" for VM views. */
void view_format_title(const struct view *view, char *out, size_t size);

#endif
