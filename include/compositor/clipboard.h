/*
 * The inter-VM clipboard, only by the user's keys (Qubes' model, QSB-013):
 * the copy key asks the focused window's VM for its clipboard; the answer
 * is taken only if it answers that very request, within
 * CLIPBOARD_ANSWER_MS and before any other clipboard action. dom0 keeps one
 * clipboard, replaced whole, and shows its source and size for a moment.
 * The paste key hands it to the focused window's VM and empties it. No
 * other path moves clipboard data between VMs, or between a VM and dom0's
 * clients (VMs never see wl_data_device, dom0's seat selection is never
 * this clipboard).
 */
#ifndef COMPOSITOR_CLIPBOARD_H
#define COMPOSITOR_CLIPBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wayland-server-core.h>

#include "common/wire/protocol.h"

struct server;
struct vm;

#define CLIPBOARD_ANSWER_MS 2000
#define CLIPBOARD_MAX_BYTES WIRE_MAX_CLIPBOARD_BYTES

struct clipboard {
	struct wl_global *global; /* mullion_vm_clipboard_v1, bridges only */
	/* The copy key's request in flight; NULL vm: none. */
	struct vm *pending_vm;
	uint32_t pending_serial, last_serial;
	struct wl_event_source *timeout;
	/* dom0's one clipboard; NULL: empty. */
	char *data;
	size_t size;
};

bool clipboard_init(struct server *server);
void clipboard_finish(struct server *server);
/* The copy and paste keys, for the focused window's VM (NULL: a dom0
 * window or none, which gets nothing). */
void clipboard_copy(struct server *server, struct vm *vm);
void clipboard_paste(struct server *server, struct vm *vm);
/* A VM's bridge went: its resource and any request to it go too. */
void clipboard_forget_vm(struct server *server, struct vm *vm);

#endif
