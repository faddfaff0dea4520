/*
 * The Xen vchan backend on a machine without Xen: both sides must fail
 * cleanly, through the public API, with NULL, one clear log line, and
 * nothing leaked (run under ASan). Where /dev/xen exists this says so and
 * skips: the real backend needs two domains, which a unit test has not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util/log.h"
#include "common/vchan/vchan.h"

#define SKIP_EXIT 77
#define LOG_MAX 4096

static char log_text[LOG_MAX];

/*
 * Runs fn with stderr sent to a temporary file, and leaves what was logged
 * in log_text.
 */
static struct vchan *capture_log(struct vchan *(*fn)(void))
{
	FILE *tmp = tmpfile();
	assert_non_null(tmp);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);

	struct vchan *ctrl = fn();

	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	rewind(tmp);
	size_t n = fread(log_text, 1, sizeof(log_text) - 1, tmp);
	log_text[n] = '\0';
	fclose(tmp);
	/* For the reader of the test log. */
	fputs(log_text, stderr);
	return ctrl;
}

static size_t count_lines(const char *text)
{
	size_t lines = 0;
	for (const char *c = text; *c != '\0'; c++) {
		lines += *c == '\n';
	}
	return lines;
}

static struct vchan_address xen_address(const char *text)
{
	struct vchan_address addr;
	assert_true(vchan_address_parse(text, &addr));
	assert_int_equal(addr.backend, VCHAN_BACKEND_XEN);
	return addr;
}

static struct vchan *start_server(void)
{
	struct vchan_address addr = xen_address("xen:0");
	return vchan_server_init(&addr, VCHAN_GUI_PORT, 1024);
}

static struct vchan *start_client(void)
{
	struct vchan_address addr = xen_address("xen:7");
	return vchan_client_init(&addr, VCHAN_GUI_PORT, 1024);
}

static void test_server_without_xen(void **state)
{
	(void)state;
	assert_null(capture_log(start_server));
	assert_non_null(strstr(log_text, "Xen is not available"));
	assert_non_null(strstr(log_text, "/dev/xen/gntalloc"));
	assert_int_equal(count_lines(log_text), 1);
}

static void test_client_without_xen(void **state)
{
	(void)state;
	assert_null(capture_log(start_client));
	assert_non_null(strstr(log_text, "Xen is not available"));
	assert_non_null(strstr(log_text, "/dev/xen/gntdev"));
	assert_int_equal(count_lines(log_text), 1);
}

/* Arguments the backend refuses before it touches any device. */
static void test_bad_arguments(void **state)
{
	(void)state;
	struct vchan_address addr = xen_address("xen:7");
	assert_null(vchan_server_init(&addr, -1, 1024));
	assert_null(vchan_server_init(&addr, 65536, 1024));
	assert_null(vchan_server_init(&addr, VCHAN_GUI_PORT, 0));
	assert_null(vchan_client_init(&addr, -1, 1024));
	assert_null(vchan_client_init(&addr, VCHAN_GUI_PORT, 0));

	/* dom0 is the server's peer (xen:0), never the client's. */
	addr = xen_address("xen:0");
	assert_null(vchan_client_init(&addr, VCHAN_GUI_PORT, 1024));
	/* Not reachable from the parser, but the API takes a struct. */
	addr.domid = 32752;
	assert_null(vchan_client_init(&addr, VCHAN_GUI_PORT, 1024));
	assert_null(vchan_server_init(&addr, VCHAN_GUI_PORT, 1024));
	addr.domid = -1;
	assert_null(vchan_server_init(&addr, VCHAN_GUI_PORT, 1024));
}

/* The server offers to the domain its address names: one it cannot name
 * is refused before any device is opened. */
static struct vchan *start_server_bad_peer(void)
{
	struct vchan_address addr = xen_address("xen:0");
	addr.domid = 32752;
	return vchan_server_init(&addr, VCHAN_GUI_PORT, 1024);
}

static void test_server_bad_peer(void **state)
{
	(void)state;
	assert_null(capture_log(start_server_bad_peer));
	assert_non_null(strstr(log_text, "xen:32752: not a domain id"));
	assert_null(strstr(log_text, "/dev/xen"));
	assert_int_equal(count_lines(log_text), 1);
}

/* Retrying, as the bridge does every 500 ms, must not accumulate
 * anything (ASan's leak check sees it at exit). */
static void test_retry_does_not_leak(void **state)
{
	(void)state;
	enum mlog_level verbosity = mlog_verbosity();
	mlog_init("test-vchan-xen", MLOG_SILENT);
	for (int i = 0; i < 100; i++) {
		assert_null(start_client());
		assert_null(start_server());
	}
	mlog_init("test-vchan-xen", verbosity);
}

int main(void)
{
	if (access("/dev/xen", F_OK) == 0) {
		printf("SKIP: /dev/xen exists, and this test covers only the failure without Xen\n");
		return SKIP_EXIT;
	}
	mlog_init("test-vchan-xen", MLOG_ERROR);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_without_xen),
		cmocka_unit_test(test_client_without_xen),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_server_bad_peer),
		cmocka_unit_test(test_retry_does_not_leak),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
