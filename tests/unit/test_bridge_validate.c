/*
 * The bridge's stateful rules: each one accepts at its limit, refuses one
 * past it with its own reason, and a refused message changes nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vm-bridge/validate.h"
#include "common/wire/protocol.h"

#define MIB (1024ull * 1024ull)

static struct validate_state vs;
static char why[VALIDATE_WHY_MAX];

static int setup(void **state)
{
	struct validate_limits limits = {
		.max_windows = 3,
		.max_buffer_bytes = 4 * MIB,
	};
	validate_init(&vs, &limits);
	return 0;
}

static int teardown(void **state)
{
	validate_finish(&vs);
	return 0;
}

static bool check(struct wire_msg msg)
{
	return validate_msg(&vs, &msg, why);
}

static void expect_ok(struct wire_msg msg)
{
	bool ok = check(msg);
	if (!ok) {
		fail_msg("refused: %s", why);
	}
	assert_int_equal(vs.error, VALIDATE_OK);
}

/* Refused for the rule given, saying so, and with nothing changed. */
static void expect_refused(struct wire_msg msg, enum validate_error error, const char *reason)
{
	static struct validate_window before[1024];
	uint32_t count = vs.window_count;
	assert_true(count <= 1024);
	if (count > 0) {
		memcpy(before, vs.windows, count * sizeof(*before));
	}
	struct validate_state saved = vs;

	assert_false(check(msg));
	if (vs.error != error) {
		fail_msg("refused as %s (%s), want %s", validate_error_str(vs.error), why,
			validate_error_str(error));
	}
	if (strstr(why, reason) == NULL) {
		fail_msg("reason %s does not mention %s", why, reason);
	}
	assert_int_equal(vs.window_count, count);
	assert_int_equal(vs.mapped_bytes, saved.mapped_bytes);
	assert_int_equal(vs.hello_seen, saved.hello_seen);
	assert_memory_equal(&vs.clipboard_requests, &saved.clipboard_requests,
		sizeof(saved.clipboard_requests));
	assert_memory_equal(&vs.pings, &saved.pings, sizeof(saved.pings));
	if (count > 0) {
		assert_memory_equal(vs.windows, before, count * sizeof(*before));
	}
}

static struct wire_msg hello(uint32_t version)
{
	return (struct wire_msg){ .type = WIRE_HELLO, .hello = { .version = version } };
}

static struct wire_msg create_window(uint32_t id)
{
	return (struct wire_msg){ .type = WIRE_WINDOW_CREATE,
		.window_create = { .window_id = id } };
}

static struct wire_msg destroy_window(uint32_t id)
{
	return (struct wire_msg){ .type = WIRE_WINDOW_DESTROY,
		.window_destroy = { .window_id = id } };
}

static struct wire_msg create_buffer(uint32_t window, uint32_t id, uint32_t width, uint32_t height)
{
	uint32_t stride = width * 4;
	uint64_t bytes = (uint64_t)stride * height;
	return (struct wire_msg){ .type = WIRE_BUFFER_CREATE,
		.buffer_create = {
			.window_id = window,
			.buffer_id = id,
			.width = width,
			.height = height,
			.stride = stride,
			.format = WIRE_FORMAT_XRGB8888,
			.ref_count = (uint32_t)((bytes + WIRE_PAGE_SIZE - 1) / WIRE_PAGE_SIZE),
		} };
}

static struct wire_msg destroy_buffer(uint32_t window, uint32_t id)
{
	return (struct wire_msg){ .type = WIRE_BUFFER_DESTROY,
		.buffer_destroy = { .window_id = window, .buffer_id = id } };
}

static struct wire_msg damage(uint32_t window, uint32_t buffer, int32_t x, int32_t y, int32_t w,
	int32_t h)
{
	struct wire_msg msg = { .type = WIRE_DAMAGE,
		.damage = { .window_id = window, .buffer_id = buffer, .rect_count = 1 } };
	msg.damage.rects[0] = (struct wire_rect){ x, y, w, h };
	return msg;
}

