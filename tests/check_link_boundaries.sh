#!/bin/sh
# Each program links only the code that is its own or that it shares on
# purpose: the compositor never the transport (and so never libxen), the
# agent never the bridge's code, the bridge never the agent's.
# Usage: check_link_boundaries.sh MULLION MULLION_AGENT MULLION_BRIDGE
set -eu
mullion=$1 agent=$2 bridge=$3
status=0
fail() { echo "FAIL: $*"; status=1; }

if ldd "$mullion" | grep -E 'libxen(vchan|gnttab|ctrl|store)'; then
	fail "the compositor links a Xen library"
fi
if nm "$mullion" | grep -E ' [TtDdBbR] (vchan_(server|client)_init|wire_decode|vchan_map_refs)$'; then
	fail "the compositor links the transport"
fi
if nm "$agent" | grep -E ' [TtDd] (bridge_|validate_|vm_link_|title_sanitise|dom0_client_)'; then
	fail "the agent links bridge code"
fi
if nm "$bridge" | grep -E ' [TtDd] (agent_|dom0_link_)'; then
	fail "the bridge links agent code"
fi
[ $status -eq 0 ] && echo "link boundaries hold"
exit $status
