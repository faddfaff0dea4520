/*
 * What VM clients may see. A bridge gets only the globals needed to show
 * windows; everything that reads the screen, injects input, reaches the
 * clipboard or draws dom0 UI stays hidden from it.
 */
#ifndef COMPOSITOR_SECURITY_H
#define COMPOSITOR_SECURITY_H

#include <stdbool.h>
#include <wayland-server-core.h>

struct server;

void security_init(struct server *server);
/* True if a VM client may bind a global of this interface. */
bool security_vm_may_bind(const struct wl_interface *interface);

#endif
