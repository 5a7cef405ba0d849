#!/usr/bin/env bash
# test_refused_answer.sh - a 200 whose SDP nat-portd must refuse.
#
#   LAN phone (sipp)       router: nat-portd           provider (sipp)
#   192.0.2.10:5060 -[c0]-[r0]- 192.0.2.1    198.51.100.1 -[r1]-[w0]- 198.51.100.20:5060
#
# A proxy cannot refuse a response, so nat-portd does what a caller does
# with an answer it cannot accept: it ACKs the 200 and sends BYE to the
# answerer itself, and the caller, which has no final answer yet, gets the
# refusal (488 with a Warning) in place of the 200. Nothing is mapped.
#
# 1. Outgoing: the provider answers with media inside the LAN. The
#    router's first BYE is lost on the way: its retransmission ends it.
# 2. Incoming: a registered LAN phone answers with media at another LAN
#    host (only its own address is allowed).
# The refused call lingers without mappings for the 200's retransmissions,
# then goes (here after invite-timeout 3s). Then nothing left.
set -eu
. "$(dirname "$0")/../lib/sip.sh"
trap cleanup EXIT
sip_up
portd_start "invite-timeout 3s"

echo "== 1: the provider answers with media inside the LAN"
sed 's/response="486"/response="488"/' "$SCN/uac_busy.xml" >"$TMP/uac_488.xml"
# the provider loses the router's first BYE ("BYE" opening a UDP payload
# to 5060; the limit lets the rule match once): only a retransmission of
# it can end the call
in_wan nft -f - <<'NFT'
table inet npt {
	counter byes_lost { }
	chain in {
		type filter hook input priority -10;
		udp dport 5060 @th,64,24 0x425945 limit rate 1/hour burst 1 packets counter name byes_lost drop
	}
}
NFT
uas uas_bad_answer.xml -m 1
check "phone's sipp got 488 in place of the 200 and ACKed it" \
	uac "$TMP/uac_488.xml" -m 1
check "the 488 says why" \
	grep -q '^Warning: 399 nat-portd ".*points into the LAN' "$TMP/uac.msg"
check "provider's sipp got the router's ACK and BYE, answered the BYE" \
	wait_pid "$UAS_PID"
check "the router's BYE went to the provider's Contact" \
	grep -q "^BYE sip:service@$WAN_IP:5060 SIP/2.0" "$TMP/uas.msg"
lost=$(rx "$NS_WAN" byes_lost)
check "its first BYE was lost ($lost) and the retransmission got through" [ "$lost" = 1 ]
in_wan nft delete table inet npt
check "the phone's ACK of the 488 stayed in the router (one ACK reached the provider)" \
	[ "$(grep -c '^ACK ' "$TMP/uas.msg")" = 1 ]
portd_stats
check "the router sent its own ACK and BYE (own_requests=$(st own_requests))" \
	[ "$(st own_requests)" = 2 ]
check "nothing mapped for the refused call (mappings=$(st mappings))" \
	[ "$(st mappings)" = 0 ]
check "no natport entry" [ "$(np_entries)" = 0 ]

echo "== 2: a LAN phone answers with media at another LAN host"
sed -e 's/^\( *\)c=IN IP\[media_ip_type\] \[media_ip\]/\1c=IN IP4 192.0.2.99/' \
	-e '/<nop>/,/<\/nop>/d' "$SCN/phone_reg.xml" >"$TMP/phone_bad.xml"
check "the phone's answer points elsewhere" grep -q "c=IN IP4 192.0.2.99" "$TMP/phone_bad.xml"
uas itsp_call_refused.xml -m 1
phone_bg "$TMP/phone_bad.xml"
check "provider's sipp: registered alice, got 488 for its call, ACKed it" \
	wait_pid "$UAS_PID"
check "phone's sipp: answered, got the router's ACK and BYE" wait_pid "$PHONE_PID"
check "the 488 says why, without naming LAN hosts" \
	grep -q '^Warning: 399 nat-portd "the answer.s media was refused' "$TMP/uas.msg"
check "no LAN address in any SDP or Warning the provider got" \
	sh -c "! grep -E '^(c=|o=|Warning:).*192\\.0\\.2\\.' '$TMP/uas.msg'"
portd_stats
check "two more own requests (own_requests=$(st own_requests))" \
	[ "$(st own_requests)" = 4 ]
check "nothing mapped (mappings=$(st mappings))" [ "$(st mappings)" = 0 ]
check "no natport entry" [ "$(np_entries)" = 0 ]

echo "== the refused calls go after invite-timeout"
sip_final_checks 3500
finish
