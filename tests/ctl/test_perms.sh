#!/usr/bin/env bash
# test_perms.sh - the control socket's permissions, from the side of a
# local user who should not be able to change the router.
#
#   router namespace: nat-portd, control socket $TMP/ctl.sock
#   (mode 0660, group np-ro-PID; admin group np-adm-PID)
#
#   user np-r-PID   in np-ro-PID (supplementary)   may read, not change
#   user np-a-PID   in np-ro-PID and np-adm-PID    may read and change
#   user np-x-PID   in neither                     may not connect
#
# 1. The reader lists mappings and reads stats (exit 0), but flush,
#    mappings add and mappings del are refused with exit 4 and a reason,
#    and change nothing (the static mapping and its kernel entry stay);
#    the refusal is logged with its uid. The admin deletes and flushes.
# 2. Mode 0666 by mistake: the outsider connects but is still refused by
#    the daemon (exit 4) and reads nothing.
# 3. One uid cannot take every slot: the reader holds 32 connections;
#    its own next one is refused (exit 3, per user), while root and the
#    admin still get stats at once.
# 4. SIGHUP without control-admin-group: the admin is refused too.
# 5. Nothing left; the users and groups are removed in the trap.
set -eu
. "$(dirname "$0")/../lib/ctl.sh"
RO=np-ro-$$
ADM=np-adm-$$
UR=np-r-$$
UA=np-a-$$
UX=np-x-$$
HOLD_PID=
# The holder goes before the users (deferred after them, run first).
stop_holder() {
	[ -n "$HOLD_PID" ] || return 0
	kill "$HOLD_PID" 2>/dev/null || true
	wait "$HOLD_PID" 2>/dev/null || true
}
trap cleanup EXIT
need_ctl
ctl_users_init
defer stop_holder
RAW=$BIN/tests/np-ctlraw
[ -x "$RAW" ] || skip "no $RAW (make)"
ctl_group_add "$RO"
ctl_group_add "$ADM"
ctl_user_add "$UR" "$RO"
ctl_user_add "$UA" "$RO,$ADM"
ctl_user_add "$UX"

denied() { # denied NAME WHAT: exit 4 and a reason naming what was refused
	[ "$(rc_of "$1")" = 4 ] && [ ! -s "$TMP/$1.out" ] &&
		grep -q "permission denied: $2 changes state" "$TMP/$1.err"
}

topo_up
chmod 711 "$TMP" # the users must reach the socket inside it
ctl_start "control-group $RO" "control-admin-group $ADM"
check "socket is group $RO, mode 0660" \
	[ "$(stat -c '%G %a' "$CTL_SOCK")" = "$RO 660" ]

echo "== 1: a reader reads, and changes nothing"
ctl_run add mappings add internal 192.0.2.11:8000 remote 198.51.100.20:8000 type audio_rtp
check "root adds a static mapping" [ "$(rc_of add)" = 0 ]
check "its kernel entry is there" wait_entries 1
# what a mapping list says that does not change by itself (not age)
maps() { jq -c '[.[] | {id, type, internal, external, remote, state, owner}]' "$TMP/$1.out"; }
ctl_run before -j mappings list
as_ctl "$UR" r_list -j mappings list
check "reader: mappings list, exit 0, the same mapping" \
	sh -c "[ $(rc_of r_list) = 0 ] && [ \"\$1\" = \"\$2\" ] && [ \"\$1\" != '[]' ]" _ "$(maps before)" "$(maps r_list)"
as_ctl "$UR" r_stats -j stats
jq_ok r_stats '.mappings == 1' "reader: stats, the mapping counted"
as_ctl "$UR" r_calls calls list
check "reader: calls list, exit 0" [ "$(rc_of r_calls)" = 0 ]
as_ctl "$UR" r_flush flush -y
check "reader: flush refused, exit 4 ($(cat "$TMP/r_flush.err"))" denied r_flush flush
check "reader: the refusal names who may ($(cat "$TMP/r_flush.err"))" \
	grep -q "only root and members of group $ADM may run it (you are uid $(id -u "$UR"))" "$TMP/r_flush.err"
as_ctl "$UR" r_add mappings add internal 192.0.2.12:8000 type audio_rtp
check "reader: mappings add refused, exit 4" denied r_add "mappings add"
as_ctl "$UR" r_del mappings del 1
check "reader: mappings del refused, exit 4" denied r_del "mappings del"
ctl_run after -j mappings list
check "refusals changed nothing (same mappings)" [ "$(maps before)" = "$(maps after)" ]
check "the kernel entry is still there" [ "$(np_entries)" = 1 ]
check "refusals are logged with the uid" \
	grep -q "control: uid $(id -u "$UR") (pid [0-9]*) may not flush" "$PORTD_LOG"
