/*
 * mullion-bridge: the one dom0 process per VM that reads the VM's bytes
 * and maps its memory. It is a Wayland client of the compositor on the
 * socket the compositor made for this VM, and a vchan client of the VM's
 * agent. Everything runs in one poll loop over the compositor connection,
 * a signalfd, and the vchan retry timer until the vchan is connected, the
 * vchan after that.
 *
 * The bridge serves one VM connection. Once its vchan is connected, and
 * before the first byte from the VM is read, it enters its sandbox
 * (sandbox.c), which leaves it no way to connect again: when the
 * connection ends it exits, and mullion starts a fresh bridge, soon if the
 * VM just went away and with back-off if it broke the rules (the exit
 * status says which).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <wayland-client.h>

#include "build-config.h"
#include "vm-bridge/clipboard.h"
#include "vm-bridge/dom0_client.h"
#include "vm-bridge/input.h"
#include "vm-bridge/sandbox.h"
#include "vm-bridge/sanitise.h"
#include "vm-bridge/vm_link.h"
#include "vm-bridge/window.h"
#include "common/limits.h"
#include "common/util/log.h"
#include "common/util/vm_name.h"
#include "common/vchan/vchan.h"

struct bridge_options {
	const char *vm_name;
	struct vchan_address address;
	uint32_t max_windows;
	uint32_t max_buffer_mib;
	enum title_charset titles;
	bool verbose;
	enum sandbox_violation test_violation;
};

/*
 * How a bridge ends, besides 0 (SIGINT or SIGTERM) and 1 (usage, setup or
 * sandbox failure, or the compositor connection lost). mullion reads them
 * (compositor/vm.c, BRIDGE_EXIT_*) to choose when to start the next bridge;
 * doc/mullion-bridge.1.scd lists them.
 */
/* The VM went away, or dom0 dropped the connection without blaming it. */
#define EXIT_VM_ENDED 3
/* The VM broke a rule of the protocol. */
#define EXIT_VM_VIOLATION 4

static const char usage[] =
	"Usage: mullion-bridge --vm NAME --vchan ADDRESS [options]\n"
	"\n"
	"Shows the windows of one VM on the mullion compositor. Started by\n"
	"mullion, once per configured VM, with WAYLAND_SOCKET set to a socket\n"
	"the compositor made for that VM (WAYLAND_DISPLAY works for manual\n"
	"runs). Connects to the VM's mullion-agent over vchan, retrying every\n"
	"500 ms, and disconnects it on any protocol violation.\n"
	"\n"
	"  --vm NAME              the VM's name, for logs ([a-zA-Z0-9_-], 1 to\n"
	"                         31 characters)\n"
	"  --vchan ADDRESS        where the VM's agent listens: socket:DIR or\n"
	"                         xen:DOMID\n"
	"  --max-windows N        most windows the VM may have open (default\n"
	"                         256, 1 to 65536)\n"
	"  --max-buffer-mib N     most MiB of shared buffers the VM may have\n"
	"                         mapped at once (default 512, 1 to 65536)\n"
	"  --titles ascii|utf8    what the VM's titles may keep: printable ASCII\n"
	"                         (default), or UTF-8 without controls,\n"
	"                         separators, format characters (bidi, zero\n"
	"                         width, tags) and private use\n"
	"  -v, --verbose          log debug messages\n"
	"      --test-sandbox-violation=open|connect|exec\n"
	"                         for tests: once sandboxed, try a call the\n"
	"                         sandbox forbids (it kills the bridge)\n"
	"  -h, --help             show this help and exit\n"
	"      --version          show the version and exit\n";

static bool parse_u32(const char *option, const char *str, uint32_t max, uint32_t *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long value = strtoul(str, &end, 10);
	if (str[0] < '0' || str[0] > '9' || errno != 0 || *end != '\0' || value < 1 ||
		value > max) {
		fprintf(stderr, "mullion-bridge: %s wants a number from 1 to %u, not '%s'\n",
			option, max, str);
		return false;
	}
	*out = (uint32_t)value;
	return true;
}

