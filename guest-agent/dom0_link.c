/*
 * The agent's end of the vchan. dom0 is trusted more than a VM, but its
 * messages are still checked (wire_decode, then the ordering rules of
 * protocols/wire-protocol.md section 9 here) and a violation resets the
 * link: the agent never guesses what dom0 meant.
 */
#include "guest-agent/dom0_link.h"

#include <stdlib.h>
#include <string.h>
#include <wayland-server-core.h>
#include <wlr/util/log.h>

#include "guest-agent/input.h"
#include "guest-agent/server.h"
#include "guest-agent/window.h"
#include "common/wire/codec.h"

/* Outgoing bytes dom0 may leave unread before it counts as stuck and the
 * link is reset (every message must fit behind what is queued). */
#define OUT_QUEUE_CAP (4u * 1024u * 1024u)
/* What this agent implements, announced in its HELLO. */
#define AGENT_CAPABILITIES \
	(WIRE_CAP_POPUPS | WIRE_CAP_INPUT | WIRE_CAP_CURSOR | WIRE_CAP_CLIPBOARD | \
		WIRE_CAP_DAMAGE_PARTS)

/* After listening failed, e.g. the socket directory vanished. */
#define RELISTEN_DELAY_MS 1000

enum link_state {
	LINK_LISTENING, /* no dom0 yet */
	LINK_HANDSHAKE, /* connected, our HELLO queued, dom0's awaited */
	LINK_READY,
};

struct dom0_link {
	struct agent_server *server;
	struct vchan_address address;
	uint32_t pool_pages;

	struct vchan *vchan; /* NULL until a failed listen is retried */
	enum link_state state;
	/* Set by link_fail: nothing more is sent or read until the reset,
	 * which runs from an idle callback, outside any window code. */
	bool broken;

	struct wl_event_source *fd_source;
	uint32_t fd_mask;
	struct wl_event_source *relisten_timer;
	/* One-shot: the event loop frees an idle source once it ran. */
	struct wl_event_source *flush_idle;
	struct wl_event_source *reset_idle;

	uint8_t *in; /* WIRE_MAX_MESSAGE_SIZE bytes: at most one partial
		      * message stays between reads */
	size_t in_len;
	uint8_t *out; /* OUT_QUEUE_CAP bytes, queued in [out_start, out_end) */
	size_t out_start, out_end;

	/* dom0's first HELLO: its capabilities and limits. */
	struct wire_hello dom0_hello;

	/* The keymap being received, in chunks, and the last complete one. */
	uint8_t *keymap_pending;
	uint32_t keymap_pending_size, keymap_received;
	uint8_t *keymap;
	uint32_t keymap_size;
	/* Where dom0 says its keyboard and pointer are; WIRE_ID_INVALID:
	 * nowhere in this VM. Tracked by id, whether or not the window
	 * still exists here (dom0 learns of a destroy later). */
	uint32_t keyboard_focus, pointer_focus;
};

static int handle_vchan_fd(int fd, uint32_t mask, void *data);

static void handle_reset_idle(void *data);

static void link_fail(struct dom0_link *link)
{
	if (link->broken) {
		return;
	}
	link->broken = true;
	link->reset_idle =
		wl_event_loop_add_idle(link->server->event_loop, handle_reset_idle, link);
	if (!link->reset_idle) {
		wlr_log(WLR_ERROR, "Cannot schedule the dom0 link reset");
	}
}

static uint32_t wanted_mask(const struct dom0_link *link)
{
	uint32_t mask = WL_EVENT_READABLE;
	if (link->state != LINK_LISTENING && link->out_start < link->out_end) {
		mask |= WL_EVENT_WRITABLE;
	}
	return mask;
}

/* Registers the channel's fd anew: it changes with the state (the
 * listening socket becomes the connection) and may be a reused number. */