as_ctl "$UA" a_del mappings del 1
check "admin: mappings del, exit 0" [ "$(rc_of a_del)" = 0 ]
check "its kernel entry is gone" wait_entries 0
ctl_run add2 mappings add internal 192.0.2.11:8002 remote 198.51.100.20:8002 type audio_rtp
as_ctl "$UA" a_flush flush -y
check "admin: flush, exit 0 ($(cat "$TMP/a_flush.err"))" [ "$(rc_of a_flush)" = 0 ]
ctl_run empty -j mappings list
jq_ok empty 'all(.[]; .state == "quarantined")' "flush released the static mapping"

echo "== 2: a socket left world-writable"
as_ctl "$UX" x_stats stats
check "outsider at mode 0660: exit 1, refused by the file mode" \
	sh -c "[ $(rc_of x_stats) = 1 ] && grep -q 'Permission denied' '$TMP/x_stats.err'"
chmod 0666 "$CTL_SOCK"
as_ctl "$UX" x_stats2 -j stats
check "outsider at mode 0666: still refused by nat-portd, exit 4 ($(cat "$TMP/x_stats2.err"))" \
	sh -c "[ $(rc_of x_stats2) = 4 ] && [ ! -s '$TMP/x_stats2.out' ] && grep -q 'uid $(id -u "$UX") may not use the control socket' '$TMP/x_stats2.err'"
as_ctl "$UX" x_flush flush -y
check "outsider at mode 0666: flush refused, exit 4" [ "$(rc_of x_flush)" = 4 ]
chmod 0660 "$CTL_SOCK"

echo "== 3: one uid cannot take every slot"
# not through as(): $! must be the holder itself, for kill and userdel
setpriv --reuid="$(id -u "$UR")" --regid="$(id -g "$UR")" --init-groups \
	"$RAW" "$CTL_SOCK" hold 32 8 >"$TMP/hold.out" 2>&1 &
HOLD_PID=$!
bg_add "$HOLD_PID"
for i in $(seq 100); do
	grep -q "^held 32" "$TMP/hold.out" && break
	sleep 0.05
done
sleep 0.3
as_ctl "$UR" r_busy stats
check "reader's 33rd connection: exit 3, too many of its own ($(cat "$TMP/r_busy.err"))" \
	sh -c "[ $(rc_of r_busy) = 3 ] && grep -q 'too many control clients of uid $(id -u "$UR") (at most 8 per user)' '$TMP/r_busy.err'"
t0=$(date +%s%N)
ctl_run root_busy -j stats
t1=$(date +%s%N)
check "root still gets stats at once ($(((t1 - t0) / 1000000)) ms)" \
	sh -c "[ $(rc_of root_busy) = 0 ] && [ $(((t1 - t0) / 1000000)) -lt 1000 ]"
jq_ok root_busy '.control.clients <= 9' "the reader holds at most 8 slots (+ this one)"
as_ctl "$UA" a_busy stats
check "the admin user still gets stats" [ "$(rc_of a_busy)" = 0 ]
check "the per-user refusal is logged" grep -q "control: uid $(id -u "$UR") has 8 clients, refusing" "$PORTD_LOG"
kill "$HOLD_PID" 2>/dev/null || true
wait "$HOLD_PID" 2>/dev/null || true
HOLD_PID=
back() {
	local i
	for i in $(seq 100); do
		as "$UR" "$CTL_BIN" -s "$CTL_SOCK" stats >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
check "once they are closed, the reader gets stats again" back

echo "== 4: reload without an admin group"
portd_conf "control-group $RO"
n=$(grep -c "configuration reloaded" "$PORTD_LOG" || true)
kill -HUP "$PORTD_PID"
for i in $(seq 50); do
	[ "$(grep -c "configuration reloaded" "$PORTD_LOG" || true)" -gt "$n" ] && break
	sleep 0.1
done
as_ctl "$UA" a_flush2 flush -y
check "after the reload the admin user is refused, exit 4" denied a_flush2 flush
check "and told no admin group is configured" grep -q "no control-admin-group is configured" "$TMP/a_flush2.err"
ctl_run root_flush flush -y
check "root may still flush" [ "$(rc_of root_flush)" = 0 ]

echo "== 5: nothing left"
sip_final_checks
check "control socket removed on exit" [ ! -e "$CTL_SOCK" ]
finish
