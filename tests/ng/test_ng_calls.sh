#!/usr/bin/env bash
# test_ng_calls.sh - Kamailio on the router drives nat-portd over ng:
# Debian's Kamailio with its rtpengine module (tests/ng/kamailio.cfg, a
# record-routing proxy calling rtpengine_manage) points rtpengine_sock at
# nat-portd's ng listener; sipp is the phone and the provider, with RTP.
#
#   LAN phone (sipp)       router                       provider (sipp)
#   ns np-lan-PID          ns np-rtr-PID                ns np-wan-PID
#   192.0.2.10:5060 -[c0]-[r0]- 192.0.2.1    198.51.100.1 -[r1]-[w0]- 198.51.100.20:5060
#   RTP 6000/6001          kamailio :5060 both sides    RTP 7000/7001
#                            | rtpengine_sock udp:127.0.0.1:2223
#                            v
#                          nat-portd ng-listen 127.0.0.1:2223
#                          (its own SIP on 5099, unused)
#
# 1. Kamailio's ping at start is answered (the node stays enabled).
# 2. Outgoing call, the phone hangs up: RTP both ways through natport's
#    entries (their counters rise, nat-portd's CPU does not, no packet
#    at its held sockets); BYE deletes: nothing left.
# 3. Outgoing call, the provider hangs up.
# 4. Incoming call (provider -> phone), the phone's answer is rewritten,
#    the provider hangs up... and the phone hangs up.
# 5. re-INVITE to hold and back (uac_hold/uas_hold).
# 6. CANCEL after a 183 with SDP; 486 Busy: nothing left.
# 7. Kamailio with SIP-source-address: the same outgoing call.
# After each: no ng call, no entry, no held port.
set -eu
. "$(dirname "$0")/../lib/sip.sh"
. "$(dirname "$0")/../lib/ng.sh"
trap cleanup EXIT
need_kamailio
sip_up media
ng_portd_start
kam_start "replace-origin replace-session-connection"

# The phone's late RTP after a BYE leaves an ordinary masquerade entry
# (UNREPLIED, 3 s here) on its media tuple. While it lives, the kernel
# gives a new natport entry whose reply tuple clashes with it another
# reply port rather than refusing it (EEXIST), and the phone's next call
# would take the masquerade path: let each call's leftovers expire first.
no_phone_flow() { ! in_rtr conntrack -L 2>/dev/null | grep -q "src=$LAN_IP .*sport=600[01] "; }
nothing_left() { # nothing_left WHAT
	check "$1: the natport entries went" wait_entries 0
	wait_until 80 no_phone_flow || true
	check "$1: no ng call left" wait_until 30 ng_calls_are 0
	portd_stats
	check "$1: no mapping or held port left (mappings=$(st mappings) held=$(st ports_held))" \
		[ "$(st mappings)/$(st ports_held)" = 0/0 ]
}

echo "== 1: Kamailio's ping"
check "Kamailio pinged and got pong (pings >= 1)" \
	wait_until 30 sh -c "kill -USR1 $PORTD_PID; sleep 0.1; grep '^stats-ng ' '$PORTD_LOG' | tail -n 1 | grep -q 'pings=[1-9]'"
check "Kamailio did not disable the node" \
	not grep -qi 'disabl' "$TMP/kamailio.log"

echo "== 2: outgoing call, the phone hangs up"
uas uas.xml -m 1
uac_bg uac.xml -m 1 -d 4000
check "offer and answer installed the RTP and RTCP entries" wait_entries 2
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
echo "kernel: provider->phone $o0 -> $o1, phone->provider $r0 -> $r1; nat-portd CPU $((cpu1 - cpu0)) ms"
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
check "provider received the phone's RTP from the router's WAN address ($a_wan)" [ "$a_wan" -gt 80 ]
check "the provider saw only the router's WAN address in c=" \
	grep -q "^c=IN IP4 $RTR_WAN" "$TMP/uas.msg"
check "...and no LAN address in any SDP line" \
	not grep -Eq '^(c|o)=.*192\.0\.2\.' "$TMP/uas.msg"
