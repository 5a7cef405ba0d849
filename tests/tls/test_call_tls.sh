#!/usr/bin/env bash
# test_call_tls.sh - a UDP phone on the LAN calls through nat-portd to a
# provider that speaks only TLS (Kamailio, tls.so, the test CA), and back
# to a callee Kamailio routes to; media through the kernel.
#
#   phone (sipp, UDP)  nat-portd                 Kamailio          callee
#   192.0.2.10:5060 -- 192.0.2.1 | 198.51.100.1 =TLS= 198.51.100.20 -UDP- 203.0.113.20
#
# 1. The phone hangs up: the provider saw our Via as SIP/2.0/TLS, the
#    connection verified provider.test against the test CA, RTP crossed
#    in the kernel both ways.
# 2. The callee hangs up: its BYE comes back over TLS and reaches the
#    phone over UDP.
# 3. SRTP (a=crypto, RFC 4568; and a DTLS a=fingerprint): the offer's
#    and answer's crypto lines and the fingerprint arrive unchanged, only c=/m= rewritten, the kernel forwards the
#    packets (sipp's pcap: the payload is not really encrypted, which the
#    kernel's entries never look at anyway).
# 4. Re-INVITEs from each side across the TLS hop: the callee moves its
#    media to 203.0.113.20:7004 (uas_move), the phone holds and resumes
#    (uac_hold).
# 5. The provider restarts mid-call (its TLS connections drop): the
#    phone's BYE opens a new TLS connection (a new handshake) and ends
#    the call at the callee.
# Then: no TLS connection, call, mapping, held port or entry left.
set -eu
. "$(dirname "$0")/lib_tls.sh"
trap cleanup EXIT
need_tls
sip_up media
tls_pki
kam_tls_start
tls_portd_start

call_media_checks() {
	check "natport entries for RTP and RTCP installed" wait_entries 2
	read -r o0 r0 < <(np_pkts)
	sleep 1.5
	read -r o1 r1 < <(np_pkts)
	check "kernel carried callee->phone RTP ($o0 -> $o1)" [ "$o1" -gt $((o0 + 30)) ]
	check "kernel carried phone->callee RTP ($r0 -> $r1)" [ "$r1" -gt $((r0 + 30)) ]
}

echo "== 1: UDP phone -> TLS provider, the phone hangs up"
a0=$(rx "$NS_LAN" audio)
callee_up uas.xml -m 1
uac_bg uac.xml -m 1 -d 4000
call_media_checks
check "phone's sipp completed the call" wait_pid "$UAC_PID"
check "callee's sipp completed the call" wait_pid "$UAS_PID"
check "phone received the callee's RTP" [ $(($(rx "$NS_LAN" audio) - a0)) -gt 80 ]
check "BYE removed the natport entries" wait_entries 0
check "Kamailio got the INVITE over TLS from the router" \
	grep -q "req INVITE sip:1000@$WAN_IP:5060 from tls:$RTR_WAN:" <<<"$(kam_tls_log)"
check "...with our Via as TLS" \
	grep -Eq "^Via: SIP/2.0/TLS $RTR_WAN:5061;" "$TMP/uas.msg"
check "...and the WAN Record-Route with transport=tls" \
	grep -Eq "^Record-Route: .*<sip:$RTR_WAN:5061;transport=tls;lr>" "$TMP/uas.msg"
portd_stats
check "one TLS handshake or more, none failed ($(st tls_handshakes)/$(st tls_hs_failed))" \
	[ "$(st tls_handshakes)" -ge 1 ] && [ "$(st tls_hs_failed)" = 0 ]

echo "== 2: the callee hangs up; its BYE crosses back over TLS"
callee_up uas_bye.xml -m 1 -d 3000
uac_bg uac_wait_bye.xml -m 1
call_media_checks
check "phone's sipp answered the callee's BYE" wait_pid "$UAC_PID"
check "callee's sipp completed the call" wait_pid "$UAS_PID"
check "entries gone" wait_entries 0
check "the BYE reached the router over TLS" \
	grep -q "req BYE sip:.* from udp:$WAN2_IP" <<<"$(kam_tls_log)"
