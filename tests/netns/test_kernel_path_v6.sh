#!/usr/bin/env bash
# test_kernel_path_v6.sh - libnatport's kernel media path over IPv6: the
# pinhole shape (global LAN addresses, no translation) and NAT66.
#
#   LAN phone                router (np-map)                  WAN peers
#   2001:db8:1::10 [c0]--[r0] 2001:db8:1::1 | 2001:db8:2::1 [r1]--[w0]
#                                                   2001:db8:2::20 (remote)
#                                                   2001:db8:2::21 (other)
#
# The router's forward policy drops by default and accepts only
# `ct state established,related` and LAN -> WAN, so nothing from the WAN
# reaches the phone unless a natport entry lets it. An operator's IPv6
# masquerade on r1 is there too: a pinhole must not be rewritten by it.
# The UDP conntrack timeouts (3 s / 5 s, net.netfilter.
# nf_conntrack_udp_timeout*: one pair of sysctls for both families) are
# short, so a silent call must be held by natport's refresh.
set -eu
cd "$(dirname "$0")/../.."
. tests/lib/map.sh
trap cleanup EXIT

topo_up
topo_v6
WAN6_OTHER=2001:db8:2::21
in_wan ip addr add $WAN6_OTHER/64 dev w0 nodad
in_rtr nft -f - <<NFT
table ip6 nat {
	chain postrouting {
		type nat hook postrouting priority srcnat;
		oifname "r1" masquerade
	}
}
NFT
U=$BIN/tests/np-udp

# natport's entries of one family (conntrack -L lists one family at a time)
np6_entries() {
	in_rtr conntrack -L -f ipv6 -p udp 2>/dev/null |
		awk -v tag=$((NP_MARK_TAG)) '{
		for (i = 1; i <= NF; i++) if ($i ~ /^mark=/) {
			split($i, m, "="); if (int(m[2] / 65536) == tag) print } }' |
		wc -l
}


P=[$LAN6_IP]
R=[$WAN6_IP]
O=[$WAN6_OTHER]

# --- pinholes: a handle with IPv4 and IPv6 LANs --------------------------
map_start -p 20000-20005 -q 1000 -l 2001:db8:1::/64

check "before any mapping the WAN cannot reach the phone" \
	not flow "$NS_WAN" $R:6000 $P:4000 "$NS_LAN" $P:4000 $R:6000

mapcmd "get audio_rtp $LAN6_IP 4000"
read -r st RTP_ID EXT RTP_EXT <<<"$REPLY"
check "IPv6 RTP mapping is a pinhole: external = internal ($REPLY)" \
	test "$st" = ok -a "$EXT" = "$LAN6_IP" -a "$RTP_EXT" = 4000
mapcmd "get audio_rtcp $LAN6_IP 4001"
read -r st RTCP_ID _ RTCP_EXT <<<"$REPLY"
check "IPv6 RTCP pinhole on the phone's own RTP+1 ($REPLY)" \
	test "$st" = ok -a "$RTCP_EXT" = 4001
check "no port of the range is used by pinholes" \
	test "$(stat_of ports_held)" = 0
check "nothing in the kernel before the remote is known" \
	test "$(np6_entries)" = 0

mapcmd "update $EXT $RTP_EXT $WAN6_IP 6000"
check "update remote (RTP) accepted ($REPLY)" starts "ok "
mapcmd "update $EXT $RTCP_EXT $R:6001"
mapcmd "update $EXT $RTCP_EXT $WAN6_IP 6001"
check "update remote (RTCP) accepted ($REPLY)" starts "ok "
check "two IPv6 natport entries" test "$(np6_entries)" = 2
check "the pinhole entry has no NAT (reply = phone -> remote)" \
	bash -c "ip netns exec $NS_RTR conntrack -L -f ipv6 -p udp 2>/dev/null | grep -q 'src=$WAN6_IP dst=$LAN6_IP sport=6000 dport=4000 .*src=$LAN6_IP dst=$WAN6_IP sport=4000 dport=6000 .*ASSURED'"

