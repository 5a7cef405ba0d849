#!/usr/bin/env bash
# test_call_v6.sh - calls over IPv6 through nat-portd on a dual-stack
# router, media in the kernel (pinholes, then NAT66), and the calls whose
# media would cross families refused clearly.
#
#   LAN phone (sipp)        router: nat-portd               provider (sipp)
#   2001:db8:1::10 -[c0]-[r0]- 2001:db8:1::1 | 2001:db8:2::1 -[r1]-[w0]- 2001:db8:2::20
#   192.0.2.10               192.0.2.1 | 198.51.100.1           198.51.100.20
#   RTP 6000/6001            media 20000-20099 (IPv4, NAT66)    RTP 7000/7001
#
# The router's forward policy drops by default (both families: table inet
# filter) and accepts only `ct state established,related` and LAN -> WAN,
# so the provider's RTP reaches the phone only through natport's entry.
#
# 1. Pinholes (nat66 no): an IPv6 phone calls an IPv6 provider over the
#    router's IPv6 addresses. SIP carries bracketed IPv6 references (Via,
#    Record-Route, the Contact shown on the WAN side) and received= with
#    the bare address (RFC 5118); the SDP goes out untranslated (c=IN IP6
#    of the phone); two IPv6 entries carry RTP both ways; a re-INVITE
#    keeps them and media flows on; BYE removes them. Then a phone
#    registers over IPv6 and the provider calls it (sip:alice@[wan6]).
#    Then the phone holds (a=sendonly) longer than the UDP conntrack
#    timeouts and resumes: the pinholes survive and carry the resumed
#    RTP. Then the provider re-INVITEs to move its media to another IPv6
#    address: the pinhole follows, RTP flows to and from the new remote.
#    Then an IPv4 and an IPv6 call at the same time.
# 2. NAT66 (nat66 yes): the same call; the provider sees c=IN IP6 of the
#    router's wan-address6 and a port of the range, and gets the phone's
#    RTP from there; BYE removes the entries.
# 3. Mixed families: an IPv4 phone calls an IPv6 provider, and an IPv6
#    phone an IPv4 one. Signaling crosses families; the answer's media
#    cannot (no NAT64): the phone gets 488 with a Warning saying why, the
#    answerer an ACK and a BYE, refused_family counts both, nothing is
#    left. Then the IPv6 provider calls a phone registered over IPv4
#    with an IPv6-only offer: refused (488, the same Warning) before the
#    phone rings. (ANAT and ICE offers that carry an address of the
#    phone's family: test_anat.sh.)
# 4. Nothing left: calls, mappings, ports, conntrack entries of both
#    families, nft table, namespaces, processes.
set -eu
. "$(dirname "$0")/../lib/sip.sh"
trap cleanup EXIT
sip_up
topo_v6
# a second provider address, where its re-INVITE moves the media (as a
# media server would)
WAN26_IP=2001:db8:2::21
in_wan ip addr add $WAN26_IP/64 dev w0 nodad
topo_neigh6 in_rtr r1 $WAN26_IP in_wan w0
V6_CONF=("lan-prefix 192.0.2.0/24" "lan-prefix 2001:db8:1::/64"
	"lan-address6 $RTR6_LAN" "wan-address6 $RTR6_WAN")

# natport's IPv6 entries (-f ipv6; a plain conntrack -L, np_entries,
# lists both families with conntrack 1.4.7, whatever its man page says)
np6_raw() {
	in_rtr conntrack -L -f ipv6 -p udp 2>/dev/null | awk -v tag=$((NP_MARK_TAG)) '{
		for (i = 1; i <= NF; i++) if ($i ~ /^mark=/) {
			split($i, m, "="); if (int(m[2] / 65536) == tag) print } }'
}
np6_count() { np6_raw | wc -l; }
np6_are() { [ "$(np6_count)" = "$1" ]; }
np6_pkts() { # "in out" packets summed over natport's IPv6 entries
	np6_raw | awk '{ n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^packets=/) {
		split($i, a, "="); if (n++ == 0) o += a[2]; else r += a[2] } }
		END { print o + 0, r + 0 }'
}

