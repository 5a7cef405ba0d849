#!/usr/bin/env bash
# test_anat.sh - mixed families on a dual-stack router: the calls whose
# offer carries an address of the phone's family (ANAT, RFC 4091; ICE
# candidates, RFC 8445) go through, on that family, in the kernel; an
# offer without one is refused before the phone rings.
#
#   LAN phone "alice" (sipp)      router: nat-portd            provider (sipp)
#   192.0.2.10 (SIP, RTP 6000) -[c0]-[r0]- 192.0.2.1 | 198.51.100.1 -[r1]-[w0]- 198.51.100.20 (RTP 7002-7008)
#   2001:db8:1::10               2001:db8:1::1 | 2001:db8:2::1          2001:db8:2::20 (SIP)
#
# The provider speaks SIP over IPv6 only; alice over IPv4 only (her
# media must be at her SIP address). The router's forward policy drops
# by default (topo_up), so RTP crosses only through natport's entries.
#
# 1. The provider calls alice with an ANAT offer, IPv6 preferred, IPv4
#    second: alice gets the IPv6 alternative rejected (m= port 0,
#    c=IN IP6 ::) and the IPv4 one as it was; her answer is mapped on
#    IPv4; RTP crosses both ways.
# 2. The provider's offer has c=IN IP6 and ICE candidates of both
#    families: alice gets c=/m= of its public IPv4 candidate (not the
#    private host one of higher priority) and no ICE lines; RTP crosses.
# 3. The provider's IPv6-only offer: 488 to the provider with the
#    specific Warning before alice rings; refused_family counts it; no
#    port is held.
# 4. Alice calls the provider with an ANAT offer (IPv4 at her address,
#    IPv6 at her IPv6 one): the provider gets the IPv4 alternative
#    mapped and the IPv6 one rejected, answers on IPv4; RTP crosses.
# 5. Alice's offer has c=IN IP6 and a host candidate at her IPv4
#    address: it is mapped; the provider sees the router's IPv4 address
#    and no candidates.
# 6. Bad input: an ANAT group naming an unknown mid (from the provider)
#    gets 400; a junk candidate from alice gets 400; nothing held.
# 7. Nothing left: calls, mappings, ports, entries, namespaces.
set -eu
. "$(dirname "$0")/../lib/sip.sh"
trap cleanup EXIT
sip_up
topo_v6

portd_start "lan-prefix 192.0.2.0/24" "lan-prefix 2001:db8:1::/64" \
	"lan-address6 $RTR6_LAN" "wan-address6 $RTR6_WAN" "invite-timeout 3s"

# what reached each end's media ports, from the other end (through the
# router's entries: translated on the WAN side)
count_in() { # count_in NS NAME MATCH: an input counter NAME in NS
	ip netns exec "$1" nft -f - <<NFT
table inet npt {
	counter $2 { }
	chain in { type filter hook input priority 0; $3 counter name $2; }
}
NFT
}
count_in "$NS_LAN" tolan "ip saddr $WAN_IP udp dport 6000"
count_in "$NS_WAN" towan "ip saddr $RTR_WAN udp dport 7000-7010"

# fill TEMPLATE SDP > file: the scenario with its @SDP@ line replaced
fill() { awk -v sdp="$2" '$0 == "@SDP@" { print sdp; next } { print }' "$SCN/$1"; }
sdp() { printf '%s\n' "$@"; } # sdp LINE... -> the body, one line each
HEAD4="v=0
o=alice 1 1 IN IP4 $LAN_IP
s=-" # then c= if any, t=, session attributes, media
HEAD6="v=0
o=bob 1 1 IN IP6 $WAN6_IP
s=-"

