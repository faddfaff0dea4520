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
#include "guest-agent/agent_config.h"
#include "guest-agent/dom0_link.h"
#include "guest-agent/server.h"
#include "common/util/log.h"
#include "common/limits.h"
#include "common/vchan/vchan.h"
#include "common/wire/protocol.h"

#define PAGES_PER_MIB (1024u * 1024u / WIRE_PAGE_SIZE)

static const char usage[] =
	"Usage: mullion-agent [--config FILE | --vchan ADDRESS] [options] [-- COMMAND [ARGS...]]\n"
	"\n"
	"The Wayland compositor inside a VM of a compartmentalised desktop:\n"
	"VM applications connect to it, and it hands their windows' pixels\n"
	"to dom0 over vchan. It shows nothing itself.\n"
	"\n"
	"  -c, --config FILE   read the settings from FILE (default: the file\n"
	"                      below, read unless --vchan is given); options\n"
	"                      given here override the file\n"
	"  --vchan ADDRESS     where dom0 connects: socket:DIR (a Unix socket\n"
	"                      in DIR) or xen:DOMID\n"
	"  --pool-mib N        memory shared with dom0 for window buffers,\n"
	"                      in MiB (default 256)\n"
	"  --size WxH          size of the output clients see until dom0 says\n"
	"                      its own (default 1280x720)\n"
	"  --socket NAME       Wayland socket name in XDG_RUNTIME_DIR (default:\n"
	"                      the first free wayland-N)\n"
	"  --check-config      check the settings, print the error or 'ok', exit\n"
	"  -v, --verbose       log debug messages\n"
	"  -h, --help          show this help and exit\n"
	"      --version       show the version and exit\n"
	"\n"
	"When ready it prints WAYLAND_DISPLAY=NAME on a line of its own. With\n"
	"COMMAND, it runs it with WAYLAND_DISPLAY set and exits with its status\n"
	"when it exits. Needs XDG_RUNTIME_DIR.\n";

/* The command line, before the config file is merged in. */
struct options {
	const char *config_path; /* NULL: the default, read unless --vchan */
	const char *vchan;
	const char *pool_mib;
	const char *size;
	const char *socket;
	bool check_config;
	enum wlr_log_importance verbosity;
	char **command; /* NULL-terminated, or NULL */
};

/* Returns -1 to go on, or the exit status. */
static int parse_options(int argc, char *argv[], struct options *options)
{
	enum {
		OPT_VCHAN = 256,
		OPT_POOL_MIB,
		OPT_SIZE,
		OPT_SOCKET,
		OPT_CHECK_CONFIG,
		OPT_VERSION
	};
	static const struct option long_options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "vchan", required_argument, NULL, OPT_VCHAN },
		{ "pool-mib", required_argument, NULL, OPT_POOL_MIB },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ 0 },
	};

	int c;
	/* '+': options end at the first non-option, as COMMAND's own
	 * options belong to it. */
	while ((c = getopt_long(argc, argv, "+c:vh", long_options, NULL)) != -1) {
		switch (c) {
		case 'c':
			options->config_path = optarg;
			break;
		case OPT_VCHAN:
			options->vchan = optarg;
			break;
		case OPT_POOL_MIB:
			options->pool_mib = optarg;
			break;
		case OPT_SIZE:
			options->size = optarg;
			break;
		case OPT_SOCKET:
			options->socket = optarg;
			break;
		case OPT_CHECK_CONFIG:
			options->check_config = true;
			break;
		case 'v':
			options->verbosity = WLR_DEBUG;
			break;
		case 'h':
			fputs(usage, stdout);
			printf("\nDefault config file: %s\n", MULLION_AGENT_CONFIG_PATH);
			return EXIT_SUCCESS;
		case OPT_VERSION:
			printf("mullion-agent %s\n", MULLION_VERSION);
			return EXIT_SUCCESS;
		default:
			fputs(usage, stderr);
			return EXIT_FAILURE;
		}
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

/*
 * The settings: the config file (named, or the default one when --vchan
 * is not given), then the command line over it. Returns false after
 * printing one line that says what is wrong.
 */
static bool load_settings(const struct options *options, struct agent_config *config)
{
	agent_config_init(config);
	const char *path = options->config_path;
	if (path == NULL && options->vchan == NULL) {
		path = MULLION_AGENT_CONFIG_PATH;
	}
	char error[AGENT_CONFIG_ERROR_MAX];
	if (path != NULL && !agent_config_load(path, config, error, sizeof(error))) {
		fprintf(stderr, "mullion-agent: %s\n", error);
		return false;
	}
	if (options->vchan != NULL) {
		if (!vchan_address_parse(options->vchan, &config->vchan)) {
			fprintf(stderr,
				"mullion-agent: bad vchan address '%s' (expected socket:DIR or xen:DOMID)\n",
				options->vchan);
			return false;
		}
		config->have_vchan = true;
	}
	if (options->pool_mib != NULL &&
		!agent_config_parse_pool_mib(options->pool_mib, &config->pool_mib)) {
		fprintf(stderr, "mullion-agent: bad pool size '%s' (expected %u..%u MiB)\n",
			options->pool_mib, LIMIT_POOL_MIB_MIN, LIMIT_POOL_MIB_MAX);
		return false;
	}
	if (options->size != NULL &&
		!agent_config_parse_size(options->size, &config->width, &config->height)) {
		fprintf(stderr, "mullion-agent: bad size '%s' (expected WxH, at most %ux%u)\n",
			options->size, WIRE_MAX_WIDTH, WIRE_MAX_HEIGHT);
		return false;
	}
	if (options->socket != NULL) {
		if (!agent_config_socket_name_valid(options->socket)) {
			fprintf(stderr,
				"mullion-agent: bad socket name '%s' (A-Z a-z 0-9 _ . - only, not starting with '.')\n",
				options->socket);
			return false;
		}
		snprintf(config->socket, sizeof(config->socket), "%s", options->socket);
	}
	if (!config->have_vchan) {
		if (path != NULL) {
			fprintf(stderr,
				"mullion-agent: %s: no vchan address: set 'vchan' in [agent] or give --vchan\n",
				path);
		} else {
			fprintf(stderr, "mullion-agent: --vchan is required\n");
		}
		return false;
	}
	if (options->check_config) {
		printf("%s: ok\n", path != NULL ? path : "command line");
	}
	return true;
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
		.verbosity = WLR_INFO,
	};
	int status = parse_options(argc, argv, &options);
	if (status >= 0) {
		return status;
	}
	struct agent_config config;
	if (!load_settings(&options, &config)) {
		return EXIT_FAILURE;
	}
	if (options.check_config) {
		return EXIT_SUCCESS;
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

	if (!agent_server_init(&server, config.width, config.height)) {
		goto out_server;
	}
	server.dom0 = dom0_link_create(&server, &config.vchan, config.pool_mib * PAGES_PER_MIB);
	if (!server.dom0) {
		goto out_server;
	}
	if (!agent_server_start(&server, config.socket[0] != '\0' ? config.socket : NULL)) {
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
