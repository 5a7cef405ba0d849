#!/usr/bin/env bash
# test_gruu.sh - a LAN phone whose Contact is a GRUU on the provider
# (issue 11, point 2), BYE from the far end.
#
#   dave (sipp, gruu_phone.xml) 192.0.2.10 -- router: nat-portd --
#   kamailio 198.51.100.20 -- carol (baresip) 900 Hz
#
# dave registers and calls carol with Contact
# sip:dave@198.51.100.20;gr=urn:uuid:...; carol answers, then hangs up.
# Expected: carol's BYE reaches dave (through the router, whatever his
# Contact says), dave answers 200, nothing left. Today nat-portd routes the
# BYE to the Contact's host, the provider itself, and refuses it as
# relaying (403): dave never sees it.
set -eu
. "$(dirname "$0")/lib_real.sh"
trap real_cleanup EXIT
need_real
real_up
phone_start carol

printf 'SEQUENTIAL\n%s;%s\n' "$DOMAIN" "$RTR_LAN" >"$TMP/fields.csv"
uac_bg "$REAL/gruu_phone.xml" -inf "$TMP/fields.csv" -m 1
check "carol rings" phone_wait carol "Incoming call" 10
phone carol /accept
check "carol established" phone_wait carol "Call established" 10
sleep 2
phone carol /hangup
rc=0
wait_pid "$UAC_PID" || rc=$?
check "dave got carol's BYE and the call ended (sipp exit $rc)" [ $rc = 0 ]
[ $rc = 0 ] || { tail -n 5 "$TMP/uac.err"; grep -E '^(SIP/2.0|[A-Z]+ sip:)' "$TMP/uac.msg" | tail -n 12; } | sed 's/^/    dave: /'
grep -h refused "$PORTD_LOG" | head -n 3 | sed 's/^/    nat-portd: /' || true
after_call_clean "gruu"

phones_stop
kam_stop
sip_final_checks
finish
