/*
 * The wire codec against protocols/wire-protocol.md: every type round
 * trips and lands each field where the spec's layout table puts it, every
 * bound is accepted at its limit and refused one past it, and each kind of
 * violation gets its own status. Rejections are checked on hand-built
 * bytes, so the decoder is tested without trusting the encoder.
 *
 * Out-of-order messages (damage before any buffer, an answer nobody asked
 * for) are the receivers' rules: test_bridge_validate.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/wire/codec.h"
#include "common/wire/protocol.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define VM WIRE_FROM_VM
#define DOM0 WIRE_FROM_DOM0

static uint8_t buf[WIRE_MAX_MESSAGE_SIZE + 64];

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A raw message: header with the given body length, then words. */
static size_t raw(uint32_t type, uint32_t length, const uint32_t *words, size_t nwords)
{
	put32(buf, type);
	put32(buf + 4, length);
	for (size_t i = 0; i < nwords; i++) {
		put32(buf + WIRE_HEADER_SIZE + 4 * i, words[i]);
	}
	return WIRE_HEADER_SIZE + length;
}

/* A raw message whose length is exactly its words. */
static size_t raw_words(uint32_t type, const uint32_t *words, size_t nwords)
{
	return raw(type, (uint32_t)(4 * nwords), words, nwords);
}

static enum wire_status decode(size_t len, enum wire_sender from, struct wire_msg *msg)
{
	struct wire_msg scratch;
	size_t consumed = 0;
	enum wire_status status =
		wire_decode(buf, len, from, msg != NULL ? msg : &scratch, &consumed);
	if (status == WIRE_OK) {
		assert_int_equal(consumed, len);
	} else {
		assert_int_equal(consumed, 0);
	}
	return status;
}

static void assert_status(enum wire_status got, enum wire_status want)
{
	if (got != want) {
		fail_msg("got %s, want %s", wire_status_str(got), wire_status_str(want));
	}
}

/* --- the spec's layout tables, transcribed independently of codec.c --- */

#define O(member) offsetof(struct wire_msg, member)

struct layout {
	uint32_t type;
	unsigned senders; /* 1: VM, 2: dom0, 3: both */
	size_t words;
	size_t field[8]; /* where word i lands in struct wire_msg */
	size_t elem; /* tail element size, 0: none */
	uint32_t min_count, max_count;
};

/* clang-format off */
static const struct layout layouts[] = {
	{ WIRE_HELLO, 3, 7, { O(hello.version), O(hello.output_width),
		O(hello.output_height), O(hello.capabilities),
		O(hello.output_scale), O(hello.max_windows),
		O(hello.max_buffer_mib) } },
	{ WIRE_WINDOW_CREATE, 1, 8, { O(window_create.window_id),
		O(window_create.width), O(window_create.height),
		O(window_create.kind), O(window_create.parent_id),
		O(window_create.x), O(window_create.y),
		O(window_create.flags) } },
	{ WIRE_WINDOW_DESTROY, 1, 1, { O(window_destroy.window_id) } },
	{ WIRE_WINDOW_TITLE, 1, 2, { O(window_title.window_id),
		O(window_title.length) }, 1, 0, WIRE_MAX_TITLE_BYTES },
	{ WIRE_BUFFER_CREATE, 1, 7, { O(buffer_create.window_id),
		O(buffer_create.buffer_id), O(buffer_create.width),
		O(buffer_create.height), O(buffer_create.stride),
		O(buffer_create.format), O(buffer_create.ref_count) },
		4, 0, WIRE_MAX_BUFFER_REFS },
	{ WIRE_BUFFER_DESTROY, 1, 2, { O(buffer_destroy.window_id),
		O(buffer_destroy.buffer_id) } },
	{ WIRE_DAMAGE, 1, 3, { O(damage.window_id), O(damage.buffer_id),
		O(damage.rect_count) }, 16, 1, WIRE_MAX_DAMAGE_RECTS },
	{ WIRE_DAMAGE_PART, 1, 3, { O(damage_part.window_id),
		O(damage_part.buffer_id), O(damage_part.rect_count) }, 16, 1,
		WIRE_MAX_DAMAGE_RECTS },
	{ WIRE_WINDOW_APP_ID, 1, 2, { O(window_app_id.window_id),
		O(window_app_id.length) }, 1, 0, WIRE_MAX_APP_ID_BYTES },
	{ WIRE_WINDOW_HINTS, 1, 5, { O(window_hints.window_id),
		O(window_hints.min_width), O(window_hints.min_height),
		O(window_hints.max_width), O(window_hints.max_height) } },
	{ WIRE_WINDOW_REQUEST, 1, 2, { O(window_request.window_id),
		O(window_request.request) } },
	{ WIRE_WINDOW_MOVE, 1, 3, { O(window_move.window_id),
		O(window_move.x), O(window_move.y) } },
	{ WIRE_CONFIGURE_ACK, 1, 2, { O(configure_ack.window_id),
		O(configure_ack.serial) } },
	{ WIRE_CURSOR_IMAGE, 1, 5, { O(cursor_image.width),
		O(cursor_image.height), O(cursor_image.hotspot_x),
		O(cursor_image.hotspot_y), O(cursor_image.length) },
		1, 0, WIRE_MAX_CURSOR_BYTES },
	{ WIRE_CLIPBOARD_DATA, 1, 2, { O(clipboard_data.serial),
		O(clipboard_data.length) }, 1, 0, WIRE_MAX_CLIPBOARD_BYTES },
	{ WIRE_PONG, 1, 1, { O(pong.serial) } },
	{ WIRE_FRAME_DONE, 2, 6, { O(frame_done.window_id),
		O(frame_done.time_msec), O(frame_done.tv_sec_hi),
		O(frame_done.tv_sec_lo), O(frame_done.tv_nsec),
		O(frame_done.refresh_nsec) } },
	{ WIRE_BUFFER_RELEASE, 2, 2, { O(buffer_release.window_id),
		O(buffer_release.buffer_id) } },
	{ WIRE_CONFIGURE, 2, 5, { O(configure.window_id), O(configure.width),
		O(configure.height), O(configure.serial),
		O(configure.states) } },
	{ WIRE_CLOSE, 2, 1, { O(close.window_id) } },
	{ WIRE_KEYMAP, 2, 3, { O(keymap.total_size), O(keymap.offset),
		O(keymap.length) }, 1, 1, WIRE_MAX_KEYMAP_CHUNK },
	{ WIRE_KEY, 2, 3, { O(key.time_msec), O(key.keycode), O(key.state) } },
	{ WIRE_MODIFIERS, 2, 4, { O(modifiers.depressed), O(modifiers.latched),
		O(modifiers.locked), O(modifiers.group) } },
	{ WIRE_KEYBOARD_ENTER, 2, 1, { O(keyboard_enter.window_id) } },
	{ WIRE_KEYBOARD_LEAVE, 2, 1, { O(keyboard_leave.window_id) } },
	{ WIRE_POINTER_ENTER, 2, 3, { O(pointer_enter.window_id),
		O(pointer_enter.x), O(pointer_enter.y) } },
	{ WIRE_POINTER_LEAVE, 2, 1, { O(pointer_leave.window_id) } },
	{ WIRE_POINTER_MOTION, 2, 3, { O(pointer_motion.time_msec),
		O(pointer_motion.x), O(pointer_motion.y) } },
	{ WIRE_POINTER_BUTTON, 2, 3, { O(pointer_button.time_msec),
		O(pointer_button.button), O(pointer_button.state) } },
	{ WIRE_POINTER_AXIS, 2, 5, { O(pointer_axis.time_msec),
		O(pointer_axis.axis), O(pointer_axis.value),
		O(pointer_axis.discrete), O(pointer_axis.source) } },
	{ WIRE_POINTER_FRAME, 2, 0, { 0 } },
	{ WIRE_CLIPBOARD_REQUEST, 2, 1, { O(clipboard_request.serial) } },
	{ WIRE_CLIPBOARD_SET, 2, 1, { O(clipboard_set.length) },
		1, 0, WIRE_MAX_CLIPBOARD_BYTES },
	{ WIRE_PING, 2, 1, { O(ping.serial) } },
};
/* clang-format on */

static const struct layout *layout_of(uint32_t type)
{
	for (size_t i = 0; i < ARRAY_LEN(layouts); i++) {
		if (layouts[i].type == type) {
			return &layouts[i];
		}
	}
	fail_msg("type 0x%x has no layout in the test", type);
	return NULL;
}

static uint32_t field_get(const struct wire_msg *msg, size_t offset)
{
	uint32_t v;
	memcpy(&v, (const unsigned char *)msg + offset, sizeof(v));
	return v;
}

static void field_set(struct wire_msg *msg, size_t offset, uint32_t v)
{
	memcpy((unsigned char *)msg + offset, &v, sizeof(v));
}

/* --- messages used by several tests --- */

static uint8_t refs_bytes[4 * WIRE_MAX_BUFFER_REFS];
static uint8_t blob[WIRE_MAX_CLIPBOARD_BYTES + 16];
static const char title_text[WIRE_MAX_TITLE_BYTES + 1] =
	"a title \xe2\x9c\x93 with \x01 bytes the receiver will sanitise";

