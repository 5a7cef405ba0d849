# shellcheck shell=bash
# lib_bench.sh - what every benchmark part shares: its time budget, its
# figures and verdicts as JSON lines, and the peers (Kamailio, rtpengine)
# run inside the test router's namespace. Source it after
# tests/netns/lib.sh (or tests/sip/lib_sip.sh).
#
# The contract between tests/bench/run.sh and a part (tests/bench/bench_*.sh):
#   BENCH_BUDGET   seconds the part may take; it adapts (fewer steps or
#                  rounds) to stay inside, run.sh kills it a little later
#   BENCH_JSON     file the part appends its JSON lines to
#   exit 0         the part ran (whatever its figures)
#   exit 77        the part could not run; its last line says why
# A "# bench-budget: N" comment in the part says how long it would like.
#
# figure NAME VALUE UNIT [key=json ...]     one figure
# verdict NAME met|not TARGET FIGURE_TEXT   one verdict line (stdout+JSON)
# not_measured NAME REASON                  a figure that could not be had

BENCH_T0=$(date +%s)
: "${BENCH_BUDGET:=300}"
: "${BENCH_JSON:=/dev/null}"

# Seconds left of this part's budget.
bench_left() { echo $((BENCH_BUDGET - ($(date +%s) - BENCH_T0))); }

json_str() { jq -Rn --arg s "$1" '$s'; }

figure() { # figure NAME VALUE UNIT [key=json ...]
	local name=$1 value=$2 unit=$3 kv extra=""
	shift 3
	for kv in "$@"; do
		extra="$extra,$(json_str "${kv%%=*}"):${kv#*=}"
	done
	echo "{\"name\":$(json_str "$name"),\"value\":$value,\"unit\":$(json_str "$unit")$extra}" >>"$BENCH_JSON"
}

verdict() { # verdict NAME met|not TARGET FIGURE_TEXT
	local v=met
	[ "$2" = met ] || v="NOT met"
	printf 'VERDICT %-30s %-8s target %s: %s\n' "$1" "$v" "$3" "$4"
	echo "{\"verdict\":$(json_str "$1"),\"result\":$(json_str "$v"),\"target\":$(json_str "$3"),\"figure\":$(json_str "$4")}" >>"$BENCH_JSON"
}

not_measured() { # not_measured NAME REASON
	printf 'VERDICT %-30s %-8s %s\n' "$1" "n/a" "not measured: $2"
	echo "{\"verdict\":$(json_str "$1"),\"result\":\"not measured\",\"figure\":$(json_str "$2")}" >>"$BENCH_JSON"
}

# a op b for decimals: fcmp 1.5 '<' 2
fcmp() { awk -v a="$1" -v b="$3" "BEGIN { exit !(a $2 b) }"; }
fdiv() { awk -v a="$1" -v b="$2" -v p="${3:-3}" 'BEGIN { if (b == 0) print 0; else printf "%.*f\n", p, a / b }'; }
# median: tests/lib/common.sh's (sourced through lib_sip.sh or lib.sh)

# CPU time of processes, in clock ticks (utime + stime of each pid given).
cpu_ticks() {
	local p t=0 c
	for p in "$@"; do
		c=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null) || c=0
		t=$((t + ${c:-0}))
	done
	echo $t
}
HZ=$(getconf CLK_TCK)

# ---------------------------------------------------------------------
# Peers. A peer that is not installed is "not measured" with the reason.
peer_versions() { # -> "kamailio 5.6.3, rtpengine 10.5..." or the reason
	local k r
	k=$(dpkg-query -W -f='${Version}' kamailio 2>/dev/null) || k=
	r=$(dpkg-query -W -f='${Version}' rtpengine-daemon 2>/dev/null) || r=
	KAMAILIO_VERSION=$k RTPENGINE_VERSION=$r
}
peer_missing() { # -> reason, or nothing when both peers can run
	[ -n "$KAMAILIO_VERSION" ] && command -v kamailio >/dev/null ||
		{ echo "Debian package kamailio is not installed (make bench installs it)"; return; }
	[ -n "$RTPENGINE_VERSION" ] && command -v rtpengine >/dev/null ||
		{ echo "Debian package rtpengine-daemon is not installed (make bench installs it)"; return; }
}

# Each system starts on an empty conntrack table in the router. An entry
# the system measured before left for the router's WAN address and SIP
# port (sipp direct, masqueraded, or an earlier proxy) makes the
# masquerade rule move the next proxy's own source port (198.51.100.1:5060
# left as :10743): nat-portd's first step stalled 3.5 s and failed 75
# calls, and when the moved entry timed out (5 s in the test router) the
# provider's answers to every held call's BYE met a closed port.
rtr_ct_flush() { ip netns exec "$NS_RTR" conntrack -F >/dev/null 2>&1 || true; }

# A benchmark sends thousands of calls from one phone: nat-portd's
# per-source limits (where this nat-portd has them: the keys below, 0 = no
# limit) must not be what it measures. -> BENCH_NO_LIMITS, config lines
# for portd_start. Needs tests/lib/sip.sh.
bench_no_limits() {
	local k
	BENCH_NO_LIMITS=()
	for k in lan-source-rate lan-source-calls wan-source-rate wan-source-calls; do
		portd_conf "$k 0"
		"$PORTD" -n -c "$TMP/nat-portd.conf" >/dev/null 2>&1 &&
			BENCH_NO_LIMITS+=("$k 0")
	done
}

