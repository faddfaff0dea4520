/*
 * The bridge's sandbox, in the shape of OpenSSH's sandbox-seccomp-filter.c:
 * limits first, then no_new_privs (fatal if refused), then Landlock with
 * nothing allowed, then a seccomp filter that allows a list of calls, some
 * only with the arguments the bridge uses, and kills the process on
 * anything else. Nothing is opened once the filter is in place: the
 * compositor socket, the vchan, the timer and the signalfd are the fds the
 * bridge holds, and the only new ones it can get are its own memfds, the
 * VM's pool (SCM_RIGHTS) and a keymap from the compositor.
 *
 * Why each call is allowed, and what a compromised bridge can still do, is
 * in doc/threat-model.md.
 */
#define _GNU_SOURCE /* memfd and seal flags, AT_EMPTY_PATH */
#include "vm-bridge/sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "build-config.h"
#include "common/util/log.h"
#include "common/wire/protocol.h"

#if HAVE_XEN
#include <xen/xen.h> /* domid_t, which evtchn.h uses */
#include <xen/sys/evtchn.h>
#include <xen/sys/gntdev.h>
#endif

/* AddressSanitizer (clang or gcc), whose leak check cannot run inside. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(SANDBOX_ASAN)
#define SANDBOX_ASAN 1
#endif
#ifndef SANDBOX_ASAN
#define SANDBOX_ASAN 0
#endif
#if SANDBOX_ASAN
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#endif

/*
 * New fds the bridge may hold at once beyond those open at entry: the VM's
 * pool and up to 7 more fds a VM attaches to it (refused, but received
 * first), one memfd being made, the 28 copies libwayland keeps of fds it
 * has not sent yet (MAX_FDS_OUT), and a keymap from the compositor, with
 * room to spare. Each memfd is bounded by RLIMIT_FSIZE below.
 */
#define SANDBOX_FD_MARGIN 48
/* The largest file the bridge grows: one dom0 buffer (shm_buffer.c). */
#define SANDBOX_FILE_MAX ((rlim_t)WIRE_MAX_WIDTH * 4 * WIRE_MAX_HEIGHT)

/* Landlock rights newer than Debian 12's header. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#endif
#ifndef LANDLOCK_ACCESS_NET_CONNECT_TCP
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

/* struct landlock_ruleset_attr as of ABI 6; older kernels are given the
 * prefix they know (the kernel refuses unknown non-zero fields). */
struct ruleset_attr {
	uint64_t handled_access_fs; /* ABI 1 */
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped; /* ABI 6 */
};

/* The socket the connect test tries to connect, made before the filter. */
static int test_socket_fd = -1;

#if SANDBOX_ASAN
static bool asan_sandboxed;

/*
 * LeakSanitizer's check at exit stops the process with ptrace from a
 * cloned thread and reads /proc: none of that is allowed in here, and
 * allowing it would undo the sandbox. It is turned off once the sandbox
 * is up (sandbox_enter says so in the log).
 */
int __lsan_is_turned_off(void)
{
	return asan_sandboxed;
}
#endif

bool sandbox_violation_parse(const char *name, enum sandbox_violation *out)
{
	static const struct {
		const char *name;
		enum sandbox_violation violation;
	} names[] = {
		{ "open", SANDBOX_VIOLATION_OPEN },
		{ "connect", SANDBOX_VIOLATION_CONNECT },
		{ "exec", SANDBOX_VIOLATION_EXEC },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].violation;
			return true;
		}
	}
	return false;
}

/* --- limits --- */

