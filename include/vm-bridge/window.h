/*
 * One VM window in dom0: a wl_surface + xdg_surface + xdg_toplevel (or
 * xdg_popup, on its parent window) of the bridge's own, the VM's shared buffers mapped read-only, and two dom0
 * buffers its pixels are copied into.
 */
#ifndef BRIDGE_WINDOW_H
#define BRIDGE_WINDOW_H

#include <stdbool.h>
#include <stdint.h>
#include <pixman.h>
#include <wayland-client.h>

#include "vm-bridge/sanitise.h"
#include "vm-bridge/validate.h"
#include "common/wire/protocol.h"

struct vm_link;
struct shm_buffer;

/* What a window has to tell the compositor at the next safe point. */
enum bridge_window_dirty {
	BRIDGE_WINDOW_DIRTY_TITLE = 1 << 0,
	BRIDGE_WINDOW_DIRTY_APP_ID = 1 << 1,
	BRIDGE_WINDOW_DIRTY_HINTS = 1 << 2,
	BRIDGE_WINDOW_DIRTY_ACK = 1 << 3, /* a configure to ack */
};
#define BRIDGE_WINDOW_DIRTY_PROPERTIES \
	(BRIDGE_WINDOW_DIRTY_TITLE | BRIDGE_WINDOW_DIRTY_APP_ID | BRIDGE_WINDOW_DIRTY_HINTS)

/* A VM buffer: a read-only view of pages the VM shares. */
struct vm_buffer {
	uint32_t id; /* WIRE_ID_INVALID: slot unused */
	uint32_t width, height, stride, format;
	uint32_t page_count;
	const uint8_t *view; /* stride * height readable bytes */
};

struct bridge_window {
	struct wl_list link; /* vm_link::windows */
	struct vm_link *vm;
	uint32_t id;

	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *toplevel; /* NULL for a popup */
	struct xdg_popup *popup; /* NULL for a toplevel */
	struct wl_callback *frame_callback;
	/* No buffer may be attached before the first configure is acked. */
	bool configured;
	uint32_t configure_serial; /* to ack, with BRIDGE_WINDOW_DIRTY_ACK */
	/* The last CONFIGURE sent to the VM (size 0: the VM chooses). */
	bool configure_sent;
	uint32_t configure_width, configure_height, configure_states;
	uint32_t width_hint, height_hint; /* a popup's size, as the VM said */

	struct vm_buffer buffers[VALIDATE_MAX_BUFFERS_PER_WINDOW];
	struct shm_buffer *dom0[2]; /* [1] only while it needs two */
	int64_t last_copy_ms; /* CLOCK_MONOTONIC, its last frame's copy */
	/* VM buffer with content not yet copied (and not yet released to
	 * the VM); WIRE_ID_INVALID if none. */
	uint32_t pending_id;
	/* VM buffer copied but not yet released: the release waits for
	 * the next FRAME_DONE or DAMAGE, whichever comes first, so that it
	 * shares their write and the VM's wakeup. A paced client needs the
	 * buffer only after FRAME_DONE, an unpaced one draws into its other
	 * buffer and its DAMAGE frees this one. WIRE_ID_INVALID if none. */
	uint32_t copied_id;
	/* Changed since the last commit: what the compositor must redraw. */
	pixman_region32_t surface_damage;
	/*
	 * A frame arriving in parts (DAMAGE_PART): the VM buffer the parts
	 * are of, the dom0 buffer they were copied into (free, not shown),
	 * and where; its DAMAGE copies only the rest. part_id
	 * WIRE_ID_INVALID: none.
	 */
	uint32_t part_id;
	struct shm_buffer *part_dst;
	pixman_region32_t part_copied;

	/*
	 * The latest title, app id and size hints the VM set, sanitised, not
	 * yet sent where dirty says so: they go out at the bridge's next
	 * safe point (bridge_window_send_pending), so a burst of a thousand
	 * titles costs the compositor one.
	 */
	uint32_t dirty; /* enum bridge_window_dirty */
	char title[TITLE_SANITISED_MAX];
	char app_id[APP_ID_SANITISED_MAX];
	struct wire_window_hints hints;

	uint64_t bytes_copied;
	uint64_t frames;
};

/* Creates the window's toplevel and commits it empty. NULL on failure. */
struct bridge_window *bridge_window_create(struct vm_link *vm, uint32_t id);
/*
 * Creates a popup on parent, its top left corner at (x, y) of the parent's
 * surface, width x height (0: not known yet), asking for the seat's grab
 * if grab; the compositor keeps it on screen. NULL on failure.
 */
struct bridge_window *bridge_window_create_popup(struct vm_link *vm, uint32_t id,
	struct bridge_window *parent, int32_t x, int32_t y, uint32_t width, uint32_t height,
	bool grab);
/* The VM moved a popup (WINDOW_MOVE). */
void bridge_window_move_popup(struct bridge_window *window, int32_t x, int32_t y);
/* Its toplevel vanishes, its VM buffers are unmapped. NULL is ok. */
void bridge_window_destroy(struct bridge_window *window);
/* The window whose wl_surface this is, or NULL. */
struct bridge_window *bridge_window_from_surface(struct vm_link *vm, struct wl_surface *surface);
struct bridge_window *bridge_window_find(struct vm_link *vm, uint32_t id);

/* Record a toplevel's sanitised title, app id, or size hints; they reach
 * the compositor at bridge_window_send_pending. */
void bridge_window_set_title(struct bridge_window *window, const char *title);
void bridge_window_set_app_id(struct bridge_window *window, const char *app_id);
void bridge_window_set_hints(struct bridge_window *window, const struct wire_window_hints *hints);
/*
 * The safe point: sends the compositor what the window holds back (a
 * configure's ack, a frame that waited for a full socket, and with
 * properties the latest title, app id and hints). Call only while the
 * compositor's socket takes requests (dom0_client::blocked false), and
 * flush after it. True if it sent properties.
 */
bool bridge_window_send_pending(struct bridge_window *window, bool properties);
/* A validated DAMAGE_PART: copies the part now if that is safe and
 * useful (the window may draw, a dom0 buffer is free), else leaves it to
 * the frame's DAMAGE. */
void bridge_window_damage_part(struct bridge_window *window, const struct wire_damage *part);
/* Maps a validated BUFFER_CREATE's pages. False if they cannot be. */
bool bridge_window_buffer_create(struct bridge_window *window,
	const struct wire_buffer_create *create);
void bridge_window_buffer_destroy(struct bridge_window *window, uint32_t buffer_id);
/* Takes a validated DAMAGE: copies, shows, releases (now or later). */
bool bridge_window_damage(struct bridge_window *window, const struct wire_damage *damage);

/*
 * A window that copied no frame for BRIDGE_WINDOW_IDLE_MS gives back its
 * second dom0 buffer (the one the compositor does not hold): it is made
 * again when the window moves. Returns the ms until the next window may
 * go idle, for the poll loop; -1: none.
 */
#define BRIDGE_WINDOW_IDLE_MS 1000
int bridge_window_drop_idle(struct bridge_window *window, int64_t now_ms);

/* One machine-readable line on stderr for the benchmark, the totals of
 * every window this process has shown, gone ones included:
 * "mullion-stats: frames=N bytes_copied=M shown=S parts=P dom0_buffers=B"
 * (N: frames copied, S: frame callbacks, frames shown, P: DAMAGE_PARTs
 * copied, B: dom0 buffers held now). */
void bridge_window_print_stats(void);

#endif
