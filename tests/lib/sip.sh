# shellcheck shell=bash
# sip.sh - nat-portd and sipp in the namespace topology of topo.sh, for
# the SIP, control and guest tests. Source it, `trap cleanup EXIT`, then
# sip_up.
#
#   LAN phone (sipp)       router: nat-portd           provider (sipp)
#   192.0.2.10:5060 ------ 192.0.2.1 | 198.51.100.1 ---- 198.51.100.20:5060
#   audio 6000, video 6004 media ports 20000-20099       audio 7000, video 7006
#
# sip_up [media]               need_sip, topo_up, (media_count_up)
# portd_conf [config lines]    write $TMP/nat-portd.conf, defaults added
# portd_start [config lines]   start nat-portd -f in the router
# portd_stats                  SIGUSR1, then $STATS holds the key=value line
# st KEY                       a value from $STATS
# media_count_up               nft counters at both ends for media ports
# rx NS NAME                   packets counted by counter NAME in NS
# uas/uac/uac_bg               sipp as provider / phone (a scenario
#                              name in scenarios/, or an absolute path)
# phone_bg SCENARIO            sipp as a registering LAN phone ($PHONE_PID)
# remote_entries PORT [ADDR]   natport entries toward the remote ADDR:PORT
# ext_of PORT [ADDR]           the external port of that entry
# sip_final_checks [quiet_ms]  the closing checks of every SIP test
# register_once EXPIRES CODE   alice registers once, the provider answers CODE

# shellcheck source=topo.sh
. "$(dirname "${BASH_SOURCE[0]}")/topo.sh"
SCN=$TOP/tests/sip/scenarios
PORTD=$BIN/nat-portd
PORTD_PID=
PORTD_LOG=$TMP/portd.log
PCAP=/usr/share/sip-tester/g711a.pcap
STATS=

need_sip() {
	need_root
	command -v sipp >/dev/null || skip "missing sipp (make deps)"
	[ -x "$PORTD" ] || skip "no $PORTD (make)"
	[ -r "$PCAP" ] || skip "missing $PCAP (sip-tester)"
}
sip_up() { # sip_up [media]: the topology, with media counters if asked
	need_sip
	topo_up
	[ "${1:-}" != media ] || media_count_up
}
# the EXIT trap's older name
sip_cleanup() { cleanup; }

portd_conf() { # portd_conf [extra lines...] -> $TMP/nat-portd.conf
	local d l
	{
		for l in "$@"; do echo "$l"; done
		# defaults for the keys the caller did not give
		for d in "lan-address $RTR_LAN" "lan-prefix 192.0.2.0/24" \
			"wan-address $RTR_WAN" "media-port-range 20000-20099" \
			"quarantine 200ms" "log-level info" \
			"control-socket $TMP/ctl.sock" \
			"state-file $TMP/state" "release-on-stop yes"; do
			for l in "$@"; do
				[ "${l%% *}" = "${d%% *}" ] && continue 2
			done
			echo "$d"
		done
	} >"$TMP/nat-portd.conf"
}

portd_start() { # portd_start [extra config lines...]
	local i
	defer portd_show_log
	portd_conf "$@"
	"$PORTD" -n -c "$TMP/nat-portd.conf" >/dev/null ||
		die "config refused: $("$PORTD" -n -c "$TMP/nat-portd.conf" 2>&1)"
	: >"$PORTD_LOG"
	bg "$NS_RTR" "$PORTD" -f -c "$TMP/nat-portd.conf" 2>>"$PORTD_LOG"
	PORTD_PID=$!
	for i in $(seq 50); do
		grep -q ready "$PORTD_LOG" && return 0
		kill -0 "$PORTD_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$PORTD_LOG"
	die "nat-portd did not start"
}

portd_alive() { kill -0 "$PORTD_PID" 2>/dev/null; }

