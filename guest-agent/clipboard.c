#define _GNU_SOURCE /* pipe2 */
#include "guest-agent/clipboard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wlr/types/wlr_data_device.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/util/log.h>

#include "common/wire/protocol.h"
#include "guest-agent/dom0_link.h"
#include "guest-agent/server.h"

/* How long a client may take to hand over its selection. */
#define READ_TIMEOUT_MS 1500

static const char *const text_types[] = {
	"text/plain;charset=utf-8",
	"text/plain",
	"UTF8_STRING",
	"TEXT",
	"STRING",
};

static void answer(struct agent_clipboard *clipboard)
{
	struct wire_msg msg = {
		.type = WIRE_CLIPBOARD_DATA,
		.clipboard_data = {
			.serial = clipboard->serial,
			.length = (uint32_t)clipboard->length,
			.data = clipboard->text,
		},
	};
	dom0_link_send(clipboard->server->dom0, &msg);
}

static void stop_reading(struct agent_clipboard *clipboard)
{
	if (clipboard->read_source) {
		wl_event_source_remove(clipboard->read_source);
		clipboard->read_source = NULL;
	}
	if (clipboard->read_timeout) {
		wl_event_source_remove(clipboard->read_timeout);
		clipboard->read_timeout = NULL;
	}
	if (clipboard->read_fd >= 0) {
		close(clipboard->read_fd);
		clipboard->read_fd = -1;
	}
	free(clipboard->text);
	clipboard->text = NULL;
	clipboard->length = 0;
}

static int handle_readable(int fd, uint32_t mask, void *data)
{
	struct agent_clipboard *clipboard = data;
	for (;;) {
		size_t room = WIRE_MAX_CLIPBOARD_BYTES - clipboard->length;
		if (room == 0) {
			wlr_log(WLR_INFO, "Clipboard longer than %u bytes: cut there",
				(unsigned)WIRE_MAX_CLIPBOARD_BYTES);
			break;
		}
		ssize_t n = read(fd, clipboard->text + clipboard->length, room);
		if (n > 0) {
			clipboard->length += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			return 0; /* more later */
		}
		break; /* the end, or an error: what came is the answer */
	}
	answer(clipboard);
	stop_reading(clipboard);
	return 0;
}

static int handle_read_timeout(void *data)
{
	struct agent_clipboard *clipboard = data;
	wlr_log(WLR_INFO, "The selection's owner did not finish in %d ms", READ_TIMEOUT_MS);
	answer(clipboard);
	stop_reading(clipboard);
	return 0;
}

static const char *text_type_of(struct wlr_data_source *source)
{
	for (size_t i = 0; i < sizeof(text_types) / sizeof(text_types[0]); i++) {
		char **type;
		wl_array_for_each(type, &source->mime_types) {
			if (strcmp(*type, text_types[i]) == 0) {
				return text_types[i];
			}
		}
	}
	return NULL;
}

void agent_clipboard_request(struct agent_clipboard *clipboard, uint32_t serial)
{
	stop_reading(clipboard); /* a newer request replaces an older one */
	clipboard->serial = serial;
	struct wlr_data_source *source = clipboard->server->seat->selection_source;
	const char *type = source ? text_type_of(source) : NULL;
	int fds[2];
	clipboard->text = malloc(WIRE_MAX_CLIPBOARD_BYTES);
	if (type == NULL || clipboard->text == NULL || pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		answer(clipboard); /* no text in the clipboard: an empty answer */
		stop_reading(clipboard);
		return;
	}
	clipboard->read_fd = fds[0];
	/* The source closes its end once it handed it to its client. */
	wlr_data_source_send(source, type, fds[1]);
	struct wl_event_loop *loop = clipboard->server->event_loop;
	clipboard->read_source =
		wl_event_loop_add_fd(loop, fds[0], WL_EVENT_READABLE, handle_readable, clipboard);
	clipboard->read_timeout = wl_event_loop_add_timer(loop, handle_read_timeout, clipboard);
	if (clipboard->read_source == NULL || clipboard->read_timeout == NULL) {
		answer(clipboard);
		stop_reading(clipboard);
		return;
	}
	wl_event_source_timer_update(clipboard->read_timeout, READ_TIMEOUT_MS);
}

/* dom0's text, offered to the VM's clients as their selection. */
struct dom0_source {
	struct wlr_data_source base;
	uint8_t *text;
	size_t length;
};

static void dom0_source_send(struct wlr_data_source *wlr_source, const char *mime_type, int fd)
{
	struct dom0_source *source = wl_container_of(wlr_source, source, base);
	/* At most WIRE_MAX_CLIPBOARD_BYTES: a pipe takes it whole without
	 * blocking; a client that asks and never reads loses the rest. */
	fcntl(fd, F_SETFL, O_NONBLOCK);
	size_t done = 0;
	while (done < source->length) {
		ssize_t n = write(fd, source->text + done, source->length - done);
		if (n <= 0) {
			break;
		}
		done += (size_t)n;
	}
	close(fd);
}

static void dom0_source_destroy(struct wlr_data_source *wlr_source)
{
	struct dom0_source *source = wl_container_of(wlr_source, source, base);
	free(source->text);
	free(source);
}

static const struct wlr_data_source_impl dom0_source_impl = {
	.send = dom0_source_send,
	.destroy = dom0_source_destroy,
};

void agent_clipboard_set(struct agent_clipboard *clipboard, const uint8_t *text, size_t length)
{
	struct dom0_source *source = calloc(1, sizeof(*source));
	uint8_t *copy = malloc(length > 0 ? length : 1);
	if (source == NULL || copy == NULL) {
		free(source);
		free(copy);
		wlr_log(WLR_ERROR, "Out of memory for the pasted clipboard");
		return;
	}
	memcpy(copy, text, length);
	source->text = copy;
	source->length = length;
	wlr_data_source_init(&source->base, &dom0_source_impl);
	for (size_t i = 0; i < sizeof(text_types) / sizeof(text_types[0]); i++) {
		char **slot = wl_array_add(&source->base.mime_types, sizeof(*slot));
		char *type = strdup(text_types[i]);
		if (slot == NULL || type == NULL) {
			free(type);
			wlr_data_source_destroy(&source->base);
			return;
		}
		*slot = type;
	}
	struct wlr_seat *seat = clipboard->server->seat;
	wlr_seat_set_selection(seat, &source->base,
		wl_display_next_serial(clipboard->server->display));
	wlr_log(WLR_DEBUG, "dom0 pasted %zu bytes into the VM's clipboard", length);
}

static void handle_request_set_selection(struct wl_listener *listener, void *data)
{
	struct agent_clipboard *clipboard =
		wl_container_of(listener, clipboard, request_set_selection);
	struct wlr_seat_request_set_selection_event *event = data;
	/* Inside the VM its clients share a clipboard as on any desktop;
	 * only dom0's keys take it out. */
	wlr_seat_set_selection(clipboard->server->seat, event->source, event->serial);
}

void agent_clipboard_init(struct agent_clipboard *clipboard, struct agent_server *server)
{
	*clipboard = (struct agent_clipboard){ .server = server, .read_fd = -1 };
	clipboard->request_set_selection.notify = handle_request_set_selection;
	wl_signal_add(&server->seat->events.request_set_selection,
		&clipboard->request_set_selection);
}

void agent_clipboard_finish(struct agent_clipboard *clipboard)
{
	stop_reading(clipboard);
	wl_list_remove(&clipboard->request_set_selection.link);
}

void agent_clipboard_forget_dom0(struct agent_clipboard *clipboard)
{
	stop_reading(clipboard);
}
