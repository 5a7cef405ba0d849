#!/usr/bin/env bash
# bench_ng.sh - the same Kamailio driving two media relays over the ng
# protocol, in one topology and run:
#
#   ng-natportd  Kamailio's rtpengine module pointed at nat-portd's ng
#                listener (media in the kernel, nat-portd's own SIP on
#                5099 and idle)
#   ng-rtpengine the same Kamailio and config pointed at rtpengine
#                (Debian rtpengine-daemon, userspace: table -1)
#
#   LAN phones (sipp uac)      router                      providers (sipp uas)
#   192.0.2.20+i:5060 --- 192.0.2.1 | 198.51.100.1 --- 198.51.100.20:5061+i
#                         kamailio :5060 both sides
#                           | rtpengine_sock udp:127.0.0.1:2223
#                           v
#                         nat-portd ng-listen, or rtpengine --listen-ng
#
# Both relays listen on the same ng address, so lib_bench.sh's kam_start
# (one config, the one bench_sip.sh measures rtpengine with) serves both
# and the only difference between the runs is the relay.
#
# 1. Setup rate: PAIRS phone/provider pairs share an offered rate that
#    ramps x1.5 per STEP_SECS step from RATE0 until a step has a failed
#    call or INVITE->200 p99 over P99_MAX ms (tried once more), the
#    generators fall 10 % short, or the system's share of the budget is
#    spent. Per relay: the last clean step's calls/s, p50/p99, and CPU
#    seconds per 1,000 calls of the relay's and Kamailio's processes.
#    For nat-portd: the calls, mappings and kernel entries left after.
# 2. If the budget allows: CALLS (500) concurrent calls with RTP at 50
#    packets/s both ways (bench_rtp) for SECS (8) s through each: loss
#    per direction and the router processes' CPU over the media window.
# bench-budget: 150
set -u
cd "$(dirname "$0")/../.."
. tests/lib/sip.sh
. tests/lib/ng.sh
# after ng.sh: its kam_start/kam_stop are the tests' (tests/ng/
# kamailio.cfg); the bench's are lib_bench.sh's
. tests/bench/lib_bench.sh
. tests/bench/lib_sipload.sh
trap 'kam_stop; rtpe_stop; [ -z "${KEEP:-}" ] || cp -r "$TMP" "$KEEP"; topo_down' EXIT
need_root
command -v sipp >/dev/null || { echo "SKIP: missing sipp (make deps)"; exit 77; }
[ -x "$PORTD" ] || { echo "SKIP: no $PORTD (make)"; exit 77; }
R=$BIN/tests/bench_rtp
why=$(peer_missing)
[ -z "$why" ] || { echo "SKIP: $why"; exit 77; }
PAIRS=${PAIRS:-2}
STEP_SECS=${STEP_SECS:-2}
P99_MAX=${P99_MAX:-200}
RATE0=${RATE0:-100}
CALLS=${CALLS:-500}
CALL_RATE=${CALL_RATE:-100}
SECS=${SECS:-8}
PPS=50
SF=$TOP/tests/bench/scenarios/uac_ramp.xml
NG_ADDR=127.0.0.1:2223 # where lib_bench.sh's Kamailio sends ng

topo_up
for ((i = 0; i < PAIRS; i++)); do
	in_lan ip addr add 192.0.2.$((20 + i))/24 dev c0
done

media_line() { # media_line NAME: what held_calls found
	printf '  %-12s %d of %d calls up, LAN->WAN sent %d lost %s, WAN->LAN sent %d lost %s, router CPU %s ms/s; %d ended, %d failed\n' \
		"$1" "$UP" "$CALLS" "$TX_L" "$L_LW" "$TX_W" "$L_WL" "$CPU_MS" "$DONE" "$FAILED"
}
# media's share of the budget per relay, when it runs
media_secs=$(((CALLS + CALL_RATE - 1) / CALL_RATE * 3 + SECS + 12))
do_media=1
[ -x "$R" ] || do_media=0
share=$(((BENCH_BUDGET - 20 - do_media * 2 * media_secs) / 2))
if [ $do_media = 1 ] && [ $share -lt 30 ]; then
	do_media=0
	share=$(((BENCH_BUDGET - 20) / 2))
fi
[ $share -ge 15 ] || { echo "SKIP: budget ${BENCH_BUDGET}s too short"; exit 77; }
echo "ng: kamailio $KAMAILIO_VERSION driving nat-portd, then rtpengine" \
	"$RTPENGINE_VERSION (userspace), over ng; $PAIRS pairs, ${STEP_SECS}s" \
	"steps from $RATE0 calls/s, ${share}s per relay;" \
	"$([ $do_media = 1 ] && echo "then $CALLS calls with RTP" || echo "no media part (budget or $R)")"

