/*
 * The Xen vchan backend: a libxenvchan ring for the stream and grant
 * tables for the shared pages, the model of Qubes' GUI protocol.
 *
 * The VM side (server) offers the ring to the domain its address names
 * (dom0: the agent runs with xen:0) under its own xenstore home at
 * data/vchan/<that domid>/<port>, and shares each buffer as one block of
 * pages allocated with gntalloc and granted read-only to that domain; a
 * ref is a grant ref. The total it shares is capped by pool_pages.
 *
 * The dom0 side (client) connects to that ring and maps ref lists with
 * gntdev into one contiguous read-only view. Grant refs are the VM's to
 * choose and dom0 cannot range-check them against a pool, so it bounds
 * what it can: the refs per mapping, the pages mapped in total
 * (max_pool_pages), and the reserved refs; Xen then refuses any ref the VM
 * did not grant to dom0, and the whole mapping fails. A VM cannot revoke a
 * grant while dom0 maps it, so a mapped page never vanishes under dom0.
 * The ring indices in shared memory are the VM's too: libxenvchan checks
 * them (since XSA-86), and this file never trusts what it reports as
 * buffer space beyond the ring.
 *
 * Neither side blocks: the ring is set non-blocking, writes take only the
 * space the ring has, and the event channel is only read once poll says
 * an event is there.
 *
 * A VM that is destroyed never says so: its side of the ring stays as it
 * was, and Xen unbinds dom0's end of the event channel without an event.
 * dom0 would wait on it forever, and its mappings would keep the dead
 * domain's memory. So the client forks a watcher before the bridge is
 * sandboxed: it holds a xenstore connection of its own, watches
 * @releaseDomain, and says when the VM's domain is no longer there; the
 * channel then reads as closed (Qubes' vchan asks Xen the event channel's
 * status for the same reason, a hypercall the sandbox cannot allow). The
 * client's fd is an epoll set of the event channel and the watcher's pipe.
 */
#define _GNU_SOURCE /* pipe2, close_range */
#include "common/vchan/vchan_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <libxenvchan.h>
#include <xen/grant_table.h>
#include <xengnttab.h>
#include <xenstore.h>
#include <xentoollog.h>

#include "common/util/log.h"
#include "common/wire/protocol.h"

/* The bridge runs in dom0: the client names itself 0 in the ring's path. */
#define DOM0_DOMID 0
/* Xen's DOMID_FIRST_RESERVED: ids from here on are not guests. */
#define XEN_DOMID_LIMIT 32752
/* Ring sizes (bytes, rounded up to a power of two by libxenvchan): the VM
 * sends the large messages (ref lists), dom0 short ones. */
#define RING_TO_VM_BYTES 16384
#define RING_TO_DOM0_BYTES 65536
/* "/local/domain/32751/data/vchan/0/65535" with room to spare; libxenvchan
 * appends "/ring-ref" into a 64-byte buffer of its own. */
#define XS_PATH_MAX 48
/* gntalloc and gntdev, the first devices each side opens. */
#define GNTALLOC_DEVICE "/dev/xen/gntalloc"
#define GNTDEV_DEVICE "/dev/xen/gntdev"
/* Linux's gntalloc shares at most this many pages in the whole domain. */
#define GNTALLOC_LIMIT_PATH "/sys/module/xen_gntalloc/parameters/limit"
/* What the watcher writes when the peer's domain is gone. */
#define WATCH_GONE 'g'

/* A block this side shared (server) or mapped (client), remembered so
 * vchan_close can undo it and unshare/unmap can refuse an address it
 * never returned. */
struct xen_region {
	void *addr;
	uint32_t count;
	struct xen_region *next;
};

struct xen_vchan {
	struct vchan base;
	enum vchan_state state;
	int peer_domid;
	int port;
	struct libxenvchan *ring;
	/* Buffer pages, separate from the handles libxenvchan holds for the
	 * ring. One of the two, by side. */
	xengntshr_handle *gntshr; /* server */
	xengnttab_handle *gnttab; /* client */
	uint32_t max_pages; /* pool_pages or max_pool_pages */
	uint32_t pages_held; /* in regions, always <= max_pages */
	struct xen_region *regions;
	/* Client: the watcher's pipe (WATCH_GONE, or EOF if it failed),
	 * and the epoll set of it and the ring's event channel that
	 * callers poll. -1 on the server. */
	int watch_fd;
	int poll_fd;
};

