/*
 * mullion-test-toplevels: lists the toplevels a dom0 client sees through
 * wlr-foreign-toplevel-management, and can wait for one to appear. The
 * end-to-end tests judge titles (and app ids, with --app-ids) from here,
 * as a panel in dom0 would.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wayland-client.h>

#include "wlr-foreign-toplevel-management-unstable-v1-client-protocol.h"

#define MANAGER_MAX_VERSION 3
#define DEFAULT_TIMEOUT_S 10.0

enum {
	EXIT_WAIT_FAILED = 1,
	EXIT_SETUP_FAILED = 2,
};

struct toplevel {
	struct zwlr_foreign_toplevel_handle_v1 *handle;
	char *pending_title; // set by title events, applied at done
	char *title; // as of the last done event, NULL before the first
	char *pending_app_id; // set by app_id events, applied at done
	char *app_id; // as of the last done event, NULL if none yet
	struct state *state;
	struct wl_list link; // state::toplevels
};

struct state {
	struct wl_display *display;
	struct wl_registry *registry;
	struct zwlr_foreign_toplevel_manager_v1 *manager;
	struct wl_list toplevels; // toplevel::link
	bool finished;

	bool print_app_ids; // print "app_id\ttitle" lines
	double roundtrips_s; // > 0: time round trips for this long
	double stall_s; // > 0: read nothing for this long, then catch up
	long title_events; // title events received, every toplevel's
	long app_id_events; // app_id events likewise
	const char *wait_prefix; // NULL: do not wait for a title
	long wait_count; // negative: do not wait for a count
	double timeout_s;
};

static void toplevel_destroy(struct toplevel *toplevel)
{
	if (!toplevel) {
		return;
	}
	wl_list_remove(&toplevel->link);
	zwlr_foreign_toplevel_handle_v1_destroy(toplevel->handle);
	free(toplevel->pending_title);
	free(toplevel->title);
	free(toplevel->pending_app_id);
	free(toplevel->app_id);
	free(toplevel);
}

static void replace_string(char **field, const char *value)
{
	char *copy = strdup(value);
	if (!copy) {
		fprintf(stderr, "mullion-test-toplevels: out of memory\n");
		exit(EXIT_SETUP_FAILED);
	}
	free(*field);
	*field = copy;
}

static void handle_toplevel_title(void *data, struct zwlr_foreign_toplevel_handle_v1 *handle,
	const char *title)
{
	struct toplevel *toplevel = data;
	replace_string(&toplevel->pending_title, title);
	toplevel->state->title_events++;
}

static void handle_toplevel_app_id(void *data, struct zwlr_foreign_toplevel_handle_v1 *handle,
	const char *app_id)
{
	struct toplevel *toplevel = data;
	replace_string(&toplevel->pending_app_id, app_id);
	toplevel->state->app_id_events++;
}

static void handle_toplevel_output_enter(void *data, struct zwlr_foreign_toplevel_handle_v1 *handle,
	struct wl_output *output)
{
}

static void handle_toplevel_output_leave(void *data, struct zwlr_foreign_toplevel_handle_v1 *handle,
	struct wl_output *output)
{
}

static void handle_toplevel_state(void *data, struct zwlr_foreign_toplevel_handle_v1 *handle,
	struct wl_array *state)
{
}

static void handle_toplevel_done(void *data, struct zwlr_foreign_toplevel_handle_v1 *handle)
{
	struct toplevel *toplevel = data;
	if (toplevel->pending_app_id) {
		free(toplevel->app_id);
		toplevel->app_id = toplevel->pending_app_id;
		toplevel->pending_app_id = NULL;
	}
	if (!toplevel->pending_title) {
		// A done without a new title keeps the old one (or none yet).
		if (!toplevel->title) {
			toplevel->title = strdup("");
		}
		return;
	}
	free(toplevel->title);
	toplevel->title = toplevel->pending_title;
	toplevel->pending_title = NULL;
}

static void handle_toplevel_closed(void *data, struct zwlr_foreign_toplevel_handle_v1 *handle)
{
	toplevel_destroy(data);
}

static void handle_toplevel_parent(void *data, struct zwlr_foreign_toplevel_handle_v1 *handle,
	struct zwlr_foreign_toplevel_handle_v1 *parent)
{
}

static const struct zwlr_foreign_toplevel_handle_v1_listener toplevel_listener = {
	.title = handle_toplevel_title,
	.app_id = handle_toplevel_app_id,
	.output_enter = handle_toplevel_output_enter,
	.output_leave = handle_toplevel_output_leave,
	.state = handle_toplevel_state,
	.done = handle_toplevel_done,
	.closed = handle_toplevel_closed,
	.parent = handle_toplevel_parent,
};

static void handle_manager_toplevel(void *data, struct zwlr_foreign_toplevel_manager_v1 *manager,
	struct zwlr_foreign_toplevel_handle_v1 *handle)
{
	struct state *state = data;
	struct toplevel *toplevel = calloc(1, sizeof(*toplevel));
	if (!toplevel) {
		fprintf(stderr, "mullion-test-toplevels: out of memory\n");
		exit(EXIT_SETUP_FAILED);
	}
	toplevel->handle = handle;
	toplevel->state = state;
	wl_list_insert(state->toplevels.prev, &toplevel->link);
	zwlr_foreign_toplevel_handle_v1_add_listener(handle, &toplevel_listener, toplevel);
}

static void handle_manager_finished(void *data, struct zwlr_foreign_toplevel_manager_v1 *manager)
{
	struct state *state = data;
	state->finished = true;
}

static const struct zwlr_foreign_toplevel_manager_v1_listener manager_listener = {
	.toplevel = handle_manager_toplevel,
	.finished = handle_manager_finished,
};

static void handle_registry_global(void *data, struct wl_registry *registry, uint32_t name,
	const char *interface, uint32_t version)
{
	struct state *state = data;
	if (strcmp(interface, zwlr_foreign_toplevel_manager_v1_interface.name) != 0 ||
		state->manager) {
		return;
	}
	uint32_t bind_version = version < MANAGER_MAX_VERSION ? version : MANAGER_MAX_VERSION;
	state->manager = wl_registry_bind(registry, name,
		&zwlr_foreign_toplevel_manager_v1_interface, bind_version);
	zwlr_foreign_toplevel_manager_v1_add_listener(state->manager, &manager_listener, state);
}

static void handle_registry_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = handle_registry_global,
	.global_remove = handle_registry_global_remove,
};

static long count_announced(struct state *state)
{
	long count = 0;
	struct toplevel *toplevel;
	wl_list_for_each(toplevel, &state->toplevels, link) {
		if (toplevel->title) {
			count++;
		}
	}
	return count;
}

static bool prefix_seen(struct state *state)
{
	size_t len = strlen(state->wait_prefix);
	struct toplevel *toplevel;
	wl_list_for_each(toplevel, &state->toplevels, link) {
		if (toplevel->title && strncmp(toplevel->title, state->wait_prefix, len) == 0) {
			return true;
		}
	}
	return false;
}

static bool wait_satisfied(struct state *state)
{
	if (state->wait_prefix && !prefix_seen(state)) {
		return false;
	}
	if (state->wait_count >= 0 && count_announced(state) != state->wait_count) {
		return false;
	}
	return true;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Dispatches events until the wait condition holds or the deadline passes. */