/* Returns 0 to run, 1 after --help, -1 on a usage error. */
static int parse_options(int argc, char *argv[], struct bridge_options *options)
{
	enum {
		OPT_VM = 256,
		OPT_VCHAN,
		OPT_MAX_WINDOWS,
		OPT_MAX_BUFFER_MIB,
		OPT_TITLES,
		OPT_VERSION,
		OPT_TEST_SANDBOX_VIOLATION,
	};
	static const struct option long_options[] = {
		{ "vm", required_argument, NULL, OPT_VM },
		{ "vchan", required_argument, NULL, OPT_VCHAN },
		{ "max-windows", required_argument, NULL, OPT_MAX_WINDOWS },
		{ "max-buffer-mib", required_argument, NULL, OPT_MAX_BUFFER_MIB },
		{ "titles", required_argument, NULL, OPT_TITLES },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "test-sandbox-violation", required_argument, NULL, OPT_TEST_SANDBOX_VIOLATION },
		{ 0 },
	};
	*options = (struct bridge_options){
		.max_windows = LIMIT_MAX_WINDOWS_DEFAULT,
		.max_buffer_mib = LIMIT_MAX_BUFFER_MIB_DEFAULT,
		.titles = TITLE_ASCII,
	};
	const char *vchan = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "vh", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_VM:
			options->vm_name = optarg;
			break;
		case OPT_VCHAN:
			vchan = optarg;
			break;
		case OPT_MAX_WINDOWS:
			if (!parse_u32("--max-windows", optarg, LIMIT_MAX_WINDOWS_MAX,
				    &options->max_windows)) {
				return -1;
			}
			break;
		case OPT_MAX_BUFFER_MIB:
			if (!parse_u32("--max-buffer-mib", optarg, LIMIT_MAX_BUFFER_MIB_MAX,
				    &options->max_buffer_mib)) {
				return -1;
			}
			break;
		case OPT_TITLES:
			if (strcmp(optarg, "ascii") == 0) {
				options->titles = TITLE_ASCII;
			} else if (strcmp(optarg, "utf8") == 0) {
				options->titles = TITLE_UTF8;
			} else {
				fprintf(stderr,
					"mullion-bridge: --titles wants ascii or utf8, not '%s'\n",
					optarg);
				return -1;
			}
			break;
		case 'v':
			options->verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		case OPT_VERSION:
			printf("mullion-bridge %s\n", MULLION_VERSION);
			return 1;
		case OPT_TEST_SANDBOX_VIOLATION:
			if (!sandbox_violation_parse(optarg, &options->test_violation)) {
				fprintf(stderr,
					"mullion-bridge: --test-sandbox-violation wants open, connect or exec, not '%s'\n",
					optarg);
				return -1;
			}
			break;
		default:
			fputs(usage, stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mullion-bridge: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (options->vm_name == NULL || vchan == NULL) {
		fprintf(stderr, "mullion-bridge: --vm and --vchan are required\n%s", usage);
		return -1;
	}
	if (!vm_name_valid(options->vm_name, strlen(options->vm_name))) {
		fprintf(stderr,
			"mullion-bridge: '%s' is not a VM name ([a-zA-Z0-9_-], 1 to %d characters)\n",
			options->vm_name, LIMIT_VM_NAME_MAX);
		return -1;
	}
	if (!vchan_address_parse(vchan, &options->address)) {
		fprintf(stderr,
			"mullion-bridge: '%s' is not a vchan address (socket:DIR or xen:DOMID)\n",
			vchan);
		return -1;
	}
	return 0;
}

enum poll_slot {
	SLOT_WAYLAND,
	SLOT_TIMER,
	SLOT_VCHAN,
	SLOT_SIGNAL,
	SLOT_COUNT,
};

enum run_end {
	RUN_STOPPED, /* SIGINT or SIGTERM */
	RUN_FAILED, /* the compositor connection, poll or the sandbox */
	RUN_VM_ENDED,
	RUN_VM_VIOLATION,
};

/*
 * Why the VM connection ended, once vm_link has closed it: vm_link keeps
 * no record of the reason, but its back-off does (only a violation
 * lengthens the wait before the next try).
 */
static enum run_end connection_end(const struct vm_link *link)
{
	bool violation = link->retry_ms > VM_LINK_RETRY_MS;
	mlog(MLOG_INFO,
		"vm %s: the connection ended%s; this bridge exits and mullion starts another",
		link->name, violation ? " after a violation" : "");
	return violation ? RUN_VM_VIOLATION : RUN_VM_ENDED;
}

/* Sandboxes the bridge once its vchan is connected, before anything from
 * the VM is read. */
