/*
 * The socket vchan backend, both sides in one process over a private
 * directory: connection, stream I/O, page sharing and mapping, and dom0's
 * refusal of a hostile VM's pool (played by a small fake server here).
 */
#define _GNU_SOURCE /* memfd_create, file seals, nftw flags */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/util/log.h"
#include "common/vchan/vchan.h"
#include "common/wire/protocol.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define PAGE WIRE_PAGE_SIZE
#define MAX_POOL 1024

static char tmp_dir[64];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/mullion-vchan-XXXXXX");
	if (mkdtemp(tmp_dir) == NULL) {
		return -1;
	}
	/* Errors the tests provoke on purpose still show, for the reader. */
	mlog_init("test-vchan", MLOG_ERROR);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return nftw(tmp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static struct vchan_address socket_addr(const char *sub)
{
	char text[128];
	snprintf(text, sizeof(text), "socket:%s%s", tmp_dir, sub);
	struct vchan_address addr;
	assert_true(vchan_address_parse(text, &addr));
	return addr;
}

static int count_open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	assert_non_null(dir);
	int n = 0;
	while (readdir(dir) != NULL) {
		n++;
	}
	closedir(dir);
	return n;
}

/* Calls vchan_wait on whichever side is readable until neither waits. */
static void drive(struct vchan *server, struct vchan *client)
{
	for (int round = 0; round < 100; round++) {
		bool server_waits = server != NULL && vchan_state(server) == VCHAN_WAITING;
		bool client_waits = client != NULL && vchan_state(client) == VCHAN_WAITING;
		if (!server_waits && !client_waits) {
			return;
		}
		struct pollfd fds[2] = {
			{ .fd = server_waits ? vchan_fd(server) : -1, .events = POLLIN },
			{ .fd = client_waits ? vchan_fd(client) : -1, .events = POLLIN },
		};
		assert_true(poll(fds, 2, 100) >= 0);
		if (fds[0].revents != 0) {
			vchan_wait(server);
		}
		if (fds[1].revents != 0) {
			vchan_wait(client);
		}
	}
	fail_msg("the connection did not settle");
}

static void connect_pair(const char *sub, int port, uint32_t pool_pages, struct vchan **server,
	struct vchan **client)
{
	struct vchan_address addr = socket_addr(sub);
	*server = vchan_server_init(&addr, port, pool_pages);
	assert_non_null(*server);
	assert_int_equal(vchan_state(*server), VCHAN_WAITING);
	*client = vchan_client_init(&addr, port, MAX_POOL);
	assert_non_null(*client);
	assert_int_equal(vchan_state(*client), VCHAN_WAITING);
	drive(*server, *client);
	assert_int_equal(vchan_state(*server), VCHAN_CONNECTED);
	assert_int_equal(vchan_state(*client), VCHAN_CONNECTED);
}

/* Reads exactly size bytes, polling; fails the test on EOF or timeout. */
static void read_all(struct vchan *ctrl, void *buf, size_t size)
{
	size_t got = 0;
	for (int round = 0; got < size && round < 100; round++) {
		struct pollfd pfd = { .fd = vchan_fd(ctrl), .events = POLLIN };
		poll(&pfd, 1, 100);
		ssize_t n = vchan_read(ctrl, (char *)buf + got, size - got);
		assert_true(n >= 0);
		got += (size_t)n;
	}
	assert_int_equal(got, size);
}

/* --- connection and stream --- */

