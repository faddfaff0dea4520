/*
 * The wire codec. The decoder is dom0's first contact with VM bytes, so it
 * is written to be audited as a unit, in three parts:
 *
 * 1. msg_table: one row per type, as protocols/wire-protocol.md section 6
 *    gives it: who may send it, its fixed fields in wire order with the
 *    range of each, and its variable tail (element size, count bounds).
 *    Every body is a fixed part of u32 words, and where there is a tail,
 *    the fixed part's last word is the tail's element count.
 * 2. wire_decode: the checks every type shares, driven by the table, in
 *    the order the spec gives (section 3); no field is read before the
 *    body length is known to cover it.
 * 3. check_values: the table's ranges, then the few rules that relate
 *    one field to another (check_*).
 *
 * The encoder uses the same table and runs the same checks on the message
 * it is given, so it can never produce bytes the decoder refuses.
 */
#include "common/wire/codec.h"

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/wire/protocol.h"

#define VM (1u << WIRE_FROM_VM)
#define DOM0 (1u << WIRE_FROM_DOM0)
#define MAX_FIELDS 8
#define RECT_SIZE 16

/* One fixed word: where it goes, and the range it must lie in. */
struct field {
	uint16_t offset; /* in struct wire_msg */
	bool is_signed; /* compared as int32_t */
	int64_t min, max;
};

struct msg_desc {
	uint32_t type;
	const char *name;
	uint8_t senders; /* VM, DOM0 or both */
	uint8_t words; /* fixed part, in u32 words */
	struct field field[MAX_FIELDS]; /* in wire order */
	/* Tail: element size in bytes (0: none), count bounds. */
	uint8_t elem;
	uint32_t min_count, max_count;
};

/* The table reads as one row per message: keep it out of clang-format. */
/* clang-format off */
/*
 * The offset of a 4-byte field of struct wire_msg; a field of any other
 * size does not compile (char[-1]), so every table slot is a u32 or i32.
 */
#define OFFSET(member) (uint16_t)(offsetof(struct wire_msg, member) + \
	0 * sizeof(char[sizeof(((struct wire_msg *)0)->member) == 4 ? 1 : -1]))
/* Any value; an id (never 0); an unsigned range; a signed range. */
#define ANY(m) { OFFSET(m), false, 0, UINT32_MAX }
#define ID(m) { OFFSET(m), false, 1, UINT32_MAX }
#define U(m, min, max) { OFFSET(m), false, min, max }
#define S(m, min, max) { OFFSET(m), true, min, max }
#define W WIRE_MAX_WIDTH
#define H WIRE_MAX_HEIGHT
#define PX WIRE_MAX_POINTER_X
#define PY WIRE_MAX_POINTER_Y

/*
 * Every message type, as section 6 of the spec gives it. Ranges that
 * depend on other fields (a popup's parent, a buffer's stride, a cursor's
 * hotspot) are in the check_* functions below.
 */
