/*
 * The wire codec against protocols/wire-protocol.md: every type round
 * trips, every bound is accepted at its limit and refused one past it, and
 * each kind of violation gets its own status. Rejections are checked on
 * hand-built bytes, so the decoder is tested without trusting the encoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wire/codec.h"
#include "wire/protocol.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static uint8_t buf[WIRE_MAX_MESSAGE_SIZE + 64];

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* A raw message: header with the given body length, then words. */
static size_t raw(uint32_t type, uint32_t length, const uint32_t *words,
	size_t nwords)
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

static enum wire_status decode(size_t len, enum wire_sender from,
	struct wire_msg *msg)
{
	struct wire_msg scratch;
	size_t consumed = 0;
	enum wire_status status = wire_decode(buf, len, from,
		msg != NULL ? msg : &scratch, &consumed);
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
		fail_msg("got %s, want %s", wire_status_str(got),
			wire_status_str(want));
	}
}

/* --- messages used by several tests --- */

static uint8_t refs_bytes[4 * WIRE_MAX_BUFFER_REFS];
static const char title_text[WIRE_MAX_TITLE_BYTES + 1] =
	"a title \xe2\x9c\x93 with \x01 bytes the receiver will sanitise";

static struct wire_msg buffer_msg(uint32_t width, uint32_t height,
	uint32_t stride)
{
	uint64_t pages = ((uint64_t)stride * height + WIRE_PAGE_SIZE - 1) /
		WIRE_PAGE_SIZE;
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

static struct wire_msg damage_msg(uint32_t rect_count)
{
	struct wire_msg msg = {
		.type = WIRE_DAMAGE,
		.damage = {
			.window_id = 7,
			.buffer_id = 9,
			.rect_count = rect_count,
		},
	};
	for (uint32_t i = 0; i < rect_count && i < WIRE_MAX_DAMAGE_RECTS; i++) {
		msg.damage.rects[i] = (struct wire_rect){
			.x = (int32_t)i, .y = (int32_t)(2 * i),
			.width = 10 + (int32_t)i, .height = 1,
		};
	}
	return msg;
}

/* One valid message of every type, with the side that sends it. */
struct sample {
	struct wire_msg msg;
	enum wire_sender from;
};

static size_t samples(struct sample *out)
{
	size_t n = 0;
	out[n++] = (struct sample){ { .type = WIRE_HELLO, .hello = {
		WIRE_VERSION, 0, 0 } }, WIRE_FROM_VM };
	out[n++] = (struct sample){ { .type = WIRE_HELLO, .hello = {
		WIRE_VERSION, 1920, 1080 } }, WIRE_FROM_DOM0 };
	out[n++] = (struct sample){ { .type = WIRE_WINDOW_CREATE,
		.window_create = { 1, 640, 480 } }, WIRE_FROM_VM };
	out[n++] = (struct sample){ { .type = WIRE_WINDOW_DESTROY,
		.window_destroy = { 0xffffffffu } }, WIRE_FROM_VM };
	out[n++] = (struct sample){ { .type = WIRE_WINDOW_TITLE,
		.window_title = { 3, (uint32_t)strlen(title_text),
			title_text } }, WIRE_FROM_VM };
	out[n++] = (struct sample){ buffer_msg(100, 50, 400), WIRE_FROM_VM };
	out[n++] = (struct sample){ { .type = WIRE_BUFFER_DESTROY,
		.buffer_destroy = { 7, 9 } }, WIRE_FROM_VM };
	out[n++] = (struct sample){ damage_msg(3), WIRE_FROM_VM };
	out[n++] = (struct sample){ { .type = WIRE_FRAME_DONE,
		.frame_done = { 7, 0xfffffff0u } }, WIRE_FROM_DOM0 };
	out[n++] = (struct sample){ { .type = WIRE_BUFFER_RELEASE,
		.buffer_release = { 7, 9 } }, WIRE_FROM_DOM0 };
	out[n++] = (struct sample){ { .type = WIRE_CONFIGURE,
		.configure = { 7, 0, 8192 } }, WIRE_FROM_DOM0 };
	out[n++] = (struct sample){ { .type = WIRE_CLOSE,
		.close = { 7 } }, WIRE_FROM_DOM0 };
	return n;
}

static void assert_msg_equal(const struct wire_msg *a, const struct wire_msg *b)
{
	assert_int_equal(a->type, b->type);
	switch (a->type) {
	case WIRE_HELLO:
		assert_int_equal(a->hello.version, b->hello.version);
		assert_int_equal(a->hello.output_width, b->hello.output_width);
		assert_int_equal(a->hello.output_height, b->hello.output_height);
		break;
	case WIRE_WINDOW_CREATE:
		assert_int_equal(a->window_create.window_id,
			b->window_create.window_id);
		assert_int_equal(a->window_create.width, b->window_create.width);
		assert_int_equal(a->window_create.height,
			b->window_create.height);
		break;
	case WIRE_WINDOW_DESTROY:
		assert_int_equal(a->window_destroy.window_id,
			b->window_destroy.window_id);
		break;
	case WIRE_WINDOW_TITLE:
		assert_int_equal(a->window_title.window_id,
			b->window_title.window_id);
		assert_int_equal(a->window_title.length, b->window_title.length);
		assert_memory_equal(a->window_title.title, b->window_title.title,
			a->window_title.length);
		break;
	case WIRE_BUFFER_CREATE: {
		const struct wire_buffer_create *x = &a->buffer_create;
		const struct wire_buffer_create *y = &b->buffer_create;
		assert_int_equal(x->window_id, y->window_id);
		assert_int_equal(x->buffer_id, y->buffer_id);
		assert_int_equal(x->width, y->width);
		assert_int_equal(x->height, y->height);
		assert_int_equal(x->stride, y->stride);
		assert_int_equal(x->format, y->format);
		assert_int_equal(x->ref_count, y->ref_count);
		for (uint32_t i = 0; i < x->ref_count; i++) {
			assert_int_equal(wire_ref_at(x, i), wire_ref_at(y, i));
		}
		break;
	}
	case WIRE_BUFFER_DESTROY:
		assert_int_equal(a->buffer_destroy.window_id,
			b->buffer_destroy.window_id);
		assert_int_equal(a->buffer_destroy.buffer_id,
			b->buffer_destroy.buffer_id);
		break;
	case WIRE_DAMAGE:
		assert_int_equal(a->damage.window_id, b->damage.window_id);
		assert_int_equal(a->damage.buffer_id, b->damage.buffer_id);
		assert_int_equal(a->damage.rect_count, b->damage.rect_count);
		for (uint32_t i = 0; i < a->damage.rect_count; i++) {
			assert_int_equal(a->damage.rects[i].x, b->damage.rects[i].x);
			assert_int_equal(a->damage.rects[i].y, b->damage.rects[i].y);
			assert_int_equal(a->damage.rects[i].width,
				b->damage.rects[i].width);
			assert_int_equal(a->damage.rects[i].height,
				b->damage.rects[i].height);
		}
		break;
	case WIRE_FRAME_DONE:
		assert_int_equal(a->frame_done.window_id, b->frame_done.window_id);
		assert_int_equal(a->frame_done.time_msec, b->frame_done.time_msec);
		break;
	case WIRE_BUFFER_RELEASE:
		assert_int_equal(a->buffer_release.window_id,
			b->buffer_release.window_id);
		assert_int_equal(a->buffer_release.buffer_id,
			b->buffer_release.buffer_id);
		break;
	case WIRE_CONFIGURE:
		assert_int_equal(a->configure.window_id, b->configure.window_id);
		assert_int_equal(a->configure.width, b->configure.width);
		assert_int_equal(a->configure.height, b->configure.height);
		break;
	case WIRE_CLOSE:
		assert_int_equal(a->close.window_id, b->close.window_id);
		break;
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
		fail_msg("encoder refused a valid %s",
			wire_msg_type_str(msg->type));
	}
	struct wire_msg decoded;
	assert_status(decode(len, from, &decoded), WIRE_OK);
	assert_msg_equal(msg, &decoded);
	return len;
}

/* --- tests --- */

static void test_round_trip_every_type(void **state)
{
	(void)state;
	struct sample s[16];
	size_t n = samples(s);
	uint32_t seen = 0;
	for (size_t i = 0; i < n; i++) {
		round_trip(&s[i].msg, s[i].from);
		seen++;
	}
	assert_int_equal(seen, 12); /* 11 types, HELLO both ways */
}

static void test_layout_is_little_endian(void **state)
{
	(void)state;
	struct wire_msg msg = { .type = WIRE_WINDOW_CREATE,
		.window_create = { 0x04030201u, 0x0605u, 0x0807u } };
	const uint8_t want[] = {
		0x10, 0, 0, 0, 12, 0, 0, 0,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0, 0, 0x07, 0x08, 0, 0,
	};
	assert_int_equal(encode(&msg, WIRE_FROM_VM), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));

	struct wire_msg damage = damage_msg(1);
	damage.damage.rects[0] = (struct wire_rect){ 1, 2, 3, 4 };
	const uint8_t want_damage[] = {
		0x15, 0, 0, 0, 28, 0, 0, 0,
		7, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0,
		1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0,
	};
	assert_int_equal(encode(&damage, WIRE_FROM_VM), sizeof(want_damage));
	assert_memory_equal(buf, want_damage, sizeof(want_damage));
}

