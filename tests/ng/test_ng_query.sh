#!/usr/bin/env bash
# test_ng_query.sh - what an ng "query" (and "delete") reports for a call
# with RTP, against what was sent: np-ngc speaks ng in the router (where
# Kamailio would), np-rtp sends RTP from each end through natport's
# kernel entries.
#
#   LAN 192.0.2.10:6000 (ft)      router: nat-portd          WAN 198.51.100.20:7000 (tt)
#                                 ng-listen 127.0.0.1:2223
#
# 1. Offer from the LAN, answer from the WAN; the phone sends N_L RTP
#    packets (every 10th sequence number skipped, so a counting module
#    would see loss), the provider N_W. nat-portctl mappings list (text,
#    JSON) names the mappings' owner: ng, the call's session id, call-id.
# 2. query: per stream "stats" is what that tag sent and "stats_out" what
#    natport delivered to it, packets and IP bytes exactly as sent (the
#    kernel entry counts every packet: nf_conntrack_acct); RTCP nothing;
#    "totals" RTP is both ways once; "last signal" and "created" set.
# 3. Loss and jitter: with the natport_rtp module loaded, "SSRC" and each
#    media's "ingress SSRCs" give the sender's SSRC, its RTP packets and
#    the loss np-rtp computed for its plan; without the module (this
#    host, as a rule) those keys are absent, not zero.
# 4. delete replies with the same figures, and nothing is left.
set -eu
. "$(dirname "$0")/../lib/sip.sh"
. "$(dirname "$0")/../lib/ng.sh"
trap cleanup EXIT
need_sip
[ -x "$NGC" ] || skip "no $NGC (make)"
RTP=$BIN/tests/np-rtp
[ -x "$RTP" ] || skip "no $RTP (make)"
NPCTL=$BIN/nat-portctl
[ -x "$NPCTL" ] || skip "no $NPCTL (make)"
J=$TOP/tests/ng/benc2json.pl
perl -MJSON::PP -e 1 || skip "perl's JSON::PP missing (perl-modules)"
sip_up
in_rtr sysctl -qw net.netfilter.nf_conntrack_acct=1
ng_portd_start "media-port-range 20000-20007" "control-socket $TMP/ctl.sock" \
	"ng-allow 127.0.0.1/32"
N_L=60 N_W=40

body() { REPLY=$(cat "$1"; echo x); REPLY=${REPLY%x}; }
json() { printf '%s' "$1" | perl "$J"; } # json REPLY -> JSON on stdout
is_ok() { [[ "$REPLY" == *"6:result2:ok"* ]]; }

echo "== 1: a call, RTP both ways"
sdp_offer 6000 >"$TMP/lan.sdp"
body "$TMP/lan.sdp"
ng_req o1 call-id q1 command offer from-tag ft sdp "$REPLY" >"$TMP/offer"
ng_send "$TMP/offer"
check "the offer is ok" is_ok
ext=$(printf '%s' "$REPLY" | tr '\r' '\n' | sed -n 's/^m=audio \([0-9]*\) .*/\1/p')
check "the offer's SDP names an external port ($ext)" [ -n "$ext" ]
printf 'v=0\r\no=p 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\n' \
	"$WAN_IP" "$WAN_IP" >"$TMP/wan.sdp"
body "$TMP/wan.sdp"
ng_req a1 call-id q1 command answer from-tag ft sdp "$REPLY" to-tag tt >"$TMP/answer"
ng_send "$TMP/answer"
check "the answer is ok" is_ok
check "the answer installed the RTP and RTCP entries" wait_entries 2
in_wan "$RTP" recv -b "$WAN_IP:7000" -t 1500 >"$TMP/wan.recv" &
wrecv=$!
in_lan "$RTP" recv -b "$LAN_IP:6000" -t 1500 >"$TMP/lan.recv" &
lrecv=$!
sleep 0.3
in_lan "$RTP" send -b "$LAN_IP:6000" -d "$WAN_IP:7000" -n $N_L -i 2 -L 10 \
	-s 0x0a0b0c0d >"$TMP/lan.plan"
in_wan "$RTP" send -b "$WAN_IP:7000" -d "$RTR_WAN:$ext" -n $N_W -i 2 \
	-s 0x01020304 >"$TMP/wan.plan"
wait $wrecv $lrecv || true
plan() { sed -n "s/^$2=//p" "$TMP/$1.plan"; }
l_pk=$(plan lan packets) l_by=$(plan lan bytes) w_pk=$(plan wan packets) w_by=$(plan wan bytes)
echo "  sent: LAN $l_pk packets $l_by bytes, WAN $w_pk packets $w_by bytes;" \
	"received: WAN $(cat "$TMP/wan.recv"), LAN $(cat "$TMP/lan.recv")"
check "the provider got the phone's RTP" grep -q "received=$l_pk" "$TMP/wan.recv"
check "the phone got the provider's RTP" grep -q "received=$w_pk" "$TMP/lan.recv"

# the operator's view: the mappings name their ng call
"$NPCTL" -s "$TMP/ctl.sock" -j mappings list >"$TMP/maps.json" 2>"$TMP/maps.err" ||
	fail "mappings list -j: $(cat "$TMP/maps.err")"
