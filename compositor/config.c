/*
 * mullion.conf: split into lines here, every value checked here. The
 * first problem found is the only one reported, as "PATH:LINE: what", and
 * no config comes back: the compositor must not start on a file it half
 * understood.
 *
 * The format is the part of INI mullion needs and no more: a "[section]"
 * header or a "key = value" line, whitespace around either ignored; a line
 * starting with ';' or '#' is a comment, and so is the rest of a line from
 * a ';' after whitespace. No continuation lines, no "key: value", no
 * quoting. (inih, used before, could not report line numbers or stop at
 * the first error as Debian builds it; working around that took more code
 * than this splitter.)
 */
#include "compositor/config.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/limits.h"
#include "common/util/ini.h"
#include "common/util/vm_name.h"
#include "common/vchan/vchan.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Far beyond any sane config; bounds what a mistaken path can make us read. */
#define CONFIG_FILE_MAX (1024 * 1024)
/* A line's content, comments and outer whitespace not counted. */
#define CONFIG_LINE_MAX 200

#define DEFAULT_BACKGROUND 0x202020

enum section_kind {
	SECTION_NONE, /* before the first header */
	SECTION_GENERAL,
	SECTION_LABELS,
	SECTION_KEYS,
	SECTION_KEYBOARD,
	SECTION_VM,
};

enum general_key {
	GENERAL_BORDER_WIDTH,
	GENERAL_BACKGROUND,
	GENERAL_OUTPUT_SCALE,
	GENERAL_KEY_COUNT,
};

enum keys_key {
	KEYS_SECURE_ATTENTION,
	KEYS_COPY,
	KEYS_PASTE,
	KEYS_CYCLE,
	KEYS_CLOSE,
	KEYS_MAXIMIZE,
	KEYS_KEY_COUNT,
};

enum keyboard_key {
	KEYBOARD_LAYOUT,
	KEYBOARD_VARIANT,
	KEYBOARD_OPTIONS,
	KEYBOARD_MODEL,
	KEYBOARD_KEY_COUNT,
};

enum vm_key {
	VM_LABEL,
	VM_VCHAN,
	VM_BUFFERS,
	VM_SNAPSHOT,
	VM_FULLSCREEN,
	VM_MAX_WINDOWS,
	VM_MAX_BUFFER_MIB,
	VM_TITLES,
	VM_KEY_COUNT,
};

/* A VM and where the file said what about it, for later checks. */
struct parsed_vm {
	struct config_vm vm; /* first: config_destroy frees it */
	int section_line;
	int key_lines[VM_KEY_COUNT]; /* 0: not set in the file */
};

struct parser {
	struct config *config;
	const char *name; /* the path, in messages */
	char *error;
	size_t error_size;
	bool failed;
	int line; /* the line being parsed, from 1 */

	enum section_kind section;
	char section_title[CONFIG_NAME_MAX + 8]; /* "general", "vm work" */
	int section_line;
	int *key_lines; /* the current section's array below */
	struct config_vm *vm; /* SECTION_VM */

	int singleton_lines[SECTION_VM]; /* first line of [general] etc. */
	int general_lines[GENERAL_KEY_COUNT];
	int keys_lines[KEYS_KEY_COUNT];
	int keyboard_lines[KEYBOARD_KEY_COUNT];
	int label_lines[CONFIG_MAX_LABELS]; /* 0: a built-in default */
};

struct key_spec {
	const char *name;
	bool (*set)(struct parser *p, const char *key, const char *value);
};

static const struct config_label default_labels[] = {
	{ "red", 0xcc0000 },
	{ "orange", 0xf57900 },
	{ "yellow", 0xedd400 },
	{ "green", 0x73d216 },
	{ "gray", 0x555555 },
	{ "blue", 0x3465a4 },
	{ "purple", 0x75507b },
	{ "black", 0x000000 },
};

__attribute__((format(printf, 3, 4))) static bool fail_at(struct parser *p, int line,
	const char *fmt, ...)
{
	if (p->failed) {
		return false;
	}
	p->failed = true;
	if (p->error == NULL || p->error_size == 0) {
		return false;
	}
	va_list args;
	va_start(args, fmt);
	ini_format_error(p->error, p->error_size, p->name, line, fmt, args);
	va_end(args);
	return false;
}

/* Labels and VMs share one name rule, so either can appear in messages
 * and titles without quoting. */
static bool name_valid(const char *name)
{
	return vm_name_valid(name, strlen(name));
}

