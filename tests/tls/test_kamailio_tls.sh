#!/usr/bin/env bash
# test_kamailio_tls.sh - the TLS provider of this suite (kamailio-tls.cfg,
# tls.cfg, the PKI of tests/lib/tlsca.sh) checked with openssl s_client
# from the router, before nat-portd relies on it: the certificate verifies
# against the test CA for provider.test and for 198.51.100.20, fails with
# the wrong CA and a wrong name, TLS 1.1 is refused, SIP answers over the
# TLS connection, and a client certificate is seen and verified.
. "$(dirname "$0")/lib_tls.sh"
trap cleanup EXIT

need_tls
topo_up
tls_pki
kam_tls_start

tls_probe "$NS_RTR" -CAfile "$PKI/ca.pem" -servername provider.test \
	-verify_hostname provider.test -verify_return_error -brief
check "provider.test verifies against the test CA" \
	grep -q "Verification: OK" <<<"$REPLY"
check "TLS 1.2 or newer" grep -Eq "Protocol version: TLSv1\.[23]" <<<"$REPLY"

tls_probe "$NS_RTR" -CAfile "$PKI/ca.pem" -verify_ip $WAN_IP \
	-verify_return_error -brief
check "198.51.100.20 verifies by its IP SAN" \
	grep -q "Verification: OK" <<<"$REPLY"

tls_probe "$NS_RTR" -CAfile "$PKI/other-ca.pem" -servername provider.test \
	-verify_return_error -brief
# Kamailio sends its CA along (ca_list), so the chain ends in a CA the
# client does not trust rather than in a missing issuer
check "wrong CA: the chain does not verify" \
	grep -Eq "verify error:num=(19|20):(self-signed certificate in certificate chain|unable to get local issuer)" <<<"$REPLY"

tls_probe "$NS_RTR" -CAfile "$PKI/ca.pem" -servername evil.test \
	-verify_hostname evil.test -verify_return_error -brief
check "wrong name: hostname mismatch" grep -q "hostname mismatch" <<<"$REPLY"

tls_probe "$NS_RTR" -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' -brief
check "TLS 1.1 refused by the provider" \
	grep -Eq "alert protocol version|unsupported protocol|no protocols available" <<<"$REPLY"
check "TLS 1.1 never completes" not grep -q "Protocol version: TLSv1.1" <<<"$REPLY"

# SIP over the connection: OPTIONS to the provider itself, with and
# without the client certificate
options() {
	printf 'OPTIONS sip:%s:5061;transport=tls SIP/2.0\r\nVia: SIP/2.0/TLS %s:5061;branch=z9hG4bK-probe%s;rport\r\nMax-Forwards: 70\r\nFrom: <sip:probe@%s>;tag=p1\r\nTo: <sip:%s>\r\nCall-ID: probe-%s@%s\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n' \
		$WAN_IP $RTR_WAN "$1" $RTR_WAN $WAN_IP "$1" $RTR_WAN
}
sip_over_tls() { # sip_over_tls TAG [s_client args]
	local tag=$1
	shift
	REPLY=$( (
		options "$tag"
		sleep 1.5
	) | timeout 10 ip netns exec "$NS_RTR" openssl s_client -quiet \
		-connect $WAN_IP:5061 -CAfile "$PKI/ca.pem" \
		-servername provider.test -verify_return_error "$@" 2>&1)
}
sip_over_tls a
check "OPTIONS over TLS answered 200" grep -q "^SIP/2.0 200 Keepalive" <<<"$REPLY"
sip_over_tls b -cert "$PKI/client.pem" -key "$PKI/client.key"
check "OPTIONS with a client certificate answered 200" \
	grep -q "^SIP/2.0 200 Keepalive" <<<"$REPLY"
check "the provider saw and verified the client certificate" \
	grep -q "tls peer cn=natport test client verified=1" <<<"$(kam_tls_log)"

finish