static const struct vchan_impl xen_impl;

static struct xen_vchan *xen_vchan_from(const struct vchan *ctrl)
{
	return (struct xen_vchan *)ctrl;
}

/* --- Xen's library logs, routed through ours --- */

__attribute__((format(printf, 5, 0))) static void handle_xtl_vmessage(struct xentoollog_logger
									      *logger,
	xentoollog_level level, int errnoval, const char *context, const char *format, va_list args)
{
	(void)logger;
	/* The libraries' errors are details of a failure this file logs
	 * itself, once, at MLOG_ERROR; they may also be provoked by a VM. */
	enum mlog_level mlevel = level >= XTL_WARN ? MLOG_INFO : MLOG_DEBUG;
	if (mlevel > mlog_verbosity()) {
		return;
	}
	char text[256];
	vsnprintf(text, sizeof(text), format, args);
	if (errnoval >= 0) {
		mlog(mlevel, "vchan: xen %s: %s: %s", context != NULL ? context : "lib", text,
			strerror(errnoval));
	} else {
		mlog(mlevel, "vchan: xen %s: %s", context != NULL ? context : "lib", text);
	}
}

static void handle_xtl_destroy(struct xentoollog_logger *logger)
{
	(void)logger;
}

static struct xentoollog_logger xtl_logger = {
	.vmessage = handle_xtl_vmessage,
	.destroy = handle_xtl_destroy,
};

/* --- both sides --- */

static void log_open_failure(int domid, const char *device)
{
	int err = errno;
	if (err == ENOENT) {
		mlog(MLOG_ERROR, "vchan xen:%d: Xen is not available: cannot open %s: %s", domid,
			device, strerror(err));
	} else {
		mlog(MLOG_ERROR, "vchan xen:%d: cannot open %s: %s", domid, device, strerror(err));
	}
}

static struct xen_vchan *xen_vchan_alloc(bool is_server, int peer_domid, int port,
	uint32_t max_pages)
{
	if (port < 0 || port > VCHAN_PORT_MAX) {
		mlog(MLOG_ERROR, "vchan xen:%d: port %d out of range 0..%d", peer_domid, port,
			VCHAN_PORT_MAX);
		return NULL;
	}
	if (max_pages == 0) {
		mlog(MLOG_ERROR,
			"vchan xen:%d: a limit of 0 shared pages leaves no room for a buffer",
			peer_domid);
		return NULL;
	}
	struct xen_vchan *x = calloc(1, sizeof(*x));
	if (x == NULL) {
		mlog(MLOG_ERROR, "vchan: out of memory");
		return NULL;
	}
	x->base.impl = &xen_impl;
	x->base.is_server = is_server;
	x->state = VCHAN_WAITING;
	x->peer_domid = peer_domid;
	x->port = port;
	x->max_pages = max_pages;
	x->watch_fd = -1;
	x->poll_fd = -1;
	return x;
}

static void xen_vchan_destroy(struct xen_vchan *x)
{
	struct xen_region *r = x->regions;
	while (r != NULL) {
		struct xen_region *next = r->next;
		if (x->gntshr != NULL) {
			xengntshr_unshare(x->gntshr, r->addr, r->count);
		} else {
			xengnttab_unmap(x->gnttab, r->addr, r->count);
		}
		free(r);
		r = next;
	}
	/* Tells the peer, and on the server removes the xenstore entries. */
	libxenvchan_close(x->ring);
	if (x->gntshr != NULL) {
		xengntshr_close(x->gntshr);
	}
	if (x->gnttab != NULL) {
		xengnttab_close(x->gnttab);
	}
	/* The watcher sees its pipe close and ends. */
	if (x->poll_fd >= 0) {
		close(x->poll_fd);
	}
	if (x->watch_fd >= 0) {
		close(x->watch_fd);
	}
	free(x);
}

