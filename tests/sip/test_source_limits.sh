#!/usr/bin/env bash
# test_source_limits.sh - one source's flood never denies another source's
# call (issue 10 points 4 and 5).
#
#   LAN phone 192.0.2.10 (sipp)    router: nat-portd       provider (sipp)
#   LAN flooder 192.0.2.11 ------- 192.0.2.1 | 198.51.100.1 -- 198.51.100.20
#                                                   WAN flooder 203.0.113.20
#
# max-calls is 30, so before per-source limits any flood of 30 INVITEs
# took every call slot for the whole invite-timeout.
# 1. 35 INVITEs without SDP from 192.0.2.11 (lan-source-calls 10): 10
#    go on, the rest get 503; the phone's call at 192.0.2.10 succeeds.
# 2. 60 INVITEs with an audio+video offer from 192.0.2.11 over its
#    max-mappings-per-client: all refused (503) before any port is taken,
#    so no port is held or in quarantine, and the phone's call succeeds.
# 3. 400 OPTIONS in a burst from 192.0.2.11 (lan-source-rate 20): most
#    are dropped; the phone's call right after succeeds.
#    400 malformed ones (bad Content-Length) get their 400 answers only
#    within the same rate: an answer is reflection too.
# 4. alice registers; 60 INVITEs for her from 203.0.113.20
#    (wan-source-calls 5): 5 go on, the rest get 503; the provider's call
#    to her succeeds.
set -eu
. "$(dirname "$0")/lib_sip.sh"
. "$(dirname "$0")/lib_raw.sh"
trap sip_cleanup EXIT
need_sip
topo_up
portd_start "max-calls 30" "lan-source-calls 10" "wan-source-calls 5" \
	"lan-source-rate 20" "wan-source-rate 40" "invite-timeout 60s" \
	"max-mappings-per-client 2"

# flood NS SRC_IP DST_IP N TEMPLATE: N datagrams, @N@ replaced by 1..N;
# prints how many answers of each status came back, e.g. "503:90".
flood() {
	ip netns exec "$1" perl -MIO::Socket::INET -e '
		my ($lip, $dip, $n, $f) = @ARGV;
		open(my $h, "<", $f) or die; local $/; my $t = <$h>;
		my $s = IO::Socket::INET->new(Proto => "udp", LocalAddr => $lip,
			LocalPort => 5090, PeerAddr => "$dip:5060") or die "$!";
		my %n;
		my $rin = ""; vec($rin, fileno($s), 1) = 1;
		my $drain = sub {
			my $w = shift; my $buf;
			while (select(my $r = $rin, undef, undef, $w) > 0) {
				$s->recv($buf, 65535);
				$n{$1}++ if $buf =~ m{^SIP/2\.0 (\d{3})};
			}
		};
		for my $i (1 .. $n) {
			(my $m = $t) =~ s/\@N\@/$i/g;
			$s->send($m);
			$drain->(0.002);
		}
		$drain->(1);
		print join(" ", map { "$_:$n{$_}" } sort keys %n), "\n";' \
		"$2" "$3" "$4" "$5"
}
count() { # count CODE "503:90 100:10" -> 90
	local w
	for w in $2; do [ "${w%%:*}" = "$1" ] && { echo "${w#*:}"; return; }; done
	echo 0
}
phone_call() { # the LAN phone's ordinary call, answered by the provider
	uas uas.xml -m 1
	uac uac.xml -m 1 -d 500 && wait_pid "$UAS_PID"
}

echo "== 1: calls in setup from one LAN address"
printf 'INVITE sip:x@%s:5099 SIP/2.0\r\nVia: SIP/2.0/UDP %s:5090;branch=z9hG4bK-f@N@;rport\r\nFrom: <sip:f@%s>;tag=f\r\nTo: <sip:x@%s>\r\nCall-ID: flood-@N@\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n' \
	"$WAN2_IP" "$LAN2_IP" "$LAN2_IP" "$WAN2_IP" >"$TMP/inv_nosdp"
r=$(flood "$NS_LAN" "$LAN2_IP" "$RTR_LAN" 35 "$TMP/inv_nosdp")
portd_stats
check "10 calls in setup from 192.0.2.11 (calls=$(st calls))" [ "$(st calls)" = 10 ]
check "the other 25 INVITEs got 503 ($r)" [ "$(count 503 "$r")" = 25 ]
check "the phone's call from 192.0.2.10 succeeds" phone_call
sleep 0.5

