#define _GNU_SOURCE /* memfd_create, file seals */
#include "compositor/clipboard.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wlr/util/log.h>

#include "compositor/notice.h"
#include "compositor/server.h"
#include "compositor/vm.h"
#include "mullion-vm-clipboard-v1-protocol.h"

static void cancel_pending(struct clipboard *clipboard)
{
	clipboard->pending_vm = NULL;
	if (clipboard->timeout) {
		wl_event_source_timer_update(clipboard->timeout, 0);
	}
}

static void empty(struct clipboard *clipboard)
{
	free(clipboard->data);
	clipboard->data = NULL;
	clipboard->size = 0;
}

/* Reads exactly size bytes from the start of fd; NULL if it has fewer. */
static char *read_all(int fd, size_t size)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_size < 0 || (uint64_t)st.st_size < size) {
		return NULL;
	}
	char *data = malloc(size > 0 ? size : 1);
	if (data == NULL) {
		return NULL;
	}
	size_t done = 0;
	while (done < size) {
		ssize_t n = pread(fd, data + done, size - done, (off_t)done);
		if (n <= 0) {
			free(data);
			return NULL;
		}
		done += (size_t)n;
	}
	return data;
}

static void handle_data(struct wl_client *client, struct wl_resource *resource,
	uint32_t untrusted_serial, int32_t fd, uint32_t untrusted_size)
{
	struct server *server = wl_resource_get_user_data(resource);
	struct clipboard *clipboard = &server->clipboard;
	struct vm *vm = vm_from_client(server, client);
	/* Only the answer to the open request, from the VM it went to. */
	if (vm == NULL || clipboard->pending_vm != vm ||
		untrusted_serial != clipboard->pending_serial) {
		wlr_log(WLR_ERROR, "VM %s: clipboard data that answers no open request, dropped",
			vm ? vm->config->name : "?");
		close(fd);
		return;
	}
	cancel_pending(clipboard);
	if (untrusted_size > CLIPBOARD_MAX_BYTES) {
		wlr_log(WLR_ERROR, "VM %s: %u bytes of clipboard are over the limit of %u, dropped",
			vm->config->name, untrusted_size, (unsigned)CLIPBOARD_MAX_BYTES);
		close(fd);
		return;
	}
	/* now: size <= CLIPBOARD_MAX_BYTES */
	if (untrusted_size == 0) {
		close(fd);
		empty(clipboard);
		notice_show(server, vm->config->rgb, "Nothing to copy: the clipboard is empty");
		return;
	}
	char *data = read_all(fd, untrusted_size);
	close(fd);
	if (data == NULL) {
		wlr_log(WLR_ERROR, "VM %s: the clipboard data cannot be read, dropped",
			vm->config->name);
		return;
	}
	/* Replaced whole, never partly overwritten. */
	empty(clipboard);
	clipboard->data = data;
	clipboard->size = untrusted_size;
	char text[CONFIG_NAME_MAX + 64];
	snprintf(text, sizeof(text), "Copied %zu bytes from [%s]", clipboard->size,
		vm->config->name);
	notice_show(server, vm->config->rgb, text);
}

static void handle_destroy(struct wl_client *client, struct wl_resource *resource)
{
	wl_resource_destroy(resource);
}

static const struct mullion_vm_clipboard_v1_interface clipboard_impl = {
	.data = handle_data,
	.destroy = handle_destroy,
};

static void handle_resource_destroy(struct wl_resource *resource)
{
	struct server *server = wl_resource_get_user_data(resource);
	struct vm *vm;
	wl_list_for_each(vm, &server->vms, link) {
		if (vm->clipboard == resource) {
			vm->clipboard = NULL;
		}
	}
}