static bool xen_vchan_open_ring(struct xen_vchan *x)
{
	char path[XS_PATH_MAX];
	int n;
	if (x->base.is_server) {
		/* Relative: under the VM's own home, where it may write. */
		n = snprintf(path, sizeof(path), "data/vchan/%d/%d", x->peer_domid, x->port);
	} else {
		n = snprintf(path, sizeof(path), "/local/domain/%d/data/vchan/%d/%d", x->peer_domid,
			DOM0_DOMID, x->port);
	}
	if (n < 0 || (size_t)n >= sizeof(path)) {
		mlog(MLOG_ERROR, "vchan xen:%d: xenstore path too long", x->peer_domid);
		return false;
	}

	if (x->base.is_server) {
		x->ring = libxenvchan_server_init(&xtl_logger, x->peer_domid, path,
			RING_TO_VM_BYTES, RING_TO_DOM0_BYTES);
		/* errno does not survive libxenvchan's unwinding: the
		 * details are in its own log lines (MLOG_INFO). */
		if (x->ring == NULL) {
			mlog(MLOG_ERROR,
				"vchan xen:%d: cannot offer a ring at %s (event channel, grant or xenstore failed)",
				x->peer_domid, path);
			return false;
		}
	} else {
		x->ring = libxenvchan_client_init(&xtl_logger, x->peer_domid, path);
		if (x->ring == NULL) {
			/* No agent yet: the caller retries. */
			mlog(MLOG_DEBUG, "vchan xen:%d: no server at %s yet", x->peer_domid, path);
			return false;
		}
	}
	/* libxenvchan leaves the flag uninitialised. */
	x->ring->blocking = 0;
	return true;
}

/*
 * The state as the shared page tells it, never going back: a peer that
 * closed stays closed, whatever a VM writes to the page afterwards. As with
 * a socket, a close counts only once the data sent before it is read.
 */
static enum vchan_state update_state(struct xen_vchan *x)
{
	if (x->state == VCHAN_CLOSED) {
		return x->state;
	}
	/* 1: both open; 2: server still waiting; 0: a side closed. On the
	 * client this reads srv_live, which the VM writes. */
	int untrusted_open = libxenvchan_is_open(x->ring);
	enum vchan_state next;
	if (untrusted_open == 1) {
		next = VCHAN_CONNECTED;
	} else if (untrusted_open == 2 && x->base.is_server && x->state == VCHAN_WAITING) {
		next = VCHAN_WAITING;
	} else if (x->state == VCHAN_CONNECTED && libxenvchan_data_ready(x->ring) > 0) {
		next = VCHAN_CONNECTED;
	} else {
		next = VCHAN_CLOSED;
	}
	if (next == x->state) {
		return x->state;
	}
	if (next == VCHAN_CONNECTED) {
		mlog(MLOG_DEBUG, "vchan xen:%d port %d: peer connected", x->peer_domid, x->port);
	} else {
		mlog(MLOG_INFO, "vchan xen:%d port %d: peer closed the channel", x->peer_domid,
			x->port);
	}
	x->state = next;
	return x->state;
}

static void xen_close(struct vchan *ctrl)
{
	xen_vchan_destroy(xen_vchan_from(ctrl));
}

static int xen_fd(const struct vchan *ctrl)
{
	const struct xen_vchan *x = xen_vchan_from(ctrl);
	return x->poll_fd >= 0 ? x->poll_fd : libxenvchan_fd_for_select(x->ring);
}

/* The watcher spoke, or ended: either way the channel is over. */
static void read_watch(struct xen_vchan *x)
{
	char byte = 0;
	ssize_t n = read(x->watch_fd, &byte, 1);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		return;
	}
	if (n == 1 && byte == WATCH_GONE) {
		mlog(MLOG_INFO, "vchan xen:%d port %d: domain %d is gone", x->peer_domid, x->port,
			x->peer_domid);
	} else {
		mlog(MLOG_ERROR,
			"vchan xen:%d port %d: the watch on the domain ended; closing the channel",
			x->peer_domid, x->port);
	}
	x->state = VCHAN_CLOSED;
}

