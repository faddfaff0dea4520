/*
 * The rules a VM's messages must follow, beyond their shape. Each rule has
 * its own reason text, so a log line says exactly which one a VM broke.
 * Values are named untrusted_* until the rule that bounds them has passed.
 */
#include "bridge/validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((format(printf, 2, 3)))
static bool refuse(char why[static VALIDATE_WHY_MAX], const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	vsnprintf(why, VALIDATE_WHY_MAX, fmt, args);
	va_end(args);
	return false;
}

void validate_init(struct validate_state *state,
	const struct validate_limits *limits)
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

static struct validate_window *find_window(struct validate_state *state,
	uint32_t untrusted_id)
{
	for (uint32_t i = 0; i < state->window_count; i++) {
		if (state->windows[i].id == untrusted_id) {
			return &state->windows[i];
		}
	}
	return NULL;
}

static struct validate_buffer *find_buffer(struct validate_window *window,
	uint32_t untrusted_id)
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

static bool check_hello(struct validate_state *state,
	const struct wire_hello *hello, char *why)
{
	if (state->hello_seen) {
		return refuse(why, "HELLO sent a second time");
	}
	if (hello->version != WIRE_VERSION) {
		return refuse(why, "protocol version %u, this bridge speaks %u",
			hello->version, (unsigned)WIRE_VERSION);
	}
	state->hello_seen = true;
	return true;
}

static bool check_window_create(struct validate_state *state,
	const struct wire_window_create *create, char *why)
{
	uint32_t untrusted_id = create->window_id;
	if (untrusted_id == WIRE_ID_INVALID) {
		return refuse(why, "window id 0 is not valid");
	}
	if (find_window(state, untrusted_id) != NULL) {
		return refuse(why, "window %u already exists", untrusted_id);
	}
	if (state->window_count >= state->limits.max_windows) {
		return refuse(why, "window %u would exceed the limit of %u "
			"windows", untrusted_id, state->limits.max_windows);
	}
	if (state->window_count == state->window_cap) {
		/* Doubling, capped at the limit: max_windows bounds it. */
		uint32_t cap = state->window_cap == 0 ? 8 :
			state->window_cap * 2;
		if (cap > state->limits.max_windows ||
				cap < state->window_cap) {
			cap = state->limits.max_windows;
		}
		struct validate_window *windows = realloc(state->windows,
			(size_t)cap * sizeof(*windows));
		if (windows == NULL) {
			return refuse(why, "out of memory for window %u",
				untrusted_id);
		}
		state->windows = windows;
		state->window_cap = cap;
	}
	uint32_t id = untrusted_id;
	struct validate_window *window = &state->windows[state->window_count++];
	memset(window, 0, sizeof(*window));
	window->id = id;
	return true;
}

static bool check_window_destroy(struct validate_state *state,
	const struct wire_window_destroy *destroy, char *why)
{
	struct validate_window *window = find_window(state,
		destroy->window_id);
	if (window == NULL) {
		return refuse(why, "no window %u", destroy->window_id);
	}
	for (size_t i = 0; i < VALIDATE_MAX_BUFFERS_PER_WINDOW; i++) {
		/* Never more than was added: no underflow. */
		state->mapped_bytes -= window->buffers[i].bytes;
	}
	/* Unordered: the last one fills the hole. */
	*window = state->windows[--state->window_count];
	return true;
}

static bool check_window_title(struct validate_state *state,
	const struct wire_window_title *title, char *why)
{
	if (find_window(state, title->window_id) == NULL) {
		return refuse(why, "no window %u", title->window_id);
	}
	if (title->length > WIRE_MAX_TITLE_BYTES) {
		return refuse(why, "title of %u bytes is over %u",
			title->length, (unsigned)WIRE_MAX_TITLE_BYTES);
	}
	return true;
}

