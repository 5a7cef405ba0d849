#!/usr/bin/env bash
# test_socket_path.sh - nat-portd and what it finds at its control socket
# path: it replaces only a stale socket and deletes nothing else.
#
#   LAN phone              router: nat-portd           provider
#   192.0.2.10 ----------- 192.0.2.1 | 198.51.100.1 ---- 198.51.100.20
#   control-socket $TMP/ctl.sock
#
# 1. A regular file, a directory, a symbolic link, a FIFO at the path:
#    nat-portd does not start (exit 1), says why, and leaves the thing as
#    it was, and nothing in the router (no nft table, no port).
# 2. A live socket another program listens on: refused the same way; the
#    listener keeps its socket.
# 3. A stale socket (its listener gone): replaced, logged, nat-portd
#    answers on it.
# 4. The path replaced behind nat-portd's back: on exit it removes only
#    its own socket, not the file now there.
# 5. Nothing left.
set -eu
. "$(dirname "$0")/../lib/ctl.sh"
LISTENER=
trap cleanup EXIT
need_ctl
PY=/usr/bin/python3
[ -x "$PY" ] || skip "missing $PY (python3)"
topo_up

# refused WHAT SUBSTRING: nat-portd must not start with that at the path
refused() {
	local what=$1 why=$2 rc=0
	portd_conf "control-socket $CTL_SOCK"
	in_rtr timeout 20 "$PORTD" -f -c "$TMP/nat-portd.conf" \
		>"$TMP/refused.out" 2>"$TMP/refused.err" || rc=$?
	check "$what: nat-portd does not start (exit $rc)" [ $rc = 1 ]
	check "$what: it says why ($(grep 'control socket' "$TMP/refused.err" | head -n 1))" \
		grep -q "control socket: $CTL_SOCK.*$why.*not starting" "$TMP/refused.err"
	check "$what: not 'ready'" not grep -q ready "$TMP/refused.err"
	check "$what: no nft table left behind" \
		sh -c "! ip netns exec $NS_RTR nft list table inet natport >/dev/null 2>&1"
	check "$what: no port held" \
		sh -c "! ip netns exec $NS_RTR ss -Huan | grep -q '198.51.100.1:20'"
}

echo "== 1: things that are not a socket"
printf 'precious\n' >"$CTL_SOCK"
refused "a regular file" "exists and is not a socket (a regular file); not removing it"
check "the file survives, unchanged" [ "$(cat "$CTL_SOCK")" = precious ]
rm -f "$CTL_SOCK"

mkdir "$CTL_SOCK"
touch "$CTL_SOCK/inside"
refused "a directory" "(a directory); not removing it"
check "the directory and its file survive" [ -f "$CTL_SOCK/inside" ]
rm -rf "$CTL_SOCK"

printf 'target\n' >"$TMP/target"
ln -s "$TMP/target" "$CTL_SOCK"
refused "a symbolic link" "(a symbolic link); not removing it"
check "the link and its target survive" \
	sh -c "[ -L '$CTL_SOCK' ] && [ \"\$(cat '$TMP/target')\" = target ]"
rm -f "$CTL_SOCK"

mkfifo "$CTL_SOCK"
refused "a FIFO" "(a FIFO); not removing it"
check "the FIFO survives" [ -p "$CTL_SOCK" ]
rm -f "$CTL_SOCK"

echo "== 2: a live socket of another program"
# shellcheck disable=SC2016
"$PY" -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(4)
print("listening", flush=True)
time.sleep(60)' "$CTL_SOCK" >"$TMP/listener.out" 2>&1 &
LISTENER=$!
bg_add "$LISTENER"
for i in $(seq 50); do
	grep -q listening "$TMP/listener.out" && break
	sleep 0.1
done
ino=$(stat -c %i "$CTL_SOCK")
refused "a live socket" "a live socket (another nat-portd is listening); not removing it"
check "the listener keeps its socket (inode $ino)" \
	sh -c "[ -S '$CTL_SOCK' ] && [ \"\$(stat -c %i '$CTL_SOCK')\" = $ino ] && kill -0 $LISTENER"
kill "$LISTENER"
wait "$LISTENER" 2>/dev/null || true
LISTENER=

echo "== 3: a stale socket"
check "the listener's socket is stale now" [ -S "$CTL_SOCK" ]
ctl_start
check "nat-portd started over the stale socket" portd_alive
check "and logged that it removed it" \
	grep -q "control: removed the stale socket $CTL_SOCK" "$PORTD_LOG"
ctl_run st -j stats
jq_ok st '.calls == 0' "nat-portd answers on the new socket"

echo "== 4: the path replaced while nat-portd runs"
rm -f "$CTL_SOCK"
printf 'not yours\n' >"$CTL_SOCK"
check "nat-portd exits cleanly" portd_stop
check "the file put there survives its exit" [ "$(cat "$CTL_SOCK")" = "not yours" ]
rm -f "$CTL_SOCK"

echo "== 5: nothing left"
ctl_start
sip_final_checks
check "control socket removed on exit" [ ! -e "$CTL_SOCK" ]
finish
