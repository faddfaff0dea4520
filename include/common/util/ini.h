/*
 * The INI dialect of mullion's config files (dom0's mullion.conf, the
 * VM's agent.conf), split line by line: `[section]`, `key = value`,
 * comments from `;` or `#` at the start of a line or `;` after whitespace,
 * no continuation lines, no quoting. The parsers give the pieces their
 * meaning; this file only cuts, so that both read files the same way.
 */
#ifndef COMMON_UTIL_INI_H
#define COMMON_UTIL_INI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum ini_line_kind {
	INI_LINE_BLANK, /* empty, or only a comment */
	INI_LINE_SECTION,
	INI_LINE_PAIR,
	INI_LINE_ERROR,
};

enum ini_error {
	INI_ERR_NONE,
	INI_ERR_TOO_LONG, /* longer than the caller's maximum before a comment */
	INI_ERR_NO_CLOSING_BRACKET,
	INI_ERR_TEXT_AFTER_SECTION,
	INI_ERR_NO_EQUALS,
	INI_ERR_NO_KEY,
};

struct ini_line {
	enum ini_line_kind kind;
	enum ini_error error; /* INI_LINE_ERROR */
	char *section; /* INI_LINE_SECTION: the title, trimmed */
	char *key, *value; /* INI_LINE_PAIR: both trimmed */
};

/*
 * Splits one line (len bytes, no newline) into buf, which holds max + 1
 * bytes; the pieces of *line point into buf.
 */
void ini_line_split(const char *text, size_t len, char *buf, size_t max, struct ini_line *line);

/* The message for an error (callers say TOO_LONG's limit themselves). */
const char *ini_error_str(enum ini_error error);

/*
 * Calls line() for each line of text (len bytes, no NUL among them; a
 * UTF-8 byte order mark first is skipped), numbered from 1, until it
 * returns false. Returns false if it did.
 */
bool ini_each_line(const char *text, size_t len,
	bool (*line)(void *data, int number, const char *text, size_t len), void *data);

/*
 * Writes a file's fault into error (size bytes, not NULL, not 0) as both
 * parsers report it: "NAME:LINE: message", or "NAME: message" for line 0
 * (a fault of the whole file).
 */
__attribute__((format(printf, 5, 0))) void ini_format_error(char *error, size_t size,
	const char *name, int line, const char *fmt, va_list args);

#endif
