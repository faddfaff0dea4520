/*
 * The socket vchan backend: one Unix stream socket per (directory, port)
 * and one sealed memfd page pool per connection.
 *
 * The VM side (server) creates the pool, listens on
 * "<socket_dir>/vchan-<port>.sock", and when dom0 connects sends it an
 * 8-byte preamble (u32 magic 'MLNV', u32 pool pages, little-endian) with
 * the pool fd attached as SCM_RIGHTS. A ref is a page index in the pool.
 * It serves one peer: once one is accepted the listening socket is closed
 * and its file unlinked. If that peer goes away, the VM side closes the
 * channel and calls vchan_server_init again to wait for the next one.
 *
 * The dom0 side (client) treats everything it receives as hostile: the
 * preamble, the number of fds, and the pool itself, whose seals,
 * filesystem (shmem, so a memfd) and size it checks once before any page
 * is mapped. Because the pool cannot shrink, a mapped page can never
 * vanish under dom0 (no SIGBUS).
 *
 * Neither side ever blocks.
 */
#define _GNU_SOURCE /* memfd_create, file seals, accept4, MAP_NORESERVE */
#include "common/vchan/vchan_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/util/log.h"
#include "common/wire/protocol.h"

/* 'M' 'L' 'N' 'V' in byte order, read as a little-endian u32. */
#define POOL_MAGIC 0x564e4c4du
#define PREAMBLE_SIZE 8
#define POOL_PAGE_SIZE WIRE_PAGE_SIZE
/* Room for this many fds in one message: enough to see (and close) what
 * a peer attached beyond the one we accept. */
#define MAX_RECV_FDS 8
#define REQUIRED_SEALS (F_SEAL_SHRINK | F_SEAL_GROW)

/* A client mapping, remembered so vchan_close can undo it and
 * vchan_unmap can refuse an address it never returned. */
struct socket_mapping {
	const void *addr;
	uint32_t count;
	struct socket_mapping *next;
};

/* Enough for a burst of the small per-frame messages in one recv; a
 * longer burst is read straight into the caller's buffer behind it. */
#define SOCKET_STASH_SIZE 4096

struct socket_vchan {
	struct vchan base;
	enum vchan_state state;
	int fd; /* listening socket, then the connection */
	char path[VCHAN_PATH_MAX];
	bool path_bound; /* server: path is ours to unlink */

	/* The pool. On the client, pool_fd is the peer's until
	 * pool_check() passes, and only then is state CONNECTED. */
	int pool_fd;
	uint32_t pool_pages;

	/* Server only. */
	uint8_t *pool_base;
	uint8_t *page_used; /* bitmap, one bit per pool page */

	/* Client only. */
	uint32_t max_pool_pages;
	uint8_t preamble[PREAMBLE_SIZE];
	size_t preamble_len;
	struct socket_mapping *mappings;

	/* What socket_wait read to learn whether the peer is still there,
	 * kept for socket_read: one recv per wakeup serves both. */
	uint8_t stash[SOCKET_STASH_SIZE];
	size_t stash_start, stash_end;
};

static const struct vchan_impl socket_impl;

static struct socket_vchan *socket_vchan_from(const struct vchan *ctrl)
{
	return (struct socket_vchan *)ctrl;
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static bool errno_is_transient(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

bool vchan_socket_path(const struct vchan_address *addr, int port, char *out, size_t size)
{
	if (addr->backend != VCHAN_BACKEND_SOCKET || addr->socket_dir[0] != '/') {
		mlog(MLOG_ERROR, "vchan: not a socket address");
		return false;
	}
	if (port < 0 || port > VCHAN_PORT_MAX) {
		mlog(MLOG_ERROR, "vchan: port %d out of range 0..%d", port, VCHAN_PORT_MAX);
		return false;
	}
	/* The root directory would otherwise give "//vchan-...". */
	const char *sep = strcmp(addr->socket_dir, "/") == 0 ? "" : "/";
	int n = snprintf(out, size, "%s%svchan-%d.sock", addr->socket_dir, sep, port);
	if (n < 0 || (size_t)n >= size) {
		mlog(MLOG_ERROR, "vchan: socket path in %s too long", addr->socket_dir);
		return false;
	}
	return true;
}

static bool fill_sockaddr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		mlog(MLOG_ERROR, "vchan: socket path %s too long", path);
		return false;
	}
	strcpy(sa->sun_path, path);
	return true;
}

