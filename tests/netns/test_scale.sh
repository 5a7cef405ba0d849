#!/usr/bin/env bash
# test_scale.sh - the port manager at scale (issue 12): no descriptor per
# port, several external addresses, calls placed until the range is full,
# refresh only of silent entries, stray packets to unmapped ports of the
# range dropped and counted, thousands released at once.
#
#   LAN client            router (np-map, RLIMIT_NOFILE 64)      WAN peer
#   192.0.2.10 [c0]--[r0] 192.0.2.1 | 198.51.100.1 [r1]--[w0] 198.51.100.20
#                                     198.51.100.2
#
# The range 21000-22199 on two addresses is 1200 port pairs: 2400 mappings
# (RTP+RTCP of 1200 calls), far more than the 64 descriptors np-map may
# hold; the old allocator (a socket per port) failed from about call 30.
set -eu
cd "$(dirname "$0")/../.."
. tests/netns/lib.sh
trap 'ulimit -Sn "$NOFILE0" 2>/dev/null || true; topo_down' EXIT
NOFILE0=$(ulimit -Sn)
EXT2=198.51.100.2
U=$BIN/tests/np-udp

topo_up
in_rtr ip addr add $EXT2/24 dev r1

# all natport entries, any id (mark = 0x4e500000 + id)
all_entries() {
	in_rtr conntrack -L -p udp -m 0x4e000000/0xff000000 2>/dev/null |
		awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^mark=/) {
			split($i, m, "="); if (m[2] > 1313865728) print } }' |
		wc -l
}

reserved=$(in_rtr cat /proc/sys/net/ipv4/ip_local_reserved_ports)
ulimit -Sn 64
map_start -e $EXT2 -p 21000-22199 -q 1000
ulimit -Sn "$NOFILE0"
FDS0=$(ls /proc/"$NPMAP_PID"/fd | wc -l)

check "capacity told: 2400 mappings on 2 addresses ($(stat_of capacity), $(stat_of addrs))" \
	test "$(stat_of capacity)" = 2400 -a "$(stat_of addrs)" = 2
check "the range is in ip_local_reserved_ports while open" \
	bash -c "ip netns exec $NS_RTR cat /proc/sys/net/ipv4/ip_local_reserved_ports | grep -q '21000-22199'"

# --- calls until the range is full: no failure while a pair is free ------
fails=0
n1=0
n2=0
for ((c = 0; c < 1200; c++)); do
	ip=192.0.2.$((10 + c % 2)) # $LAN_IP and $LAN2_IP
	port=$((4000 + 2 * (c / 2)))
	mapcmd "get audio_rtp $ip $port"
	read -r st _ ext p <<<"$REPLY"
	[ "$st" = ok ] || { fails=$((fails + 1)); continue; }
	[ "$ext" = $RTR_WAN ] && n1=$((n1 + 1))
	[ "$ext" = $EXT2 ] && n2=$((n2 + 1))
	mapcmd "get audio_rtcp $ip $((port + 1))"
	read -r st _ ext2 p2 <<<"$REPLY"
	[ "$st" = ok -a "$ext2" = "$ext" -a "$p2" = $((p + 1)) ] ||
		fails=$((fails + 1))
	[ $c = 7 ] && { C7_EXT=$ext; C7_PORT=$p; }
done
check "1200 calls (2400 mappings) placed, none failed ($fails failures)" \
	test "$fails" = 0
check "calls spread over both addresses ($n1 on $RTR_WAN, $n2 on $EXT2)" \
	test "$n1" = 600 -a "$n2" = 600
mapcmd "get audio_rtp $LAN_IP 9000"
check "the 1201st call gets the documented error ($REPLY)" starts "err noport "
check "headroom 0 at full load ($(stat_of headroom))" \
	test "$(stat_of headroom)" = 0
FDS1=$(ls /proc/"$NPMAP_PID"/fd | wc -l)
check "descriptors did not grow with 2400 mappings ($FDS0 -> $FDS1)" \
	test "$FDS1" = "$FDS0"

