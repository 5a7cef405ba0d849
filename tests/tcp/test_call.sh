#!/usr/bin/env bash
# test_call.sh - calls over SIP/TCP through nat-portd, media in the kernel.
#
#   LAN phone (sipp)       router: nat-portd           provider (sipp)
#   ns np-lan-PID          ns np-rtr-PID               ns np-wan-PID
#   192.0.2.10:5060 -[c0]-[r0]- 192.0.2.1    198.51.100.1 -[r1]-[w0]- 198.51.100.20:5060
#   RTP 6000/6001          TCP+UDP 5060 each side      RTP 7000/7001
#
# 1. TCP on both sides (sipp -t t1; upstream-proxy ...;transport=tcp):
#    the phone calls, both stream G.711, the kernel carries the RTP,
#    the phone hangs up. The provider saw our Via as SIP/2.0/TCP and a
#    double Record-Route whose entries both say transport=tcp.
# 2. TCP on both sides, the provider hangs up: its BYE crosses on the
#    Route set over the provider's connection and reaches the phone over
#    the phone's connection.
# 3. UDP phone, TCP provider: the phone's side of the Record-Route is
#    UDP, the provider's TCP; BYE from the provider goes back to UDP.
# 4. TCP phone, UDP provider (the Request-URI names no transport): the
#    other way round; BYE from the phone.
# 5. Re-INVITEs from each side over TCP on both sides: the provider moves
#    its media (uas_move), the phone holds and resumes (uac_hold).
# Then: no connection, call, mapping, held port or entry left.
set -eu
. "$(dirname "$0")/lib_tcp.sh"
trap cleanup EXIT
sip_up media

call_media_checks() { # what every call here must show
	check "natport entries for RTP and RTCP installed" wait_entries 2
	read -r o0 r0 < <(np_pkts)
	sleep 1.5
	read -r o1 r1 < <(np_pkts)
	check "kernel carried provider->phone RTP ($o0 -> $o1)" [ "$o1" -gt $((o0 + 30)) ]
	check "kernel carried phone->provider RTP ($r0 -> $r1)" [ "$r1" -gt $((r0 + 30)) ]
}

portd_start "sip-tcp yes" "upstream-proxy $WAN_IP:5060;transport=tcp"
check "nat-portd listens on TCP 5060 on both sides" \
	sh -c "[ \$(ip netns exec $NS_RTR ss -Htln '( sport = :5060 )' | wc -l) = 2 ]"

echo "== 1: TCP both sides, the phone hangs up"
a_lan0=$(rx "$NS_LAN" audio)
uas uas.xml -t t1 -m 1
uac_bg uac.xml -t t1 -m 1 -d 4000
call_media_checks
check "phone's sipp completed the call" wait_pid "$UAC_PID"
check "provider's sipp completed the call" wait_pid "$UAS_PID"
check "phone received the provider's RTP" [ $(($(rx "$NS_LAN" audio) - a_lan0)) -gt 80 ]
check "BYE removed the natport entries" wait_entries 0
check "the provider saw our Via as TCP" \
	grep -q "^Via: SIP/2.0/TCP $RTR_WAN:5060;" "$TMP/uas.msg"
check "the provider saw both Record-Route entries with transport=tcp" \
	grep -Eq "^Record-Route: <sip:$RTR_WAN:5060;transport=tcp;lr>, *<sip:$RTR_LAN:5060;transport=tcp;lr>" "$TMP/uas.msg"
check "the phone's INVITE reached the provider over TCP (sipp's log)" \
	grep -q "TCP message received" "$TMP/uas.msg"

echo "== 2: TCP both sides, the provider hangs up"
uas uas_bye.xml -t t1 -m 1 -d 3000
uac_bg uac_wait_bye.xml -t t1 -m 1
call_media_checks
check "phone's sipp answered the provider's BYE" wait_pid "$UAC_PID"
check "provider's sipp completed the call" wait_pid "$UAS_PID"
check "the provider's BYE removed the natport entries" wait_entries 0
check "the provider saw the phone's Contact on the WAN address, over TCP" \
	grep -Eq "^Contact: <?sip:sipp@$RTR_WAN:5060;transport=tcp" "$TMP/uas.msg"
