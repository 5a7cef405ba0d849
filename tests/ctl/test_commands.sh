#!/usr/bin/env bash
# test_commands.sh - every nat-portctl command, text and JSON, against a
# live nat-portd during real calls.
#
#   LAN phone (sipp)       router: nat-portd + nat-portctl   provider (sipp)
#   ns np-lan-PID          ns np-rtr-PID                     ns np-wan-PID
#   192.0.2.10:5060 -[c0]-[r0]- 192.0.2.1    198.51.100.1 -[r1]-[w0]- 198.51.100.20:5060
#   RTP 6000/6001          media 20000-20099, control        RTP 7000/7001
#                          socket $TMP/ctl.sock
#
# 1. During a call: calls list/show, mappings list/show, kernel list, stats
#    (text against tests/ctl/expected/, JSON through jq), stats
#    --prometheus; counters read from the kernel rise; an entry deleted
#    behind natport's back is counted and put back.
# 2. Static mappings: add (text, JSON), refused adds (address checks, a
#    SIP call's endpoint) change nothing, del of a call's mapping refused,
#    del of the static one.
# 3. watch (text and JSON, started with -n NETNS) saw the call's life;
#    mapping records (list, show, events) name their owner: sip with the
#    call's id and Call-ID, or static.
# 4. A call offering a pinned (static) endpoint is refused and the static
#    mapping survives it. flush: refused without confirmation, then -y
#    ends the call and releases everything.
# 5. The daemon killed with SIGKILL mid-call: kernel list still shows what
#    the kernel holds, other commands exit 3; a new daemon removes it.
# 6. Nothing left.
set -eu
. "$(dirname "$0")/../lib/ctl.sh"
trap cleanup EXIT
need_ctl
topo_up
ctl_start

echo "== 1: a call, every read command"
in_rtr "$CTL_BIN" -s "$CTL_SOCK" watch >"$TMP/watch.out" 2>"$TMP/watch.err" &
PIDS+=($!)
WATCH_PID=$!
"$CTL_BIN" -n "$NS_RTR" -s "$CTL_SOCK" -j watch >"$TMP/watchj.out" 2>"$TMP/watchj.err" &
PIDS+=($!)
WATCHJ_PID=$!
sleep 0.3
uas uas.xml -m 1
uac_bg uac.xml -m 1 -d 6000
check "call's RTP and RTCP entries installed" wait_entries 2
sleep 1.5

ctl_run calls_list calls list
check "calls list exits 0" [ "$(rc_of calls_list)" = 0 ]
expect calls_list
ctl_run calls_list_j -j calls list
jq_ok calls_list_j 'length == 1 and .[0].id == 1 and .[0].state == "confirmed" and .[0].caller == "lan" and .[0].client == "192.0.2.10"'
jq_ok calls_list_j '.[0].streams | length == 1'
jq_ok calls_list_j '.[0].streams[0].rtp.remote == "198.51.100.20:7000" and .[0].streams[0].rtp.external == "198.51.100.1:20000" and .[0].streams[0].rtcp.internal == "192.0.2.10:6001"'
jq_ok calls_list_j '.[0].streams[0].rtp.pkts_in > 10 and .[0].streams[0].rtp.pkts_out > 10 and .[0].bytes_in >= .[0].streams[0].rtp.bytes_in' \
	"calls list: kernel counters of the call's RTP rise both ways"
ctl_run calls_show calls show 1
expect calls_show calls_list
ctl_run calls_show_j -j calls show 1
jq_ok calls_show_j '.id == 1 and .to == "1000@198.51.100.20" and (.streams[0].rtp.mapping | type) == "number"'
ctl_run calls_show_none calls show 99
check "calls show 99: exit 1" [ "$(rc_of calls_show_none)" = 1 ]
check "calls show 99: says so on stderr" grep -q "no call 99" "$TMP/calls_show_none.err"

ctl_run mappings_list mappings list
expect mappings_list
ctl_run mappings_list_j -j mappings list
jq_ok mappings_list_j 'length == 2 and ([.[].state] | unique) == ["active"] and ([.[].owner] | unique) == ["sip"] and ([.[].call] | unique) == [1]'
CID=$(jq -r '.[0].call_id' "$TMP/calls_list_j.out")
jq_ok mappings_list_j "all(.[]; .owner == \"sip\" and .call == 1 and .call_id == \"$CID\")" \
	"mappings list -j: each mapping names its SIP call and Call-ID ($CID)"
