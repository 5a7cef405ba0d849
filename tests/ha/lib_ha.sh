# shellcheck shell=bash
# lib_ha.sh - a natport router pair in namespaces: real keepalived (VRRP)
# moves the LAN and WAN addresses, real conntrackd (FTFW over UDP on a
# sync link) replicates the conntrack entries, and tools/ha's notify
# script starts nat-portd on whichever router is master. The configs are
# tools/ha's own examples, only their paths (and the backup's swapped
# sync addresses) changed by sed, so the examples cannot drift from what
# is tested.
#
#   phone 192.0.2.10 --[br-lan]--+-- lan0 primary 192.0.2.2  --+
#                                |        (ns $NS_R1)   sync0  |
#                                +-- lan0 backup  192.0.2.3    |  203.0.113.1
#   provider 198.51.100.20       |        (ns $NS_R2)   sync0 -+  203.0.113.2
#            --[br-wan]----------+-- wan0 primary 198.51.100.2
#                                +-- wan0 backup  198.51.100.3
#   VRRP moves 192.0.2.1 and 198.51.100.1 (RTR_LAN, RTR_WAN); the bridges
#   live in a switch namespace $NS_SW.
#
# ha_up                 namespaces, links, addresses, each router's firewall
# ha_pair_up            conntrackd on both, keepalived: primary master
# ha_calls_up N         alice registered, N calls through the primary,
#                       replicated; $ext: call 1's external port
# ha_start N            need_ha, ha_up, the pair, N calls, call 1's media running
# ha_takeover_checks N  router 2 adopted and restored everything
# ha_media_and_byes L N call 1's media lost (reported as "L: lost ..."),
#                       then the BYEs through router 2, nothing left
# ha_conntrackd R       conntrackd in router R (1 primary, 2 backup)
# ha_keepalived R       keepalived in router R (VRRP only)
# ha_crash 1            power cut of the primary: nat-portd, keepalived,
#                       conntrackd and the push loop killed -9, links down
# ha_revive 1           its links up again, conntrackd and keepalived started
# ha_master R           router R's notify script ran MASTER last
# ha_gate R             R's gate for new flows is closed (not master)
# ha_portd_pid R        the nat-portd the notify script started in R
# ha_entries R          natport conntrack entries in R's kernel
# ha_ext_entries R      natport entries in R's conntrackd external cache
# ha_calls R            nat-portctl calls list in R, without what moves

# shellcheck source=../restart/lib_restart.sh
. "$(dirname "${BASH_SOURCE[0]}")/../restart/lib_restart.sh"
HA=$TOP/tools/ha
D1=$TMP/r1 # each router's files: configs, logs, pid files, state
D2=$TMP/r2
NS_R1=np-ha1-$NP_TAG
NS_R2=np-ha2-$NP_TAG
NS_SW=np-sw-$NP_TAG
NS_RTR=$NS_R1 # what np_entries and ext_of_lan look at; moved at failover

need_ha() {
	need_restart
	command -v keepalived >/dev/null || skip "missing keepalived (make deps)"
	command -v conntrackd >/dev/null || skip "missing conntrackd (make deps)"
}

ha_ns() { if [ "$1" = 1 ]; then echo "$NS_R1"; else echo "$NS_R2"; fi; }
ha_dir() { echo "$TMP/r$1"; } # $D1, $D2
in_r() { # in_r R CMD...
	local ns
	ns=$(ha_ns "$1")
	shift
	ip netns exec "$ns" "$@"
}

