#!/usr/bin/env bash
# bench_sip.sh - call setup ceilings, ramped, in one topology and run:
#
#   direct     sipp phones call sipp providers, no proxy (the generator's
#              own ceiling: the baseline)
#   nat-portd  through nat-portd in the router
#   kamailio   through Kamailio (record-routing, stateful) driving
#              rtpengine (userspace) in the router: the peer people use
#
#   LAN phones (sipp uac)        router                  providers (sipp uas)
#   192.0.2.20+i:5060 ------ 192.0.2.1 | 198.51.100.1 ---- 198.51.100.20:5061+i
#
# PAIRS phone/provider pairs (default 2) share the offered rate. Each step
# runs STEP_SECS seconds of calls (INVITE with SDP, 200 with SDP, ACK,
# 100 ms, BYE, 200). The rate ramps (x1.5) until a step has a failed call
# or INVITE->200 p99 over P99_MAX ms (each tried once more, to tell a
# noisy neighbour from a ceiling), the generators fall 10 % short of the
# offered rate, or the budget is spent. Figures per system: the highest
# achieved rate with zero failures and p99 within bound, its p50/p99, CPU
# seconds per 1,000 calls of the proxy's processes at that step; for
# nat-portd the calls, mappings and kernel entries held 1.5 s after the
# ramp (with their states) and left once its timers ran (a leak).
# bench-budget: 330
set -u
cd "$(dirname "$0")/../.."
. tests/sip/lib_sip.sh
. tests/bench/lib_bench.sh
. tests/bench/lib_sipload.sh
trap 'kam_stop; rtpe_stop; [ -z "${KEEP:-}" ] || cp -r "$TMP" "$KEEP"; topo_down' EXIT
need_root
command -v sipp >/dev/null || { echo "SKIP: missing sipp (make deps)"; exit 77; }
[ -x "$PORTD" ] || { echo "SKIP: no $PORTD (make)"; exit 77; }
PAIRS=${PAIRS:-2}
STEP_SECS=${STEP_SECS:-2}
P99_MAX=${P99_MAX:-200}
RATE0=${RATE0:-250}
SF=$TOP/tests/bench/scenarios/uac_ramp.xml

topo_up
for ((i = 0; i < PAIRS; i++)); do
	in_lan ip addr add 192.0.2.$((20 + i))/24 dev c0
done

peer_why=$(peer_missing)
nsys=3
[ -z "$peer_why" ] || nsys=2
share=$(((BENCH_BUDGET - 25) / nsys))
[ $share -ge 15 ] || { echo "SKIP: budget ${BENCH_BUDGET}s too short"; exit 77; }
echo "sip: $PAIRS phone/provider pairs, ${STEP_SECS}s steps from $RATE0 calls/s," \
	"ceiling = last step with 0 failed and p99 <= $P99_MAX ms; ${share}s per system"

ramp direct "$WAN_IP" $share
D=$BEST D_P50=$BEST_P50 D_P99=$BEST_P99 D_STOP=$STOP
figure sip_direct_calls_per_s "$D" "calls/s" "ramp=$RAMP" \
	"p50_ms=$D_P50" "p99_ms=$D_P99" "stop=$(json_str "$D_STOP")"
echo "direct     ceiling $D calls/s, p50 $D_P50 ms, p99 $D_P99 ms ($D_STOP)"

# The overload step that ends a ramp leaves calls the phones abandoned:
# sipp gave up on its INVITE, or its ACK or BYE was dropped in the
# router's full socket buffer (UdpRcvbufErrors), so nat-portd holds them
# until its own timers end them: invite-timeout for unanswered calls,
# dialog-timeout for confirmed ones without SIP or media, where the
# provider's 200 retransmissions (up to 64*T1 = 32 s) count as SIP. The
# defaults (180 s, 300 s) would outlast the run, so this nat-portd has
# short ones, INVITE_TIMEOUT and DIALOG_TIMEOUT; no call of a clean step
# lasts near them (p99 <= P99_MAX). After the ramp the bench waits for
# them (TIMER_WAIT at most) and counts what is still there: that, not
# the count 1.5 s after the last step, is a leak.
INVITE_TIMEOUT=${INVITE_TIMEOUT:-8}
DIALOG_TIMEOUT=${DIALOG_TIMEOUT:-5}
TIMER_WAIT=$((32 + DIALOG_TIMEOUT + 3))
[ $TIMER_WAIT -gt $((INVITE_TIMEOUT + 3)) ] || TIMER_WAIT=$((INVITE_TIMEOUT + 3))
bench_no_limits
rtr_ct_flush
portd_start "media-port-range 20000-39999" "quarantine 1s" \
	"max-mappings-per-client 65536" "max-calls 100000" "${BENCH_NO_LIMITS[@]}" \
	"invite-timeout ${INVITE_TIMEOUT}s" "dialog-timeout ${DIALOG_TIMEOUT}s"
ramp nat-portd "$RTR_LAN" $(((BENCH_BUDGET - 20 - TIMER_WAIT - ($(date +%s) - BENCH_T0)) / (nsys - 1))) "$PORTD_PID"
N=$BEST N_P50=$BEST_P50 N_P99=$BEST_P99 N_CPU=$BEST_CPU N_STOP=$STOP
sleep 1.5
portd_stats
held_calls=$(st calls) held_maps=$(st mappings) held_ct=$(np_entries)
held_setup=0 held_confirmed=0
if [ "${held_calls:-0}" != 0 ]; then
	"$BIN/nat-portctl" -s "$TMP/ctl.sock" -j calls list >"$TMP/held.json" 2>/dev/null
	held_confirmed=$(jq '[.[] | select(.state == "confirmed")] | length' "$TMP/held.json" 2>/dev/null || echo '?')
	held_setup=$(jq '[.[] | select(.state != "confirmed")] | length' "$TMP/held.json" 2>/dev/null || echo '?')