static struct wire_msg buffer_msg(uint32_t width, uint32_t height, uint32_t stride)
{
	uint64_t pages = ((uint64_t)stride * height + WIRE_PAGE_SIZE - 1) / WIRE_PAGE_SIZE;
	for (uint32_t i = 0; i < pages && i < WIRE_MAX_BUFFER_REFS; i++) {
		/* Any order is valid on the wire. */
		wire_ref_set(refs_bytes, i, (uint32_t)(pages - 1 - i) * 3);
	}
	return (struct wire_msg){
		.type = WIRE_BUFFER_CREATE,
		.buffer_create = {
			.window_id = 7,
			.buffer_id = 9,
			.width = width,
			.height = height,
			.stride = stride,
			.format = WIRE_FORMAT_ARGB8888,
			.ref_count = (uint32_t)pages,
			.refs = refs_bytes,
		},
	};
}

/* A DAMAGE, or with type WIRE_DAMAGE_PART a part: the same body. */
static struct wire_msg damage_msg_of(enum wire_msg_type type, uint32_t rect_count)
{
	struct wire_msg msg = {
		.type = type,
		.damage = {
			.window_id = 7,
			.buffer_id = 9,
			.rect_count = rect_count,
		},
	};
	for (uint32_t i = 0; i < rect_count && i < WIRE_MAX_DAMAGE_RECTS; i++) {
		msg.damage.rects[i] = (struct wire_rect){
			.x = (int32_t)i,
			.y = (int32_t)(2 * i),
			.width = 10 + (int32_t)i,
			.height = 1,
		};
	}
	return msg;
}

static struct wire_msg damage_msg(uint32_t rect_count)
{
	return damage_msg_of(WIRE_DAMAGE, rect_count);
}

static struct wire_msg cursor_msg(uint32_t width, uint32_t height)
{
	return (struct wire_msg){ .type = WIRE_CURSOR_IMAGE,
		.cursor_image = { width, height, width > 0 ? width - 1 : 0, height / 2,
			width * height * 4, blob } };
}

/* One valid message of every type (and of every kind of window), with
 * the side that sends it. Fields hold distinct values where the bounds
 * allow, so a field decoded into the wrong place shows. */
struct sample {
	struct wire_msg msg;
	enum wire_sender from;
};

/* The samples the boundary cases start from. */
enum {
	S_HELLO_VM,
	S_HELLO_DOM0,
	S_TOPLEVEL,
	S_DIALOG,
	S_POPUP,
	S_HINTS,
	S_CURSOR,
	S_KEYMAP,
	S_FIRST_OTHER,
};

#define MAX_SAMPLES 48

static size_t samples(struct sample *out)
{
	size_t n = 0;
	for (size_t i = 0; i < sizeof(blob); i++) {
		blob[i] = (uint8_t)(i * 7 + 1);
	}
	out[n++] = (struct sample){ { .type = WIRE_HELLO,
					    .hello = { .version = WIRE_VERSION,
						    .capabilities = 0x80000005u } },
		VM };
	out[n++] = (struct sample){ { .type = WIRE_HELLO,
					    .hello = { WIRE_VERSION, 1920, 1080, WIRE_CAP_INPUT, 2,
						    256, 512 } },
		DOM0 };
	out[n++] =
		(struct sample){ { .type = WIRE_WINDOW_CREATE, .window_create = { 1, 640, 480 } },
			VM };
	out[n++] = (struct sample){ { .type = WIRE_WINDOW_CREATE,
					    .window_create = { 2, 300, 200, WIRE_WINDOW_TOPLEVEL, 1,
						    0, 0, WIRE_WINDOW_MODAL } },
		VM };
	out[n++] = (struct sample){ { .type = WIRE_WINDOW_CREATE,
					    .window_create = { 3, 100, 50, WIRE_WINDOW_POPUP, 1,
						    -40, 70, WIRE_WINDOW_GRAB } },
		VM };
	out[n++] = (struct sample){
		{ .type = WIRE_WINDOW_HINTS, .window_hints = { 4, 10, 20, 100, 200 } }, VM
	};
	out[n++] = (struct sample){ cursor_msg(24, 32), VM };
	out[n++] =
		(struct sample){ { .type = WIRE_KEYMAP, .keymap = { 100000, 40000, 1000, blob } },
			DOM0 };
	out[n++] =
		(struct sample){ { .type = WIRE_WINDOW_DESTROY, .window_destroy = { 0xffffffffu } },
			VM };
	out[n++] = (struct sample){ { .type = WIRE_WINDOW_TITLE,
					    .window_title = { 3, (uint32_t)strlen(title_text),
						    title_text } },
		VM };
	out[n++] = (struct sample){
		{ .type = WIRE_WINDOW_APP_ID, .window_app_id = { 3, 15, "org.example.App" } }, VM
	};
	out[n++] = (struct sample){ buffer_msg(100, 50, 400), VM };
	out[n++] =
		(struct sample){ { .type = WIRE_BUFFER_DESTROY, .buffer_destroy = { 7, 9 } }, VM };
	out[n++] = (struct sample){ damage_msg(3), VM };
	out[n++] = (struct sample){ damage_msg_of(WIRE_DAMAGE_PART, 2), VM };
	out[n++] = (struct sample){ { .type = WIRE_WINDOW_REQUEST,
					    .window_request = { 5, WIRE_REQUEST_FULLSCREEN } },
		VM };
	out[n++] = (struct sample){ { .type = WIRE_WINDOW_MOVE, .window_move = { 6, -3, 4 } }, VM };
	out[n++] = (struct sample){
		{ .type = WIRE_CONFIGURE_ACK, .configure_ack = { 6, 0xfffffffeu } }, VM
	};
	out[n++] = (struct sample){ { .type = WIRE_CLIPBOARD_DATA,
					    .clipboard_data = { 77, 5, (const uint8_t *)"hello" } },
		VM };
	out[n++] = (struct sample){ { .type = WIRE_PONG, .pong = { 88 } }, VM };
	out[n++] = (struct sample){ { .type = WIRE_FRAME_DONE,
					    .frame_done = { 7, 0xfffffff0u, 1, 2, 999999999,
						    16666667 } },
		DOM0 };
	out[n++] = (struct sample){ { .type = WIRE_BUFFER_RELEASE, .buffer_release = { 7, 9 } },
		DOM0 };
	out[n++] =
		(struct sample){ { .type = WIRE_CONFIGURE,
					 .configure = { 7, 0, 8192, 12345,
						 WIRE_STATE_ACTIVATED | WIRE_STATE_FULLSCREEN } },
			DOM0 };
	out[n++] = (struct sample){ { .type = WIRE_CLOSE, .close = { 7 } }, DOM0 };
	out[n++] = (struct sample){ { .type = WIRE_KEY, .key = { 1000, 30, WIRE_PRESSED } }, DOM0 };
	out[n++] =
		(struct sample){ { .type = WIRE_MODIFIERS, .modifiers = { 1, 2, 0x10, 3 } }, DOM0 };
	out[n++] =
		(struct sample){ { .type = WIRE_KEYBOARD_ENTER, .keyboard_enter = { 8 } }, DOM0 };
	out[n++] =
		(struct sample){ { .type = WIRE_KEYBOARD_LEAVE, .keyboard_leave = { 9 } }, DOM0 };
	out[n++] = (struct sample){
		{ .type = WIRE_POINTER_ENTER, .pointer_enter = { 10, 256 * 5 + 128, -256 } }, DOM0
	};
	out[n++] = (struct sample){ { .type = WIRE_POINTER_LEAVE, .pointer_leave = { 11 } }, DOM0 };
	out[n++] = (struct sample){
		{ .type = WIRE_POINTER_MOTION, .pointer_motion = { 2000, 300, 400 } }, DOM0
	};
	out[n++] = (struct sample){ { .type = WIRE_POINTER_BUTTON,
					    .pointer_button = { 3000, 0x111, WIRE_RELEASED } },
		DOM0 };
	out[n++] = (struct sample){ { .type = WIRE_POINTER_AXIS,
					    .pointer_axis = { 4000, WIRE_AXIS_HORIZONTAL, -2560, -1,
						    WIRE_AXIS_SOURCE_WHEEL_TILT } },
		DOM0 };
	out[n++] = (struct sample){ { .type = WIRE_POINTER_FRAME }, DOM0 };
	out[n++] = (struct sample){ { .type = WIRE_CLIPBOARD_REQUEST, .clipboard_request = { 55 } },
		DOM0 };
	out[n++] = (struct sample){
		{ .type = WIRE_CLIPBOARD_SET, .clipboard_set = { 3, (const uint8_t *)"abc" } }, DOM0
	};
	out[n++] = (struct sample){ { .type = WIRE_PING, .ping = { 66 } }, DOM0 };
	assert_true(n <= MAX_SAMPLES);
	return n;
}