static const struct msg_desc msg_table[] = {
	{ WIRE_HELLO, "HELLO", VM | DOM0, 7, { ANY(hello.version),
		U(hello.output_width, 0, W), U(hello.output_height, 0, H),
		ANY(hello.capabilities),
		U(hello.output_scale, 0, WIRE_MAX_OUTPUT_SCALE),
		U(hello.max_windows, 0, WIRE_MAX_WINDOWS_LIMIT),
		U(hello.max_buffer_mib, 0, WIRE_MAX_BUFFER_MIB_LIMIT) } },
	{ WIRE_WINDOW_CREATE, "WINDOW_CREATE", VM, 8, {
		ID(window_create.window_id), U(window_create.width, 0, W),
		U(window_create.height, 0, H),
		U(window_create.kind, 0, WIRE_WINDOW_POPUP),
		ANY(window_create.parent_id), S(window_create.x, -W, W),
		S(window_create.y, -H, H),
		U(window_create.flags, 0, WIRE_WINDOW_FLAGS_ALL) } },
	{ WIRE_WINDOW_DESTROY, "WINDOW_DESTROY", VM, 1, {
		ID(window_destroy.window_id) } },
	{ WIRE_WINDOW_TITLE, "WINDOW_TITLE", VM, 2, {
		ID(window_title.window_id), ANY(window_title.length) },
		1, 0, WIRE_MAX_TITLE_BYTES },
	{ WIRE_BUFFER_CREATE, "BUFFER_CREATE", VM, 7, {
		ID(buffer_create.window_id), ID(buffer_create.buffer_id),
		U(buffer_create.width, 1, W), U(buffer_create.height, 1, H),
		ANY(buffer_create.stride), ANY(buffer_create.format),
		ANY(buffer_create.ref_count) }, 4, 0, WIRE_MAX_BUFFER_REFS },
	{ WIRE_BUFFER_DESTROY, "BUFFER_DESTROY", VM, 2, {
		ID(buffer_destroy.window_id), ID(buffer_destroy.buffer_id) } },
	{ WIRE_DAMAGE, "DAMAGE", VM, 3, { ID(damage.window_id),
		ID(damage.buffer_id), ANY(damage.rect_count) },
		RECT_SIZE, 1, WIRE_MAX_DAMAGE_RECTS },
	{ WIRE_DAMAGE_PART, "DAMAGE_PART", VM, 3, { ID(damage_part.window_id),
		ID(damage_part.buffer_id), ANY(damage_part.rect_count) },
		RECT_SIZE, 1, WIRE_MAX_DAMAGE_RECTS },
	{ WIRE_WINDOW_APP_ID, "WINDOW_APP_ID", VM, 2, {
		ID(window_app_id.window_id), ANY(window_app_id.length) },
		1, 0, WIRE_MAX_APP_ID_BYTES },
	{ WIRE_WINDOW_HINTS, "WINDOW_HINTS", VM, 5, {
		ID(window_hints.window_id), U(window_hints.min_width, 0, W),
		U(window_hints.min_height, 0, H),
		U(window_hints.max_width, 0, W),
		U(window_hints.max_height, 0, H) } },
	{ WIRE_WINDOW_REQUEST, "WINDOW_REQUEST", VM, 2, {
		ID(window_request.window_id),
		U(window_request.request, WIRE_REQUEST_MAXIMIZE,
			WIRE_REQUEST_MINIMIZE) } },
	{ WIRE_WINDOW_MOVE, "WINDOW_MOVE", VM, 3, { ID(window_move.window_id),
		S(window_move.x, -W, W), S(window_move.y, -H, H) } },
	{ WIRE_CONFIGURE_ACK, "CONFIGURE_ACK", VM, 2, {
		ID(configure_ack.window_id), ANY(configure_ack.serial) } },
	{ WIRE_CURSOR_IMAGE, "CURSOR_IMAGE", VM, 5, {
		U(cursor_image.width, 0, WIRE_MAX_CURSOR_SIZE),
		U(cursor_image.height, 0, WIRE_MAX_CURSOR_SIZE),
		ANY(cursor_image.hotspot_x), ANY(cursor_image.hotspot_y),
		ANY(cursor_image.length) }, 1, 0, WIRE_MAX_CURSOR_BYTES },
	{ WIRE_CLIPBOARD_DATA, "CLIPBOARD_DATA", VM, 2, {
		ANY(clipboard_data.serial), ANY(clipboard_data.length) },
		1, 0, WIRE_MAX_CLIPBOARD_BYTES },
	{ WIRE_PONG, "PONG", VM, 1, { ANY(pong.serial) } },

	{ WIRE_FRAME_DONE, "FRAME_DONE", DOM0, 6, { ID(frame_done.window_id),
		ANY(frame_done.time_msec), ANY(frame_done.tv_sec_hi),
		ANY(frame_done.tv_sec_lo),
		U(frame_done.tv_nsec, 0, 999999999),
		ANY(frame_done.refresh_nsec) } },
	{ WIRE_BUFFER_RELEASE, "BUFFER_RELEASE", DOM0, 2, {
		ID(buffer_release.window_id), ID(buffer_release.buffer_id) } },
	{ WIRE_CONFIGURE, "CONFIGURE", DOM0, 5, { ID(configure.window_id),
		U(configure.width, 0, W), U(configure.height, 0, H),
		ANY(configure.serial),
		U(configure.states, 0, WIRE_STATE_ALL) } },
	{ WIRE_CLOSE, "CLOSE", DOM0, 1, { ID(close.window_id) } },
	{ WIRE_KEYMAP, "KEYMAP", DOM0, 3, {
		U(keymap.total_size, 1, WIRE_MAX_KEYMAP_BYTES),
		ANY(keymap.offset), ANY(keymap.length) },
		1, 1, WIRE_MAX_KEYMAP_CHUNK },
	{ WIRE_KEY, "KEY", DOM0, 3, { ANY(key.time_msec),
		U(key.keycode, 0, WIRE_MAX_KEYCODE),
		U(key.state, 0, WIRE_PRESSED) } },
	{ WIRE_MODIFIERS, "MODIFIERS", DOM0, 4, { ANY(modifiers.depressed),
		ANY(modifiers.latched), ANY(modifiers.locked),
		U(modifiers.group, 0, WIRE_MAX_XKB_GROUP) } },
	{ WIRE_KEYBOARD_ENTER, "KEYBOARD_ENTER", DOM0, 1, {
		ID(keyboard_enter.window_id) } },
	{ WIRE_KEYBOARD_LEAVE, "KEYBOARD_LEAVE", DOM0, 1, {
		ID(keyboard_leave.window_id) } },
	{ WIRE_POINTER_ENTER, "POINTER_ENTER", DOM0, 3, {
		ID(pointer_enter.window_id), S(pointer_enter.x, -PX, PX),
		S(pointer_enter.y, -PY, PY) } },
	{ WIRE_POINTER_LEAVE, "POINTER_LEAVE", DOM0, 1, {
		ID(pointer_leave.window_id) } },
	{ WIRE_POINTER_MOTION, "POINTER_MOTION", DOM0, 3, {
		ANY(pointer_motion.time_msec), S(pointer_motion.x, -PX, PX),
		S(pointer_motion.y, -PY, PY) } },
	{ WIRE_POINTER_BUTTON, "POINTER_BUTTON", DOM0, 3, {
		ANY(pointer_button.time_msec),
		U(pointer_button.button, WIRE_MIN_BUTTON, WIRE_MAX_BUTTON),
		U(pointer_button.state, 0, WIRE_PRESSED) } },
	{ WIRE_POINTER_AXIS, "POINTER_AXIS", DOM0, 5, {
		ANY(pointer_axis.time_msec),
		U(pointer_axis.axis, 0, WIRE_AXIS_HORIZONTAL),
		S(pointer_axis.value, -WIRE_MAX_AXIS_VALUE,
			WIRE_MAX_AXIS_VALUE),
		S(pointer_axis.discrete, -WIRE_MAX_AXIS_DISCRETE,
			WIRE_MAX_AXIS_DISCRETE),
		U(pointer_axis.source, 0, WIRE_AXIS_SOURCE_WHEEL_TILT) } },
	{ WIRE_POINTER_FRAME, "POINTER_FRAME", DOM0, 0, { { 0 } } },
	{ WIRE_CLIPBOARD_REQUEST, "CLIPBOARD_REQUEST", DOM0, 1, {
		ANY(clipboard_request.serial) } },
	{ WIRE_CLIPBOARD_SET, "CLIPBOARD_SET", DOM0, 1, {
		ANY(clipboard_set.length) }, 1, 0, WIRE_MAX_CLIPBOARD_BYTES },
	{ WIRE_PING, "PING", DOM0, 1, { ANY(ping.serial) } },
};
/* clang-format on */