static bool enter_sandbox(const struct vm_link *link, const struct sandbox_options *sandbox)
{
	if (!sandbox_enter(sandbox)) {
		mlog(MLOG_ERROR, "vm %s: no sandbox, so nothing from the VM is read", link->name);
		return false;
	}
	/* Returns only if the sandbox failed the test. */
	return sandbox_test_violation(sandbox);
}

/*
 * The loop. Until the vchan is connected it waits on the compositor
 * connection, the retry timer and signals, unsandboxed, reading nothing
 * from the VM; then it enters the sandbox and waits on the vchan instead
 * of the timer, until the connection ends or a signal comes. VM trouble
 * is handled by vm_link; it ends this loop only by ending the connection.
 */
static enum run_end run(struct dom0_client *dom0, struct vm_link *link, int signal_fd,
	const struct sandbox_options *sandbox)
{
	struct wl_display *display = dom0->display;
	bool sandboxed = false;
	for (;;) {
		/* A flagged VM goes before anything else is sent to it. */
		vm_link_reap(link);
		vm_link_flush(link);
		vm_link_reap(link);
		if (sandboxed && vm_link_vchan_fd(link) < 0) {
			return connection_end(link);
		}

		while (wl_display_prepare_read(display) != 0) {
			if (wl_display_dispatch_pending(display) < 0) {
				goto lost;
			}
		}
		/* The safe point: the latest titles, hints, acks and frames the
		 * windows held back, once the compositor's socket takes them.
		 * Whatever stays held back stays while the socket is full, and
		 * its POLLOUT brings the loop back here. */
		if (!dom0_client_flush(dom0)) {
			wl_display_cancel_read(display);
			goto lost;
		}
		vm_link_send_pending(link);
		if (!dom0_client_flush(dom0)) {
			wl_display_cancel_read(display);
			goto lost;
		}
		/* While the compositor's socket is full, or it has not caught
		 * up with the budget, the VM is not read (it is still written
		 * to): what it sends waits in the vchan, and the VM's writes
		 * wait with it (wire-protocol.md, section 10). */
		bool wayland_out = dom0->blocked;
		bool read_vm = dom0_client_ready(dom0);
		short vchan_events = vm_link_vchan_events(link);
		if (!read_vm) {
			vchan_events &= (short)~POLLIN;
		}

		/* A negative fd is skipped by poll. */
		struct pollfd fds[SLOT_COUNT] = {
			[SLOT_WAYLAND] = {
				.fd = wl_display_get_fd(display),
				.events = POLLIN | (wayland_out ? POLLOUT : 0),
			},
			[SLOT_TIMER] = {
				.fd = sandboxed ? -1 : vm_link_timer_fd(link),
				.events = POLLIN,
			},
			[SLOT_VCHAN] = {
				.fd = sandboxed && vchan_events != 0 ? vm_link_vchan_fd(link) : -1,
				.events = vchan_events,
			},
			[SLOT_SIGNAL] = {
				.fd = signal_fd,
				.events = POLLIN,
			},
		};
		int timeout = sandboxed && read_vm && vm_link_has_backlog(link)
			? 0
			: vm_link_drop_idle(link);
		if (poll(fds, SLOT_COUNT, timeout) < 0) {
			wl_display_cancel_read(display);
			if (errno == EINTR) {
				continue;
			}
			mlog_errno(MLOG_ERROR, "poll");
			return RUN_FAILED;
		}

		short wl_revents = fds[SLOT_WAYLAND].revents;
		if (wl_revents & POLLIN) {
			if (wl_display_read_events(display) < 0) {
				goto lost;
			}
		} else {
			wl_display_cancel_read(display);
			if (wl_revents & (POLLERR | POLLHUP | POLLNVAL)) {
				goto lost;
			}
		}
		if (wl_display_dispatch_pending(display) < 0) {
			goto lost;
		}
		if (fds[SLOT_SIGNAL].revents & POLLIN) {
			struct signalfd_siginfo info;
			ssize_t got = read(signal_fd, &info, sizeof(info));
			if (got == (ssize_t)sizeof(info) && info.ssi_signo == SIGUSR1) {
				bridge_window_print_stats();
			} else {
				if (got > 0) {
					mlog(MLOG_INFO, "signal %u: exiting", info.ssi_signo);
				}
				return RUN_STOPPED;
			}
		}
		vm_link_reap(link);

		if (sandboxed) {
			if (vm_link_vchan_fd(link) < 0) {
				return connection_end(link);
			}
			short vchan_revents = fds[SLOT_VCHAN].revents;
			if (vchan_revents != 0 ||
				(vm_link_has_backlog(link) && dom0_client_ready(dom0))) {
				vm_link_handle_vchan(link, vchan_revents);
			}
		} else if (fds[SLOT_TIMER].revents & POLLIN) {
			/* Connects (socket: connect() alone; Xen: maps the
			 * ring), reading nothing the VM sent. */
			vm_link_handle_timer(link);
			if (vm_link_vchan_fd(link) >= 0) {
				if (!enter_sandbox(link, sandbox)) {
					return RUN_FAILED;
				}
				sandboxed = true;
			}
		}
	}

lost:;
	int error = wl_display_get_error(display);
	mlog(MLOG_ERROR, "lost the compositor connection%s%s", error != 0 ? ": " : "",
		error != 0 ? strerror(error) : "");
	return RUN_FAILED;
}

