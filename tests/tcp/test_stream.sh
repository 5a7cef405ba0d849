#!/usr/bin/env bash
# test_stream.sh - SIP/TCP framing and limits at the router's LAN listener.
#
#   LAN client (np-tcp)              router: nat-portd
#   192.0.2.10 ---------------------- 192.0.2.1:5060/tcp
#
# Requests with Max-Forwards: 0 are answered by nat-portd itself (483) on
# the connection they came on, so each answer proves a whole message was
# framed and parsed.
# 1. One request written in 7-octet pieces 10 ms apart: one answer.
# 2. Three requests and a CRLFCRLF ping in one write: three answers in
#    order (CSeq 1, 2, 3) and a CRLF pong (RFC 5626 section 4.4.1).
# 3. A ping alone: exactly CRLF back, the connection kept.
# 4. A 64 KiB request (65535 octets): answered; one octet more: the
#    connection closed with a log line naming the limit.
# 5. No Content-Length, and a non-numeric one: closed, with a clear line.
# 6. A connection that never completes its message, and one that sends
#    nothing: both closed by tcp-idle-timeout (2 s), counted idle_closed.
# 7. tcp-max-per-peer 4: of 8 connections from one address 4 are closed
#    at once, counted refused.
# Then: no connection, call, mapping or port left.
set -eu
. "$(dirname "$0")/lib_tcp.sh"
trap cleanup EXIT
sip_up
NPTCP=$BIN/tests/np-tcp

req() { # req CSEQ [BODY_LEN]: a request nat-portd answers itself
	local n=${2:-0}
	printf 'OPTIONS sip:1000@%s SIP/2.0\r\nVia: SIP/2.0/TCP %s:5099;branch=z9hG4bK-t%s\r\nFrom: <sip:c@%s>;tag=t1\r\nTo: <sip:1000@%s>\r\nCall-ID: tcp-%s@%s\r\nCSeq: %s OPTIONS\r\nMax-Forwards: 0\r\nContent-Type: text/plain\r\nContent-Length: %s\r\n\r\n' \
		"$WAN_IP" "$LAN_IP" "$1" "$LAN_IP" "$WAN_IP" "$1" "$LAN_IP" "$1" "$n"
	[ "$n" = 0 ] || head -c "$n" /dev/zero | tr '\0' x
}
# a request of exactly $1 octets in total
req_total() {
	local hl
	hl=$(req 9 10000 | head -c -10000 | wc -c)
	req 9 $(($1 - hl))
}
tcp() { in_lan "$NPTCP" -d "$RTR_LAN:5060" "$@"; }
answers() { grep -ac '^SIP/2.0 483' "$1" || true; }

portd_start "sip-tcp yes" "tcp-idle-timeout 2s" "tcp-max-per-peer 4"

echo "== 1: one request in 7-octet pieces"
req 1 | tcp -c 7 -g 10 -t 1000 >"$TMP/frag.out" 2>"$TMP/frag.err"
check "answered once over the same connection ($(answers "$TMP/frag.out"))" \
	[ "$(answers "$TMP/frag.out")" = 1 ]

echo "== 2: pipelined: three requests and a ping in one write"
{ req 1; req 2; printf '\r\n\r\n'; req 3; } | tcp -t 1000 >"$TMP/pipe.out" 2>"$TMP/pipe.err"
check "three answers ($(answers "$TMP/pipe.out"))" [ "$(answers "$TMP/pipe.out")" = 3 ]
check "in order: CSeq 1, 2, 3" \
	[ "$(grep -a '^CSeq:' "$TMP/pipe.out" | tr -d '\r' | awk '{ printf "%s", $2 }')" = 123 ]
check "the ping got its pong between the second and third answer" \
	grep -aqz $'Content-Length: 0\r\n\r\n\r\nSIP/2.0 483' "$TMP/pipe.out"

