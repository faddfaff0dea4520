#include <getopt.h>
#include <glob.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <wlr/util/log.h>

#include "build-config.h"
#include "compositor/config.h"
#include "compositor/reload.h"
#include "compositor/server.h"
#include "compositor/vm.h"

/* A format: the two %s are the default config and bridge paths. */
static const char usage[] =
	"Usage: mullion [options]\n"
	"       mullion --check-config [FILE]\n"
	"\n"
	"The dom0 compositor of a compartmentalised desktop: shows the windows\n"
	"of every configured VM, framed in the VM's trust colour.\n"
	"\n"
	"  -c, --config FILE     configuration (default %s)\n"
	"  -s, --startup CMD     run CMD with /bin/sh once the compositor is up\n"
	"  -o, --output WxH      size of the headless output (default 1280x720)\n"
	"  -B, --benchmark       render on every commit, not at the refresh rate\n"
	"                        (for measurements; see bench/run)\n"
	"      --benchmark-refresh HZ\n"
	"                        benchmark mode, but render at HZ by a steady\n"
	"                        clock, as a real display's vblank paces it\n"
	"      --benchmark-grid  place windows side by side in rows, none over\n"
	"                        another, instead of cascading them\n"
	"  -v, --verbose         log debug messages\n"
	"      --check-config    load the configuration (FILE, or -c's, or the\n"
	"                        default), print the error or 'ok' and exit\n"
	"  -h, --help            show this help and exit\n"
	"      --version         show the version and exit\n"
	"\n"
	"Environment: WLR_BACKENDS (headless; wayland or x11 to run inside another\n"
	"session; default: that session if WAYLAND_DISPLAY or DISPLAY is set, else\n"
	"drm,libinput), WLR_RENDERER (gles2, pixman),\n"
	"MULLION_BRIDGE (path of mullion-bridge, default %s).\n";

struct options {
	const char *config_path;
	const char *startup_cmd;
	int output_width, output_height;
	bool benchmark;
	int benchmark_hz; /* 0: render on every commit */
	bool place_in_grid;
	bool check_config;
	enum wlr_log_importance verbosity;
};

static bool parse_size(const char *str, int *width, int *height)
{
	char tail;
	return sscanf(str, "%dx%d%c", width, height, &tail) == 2 && *width > 0 && *width <= 16384 &&
		*height > 0 && *height <= 16384;
}

/* Returns -1 to go on, or the exit status. */
static int parse_options(int argc, char *argv[], struct options *options)
{
	enum {
		OPT_VERSION = 256,
		OPT_CHECK_CONFIG,
		OPT_BENCHMARK_REFRESH,
		OPT_BENCHMARK_GRID,
	};
	static const struct option long_options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "startup", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "benchmark", no_argument, NULL, 'B' },
		{ "benchmark-refresh", required_argument, NULL, OPT_BENCHMARK_REFRESH },
		{ "benchmark-grid", no_argument, NULL, OPT_BENCHMARK_GRID },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
		{ 0 },
	};

	int c;
	while ((c = getopt_long(argc, argv, "c:s:o:Bvh", long_options, NULL)) != -1) {
		switch (c) {
		case 'c':
			options->config_path = optarg;
			break;
		case 's':
			options->startup_cmd = optarg;
			break;
		case 'o':
			if (!parse_size(optarg, &options->output_width, &options->output_height)) {
				fprintf(stderr, "mullion: bad output size '%s' (expected WxH)\n",
					optarg);
				return EXIT_FAILURE;
			}
			break;
		case 'B':
			options->benchmark = true;
			break;
		case OPT_BENCHMARK_REFRESH: {
			char tail;
			if (sscanf(optarg, "%d%c", &options->benchmark_hz, &tail) != 1 ||
				options->benchmark_hz < 1 || options->benchmark_hz > 1000) {
				fprintf(stderr, "mullion: bad refresh rate '%s' (1 to 1000 Hz)\n",
					optarg);
				return EXIT_FAILURE;
			}
			options->benchmark = true;
			break;
		}
		case OPT_BENCHMARK_GRID:
			options->place_in_grid = true;
			break;
		case 'v':
			options->verbosity = WLR_DEBUG;
			break;
		case 'h':
			printf(usage, MULLION_CONFIG_PATH, MULLION_BRIDGE_PATH);
			return EXIT_SUCCESS;
		case OPT_VERSION:
			printf("mullion %s\n", MULLION_VERSION);
			return EXIT_SUCCESS;
		case OPT_CHECK_CONFIG:
			options->check_config = true;
			break;
		default:
			fprintf(stderr, usage, MULLION_CONFIG_PATH, MULLION_BRIDGE_PATH);
			return EXIT_FAILURE;
		}
	}
	/* --check-config FILE reads as well as -c FILE --check-config. */
	if (options->check_config && optind < argc) {
		options->config_path = argv[optind++];
	}
	if (optind < argc) {
		fprintf(stderr, "mullion: unexpected argument '%s'\n", argv[optind]);
		return EXIT_FAILURE;
	}
	return -1;
}

