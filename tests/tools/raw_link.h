/*
 * The VM's end of the wire for the test programs that stand in for an
 * agent (hostile-agent.c, tests/xen/xen-hostile.c): a send queue that takes
 * bytes as they are or messages encoded by the shared codec, and a receive
 * buffer that hands dom0's messages over whole. Nothing of an agent's
 * behaviour: each program decides what to send and when.
 */
#ifndef TESTS_TOOLS_RAW_LINK_H
#define TESTS_TOOLS_RAW_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/vchan/vchan.h"
#include "common/wire/protocol.h"

struct raw_link {
	struct vchan *vchan;
	const char *program; /* names the program in its error lines */
	uint8_t *tx;
	size_t tx_cap, tx_start, tx_end;
	uint8_t *rx; /* WIRE_MAX_MESSAGE_SIZE bytes */
	size_t rx_len;
};

/* False (with a line on stderr) when out of memory. */
bool raw_link_init(struct raw_link *link, struct vchan *vchan, size_t tx_cap, const char *program);
/* Frees the queues; the vchan stays the caller's. */
void raw_link_finish(struct raw_link *link);

/* Queues bytes as they are, valid or not; exits 2 when the queue is full. */
void raw_link_queue_raw(struct raw_link *link, const void *data, size_t size);
/* Queues a valid message; exits 2 when the codec refuses it or it does not fit. */
void raw_link_queue(struct raw_link *link, const struct wire_msg *msg);
/* Whether queued bytes wait to be written. */
bool raw_link_pending(const struct raw_link *link);

/*
 * Writes what the channel takes now. False when dom0 closed the
 * connection; true otherwise, with raw_link_pending() false once all of
 * it was written.
 */
bool raw_link_flush(struct raw_link *link);

/*
 * Reads what the channel holds and calls handle() for each of dom0's
 * messages. False when dom0 closed the connection or sent a message the
 * codec refuses.
 */
bool raw_link_receive(struct raw_link *link, void (*handle)(void *data, const struct wire_msg *msg),
	void *data);

#endif