/* The highest fd open now (at least 2). */
static int highest_fd(void)
{
	int highest = 2;
	DIR *dir = opendir("/proc/self/fd");
	if (dir != NULL) {
		int own = dirfd(dir);
		struct dirent *entry;
		while ((entry = readdir(dir)) != NULL) {
			char *end = NULL;
			long fd = strtol(entry->d_name, &end, 10);
			if (end != entry->d_name && *end == '\0' && fd != own && fd > highest &&
				fd < INT32_MAX) {
				highest = (int)fd;
			}
		}
		closedir(dir);
		return highest;
	}
	/* No /proc: ask every fd up to the limit (capped, it may be huge). */
	struct rlimit rl;
	rlim_t limit = 65536;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < limit) {
		limit = rl.rlim_cur;
	}
	for (int fd = 3; (rlim_t)fd < limit; fd++) {
		if (fcntl(fd, F_GETFD) >= 0) {
			highest = fd;
		}
	}
	return highest;
}

/* Sets both limits to value, or to the hard limit if that is lower: a
 * limit is only ever lowered. */
static bool limit_set(int resource, const char *name, rlim_t value)
{
	struct rlimit rl;
	if (getrlimit(resource, &rl) < 0) {
		mlog_errno(MLOG_ERROR, "sandbox: getrlimit %s", name);
		return false;
	}
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < value) {
		value = rl.rlim_max;
	}
	rl.rlim_cur = rl.rlim_max = value;
	if (setrlimit(resource, &rl) < 0) {
		mlog_errno(MLOG_ERROR, "sandbox: setrlimit %s to %llu", name,
			(unsigned long long)value);
		return false;
	}
	return true;
}

static bool limits_set(rlim_t *max_fds)
{
	*max_fds = (rlim_t)highest_fd() + 1 + SANDBOX_FD_MARGIN;
	/* A write past RLIMIT_FSIZE to stderr (a log file) fails with EFBIG
	 * instead of killing the bridge. */
	if (signal(SIGXFSZ, SIG_IGN) == SIG_ERR) {
		mlog_errno(MLOG_ERROR, "sandbox: ignoring SIGXFSZ");
		return false;
	}
	return limit_set(RLIMIT_NOFILE, "RLIMIT_NOFILE", *max_fds) &&
		limit_set(RLIMIT_NPROC, "RLIMIT_NPROC", 0) &&
		limit_set(RLIMIT_FSIZE, "RLIMIT_FSIZE", SANDBOX_FILE_MAX) &&
		limit_set(RLIMIT_CORE, "RLIMIT_CORE", 0);
}

/* --- Landlock --- */

/* Restricts the bridge to no file access at all (and, where the kernel
 * knows how, no TCP, no abstract sockets and no signals outside). *abi
 * is the kernel's Landlock ABI, 0 without Landlock. */
static bool landlock_restrict(const char *vm_name, long *abi)
{
	*abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (*abi < 0) {
		if (errno == ENOSYS || errno == EOPNOTSUPP) {
			mlog(MLOG_INFO,
				"vm %s: sandbox: this kernel has no Landlock (%s); going on with seccomp and rlimits",
				vm_name, strerror(errno));
			*abi = 0;
			return true;
		}
		mlog_errno(MLOG_ERROR, "sandbox: asking for the Landlock ABI");
		return false;
	}

	struct ruleset_attr attr = {
		.handled_access_fs = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
			LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
			LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
			LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |
			LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
			LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
			LANDLOCK_ACCESS_FS_MAKE_SYM,
	};
	size_t size = sizeof(attr.handled_access_fs);
	if (*abi >= 2) {
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
	}
	if (*abi >= 3) {
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
	}
	if (*abi >= 4) {
		attr.handled_access_net =
			LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;
		size = offsetof(struct ruleset_attr, scoped);
	}
	/* Checked when a device is opened: the Xen devices opened before
	 * keep their ioctls. */
	if (*abi >= 5) {
		attr.handled_access_fs |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	}
	if (*abi >= 6) {
		attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
		size = sizeof(attr);
	}

	/* No rule is added: every handled access is denied everywhere. */
	int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (ruleset < 0) {
		mlog_errno(MLOG_ERROR, "sandbox: creating the Landlock ruleset (ABI %ld)", *abi);
		return false;
	}
	bool ok = syscall(SYS_landlock_restrict_self, ruleset, 0) == 0;
	if (!ok) {
		mlog_errno(MLOG_ERROR, "sandbox: landlock_restrict_self");
	}
	close(ruleset);
	return ok;
}