bool config_parse_colour(const char *str, uint32_t *rgb)
{
	if (str == NULL || str[0] != '#' || strlen(str) != 7 ||
		strspn(str + 1, "0123456789abcdefABCDEF") != 6) {
		return false;
	}
	if (rgb != NULL) {
		*rgb = (uint32_t)strtoul(str + 1, NULL, 16);
	}
	return true;
}

/* Digits only, no sign, no leading zero: one spelling per number. */
static bool parse_number(struct parser *p, const char *key, const char *value, uint32_t min,
	uint32_t max, uint32_t *out)
{
	bool digits = value[0] != '\0' && (value[0] != '0' || value[1] == '\0');
	uint64_t number = 0;
	for (const char *c = value; digits && *c != '\0'; c++) {
		if (*c < '0' || *c > '9') {
			digits = false;
			break;
		}
		/* Saturate: anything past max is out of range anyway. */
		if (number <= max) {
			number = number * 10 + (uint64_t)(*c - '0');
		}
	}
	if (!digits) {
		return fail_at(p, p->line, "%s: '%s' is not a decimal number", key, value);
	}
	if (number < min || number > max) {
		return fail_at(p, p->line, "%s: %s is out of range %u..%u", key, value, min, max);
	}
	*out = (uint32_t)number;
	return true;
}

static bool parse_colour_value(struct parser *p, const char *key, const char *value, uint32_t *rgb)
{
	if (!config_parse_colour(value, rgb)) {
		return fail_at(p, p->line, "%s: '%s' is not a colour (expected #rrggbb)", key,
			value);
	}
	return true;
}

static bool parse_choice(struct parser *p, const char *key, const char *value, const char *yes,
	const char *no, bool *out)
{
	if (strcmp(value, yes) == 0) {
		*out = true;
	} else if (strcmp(value, no) == 0) {
		*out = false;
	} else {
		return fail_at(p, p->line, "%s: '%s' is neither %s nor %s", key, value, yes, no);
	}
	return true;
}

/* In the order combinations are written back in messages. */
static const struct {
	const char *name;
	uint32_t mask;
} modifier_names[] = {
	{ "Ctrl", CONFIG_MOD_CTRL },
	{ "Alt", CONFIG_MOD_ALT },
	{ "Shift", CONFIG_MOD_SHIFT },
	{ "Super", CONFIG_MOD_LOGO },
	{ "Logo", CONFIG_MOD_LOGO },
};

#define MODIFIERS_ALL (CONFIG_MOD_CTRL | CONFIG_MOD_ALT | CONFIG_MOD_SHIFT | CONFIG_MOD_LOGO)

static uint32_t modifier_from_name(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(modifier_names); i++) {
		if (strlen(modifier_names[i].name) == len &&
			strncasecmp(modifier_names[i].name, name, len) == 0) {
			return modifier_names[i].mask;
		}
	}
	return 0;
}

bool config_key_combo_parse(const char *text, struct config_key_combo *out, const char **why)
{
	uint32_t modifiers = 0;
	const char *part = text;
	for (const char *plus; (plus = strchr(part, '+')) != NULL; part = plus + 1) {
		size_t len = (size_t)(plus - part);
		uint32_t modifier = modifier_from_name(part, len);
		if (len == 0) {
			*why = "empty part (expected Mod+...+Key)";
			return false;
		} else if (modifier == 0) {
			*why = "unknown modifier (expected Ctrl, Alt, Shift, Super or Logo)";
			return false;
		} else if (modifiers & modifier) {
			*why = "modifier given twice";
			return false;
		}
		modifiers |= modifier;
	}
	if (part[0] == '\0') {
		*why = "empty part (expected Mod+...+Key)";
		return false;
	}
	if (modifier_from_name(part, strlen(part)) != 0) {
		*why = "ends in a modifier, not a key";
		return false;
	}
	xkb_keysym_t keysym = xkb_keysym_from_name(part, XKB_KEYSYM_NO_FLAGS);
	if (keysym == XKB_KEY_NoSymbol) {
		keysym = xkb_keysym_from_name(part, XKB_KEYSYM_CASE_INSENSITIVE);
	}
	if (keysym == XKB_KEY_NoSymbol) {
		*why = "key is not an xkb keysym name";
		return false;
	}
	/* now: "Ctrl+Shift+C" and "ctrl+shift+c" are the same combination */
	out->modifiers = modifiers;
	out->keysym = xkb_keysym_to_lower(keysym);
	return true;
}

bool config_key_combo_matches(const struct config_key_combo *combo, uint32_t modifiers,
	xkb_keysym_t keysym)
{
	return (modifiers & MODIFIERS_ALL) == combo->modifiers &&
		xkb_keysym_to_lower(keysym) == combo->keysym;
}

