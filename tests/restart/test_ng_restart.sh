#!/usr/bin/env bash
# test_ng_restart.sh - ng (rtpengine protocol) calls survive kill -9 of
# nat-portd: Kamailio's later answer, query and delete for a Call-ID offered
# before the restart still work after it (np-ngc in the router speaks for
# Kamailio), and the media of an answered call never stops.
#
#   LAN 192.0.2.10               router: nat-portd           WAN 198.51.100.20
#   call A media 6010 (setup)    ng-listen 127.0.0.1:2223    media 7000
#   call B media 6000 (np-udp)   198.51.100.1:EXT            media 7200 (np-udp)
#
# 1. B offered and answered (entries in the kernel, np-udp media both ways
#    at 200 packets/s); A offered only (mappings held, no entry).
# 2. kill -9, 2 s down, restart: "2 ng calls" restored, calls list shows
#    the same calls (call-ids, tags, streams, mappings).
# 3. A's answer after the restart installs its entries; B's query names
#    both its tags; B's media lost nothing; deletes of both end them and
#    remove every entry.
set -eu
. "$(dirname "$0")/lib_restart.sh"
# shellcheck source=../lib/ng.sh
. "$(dirname "$0")/../lib/ng.sh"
trap cleanup EXIT
need_restart jq
[ -x "$NGC" ] || skip "no $NGC (make)"
sip_up
rcount_up
CONF=("sip-port 5099" "ng-listen $NG_ADDR" "ng-allow 127.0.0.1/32"
	"ng-delete-delay 0" "release-on-stop no" "adopt-grace 2s")
portd_start "${CONF[@]}"

body() { # body FILE: its bytes into $REPLY, keeping the last CRLF
	REPLY=$(cat "$1"; echo x)
	REPLY=${REPLY%x}
}
wan_sdp() { # wan_sdp PORT
	printf 'v=0\r\no=p 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %s RTP/AVP 0\r\n' \
		"$WAN_IP" "$WAN_IP" "$1" >"$TMP/wan.sdp"
	body "$TMP/wan.sdp"
}
is_ok() { [[ "$REPLY" == *"6:result2:ok"* ]]; }
offer() { # offer CALL-ID LAN_PORT -> the reply in $REPLY
	sdp_offer "$2" >"$TMP/lan.sdp"
	body "$TMP/lan.sdp"
	ng_req "o$1" call-id "$1" command offer flags l:trust-address \
		from-tag "ft-$1" replace l:origin,session-connection \
		sdp "$REPLY" >"$TMP/offer.$1"
	ng_send "$TMP/offer.$1"
}
answer() { # answer CALL-ID WAN_PORT
	wan_sdp "$2"
	ng_req "a$1" call-id "$1" command answer from-tag "ft-$1" \
		sdp "$REPLY" to-tag "tt-$1" >"$TMP/answer.$1"
	ng_send "$TMP/answer.$1"
}
ng_snapshot() {
	"$BIN/nat-portctl" -s "$TMP/ctl.sock" -j calls list |
		jq -c '[.[] | select(.owner == "ng")] | sort_by(.id) |
			walk(if type == "object" then del(.age, .pkts_in,
				.pkts_out, .bytes_in, .bytes_out) else . end)'
}

echo "== 1: call B answered with media, call A offered only"
offer callB 6000
check "B's offer is ok" is_ok
EXT=$(grep -o 'm=audio [0-9]*' <<<"$REPLY" | head -n 1 | cut -d' ' -f2)
check "B's external RTP port ($EXT)" [ -n "$EXT" ]
answer callB 7200
check "B's answer is ok" is_ok
check "B's RTP and RTCP entries are in the kernel" wait_until 50 np_entries_are 2
offer callA 6010
check "A's offer is ok" is_ok
A_EXT=$(grep -o 'm=audio [0-9]*' <<<"$REPLY" | head -n 1 | cut -d' ' -f2)
ng_snapshot >"$TMP/ng.before"
check "calls list: two ng calls" [ "$(jq length "$TMP/ng.before")" = 2 ]
media_up 6000 "$EXT" 1.5

echo "== 2: kill -9, 2 s down, restart"
portd_kill9
check "B's entries outlived the daemon" np_entries_are 2
portd_restart_log "${CONF[@]}"
check "both ng calls restored, B's two entries claimed" \
	grep -q "restart: 2 kernel entries adopted, 0 calls restored (4 mappings, 0 failed), 0 bindings, 0 static mappings, 0 pcp leases, 2 ng calls, 0 entries left unclaimed, 0 rejected" "$PORTD_LOG"
ng_snapshot >"$TMP/ng.after"
diff "$TMP/ng.before" "$TMP/ng.after" | head -n 4 || true
check "calls list shows the same two ng calls" cmp -s "$TMP/ng.before" "$TMP/ng.after"

echo "== 3: answer, query, delete after the restart"
answer callA 7000
check "A's answer after the restart is ok" is_ok
check "...and installed A's entries (4 in all)" wait_until 50 np_entries_are 4
A_ENTRY=$(np_entries_raw | grep -c "sport=7000 dport=$A_EXT " || true)
check "A's RTP entry is toward 198.51.100.20:7000 on external port $A_EXT" [ "$A_ENTRY" -ge 1 ]
ng_req qB call-id callB command query from-tag ft-callB >"$TMP/queryB"
ng_send "$TMP/queryB"
check "B's query after the restart names both tags" \
	grep -q '4:tagsd.*8:ft-callBd.*8:tt-callBd' <<<"$REPLY"
media_lost_check phone provider "zero lost packets on call B across the restart"
media_lag_report phone provider
media_lag_check
for c in callA callB; do
	ng_req "d$c" call-id "$c" command delete from-tag "ft-$c" >"$TMP/delete.$c"
	ng_send "$TMP/delete.$c"
	check "delete of $c after the restart: ok with statistics" grep -q '6:result2:ok.*6:totals' <<<"$REPLY"
done
check "the deletes removed every entry" wait_until 50 np_entries_are 0
restart_final_checks "${CONF[@]}"
finish
