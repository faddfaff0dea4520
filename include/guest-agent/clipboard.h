/*
 * The VM's side of dom0's clipboard keys: CLIPBOARD_REQUEST reads the
 * selection the VM's clients set (wl_data_device, VM-local) and answers
 * with its text; CLIPBOARD_SET makes dom0's text the VM's selection. The
 * agent never sends a clipboard unasked.
 */
#ifndef GUEST_AGENT_CLIPBOARD_H
#define GUEST_AGENT_CLIPBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wayland-server-core.h>

struct agent_server;
struct dom0_link;
struct wl_event_source;

struct agent_clipboard {
	struct agent_server *server;
	/* A read of the selection in progress, for dom0's request serial. */
	int read_fd; /* -1: none */
	uint32_t serial;
	struct wl_event_source *read_source, *read_timeout;
	uint8_t *text;
	size_t length;
	/* The VM's own clipboard between its clients (wl_data_device). */
	struct wl_listener request_set_selection; /* wlr_seat */
};

void agent_clipboard_init(struct agent_clipboard *clipboard, struct agent_server *server);
void agent_clipboard_finish(struct agent_clipboard *clipboard);
/* dom0 asks for the VM's clipboard; the answer goes out when read. */
void agent_clipboard_request(struct agent_clipboard *clipboard, uint32_t serial);
/* dom0's text becomes the VM's selection. */
void agent_clipboard_set(struct agent_clipboard *clipboard, const uint8_t *text, size_t length);
/* dom0 went: a read in progress is dropped. */
void agent_clipboard_forget_dom0(struct agent_clipboard *clipboard);

#endif