static void socket_vchan_destroy(struct socket_vchan *s)
{
	struct socket_mapping *m = s->mappings;
	while (m != NULL) {
		struct socket_mapping *next = m->next;
		munmap((void *)m->addr, (size_t)m->count * POOL_PAGE_SIZE);
		free(m);
		m = next;
	}
	if (s->pool_base != NULL) {
		munmap(s->pool_base, (size_t)s->pool_pages * POOL_PAGE_SIZE);
	}
	free(s->page_used);
	if (s->pool_fd >= 0) {
		close(s->pool_fd);
	}
	if (s->fd >= 0) {
		close(s->fd);
	}
	if (s->path_bound) {
		unlink(s->path);
	}
	free(s);
}

/* A vchan of either side, knowing its socket's path and address. */
static struct socket_vchan *socket_vchan_alloc(bool is_server, const struct vchan_address *addr,
	int port, struct sockaddr_un *sa)
{
	struct socket_vchan *s = calloc(1, sizeof(*s));
	if (s == NULL) {
		mlog(MLOG_ERROR, "vchan: out of memory");
		return NULL;
	}
	s->base.impl = &socket_impl;
	s->base.is_server = is_server;
	s->state = VCHAN_WAITING;
	s->fd = -1;
	s->pool_fd = -1;
	if (!vchan_socket_path(addr, port, s->path, sizeof(s->path)) ||
		!fill_sockaddr(s->path, sa)) {
		socket_vchan_destroy(s);
		return NULL;
	}
	return s;
}

static void socket_close(struct vchan *ctrl)
{
	socket_vchan_destroy(socket_vchan_from(ctrl));
}

static int socket_fd(const struct vchan *ctrl)
{
	return socket_vchan_from(ctrl)->fd;
}

static enum vchan_state socket_state(const struct vchan *ctrl)
{
	return socket_vchan_from(ctrl)->state;
}

/* --- server (VM side) --- */

/* mkdir -p, each new level private to us. */
static bool make_dirs(const char *dir)
{
	char buf[VCHAN_PATH_MAX];
	int n = snprintf(buf, sizeof(buf), "%s", dir);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		return false;
	}
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0') {
			continue;
		}
		char c = *p;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST) {
			mlog_errno(MLOG_ERROR, "vchan: cannot create %s", buf);
			return false;
		}
		*p = c;
		if (c == '\0') {
			break;
		}
	}
	return true;
}

/* A socket file left by an agent that died: remove it, but nothing else. */
static bool remove_stale_socket(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT) {
			return true;
		}
		mlog_errno(MLOG_ERROR, "vchan: cannot stat %s", path);
		return false;
	}
	if (!S_ISSOCK(st.st_mode)) {
		mlog(MLOG_ERROR, "vchan: %s exists and is not a socket", path);
		return false;
	}
	if (unlink(path) < 0) {
		mlog_errno(MLOG_ERROR, "vchan: cannot remove stale %s", path);
		return false;
	}
	return true;
}