static const void *tail_of(const struct wire_msg *msg)
{
	switch (msg->type) {
	case WIRE_WINDOW_TITLE:
		return msg->window_title.title;
	case WIRE_WINDOW_APP_ID:
		return msg->window_app_id.app_id;
	case WIRE_BUFFER_CREATE:
		return msg->buffer_create.refs;
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

/* Field by field, as the layout table says, then the tail. */
static void assert_msg_equal(const struct wire_msg *a, const struct wire_msg *b)
{
	assert_int_equal(a->type, b->type);
	const struct layout *l = layout_of(a->type);
	for (size_t i = 0; i < l->words; i++) {
		if (field_get(a, l->field[i]) != field_get(b, l->field[i])) {
			fail_msg("%s word %zu: %u != %u", wire_msg_type_str(a->type), i,
				field_get(a, l->field[i]), field_get(b, l->field[i]));
		}
	}
	if (a->type == WIRE_DAMAGE || a->type == WIRE_DAMAGE_PART) {
		assert_memory_equal(a->damage.rects, b->damage.rects,
			a->damage.rect_count * sizeof(struct wire_rect));
	} else if (l->elem != 0) {
		size_t count = field_get(a, l->field[l->words - 1]);
		if (count > 0) {
			assert_memory_equal(tail_of(a), tail_of(b), count * l->elem);
		}
	}
}

static size_t encode(const struct wire_msg *msg, enum wire_sender from)
{
	return wire_encode(msg, from, buf, sizeof(buf));
}

/* Encodes, decodes and compares; returns the encoded size. */
static size_t round_trip(const struct wire_msg *msg, enum wire_sender from)
{
	size_t len = encode(msg, from);
	if (len == 0) {
		fail_msg("encoder refused a valid %s", wire_msg_type_str(msg->type));
	}
	assert_int_equal(wire_encoded_size(msg, from), len);
	struct wire_msg decoded;
	assert_status(decode(len, from, &decoded), WIRE_OK);
	assert_msg_equal(msg, &decoded);
	return len;
}

/* --- tests --- */

static const struct sample *sample_of_type(const struct sample *s, size_t n, uint32_t type)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i].msg.type == type) {
			return &s[i];
		}
	}
	fail_msg("no sample of type 0x%x", type);
	return NULL;
}

static void test_round_trip_every_type(void **state)
{
	(void)state;
	struct sample s[MAX_SAMPLES];
	size_t n = samples(s);
	for (size_t i = 0; i < n; i++) {
		size_t len = round_trip(&s[i].msg, s[i].from);
		/* Each word where the spec's table puts it. */
		const struct layout *l = layout_of(s[i].msg.type);
		for (size_t w = 0; w < l->words; w++) {
			assert_int_equal(get32(buf + WIRE_HEADER_SIZE + 4 * w),
				field_get(&s[i].msg, l->field[w]));
		}
		size_t count = l->elem != 0 ? field_get(&s[i].msg, l->field[l->words - 1]) : 0;
		assert_int_equal(len, WIRE_HEADER_SIZE + 4 * l->words + count * l->elem);
		assert_int_equal(get32(buf), s[i].msg.type);
		assert_int_equal(get32(buf + 4), len - WIRE_HEADER_SIZE);
	}
	/* Every type of the spec has a sample, and the codec knows it. */
	assert_int_equal(ARRAY_LEN(layouts), 34);
	for (size_t t = 0; t < ARRAY_LEN(layouts); t++) {
		const struct sample *x = sample_of_type(s, n, layouts[t].type);
		unsigned bit = x->from == VM ? 1 : 2;
		assert_true(layouts[t].senders & bit);
		assert_string_not_equal(wire_msg_type_str(layouts[t].type), "unknown");
	}
}

static void test_layout_is_little_endian(void **state)
{
	(void)state;
	struct wire_msg msg = { .type = WIRE_WINDOW_CREATE,
		.window_create = { 0x04030201u, 0x0605u, 0x0807u, WIRE_WINDOW_POPUP, 0x0a09u, -2,
			0x0b, WIRE_WINDOW_GRAB } };
	const uint8_t want[] = {
		0x10,
		0,
		0,
		0,
		32,
		0,
		0,
		0,
		0x01,
		0x02,
		0x03,
		0x04,
		0x05,
		0x06,
		0,
		0,
		0x07,
		0x08,
		0,
		0,
		1,
		0,
		0,
		0,
		0x09,
		0x0a,
		0,
		0,
		0xfe,
		0xff,
		0xff,
		0xff,
		0x0b,
		0,
		0,
		0,
		2,
		0,
		0,
		0,
	};
	assert_int_equal(encode(&msg, VM), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));

	struct wire_msg damage = damage_msg(1);
	damage.damage.rects[0] = (struct wire_rect){ 1, 2, 3, 4 };
	const uint8_t want_damage[] = {
		0x15,
		0,
		0,
		0,
		28,
		0,
		0,
		0,
		7,
		0,
		0,
		0,
		9,
		0,
		0,
		0,
		1,
		0,
		0,
		0,
		1,
		0,
		0,
		0,
		2,
		0,
		0,
		0,
		3,
		0,
		0,
		0,
		4,
		0,
		0,
		0,
	};
	assert_int_equal(encode(&damage, VM), sizeof(want_damage));
	assert_memory_equal(buf, want_damage, sizeof(want_damage));

	struct wire_msg frame = { .type = WIRE_POINTER_FRAME };
	const uint8_t want_frame[] = { 0x5d, 0, 0, 0, 0, 0, 0, 0 };
	assert_int_equal(encode(&frame, DOM0), sizeof(want_frame));
	assert_memory_equal(buf, want_frame, sizeof(want_frame));
}

static void test_back_to_back_messages(void **state)
{
	(void)state;
	struct sample s[MAX_SAMPLES];
	size_t n = samples(s);
	static uint8_t stream[64 * 1024];
	const enum wire_sender senders[] = { VM, DOM0 };
	for (size_t k = 0; k < ARRAY_LEN(senders); k++) {
		size_t total = 0;
		for (size_t i = 0; i < n; i++) {
			if (s[i].from != senders[k]) {
				continue;
			}
			size_t len = wire_encode(&s[i].msg, senders[k], stream + total,
				sizeof(stream) - total);
			assert_true(len > 0);
			total += len;
		}
		size_t off = 0;
		for (size_t i = 0; i < n; i++) {
			if (s[i].from != senders[k]) {
				continue;
			}
			struct wire_msg msg;
			size_t consumed = 0;
			assert_status(wire_decode(stream + off, total - off, senders[k], &msg,
					      &consumed),
				WIRE_OK);
			assert_msg_equal(&s[i].msg, &msg);
			off += consumed;
		}
		assert_int_equal(off, total);
	}
}

/*
 * One bounded field: accepted at ok (round trip, and found at its word),
 * refused at bad by the encoder, and by the decoder with want.
 */
struct bound {
	uint32_t type; /* the first sample of this type, unless s >= 0 */
	int s;
	size_t word;
	size_t offset;
	uint32_t ok, bad;
	enum wire_status want;
};

#define V WIRE_ERR_VALUE
#define B(type, word, member, ok, bad, want) \
	{ \
		type, -1, word, O(member), (uint32_t)(ok), (uint32_t)(bad), want \
	}
#define BS(s, word, member, ok, bad, want) \
	{ \
		0, s, word, O(member), (uint32_t)(ok), (uint32_t)(bad), want \
	}

