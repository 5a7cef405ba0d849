#!/usr/bin/env bash
# test_hold.sh - a baresip call put on hold across the router's shortened
# UDP timeouts (3 s / 5 s), then resumed, audio both ways again.
#
#   alice (baresip) 500 Hz -- router: nat-portd, README firewall --
#   kamailio 198.51.100.20 -- carol (baresip) 900 Hz
#
# 1. alice calls carol; tones both ways through natport's entries.
# 2. alice holds (re-INVITE a=sendonly / inactive) for 8 s, longer than
#    both UDP timeouts; natport's entries stay in the kernel.
# 3. alice resumes; the entries' counters rise again and each phone's
#    recording after the resume holds the other's tone.
# 4. carol hangs up: nothing left.
set -eu
. "$(dirname "$0")/lib_real.sh"
trap real_cleanup EXIT
need_real
real_up
phone_start alice
phone_start carol

new_recordings alice
new_recordings carol
phone_mark alice
phone_mark carol
phone alice "/dial sip:carol@$DOMAIN"
check "carol rings" phone_wait carol "Incoming call" 10
phone carol /accept
check "call established" phone_wait alice "Call established" 10
sleep 2
check "natport entries carry the call ($(np_ct_pkts))" [ "$(np_ct_pkts | cut -d' ' -f2)" -ge 100 ]

phone alice /hold
sleep 8
np_ct_list | sed 's/^/    kernel on hold: /'
check "entries outlive the UDP timeouts on hold ($(np_ct_pkts | cut -d' ' -f1))" \
	[ "$(np_ct_pkts | cut -d' ' -f1)" -ge 2 ]
portd_stats
check "call still alive in nat-portd (calls=$(st calls))" [ "$(st calls)" = 1 ]

before=$(np_ct_pkts | cut -d' ' -f2)
phone alice /resume
sleep 3
after=$(np_ct_pkts | cut -d' ' -f2)
np_ct_list | sed 's/^/    kernel resumed: /'
check "after resume the entries count again ($before -> $after)" \
	[ $((after - before)) -ge 150 ]
phone carol /hangup
check "alice sees the end" phone_wait alice "terminated" 10
sleep 0.5
# the last 2.5 s of each recording are after the resume
ha=$(phone_heard alice 2.5)
hc=$(phone_heard carol 2.5)
echo "    after resume: alice heard $ha Hz, carol heard $hc Hz"
check "after resume alice heard carol's 900 Hz ($ha)" near "$ha" 900
check "after resume carol heard alice's 500 Hz ($hc)" near "$hc" 500
after_call_clean "hold"

phones_stop
kam_stop
sip_final_checks
finish
