#!/usr/bin/env bash
# test_av_mux.sh - audio and video in one call; RTCP; rtcp-mux.
#
#   LAN phone (sipp)       router: nat-portd           provider (sipp)
#   192.0.2.10:5060 -[c0]-[r0]- 192.0.2.1    198.51.100.1 -[r1]-[w0]- 198.51.100.20:5060
#   audio 6000/6001        4 external ports            audio 7000/7001
#   video 6004/6005                                    video 7006/7007
#
# 1. Audio+video: four mappings (RTP and RTCP per stream, RTCP on RTP+1
#    externally); audio RTP (sipp) and video RTP and RTCP (np-udp, sipp
#    plays one pcap per call) reach both ends through the kernel.
# 2. rtcp-mux: one mapping, one entry, the rewritten offer keeps
#    a=rtcp-mux and advertises no separate RTCP port; RTP flows both ways.
# Then nothing left.
set -eu
. "$(dirname "$0")/../lib/sip.sh"
trap cleanup EXIT
sip_up media
portd_start

echo "== 1: audio + video"
uas uas_av.xml -m 1
uac_bg uac_av.xml -m 1 -d 4000
check "four natport entries: RTP and RTCP for audio and video" wait_entries 4
ea=$(ext_of 7000)
ev=$(ext_of 7006)
ear=$(ext_of 7001)
evr=$(ext_of 7007)
echo "external ports: audio $ea/$ear video $ev/$evr"
check "RTCP ports are RTP+1 on the outside" [ "$ear" = $((ea + 1)) -a "$evr" = $((ev + 1)) ]
check "external RTP ports are even" [ $((ea % 2)) = 0 -a $((ev % 2)) = 0 ]
# sipp plays one pcap per call at a time: video RTP (and RTCP) both ways
# with np-udp, from the ports the SDP announced
in_wan "$BIN/tests/np-udp" send -b "$WAN_IP:7006" -d "$RTR_WAN:$ev" -n 150 -i 2000 >/dev/null &
in_lan "$BIN/tests/np-udp" send -b "$LAN_IP:6004" -d "$WAN_IP:7006" -n 150 -i 2000 >/dev/null
wait $!
# RTCP both ways: provider -> router -> phone, phone -> provider
in_wan "$BIN/tests/np-udp" send -b "$WAN_IP:7001" -d "$RTR_WAN:$ear" -n 5 -i 1000 >/dev/null
in_lan "$BIN/tests/np-udp" send -b "$LAN_IP:6005" -d "$WAN_IP:7007" -n 5 -i 1000 >/dev/null
sleep 0.3
check "RTCP reached the phone and the provider ($(rx "$NS_LAN" rtcp) / $(rx "$NS_WAN" rtcp))" \
	[ "$(rx "$NS_LAN" rtcp)" -ge 5 -a "$(rx "$NS_WAN" rtcp)" -ge 5 ]
check "phone's sipp completed the call" wait_pid "$UAC_PID"
check "provider's sipp completed the call" wait_pid "$UAS_PID"
for s in audio video; do
	l=$(rx "$NS_LAN" $s)
	w=$(rx "$NS_WAN" $s)
	check "$s RTP reached the phone ($l) and the provider ($w)" [ "$l" -ge 100 -a "$w" -ge 100 ]
done
check "BYE removed all four entries" wait_entries 0

echo "== 2: rtcp-mux"
a0=$(rx "$NS_LAN" audio)
w0=$(rx "$NS_WAN" audio)
uas uas_mux.xml -m 1
uac_bg uac_mux.xml -m 1 -d 3000
check "one natport entry for the muxed stream" wait_entries 1
sleep 1
portd_stats
check "one mapping only (mappings=$(st mappings))" [ "$(st mappings)" = 1 ]
check "phone's sipp completed the call" wait_pid "$UAC_PID"
check "provider's sipp completed the call" wait_pid "$UAS_PID"
check "the offer the provider saw keeps a=rtcp-mux" grep -q "a=rtcp-mux" "$TMP/uas.msg"
check "...and has no separate a=rtcp port" sh -c "! grep -q 'a=rtcp:' '$TMP/uas.msg'"
check "...and no LAN address" sh -c "! grep -q 'c=IN IP4 192.0.2' '$TMP/uas.msg'"
a1=$(rx "$NS_LAN" audio)
w1=$(rx "$NS_WAN" audio)
check "muxed RTP reached both ends ($((a1 - a0)) / $((w1 - w0)))" [ $((a1 - a0)) -gt 50 -a $((w1 - w0)) -gt 50 ]
check "BYE removed the entry" wait_entries 0

sip_final_checks
finish