/* The combination as "Ctrl+Shift+c", for messages. */
static const char *key_combo_name(const struct config_key_combo *combo, char *buf, size_t size)
{
	size_t n = 0;
	uint32_t written = 0;
	for (size_t i = 0; i < ARRAY_LEN(modifier_names); i++) {
		uint32_t mask = modifier_names[i].mask;
		if ((combo->modifiers & mask) && !(written & mask) && n < size) {
			n += (size_t)snprintf(buf + n, size - n, "%s+", modifier_names[i].name);
			written |= mask;
		}
	}
	if (n < size && xkb_keysym_get_name(combo->keysym, buf + n, size - n) < 0) {
		snprintf(buf + n, size - n, "0x%x", combo->keysym);
	}
	return buf;
}

static bool parse_key_combo(struct parser *p, const char *key, const char *value,
	struct config_key_combo *out)
{
	const char *why;
	if (!config_key_combo_parse(value, out, &why)) {
		return fail_at(p, p->line, "%s: '%s': %s", key, value, why);
	}
	return true;
}

static struct config_label *find_label(struct config *config, const char *name)
{
	for (size_t i = 0; i < config->label_count; i++) {
		if (strcmp(config->labels[i].name, name) == 0) {
			return &config->labels[i];
		}
	}
	return NULL;
}

static bool set_border_width(struct parser *p, const char *key, const char *value)
{
	return parse_number(p, key, value, LIMIT_BORDER_WIDTH_MIN, LIMIT_BORDER_WIDTH_MAX,
		&p->config->border_width);
}

static bool set_output_scale(struct parser *p, const char *key, const char *value)
{
	return parse_number(p, key, value, LIMIT_OUTPUT_SCALE_MIN, LIMIT_OUTPUT_SCALE_MAX,
		&p->config->output_scale);
}

static bool set_background(struct parser *p, const char *key, const char *value)
{
	return parse_colour_value(p, key, value, &p->config->background_rgb);
}

static bool set_secure_attention(struct parser *p, const char *key, const char *value)
{
	return parse_key_combo(p, key, value, &p->config->keys.secure_attention);
}

static bool set_copy(struct parser *p, const char *key, const char *value)
{
	return parse_key_combo(p, key, value, &p->config->keys.copy);
}

static bool set_paste(struct parser *p, const char *key, const char *value)
{
	return parse_key_combo(p, key, value, &p->config->keys.paste);
}

static bool set_cycle(struct parser *p, const char *key, const char *value)
{
	return parse_key_combo(p, key, value, &p->config->keys.cycle);
}

static bool set_close(struct parser *p, const char *key, const char *value)
{
	return parse_key_combo(p, key, value, &p->config->keys.close);
}

static bool set_maximize(struct parser *p, const char *key, const char *value)
{
	return parse_key_combo(p, key, value, &p->config->keys.maximize);
}

/* What xkb's rule names are made of: "de", "us,de", "grp:alt_shift_toggle", "pc105". */
static const char xkb_name_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_,:()+.-";

/* Whether the names compile is checked at the end (finish_file). */
static bool parse_xkb_name(struct parser *p, const char *key, const char *value,
	const char *env_name, char *out, size_t out_size)
{
	size_t len = strlen(value);
	if (len == 0) {
		return fail_at(p, p->line, "%s: empty value (leave the key out to follow %s)", key,
			env_name);
	}
	if (len > CONFIG_XKB_NAME_MAX) {
		return fail_at(p, p->line, "%s: longer than %d characters", key,
			CONFIG_XKB_NAME_MAX);
	}
	if (strspn(value, xkb_name_chars) != len) {
		return fail_at(p, p->line,
			"%s: '%s' is not an xkb name (characters A-Z a-z 0-9 _ , : ( ) + . - only)",
			key, value);
	}
	/* now: value fits out and needs no quoting in messages */
	snprintf(out, out_size, "%s", value);
	return true;
}

static bool set_keyboard_layout(struct parser *p, const char *key, const char *value)
{
	return parse_xkb_name(p, key, value, "XKB_DEFAULT_LAYOUT", p->config->keyboard.layout,
		sizeof(p->config->keyboard.layout));
}

static bool set_keyboard_variant(struct parser *p, const char *key, const char *value)
{
	return parse_xkb_name(p, key, value, "XKB_DEFAULT_VARIANT", p->config->keyboard.variant,
		sizeof(p->config->keyboard.variant));
}

static bool set_keyboard_options(struct parser *p, const char *key, const char *value)
{
	return parse_xkb_name(p, key, value, "XKB_DEFAULT_OPTIONS", p->config->keyboard.options,
		sizeof(p->config->keyboard.options));
}

