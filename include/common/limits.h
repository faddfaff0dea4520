/*
 * The limits and defaults dom0 sets for each VM, in one place: the config
 * parser's ranges, the bridge's options and the agent's options all use
 * these names, protocols/wire-protocol.md lists them in its "Per-VM limits"
 * table and the man pages state them; tests/unit/test_spec_agreement.py
 * fails when any of them disagree. The wire format's own bounds (sizes,
 * lengths, counts inside one message) are in common/wire/protocol.h.
 */
#ifndef COMMON_LIMITS_H
#define COMMON_LIMITS_H

#include "common/wire/protocol.h"

/* A VM's name: 1..31 characters of [A-Za-z0-9_-]. */
#define LIMIT_VM_NAME_MIN 1
#define LIMIT_VM_NAME_MAX 31

#define LIMIT_MAX_WINDOWS_MIN 1
#define LIMIT_MAX_WINDOWS_MAX 4096
#define LIMIT_MAX_WINDOWS_DEFAULT 256

#define LIMIT_MAX_BUFFER_MIB_MIN 1
#define LIMIT_MAX_BUFFER_MIB_MAX 4096
#define LIMIT_MAX_BUFFER_MIB_DEFAULT 512

/* The page pool a VM offers, in MiB (the agent's --pool-mib, checked by the bridge). */
#define LIMIT_POOL_MIB_MIN 1
#define LIMIT_POOL_MIB_MAX 65536

#define LIMIT_BORDER_WIDTH_MIN 1
#define LIMIT_BORDER_WIDTH_MAX 32
#define LIMIT_BORDER_WIDTH_DEFAULT 4

/* dom0's output scale, announced to every VM in HELLO. */
#define LIMIT_OUTPUT_SCALE_MIN 1
#define LIMIT_OUTPUT_SCALE_MAX 4
#define LIMIT_OUTPUT_SCALE_DEFAULT 1

_Static_assert(LIMIT_MAX_WINDOWS_MAX <= WIRE_MAX_WINDOWS_LIMIT, "max-windows fits HELLO");
_Static_assert(LIMIT_MAX_BUFFER_MIB_MAX <= WIRE_MAX_BUFFER_MIB_LIMIT, "max-buffer-mib fits HELLO");
_Static_assert(LIMIT_OUTPUT_SCALE_MAX <= WIRE_MAX_OUTPUT_SCALE, "output-scale fits HELLO");
_Static_assert(LIMIT_MAX_WINDOWS_DEFAULT >= LIMIT_MAX_WINDOWS_MIN &&
		LIMIT_MAX_WINDOWS_DEFAULT <= LIMIT_MAX_WINDOWS_MAX,
	"max-windows default in range");
_Static_assert(LIMIT_MAX_BUFFER_MIB_DEFAULT >= LIMIT_MAX_BUFFER_MIB_MIN &&
		LIMIT_MAX_BUFFER_MIB_DEFAULT <= LIMIT_MAX_BUFFER_MIB_MAX,
	"max-buffer-mib default in range");

#endif
