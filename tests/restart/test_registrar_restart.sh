#!/usr/bin/env bash
# test_registrar_restart.sh - the registrar's bindings survive a restart.
#
# The phone alice registers through the router (the provider answers
# 200): one binding. SIGTERM with no call (release-on-stop no): the
# daemon leaves nothing in the kernel, but its state file keeps the
# binding; the next instance restores it with the time it had left, so
# incoming calls for alice still find her. Then alice unregisters through
# the new instance and the binding goes.
set -eu
. "$(dirname "$0")/lib_restart.sh"
trap cleanup EXIT
need_restart
sip_up
CONF=("release-on-stop no")
portd_start "${CONF[@]}"

check "alice registered (200)" register_once 300 200
portd_stats
check "one binding (bindings=$(st bindings))" [ "$(st bindings)" = 1 ]
check "SIGTERM: exit 0" portd_stop
check "an idle daemon left no entry" np_entries_are 0
check "...and no nft table" \
	sh -c "! ip netns exec $NS_RTR nft list table inet natport >/dev/null 2>&1"
check "the state file holds alice's binding" grep -q "^binding alice " "$TMP/state"
portd_restart "${CONF[@]}"
grep 'restart:' "$PORTD_LOG" || true
check "the binding was restored" grep -q "1 bindings" "$PORTD_LOG"
portd_stats
check "alice is bound in the new instance (bindings=$(st bindings))" [ "$(st bindings)" = 1 ]
check "alice unregisters through it (200)" register_once 0 200
portd_stats
check "the binding is gone (bindings=$(st bindings))" [ "$(st bindings)" = 0 ]
restart_final_checks "${CONF[@]}"
finish
