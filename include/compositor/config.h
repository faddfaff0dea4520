/*
 * The compositor's configuration: /etc/mullion/mullion.conf, INI, parsed
 * with inih. Anything unknown or contradictory is an error naming the line;
 * the compositor refuses to start rather than guess.
 */
#ifndef COMPOSITOR_CONFIG_H
#define COMPOSITOR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wayland-util.h>

#include "common/vchan/vchan.h"

#define CONFIG_NAME_MAX 32
#define CONFIG_MAX_LABELS 32
#define CONFIG_ERROR_MAX 256

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
	char name[CONFIG_NAME_MAX]; /* [a-zA-Z0-9_-], 1..31 chars */
	char label[CONFIG_NAME_MAX];
	uint32_t rgb; /* the label's colour, resolved at the end of parsing */
	struct vchan_address vchan;
	uint32_t buffers; /* enum config_buffer_kind bits */
	bool snapshot;
	bool allow_fullscreen;
	uint32_t max_windows;
	uint32_t max_buffer_mib;
	struct wl_list link; /* config::vms */
};

struct config_keys {
	char secure_attention[64];
	char copy[64];
	char paste[64];
};

struct config {
	struct config_label labels[CONFIG_MAX_LABELS];
	size_t label_count;
	struct wl_list vms; /* config_vm::link, in file order */
	size_t vm_count;
	uint32_t border_width; /* [general] border-width, pixels */
	uint32_t background_rgb; /* [general] background */
	struct config_keys keys;
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

#endif
