#!/usr/bin/env bash
# test_kernel_path.sh - libnatport's kernel media path, end to end.
#
#   LAN client            router (np-map holds the mappings)   WAN peer
#   192.0.2.10 [c0]--[r0] 192.0.2.1 | 198.51.100.1 [r1]--[w0] 198.51.100.20
#                                                              203.0.113.20
#
# The router has a real firewall (forward policy drop, established accept,
# masquerade) and UDP conntrack timeouts of 3 s / 5 s. np-map drives the
# library the way a daemon would; np-udp sends and receives real UDP.
set -eu
cd "$(dirname "$0")/../.."
. tests/lib/map.sh
trap cleanup EXIT

topo_up
# 3 pairs (20000-20005), 5 s quarantine, so exhaustion and reuse are quick
map_start -p 20000-20005 -q 5000

U=$BIN/tests/np-udp


# --- audio stream: RTP and RTCP mappings --------------------------------
mapcmd "get audio_rtp $LAN_IP 4000"
read -r st RTP_ID EXT RTP_EXT <<<"$REPLY"
check "audio RTP mapping: even external port ($REPLY)" \
	test "$st" = ok -a $((RTP_EXT % 2)) = 0
mapcmd "get audio_rtcp $LAN_IP 4001"
read -r st RTCP_ID _ RTCP_EXT <<<"$REPLY"
check "audio RTCP mapping takes RTP+1 ($REPLY)" \
	test "$st" = ok -a "$RTCP_EXT" = $((RTP_EXT + 1))
mapcmd "get audio_rtp $LAN_IP 4000"
check "asking again returns the same mapping" \
	test "$REPLY" = "ok $RTP_ID $EXT $RTP_EXT"
check "nothing in the kernel before the remote is known" \
	test "$(np_entries)" = 0

mapcmd "update $EXT $RTP_EXT $WAN_IP 6000"
check "update remote (RTP) accepted" test "${REPLY%% *}" = ok
mapcmd "update $EXT $RTCP_EXT $WAN_IP 6001"
check "update remote (RTCP) accepted" test "${REPLY%% *}" = ok
check "two natport entries in the kernel" test "$(np_entries)" = 2

check "RTP remote->client arrives from the peer's address" \
	flow "$NS_WAN" $WAN_IP:6000 $EXT:$RTP_EXT "$NS_LAN" $LAN_IP:4000 \
	$WAN_IP:6000
check "RTP client->remote leaves with the router's external port" \
	flow "$NS_LAN" $LAN_IP:4000 $WAN_IP:6000 "$NS_WAN" $WAN_IP:6000 \
	$EXT:$RTP_EXT
check "RTCP remote->client" \
	flow "$NS_WAN" $WAN_IP:6001 $EXT:$RTCP_EXT "$NS_LAN" $LAN_IP:4001 \
	$WAN_IP:6001
check "RTCP client->remote" \
	flow "$NS_LAN" $LAN_IP:4001 $WAN_IP:6001 "$NS_WAN" $WAN_IP:6001 \
	$EXT:$RTCP_EXT

mapcmd "counters $RTP_ID"
check "kernel counters rose both ways ($REPLY)" \
	bash -c "echo '$REPLY' | grep -q 'pkts_in=3 .*pkts_out=3 '"
check "no packet reached the router's held sockets" \
	test "$(stat_of stray)" = 0

# --- a silent call outlives the UDP timeouts ----------------------------
mapcmd "sleep 9000" # 9 s of silence > 3 s unreplied, 5 s stream timeout
check "entries still there after 9 s of silence" test "$(np_entries)" = 2
check "RTP still flows after the silence" \
	flow "$NS_WAN" $WAN_IP:6000 $EXT:$RTP_EXT "$NS_LAN" $LAN_IP:4000 \
	$WAN_IP:6000
check "refreshes happened" test "$(stat_of refreshes)" -gt 0

# --- the remote moves (re-INVITE to another address) --------------------
mapcmd "update $EXT $RTP_EXT $WAN2_IP 7000"
check "remote moved to $WAN2_IP:7000" test "${REPLY%% *}" = ok
check "media from the new remote arrives" \
	flow "$NS_WAN" $WAN2_IP:7000 $EXT:$RTP_EXT "$NS_LAN" $LAN_IP:4000 \
	$WAN2_IP:7000
check "old remote's entry is gone (still 2 entries)" \
	test "$(np_entries)" = 2

# --- the kernel loses our entries: they come back -----------------------
in_rtr conntrack -D -m $NP_MARK_MASK >/dev/null 2>&1 || true
mapcmd "sleep 300"
check "entries re-created after conntrack -D ($(stat_of kernel_restored) restored)" \
	test "$(np_entries)" = 2 -a "$(stat_of kernel_restored)" -ge 2
check "media flows after the restore" \
	flow "$NS_LAN" $LAN_IP:4000 $WAN2_IP:7000 "$NS_WAN" $WAN2_IP:7000 \
	$EXT:$RTP_EXT

# --- a firewall reload removes natport's nft table: it comes back -------
in_rtr nft delete table inet natport
mapcmd "sleep 2500"
check "nft table re-created after removal" \
	in_rtr nft list table inet natport >/dev/null

