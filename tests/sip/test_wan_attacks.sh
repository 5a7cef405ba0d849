#!/usr/bin/env bash
# test_wan_attacks.sh - what a host on the internet can make nat-portd do
# toward the LAN (issue 10 points 1, 2, 3), with raw datagrams.
#
#   LAN phone "alice"        router: nat-portd          WAN attacker
#   192.0.2.10:5060 (bound)  192.0.2.1 | 198.51.100.1 -- 198.51.100.20:5080
#   192.0.2.11 (another host)
#
# alice registers through the router (binding 192.0.2.10:5060). Then,
# with a counter in the LAN namespace for every datagram the router sends
# there, the attacker tries:
# 1. a forged 200 OK: our Via on top, a LAN host and port below it, no
#    such transaction: dropped, logged as forged;
# 2. a request whose Via carries received=<a LAN host>: the router's own
#    answer (404) comes back to the attacker, not into the LAN; the same
#    from the LAN with received=<a WAN host> answers the LAN sender;
# 3. requests aimed at alice on a port she did not register from, an
#    INVITE and a MESSAGE with made-up To tags, a CANCEL with no call, a
#    BYE with a Route into the LAN: 403 or 481, none reaches the LAN.
# Nothing of this reaches the LAN, and nothing is left.
set -eu
. "$(dirname "$0")/lib_sip.sh"
. "$(dirname "$0")/lib_raw.sh"
trap sip_cleanup EXIT
need_sip
topo_up
portd_start

sed -e "s/@CODE@/200/g" "$SCN/itsp_reg_answer.xml" >"$TMP/reg_ans.xml"
sed -e "s/@CODE@/200/g" -e "s/@EXPIRES@/300/g" \
	"$SCN/phone_reg_once.xml" >"$TMP/reg_once.xml"
bg "$NS_WAN" timeout 20 sipp -sf "$TMP/reg_ans.xml" -i "$WAN_IP" -p 5060 \
	-m 1 -nostdin >/dev/null 2>&1
REG_PID=$!
sleep 0.3
check "alice registered through the router" \
	in_lan timeout 20 sipp -sf "$TMP/reg_once.xml" -i "$LAN_IP" -p 5060 \
	-m 1 -nostdin "$RTR_LAN:5060"
wait_pid "$REG_PID" || true
portd_stats
check "one binding (bindings=$(st bindings))" [ "$(st bindings)" = 1 ]

# Every datagram the router sends into the LAN, and every one it sends to
# the second WAN host (the LAN side's received= target).
in_lan nft -f - <<NFT
table inet npt {
	counter sip_in { }
	chain in {
		type filter hook input priority 0;
		ip saddr $RTR_LAN udp sport 5060 counter name sip_in
	}
}
NFT
in_wan nft -f - <<NFT
table inet npt {
	counter to_wan2 { }
	chain in {
		type filter hook input priority 0;
		ip daddr $WAN2_IP udp sport 5060 counter name to_wan2
	}
}
NFT
wan() { # wan FILE -> status the attacker got
	xchg "$NS_WAN" "$WAN_IP" 5080 "$RTR_WAN" "$1"
}

echo "== 1: a forged response"
printf 'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP %s:5060;branch=z9hG4bK0123456789abcdef.0123456789abcdef\r\nVia: SIP/2.0/UDP %s:5070;branch=z9hG4bKx;received=%s;rport=5070\r\nFrom: <sip:alice@%s>;tag=a\r\nTo: <sip:x@%s>;tag=b\r\nCall-ID: forged1\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: 0\r\n\r\n' \
	"$RTR_WAN" "$LAN2_IP" "$LAN2_IP" "$RTR_WAN" "$WAN_IP" >"$TMP/forged"
check "forged 200 OK: no answer" [ "$(wan "$TMP/forged")" = none ]
sleep 0.2
check "forged 200 OK: logged as forged" grep -q 'forged or stale response 200' "$PORTD_LOG"
check "forged 200 OK: nothing reached the LAN ($(rx "$NS_LAN" sip_in))" \
	[ "$(rx "$NS_LAN" sip_in)" = 0 ]

echo "== 2: received= from the sender"
sipmsg MESSAGE "sip:nobody@$RTR_WAN" "$WAN_IP:5080" ";received=$LAN2_IP" \
	recv1 "" >"$TMP/recv1"
check "WAN request with received=<LAN host>: 404 to the attacker itself" \
	[ "$(wan "$TMP/recv1")" = 404 ]
check "...and nothing into the LAN ($(rx "$NS_LAN" sip_in))" \
	[ "$(rx "$NS_LAN" sip_in)" = 0 ]
sipmsg OPTIONS "sip:x@host.invalid" "$LAN_IP:5098" ";received=$WAN2_IP" \
	recv2 "" >"$TMP/recv2"
r=$(xchg "$NS_LAN" "$LAN_IP" 5098 "$RTR_LAN" "$TMP/recv2")
check "LAN request with received=<WAN host>: answered to the sender ($r)" \
	[ "$r" = 404 ]
check "...and nothing sent to the WAN host ($(rx "$NS_WAN" to_wan2))" \
	[ "$(rx "$NS_WAN" to_wan2)" = 0 ]

echo "== 3: requests toward alice that are not hers"
lan_before=$(rx "$NS_LAN" sip_in) # the 404 of part 2 went to the LAN sender
try() { # try CODE DESCRIPTION sipmsg-args...
	local want=$1 what=$2 got
	shift 2
	sipmsg "$@" >"$TMP/try"
	got=$(wan "$TMP/try")
	check "$what: $want (got $got)" [ "$got" = "$want" ]
}
try 403 "MESSAGE to alice's address on another port" \
	MESSAGE "sip:alice@$LAN_IP:7777" "$WAN_IP:5080" "" a1 ""
try 481 "INVITE for alice with a made-up To tag" \
	INVITE "sip:alice@$RTR_WAN" "$WAN_IP:5080" "" a2 madeup
try 481 "MESSAGE to alice's port 7777 with a made-up To tag" \
	MESSAGE "sip:alice@$LAN_IP:7777" "$WAN_IP:5080" "" a3 madeup
try 481 "INVITE straight to alice's contact with a made-up To tag" \
	INVITE "sip:alice@$LAN_IP:5060" "$WAN_IP:5080" "" a4 madeup
try 481 "CANCEL for alice with no call" \
	CANCEL "sip:alice@$RTR_WAN" "$WAN_IP:5080" "" a5 ""
try 481 "BYE with a Route into the LAN" \
	BYE "sip:alice@$RTR_WAN" "$WAN_IP:5080" "" a6 madeup \
	"Route: <sip:$LAN_IP:7777;lr>\r\n"
sleep 0.3
check "none of them reached the LAN ($(rx "$NS_LAN" sip_in) - $lan_before)" \
	[ "$(rx "$NS_LAN" sip_in)" = "$lan_before" ]
portd_stats
check "no call was created (calls=$(st calls))" [ "$(st calls)" = 0 ]

sip_final_checks
finish
