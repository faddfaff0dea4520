/*
 * The bridge's link to one VM: the vchan (connect, retry, HELLO), reading
 * and decoding what the VM sends, validating it, handing it to the
 * VM's windows, and the bounded queue of what dom0 sends back. Any
 * violation disconnects the VM; the link then waits for it to come back.
 */
#ifndef BRIDGE_VM_LINK_H
#define BRIDGE_VM_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wayland-client.h>

#include "vm-bridge/sanitise.h"
#include "vm-bridge/validate.h"
#include "common/vchan/vchan.h"
#include "common/wire/protocol.h"

struct dom0_client;

#define VM_LINK_RETRY_MS 500
/* The longest wait after a VM broke the rules (doubling from 500 ms). */
#define VM_LINK_RETRY_MAX_MS 30000
/* What dom0 queues for a VM that does not read before giving up on it:
 * room for a whole keymap (in chunks, with their headers) and 256 KiB
 * more for everything else. */
#define VM_LINK_TX_MAX (1536 * 1024)
/* Messages handled per wakeup, so one VM cannot starve the compositor
 * connection. */
#define VM_LINK_MSGS_PER_WAKEUP 64

struct vm_link_options {
	const char *vm_name;
	struct vchan_address address;
	uint32_t max_windows;
	uint32_t max_buffer_mib;
	enum title_charset titles; /* what the VM's titles may keep */
};

struct vm_link {
	const char *name; /* the VM's, from dom0's config */
	struct vchan_address address;
	uint32_t max_pool_pages;
	/* The limits dom0's HELLO announces (validate enforces them). */
	uint32_t max_windows, max_buffer_mib;
	enum title_charset titles;
	struct dom0_client *dom0;

	int timer_fd; /* retry timer, armed while there is no vchan */
	long retry_ms; /* the next first retry */
	struct vchan *vchan; /* NULL: not connected, retrying */
	bool connected; /* CONNECTED and our HELLO is queued */
	/* HELLO's output_scale on this connection (vm-bridge/scale.h). */
	int32_t output_scale;
	uint32_t connection; /* counts connections; focus is per connection */

	/* Where the VM's clipboard answers go (clipboard.c); may be NULL. */
	struct bridge_clipboard *clipboard;
	/* Where the VM's pointer image goes (input.c); may be NULL. */
	struct bridge_input *input;

	/* dom0's keymap, sent after HELLO on every connection. */
	uint8_t *keymap;
	uint32_t keymap_size;

	struct validate_state validate;
	struct wl_list windows; /* window::link */
	/* Titles, app ids and hints sent and not yet answered by the
	 * compositor (wl_display.sync): until then, no more are sent. */
	struct wl_callback *properties_sync;
	/* dom0 buffers of all windows, bounded like the VM's own. */
	uint64_t dom0_bytes, max_dom0_bytes;

	/* Received bytes: [rx_start, rx_end) not yet decoded. */
	uint8_t *rx;
	size_t rx_start, rx_end;
	bool rx_backlog; /* stopped early with messages left to handle */

	/* Queued for the VM: [tx_start, tx_end). */
	uint8_t *tx;
	size_t tx_start, tx_end;

	/* Scratch for BUFFER_CREATE's refs: one buffer's worth. */
	uint32_t *refs;

	/* Set (and logged) when the VM must go; acted on at a safe point,
	 * never from inside a window's own callback. */
	bool failed;
	bool violation; /* failed by a broken rule, not by going away */
};

struct vm_link *vm_link_create(const struct vm_link_options *options, struct dom0_client *dom0);
void vm_link_destroy(struct vm_link *link);

/* For the poll loop: the fds and the events to wait for on them. */
int vm_link_timer_fd(const struct vm_link *link);
int vm_link_vchan_fd(const struct vm_link *link); /* -1: none */
short vm_link_vchan_events(const struct vm_link *link);
/* True if messages are waiting already: poll without sleeping. */
bool vm_link_has_backlog(const struct vm_link *link);
/* Gives back the second dom0 buffer of windows gone idle; returns the ms
 * until the next may, for poll (-1: none will without a frame). */
int vm_link_drop_idle(struct vm_link *link);

void vm_link_handle_timer(struct vm_link *link);
void vm_link_handle_vchan(struct vm_link *link, short revents);
/* Writes what is queued, as far as the VM takes it. */
void vm_link_flush(struct vm_link *link);
/* Disconnects the VM if a failure was flagged. */
void vm_link_reap(struct vm_link *link);
/*
 * The safe point, once per loop before the compositor connection is
 * flushed: each window sends what it held back (a configure's ack, a
 * frame that waited, and the latest title, app id and hints unless the
 * last ones sent are not answered yet), window by window, flushing after
 * each, until the compositor's socket is full.
 */
void vm_link_send_pending(struct vm_link *link);

/*
 * Queues msg for the VM; false (and the VM flagged to go) if the VM is
 * not reading. Does nothing when not connected. CONFIGURE,
 * CLIPBOARD_REQUEST and PING get their serials here (whatever msg says),
 * where the VM's answers are checked (validate_outgoing).
 */
bool vm_link_send(struct vm_link *link, const struct wire_msg *msg);

/*
 * Keeps a copy of dom0's xkb keymap (1..WIRE_MAX_KEYMAP_BYTES) and sends
 * it in KEYMAP chunks now, if connected, and on every later connection.
 */
void vm_link_set_keymap(struct vm_link *link, const void *keymap, uint32_t size);

/*
 * The three ways a connection ends besides the VM going away; each logs
 * one error line (only the first call per connection logs) and flags the
 * connection to be closed:
 * - vm_link_violation: the VM broke a rule of the protocol. The line names
 *   the VM, the message type and the rule; the next attempt to connect
 *   waits twice as long as the last (back-off).
 * - vm_link_dom0_failure: dom0 could not do its part (memory, the
 *   compositor connection). Not the VM's fault: reconnect without penalty.
 * - vm_link_bug: the bridge contradicts itself (an invariant broke, as
 *   sway_assert reports it). Logged as a bug; reconnect without penalty,
 *   since a clean connection is the safest state to go back to.
 */
void vm_link_violation(struct vm_link *link, uint32_t type, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void vm_link_dom0_failure(struct vm_link *link, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void vm_link_bug(struct vm_link *link, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
