# shellcheck shell=bash
# lib_restart.sh - media across a nat-portd restart, measured at both ends.
#
# One call's media is two np-udp talkers (not sipp, so the counts are
# exact): the phone 192.0.2.10:PORT and the provider 198.51.100.20:7200,
# through the call's natport entries. nft counters at each receiver are
# read every 100 ms; media_gap reports the longest run of empty 100 ms
# bins while both talkers run, per side.
#
# talk_up PORT N INTERVAL_US   start both talkers ($TALK_LAN, $TALK_WAN)
# talk_ok                      both received all N packets
# sampler_up / sampler_down    the 100 ms counter samples ($TMP/samples)
# media_gap INTERVAL_US         "gap_lan gap_wan lag_lan lag_wan" (ms)
# calls_snapshot               nat-portctl calls list, ages and counters out
# portd_restart [config]       start nat-portd again (log kept, appended)
# portd_ready_ms               ms from the start to "ready" of the last one
# portd_kill9 [down_s]         kill -9 nat-portd, then down_s (2) without it
# portd_restart_log [config]   portd_restart, then show its "restart:" line
# media_up LAN_PORT EXT SETTLE sampler and 2000-packet talkers, SETTLE s
# media_lost_check L W WHAT    both talkers got all they should, reported
# media_lag_report L W         sampler down; gap_* and lag_* set, reported
# media_lag_check              the router held media back 100 ms at most

# shellcheck source=../lib/sip.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/sip.sh"
RSCN=$TOP/tests/restart/scenarios
NPUDP=$BIN/tests/np-udp

need_restart() { # need_restart [command...]: and those commands too
	local c
	need_sip
	[ -x "$NPUDP" ] || skip "no $NPUDP (make)"
	for c in "$@"; do
		command -v "$c" >/dev/null || skip "missing $c (make deps)"
	done
}

rcount_up() { # counters for the talkers' packets, sent and received
	in_lan nft -f - <<NFT
table inet nprs {
	counter m { }
	counter s { }
	chain in {
		type filter hook input priority -10;
		ip saddr $WAN_IP udp sport 7200 counter name m
	}
	chain out {
		type filter hook output priority -10;
		ip daddr $WAN_IP udp dport 7200 counter name s
	}
}
NFT
	in_wan nft -f - <<NFT
table inet nprs {
	counter m { }
	counter s { }
	chain in {
		type filter hook input priority -10;
		ip saddr $RTR_WAN udp dport 7200 counter name m
	}
	chain out {
		type filter hook output priority -10;
		udp sport 7200 counter name s
	}
}
NFT
}
rcount() { # rcount NS -> "received sent" packets
	ip netns exec "$1" nft list table inet nprs |
		awk '/counter (m|s) /{ n = $2 } /packets/ { for (i = 1; i <= NF; i++) if ($i == "packets") c[n] = $(i + 1) }
			END { print c["m"] + 0, c["s"] + 0 }'
}

talk_up() { # talk_up LAN_PORT EXT_PORT N INTERVAL_US
	bg "$NS_LAN" "$NPUDP" talk -b "$LAN_IP:$1" -d "$WAN_IP:7200" -n "$3" \
		-i "$4" -t 3000 -w 300 >"$TMP/talk_lan.out" 2>&1
	TALK_LAN=$!
	bg "$NS_WAN" "$NPUDP" talk -b "$WAN_IP:7200" -d "$RTR_WAN:$2" -n "$3" \
		-i "$4" -t 3000 -w 300 >"$TMP/talk_wan.out" 2>&1
	TALK_WAN=$!
}
talk_ok() { wait_pid "$TALK_LAN" && wait_pid "$TALK_WAN"; }
talk_total() { sed -n 's/^total //p' "$TMP/talk_$1.out" | tail -n 1; }
talk_show() { head -n 5 "$TMP/talk_lan.out" "$TMP/talk_wan.out"; }

sampler_up() {
	: >"$TMP/samples"
	(
		while :; do
			# each sender's count is read before its receiver's,
			# so a stall of the sampler itself never looks like
			# packets the router held back (see media_gap)
			w1=$(rcount "$NS_WAN")
			t=$(date +%s.%N)
			l=$(rcount "$NS_LAN")
			w2=$(rcount "$NS_WAN")
			echo "$t $l ${w2% *} ${w1#* }"
			sleep 0.1
		done
	) >>"$TMP/samples" 2>/dev/null &
	SAMPLER=$!
	bg_add "$SAMPLER"
}
sampler_down() { kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true; }