# what reached each end's media port, and from where
in_lan nft -f - <<NFT
table inet npt {
	counter audio { }
	counter moved { }
	chain in {
		type filter hook input priority 0;
		ip6 saddr $WAN6_IP udp sport 7000 udp dport 6000 counter name audio
		ip6 saddr $WAN26_IP udp sport 7004 udp dport 6000 counter name moved
	}
}
NFT
in_wan nft -f - <<NFT
table inet npt {
	counter pinhole { }
	counter nat66 { }
	chain in {
		type filter hook input priority 0;
		ip6 saddr $LAN6_IP udp sport 6000 udp dport 7000 counter name pinhole
		ip6 saddr $RTR6_WAN udp sport 20000-20099 udp dport 7000 counter name nat66
	}
}
NFT

SFX= # a suffix for the sipp files, for two calls at once
uas6() { # uas6 SCENARIO ADDR [sipp args] (SCENARIO under $SCN or a path)
	bg "$NS_WAN" timeout 40 sipp -sf "$(scenario "$1")" -i "$2" -p 5060 -mi "$2" \
		-mp 7000 -m 1 -nostdin -trace_err -error_file "$TMP/uas$SFX.err" \
		-trace_msg -message_file "$TMP/uas$SFX.msg" "${@:3}" \
		>"$TMP/uas$SFX.out" 2>&1
	UAS_PID=$!
	sleep 0.3
}
uac6() { # uac6 SCENARIO ADDR FAR ROUTER: the phone at ADDR calls FAR
	bg "$NS_LAN" timeout 40 sipp -sf "$(scenario "$1")" -i "$2" -p 5060 -mi "$2" \
		-mp 6000 -s 1000 -m 1 -key far "$3" -nostdin -trace_err \
		-error_file "$TMP/uac$SFX.err" -trace_msg \
		-message_file "$TMP/uac$SFX.msg" "$4:5060" >"$TMP/uac$SFX.out" 2>&1
	UAC_PID=$!
}
# the first message in FILE starting with START, as one line per header
msg_of() { awk -v s="$2" 'index($0, s) == 1 { on = 1 } on && /^$/ { exit } on' "$1"; }
has() { # has TEXT REGEX...: every REGEX matches a line of TEXT
	local t=$1 r
	shift
	for r in "$@"; do grep -Eq -- "$r" <<<"$t" || return 1; done
}

# a call over IPv6: the entries carry RTP both ways across the re-INVITE
v6_call() {
	uas6 uas_v6.xml "$WAN6_IP"
	uac6 uac_v6.xml "$LAN6_IP" "[$WAN6_IP]" "[$RTR6_LAN]"
	check "two IPv6 natport entries (RTP, RTCP) installed" wait_until 50 np6_are 2
	sleep 1
	read -r o0 r0 < <(np6_pkts)
	sleep 3 # the re-INVITE comes 2.5 s after the ACK
	read -r o1 r1 < <(np6_pkts)
	# what left the LAN untranslated while the call was up (after its
	# BYE the entries are gone and a late RTP packet of the phone's is
	# the router firewall's business, not natport's)
	V6_UP_UNTRANSLATED=$(rx "$NS_WAN" pinhole)
	echo "IPv6 entries: provider->phone $o0 -> $o1, phone->provider $r0 -> $r1"
	check "after the re-INVITE the same two entries" np6_are 2
	check "the kernel carried provider->phone RTP across it ($o0 -> $o1)" \
		[ "$o1" -gt $((o0 + 50)) ]
	check "the kernel carried phone->provider RTP across it ($r0 -> $r1)" \
		[ "$r1" -gt $((r0 + 50)) ]
	check "phone's sipp completed call, re-INVITE and BYE" wait_pid "$UAC_PID"
	check "provider's sipp completed the call" wait_pid "$UAS_PID"
	check "BYE removed the IPv6 entries" wait_until 50 np6_are 0
	check "the re-INVITE was answered 200 through the router" \
		grep -q "^CSeq: 2 INVITE" "$TMP/uac.msg"
}

echo "== 1: IPv6 call through pinholes"
portd_start "${V6_CONF[@]}"
check "nat-portd listens on the IPv6 addresses" \
	grep -q "IPv6: SIP on \[$RTR6_LAN\]:5060 (LAN) and \[$RTR6_WAN\]:5060 (WAN), media pinholes" "$PORTD_LOG"
v6_call
inv=$(msg_of "$TMP/uas.msg" "INVITE sip:")
echo "$inv" | sed 's/^/    provider got| /' | head -n 12
check "the provider's top Via is the router's bracketed IPv6 WAN address" \
	grep -q "^Via: SIP/2.0/UDP \[$RTR6_WAN\]:5060;branch=z9hG4bK" <<<"$inv"