echo "== 2: refused offers cost nothing"
sdp_offer 6000 video >"$TMP/av.sdp"
len=$(wc -c <"$TMP/av.sdp")
{
	printf 'INVITE sip:x@%s:5099 SIP/2.0\r\nVia: SIP/2.0/UDP %s:5090;branch=z9hG4bK-q@N@;rport\r\nFrom: <sip:f@%s>;tag=f\r\nTo: <sip:x@%s>\r\nCall-ID: quota-@N@\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: %s\r\n\r\n' \
		"$WAN2_IP" "$LAN2_IP" "$LAN2_IP" "$WAN2_IP" "$len"
	sed "s/$LAN_IP/$LAN2_IP/g" "$TMP/av.sdp"
} >"$TMP/inv_av"
# a pause lets the bucket of part 3's rate refill between datagrams
sleep 2
r=$(ip netns exec "$NS_LAN" true; flood "$NS_LAN" "$LAN2_IP" "$RTR_LAN" 30 "$TMP/inv_av")
portd_stats
check "offers over max-mappings-per-client refused: 503 ($r)" \
	[ "$(count 503 "$r")" -ge 25 ]
check "no port held for them (ports_held=$(st ports_held))" [ "$(st ports_held)" = 0 ]
check "no port in quarantine (ports_quarantined=$(st ports_quarantined))" \
	[ "$(st ports_quarantined)" = 0 ]
check "the phone's call still succeeds" phone_call

echo "== 3: requests per second from one LAN address"
printf 'OPTIONS sip:x@%s:5099 SIP/2.0\r\nVia: SIP/2.0/UDP %s:5090;branch=z9hG4bK-o@N@;rport\r\nFrom: <sip:f@%s>;tag=f\r\nTo: <sip:x@%s>\r\nCall-ID: opt-@N@\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 0\r\nContent-Length: 0\r\n\r\n' \
	"$WAN2_IP" "$LAN2_IP" "$LAN2_IP" "$WAN2_IP" >"$TMP/opt"
sleep 2
r=$(flood "$NS_LAN" "$LAN2_IP" "$RTR_LAN" 400 "$TMP/opt")
n=$(count 483 "$r")
check "most of 400 OPTIONS dropped: $n answered (rate 20/s, burst 40)" \
	[ "$n" -ge 20 ] && [ "$n" -le 120 ]
check "the drops are logged" grep -q 'over lan-source-rate 20/s' "$PORTD_LOG"
check "the phone's call right after succeeds" phone_call

echo "== 3b: malformed requests from one LAN address: 400s within the rate"
sed 's/Content-Length: 0/Content-Length: x1/' "$TMP/opt" >"$TMP/bad"
sleep 2
r=$(flood "$NS_LAN" "$LAN2_IP" "$RTR_LAN" 400 "$TMP/bad")
n=$(count 400 "$r")
check "400 malformed requests: $n answered 400 (rate 20/s, burst 40)" \
	[ "$n" -ge 20 ] && [ "$n" -le 120 ]
check "their drops are logged" \
	grep -q 'malformed request from .* over lan-source-rate 20/s' "$PORTD_LOG"

echo "== 4: calls in setup from one WAN address toward a registered phone"
sed 's/pause milliseconds="300"/pause milliseconds="6000"/' \
	"$SCN/itsp_reg_call.xml" >"$TMP/itsp_reg_call.xml"
uas "$TMP/itsp_reg_call.xml" -m 1 -d 1000 -timeout 40s
bg "$NS_LAN" timeout 60 sipp -sf "$SCN/phone_reg.xml" -i "$LAN_IP" -p 5060 \
	-mi "$LAN_IP" -mp 6000 -m 1 -nostdin "$RTR_LAN:5060" >"$TMP/phone.out" 2>&1
PHONE_PID=$!
bound() { portd_stats; [ "$(st bindings)" = 1 ]; }
for i in $(seq 40); do bound && break; sleep 0.1; done
check "alice registered (bindings=$(st bindings))" [ "$(st bindings)" = 1 ]
printf 'INVITE sip:alice@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:5090;branch=z9hG4bK-w@N@;rport\r\nFrom: <sip:m@%s>;tag=m\r\nTo: <sip:alice@%s>\r\nCall-ID: wflood-@N@\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n' \
	"$RTR_WAN" "$WAN2_IP" "$WAN2_IP" "$RTR_WAN" >"$TMP/winv"
r=$(flood "$NS_WAN" "$WAN2_IP" "$RTR_WAN" 60 "$TMP/winv")
check "INVITEs for alice from one WAN address over 5 in setup: 503 ($r)" \
	[ "$(count 503 "$r")" -ge 50 ]
check "the provider's call to alice succeeds" wait_pid "$UAS_PID"
check "alice answered it" wait_pid "$PHONE_PID"

# the floods' calls in setup end at invite-timeout; end them sooner
kill -HUP "$PORTD_PID" 2>/dev/null || true
portd_conf "max-calls 30" "invite-timeout 1s"
kill -HUP "$PORTD_PID"
sleep 2
sip_final_checks
finish