# --- media through a mapping on the second address ----------------------
mapcmd "update $C7_EXT $C7_PORT $WAN_IP 6000"
check "remote installed on a mapping of $C7_EXT ($REPLY)" starts "ok "
out=$TMP/flow
in_lan "$U" recv -b $LAN2_IP:4006 -n 3 -t 3000 >"$out" &
rp=$!
sleep 0.2
in_wan "$U" send -b $WAN_IP:6000 -d $C7_EXT:$C7_PORT -n 3 -i 1000
wait $rp || true
check "media to $C7_EXT:$C7_PORT reaches the client ($(tr '\n' ' ' <"$out"))" \
	grep -q "^recv 3 from $WAN_IP:6000\$" "$out"

# --- refresh follows silence: a moving entry is left to the kernel --------
mapcmd "get audio_rtp $LAN2_IP 4008" # call 9, held since the fill
read -r st _ C9_EXT C9_PORT <<<"$REPLY"
mapcmd "update $C9_EXT $C9_PORT $WAN_IP 6002"
check "a second, silent stream installed ($REPLY)" starts "ok "
r0=$(stat_of refreshes)
k0=$(stat_of skipped)
bg "$NS_WAN" "$U" send -b $WAN_IP:6000 -d $C7_EXT:$C7_PORT -n 14 -i 500
mapcmd "sleep 7000" # > 5 s stream timeout: the silent one needs refreshing
check "both entries outlived the UDP timeouts ($(all_entries))" \
	test "$(all_entries)" = 2
check "the silent entry was refreshed ($r0 -> $(stat_of refreshes))" \
	test "$(stat_of refreshes)" -gt "$r0"
check "the moving entry was skipped by the scans ($k0 -> $(stat_of skipped))" \
	test "$(stat_of skipped)" -gt "$k0"
check "no entry had to be re-created ($(stat_of kernel_restored))" \
	test "$(stat_of kernel_restored)" = 0

# --- stray packets to unmapped ports of the range -----------------------
mapcmd "release-id 1"
mapcmd "release-id 2"
stray0=$(stat_of stray)
in_wan "$U" send -b $WAN_IP:6100 -d $RTR_WAN:21000 -n 5
in_wan "$U" send -b $WAN_IP:6101 -d $EXT2:22199 -n 5
in_wan "$U" send -b $WAN_IP:6102 -d $RTR_WAN:23000 -n 2 # outside the range
sleep 0.3
stray1=$(stat_of stray)
check "10 stray packets to unmapped ports counted ($stray0 -> $stray1)" \
	test $((stray1 - stray0)) = 10
check "no conntrack entry was left by the strays" \
	not bash -c "ip netns exec $NS_RTR conntrack -L -p udp --orig-port-src 6100 2>/dev/null | grep -q 6100"
mapcmd "sleep 10"
check "np-map still answers after the strays ($REPLY)" test "$REPLY" = ok

# --- thousands released at once ------------------------------------------
for ((id = 3; id <= 2400; id++)); do
	echo "release-id $id" >&"${NPMAP[1]}"
done
bad=0
for ((id = 3; id <= 2400; id++)); do
	read -r -t 20 REPLY <&"${NPMAP[0]}" || REPLY="err timeout"
	[ "$REPLY" = ok ] || { bad=$((bad + 1)); echo "  ($id: $REPLY)"; }
done
check "2398 releases in one burst, all ok ($bad not)" test "$bad" = 0
check "no mapping and no entry left" \
	test "$(stat_of mappings)" = 0 -a "$(all_entries)" = 0
map_stop
check "the reserved ports are given back at close" \
	test "$(in_rtr cat /proc/sys/net/ipv4/ip_local_reserved_ports)" = "$reserved"
check "closing removes the nft table" \
	not in_rtr nft list table inet natport 2>/dev/null
topo_down
assert_clean
finish