static const struct bound bounds[] = {
	BS(S_HELLO_DOM0, 1, hello.output_width, 8192, 8193, V),
	BS(S_HELLO_DOM0, 2, hello.output_height, 8192, 8193, V),
	BS(S_HELLO_DOM0, 4, hello.output_scale, 4, 5, V),
	BS(S_HELLO_DOM0, 4, hello.output_scale, 1, 0, V),
	BS(S_HELLO_DOM0, 5, hello.max_windows, 65536, 65537, V),
	BS(S_HELLO_DOM0, 5, hello.max_windows, 1, 0, V),
	BS(S_HELLO_DOM0, 6, hello.max_buffer_mib, 65536, 65537, V),
	BS(S_HELLO_DOM0, 6, hello.max_buffer_mib, 1, 0, V),
	BS(S_HELLO_VM, 1, hello.output_width, 0, 1, V),
	BS(S_HELLO_VM, 2, hello.output_height, 0, 1, V),
	BS(S_HELLO_VM, 4, hello.output_scale, 0, 1, V),
	BS(S_HELLO_VM, 5, hello.max_windows, 0, 1, V),
	BS(S_HELLO_VM, 6, hello.max_buffer_mib, 0, 1, V),

	BS(S_TOPLEVEL, 0, window_create.window_id, 1, 0, V),
	BS(S_TOPLEVEL, 1, window_create.width, 8192, 8193, V),
	BS(S_TOPLEVEL, 2, window_create.height, 8192, 8193, V),
	BS(S_TOPLEVEL, 3, window_create.kind, 0, 2, V),
	BS(S_TOPLEVEL, 5, window_create.x, 0, 1, V),
	BS(S_TOPLEVEL, 6, window_create.y, 0, -1, V),
	BS(S_TOPLEVEL, 7, window_create.flags, 0, WIRE_WINDOW_MODAL, V),
	BS(S_TOPLEVEL, 7, window_create.flags, 0, WIRE_WINDOW_GRAB, V),
	BS(S_TOPLEVEL, 7, window_create.flags, 0, 4, V),
	BS(S_DIALOG, 4, window_create.parent_id, 1, 2, V), /* itself */
	BS(S_DIALOG, 7, window_create.flags, WIRE_WINDOW_MODAL, 5, V),
	BS(S_POPUP, 3, window_create.kind, 1, 2, V),
	BS(S_POPUP, 4, window_create.parent_id, 1, 0, V),
	BS(S_POPUP, 4, window_create.parent_id, 1, 3, V), /* itself */
	BS(S_POPUP, 5, window_create.x, -8192, -8193, V),
	BS(S_POPUP, 5, window_create.x, 8192, 8193, V),
	BS(S_POPUP, 6, window_create.y, 8192, 8193, V),
	BS(S_POPUP, 6, window_create.y, -8192, -8193, V),
	BS(S_POPUP, 7, window_create.flags, WIRE_WINDOW_GRAB, WIRE_WINDOW_MODAL, V),

	B(WIRE_WINDOW_DESTROY, 0, window_destroy.window_id, 1, 0, V),
	B(WIRE_WINDOW_TITLE, 0, window_title.window_id, 1, 0, V),
	B(WIRE_WINDOW_APP_ID, 0, window_app_id.window_id, 1, 0, V),
	BS(S_HINTS, 0, window_hints.window_id, 1, 0, V),
	BS(S_HINTS, 1, window_hints.min_width, 100, 101, V),
	BS(S_HINTS, 2, window_hints.min_height, 200, 201, V),
	BS(S_HINTS, 3, window_hints.max_width, 10, 9, V),
	BS(S_HINTS, 3, window_hints.max_width, 8192, 8193, V),
	BS(S_HINTS, 4, window_hints.max_height, 20, 19, V),
	BS(S_HINTS, 4, window_hints.max_height, 8192, 8193, V),
	B(WIRE_WINDOW_REQUEST, 0, window_request.window_id, 1, 0, V),
	B(WIRE_WINDOW_REQUEST, 1, window_request.request, WIRE_REQUEST_MINIMIZE,
		WIRE_REQUEST_MINIMIZE + 1, V),
	B(WIRE_WINDOW_REQUEST, 1, window_request.request, WIRE_REQUEST_MAXIMIZE, 0, V),
	B(WIRE_WINDOW_MOVE, 0, window_move.window_id, 1, 0, V),
	B(WIRE_WINDOW_MOVE, 1, window_move.x, 8192, 8193, V),
	B(WIRE_WINDOW_MOVE, 1, window_move.x, -8192, -8193, V),
	B(WIRE_WINDOW_MOVE, 2, window_move.y, 8192, 8193, V),
	B(WIRE_WINDOW_MOVE, 2, window_move.y, -8192, INT32_MIN, V),
	B(WIRE_CONFIGURE_ACK, 0, configure_ack.window_id, 1, 0, V),
	B(WIRE_BUFFER_DESTROY, 0, buffer_destroy.window_id, 1, 0, V),
	B(WIRE_BUFFER_DESTROY, 1, buffer_destroy.buffer_id, 1, 0, V),
	BS(S_CURSOR, 0, cursor_image.width, 24, 25, WIRE_ERR_COUNT),
	BS(S_CURSOR, 1, cursor_image.height, 32, 65, V),
	BS(S_CURSOR, 2, cursor_image.hotspot_x, 23, 24, V),
	BS(S_CURSOR, 3, cursor_image.hotspot_y, 31, 32, V),

	B(WIRE_FRAME_DONE, 0, frame_done.window_id, 1, 0, V),
	B(WIRE_FRAME_DONE, 4, frame_done.tv_nsec, 999999999, 1000000000, V),
	B(WIRE_BUFFER_RELEASE, 0, buffer_release.window_id, 1, 0, V),
	B(WIRE_BUFFER_RELEASE, 1, buffer_release.buffer_id, 1, 0, V),
	B(WIRE_CONFIGURE, 0, configure.window_id, 1, 0, V),
	B(WIRE_CONFIGURE, 1, configure.width, 8192, 8193, V),
	B(WIRE_CONFIGURE, 2, configure.height, 8192, 8193, V),
	B(WIRE_CONFIGURE, 4, configure.states, WIRE_STATE_ALL, 8, V),
	B(WIRE_CLOSE, 0, close.window_id, 1, 0, V),
	BS(S_KEYMAP, 0, keymap.total_size, WIRE_MAX_KEYMAP_BYTES, WIRE_MAX_KEYMAP_BYTES + 1, V),
	BS(S_KEYMAP, 0, keymap.total_size, 41000, 40999, V),
	BS(S_KEYMAP, 1, keymap.offset, 99000, 99001, V),
	B(WIRE_KEY, 1, key.keycode, WIRE_MAX_KEYCODE, WIRE_MAX_KEYCODE + 1, V),
	B(WIRE_KEY, 2, key.state, WIRE_PRESSED, 2, V),
	B(WIRE_MODIFIERS, 3, modifiers.group, 3, 4, V),
	B(WIRE_KEYBOARD_ENTER, 0, keyboard_enter.window_id, 1, 0, V),
	B(WIRE_KEYBOARD_LEAVE, 0, keyboard_leave.window_id, 1, 0, V),
	B(WIRE_POINTER_ENTER, 0, pointer_enter.window_id, 1, 0, V),
	B(WIRE_POINTER_ENTER, 1, pointer_enter.x, WIRE_MAX_POINTER_X, WIRE_MAX_POINTER_X + 1, V),
	B(WIRE_POINTER_ENTER, 2, pointer_enter.y, -WIRE_MAX_POINTER_Y, -WIRE_MAX_POINTER_Y - 1, V),
	B(WIRE_POINTER_LEAVE, 0, pointer_leave.window_id, 1, 0, V),
	B(WIRE_POINTER_MOTION, 1, pointer_motion.x, -WIRE_MAX_POINTER_X, -WIRE_MAX_POINTER_X - 1,
		V),
	B(WIRE_POINTER_MOTION, 2, pointer_motion.y, WIRE_MAX_POINTER_Y, WIRE_MAX_POINTER_Y + 1, V),
	B(WIRE_POINTER_BUTTON, 1, pointer_button.button, WIRE_MIN_BUTTON, WIRE_MIN_BUTTON - 1, V),
	B(WIRE_POINTER_BUTTON, 1, pointer_button.button, WIRE_MAX_BUTTON, WIRE_MAX_BUTTON + 1, V),
	B(WIRE_POINTER_BUTTON, 2, pointer_button.state, WIRE_PRESSED, 2, V),
	B(WIRE_POINTER_AXIS, 1, pointer_axis.axis, WIRE_AXIS_HORIZONTAL, 2, V),
	B(WIRE_POINTER_AXIS, 2, pointer_axis.value, WIRE_MAX_AXIS_VALUE, WIRE_MAX_AXIS_VALUE + 1,
		V),
	B(WIRE_POINTER_AXIS, 2, pointer_axis.value, -WIRE_MAX_AXIS_VALUE, -WIRE_MAX_AXIS_VALUE - 1,
		V),
	B(WIRE_POINTER_AXIS, 3, pointer_axis.discrete, WIRE_MAX_AXIS_DISCRETE,
		WIRE_MAX_AXIS_DISCRETE + 1, V),
	B(WIRE_POINTER_AXIS, 3, pointer_axis.discrete, -WIRE_MAX_AXIS_DISCRETE,
		-WIRE_MAX_AXIS_DISCRETE - 1, V),
	B(WIRE_POINTER_AXIS, 4, pointer_axis.source, WIRE_AXIS_SOURCE_WHEEL_TILT,
		WIRE_AXIS_SOURCE_WHEEL_TILT + 1, V),
};

static void test_field_bounds(void **state)
{
	(void)state;
	struct sample s[MAX_SAMPLES];
	size_t n = samples(s);
	for (size_t i = 0; i < ARRAY_LEN(bounds); i++) {
		const struct bound *b = &bounds[i];
		const struct sample *base = b->s >= 0 ? &s[b->s] : sample_of_type(s, n, b->type);
		const struct layout *l = layout_of(base->msg.type);
		/* The case names the word the spec gives the field. */
		assert_true(b->word < l->words);
		assert_int_equal(l->field[b->word], b->offset);

		struct wire_msg msg = base->msg;
		field_set(&msg, b->offset, b->ok);
		size_t len = round_trip(&msg, base->from);
		assert_int_equal(get32(buf + WIRE_HEADER_SIZE + 4 * b->word), b->ok);

		/* One past: the decoder refuses these very bytes... */
		put32(buf + WIRE_HEADER_SIZE + 4 * b->word, b->bad);
		enum wire_status got = decode(len, base->from, NULL);
		if (got != b->want) {
			fail_msg("case %zu (%s word %zu = %d): got %s, want %s", i,
				wire_msg_type_str(msg.type), b->word, (int32_t)b->bad,
				wire_status_str(got), wire_status_str(b->want));
		}
		/* ...and the encoder will not write them. */
		field_set(&msg, b->offset, b->bad);
		assert_int_equal(encode(&msg, base->from), 0);
		assert_int_equal(wire_encoded_size(&msg, base->from), 0);
	}
}

