#!/usr/bin/env bash
# test_rfc4475.sh - the RFC 4475 SIP torture messages at nat-portd, from
# the LAN and from the WAN, with raw datagrams.
#
#   LAN sender 192.0.2.10:5070   router: nat-portd      WAN 198.51.100.20
#                                192.0.2.1|198.51.100.1  :5060 listener
#                                                        :5080 sender
#
# tests/sip/rfc4475/NAME.sip are the messages (gen.py says how they were
# written); EXPECT says, per message and side, what RFC 4475 asks of a
# proxy, as nat-portd's policy answers it:
#   NNN   that status comes back to the sender (a 100 Trying aside),
#         nothing is forwarded
#   fwd   forwarded to the WAN peer, no error back
#   none  dropped: no answer, nothing forwarded
# Then nat-portd is alive and a normal call still works.
set -eu
. "$(dirname "$0")/../lib/sip.sh"
trap cleanup EXIT
sip_up
portd_start "invite-timeout 2s"
DIR=$TOP/tests/sip/rfc4475

# The WAN peer's SIP port: every datagram the router sends it, one file
# each, so "forwarded" is seen, not inferred from silence.
mkdir -p "$TMP/wanrx"
bg "$NS_WAN" perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(Proto => "udp", LocalAddr => $ARGV[0],
		LocalPort => 5060, ReuseAddr => 1) or die "socket: $!";
	my ($n, $buf) = (0);
	while ($s->recv($buf, 65535)) {
		open(my $f, ">", "$ARGV[1]/" . $n++ . ".tmp") or die;
		print $f $buf;
		close $f;
		rename("$ARGV[1]/" . ($n - 1) . ".tmp", "$ARGV[1]/" . ($n - 1));
	}' "$WAN_IP" "$TMP/wanrx"
RX_PID=$!
sleep 0.3

# send NS LOCAL_IP LOCAL_PORT DST_IP FILE: the status codes answered
# within 0.5 s (100 left out), comma-separated, or "none"
send() {
	ip netns exec "$1" perl -MIO::Socket::INET -e '
		my ($lip, $lport, $dip, $f) = @ARGV;
		open(my $h, "<", $f) or die "$f: $!";
		local $/;
		my $msg = <$h>;
		my $s = IO::Socket::INET->new(Proto => "udp", LocalAddr => $lip,
			LocalPort => $lport, PeerAddr => "$dip:5060",
			ReuseAddr => 1) or die "socket: $!";
		$s->send($msg) or die "send: $!";
		my ($rin, $buf, @got) = ("");
		vec($rin, fileno($s), 1) = 1;
		while (select(my $rout = $rin, undef, undef, 0.5) > 0) {
			$s->recv($buf, 65535) or last;
			next unless $buf =~ m{^SIP/2\.0 (\d{3})} && $1 != 100;
			push @got, $1;
			open(my $o, ">", $ENV{ANSWER}) or die;
			print $o $buf;
		}
		print @got ? join(",", @got) : "none", "\n";' "$2" "$3" "$4" "$5"
}

# fill FILE VIA RHOST > OUT
fill() {
	perl -pe "s/\\@VIA\\@/$2/g; s/\\@RHOST\\@/$3/g" "$1"
}

run_side() { # run_side lan|wan
	local side=$1 name lanx wanx want got fwd before f
	while read -r name lanx wanx _; do
		case $name in '#'* | '') continue ;; esac
		f=$DIR/$name.sip
		[ -f "$f" ] || { fail "$name: no $f"; continue; }
		if [ "$side" = lan ]; then
			want=$lanx
			fill "$f" "$LAN_IP:5070" "$WAN_IP" >"$TMP/msg"
			before=$(ls "$TMP/wanrx" | wc -l)
			got=$(ANSWER=$TMP/answer-$side-$name \
				send "$NS_LAN" "$LAN_IP" 5070 "$RTR_LAN" "$TMP/msg")
		else
			want=$wanx
			fill "$f" "$WAN_IP:5080" "$RTR_WAN" >"$TMP/msg"
			before=$(ls "$TMP/wanrx" | wc -l)
			got=$(ANSWER=$TMP/answer-$side-$name \
				send "$NS_WAN" "$WAN_IP" 5080 "$RTR_WAN" "$TMP/msg")
		fi
		sleep 0.1
		fwd=$(($(ls "$TMP/wanrx" | wc -l) - before))
		if [ "$fwd" -gt 0 ]; then
			[ "$got" = none ] && got=fwd || got="$got+fwd"
		fi
		[ "$fwd" -gt 0 ] && cp "$(ls -t "$TMP"/wanrx/* | head -n 1)" \
			"$TMP/fwd-$side-$name"
		if [ "$got" = "$want" ]; then
			pass "$side $name: $got"
		else
			fail "$side $name: expected $want, got $got"
		fi
	done <"$DIR/EXPECT"
}