static void watch_fd(struct dom0_link *link)
{
	if (link->fd_source) {
		wl_event_source_remove(link->fd_source);
		link->fd_source = NULL;
	}
	int fd = vchan_fd(link->vchan);
	if (fd < 0) {
		return;
	}
	link->fd_mask = wanted_mask(link);
	link->fd_source = wl_event_loop_add_fd(link->server->event_loop, fd, link->fd_mask,
		handle_vchan_fd, link);
	if (!link->fd_source) {
		wlr_log(WLR_ERROR, "Cannot watch the dom0 channel");
		link_fail(link);
	}
}

static void update_mask(struct dom0_link *link)
{
	uint32_t mask = wanted_mask(link);
	if (link->fd_source && mask != link->fd_mask) {
		wl_event_source_fd_update(link->fd_source, mask);
		link->fd_mask = mask;
	}
}

static bool start_listening(struct dom0_link *link)
{
	link->vchan = vchan_server_init(&link->address, VCHAN_GUI_PORT, link->pool_pages);
	if (!link->vchan) {
		/* The transport logged why. */
		return false;
	}
	link->state = LINK_LISTENING;
	watch_fd(link);

	char where[VCHAN_PATH_MAX + 16];
	if (vchan_address_format(&link->address, where, sizeof(where))) {
		wlr_log(WLR_INFO, "Waiting for dom0 on %s", where);
	}
	return true;
}

static int handle_relisten_timer(void *data)
{
	struct dom0_link *link = data;
	if (!start_listening(link)) {
		wl_event_source_timer_update(link->relisten_timer, RELISTEN_DELAY_MS);
	}
	return 0;
}

/* Closes the channel; every shared buffer goes with it. */
static void close_channel(struct dom0_link *link)
{
	struct agent_window *window;
	wl_list_for_each(window, &link->server->windows, link) {
		agent_window_forget_dom0(window);
	}
	if (link->fd_source) {
		wl_event_source_remove(link->fd_source);
		link->fd_source = NULL;
	}
	if (link->flush_idle) {
		wl_event_source_remove(link->flush_idle);
		link->flush_idle = NULL;
	}
	vchan_close(link->vchan);
	link->vchan = NULL;
	link->in_len = 0;
	link->out_start = link->out_end = 0;
	link->state = LINK_LISTENING;
	free(link->keymap_pending);
	link->keymap_pending = NULL;
	link->keymap_pending_size = link->keymap_received = 0;
	free(link->keymap);
	link->keymap = NULL;
	link->keymap_size = 0;
	link->keyboard_focus = link->pointer_focus = WIRE_ID_INVALID;
	agent_input_forget_dom0(&link->server->input);
	agent_clipboard_forget_dom0(&link->server->clipboard);
	memset(&link->dom0_hello, 0, sizeof(link->dom0_hello));
}

static void handle_reset_idle(void *data)
{
	struct dom0_link *link = data;
	link->reset_idle = NULL;
	wlr_log(WLR_INFO, "Lost dom0; listening again");
	close_channel(link);
	link->broken = false;
	if (!start_listening(link)) {
		wl_event_source_timer_update(link->relisten_timer, RELISTEN_DELAY_MS);
	}
	/* Until dom0 is back, the clients run on the slow frame timer. */
	agent_server_schedule_slow_frames(link->server);
}

static void flush(struct dom0_link *link)
{
	while (!link->broken && link->out_start < link->out_end) {
		ssize_t n = vchan_write(link->vchan, link->out + link->out_start,
			link->out_end - link->out_start);
		if (n < 0) {
			link_fail(link);
			return;
		}
		if (n == 0) {
			break;
		}
		link->out_start += (size_t)n;
	}
	if (link->out_start == link->out_end) {
		link->out_start = link->out_end = 0;
	}
	/* Partial: wait for the channel to take more. */
	update_mask(link);
}

static void handle_flush_idle(void *data)
{
	struct dom0_link *link = data;
	link->flush_idle = NULL;
	flush(link);
}

/* Queues msg; written out once the event loop is idle, so a burst of
 * messages costs one write. */
