#!/usr/bin/env bash
# test_cancel_busy.sh - calls that never get going release everything.
#
#   LAN phone (sipp)       router: nat-portd           provider (sipp)
#   192.0.2.10:5060 -[c0]-[r0]- 192.0.2.1    198.51.100.1 -[r1]-[w0]- 198.51.100.20:5060
#
# 1. CANCEL after early media: the provider's 183 carries SDP, so the
#    entries are installed before the 183 reaches the phone (early RTP
#    takes the kernel path); the phone's CANCEL removes them.
# 2. 486 Busy Here: the held ports are released on the final failure.
# 3. No answer: the provider rings forever; after invite-timeout (3 s
#    here) nat-portd releases the call's ports on its own.
# 4. A confirmed call whose SIP and media both go quiet: after
#    dialog-timeout (2 s here) nat-portd ends it and removes its entries.
# Then nothing left: calls, mappings, held ports, entries, processes.
set -eu
. "$(dirname "$0")/../lib/sip.sh"
trap cleanup EXIT
sip_up
portd_start "invite-timeout 3s" "dialog-timeout 2s"

echo "== 1: CANCEL after early media"
uas uas_cancel.xml -m 1
uac_bg uac_cancel.xml -m 1
check "183 with SDP installed the natport entries" wait_entries 2
check "phone's sipp: CANCEL, 487, ACK" wait_pid "$UAC_PID"
check "provider's sipp: 200 to CANCEL, 487" wait_pid "$UAS_PID"
check "CANCEL removed the natport entries" wait_entries 0
portd_stats
check "CANCEL released the held ports (mappings=$(st mappings))" [ "$(st mappings)" = 0 ]

echo "== 2: 486 Busy Here"
uas uas_busy.xml -m 1
check "phone's sipp got 486 and ACKed it" uac uac_busy.xml -m 1
check "provider's sipp got its ACK (non-2xx ACK on the INVITE's branch)" wait_pid "$UAS_PID"
portd_stats
check "486 released the held ports (mappings=$(st mappings) calls=$(st calls))" \
	[ "$(st mappings)/$(st calls)" = 0/0 ]

echo "== 3: no answer, invite-timeout 3s"
uas uas_ring.xml -m 1 -d 8000
uac_bg uac_ring.xml -m 1 -d 8000
sleep 1.5
portd_stats
check "ringing call holds its ports (mappings=$(st mappings) calls=$(st calls))" \
	[ "$(st mappings)/$(st calls)" = 2/1 ]
sleep 3
portd_stats
check "invite-timeout released them while both still ring (mappings=$(st mappings) calls=$(st calls))" \
	[ "$(st mappings)/$(st calls)" = 0/0 ]
check "phone's sipp still alive then" kill -0 "$UAC_PID"
wait_pid "$UAC_PID" || true
wait_pid "$UAS_PID" || true

echo "== 4: silent confirmed call, dialog-timeout 2s"
uas uas_short.xml -m 1
uac_bg uac_short.xml -m 1 -d 7000
check "the answered call has its entries" wait_entries 2
sleep 3.5
portd_stats
check "dialog-timeout ended the silent call (calls=$(st calls) mappings=$(st mappings))" \
	[ "$(st calls)/$(st mappings)" = 0/0 ]
check "...and removed its entries" [ "$(np_entries)" = 0 ]
wait_pid "$UAC_PID" || true
wait_pid "$UAS_PID" || true

sip_final_checks
finish
