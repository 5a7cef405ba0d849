# shellcheck shell=bash
# lib_sipload.sh - the SIP load the benchmark parts generate with sipp,
# shared so that every system is measured by the same code: a call setup
# ramp (bench_sip.sh, bench_ng.sh) and held calls with RTP (bench_calls.sh,
# bench_ng.sh). Source it after tests/bench/lib_bench.sh, in a topology
# from topo_up (tests/lib/topo.sh), with $SCN and $TOP set (lib_sip.sh or
# lib/sip.sh).
#
# Ramp (PAIRS phone/provider pairs, phones 192.0.2.20+i, providers on
# $WAN_IP:5061+i; STEP_SECS, RATE0, P99_MAX; SF the phones' scenario):
#   step TARGET RATE          one step of calls -> "achieved ok failed
#                             p50 p99" over all pairs. TARGET $WAN_IP
#                             calls each pair's provider directly.
#   ramp NAME TARGET BUDGET_S PIDS...
#                             x1.5 per step from RATE0 until a step has a
#                             failed call, none ok, or p99 > P99_MAX
#                             (each tried once more, to tell a noisy
#                             neighbour from a ceiling), the generators
#                             fall 10 % short, or the budget is spent ->
#                             BEST BEST_OK BEST_P50 BEST_P99 BEST_CPU (s
#                             per 1000 calls of PIDS) STOP ABANDONED (the
#                             failed calls of every step: the phone gave
#                             up on them, without a BYE) RAMP (JSON
#                             [offered, achieved, ok, failed, p99, cpu]);
#                             a part's ramp_clean_hook, if defined, runs
#                             after each clean step
# Held calls (CALLS at CALL_RATE from PHONE, default 192.0.2.20, to
# $WAN_IP:5061; RTP from bench_rtp $R at PPS for SECS both ways):
#   held_calls PIDS...        -> UP (calls both ends saw set up), TX_L
#                             RX_W (phone -> provider sent, received), TX_W
#                             RX_L, L_LW L_WL (loss fractions), CPU_MS
#                             (PIDS' CPU ms per s of the window), SIRQ
#                             (host softirq %, the same window), DONE
#                             (calls ended with BYE), FAILED

