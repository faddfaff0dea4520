#include "compositor/bindings.h"

#include <wlr/types/wlr_keyboard.h>
#include <wlr/types/wlr_seat.h>
#include <wlr/util/log.h>
#include <xkbcommon/xkbcommon.h>

#include "compositor/config.h"
#include "compositor/input.h"
#include "compositor/server.h"
#include "compositor/view.h"

_Static_assert((int)CONFIG_MOD_SHIFT == (int)WLR_MODIFIER_SHIFT &&
		(int)CONFIG_MOD_CTRL == (int)WLR_MODIFIER_CTRL &&
		(int)CONFIG_MOD_ALT == (int)WLR_MODIFIER_ALT &&
		(int)CONFIG_MOD_LOGO == (int)WLR_MODIFIER_LOGO,
	"the config's modifier bits are wlroots'");

enum binding {
	BINDING_NONE,
	BINDING_SECURE_ATTENTION,
	BINDING_COPY,
	BINDING_PASTE,
	BINDING_CYCLE,
	BINDING_CLOSE,
	BINDING_MAXIMIZE,
};

static enum binding binding_of(const struct config_keys *keys, uint32_t modifiers,
	const xkb_keysym_t *syms, int count)
{
	for (int i = 0; i < count; i++) {
		if (config_key_combo_matches(&keys->secure_attention, modifiers, syms[i])) {
			return BINDING_SECURE_ATTENTION;
		}
		if (config_key_combo_matches(&keys->copy, modifiers, syms[i])) {
			return BINDING_COPY;
		}
		if (config_key_combo_matches(&keys->paste, modifiers, syms[i])) {
			return BINDING_PASTE;
		}
		if (config_key_combo_matches(&keys->cycle, modifiers, syms[i])) {
			return BINDING_CYCLE;
		}
		if (config_key_combo_matches(&keys->close, modifiers, syms[i])) {
			return BINDING_CLOSE;
		}
		if (config_key_combo_matches(&keys->maximize, modifiers, syms[i])) {
			return BINDING_MAXIMIZE;
		}
	}
	return BINDING_NONE;
}

/*
 * The secure attention key gives the keyboard back to dom0: no client
 * keeps it (a VM cannot hold on to it, grab it or fake dom0's UI around
 * it).
 */
static void secure_attention(struct server *server)
{
	wlr_log(WLR_INFO, "Secure attention key: the keyboard is dom0's");
	view_leave_all_fullscreen(server);
	wlr_seat_keyboard_notify_clear_focus(server->seat);
	switcher_open(server);
}

static bool taken(const struct keyboard *keyboard, uint32_t keycode)
{
	for (size_t i = 0; i < keyboard->taken_count; i++) {
		if (keyboard->taken[i] == keycode) {
			return true;
		}
	}
	return false;
}

static void forget(struct keyboard *keyboard, uint32_t keycode)
{
	for (size_t i = 0; i < keyboard->taken_count; i++) {
		if (keyboard->taken[i] == keycode) {
			keyboard->taken[i] = keyboard->taken[--keyboard->taken_count];
			return;
		}
	}
}

bool bindings_handle_key(struct keyboard *keyboard, const struct wlr_event_keyboard_key *event)
{
	/* The release of a key dom0 took is dom0's too: the client never
	 * saw the press. */
	if (event->state == WL_KEYBOARD_KEY_STATE_RELEASED) {
		if (taken(keyboard, event->keycode)) {
			forget(keyboard, event->keycode);
			return true;
		}
		return false;
	}
	struct wlr_keyboard *wlr_keyboard = keyboard->device->keyboard;
	if (wlr_keyboard->xkb_state == NULL) {
		return false;
	}
	const xkb_keysym_t *syms;
	int count = xkb_state_key_get_syms(wlr_keyboard->xkb_state, event->keycode + 8, &syms);
	uint32_t modifiers = wlr_keyboard_get_modifiers(wlr_keyboard);
	struct server *server = keyboard->server;
	enum binding binding = binding_of(&server->config->keys, modifiers, syms, count);
	if (binding == BINDING_NONE && server->switcher.open) {
		/* The switcher is dom0's: every key goes to it. */
		if (keyboard->taken_count < KEYBOARD_TAKEN_MAX) {
			keyboard->taken[keyboard->taken_count++] = event->keycode;
		}
		for (int i = 0; i < count; i++) {
			switcher_handle_key(server, syms[i], true);
		}
		return true;
	}
	if (binding == BINDING_NONE) {
		return false;
	}
	if (keyboard->taken_count < KEYBOARD_TAKEN_MAX) {
		keyboard->taken[keyboard->taken_count++] = event->keycode;
	}
	switch (binding) {
	case BINDING_SECURE_ATTENTION:
		secure_attention(server);
		break;
	case BINDING_COPY: {
		struct view *view = view_focused(server);
		clipboard_copy(server, view ? view->vm : NULL);
		break;
	}
	case BINDING_PASTE: {
		struct view *view = view_focused(server);
		clipboard_paste(server, view ? view->vm : NULL);
		break;
	}
	case BINDING_CYCLE:
		view_cycle_focus(server);
		break;
	case BINDING_CLOSE:
		view_close(view_focused(server));
		break;
	case BINDING_MAXIMIZE: {
		struct view *view = view_focused(server);
		if (view) {
			view_set_maximized(view, !view->maximized);
		}
		break;
	}
	case BINDING_NONE:
		break;
	}
	return true;
}
