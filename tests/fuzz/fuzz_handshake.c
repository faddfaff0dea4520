/*
 * A VM connection from dom0's side. The socket transport's preamble check
 * (vchan/socket.c) reads an fd's seals and size and has no pure part to
 * fuzz, so this fuzzes what follows it: the VM's byte stream decoded as the
 * bridge's receive loop does (wire_decode from the VM, then validate_msg,
 * stopping at the first refusal).
 *
 * The input also stands for what dom0 sends: a message of a dom0-only type
 * (the decoder says "direction" when reading it as the VM's) is decoded as
 * dom0's and passed to validate_outgoing at that point of the stream, as
 * vm_link_send does. So CONFIGURE then CONFIGURE_ACK, PING then PONG and
 * CLIPBOARD_REQUEST then CLIPBOARD_DATA are reachable.
 *
 * Beside it runs a model of protocols/wire-protocol.md sections 5 and 8,
 * written from the spec and not from validate.c, and the target aborts
 * when the two disagree on any message, either way: validate_msg accepts
 * exactly the messages the model calls legal. The model also checks what
 * the decoder promises the validator (a VM's HELLO has dom0's fields 0)
 * and that the ledger (windows, kinds, parents, mapped bytes) is the
 * model's after every message.
 *
 * MULLION_FUZZ_TRACE=1 prints one line per message (tests/fuzz/
 * make_corpus.py --check reads them to test its seeds against this code).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm-bridge/validate.h"
#include "common/wire/codec.h"
#include "common/wire/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Small, so the fuzzer reaches the limits with short inputs. */
#define MAX_WINDOWS 8
#define MAX_BUFFER_BYTES (1024u * 1024u)
#define MAX_BUFFERS VALIDATE_MAX_BUFFERS_PER_WINDOW

/* Requests dom0 sent and the VM answered; no input is long enough to
 * wrap a counter, so plain comparisons model the serial rules. */
struct model_serials {
	uint32_t sent, answered;
};

struct model_buffer {
	uint32_t id; /* 0: slot unused */
	uint32_t width, height;
	uint64_t bytes;
};

struct model_window {
	uint32_t id, kind, parent_id;
	struct model_serials configures;
	struct model_buffer buffers[MAX_BUFFERS];
};

struct model {
	bool hello_seen;
	uint32_t capabilities;
	struct model_window windows[MAX_WINDOWS];
	uint32_t window_count;
	uint64_t mapped_bytes;
	struct model_serials clipboard_requests, pings;
};

static bool trace;

static void fail(const char *what, const struct wire_msg *msg, size_t index)
{
	fprintf(stderr, "fuzz_handshake: message %zu (%s): %s\n", index,
		wire_msg_type_str(msg->type), what);
	abort();
}

static struct model_window *model_window(struct model *model, uint32_t id)
{
	for (uint32_t i = 0; i < model->window_count; i++) {
		if (model->windows[i].id == id) {
			return &model->windows[i];
		}
	}
	return NULL;
}

static struct model_buffer *model_buffer(struct model_window *window, uint32_t id)
{
	for (size_t i = 0; i < MAX_BUFFERS; i++) {
		if (id != WIRE_ID_INVALID && window->buffers[i].id == id) {
			return &window->buffers[i];
		}
	}
	return NULL;
}

static bool outstanding(const struct model_serials *serials, uint32_t serial)
{
	return serial > serials->answered && serial <= serials->sent;
}

/* Section 8: the first rule a message from the VM breaks, or NULL if it
 * is legal. Only reads the model. */