static bool pool_create(struct socket_vchan *s, uint32_t pool_pages)
{
	uint64_t bytes = (uint64_t)pool_pages * POOL_PAGE_SIZE;
	if (pool_pages == 0 || bytes != (size_t)bytes || bytes > (uint64_t)INT64_MAX) {
		mlog(MLOG_ERROR, "vchan: pool of %u pages is not possible", pool_pages);
		return false;
	}
	size_t size = (size_t)bytes;

	s->pool_fd = memfd_create("mullion-pool", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (s->pool_fd < 0) {
		mlog_errno(MLOG_ERROR, "vchan: memfd_create");
		return false;
	}
	if (ftruncate(s->pool_fd, (off_t)size) < 0) {
		mlog_errno(MLOG_ERROR, "vchan: cannot size the pool to %zu bytes", size);
		return false;
	}
	/* dom0 refuses a pool it could see shrink: a page it mapped would
	 * then fault in dom0. */
	if (fcntl(s->pool_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		mlog_errno(MLOG_ERROR, "vchan: cannot seal the pool");
		return false;
	}
	void *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, s->pool_fd, 0);
	if (base == MAP_FAILED) {
		mlog_errno(MLOG_ERROR, "vchan: cannot map the pool");
		return false;
	}
	s->pool_base = base;
	s->pool_pages = pool_pages;
	s->page_used = calloc(((size_t)pool_pages + 7) / 8, 1);
	if (s->page_used == NULL) {
		mlog(MLOG_ERROR, "vchan: out of memory");
		return false;
	}
	return true;
}

struct vchan *vchan_socket_server_init(const struct vchan_address *addr, int port,
	uint32_t pool_pages)
{
	struct sockaddr_un sa;
	struct socket_vchan *s = socket_vchan_alloc(true, addr, port, &sa);
	if (s == NULL) {
		return NULL;
	}
	if (!pool_create(s, pool_pages)) {
		goto error;
	}
	if (!make_dirs(addr->socket_dir) || !remove_stale_socket(s->path)) {
		goto error;
	}

	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		mlog_errno(MLOG_ERROR, "vchan: socket");
		goto error;
	}
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		mlog_errno(MLOG_ERROR, "vchan: cannot bind %s", s->path);
		goto error;
	}
	s->path_bound = true;
	if (listen(s->fd, 1) < 0) {
		mlog_errno(MLOG_ERROR, "vchan: cannot listen on %s", s->path);
		goto error;
	}
	mlog(MLOG_DEBUG, "vchan: listening on %s, pool of %u pages", s->path, pool_pages);
	return &s->base;

error:
	socket_vchan_destroy(s);
	return NULL;
}

static bool send_pool(struct socket_vchan *s, int conn)
{
	uint8_t preamble[PREAMBLE_SIZE];
	put_u32(preamble, POOL_MAGIC);
	put_u32(preamble + 4, s->pool_pages);

	struct iovec iov = {
		.iov_base = preamble,
		.iov_len = sizeof(preamble),
	};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	memset(&control, 0, sizeof(control));
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &s->pool_fd, sizeof(int));

	/* A fresh connection has an empty send buffer, so 8 bytes go out
	 * whole or not at all. */
	ssize_t n = sendmsg(conn, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n != (ssize_t)sizeof(preamble)) {
		if (n < 0) {
			mlog_errno(MLOG_ERROR, "vchan %s: cannot send the pool", s->path);
		} else {
			mlog(MLOG_ERROR, "vchan %s: short preamble write", s->path);
		}
		return false;
	}
	return true;
}

static enum vchan_state server_accept(struct socket_vchan *s)
{
	int conn = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (conn < 0) {
		if (errno_is_transient() || errno == ECONNABORTED) {
			return s->state;
		}
		mlog_errno(MLOG_ERROR, "vchan %s: accept", s->path);
		s->state = VCHAN_CLOSED;
		return s->state;
	}
	if (!send_pool(s, conn)) {
		/* That peer is gone already; wait for the next. */
		close(conn);
		return s->state;
	}

	close(s->fd);
	unlink(s->path);
	s->path_bound = false;
	s->fd = conn;
	s->state = VCHAN_CONNECTED;
	mlog(MLOG_DEBUG, "vchan %s: peer connected", s->path);
	return s->state;
}