static void test_back_to_back_messages(void **state)
{
	(void)state;
	struct sample s[16];
	size_t n = samples(s);
	static uint8_t stream[4096 * 4];
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i].from != WIRE_FROM_VM) {
			continue;
		}
		size_t len = wire_encode(&s[i].msg, WIRE_FROM_VM,
			stream + total, sizeof(stream) - total);
		assert_true(len > 0);
		total += len;
	}
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i].from != WIRE_FROM_VM) {
			continue;
		}
		struct wire_msg msg;
		size_t consumed = 0;
		assert_status(wire_decode(stream + off, total - off,
			WIRE_FROM_VM, &msg, &consumed), WIRE_OK);
		assert_msg_equal(&s[i].msg, &msg);
		off += consumed;
	}
	assert_int_equal(off, total);
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
	assert_status(decode(WIRE_HEADER_SIZE + 8 + WIRE_MAX_TITLE_BYTES + 1,
		WIRE_FROM_VM, NULL), WIRE_ERR_COUNT);

	/* A huge claimed length must not be trusted for the body size. */
	uint32_t huge[] = { 1, 0xfffffff8u };
	assert_status(decode(raw_words(WIRE_WINDOW_TITLE, huge, 2),
		WIRE_FROM_VM, NULL), WIRE_ERR_COUNT);

	/* length says 4, the body carries 5 bytes of title. */
	uint32_t mismatch[] = { 1, 4, 0x64636261, 0x65 };
	raw(WIRE_WINDOW_TITLE, 8 + 5, mismatch, 4);
	assert_status(decode(WIRE_HEADER_SIZE + 13, WIRE_FROM_VM, NULL),
		WIRE_ERR_LENGTH);
	/* Shorter than its fixed part. */
	assert_status(decode(raw_words(WIRE_WINDOW_TITLE, mismatch, 1),
		WIRE_FROM_VM, NULL), WIRE_ERR_LENGTH);

	/* Zero window id. */
	uint32_t zero[] = { 0, 0 };
	assert_status(decode(raw_words(WIRE_WINDOW_TITLE, zero, 2),
		WIRE_FROM_VM, NULL), WIRE_ERR_VALUE);
	msg.window_title = (struct wire_window_title){ 0, 0, NULL };
	assert_int_equal(encode(&msg, WIRE_FROM_VM), 0);

	/* Length > 0 with no bytes to copy. */
	msg.window_title = (struct wire_window_title){ 1, 3, NULL };
	assert_int_equal(encode(&msg, WIRE_FROM_VM), 0);
}

