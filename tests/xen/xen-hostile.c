/*
 * mullion-test-xen-hostile: a VM's agent that attacks dom0 through the
 * real Xen grant path, one case per run, for the Xen lab (tests/xen/,
 * doc/xen.md). It is the VM side of a xen: vchan: it offers the ring to
 * dom0, shares its pages with gntalloc, and speaks the wire protocol with
 * the shared codec. The socket backend's attacks are
 * mullion-test-hostile-agent's; these are the ones only Xen has:
 *
 * - reserved-ref: a buffer whose last ref is grant 1, the xenstore ring
 *   that the toolstack granted to dom0. Mapped, it would put a page of
 *   dom0's own backend on screen as the VM's pixels. Refused.
 * - ungranted-ref: a buffer whose last ref lies past the end of any grant
 *   table: Xen refuses the mapping, and dom0 must refuse the VM. Refused.
 * - over-quota: a buffer of real, granted pages, more of them than dom0's
 *   quota for this VM (the lab sets max-buffer-mib = 1). Refused.
 * - revoke: an ordinary window; once dom0 has shown it, the VM takes its
 *   pages back (gntalloc unshares them) while dom0 still maps them, and
 *   keeps sending damage. dom0 must go on as if nothing happened: Xen keeps
 *   the pages until dom0 unmaps them. Ends after --seconds.
 * - window: an ordinary animated window, until dom0 closes or --seconds.
 *
 * stdout, one line each: "listening", "connected", "sent", "shown" (first
 * FRAME_DONE), "revoked", "closed by dom0", "still connected". Exit status:
 * refused cases 0 when dom0 closed the connection within --seconds, 1 when
 * it did not; revoke and window 0 when the connection stayed up and frames
 * kept coming, 1 otherwise; 2 for a failure of its own.
 */
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
#include <time.h>

#include "common/util/log.h"
#include "common/vchan/vchan.h"
#include "common/wire/codec.h"
#include "common/wire/protocol.h"
#include "raw_link.h"

#define WINDOW_ID 1
#define BUFFER_ID 1
#define SMALL_SIZE 64 /* pixels, square: 4 pages */
/* 520 x 520 x 4 bytes is 265 pages: past the lab's quota of 1 MiB (256
 * pages), and well inside gntalloc's default limit of 1024. */
#define LARGE_SIZE 520
#define MAX_PAGES ((LARGE_SIZE * LARGE_SIZE * 4 + WIRE_PAGE_SIZE - 1) / WIRE_PAGE_SIZE)
/* Grant 1 is the xenstore ring (GNTTAB_RESERVED_XENSTORE). */
#define XENSTORE_RING_REF 1
/* Past the largest grant table Xen 4.17 gives a domain (gnttab_max_frames
 * 64 of 512 entries by default; at most a few thousand frames). */
#define UNGRANTED_REF 0x00fffff0u
#define TX_CAP (256u * 1024u)

enum case_kind {
	KIND_REFUSED,
	KIND_WINDOW,
};

struct agent;

struct hostile_case {
	const char *name;
	enum case_kind kind;
	uint32_t size; /* the window's width and height */
	void (*run)(struct agent *agent); /* queues the case once dom0 said HELLO */
	const char *help;
};

struct agent {
	const struct hostile_case *hcase;
	struct raw_link link; /* its vchan is the agent's */
	bool connected, dom0_hello, started, revoked;

