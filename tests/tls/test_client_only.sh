#!/usr/bin/env bash
# test_client_only.sh - TLS toward the provider only, no certificate of
# the router's own (upstream-proxy ...;transport=tls, no sip-tls, no
# tls-cert): nat-portd is then only a TLS client.
#
#   phone (raw UDP)     router: nat-portd                provider
#   192.0.2.10 -------- 192.0.2.1 | 198.51.100.1 =TLS=== openssl s_server
#                                                        198.51.100.20:5061
#
# 1. Nothing listens on TCP 5061 in the router, on either side: a
#    connection from the WAN to 198.51.100.1:5061 is refused by the
#    kernel, not accepted and then failed in a handshake. The same with
#    a tls-cert but no sip-tls (listeners come with sip-tls only).
# 2. tls-ca-file holds a CA that did not sign the provider's certificate:
#    the phone's REGISTER is answered 503 at once, the verify failure is
#    counted, the provider gets nothing.
# 3. The CA file is replaced with the provider's CA and nat-portd gets
#    SIGHUP: the next REGISTER goes out over a verified TLS connection
#    (the provider reads it, Via SIP/2.0/TLS), no restart.
# Then: no TLS connection, call or entry left, the sockets nat-portd
# started with.
set -eu
. "$(dirname "$0")/lib_tls.sh"
trap cleanup EXIT
need_openssl
sip_up
tls_pki

# the provider: s_server prints what it reads (-quiet)
ossl_bg srv "$NS_WAN" s_server -quiet -accept $WAN_IP:5061 \
	-cert "$PKI/server.pem" -key "$PKI/server.key"
SRV_PID=$OSSL_PID
wait_until 50 sh -c "ip netns exec $NS_WAN ss -Hltn 'sport = :5061' | grep -q ." ||
	die "openssl s_server did not start"

echo "== 1: no TLS listener without sip-tls"
# a certificate of its own alone (tls-cert without sip-tls) opens none
portd_start "upstream-proxy $WAN_IP:5061;transport=tls" \
	"tls-ca-file $PKI/ca.pem" "tls-server-name provider.test" \
	"tls-cert $PKI/chain.pem" "tls-key $PKI/server.key"
check "tls-cert without sip-tls: nothing listens on TCP 5061" \
	[ -z "$(in_rtr ss -Hltn 'sport = :5061')" ]
check "that nat-portd stops cleanly" portd_stop

install -m 0644 "$PKI/other-ca.pem" "$TMP/ca-live.pem"
portd_start "upstream-proxy $WAN_IP:5061;transport=tls" \
	"tls-ca-file $TMP/ca-live.pem" "tls-server-name provider.test"
SOCKETS0=$(portd_sockets)

register() { # register N > FILE: alice's REGISTER number N, from the phone
	printf 'REGISTER sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP %s:5099;branch=z9hG4bK-co%s;rport\r\nFrom: <sip:alice@%s>;tag=co%s\r\nTo: <sip:alice@%s>\r\nCall-ID: co%s@%s\r\nCSeq: %s REGISTER\r\nContact: <sip:alice@%s:5099>\r\nExpires: 60\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n' \
		"$WAN_IP" "$LAN_IP" "$1" "$WAN_IP" "$1" "$WAN_IP" "$1" "$LAN_IP" "$1" "$LAN_IP"
}

check "no tls-cert, no sip-tls: nothing listens on TCP 5061 in the router" \
	[ -z "$(in_rtr ss -Hltn 'sport = :5061')" ]
check "a connection from the WAN to $RTR_WAN:5061 is refused" \
	not in_wan timeout 5 bash -c "exec 3<>/dev/tcp/$RTR_WAN/5061" 2>/dev/null

echo "== 2: a CA file that does not vouch for the provider"
register 1 >"$TMP/reg1"
check "the REGISTER is answered 503" [ "$(raw_send "$TMP/reg1")" = 503 ]
portd_stats
check "the verify failure is counted ($(st tls_verify_failed))" [ "$(st tls_verify_failed)" -ge 1 ]
check "the provider got no REGISTER" not grep -q "^REGISTER" "$TMP/srv.out"

echo "== 3: the provider's CA in its place, SIGHUP"
install -m 0644 "$PKI/ca.pem" "$TMP/ca-live.pem"
check "SIGHUP handled" portd_hup
check "the log says the TLS files were read again" \
	grep -qx "reload: TLS files read again for new handshakes" "$PORTD_LOG"
register 2 >"$TMP/reg2"
raw_send "$TMP/reg2" >/dev/null
check "the provider reads the next REGISTER over TLS" \
	wait_until 50 grep -q "^REGISTER sip:$WAN_IP SIP/2.0" "$TMP/srv.out"
check "...with our Via as TLS" grep -q "^Via: SIP/2.0/TLS $RTR_WAN:5061;" "$TMP/srv.out"
portd_stats
check "one handshake succeeded ($(st tls_handshakes))" [ "$(st tls_handshakes)" = 1 ]
check "and still no listener on 5061" [ -z "$(in_rtr ss -Hltn 'sport = :5061')" ]

# the provider goes: its connection closes, nat-portd's with it
kill "$SRV_PID" 2>/dev/null || true
wait "$SRV_PID" 2>/dev/null || true
tls_final_checks
finish
