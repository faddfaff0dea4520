/*
 * The agent's end of the vchan to dom0: listens, shakes hands, keeps a
 * bounded queue of outgoing messages and dispatches dom0's messages to
 * windows. When the channel breaks it drops every shared buffer and
 * listens again, so dom0 (the bridge) may restart at any time.
 */
#ifndef AGENT_DOM0_LINK_H
#define AGENT_DOM0_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "common/vchan/vchan.h"
#include "common/wire/protocol.h"

struct agent_server;
struct dom0_link;

/* Starts listening on address; NULL (logged) if it cannot. */
struct dom0_link *dom0_link_create(struct agent_server *server, const struct vchan_address *address,
	uint32_t pool_pages);
void dom0_link_destroy(struct dom0_link *link);

/* Handshake done: messages about windows may be sent. NULL is not ready. */
bool dom0_link_ready(const struct dom0_link *link);

/* Whether this connection may use a feature (WIRE_CAP_*): ready, and
 * both sides announced it (the spec's section 5). */
bool dom0_link_has(const struct dom0_link *link, uint32_t capability);

/*
 * Queues msg for dom0. Never blocks. False if the link is not ready or the
 * message cannot be queued; in the latter case the link is reset soon
 * (from an idle callback, never from inside this call).
 */
bool dom0_link_send(struct dom0_link *link, const struct wire_msg *msg);

/* Writes what is queued now, as far as the channel takes it, instead of
 * when the event loop is next idle (a frame's parts go out as they are
 * drawn). Never blocks; a failure resets the link as dom0_link_send's. */
void dom0_link_flush(struct dom0_link *link);

/* Pages shared with dom0 for window buffers (vchan_share_pages). */
void *dom0_link_share_pages(struct dom0_link *link, uint32_t npages, uint32_t *refs);
void dom0_link_unshare_pages(struct dom0_link *link, void *addr, uint32_t npages,
	const uint32_t *refs);

#endif
