# shellcheck shell=bash
# map.sh - np-map (tests/tools/np-map.c: libnatport driven line by line)
# as a coprocess in the router, for the tests of the library's kernel path
# on the host and in the qemu guest. Sourcing it sources topo.sh.
#
#   map_start [np-map args]   start it (-e $RTR_WAN -l 192.0.2.0/24 given)
#   mapcmd "command"          send one line; the answer is in $REPLY
#   map_stop                  "quit" and reap it (also run at clean-up)
#   stat_of KEY               a value from a fresh "stats" answer
#   flow SRC_NS SRC DST DST_NS LISTEN FROM
#                             3 np-udp packets from SRC to DST arrive at
#                             LISTEN, from FROM (addr:port, [v6]:port)
#
# MAP_START_WAIT and MAP_CMD_WAIT (seconds) bound the waits for "ready"
# and for each answer; the guest, under TCG, sets its own.

# shellcheck source=topo.sh
. "$(dirname "${BASH_SOURCE[0]}")/topo.sh"
: "${MAP_START_WAIT:=10}"
: "${MAP_CMD_WAIT:=20}"
NPMAP_PID=

map_start() { # map_start [extra np-map args]
	defer map_stop
	coproc NPMAP { exec ip netns exec "$NS_RTR" "$BIN/tests/np-map" \
		-e $RTR_WAN -l 192.0.2.0/24 "$@" 2>"$TMP/np-map.err"; }
	PIDS+=($NPMAP_PID)
	local ready
	read -r -t "$MAP_START_WAIT" ready <&"${NPMAP[0]}" ||
		die "np-map did not start: $(cat "$TMP/np-map.err")"
	[ "$ready" = ready ] || die "np-map: $ready"
}
mapcmd() { # mapcmd "command" -> reply in $REPLY
	echo "$1" >&"${NPMAP[1]}"
	REPLY=
	read -r -t "$MAP_CMD_WAIT" REPLY <&"${NPMAP[0]}" || REPLY="err timeout"
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

# flow SRC_NS SRC DST DST_NS LISTEN EXPECT_FROM: send 3 packets, check
# they arrive and come from EXPECT_FROM
flow() {
	local sns=$1 src=$2 dst=$3 dns=$4 listen=$5 from=$6 out rp
	out=$TMP/flow.$$
	ip netns exec "$dns" "$BIN/tests/np-udp" recv -b "$listen" -n 3 \
		-t 3000 >"$out" &
	rp=$!
	sleep 0.2
	ip netns exec "$sns" "$BIN/tests/np-udp" send -b "$src" -d "$dst" \
		-n 3 -i 1000
	if ! wait $rp || ! grep -qxF "recv 3 from $from" "$out"; then
		echo "  (got: $(tr '\n' ' ' <"$out"))"
		return 1
	fi
}
