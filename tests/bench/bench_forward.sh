#!/usr/bin/env bash
# bench_forward.sh - media forwarding through a natport mapping against
# plain routing in the same topology and run, and the CPU time of the
# process holding the mappings while media flows.
#
#   WAN peer --flood--> router --> LAN client (sink)
#   a) plain:   198.51.100.20 -> 192.0.2.10:9000 (routed, tracked, no NAT)
#   b) natport: 198.51.100.20 -> 198.51.100.1:EXT -> DNAT 192.0.2.10:4000
#
# Rounds alternate a/b so drift hits both alike; the median of each is
# reported. Appends JSON lines to $BENCH_JSON; fewer rounds when the
# budget (BENCH_BUDGET, tests/bench/lib_bench.sh) is short.
# bench-budget: 60
set -eu
cd "$(dirname "$0")/../.."
. tests/netns/lib.sh
. tests/bench/lib_bench.sh
trap 'topo_down' EXIT
need_root
ROUNDS=${ROUNDS:-3}
[ "$BENCH_BUDGET" -ge 50 ] || ROUNDS=1
SECS=${SECS:-3}
U=$BIN/tests/np-udp

topo_up
# the plain flow needs its own accept: it is one-way, so never established
in_rtr nft add rule inet filter forward ip daddr $LAN_IP udp dport 9000 accept
map_start -p 20000-20099
mapcmd "get audio_rtp $LAN_IP 4000 $WAN_IP:6000"
read -r _ ID EXT PORT <<<"$REPLY"
HOLDER=$NPMAP_PID

run() { # run DEST_ADDR:PORT SINK_PORT [RATE] -> pps at the sink
	in_lan "$U" sink -b $LAN_IP:"$2" -t "$SECS" >"$TMP/sink" &
	local sp=$!
	sleep 0.2
	in_wan "$U" flood -b $WAN_IP:6000 -d "$1" -t $((SECS + 1)) \
		${3:+-r "$3"} >"$TMP/flood"
	wait $sp || true
	awk '{print $3}' "$TMP/sink"
}
cpu_us() { # CPU time a pid has run, in microseconds (schedstat is in ns)
	awk '{printf "%d", $1 / 1000}' /proc/"$1"/schedstat
}

plain=() nat=()
for ((r = 0; r < ROUNDS; r++)); do
	plain+=("$(run $LAN_IP:9000 9000)")
	nat+=("$(run $EXT:$PORT 4000)")
done
P=$(printf '%s\n' "${plain[@]}" | median)
N=$(printf '%s\n' "${nat[@]}" | median)
ratio=$(awk -v n="$N" -v p="$P" 'BEGIN {printf "%.3f", p ? n / p : 0}')
echo "forward_plain_pps $P (rounds: ${plain[*]})"
echo "forward_natport_pps $N (rounds: ${nat[*]})"
echo "forward_ratio $ratio"

# CPU of the holder at a low and at the highest rate: it must not grow
# (softirq work that lands while the holder runs is charged to it, so its
# CPU time is noisy; its wakeups are the sharper figure)
wakeups() { awk '/^voluntary_ctxt_switches/ {print $2}' /proc/"$1"/status; }
c0=$(cpu_us "$HOLDER") w0=$(wakeups "$HOLDER")
sleep "$SECS"
c1=$(cpu_us "$HOLDER") w1=$(wakeups "$HOLDER")
low=$(run $EXT:$PORT 4000 20000)
c2=$(cpu_us "$HOLDER") w2=$(wakeups "$HOLDER")
high=$(run $EXT:$PORT 4000)
c3=$(cpu_us "$HOLDER") w3=$(wakeups "$HOLDER")
mapcmd "counters $ID"
idle_us=$((c1 - c0)) low_us=$((c2 - c1)) high_us=$((c3 - c2))
echo "holder_cpu_us idle $idle_us, at $low pps $low_us, at $high pps $high_us (each over about ${SECS}s)"
echo "holder_wakeups idle $((w1 - w0)), at $low pps $((w2 - w1)), at $high pps $((w3 - w2))"
echo "kernel counters: ${REPLY#ok }"
echo "stray packets in userspace: $(stat_of stray)"

figure forward_natport_pps "$N" packets/s "baseline=$P" "ratio=$ratio" \
	'baseline_name="plain routing (no NAT), same topology and run"'
figure holder_cpu_us_idle $idle_us "us CPU over ${SECS}s, no media"
figure holder_cpu_us_low_rate $low_us "us CPU over ${SECS}s at ${low} pps"
figure holder_cpu_us_high_rate $high_us "us CPU over ${SECS}s at ${high} pps"
figure holder_wakeups_low_rate $((w2 - w1)) "wakeups at ${low} pps"
figure holder_wakeups_high_rate $((w3 - w2)) "wakeups at ${high} pps"
if fcmp "$ratio" '>=' 0.9; then ok=met; else ok=not; fi
verdict forward_natport_vs_plain $ok ">= 0.9 x plain routing (flood)" \
	"$N vs $P pps ($ratio x)"
# the holder must not wake per packet: at the highest rate no more
# wakeups than idle and a margin
if [ $((w3 - w2)) -le $((w1 - w0 + 20)) ]; then ok=met; else ok=not; fi
verdict forward_holder_no_per_packet_work $ok "holder wakeups at $high pps <= idle + 20" \
	"$((w3 - w2)) wakeups at $high pps, $((w1 - w0)) idle"
