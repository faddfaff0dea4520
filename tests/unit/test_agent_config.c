/*
 * The agent's config parser: defaults, a full file read back, the line
 * splitting rules it shares with dom0's mullion.conf, and every refusal
 * with the exact "NAME:LINE: message" the agent prints before it exits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "guest-agent/agent_config.h"

static char error[AGENT_CONFIG_ERROR_MAX];

static bool load(const char *text, struct agent_config *config)
{
	memset(error, 'x', sizeof(error));
	agent_config_init(config);
	return agent_config_load_string(text, "a.conf", config, error, sizeof(error));
}

static void expect_error(const char *text, const char *message)
{
	struct agent_config config;
	bool ok = load(text, &config);
	if (ok || strcmp(error, message) != 0) {
		print_error("input:\n%s\nexpected: %s\ngot: %s\n", text, message,
			ok ? "(accepted)" : error);
		fail();
	}
}

static struct agent_config expect_ok(const char *text)
{
	struct agent_config config;
	if (!load(text, &config)) {
		print_error("input:\n%s\nrefused: %s\n", text, error);
		fail();
	}
	return config;
}

static void test_defaults(void **state)
{
	struct agent_config config = expect_ok("");
	assert_false(config.have_vchan);
	assert_int_equal(config.pool_mib, AGENT_POOL_MIB_DEFAULT);
	assert_int_equal(config.width, 1280);
	assert_int_equal(config.height, 720);
	assert_string_equal(config.socket, "");

	/* Comments and blank lines only, and an empty section. */
	config = expect_ok("# nothing\n; here\n\n   \n[agent]\n");
	assert_false(config.have_vchan);
}

static void test_full_file(void **state)
{
	struct agent_config config = expect_ok(
		"\xef\xbb\xbf# agent.conf\n"
		"[agent]\n"
		"vchan = socket:/run/mullion/vchan/ ; trailing slash\n"
		"  pool-mib=64\n"
		"size = 1920x1080\t\n"
		"socket = wayland-mullion\n");
	assert_true(config.have_vchan);
	assert_int_equal(config.vchan.backend, VCHAN_BACKEND_SOCKET);
	assert_string_equal(config.vchan.socket_dir, "/run/mullion/vchan");
	assert_int_equal(config.pool_mib, 64);
	assert_int_equal(config.width, 1920);
	assert_int_equal(config.height, 1080);
	assert_string_equal(config.socket, "wayland-mullion");

	config = expect_ok("[ agent ]\nvchan = xen:7\n");
	assert_int_equal(config.vchan.backend, VCHAN_BACKEND_XEN);
	assert_int_equal(config.vchan.domid, 7);
}

static void test_example_file(void **state)
{
	/* The shipped example loads (meson passes its path). */
	const char *path = getenv("MULLION_EXAMPLE_AGENT_CONFIG");
	if (path == NULL) {
		skip();
	}
	struct agent_config config;
	agent_config_init(&config);
	if (!agent_config_load(path, &config, error, sizeof(error))) {
		print_error("%s\n", error);
		fail();
	}
	assert_int_equal(config.pool_mib, AGENT_POOL_MIB_DEFAULT);
	assert_string_equal(config.socket, "wayland-0");
}

static void test_bounds(void **state)
{
	struct agent_config config = expect_ok("[agent]\npool-mib = 1\nsize = 1x1\n");
	assert_int_equal(config.pool_mib, 1);
	assert_int_equal(config.width, 1);
	config = expect_ok("[agent]\npool-mib = 65536\nsize = 8192x8192\n");
	assert_int_equal(config.pool_mib, 65536);
	assert_int_equal(config.width, 8192);
	assert_int_equal(config.height, 8192);

	char name[AGENT_SOCKET_NAME_MAX + 2];
	memset(name, 'w', sizeof(name));
	name[AGENT_SOCKET_NAME_MAX] = '\0';
	assert_true(agent_config_socket_name_valid(name));
	name[AGENT_SOCKET_NAME_MAX] = 'w';
	name[AGENT_SOCKET_NAME_MAX + 1] = '\0';
	assert_false(agent_config_socket_name_valid(name));
}