static void test_damage_bounds(void **state)
{
	(void)state;
	struct wire_msg msg = damage_msg(WIRE_MAX_DAMAGE_RECTS);
	round_trip(&msg, WIRE_FROM_VM);
	msg = damage_msg(1);
	round_trip(&msg, WIRE_FROM_VM);

	msg = damage_msg(WIRE_MAX_DAMAGE_RECTS + 1);
	assert_int_equal(encode(&msg, WIRE_FROM_VM), 0);
	msg = damage_msg(0);
	assert_int_equal(encode(&msg, WIRE_FROM_VM), 0);

	/* On the wire: 65 rects (consistent body), and 0 rects. */
	static uint32_t words[3 + 4 * (WIRE_MAX_DAMAGE_RECTS + 1)];
	words[0] = 7;
	words[1] = 9;
	words[2] = WIRE_MAX_DAMAGE_RECTS + 1;
	for (size_t i = 3; i < ARRAY_LEN(words); i++) {
		words[i] = 1;
	}
	assert_status(decode(raw_words(WIRE_DAMAGE, words, ARRAY_LEN(words)),
		WIRE_FROM_VM, NULL), WIRE_ERR_COUNT);
	words[2] = WIRE_MAX_DAMAGE_RECTS;
	assert_status(decode(raw_words(WIRE_DAMAGE, words,
		ARRAY_LEN(words) - 4), WIRE_FROM_VM, NULL), WIRE_OK);
	words[2] = 0;
	assert_status(decode(raw_words(WIRE_DAMAGE, words, 3),
		WIRE_FROM_VM, NULL), WIRE_ERR_COUNT);
	words[2] = 0xffffffffu;
	assert_status(decode(raw_words(WIRE_DAMAGE, words, 7),
		WIRE_FROM_VM, NULL), WIRE_ERR_COUNT);

	/* rect_count 2 but one rect in the body. */
	words[2] = 2;
	assert_status(decode(raw_words(WIRE_DAMAGE, words, 7),
		WIRE_FROM_VM, NULL), WIRE_ERR_LENGTH);
	assert_status(decode(raw_words(WIRE_DAMAGE, words, 2),
		WIRE_FROM_VM, NULL), WIRE_ERR_LENGTH);

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
		assert_status(decode(raw_words(WIRE_DAMAGE, w, 7),
			WIRE_FROM_VM, NULL), WIRE_ERR_VALUE);
		msg = damage_msg(2);
		msg.damage.rects[1] = bad[i];
		assert_int_equal(encode(&msg, WIRE_FROM_VM), 0);
	}
	/* The largest rectangle is fine. */
	msg = damage_msg(1);
	msg.damage.rects[0] = (struct wire_rect){ 0, 0, WIRE_MAX_WIDTH,
		WIRE_MAX_HEIGHT };
	round_trip(&msg, WIRE_FROM_VM);

	/* Zero ids. */
	msg = damage_msg(1);
	msg.damage.window_id = 0;
	assert_int_equal(encode(&msg, WIRE_FROM_VM), 0);
	uint32_t zero_buf[] = { 7, 0, 1, 0, 0, 1, 1 };
	assert_status(decode(raw_words(WIRE_DAMAGE, zero_buf, 7),
		WIRE_FROM_VM, NULL), WIRE_ERR_VALUE);
}