static bool wait_dispatch(struct state *state)
{
	double deadline = now_s() + state->timeout_s;
	while (!wait_satisfied(state)) {
		if (state->finished) {
			fprintf(stderr,
				"mullion-test-toplevels: the compositor finished the toplevel manager\n");
			return false;
		}
		double left = deadline - now_s();
		if (left <= 0) {
			return false;
		}

		while (wl_display_prepare_read(state->display) != 0) {
			if (wl_display_dispatch_pending(state->display) < 0) {
				goto connection_error;
			}
		}
		if (wl_display_flush(state->display) < 0 && errno != EAGAIN) {
			wl_display_cancel_read(state->display);
			goto connection_error;
		}
		struct pollfd pfd = {
			.fd = wl_display_get_fd(state->display),
			.events = POLLIN,
		};
		// Round up so a wait never ends a hair before its deadline.
		int ret = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (ret < 0 && errno != EINTR) {
			wl_display_cancel_read(state->display);
			perror("mullion-test-toplevels: poll");
			return false;
		}
		if (ret <= 0) {
			wl_display_cancel_read(state->display);
			continue;
		}
		if (wl_display_read_events(state->display) < 0 ||
			wl_display_dispatch_pending(state->display) < 0) {
			goto connection_error;
		}
	}
	return true;

connection_error:
	fprintf(stderr, "mullion-test-toplevels: lost the connection to the compositor: %s\n",
		strerror(errno));
	return false;
}

