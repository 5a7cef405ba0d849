#!/usr/bin/env bash
# test_unreachable.sh - a TCP provider the router cannot reach, and the
# router's own requests toward a TCP provider.
#
#   LAN phone (sipp)       router: nat-portd           provider (sipp)
#   192.0.2.10:5060 -[c0]-[r0]- 192.0.2.1    198.51.100.1 -[r1]-[w0]- 198.51.100.20:5060
#
# 1. upstream-proxy over TCP, nothing listening on the provider's port:
#    the router's connect is refused, and the phone's INVITE (over UDP)
#    is answered at once with 503 and a Warning naming TCP, the provider
#    and the cause, instead of timing out. The call and its ports are
#    gone at once, long before invite-timeout.
# 2. The same with the phone on TCP too.
# 3. The provider, over TCP, answers with media inside the LAN: the
#    router's own ACK and BYE (sip/own.c) reach it over TCP, on the
#    connection the call uses, with a TCP Via, not over UDP.
# Then (the refused call of 3 lingers until invite-timeout): no
# connection, call, mapping, held port or entry left.
set -eu
. "$(dirname "$0")/lib_tcp.sh"
trap cleanup EXIT
sip_up

portd_start "sip-tcp yes" "upstream-proxy $WAN_IP:5060;transport=tcp" \
	"invite-timeout 20s"
SCN503=$TOP/tests/tcp/scenarios/uac_503.xml

unreachable() { # unreachable WHAT [sipp args]: the phone gets 503 at once
	local what=$1 t0 ms
	shift
	t0=$(date +%s%N)
	uac_bg "$SCN503" -m 1 -recv_timeout 3000 "$@"
	check "$what: the phone got 503 from the router and ACKed it" \
		wait_pid "$UAC_PID"
	ms=$((($(date +%s%N) - t0) / 1000000))
	check "$what: ...quickly ($ms ms, under 2 s)" [ "$ms" -lt 2000 ]
	check "$what: its Warning names TCP, the provider and the cause" \
		grep -q "^Warning: 399 nat-portd \"TCP to $WAN_IP:5060 failed: connect: Connection refused\"" "$TMP/uac.msg"
	check "$what: the call is gone at once, before invite-timeout" \
		wait_until 20 sh -c "kill -USR1 $PORTD_PID; sleep 0.1; tail -n 1 '$PORTD_LOG' | grep -q ' calls=0 '"
	portd_stats
	check "$what: no mapping or held port ($(st mappings)/$(st ports_held))" \
		[ "$(st mappings)/$(st ports_held)" = 0/0 ]
	check "$what: no natport entry" [ "$(np_entries)" = 0 ]
	check "$what: no TCP connection left ($(st tcp_conns))" \
		wait_until 20 tcp_conns_are 0
}

echo "== 1: nothing listens on the provider's TCP port; UDP phone"
check "nothing listens on $WAN_IP:5060/tcp" \
	[ -z "$(in_wan ss -Htln '( sport = :5060 )')" ]
unreachable "UDP phone"
portd_stats
check "the failed connect was counted (tcp_failed=$(st tcp_failed))" \
	[ "$(st tcp_failed)" -ge 1 ]
check "the log names the lost INVITE and why" \
	grep -q "sip: INVITE of call .* lost: TCP to $WAN_IP:5060 failed: connect: Connection refused" "$PORTD_LOG"

echo "== 2: the same with the phone over TCP"
unreachable "TCP phone" -t t1

echo "== 3: the router's own ACK and BYE go to a TCP provider over TCP"
# the refused call lingers until invite-timeout: a short one here
portd_stop
portd_start "sip-tcp yes" "upstream-proxy $WAN_IP:5060;transport=tcp" \
	"invite-timeout 3s"
portd_stats
sed 's/response="486"/response="488"/' "$SCN/uac_busy.xml" >"$TMP/uac_488.xml"
own0=$(st own_requests)
uas uas_bad_answer.xml -t t1 -m 1
check "phone's sipp got 488 in place of the 200 and ACKed it" \
	uac "$TMP/uac_488.xml" -m 1
check "provider's sipp got the router's ACK and BYE, answered the BYE" \
	wait_pid "$UAS_PID"
# own_via METHOD: the provider got METHOD with our own TCP Via on top,
# in a TCP message (sipp's message log names the transport it came on)
own_via() {
	grep -B3 -A2 "^$1 sip:service@$WAN_IP:5060 SIP/2.0" "$TMP/uas.msg" >"$TMP/own_$1"
	grep -q "TCP message received" "$TMP/own_$1" &&
		grep -q "^Via: SIP/2.0/TCP $RTR_WAN:5060;branch=z9hG4bKnpo" "$TMP/own_$1"
}
check "the router's BYE reached the provider over TCP, with a TCP Via" \
	own_via BYE
check "...and so did its ACK" own_via ACK
check "the provider got no UDP message at all" \
	not grep -q "UDP message received" "$TMP/uas.msg"
portd_stats
check "two own requests sent ($own0 -> $(st own_requests))" \
	[ "$(st own_requests)" = $((own0 + 2)) ]
check "nothing mapped for the refused call (mappings=$(st mappings))" \
	[ "$(st mappings)" = 0 ]

tcp_final_checks 3500
finish
