#!/usr/bin/env python3
# gen-corpus.py - (re)write the SDP corpus next to this script.
#
#   good-*.sdp  must parse (tests/unit/test_sdp.c checks what each means)
#   bad-*.sdp   must be refused with a reason; the name says what is wrong
#
# Only *.sdp files are corpus. Lines end in CRLF unless the name says
# otherwise. Addresses: LAN 192.0.2.0/24 and 2001:db8::/32 (design.md 7).
# Edit here, run it, commit the script and the .sdp files together.
import os, sys
out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
os.makedirs(out, exist_ok=True)

def crlf(*lines):
    return ("\r\n".join(lines) + "\r\n").encode()

HEAD = ["v=0",
        "o=alice 2890844526 2890844526 IN IP4 192.0.2.10",
        "s=natport",
        "c=IN IP4 192.0.2.10",
        "t=0 0"]
AUDIO = ["m=audio 49170 RTP/AVP 0 8 101",
         "a=rtpmap:0 PCMU/8000",
         "a=rtpmap:8 PCMA/8000",
         "a=rtpmap:101 telephone-event/8000",
         "a=fmtp:101 0-16",
         "a=ptime:20"]

def head(c="c=IN IP4 192.0.2.10", o="o=alice 2890844526 2890844526 IN IP4 192.0.2.10"):
    h = ["v=0", o, "s=natport"]
    if c:
        h.append(c)
    h.append("t=0 0")
    return h

F = {}
# ---- good ----
F["good-audio-only.sdp"] = crlf(*HEAD, *AUDIO, "a=sendrecv")
F["good-audio-video.sdp"] = crlf(*HEAD, *AUDIO,
    "m=video 51372 RTP/AVP 96 31",
    "b=AS:512",
    "a=rtpmap:96 H264/90000",
    "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1",
    "a=rtpmap:31 H261/90000")
F["good-rtcp-mux.sdp"] = crlf(*HEAD,
    "m=audio 49170 RTP/AVP 111",
    "a=rtpmap:111 opus/48000/2",
    "a=rtcp:49170",
    "a=rtcp-mux")
F["good-rtcp-attr-with-address.sdp"] = crlf(*HEAD, *AUDIO,
    "a=rtcp:53020 IN IP4 192.0.2.11")
F["good-rtcp-attr-port-only.sdp"] = crlf(*HEAD, *AUDIO, "a=rtcp:53021")
F["good-hold-c-zero.sdp"] = crlf(*head("c=IN IP4 0.0.0.0",
    "o=alice 2890844526 2890844527 IN IP4 192.0.2.10"), *AUDIO)
F["good-hold-media-c-zero.sdp"] = crlf(*HEAD, *AUDIO[:1], "c=IN IP4 0.0.0.0",
    *AUDIO[1:], "a=sendonly",
    "m=video 51372 RTP/AVP 31", "a=sendrecv")
F["good-sendonly.sdp"] = crlf(*HEAD, *AUDIO, "a=sendonly")
F["good-inactive.sdp"] = crlf(*HEAD, *AUDIO, "a=inactive")
F["good-session-recvonly.sdp"] = crlf(*HEAD, "a=recvonly", *AUDIO)
F["good-disabled-stream-port0.sdp"] = crlf(*HEAD, *AUDIO,
    "m=video 0 RTP/AVP 31", "c=IN IP4 192.0.2.10", "a=rtcp:5001 IN IP4 192.0.2.10")
F["good-all-disabled-no-c.sdp"] = crlf(*head(None), "m=audio 0 RTP/AVP 0")
F["good-t38-image-udptl.sdp"] = crlf(*HEAD,
    "m=image 49172 udptl t38",
    "a=T38FaxVersion:0",
    "a=T38MaxBitRate:14400",
    "a=T38FaxRateManagement:transferredTCF",
    "a=T38FaxMaxDatagram:400",
    "a=T38FaxUdpEC:t38UDPRedundancy")
F["good-ipv6.sdp"] = crlf(*head("c=IN IP6 2001:db8::10",
    "o=alice 2890844526 2890844526 IN IP6 2001:db8::10"), *AUDIO)
F["good-media-level-c.sdp"] = crlf(*head(None),
    "m=audio 49170 RTP/AVP 0", "c=IN IP4 192.0.2.10",
    "m=video 51372 RTP/AVP 34", "c=IN IP4 192.0.2.12")
F["good-lf-line-endings.sdp"] = ("\n".join(HEAD + AUDIO + ["a=sendrecv"]) + "\n").encode()
F["good-dynamic-pt-opus.sdp"] = crlf(*HEAD,
    "m=audio 49170 RTP/AVP 111 0",
    "a=rtpmap:111 opus/48000/2",
    "a=fmtp:111 useinbandfec=1")
