/*
 * The link to one VM over vchan. Everything the VM sends passes, in this
 * order: a bounded read buffer, the decoder (wire_decode, from the VM),
 * the stateful rules (validate.c), and only then the window code. The
 * first violation logs one line and ends the connection; the VM may
 * connect again, with nothing of the old one left.
 *
 * dom0 never waits on the VM: reads and writes are non-blocking, what
 * dom0 sends is queued up to a cap, and each wakeup handles a bounded
 * number of messages (protocols/wire-protocol.md, "Flow control").
 */
#include "vm-bridge/vm_link.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "vm-bridge/dom0_client.h"
#include "vm-bridge/clipboard.h"
#include "vm-bridge/input.h"
#include "vm-bridge/sanitise.h"
#include "vm-bridge/window.h"
#include "common/limits.h"
#include "common/util/log.h"
#include "common/wire/codec.h"
#include "xdg-shell-client-protocol.h"

#define MIB (1024ull * 1024ull)

/* A whole keymap fits the queue, with 256 KiB to spare. */
_Static_assert(VM_LINK_TX_MAX >= WIRE_MAX_KEYMAP_BYTES +
			(WIRE_MAX_KEYMAP_BYTES / WIRE_MAX_KEYMAP_CHUNK) * (WIRE_HEADER_SIZE + 12) +
			256 * 1024,
	"VM_LINK_TX_MAX cannot hold a keymap");

/* Arms the retry timer: first try after first_ns, then every 500 ms. */
static void arm_timer(struct vm_link *link, long first_ns)
{
	struct itimerspec spec = {
		.it_interval = { .tv_nsec = VM_LINK_RETRY_MS * 1000000L },
		.it_value = { .tv_sec = first_ns / 1000000000L, .tv_nsec = first_ns % 1000000000L },
	};
	if (timerfd_settime(link->timer_fd, 0, &spec, NULL) < 0) {
		mlog_errno(MLOG_ERROR, "vm %s: arming the retry timer", link->name);
	}
}

static void disarm_timer(struct vm_link *link)
{
	struct itimerspec spec = { 0 };
	timerfd_settime(link->timer_fd, 0, &spec, NULL);
}

/* Drops the connection and everything it created. */
static void close_connection(struct vm_link *link)
{
	struct bridge_window *window, *tmp;
	wl_list_for_each_safe(window, tmp, &link->windows, link) {
		bridge_window_destroy(window);
	}
	/* Unmaps whatever is left of the VM's pages. */
	vchan_close(link->vchan);
	link->vchan = NULL;
	link->connected = false;
	link->failed = false;
	link->violation = false;
	link->rx_start = link->rx_end = 0;
	link->rx_backlog = false;
	link->tx_start = link->tx_end = 0;
	validate_reset(&link->validate);
}

static void disconnect(struct vm_link *link)
{
	/* A VM that keeps breaking the rules is heard less and less
	 * often; one that just went away is looked for again at once. */
	if (link->violation) {
		link->retry_ms = link->retry_ms * 2 > VM_LINK_RETRY_MAX_MS ? VM_LINK_RETRY_MAX_MS
									   : link->retry_ms * 2;
	} else {
		link->retry_ms = VM_LINK_RETRY_MS;
	}
	close_connection(link);
	mlog(MLOG_INFO, "vm %s: disconnected; connecting again in %ld ms", link->name,
		link->retry_ms);
	arm_timer(link, link->retry_ms * 1000000L);
}

/* Marks the connection to be closed; true for the first call only. */
static bool begin_failure(struct vm_link *link, bool violation)
{
	if (link->failed) {
		return false;
	}
	link->failed = true;
	link->violation = violation;
	return true;
}