ha_up() {
	local r ns
	need_ha
	for ns in "$NS_LAN" "$NS_WAN" "$NS_SW" "$NS_R1" "$NS_R2"; do
		topo_ns_add "$ns"
	done
	defer ha_down
	leftover_check ha_assert_stopped
	ip -n "$NS_SW" link add br-lan type bridge
	ip -n "$NS_SW" link add br-wan type bridge
	ip link add c0 netns "$NS_LAN" type veth peer name l0 netns "$NS_SW"
	ip link add w0 netns "$NS_WAN" type veth peer name v0 netns "$NS_SW"
	for r in 1 2; do
		ns=$(ha_ns $r)
		ip link add lan0 netns "$ns" type veth peer name l$r netns "$NS_SW"
		ip link add wan0 netns "$ns" type veth peer name v$r netns "$NS_SW"
	done
	ip link add sync0 netns "$NS_R1" type veth peer name sync0 netns "$NS_R2"
	for r in 0 1 2; do
		ip -n "$NS_SW" link set l$r master br-lan up
		ip -n "$NS_SW" link set v$r master br-wan up
	done
	ip -n "$NS_SW" link set br-lan up
	ip -n "$NS_SW" link set br-wan up
	in_lan ip addr add $LAN_IP/24 dev c0
	in_lan ip link set c0 up
	in_lan ip route add default via $RTR_LAN
	in_wan ip addr add $WAN_IP/24 dev w0
	in_wan ip link set w0 up
	for r in 1 2; do
		mkdir -p "$(ha_dir $r)"
		in_r $r ip addr add 192.0.2.$((r + 1))/24 dev lan0
		in_r $r ip addr add 198.51.100.$((r + 1))/24 dev wan0
		in_r $r ip addr add 203.0.113.$r/24 dev sync0
		in_r $r ip link set lan0 up
		in_r $r ip link set wan0 up
		in_r $r ip link set sync0 up
		in_r $r sysctl -qw net.ipv4.ip_forward=1
		ha_firewall $r
		ha_portd_conf $r
		ha_notify_conf $r
	done
}

# The README's firewall, with what a pair needs (README "HA pair"): VRRP
# and conntrackd's sync accepted, forwarded flows SNATed to the moving WAN
# address (masquerade would take the router's own), and nat chains on
# both hooks before nat-portd starts, so the NAT of committed entries
# applies from the first packet after the takeover.
ha_firewall() {
	in_r "$1" nft -f - <<NFT
table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iifname "lo" accept
		udp dport 5060 accept
		iifname { "lan0", "wan0" } ip protocol vrrp accept
		iifname "sync0" udp dport 3780 accept
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		iifname "lan0" oifname "wan0" accept
	}
}
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat;
	}
	chain postrouting {
		type nat hook postrouting priority srcnat;
		oifname "wan0" meta l4proto { tcp, udp } snat to $RTR_WAN:30000-65535
	}
}
NFT
}

# The same nat-portd.conf on both routers: the moving addresses.
ha_portd_conf() {
	local d
	d=$(ha_dir "$1")
	cat >"$d/nat-portd.conf" <<EOF
lan-address $RTR_LAN
lan-prefix 192.0.2.0/24
wan-address $RTR_WAN
media-port-range 20000-21999
quarantine 100ms
max-mappings-per-client 2048
log-level info
control-socket $d/ctl.sock
state-file $d/state
release-on-stop no
adopt-grace ${HA_GRACE:-10s}
EOF
	"$PORTD" -n -c "$d/nat-portd.conf" >/dev/null ||
		die "config refused: $("$PORTD" -n -c "$d/nat-portd.conf" 2>&1)"
}

