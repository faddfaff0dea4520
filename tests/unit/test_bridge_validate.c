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

#include "bridge/validate.h"
#include "wire/protocol.h"

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
}

static void expect_refused(struct wire_msg msg, const char *reason)
{
	assert_false(check(msg));
	if (strstr(why, reason) == NULL) {
		fail_msg("reason %s does not mention %s", why, reason);
	}
}

static struct wire_msg hello(uint32_t version)
{
	return (struct wire_msg){ .type = WIRE_HELLO,
		.hello = { .version = version } };
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

static struct wire_msg create_buffer(uint32_t window, uint32_t id,
	uint32_t width, uint32_t height)
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
			.ref_count = (uint32_t)((bytes + WIRE_PAGE_SIZE - 1) /
				WIRE_PAGE_SIZE),
		} };
}

static struct wire_msg destroy_buffer(uint32_t window, uint32_t id)
{
	return (struct wire_msg){ .type = WIRE_BUFFER_DESTROY,
		.buffer_destroy = { .window_id = window, .buffer_id = id } };
}

static struct wire_msg damage(uint32_t window, uint32_t buffer, int32_t x,
	int32_t y, int32_t w, int32_t h)
{
	struct wire_msg msg = { .type = WIRE_DAMAGE,
		.damage = { .window_id = window, .buffer_id = buffer,
			.rect_count = 1 } };
	msg.damage.rects[0] = (struct wire_rect){ x, y, w, h };
	return msg;
}

static struct wire_msg title(uint32_t window, uint32_t length)
{
	return (struct wire_msg){ .type = WIRE_WINDOW_TITLE,
		.window_title = { .window_id = window, .length = length,
			.title = "t" } };
}

static void test_hello_first_and_once(void **state)
{
	expect_refused(create_window(1), "first message must be HELLO");
	expect_refused(hello(WIRE_VERSION + 1), "protocol version");
	expect_ok(hello(WIRE_VERSION));
	expect_refused(hello(WIRE_VERSION), "HELLO sent a second time");
	expect_ok(create_window(1));
}

static void test_dom0_types_refused(void **state)
{
	expect_ok(hello(WIRE_VERSION));
	struct wire_msg msg = { .type = WIRE_FRAME_DONE };
	expect_refused(msg, "not a VM message");
	msg.type = (enum wire_msg_type)0x99;
	expect_refused(msg, "not a VM message");
}

static void test_window_ids_and_limit(void **state)
{
	expect_ok(hello(WIRE_VERSION));
	expect_refused(create_window(0), "id 0");
	expect_ok(create_window(1));
	expect_refused(create_window(1), "window 1 already exists");
	expect_ok(create_window(2));
	expect_ok(create_window(0xffffffff));
	expect_refused(create_window(4), "limit of 3 windows");
	expect_ok(destroy_window(2));
	expect_refused(destroy_window(2), "no window 2");
	expect_ok(create_window(4));
	/* The ones that were not destroyed are still there. */
	expect_refused(create_window(1), "already exists");
	expect_refused(create_window(0xffffffff), "already exists");
	expect_ok(title(4, 1));
	expect_refused(title(2, 1), "no window 2");
	expect_refused(title(4, WIRE_MAX_TITLE_BYTES + 1), "title of");
}

static void test_many_windows_grow(void **state)
{
	struct validate_limits limits = { .max_windows = 1000,
		.max_buffer_bytes = MIB };
	validate_reset(&vs);
	vs.limits = limits;
	expect_ok(hello(WIRE_VERSION));
	for (uint32_t i = 1; i <= 1000; i++) {
		expect_ok(create_window(i));
	}
	expect_refused(create_window(1001), "limit of 1000 windows");
	for (uint32_t i = 1000; i >= 1; i--) {
		expect_ok(destroy_window(i));
	}
	assert_int_equal(vs.window_count, 0);
}

