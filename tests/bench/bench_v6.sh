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
# routing so drift hits both alike; medians are reported. Then the
# mapping setup rate of IPv6 (pinhole, NAT66) against IPv4. Appends JSON
# lines to $BENCH_JSON (contract: tests/bench/lib_bench.sh).
# bench-budget: 110
set -eu
cd "$(dirname "$0")/../.."
. tests/netns/lib.sh
. tests/bench/lib_bench.sh
trap 'topo_down' EXIT
need_root
ROUNDS=${ROUNDS:-3}
[ "$BENCH_BUDGET" -ge 100 ] || ROUNDS=1
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

# --- mapping setup rate: IPv6 against IPv4, the same handle and burst ----
# N "get" lines with the remote known (one conntrack create each) written
# at once, then N answers read: np-map's round trip per line is the
# library's, not the shell's.
N=${SETUP_N:-800}
burst() { # burst FAMILY -> mappings/s
	local i t0 t1 bad=0
	t0=$(date +%s.%N)
	for ((i = 0; i < N; i++)); do
		if [ "$1" = 4 ]; then
			echo "get audio_rtp 192.0.2.$((10 + i % 2)) $((4000 + 2 * (i / 2))) $WAN_IP:6000"
		else
			echo "get audio_rtp $LAN6_IP $((4000 + 2 * i)) [$WAN6_IP]:6000"
		fi
	done >&"${NPMAP[1]}"
	for ((i = 0; i < N; i++)); do
		read -r -t 20 REPLY <&"${NPMAP[0]}" || REPLY="err timeout"
		[ "${REPLY%% *}" = ok ] || bad=$((bad + 1))
	done
	t1=$(date +%s.%N)
	[ "$bad" = 0 ] || echo "  ($bad of $N IPv$1 setups failed)" >&2
	awk -v n="$N" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n / (b - a) }'
}
rate4=() rate6=() rate66=()
for ((r = 0; r < ROUNDS; r++)); do
	map_start -p 20000-21999 -q 0 -l 2001:db8:1::/64
	rate4+=("$(burst 4)")
	rate6+=("$(burst 6)")
	map_stop
	map_start -p 20000-21999 -q 0 -l 2001:db8:1::/64 -E $RTR6_WAN -N
	rate66+=("$(burst 6)")
	map_stop
done
R4=$(printf '%s\n' "${rate4[@]}" | median)
R6=$(printf '%s\n' "${rate6[@]}" | median)
R66=$(printf '%s\n' "${rate66[@]}" | median)
echo "setup_v4_per_s $R4 (rounds: ${rate4[*]})"
echo "setup_v6_pinhole_per_s $R6 (rounds: ${rate6[*]})"
echo "setup_v6_nat66_per_s $R66 (rounds: ${rate66[*]})"
figure setup_v6_pinhole_per_s "$R6" mappings/s "baseline=$R4" \
	"ratio=$(fdiv "$R6" "$R4")" \
	'baseline_name="IPv4 mappings, same handle, burst and run"'
figure setup_v6_nat66_per_s "$R66" mappings/s "baseline=$R4" \
	"ratio=$(fdiv "$R66" "$R4")" \
	'baseline_name="IPv4 mappings, same burst and run"'
