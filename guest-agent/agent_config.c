/*
 * agent.conf: split into lines and every value checked here. The first
 * problem found is the only one reported, as "PATH:LINE: what", and the
 * agent does not start: a VM service that guessed would connect to the
 * wrong place or share the wrong amount of memory.
 *
 * The format is the one of dom0's mullion.conf (compositor/config.c), the
 * splitting rules copied from its parse_line: a "[section]" header or a
 * "key = value" line, whitespace around either ignored; a line starting
 * with ';' or '#' is a comment, and so is the rest of a line from a ';'
 * after whitespace. No continuation lines, no quoting. The splitter is a
 * copy rather than shared code because moving it out of config.c would
 * change that file; tests/unit/test_agent_config.c pins the same rules.
 */
#include "guest-agent/agent_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/util/ini.h"
#include "common/wire/protocol.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* As dom0's: far beyond any sane file, and one line's content. */
#define AGENT_CONFIG_FILE_MAX (64 * 1024)
#define AGENT_CONFIG_LINE_MAX 200

enum agent_key {
	KEY_VCHAN,
	KEY_POOL_MIB,
	KEY_SIZE,
	KEY_SOCKET,
	KEY_COUNT,
};

struct parser {
	struct agent_config config; /* copied out only when the whole file is good */
	const char *name; /* the path, in messages */
	char *error;
	size_t error_size;
	bool failed;
	int line; /* the line being parsed, from 1 */
	int agent_line; /* where [agent] began; 0: not yet */
	int key_lines[KEY_COUNT]; /* 0: not set in the file */
};

struct key_spec {
	const char *name;
	bool (*set)(struct parser *p, const char *key, const char *value);
};

__attribute__((format(printf, 2, 3))) static bool fail(struct parser *p, const char *fmt, ...)
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
	ini_format_error(p->error, p->error_size, p->name, p->line, fmt, args);
	va_end(args);
	return false;
}

/* Digits only, no sign, no leading zero: one spelling per number. */
static bool parse_decimal(const char *str, size_t len, uint32_t max, uint32_t *out)
{
	if (len == 0 || (str[0] == '0' && len > 1)) {
		return false;
	}
	uint64_t number = 0;
	for (size_t i = 0; i < len; i++) {
		if (str[i] < '0' || str[i] > '9') {
			return false;
		}
		/* Saturate: anything past max is out of range anyway. */
		if (number <= max) {
			number = number * 10 + (uint64_t)(str[i] - '0');
		}
	}
	if (number > max) {
		return false;
	}
	*out = (uint32_t)number;
	return true;
}

bool agent_config_parse_pool_mib(const char *str, uint32_t *mib)
{
	uint32_t value;
	if (str == NULL || !parse_decimal(str, strlen(str), LIMIT_POOL_MIB_MAX, &value) ||
		value < LIMIT_POOL_MIB_MIN) {
		return false;
	}
	*mib = value;
	return true;
}

bool agent_config_parse_size(const char *str, int *width, int *height)
{
	const char *x = str != NULL ? strchr(str, 'x') : NULL;
	uint32_t w, h;
	if (x == NULL || !parse_decimal(str, (size_t)(x - str), WIRE_MAX_WIDTH, &w) ||
		!parse_decimal(x + 1, strlen(x + 1), WIRE_MAX_HEIGHT, &h) || w == 0 || h == 0) {
		return false;
	}
	*width = (int)w;
	*height = (int)h;
	return true;
}

