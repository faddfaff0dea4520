/*
 * Title sanitising, in both of a VM's modes. UTF-8: valid text passes
 * unchanged; every kind of ill-formed sequence, every control, separator,
 * format, private-use and noncharacter becomes U+FFFD, one per maximal
 * ill-formed subpart or character. ASCII: printable ASCII passes, all
 * else becomes '?'. The output is bounded and always NUL-terminated.
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

static void expect_in(enum title_charset charset, const char *in, size_t len, const char *want)
{
	memset(out, 'Z', sizeof(out));
	size_t n = title_sanitise(in, len, charset, out);
	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
}

/* The UTF-8 mode (titles = utf8). */
static void expect(const char *in, size_t len, const char *want)
{
	expect_in(TITLE_UTF8, in, len, want);
}

static void expect_ascii(const char *in, size_t len, const char *want)
{
	expect_in(TITLE_ASCII, in, len, want);
}

/* A string literal, its length without the NUL. */
#define EXPECT(in, want) expect(in, sizeof(in) - 1, want)
#define EXPECT_ASCII(in, want) expect_ascii(in, sizeof(in) - 1, want)

static void test_ascii_unchanged(void **state)
{
	expect("simple-shm", 10, "simple-shm");
	expect("", 0, "");
	expect(NULL, 5, "");
	expect("a b ~", 5, "a b ~");
}

