#!/usr/bin/env bash
# test_expiry.sh - leases run out: 1,000 leases (500 RTP/RTCP pairs)
# from one client with the minimum lifetime of 120 s, never renewed,
# plus a PCP application's pair in use beside a SIP call through the
# proxy, on the same LAN. After the lifetime every lease has ended with
# reason expired, taking its mapping, its nft elements and its session.
#
#   LAN 192.0.2.10: np-pcp many (10000-10999), sipp phone (5060, 6000)
#   router nat-portd (PCP 5351, SIP 5060) --- WAN sipp provider
set -eu
. "$(dirname "$0")/../lib/pcp.sh"
trap cleanup EXIT
pcp_up "media-port-range 20000-22199" "log-level debug"

t0=$(date +%s)
out=$(in_lan "$NPPCP" many -s $RTR_LAN -l $LAN_IP -p 10000 -n 1000 -t 120 || true)
check "1000 leases granted ($out, $(($(date +%s) - t0)) s)" [ "$out" = "ok 1000 failed 0 -" ]
check "1000 inbound elements" [ "$(inbound_count)" = 1000 ]
portd_stats
check "1000 mappings held (mappings=$(st mappings))" [ "$(st mappings)" = 1000 ]

# a phone's call through the proxy at the same time (sip.sh's scenarios)
uas uas.xml -m 1
uac uac.xml -m 1 -d 500 || true
check "a SIP call from the same LAN completes meanwhile" grep -q "Successful call.*1" "$TMP/uac.out"

sleep 125
no_inbound() { [ "$(inbound_count)" = 0 ]; }
check "every lease expired" wait_until 200 no_inbound
portd_stats
check "no mapping left after expiry (mappings=$(st mappings))" [ "$(st mappings)" = 0 ]
n=$(grep -c "(pcp .*ended: expired" "$PORTD_LOG" || true)
check "1000 sessions ended with reason expired ($n)" [ "$n" = 1000 ]
pcp_final_checks
finish