# ha.conf for natport-ha-notify: nat-portd started in the router's
# namespace (the script runs there, as keepalived's child), and the state
# file pushed to the peer's state-file path. Both routers share this
# machine's file system, so the push is a copy and a rename where a real
# pair would run rsync over the sync link: the same atomic replacement at
# the peer, and the same interval.
ha_notify_conf() {
	local r=$1 d p
	d=$(ha_dir "$r")
	p=$(ha_dir $((3 - r)))
	cat >"$d/ha.conf" <<EOF
CONNTRACKD="conntrackd -C $d/conntrackd.conf"
STATE_FILE=$d/state
RUN_DIR=$d
STATE_PUSH=yes
STATE_PUSH_INTERVAL=0.2
GATE=${HA_GATE:-yes}
MEDIA_PORTS=20000-21999
state_push() { cp "\$1" "$p/state.push" && mv -f "$p/state.push" "$p/state"; }
ha_log() { echo "\$(date +%s.%N) \$*" >>"$d/ha.log"; }
natportd_start() {
	local n i
	n=\$(grep -c ready "$d/portd.log" 2>/dev/null) || n=0
	"$PORTD" -f -c "$d/nat-portd.conf" </dev/null 2>>"$d/portd.log" &
	echo \$! >"$d/portd.pid"
	for i in \$(seq 100); do
		[ "\$(grep -c ready "$d/portd.log")" -gt "\$n" ] && return 0
		kill -0 \$! 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
natportd_stop() {
	local p i
	p=\$(cat "$d/portd.pid" 2>/dev/null) || return 0
	kill -TERM "\$p" 2>/dev/null || { rm -f "$d/portd.pid"; return 0; }
	for i in \$(seq 100); do
		kill -0 "\$p" 2>/dev/null || break
		sleep 0.05
	done
	rm -f "$d/portd.pid"
}
EOF
}

# The pair up: conntrackd on both, the primary's keepalived (it becomes
# master and starts nat-portd), then the backup's (it stays backup).
ha_pair_up() {
	ha_conntrackd 1
	ha_conntrackd 2
	ha_keepalived 1
	check "the primary becomes master and starts nat-portd" wait_until 100 ha_portd_up 1
	check "the primary holds both moving addresses" \
		sh -c "ip -n $NS_R1 -br addr | grep -q ' $RTR_LAN/24' && ip -n $NS_R1 -br addr | grep -q ' $RTR_WAN/24'"
	ha_keepalived 2
	check "the backup's keepalived says backup" wait_until 100 ha_backup 2
	check "no nat-portd runs on the backup" not ha_portd_up 2
	sleep 1
	check "the backup has not taken the addresses" \
		sh -c "! ip -n $NS_R2 -br addr | grep -q ' $RTR_LAN/24'"
	check "the backup's gate is closed" ha_gate 2
	check "the master's is open" not ha_gate 1
}

# alice registers and N calls go up through the primary, replicated to
# the backup (entries and state file); $ext is call 1's external port.
ha_calls_up() { # ha_calls_up N
	local N=$1
	check "alice registered through the primary (200)" register_once 600 200
	uas "$RSCN/uas_media.xml" -m "$N"
	uac_bg uac_short.xml -m "$N" -r 20 -l "$N" -d 20000
	check "$N calls up on the primary: $((2 * N)) natport entries" \
		wait_until 200 ha_entries_are 1 $((2 * N))
	check "conntrackd replicated all $((2 * N)) to the backup's external cache" \
		wait_until 100 ha_ext_entries_are 2 $((2 * N))
	check "the backup's kernel holds none of them yet" ha_entries_are 2 0
	ext=$(ext_of_lan 10)
	check "call 1's entry found (external port $ext)" [ -n "$ext" ]
	ha_calls 1 >"$TMP/calls.before"
	check "the primary lists the $N calls" [ "$(grep -c '^id ' "$TMP/calls.before")" = "$N" ]
	check "the push loop brought the state file to the backup ($N calls)" \
		wait_until 50 sh -c "[ \"\$(grep -c '^session ' $D2/state 2>/dev/null)\" = $N ]"
}

# Step 1 of every HA test: what it needs, the namespaces, the media counters, the pair,
# N calls through the primary and call 1's measured media running 3 s.
ha_start() { # ha_start N
	need_ha
	ha_up
	rcount_up
	echo "== 1: the pair, then $1 calls with media through the primary"
	ha_pair_up
	ha_calls_up "$1"
	media_up 10 "$ext" 3
}

# The new master (router 2) took the calls over: adopted, restored, call
# 1's entry as the primary had it, the same calls listed.
ha_takeover_checks() { # ha_takeover_checks N
	local N=$1 e1
	grep 'restart:' "$D2/portd.log" || true
	check "the new master's nat-portd adopted every entry and restored every call" \
		grep -q "restart: $((2 * N)) kernel entries adopted, $N calls restored" "$D2/portd.log"
	check "...and alice's binding, though its clock is another" \
		grep -q "restart: .* 1 bindings" "$D2/portd.log"
	check "...none left unclaimed, none rejected" \
		grep -q "restart: .* 0 failed), .* 0 entries left unclaimed, 0 rejected" "$D2/portd.log"
	e1=$(np_entries_raw | grep " sport=10 dport=7200 " || true)
	echo "call 1's entry on the new master: $e1"
	check "call 1's entry was committed as the primary had it (not moved by a clash)" \
		grep -q "sport=7200 dport=$ext src=$LAN_IP dst=$WAN_IP sport=10 dport=7200 " <<<"$e1"
	ha_calls 2 >"$TMP/calls.after"
	diff "$TMP/calls.before" "$TMP/calls.after" | head -n 6 || true
	check "the new master lists the same $N calls" cmp -s "$TMP/calls.before" "$TMP/calls.after"
}

# When router 2 went master, had its entries committed and nat-portd
# ready, from T0 (its notify script's log).
ha_takeover_times() { # ha_takeover_times T0 WHAT
	local t_master t_done commit_ms
	t_master=$(awk '/ MASTER: taking over/ { print $1 }' "$D2/ha.log" | tail -n 1)
	t_done=$(awk '/ MASTER: conntrackd/ { print $1 }' "$D2/ha.log" | tail -n 1)
	commit_ms=$(sed -n 's/.* MASTER: conntrackd commit \([0-9]*\) ms.*/\1/p' "$D2/ha.log" | tail -n 1)
	grep ' MASTER: conntrackd' "$D2/ha.log" | tail -n 1 | cut -d' ' -f2-
	awk -v a="$1" -v b="$t_master" -v c="$commit_ms" -v d="$t_done" -v w="$2" 'BEGIN {
		printf "takeover: router 2 went MASTER %d ms after %s, its entries were committed %d ms after it, nat-portd ready %d ms after it\n",
			(b - a) * 1000, w, (b - a) * 1000 + c, (d - a) * 1000 }'
}

