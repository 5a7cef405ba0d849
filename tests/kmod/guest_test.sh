#!/bin/bash
# guest_test.sh - the natport_rtp checks, run INSIDE the qemu guest by
# test_kmod.sh (through qemu-run.sh), chrooted into the host's root
# filesystem (read-only) with the repository as working directory.
#
#   client ns                  router ns (natport_rtp, np-map)       peer ns
#   192.0.2.10     c0 ---- r0  192.0.2.1      198.51.100.1  r1 ---- w0  198.51.100.20
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
#   W  198.51.100.1:41004          conntrack -I entry with a wide id (mark
#      0x4e5a0001, id past 16 bits): counted
#   S  [2001:db8:2::1]:41000       conntrack -I IPv6 natport-marked entry,
#      strict policy: junk dropped, RTP delivered
# Every figure the module reports is compared with what np-rtp computed
# from what it sent. Prints PASS/FAIL lines; exit 0 only if all passed.
# The topology and the checks are tests/lib's (topo.sh, map.sh); the
# firewall is this test's own.
set -u

O=${1:-build} # the build directory, relative to the repository
. tests/lib/map.sh # and topo.sh, common.sh
trap cleanup EXIT
# TCG is slow: np-map gets 15 s to start and to answer each command
MAP_START_WAIT=15
MAP_CMD_WAIT=15
T=$BIN/tests
KO=kmod/natport_rtp.ko
X=np-x-$NP_TAG

# --- modules -----------------------------------------------------------
for m in nf_conntrack nf_nat nf_tables nft_ct nft_nat nft_masq \
	nft_chain_nat nft_counter nft_objref nf_conntrack_netlink nfnetlink veth; do
	modprobe "$m" 2>/dev/null || echo "note: modprobe $m failed (built in?)"
done
check "module loads" insmod "$KO"
if ! grep -q '^natport_rtp ' /proc/modules; then
	dmesg | tail -n 20
	exit 1
fi

# --- topology ----------------------------------------------------------
topo_links
topo_v6
in_rtr sysctl -qw net.netfilter.nf_conntrack_acct=1
in_rtr nft -f - <<'EOF'
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
in_wan "$T/np-rtp" recv -b 198.51.100.20:7000 -t 1500 >"$TMP/recv0" &
r=$!
sleep 0.3
in_lan "$T/np-rtp" send -b 192.0.2.10:7000 -d 198.51.100.20:7000 -n 3 -i 2 >/dev/null
wait $r
check "topology: client reaches peer through the router (masquerade)" \
	grep -qx received=3 "$TMP/recv0"

# --- handshake, privilege, policy ----------------------------------------
check "hello: library and module agree on version" in_rtr "$T/np-rtpstat" hello
in_rtr "$T/np-rtpstat" refusals >"$TMP/refusals" 2>&1
rc=$?
sed 's/^/    /' "$TMP/refusals"
check "module refuses other versions and out-of-policy attributes" \
	test $rc -eq 0 -a "$(grep -c '^refused' "$TMP/refusals")" -eq 8
grep -q 'protocol version mismatch' "$TMP/refusals" &&
	pass "version refusal carries a clear extended-ack message" ||
	fail "version refusal carries a clear extended-ack message"
out=$(in_rtr setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all --bounding-set=-all "$T/np-rtpstat" hello 2>&1)
echo "    unprivileged: $out"
case $out in
*"needs CAP_NET_ADMIN"*) pass "unprivileged client refused" ;;
*) fail "unprivileged client refused" ;;
esac