static const char *broken_rule(struct model *model, const struct wire_msg *msg)
{
	if (msg->type == WIRE_HELLO) {
		if (model->hello_seen) {
			return "a second HELLO";
		}
		/* Capabilities are not judged: unknown bits are ignored. */
		return msg->hello.version != WIRE_VERSION ? "a HELLO of another version" : NULL;
	}
	if (!model->hello_seen) {
		return "a message before HELLO";
	}
	struct model_window *window = NULL;
	struct model_buffer *buffer = NULL;
	switch (msg->type) {
	case WIRE_WINDOW_CREATE: {
		const struct wire_window_create *c = &msg->window_create;
		if (model_window(model, c->window_id) != NULL) {
			return "a window id already alive";
		}
		struct model_window *parent =
			c->parent_id == WIRE_ID_INVALID ? NULL : model_window(model, c->parent_id);
		if (c->parent_id != WIRE_ID_INVALID && parent == NULL) {
			return "a parent that is not alive";
		}
		if (c->kind == WIRE_WINDOW_POPUP && parent == NULL) {
			return "a popup without a parent";
		}
		if (c->kind == WIRE_WINDOW_TOPLEVEL && parent != NULL &&
			parent->kind != WIRE_WINDOW_TOPLEVEL) {
			return "a toplevel with a popup as parent";
		}
		if (model->window_count == MAX_WINDOWS) {
			return "a window over max_windows";
		}
		return NULL;
	}
	case WIRE_WINDOW_DESTROY:
		window = model_window(model, msg->window_destroy.window_id);
		if (window == NULL) {
			return "destroys a window not alive";
		}
		for (uint32_t i = 0; i < model->window_count; i++) {
			if (model->windows[i].parent_id == window->id) {
				return "destroys a window with children";
			}
		}
		return NULL;
	case WIRE_WINDOW_TITLE:
	case WIRE_WINDOW_APP_ID:
	case WIRE_WINDOW_HINTS:
	case WIRE_WINDOW_REQUEST:
		/* The window id is the first word of each. */
		window = model_window(model, msg->window_title.window_id);
		if (window == NULL) {
			return "names a window not alive";
		}
		return window->kind != WIRE_WINDOW_TOPLEVEL ? "a toplevel's message for a popup"
							    : NULL;
	case WIRE_WINDOW_MOVE:
		window = model_window(model, msg->window_move.window_id);
		if (window == NULL) {
			return "moves a window not alive";
		}
		/* The position's bounds are the decoder's (and equal). */
		return window->kind != WIRE_WINDOW_POPUP ? "moves a toplevel" : NULL;
	case WIRE_CONFIGURE_ACK:
		window = model_window(model, msg->configure_ack.window_id);
		if (window == NULL) {
			return "acks for a window not alive";
		}
		return !outstanding(&window->configures, msg->configure_ack.serial)
			? "acks a configure not outstanding"
			: NULL;
	case WIRE_BUFFER_CREATE: {
		const struct wire_buffer_create *b = &msg->buffer_create;
		window = model_window(model, b->window_id);
		if (window == NULL) {
			return "a buffer for a window not alive";
		}
		if (model_buffer(window, b->buffer_id) != NULL) {
			return "a buffer id alive in this window";
		}
		uint32_t used = 0;
		for (size_t i = 0; i < MAX_BUFFERS; i++) {
			used += window->buffers[i].id != WIRE_ID_INVALID;
		}
		if (used == MAX_BUFFERS) {
			return "a buffer over the window's limit";
		}
		uint64_t bytes = (uint64_t)b->ref_count * WIRE_PAGE_SIZE;
		return model->mapped_bytes + bytes > MAX_BUFFER_BYTES ? "a buffer over the quota"
								      : NULL;
	}
	case WIRE_BUFFER_DESTROY:
	case WIRE_DAMAGE:
	case WIRE_DAMAGE_PART: {
		/* All start with window_id, buffer_id; DAMAGE_PART is
		 * DAMAGE's body (the codec fills damage for both). */
		bool damage = msg->type != WIRE_BUFFER_DESTROY;
		uint32_t wid = damage ? msg->damage.window_id : msg->buffer_destroy.window_id;
		uint32_t bid = damage ? msg->damage.buffer_id : msg->buffer_destroy.buffer_id;
		window = model_window(model, wid);
		if (window == NULL) {
			return "names a window not alive";
		}
		buffer = model_buffer(window, bid);
		if (buffer == NULL) {
			return "names a buffer not alive";
		}
		if (msg->type == WIRE_BUFFER_DESTROY) {
			return NULL;
		}
		for (uint32_t i = 0; i < msg->damage.rect_count; i++) {
			/* The decoder bounds each to 0..8192: 64 bits add. */
			const struct wire_rect *r = &msg->damage.rects[i];
			if ((int64_t)r->x + r->width > buffer->width ||
				(int64_t)r->y + r->height > buffer->height) {
				return "damage outside its buffer";
			}
		}
		return NULL;
	}
	case WIRE_CURSOR_IMAGE:
		return NULL;
	case WIRE_CLIPBOARD_DATA:
		return !outstanding(&model->clipboard_requests, msg->clipboard_data.serial)
			? "clipboard data nobody asked for"
			: NULL;
	case WIRE_PONG:
		return !outstanding(&model->pings, msg->pong.serial)
			? "a PONG of no outstanding PING"
			: NULL;
	default:
		return "a dom0 type from the VM";
	}
}

