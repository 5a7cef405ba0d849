#!/usr/bin/env bash
# test_hairpin.sh - two LAN phones call each other through the provider
# (issue 11, point 1): the most common call in an office.
#
#   alice 192.0.2.10, 500 Hz -+                        kamailio 198.51.100.20
#   bob   192.0.2.11, 700 Hz -+- router: nat-portd ---- (both registered there)
#
# alice calls bob@provider: the INVITE leaves the router, Kamailio sends it
# back to bob's registration on the router's WAN address, with alice's
# SDP showing the router's WAN address and one of its mapped ports.
# Expected: bob rings, answers, each hears the other (media forwarded by
# the kernel through natport's entries), alice hangs up, nothing left.
# Today nat-portd refuses the returning offer with 488 ("pointing at the
# router"), so bob never rings.
set -eu
. "$(dirname "$0")/lib_real.sh"
trap real_cleanup EXIT
need_real
real_up
phone_start alice
phone_start bob

new_recordings alice
new_recordings bob
phone_mark alice
phone_mark bob
phone alice "/dial sip:bob@$DOMAIN"
check "bob rings" phone_wait bob "Incoming call" 10
phone_log alice | grep -E '^call: .*(488|closed)|488' | tail -n 3 | sed 's/^/    alice: /'
phone bob /accept
check "alice established" phone_wait alice "Call established" 10
media_checked alice bob "hairpin"

phones_stop
kam_stop
sip_final_checks
finish