static void test_free_fields(void **state)
{
	(void)state;
	/* Fields with no bound take every value, extremes included. */
	struct sample s[MAX_SAMPLES];
	size_t n = samples(s);
	const struct {
		uint32_t type;
		size_t offset;
	} free_fields[] = {
		{ WIRE_CONFIGURE_ACK, O(configure_ack.serial) },
		{ WIRE_PONG, O(pong.serial) },
		{ WIRE_CLIPBOARD_DATA, O(clipboard_data.serial) },
		{ WIRE_FRAME_DONE, O(frame_done.time_msec) },
		{ WIRE_FRAME_DONE, O(frame_done.tv_sec_hi) },
		{ WIRE_FRAME_DONE, O(frame_done.refresh_nsec) },
		{ WIRE_CONFIGURE, O(configure.serial) },
		{ WIRE_KEY, O(key.time_msec) },
		{ WIRE_MODIFIERS, O(modifiers.depressed) },
		{ WIRE_MODIFIERS, O(modifiers.locked) },
		{ WIRE_CLIPBOARD_REQUEST, O(clipboard_request.serial) },
		{ WIRE_PING, O(ping.serial) },
		{ WIRE_HELLO, O(hello.capabilities) },
		{ WIRE_HELLO, O(hello.version) },
	};
	const uint32_t values[] = { 0, 1, 0x7fffffffu, 0x80000000u, 0xffffffffu };
	for (size_t i = 0; i < ARRAY_LEN(free_fields); i++) {
		const struct sample *base = sample_of_type(s, n, free_fields[i].type);
		for (size_t v = 0; v < ARRAY_LEN(values); v++) {
			struct wire_msg msg = base->msg;
			field_set(&msg, free_fields[i].offset, values[v]);
			round_trip(&msg, base->from);
		}
	}
	/* Hints: 0 is "no bound", so any minimum goes with it. */
	struct wire_msg hints = s[S_HINTS].msg;
	hints.window_hints.max_width = 0;
	hints.window_hints.min_width = WIRE_MAX_WIDTH;
	round_trip(&hints, VM);
	hints.window_hints.min_width = WIRE_MAX_WIDTH + 1;
	assert_int_equal(encode(&hints, VM), 0);
}

/* Points the byte tail of msg at data. */
static void tail_set(struct wire_msg *msg, const uint8_t *data)
{
	switch (msg->type) {
	case WIRE_WINDOW_TITLE:
		msg->window_title.title = (const char *)data;
		break;
	case WIRE_WINDOW_APP_ID:
		msg->window_app_id.app_id = (const char *)data;
		break;
	case WIRE_CLIPBOARD_DATA:
		msg->clipboard_data.data = data;
		break;
	case WIRE_KEYMAP:
		msg->keymap.data = data;
		break;
	case WIRE_CLIPBOARD_SET:
		msg->clipboard_set.data = data;
		break;
	default:
		fail_msg("no byte tail in %s", wire_msg_type_str(msg->type));
	}
}

/* Byte tails whose count has no other constraint. */
static void test_tail_bounds(void **state)
{
	(void)state;
	struct sample s[MAX_SAMPLES];
	size_t n = samples(s);
	const uint32_t types[] = { WIRE_WINDOW_TITLE, WIRE_WINDOW_APP_ID, WIRE_CLIPBOARD_DATA,
		WIRE_KEYMAP, WIRE_CLIPBOARD_SET };
	for (size_t t = 0; t < ARRAY_LEN(types); t++) {
		const struct sample *base = sample_of_type(s, n, types[t]);
		const struct layout *l = layout_of(types[t]);
		size_t count_at = l->field[l->words - 1];
		size_t fixed = 4 * l->words;
		struct wire_msg msg = base->msg;
		tail_set(&msg, blob);

		/* The limits themselves. */
		field_set(&msg, count_at, l->min_count);
		if (l->min_count == 0) {
			tail_set(&msg, NULL);
		}
		round_trip(&msg, base->from);
		tail_set(&msg, blob);
		field_set(&msg, count_at, l->max_count);
		size_t len = round_trip(&msg, base->from);
		assert_int_equal(len, WIRE_HEADER_SIZE + fixed + l->max_count);

		/* One past, body consistent with the count: a count error,
		 * from the decoder and the encoder alike. */
		put32(buf + 4, (uint32_t)(fixed + l->max_count + 1));
		put32(buf + WIRE_HEADER_SIZE + fixed - 4, l->max_count + 1);
		assert_status(decode(len + 1, base->from, NULL), WIRE_ERR_COUNT);
		field_set(&msg, count_at, l->max_count + 1);
		assert_int_equal(encode(&msg, base->from), 0);
		if (l->min_count > 0) {
			field_set(&msg, count_at, l->min_count - 1);
			assert_int_equal(encode(&msg, base->from), 0);
			/* On the wire too, body consistent with it. */
			field_set(&msg, count_at, l->min_count);
			len = encode(&msg, base->from);
			put32(buf + 4, (uint32_t)(fixed + (l->min_count - 1) * l->elem));
			put32(buf + WIRE_HEADER_SIZE + fixed - 4, l->min_count - 1);
			assert_status(decode(len - l->elem, base->from, NULL), WIRE_ERR_COUNT);
		}
		/* A huge count is never trusted for the body size. */
		field_set(&msg, count_at, 0xffffffffu);
		assert_int_equal(encode(&msg, base->from), 0);

		/* Count and body disagree by one byte either way. */
		msg = base->msg;
		tail_set(&msg, blob);
		field_set(&msg, count_at, 10);
		len = encode(&msg, base->from);
		assert_true(len > 0);
		put32(buf + 4, (uint32_t)(fixed + 11));
		assert_status(decode(len + 1, base->from, NULL), WIRE_ERR_LENGTH);
		put32(buf + 4, (uint32_t)(fixed + 9));
		assert_status(decode(len - 1, base->from, NULL), WIRE_ERR_LENGTH);
		put32(buf + WIRE_HEADER_SIZE + fixed - 4, 0xffffffffu);
		assert_status(decode(len - 1, base->from, NULL), WIRE_ERR_COUNT);
		/* A body shorter than the fixed part: no count to read. */
		put32(buf + 4, (uint32_t)(fixed - 1));
		assert_status(decode(WIRE_HEADER_SIZE + fixed - 1, base->from, NULL),
			WIRE_ERR_LENGTH);

		/* A count with no bytes to copy. */
		msg = base->msg;
		tail_set(&msg, NULL);
		field_set(&msg, count_at, 1);
		assert_int_equal(encode(&msg, base->from), 0);
	}
}

static void test_cursor_bounds(void **state)
{
	(void)state;
	struct wire_msg msg = cursor_msg(WIRE_MAX_CURSOR_SIZE, WIRE_MAX_CURSOR_SIZE);
	assert_int_equal(round_trip(&msg, VM), WIRE_HEADER_SIZE + 20 + WIRE_MAX_CURSOR_BYTES);
	msg = cursor_msg(1, 1);
	round_trip(&msg, VM);
	/* Hidden: 0 x 0, no hotspot, no pixels. */
	msg = cursor_msg(0, 0);
	msg.cursor_image.pixels = NULL;
	assert_int_equal(round_trip(&msg, VM), WIRE_HEADER_SIZE + 20);

	const struct {
		uint32_t w, h, hx, hy, length;
		enum wire_status want;
	} bad[] = {
		{ 65, 1, 0, 0, 260, WIRE_ERR_VALUE },
		{ 1, 65, 0, 0, 260, WIRE_ERR_VALUE },
		{ 0, 4, 0, 0, 0, WIRE_ERR_VALUE },
		{ 4, 0, 0, 0, 0, WIRE_ERR_VALUE },
		{ 0, 0, 1, 0, 0, WIRE_ERR_VALUE },
		{ 0, 0, 0, 1, 0, WIRE_ERR_VALUE },
		{ 2, 2, 2, 0, 16, WIRE_ERR_VALUE },
		{ 2, 2, 0, 2, 16, WIRE_ERR_VALUE },
		{ 2, 2, 0, 0, 15, WIRE_ERR_COUNT },
		{ 2, 2, 0, 0, 17, WIRE_ERR_COUNT },
		{ 0, 0, 0, 0, 4, WIRE_ERR_COUNT },
		{ 64, 64, 0, 0, WIRE_MAX_CURSOR_BYTES + 1, WIRE_ERR_COUNT },
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		static uint32_t words[5 + WIRE_MAX_CURSOR_BYTES / 4 + 1];
		words[0] = bad[i].w;
		words[1] = bad[i].h;
		words[2] = bad[i].hx;
		words[3] = bad[i].hy;
		words[4] = bad[i].length;
		size_t len = raw(WIRE_CURSOR_IMAGE, 20 + bad[i].length, words,
			5 + (bad[i].length + 3) / 4);
		enum wire_status got = decode(len, VM, NULL);
		if (got != bad[i].want) {
			fail_msg("case %zu: got %s", i, wire_status_str(got));
		}
		msg = (struct wire_msg){ .type = WIRE_CURSOR_IMAGE,
			.cursor_image = { bad[i].w, bad[i].h, bad[i].hx, bad[i].hy, bad[i].length,
				blob } };
		assert_int_equal(encode(&msg, VM), 0);
	}
}