nothing_left "phone's BYE"

echo "== 3: outgoing call, the provider hangs up"
uas uas_bye.xml -m 1 -d 3000
uac_bg uac_wait_bye.xml -m 1
check "entries installed" wait_entries 2
check "phone's sipp answered the provider's BYE" wait_pid "$UAC_PID"
check "provider's sipp completed the call" wait_pid "$UAS_PID"
nothing_left "provider's BYE"

echo "== 4: incoming call, the provider calls the phone"
in_lan nft reset counters table inet npt >/dev/null
bg "$NS_LAN" sipp -sf "$SCN/uas.xml" -i "$LAN_IP" -p 5060 -mi "$LAN_IP" \
	-mp 6000 -m 1 -nostdin -trace_msg -message_file "$TMP/phone.msg" \
	>"$TMP/phone.out" 2>&1
PHONE_PID=$!
sleep 0.3
bg "$NS_WAN" timeout 60 sipp -sf "$SCN/uac.xml" -i "$WAN_IP" -p 5060 \
	-mi "$WAN_IP" -mp 7000 -s 1000 -m 1 -d 3000 -nostdin -trace_msg \
	-message_file "$TMP/itsp.msg" "$RTR_WAN:5060" >"$TMP/itsp.out" 2>&1
ITSP_PID=$!
check "the phone's answer installed the entries" wait_entries 2
both_ways() { read -r o0 r0 < <(np_pkts); [ "$o0" -gt 20 ] && [ "$r0" -gt 20 ]; }
if wait_until 30 both_ways; then
	pass "kernel carried the incoming call's RTP both ways"
else
	fail "kernel carried the incoming call's RTP both ways"
	in_rtr conntrack -L 2>/dev/null | grep -E 'sport=(600|700)' || true
fi
echo "kernel: provider->phone $o0, phone->provider $r0 packets" 
check "the provider's sipp (caller) completed the call" wait_pid "$ITSP_PID"
check "the phone's sipp completed the call" wait_pid "$PHONE_PID"
check "the provider saw the router's WAN address in the answer" \
	grep -q "^c=IN IP4 $RTR_WAN" "$TMP/itsp.msg"
check "phone received RTP ($(rx "$NS_LAN" audio))" [ "$(rx "$NS_LAN" audio)" -gt 50 ]
nothing_left "incoming call"

echo "== 5: re-INVITE: hold and resume"
uas uas_hold.xml -m 1
uac_bg uac_hold.xml -m 1
check "entries installed" wait_entries 2
sleep 7
check "on hold, the entries stay" [ "$(np_entries)" = 2 ]
check "phone's sipp completed hold, resume and BYE" wait_pid "$UAC_PID"
check "provider's sipp completed the call" wait_pid "$UAS_PID"
nothing_left "hold and resume"

echo "== 6: CANCEL, 486"
uas uas_cancel.xml -m 1
uac_bg uac_cancel.xml -m 1
check "183 with SDP installed the entries" wait_entries 2
check "phone's sipp cancelled" wait_pid "$UAC_PID"
wait_pid "$UAS_PID" || true
nothing_left "CANCEL"
uas uas_busy.xml -m 1
check "phone's sipp got 486" uac uac_busy.xml -m 1
wait_pid "$UAS_PID" || true
nothing_left "486"

echo "== 7: SIP-source-address with received-from"
kam_stop
kam_start "SIP-source-address replace-origin replace-session-connection"
uas uas.xml -m 1
uac_bg uac.xml -m 1 -d 2000
check "entries installed" wait_entries 2
check "phone's sipp completed the call" wait_pid "$UAC_PID"
wait_pid "$UAS_PID" || true
nothing_left "SIP-source-address call"

ng_stats
echo "$NGSTATS"
check "no request was malformed or refused (errors=$(ngst errors) malformed=$(ngst malformed))" \
	[ "$(ngst errors)/$(ngst malformed)" = 0/0 ]
kam_stop
sip_final_checks
finish
