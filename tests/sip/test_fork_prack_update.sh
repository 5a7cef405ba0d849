#!/usr/bin/env bash
# test_fork_prack_update.sh - forked early dialogs, PRACK and UPDATE.
#
#   LAN phone (sipp)       router: nat-portd           provider (sipp)
#   ns np-lan-PID          ns np-rtr-PID               ns np-wan-PID
#   192.0.2.10:5060 -[c0]-[r0]- 192.0.2.1    198.51.100.1 -[r1]-[w0]- 198.51.100.20:5060
#   RTP 6000                                           RTP 7000 (fork A, early)
#                                                      7002 (fork B), 7010 (UPDATE)
#
# 1. Forking: the provider side answers the INVITE with a 183 with SDP
#    from fork A (to-tag forkA, media 7000), a 183 with SDP from fork B
#    (forkB, 7002), then 200 from fork B (7002). The natport entry's
#    remote is the 200's (7002), none is left toward 7000; BYE removes
#    everything. 1b: the same, but fork A answers after fork B's 183: the
#    remote goes back to 7000, the answering fork's.
# 2. PRACK (RFC 3262): a reliable 183 with SDP; the phone's PRACK crosses
#    the router and gets its 200. The entries exist from the 183's SDP,
#    before the INVITE's 200; BYE removes them.
# 3. UPDATE (RFC 3311) in the confirmed call: the provider's new offer
#    moves its media to 7010, the phone's 200 answers it; the entry's
#    remote becomes 7010; BYE removes everything.
# Then nothing left.
set -eu
. "$(dirname "$0")/../lib/sip.sh"
trap cleanup EXIT
sip_up
portd_start

# The natport entries whose remote (the provider's media) is port $1.
remote_is() { remote_entries "$1" | grep -c . || true; }
remote_now() { [ "$(remote_is "$1")" = 1 ] && [ "$(np_entries)" = 2 ]; }
wait_remote() { # wait_remote PORT: 2 entries, the RTP one toward PORT (5 s)
	wait_until 50 remote_now "$1" && return 0
	np_entries_raw
	return 1
}

echo "== 1: forked early dialogs, the second fork answers"
uas uas_fork.xml -m 1 -key fork forkB -key fork_port 7002
uac_bg uac_fork.xml -m 1 -d 2000
check "entries installed for the first fork's early media (remote 7000)" wait_remote 7000
check "the second fork's 183 moved the entry to remote 7002" wait_remote 7002
sleep 1.2 # the 200 (fork B) is in, the ACK sent
check "after the 200 the media remote is fork B's (7002)" wait_remote 7002
check "no entry toward fork A's 7000 (RTP or RTCP)" [ "$(remote_is 7000)$(remote_is 7001)" = 00 ]
check "phone's sipp: two 183s, 200, ACK, BYE" wait_pid "$UAC_PID"
check "provider's sipp: the forks and the BYE" wait_pid "$UAS_PID"
check "BYE removed the entries" wait_entries 0

echo "== 1b: forked early dialogs, the first fork answers after the second's 183"
uas uas_fork.xml -m 1 -key fork forkA -key fork_port 7000
uac_bg uac_fork.xml -m 1 -d 2000
check "entries installed for the first fork's early media (remote 7000)" wait_remote 7000
check "the second fork's 183 moved the entry to remote 7002" wait_remote 7002
sleep 1.2 # the 200 (fork A) is in, the ACK sent
check "after fork A's 200 the media remote is back at 7000" wait_remote 7000
check "no entry toward fork B's 7002 (RTP or RTCP)" [ "$(remote_is 7002)$(remote_is 7003)" = 00 ]
check "phone's sipp: two 183s, 200 from fork A, ACK, BYE" wait_pid "$UAC_PID"
check "provider's sipp: the forks and the BYE" wait_pid "$UAS_PID"
check "BYE removed the entries" wait_entries 0

echo "== 2: reliable 183 with SDP, PRACK"
uas uas_prack.xml -m 1
export NPT_MARK=$TMP/uac # uac_prack.xml touches $NPT_MARK.prack, .invite
uac_bg uac_prack.xml -m 1 -d 1000
check "the PRACK crossed the router and its 200 reached the phone" \
	wait_until 30 test -e "$NPT_MARK.prack"
# the provider waits 2 s after the PRACK's 200 before its 200
check "the INVITE's 200 has not come yet" [ ! -e "$NPT_MARK.invite" ]
check "entries installed from the reliable 183's SDP, before the 200 (remote 7000)" \
	[ "$(np_entries)/$(remote_is 7000)" = 2/1 ]
check "phone's sipp: 183, PRACK, 200, ACK, BYE" wait_pid "$UAC_PID"
check "provider's sipp: 183, PRACK answered, 200, BYE" wait_pid "$UAS_PID"
check "the INVITE's 200 came afterwards" [ -e "$NPT_MARK.invite" ]
check "BYE removed the entries" wait_entries 0

echo "== 3: UPDATE in the confirmed call moves the provider's media"
uas uas_update.xml -m 1
uac_bg uac_update.xml -m 1 -d 2000
check "entries installed toward the answer's 7000" wait_remote 7000
check "the UPDATE's answer moved the entry to remote 7010" wait_remote 7010
check "no entry toward the old 7000 (RTP or RTCP)" [ "$(remote_is 7000)$(remote_is 7001)" = 00 ]
check "phone's sipp: 200, ACK, UPDATE answered, BYE" wait_pid "$UAC_PID"
check "provider's sipp: UPDATE with its 200 and SDP, BYE" wait_pid "$UAS_PID"
check "BYE removed the entries" wait_entries 0
portd_stats
check "four calls, none refused or malformed, nothing answered by the router (refused=$(st refused) malformed=$(st malformed) replied=$(st replied))" \
	[ "$(st refused)/$(st malformed)/$(st replied)" = 0/0/0 ]

sip_final_checks
finish
