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
};

/*
 * Connects (WAYLAND_SOCKET, or WAYLAND_DISPLAY for manual runs) and waits
 * for the globals the bridge needs. NULL, logged, on failure.
 */
struct dom0_client *dom0_client_connect(void);
void dom0_client_destroy(struct dom0_client *client);

#endif
