/*
 * Turning the bytes a VM names its windows with (titles, app ids) into
 * text dom0 will show. Pure: no state, no allocation, no Wayland.
 */
#ifndef VM_BRIDGE_SANITISE_H
#define VM_BRIDGE_SANITISE_H

#include <stddef.h>

#include "common/wire/protocol.h"

/*
 * Which characters a VM's titles may keep (its config's "titles" key):
 * printable ASCII by default, or UTF-8 text without the characters that
 * break a line, reorder or hide text (sanitise.c lists them).
 */
enum title_charset {
	TITLE_ASCII = 0,
	TITLE_UTF8,
};

/*
 * Each input byte becomes at most 3 output bytes (one U+FFFD), so this
 * bounds the sanitised title of the longest title the wire allows.
 */
#define TITLE_SANITISED_MAX (3 * WIRE_MAX_TITLE_BYTES + 1)

/*
 * Writes into out a NUL-terminated title made from
 * untrusted_title[0..untrusted_length). Every ill-formed sequence
 * (overlong, surrogate, above U+10FFFF, truncated, stray continuation
 * byte) and every character outside the allowlist becomes one
 * replacement:
 * - TITLE_ASCII: out is printable ASCII (0x20..0x7e); the replacement is
 *   '?', one per character or ill-formed sequence.
 * - TITLE_UTF8: out is well-formed UTF-8 without controls (C0, DEL, C1),
 *   line or paragraph separators, format characters (bidi marks,
 *   embeddings, overrides and isolates, zero-width characters, the BOM,
 *   soft hyphen, tags U+E0000..U+E007F), private use, noncharacters or
 *   unassigned planes; the replacement is U+FFFD.
 * Input beyond WIRE_MAX_TITLE_BYTES is ignored. Returns the output length
 * without the NUL. Sanitising its own output changes nothing.
 */
size_t title_sanitise(const char *untrusted_title, size_t untrusted_length,
	enum title_charset charset, char out[static TITLE_SANITISED_MAX]);

#define APP_ID_SANITISED_MAX (WIRE_MAX_APP_ID_BYTES + 1)

/*
 * Writes into out a NUL-terminated app id made from
 * untrusted_app_id[0..untrusted_length): letters, digits, '.', '_' and '-'
 * are kept (reverse-DNS names need no more), every other byte becomes
 * '_'. Input beyond WIRE_MAX_APP_ID_BYTES is ignored. Returns the output
 * length without the NUL.
 */
size_t app_id_sanitise(const char *untrusted_app_id, size_t untrusted_length,
	char out[static APP_ID_SANITISED_MAX]);

#endif
