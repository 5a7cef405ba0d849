#!/usr/bin/env bash
# bench_tcp.sh - call setup through nat-portd over SIP/TCP against UDP, in
# one topology and run:
#
#   LAN phone (sipp uac)          router: nat-portd        provider (sipp uas)
#   192.0.2.20:5060 ----------- 192.0.2.1 | 198.51.100.1 ---- 198.51.100.20:5061
#   udp: both sides UDP; tcp: both sides TCP (sipp -t t1, upstream-proxy
#   ...;transport=tcp), one connection each side carrying every call
#
# Each transport runs the same steps: STEP_SECS seconds of calls (INVITE
# with SDP, 200 with SDP, ACK, 100 ms, BYE, 200) at each rate of RATES.
# Figures per transport and step: calls/s achieved, failed calls, INVITE->
# 200 p99, nat-portd CPU seconds per 1,000 calls; then, at the highest
# step both ran without a failure, the TCP/UDP ratios of rate and CPU.
# bench-budget: 120
set -u
cd "$(dirname "$0")/../.."
. tests/sip/lib_sip.sh
. tests/bench/lib_bench.sh
trap 'topo_down' EXIT
need_root
command -v sipp >/dev/null || { echo "SKIP: missing sipp (make deps)"; exit 77; }
[ -x "$PORTD" ] || { echo "SKIP: no $PORTD (make)"; exit 77; }
STEP_SECS=${STEP_SECS:-4}
RATES=${RATES:-"200 400 800"}
SF=$TOP/tests/bench/scenarios/uac_ramp.xml
PHONE=192.0.2.20

topo_up
in_lan ip addr add $PHONE/24 dev c0

# step TRANSPORT RATE -> "achieved ok failed p99"
step() {
	local t=() rate=$2 calls upid
	[ "$1" = tcp ] && t=(-t t1)
	calls=$((rate * STEP_SECS))
	rm -rf "$TMP/step" && mkdir -p "$TMP/step"
	ip netns exec "$NS_WAN" timeout $((STEP_SECS * 3 + 20)) sipp \
		-sf "$SCN/uas_short.xml" -i "$WAN_IP" -p 5061 "${t[@]}" \
		-mi "$WAN_IP" -mp 7000 -nostdin -m $calls \
		>"$TMP/step/uas.out" 2>&1 &
	upid=$!
	sleep 0.3
	(cd "$TMP/step" && exec ip netns exec "$NS_LAN" \
		timeout $((STEP_SECS * 3 + 15)) sipp -sf "$SF" "${t[@]}" \
		-key uasport 5061 -i $PHONE -p 5060 -mi $PHONE -mp 6000 \
		-s 1000 -nostdin -m $calls -r "$rate" -l 20000 -d 100 \
		-recv_timeout 4000 -trace_rtt -rtt_freq 1 -fd 1 \
		"$RTR_LAN:5060" >"$TMP/step/uac.out" 2>&1)
	sleep 0.5
	kill $upid 2>/dev/null
	wait $upid 2>/dev/null
	cat "$TMP"/step/*_rtt.csv 2>/dev/null |
		awk -F';' '$2 ~ /^[0-9.]+$/ { print $2 }' | sort -n >"$TMP/step/rtt"
	awk -v rtt="$TMP/step/rtt" '
		/Successful call/ { o = $NF }
		/Failed call/ { b = $NF }
		/Call Rate/ { split($0, f, "|"); gsub(/[^0-9.]/, "", f[3]); r = f[3] }
		END {
			n = 0
			while ((getline v < rtt) > 0) a[++n] = v
			p99 = n ? a[int((n - 1) * 0.99) + 1] : 0
			printf "%.0f %d %d %s\n", r, o, b, p99
		}' "$TMP/step/uac.out"
}

declare -A RATE_OK CPU_OK
run() { # run TRANSPORT
	local tr=$1 up rate got ok bad p99 c0 c1 cpk steps=
	up="upstream-proxy $WAN_IP:5061"
	[ "$tr" = tcp ] && up="$up;transport=tcp"
	rtr_ct_flush
	portd_start "sip-tcp yes" "$up" "media-port-range 20000-39999" \
		"quarantine 1s" "max-mappings-per-client 65536" \
		"max-calls 100000" "${BENCH_NO_LIMITS[@]}"
	for rate in $RATES; do
		[ "$(bench_left)" -gt $((STEP_SECS * 2 + 10)) ] || break
		c0=$(cpu_ticks "$PORTD_PID")
		read -r got ok bad p99 <<<"$(step "$tr" "$rate")"
		c1=$(cpu_ticks "$PORTD_PID")
		cpk=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v n="$ok" 'BEGIN { printf "%.3f", n ? c / hz / n * 1000 : 0 }')
		printf '  %-4s offered %4d calls/s: achieved %5s, %5d ok, %3d failed, p99 %s ms, %s CPU s/1000 calls\n' \
			"$tr" "$rate" "$got" "$ok" "$bad" "$p99" "$cpk"
		steps="$steps${steps:+,}[$rate,$got,$ok,$bad,$p99,$cpk]"
		if [ "$bad" = 0 ] && [ "$ok" -gt 0 ]; then
			RATE_OK[$tr:$rate]=$got
			CPU_OK[$tr:$rate]=$cpk
		fi
	done
	figure "sip_${tr}_steps" "$(echo "$steps" | tr ',' '\n' | wc -l)" "steps" "steps=[$steps]"
	portd_stop || echo "nat-portd did not exit cleanly"
}

echo "tcp: ${STEP_SECS}s steps at $RATES calls/s, UDP then TCP, both sides each"
bench_no_limits
run udp
run tcp
best=
for rate in $RATES; do
	[ -n "${RATE_OK[udp:$rate]:-}" ] && [ -n "${RATE_OK[tcp:$rate]:-}" ] && best=$rate
done
if [ -z "$best" ]; then
	not_measured sip_tcp_vs_udp "no step without a failed call on both transports"
	exit 0
fi
rr=$(fdiv "${RATE_OK[tcp:$best]}" "${RATE_OK[udp:$best]}")
cr=$(fdiv "${CPU_OK[tcp:$best]}" "${CPU_OK[udp:$best]}")
figure sip_tcp_calls_per_s "${RATE_OK[tcp:$best]}" "calls/s" \
	"offered=$best" "udp=${RATE_OK[udp:$best]}" "ratio=$rr"
figure sip_tcp_cpu_s_per_1000_calls "${CPU_OK[tcp:$best]}" "s" \
	"offered=$best" "udp=${CPU_OK[udp:$best]}" "ratio=$cr"
echo "at $best calls/s offered: TCP ${RATE_OK[tcp:$best]} calls/s vs UDP ${RATE_OK[udp:$best]} ($rr x)," \
	"nat-portd CPU ${CPU_OK[tcp:$best]} vs ${CPU_OK[udp:$best]} s per 1000 calls ($cr x)"
if fcmp "$cr" '<=' 2; then ok=met; else ok=not; fi
verdict sip_tcp_cpu_cost $ok "TCP <= 2x UDP CPU per call" \
	"$cr x at $best calls/s (${CPU_OK[tcp:$best]} vs ${CPU_OK[udp:$best]} s/1000)"
