#!/usr/bin/env bash
# test_v6_restart.sh - an IPv6 pinhole survives kill -9 of nat-portd: the
# new instance adopts its entry (it used to delete every IPv6 entry: their
# external ports are not in the IPv4 range) and keeps it open.
#
#   LAN host                      router: nat-portd             WAN peer
#   [2001:db8:1::10]:8000 ------- pinhole (no NAT) ------------ [2001:db8:2::20]:7200
#                                 forward policy drop, established only
#
# 1. nat-portctl mappings add internal [2001:db8:1::10]:8000 remote
#    [2001:db8:2::20]:7200: a static pinhole, external == internal, one
#    IPv6 natport entry; np-udp talkers both ways for 6 s.
# 2. kill -9, 2 s down, restart: the entry adopted and claimed ("1 kernel
#    entries adopted ... 1 static mappings ... 0 rejected"), listed as
#    before; zero packets lost.
# 3. 7 s of silence (past adopt-grace and the router's 5 s UDP stream
#    timeout): the entry is still there (refreshed by the new instance),
#    and a flow from the WAN alone reaches the LAN host through the
#    default-drop forward policy: only the pinhole lets it in.
# 4. mappings del removes it; nothing left.
set -eu
. "$(dirname "$0")/lib_restart.sh"
trap cleanup EXIT
need_restart jq
sip_up
topo_v6
CONF=("lan-prefix 192.0.2.0/24" "lan-prefix 2001:db8:1::/64"
	"release-on-stop no" "adopt-grace 2s")
portd_start "${CONF[@]}"
CTL() { "$BIN/nat-portctl" -s "$TMP/ctl.sock" "$@"; }
np6_entries() {
	in_rtr conntrack -L -f ipv6 -p udp 2>/dev/null | awk -v tag=$((NP_MARK_TAG)) '{
		for (i = 1; i <= NF; i++) if ($i ~ /^mark=/) {
			split($i, m, "="); if (int(m[2] / 65536) == tag) print } }' | wc -l
}
np6_are() { [ "$(np6_entries)" = "$1" ]; }
maps_snapshot() {
	CTL -j mappings list | jq -c '[.[] | {id, type, state, internal, external, remote, owner}]'
}
L="[$LAN6_IP]:8000"
W="[$WAN6_IP]:7200"

echo "== 1: an IPv6 pinhole with media"
CTL -j mappings add internal "$L" remote "$W" type audio_rtp >"$TMP/add.out"
cat "$TMP/add.out"
ID=$(jq -r .id "$TMP/add.out")
check "a pinhole: external == internal ($(jq -r .external "$TMP/add.out"))" \
	[ "$(jq -r .external "$TMP/add.out")" = "$(jq -r .internal "$TMP/add.out")" ]
check "its IPv6 entry is in the kernel" wait_until 50 np6_are 1
maps_snapshot >"$TMP/maps.before"
bg "$NS_LAN" "$NPUDP" talk -b "$L" -d "$W" -n 1200 -i 5000 -t 3000 -w 300 >"$TMP/t_lan.out" 2>&1
T_LAN=$!
bg "$NS_WAN" "$NPUDP" talk -b "$W" -d "$L" -n 1200 -i 5000 -t 3000 -w 300 >"$TMP/t_wan.out" 2>&1
T_WAN=$!
sleep 1.5

echo "== 2: kill -9, 2 s down, restart"
portd_kill9
check "the IPv6 entry outlived the daemon" np6_are 1
portd_restart_log "${CONF[@]}"
check "the IPv6 entry adopted and claimed, none rejected" \
	grep -q "restart: 1 kernel entries adopted, 0 calls restored (1 mappings, 0 failed), 0 bindings, 1 static mappings, .* 0 entries left unclaimed, 0 rejected" "$PORTD_LOG"
maps_snapshot >"$TMP/maps.after"
check "mappings list shows the same pinhole" cmp -s "$TMP/maps.before" "$TMP/maps.after"
check "the LAN host got all 1200 packets" wait_pid "$T_LAN"
check "the WAN peer got all 1200 packets" wait_pid "$T_WAN"
echo "LAN $(sed -n 's/^total //p' "$TMP/t_lan.out"), WAN $(sed -n 's/^total //p' "$TMP/t_wan.out") of 1200"

echo "== 3: silence past the grace and the UDP timeout, then the WAN alone"
sleep 7
check "the entry is still there (the new instance refreshes it)" np6_are 1
bg "$NS_LAN" "$NPUDP" recv -b "$L" -n 20 -t 5000 >"$TMP/recv.out" 2>&1
R=$!
sleep 0.3
in_wan "$NPUDP" send -b "$W" -d "$L" -n 20 -i 20000 >/dev/null 2>&1
check "a WAN-only flow reaches the LAN host through the pinhole" wait_pid "$R"
cat "$TMP/recv.out"

echo "== 4: delete"
check "mappings del $ID: exit 0" CTL mappings del "$ID"
check "its entry is gone" wait_until 50 np6_are 0
restart_final_checks "${CONF[@]}"
check "no IPv6 natport entry left" np6_are 0
finish
