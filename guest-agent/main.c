#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wlr/util/log.h>

#include "build-config.h"
#include "guest-agent/dom0_link.h"
#include "guest-agent/server.h"
#include "common/util/log.h"
#include "common/limits.h"
#include "common/vchan/vchan.h"
#include "common/wire/protocol.h"

#define PAGES_PER_MIB (1024u * 1024u / WIRE_PAGE_SIZE)

static const char usage[] =
	"Usage: mullion-agent --vchan ADDRESS [options] [-- COMMAND [ARGS...]]\n"
	"\n"
	"The Wayland compositor inside a VM of a compartmentalised desktop:\n"
	"VM applications connect to it, and it hands their windows' pixels\n"
	"to dom0 over vchan. It shows nothing itself.\n"
	"\n"
	"  --vchan ADDRESS     where dom0 connects: socket:DIR (a Unix socket\n"
	"                      in DIR) or xen:DOMID\n"
	"  --pool-mib N        memory shared with dom0 for window buffers,\n"
	"                      in MiB (default 256)\n"
	"  --size WxH          size of the output clients see until dom0 says\n"
	"                      its own (default 1280x720)\n"
	"  -v, --verbose       log debug messages\n"
	"  -h, --help          show this help and exit\n"
	"      --version       show the version and exit\n"
	"\n"
	"When ready it prints WAYLAND_DISPLAY=NAME on a line of its own. With\n"
	"COMMAND, it runs it with WAYLAND_DISPLAY set and exits with its status\n"
	"when it exits. Needs XDG_RUNTIME_DIR.\n";

struct options {
	struct vchan_address vchan;
	bool have_vchan;
	uint32_t pool_mib;
	int width, height;
	enum wlr_log_importance verbosity;
	char **command; /* NULL-terminated, or NULL */
};

static bool parse_size(const char *str, int *width, int *height)
{
	char tail;
	return sscanf(str, "%dx%d%c", width, height, &tail) == 2 && *width > 0 &&
		*width <= WIRE_MAX_WIDTH && *height > 0 && *height <= WIRE_MAX_HEIGHT;
}

static bool parse_mib(const char *str, uint32_t *mib)
{
	char *end;
	errno = 0;
	unsigned long value = strtoul(str, &end, 10);
	if (errno != 0 || end == str || *end != '\0' || str[0] == '-' || value == 0 ||
		value < LIMIT_POOL_MIB_MIN || value > LIMIT_POOL_MIB_MAX) {
		return false;
	}
	*mib = (uint32_t)value;
	return true;
}

/* Returns -1 to go on, or the exit status. */
static int parse_options(int argc, char *argv[], struct options *options)
{
	enum {
		OPT_VCHAN = 256,
		OPT_POOL_MIB,
		OPT_SIZE,
		OPT_VERSION
	};
	static const struct option long_options[] = {
		{ "vchan", required_argument, NULL, OPT_VCHAN },
		{ "pool-mib", required_argument, NULL, OPT_POOL_MIB },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ 0 },
	};

	int c;
	/* '+': options end at the first non-option, as COMMAND's own
	 * options belong to it. */
	while ((c = getopt_long(argc, argv, "+vh", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_VCHAN:
			if (!vchan_address_parse(optarg, &options->vchan)) {
				fprintf(stderr,
					"mullion-agent: bad vchan address '%s' (expected socket:DIR or xen:DOMID)\n",
					optarg);
				return EXIT_FAILURE;
			}
			options->have_vchan = true;
			break;
		case OPT_POOL_MIB:
			if (!parse_mib(optarg, &options->pool_mib)) {
				fprintf(stderr,
					"mullion-agent: bad pool size '%s' (expected 1..%u MiB)\n",
					optarg, LIMIT_POOL_MIB_MAX);
				return EXIT_FAILURE;
			}
			break;
		case OPT_SIZE:
			if (!parse_size(optarg, &options->width, &options->height)) {
				fprintf(stderr,
					"mullion-agent: bad size '%s' (expected WxH, at most %ux%u)\n",
					optarg, WIRE_MAX_WIDTH, WIRE_MAX_HEIGHT);
				return EXIT_FAILURE;
			}
			break;
		case 'v':
			options->verbosity = WLR_DEBUG;
			break;
		case 'h':
			fputs(usage, stdout);
			return EXIT_SUCCESS;
		case OPT_VERSION:
			printf("mullion-agent %s\n", MULLION_VERSION);
			return EXIT_SUCCESS;
		default:
			fputs(usage, stderr);
			return EXIT_FAILURE;
		}
	}
	if (!options->have_vchan) {
		fprintf(stderr, "mullion-agent: --vchan is required\n");
		fputs(usage, stderr);
		return EXIT_FAILURE;
	}
	if (optind < argc) {
		/* getopt has consumed a "--" before this point. */
		if (strcmp(argv[optind - 1], "--") != 0) {
			fprintf(stderr,
				"mullion-agent: unexpected argument '%s' (put COMMAND after --)\n",
				argv[optind]);
			return EXIT_FAILURE;
		}
		options->command = &argv[optind];
	}
	return -1;
}