/* A legal, accepted message's effect. */
static void model_apply(struct model *model, const struct wire_msg *msg)
{
	struct model_window *window;
	struct model_buffer *buffer;
	switch (msg->type) {
	case WIRE_HELLO:
		model->hello_seen = true;
		model->capabilities = msg->hello.capabilities;
		break;
	case WIRE_WINDOW_CREATE:
		window = &model->windows[model->window_count++];
		memset(window, 0, sizeof(*window));
		window->id = msg->window_create.window_id;
		window->kind = msg->window_create.kind;
		window->parent_id = msg->window_create.parent_id;
		break;
	case WIRE_WINDOW_DESTROY:
		window = model_window(model, msg->window_destroy.window_id);
		for (size_t i = 0; i < MAX_BUFFERS; i++) {
			model->mapped_bytes -= window->buffers[i].bytes;
		}
		*window = model->windows[--model->window_count];
		break;
	case WIRE_CONFIGURE_ACK:
		window = model_window(model, msg->configure_ack.window_id);
		window->configures.answered = msg->configure_ack.serial;
		break;
	case WIRE_BUFFER_CREATE:
		window = model_window(model, msg->buffer_create.window_id);
		/* broken_rule found a free slot. */
		buffer = window->buffers;
		while (buffer->id != WIRE_ID_INVALID) {
			buffer++;
		}
		buffer->id = msg->buffer_create.buffer_id;
		buffer->width = msg->buffer_create.width;
		buffer->height = msg->buffer_create.height;
		buffer->bytes = (uint64_t)msg->buffer_create.ref_count * WIRE_PAGE_SIZE;
		model->mapped_bytes += buffer->bytes;
		break;
	case WIRE_BUFFER_DESTROY:
		window = model_window(model, msg->buffer_destroy.window_id);
		buffer = model_buffer(window, msg->buffer_destroy.buffer_id);
		model->mapped_bytes -= buffer->bytes;
		memset(buffer, 0, sizeof(*buffer));
		break;
	case WIRE_CLIPBOARD_DATA:
		model->clipboard_requests.answered = msg->clipboard_data.serial;
		break;
	case WIRE_PONG:
		model->pings.answered = msg->pong.serial;
		break;
	default:
		break;
	}
}

/* What the decoder promises about a message from the VM. */
static void check_decoded(const struct wire_msg *msg, size_t index)
{
	const struct wire_hello *h = &msg->hello;
	if (msg->type == WIRE_HELLO &&
		(h->output_width != 0 || h->output_height != 0 || h->output_scale != 0 ||
			h->max_windows != 0 || h->max_buffer_mib != 0)) {
		fail("the decoder passed a VM HELLO with dom0's fields set", msg, index);
	}
}

static void check_incoming(struct validate_state *state, struct model *model,
	const struct wire_msg *msg, bool accepted, size_t index)
{
	const char *rule = broken_rule(model, msg);
	if (accepted && rule != NULL) {
		char what[160];
		snprintf(what, sizeof(what), "accepted %s", rule);
		fail(what, msg, index);
	}
	if (!accepted && rule == NULL) {
		fail("refused a legal message", msg, index);
	}
	if (accepted) {
		model_apply(model, msg);
		if (msg->type == WIRE_HELLO && state->vm_capabilities != model->capabilities) {
			fail("the VM's capabilities not recorded", msg, index);
		}
	}
}

