/*
 * The window switcher the secure attention key opens: dom0's own list of
 * every window, each row in its VM's colour with "[vm] title" (dom0's
 * windows in gray), drawn above everything. While it is open every key is
 * dom0's: Up/Down (or Tab) move the selection, Return focuses the selected
 * window, Escape closes the list leaving the keyboard with dom0.
 */
#ifndef COMPOSITOR_SWITCHER_H
#define COMPOSITOR_SWITCHER_H

#include <stdbool.h>
#include <stdint.h>
#include <xkbcommon/xkbcommon.h>

#include "compositor/title_bar.h"

struct server;
struct view;

#define SWITCHER_ROWS_MAX 32
#define SWITCHER_DOM0_RGB 0x555555

struct switcher {
	bool open;
	int count, selected;
	struct view *views[SWITCHER_ROWS_MAX];
	struct title_bar rows[SWITCHER_ROWS_MAX];
};

void switcher_open(struct server *server);
void switcher_close(struct server *server);
/* A key while the switcher is open (it takes every key). */
void switcher_handle_key(struct server *server, xkb_keysym_t keysym, bool pressed);
/* A window went: the list is drawn again without it. */
void switcher_forget_view(struct server *server, struct view *view);

#endif