struct child {
	struct wl_display *display;
	pid_t pid;
	int status; /* exit status for the agent once it exited */
};

static pid_t spawn_child(char **command)
{
	pid_t pid = fork();
	if (pid < 0) {
		wlr_log_errno(WLR_ERROR, "Cannot fork for '%s'", command[0]);
		return -1;
	}
	if (pid == 0) {
		/* The event loop blocks the signals it turns into fds; the
		 * command must not inherit that. */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execvp(command[0], command);
		fprintf(stderr, "mullion-agent: cannot run '%s': %s\n", command[0],
			strerror(errno));
		_exit(127);
	}
	wlr_log(WLR_INFO, "Started '%s' (pid %d)", command[0], (int)pid);
	return pid;
}

static int handle_sigchld(int signal, void *data)
{
	struct child *child = data;
	int status;
	pid_t pid;
	/* Reaps every exited child; signals coalesce. */
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid != child->pid) {
			continue;
		}
		if (WIFEXITED(status)) {
			child->status = WEXITSTATUS(status);
		} else if (WIFSIGNALED(status)) {
			child->status = 128 + WTERMSIG(status);
		}
		wlr_log(WLR_INFO, "Child %d exited with status %d; exiting", (int)pid,
			child->status);
		child->pid = -1;
		wl_display_terminate(child->display);
	}
	return 0;
}

static int handle_stats_signal(int signal, void *data)
{
	agent_server_print_stats(data);
	return 0;
}

static int handle_terminate(int signal, void *data)
{
	struct wl_display *display = data;
	wlr_log(WLR_INFO, "Terminating on signal %d", signal);
	wl_display_terminate(display);
	return 0;
}

int main(int argc, char *argv[])
{
	struct options options = {
		.pool_mib = 256,
		.width = 1280,
		.height = 720,
		.verbosity = WLR_INFO,
	};
	int status = parse_options(argc, argv, &options);
	if (status >= 0) {
		return status;
	}
	wlr_log_init(options.verbosity, NULL);
	mlog_init("mullion-agent", options.verbosity == WLR_DEBUG ? MLOG_DEBUG : MLOG_INFO);

	if (!getenv("XDG_RUNTIME_DIR")) {
		fprintf(stderr,
			"mullion-agent: XDG_RUNTIME_DIR is not set; it must name a private directory for the Wayland socket\n");
		return EXIT_FAILURE;
	}

	status = EXIT_FAILURE;
	struct agent_server server = { 0 };
	struct wl_event_source *sigint = NULL, *sigterm = NULL, *sigchld = NULL;
	struct wl_event_source *sigusr1 = NULL;
	struct child child = { .pid = -1, .status = EXIT_SUCCESS };

	if (!agent_server_init(&server, options.width, options.height)) {
		goto out_server;
	}
	server.dom0 = dom0_link_create(&server, &options.vchan, options.pool_mib * PAGES_PER_MIB);
	if (!server.dom0) {
		goto out_server;
	}
	if (!agent_server_start(&server)) {
		goto out_link;
	}
	setenv("WAYLAND_DISPLAY", server.socket, 1);

	/* Before the fork, so an early exit of the child is not missed. */
	child.display = server.display;
	sigint = wl_event_loop_add_signal(server.event_loop, SIGINT, handle_terminate,
		server.display);
	sigterm = wl_event_loop_add_signal(server.event_loop, SIGTERM, handle_terminate,
		server.display);
	sigchld = wl_event_loop_add_signal(server.event_loop, SIGCHLD, handle_sigchld, &child);
	/* The benchmark reads the copy counters at moments of its choice. */
	sigusr1 =
		wl_event_loop_add_signal(server.event_loop, SIGUSR1, handle_stats_signal, &server);
	if (!sigint || !sigterm || !sigchld || !sigusr1) {
		wlr_log(WLR_ERROR, "Cannot watch signals");
		goto out_signals;
	}

	wlr_log(WLR_INFO, "Running on WAYLAND_DISPLAY=%s", server.socket);
	/* The one line scripts wait for: the socket is ready. */
	printf("WAYLAND_DISPLAY=%s\n", server.socket);
	fflush(stdout);

	if (options.command) {
		child.pid = spawn_child(options.command);
		if (child.pid < 0) {
			goto out_signals;
		}
	}
	wl_display_run(server.display);
	status = child.status;
	agent_server_print_stats(&server);

out_signals:
	if (sigint) {
		wl_event_source_remove(sigint);
	}
	if (sigterm) {
		wl_event_source_remove(sigterm);
	}
	if (sigchld) {
		wl_event_source_remove(sigchld);
	}
	if (sigusr1) {
		wl_event_source_remove(sigusr1);
	}
out_link:
	dom0_link_destroy(server.dom0);
	server.dom0 = NULL;
out_server:
	agent_server_finish(&server);
	return status;
}
