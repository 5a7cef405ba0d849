#!/usr/bin/env bash
# test_calls_del.sh - nat-portctl calls del on a SIP call.
#
#   LAN sipp phone 192.0.2.10 --- router nat-portd --- WAN sipp provider
#   control socket $TMP/ctl.sock (group np-ro-PID, admin group
#   np-adm-PID); user np-r-PID is in np-ro-PID only: may read, not change
#
# 1. A call through the proxy (RTP and RTCP entries). The reader's calls
#    del is refused with exit 4 and a reason and the call and its
#    entries stay; the refusal is logged with its uid.
# 2. Root's calls del of an unknown id: exit 1, no such call; of a
#    malformed one: exit 2. calls del of the call: exit 0, the call is
#    gone from calls list, its conntrack entries and mappings go, the
#    log says who ended it, and watch saw call-end with end operator.
# 3. Nothing left (the phone's later BYE is refused: the dialog is
#    forgotten); the user and groups are removed in the trap.
set -eu
. "$(dirname "$0")/../lib/ctl.sh"
RO=np-ro-$$
ADM=np-adm-$$
UR=np-r-$$
trap cleanup EXIT
need_ctl
ctl_users_init
ctl_group_add "$RO"
ctl_group_add "$ADM"
ctl_user_add "$UR" "$RO"

topo_up
chmod 711 "$TMP" # the user must reach the socket inside it
ctl_start "control-group $RO" "control-admin-group $ADM"
in_rtr "$CTL_BIN" -s "$CTL_SOCK" watch >"$TMP/watch.out" 2>"$TMP/watch.err" &
PIDS+=($!)
WATCH_PID=$!
sleep 0.3

echo "== 1: a call; the reader may not end it"
uas uas.xml -m 1
uac_bg uac.xml -m 1 -d 20000
check "call's RTP and RTCP entries installed" wait_entries 2
ctl_run list -j calls list
jq_ok list 'length == 1 and .[0].state == "confirmed"' "calls list: one confirmed call"
ID=$(jq -r '.[0].id' "$TMP/list.out")
as_ctl "$UR" r_del calls del "$ID"
check "reader: calls del refused, exit 4 ($(cat "$TMP/r_del.err"))" \
	sh -c "[ $(rc_of r_del) = 4 ] && grep -q 'permission denied: calls del changes state' '$TMP/r_del.err'"
check "the refusal is logged with the uid" \
	grep -q "uid $(id -u "$UR").*calls del\|calls del.*uid $(id -u "$UR")" "$PORTD_LOG"
ctl_run still -j calls list
jq_ok still "length == 1 and .[0].id == $ID" "the call is still there"
check "its entries are still there" np_entries_are 2

echo "== 2: root ends it"
ctl_run del_none calls del 99
check "calls del 99: exit 1, no such call" \
	sh -c "[ $(rc_of del_none) = 1 ] && grep -q 'no call 99' '$TMP/del_none.err'"
ctl_run del_bad calls del x1
check "calls del x1: exit 2 (usage)" [ "$(rc_of del_bad)" = 2 ]
ctl_run del calls del "$ID"
check "calls del $ID: exit 0 ($(cat "$TMP/del.err"))" [ "$(rc_of del)" = 0 ]
ctl_run after -j calls list
jq_ok after 'length == 0' "calls list is empty"
check "the call's conntrack entries are gone" wait_entries 0
ctl_run st -j stats
jq_ok st '.calls == 0 and .mappings_active == 0 and .calls_ended == 1' "stats: no call, no active mapping, one ended"
check "the log names the operator's end" \
	grep -q "control: sip session $ID .* ended by uid 0" "$PORTD_LOG"
ctl_run del_again calls del "$ID"
check "calls del $ID again: exit 1" [ "$(rc_of del_again)" = 1 ]
sleep 0.5
kill "$WATCH_PID" 2>/dev/null || true
wait "$WATCH_PID" 2>/dev/null || true
check "watch: call-end with end operator" \
	grep -q "^event call-end id $ID .* state ended end operator" "$TMP/watch.out"
check "watch: no call-end with another reason" \
	not grep -q "^event call-end id $ID .* end [^o]" "$TMP/watch.out"

echo "== 3: nothing left"
# the phone's BYE is answered without a call; its sipp may then fail
wait_pid "$UAC_PID" || true
sip_final_checks
finish