static void test_values_refused(void **state)
{
	expect_error("[agent]\nvchan = socket:relative\n",
		"a.conf:2: vchan: 'socket:relative' is not a vchan address (expected socket:/absolute/dir or xen:DOMID)");
	expect_error("[agent]\nvchan = xen:07\n",
		"a.conf:2: vchan: 'xen:07' is not a vchan address (expected socket:/absolute/dir or xen:DOMID)");
	expect_error("[agent]\nvchan =\n",
		"a.conf:2: vchan: '' is not a vchan address (expected socket:/absolute/dir or xen:DOMID)");
	expect_error("[agent]\npool-mib = 0\n",
		"a.conf:2: pool-mib: '0' is not a number of MiB in 1..65536");
	expect_error("[agent]\npool-mib = 65537\n",
		"a.conf:2: pool-mib: '65537' is not a number of MiB in 1..65536");
	expect_error("[agent]\npool-mib = 064\n",
		"a.conf:2: pool-mib: '064' is not a number of MiB in 1..65536");
	expect_error("[agent]\npool-mib = +64\n",
		"a.conf:2: pool-mib: '+64' is not a number of MiB in 1..65536");
	expect_error("[agent]\npool-mib = 99999999999999999999\n",
		"a.conf:2: pool-mib: '99999999999999999999' is not a number of MiB in 1..65536");
	expect_error("[agent]\nsize = 8193x10\n",
		"a.conf:2: size: '8193x10' is not a size WxH of at most 8192x8192");
	expect_error("[agent]\nsize = 0x10\n",
		"a.conf:2: size: '0x10' is not a size WxH of at most 8192x8192");
	expect_error("[agent]\nsize = 10X10\n",
		"a.conf:2: size: '10X10' is not a size WxH of at most 8192x8192");
	expect_error("[agent]\nsize = 10x10x10\n",
		"a.conf:2: size: '10x10x10' is not a size WxH of at most 8192x8192");
	expect_error("[agent]\nsize = 10 x 10\n",
		"a.conf:2: size: '10 x 10' is not a size WxH of at most 8192x8192");
	expect_error("[agent]\nsocket = ../wayland-0\n",
		"a.conf:2: socket: '../wayland-0' is not a socket name (1..64 characters of A-Z a-z 0-9 _ . -, not starting with '.')");
	expect_error("[agent]\nsocket = /run/wayland-0\n",
		"a.conf:2: socket: '/run/wayland-0' is not a socket name (1..64 characters of A-Z a-z 0-9 _ . -, not starting with '.')");
	expect_error("[agent]\nsocket =\n",
		"a.conf:2: socket: '' is not a socket name (1..64 characters of A-Z a-z 0-9 _ . -, not starting with '.')");
}

static void test_structure_refused(void **state)
{
	expect_error("vchan = xen:1\n", "a.conf:1: key 'vchan' before any [section]");
	expect_error("[general]\n", "a.conf:1: unknown section [general]");
	expect_error("[agent]\n[agent]\n", "a.conf:2: duplicate section [agent] (first on line 1)");
	expect_error("[agent]\npool-mib = 1\n\npool-mib = 2\n",
		"a.conf:4: duplicate key 'pool-mib' in [agent] (first on line 2)");
	expect_error("[agent]\nvchan: xen:1\n", "a.conf:2: expected 'key = value' or '[section]'");
	expect_error("[agent]\n= xen:1\n", "a.conf:2: missing key name before '='");
	expect_error("[agent\n", "a.conf:1: missing ']' in section header");
	expect_error("[agent] x\n", "a.conf:1: unexpected text after ']'");
	expect_error("[agent]\nVchan = xen:1\n", "a.conf:2: unknown key 'Vchan' in [agent]");
	expect_error("[agent]\nlabel = red\n", "a.conf:2: unknown key 'label' in [agent]");

	char line[300];
	snprintf(line, sizeof(line), "[agent]\nsocket = %0201d\n", 0);
	expect_error(line, "a.conf:2: line too long (at most 200 characters before a comment)");
	/* The comment does not count. */
	snprintf(line, sizeof(line), "[agent]\nsocket = w ; %0250d\n", 0);
	struct agent_config config = expect_ok(line);
	assert_string_equal(config.socket, "w");
	/* A ';' not after whitespace is part of the value. */
	expect_error("[agent]\nsocket = w;x\n",
		"a.conf:2: socket: 'w;x' is not a socket name (1..64 characters of A-Z a-z 0-9 _ . -, not starting with '.')");
	/* The first error is the one reported. */
	expect_error("[agent]\npool-mib = 0\n[x]\n",
		"a.conf:2: pool-mib: '0' is not a number of MiB in 1..65536");
}

