#!/usr/bin/env bash
# bench_tls.sh - call setup through nat-portd with its provider hop over
# UDP, TCP and TLS, in one topology and run, so the ratios isolate the
# transport of that one hop (Debian's sipp has no TLS, so no sipp can be
# the TLS end; Kamailio with tls.so is, as in tests/tls/):
#
#   LAN phone (sipp uac, UDP)  nat-portd          Kamailio           callee (sipp uas)
#   192.0.2.20:5060 ------ 192.0.2.1 | 198.51.100.1 =hop= 198.51.100.20 -UDP- 203.0.113.20
#   hop: udp 5060, tcp 5060 or tls 5061 (the test CA of tests/lib/tlsca.sh,
#   verified, provider.test); one connection carries every call
#
# Each hop runs the same steps: STEP_SECS seconds of calls (INVITE with
# SDP, 200 with SDP, ACK, 100 ms, BYE, 200) at each rate of RATES. Figures
# per hop and step: calls/s achieved, failed calls, nat-portd CPU seconds
# per 1,000 calls; then, at the highest step every hop ran without a
# failed call, the TCP/UDP and TLS/UDP ratios of rate and CPU. Kamailio
# and the sipps are the same in all three, so they cancel in the ratios.
# bench-budget: 120
set -u
cd "$(dirname "$0")/../.."
. tests/tls/lib_tls.sh
. tests/bench/lib_bench.sh
trap 'topo_down; rm -rf "$TMP"' EXIT
need_root
for t in sipp kamailio openssl; do
	command -v $t >/dev/null || { echo "SKIP: missing $t (make deps)"; exit 77; }
done
[ -r $KAM_TLS_MODS/tls.so ] ||
	{ echo "SKIP: missing Kamailio's tls.so (kamailio-tls-modules)"; exit 77; }
[ -x "$PORTD" ] || { echo "SKIP: no $PORTD (make)"; exit 77; }
STEP_SECS=${STEP_SECS:-4}
RATES=${RATES:-"100 200 400 800"}
SF=$TOP/tests/bench/scenarios/uac_ramp.xml
PHONE=192.0.2.20
HOPS="udp tcp tls"

topo_up
in_lan ip addr add $PHONE/24 dev c0
tls_pki

# Kamailio from tests/tls/kamailio-tls.cfg, plus TCP on 5060; without its
# per-request log lines (they would be most of its work) and with shared
# memory for the transactions of a few seconds at 400 calls/s (tm keeps
# each for its wait timer after the final response).
kam_start() {
	local d=$TMP/kam i
	mkdir -p "$d"
	sed "s|@DIR@|$d|g; s|@LISTEN@|$WAN_IP|g; s|^debug=2|debug=1|
		s|^listen=udp:.*|&\nlisten=tcp:$WAN_IP:5060|" \
		"$TLSDIR/kamailio-tls.cfg" >"$d/kamailio.cfg"
	sed "s|@DIR@|$PKI|g" "$TLSDIR/tls.cfg" >"$d/tls.cfg"
	kamailio -c -f "$d/kamailio.cfg" >"$d/check.log" 2>&1 || {
		echo "FATAL: kamailio config refused: $(tail -n 3 "$d/check.log")"
		exit 1
	}
	bg "$NS_WAN" kamailio -DD -E -f "$d/kamailio.cfg" -Y "$d" -m 256 -M 16 \
		>"$d/kam.log" 2>&1
	KAM_PID=$!
	for i in $(seq 80); do
		in_wan ss -ltn | grep -q "$WAN_IP:5061" &&
			in_wan ss -ltn | grep -q "$WAN_IP:5060" && return 0
		kill -0 "$KAM_PID" 2>/dev/null || break
		sleep 0.1
	done
	tail -n 20 "$d/kam.log"
	echo "FATAL: kamailio did not start"
	exit 1
}

