#!/usr/bin/env bash
# test_verify_fail.sh - a provider whose certificate fails verification
# gets no call (issue 13 point 6), with a log line naming the failure and
# the peer, and nothing is left behind.
#
# 1. Kamailio presents a certificate from a CA nobody trusts (rogue.pem):
#    nat-portd logs "certificate verify failed: unable to get local issuer
#    certificate, peer 198.51.100.20:5061 (provider.test)", counts it, the
#    callee never sees the INVITE, the phone's call fails: at once, with
#    503 and a Warning naming the failure and the provider (uac_503.xml
#    in tests/tcp/scenarios), not by a timeout.
# 2. The right certificate but tls-server-name names someone else: the
#    same with "hostname mismatch".
# After each: no call well before invite-timeout (the 503 ended it), no
# mapping, held port, natport entry, TLS connection or extra socket.
set -eu
. "$(dirname "$0")/lib_tls.sh"
trap cleanup EXIT
need_tls
sip_up
tls_pki

refused_call() { # refused_call WHAT REASON: the phone calls, gets 503
	local t0 ms
	callee_up uas.xml -m 1 -timeout 8s
	t0=$(date +%s%N)
	uac_bg "$TOP/tests/tcp/scenarios/uac_503.xml" -m 1 -recv_timeout 3000
	check "$1: the phone got 503 from the router and ACKed it" \
		wait_pid "$UAC_PID"
	ms=$((($(date +%s%N) - t0) / 1000000))
	check "$1: ...quickly ($ms ms, under 2 s)" [ "$ms" -lt 2000 ]
	check "$1: the 503's Warning names the failure and the provider" \
		grep -q "^Warning: 399 nat-portd \"TLS to $WAN_IP:5061 failed: certificate verify failed: $2" "$TMP/uac.msg"
	check "$1: the callee never got an INVITE" \
		not grep -q "^INVITE" "$TMP/uas.msg"
	kill "$UAS_PID" 2>/dev/null || true
	wait "$UAS_PID" 2>/dev/null || true
	portd_stats
	check "$1: counted (tls_verify_failed=$(st tls_verify_failed))" \
		[ "$(st tls_verify_failed)" -ge 1 ]
	check "$1: no handshake succeeded" [ "$(st tls_handshakes)" = 0 ]
	check "$1: no call left, well before invite-timeout (10 s)" \
		wait_until 20 sh -c "kill -USR1 $PORTD_PID; sleep 0.1; tail -n 1 '$PORTD_LOG' | grep -q ' calls=0 '"
	portd_stats
	check "$1: no mapping or held port ($(st mappings)/$(st ports_held))" \
		[ "$(st mappings)/$(st ports_held)" = 0/0 ]
	check "$1: no natport entry" [ "$(np_entries)" = 0 ]
	check "$1: no TLS connection ($(st tls_connections))" \
		[ "$(st tls_connections)" = 0 ]
	check "$1: no established TLS connection in the router" \
		[ "$(rtr_tls_estab)" = 0 ]
	check "$1: nat-portd holds the sockets it started with ($(portd_sockets) vs $SOCKETS0)" \
		[ "$(portd_sockets)" = "$SOCKETS0" ]
}

echo "== 1: a certificate from an untrusted CA"
kam_tls_start rogue.pem rogue.key
tls_portd_start "invite-timeout 10s"
refused_call "untrusted CA" "unable to get local issuer certificate"
check "the log names the failure and the peer" \
	grep -q "certificate verify failed: unable to get local issuer certificate, peer $WAN_IP:5061 (provider.test)" "$PORTD_LOG"
check "no phone-side leftovers" [ "$(st calls)" = 0 ]
portd_stop
kam_tls_stop

echo "== 2: the right CA, the wrong name"
kam_tls_start
tls_portd_start "invite-timeout 10s" "tls-server-name sip.example.net"
refused_call "wrong name" "hostname mismatch"
check "the log says hostname mismatch and the name expected" \
	grep -q "certificate verify failed: hostname mismatch, peer $WAN_IP:5061 (sip.example.net)" "$PORTD_LOG"

tls_final_checks
finish