/* --- seccomp --- */

struct filter {
	scmp_filter_ctx ctx;
	unsigned rules;
	bool ok;
};

/* Allows a call, with count argument checks that must all hold. The first
 * failure is logged and sticks. */
static void allow(struct filter *f, int call, const char *name, unsigned count,
	const struct scmp_arg_cmp *args)
{
	if (!f->ok) {
		return;
	}
	int rc = seccomp_rule_add_array(f->ctx, SCMP_ACT_ALLOW, call, count, args);
	if (rc < 0) {
		mlog(MLOG_ERROR, "sandbox: cannot add the seccomp rule for %s: %s", name,
			strerror(-rc));
		f->ok = false;
		return;
	}
	f->rules++;
}

#define ALLOW(f, call) allow(f, SCMP_SYS(call), #call, 0, NULL)
/* One rule per value: the call is allowed when argument arg is any of
 * them. */
#define ALLOW_ARG_IN(f, call, arg, ...) \
	do { \
		static const scmp_datum_t values[] = { __VA_ARGS__ }; \
		for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) { \
			struct scmp_arg_cmp cmp = SCMP_CMP(arg, SCMP_CMP_EQ, values[i]); \
			allow(f, SCMP_SYS(call), #call, 1, &cmp); \
		} \
	} while (0)

static void allow_io(struct filter *f)
{
	/* The fds the bridge holds: compositor socket, vchan, timerfd,
	 * signalfd, stderr. No call that names a path or makes a socket. */
	ALLOW(f, read);
	ALLOW(f, readv);
	ALLOW(f, write);
	ALLOW(f, writev);
	ALLOW(f, recvmsg); /* libwayland; the VM's pool fd */
	ALLOW(f, sendmsg); /* libwayland; fds of the bridge's buffers */
	/* recv() and send(): never with an address. */
	struct scmp_arg_cmp no_address = SCMP_A4(SCMP_CMP_EQ, 0);
	allow(f, SCMP_SYS(recvfrom), "recvfrom", 1, &no_address);
	allow(f, SCMP_SYS(sendto), "sendto", 1, &no_address);
	ALLOW(f, poll);
	ALLOW(f, ppoll);
	ALLOW(f, close);
	/* isatty(), which the sanitizers' reports ask of stderr. */
	struct scmp_arg_cmp tcgets = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TCGETS);
	allow(f, SCMP_SYS(ioctl), "ioctl", 1, &tcgets);
	/* vm_link re-arms its retry timer when the connection ends, just
	 * before the bridge exits. */
	ALLOW(f, timerfd_settime);
}