#undef W
#undef H
#undef PX
#undef PY

/* Every type's largest body fits the receive buffer: fixed part plus the
 * largest tail, for each type with a tail (fixed-size ones are <= 32). */
_Static_assert(8 + WIRE_MAX_TITLE_BYTES <= WIRE_MAX_BODY_SIZE &&
		8 + WIRE_MAX_APP_ID_BYTES <= WIRE_MAX_BODY_SIZE &&
		28 + 4 * WIRE_MAX_BUFFER_REFS <= WIRE_MAX_BODY_SIZE &&
		12 + RECT_SIZE * WIRE_MAX_DAMAGE_RECTS <= WIRE_MAX_BODY_SIZE &&
		20 + WIRE_MAX_CURSOR_BYTES <= WIRE_MAX_BODY_SIZE &&
		8 + WIRE_MAX_CLIPBOARD_BYTES <= WIRE_MAX_BODY_SIZE &&
		12 + WIRE_MAX_KEYMAP_CHUNK <= WIRE_MAX_BODY_SIZE &&
		4 + WIRE_MAX_CLIPBOARD_BYTES <= WIRE_MAX_BODY_SIZE &&
		4 * MAX_FIELDS <= WIRE_MAX_BODY_SIZE,
	"a message type's largest body exceeds WIRE_MAX_BODY_SIZE");