/* SIGINT and SIGTERM arrive through a signalfd, so the loop ends cleanly
 * and no handler runs in the middle of anything; SIGUSR1 too, and asks
 * for the copy counters (the benchmark reads them). */
static int signal_fd_create(void)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
		mlog_errno(MLOG_ERROR, "sigprocmask");
		return -1;
	}
	int fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0) {
		mlog_errno(MLOG_ERROR, "signalfd");
	}
	return fd;
}

int main(int argc, char *argv[])
{
	mlog_init("mullion-bridge", MLOG_ERROR);
	struct bridge_options options;
	int parsed = parse_options(argc, argv, &options);
	if (parsed != 0) {
		return parsed > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	}
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "bridge[%s]", options.vm_name);
	mlog_init(prefix, options.verbose ? MLOG_DEBUG : MLOG_INFO);

	int status = EXIT_FAILURE;
	int signal_fd = signal_fd_create();
	if (signal_fd < 0) {
		goto out;
	}
	struct dom0_client *dom0 = dom0_client_connect();
	if (dom0 == NULL) {
		goto out_signal;
	}

	/* The sandbox comes once the vchan is connected, in run(): the vchan
	 * is the last thing the bridge opens. */
	struct vm_link_options link_options = {
		.vm_name = options.vm_name,
		.address = options.address,
		.max_windows = options.max_windows,
		.max_buffer_mib = options.max_buffer_mib,
		.titles = options.titles,
	};
	struct vm_link *link = vm_link_create(&link_options, dom0);
	if (link == NULL) {
		goto out_dom0;
	}
	struct bridge_input *input = bridge_input_create(dom0, link);
	if (input == NULL) {
		goto out_link;
	}
	link->input = input;
	link->clipboard = bridge_clipboard_create(dom0, link);
	if (link->clipboard == NULL) {
		goto out_input;
	}
	char address[VCHAN_PATH_MAX + 16];
	if (!vchan_address_format(&options.address, address, sizeof(address))) {
		address[0] = '\0';
	}
	mlog(MLOG_INFO,
		"vm %s: bridge up, vchan %s, at most %u windows and %u MiB of buffers, %s titles",
		options.vm_name, address, options.max_windows, options.max_buffer_mib,
		options.titles == TITLE_UTF8 ? "UTF-8" : "ASCII");

	struct sandbox_options sandbox = {
		.vm_name = options.vm_name,
		.backend = options.address.backend,
		.test_violation = options.test_violation,
	};
	switch (run(dom0, link, signal_fd, &sandbox)) {
	case RUN_STOPPED:
		status = EXIT_SUCCESS;
		break;
	case RUN_FAILED:
		status = EXIT_FAILURE;
		break;
	case RUN_VM_ENDED:
		status = EXIT_VM_ENDED;
		break;
	case RUN_VM_VIOLATION:
		status = EXIT_VM_VIOLATION;
		break;
	}
	bridge_window_print_stats();

	bridge_clipboard_destroy(link->clipboard);
out_input:
	bridge_input_destroy(input);
out_link:
	vm_link_destroy(link);
out_dom0:
	dom0_client_destroy(dom0);
out_signal:
	close(signal_fd);
out:
	return status;
}