static void allow_memory(struct filter *f)
{
	ALLOW(f, brk);
	ALLOW(f, munmap);
	ALLOW(f, mremap); /* keeps the protection it had */
	/* Never executable: no new code in the bridge. */
	struct scmp_arg_cmp no_exec = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
	allow(f, SCMP_SYS(mmap), "mmap", 1, &no_exec);
	allow(f, SCMP_SYS(mprotect), "mprotect", 1, &no_exec);
	/* malloc's and the sanitizers' advice; not MADV_HWPOISON and the
	 * like, which root could use to harm pages. */
	ALLOW_ARG_IN(f, madvise, 2, MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED,
		MADV_DONTNEED, MADV_FREE, MADV_DONTFORK, MADV_DOFORK, MADV_DONTDUMP, MADV_DODUMP,
		MADV_HUGEPAGE, MADV_NOHUGEPAGE);

	/* The bridge's wl_shm buffers (shm_buffer.c) and the check of the
	 * VM's pool (common/vchan/socket.c). */
	struct scmp_arg_cmp memfd_flags = SCMP_A1(SCMP_CMP_EQ, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	allow(f, SCMP_SYS(memfd_create), "memfd_create", 1, &memfd_flags);
	ALLOW(f, ftruncate); /* bounded by RLIMIT_FSIZE */
	ALLOW(f, fstat);
	ALLOW(f, fstatfs);
	/* glibc's fstat(): fstatat(fd, "", AT_EMPTY_PATH). */
	struct scmp_arg_cmp empty_path = SCMP_A3(SCMP_CMP_EQ, AT_EMPTY_PATH);
	allow(f, SCMP_SYS(newfstatat), "newfstatat", 1, &empty_path);
	/* Seals; libwayland's copy of an fd it sends (F_DUPFD_CLOEXEC, or
	 * F_DUPFD with F_GETFD/F_SETFD on an old kernel). */
	ALLOW_ARG_IN(f, fcntl, 1, F_GETFD, F_SETFD, F_DUPFD_CLOEXEC, F_ADD_SEALS, F_GET_SEALS);
}

static void allow_process(struct filter *f)
{
	ALLOW(f, clock_gettime);
	ALLOW(f, clock_getres);
	ALLOW(f, gettimeofday);
	ALLOW(f, nanosleep);
	ALLOW(f, clock_nanosleep);
	ALLOW(f, futex);
	ALLOW(f, sched_yield);
	ALLOW(f, getrandom);
	ALLOW(f, getpid);
	ALLOW(f, gettid);
	ALLOW(f, rt_sigreturn);
	ALLOW(f, rt_sigprocmask);
	ALLOW(f, rt_sigaction);
	ALLOW(f, restart_syscall);
	ALLOW(f, exit);
	ALLOW(f, exit_group);
	/* abort(), so a failed assert shows as SIGABRT: only to itself. */
	struct scmp_arg_cmp self_abort[] = {
		SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()),
		SCMP_A2(SCMP_CMP_EQ, SIGABRT),
	};
	allow(f, SCMP_SYS(tgkill), "tgkill", 2, self_abort);
}

#if HAVE_XEN
/*
 * What libxenvchan and libxengnttab do with the event channel and grant
 * devices they opened before the filter: notify the peer, and map and
 * unmap the VM's grants. Unverified: there was no Xen host to run it on
 * (doc/threat-model.md).
 */
static void allow_xen(struct filter *f)
{
	static const unsigned long requests[] = {
		IOCTL_EVTCHN_NOTIFY,
		IOCTL_EVTCHN_UNBIND,
		IOCTL_GNTDEV_MAP_GRANT_REF,
		IOCTL_GNTDEV_UNMAP_GRANT_REF,
		IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR,
		IOCTL_GNTDEV_SET_UNMAP_NOTIFY,
	};
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		/* The kernel reads the request as 32 bits. */
		struct scmp_arg_cmp request = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, requests[i]);
		allow(f, SCMP_SYS(ioctl), "ioctl", 1, &request);
	}
}
#endif