ha_in_range() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

# The measured call's media (exact counts per source at each receiver),
# the gap reported as "LABEL: lost ...", then the BYEs through router 2.
ha_media_and_byes() { # ha_media_and_byes LABEL N
	local N=$2 rl rw lost_lan lost_wan gap_lan gap_wan lag_lan lag_wan
	# both, whatever the first one's status (talk_ok stops at the first)
	wait_pid "$TALK_LAN" || true
	wait_pid "$TALK_WAN" || true
	grep -H '^recv' "$TMP/talk_lan.out" "$TMP/talk_wan.out" | sed "s|$TMP/||"
	# only what came from the call's own addresses counts: a packet that
	# crossed the backup before the commit on an entry of its own (SNATed to
	# another port) is not the call's media
	check "the phone got media from the provider's media address only" \
		[ "$(grep -c '^recv' "$TMP/talk_lan.out")" = 1 ]
	check "the provider got it from the router's external port $ext only" \
		[ "$(grep -c '^recv' "$TMP/talk_wan.out")" = 1 ]
	rl=$(sed -n "s/^recv \([0-9]*\) from $WAN_IP:7200\$/\1/p" "$TMP/talk_lan.out")
	rw=$(sed -n "s/^recv \([0-9]*\) from $RTR_WAN:$ext\$/\1/p" "$TMP/talk_wan.out")
	sleep 0.3
	sampler_down
	read -r gap_lan gap_wan lag_lan lag_wan < <(media_gap 5000)
	[ -n "$rl" ] && [ -n "$rw" ] || talk_show
	lost_lan=$((2000 - ${rl:-0}))
	lost_wan=$((2000 - ${rw:-0}))
	echo "$1: lost at the phone $lost_lan of 2000 ($((lost_lan * 5)) ms of media), at the provider $lost_wan of 2000 ($((lost_wan * 5)) ms); longest still 100 ms bins: phone $gap_lan ms, provider $gap_wan ms"
	if [ "$lost_lan" -le 200 ] && [ "$lost_wan" -le 200 ]; then
		echo "target (gap under 1 s): met"
	else
		echo "target (gap under 1 s): NOT met"
	fi
	check "media went on through the new master: the phone lost under 2 s ($lost_lan packets)" \
		ha_in_range "$lost_lan" 0 399
	check "...and so did the provider ($lost_wan packets)" \
		ha_in_range "$lost_wan" 0 399
	check "the phone's sipp ended all $N calls through the new master" wait_pid "$UAC_PID"
	grep -E "Successful call|Failed call" "$TMP/uac.out" | tail -n 2
	check "sipp: $N successful, 0 failed" awk -v n="$N" '/Successful call/ { s = $NF } /Failed call/ { f = $NF }
		END { exit !(s == n && f == 0) }' "$TMP/uac.out"
	check "the provider's sipp saw every BYE" wait_pid "$UAS_PID"
	check "the BYEs removed every entry on the new master" wait_until 100 ha_entries_are 2 0
	PORTD_PID=$(ha_portd_pid 2)
	PORTD_LOG=$D2/portd.log
	portd_stats
	check "no call left in the new master's nat-portd (calls=$(st calls))" [ "$(st calls)" = 0 ]
	check "no mapping left (mappings=$(st mappings))" [ "$(st mappings)" = 0 ]
	check "no port held (ports_held=$(st ports_held))" [ "$(st ports_held)" = 0 ]
}

