#!/usr/bin/env bash
# test_kamailio.sh - Debian's Kamailio with its rtpengine module, driven
# by tests/ng/kamailio.cfg, talks to tests/tools/np-ng (natport's ng
# codec behind a trivial responder) for one sipp call; every message it
# sends must parse, in the order rtpengine_manage() promises.
#
#   one netns "ng<pid>", loopback only:
#
#   sipp uac 127.0.0.1:5080 --> kamailio 127.0.0.1:5060 --> sipp uas :5070/2
#                                   | rtpengine_sock
#                                   v
#                               np-ng 127.0.0.1:22222 (saves requests)
#
# Run twice: Kamailio's default flags, and the example config's flags
# (ICE=remove, direction=internal/external), whose keys must arrive
# typed (no unknown keys).
set -eu
cd "$(dirname "$0")/../.."
O=${O:-build}

command -v kamailio >/dev/null || { echo "kamailio not installed"; exit 77; }
command -v sipp >/dev/null || { echo "sipp not installed"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "needs root (netns)"; exit 77; }
[ -x "$O/tests/np-ng" ] || { echo "FAIL $O/tests/np-ng not built"; exit 1; }

ns=ng$$
tmp=$(mktemp -d /tmp/natport-ng.XXXXXX)
fails=0
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 0.3
	for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
	ip netns del "$ns" 2>/dev/null || true
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
pass() { echo "PASS $*"; }
fail() {
	echo "FAIL $*"
	fails=$((fails + 1))
}

ip netns add "$ns"
ip netns exec "$ns" ip link set lo up

one_call() {
	# a port of its own per call: the last call's uas may still linger
	local name=$1 flags=$2 uas=$3 d=$tmp/$1
	mkdir -p "$d"
	ip netns exec "$ns" "$O/tests/np-ng" -l 127.0.0.1:22222 -d "$d" \
		-n 4 -t 20 >"$d/np-ng.log" 2>&1 &
	local ngpid=$!
	pids+=($ngpid)
	sleep 0.3
	ip netns exec "$ns" kamailio -DD -E -f tests/ng/kamailio.cfg \
		-Y "$d" -A "NG_FLAGS=\"$flags\"" \
		-A "PROVIDER=\"sip:127.0.0.1:$uas\"" >"$d/kamailio.log" 2>&1 &
	local kpid=$!
	pids+=($kpid)
	sleep 1.5
	ip netns exec "$ns" sipp -sn uas -i 127.0.0.1 -p "$uas" -m 1 \
		>/dev/null 2>&1 &
	pids+=($!)
	sleep 0.3
	if ip netns exec "$ns" timeout 15 sipp -sn uac 127.0.0.1:5060 \
		-i 127.0.0.1 -p 5080 -m 1 -s service -timeout 10 \
		-timeout_error >"$d/uac.log" 2>&1; then
		pass "$name: sipp call through Kamailio"
	else
		fail "$name: sipp call failed ($(grep -m1 -i 'unexpected\|timeout' "$d/uac.log" || true))"
	fi
	local rc=0
	wait "$ngpid" || rc=$?
	kill "$kpid" 2>/dev/null || true
	wait "$kpid" 2>/dev/null || true
	local got
	got=$(awk '{print $3 "=" $4}' "$d/np-ng.log" | tr '\n' ' ')
	if [ "$rc" = 0 ] && [ "$got" = "ping=ok offer=ok answer=ok delete=ok " ]; then
		pass "$name: ping, offer, answer, delete all parsed: $got"
	else
		fail "$name: np-ng rc=$rc, saw: $(cat "$d/np-ng.log")"
	fi
	if grep -q 'unknown:' "$d/np-ng.log"; then
		fail "$name: keys the codec did not type: $(grep unknown: "$d/np-ng.log")"
	else
		pass "$name: no unknown keys or flags"
	fi
	echo "$d"
}

one_call default "replace-origin replace-session-connection" 5070 >"$tmp/out1"
cat "$tmp/out1" | grep -v "^$tmp"
d=$(tail -n1 "$tmp/out1")
if grep -aq '7:replacel6:origin18:session-connectione' "$d"/*offer.ng; then
	pass "default: replace list as Kamailio sends it"
else
	fail "default: no replace list in the offer"
fi

one_call example "replace-origin replace-session-connection ICE=remove direction=internal direction=external" 5072 >"$tmp/out2"
cat "$tmp/out2" | grep -v "^$tmp"
d=$(tail -n1 "$tmp/out2")
if grep -aq '3:ICE6:remove' "$d"/*offer.ng &&
	grep -aq '9:directionl8:internal8:externale' "$d"/*offer.ng; then
	pass "example: ICE and direction keys sent"
else
	fail "example: ICE/direction missing: $(cat -v "$d"/*offer.ng | tr -d '\n' | head -c 400)"
fi

[ $fails -eq 0 ] || exit 1