static void test_valid_multibyte_unchanged(void **state)
{
	/* é (2), € (3), 😀 (4), U+3134A (4, plane 3), U+A0 (first after C1) */
	const char *s =
		"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
		"\xf0\xb1\x8d\x8a\xc2\xa0";
	expect(s, strlen(s), s);
	/* U+D7FF and U+F900, either side of the surrogates and private use. */
	expect("\xed\x9f\xbf\xef\xa4\x80", 6, "\xed\x9f\xbf\xef\xa4\x80");
	/* Replacement character itself is valid. */
	expect(FFFD, 3, FFFD);
	/* Variation selectors: emoji presentation U+FE0F, and U+E0100, the
	 * one block of plane 14 that is kept. */
	EXPECT("\xe2\x9d\xa4\xef\xb8\x8f", "\xe2\x9d\xa4\xef\xb8\x8f");
	EXPECT("\xe8\x91\x9b\xf3\xa0\x84\x80", "\xe8\x91\x9b\xf3\xa0\x84\x80");
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

/* What could make a panel show text other than the title's own: line and
 * paragraph separators, bidi controls, invisible characters, tags. */
static void test_separators_and_format_replaced(void **state)
{
	/* U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR */
	EXPECT("a\xe2\x80\xa8"
	       "b\xe2\x80\xa9"
	       "c",
		"a" FFFD "b" FFFD "c");
	/* Bidi embeddings and overrides, U+202A..U+202E; marks U+200E,
	 * U+200F, U+061C; isolates U+2066..U+2069. */
	EXPECT("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad\xe2\x80\xae",
		FFFD FFFD FFFD FFFD FFFD);
	EXPECT("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", FFFD FFFD FFFD);
	EXPECT("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", FFFD FFFD FFFD FFFD);
	/* Zero width space, non-joiner, joiner; word joiner; BOM; soft
	 * hyphen; Mongolian vowel separator. */
	EXPECT("\xe2\x80\x8b\xe2\x80\x8c\xe2\x80\x8d\xe2\x81\xa0", FFFD FFFD FFFD FFFD);
	EXPECT("\xef\xbb\xbf\xc2\xad\xe1\xa0\x8e", FFFD FFFD FFFD);
	/* Tags: U+E0001 LANGUAGE TAG, U+E0041 TAG LATIN CAPITAL A, U+E007F
	 * CANCEL TAG, and U+E0000 (unassigned, in the tag block). */
	EXPECT("x\xf3\xa0\x80\x81\xf3\xa0\x81\x81\xf3\xa0\x81\xbf\xf3\xa0\x80\x80",
		"x" FFFD FFFD FFFD FFFD);
	/* Format characters outside the BMP: U+110BD, U+1343F, U+1BCA0,
	 * U+1D173; and interlinear annotation U+FFF9. */
	EXPECT("\xf0\x91\x82\xbd\xf0\x93\x90\xbf\xf0\x9b\xb2\xa0\xf0\x9d\x85\xb3"
	       "\xef\xbf\xb9",
		FFFD FFFD FFFD FFFD FFFD);
	/* A title that imitates another VM's prefix behind an override. */
	EXPECT("[dom0] \xe2\x80\xae"
	       "evil\xe2\x80\xac",
		"[dom0] " FFFD "evil" FFFD);
	/* Neighbours stay: U+00AC, U+00AE, U+200A, U+2010, U+2027, U+202F,
	 * U+205F, U+2070, U+FEFC, U+FFF8, U+FFFC. */
	const char *kept =
		"\xc2\xac\xc2\xae\xe2\x80\x8a\xe2\x80\x90\xe2\x80\xa7\xe2\x80\xaf"
		"\xe2\x81\x9f\xe2\x81\xb0\xef\xbb\xbc\xef\xbf\xb8\xef\xbf\xbc";
	expect(kept, strlen(kept), kept);
}

static void test_private_use_and_noncharacters_replaced(void **state)
{
	/* Private use: U+E000, U+F8FF, U+F0000, U+10FFFD. */
	EXPECT("\xee\x80\x80\xef\xa3\xbf\xf3\xb0\x80\x80\xf4\x8f\xbf\xbd", FFFD FFFD FFFD FFFD);
	/* Noncharacters: U+FDD0, U+FDEF, U+FFFE, U+FFFF, U+1FFFE, U+10FFFF. */
	EXPECT("\xef\xb7\x90\xef\xb7\xaf\xef\xbf\xbe\xef\xbf\xbf", FFFD FFFD FFFD FFFD);
	EXPECT("\xf0\x9f\xbf\xbe\xf4\x8f\xbf\xbf", FFFD FFFD);
	/* Planes 4 to 13, where nothing is assigned: U+40000, U+DFFFF. */
	EXPECT("\xf1\x80\x80\x80\xf3\x9f\xbf\xbf", FFFD FFFD);
}

/* The default: printable ASCII only, one '?' per character or
 * ill-formed sequence. */
static void test_ascii_mode(void **state)
{
	EXPECT_ASCII("simple-shm ~ [x]", "simple-shm ~ [x]");
	EXPECT_ASCII("", "");
	EXPECT_ASCII("a\nb\tc\x7f", "a?b?c?");
	EXPECT_ASCII("a\0b", "a?b");
	/* é, €, 😀: one '?' each, whatever their length. */
	EXPECT_ASCII("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf? ? ?");
	/* What UTF-8 mode refuses is refused too. */
	EXPECT_ASCII(
		"[dom0] \xe2\x80\xae"
		"evil",
		"[dom0] ?evil");
	/* Ill-formed: one '?' per maximal subpart, as in UTF-8 mode. */
	EXPECT_ASCII("\xc0\xaf", "??");
	EXPECT_ASCII(
		"\xe2\x82"
		"a",
		"?a");
	EXPECT_ASCII("\xed\xa0\x80", "???");

	/* Bounded by the wire's maximum, one byte out per byte in at most. */
	char in[WIRE_MAX_TITLE_BYTES + 100];
	memset(in, 0xff, sizeof(in));
	memset(out, 'Z', sizeof(out));
	size_t n = title_sanitise(in, sizeof(in), TITLE_ASCII, out);
	assert_int_equal(n, WIRE_MAX_TITLE_BYTES);
	assert_int_equal(out[n], '\0');
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(out[i], '?');
	}
}

