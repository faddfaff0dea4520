/*
 * A short message dom0 shows on top of everything, in a VM's label colour,
 * for a few seconds (e.g. "[work] is fullscreen"). dom0 draws it: no VM can
 * cover it, draw it or make it go.
 */
#ifndef COMPOSITOR_NOTICE_H
#define COMPOSITOR_NOTICE_H

#include <stdint.h>

struct server;

#define NOTICE_SHOWN_MS 4000

void notice_show(struct server *server, uint32_t rgb, const char *text);
void notice_finish(struct server *server);

#endif