void vm_link_violation(struct vm_link *link, uint32_t untrusted_type, const char *fmt, ...)
{
	if (!begin_failure(link, true)) {
		return;
	}
	char why[256];
	va_list args;
	va_start(args, fmt);
	vsnprintf(why, sizeof(why), fmt, args);
	va_end(args);
	/* An unknown type is named by its number, never by VM text. */
	char type_name[32];
	const char *name = wire_msg_type_str(untrusted_type);
	if (strcmp(name, "unknown") == 0) {
		snprintf(type_name, sizeof(type_name), "type 0x%x", untrusted_type);
		name = type_name;
	}
	mlog(MLOG_ERROR, "vm %s: %s: %s", link->name, name, why);
}

void vm_link_dom0_failure(struct vm_link *link, const char *fmt, ...)
{
	if (!begin_failure(link, false)) {
		return;
	}
	char why[256];
	va_list args;
	va_start(args, fmt);
	vsnprintf(why, sizeof(why), fmt, args);
	va_end(args);
	mlog(MLOG_ERROR, "vm %s: dom0 failed: %s; reconnecting without penalty", link->name, why);
}

void vm_link_bug(struct vm_link *link, const char *fmt, ...)
{
	if (!begin_failure(link, false)) {
		return;
	}
	char why[256];
	va_list args;
	va_start(args, fmt);
	vsnprintf(why, sizeof(why), fmt, args);
	va_end(args);
	mlog(MLOG_ERROR, "vm %s: BUG in mullion-bridge: %s; reconnecting", link->name, why);
}

struct vm_link *vm_link_create(const struct vm_link_options *options, struct dom0_client *dom0)
{
	struct vm_link *link = calloc(1, sizeof(*link));
	if (link == NULL) {
		mlog(MLOG_ERROR, "out of memory");
		return NULL;
	}
	link->name = options->vm_name;
	link->address = options->address;
	if (options->max_windows < 1 || options->max_windows > WIRE_MAX_WINDOWS_LIMIT ||
		options->max_buffer_mib < 1 ||
		options->max_buffer_mib > WIRE_MAX_BUFFER_MIB_LIMIT) {
		mlog(MLOG_ERROR, "vm %s: limits out of range: %u windows, %u MiB", link->name,
			options->max_windows, options->max_buffer_mib);
		free(link);
		return NULL;
	}
	link->max_windows = options->max_windows;
	link->output_scale = 1;
	link->max_buffer_mib = options->max_buffer_mib;
	link->titles = options->titles;
	link->dom0 = dom0;
	link->timer_fd = -1;
	link->retry_ms = VM_LINK_RETRY_MS;
	wl_list_init(&link->windows);

	uint64_t quota = (uint64_t)options->max_buffer_mib * MIB;
	struct validate_limits limits = {
		.max_windows = options->max_windows,
		.max_buffer_bytes = quota,
	};
	validate_init(&link->validate, &limits);
	/* Two dom0 copies of every window at most as large as the VM's
	 * quota: a VM cannot make dom0 allocate more than twice what it
	 * may share. */
	link->max_dom0_bytes = 2 * quota;
	/* The pool costs dom0 nothing until its pages are mapped, and the
	 * quota bounds what is mapped; this only refuses absurd pools, so
	 * a quota smaller than the agent's pool does not lock the VM out. */
	link->max_pool_pages = (uint32_t)(LIMIT_POOL_MIB_MAX * MIB / WIRE_PAGE_SIZE);

	link->rx = malloc(WIRE_MAX_MESSAGE_SIZE);
	link->tx = malloc(VM_LINK_TX_MAX);
	link->refs = calloc(WIRE_MAX_BUFFER_REFS, sizeof(*link->refs));
	if (link->rx == NULL || link->tx == NULL || link->refs == NULL) {
		mlog(MLOG_ERROR, "out of memory");
		goto error;
	}
	link->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (link->timer_fd < 0) {
		mlog_errno(MLOG_ERROR, "timerfd_create");
		goto error;
	}
	/* The first try at once. */
	arm_timer(link, 1);
	return link;

error:
	vm_link_destroy(link);
	return NULL;
}