F["good-srtp-savp.sdp"] = crlf(*HEAD,
    "m=audio 49170 RTP/SAVP 0",
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32")
F["good-udp-tls-rtp-savpf-mux.sdp"] = crlf(*HEAD,
    "m=audio 49170 UDP/TLS/RTP/SAVPF 111",
    "a=rtpmap:111 opus/48000/2",
    "a=setup:actpass",
    "a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF",
    "a=rtcp-mux",
    "m=application 49172 UDP/DTLS/SCTP webrtc-datachannel",
    "a=sctp-port:5000")
F["good-utf8-session-name.sdp"] = crlf("v=0",
    "o=alice 2890844526 2890844526 IN IP4 192.0.2.10",
    "s=Caf\u00e9 conf\u00e9rence", "c=IN IP4 192.0.2.10", "t=0 0", *AUDIO)
F["good-max-streams-16.sdp"] = crlf(*HEAD,
    *[l for k in range(16) for l in ("m=audio %d RTP/AVP 0" % (40000 + 2 * k),)])

# ---- bad ----
F["bad-seed-uppercase-C-IP-port.sdp"] = crlf("v=0",
    "o=alice 2890844526 2890844526 IN IP4 192.0.2.10", "s=natport",
    "C=IN IP 5.6.7.8:5678", "t=0 0", "m=audio 5678 RTP/AVP 0")
F["bad-c-addrtype-IP.sdp"] = crlf(*head("c=IN IP 5.6.7.8"), *AUDIO)
F["bad-c-with-port.sdp"] = crlf(*head("c=IN IP4 5.6.7.8:5678"), *AUDIO)
F["bad-c-fqdn.sdp"] = crlf(*head("c=IN IP4 phone.example.com"), *AUDIO)
F["bad-c-multicast-ttl.sdp"] = crlf(*head("c=IN IP4 224.2.1.1/127"), *AUDIO)
F["bad-c-multicast-ttl-count.sdp"] = crlf(*head("c=IN IP4 224.2.1.1/127/3"), *AUDIO)
F["bad-c-multicast-no-ttl.sdp"] = crlf(*head("c=IN IP4 239.1.1.1"), *AUDIO)
F["bad-c-ip6-multicast.sdp"] = crlf(*head("c=IN IP6 ff15::101"), *AUDIO)
F["bad-c-ip4-type-ip6-addr.sdp"] = crlf(*head("c=IN IP4 2001:db8::1"), *AUDIO)
F["bad-c-ip6-type-ip4-addr.sdp"] = crlf(*head("c=IN IP6 192.0.2.10"), *AUDIO)
F["bad-c-nettype-not-IN.sdp"] = crlf(*head("c=ATM NSAP 47.0005.80.ffe100.0000.f21a.0000"), *AUDIO)
F["bad-c-trailing-garbage.sdp"] = crlf(*head("c=IN IP4 192.0.2.10 extra"), *AUDIO)
F["bad-c-octet-out-of-range.sdp"] = crlf(*head("c=IN IP4 192.0.2.300"), *AUDIO)
F["bad-c-double-space.sdp"] = crlf(*head("c=IN  IP4 192.0.2.10"), *AUDIO)
F["bad-c-missing.sdp"] = crlf(*head(None), *AUDIO)
F["bad-c-missing-for-stream-2.sdp"] = crlf(*head(None),
    "m=audio 49170 RTP/AVP 0", "c=IN IP4 192.0.2.10",
    "m=video 51372 RTP/AVP 31")
F["bad-c-two-in-one-media.sdp"] = crlf(*HEAD, "m=audio 49170 RTP/AVP 0",
    "c=IN IP4 192.0.2.10", "c=IN IP4 192.0.2.11")
F["bad-c-no-address.sdp"] = crlf(*head("c=IN IP4"), *AUDIO)
F["bad-m-port-70000.sdp"] = crlf(*HEAD, "m=audio 70000 RTP/AVP 0")
F["bad-m-port-65536.sdp"] = crlf(*HEAD, "m=audio 65536 RTP/AVP 0")
F["bad-m-port-huge.sdp"] = crlf(*HEAD, "m=audio 99999999999999999999999 RTP/AVP 0")
F["bad-m-port-negative.sdp"] = crlf(*HEAD, "m=audio -1 RTP/AVP 0")
F["bad-m-port-not-number.sdp"] = crlf(*HEAD, "m=audio abc RTP/AVP 0")
F["bad-m-port-hex.sdp"] = crlf(*HEAD, "m=audio 0x1f40 RTP/AVP 0")
F["bad-m-port-count.sdp"] = crlf(*HEAD, "m=video 49170/2 RTP/AVP 31")
F["bad-m-no-format.sdp"] = crlf(*HEAD, "m=audio 49170 RTP/AVP")
F["bad-m-only-media.sdp"] = crlf(*HEAD, "m=audio")
F["bad-m-rtp-format-not-number.sdp"] = crlf(*HEAD, "m=audio 49170 RTP/AVP PCMU")
F["bad-m-rtp-format-128.sdp"] = crlf(*HEAD, "m=audio 49170 RTP/AVP 128")
F["bad-m-media-type-too-long.sdp"] = crlf(*HEAD, "m=audiovideoapplication 49170 RTP/AVP 0")
F["bad-m-proto-too-long.sdp"] = crlf(*HEAD, "m=audio 49170 RTP/AVP/WITH/A/VERY/LONG/PROFILE/NAME 0")
F["bad-m-17-streams.sdp"] = crlf(*HEAD,
    *["m=audio %d RTP/AVP 0" % (40000 + 2 * k) for k in range(17)])
F["bad-m-rtp-port-65535-no-rtcp-room.sdp"] = crlf(*HEAD, "m=audio 65535 RTP/AVP 0")
F["bad-rtcp-port-70000.sdp"] = crlf(*HEAD, *AUDIO, "a=rtcp:70000")
F["bad-rtcp-port-0.sdp"] = crlf(*HEAD, *AUDIO, "a=rtcp:0")
F["bad-rtcp-port-not-number.sdp"] = crlf(*HEAD, *AUDIO, "a=rtcp:five")
F["bad-rtcp-no-port.sdp"] = crlf(*HEAD, *AUDIO, "a=rtcp")
F["bad-rtcp-bad-address.sdp"] = crlf(*HEAD, *AUDIO, "a=rtcp:53020 IN IP4 rtcp.example.com")
F["bad-rtcp-partial-address.sdp"] = crlf(*HEAD, *AUDIO, "a=rtcp:53020 IN IP4")
F["bad-rtcp-multicast-address.sdp"] = crlf(*HEAD, *AUDIO, "a=rtcp:53020 IN IP4 224.0.0.1")
F["bad-rtcp-twice.sdp"] = crlf(*HEAD, *AUDIO, "a=rtcp:53020", "a=rtcp:53022")
F["bad-rtcp-session-level.sdp"] = crlf(*HEAD, "a=rtcp:53020", *AUDIO)
F["bad-rtcp-on-udptl.sdp"] = crlf(*HEAD, "m=image 49172 udptl t38", "a=rtcp:49173")
F["bad-rtcp-mux-with-value.sdp"] = crlf(*HEAD, *AUDIO, "a=rtcp-mux:yes")
# the clock rate may be left out for a static payload type (RFC 3551's
# rate then; RFC 4475 3.1.1.1 has "a=rtpmap:31 LPC"), not for a dynamic one
F["good-rtpmap-static-no-clock-rate.sdp"] = crlf(*HEAD, "m=audio 49170 RTP/AVP 0", "a=rtpmap:0 PCMU")
F["bad-rtpmap-dynamic-no-clock-rate.sdp"] = crlf(*HEAD, "m=audio 49170 RTP/AVP 96", "a=rtpmap:96 opus")
F["bad-rtpmap-pt-200.sdp"] = crlf(*HEAD, "m=audio 49170 RTP/AVP 0", "a=rtpmap:200 PCMU/8000")
F["bad-rtpmap-zero-rate.sdp"] = crlf(*HEAD, "m=audio 49170 RTP/AVP 96", "a=rtpmap:96 opus/0/2")
F["bad-direction-conflict.sdp"] = crlf(*HEAD, *AUDIO, "a=sendonly", "a=recvonly")
F["bad-direction-with-value.sdp"] = crlf(*HEAD, *AUDIO, "a=sendonly:yes")
F["bad-truncated-mid-line.sdp"] = crlf(*HEAD)[:] + b"m=audio 491"
F["bad-truncated-no-final-crlf.sdp"] = crlf(*HEAD, *AUDIO)[:-2]
F["bad-truncated-before-t.sdp"] = crlf("v=0", "o=alice 2890844526 2890844526 IN IP4 192.0.2.10", "s=natport")
F["bad-empty.sdp"] = b""
F["bad-only-crlf.sdp"] = b"\r\n"
F["bad-binary-garbage.sdp"] = bytes((i * 131 + 7) % 256 for i in range(512))
F["bad-nul-in-line.sdp"] = crlf(*HEAD, "m=audio 49170 RTP/AVP 0\x00 8")
F["bad-nul-after-header.sdp"] = crlf(*HEAD) + b"\x00" + crlf(*AUDIO)
F["bad-control-byte.sdp"] = crlf(*HEAD, "m=audio 49170 RTP/AVP 0", "a=ptime:\x0120")
F["bad-non-ascii-in-c.sdp"] = crlf(*head("c=IN IP4 192.0.2.1\u00b9"), *AUDIO)
F["bad-empty-line-hides-media.sdp"] = crlf(*HEAD, *AUDIO, "", "m=video 51372 RTP/AVP 31")
F["bad-garbage-line.sdp"] = crlf(*HEAD, "this is not sdp", *AUDIO)
F["bad-garbage-line-ending-in-c.sdp"] = crlf(*head(None), "garbage c=IN IP4 192.0.2.10", *AUDIO)
F["bad-unknown-type-letter.sdp"] = crlf(*HEAD, "x=whatever", *AUDIO)
F["bad-space-before-equals.sdp"] = crlf(*head("c =IN IP4 192.0.2.10"), *AUDIO)
F["bad-uppercase-M.sdp"] = crlf(*HEAD, "M=audio 49170 RTP/AVP 0")
F["bad-order-a-before-c.sdp"] = crlf("v=0",
    "o=alice 2890844526 2890844526 IN IP4 192.0.2.10", "s=natport",
    "a=sendrecv", "c=IN IP4 192.0.2.10", "t=0 0", *AUDIO)
F["bad-order-media-a-before-c.sdp"] = crlf(*head(None), "m=audio 49170 RTP/AVP 0",
    "a=rtpmap:0 PCMU/8000", "c=IN IP4 192.0.2.10")
F["bad-order-t-after-m.sdp"] = crlf("v=0",
    "o=alice 2890844526 2890844526 IN IP4 192.0.2.10", "s=natport",
    "c=IN IP4 192.0.2.10", *AUDIO, "t=0 0")
F["bad-order-s-before-o.sdp"] = crlf("v=0", "s=natport",
    "o=alice 2890844526 2890844526 IN IP4 192.0.2.10",
    "c=IN IP4 192.0.2.10", "t=0 0", *AUDIO)
F["bad-two-session-c.sdp"] = crlf("v=0",
    "o=alice 2890844526 2890844526 IN IP4 192.0.2.10", "s=natport",
    "c=IN IP4 192.0.2.10", "c=IN IP4 192.0.2.11", "t=0 0", *AUDIO)
F["bad-r-without-t.sdp"] = crlf("v=0",
    "o=alice 2890844526 2890844526 IN IP4 192.0.2.10", "s=natport",
    "c=IN IP4 192.0.2.10", "r=7d 1h 0 25h", "t=0 0", *AUDIO)
F["bad-two-v-lines.sdp"] = crlf("v=0", *HEAD, *AUDIO)
F["bad-no-v.sdp"] = crlf(*HEAD[1:], *AUDIO)
F["bad-v-1.sdp"] = crlf("v=1", *HEAD[1:], *AUDIO)
F["bad-no-o.sdp"] = crlf("v=0", "s=natport", "c=IN IP4 192.0.2.10", "t=0 0", *AUDIO)
F["bad-o-missing-fields.sdp"] = crlf("v=0", "o=alice 1 IN IP4 192.0.2.10",
    "s=natport", "c=IN IP4 192.0.2.10", "t=0 0", *AUDIO)
F["bad-o-extra-field.sdp"] = crlf("v=0", "o=alice 1 1 IN IP4 192.0.2.10 more",
    "s=natport", "c=IN IP4 192.0.2.10", "t=0 0", *AUDIO)
F["bad-o-nonnumeric-id.sdp"] = crlf("v=0", "o=alice abc 1 IN IP4 192.0.2.10",
    "s=natport", "c=IN IP4 192.0.2.10", "t=0 0", *AUDIO)
F["bad-no-s.sdp"] = crlf("v=0", "o=alice 1 1 IN IP4 192.0.2.10",
    "c=IN IP4 192.0.2.10", "t=0 0", *AUDIO)
F["bad-no-t.sdp"] = crlf("v=0", "o=alice 1 1 IN IP4 192.0.2.10", "s=natport",
    "c=IN IP4 192.0.2.10", *AUDIO)
F["bad-bare-cr-line-endings.sdp"] = ("\r".join(HEAD + AUDIO) + "\r").encode()
F["bad-oversized-16385.sdp"] = crlf(*HEAD, *AUDIO)
pad = 16385 - len(F["bad-oversized-16385.sdp"])
lines = []
while pad > 0:
    n = min(pad, 200)
    if n < 8:
        n = 8
    lines.append("a=x-pad:" + "p" * (n - 10))
    pad -= n
F["bad-oversized-16385.sdp"] = crlf(*HEAD, *AUDIO, *lines)
while len(F["bad-oversized-16385.sdp"]) < 16385:
    lines.append("a=x")
    F["bad-oversized-16385.sdp"] = crlf(*HEAD, *AUDIO, *lines)
F["bad-html.sdp"] = crlf("<html><body>404 Not Found</body></html>")
F["bad-sip-message-not-sdp.sdp"] = crlf("INVITE sip:bob@198.51.100.20 SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds", "Content-Length: 0", "")

for name, data in F.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print(len(F), "files")