check "the phone's Via below it got received= with the bare address" \
	grep -q "^Via: SIP/2.0/UDP \[$LAN6_IP\]:5060;.*received=$LAN6_IP" <<<"$inv"
check "Record-Route: one bracketed IPv6 entry per side" has "$inv" \
	"^Record-Route: <sip:\\[$RTR6_WAN\\]:5060;lr>" \
	"^Record-Route: <sip:\\[$RTR6_LAN\\]:5060;lr>"
check "the phone's Contact shown on the router's IPv6 WAN address" \
	grep -q "^Contact: <sip:sipp@\[$RTR6_WAN\]:5060>" <<<"$inv"
check "a pinhole: the SDP names the phone itself (c=IN IP6, m= 6000)" \
	has "$inv" "^c=IN IP6 $LAN6_IP[[:cntrl:]]?\$" "^m=audio 6000 "
a_lan=$(rx "$NS_LAN" audio)
a_wan=$(rx "$NS_WAN" pinhole)
check "the phone got the provider's RTP ($a_lan packets)" [ "$a_lan" -gt 150 ]
check "the provider got the phone's RTP from the phone's own address ($a_wan)" \
	[ "$a_wan" -gt 150 ]
portd_stats
check "no call refused (refused=$(st refused) refused_family=$(st refused_family))" \
	[ "$(st refused)/$(st refused_family)" = 0/0 ]

echo "== 1b: an incoming call to a phone registered over IPv6"
# the IPv4 registration scenarios, moved to IPv6 (the provider's address
# as -key far: sipp takes a bracketed literal for a keyword; o= from
# [media_ip]: sipp brackets [local_ip] for IPv6)
sed -e "s/198\.51\.100\.20/[far]/g" \
	-e 's/IN IP4 \[local_ip\]/IN IP6 [media_ip]/; s/IN IP4 \[media_ip\]/IN IP6 [media_ip]/' \
	"$SCN/itsp_reg_call.xml" >"$TMP/itsp_reg_call6.xml"
sed -e "s/198\.51\.100\.20/[far]/g" \
	-e 's/192\\\.0\\\.2\\\.10/\\[2001:db8:1::10\\]/' \
	-e 's/IN IP\[local_ip_type\] \[local_ip\]/IN IP[media_ip_type] [media_ip]/' \
	"$SCN/phone_reg.xml" >"$TMP/phone_reg6.xml"
in_lan nft reset counters table inet npt >/dev/null
in_wan nft reset counters table inet npt >/dev/null
bg "$NS_WAN" timeout 40 sipp -sf "$TMP/itsp_reg_call6.xml" -i "$WAN6_IP" \
	-p 5060 -mi "$WAN6_IP" -mp 7000 -m 1 -d 3000 -key far "[$WAN6_IP]" \
	-nostdin -trace_err \
	-error_file "$TMP/uas.err" -trace_msg -message_file "$TMP/uas.msg" \
	>"$TMP/uas.out" 2>&1
UAS_PID=$!
sleep 0.3
bg "$NS_LAN" timeout 40 sipp -sf "$TMP/phone_reg6.xml" -i "$LAN6_IP" -p 5060 \
	-mi "$LAN6_IP" -mp 6000 -m 1 -key far "[$WAN6_IP]" -nostdin -trace_err \
	-error_file "$TMP/phone.err" -trace_msg -message_file "$TMP/phone.msg" \
	"[$RTR6_LAN]:5060" >"$TMP/phone.out" 2>&1
PHONE_PID=$!
check "IPv6 entries installed for the incoming call" wait_until 50 np6_are 2
portd_stats
check "one binding in the registrar (bindings=$(st bindings))" [ "$(st bindings)" = 1 ]
check "provider's sipp: REGISTER taken, call placed and ended" wait_pid "$UAS_PID"
check "phone's sipp: registered, saw its own Contact, answered, got the BYE" \
	wait_pid "$PHONE_PID"
check "the registrar saw alice's Contact on the router's IPv6 WAN address" \
	grep -q "^Contact: <sip:alice@\[$RTR6_WAN\]:5060>" "$TMP/uas.msg"
check "the phone got the INVITE with its own Contact as Request-URI" \
	grep -q "^INVITE sip:alice@\[$LAN6_IP\]:5060 SIP/2.0" "$TMP/phone.msg"
