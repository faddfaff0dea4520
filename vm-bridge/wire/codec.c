/*
 * The wire codec. The decoder is dom0's first contact with VM bytes, so it
 * is written to be audited as a unit: every field is read through get_u32()
 * at an offset that has already been checked against the body length, and
 * every check is in the order protocols/wire-protocol.md gives.
 *
 * The encoder runs the same check functions as the decoder on the message
 * it is given, so it can never produce bytes the decoder refuses.
 */
#include "wire/codec.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "wire/protocol.h"

/* Fixed parts of the bodies; variable parts follow them. */
#define HELLO_SIZE 12
#define WINDOW_CREATE_SIZE 12
#define WINDOW_DESTROY_SIZE 4
#define WINDOW_TITLE_FIXED 8
#define BUFFER_CREATE_FIXED 28
#define BUFFER_DESTROY_SIZE 8
#define DAMAGE_FIXED 12
#define DAMAGE_RECT_SIZE 16
#define FRAME_DONE_SIZE 8
#define BUFFER_RELEASE_SIZE 8
#define CONFIGURE_SIZE 12
#define CLOSE_SIZE 4

const char *wire_status_str(enum wire_status status)
{
	switch (status) {
	case WIRE_OK:
		return "ok";
	case WIRE_INCOMPLETE:
		return "incomplete";
	case WIRE_ERR_UNKNOWN_TYPE:
		return "unknown-type";
	case WIRE_ERR_DIRECTION:
		return "direction";
	case WIRE_ERR_TOO_LARGE:
		return "too-large";
	case WIRE_ERR_LENGTH:
		return "length";
	case WIRE_ERR_COUNT:
		return "count";
	case WIRE_ERR_VALUE:
		return "value";
	}
	return "unknown";
}

const char *wire_msg_type_str(uint32_t type)
{
	switch (type) {
	case WIRE_HELLO:
		return "HELLO";
	case WIRE_WINDOW_CREATE:
		return "WINDOW_CREATE";
	case WIRE_WINDOW_DESTROY:
		return "WINDOW_DESTROY";
	case WIRE_WINDOW_TITLE:
		return "WINDOW_TITLE";
	case WIRE_BUFFER_CREATE:
		return "BUFFER_CREATE";
	case WIRE_BUFFER_DESTROY:
		return "BUFFER_DESTROY";
	case WIRE_DAMAGE:
		return "DAMAGE";
	case WIRE_FRAME_DONE:
		return "FRAME_DONE";
	case WIRE_BUFFER_RELEASE:
		return "BUFFER_RELEASE";
	case WIRE_CONFIGURE:
		return "CONFIGURE";
	case WIRE_CLOSE:
		return "CLOSE";
	}
	return "unknown";
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
}