static enum vchan_state xen_state(const struct vchan *ctrl)
{
	return xen_vchan_from(ctrl)->state;
}

static enum vchan_state xen_wait(struct vchan *ctrl)
{
	struct xen_vchan *x = xen_vchan_from(ctrl);
	if (x->state == VCHAN_CLOSED) {
		return x->state;
	}
	/* libxenvchan_wait reads the event channel, which blocks when no
	 * event is pending: only call it when poll says one is. */
	struct pollfd pfd[2] = {
		{ .fd = libxenvchan_fd_for_select(x->ring), .events = POLLIN },
		{ .fd = x->watch_fd, .events = POLLIN },
	};
	int n = poll(pfd, x->watch_fd >= 0 ? 2 : 1, 0);
	if (n < 0 && errno != EINTR) {
		mlog_errno(MLOG_ERROR, "vchan xen:%d: poll", x->peer_domid);
		x->state = VCHAN_CLOSED;
		return x->state;
	}
	if (n > 0 && x->watch_fd >= 0 && pfd[1].revents != 0) {
		read_watch(x);
		if (x->state == VCHAN_CLOSED) {
			return x->state;
		}
	}
	if (n > 0 && (pfd[0].revents & POLLIN) && libxenvchan_wait(x->ring) < 0) {
		mlog_errno(MLOG_ERROR, "vchan xen:%d: event channel", x->peer_domid);
		x->state = VCHAN_CLOSED;
		return x->state;
	}
	return update_state(x);
}

static ssize_t xen_read(struct vchan *ctrl, void *buf, size_t size)
{
	struct xen_vchan *x = xen_vchan_from(ctrl);
	switch (update_state(x)) {
	case VCHAN_WAITING:
		return 0;
	case VCHAN_CONNECTED:
		break;
	case VCHAN_CLOSED:
		return -1;
	}
	if (size == 0) {
		return 0;
	}
	/* At most one ring's worth comes back, so the int cannot overflow. */
	int n = libxenvchan_read(x->ring, buf, size);
	if (n < 0) {
		mlog(MLOG_INFO, "vchan xen:%d port %d: peer closed the channel", x->peer_domid,
			x->port);
		x->state = VCHAN_CLOSED;
		return -1;
	}
	return n;
}

static ssize_t xen_write(struct vchan *ctrl, const void *buf, size_t size)
{
	struct xen_vchan *x = xen_vchan_from(ctrl);
	if (update_state(x) == VCHAN_CLOSED) {
		return -1;
	}
	if (x->state != VCHAN_CONNECTED || size == 0) {
		return 0;
	}
	/* Never more than the ring has room for: dom0 does not wait for a
	 * VM to drain it. The space is bounded by the ring size. */
	int space = libxenvchan_buffer_space(x->ring);
	if (space <= 0) {
		return 0;
	}
	if (size > (size_t)space) {
		size = (size_t)space;
	}
	int n = libxenvchan_write(x->ring, buf, size);
	if (n < 0) {
		mlog(MLOG_INFO, "vchan xen:%d port %d: write failed, closing", x->peer_domid,
			x->port);
		x->state = VCHAN_CLOSED;
		return -1;
	}
	return n;
}

static bool region_add(struct xen_vchan *x, void *addr, uint32_t count)
{
	struct xen_region *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		mlog(MLOG_ERROR, "vchan: out of memory");
		return false;
	}
	r->addr = addr;
	r->count = count;
	r->next = x->regions;
	x->regions = r;
	x->pages_held += count;
	return true;
}

/* Unlinks the region at addr if it has count pages; false otherwise. */
static bool region_remove(struct xen_vchan *x, const void *addr, uint32_t count)
{
	for (struct xen_region **link = &x->regions; *link != NULL; link = &(*link)->next) {
		struct xen_region *r = *link;
		if (r->addr != addr) {
			continue;
		}
		if (r->count != count) {
			mlog(MLOG_ERROR, "vchan xen:%d: release of %u pages at a block of %u",
				x->peer_domid, count, r->count);
			return false;
		}
		*link = r->next;
		x->pages_held -= r->count;
		free(r);
		return true;
	}
	mlog(MLOG_ERROR, "vchan xen:%d: release of an address never handed out", x->peer_domid);
	return false;
}