static bool queue_msg(struct dom0_link *link, const struct wire_msg *msg)
{
	if (link->broken || !link->vchan || link->state == LINK_LISTENING) {
		return false;
	}
	if (OUT_QUEUE_CAP - link->out_end < WIRE_MAX_MESSAGE_SIZE && link->out_start > 0) {
		memmove(link->out, link->out + link->out_start, link->out_end - link->out_start);
		link->out_end -= link->out_start;
		link->out_start = 0;
	}
	if (OUT_QUEUE_CAP - link->out_end < WIRE_MAX_MESSAGE_SIZE) {
		wlr_log(WLR_ERROR,
			"dom0 is not reading (%zu bytes queued); dropping the connection",
			link->out_end);
		link_fail(link);
		return false;
	}
	size_t size = wire_encode(msg, WIRE_FROM_VM, link->out + link->out_end,
		OUT_QUEUE_CAP - link->out_end);
	if (size == 0) {
		wlr_log(WLR_ERROR, "Cannot encode a %s message", wire_msg_type_str(msg->type));
		return false;
	}
	link->out_end += size;
	if (!link->flush_idle) {
		link->flush_idle =
			wl_event_loop_add_idle(link->server->event_loop, handle_flush_idle, link);
		if (!link->flush_idle) {
			flush(link);
		}
	}
	return true;
}

static void handle_connected(struct dom0_link *link)
{
	wlr_log(WLR_INFO, "dom0 connected");
	link->state = LINK_HANDSHAKE;
	watch_fd(link);
	struct wire_msg hello = {
		.type = WIRE_HELLO,
		.hello = {
			.version = WIRE_VERSION,
			.capabilities = AGENT_CAPABILITIES,
		},
	};
	queue_msg(link, &hello);
}

/* A broken ordering rule: logged once, and the link is reset. */
static void violation(struct dom0_link *link, const struct wire_msg *msg, const char *why)
{
	wlr_log(WLR_ERROR, "Protocol error from dom0: %s: %s", wire_msg_type_str(msg->type), why);
	link_fail(link);
}

static void handle_hello(struct dom0_link *link, const struct wire_hello *hello)
{
	if (hello->version != WIRE_VERSION) {
		wlr_log(WLR_ERROR, "dom0 speaks wire protocol version %u, this agent %u",
			hello->version, WIRE_VERSION);
		link_fail(link);
		return;
	}
	link->dom0_hello = *hello;
	link->state = LINK_READY;
	wlr_log(WLR_INFO,
		"dom0 handshake done: output %ux%u scale %u, capabilities 0x%x, at most %u windows and %u MiB of buffers",
		hello->output_width, hello->output_height, hello->output_scale, hello->capabilities,
		hello->max_windows, hello->max_buffer_mib);
	agent_server_set_output(link->server, hello->output_width, hello->output_height,
		hello->output_scale);

	struct agent_window *window;
	wl_list_for_each(window, &link->server->windows, link) {
		agent_window_announce(window);
	}
	agent_cursor_announce(&link->server->cursor);
}

/* A later HELLO: dom0's output changed; nothing else may. */
static void handle_hello_again(struct dom0_link *link, const struct wire_msg *msg)
{
	const struct wire_hello *first = &link->dom0_hello;
	const struct wire_hello *hello = &msg->hello;
	if (hello->version != first->version || hello->capabilities != first->capabilities ||
		hello->max_windows != first->max_windows ||
		hello->max_buffer_mib != first->max_buffer_mib) {
		violation(link, msg, "a later HELLO changes more than the output");
		return;
	}
	link->dom0_hello = *hello;
	agent_server_set_output(link->server, hello->output_width, hello->output_height,
		hello->output_scale);
}

/* dom0 may speak of a window that is already gone here. */
static struct agent_window *find_window(struct dom0_link *link, uint32_t id, const char *what)
{
	struct agent_window *window = agent_window_from_id(link->server, id);
	if (!window || !window->announced) {
		wlr_log(WLR_DEBUG, "dom0 sent %s for unknown window %u, ignored", what, id);
		return NULL;
	}
	return window;
}

/*
 * KEYMAP chunks: offset 0 starts a keymap (none may be in progress), each
 * next chunk continues exactly where the last ended, with the same total,
 * and the keymap takes effect once the last byte is in.
 */