/*
 * Round trips, one every 10 ms for the given time: how long the compositor
 * takes to answer a dom0 client while it is busy. Each round trip reads
 * every event queued before it, so this client never falls behind.
 */
static bool time_roundtrips(struct state *state)
{
	double deadline = now_s() + state->roundtrips_s;
	double max_s = 0;
	long count = 0;
	long titles_before = state->title_events;
	long app_ids_before = state->app_id_events;
	while (now_s() < deadline) {
		double start = now_s();
		if (wl_display_roundtrip(state->display) < 0) {
			fprintf(stderr,
				"mullion-test-toplevels: lost the connection to the compositor after %ld round trips: %s\n",
				count, strerror(errno));
			return false;
		}
		double took = now_s() - start;
		max_s = took > max_s ? took : max_s;
		count++;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	printf("roundtrips %ld max_ms %.1f title_events %ld app_id_events %ld\n", count,
		max_s * 1000, state->title_events - titles_before,
		state->app_id_events - app_ids_before);
	return true;
}

/*
 * A panel that stops reading (busy, swapped out, stopped in a debugger)
 * for the given time: the compositor's events pile up in the socket. Then
 * it reads them all; the connection must still be there.
 */
static bool stall(struct state *state)
{
	long titles_before = state->title_events;
	printf("stalling\n");
	fflush(stdout);
	double seconds = state->stall_s;
	nanosleep(&(struct timespec){ .tv_sec = (time_t)seconds,
			  .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9) },
		NULL);
	if (wl_display_roundtrip(state->display) < 0) {
		fprintf(stderr,
			"mullion-test-toplevels: lost the connection to the compositor while not reading for %.1f s: %s\n",
			seconds, strerror(errno));
		return false;
	}
	printf("stalled %.1f s title_events %ld\n", seconds, state->title_events - titles_before);
	return true;
}

static void print_titles(struct state *state, FILE *out, const char *indent)
{
	struct toplevel *toplevel;
	wl_list_for_each(toplevel, &state->toplevels, link) {
		if (!toplevel->title) {
			continue;
		}
		if (state->print_app_ids && out == stdout) {
			fprintf(out, "%s%s\t%s\n", indent, toplevel->app_id ? toplevel->app_id : "",
				toplevel->title);
		} else {
			fprintf(out, "%s%s\n", indent, toplevel->title);
		}
	}
}

static void report_wait_failure(struct state *state)
{
	if (state->finished) {
		fprintf(stderr, "mullion-test-toplevels: gave up waiting for");
	} else {
		fprintf(stderr, "mullion-test-toplevels: timed out after %.1f s waiting for",
			state->timeout_s);
	}
	if (state->wait_prefix) {
		fprintf(stderr, " a title starting with \"%s\"", state->wait_prefix);
	}
	if (state->wait_prefix && state->wait_count >= 0) {
		fprintf(stderr, " and");
	}
	if (state->wait_count >= 0) {
		fprintf(stderr, " exactly %ld toplevel(s)", state->wait_count);
	}
	long seen = count_announced(state);
	fprintf(stderr, "; %ld toplevel(s) seen%s\n", seen, seen ? ":" : "");
	print_titles(state, stderr, "  ");
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: mullion-test-toplevels [--wait-prefix P] [--count N] [--timeout SECONDS]\n"
		"                              [--app-ids]\n"
		"\n"
		"Prints the title of each toplevel the compositor announces over\n"
		"wlr-foreign-toplevel-management, one per line.\n"
		"\n"
		"  -a, --app-ids         print each one's app id, a tab, then its title\n"
		"  -r, --roundtrips S    for S seconds, time a round trip every 10 ms\n"
		"                        (reading every event, as a panel would), then\n"
		"                        print \"roundtrips N max_ms M title_events T\n"
		"                        app_id_events A\" instead (what came meanwhile)\n"
		"  -s, --stall S         print \"stalling\", read nothing for S seconds,\n"
		"                        then read everything and print \"stalled S\n"
		"                        title_events T\" (2: the compositor dropped us)\n"
		"  -p, --wait-prefix P   wait until a title starting with P exists\n"
		"  -n, --count N         wait until exactly N toplevels exist\n"
		"  -t, --timeout S       give up waiting after S seconds (default %.0f)\n"
		"  -h, --help            show this help\n"
		"\n"
		"Exit status: 0 done, 1 the wait timed out, 2 usage or connection error.\n",
		DEFAULT_TIMEOUT_S);
}

