# shellcheck shell=bash
# lib_tls.sh - SIP over TLS around nat-portd: a test PKI made at test time
# (tests/lib/tlsca.sh) and Kamailio with its TLS module as the provider,
# on top of tests/lib/sip.sh (topology, nat-portd, closing checks).
#
#   LAN phone (sipp, UDP)   router: nat-portd         provider
#   192.0.2.10 ------------ 192.0.2.1 | 198.51.100.1 -- kamailio
#                                                       198.51.100.20
#                                                       tls 5061, udp 5060
#
# need_tls              need_sip, plus kamailio, its tls.so and openssl
# need_openssl          need_sip, plus openssl (no Kamailio)
# tls_pki               $PKI: CA, provider.test / 198.51.100.20 server
#                       certificate, client and rogue certificates
# kam_tls_start [CERT KEY]   Kamailio TLS in the WAN namespace (default:
#                       the server certificate; rogue.* for a bad one)
# kam_tls_log           its log
# tls_probe NS ARGS...  openssl s_client to the provider, stdin closed;
#                       output in $REPLY
# callee_up [SCENARIO]  sipp at 203.0.113.20:5060 registers as 1000 at
#                       Kamailio, then answers (uas.xml; $UAS_PID,
#                       messages in $TMP/uas.msg)
# ossl_bg NAME NS ARGS...   openssl ARGS in NS in the background, $OSSL_PID;
#                       stdin the fifo $TMP/NAME.in, held open (write to
#                       it, it never sees EOF), stdout $TMP/NAME.out,
#                       stderr $TMP/NAME.err
# portd_hup             SIGHUP, then wait until nat-portd handled it
# tls_portd_start [config lines]   nat-portd toward Kamailio over TLS
#                       (upstream-proxy ...:5061;transport=tls, the test
#                       CA, tls-server-name provider.test, TLS listeners)

# shellcheck source=../lib/sip.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/sip.sh"
TLSDIR=$TOP/tests/tls
PKI=$TMP/pki
KAM_TLS_PID=
KAM_TLS_MODS=/usr/lib/x86_64-linux-gnu/kamailio/modules

need_tls() {
	need_sip
	for t in kamailio openssl; do
		command -v $t >/dev/null || skip "missing $t (make deps)"
	done
	[ -r $KAM_TLS_MODS/tls.so ] ||
		skip "missing Kamailio's tls.so (kamailio-tls-modules)"
}

need_openssl() {
	need_sip
	command -v openssl >/dev/null || skip "missing openssl (make deps)"
}

ossl_bg() { # ossl_bg NAME NS openssl-args...
	local name=$1 ns=$2 fd
	shift 2
	mkfifo "$TMP/$name.in"
	exec {fd}<>"$TMP/$name.in"
	defer "exec $fd>&-"
	# its own redirections: bash gives a background job /dev/null
	bg "$ns" sh -c 'd=$1; shift; exec openssl "$@" <"$d.in" >"$d.out" 2>"$d.err"' \
		_ "$TMP/$name" "$@"
	OSSL_PID=$!
}

# every SIGHUP ends with "configuration reloaded" (or a refusal of the
# file, which these tests do not cause)
portd_hup() {
	local n
	n=$(grep -c "configuration reloaded" "$PORTD_LOG" || true)
	kill -HUP "$PORTD_PID"
	wait_until 50 sh -c "[ \$(grep -c 'configuration reloaded' '$PORTD_LOG') -gt $n ]"
}

tls_pki() {
	"$TOP/tests/lib/tlsca.sh" "$PKI" DNS:provider.test IP:$WAN_IP ||
		die "tlsca.sh failed"
}

