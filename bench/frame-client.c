/*
 * A Wayland client that pushes frames as fast as the compositor lets it,
 * for the benchmark: three wl_shm buffers, fresh incompressible pixels in
 * the damaged region of each frame, one frame per frame callback, and
 * wp_presentation feedback for commit-to-present latency. After a
 * warm-up it prints its figures as `key=value` lines.
 *
 * bench/run reads its stdout as it goes: `pid=N` first, `phase=measure`
 * when the warm-up ends and `phase=done` when the last measured frame is
 * in, so it can sample the other processes' CPU time at the same moments.
 * The measured loop allocates nothing: every slot is made before it.
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <wayland-client.h>

#include "presentation-time-client-protocol.h"
#include "xdg-shell-client-protocol.h"

#define BUFFER_COUNT 3
#define BOX_SIZE 64
/* Independent generators filled side by side: the compiler turns the
 * inner loop into vector code, so drawing costs about what a memcpy of
 * the same bytes does and the figures are about the path, not the
 * client. */
#define RNG_LANES 8

struct frame_buffer {
	struct wl_buffer *wl_buffer;
	uint32_t *pixels;
	bool busy;
};

struct client;

/* One measured frame: commit time, then commit-to-present latency. */
struct latency_slot {
	struct client *client;
	double value_ms; // < 0: discarded
	bool done;
};

struct client {
	struct wl_display *display;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wp_presentation *presentation;
	clockid_t presentation_clock;

	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *xdg_toplevel;
	bool configured;
	bool frame_pending;
	bool closed;

	int width, height;
	bool full_damage;
	struct frame_buffer buffers[BUFFER_COUNT];
	uint32_t rng[RNG_LANES];
	int box_x, box_y, box_dx, box_dy;

	int warmup, frames, frame_index;
	/* Time limits of the warm-up and the measurement; 0: none. */
	double warmup_s, measure_s;
	bool hold;
	bool measuring;
	int measured; /* frames committed while measuring */
	struct timespec start, end, warmup_start;
	struct rusage start_usage, end_usage;
	struct latency_slot *slots;
	/* Commit to frame callback, for every measured frame: the one
	 * latency every path reports the same way. */
	double *frame_latencies_ms;
	double *latencies_ms;
	struct timespec commit_time; /* of the frame waiting for its callback */
	int presented, discarded;
};

static double timespec_ms(const struct timespec *ts)
{
	return (double)ts->tv_sec * 1e3 + (double)ts->tv_nsec / 1e6;
}

static double elapsed_s(const struct timespec *from)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (timespec_ms(&now) - timespec_ms(from)) / 1e3;
}

static inline uint32_t xorshift32(uint32_t x)
{
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

/* xorshift: cheap, and defeats any compression or diffing on the way. */
static void fill_random(struct client *client, uint32_t *pixels, int x, int y, int width,
	int height)
{
	uint32_t lanes[RNG_LANES];
	memcpy(lanes, client->rng, sizeof(lanes));
	for (int row = y; row < y + height; row++) {
		uint32_t *line = pixels + (size_t)row * client->width + x;
		int col = 0;
		for (; col + RNG_LANES <= width; col += RNG_LANES) {
			for (int l = 0; l < RNG_LANES; l++) {
				lanes[l] = xorshift32(lanes[l]);
				line[col + l] = lanes[l] | 0xff000000u;
			}
		}
		for (; col < width; col++) {
			lanes[0] = xorshift32(lanes[0]);
			line[col] = lanes[0] | 0xff000000u;
		}
	}
	memcpy(client->rng, lanes, sizeof(lanes));
}

static void handle_buffer_release(void *data, struct wl_buffer *wl_buffer)
{
	struct frame_buffer *buffer = data;
	buffer->busy = false;
}

static const struct wl_buffer_listener buffer_listener = {
	.release = handle_buffer_release,
};

static bool create_buffers(struct client *client)
{
	size_t stride = (size_t)client->width * 4;
	size_t size = stride * (size_t)client->height;
	int fd = memfd_create("frame-client", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)(size * BUFFER_COUNT)) < 0) {
		perror("frame-client: memfd");
		return false;
	}
	uint8_t *data = mmap(NULL, size * BUFFER_COUNT, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (data == MAP_FAILED) {
		perror("frame-client: mmap");
		close(fd);
		return false;
	}
	struct wl_shm_pool *pool =
		wl_shm_create_pool(client->shm, fd, (int32_t)(size * BUFFER_COUNT));
	for (int i = 0; i < BUFFER_COUNT; i++) {
		struct frame_buffer *buffer = &client->buffers[i];
		buffer->pixels = (uint32_t *)(data + size * i);
		buffer->wl_buffer = wl_shm_pool_create_buffer(pool, (int32_t)(size * i),
			client->width, client->height, (int32_t)stride, WL_SHM_FORMAT_XRGB8888);
		wl_buffer_add_listener(buffer->wl_buffer, &buffer_listener, buffer);
		fill_random(client, buffer->pixels, 0, 0, client->width, client->height);
	}
	wl_shm_pool_destroy(pool);
	close(fd);
	return true;
}