/* --check-config: no display, no bridge; the same loader as a start. */
static int check_config(const char *path)
{
	char error[CONFIG_ERROR_MAX];
	struct config *config = config_load(path, error, sizeof(error));
	if (!config) {
		fprintf(stderr, "mullion: %s\n", error);
		return EXIT_FAILURE;
	}
	printf("%s: ok\n", path);
	config_destroy(config);
	return EXIT_SUCCESS;
}

/*
 * The backends wlroots 0.15 will try: WLR_BACKENDS, else (as
 * wlr_backend_autocreate decides) the session named by WAYLAND_DISPLAY or
 * DISPLAY, else DRM and libinput through a libseat session.
 */
static bool backend_wanted(const char *name)
{
	const char *list = getenv("WLR_BACKENDS");
	if (!list) {
		bool wayland = getenv("WAYLAND_DISPLAY") || getenv("WAYLAND_SOCKET");
		bool x11 = !wayland && getenv("DISPLAY");
		if (strcmp(name, "wayland") == 0) {
			return wayland;
		} else if (strcmp(name, "x11") == 0) {
			return x11;
		}
		return !wayland && !x11 &&
			(strcmp(name, "drm") == 0 || strcmp(name, "libinput") == 0);
	}
	size_t len = strlen(name);
	for (const char *item = list; item;
		item = strchr(item, ',') ? strchr(item, ',') + 1 : NULL) {
		if (strncmp(item, name, len) == 0 && (item[len] == ',' || item[len] == '\0')) {
			return true;
		}
	}
	return false;
}

/* Whether something listens on the Unix socket path (abstract: '@...'). */
static bool socket_listens(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(addr.sun_path)) {
		return false;
	}
	memcpy(addr.sun_path, path, strlen(path));
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	if (path[0] == '@') {
		addr.sun_path[0] = '\0';
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return false;
	}
	bool ok = connect(fd, (struct sockaddr *)&addr, len) == 0;
	close(fd);
	return ok;
}

/*
 * Run inside another session, wlroots 0.15 aborts (an assert in its multi
 * backend) when it cannot reach that session: say why instead, in one
 * line, before it tries. Returns false after printing that line.
 */
static bool check_parent_session(void)
{
	if (backend_wanted("wayland") && !getenv("WAYLAND_SOCKET")) {
		const char *display = getenv("WAYLAND_DISPLAY");
		const char *runtime = getenv("XDG_RUNTIME_DIR");
		char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
		if (!display) {
			display = "wayland-0";
		}
		if (display[0] == '/') {
			snprintf(path, sizeof(path), "%s", display);
		} else {
			snprintf(path, sizeof(path), "%s/%s", runtime ? runtime : "", display);
		}
		if (!socket_listens(path)) {
			fprintf(stderr,
				"mullion: cannot run nested: no Wayland compositor listens at %s (WAYLAND_DISPLAY names the session to run in)\n",
				path);
			return false;
		}
	}
	if (backend_wanted("x11")) {
		const char *display = getenv("DISPLAY");
		unsigned number;
		char tail;
		char path[64];
		if (!display) {
			fprintf(stderr,
				"mullion: cannot run nested: WLR_BACKENDS has x11 but DISPLAY is not set\n");
			return false;
		}
		/* Only a local ":N" or ":N.S" can be checked without Xlib. */
		if (sscanf(display, ":%u%c", &number, &tail) == 1 ||
			(sscanf(display, ":%u.%*u%c", &number, &tail) == 1)) {
			snprintf(path, sizeof(path), "/tmp/.X11-unix/X%u", number);
			char abstract[sizeof(path) + 1];
			snprintf(abstract, sizeof(abstract), "@%s", path);
			if (!socket_listens(path) && !socket_listens(abstract)) {
				fprintf(stderr,
					"mullion: cannot run nested: no X server listens at %s (DISPLAY=%s)\n",
					path, display);
				return false;
			}
		}
	}
	return true;
}

static bool device_exists(const char *pattern)
{
	glob_t found;
	bool any = glob(pattern, GLOB_NOSORT, NULL, &found) == 0 && found.gl_pathc > 0;
	globfree(&found);
	return any;
}