static void handle_keymap(struct dom0_link *link, const struct wire_msg *msg)
{
	const struct wire_keymap *chunk = &msg->keymap;
	if (link->keymap_pending == NULL) {
		if (chunk->offset != 0) {
			violation(link, msg, "a keymap chunk that does not start a keymap");
			return;
		}
		/* total_size <= WIRE_MAX_KEYMAP_BYTES (decoder). */
		link->keymap_pending = malloc(chunk->total_size);
		if (!link->keymap_pending) {
			wlr_log(WLR_ERROR, "Out of memory for a %u byte keymap", chunk->total_size);
			link_fail(link);
			return;
		}
		link->keymap_pending_size = chunk->total_size;
		link->keymap_received = 0;
	} else if (chunk->total_size != link->keymap_pending_size ||
		chunk->offset != link->keymap_received) {
		violation(link, msg, "keymap chunks out of order");
		return;
	}
	/* offset + length <= total_size (decoder), and offset is where
	 * the last chunk ended. */
	memcpy(link->keymap_pending + chunk->offset, chunk->data, chunk->length);
	link->keymap_received += chunk->length;
	if (link->keymap_received < link->keymap_pending_size) {
		return;
	}
	free(link->keymap);
	link->keymap = link->keymap_pending;
	link->keymap_size = link->keymap_pending_size;
	link->keymap_pending = NULL;
	link->keymap_pending_size = link->keymap_received = 0;
	agent_input_set_keymap(&link->server->input, link->keymap, link->keymap_size);
}

/*
 * The ordering rules of input: keys and modifiers only with a keymap and
 * a focused window, pointer events only between enter and leave, and
 * every enter after the leave of the last. False (link reset) if broken.
 */
static bool input_in_order(struct dom0_link *link, const struct wire_msg *msg)
{
	switch (msg->type) {
	case WIRE_KEYBOARD_ENTER:
		if (link->keymap == NULL) {
			violation(link, msg, "keyboard focus before a keymap");
			return false;
		}
		if (link->keyboard_focus != WIRE_ID_INVALID) {
			violation(link, msg, "keyboard enter without a leave");
			return false;
		}
		link->keyboard_focus = msg->keyboard_enter.window_id;
		return true;
	case WIRE_KEYBOARD_LEAVE:
		if (link->keyboard_focus != msg->keyboard_leave.window_id) {
			violation(link, msg, "keyboard leave of a window without focus");
			return false;
		}
		link->keyboard_focus = WIRE_ID_INVALID;
		return true;
	case WIRE_KEY:
	case WIRE_MODIFIERS:
		if (link->keyboard_focus == WIRE_ID_INVALID) {
			violation(link, msg, "keyboard input without focus");
			return false;
		}
		return true;
	case WIRE_POINTER_ENTER:
		if (link->pointer_focus != WIRE_ID_INVALID) {
			violation(link, msg, "pointer enter without a leave");
			return false;
		}
		link->pointer_focus = msg->pointer_enter.window_id;
		return true;
	case WIRE_POINTER_LEAVE:
		if (link->pointer_focus != msg->pointer_leave.window_id) {
			violation(link, msg, "pointer leave of a window it is not in");
			return false;
		}
		link->pointer_focus = WIRE_ID_INVALID;
		return true;
	default: /* motion, button, axis, frame */
		if (link->pointer_focus == WIRE_ID_INVALID) {
			violation(link, msg, "pointer input outside the VM's windows");
			return false;
		}
		return true;
	}
}