static void handle_presented(void *data, struct wp_presentation_feedback *feedback,
	uint32_t tv_sec_hi, uint32_t tv_sec_lo, uint32_t tv_nsec, uint32_t refresh, uint32_t seq_hi,
	uint32_t seq_lo, uint32_t flags)
{
	struct latency_slot *slot = data;
	struct timespec presented = {
		.tv_sec = (time_t)(((uint64_t)tv_sec_hi << 32) | tv_sec_lo),
		.tv_nsec = tv_nsec,
	};
	slot->value_ms = timespec_ms(&presented) - slot->value_ms;
	slot->done = true;
	slot->client->presented++;
	wp_presentation_feedback_destroy(feedback);
}

static void handle_discarded(void *data, struct wp_presentation_feedback *feedback)
{
	struct latency_slot *slot = data;
	slot->value_ms = -1;
	slot->done = true;
	slot->client->discarded++;
	wp_presentation_feedback_destroy(feedback);
}

static void handle_sync_output(void *data, struct wp_presentation_feedback *feedback,
	struct wl_output *output)
{
}

static const struct wp_presentation_feedback_listener feedback_listener = {
	.sync_output = handle_sync_output,
	.presented = handle_presented,
	.discarded = handle_discarded,
};

static void handle_frame_done(void *data, struct wl_callback *callback, uint32_t time)
{
	struct client *client = data;
	wl_callback_destroy(callback);
	client->frame_pending = false;
	if (client->measuring && client->measured > 0) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		client->frame_latencies_ms[client->measured - 1] =
			timespec_ms(&now) - timespec_ms(&client->commit_time);
	}
}

static const struct wl_callback_listener frame_listener = {
	.done = handle_frame_done,
};

static struct frame_buffer *free_buffer(struct client *client)
{
	for (int i = 0; i < BUFFER_COUNT; i++) {
		if (!client->buffers[i].busy) {
			return &client->buffers[i];
		}
	}
	return NULL;
}

static void draw_frame(struct client *client)
{
	struct frame_buffer *buffer = free_buffer(client);
	if (!buffer) {
		return; /* wait for a release */
	}

	int x = 0, y = 0, width = client->width, height = client->height;
	if (!client->full_damage) {
		/* Bounce a box around, so damage moves but stays one box. */
		client->box_x += client->box_dx;
		client->box_y += client->box_dy;
		if (client->box_x < 0 || client->box_x > client->width - BOX_SIZE) {
			client->box_dx = -client->box_dx;
			client->box_x += 2 * client->box_dx;
		}
		if (client->box_y < 0 || client->box_y > client->height - BOX_SIZE) {
			client->box_dy = -client->box_dy;
			client->box_y += 2 * client->box_dy;
		}
		x = client->box_x;
		y = client->box_y;
		width = height = BOX_SIZE;
	}
	fill_random(client, buffer->pixels, x, y, width, height);

	wl_surface_attach(client->surface, buffer->wl_buffer, 0, 0);
	wl_surface_damage_buffer(client->surface, x, y, width, height);
	struct wl_callback *callback = wl_surface_frame(client->surface);
	wl_callback_add_listener(callback, &frame_listener, client);
	client->frame_pending = true;

	if (client->measuring && client->presentation) {
		struct wp_presentation_feedback *feedback =
			wp_presentation_feedback(client->presentation, client->surface);
		struct latency_slot *slot = &client->slots[client->measured];
		struct timespec now;
		clock_gettime(client->presentation_clock, &now);
		slot->client = client;
		slot->value_ms = timespec_ms(&now);
		wp_presentation_feedback_add_listener(feedback, &feedback_listener, slot);
	}
	clock_gettime(CLOCK_MONOTONIC, &client->commit_time);
	wl_surface_commit(client->surface);
	buffer->busy = true;
	client->frame_index++;
	if (client->measuring) {
		client->measured++;
	}
}