void vm_link_destroy(struct vm_link *link)
{
	if (link == NULL) {
		return;
	}
	close_connection(link);
	if (link->properties_sync != NULL) {
		wl_callback_destroy(link->properties_sync);
	}
	if (link->timer_fd >= 0) {
		close(link->timer_fd);
	}
	validate_finish(&link->validate);
	free(link->keymap);
	free(link->refs);
	free(link->tx);
	free(link->rx);
	free(link);
}

int vm_link_timer_fd(const struct vm_link *link)
{
	return link->timer_fd;
}

int vm_link_vchan_fd(const struct vm_link *link)
{
	return link->vchan != NULL ? vchan_fd(link->vchan) : -1;
}

short vm_link_vchan_events(const struct vm_link *link)
{
	short events = POLLIN;
	if (link->connected && link->tx_end > link->tx_start) {
		events |= POLLOUT;
	}
	return events;
}

bool vm_link_has_backlog(const struct vm_link *link)
{
	return link->vchan != NULL && link->rx_backlog;
}

int vm_link_drop_idle(struct vm_link *link)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	int next = -1;
	struct bridge_window *window;
	wl_list_for_each(window, &link->windows, link) {
		int left = bridge_window_drop_idle(window, now_ms);
		if (left >= 0 && (next < 0 || left < next)) {
			next = left;
		}
	}
	return next;
}

bool vm_link_send(struct vm_link *link, const struct wire_msg *msg)
{
	if (!link->connected || link->failed) {
		return false;
	}
	struct wire_msg out = *msg;
	if (!validate_outgoing(&link->validate, &out)) {
		mlog(MLOG_ERROR, "vm %s: %s for window %u, which the VM does not have", link->name,
			wire_msg_type_str(msg->type), msg->configure.window_id);
		return false;
	}
	size_t n = wire_encoded_size(&out, WIRE_FROM_DOM0);
	if (n == 0) {
		mlog(MLOG_ERROR, "vm %s: cannot encode %s", link->name,
			wire_msg_type_str(msg->type));
		return false;
	}
	if (n > VM_LINK_TX_MAX - link->tx_end && link->tx_start > 0) {
		memmove(link->tx, link->tx + link->tx_start, link->tx_end - link->tx_start);
		link->tx_end -= link->tx_start;
		link->tx_start = 0;
	}
	if (n > VM_LINK_TX_MAX - link->tx_end) {
		vm_link_violation(link, msg->type, "the VM stopped reading: %d KiB queued for it",
			VM_LINK_TX_MAX / 1024);
		return false;
	}
	link->tx_end += wire_encode(&out, WIRE_FROM_DOM0, link->tx + link->tx_end,
		VM_LINK_TX_MAX - link->tx_end);
	return true;
}

void vm_link_flush(struct vm_link *link)
{
	if (!link->connected || link->failed) {
		return;
	}
	while (link->tx_start < link->tx_end) {
		ssize_t n = vchan_write(link->vchan, link->tx + link->tx_start,
			link->tx_end - link->tx_start);
		if (n < 0) {
			/* The VM went away; vchan said why. */
			link->failed = true;
			return;
		}
		if (n == 0) {
			return; /* POLLOUT brings us back */
		}
		link->tx_start += (size_t)n;
	}
	link->tx_start = link->tx_end = 0;
}

void vm_link_reap(struct vm_link *link)
{
	if (link->failed) {
		disconnect(link);
	}
}

static void send_keymap(struct vm_link *link)
{
	for (uint32_t offset = 0; offset < link->keymap_size; offset += WIRE_MAX_KEYMAP_CHUNK) {
		uint32_t left = link->keymap_size - offset;
		struct wire_msg chunk = {
			.type = WIRE_KEYMAP,
			.keymap = {
				.total_size = link->keymap_size,
				.offset = offset,
				.length = left < WIRE_MAX_KEYMAP_CHUNK ? left : WIRE_MAX_KEYMAP_CHUNK,
				.data = link->keymap + offset,
			},
		};
		if (!vm_link_send(link, &chunk)) {
			return;
		}
	}
}

