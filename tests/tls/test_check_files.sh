#!/usr/bin/env bash
# test_check_files.sh - `nat-portd -n` with the TLS keys (issue 13 point
# 5): good files pass; a key others can read, a key that is not the
# certificate's, a missing file, a CA file that holds no certificate and
# sip-tls without a certificate are each refused with a line naming the
# key and the file, and a start with such a file never gets going.
. "$(dirname "$0")/lib_tls.sh"
trap cleanup EXIT

[ -x "$PORTD" ] || skip "no $PORTD (make)"
command -v openssl >/dev/null || skip "missing openssl (make deps)"
tls_pki

conf() { # conf [lines]: portd_conf with the TLS block, then -n
	portd_conf "$@"
	REPLY=$("$PORTD" -n -c "$TMP/nat-portd.conf" 2>&1)
}
GOOD=("sip-tls yes" "tls-cert $PKI/chain.pem" "tls-key $PKI/server.key"
	"tls-ca-file $PKI/ca.pem" "tls-client-cert $PKI/client.pem"
	"tls-client-key $PKI/client.key")

conf "${GOOD[@]}"
check "good TLS files: configuration OK" starts "configuration OK"

chmod 644 "$PKI/server.key"
conf "${GOOD[@]}"
check "a world-readable key is refused" \
	grep -q "tls-cert/tls-key: key $PKI/server.key: mode 0644 lets group or others read it (chmod 600)" <<<"$REPLY"
REPLY=$(timeout 5 "$PORTD" -f -c "$TMP/nat-portd.conf" 2>&1)
check "and nat-portd does not start with it" \
	grep -q "server.key: mode 0644" <<<"$REPLY"
chmod 600 "$PKI/server.key"

chmod 640 "$PKI/client.key"
conf "${GOOD[@]}"
check "a group-readable client key is refused" \
	grep -q "tls-client-cert/tls-ca-file: key $PKI/client.key: mode 0640" <<<"$REPLY"
chmod 600 "$PKI/client.key"

conf "sip-tls yes" "tls-cert $PKI/server.pem" "tls-key $PKI/client.key"
check "a key that is not the certificate's is refused" \
	grep -q "key $PKI/client.key does not match the certificate" <<<"$REPLY"

conf "sip-tls yes" "tls-cert $PKI/nothere.pem" "tls-key $PKI/server.key"
check "a missing certificate is refused, named" \
	grep -q "certificate $PKI/nothere.pem" <<<"$REPLY"

conf "tls-ca-file $PKI/server.key"
check "a CA file without certificates is refused" \
	grep -q "tls-ca-file: CA file $PKI/server.key" <<<"$REPLY"

conf "sip-tls yes"
check "sip-tls without a certificate is refused with its line" \
	grep -q "nat-portd.conf:1: sip-tls yes needs tls-cert and tls-key" <<<"$REPLY"

conf "tls-min-version 1.1"
check "TLS 1.1 cannot be configured" grep -q "expected 1.2 or 1.3" <<<"$REPLY"

finish
