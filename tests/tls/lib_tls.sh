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
# tls_pki               $PKI: CA, provider.test / 198.51.100.20 server
#                       certificate, client and rogue certificates
# kam_tls_start [CERT KEY]   Kamailio TLS in the WAN namespace (default:
#                       the server certificate; rogue.* for a bad one)
# kam_tls_log           its log
# tls_probe NS ARGS...  openssl s_client to the provider, stdin closed;
#                       output in $REPLY

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
