#include "common/util/log.h"

#include <stdio.h>
#include <string.h>

#define LOG_PREFIX_MAX 64
#define LOG_LINE_MAX 1024

/* Usable before mlog_init: a library caller that never sets up logging
 * still gets its errors, like wlr_log's default. */
static char log_prefix[LOG_PREFIX_MAX] = "mullion";
static enum mlog_level log_verbosity = MLOG_ERROR;

static const char *const level_names[] = {
	[MLOG_SILENT] = "silent",
	[MLOG_ERROR] = "error",
	[MLOG_INFO] = "info",
	[MLOG_DEBUG] = "debug",
};

void mlog_set_prefix(const char *prefix)
{
	if (prefix == NULL || prefix[0] == '\0') {
		prefix = "mullion";
	}
	snprintf(log_prefix, sizeof(log_prefix), "%s", prefix);
}

void mlog_init(const char *prefix, enum mlog_level verbosity)
{
	mlog_set_prefix(prefix);
	if (verbosity > MLOG_DEBUG) {
		verbosity = MLOG_DEBUG;
	}
	log_verbosity = verbosity;
}

enum mlog_level mlog_verbosity(void)
{
	return log_verbosity;
}

void _mlog(enum mlog_level level, const char *fmt, ...)
{
	if (level == MLOG_SILENT || level > log_verbosity) {
		return;
	}

	char line[LOG_LINE_MAX];
	va_list args;
	va_start(args, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, args);
	va_end(args);
	if (n < 0) {
		return;
	}
	if ((size_t)n >= sizeof(line)) {
		memcpy(line + sizeof(line) - 4, "...", 4);
	}

	/* Log lines may quote what a VM sent (a title, a path): never let
	 * them carry terminal escapes or fake extra lines. */
	for (char *c = line; *c != '\0'; c++) {
		unsigned char u = (unsigned char)*c;
		if (u < 0x20 || u == 0x7f) {
			*c = '?';
		}
	}

	/* One fprintf per line so concurrent writers do not interleave. */
	fprintf(stderr, "%s: %s: %s\n", log_prefix, level_names[level], line);
}
