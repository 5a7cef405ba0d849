#!/usr/bin/env bash
# test_rfc5118.sh - the RFC 5118 IPv6 torture cases (section 4) at
# nat-portd, sent from an IPv6 LAN phone as raw datagrams.
#
#   LAN phone                router: nat-portd          WAN listeners
#   [2001:db8:1::10]:5070 -- [2001:db8:1::1]:5060 |      [2001:db8:2::20]:5060, :5070
#                            [2001:db8:2::1]:5060 ------ [2001:db8:2::c633:6414]:5060
#                                                        (2001:db8:2::198.51.100.20)
#
# Each case (written below, adapted from RFC 5118's examples to this
# topology) gets one datagram; EXPECT says what comes back to the phone
# and where the router forwards it:
#   fwd:ADDR:PORT  forwarded to that listener only, no error back
#   NNN            that status back, nothing forwarded
# Some cases also check what the forwarded copy carries. Then nat-portd
# is alive and nothing is left.
set -eu
. "$(dirname "$0")/../lib/sip.sh"
trap cleanup EXIT
sip_up
topo_v6
MAPPED6=2001:db8:2::c633:6414
in_wan ip addr add $MAPPED6/64 dev w0 nodad
topo_neigh6 in_rtr r1 $MAPPED6 in_wan w0
portd_start "lan-prefix 192.0.2.0/24" "lan-prefix 2001:db8:1::/64" \
	"lan-address6 $RTR6_LAN" "wan-address6 $RTR6_WAN" "invite-timeout 2s"

# The messages. {CL} is the body's length; lines end in CRLF.
mkdir -p "$TMP/msg" "$TMP/wanrx"
python3 - "$TMP/msg" <<'PY'
import sys
out = sys.argv[1]
PH = "[2001:db8:1::10]:5070"
def hdrs(method, uri, n, via=None, extra=""):
    via = via or f"SIP/2.0/UDP {PH};branch=z9hG4bK-rfc5118-{n}"
    return (f"{method} {uri} SIP/2.0\nVia: {via}\nMax-Forwards: 70\n"
            f"From: <sip:phone@[2001:db8:1::10]>;tag={n}\n"
            f"To: <sip:far@[2001:db8:2::20]>\n"
            f"Call-ID: rfc5118-{n}@phone\nCSeq: 1 {method}\n{extra}")
def sdp(body):
    return ("Contact: <sip:phone@[2001:db8:1::10]:5070>\n"
            "Content-Type: application/sdp\nContent-Length: {CL}\n\n" + body)
def w(name, text):
    head, _, body = text.partition("\n\n")
    body = body.replace("\n", "\r\n")
    head = head.replace("{CL}", str(len(body.encode())))
    if "Content-Length" not in head:
        head += "\nContent-Length: 0"
    open(f"{out}/{name}.sip", "wb").write(
        (head.replace("\n", "\r\n") + "\r\n\r\n" + body).encode())
# 4.1 a valid IPv6 reference in the Request-URI and headers
w("ipv6-good", hdrs("OPTIONS", "sip:[2001:db8:2::20]", 1,
  extra="Contact: <sip:phone@[2001:db8:1::10]:5070>\n"))
# 4.2 an IPv6 reference without brackets: not a valid host
w("ipv6-bad", hdrs("OPTIONS", "sip:2001:db8:2::20", 2))
# 4.3 the "port" inside the brackets is part of the address
w("port-ambiguous", hdrs("OPTIONS", "sip:[2001:db8:2::20:5070]", 3))
# 4.4 the port after the brackets
w("port-unambiguous", hdrs("OPTIONS", "sip:[2001:db8:2::20]:5070", 4))
# 4.5 received= with and without brackets (the proxy writes its own)
w("via-received-param-with-delim", hdrs("OPTIONS", "sip:[2001:db8:2::20]", 5,
  via=f"SIP/2.0/UDP {PH};received=[2001:db8:9::1];branch=z9hG4bK-rfc5118-5"))
w("via-received-param-no-delim", hdrs("OPTIONS", "sip:[2001:db8:2::20]", 6,
  via=f"SIP/2.0/UDP {PH};received=2001:db8:9::1;branch=z9hG4bK-rfc5118-6"))
# 4.6 IPv6 in the SDP
w("ipv6-in-sdp", hdrs("INVITE", "sip:far@[2001:db8:2::20]", 7) + sdp(
  "v=0\no=phone 1 1 IN IP6 2001:db8:1::10\ns=-\nc=IN IP6 2001:db8:1::10\n"
  "t=0 0\nm=audio 6000 RTP/AVP 0\na=rtcp:6001 IN IP6 2001:db8:1::10\n"))
# 4.7 addresses of both families in one message's headers
w("mult-ip-in-header", hdrs("OPTIONS", "sip:[2001:db8:2::20]", 8,
  via=f"SIP/2.0/UDP {PH};branch=z9hG4bK-rfc5118-8\n"
      "Via: SIP/2.0/UDP 192.0.2.10:5090;branch=z9hG4bK-v4hop,"
      " SIP/2.0/UDP [2001:db8:1::10]:5091;branch=z9hG4bK-v6hop",
  extra="Contact: <sip:phone@[2001:db8:1::10]:5070>,"
        " <sip:phone@192.0.2.10:5070>\n"))
# 4.8 both families in the SDP: the session c= is IPv4, the stream's own
# c= IPv6 (the phone's, the family its SIP came over)
w("mult-ip-in-sdp", hdrs("INVITE", "sip:far@[2001:db8:2::20]", 9) + sdp(
  "v=0\no=phone 1 1 IN IP4 192.0.2.10\ns=-\nc=IN IP4 192.0.2.10\nt=0 0\n"
  "m=audio 6010 RTP/AVP 0\nc=IN IP6 2001:db8:1::10\n"))
