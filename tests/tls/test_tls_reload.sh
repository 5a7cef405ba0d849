#!/usr/bin/env bash
# test_tls_reload.sh - a renewed certificate is taken on SIGHUP (issue 13
# leftover): the router operator replaces tls-cert and tls-key under the
# same paths (Let's Encrypt style) and sends SIGHUP (systemctl reload).
#
#   phone side: openssl s_client   router: nat-portd, sip-tls yes
#   192.0.2.10 ------------------- 192.0.2.1:5061 (TLS listener)
#
# Two test PKIs: certificate A (CN router-a.test) and B (router-b.test),
# each from its own CA, so serial and subject differ.
# 1. nat-portd starts with A (listening on both sides): a handshake
#    presents A. A long-lived
#    connection (s_client kept open) is opened and answers a CRLF ping
#    (RFC 5626 pong) over TLS.
# 2. The files are replaced with B, SIGHUP: the log names B's serial, a
#    new handshake presents B, the old connection is still established
#    and still answers a ping.
# 3. Broken replacements, each followed by SIGHUP: a certificate file that
#    does not parse, a key that is not the certificate's, a key others can
#    read. Each is refused with a line naming the file, and B keeps being
#    served; the old connection still answers. Many SIGHUPs with a broken
#    file log fewer refusals than reloads (rate-limited).
# 4. B restored: the next SIGHUP takes it again; nat-portd holds as many
#    descriptors as before the first reload (nothing leaked by any
#    reload, good or refused).
# Then: the old connection closes, no TLS connection, call or entry left.
set -eu
. "$(dirname "$0")/lib_tls.sh"
trap cleanup EXIT
need_openssl
sip_up
"$TOP/tests/lib/tlsca.sh" "$TMP/pa" DNS:router-a.test IP:$RTR_LAN || die "tlsca.sh A failed"
"$TOP/tests/lib/tlsca.sh" "$TMP/pb" DNS:router-b.test IP:$RTR_LAN || die "tlsca.sh B failed"
LIVE=$TMP/live
mkdir -p "$LIVE"
put() { # put CERT KEY: the operator's renewal, into the configured paths
	install -m 0644 "$1" "$LIVE/router.pem"
	install -m 0600 "$2" "$LIVE/router.key"
}
serial_of() { openssl x509 -noout -serial -in "$1" | sed 's/^serial=//'; }
SER_A=$(serial_of "$TMP/pa/server.pem")
SER_B=$(serial_of "$TMP/pb/server.pem")
[ "$SER_A" != "$SER_B" ] || die "A and B have the same serial"
put "$TMP/pa/server.pem" "$TMP/pa/server.key"
portd_start "sip-tls yes" "tls-cert $LIVE/router.pem" \
	"tls-key $LIVE/router.key" "upstream-proxy $WAN_IP:5060"
SOCKETS0=$(portd_sockets)

# served: "SERIAL SUBJECT" of the certificate a new handshake presents
served() {
	timeout 10 ip netns exec "$NS_LAN" openssl s_client \
		-connect $RTR_LAN:5061 </dev/null 2>/dev/null |
		openssl x509 -noout -serial -subject -nameopt RFC2253 2>/dev/null |
		sed 's/^serial=//; s/^subject=//' | tr '\n' ' '
}
nfd() { ls "/proc/$PORTD_PID/fd" | wc -l; }

# The long-lived connection: s_client writes only what nat-portd sends
# (-quiet) to old.out.
ossl_bg old "$NS_LAN" s_client -quiet -connect $RTR_LAN:5061
OLD_PID=$OSSL_PID
old_bytes() { stat -c %s "$TMP/old.out"; }
old_ping() { # old_ping: a CRLF ping on the old connection, its pong back
	local n
	n=$(old_bytes)
	printf '\r\n\r\n' >"$TMP/old.in"
	wait_until 50 sh -c "[ \$(stat -c %s '$TMP/old.out') -ge $((n + 2)) ]"
}
old_up() { # the old connection: s_client alive, established in the router
	kill -0 "$OLD_PID" 2>/dev/null &&
		[ "$(in_rtr ss -Htn state established "( sport = :5061 )" | grep -c "$LAN_IP:")" = 1 ]
}

