/*
 * The bridge's end of the clipboard keys (protocols/mullion-vm-clipboard-v1):
 * the compositor's request becomes CLIPBOARD_REQUEST to the VM, the VM's
 * CLIPBOARD_DATA answering that very request (validate.c checked it
 * answers an outstanding one) goes back to the compositor in a sealed
 * memfd, and the compositor's paste becomes CLIPBOARD_SET.
 */
#ifndef VM_BRIDGE_CLIPBOARD_H
#define VM_BRIDGE_CLIPBOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "common/wire/protocol.h"

struct dom0_client;
struct vm_link;
struct mullion_vm_clipboard_v1;

struct bridge_clipboard {
	struct vm_link *link;
	struct mullion_vm_clipboard_v1 *global;
	/* The request in flight: the compositor's serial and the wire's;
	 * 0 connection: none. */
	uint32_t compositor_serial, wire_serial, connection;
};

/* NULL only on allocation failure; without the global it does nothing. */
struct bridge_clipboard *bridge_clipboard_create(struct dom0_client *dom0, struct vm_link *link);
void bridge_clipboard_destroy(struct bridge_clipboard *clipboard);
/* A validated CLIPBOARD_DATA from the VM. */
void bridge_clipboard_data(struct bridge_clipboard *clipboard,
	const struct wire_clipboard_data *data);

#endif
