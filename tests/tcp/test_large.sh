#!/usr/bin/env bash
# test_large.sh - a UDP request too large for UDP goes over TCP (RFC 3261
# section 18.1.1) to a peer nat-portd already has a TCP connection to.
#
#   LAN client                  router: nat-portd        provider (sipp -t tn)
#   192.0.2.10 (np-tcp, UDP) -- 192.0.2.1 | 198.51.100.1 -- 198.51.100.20:5060/tcp
#
# 1. An OPTIONS for sip:1000@198.51.100.20:5060;transport=tcp: nat-portd
#    opens a TCP connection to the provider (Via SIP/2.0/TCP), the 200
#    comes back to the phone's connection.
# 2. A 2,000-octet MESSAGE of the same dialog over UDP, its Request-URI
#    naming no transport: over 1300 octets and a connection to that peer
#    open, so it leaves over TCP with our Via saying TCP; the provider's
#    200 comes back to the phone over UDP.
# 3. A 1,000-octet one to the same place stays UDP (nothing listens on
#    UDP there: no answer).
# Then nothing left.
set -eu
. "$(dirname "$0")/lib_tcp.sh"
trap cleanup EXIT
sip_up
NPTCP=$BIN/tests/np-tcp

msg() { # msg METHOD RURI BODYLEN CSEQ TRANSPORT
	local n=$3
	printf '%s %s SIP/2.0\r\nVia: SIP/2.0/%s %s:5099;branch=z9hG4bK-L%s;rport\r\nFrom: <sip:c@%s>;tag=L1\r\nTo: <sip:1000@%s>\r\nCall-ID: large-1@%s\r\nCSeq: %s %s\r\nMax-Forwards: 70\r\nContent-Type: text/plain\r\nContent-Length: %s\r\n\r\n' \
		"$1" "$2" "$5" "$LAN_IP" "$4" "$LAN_IP" "$WAN_IP" "$LAN_IP" "$4" "$1" "$n"
	head -c "$n" /dev/zero | tr '\0' x
}

portd_start "sip-tcp yes"
uas "$TOP/tests/tcp/scenarios/uas_options_message.xml" -t tn -max_socket 100 -m 1

echo "== 1: OPTIONS ;transport=tcp opens the connection to the provider"
msg OPTIONS "sip:1000@$WAN_IP:5060;transport=tcp" 0 1 TCP |
	in_lan "$NPTCP" -d "$RTR_LAN:5060" -t 1000 >"$TMP/opt.out" 2>/dev/null
check "the 200 came back on the phone's connection" grep -aq '^SIP/2.0 200' "$TMP/opt.out"
check "nat-portd holds a connection to the provider" \
	sh -c "ip netns exec $NS_RTR ss -Htn state established '( dport = :5060 )' | grep -q '$WAN_IP:5060'"

echo "== 2: a 2,000-octet MESSAGE over UDP leaves over TCP"
msg MESSAGE "sip:1000@$WAN_IP:5060" 2000 2 UDP >"$TMP/big.req"
check "the request is over 1300 octets ($(wc -c <"$TMP/big.req"))" [ "$(wc -c <"$TMP/big.req")" -gt 1300 ]
check "the provider's 200 reached the phone over UDP" [ "$(raw_send "$TMP/big.req")" = 200 ]
check "the provider got it over TCP" \
	sh -c "grep -a -A3 'TCP message received' '$TMP/uas.msg' | grep -q '^MESSAGE sip:1000@$WAN_IP:5060 SIP/2.0'"
check "...with our Via saying TCP" \
	sh -c "grep -a -A2 '^MESSAGE sip:1000@$WAN_IP' '$TMP/uas.msg' | grep -q '^Via: SIP/2.0/TCP $RTR_WAN:5060;'"
check "provider's sipp completed" wait_pid "$UAS_PID"

echo "== 3: a 1,000-octet one stays UDP"
msg MESSAGE "sip:1000@$WAN_IP:5060" 900 3 UDP >"$TMP/small.req"
check "the request is under 1300 octets ($(wc -c <"$TMP/small.req"))" [ "$(wc -c <"$TMP/small.req")" -lt 1300 ]
u0=$(in_rtr nstat -az UdpOutDatagrams | awk '/UdpOutDatagrams/ { print $2 }')
check "no answer: it went UDP, where nothing listens" [ "$(raw_send "$TMP/small.req")" = none ]
u1=$(in_rtr nstat -az UdpOutDatagrams | awk '/UdpOutDatagrams/ { print $2 }')
check "nat-portd sent it as a datagram ($u0 -> $u1)" [ "$u1" -gt "$u0" ]

in_rtr ss -K state established dst "$WAN_IP" >/dev/null 2>&1 || true
tcp_final_checks
finish