static bool parse_args(struct state *state, int argc, char *argv[])
{
	static const struct option options[] = {
		{ "wait-prefix", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "app-ids", no_argument, NULL, 'a' },
		{ "roundtrips", required_argument, NULL, 'r' },
		{ "stall", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char *end;
	int opt;
	while ((opt = getopt_long(argc, argv, "p:n:t:ar:s:h", options, NULL)) != -1) {
		switch (opt) {
		case 'p':
			state->wait_prefix = optarg;
			break;
		case 'n':
			errno = 0;
			state->wait_count = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || state->wait_count < 0) {
				fprintf(stderr, "mullion-test-toplevels: bad count \"%s\"\n",
					optarg);
				return false;
			}
			break;
		case 't':
			errno = 0;
			state->timeout_s = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(state->timeout_s >= 0) ||
				state->timeout_s > 86400) {
				fprintf(stderr, "mullion-test-toplevels: bad timeout \"%s\"\n",
					optarg);
				return false;
			}
			break;
		case 'a':
			state->print_app_ids = true;
			break;
		case 'r':
			errno = 0;
			state->roundtrips_s = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(state->roundtrips_s > 0) ||
				state->roundtrips_s > 3600) {
				fprintf(stderr, "mullion-test-toplevels: bad duration \"%s\"\n",
					optarg);
				return false;
			}
			break;
		case 's':
			errno = 0;
			state->stall_s = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(state->stall_s > 0) ||
				state->stall_s > 3600) {
				fprintf(stderr, "mullion-test-toplevels: bad duration \"%s\"\n",
					optarg);
				return false;
			}
			break;
		case 'h':
			usage(stdout);
			exit(EXIT_SUCCESS);
		default:
			usage(stderr);
			return false;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mullion-test-toplevels: unexpected argument \"%s\"\n",
			argv[optind]);
		usage(stderr);
		return false;
	}
	return true;
}

int main(int argc, char *argv[])
{
	struct state state = {
		.wait_count = -1,
		.timeout_s = DEFAULT_TIMEOUT_S,
	};
	wl_list_init(&state.toplevels);
	int status = EXIT_SETUP_FAILED;

	if (!parse_args(&state, argc, argv)) {
		return EXIT_SETUP_FAILED;
	}

	state.display = wl_display_connect(NULL);
	if (!state.display) {
		fprintf(stderr,
			"mullion-test-toplevels: cannot connect to the Wayland display \"%s\": %s\n",
			getenv("WAYLAND_DISPLAY") ? getenv("WAYLAND_DISPLAY") : "(unset)",
			strerror(errno));
		return EXIT_SETUP_FAILED;
	}
	state.registry = wl_display_get_registry(state.display);
	wl_registry_add_listener(state.registry, &registry_listener, &state);
	if (wl_display_roundtrip(state.display) < 0) {
		fprintf(stderr, "mullion-test-toplevels: registry roundtrip failed\n");
		goto out;
	}
	if (!state.manager) {
		fprintf(stderr,
			"mullion-test-toplevels: compositor does not offer %s to this client\n",
			zwlr_foreign_toplevel_manager_v1_interface.name);
		goto out;
	}
	// The second roundtrip collects the handles and their first done events.
	if (wl_display_roundtrip(state.display) < 0 || wl_display_roundtrip(state.display) < 0) {
		fprintf(stderr, "mullion-test-toplevels: roundtrip failed\n");
		goto out;
	}

	if (state.wait_prefix || state.wait_count >= 0) {
		if (!wait_dispatch(&state)) {
			report_wait_failure(&state);
			status = EXIT_WAIT_FAILED;
			goto out;
		}
	}
	if (state.stall_s > 0) {
		if (!stall(&state)) {
			goto out;
		}
	} else if (state.roundtrips_s > 0) {
		if (!time_roundtrips(&state)) {
			goto out;
		}
	} else {
		print_titles(&state, stdout, "");
	}
	fflush(stdout);
	status = EXIT_SUCCESS;

out:;
	struct toplevel *toplevel, *tmp;
	wl_list_for_each_safe(toplevel, tmp, &state.toplevels, link) {
		toplevel_destroy(toplevel);
	}
	if (state.manager) {
		zwlr_foreign_toplevel_manager_v1_destroy(state.manager);
	}
	wl_registry_destroy(state.registry);
	wl_display_disconnect(state.display);
	return status;
}
