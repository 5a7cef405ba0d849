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
# call: nat-portd must not crash on them either. The same for a file of a
# newer format version: refused by name. Then a version 1 file (the
# format before static, PCP and ng records; same records, its own CRC)
# still loads: its 5 calls are restored and end by BYE. And a file of
# another boot id (an HA backup reads its master's): read, its times
# rebased by the wall clock, its 5 calls restored since the kernel still
# holds their entries.
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
	newer) sed -i '1s/^natport-state 2 /natport-state 9 /' "$TMP/state" ;;
	reboot) sed -i '1s/^\(natport-state 2 [0-9]*\) [0-9a-f-]* /\1 00000000-0000-0000-0000-000000000000 /' "$TMP/state" ;;
	esac
}
why() { # why DAMAGE: what the refusal must say
	case $1 in
	truncate | flip) echo "(truncated|checksum mismatch)" ;;
	newer) echo "version 9, this nat-portd reads versions 1 to 2" ;;
	esac
}
# as_v1: the file in the version 1 format (no boot id, no wall clock)
as_v1() {
	sed -i '1s/^natport-state 2 \([0-9]*\) .*/natport-state 1 \1/' "$TMP/state"
	damage_crc
}

# damage_crc: the end line's CRC-32 computed again after an edit
# (gzip's trailer holds the CRC-32 of its input)
damage_crc() {
	local n crc
	n=$(tail -n 1 "$TMP/state" | cut -d' ' -f2)
	head -n -1 "$TMP/state" >"$TMP/state.new"
	crc=$(gzip -c "$TMP/state.new" | tail -c 8 | head -c 4 | od -An -tx4 | tr -d ' \n')
	printf 'end %s %s\n' "$n" "$crc" >>"$TMP/state.new"
	mv "$TMP/state.new" "$TMP/state"
}

for how in truncate flip newer; do
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
		grep -Eq "state file $TMP/state: refused: $(why $how)" "$PORTD_LOG"
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

echo "== a version 1 file"
uas "$RSCN/uas_media.xml" -m 5
uac_bg uac_short.xml -m 5 -r 50 -l 5 -d 6000
check "v1: 5 calls up (10 entries)" wait_until 100 np_entries_are 10
check "v1: SIGTERM, exit 0" portd_stop
as_v1
head -n 1 "$TMP/state"
portd_restart "${CONF[@]}"
grep "restart:\|state file" "$PORTD_LOG" || true
check "v1: the version 1 file loads: 5 calls restored" \
	grep -q "restart: 10 kernel entries adopted, 5 calls restored (10 mappings, 0 failed)" "$PORTD_LOG"
check "v1: the calls end by BYE through the new instance" wait_pid "$UAC_PID"
check "v1: the provider saw every BYE" wait_pid "$UAS_PID"
check "v1: the BYEs removed every entry" wait_until 100 np_entries_are 0

echo "== a file of another boot"
uas "$RSCN/uas_media.xml" -m 5
uac_bg uac_short.xml -m 5 -r 50 -l 5 -d 6000
check "boot: 5 calls up (10 entries)" wait_until 100 np_entries_are 10
check "boot: SIGTERM, exit 0" portd_stop
damage reboot
damage_crc
head -n 1 "$TMP/state"
portd_restart "${CONF[@]}"
check "boot: the log says so" \
	grep -q "written by another boot or router (boot id 00000000-" "$PORTD_LOG"
check "boot: its 5 calls restored" \
	grep -q "restart: 10 kernel entries adopted, 5 calls restored (10 mappings, 0 failed)" "$PORTD_LOG"
check "boot: the calls end by BYE through the new instance" wait_pid "$UAC_PID"
check "boot: the provider saw every BYE" wait_pid "$UAS_PID"
check "boot: the BYEs removed every entry" wait_until 100 np_entries_are 0
restart_final_checks "${CONF[@]}"
finish
