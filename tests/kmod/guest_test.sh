#!/bin/bash
# guest_test.sh - the natport_rtp checks, run INSIDE the qemu guest by
# test_kmod.sh (through qemu-run.sh), chrooted into the host's root
# filesystem (read-only) with the repository as working directory.
#
#   client ns                  router ns (natport_rtp, np-map)       peer ns
#   192.0.2.10     c0 ---- r0  192.0.2.1      198.51.100.1  r1 ---- p0  198.51.100.20
#   2001:db8:1::10             2001:db8:1::1  2001:db8:2::1             2001:db8:2::20
#
# The router is a real one: forward policy drop, ct state
# established,related accept, ct status dnat accept, masquerading for the
# LAN. Streams (external address:port of the router):
#   A  198.51.100.1:<np-map port>  natport mapping made by np-map (the
#      library): loss, reorder, jitter, SSRC change, RTCP-mux, junk; both
#      directions
#   U  198.51.100.1:41002          conntrack -I DNAT entry NOT natport-marked:
#      registered but must stay at zero
#   S  [2001:db8:2::1]:41000       conntrack -I IPv6 natport-marked entry,
#      strict policy: junk dropped, RTP delivered
# Every figure the module reports is compared with what np-rtp computed
# from what it sent. Prints PASS/FAIL lines; exit 0 only if all passed.
set -u

O=${1:-build} # the build directory, relative to the repository
T=$O/tests
KO=kmod/natport_rtp.ko
C=npc$$ R=npr$$ P=npp$$ X=npx$$
tmp=$(mktemp -d /tmp/guest.XXXXXX)
failures=0
pids=()

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
check() { # check NAME CMD... : PASS if CMD succeeds
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "${MAP_PID:-}" ] && kill "$MAP_PID" 2>/dev/null
	wait 2>/dev/null
	for ns in $C $R $P $X; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

rx() { ip netns exec "$R" "$@"; }
cx() { ip netns exec "$C" "$@"; }
px() { ip netns exec "$P" "$@"; }

# --- modules -----------------------------------------------------------
for m in nf_conntrack nf_nat nf_tables nft_ct nft_nat nft_masq \
	nft_chain_nat nf_conntrack_netlink nfnetlink veth; do
	modprobe "$m" 2>/dev/null || echo "note: modprobe $m failed (built in?)"
done
check "module loads" insmod "$KO"
if ! grep -q '^natport_rtp ' /proc/modules; then
	dmesg | tail -n 20
	exit 1
fi

# --- topology ----------------------------------------------------------
for ns in $C $R $P; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip link add c0 netns "$C" type veth peer name r0 netns "$R"
ip link add p0 netns "$P" type veth peer name r1 netns "$R"
ip -n "$C" addr add 192.0.2.10/24 dev c0
ip -n "$C" addr add 2001:db8:1::10/64 dev c0 nodad
ip -n "$R" addr add 192.0.2.1/24 dev r0
ip -n "$R" addr add 2001:db8:1::1/64 dev r0 nodad
ip -n "$R" addr add 198.51.100.1/24 dev r1
ip -n "$R" addr add 2001:db8:2::1/64 dev r1 nodad
ip -n "$P" addr add 198.51.100.20/24 dev p0
ip -n "$P" addr add 2001:db8:2::20/64 dev p0 nodad
for l in "$C c0" "$R r0" "$R r1" "$P p0"; do
	set -- $l
	ip -n "$1" link set "$2" up
done
ip -n "$C" route add default via 192.0.2.1
ip -n "$C" -6 route add default via 2001:db8:1::1
ip -n "$P" -6 route add 2001:db8:1::/64 via 2001:db8:2::1
rx sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
	net.netfilter.nf_conntrack_acct=1
rx nft -f - <<'EOF'
table inet router {
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		ct status dnat accept
		iifname "r0" accept
	}
	chain postrouting {
		type nat hook postrouting priority srcnat;
		oifname "r1" ip saddr 192.0.2.0/24 masquerade
	}
	chain prerouting {
		type nat hook prerouting priority dstnat;
	}
}
EOF
px "$T/np-rtp" recv -b 198.51.100.20:7000 -t 1500 >"$tmp/recv0" &
r=$!
sleep 0.3
cx "$T/np-rtp" send -b 192.0.2.10:7000 -d 198.51.100.20:7000 -n 3 -i 2 >/dev/null
wait $r
check "topology: client reaches peer through the router (masquerade)" \
	grep -qx received=3 "$tmp/recv0"