check "...and the phone over UDP" \
	grep -q "^BYE sip:sipp@$LAN_IP:5060 SIP/2.0" "$TMP/uac.msg"

echo "== 3: SRTP (a=crypto) passes unchanged"
callee_up "$TLSDIR/scenarios/uas_srtp.xml" -m 1
uac_bg "$TLSDIR/scenarios/uac_srtp.xml" -m 1 -d 3000
call_media_checks
check "phone's sipp completed the SRTP call" wait_pid "$UAC_PID"
check "callee's sipp completed it" wait_pid "$UAS_PID"
check "the offer's crypto line reached the callee unchanged" \
	grep -q "^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4" "$TMP/uas.msg"
check "the answer's crypto line reached the phone unchanged" \
	grep -q "^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|2^20|1:4" "$TMP/uac.msg"
check "the offer's DTLS fingerprint and setup reached the callee unchanged" \
	sh -c "grep -q '^a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF' '$TMP/uas.msg' && grep -q '^a=setup:actpass' '$TMP/uas.msg'"
check "the profile stays RTP/SAVP, c= and m= rewritten" \
	grep -Eq "^m=audio [0-9]+ RTP/SAVP 8" "$TMP/uas.msg"
check "the callee saw the router's WAN address in c=" \
	grep -q "^c=IN IP4 $RTR_WAN" "$TMP/uas.msg"
check "entries gone" wait_entries 0

echo "== 4: re-INVITEs from each side over the TLS hop"
callee_up uas_move.xml -m 1 -d 3000
uac_bg uac_moved.xml -m 1
check "the callee's re-INVITE moved the natport entry to $WAN2_IP:7004" \
	wait_until 80 sh -c "[ -n \"\$(ip netns exec $NS_RTR conntrack -L 2>/dev/null | grep 'src=$WAN2_IP dst=$RTR_WAN sport=7004 ')\" ]"
check "phone's sipp completed the call (the callee's re-INVITE)" wait_pid "$UAC_PID"
check "callee's sipp completed the call" wait_pid "$UAS_PID"
check "entries gone" wait_entries 0
callee_up uas_hold.xml -m 1
uac_bg uac_hold.xml -m 1
check "phone's sipp: hold, resume, BYE" wait_pid "$UAC_PID"
check "callee's sipp: hold, resume, BYE" wait_pid "$UAS_PID"
check "entries gone" wait_entries 0
# five calls' INVITEs and the phone's two re-INVITEs (hold, resume)
check "the phone's re-INVITEs crossed to Kamailio over TLS too" \
	[ "$(kam_tls_log | grep -c "req INVITE sip:.* from tls:$RTR_WAN:")" -ge 7 ]
portd_stats
check "no call refused or malformed (refused=$(st refused) malformed=$(st malformed))" \
	[ "$(st refused)/$(st malformed)" = 0/0 ]

echo "== 5: the TLS connection drops mid-call and is made again"
callee_up uas.xml -m 1
uac_bg uac.xml -m 1 -d 7000
check "natport entries installed" wait_entries 2
portd_stats
hs0=$(st tls_handshakes)
kam_tls_stop
check "nat-portd saw the provider's connections close" \
	wait_until 50 tls_conns_are 0
check "the call's natport entries stay meanwhile" wait_entries 2
kam_tls_start
check "phone's sipp completed the call (BYE over a new connection)" \
	wait_pid "$UAC_PID"
check "callee's sipp got the BYE" wait_pid "$UAS_PID"
check "entries gone" wait_entries 0
portd_stats
check "a new TLS handshake carried the BYE ($hs0 -> $(st tls_handshakes))" \
	[ "$(st tls_handshakes)" -gt "$hs0" ]

tls_final_checks
finish
