/*
 * mullion-bridge: the one dom0 process per VM that reads the VM's bytes
 * and maps its memory. It is a Wayland client of the compositor on the
 * socket the compositor made for this VM, and a vchan client of the VM's
 * agent. Everything runs in one poll loop over three fds: the compositor
 * connection, the vchan, the vchan retry timer and a signalfd.
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
#include "vm-bridge/dom0_client.h"
#include "vm-bridge/input.h"
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
	bool verbose;
};

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
	"  -v, --verbose          log debug messages\n"
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
		OPT_VERSION,
	};
	static const struct option long_options[] = {
		{ "vm", required_argument, NULL, OPT_VM },
		{ "vchan", required_argument, NULL, OPT_VCHAN },
		{ "max-windows", required_argument, NULL, OPT_MAX_WINDOWS },
		{ "max-buffer-mib", required_argument, NULL, OPT_MAX_BUFFER_MIB },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ 0 },
	};
	*options = (struct bridge_options){
		.max_windows = LIMIT_MAX_WINDOWS_DEFAULT,
		.max_buffer_mib = LIMIT_MAX_BUFFER_MIB_DEFAULT,
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
		case 'v':
			options->verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		case OPT_VERSION:
			printf("mullion-bridge %s\n", MULLION_VERSION);
			return 1;
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

/*
 * The loop. Returns true after SIGINT or SIGTERM, false when the
 * compositor connection is gone (that is the end of this bridge: the
 * compositor starts a new one if it wants). VM trouble never leaves this
 * loop; vm_link handles it.
 */
static bool run(struct dom0_client *dom0, struct vm_link *link, int signal_fd)
{
	struct wl_display *display = dom0->display;
	for (;;) {
		/* A flagged VM goes before anything else is sent to it. */
		vm_link_reap(link);
		vm_link_flush(link);
		vm_link_reap(link);

		while (wl_display_prepare_read(display) != 0) {
			if (wl_display_dispatch_pending(display) < 0) {
				goto lost;
			}
		}
		bool wayland_out = false;
		if (wl_display_flush(display) < 0) {
			if (errno != EAGAIN) {
				wl_display_cancel_read(display);
				goto lost;
			}
			wayland_out = true;
		}

		struct pollfd fds[SLOT_COUNT] = {
			[SLOT_WAYLAND] = {
				.fd = wl_display_get_fd(display),
				.events = POLLIN | (wayland_out ? POLLOUT : 0),
			},
			[SLOT_TIMER] = {
				.fd = vm_link_timer_fd(link),
				.events = POLLIN,
			},
			[SLOT_VCHAN] = {
				.fd = vm_link_vchan_fd(link),
				.events = vm_link_vchan_events(link),
			},
			[SLOT_SIGNAL] = {
				.fd = signal_fd,
				.events = POLLIN,
			},
		};
		/* A negative fd is skipped by poll: no vchan yet. */
		int timeout = vm_link_has_backlog(link) ? 0 : -1;
		if (poll(fds, SLOT_COUNT, timeout) < 0) {
			wl_display_cancel_read(display);
			if (errno == EINTR) {
				continue;
			}
			mlog_errno(MLOG_ERROR, "poll");
			return false;
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
				return true;
			}
		}
		vm_link_reap(link);

		/* The vchan first: the timer may replace its fd. */
		short vchan_revents = fds[SLOT_VCHAN].fd >= 0 ? fds[SLOT_VCHAN].revents : 0;
		if (vchan_revents != 0 || vm_link_has_backlog(link)) {
			vm_link_handle_vchan(link, vchan_revents);
		}
		if (fds[SLOT_TIMER].revents & POLLIN) {
			vm_link_handle_timer(link);
		}
	}

lost:;
	int error = wl_display_get_error(display);
	mlog(MLOG_ERROR, "lost the compositor connection%s%s", error != 0 ? ": " : "",
		error != 0 ? strerror(error) : "");
	return false;
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

	/*
	 * Sandbox seam: the compositor connection is up and no VM byte has
	 * been read yet. Dropping privileges and installing the seccomp and
	 * Landlock filters belongs exactly here, before vm_link_create()
	 * (its first timer tick opens the vchan).
	 */

	struct vm_link_options link_options = {
		.vm_name = options.vm_name,
		.address = options.address,
		.max_windows = options.max_windows,
		.max_buffer_mib = options.max_buffer_mib,
	};
	struct vm_link *link = vm_link_create(&link_options, dom0);
	if (link == NULL) {
		goto out_dom0;
	}
	struct bridge_input *input = bridge_input_create(dom0, link);
	if (input == NULL) {
		goto out_link;
	}
	char address[VCHAN_PATH_MAX + 16];
	if (!vchan_address_format(&options.address, address, sizeof(address))) {
		address[0] = '\0';
	}
	mlog(MLOG_INFO, "vm %s: bridge up, vchan %s, at most %u windows and %u MiB of buffers",
		options.vm_name, address, options.max_windows, options.max_buffer_mib);

	if (run(dom0, link, signal_fd)) {
		status = EXIT_SUCCESS;
	}
	bridge_window_print_stats();

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
