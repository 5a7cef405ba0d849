# shellcheck shell=bash
# pcp.sh - nat-portd's PCP/NAT-PMP server in the topology of topo.sh, for
# tests/pcp/. Source it (it sources ctl.sh, sip.sh, topo.sh), `trap
# cleanup EXIT`, then pcp_up.
#
#   LAN application        router: nat-portd          WAN peers
#   192.0.2.10 (np-pcp) -- 192.0.2.1:5351 | 198.51.100.1 -- 198.51.100.20
#   192.0.2.11 (2nd host)                                  203.0.113.20
#
# pcp_up [config lines]   topology, `ct status dnat accept` in the
#                         router's forward chain (what a MAP needs, as any
#                         port forward), nat-portd with PCP
# pcp_client              np-pcp client as a coprocess in the LAN
# pcpcmd "line"           one command; the answer in $REPLY
# inbound_has PORT        natport's pcp_in map holds PORT
# inbound_count           elements in pcp_in
# cin_pkts PORT           packets counted toward PORT
# pcp_final_checks        the closing checks (sip_final_checks and no
#                         inbound element)

# shellcheck source=ctl.sh
. "$(dirname "${BASH_SOURCE[0]}")/ctl.sh"
NPPCP=$BIN/tests/np-pcp
NPUDP=$BIN/tests/np-udp
PCPC_PID=

pcp_up() {
	need_ctl
	[ -x "$NPPCP" ] || skip "no $NPPCP (make)"
	topo_up
	in_rtr nft add rule inet filter forward ct status dnat accept
	ctl_start "pcp-rate 5000" "max-mappings-per-client 4096" "$@"
	wait_until 30 grep -q "pcp: PCP" "$PORTD_LOG" || die "no PCP server"
}

pcp_client() { # pcp_client [np-pcp args]
	defer pcp_client_stop
	coproc PCPC { exec ip netns exec "$NS_LAN" "$NPPCP" client \
		-s $RTR_LAN -l $LAN_IP "$@" 2>"$TMP/np-pcp.err"; }
	PIDS+=($PCPC_PID)
	local ready
	read -r -t 10 ready <&"${PCPC[0]}" || die "np-pcp did not start"
	[ "$ready" = ready ] || die "np-pcp: $ready"
}
pcpcmd() {
	echo "$1" >&"${PCPC[1]}"
	REPLY=
	read -r -t 40 REPLY <&"${PCPC[0]}" || REPLY="err timeout"
}
pcp_client_stop() {
	if [ -n "${PCPC_PID:-}" ]; then
		echo quit >&"${PCPC[1]}" 2>/dev/null || true
		wait "$PCPC_PID" 2>/dev/null || true
		PCPC_PID=
	fi
}

inbound_list() { in_rtr nft list map inet natport pcp_in 2>/dev/null; }
inbound_has() { inbound_list | grep -Eq "[{ ,]$1 timeout"; }
inbound_count() {
	inbound_list | grep -oE '[0-9]+ timeout' | wc -l
}
cin_pkts() {
	in_rtr nft get element inet natport pcp_cin "{ $1 }" 2>/dev/null |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
}

pcp_final_checks() {
	check "no inbound element left ($(inbound_count))" [ "$(inbound_count)" = 0 ]
	check "no lease left in calls list" \
		sh -c "! $CTL_BIN -s $CTL_SOCK calls list | grep -q 'owner pcp'"
	sip_final_checks "$@"
}