static bool set_keyboard_model(struct parser *p, const char *key, const char *value)
{
	return parse_xkb_name(p, key, value, "XKB_DEFAULT_MODEL", p->config->keyboard.model,
		sizeof(p->config->keyboard.model));
}

static bool set_vm_label(struct parser *p, const char *key, const char *value)
{
	/* Resolved at the end: [labels] may come after the VMs. */
	if (!name_valid(value)) {
		return fail_at(p, p->line, "%s: '%s' is not a label name", key, value);
	}
	snprintf(p->vm->label, sizeof(p->vm->label), "%s", value);
	return true;
}

static bool set_vm_vchan(struct parser *p, const char *key, const char *value)
{
	struct vchan_address addr;
	if (!vchan_address_parse(value, &addr)) {
		return fail_at(p, p->line,
			"%s: '%s' is not a vchan address (expected socket:/absolute/dir or xen:DOMID)",
			key, value);
	}
	/* xen:0 is how a VM's agent names dom0; no VM is dom0. */
	if (addr.backend == VCHAN_BACKEND_XEN && addr.domid == 0) {
		return fail_at(p, p->line, "%s: '%s' is dom0, not a VM (expected xen:1 or above)",
			key, value);
	}
	/* Two VMs on one channel would let one speak as the other. */
	struct config_vm *other;
	wl_list_for_each(other, &p->config->vms, link) {
		if (other != p->vm && vchan_address_equal(&other->vchan, &addr)) {
			return fail_at(p, p->line, "%s: '%s' is already the channel of VM %s", key,
				value, other->name);
		}
	}
	p->vm->vchan = addr;
	return true;
}

static bool set_vm_buffers(struct parser *p, const char *key, const char *value)
{
	uint32_t kinds = 0;
	const char *item = value;
	for (;;) {
		const char *comma = strchr(item, ',');
		const char *end = comma != NULL ? comma : item + strlen(item);
		while (item < end && isspace((unsigned char)*item)) {
			item++;
		}
		while (end > item && isspace((unsigned char)end[-1])) {
			end--;
		}
		size_t len = (size_t)(end - item);
		uint32_t kind;
		if (len == strlen("shm") && strncmp(item, "shm", len) == 0) {
			kind = CONFIG_BUFFERS_SHM;
		} else if (len == strlen("dmabuf-linear") &&
			strncmp(item, "dmabuf-linear", len) == 0) {
			kind = CONFIG_BUFFERS_DMABUF_LINEAR;
		} else if (len == 0) {
			return fail_at(p, p->line,
				"%s: empty item in '%s' (expected shm and/or dmabuf-linear)", key,
				value);
		} else {
			return fail_at(p, p->line,
				"%s: unknown buffer kind '%.*s' (expected shm or dmabuf-linear)",
				key, (int)len, item);
		}
		if (kinds & kind) {
			return fail_at(p, p->line, "%s: '%.*s' listed twice", key, (int)len, item);
		}
		kinds |= kind;
		if (comma == NULL) {
			break;
		}
		item = comma + 1;
	}
	p->vm->buffers = kinds;
	return true;
}

static bool set_vm_snapshot(struct parser *p, const char *key, const char *value)
{
	return parse_choice(p, key, value, "yes", "no", &p->vm->snapshot);
}

static bool set_vm_fullscreen(struct parser *p, const char *key, const char *value)
{
	return parse_choice(p, key, value, "allow", "deny", &p->vm->allow_fullscreen);
}

static bool set_vm_max_windows(struct parser *p, const char *key, const char *value)
{
	return parse_number(p, key, value, LIMIT_MAX_WINDOWS_MIN, LIMIT_MAX_WINDOWS_MAX,
		&p->vm->max_windows);
}

static bool set_vm_max_buffer_mib(struct parser *p, const char *key, const char *value)
{
	return parse_number(p, key, value, LIMIT_MAX_BUFFER_MIB_MIN, LIMIT_MAX_BUFFER_MIB_MAX,
		&p->vm->max_buffer_mib);
}

static bool set_vm_titles(struct parser *p, const char *key, const char *value)
{
	return parse_choice(p, key, value, "utf8", "ascii", &p->vm->utf8_titles);
}

static const struct key_spec general_keys[GENERAL_KEY_COUNT] = {
	[GENERAL_BORDER_WIDTH] = { "border-width", set_border_width },
	[GENERAL_BACKGROUND] = { "background", set_background },
	[GENERAL_OUTPUT_SCALE] = { "output-scale", set_output_scale },
};

