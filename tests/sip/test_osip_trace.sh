#!/usr/bin/env bash
# test_osip_trace.sh - 10,000 malformed datagrams from the WAN leave
# nat-portd's stdout and stderr a few KB long (issue 10, point 6).
#
#   LAN (idle)       router: nat-portd                WAN "attacker"
#   192.0.2.10 ----- 192.0.2.1 | 198.51.100.1:5060 --- 198.51.100.20
#                                                     (bash /dev/udp)
#
# Debian's libosip2 has its trace built in and, unless the program sets
# it up, writes two lines to stdout for each message it cannot parse:
# 1.7 MB for this flood before the fix. The daemon's own log lines about
# the drops are rate-limited, so everything it writes must stay bounded.
set -eu
. "$(dirname "$0")/lib_sip.sh"
trap sip_cleanup EXIT
need_sip
topo_up
N=10000
OUT=$TMP/portd.stdout
# nat-portd's stdout, which lib_sip.sh leaves to the caller, goes to $OUT
portd_start >"$OUT"

# Datagrams that get past nat-portd's own first checks into libosip2,
# which then traces: an unparsable start line, a Content-Length beyond the
# datagram, a header without a colon.
printf 'GET / HTTP/1.1\r\nHost: %s\r\n\r\n' "$RTR_WAN" >"$TMP/bad1"
printf 'INVITE sip:1000@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:5060;branch=z9hG4bK-t1\r\nFrom: <sip:a@%s>;tag=1\r\nTo: <sip:1000@%s>\r\nCall-ID: t1@%s\r\nCSeq: 1 INVITE\r\nContent-Length: 500\r\n\r\nv=0\r\n' \
	"$RTR_WAN" "$WAN_IP" "$WAN_IP" "$RTR_WAN" "$WAN_IP" >"$TMP/bad2"
printf 'OPTIONS sip:%s SIP/2.0\r\nVia SIP/2.0/UDP %s\r\nno colon here\r\n\r\n' \
	"$RTR_WAN" "$WAN_IP" >"$TMP/bad3"

portd_stats
out0=$(wc -c <"$OUT")
seen0=$(($(st malformed) + $(st dropped)))
err0=$(wc -c <"$PORTD_LOG")

# One datagram per message: bash's printf flushes at every newline, so
# perl (perl-base, Essential in Debian) sends them. Paced (a short pause
# every 50) so the socket buffer does not overflow: the point is what
# nat-portd writes for datagrams it did read.
in_wan perl -MIO::Socket::INET -e '
	my ($n, @f) = @ARGV;
	my @m = map { local $/; open(my $h, "<", $_) or die; scalar <$h> } @f;
	my $s = IO::Socket::INET->new(Proto => "udp",
		PeerAddr => "'"$RTR_WAN"':5060") or die "socket: $!";
	for my $i (0 .. $n - 1) {
		$s->send($m[$i % @m]) or die "send: $!";
		select(undef, undef, undef, 0.005) if $i % 50 == 49;
	}' "$N" "$TMP/bad1" "$TMP/bad2" "$TMP/bad3"
sleep 1

out1=$(wc -c <"$OUT")
err1=$(wc -c <"$PORTD_LOG")
portd_stats
seen=$(($(st malformed) + $(st dropped) - seen0))
echo "malformed+dropped counters: +$seen for $N datagrams;" \
	"stdout +$((out1 - out0)) bytes, stderr +$((err1 - err0)) bytes"
check "nat-portd counted the flood (+$seen for $N)" [ "$seen" -ge $((N * 9 / 10)) ]
check "nothing on nat-portd's stdout ($((out1 - out0)) bytes)" \
	[ $((out1 - out0)) -eq 0 ]
check "nat-portd's stderr grew by at most 8 KB ($((err1 - err0)) bytes)" \
	[ $((err1 - err0)) -le 8192 ]
if grep -q '| ERROR |' "$OUT" "$PORTD_LOG"; then
	fail "libosip2 trace lines in nat-portd's output"
	grep -m 3 '| ERROR |' "$OUT" "$PORTD_LOG"
else
	pass "no libosip2 trace line in nat-portd's output"
fi
sip_final_checks
finish
