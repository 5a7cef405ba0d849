#!/usr/bin/env bash
# test_reinvite_hold.sh - re-INVITEs: a moved remote, hold and resume.
#
#   LAN phone (sipp)       router: nat-portd           provider (sipp)
#   192.0.2.10:5060 -[c0]-[r0]- 192.0.2.1    198.51.100.1 -[r1]-[w0]- 198.51.100.20:5060
#   RTP 6000                                           RTP 7000
#                                                      media server 203.0.113.20:7004
#
# 1. The provider re-INVITEs to move its media to 203.0.113.20:7004. The
#    phone's answer crosses the router, which replaces the natport entry
#    before forwarding it: the phone's RTP reaches the new address (from
#    the router's WAN address), RTP from the new address reaches the phone.
# 2. The phone holds (a=sendonly) for 8 s of silence, longer than the
#    router's UDP conntrack timeouts (3 s / 5 s here), then resumes
#    (a=sendrecv): the entries are still there during the hold and the
#    resumed RTP flows both ways through them.
# Then nothing left.
set -eu
. "$(dirname "$0")/../lib/sip.sh"
trap cleanup EXIT
sip_up media
portd_start

remote_moved() { [ -n "$(remote_entries 7004 "$WAN2_IP")" ]; }

echo "== 1: re-INVITE from the provider moves its media"
bg "$NS_WAN" "$BIN/tests/np-udp" recv -b "$WAN2_IP:7004" -n 50 -t 15000 \
	>"$TMP/moved.recv" 2>&1
RECV_PID=$!
uas uas_move.xml -m 1 -d 5000
uac_bg uac_moved.xml -m 1
check "the re-INVITE's answer moved the natport entry to $WAN2_IP:7004" wait_until 80 remote_moved
ext=$(ext_of 7004 "$WAN2_IP")
echo "external RTP port of the moved stream: $ext"
check "the new address got the phone's RTP from the router" wait_pid "$RECV_PID"
grep -q "from $RTR_WAN:$ext" "$TMP/moved.recv" ||
	fail "RTP at the new address came from $(cat "$TMP/moved.recv")"
m0=$(rx "$NS_LAN" moved)
in_wan "$BIN/tests/np-udp" send -b "$WAN2_IP:7004" -d "$RTR_WAN:$ext" \
	-n 50 -i 10000 >/dev/null
sleep 0.3
m1=$(rx "$NS_LAN" moved)
check "the phone got RTP from the new address ($m0 -> $m1)" [ "$m1" -ge $((m0 + 50)) ]
check "phone's sipp completed the call" wait_pid "$UAC_PID"
check "provider's sipp completed the call" wait_pid "$UAS_PID"
check "BYE removed the entries" wait_entries 0

echo "== 2: hold across the UDP timeouts, then resume"
a0=$(rx "$NS_LAN" audio)
w0=$(rx "$NS_WAN" audio)
uas uas_hold.xml -m 1
uac_bg uac_hold.xml -m 1
sleep 11.5 # on hold since ~5.5 s, silent since ~5 s
a1=$(rx "$NS_LAN" audio)
w1=$(rx "$NS_WAN" audio)
check "the held call kept its natport entries through 6 s of silence" [ "$(np_entries)" = 2 ]
check "media before the hold reached both ends (phone $((a1 - a0)), provider $((w1 - w0)))" \
	[ $((a1 - a0)) -gt 100 -a $((w1 - w0)) -gt 100 ]
check "phone's sipp: hold, resume, BYE" wait_pid "$UAC_PID"
check "provider's sipp: hold, resume, BYE" wait_pid "$UAS_PID"
a2=$(rx "$NS_LAN" audio)
w2=$(rx "$NS_WAN" audio)
check "resumed RTP reached the phone ($((a2 - a1)) packets)" [ $((a2 - a1)) -gt 50 ]
check "resumed RTP reached the provider through the router ($((w2 - w1)) packets)" [ $((w2 - w1)) -gt 50 ]
portd_stats
echo "port manager: refreshes and restores during the hold: kernel_restored=$(st kernel_restored)"

sip_final_checks
finish