echo "== RFC 4475 messages from the LAN"
run_side lan
echo "== RFC 4475 messages from the WAN"
run_side wan
check "nat-portd alive after the torture messages" portd_alive
sleep 3 # invite-timeout 2s releases the forwarded INVITEs
portd_stats
check "no call, mapping or held port left (calls=$(st calls) mappings=$(st mappings) ports_held=$(st ports_held))" \
	[ "$(st calls)/$(st mappings)/$(st ports_held)" = 0/0/0 ]

# the 420 names what it refuses (RFC 3261 8.2.2.3)
check "bext01: the 420 lists noodles and nomatch as Unsupported" sh -c "
	grep -ai '^Unsupported:' '$TMP/answer-lan-bext01' | grep -q noodles &&
	grep -ai '^Unsupported:' '$TMP/answer-lan-bext01' | grep -q nomatch"
# the quoted NUL of intmeth reaches the far end as a NUL
check "intmeth: forwarded with its quoted-pair NUL" \
	perl -0777 -ne 'exit(/NUL:\\\x00 /s ? 0 : 1)' "$TMP/fwd-lan-intmeth"
check "intmeth: no 0xff byte leaked into the forwarded message" \
	perl -0777 -ne 'exit(/\xff/ ? 1 : 0)' "$TMP/fwd-lan-intmeth"
# dblreq: only the REGISTER went on, the INVITE after it was discarded
check "dblreq: the trailing INVITE was not forwarded" \
	sh -c "! grep -aq 'dblreq.0ha0isnda977644900765' '$TMP/fwd-lan-dblreq'"

# the multipart INVITE: its SDP rewritten to the router's external
# address, the other part byte for byte, Content-Length right
mp=$TMP/fwd-lan-x-mpart-sdp
if [ -f "$mp" ]; then
	check "multipart: SDP c= is the router's WAN address" \
		grep -aq "^c=IN IP4 $RTR_WAN" "$mp"
	perl -0777 -ne 'print((split /\r\n\r\n/, $_, 2)[1])' "$mp" >"$TMP/mp.body"
	check "multipart: no LAN address left in the body" \
		sh -c "! grep -aq '192\\.0\\.2\\.10' '$TMP/mp.body'"
	check "multipart: the body is the sent one but for the SDP lines" \
		bash -c "diff <(grep -av '^[oc]=\|^m=audio' '$TMP/mp.body') <(perl -0777 -ne 'print((split /\r\n\r\n/, \$_, 2)[1])' '$DIR/x-mpart-sdp.sip' | grep -av '^[oc]=\|^m=audio')"
	check "multipart: the text part is unchanged" \
		grep -aq '^keep me byte for byte' "$mp"
	check "multipart: Content-Length is the body's length" sh -c '
		f=$1
		cl=$(grep -ai "^content-length:" "$f" | tr -dc 0-9)
		len=$(perl -0777 -ne "print length((split /\r\n\r\n/, \$_, 2)[1])" "$f")
		[ "$cl" = "$len" ]' _ "$mp"
else
	fail "multipart: the INVITE was not forwarded"
fi

echo "== a normal call still works"
kill "$RX_PID" 2>/dev/null || true # sipp takes the WAN peer's port
wait "$RX_PID" 2>/dev/null || true
uas uas.xml -m 1
check "call through the router after the torture messages" uac uac.xml -m 1 -d 500
check "provider side completed" wait_pid "$UAS_PID"

sip_final_checks
finish
