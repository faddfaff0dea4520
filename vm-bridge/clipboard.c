#define _GNU_SOURCE /* memfd_create and file seals */
#include "vm-bridge/clipboard.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util/log.h"
#include "mullion-vm-clipboard-v1-client-protocol.h"
#include "vm-bridge/dom0_client.h"
#include "vm-bridge/vm_link.h"

static void handle_request(void *data, struct mullion_vm_clipboard_v1 *global, uint32_t serial)
{
	struct bridge_clipboard *clipboard = data;
	struct wire_msg request = { .type = WIRE_CLIPBOARD_REQUEST };
	if (!vm_link_send(clipboard->link, &request)) {
		return; /* no VM: the compositor's request runs out */
	}
	/* validate.c gave the request its serial; an answer must name it. */
	clipboard->compositor_serial = serial;
	clipboard->wire_serial = clipboard->link->validate.clipboard_requests.sent;
	clipboard->connection = clipboard->link->connection;
}

static void handle_paste(void *data, struct mullion_vm_clipboard_v1 *global, int32_t fd,
	uint32_t size)
{
	struct bridge_clipboard *clipboard = data;
	/* Mapped, not read: the fd's offset is the compositor's (its
	 * writes left it at the end), and the sandbox allows mmap. */
	struct stat st;
	const uint8_t *text = NULL;
	if (size > 0 && size <= WIRE_MAX_CLIPBOARD_BYTES && fstat(fd, &st) == 0 &&
		st.st_size >= (off_t)size) {
		void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		text = map != MAP_FAILED ? map : NULL;
	}
	close(fd);
	if (text == NULL) {
		mlog(MLOG_ERROR, "vm %s: the clipboard to paste (%u bytes) cannot be read",
			clipboard->link->name, size);
		return;
	}
	struct wire_msg set = {
		.type = WIRE_CLIPBOARD_SET,
		.clipboard_set = { .length = size, .data = text },
	};
	vm_link_send(clipboard->link, &set);
	munmap((void *)text, size);
}

static const struct mullion_vm_clipboard_v1_listener clipboard_listener = {
	.request = handle_request,
	.paste = handle_paste,
};

void bridge_clipboard_data(struct bridge_clipboard *clipboard,
	const struct wire_clipboard_data *data)
{
	if (clipboard->global == NULL || clipboard->connection != clipboard->link->connection ||
		data->serial != clipboard->wire_serial) {
		/* An answer to an older request: the compositor would refuse
		 * it anyway, and it must not pass for the newest. */
		mlog(MLOG_DEBUG, "vm %s: clipboard answer to an older request dropped",
			clipboard->link->name);
		return;
	}
	clipboard->connection = 0;
	int fd = memfd_create("mullion-vm-clipboard", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		mlog_errno(MLOG_ERROR, "vm %s: cannot pass the clipboard", clipboard->link->name);
		return;
	}
	size_t done = 0;
	while (done < data->length) {
		ssize_t n = write(fd, data->data + done, data->length - done);
		if (n <= 0) {
			mlog_errno(MLOG_ERROR, "vm %s: cannot pass the clipboard",
				clipboard->link->name);
			close(fd);
			return;
		}
		done += (size_t)n;
	}
	fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
	mullion_vm_clipboard_v1_data(clipboard->global, clipboard->compositor_serial, fd,
		data->length);
	close(fd);
}

struct bridge_clipboard *bridge_clipboard_create(struct dom0_client *dom0, struct vm_link *link)
{
	struct bridge_clipboard *clipboard = calloc(1, sizeof(*clipboard));
	if (clipboard == NULL) {
		mlog(MLOG_ERROR, "out of memory");
		return NULL;
	}
	clipboard->link = link;
	if (dom0->clipboard_name == 0) {
		mlog(MLOG_INFO,
			"the compositor offers no clipboard: copy and paste keys do nothing");
		return clipboard;
	}
	clipboard->global = wl_registry_bind(dom0->registry, dom0->clipboard_name,
		&mullion_vm_clipboard_v1_interface, 1);
	mullion_vm_clipboard_v1_add_listener(clipboard->global, &clipboard_listener, clipboard);
	return clipboard;
}

void bridge_clipboard_destroy(struct bridge_clipboard *clipboard)
{
	if (clipboard == NULL) {
		return;
	}
	if (clipboard->global != NULL) {
		mullion_vm_clipboard_v1_destroy(clipboard->global);
	}
	free(clipboard);
}