static bool filter_load(const struct sandbox_options *options, unsigned *rules)
{
	struct filter f = {
		.ctx = seccomp_init(SCMP_ACT_KILL_PROCESS),
		.ok = true,
	};
	if (f.ctx == NULL) {
		mlog(MLOG_ERROR, "sandbox: seccomp_init failed");
		return false;
	}
	/* A call through another ABI (i386's int 0x80, x32) is killed too. */
	int rc = seccomp_attr_set(f.ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (rc < 0) {
		mlog(MLOG_ERROR, "sandbox: seccomp bad-arch action: %s", strerror(-rc));
		f.ok = false;
	}
	allow_io(&f);
	allow_memory(&f);
	allow_process(&f);
	if (options->backend == VCHAN_BACKEND_XEN) {
#if HAVE_XEN
		allow_xen(&f);
#endif
	}
	if (f.ok) {
		rc = seccomp_load(f.ctx);
		if (rc < 0) {
			mlog(MLOG_ERROR, "sandbox: loading the seccomp filter: %s", strerror(-rc));
			f.ok = false;
		}
	}
	seccomp_release(f.ctx);
	*rules = f.rules;
	return f.ok;
}

/* --- entry --- */

bool sandbox_enter(const struct sandbox_options *options)
{
#if SANDBOX_ASAN
	/* The sanitizer reads /proc/self/maps and starts its symbolizer
	 * now, so that a report from inside comes whole, with its stack. */
	__sanitizer_sandbox_arguments sanitizer_args = { .coverage_fd = -1 };
	__sanitizer_sandbox_on_notify(&sanitizer_args);
	char frame[256];
	__sanitizer_symbolize_pc(__builtin_return_address(0), "%p %F %L", frame, sizeof(frame));
#endif
	if (options->test_violation == SANDBOX_VIOLATION_CONNECT) {
		test_socket_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (test_socket_fd < 0) {
			mlog_errno(MLOG_ERROR, "sandbox: the connect test's socket");
			return false;
		}
	}

	rlim_t max_fds = 0;
	if (!limits_set(&max_fds)) {
		return false;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		mlog_errno(MLOG_ERROR, "sandbox: PR_SET_NO_NEW_PRIVS");
		return false;
	}
	long landlock_abi = 0;
	if (!landlock_restrict(options->vm_name, &landlock_abi)) {
		return false;
	}
	unsigned rules = 0;
	if (!filter_load(options, &rules)) {
		return false;
	}
#if SANDBOX_ASAN
	asan_sandboxed = true;
	mlog(MLOG_INFO,
		"vm %s: sandbox: built with AddressSanitizer: its leak check is off from here on (it needs ptrace and /proc), and its symbolizer runs outside; a build for tests only",
		options->vm_name);
#endif
	mlog(MLOG_INFO,
		"vm %s: sandbox up: %u seccomp rules, anything else kills; Landlock ABI %ld; at most %llu fds",
		options->vm_name, rules, landlock_abi, (unsigned long long)max_fds);
	return true;
}

/* --- the test hook --- */

bool sandbox_test_violation(const struct sandbox_options *options)
{
	switch (options->test_violation) {
	case SANDBOX_VIOLATION_NONE:
		return true;
	case SANDBOX_VIOLATION_OPEN: {
		mlog(MLOG_INFO, "vm %s: test: opening /etc/passwd inside the sandbox",
			options->vm_name);
		int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			mlog(MLOG_ERROR, "vm %s: test: the sandbox let open through",
				options->vm_name);
		} else {
			mlog_errno(MLOG_ERROR, "vm %s: test: the sandbox let open be tried",
				options->vm_name);
		}
		return false;
	}
	case SANDBOX_VIOLATION_CONNECT: {
		mlog(MLOG_INFO, "vm %s: test: connecting a Unix socket inside the sandbox",
			options->vm_name);
		/* Abstract: needs no file, and Landlock's scope is not what
		 * stops it (seccomp is, first). */
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		static const char name[] = "mullion-sandbox-test";
		memcpy(sa.sun_path + 1, name, sizeof(name) - 1);
		socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + sizeof(name));
		if (connect(test_socket_fd, (struct sockaddr *)&sa, len) == 0) {
			mlog(MLOG_ERROR, "vm %s: test: the sandbox let connect through",
				options->vm_name);
		} else {
			mlog_errno(MLOG_ERROR, "vm %s: test: the sandbox let connect be tried",
				options->vm_name);
		}
		return false;
	}
	case SANDBOX_VIOLATION_EXEC: {
		mlog(MLOG_INFO, "vm %s: test: running /bin/true inside the sandbox",
			options->vm_name);
		char *const argv[] = { "true", NULL };
		char *const envp[] = { NULL };
		execve("/bin/true", argv, envp);
		mlog_errno(MLOG_ERROR, "vm %s: test: the sandbox let execve be tried",
			options->vm_name);
		return false;
	}
	}
	return false;
}