provider_calls() { # provider_calls OFFER: the provider calls alice
	fill itsp_reg_call_sdp.xml "$1" >"$TMP/itsp.xml"
	bg "$NS_WAN" timeout 30 sipp -sf "$TMP/itsp.xml" -i "$WAN6_IP" -p 5060 \
		-mi "$WAN6_IP" -mp 7100 -m 1 -d 3000 -key far "[$WAN6_IP]" \
		-nostdin -trace_err -error_file "$TMP/uas.err" -trace_msg \
		-message_file "$TMP/uas.msg" >"$TMP/uas.out" 2>&1
	UAS_PID=$!
	sleep 0.3
}
alice_answers() { # alice_answers ANSWER: alice registers and answers
	fill phone_reg_sdp.xml "$1" >"$TMP/phone.xml"
	bg "$NS_LAN" timeout 30 sipp -sf "$TMP/phone.xml" -i "$LAN_IP" -p 5060 \
		-mi "$LAN_IP" -mp 6100 -m 1 -key far "[$WAN6_IP]" -nostdin \
		-trace_err -error_file "$TMP/phone.err" -trace_msg \
		-message_file "$TMP/phone.msg" "$RTR_LAN:5060" >"$TMP/phone.out" 2>&1
	PHONE_PID=$!
}
alice_registers() { # alice registers only (the call never reaches her)
	sed -e 's/198\.51\.100\.20/[far]/g' -e 's/@EXPIRES@/300/; s/@CODE@/200/' \
		"$SCN/phone_reg_once.xml" >"$TMP/phone.xml"
	bg "$NS_LAN" timeout 30 sipp -sf "$TMP/phone.xml" -i "$LAN_IP" -p 5060 \
		-m 1 -key far "[$WAN6_IP]" -nostdin -trace_msg \
		-message_file "$TMP/phone.msg" "$RTR_LAN:5060" >"$TMP/phone.out" 2>&1
	PHONE_PID=$!
}
alice_calls() { # alice_calls OFFER ANSWER: alice calls the provider
	fill uas_sdp.xml "$2" >"$TMP/uas.xml"
	bg "$NS_WAN" timeout 30 sipp -sf "$TMP/uas.xml" -i "$WAN6_IP" -p 5060 \
		-mi "$WAN6_IP" -mp 7100 -m 1 -nostdin -trace_err \
		-error_file "$TMP/uas.err" -trace_msg -message_file "$TMP/uas.msg" \
		>"$TMP/uas.out" 2>&1
	UAS_PID=$!
	sleep 0.3
	fill uac_sdp.xml "$1" >"$TMP/uac.xml"
	bg "$NS_LAN" timeout 30 sipp -sf "$TMP/uac.xml" -i "$LAN_IP" -p 5060 \
		-mi "$LAN_IP" -mp 6100 -s 1000 -m 1 -d 3000 -key far "[$WAN6_IP]" \
		-nostdin -trace_err -error_file "$TMP/uac.err" -trace_msg \
		-message_file "$TMP/uac.msg" "$RTR_LAN:5060" >"$TMP/uac.out" 2>&1
	PHONE_PID=$!
}
# the first message in FILE starting with START (and holding the line
# WITH), its body included
msg_of() { # msg_of FILE START [WITH]
	tr -d '\r' <"$1" | awk -v s="$2" -v w="${3:-}" '
		function done() { if (on && (w == "" || hit) && !out) { out = 1; printf "%s", m; exit } }
		/^-+ / { done(); on = 0; m = ""; next }
		index($0, s) == 1 && !on { on = 1; hit = 0 }
		on { m = m $0 "\n"; if ($0 == w) hit = 1 }
		END { done() }'
}
got() { # got FILE START WHO: $inv is that message; its SDP is shown
	inv=$(msg_of "$1" "$2")
	grep -E '^(o|m|c|a)=' <<<"$inv" | sed "s/^/    $3 got| /"
}
has() { # has TEXT REGEX...: every REGEX matches a line of TEXT
	local t=$1 r
	shift
	for r in "$@"; do grep -Eq -- "$r" <<<"$t" || return 1; done
}
lacks() { ! grep -Eq -- "$2" <<<"$1"; }
# in_order TEXT "LINE|LINE|...": those lines of TEXT, one after the other
in_order() { local t="|${1//$'\n'/|}|"; [[ $t == *"|$2|"* ]]; }
# RTP both ways through the IPv4 entries toward the provider's PORT
media_crosses() { # media_crosses PORT LABEL
	local ext t0 w0
	ext=$(ext_of "$1")
	check "$2: an entry toward the provider's [$WAN_IP]:$1 (external port ${ext:-none})" \
		[ -n "$ext" ]
	[ -n "$ext" ] || return 0
	t0=$(rx "$NS_LAN" tolan)
	w0=$(rx "$NS_WAN" towan)
	in_wan "$BIN/tests/np-udp" send -b "$WAN_IP:$1" -d "$RTR_WAN:$ext" \
		-n 30 -i 5000 >/dev/null
	in_lan "$BIN/tests/np-udp" send -b "$LAN_IP:6000" -d "$WAN_IP:$1" \
		-n 30 -i 5000 >/dev/null
	sleep 0.3
	check "$2: the provider's RTP reached alice ($t0 -> $(rx "$NS_LAN" tolan))" \
		[ "$(rx "$NS_LAN" tolan)" -ge $((t0 + 30)) ]
	check "$2: alice's RTP reached the provider from the router ($w0 -> $(rx "$NS_WAN" towan))" \
		[ "$(rx "$NS_WAN" towan)" -ge $((w0 + 30)) ]
}
call_ends() { # call_ends LABEL: both sipps done, the entries gone
	check "$1: the provider's sipp completed" wait_pid "$UAS_PID"
	check "$1: alice's sipp completed" wait_pid "$PHONE_PID"
	check "$1: the entries are gone" wait_entries 0
}

