/*
 * The bridge's sandbox, entered once the compositor connection and the
 * vchan are up and before the first byte the VM sent is read: rlimits
 * (no new processes, a few fds, no core), no_new_privs, Landlock with
 * nothing allowed, and a default-deny seccomp filter. What it allows, and
 * why, is in doc/threat-model.md. There is no way out: a bridge serves one
 * VM connection and exits.
 */
#ifndef BRIDGE_SANDBOX_H
#define BRIDGE_SANDBOX_H

#include <stdbool.h>

#include "common/vchan/vchan.h"

/* A call the sandbox forbids, for tests to make after it is up. */
enum sandbox_violation {
	SANDBOX_VIOLATION_NONE,
	SANDBOX_VIOLATION_OPEN, /* open a file */
	SANDBOX_VIOLATION_CONNECT, /* connect a Unix socket */
	SANDBOX_VIOLATION_EXEC, /* run a program */
};

struct sandbox_options {
	const char *vm_name; /* for log lines */
	/* Xen's event channel and grant devices need a few ioctls. */
	enum vchan_backend backend;
	/* SANDBOX_VIOLATION_NONE except in tests. */
	enum sandbox_violation test_violation;
};

/* "open", "connect" or "exec"; false for anything else. */
bool sandbox_violation_parse(const char *name, enum sandbox_violation *out);

/*
 * Enters the sandbox. False (logged) if any part of it could not be set
 * up, except Landlock on a kernel without it (one log line says so): the
 * caller must then exit without reading the VM.
 */
bool sandbox_enter(const struct sandbox_options *options);

/*
 * Makes the forbidden call options->test_violation names; the sandbox
 * kills the process. Returns (logged, false) only if the call got through.
 * True when there is no test violation to make.
 */
bool sandbox_test_violation(const struct sandbox_options *options);

#endif