static void *socket_share_pages(struct vchan *ctrl, uint32_t npages, uint32_t *refs)
{
	struct socket_vchan *s = socket_vchan_from(ctrl);
	if (npages > s->pool_pages) {
		mlog(MLOG_ERROR, "vchan: %u pages do not fit a pool of %u", npages, s->pool_pages);
		return NULL;
	}

	/* First fit: buffers are few and long-lived, the pool small. */
	uint32_t run = 0;
	for (uint32_t page = 0; page < s->pool_pages; page++) {
		if (s->page_used[page / 8] & (1u << (page % 8))) {
			run = 0;
			continue;
		}
		if (++run < npages) {
			continue;
		}
		uint32_t first = page + 1 - npages;
		for (uint32_t i = 0; i < npages; i++) {
			uint32_t p = first + i;
			s->page_used[p / 8] |= (uint8_t)(1u << (p % 8));
			refs[i] = p;
		}
		return s->pool_base + (size_t)first * POOL_PAGE_SIZE;
	}
	mlog(MLOG_ERROR, "vchan: no %u free contiguous pages in a pool of %u", npages,
		s->pool_pages);
	return NULL;
}

static void socket_unshare_pages(struct vchan *ctrl, void *addr, uint32_t npages,
	const uint32_t *refs)
{
	struct socket_vchan *s = socket_vchan_from(ctrl);
	uintptr_t base = (uintptr_t)s->pool_base;
	uintptr_t where = (uintptr_t)addr;
	if (where < base || (where - base) % POOL_PAGE_SIZE != 0) {
		mlog(MLOG_ERROR, "vchan: unshare of an address not in the pool");
		return;
	}
	uintptr_t first = (where - base) / POOL_PAGE_SIZE;
	if (first >= s->pool_pages || npages > s->pool_pages - first) {
		mlog(MLOG_ERROR, "vchan: unshare past the end of the pool");
		return;
	}
	for (uint32_t i = 0; i < npages; i++) {
		uint32_t p = (uint32_t)first + i;
		if (refs[i] != p || !(s->page_used[p / 8] & (1u << (p % 8)))) {
			mlog(MLOG_ERROR, "vchan: unshare of pages not shared as one block");
			return;
		}
	}
	for (uint32_t i = 0; i < npages; i++) {
		uint32_t p = (uint32_t)first + i;
		s->page_used[p / 8] &= (uint8_t) ~(1u << (p % 8));
	}
}

/* --- client (dom0 side) --- */

struct vchan *vchan_socket_client_init(const struct vchan_address *addr, int port,
	uint32_t max_pool_pages)
{
	struct sockaddr_un sa;
	struct socket_vchan *s = socket_vchan_alloc(false, addr, port, &sa);
	if (s == NULL) {
		return NULL;
	}
	if (max_pool_pages == 0) {
		mlog(MLOG_ERROR, "vchan %s: a pool limit of 0 pages admits no VM", s->path);
		goto error;
	}
	s->max_pool_pages = max_pool_pages;

	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		mlog_errno(MLOG_ERROR, "vchan: socket");
		goto error;
	}
	if (connect(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		/* No agent yet, or its backlog is full: the caller retries. */
		if (errno == ENOENT || errno == ECONNREFUSED || errno == EAGAIN) {
			mlog_errno(MLOG_DEBUG, "vchan %s: no server yet", s->path);
		} else {
			mlog_errno(MLOG_ERROR, "vchan %s: connect", s->path);
		}
		goto error;
	}
	return &s->base;

error:
	socket_vchan_destroy(s);
	return NULL;
}