static void test_keymap_chunks(void **state)
{
	(void)state;
	/* The last chunk of the largest keymap, and a one-byte keymap. */
	struct wire_msg msg = { .type = WIRE_KEYMAP,
		.keymap = { WIRE_MAX_KEYMAP_BYTES, WIRE_MAX_KEYMAP_BYTES - WIRE_MAX_KEYMAP_CHUNK,
			WIRE_MAX_KEYMAP_CHUNK, blob } };
	round_trip(&msg, DOM0);
	msg.keymap = (struct wire_keymap){ 1, 0, 1, blob };
	round_trip(&msg, DOM0);
	/* An empty chunk is a count error; an empty keymap a value one. */
	uint32_t empty[] = { 1, 0, 0 };
	assert_status(decode(raw_words(WIRE_KEYMAP, empty, 3), DOM0, NULL), WIRE_ERR_COUNT);
	uint32_t zero_total[] = { 0, 0, 1, 0 };
	assert_status(decode(raw(WIRE_KEYMAP, 13, zero_total, 4), DOM0, NULL), WIRE_ERR_VALUE);
	/* offset + length must not wrap past the total. */
	uint32_t wrap[] = { 100, 0xffffffffu, 1, 0 };
	assert_status(decode(raw(WIRE_KEYMAP, 13, wrap, 4), DOM0, NULL), WIRE_ERR_VALUE);
	/* A chunk larger than its keymap. */
	uint32_t large[] = { 1, 0, 2, 0 };
	assert_status(decode(raw(WIRE_KEYMAP, 14, large, 4), DOM0, NULL), WIRE_ERR_VALUE);
}
static void test_title_bounds(void **state)
{
	(void)state;
	static char long_title[WIRE_MAX_TITLE_BYTES + 1];
	memset(long_title, 'x', sizeof(long_title));

	struct wire_msg msg = { .type = WIRE_WINDOW_TITLE,
		.window_title = { 1, WIRE_MAX_TITLE_BYTES, long_title } };
	assert_int_equal(round_trip(&msg, WIRE_FROM_VM),
		WIRE_HEADER_SIZE + 8 + WIRE_MAX_TITLE_BYTES);

	msg.window_title.length = 0;
	msg.window_title.title = NULL;
	round_trip(&msg, WIRE_FROM_VM);

	msg.window_title.length = WIRE_MAX_TITLE_BYTES + 1;
	msg.window_title.title = long_title;
	assert_int_equal(encode(&msg, WIRE_FROM_VM), 0);

	/* 257 bytes on the wire, body consistent with it: a count error. */
	uint32_t words[2 + 65] = { 1, WIRE_MAX_TITLE_BYTES + 1 };
	raw(WIRE_WINDOW_TITLE, 8 + WIRE_MAX_TITLE_BYTES + 1, words, 67);
	assert_status(decode(WIRE_HEADER_SIZE + 8 + WIRE_MAX_TITLE_BYTES + 1, VM, NULL),
		WIRE_ERR_COUNT);

	/* A huge claimed length must not be trusted for the body size. */
	uint32_t huge[] = { 1, 0xfffffff8u };
	assert_status(decode(raw_words(WIRE_WINDOW_TITLE, huge, 2), VM, NULL), WIRE_ERR_COUNT);

	/* length says 4, the body carries 5 bytes of title. */
	uint32_t mismatch[] = { 1, 4, 0x64636261, 0x65 };
	raw(WIRE_WINDOW_TITLE, 8 + 5, mismatch, 4);
	assert_status(decode(WIRE_HEADER_SIZE + 13, VM, NULL), WIRE_ERR_LENGTH);
	/* Shorter than its fixed part. */
	assert_status(decode(raw_words(WIRE_WINDOW_TITLE, mismatch, 1), VM, NULL), WIRE_ERR_LENGTH);

	/* Zero window id. */
	uint32_t zero[] = { 0, 0 };
	assert_status(decode(raw_words(WIRE_WINDOW_TITLE, zero, 2), VM, NULL), WIRE_ERR_VALUE);
	msg.window_title = (struct wire_window_title){ 0, 0, NULL };
	assert_int_equal(encode(&msg, WIRE_FROM_VM), 0);

	/* Length > 0 with no bytes to copy. */
	msg.window_title = (struct wire_window_title){ 1, 3, NULL };
	assert_int_equal(encode(&msg, WIRE_FROM_VM), 0);
}

/* DAMAGE and DAMAGE_PART share a body and its bounds. */
static void check_damage_bounds(enum wire_msg_type type)
{
	struct wire_msg msg = damage_msg_of(type, WIRE_MAX_DAMAGE_RECTS);
	round_trip(&msg, WIRE_FROM_VM);
	msg = damage_msg_of(type, 1);
	round_trip(&msg, WIRE_FROM_VM);

	msg = damage_msg_of(type, WIRE_MAX_DAMAGE_RECTS + 1);
	assert_int_equal(encode(&msg, WIRE_FROM_VM), 0);
	msg = damage_msg_of(type, 0);
	assert_int_equal(encode(&msg, WIRE_FROM_VM), 0);

	/* On the wire: 65 rects (consistent body), and 0 rects. */
	static uint32_t words[3 + 4 * (WIRE_MAX_DAMAGE_RECTS + 1)];
	words[0] = 7;
	words[1] = 9;
	words[2] = WIRE_MAX_DAMAGE_RECTS + 1;
	for (size_t i = 3; i < ARRAY_LEN(words); i++) {
		words[i] = 1;
	}
	assert_status(decode(raw_words(type, words, ARRAY_LEN(words)), VM, NULL), WIRE_ERR_COUNT);
	words[2] = WIRE_MAX_DAMAGE_RECTS;
	assert_status(decode(raw_words(type, words, ARRAY_LEN(words) - 4), VM, NULL), WIRE_OK);
	words[2] = 0;
	assert_status(decode(raw_words(type, words, 3), VM, NULL), WIRE_ERR_COUNT);
	words[2] = 0xffffffffu;
	assert_status(decode(raw_words(type, words, 7), VM, NULL), WIRE_ERR_COUNT);

	/* rect_count 2 but one rect in the body. */
	words[2] = 2;
	assert_status(decode(raw_words(type, words, 7), VM, NULL), WIRE_ERR_LENGTH);
	assert_status(decode(raw_words(type, words, 2), VM, NULL), WIRE_ERR_LENGTH);

	/* Bad rectangles, each alone. */
	const struct wire_rect bad[] = {
		{ -1, 0, 1, 1 },
		{ 0, -1, 1, 1 },
		{ 0, 0, 0, 1 },
		{ 0, 0, 1, 0 },
		{ 0, 0, -5, 1 },
		{ 0, 0, 1, INT32_MIN },
		{ INT32_MAX, 0, 1, 1 },
		{ 0, 0, WIRE_MAX_WIDTH + 1, 1 },
		{ 1, 0, WIRE_MAX_WIDTH, 1 },
		{ 0, WIRE_MAX_HEIGHT, 1, 1 },
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		uint32_t w[] = { 7, 9, 1, (uint32_t)bad[i].x, (uint32_t)bad[i].y,
			(uint32_t)bad[i].width, (uint32_t)bad[i].height };
		assert_status(decode(raw_words(type, w, 7), VM, NULL), WIRE_ERR_VALUE);
		msg = damage_msg_of(type, 2);
		msg.damage.rects[1] = bad[i];
		assert_int_equal(encode(&msg, WIRE_FROM_VM), 0);
	}
	/* The largest rectangle is fine. */
	msg = damage_msg_of(type, 1);
	msg.damage.rects[0] = (struct wire_rect){ 0, 0, WIRE_MAX_WIDTH, WIRE_MAX_HEIGHT };
	round_trip(&msg, WIRE_FROM_VM);

	/* Zero ids. */
	msg = damage_msg_of(type, 1);
	msg.damage.window_id = 0;
	assert_int_equal(encode(&msg, WIRE_FROM_VM), 0);
	uint32_t zero_buf[] = { 7, 0, 1, 0, 0, 1, 1 };
	assert_status(decode(raw_words(type, zero_buf, 7), VM, NULL), WIRE_ERR_VALUE);
}

static void test_damage_bounds(void **state)
{
	(void)state;
	check_damage_bounds(WIRE_DAMAGE);
	check_damage_bounds(WIRE_DAMAGE_PART);
}

static size_t raw_buffer(uint32_t window_id, uint32_t buffer_id, uint32_t width, uint32_t height,
	uint32_t stride, uint32_t format, uint32_t ref_count)
{
	static uint32_t words[7 + WIRE_MAX_BUFFER_REFS + 2];
	uint32_t head[] = { window_id, buffer_id, width, height, stride, format, ref_count };
	memcpy(words, head, sizeof(head));
	for (uint32_t i = 0; i < ref_count && i < WIRE_MAX_BUFFER_REFS + 2; i++) {
		words[7 + i] = i;
	}
	return raw_words(WIRE_BUFFER_CREATE, words, 7 + (size_t)ref_count);
}

static uint32_t pages_for(uint32_t stride, uint32_t height)
{
	return (uint32_t)(((uint64_t)stride * height + WIRE_PAGE_SIZE - 1) / WIRE_PAGE_SIZE);
}