_Static_assert(WIRE_MAX_BODY_SIZE < UINT32_MAX / 2, "body sizes must not wrap in 32 bits");

static const struct msg_desc *desc_of(uint32_t type)
{
	for (size_t i = 0; i < sizeof(msg_table) / sizeof(msg_table[0]); i++) {
		if (msg_table[i].type == type) {
			return &msg_table[i];
		}
	}
	return NULL;
}

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
	const struct msg_desc *desc = desc_of(type);
	return desc != NULL ? desc->name : "unknown";
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
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

/*
 * A table field of msg. Every one is a uint32_t or an int32_t (F checks
 * the size), and C lets either be accessed as uint32_t.
 */
static uint32_t *field_at(struct wire_msg *msg, uint16_t offset)
{
	return (uint32_t *)((unsigned char *)msg + offset);
}

static uint32_t field_get(const struct wire_msg *msg, uint16_t offset)
{
	return *(const uint32_t *)((const unsigned char *)msg + offset);
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

/* Where a byte tail lives in the decoded message (not DAMAGE's rects). */
static void set_tail(struct wire_msg *msg, const uint8_t *tail)
{
	switch (msg->type) {
	case WIRE_WINDOW_TITLE:
		msg->window_title.title = (const char *)tail;
		break;
	case WIRE_WINDOW_APP_ID:
		msg->window_app_id.app_id = (const char *)tail;
		break;
	case WIRE_BUFFER_CREATE:
		msg->buffer_create.refs = tail;
		break;
	case WIRE_CURSOR_IMAGE:
		msg->cursor_image.pixels = tail;
		break;
	case WIRE_CLIPBOARD_DATA:
		msg->clipboard_data.data = tail;
		break;
	case WIRE_KEYMAP:
		msg->keymap.data = tail;
		break;
	case WIRE_CLIPBOARD_SET:
		msg->clipboard_set.data = tail;
		break;
	default:
		break;
	}
}

static const void *get_tail(const struct wire_msg *msg)
{
	switch (msg->type) {
	case WIRE_WINDOW_TITLE:
		return msg->window_title.title;
	case WIRE_WINDOW_APP_ID:
		return msg->window_app_id.app_id;
	case WIRE_BUFFER_CREATE:
		return msg->buffer_create.refs;
	case WIRE_DAMAGE:
	case WIRE_DAMAGE_PART:
		return msg->damage.rects;
	case WIRE_CURSOR_IMAGE:
		return msg->cursor_image.pixels;
	case WIRE_CLIPBOARD_DATA:
		return msg->clipboard_data.data;
	case WIRE_KEYMAP:
		return msg->keymap.data;
	case WIRE_CLIPBOARD_SET:
		return msg->clipboard_set.data;
	default:
		return NULL;
	}
}

/* Every fixed word within its table range. */
static bool fields_in_range(const struct msg_desc *desc, const struct wire_msg *msg)
{
	for (uint32_t i = 0; i < desc->words; i++) {
		const struct field *f = &desc->field[i];
		uint32_t u = field_get(msg, f->offset);
		/* Two's complement without implementation-defined casts. */
		int64_t v = f->is_signed && u > INT32_MAX ? (int64_t)u - ((int64_t)1 << 32)
							  : (int64_t)u;
		if (v < f->min || v > f->max) {
			return false;
		}
	}
	return true;
}

static enum wire_status check_hello(const struct wire_hello *h, enum wire_sender from)
{
	/* The version and the capabilities are the receiver's to judge:
	 * unknown capability bits are a later version's, and ignored. */
	if (from == WIRE_FROM_VM) {
		/* dom0's fields: a VM has nothing to say in them. */
		return h->output_width == 0 && h->output_height == 0 && h->output_scale == 0 &&
				h->max_windows == 0 && h->max_buffer_mib == 0
			? WIRE_OK
			: WIRE_ERR_VALUE;
	}
	/* The output size may be unknown (0); the rest may not. */
	return h->output_scale >= 1 && h->max_windows >= 1 && h->max_buffer_mib >= 1
		? WIRE_OK
		: WIRE_ERR_VALUE;
}

static enum wire_status check_window_create(const struct wire_window_create *c)
{
	if (c->parent_id == c->window_id) {
		return WIRE_ERR_VALUE;
	}
	if (c->kind == WIRE_WINDOW_POPUP) {
		/* A popup is placed on a parent, and never modal. */
		return c->parent_id != WIRE_ID_INVALID && !(c->flags & WIRE_WINDOW_MODAL)
			? WIRE_OK
			: WIRE_ERR_VALUE;
	}
	/* A toplevel's place is dom0's; a modal one needs a parent. */
	if (c->x != 0 || c->y != 0 || (c->flags & WIRE_WINDOW_GRAB) ||
		((c->flags & WIRE_WINDOW_MODAL) && c->parent_id == WIRE_ID_INVALID)) {
		return WIRE_ERR_VALUE;
	}
	return WIRE_OK;
}

bool wire_buffer_layout_ok(const struct wire_buffer_create *b)
{
	/* Each bound is checked here, not assumed from the table, so
	 * callers holding a buffer from anywhere can rely on it. */
	if (b->width == 0 || b->width > WIRE_MAX_WIDTH || b->height == 0 ||
		b->height > WIRE_MAX_HEIGHT) {
		return false;
	}
	/* now: width <= 8192, so width * 4 cannot wrap */
	if (b->stride < b->width * 4 || b->stride % 4 != 0) {
		return false;
	}
	uint64_t bytes = (uint64_t)b->stride * b->height;
	if (bytes > WIRE_MAX_BUFFER_BYTES) {
		return false;
	}
	/* now: bytes <= 64 MiB, so the page count fits 32 bits */
	uint64_t pages = (bytes + WIRE_PAGE_SIZE - 1) / WIRE_PAGE_SIZE;
	return b->ref_count == pages;
}

static enum wire_status check_buffer_create(const struct wire_buffer_create *b)
{
	if (b->format != WIRE_FORMAT_ARGB8888 && b->format != WIRE_FORMAT_XRGB8888) {
		return WIRE_ERR_VALUE;
	}
	if (!wire_buffer_layout_ok(b)) {
		/* The count is the last thing checked: a stride or size out
		 * of range says VALUE, only a wrong page count says COUNT. */
		uint64_t bytes = (uint64_t)b->stride * b->height;
		bool shape_ok = b->width != 0 && b->stride >= b->width * 4 && b->stride % 4 == 0 &&
			bytes <= WIRE_MAX_BUFFER_BYTES;
		return shape_ok ? WIRE_ERR_COUNT : WIRE_ERR_VALUE;
	}
	return WIRE_OK;
}

static enum wire_status check_damage(const struct wire_damage *d)
{
	for (uint32_t i = 0; i < d->rect_count; i++) {
		const struct wire_rect *r = &d->rects[i];
		if (r->x < 0 || r->y < 0 || r->width <= 0 || r->height <= 0) {
			return WIRE_ERR_VALUE;
		}
		/* No buffer is larger than the maximum, so neither is its
		 * damage; this also keeps x + width from overflowing in
		 * any receiver. */
		if (r->x > WIRE_MAX_WIDTH - r->width || r->y > WIRE_MAX_HEIGHT - r->height) {
			return WIRE_ERR_VALUE;
		}
	}
	return WIRE_OK;
}

static enum wire_status check_cursor(const struct wire_cursor_image *c)
{
	if ((c->width == 0) != (c->height == 0)) {
		return WIRE_ERR_VALUE;
	}
	/* A hidden cursor has no hotspot; a shown one has it inside. */
	if (c->width == 0 ? c->hotspot_x != 0 || c->hotspot_y != 0
			  : c->hotspot_x >= c->width || c->hotspot_y >= c->height) {
		return WIRE_ERR_VALUE;
	}
	/* Both at most 64 (table): no overflow. */
	if (c->length != c->width * c->height * 4) {
		return WIRE_ERR_COUNT;
	}
	return WIRE_OK;
}

static enum wire_status check_hints(const struct wire_window_hints *h)
{
	/* 0 is "no bound", so only a pair of bounds can contradict. */
	if ((h->max_width != 0 && h->min_width > h->max_width) ||
		(h->max_height != 0 && h->min_height > h->max_height)) {
		return WIRE_ERR_VALUE;
	}
	return WIRE_OK;
}

static enum wire_status check_keymap(const struct wire_keymap *k)
{
	/* length is 1..WIRE_MAX_KEYMAP_CHUNK (the tail count) and
	 * total_size >= 1 (table); no sum is formed that could wrap. */
	if (k->length > k->total_size || k->offset > k->total_size - k->length) {
		return WIRE_ERR_VALUE;
	}
	return WIRE_OK;
}

/* The range rules of a message whose counts are already in bounds: the
 * table's, then those between fields. */
static enum wire_status check_values(const struct msg_desc *desc, const struct wire_msg *msg,
	enum wire_sender from)
{
	if (!fields_in_range(desc, msg)) {
		return WIRE_ERR_VALUE;
	}
	switch (msg->type) {
	case WIRE_HELLO:
		return check_hello(&msg->hello, from);
	case WIRE_WINDOW_CREATE:
		return check_window_create(&msg->window_create);
	case WIRE_BUFFER_CREATE:
		return check_buffer_create(&msg->buffer_create);
	case WIRE_DAMAGE:
	case WIRE_DAMAGE_PART:
		return check_damage(&msg->damage);
	case WIRE_CURSOR_IMAGE:
		return check_cursor(&msg->cursor_image);
	case WIRE_WINDOW_HINTS:
		return check_hints(&msg->window_hints);
	case WIRE_KEYMAP:
		return check_keymap(&msg->keymap);
	default:
		return WIRE_OK;
	}
}

bool wire_peek_type(const uint8_t *data, size_t len, uint32_t *untrusted_type)
{
	if (len < 4) {
		return false;
	}
	*untrusted_type = get_u32(data);
	return true;
}

enum wire_status wire_decode(const uint8_t *data, size_t len, enum wire_sender from,
	struct wire_msg *msg, size_t *consumed)
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
	const struct msg_desc *desc = desc_of(untrusted_type);
	if (desc == NULL) {
		return WIRE_ERR_UNKNOWN_TYPE;
	}
	if (!(desc->senders & (1u << from))) {
		return WIRE_ERR_DIRECTION;
	}

	/* The fixed part first, then the count it ends with, then the
	 * length that count implies: each check covers the next read. */
	const uint8_t *body = data + WIRE_HEADER_SIZE;
	uint32_t fixed = 4u * desc->words;
	uint32_t count = 0;
	if (desc->elem == 0) {
		if (length != fixed) {
			return WIRE_ERR_LENGTH;
		}
	} else {
		if (length < fixed) {
			return WIRE_ERR_LENGTH;
		}
		uint32_t untrusted_count = get_u32(body + fixed - 4);
		if (untrusted_count < desc->min_count || untrusted_count > desc->max_count) {
			return WIRE_ERR_COUNT;
		}
		count = untrusted_count;
		/* count <= 65536 and elem <= 16: no wrap (static asserts). */
		if (length != fixed + count * desc->elem) {
			return WIRE_ERR_LENGTH;
		}
	}

	/* Decode into a scratch copy: *msg is only written on success. */
	struct wire_msg decoded;
	memset(&decoded, 0, sizeof(decoded));
	decoded.type = (enum wire_msg_type)desc->type;
	for (uint32_t i = 0; i < desc->words; i++) {
		*field_at(&decoded, desc->field[i].offset) = get_u32(body + 4 * i);
	}
	if (decoded.type == WIRE_DAMAGE || decoded.type == WIRE_DAMAGE_PART) {
		for (uint32_t i = 0; i < count; i++) {
			const uint8_t *r = body + fixed + (size_t)i * RECT_SIZE;
			decoded.damage.rects[i] = (struct wire_rect){
				.x = get_i32(r),
				.y = get_i32(r + 4),
				.width = get_i32(r + 8),
				.height = get_i32(r + 12),
			};
		}
	} else if (desc->elem != 0) {
		set_tail(&decoded, body + fixed);
	}

	enum wire_status status = check_values(desc, &decoded, from);
	if (status != WIRE_OK) {
		return status;
	}
	*msg = decoded;
	*consumed = WIRE_HEADER_SIZE + (size_t)length;
	return WIRE_OK;
}