/* Checks the pool the VM offered, once, before any page is mapped. */
static bool pool_check(struct socket_vchan *s)
{
	uint32_t untrusted_magic = get_u32(s->preamble);
	uint32_t untrusted_pages = get_u32(s->preamble + 4);

	if (untrusted_magic != POOL_MAGIC) {
		mlog(MLOG_ERROR, "vchan %s: preamble magic 0x%08x is not 'MLNV'", s->path,
			untrusted_magic);
		return false;
	}
	if (s->pool_fd < 0) {
		mlog(MLOG_ERROR, "vchan %s: preamble came without a pool fd", s->path);
		return false;
	}
	if (untrusted_pages == 0 || untrusted_pages > s->max_pool_pages) {
		mlog(MLOG_ERROR, "vchan %s: pool of %u pages is outside 1..%u", s->path,
			untrusted_pages, s->max_pool_pages);
		return false;
	}
	int seals = fcntl(s->pool_fd, F_GET_SEALS);
	if (seals < 0) {
		mlog_errno(MLOG_ERROR, "vchan %s: pool fd has no seals (not a memfd)", s->path);
		return false;
	}
	if ((seals & REQUIRED_SEALS) != REQUIRED_SEALS) {
		mlog(MLOG_ERROR,
			"vchan %s: pool is not sealed with F_SEAL_SHRINK|F_SEAL_GROW (seals 0x%x)",
			s->path, (unsigned)seals);
		return false;
	}
	/* A memfd on hugetlbfs takes the same seals, but a hole the VM
	 * punches in it is refilled only while huge pages are free: else
	 * dom0's read of a mapped page faults. Only shmem is mapped. */
	struct statfs fs;
	if (fstatfs(s->pool_fd, &fs) < 0) {
		mlog_errno(MLOG_ERROR, "vchan %s: cannot stat the pool's filesystem", s->path);
		return false;
	}
	if (fs.f_type != TMPFS_MAGIC) {
		mlog(MLOG_ERROR,
			"vchan %s: pool is on %s (filesystem magic 0x%lx), not a memfd on shmem",
			s->path, fs.f_type == HUGETLBFS_MAGIC ? "hugetlbfs" : "another filesystem",
			(unsigned long)fs.f_type);
		return false;
	}
	struct stat st;
	if (fstat(s->pool_fd, &st) < 0) {
		mlog_errno(MLOG_ERROR, "vchan %s: cannot stat the pool", s->path);
		return false;
	}
	uint64_t want = (uint64_t)untrusted_pages * POOL_PAGE_SIZE;
	if (!S_ISREG(st.st_mode)) {
		mlog(MLOG_ERROR, "vchan %s: pool is not a regular file", s->path);
		return false;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size != want) {
		mlog(MLOG_ERROR, "vchan %s: pool is %lld bytes, the preamble says %llu", s->path,
			(long long)st.st_size, (unsigned long long)want);
		return false;
	}
	s->pool_pages = untrusted_pages;
	return true;
}

/* Takes the fds a message carried: keeps one, closes the rest.
 * Returns false if the peer sent more than the one pool fd. */
static bool take_fds(struct socket_vchan *s, struct msghdr *msg)
{
	bool ok = true;
	for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL;
		cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) {
			continue;
		}
		size_t nfds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfds; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
			if (s->pool_fd < 0 && ok) {
				s->pool_fd = fd;
				continue;
			}
			close(fd);
			ok = false;
		}
	}
	if (!ok) {
		mlog(MLOG_ERROR, "vchan %s: peer sent more than one fd", s->path);
	} else if (msg->msg_flags & MSG_CTRUNC) {
		mlog(MLOG_ERROR, "vchan %s: peer sent too many fds", s->path);
		ok = false;
	}
	return ok;
}

static enum vchan_state client_receive_pool(struct socket_vchan *s)
{
	struct iovec iov = {
		.iov_base = s->preamble + s->preamble_len,
		.iov_len = PREAMBLE_SIZE - s->preamble_len,
	};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(MAX_RECV_FDS * sizeof(int))];
	} control;
	memset(&control, 0, sizeof(control));
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};

	/* Only up to the end of the preamble: stream data behind it stays
	 * queued for vchan_read. */
	ssize_t n = recvmsg(s->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0) {
		if (errno_is_transient()) {
			return s->state;
		}
		mlog_errno(MLOG_ERROR, "vchan %s: receiving the pool", s->path);
		s->state = VCHAN_CLOSED;
		return s->state;
	}
	if (!take_fds(s, &msg)) {
		s->state = VCHAN_CLOSED;
		return s->state;
	}
	if (n == 0) {
		mlog(MLOG_ERROR, "vchan %s: peer closed before sending the pool", s->path);
		s->state = VCHAN_CLOSED;
		return s->state;
	}
	s->preamble_len += (size_t)n;
	if (s->preamble_len < PREAMBLE_SIZE) {
		return s->state;
	}
	if (!pool_check(s)) {
		s->state = VCHAN_CLOSED;
		return s->state;
	}
	s->state = VCHAN_CONNECTED;
	mlog(MLOG_DEBUG, "vchan %s: connected, pool of %u pages", s->path, s->pool_pages);
	return s->state;
}