echo "== 1: the provider's ANAT offer (IPv6 first) to alice on IPv4"
provider_calls "$(sdp "$HEAD6" "t=0 0" "a=group:ANAT 1 2" \
	"m=audio 7000 RTP/AVP 8" "c=IN IP6 $WAN6_IP" "a=mid:1" \
	"m=audio 7002 RTP/AVP 8" "c=IN IP4 $WAN_IP" "a=mid:2")"
alice_answers "$(sdp "$HEAD4" "t=0 0" "a=group:ANAT 1 2" \
	"m=audio 0 RTP/AVP 8" "c=IN IP6 ::" "a=mid:1" \
	"m=audio 6000 RTP/AVP 8" "c=IN IP4 $LAN_IP" "a=mid:2")"
check "two IPv4 entries (RTP, RTCP) for the IPv4 alternative" wait_until 50 np_entries_are 2
got "$TMP/phone.msg" "INVITE sip:alice@" alice
check "alice got the IPv6 alternative rejected (port 0, c=IN IP6 ::)" \
	in_order "$inv" "m=audio 0 RTP/AVP 8|c=IN IP6 ::|a=mid:1"
check "...and the IPv4 one as the provider sent it" \
	has "$inv" "^m=audio 7002 RTP/AVP 8\$" "^c=IN IP4 $WAN_IP\$" "^a=group:ANAT 1 2\$"
media_crosses 7002 "1"
ok=$(msg_of "$TMP/uas.msg" "SIP/2.0 200 OK" "CSeq: 1 INVITE")
check "the provider's answer: IPv6 rejected, IPv4 at the router's address" \
	has "$ok" "^m=audio 0 RTP/AVP 8\$" "^c=IN IP4 $RTR_WAN\$" "^m=audio 200[0-9][0-9] RTP/AVP 8\$"
call_ends "1"

echo "== 2: the provider's IPv6 offer with an IPv4 ICE candidate"
provider_calls "$(sdp "$HEAD6" "t=0 0" "a=ice-ufrag:8hhY" "a=ice-pwd:asd88fgpdd777uzjYhagZg" \
	"m=audio 7000 RTP/AVP 8" "c=IN IP6 $WAN6_IP" \
	"a=candidate:1 1 UDP 2130706431 $WAN6_IP 7000 typ host" \
	"a=candidate:2 1 UDP 1694498815 $WAN_IP 7004 typ srflx raddr 10.0.0.20 rport 7000" \
	"a=candidate:2 2 UDP 1694498814 $WAN_IP 7005 typ srflx raddr 10.0.0.20 rport 7001" \
	"a=candidate:3 1 UDP 2130706430 10.0.0.20 7000 typ host")"
alice_answers "$(sdp "$HEAD4" "c=IN IP4 $LAN_IP" "t=0 0" "m=audio 6000 RTP/AVP 8")"
check "two IPv4 entries toward the candidate" wait_until 50 np_entries_are 2
got "$TMP/phone.msg" "INVITE sip:alice@" alice
check "alice got c=/m= of the IPv4 srflx candidate (not the private host one)" \
	has "$inv" "^c=IN IP4 $WAN_IP\$" "^m=audio 7004 RTP/AVP 8\$"
check "...and no ICE lines (the path is fixed)" lacks "$inv" "^a=(candidate|ice-)"
check "the RTCP entry goes to the component-2 candidate (7005)" \
	bash -c "grep -q 'src=$WAN_IP dst=$RTR_WAN sport=7005 ' <<<\"\$1\"" _ "$(np_entries_raw)"
media_crosses 7004 "2"
call_ends "2"

echo "== 3: the provider's IPv6-only offer is refused before alice rings"
portd_stats
fam0=$(st refused_family)
provider_calls "$(sdp "$HEAD6" "c=IN IP6 $WAN6_IP" "t=0 0" "m=audio 7000 RTP/AVP 8")"
alice_registers
check "the provider's sipp: alice registered, its call got 488 and was ACKed" \
	wait_pid "$UAS_PID"
check "alice's sipp: registered" wait_pid "$PHONE_PID"
r488=$(msg_of "$TMP/uas.msg" "SIP/2.0 488")
echo "$r488" | grep '^Warning' | sed 's/^/    /'
check "the provider's 488 says why, naming no address" \
	grep -q "^Warning: 399 nat-portd \"stream 1: the phone's media is IPv4 and the far end's IPv6; the router forwards media within one family only (no NAT64)\"" <<<"$r488"
check "alice never got the INVITE" not grep -q "^INVITE" "$TMP/phone.msg"
portd_stats
check "refused_family counted it ($fam0 -> $(st refused_family))" \
	[ "$(st refused_family)" = $((fam0 + 1)) ]