static void test_connect_and_exchange(void **state)
{
	(void)state;
	struct vchan_address addr = socket_addr("/a/b");
	char path[VCHAN_PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/vchan-%d.sock", addr.socket_dir, VCHAN_GUI_PORT);

	struct vchan *server = vchan_server_init(&addr, VCHAN_GUI_PORT, 4);
	assert_non_null(server);
	/* The directory was created, private. */
	struct stat st;
	assert_int_equal(stat(addr.socket_dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));

	struct vchan *client = vchan_client_init(&addr, VCHAN_GUI_PORT, 4);
	assert_non_null(client);
	/* Nothing to read before the pool has arrived, and no blocking. */
	char byte;
	assert_int_equal(vchan_read(client, &byte, 1), 0);
	assert_int_equal(vchan_read(server, &byte, 1), 0);

	drive(server, client);
	assert_int_equal(vchan_state(server), VCHAN_CONNECTED);
	assert_int_equal(vchan_state(client), VCHAN_CONNECTED);
	/* One peer at a time: the listening socket is gone. */
	assert_int_equal(lstat(path, &st), -1);
	assert_int_equal(errno, ENOENT);

	assert_int_equal(vchan_read(client, &byte, 1), 0);
	assert_int_equal(vchan_write(server, "hello dom0", 10), 10);
	char in[16] = { 0 };
	read_all(client, in, 10);
	assert_string_equal(in, "hello dom0");

	assert_int_equal(vchan_write(client, "hi vm", 5), 5);
	memset(in, 0, sizeof(in));
	read_all(server, in, 5);
	assert_string_equal(in, "hi vm");

	/* A wait with data pending keeps the data for read. */
	assert_int_equal(vchan_write(server, "x", 1), 1);
	struct pollfd pfd = { .fd = vchan_fd(client), .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 1000), 1);
	assert_int_equal(vchan_wait(client), VCHAN_CONNECTED);
	read_all(client, in, 1);
	assert_int_equal(in[0], 'x');

	vchan_close(client);
	vchan_close(server);
}

static void test_write_never_blocks(void **state)
{
	(void)state;
	struct vchan *server, *client;
	connect_pair("", 6010, 1, &server, &client);
	static char chunk[65536];
	size_t total = 0;
	ssize_t n;
	/* Fill the socket buffer: writes turn partial, then 0. */
	while ((n = vchan_write(server, chunk, sizeof(chunk))) > 0) {
		total += (size_t)n;
		assert_true(total < 64u * 1024 * 1024);
	}
	assert_int_equal(n, 0);
	assert_true(total > 0);
	assert_int_equal(vchan_state(server), VCHAN_CONNECTED);
	vchan_close(client);
	vchan_close(server);
}

static void test_peer_close(void **state)
{
	(void)state;
	struct vchan *server, *client;
	char byte;

	connect_pair("", 6011, 2, &server, &client);
	vchan_close(server);
	assert_int_equal(vchan_wait(client), VCHAN_CLOSED);
	assert_int_equal(vchan_read(client, &byte, 1), -1);
	assert_int_equal(vchan_write(client, "x", 1), -1);
	vchan_close(client);

	/* The VM side starts over for the next peer. */
	connect_pair("", 6011, 2, &server, &client);
	vchan_close(client);
	assert_int_equal(vchan_read(server, &byte, 1), -1);
	assert_int_equal(vchan_state(server), VCHAN_CLOSED);
	vchan_close(server);
}

static void test_no_server(void **state)
{
	(void)state;
	struct vchan_address addr = socket_addr("");
	assert_null(vchan_client_init(&addr, 6012, 4));

	/* A stale socket file: the client is refused, the server replaces it. */
	char path[VCHAN_PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/vchan-6012.sock", tmp_dir);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/vchan-6012.sock", tmp_dir);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_null(vchan_client_init(&addr, 6012, 4));
	struct vchan *server = vchan_server_init(&addr, 6012, 1);
	assert_non_null(server);
	vchan_close(server);

	/* Something that is not a socket is never removed. */
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_null(vchan_server_init(&addr, 6012, 1));
	assert_int_equal(unlink(path), 0);

	/* Bad ports, pool sizes and backends. */
	assert_null(vchan_server_init(&addr, -1, 1));
	assert_null(vchan_server_init(&addr, 65536, 1));
	assert_null(vchan_server_init(&addr, 6012, 0));
	assert_null(vchan_client_init(&addr, 70000, 4));
	struct vchan_address xen;
	assert_true(vchan_address_parse("xen:5", &xen));
	assert_null(vchan_server_init(&xen, 6000, 4));
	assert_null(vchan_client_init(&xen, 6000, 4));
	assert_null(vchan_server_init(NULL, 6000, 4));

	/* NULL is harmless everywhere. */
	vchan_close(NULL);
	assert_int_equal(vchan_fd(NULL), -1);
	assert_int_equal(vchan_state(NULL), VCHAN_CLOSED);
}

