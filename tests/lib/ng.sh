# shellcheck shell=bash
# ng.sh - nat-portd's ng listener driven from the tests: bencoded requests
# built in bash and sent with tests/tools/np-ngc from the router (where
# Kamailio would run). Source it after sip.sh.
#
# NG_ADDR                       the listener (127.0.0.1:2223)
# benc_str S                    S as a bencode string (byte length)
# ng_req COOKIE K V [K V]...    "COOKIE d...e"; V of the form "l:a,b" is a
#                               list of strings, "i:N" an integer; keys
#                               must come sorted
# ng_send FILE [np-ngc args]    the reply to FILE's bytes, in $REPLY
# ng_key FILE KEY               one key of the reply, in $REPLY

NG_ADDR=${NG_ADDR:-127.0.0.1:2223}
NGC=$BIN/tests/np-ngc

benc_str() { LC_ALL=C; printf '%d:%s' "${#1}" "$1"; }
ng_req() {
	local cookie=$1 k v item
	shift
	printf '%s d' "$cookie"
	while [ $# -ge 2 ]; do
		k=$1 v=$2
		shift 2
		benc_str "$k"
		case $v in
		l:*)
			printf l
			local IFS=,
			for item in ${v#l:}; do benc_str "$item"; done
			printf e
			;;
		i:*) printf 'i%de' "${v#i:}" ;;
		*) benc_str "$v" ;;
		esac
	done
	printf e
}
ng_send() {
	local f=$1
	shift
	REPLY=$(in_rtr "$NGC" -s "$NG_ADDR" "$@" "$f" 2>&1) || true
}
ng_key() {
	REPLY=$(in_rtr "$NGC" -s "$NG_ADDR" -k "$2" "$1" 2>&1) || true
}

# need_kamailio                 skip without Kamailio and its rtpengine.so
# ng_portd_start [lines]        nat-portd with the ng listener, its own SIP
#                               on 5099 (Kamailio has 5060)
# kam_start FLAGS [-A ...]      Kamailio (tests/ng/kamailio.cfg) in the
#                               router on both sides' 5060 ($KAM_PID)
# ng_stats; ngst KEY            SIGUSR1; a value of the "stats-ng" line
need_kamailio() {
	command -v kamailio >/dev/null || skip "kamailio not installed (make deps)"
	ls /usr/lib/x86_64-linux-gnu/kamailio/modules/rtpengine.so \
		/usr/lib/*/kamailio/modules/rtpengine.so >/dev/null 2>&1 ||
		skip "kamailio's rtpengine module missing"
	[ -x "$NGC" ] || skip "no $NGC (make)"
}
ng_portd_start() { portd_start "sip-port 5099" "ng-listen $NG_ADDR" "$@"; }
kam_start() {
	local flags=$1 i
	shift
	mkdir -p "$TMP/kam"
	: >"$TMP/kamailio.log"
	bg "$NS_RTR" kamailio -DD -E -f "$TOP/tests/ng/kamailio.cfg" \
		-Y "$TMP/kam" -A "NG_FLAGS=\"$flags\"" \
		-A "SIP_LISTEN=udp:$RTR_LAN:5060" \
		-A "SIP_LISTEN2=udp:$RTR_WAN:5060" \
		-A "NG_SOCK=\"udp:$NG_ADDR\"" \
		-A "PROVIDER=\"sip:$WAN_IP:5060\"" \
		-A "PROVIDER_IP=\"$WAN_IP\"" \
		-A "PHONE=\"sip:$LAN_IP:5060\"" "$@" >>"$TMP/kamailio.log" 2>&1
	KAM_PID=$!
	defer kam_show_log
	for i in $(seq 50); do
		in_rtr ss -lun 2>/dev/null | grep -q "$RTR_WAN:5060" && break
		kill -0 "$KAM_PID" 2>/dev/null || break
		sleep 0.1
	done
	sleep 0.5 # its children's rtpengine ping
	kill -0 "$KAM_PID" 2>/dev/null || die "kamailio did not start: $(tail -n 5 "$TMP/kamailio.log")"
}
kam_stop() {
	[ -n "${KAM_PID:-}" ] || return 0
	kill "$KAM_PID" 2>/dev/null || true
	wait "$KAM_PID" 2>/dev/null || true
	KAM_PID=
}
kam_show_log() {
	if [ "$CLEANUP_RC" != 0 ] && [ -s "$TMP/kamailio.log" ]; then
		echo "--- kamailio log (last 20 lines)"
		grep -v '^ *$' "$TMP/kamailio.log" | tail -n 20
	fi
}
ng_stats() {
	local n i
	n=$(grep -c '^stats-ng ' "$PORTD_LOG" || true)
	portd_stats
	for i in $(seq 50); do
		[ "$(grep -c '^stats-ng ' "$PORTD_LOG" || true)" -gt "$n" ] && break
		sleep 0.05
	done
	NGSTATS=$(grep '^stats-ng ' "$PORTD_LOG" | tail -n 1)
}
ngst() { echo "$NGSTATS" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
ng_calls_are() { ng_stats; [ "$(ngst calls)" = "$1" ]; }
