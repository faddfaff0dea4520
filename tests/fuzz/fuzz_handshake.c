/*
 * The start of a VM connection, from dom0's side. The socket transport's
 * preamble check (vchan/socket.c) reads an fd's seals and size and has no
 * pure part to fuzz, so this fuzzes what follows it: the VM's byte stream
 * decoded as the bridge's receive loop does (wire_decode from the VM, then
 * validate_msg, stopping at the first refusal), with a small model of the
 * handshake beside it that aborts when the bridge and the spec disagree:
 * - until a HELLO of version WIRE_VERSION is accepted, every message is
 *   refused; that HELLO is accepted; any later HELLO is refused;
 * - an accepted WINDOW_CREATE names a window not alive and stays within
 *   max_windows; an accepted WINDOW_DESTROY, title, buffer or damage
 *   message names a live window;
 * - the ledger never exceeds its limits, and a refusal always says why.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge/validate.h"
#include "wire/codec.h"
#include "wire/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Small, so the fuzzer reaches the limits with short inputs. */
#define MAX_WINDOWS 8
#define MAX_BUFFER_BYTES (1024u * 1024u)

struct model {
	bool hello_seen;
	uint32_t windows[MAX_WINDOWS];
	uint32_t window_count;
};

static void fail(const char *what, const struct wire_msg *msg, size_t index)
{
	fprintf(stderr, "fuzz_handshake: message %zu (%s): %s\n", index,
		wire_msg_type_str(msg->type), what);
	abort();
}

static int model_find(const struct model *model, uint32_t id)
{
	for (uint32_t i = 0; i < model->window_count; i++) {
		if (model->windows[i] == id) {
			return (int)i;
		}
	}
	return -1;
}

/*
 * The window a message acts on, for the types whose window rule the model
 * knows. Types it does not know (and types added later) are left to
 * validate.c and its unit tests.
 */
static bool msg_window(const struct wire_msg *msg, uint32_t *id)
{
	switch (msg->type) {
	case WIRE_WINDOW_CREATE:
		*id = msg->window_create.window_id;
		return true;
	case WIRE_WINDOW_DESTROY:
		*id = msg->window_destroy.window_id;
		return true;
	case WIRE_WINDOW_TITLE:
		*id = msg->window_title.window_id;
		return true;
	case WIRE_BUFFER_CREATE:
		*id = msg->buffer_create.window_id;
		return true;
	case WIRE_BUFFER_DESTROY:
		*id = msg->buffer_destroy.window_id;
		return true;
	case WIRE_DAMAGE:
		*id = msg->damage.window_id;
		return true;
	default:
		return false;
	}
}

static void model_check(struct model *model, const struct wire_msg *msg,
	bool accepted, size_t index)
{
	if (!model->hello_seen) {
		bool first_ok = msg->type == WIRE_HELLO &&
			msg->hello.version == WIRE_VERSION;
		if (accepted != first_ok) {
			fail(accepted ? "accepted before a valid HELLO" :
				"refused a valid first HELLO", msg, index);
		}
		model->hello_seen = accepted;
		return;
	}
	if (msg->type == WIRE_HELLO) {
		if (accepted) {
			fail("accepted a second HELLO", msg, index);
		}
		return;
	}
	if (!accepted) {
		return;
	}
	uint32_t id;
	if (!msg_window(msg, &id)) {
		return;
	}
	int found = model_find(model, id);
	if (msg->type == WIRE_WINDOW_CREATE) {
		if (found >= 0) {
			fail("accepted a window id already alive", msg, index);
		}
		if (model->window_count == MAX_WINDOWS) {
			fail("accepted a window over max_windows", msg, index);
		}
		model->windows[model->window_count++] = id;
		return;
	}
	if (found < 0) {
		fail("accepted a message for a window not alive", msg, index);
	}
	if (msg->type == WIRE_WINDOW_DESTROY) {
		model->windows[found] = model->windows[--model->window_count];
	}
}

static void check_state(const struct validate_state *state,
	const struct model *model, const struct wire_msg *msg, size_t index)
{
	if (state->window_count != model->window_count ||
			state->window_count > state->window_cap ||
			state->window_cap > MAX_WINDOWS) {
		fail("window ledger out of step", msg, index);
	}
	if (state->mapped_bytes > MAX_BUFFER_BYTES) {
		fail("mapped bytes over the quota", msg, index);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct validate_limits limits = {
		.max_windows = MAX_WINDOWS,
		.max_buffer_bytes = MAX_BUFFER_BYTES,
	};
	struct validate_state state;
	validate_init(&state, &limits);
	struct model model = {0};

	size_t offset = 0;
	for (size_t index = 0;; index++) {
		struct wire_msg msg;
		size_t consumed = 0;
		enum wire_status status = wire_decode(data + offset,
			size - offset, WIRE_FROM_VM, &msg, &consumed);
		if (status != WIRE_OK) {
			break; /* incomplete: wait; otherwise: disconnect */
		}
		offset += consumed;

		char why[VALIDATE_WHY_MAX];
		memset(why, 'x', sizeof(why));
		bool accepted = validate_msg(&state, &msg, why);
		if (memchr(why, '\0', sizeof(why)) == NULL) {
			fail("reason not NUL-terminated", &msg, index);
		}
		if (!accepted && why[0] == '\0') {
			fail("refused without a reason", &msg, index);
		}
		model_check(&model, &msg, accepted, index);
		check_state(&state, &model, &msg, index);
		if (!accepted) {
			break; /* the bridge disconnects the VM */
		}
	}

	/* Disconnect: the ledger forgets the VM, and a new HELLO starts a
	 * new connection. */
	validate_reset(&state);
	if (state.window_count != 0 || state.mapped_bytes != 0 ||
			state.hello_seen) {
		fprintf(stderr, "fuzz_handshake: reset kept state\n");
		abort();
	}
	validate_finish(&state);
	return 0;
}