# --- handshake, privilege, policy ----------------------------------------
check "hello: library and module agree on version" rx "$T/np-rtpstat" hello
rx "$T/np-rtpstat" refusals >"$tmp/refusals" 2>&1
rc=$?
sed 's/^/    /' "$tmp/refusals"
check "module refuses other versions and out-of-policy attributes" \
	test $rc -eq 0 -a "$(grep -c '^refused' "$tmp/refusals")" -eq 8
grep -q 'protocol version mismatch' "$tmp/refusals" &&
	pass "version refusal carries a clear extended-ack message" ||
	fail "version refusal carries a clear extended-ack message"
out=$(rx setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all --bounding-set=-all "$T/np-rtpstat" hello 2>&1)
echo "    unprivileged: $out"
case $out in
*"needs CAP_NET_ADMIN"*) pass "unprivileged client refused" ;;
*) fail "unprivileged client refused" ;;
esac

# --- stream A: a mapping made by libnatport (np-map) --------------------
coproc MAP { ip netns exec "$R" "$T/np-map" -e 198.51.100.1 \
	-l 192.0.2.0/24 -p 40000-40099 -q 0 2>"$tmp/np-map.err"; }
MAP_PID=$MAP_PID
map() { # map CMD... -> prints the answer line
	echo "$*" >&"${MAP[1]}"
	local line
	read -r -t 15 line <&"${MAP[0]}" || line="err timeout"
	echo "$line"
}
read -r -t 15 ans <&"${MAP[0]}" # np-map says "ready" once it has its handle
[ "$ans" = ready ] || { fail "np-map start: '$ans'"; cat "$tmp/np-map.err"; exit 1; }
ans=$(map get audio_rtp 192.0.2.10 5004 198.51.100.20)
echo "    np-map get: $ans"
read -r ok ID EXT EPORT <<<"$ans"
[ "$ok" = ok ] || { fail "np-map get"; cat "$tmp/np-map.err"; exit 1; }
ans=$(map update "$EXT" "$EPORT" 198.51.100.20 6000)
echo "    np-map update: $ans"
[ "${ans%% *}" = ok ] || { fail "np-map update"; cat "$tmp/np-map.err"; exit 1; }
rx conntrack -L -p udp --orig-port-dst "$EPORT" 2>/dev/null | sed 's/^/    ct: /'

A=198.51.100.1:$EPORT
check "register stream A" rx "$T/np-rtpstat" add "$A" 8000 pt=0 silent=1000 id="$ID"
rx "$T/np-rtpstat" add "$A" 8000 2>"$tmp/dup"
grep -q 'already registered' "$tmp/dup" &&
	pass "registering twice is refused (EEXIST)" ||
	{ fail "registering twice is refused (EEXIST)"; cat "$tmp/dup"; }
rx "$T/np-rtpstat" dump >"$tmp/dump0"
check "dump lists the stream with its mapping id" \
	grep -q "stream $A id=$ID clock_rate=8000 pt=0" "$tmp/dump0"
cx "$T/np-rtpstat" dump >"$tmp/dumpc" 2>&1
check "streams are per namespace (client ns sees none)" \
	test ! -s "$tmp/dumpc"

rx "$T/np-rtpstat" events 10 >"$tmp/events" 2>&1 &
pids+=($!)
sleep 0.5
# in (remote -> client): 200 + 50 sequence numbers starting at 65400 (wrap),
# every 10th never sent, a burst of 6 reversed, odd packets 10 ms late,
# an SSRC change, an RTCP RR every 25 slots, 5 junk packets at the end.
px "$T/np-rtp" send -b 198.51.100.20:6000 -d "$A" -n 200 -q 65400 \
	-L 10 -R 100:6 -J 10 -X 50 -C 25 -j 5 >"$tmp/exp_in" &
sin=$!
# out (client -> remote): 100 packets, no loss, RTCP every 10 slots.
cx "$T/np-rtp" send -b 192.0.2.10:5004 -d 198.51.100.20:6000 -n 100 \
	-q 1000 -s 0xabcdef01 -C 10 >"$tmp/exp_out" &
sout=$!
wait $sin || fail "np-rtp in sender"
wait $sout || fail "np-rtp out sender"
sleep 0.3
rx "$T/np-rtpstat" get "$A" >"$tmp/got" || fail "get stream A"