NG_SID=$("$NPCTL" -s "$TMP/ctl.sock" -j calls list | jq -r '.[] | select(.owner == "ng") | .id')
check "mappings list -j: both mappings are owner ng, call $NG_SID, call_id q1" \
	jq -e --argjson s "${NG_SID:-0}" 'length == 2 and all(.[]; .owner == "ng" and .call == $s and .call_id == "q1")' "$TMP/maps.json"
"$NPCTL" -s "$TMP/ctl.sock" mappings list >"$TMP/maps.txt" 2>&1 || true
check "mappings list (text): owner ng call $NG_SID call_id q1 on both" \
	[ "$(grep -c " owner ng call $NG_SID call_id q1 age " "$TMP/maps.txt")" = 2 ]

echo "== 2: query"
ng_req q1 call-id q1 command query from-tag ft >"$TMP/query"
ng_send "$TMP/query"
check "query is ok" is_ok
json "$REPLY" >"$TMP/q.json" || fail "the query reply is not bencode: $REPLY"
jqt() { jq -e "$@" >/dev/null; }
qj() { jq -er "$1" "$TMP/q.json"; }
# the RTP (RTCP) stream of tag T's first media
strm() { echo ".tags.$1.medias[0].streams[$2]"; }
check "ft's RTP stats: the phone's packets ($l_pk)" [ "$(qj "$(strm ft 0).stats.packets")" = "$l_pk" ]
check "...and its IP bytes ($l_by)" [ "$(qj "$(strm ft 0).stats.bytes")" = "$l_by" ]
check "ft's RTP stats_out: what reached the phone ($w_pk, $w_by bytes)" \
	[ "$(qj "$(strm ft 0).stats_out.packets")/$(qj "$(strm ft 0).stats_out.bytes")" = "$w_pk/$w_by" ]
check "tt's RTP stats: the provider's packets ($w_pk, $w_by bytes)" \
	[ "$(qj "$(strm tt 0).stats.packets")/$(qj "$(strm tt 0).stats.bytes")" = "$w_pk/$w_by" ]
check "tt's RTP stats_out: the phone's ($l_pk)" [ "$(qj "$(strm tt 0).stats_out.packets")" = "$l_pk" ]
check "RTCP carried nothing" [ "$(qj "$(strm ft 1).stats.packets")/$(qj "$(strm tt 1).stats.packets")" = 0/0 ]
check "ft's RTP stream: local port $ext, endpoint the phone" \
	[ "$(qj "$(strm ft 0)[\"local port\"]")/$(qj "$(strm ft 0).endpoint.address")" = "$ext/$LAN_IP" ]
check "totals RTP: both ways once ($((l_pk + w_pk)) packets, $((l_by + w_by)) bytes)" \
	[ "$(qj .totals.RTP.packets)/$(qj .totals.RTP.bytes)" = "$((l_pk + w_pk))/$((l_by + w_by))" ]
check "totals RTCP: nothing" [ "$(qj .totals.RTCP.packets)" = 0 ]
now=$(date +%s)
check "created and last signal are this minute's UNIX times" \
	jqt --argjson n "$now" '(.created - $n | fabs) < 60 and (.["last signal"] - $n | fabs) < 60 and .["last signal"] >= .created' "$TMP/q.json"

echo "== 3: loss and jitter"
if [ -d /sys/module/natport_rtp ]; then
	lost=$(plan lan lost)
	check "SSRC 168496141 (the phone's): its RTP packets and loss ($lost)" \
		jqt --argjson p "$(plan lan rtp)" --argjson l "$lost" \
		'.SSRC["168496141"] | .packets == $p and .["cumulative loss"] == $l and has("jitter") and has("packet loss")' "$TMP/q.json"
	check "ft's media lists it in ingress SSRCs, tt's in egress SSRCs" \
		jqt '.tags.ft.medias[0]["ingress SSRCs"][0].SSRC == 168496141 and .tags.tt.medias[0]["egress SSRCs"][0].SSRC == 168496141' "$TMP/q.json"
	check "the provider's SSRC 16909060: no loss" \
		jqt '.SSRC["16909060"]["cumulative loss"] == 0' "$TMP/q.json"
else
	check "no RTP statistics module: nat-portd said so at start" \
		grep -q 'RTP statistics unavailable' "$PORTD_LOG"
	check "...and the reply has no SSRC, loss or jitter keys (not zeros)" \
		jqt '[paths | map(tostring) | .[-1]] | map(select(. == "SSRC" or . == "ingress SSRCs" or . == "egress SSRCs" or . == "cumulative loss" or . == "jitter" or . == "packet loss")) | length == 0' "$TMP/q.json"
fi

echo "== 4: delete"
ng_req d1 call-id q1 command delete from-tag ft >"$TMP/delete"
ng_send "$TMP/delete"
check "delete is ok" is_ok
json "$REPLY" >"$TMP/d.json" || fail "the delete reply is not bencode: $REPLY"
check "delete reports the same totals" \
	[ "$(jq -r .totals.RTP.packets "$TMP/d.json")" = "$((l_pk + w_pk))" ]
check "delete removed the entries" wait_entries 0
ng_stats
check "no ng call left" wait_until 20 ng_calls_are 0
sip_final_checks
finish