/* --- server (VM side) --- */

/*
 * gntalloc shares at most its module parameter's pages in the whole domain
 * (1024 by default: the two buffers of one 1280x720 window take 1800), and
 * refuses more with a bare error. Take it as the cap, and say how to raise
 * it. libxengnttab has no call to set it (xengnttab_set_max_grants is
 * gntdev's, and Linux ignores it).
 */
static void apply_gntalloc_limit(struct xen_vchan *x)
{
	FILE *file = fopen(GNTALLOC_LIMIT_PATH, "re");
	if (file == NULL) {
		return;
	}
	long limit = 0;
	int fields = fscanf(file, "%ld", &limit);
	fclose(file);
	if (fields != 1 || limit <= 0 || (unsigned long)limit >= x->max_pages) {
		return;
	}
	mlog(MLOG_INFO,
		"vchan xen:%d: this domain's gntalloc shares at most %ld pages, fewer than the pool's %u: windows beyond that fail; raise it with xen_gntalloc.limit=%u on the kernel command line or 'options xen_gntalloc limit=%u' in /etc/modprobe.d",
		x->peer_domid, limit, x->max_pages, x->max_pages, x->max_pages);
	x->max_pages = (uint32_t)limit;
}

struct vchan *vchan_xen_server_init(const struct vchan_address *addr, int port, uint32_t pool_pages)
{
	/* The address names the peer, where dom0's bridge runs: xen:0. The
	 * ring and every grant are offered to that domain alone. */
	if (addr->domid < DOM0_DOMID || addr->domid >= XEN_DOMID_LIMIT) {
		mlog(MLOG_ERROR, "vchan xen:%d: not a domain id", addr->domid);
		return NULL;
	}
	struct xen_vchan *x = xen_vchan_alloc(true, addr->domid, port, pool_pages);
	if (x == NULL) {
		return NULL;
	}
	/* First, so that without Xen nothing else is tried or logged. */
	x->gntshr = xengntshr_open(&xtl_logger, 0);
	if (x->gntshr == NULL) {
		log_open_failure(x->peer_domid, GNTALLOC_DEVICE);
		goto error;
	}
	apply_gntalloc_limit(x);
	if (!xen_vchan_open_ring(x)) {
		goto error;
	}
	mlog(MLOG_INFO, "vchan xen:%d: offering port %d to domain %d, up to %u shared pages",
		x->peer_domid, port, x->peer_domid, x->max_pages);
	return &x->base;

error:
	xen_vchan_destroy(x);
	return NULL;
}

static void *xen_share_pages(struct vchan *ctrl, uint32_t npages, uint32_t *refs)
{
	struct xen_vchan *x = xen_vchan_from(ctrl);
	if (npages > x->max_pages - x->pages_held) {
		mlog(MLOG_ERROR, "vchan xen:%d: %u more pages would pass the cap of %u (%u shared)",
			x->peer_domid, npages, x->max_pages, x->pages_held);
		return NULL;
	}
	/* Read-only: dom0 only ever maps buffers to read them. */
	void *addr =
		xengntshr_share_pages(x->gntshr, (uint32_t)x->peer_domid, (int)npages, refs, 0);
	if (addr == NULL) {
		mlog_errno(MLOG_ERROR, "vchan xen:%d: cannot share %u pages", x->peer_domid,
			npages);
		return NULL;
	}
	if (!region_add(x, addr, npages)) {
		xengntshr_unshare(x->gntshr, addr, npages);
		return NULL;
	}
	return addr;
}

static void xen_unshare_pages(struct vchan *ctrl, void *addr, uint32_t npages, const uint32_t *refs)
{
	(void)refs; /* gntalloc frees a block's grants with its mapping */
	struct xen_vchan *x = xen_vchan_from(ctrl);
	if (!region_remove(x, addr, npages)) {
		return;
	}
	/* Grants dom0 still maps stay valid until it unmaps them. */
	xengntshr_unshare(x->gntshr, addr, npages);
}