static struct wire_msg title(uint32_t window, uint32_t length)
{
	return (struct wire_msg){ .type = WIRE_WINDOW_TITLE,
		.window_title = { .window_id = window, .length = length, .title = "t" } };
}

static struct wire_msg create_child(uint32_t id, uint32_t kind, uint32_t parent, int32_t x,
	int32_t y)
{
	return (struct wire_msg){ .type = WIRE_WINDOW_CREATE,
		.window_create = { .window_id = id,
			.kind = kind,
			.parent_id = parent,
			.x = x,
			.y = y } };
}

static struct wire_msg app_id(uint32_t window, uint32_t length)
{
	return (struct wire_msg){ .type = WIRE_WINDOW_APP_ID,
		.window_app_id = { .window_id = window, .length = length, .app_id = "a" } };
}

static struct wire_msg hints(uint32_t window)
{
	return (struct wire_msg){ .type = WIRE_WINDOW_HINTS,
		.window_hints = { .window_id = window, .min_width = 10 } };
}

static struct wire_msg request(uint32_t window)
{
	return (struct wire_msg){ .type = WIRE_WINDOW_REQUEST,
		.window_request = { .window_id = window, .request = WIRE_REQUEST_MAXIMIZE } };
}

static struct wire_msg move(uint32_t window, int32_t x, int32_t y)
{
	return (struct wire_msg){ .type = WIRE_WINDOW_MOVE,
		.window_move = { .window_id = window, .x = x, .y = y } };
}

static struct wire_msg ack(uint32_t window, uint32_t serial)
{
	return (struct wire_msg){ .type = WIRE_CONFIGURE_ACK,
		.configure_ack = { .window_id = window, .serial = serial } };
}

static struct wire_msg clipboard(uint32_t serial, uint32_t length)
{
	return (struct wire_msg){ .type = WIRE_CLIPBOARD_DATA,
		.clipboard_data = { .serial = serial,
			.length = length,
			.data = (const uint8_t *)"x" } };
}

static struct wire_msg pong(uint32_t serial)
{
	return (struct wire_msg){ .type = WIRE_PONG, .pong = { .serial = serial } };
}

/* What dom0 sends; returns the serial validate gave it. */
static uint32_t sent(struct wire_msg msg)
{
	assert_true(validate_outgoing(&vs, &msg));
	switch (msg.type) {
	case WIRE_CONFIGURE:
		return msg.configure.serial;
	case WIRE_CLIPBOARD_REQUEST:
		return msg.clipboard_request.serial;
	case WIRE_PING:
		return msg.ping.serial;
	default:
		return 0;
	}
}

static struct wire_msg configure(uint32_t window)
{
	return (struct wire_msg){ .type = WIRE_CONFIGURE,
		.configure = { .window_id = window, .serial = 999 } };
}

static const struct wire_msg clipboard_request = { .type = WIRE_CLIPBOARD_REQUEST };
static const struct wire_msg ping = { .type = WIRE_PING };

static void test_hello_first_and_once(void **state)
{
	expect_refused(create_window(1), VALIDATE_ERR_NO_HELLO, "first message must be HELLO");
	expect_refused(hello(WIRE_VERSION + 1), VALIDATE_ERR_VERSION, "protocol version");
	expect_ok(hello(WIRE_VERSION));
	expect_refused(hello(WIRE_VERSION), VALIDATE_ERR_HELLO_AGAIN, "HELLO sent a second time");
	expect_ok(create_window(1));
}

static void test_dom0_types_refused(void **state)
{
	expect_ok(hello(WIRE_VERSION));
	struct wire_msg msg = { .type = WIRE_FRAME_DONE };
	expect_refused(msg, VALIDATE_ERR_NOT_FROM_VM, "not a VM message");
	msg.type = (enum wire_msg_type)0x99;
	expect_refused(msg, VALIDATE_ERR_NOT_FROM_VM, "not a VM message");
}

