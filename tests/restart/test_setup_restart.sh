#!/usr/bin/env bash
# test_setup_restart.sh - SIGTERM and restart in the middle of call setup:
# the INVITE was forwarded, the 200 arrives at the new instance.
#
# 1. The phone calls; the provider says 100 and answers only 4 s later.
#    While it waits, nat-portd gets SIGTERM (release-on-stop no: the call
#    and its held mappings are written to the state file, nothing is
#    released) and starts again: the call is restored in setup, its
#    mappings re-held on the same ports (no kernel entry yet).
# 2. The late 200 crosses the new instance: its SDP is rewritten, the
#    entries installed, media flows both ways through them (np-udp, every
#    packet counted).
# 3. The provider hangs up: its BYE, routed by the Record-Route the old
#    instance gave, ends the call in the new one. Nothing left.
set -eu
. "$(dirname "$0")/lib_restart.sh"
trap cleanup EXIT
need_restart
sip_up
rcount_up
CONF=("release-on-stop no" "adopt-grace 3s")
portd_start "${CONF[@]}"

echo "== 1: INVITE forwarded, SIGTERM, restart before the 200"
uas "$RSCN/uas_late_bye.xml" -m 1 -d 6000
uac_bg "$RSCN/uac_port_wait_bye.xml" -m 1
check "the provider got the INVITE" wait_until 30 grep -q "^INVITE " "$TMP/uas.msg"
check "no entry yet (the call is in setup)" np_entries_are 0
portd_stats
held0=$(st ports_held)
check "its mappings are held ($held0 ports)" [ "$held0" = 2 ]
check "SIGTERM: nat-portd exits 0" portd_stop
check "the state file holds the call in setup" grep -q "^session .* 0 " "$TMP/state"
portd_restart "${CONF[@]}"
grep 'restart:' "$PORTD_LOG" || true
check "the call was restored" grep -q "1 calls restored (2 mappings, 0 failed)" "$PORTD_LOG"
portd_stats
check "its 2 ports are held again (ports_held=$(st ports_held))" [ "$(st ports_held)" = 2 ]

echo "== 2: the late 200 through the new instance, media"
check "the 200 installed the call's entries" wait_until 80 np_entries_are 2
ext=$(ext_of_lan 10)
check "the phone's RTP entry (external port $ext)" [ -n "$ext" ]
check "the phone got the 200 with the router's address in the SDP" \
	grep -q "c=IN IP4 $RTR_LAN" "$TMP/uac.msg"
sampler_up
talk_up 10 "$ext" 400 5000
if talk_ok; then ok=1; else ok=0; talk_show; fi
sampler_down
echo "talkers: phone received $(talk_total lan), provider $(talk_total wan) of 400 each; gap/lag $(media_gap 5000) ms"
check "media both ways through the entries the new instance made" [ "$ok" = 1 ]

echo "== 3: the provider hangs up"
check "the phone answered the provider's BYE" wait_pid "$UAC_PID"
check "the provider's sipp completed the call" wait_pid "$UAS_PID"
check "the BYE removed the entries" wait_until 50 np_entries_are 0
restart_final_checks "${CONF[@]}"
finish