static void deliver_input(struct agent_input *input, const struct wire_msg *msg)
{
	switch (msg->type) {
	case WIRE_KEY:
		agent_input_key(input, &msg->key);
		return;
	case WIRE_MODIFIERS:
		agent_input_modifiers(input, &msg->modifiers);
		return;
	case WIRE_KEYBOARD_ENTER:
		agent_input_keyboard_enter(input, msg->keyboard_enter.window_id);
		return;
	case WIRE_KEYBOARD_LEAVE:
		agent_input_keyboard_leave(input);
		return;
	case WIRE_POINTER_ENTER:
		agent_input_pointer_enter(input, &msg->pointer_enter);
		return;
	case WIRE_POINTER_LEAVE:
		agent_input_pointer_leave(input);
		return;
	case WIRE_POINTER_MOTION:
		agent_input_pointer_motion(input, &msg->pointer_motion);
		return;
	case WIRE_POINTER_BUTTON:
		agent_input_pointer_button(input, &msg->pointer_button);
		return;
	case WIRE_POINTER_AXIS:
		agent_input_pointer_axis(input, &msg->pointer_axis);
		return;
	case WIRE_POINTER_FRAME:
		agent_input_pointer_frame(input);
		return;
	default:
		return; /* the caller passes input messages only */
	}
}

static void dispatch(struct dom0_link *link, const struct wire_msg *msg)
{
	if (link->state == LINK_HANDSHAKE) {
		if (msg->type != WIRE_HELLO) {
			violation(link, msg, "before HELLO");
			return;
		}
		handle_hello(link, &msg->hello);
		return;
	}

	struct agent_window *window;
	switch (msg->type) {
	case WIRE_HELLO:
		handle_hello_again(link, msg);
		return;
	case WIRE_FRAME_DONE:
		window = find_window(link, msg->frame_done.window_id, "FRAME_DONE");
		if (window) {
			agent_window_frame_done(window);
		}
		return;
	case WIRE_BUFFER_RELEASE:
		window = find_window(link, msg->buffer_release.window_id, "BUFFER_RELEASE");
		if (window) {
			agent_window_buffer_release(window, msg->buffer_release.buffer_id);
		}
		return;
	case WIRE_CONFIGURE:
		/* Size and states go to the client's xdg_toplevel; the window
		 * sends CONFIGURE_ACK once the client acked and committed. */
		window = find_window(link, msg->configure.window_id, "CONFIGURE");
		if (window) {
			agent_window_configure(window, &msg->configure);
		}
		return;
	case WIRE_CLOSE:
		window = find_window(link, msg->close.window_id, "CLOSE");
		if (window) {
			agent_window_close(window);
		}
		return;
	case WIRE_KEYMAP:
		handle_keymap(link, msg);
		return;
	/* Input: checked for order here, delivered by input.c. */
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
		if (input_in_order(link, msg)) {
			deliver_input(&link->server->input, msg);
		}
		return;
	case WIRE_CLIPBOARD_REQUEST:
		agent_clipboard_request(&link->server->clipboard, msg->clipboard_request.serial);
		return;
	case WIRE_CLIPBOARD_SET:
		agent_clipboard_set(&link->server->clipboard, msg->clipboard_set.data,
			msg->clipboard_set.length);
		return;
	case WIRE_PING: {
		struct wire_msg pong = {
			.type = WIRE_PONG,
			.pong = { .serial = msg->ping.serial },
		};
		queue_msg(link, &pong);
		return;
	}
	default:
		break;
	}
	/* The decoder lets no VM type through from dom0. */
	violation(link, msg, "unexpected");
}

/* Decodes and dispatches every whole message in the input buffer; keeps
 * the partial tail. */
static void decode_input(struct dom0_link *link)
{
	size_t offset = 0;
	while (!link->broken) {
		struct wire_msg msg;
		size_t consumed = 0;
		enum wire_status status = wire_decode(link->in + offset, link->in_len - offset,
			WIRE_FROM_DOM0, &msg, &consumed);
		if (status == WIRE_INCOMPLETE) {
			break;
		}
		if (status != WIRE_OK) {
			wlr_log(WLR_ERROR, "Protocol error from dom0: %s", wire_status_str(status));
			link_fail(link);
			return;
		}
		offset += consumed;
		dispatch(link, &msg);
	}
	memmove(link->in, link->in + offset, link->in_len - offset);
	link->in_len -= offset;
}

