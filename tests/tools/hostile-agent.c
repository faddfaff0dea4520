/*
 * mullion-test-hostile-agent: stands in for a VM's mullion-agent and
 * attacks its bridge, one case per run. It is the VM side of a socket
 * vchan (it listens, shares a pool of pages, sends HELLO) and speaks the
 * wire protocol with the shared codec; what the codec would refuse to
 * encode, it writes by hand.
 *
 * Three kinds of case:
 * - refused: a message the bridge must refuse (a violation). The agent
 *   sends it, then waits for dom0 to close the connection: exit 0 when it
 *   does, 1 when it is still open after --timeout.
 * - busy: a valid window, then a burst of valid messages (titles, hints,
 *   app ids, windows created and destroyed), then the title "flood done".
 *   The window must survive it. Runs until SIGTERM.
 * - window, animate: one ordinary window (animate redraws it at every
 *   FRAME_DONE), for the tests' other VM. Runs until SIGTERM.
 * - hang-up: a valid window, then the first half of a message, and the
 *   agent closes the channel (exit 0 once all of it was written).
 * - names-flood: FLOOD_WINDOWS small windows, then (after SIGUSR1 with
 *   --wait-signal) a new title for each of them whenever the channel has
 *   taken the last round, until SIGTERM. map-flood likewise closes each
 *   and shows it again.
 *
 * stdout, one line each, flushed: "listening", "connected", "sent N
 * messages, B bytes" once the burst (or the hostile message) is queued,
 * "written" once the socket took all of it, "frames N" every 30 frames,
 * "closed by dom0" when dom0 ends the connection.
 */
#define _GNU_SOURCE /* signalfd */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "common/util/log.h"
#include "common/vchan/vchan.h"
#include "common/wire/codec.h"
#include "common/wire/protocol.h"
#include "raw_link.h"

#define POOL_PAGES 256
#define WINDOW_ID 1
#define BUFFER_ID 1
#define WINDOW_SIZE 64 /* pixels, square */
#define WINDOW_STRIDE (WINDOW_SIZE * 4)
#define WINDOW_PAGES ((WINDOW_STRIDE * WINDOW_SIZE + WIRE_PAGE_SIZE - 1) / WIRE_PAGE_SIZE)
/* names-flood: that many windows of one page each. */
#define FLOOD_WINDOWS 200
#define FLOOD_SIZE 32 /* pixels, square: 4096 bytes */
/* Enough for the largest burst (1 MB title; 100 000 hints of 28 bytes). */
#define TX_CAP (6u * 1024u * 1024u)

enum case_kind {
	KIND_REFUSED,
	KIND_BUSY,
	KIND_WINDOW,
	KIND_HANG_UP,
	KIND_FLOOD,
};

struct agent;

struct hostile_case {
	const char *name;
	enum case_kind kind;
	/* Queues what the case sends once dom0's HELLO is in. */
	void (*run)(struct agent *agent);
	const char *help;
};

struct agent {
	const struct hostile_case *hcase;
	struct raw_link link; /* its vchan is the agent's */
	bool connected;
	bool started; /* the case's messages are queued */
	double started_at; /* when, CLOCK_MONOTONIC seconds */
	bool go; /* SIGUSR1 came (or was not awaited) */
	bool animate;

	bool reported_written;
	unsigned long sent_messages;
	bool dom0_hello;

