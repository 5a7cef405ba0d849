# shellcheck shell=bash
# lib.sh - shared helpers for natport's namespace tests. Source it, then
# call topo_up. Everything it makes carries the suffix $$ and is removed by
# topo_down, which the trap runs whatever happens.
#
#   LAN client            router                     WAN peer (ITSP)
#   ns $NS_LAN            ns $NS_RTR                 ns $NS_WAN
#   192.0.2.10 [c0]--[r0] 192.0.2.1
#                         198.51.100.1 [r1]--[w0]    198.51.100.20
#                                                    203.0.113.20 (2nd net)
#
# The router is a real one: forward policy drop, ct state
# established,related accept, LAN->WAN accept, masquerade out of r1.
# UDP timeouts in the router are shortened (3 s / 5 s) so tests can prove
# that a silent call outlives them.

: "${O:=build}"
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
case $O in /*) BIN=$O ;; *) BIN=$TOP/$O ;; esac
NS_LAN=np-lan-$$
NS_RTR=np-rtr-$$
NS_WAN=np-wan-$$
LAN_IP=192.0.2.10
LAN2_IP=192.0.2.11
RTR_LAN=192.0.2.1
RTR_WAN=198.51.100.1
WAN_IP=198.51.100.20
WAN2_IP=203.0.113.20
PIDS=()
FAILS=0
PASSES=0
TMP=$(mktemp -d /tmp/np-test.XXXXXX)

pass() { PASSES=$((PASSES + 1)); echo "PASS: $*"; }
fail() { FAILS=$((FAILS + 1)); echo "FAIL: $*"; }
check() { # check "description" command...
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}
not() { ! "$@"; } # check "..." not cmd: negation that keeps functions
starts() { [[ "$REPLY" == "$1"* ]]; } # does the last reply start with $1
skip() { echo "SKIP: $*"; exit 77; }
die() { echo "FATAL: $*"; exit 1; }

need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	for t in ip nft conntrack; do
		command -v $t >/dev/null || skip "missing tool $t (make deps)"
	done
}

in_lan() { ip netns exec "$NS_LAN" "$@"; }
in_rtr() { ip netns exec "$NS_RTR" "$@"; }
in_wan() { ip netns exec "$NS_WAN" "$@"; }

topo_up() {
	need_root
	# bash runs the EXIT trap on a signal only if the signal is trapped
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
	ip netns add "$NS_LAN"
	ip netns add "$NS_RTR"
	ip netns add "$NS_WAN"
	ip link add c0 netns "$NS_LAN" type veth peer name r0 netns "$NS_RTR"
	ip link add w0 netns "$NS_WAN" type veth peer name r1 netns "$NS_RTR"
	in_lan ip addr add $LAN_IP/24 dev c0
	in_lan ip addr add $LAN2_IP/24 dev c0
	in_lan ip link set c0 up
	in_lan ip link set lo up
	in_lan ip route add default via $RTR_LAN
	in_rtr ip addr add $RTR_LAN/24 dev r0
	in_rtr ip addr add $RTR_WAN/24 dev r1
	in_rtr ip link set r0 up
	in_rtr ip link set r1 up
	in_rtr ip link set lo up
	in_rtr sysctl -qw net.ipv4.ip_forward=1
	in_rtr sysctl -qw net.netfilter.nf_conntrack_udp_timeout=3
	in_rtr sysctl -qw net.netfilter.nf_conntrack_udp_timeout_stream=5
	in_wan ip addr add $WAN_IP/24 dev w0
	in_wan ip addr add $WAN2_IP/24 dev w0
	in_wan ip link set w0 up
	in_wan ip link set lo up
	in_wan ip route add 203.0.113.0/24 dev w0 2>/dev/null || true
	in_rtr ip route add 203.0.113.0/24 via $WAN_IP
	in_wan ip route add default via $RTR_WAN
	in_rtr nft -f - <<NFT
table inet filter {
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		iifname "r0" oifname "r1" accept
	}
}
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat;
		oifname "r1" masquerade
	}
}
NFT
}

# Start a background process in a namespace; remembered for cleanup.
bg() { # bg NS cmd...
	local ns=$1
	shift
	ip netns exec "$ns" "$@" &
	PIDS+=($!)
}

# np-map as a coprocess in the router: mapcmd sends a line, reads a reply.
map_start() { # map_start [extra np-map args]
	coproc NPMAP { exec ip netns exec "$NS_RTR" "$BIN/tests/np-map" \
		-e $RTR_WAN -l 192.0.2.0/24 "$@" 2>"$TMP/np-map.err"; }
	PIDS+=($NPMAP_PID)
	local ready
	read -r -t 10 ready <&"${NPMAP[0]}" || die "np-map did not start: $(cat "$TMP/np-map.err")"
	[ "$ready" = ready ] || die "np-map: $ready"
}
mapcmd() { # mapcmd "command" -> reply in $REPLY
	echo "$1" >&"${NPMAP[1]}"
	REPLY=
	read -r -t 20 REPLY <&"${NPMAP[0]}" || REPLY="err timeout"
}
map_stop() {
	if [ -n "${NPMAP_PID:-}" ]; then
		echo quit >&"${NPMAP[1]}" 2>/dev/null || true
		wait "$NPMAP_PID" 2>/dev/null || true
		NPMAP_PID=
	fi
}
stat_of() { # stat_of key -> value from the last "stats" reply
	mapcmd stats
	echo "$REPLY" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# natport's conntrack entries in the router (mark tag 0x4e50xxxx)
np_entries() {
	np_entries_raw | wc -l
}
np_entries_raw() {
	in_rtr conntrack -L -p udp 2>/dev/null | awk '{
		for (i = 1; i <= NF; i++) if ($i ~ /^mark=/) {
			split($i, m, "="); if (int(m[2] / 65536) == 20048) print } }'
}

topo_down() {
	local p
	map_stop
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	ip netns del "$NS_LAN" 2>/dev/null || true
	ip netns del "$NS_RTR" 2>/dev/null || true
	ip netns del "$NS_WAN" 2>/dev/null || true
	rm -rf "$TMP"
}

# The final proof every test makes: nothing it created is left.
assert_clean() {
	local left
	left=$(ip netns list | grep -c -- "-$$" || true)
	[ "$left" = 0 ] || { echo "FAIL: $left namespaces left"; return 1; }
	for p in "${PIDS[@]}"; do
		if kill -0 "$p" 2>/dev/null; then
			echo "FAIL: process $p left"
			return 1
		fi
	done
	echo "PASS: no namespace or process left"
}

finish() {
	echo "$PASSES passed, $FAILS failed"
	[ "$FAILS" = 0 ]
}
