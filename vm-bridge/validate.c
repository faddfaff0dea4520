/*
 * The rules a VM's messages must follow, beyond their shape. Each rule has
 * its own error and reason text, so a log line says exactly which one a VM
 * broke. Values are named untrusted_* until the rule that bounds them has
 * passed.
 */
#include "vm-bridge/validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/wire/codec.h"

/* Writes why, records the rule, and refuses. */
__attribute__((format(printf, 4, 5))) static bool refuse(struct validate_state *state,
	enum validate_error error, char why[static VALIDATE_WHY_MAX], const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	vsnprintf(why, VALIDATE_WHY_MAX, fmt, args);
	va_end(args);
	state->error = error;
	return false;
}

const char *validate_error_str(enum validate_error error)
{
	switch (error) {
	case VALIDATE_OK:
		return "ok";
	case VALIDATE_ERR_NO_HELLO:
		return "no-hello";
	case VALIDATE_ERR_HELLO_AGAIN:
		return "hello-again";
	case VALIDATE_ERR_VERSION:
		return "version";
	case VALIDATE_ERR_NOT_FROM_VM:
		return "not-from-vm";
	case VALIDATE_ERR_ID_ZERO:
		return "id-zero";
	case VALIDATE_ERR_WINDOW_EXISTS:
		return "window-exists";
	case VALIDATE_ERR_NO_WINDOW:
		return "no-window";
	case VALIDATE_ERR_WINDOW_LIMIT:
		return "window-limit";
	case VALIDATE_ERR_NO_PARENT:
		return "no-parent";
	case VALIDATE_ERR_PARENT_KIND:
		return "parent-kind";
	case VALIDATE_ERR_HAS_CHILDREN:
		return "has-children";
	case VALIDATE_ERR_WRONG_KIND:
		return "wrong-kind";
	case VALIDATE_ERR_POSITION:
		return "position";
	case VALIDATE_ERR_BUFFER_EXISTS:
		return "buffer-exists";
	case VALIDATE_ERR_NO_BUFFER:
		return "no-buffer";
	case VALIDATE_ERR_BUFFER_LIMIT:
		return "buffer-limit";
	case VALIDATE_ERR_BUFFER_SHAPE:
		return "buffer-shape";
	case VALIDATE_ERR_QUOTA:
		return "quota";
	case VALIDATE_ERR_DAMAGE_COUNT:
		return "damage-count";
	case VALIDATE_ERR_DAMAGE_OUTSIDE:
		return "damage-outside";
	case VALIDATE_ERR_TOO_LONG:
		return "too-long";
	case VALIDATE_ERR_ACK_SERIAL:
		return "ack-serial";
	case VALIDATE_ERR_CLIPBOARD_UNREQUESTED:
		return "clipboard-unrequested";
	case VALIDATE_ERR_PONG_UNREQUESTED:
		return "pong-unrequested";
	case VALIDATE_ERR_NO_MEMORY:
		return "no-memory";
	}
	return "unknown";
}

void validate_init(struct validate_state *state, const struct validate_limits *limits)
{
	memset(state, 0, sizeof(*state));
	state->limits = *limits;
}

void validate_finish(struct validate_state *state)
{
	free(state->windows);
	state->windows = NULL;
	state->window_count = 0;
	state->window_cap = 0;
	state->mapped_bytes = 0;
	state->hello_seen = false;
}

void validate_reset(struct validate_state *state)
{
	struct validate_limits limits = state->limits;
	validate_finish(state);
	validate_init(state, &limits);
}

static struct validate_window *find_window(struct validate_state *state, uint32_t untrusted_id)
{
	for (uint32_t i = 0; i < state->window_count; i++) {
		if (state->windows[i].id == untrusted_id) {
			return &state->windows[i];
		}
	}
	return NULL;
}

const struct validate_window *validate_find_window(const struct validate_state *state, uint32_t id)
{
	return find_window((struct validate_state *)state, id);
}