echo "== 3: a ping alone"
printf '\r\n\r\n' | tcp -t 500 >"$TMP/ping.out" 2>"$TMP/ping.err"
check "pong is exactly CRLF ($(od -An -c "$TMP/ping.out" | tr -s ' '))" \
	[ "$(od -An -tx1 "$TMP/ping.out" | tr -d ' \n')" = 0d0a ]
check "the connection stayed open ($(cat "$TMP/ping.err"))" grep -q '^open=1 ' "$TMP/ping.err"

echo "== 4: a 64 KiB message, then one octet more"
req_total 65535 >"$TMP/big.req"
check "the request is 65535 octets" [ "$(wc -c <"$TMP/big.req")" = 65535 ]
tcp -t 2000 <"$TMP/big.req" >"$TMP/big.out" 2>"$TMP/big.err"
check "the 65535-octet request was framed and answered" [ "$(answers "$TMP/big.out")" = 1 ]
req_total 65536 | tcp -t 2000 -x >"$TMP/huge.out" 2>"$TMP/huge.err"
check "65536 octets: no answer, connection closed ($(cat "$TMP/huge.err"))" \
	sh -c "[ \"\$(grep -ac '^SIP/2.0' '$TMP/huge.out')\" = 0 ] && grep -q 'closed=1' '$TMP/huge.err'"
check "...with a log line naming the limit" \
	grep -q 'TCP from 192.0.2.10:[0-9]*: Content-Length beyond the message limit; connection closed' "$PORTD_LOG"

echo "== 5: bad or missing Content-Length"
req 5 | grep -av '^Content-Length' | tcp -t 2000 -x >"$TMP/nocl.out" 2>"$TMP/nocl.err"
check "no Content-Length: closed ($(cat "$TMP/nocl.err"))" grep -q 'closed=1' "$TMP/nocl.err"
check "...logged as such" grep -q 'no Content-Length (required on a stream); connection closed' "$PORTD_LOG"
req 6 | sed 's/^Content-Length: 0/Content-Length: zero/' | tcp -t 2000 -x >/dev/null 2>"$TMP/badcl.err"
check "Content-Length: zero: closed" grep -q 'closed=1' "$TMP/badcl.err"
check "...logged as such" grep -q 'Content-Length is not a number; connection closed' "$PORTD_LOG"

echo "== 6: a message that never ends, a connection that says nothing"
portd_stats
idle0=$(st tcp_idle_closed 2>/dev/null || true)
req 7 | head -c 100 | tcp -t 8000 -x >/dev/null 2>"$TMP/slow.err" &
SLOW=$!
tcp -t 8000 -x </dev/null >/dev/null 2>"$TMP/silent.err" &
SILENT=$!
sleep 0.5
check "two connections open meanwhile ($(tcp_conns))" [ "$(tcp_conns)" = 2 ]
wait $SLOW $SILENT || true
check "the partial message's connection closed by the idle timeout ($(cat "$TMP/slow.err"))" \
	sh -c "grep -q 'closed=1' '$TMP/slow.err' && [ \$(sed -n 's/.*after=//p' '$TMP/slow.err') -lt 5000 ]"
check "the silent one too ($(cat "$TMP/silent.err"))" grep -q 'closed=1' "$TMP/silent.err"
portd_stats
check "counted as idle closes ($(st tcp_idle_closed 2>/dev/null))" [ "$(st tcp_idle_closed)" -ge 2 ]

echo "== 7: tcp-max-per-peer 4"
tcp -n 8 -t 1000 -q </dev/null 2>"$TMP/peer.err"
check "4 of 8 closed at once, 4 kept ($(cat "$TMP/peer.err"))" grep -q '^open=4 closed=4 ' "$TMP/peer.err"
portd_stats
check "refusals counted (tcp_refused=$(st tcp_refused))" [ "$(st tcp_refused)" -ge 4 ]
check "nat-portd said why" grep -q 'connection from 192.0.2.10:[0-9]* refused: tcp-max-per-peer' "$PORTD_LOG"

tcp_final_checks
finish
