#include "compositor/security.h"

#include <string.h>
#include <wlr/util/log.h>

#include "compositor/server.h"
#include "compositor/vm.h"

/*
 * An allowlist, not a blocklist: a global that a future wlroots or a new
 * feature adds stays hidden from VMs until someone decides otherwise here.
 * Everything that could read the screen (screencopy, export-dmabuf), list
 * other windows (foreign-toplevel), inject input (virtual keyboard and
 * pointer), grab or inhibit input, draw dom0 UI (layer-shell) or touch the
 * clipboard (wl_data_device_manager, data-control, primary selection) is
 * absent.
 */
static const char *const vm_allowed_interfaces[] = {
	"wl_compositor",
	"wl_subcompositor",
	"wl_shm",
	"wl_output",
	"wl_seat",
	"xdg_wm_base",
	"zxdg_output_manager_v1",
	"wp_presentation",
	"wp_viewporter",
	"zxdg_decoration_manager_v1",
	/* The clipboard keys' path: the compositor starts every exchange. */
	"mullion_vm_clipboard_v1",
};

bool security_vm_may_bind(const struct wl_interface *interface)
{
	size_t count = sizeof(vm_allowed_interfaces) / sizeof(vm_allowed_interfaces[0]);
	for (size_t i = 0; i < count; i++) {
		if (strcmp(interface->name, vm_allowed_interfaces[i]) == 0) {
			return true;
		}
	}
	return false;
}

/* Globals for bridges only: dom0's clients have no business with them. */
static bool bridge_only(const struct wl_interface *interface)
{
	return strcmp(interface->name, "mullion_vm_clipboard_v1") == 0;
}

static bool filter_global(const struct wl_client *client, const struct wl_global *global,
	void *data)
{
	struct server *server = data;
	const struct wl_interface *interface = wl_global_get_interface(global);
	if (!vm_from_client(server, client)) {
		/* dom0's own clients are trusted, but not with a VM's path. */
		return !bridge_only(interface);
	}
	return security_vm_may_bind(interface);
}

void security_init(struct server *server)
{
	wl_display_set_global_filter(server->display, filter_global, server);
}