static const void *socket_map_refs(struct vchan *ctrl, const uint32_t *refs, uint32_t count)
{
	struct socket_vchan *s = socket_vchan_from(ctrl);
	if (s->state != VCHAN_CONNECTED) {
		mlog(MLOG_ERROR, "vchan %s: map_refs before the pool arrived", s->path);
		return NULL;
	}
	if (count == 0 || count > WIRE_MAX_BUFFER_REFS) {
		mlog(MLOG_ERROR, "vchan %s: %u refs is outside 1..%u", s->path, count,
			(unsigned)WIRE_MAX_BUFFER_REFS);
		return NULL;
	}
	for (uint32_t i = 0; i < count; i++) {
		if (refs[i] >= s->pool_pages) {
			mlog(MLOG_ERROR,
				"vchan %s: ref %u (index %u) is outside the pool of %u pages",
				s->path, refs[i], i, s->pool_pages);
			return NULL;
		}
	}

	struct socket_mapping *m = calloc(1, sizeof(*m));
	if (m == NULL) {
		mlog(MLOG_ERROR, "vchan: out of memory");
		return NULL;
	}
	size_t size = (size_t)count * POOL_PAGE_SIZE;
	/* Reserve the whole range first so the runs below land in one
	 * contiguous view and cannot collide with another mapping. */
	uint8_t *base =
		mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED) {
		mlog_errno(MLOG_ERROR, "vchan %s: cannot reserve %zu bytes", s->path, size);
		free(m);
		return NULL;
	}
	/* One mmap per run of consecutive refs: a buffer shared in one
	 * block, the usual case, costs one call. */
	uint32_t i = 0;
	while (i < count) {
		uint32_t run = 1;
		while (i + run < count && refs[i + run] == refs[i + run - 1] + 1) {
			run++;
		}
		void *p = mmap(base + (size_t)i * POOL_PAGE_SIZE, (size_t)run * POOL_PAGE_SIZE,
			PROT_READ, MAP_SHARED | MAP_FIXED, s->pool_fd,
			(off_t)refs[i] * POOL_PAGE_SIZE);
		if (p == MAP_FAILED) {
			mlog_errno(MLOG_ERROR, "vchan %s: cannot map refs %u..%u", s->path, refs[i],
				refs[i] + run - 1);
			munmap(base, size);
			free(m);
			return NULL;
		}
		i += run;
	}

	m->addr = base;
	m->count = count;
	m->next = s->mappings;
	s->mappings = m;
	return base;
}

static void socket_unmap(struct vchan *ctrl, const void *addr, uint32_t count)
{
	struct socket_vchan *s = socket_vchan_from(ctrl);
	for (struct socket_mapping **link = &s->mappings; *link != NULL; link = &(*link)->next) {
		struct socket_mapping *m = *link;
		if (m->addr != addr) {
			continue;
		}
		if (m->count != count) {
			mlog(MLOG_ERROR, "vchan %s: unmap of %u pages, mapped %u", s->path, count,
				m->count);
			return;
		}
		munmap((void *)m->addr, (size_t)m->count * POOL_PAGE_SIZE);
		*link = m->next;
		free(m);
		return;
	}
	mlog(MLOG_ERROR, "vchan %s: unmap of an address never mapped", s->path);
}

/* --- both sides --- */

/*
 * A connected socket polls readable on EOF too. Notice it by reading:
 * what arrived stays in the stash for socket_read, so the one recv that
 * tells EOF apart from data also fetches the data.
 */
