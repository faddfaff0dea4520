/*
 * mullion.conf: INI split into lines and key/value pairs by inih, every
 * value checked here. The first problem found is the only one reported,
 * as "PATH:LINE: what", and no config comes back: the compositor must not
 * start on a file it half understood.
 *
 * Why inih is fed through ini_parse_stream with our own reader: Debian's
 * libinih is built without INI_HANDLER_LINENO and without
 * INI_CALL_HANDLER_ON_NEW_SECTION, so its handler learns neither the line
 * number nor that a section began (an empty [vm x] would go unseen). inih
 * asks the reader for exactly one line per call and calls the handler for
 * that line before asking for the next, so the reader's own line counter
 * is the handler's line. The reader also:
 *  - blanks comment lines and cuts inline comments with inih's own rule
 *    (';' after whitespace), so only content counts against inih's line
 *    buffer and a long comment is never an error;
 *  - strips leading whitespace, which turns off inih's multi-line values:
 *    an indented "key = value" is then a key, never a continuation of the
 *    line above it;
 *  - opens and closes sections itself, with the line numbers;
 *  - returns NULL once an error is recorded, which ends the parse (the
 *    library is not built with INI_STOP_ON_FIRST_ERROR either, and its
 *    runtime switches are process-wide, so they are left alone).
 */
#define _GNU_SOURCE /* reallocarray */
#include "compositor/config.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "common/vchan/vchan.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Far beyond any sane config; bounds what a mistaken path can make us read. */
#define CONFIG_FILE_MAX (1024 * 1024)
#define KEY_COMBO_MAX sizeof(((struct config_keys *)0)->copy)

#define BORDER_WIDTH_MIN 1
#define BORDER_WIDTH_MAX 32
#define MAX_WINDOWS_MIN 1
#define MAX_WINDOWS_MAX 4096
#define MAX_BUFFER_MIB_MIN 1
#define MAX_BUFFER_MIB_MAX 4096

#define DEFAULT_BORDER_WIDTH 4
#define DEFAULT_BACKGROUND 0x202020
#define DEFAULT_MAX_WINDOWS 256
#define DEFAULT_MAX_BUFFER_MIB 512

enum section_kind {
	SECTION_NONE, /* before the first header */
	SECTION_GENERAL,
	SECTION_LABELS,
	SECTION_KEYS,
	SECTION_VM,
};

enum general_key {
	GENERAL_BORDER_WIDTH,
	GENERAL_BACKGROUND,
	GENERAL_KEY_COUNT,
};

enum keys_key {
	KEYS_SECURE_ATTENTION,
	KEYS_COPY,
	KEYS_PASTE,
	KEYS_KEY_COUNT,
};

enum vm_key {
	VM_LABEL,
	VM_VCHAN,
	VM_BUFFERS,
	VM_SNAPSHOT,
	VM_FULLSCREEN,
	VM_MAX_WINDOWS,
	VM_MAX_BUFFER_MIB,
	VM_KEY_COUNT,
};

/* What the parser remembers about one [vm] section for later checks. */
struct vm_lines {
	int section;
	int keys[VM_KEY_COUNT]; /* 0: not set in the file */
};

struct parser {
	struct config *config;
	const char *name; /* the path, in messages */
	char *error;
	size_t error_size;
	bool failed;

	const char *text;
	size_t len;
	size_t pos;
	int line; /* of the line last handed to inih */

	enum section_kind section;
	char section_title[CONFIG_NAME_MAX + 8]; /* "general", "vm work" */
	int section_line;
	int *key_lines; /* the current section's array below */
	struct config_vm *vm; /* SECTION_VM */

	int singleton_lines[SECTION_VM]; /* first line of [general] etc. */
	int general_lines[GENERAL_KEY_COUNT];
	int keys_lines[KEYS_KEY_COUNT];
	int label_lines[CONFIG_MAX_LABELS]; /* 0: a built-in default */
	struct vm_lines *vms; /* indexed like config->vms */
	size_t vms_cap;
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
	int n;
	if (line > 0) {
		n = snprintf(p->error, p->error_size, "%s:%d: ", p->name, line);
	} else {
		n = snprintf(p->error, p->error_size, "%s: ", p->name);
	}
	if (n < 0 || (size_t)n >= p->error_size) {
		return false;
	}
	va_list args;
	va_start(args, fmt);
	vsnprintf(p->error + n, p->error_size - (size_t)n, fmt, args);
	va_end(args);
	return false;
}