echo "== 1: nat-portd serves A"
check "sip-tls yes with a certificate: TLS listeners on both sides" \
	sh -c "ip netns exec $NS_RTR ss -Hltn 'sport = :5061' | grep -q '$RTR_LAN:5061' &&
		ip netns exec $NS_RTR ss -Hltn 'sport = :5061' | grep -q '$RTR_WAN:5061'"
REPLY=$(served)
check "a handshake presents A (serial $SER_A; got: $REPLY)" starts "$SER_A CN=router-a.test"
check "the old connection is up" wait_until 50 old_up
check "the old connection answers a CRLF ping over TLS" old_ping
check "one TLS connection open in nat-portd" wait_until 50 tls_conns_are 1
FD0=$(nfd)

echo "== 2: B replaces A, SIGHUP"
put "$TMP/pb/server.pem" "$TMP/pb/server.key"
check "SIGHUP handled" portd_hup
check "the log says the TLS files were read again, with B's serial" \
	grep -q "reload: TLS files read again for new handshakes; tls-cert serial 0x$SER_B, subject /CN=router-b.test" "$PORTD_LOG"
REPLY=$(served)
check "a new handshake presents B (serial $SER_B; got: $REPLY)" starts "$SER_B CN=router-b.test"
check "the old connection is still established" old_up
check "and still answers a ping" old_ping

echo "== 3: broken replacements keep B"
refused() { # refused WHAT PATTERN: SIGHUP refused with PATTERN, B served
	local n
	n=$(grep -c "TLS files refused" "$PORTD_LOG" || true)
	portd_hup || true
	check "$1: refused, the line names it" \
		sh -c "grep 'TLS files refused' '$PORTD_LOG' | tail -n +$((n + 1)) | grep -q -- \"\$1\"" _ "$2"
	REPLY=$(served)
	check "$1: B still served (got: $REPLY)" starts "$SER_B CN=router-b.test"
}
printf -- '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n' >"$LIVE/router.pem"
refused "a certificate that does not parse" \
	"the certificates in use stay: tls-cert/tls-key: certificate $LIVE/router.pem"
put "$TMP/pb/server.pem" "$TMP/pa/server.key"
refused "A's key with B's certificate" "key $LIVE/router.key does not match the certificate"
put "$TMP/pb/server.pem" "$TMP/pb/server.key"
chmod 644 "$LIVE/router.key"
refused "a key others can read" "key $LIVE/router.key: mode 0644 lets group or others read it"
: >"$LIVE/router.pem"
n0=$(grep -c "TLS files refused" "$PORTD_LOG" || true)
for i in $(seq 25); do portd_hup || true; done
n1=$(grep -c "TLS files refused" "$PORTD_LOG" || true)
# one budget of 10 lines per 5 s: 25 reloads take well under that
check "25 refused reloads log fewer lines ($((n1 - n0)))" [ $((n1 - n0)) -lt 25 ]
check "nat-portd is still running" portd_alive
check "the old connection is still established" old_up
check "and still answers a ping" old_ping

echo "== 4: B restored; no descriptor left by the reloads"
put "$TMP/pb/server.pem" "$TMP/pb/server.key"
n=$(grep -c "reload: TLS files read again" "$PORTD_LOG" || true)
check "SIGHUP handled" portd_hup
check "taken again" [ "$(grep -c "reload: TLS files read again" "$PORTD_LOG")" = $((n + 1)) ]
REPLY=$(served)
check "B served (got: $REPLY)" starts "$SER_B CN=router-b.test"
check "nat-portd holds the descriptors it held before the reloads ($FD0)" \
	wait_until 50 sh -c "[ \$(ls /proc/$PORTD_PID/fd | wc -l) = $FD0 ]"

kill "$OLD_PID" 2>/dev/null || true
wait "$OLD_PID" 2>/dev/null || true
tls_final_checks
finish
