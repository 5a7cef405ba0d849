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

# host CPU ticks from /proc/stat: "softirq total"
softirq_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print $8, t }' /proc/stat; }

# run_calls NAME PIDS... -> UP (calls both ends saw set up), TX_L RX_W
# (phone -> provider packets sent, received), TX_W RX_L, CPU_MS (router
# processes' CPU ms per second of the window), SIRQ (host softirq share,
# %), DONE (calls the phone completed with BYE), FAILED
run_calls() {
	local name=$1 setup hold i s0 s1 tt0 tt1 c0 c1 t0 at upid cpid
	shift
	setup=$(((CALLS + CALL_RATE - 1) / CALL_RATE))
	hold=$(((setup * 2 + SECS + 6) * 1000))
	rm -rf "$TMP/calls" && mkdir -p "$TMP/calls/uac" "$TMP/calls/uas"
	(cd "$TMP/calls/uas" && exec ip netns exec "$NS_WAN" \
		timeout $((hold / 1000 + setup + 30)) sipp \
		-sf "$TOP/tests/bench/scenarios/uas_media.xml" -i "$WAN_IP" \
		-p 5061 -mi "$WAN_IP" -nostdin -m "$CALLS" -trace_logs \
		>uas.out 2>&1) &
	upid=$!
	sleep 0.3
	(cd "$TMP/calls/uac" && exec ip netns exec "$NS_LAN" \
		timeout $((hold / 1000 + setup + 25)) sipp \
		-sf "$TOP/tests/bench/scenarios/uac_media.xml" -key uasport 5061 \
		-i $PHONE -p 5060 -mi $PHONE -s 1000 -nostdin -m "$CALLS" \
		-r "$CALL_RATE" -l "$CALLS" -d $hold -recv_timeout 8000 \
		-trace_logs -trace_stat -trace_err -fd 1 "$RTR_LAN:5060" \
		>uac.out 2>&1) &
	cpid=$!
	# up when both ends have logged every call (or the setup deadline)
	t0=$(date +%s)
	while [ $(($(date +%s) - t0)) -lt $((setup * 2 + 4)) ]; do
		UP=$(cat "$TMP"/calls/uac/*_logs.log 2>/dev/null | grep -c 'm=audio' || true)
		i=$(cat "$TMP"/calls/uas/*_logs.log 2>/dev/null | grep -c 'm=audio' || true)
		[ "$UP" -ge "$CALLS" ] && [ "$i" -ge "$CALLS" ] && break
		sleep 0.2
	done
	sleep 0.5
	awk -v me=$PHONE '$5 == "m=audio" { print me ":" $1, $4 ":" $6 }' \
		"$TMP"/calls/uac/*_logs.log >"$TMP/calls/lan.streams" 2>/dev/null
	awk -v me="$WAN_IP" '$5 == "m=audio" { print me ":" $1, $4 ":" $6 }' \
		"$TMP"/calls/uas/*_logs.log >"$TMP/calls/wan.streams" 2>/dev/null
	UP=$(wc -l <"$TMP/calls/lan.streams")
	i=$(wc -l <"$TMP/calls/wan.streams")
	[ "$i" -ge "$UP" ] || UP=$i
	at=$(($(date +%s) + 2))
	in_lan "$R" -t "$SECS" -r $PPS -w 1000 -S $at \
		<"$TMP/calls/lan.streams" >"$TMP/calls/lan.rtp" 2>&1 &
	i=$!
	in_wan "$R" -t "$SECS" -r $PPS -w 1000 -S $at \
		<"$TMP/calls/wan.streams" >"$TMP/calls/wan.rtp" 2>&1 &
	# the window: from the start instant to the end of sending
	sleep $((at - $(date +%s)))
	read -r s0 tt0 <<<"$(softirq_ticks)"
	c0=$(cpu_ticks "$@")
	sleep "$SECS"
	c1=$(cpu_ticks "$@")
	read -r s1 tt1 <<<"$(softirq_ticks)"
	wait $i $!
	CPU_MS=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v s="$SECS" 'BEGIN { printf "%.1f", c / hz * 1000 / s }')
	SIRQ=$(awk -v a=$((s1 - s0)) -v t=$((tt1 - tt0)) 'BEGIN { printf "%.1f", t ? 100 * a / t : 0 }')
	v() { sed -n "s/.*$2=\([0-9]*\).*/\1/p" "$TMP/calls/$1.rtp"; }
	TX_L=$(v lan sent) RX_L=$(v lan received) TX_W=$(v wan sent) RX_W=$(v wan received)
	: "${TX_L:=0}" "${RX_L:=0}" "${TX_W:=0}" "${RX_W:=0}"
	wait $cpid
	sleep 0.5
	kill $upid 2>/dev/null
	wait $upid 2>/dev/null
	DONE=$(awk '/Successful call/ { n = $NF } END { print n + 0 }' "$TMP/calls/uac/uac.out")
	FAILED=$(awk '/Failed call/ { n = $NF } END { print n + 0 }' "$TMP/calls/uac/uac.out")
}
loss() { awk -v s="$1" -v r="$2" 'BEGIN { printf "%.4f", s ? 1 - r / s : 1 }'; }
# report NAME: one line and the figures' shared keys (in FIG_KV)
report() {
	L_LW=$(loss "$TX_L" "$RX_W") L_WL=$(loss "$TX_W" "$RX_L")
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
run_calls nat-portd "$PORTD_PID"
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
run_calls kamailio "${KAM_PIDS[@]}" "$RTPE_PID"
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