check "mappings list: owner sip call 1 call_id $CID on each line" \
	[ "$(grep -c " owner sip call 1 call_id $CID age " "$TMP/mappings_list.out")" = 2 ]
jq_ok mappings_list_j '.[0].type == "audio_rtp" and .[0].internal == "192.0.2.10:6000" and .[0].remote == "198.51.100.20:7000" and .[1].type == "audio_rtcp"'
jq_ok mappings_list_j '.[0].pkts_in > 10 and .[0].pkts_out > 10' \
	"mappings list: kernel counters of the RTP mapping rise both ways"
ctl_run mappings_show mappings show 1
expect mappings_show
ctl_run mappings_show_j -j mappings show 2
jq_ok mappings_show_j '.id == 2 and .external == "198.51.100.1:20001"'

ctl_run kernel_list -n "$NS_RTR" kernel list
expect kernel_list
ctl_run kernel_list_j -n "$NS_RTR" -j kernel list
jq_ok kernel_list_j "length == $(np_entries) and ([.[].id] | sort) == [1,2] and ([.[] | select(.id == 1) | .pkts_in][0] > 10)" \
	"kernel list: the entries conntrack -L shows, with counters"

ctl_run stats stats
check "stats exits 0" [ "$(rc_of stats)" = 0 ]
awk '{ print $1 }' "$TMP/stats.out" >"$TMP/stats_keys.out"
expect stats_keys
ctl_run stats_j -j stats
jq_ok stats_j '.calls == 1 and .mappings == 2 and .mappings_active == 2 and .ports_held == 2 and .ports_total == 100 and .ports_free == 98 and .kernel_entries == 2'
jq_ok stats_j '.kernel_pkts_in > 10 and .kernel_pkts_out > 10 and .errors.inval == 0 and .control.watchers == 2'
ctl_run prom stats --prometheus
check "stats --prometheus: every sample is NAME[{kind=\"K\"}] VALUE" \
	not grep -Ev '^(# TYPE natport_[a-z_]+ (gauge|counter)|natport_[a-z_]+(\{kind="[a-z_]+"\})? [0-9]+)$' "$TMP/prom.out"
check "stats --prometheus: every family has its TYPE line" \
	[ "$(grep -c '^# TYPE' "$TMP/prom.out")" = "$(grep -v '^#' "$TMP/prom.out" | sed 's/[{ ].*//' | sort -u | wc -l)" ]
check "stats --prometheus: natport_calls 1, counters are _total" \
	grep -qx 'natport_calls 1' "$TMP/prom.out"
check "stats --prometheus: errors by kind" \
	grep -qx 'natport_errors_total{kind="noport"} 0' "$TMP/prom.out"

# the kernel loses an entry (conntrack -D): watch must report it
in_rtr conntrack -D -p udp --mark ${NP_MARK_TAG}0002 >/dev/null 2>&1 || true
sleep 0.5
check "the deleted RTCP entry was put back" wait_entries 2
ctl_run destroyed -j stats
jq_ok destroyed '.kernel_destroyed >= 1 and .kernel_restored >= 1'

echo "== 2: static mappings"
ctl_run add mappings add internal 192.0.2.11:8000 remote 198.51.100.20:9000 type audio_rtp
check "mappings add: exit 0" [ "$(rc_of add)" = 0 ]
expect add mappings_add
ctl_run add_j -j mappings show 3
jq_ok add_j '.owner == "static" and .state == "active" and .remote == "198.51.100.20:9000" and .type == "audio_rtp" and (has("call") | not)'
check "static mapping's entry is in the kernel" wait_entries 3
ctl_run before_j -j mappings list
for bad in "internal 192.0.2.11:8002 remote 192.0.2.50:9000|remote" \
	"internal 198.51.100.30:8000|outside the LAN" \
	"internal 192.0.2.10:6000 type audio_rtp|in use by sip call 1" \
	"internal 192.0.2.11:8000 type data|already mapped" \
	"internal 192.0.2.11:8003 type audio_rtp|odd"; do
	args=${bad%%|*}
	# shellcheck disable=SC2086
	ctl_run add_bad mappings add $args
	check "mappings add $args: exit 1, reason on stderr" \
		sh -c "[ $(rc_of add_bad) = 1 ] && grep -q '${bad#*|}' '$TMP/add_bad.err' && [ ! -s '$TMP/add_bad.out' ]"