static void test_buffers_per_window(void **state)
{
	expect_ok(hello(WIRE_VERSION));
	expect_refused(create_buffer(1, 1, 16, 16), "no window 1");
	expect_ok(create_window(1));
	expect_ok(create_buffer(1, 1, 16, 16));
	expect_refused(create_buffer(1, 1, 16, 16),
		"buffer 1 already exists in window 1");
	expect_ok(create_buffer(1, 2, 16, 16));
	expect_ok(create_buffer(1, 3, 16, 16));
	expect_ok(create_buffer(1, 4, 16, 16));
	expect_refused(create_buffer(1, 5, 16, 16), "exceed 4 buffers");
	/* Buffer ids are per window. */
	expect_ok(create_window(2));
	expect_ok(create_buffer(2, 1, 16, 16));
	expect_ok(destroy_buffer(1, 3));
	expect_refused(destroy_buffer(1, 3), "no buffer 3 in window 1");
	expect_refused(destroy_buffer(3, 1), "no window 3");
	expect_ok(create_buffer(1, 5, 16, 16));
	expect_refused(create_buffer(1, 0, 16, 16), "id 0");
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
	expect_refused(create_buffer(2, 1, 1, 1), "quota");
	/* Destroying a buffer gives its bytes back. */
	expect_ok(destroy_buffer(1, 2));
	expect_ok(create_buffer(2, 1, 1024, 512));
	/* Destroying a window gives back all of its buffers. */
	expect_ok(destroy_window(1));
	assert_int_equal(vs.mapped_bytes, 2 * MIB);
	expect_ok(create_buffer(2, 2, 1024, 512));
	expect_refused(create_buffer(2, 3, 1, 1), "quota");
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
	expect_refused(msg, "do not fit");
	msg = create_buffer(1, 1, 64, 64);
	msg.buffer_create.width = WIRE_MAX_WIDTH + 1;
	expect_refused(msg, "do not fit");
	msg = create_buffer(1, 1, 64, 64);
	msg.buffer_create.height = 0;
	expect_refused(msg, "do not fit");
	assert_int_equal(vs.mapped_bytes, 0);
}

static void test_damage(void **state)
{
	expect_ok(hello(WIRE_VERSION));
	expect_refused(damage(1, 1, 0, 0, 1, 1), "no window 1");
	expect_ok(create_window(1));
	expect_refused(damage(1, 2, 0, 0, 1, 1), "no buffer 2 in window 1");
	expect_ok(create_buffer(1, 2, 250, 250));
	expect_ok(damage(1, 2, 0, 0, 250, 250));
	expect_ok(damage(1, 2, 249, 249, 1, 1));
	expect_refused(damage(1, 2, 0, 0, 251, 250),
		"rect 0 (0,0 251x250) exceeds buffer 2 (250x250)");
	expect_refused(damage(1, 2, 250, 0, 1, 1), "exceeds buffer 2");
	expect_refused(damage(1, 2, 0, 1, 1, 250), "exceeds buffer 2");
	expect_refused(damage(1, 2, -1, 0, 1, 1), "exceeds buffer 2");
	expect_refused(damage(1, 2, 0, 0, 0, 1), "exceeds buffer 2");
	/* x + width would wrap in 32 bits. */
	expect_refused(damage(1, 2, 100, 0, INT32_MAX, 1), "exceeds buffer 2");
	expect_refused(damage(1, 2, INT32_MAX, INT32_MAX, INT32_MAX,
		INT32_MAX), "exceeds buffer 2");

	/* The rect that breaks the rule is named by its index. */
	struct wire_msg msg = damage(1, 2, 0, 0, 1, 1);
	msg.damage.rect_count = 5;
	for (int i = 1; i < 5; i++) {
		msg.damage.rects[i] = (struct wire_rect){ 10, 10, 10, 10 };
	}
	msg.damage.rects[3].width = 241;
	expect_refused(msg, "rect 3 (10,10 241x10) exceeds buffer 2 (250x250)");
	msg.damage.rects[3].width = 240;
	expect_ok(msg);
	msg.damage.rect_count = 0;
	expect_refused(msg, "rects is outside");
	msg.damage.rect_count = WIRE_MAX_DAMAGE_RECTS + 1;
	expect_refused(msg, "rects is outside");

	expect_ok(destroy_buffer(1, 2));
	expect_refused(damage(1, 2, 0, 0, 1, 1), "no buffer 2 in window 1");
}

static void test_reset_forgets(void **state)
{
	expect_ok(hello(WIRE_VERSION));
	expect_ok(create_window(1));
	expect_ok(create_buffer(1, 1, 16, 16));
	validate_reset(&vs);
	assert_int_equal(vs.limits.max_windows, 3);
	expect_refused(create_window(1), "first message must be HELLO");
	expect_ok(hello(WIRE_VERSION));
	expect_ok(create_window(1));
	expect_ok(create_buffer(1, 1, 16, 16));
	assert_int_equal(vs.mapped_bytes, WIRE_PAGE_SIZE);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
