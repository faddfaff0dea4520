/*
 * Window decorations are dom0's: it frames every VM window in the VM's
 * colour, with its title. The agent tells clients so, with both protocols
 * they use (xdg-decoration, and KDE's server-decoration, which GTK 3
 * reads), so that they leave out their own title bars and shadows.
 */
#ifndef AGENT_DECORATION_H
#define AGENT_DECORATION_H

#include <stdbool.h>

struct agent_server;

/* Creates both globals; false (logged) if either cannot be made. */
bool agent_decoration_init(struct agent_server *server);
void agent_decoration_finish(struct agent_server *server);

#endif
