# shellcheck shell=bash
# lib_tcp.sh - SIP over TCP tests: tests/lib/sip.sh plus helpers for the
# router's TCP connections. Source it, `trap cleanup EXIT`, sip_up.
#
# tcp_conns            nat-portd's open SIP/TCP connections (its stats)
# rtr_tcp_fds          TCP sockets nat-portd holds (listeners included)
# tcp_final_checks     sip_final_checks, and no connection left before it

# shellcheck source=../lib/sip.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/sip.sh"

tcp_conns() { portd_stats; st tcp_conns; }
tcp_conns_are() { [ "$(tcp_conns)" = "$1" ]; }
# sockets nat-portd holds, from its fd table (anything "socket:")
rtr_fds() { ls -l "/proc/$PORTD_PID/fd" 2>/dev/null | grep -c 'socket:' || true; }
# established TCP connections in the router's namespace, on port 5060
rtr_estab() {
	in_rtr ss -Htn state established "( sport = :5060 or dport = :5060 )" |
		wc -l
}

tcp_final_checks() {
	local quiet_ms=${1:-500}
	check "no SIP/TCP connection left in nat-portd once the peers are gone" \
		wait_until 100 tcp_conns_are 0
	check "no established TCP connection left in the router ($(rtr_estab))" \
		[ "$(rtr_estab)" = 0 ]
	sip_final_checks "$quiet_ms"
}