static void receive(struct dom0_link *link)
{
	while (!link->broken) {
		size_t room = WIRE_MAX_MESSAGE_SIZE - link->in_len;
		ssize_t n = vchan_read(link->vchan, link->in + link->in_len, room);
		if (n < 0) {
			link_fail(link);
			return;
		}
		if (n == 0) {
			return;
		}
		link->in_len += (size_t)n;
		decode_input(link);
		/* Short: the channel is empty for now, and the event loop
		 * comes back when it is not; another read would only find
		 * nothing. */
		if ((size_t)n < room) {
			return;
		}
	}
}

static int handle_vchan_fd(int fd, uint32_t mask, void *data)
{
	struct dom0_link *link = data;
	if (link->broken) {
		return 0;
	}
	enum vchan_state state = vchan_wait(link->vchan);
	if (state == VCHAN_CLOSED) {
		link_fail(link);
		return 0;
	}
	if (link->state == LINK_LISTENING) {
		if (state == VCHAN_CONNECTED) {
			handle_connected(link);
		}
		return 0;
	}
	/* Also on readable: a Xen channel signals free ring space through
	 * the same event channel. */
	if (link->out_start < link->out_end) {
		flush(link);
	}
	receive(link);
	return 0;
}

struct dom0_link *dom0_link_create(struct agent_server *server, const struct vchan_address *address,
	uint32_t pool_pages)
{
	struct dom0_link *link = calloc(1, sizeof(*link));
	if (!link) {
		wlr_log(WLR_ERROR, "Out of memory for the dom0 link");
		return NULL;
	}
	link->server = server;
	link->address = *address;
	link->pool_pages = pool_pages;
	link->in = malloc(WIRE_MAX_MESSAGE_SIZE);
	/* Address space: pages are only touched when a backlog builds. */
	link->out = malloc(OUT_QUEUE_CAP);
	if (!link->in || !link->out) {
		wlr_log(WLR_ERROR, "Out of memory for the dom0 link buffers");
		goto error;
	}
	link->relisten_timer =
		wl_event_loop_add_timer(server->event_loop, handle_relisten_timer, link);
	if (!link->relisten_timer) {
		wlr_log(WLR_ERROR, "Cannot create the dom0 link timer");
		goto error;
	}
	if (!start_listening(link)) {
		goto error;
	}
	return link;

error:
	dom0_link_destroy(link);
	return NULL;
}

void dom0_link_destroy(struct dom0_link *link)
{
	if (!link) {
		return;
	}
	close_channel(link);
	if (link->reset_idle) {
		wl_event_source_remove(link->reset_idle);
	}
	if (link->relisten_timer) {
		wl_event_source_remove(link->relisten_timer);
	}
	free(link->in);
	free(link->out);
	free(link);
}

bool dom0_link_ready(const struct dom0_link *link)
{
	return link && link->state == LINK_READY && !link->broken;
}

/* dom0's HELLO (output, capabilities, limits) once ready, else NULL. */
static const struct wire_hello *dom0_hello(const struct dom0_link *link)
{
	return dom0_link_ready(link) ? &link->dom0_hello : NULL;
}

bool dom0_link_has(const struct dom0_link *link, uint32_t capability)
{
	const struct wire_hello *hello = dom0_hello(link);
	return hello != NULL &&
		(hello->capabilities & AGENT_CAPABILITIES & capability) == capability;
}

bool dom0_link_send(struct dom0_link *link, const struct wire_msg *msg)
{
	if (!dom0_link_ready(link)) {
		return false;
	}
	return queue_msg(link, msg);
}

void dom0_link_flush(struct dom0_link *link)
{
	if (!dom0_link_ready(link)) {
		return;
	}
	flush(link);
}

void *dom0_link_share_pages(struct dom0_link *link, uint32_t npages, uint32_t *refs)
{
	if (!link || !link->vchan) {
		return NULL;
	}
	return vchan_share_pages(link->vchan, npages, refs);
}

void dom0_link_unshare_pages(struct dom0_link *link, void *addr, uint32_t npages,
	const uint32_t *refs)
{
	if (!link || !link->vchan) {
		return;
	}
	vchan_unshare_pages(link->vchan, addr, npages, refs);
}
