/*
 * The agent's configuration: /etc/mullion/agent.conf, the same INI subset
 * and the same strictness as dom0's mullion.conf (compositor/config.c):
 * anything unknown, repeated or out of range is an error naming the line,
 * and the agent does not start on a file it half understood.
 */
#ifndef GUEST_AGENT_AGENT_CONFIG_H
#define GUEST_AGENT_AGENT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/vchan/vchan.h"

#define AGENT_CONFIG_ERROR_MAX 256
/* The --pool-mib default; the range is LIMIT_POOL_MIB_MIN..MAX. */
#define AGENT_POOL_MIB_DEFAULT 256
#define AGENT_WIDTH_DEFAULT 1280
#define AGENT_HEIGHT_DEFAULT 720
/* A Wayland socket name, without its NUL ("wayland-0"). */
#define AGENT_SOCKET_NAME_MAX 64

struct agent_config {
	struct vchan_address vchan;
	bool have_vchan; /* false: the file names none (the command line may) */
	uint32_t pool_mib; /* LIMIT_POOL_MIB_MIN..LIMIT_POOL_MIB_MAX */
	int width, height; /* 1..WIRE_MAX_WIDTH, 1..WIRE_MAX_HEIGHT */
	/* The Wayland socket in XDG_RUNTIME_DIR; "" for the first free
	 * wayland-N. Characters A-Z a-z 0-9 _ . - only, not starting with '.'. */
	char socket[AGENT_SOCKET_NAME_MAX + 1];
};

/* The built-in defaults: no vchan, 256 MiB, 1280x720, any socket. */
void agent_config_init(struct agent_config *config);

/*
 * Reads the file at path over the defaults into *config. On failure
 * returns false, leaves *config as it was and writes "PATH:LINE: what is
 * wrong" (or "PATH: what") into error[error_size].
 */
bool agent_config_load(const char *path, struct agent_config *config, char *error,
	size_t error_size);
/* Same, from a string (tests, fuzzing); name stands for the path in errors. */
bool agent_config_load_string(const char *text, const char *name, struct agent_config *config,
	char *error, size_t error_size);

/* "WxH", digits only, each side 1..WIRE_MAX_WIDTH/HEIGHT; also for --size. */
bool agent_config_parse_size(const char *str, int *width, int *height);
/* A decimal number of MiB in LIMIT_POOL_MIB_MIN..MAX; also for --pool-mib. */
bool agent_config_parse_pool_mib(const char *str, uint32_t *mib);
/* A socket name as described in struct agent_config; also for --socket. */
bool agent_config_socket_name_valid(const char *name);

#endif
