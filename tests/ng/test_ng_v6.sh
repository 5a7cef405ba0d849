#!/usr/bin/env bash
# test_ng_v6.sh - the ng front end over IPv6, driven directly with np-ngc
# from the router (where Kamailio would run): offers and answers whose SDP
# has c=IN IP6 get IPv6 pinholes or NAT66 mappings, real UDP goes through
# them, and a request mixing families is refused with nothing left.
#
#   LAN phone (np-udp)      router: nat-portd               provider (np-udp)
#   2001:db8:1::10 -[c0]-[r0]- 2001:db8:1::1 | 2001:db8:2::1 -[r1]-[w0]- 2001:db8:2::20
#   192.0.2.10               192.0.2.1 | 198.51.100.1           198.51.100.20
#   media 6000/6001          ng-listen 127.0.0.1:2223        media 7000/7001
#
# The router's forward policy drops by default for both families (table
# inet filter) and accepts only ct state established,related and LAN ->
# WAN, so the provider's packets reach the phone only through natport's
# entry.
#
# 1. Pinholes (nat66 no): the LAN offer comes back untranslated (c=IN IP6
#    of the phone, its own port); before the answer the provider's
#    packets to the phone are dropped; the WAN answer installs two IPv6
#    entries (RTP, RTCP) and RTP crosses them both ways, their counters
#    rising; delete removes them. Then the provider offers (an incoming
#    call) with "address family" IP6 and direction [external, internal]
#    and the phone answers: the same.
# 2. NAT66 (nat66 yes): the offer shows the router's wan-address6 and a
#    port of the range; the provider's RTP to it reaches the phone from
#    the provider, the phone's reaches the provider from that address and
#    port; delete removes the entries.
# 3. Mixed families, each refused with an error-reason and nothing left:
#    an IPv4 LAN offer answered from IPv6, an IPv6 WAN offer answered from
#    an IPv4 phone, an IPv6 offer asking for "address family" IP4, and a
#    fresh IPv4 offer asking for IP6 (no call kept). A retried answer of
#    the right family still completes the call.
# 4. Nothing left: calls, mappings, ports, entries of both families.
set -eu
. "$(dirname "$0")/../lib/sip.sh"
. "$(dirname "$0")/../lib/ng.sh"
trap cleanup EXIT
[ -x "$NGC" ] || skip "no $NGC (make)"
sip_up # (need_sip first)
topo_v6
UDP=$BIN/tests/np-udp
V6_CONF=("lan-prefix 192.0.2.0/24" "lan-prefix 2001:db8:1::/64"
	"lan-address6 $RTR6_LAN" "wan-address6 $RTR6_WAN"
	"ng-allow 127.0.0.1/32")

# natport's IPv6 entries (conntrack -L -f ipv6)
np6_raw() {
	in_rtr conntrack -L -f ipv6 -p udp 2>/dev/null | awk -v tag=$((NP_MARK_TAG)) '{
		for (i = 1; i <= NF; i++) if ($i ~ /^mark=/) {
			split($i, m, "="); if (int(m[2] / 65536) == tag) print } }'
}
np6_are() { [ "$(np6_raw | wc -l)" = "$1" ]; }
np6_pkts() { # "in out" packets summed over natport's IPv6 entries
	np6_raw | awk '{ n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^packets=/) {
		split($i, a, "="); if (n++ == 0) o += a[2]; else r += a[2] } }
		END { print o + 0, r + 0 }'
}