a_lan=$(rx "$NS_LAN" audio)
a_wan=$(rx "$NS_WAN" pinhole)
check "RTP reached the phone ($a_lan) and the provider ($a_wan) through the pinholes" \
	[ "$a_lan" -gt 50 -a "$a_wan" -gt 50 ]
check "the provider's BYE removed the entries" wait_until 50 np6_are 0

echo "== 1c: hold across the UDP timeouts over IPv6, then resume"
# the IPv4 hold scenarios (test_reinvite_hold.sh), moved to IPv6: the
# phone holds (a=sendonly) for 8 s of silence, longer than the router's
# UDP conntrack timeouts (topo_up: 3 s / 5 s, the same sysctls for both
# families), and resumes; the pinholes must still be there and carry the
# resumed RTP
for f in uac_hold uas_hold; do
	sed -e "s/198\.51\.100\.20/[far]/g" \
		-e 's/IN IP\[local_ip_type\] \[local_ip\]/IN IP[media_ip_type] [media_ip]/' \
		"$SCN/$f.xml" >"$TMP/${f}6.xml"
done
t_udp=$(in_rtr sysctl -n net.netfilter.nf_conntrack_udp_timeout)
t_str=$(in_rtr sysctl -n net.netfilter.nf_conntrack_udp_timeout_stream)
check "the router's UDP timeouts are shorter than the hold ($t_udp s / $t_str s)" \
	[ "$t_udp" -lt 8 -a "$t_str" -lt 8 ]
in_lan nft reset counters table inet npt >/dev/null
in_wan nft reset counters table inet npt >/dev/null
uas6 "$TMP/uas_hold6.xml" "$WAN6_IP"
uac6 "$TMP/uac_hold6.xml" "$LAN6_IP" "[$WAN6_IP]" "[$RTR6_LAN]"
check "two IPv6 entries for the call to be held" wait_until 50 np6_are 2
sleep 11.5 # on hold since ~5.5 s, silent since ~5 s
a1=$(rx "$NS_LAN" audio)
w1=$(rx "$NS_WAN" pinhole)
check "the held call kept its two IPv6 entries through 6 s of silence" np6_are 2
check "media before the hold reached both ends (phone $a1, provider $w1)" \
	[ "$a1" -gt 100 -a "$w1" -gt 100 ]
check "phone's sipp: hold, resume, BYE" wait_pid "$UAC_PID"
check "provider's sipp: hold, resume, BYE" wait_pid "$UAS_PID"
a2=$(rx "$NS_LAN" audio)
w2=$(rx "$NS_WAN" pinhole)
check "resumed RTP reached the phone through the pinhole ($((a2 - a1)) packets)" \
	[ $((a2 - a1)) -gt 50 ]
check "resumed RTP reached the provider ($((w2 - w1)) packets)" \
	[ $((w2 - w1)) -gt 50 ]
check "the sendonly re-INVITE crossed the router and was answered" \
	grep -q "^a=recvonly" "$TMP/uac.msg"
check "BYE removed the held call's IPv6 entries" wait_until 50 np6_are 0

echo "== 1d: a re-INVITE from the provider moves its media over IPv6"
# test_reinvite_hold.sh's move, over IPv6: the provider re-INVITEs with
# c=IN IP6 $WAN26_IP, m= 7004; the phone's answer crosses the router,
# which replaces the pinhole before forwarding it
sed -e 's/IN IP4 \[local_ip\]/IN IP6 [media_ip]/; s/IN IP4 \[media_ip\]/IN IP6 [media_ip]/' \
	-e "s/IN IP4 203\.0\.113\.20/IN IP6 $WAN26_IP/" \
	"$SCN/uas_move.xml" >"$TMP/uas_move6.xml"
sed -e "s/198\.51\.100\.20/[far]/g" \
	-e 's/IN IP\[local_ip_type\] \[local_ip\]/IN IP[media_ip_type] [media_ip]/' \
	"$SCN/uac_moved.xml" >"$TMP/uac_moved6.xml"
moved6() { np6_raw | grep -q "src=$WAN26_IP dst=$LAN6_IP sport=7004 dport=6000 "; }
bg "$NS_WAN" "$BIN/tests/np-udp" recv -b "[$WAN26_IP]:7004" -n 50 -t 15000 \
	>"$TMP/moved6.recv" 2>&1
RECV_PID=$!
uas6 "$TMP/uas_move6.xml" "$WAN6_IP" -d 5000
uac6 "$TMP/uac_moved6.xml" "$LAN6_IP" "[$WAN6_IP]" "[$RTR6_LAN]"
check "the re-INVITE's answer moved the pinhole to [$WAN26_IP]:7004" \
	wait_until 80 moved6
