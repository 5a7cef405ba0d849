#!/usr/bin/env bash
# test_ctl.sh - PCP leases seen and ended by the operator (nat-portctl).
#
#   LAN app 192.0.2.10:6000/6001, 6002 (np-pcp client)
#     --- router nat-portd (PCP 192.0.2.1:5351) --- WAN 198.51.100.20
#
# 1. A MAP of a pair: in calls list as two sessions of owner pcp with
#    lifetime left; mappings list (text, JSON) and watch's mapping
#    events name them owner pcp with the lease's session id and internal
#    endpoint; watch saw their call-new; stats and Prometheus count
#    the requests, the successes and the leases open.
# 2. A refused request (THIRD_PARTY, off by default) counts as an error
#    response.
# 3. calls del of the RTP lease: exit 0, the lease leaves calls list, its
#    nft inbound element goes (the RTCP one stays), a new flow from the
#    WAN no longer reaches the application; watch saw call-end with end
#    operator; stats count it deleted.
# 4. A lease narrowed by PEER (a natport conntrack entry): calls del
#    removes the entry.
# 5. Nothing left.
set -eu
. "$(dirname "$0")/../lib/pcp.sh"
trap cleanup EXIT
pcp_up
in_rtr "$CTL_BIN" -s "$CTL_SOCK" watch >"$TMP/watch.out" 2>"$TMP/watch.err" &
PIDS+=($!)
WATCH_PID=$!
"$CTL_BIN" -n "$NS_RTR" -s "$CTL_SOCK" -j watch >"$TMP/watchj.out" 2>"$TMP/watchj.err" &
PIDS+=($!)
WATCHJ_PID=$!
sleep 0.3
ctl_run st0 -j stats
jq_ok st0 '.pcp.leases == 0 and .pcp.responses_success == 0' "stats before: no lease, no response"
pcp_client -t 600

echo "== 1: a pair is leased; calls list, stats, Prometheus"
pcpcmd "map 6000 pair"
read -r ok _ ext lt <<<"$REPLY"
check "MAP of a pair answers ($REPLY)" [ "$ok" = ok ]
both_in() { inbound_has "$1" && inbound_has $(($1 + 1)); }
check "inbound elements for $ext and $((ext + 1))" both_in "$ext"
ctl_run list -j calls list
jq_ok list '[.[] | select(.owner == "pcp")] | length == 2' "calls list: two sessions of owner pcp"
jq_ok list '[.[] | select(.owner == "pcp") | .lifetime_left | tonumber] | all(. > 500 and . <= 600)' \
	"calls list: lifetime left is near 600 s"
# the lease holding the external RTP port, by its session id
RTP_ID=$(jq -r --arg e "$RTR_WAN:$ext" \
	'[.[] | select(.owner == "pcp") | select(tostring | contains($e + "\""))][0].id' "$TMP/list.out")
check "the RTP lease has a session id ($RTP_ID)" [ "$RTP_ID" -gt 0 ] 2>/dev/null
ctl_run maps -j mappings list
jq_ok maps "[.[] | select(.internal == \"$LAN_IP:6000\")] | length == 1 and all(.owner == \"pcp\" and .call == $RTP_ID and .lease == \"$LAN_IP:6000/udp\" and (has(\"call_id\") | not))" \
	"mappings list -j: the RTP lease's mapping is owner pcp, call $RTP_ID, lease $LAN_IP:6000/udp"
jq_ok maps '[.[] | select(.owner == "pcp")] | length == 2' "mappings list -j: both leases' mappings are owner pcp"
MAP_ID=$(jq -r --arg i "$LAN_IP:6000" '.[] | select(.internal == $i) | .id' "$TMP/maps.out")
ctl_run del_map mappings del "$MAP_ID"
check "mappings del of the lease's mapping $MAP_ID: exit 1, names pcp call $RTP_ID" \
	sh -c "[ $(rc_of del_map) = 1 ] && grep -q 'belongs to pcp call $RTP_ID' '$TMP/del_map.err'"
ctl_run maps_txt mappings list
check "mappings list (text): owner pcp call $RTP_ID lease $LAN_IP:6000/udp" \
	grep -q "internal $LAN_IP:6000 .* owner pcp call $RTP_ID lease $LAN_IP:6000/udp age " "$TMP/maps_txt.out"
check "mappings list (text): no mapping says owner sip" not grep -q "owner sip" "$TMP/maps_txt.out"
ctl_run list_txt calls list
check "calls list (text): owner pcp and lifetime_left" \
	sh -c "grep -q 'owner pcp' '$TMP/list_txt.out' && grep -q 'lifetime_left' '$TMP/list_txt.out'"
ctl_run st1 -j stats
jq_ok st1 '.pcp.requests >= 2 and .pcp.responses_success >= 2 and .pcp.leases == 2 and .pcp.leases_created == 2' \
	"stats: PCP requests, successes and leases rose"
ctl_run prom stats --prometheus
for m in "natport_pcp_requests_total" "natport_pcp_responses_success_total" \
	"natport_pcp_responses_error_total" "natport_pcp_rate_limited_total" \
	"natport_pcp_leases_expired_total" "natport_pcp_leases_deleted_total"; do
	check "Prometheus: counter $m" grep -q "^# TYPE $m counter" "$TMP/prom.out"
