#!/usr/bin/env bash
# test_robust.sh - nat-portctl and the control socket against bad input,
# bad clients and a missing daemon; calls keep working throughout.
#
#   LAN phone (sipp)       router: nat-portd (+ np-ctlraw,   provider (sipp)
#   ns np-lan-PID          nat-portctl on $TMP/ctl.sock)     ns np-wan-PID
#   192.0.2.10:5060 -[c0]-[r0]- 192.0.2.1    198.51.100.1 -[r1]-[w0]- 198.51.100.20:5060
#
# 1. Bad command lines: exit 2, a message on stderr, nothing on stdout,
#    nothing changed in the daemon; --help at each level: exit 0.
# 2. The socket is mode 0660 and refuses other users (exit 1). No
#    daemon: exit 3 and a clear message, at once; a stopped daemon
#    (SIGSTOP): exit 3 "not answering" after the reply timeout, no hang.
# 3. Bad clients against a live daemon during a call: a 1 MB request, a
#    bad magic, another protocol version, malformed arguments, an unknown
#    command each get an error reply and change nothing; a client that
#    sends nothing is dropped after the request timeout; clients that
#    never read (a list, a watch) do not stall the daemon: other commands
#    answer at once and a call through the router works; a watcher that
#    lets events pile up is dropped; the 33rd client is refused.
# 4. Nothing left.
set -eu
. "$(dirname "$0")/../lib/ctl.sh"
trap cleanup EXIT
need_ctl
RAW=$BIN/tests/np-ctlraw
[ -x "$RAW" ] || skip "no $RAW (make)"
topo_up
# quarantine 0: the flood below reuses one port pair over and over
ctl_start "quarantine 0ms"

echo "== 1: bad command lines"
bad_usage() { # bad_usage "expected message" ARGS...
	local msg=$1 rc=0
	shift
	"$CTL_BIN" -s "$CTL_SOCK" "$@" >"$TMP/u.out" 2>"$TMP/u.err" || rc=$?
	if [ $rc = 2 ] && [ ! -s "$TMP/u.out" ] && grep -q -- "$msg" "$TMP/u.err" &&
		grep -q "^nat-portctl: " "$TMP/u.err"; then
		pass "nat-portctl $*: exit 2, '$msg'"
	else
		fail "nat-portctl $*: exit $rc, stderr: $(head -c 200 "$TMP/u.err")"
	fi
}
ctl_run before -j mappings list
bad_usage "missing object"
bad_usage "unknown object 'bogus'" bogus
bad_usage "unknown object 'call'" call list
bad_usage "unknown verb 'lis'" calls lis
bad_usage "unknown verb 'l'" mappings l
bad_usage "missing verb" calls
bad_usage "missing ID" calls show
bad_usage "'abc' is not an ID" mappings show abc
bad_usage "'0' is not an ID" mappings del 0
bad_usage "unexpected argument '2'" mappings show 1 2
bad_usage "internal ADDR:PORT is required" mappings add
bad_usage "'nonsense' is not ADDR:PORT" mappings add internal nonsense
bad_usage "'192.0.2.11' is not ADDR:PORT" mappings add internal 192.0.2.11
bad_usage "unknown type 'video'" mappings add internal 192.0.2.11:8000 type video
bad_usage "remote needs a value" mappings add internal 192.0.2.11:8000 remote
bad_usage "unknown keyword 'extern'" mappings add extern 198.51.100.1:2000
bad_usage "unexpected argument '--prom'" stats --prom
bad_usage "exclude each other" -j stats --prometheus
bad_usage "unexpected argument '-f'" flush -f
bad_usage "unexpected argument 'now'" watch now
bad_usage "unknown verb 'lis'" kernel lis
bad_usage "unknown option '--frobnicate'" --frobnicate stats
bad_usage "option -s needs a value" -s
bad_usage "not a namespace name" -n ../x stats
ctl_run after -j mappings list
check "bad command lines changed nothing" cmp -s "$TMP/before.out" "$TMP/after.out"
for h in "--help" "help" "calls --help" "mappings --help" "mappings add --help" \
	"flush --help" "stats --help" "watch --help" "kernel --help"; do
	# shellcheck disable=SC2086
	ctl_run help $h
	check "nat-portctl $h: exit 0, usage on stdout" \
		sh -c "[ $(rc_of help) = 0 ] && grep -q '^usage: nat-portctl' '$TMP/help.out' && [ ! -s '$TMP/help.err' ]"