portd_stats() {
	local n i
	n=$(grep -c '^stats ' "$PORTD_LOG" || true)
	kill -USR1 "$PORTD_PID"
	for i in $(seq 50); do
		[ "$(grep -c '^stats ' "$PORTD_LOG" || true)" -gt "$n" ] && break
		sleep 0.05
	done
	STATS=$(grep '^stats ' "$PORTD_LOG" | tail -n 1)
}
st() { echo "$STATS" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# CPU time (utime + stime, clock ticks) and RSS (kB) of nat-portd.
# nat-portd's CPU time in ms, exact (schedstat's first field is the run
# time in ns; utime+stime in /proc/PID/stat are 10 ms ticks, too coarse
# for a 2 s window: a tick boundary alone turned 3 ms into "2 ticks").
portd_cpu() { awk '{ printf "%d\n", $1 / 1000000 }' "/proc/$PORTD_PID/schedstat"; }
# How often nat-portd blocked in epoll_wait and woke (voluntary context
# switches): a daemon relaying media wakes at least once per packet batch,
# in practice once per packet; natport's own timers wake it 18-23 times in
# a 2 s window, whatever the load. That count, against the packets the
# kernel carried meanwhile, is the load-independent proof of "no per-packet
# work". CPU time is only a sanity bound: each refresh tick dumps conntrack
# and the kernel walks all buckets of its one shared hash (262,144 here),
# 13-14 ms per 2 s when quiet, 150 ms seen with the load average at 3,
# 177 ms under ASan. The bound, half a core, catches a spinning daemon.
portd_wakeups() { awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$PORTD_PID/status"; }
PORTD_IDLE_CPU_MS=1000
portd_rss() { awk '/^VmRSS/ { print $2 }' "/proc/$PORTD_PID/status"; }

# SIGTERM: the daemon must exit 0 and leave nothing in the kernel. The
# test configs say release-on-stop yes (portd_conf), so "nothing left after
# nat-portd stops" keeps its meaning now that a plain stop keeps the calls
# (issue 14); tests/restart/ give release-on-stop no on purpose.
portd_stop() {
	local rc=0
	[ -n "$PORTD_PID" ] || return 0
	kill -TERM "$PORTD_PID" 2>/dev/null || true
	wait "$PORTD_PID" || rc=$?
	PORTD_PID=
	return $rc
}

# Counters in the end hosts: what reached each phone's media ports, and
# only from the far end's address (the router's WAN address for the
# provider, the provider for the phone).
media_count_up() {
	in_lan nft -f - <<NFT
table inet npt {
	counter audio { }
	counter video { }
	counter rtcp { }
	counter moved { }
	chain in {
		type filter hook input priority 0;
		ip saddr $WAN2_IP udp sport 7004 udp dport 6000 counter name moved
		ip saddr { $WAN_IP, $WAN2_IP } udp dport 6000 counter name audio
		ip saddr { $WAN_IP, $WAN2_IP } udp dport 6004 counter name video
		ip saddr { $WAN_IP, $WAN2_IP } udp dport { 6001, 6005 } counter name rtcp
	}
}
NFT
	in_wan nft -f - <<NFT
table inet npt {
	counter audio { }
	counter video { }
	counter rtcp { }
	chain in {
		type filter hook input priority 0;
		ip saddr $RTR_WAN udp sport 20000-20099 udp dport 7000 counter name audio
		ip saddr $RTR_WAN udp sport 20000-20099 udp dport 7006 counter name video
		ip saddr $RTR_WAN udp sport 20000-20099 udp dport { 7001, 7007 } counter name rtcp
	}
}
NFT
}
rx() { # rx NS COUNTER -> packets
	ip netns exec "$1" nft list counter inet npt "$2" |
		awk '/packets/ { for (i = 1; i <= NF; i++) if ($i == "packets") print $(i + 1) }'
}

# The natport entries' packet counters in the router: "in out" summed.
np_pkts() {
	np_entries_raw | awk '{ n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^packets=/) {
		split($i, a, "="); if (n++ == 0) o += a[2]; else r += a[2] } }
		END { print o + 0, r + 0 }'
}

scenario() { # scenario NAME|PATH -> the scenario file
	case $1 in
	/*) echo "$1" ;;
	*) echo "$SCN/$1" ;;
	esac
}
# sipp as the provider in the WAN namespace (background; $UAS_PID).
uas() { # uas SCENARIO [sipp args...]
	local sf
	sf=$(scenario "$1")
	shift
	bg "$NS_WAN" sipp -sf "$sf" -i "$WAN_IP" -p 5060 -mi "$WAN_IP" \
		-mp 7000 -nostdin -trace_err -error_file "$TMP/uas.err" \
		-trace_msg -message_file "$TMP/uas.msg" "$@" >"$TMP/uas.out" 2>&1
	UAS_PID=$!
	sleep 0.3
}
# sipp as the LAN phone, toward the router: uac in the foreground, uac_bg
# in the background ($UAC_PID).
uac_opts() {
	UAC_OPTS=(-i "$LAN_IP" -p 5060 -mi "$LAN_IP" -mp 6000 -s 1000 -nostdin
		-trace_err -error_file "$TMP/uac.err" -trace_msg
		-message_file "$TMP/uac.msg")
}
uac() { # uac SCENARIO [sipp args...]
	local sf
	sf=$(scenario "$1")
	shift
	uac_opts
	in_lan timeout 120 sipp -sf "$sf" "${UAC_OPTS[@]}" "$@" \
		"$RTR_LAN:5060" >"$TMP/uac.out" 2>&1
}
uac_bg() { # uac_bg SCENARIO [sipp args...]
	local sf
	sf=$(scenario "$1")
	shift
	uac_opts
	bg "$NS_LAN" timeout 120 sipp -sf "$sf" "${UAC_OPTS[@]}" "$@" \
		"$RTR_LAN:5060" >"$TMP/uac.out" 2>&1
	UAC_PID=$!
}
# sipp as a LAN phone that registers and answers (background; $PHONE_PID)
phone_bg() { # phone_bg SCENARIO
	bg "$NS_LAN" timeout 60 sipp -sf "$(scenario "$1")" -i "$LAN_IP" \
		-p 5060 -mi "$LAN_IP" -mp 6000 -m 1 -nostdin -trace_msg \
		-message_file "$TMP/phone.msg" "$RTR_LAN:5060" >"$TMP/phone.out" 2>&1
	PHONE_PID=$!
}

# The natport entries whose remote (the provider's media) is ADDR:PORT.
remote_entries() { # remote_entries PORT [ADDR]
	np_entries_raw | grep "src=${2:-$WAN_IP} dst=$RTR_WAN sport=$1 " || true
}
ext_of() { # ext_of PORT [ADDR] -> the external port its entry uses
	remote_entries "$@" | sed -n "s/.*sport=$1 dport=\([0-9]*\) .*/\1/p" |
		head -n 1
}

