/*
 * The one codec both sides use. The decoder is the first thing in dom0 that
 * touches VM bytes: it checks type, direction, length and every count
 * before any field is read. Stateful rules (ids that exist, damage after a
 * buffer) belong to the receiver, not here.
 *
 * protocols/wire-protocol.md section 3 gives the order of the checks, and
 * section 6 the layout and the bounds of every type.
 */
#ifndef WIRE_CODEC_H
#define WIRE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/wire/protocol.h"

enum wire_status {
	WIRE_OK = 0,
	WIRE_INCOMPLETE, /* need more bytes; not an error */
	WIRE_ERR_UNKNOWN_TYPE,
	WIRE_ERR_DIRECTION, /* valid type, but not from this sender */
	WIRE_ERR_TOO_LARGE, /* header length above WIRE_MAX_BODY_SIZE */
	WIRE_ERR_LENGTH, /* body length does not match the type */
	WIRE_ERR_COUNT, /* a count field is out of bounds */
	WIRE_ERR_VALUE, /* a field is out of its range (zero id, size) */
};

/* A short, stable name for logs and tests. */
const char *wire_status_str(enum wire_status status);
const char *wire_msg_type_str(uint32_t type);

/*
 * Decode one message from the front of data[0..len). On WIRE_OK, *msg is
 * filled and *consumed is the full message size. On WIRE_INCOMPLETE nothing
 * is consumed. Any other status means the peer broke the protocol; the
 * caller logs it and disconnects.
 */
enum wire_status wire_decode(const uint8_t *data, size_t len, enum wire_sender from,
	struct wire_msg *msg, size_t *consumed);

/*
 * The type field of the message at the front of data[0..len), unchecked:
 * for naming a message the decoder refused, never for acting on it.
 * False when fewer than 4 bytes are there.
 */
bool wire_peek_type(const uint8_t *data, size_t len, uint32_t *untrusted_type);

/*
 * The one check that a buffer's numbers fit together: 0 < width <=
 * WIRE_MAX_WIDTH, 0 < height <= WIRE_MAX_HEIGHT, stride a multiple of 4 and
 * at least width * 4, stride * height <= WIRE_MAX_BUFFER_BYTES, and exactly
 * enough refs for stride * height bytes. The decoder, the validator and
 * the bridge's mapping all ask this function.
 */
bool wire_buffer_layout_ok(const struct wire_buffer_create *buffer);

/*
 * Encode msg into out[0..cap). Returns the message size, or 0 if msg is
 * not a valid message (a count or size out of bounds) or cap is too small:
 * the encoder never produces bytes the decoder would reject.
 */
size_t wire_encode(const struct wire_msg *msg, enum wire_sender from, uint8_t *out, size_t cap);

/* What wire_encode would return given room enough: the message size, or 0
 * if msg is not a valid message from this sender. */
size_t wire_encoded_size(const struct wire_msg *msg, enum wire_sender from);

/* The i-th page ref of a decoded BUFFER_CREATE (i < ref_count). */
uint32_t wire_ref_at(const struct wire_buffer_create *buffer, uint32_t i);

/* For the sender side: where refs are built before encoding. */
void wire_ref_set(uint8_t *refs, uint32_t i, uint32_t ref);

#endif