/* --- shared pages --- */

static void fill_page(uint8_t *page, uint32_t tag)
{
	for (size_t i = 0; i < PAGE; i += 4) {
		uint32_t v = tag * 0x10000u + (uint32_t)(i / 4);
		memcpy(page + i, &v, 4);
	}
}

static void check_page(const uint8_t *page, uint32_t tag)
{
	for (size_t i = 0; i < PAGE; i += 4) {
		uint32_t v;
		memcpy(&v, page + i, 4);
		if (v != tag * 0x10000u + (uint32_t)(i / 4)) {
			fail_msg("page tagged %u wrong at byte %zu", tag, i);
		}
	}
}

/* Every page of view is mapped shared and read-only. */
static void check_read_only(const void *view, uint32_t count)
{
	FILE *maps = fopen("/proc/self/maps", "re");
	assert_non_null(maps);
	char line[512];
	uint32_t checked = 0;
	uintptr_t lo = (uintptr_t)view, hi = lo + (uintptr_t)count * PAGE;
	while (fgets(line, sizeof(line), maps) != NULL) {
		unsigned long start, end;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) != 3) {
			continue;
		}
		if (end <= lo || start >= hi) {
			continue;
		}
		assert_string_equal(perms, "r--s");
		uintptr_t a = start < lo ? lo : start;
		uintptr_t b = end > hi ? hi : end;
		checked += (uint32_t)((b - a) / PAGE);
	}
	fclose(maps);
	assert_int_equal(checked, count);

	/* And the kernel refuses to write there: a read() into the view
	 * fails with EFAULT instead of faulting the test. */
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "z", 1), 1);
	errno = 0;
	assert_int_equal(read(p[0], (void *)view, 1), -1);
	assert_int_equal(errno, EFAULT);
	close(p[0]);
	close(p[1]);
}

static void test_share_and_map(void **state)
{
	(void)state;
	struct vchan *server, *client;
	connect_pair("", 6020, 16, &server, &client);

	uint32_t refs_a[3], refs_b[4];
	uint8_t *a = vchan_share_pages(server, 3, refs_a);
	uint8_t *b = vchan_share_pages(server, 4, refs_b);
	assert_non_null(a);
	assert_non_null(b);
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(refs_a[i], i);
		fill_page(a + i * PAGE, refs_a[i]);
	}
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(refs_b[i], 3 + i);
		fill_page(b + i * PAGE, refs_b[i]);
	}

	/* In order, as shared. */
	const uint8_t *view = vchan_map_refs(client, refs_b, 4);
	assert_non_null(view);
	for (uint32_t i = 0; i < 4; i++) {
		check_page(view + i * PAGE, refs_b[i]);
	}
	check_read_only(view, 4);
	vchan_unmap(client, view, 4);

	/* Out of order and across two shared blocks: the view follows the
	 * list, not the pool. */
	const uint32_t lists[][5] = {
		{ 3, 1, 2 },
		{ 2, 1, 0 },
		{ 6, 0, 1, 2, 5 },
		{ 4, 4, 4 },
	};
	const uint32_t counts[] = { 3, 3, 5, 3 };
	for (size_t l = 0; l < ARRAY_LEN(lists); l++) {
		view = vchan_map_refs(client, lists[l], counts[l]);
		assert_non_null(view);
		for (uint32_t i = 0; i < counts[l]; i++) {
			check_page(view + i * PAGE, lists[l][i]);
		}
		check_read_only(view, counts[l]);
		vchan_unmap(client, view, counts[l]);
	}

	/* The view is live: the VM's later writes show through. */
	view = vchan_map_refs(client, refs_a, 3);
	assert_non_null(view);
	a[PAGE + 7] = 0xee;
	assert_int_equal(view[PAGE + 7], 0xee);
	/* Left mapped on purpose: close undoes it. */
	vchan_close(client);
	vchan_close(server);
}