	uint8_t *pixels;
	uint32_t pages;
	uint32_t refs[MAX_PAGES];
	unsigned long frames;
	bool buffer_free, frame_due;
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

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void queue(struct agent *agent, const struct wire_msg *msg)
{
	raw_link_queue(&agent->link, msg);
}

static void queue_window(struct agent *agent, const char *title)
{
	uint32_t size = agent->hcase->size;
	queue(agent,
		&(struct wire_msg){
			.type = WIRE_WINDOW_CREATE,
			.window_create = { .window_id = WINDOW_ID,
				.width = size,
				.height = size,
				.kind = WIRE_WINDOW_TOPLEVEL },
		});
	queue(agent,
		&(struct wire_msg){
			.type = WIRE_WINDOW_TITLE,
			.window_title = { .window_id = WINDOW_ID,
				.length = (uint32_t)strlen(title),
				.title = title },
		});
}

/* BUFFER_CREATE of all the pages shared, the last ref replaced by last. */
static void queue_buffer(struct agent *agent, uint32_t last)
{
	static uint8_t ref_bytes[4 * MAX_PAGES];
	for (uint32_t i = 0; i < agent->pages; i++) {
		wire_ref_set(ref_bytes, i, i + 1 == agent->pages ? last : agent->refs[i]);
	}
	uint32_t size = agent->hcase->size;
	queue(agent,
		&(struct wire_msg){
			.type = WIRE_BUFFER_CREATE,
			.buffer_create = { .window_id = WINDOW_ID,
				.buffer_id = BUFFER_ID,
				.width = size,
				.height = size,
				.stride = size * 4,
				.format = WIRE_FORMAT_XRGB8888,
				.ref_count = agent->pages,
				.refs = ref_bytes },
		});
}

static void draw(struct agent *agent)
{
	uint32_t size = agent->hcase->size;
	/* Once revoked the pages are gone from this side: damage alone. */
	if (!agent->revoked) {
		uint32_t colour = 0x00402000u | (uint32_t)(agent->frames * 7 % 256) |
			((uint32_t)(agent->frames * 3 % 128 + 64) << 16);
		uint32_t *p = (uint32_t *)agent->pixels;
		for (size_t i = 0; i < (size_t)size * size; i++) {
			p[i] = colour;
		}
	}
	agent->buffer_free = false;
	agent->frame_due = false;
	queue(agent,
		&(struct wire_msg){
			.type = WIRE_DAMAGE,
			.damage = { .window_id = WINDOW_ID,
				.buffer_id = BUFFER_ID,
				.rect_count = 1,
				.rects = { { 0, 0, size, size } } },
		});
}

/* --- the cases --- */

static void case_reserved_ref(struct agent *agent)
{
	queue_window(agent, "xen-hostile reserved-ref");
	queue_buffer(agent, XENSTORE_RING_REF);
}

static void case_ungranted_ref(struct agent *agent)
{
	queue_window(agent, "xen-hostile ungranted-ref");
	queue_buffer(agent, UNGRANTED_REF);
}

static void case_over_quota(struct agent *agent)
{
	queue_window(agent, "xen-hostile over-quota");
	queue_buffer(agent, agent->refs[agent->pages - 1]);
	draw(agent);
}

static void case_window(struct agent *agent)
{
	queue_window(agent, "xen-hostile window");
	queue_buffer(agent, agent->refs[agent->pages - 1]);
	draw(agent);
}

static const struct hostile_case cases[] = {
	{ "reserved-ref", KIND_REFUSED, SMALL_SIZE, case_reserved_ref,
		"a buffer naming grant 1, the xenstore ring granted to dom0" },
	{ "ungranted-ref", KIND_REFUSED, SMALL_SIZE, case_ungranted_ref,
		"a buffer naming a ref past the end of the grant table" },
	{ "over-quota", KIND_REFUSED, LARGE_SIZE, case_over_quota,
		"a 520x520 buffer of granted pages, over a 1 MiB quota" },
	{ "revoke", KIND_WINDOW, SMALL_SIZE, case_window,
		"a window whose pages the VM unshares while dom0 maps them" },
	{ "window", KIND_WINDOW, SMALL_SIZE, case_window, "an ordinary animated window" },
};
#define CASE_COUNT (sizeof(cases) / sizeof(cases[0]))

/* --- the connection --- */

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
		if (agent->frames++ == 0) {
			say("shown");
		}
		break;
	default:
		return;
	}
	if (agent->hcase->kind == KIND_WINDOW && agent->buffer_free && agent->frame_due) {
		draw(agent);
	}
}

