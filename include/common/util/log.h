/*
 * Logging for code that does not link wlroots (the bridge, the transport
 * library). Same shape as wlr_log so the two read alike.
 */
#ifndef UTIL_LOG_H
#define UTIL_LOG_H

#include <errno.h>
#include <stdarg.h>
#include <string.h>

enum mlog_level {
	MLOG_SILENT = 0,
	MLOG_ERROR,
	MLOG_INFO,
	MLOG_DEBUG,
};

/* prefix goes before every line, e.g. "bridge[work]". */
void mlog_init(const char *prefix, enum mlog_level verbosity);
void mlog_set_prefix(const char *prefix);
enum mlog_level mlog_verbosity(void);

void _mlog(enum mlog_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define mlog(level, fmt, ...) _mlog(level, "[%s:%d] " fmt, __FILE__, __LINE__, ##__VA_ARGS__)

#define mlog_errno(level, fmt, ...) mlog(level, fmt ": %s", ##__VA_ARGS__, strerror(errno))

#endif