static void test_bad_refs(void **state)
{
	(void)state;
	struct vchan *server, *client;
	connect_pair("", 6021, 8, &server, &client);

	uint32_t refs[8];
	assert_non_null(vchan_share_pages(server, 2, refs));

	const uint32_t out_of_range[] = { 0, 1, 8 };
	assert_null(vchan_map_refs(client, out_of_range, 3));
	const uint32_t huge[] = { 0xffffffffu };
	assert_null(vchan_map_refs(client, huge, 1));
	assert_null(vchan_map_refs(client, refs, 0));
	assert_null(vchan_map_refs(client, NULL, 1));
	static uint32_t many[WIRE_MAX_BUFFER_REFS + 1];
	assert_null(vchan_map_refs(client, many, WIRE_MAX_BUFFER_REFS + 1));

	/* Each side only does its own half. */
	assert_null(vchan_map_refs(server, refs, 1));
	assert_null(vchan_share_pages(client, 1, refs));

	/* Unmapping something never mapped, or with the wrong size, is
	 * refused rather than obeyed. */
	const uint8_t *view = vchan_map_refs(client, refs, 2);
	assert_non_null(view);
	vchan_unmap(client, view, 1);
	vchan_unmap(client, view + PAGE, 1);
	assert_int_equal(view[0], 0); /* still mapped */
	vchan_unmap(client, view, 2);

	vchan_close(client);
	vchan_close(server);
}

static void test_share_first_fit(void **state)
{
	(void)state;
	struct vchan_address addr = socket_addr("");
	struct vchan *server = vchan_server_init(&addr, 6022, 8);
	assert_non_null(server);

	/* Sharing works before any peer has connected. */
	uint32_t r5[5], r4[4], r3[3], r1[1];
	uint8_t *p5 = vchan_share_pages(server, 5, r5);
	assert_non_null(p5);
	assert_null(vchan_share_pages(server, 4, r4));
	uint8_t *p3 = vchan_share_pages(server, 3, r3);
	assert_non_null(p3);
	assert_int_equal(r3[0], 5);
	assert_ptr_equal(p3, p5 + 5 * PAGE);
	assert_null(vchan_share_pages(server, 1, r1));
	assert_null(vchan_share_pages(server, 0, r1));
	assert_null(vchan_share_pages(server, 9, r1));

	/* A wrong unshare changes nothing. */
	uint32_t wrong[5] = { 0, 1, 2, 3, 5 };
	vchan_unshare_pages(server, p5, 5, wrong);
	vchan_unshare_pages(server, p5 + 1, 1, r5);
	assert_null(vchan_share_pages(server, 1, r1));

	vchan_unshare_pages(server, p5, 5, r5);
	uint8_t *p4 = vchan_share_pages(server, 4, r4);
	assert_ptr_equal(p4, p5);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(r4[i], i);
	}
	assert_non_null(vchan_share_pages(server, 1, r1));
	assert_int_equal(r1[0], 4);
	vchan_close(server);
}

/* --- a hostile VM --- */

static int fake_server_listen(int port)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/vchan-%d.sock", tmp_dir, port);
	unlink(sa.sun_path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 1), 0);
	return fd;
}

static void send_fds(int sock, const void *data, size_t len, const int *fds, size_t nfds)
{
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} control;
	memset(&control, 0, sizeof(control));
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (nfds > 0) {
		assert_true(nfds <= 4);
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cmsg), fds, nfds * sizeof(int));
	}
	assert_int_equal(sendmsg(sock, &msg, MSG_NOSIGNAL), (ssize_t)len);
}

static void preamble(uint8_t out[8], uint32_t magic, uint32_t pages)
{
	for (int i = 0; i < 4; i++) {
		out[i] = (uint8_t)(magic >> (8 * i));
		out[4 + i] = (uint8_t)(pages >> (8 * i));
	}
}