# step RATE -> "achieved ok failed"
step() {
	local rate=$1 calls upid
	calls=$((rate * STEP_SECS))
	rm -rf "$TMP/step" && mkdir -p "$TMP/step"
	# the callee registers as 1000 (Kamailio routes the phone's calls to
	# it), then answers on the same address and port
	in_wan timeout 10 sipp -sf "$TLSDIR/scenarios/callee_reg.xml" \
		-i $WAN2_IP -p 5060 -s 1000 -m 1 -nostdin $WAN_IP:5060 \
		>"$TMP/step/reg.out" 2>&1 || { echo "0 0 $calls"; return; }
	# -m twice the calls, and killed when the phone is done: Kamailio
	# keeps retransmitting an earlier step's unanswered requests (the BYEs
	# of calls an overloaded step lost) for 32 s, and sipp counts each as
	# a call of its -m; with -m calls the next step's callee stopped
	# answering after ~560 of 800 calls, on every hop alike
	ip netns exec "$NS_WAN" timeout $((STEP_SECS * 3 + 20)) sipp \
		-sf "$SCN/uas_short.xml" -i "$WAN2_IP" -p 5060 \
		-mi "$WAN2_IP" -mp 7000 -nostdin -m $((calls * 2)) \
		>"$TMP/step/uas.out" 2>&1 &
	upid=$!
	sleep 0.3
	(cd "$TMP/step" && exec ip netns exec "$NS_LAN" \
		timeout $((STEP_SECS * 3 + 15)) sipp -sf "$SF" \
		-key uasport 5060 -i $PHONE -p 5060 -mi $PHONE -mp 6000 \
		-s 1000 -nostdin -m $calls -r "$rate" -l 20000 -d 100 \
		-recv_timeout 4000 -fd 1 -trace_err \
		"$RTR_LAN:5060" >"$TMP/step/uac.out" 2>&1)
	sleep 0.5
	kill $upid 2>/dev/null
	wait $upid 2>/dev/null
	# BENCH_KEEP=DIR: each step's sipp output and errors kept there
	[ -z "${BENCH_KEEP:-}" ] || cp -r "$TMP/step" "$BENCH_KEEP/$(date +%s%N)"
	awk '
		/Successful call/ { o = $NF }
		/Failed call/ { b = $NF }
		/Call Rate/ { split($0, f, "|"); gsub(/[^0-9.]/, "", f[3]); r = f[3] }
		END { printf "%.0f %d %d\n", r, o, b }' "$TMP/step/uac.out"
}

declare -A RATE_OK TK OKN STEPS
# one step of one hop, on a nat-portd of its own: the hops take turns at
# each rate (udp, tcp, tls, then the next rate), so the load the other
# helpers put on this shared machine drifts across all three alike
hop_step() { # hop_step HOP RATE
	local hop=$1 rate=$2 up=() got ok bad c0 c1 cpk extra k
	case $hop in
	udp) up=("upstream-proxy $WAN_IP:5060") ;;
	tcp) up=("upstream-proxy $WAN_IP:5060;transport=tcp") ;;
	tls) up=("upstream-proxy $WAN_IP:5061;transport=tls"
		"tls-ca-file $PKI/ca.pem" "tls-server-name provider.test") ;;
	esac
	rtr_ct_flush
	# every hop with the same listeners (TCP and TLS idle on the LAN)
	portd_start "sip-tcp yes" "sip-tls yes" "tls-cert $PKI/server.pem" \
		"tls-key $PKI/server.key" "${up[@]}" \
		"media-port-range 20000-39999" "quarantine 1s" \
		"max-mappings-per-client 65536" \
		"max-calls 100000" "${BENCH_NO_LIMITS[@]}"
	c0=$(cpu_ticks "$PORTD_PID")
	read -r got ok bad <<<"$(step "$rate")"
	c1=$(cpu_ticks "$PORTD_PID")
	cpk=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v n="$ok" 'BEGIN { printf "%.3f", n ? c / hz / n * 1000 : 0 }')
	portd_stats
	# anything the stream transport did besides its one connection
	extra=
	for k in tcp_accepted tcp_failed tcp_refused tcp_idle_closed \
		tcp_framing_errors tcp_output_full; do
		[ "$(st $k)" = 0 ] || [ -z "$(st $k)" ] || extra="$extra $k=$(st $k)"
	done
	printf '  %-3s hop, offered %4d calls/s: achieved %5s, %5d ok, %3d failed, %s CPU s/1000 calls (tcp_connected=%s tls_handshakes=%s tls_hs_failed=%s%s)\n' \
		"$hop" "$rate" "$got" "$ok" "$bad" "$cpk" "$(st tcp_connected)" \
		"$(st tls_handshakes)" "$(st tls_hs_failed)" "$extra"
	STEPS[$hop]="${STEPS[$hop]:-}${STEPS[$hop]:+,}[$rate,$got,$ok,$bad,$cpk]"
	if [ "$bad" = 0 ] && [ "$ok" -gt 0 ]; then
		RATE_OK[$hop:$rate]=$got
		TK[$hop:$rate]=$((c1 - c0))
		OKN[$hop:$rate]=$ok
	else
		FAILED_SEEN="$FAILED_SEEN $hop@$rate:$bad"
		[ -z "${BENCH_KEEP:-}" ] || cp "$PORTD_LOG" "$TMP/kam/kam.log" \
			"$BENCH_KEEP/" 2>/dev/null
	fi
	if [ "$hop" = tls ] && [ "$(st tls_handshakes)" != 1 ]; then
		FAULTS="$FAULTS tls@$rate:handshakes=$(st tls_handshakes)"
	fi
	[ "$(st tls_hs_failed)" = 0 ] ||
		FAULTS="$FAULTS $hop@$rate:tls_hs_failed=$(st tls_hs_failed)"
	portd_stop || { echo "nat-portd did not exit cleanly"; FAULTS="$FAULTS $hop@$rate:exit"; }
}

