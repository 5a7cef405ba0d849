#!/usr/bin/env bash
# demo.sh - show natport's kernel media path to a newcomer.
#
#   LAN phone 192.0.2.10 --- router 192.0.2.1 | 198.51.100.1 --- ITSP 198.51.100.20
#
# A port manager on the router maps the phone's RTP/RTCP to external ports,
# the kernel forwards media both ways, the mapping is released, and nothing
# is left. Exits non-zero if any step failed.
set -eu
cd "$(dirname "$0")/.."
. tests/netns/lib.sh
trap 'topo_down' EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
step() { # step "what" cmd...: run, narrate, stop the demo on failure
	local what=$1
	shift
	if "$@"; then echo "   ok: $what"; else echo "   FAILED: $what"; exit 1; fi
}

say "1. A LAN phone, a NAT router with a real firewall, an ITSP"
topo_up
echo "   phone 192.0.2.10 -> router (forward policy drop, established accept,"
echo "   masquerade) -> ITSP 198.51.100.20; all in network namespaces"

say "2. The phone's audio needs external ports (GetMapping)"
map_start -p 20000-20099 -q 1000
mapcmd "get audio_rtp $LAN_IP 4000"
step "RTP  192.0.2.10:4000 -> ${REPLY#ok * }" starts "ok "
read -r _ RTP_ID EXT RTP_EXT <<<"$REPLY"
mapcmd "get audio_rtcp $LAN_IP 4001"
step "RTCP 192.0.2.10:4001 -> ${REPLY#ok * }" starts "ok "
read -r _ RTCP_ID _ RTCP_EXT <<<"$REPLY"
echo "   the SDP would now say: c=IN IP4 $EXT / m=audio $RTP_EXT RTP/AVP 0"

say "3. The answer names the ITSP's media address (UpdateRemoteAddress)"
mapcmd "update $EXT $RTP_EXT $WAN_IP 6000"
step "remote for RTP is $WAN_IP:6000" starts "ok"
mapcmd "update $EXT $RTCP_EXT $WAN_IP 6001"
step "remote for RTCP is $WAN_IP:6001" starts "ok"
echo "   natport's conntrack entries in the router:"
np_entries_raw | sed 's/^/     /'

say "4. Media flows both ways, forwarded by the kernel"
U=$BIN/tests/np-udp
# both ends talk at once from one socket each, as phones do (symmetric RTP)
in_wan "$U" talk -b $WAN_IP:6000 -d $EXT:$RTP_EXT -n 50 -i 2000 -t 3000 \
	-w 300 >"$TMP/wan" &
r1=$!
in_lan "$U" talk -b $LAN_IP:4000 -d $WAN_IP:6000 -n 50 -i 2000 -t 3000 \
	-w 300 >"$TMP/lan" || true
wait $r1 || true
echo "   the phone got:  $(head -1 "$TMP/lan")  (the ITSP's real address)"
echo "   the ITSP got:   $(head -1 "$TMP/wan")  (the router's external port)"
step "phone received 50 RTP packets" grep -q '^total 50$' "$TMP/lan"
step "ITSP received 50 RTP packets from $EXT:$RTP_EXT" \
	grep -q "^recv 50 from $EXT:$RTP_EXT\$" "$TMP/wan"
mapcmd "counters $RTP_ID"
echo "   kernel conntrack counters: ${REPLY#ok }"
step "kernel counted 50 packets each way" \
	starts "ok pkts_in=50 bytes_in=10000 pkts_out=50 "
step "no media packet reached userspace" test "$(stat_of stray)" = 0

say "5. The call ends (ReleaseMapping)"
mapcmd "release $LAN_IP 4000 $EXT $RTP_EXT"
step "RTP mapping released" starts ok
mapcmd "release $LAN_IP 4001 $EXT $RTCP_EXT"
step "RTCP mapping released" starts ok
step "no natport entry left in the kernel" test "$(np_entries)" = 0
echo "   ports: $(stat_of ports_quarantined) in quarantine, reusable after 1 s"
map_stop

say "6. Cleaning up"
topo_down
trap - EXIT
step "namespaces and processes removed" assert_clean >/dev/null
echo
echo "demo: all steps passed"
