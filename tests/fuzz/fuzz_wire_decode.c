/*
 * The wire decoder on arbitrary bytes, read as a stream the way a receiver
 * reads it: decode, consume, go on until the bytes run out or the peer
 * breaks the protocol. Both senders are tried on the same bytes.
 *
 * Besides memory errors (ASan) and undefined behaviour (UBSan), this checks
 * the codec's own promises and aborts when one fails:
 * - every message the decoder accepts, the encoder re-encodes to exactly
 *   the bytes that were consumed (decoder and encoder agree on the format);
 * - a decoded message cut short by one byte is INCOMPLETE, not accepted or
 *   refused (the decoder decides only on bytes it has);
 * - a failed decode leaves *msg and *consumed untouched.
 *
 * MULLION_FUZZ_TRACE=1 prints one line per message and where each stream
 * stopped (tests/fuzz/make_corpus.py --check compares them with its own
 * reading of the spec).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/wire/codec.h"
#include "common/wire/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static uint8_t encoded[WIRE_MAX_MESSAGE_SIZE];
static bool trace;

static void fail(const char *what, enum wire_sender from, size_t offset)
{
	fprintf(stderr, "fuzz_wire_decode: %s (sender %s, offset %zu)\n", what,
		from == WIRE_FROM_VM ? "vm" : "dom0", offset);
	abort();
}

static void check_reencode(const struct wire_msg *msg, enum wire_sender from, const uint8_t *bytes,
	size_t consumed, size_t offset)
{
	size_t n = wire_encode(msg, from, encoded, sizeof(encoded));
	if (n == 0) {
		fail("encoder refuses a message the decoder accepted", from, offset);
	}
	if (n != consumed || memcmp(encoded, bytes, n) != 0) {
		fail("re-encoded bytes differ from the decoded bytes", from, offset);
	}
	/* A cap one byte short must be refused, never overrun. */
	if (wire_encode(msg, from, encoded, n - 1) != 0) {
		fail("encoder wrote into a buffer too small", from, offset);
	}
}

static void check_prefix(const uint8_t *bytes, size_t consumed, enum wire_sender from,
	size_t offset)
{
	struct wire_msg msg;
	size_t got = 0;
	enum wire_status status = wire_decode(bytes, consumed - 1, from, &msg, &got);
	if (status != WIRE_INCOMPLETE) {
		fail("a message cut short by one byte is not incomplete", from, offset);
	}
}

static void run_stream(const uint8_t *data, size_t size, enum wire_sender from)
{
	size_t offset = 0;
	for (;;) {
		struct wire_msg msg, untouched;
		memset(&msg, 0xa5, sizeof(msg));
		memcpy(&untouched, &msg, sizeof(msg));
		size_t consumed = (size_t)-1;
		enum wire_status status =
			wire_decode(data + offset, size - offset, from, &msg, &consumed);
		if (status != WIRE_OK) {
			if (consumed != (size_t)-1 || memcmp(&msg, &untouched, sizeof(msg)) != 0) {
				fail("a failed decode wrote its outputs", from, offset);
			}
			/* Receiver logs and disconnects, or waits for more. */
			const char *why = wire_status_str(status);
			if (trace) {
				fprintf(stderr, "trace: %s stop %s at %zu of %zu\n",
					from == WIRE_FROM_VM ? "vm" : "dom0", why, offset, size);
			}
			return;
		}
		if (consumed < WIRE_HEADER_SIZE || consumed > size - offset) {
			fail("consumed is outside the bytes given", from, offset);
		}
		const char *name = wire_msg_type_str(msg.type);
		if (trace) {
			fprintf(stderr, "trace: %s %s %zu\n", from == WIRE_FROM_VM ? "vm" : "dom0",
				name, consumed);
		}
		check_reencode(&msg, from, data + offset, consumed, offset);
		check_prefix(data + offset, consumed, from, offset);
		offset += consumed;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	trace = getenv("MULLION_FUZZ_TRACE") != NULL;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (trace) {
		/* libFuzzer may run a file input more than once; the
		 * reader keeps the last run. */
		fprintf(stderr, "trace: begin\n");
	}
	run_stream(data, size, WIRE_FROM_VM);
	run_stream(data, size, WIRE_FROM_DOM0);
	return 0;
}