void vm_link_set_keymap(struct vm_link *link, const void *keymap, uint32_t size)
{
	if (size == 0 || size > WIRE_MAX_KEYMAP_BYTES) {
		mlog(MLOG_ERROR, "vm %s: a keymap of %u bytes is not forwarded", link->name, size);
		return;
	}
	uint8_t *copy = malloc(size);
	if (copy == NULL) {
		mlog(MLOG_ERROR, "vm %s: out of memory for a %u byte keymap", link->name, size);
		return;
	}
	memcpy(copy, keymap, size);
	free(link->keymap);
	link->keymap = copy;
	link->keymap_size = size;
	send_keymap(link);
}

static void on_connected(struct vm_link *link)
{
	link->connected = true;
	link->connection++;
	link->rx_start = link->rx_end = 0;
	link->tx_start = link->tx_end = 0;
	validate_reset(&link->validate);

	int32_t w = link->dom0->output_width, h = link->dom0->output_height;
	link->output_scale = link->dom0->output_scale;
	struct wire_msg hello = {
		.type = WIRE_HELLO,
		.hello = {
			.version = WIRE_VERSION,
			.output_width = w > 0 && w <= WIRE_MAX_WIDTH ?
				(uint32_t)w : 0,
			.output_height = h > 0 && h <= WIRE_MAX_HEIGHT ?
				(uint32_t)h : 0,
			/* Everything this bridge implements (the spec's
			 * section 5); the VM uses what both announced. */
			.capabilities = WIRE_CAP_POPUPS | WIRE_CAP_INPUT | WIRE_CAP_CURSOR |
				WIRE_CAP_CLIPBOARD | WIRE_CAP_DAMAGE_PARTS,
			.output_scale = (uint32_t)link->output_scale,
			.max_windows = link->max_windows,
			.max_buffer_mib = link->max_buffer_mib,
		},
	};
	vm_link_send(link, &hello);
	send_keymap(link);
	mlog(MLOG_INFO, "vm %s: vchan connected, sent HELLO (output %ux%u, scale %u)", link->name,
		hello.hello.output_width, hello.hello.output_height, hello.hello.output_scale);
}