# --- nat-portd
bench_no_limits
rtr_ct_flush
portd_start "sip-port 5099" "ng-listen $NG_ADDR" \
	"media-port-range 20000-29999" "quarantine 1s" \
	"max-mappings-per-client 65536" "max-calls 100000" "${BENCH_NO_LIMITS[@]}"
kam_start >"$TMP/why" || { echo "SKIP: $(cat "$TMP/why")"; exit 77; }
# ng errors up to the last clean step: an overload step's are the
# modules' answers to calls Kamailio already gave up ("Unknown call-id")
ramp_clean_hook() { ng_stats; CLEAN_NG_ERR=$(ngst errors); }
CLEAN_NG_ERR=
ramp ng-natportd "$RTR_LAN" $share "$PORTD_PID" "${KAM_PIDS[@]}"
unset -f ramp_clean_hook
N=$BEST N_P50=$BEST_P50 N_P99=$BEST_P99 N_CPU=$BEST_CPU N_STOP=$STOP N_RAMP=$RAMP N_AB=$ABANDONED
# the relay's share of the CPU, on its own: Kamailio's is the same work
n_own=$(awk -v c="$(cpu_ticks "$PORTD_PID")" -v hz="$HZ" 'BEGIN { printf "%.1f", c / hz }')
# The media part starts each system afresh: a ramp's last step is an
# overload whose abandoned calls a relay still holds (rtpengine's cost
# 265 of the 500 calls and 67 % of their RTP when it followed one).
if [ $do_media = 1 ]; then
	kam_stop
	kam_start >"$TMP/why" || { echo "SKIP: $(cat "$TMP/why")"; exit 77; }
	held_calls "$PORTD_PID" "${KAM_PIDS[@]}"
	media_line ng-natportd
	NM_UP=$UP NM_LW=$L_LW NM_WL=$L_WL NM_CPU=$CPU_MS NM_FAILED=$FAILED
fi
sleep 2
ng_stats
left_ng=$(ngst calls) left_calls=$(st calls) left_maps=$(st mappings) left_ct=$(np_entries)
ng_err=$(ngst errors)
kam_stop
portd_stop || echo "nat-portd did not exit cleanly"
leftover=
[ "${left_ng:-x}/${left_calls:-x}/${left_maps:-x}/$left_ct" = 0/0/0/0 ] ||
	leftover=", left: ng calls ${left_ng:-?}, calls ${left_calls:-?}, mappings ${left_maps:-?}, entries $left_ct ($N_AB abandoned by the phones)"
echo "ng-natportd  ceiling $N calls/s, p50 $N_P50 ms, p99 $N_P99 ms," \
	"$N_CPU CPU s per 1000 calls with Kamailio ($N_STOP); ng errors ${ng_err:-?}$leftover"

# --- rtpengine
rtr_ct_flush
if ! rtpe_start >"$TMP/why" || ! kam_start >"$TMP/why"; then
	figure ng_natportd_calls_per_s "$N" "calls/s" "ramp=$N_RAMP" \
		"p50_ms=$N_P50" "p99_ms=$N_P99" "cpu_s_per_1000_calls=$N_CPU"
	not_measured ng_natportd_vs_rtpengine "$(cat "$TMP/why")"
	exit 0
fi
ramp ng-rtpengine "$RTR_LAN" $share "$RTPE_PID" "${KAM_PIDS[@]}"
K=$BEST K_P50=$BEST_P50 K_P99=$BEST_P99 K_CPU=$BEST_CPU K_STOP=$STOP
if [ $do_media = 1 ]; then
	kam_stop
	rtpe_stop
	rtpe_start >"$TMP/why" && kam_start >"$TMP/why" ||
		{ echo "rtpengine's media part: $(cat "$TMP/why")"; do_media=0; }
fi
if [ $do_media = 1 ]; then
	held_calls "$RTPE_PID" "${KAM_PIDS[@]}"
	media_line ng-rtpengine
	KM_UP=$UP KM_LW=$L_LW KM_WL=$L_WL KM_CPU=$CPU_MS KM_FAILED=$FAILED
fi
echo "ng-rtpengine ceiling $K calls/s, p50 $K_P50 ms, p99 $K_P99 ms," \
	"$K_CPU CPU s per 1000 calls with Kamailio ($K_STOP)"
kam_stop
rtpe_stop

vers=$(json_str "kamailio $KAMAILIO_VERSION, rtpengine $RTPENGINE_VERSION")
figure ng_kamailio_rtpengine_calls_per_s "$K" "calls/s" "ramp=$RAMP" \
	"p50_ms=$K_P50" "p99_ms=$K_P99" "cpu_s_per_1000_calls=$K_CPU" \
	"versions=$vers" "stop=$(json_str "$K_STOP")"