static struct validate_buffer *find_buffer(struct validate_window *window, uint32_t untrusted_id)
{
	if (untrusted_id == WIRE_ID_INVALID) {
		return NULL;
	}
	for (size_t i = 0; i < VALIDATE_MAX_BUFFERS_PER_WINDOW; i++) {
		if (window->buffers[i].id == untrusted_id) {
			return &window->buffers[i];
		}
	}
	return NULL;
}

/* The next serial for a request; 0 is skipped so that it never names one. */
static uint32_t serial_send(struct validate_serials *serials)
{
	if (++serials->sent == 0) {
		serials->sent = 1;
		/* Wrapped after 2^32 requests: only the new one counts. */
		serials->answered = 0;
	}
	return serials->sent;
}

/* True, and the serial and every older one answered, if it is
 * outstanding. Unsigned differences: no overflow, wrap included. */
static bool serial_answer(struct validate_serials *serials, uint32_t untrusted_serial)
{
	uint32_t outstanding = serials->sent - serials->answered;
	uint32_t distance = untrusted_serial - serials->answered;
	if (distance == 0 || distance > outstanding) {
		return false;
	}
	serials->answered = untrusted_serial;
	return true;
}

static bool check_hello(struct validate_state *state, const struct wire_hello *hello, char *why)
{
	if (state->hello_seen) {
		return refuse(state, VALIDATE_ERR_HELLO_AGAIN, why, "HELLO sent a second time");
	}
	if (hello->version != WIRE_VERSION) {
		return refuse(state, VALIDATE_ERR_VERSION, why,
			"protocol version %u, this bridge speaks %u", hello->version,
			(unsigned)WIRE_VERSION);
	}
	state->hello_seen = true;
	state->vm_capabilities = hello->capabilities;
	return true;
}

static bool window_has_children(const struct validate_state *state, uint32_t id)
{
	for (uint32_t i = 0; i < state->window_count; i++) {
		if (state->windows[i].parent_id == id) {
			return true;
		}
	}
	return false;
}

static bool position_ok(int32_t x, int32_t y)
{
	return x >= -WIRE_MAX_WIDTH && x <= WIRE_MAX_WIDTH && y >= -WIRE_MAX_HEIGHT &&
		y <= WIRE_MAX_HEIGHT;
}

/*
 * The parent rules. A parent exists before its child and neither kind nor
 * parent ever changes, and a window with children cannot be destroyed, so
 * the parent links always form a forest: no loop can be built.
 */
static bool check_parent(struct validate_state *state, const struct wire_window_create *create,
	char *why)
{
	uint32_t untrusted_parent = create->parent_id;
	if (create->kind == WIRE_WINDOW_POPUP) {
		if (untrusted_parent == WIRE_ID_INVALID) {
			return refuse(state, VALIDATE_ERR_NO_PARENT, why, "popup %u has no parent",
				create->window_id);
		}
		if (!position_ok(create->x, create->y)) {
			return refuse(state, VALIDATE_ERR_POSITION, why,
				"popup %u at %d,%d is out of bounds", create->window_id, create->x,
				create->y);
		}
	} else if (create->kind != WIRE_WINDOW_TOPLEVEL) {
		return refuse(state, VALIDATE_ERR_WRONG_KIND, why, "window %u of kind %u",
			create->window_id, create->kind);
	}
	if (untrusted_parent == WIRE_ID_INVALID) {
		return true;
	}
	const struct validate_window *parent = find_window(state, untrusted_parent);
	if (parent == NULL || untrusted_parent == create->window_id) {
		return refuse(state, VALIDATE_ERR_NO_PARENT, why,
			"parent %u of window %u does not exist", untrusted_parent,
			create->window_id);
	}
	/* A dialog belongs to an application window, never to a menu. */
	if (create->kind == WIRE_WINDOW_TOPLEVEL && parent->kind != WIRE_WINDOW_TOPLEVEL) {
		return refuse(state, VALIDATE_ERR_PARENT_KIND, why,
			"toplevel %u has popup %u as parent", create->window_id, parent->id);
	}
	return true;
}

