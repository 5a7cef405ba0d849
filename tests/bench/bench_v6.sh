#!/usr/bin/env bash
# bench_v6.sh - IPv6 media forwarding through a natport pinhole and through
# a NAT66 mapping, each against plain IPv6 routing in the same topology
# and run.
#
#   WAN peer --flood--> router --> LAN phone (sink)
#   a) plain:   [2001:db8:2::20] -> [2001:db8:1::10]:9000 (routed, an
#               accept rule, tracked, no natport entry)
#   b) pinhole: [2001:db8:2::20]:6000 -> [2001:db8:1::10]:4000 (natport's
#               entry, ct state established, no translation)
#   c) NAT66:   [2001:db8:2::20]:6000 -> [2001:db8:2::1]:EXT -> DNAT
#               [2001:db8:1::10]:4002
#
# One handle has one IPv6 shape (nat66 is per handle), so the run has two
# phases, pinhole then NAT66, each alternating its rounds with plain
# routing so drift hits both alike; medians are reported. Appends JSON
# lines to $BENCH_JSON (contract: tests/bench/lib_bench.sh).
# bench-budget: 80
set -eu
cd "$(dirname "$0")/../.."
. tests/netns/lib.sh
. tests/bench/lib_bench.sh
trap 'topo_down' EXIT
need_root
ROUNDS=${ROUNDS:-3}
[ "$BENCH_BUDGET" -ge 70 ] || ROUNDS=1
SECS=${SECS:-3}
U=$BIN/tests/np-udp

topo_up
topo_v6
# the plain flow needs its own accept: it is one-way, so never established
in_rtr nft add rule inet filter forward ip6 daddr $LAN6_IP udp dport 9000 \
	accept

run() { # run DEST SINK_PORT -> pps at the sink
	in_lan "$U" sink -b "[$LAN6_IP]:$2" -t "$SECS" >"$TMP/sink" &
	local sp=$!
	sleep 0.2
	in_wan "$U" flood -b "[$WAN6_IP]:6000" -d "$1" -t $((SECS + 1)) \
		>"$TMP/flood"
	wait $sp || true
	awk '{print $3}' "$TMP/sink"
}

phase() { # phase NAME DEST SINK_PORT -> sets PLAIN, SHAPE (medians)
	local plain=() shape=() r
	for ((r = 0; r < ROUNDS; r++)); do
		plain+=("$(run "[$LAN6_IP]:9000" 9000)")
		shape+=("$(run "$2" "$3")")
	done
	PLAIN=$(printf '%s\n' "${plain[@]}" | median)
	SHAPE=$(printf '%s\n' "${shape[@]}" | median)
	echo "v6_plain_pps $PLAIN (rounds: ${plain[*]})"
	echo "v6_${1}_pps $SHAPE (rounds: ${shape[*]})"
}

report() { # report NAME WHAT
	local ratio ok
	ratio=$(fdiv "$SHAPE" "$PLAIN")
	echo "v6_${1}_ratio $ratio"
	mapcmd "counters $ID"
	echo "kernel counters ($1): ${REPLY#ok }"
	figure "forward_v6_${1}_pps" "$SHAPE" packets/s "baseline=$PLAIN" \
		"ratio=$ratio" \
		'baseline_name="plain IPv6 routing, same topology and run"'
	if fcmp "$ratio" '>=' 0.9; then ok=met; else ok=not; fi
	verdict "forward_v6_${1}_vs_plain" $ok ">= 0.9 x plain IPv6 routing" \
		"$2: $SHAPE vs $PLAIN pps ($ratio x)"
}

map_start -p 20000-20099 -l 2001:db8:1::/64
mapcmd "get audio_rtp $LAN6_IP 4000 [$WAN6_IP]:6000"
read -r st ID _ _ <<<"$REPLY"
[ "$st" = ok ] || die "pinhole: $REPLY"
phase pinhole "[$LAN6_IP]:4000" 4000
report pinhole "pinhole"
map_stop

map_start -p 20000-20099 -l 2001:db8:1::/64 -E $RTR6_WAN -N
mapcmd "get audio_rtp $LAN6_IP 4002 [$WAN6_IP]:6000"
read -r st ID EXT PORT <<<"$REPLY"
[ "$st" = ok ] || die "NAT66: $REPLY"
phase nat66 "[$EXT]:$PORT" 4002
report nat66 "NAT66"
map_stop
not_measured v6_mapping_setup_rate \
	"IPv6 mapping setup rate against IPv4: bench_pm.c drives IPv4 only"