check "remote -> phone through the default-drop forward policy" \
	flow "$NS_WAN" $R:6000 $P:4000 "$NS_LAN" $P:4000 $R:6000
check "phone -> remote keeps its own address and port" \
	flow "$NS_LAN" $P:4000 $R:6000 "$NS_WAN" $R:6000 $P:4000
check "RTCP remote -> phone" \
	flow "$NS_WAN" $R:6001 $P:4001 "$NS_LAN" $P:4001 $R:6001
mapcmd "counters $RTP_ID"
check "kernel counters rose both ways ($REPLY)" \
	bash -c "echo '$REPLY' | grep -q 'pkts_in=3 .*pkts_out=3 '"
check "nat-portctl kernel list shows the IPv6 entries, bracketed" \
	bash -c "$BIN/nat-portctl -n $NS_RTR kernel list | grep -F '[$LAN6_IP]:4000' | grep -qF '[$WAN6_IP]:6000'"
check "nat-portctl kernel list -j has them too" \
	bash -c "$BIN/nat-portctl -n $NS_RTR -j kernel list | grep -qF '\"[$LAN6_IP]:4001\"'"
check "another remote cannot use the pinhole" \
	not flow "$NS_WAN" $O:6000 $P:4000 "$NS_LAN" $P:4000 $O:6000
check "the remote cannot reach another port of the phone" \
	not flow "$NS_WAN" $R:6000 $P:4002 "$NS_LAN" $P:4002 $R:6000

# --- hold across the UDP timeouts ------------------------------------------
# an ordinary IPv6 flow, to show the short timeouts apply to IPv6 too
in_lan "$U" send -b $P:4500 -d $R:6500 -n 1
check "an ordinary IPv6 UDP flow is tracked" \
	bash -c "ip netns exec $NS_RTR conntrack -L -f ipv6 -p udp --sport 4500 2>/dev/null | grep -q dport=6500"
mapcmd "sleep 9000" # 9 s of silence > 3 s unreplied, 5 s stream timeout
check "...and gone after 9 s: the 3 s timeout holds for IPv6" \
	not bash -c "ip netns exec $NS_RTR conntrack -L -f ipv6 -p udp --sport 4500 2>/dev/null | grep -q dport=6500"
check "IPv6 entries still there after 9 s of silence" \
	test "$(np6_entries)" = 2
check "refreshes happened ($(stat_of refreshes))" \
	test "$(stat_of refreshes)" -gt 0
check "media still flows after the silence" \
	flow "$NS_WAN" $R:6000 $P:4000 "$NS_LAN" $P:4000 $R:6000

# --- the remote moves ------------------------------------------------------
mapcmd "update $EXT $RTP_EXT $WAN6_OTHER 7000"
check "remote moved ($REPLY)" starts "ok "
check "media from the new remote arrives" \
	flow "$NS_WAN" $O:7000 $P:4000 "$NS_LAN" $P:4000 $O:7000
check "the old remote is shut out again" \
	not flow "$NS_WAN" $R:6000 $P:4000 "$NS_LAN" $P:4000 $R:6000
check "still 2 IPv6 entries" test "$(np6_entries)" = 2

# --- the kernel loses the entries: they come back --------------------------
in_rtr conntrack -D -f ipv6 -m $NP_MARK_MASK >/dev/null 2>&1 || true
mapcmd "sleep 300"
check "IPv6 entries re-created after conntrack -D ($(stat_of kernel_restored) restored)" \
	test "$(np6_entries)" = 2 -a "$(stat_of kernel_restored)" -ge 2
check "media flows after the restore" \
	flow "$NS_WAN" $O:7000 $P:4000 "$NS_LAN" $P:4000 $O:7000

