/*
 * Sanitising the text a VM names its windows with. A VM chooses its
 * titles, so a title may be any bytes: invalid UTF-8 that a later parser
 * reads differently, control characters that move a terminal's cursor or
 * fake a line in a log, and characters that make a dom0 panel show text
 * other than what it holds: line and paragraph separators, bidi overrides
 * and isolates that reorder the text around them (so "[work] ...evil" can
 * read as another VM's prefix), zero-width and tag characters that hide
 * text. The VM's name in front is the compositor's job; this file makes
 * sure that what reaches it is well-formed text of the VM's allowlist:
 *
 * - TITLE_ASCII (the default, as Qubes without allow_utf8_titles):
 *   printable ASCII, U+0020..U+007E, only. Everything else becomes '?'.
 * - TITLE_UTF8 (the VM's config says titles = utf8): any Unicode scalar
 *   value except those refused below (controls, separators, format
 *   characters, private use, noncharacters, the planes where nothing is
 *   assigned). Those become U+FFFD.
 *
 * Decoding follows the well-formed byte sequences of the Unicode standard
 * (table 3-7) and replaces each maximal ill-formed subpart with one
 * replacement, so a truncated sequence never swallows the valid byte
 * after it. A refused but well-formed character is one replacement too.
 */
#include "vm-bridge/sanitise.h"

#include <stdbool.h>
#include <stdint.h>

static const char replacement_utf8[] = "\xef\xbf\xbd"; /* U+FFFD */
static const char replacement_ascii = '?';

/* Inclusive ranges of code points a UTF-8 title never shows. */
struct cp_range {
	uint32_t first, last;
};

/*
 * Sorted. Unicode 15's general categories Cc (controls), Zl and Zp
 * (separators), Cf (format), Co (private use), plus the planes with
 * nothing assigned in them; noncharacters are checked apart (is_refused).
 */
static const struct cp_range refused_utf8[] = {
	{ 0x0000, 0x001f }, /* C0 controls */
	{ 0x007f, 0x009f }, /* DEL, C1 controls (NEL, CSI) */
	{ 0x00ad, 0x00ad }, /* soft hyphen */
	{ 0x0600, 0x0605 }, /* Arabic number signs (prepended format) */
	{ 0x061c, 0x061c }, /* Arabic letter mark (bidi) */
	{ 0x06dd, 0x06dd }, /* Arabic end of ayah */
	{ 0x070f, 0x070f }, /* Syriac abbreviation mark */
	{ 0x0890, 0x0891 }, /* Arabic pound and piastre marks above */
	{ 0x08e2, 0x08e2 }, /* Arabic disputed end of ayah */
	{ 0x180e, 0x180e }, /* Mongolian vowel separator */
	{ 0x200b, 0x200f }, /* zero width space, (non-)joiner; LRM, RLM */
	{ 0x2028, 0x202e }, /* line, paragraph separator; bidi embeddings, overrides */
	{ 0x2060, 0x206f }, /* word joiner, invisible operators, bidi isolates */
	{ 0xe000, 0xf8ff }, /* private use */
	{ 0xfdd0, 0xfdef }, /* noncharacters */
	{ 0xfeff, 0xfeff }, /* byte order mark, zero width no-break space */
	{ 0xfff9, 0xfffb }, /* interlinear annotation */
	{ 0x110bd, 0x110bd }, /* Kaithi number sign */
	{ 0x110cd, 0x110cd }, /* Kaithi number sign above */
	{ 0x13430, 0x1343f }, /* Egyptian hieroglyph format controls */
	{ 0x1bca0, 0x1bca3 }, /* shorthand format controls */
	{ 0x1d173, 0x1d17a }, /* musical symbol beams, ties, slurs, phrases */
	{ 0x40000, 0xdffff }, /* planes 4 to 13: nothing assigned */
	{ 0xe0000, 0xe00ff }, /* language tag, tag characters (U+E0000..E007F) */
	{ 0xe01f0, 0x10ffff }, /* rest of plane 14 unassigned; 15 and 16 private use */
};

#define REFUSED_UTF8_COUNT (sizeof(refused_utf8) / sizeof(refused_utf8[0]))

static bool is_refused(uint32_t cp, enum title_charset charset)
{
	if (charset != TITLE_UTF8) {
		return cp < 0x20 || cp > 0x7e;
	}
	/* U+FFFE and U+FFFF of every plane are noncharacters. */
	if ((cp & 0xfffe) == 0xfffe) {
		return true;
	}
	for (size_t i = 0; i < REFUSED_UTF8_COUNT && refused_utf8[i].first <= cp; i++) {
		if (cp <= refused_utf8[i].last) {
			return true;
		}
	}
	return false;
}