/* Every code point, in both modes: kept whole, or one replacement. */
static void test_every_code_point(void **state)
{
	size_t kept_utf8 = 0, kept_ascii = 0;
	for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff) {
			continue;
		}
		char in[4];
		size_t len;
		if (cp < 0x80) {
			in[0] = (char)cp;
			len = 1;
		} else if (cp < 0x800) {
			in[0] = (char)(0xc0 | cp >> 6);
			in[1] = (char)(0x80 | (cp & 0x3f));
			len = 2;
		} else if (cp < 0x10000) {
			in[0] = (char)(0xe0 | cp >> 12);
			in[1] = (char)(0x80 | (cp >> 6 & 0x3f));
			in[2] = (char)(0x80 | (cp & 0x3f));
			len = 3;
		} else {
			in[0] = (char)(0xf0 | cp >> 18);
			in[1] = (char)(0x80 | (cp >> 12 & 0x3f));
			in[2] = (char)(0x80 | (cp >> 6 & 0x3f));
			in[3] = (char)(0x80 | (cp & 0x3f));
			len = 4;
		}
		size_t n = title_sanitise(in, len, TITLE_UTF8, out);
		if (n == len && memcmp(out, in, len) == 0) {
			kept_utf8++;
		} else {
			assert_string_equal(out, FFFD);
		}
		n = title_sanitise(in, len, TITLE_ASCII, out);
		if (cp >= 0x20 && cp <= 0x7e) {
			assert_int_equal(n, 1);
			assert_int_equal(out[0], (char)cp);
			kept_ascii++;
		} else {
			assert_string_equal(out, "?");
		}
	}
	assert_int_equal(kept_ascii, 95);
	/* Planes 0 to 3 without surrogates, Cc, Cf, Zl, Zp, Co and
	 * noncharacters: 253515 (counted with Python's unicodedata, Unicode
	 * 14, and U+13439..U+1343F of 15); and U+E0100..U+E01EF. A change to
	 * the table in sanitise.c changes this number. */
	assert_int_equal(kept_utf8, 253515 + 240);
}

static void test_bounded(void **state)
{
	char in[WIRE_MAX_TITLE_BYTES + 100];
	/* The worst case: every byte invalid. */
	memset(in, 0xff, sizeof(in));
	memset(out, 'Z', sizeof(out));
	size_t n = title_sanitise(in, sizeof(in), TITLE_UTF8, out);
	assert_int_equal(n, 3 * WIRE_MAX_TITLE_BYTES);
	assert_int_equal(out[n], '\0');
	assert_int_equal(out[TITLE_SANITISED_MAX], 'Z');

	/* Controls are single bytes that become three. */
	memset(in, '\n', sizeof(in));
	n = title_sanitise(in, WIRE_MAX_TITLE_BYTES, TITLE_UTF8, out);
	assert_int_equal(n, 3 * WIRE_MAX_TITLE_BYTES);

	/* Beyond the wire maximum, input is ignored. */
	memset(in, 'x', sizeof(in));
	n = title_sanitise(in, sizeof(in), TITLE_UTF8, out);
	assert_int_equal(n, WIRE_MAX_TITLE_BYTES);

	/* A sequence cut by the maximum is truncated, not read past. */
	memset(in, 'x', sizeof(in));
	memcpy(in + WIRE_MAX_TITLE_BYTES - 1, "\xe2\x82\xac", 3);
	n = title_sanitise(in, sizeof(in), TITLE_UTF8, out);
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
		title_sanitise(in, 1, TITLE_UTF8, out);
		check_clean(out);
		for (int b = 0; b < 256; b++) {
			in[1] = (char)b;
			size_t n = title_sanitise(in, 2, TITLE_UTF8, out);
			assert_true(n <= 6);
			check_clean(out);
			n = title_sanitise(in, 2, TITLE_ASCII, out);
			assert_true(n <= 2);
			for (size_t i = 0; i < n; i++) {
				assert_true(out[i] >= 0x20 && out[i] <= 0x7e);
			}
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
		cmocka_unit_test(test_separators_and_format_replaced),
		cmocka_unit_test(test_private_use_and_noncharacters_replaced),
		cmocka_unit_test(test_ascii_mode),
		cmocka_unit_test(test_every_code_point),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_exhaustive_pairs),
		cmocka_unit_test(test_app_id_reverse_dns_unchanged),
		cmocka_unit_test(test_app_id_others_replaced),
		cmocka_unit_test(test_app_id_bounded),
		cmocka_unit_test(test_app_id_every_byte),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
