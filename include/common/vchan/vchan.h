/*
 * vchan: the byte stream and the shared pages between one VM and dom0.
 *
 * The API follows Qubes' libvchan: the VM side is the server, dom0 the
 * client, both addressed by (domain, port). Shared window buffers are named
 * by page refs in both backends: Xen grant refs, or page indices in the
 * sealed memfd pool the VM hands over at connection (socket backend).
 * Backends implement struct vchan_impl (vchan/vchan_impl.h); nothing above
 * this header knows which one runs.
 *
 * All I/O is non-blocking: dom0 never waits on a VM.
 */
#ifndef VCHAN_VCHAN_H
#define VCHAN_VCHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define VCHAN_GUI_PORT 6000
#define VCHAN_PATH_MAX 108 /* sizeof(sockaddr_un.sun_path) */

enum vchan_backend {
	VCHAN_BACKEND_SOCKET,
	VCHAN_BACKEND_XEN,
};

/* Where a VM's vchan is: "socket:/run/mullion/work" or "xen:12". */
struct vchan_address {
	enum vchan_backend backend;
	char socket_dir[VCHAN_PATH_MAX]; /* socket: one socket per port inside */
	int domid; /* xen */
};

/* Parse "socket:DIR" or "xen:DOMID". Returns false on anything else. */
bool vchan_address_parse(const char *str, struct vchan_address *addr);
/* Writes the canonical text form; false if it does not fit. */
bool vchan_address_format(const struct vchan_address *addr, char *out, size_t size);
/* True if both name the same channel (used to match a VM to its config). */
bool vchan_address_equal(const struct vchan_address *a, const struct vchan_address *b);

enum vchan_state {
	VCHAN_WAITING, /* server: listening; client: awaiting the pool */
	VCHAN_CONNECTED,
	VCHAN_CLOSED, /* peer went away or broke the transport */
};

struct vchan;

/*
 * VM side. Starts listening and returns at once; pool_pages is the size of
 * the shared page pool the VM offers (socket backend) or a cap on shared
 * pages (Xen). Returns NULL with a logged reason on failure.
 */
struct vchan *vchan_server_init(const struct vchan_address *addr, int port, uint32_t pool_pages);

/*
 * dom0 side. Starts connecting and returns at once; NULL if no server is
 * there yet (the caller retries later). max_pool_pages bounds the pool the
 * VM may offer.
 */
struct vchan *vchan_client_init(const struct vchan_address *addr, int port,
	uint32_t max_pool_pages);

/* Closes the channel and unmaps/unshares everything it holds; NULL is ok. */
void vchan_close(struct vchan *ctrl);

/* The fd to poll for readability. It may change when vchan_state changes
 * (a listening socket becomes the connection): re-read it then. */
int vchan_fd(const struct vchan *ctrl);
enum vchan_state vchan_state(const struct vchan *ctrl);

/*
 * Call when vchan_fd() is readable. Advances the connection (accepts the
 * peer, exchanges the pool) and returns the new state. Once CONNECTED,
 * pending stream data stays for vchan_read; it may have been taken off the
 * fd already, so read until a read returns less than asked (or a message
 * budget says to come back without polling) before polling again.
 */
enum vchan_state vchan_wait(struct vchan *ctrl);

/* Non-blocking stream I/O. Return the byte count (0: nothing now), or -1
 * when the channel is closed or broken. Writes may be partial. A read that
 * returns less than asked found the channel empty: no need to read again
 * until the fd is readable. */
ssize_t vchan_read(struct vchan *ctrl, void *buf, size_t size);
ssize_t vchan_write(struct vchan *ctrl, const void *buf, size_t size);

/*
 * VM side: share npages pages with dom0. Returns a writable mapping of them,
 * contiguous, and fills refs[0..npages) with their names; NULL if the pool
 * or quota is exhausted.
 */
void *vchan_share_pages(struct vchan *ctrl, uint32_t npages, uint32_t *refs);
void vchan_unshare_pages(struct vchan *ctrl, void *addr, uint32_t npages, const uint32_t *refs);

/*
 * dom0 side: map the pages named by refs[0..count) into one contiguous,
 * read-only view. Every ref is checked before anything is mapped; an
 * out-of-range ref logs and returns NULL. Undo with vchan_unmap.
 */
const void *vchan_map_refs(struct vchan *ctrl, const uint32_t *refs, uint32_t count);
void vchan_unmap(struct vchan *ctrl, const void *addr, uint32_t count);

#endif
