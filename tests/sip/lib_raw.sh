# shellcheck shell=bash
# lib_raw.sh - raw SIP datagrams from a chosen address and port, for the
# attack tests (source after lib_sip.sh).
#
# xchg NS LOCAL_IP LOCAL_PORT DST_IP FILE [WAIT_S]
#   sends FILE as one datagram from LOCAL_IP:LOCAL_PORT in NS to
#   DST_IP:5060 and prints the status code of the first answer that comes
#   back to that port within WAIT_S (0.5) seconds, or "none".
# sipmsg METHOD RURI VIA_SENTBY VIA_PARAMS CALLID TO_TAG [EXTRA_HEADERS]
#   prints a request without body (CRLF line ends); TO_TAG "" for none,
#   EXTRA_HEADERS with \r\n escapes.

xchg() {
	ip netns exec "$1" perl -MIO::Socket::INET -e '
		my ($lip, $lport, $dip, $f, $w) = @ARGV;
		open(my $h, "<", $f) or die "$f: $!";
		local $/;
		my $msg = <$h>;
		my $s = IO::Socket::INET->new(Proto => "udp", LocalAddr => $lip,
			LocalPort => $lport, PeerAddr => "$dip:5060",
			ReuseAddr => 1) or die "socket: $!";
		$s->send($msg) or die "send: $!";
		my $rin = "";
		vec($rin, fileno($s), 1) = 1;
		my $buf;
		if (select(my $rout = $rin, undef, undef, $w) > 0 &&
		    $s->recv($buf, 65535) && $buf =~ m{^SIP/2\.0 (\d{3})}) {
			print "$1\n";
		} else {
			print "none\n";
		}' "$2" "$3" "$4" "$5" "${6:-0.5}"
}

sipmsg() {
	local m=$1 ruri=$2 sentby=$3 vp=$4 cid=$5 tt=${6:+;tag=$6} extra=${7:-}
	printf '%s %s SIP/2.0\r\n' "$m" "$ruri"
	printf 'Via: SIP/2.0/UDP %s;branch=z9hG4bK-%s%s\r\n' "$sentby" "$cid" "$vp"
	printf 'From: <sip:mallory@%s>;tag=m1\r\n' "${sentby%%:*}"
	printf 'To: <sip:alice@%s>%s\r\n' "$RTR_WAN" "$tt"
	printf 'Call-ID: %s\r\nCSeq: 1 %s\r\nMax-Forwards: 70\r\n' "$cid" "$m"
	[ -z "$extra" ] || printf '%b' "$extra"
	printf 'Content-Length: 0\r\n\r\n'
}