# --- bad input ------------------------------------------------------------
expect_err() { # expect_err token command
	mapcmd "$2"
	check "bad input '$2' -> $1" starts "err $1 "
}
expect_err notsup "update $EXT $RTP_EXT $WAN_IP 6000"
expect_err notsup "get audio_rtp $LAN_IP 4100 $R:6000"
expect_err badaddr "get audio_rtp 2001:db8:3::10 4000"
expect_err badaddr "get audio_rtp fe80::10 4000"
expect_err badaddr "update $EXT $RTP_EXT ff02::1 6000"
expect_err badaddr "update $EXT $RTP_EXT ::1 6000"
expect_err badaddr "update $EXT $RTP_EXT ::ffff:198.51.100.20 6000"
expect_err badaddr "update $EXT $RTP_EXT $RTR6_WAN 6000"
expect_err badaddr "update $EXT $RTP_EXT 2001:db8:1::20 6000"
expect_err noent "update $LAN6_IP 4010 $WAN6_IP 6000"
check "bad input changed nothing" \
	test "$(stat_of mappings)" = 2 -a "$(np6_entries)" = 2

# --- IPv4 and IPv6 in one handle at the same time --------------------------
mapcmd "get audio_rtp $LAN_IP 4000 $WAN_IP:6000"
read -r st ID4 EXT4 P4 <<<"$REPLY"
check "an IPv4 mapping beside the pinholes ($REPLY)" test "$st" = ok
check "IPv4 media flows" \
	flow "$NS_WAN" $WAN_IP:6000 $EXT4:$P4 "$NS_LAN" $LAN_IP:4000 $WAN_IP:6000
check "IPv6 media still flows" \
	flow "$NS_WAN" $O:7000 $P:4000 "$NS_LAN" $P:4000 $O:7000

# --- release ---------------------------------------------------------------
mapcmd "release $LAN6_IP 4000 $EXT $RTP_EXT"
check "release RTP pinhole" test "$REPLY" = ok
mapcmd "release $LAN6_IP 4000 $EXT $RTP_EXT"
check "release again: unknown ($REPLY)" starts "err noent "
mapcmd "release-id $RTCP_ID"
check "release RTCP pinhole" test "$REPLY" = ok
check "no IPv6 natport entry left after release" test "$(np6_entries)" = 0
check "the pinhole is closed after release" \
	not flow "$NS_WAN" $O:7000 $P:4000 "$NS_LAN" $P:4000 $O:7000
map_stop
check "closing removes every entry" \
	test "$(np6_entries)" = 0 -a "$(np_entries)" = 0

# --- NAT66: the phone behind the router's one global address --------------
map_start -p 20000-20005 -q 1000 -l 2001:db8:1::/64 -E $RTR6_WAN -N
mapcmd "get audio_rtp $LAN6_IP 4000"
read -r st N_ID NEXT NPORT <<<"$REPLY"
check "NAT66 mapping on the router's address, even port ($REPLY)" \
	test "$st" = ok -a "$NEXT" = "$RTR6_WAN" -a $((NPORT % 2)) = 0 \
	-a "$NPORT" -ge 20000 -a "$NPORT" -le 20005
mapcmd "get audio_rtcp $LAN6_IP 4001"
read -r st _ _ NPORT1 <<<"$REPLY"
check "NAT66 RTCP takes RTP+1 ($REPLY)" \
	test "$st" = ok -a "$NPORT1" = $((NPORT + 1))
mapcmd "update $NEXT $NPORT $WAN6_IP 6000"
check "NAT66 update remote ($REPLY)" starts "ok "
mapcmd "update $NEXT $NPORT1 $WAN6_IP 6001"
N=[$RTR6_WAN]
check "remote -> router:port is DNATed to the phone" \
	flow "$NS_WAN" $R:6000 $N:$NPORT "$NS_LAN" $P:4000 $R:6000
check "phone -> remote leaves from the router's address and port" \
	flow "$NS_LAN" $P:4000 $R:6000 "$NS_WAN" $R:6000 $N:$NPORT
