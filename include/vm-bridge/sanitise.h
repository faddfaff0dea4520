/*
 * Turning the bytes a VM names its windows with (titles, app ids) into
 * text dom0 will show. Pure: no state, no allocation, no Wayland.
 */
#ifndef VM_BRIDGE_SANITISE_H
#define VM_BRIDGE_SANITISE_H

#include <stddef.h>

#include "common/wire/protocol.h"

/*
 * Each input byte becomes at most 3 output bytes (one U+FFFD), so this
 * bounds the sanitised title of the longest title the wire allows.
 */
#define TITLE_SANITISED_MAX (3 * WIRE_MAX_TITLE_BYTES + 1)

/*
 * Writes into out a NUL-terminated UTF-8 string made from
 * untrusted_title[0..untrusted_length): every ill-formed sequence
 * (overlong, surrogate, above U+10FFFF, truncated, stray continuation
 * byte) and every control character (C0, DEL, C1) becomes U+FFFD.
 * Input beyond WIRE_MAX_TITLE_BYTES is ignored. Returns the output length
 * without the NUL.
 */
size_t title_sanitise(const char *untrusted_title, size_t untrusted_length,
	char out[static TITLE_SANITISED_MAX]);

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