/* dom0 sends msg: the validator gives its serial, the model expects it. */
static void check_outgoing(struct validate_state *state, struct model *model, struct wire_msg *msg,
	size_t index)
{
	bool sent = validate_outgoing(state, msg);
	struct model_window *window = NULL;
	switch (msg->type) {
	case WIRE_CONFIGURE:
		window = model_window(model, msg->configure.window_id);
		if (sent != (window != NULL)) {
			fail(sent ? "sent a CONFIGURE for a window not alive"
				  : "refused a CONFIGURE for a live window",
				msg, index);
		}
		if (sent && msg->configure.serial != ++window->configures.sent) {
			fail("CONFIGURE serial out of step", msg, index);
		}
		break;
	case WIRE_CLIPBOARD_REQUEST:
		if (!sent || msg->clipboard_request.serial != ++model->clipboard_requests.sent) {
			fail("CLIPBOARD_REQUEST serial out of step", msg, index);
		}
		break;
	case WIRE_PING:
		if (!sent || msg->ping.serial != ++model->pings.sent) {
			fail("PING serial out of step", msg, index);
		}
		break;
	default:
		if (!sent) {
			fail("refused to send a message with no serial", msg, index);
		}
		break;
	}
	if (trace) {
		fprintf(stderr, "trace: out %s %s\n", wire_msg_type_str(msg->type),
			sent ? "sent" : "unsent");
	}
}

static void check_state(const struct validate_state *state, const struct model *model,
	const struct wire_msg *msg, size_t index)
{
	if (state->hello_seen != model->hello_seen || state->window_count != model->window_count ||
		state->window_count > state->window_cap || state->window_cap > MAX_WINDOWS) {
		fail("window ledger out of step", msg, index);
	}
	for (uint32_t i = 0; i < model->window_count; i++) {
		const struct model_window *m = &model->windows[i];
		const struct validate_window *w = validate_find_window(state, m->id);
		if (w == NULL || w->kind != m->kind || w->parent_id != m->parent_id) {
			fail("a window's kind or parent out of step", msg, index);
		}
	}
	if (state->mapped_bytes != model->mapped_bytes || state->mapped_bytes > MAX_BUFFER_BYTES) {
		fail("mapped bytes out of step or over the quota", msg, index);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	trace = getenv("MULLION_FUZZ_TRACE") != NULL;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (trace) {
		/* libFuzzer may run a file input more than once; the
		 * reader keeps the last run. */
		fprintf(stderr, "trace: begin\n");
	}
	const struct validate_limits limits = {
		.max_windows = MAX_WINDOWS,
		.max_buffer_bytes = MAX_BUFFER_BYTES,
	};
	struct validate_state state;
	validate_init(&state, &limits);
	struct model model;
	memset(&model, 0, sizeof(model));

	size_t offset = 0;
	for (size_t index = 0;; index++) {
		struct wire_msg msg;
		size_t consumed = 0;
		enum wire_status status =
			wire_decode(data + offset, size - offset, WIRE_FROM_VM, &msg, &consumed);
		if (status == WIRE_ERR_DIRECTION) {
			status = wire_decode(data + offset, size - offset, WIRE_FROM_DOM0, &msg,
				&consumed);
			if (status == WIRE_OK) {
				offset += consumed;
				check_outgoing(&state, &model, &msg, index);
				check_state(&state, &model, &msg, index);
				continue;
			}
		}
		if (status != WIRE_OK) {
			/* incomplete: wait; otherwise: disconnect */
			if (trace) {
				fprintf(stderr, "trace: stop %s at %zu of %zu\n",
					wire_status_str(status), offset, size);
			}
			break;
		}
		offset += consumed;
		check_decoded(&msg, index);

		char why[VALIDATE_WHY_MAX];
		memset(why, 'x', sizeof(why));
		bool accepted = validate_msg(&state, &msg, why);
		if (memchr(why, '\0', sizeof(why)) == NULL) {
			fail("reason not NUL-terminated", &msg, index);
		}
		if (!accepted && why[0] == '\0') {
			fail("refused without a reason", &msg, index);
		}
		if (accepted != (state.error == VALIDATE_OK)) {
			fail("the recorded rule disagrees with the answer", &msg, index);
		}
		if (trace) {
			fprintf(stderr, "trace: in %s %s\n", wire_msg_type_str(msg.type),
				accepted ? "accepted" : validate_error_str(state.error));
		}
		check_incoming(&state, &model, &msg, accepted, index);
		check_state(&state, &model, &msg, index);
		if (!accepted) {
			break; /* the bridge disconnects the VM */
		}
	}

	/* Disconnect: the ledger forgets the VM, and a new HELLO starts a
	 * new connection. */
	validate_reset(&state);
	if (state.window_count != 0 || state.mapped_bytes != 0 || state.hello_seen) {
		fprintf(stderr, "fuzz_handshake: reset kept state\n");
		abort();
	}
	validate_finish(&state);
	return 0;
}
