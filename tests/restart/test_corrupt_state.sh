#!/usr/bin/env bash
# test_corrupt_state.sh - a state file truncated, then one corrupted, on
# purpose: a clear log line, no crash, the entries adopted and, since no
# call claims them, removed after adopt-grace; nothing leaked.
#
# For each damage (truncate to half; one byte changed in the middle):
# 5 calls up, SIGTERM (release-on-stop no: the calls and entries stay),
# damage the file, restart. nat-portd logs "state file PATH: refused:
# REASON", keeps running, adopts the 10 entries and, once the grace is
# over, removes them and frees their ports. The calls' BYEs then find no
# call: nat-portd must not crash on them either.
set -eu
. "$(dirname "$0")/lib_restart.sh"
trap cleanup EXIT
need_restart
sip_up
CONF=("release-on-stop no" "adopt-grace 2s")
portd_start "${CONF[@]}"

damage() { # damage truncate|flip
	local size
	size=$(stat -c %s "$TMP/state")
	case $1 in
	truncate) truncate -s $((size / 2)) "$TMP/state" ;;
	flip) printf 'X' | dd of="$TMP/state" bs=1 seek=$((size / 2)) conv=notrunc status=none ;;
	esac
}

for how in truncate flip; do
	echo "== $how"
	uas "$RSCN/uas_media.xml" -m 5
	uac_bg uac_short.xml -m 5 -r 50 -l 5 -d 4000
	check "$how: 5 calls up (10 entries)" wait_until 100 np_entries_are 10
	check "$how: SIGTERM, exit 0" portd_stop
	check "$how: the entries stay after the stop" np_entries_are 10
	damage "$how"
	portd_restart "${CONF[@]}"
	grep "state file" "$PORTD_LOG" || true
	check "$how: the log names the file and why it was refused" \
		grep -Eq "state file $TMP/state: refused: (truncated|checksum mismatch)" "$PORTD_LOG"
	portd_stats
	check "$how: the 10 entries adopted meanwhile (mappings=$(st mappings))" [ "$(st mappings)" = 10 ]
	check "$how: media is still forwarded during the grace" np_entries_are 10
	check "$how: after the grace the unclaimed entries are gone" wait_until 250 np_entries_are 0
	portd_stats
	check "$how: their mappings and ports freed (mappings=$(st mappings) ports_held=$(st ports_held))" \
		[ "$(st mappings)/$(st ports_held)" = 0/0 ]
	wait_pid "$UAC_PID" || true
	wait_pid "$UAS_PID" || true
	check "$how: nat-portd survived the calls' orphan BYEs" portd_alive
done
restart_final_checks "${CONF[@]}"
finish
