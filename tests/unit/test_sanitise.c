/*
 * Title sanitising: valid UTF-8 passes unchanged; every kind of ill-formed
 * sequence and every control character becomes U+FFFD, one per maximal
 * ill-formed subpart; the output is bounded and always NUL-terminated.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vm-bridge/sanitise.h"
#include "common/wire/protocol.h"

#define FFFD "\xef\xbf\xbd"

static char out[TITLE_SANITISED_MAX + 16];

static void expect(const char *in, size_t len, const char *want)
{
	memset(out, 'Z', sizeof(out));
	size_t n = title_sanitise(in, len, out);
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
}

static void test_ascii_unchanged(void **state)
{
	expect("simple-shm", 10, "simple-shm");
	expect("", 0, "");
	expect(NULL, 5, "");
	expect("a b ~", 5, "a b ~");
}

static void test_valid_multibyte_unchanged(void **state)
{
	/* é (2), € (3), 😀 (4), U+10FFFF (4), U+A0 (first after C1) */
	const char *s =
		"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
		"\xf4\x8f\xbf\xbf\xc2\xa0";
	expect(s, strlen(s), s);
	/* U+D7FF and U+E000, either side of the surrogates. */
	expect("\xed\x9f\xbf\xee\x80\x80", 6, "\xed\x9f\xbf\xee\x80\x80");
	/* Replacement character itself is valid. */
	expect(FFFD, 3, FFFD);
}

static void test_controls_replaced(void **state)
{
	expect("a\nb", 3, "a" FFFD "b");
	expect("\x1b[2J", 4, FFFD "[2J");
	expect("\x7f", 1, FFFD);
	expect("\t", 1, FFFD);
	/* An embedded NUL neither truncates nor survives. */
	expect("a\0b", 3, "a" FFFD "b");
	/* C1: U+0080, U+009B (CSI), U+009F. */
	expect("\xc2\x80\xc2\x9b\xc2\x9f", 6, FFFD FFFD FFFD);
}

static void test_overlongs_replaced(void **state)
{
	/* '/' as 2, 3 and 4 bytes; C0/C1 leads are never valid. */
	expect("\xc0\xaf", 2, FFFD FFFD);
	expect("\xc1\xbf", 2, FFFD FFFD);
	expect("\xe0\x80\xaf", 3, FFFD FFFD FFFD);
	expect("\xe0\x9f\xbf", 3, FFFD FFFD FFFD);
	expect("\xf0\x80\x80\xaf", 4, FFFD FFFD FFFD FFFD);
	expect("\xf0\x8f\xbf\xbf", 4, FFFD FFFD FFFD FFFD);
}

static void test_surrogates_replaced(void **state)
{
	expect("\xed\xa0\x80", 3, FFFD FFFD FFFD);
	expect("\xed\xbf\xbf", 3, FFFD FFFD FFFD);
}