/* Two's complement without relying on implementation-defined casts. */
static int32_t get_i32(const uint8_t *p)
{
	uint32_t u = get_u32(p);
	if (u <= INT32_MAX) {
		return (int32_t)u;
	}
	return -(int32_t)(~u) - 1;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put_i32(uint8_t *p, int32_t v)
{
	put_u32(p, (uint32_t)v);
}

uint32_t wire_ref_at(const struct wire_buffer_create *buffer, uint32_t i)
{
	assert(i < buffer->ref_count);
	return get_u32(buffer->refs + (size_t)i * 4);
}

void wire_ref_set(uint8_t *refs, uint32_t i, uint32_t ref)
{
	put_u32(refs + (size_t)i * 4, ref);
}

static bool type_known(uint32_t type)
{
	return strcmp(wire_msg_type_str(type), "unknown") != 0;
}

static bool direction_ok(uint32_t type, enum wire_sender from)
{
	if (type == WIRE_HELLO) {
		return from == WIRE_FROM_VM || from == WIRE_FROM_DOM0;
	}
	if ((type & 0xf0u) == 0x10u) {
		return from == WIRE_FROM_VM;
	}
	if ((type & 0xf0u) == 0x40u) {
		return from == WIRE_FROM_DOM0;
	}
	return false;
}

/* Body size for fixed-size types; 0 for those with a variable part. */
static uint32_t fixed_body_size(uint32_t type)
{
	switch (type) {
	case WIRE_HELLO:
		return HELLO_SIZE;
	case WIRE_WINDOW_CREATE:
		return WINDOW_CREATE_SIZE;
	case WIRE_WINDOW_DESTROY:
		return WINDOW_DESTROY_SIZE;
	case WIRE_BUFFER_DESTROY:
		return BUFFER_DESTROY_SIZE;
	case WIRE_FRAME_DONE:
		return FRAME_DONE_SIZE;
	case WIRE_BUFFER_RELEASE:
		return BUFFER_RELEASE_SIZE;
	case WIRE_CONFIGURE:
		return CONFIGURE_SIZE;
	case WIRE_CLOSE:
		return CLOSE_SIZE;
	default:
		return 0;
	}
}

/*
 * Count bounds, shared by decoder and encoder. The body sizes these imply
 * stay far below UINT32_MAX, so the size sums below cannot wrap.
 */
static bool title_count_ok(uint32_t length)
{
	return length <= WIRE_MAX_TITLE_BYTES;
}

static bool damage_count_ok(uint32_t rect_count)
{
	return rect_count >= 1 && rect_count <= WIRE_MAX_DAMAGE_RECTS;
}

static bool refs_count_ok(uint32_t ref_count)
{
	return ref_count <= WIRE_MAX_BUFFER_REFS;
}

static bool size_ok(uint32_t width, uint32_t height)
{
	return width <= WIRE_MAX_WIDTH && height <= WIRE_MAX_HEIGHT;
}

static enum wire_status check_buffer_create(const struct wire_buffer_create *b)
{
	if (b->window_id == WIRE_ID_INVALID ||
			b->buffer_id == WIRE_ID_INVALID) {
		return WIRE_ERR_VALUE;
	}
	if (b->width < 1 || b->width > WIRE_MAX_WIDTH ||
			b->height < 1 || b->height > WIRE_MAX_HEIGHT) {
		return WIRE_ERR_VALUE;
	}
	/* width <= 8192, so width * 4 cannot wrap. */
	if (b->stride < b->width * 4 || b->stride % 4 != 0) {
		return WIRE_ERR_VALUE;
	}
	uint64_t bytes = (uint64_t)b->stride * b->height;
	if (bytes > WIRE_MAX_BUFFER_BYTES) {
		return WIRE_ERR_VALUE;
	}
	if (b->format != WIRE_FORMAT_ARGB8888 &&
			b->format != WIRE_FORMAT_XRGB8888) {
		return WIRE_ERR_VALUE;
	}
	uint64_t pages = (bytes + WIRE_PAGE_SIZE - 1) / WIRE_PAGE_SIZE;
	if (b->ref_count != pages) {
		return WIRE_ERR_COUNT;
	}
	return WIRE_OK;
}

static enum wire_status check_rect(const struct wire_rect *r)
{
	if (r->x < 0 || r->y < 0 || r->width <= 0 || r->height <= 0) {
		return WIRE_ERR_VALUE;
	}
	/* No buffer is larger than the maximum, so neither is its damage;
	 * this also keeps x + width from overflowing in any receiver. */
	if (r->x > WIRE_MAX_WIDTH - r->width ||
			r->y > WIRE_MAX_HEIGHT - r->height) {
		return WIRE_ERR_VALUE;
	}
	return WIRE_OK;
}

/* Value checks on a message whose counts are already in bounds. */
static enum wire_status check_values(const struct wire_msg *msg)
{
	switch (msg->type) {
	case WIRE_HELLO:
		/* Version agreement is the receiver's: it must answer. */
		return WIRE_OK;
	case WIRE_WINDOW_CREATE:
		if (msg->window_create.window_id == WIRE_ID_INVALID ||
				!size_ok(msg->window_create.width,
					msg->window_create.height)) {
			return WIRE_ERR_VALUE;
		}
		return WIRE_OK;
	case WIRE_WINDOW_DESTROY:
		return msg->window_destroy.window_id == WIRE_ID_INVALID ?
			WIRE_ERR_VALUE : WIRE_OK;
	case WIRE_WINDOW_TITLE:
		return msg->window_title.window_id == WIRE_ID_INVALID ?
			WIRE_ERR_VALUE : WIRE_OK;
	case WIRE_BUFFER_CREATE:
		return check_buffer_create(&msg->buffer_create);
	case WIRE_BUFFER_DESTROY:
		if (msg->buffer_destroy.window_id == WIRE_ID_INVALID ||
				msg->buffer_destroy.buffer_id == WIRE_ID_INVALID) {
			return WIRE_ERR_VALUE;
		}
		return WIRE_OK;
	case WIRE_DAMAGE:
		if (msg->damage.window_id == WIRE_ID_INVALID ||
				msg->damage.buffer_id == WIRE_ID_INVALID) {
			return WIRE_ERR_VALUE;
		}
		for (uint32_t i = 0; i < msg->damage.rect_count; i++) {
			if (check_rect(&msg->damage.rects[i]) != WIRE_OK) {
				return WIRE_ERR_VALUE;
			}
		}
		return WIRE_OK;
	case WIRE_FRAME_DONE:
		return msg->frame_done.window_id == WIRE_ID_INVALID ?
			WIRE_ERR_VALUE : WIRE_OK;
	case WIRE_BUFFER_RELEASE:
		if (msg->buffer_release.window_id == WIRE_ID_INVALID ||
				msg->buffer_release.buffer_id == WIRE_ID_INVALID) {
			return WIRE_ERR_VALUE;
		}
		return WIRE_OK;
	case WIRE_CONFIGURE:
		if (msg->configure.window_id == WIRE_ID_INVALID ||
				!size_ok(msg->configure.width,
					msg->configure.height)) {
			return WIRE_ERR_VALUE;
		}
		return WIRE_OK;
	case WIRE_CLOSE:
		return msg->close.window_id == WIRE_ID_INVALID ?
			WIRE_ERR_VALUE : WIRE_OK;
	}
	return WIRE_ERR_UNKNOWN_TYPE;
}

/*
 * Parse a body whose type, direction and complete arrival are known.
 * Reads nothing past body[0..length).
 */
static enum wire_status decode_body(uint32_t type, const uint8_t *body,
	uint32_t length, struct wire_msg *msg)
{
	uint32_t fixed = fixed_body_size(type);
	if (fixed != 0 && length != fixed) {
		return WIRE_ERR_LENGTH;
	}

	msg->type = (enum wire_msg_type)type;
	switch (type) {
	case WIRE_HELLO:
		msg->hello.version = get_u32(body);
		msg->hello.output_width = get_u32(body + 4);
		msg->hello.output_height = get_u32(body + 8);
		break;
	case WIRE_WINDOW_CREATE:
		msg->window_create.window_id = get_u32(body);
		msg->window_create.width = get_u32(body + 4);
		msg->window_create.height = get_u32(body + 8);
		break;
	case WIRE_WINDOW_DESTROY:
		msg->window_destroy.window_id = get_u32(body);
		break;
	case WIRE_WINDOW_TITLE: {
		if (length < WINDOW_TITLE_FIXED) {
			return WIRE_ERR_LENGTH;
		}
		uint32_t untrusted_length = get_u32(body + 4);
		if (!title_count_ok(untrusted_length)) {
			return WIRE_ERR_COUNT;
		}
		if (length != WINDOW_TITLE_FIXED + untrusted_length) {
			return WIRE_ERR_LENGTH;
		}
		msg->window_title.window_id = get_u32(body);
		msg->window_title.length = untrusted_length;
		msg->window_title.title = (const char *)body + WINDOW_TITLE_FIXED;
		break;
	}
	case WIRE_BUFFER_CREATE: {
		if (length < BUFFER_CREATE_FIXED) {
			return WIRE_ERR_LENGTH;
		}
		uint32_t untrusted_count = get_u32(body + 24);
		if (!refs_count_ok(untrusted_count)) {
			return WIRE_ERR_COUNT;
		}
		if (length != BUFFER_CREATE_FIXED + 4 * untrusted_count) {
			return WIRE_ERR_LENGTH;
		}
		struct wire_buffer_create *b = &msg->buffer_create;
		b->window_id = get_u32(body);
		b->buffer_id = get_u32(body + 4);
		b->width = get_u32(body + 8);
		b->height = get_u32(body + 12);
		b->stride = get_u32(body + 16);
		b->format = get_u32(body + 20);
		b->ref_count = untrusted_count;
		b->refs = body + BUFFER_CREATE_FIXED;
		break;
	}
	case WIRE_BUFFER_DESTROY:
		msg->buffer_destroy.window_id = get_u32(body);
		msg->buffer_destroy.buffer_id = get_u32(body + 4);
		break;
	case WIRE_DAMAGE: {
		if (length < DAMAGE_FIXED) {
			return WIRE_ERR_LENGTH;
		}
		uint32_t untrusted_count = get_u32(body + 8);
		if (!damage_count_ok(untrusted_count)) {
			return WIRE_ERR_COUNT;
		}
		if (length != DAMAGE_FIXED + DAMAGE_RECT_SIZE * untrusted_count) {
			return WIRE_ERR_LENGTH;
		}
		msg->damage.window_id = get_u32(body);
		msg->damage.buffer_id = get_u32(body + 4);
		msg->damage.rect_count = untrusted_count;
		for (uint32_t i = 0; i < untrusted_count; i++) {
			const uint8_t *r = body + DAMAGE_FIXED +
				(size_t)i * DAMAGE_RECT_SIZE;
			msg->damage.rects[i] = (struct wire_rect){
				.x = get_i32(r),
				.y = get_i32(r + 4),
				.width = get_i32(r + 8),
				.height = get_i32(r + 12),
			};
		}
		break;
	}
	case WIRE_FRAME_DONE:
		msg->frame_done.window_id = get_u32(body);
		msg->frame_done.time_msec = get_u32(body + 4);
		break;
	case WIRE_BUFFER_RELEASE:
		msg->buffer_release.window_id = get_u32(body);
		msg->buffer_release.buffer_id = get_u32(body + 4);
		break;
	case WIRE_CONFIGURE:
		msg->configure.window_id = get_u32(body);
		msg->configure.width = get_u32(body + 4);
		msg->configure.height = get_u32(body + 8);
		break;
	case WIRE_CLOSE:
		msg->close.window_id = get_u32(body);
		break;
	default:
		return WIRE_ERR_UNKNOWN_TYPE;
	}
	return check_values(msg);
}

enum wire_status wire_decode(const uint8_t *data, size_t len,
	enum wire_sender from, struct wire_msg *msg, size_t *consumed)
{
	if (len < WIRE_HEADER_SIZE) {
		return WIRE_INCOMPLETE;
	}
	uint32_t untrusted_type = get_u32(data);
	uint32_t untrusted_length = get_u32(data + 4);

	/* Decided from the header alone, so a reader never buffers (or
	 * waits for) a body it will refuse anyway. */
	if (untrusted_length > WIRE_MAX_BODY_SIZE) {
		return WIRE_ERR_TOO_LARGE;
	}
	uint32_t length = untrusted_length;
	if (len - WIRE_HEADER_SIZE < length) {
		return WIRE_INCOMPLETE;
	}
	if (!type_known(untrusted_type)) {
		return WIRE_ERR_UNKNOWN_TYPE;
	}
	uint32_t type = untrusted_type;
	if (!direction_ok(type, from)) {
		return WIRE_ERR_DIRECTION;
	}

	/* Decode into a scratch copy: *msg is only written on success. */
	struct wire_msg decoded;
	memset(&decoded, 0, sizeof(decoded));
	enum wire_status status =
		decode_body(type, data + WIRE_HEADER_SIZE, length, &decoded);
	if (status != WIRE_OK) {
		return status;
	}
	*msg = decoded;
	*consumed = WIRE_HEADER_SIZE + (size_t)length;
	return WIRE_OK;
}

/* Body length of msg, or 0 if a count is out of bounds. */
static uint32_t encoded_body_size(const struct wire_msg *msg)
{
	switch (msg->type) {
	case WIRE_WINDOW_TITLE:
		if (!title_count_ok(msg->window_title.length) ||
				(msg->window_title.length > 0 &&
				msg->window_title.title == NULL)) {
			return 0;
		}
		return WINDOW_TITLE_FIXED + msg->window_title.length;
	case WIRE_BUFFER_CREATE:
		if (!refs_count_ok(msg->buffer_create.ref_count) ||
				(msg->buffer_create.ref_count > 0 &&
				msg->buffer_create.refs == NULL)) {
			return 0;
		}
		return BUFFER_CREATE_FIXED + 4 * msg->buffer_create.ref_count;
	case WIRE_DAMAGE:
		if (!damage_count_ok(msg->damage.rect_count)) {
			return 0;
		}
		return DAMAGE_FIXED + DAMAGE_RECT_SIZE * msg->damage.rect_count;
	default:
		return fixed_body_size(msg->type);
	}
}

size_t wire_encode(const struct wire_msg *msg, enum wire_sender from,
	uint8_t *out, size_t cap)
{
	if (!type_known(msg->type) || !direction_ok(msg->type, from)) {
		return 0;
	}
	uint32_t length = encoded_body_size(msg);
	if (length == 0 || length > WIRE_MAX_BODY_SIZE) {
		return 0;
	}
	if (check_values(msg) != WIRE_OK) {
		return 0;
	}
	size_t total = WIRE_HEADER_SIZE + (size_t)length;
	if (out == NULL || cap < total) {
		return 0;
	}

	put_u32(out, msg->type);
	put_u32(out + 4, length);
	uint8_t *body = out + WIRE_HEADER_SIZE;
	switch (msg->type) {
	case WIRE_HELLO:
		put_u32(body, msg->hello.version);
		put_u32(body + 4, msg->hello.output_width);
		put_u32(body + 8, msg->hello.output_height);
		break;
	case WIRE_WINDOW_CREATE:
		put_u32(body, msg->window_create.window_id);
		put_u32(body + 4, msg->window_create.width);
		put_u32(body + 8, msg->window_create.height);
		break;
	case WIRE_WINDOW_DESTROY:
		put_u32(body, msg->window_destroy.window_id);
		break;
	case WIRE_WINDOW_TITLE:
		put_u32(body, msg->window_title.window_id);
		put_u32(body + 4, msg->window_title.length);
		if (msg->window_title.length > 0) {
			memcpy(body + WINDOW_TITLE_FIXED, msg->window_title.title,
				msg->window_title.length);
		}
		break;
	case WIRE_BUFFER_CREATE: {
		const struct wire_buffer_create *b = &msg->buffer_create;
		put_u32(body, b->window_id);
		put_u32(body + 4, b->buffer_id);
		put_u32(body + 8, b->width);
		put_u32(body + 12, b->height);
		put_u32(body + 16, b->stride);
		put_u32(body + 20, b->format);
		put_u32(body + 24, b->ref_count);
		memcpy(body + BUFFER_CREATE_FIXED, b->refs,
			(size_t)b->ref_count * 4);
		break;
	}
	case WIRE_BUFFER_DESTROY:
		put_u32(body, msg->buffer_destroy.window_id);
		put_u32(body + 4, msg->buffer_destroy.buffer_id);
		break;
	case WIRE_DAMAGE:
		put_u32(body, msg->damage.window_id);
		put_u32(body + 4, msg->damage.buffer_id);
		put_u32(body + 8, msg->damage.rect_count);
		for (uint32_t i = 0; i < msg->damage.rect_count; i++) {
			uint8_t *r = body + DAMAGE_FIXED +
				(size_t)i * DAMAGE_RECT_SIZE;
			put_i32(r, msg->damage.rects[i].x);
			put_i32(r + 4, msg->damage.rects[i].y);
			put_i32(r + 8, msg->damage.rects[i].width);
			put_i32(r + 12, msg->damage.rects[i].height);
		}
		break;
	case WIRE_FRAME_DONE:
		put_u32(body, msg->frame_done.window_id);
		put_u32(body + 4, msg->frame_done.time_msec);
		break;
	case WIRE_BUFFER_RELEASE:
		put_u32(body, msg->buffer_release.window_id);
		put_u32(body + 4, msg->buffer_release.buffer_id);
		break;
	case WIRE_CONFIGURE:
		put_u32(body, msg->configure.window_id);
		put_u32(body + 4, msg->configure.width);
		put_u32(body + 8, msg->configure.height);
		break;
	case WIRE_CLOSE:
		put_u32(body, msg->close.window_id);
		break;
	}
	return total;
}