echo "tls: ${STEP_SECS}s steps at $RATES calls/s; UDP phone, nat-portd->Kamailio over $HOPS in turn"
bench_no_limits
kam_start
FAILED_SEEN="" FAULTS=""
for rate in $RATES; do
	[ "$(bench_left)" -gt $((3 * (STEP_SECS * 2 + 6))) ] || break
	for hop in $HOPS; do hop_step $hop $rate; done
done
for hop in $HOPS; do
	figure "sip_hop_${hop}_steps" "$(echo "${STEPS[$hop]:-}" | grep -o '\[' | wc -l)" "steps" "steps=[${STEPS[$hop]:-}]"
done
# the highest rate every hop ran without a failed call gives the calls/s
# ratios; CPU per call sums every such rate (more calls, less noise)
best="" clean=""
for rate in $RATES; do
	all=1
	for hop in $HOPS; do [ -n "${RATE_OK[$hop:$rate]:-}" ] || all=; done
	[ -z "$all" ] || { best=$rate; clean="$clean $rate"; }
done
[ -z "$FAILED_SEEN$FAULTS" ] || echo "tls: failed calls seen:${FAILED_SEEN:- none}; faults:${FAULTS:- none}"
if [ -z "$best" ]; then
	not_measured sip_tls_cpu_cost "no step without a failed call on all of $HOPS (failed:$FAILED_SEEN; faults:${FAULTS:- none})"
	exit 0
fi
declare -A CPU RR CR
for hop in $HOPS; do
	t=0 n=0
	for rate in $clean; do
		t=$((t + ${TK[$hop:$rate]})) n=$((n + ${OKN[$hop:$rate]}))
	done
	CPU[$hop]=$(awk -v c=$t -v hz="$HZ" -v n=$n 'BEGIN { printf "%.3f", c / hz / n * 1000 }')
done
for hop in tcp tls; do
	rr=$(fdiv "${RATE_OK[$hop:$best]}" "${RATE_OK[udp:$best]}")
	cr=$(fdiv "${CPU[$hop]}" "${CPU[udp]}")
	RR[$hop]=$rr CR[$hop]=$cr
	figure "sip_hop_${hop}_calls_per_s" "${RATE_OK[$hop:$best]}" "calls/s" \
		"offered=$best" "udp=${RATE_OK[udp:$best]}" "ratio=$rr"
	figure "sip_hop_${hop}_cpu_s_per_1000_calls" "${CPU[$hop]}" "s" \
		"offered=\"$(echo $clean)\"" "udp=${CPU[udp]}" "ratio=$cr"
done
echo "at $best calls/s offered: calls/s UDP ${RATE_OK[udp:$best]}, TCP ${RATE_OK[tcp:$best]}" \
	"(${RR[tcp]}x), TLS ${RATE_OK[tls:$best]} (${RR[tls]}x)"
echo "over the steps at$clean calls/s: nat-portd CPU s/1000 calls" \
	"UDP ${CPU[udp]}, TCP ${CPU[tcp]} (${CR[tcp]}x), TLS ${CPU[tls]} (${CR[tls]}x)"
# TLS records cost an AES-GCM pass and a MAC per message each way on one
# long-lived connection (the handshake is once): it should stay within
# what TCP is allowed against UDP in bench_tcp.sh, twice.
# A failed call at or below that step, or a fault, is not the machine's
# capacity running out: the verdict is then not met whatever the CPU.
low=
for f in $FAILED_SEEN; do
	r=${f#*@}
	[ "${r%%:*}" -gt "$best" ] || low="$low $f"
done
ok=met
fcmp "${CR[tls]}" '<=' 2 || ok=not
[ -z "$low$FAULTS" ] || ok=not
verdict sip_tls_cpu_cost $ok "TLS hop <= 2x UDP hop CPU per call, 0 failed" \
	"${CR[tls]}x (TCP ${CR[tcp]}x) over$clean calls/s (${CPU[tls]} vs ${CPU[udp]} s/1000); calls/s at $best: TLS ${RR[tls]}x, TCP ${RR[tcp]}x${FAILED_SEEN:+; failed calls seen:$FAILED_SEEN}${FAULTS:+; faults:$FAULTS}"