# compare DIR EXPECTED_FILE: exact keys must match, jitter within tolerance
compare() {
	local dir=$1 exp=$2 line k e g
	line=$(grep "^dir=$dir " "$tmp/got")
	echo "    module $line"
	echo "    sent   $(tr '\n' ' ' <"$exp")"
	for k in packets bytes rtp rtcp not_rtp ssrc ssrc_changes \
		ext_max_seq expected lost; do
		e=$(sed -n "s/^$k=//p" "$exp")
		g=$(tr ' ' '\n' <<<"$line" | sed -n "s/^$k=//p")
		if [ -n "$e" ] && [ "$e" = "$g" ]; then
			pass "A $dir $k = $e"
		else
			fail "A $dir $k: module '$g', sent '$e'"
		fi
	done
	e=$(sed -n 's/^jitter=//p' "$exp")
	g=$(tr ' ' '\n' <<<"$line" | sed -n 's/^jitter=//p')
	# The module times packets at the router, np-rtp before sendto();
	# the difference is the guest's scheduling noise. Allow 3 timestamp
	# units (375 us at 8 kHz) or 15 %, whichever is larger.
	if awk -v e="$e" -v g="$g" 'BEGIN {
		d = e - g; if (d < 0) d = -d
		t = e * 0.15; if (t < 3) t = 3
		exit !(g != "" && d <= t) }'; then
		pass "A $dir jitter $g (sender's computation $e)"
	else
		fail "A $dir jitter: module '$g', sender's computation $e"
	fi
	echo "ACCURACY dir=$dir jitter_module=$g jitter_sent=$e"
}
compare in "$tmp/exp_in"
compare out "$tmp/exp_out"

# Independent of both programs: the figures the send plan implies.
# 200 seqs, every 10th unsent -> 180 RTP; then 50 seqs, 45 sent. The
# burst only reorders. The last seq of each source is unsent, so invisible:
# expected = 199 + 49, lost = 19 + 4.
line=$(grep '^dir=in ' "$tmp/got")
for kv in rtp=225 rtcp=10 not_rtp=5 dropped=0 ssrc_changes=1 expected=248 \
	lost=23; do
	case " $line " in
	*" $kv "*) pass "A in plan: $kv" ;;
	*) fail "A in plan: $kv (module: $line)" ;;
	esac
done
j=$(tr ' ' '\n' <<<"$line" | sed -n 's/^jitter=//p')
# 10 ms alternating lateness at 8 kHz: |D| = 80 per packet; after the
# SSRC change 49 transit differences: 80 * (1 - (15/16)^49) = 76.6.
if [ -n "$j" ] && [ "$j" -ge 60 ] && [ "$j" -le 95 ]; then
	pass "A in jitter $j near the plan's 77"
else
	fail "A in jitter '$j' not near the plan's 77"
fi

sleep 2 # silence threshold 1000 ms, worker period 250 ms
wait "${pids[-1]}" 2>/dev/null
sed 's/^/    /' "$tmp/events"
check "event: SSRC change seen on A in" grep -q \
	"^event ssrc $A dir=in id=$ID ssrc_old=0x11223344 ssrc_new=0x4b783345" \
	"$tmp/events"
check "event: A in went silent" grep -q "^event silent $A dir=in id=$ID silent_ms=1000" "$tmp/events"
check "event: A out went silent" grep -q "^event silent $A dir=out" "$tmp/events"

# --- stream U: not natport-marked -> ignored ----------------------------
# conntrack-tools 1.4.7: -u STATUS after --mark overwrites the mark with
# the status bits; and -u SEEN_REPLY randomises the reply port. Neither is
# used: the entry stays UNREPLIED and `ct status dnat accept` passes it.
rx conntrack -I -p udp -s 198.51.100.20 -d 198.51.100.1 --sport 6002 \
	--dport 41002 --dst-nat 192.0.2.10:5006 --mark 0x12340001 -t 600 \
	>/dev/null 2>&1 || fail "conntrack -I unmarked entry"
check "register stream U (unmarked mapping)" rx "$T/np-rtpstat" add 198.51.100.1:41002 8000
cx "$T/np-rtp" recv -b 192.0.2.10:5006 -t 1500 >"$tmp/recv_u" &
r=$!
sleep 0.3
px "$T/np-rtp" send -b 198.51.100.20:6002 -d 198.51.100.1:41002 -n 50 -i 2 \
	>/dev/null
wait $r
check "U: traffic was forwarded (50 received)" grep -qx received=50 "$tmp/recv_u"
rx "$T/np-rtpstat" get 198.51.100.1:41002 in >"$tmp/got_u"
sed 's/^/    /' "$tmp/got_u"
check "U: module ignored the unmarked entry" grep -q ' packets=0 ' "$tmp/got_u"

