#!/usr/bin/env bash
# test_kill9.sh - kill -9 of nat-portd during N live calls, then a restart:
# the media never stops and every call still ends cleanly.
#
#   LAN phone (sipp + np-udp)  router: nat-portd       provider (sipp + np-udp)
#   192.0.2.10, media 10*n     media 20000-21999        198.51.100.20, media 7200
#
# 1. N calls (RESTART_CALLS, default 200) from the phone, each with its
#    own RTP/RTCP mappings and entries; one of them carries np-udp media
#    both ways at 200 packets/s, counted at both receivers every 100 ms.
# 2. kill -9, 2 s without a daemon: the entries stay and forward; restart
#    (release-on-stop no): every entry adopted, every call restored from
#    the state file; `nat-portctl calls list` shows the same Call-IDs.
# 3. Zero lost packets, no 100 ms bin empty at either receiver (gap
#    reported), and the phone's BYEs, sent through the new instance, end
#    every call: sipp N successful, no entry, mapping or port left.
set -eu
. "$(dirname "$0")/lib_restart.sh"
trap cleanup EXIT
need_restart
N=${RESTART_CALLS:-200}
sip_up
rcount_up
CONF=("media-port-range 20000-21999" "quarantine 100ms"
	"max-mappings-per-client 2048" "max-calls 4096"
	"release-on-stop no" "adopt-grace 3s")
portd_start "${CONF[@]}"

echo "== 1: $N calls with media"
uas "$RSCN/uas_media.xml" -m "$N"
uac_bg uac_short.xml -m "$N" -r 100 -l "$N" -d 25000
check "$N calls up: $((2 * N)) natport entries" wait_until 300 np_entries_are $((2 * N))
ext=$(ext_of_lan 10)
check "call 1's entry found (external port $ext)" [ -n "$ext" ]
calls_snapshot >"$TMP/calls.before"
check "nat-portctl lists the $N calls" [ "$(grep -c '^id ' "$TMP/calls.before")" = "$N" ]
media_up 10 "$ext" 2

echo "== 2: kill -9, 2 s down, restart"
portd_kill9
check "the entries outlived the daemon ($(np_entries))" np_entries_are $((2 * N))
portd_restart "${CONF[@]}"
echo "restart: ready after $(portd_ready_ms) ms; $(grep 'restart:' "$PORTD_LOG")"
check "every entry adopted" grep -q "restart: $((2 * N)) kernel entries adopted, $N calls restored" "$PORTD_LOG"
calls_snapshot >"$TMP/calls.after"
diff "$TMP/calls.before" "$TMP/calls.after" | head -n 6 || true
check "nat-portctl calls list shows the same $N calls after the restart" \
	cmp -s "$TMP/calls.before" "$TMP/calls.after"
check "no adopted entry left unclaimed, none rejected" \
	grep -q "restart: .* 0 failed), .* 0 entries left unclaimed, 0 rejected" "$PORTD_LOG"

echo "== 3: media, then the BYEs"
media_lost_check phone provider "zero lost media packets: both talkers got all 2000"
sleep 0.3
media_lag_report phone provider
check "the router never held media back more than 100 ms (phone $lag_lan ms)" [ "$lag_lan" -le 100 ]
check "...nor toward the provider ($lag_wan ms)" [ "$lag_wan" -le 100 ]
check "the phone's sipp ended all $N calls through the new instance" wait_pid "$UAC_PID"
grep -E "Successful call|Failed call" "$TMP/uac.out" | tail -n 2
check "sipp: $N successful, 0 failed" awk -v n="$N" '/Successful call/ { s = $NF } /Failed call/ { f = $NF }
	END { exit !(s == n && f == 0) }' "$TMP/uac.out"
check "the provider's sipp saw every BYE" wait_pid "$UAS_PID"
check "the BYEs removed every entry" wait_until 100 np_entries_are 0
restart_final_checks "${CONF[@]}"
finish