done
check "Prometheus: gauge natport_pcp_leases is 2" grep -qx "natport_pcp_leases 2" "$TMP/prom.out"
req=$(sed -n 's/^natport_pcp_requests_total //p' "$TMP/prom.out")
check "Prometheus: natport_pcp_requests_total rose ($req)" [ "${req:-0}" -ge 2 ]

echo "== 2: a refused request is an error response"
out=$(in_lan "$NPPCP" one -s $RTR_LAN -l $LAN_IP -p 6010 -t 600 -3 192.0.2.11 || true)
check "THIRD_PARTY refused ($out)" not grep -q "^SUCCESS" <<<"$out"
ctl_run st2 -j stats
jq_ok st2 ".pcp.responses_error >= 1 and .pcp.requests > $(jq .pcp.requests "$TMP/st1.out")" \
	"stats: the refusal counted as an error response"

echo "== 3: calls del of the RTP lease"
bg "$NS_LAN" "$NPUDP" recv -b $LAN_IP:6000 -n 5 -t 5000
RECV=$!
sleep 0.3
in_wan "$NPUDP" send -b $WAN_IP:7000 -d $RTR_WAN:"$ext" -n 5 -i 2000 >/dev/null
check "before: RTP from the WAN reaches the application" wait_pid $RECV
ctl_run del calls del "$RTP_ID"
check "calls del $RTP_ID: exit 0 ($(cat "$TMP/del.err"))" [ "$(rc_of del)" = 0 ]
check "its inbound element is gone" not inbound_has "$ext"
check "the RTCP lease's element stays" inbound_has $((ext + 1))
ctl_run list2 -j calls list
jq_ok list2 "[.[] | select(.owner == \"pcp\")] | length == 1 and all(.id != $RTP_ID)" \
	"calls list: the lease is gone, the RTCP one left"
# a new flow (another source port) no longer gets in
bg "$NS_LAN" "$NPUDP" recv -b $LAN_IP:6000 -n 5 -t 3000 >"$TMP/lrecv.out"
RECV=$!
sleep 0.3
in_wan "$NPUDP" send -b $WAN_IP:7100 -d $RTR_WAN:"$ext" -n 5 -i 2000 >/dev/null
wait_pid $RECV || true
check "a new flow to $ext no longer reaches the application" not grep -q "from $WAN_IP:7100" "$TMP/lrecv.out"
ctl_run st3 -j stats
jq_ok st3 '.pcp.leases == 1 and .pcp.leases_deleted >= 1' "stats: one lease left, one deleted"
check "the log names the operator's end" \
	grep -q "control: pcp session $RTP_ID .* ended by uid 0" "$PORTD_LOG"

echo "== 4: a PEER lease's conntrack entry goes with calls del"
pcpcmd "map 6002 single"
read -r ok pid pext _ <<<"$REPLY"
check "MAP of one port ($REPLY)" [ "$ok" = ok ]
pcpcmd "peer $pid $WAN_IP:7002"
check "PEER narrows it ($REPLY)" [ "$REPLY" = ok ]
check "its natport conntrack entry is there" wait_until 30 np_entries_are 1
ctl_run list3 -j calls list
PEER_ID=$(jq -r --arg e "$RTR_WAN:$pext" \
	'[.[] | select(.owner == "pcp") | select(tostring | contains($e + "\""))][0].id' "$TMP/list3.out")
check "the PEER lease has a session id ($PEER_ID)" [ "$PEER_ID" -gt 0 ] 2>/dev/null
ctl_run del2 calls del "$PEER_ID"
check "calls del $PEER_ID: exit 0" [ "$(rc_of del2)" = 0 ]
check "its conntrack entry is gone" wait_until 30 np_entries_are 0
ctl_run del_again calls del "$RTP_ID"
check "calls del $RTP_ID again: exit 1" [ "$(rc_of del_again)" = 1 ]

echo "== 5: watch saw it; nothing left"
pcp_client_stop # releases the RTCP lease
no_lease() { ! ctl calls list | grep -q 'owner pcp'; }
check "every lease gone" wait_until 50 no_lease
sleep 0.5
kill "$WATCH_PID" "$WATCHJ_PID" 2>/dev/null || true
wait "$WATCH_PID" "$WATCHJ_PID" 2>/dev/null || true
check "watch: mapping-created of the RTP lease names it" \
	grep -q "^event mapping-created .* internal $LAN_IP:6000 .* owner pcp call $RTP_ID lease $LAN_IP:6000/udp" "$TMP/watch.out"
check "watch -j: mapping-released of the RTP lease, owner pcp" \
	sh -c "jq -e -s 'map(select(.event == \"mapping-released\" and .call == $RTP_ID and .owner == \"pcp\")) | length >= 1' '$TMP/watchj.out' >/dev/null"
check "watch: call-new of the RTP lease" grep -q "^event call-new id $RTP_ID .*owner pcp" "$TMP/watch.out"
check "watch: call-end of the RTP lease with end operator" \
	grep -q "^event call-end id $RTP_ID .*end operator" "$TMP/watch.out"
check "watch: call-end of the PEER lease with end operator" \
	grep -q "^event call-end id $PEER_ID .*end operator" "$TMP/watch.out"
check "watch -j: the RTP lease's new and end events" \
	sh -c "jq -e -s 'map(select(.id == $RTP_ID and .owner == \"pcp\") | .event) | index(\"call-new\") != null and index(\"call-end\") != null' '$TMP/watchj.out' >/dev/null"
pcp_final_checks
finish