static void test_window_ids_and_limit(void **state)
{
	expect_ok(hello(WIRE_VERSION));
	expect_refused(create_window(0), VALIDATE_ERR_ID_ZERO, "id 0");
	expect_ok(create_window(1));
	expect_refused(create_window(1), VALIDATE_ERR_WINDOW_EXISTS, "window 1 already exists");
	expect_ok(create_window(2));
	expect_ok(create_window(0xffffffff));
	expect_refused(create_window(4), VALIDATE_ERR_WINDOW_LIMIT, "limit of 3 windows");
	expect_ok(destroy_window(2));
	expect_refused(destroy_window(2), VALIDATE_ERR_NO_WINDOW, "no window 2");
	expect_ok(create_window(4));
	/* The ones that were not destroyed are still there. */
	expect_refused(create_window(1), VALIDATE_ERR_WINDOW_EXISTS, "already exists");
	expect_refused(create_window(0xffffffff), VALIDATE_ERR_WINDOW_EXISTS, "already exists");
	expect_ok(title(4, 1));
	expect_refused(title(2, 1), VALIDATE_ERR_NO_WINDOW, "no window 2");
	expect_refused(title(4, WIRE_MAX_TITLE_BYTES + 1), VALIDATE_ERR_TOO_LONG, "title of");
}

static void test_many_windows_grow(void **state)
{
	struct validate_limits limits = { .max_windows = 1000, .max_buffer_bytes = MIB };
	validate_reset(&vs);
	vs.limits = limits;
	expect_ok(hello(WIRE_VERSION));
	for (uint32_t i = 1; i <= 1000; i++) {
		expect_ok(create_window(i));
	}
	expect_refused(create_window(1001), VALIDATE_ERR_WINDOW_LIMIT, "limit of 1000 windows");
	for (uint32_t i = 1000; i >= 1; i--) {
		expect_ok(destroy_window(i));
	}
	assert_int_equal(vs.window_count, 0);
}

static void test_buffers_per_window(void **state)
{
	expect_ok(hello(WIRE_VERSION));
	expect_refused(create_buffer(1, 1, 16, 16), VALIDATE_ERR_NO_WINDOW, "no window 1");
	expect_ok(create_window(1));
	expect_ok(create_buffer(1, 1, 16, 16));
	expect_refused(create_buffer(1, 1, 16, 16), VALIDATE_ERR_BUFFER_EXISTS,
		"buffer 1 already exists in window 1");
	expect_ok(create_buffer(1, 2, 16, 16));
	expect_ok(create_buffer(1, 3, 16, 16));
	expect_ok(create_buffer(1, 4, 16, 16));
	expect_refused(create_buffer(1, 5, 16, 16), VALIDATE_ERR_BUFFER_LIMIT, "exceed 4 buffers");
	/* Buffer ids are per window. */
	expect_ok(create_window(2));
	expect_ok(create_buffer(2, 1, 16, 16));
	expect_ok(destroy_buffer(1, 3));
	expect_refused(destroy_buffer(1, 3), VALIDATE_ERR_NO_BUFFER, "no buffer 3 in window 1");
	expect_refused(destroy_buffer(3, 1), VALIDATE_ERR_NO_WINDOW, "no window 3");
	expect_ok(create_buffer(1, 5, 16, 16));
	expect_refused(create_buffer(1, 0, 16, 16), VALIDATE_ERR_ID_ZERO, "id 0");
}

