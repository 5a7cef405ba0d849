#!/usr/bin/env bash
# bench_sip.sh - calls per second through nat-portd against sipp calling
# the provider directly (no proxy), in the same run.
#
#   LAN phone (sipp uac)   router: nat-portd           provider (sipp uas)
#   192.0.2.10:5060 ------ 192.0.2.1 | 198.51.100.1 --- 198.51.100.20:5060
#
# Each call: INVITE with SDP, 200 with SDP, ACK, 100 ms, BYE, 200. Through
# nat-portd that is two mappings (RTP, RTCP) allocated on the offer, both
# kernel entries installed before the 200 is forwarded, and released on
# the BYE. sipp aims at RATE calls/s (default 4000) for CALLS calls
# (default 6500, at most 6553: each call offers its own media port).
# Figures: calls/s (sipp's cumulative call rate), INVITE-to-200 latency
# p50/p99 (sipp's response-time trace), failed calls, entries left.
# BENCH_JSON=FILE: one JSON object per figure appended to it.
set -eu
. "$(dirname "$0")/../sip/lib_sip.sh"
trap sip_cleanup EXIT
need_sip
RATE=${RATE:-4000}
CALLS=${CALLS:-6500}
[ "$CALLS" -le 6553 ] || die "CALLS must be at most 6553"
topo_up
portd_start "media-port-range 20000-39999" "quarantine 1s" \
	"max-mappings-per-client 65536" "max-calls 100000"

# run TARGET -> sets RESULT_RATE, RESULT_OK, RESULT_FAIL, P50, P99 (ms)
run() {
	local target=$1 rtt
	rm -f "$TMP"/*_rtt.csv
	bg "$NS_WAN" sipp -sf "$SCN/uas_short.xml" -i "$WAN_IP" -p 5060 \
		-mi "$WAN_IP" -mp 7000 -nostdin -m "$CALLS" \
		>"$TMP/uas.out" 2>&1
	UAS_PID=$!
	sleep 0.3
	(cd "$TMP" && exec ip netns exec "$NS_LAN" timeout 300 sipp \
		-sf "$SCN/uac_short.xml" -i "$LAN_IP" -p 5060 -mi "$LAN_IP" \
		-mp 6000 -s 1000 -nostdin -m "$CALLS" -r "$RATE" -l 20000 \
		-d 100 -trace_rtt -rtt_freq 1 -trace_stat -fd 1 \
		"$target" >"$TMP/uac.out" 2>&1) || true
	wait "$UAS_PID" 2>/dev/null || kill "$UAS_PID" 2>/dev/null || true
	RESULT_OK=$(awk '/Successful call/ { print $NF }' "$TMP/uac.out" | tail -n 1)
	RESULT_FAIL=$(awk '/Failed call/ { print $NF }' "$TMP/uac.out" | tail -n 1)
	# cumulative column of "Call Rate  | x cps | y cps"
	RESULT_RATE=$(awk -F'|' '/Call Rate/ { gsub(/[^0-9.]/, "", $3); r = $3 }
		END { print r + 0 }' "$TMP/uac.out")
	rtt=$(ls "$TMP"/*_rtt.csv 2>/dev/null | head -n 1)
	if [ -n "$rtt" ]; then
		# Date_ms;response_time_ms;rtd_no (sipp's resolution: 1 ms)
		P50=$(awk -F';' 'NR > 1 && $2 != "" { print $2 }' "$rtt" | sort -n |
			awk '{ a[NR] = $1 } END { if (NR) print a[int((NR - 1) * 0.5) + 1]; else print 0 }')
		P99=$(awk -F';' 'NR > 1 && $2 != "" { print $2 }' "$rtt" | sort -n |
			awk '{ a[NR] = $1 } END { if (NR) print a[int((NR - 1) * 0.99) + 1]; else print 0 }')
	else
		P50=0 P99=0
	fi
	: "${RESULT_OK:=0}" "${RESULT_FAIL:=0}"
}

echo "sip: $CALLS calls at up to $RATE calls/s, sipp phone -> sipp provider"
run "$WAN_IP:5060"
base_rate=$RESULT_RATE base_ok=$RESULT_OK base_fail=$RESULT_FAIL
base_p50=$P50 base_p99=$P99
echo "direct (no proxy): $base_rate calls/s, $base_ok ok, $base_fail failed," \
	"INVITE->200 p50 ${base_p50} ms p99 ${base_p99} ms"

cpu0=$(portd_cpu)
run "$RTR_LAN:5060"
cpu1=$(portd_cpu)
sleep 1.5
portd_stats
left=$(np_entries)
echo "through nat-portd: $RESULT_RATE calls/s, $RESULT_OK ok, $RESULT_FAIL failed," \
	"INVITE->200 p50 ${P50} ms p99 ${P99} ms"
echo "nat-portd: $(( (cpu1 - cpu0) * 10 )) ms CPU for $RESULT_OK calls;" \
	"mappings created $(st created), left $(st mappings); natport entries left $left"
ratio=$(awk -v a="$RESULT_RATE" -v b="$base_rate" 'BEGIN { printf("%.3f", (b > 0) ? a / b : 0) }')
echo "ratio (through nat-portd / direct): $ratio  (target: >= 2000 calls/s, 0 failed, 0 left)"

if [ -n "${BENCH_JSON:-}" ]; then
	cat >>"$BENCH_JSON" <<JSON
{"name":"sip_calls_per_s","value":$RESULT_RATE,"baseline":$base_rate,"baseline_name":"sipp calling the provider directly, no proxy, same run","ratio":$ratio,"unit":"calls/s","target":">= 2000"}
{"name":"sip_invite_200_p50_ms","value":$P50,"baseline":$base_p50,"ratio":$(awk -v a="$P50" -v b="$base_p50" 'BEGIN { printf("%.3f", (b > 0) ? a / b : 0) }'),"unit":"ms"}
{"name":"sip_invite_200_p99_ms","value":$P99,"baseline":$base_p99,"ratio":$(awk -v a="$P99" -v b="$base_p99" 'BEGIN { printf("%.3f", (b > 0) ? a / b : 0) }'),"unit":"ms"}
{"name":"sip_failed_calls","value":$RESULT_FAIL,"baseline":$base_fail,"unit":"calls","target":"0"}
{"name":"sip_entries_left","value":$left,"baseline":0,"unit":"entries","target":"0"}
JSON
fi
check "nothing left after the benchmark" [ "$left/$(st mappings)" = 0/0 ]
sip_final_checks
finish