static void test_above_max_replaced(void **state)
{
	expect("\xf4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD);
	expect("\xf5\x80\x80\x80", 4, FFFD FFFD FFFD FFFD);
	expect("\xf8\x88\x80\x80\x80", 5, FFFD FFFD FFFD FFFD FFFD);
	expect("\xff\xfe", 2, FFFD FFFD);
}

static void test_truncated_replaced(void **state)
{
	/* A truncated sequence is one replacement, and the byte that cut
	 * it short is kept. */
	expect("\xe2\x82", 2, FFFD);
	expect("\xe2\x82"
	       "a",
		3, FFFD "a");
	expect("\xf0\x9f\x98", 3, FFFD);
	expect("\xf0\x9f\x98"
	       "\xc3\xa9",
		5, FFFD "\xc3\xa9");
	expect("\xc3", 1, FFFD);
	/* Stray continuation bytes: one each. */
	expect("\x80\xbf", 2, FFFD FFFD);
	/* The length given is what counts, not a NUL. */
	expect("\xc3\xa9", 1, FFFD);
}

static void test_bounded(void **state)
{
	char in[WIRE_MAX_TITLE_BYTES + 100];
	/* The worst case: every byte invalid. */
	memset(in, 0xff, sizeof(in));
	memset(out, 'Z', sizeof(out));
	size_t n = title_sanitise(in, sizeof(in), out);
	assert_int_equal(n, 3 * WIRE_MAX_TITLE_BYTES);
	assert_int_equal(out[n], '\0');
	assert_int_equal(out[TITLE_SANITISED_MAX], 'Z');

	/* Controls are single bytes that become three. */
	memset(in, '\n', sizeof(in));
	n = title_sanitise(in, WIRE_MAX_TITLE_BYTES, out);
	assert_int_equal(n, 3 * WIRE_MAX_TITLE_BYTES);

	/* Beyond the wire maximum, input is ignored. */
	memset(in, 'x', sizeof(in));
	n = title_sanitise(in, sizeof(in), out);
	assert_int_equal(n, WIRE_MAX_TITLE_BYTES);

	/* A sequence cut by the maximum is truncated, not read past. */
	memset(in, 'x', sizeof(in));
	memcpy(in + WIRE_MAX_TITLE_BYTES - 1, "\xe2\x82\xac", 3);
	n = title_sanitise(in, sizeof(in), out);
	assert_int_equal(n, WIRE_MAX_TITLE_BYTES - 1 + 3);
	assert_memory_equal(out + n - 3, FFFD, 3);
}

/* Every 1- and 2-byte input: output is valid UTF-8 with no controls. */
static void check_clean(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;
	while (*p != '\0') {
		assert_true(*p >= 0x20 && *p != 0x7f);
		if (*p < 0x80) {
			p++;
			continue;
		}
		unsigned len = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : 2;
		assert_true(*p >= 0xc2 && *p <= 0xf4);
		for (unsigned i = 1; i < len; i++) {
			assert_true((p[i] & 0xc0) == 0x80);
		}
		if (*p == 0xc2) {
			assert_true(p[1] >= 0xa0);
		}
		p += len;
	}
}

static void test_exhaustive_pairs(void **state)
{
	char in[2];
	for (int a = 0; a < 256; a++) {
		in[0] = (char)a;
		title_sanitise(in, 1, out);
		check_clean(out);
		for (int b = 0; b < 256; b++) {
			in[1] = (char)b;
			size_t n = title_sanitise(in, 2, out);
			assert_true(n <= 6);
			check_clean(out);
		}
	}
}

static void expect_app_id(const char *in, size_t len, const char *want)
{
	char app_id[APP_ID_SANITISED_MAX];
	size_t n = app_id_sanitise(in, len, app_id);
	assert_string_equal(app_id, want);
	assert_int_equal(n, strlen(want));
}

static void test_app_id_reverse_dns_unchanged(void **state)
{
	expect_app_id("org.gnome.Nautilus", 18, "org.gnome.Nautilus");
	expect_app_id("foot-server_2", 13, "foot-server_2");
}

static void test_app_id_others_replaced(void **state)
{
	/* A colon would let a VM write "dom0:..." into what panels show. */
	expect_app_id("dom0:term", 9, "dom0_term");
	expect_app_id("a b/c\n", 7, "a_b_c__");
	expect_app_id("\xc3\xa9t\xc3\xa9", 5, "__t__");
	expect_app_id("a\0b", 3, "a_b");
	expect_app_id("", 0, "");
}

static void test_app_id_bounded(void **state)
{
	char in[WIRE_MAX_APP_ID_BYTES * 2];
	memset(in, 'x', sizeof(in));
	char app_id[APP_ID_SANITISED_MAX];
	size_t n = app_id_sanitise(in, sizeof(in), app_id);
	assert_int_equal(n, WIRE_MAX_APP_ID_BYTES);
	assert_int_equal(strlen(app_id), WIRE_MAX_APP_ID_BYTES);
}

static void test_app_id_every_byte(void **state)
{
	char app_id[APP_ID_SANITISED_MAX];
	for (int b = 0; b < 256; b++) {
		char in = (char)b;
		assert_int_equal(app_id_sanitise(&in, 1, app_id), 1);
		bool keep = isalnum(b) || b == '.' || b == '_' || b == '-';
		assert_int_equal(app_id[0], keep ? (char)b : '_');
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_unchanged),
		cmocka_unit_test(test_valid_multibyte_unchanged),
		cmocka_unit_test(test_controls_replaced),
		cmocka_unit_test(test_overlongs_replaced),
		cmocka_unit_test(test_surrogates_replaced),
		cmocka_unit_test(test_above_max_replaced),
		cmocka_unit_test(test_truncated_replaced),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_exhaustive_pairs),
		cmocka_unit_test(test_app_id_reverse_dns_unchanged),
		cmocka_unit_test(test_app_id_others_replaced),
		cmocka_unit_test(test_app_id_bounded),
		cmocka_unit_test(test_app_id_every_byte),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