static void test_quota(void **state)
{
	expect_ok(hello(WIRE_VERSION));
	expect_ok(create_window(1));
	expect_ok(create_window(2));
	/* 1024x512x4 = 2 MiB each: two fit in 4 MiB, a third does not. */
	expect_ok(create_buffer(1, 1, 1024, 512));
	expect_ok(create_buffer(1, 2, 1024, 512));
	assert_int_equal(vs.mapped_bytes, 4 * MIB);
	expect_refused(create_buffer(2, 1, 1, 1), VALIDATE_ERR_QUOTA, "quota");
	/* Destroying a buffer gives its bytes back. */
	expect_ok(destroy_buffer(1, 2));
	expect_ok(create_buffer(2, 1, 1024, 512));
	/* Destroying a window gives back all of its buffers. */
	expect_ok(destroy_window(1));
	assert_int_equal(vs.mapped_bytes, 2 * MIB);
	expect_ok(create_buffer(2, 2, 1024, 512));
	expect_refused(create_buffer(2, 3, 1, 1), VALIDATE_ERR_QUOTA, "quota");
	/* A partial page counts as a whole one: that is what is mapped. */
	expect_ok(destroy_window(2));
	assert_int_equal(vs.mapped_bytes, 0);
	expect_ok(create_window(3));
	expect_ok(create_buffer(3, 1, 1, 1));
	assert_int_equal(vs.mapped_bytes, WIRE_PAGE_SIZE);
}

static void test_quota_at_maximum(void **state)
{
	/* A quota near 2^64 must not let a sum wrap. */
	vs.limits.max_buffer_bytes = UINT64_MAX;
	expect_ok(hello(WIRE_VERSION));
	expect_ok(create_window(1));
	expect_ok(create_buffer(1, 1, WIRE_MAX_WIDTH, 2048));
	expect_ok(create_buffer(1, 2, WIRE_MAX_WIDTH, 2048));
	assert_int_equal(vs.mapped_bytes, 2 * 64 * MIB);
}

static void test_inconsistent_buffer(void **state)
{
	expect_ok(hello(WIRE_VERSION));
	expect_ok(create_window(1));
	struct wire_msg msg = create_buffer(1, 1, 64, 64);
	msg.buffer_create.ref_count = 1; /* 16 KiB of pixels in 4 KiB */
	expect_refused(msg, VALIDATE_ERR_BUFFER_SHAPE, "do not fit");
	msg = create_buffer(1, 1, 64, 64);
	msg.buffer_create.width = WIRE_MAX_WIDTH + 1;
	expect_refused(msg, VALIDATE_ERR_BUFFER_SHAPE, "do not fit");
	msg = create_buffer(1, 1, 64, 64);
	msg.buffer_create.height = 0;
	expect_refused(msg, VALIDATE_ERR_BUFFER_SHAPE, "do not fit");
	assert_int_equal(vs.mapped_bytes, 0);
}

static void test_damage(void **state)
{
	expect_ok(hello(WIRE_VERSION));
	expect_refused(damage(1, 1, 0, 0, 1, 1), VALIDATE_ERR_NO_WINDOW, "no window 1");
	expect_ok(create_window(1));
	expect_refused(damage(1, 2, 0, 0, 1, 1), VALIDATE_ERR_NO_BUFFER, "no buffer 2 in window 1");
	expect_ok(create_buffer(1, 2, 250, 250));
	expect_ok(damage(1, 2, 0, 0, 250, 250));
	expect_ok(damage(1, 2, 249, 249, 1, 1));
	expect_refused(damage(1, 2, 0, 0, 251, 250), VALIDATE_ERR_DAMAGE_OUTSIDE,
		"rect 0 (0,0 251x250) exceeds buffer 2 (250x250)");
	expect_refused(damage(1, 2, 250, 0, 1, 1), VALIDATE_ERR_DAMAGE_OUTSIDE, "exceeds buffer 2");
	expect_refused(damage(1, 2, 0, 1, 1, 250), VALIDATE_ERR_DAMAGE_OUTSIDE, "exceeds buffer 2");
	expect_refused(damage(1, 2, -1, 0, 1, 1), VALIDATE_ERR_DAMAGE_OUTSIDE, "exceeds buffer 2");
	expect_refused(damage(1, 2, 0, 0, 0, 1), VALIDATE_ERR_DAMAGE_OUTSIDE, "exceeds buffer 2");
	/* x + width would wrap in 32 bits. */
	expect_refused(damage(1, 2, 100, 0, INT32_MAX, 1), VALIDATE_ERR_DAMAGE_OUTSIDE,
		"exceeds buffer 2");
	expect_refused(damage(1, 2, INT32_MAX, INT32_MAX, INT32_MAX, INT32_MAX),
		VALIDATE_ERR_DAMAGE_OUTSIDE, "exceeds buffer 2");

	/* The rect that breaks the rule is named by its index. */
	struct wire_msg msg = damage(1, 2, 0, 0, 1, 1);
	msg.damage.rect_count = 5;
	for (int i = 1; i < 5; i++) {
		msg.damage.rects[i] = (struct wire_rect){ 10, 10, 10, 10 };
	}
	msg.damage.rects[3].width = 241;
	expect_refused(msg, VALIDATE_ERR_DAMAGE_OUTSIDE,
		"rect 3 (10,10 241x10) exceeds buffer 2 (250x250)");
	msg.damage.rects[3].width = 240;
	expect_ok(msg);
	msg.damage.rect_count = 0;
	expect_refused(msg, VALIDATE_ERR_DAMAGE_COUNT, "rects is outside");
	msg.damage.rect_count = WIRE_MAX_DAMAGE_RECTS + 1;
	expect_refused(msg, VALIDATE_ERR_DAMAGE_COUNT, "rects is outside");

	expect_ok(destroy_buffer(1, 2));
	expect_refused(damage(1, 2, 0, 0, 1, 1), VALIDATE_ERR_NO_BUFFER, "no buffer 2 in window 1");
}