ha_conntrackd() { # ha_conntrackd R: tools/ha/conntrackd.conf, paths here
	local r=$1 d
	d=$(ha_dir "$r")
	sed -e "s|/var/log/conntrackd.log|$d/conntrackd.log|" \
		-e "s|/var/lock/conntrack.lock|$d/conntrackd.lock|" \
		-e "s|/var/run/conntrackd.ctl|$d/conntrackd.ctl|" \
		"$HA/conntrackd.conf" >"$d/conntrackd.conf"
	if [ "$r" = 2 ]; then
		sed -i -e 's/IPv4_address 203.0.113.1$/IPv4_address 203.0.113.X/' \
			-e 's/IPv4_Destination_Address 203.0.113.2/IPv4_Destination_Address 203.0.113.1/' \
			-e 's/IPv4_address 203.0.113.X/IPv4_address 203.0.113.2/' \
			"$d/conntrackd.conf"
	fi
	rm -f "$d/conntrackd.lock"
	bg "$(ha_ns "$r")" conntrackd -C "$d/conntrackd.conf" \
		>>"$d/conntrackd.out" 2>&1
	echo $! >"$d/conntrackd.pid"
	wait_until 50 test -S "$d/conntrackd.ctl" ||
		die "conntrackd in router $r did not start: $(tail -n 5 "$d/conntrackd.log")"
}

# The backup runs in a time namespace whose CLOCK_MONOTONIC is
# HA_CLOCK_SKEW seconds ahead (default 1000000, 11.6 days): two routers
# never share an uptime, and the state file the primary pushes holds its
# monotonic times (nat-portd rebases them at load). keepalived, its notify
# script and the nat-portd it starts all live in it.
ha_keepalived() { # ha_keepalived R: tools/ha/keepalived.conf, paths here
	local r=$1 d id clock=()
	d=$(ha_dir "$r")
	id=primary
	if [ "$r" = 2 ]; then
		id=backup
		clock=(unshare --time --monotonic "${HA_CLOCK_SKEW:-1000000}")
	fi
	sed -e "s|/usr/local/sbin/natport-ha-notify /etc/natport/ha.conf|$HA/natport-ha-notify $d/ha.conf|" \
		"$HA/keepalived.conf" >"$d/keepalived.conf"
	bg "$(ha_ns "$r")" "${clock[@]}" keepalived -n -l -G -P -D -i $id \
		-f "$d/keepalived.conf" -p "$d/keepalived.pid" \
		-r "$d/vrrp.pid" >>"$d/keepalived.log" 2>&1
	echo $! >"$d/keepalived.main"
	wait_until 50 test -s "$d/vrrp.pid" ||
		die "keepalived in router $r did not start: $(tail -n 5 "$d/keepalived.log")"
}

