#!/usr/bin/env bash
# demo.sh - a real call through a NAT router running nat-portd, for a
# newcomer: the SIP exchange in brief, the mapping, the RTP the kernel
# forwarded in each direction, and the clean-up.
#
#   LAN phone (sipp)       router: nat-portd           ITSP (sipp)
#   192.0.2.10:5060 ------ 192.0.2.1 | 198.51.100.1 --- 198.51.100.20:5060
#   RTP 6000                                           RTP 7000
#
# Exits non-zero if any step failed. Run as root: sudo make demo.
set -eu
cd "$(dirname "$0")/.."
. tests/lib/sip.sh
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
step() { # step "what" cmd...: run, narrate, stop the demo on failure
	local what=$1
	shift
	if "$@"; then echo "   ok: $what"; else echo "   FAILED: $what"; exit 1; fi
}
# The start lines of a sipp message trace, with their direction.
brief() { # brief TRACE ME PEER
	awk -v me="$2" -v peer="$3" '
		/^UDP message sent/ { dir = me " -> " peer; want = 1; next }
		/^UDP message received/ { dir = me " <- " peer; want = 1; next }
		want && NF { sub(/\r$/, ""); printf "     %-24s %s\n", dir, $0; want = 0 }' "$1"
}

need_sip
say "1. A LAN phone, a NAT router with a real firewall, an ITSP"
topo_up
media_count_up
echo "   phone 192.0.2.10 -> router (forward policy drop, established accept,"
echo "   masquerade) -> ITSP 198.51.100.20; all in network namespaces"

say "2. nat-portd on the router: the phone's outbound proxy"
portd_start
sed 's/^/     /' "$TMP/nat-portd.conf"
step "nat-portd is up on $RTR_LAN:5060 and $RTR_WAN:5060" portd_alive

say "3. The phone calls the ITSP through the router; both stream G.711"
uas uas.xml -m 1
uac_bg uac.xml -m 1 -d 4000
step "the call is up and its media entries are in the kernel" wait_entries 2
sleep 2

say "4. The mapping: what the phone offered, what the ITSP saw"
echo "   the phone's SDP:      $(grep -m1 '^c=' "$TMP/uac.msg" | tr -d '\r')," \
	"$(grep -m1 '^m=' "$TMP/uac.msg" | tr -d '\r')"
echo "   the ITSP got:         $(grep -m1 '^c=' "$TMP/uas.msg" | tr -d '\r')," \
	"$(grep -m1 '^m=' "$TMP/uas.msg" | tr -d '\r')"
step "the ITSP never saw the LAN address" \
	sh -c "! grep -q '^c=IN IP4 192.0.2' '$TMP/uas.msg'"
echo "   natport's conntrack entries in the router (RTP and RTCP):"
np_entries_raw | sed 's/^/     /'

say "5. RTP, forwarded by the kernel (conntrack counters in the router)"
portd_stats
cpu0=$(portd_cpu)
read -r in0 out0 < <(np_pkts)
sleep 1.5
read -r in1 out1 < <(np_pkts)
cpu1=$(portd_cpu)
echo "   ITSP  -> phone: $in0 -> $in1 packets"
echo "   phone -> ITSP:  $out0 -> $out1 packets"
echo "   nat-portd CPU time meanwhile: $((cpu1 - cpu0)) ms; packets its held"
echo "   ports saw: $(st stray_packets) (media never reaches userspace)"
step "the kernel forwarded RTP both ways" [ "$in1" -gt "$in0" -a "$out1" -gt "$out0" ]

say "6. The SIP exchange, as the phone saw it"
step "the phone hung up (BYE) and the call completed" wait_pid "$UAC_PID"
step "the ITSP's side completed" wait_pid "$UAS_PID"
brief "$TMP/uac.msg" "phone" "router"
echo "   (the router added Via and Record-Route, rewrote the SDP, and"
echo "    installed the entries before the 200 OK reached the phone)"
echo "   RTP received: phone $(rx "$NS_LAN" audio) packets, ITSP $(rx "$NS_WAN" audio) packets"

say "7. Clean-up"
step "BYE removed the kernel entries" wait_entries 0
portd_stats
echo "   nat-portd: calls=$(st calls) mappings=$(st mappings) ports_held=$(st ports_held)"
step "no call, mapping or held port left" [ "$(st calls)/$(st mappings)/$(st ports_held)" = 0/0/0 ]
step "nat-portd exits cleanly on SIGTERM" portd_stop
step "no natport entry left" [ "$(np_entries)" = 0 ]
echo
echo "demo complete: a real call, media in the kernel, nothing left behind"