done
ctl_run nsbad -n np-no-such-ns-$$ stats
check "-n with a missing namespace: exit 1, named" \
	sh -c "[ $(rc_of nsbad) = 1 ] && grep -q 'netns np-no-such-ns-$$' '$TMP/nsbad.err'"

echo "== 2: permissions, no daemon"
check "control socket has mode 0660 ($(stat -c %a "$CTL_SOCK"))" [ "$(stat -c %a "$CTL_SOCK")" = 660 ]
if command -v setpriv >/dev/null; then
	rc=0
	setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL_BIN" -s "$CTL_SOCK" stats \
		>"$TMP/perm.out" 2>"$TMP/perm.err" || rc=$?
	check "an unprivileged user is refused: exit 1, says who may connect" \
		sh -c "[ $rc = 1 ] && grep -q 'Permission denied (members of group natport may connect)' '$TMP/perm.err'"
fi
t0=$(date +%s%N)
rc=0
"$CTL_BIN" -s "$TMP/none.sock" stats >"$TMP/none.out" 2>"$TMP/none.err" || rc=$?
t1=$(date +%s%N)
check "no socket: exit 3" [ $rc = 3 ]
check "no socket: says nat-portd is not running" grep -q "nat-portd is not running ($TMP/none.sock" "$TMP/none.err"
check "no socket: answered at once ($(((t1 - t0) / 1000000)) ms)" [ $(((t1 - t0) / 1000000)) -lt 1000 ]
check "no socket: nothing on stdout" [ ! -s "$TMP/none.out" ]
kill -STOP "$PORTD_PID"
t0=$(date +%s%N)
rc=0
timeout 30 "$CTL_BIN" -s "$CTL_SOCK" stats >"$TMP/stop.out" 2>"$TMP/stop.err" || rc=$?
t1=$(date +%s%N)
kill -CONT "$PORTD_PID"
check "stopped daemon: exit 3 (not a hang: $(((t1 - t0) / 1000000)) ms)" [ $rc = 3 ]
check "stopped daemon: says it is not answering" grep -q "not answering" "$TMP/stop.err"

echo "== 3: bad clients during a call"
uas uas.xml -m 1
uac_bg uac.xml -m 1 -d 8000
check "call's entries installed" wait_entries 2
ctl_run before -j mappings list
ctl_run st0 -j stats
raw() { # raw NAME MODE ARGS... -> $TMP/NAME.out
	local name=$1
	shift
	in_rtr "$RAW" "$CTL_SOCK" "$@" >"$TMP/$name.out" 2>&1 || true
}
raw big big 1048576
check "1 MB request: error reply" grep -q "^done 1 request of 1048576 bytes refused (at most 1024)" "$TMP/big.out"
raw magic badmagic
check "bad magic: error reply" grep -q "^done 1 not a natport control request" "$TMP/magic.out"
raw version badversion
check "protocol version 99: error reply naming both versions" grep -q "^done 1 protocol version 99 not supported (nat-portd speaks 1)" "$TMP/version.out"
raw args badargs
check "malformed arguments: error reply" grep -q "^done 3 malformed arguments" "$TMP/args.out"
raw cmd cmd 77
check "unknown command: error reply" grep -q "^done 2 unknown command 77" "$TMP/cmd.out"
check "nat-portd alive after bad requests" portd_alive
ctl_run after -j mappings list
check "bad requests changed no mapping" \
	sh -c "jq -c '[.[] | {id, internal, external, remote, state}]' '$TMP/before.out' >'$TMP/a'; jq -c '[.[] | {id, internal, external, remote, state}]' '$TMP/after.out' >'$TMP/b'; cmp -s '$TMP/a' '$TMP/b'"