# --- stream S: IPv6, natport-marked, strict -----------------------------
rx conntrack -I -p udp -s 2001:db8:2::20 -d 2001:db8:2::1 --sport 6000 \
	--dport 41000 --dst-nat '[2001:db8:1::10]:5004' --mark 0x4e500063 \
	-t 600 >/dev/null 2>&1 || fail "conntrack -I IPv6 entry"
S='[2001:db8:2::1]:41000'
check "register stream S (IPv6, strict)" rx "$T/np-rtpstat" add "$S" 90000 strict id=99
cx "$T/np-rtp" recv -b '[2001:db8:1::10]:5004' -t 1500 >"$tmp/recv_s" &
r=$!
sleep 0.3
px "$T/np-rtp" send -b '[2001:db8:2::20]:6000' -d "$S" -n 40 -i 5 -c 90000 \
	-p 96 -j 10 -q 7 >"$tmp/exp_s"
wait $r
sed 's/^/    /' "$tmp/recv_s"
check "S: strict passes RTP, drops junk (40 of 50 delivered)" \
	grep -qx received=40 "$tmp/recv_s"
rx "$T/np-rtpstat" get "$S" in >"$tmp/got_s"
sed 's/^/    /' "$tmp/got_s"
for k in packets bytes rtp not_rtp expected lost ext_max_seq; do
	e=$(sed -n "s/^$k=//p" "$tmp/exp_s")
	g=$(tr ' ' '\n' <"$tmp/got_s" | sed -n "s/^$k=//p")
	[ -n "$e" ] && [ "$e" = "$g" ] && pass "S $k = $e" ||
		fail "S $k: module '$g', sent '$e'"
done
check "S: dropped = 10" grep -q ' dropped=10 ' "$tmp/got_s"

# --- unregister, namespace teardown with streams ------------------------
check "unregister U" rx "$T/np-rtpstat" del 198.51.100.1:41002
rx "$T/np-rtpstat" get 198.51.100.1:41002 2>"$tmp/gone" >/dev/null
check "unregistered stream is gone (ENOENT)" grep -q 'no such stream' "$tmp/gone"
ip netns add "$X"
check "register a stream in a namespace about to be deleted" \
	ip netns exec "$X" "$T/np-rtpstat" add 203.0.113.1:5000 8000
ip netns del "$X"

# --- unload while traffic flows and streams are registered --------------
rx "$T/np-rtpstat" add "$A" 8000 pt=0 replace >/dev/null ||
	fail "re-register A (replace)"
px "$T/np-rtp" flood -b 198.51.100.20:6000 -d "$A" -t 4 >"$tmp/flood" &
f=$!
cx "$T/np-rtp" sink -b 192.0.2.10:5004 -t 5 >/dev/null 2>&1 &
pids+=($!)
sleep 1.5
rx "$T/np-rtpstat" get "$A" in | grep -q ' packets=[1-9]' &&
	pass "flood counted before unload" || fail "flood counted before unload"
check "rmmod with streams registered and traffic flowing" rmmod natport_rtp
wait $f
sed 's/^/    flood: /' "$tmp/flood"
check "forwarding continued (flood completed)" grep -q '^sent=[1-9]' "$tmp/flood"
out=$(rx "$T/np-rtpstat" hello 2>&1)
echo "    after unload: $out"
case $out in
*"kernel module natport_rtp not loaded"*) pass "library reports module absent" ;;
*) fail "library reports module absent" ;;
esac
check "module loads again" insmod "$KO"
check "fresh module has no streams" test -z "$(rx "$T/np-rtpstat" dump)"
check "module unloads again" rmmod natport_rtp

# --- release and leftovers -----------------------------------------------
ans=$(map release 192.0.2.10 5004 "$EXT" "$EPORT")
[ "${ans%% *}" = ok ] && pass "np-map release" || fail "np-map release: $ans"
echo quit >&"${MAP[1]}"
wait "$MAP_PID" 2>/dev/null
MAP_PID=
if dmesg | grep -E 'natport_rtp.*leak|WARNING:|BUG:|Oops:|refcount_t:|general protection|Call Trace' \
	>"$tmp/dmesg_bad"; then
	fail "kernel log clean"
	cat "$tmp/dmesg_bad"
else
	pass "kernel log clean (no WARNING/BUG/leak)"
fi
for ns in $C $R $P; do ip netns del "$ns"; done
check "no namespaces left" test -z "$(ip netns list | grep -E "np[crpx]$$")"

echo "guest: $failures failure(s)"
[ $failures -eq 0 ]