static void test_window_sizes(void **state)
{
	(void)state;
	const uint32_t types[] = { WIRE_WINDOW_CREATE, WIRE_CONFIGURE };
	const enum wire_sender from[] = { WIRE_FROM_VM, WIRE_FROM_DOM0 };
	for (size_t t = 0; t < ARRAY_LEN(types); t++) {
		struct wire_msg msg = { .type = types[t] };
		/* window_create and configure share one layout. */
		msg.window_create = (struct wire_window_create){ 5,
			WIRE_MAX_WIDTH, WIRE_MAX_HEIGHT };
		round_trip(&msg, from[t]);
		msg.window_create.width = 0;
		msg.window_create.height = 0;
		round_trip(&msg, from[t]);
		msg.window_create.width = WIRE_MAX_WIDTH + 1;
		assert_int_equal(encode(&msg, from[t]), 0);

		uint32_t ok[] = { 5, WIRE_MAX_WIDTH, WIRE_MAX_HEIGHT };
		assert_status(decode(raw_words(types[t], ok, 3), from[t], NULL),
			WIRE_OK);
		uint32_t wide[] = { 5, WIRE_MAX_WIDTH + 1, 1 };
		assert_status(decode(raw_words(types[t], wide, 3), from[t],
			NULL), WIRE_ERR_VALUE);
		uint32_t tall[] = { 5, 1, WIRE_MAX_HEIGHT + 1 };
		assert_status(decode(raw_words(types[t], tall, 3), from[t],
			NULL), WIRE_ERR_VALUE);
		uint32_t zero[] = { 0, 1, 1 };
		assert_status(decode(raw_words(types[t], zero, 3), from[t],
			NULL), WIRE_ERR_VALUE);
	}
}