static const struct key_spec keys_keys[KEYS_KEY_COUNT] = {
	[KEYS_SECURE_ATTENTION] = { "secure-attention", set_secure_attention },
	[KEYS_COPY] = { "copy", set_copy },
	[KEYS_PASTE] = { "paste", set_paste },
	[KEYS_CYCLE] = { "cycle", set_cycle },
	[KEYS_CLOSE] = { "close", set_close },
	[KEYS_MAXIMIZE] = { "maximize", set_maximize },
};

static const struct key_spec keyboard_keys[KEYBOARD_KEY_COUNT] = {
	[KEYBOARD_LAYOUT] = { "layout", set_keyboard_layout },
	[KEYBOARD_VARIANT] = { "variant", set_keyboard_variant },
	[KEYBOARD_OPTIONS] = { "options", set_keyboard_options },
	[KEYBOARD_MODEL] = { "model", set_keyboard_model },
};

static const struct key_spec vm_keys[VM_KEY_COUNT] = {
	[VM_LABEL] = { "label", set_vm_label },
	[VM_VCHAN] = { "vchan", set_vm_vchan },
	[VM_BUFFERS] = { "buffers", set_vm_buffers },
	[VM_SNAPSHOT] = { "snapshot", set_vm_snapshot },
	[VM_FULLSCREEN] = { "fullscreen", set_vm_fullscreen },
	[VM_MAX_WINDOWS] = { "max-windows", set_vm_max_windows },
	[VM_MAX_BUFFER_MIB] = { "max-buffer-mib", set_vm_max_buffer_mib },
	[VM_TITLES] = { "titles", set_vm_titles },
};

static bool set_from_table(struct parser *p, const struct key_spec *table, size_t count,
	const char *key, const char *value)
{
	for (size_t i = 0; i < count; i++) {
		if (strcmp(table[i].name, key) != 0) {
			continue;
		}
		if (p->key_lines[i] != 0) {
			return fail_at(p, p->line, "duplicate key '%s' in [%s] (first on line %d)",
				key, p->section_title, p->key_lines[i]);
		}
		p->key_lines[i] = p->line;
		return table[i].set(p, key, value);
	}
	return fail_at(p, p->line, "unknown key '%s' in [%s]", key, p->section_title);
}

static bool set_label(struct parser *p, const char *name, const char *value)
{
	struct config *config = p->config;
	if (!name_valid(name)) {
		return fail_at(p, p->line,
			"bad label name '%s' (1..%d characters of A-Z a-z 0-9 _ -)", name,
			LIMIT_VM_NAME_MAX);
	}
	uint32_t rgb;
	if (!parse_colour_value(p, name, value, &rgb)) {
		return false;
	}
	struct config_label *label = find_label(config, name);
	if (label == NULL) {
		if (config->label_count >= CONFIG_MAX_LABELS) {
			return fail_at(p, p->line, "too many labels (at most %d)",
				CONFIG_MAX_LABELS);
		}
		label = &config->labels[config->label_count++];
		snprintf(label->name, sizeof(label->name), "%s", name);
	}
	int *line = &p->label_lines[label - config->labels];
	if (*line != 0) {
		return fail_at(p, p->line, "duplicate key '%s' in [labels] (first on line %d)",
			name, *line);
	}
	*line = p->line;
	label->rgb = rgb;
	return true;
}

static bool set_key(struct parser *p, const char *key, const char *value)
{
	switch (p->section) {
	case SECTION_GENERAL:
		return set_from_table(p, general_keys, ARRAY_LEN(general_keys), key, value);
	case SECTION_KEYS:
		return set_from_table(p, keys_keys, ARRAY_LEN(keys_keys), key, value);
	case SECTION_KEYBOARD:
		return set_from_table(p, keyboard_keys, ARRAY_LEN(keyboard_keys), key, value);
	case SECTION_VM:
		return set_from_table(p, vm_keys, ARRAY_LEN(vm_keys), key, value);
	case SECTION_LABELS:
		return set_label(p, key, value);
	case SECTION_NONE:
		break;
	}
	return fail_at(p, p->line, "key '%s' before any [section]", key);
}

static bool finish_section(struct parser *p)
{
	if (p->section != SECTION_VM) {
		return true;
	}
	static const enum vm_key required[] = { VM_LABEL, VM_VCHAN };
	for (size_t i = 0; i < ARRAY_LEN(required); i++) {
		if (p->key_lines[required[i]] == 0) {
			return fail_at(p, p->section_line, "[%s]: missing required key '%s'",
				p->section_title, vm_keys[required[i]].name);
		}
	}
	return true;
}