done
ctl_run after_j -j mappings list
check "refused adds changed nothing (same mappings, same ports)" \
	sh -c "jq -c '[.[] | {id, internal, external, state}]' '$TMP/before_j.out' >'$TMP/a'; jq -c '[.[] | {id, internal, external, state}]' '$TMP/after_j.out' >'$TMP/b'; cmp -s '$TMP/a' '$TMP/b'"
check "no kernel entry from refused adds" [ "$(np_entries)" = 3 ]
ctl_run del_sip mappings del 1
check "mappings del of a call's mapping: exit 1, not allowed" \
	sh -c "[ $(rc_of del_sip) = 1 ] && grep -q 'belongs to sip call 1' '$TMP/del_sip.err'"
ctl_run del mappings del 3
check "mappings del 3: exit 0" [ "$(rc_of del)" = 0 ]
check "its kernel entry is gone" wait_entries 2
ctl_run del_again mappings del 3
check "mappings del 3 again: exit 1, no mapping" \
	sh -c "[ $(rc_of del_again) = 1 ] && grep -q 'no mapping 3' '$TMP/del_again.err'"

echo "== 3: the call ends; watch saw it all"
check "phone's sipp completed the call" wait_pid "$UAC_PID"
check "provider's sipp completed the call" wait_pid "$UAS_PID"
check "BYE removed the call's entries" wait_entries 0
ctl_run quar -j mappings list
jq_ok quar 'all(.[]; .state == "quarantined")' "mappings list right after the call: only quarantined ones"
sleep 0.5
kill "$WATCH_PID" "$WATCHJ_PID" 2>/dev/null || true
wait "$WATCH_PID" "$WATCHJ_PID" 2>/dev/null || true
for ev in "event call-new id 1 " "event mapping-created id 1 type audio_rtp state held" \
	"event mapping-remote id 1 type audio_rtp state active" \
	"event call-state id 1 .* state confirmed" \
	"event mapping-created id 3 type audio_rtp .* owner static" \
	"event mapping-created id 2 type audio_rtcp .* owner sip call 1 call_id $CID age" \
	"event mapping-destroyed id 2 type audio_rtcp" \
	"event mapping-restored id 2 type audio_rtcp state active" \
	"event mapping-released id 3 " "event mapping-released id 1 " \
	"event call-end id 1 .* state ended end bye"; do
	check "watch: a line '$ev'" grep -q -- "^$ev" "$TMP/watch.out"
done
check "watch -j: every line is one JSON object" \
	sh -c "[ -s '$TMP/watchj.out' ] && jq -e -c 'type == \"object\"' '$TMP/watchj.out' >/dev/null"
check "watch -j: the same events as the text watch" \
	sh -c "[ \"\$(jq -r .event '$TMP/watchj.out' | tr '\n' ' ')\" = \"\$(awk '{ print \$2 }' '$TMP/watch.out' | tr '\n' ' ')\" ]"

echo "== 4: a call never takes a static mapping; flush"
ctl_run pin -j mappings add internal 192.0.2.10:6000 type audio_rtp
jq_ok pin '.owner == "static" and .internal == "192.0.2.10:6000"'
PIN_ID=$(jq .id "$TMP/pin.out")
rc=0
uac uac.xml -m 1 -timeout 10s || rc=$?
check "a call offering the pinned endpoint is refused (sipp exit $rc)" [ $rc != 0 ]
check "the refusal is a 488 naming the static mapping" \
	grep -q "192.0.2.10:6000 is pinned by static mapping $PIN_ID" "$PORTD_LOG"