static void bind_clipboard(struct wl_client *client, void *data, uint32_t version, uint32_t id)
{
	struct server *server = data;
	struct vm *vm = vm_from_client(server, client);
	struct wl_resource *resource =
		wl_resource_create(client, &mullion_vm_clipboard_v1_interface, (int)version, id);
	if (resource == NULL) {
		wl_client_post_no_memory(client);
		return;
	}
	wl_resource_set_implementation(resource, &clipboard_impl, server, handle_resource_destroy);
	/* The filter shows this global to bridges only; a second bind of a
	 * bridge replaces its first. */
	if (vm != NULL) {
		vm->clipboard = resource;
	}
}

static int handle_timeout(void *data)
{
	struct server *server = data;
	struct clipboard *clipboard = &server->clipboard;
	if (clipboard->pending_vm) {
		wlr_log(WLR_INFO, "VM %s: no clipboard answer within %d ms",
			clipboard->pending_vm->config->name, CLIPBOARD_ANSWER_MS);
		clipboard->pending_vm = NULL;
	}
	return 0;
}

bool clipboard_init(struct server *server)
{
	struct clipboard *clipboard = &server->clipboard;
	clipboard->global = wl_global_create(server->display, &mullion_vm_clipboard_v1_interface, 1,
		server, bind_clipboard);
	clipboard->timeout = wl_event_loop_add_timer(server->event_loop, handle_timeout, server);
	if (clipboard->global == NULL || clipboard->timeout == NULL) {
		wlr_log(WLR_ERROR, "Cannot create the clipboard");
		return false;
	}
	return true;
}

void clipboard_finish(struct server *server)
{
	struct clipboard *clipboard = &server->clipboard;
	if (clipboard->timeout) {
		wl_event_source_remove(clipboard->timeout);
		clipboard->timeout = NULL;
	}
	if (clipboard->global) {
		wl_global_destroy(clipboard->global);
		clipboard->global = NULL;
	}
	empty(clipboard);
}

void clipboard_copy(struct server *server, struct vm *vm)
{
	struct clipboard *clipboard = &server->clipboard;
	/* A new clipboard action: any answer still awaited is refused. */
	cancel_pending(clipboard);
	if (vm == NULL || vm->clipboard == NULL) {
		return;
	}
	if (++clipboard->last_serial == 0) {
		clipboard->last_serial = 1;
	}
	clipboard->pending_vm = vm;
	clipboard->pending_serial = clipboard->last_serial;
	wl_event_source_timer_update(clipboard->timeout, CLIPBOARD_ANSWER_MS);
	mullion_vm_clipboard_v1_send_request(vm->clipboard, clipboard->pending_serial);
}

void clipboard_paste(struct server *server, struct vm *vm)
{
	struct clipboard *clipboard = &server->clipboard;
	cancel_pending(clipboard);
	if (vm == NULL || vm->clipboard == NULL || clipboard->data == NULL) {
		return;
	}
	int fd = memfd_create("mullion-clipboard", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		wlr_log_errno(WLR_ERROR, "Cannot pass the clipboard");
		return;
	}
	size_t done = 0;
	while (done < clipboard->size) {
		ssize_t n = write(fd, clipboard->data + done, clipboard->size - done);
		if (n <= 0) {
			wlr_log_errno(WLR_ERROR, "Cannot pass the clipboard");
			close(fd);
			return;
		}
		done += (size_t)n;
	}
	fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
	mullion_vm_clipboard_v1_send_paste(vm->clipboard, fd, (uint32_t)clipboard->size);
	close(fd);
	char text[CONFIG_NAME_MAX + 64];
	snprintf(text, sizeof(text), "Pasted %zu bytes into [%s]", clipboard->size,
		vm->config->name);
	notice_show(server, vm->config->rgb, text);
	/* Once pasted, gone: it cannot reach a second VM by accident. */
	empty(clipboard);
}

void clipboard_forget_vm(struct server *server, struct vm *vm)
{
	if (server->clipboard.pending_vm == vm) {
		cancel_pending(&server->clipboard);
	}
}