#define MAGIC 0x564e4c4du

static int make_pool(uint32_t pages, int seals)
{
	int fd = memfd_create("fake-pool", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)pages * PAGE), 0);
	if (seals != 0) {
		assert_int_equal(fcntl(fd, F_ADD_SEALS, seals), 0);
	}
	return fd;
}

enum fake_step {
	FAKE_NORMAL,
	FAKE_SPLIT,
	FAKE_EOF,
};

/* Plays a VM that sends this preamble and these fds to a dom0 that
 * admits pools of up to max_pages, then returns the state dom0's client
 * settles in. */
static enum vchan_state run_fake_max(int port, uint32_t magic, uint32_t pages, const int *fds,
	size_t nfds, enum fake_step step, uint32_t max_pages)
{
	/* The fds passed in are the VM's and are closed below. */
	int fds_before = count_open_fds() - (int)nfds;
	int listener = fake_server_listen(port);
	struct vchan_address addr = socket_addr("");
	struct vchan *client = vchan_client_init(&addr, port, max_pages);
	assert_non_null(client);
	int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
	assert_true(conn >= 0);

	uint8_t pre[8];
	preamble(pre, magic, pages);
	switch (step) {
	case FAKE_NORMAL:
		send_fds(conn, pre, 8, fds, nfds);
		break;
	case FAKE_SPLIT:
		/* A preamble split over three writes, data right behind it. */
		send_fds(conn, pre, 3, fds, nfds);
		assert_int_equal(vchan_wait(client), VCHAN_WAITING);
		send_fds(conn, pre + 3, 4, NULL, 0);
		assert_int_equal(vchan_wait(client), VCHAN_WAITING);
		send_fds(conn, pre + 7, 1, NULL, 0);
		send_fds(conn, "stream", 6, NULL, 0);
		break;
	case FAKE_EOF:
		send_fds(conn, pre, 5, fds, nfds);
		shutdown(conn, SHUT_WR);
		break;
	}
	drive(NULL, client);
	enum vchan_state result = vchan_state(client);
	if (result == VCHAN_CONNECTED && step == FAKE_SPLIT) {
		char in[7] = { 0 };
		read_all(client, in, 6);
		assert_string_equal(in, "stream");
	}
	vchan_close(client);
	close(conn);
	close(listener);
	for (size_t i = 0; i < nfds; i++) {
		close(fds[i]);
	}
	/* Whatever the VM sent, dom0 holds none of it afterwards. */
	assert_int_equal(count_open_fds(), fds_before);
	return result;
}

static enum vchan_state run_fake(int port, uint32_t magic, uint32_t pages, const int *fds,
	size_t nfds, enum fake_step step)
{
	return run_fake_max(port, magic, pages, fds, nfds, step, 64);
}

