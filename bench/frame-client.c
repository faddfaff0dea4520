/*
 * A Wayland client that pushes frames as fast as the compositor lets it,
 * for the benchmark: three wl_shm buffers per window, fresh
 * incompressible pixels in the damaged region of each frame, one frame
 * per frame callback (or at most --rate a second), and wp_presentation
 * feedback for commit-to-present latency. After a warm-up it prints its
 * figures as `key=value` lines.
 *
 * bench/run reads its stdout as it goes: `pid=N` first, `phase=measure`
 * when the warm-up ends and `phase=done` when the last measured frame is
 * in, so it can sample the other processes' CPU time at the same moments.
 * The measured loop allocates nothing: every slot is made before it.
 *
 * With --windows N it opens N windows, each its own surface, buffers and
 * frame pacing (the scale case: many small windows at 60 Hz). With
 * --solid each frame is one colour, different from the last one's (the
 * tearing test: a screenshot must never show two colours in a window).
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
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
#define MAX_WINDOWS 256
/* Independent generators filled side by side: the compiler turns the
 * inner loop into vector code, so drawing costs about what a memcpy of
 * the same bytes does and the figures are about the path, not the
 * client. */
#define RNG_LANES 8

/* --solid's colours, in turn: far apart, so that a mix is obvious. */
static const uint32_t solid_colours[] = {
	0xffff0000u,
	0xff00ff00u,
	0xff0000ffu,
	0xffffff00u,
	0xff00ffffu,
	0xffff00ffu,
};
#define SOLID_COLOURS (sizeof(solid_colours) / sizeof(solid_colours[0]))

struct frame_buffer {
	struct wl_buffer *wl_buffer;
	uint32_t *pixels;
	bool busy;
};

struct client;
struct window;

/* One measured frame: commit time, then commit-to-present latency. */
struct latency_slot {
	struct window *window;
	double value_ms; // < 0: discarded
	bool done;
};

struct window {
	struct client *client;
	int index;
	struct wl_surface *surface;
	struct xdg_surface *xdg_surface;
	struct xdg_toplevel *xdg_toplevel;
	bool configured;
	bool frame_pending;
	struct frame_buffer buffers[BUFFER_COUNT];
	int box_x, box_y, box_dx, box_dy;
	int frame_index;
	/* --rate: when the next frame is due (CLOCK_MONOTONIC, ms). */
	double next_due_ms;

	int measured; /* frames committed while measuring */
	/* When the first and the last of them were committed (ms): a window
	 * hidden for part of the run draws at its rate only while in view. */
	double first_measured_ms, last_measured_ms;
	/* The measured frame waiting for its callback; -1 if none. */
	int callback_slot;
	struct timespec commit_time; /* of the frame waiting for its callback */
	struct latency_slot *slots;
	/* Commit to frame callback, for every measured frame: the one
	 * latency every path reports the same way. */
	double *frame_latencies_ms;
};

struct client {
	struct wl_display *display;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm_base;
	struct wp_presentation *presentation;
	clockid_t presentation_clock;
	bool closed;

	int width, height;
	bool full_damage;
	bool solid;
	double rate; /* frames a second per window; 0: as fast as allowed */
	/* Commit at rate without waiting for frame callbacks (a client that
	 * ignores them; the server must not copy more for it). */
	bool unpaced;
	int window_count;
	struct window windows[MAX_WINDOWS];
	uint32_t rng[RNG_LANES];

	int warmup, frames;
	/* Time limits of the warm-up and the measurement; 0: none. */
	double warmup_s, measure_s;
	bool hold;
	bool measuring, measured_done;
	struct timespec start, end, warmup_start;
	struct rusage start_usage, end_usage;
	double *latencies_ms; /* scratch for the percentiles */
	int presented, discarded;
};

/* SIGUSR2: end the measurement now (bench/run's scale case, which
 * samples the other processes over one interval for every client). */
static volatile sig_atomic_t stop_requested;

