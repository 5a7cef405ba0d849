#!/usr/bin/env bash
# test_bare_router.sh - a router with no firewall at all still forwards
# natport's media: libnatport's own nft table registers the conntrack and
# NAT hooks that a namespace otherwise only gets from rules that use them.
#
#   LAN client            router (no nft rules, no masquerade)    WAN peer
#   192.0.2.10 [c0]--[r0] 192.0.2.1 | 198.51.100.1 [r1]--[w0] 198.51.100.20
set -eu
cd "$(dirname "$0")/../.."
. tests/lib/map.sh
trap cleanup EXIT

topo_up
in_rtr nft flush ruleset
check "router has no ruleset" test -z "$(in_rtr nft list ruleset)"

map_start -p 20000-20009
check "libnatport made its table" in_rtr nft list table inet natport
mapcmd "get audio_rtp $LAN_IP 4000 $WAN_IP:6000"
read -r st ID EXT P <<<"$REPLY"
check "mapping with remote ($REPLY)" test "$st" = ok

U=$BIN/tests/np-udp
in_wan "$U" talk -b $WAN_IP:6000 -d $EXT:$P -n 20 -i 1000 -t 3000 -w 300 \
	>"$TMP/wan" &
wp=$!
in_lan "$U" talk -b $LAN_IP:4000 -d $WAN_IP:6000 -n 20 -i 1000 -t 3000 \
	-w 300 >"$TMP/lan" || true
wait $wp || true
check "client got the peer's packets from the peer's address" \
	grep -qx "recv 20 from $WAN_IP:6000" "$TMP/lan"
check "peer got the client's packets from the external port" \
	grep -qx "recv 20 from $EXT:$P" "$TMP/wan"
mapcmd "counters $ID"
check "the kernel counted both directions ($REPLY)" \
	starts "ok pkts_in=20 bytes_in=4000 pkts_out=20 " # 20+8+172 bytes

# a firewall reload that flushes everything: the table comes back at once
in_rtr nft flush ruleset
mapcmd "sleep 200"
check "table re-created after 'nft flush ruleset'" \
	in_rtr nft list table inet natport
check "counted as restored" test "$(stat_of nft_restored)" -ge 1
in_lan "$U" recv -b $LAN_IP:4000 -n 3 -t 3000 >"$TMP/lan2" &
rp=$!
sleep 0.2
in_wan "$U" send -b $WAN_IP:6000 -d $EXT:$P -n 3
wait $rp || true
check "media still flows after the flush" grep -qx "total 3" "$TMP/lan2"

# the kernel's SIP ALG: not configured, then configured by an operator
mapcmd sipalg
check "no SIP ALG configured ($REPLY)" test "$REPLY" = "ok none"
in_rtr nft -f - <<'NFT'
table inet alg {
	ct helper sip5060 { type "sip" protocol udp; l3proto ip; }
	chain pre {
		type filter hook prerouting priority filter;
		udp dport 5060 ct helper set "sip5060"
	}
}
NFT
mapcmd sipalg
check "a configured SIP ALG is detected and named ($REPLY)" \
	starts "ok active ct helper sip5060 in table inet alg"

map_stop
check "no natport entry left" test "$(np_entries)" = 0
check "table removed on close" not in_rtr nft list table inet natport
finish