/* --- client (dom0 side) --- */

/* The watcher process: until the domain is gone, or the client closes its
 * end of the pipe (fd). It reads no VM bytes: watch events of its own
 * token and xenstored's answer to "is this domain there". */
__attribute__((noreturn)) static void watch_domain(int domid, int fd)
{
	struct xs_handle *xs = xs_open(0);
	if (xs == NULL || !xs_watch(xs, "@releaseDomain", "mullion")) {
		mlog_errno(MLOG_ERROR, "vchan xen:%d: cannot watch xenstore for the domain's end",
			domid);
		_exit(1);
	}
	for (;;) {
		/* xenstored forgets a domain once it is dying. */
		if (!xs_is_domain_introduced(xs, (unsigned)domid)) {
			char gone = WATCH_GONE;
			_exit(write(fd, &gone, 1) == 1 ? 0 : 1);
		}
		/* No events asked on the pipe: POLLERR says its reader left. */
		struct pollfd pfd[2] = {
			{ .fd = xs_fileno(xs), .events = POLLIN },
			{ .fd = fd, .events = 0 },
		};
		if (poll(pfd, 2, -1) < 0 && errno != EINTR) {
			_exit(1);
		}
		if (pfd[1].revents != 0) {
			_exit(0);
		}
		if (pfd[0].revents & POLLIN) {
			unsigned count;
			free(xs_read_watch(xs, &count));
		}
	}
}

/* Forks the watcher and builds the epoll set callers poll. */
static bool start_watch(struct xen_vchan *x)
{
	int pipe_fds[2];
	if (pipe2(pipe_fds, O_CLOEXEC) < 0) {
		mlog_errno(MLOG_ERROR, "vchan xen:%d: pipe", x->peer_domid);
		return false;
	}
	pid_t parent = getpid();
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		mlog_errno(MLOG_ERROR, "vchan xen:%d: fork of the domain watcher", x->peer_domid);
		close(pipe_fds[0]);
		close(pipe_fds[1]);
		return false;
	}
	if (pid == 0) {
		/* Ends with its parent, and holds nothing of it: the VM's
		 * pages are not copied into a child (gntdev maps them
		 * VM_DONTCOPY), and every fd but the pipe and stdio is
		 * closed. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent) {
			_exit(0);
		}
		int fd = pipe_fds[1];
		if (fd > 3) {
			close_range(3, (unsigned)fd - 1, 0);
		}
		close_range((unsigned)fd + 1, ~0u, 0);
		watch_domain(x->peer_domid, fd);
	}
	close(pipe_fds[1]);
	x->watch_fd = pipe_fds[0];
	if (fcntl(x->watch_fd, F_SETFL, O_NONBLOCK) < 0) {
		mlog_errno(MLOG_ERROR, "vchan xen:%d: fcntl", x->peer_domid);
		return false;
	}
	x->poll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (x->poll_fd < 0) {
		mlog_errno(MLOG_ERROR, "vchan xen:%d: epoll_create1", x->peer_domid);
		return false;
	}
	struct epoll_event ring_event = { .events = EPOLLIN };
	struct epoll_event watch_event = { .events = EPOLLIN };
	if (epoll_ctl(x->poll_fd, EPOLL_CTL_ADD, libxenvchan_fd_for_select(x->ring), &ring_event) <
			0 ||
		epoll_ctl(x->poll_fd, EPOLL_CTL_ADD, x->watch_fd, &watch_event) < 0) {
		mlog_errno(MLOG_ERROR, "vchan xen:%d: epoll_ctl", x->peer_domid);
		return false;
	}
	return true;
}

struct vchan *vchan_xen_client_init(const struct vchan_address *addr, int port,
	uint32_t max_pool_pages)
{
	if (addr->domid <= DOM0_DOMID || addr->domid >= XEN_DOMID_LIMIT) {
		mlog(MLOG_ERROR, "vchan xen:%d: not a guest domain id", addr->domid);
		return NULL;
	}
	struct xen_vchan *x = xen_vchan_alloc(false, addr->domid, port, max_pool_pages);
	if (x == NULL) {
		return NULL;
	}
	x->gnttab = xengnttab_open(&xtl_logger, 0);
	if (x->gnttab == NULL) {
		log_open_failure(x->peer_domid, GNTDEV_DEVICE);
		goto error;
	}
	/* A second bound, in the kernel, on what this handle maps; ours
	 * below is the one relied on, so a kernel without it is fine. */
	if (xengnttab_set_max_grants(x->gnttab, max_pool_pages) < 0) {
		mlog_errno(MLOG_DEBUG, "vchan xen:%d: no kernel grant limit", x->peer_domid);
	}
	if (!xen_vchan_open_ring(x) || !start_watch(x)) {
		goto error;
	}
	update_state(x);
	mlog(MLOG_DEBUG, "vchan xen:%d: connected to port %d", x->peer_domid, port);
	return &x->base;

error:
	xen_vchan_destroy(x);
	return NULL;
}