static void test_reset_forgets(void **state)
{
	expect_ok(hello(WIRE_VERSION));
	expect_ok(create_window(1));
	expect_ok(create_buffer(1, 1, 16, 16));
	validate_reset(&vs);
	assert_int_equal(vs.limits.max_windows, 3);
	expect_refused(create_window(1), VALIDATE_ERR_NO_HELLO, "first message must be HELLO");
	expect_ok(hello(WIRE_VERSION));
	expect_ok(create_window(1));
	expect_ok(create_buffer(1, 1, 16, 16));
	assert_int_equal(vs.mapped_bytes, WIRE_PAGE_SIZE);
}

static void test_dom0_types_refused_all(void **state)
{
	expect_ok(hello(WIRE_VERSION));
	const enum wire_msg_type dom0_types[] = { WIRE_FRAME_DONE, WIRE_BUFFER_RELEASE,
		WIRE_CONFIGURE, WIRE_CLOSE, WIRE_KEYMAP, WIRE_KEY, WIRE_MODIFIERS,
		WIRE_KEYBOARD_ENTER, WIRE_KEYBOARD_LEAVE, WIRE_POINTER_ENTER, WIRE_POINTER_LEAVE,
		WIRE_POINTER_MOTION, WIRE_POINTER_BUTTON, WIRE_POINTER_AXIS, WIRE_POINTER_FRAME,
		WIRE_CLIPBOARD_REQUEST, WIRE_CLIPBOARD_SET, WIRE_PING };
	for (size_t i = 0; i < sizeof(dom0_types) / sizeof(dom0_types[0]); i++) {
		struct wire_msg msg = { .type = dom0_types[i] };
		expect_refused(msg, VALIDATE_ERR_NOT_FROM_VM, "not a VM message");
	}
}

static void test_nothing_before_hello(void **state)
{
	const struct wire_msg before[] = {
		create_window(1),
		title(1, 1),
		app_id(1, 1),
		hints(1),
		request(1),
		move(1, 0, 0),
		ack(1, 1),
		damage(1, 1, 0, 0, 1, 1),
		clipboard(1, 0),
		pong(1),
		{ .type = WIRE_CURSOR_IMAGE },
	};
	for (size_t i = 0; i < sizeof(before) / sizeof(before[0]); i++) {
		expect_refused(before[i], VALIDATE_ERR_NO_HELLO, "first message must be HELLO");
	}
	expect_ok(hello(WIRE_VERSION));
	struct wire_msg cursor = { .type = WIRE_CURSOR_IMAGE };
	expect_ok(cursor);
}