# step TARGET RATE -> "achieved ok failed p50 p99" over all pairs
step() {
	local target=$1 rate=$2 i per calls port pids=() upids=()
	per=$(((rate + PAIRS - 1) / PAIRS))
	calls=$((per * STEP_SECS))
	[ $calls -le 6000 ] || calls=6000 # one media port per call: 10 * n
	rm -rf "$TMP/step" && mkdir -p "$TMP/step"
	for ((i = 0; i < PAIRS; i++)); do
		ip netns exec "$NS_WAN" timeout $((STEP_SECS * 3 + 20)) sipp \
			-sf "$SCN/uas_short.xml" -i "$WAN_IP" -p $((5061 + i)) \
			-mi "$WAN_IP" -mp $((7000 + 10 * i)) -nostdin -m $calls \
			>"$TMP/step/uas$i.out" 2>&1 &
		upids+=($!)
	done
	sleep 0.3
	for ((i = 0; i < PAIRS; i++)); do
		port=5060
		[ "$target" != "$WAN_IP" ] || port=$((5061 + i))
		mkdir -p "$TMP/step/$i"
		(cd "$TMP/step/$i" && exec ip netns exec "$NS_LAN" \
			timeout $((STEP_SECS * 3 + 15)) sipp -sf "$SF" \
			-key uasport $((5061 + i)) -i 192.0.2.$((20 + i)) -p 5060 \
			-mi 192.0.2.$((20 + i)) -mp 6000 -s 1000 -nostdin \
			-m $calls -r $per -l 20000 -d 100 -recv_timeout 4000 \
			-trace_rtt -rtt_freq 1 -trace_stat -fd 1 "$target:$port" \
			>"$TMP/step/uac$i.out" 2>&1) &
		pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i"; done
	sleep 0.5
	for i in "${upids[@]}"; do kill "$i" 2>/dev/null; wait "$i" 2>/dev/null; done
	cat "$TMP"/step/*/*_rtt.csv 2>/dev/null |
		awk -F';' '$2 ~ /^[0-9.]+$/ { print $2 }' | sort -n >"$TMP/step/rtt"
	awk -v rtt="$TMP/step/rtt" '
		/Successful call/ { ok[FILENAME] = $NF }
		/Failed call/ { bad[FILENAME] = $NF }
		/Call Rate/ { split($0, f, "|"); gsub(/[^0-9.]/, "", f[3]); r[FILENAME] = f[3] }
		END {
			for (k in ok) o += ok[k]
			for (k in bad) b += bad[k]
			for (k in r) rate += r[k]
			n = 0
			while ((getline v < rtt) > 0) a[++n] = v
			p50 = n ? a[int((n - 1) * 0.5) + 1] : 0
			p99 = n ? a[int((n - 1) * 0.99) + 1] : 0
			printf "%.0f %d %d %s %s\n", rate, o, b, p50, p99
		}' "$TMP"/step/uac*.out
}

ramp() {
	local name=$1 target=$2 until=$(($(date +%s) + $3)) rate=$RATE0
	shift 3
	local got ok bad p50 p99 c0 c1 cpk retried=0
	BEST=0 BEST_OK=0 BEST_P50=0 BEST_P99=0 BEST_CPU=0 STOP="budget spent" RAMP=
	ABANDONED=0
	while [ $(($(date +%s) + STEP_SECS * 2 + 3)) -le "$until" ]; do
		c0=$(cpu_ticks "$@")
		read -r got ok bad p50 p99 <<<"$(step "$target" $rate)"
		c1=$(cpu_ticks "$@")
		cpk=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v n="$ok" 'BEGIN { printf "%.3f", n ? c / hz / n * 1000 : 0 }')
		printf '  %-12s offered %5d calls/s: achieved %5s, %5d ok, %3d failed, p50 %s ms, p99 %s ms, %s CPU s/1000 calls\n' \
			"$name" $rate "$got" "$ok" "$bad" "$p50" "$p99" "$cpk"
		RAMP="$RAMP${RAMP:+,}[$rate,$got,$ok,$bad,$p99,$cpk]"
		ABANDONED=$((ABANDONED + bad))
		if [ "$bad" != 0 ] || [ "$ok" = 0 ] || fcmp "$p99" '>' "$P99_MAX"; then
			[ $retried = 0 ] && { retried=1; continue; }
			STOP="$bad failed, p99 $p99 ms at $rate calls/s offered, twice"
			break
		fi
		retried=0
		BEST=$got BEST_OK=$ok BEST_P50=$p50 BEST_P99=$p99 BEST_CPU=$cpk
		# what a part counts up to its last clean step (ramp_clean_hook,
		# when it defines one): the overload steps' own errors aside
		! declare -F ramp_clean_hook >/dev/null || ramp_clean_hook
		if fcmp "$got" '<' "$(awk -v r=$rate 'BEGIN { print 0.9 * r }')"; then
			STOP="achieved $got of $rate calls/s offered: saturated"
			break
		fi
		rate=$((rate * 3 / 2))
	done
	RAMP="[$RAMP]"
}

# host CPU ticks from /proc/stat: "softirq total"
softirq_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print $8, t }' /proc/stat; }

held_calls() {
	local phone=${PHONE:-192.0.2.20} setup hold i s0 s1 tt0 tt1 c0 c1 t0 at
	local upid cpid
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
		-i "$phone" -p 5060 -mi "$phone" -s 1000 -nostdin -m "$CALLS" \
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
	awk -v me="$phone" '$5 == "m=audio" { print me ":" $1, $4 ":" $6 }' \
		"$TMP"/calls/uac/*_logs.log >"$TMP/calls/lan.streams" 2>/dev/null
	awk -v me="$WAN_IP" '$5 == "m=audio" { print me ":" $1, $4 ":" $6 }' \
		"$TMP"/calls/uas/*_logs.log >"$TMP/calls/wan.streams" 2>/dev/null
	UP=$(wc -l <"$TMP/calls/lan.streams")
	i=$(wc -l <"$TMP/calls/wan.streams")
	[ "$i" -ge "$UP" ] || UP=$i
	at=$(($(date +%s) + 2))
	in_lan "$R" -t "$SECS" -r "$PPS" -w 1000 -S $at \
		<"$TMP/calls/lan.streams" >"$TMP/calls/lan.rtp" 2>&1 &
	i=$!
	in_wan "$R" -t "$SECS" -r "$PPS" -w 1000 -S $at \
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
	L_LW=$(awk -v s="$TX_L" -v r="$RX_W" 'BEGIN { printf "%.4f", s ? 1 - r / s : 1 }')
	L_WL=$(awk -v s="$TX_W" -v r="$RX_L" 'BEGIN { printf "%.4f", s ? 1 - r / s : 1 }')
}