static void test_zero_ids(void **state)
{
	(void)state;
	struct {
		uint32_t type;
		enum wire_sender from;
		size_t words;
		size_t zero_at;
	} cases[] = {
		{ WIRE_WINDOW_DESTROY, WIRE_FROM_VM, 1, 0 },
		{ WIRE_BUFFER_DESTROY, WIRE_FROM_VM, 2, 0 },
		{ WIRE_BUFFER_DESTROY, WIRE_FROM_VM, 2, 1 },
		{ WIRE_FRAME_DONE, WIRE_FROM_DOM0, 2, 0 },
		{ WIRE_BUFFER_RELEASE, WIRE_FROM_DOM0, 2, 0 },
		{ WIRE_BUFFER_RELEASE, WIRE_FROM_DOM0, 2, 1 },
		{ WIRE_CLOSE, WIRE_FROM_DOM0, 1, 0 },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		uint32_t words[2] = { 3, 4 };
		assert_status(decode(raw_words(cases[i].type, words,
			cases[i].words), cases[i].from, NULL), WIRE_OK);
		words[cases[i].zero_at] = 0;
		assert_status(decode(raw_words(cases[i].type, words,
			cases[i].words), cases[i].from, NULL), WIRE_ERR_VALUE);

		/* The encoder refuses the same message. */
		struct wire_msg msg = { .type = cases[i].type };
		msg.buffer_destroy = (struct wire_buffer_destroy){ words[0],
			words[1] };
		if (cases[i].words == 1) {
			msg.buffer_destroy.buffer_id = 0;
		}
		assert_int_equal(encode(&msg, cases[i].from), 0);
	}
}

/* A BUFFER_CREATE body on the wire, refs consistent with ref_count. */
static size_t raw_buffer(uint32_t window_id, uint32_t buffer_id,
	uint32_t width, uint32_t height, uint32_t stride, uint32_t format,
	uint32_t ref_count)
{
	static uint32_t words[7 + WIRE_MAX_BUFFER_REFS + 2];
	uint32_t head[] = { window_id, buffer_id, width, height, stride,
		format, ref_count };
	memcpy(words, head, sizeof(head));
	for (uint32_t i = 0; i < ref_count && i < WIRE_MAX_BUFFER_REFS + 2; i++) {
		words[7 + i] = i;
	}
	return raw_words(WIRE_BUFFER_CREATE, words, 7 + (size_t)ref_count);
}

static uint32_t pages_for(uint32_t stride, uint32_t height)
{
	return (uint32_t)(((uint64_t)stride * height + WIRE_PAGE_SIZE - 1) /
		WIRE_PAGE_SIZE);
}