/* The range the second byte of a sequence may take, given its first
 * byte: this is what rules out overlongs, surrogates and code points
 * above U+10FFFF without computing them. */
static bool lead_info(uint8_t lead, unsigned *len, uint8_t *lo, uint8_t *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (lead >= 0xc2 && lead <= 0xdf) {
		*len = 2;
	} else if (lead == 0xe0) {
		*len = 3;
		*lo = 0xa0;
	} else if (lead == 0xed) {
		*len = 3;
		*hi = 0x9f;
	} else if (lead >= 0xe1 && lead <= 0xef) {
		*len = 3;
	} else if (lead == 0xf0) {
		*len = 4;
		*lo = 0x90;
	} else if (lead >= 0xf1 && lead <= 0xf3) {
		*len = 4;
	} else if (lead == 0xf4) {
		*len = 4;
		*hi = 0x8f;
	} else {
		/* 0x80..0xc1 (continuation, overlong leads) and 0xf5..0xff. */
		return false;
	}
	return true;
}

static size_t put_replacement(char *out, size_t at, enum title_charset charset)
{
	if (charset != TITLE_UTF8) {
		out[at] = replacement_ascii;
		return at + 1;
	}
	for (size_t i = 0; i < sizeof(replacement_utf8) - 1; i++) {
		out[at + i] = replacement_utf8[i];
	}
	return at + sizeof(replacement_utf8) - 1;
}

size_t title_sanitise(const char *untrusted_title, size_t untrusted_length,
	enum title_charset charset, char out[static TITLE_SANITISED_MAX])
{
	const uint8_t *in = (const uint8_t *)untrusted_title;
	size_t len = untrusted_length;
	if (in == NULL) {
		len = 0;
	}
	if (len > WIRE_MAX_TITLE_BYTES) {
		len = WIRE_MAX_TITLE_BYTES;
	}

	/* Invariant: o <= 3 * i, so o + 3 < TITLE_SANITISED_MAX while
	 * i < len: every write below stays in out. (In ASCII, o <= i.) */
	size_t i = 0, o = 0;
	while (i < len) {
		uint8_t lead = in[i];
		if (lead < 0x80) {
			if (is_refused(lead, charset)) {
				o = put_replacement(out, o, charset);
			} else {
				out[o++] = (char)lead;
			}
			i++;
			continue;
		}

		unsigned seq_len;
		uint8_t lo, hi;
		if (!lead_info(lead, &seq_len, &lo, &hi)) {
			o = put_replacement(out, o, charset);
			i++;
			continue;
		}

		uint32_t cp = lead & (0xff >> (seq_len + 1));
		unsigned got = 1;
		while (got < seq_len && i + got < len) {
			uint8_t c = in[i + got];
			if (c < lo || c > hi) {
				break;
			}
			cp = (cp << 6) | (c & 0x3f);
			got++;
			lo = 0x80;
			hi = 0xbf;
		}
		if (got < seq_len) {
			/* One replacement for the maximal subpart; the byte
			 * that broke it is looked at again as a lead. */
			o = put_replacement(out, o, charset);
			i += got;
			continue;
		}
		/* now: cp is a scalar value, U+0080..U+10FFFF, no surrogate */
		if (is_refused(cp, charset)) {
			o = put_replacement(out, o, charset);
		} else {
			for (unsigned k = 0; k < seq_len; k++) {
				out[o++] = (char)in[i + k];
			}
		}
		i += seq_len;
	}
	out[o] = '\0';
	return o;
}

static bool app_id_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		c == '.' || c == '_' || c == '-';
}

size_t app_id_sanitise(const char *untrusted_app_id, size_t untrusted_length,
	char out[static APP_ID_SANITISED_MAX])
{
	size_t n =
		untrusted_length < WIRE_MAX_APP_ID_BYTES ? untrusted_length : WIRE_MAX_APP_ID_BYTES;
	for (size_t i = 0; i < n; i++) {
		out[i] = app_id_char_ok(untrusted_app_id[i]) ? untrusted_app_id[i] : '_';
	}
	/* now: out[0..n) is [A-Za-z0-9._-] only */
	out[n] = '\0';
	return n;
}
