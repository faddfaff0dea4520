/*
 * The stateful checks of what a VM says: each decoded message against the
 * windows and buffers that VM has created, against what dom0 asked of it,
 * and against its limits. The decoder (wire/codec.h) has already checked
 * the message's shape, counts and value ranges; this layer knows what
 * exists. protocols/wire-protocol.md section 8 lists the rules.
 *
 * Pure logic: no Wayland, no vchan, no logging. The ledger here is the
 * bridge's record of what the VM was allowed to create; the bridge applies
 * a message only after validate_msg() accepted (and recorded) it.
 */
#ifndef BRIDGE_VALIDATE_H
#define BRIDGE_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/wire/protocol.h"

#define VALIDATE_MAX_BUFFERS_PER_WINDOW 4
/* Room for the longest reason validate_msg() writes. */
#define VALIDATE_WHY_MAX 160

/* Which rule a refused message broke; each has its own reason text. */
enum validate_error {
	VALIDATE_OK = 0,
	VALIDATE_ERR_NO_HELLO, /* anything before HELLO */
	VALIDATE_ERR_HELLO_AGAIN,
	VALIDATE_ERR_VERSION,
	VALIDATE_ERR_NOT_FROM_VM, /* a dom0 type (the decoder refuses it) */
	VALIDATE_ERR_ID_ZERO,
	VALIDATE_ERR_WINDOW_EXISTS,
	VALIDATE_ERR_NO_WINDOW,
	VALIDATE_ERR_WINDOW_LIMIT,
	VALIDATE_ERR_NO_PARENT,
	VALIDATE_ERR_PARENT_KIND, /* a toplevel's parent is a popup */
	VALIDATE_ERR_HAS_CHILDREN, /* destroyed before its children */
	VALIDATE_ERR_WRONG_KIND, /* e.g. a title for a popup, a moved toplevel */
	VALIDATE_ERR_POSITION, /* a popup placed out of bounds */
	VALIDATE_ERR_BUFFER_EXISTS,
	VALIDATE_ERR_NO_BUFFER, /* also: damage before any buffer */
	VALIDATE_ERR_BUFFER_LIMIT,
	VALIDATE_ERR_BUFFER_SHAPE,
	VALIDATE_ERR_QUOTA,
	VALIDATE_ERR_DAMAGE_COUNT,
	VALIDATE_ERR_DAMAGE_OUTSIDE,
	VALIDATE_ERR_TOO_LONG, /* a title, app id or clipboard length */
	VALIDATE_ERR_ACK_SERIAL, /* CONFIGURE_ACK of a configure not sent */
	VALIDATE_ERR_CLIPBOARD_UNREQUESTED,
	VALIDATE_ERR_PONG_UNREQUESTED,
	VALIDATE_ERR_NO_MEMORY,
};

struct validate_limits {
	uint32_t max_windows;
	uint64_t max_buffer_bytes; /* all of a VM's mapped buffers */
};

/*
 * Requests dom0 sent that the VM may answer (configures of one window,
 * clipboard requests, pings). Serials count up from 1 and wrap; the
 * serials in (answered, sent] are outstanding, and an answer must name
 * one of them. Answering one answers every older one too.
 */
struct validate_serials {
	uint32_t sent, answered;
};

struct validate_buffer {
	uint32_t id; /* WIRE_ID_INVALID: slot unused */
	uint32_t width, height;
	uint64_t bytes; /* what mapping it costs: whole pages */
};

struct validate_window {
	uint32_t id;
	uint32_t kind; /* enum wire_window_kind; never changes */
	uint32_t parent_id; /* never changes; WIRE_ID_INVALID: none */
	struct validate_serials configures;
	struct validate_buffer buffers[VALIDATE_MAX_BUFFERS_PER_WINDOW];
};

struct validate_state {
	struct validate_limits limits;
	bool hello_seen;
	uint32_t vm_capabilities; /* from the VM's HELLO */
	struct validate_window *windows; /* [0..window_count), unordered */
	uint32_t window_count;
	uint32_t window_cap;
	uint64_t mapped_bytes;
	struct validate_serials clipboard_requests;
	struct validate_serials pings;
	/* The rule the last refused message broke; VALIDATE_OK after an
	 * accepted one. */
	enum validate_error error;
};

void validate_init(struct validate_state *state, const struct validate_limits *limits);
void validate_finish(struct validate_state *state);
/* Forgets every window and buffer: the VM disconnected. */
void validate_reset(struct validate_state *state);

/*
 * Checks msg, decoded from the VM, against state. If it is allowed, records
 * its effect (a window or buffer created or destroyed, a request answered)
 * and returns true. Otherwise returns false, changes nothing but
 * state->error, and writes into why the rule that was broken, in words for
 * a log line ("rect 3 exceeds buffer 2 (250x250)"). Running out of memory
 * is also refused (the VM is then disconnected like for a violation: dom0
 * must not grow without bound).
 */
bool validate_msg(struct validate_state *state, const struct wire_msg *msg,
	char why[static VALIDATE_WHY_MAX]);

/*
 * Records a message dom0 is about to send, and gives CONFIGURE,
 * CLIPBOARD_REQUEST and PING their serials (so acks and answers can be
 * checked). False for a CONFIGURE of a window the VM does not have: a
 * bridge bug, and nothing is recorded.
 */
bool validate_outgoing(struct validate_state *state, struct wire_msg *msg);

/* The window with this id, or NULL. */
const struct validate_window *validate_find_window(const struct validate_state *state, uint32_t id);

/* A short, stable name of a rule, for tests and logs. */
const char *validate_error_str(enum validate_error error);

#endif