static bool check_window_create(struct validate_state *state,
	const struct wire_window_create *create, char *why)
{
	uint32_t untrusted_id = create->window_id;
	if (untrusted_id == WIRE_ID_INVALID) {
		return refuse(state, VALIDATE_ERR_ID_ZERO, why, "window id 0 is not valid");
	}
	if (find_window(state, untrusted_id) != NULL) {
		return refuse(state, VALIDATE_ERR_WINDOW_EXISTS, why, "window %u already exists",
			untrusted_id);
	}
	if (!check_parent(state, create, why)) {
		return false;
	}
	if (state->window_count >= state->limits.max_windows) {
		return refuse(state, VALIDATE_ERR_WINDOW_LIMIT, why,
			"window %u would exceed the limit of %u windows", untrusted_id,
			state->limits.max_windows);
	}
	if (state->window_count == state->window_cap) {
		/* Doubling, capped at the limit: max_windows bounds it. */
		uint32_t cap = state->window_cap == 0 ? 8 : state->window_cap * 2;
		if (cap > state->limits.max_windows || cap < state->window_cap) {
			cap = state->limits.max_windows;
		}
		struct validate_window *windows =
			realloc(state->windows, (size_t)cap * sizeof(*windows));
		if (windows == NULL) {
			return refuse(state, VALIDATE_ERR_NO_MEMORY, why,
				"out of memory for window %u", untrusted_id);
		}
		state->windows = windows;
		state->window_cap = cap;
	}
	struct validate_window *window = &state->windows[state->window_count++];
	memset(window, 0, sizeof(*window));
	window->id = untrusted_id;
	window->kind = create->kind;
	window->parent_id = create->parent_id;
	return true;
}

static bool check_window_destroy(struct validate_state *state,
	const struct wire_window_destroy *destroy, char *why)
{
	struct validate_window *window = find_window(state, destroy->window_id);
	if (window == NULL) {
		return refuse(state, VALIDATE_ERR_NO_WINDOW, why, "no window %u",
			destroy->window_id);
	}
	if (window_has_children(state, window->id)) {
		return refuse(state, VALIDATE_ERR_HAS_CHILDREN, why, "window %u still has children",
			window->id);
	}
	for (size_t i = 0; i < VALIDATE_MAX_BUFFERS_PER_WINDOW; i++) {
		/* Never more than was added: no underflow. */
		state->mapped_bytes -= window->buffers[i].bytes;
	}
	/* Unordered: the last one fills the hole. */
	*window = state->windows[--state->window_count];
	return true;
}

/* The window a message names, which must be of kind (or any, if -1). */
static struct validate_window *window_of_kind(struct validate_state *state, uint32_t untrusted_id,
	int kind, const char *what, char *why)
{
	struct validate_window *window = find_window(state, untrusted_id);
	if (window == NULL) {
		refuse(state, VALIDATE_ERR_NO_WINDOW, why, "no window %u", untrusted_id);
		return NULL;
	}
	if (kind >= 0 && window->kind != (uint32_t)kind) {
		refuse(state, VALIDATE_ERR_WRONG_KIND, why, "%s for window %u, a %s", what,
			window->id, window->kind == WIRE_WINDOW_POPUP ? "popup" : "toplevel");
		return NULL;
	}
	return window;
}

static bool check_window_title(struct validate_state *state, const struct wire_window_title *title,
	char *why)
{
	if (window_of_kind(state, title->window_id, WIRE_WINDOW_TOPLEVEL, "a title", why) == NULL) {
		return false;
	}
	if (title->length > WIRE_MAX_TITLE_BYTES) {
		return refuse(state, VALIDATE_ERR_TOO_LONG, why, "title of %u bytes is over %u",
			title->length, (unsigned)WIRE_MAX_TITLE_BYTES);
	}
	return true;
}