figure ng_kamailio_natportd_calls_per_s "$N" "calls/s" "ramp=$N_RAMP" \
	"baseline=$K" "ratio=$(fdiv "$N" "$K")" \
	"baseline_name=\"the same Kamailio driving rtpengine, same run\"" \
	"p50_ms=$N_P50" "p99_ms=$N_P99" "cpu_s_per_1000_calls=$N_CPU" \
	"left_ng_calls=${left_ng:-null}" "left_calls=${left_calls:-null}" \
	"left_mappings=${left_maps:-null}" "left_entries=$left_ct" \
	"ng_errors=${ng_err:-null}" "ng_errors_to_ceiling=${CLEAN_NG_ERR:-null}" \
	"abandoned_calls=$N_AB" \
	"versions=$vers" "stop=$(json_str "$N_STOP")"
cpu_ratio=null
fcmp "$N_CPU" '>' 0 && cpu_ratio=$(fdiv "$K_CPU" "$N_CPU" 2)
figure ng_cpu_s_per_1000_calls "$N_CPU" "CPU s/1000 calls, Kamailio+nat-portd" \
	"baseline=$K_CPU" "ratio=$(fdiv "$N_CPU" "$K_CPU")" \
	"baseline_name=\"Kamailio+rtpengine at its own ceiling, same run\""
echo "  ng: nat-portd $N vs rtpengine $K calls/s ($(fdiv "$N" "$K") x);" \
	"CPU per 1000 calls $N_CPU vs $K_CPU s ($cpu_ratio x less with nat-portd)"
ok=met
[ "${left_ng:-1}" -le "$N_AB" ] && [ "${CLEAN_NG_ERR:-1}" = 0 ] &&
	fcmp "$N" '>=' "$K" && fcmp "$N" '>' 0 || ok=not
verdict ng_natportd_setup_rate $ok ">= Kamailio+rtpengine calls/s, 0 failed, 0 ng errors, no leak" \
	"$N vs $K calls/s with 0 failed (p99 $N_P99 vs $K_P99 ms), ng errors ${CLEAN_NG_ERR:-?} up to the ceiling, ${ng_err:-?} in all$leftover"
ok=met
fcmp "$N_CPU" '<' "$K_CPU" && fcmp "$N_CPU" '>' 0 || ok=not
verdict ng_natportd_cpu_per_call $ok "Kamailio+nat-portd < Kamailio+rtpengine CPU per call" \
	"$N_CPU vs $K_CPU CPU s per 1000 calls ($cpu_ratio x); nat-portd alone ${n_own}s over its ramp"

if [ $do_media = 0 ]; then
	not_measured ng_media_router_cpu "budget ${BENCH_BUDGET}s or $R missing"
	exit 0
fi
mloss() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", 100 * (a > b ? a : b) }'; }
mratio=null
fcmp "$NM_CPU" '>' 0 && mratio=$(fdiv "$KM_CPU" "$NM_CPU" 1)
figure ng_media_router_cpu_ms_per_s "$KM_CPU" "ms CPU/s, Kamailio+rtpengine" \
	"baseline=$NM_CPU" "ratio=$mratio" \
	"baseline_name=\"Kamailio+nat-portd, same calls and window\"" \
	"calls=$CALLS" "pps_per_stream=$PPS" "secs=$SECS" \
	"calls_up=$KM_UP" "baseline_calls_up=$NM_UP" \
	"loss_pct=$(mloss "$KM_LW" "$KM_WL")" "baseline_loss_pct=$(mloss "$NM_LW" "$NM_WL")"
echo "  media: router CPU Kamailio+rtpengine $KM_CPU ms/s, Kamailio+nat-portd" \
	"$NM_CPU ms/s ($mratio x); loss $(mloss "$KM_LW" "$KM_WL") % vs $(mloss "$NM_LW" "$NM_WL") %"
ok=met
[ "$NM_UP" = "$CALLS" ] && [ "$NM_FAILED" = 0 ] && fcmp "$NM_CPU" '<' "$KM_CPU" &&
	fcmp "$(mloss "$NM_LW" "$NM_WL")" '<=' "$(mloss "$KM_LW" "$KM_WL")" || ok=not
verdict ng_media_router_cpu $ok "$CALLS calls up, no more loss, less router CPU than rtpengine" \
	"nat-portd $NM_UP up, $NM_FAILED failed, loss $NM_LW/$NM_WL, $NM_CPU ms/s; rtpengine $KM_UP up, $KM_FAILED failed, loss $KM_LW/$KM_WL, $KM_CPU ms/s"
exit 0