static const void *xen_map_refs(struct vchan *ctrl, const uint32_t *untrusted_refs, uint32_t count)
{
	struct xen_vchan *x = xen_vchan_from(ctrl);
	if (x->state == VCHAN_CLOSED) {
		mlog(MLOG_ERROR, "vchan xen:%d: map_refs on a closed channel", x->peer_domid);
		return NULL;
	}
	if (count == 0 || count > WIRE_MAX_BUFFER_REFS) {
		mlog(MLOG_ERROR, "vchan xen:%d: %u refs is outside 1..%u", x->peer_domid, count,
			(unsigned)WIRE_MAX_BUFFER_REFS);
		return NULL;
	}
	if (count > x->max_pages - x->pages_held) {
		mlog(MLOG_ERROR,
			"vchan xen:%d: %u more pages would pass the limit of %u (%u mapped)",
			x->peer_domid, count, x->max_pages, x->pages_held);
		return NULL;
	}
	/* Checked in a copy of our own, which is also what the non-const
	 * gnttab call gets. */
	uint32_t *refs = calloc(count, sizeof(*refs));
	if (refs == NULL) {
		mlog(MLOG_ERROR, "vchan: out of memory");
		return NULL;
	}
	void *addr = NULL;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t untrusted_ref = untrusted_refs[i];
		/* The console and xenstore rings and their neighbours are
		 * never a window buffer. */
		if (untrusted_ref < GNTTAB_NR_RESERVED_ENTRIES) {
			mlog(MLOG_ERROR, "vchan xen:%d: ref %u (index %u) is a reserved grant",
				x->peer_domid, untrusted_ref, i);
			goto out;
		}
		refs[i] = untrusted_ref;
	}

	addr = xengnttab_map_domain_grant_refs(x->gnttab, count, (uint32_t)x->peer_domid, refs,
		PROT_READ);
	if (addr == NULL) {
		mlog_errno(MLOG_ERROR, "vchan xen:%d: cannot map %u grant refs (first %u)",
			x->peer_domid, count, refs[0]);
		goto out;
	}
	if (!region_add(x, addr, count)) {
		xengnttab_unmap(x->gnttab, addr, count);
		addr = NULL;
	}
out:
	free(refs);
	return addr;
}

static void xen_unmap(struct vchan *ctrl, const void *addr, uint32_t count)
{
	struct xen_vchan *x = xen_vchan_from(ctrl);
	if (!region_remove(x, addr, count)) {
		return;
	}
	xengnttab_unmap(x->gnttab, (void *)addr, count);
}

static const struct vchan_impl xen_impl = {
	.close = xen_close,
	.fd = xen_fd,
	.state = xen_state,
	.wait = xen_wait,
	.read = xen_read,
	.write = xen_write,
	.share_pages = xen_share_pages,
	.unshare_pages = xen_unshare_pages,
	.map_refs = xen_map_refs,
	.unmap = xen_unmap,
};