static bool check_window_app_id(struct validate_state *state,
	const struct wire_window_app_id *app_id, char *why)
{
	if (window_of_kind(state, app_id->window_id, WIRE_WINDOW_TOPLEVEL, "an app id", why) ==
		NULL) {
		return false;
	}
	if (app_id->length > WIRE_MAX_APP_ID_BYTES) {
		return refuse(state, VALIDATE_ERR_TOO_LONG, why, "app id of %u bytes is over %u",
			app_id->length, (unsigned)WIRE_MAX_APP_ID_BYTES);
	}
	return true;
}

static bool check_window_move(struct validate_state *state, const struct wire_window_move *move,
	char *why)
{
	if (window_of_kind(state, move->window_id, WIRE_WINDOW_POPUP, "a move", why) == NULL) {
		return false;
	}
	/* Checked again on every move, not only at creation. */
	if (!position_ok(move->x, move->y)) {
		return refuse(state, VALIDATE_ERR_POSITION, why,
			"popup %u moved to %d,%d, out of bounds", move->window_id, move->x,
			move->y);
	}
	return true;
}

static bool check_configure_ack(struct validate_state *state, const struct wire_configure_ack *ack,
	char *why)
{
	struct validate_window *window = window_of_kind(state, ack->window_id, -1, "an ack", why);
	if (window == NULL) {
		return false;
	}
	if (!serial_answer(&window->configures, ack->serial)) {
		return refuse(state, VALIDATE_ERR_ACK_SERIAL, why,
			"window %u acks configure %u, dom0 sent none such (last %u, acked %u)",
			window->id, ack->serial, window->configures.sent,
			window->configures.answered);
	}
	return true;
}

static bool check_buffer_create(struct validate_state *state,
	const struct wire_buffer_create *create, char *why)
{
	struct validate_window *window = find_window(state, create->window_id);
	if (window == NULL) {
		return refuse(state, VALIDATE_ERR_NO_WINDOW, why, "no window %u",
			create->window_id);
	}
	uint32_t untrusted_id = create->buffer_id;
	if (untrusted_id == WIRE_ID_INVALID) {
		return refuse(state, VALIDATE_ERR_ID_ZERO, why, "buffer id 0 is not valid");
	}
	if (find_buffer(window, untrusted_id) != NULL) {
		return refuse(state, VALIDATE_ERR_BUFFER_EXISTS, why,
			"buffer %u already exists in window %u", untrusted_id, window->id);
	}
	struct validate_buffer *slot = NULL;
	for (size_t i = 0; i < VALIDATE_MAX_BUFFERS_PER_WINDOW; i++) {
		if (window->buffers[i].id == WIRE_ID_INVALID) {
			slot = &window->buffers[i];
			break;
		}
	}
	if (slot == NULL) {
		return refuse(state, VALIDATE_ERR_BUFFER_LIMIT, why,
			"buffer %u would exceed %d buffers in window %u", untrusted_id,
			VALIDATE_MAX_BUFFERS_PER_WINDOW, window->id);
	}
	/* The decoder asked the same question; ask again rather than
	 * rely on a caller for a bound that protects memory. */
	if (!wire_buffer_layout_ok(create)) {
		return refuse(state, VALIDATE_ERR_BUFFER_SHAPE, why,
			"buffer %u: %ux%u, stride %u, %u pages do not fit together", untrusted_id,
			create->width, create->height, create->stride, create->ref_count);
	}
	/* At most 16384 pages of 4 KiB: no overflow in 64 bits. */
	uint64_t untrusted_bytes = (uint64_t)create->ref_count * WIRE_PAGE_SIZE;
	/* mapped_bytes <= max_buffer_bytes always holds, so the
	 * subtraction cannot wrap. */
	if (untrusted_bytes > state->limits.max_buffer_bytes - state->mapped_bytes) {
		return refuse(state, VALIDATE_ERR_QUOTA, why,
			"buffer %u of %llu bytes would exceed the quota of %llu bytes (%llu in use)",
			untrusted_id, (unsigned long long)untrusted_bytes,
			(unsigned long long)state->limits.max_buffer_bytes,
			(unsigned long long)state->mapped_bytes);
	}
	slot->id = untrusted_id;
	slot->width = create->width;
	slot->height = create->height;
	slot->bytes = untrusted_bytes;
	state->mapped_bytes += slot->bytes;
	return true;
}