check "no port held, no mapping (ports_held=$(st ports_held) mappings=$(st mappings))" \
	[ "$(st ports_held)/$(st mappings)" = 0/0 ]

echo "== 4: alice's ANAT offer to the IPv6 provider"
alice_calls "$(sdp "$HEAD4" "t=0 0" "a=group:ANAT 2 1" \
	"m=audio 6000 RTP/AVP 8" "c=IN IP4 $LAN_IP" "a=mid:1" \
	"m=audio 6002 RTP/AVP 8" "c=IN IP6 $LAN6_IP" "a=mid:2")" \
	"$(sdp "$HEAD6" "t=0 0" "a=group:ANAT 2 1" \
	"m=audio 7006 RTP/AVP 8" "c=IN IP4 $WAN_IP" "a=mid:1" \
	"m=audio 0 RTP/AVP 8" "c=IN IP6 ::" "a=mid:2")"
check "two IPv4 entries for alice's IPv4 alternative" wait_until 50 np_entries_are 2
got "$TMP/uas.msg" "INVITE sip:" provider
check "the provider got the IPv4 alternative at the router's address" \
	has "$inv" "^c=IN IP4 $RTR_WAN\$" "^m=audio 200[0-9][0-9] RTP/AVP 8\$" "^a=mid:1\$"
check "...and the IPv6 one rejected, without alice's IPv6 address" \
	in_order "$inv" "m=audio 0 RTP/AVP 8|c=IN IP6 ::|a=mid:2"
check "...alice's addresses appear nowhere in the SDP" \
	lacks "$(grep -E '^[a-z]=' <<<"$inv")" "$LAN_IP|$LAN6_IP"
media_crosses 7006 "4"
call_ends "4"

echo "== 5: alice's IPv6 offer with a host candidate at her IPv4 address"
alice_calls "$(sdp "$HEAD4" "t=0 0" "a=ice-ufrag:Qw3r" "a=ice-pwd:0123456789abcdefghijkl" \
	"a=ice-lite" "m=audio 6008 RTP/AVP 8" "c=IN IP6 $LAN6_IP" \
	"a=candidate:1 1 UDP 2130706431 $LAN6_IP 6008 typ host" \
	"a=candidate:2 1 UDP 2130706000 $LAN_IP 6000 typ host" \
	"a=candidate:2 2 UDP 2130705999 $LAN_IP 6001 typ host")" \
	"$(sdp "$HEAD6" "c=IN IP4 $WAN_IP" "t=0 0" "m=audio 7008 RTP/AVP 8")"
check "two IPv4 entries for alice's IPv4 candidate" wait_until 50 np_entries_are 2
got "$TMP/uas.msg" "INVITE sip:" provider
check "the provider got the router's IPv4 address and a port of the range" \
	has "$inv" "^c=IN IP4 $RTR_WAN\$" "^m=audio 200[0-9][0-9] RTP/AVP 8\$"
check "...no candidate, no ICE credentials, no address of alice's" \
	lacks "$(grep -E '^[a-z]=' <<<"$inv")" "^a=(candidate|ice-)|$LAN_IP|$LAN6_IP"
media_crosses 7008 "5"
call_ends "5"

echo "== 6: malformed ANAT and candidates are refused, nothing held"
provider_calls "$(sdp "$HEAD6" "t=0 0" "a=group:ANAT 1 9" \
	"m=audio 7000 RTP/AVP 8" "c=IN IP6 $WAN6_IP" "a=mid:1" \
	"m=audio 7002 RTP/AVP 8" "c=IN IP4 $WAN_IP" "a=mid:2")"
alice_registers
check "the provider's offer with an unknown mid got 400 (its sipp completed)" \
	wait_pid "$UAS_PID"
wait_pid "$PHONE_PID" || true
check "...whose Warning names the mid" \
	grep -q "^Warning: 399 nat-portd \"malformed SDP: a=group:ANAT names mid '9'" "$TMP/uas.msg"
sdp "$HEAD4" "c=IN IP4 $LAN_IP" "t=0 0" "m=audio 6000 RTP/AVP 8" \
	"a=candidate:1 1 UDP 2130706431 $LAN_IP 6000 typ" | sed 's/$/\r/' >"$TMP/junk.sdp"
raw_invite junk-cand "$TMP/junk.sdp" >"$TMP/junk.sip"
check "alice's offer with a junk candidate gets 400" [ "$(raw_send "$TMP/junk.sip")" = 400 ]
portd_stats
check "nothing held after the refusals (calls=$(st calls) mappings=$(st mappings) ports_held=$(st ports_held))" \
	[ "$(st mappings)/$(st ports_held)" = 0/0 ]
check "the refusals are logged" grep -q "a=candidate: want" "$PORTD_LOG"

echo "== 7: nothing left"
sip_final_checks 3500
finish