# From the samples (time, phone received/sent, provider received/sent):
# "gap_lan gap_wan lag_lan lag_wan" in ms. gap: the longest time a
# receiver's counter stood still between its first and last packet (the
# 100 ms bins, so it includes the sampler's and the sender's own stalls
# on a loaded machine). lag: the most packets sent by the far end and not
# yet received at any sample, times the interval INTERVAL_US: what the
# router held back or lost, independent of the sender's pace (the sent
# count is read before the received one, so the sampler's own stalls
# only make it smaller).
media_gap() { # media_gap INTERVAL_US
	awk -v us="$1" '
	NR > 1 { for (s = 1; s <= 2; s++) {
		v = (s == 1) ? $2 : $4
		if (v > last[s]) {
			if (seen[s] && $1 - lastmove[s] > gap[s])
				gap[s] = $1 - lastmove[s]
			lastmove[s] = $1; seen[s] = 1
		}
	} }
	{ last[1] = $2; last[2] = $4
	  if ($5 - $2 > lag[1]) lag[1] = $5 - $2
	  if ($3 - $4 > lag[2]) lag[2] = $3 - $4 }
	END { printf "%d %d %d %d\n", gap[1] * 1000, gap[2] * 1000,
		lag[1] * us / 1000, lag[2] * us / 1000 }' "$TMP/samples"
}

portd_restart() { # portd_restart [config lines]: the log is kept
	cat "$PORTD_LOG" >>"$TMP/portd.all.log"
	RESTART_T0=$(date +%s%N)
	portd_start "$@"
	RESTART_T1=$(date +%s%N)
}
portd_ready_ms() { echo $(((RESTART_T1 - RESTART_T0) / 1000000)); }

# The crash every restart test starts from: no SIGTERM, no state written
# at the end, the kernel's entries left as they were.
portd_kill9() { # portd_kill9 [seconds down]
	kill -9 "$PORTD_PID"
	wait "$PORTD_PID" 2>/dev/null || true
	PORTD_PID=
	sleep "${1:-2}"
}
portd_restart_log() { # portd_restart_log [config lines]
	portd_restart "$@"
	grep 'restart:' "$PORTD_LOG" || true
}

# The measured call's media: the sampler, then 2000 packets each way at
# 200 packets/s (10 s), which must outlast the restart; SETTLE seconds
# of it before the caller breaks anything.
media_up() { # media_up LAN_PORT EXT_PORT SETTLE_S
	sampler_up
	talk_up "$1" "$2" 2000 5000
	sleep "$3"
}
# Both talkers' totals, named LAN_NAME and WAN_NAME, and the check WHAT
# that neither lost a packet (talk_ok: each got all 2000).
media_lost_check() { # media_lost_check LAN_NAME WAN_NAME WHAT
	local ok
	if talk_ok; then ok=1; else ok=0; talk_show; fi
	echo "talkers: $1 received $(talk_total lan), $2 $(talk_total wan) of 2000 each"
	check "$3" [ "$ok" = 1 ]
}
# Sampler down; gap_lan gap_wan lag_lan lag_wan (global: the callers'
# checks name them) from media_gap, reported.
media_lag_report() { # media_lag_report LAN_NAME WAN_NAME
	sampler_down
	read -r gap_lan gap_wan lag_lan lag_wan < <(media_gap 5000)
	echo "media gap (longest still 100 ms bins): $1 $gap_lan ms, $2 $gap_wan ms; router lag (sent, not yet received): $1 $lag_lan ms, $2 $lag_wan ms"
}
media_lag_check() {
	check "the router never held media back more than 100 ms ($lag_lan/$lag_wan ms)" \
		[ $((lag_lan > lag_wan ? lag_lan : lag_wan)) -le 100 ]
}

# nat-portctl calls list without what moves (ages, counters): session
# ids, owner, Call-ID, parties, state, streams and their mappings.
calls_snapshot() {
	"$BIN/nat-portctl" -s "$TMP/ctl.sock" calls list 2>/dev/null |
		sed -E -e 's/ age [0-9]+//' -e 's/ (pkts|bytes)_(in|out) [0-9]+//g'
}

# The natport entry of the phone's port: its external port.
ext_of_lan() { # ext_of_lan LAN_PORT
	np_entries_raw | grep " src=$LAN_IP dst=$WAN_IP sport=$1 dport=7200 " |
		sed -n "s/.* sport=7200 dport=\([0-9]*\) .*/\1/p" | head -n 1
}

# Final: stop for good releasing everything (SIGHUP makes release-on-stop
# yes live), then the usual closing checks.
restart_final_checks() {
	local l keep=()
	for l in "$@"; do
		[ "${l%% *}" = release-on-stop ] || keep+=("$l")
	done
	portd_conf "${keep[@]}" "release-on-stop yes"
	kill -HUP "$PORTD_PID"
	sleep 0.3
	sip_final_checks
}