# Wait until the natport entries in the router number N (up to 5 s).
wait_entries() { wait_until 50 np_entries_are "$1"; }

# The closing checks every SIP test makes while the router still exists.
sip_final_checks() {
	local quiet_ms=${1:-500}
	sleep "$(awk "BEGIN { print $quiet_ms / 1000 }")"
	check "nat-portd still running" portd_alive
	portd_stats
	check "no call left in nat-portd (calls=$(st calls))" [ "$(st calls)" = 0 ]
	check "no mapping left (mappings=$(st mappings))" [ "$(st mappings)" = 0 ]
	check "no port held (ports_held=$(st ports_held))" [ "$(st ports_held)" = 0 ]
	check "no natport conntrack entry left" [ "$(np_entries)" = 0 ]
	check "nat-portd exits cleanly on SIGTERM" portd_stop
	check "no natport nft table left" \
		sh -c "! ip netns exec $NS_RTR nft list table inet natport >/dev/null 2>&1"
	check "no natport conntrack entry after exit" [ "$(np_entries)" = 0 ]
}

# Run at clean-up once nat-portd was started: its log, if the test failed.
portd_show_log() {
	if [ "$CLEANUP_RC" != 0 ] && [ -s "$PORTD_LOG" ]; then
		echo "--- nat-portd log (last 30 lines)"
		tail -n 30 "$PORTD_LOG"
	fi
}

# Raw SIP from the phone's address (bash /dev/udp, an ephemeral port):
# raw_send FILE prints the status of the first answer, or "none".
raw_send() {
	local out
	out=$(in_lan bash -c 'exec 3<>/dev/udp/'"$RTR_LAN"'/5060 && cat "$1" >&3 &&
		timeout 0.3 dd bs=65536 count=1 status=none <&3' _ "$1" 2>/dev/null |
		head -n 1 | tr -d '\r' || true)
	case $out in
	"SIP/2.0 "[0-9][0-9][0-9]*) echo "$out" | cut -d' ' -f2 ;;
	"") echo none ;;
	*) echo "other:$out" ;;
	esac
}
# raw_invite CALLID SDPFILE > FILE: an INVITE from the phone to the provider
raw_invite() {
	local len
	len=$(wc -c <"$2")
	printf 'INVITE sip:1000@%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:5099;branch=z9hG4bK-%s;rport\r\nFrom: <sip:c@%s>;tag=c1\r\nTo: <sip:1000@%s>\r\nCall-ID: %s@%s\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: %s\r\n\r\n' \
		"$WAN_IP" "$LAN_IP" "$1" "$LAN_IP" "$WAN_IP" "$1" "$LAN_IP" "$len"
	cat "$2"
}
# sdp_offer PORT [video] > FILE: the phone's offer, audio (and video) at PORT
sdp_offer() {
	printf 'v=0\r\no=c 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %s RTP/AVP 0\r\n' \
		"$LAN_IP" "$LAN_IP" "$1"
	[ "${2:-}" = video ] && printf 'm=video %s RTP/AVP 99\r\na=rtpmap:99 H264/90000\r\n' $(($1 + 2))
	return 0
}

# register_once EXPIRES CODE: alice REGISTERs once through the router
# (Expires EXPIRES, 0 to unregister) and the provider answers CODE; true
# when both sipps saw their scenario through. The registrar, restart and
# HA tests all need the same single exchange.
register_once() {
	sed -e "s/@CODE@/$2/g" "$SCN/itsp_reg_answer.xml" >"$TMP/reg_ans.xml"
	sed -e "s/@CODE@/$2/g" -e "s/@EXPIRES@/$1/g" \
		"$SCN/phone_reg_once.xml" >"$TMP/reg_once.xml"
	bg "$NS_WAN" timeout 20 sipp -sf "$TMP/reg_ans.xml" -i "$WAN_IP" \
		-p 5060 -m 1 -nostdin >/dev/null 2>&1
	local pid=$!
	sleep 0.3
	in_lan timeout 20 sipp -sf "$TMP/reg_once.xml" -i "$LAN_IP" -p 5060 \
		-m 1 -nostdin "$RTR_LAN:5060" >/dev/null 2>&1 && wait_pid "$pid"
}
