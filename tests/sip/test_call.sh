#!/usr/bin/env bash
# test_call.sh - an outgoing call through nat-portd, media in the kernel.
#
#   LAN phone (sipp)       router: nat-portd           provider (sipp)
#   ns np-lan-PID          ns np-rtr-PID               ns np-wan-PID
#   192.0.2.10:5060 -[c0]-[r0]- 192.0.2.1    198.51.100.1 -[r1]-[w0]- 198.51.100.20:5060
#   RTP 6000/6001          media 20000-20099           RTP 7000/7001
#
# 1. The phone calls the provider through the router, both stream G.711
#    (sipp pcap play). Both ends receive the other's RTP; the router's
#    natport entry counters rise while nat-portd wakes only for its own
#    timers (fewer wakeups than half the packets that crossed), its CPU
#    time stays bounded, and no packet is dropped as stray while the call is
#    up (a packet the far end sends before the answer has reached the
#    router is dropped and counted: the entry cannot exist before the
#    answer names the far end). BYE from the
#    phone: the entries go.
# 2. The same, the provider hangs up (its BYE crosses the router on the
#    Record-Route): the entries go. The provider only ever saw the phone's
#    Contact on the router's WAN address; the router maps its BYE back.
# 3. Nothing left: calls, mappings, held ports, conntrack entries, nft
#    table, namespaces, processes.
set -eu
. "$(dirname "$0")/../lib/sip.sh"
trap cleanup EXIT
sip_up media
portd_start

echo "== 1: outgoing call, the phone hangs up"
uas uas.xml -m 1
uac_bg uac.xml -m 1 -d 4000
check "natport entries for RTP and RTCP installed" wait_entries 2
sleep 1
portd_stats
stray0=$(st stray_packets)
cpu0=$(portd_cpu)
wake0=$(portd_wakeups)
read -r o0 r0 < <(np_pkts)
sleep 2
read -r o1 r1 < <(np_pkts)
cpu1=$(portd_cpu)
wake1=$(portd_wakeups)
portd_stats
echo "kernel: provider->phone $o0 -> $o1 packets, phone->provider $r0 -> $r1; nat-portd CPU $((cpu1 - cpu0)) ms"
check "kernel carried provider->phone RTP ($o0 -> $o1)" [ "$o1" -gt $((o0 + 50)) ]
check "kernel carried phone->provider RTP ($r0 -> $r1)" [ "$r1" -gt $((r0 + 50)) ]
check "nat-portd woke $((wake1 - wake0)) times while the kernel carried $((o1 - o0 + r1 - r0)) packets (fewer than half)" \
	[ $((2 * (wake1 - wake0))) -lt $((o1 - o0 + r1 - r0)) ]
check "nat-portd's CPU stayed bounded ($((cpu1 - cpu0)) ms in 2 s, bound $PORTD_IDLE_CPU_MS)" \
	[ $((cpu1 - cpu0)) -le $PORTD_IDLE_CPU_MS ]
check "no media packet dropped as stray while the call was up ($stray0 -> $(st stray_packets))" \
	[ "$(st stray_packets)" = "$stray0" ]
check "phone's sipp completed the call" wait_pid "$UAC_PID"
check "provider's sipp completed the call" wait_pid "$UAS_PID"
a_lan=$(rx "$NS_LAN" audio)
a_wan=$(rx "$NS_WAN" audio)
check "phone received the provider's RTP ($a_lan packets)" [ "$a_lan" -gt 80 ]
check "provider received the phone's RTP from the router's WAN address ($a_wan packets)" [ "$a_wan" -gt 80 ]
check "BYE removed the natport entries" wait_entries 0

echo "== 2: outgoing call, the provider hangs up"
uas uas_bye.xml -m 1 -d 3000
uac_bg uac_wait_bye.xml -m 1
check "natport entries installed" wait_entries 2
check "phone's sipp answered the provider's BYE" wait_pid "$UAC_PID"
check "provider's sipp completed the call" wait_pid "$UAS_PID"
check "the provider's BYE removed the natport entries" wait_entries 0
check "the provider saw the phone's Contact on the router's WAN address" \
	grep -Eq "^Contact: <?sip:sipp@$RTR_WAN:5060" "$TMP/uas.msg"
check "...and no Contact with a LAN address" \
	sh -c "! grep -E '^Contact:.*192\\.0\\.2\\.' '$TMP/uas.msg'"
check "its BYE, sent to that Contact, reached the phone's own Contact" \
	grep -q "^BYE sip:sipp@$LAN_IP:5060 SIP/2.0" "$TMP/uac.msg"
portd_stats
check "two calls, none refused or malformed (refused=$(st refused) malformed=$(st malformed))" \
	[ "$(st refused)/$(st malformed)" = 0/0 ]

sip_final_checks
finish
