#include "common/util/ini.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static char *trim(char *start, char *end)
{
	while (start < end && isspace((unsigned char)*start)) {
		start++;
	}
	while (end > start && isspace((unsigned char)end[-1])) {
		end--;
	}
	*end = '\0';
	return start;
}

void ini_line_split(const char *text, size_t len, char *buf, size_t max, struct ini_line *line)
{
	*line = (struct ini_line){ .kind = INI_LINE_BLANK };
	while (len > 0 && isspace((unsigned char)*text)) {
		text++;
		len--;
	}
	if (len == 0 || *text == ';' || *text == '#') {
		return;
	}
	/* An inline comment starts at a ';' after whitespace. */
	for (size_t i = 1; i < len; i++) {
		if (text[i] == ';' && isspace((unsigned char)text[i - 1])) {
			len = i;
			break;
		}
	}
	while (len > 0 && isspace((unsigned char)text[len - 1])) {
		len--;
	}
	line->kind = INI_LINE_ERROR;
	if (len > max) {
		line->error = INI_ERR_TOO_LONG;
		return;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	/* now: buf holds the content, trimmed, and not empty */
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');
		if (close == NULL) {
			line->error = INI_ERR_NO_CLOSING_BRACKET;
			return;
		}
		if (close[1] != '\0') {
			line->error = INI_ERR_TEXT_AFTER_SECTION;
			return;
		}
		line->kind = INI_LINE_SECTION;
		line->section = trim(buf + 1, close);
		return;
	}
	char *equals = strchr(buf, '=');
	if (equals == NULL) {
		line->error = INI_ERR_NO_EQUALS;
		return;
	}
	line->value = trim(equals + 1, buf + len);
	line->key = trim(buf, equals);
	if (line->key[0] == '\0') {
		line->error = INI_ERR_NO_KEY;
		return;
	}
	line->kind = INI_LINE_PAIR;
}

const char *ini_error_str(enum ini_error error)
{
	switch (error) {
	case INI_ERR_NONE:
		break;
	case INI_ERR_TOO_LONG:
		return "line too long";
	case INI_ERR_NO_CLOSING_BRACKET:
		return "missing ']' in section header";
	case INI_ERR_TEXT_AFTER_SECTION:
		return "unexpected text after ']'";
	case INI_ERR_NO_EQUALS:
		return "expected 'key = value' or '[section]'";
	case INI_ERR_NO_KEY:
		return "missing key name before '='";
	}
	return "no error";
}

bool ini_each_line(const char *text, size_t len,
	bool (*line)(void *data, int number, const char *text, size_t len), void *data)
{
	/* A UTF-8 byte order mark would hide a header from the parser. */
	static const char bom[] = "\xef\xbb\xbf";
	size_t pos = len >= 3 && memcmp(text, bom, 3) == 0 ? 3 : 0;
	int number = 0;
	while (pos < len) {
		const char *start = text + pos;
		const char *newline = memchr(start, '\n', len - pos);
		size_t line_len = newline != NULL ? (size_t)(newline - start) : len - pos;
		pos += line_len + 1;
		if (!line(data, ++number, start, line_len)) {
			return false;
		}
	}
	return true;
}

void ini_format_error(char *error, size_t size, const char *name, int line, const char *fmt,
	va_list args)
{
	int n = line > 0 ? snprintf(error, size, "%s:%d: ", name, line)
			 : snprintf(error, size, "%s: ", name);
	if (n < 0 || (size_t)n >= size) {
		return;
	}
	vsnprintf(error + n, size - (size_t)n, fmt, args);
}
