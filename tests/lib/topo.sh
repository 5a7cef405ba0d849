# shellcheck shell=bash
# topo.sh - the LAN / router / WAN namespace topology every natport
# network test runs in, on the host and in the qemu guest alike. Source it
# (it sources common.sh), then topo_up (the host tests' router) or
# topo_links plus the caller's own firewall (the guest scripts). Every
# namespace carries the suffix -$$; topo_down (registered with defer)
# removes them and topo_assert_clean (a leftover check) proves it.
#
#   LAN client            router                     WAN peer (ITSP)
#   ns $NS_LAN            ns $NS_RTR                 ns $NS_WAN
#   192.0.2.10 [c0]--[r0] 192.0.2.1
#                         198.51.100.1 [r1]--[w0]    198.51.100.20
#                                                    203.0.113.20 (2nd net)
#   2001:db8:1::10        2001:db8:1::1 | 2001:db8:2::1   2001:db8:2::20
#                         (IPv6 only with topo_v6)
#
# topo_links   namespaces, veths, the IPv4 addresses above but the 2nd
#              ones, links up, the LAN's default route, IPv4 forwarding
# topo_v6      the IPv6 addresses and routes
# topo_up      the host tests' router: topo_links, 192.0.2.11 and
#              203.0.113.20, UDP conntrack timeouts 3 s / 5 s (so tests can
#              prove that a silent call outlives them) and a real
#              firewall: forward policy drop, ct state established,related
#              accept, LAN->WAN accept, masquerade out of r1
# in_lan/in_rtr/in_wan CMD...   run CMD in that namespace
# np_entries, np_entries_raw    natport's conntrack entries in the router

# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# The suffix is the shell's PID plus a random tag: a namespace left by a
# killed run whose PID came round again must neither block this run nor
# count as this run's leftover.
NP_TAG=${NP_TAG:-$$r$RANDOM}
NS_LAN=np-lan-$NP_TAG
NS_RTR=np-rtr-$NP_TAG
NS_WAN=np-wan-$NP_TAG
LAN_IP=192.0.2.10
LAN2_IP=192.0.2.11
RTR_LAN=192.0.2.1
RTR_WAN=198.51.100.1
WAN_IP=198.51.100.20
WAN2_IP=203.0.113.20
LAN6_IP=2001:db8:1::10
RTR6_LAN=2001:db8:1::1
RTR6_WAN=2001:db8:2::1
WAN6_IP=2001:db8:2::20
TOPO_NS=()

need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	for t in ip nft conntrack; do
		command -v $t >/dev/null || skip "missing tool $t (make deps)"
	done
}

in_lan() { ip netns exec "$NS_LAN" "$@"; }
in_rtr() { ip netns exec "$NS_RTR" "$@"; }
in_wan() { ip netns exec "$NS_WAN" "$@"; }

# A namespace of the test's own, removed by topo_down.
topo_ns_add() { # topo_ns_add NAME
	defer topo_down
	leftover_check topo_assert_clean
	TOPO_NS+=("$1")
	ip netns add "$1"
	ip -n "$1" link set lo up
}

topo_links() {
	local ns
	for ns in "$NS_LAN" "$NS_RTR" "$NS_WAN"; do
		topo_ns_add "$ns"
	done
	ip link add c0 netns "$NS_LAN" type veth peer name r0 netns "$NS_RTR"
	ip link add w0 netns "$NS_WAN" type veth peer name r1 netns "$NS_RTR"
	in_lan ip addr add $LAN_IP/24 dev c0
	in_rtr ip addr add $RTR_LAN/24 dev r0
	in_rtr ip addr add $RTR_WAN/24 dev r1
	in_wan ip addr add $WAN_IP/24 dev w0
	in_lan ip link set c0 up
	in_rtr ip link set r0 up
	in_rtr ip link set r1 up
	in_wan ip link set w0 up
	in_lan ip route add default via $RTR_LAN
	in_rtr sysctl -qw net.ipv4.ip_forward=1
}

topo_v6() {
	in_lan ip addr add $LAN6_IP/64 dev c0 nodad
	in_rtr ip addr add $RTR6_LAN/64 dev r0 nodad
	in_rtr ip addr add $RTR6_WAN/64 dev r1 nodad
	in_wan ip addr add $WAN6_IP/64 dev w0 nodad
	in_lan ip -6 route add default via $RTR6_LAN
	in_wan ip -6 route add 2001:db8:1::/64 via $RTR6_WAN
	in_rtr sysctl -qw net.ipv6.conf.all.forwarding=1
	# Static neighbours: neighbour discovery is not what these tests
	# test, and under qemu TCG a lost or late NS/NA once left a whole
	# IPv6 burst undelivered (kmod stream S saw 0 of 50 packets).
	topo_neigh6 in_lan c0 $RTR6_LAN in_rtr r0
	topo_neigh6 in_rtr r0 $LAN6_IP in_lan c0
	topo_neigh6 in_rtr r1 $WAN6_IP in_wan w0
	topo_neigh6 in_wan w0 $RTR6_WAN in_rtr r1
}

# topo_neigh6 IN DEV ADDR PEER_IN PEER_DEV: a permanent neighbour entry
# in IN for ADDR, at PEER_DEV's MAC address.
topo_neigh6() {
	local mac
	mac=$($4 ip -o link show dev $5 |
		sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
	[ -n "$mac" ] || return 1
	$1 ip -6 neigh replace $3 lladdr $mac dev $2 nud permanent
}

topo_up() {
	need_root
	topo_links
	in_lan ip addr add $LAN2_IP/24 dev c0
	in_wan ip addr add $WAN2_IP/24 dev w0
	in_rtr sysctl -qw net.netfilter.nf_conntrack_udp_timeout=3
	in_rtr sysctl -qw net.netfilter.nf_conntrack_udp_timeout_stream=5
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

# Processes first (they may hold sockets in the namespaces), then the
# namespaces themselves.
topo_down() {
	local ns
	stop_bg
	for ns in "${TOPO_NS[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
}

# The final proof every test makes: nothing it created is left.
topo_assert_clean() {
	local left p
	left=$(ip netns list | awk '{print $1}' | grep -c -- "-$NP_TAG\$" ||
		true)
	[ "$left" = 0 ] || { fail "$left namespaces left"; return 1; }
	for p in "${PIDS[@]}"; do
		if kill -0 "$p" 2>/dev/null; then
			fail "process $p left"
			return 1
		fi
	done
	pass "no namespace or process left"
}

# natport's conntrack entries in the router (mark tag $NP_MARK_TAG)
np_entries() {
	np_entries_raw | wc -l
}
np_entries_raw() {
	in_rtr conntrack -L -p udp 2>/dev/null | awk -v tag=$((NP_MARK_TAG)) '{
		for (i = 1; i <= NF; i++) if ($i ~ /^mark=/) {
			split($i, m, "="); if (int(m[2] / 65536) == tag) print } }'
}
# np_entries_are N: exactly N of them now
np_entries_are() { [ "$(np_entries)" = "$1" ]; }

# Start a background process in a namespace; remembered for cleanup.
bg() { # bg NS cmd...
	local ns=$1
	shift
	ip netns exec "$ns" "$@" &
	PIDS+=($!)
}