static void test_damage_before_buffer(void **state)
{
	expect_ok(hello(WIRE_VERSION));
	expect_ok(create_window(1));
	expect_refused(damage(1, 1, 0, 0, 1, 1), VALIDATE_ERR_NO_BUFFER, "no buffer 1 in window 1");
	expect_refused(destroy_buffer(1, 1), VALIDATE_ERR_NO_BUFFER, "no buffer 1 in window 1");
}

static void test_parents(void **state)
{
	vs.limits.max_windows = 10;
	expect_ok(hello(WIRE_VERSION));
	expect_ok(create_window(1));
	/* A menu, a submenu, and a dialog of the application window. */
	expect_ok(create_child(2, WIRE_WINDOW_POPUP, 1, -10, 20));
	expect_ok(create_child(3, WIRE_WINDOW_POPUP, 2, WIRE_MAX_WIDTH, -WIRE_MAX_HEIGHT));
	expect_ok(create_child(4, WIRE_WINDOW_TOPLEVEL, 1, 0, 0));
	expect_refused(create_child(5, WIRE_WINDOW_TOPLEVEL, 2, 0, 0), VALIDATE_ERR_PARENT_KIND,
		"toplevel 5 has popup 2 as parent");
	expect_refused(create_child(5, WIRE_WINDOW_POPUP, 99, 0, 0), VALIDATE_ERR_NO_PARENT,
		"parent 99 of window 5 does not exist");
	expect_refused(create_child(5, WIRE_WINDOW_POPUP, 0, 0, 0), VALIDATE_ERR_NO_PARENT,
		"popup 5 has no parent");
	expect_refused(create_child(5, WIRE_WINDOW_TOPLEVEL, 5, 0, 0), VALIDATE_ERR_NO_PARENT,
		"parent 5 of window 5");
	expect_refused(create_child(5, WIRE_WINDOW_POPUP, 1, WIRE_MAX_WIDTH + 1, 0),
		VALIDATE_ERR_POSITION, "popup 5 at 8193,0 is out of bounds");
	expect_refused(create_child(5, WIRE_WINDOW_POPUP, 1, 0, -WIRE_MAX_HEIGHT - 1),
		VALIDATE_ERR_POSITION, "out of bounds");
	expect_refused(create_child(5, 2, 1, 0, 0), VALIDATE_ERR_WRONG_KIND, "window 5 of kind 2");
	/* An id in use cannot be created again as another kind. */
	expect_refused(create_child(2, WIRE_WINDOW_TOPLEVEL, 0, 0, 0), VALIDATE_ERR_WINDOW_EXISTS,
		"window 2 already exists");

	/* Children go first: no window is left with a dead parent whose
	 * id could come back as something else. */
	expect_refused(destroy_window(1), VALIDATE_ERR_HAS_CHILDREN, "window 1 still has children");
	expect_refused(destroy_window(2), VALIDATE_ERR_HAS_CHILDREN, "window 2 still has children");
	expect_ok(destroy_window(3));
	expect_ok(destroy_window(2));
	expect_refused(destroy_window(1), VALIDATE_ERR_HAS_CHILDREN, "window 1 still has children");
	expect_ok(destroy_window(4));
	expect_ok(destroy_window(1));
	/* Reused ids start from scratch. */
	expect_ok(create_child(1, WIRE_WINDOW_TOPLEVEL, 0, 0, 0));
	expect_ok(create_child(2, WIRE_WINDOW_POPUP, 1, 0, 0));
	assert_int_equal(validate_find_window(&vs, 2)->kind, WIRE_WINDOW_POPUP);
	assert_int_equal(validate_find_window(&vs, 2)->parent_id, 1);
	assert_null(validate_find_window(&vs, 3));
}

