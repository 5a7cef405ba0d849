#!/usr/bin/env bash
# test_client.sh - the seed's three calls from a LAN application over PCP
# (include/natport/pcp.h through np-pcp client) against nat-portd.
#
#   LAN app 192.0.2.10:6000/6001 --- router 192.0.2.1:5351 | 198.51.100.1
#                                     --- WAN 198.51.100.20:7000,
#                                         203.0.113.20:7000
#
# GetMapping (MAP of a pair): even external port, RTCP +1, an nft inbound
# element; RTP from any WAN peer reaches the application through the
# kernel (nft counters rise, nat-portd's held socket sees nothing), and
# its packets leave from the external port. UpdateRemoteAddress (PEER)
# narrows it to the signalled remote: a conntrack entry, no inbound
# element, the other peer no longer gets in. ReleaseMapping removes all.
set -eu
. "$(dirname "$0")/../lib/pcp.sh"
trap cleanup EXIT
pcp_up
pcp_client -t 600

pcpcmd "map 6000 pair"
read -r ok id ext lt <<<"$REPLY"
check "GetMapping over PCP answers ($REPLY)" [ "$ok" = ok ]
check "external RTP port $ext is even" [ $((ext % 2)) = 0 ]
check "lifetime 600 granted ($lt)" [ "$lt" = 600 ]
check "inbound element for RTP $ext" inbound_has "$ext"
check "inbound element for RTCP $((ext + 1))" inbound_has $((ext + 1))
ctl_run list calls list
check "the lease is a session of owner pcp" grep -q "owner pcp" "$TMP/list.out"
check "calls list shows lifetime left" grep -q "lifetime_left" "$TMP/list.out"

# any remote reaches the mapping (endpoint-independent)
bg "$NS_LAN" "$NPUDP" recv -b $LAN_IP:6000 -n 40 -t 8000
RECV=$!
sleep 0.3
in_wan "$NPUDP" send -b $WAN_IP:7000 -d $RTR_WAN:"$ext" -n 20 -i 2000 >/dev/null
in_wan "$NPUDP" send -b $WAN2_IP:7000 -d $RTR_WAN:"$ext" -n 20 -i 2000 >/dev/null
check "40 RTP packets from two WAN peers reached the application" wait_pid $RECV
check "nft counted them toward $ext ($(cin_pkts "$ext"))" [ "$(cin_pkts "$ext")" -ge 40 ]
ctl_run show calls list -j
check "calls list counts them (pkts_in)" \
	jq -e '[.. | objects | select(.owner? == "pcp") | .pkts_in] | max >= 40' "$TMP/show.out"
portd_stats
check "no packet reached nat-portd (stray_packets=$(st stray_packets))" [ "$(st stray_packets)" = 0 ]

# the application's packets leave from the external port
bg "$NS_WAN" "$NPUDP" recv -b $WAN_IP:7002 -n 5 -t 5000 >"$TMP/wrecv.out"
RECV=$!
sleep 0.3
in_lan "$NPUDP" send -b $LAN_IP:6000 -d $WAN_IP:7002 -n 5 -i 2000 >/dev/null
wait_pid $RECV || true
check "its packets leave from $RTR_WAN:$ext ($(head -n 1 "$TMP/wrecv.out"))" \
	grep -q "from $RTR_WAN:$ext" "$TMP/wrecv.out"

# UpdateRemoteAddress: PEER narrows it to 198.51.100.20:7000
pcpcmd "peer $id $WAN_IP:7000"
check "UpdateRemoteAddress over PCP PEER ($REPLY)" [ "$REPLY" = ok ]
check "no inbound element after PEER" not inbound_has "$ext"
check "natport entries for RTP and RTCP (2)" wait_until 30 np_entries_are 2
# Flows the MAP let in before keep their own conntrack entries until the
# kernel's UDP timeout (5 s in the test router), as closing a port forward
# leaves established flows alone; narrowing applies to new ones.
sleep 6
bg "$NS_LAN" "$NPUDP" recv -b $LAN_IP:6000 -n 10 -t 3000 >"$TMP/lrecv.out"
RECV=$!
sleep 0.3
in_wan "$NPUDP" send -b $WAN2_IP:7000 -d $RTR_WAN:"$ext" -n 10 -i 2000 >/dev/null
in_wan "$NPUDP" send -b $WAN_IP:7000 -d $RTR_WAN:"$ext" -n 10 -i 2000 >/dev/null
wait_pid $RECV || true
check "the signalled remote still gets in" grep -q "from $WAN_IP:7000" "$TMP/lrecv.out"
check "the other peer no longer does" not grep -q "from $WAN2_IP" "$TMP/lrecv.out"

# ReleaseMapping
pcpcmd "release $id"
check "ReleaseMapping over PCP ($REPLY)" [ "$REPLY" = ok ]
check "no natport entry after release" wait_until 30 np_entries_are 0
check "no inbound element after release" [ "$(inbound_count)" = 0 ]
pcp_client_stop
pcp_final_checks
finish