check "NAT66 RTCP both ways" \
	flow "$NS_LAN" $P:4001 $R:6001 "$NS_WAN" $R:6001 $N:$NPORT1
mapcmd "counters $N_ID"
check "NAT66 counters rose both ways ($REPLY)" \
	bash -c "echo '$REPLY' | grep -q 'pkts_in=3 .*pkts_out=3 '"
S0=$(stat_of stray)
in_wan "$U" send -b $R:6100 -d $N:20004 -n 2
check "a stray to an unmapped port of the IPv6 address is dropped, counted ($(stat_of stray))" \
	test "$(stat_of stray)" -ge $((S0 + 2))
check "the IPv6 guard rule is in natport's table" \
	bash -c "ip netns exec $NS_RTR nft list chain inet natport guard | grep -q 'ip6 daddr'"
mapcmd "sleep 9000"
check "NAT66 entries held across the UDP timeouts" test "$(np6_entries)" = 2
check "NAT66 media flows after the silence" \
	flow "$NS_WAN" $R:6000 $N:$NPORT "$NS_LAN" $P:4000 $R:6000
in_rtr conntrack -D -f ipv6 -m $NP_MARK_MASK >/dev/null 2>&1 || true
mapcmd "sleep 300"
check "NAT66 entries re-created after conntrack -D" test "$(np6_entries)" = 2
mapcmd "release $LAN6_IP 4000 $NEXT $NPORT"
check "release NAT66 RTP" test "$REPLY" = ok
mapcmd "release $LAN6_IP 4001 $NEXT $NPORT1"
check "release NAT66 RTCP" test "$REPLY" = ok
check "no IPv6 natport entry left" test "$(np6_entries)" = 0
check "NAT66 port no longer forwarded after release" \
	not flow "$NS_WAN" $R:6000 $N:$NPORT "$NS_LAN" $P:4000 $R:6000
mapcmd "get audio_rtp $LAN6_IP 4100"
read -r st _ _ NQ <<<"$REPLY"
check "the released pair is quarantined, not reused at once ($REPLY)" \
	test "$st" = ok -a "$NQ" != "$NPORT"
map_stop

# --- early media, and a holder that dies -----------------------------------
map_start -p 20000-20005 -q 0 -l 2001:db8:1::/64
in_lan "$U" send -b $P:4400 -d $R:6400 -n 2
check "early IPv6 RTP was tracked and masqueraded" \
	bash -c "ip netns exec $NS_RTR conntrack -L -f ipv6 -p udp --orig-src $LAN6_IP --sport 4400 2>/dev/null | grep -q 'dst=$RTR6_WAN'"
mapcmd "get audio_rtp $LAN6_IP 4400 $R:6400"
check "pinhole with the remote known at once ($REPLY)" starts "ok "
check "the clashing masqueraded entry was removed ($(stat_of clashes))" \
	test "$(stat_of clashes)" -ge 1
check "phone -> remote now leaves through the pinhole, not masquerade" \
	flow "$NS_LAN" $P:4400 $R:6400 "$NS_WAN" $R:6400 $P:4400
check "remote -> phone through the pinhole" \
	flow "$NS_WAN" $R:6400 $P:4400 "$NS_LAN" $P:4400 $R:6400
kill -9 "$NPMAP_PID"
wait "$NPMAP_PID" 2>/dev/null || true
NPMAP_PID=
check "a killed holder leaves its IPv6 entry behind" test "$(np6_entries)" = 1
map_start -p 20000-20005 -l 2001:db8:1::/64
check "the next instance removes the stale IPv6 entry ($(stat_of stale))" \
	test "$(np6_entries)" = 0 -a "$(stat_of stale)" = 1
map_stop

check "closing removes every entry of both families" \
	test "$(np6_entries)" = 0 -a "$(np_entries)" = 0
check "closing removes the nft table" \
	not in_rtr nft list table inet natport 2>/dev/null
finish