check "the new address got the phone's RTP" wait_pid "$RECV_PID"
check "...from the phone's own address (a pinhole: no translation)" \
	grep -q "from \[$LAN6_IP\]:6000" "$TMP/moved6.recv"
m0=$(rx "$NS_LAN" moved)
in_wan "$BIN/tests/np-udp" send -b "[$WAN26_IP]:7004" -d "[$LAN6_IP]:6000" \
	-n 50 -i 10000 >/dev/null
sleep 0.3
m1=$(rx "$NS_LAN" moved)
check "the phone got RTP from the new address ($m0 -> $m1)" [ "$m1" -ge $((m0 + 50)) ]
check "no entry left for the old remote's RTP" \
	bash -c "! grep -q 'src=$WAN6_IP dst=$LAN6_IP sport=7000 dport=6000 ' <<<\"\$1\"" _ "$(np6_raw)"
check "phone's sipp completed the call" wait_pid "$UAC_PID"
check "provider's sipp completed the call" wait_pid "$UAS_PID"
check "BYE removed the entries" wait_until 50 np6_are 0

echo "== 1e: an IPv4 and an IPv6 call at the same time"
uas uas.xml -m 1
uac_bg uac.xml -m 1 -d 12000
SFX=6
uas6 uas_v6.xml "$WAN6_IP"
U6=$UAS_PID
uac6 uac_v6.xml "$LAN6_IP" "[$WAN6_IP]" "[$RTR6_LAN]"
P6=$UAC_PID
SFX=
both_up() { np6_are 2 && np_entries_are 4; }
check "two IPv4 and two IPv6 entries at once" wait_until 80 both_up
portd_stats
check "two calls in nat-portd (calls=$(st calls))" [ "$(st calls)" = 2 ]
check "IPv6 phone's call completed" wait_pid "$P6"
check "IPv6 provider's call completed" wait_pid "$U6"
check "IPv4 phone's call completed" wait_pid "$UAC_PID"
check "IPv4 provider's call completed" wait_pid "$UAS_PID"
check "the IPv4 provider got IPv4 SDP of the router's WAN address" \
	grep -q "^c=IN IP4 $RTR_WAN" "$TMP/uas.msg"
check "the IPv6 call's entries gone" wait_until 50 np6_are 0
check "the IPv4 call's entries gone" wait_entries 0
check "nat-portd stops cleanly" portd_stop

echo "== 2: IPv6 call through NAT66"
in_lan nft reset counters table inet npt >/dev/null
in_wan nft reset counters table inet npt >/dev/null
portd_start "${V6_CONF[@]}" "nat66 yes" "invite-timeout 3s"
v6_call
inv=$(msg_of "$TMP/uas.msg" "INVITE sip:")
check "NAT66: the SDP names the router's wan-address6 and a port of the range" \
	has "$inv" "^c=IN IP6 $RTR6_WAN[[:cntrl:]]?\$" "^o=.* IN IP6 $RTR6_WAN[[:cntrl:]]?\$" \
	"^m=audio 200[0-9][0-9] "
a_lan=$(rx "$NS_LAN" audio)
a_wan=$(rx "$NS_WAN" nat66)
check "the phone got the provider's RTP ($a_lan packets)" [ "$a_lan" -gt 150 ]
check "the provider got the phone's RTP from wan-address6 ($a_wan packets)" \
	[ "$a_wan" -gt 150 ]
check "...and none untranslated while the call was up ($V6_UP_UNTRANSLATED; $(rx "$NS_WAN" pinhole) by its end)" \
	[ "$V6_UP_UNTRANSLATED" = 0 ]

echo "== 3: media across families is refused"
# 3a: an IPv4 phone, an IPv6-only provider
uas6 uas_v6_refused.xml "$WAN6_IP"
uac6 uac_v6_refused.xml "$LAN_IP" "[$WAN6_IP]" "$RTR_LAN"
check "IPv4 phone: got 488 and ACKed it" wait_pid "$UAC_PID"
check "IPv6 provider: the router ACKed its 200 and sent BYE" wait_pid "$UAS_PID"
r488=$(msg_of "$TMP/uac.msg" "SIP/2.0 488")
echo "$r488" | grep '^Warning' | sed 's/^/    /'
check "the 488's Warning says why (IPv4 phone, IPv6 far end, no NAT64)" \
	grep -q "^Warning: 399 nat-portd \"stream 1: the phone's media is IPv4 and the far end's IPv6; .*no NAT64" <<<"$r488"