static void start_measuring(struct client *client)
{
	client->measuring = true;
	printf("phase=measure\n");
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &client->start);
	getrusage(RUSAGE_SELF, &client->start_usage);
}

static void stop_measuring(struct client *client)
{
	clock_gettime(CLOCK_MONOTONIC, &client->end);
	getrusage(RUSAGE_SELF, &client->end_usage);
	client->measuring = false;
}

/* Whether the next frame is still part of the run; moves from warm-up to
 * measurement to the end as the limits say. */
static bool next_frame_wanted(struct client *client)
{
	if (!client->measuring && client->measured == 0) {
		bool warm = client->frame_index >= client->warmup ||
			(client->warmup_s > 0 &&
				elapsed_s(&client->warmup_start) >= client->warmup_s);
		if (warm) {
			start_measuring(client);
		}
		return true;
	}
	if (!client->measuring) {
		return false;
	}
	if (client->measured >= client->frames ||
		(client->measure_s > 0 && elapsed_s(&client->start) >= client->measure_s)) {
		stop_measuring(client);
		return false;
	}
	return true;
}

static void handle_xdg_surface_configure(void *data, struct xdg_surface *xdg_surface,
	uint32_t serial)
{
	struct client *client = data;
	xdg_surface_ack_configure(xdg_surface, serial);
	client->configured = true;
}

static const struct xdg_surface_listener xdg_surface_listener = {
	.configure = handle_xdg_surface_configure,
};

static void handle_toplevel_configure(void *data, struct xdg_toplevel *toplevel, int32_t width,
	int32_t height, struct wl_array *states)
{
}

static void handle_toplevel_close(void *data, struct xdg_toplevel *toplevel)
{
	struct client *client = data;
	client->closed = true;
}

static const struct xdg_toplevel_listener toplevel_listener = {
	.configure = handle_toplevel_configure,
	.close = handle_toplevel_close,
};

static void handle_wm_base_ping(void *data, struct xdg_wm_base *wm_base, uint32_t serial)
{
	xdg_wm_base_pong(wm_base, serial);
}

static const struct xdg_wm_base_listener wm_base_listener = {
	.ping = handle_wm_base_ping,
};

static void handle_presentation_clock(void *data, struct wp_presentation *presentation,
	uint32_t clk_id)
{
	struct client *client = data;
	client->presentation_clock = (clockid_t)clk_id;
}

static const struct wp_presentation_listener presentation_listener = {
	.clock_id = handle_presentation_clock,
};

