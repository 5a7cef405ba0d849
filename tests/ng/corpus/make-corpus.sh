#!/bin/sh
# make-corpus.sh - write the hand-written ng and bencode corpus files.
set -eu
cd "$(dirname "$0")"

# $1 file, $2 bytes (printf %s, so no escapes are interpreted)
w() { printf '%s' "$2" >"$1"; }
# a bencoded string
b() { printf '%d:%s' "${#1}" "$1"; }

SDP=$(printf 'v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n.')
SDP=${SDP%.} # $(...) would eat the final newline
SDPS="3:sdp${#SDP}:$SDP" # not $(b ...): it would eat the newline
CALL="$(b call-id)$(b c1@192.0.2.10)$(b from-tag)$(b ft1)"

w good-ping.ng "c1 d$(b command)$(b ping)e"
w good-offer-full.ng "c2 d$(b command)$(b offer)$CALL$SDPS$(b via-branch)$(b z9hG4bK1)\
$(b flags)l$(b trust-address)$(b port-latching)$(b weird-new-flag)e\
$(b replace)l$(b origin)$(b session-connection)$(b sdp-version)e\
$(b ICE)$(b remove)$(b transport-protocol)$(b RTP/AVP)\
$(b direction)l$(b internal)$(b external)e$(b rtcp-mux)l$(b accept)e\
$(b received-from)l$(b IP4)$(b 192.0.2.10)e$(b supports)l$(b 'load limit')e\
$(b sip-message-type)$(b sip_request)$(b label)$(b caller)e"
w good-offer-spaces.ng "c3 d$(b command)$(b offer)$CALL$SDPS\
$(b flags)l$(b 'SIP source address')e$(b 'received from')l$(b IP6)$(b 2001:db8::10)e\
$(b 'transport protocol')$(b RTP/AVP)$(b 'delete delay')i5ee"
w good-answer.ng "c4 d$(b command)$(b answer)$CALL$(b to-tag)$(b tt1)$SDPS\
$(b ICE)l$(b remove)ee"
w good-delete.ng "c5 d$(b command)$(b delete)$CALL$(b flags)l$(b fatal)e$(b delete-delay)i0ee"
w good-query.ng "c6 d$(b command)$(b query)$(b call-id)$(b c1@192.0.2.10)e"
HOLD=$(printf 'v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=sendonly\r\n.')
HOLD=${HOLD%.}
w good-hold.ng "c7 d$(b command)$(b offer)${CALL}3:sdp${#HOLD}:${HOLD}e"

w bad-nocookie.ng "d$(b command)$(b ping)e"
w bad-json.ng 'c8 {"command":"ping"}'
w bad-nopayload.ng 'c9 '
w bad-notdict.ng "c10 l$(b command)$(b ping)e"
w bad-truncated.ng "c11 d$(b command)$(b offer)$CALL$(b sdp)200:v=0"
w bad-deep.ng "c12 d$(b command)$(b ping)$(b x)llllllllllllllllllllllllllllllleeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
w bad-huge-string.ng "c13 d$(b command)$(b offer)$(b sdp)99999999:v=0e"
w bad-leading-zero.ng "c14 d$(b command)$(b ping)$(b x)i007ee"
w bad-trailing.ng "c15 d$(b command)$(b ping)ee"
w bad-dupkey.ng "c16 d$(b command)$(b ping)$(b command)$(b offer)e"
w bad-intkey.ng "c17 di1e$(b ping)e"
w bad-nocommand.ng "c18 d$(b call-id)$(b x)e"
w bad-unknown-command.ng "c19 d$(b command)$(b teleport)e"
w bad-callid-int.ng "c20 d$(b command)$(b offer)$(b call-id)i42e$(b from-tag)$(b ft1)${SDPS}e"
w bad-flags-string.ng "c21 d$(b command)$(b offer)$CALL$SDPS$(b flags)$(b trust-address)e"
w bad-received-from.ng "c22 d$(b command)$(b offer)$CALL$SDPS$(b received-from)$(b 192.0.2.10)e"
w bad-received-from-family.ng "c23 d$(b command)$(b offer)$CALL$SDPS$(b received-from)l$(b IP6)$(b 192.0.2.10)ee"
w bad-nosdp.ng "c24 d$(b command)$(b offer)${CALL}e"
w bad-answer-no-totag.ng "c25 d$(b command)$(b answer)$CALL${SDPS}e"
w bad-transcode.ng "c26 d$(b command)$(b offer)$CALL$SDPS$(b flags)l$(b codec-transcode-PCMA)ee"
w bad-codec-dict.ng "c27 d$(b command)$(b offer)$CALL$SDPS$(b codec)d$(b transcode)l$(b G722)eee"
w bad-srtp-bridge.ng "c28 d$(b command)$(b offer)$CALL$SDPS$(b transport-protocol)$(b RTP/SAVP)e"
w bad-dtls.ng "c29 d$(b command)$(b offer)$CALL$SDPS$(b DTLS)$(b passive)e"
w bad-ice-force.ng "c30 d$(b command)$(b offer)$CALL$SDPS$(b ICE)$(b force)e"
w bad-rtcp-demux.ng "c31 d$(b command)$(b offer)$CALL$SDPS$(b rtcp-mux)l$(b demux)ee"
w bad-start-recording.ng "c32 d$(b command)$(b 'start recording')${CALL}e"
w bad-play-media.ng "c33 d$(b command)$(b 'play media')$CALL$(b file)$(b /tmp/x.wav)e"
w bad-record-call.ng "c34 d$(b command)$(b offer)$CALL$SDPS$(b record-call)$(b yes)e"
w bad-ptime.ng "c35 d$(b command)$(b offer)$CALL$SDPS$(b ptime)i30ee"
w bad-rtpp-flags.ng "c36 d$(b command)$(b offer)$CALL$SDPS$(b rtpp-flags)$(b 'trust-address')e"
w bad-contradiction.ng "c37 d$(b command)$(b offer)$CALL$SDPS$(b flags)l$(b trust-address)$(b SIP-source-address)e$(b received-from)l$(b IP4)$(b 192.0.2.1)ee"
w bad-negative-zero.ng "c38 d$(b command)$(b ping)$(b x)i-0ee"

w benc-good-int.b 'i-9223372036854775808e'
w benc-good-nested.b "d$(b a)l$(b x)i0ed$(b k)$(b v)eee"
w benc-good-empty.b "d$(b z)0:$(b a)le$(b m)dee"
w benc-bad-overflow.b 'i9223372036854775808e'
w benc-bad-truncated-list.b 'l1:a'
w benc-bad-length-lie.b '5:abc'
w benc-bad-key-without-value.b "d$(b a)e"
w benc-bad-garbage.b 'x'
