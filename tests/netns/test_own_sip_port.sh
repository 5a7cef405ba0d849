#!/usr/bin/env bash
# test_own_sip_port.sh - the router's own SIP keeps port 5060 under the
# README's firewall, and reaches nat-portd after its conntrack entry went.
#
#   LAN phone (raw)        router: nat-portd           provider (counters)
#   192.0.2.10 ---[c0]-[r0]- 192.0.2.1   198.51.100.1 -[r1]-[w0]- 198.51.100.20:5060
#                          README firewall: masquerade to :30000-65535
#
# 1. Without nat-portd, the README's masquerade moves a packet the router
#    sends from 198.51.100.1:5060 to a port in 30000-65535 (the problem,
#    shown so this test cannot pass by the firewall not applying).
# 2. With nat-portd (own_ports = sip-port), a REGISTER it forwards reaches
#    the provider from 198.51.100.1:5060, through natport's own_sip chain.
# 3. The router's SIP conntrack entry is deleted; a request the provider
#    sends to 198.51.100.1:5060 is still answered by nat-portd, from 5060.
# Then nothing left.
set -eu
. "$(dirname "$0")/../sip/lib_sip.sh"
. "$TOP/tests/real/firewall.sh"
trap sip_cleanup EXIT
need_sip
topo_up
readme_firewall

in_wan nft -f - <<NFT
table inet npt {
	counter kept { }
	counter moved { }
	chain in {
		type filter hook input priority 0;
		ip saddr $RTR_WAN udp dport 5060 udp sport 5060 counter name kept
		ip saddr $RTR_WAN udp dport 5060 udp sport != 5060 counter name moved
	}
}
NFT

# 1. the README's masquerade alone moves the router's port 5060
in_rtr "$BIN/tests/np-udp" send -b $RTR_WAN:5060 -d $WAN_IP:5060 -n 1 >/dev/null
sleep 0.2
check "without nat-portd masquerade moves port 5060 (moved=$(rx $NS_WAN moved))" \
	[ "$(rx $NS_WAN moved)" = 1 ]
in_rtr conntrack -D -p udp --orig-port-src 5060 >/dev/null 2>&1 || true

# 2. nat-portd's forwarded REGISTER keeps 5060
portd_start "upstream-proxy $WAN_IP:5060"
check "natport table pins the own SIP port" \
	sh -c "ip netns exec $NS_RTR nft list chain inet natport own_sip | grep -q 'snat ip to $RTR_WAN:5060'"
cat >"$TMP/reg" <<SIP
REGISTER sip:$WAN_IP SIP/2.0
Via: SIP/2.0/UDP $LAN_IP:5099;branch=z9hG4bK-own1;rport
From: <sip:alice@$WAN_IP>;tag=r1
To: <sip:alice@$WAN_IP>
Call-ID: own1@$LAN_IP
CSeq: 1 REGISTER
Contact: <sip:alice@$LAN_IP:5099>
Max-Forwards: 70
Expires: 60
Content-Length: 0

SIP
sed -i 's/$/\r/' "$TMP/reg"
raw_send "$TMP/reg" >/dev/null
sleep 0.3
check "provider saw the REGISTER from $RTR_WAN:5060 (kept=$(rx $NS_WAN kept))" \
	[ "$(rx $NS_WAN kept)" -ge 1 ]
check "and never from another port (moved=$(rx $NS_WAN moved))" \
	[ "$(rx $NS_WAN moved)" = 1 ]

# 3. the router's own SIP entry gone, the provider's request still arrives
in_rtr conntrack -D -p udp --orig-port-src 5060 >/dev/null 2>&1 || true
check "router's SIP conntrack entry deleted" \
	sh -c "! ip netns exec $NS_RTR conntrack -L -p udp --orig-port-src 5060 2>/dev/null | grep -q ."
cat >"$TMP/opt" <<SIP
OPTIONS sip:$RTR_WAN SIP/2.0
Via: SIP/2.0/UDP $WAN_IP:5060;branch=z9hG4bK-own2;rport
From: <sip:ka@$WAN_IP>;tag=o1
To: <sip:$RTR_WAN>
Call-ID: own2@$WAN_IP
CSeq: 1 OPTIONS
Max-Forwards: 70
Content-Length: 0

SIP
sed -i 's/$/\r/' "$TMP/opt"
ans=$(in_wan bash -c 'exec 3<>/dev/udp/'"$RTR_WAN"'/5060 && cat "$1" >&3 &&
	timeout 1 dd bs=65536 count=1 status=none <&3' _ "$TMP/opt" 2>/dev/null |
	head -n 1 | tr -d '\r' || true)
check "nat-portd answered the provider's OPTIONS after the entry went ($ans)" \
	[ "${ans#SIP/2.0 }" != "$ans" ]

sip_final_checks
finish
