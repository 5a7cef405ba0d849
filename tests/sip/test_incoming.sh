#!/usr/bin/env bash
# test_incoming.sh - a call from the provider to a registered LAN phone.
#
#   LAN phone "alice"      router: nat-portd           provider (sipp)
#   192.0.2.10:5060 -[c0]-[r0]- 192.0.2.1    198.51.100.1 -[r1]-[w0]- 198.51.100.20:5060
#   RTP 6000                                           RTP 7000
#
# 0. A REGISTER the provider refuses (403) binds nothing: alice stays
#    unreachable from outside.
# 1. alice REGISTERs through the router; the provider sees a Contact on
#    the router's WAN address, never the LAN one, and its 200 shows alice
#    her own Contact again. The binding exists from that 200 on.
# 2. The provider calls that Contact: the router maps it back to alice,
#    her answer is rewritten to an external port whose entry is installed
#    before the 200 leaves the router; RTP flows both ways in the kernel;
#    the provider's BYE removes the entries.
# 3. From outside, an INVITE for an unregistered user gets 404 and one
#    aimed straight at a LAN address gets 403; nothing is mapped for them.
# 4. alice unregisters (Expires: 0, answered 200): the binding is gone
#    and an INVITE for her gets 404.
# Then nothing left.
set -eu
. "$(dirname "$0")/../lib/sip.sh"
trap cleanup EXIT
sip_up media
portd_start

refused() { # refused HOST USER CODE
	sed -e "s/@HOST@/$1/g" -e "s/@CODE@/$3/g" "$SCN/wan_invite_refused.xml" \
		>"$TMP/refused.xml"
	in_wan timeout 20 sipp -sf "$TMP/refused.xml" -i "$WAN_IP" -p 5070 \
		-mp 7100 -s "$2" -m 1 -nostdin "$RTR_WAN:5060" >/dev/null 2>&1
}

echo "== 0: a refused REGISTER binds nothing"
check "the provider's 403 reached the phone" register_once 300 403
portd_stats
check "no binding (bindings=$(st bindings))" [ "$(st bindings)" = 0 ]
check "INVITE for alice from outside: 404" refused "$RTR_WAN" alice 404

echo "== 1+2: register, then an incoming call"
uas itsp_reg_call.xml -m 1 -d 3000
phone_bg phone_reg.xml
check "natport entries installed for the incoming call" wait_entries 2
portd_stats
check "one binding in the registrar (bindings=$(st bindings))" [ "$(st bindings)" = 1 ]
check "provider's sipp: REGISTER taken, call placed and ended" wait_pid "$UAS_PID"
check "phone's sipp: registered, answered, got the BYE" wait_pid "$PHONE_PID"
check "the provider saw alice's Contact on the router's WAN address" \
	grep -q "Contact: <sip:alice@$RTR_WAN:5060>" "$TMP/uas.msg"
check "...and no LAN address in any SDP or Contact it got" \
	sh -c "! grep -E '^(c=|o=|Contact:).*192\.0\.2\.' '$TMP/uas.msg'"
check "the phone got the INVITE with its own Contact as Request-URI" \
	grep -q "INVITE sip:alice@$LAN_IP:5060" "$TMP/phone.msg"
l=$(rx "$NS_LAN" audio)
w=$(rx "$NS_WAN" audio)
check "RTP reached the phone ($l) and the provider through the router ($w)" [ "$l" -gt 50 -a "$w" -gt 50 ]
check "the provider's BYE removed the entries" wait_entries 0

echo "== 3: outsiders"
check "INVITE for an unregistered user: 404" refused "$RTR_WAN" bob 404
check "INVITE aimed at a LAN address: 403" refused "$LAN_IP" alice 403
# media at the router's own WAN address but a port no live mapping has
# (a hairpin names one that has, tests/real/test_hairpin.sh): refused
sed -e "s/@HOST@/$RTR_WAN/g" -e "s/@CODE@/488/g" \
	-e "s/^\( *c=IN IP4 \).*/\1$RTR_WAN/" \
	-e "s/^\( *m=audio \)[^ ]*/\120000/" \
	"$SCN/wan_invite_refused.xml" >"$TMP/refused_media.xml"
check "INVITE whose SDP points at the router, no mapping's port: 488" \
	in_wan timeout 20 sipp -sf "$TMP/refused_media.xml" -i "$WAN_IP" \
	-p 5070 -mp 7100 -s alice -m 1 -nostdin "$RTR_WAN:5060"
check "...and the refusal names the router" \
	grep -q "$RTR_WAN:20000 points at the router" "$PORTD_LOG"
portd_stats
check "nothing mapped for them (mappings=$(st mappings) calls=$(st calls))" \
	[ "$(st mappings)/$(st calls)" = 0/0 ]

echo "== 4: unregister"
check "alice is still bound (bindings=$(st bindings))" [ "$(st bindings)" = 1 ]
check "Expires: 0 answered 200" register_once 0 200
portd_stats
check "the binding is gone (bindings=$(st bindings))" [ "$(st bindings)" = 0 ]
check "INVITE for alice from outside now: 404" refused "$RTR_WAN" alice 404

sip_final_checks
finish