	/* The window's one buffer, in the pool. */
	uint8_t *pixels;
	uint32_t refs[WINDOW_PAGES];
	/* names-flood's windows, a page each; renamed while flooding. */
	uint8_t *flood_pixels;
	uint32_t flood_refs[FLOOD_WINDOWS];
	bool flooding;
	bool remap; /* map-flood: each round closes and shows them again */
	unsigned long flood_rounds;
	bool buffer_free, frame_due;
	unsigned long frames;
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	vprintf(fmt, args);
	va_end(args);
	putchar('\n');
	fflush(stdout);
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Queues bytes as they are, valid or not. */
static void queue_raw(struct agent *agent, const void *data, size_t size)
{
	raw_link_queue_raw(&agent->link, data, size);
	agent->sent_messages++;
}

/* Queues a header and then body_size bytes of a body given in words. */
static void queue_words(struct agent *agent, uint32_t type, uint32_t length, const uint32_t *words,
	size_t count)
{
	uint8_t buf[WIRE_HEADER_SIZE + 64];
	put_u32(buf, type);
	put_u32(buf + 4, length);
	for (size_t i = 0; i < count; i++) {
		put_u32(buf + WIRE_HEADER_SIZE + 4 * i, words[i]);
	}
	queue_raw(agent, buf, WIRE_HEADER_SIZE + 4 * count);
}

/* Queues a valid message; the codec refuses to encode anything else. */
static void queue(struct agent *agent, const struct wire_msg *msg)
{
	raw_link_queue(&agent->link, msg);
	agent->sent_messages++;
}

static void queue_hello(struct agent *agent, uint32_t version)
{
	struct wire_msg msg = {
		.type = WIRE_HELLO,
		.hello = { .version = version },
	};
	if (version == WIRE_VERSION) {
		queue(agent, &msg);
		return;
	}
	/* A HELLO from a later version: the codec writes only this one. */
	uint32_t words[7] = { version, 0, 0, 0, 0, 0, 0 };
	queue_words(agent, WIRE_HELLO, sizeof(words), words, 7);
}

static void queue_title(struct agent *agent, uint32_t window_id, const char *title)
{
	struct wire_msg msg = {
		.type = WIRE_WINDOW_TITLE,
		.window_title = {
			.window_id = window_id,
			.length = (uint32_t)strlen(title),
			.title = title,
		},
	};
	queue(agent, &msg);
}

static void queue_app_id(struct agent *agent, uint32_t window_id, const char *app_id)
{
	struct wire_msg msg = {
		.type = WIRE_WINDOW_APP_ID,
		.window_app_id = {
			.window_id = window_id,
			.length = (uint32_t)strlen(app_id),
			.app_id = app_id,
		},
	};
	queue(agent, &msg);
}

/* A square toplevel of size pixels. */
static void queue_window_create(struct agent *agent, uint32_t id, uint32_t size)
{
	struct wire_msg msg = {
		.type = WIRE_WINDOW_CREATE,
		.window_create = {
			.window_id = id,
			.width = size,
			.height = size,
			.kind = WIRE_WINDOW_TOPLEVEL,
		},
	};
	queue(agent, &msg);
}

static void queue_window_destroy(struct agent *agent, uint32_t id)
{
	struct wire_msg msg = {
		.type = WIRE_WINDOW_DESTROY,
		.window_destroy = { .window_id = id },
	};
	queue(agent, &msg);
}

/* BUFFER_CREATE of a square window's one buffer, in pages refs (at most
 * WINDOW_PAGES of them, as many as size x size x 4 bytes take). */
static void queue_buffer_create(struct agent *agent, uint32_t window_id, uint32_t size,
	const uint32_t *refs)
{
	uint32_t pages = (size * size * 4 + WIRE_PAGE_SIZE - 1) / WIRE_PAGE_SIZE;
	uint8_t ref_bytes[4 * WINDOW_PAGES];
	for (uint32_t i = 0; i < pages; i++) {
		wire_ref_set(ref_bytes, i, refs[i]);
	}
	struct wire_msg msg = {
		.type = WIRE_BUFFER_CREATE,
		.buffer_create = {
			.window_id = window_id,
			.buffer_id = BUFFER_ID,
			.width = size,
			.height = size,
			.stride = size * 4,
			.format = WIRE_FORMAT_XRGB8888,
			.ref_count = pages,
			.refs = ref_bytes,
		},
	};
	queue(agent, &msg);
}

static void queue_damage(struct agent *agent, uint32_t window_id, struct wire_rect rect)
{
	struct wire_msg msg = {
		.type = WIRE_DAMAGE,
		.damage = {
			.window_id = window_id,
			.buffer_id = BUFFER_ID,
			.rect_count = 1,
			.rects = { rect },
		},
	};
	queue(agent, &msg);
}

static void draw(struct agent *agent)
{
	/* A colour that changes every frame, never the background. */
	uint32_t colour = 0x00402000u | ((uint32_t)(agent->frames * 7 % 256) << 0) |
		((uint32_t)(agent->frames * 3 % 128 + 64) << 16);
	for (size_t i = 0; i < (size_t)WINDOW_SIZE * WINDOW_SIZE; i++) {
		put_u32(agent->pixels + 4 * i, colour);
	}
	agent->buffer_free = false;
	agent->frame_due = false;
	queue_damage(agent, WINDOW_ID, (struct wire_rect){ 0, 0, WINDOW_SIZE, WINDOW_SIZE });
}

/* An ordinary window: created, titled, one buffer drawn and shown. */
static void queue_window(struct agent *agent, const char *title)
{
	queue_window_create(agent, WINDOW_ID, WINDOW_SIZE);
	queue_title(agent, WINDOW_ID, title);
	queue_app_id(agent, WINDOW_ID, "org.example.Hostile");
	queue_buffer_create(agent, WINDOW_ID, WINDOW_SIZE, agent->refs);
	draw(agent);
}

/* --- the cases --- */

static void case_window(struct agent *agent)
{
	queue_window(agent, "hostile-agent window");
}

static void case_animate(struct agent *agent)
{
	agent->animate = true;
	queue_window(agent, "hostile-agent animate");
}

/* 20 000 titles and 100 000 hints in one burst: five hints per title. */
static void case_busy(struct agent *agent)
{
	char title[64];
	for (uint32_t i = 0; i < 100000; i++) {
		if (i % 5 == 0) {
			snprintf(title, sizeof(title), "busy title %05u", i / 5);
			queue_title(agent, WINDOW_ID, title);
		}
		struct wire_msg hints = {
			.type = WIRE_WINDOW_HINTS,
			.window_hints = {
				.window_id = WINDOW_ID,
				.min_width = 1 + i % 32,
				.min_height = 1 + i % 32,
				.max_width = 4096,
				.max_height = 4096,
			},
		};
		queue(agent, &hints);
	}
	queue_title(agent, WINDOW_ID, "flood done");
}

static void case_app_id_flood(struct agent *agent)
{
	char app_id[64];
	for (uint32_t i = 0; i < 20000; i++) {
		snprintf(app_id, sizeof(app_id), "org.example.App%05u", i);
		queue_app_id(agent, WINDOW_ID, app_id);
	}
	queue_app_id(agent, WINDOW_ID, "org.example.Done");
	queue_title(agent, WINDOW_ID, "flood done");
}

/* Windows made and dropped at once: Wayland requests that cannot be
 * merged, so only the bridge's pause while the compositor catches up
 * keeps its connection alive. */
static void case_create_destroy_flood(struct agent *agent)
{
	for (uint32_t i = 0; i < 10000; i++) {
		queue_window_create(agent, 2 + i % 100, WINDOW_SIZE);
		queue_window_destroy(agent, 2 + i % 100);
	}
	queue_title(agent, WINDOW_ID, "flood done");
}

static void case_oversized_title(struct agent *agent)
{
	/* 1 MB of title: the header alone is refused (too-large). */
	const uint32_t length = 1024 * 1024;
	uint32_t words[2] = { WINDOW_ID, length };
	queue_words(agent, WIRE_WINDOW_TITLE, 8 + length, words, 2);
	uint8_t *title = malloc(length);
	if (title == NULL) {
		exit(2);
	}
	memset(title, 'A', length);
	queue_raw(agent, title, length);
	agent->sent_messages--; /* one message in two pieces */
	free(title);
}

static void case_long_title(struct agent *agent)
{
	/* One byte beyond WIRE_MAX_TITLE_BYTES: a count error. */
	uint8_t msg[WIRE_HEADER_SIZE + 8 + WIRE_MAX_TITLE_BYTES + 1];
	memset(msg, 'A', sizeof(msg));
	put_u32(msg, WIRE_WINDOW_TITLE);
	put_u32(msg + 4, 8 + WIRE_MAX_TITLE_BYTES + 1);
	put_u32(msg + 8, WINDOW_ID);
	put_u32(msg + 12, WIRE_MAX_TITLE_BYTES + 1);
	queue_raw(agent, msg, sizeof(msg));
}

static void case_unknown_type(struct agent *agent)
{
	queue_words(agent, 0x3f, 0, NULL, 0);
}

static void case_future_version(struct agent *agent)
{
	queue_hello(agent, WIRE_VERSION + 1);
}

static void case_size_overflow(struct agent *agent)
{
	/* width x height x 4 wraps to 0 in 32 bits; stride likewise. */
	uint32_t words[8] = { WINDOW_ID, BUFFER_ID, 0x40000000u, 0x40000000u, 0,
		WIRE_FORMAT_XRGB8888, 1, 0 };
	queue_words(agent, WIRE_BUFFER_CREATE, 32, words, 8);
}

static void case_small_stride(struct agent *agent)
{
	/* 100 pixels of 4 bytes in rows of 396 bytes. */
	uint32_t words[8] = { WINDOW_ID, BUFFER_ID, 100, 10, 396, WIRE_FORMAT_XRGB8888, 1, 0 };
	queue_words(agent, WIRE_BUFFER_CREATE, 32, words, 8);
}

static void case_ref_out_of_range(struct agent *agent)
{
	queue_window_create(agent, WINDOW_ID, WINDOW_SIZE);
	uint32_t refs[WINDOW_PAGES];
	memcpy(refs, agent->refs, sizeof(refs));
	refs[WINDOW_PAGES - 1] = POOL_PAGES + 1000;
	queue_buffer_create(agent, WINDOW_ID, WINDOW_SIZE, refs);
}

static void case_damage_outside(struct agent *agent)
{
	queue_window_create(agent, WINDOW_ID, WINDOW_SIZE);
	queue_buffer_create(agent, WINDOW_ID, WINDOW_SIZE, agent->refs);
	queue_damage(agent, WINDOW_ID,
		(struct wire_rect){ WINDOW_SIZE / 2, 0, WINDOW_SIZE, WINDOW_SIZE });
}

static void case_orphan_popup(struct agent *agent)
{
	struct wire_msg msg = {
		.type = WIRE_WINDOW_CREATE,
		.window_create = {
			.window_id = 2,
			.width = 10,
			.height = 10,
			.kind = WIRE_WINDOW_POPUP,
			.parent_id = 77,
		},
	};
	queue(agent, &msg);
}

/* A header whose length is L and no body: refused from the header. */
static void queue_header(struct agent *agent, uint32_t type, uint32_t length)
{
	queue_words(agent, type, length, NULL, 0);
}

static void case_length_zero(struct agent *agent)
{
	/* A title needs its window id and length at least. */
	queue_header(agent, WIRE_WINDOW_TITLE, 0);
}

static void case_length_2g(struct agent *agent)
{
	queue_header(agent, WIRE_DAMAGE, 0x80000000u);
}

static void case_length_4g(struct agent *agent)
{
	queue_header(agent, WIRE_DAMAGE, 0xffffffffu);
}

/* DAMAGE with rect_count as given and the body its fixed part alone. */
static void queue_damage_count(struct agent *agent, uint32_t count)
{
	uint32_t words[3] = { WINDOW_ID, BUFFER_ID, count };
	queue_words(agent, WIRE_DAMAGE, sizeof(words), words, 3);
}

static void case_count_zero(struct agent *agent)
{
	queue_damage_count(agent, 0);
}

static void case_count_2g(struct agent *agent)
{
	queue_damage_count(agent, 0x80000000u);
}

static void case_count_4g(struct agent *agent)
{
	queue_damage_count(agent, 0xffffffffu);
}

static void case_wrong_direction(struct agent *agent)
{
	/* FRAME_DONE is dom0's to send. */
	uint32_t words[6] = { WINDOW_ID, 0, 0, 0, 0, 0 };
	queue_words(agent, WIRE_FRAME_DONE, sizeof(words), words, 6);
}

static void case_many_windows(struct agent *agent)
{
	for (uint32_t id = 1; id <= 100000; id++) {
		queue_window_create(agent, id, WINDOW_SIZE);
	}
}

static void case_parent_gone(struct agent *agent)
{
	queue_window_create(agent, WINDOW_ID, WINDOW_SIZE);
	queue_window_destroy(agent, WINDOW_ID);
	struct wire_msg msg = {
		.type = WIRE_WINDOW_CREATE,
		.window_create = {
			.window_id = 2,
			.width = 10,
			.height = 10,
			.kind = WIRE_WINDOW_POPUP,
			.parent_id = WINDOW_ID,
		},
	};
	queue(agent, &msg);
}

static void case_oversized_cursor(struct agent *agent)
{
	/* 65x65 pixels, one more each way than WIRE_MAX_CURSOR_SIZE. */
	const uint32_t side = WIRE_MAX_CURSOR_SIZE + 1, length = side * side * 4;
	uint32_t words[5] = { side, side, 0, 0, length };
	queue_words(agent, WIRE_CURSOR_IMAGE, sizeof(words) + length, words, 5);
	uint8_t *pixels = calloc(1, length);
	if (pixels == NULL) {
		exit(2);
	}
	queue_raw(agent, pixels, length);
	agent->sent_messages--; /* one message in two pieces */
	free(pixels);
}

/* Window 2 + i of names-flood: created, titled, drawn in its page. */
static void queue_flood_window(struct agent *agent, uint32_t i)
{
	uint32_t id = 2 + i;
	queue_window_create(agent, id, FLOOD_SIZE);
	char title[32];
	snprintf(title, sizeof(title), "flood %u", i);
	queue_title(agent, id, title);
	memset(agent->flood_pixels + (size_t)i * WIRE_PAGE_SIZE, 0x40 + (int)(i % 128),
		WIRE_PAGE_SIZE);
	queue_buffer_create(agent, id, FLOOD_SIZE, &agent->flood_refs[i]);
	queue_damage(agent, id, (struct wire_rect){ 0, 0, FLOOD_SIZE, FLOOD_SIZE });
}

/* One new title for every window of names-flood; map-flood closes
 * every window and shows it again. */
static void queue_flood_round(struct agent *agent)
{
	char title[48];
	for (uint32_t i = 0; i < FLOOD_WINDOWS; i++) {
		if (agent->remap) {
			queue_window_destroy(agent, 2 + i);
			queue_flood_window(agent, i);
			continue;
		}
		snprintf(title, sizeof(title), "flood %u round %lu", i, agent->flood_rounds);
		queue_title(agent, 2 + i, title);
	}
	agent->flood_rounds++;
}

static void case_names_flood(struct agent *agent)
{
	agent->flooding = true;
	queue_flood_round(agent);
}

static void case_map_flood(struct agent *agent)
{
	agent->remap = true;
	case_names_flood(agent);
}

static void case_hang_up(struct agent *agent)
{
	/* A DAMAGE of one rectangle, cut after its window and buffer ids. */
	uint32_t words[2] = { WINDOW_ID, BUFFER_ID };
	queue_words(agent, WIRE_DAMAGE, 12 + 16, words, 2);
}

static const struct hostile_case cases[] = {
	{ "window", KIND_WINDOW, case_window, "one ordinary window" },
	{ "animate", KIND_WINDOW, case_animate, "one window, redrawn at every FRAME_DONE" },
	{ "busy", KIND_BUSY, case_busy, "20000 titles and 100000 hints in a burst" },
	{ "app-id-flood", KIND_BUSY, case_app_id_flood, "20000 app ids in a burst" },
	{ "create-destroy-flood", KIND_BUSY, case_create_destroy_flood,
		"10000 windows created and destroyed" },
	{ "oversized-title", KIND_REFUSED, case_oversized_title, "a 1 MB title" },
	{ "long-title", KIND_REFUSED, case_long_title, "a title of 257 bytes" },
	{ "unknown-type", KIND_REFUSED, case_unknown_type, "message type 0x3f" },
	{ "future-version", KIND_REFUSED, case_future_version, "HELLO of protocol version 2" },
	{ "size-overflow", KIND_REFUSED, case_size_overflow,
		"a buffer whose width x height x 4 wraps" },
	{ "small-stride", KIND_REFUSED, case_small_stride, "a stride below width x 4" },
	{ "ref-out-of-range", KIND_REFUSED, case_ref_out_of_range, "a page ref beyond the pool" },
	{ "damage-outside", KIND_REFUSED, case_damage_outside, "damage beyond its buffer" },
	{ "orphan-popup", KIND_REFUSED, case_orphan_popup, "a popup whose parent does not exist" },
	{ "length-zero", KIND_REFUSED, case_length_zero, "a title with a body length of 0" },
	{ "length-2g", KIND_REFUSED, case_length_2g, "a body length of 2^31" },
	{ "length-4g", KIND_REFUSED, case_length_4g, "a body length of 2^32-1" },
	{ "count-zero", KIND_REFUSED, case_count_zero, "DAMAGE with 0 rectangles" },
	{ "count-2g", KIND_REFUSED, case_count_2g, "DAMAGE with 2^31 rectangles" },
	{ "count-4g", KIND_REFUSED, case_count_4g, "DAMAGE with 2^32-1 rectangles" },
	{ "wrong-direction", KIND_REFUSED, case_wrong_direction, "a FRAME_DONE from the VM" },
	{ "many-windows", KIND_REFUSED, case_many_windows, "100000 windows" },
	{ "parent-gone", KIND_REFUSED, case_parent_gone, "a popup of a window just destroyed" },
	{ "oversized-cursor", KIND_REFUSED, case_oversized_cursor, "a 65x65 cursor image" },
	{ "hang-up", KIND_HANG_UP, case_hang_up,
		"a window, half a message, and the channel closed" },
	{ "names-flood", KIND_FLOOD, case_names_flood,
		"200 windows renamed as fast as the channel takes it" },
	{ "map-flood", KIND_FLOOD, case_map_flood,
		"200 windows closed and shown again as fast as the channel takes it" },
};
#define CASE_COUNT (sizeof(cases) / sizeof(cases[0]))

/* --- the connection --- */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void start_case(struct agent *agent)
{
	agent->started = true;
	agent->started_at = now_s();
	size_t before = agent->link.tx_end;
	unsigned long messages = agent->sent_messages;
	agent->hcase->run(agent);
	say("sent %lu messages, %zu bytes", agent->sent_messages - messages,
		agent->link.tx_end - before);
	agent->reported_written = false;
}

static void on_connected(struct agent *agent)
{
	agent->connected = true;
	say("connected");
	if (agent->hcase->run == case_future_version) {
		start_case(agent); /* its HELLO is the attack */
		return;
	}
	queue_hello(agent, WIRE_VERSION);
	/* Busy cases first show their window; the burst follows. */
	if (agent->hcase->kind == KIND_BUSY || agent->hcase->kind == KIND_HANG_UP) {
		queue_window(agent, "hostile-agent busy");
	}
	if (agent->hcase->kind == KIND_FLOOD) {
		for (uint32_t i = 0; i < FLOOD_WINDOWS; i++) {
			queue_flood_window(agent, i);
		}
	}
}

static void handle_dom0_msg(void *data, const struct wire_msg *msg)
{
	struct agent *agent = data;
	switch (msg->type) {
	case WIRE_HELLO:
		agent->dom0_hello = true;
		return;
	case WIRE_BUFFER_RELEASE:
		agent->buffer_free = true;
		break;
	case WIRE_FRAME_DONE:
		agent->frame_due = true;
		agent->frames++;
		if (agent->frames % 30 == 0) {
			say("frames %lu", agent->frames);
		}
		break;
	default:
		return;
	}
	if (agent->animate && agent->buffer_free && agent->frame_due) {
		draw(agent);
	}
}

/* False when dom0 closed the connection. */
static bool flush(struct agent *agent)
{
	if (!raw_link_flush(&agent->link)) {
		return false;
	}
	if (agent->started && !agent->reported_written && !raw_link_pending(&agent->link)) {
		agent->reported_written = true;
		say("written");
	}
	return true;
}

static int signal_fd_create(void)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* Returns the exit status. */
static int run(struct agent *agent, double timeout_s)
{
	int signal_fd = signal_fd_create();
	if (signal_fd < 0) {
		perror("hostile-agent: signalfd");
		return 2;
	}
	for (;;) {
		if (agent->connected && agent->dom0_hello && !agent->started && agent->go) {
			start_case(agent);
		}
		if (agent->connected && !flush(agent)) {
			break;
		}
		if (agent->flooding && !raw_link_pending(&agent->link)) {
			queue_flood_round(agent);
		}
		if (agent->hcase->kind == KIND_HANG_UP && agent->reported_written) {
			say("hung up mid-message");
			return 0; /* exit closes the channel */
		}
		int timeout_ms = -1;
		if (agent->hcase->kind == KIND_REFUSED && agent->started) {
			double left = agent->started_at + timeout_s - now_s();
			if (left <= 0) {
				say("still connected %.1f s after the hostile message", timeout_s);
				return 1;
			}
			timeout_ms = (int)(left * 1000) + 1;
		}
		struct pollfd fds[2] = {
			{ .fd = vchan_fd(agent->link.vchan), .events = POLLIN },
			{ .fd = signal_fd, .events = POLLIN },
		};
		if (agent->connected && raw_link_pending(&agent->link)) {
			fds[0].events |= POLLOUT;
		}
		if (poll(fds, 2, timeout_ms) < 0) {
			if (errno == EINTR) {
				continue;
			}
			perror("hostile-agent: poll");
			return 2;
		}
		if (fds[1].revents & POLLIN) {
			struct signalfd_siginfo info;
			if (read(signal_fd, &info, sizeof(info)) == (ssize_t)sizeof(info) &&
				info.ssi_signo == SIGUSR1) {
				agent->go = true;
			} else {
				return 0;
			}
		}
		if (fds[0].revents == 0) {
			continue;
		}
		if (!agent->connected) {
			enum vchan_state state = vchan_wait(agent->link.vchan);
			if (state == VCHAN_CONNECTED) {
				on_connected(agent);
			} else if (state == VCHAN_CLOSED) {
				fprintf(stderr,
					"hostile-agent: the channel closed before dom0 came\n");
				return 2;
			}
			continue;
		}
		if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (vchan_wait(agent->link.vchan) == VCHAN_CLOSED ||
				!raw_link_receive(&agent->link, handle_dom0_msg, agent)) {
				break;
			}
		}
	}
	say("closed by dom0");
	return agent->hcase->kind == KIND_REFUSED ? 0 : 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: mullion-test-hostile-agent --vchan socket:DIR --case NAME [options]\n"
		"\n"
		"Plays a VM's agent that attacks its bridge; see hostile-agent.c.\n"
		"\n"
		"  --vchan socket:DIR   where to listen, as mullion-agent\n"
		"  --case NAME          the attack (below)\n"
		"  --wait-signal        after the first window, wait for SIGUSR1\n"
		"  --timeout SECONDS    refused cases: how long dom0 may take to\n"
		"                       close the connection (default 5)\n"
		"\n"
		"Cases:\n");
	for (size_t i = 0; i < CASE_COUNT; i++) {
		fprintf(out, "  %-22s %s\n", cases[i].name, cases[i].help);
	}
}