# 4.9 an IPv4-mapped IPv6 address as media: not the phone's own address
w("ipv4-mapped-ipv6", hdrs("INVITE", "sip:far@[2001:db8:2::20]", 10) + sdp(
  "v=0\no=phone 1 1 IN IP6 ::ffff:192.0.2.10\ns=-\n"
  "c=IN IP6 ::ffff:192.0.2.10\nt=0 0\nm=audio 6020 RTP/AVP 0\n"))
# 4.10 the RFC 3261 ABNF bug: three colons are no address, two are
w("ipv6-bug-abnf-3-colons", hdrs("OPTIONS",
  "sip:[2001:db8:2:::198.51.100.20]", 11))
w("ipv6-correct-abnf-2-colons", hdrs("OPTIONS",
  "sip:[2001:db8:2::198.51.100.20]", 12))
PY

cat >"$TMP/EXPECT" <<EOF
ipv6-good fwd:[$WAN6_IP]:5060
ipv6-bad 404
port-ambiguous none
port-unambiguous fwd:[$WAN6_IP]:5070
via-received-param-with-delim fwd:[$WAN6_IP]:5060
via-received-param-no-delim fwd:[$WAN6_IP]:5060
ipv6-in-sdp fwd:[$WAN6_IP]:5060
mult-ip-in-header fwd:[$WAN6_IP]:5060
mult-ip-in-sdp fwd:[$WAN6_IP]:5060
ipv4-mapped-ipv6 488
ipv6-bug-abnf-3-colons 404
ipv6-correct-abnf-2-colons fwd:[$MAPPED6]:5060
EOF

# The WAN listeners: every datagram, one file each, named by where it
# arrived.
bg "$NS_WAN" python3 -c '
import os, select, socket, sys
d, socks = sys.argv[1], []
for a in sys.argv[2:]:
    h, p = a.rsplit(":", 1)
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind((h.strip("[]"), int(p)))
    socks.append((s, a))
n = 0
while True:
    r, _, _ = select.select([s for s, _ in socks], [], [])
    for s, a in socks:
        if s in r:
            buf = s.recv(65535)
            open(f"{d}/{n}.tmp", "wb").write(buf)
            os.rename(f"{d}/{n}.tmp", f"{d}/{n}.{a}")
            n += 1
' "$TMP/wanrx" "[$WAN6_IP]:5060" "[$WAN6_IP]:5070" "[$MAPPED6]:5060"
sleep 0.5

# send FILE: the status codes answered within 0.5 s (100 left out), or none
send() {
	in_lan python3 -c '
import select, socket, sys, re
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("2001:db8:1::10", 5070))
s.sendto(open(sys.argv[1], "rb").read(), (sys.argv[2], 5060))
got = []
while select.select([s], [], [], 0.5)[0]:
    m = re.match(rb"SIP/2\.0 (\d{3})", s.recv(65535))
    if m and m.group(1) != b"100":
        got.append(m.group(1).decode())
print(",".join(got) or "none")
' "$1" "$RTR6_LAN"
}

while read -r name want; do
	before=$(ls "$TMP/wanrx" | wc -l)
	got=$(send "$TMP/msg/$name.sip")
	sleep 0.2
	new=$(ls "$TMP/wanrx" | sort -n | tail -n +$((before + 1)))
	where=$(echo "$new" | sed -n 's/^[0-9]*\.//p' | sort -u | tr '\n' ' ')
	case $want in
	fwd:*)
		check "$name: forwarded to ${want#fwd:} (answer $got, arrived at: ${where:-nowhere})" \
			[ "$got/$where" = "none/${want#fwd:} " ] ;;
	*)
		check "$name: $want (got $got), nothing forwarded (${where:-nowhere})" \
			[ "$got/$where" = "$want/" ] ;;
	esac
	first=$(echo "$new" | head -n 1)
	if [ -n "$first" ]; then cp "$TMP/wanrx/$first" "$TMP/fwd.$name"; else : >"$TMP/fwd.$name"; fi
done <"$TMP/EXPECT"

check "received= from the phone replaced with the bare source address" \
	grep -q "^Via: SIP/2.0/UDP \[2001:db8:1::10\]:5070;received=2001:db8:1::10;branch" \
	"$TMP/fwd.via-received-param-with-delim"
check "...in both forms" \
	grep -q "^Via: SIP/2.0/UDP \[2001:db8:1::10\]:5070;received=2001:db8:1::10;branch" \
	"$TMP/fwd.via-received-param-no-delim"
check "IPv6 SDP forwarded as a pinhole (c= and a=rtcp IN IP6 of the phone)" \
	bash -c 'grep -q "^c=IN IP6 2001:db8:1::10" "$1" &&
		grep -q "^a=rtcp:6001 IN IP6 2001:db8:1::10" "$1"' _ "$TMP/fwd.ipv6-in-sdp"
check "both families in headers: the IPv4 and IPv6 Vias below kept" \
	bash -c 'grep -q "192.0.2.10:5090" "$1" && grep -q "\[2001:db8:1::10\]:5091" "$1"' \
	_ "$TMP/fwd.mult-ip-in-header"
check "both families in SDP: no LAN IPv4 address left in it" \
	bash -c '! grep -q "192\.0\.2\." "$1" && grep -q "^c=IN IP6 2001:db8:1::10" "$1"' \
	_ "$TMP/fwd.mult-ip-in-sdp"

echo "== the calls of the INVITEs go after invite-timeout"
sip_final_checks 3500
finish
