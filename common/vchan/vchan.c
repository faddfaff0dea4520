/*
 * The public vchan API: picks a backend by address and dispatches through
 * its struct vchan_impl. Checks that do not depend on the backend live
 * here, so each backend gets them for free and cannot forget them.
 */
#include "build-config.h"
#include "common/vchan/vchan.h"

#include <stddef.h>
#include <stdint.h>

#include "common/util/log.h"
#include "common/vchan/vchan_impl.h"
#include "common/wire/protocol.h"

struct vchan *vchan_server_init(const struct vchan_address *addr, int port, uint32_t pool_pages)
{
	if (addr == NULL) {
		mlog(MLOG_ERROR, "vchan server: no address");
		return NULL;
	}
	switch (addr->backend) {
	case VCHAN_BACKEND_SOCKET:
		return vchan_socket_server_init(addr, port, pool_pages);
	case VCHAN_BACKEND_XEN:
#if HAVE_XEN
		return vchan_xen_server_init(addr, port, pool_pages);
#else
		mlog(MLOG_ERROR, "vchan server for xen:%d: Xen backend not built", addr->domid);
		return NULL;
#endif
	}
	mlog(MLOG_ERROR, "vchan server: unknown backend %d", (int)addr->backend);
	return NULL;
}

struct vchan *vchan_client_init(const struct vchan_address *addr, int port, uint32_t max_pool_pages)
{
	if (addr == NULL) {
		mlog(MLOG_ERROR, "vchan client: no address");
		return NULL;
	}
	switch (addr->backend) {
	case VCHAN_BACKEND_SOCKET:
		return vchan_socket_client_init(addr, port, max_pool_pages);
	case VCHAN_BACKEND_XEN:
#if HAVE_XEN
		return vchan_xen_client_init(addr, port, max_pool_pages);
#else
		mlog(MLOG_ERROR, "vchan client for xen:%d: Xen backend not built", addr->domid);
		return NULL;
#endif
	}
	mlog(MLOG_ERROR, "vchan client: unknown backend %d", (int)addr->backend);
	return NULL;
}

void vchan_close(struct vchan *ctrl)
{
	if (ctrl == NULL) {
		return;
	}
	ctrl->impl->close(ctrl);
}

int vchan_fd(const struct vchan *ctrl)
{
	if (ctrl == NULL) {
		return -1;
	}
	return ctrl->impl->fd(ctrl);
}

enum vchan_state vchan_state(const struct vchan *ctrl)
{
	if (ctrl == NULL) {
		return VCHAN_CLOSED;
	}
	return ctrl->impl->state(ctrl);
}

enum vchan_state vchan_wait(struct vchan *ctrl)
{
	if (ctrl == NULL) {
		return VCHAN_CLOSED;
	}
	return ctrl->impl->wait(ctrl);
}

ssize_t vchan_read(struct vchan *ctrl, void *buf, size_t size)
{
	if (ctrl == NULL || (buf == NULL && size > 0)) {
		return -1;
	}
	return ctrl->impl->read(ctrl, buf, size);
}

ssize_t vchan_write(struct vchan *ctrl, const void *buf, size_t size)
{
	if (ctrl == NULL || (buf == NULL && size > 0)) {
		return -1;
	}
	return ctrl->impl->write(ctrl, buf, size);
}

void *vchan_share_pages(struct vchan *ctrl, uint32_t npages, uint32_t *refs)
{
	if (ctrl == NULL || refs == NULL) {
		return NULL;
	}
	if (!ctrl->is_server || ctrl->impl->share_pages == NULL) {
		mlog(MLOG_ERROR, "vchan: only the VM side shares pages");
		return NULL;
	}
	/* The same bound the decoder puts on a buffer's ref list: sharing
	 * more could never be named in a message. */
	if (npages == 0 || npages > WIRE_MAX_BUFFER_REFS) {
		mlog(MLOG_ERROR, "vchan: cannot share %u pages (1..%u)", npages,
			(unsigned)WIRE_MAX_BUFFER_REFS);
		return NULL;
	}
	return ctrl->impl->share_pages(ctrl, npages, refs);
}

void vchan_unshare_pages(struct vchan *ctrl, void *addr, uint32_t npages, const uint32_t *refs)
{
	if (ctrl == NULL || addr == NULL || refs == NULL || npages == 0 || !ctrl->is_server ||
		ctrl->impl->unshare_pages == NULL) {
		return;
	}
	ctrl->impl->unshare_pages(ctrl, addr, npages, refs);
}

const void *vchan_map_refs(struct vchan *ctrl, const uint32_t *refs, uint32_t count)
{
	if (ctrl == NULL || refs == NULL) {
		return NULL;
	}
	if (ctrl->is_server || ctrl->impl->map_refs == NULL) {
		mlog(MLOG_ERROR, "vchan: only the dom0 side maps refs");
		return NULL;
	}
	if (count == 0 || count > WIRE_MAX_BUFFER_REFS) {
		mlog(MLOG_ERROR, "vchan: refusing to map %u refs (1..%u)", count,
			(unsigned)WIRE_MAX_BUFFER_REFS);
		return NULL;
	}
	return ctrl->impl->map_refs(ctrl, refs, count);
}

void vchan_unmap(struct vchan *ctrl, const void *addr, uint32_t count)
{
	if (ctrl == NULL || addr == NULL || count == 0 || ctrl->is_server ||
		ctrl->impl->unmap == NULL) {
		return;
	}
	ctrl->impl->unmap(ctrl, addr, count);
}