static void test_buffer_create_bounds(void **state)
{
	(void)state;
	const uint32_t argb = WIRE_FORMAT_ARGB8888;
	const uint32_t xrgb = WIRE_FORMAT_XRGB8888;

	/* Accepted at the limits. */
	assert_status(decode(raw_buffer(1, 1, 1, 1, 4, argb, 1),
		WIRE_FROM_VM, NULL), WIRE_OK);
	assert_status(decode(raw_buffer(1, 1, WIRE_MAX_WIDTH, 1,
		WIRE_MAX_WIDTH * 4, xrgb, 8), WIRE_FROM_VM, NULL), WIRE_OK);
	assert_status(decode(raw_buffer(1, 1, 1, WIRE_MAX_HEIGHT, 4, xrgb,
		8), WIRE_FROM_VM, NULL), WIRE_OK);
	/* Exactly WIRE_MAX_BUFFER_BYTES: 4096 x 4096 x 4. */
	assert_status(decode(raw_buffer(1, 1, 4096, 4096, 16384, argb,
		WIRE_MAX_BUFFER_REFS), WIRE_FROM_VM, NULL), WIRE_OK);
	struct wire_msg big = buffer_msg(4096, 4096, 16384);
	assert_int_equal(round_trip(&big, WIRE_FROM_VM),
		WIRE_MAX_MESSAGE_SIZE);
	/* A partial last page still needs its ref. */
	assert_int_equal(pages_for(4 * 100, 11), 2);
	assert_status(decode(raw_buffer(1, 1, 100, 11, 400, argb, 2),
		WIRE_FROM_VM, NULL), WIRE_OK);

	/* One past each limit. */
	const struct {
		uint32_t ids[2], width, height, stride, format;
		enum wire_status want;
	} bad[] = {
		{ { 0, 1 }, 10, 10, 40, argb, WIRE_ERR_VALUE },
		{ { 1, 0 }, 10, 10, 40, argb, WIRE_ERR_VALUE },
		{ { 1, 1 }, 0, 10, 40, argb, WIRE_ERR_VALUE },
		{ { 1, 1 }, 10, 0, 40, argb, WIRE_ERR_VALUE },
		{ { 1, 1 }, WIRE_MAX_WIDTH + 1, 1, (WIRE_MAX_WIDTH + 1) * 4,
			argb, WIRE_ERR_VALUE },
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
		enum wire_status got = decode(raw_buffer(bad[i].ids[0],
			bad[i].ids[1], bad[i].width, bad[i].height,
			bad[i].stride, bad[i].format, refs), WIRE_FROM_VM, NULL);
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
	assert_status(decode(raw_buffer(1, 2, 100, 50, 400, argb, exact),
		WIRE_FROM_VM, NULL), WIRE_OK);
	/* Off by one either way, body consistent with the claimed count. */
	assert_status(decode(raw_buffer(1, 2, 100, 50, 400, argb, exact + 1),
		WIRE_FROM_VM, NULL), WIRE_ERR_COUNT);
	assert_status(decode(raw_buffer(1, 2, 100, 50, 400, argb, exact - 1),
		WIRE_FROM_VM, NULL), WIRE_ERR_COUNT);
	/* Above the absolute maximum: refused before the body length. */
	uint32_t head[] = { 1, 2, 100, 50, 400, argb,
		WIRE_MAX_BUFFER_REFS + 1 };
	assert_status(decode(raw_words(WIRE_BUFFER_CREATE, head, 7),
		WIRE_FROM_VM, NULL), WIRE_ERR_COUNT);
	head[6] = 0xffffffffu;
	assert_status(decode(raw_words(WIRE_BUFFER_CREATE, head, 7),
		WIRE_FROM_VM, NULL), WIRE_ERR_COUNT);
	/* Body shorter or longer than ref_count says. */
	size_t len = raw_buffer(1, 2, 100, 50, 400, argb, exact);
	put32(buf + 4, (uint32_t)(len - WIRE_HEADER_SIZE - 4));
	assert_status(decode(len - 4, WIRE_FROM_VM, NULL), WIRE_ERR_LENGTH);
	len = raw_buffer(1, 2, 100, 50, 400, argb, exact);
	put32(buf + 4, (uint32_t)(len - WIRE_HEADER_SIZE + 4));
	assert_status(decode(len + 4, WIRE_FROM_VM, NULL), WIRE_ERR_LENGTH);
	/* Shorter than the fixed part. */
	assert_status(decode(raw_words(WIRE_BUFFER_CREATE, head, 6),
		WIRE_FROM_VM, NULL), WIRE_ERR_LENGTH);

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
	struct sample s[16];
	size_t n = samples(s);
	s[n++] = (struct sample){ buffer_msg(4096, 4096, 16384), WIRE_FROM_VM };
	s[n++] = (struct sample){ damage_msg(WIRE_MAX_DAMAGE_RECTS),
		WIRE_FROM_VM };
	for (size_t i = 0; i < n; i++) {
		size_t len = encode(&s[i].msg, s[i].from);
		assert_true(len > 0);
		for (size_t prefix = 0; prefix < len; prefix++) {
			struct wire_msg msg;
			size_t consumed = 12345;
			enum wire_status got = wire_decode(buf, prefix,
				s[i].from, &msg, &consumed);
			if (got != WIRE_INCOMPLETE) {
				fail_msg("%s prefix %zu of %zu: %s",
					wire_msg_type_str(s[i].msg.type), prefix,
					len, wire_status_str(got));
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
	const uint32_t lengths[] = { WIRE_MAX_BODY_SIZE + 1, 0x7fffffffu,
		0xffffffffu };
	const uint32_t types[] = { WIRE_BUFFER_CREATE, WIRE_HELLO, 0x99 };
	for (size_t t = 0; t < ARRAY_LEN(types); t++) {
		for (size_t i = 0; i < ARRAY_LEN(lengths); i++) {
			raw(types[t], lengths[i], NULL, 0);
			assert_status(decode(WIRE_HEADER_SIZE, WIRE_FROM_VM,
				NULL), WIRE_ERR_TOO_LARGE);
		}
	}
	/* At the maximum it is just not there yet. */
	raw(WIRE_BUFFER_CREATE, WIRE_MAX_BODY_SIZE, NULL, 0);
	assert_status(decode(WIRE_HEADER_SIZE, WIRE_FROM_VM, NULL),
		WIRE_INCOMPLETE);
}

static void test_fixed_length_wrong(void **state)
{
	(void)state;
	const struct {
		uint32_t type;
		enum wire_sender from;
		uint32_t size;
	} fixed[] = {
		{ WIRE_HELLO, WIRE_FROM_VM, 12 },
		{ WIRE_WINDOW_CREATE, WIRE_FROM_VM, 12 },
		{ WIRE_WINDOW_DESTROY, WIRE_FROM_VM, 4 },
		{ WIRE_BUFFER_DESTROY, WIRE_FROM_VM, 8 },
		{ WIRE_FRAME_DONE, WIRE_FROM_DOM0, 8 },
		{ WIRE_BUFFER_RELEASE, WIRE_FROM_DOM0, 8 },
		{ WIRE_CONFIGURE, WIRE_FROM_DOM0, 12 },
		{ WIRE_CLOSE, WIRE_FROM_DOM0, 4 },
	};
	const uint32_t ones[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
	for (size_t i = 0; i < ARRAY_LEN(fixed); i++) {
		assert_status(decode(raw(fixed[i].type, fixed[i].size, ones, 8),
			fixed[i].from, NULL), WIRE_OK);
		const uint32_t wrong[] = { 0, fixed[i].size - 1,
			fixed[i].size + 1, fixed[i].size + 4 };
		for (size_t w = 0; w < ARRAY_LEN(wrong); w++) {
			assert_status(decode(raw(fixed[i].type, wrong[w], ones,
				8), fixed[i].from, NULL), WIRE_ERR_LENGTH);
		}
	}
	/* Variable types below their fixed part. */
	assert_status(decode(raw(WIRE_WINDOW_TITLE, 7, ones, 8),
		WIRE_FROM_VM, NULL), WIRE_ERR_LENGTH);
	assert_status(decode(raw(WIRE_DAMAGE, 0, ones, 8), WIRE_FROM_VM, NULL),
		WIRE_ERR_LENGTH);
	assert_status(decode(raw(WIRE_BUFFER_CREATE, 27, ones, 8),
		WIRE_FROM_VM, NULL), WIRE_ERR_LENGTH);
}

static void test_unknown_type(void **state)
{
	(void)state;
	const uint32_t types[] = { 0, 2, 0x0f, 0x16, 0x1f, 0x20, 0x3f, 0x44,
		0x100, 0x80000010u, 0xffffffffu };
	const uint32_t words[3] = { 1, 1, 1 };
	for (size_t i = 0; i < ARRAY_LEN(types); i++) {
		assert_status(decode(raw_words(types[i], words, 3),
			WIRE_FROM_VM, NULL), WIRE_ERR_UNKNOWN_TYPE);
		assert_status(decode(raw_words(types[i], words, 0),
			WIRE_FROM_DOM0, NULL), WIRE_ERR_UNKNOWN_TYPE);
		assert_string_equal(wire_msg_type_str(types[i]), "unknown");
		struct wire_msg msg = { .type = (enum wire_msg_type)types[i] };
		assert_int_equal(encode(&msg, WIRE_FROM_VM), 0);
		assert_int_equal(encode(&msg, WIRE_FROM_DOM0), 0);
	}
}

static void test_direction(void **state)
{
	(void)state;
	struct sample s[16];
	size_t n = samples(s);
	for (size_t i = 0; i < n; i++) {
		enum wire_sender other = s[i].from == WIRE_FROM_VM ?
			WIRE_FROM_DOM0 : WIRE_FROM_VM;
		size_t len = encode(&s[i].msg, s[i].from);
		assert_true(len > 0);
		enum wire_status want = s[i].msg.type == WIRE_HELLO ?
			WIRE_OK : WIRE_ERR_DIRECTION;
		assert_status(decode(len, other, NULL), want);
		if (want != WIRE_OK) {
			assert_int_equal(encode(&s[i].msg, other), 0);
		}
	}
}

static void test_check_order(void **state)
{
	(void)state;
	const uint32_t words[4] = { 0, 0, 0, 0 };
	/* Too large beats unknown type and direction. */
	raw(0x99, WIRE_MAX_BODY_SIZE + 1, NULL, 0);
	assert_status(decode(WIRE_HEADER_SIZE, WIRE_FROM_VM, NULL),
		WIRE_ERR_TOO_LARGE);
	/* Incomplete beats unknown type: the type is judged once whole. */
	raw(0x99, 4, words, 1);
	assert_status(decode(WIRE_HEADER_SIZE + 3, WIRE_FROM_VM, NULL),
		WIRE_INCOMPLETE);
	/* Unknown type beats length. */
	assert_status(decode(raw(0x99, 1, words, 1), WIRE_FROM_VM, NULL),
		WIRE_ERR_UNKNOWN_TYPE);
	/* Direction beats length and values. */
	assert_status(decode(raw(WIRE_CLOSE, 0, words, 0), WIRE_FROM_VM, NULL),
		WIRE_ERR_DIRECTION);
	/* Length beats values (zero id). */
	assert_status(decode(raw(WIRE_CLOSE, 8, words, 2), WIRE_FROM_DOM0,
		NULL), WIRE_ERR_LENGTH);
	/* Count beats values. */
	uint32_t title[] = { 0, WIRE_MAX_TITLE_BYTES + 1 };
	assert_status(decode(raw_words(WIRE_WINDOW_TITLE, title, 2),
		WIRE_FROM_VM, NULL), WIRE_ERR_COUNT);
}

static void test_decode_leaves_msg_on_error(void **state)
{
	(void)state;
	struct wire_msg msg;
	memset(&msg, 0xa5, sizeof(msg));
	struct wire_msg before = msg;
	uint32_t words[] = { 0, 1, 1 };
	size_t len = raw_words(WIRE_WINDOW_CREATE, words, 3);
	size_t consumed = 99;
	assert_status(wire_decode(buf, len, WIRE_FROM_VM, &msg, &consumed),
		WIRE_ERR_VALUE);
	assert_int_equal(consumed, 99);
	assert_memory_equal(&msg, &before, sizeof(msg));
}

static void test_encoder_capacity(void **state)
{
	(void)state;
	struct wire_msg msg = { .type = WIRE_CLOSE, .close = { 1 } };
	uint8_t small[WIRE_HEADER_SIZE + 4];
	assert_int_equal(wire_encode(&msg, WIRE_FROM_DOM0, small,
		sizeof(small) - 1), 0);
	assert_int_equal(wire_encode(&msg, WIRE_FROM_DOM0, small,
		sizeof(small)), sizeof(small));
	assert_int_equal(wire_encode(&msg, WIRE_FROM_DOM0, NULL, 100), 0);
	struct wire_msg bad_type = { .type = (enum wire_msg_type)0x16 };
	assert_int_equal(wire_encode(&bad_type, WIRE_FROM_VM, small,
		sizeof(small)), 0);
}

static void test_names(void **state)
{
	(void)state;
	const enum wire_status all[] = { WIRE_OK, WIRE_INCOMPLETE,
		WIRE_ERR_UNKNOWN_TYPE, WIRE_ERR_DIRECTION, WIRE_ERR_TOO_LARGE,
		WIRE_ERR_LENGTH, WIRE_ERR_COUNT, WIRE_ERR_VALUE };
	for (size_t i = 0; i < ARRAY_LEN(all); i++) {
		for (size_t j = i + 1; j < ARRAY_LEN(all); j++) {
			assert_int_not_equal(all[i], all[j]);
			assert_string_not_equal(wire_status_str(all[i]),
				wire_status_str(all[j]));
		}
	}
	assert_string_equal(wire_status_str(WIRE_ERR_UNKNOWN_TYPE),
		"unknown-type");
	assert_string_equal(wire_status_str((enum wire_status)100), "unknown");
	assert_string_equal(wire_msg_type_str(WIRE_WINDOW_CREATE),
		"WINDOW_CREATE");
	assert_string_equal(wire_msg_type_str(WIRE_HELLO), "HELLO");
	assert_string_equal(wire_msg_type_str(WIRE_CLOSE), "CLOSE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_every_type),
		cmocka_unit_test(test_layout_is_little_endian),
		cmocka_unit_test(test_back_to_back_messages),
		cmocka_unit_test(test_title_bounds),
		cmocka_unit_test(test_damage_bounds),
		cmocka_unit_test(test_window_sizes),
		cmocka_unit_test(test_zero_ids),
		cmocka_unit_test(test_buffer_create_bounds),
		cmocka_unit_test(test_buffer_ref_count),
		cmocka_unit_test(test_truncated_every_prefix),
		cmocka_unit_test(test_too_large_from_header),
		cmocka_unit_test(test_fixed_length_wrong),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_direction),
		cmocka_unit_test(test_check_order),
		cmocka_unit_test(test_decode_leaves_msg_on_error),
		cmocka_unit_test(test_encoder_capacity),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