static void test_kind_rules(void **state)
{
	expect_ok(hello(WIRE_VERSION));
	expect_ok(create_window(1));
	expect_ok(create_child(2, WIRE_WINDOW_POPUP, 1, 5, 5));
	/* Toplevel only. */
	expect_ok(title(1, 1));
	expect_ok(app_id(1, WIRE_MAX_APP_ID_BYTES));
	expect_ok(hints(1));
	expect_ok(request(1));
	expect_refused(title(2, 1), VALIDATE_ERR_WRONG_KIND, "a title for window 2, a popup");
	expect_refused(app_id(2, 1), VALIDATE_ERR_WRONG_KIND, "an app id for window 2, a popup");
	expect_refused(hints(2), VALIDATE_ERR_WRONG_KIND, "size hints");
	expect_refused(request(2), VALIDATE_ERR_WRONG_KIND, "a state request");
	expect_refused(app_id(1, WIRE_MAX_APP_ID_BYTES + 1), VALIDATE_ERR_TOO_LONG,
		"app id of 129 bytes is over 128");
	expect_refused(app_id(3, 1), VALIDATE_ERR_NO_WINDOW, "no window 3");
	expect_refused(hints(3), VALIDATE_ERR_NO_WINDOW, "no window 3");
	expect_refused(request(3), VALIDATE_ERR_NO_WINDOW, "no window 3");
	/* Popup only, and checked on every move. */
	expect_ok(move(2, -WIRE_MAX_WIDTH, WIRE_MAX_HEIGHT));
	expect_refused(move(1, 0, 0), VALIDATE_ERR_WRONG_KIND, "a move for window 1, a toplevel");
	expect_refused(move(2, WIRE_MAX_WIDTH + 1, 0), VALIDATE_ERR_POSITION,
		"popup 2 moved to 8193,0");
	expect_refused(move(2, 0, INT32_MIN), VALIDATE_ERR_POSITION, "out of bounds");
	expect_refused(move(3, 0, 0), VALIDATE_ERR_NO_WINDOW, "no window 3");
	/* Buffers and damage are for either kind. */
	expect_ok(create_buffer(2, 1, 16, 16));
	expect_ok(damage(2, 1, 0, 0, 16, 16));
}

static void test_configure_acks(void **state)
{
	expect_ok(hello(WIRE_VERSION));
	expect_ok(create_window(1));
	expect_ok(create_window(2));
	expect_refused(ack(1, 1), VALIDATE_ERR_ACK_SERIAL,
		"window 1 acks configure 1, dom0 sent none such");
	expect_refused(ack(1, 0), VALIDATE_ERR_ACK_SERIAL, "acks configure 0");
	/* dom0's serials, per window, from 1; whatever the message said. */
	assert_int_equal(sent(configure(1)), 1);
	assert_int_equal(sent(configure(1)), 2);
	assert_int_equal(sent(configure(2)), 1);
	struct wire_msg gone = configure(9);
	assert_false(validate_outgoing(&vs, &gone));
	/* The newest answers the older one too; none is acked twice. */
	expect_ok(ack(1, 2));
	expect_refused(ack(1, 1), VALIDATE_ERR_ACK_SERIAL, "acks configure 1");
	expect_refused(ack(1, 2), VALIDATE_ERR_ACK_SERIAL, "acks configure 2");
	expect_refused(ack(1, 3), VALIDATE_ERR_ACK_SERIAL, "acks configure 3");
	assert_int_equal(sent(configure(1)), 3);
	assert_int_equal(sent(configure(1)), 4);
	expect_ok(ack(1, 3));
	expect_ok(ack(1, 4));
	expect_refused(ack(1, 5), VALIDATE_ERR_ACK_SERIAL, "acks configure 5");
	expect_ok(ack(2, 1));
	expect_refused(ack(3, 1), VALIDATE_ERR_NO_WINDOW, "no window 3");
	/* Popups are configured too (their size). */
	expect_ok(create_child(3, WIRE_WINDOW_POPUP, 1, 0, 0));
	assert_int_equal(sent(configure(3)), 1);
	expect_ok(ack(3, 1));
}