# The notify script's last word in router R.
ha_state() { sed -n 's/^[0-9.]* \([A-Z]*\):.*/\1/p' "$(ha_dir "$1")/ha.log" 2>/dev/null | tail -n 1; }
ha_master() { [ "$(ha_state "$1")" = MASTER ]; }
ha_backup() { [ "$(ha_state "$1")" = BACKUP ]; }
# natport-ha-notify's gate (nft table inet natport_ha) closed in R
ha_gate() { in_r "$1" nft list table inet natport_ha >/dev/null 2>&1; }
ha_portd_pid() { cat "$(ha_dir "$1")/portd.pid" 2>/dev/null; }
ha_portd_up() { local p; p=$(ha_portd_pid "$1") && kill -0 "$p" 2>/dev/null; }

ha_entries() { NS_RTR=$(ha_ns "$1") np_entries; }
# natport entries in R's external cache (what the peer replicated)
ha_ext_entries() {
	in_r "$1" conntrackd -C "$(ha_dir "$1")/conntrackd.conf" -e ct 2>/dev/null |
		awk -v tag=$((NP_MARK_TAG)) '{ for (i = 1; i <= NF; i++) if ($i ~ /^mark=/) {
			split($i, m, "="); if (int(m[2] / 65536) == tag) n++ } }
			END { print n + 0 }'
}
ha_ext_entries_are() { [ "$(ha_ext_entries "$1")" = "$2" ]; }
ha_entries_are() { [ "$(ha_entries "$1")" = "$2" ]; }

ha_calls() {
	"$BIN/nat-portctl" -s "$(ha_dir "$1")/ctl.sock" calls list 2>/dev/null |
		sed -E -e 's/ age [0-9]+//' -e 's/ (pkts|bytes)_(in|out) [0-9]+//g'
}

# Router R's links down, all three in one ip command, then every process
# of it -9 (keepalived's VRRP child first, so no notify runs): the router
# is gone at once, as if its power failed. Media and VRRP adverts stop
# together, so the time from here to the backup's takeover is what the
# calls' media lose.
ha_crash() {
	local d p
	d=$(ha_dir "$1")
	printf 'link set %s down\n' lan0 wan0 sync0 |
		ip -n "$(ha_ns "$1")" -batch -
	for p in "$d/vrrp.pid" "$d/keepalived.main" "$d/portd.pid" \
		"$d/push.pid" "$d/conntrackd.pid"; do
		[ -s "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null
	done
	rm -f "$d/portd.pid" "$d/push.pid" "$d/vrrp.pid" "$d/keepalived.pid"
}
ha_revive() {
	local d
	d=$(ha_dir "$1")
	in_r "$1" ip link set lan0 up
	in_r "$1" ip link set wan0 up
	in_r "$1" ip link set sync0 up
	ha_conntrackd "$1"
	ha_keepalived "$1"
}

# Clean-up: keepalived first (-9: no notify script may run while the
# namespaces go), then what its scripts started, then conntrackd.
ha_down() {
	local r d p
	for r in 1 2; do
		d=$(ha_dir "$r")
		for p in vrrp.pid keepalived.main portd.pid push.pid \
			conntrackd.pid; do
			[ -s "$d/$p" ] && kill -9 "$(cat "$d/$p")" 2>/dev/null
		done
		# reap those that are this shell's children (keepalived,
		# conntrackd), or they would count as left (zombies)
		for p in keepalived.main conntrackd.pid; do
			[ -s "$d/$p" ] && wait "$(cat "$d/$p")" 2>/dev/null
		done
	done
	# the others (nat-portd, push loops) belong to init now: let it reap
	wait_until 20 ha_none_left
	return 0
}
ha_none_left() {
	local r p
	for r in 1 2; do
		for p in vrrp.pid keepalived.main portd.pid push.pid \
			conntrackd.pid; do
			[ -s "$(ha_dir $r)/$p" ] &&
				kill -0 "$(cat "$(ha_dir $r)/$p")" 2>/dev/null &&
				return 1
		done
	done
	return 0
}
ha_assert_stopped() {
	ha_none_left || { fail "a keepalived, conntrackd, nat-portd or push loop left"; return 1; }
	pass "no keepalived, conntrackd, nat-portd or push loop left"
}
