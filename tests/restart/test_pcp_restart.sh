#!/usr/bin/env bash
# test_pcp_restart.sh - PCP leases survive kill -9 of nat-portd with their
# remaining lifetime, carry media meanwhile, and then expire on time.
#
#   LAN app (np-pcp, np-udp)     router: nat-portd         WAN peer (np-udp)
#   192.0.2.10:8000 (single) --- PCP 192.0.2.1:5351  ----- 198.51.100.20:7200
#   192.0.2.10:8002/8003 (pair)  198.51.100.1:EXT
#
# 1. MAP 8000 (lifetime 120 s, the minimum) and a MAP pair 8002/8003; media
#    both ways through the first (the WAN peer sends to the external port
#    it was given: the endpoint-independent inbound side).
# 2. kill -9, 2 s down, restart: "3 pcp leases" restored; calls list
#    shows the same leases (internal, external, kind, peer) and their
#    lifetime left went down by the time that passed, it did not start
#    again at 120 s; the inbound elements are there again.
# 3. zero lost packets both ways; a WAN flow started after the restart
#    reaches the app (the kernel's inbound side was programmed again).
# 4. the leases end with reason expired when their lifetime, counted from
#    the grant before the restart, runs out; nothing left.
set -eu
. "$(dirname "$0")/lib_restart.sh"
# pcp.sh sources common.sh again, which makes a new $TMP: drop the first
FIRST_TMP=$TMP
# shellcheck source=../lib/pcp.sh
. "$(dirname "$0")/../lib/pcp.sh"
rmdir "$FIRST_TMP"
trap cleanup EXIT
need_restart jq
CONF=("release-on-stop no" "adopt-grace 2s")
pcp_up "${CONF[@]}"
rcount_up
lease_list() { # the leases, what must not change across a restart
	ctl -j calls list | jq -c '[.[] | select(.owner == "pcp") |
		{id, key, kind, internal, external, peer, protocol}] | sort_by(.id)'
}
lifetime_left() { # lifetime_left INTERNAL -> seconds
	ctl -j calls list | jq -r --arg i "$1" \
		'.[] | select(.owner == "pcp" and .internal == $i) | .lifetime_left'
}

echo "== 1: leases, media through one"
read -r res ext lt < <(in_lan "$NPPCP" one -s $RTR_LAN -l $LAN_IP -p 8000 -t 120)
T_GRANT=$(date +%s)
check "MAP 8000: $res, external port $ext, lifetime $lt" [ "$res" = SUCCESS ]
out=$(in_lan "$NPPCP" many -s $RTR_LAN -l $LAN_IP -p 8002 -n 2 -t 120 || true)
check "MAP pair 8002/8003 ($out)" [ "$out" = "ok 2 failed 0 -" ]
check "three inbound elements" [ "$(inbound_count)" = 3 ]
lease_list >"$TMP/leases.before"
cat "$TMP/leases.before"
check "calls list: three pcp leases" [ "$(jq length "$TMP/leases.before")" = 3 ]
media_up 8000 "$ext" 1.5

echo "== 2: kill -9, 2 s down, restart"
portd_kill9
portd_restart_log "pcp-rate 5000" "max-mappings-per-client 4096" "${CONF[@]}"
T_UP=$(date +%s)
check "the three leases were restored" \
	grep -q "restart: .* (3 mappings, 0 failed), 0 bindings, 0 static mappings, 3 pcp leases, 0 ng calls" "$PORTD_LOG"
lease_list >"$TMP/leases.after"
check "calls list shows the same leases (ids, ports, kinds, partners' keys)" \
	cmp -s "$TMP/leases.before" "$TMP/leases.after"
left=$(lifetime_left "$LAN_IP:8000")
max=$((120 - (T_UP - T_GRANT) + 1))
check "lifetime left is kept: $left s <= $max s (120 s less the $((T_UP - T_GRANT)) s that passed)" \
	[ -n "$left" ] && check "... and positive" [ "${left:-0}" -gt 0 ] && check "... and not restarted" [ "$left" -le "$max" ]
check "the inbound elements are programmed again" wait_until 30 sh -c "[ \$(ip netns exec $NS_RTR nft list map inet natport pcp_in 2>/dev/null | grep -oE '[0-9]+ timeout' | wc -l) = 3 ]"

echo "== 3: media"
media_lost_check app "WAN peer" \
	"zero lost packets across the restart: both talkers got all 2000"
media_lag_report app peer
media_lag_check
# a new flow from the WAN (another source port): only the restored
# inbound element can let it in
bg "$NS_LAN" "$NPUDP" talk -b "$LAN_IP:8002" -d "$WAN_IP:7300" -n 20 -i 20000 -t 3000 -w 300 >"$TMP/new_lan.out" 2>&1
NEW_LAN=$!
ext2=$(ctl -j calls list | jq -r --arg i "$LAN_IP:8002" '.[] | select(.owner == "pcp" and .internal == $i) | .external')
bg "$NS_WAN" "$NPUDP" talk -b "$WAN_IP:7300" -d "$ext2" -n 20 -i 20000 -t 3000 -w 300 >"$TMP/new_wan.out" 2>&1
NEW_WAN=$!
check "a WAN flow started after the restart reaches the app through lease 8002 ($ext2)" wait_pid "$NEW_LAN"
wait_pid "$NEW_WAN" || true

echo "== 4: expiry on the original schedule"
gone() { ! ctl calls list | grep -q 'owner pcp'; }
wait_s=$((T_GRANT + 120 + 8 - $(date +%s)))
check "every lease ended within 120 s of its grant (+8 s slack)" wait_until $((wait_s * 10)) gone
T_END=$(date +%s)
echo "leases ended $((T_END - T_GRANT)) s after the grant"
check "...not before their lifetime ran out ($((T_END - T_GRANT)) s >= 119 s)" [ $((T_END - T_GRANT)) -ge 119 ]
n=$(ctl -j stats | jq .pcp.leases_expired)
check "the new instance expired the three leases (leases_expired $n)" [ "$n" = 3 ]
check "no inbound element left" wait_until 30 sh -c "[ \$(ip netns exec $NS_RTR nft list map inet natport pcp_in 2>/dev/null | grep -oE '[0-9]+ timeout' | wc -l) = 0 ]"
restart_final_checks "pcp-rate 5000" "max-mappings-per-client 4096" "${CONF[@]}"
finish