static void handle_stop_signal(int signal)
{
	(void)signal;
	stop_requested = 1;
}

static double timespec_ms(const struct timespec *ts)
{
	return (double)ts->tv_sec * 1e3 + (double)ts->tv_nsec / 1e6;
}

static double now_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return timespec_ms(&now);
}

static double elapsed_s(const struct timespec *from)
{
	return (now_ms() - timespec_ms(from)) / 1e3;
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

static void fill_solid(struct client *client, uint32_t *pixels, uint32_t colour)
{
	size_t count = (size_t)client->width * (size_t)client->height;
	for (size_t i = 0; i < count; i++) {
		pixels[i] = colour;
	}
}

static void handle_buffer_release(void *data, struct wl_buffer *wl_buffer)
{
	struct frame_buffer *buffer = data;
	buffer->busy = false;
}

static const struct wl_buffer_listener buffer_listener = {
	.release = handle_buffer_release,
};

static bool create_buffers(struct window *window)
{
	struct client *client = window->client;
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
		struct frame_buffer *buffer = &window->buffers[i];
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
	slot->window->client->presented++;
	wp_presentation_feedback_destroy(feedback);
}

static void handle_discarded(void *data, struct wp_presentation_feedback *feedback)
{
	struct latency_slot *slot = data;
	slot->value_ms = -1;
	slot->done = true;
	slot->window->client->discarded++;
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
	struct window *window = data;
	wl_callback_destroy(callback);
	window->frame_pending = false;
	if (window->callback_slot >= 0) {
		window->frame_latencies_ms[window->callback_slot] =
			now_ms() - timespec_ms(&window->commit_time);
		window->callback_slot = -1;
	}
}

static const struct wl_callback_listener frame_listener = {
	.done = handle_frame_done,
};

static struct frame_buffer *free_buffer(struct window *window)
{
	for (int i = 0; i < BUFFER_COUNT; i++) {
		if (!window->buffers[i].busy) {
			return &window->buffers[i];
		}
	}
	return NULL;
}

/* Draws and commits the window's next frame; false if no buffer is free
 * (the next release comes back). */
static bool draw_frame(struct window *window)
{
	struct client *client = window->client;
	struct frame_buffer *buffer = free_buffer(window);
	if (!buffer) {
		return false;
	}

	int x = 0, y = 0, width = client->width, height = client->height;
	if (client->solid) {
		fill_solid(client, buffer->pixels,
			solid_colours[(size_t)window->frame_index % SOLID_COLOURS]);
	} else {
		if (!client->full_damage) {
			/* Bounce a box around, so damage moves but stays one box. */
			window->box_x += window->box_dx;
			window->box_y += window->box_dy;
			if (window->box_x < 0 || window->box_x > client->width - BOX_SIZE) {
				window->box_dx = -window->box_dx;
				window->box_x += 2 * window->box_dx;
			}
			if (window->box_y < 0 || window->box_y > client->height - BOX_SIZE) {
				window->box_dy = -window->box_dy;
				window->box_y += 2 * window->box_dy;
			}
			x = window->box_x;
			y = window->box_y;
			width = height = BOX_SIZE;
		}
		fill_random(client, buffer->pixels, x, y, width, height);
	}

	wl_surface_attach(window->surface, buffer->wl_buffer, 0, 0);
	wl_surface_damage_buffer(window->surface, x, y, width, height);
	struct wl_callback *callback = wl_surface_frame(window->surface);
	wl_callback_add_listener(callback, &frame_listener, window);
	window->frame_pending = true;
	window->callback_slot = -1;

	if (client->measuring && window->measured < client->frames) {
		if (client->presentation) {
			struct wp_presentation_feedback *feedback =
				wp_presentation_feedback(client->presentation, window->surface);
			struct latency_slot *slot = &window->slots[window->measured];
			struct timespec now;
			clock_gettime(client->presentation_clock, &now);
			slot->window = window;
			slot->value_ms = timespec_ms(&now);
			wp_presentation_feedback_add_listener(feedback, &feedback_listener, slot);
		}
		window->callback_slot = window->measured;
		window->last_measured_ms = now_ms();
		if (window->measured == 0) {
			window->first_measured_ms = window->last_measured_ms;
		}
		window->measured++;
	}
	clock_gettime(CLOCK_MONOTONIC, &window->commit_time);
	wl_surface_commit(window->surface);
	buffer->busy = true;
	window->frame_index++;
	return true;
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
	client->measured_done = true;
}

/* Moves from warm-up to measurement to the end as the limits say;
 * whether frames are still wanted. */
static bool update_phase(struct client *client)
{
	if (client->measured_done) {
		return false;
	}
	if (stop_requested) {
		if (!client->measuring) {
			start_measuring(client);
		}
		stop_measuring(client);
		return false;
	}
	if (!client->measuring) {
		bool warm = client->warmup_s > 0 &&
			elapsed_s(&client->warmup_start) >= client->warmup_s;
		if (!warm) {
			warm = true;
			for (int i = 0; i < client->window_count; i++) {
				if (client->windows[i].frame_index < client->warmup) {
					warm = false;
				}
			}
		}
		if (warm) {
			start_measuring(client);
		}
		return true;
	}
	bool full = false;
	for (int i = 0; i < client->window_count; i++) {
		if (client->windows[i].measured >= client->frames) {
			full = true;
		}
	}
	if (full || (client->measure_s > 0 && elapsed_s(&client->start) >= client->measure_s)) {
		stop_measuring(client);
		return false;
	}
	return true;
}

static void handle_xdg_surface_configure(void *data, struct xdg_surface *xdg_surface,
	uint32_t serial)
{
	struct window *window = data;
	xdg_surface_ack_configure(xdg_surface, serial);
	window->configured = true;
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
	struct window *window = data;
	window->client->closed = true;
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

/* The presented frames' latencies of windows [first, first + count) into
 * the scratch array; how many there are. Counts the frames without
 * feedback into *missing. */
static int gather_latencies(struct client *client, int first, int count, int *missing)
{
	int n = 0;
	for (int w = first; w < first + count; w++) {
		const struct window *window = &client->windows[w];
		for (int i = 0; i < window->measured; i++) {
			const struct latency_slot *slot = &window->slots[i];
			if (!slot->window || !slot->done) {
				(*missing)++;
			} else if (slot->value_ms >= 0 && slot->value_ms < 1e6) {
				client->latencies_ms[n++] = slot->value_ms;
			}
		}
	}
	return n;
}

/* Commit-to-callback latencies of windows [first, first + count). */
static int gather_frame_latencies(struct client *client, int first, int count)
{
	int n = 0;
	for (int w = first; w < first + count; w++) {
		const struct window *window = &client->windows[w];
		for (int i = 0; i < window->measured; i++) {
			client->latencies_ms[n++] = window->frame_latencies_ms[i];
		}
	}
	return n;
}

static void print_results(struct client *client)
{
	int frames = 0;
	for (int w = 0; w < client->window_count; w++) {
		frames += client->windows[w].measured;
	}
	double elapsed_ms = timespec_ms(&client->end) - timespec_ms(&client->start);
	double cpu_ms = rusage_ms(&client->end_usage) - rusage_ms(&client->start_usage);

	/* Only frames whose feedback said "presented" count. */
	int missing = 0, ignored = 0;
	int count = gather_latencies(client, 0, client->window_count, &missing);
	double p10 = percentile(client->latencies_ms, count, 0.1);
	double p50 = percentile(client->latencies_ms, count, 0.5);
	double p99 = percentile(client->latencies_ms, count, 0.99);
	count = gather_latencies(client, 0, 1, &ignored);
	double first_p50 = percentile(client->latencies_ms, count, 0.5);
	double first_p99 = percentile(client->latencies_ms, count, 0.99);
	/* Every measured frame's callback came before the loop ended. */
	count = gather_frame_latencies(client, 0, client->window_count);
	double f50 = percentile(client->latencies_ms, count, 0.5);
	double f99 = percentile(client->latencies_ms, count, 0.99);
	count = gather_frame_latencies(client, 0, 1);
	double first_f99 = percentile(client->latencies_ms, count, 0.99);

	printf("size=%dx%d\n", client->width, client->height);
	printf("damage=%s\n", client->solid ? "solid" : client->full_damage ? "full" : "box64");
	printf("windows=%d\n", client->window_count);
	printf("frames=%d\n", frames);
	printf("elapsed_ms=%.3f\n", elapsed_ms);
	printf("fps=%.2f\n", frames / (elapsed_ms / 1e3));
	printf("fps_per_window=%.2f\n", frames / (elapsed_ms / 1e3) / client->window_count);
	/* A window that drew nothing got no frame callback: hidden by others.
	 * One that drew is timed from its first frame to its last: while it
	 * was in view. */
	int slowest = -1, idle = 0;
	double slowest_drawing = -1;
	for (int w = 0; w < client->window_count; w++) {
		const struct window *window = &client->windows[w];
		if (slowest < 0 || window->measured < slowest) {
			slowest = window->measured;
		}
		if (window->measured == 0) {
			idle++;
			continue;
		}
		double span_ms = window->last_measured_ms - window->first_measured_ms;
		if (window->measured >= 2 && span_ms > 0) {
			double fps = (window->measured - 1) / (span_ms / 1e3);
			if (slowest_drawing < 0 || fps < slowest_drawing) {
				slowest_drawing = fps;
			}
		}
	}
	printf("fps_slowest_window=%.2f\n", slowest / (elapsed_ms / 1e3));
	printf("fps_slowest_drawing_window=%.2f\n", slowest_drawing < 0 ? 0.0 : slowest_drawing);
	printf("windows_idle=%d\n", idle);
	printf("presentation=%s\n", client->presentation ? "yes" : "no");
	printf("presented=%d\n", client->presented);
	printf("discarded=%d\n", client->discarded);
	printf("feedback_missing=%d\n", client->presentation ? missing : frames);
	printf("latency_p10_ms=%.3f\n", p10);
	printf("latency_p50_ms=%.3f\n", p50);
	printf("latency_p99_ms=%.3f\n", p99);
	printf("first_latency_p50_ms=%.3f\n", first_p50);
	printf("first_latency_p99_ms=%.3f\n", first_p99);
	printf("frame_latency_p50_ms=%.3f\n", f50);
	printf("frame_latency_p99_ms=%.3f\n", f99);
	printf("first_frame_latency_p99_ms=%.3f\n", first_f99);
	printf("client_cpu_ms_per_frame=%.4f\n", frames ? cpu_ms / frames : -1);
	printf("client_cpu_ms=%.3f\n", cpu_ms);
	fflush(stdout);
}

static const char usage[] =
	"Usage: mullion-frame-client [--size WxH] [--damage full|box] [--solid]\n"
	"                            [--windows N] [--rate HZ]\n"
	"                            [--frames N] [--warmup N] [--seconds S]\n"
	"                            [--warmup-seconds S] [--hold]\n"
	"Pushes frames as fast as frame callbacks allow and prints fps,\n"
	"commit-to-present latency and CPU per frame as key=value lines.\n"
	"\n"
	"  --windows N          open N windows (default 1, at most 256)\n"
	"  --rate HZ            at most HZ frames a second in each window\n"
	"  --solid              each frame all one colour, never the last one's\n"
	"  --unpaced            with --rate, commit without waiting for frame\n"
	"                       callbacks (latencies are then not measured)\n"
	"  --frames N           measure at most N frames a window (default 300)\n"
	"  --seconds S          ... and for at most S seconds\n"
	"  --warmup N           warm up for N frames a window (default 30)\n"
	"  --warmup-seconds S   ... or S seconds, whichever ends first\n"
	"  --hold               after the results, wait for a signal to exit\n"
	"                       (so a runner can read /proc meanwhile)\n"
	"SIGUSR2 ends the measurement at once.\n";

static double parse_seconds(const char *text)
{
	char *end;
	double value = strtod(text, &end);
	return (end == text || *end != '\0' || !(value >= 0)) ? -1 : value;
}

static bool window_init(struct client *client, struct window *window, int index)
{
	window->client = client;
	window->index = index;
	window->callback_slot = -1;
	/* Boxes start apart, so that windows do not all draw alike. */
	window->box_dx = 7;
	window->box_dy = 5;
	window->box_x = (index * 37) % (client->width - BOX_SIZE);
	window->box_y = (index * 23) % (client->height - BOX_SIZE);
	/* Before any frame, and touched, so measuring allocates nothing. */
	window->slots = calloc((size_t)client->frames, sizeof(*window->slots));
	window->frame_latencies_ms = calloc((size_t)client->frames, sizeof(double));
	if (!window->slots || !window->frame_latencies_ms) {
		fprintf(stderr, "frame-client: out of memory\n");
		return false;
	}
	window->surface = wl_compositor_create_surface(client->compositor);
	window->xdg_surface = xdg_wm_base_get_xdg_surface(client->wm_base, window->surface);
	xdg_surface_add_listener(window->xdg_surface, &xdg_surface_listener, window);
	window->xdg_toplevel = xdg_surface_get_toplevel(window->xdg_surface);
	xdg_toplevel_add_listener(window->xdg_toplevel, &toplevel_listener, window);
	char title[32];
	snprintf(title, sizeof(title), "frame-client %d", index);
	xdg_toplevel_set_title(window->xdg_toplevel, index == 0 ? "frame-client" : title);
	wl_surface_commit(window->surface);
	return true;
}

static bool all_configured(struct client *client)
{
	for (int i = 0; i < client->window_count; i++) {
		if (!client->windows[i].configured) {
			return false;
		}
	}
	return true;
}

static bool any_frame_pending(struct client *client)
{
	for (int i = 0; i < client->window_count; i++) {
		if (client->windows[i].frame_pending) {
			return true;
		}
	}
	return false;
}

/*
 * Draws every window that may draw now; returns how long (ms) until one
 * may by the clock alone, or -1 if only an event can let one draw.
 */
static int draw_due(struct client *client)
{
	double period = client->rate > 0 ? 1e3 / client->rate : 0;
	double now = now_ms();
	double wait = -1;
	for (int i = 0; i < client->window_count; i++) {
		struct window *window = &client->windows[i];
		if (window->frame_pending && !client->unpaced) {
			continue;
		}
		if (period > 0 && now < window->next_due_ms) {
			double left = window->next_due_ms - now;
			wait = wait < 0 || left < wait ? left : wait;
			continue;
		}
		if (!draw_frame(window)) {
			continue; /* no free buffer: a release comes */
		}
		if (period > 0) {
			/* Keep the beat; after a stall, start it again. */
			window->next_due_ms += period;
			if (window->next_due_ms < now) {
				window->next_due_ms = now + period;
			}
		}
	}
	return wait < 0 ? -1 : (int)wait + 1;
}

/* Waits for events for at most timeout_ms (-1: no limit) and dispatches
 * them; false if the connection is lost. */
static bool dispatch_for(struct client *client, int timeout_ms)
{
	while (wl_display_prepare_read(client->display) != 0) {
		if (wl_display_dispatch_pending(client->display) < 0) {
			return false;
		}
	}
	if (wl_display_flush(client->display) < 0 && errno != EAGAIN) {
		wl_display_cancel_read(client->display);
		return false;
	}
	struct pollfd pfd = { .fd = wl_display_get_fd(client->display), .events = POLLIN };
	int ready = poll(&pfd, 1, timeout_ms);
	if (ready <= 0) {
		wl_display_cancel_read(client->display);
		return ready == 0 || errno == EINTR;
	}
	if (wl_display_read_events(client->display) < 0) {
		return false;
	}
	return wl_display_dispatch_pending(client->display) >= 0;
}

int main(int argc, char *argv[])
{
	static struct client client = {
		.width = 1280,
		.height = 720,
		.full_damage = true,
		.frames = 300,
		.warmup = 30,
		.window_count = 1,
		.presentation_clock = CLOCK_MONOTONIC,
	};
	static const struct option options[] = {
		{ "size", required_argument, NULL, 's' },
		{ "damage", required_argument, NULL, 'd' },
		{ "solid", no_argument, NULL, 'c' },
		{ "unpaced", no_argument, NULL, 'u' },
		{ "windows", required_argument, NULL, 'N' },
		{ "rate", required_argument, NULL, 'r' },
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
		case 'c':
			client.solid = true;
			break;
		case 'u':
			client.unpaced = true;
			break;
		case 'N':
			client.window_count = atoi(optarg);
			break;
		case 'r':
			client.rate = parse_seconds(optarg);
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
		client.warmup_s < 0 || client.rate < 0 || (client.unpaced && client.rate <= 0) ||
		client.window_count < 1 || client.window_count > MAX_WINDOWS) {
		fputs(usage, stderr);
		return 2;
	}
	for (int i = 0; i < RNG_LANES; i++) {
		/* Any nonzero seeds; distinct so the lanes differ. */
		client.rng[i] = 0x9e3779b9u * (uint32_t)(i + 1);
	}
	client.latencies_ms =
		calloc((size_t)client.frames * (size_t)client.window_count, sizeof(double));
	if (!client.latencies_ms) {
		fprintf(stderr, "frame-client: out of memory\n");
		return 1;
	}

	struct sigaction stop = { .sa_handler = handle_stop_signal };
	sigemptyset(&stop.sa_mask);
	sigaction(SIGUSR2, &stop, NULL);

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

	for (int i = 0; i < client.window_count; i++) {
		if (!window_init(&client, &client.windows[i], i)) {
			return 1;
		}
	}
	while (!all_configured(&client) && wl_display_dispatch(client.display) >= 0) {
	}
	for (int i = 0; i < client.window_count; i++) {
		if (!create_buffers(&client.windows[i])) {
			return 1;
		}
	}

	/* Windows start their beats spread over one period. */
	double start = now_ms();
	for (int i = 0; i < client.window_count; i++) {
		client.windows[i].next_due_ms =
			client.rate > 0 ? start + 1e3 / client.rate * i / client.window_count : 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &client.warmup_start);
	double stopped_ms = -1;
	while (!client.closed) {
		int wait = -1;
		if (update_phase(&client)) {
			wait = draw_due(&client);
			/* Windows hidden from the start send no events: the
			 * warm-up ends by the clock all the same. */
			if (!client.measuring && client.warmup_s > 0) {
				int left =
					(int)((client.warmup_s - elapsed_s(&client.warmup_start)) *
						1e3) +
					1;
				wait = wait < 0 || left < wait ? left : wait;
			}
		} else if (!any_frame_pending(&client)) {
			break; /* every measured frame has its callback */
		} else {
			/* A window hidden whole under others gets no callback until
			 * it shows again: the others have a second. */
			stopped_ms = stopped_ms < 0 ? now_ms() : stopped_ms;
			if (now_ms() - stopped_ms > 1000) {
				break;
			}
			wait = 100;
		}
		if (!dispatch_for(&client, wait)) {
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
	int measured = 0;
	for (int i = 0; i < client.window_count; i++) {
		measured += client.windows[i].measured;
	}
	for (int i = 0;
		i < 100 && client.presentation && client.presented + client.discarded < measured;
		i++) {
		if (!dispatch_for(&client, 10)) {
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
	for (int i = 0; i < client.window_count; i++) {
		free(client.windows[i].frame_latencies_ms);
		free(client.windows[i].slots);
	}
	free(client.latencies_ms);
	return 0;
}
