#!/usr/bin/env bash
# test_natpmpc.sh - libnatpmp's natpmpc (Debian natpmpc), a NAT-PMP-only
# client, against nat-portd: the external address, a UDP mapping that WAN
# traffic crosses in the kernel, and its deletion.
#
#   natpmpc 192.0.2.10 --- router 192.0.2.1:5351 | 198.51.100.1 --- WAN 198.51.100.20
set -eu
. "$(dirname "$0")/../lib/pcp.sh"
trap cleanup EXIT
command -v natpmpc >/dev/null || skip "missing natpmpc (make deps)"
pcp_up

in_lan natpmpc -g $RTR_LAN >"$TMP/addr.out" 2>&1 || true
check "natpmpc learns the public address" grep -q "Public IP address : $RTR_WAN" "$TMP/addr.out"
in_lan natpmpc -g $RTR_LAN -a 0 6000 udp 3600 >"$TMP/map.out" 2>&1 || true
ext=$(sed -n 's/.*Mapped public port \([0-9]*\) protocol UDP to local port 6000.*/\1/p' "$TMP/map.out")
check "natpmpc maps UDP 6000 (public port ${ext:-none})" [ -n "$ext" ]
check "inbound element for $ext" inbound_has "${ext:-0}"
ctl_run list calls list
check "listed as a natpmp lease" grep -q "protocol natpmp" "$TMP/list.out"

bg "$NS_LAN" "$NPUDP" recv -b $LAN_IP:6000 -n 20 -t 5000 >/dev/null
RECV=$!
sleep 0.3
in_wan "$NPUDP" send -b $WAN_IP:7000 -d $RTR_WAN:"$ext" -n 20 -i 2000 >/dev/null
check "20 packets from the WAN reached the natpmpc host" wait_pid $RECV
check "counted toward $ext" [ "$(cin_pkts "$ext")" -ge 20 ]

in_lan natpmpc -g $RTR_LAN -a 0 6000 udp 0 >"$TMP/del.out" 2>&1 || true
check "lifetime 0 deletes the mapping" wait_until 20 not inbound_has "$ext"
pcp_final_checks
finish