static bool check_buffer_create(struct validate_state *state,
	const struct wire_buffer_create *create, char *why)
{
	struct validate_window *window = find_window(state, create->window_id);
	if (window == NULL) {
		return refuse(why, "no window %u", create->window_id);
	}
	uint32_t untrusted_id = create->buffer_id;
	if (untrusted_id == WIRE_ID_INVALID) {
		return refuse(why, "buffer id 0 is not valid");
	}
	if (find_buffer(window, untrusted_id) != NULL) {
		return refuse(why, "buffer %u already exists in window %u",
			untrusted_id, window->id);
	}
	struct validate_buffer *slot = NULL;
	for (size_t i = 0; i < VALIDATE_MAX_BUFFERS_PER_WINDOW; i++) {
		if (window->buffers[i].id == WIRE_ID_INVALID) {
			slot = &window->buffers[i];
			break;
		}
	}
	if (slot == NULL) {
		return refuse(why, "buffer %u would exceed %d buffers in "
			"window %u", untrusted_id,
			VALIDATE_MAX_BUFFERS_PER_WINDOW, window->id);
	}
	/* The decoder bounded these; check again rather than rely on a
	 * file elsewhere for a bound that protects memory. */
	if (create->width == 0 || create->width > WIRE_MAX_WIDTH ||
			create->height == 0 ||
			create->height > WIRE_MAX_HEIGHT ||
			create->ref_count > WIRE_MAX_BUFFER_REFS ||
			(uint64_t)create->stride * create->height >
			(uint64_t)create->ref_count * WIRE_PAGE_SIZE) {
		return refuse(why, "buffer %u: %ux%u, stride %u, %u pages do "
			"not fit together", untrusted_id, create->width,
			create->height, create->stride, create->ref_count);
	}
	/* At most 16384 pages of 4 KiB: no overflow in 64 bits. */
	uint64_t untrusted_bytes = (uint64_t)create->ref_count * WIRE_PAGE_SIZE;
	/* mapped_bytes <= max_buffer_bytes always holds, so the
	 * subtraction cannot wrap. */
	if (untrusted_bytes > state->limits.max_buffer_bytes -
			state->mapped_bytes) {
		return refuse(why, "buffer %u of %llu bytes would exceed the "
			"quota of %llu bytes (%llu in use)", untrusted_id,
			(unsigned long long)untrusted_bytes,
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
	struct validate_window *window = find_window(state,
		destroy->window_id);
	if (window == NULL) {
		return refuse(why, "no window %u", destroy->window_id);
	}
	struct validate_buffer *buffer = find_buffer(window,
		destroy->buffer_id);
	if (buffer == NULL) {
		return refuse(why, "no buffer %u in window %u",
			destroy->buffer_id, window->id);
	}
	state->mapped_bytes -= buffer->bytes;
	memset(buffer, 0, sizeof(*buffer));
	return true;
}

/* True if r lies inside a width x height buffer. No sum is computed that
 * could wrap: each end is compared by subtraction from a bound. */
static bool rect_inside(const struct wire_rect *r, uint32_t width,
	uint32_t height)
{
	if (r->x < 0 || r->y < 0 || r->width <= 0 || r->height <= 0) {
		return false;
	}
	uint32_t x = (uint32_t)r->x, y = (uint32_t)r->y;
	uint32_t w = (uint32_t)r->width, h = (uint32_t)r->height;
	return x <= width && w <= width - x && y <= height &&
		h <= height - y;
}

static bool check_damage(struct validate_state *state,
	const struct wire_damage *damage, char *why)
{
	struct validate_window *window = find_window(state, damage->window_id);
	if (window == NULL) {
		return refuse(why, "no window %u", damage->window_id);
	}
	struct validate_buffer *buffer = find_buffer(window,
		damage->buffer_id);
	if (buffer == NULL) {
		return refuse(why, "no buffer %u in window %u",
			damage->buffer_id, window->id);
	}
	if (damage->rect_count == 0 ||
			damage->rect_count > WIRE_MAX_DAMAGE_RECTS) {
		return refuse(why, "%u rects is outside 1..%d",
			damage->rect_count, WIRE_MAX_DAMAGE_RECTS);
	}
	for (uint32_t i = 0; i < damage->rect_count; i++) {
		const struct wire_rect *r = &damage->rects[i];
		if (!rect_inside(r, buffer->width, buffer->height)) {
			return refuse(why, "rect %u (%d,%d %dx%d) exceeds "
				"buffer %u (%ux%u)", i, r->x, r->y, r->width,
				r->height, buffer->id, buffer->width,
				buffer->height);
		}
	}
	return true;
}

bool validate_msg(struct validate_state *state, const struct wire_msg *msg,
	char why[static VALIDATE_WHY_MAX])
{
	why[0] = '\0';
	if (!state->hello_seen && msg->type != WIRE_HELLO) {
		return refuse(why, "the first message must be HELLO");
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
	case WIRE_BUFFER_CREATE:
		return check_buffer_create(state, &msg->buffer_create, why);
	case WIRE_BUFFER_DESTROY:
		return check_buffer_destroy(state, &msg->buffer_destroy, why);
	case WIRE_DAMAGE:
		return check_damage(state, &msg->damage, why);
	case WIRE_FRAME_DONE:
	case WIRE_BUFFER_RELEASE:
	case WIRE_CONFIGURE:
	case WIRE_CLOSE:
		break;
	}
	return refuse(why, "type %u is not a VM message", (unsigned)msg->type);
}
