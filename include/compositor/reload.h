/*
 * SIGHUP: the config file is read again and applied without losing
 * windows. A file that does not parse changes nothing (one log line says
 * why); otherwise labels, the border and policies apply at once, and only
 * VMs whose bridge settings changed get a new bridge (vm.c).
 */
#ifndef COMPOSITOR_RELOAD_H
#define COMPOSITOR_RELOAD_H

#include <stdbool.h>

struct server;

/* The compositor owns the config from here on (config_path: the file). */
bool reload_init(struct server *server, const char *config_path);
void reload_finish(struct server *server);

#endif
