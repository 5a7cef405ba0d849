#!/usr/bin/env bash
# bench_calls.sh - concurrent calls with RTP at 50 packets/s both ways, in
# one topology and run:
#
#   nat-portd  through nat-portd in the router (media in the kernel)
#   kamailio   through Kamailio (record-routing) driving rtpengine in
#              userspace in the router: every packet through a process
#
#   LAN phone (sipp uac)          router                provider (sipp uas)
#   192.0.2.20:5060, RTP 2N0 -- 192.0.2.1 | 198.51.100.1 -- 198.51.100.20:5061, RTP 3N0
#
# CALLS calls (default 500) are set up at CALL_RATE calls/s and held; each
# side logs where its SDP says to send RTP. Then bench_rtp sends 172-byte
# packets at 50/s on every call, from both ends at once, for SECS seconds
# (10), started at the same wall-clock instant, and counts what arrives.
# Figures per system: calls up, loss per direction, the router's process
# CPU over the media window (nat-portd; Kamailio's and rtpengine's), and
# the host's softirq share over the same window (the kernel's forwarding
# work lands there; namespaces do not separate it, so it includes both
# ends and anything else running: compare the two systems, not the
# absolute figure). The calls are then hung up and nat-portd must have
# nothing left.
# bench-budget: 110
set -u
cd "$(dirname "$0")/../.."
. tests/sip/lib_sip.sh
. tests/bench/lib_bench.sh
. tests/bench/lib_sipload.sh
trap 'kam_stop; rtpe_stop; [ -z "${KEEP:-}" ] || cp -r "$TMP" "$KEEP"; topo_down' EXIT
need_root
command -v sipp >/dev/null || { echo "SKIP: missing sipp (make deps)"; exit 77; }
[ -x "$PORTD" ] || { echo "SKIP: no $PORTD (make)"; exit 77; }
R=$BIN/tests/bench_rtp
[ -x "$R" ] || { echo "SKIP: $R missing (make all)"; exit 77; }
CALLS=${CALLS:-500}
[ "$CALLS" -le 999 ] || { echo "SKIP: CALLS=$CALLS: the scenarios' media ports allow 999"; exit 77; }
CALL_RATE=${CALL_RATE:-200}
SECS=${SECS:-10}
PPS=50
LOSS_MAX=${LOSS_MAX:-0.001}
PHONE=192.0.2.20

topo_up
in_lan ip addr add $PHONE/24 dev c0

# report NAME: one line and the figures' shared keys (in FIG_KV)
report() {
	printf '  %-9s %d of %d calls up, LAN->WAN sent %d lost %s, WAN->LAN sent %d lost %s, router CPU %s ms/s, host softirq %s %%; %d calls ended, %d failed\n' \
		"$1" "$UP" "$CALLS" "$TX_L" "$L_LW" "$TX_W" "$L_WL" "$CPU_MS" "$SIRQ" "$DONE" "$FAILED"
	FIG_KV=("calls_up=$UP" "loss_lan_to_wan=$L_LW" "loss_wan_to_lan=$L_WL"
		"sent_lan_to_wan=$TX_L" "sent_wan_to_lan=$TX_W"
		"router_cpu_ms_per_s=$CPU_MS" "host_softirq_pct=$SIRQ"
		"calls_failed=$FAILED")
}

echo "calls: $CALLS calls at $CALL_RATE calls/s, then RTP at $PPS pps both ways" \
	"for ${SECS}s ($((CALLS * PPS * 2)) pps through the router)"

bench_no_limits
rtr_ct_flush
portd_start "media-port-range 20000-29999" "quarantine 1s" \
	"max-mappings-per-client 65536" "max-calls 100000" "${BENCH_NO_LIMITS[@]}"
held_calls "$PORTD_PID"
report nat-portd
N_KV=("${FIG_KV[@]}") N_UP=$UP N_LW=$L_LW N_WL=$L_WL N_CPU=$CPU_MS N_SIRQ=$SIRQ N_FAILED=$FAILED
sleep 1.5
portd_stats
left_calls=$(st calls) left_maps=$(st mappings) left_ct=$(np_entries)
portd_stop || echo "nat-portd did not exit cleanly"
figure calls_natportd_loss_pct "$(awk -v a="$N_LW" -v b="$N_WL" 'BEGIN { printf "%.3f", 100 * (a > b ? a : b) }')" \
	"% lost (worse direction)" "${N_KV[@]}" "calls=$CALLS" "pps_per_stream=$PPS" \
	"secs=$SECS" "left_calls=${left_calls:-null}" "left_mappings=${left_maps:-null}" \
	"left_entries=$left_ct"
