#!/usr/bin/env bash
# seeds.sh - seed corpora for the fuzz harnesses, made from the tree's own
# test inputs at build time (so they are not kept twice):
#
#   tests/fuzz/seeds.sh OUTDIR      -> OUTDIR/<harness>/...
#
#   sdp      tests/sip/corpus/sdp/*.sdp
#   sip_msg  tests/sip/corpus/sip/*.sip, tests/sip/rfc4475/*.sip (the
#            RFC 4475 torture messages, sent from the LAN), and INVITEs
#            carrying each SDP
#   proxy    the same datagrams as sip_msg, framed for the stub transport
#   config   tools/nat-portd.conf.example, and one file per key line of it
#   ctlmsg   three builder programs written here (fuzz_ctlmsg.c reads
#            its input both as one and as raw payloads)
#   pcp      tests/pcp/corpus/*.hex as binary, and a MAP then its PEER
#            and its delete in one input (fuzz_pcp.c splits on PCP!)
#   ng       tests/ng/corpus/*.ng and *.b
set -eu
cd "$(dirname "$0")/../.."
out=$1
rm -rf "$out"
mkdir -p "$out"/sdp "$out"/sip_msg "$out"/proxy "$out"/config "$out"/ctlmsg \
	"$out"/pcp "$out"/ng

for f in tests/sip/corpus/sdp/*.sdp; do
	cp "$f" "$out/sdp/"
done
invite() { # invite SDPFILE: a LAN INVITE with it as the body
	printf 'INVITE sip:1000@198.51.100.20 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-s;rport\r\nFrom: <sip:c@192.0.2.10>;tag=c1\r\nTo: <sip:1000@198.51.100.20>\r\nCall-ID: s@192.0.2.10\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContact: <sip:c@192.0.2.10>\r\nContent-Type: application/sdp\r\nContent-Length: %s\r\n\r\n' \
		"$(wc -c <"$1")"
	cat "$1"
}
for f in tests/sip/corpus/sip/*.sip; do
	cp "$f" "$out/sip_msg/"
done
for f in tests/sip/rfc4475/*.sip; do
	# the markers test_rfc4475.sh fills in, as from the LAN phone
	sed -e 's/@VIA@/192.0.2.10:5070/g' -e 's/@RHOST@/198.51.100.20/g' \
		"$f" >"$out/sip_msg/rfc4475-$(basename "$f")"
done
for f in tests/sip/corpus/sdp/good-*.sdp; do
	invite "$f" >"$out/sip_msg/invite-$(basename "$f" .sdp).sip"
done
# a 2xx with Record-Route and Contact, for the dialog-request paths
printf 'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK-a.b\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-s;rport=5060\r\nRecord-Route: <sip:198.51.100.1;lr>\r\nFrom: <sip:c@192.0.2.10>;tag=c1\r\nTo: <sip:1000@198.51.100.20>;tag=u1\r\nCall-ID: s@192.0.2.10\r\nCSeq: 1 INVITE\r\nContact: <sip:1000@198.51.100.20:5060>\r\nContent-Length: 0\r\n\r\n' \
	>"$out/sip_msg/200-ok-invite.sip"

# proxy: byte 0 says which side the datagram comes from (even: LAN)
i=0
for f in "$out"/sip_msg/*.sip; do
	{ printf '\000'; cat "$f"; } >"$out/proxy/lan-$i"
	{ printf '\001'; cat "$f"; } >"$out/proxy/wan-$i"
	i=$((i + 1))
done

cp tools/nat-portd.conf.example "$out/config/example.conf"
n=0
grep -v '^[[:space:]]*\(#\|$\)' tools/nat-portd.conf.example |
	while IFS= read -r l; do
		n=$((n + 1))
		printf '%s\n' "$l" >"$out/config/line-$n.conf"
	done
printf 'lan-address 192.0.2.1\nlan-prefix 192.0.2.0/24\nwan-address 198.51.100.1\nmedia-port-range 20000-20099\nquarantine 200ms\nlog-level info\n' \
	>"$out/config/tests.conf"

# ctlmsg: type byte, then ops (see fuzz_ctlmsg.c): a stats-like record, a
# list of objects, a DONE, a request with arguments
printf '\000\021\002id\002\020\002ab\023\005calls\002\000\004\000\004\000' \
	>"$out/ctlmsg/record"
printf '\001\006\005hello' >"$out/ctlmsg/done"
printf '\002\005\011audio_rtp\005\017192.0.2.10:6000' >"$out/ctlmsg/request"

# pcp: hex, whitespace ignored, to the octets themselves (bash's printf,
# so no xxd is needed)
for f in tests/pcp/corpus/*.hex; do
	hex=$(tr -cd '0-9a-fA-F' <"$f" | sed 's/../\\x&/g')
	printf "$hex" >"$out/pcp/$(basename "$f" .hex)"
done
{
	cat "$out/pcp/pcp-map-ok"
	printf 'PCP!'
	cat "$out/pcp/pcp-peer-ok"
	printf 'PCP!'
	cat "$out/pcp/pcp-map-delete-none"
	printf 'PCP!'
	cat "$out/pcp/natpmp-map-udp-ok"
} >"$out/pcp/sequence"
{	# FILTERs added, cleared, then the lease deleted
	cat "$out/pcp/pcp-filter-ok"
	printf 'PCP!'
	cat "$out/pcp/pcp-filter-overlap-ok"
	printf 'PCP!'
	cat "$out/pcp/pcp-filter-clear"
	printf 'PCP!'
	cat "$out/pcp/pcp-map-delete-none"
} >"$out/pcp/filter-sequence"

cp tests/ng/corpus/*.ng tests/ng/corpus/*.b "$out/ng/"