/* Labels and VMs share one name shape, so either can appear in messages
 * and titles without quoting. */
static bool is_valid_name(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len >= CONFIG_NAME_MAX) {
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!isalnum(c) && c != '_' && c != '-') {
			return false;
		}
	}
	return true;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

bool config_parse_colour(const char *str, uint32_t *rgb)
{
	if (str == NULL || str[0] != '#' || strlen(str) != 7) {
		return false;
	}
	uint32_t value = 0;
	for (size_t i = 1; i < 7; i++) {
		int digit = hex_digit(str[i]);
		if (digit < 0) {
			return false;
		}
		value = (value << 4) | (uint32_t)digit;
	}
	if (rgb != NULL) {
		*rgb = value;
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

enum key_modifier {
	MOD_CTRL = 1 << 0,
	MOD_ALT = 1 << 1,
	MOD_SHIFT = 1 << 2,
	MOD_LOGO = 1 << 3,
};

static const struct {
	const char *name;
	uint32_t mask;
} modifier_names[] = {
	{ "Ctrl", MOD_CTRL },
	{ "Alt", MOD_ALT },
	{ "Shift", MOD_SHIFT },
	{ "Super", MOD_LOGO },
	{ "Logo", MOD_LOGO },
};

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

/*
 * "Mod+Mod+keysym": only the shape is checked here; whether the keysym
 * exists is xkbcommon's call when the compositor binds it. On success
 * *mods and *keysym describe the combination for comparisons; on failure
 * *why says what is wrong.
 */
static bool key_combo_parse(const char *combo, uint32_t *mods, const char **keysym,
	const char **why)
{
	*mods = 0;
	if (strlen(combo) >= KEY_COMBO_MAX) {
		*why = "too long";
		return false;
	}
	const char *part = combo;
	for (;;) {
		const char *plus = strchr(part, '+');
		size_t len = plus != NULL ? (size_t)(plus - part) : strlen(part);
		if (len == 0) {
			*why = "empty part (expected Mod+...+Key)";
			return false;
		}
		uint32_t mod = modifier_from_name(part, len);
		if (plus == NULL) {
			if (mod != 0) {
				*why = "ends in a modifier, not a key";
				return false;
			}
			break;
		}
		if (mod == 0) {
			*why = "unknown modifier (expected Ctrl, Alt, Shift, Super or Logo)";
			return false;
		}
		if (*mods & mod) {
			*why = "modifier given twice";
			return false;
		}
		*mods |= mod;
		part = plus + 1;
	}
	/* Every xkb keysym name is made of these. */
	for (const char *c = part; *c != '\0'; c++) {
		if (!isalnum((unsigned char)*c) && *c != '_') {
			*why = "key is not an xkb keysym name";
			return false;
		}
	}
	*keysym = part;
	return true;
}

static bool key_combo_equal(const char *a, const char *b)
{
	uint32_t mods_a, mods_b;
	const char *sym_a, *sym_b, *why;
	if (!key_combo_parse(a, &mods_a, &sym_a, &why) ||
		!key_combo_parse(b, &mods_b, &sym_b, &why)) {
		return false;
	}
	return mods_a == mods_b && strcmp(sym_a, sym_b) == 0;
}

static bool parse_key_combo(struct parser *p, const char *key, const char *value,
	char out[KEY_COMBO_MAX])
{
	uint32_t mods;
	const char *keysym, *why;
	if (!key_combo_parse(value, &mods, &keysym, &why)) {
		return fail_at(p, p->line, "%s: '%s': %s", key, value, why);
	}
	snprintf(out, KEY_COMBO_MAX, "%s", value);
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
	return parse_number(p, key, value, BORDER_WIDTH_MIN, BORDER_WIDTH_MAX,
		&p->config->border_width);
}

static bool set_background(struct parser *p, const char *key, const char *value)
{
	return parse_colour_value(p, key, value, &p->config->background_rgb);
}

static bool set_secure_attention(struct parser *p, const char *key, const char *value)
{
	return parse_key_combo(p, key, value, p->config->keys.secure_attention);
}

static bool set_copy(struct parser *p, const char *key, const char *value)
{
	return parse_key_combo(p, key, value, p->config->keys.copy);
}

static bool set_paste(struct parser *p, const char *key, const char *value)
{
	return parse_key_combo(p, key, value, p->config->keys.paste);
}

static bool set_vm_label(struct parser *p, const char *key, const char *value)
{
	/* Resolved at the end: [labels] may come after the VMs. */
	if (!is_valid_name(value)) {
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
	return parse_number(p, key, value, MAX_WINDOWS_MIN, MAX_WINDOWS_MAX, &p->vm->max_windows);
}

static bool set_vm_max_buffer_mib(struct parser *p, const char *key, const char *value)
{
	return parse_number(p, key, value, MAX_BUFFER_MIB_MIN, MAX_BUFFER_MIB_MAX,
		&p->vm->max_buffer_mib);
}

static const struct key_spec general_keys[GENERAL_KEY_COUNT] = {
	[GENERAL_BORDER_WIDTH] = { "border-width", set_border_width },
	[GENERAL_BACKGROUND] = { "background", set_background },
};

static const struct key_spec keys_keys[KEYS_KEY_COUNT] = {
	[KEYS_SECURE_ATTENTION] = { "secure-attention", set_secure_attention },
	[KEYS_COPY] = { "copy", set_copy },
	[KEYS_PASTE] = { "paste", set_paste },
};

static const struct key_spec vm_keys[VM_KEY_COUNT] = {
	[VM_LABEL] = { "label", set_vm_label },
	[VM_VCHAN] = { "vchan", set_vm_vchan },
	[VM_BUFFERS] = { "buffers", set_vm_buffers },
	[VM_SNAPSHOT] = { "snapshot", set_vm_snapshot },
	[VM_FULLSCREEN] = { "fullscreen", set_vm_fullscreen },
	[VM_MAX_WINDOWS] = { "max-windows", set_vm_max_windows },
	[VM_MAX_BUFFER_MIB] = { "max-buffer-mib", set_vm_max_buffer_mib },
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
	if (!is_valid_name(name)) {
		return fail_at(p, p->line,
			"bad label name '%s' (1..%d characters of A-Z a-z 0-9 _ -)", name,
			CONFIG_NAME_MAX - 1);
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

static int handle_ini_pair(void *data, const char *section, const char *key, const char *value)
{
	/* section is inih's copy of the header, truncated at 50 bytes; the
	 * reader already opened the section with the full text. */
	struct parser *p = data;
	if (p->failed) {
		return 0;
	}
	bool ok;
	if (key[0] == '\0') {
		ok = fail_at(p, p->line, "missing key name before '='");
	} else {
		switch (p->section) {
		case SECTION_GENERAL:
			ok = set_from_table(p, general_keys, ARRAY_LEN(general_keys), key, value);
			break;
		case SECTION_KEYS:
			ok = set_from_table(p, keys_keys, ARRAY_LEN(keys_keys), key, value);
			break;
		case SECTION_VM:
			ok = set_from_table(p, vm_keys, ARRAY_LEN(vm_keys), key, value);
			break;
		case SECTION_LABELS:
			ok = set_label(p, key, value);
			break;
		case SECTION_NONE:
		default:
			ok = fail_at(p, p->line, "key '%s' before any [section]", key);
			break;
		}
	}
	return ok ? 1 : 0;
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
	if (!is_valid_name(name)) {
		return fail_at(p, p->line, "bad VM name '%s' (1..%d characters of A-Z a-z 0-9 _ -)",
			name, CONFIG_NAME_MAX - 1);
	}
	size_t index = 0;
	struct config_vm *other;
	wl_list_for_each(other, &config->vms, link) {
		if (strcmp(other->name, name) == 0) {
			return fail_at(p, p->line, "duplicate section [vm %s] (first on line %d)",
				name, p->vms[index].section);
		}
		index++;
	}

	if (config->vm_count == p->vms_cap) {
		size_t cap = p->vms_cap != 0 ? 2 * p->vms_cap : 8;
		struct vm_lines *vms = reallocarray(p->vms, cap, sizeof(*vms));
		if (vms == NULL) {
			return fail_at(p, p->line, "out of memory");
		}
		p->vms = vms;
		p->vms_cap = cap;
	}
	struct config_vm *vm = calloc(1, sizeof(*vm));
	if (vm == NULL) {
		return fail_at(p, p->line, "out of memory");
	}
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	vm->buffers = CONFIG_BUFFERS_SHM;
	vm->snapshot = false;
	vm->allow_fullscreen = true;
	vm->max_windows = DEFAULT_MAX_WINDOWS;
	vm->max_buffer_mib = DEFAULT_MAX_BUFFER_MIB;
	wl_list_insert(config->vms.prev, &vm->link);

	struct vm_lines *lines = &p->vms[config->vm_count++];
	memset(lines, 0, sizeof(*lines));
	lines->section = p->line;
	p->vm = vm;
	p->key_lines = lines->keys;
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
		snprintf(p->section_title, sizeof(p->section_title), "%s", title);
		p->key_lines = kind == SECTION_GENERAL ? p->general_lines
			: kind == SECTION_KEYS	       ? p->keys_lines
						       : NULL;
		return true;
	}
	return fail_at(p, p->line, "unknown section [%s]", title);
}

/* A section header, already stripped of comments and outer whitespace. */
static bool read_section_header(struct parser *p, char *line)
{
	char *close = strchr(line, ']');
	if (close == NULL) {
		return fail_at(p, p->line, "missing ']' in section header");
	}
	if (close[1] != '\0') {
		return fail_at(p, p->line, "unexpected text after ']'");
	}
	*close = '\0';
	char *title = line + 1;
	while (isspace((unsigned char)*title)) {
		title++;
	}
	char *end = close;
	while (end > title && isspace((unsigned char)end[-1])) {
		end--;
	}
	*end = '\0';
	return begin_section(p, title);
}

/*
 * ini_reader: hands inih the next line with comments and leading
 * whitespace removed (see the top of this file). buf is inih's line
 * buffer, size bytes.
 */
static char *read_line(char *buf, int size, void *data)
{
	struct parser *p = data;
	if (p->failed || p->pos >= p->len) {
		return NULL;
	}
	const char *start = p->text + p->pos;
	size_t left = p->len - p->pos;
	const char *newline = memchr(start, '\n', left);
	size_t len = newline != NULL ? (size_t)(newline - start) : left;
	p->pos += len + (newline != NULL ? 1 : 0);
	p->line++;

	while (len > 0 && isspace((unsigned char)*start)) {
		start++;
		len--;
	}
	if (len == 0 || *start == ';' || *start == '#') {
		buf[0] = '\0';
		return buf;
	}
	/* inih's inline comment rule: ';' after whitespace. */
	for (size_t i = 1; i < len; i++) {
		if (start[i] == ';' && isspace((unsigned char)start[i - 1])) {
			len = i;
			break;
		}
	}
	while (len > 0 && isspace((unsigned char)start[len - 1])) {
		len--;
	}
	if (size <= 0 || len >= (size_t)size) {
		fail_at(p, p->line, "line too long (at most %d characters before a comment)",
			size > 0 ? size - 1 : 0);
		return NULL;
	}
	memcpy(buf, start, len);
	buf[len] = '\0';

	if (buf[0] == '[') {
		if (!read_section_header(p, buf)) {
			return NULL;
		}
		/* inih reads the header too (and agrees on it, comments being
		 * gone): give it the line back as it was. */
		memcpy(buf, start, len);
		buf[len] = '\0';
		return buf;
	}
	/* inih would also take "key: value"; one spelling is enough. */
	size_t separator = strcspn(buf, "=:");
	if (buf[separator] != '=') {
		fail_at(p, p->line, "expected 'key = value' or '[section]'");
		return NULL;
	}
	return buf;
}

/* Checks that need the whole file: labels may be defined after use, and
 * keys may be changed in any order. */
static bool finish_file(struct parser *p)
{
	struct config *config = p->config;
	if (!finish_section(p)) {
		return false;
	}

	size_t index = 0;
	struct config_vm *vm;
	wl_list_for_each(vm, &config->vms, link) {
		const struct config_label *label = find_label(config, vm->label);
		if (label == NULL) {
			return fail_at(p, p->vms[index].keys[VM_LABEL],
				"label '%s' of VM %s is not defined in [labels]", vm->label,
				vm->name);
		}
		vm->rgb = label->rgb;
		index++;
	}

	const struct {
		const char *combo;
		enum keys_key key;
	} keys[] = {
		{ config->keys.secure_attention, KEYS_SECURE_ATTENTION },
		{ config->keys.copy, KEYS_COPY },
		{ config->keys.paste, KEYS_PASTE },
	};
	for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
		for (size_t j = i + 1; j < ARRAY_LEN(keys); j++) {
			if (!key_combo_equal(keys[i].combo, keys[j].combo)) {
				continue;
			}
			int line_i = p->keys_lines[keys[i].key];
			int line_j = p->keys_lines[keys[j].key];
			return fail_at(p, line_i > line_j ? line_i : line_j,
				"[keys] %s and %s are the same key (%s)",
				keys_keys[keys[i].key].name, keys_keys[keys[j].key].name,
				keys[j].combo);
		}
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
	config->border_width = DEFAULT_BORDER_WIDTH;
	config->background_rgb = DEFAULT_BACKGROUND;
	snprintf(config->keys.secure_attention, sizeof(config->keys.secure_attention),
		"Ctrl+Alt+Escape");
	snprintf(config->keys.copy, sizeof(config->keys.copy), "Ctrl+Shift+c");
	snprintf(config->keys.paste, sizeof(config->keys.paste), "Ctrl+Shift+v");
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
		free(vm);
	}
	free(config);
}

/* text holds len bytes, no NUL among them. */
static struct config *parse_text(const char *text, size_t len, const char *name, char *error,
	size_t error_size)
{
	struct parser p = {
		.name = name,
		.error = error,
		.error_size = error_size,
		.text = text,
		.len = len,
	};
	if (error != NULL && error_size > 0) {
		error[0] = '\0';
	}
	p.config = config_create_default();
	if (p.config == NULL) {
		fail_at(&p, 0, "out of memory");
		return NULL;
	}

	/* A UTF-8 byte order mark would hide a header from the reader. */
	static const char bom[] = "\xef\xbb\xbf";
	if (p.len >= 3 && memcmp(p.text, bom, 3) == 0) {
		p.pos = 3;
	}

	int ret = ini_parse_stream(read_line, &p, handle_ini_pair, &p);
	if (!p.failed && ret > 0) {
		/* The reader checks the shape of each line, so inih has
		 * nothing left to refuse; keep its verdict all the same. */
		fail_at(&p, ret, "syntax error");
	} else if (!p.failed && ret < 0) {
		fail_at(&p, 0, "inih failed (%d)", ret);
	}
	if (!p.failed) {
		finish_file(&p);
	}
	free(p.vms);
	if (p.failed) {
		config_destroy(p.config);
		return NULL;
	}
	return p.config;
}

struct config *config_load_string(const char *text, const char *name, char *error,
	size_t error_size)
{
	if (text == NULL) {
		text = "";
	}
	return parse_text(text, strlen(text), name != NULL ? name : "(string)", error, error_size);
}

__attribute__((format(printf, 4, 5))) static void file_error(char *error, size_t error_size,
	const char *path, const char *fmt, ...)
{
	if (error == NULL || error_size == 0) {
		return;
	}
	int n = snprintf(error, error_size, "%s: ", path);
	if (n < 0 || (size_t)n >= error_size) {
		return;
	}
	va_list args;
	va_start(args, fmt);
	vsnprintf(error + n, error_size - (size_t)n, fmt, args);
	va_end(args);
}

struct config *config_load(const char *path, char *error, size_t error_size)
{
	FILE *file = fopen(path, "re");
	if (file == NULL) {
		file_error(error, error_size, path, "%s", strerror(errno));
		return NULL;
	}
	struct config *config = NULL;
	/* One byte more than allowed, to tell "too large" from "just fits". */
	char *text = malloc(CONFIG_FILE_MAX + 1);
	if (text == NULL) {
		file_error(error, error_size, path, "out of memory");
		goto out;
	}
	size_t len = fread(text, 1, CONFIG_FILE_MAX + 1, file);
	if (ferror(file)) {
		file_error(error, error_size, path, "read error");
		goto out;
	}
	if (len > CONFIG_FILE_MAX) {
		file_error(error, error_size, path, "larger than %d bytes", CONFIG_FILE_MAX);
		goto out;
	}
	if (memchr(text, '\0', len) != NULL) {
		file_error(error, error_size, path, "not a text file (contains a NUL byte)");
		goto out;
	}
	config = parse_text(text, len, path, error, error_size);
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