void vm_link_handle_timer(struct vm_link *link)
{
	uint64_t expirations;
	if (read(link->timer_fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN) {
		mlog_errno(MLOG_ERROR, "vm %s: reading the retry timer", link->name);
	}
	if (link->vchan != NULL) {
		return;
	}
	link->vchan = vchan_client_init(&link->address, VCHAN_GUI_PORT, link->max_pool_pages);
	if (link->vchan == NULL) {
		return; /* nobody listens yet: the timer tries again */
	}
	disarm_timer(link);
	mlog(MLOG_DEBUG, "vm %s: vchan connecting", link->name);
	if (vchan_state(link->vchan) == VCHAN_CONNECTED) {
		on_connected(link);
	}
}

static void handle_window_create(struct vm_link *link, const struct wire_window_create *create)
{
	/* validate.c: a popup's parent exists (toplevel or popup), a
	 * toplevel's parent is an existing toplevel. */
	struct bridge_window *parent = create->parent_id != WIRE_ID_INVALID
		? bridge_window_find(link, create->parent_id)
		: NULL;
	if (create->kind == WIRE_WINDOW_POPUP && parent == NULL) {
		vm_link_bug(link, "popup %u passed validation without a parent", create->window_id);
		return;
	}
	struct bridge_window *window = create->kind == WIRE_WINDOW_POPUP
		? bridge_window_create_popup(link, create->window_id, parent, create->x, create->y,
			  create->width, create->height, create->flags & WIRE_WINDOW_GRAB)
		: bridge_window_create(link, create->window_id);
	if (window == NULL) {
		vm_link_dom0_failure(link, "cannot create window %u", create->window_id);
		return;
	}
	if (window->toplevel != NULL && parent != NULL && parent->toplevel != NULL) {
		xdg_toplevel_set_parent(window->toplevel, parent->toplevel);
	}
}

static void handle_window_request(struct bridge_window *window, uint32_t request)
{
	/* Requests only: the compositor decides, and says so in a
	 * configure. */
	switch (request) {
	case WIRE_REQUEST_MAXIMIZE:
		xdg_toplevel_set_maximized(window->toplevel);
		break;
	case WIRE_REQUEST_UNMAXIMIZE:
		xdg_toplevel_unset_maximized(window->toplevel);
		break;
	case WIRE_REQUEST_FULLSCREEN:
		xdg_toplevel_set_fullscreen(window->toplevel, NULL);
		break;
	case WIRE_REQUEST_UNFULLSCREEN:
		xdg_toplevel_unset_fullscreen(window->toplevel);
		break;
	case WIRE_REQUEST_MINIMIZE:
		xdg_toplevel_set_minimized(window->toplevel);
		break;
	}
}

/* The window of a message, which must have a surface of the bridge's. */
static uint32_t window_id_of(const struct wire_msg *msg)
{
	switch (msg->type) {
	case WIRE_WINDOW_CREATE:
		return msg->window_create.window_id;
	case WIRE_WINDOW_DESTROY:
		return msg->window_destroy.window_id;
	case WIRE_WINDOW_TITLE:
		return msg->window_title.window_id;
	case WIRE_WINDOW_APP_ID:
		return msg->window_app_id.window_id;
	case WIRE_WINDOW_HINTS:
		return msg->window_hints.window_id;
	case WIRE_WINDOW_REQUEST:
		return msg->window_request.window_id;
	case WIRE_WINDOW_MOVE:
		return msg->window_move.window_id;
	case WIRE_CONFIGURE_ACK:
		return msg->configure_ack.window_id;
	case WIRE_BUFFER_CREATE:
		return msg->buffer_create.window_id;
	case WIRE_BUFFER_DESTROY:
		return msg->buffer_destroy.window_id;
	case WIRE_DAMAGE:
		return msg->damage.window_id;
	case WIRE_DAMAGE_PART:
		return msg->damage_part.window_id;
	default:
		return WIRE_ID_INVALID;
	}
}

static void handle_msg(struct vm_link *link, const struct wire_msg *untrusted_msg)
{
	char why[VALIDATE_WHY_MAX];
	if (!validate_msg(&link->validate, untrusted_msg, why)) {
		vm_link_violation(link, untrusted_msg->type, "%s", why);
		return;
	}
	/* now: msg is consistent with everything the VM said before */
	const struct wire_msg *msg = untrusted_msg;

	struct bridge_window *window = NULL;
	uint32_t window_id = window_id_of(msg);
	if (window_id != WIRE_ID_INVALID && msg->type != WIRE_WINDOW_CREATE) {
		window = bridge_window_find(link, window_id);
		if (window == NULL) {
			/* validate.c and the window list disagree: a
			 * bridge bug, but the safe answer is the same. */
			vm_link_bug(link, "window %u passed validation but is unknown", window_id);
			return;
		}
	}

	switch (msg->type) {
	case WIRE_HELLO:
		mlog(MLOG_INFO, "vm %s: connected, protocol version %u, capabilities 0x%x",
			link->name, msg->hello.version, msg->hello.capabilities);
		return;
	case WIRE_WINDOW_CREATE:
		handle_window_create(link, &msg->window_create);
		return;
	case WIRE_WINDOW_DESTROY:
		bridge_window_destroy(window);
		return;
	case WIRE_WINDOW_MOVE:
		bridge_window_move_popup(window, msg->window_move.x, msg->window_move.y);
		return;
	case WIRE_WINDOW_TITLE: {
		char title[TITLE_SANITISED_MAX];
		title_sanitise(msg->window_title.title, msg->window_title.length, link->titles,
			title);
		bridge_window_set_title(window, title);
		return;
	}
	case WIRE_WINDOW_APP_ID: {
		char app_id[APP_ID_SANITISED_MAX];
		app_id_sanitise(msg->window_app_id.app_id, msg->window_app_id.length, app_id);
		bridge_window_set_app_id(window, app_id);
		return;
	}
	case WIRE_WINDOW_HINTS:
		bridge_window_set_hints(window, &msg->window_hints);
		return;
	case WIRE_WINDOW_REQUEST:
		handle_window_request(window, msg->window_request.request);
		return;
	case WIRE_BUFFER_CREATE:
		bridge_window_buffer_create(window, &msg->buffer_create);
		return;
	case WIRE_BUFFER_DESTROY:
		bridge_window_buffer_destroy(window, msg->buffer_destroy.buffer_id);
		return;
	case WIRE_DAMAGE:
		bridge_window_damage(window, &msg->damage);
		return;
	case WIRE_DAMAGE_PART:
		/* Checked in full either way; used only if the VM said it
		 * sends them (section 5: what both announced). */
		if (link->validate.vm_capabilities & WIRE_CAP_DAMAGE_PARTS) {
			bridge_window_damage_part(window, &msg->damage_part);
		}
		return;
	case WIRE_CLIPBOARD_DATA:
		if (link->clipboard != NULL) {
			bridge_clipboard_data(link->clipboard, &msg->clipboard_data);
		}
		return;
	case WIRE_CURSOR_IMAGE:
		if (link->input != NULL) {
			bridge_input_set_cursor(link->input, &msg->cursor_image);
		}
		return;
	/* Checked and recorded by validate_msg; dom0 does not yet hold a
	 * resize until its ack, nor ping a VM (doc/architecture.md). */
	case WIRE_CONFIGURE_ACK:
	case WIRE_PONG:
		mlog(MLOG_DEBUG, "vm %s: %s accepted", link->name, wire_msg_type_str(msg->type));
		return;
	case WIRE_FRAME_DONE:
	case WIRE_BUFFER_RELEASE:
	case WIRE_CONFIGURE:
	case WIRE_CLOSE:
	case WIRE_KEYMAP:
	case WIRE_KEY:
	case WIRE_MODIFIERS:
	case WIRE_KEYBOARD_ENTER:
	case WIRE_KEYBOARD_LEAVE:
	case WIRE_POINTER_ENTER:
	case WIRE_POINTER_LEAVE:
	case WIRE_POINTER_MOTION:
	case WIRE_POINTER_BUTTON:
	case WIRE_POINTER_AXIS:
	case WIRE_POINTER_FRAME:
	case WIRE_CLIPBOARD_REQUEST:
	case WIRE_CLIPBOARD_SET:
	case WIRE_PING:
		/* The decoder and validate_msg refused these. */
		return;
	}
}

/* Reads and handles what the VM sent, up to the per-wakeup budget. */
static void receive(struct vm_link *link)
{
	link->rx_backlog = false;
	unsigned handled = 0;
	bool short_read = false;
	while (!link->failed) {
		/* Nothing more from the VM while the compositor cannot take
		 * what the last message asked of it (its requests would
		 * overfill libwayland's buffer, which ends the connection),
		 * or has not caught up with the budget sent before. */
		if (handled == VM_LINK_MSGS_PER_WAKEUP || !dom0_client_ready(link->dom0)) {
			link->rx_backlog = true;
			return;
		}
		size_t untrusted_avail = link->rx_end - link->rx_start;
		struct wire_msg msg;
		size_t consumed = 0;
		enum wire_status status = wire_decode(link->rx + link->rx_start, untrusted_avail,
			WIRE_FROM_VM, &msg, &consumed);
		if (status == WIRE_OK) {
			link->rx_start += consumed;
			handle_msg(link, &msg);
			handled++;
			/* A message's requests are at most a few hundred bytes
			 * (titles and hints wait for the safe point), so one
			 * fits whatever the buffer still holds. */
			if (!dom0_client_flush(link->dom0)) {
				link->rx_backlog = true; /* the loop finds it lost */
				return;
			}
			continue;
		}
		if (status != WIRE_INCOMPLETE) {
			/* Only named in the log, never acted on. */
			uint32_t untrusted_type = 0;
			wire_peek_type(link->rx + link->rx_start, untrusted_avail, &untrusted_type);
			vm_link_violation(link, untrusted_type, "%s", wire_status_str(status));
			return;
		}

		/* Keep the partial tail, at the front, and read behind it. */
		if (link->rx_start > 0) {
			memmove(link->rx, link->rx + link->rx_start, untrusted_avail);
			link->rx_start = 0;
			link->rx_end = untrusted_avail;
		}
		if (short_read) {
			return; /* all read; poll brings more */
		}
		if (link->rx_end == WIRE_MAX_MESSAGE_SIZE) {
			/* The decoder refuses longer messages, so a full
			 * buffer always decodes: unreachable. */
			vm_link_bug(link, "receive buffer full");
			return;
		}
		size_t room = WIRE_MAX_MESSAGE_SIZE - link->rx_end;
		ssize_t n = vchan_read(link->vchan, link->rx + link->rx_end, room);
		if (n < 0) {
			/* vchan logged why; the reap says what follows. */
			link->failed = true;
			return;
		}
		if (n == 0) {
			return; /* all read; poll brings more */
		}
		link->rx_end += (size_t)n;
		/* A short read emptied the channel: handle what came and
		 * let poll say when there is more, rather than spend a read
		 * on finding nothing. */
		short_read = (size_t)n < room;
	}
}

static void handle_properties_done(void *data, struct wl_callback *callback, uint32_t time)
{
	struct vm_link *link = data;
	wl_callback_destroy(callback);
	link->properties_sync = NULL;
}

static const struct wl_callback_listener properties_sync_listener = {
	.done = handle_properties_done,
};

void vm_link_send_pending(struct vm_link *link)
{
	/* Titles, app ids and hints: one batch in flight at a time, so a VM
	 * that changes them without end sends them at the pace the
	 * compositor handles them, and never more than one per window
	 * waits in its socket ahead of other clients. */
	bool properties = link->properties_sync == NULL;
	bool sent = false;
	struct bridge_window *window;
	wl_list_for_each(window, &link->windows, link) {
		if (link->dom0->blocked) {
			break; /* the rest at the next safe point */
		}
		uint32_t due = properties ? window->dirty : window->dirty & BRIDGE_WINDOW_DIRTY_ACK;
		if (due == 0 && window->pending_id == WIRE_ID_INVALID) {
			continue;
		}
		sent |= bridge_window_send_pending(window, properties);
		if (!dom0_client_flush(link->dom0)) {
			return; /* the loop finds it lost */
		}
	}
	if (sent) {
		link->properties_sync = wl_display_sync(link->dom0->display);
		wl_callback_add_listener(link->properties_sync, &properties_sync_listener, link);
	}
}

void vm_link_handle_vchan(struct vm_link *link, short revents)
{
	if (link->vchan == NULL) {
		return;
	}
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		enum vchan_state state = vchan_wait(link->vchan);
		if (state == VCHAN_CLOSED) {
			if (!link->connected) {
				mlog(MLOG_DEBUG, "vm %s: vchan closed while connecting",
					link->name);
				link->failed = true;
			} else if (link->rx_end == link->rx_start) {
				mlog(MLOG_DEBUG, "vm %s: the VM closed the connection", link->name);
				link->failed = true;
			}
			/* Else: handle what was received first. */
		} else if (state == VCHAN_CONNECTED && !link->connected) {
			on_connected(link);
		}
	}
	if (link->connected && !link->failed &&
		(revents & (POLLIN | POLLHUP | POLLERR) || link->rx_backlog)) {
		receive(link);
	}
	if (revents & POLLOUT) {
		vm_link_flush(link);
	}
	vm_link_reap(link);
}