peer_versions
RTPE_PID= KAM_PIDS=()
# rtpengine in the router namespace, userspace only (table -1: this
# kernel cannot load its module), one interface: the router's WAN
# address, which the LAN reaches too (it is the router's own). Not the
# Debian service: its unit runs in the host namespace with iptables setup.
# --timeout: the media part sets its call up before the plain and natport
# ramps, which can outlast rtpengine's default 60 s without media; the
# call was then gone and every packet "lost" (100 % at 5,000 pps).
rtpe_start() {
	: >"$TMP/rtpe.log"
	ip netns exec "$NS_RTR" rtpengine --config-file=none --foreground \
		--log-stderr --log-level=${RTPE_LOG_LEVEL:-3} --table=-1 \
		--interface="$RTR_WAN" --listen-ng=127.0.0.1:2223 \
		--port-min=30000 --port-max=39999 --timeout=900 \
		--pidfile="$TMP/rtpe.pid" 2>>"$TMP/rtpe.log" &
	RTPE_PID=$!
	PIDS+=("$RTPE_PID")
	local i
	for i in $(seq 50); do
		[ "$(rtpe_ng ping 2>/dev/null)" = pong ] && return 0
		kill -0 "$RTPE_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "rtpengine did not start: $(tail -n 5 "$TMP/rtpe.log")"
	return 1
}
rtpe_stop() {
	[ -n "$RTPE_PID" ] || return 0
	kill "$RTPE_PID" 2>/dev/null
	wait "$RTPE_PID" 2>/dev/null
	RTPE_PID=
}

# One ng request (bencode over UDP, RFC-less but documented by
# rtpengine): rtpe_ng ping | rtpe_ng raw 'd7:command...e' -> the reply's
# dictionary, or "pong" for a ping.
rtpe_ng() {
	local msg
	case $1 in
	ping) msg=d7:command4:pinge ;;
	raw) msg=$2 ;;
	esac
	ip netns exec "$NS_RTR" bash -c '
		exec 3<>/dev/udp/127.0.0.1/2223 || exit 1
		# one write, one datagram: printf may write in pieces
		printf "np%s %s" "$$" "$1" |
			dd bs=65536 count=1 iflag=fullblock status=none >&3
		timeout 2 dd bs=65536 count=1 status=none <&3' _ "$msg" |
		sed 's/^np[0-9]* //; s/^d6:result4:ponge$/pong/'
}
# NG_MSG: a bencoded dictionary built key by key (no command
# substitution: it would strip the SDP's final newline).
ng_begin() { NG_MSG=d; }
ng_add() { NG_MSG+="${#1}:$1${#2}:$2"; } # ng_add KEY VALUE (ASCII)
ng_end() { NG_MSG+=e; }
# rtpe_sdp_port REPLY -> the audio port rtpengine put in the SDP
rtpe_sdp_port() { echo "$1" | tr '\r' '\n' | sed -n 's/.*m=audio \([0-9]*\).*/\1/p' | head -n 1; }

# Kamailio as a record-routing stateful proxy on the router's two
# addresses, with rtpengine rewriting every SDP (offer on the INVITE,
# answer on its 200, delete on BYE).
kam_start() {
	local mp
	rtr_ct_flush
	mp=$(dirname "$(dpkg -L kamailio | grep '/modules/tm.so$' | head -n 1)")
	cat >"$TMP/kamailio.cfg" <<CFG
#!KAMAILIO
debug=${KAM_DEBUG:--1}
log_stderror=yes
children=${KAM_CHILDREN:-4}
listen=udp:$RTR_LAN:5060
listen=udp:$RTR_WAN:5060
mpath="$mp/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "pv.so"
loadmodule "ctl.so"
loadmodule "rtpengine.so"
modparam("ctl", "binrpc", "unix:$TMP/kamailio_ctl")
modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:2223")
request_route {
	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483", "Too Many Hops");
		exit;
	}
	if (has_totag()) {
		if (loose_route()) {
			if (is_method("BYE"))
				rtpengine_delete();
			t_relay();
			exit;
		}
		if (is_method("ACK") && t_check_trans())
			t_relay();
		exit;
	}
	if (is_method("CANCEL")) {
		if (t_check_trans())
			t_relay();
		exit;
	}
	if (is_method("INVITE")) {
		record_route();
		if (has_body("application/sdp"))
			rtpengine_offer("replace-origin replace-session-connection");
		t_on_reply("ANSWER");
	}
	t_relay();
}
onreply_route[ANSWER] {
	if (has_body("application/sdp"))
		rtpengine_answer("replace-origin replace-session-connection");
}
CFG
	kamailio -c -f "$TMP/kamailio.cfg" >"$TMP/kam.check" 2>&1 ||
		{ echo "kamailio refused its config: $(tail -n 3 "$TMP/kam.check")"; return 1; }
	: >"$TMP/kam.log"
	ip netns exec "$NS_RTR" kamailio -f "$TMP/kamailio.cfg" -DD -E \
		-m 256 -M 32 -P "$TMP/kam.pid" -u root -g root \
		-Y "$TMP" >>"$TMP/kam.log" 2>&1 &
	KAM_MAIN=$!
	PIDS+=("$KAM_MAIN")
	local i
	for i in $(seq 50); do
		sleep 0.1
		kill -0 "$KAM_MAIN" 2>/dev/null || break
		KAM_PIDS=($(pgrep -P "$KAM_MAIN") "$KAM_MAIN")
		[ ${#KAM_PIDS[@]} -gt 2 ] && { sleep 0.5; KAM_PIDS=($(pgrep -P "$KAM_MAIN") "$KAM_MAIN"); return 0; }
	done
	echo "kamailio did not start: $(tail -n 5 "$TMP/kam.log")"
	return 1
}
kam_stop() {
	[ -n "${KAM_MAIN:-}" ] || return 0
	kill "$KAM_MAIN" 2>/dev/null
	wait "$KAM_MAIN" 2>/dev/null
	KAM_MAIN= KAM_PIDS=()
}
