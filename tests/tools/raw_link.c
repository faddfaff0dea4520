#include "raw_link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/wire/codec.h"

bool raw_link_init(struct raw_link *link, struct vchan *vchan, size_t tx_cap, const char *program)
{
	*link = (struct raw_link){
		.vchan = vchan,
		.program = program,
		.tx = malloc(tx_cap),
		.tx_cap = tx_cap,
		.rx = malloc(WIRE_MAX_MESSAGE_SIZE),
	};
	if (link->tx == NULL || link->rx == NULL) {
		fprintf(stderr, "%s: out of memory\n", program);
		raw_link_finish(link);
		return false;
	}
	return true;
}

void raw_link_finish(struct raw_link *link)
{
	free(link->tx);
	free(link->rx);
	link->tx = link->rx = NULL;
}

void raw_link_queue_raw(struct raw_link *link, const void *data, size_t size)
{
	if (size > link->tx_cap - link->tx_end) {
		fprintf(stderr, "%s: the send queue is full\n", link->program);
		exit(2);
	}
	memcpy(link->tx + link->tx_end, data, size);
	link->tx_end += size;
}

void raw_link_queue(struct raw_link *link, const struct wire_msg *msg)
{
	size_t n = wire_encode(msg, WIRE_FROM_VM, link->tx + link->tx_end,
		link->tx_cap - link->tx_end);
	if (n == 0) {
		fprintf(stderr, "%s: cannot encode %s\n", link->program,
			wire_msg_type_str(msg->type));
		exit(2);
	}
	link->tx_end += n;
}

bool raw_link_pending(const struct raw_link *link)
{
	return link->tx_start < link->tx_end;
}

bool raw_link_flush(struct raw_link *link)
{
	while (link->tx_start < link->tx_end) {
		ssize_t n = vchan_write(link->vchan, link->tx + link->tx_start,
			link->tx_end - link->tx_start);
		if (n < 0) {
			return false;
		}
		if (n == 0) {
			return true;
		}
		link->tx_start += (size_t)n;
	}
	link->tx_start = link->tx_end = 0;
	return true;
}

bool raw_link_receive(struct raw_link *link, void (*handle)(void *data, const struct wire_msg *msg),
	void *data)
{
	for (;;) {
		size_t room = WIRE_MAX_MESSAGE_SIZE - link->rx_len;
		ssize_t n = vchan_read(link->vchan, link->rx + link->rx_len, room);
		if (n < 0) {
			return false;
		}
		link->rx_len += (size_t)n;
		size_t at = 0;
		for (;;) {
			struct wire_msg msg;
			size_t consumed = 0;
			enum wire_status status = wire_decode(link->rx + at, link->rx_len - at,
				WIRE_FROM_DOM0, &msg, &consumed);
			if (status == WIRE_INCOMPLETE) {
				break;
			}
			if (status != WIRE_OK) {
				fprintf(stderr, "%s: dom0 sent a bad message: %s\n", link->program,
					wire_status_str(status));
				return false;
			}
			handle(data, &msg);
			at += consumed;
		}
		memmove(link->rx, link->rx + at, link->rx_len - at);
		link->rx_len -= at;
		/* Less than asked: the channel is empty for now. */
		if ((size_t)n < room) {
			return true;
		}
	}
}