/*
 * After wlroots gave up: one line that says why, as well as can be told
 * from outside (wlroots' own lines above have the details). The DRM and
 * libinput path is the one a login session takes; it shares everything
 * after backend creation with the headless and nested ones.
 */
static void explain_start_failure(void)
{
	if (backend_wanted("drm")) {
		if (!device_exists("/dev/dri/card*")) {
			fprintf(stderr,
				"mullion: cannot start a session on this machine: no GPU (no /dev/dri/card*); run it inside another session (WLR_BACKENDS=wayland or x11) or headless (WLR_BACKENDS=headless)\n");
			return;
		}
		if (geteuid() != 0 && !getenv("XDG_SESSION_ID") &&
			access("/run/seatd.sock", F_OK) != 0) {
			fprintf(stderr,
				"mullion: cannot start a session: no seat (no logind session, XDG_SESSION_ID is unset, and no seatd at /run/seatd.sock)\n");
			return;
		}
		fprintf(stderr,
			"mullion: cannot start a session: the seat or the GPU was refused (is this the active VT, and no other compositor DRM master? see the lines above)\n");
		return;
	}
	if (backend_wanted("libinput") && !getenv("WLR_LIBINPUT_NO_DEVICES") &&
		!device_exists("/dev/input/event*")) {
		fprintf(stderr,
			"mullion: cannot start: no input devices (no /dev/input/event*; WLR_LIBINPUT_NO_DEVICES=1 starts without them)\n");
		return;
	}
	fprintf(stderr, "mullion: cannot start the compositor: see the lines above\n");
}

static void run_startup_command(const char *cmd)
{
	pid_t pid = fork();
	if (pid < 0) {
		wlr_log_errno(WLR_ERROR, "Cannot start '%s'", cmd);
		return;
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execl("/bin/sh", "/bin/sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
}

static int handle_terminate(int signal, void *data)
{
	struct wl_display *display = data;
	wl_display_terminate(display);
	return 0;
}

int main(int argc, char *argv[])
{
	struct options options = {
		.config_path = MULLION_CONFIG_PATH,
		.output_width = 1280,
		.output_height = 720,
		.verbosity = WLR_INFO,
	};
	int status = parse_options(argc, argv, &options);
	if (status >= 0) {
		return status;
	}
	if (options.check_config) {
		return check_config(options.config_path);
	}
	wlr_log_init(options.verbosity, NULL);

	char error[CONFIG_ERROR_MAX];
	struct config *config = config_load(options.config_path, error, sizeof(error));
	if (!config) {
		fprintf(stderr, "mullion: %s\n", error);
		return EXIT_FAILURE;
	}

	const char *bridge_path = getenv("MULLION_BRIDGE");
	struct server_options server_options = {
		.config = config,
		.bridge_path = bridge_path ? bridge_path : MULLION_BRIDGE_PATH,
		.headless_width = options.output_width,
		.headless_height = options.output_height,
		.benchmark = options.benchmark,
		.benchmark_hz = options.benchmark_hz,
		.place_in_grid = options.place_in_grid,
	};
	struct server server = { 0 };
	status = EXIT_FAILURE;
	if (!check_parent_session()) {
		goto out;
	}
	if (!server_init(&server, &server_options) || !server_start(&server)) {
		explain_start_failure();
		goto out;
	}
	setenv("WAYLAND_DISPLAY", server.socket, 1);
	if (!vms_start(&server)) {
		goto out;
	}
	/* From here the server owns the config: SIGHUP may replace it. */
	server.owned_config = config;
	config = NULL;
	if (!reload_init(&server, options.config_path)) {
		goto out;
	}

	struct wl_event_source *sigint = wl_event_loop_add_signal(server.event_loop, SIGINT,
		handle_terminate, server.display);
	struct wl_event_source *sigterm = wl_event_loop_add_signal(server.event_loop, SIGTERM,
		handle_terminate, server.display);

	wlr_log(WLR_INFO, "Running on WAYLAND_DISPLAY=%s with %zu VM(s)%s", server.socket,
		server.config->vm_count, options.benchmark ? ", benchmark mode" : "");
	/* The one line scripts wait for: the socket is ready. */
	printf("WAYLAND_DISPLAY=%s\n", server.socket);
	fflush(stdout);

	if (options.startup_cmd) {
		run_startup_command(options.startup_cmd);
	}
	wl_display_run(server.display);
	status = EXIT_SUCCESS;

	if (sigint) {
		wl_event_source_remove(sigint);
	}
	if (sigterm) {
		wl_event_source_remove(sigterm);
	}
out:
	reload_finish(&server);
	server_finish(&server);
	config_destroy(server.owned_config);
	config_destroy(config);
	return status;
}