# --- release --------------------------------------------------------------
mapcmd "release $LAN_IP 4000 $EXT $RTP_EXT"
check "release RTP" test "$REPLY" = ok
mapcmd "release $LAN_IP 4000 $EXT $RTP_EXT"
check "release again: unknown mapping ($REPLY)" starts "err noent "
mapcmd "release $LAN_IP 4001 $EXT $RTCP_EXT"
check "release RTCP" test "$REPLY" = ok
check "no natport entry left after release" test "$(np_entries)" = 0
check "media no longer forwarded after release" \
	not flow "$NS_WAN" $WAN_IP:6000 $EXT:$RTP_EXT "$NS_LAN" $LAN_IP:4000 \
	$WAN_IP:6000

# --- quarantine and exhaustion -------------------------------------------
mapcmd "get audio_rtp $LAN_IP 4100"
read -r st _ _ P1 <<<"$REPLY"
mapcmd "get video_rtp $LAN_IP 4200"
read -r st2 _ _ P2 <<<"$REPLY"
check "two more pairs allocated, not the quarantined one ($P1, $P2)" \
	test "$st" = ok -a "$st2" = ok -a "$P1" != "$RTP_EXT" -a "$P2" != "$RTP_EXT"
FDS0=$(ls /proc/"$NPMAP_PID"/fd | wc -l)
mapcmd "get audio_rtp $LAN2_IP 4300"
check "exhaustion: documented error ($REPLY)" starts "err noport "
check "exhaustion leaked no fd" \
	test "$(ls /proc/"$NPMAP_PID"/fd | wc -l)" = "$FDS0"
check "exhaustion leaked no mapping" test "$(stat_of mappings)" = 2
mapcmd "sleep 5100"
mapcmd "get audio_rtp $LAN2_IP 4300"
read -r st _ _ P3 <<<"$REPLY"
check "after quarantine the port comes back ($REPLY)" \
	test "$st" = ok -a "$P3" = "$RTP_EXT"
mapcmd "update $EXT $P3 $WAN_IP 6000"
# the held socket's queue is kept tiny, so not all three are still there
check "late packets of the old call were counted, not delivered" \
	test "$(stat_of stray)" -ge 1

# --- bad input ------------------------------------------------------------
expect_err() { # expect_err token command
	mapcmd "$2"
	check "bad input '$2' -> $1" starts "err $1 "
}
expect_err inval "get audio_rtp $LAN_IP 4001"
expect_err inval "get audio_rtp $LAN_IP 0"
expect_err badaddr "get audio_rtp 198.51.100.50 4000"
expect_err badaddr "get audio_rtp $RTR_LAN 4000"
expect_err badaddr "get audio_rtp 127.0.0.1 4000"
expect_err notsup "get audio_rtp 2001:db8::10 4000"
expect_err inval "get bogus_type $LAN_IP 4000"
expect_err exist "get video_rtp $LAN_IP 4100"
expect_err noent "update $EXT 20999 $WAN_IP 6000"
expect_err badaddr "update $EXT $P1 192.0.2.11 6000"
expect_err badaddr "update $EXT $P1 0.0.0.0 6000"
expect_err badaddr "update $EXT $P1 224.0.0.1 6000"
expect_err inval "update $EXT $P1 $WAN_IP 0"
expect_err notsup "update $EXT $P1 2001:db8::20 6000"
check "bad input changed nothing" test "$(stat_of mappings)" = 3

# --- closing releases everything -----------------------------------------
map_stop
check "closing the port manager removes every entry" \
	test "$(np_entries)" = 0
check "closing removes the nft table" \
	not in_rtr nft list table inet natport 2>/dev/null
check "closing closes the held sockets" \
	not bash -c "ip netns exec $NS_RTR ss -uln | grep -q ':200[0-9][0-9] '"

# --- early RTP: the client talks before the answer ----------------------
map_start -p 20000-20005 -q 0
in_lan "$U" send -b $LAN_IP:4400 -d $WAN_IP:6400 -n 2
check "early RTP was tracked and masqueraded" \
	bash -c "ip netns exec $NS_RTR conntrack -L -p udp --orig-src $LAN_IP --sport 4400 2>/dev/null | grep -q dport=6400"
in_wan "$U" send -b $WAN_IP:6400 -d $RTR_WAN:20000 -n 2
mapcmd "get audio_rtp $LAN_IP 4400 $WAN_IP:6400"
read -r st ID E P <<<"$REPLY"
check "mapping with the remote known at once ($REPLY)" test "$st" = ok
check "clashing entries were removed first ($(stat_of clashes))" \
	test "$(stat_of clashes)" -ge 1
check "client's RTP now leaves through the mapping, not masquerade" \
	flow "$NS_LAN" $LAN_IP:4400 $WAN_IP:6400 "$NS_WAN" $WAN_IP:6400 $E:$P
check "remote's RTP reaches the client" \
	flow "$NS_WAN" $WAN_IP:6400 $E:$P "$NS_LAN" $LAN_IP:4400 $WAN_IP:6400

# --- a port manager that dies leaves entries; the next one removes them --
kill -9 "$NPMAP_PID"
wait "$NPMAP_PID" 2>/dev/null || true
NPMAP_PID=
check "a killed holder leaves its entry behind" test "$(np_entries)" = 1
map_start -p 20000-20005
check "the next instance removes stale entries ($(stat_of stale))" \
	test "$(np_entries)" = 0 -a "$(stat_of stale)" = 1
map_stop

check "no natport entry left" test "$(np_entries)" = 0
finish