kam_tls_start() { # kam_tls_start [CERT KEY]
	local d=$TMP/kam-tls cert=${1:-server.pem} key=${2:-server.key} i
	mkdir -p "$d"
	sed "s|@DIR@|$d|g; s|@LISTEN@|$WAN_IP|g" "$TLSDIR/kamailio-tls.cfg" \
		>"$d/kamailio.cfg"
	sed "s|@DIR@/server.key|$PKI/$key|; s|@DIR@/server.pem|$PKI/$cert|;
		s|@DIR@|$PKI|g" "$TLSDIR/tls.cfg" >"$d/tls.cfg"
	kamailio -c -f "$d/kamailio.cfg" >"$d/check.log" 2>&1 ||
		die "kamailio-tls.cfg refused: $(tail -n 5 "$d/check.log")"
	bg "$NS_WAN" kamailio -DD -E -f "$d/kamailio.cfg" -Y "$d" -m 32 -M 4 \
		>"$d/kam.log" 2>&1
	KAM_TLS_PID=$!
	for i in $(seq 80); do
		in_wan ss -ltn | grep -q "$WAN_IP:5061" && return 0
		kill -0 "$KAM_TLS_PID" 2>/dev/null || break
		sleep 0.1
	done
	tail -n 20 "$d/kam.log"
	die "kamailio (TLS) did not start"
}
kam_tls_log() { cat "$TMP/kam-tls/kam.log"; }

tls_probe() { # tls_probe NS s_client-args...: output in $REPLY
	local ns=$1
	shift
	REPLY=$(timeout 10 ip netns exec "$ns" openssl s_client \
		-connect $WAN_IP:5061 "$@" </dev/null 2>&1)
}

callee_up() { # callee_up [SCENARIO [sipp args]]
	local sf
	sf=$(scenario "${1:-uas.xml}")
	shift || true
	in_wan timeout 20 sipp -sf "$TLSDIR/scenarios/callee_reg.xml" \
		-i $WAN2_IP -p 5060 -s 1000 -m 1 -nostdin -trace_err \
		-error_file "$TMP/reg.err" $WAN_IP:5060 >"$TMP/reg.out" 2>&1 ||
		die "the callee could not register: $(tail -n 5 "$TMP/reg.out")"
	bg "$NS_WAN" sipp -sf "$sf" -i $WAN2_IP -p 5060 -mi $WAN2_IP \
		-mp 7000 -nostdin -trace_err -error_file "$TMP/uas.err" \
		-trace_msg -message_file "$TMP/uas.msg" "$@" >"$TMP/uas.out" 2>&1
	UAS_PID=$!
	sleep 0.3
}

tls_portd_start() { # ossl_bg NAME NS ARGS...   openssl ARGS in NS in the background, $OSSL_PID;
#                       stdin the fifo $TMP/NAME.in, held open (write to
#                       it, it never sees EOF), stdout $TMP/NAME.out,
#                       stderr $TMP/NAME.err
# portd_hup             SIGHUP, then wait until nat-portd handled it
# tls_portd_start [config lines]; the caller's win
	local d l lines=("$@")
	for d in "upstream-proxy $WAN_IP:5061;transport=tls" \
		"tls-ca-file $PKI/ca.pem" "tls-server-name provider.test" \
		"sip-tls yes" "tls-cert $PKI/server.pem" \
		"tls-key $PKI/server.key"; do
		for l in "$@"; do
			[ "${l%% *}" = "${d%% *}" ] && continue 2
		done
		lines+=("$d")
	done
	portd_start "${lines[@]}"
	SOCKETS0=$(portd_sockets)
}
tls_conns() { portd_stats; st tls_connections; }
tls_conns_are() { [ "$(tls_conns)" = "$1" ]; }
# established TLS connections in the router's namespace, on port 5061
rtr_tls_estab() {
	in_rtr ss -Htn state established "( sport = :5061 or dport = :5061 )" |
		wc -l
}
kam_tls_stop() {
	[ -n "$KAM_TLS_PID" ] || return 0
	kill -TERM "$KAM_TLS_PID" 2>/dev/null || true
	wait "$KAM_TLS_PID" 2>/dev/null || true
	KAM_TLS_PID=
}
# sockets nat-portd holds (listeners, connections), from its fd table
portd_sockets() { ls -l "/proc/$PORTD_PID/fd" 2>/dev/null | grep -c 'socket:' || true; }
# tls_final_checks [quiet_ms]: the provider goes away (Kamailio keeps its
# connections for minutes), then nat-portd must have closed every one of
# its own, down to the sockets it had when it started ($SOCKETS0)
tls_final_checks() {
	kam_tls_stop
	check "no SIP/TLS connection left in nat-portd once the provider is gone" \
		wait_until 100 tls_conns_are 0
	check "nat-portd holds the sockets it started with ($(portd_sockets) vs ${SOCKETS0:-?})" \
		[ "$(portd_sockets)" = "${SOCKETS0:-x}" ]
	sip_final_checks "${1:-500}"
}