body() { # body FILE: its bytes into $REPLY, keeping the last CRLF
	REPLY=$(cat "$1"; echo x)
	REPLY=${REPLY%x}
}
sdp() { # sdp IP4|IP6 ADDR PORT: one audio stream
	printf 'v=0\r\no=x 1 1 IN %s %s\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\nm=audio %s RTP/AVP 0\r\n' \
		"$1" "$2" "$1" "$2" "$3" >"$TMP/x.sdp"
	body "$TMP/x.sdp"
}
is_ok() { [[ "$REPLY" == *"6:result2:ok"* ]]; }
is_error() { [[ "$REPLY" == *"12:error-reason"*"6:result5:error"* ]]; }
# the SDP of the last reply, one line per SDP line
reply_sdp() {
	local s=${REPLY#*3:sdp}
	[ "$s" != "$REPLY" ] || return 0
	s=${s#*:}
	printf '%s' "${s%e}" | tr -d '\r'
}
# the port of the reply's m=audio
reply_port() { reply_sdp | sed -n 's/^m=audio \([0-9]*\) .*/\1/p'; }
req() { # req NAME KEY VAL...: send it, the reply in $REPLY
	local name=$1
	shift
	ng_req "$name" "$@" >"$TMP/$name"
	ng_send "$TMP/$name"
}
nothing_held() {
	portd_stats
	[ "$(st mappings)/$(st ports_held)" = 0/0 ] && np6_are 0 &&
		np_entries_are 0
}
# talk: both ends send N packets at once and each must get all back
# (the phone at [LAN6]:6000 to $1, the provider at [WAN6]:7000 to $2)
talk() {
	bg "$NS_WAN" "$UDP" talk -b "[$WAN6_IP]:7000" -d "$2" -n 50 -i 10000 \
		-t 8000 -w 300 >"$TMP/wan.talk" 2>&1
	local w=$!
	in_lan "$UDP" talk -b "[$LAN6_IP]:6000" -d "$1" -n 50 -i 10000 \
		-t 8000 -w 300 >"$TMP/lan.talk" 2>&1 || true
	wait "$w" || true
}
got() { grep -q "^recv 50 from $2\$" "$1"; } # got FILE SOURCE

echo "== 1: pinholes"
ng_portd_start "${V6_CONF[@]}"
sdp IP6 "$LAN6_IP" 6000
req o1 call-id c1 command offer from-tag ft sdp "$REPLY"
check "the IPv6 LAN offer is ok" is_ok
check "...its SDP untranslated: c=IN IP6 of the phone, port 6000 (a pinhole)" \
	[ "$(reply_sdp | grep '^c=')/$(reply_port)" = "c=IN IP6 $LAN6_IP/6000" ]
check "...no IPv4 address in it" not grep -q 'IP4' <<<"$(reply_sdp)"
in_lan "$UDP" recv -b "[$LAN6_IP]:6000" -n 1 -t 1500 >"$TMP/before" 2>&1 &
rpid=$!
sleep 0.3
in_wan "$UDP" send -b "[$WAN6_IP]:7000" -d "[$LAN6_IP]:6000" -n 5 -i 50000 >/dev/null 2>&1
check "before the answer the provider's packets are dropped (forward policy)" \
	not wait "$rpid"
sdp IP6 "$WAN6_IP" 7000
req a1 call-id c1 command answer from-tag ft sdp "$REPLY" to-tag tt
check "the IPv6 WAN answer is ok" is_ok
check "the answer installed two IPv6 entries (RTP, RTCP)" wait_until 50 np6_are 2
check "...and no IPv4 one" np_entries_are 2
read -r i0 o0 < <(np6_pkts)
talk "[$WAN6_IP]:7000" "[$LAN6_IP]:6000"
read -r i1 o1 < <(np6_pkts)
check "the phone got the provider's 50 packets through the pinhole" \
	got "$TMP/lan.talk" "\[$WAN6_IP\]:7000"
check "the provider got the phone's 50, untranslated" \
	got "$TMP/wan.talk" "\[$LAN6_IP\]:6000"
check "the entries' counters rose both ways ($i0 -> $i1, $o0 -> $o1)" \
	[ "$i1" -ge $((i0 + 50)) ] && [ "$o1" -ge $((o0 + 50)) ]
"$BIN/nat-portctl" -s "$TMP/ctl.sock" calls list >"$TMP/calls.txt" 2>&1 || true
check "nat-portctl shows the ng call's IPv6 endpoints bracketed" \
	grep -q "\[$LAN6_IP\]:6000" "$TMP/calls.txt"
req d1 call-id c1 command delete from-tag ft
check "delete is ok" is_ok
check "delete removed the IPv6 entries" wait_until 50 np6_are 0
check "...and every mapping" wait_until 30 nothing_held

# an incoming call: the provider offers, naming the family it wants and
# the sides as Kamailio's direction=external direction=internal does
sdp IP6 "$WAN6_IP" 7000
req o2 "address family" IP6 call-id c2 command offer direction l:external,internal \
	from-tag pt sdp "$REPLY"
check "an IPv6 WAN offer with address family IP6 and direction is ok" is_ok
check "...passed on with the provider's address" \
	grep -q "^c=IN IP6 $WAN6_IP\$" <<<"$(reply_sdp)"
sdp IP6 "$LAN6_IP" 6000
req a2 call-id c2 command answer from-tag pt sdp "$REPLY" to-tag ph
check "the phone's IPv6 answer is ok, untranslated" \
	[ "$(reply_sdp | grep '^c=')/$(reply_port)" = "c=IN IP6 $LAN6_IP/6000" ]
check "the answer installed two IPv6 entries" wait_until 50 np6_are 2
talk "[$WAN6_IP]:7000" "[$LAN6_IP]:6000"
check "RTP crossed both ways" got "$TMP/lan.talk" "\[$WAN6_IP\]:7000" &&
	got "$TMP/wan.talk" "\[$LAN6_IP\]:6000"
req d2 call-id c2 command delete from-tag pt
check "delete removed them, nothing held" wait_until 50 nothing_held
check "nat-portd exits cleanly" portd_stop

echo "== 2: NAT66"
ng_portd_start "${V6_CONF[@]}" "nat66 yes"
sdp IP6 "$LAN6_IP" 6000
req o3 call-id c3 command offer from-tag ft sdp "$REPLY"
P=$(reply_port)
check "the offer shows the router's wan-address6" \
	grep -q "^c=IN IP6 $RTR6_WAN\$" <<<"$(reply_sdp)"
check "...and a port of the range ($P)" [ "${P:-0}" -ge 20000 ] && [ "$P" -le 20099 ]
check "...and no LAN address" not grep -q "2001:db8:1::" <<<"$(reply_sdp)"
sdp IP6 "$WAN6_IP" 7000
req a3 call-id c3 command answer from-tag ft sdp "$REPLY" to-tag tt
check "the answer is ok" is_ok
check "two IPv6 entries (RTP, RTCP)" wait_until 50 np6_are 2
talk "[$WAN6_IP]:7000" "[$RTR6_WAN]:$P"
check "the phone got the provider's RTP (sent to [wan-address6]:$P)" \
	got "$TMP/lan.talk" "\[$WAN6_IP\]:7000"
check "the provider got the phone's from [wan-address6]:$P" \
	got "$TMP/wan.talk" "\[$RTR6_WAN\]:$P"
req d3 call-id c3 command delete from-tag ft
check "delete removed the NAT66 entries, nothing held" wait_until 50 nothing_held

echo "== 3: mixed families"
calls_before() { ng_stats; CALLS=$(ngst calls); }
sdp IP4 "$LAN_IP" 6000
req o4 call-id c4 command offer from-tag ft sdp "$REPLY"
check "an IPv4 LAN offer is ok" is_ok
portd_stats
m4=$(st mappings)
sdp IP6 "$WAN6_IP" 7000
req a4 call-id c4 command answer from-tag ft sdp "$REPLY" to-tag tt
check "an IPv6 answer to it is refused ($REPLY)" is_error
check "...saying why" grep -q 'within one family' <<<"$REPLY"
check "...no entry of either family" np_entries_are 0
portd_stats
check "...no new mapping ($m4 -> $(st mappings))" [ "$(st mappings)" = "$m4" ]
sdp IP4 "$WAN_IP" 7000
req a4b call-id c4 command answer from-tag ft sdp "$REPLY" to-tag tt
check "the IPv4 answer from the same to-tag then completes the call" is_ok
check "...with its two IPv4 entries" wait_entries 2
req d4 call-id c4 command delete from-tag ft
check "delete removed them, nothing held" wait_until 50 nothing_held

sdp IP6 "$WAN6_IP" 7000
req o5 call-id c5 command offer from-tag pt sdp "$REPLY"
check "an IPv6 WAN offer is ok" is_ok
sdp IP4 "$LAN_IP" 6000
req a5 call-id c5 command answer from-tag pt sdp "$REPLY" to-tag ph
check "an IPv4 phone's answer to it is refused ($REPLY)" is_error
check "...saying why" grep -q 'within one family' <<<"$REPLY"
check "...nothing mapped, no entry" wait_until 30 nothing_held
req d5 call-id c5 command delete from-tag pt
check "delete of the refused call is ok" is_ok

sdp IP6 "$LAN6_IP" 6000
req o6 "address family" IP4 call-id c6 command offer from-tag ft sdp "$REPLY"
check "an IPv6 offer asking for address family IP4 is refused ($REPLY)" is_error
check "...saying why" grep -q 'within one family' <<<"$REPLY"
sdp IP4 "$LAN_IP" 6000
req o7 "address family" IP6 call-id c7 command offer from-tag ft sdp "$REPLY"
check "an IPv4 offer asking for IP6 is refused ($REPLY)" is_error
req l1 command list
check "neither refused call is kept ($REPLY)" not grep -Eq '2:c[67]' <<<"$REPLY"
check "...nothing mapped, no entry" wait_until 30 nothing_held
ng_stats
check "no ng call left (calls=$(ngst calls))" [ "$(ngst calls)" = 0 ]

echo "== 4: nothing left"
check "no IPv6 entry left" np6_are 0
sip_final_checks
check "no IPv6 entry after exit" np6_are 0
finish