fi
rcvbuf=$(in_rtr nstat -az UdpRcvbufErrors 2>/dev/null | awk '$1 == "UdpRcvbufErrors" { print $2 }')
waited=0
while [ "${left_calls:-${held_calls:-0}}" != 0 ] && [ $waited -lt $TIMER_WAIT ]; do
	sleep 1
	waited=$((waited + 1))
	portd_stats
	left_calls=$(st calls)
done
portd_stats
left_calls=$(st calls) left_maps=$(st mappings) left_ct=$(np_entries)
figure sip_natportd_calls_per_s "$N" "calls/s" "ramp=$RAMP" \
	"baseline=$D" "ratio=$(fdiv "$N" "$D")" \
	"baseline_name=\"sipp direct, no proxy, same run\"" \
	"p50_ms=$N_P50" "p99_ms=$N_P99" "cpu_s_per_1000_calls=$N_CPU" \
	"held_calls_after_1_5s=${held_calls:-null}" "held_mappings_after_1_5s=${held_maps:-null}" \
	"held_entries_after_1_5s=$held_ct" "held_in_setup=$(json_str "$held_setup")" \
	"held_confirmed=$(json_str "$held_confirmed")" "router_udp_rcvbuf_errors=${rcvbuf:-null}" \
	"waited_for_timers_s=$waited" \
	"left_calls=${left_calls:-null}" "left_mappings=${left_maps:-null}" \
	"left_entries=$left_ct" "abandoned_calls=$ABANDONED" "stop=$(json_str "$N_STOP")"
echo "nat-portd  ceiling $N calls/s ($(fdiv "$N" "$D") x direct), p50 $N_P50 ms," \
	"p99 $N_P99 ms, $N_CPU CPU s per 1000 calls ($N_STOP)"
echo "nat-portd  1.5 s after the last step: calls ${held_calls:-?} ($held_setup in setup," \
	"$held_confirmed confirmed), mappings ${held_maps:-?}, entries $held_ct;" \
	"phones abandoned $ABANDONED, router UDP receive-buffer drops ${rcvbuf:-?};" \
	"after ${waited}s of invite-timeout ${INVITE_TIMEOUT}s/dialog-timeout ${DIALOG_TIMEOUT}s:" \
	"calls ${left_calls:-?}, mappings ${left_maps:-?}, entries $left_ct"
portd_stop || echo "nat-portd did not exit cleanly"
held=""
[ "${held_calls:-0}" = 0 ] ||
	held=", ${held_calls} calls held after the overload step ended by their timers in ${waited}s"
leak=""
[ "${left_calls:-x}/${left_maps:-x}/$left_ct" = 0/0/0 ] ||
	leak=", LEFT after the timers: calls ${left_calls:-?} mappings ${left_maps:-?} entries $left_ct"
if fcmp "$N" '>=' 2000 && [ -z "$leak" ]; then ok=met; else ok=not; fi
verdict sip_natportd_setup_rate $ok ">= 2000 calls/s, 0 failed, no leak" \
	"$N calls/s with 0 failed (p99 $N_P99 ms)$held$leak; direct $D"

if [ -n "$peer_why" ]; then
	not_measured sip_natportd_vs_kamailio "$peer_why"
	exit 0
fi
echo "peers: kamailio $KAMAILIO_VERSION, rtpengine $RTPENGINE_VERSION (userspace)"
if ! rtpe_start >"$TMP/why" || ! kam_start >"$TMP/why"; then
	not_measured sip_natportd_vs_kamailio "$(cat "$TMP/why")"
	exit 0
fi
ramp kamailio "$RTR_LAN" $(($(bench_left) - 5)) "${KAM_PIDS[@]}" "$RTPE_PID"
K=$BEST K_P50=$BEST_P50 K_P99=$BEST_P99 K_CPU=$BEST_CPU K_STOP=$STOP
figure sip_kamailio_rtpengine_calls_per_s "$K" "calls/s" "ramp=$RAMP" \
	"baseline=$N" "ratio=$(fdiv "$K" "$N")" \
	"baseline_name=\"nat-portd, same topology and run\"" \
	"p50_ms=$K_P50" "p99_ms=$K_P99" "cpu_s_per_1000_calls=$K_CPU" \
	"versions=$(json_str "kamailio $KAMAILIO_VERSION, rtpengine $RTPENGINE_VERSION")" \
	"stop=$(json_str "$K_STOP")"
echo "kamailio   ceiling $K calls/s, p50 $K_P50 ms, p99 $K_P99 ms," \
	"$K_CPU CPU s per 1000 calls with rtpengine ($K_STOP)"
if fcmp "$N" '>' "$K"; then ok=met; else ok=not; fi
verdict sip_natportd_vs_kamailio $ok "nat-portd > Kamailio+rtpengine calls/s" \
	"$N vs $K calls/s ($(fdiv "$N" "$K") x), CPU per call $(fdiv "$K_CPU" "$N_CPU" 1) x less"
exit 0
