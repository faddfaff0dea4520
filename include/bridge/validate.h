/*
 * The stateful checks of what a VM says: each decoded message against the
 * windows and buffers that VM has created and against its limits. The
 * decoder (wire/codec.h) has already checked the message's shape, counts
 * and value ranges; this layer knows what exists.
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

#include "wire/protocol.h"

#define VALIDATE_MAX_BUFFERS_PER_WINDOW 4
/* Room for the longest reason validate_msg() writes. */
#define VALIDATE_WHY_MAX 160

struct validate_limits {
	uint32_t max_windows;
	uint64_t max_buffer_bytes; /* all of a VM's mapped buffers */
};

struct validate_buffer {
	uint32_t id; /* WIRE_ID_INVALID: slot unused */
	uint32_t width, height;
	uint64_t bytes; /* what mapping it costs: whole pages */
};

struct validate_window {
	uint32_t id;
	struct validate_buffer buffers[VALIDATE_MAX_BUFFERS_PER_WINDOW];
};

struct validate_state {
	struct validate_limits limits;
	bool hello_seen;
	struct validate_window *windows; /* [0..window_count), unordered */
	uint32_t window_count;
	uint32_t window_cap;
	uint64_t mapped_bytes;
};

void validate_init(struct validate_state *state,
	const struct validate_limits *limits);
void validate_finish(struct validate_state *state);
/* Forgets every window and buffer: the VM disconnected. */
void validate_reset(struct validate_state *state);

/*
 * Checks msg, decoded from the VM, against state. If it is allowed, records
 * its effect (a window or buffer created or destroyed) and returns true.
 * Otherwise returns false, changes nothing, and writes into why the rule
 * that was broken, in words for a log line ("rect 3 exceeds buffer 2
 * (250x250)"). Running out of memory is also refused (the VM is then
 * disconnected like for a violation: dom0 must not grow without bound).
 */
bool validate_msg(struct validate_state *state, const struct wire_msg *msg,
	char why[static VALIDATE_WHY_MAX]);

#endif