static bool begin_vm_section(struct parser *p, const char *name)
{
	struct config *config = p->config;
	if (!name_valid(name)) {
		return fail_at(p, p->line, "bad VM name '%s' (1..%d characters of A-Z a-z 0-9 _ -)",
			name, LIMIT_VM_NAME_MAX);
	}
	struct parsed_vm *other;
	wl_list_for_each(other, &config->vms, vm.link) {
		if (strcmp(other->vm.name, name) == 0) {
			return fail_at(p, p->line, "duplicate section [vm %s] (first on line %d)",
				name, other->section_line);
		}
	}

	struct parsed_vm *parsed = calloc(1, sizeof(*parsed));
	if (parsed == NULL) {
		return fail_at(p, p->line, "out of memory");
	}
	struct config_vm *vm = &parsed->vm;
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	vm->buffers = CONFIG_BUFFERS_SHM;
	vm->snapshot = false;
	vm->allow_fullscreen = false; /* as Qubes: a VM may not take the whole screen */
	vm->max_windows = LIMIT_MAX_WINDOWS_DEFAULT;
	vm->max_buffer_mib = LIMIT_MAX_BUFFER_MIB_DEFAULT;
	vm->utf8_titles = false; /* as Qubes: printable ASCII titles */
	wl_list_insert(config->vms.prev, &vm->link);
	config->vm_count++;

	parsed->section_line = p->line;
	p->vm = vm;
	p->key_lines = parsed->key_lines;
	p->section = SECTION_VM;
	snprintf(p->section_title, sizeof(p->section_title), "vm %s", name);
	return true;
}

/* title: what is between the brackets, trimmed. */
static bool begin_section(struct parser *p, const char *title)
{
	static const struct {
		const char *title;
		enum section_kind kind;
	} singletons[] = {
		{ "general", SECTION_GENERAL },
		{ "labels", SECTION_LABELS },
		{ "keys", SECTION_KEYS },
		{ "keyboard", SECTION_KEYBOARD },
	};

	if (!finish_section(p)) {
		return false;
	}
	p->section_line = p->line;
	p->vm = NULL;

	if (strncmp(title, "vm", 2) == 0 &&
		(title[2] == ' ' || title[2] == '\t' || title[2] == '\0')) {
		const char *name = title + 2;
		while (*name == ' ' || *name == '\t') {
			name++;
		}
		return begin_vm_section(p, name);
	}

	for (size_t i = 0; i < ARRAY_LEN(singletons); i++) {
		if (strcmp(title, singletons[i].title) != 0) {
			continue;
		}
		enum section_kind kind = singletons[i].kind;
		/* A second [general] could only repeat or contradict the
		 * first. */
		if (p->singleton_lines[kind] != 0) {
			return fail_at(p, p->line, "duplicate section [%s] (first on line %d)",
				title, p->singleton_lines[kind]);
		}
		p->singleton_lines[kind] = p->line;
		p->section = kind;
		/* title is one of the short names above; the precision tells gcc so. */
		snprintf(p->section_title, sizeof(p->section_title), "%.*s",
			(int)sizeof(p->section_title) - 1, title);
		p->key_lines = kind == SECTION_GENERAL ? p->general_lines
			: kind == SECTION_KEYS	       ? p->keys_lines
			: kind == SECTION_KEYBOARD     ? p->keyboard_lines
						       : NULL;
		return true;
	}
	return fail_at(p, p->line, "unknown section [%s]", title);
}

/* One line, len bytes, no newline. */
static bool parse_line(struct parser *p, const char *text, size_t len)
{
	char buf[CONFIG_LINE_MAX + 1];
	struct ini_line line;
	ini_line_split(text, len, buf, CONFIG_LINE_MAX, &line);
	switch (line.kind) {
	case INI_LINE_BLANK:
		return true;
	case INI_LINE_SECTION:
		return begin_section(p, line.section);
	case INI_LINE_PAIR:
		return set_key(p, line.key, line.value);
	case INI_LINE_ERROR:
		break;
	}
	if (line.error == INI_ERR_TOO_LONG) {
		return fail_at(p, p->line, "line too long (at most %d characters before a comment)",
			CONFIG_LINE_MAX);
	}
	return fail_at(p, p->line, "%s", ini_error_str(line.error));
}

static bool parse_numbered_line(void *data, int number, const char *text, size_t len)
{
	struct parser *p = data;
	p->line = number;
	return parse_line(p, text, len);
}

/* xkbcommon's first error while compiling, as the reason a keymap is refused. */
struct xkb_log_capture {
	char *why;
	size_t why_size;
	bool logged;
};