int main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "vchan", required_argument, NULL, 'c' },
		{ "case", required_argument, NULL, 'k' },
		{ "wait-signal", no_argument, NULL, 'w' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *vchan = NULL, *name = NULL;
	bool wait_signal = false;
	double timeout_s = 5.0;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			vchan = optarg;
			break;
		case 'k':
			name = optarg;
			break;
		case 'w':
			wait_signal = true;
			break;
		case 't':
			timeout_s = strtod(optarg, NULL);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	const struct hostile_case *hcase = NULL;
	for (size_t i = 0; name != NULL && i < CASE_COUNT; i++) {
		if (strcmp(cases[i].name, name) == 0) {
			hcase = &cases[i];
		}
	}
	struct vchan_address address;
	if (vchan == NULL || hcase == NULL || !vchan_address_parse(vchan, &address) ||
		!(timeout_s > 0)) {
		usage(stderr);
		return 2;
	}
	mlog_init("hostile-agent", MLOG_INFO);

	struct agent agent = {
		.hcase = hcase,
		.go = !wait_signal,
		.buffer_free = true,
	};
	struct vchan *vchan_server = vchan_server_init(&address, VCHAN_GUI_PORT, POOL_PAGES);
	if (vchan_server == NULL) {
		return 2;
	}
	if (!raw_link_init(&agent.link, vchan_server, TX_CAP, "hostile-agent")) {
		vchan_close(vchan_server);
		return 2;
	}
	agent.pixels = vchan_share_pages(vchan_server, WINDOW_PAGES, agent.refs);
	if (agent.pixels == NULL) {
		return 2;
	}
	if (hcase->kind == KIND_FLOOD) {
		agent.flood_pixels =
			vchan_share_pages(vchan_server, FLOOD_WINDOWS, agent.flood_refs);
		if (agent.flood_pixels == NULL) {
			return 2;
		}
	}
	say("listening");
	int status = run(&agent, timeout_s);
	raw_link_finish(&agent.link);
	vchan_close(vchan_server);
	return status;
}