/* Returns the exit status. */
static int run(struct agent *agent, double seconds)
{
	double deadline = 0;
	double revoke_at = 0;
	for (;;) {
		if (agent->connected && agent->dom0_hello && !agent->started) {
			agent->started = true;
			agent->hcase->run(agent);
			deadline = now_s() + seconds;
			say("sent");
		}
		/* revoke: a second after dom0 first showed the window. */
		if (strcmp(agent->hcase->name, "revoke") == 0 && agent->frames > 0 &&
			!agent->revoked) {
			if (revoke_at == 0) {
				revoke_at = now_s() + 1.0;
			} else if (now_s() >= revoke_at) {
				vchan_unshare_pages(agent->link.vchan, agent->pixels, agent->pages,
					agent->refs);
				agent->pixels = NULL;
				agent->revoked = true;
				say("revoked");
			}
		}
		if (agent->connected && !raw_link_flush(&agent->link)) {
			break;
		}
		int timeout_ms = 100;
		if (deadline > 0 && now_s() >= deadline) {
			if (agent->hcase->kind == KIND_REFUSED) {
				say("still connected %.0f s after the hostile message", seconds);
				return 1;
			}
			say("frames %lu", agent->frames);
			return agent->frames > 1 ? 0 : 1;
		}
		struct pollfd pfd = { .fd = vchan_fd(agent->link.vchan), .events = POLLIN };
		if (agent->connected && raw_link_pending(&agent->link)) {
			pfd.events |= POLLOUT;
		}
		if (poll(&pfd, 1, timeout_ms) < 0) {
			if (errno == EINTR) {
				continue;
			}
			perror("xen-hostile: poll");
			return 2;
		}
		/* The Xen backend reads the event channel only when it has
		 * one, and looks at the ring's state each time round. */
		enum vchan_state state = vchan_wait(agent->link.vchan);
		if (!agent->connected) {
			if (state == VCHAN_CONNECTED) {
				agent->connected = true;
				say("connected");
				queue(agent,
					&(struct wire_msg){ .type = WIRE_HELLO,
						.hello = { .version = WIRE_VERSION } });
			} else if (state == VCHAN_CLOSED) {
				fprintf(stderr,
					"xen-hostile: the channel closed before dom0 came\n");
				return 2;
			}
			continue;
		}
		if (state == VCHAN_CLOSED ||
			!raw_link_receive(&agent->link, handle_dom0_msg, agent)) {
			break;
		}
	}
	say("closed by dom0");
	return agent->hcase->kind == KIND_REFUSED ? 0 : 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: mullion-test-xen-hostile --vchan xen:0 --case NAME [--seconds S]\n"
		"\n"
		"Plays a VM's agent that attacks dom0 through Xen grants; see\n"
		"tests/xen/xen-hostile.c.\n"
		"\n"
		"  --vchan ADDRESS   where dom0 is, as mullion-agent (xen:0)\n"
		"  --case NAME       the attack (below)\n"
		"  --seconds S       how long dom0 may take to refuse, or how long\n"
		"                    a window case runs (default 20)\n"
		"\n"
		"Cases:\n");
	for (size_t i = 0; i < CASE_COUNT; i++) {
		fprintf(out, "  %-15s %s\n", cases[i].name, cases[i].help);
	}
}

int main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "vchan", required_argument, NULL, 'c' },
		{ "case", required_argument, NULL, 'k' },
		{ "seconds", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *vchan = NULL, *name = NULL;
	double seconds = 20.0;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			vchan = optarg;
			break;
		case 'k':
			name = optarg;
			break;
		case 's':
			seconds = strtod(optarg, NULL);
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
		!(seconds > 0)) {
		usage(stderr);
		return 2;
	}
	mlog_init("xen-hostile", MLOG_INFO);
	signal(SIGPIPE, SIG_IGN);

	struct agent agent = {
		.hcase = hcase,
		.buffer_free = true,
		.pages = (hcase->size * hcase->size * 4 + WIRE_PAGE_SIZE - 1) / WIRE_PAGE_SIZE,
	};
	struct vchan *vchan_server = vchan_server_init(&address, VCHAN_GUI_PORT, MAX_PAGES);
	if (vchan_server == NULL) {
		return 2;
	}
	if (!raw_link_init(&agent.link, vchan_server, TX_CAP, "xen-hostile")) {
		vchan_close(vchan_server);
		return 2;
	}
	agent.pixels = vchan_share_pages(vchan_server, agent.pages, agent.refs);
	if (agent.pixels == NULL) {
		return 2;
	}
	say("listening");
	int status = run(&agent, seconds);
	raw_link_finish(&agent.link);
	vchan_close(vchan_server);
	return status;
}
