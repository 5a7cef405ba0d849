#!/usr/bin/env bash
# test_static_restart.sh - an operator's static mapping (nat-portctl
# mappings add) survives kill -9 with media through it, and a SIGTERM
# without release-on-stop: same id, same external port, still owner
# static, still deletable, and its traffic never stops.
#
#   LAN host (np-udp)          router: nat-portd          WAN peer (np-udp)
#   192.0.2.10:8000 ---------- static mapping ----------- 198.51.100.20:7200
#                              198.51.100.1:EXT
#
# 1. mappings add internal 192.0.2.10:8000 remote 198.51.100.20:7200: one
#    natport entry; np-udp talkers both ways at 200 packets/s for 10 s.
# 2. kill -9, 2 s without a daemon, restart: the entry adopted and
#    claimed by the restored static session, the mapping listed as before
#    (id, internal, external, remote, owner); so is a second, held one
#    (no remote, no entry: only the state file knows it).
# 3. SIGTERM (release-on-stop no), restart: the same again.
# 4. zero lost packets both ways; mappings del ends it, no entry left.
set -eu
. "$(dirname "$0")/lib_restart.sh"
trap cleanup EXIT
need_restart jq
sip_up
rcount_up
CONF=("release-on-stop no" "adopt-grace 2s")
portd_start "${CONF[@]}"
CTL() { "$BIN/nat-portctl" -s "$TMP/ctl.sock" "$@"; }
# what must not change across a restart: no ages, counters or timeouts
maps_snapshot() {
	CTL -j mappings list | jq -c '[.[] | {id, type, state, internal, external, remote, owner}]'
}

echo "== 1: a static mapping with media"
CTL -j mappings add internal "$LAN_IP:8000" remote "$WAN_IP:7200" \
	type audio_rtp >"$TMP/add.out"
ID=$(jq -r .id "$TMP/add.out")
EXT=$(jq -r .external "$TMP/add.out")
EXT=${EXT##*:}
check "mappings add: id $ID, external port $EXT" [ -n "$ID" ] && check "... a port" [ -n "$EXT" ]
check "its entry is in the kernel" wait_until 50 np_entries_are 1
# and one without a remote yet: held, no entry (the state file alone
# knows it)
CTL -j mappings add internal "$LAN_IP:8100" type data >"$TMP/held.out"
HELD=$(jq -r .id "$TMP/held.out")
check "a held static mapping (id $HELD, no entry)" [ "$(jq -r .state "$TMP/held.out")" = held ]
maps_snapshot >"$TMP/maps.before"
cat "$TMP/maps.before"
media_up 8000 "$EXT" 1.5

echo "== 2: kill -9, 2 s down, restart"
portd_kill9
check "the entry outlived the daemon" np_entries_are 1
portd_restart_log "${CONF[@]}"
check "the static mapping was restored" \
	grep -q "restart: 1 kernel entries adopted, 0 calls restored (2 mappings, 0 failed), 0 bindings, 2 static mappings" "$PORTD_LOG"
maps_snapshot >"$TMP/maps.after"
check "mappings list shows the same mapping (id $ID, port $EXT, static)" \
	cmp -s "$TMP/maps.before" "$TMP/maps.after"
sleep 2.5 # past adopt-grace: a claimed entry is not released
check "past the grace the entry is still there (claimed, not unclaimed)" np_entries_are 1

echo "== 3: SIGTERM without release-on-stop, restart"
check "SIGTERM, exit 0" portd_stop
grep "stopped;" "$PORTD_LOG" || true
check "the stop says the static mapping is kept" \
	grep -q "stopped; 0 calls, 2 static mappings" "$PORTD_LOG"
check "the entry outlived the stop" np_entries_are 1
portd_restart "${CONF[@]}"
maps_snapshot >"$TMP/maps.after2"
check "mappings list shows the same mapping again" \
	cmp -s "$TMP/maps.before" "$TMP/maps.after2"

echo "== 4: media, then delete"
media_lost_check "LAN host" "WAN peer" \
	"zero lost packets through two restarts: both talkers got all 2000"
sleep 0.3
media_lag_report LAN WAN
media_lag_check
check "mappings del $ID after the restarts: exit 0" CTL mappings del "$ID"
check "mappings del $HELD (the held one): exit 0" CTL mappings del "$HELD"
check "its entry is gone" wait_until 50 np_entries_are 0
restart_final_checks "${CONF[@]}"
finish