__attribute__((format(printf, 3, 0))) static void capture_xkb_log(struct xkb_context *context,
	enum xkb_log_level level, const char *format, va_list args)
{
	struct xkb_log_capture *capture = xkb_context_get_user_data(context);
	if (capture == NULL || level > XKB_LOG_LEVEL_ERROR || capture->logged) {
		return;
	}
	capture->logged = true;
	if (capture->why_size > 0) {
		vsnprintf(capture->why, capture->why_size, format, args);
		capture->why[strcspn(capture->why, "\n")] = '\0';
	}
}

static const char *name_or_null(const char *name)
{
	return name[0] != '\0' ? name : NULL;
}

struct xkb_keymap *config_keyboard_compile(const struct config_keyboard *keyboard, char *why,
	size_t why_size)
{
	struct xkb_log_capture capture = { .why = why, .why_size = why_size };
	if (why_size > 0) {
		why[0] = '\0';
	}
	struct xkb_context *context = xkb_context_new(XKB_CONTEXT_NO_FLAGS);
	if (context == NULL) {
		snprintf(why, why_size, "cannot create an xkb context");
		return NULL;
	}
	xkb_context_set_user_data(context, &capture);
	xkb_context_set_log_level(context, XKB_LOG_LEVEL_ERROR);
	xkb_context_set_log_fn(context, capture_xkb_log);
	/* NULL: xkbcommon takes XKB_DEFAULT_RULES, _MODEL, ... or its built-in default. */
	const struct xkb_rule_names names = {
		.rules = NULL,
		.model = name_or_null(keyboard->model),
		.layout = name_or_null(keyboard->layout),
		.variant = name_or_null(keyboard->variant),
		.options = name_or_null(keyboard->options),
	};
	struct xkb_keymap *keymap =
		xkb_keymap_new_from_names(context, &names, XKB_KEYMAP_COMPILE_NO_FLAGS);
	/* The keymap keeps the context; it must not log into this stack frame later. */
	xkb_context_set_log_fn(context, NULL);
	xkb_context_set_user_data(context, NULL);
	xkb_context_unref(context);
	/* An unknown option compiles, ignored, with an error logged: refuse that too. */
	if (keymap != NULL && capture.logged) {
		xkb_keymap_unref(keymap);
		keymap = NULL;
	}
	if (keymap == NULL && !capture.logged) {
		snprintf(why, why_size, "xkbcommon gave no reason");
	}
	return keymap;
}

static bool check_keyboard(struct parser *p)
{
	const struct config_keyboard *keyboard = &p->config->keyboard;
	if (keyboard->variant[0] != '\0' && keyboard->layout[0] == '\0') {
		return fail_at(p, p->keyboard_lines[KEYBOARD_VARIANT],
			"[keyboard] variant needs a layout in [keyboard] (xkbcommon would ignore it)");
	}
	char why[CONFIG_ERROR_MAX];
	struct xkb_keymap *keymap = config_keyboard_compile(keyboard, why, sizeof(why));
	if (keymap == NULL) {
		return fail_at(p, p->singleton_lines[SECTION_KEYBOARD],
			"[keyboard]: xkbcommon cannot use these names: %s", why);
	}
	xkb_keymap_unref(keymap);
	return true;
}

/* Checks that need the whole file: labels may be defined after use, and
 * keys may be changed in any order. */
static bool finish_file(struct parser *p)
{
	struct config *config = p->config;
	if (!finish_section(p)) {
		return false;
	}

	struct parsed_vm *parsed;
	wl_list_for_each(parsed, &config->vms, vm.link) {
		struct config_vm *vm = &parsed->vm;
		const struct config_label *label = find_label(config, vm->label);
		if (label == NULL) {
			return fail_at(p, parsed->key_lines[VM_LABEL],
				"label '%s' of VM %s is not defined in [labels]", vm->label,
				vm->name);
		}
		vm->rgb = label->rgb;
	}

	const struct config_key_combo *combos[KEYS_KEY_COUNT] = {
		[KEYS_SECURE_ATTENTION] = &config->keys.secure_attention,
		[KEYS_COPY] = &config->keys.copy,
		[KEYS_PASTE] = &config->keys.paste,
		[KEYS_CYCLE] = &config->keys.cycle,
		[KEYS_CLOSE] = &config->keys.close,
		[KEYS_MAXIMIZE] = &config->keys.maximize,
	};
	for (size_t i = 0; i < KEYS_KEY_COUNT; i++) {
		for (size_t j = i + 1; j < KEYS_KEY_COUNT; j++) {
			if (combos[i]->modifiers != combos[j]->modifiers ||
				combos[i]->keysym != combos[j]->keysym) {
				continue;
			}
			char name[128];
			int line_i = p->keys_lines[i];
			int line_j = p->keys_lines[j];
			return fail_at(p, line_i > line_j ? line_i : line_j,
				"[keys] %s and %s are the same key (%s)", keys_keys[i].name,
				keys_keys[j].name, key_combo_name(combos[j], name, sizeof(name)));
		}
	}

	/* Without [keyboard], dom0 follows XKB_DEFAULT_* and the compositor checks that. */
	if (p->singleton_lines[SECTION_KEYBOARD] != 0 && !check_keyboard(p)) {
		return false;
	}
	return true;
}

