#ifndef COMPOSITOR_XDG_SHELL_H
#define COMPOSITOR_XDG_SHELL_H

#include <stdbool.h>

struct server;

bool xdg_shell_init(struct server *server);
void xdg_shell_finish(struct server *server);

#endif
