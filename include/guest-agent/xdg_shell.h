/* xdg_shell: VM clients' toplevels become windows. */
#ifndef AGENT_XDG_SHELL_H
#define AGENT_XDG_SHELL_H

#include <stdbool.h>

struct agent_server;

bool agent_xdg_shell_init(struct agent_server *server);
void agent_xdg_shell_finish(struct agent_server *server);

#endif
