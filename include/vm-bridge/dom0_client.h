/*
 * The bridge's Wayland connection to the dom0 compositor, on the socket
 * the compositor made for this VM (WAYLAND_SOCKET): the globals it binds
 * and the size of the output it mirrors to the VM.
 */
#ifndef BRIDGE_DOM0_CLIENT_H
#define BRIDGE_DOM0_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <wayland-client.h>

struct dom0_client {
	struct wl_display *display;
	struct wl_registry *registry;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wl_output *output; /* the first one; may be NULL */
	/* The first wl_seat, bound by input.c with its listener; 0: none. */
	uint32_t seat_name, seat_version;
	struct wl_seat *seat; /* bound by input.c; NULL: none */
	/* mullion_vm_clipboard_v1, bound by clipboard.c; 0: none. */
	uint32_t clipboard_name;
	/* The serial of the last press the compositor sent us, for a
	 * popup's grab; 0: none yet. */
	uint32_t input_serial;
	uint32_t output_name;
	int32_t output_width, output_height; /* 0 until its mode is known */
	/* The output's scale, 1 to LIMIT_OUTPUT_SCALE_MAX (1 until it says):
	 * the VM's window pixels per pixel of the compositor's surfaces. */
	int32_t output_scale;
	/*
	 * The compositor's socket was full at the last flush: requests wait
	 * in libwayland's 4 KiB buffer, and one that does not fit there is
	 * fatal to the connection (libwayland-client 1.21). While this is
	 * set the bridge reads nothing from its VM and sends the compositor
	 * nothing it can put off (dom0_client_flush).
	 */
	bool blocked;
	/*
	 * The budget: bytes of requests sent since the compositor last
	 * answered a wl_display.sync. Past DOM0_CLIENT_BUDGET_BYTES a sync
	 * goes out (budget_sync) and the VM is not read until its answer:
	 * the compositor never has more than about that much of this VM's
	 * work queued, so it stays quick for everyone else.
	 */
	size_t sent_bytes;
	struct wl_callback *budget_sync;
};

/* The bytes of requests a bridge may have in flight before it waits for
 * the compositor; a frame is a few hundred, a window's creation ~100. */
#define DOM0_CLIENT_BUDGET_BYTES (16 * 1024)

/*
 * Connects (WAYLAND_SOCKET, or WAYLAND_DISPLAY for manual runs) and waits
 * for the globals the bridge needs. NULL, logged, on failure.
 */
struct dom0_client *dom0_client_connect(void);
void dom0_client_destroy(struct dom0_client *client);

/*
 * Sends what the bridge asked of the compositor, as far as its socket
 * takes it, and sets client->blocked to whether some is left; past the
 * budget, asks for a sync (budget_sync). Call it after each piece of work
 * that made requests, so that libwayland's buffer holds at most one
 * piece's worth when the socket is full. False when the connection is
 * lost.
 */
bool dom0_client_flush(struct dom0_client *client);

/* Whether the bridge should read its VM now: false while the socket is
 * full or the budget is spent. */
bool dom0_client_ready(const struct dom0_client *client);

#endif
