#!/usr/bin/env bash
# test_filter.sh - FILTER (RFC 6887 section 13.3) is enforced in the
# kernel: only the remotes a MAP names reach the mapping, the others'
# packets are dropped before DNAT and counted per mapping; a prefix
# length 0 removes the filters; a firewall reload keeps them; release
# removes everything.
#
#   LAN app 192.0.2.10:6100 --- router 192.0.2.1:5351 | 198.51.100.1
#                                --- WAN 198.51.100.20 (allowed),
#                                        203.0.113.20  (not, at first)
set -eu
. "$(dirname "$0")/../lib/pcp.sh"
trap cleanup EXIT
pcp_up
one() { in_lan "$NPPCP" one -s $RTR_LAN -l $LAN_IP -p 6100 -N filt "$@"; }
fset() { in_rtr nft list set inet natport "$1" 2>/dev/null; }
fdrop() {
	in_rtr nft get element inet natport pcp_fdrop "{ $1 }" 2>/dev/null |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}
# deliver FROM-ADDR:PORT COUNT: send COUNT packets to the mapping, print
# what the application received ("recv N from SRC" lines)
deliver() {
	local out=$TMP/deliver.out
	bg "$NS_LAN" "$NPUDP" recv -b $LAN_IP:6100 -n 1000 -t 2500 >"$out"
	local pid=$!
	sleep 0.3
	in_wan "$NPUDP" send -b "$1" -d $RTR_WAN:"$ext" -n "$2" -i 2000 >/dev/null
	wait_pid $pid || true
}
got_from() { grep -q "from $1" "$TMP/deliver.out"; }
in_set() { fset "$1" | grep -qF "$2"; }
gated() { in_set pcp_fgate "$1 timeout"; }
has_elements() { fset "$1" | grep -q elements; }

read -r res ext lt <<<"$(one -t 600 -f $WAN_IP/32)"
check "MAP with FILTER $WAN_IP/32 ($res $ext $lt)" [ "$res" = SUCCESS ]
check "the port is gated (pcp_fgate)" gated "$ext"
check "the allowed prefix is in pcp_fany" in_set pcp_fany "$ext . $WAN_IP"

deliver $WAN_IP:7000 10
check "the allowed remote gets through" got_from $WAN_IP:7000
deliver $WAN2_IP:7000 10
check "the other remote does not" not got_from $WAN2_IP
check "its 10 packets were dropped and counted ($(fdrop "$ext"))" \
	[ "$(fdrop "$ext")" -ge 10 ]
ctl_run show calls list -j
check "calls list shows the filter and the drops" \
	jq -e '[.. | objects | select(.owner? == "pcp") | select(.filters? == "198.51.100.20/32") | .filtered | tonumber] | max >= 10' "$TMP/show.out"

# a reply to what the application itself sent passes (the flow is the
# application's, its direction original from the LAN)
in_lan "$NPUDP" send -b $LAN_IP:6100 -d $WAN2_IP:7002 -n 1 >/dev/null
deliver $WAN2_IP:7002 5
check "a reply from a remote the application sent to passes" got_from $WAN2_IP:7002

# a firewall reload re-creates natport's table: the filters come back
in_rtr nft delete table inet natport
check "the table is back with the gate" wait_until 50 gated "$ext"
deliver $WAN2_IP:7004 5
check "after a reload the other remote is still dropped" not got_from $WAN2_IP
deliver $WAN_IP:7004 5
check "and the allowed one still gets in" got_from $WAN_IP:7004

# overlapping FILTERs and a port: 203.0.113.0/24 only from port 7001,
# plus a /32 inside it from any port, the first one's /32 kept
read -r res _ <<<"$(one -t 600 -f 203.0.113.0/24:7001 -f 203.0.113.0/24:7001 -f $WAN_IP/24:9)"
check "overlapping FILTERs are accepted ($res)" [ "$res" = SUCCESS ]
deliver $WAN2_IP:7001 5
check "203.0.113.20 from port 7001 gets in" got_from $WAN2_IP:7001
deliver $WAN2_IP:7005 5
check "203.0.113.20 from port 7005 does not" not got_from $WAN2_IP:7005

# prefix length 0: the filters go, every remote is welcome again
read -r res _ <<<"$(one -t 600 -f 0)"
check "FILTER with prefix length 0 ($res)" [ "$res" = SUCCESS ]
check "the gate is gone" not gated "$ext"
deliver $WAN2_IP:7006 5
check "without filters 203.0.113.20 gets in" got_from $WAN2_IP:7006

# filters again, then release: nothing of them is left
read -r res _ <<<"$(one -t 600 -f $WAN_IP/32:7000)"
check "filter again ($res)" [ "$res" = SUCCESS ]
read -r res _ <<<"$(one -t 0)"
check "release ($res)" [ "$res" = SUCCESS ]
for s in pcp_fgate pcp_fany pcp_fport pcp_fdrop; do
	check "nothing left in $s" not has_elements $s
done
pcp_final_checks
finish