static void handle_global(void *data, struct wl_registry *registry, uint32_t name,
	const char *interface, uint32_t version)
{
	struct client *client = data;
	if (strcmp(interface, wl_compositor_interface.name) == 0) {
		client->compositor = wl_registry_bind(registry, name, &wl_compositor_interface, 4);
	} else if (strcmp(interface, wl_shm_interface.name) == 0) {
		client->shm = wl_registry_bind(registry, name, &wl_shm_interface, 1);
	} else if (strcmp(interface, xdg_wm_base_interface.name) == 0) {
		client->wm_base = wl_registry_bind(registry, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(client->wm_base, &wm_base_listener, client);
	} else if (strcmp(interface, wp_presentation_interface.name) == 0) {
		client->presentation =
			wl_registry_bind(registry, name, &wp_presentation_interface, 1);
		wp_presentation_add_listener(client->presentation, &presentation_listener, client);
	}
}

static void handle_global_remove(void *data, struct wl_registry *registry, uint32_t name)
{
}

static const struct wl_registry_listener registry_listener = {
	.global = handle_global,
	.global_remove = handle_global_remove,
};

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double rusage_ms(const struct rusage *usage)
{
	return ((double)usage->ru_utime.tv_sec + (double)usage->ru_stime.tv_sec) * 1e3 +
		((double)usage->ru_utime.tv_usec + (double)usage->ru_stime.tv_usec) / 1e3;
}

/* values[0..count) sorted in place; p in [0, 1]. -1 if empty. */
static double percentile(double *values, int count, double p)
{
	if (count == 0) {
		return -1;
	}
	qsort(values, (size_t)count, sizeof(double), compare_double);
	int i = (int)(p * count);
	return values[i < count ? i : count - 1];
}

static void print_results(struct client *client)
{
	int frames = client->measured;
	double elapsed_ms = timespec_ms(&client->end) - timespec_ms(&client->start);
	double cpu_ms = rusage_ms(&client->end_usage) - rusage_ms(&client->start_usage);

	/* Only frames whose feedback said "presented" count. */
	int count = 0, missing = 0;
	for (int i = 0; i < frames; i++) {
		const struct latency_slot *slot = &client->slots[i];
		if (!slot->client || !slot->done) {
			missing++;
		} else if (slot->value_ms >= 0 && slot->value_ms < 1e6) {
			client->latencies_ms[count++] = slot->value_ms;
		}
	}
	double p50 = percentile(client->latencies_ms, count, 0.5);
	double p99 = percentile(client->latencies_ms, count, 0.99);
	/* The last frame's callback ends the run, so every one has one. */
	double f50 = percentile(client->frame_latencies_ms, frames, 0.5);
	double f99 = percentile(client->frame_latencies_ms, frames, 0.99);

	printf("size=%dx%d\n", client->width, client->height);
	printf("damage=%s\n", client->full_damage ? "full" : "box64");
	printf("frames=%d\n", frames);
	printf("elapsed_ms=%.3f\n", elapsed_ms);
	printf("fps=%.2f\n", frames / (elapsed_ms / 1e3));
	printf("presentation=%s\n", client->presentation ? "yes" : "no");
	printf("presented=%d\n", client->presented);
	printf("discarded=%d\n", client->discarded);
	printf("feedback_missing=%d\n", client->presentation ? missing : frames);
	printf("latency_p50_ms=%.3f\n", p50);
	printf("latency_p99_ms=%.3f\n", p99);
	printf("frame_latency_p50_ms=%.3f\n", f50);
	printf("frame_latency_p99_ms=%.3f\n", f99);
	printf("client_cpu_ms_per_frame=%.4f\n", frames ? cpu_ms / frames : -1);
	printf("client_cpu_ms=%.3f\n", cpu_ms);
	fflush(stdout);
}

static const char usage[] =
	"Usage: mullion-frame-client [--size WxH] [--damage full|box]\n"
	"                            [--frames N] [--warmup N] [--seconds S]\n"
	"                            [--warmup-seconds S] [--hold]\n"
	"Pushes frames as fast as frame callbacks allow and prints fps,\n"
	"commit-to-present latency and CPU per frame as key=value lines.\n"
	"\n"
	"  --frames N           measure at most N frames (default 300)\n"
	"  --seconds S          ... and for at most S seconds\n"
	"  --warmup N           warm up for N frames (default 30)\n"
	"  --warmup-seconds S   ... or S seconds, whichever ends first\n"
	"  --hold               after the results, wait for a signal to exit\n"
	"                       (so a runner can read /proc meanwhile)\n";

static double parse_seconds(const char *text)
{
	char *end;
	double value = strtod(text, &end);
	return (end == text || *end != '\0' || !(value >= 0)) ? -1 : value;
}

int main(int argc, char *argv[])
{
	struct client client = {
		.width = 1280,
		.height = 720,
		.full_damage = true,
		.frames = 300,
		.warmup = 30,
		.box_dx = 7,
		.box_dy = 5,
		.presentation_clock = CLOCK_MONOTONIC,
	};
	static const struct option options[] = {
		{ "size", required_argument, NULL, 's' },
		{ "damage", required_argument, NULL, 'd' },
		{ "frames", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "seconds", required_argument, NULL, 'S' },
		{ "warmup-seconds", required_argument, NULL, 'W' },
		{ "hold", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "s:d:n:w:h", options, NULL)) != -1) {
		switch (c) {
		case 's':
			if (sscanf(optarg, "%dx%d", &client.width, &client.height) != 2 ||
				client.width < BOX_SIZE || client.height < BOX_SIZE ||
				client.width > 8192 || client.height > 8192) {
				fprintf(stderr, "frame-client: bad size %s\n", optarg);
				return 2;
			}
			break;
		case 'd':
			client.full_damage = strcmp(optarg, "full") == 0;
			break;
		case 'n':
			client.frames = atoi(optarg);
			break;
		case 'w':
			client.warmup = atoi(optarg);
			break;
		case 'S':
			client.measure_s = parse_seconds(optarg);
			break;
		case 'W':
			client.warmup_s = parse_seconds(optarg);
			break;
		case 'H':
			client.hold = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (client.frames <= 0 || client.warmup < 0 || client.measure_s < 0 ||
		client.warmup_s < 0) {
		fputs(usage, stderr);
		return 2;
	}
	for (int i = 0; i < RNG_LANES; i++) {
		/* Any nonzero seeds; distinct so the lanes differ. */
		client.rng[i] = 0x9e3779b9u * (uint32_t)(i + 1);
	}
	/* Before any frame, and touched, so measuring allocates nothing. */
	client.slots = calloc((size_t)client.frames, sizeof(*client.slots));
	client.latencies_ms = calloc((size_t)client.frames, sizeof(double));
	client.frame_latencies_ms = calloc((size_t)client.frames, sizeof(double));
	if (!client.slots || !client.latencies_ms || !client.frame_latencies_ms) {
		fprintf(stderr, "frame-client: out of memory\n");
		return 1;
	}

	printf("pid=%d\n", (int)getpid());
	fflush(stdout);
	client.display = wl_display_connect(NULL);
	if (!client.display) {
		fprintf(stderr, "frame-client: cannot connect to Wayland\n");
		return 1;
	}
	struct wl_registry *registry = wl_display_get_registry(client.display);
	wl_registry_add_listener(registry, &registry_listener, &client);
	wl_display_roundtrip(client.display);
	wl_display_roundtrip(client.display);
	if (!client.compositor || !client.shm || !client.wm_base) {
		fprintf(stderr, "frame-client: missing core globals\n");
		return 1;
	}
	if (!client.presentation) {
		fprintf(stderr, "frame-client: no wp_presentation; latency will not be measured\n");
	}

	client.surface = wl_compositor_create_surface(client.compositor);
	client.xdg_surface = xdg_wm_base_get_xdg_surface(client.wm_base, client.surface);
	xdg_surface_add_listener(client.xdg_surface, &xdg_surface_listener, &client);
	client.xdg_toplevel = xdg_surface_get_toplevel(client.xdg_surface);
	xdg_toplevel_add_listener(client.xdg_toplevel, &toplevel_listener, &client);
	xdg_toplevel_set_title(client.xdg_toplevel, "frame-client");
	wl_surface_commit(client.surface);
	while (!client.configured && wl_display_dispatch(client.display) >= 0) {
	}
	if (!create_buffers(&client)) {
		return 1;
	}

	clock_gettime(CLOCK_MONOTONIC, &client.warmup_start);
	while (!client.closed) {
		if (!client.frame_pending) {
			if (!next_frame_wanted(&client)) {
				break;
			}
			draw_frame(&client);
		}
		if (wl_display_dispatch(client.display) < 0) {
			fprintf(stderr, "frame-client: connection lost\n");
			return 1;
		}
	}
	if (client.measuring) {
		stop_measuring(&client); /* closed early */
	}
	printf("phase=done\n");
	fflush(stdout);
	/* Let the last feedback arrive before reporting: a presentation
	 * may come a little after its frame callback. */
	for (int i = 0; i < 100 && client.presentation &&
		client.presented + client.discarded < client.measured;
		i++) {
		struct pollfd pfd = {
			.fd = wl_display_get_fd(client.display),
			.events = POLLIN,
		};
		wl_display_flush(client.display);
		if (poll(&pfd, 1, 10) > 0 && wl_display_dispatch(client.display) < 0) {
			break;
		}
	}
	wl_display_roundtrip(client.display);
	print_results(&client);

	if (client.hold) {
		/* The default action of the signal that ends the wait ends
		 * the process too. */
		pause();
	}
	wl_display_disconnect(client.display);
	free(client.frame_latencies_ms);
	free(client.latencies_ms);
	free(client.slots);
	return 0;
}