check "...and no Contact with a LAN address" \
	sh -c "! grep -E '^Contact:.*192\\.0\\.2\\.' '$TMP/uas.msg'"
check "its BYE reached the phone's own Contact" \
	grep -q "^BYE sip:sipp@$LAN_IP:5060 SIP/2.0" "$TMP/uac.msg"
check "both sipps closed: no connection left" wait_until 50 tcp_conns_are 0

echo "== 3: UDP phone, TCP provider; the provider hangs up"
uas uas_bye.xml -t t1 -m 1 -d 3000
uac_bg uac_wait_bye.xml -m 1
call_media_checks
check "phone's sipp answered the provider's BYE" wait_pid "$UAC_PID"
check "provider's sipp completed the call" wait_pid "$UAS_PID"
check "entries gone" wait_entries 0
check "Record-Route: the provider's side TCP, the phone's side UDP" \
	grep -Eq "^Record-Route: <sip:$RTR_WAN:5060;transport=tcp;lr>, *<sip:$RTR_LAN:5060;lr>" "$TMP/uas.msg"
check "the phone got its messages over UDP with our Via as UDP" \
	grep -q "^Via: SIP/2.0/UDP $RTR_LAN:5060;" "$TMP/uac.msg"
check "the phone saw the provider's Contact without a TCP transport forced" \
	grep -q "^BYE sip:sipp@$LAN_IP:5060 SIP/2.0" "$TMP/uac.msg"
portd_stop
sleep 0.2

echo "== 4: TCP phone, UDP provider; the phone hangs up"
portd_start "sip-tcp yes"
uas uas.xml -m 1
uac_bg uac.xml -t t1 -m 1 -d 3000
call_media_checks
check "phone's sipp completed the call" wait_pid "$UAC_PID"
check "provider's sipp completed the call" wait_pid "$UAS_PID"
check "entries gone" wait_entries 0
check "the provider got UDP with our Via as UDP" \
	grep -q "^Via: SIP/2.0/UDP $RTR_WAN:5060;" "$TMP/uas.msg"
check "Record-Route: the provider's side UDP, the phone's side TCP" \
	grep -Eq "^Record-Route: <sip:$RTR_WAN:5060;lr>, *<sip:$RTR_LAN:5060;transport=tcp;lr>" "$TMP/uas.msg"
check "the provider saw the phone's Contact as UDP (no transport=tcp)" \
	sh -c "grep '^Contact: <\\?sip:sipp@$RTR_WAN' '$TMP/uas.msg' | grep -vq transport"
portd_stop
sleep 0.2

echo "== 5: re-INVITEs from each side, TCP both sides"
portd_start "sip-tcp yes" "upstream-proxy $WAN_IP:5060;transport=tcp"
uas uas_move.xml -t t1 -m 1 -d 3000
uac_bg uac_moved.xml -t t1 -m 1
check "the provider's re-INVITE moved the natport entry to $WAN2_IP:7004" \
	wait_until 80 sh -c "[ -n \"\$(ip netns exec $NS_RTR conntrack -L 2>/dev/null | grep 'src=$WAN2_IP dst=$RTR_WAN sport=7004 ')\" ]"
check "phone's sipp completed the call (provider's re-INVITE)" wait_pid "$UAC_PID"
check "provider's sipp completed the call" wait_pid "$UAS_PID"
check "entries gone" wait_entries 0
uas uas_hold.xml -t t1 -m 1
uac_bg uac_hold.xml -t t1 -m 1
check "phone's sipp: hold, resume, BYE over TCP" wait_pid "$UAC_PID"
check "provider's sipp: hold, resume, BYE over TCP" wait_pid "$UAS_PID"
check "entries gone" wait_entries 0
portd_stats
check "no call refused or malformed (refused=$(st refused) malformed=$(st malformed))" \
	[ "$(st refused)/$(st malformed)" = 0/0 ]

tcp_final_checks
finish