static void test_hostile_pool(void **state)
{
	(void)state;
	const int sealed = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
	int fd[2];

	fd[0] = make_pool(4, sealed);
	assert_int_equal(run_fake(6030, MAGIC, 4, fd, 1, FAKE_NORMAL), VCHAN_CONNECTED);

	fd[0] = make_pool(4, sealed);
	assert_int_equal(run_fake(6030, MAGIC, 4, fd, 1, FAKE_SPLIT), VCHAN_CONNECTED);

	/* Seals: none, or only one of the two that matter. */
	fd[0] = make_pool(4, 0);
	assert_int_equal(run_fake(6030, MAGIC, 4, fd, 1, FAKE_NORMAL), VCHAN_CLOSED);
	fd[0] = make_pool(4, F_SEAL_GROW);
	assert_int_equal(run_fake(6030, MAGIC, 4, fd, 1, FAKE_NORMAL), VCHAN_CLOSED);
	fd[0] = make_pool(4, F_SEAL_SHRINK);
	assert_int_equal(run_fake(6030, MAGIC, 4, fd, 1, FAKE_NORMAL), VCHAN_CLOSED);

	/* Size: the file is not what the preamble claims. */
	fd[0] = make_pool(4, sealed);
	assert_int_equal(run_fake(6030, MAGIC, 5, fd, 1, FAKE_NORMAL), VCHAN_CLOSED);
	fd[0] = make_pool(4, sealed);
	assert_int_equal(run_fake(6030, MAGIC, 3, fd, 1, FAKE_NORMAL), VCHAN_CLOSED);

	/* Preamble: magic, zero pages, more than dom0 allows (64). */
	fd[0] = make_pool(4, sealed);
	assert_int_equal(run_fake(6030, MAGIC ^ 1, 4, fd, 1, FAKE_NORMAL), VCHAN_CLOSED);
	fd[0] = make_pool(4, sealed);
	assert_int_equal(run_fake(6030, MAGIC, 0, fd, 1, FAKE_NORMAL), VCHAN_CLOSED);
	fd[0] = make_pool(65, sealed);
	assert_int_equal(run_fake(6030, MAGIC, 65, fd, 1, FAKE_NORMAL), VCHAN_CLOSED);

	/* fds: none, two, or one that is not a memfd. */
	assert_int_equal(run_fake(6030, MAGIC, 4, NULL, 0, FAKE_NORMAL), VCHAN_CLOSED);
	fd[0] = make_pool(4, sealed);
	fd[1] = make_pool(4, sealed);
	assert_int_equal(run_fake(6030, MAGIC, 4, fd, 2, FAKE_NORMAL), VCHAN_CLOSED);
	assert_int_equal(pipe(fd), 0);
	assert_int_equal(run_fake(6030, MAGIC, 4, fd, 1, FAKE_NORMAL), VCHAN_CLOSED);
	close(fd[1]);

	/* The VM hangs up halfway through the preamble. */
	fd[0] = make_pool(4, sealed);
	assert_int_equal(run_fake(6030, MAGIC, 4, fd, 1, FAKE_EOF), VCHAN_CLOSED);
}

/*
 * A memfd on hugetlbfs takes the seals a shmem one does, but a hole the VM
 * punches in it faults dom0's reads when no huge page is free: only shmem
 * is accepted. Huge pages come in 2 MiB, so the pool is 512 pages; the
 * same pool on shmem is accepted, so the filesystem is what is refused.
 */
static void test_hugetlbfs_pool(void **state)
{
	(void)state;
	const int sealed = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
	const uint32_t pages = 512;
	int fd = make_pool(pages, sealed);
	assert_int_equal(run_fake_max(6031, MAGIC, pages, &fd, 1, FAKE_NORMAL, 1024),
		VCHAN_CONNECTED);

	fd = memfd_create("fake-huge-pool", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB);
	if (fd < 0) {
		print_message(
			"memfd_create(MFD_HUGETLB): %s: no hugetlbfs memfd to offer; "
			"skipping\n",
			strerror(errno));
		skip();
	}
	if (ftruncate(fd, (off_t)pages * PAGE) < 0) {
		print_message("ftruncate of a hugetlbfs memfd: %s; skipping\n", strerror(errno));
		close(fd);
		skip();
	}
	/* Sealable since Linux 4.16; the check must not rely on that. */
	if (fcntl(fd, F_ADD_SEALS, sealed) < 0) {
		print_message("hugetlbfs memfd takes no seals here (%s): refused for that\n",
			strerror(errno));
	}
	assert_int_equal(run_fake_max(6031, MAGIC, pages, &fd, 1, FAKE_NORMAL, 1024), VCHAN_CLOSED);
}

/* --- addresses --- */