/* The body length of msg from this sender; false if msg is not a valid
 * message (the checks are the decoder's). */
static bool body_size(const struct wire_msg *msg, enum wire_sender from, uint32_t *length)
{
	const struct msg_desc *desc = desc_of(msg->type);
	if (desc == NULL || !(desc->senders & (1u << from))) {
		return false;
	}
	uint32_t count = 0;
	if (desc->elem != 0) {
		count = field_get(msg, desc->field[desc->words - 1].offset);
		if (count < desc->min_count || count > desc->max_count ||
			(count > 0 && get_tail(msg) == NULL)) {
			return false;
		}
	}
	if (check_values(desc, msg, from) != WIRE_OK) {
		return false;
	}
	*length = 4u * desc->words + count * desc->elem;
	return true;
}

size_t wire_encoded_size(const struct wire_msg *msg, enum wire_sender from)
{
	uint32_t length = 0;
	if (!body_size(msg, from, &length)) {
		return 0;
	}
	return WIRE_HEADER_SIZE + (size_t)length;
}

size_t wire_encode(const struct wire_msg *msg, enum wire_sender from, uint8_t *out, size_t cap)
{
	size_t total = wire_encoded_size(msg, from);
	if (total == 0 || out == NULL || cap < total) {
		return 0;
	}
	const struct msg_desc *desc = desc_of(msg->type);
	uint32_t length = (uint32_t)(total - WIRE_HEADER_SIZE);
	uint32_t fixed = 4u * desc->words;

	put_u32(out, desc->type);
	put_u32(out + 4, length);
	uint8_t *body = out + WIRE_HEADER_SIZE;
	for (uint32_t i = 0; i < desc->words; i++) {
		put_u32(body + 4 * i, field_get(msg, desc->field[i].offset));
	}
	if (msg->type == WIRE_DAMAGE || msg->type == WIRE_DAMAGE_PART) {
		for (uint32_t i = 0; i < msg->damage.rect_count; i++) {
			uint8_t *r = body + fixed + (size_t)i * RECT_SIZE;
			put_u32(r, (uint32_t)msg->damage.rects[i].x);
			put_u32(r + 4, (uint32_t)msg->damage.rects[i].y);
			put_u32(r + 8, (uint32_t)msg->damage.rects[i].width);
			put_u32(r + 12, (uint32_t)msg->damage.rects[i].height);
		}
	} else if (length > fixed) {
		memcpy(body + fixed, get_tail(msg), length - fixed);
	}
	return total;
}