leftover=""
[ "${left_calls:-x}/${left_maps:-x}/$left_ct" = 0/0/0 ] ||
	leftover=", left calls ${left_calls:-?} mappings ${left_maps:-?} entries $left_ct"
ok=met
[ "$N_UP" = "$CALLS" ] && [ "$N_FAILED" = 0 ] && [ -z "$leftover" ] &&
	fcmp "$N_LW" '<=' "$LOSS_MAX" && fcmp "$N_WL" '<=' "$LOSS_MAX" || ok=not
verdict calls_natportd_media $ok "$CALLS calls up, loss <= $LOSS_MAX each way, no leak" \
	"$N_UP of $CALLS up, $N_FAILED failed, loss LAN->WAN $N_LW WAN->LAN $N_WL, nat-portd CPU $N_CPU ms/s$leftover"

why=$(peer_missing)
if [ -z "$why" ]; then
	if ! rtpe_start >"$TMP/why" || ! kam_start >"$TMP/why"; then
		why=$(cat "$TMP/why")
	fi
fi
if [ -n "$why" ]; then
	not_measured calls_natportd_vs_kamailio "$why"
	exit 0
fi
echo "peers: kamailio $KAMAILIO_VERSION, rtpengine $RTPENGINE_VERSION (userspace)"
held_calls "${KAM_PIDS[@]}" "$RTPE_PID"
report kamailio
K_UP=$UP K_LW=$L_LW K_WL=$L_WL K_CPU=$CPU_MS K_SIRQ=$SIRQ K_FAILED=$FAILED
# ratios: nat-portd's CPU can be below one clock tick over the window
cpu_ratio=null
fcmp "$N_CPU" '>' 0 && cpu_ratio=$(fdiv "$K_CPU" "$N_CPU" 1)
figure calls_kamailio_rtpengine_loss_pct "$(awk -v a="$K_LW" -v b="$K_WL" 'BEGIN { printf "%.3f", 100 * (a > b ? a : b) }')" \
	"% lost (worse direction)" "${FIG_KV[@]}" "calls=$CALLS" \
	"baseline=$(awk -v a="$N_LW" -v b="$N_WL" 'BEGIN { printf "%.3f", 100 * (a > b ? a : b) }')" \
	"baseline_name=\"nat-portd, same topology and run\"" \
	"versions=$(json_str "kamailio $KAMAILIO_VERSION, rtpengine $RTPENGINE_VERSION")"
figure calls_router_cpu_ms_per_s "$K_CPU" "ms CPU/s, Kamailio+rtpengine" \
	"baseline=$N_CPU" "ratio=$cpu_ratio" \
	"baseline_name=\"nat-portd's CPU, same calls and window\""
figure calls_host_softirq_pct "$K_SIRQ" "% host softirq, Kamailio+rtpengine" \
	"baseline=$N_SIRQ" "ratio=$(fdiv "$K_SIRQ" "$N_SIRQ" 2)" \
	"baseline_name=\"nat-portd's run, same window (host-wide)\""
echo "  router CPU over the media window: Kamailio+rtpengine $K_CPU ms/s," \
	"nat-portd $N_CPU ms/s ($([ "$cpu_ratio" = null ] && echo "nat-portd under one tick" || echo "$cpu_ratio x"));" \
	"host softirq $K_SIRQ % vs $N_SIRQ %"
ok=met
fcmp "$(awk -v a="$N_LW" -v b="$N_WL" 'BEGIN { print (a > b ? a : b) }')" '<=' \
	"$(awk -v a="$K_LW" -v b="$K_WL" 'BEGIN { print (a > b ? a : b) }')" &&
	fcmp "$N_CPU" '<' "$K_CPU" && [ "$N_UP" -ge "$K_UP" ] || ok=not
verdict calls_natportd_vs_kamailio $ok "nat-portd loses no more, uses less router CPU" \
	"loss nat-portd $N_LW/$N_WL vs Kamailio+rtpengine $K_LW/$K_WL (LAN->WAN/WAN->LAN), CPU $N_CPU vs $K_CPU ms/s, calls up $N_UP vs $K_UP of $CALLS, failed $N_FAILED vs $K_FAILED"
exit 0