# --- stream A: a mapping made by libnatport (np-map) --------------------
# np-map's own tag sits above the marks this test writes by hand (W's
# 0x4e5a0001, S's 0x4e500063): otherwise its orphan sweep removes them as
# entries of its own with no mapping, which left S with 0 of 50 packets
# whenever a sweep ran before the burst (session 8's CI)
map_start -p 40000-40099 -q 0 -m 0x4e5b0000
mapcmd "get audio_rtp 192.0.2.10 5004 198.51.100.20"
ans=$REPLY
echo "    np-map get: $ans"
read -r ok ID EXT EPORT <<<"$ans"
[ "$ok" = ok ] || { fail "np-map get"; cat "$TMP/np-map.err"; exit 1; }
mapcmd "update $EXT $EPORT 198.51.100.20 6000"
ans=$REPLY
echo "    np-map update: $ans"
[ "${ans%% *}" = ok ] || { fail "np-map update"; cat "$TMP/np-map.err"; exit 1; }
in_rtr conntrack -L -p udp --orig-port-dst "$EPORT" 2>/dev/null | sed 's/^/    ct: /'

A=198.51.100.1:$EPORT
check "register stream A" in_rtr "$T/np-rtpstat" add "$A" 8000 pt=0 silent=1000 id="$ID"
in_rtr "$T/np-rtpstat" add "$A" 8000 2>"$TMP/dup"
grep -q 'already registered' "$TMP/dup" &&
	pass "registering twice is refused (EEXIST)" ||
	{ fail "registering twice is refused (EEXIST)"; cat "$TMP/dup"; }
in_rtr "$T/np-rtpstat" dump >"$TMP/dump0"
check "dump lists the stream with its mapping id" \
	grep -q "stream $A id=$ID clock_rate=8000 pt=0" "$TMP/dump0"
in_lan "$T/np-rtpstat" dump >"$TMP/dumpc" 2>&1
check "streams are per namespace (client ns sees none)" \
	test ! -s "$TMP/dumpc"

in_rtr "$T/np-rtpstat" events 10 >"$TMP/events" 2>&1 &
PIDS+=($!)
sleep 0.5
# in (remote -> client): 200 + 50 sequence numbers starting at 65400 (wrap),
# every 10th never sent, a burst of 6 reversed, odd packets 10 ms late,
# an SSRC change, an RTCP RR every 25 slots, 5 junk packets at the end.
in_wan "$T/np-rtp" send -b 198.51.100.20:6000 -d "$A" -n 200 -q 65400 \
	-L 10 -R 100:6 -J 10 -X 50 -C 25 -j 5 >"$TMP/exp_in" &
sin=$!
# out (client -> remote): 100 packets, no loss, RTCP every 10 slots.
in_lan "$T/np-rtp" send -b 192.0.2.10:5004 -d 198.51.100.20:6000 -n 100 \
	-q 1000 -s 0xabcdef01 -C 10 >"$TMP/exp_out" &
sout=$!
wait $sin || fail "np-rtp in sender"
wait $sout || fail "np-rtp out sender"
sleep 0.3
in_rtr "$T/np-rtpstat" get "$A" >"$TMP/got" || fail "get stream A"