static bool check_buffer_destroy(struct validate_state *state,
	const struct wire_buffer_destroy *destroy, char *why)
{
	struct validate_window *window = find_window(state, destroy->window_id);
	if (window == NULL) {
		return refuse(state, VALIDATE_ERR_NO_WINDOW, why, "no window %u",
			destroy->window_id);
	}
	struct validate_buffer *buffer = find_buffer(window, destroy->buffer_id);
	if (buffer == NULL) {
		return refuse(state, VALIDATE_ERR_NO_BUFFER, why, "no buffer %u in window %u",
			destroy->buffer_id, window->id);
	}
	state->mapped_bytes -= buffer->bytes;
	memset(buffer, 0, sizeof(*buffer));
	return true;
}

/* True if r lies inside a width x height buffer. No sum is computed that
 * could wrap: each end is compared by subtraction from a bound. */
static bool rect_inside(const struct wire_rect *r, uint32_t width, uint32_t height)
{
	if (r->x < 0 || r->y < 0 || r->width <= 0 || r->height <= 0) {
		return false;
	}
	uint32_t x = (uint32_t)r->x, y = (uint32_t)r->y;
	uint32_t w = (uint32_t)r->width, h = (uint32_t)r->height;
	return x <= width && w <= width - x && y <= height && h <= height - y;
}

static bool check_damage(struct validate_state *state, const struct wire_damage *damage, char *why)
{
	struct validate_window *window = find_window(state, damage->window_id);
	if (window == NULL) {
		return refuse(state, VALIDATE_ERR_NO_WINDOW, why, "no window %u",
			damage->window_id);
	}
	struct validate_buffer *buffer = find_buffer(window, damage->buffer_id);
	if (buffer == NULL) {
		return refuse(state, VALIDATE_ERR_NO_BUFFER, why, "no buffer %u in window %u",
			damage->buffer_id, window->id);
	}
	if (damage->rect_count == 0 || damage->rect_count > WIRE_MAX_DAMAGE_RECTS) {
		return refuse(state, VALIDATE_ERR_DAMAGE_COUNT, why, "%u rects is outside 1..%d",
			damage->rect_count, WIRE_MAX_DAMAGE_RECTS);
	}
	for (uint32_t i = 0; i < damage->rect_count; i++) {
		const struct wire_rect *r = &damage->rects[i];
		if (!rect_inside(r, buffer->width, buffer->height)) {
			return refuse(state, VALIDATE_ERR_DAMAGE_OUTSIDE, why,
				"rect %u (%d,%d %dx%d) exceeds buffer %u (%ux%u)", i, r->x, r->y,
				r->width, r->height, buffer->id, buffer->width, buffer->height);
		}
	}
	return true;
}

static bool check_clipboard_data(struct validate_state *state,
	const struct wire_clipboard_data *data, char *why)
{
	if (data->length > WIRE_MAX_CLIPBOARD_BYTES) {
		return refuse(state, VALIDATE_ERR_TOO_LONG, why, "clipboard of %u bytes is over %u",
			data->length, (unsigned)WIRE_MAX_CLIPBOARD_BYTES);
	}
	/* Qubes' rule: the VM's clipboard is only taken when dom0 asked
	 * for it, once per request. */
	if (!serial_answer(&state->clipboard_requests, data->serial)) {
		return refuse(state, VALIDATE_ERR_CLIPBOARD_UNREQUESTED, why,
			"clipboard data for request %u, dom0 has none outstanding of that serial",
			data->serial);
	}
	return true;
}

static bool check_pong(struct validate_state *state, const struct wire_ping *pong, char *why)
{
	if (!serial_answer(&state->pings, pong->serial)) {
		return refuse(state, VALIDATE_ERR_PONG_UNREQUESTED, why,
			"PONG %u answers no outstanding PING", pong->serial);
	}
	return true;
}