static void test_clipboard_only_on_request(void **state)
{
	expect_ok(hello(WIRE_VERSION));
	expect_refused(clipboard(1, 5), VALIDATE_ERR_CLIPBOARD_UNREQUESTED,
		"clipboard data for request 1");
	expect_refused(clipboard(0, 0), VALIDATE_ERR_CLIPBOARD_UNREQUESTED, "request 0");
	assert_int_equal(sent(clipboard_request), 1);
	expect_refused(clipboard(1, WIRE_MAX_CLIPBOARD_BYTES + 1), VALIDATE_ERR_TOO_LONG,
		"clipboard of 65537 bytes is over");
	expect_ok(clipboard(1, WIRE_MAX_CLIPBOARD_BYTES));
	/* Once per request. */
	expect_refused(clipboard(1, 5), VALIDATE_ERR_CLIPBOARD_UNREQUESTED,
		"clipboard data for request 1");
	assert_int_equal(sent(clipboard_request), 2);
	assert_int_equal(sent(clipboard_request), 3);
	expect_ok(clipboard(3, 0));
	expect_refused(clipboard(2, 0), VALIDATE_ERR_CLIPBOARD_UNREQUESTED, "request 2");
}

static void test_pong_only_for_ping(void **state)
{
	expect_ok(hello(WIRE_VERSION));
	expect_refused(pong(1), VALIDATE_ERR_PONG_UNREQUESTED,
		"PONG 1 answers no outstanding PING");
	assert_int_equal(sent(ping), 1);
	expect_refused(pong(2), VALIDATE_ERR_PONG_UNREQUESTED, "PONG 2");
	expect_ok(pong(1));
	expect_refused(pong(1), VALIDATE_ERR_PONG_UNREQUESTED, "PONG 1");
	assert_int_equal(sent(ping), 2);
	assert_int_equal(sent(ping), 3);
	expect_ok(pong(2));
	expect_ok(pong(3));
	expect_refused(pong(3), VALIDATE_ERR_PONG_UNREQUESTED, "PONG 3");
}

static void test_serials_wrap(void **state)
{
	expect_ok(hello(WIRE_VERSION));
	/* Outstanding: 0xfffffffe, 0xffffffff, 0, 1, 2. */
	vs.pings = (struct validate_serials){ .sent = 2, .answered = 0xfffffffdu };
	expect_refused(pong(0xfffffffdu), VALIDATE_ERR_PONG_UNREQUESTED, "PONG");
	expect_refused(pong(3), VALIDATE_ERR_PONG_UNREQUESTED, "PONG 3");
	expect_ok(pong(0xffffffffu));
	expect_refused(pong(0xfffffffeu), VALIDATE_ERR_PONG_UNREQUESTED, "PONG");
	expect_ok(pong(2));
	/* Sending across the wrap skips 0, which then names nothing. */
	vs.pings = (struct validate_serials){ .sent = 0xffffffffu, .answered = 0xffffffffu };
	assert_int_equal(sent(ping), 1);
	expect_refused(pong(0), VALIDATE_ERR_PONG_UNREQUESTED, "PONG 0");
	expect_ok(pong(1));
}

static void test_error_names(void **state)
{
	for (int i = VALIDATE_OK; i <= VALIDATE_ERR_NO_MEMORY; i++) {
		assert_string_not_equal(validate_error_str(i), "unknown");
		for (int j = i + 1; j <= VALIDATE_ERR_NO_MEMORY; j++) {
			assert_string_not_equal(validate_error_str(i), validate_error_str(j));
		}
	}
	assert_string_equal(validate_error_str((enum validate_error)999), "unknown");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_hello_first_and_once),
		T(test_dom0_types_refused),
		T(test_window_ids_and_limit),
		T(test_many_windows_grow),
		T(test_buffers_per_window),
		T(test_quota),
		T(test_quota_at_maximum),
		T(test_inconsistent_buffer),
		T(test_damage),
		T(test_reset_forgets),
		T(test_dom0_types_refused_all),
		T(test_nothing_before_hello),
		T(test_damage_before_buffer),
		T(test_parents),
		T(test_kind_rules),
		T(test_configure_acks),
		T(test_clipboard_only_on_request),
		T(test_pong_only_for_ping),
		T(test_serials_wrap),
		T(test_error_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
