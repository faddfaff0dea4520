/*
 * The sanitisers of VM-named text on arbitrary bytes. Besides memory
 * errors and undefined behaviour, aborts when a promise of sanitise.h
 * fails:
 * - in UTF-8 mode a title comes out as well-formed UTF-8 with no control
 *   character (C0, DEL, C1), no line or paragraph separator, bidi
 *   control, zero-width or tag character, BOM, private use or
 *   noncharacter (this file's own list, not sanitise.c's), no longer than
 *   TITLE_SANITISED_MAX - 1 bytes, with the returned length and a NUL
 *   where it says;
 * - in ASCII mode it comes out as printable ASCII, at most
 *   WIRE_MAX_TITLE_BYTES long;
 * - sanitising a sanitised title changes nothing (idempotent), in both;
 * - an app id comes out as [A-Za-z0-9._-] only, at most
 *   WIRE_MAX_APP_ID_BYTES long.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm-bridge/sanitise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_sanitise: %s\n", what);
	abort();
}

/* What a panel must never be handed: it breaks a line, reorders text or
 * hides it, or means nothing (written apart from sanitise.c's table). */
static bool must_not_show(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0xad || cp == 0x61c ||
		(cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
		(cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff ||
		(cp >= 0xe000 && cp <= 0xf8ff) || (cp >= 0xfdd0 && cp <= 0xfdef) ||
		(cp & 0xfffe) == 0xfffe || (cp >= 0xe0000 && cp <= 0xe007f) || cp >= 0xf0000;
}

/* Well-formed UTF-8 per Unicode table 3-7, and nothing must_not_show. */
static bool clean_utf8(const uint8_t *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		uint8_t b = s[i];
		uint32_t cp;
		size_t n;
		if (b < 0x80) {
			cp = b;
			n = 1;
		} else if (b >= 0xc2 && b <= 0xdf) {
			cp = b & 0x1f;
			n = 2;
		} else if (b >= 0xe0 && b <= 0xef) {
			cp = b & 0x0f;
			n = 3;
		} else if (b >= 0xf0 && b <= 0xf4) {
			cp = b & 0x07;
			n = 4;
		} else {
			return false;
		}
		if (i + n > len) {
			return false;
		}
		for (size_t k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80) {
				return false;
			}
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
		if (overlong || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
			must_not_show(cp)) {
			return false;
		}
		i += n;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *untrusted = (const char *)data;

	char title[TITLE_SANITISED_MAX];
	size_t n = title_sanitise(untrusted, size, TITLE_UTF8, title);
	if (n >= TITLE_SANITISED_MAX || title[n] != '\0' || strlen(title) != n) {
		fail("title length");
	}
	if (!clean_utf8((const uint8_t *)title, n)) {
		fail("title not clean UTF-8");
	}
	if (n <= WIRE_MAX_TITLE_BYTES) {
		char again[TITLE_SANITISED_MAX];
		if (title_sanitise(title, n, TITLE_UTF8, again) != n ||
			memcmp(title, again, n + 1) != 0) {
			fail("title sanitising is not idempotent");
		}
	}

	n = title_sanitise(untrusted, size, TITLE_ASCII, title);
	if (n > WIRE_MAX_TITLE_BYTES || title[n] != '\0' || strlen(title) != n) {
		fail("ASCII title length");
	}
	for (size_t i = 0; i < n; i++) {
		if (title[i] < 0x20 || title[i] > 0x7e) {
			fail("ASCII title keeps a byte outside 0x20..0x7e");
		}
	}
	char again[TITLE_SANITISED_MAX];
	if (title_sanitise(title, n, TITLE_ASCII, again) != n || memcmp(title, again, n + 1) != 0) {
		fail("ASCII title sanitising is not idempotent");
	}

	char app_id[APP_ID_SANITISED_MAX];
	size_t m = app_id_sanitise(untrusted, size, app_id);
	if (m > WIRE_MAX_APP_ID_BYTES || app_id[m] != '\0' || strlen(app_id) != m) {
		fail("app id length");
	}
	if (strspn(app_id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
		m) {
		fail("app id keeps a byte outside [A-Za-z0-9._-]");
	}
	return 0;
}