ctl_run pin_after -j mappings show "$PIN_ID"
jq_ok pin_after '.owner == "static" and .state == "held"' "the static mapping survived the refused call"
ctl_run pin_calls -j stats
jq_ok pin_calls '.calls == 0 and .mappings == 1 and .errors.media_refused_addr >= 1'
ctl mappings del "$PIN_ID"
uas uas.xml -m 1
uac_bg uac.xml -m 1 -d 20000
check "second call's entries installed" wait_entries 2
ctl_run add_held -j mappings add internal 192.0.2.11:8000 type data
jq_ok add_held '.owner == "static" and .state == "held" and .type == "data" and (has("remote") | not)' \
	"mappings add -j without a remote: a held static mapping"
ctl_run flush_no flush </dev/null
check "flush without -y and no 'y' on stdin: exit 1" [ "$(rc_of flush_no)" = 1 ]
check "flush without confirmation: says nothing changed" grep -q "nothing changed" "$TMP/flush_no.err"
echo n >"$TMP/no"
ctl_run flush_n flush <"$TMP/no"
ctl_run after_no -j stats
jq_ok after_no '.calls == 1 and .mappings == 3' "declined flush changed nothing"
echo y >"$TMP/yes"
ctl_run flush_y flush <"$TMP/yes"
check "flush confirmed on stdin: exit 0" [ "$(rc_of flush_y)" = 0 ]
check "flush: summary on stderr" grep -q "1 calls ended, 1 more mappings released" "$TMP/flush_y.err"
ctl_run after_flush -j stats
jq_ok after_flush '.calls == 0 and .mappings == 0 and .ports_held == 0 and .kernel_entries == 0'
check "flush removed the kernel entries" wait_entries 0
ctl_run calls_empty calls list
check "calls list after flush: empty" [ ! -s "$TMP/calls_empty.out" ]
ctl_run calls_empty_j -j calls list
jq_ok calls_empty_j '. == []'
kill "$UAC_PID" "$UAS_PID" 2>/dev/null || true
wait "$UAC_PID" "$UAS_PID" 2>/dev/null || true
ctl_run flush_y2 flush -y
check "flush -y on an empty daemon: exit 0" [ "$(rc_of flush_y2)" = 0 ]

echo "== 5: the daemon dies mid-call; kernel list still works"
uas uas.xml -m 1
uac_bg uac.xml -m 1 -d 20000
check "third call's entries installed" wait_entries 2
kill -KILL "$PORTD_PID"
wait "$PORTD_PID" 2>/dev/null || true
PORTD_PID=
ctl_run dead_stats stats
check "stats with the daemon dead: exit 3" [ "$(rc_of dead_stats)" = 3 ]
check "stats with the daemon dead: 'not running' on stderr" grep -q "nat-portd is not running" "$TMP/dead_stats.err"
ctl_run dead_kernel -n "$NS_RTR" -j kernel list
check "kernel list with the daemon dead: exit 0" [ "$(rc_of dead_kernel)" = 0 ]
jq_ok dead_kernel "length == 2 and ([.[].internal] | sort) == [\"192.0.2.10:6000\", \"192.0.2.10:6001\"]" \
	"kernel list with the daemon dead: the orphaned entries"
kill "$UAC_PID" "$UAS_PID" 2>/dev/null || true
wait "$UAC_PID" "$UAS_PID" 2>/dev/null || true
# Orphans: entries no call claims. A crash leaves the call in the state
# file, and a new nat-portd would take it back (issue 14, tests/restart);
# without the file nothing owns the entries, and they go once the adopt
# grace is over.
rm -f "$TMP/state"
ctl_start "adopt-grace 1s"
orphans_gone() {
	ctl_run restart_j -j stats
	jq -e '.kernel_entries == 0' "$TMP/restart_j.out" >/dev/null
}
wait_until 50 orphans_gone || true
jq_ok restart_j '.stale_removed == 2 and .kernel_entries == 0' "a new nat-portd removed the orphans"
ctl_run kernel_empty -n "$NS_RTR" kernel list
check "kernel list: nothing left" sh -c "[ $(rc_of kernel_empty) = 0 ] && [ ! -s '$TMP/kernel_empty.out' ]"

echo "== 6: nothing left"
sip_final_checks
check "control socket removed on exit" [ ! -e "$CTL_SOCK" ]
finish
