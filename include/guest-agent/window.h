/*
 * One VM window: an xdg_toplevel or xdg_popup of a VM client, as dom0 sees
 * it (a popup is a window of its own in dom0, placed on its parent). While it
 * is mapped it has a window id; while dom0 knows it (announced) it has two
 * buffers in memory shared with dom0, so dom0 can read one while the agent
 * draws the next frame's damage into the other.
 *
 * What dom0 sees of a window is its window geometry (xdg_surface), in
 * pixels of the agent's output scale (composite.h): the shared buffers,
 * damage, popup positions, pointer coordinates, configure sizes and size
 * hints on the wire are all in these window pixels.
 */
#ifndef AGENT_WINDOW_H
#define AGENT_WINDOW_H

#include <stdbool.h>
#include <stdint.h>
#include <pixman.h>
#include <wayland-server-core.h>
#include <wlr/util/box.h>

struct agent_server;
struct wire_configure;
struct wlr_subsurface;
struct wlr_surface;
struct wlr_xdg_surface;

#define WINDOW_BUFFER_COUNT 2
/* dom0's CONFIGUREs the client has not acked yet, at most; an older one
 * is forgotten (acking a newer one acks it too, on the wire). */
#define WINDOW_CONFIGURES_MAX 8

struct agent_window_buffer {
	uint32_t id; /* WIRE_ID_INVALID: not allocated */
	uint8_t *data; /* the shared mapping, stride * height bytes */
	uint32_t page_count;
	uint32_t *refs; /* page_count names of the pages */
	/* Sent to dom0 and not yet released: dom0 may be reading it. */
	bool busy;
	/* Damage since this buffer was last written. */
	pixman_region32_t stale;
};

struct agent_window {
	struct agent_server *server;
	struct wl_list link; /* agent_server::windows */
	struct wlr_xdg_surface *xdg_surface;

	uint32_t id; /* WIRE_ID_INVALID while unmapped */
	/* A popup's parent window (a toplevel or another popup); NULL for
	 * toplevels, and for a popup whose parent went first. */
	struct agent_window *parent;
	bool popup;
	/* Where dom0 was last told the popup is, relative to its parent. */
	int32_t popup_x, popup_y;
	bool announced; /* dom0 has its WINDOW_CREATE */
	bool configured; /* initial configure scheduled */
	/* Every subsurface of the root's tree, at any depth. */
	struct wl_list subsurfaces; /* agent_subsurface::link */
	/* A DAMAGE is out: the client's frame callbacks, and the next copy,
	 * wait for dom0's FRAME_DONE (rather than the slow timer). */
	bool awaiting_frame;
	/* The surface state window_announce already showed, so that the
	 * commit that mapped the window does not copy it twice. */
	uint32_t presented_seq;
	bool presented_seq_valid;

	/* What the shared buffers show: the window geometry (root-surface-
	 * local) at this scale. Scale 0: not drawn yet. */
	struct wlr_box geometry;
	int32_t scale;
	/* The shared buffers' shape; all 0 while there are none. */
	uint32_t width, height, stride, format;
	struct agent_window_buffer buffers[WINDOW_BUFFER_COUNT];
	uint32_t last_buffer_id;
	/* Damage committed but not yet sent to dom0. */
	pixman_region32_t unsent;
	/* The next DAMAGE covers the whole buffer (new buffers). */
	bool damage_all;
	/* There is unsent content, and a frame was out (awaiting_frame) or
	 * both buffers were busy: drawn at the next FRAME_DONE or release,
	 * from the tree as it is then. */
	bool pending;
	/* A present after a subsurface (un)mapped or the scale changed. */
	struct wl_event_source *present_idle;
	/* The surface state the last DAMAGE showed, until dom0's
	 * FRAME_DONE says it was drawn (wp_presentation). */
	uint32_t sent_seq;
	bool sent_seq_valid;

	/* dom0's CONFIGUREs passed to the client, oldest first: the xdg
	 * configure each went out in, and dom0's serial. */
	struct {
		uint32_t xdg_serial, dom0_serial;
	} configures[WINDOW_CONFIGURES_MAX];
	int configure_count;
	/* The client acked dom0's ack_serial: CONFIGURE_ACK goes out with
	 * its next commit, before that commit's DAMAGE. */
	bool ack_due;
	uint32_t ack_serial;
	/* The size hints dom0 has (window pixels; 0: no bound). */
	uint32_t hints_min_width, hints_min_height, hints_max_width, hints_max_height;

	bool warned_format, warned_size, warned_access;
	/* When the pool last had no room for the buffers; 0 if it had. */
	uint64_t share_failed_msec;
	uint64_t frames_sent;
	uint64_t bytes_copied; /* also summed in agent_server */

	/* Added in agent_window_create, removed in agent_window_destroy. */
	struct wl_listener map; /* xdg_surface */
	struct wl_listener unmap; /* xdg_surface */
	struct wl_listener destroy; /* xdg_surface */
	struct wl_listener set_title; /* xdg_toplevel; unused for popups */
	struct wl_listener set_app_id; /* xdg_toplevel; unused for popups */
	/* xdg_toplevel requests, passed to dom0 to decide (unused for popups) */
	struct wl_listener request_fullscreen, request_maximize, request_minimize;
	struct wl_listener commit; /* wlr_surface */
	struct wl_listener new_subsurface; /* wlr_surface */
	struct wl_listener ack_configure; /* xdg_surface */
};

struct agent_window *agent_window_create(struct agent_server *server,
	struct wlr_xdg_surface *xdg_surface);
/* Withdraws it from dom0 if needed; NULL is ok. */
void agent_window_destroy(struct agent_window *window);
/* The mapped window with this id, or NULL. */
struct agent_window *agent_window_from_id(struct agent_server *server, uint32_t id);

/* The dom0 link became ready: tell dom0 about the window, share its
 * buffers and send its current content. */
void agent_window_announce(struct agent_window *window);
/* The dom0 link is going away: drop the shared buffers without a word
 * (the link's own close unshares everything). */
void agent_window_forget_dom0(struct agent_window *window);

/* dom0 -> VM. */
void agent_window_frame_done(struct agent_window *window);
void agent_window_buffer_release(struct agent_window *window, uint32_t buffer_id);
/* Size (window pixels) and states for the client; the ack goes to dom0
 * once the client acked and committed. */
void agent_window_configure(struct agent_window *window, const struct wire_configure *configure);
void agent_window_close(struct agent_window *window);

/* The agent's output scale changed: every window is drawn again. */
void agent_window_scale_changed(struct agent_window *window);

/* dom0's window pixels to root-surface-local coordinates. */
void agent_window_to_surface(const struct agent_window *window, double x, double y, double *sx,
	double *sy);

/* From subsurface.c: a surface of the window's tree committed; a
 * subsurface is about to be shown or hidden. */
void agent_window_surface_committed(struct agent_window *window, struct wlr_surface *surface);
void agent_window_subsurface_shown(struct agent_window *window, struct wlr_subsurface *subsurface);

/* Sends frame done to the client's whole surface tree, now. */
void agent_window_send_frame_done(struct agent_window *window);

#endif
