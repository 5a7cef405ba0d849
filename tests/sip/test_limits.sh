#!/usr/bin/env bash
# test_limits.sh - config check, port exhaustion, the per-client cap, and
# SIGHUP reload.
#
#   LAN "phone" (bash /dev/udp)   router: nat-portd (3 media port pairs)
#   192.0.2.10:<ephemeral> ----[c0]-[r0]---- 192.0.2.1:5060
#                                            198.51.100.1 -[r1]-[w0]- 198.51.100.20
#
# 1. nat-portd -n: "configuration OK", or "FILE:LINE: reason" and exit 1.
# 2. Port exhaustion: an audio+video offer takes 2 of the 3 pairs; a second
#    one needs 2 more: 503, and it leaves no mapping behind.
# 3. SIGHUP lowers max-mappings-per-client to 2: the phone (holding 4)
#    gets 503 for one more stream; SIGHUP raises it back: accepted. A
#    broken config on SIGHUP is refused and the daemon keeps running; a
#    change that needs a restart (sip-port) is refused too.
# 4. invite-timeout releases everything; nothing left.
set -eu
. "$(dirname "$0")/../lib/sip.sh"
trap cleanup EXIT
sip_up

echo "== 1: nat-portd -n"
portd_conf "media-port-range 20000-20005"
check "a good config: configuration OK" \
	sh -c "'$PORTD' -n -c '$TMP/nat-portd.conf' | grep -qx 'configuration OK'"
printf 'lan-address 192.0.2.1\nlan-prefix 192.0.2.0/24\nsip-port 99999\n' >"$TMP/bad.conf"
out=$("$PORTD" -n -c "$TMP/bad.conf" 2>&1) && rc=0 || rc=$?
check "a bad config: exit 1 and FILE:LINE: reason ($out)" \
	[ "$rc:$out" = "1:$TMP/bad.conf:3: sip-port: expected a port 1..65535" ]

portd_start "media-port-range 20000-20005" "invite-timeout 4s" \
	"max-mappings-per-client 16"

echo "== 2: port exhaustion"
sdp_offer 6000 video >"$TMP/av1.sdp"
raw_invite lim-1 "$TMP/av1.sdp" >"$TMP/inv1.sip"
check "an audio+video offer is forwarded (no answer from us)" [ "$(raw_send "$TMP/inv1.sip")" = none ]
sdp_offer 6100 video >"$TMP/av2.sdp"
raw_invite lim-2 "$TMP/av2.sdp" >"$TMP/inv2.sip"
check "a second one finds no free port pair: 503" [ "$(raw_send "$TMP/inv2.sip")" = 503 ]
portd_stats
check "...and leaves nothing behind (mappings=$(st mappings) calls=$(st calls))" \
	[ "$(st mappings)/$(st calls)" = 4/1 ]

echo "== 3: per-client cap, SIGHUP"
portd_conf "media-port-range 20000-20005" "invite-timeout 4s" \
	"max-mappings-per-client 2" "log-level debug"
kill -HUP "$PORTD_PID"
sleep 0.3
check "SIGHUP reloaded" grep -q "configuration reloaded" "$PORTD_LOG"
sdp_offer 6200 >"$TMP/a3.sdp"
raw_invite lim-3 "$TMP/a3.sdp" >"$TMP/inv3.sip"
check "over max-mappings-per-client: 503" [ "$(raw_send "$TMP/inv3.sip")" = 503 ]
portd_conf "media-port-range 20000-20005" "invite-timeout 4s" \
	"max-mappings-per-client 16" "sip-port 5070"
kill -HUP "$PORTD_PID"
sleep 0.3
check "a sip-port change on SIGHUP is refused (needs a restart)" \
	grep -q "sip-port changed; it needs a restart" "$PORTD_LOG"
echo "bogus line" >>"$TMP/nat-portd.conf"
kill -HUP "$PORTD_PID"
sleep 0.3
check "a broken config on SIGHUP is refused" grep -q "reload failed" "$PORTD_LOG"
check "...and the daemon keeps running" portd_alive
portd_conf "media-port-range 20000-20005" "invite-timeout 4s" \
	"max-mappings-per-client 16"
kill -HUP "$PORTD_PID"
sleep 0.3
raw_invite lim-4 "$TMP/a3.sdp" >"$TMP/inv4.sip"
check "cap raised again by SIGHUP: accepted" [ "$(raw_send "$TMP/inv4.sip")" = none ]
portd_stats
check "mappings of the two live offers only (mappings=$(st mappings))" [ "$(st mappings)" = 6 ]

echo "== 4: invite-timeout releases everything"
sleep 4.5
sip_final_checks
finish