bool agent_config_socket_name_valid(const char *name)
{
	static const char allowed[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-";
	size_t len = name != NULL ? strlen(name) : 0;
	/* Not "", ".", ".." or a hidden file; never a path. */
	return len > 0 && len <= AGENT_SOCKET_NAME_MAX && name[0] != '.' &&
		strspn(name, allowed) == len;
}

static bool set_vchan(struct parser *p, const char *key, const char *value)
{
	if (!vchan_address_parse(value, &p->config.vchan)) {
		return fail(p,
			"%s: '%s' is not a vchan address (expected socket:/absolute/dir or xen:DOMID)",
			key, value);
	}
	p->config.have_vchan = true;
	return true;
}

static bool set_pool_mib(struct parser *p, const char *key, const char *value)
{
	if (!agent_config_parse_pool_mib(value, &p->config.pool_mib)) {
		return fail(p, "%s: '%s' is not a number of MiB in %u..%u", key, value,
			LIMIT_POOL_MIB_MIN, LIMIT_POOL_MIB_MAX);
	}
	return true;
}

static bool set_size(struct parser *p, const char *key, const char *value)
{
	if (!agent_config_parse_size(value, &p->config.width, &p->config.height)) {
		return fail(p, "%s: '%s' is not a size WxH of at most %ux%u", key, value,
			WIRE_MAX_WIDTH, WIRE_MAX_HEIGHT);
	}
	return true;
}

static bool set_socket(struct parser *p, const char *key, const char *value)
{
	if (!agent_config_socket_name_valid(value)) {
		return fail(p,
			"%s: '%s' is not a socket name (1..%d characters of A-Z a-z 0-9 _ . -, not starting with '.')",
			key, value, AGENT_SOCKET_NAME_MAX);
	}
	/* now: value fits config.socket */
	snprintf(p->config.socket, sizeof(p->config.socket), "%s", value);
	return true;
}

static const struct key_spec agent_keys[KEY_COUNT] = {
	[KEY_VCHAN] = { "vchan", set_vchan },
	[KEY_POOL_MIB] = { "pool-mib", set_pool_mib },
	[KEY_SIZE] = { "size", set_size },
	[KEY_SOCKET] = { "socket", set_socket },
};

static bool set_key(struct parser *p, const char *key, const char *value)
{
	if (p->agent_line == 0) {
		return fail(p, "key '%s' before any [section]", key);
	}
	for (size_t i = 0; i < ARRAY_LEN(agent_keys); i++) {
		if (strcmp(agent_keys[i].name, key) != 0) {
			continue;
		}
		if (p->key_lines[i] != 0) {
			return fail(p, "duplicate key '%s' in [agent] (first on line %d)", key,
				p->key_lines[i]);
		}
		p->key_lines[i] = p->line;
		return agent_keys[i].set(p, key, value);
	}
	return fail(p, "unknown key '%s' in [agent]", key);
}

static bool begin_section(struct parser *p, const char *title)
{
	if (strcmp(title, "agent") != 0) {
		return fail(p, "unknown section [%s]", title);
	}
	if (p->agent_line != 0) {
		return fail(p, "duplicate section [agent] (first on line %d)", p->agent_line);
	}
	p->agent_line = p->line;
	return true;
}

/* One line, len bytes, no newline: the dialect of common/util/ini.c. */
static bool parse_line(struct parser *p, const char *text, size_t len)
{
	char buf[AGENT_CONFIG_LINE_MAX + 1];
	struct ini_line line;
	ini_line_split(text, len, buf, AGENT_CONFIG_LINE_MAX, &line);
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
		return fail(p, "line too long (at most %d characters before a comment)",
			AGENT_CONFIG_LINE_MAX);
	}
	return fail(p, "%s", ini_error_str(line.error));
}

static bool parse_numbered_line(void *data, int number, const char *text, size_t len)
{
	struct parser *p = data;
	p->line = number;
	return parse_line(p, text, len);
}

/* text holds len bytes, no NUL among them. */
static bool parse_text(struct parser *p, const char *text, size_t len)
{
	ini_each_line(text, len, parse_numbered_line, p);
	return !p->failed;
}

void agent_config_init(struct agent_config *config)
{
	memset(config, 0, sizeof(*config));
	config->have_vchan = false;
	config->pool_mib = AGENT_POOL_MIB_DEFAULT;
	config->width = AGENT_WIDTH_DEFAULT;
	config->height = AGENT_HEIGHT_DEFAULT;
	config->socket[0] = '\0';
}

static void parser_init(struct parser *p, const char *name, char *error, size_t error_size)
{
	memset(p, 0, sizeof(*p));
	agent_config_init(&p->config);
	p->name = name;
	p->error = error;
	p->error_size = error_size;
}

bool agent_config_load_string(const char *text, const char *name, struct agent_config *config,
	char *error, size_t error_size)
{
	struct parser p;
	parser_init(&p, name != NULL ? name : "(string)", error, error_size);
	if (text == NULL) {
		text = "";
	}
	if (!parse_text(&p, text, strlen(text))) {
		return false;
	}
	*config = p.config;
	return true;
}

bool agent_config_load(const char *path, struct agent_config *config, char *error,
	size_t error_size)
{
	struct parser p;
	parser_init(&p, path, error, error_size);
	FILE *file = fopen(path, "re");
	if (file == NULL) {
		return fail(&p, "%s", strerror(errno));
	}
	bool ok = false;
	/* One byte more than allowed, to tell "too large" from "just fits". */
	char *text = malloc(AGENT_CONFIG_FILE_MAX + 1);
	if (text == NULL) {
		fail(&p, "out of memory");
		goto out;
	}
	size_t len = fread(text, 1, AGENT_CONFIG_FILE_MAX + 1, file);
	if (ferror(file)) {
		fail(&p, "read error");
		goto out;
	}
	if (len > AGENT_CONFIG_FILE_MAX) {
		fail(&p, "larger than %d bytes", AGENT_CONFIG_FILE_MAX);
		goto out;
	}
	if (memchr(text, '\0', len) != NULL) {
		fail(&p, "not a text file (contains a NUL byte)");
		goto out;
	}
	ok = parse_text(&p, text, len);
	if (ok) {
		*config = p.config;
	}
out:
	free(text);
	fclose(file);
	return ok;
}