static bool check_msg(struct validate_state *state, const struct wire_msg *msg, char *why)
{
	if (!state->hello_seen && msg->type != WIRE_HELLO) {
		return refuse(state, VALIDATE_ERR_NO_HELLO, why, "the first message must be HELLO");
	}
	switch (msg->type) {
	case WIRE_HELLO:
		return check_hello(state, &msg->hello, why);
	case WIRE_WINDOW_CREATE:
		return check_window_create(state, &msg->window_create, why);
	case WIRE_WINDOW_DESTROY:
		return check_window_destroy(state, &msg->window_destroy, why);
	case WIRE_WINDOW_TITLE:
		return check_window_title(state, &msg->window_title, why);
	case WIRE_WINDOW_APP_ID:
		return check_window_app_id(state, &msg->window_app_id, why);
	case WIRE_WINDOW_HINTS:
		return window_of_kind(state, msg->window_hints.window_id, WIRE_WINDOW_TOPLEVEL,
			       "size hints", why) != NULL;
	case WIRE_WINDOW_REQUEST:
		return window_of_kind(state, msg->window_request.window_id, WIRE_WINDOW_TOPLEVEL,
			       "a state request", why) != NULL;
	case WIRE_WINDOW_MOVE:
		return check_window_move(state, &msg->window_move, why);
	case WIRE_CONFIGURE_ACK:
		return check_configure_ack(state, &msg->configure_ack, why);
	case WIRE_BUFFER_CREATE:
		return check_buffer_create(state, &msg->buffer_create, why);
	case WIRE_BUFFER_DESTROY:
		return check_buffer_destroy(state, &msg->buffer_destroy, why);
	case WIRE_DAMAGE:
		return check_damage(state, &msg->damage, why);
	case WIRE_DAMAGE_PART:
		/* Checked as a DAMAGE: its buffer exists, its rectangles
		 * lie inside it. */
		return check_damage(state, &msg->damage_part, why);
	case WIRE_CURSOR_IMAGE:
		/* Stateless: the decoder checked size, hotspot, length. */
		return true;
	case WIRE_CLIPBOARD_DATA:
		return check_clipboard_data(state, &msg->clipboard_data, why);
	case WIRE_PONG:
		return check_pong(state, &msg->pong, why);
	case WIRE_FRAME_DONE:
	case WIRE_BUFFER_RELEASE:
	case WIRE_CONFIGURE:
	case WIRE_CLOSE:
	case WIRE_KEYMAP:
	case WIRE_KEY:
	case WIRE_MODIFIERS:
	case WIRE_KEYBOARD_ENTER:
	case WIRE_KEYBOARD_LEAVE:
	case WIRE_POINTER_ENTER:
	case WIRE_POINTER_LEAVE:
	case WIRE_POINTER_MOTION:
	case WIRE_POINTER_BUTTON:
	case WIRE_POINTER_AXIS:
	case WIRE_POINTER_FRAME:
	case WIRE_CLIPBOARD_REQUEST:
	case WIRE_CLIPBOARD_SET:
	case WIRE_PING:
		break;
	}
	return refuse(state, VALIDATE_ERR_NOT_FROM_VM, why, "type %u is not a VM message",
		(unsigned)msg->type);
}

bool validate_msg(struct validate_state *state, const struct wire_msg *msg,
	char why[static VALIDATE_WHY_MAX])
{
	why[0] = '\0';
	state->error = VALIDATE_OK;
	return check_msg(state, msg, why);
}

bool validate_outgoing(struct validate_state *state, struct wire_msg *msg)
{
	switch (msg->type) {
	case WIRE_CONFIGURE: {
		struct validate_window *window = find_window(state, msg->configure.window_id);
		if (window == NULL) {
			return false;
		}
		msg->configure.serial = serial_send(&window->configures);
		return true;
	}
	case WIRE_CLIPBOARD_REQUEST:
		msg->clipboard_request.serial = serial_send(&state->clipboard_requests);
		return true;
	case WIRE_PING:
		msg->ping.serial = serial_send(&state->pings);
		return true;
	default:
		return true;
	}
}
