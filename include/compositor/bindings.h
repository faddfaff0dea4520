/*
 * dom0's own keys: the secure attention key and the clipboard keys of
 * [keys]. A key that makes a binding is dom0's alone: neither its press
 * nor its release reaches any client, whatever has the focus or is
 * fullscreen.
 */
#ifndef COMPOSITOR_BINDINGS_H
#define COMPOSITOR_BINDINGS_H

#include <stdbool.h>
#include <stdint.h>

struct keyboard;
struct wlr_event_keyboard_key;

/* True if dom0 took the key (the caller forwards nothing). */
bool bindings_handle_key(struct keyboard *keyboard, const struct wlr_event_keyboard_key *event);

#endif