static void test_buffer_create_bounds(void **state)
{
	(void)state;
	const uint32_t argb = WIRE_FORMAT_ARGB8888;
	const uint32_t xrgb = WIRE_FORMAT_XRGB8888;

	/* Accepted at the limits. */
	assert_status(decode(raw_buffer(1, 1, 1, 1, 4, argb, 1), VM, NULL), WIRE_OK);
	assert_status(decode(raw_buffer(1, 1, WIRE_MAX_WIDTH, 1, WIRE_MAX_WIDTH * 4, xrgb, 8), VM,
			      NULL),
		WIRE_OK);
	assert_status(decode(raw_buffer(1, 1, 1, WIRE_MAX_HEIGHT, 4, xrgb, 8), VM, NULL), WIRE_OK);
	/* Exactly WIRE_MAX_BUFFER_BYTES: 4096 x 4096 x 4. */
	assert_status(decode(raw_buffer(1, 1, 4096, 4096, 16384, argb, WIRE_MAX_BUFFER_REFS), VM,
			      NULL),
		WIRE_OK);
	struct wire_msg big = buffer_msg(4096, 4096, 16384);
	assert_int_equal(round_trip(&big, WIRE_FROM_VM), WIRE_MAX_MESSAGE_SIZE);
	/* A partial last page still needs its ref. */
	assert_int_equal(pages_for(4 * 100, 11), 2);
	assert_status(decode(raw_buffer(1, 1, 100, 11, 400, argb, 2), VM, NULL), WIRE_OK);

	/* One past each limit. */
	const struct {
		uint32_t ids[2], width, height, stride, format;
		enum wire_status want;
	} bad[] = {
		{ { 0, 1 }, 10, 10, 40, argb, WIRE_ERR_VALUE },
		{ { 1, 0 }, 10, 10, 40, argb, WIRE_ERR_VALUE },
		{ { 1, 1 }, 0, 10, 40, argb, WIRE_ERR_VALUE },
		{ { 1, 1 }, 10, 0, 40, argb, WIRE_ERR_VALUE },
		{ { 1, 1 }, WIRE_MAX_WIDTH + 1, 1, (WIRE_MAX_WIDTH + 1) * 4, argb, WIRE_ERR_VALUE },
		{ { 1, 1 }, 1, WIRE_MAX_HEIGHT + 1, 4, argb, WIRE_ERR_VALUE },
		{ { 1, 1 }, 10, 10, 39, argb, WIRE_ERR_VALUE }, /* too small */
		{ { 1, 1 }, 10, 10, 36, argb, WIRE_ERR_VALUE }, /* too small */
		{ { 1, 1 }, 10, 10, 42, argb, WIRE_ERR_VALUE }, /* not /4 */
		{ { 1, 1 }, 10, 10, 40, 0, WIRE_ERR_VALUE }, /* format */
		{ { 1, 1 }, 10, 10, 40, 1, WIRE_ERR_VALUE },
		{ { 1, 1 }, 10, 10, 40, 0x34324241u, WIRE_ERR_VALUE }, /* AB24 */
		/* One row past WIRE_MAX_BUFFER_BYTES. */
		{ { 1, 1 }, 4096, 4097, 16384, argb, WIRE_ERR_VALUE },
		/* Huge stride: stride * height overflows 32 bits. */
		{ { 1, 1 }, 1, 8192, 0x80000000u, argb, WIRE_ERR_VALUE },
	};
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		/* A plausible ref count, capped so the body stays legal. */
		uint32_t refs = pages_for(bad[i].stride, bad[i].height);
		if (refs == 0 || refs > WIRE_MAX_BUFFER_REFS) {
			refs = 1;
		}
		enum wire_status got =
			decode(raw_buffer(bad[i].ids[0], bad[i].ids[1], bad[i].width, bad[i].height,
				       bad[i].stride, bad[i].format, refs),
				VM, NULL);
		if (got != bad[i].want) {
			fail_msg("case %zu: got %s", i, wire_status_str(got));
		}

		struct wire_msg msg = buffer_msg(10, 10, 40);
		msg.buffer_create.window_id = bad[i].ids[0];
		msg.buffer_create.buffer_id = bad[i].ids[1];
		msg.buffer_create.width = bad[i].width;
		msg.buffer_create.height = bad[i].height;
		msg.buffer_create.stride = bad[i].stride;
		msg.buffer_create.format = bad[i].format;
		msg.buffer_create.ref_count = refs;
		assert_int_equal(encode(&msg, WIRE_FROM_VM), 0);
	}
}

static void test_buffer_ref_count(void **state)
{
	(void)state;
	const uint32_t argb = WIRE_FORMAT_ARGB8888;
	uint32_t exact = pages_for(400, 50); /* 5 pages */
	assert_int_equal(exact, 5);
	assert_status(decode(raw_buffer(1, 2, 100, 50, 400, argb, exact), VM, NULL), WIRE_OK);
	/* Off by one either way, body consistent with the claimed count. */
	assert_status(decode(raw_buffer(1, 2, 100, 50, 400, argb, exact + 1), VM, NULL),
		WIRE_ERR_COUNT);
	assert_status(decode(raw_buffer(1, 2, 100, 50, 400, argb, exact - 1), VM, NULL),
		WIRE_ERR_COUNT);
	/* Above the absolute maximum: refused before the body length. */
	uint32_t head[] = { 1, 2, 100, 50, 400, argb, WIRE_MAX_BUFFER_REFS + 1 };
	assert_status(decode(raw_words(WIRE_BUFFER_CREATE, head, 7), VM, NULL), WIRE_ERR_COUNT);
	head[6] = 0xffffffffu;
	assert_status(decode(raw_words(WIRE_BUFFER_CREATE, head, 7), VM, NULL), WIRE_ERR_COUNT);
	/* Body shorter or longer than ref_count says. */
	size_t len = raw_buffer(1, 2, 100, 50, 400, argb, exact);
	put32(buf + 4, (uint32_t)(len - WIRE_HEADER_SIZE - 4));
	assert_status(decode(len - 4, VM, NULL), WIRE_ERR_LENGTH);
	len = raw_buffer(1, 2, 100, 50, 400, argb, exact);
	put32(buf + 4, (uint32_t)(len - WIRE_HEADER_SIZE + 4));
	assert_status(decode(len + 4, VM, NULL), WIRE_ERR_LENGTH);
	/* Shorter than the fixed part. */
	assert_status(decode(raw_words(WIRE_BUFFER_CREATE, head, 6), VM, NULL), WIRE_ERR_LENGTH);

	/* Encoder: count must be exact too. */
	struct wire_msg msg = buffer_msg(100, 50, 400);
	round_trip(&msg, WIRE_FROM_VM);
	msg.buffer_create.ref_count = exact + 1;
	assert_int_equal(encode(&msg, WIRE_FROM_VM), 0);
	msg.buffer_create.ref_count = exact - 1;
	assert_int_equal(encode(&msg, WIRE_FROM_VM), 0);
	msg.buffer_create.ref_count = exact;
	msg.buffer_create.refs = NULL;
	assert_int_equal(encode(&msg, WIRE_FROM_VM), 0);
	msg.buffer_create.refs = refs_bytes;
	msg.buffer_create.ref_count = WIRE_MAX_BUFFER_REFS + 1;
	assert_int_equal(encode(&msg, WIRE_FROM_VM), 0);
}

static void test_truncated_every_prefix(void **state)
{
	(void)state;
	struct sample s[MAX_SAMPLES + 4];
	size_t n = samples(s);
	s[n++] = (struct sample){ buffer_msg(4096, 4096, 16384), VM };
	s[n++] = (struct sample){ damage_msg(WIRE_MAX_DAMAGE_RECTS), VM };
	s[n++] = (struct sample){ { .type = WIRE_CLIPBOARD_SET,
					  .clipboard_set = { WIRE_MAX_CLIPBOARD_BYTES, blob } },
		DOM0 };
	s[n++] = (struct sample){ cursor_msg(64, 64), VM };
	for (size_t i = 0; i < n; i++) {
		size_t len = encode(&s[i].msg, s[i].from);
		assert_true(len > 0);
		for (size_t prefix = 0; prefix < len; prefix++) {
			struct wire_msg msg;
			size_t consumed = 12345;
			enum wire_status got = wire_decode(buf, prefix, s[i].from, &msg, &consumed);
			if (got != WIRE_INCOMPLETE) {
				fail_msg("%s prefix %zu of %zu: %s",
					wire_msg_type_str(s[i].msg.type), prefix, len,
					wire_status_str(got));
			}
			assert_int_equal(consumed, 12345);
		}
		assert_status(decode(len, s[i].from, NULL), WIRE_OK);
	}
}
static void test_too_large_from_header(void **state)
{
	(void)state;
	/* Only the 8-byte header has arrived. */
	const uint32_t lengths[] = { WIRE_MAX_BODY_SIZE + 1, 0x7fffffffu, 0xffffffffu };
	const uint32_t types[] = { WIRE_BUFFER_CREATE, WIRE_HELLO, 0x99 };
	for (size_t t = 0; t < ARRAY_LEN(types); t++) {
		for (size_t i = 0; i < ARRAY_LEN(lengths); i++) {
			raw(types[t], lengths[i], NULL, 0);
			assert_status(decode(WIRE_HEADER_SIZE, WIRE_FROM_VM, NULL),
				WIRE_ERR_TOO_LARGE);
		}
	}
	/* At the maximum it is just not there yet. */
	raw(WIRE_BUFFER_CREATE, WIRE_MAX_BODY_SIZE, NULL, 0);
	assert_status(decode(WIRE_HEADER_SIZE, VM, NULL), WIRE_INCOMPLETE);
}