struct config *config_create_default(void)
{
	struct config *config = calloc(1, sizeof(*config));
	if (config == NULL) {
		return NULL;
	}
	static_assert(ARRAY_LEN(default_labels) <= CONFIG_MAX_LABELS, "default labels must fit");
	memcpy(config->labels, default_labels, sizeof(default_labels));
	config->label_count = ARRAY_LEN(default_labels);
	wl_list_init(&config->vms);
	config->border_width = LIMIT_BORDER_WIDTH_DEFAULT;
	config->output_scale = LIMIT_OUTPUT_SCALE_DEFAULT;
	config->background_rgb = DEFAULT_BACKGROUND;
	config->keys = (struct config_keys){
		.secure_attention = { CONFIG_MOD_CTRL | CONFIG_MOD_ALT, XKB_KEY_Escape },
		.copy = { CONFIG_MOD_CTRL | CONFIG_MOD_SHIFT, XKB_KEY_c },
		.paste = { CONFIG_MOD_CTRL | CONFIG_MOD_SHIFT, XKB_KEY_v },
		.cycle = { CONFIG_MOD_ALT, XKB_KEY_Tab },
		.close = { CONFIG_MOD_LOGO | CONFIG_MOD_SHIFT, XKB_KEY_q },
		.maximize = { CONFIG_MOD_LOGO, XKB_KEY_Up },
	};
	return config;
}

void config_destroy(struct config *config)
{
	if (config == NULL) {
		return;
	}
	struct config_vm *vm, *tmp;
	wl_list_for_each_safe(vm, tmp, &config->vms, link) {
		wl_list_remove(&vm->link);
		free(vm); /* the parsed_vm it starts */
	}
	free(config);
}

/* text holds len bytes, no NUL among them. */
static struct config *parse_text(struct parser *p, const char *text, size_t len)
{
	p->config = config_create_default();
	if (p->config == NULL) {
		fail_at(p, 0, "out of memory");
		return NULL;
	}

	ini_each_line(text, len, parse_numbered_line, p);
	if (!p->failed) {
		finish_file(p);
	}
	if (p->failed) {
		config_destroy(p->config);
		return NULL;
	}
	return p->config;
}

struct config *config_load_string(const char *text, const char *name, char *error,
	size_t error_size)
{
	struct parser p = {
		.name = name != NULL ? name : "(string)",
		.error = error,
		.error_size = error_size,
	};
	if (text == NULL) {
		text = "";
	}
	return parse_text(&p, text, strlen(text));
}

struct config *config_load(const char *path, char *error, size_t error_size)
{
	struct parser p = { .name = path, .error = error, .error_size = error_size };
	FILE *file = fopen(path, "re");
	if (file == NULL) {
		fail_at(&p, 0, "%s", strerror(errno));
		return NULL;
	}
	struct config *config = NULL;
	/* One byte more than allowed, to tell "too large" from "just fits". */
	char *text = malloc(CONFIG_FILE_MAX + 1);
	if (text == NULL) {
		fail_at(&p, 0, "out of memory");
		goto out;
	}
	size_t len = fread(text, 1, CONFIG_FILE_MAX + 1, file);
	if (ferror(file)) {
		fail_at(&p, 0, "read error");
		goto out;
	}
	if (len > CONFIG_FILE_MAX) {
		fail_at(&p, 0, "larger than %d bytes", CONFIG_FILE_MAX);
		goto out;
	}
	if (memchr(text, '\0', len) != NULL) {
		fail_at(&p, 0, "not a text file (contains a NUL byte)");
		goto out;
	}
	config = parse_text(&p, text, len);
out:
	free(text);
	fclose(file);
	return config;
}

const struct config_vm *config_find_vm(const struct config *config, const char *name)
{
	if (config == NULL || name == NULL) {
		return NULL;
	}
	const struct config_vm *vm;
	wl_list_for_each(vm, &config->vms, link) {
		if (strcmp(vm->name, name) == 0) {
			return vm;
		}
	}
	return NULL;
}
