#!/bin/bash
# guest_bench.sh - forwarding cost of natport_rtp, run INSIDE the qemu
# guest by bench_kmod.sh. One boot, one topology, one natport mapping made
# by np-map (libnatport); the peer floods RTP through it to the client:
#
#   client ns  192.0.2.10 --- 192.0.2.1  router  198.51.100.1 --- 198.51.100.20  peer ns
#
# Rounds alternate "without the module" and "module loaded, stream
# registered" so drift in the emulator hits both alike; the medians are
# compared. Prints "BENCH without=<pps> with=<pps> ratio=<with/without>".
set -u
O=${1:-build}
SECS=${2:-3}
ROUNDS=${3:-3}
T=$O/tests
KO=kmod/natport_rtp.ko
C=nbc$$ R=nbr$$ P=nbp$$
tmp=$(mktemp -d /tmp/guestb.XXXXXX)

cleanup() {
	[ -n "${MAP_PID:-}" ] && kill "$MAP_PID" 2>/dev/null
	wait 2>/dev/null
	for ns in $C $R $P; do ip netns del "$ns" 2>/dev/null; done
	grep -q '^natport_rtp ' /proc/modules && rmmod natport_rtp
	rm -rf "$tmp"
}
trap cleanup EXIT

for m in nf_conntrack nf_nat nf_tables nft_ct nft_nat nft_masq \
	nft_chain_nat nft_counter nft_objref nf_conntrack_netlink veth; do
	modprobe "$m" 2>/dev/null
done
for ns in $C $R $P; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip link add c0 netns "$C" type veth peer name r0 netns "$R"
ip link add p0 netns "$P" type veth peer name r1 netns "$R"
ip -n "$C" addr add 192.0.2.10/24 dev c0
ip -n "$R" addr add 192.0.2.1/24 dev r0
ip -n "$R" addr add 198.51.100.1/24 dev r1
ip -n "$P" addr add 198.51.100.20/24 dev p0
for l in "$C c0" "$R r0" "$R r1" "$P p0"; do
	set -- $l
	ip -n "$1" link set "$2" up
done
ip -n "$C" route add default via 192.0.2.1
ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$R" nft -f - <<'NFT'
table inet router {
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		iifname "r0" accept
	}
}
NFT

coproc MAP { ip netns exec "$R" "$T/np-map" -e 198.51.100.1 \
	-l 192.0.2.0/24 -p 40000-40099 -q 0 2>"$tmp/np-map.err"; }
read -r -t 15 line <&"${MAP[0]}"
echo "get audio_rtp 192.0.2.10 5004 198.51.100.20" >&"${MAP[1]}"
read -r -t 15 ok id ext eport <&"${MAP[0]}"
echo "update $ext $eport 198.51.100.20 6000" >&"${MAP[1]}"
read -r -t 15 ok2 _ <&"${MAP[0]}"
if [ "$ok" != ok ] || [ "$ok2" != ok ]; then
	echo "bench: np-map failed"
	cat "$tmp/np-map.err"
	exit 1
fi

run() { # run -> prints the pps the client received
	ip netns exec "$C" "$T/np-rtp" sink -b 192.0.2.10:5004 -t "$SECS" \
		>"$tmp/sink" &
	local s=$!
	sleep 0.2
	ip netns exec "$P" "$T/np-rtp" flood -b 198.51.100.20:6000 \
		-d "$ext:$eport" -t $((SECS + 1)) >/dev/null
	wait $s
	sed -n 's/^pps=//p' "$tmp/sink"
}

load() {
	insmod "$KO" || exit 1
	ip netns exec "$R" "$T/np-rtpstat" add "$ext:$eport" 8000 pt=0 || exit 1
}
unload() {
	ip netns exec "$R" "$T/np-rtpstat" get "$ext:$eport" in >"$tmp/stats" ||
		exit 1
	# The registered stream must really have been counted.
	grep -q ' rtp=[1-9]' "$tmp/stats" || { cat "$tmp/stats"; exit 1; }
	rmmod natport_rtp || exit 1
}

# Warm-up, discarded: the emulator translates the forwarding path's code
# the first time it runs, and the first runs are slower for that alone.
run >/dev/null
load
run >/dev/null
unload
# ABBA order per pair of rounds, so a slow drift does not favour one side.
without=() with=()
for i in $(seq "$ROUNDS"); do
	if [ $((i % 2)) = 1 ]; then
		without+=("$(run)")
		load
		with+=("$(run)")
		unload
	else
		load
		with+=("$(run)")
		unload
		without+=("$(run)")
	fi
	echo "round $i: without ${without[-1]} pps, with ${with[-1]} pps"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
w0=$(median "${without[@]}")
w1=$(median "${with[@]}")
echo "BENCH without=$w0 with=$w1 ratio=$(awk -v a="$w1" -v b="$w0" 'BEGIN {printf "%.3f", b ? a / b : 0}')"