# 3b: an IPv6 phone, an IPv4-only provider
uas6 uas_v6_refused.xml "$WAN_IP"
uac6 uac_v6_refused.xml "$LAN6_IP" "$WAN_IP" "[$RTR6_LAN]"
check "IPv6 phone: got 488 and ACKed it" wait_pid "$UAC_PID"
check "IPv4 provider: the router ACKed its 200 and sent BYE" wait_pid "$UAS_PID"
r488=$(msg_of "$TMP/uac.msg" "SIP/2.0 488")
check "the 488's Warning says why (IPv6 phone, IPv4 far end)" \
	grep -q "^Warning: 399 nat-portd \"stream 1: the phone's media is IPv6 and the far end's IPv4" <<<"$r488"
check "the provider saw the IPv6 phone's Contact on the IPv4 WAN address" \
	grep -q "^Contact: <sip:sipp@$RTR_WAN:5060>" "$TMP/uas.msg"
# 3c: the IPv6 provider calls a phone registered over IPv4 (through the
# IPv6 WAN side) with an IPv6-only offer: refused before the phone
# rings, the provider gets 488 with the same specific Warning
sed -e "s/198\.51\.100\.20/[far]/g" \
	-e 's/IN IP4 \[local_ip\]/IN IP6 [media_ip]/; s/IN IP4 \[media_ip\]/IN IP6 [media_ip]/' \
	-e '/<recv response="200" rrs="true"\/>/,$d' "$SCN/itsp_reg_call.xml" \
	>"$TMP/itsp_reg_refused6.xml"
cat >>"$TMP/itsp_reg_refused6.xml" <<'XML'
  <recv response="488"/>
  <send>
    <![CDATA[
      ACK [$contact] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: provider <sip:bob@[local_ip]>;tag=[pid]call[call_number]
      To: alice <sip:alice@[far]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <timewait milliseconds="500"/>
</scenario>
XML
sed -e "s/198\.51\.100\.20/[far]/g" -e 's/@EXPIRES@/300/; s/@CODE@/200/' \
	"$SCN/phone_reg_once.xml" >"$TMP/phone_reg4.xml"
SFX=
bg "$NS_WAN" timeout 40 sipp -sf "$TMP/itsp_reg_refused6.xml" -i "$WAN6_IP" \
	-p 5060 -mi "$WAN6_IP" -mp 7000 -m 1 -key far "[$WAN6_IP]" -nostdin \
	-trace_err -error_file "$TMP/uas.err" -trace_msg \
	-message_file "$TMP/uas.msg" >"$TMP/uas.out" 2>&1
UAS_PID=$!
sleep 0.3
bg "$NS_LAN" timeout 40 sipp -sf "$TMP/phone_reg4.xml" -i "$LAN_IP" -p 5060 \
	-mi "$LAN_IP" -mp 6000 -m 1 -key far "[$WAN6_IP]" -nostdin -trace_msg \
	-message_file "$TMP/phone.msg" "$RTR_LAN:5060" >"$TMP/phone.out" 2>&1
PHONE_PID=$!
check "IPv6 provider: registered the IPv4 phone, its call got 488" \
	wait_pid "$UAS_PID"
check "IPv4 phone: registered" wait_pid "$PHONE_PID"
check "the IPv4 phone was registered on the router's IPv6 WAN address" \
	grep -q "^Contact: <sip:alice@\[$RTR6_WAN\]:5060>" "$TMP/uas.msg"
check "...and never rang (the offer was refused before)" \
	not grep -q "^INVITE" "$TMP/phone.msg"
check "the 488 to the outside says why, naming no address" \
	grep -q "^Warning: 399 nat-portd \"stream 1: the phone's media is IPv4 and the far end's IPv6; .*no NAT64" \
	"$TMP/uas.msg"
portd_stats
check "refused_family counted all three (refused_family=$(st refused_family))" \
	[ "$(st refused_family)" = 3 ]
check "the refusals are logged" \
	[ "$(grep -c 'no NAT64' "$PORTD_LOG")" -ge 3 ]
check "no IPv6 natport entry left" np6_are 0

echo "== the refused calls go after invite-timeout"
sip_final_checks 3500
check "no IPv6 natport entry after exit" np6_are 0
finish