static void test_wrong_length(void **state)
{
	(void)state;
	struct sample s[MAX_SAMPLES];
	size_t n = samples(s);
	for (size_t i = 0; i < n; i++) {
		const struct layout *l = layout_of(s[i].msg.type);
		uint32_t fixed = (uint32_t)(4 * l->words);
		size_t len = encode(&s[i].msg, s[i].from);
		assert_true(len > 0);
		if (l->elem != 0) {
			/* Below the fixed part: the count is not there. */
			if (fixed > 0) {
				put32(buf + 4, fixed - 1);
				assert_status(decode(WIRE_HEADER_SIZE + fixed - 1, s[i].from, NULL),
					WIRE_ERR_LENGTH);
			}
			continue;
		}
		/* The spec's fixed size, and nothing else. */
		assert_int_equal(len, WIRE_HEADER_SIZE + fixed);
		const uint32_t wrong[] = { 0, fixed - 1, fixed + 1, fixed + 4, fixed + 1000 };
		for (size_t w = 0; w < ARRAY_LEN(wrong); w++) {
			if (wrong[w] == fixed || wrong[w] > 4 * 1024) {
				continue; /* fixed 0: 0 is right, 0 - 1 wraps */
			}
			put32(buf + 4, wrong[w]);
			enum wire_status got = decode(WIRE_HEADER_SIZE + wrong[w], s[i].from, NULL);
			if (got != WIRE_ERR_LENGTH) {
				fail_msg("%s with %u bytes: %s", wire_msg_type_str(s[i].msg.type),
					wrong[w], wire_status_str(got));
			}
		}
	}
}

static void test_unknown_type(void **state)
{
	(void)state;
	const uint32_t types[] = { 0, 2, 0x0f, 0x1c, 0x1f, 0x20 - 1, 0x23, 0x3f, 0x44, 0x4f, 0x55,
		0x57, 0x5e, 0x63, 0x70, 0x100, 0x80000010u, 0xffffffffu };
	const uint32_t words[3] = { 1, 1, 1 };
	for (size_t i = 0; i < ARRAY_LEN(types); i++) {
		assert_status(decode(raw_words(types[i], words, 3), VM, NULL),
			WIRE_ERR_UNKNOWN_TYPE);
		assert_status(decode(raw_words(types[i], words, 0), DOM0, NULL),
			WIRE_ERR_UNKNOWN_TYPE);
		assert_string_equal(wire_msg_type_str(types[i]), "unknown");
		struct wire_msg msg = { .type = (enum wire_msg_type)types[i] };
		assert_int_equal(encode(&msg, VM), 0);
		assert_int_equal(encode(&msg, DOM0), 0);
		assert_int_equal(wire_encoded_size(&msg, VM), 0);
	}
}

static void test_direction(void **state)
{
	(void)state;
	struct sample s[MAX_SAMPLES];
	size_t n = samples(s);
	for (size_t i = 0; i < n; i++) {
		enum wire_sender other = s[i].from == VM ? DOM0 : VM;
		size_t len = encode(&s[i].msg, s[i].from);
		assert_true(len > 0);
		/* HELLO comes from both, but each side fills in its own
		 * fields: the other side's HELLO is out of range. */
		enum wire_status want =
			s[i].msg.type == WIRE_HELLO ? WIRE_ERR_VALUE : WIRE_ERR_DIRECTION;
		assert_status(decode(len, other, NULL), want);
		assert_int_equal(encode(&s[i].msg, other), 0);
	}
}
static void test_check_order(void **state)
{
	(void)state;
	const uint32_t words[4] = { 0, 0, 0, 0 };
	/* Too large beats unknown type and direction. */
	raw(0x99, WIRE_MAX_BODY_SIZE + 1, NULL, 0);
	assert_status(decode(WIRE_HEADER_SIZE, VM, NULL), WIRE_ERR_TOO_LARGE);
	/* Incomplete beats unknown type: the type is judged once whole. */
	raw(0x99, 4, words, 1);
	assert_status(decode(WIRE_HEADER_SIZE + 3, VM, NULL), WIRE_INCOMPLETE);
	/* Unknown type beats length. */
	assert_status(decode(raw(0x99, 1, words, 1), VM, NULL), WIRE_ERR_UNKNOWN_TYPE);
	/* Direction beats length and values. */
	assert_status(decode(raw(WIRE_CLOSE, 0, words, 0), VM, NULL), WIRE_ERR_DIRECTION);
	/* Length beats values (zero id). */
	assert_status(decode(raw(WIRE_CLOSE, 8, words, 2), WIRE_FROM_DOM0, NULL), WIRE_ERR_LENGTH);
	/* Count beats values. */
	uint32_t title[] = { 0, WIRE_MAX_TITLE_BYTES + 1 };
	assert_status(decode(raw_words(WIRE_WINDOW_TITLE, title, 2), VM, NULL), WIRE_ERR_COUNT);
}

static void test_decode_leaves_msg_on_error(void **state)
{
	(void)state;
	struct wire_msg msg;
	memset(&msg, 0xa5, sizeof(msg));
	struct wire_msg before = msg;
	uint32_t words[] = { 0, 1, 1, 0, 0, 0, 0, 0 };
	size_t len = raw_words(WIRE_WINDOW_CREATE, words, 8);
	size_t consumed = 99;
	assert_status(wire_decode(buf, len, WIRE_FROM_VM, &msg, &consumed), WIRE_ERR_VALUE);
	assert_int_equal(consumed, 99);
	assert_memory_equal(&msg, &before, sizeof(msg));
}

static void test_encoder_capacity(void **state)
{
	(void)state;
	struct wire_msg msg = { .type = WIRE_CLOSE, .close = { 1 } };
	uint8_t small[WIRE_HEADER_SIZE + 4];
	assert_int_equal(wire_encode(&msg, WIRE_FROM_DOM0, small, sizeof(small) - 1), 0);
	assert_int_equal(wire_encode(&msg, WIRE_FROM_DOM0, small, sizeof(small)), sizeof(small));
	assert_int_equal(wire_encode(&msg, WIRE_FROM_DOM0, NULL, 100), 0);
	struct wire_msg bad_type = { .type = (enum wire_msg_type)0x1b };
	assert_int_equal(wire_encode(&bad_type, WIRE_FROM_VM, small, sizeof(small)), 0);
}

static void test_names(void **state)
{
	(void)state;
	const enum wire_status all[] = { WIRE_OK, WIRE_INCOMPLETE, WIRE_ERR_UNKNOWN_TYPE,
		WIRE_ERR_DIRECTION, WIRE_ERR_TOO_LARGE, WIRE_ERR_LENGTH, WIRE_ERR_COUNT,
		WIRE_ERR_VALUE };
	for (size_t i = 0; i < ARRAY_LEN(all); i++) {
		for (size_t j = i + 1; j < ARRAY_LEN(all); j++) {
			assert_int_not_equal(all[i], all[j]);
			assert_string_not_equal(wire_status_str(all[i]), wire_status_str(all[j]));
		}
	}
	assert_string_equal(wire_status_str(WIRE_ERR_UNKNOWN_TYPE), "unknown-type");
	assert_string_equal(wire_status_str((enum wire_status)100), "unknown");
	for (size_t i = 0; i < ARRAY_LEN(layouts); i++) {
		for (size_t j = i + 1; j < ARRAY_LEN(layouts); j++) {
			assert_string_not_equal(wire_msg_type_str(layouts[i].type),
				wire_msg_type_str(layouts[j].type));
		}
	}
	assert_string_equal(wire_msg_type_str(WIRE_WINDOW_CREATE), "WINDOW_CREATE");
	assert_string_equal(wire_msg_type_str(WIRE_HELLO), "HELLO");
	assert_string_equal(wire_msg_type_str(WIRE_POINTER_FRAME), "POINTER_FRAME");
	assert_string_equal(wire_msg_type_str(WIRE_CLIPBOARD_SET), "CLIPBOARD_SET");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_every_type),
		cmocka_unit_test(test_layout_is_little_endian),
		cmocka_unit_test(test_back_to_back_messages),
		cmocka_unit_test(test_field_bounds),
		cmocka_unit_test(test_free_fields),
		cmocka_unit_test(test_tail_bounds),
		cmocka_unit_test(test_cursor_bounds),
		cmocka_unit_test(test_keymap_chunks),
		cmocka_unit_test(test_title_bounds),
		cmocka_unit_test(test_damage_bounds),
		cmocka_unit_test(test_buffer_create_bounds),
		cmocka_unit_test(test_buffer_ref_count),
		cmocka_unit_test(test_truncated_every_prefix),
		cmocka_unit_test(test_too_large_from_header),
		cmocka_unit_test(test_wrong_length),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_direction),
		cmocka_unit_test(test_check_order),
		cmocka_unit_test(test_decode_leaves_msg_on_error),
		cmocka_unit_test(test_encoder_capacity),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
