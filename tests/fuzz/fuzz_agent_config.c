/*
 * The agent's config parser on arbitrary text, through
 * agent_config_load_string, the entry point agent_config_load also ends
 * in. Besides memory errors and undefined behaviour, it aborts if a result
 * breaks what agent_config.h promises: an error is a terminated line
 * naming the file and leaves the config as it was, and a config that
 * loads holds values within their bounds.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "common/wire/protocol.h"
#include "guest-agent/agent_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.conf"

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_agent_config: %s\n", what);
	abort();
}

static void check_config(const struct agent_config *config)
{
	if (config->pool_mib < LIMIT_POOL_MIB_MIN || config->pool_mib > LIMIT_POOL_MIB_MAX) {
		fail("pool-mib out of bounds");
	}
	if (config->width < 1 || config->width > WIRE_MAX_WIDTH || config->height < 1 ||
		config->height > WIRE_MAX_HEIGHT) {
		fail("size out of bounds");
	}
	if (memchr(config->socket, '\0', sizeof(config->socket)) == NULL) {
		fail("socket name not NUL-terminated");
	}
	if (config->socket[0] != '\0' && !agent_config_socket_name_valid(config->socket)) {
		fail("socket name accepted that agent_config_socket_name_valid refuses");
	}
	if (config->have_vchan && config->vchan.backend != VCHAN_BACKEND_SOCKET &&
		config->vchan.backend != VCHAN_BACKEND_XEN) {
		fail("vchan with no backend");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (text == NULL) {
		return 0;
	}
	memcpy(text, data, size);
	text[size] = '\0';

	char error[AGENT_CONFIG_ERROR_MAX];
	memset(error, 'x', sizeof(error));
	struct agent_config config;
	agent_config_init(&config);
	config.pool_mib = 3; /* not the default, to see it kept */
	if (!agent_config_load_string(text, NAME, &config, error, sizeof(error))) {
		if (memchr(error, '\0', sizeof(error)) == NULL) {
			fail("error message not NUL-terminated");
		}
		if (strncmp(error, NAME ":", strlen(NAME ":")) != 0) {
			fail("error message does not start with the file name");
		}
		if (config.pool_mib != 3 || config.have_vchan || config.socket[0] != '\0' ||
			config.width != AGENT_WIDTH_DEFAULT ||
			config.height != AGENT_HEIGHT_DEFAULT) {
			fail("a refused file changed the config");
		}
	} else {
		check_config(&config);
	}
	free(text);
	return 0;
}
