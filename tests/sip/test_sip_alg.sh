#!/usr/bin/env bash
# test_sip_alg.sh - nat-portd notices the kernel's SIP helper.
#
#   LAN phone              router: nat-portd           provider
#   192.0.2.10 ----------- 192.0.2.1 | 198.51.100.1 ---- 198.51.100.20
#
# The kernel's SIP helper (an nft "ct helper" object of type sip, here on
# udp 5060) rewrites exactly the SIP and SDP nat-portd handles. nat-portd
# checks for it at start and after a firewall reload, logs it once per
# change, and shows it in nat-portctl stats (text and JSON):
# 1. a router without a helper: inactive;
# 2. a firewall reload that adds one: active, naming it, logged once;
# 3. a reload without it: inactive again, logged;
# 4. a restart with the helper in place: active from the start.
set -eu
. "$(dirname "$0")/lib_sip.sh"
trap sip_cleanup EXIT
need_sip
command -v jq >/dev/null || skip "missing jq (make deps)"
topo_up
CTL="$BIN/nat-portctl --socket $TMP/ctl.sock"

helper_rules() {
	cat <<'NFT'
table inet fw {
	ct helper sip-5060 {
		type "sip" protocol udp
		l3proto inet
	}
	chain pre {
		type filter hook prerouting priority 0;
		udp dport 5060 ct helper set "sip-5060"
	}
}
NFT
}

alg_json() { $CTL -j stats | jq -r .sip_alg; }
wait_alg() { # wait_alg PREFIX: up to 6 s for stats to show it
	local i
	for i in $(seq 60); do
		case "$(alg_json)" in "$1"*) return 0 ;; esac
		sleep 0.1
	done
	return 1
}
warnings() { grep -c "SIP helper is active" "$PORTD_LOG" || true; }

echo "== 1: no helper"
portd_start
check "stats -j: sip_alg inactive ($(alg_json))" [ "$(alg_json)" = inactive ]
check "stats text: 'sip_alg inactive'" sh -c "$CTL stats | grep -qx 'sip_alg inactive'"
check "no warning logged" [ "$(warnings)" = 0 ]

echo "== 2: a firewall reload adds the helper"
helper_rules >"$TMP/fw.nft"
in_rtr nft flush ruleset
in_rtr nft -f "$TMP/fw.nft"
check "stats shows the helper active" wait_alg active
check "stats names it ($(alg_json))" sh -c "$CTL -j stats | jq -r .sip_alg | grep -q 'sip-5060'"
check "stats text: 'sip_alg active (...)'" sh -c "$CTL stats | grep -q '^sip_alg active (.*sip-5060'"
sleep 2.5 # more checks run: the warning stays one line
check "warned once ($(warnings))" [ "$(warnings)" = 1 ]
portd_stats
check "the SIGUSR1 line says sip_alg=active" [ "$(st sip_alg)" = active ]

echo "== 3: a reload without it"
in_rtr nft flush ruleset
check "stats shows it inactive again" wait_alg inactive
check "the change is logged" grep -q "SIP helper is no longer active" "$PORTD_LOG"
check "still warned once ($(warnings))" [ "$(warnings)" = 1 ]
check "nat-portd restored its own table" \
	sh -c "ip netns exec $NS_RTR nft list table inet natport >/dev/null"
portd_stop || fail "nat-portd did not exit cleanly"

echo "== 4: a restart with the helper in place"
in_rtr nft -f "$TMP/fw.nft"
portd_start
check "active from the start" wait_alg active
check "warned at start" [ "$(warnings)" = 1 ]
in_rtr nft delete table inet fw

sip_final_checks
finish