ctl_run st1 -j stats
check "bad requests counted (control_bad_requests $(jq .errors.control_bad_requests "$TMP/st0.out") -> $(jq .errors.control_bad_requests "$TMP/st1.out"))" \
	[ "$(jq '.errors.control_bad_requests - '"$(jq .errors.control_bad_requests "$TMP/st0.out")" "$TMP/st1.out")" = 5 ]
check "bad requests logged" grep -q "control: request of 1048576 bytes refused" "$PORTD_LOG"

# clients that never read, and one that never speaks
in_rtr "$RAW" "$CTL_SOCK" noread 20 9 >"$TMP/nr_watch.out" 2>&1 &
STUCK=($!)
PIDS+=($!)
in_rtr "$RAW" "$CTL_SOCK" noread 20 3 >"$TMP/nr_list.out" 2>&1 &
STUCK+=($!)
PIDS+=($!)
in_rtr "$RAW" "$CTL_SOCK" idle 15 >"$TMP/idle.out" 2>&1 &
PIDS+=($!)
IDLE_PID=$!
sleep 0.5
t0=$(date +%s%N)
ctl_run busy_stats -j stats
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
check "stats answers at once beside stuck clients ($ms ms)" \
	sh -c "[ $(rc_of busy_stats) = 0 ] && [ $ms -lt 1000 ]"
jq_ok busy_stats '.control.clients >= 3 and .calls == 1'
check "phone's sipp completed the call beside stuck clients" wait_pid "$UAC_PID"
check "provider's sipp completed the call" wait_pid "$UAS_PID"
check "call's entries removed" wait_entries 0
uas uas.xml -m 1
uac_bg uac.xml -m 1 -d 1000
check "a new call gets its entries beside stuck clients" wait_entries 2
check "new call completed" wait_pid "$UAC_PID"
wait_pid "$UAS_PID" || true
wait "$IDLE_PID" || true
check "silent client dropped after the request timeout ($(cat "$TMP/idle.out"))" \
	awk '$1 == "closed" && $2 >= 4500 && $2 < 8000 { ok = 1 } END { exit !ok }' "$TMP/idle.out"

# a watcher that never reads, and a flood of events
in_rtr "$RAW" "$CTL_SOCK" noread 60 9 >"$TMP/nr_watch2.out" 2>&1 &
PIDS+=($!)
NRW_PID=$!
sleep 0.3
in_rtr "$RAW" "$CTL_SOCK" flood 2000 >"$TMP/flood.out" 2>&1 || true
check "2000 add/del pairs all answered ($(cat "$TMP/flood.out"))" grep -qx "ok 2000" "$TMP/flood.out"
check "the watcher that never read was dropped" grep -q "a watcher is not reading its events" "$PORTD_LOG"
ctl_run st2 -j stats
jq_ok st2 '.errors.control_dropped_clients >= 1 and .mappings == 0'
kill "$NRW_PID" 2>/dev/null || true

# the 33rd client: 32 silent connections fill every slot until the
# request timeout drops them. The stuck clients above must be gone first,
# or some of the 32 are refused and a slot frees when an old one leaves.
kill "${STUCK[@]}" "$NRW_PID" 2>/dev/null || true
only_us() {
	local i
	for i in $(seq 100); do
		ctl -j stats 2>/dev/null | jq -e '.control.clients == 1' \
			>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
check "every earlier control client is gone" only_us
in_rtr "$RAW" "$CTL_SOCK" hold 32 8 >"$TMP/hold.out" 2>&1 &
PIDS+=($!)
HOLD_PID=$!
for i in $(seq 100); do
	grep -q "^held 32" "$TMP/hold.out" && break
	sleep 0.05
done
sleep 0.3
ctl_run busy stats
check "33rd client: exit 3, too many clients" \
	sh -c "[ $(rc_of busy) = 3 ] && grep -q 'too many control clients' '$TMP/busy.err'"
wait "$HOLD_PID" 2>/dev/null || true
ctl_run free stats
check "once they are gone, stats answers again" [ "$(rc_of free)" = 0 ]

echo "== 4: nothing left"
sip_final_checks
check "control socket removed on exit" [ ! -e "$CTL_SOCK" ]
finish
