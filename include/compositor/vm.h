/*
 * One configured VM as dom0 sees it: its config section and the bridge
 * process that speaks for it. The compositor knows a client is a VM's
 * because it created that client from the socket it gave the bridge; it
 * never asks the client.
 */
#ifndef COMPOSITOR_VM_H
#define COMPOSITOR_VM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <wayland-server-core.h>

#include "compositor/config.h"

struct server;

/*
 * How a bridge says why it ended (mullion-bridge(1), EXIT STATUS; the
 * bridge's side is in vm-bridge/main.c). A bridge serves one VM
 * connection: after VM_ENDED the next starts soon and the back-off starts
 * afresh; after VM_VIOLATION, as after any failure, the delay doubles.
 */
#define BRIDGE_EXIT_VM_ENDED 3
#define BRIDGE_EXIT_VM_VIOLATION 4

struct vm {
	struct server *server;
	const struct config_vm *config;
	pid_t bridge_pid; // 0 when not running
	struct wl_client *client; // NULL when not running
	int restart_delay_ms;
	int64_t started_ms; // CLOCK_MONOTONIC, when the bridge last started
	struct wl_event_source *restart_timer;
	struct wl_list link; // server::vms
	/* Its bridge's mullion_vm_clipboard_v1, once bound (clipboard.c). */
	struct wl_resource *clipboard;
	/* Names of its windows sent to dom0's clients in the second that
	 * began at names_second_ms (view.c: at most VM_NAMES_PER_SECOND). */
	int64_t names_second_ms;
	uint32_t names_in_second;

	struct wl_listener client_destroy;
};

/* Creates a vm for every [vm] section and starts its bridge. */
bool vms_start(struct server *server);
void vms_stop(struct server *server);
/* Applies a new config: VMs whose bridge settings changed get a new
 * bridge, removed ones go, new ones start; the rest take their new label
 * and policies at once. The old config must outlive this call. */
void vms_reconfigure(struct server *server, const struct config *config);

/* The VM a client speaks for, or NULL for dom0's own clients. */
struct vm *vm_from_client(struct server *server, const struct wl_client *client);

#endif