static void test_failed_load_keeps_config(void **state)
{
	struct agent_config config;
	agent_config_init(&config);
	config.pool_mib = 77;
	assert_false(agent_config_load_string("[agent]\npool-mib = 5\nsize = 1\n", "a.conf",
		&config, error, sizeof(error)));
	assert_int_equal(config.pool_mib, 77);

	/* A short buffer gets a terminated prefix of the message. */
	char small[8];
	assert_false(agent_config_load_string("[x]\n", "a.conf", &config, small, sizeof(small)));
	assert_string_equal(small, "a.conf:");
	assert_false(agent_config_load_string("[x]\n", "a.conf", &config, NULL, 0));
}

static void test_files(void **state)
{
	struct agent_config config;
	agent_config_init(&config);
	assert_false(agent_config_load("/nonexistent/agent.conf", &config, error, sizeof(error)));
	assert_string_equal(error, "/nonexistent/agent.conf: No such file or directory");

	char path[] = "/tmp/mullion-agent-config-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	static const char nul_text[] = "[agent]\n\0vchan = xen:1\n";
	assert_int_equal(write(fd, nul_text, sizeof(nul_text) - 1), sizeof(nul_text) - 1);
	close(fd);
	assert_false(agent_config_load(path, &config, error, sizeof(error)));
	char expected[AGENT_CONFIG_ERROR_MAX];
	snprintf(expected, sizeof(expected), "%s: not a text file (contains a NUL byte)", path);
	assert_string_equal(error, expected);

	FILE *file = fopen(path, "w");
	assert_non_null(file);
	fputs("[agent]\nvchan = xen:3\n", file);
	fclose(file);
	assert_true(agent_config_load(path, &config, error, sizeof(error)));
	assert_int_equal(config.vchan.domid, 3);

	file = fopen(path, "w");
	assert_non_null(file);
	for (int i = 0; i < 64 * 1024 / 8 + 1; i++) {
		fputs("#comment\n", file);
	}
	fclose(file);
	assert_false(agent_config_load(path, &config, error, sizeof(error)));
	snprintf(expected, sizeof(expected), "%s: larger than 65536 bytes", path);
	assert_string_equal(error, expected);
	unlink(path);
}

static void test_command_line_parsers(void **state)
{
	int w = 0, h = 0;
	uint32_t mib = 0;
	assert_true(agent_config_parse_size("640x480", &w, &h));
	assert_int_equal(w, 640);
	assert_int_equal(h, 480);
	assert_false(agent_config_parse_size("640x", &w, &h));
	assert_false(agent_config_parse_size("x480", &w, &h));
	assert_false(agent_config_parse_size(" 640x480", &w, &h));
	assert_false(agent_config_parse_size(NULL, &w, &h));
	assert_true(agent_config_parse_pool_mib("256", &mib));
	assert_int_equal(mib, 256);
	assert_false(agent_config_parse_pool_mib("", &mib));
	assert_false(agent_config_parse_pool_mib("-1", &mib));
	assert_false(agent_config_socket_name_valid("."));
	assert_false(agent_config_socket_name_valid(NULL));
	assert_true(agent_config_socket_name_valid("wayland-0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_example_file),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_values_refused),
		cmocka_unit_test(test_structure_refused),
		cmocka_unit_test(test_failed_load_keeps_config),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_command_line_parsers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