# compare DIR EXPECTED_FILE: exact keys must match, jitter within tolerance
compare() {
	local dir=$1 exp=$2 line k e g
	line=$(grep "^dir=$dir " "$TMP/got")
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
compare in "$TMP/exp_in"
compare out "$TMP/exp_out"

# Independent of both programs: the figures the send plan implies.
# 200 seqs, every 10th unsent -> 180 RTP; then 50 seqs, 45 sent. The
# burst only reorders. The last seq of each source is unsent, so invisible:
# expected = 199 + 49, lost = 19 + 4.
line=$(grep '^dir=in ' "$TMP/got")
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
wait "${PIDS[-1]}" 2>/dev/null
sed 's/^/    /' "$TMP/events"
check "event: SSRC change seen on A in" grep -q \
	"^event ssrc $A dir=in id=$ID ssrc_old=0x11223344 ssrc_new=0x4b783345" \
	"$TMP/events"
check "event: A in went silent" grep -q "^event silent $A dir=in id=$ID silent_ms=1000" "$TMP/events"
check "event: A out went silent" grep -q "^event silent $A dir=out" "$TMP/events"

# --- stream U: not natport-marked -> ignored ----------------------------
# conntrack-tools 1.4.7: -u STATUS after --mark overwrites the mark with
# the status bits; and -u SEEN_REPLY randomises the reply port. Neither is
# used: the entry stays UNREPLIED and `ct status dnat accept` passes it.
in_rtr conntrack -I -p udp -s 198.51.100.20 -d 198.51.100.1 --sport 6002 \
	--dport 41002 --dst-nat 192.0.2.10:5006 --mark 0x12340001 -t 600 \
	>/dev/null 2>&1 || fail "conntrack -I unmarked entry"
check "register stream U (unmarked mapping)" in_rtr "$T/np-rtpstat" add 198.51.100.1:41002 8000
in_lan "$T/np-rtp" recv -b 192.0.2.10:5006 -t 1500 >"$TMP/recv_u" &
r=$!
sleep 0.3
in_wan "$T/np-rtp" send -b 198.51.100.20:6002 -d 198.51.100.1:41002 -n 50 -i 2 \
	>/dev/null
wait $r
check "U: traffic was forwarded (50 received)" grep -qx received=50 "$TMP/recv_u"
in_rtr "$T/np-rtpstat" get 198.51.100.1:41002 in >"$TMP/got_u"
sed 's/^/    /' "$TMP/got_u"
check "U: module ignored the unmarked entry" grep -q ' packets=0 ' "$TMP/got_u"

# --- stream W: a wide id (tag + 0xa0001, past 16 bits) -> counted -------
# the library numbers ids up to 11.5 million into the tag's block; the
# module's default mask must see them all, not only marks 0x4e50xxxx
in_rtr conntrack -I -p udp -s 198.51.100.20 -d 198.51.100.1 --sport 6004 \
	--dport 41004 --dst-nat 192.0.2.10:5008 --mark 0x4e5a0001 -t 600 \
	>/dev/null 2>&1 || fail "conntrack -I wide-id entry"
check "register stream W (wide id)" in_rtr "$T/np-rtpstat" add 198.51.100.1:41004 8000
in_lan "$T/np-rtp" recv -b 192.0.2.10:5008 -t 1500 >"$TMP/recv_w" &
r=$!
sleep 0.3
in_wan "$T/np-rtp" send -b 198.51.100.20:6004 -d 198.51.100.1:41004 -n 30 -i 2 \
	>/dev/null
wait $r
check "W: traffic was forwarded (30 received)" grep -qx received=30 "$TMP/recv_w"
in_rtr "$T/np-rtpstat" get 198.51.100.1:41004 in >"$TMP/got_w"
sed 's/^/    /' "$TMP/got_w"
check "W: module counted the wide-id entry (30 packets)" grep -q ' packets=30 ' "$TMP/got_w"
check "unregister W" in_rtr "$T/np-rtpstat" del 198.51.100.1:41004

# --- stream S: IPv6, natport-marked, strict -----------------------------
in_rtr conntrack -I -p udp -s 2001:db8:2::20 -d 2001:db8:2::1 --sport 6000 \
	--dport 41000 --dst-nat '[2001:db8:1::10]:5004' --mark 0x4e500063 \
	-t 600 >/dev/null 2>&1 || fail "conntrack -I IPv6 entry"
S='[2001:db8:2::1]:41000'
check "register stream S (IPv6, strict)" in_rtr "$T/np-rtpstat" add "$S" 90000 strict id=99
in_lan "$T/np-rtp" recv -b '[2001:db8:1::10]:5004' -t 1500 >"$TMP/recv_s" &
r=$!
sleep 0.3
in_wan "$T/np-rtp" send -b '[2001:db8:2::20]:6000' -d "$S" -n 40 -i 5 -c 90000 \
	-p 96 -j 10 -q 7 >"$TMP/exp_s"
wait $r
sed 's/^/    /' "$TMP/recv_s"
check "S: strict passes RTP, drops junk (40 of 50 delivered)" \
	grep -qx received=40 "$TMP/recv_s"
if ! grep -qx received=40 "$TMP/recv_s"; then
	# what the network looked like: is it the module or the path?
	sed 's/^/    sender: /' "$TMP/exp_s"
	in_rtr ip -6 neigh show | sed 's/^/    rtr neigh: /'
	in_wan ip -6 neigh show | sed 's/^/    wan neigh: /'
	in_rtr ip -6 -br addr show | sed 's/^/    rtr addr: /'
	in_rtr conntrack -L -f ipv6 2>/dev/null | sed 's/^/    ct: /'
	in_rtr nft list chain inet router forward | sed 's/^/    nft: /'
	in_rtr ip -s -s link show r1 | sed 's/^/    r1: /'
fi
in_rtr "$T/np-rtpstat" get "$S" in >"$TMP/got_s"
sed 's/^/    /' "$TMP/got_s"
for k in packets bytes rtp not_rtp expected lost ext_max_seq; do
	e=$(sed -n "s/^$k=//p" "$TMP/exp_s")
	g=$(tr ' ' '\n' <"$TMP/got_s" | sed -n "s/^$k=//p")
	[ -n "$e" ] && [ "$e" = "$g" ] && pass "S $k = $e" ||
		fail "S $k: module '$g', sent '$e'"
done
check "S: dropped = 10" grep -q ' dropped=10 ' "$TMP/got_s"

# --- unregister, namespace teardown with streams ------------------------
check "unregister U" in_rtr "$T/np-rtpstat" del 198.51.100.1:41002
in_rtr "$T/np-rtpstat" get 198.51.100.1:41002 2>"$TMP/gone" >/dev/null
check "unregistered stream is gone (ENOENT)" grep -q 'no such stream' "$TMP/gone"
TOPO_NS+=("$X")
ip netns add "$X"
check "register a stream in a namespace about to be deleted" \
	ip netns exec "$X" "$T/np-rtpstat" add 203.0.113.1:5000 8000
ip netns del "$X"

# --- unload while traffic flows and streams are registered --------------
in_rtr "$T/np-rtpstat" add "$A" 8000 pt=0 replace >/dev/null ||
	fail "re-register A (replace)"
in_wan "$T/np-rtp" flood -b 198.51.100.20:6000 -d "$A" -t 4 >"$TMP/flood" &
f=$!
in_lan "$T/np-rtp" sink -b 192.0.2.10:5004 -t 5 >/dev/null 2>&1 &
PIDS+=($!)
sleep 1.5
in_rtr "$T/np-rtpstat" get "$A" in | grep -q ' packets=[1-9]' &&
	pass "flood counted before unload" || fail "flood counted before unload"
check "rmmod with streams registered and traffic flowing" rmmod natport_rtp
wait $f
sed 's/^/    flood: /' "$TMP/flood"
check "forwarding continued (flood completed)" grep -q '^sent=[1-9]' "$TMP/flood"
out=$(in_rtr "$T/np-rtpstat" hello 2>&1)
echo "    after unload: $out"
case $out in
*"kernel module natport_rtp not loaded"*) pass "library reports module absent" ;;
*) fail "library reports module absent" ;;
esac
check "module loads again" insmod "$KO"
check "fresh module has no streams" test -z "$(in_rtr "$T/np-rtpstat" dump)"
check "module unloads again" rmmod natport_rtp

# --- release and leftovers -----------------------------------------------
mapcmd "release 192.0.2.10 5004 $EXT $EPORT"
ans=$REPLY
[ "${ans%% *}" = ok ] && pass "np-map release" || fail "np-map release: $ans"
map_stop
if dmesg | grep -E 'natport_rtp.*leak|WARNING:|BUG:|Oops:|refcount_t:|general protection|Call Trace' \
	>"$TMP/dmesg_bad"; then
	fail "kernel log clean"
	cat "$TMP/dmesg_bad"
else
	pass "kernel log clean (no WARNING/BUG/leak)"
fi
topo_down
check "no namespaces left" test -z "$(ip netns list | grep -- "-$NP_TAG\( \|$\)")"
finish
