#!/usr/bin/env bash
# test_own_sip_entry.sh - an incoming call after the router's own SIP
# conntrack entry is gone (issue 11, points 3 and 4).
#
#   alice (baresip) 500 Hz -- router: nat-portd, README firewall
#   (masquerade to :30000-65535) -- kamailio -- carol (baresip) 900 Hz
#
# 1. alice registers through the router: Kamailio sees the REGISTER from
#    198.51.100.1:5060 and detects no NAT (its nat_uac_test would
#    otherwise store the masqueraded port as alice's received address).
# 2. Every conntrack entry of the router's own SIP is deleted, and the
#    router keeps silent (Kamailio's OPTIONS pings are what re-creates one;
#    the entry is deleted right before the call).
# 3. carol calls alice: Kamailio's INVITE reaches nat-portd on 5060,
#    alice answers, tones both ways through natport's entries; carol
#    hangs up. Nothing left.
set -eu
. "$(dirname "$0")/lib_real.sh"
trap real_cleanup EXIT
need_real
real_up
phone_start alice
phone_start carol

check "Kamailio saw alice's REGISTER from $RTR_WAN:5060" \
	sh -c "grep -q 'req REGISTER .* from $RTR_WAN:5060' '$TMP/kam/kam.log'"
check "and detected no NAT for it" \
	sh -c "! grep -q 'nat detected for REGISTER from $RTR_WAN' '$TMP/kam/kam.log'"

in_rtr conntrack -D -p udp --orig-port-src 5060 >/dev/null 2>&1 || true
in_rtr conntrack -D -p udp --orig-port-dst 5060 >/dev/null 2>&1 || true
check "router's SIP conntrack entries deleted" \
	sh -c "! ip netns exec $NS_RTR conntrack -L -p udp 2>/dev/null | grep -q 'port=5060'"

phone_mark alice
phone_mark carol
new_recordings alice
new_recordings carol
phone carol "/dial sip:alice@$DOMAIN"
check "alice rings after the entry went" phone_wait alice "Incoming call" 10
phone alice /accept
check "call established" phone_wait carol "Call established" 10
media_checked carol alice "incoming after entry loss"

phones_stop
kam_stop
sip_final_checks
finish
