/*
 * The compositor's configuration: /etc/mullion/mullion.conf, INI, split
 * into lines by the parser in config.c. Anything unknown or contradictory
 * is an error naming the line; the compositor refuses to start rather than
 * guess.
 */
#ifndef COMPOSITOR_CONFIG_H
#define COMPOSITOR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wayland-util.h>
#include <xkbcommon/xkbcommon.h>

#include "common/limits.h"
#include "common/vchan/vchan.h"

/* A VM or label name and its NUL (common/util/vm_name.h has the rule). */
#define CONFIG_NAME_MAX (LIMIT_VM_NAME_MAX + 1)
#define CONFIG_MAX_LABELS 32
#define CONFIG_ERROR_MAX 256
/* A [keyboard] value, without its NUL; xkb's names are far shorter. */
#define CONFIG_XKB_NAME_MAX 64

/* 0xRRGGBB, opaque. */
struct config_label {
	char name[CONFIG_NAME_MAX];
	uint32_t rgb;
};

enum config_buffer_kind {
	CONFIG_BUFFERS_SHM = 1 << 0,
	CONFIG_BUFFERS_DMABUF_LINEAR = 1 << 1,
};

struct config_vm {
	char name[CONFIG_NAME_MAX]; /* vm_name_valid */
	char label[CONFIG_NAME_MAX];
	uint32_t rgb; /* the label's colour, resolved at the end of parsing */
	struct vchan_address vchan;
	uint32_t buffers; /* enum config_buffer_kind bits */
	bool snapshot;
	bool allow_fullscreen;
	/* titles = utf8 (Qubes' allow_utf8_titles): UTF-8 titles, else
	 * printable ASCII only; the bridge sanitises to it (--titles). */
	bool utf8_titles;
	uint32_t max_windows;
	uint32_t max_buffer_mib;
	struct wl_list link; /* config::vms */
};

/*
 * The modifiers a key combination may name, with the values of wlroots'
 * WLR_MODIFIER_* bits, so a combination compares directly with
 * wlr_keyboard_get_modifiers() without this library linking wlroots.
 */
enum config_modifier {
	CONFIG_MOD_SHIFT = 1 << 0,
	CONFIG_MOD_CTRL = 1 << 2,
	CONFIG_MOD_ALT = 1 << 3,
	CONFIG_MOD_LOGO = 1 << 6,
};

struct config_key_combo {
	uint32_t modifiers; /* enum config_modifier bits */
	xkb_keysym_t keysym; /* lower case (xkb_keysym_to_lower) */
};

struct config_keys {
	struct config_key_combo secure_attention;
	struct config_key_combo copy;
	struct config_key_combo paste;
	struct config_key_combo cycle; /* focus the next window (Alt+Tab) */
	struct config_key_combo close; /* ask the focused window to close */
	struct config_key_combo maximize; /* maximize or restore it */
};

/*
 * [keyboard]: the xkb rule names of dom0's keymap, which the compositor
 * gives every keyboard of the seat and so every VM. "" where the file
 * sets none: xkbcommon then takes XKB_DEFAULT_LAYOUT, _VARIANT, _OPTIONS
 * or _MODEL from the environment, else its own default ("us").
 */
struct config_keyboard {
	char layout[CONFIG_XKB_NAME_MAX + 1]; /* "de", "us,de" */
	char variant[CONFIG_XKB_NAME_MAX + 1]; /* "nodeadkeys" */
	char options[CONFIG_XKB_NAME_MAX + 1]; /* "grp:alt_shift_toggle,caps:escape" */
	char model[CONFIG_XKB_NAME_MAX + 1]; /* "pc105" */
};

struct config {
	struct config_label labels[CONFIG_MAX_LABELS];
	size_t label_count;
	struct wl_list vms; /* config_vm::link, in file order */
	size_t vm_count;
	uint32_t border_width; /* [general] border-width, pixels */
	uint32_t output_scale; /* [general] output-scale, read at start */
	uint32_t background_rgb; /* [general] background */
	struct config_keys keys;
	struct config_keyboard keyboard;
};

/*
 * Returns a config holding the built-in defaults (labels, keys, limits)
 * and no VMs. Free with config_destroy.
 */
struct config *config_create_default(void);

/*
 * Parse the file at path over the defaults. On failure returns NULL and
 * writes "PATH:LINE: what is wrong" into error[CONFIG_ERROR_MAX].
 */
struct config *config_load(const char *path, char *error, size_t error_size);
/* Same, from a string (tests, fuzzing); name stands for the path in errors. */
struct config *config_load_string(const char *text, const char *name, char *error,
	size_t error_size);

void config_destroy(struct config *config);

const struct config_vm *config_find_vm(const struct config *config, const char *name);

/* Parse "#rrggbb" (exactly). */
bool config_parse_colour(const char *str, uint32_t *rgb);

/*
 * Parse "Mod+...+Keysym": modifiers Ctrl, Alt, Shift, Super (or Logo), in
 * any case and order, each at most once, then one xkb keysym name (exact,
 * else in any case). On failure returns false and points *why at a static
 * phrase saying what is wrong; *out is untouched.
 */
bool config_key_combo_parse(const char *text, struct config_key_combo *out, const char **why);

/*
 * Whether a key press is the combination: modifiers as
 * wlr_keyboard_get_modifiers() gives them (Caps Lock, Num Lock and the
 * other bits are ignored), keysym as xkb translated it, in either case.
 */
bool config_key_combo_matches(const struct config_key_combo *combo, uint32_t modifiers,
	xkb_keysym_t keysym);

/*
 * Compiles dom0's keymap from [keyboard], an empty name following its
 * XKB_DEFAULT_* variable. Returns NULL, with xkbcommon's first error in
 * why[why_size] (e.g. 'Couldn't find file "symbols/xx" in include
 * paths'), when the names do not compile or xkbcommon reports an error
 * while compiling them (an unknown option, which it would ignore). The
 * config check at load and the compositor both use this, so they agree.
 * Free with xkb_keymap_unref.
 */
struct xkb_keymap *config_keyboard_compile(const struct config_keyboard *keyboard, char *why,
	size_t why_size);

#endif
