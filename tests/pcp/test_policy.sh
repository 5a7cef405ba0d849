#!/usr/bin/env bash
# test_policy.sh - what a LAN host may ask for: lifetimes are clamped to
# pcp-min-lifetime / pcp-max-lifetime, another host's address is refused
# (THIRD_PARTY off: UNSUPP_OPTION; on: only LAN addresses), and leases
# count against max-mappings-per-client.
#
#   192.0.2.10, 192.0.2.11 (one LAN namespace) --- router 192.0.2.1:5351
set -eu
. "$(dirname "$0")/../lib/pcp.sh"
trap cleanup EXIT
pcp_up "pcp-max-lifetime 1h"
one() { in_lan "$NPPCP" one -s $RTR_LAN "$@"; }

read -r res _ lt <<<"$(one -l $LAN_IP -p 6100 -t 10)"
check "lifetime 10 is clamped up to 120 ($res $lt)" [ "$res $lt" = "SUCCESS 120" ]
read -r res _ lt <<<"$(one -l $LAN_IP -p 6200 -t 100000)"
check "lifetime 100000 is clamped down to 3600 ($res $lt)" [ "$res $lt" = "SUCCESS 3600" ]
read -r res _ <<<"$(one -l $LAN2_IP -p 6300 -t 600 -3 $LAN_IP)"
check "192.0.2.11 asking for 192.0.2.10's port is refused ($res)" [ "$res" = UNSUPP_OPTION ]
check "no lease for 6300 (2 leases)" [ "$(inbound_count)" = 2 ]
ctl flush -y >/dev/null
portd_stop
PORTD_PID=
portd_start "control-socket $CTL_SOCK" "pcp-rate 5000" "pcp-third-party on" \
	"max-mappings-per-client 4"
wait_until 30 grep -q "pcp: PCP" "$PORTD_LOG"
read -r res _ <<<"$(one -l $LAN2_IP -p 6300 -t 600 -3 $WAN_IP)"
check "THIRD_PARTY for a WAN address is refused ($res)" [ "$res" = NOT_AUTHORIZED ]
read -r res _ <<<"$(one -l $LAN2_IP -p 6300 -t 600 -3 $LAN_IP)"
check "THIRD_PARTY for a LAN host, when allowed ($res)" [ "$res" = SUCCESS ]
out=$(in_lan "$NPPCP" many -s $RTR_LAN -l $LAN_IP -p 7001 -n 5 -t 600 || true)
check "the 5th lease beyond max-mappings-per-client 4 is USER_EX_QUOTA ($out)" \
	[ "$out" = "ok 3 failed 2 USER_EX_QUOTA" ]
ctl flush -y >/dev/null
pcp_final_checks
finish
