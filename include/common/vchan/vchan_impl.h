/*
 * What a vchan backend implements. vchan.c dispatches the public API
 * (vchan/vchan.h) through this table, so callers never know which backend
 * runs; backends embed struct vchan first in their own struct and find it
 * again with a cast (it is always at offset 0).
 *
 * vchan.c has already checked what every backend would have to check:
 * ctrl is not NULL, counts are within WIRE_MAX_BUFFER_REFS, refs is not
 * NULL. Backends check what only they know (refs against the pool).
 */
#ifndef VCHAN_VCHAN_IMPL_H
#define VCHAN_VCHAN_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/vchan/vchan.h"

struct vchan_impl {
	/* Frees ctrl and everything it holds. */
	void (*close)(struct vchan *ctrl);
	int (*fd)(const struct vchan *ctrl);
	enum vchan_state (*state)(const struct vchan *ctrl);
	enum vchan_state (*wait)(struct vchan *ctrl);
	ssize_t (*read)(struct vchan *ctrl, void *buf, size_t size);
	ssize_t (*write)(struct vchan *ctrl, const void *buf, size_t size);
	/* Server side; NULL in the table if the backend cannot share. */
	void *(*share_pages)(struct vchan *ctrl, uint32_t npages, uint32_t *refs);
	void (*unshare_pages)(struct vchan *ctrl, void *addr, uint32_t npages,
		const uint32_t *refs);
	/* Client side. */
	const void *(*map_refs)(struct vchan *ctrl, const uint32_t *refs, uint32_t count);
	void (*unmap)(struct vchan *ctrl, const void *addr, uint32_t count);
};

struct vchan {
	const struct vchan_impl *impl;
	bool is_server; /* the VM side */
};

/* The socket backend (vchan/socket.c): a Unix socket per port in
 * addr->socket_dir and a sealed memfd page pool. */
struct vchan *vchan_socket_server_init(const struct vchan_address *addr, int port,
	uint32_t pool_pages);
struct vchan *vchan_socket_client_init(const struct vchan_address *addr, int port,
	uint32_t max_pool_pages);

/* The Xen backend (vchan/xen.c, built with -Dxen): a libxenvchan ring and
 * grant-table pages. Both sides' addr->domid is the peer: the VM side
 * offers to it (xen:0, dom0), the dom0 side connects to that VM. */
struct vchan *vchan_xen_server_init(const struct vchan_address *addr, int port,
	uint32_t pool_pages);
struct vchan *vchan_xen_client_init(const struct vchan_address *addr, int port,
	uint32_t max_pool_pages);

/* The socket file for a port: "<socket_dir>/vchan-<port>.sock". False if
 * the port is out of range or the path does not fit. */
bool vchan_socket_path(const struct vchan_address *addr, int port, char *out, size_t size);

#define VCHAN_PORT_MAX 65535
/* strlen("/vchan-65535.sock"): what a socket dir must leave room for. */
#define VCHAN_SOCKET_SUFFIX_MAX 17

#endif