static void test_address_parse(void **state)
{
	(void)state;
	struct vchan_address addr;
	char out[VCHAN_PATH_MAX + 16];

	assert_true(vchan_address_parse("socket:/run/mullion/work", &addr));
	assert_int_equal(addr.backend, VCHAN_BACKEND_SOCKET);
	assert_string_equal(addr.socket_dir, "/run/mullion/work");
	assert_true(vchan_address_format(&addr, out, sizeof(out)));
	assert_string_equal(out, "socket:/run/mullion/work");

	assert_true(vchan_address_parse("socket:/run/x//", &addr));
	assert_string_equal(addr.socket_dir, "/run/x");
	assert_true(vchan_address_parse("socket:/", &addr));
	assert_string_equal(addr.socket_dir, "/");

	assert_true(vchan_address_parse("xen:1", &addr));
	assert_int_equal(addr.backend, VCHAN_BACKEND_XEN);
	assert_int_equal(addr.domid, 1);
	/* dom0, as a VM's agent names it. */
	assert_true(vchan_address_parse("xen:0", &addr));
	assert_int_equal(addr.backend, VCHAN_BACKEND_XEN);
	assert_int_equal(addr.domid, 0);
	assert_true(vchan_address_format(&addr, out, sizeof(out)));
	assert_string_equal(out, "xen:0");
	assert_true(vchan_address_parse("xen:32751", &addr));
	assert_int_equal(addr.domid, 32751);
	assert_true(vchan_address_format(&addr, out, sizeof(out)));
	assert_string_equal(out, "xen:32751");
	assert_false(vchan_address_format(&addr, out, 9));

	/* The longest directory that leaves room for "/vchan-65535.sock". */
	char text[256];
	size_t longest = VCHAN_PATH_MAX - 1 - strlen("/vchan-65535.sock");
	memcpy(text, "socket:/", 8);
	memset(text + 8, 'd', longest - 1);
	text[7 + longest] = '\0';
	assert_true(vchan_address_parse(text, &addr));
	assert_int_equal(strlen(addr.socket_dir), longest);
	text[7 + longest] = 'd';
	text[8 + longest] = '\0';
	assert_false(vchan_address_parse(text, &addr));

	const char *bad[] = {
		"",
		"socket",
		"socket:",
		"socket:relative/dir",
		"socket:~/x",
		"xen:",
		"xen:00",
		"xen:0 ",
		"xen:32752",
		"xen:99999999999999999999",
		"xen:-1",
		"xen:+1",
		"xen: 1",
		"xen:1 ",
		"xen:1a",
		"xen:0x10",
		"xen:01",
		"tcp:1",
		"Socket:/x",
		"XEN:1",
		"/run/x",
	};
	struct vchan_address before;
	assert_true(vchan_address_parse("xen:9", &before));
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		addr = before;
		if (vchan_address_parse(bad[i], &addr)) {
			fail_msg("accepted \"%s\"", bad[i]);
		}
		/* A failed parse leaves the address alone. */
		assert_memory_equal(&addr, &before, sizeof(addr));
	}
	assert_false(vchan_address_parse(NULL, &addr));
}

static void test_address_equal(void **state)
{
	(void)state;
	struct vchan_address a, b;
	assert_true(vchan_address_parse("socket:/run/a", &a));
	assert_true(vchan_address_parse("socket:/run/a/", &b));
	assert_true(vchan_address_equal(&a, &b));
	assert_true(vchan_address_parse("socket:/run/b", &b));
	assert_false(vchan_address_equal(&a, &b));
	assert_true(vchan_address_parse("xen:3", &b));
	assert_false(vchan_address_equal(&a, &b));
	assert_true(vchan_address_parse("xen:3", &a));
	assert_true(vchan_address_equal(&a, &b));
	assert_true(vchan_address_parse("xen:4", &b));
	assert_false(vchan_address_equal(&a, &b));
	assert_false(vchan_address_equal(&a, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_and_exchange),
		cmocka_unit_test(test_write_never_blocks),
		cmocka_unit_test(test_peer_close),
		cmocka_unit_test(test_no_server),
		cmocka_unit_test(test_share_and_map),
		cmocka_unit_test(test_bad_refs),
		cmocka_unit_test(test_share_first_fit),
		cmocka_unit_test(test_hostile_pool),
		cmocka_unit_test(test_hugetlbfs_pool),
		cmocka_unit_test(test_address_parse),
		cmocka_unit_test(test_address_equal),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