static enum vchan_state check_peer(struct socket_vchan *s)
{
	if (s->stash_start < s->stash_end) {
		return s->state; /* data the caller has not read yet */
	}
	ssize_t n = recv(s->fd, s->stash, sizeof(s->stash), MSG_DONTWAIT);
	if (n > 0) {
		s->stash_start = 0;
		s->stash_end = (size_t)n;
	} else if (n == 0) {
		mlog(MLOG_INFO, "vchan %s: peer closed the connection", s->path);
		s->state = VCHAN_CLOSED;
	} else if (!errno_is_transient()) {
		mlog_errno(MLOG_INFO, "vchan %s: connection lost", s->path);
		s->state = VCHAN_CLOSED;
	}
	return s->state;
}

static enum vchan_state socket_wait(struct vchan *ctrl)
{
	struct socket_vchan *s = socket_vchan_from(ctrl);
	switch (s->state) {
	case VCHAN_WAITING:
		return ctrl->is_server ? server_accept(s) : client_receive_pool(s);
	case VCHAN_CONNECTED:
		return check_peer(s);
	case VCHAN_CLOSED:
		break;
	}
	return s->state;
}

/* Less than size means the socket had no more just now: a caller that
 * stops there saves the recv that would fail with EAGAIN. */
static ssize_t socket_read(struct vchan *ctrl, void *buf, size_t size)
{
	struct socket_vchan *s = socket_vchan_from(ctrl);
	if (s->state == VCHAN_CLOSED) {
		return -1;
	}
	if (s->state != VCHAN_CONNECTED || size == 0) {
		return 0;
	}
	size_t got = 0;
	if (s->stash_start < s->stash_end) {
		bool was_full = s->stash_end == sizeof(s->stash);
		got = s->stash_end - s->stash_start;
		if (got > size) {
			got = size;
		}
		memcpy(buf, s->stash + s->stash_start, got);
		s->stash_start += got;
		if (s->stash_start == s->stash_end) {
			s->stash_start = s->stash_end = 0;
		}
		/* A stash that came back short emptied the socket; only a
		 * full one may have left more behind it. */
		if (!was_full || got == size) {
			return (ssize_t)got;
		}
	}
	ssize_t n = recv(s->fd, (uint8_t *)buf + got, size - got, MSG_DONTWAIT);
	if (n > 0) {
		return (ssize_t)got + n;
	}
	if (n < 0 && errno_is_transient()) {
		return (ssize_t)got;
	}
	if (got > 0) {
		/* Hand over what came first; the next call says why the
		 * channel ended (a new recv repeats EOF or the error). */
		return (ssize_t)got;
	}
	if (n == 0) {
		mlog(MLOG_INFO, "vchan %s: peer closed the connection", s->path);
	} else {
		mlog_errno(MLOG_INFO, "vchan %s: read", s->path);
	}
	s->state = VCHAN_CLOSED;
	return -1;
}

static ssize_t socket_write(struct vchan *ctrl, const void *buf, size_t size)
{
	struct socket_vchan *s = socket_vchan_from(ctrl);
	if (s->state == VCHAN_CLOSED) {
		return -1;
	}
	if (s->state != VCHAN_CONNECTED || size == 0) {
		return 0;
	}
	ssize_t n = send(s->fd, buf, size, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n >= 0) {
		return n;
	}
	if (errno_is_transient()) {
		return 0;
	}
	mlog_errno(MLOG_INFO, "vchan %s: write", s->path);
	s->state = VCHAN_CLOSED;
	return -1;
}

static const struct vchan_impl socket_impl = {
	.close = socket_close,
	.fd = socket_fd,
	.state = socket_state,
	.wait = socket_wait,
	.read = socket_read,
	.write = socket_write,
	.share_pages = socket_share_pages,
	.unshare_pages = socket_unshare_pages,
	.map_refs = socket_map_refs,
	.unmap = socket_unmap,
};
