/*
 * Sanitising the text a VM names its windows with. A VM chooses its titles, so a title may be any bytes:
 * invalid UTF-8 that a later parser reads differently, control characters
 * that move a terminal's cursor or fake a line in a log, text that claims
 * to be another VM. The last is the compositor's job (it prefixes the VM's
 * name); this file makes sure what reaches it is well-formed, printable
 * UTF-8.
 *
 * Decoding follows the well-formed byte sequences of the Unicode standard
 * (table 3-7) and replaces each maximal ill-formed subpart with one U+FFFD,
 * so a truncated sequence never swallows the valid byte after it.
 */
#include "vm-bridge/sanitise.h"

#include <stdbool.h>
#include <stdint.h>

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

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

static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

static size_t put_replacement(char *out, size_t at)
{
	for (size_t i = 0; i < sizeof(replacement) - 1; i++) {
		out[at + i] = replacement[i];
	}
	return at + sizeof(replacement) - 1;
}

size_t title_sanitise(const char *untrusted_title, size_t untrusted_length,
	char out[static TITLE_SANITISED_MAX])
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
	 * i < len: every write below stays in out. */
	size_t i = 0, o = 0;
	while (i < len) {
		uint8_t lead = in[i];
		if (lead < 0x80) {
			if (is_control(lead)) {
				o = put_replacement(out, o);
			} else {
				out[o++] = (char)lead;
			}
			i++;
			continue;
		}

		unsigned seq_len;
		uint8_t lo, hi;
		if (!lead_info(lead, &seq_len, &lo, &hi)) {
			o = put_replacement(out, o);
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
			o = put_replacement(out, o);
			i += got;
			continue;
		}
		if (is_control(cp)) {
			o = put_replacement(out, o);
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
