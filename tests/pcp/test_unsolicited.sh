#!/usr/bin/env bash
# test_unsolicited.sh - the router tells a client what it did not ask
# (RFC 6887 section 14.2): an operator's calls del of a lease sends the
# client an unsolicited MAP response of lifetime 0, and the client API
# (include/natport/pcp.h) stops renewing it at once (LOST for a single
# port, DELETED for one half of a pair) instead of at its next renewal,
# and does not undo the operator.
#
#   LAN app 192.0.2.10:6000, 6100/6101 (np-pcp client)
#     --- router nat-portd (PCP 192.0.2.1:5351)
set -eu
. "$(dirname "$0")/../lib/pcp.sh"
trap cleanup EXIT
pcp_up
pcp_client -t 600
lease_id() { # lease_id EXTPORT: the session id of the lease at it
	ctl_run list -j calls list
	jq -r --arg e "$RTR_WAN:$1" \
		'[.[] | select(.owner == "pcp") | select(tostring | contains($e + "\""))][0].id' \
		"$TMP/list.out"
}
pcp_leases() { ctl calls list | grep -c 'owner pcp' || true; }

pcpcmd "map 6000 single"
read -r ok id ext _ <<<"$REPLY"
check "MAP of one port ($REPLY)" [ "$ok" = ok ]
sid=$(lease_id "$ext")
ctl_run del calls del "$sid"
check "calls del $sid: exit 0" [ "$(rc_of del)" = 0 ]
sleep 0.5
pcpcmd events
check "the client heard at once: LOST ($REPLY)" grep -q "lost 1 " <<<"$REPLY"
pcpcmd "lookup $id"
check "and forgot the mapping ($REPLY)" starts err
ctl_run st -j stats
jq_ok st '.pcp.unsolicited >= 1' "stats count the unsolicited response"

pcpcmd "map 6100 pair"
read -r ok pid pext _ <<<"$REPLY"
check "MAP of a pair ($REPLY)" [ "$ok" = ok ]
sid=$(lease_id "$pext")
ctl_run del2 calls del "$sid"
check "calls del of the RTP lease $sid: exit 0" [ "$(rc_of del2)" = 0 ]
sleep 0.5
pcpcmd events
check "the client heard: DELETED ($REPLY)" grep -q "deleted 1" <<<"$REPLY"
pcpcmd "lookup $pid"
check "the pair is still held for its RTCP half ($REPLY)" starts ok
sleep 1
check "the operator is not undone: one lease left ($(pcp_leases))" \
	[ "$(pcp_leases)" = 1 ]
pcpcmd "release $pid"
check "release ($REPLY)" [ "$REPLY" = ok ]
check "no lease left" wait_until 30 [ "$(pcp_leases)" = 0 ]
pcp_client_stop
pcp_final_checks
finish
