#!/usr/bin/env bash
# test_failover.sh - a natport router pair fails over mid-call: the media
# goes on through the backup, the calls end by BYE through the backup's
# nat-portd, and no natport entry is left on either router.
#
# Real keepalived (VRRPv3, 0.2 s adverts) and conntrackd (FTFW over UDP on
# the sync link) with tools/ha's configs and notify script (lib_ha.sh).
#
# 1. The primary becomes master; its notify starts nat-portd. The backup
#    stays backup, its gate closed (no new flow through it). The phone
#    registers; HA_CALLS (default 50, the issue's figure) calls from the
#    phone through the moving address, each with its RTP/RTCP entries;
#    conntrackd carries them to the backup's external cache, the notify
#    script's push loop the state file. Call 1 carries np-udp media both ways at 200
#    packets/s, counted at both receivers every 100 ms and per source.
#    The backup's monotonic clock runs 1,000,000 s ahead (a time
#    namespace), as another machine's would.
# 2. Power cut of the primary (links down, every process -9). The backup's
#    keepalived takes the addresses; its notify commits the external
#    cache, opens its gate and starts nat-portd, which adopts every entry
#    and restores every call and the binding from the pushed state file.
#    Call 1's entry is the primary's, not one moved by a clash with a
#    flow let through before the commit.
# 3. Packets lost at each receiver and the gap, reported; the phone's BYEs
#    end every call through the backup: sipp N successful, no entry left.
# 4. The primary comes back: it stays backup (nopreempt), conntrackd -t
#    purges the stale entries its kernel kept, and it receives the new
#    master's state. Both keepalived stopped: nothing natport left anywhere.
set -eu
. "$(dirname "$0")/lib_ha.sh"
trap cleanup EXIT
N=${HA_CALLS:-50}
ha_start "$N"

echo "== 2: power cut of the primary"
t_cut=$(date +%s.%N)
ha_crash 1
NS_RTR=$NS_R2
check "the backup becomes master" wait_until 100 ha_master 2
check "the backup's nat-portd runs" wait_until 50 ha_portd_up 2
check "its gate is open" not ha_gate 2
check "the takeover is done (nat-portd started)" \
	wait_until 50 grep -q ' MASTER: conntrackd commit' "$D2/ha.log"
ha_takeover_times "$t_cut" "the power cut"
ha_takeover_checks "$N"

echo "== 3: the media, then the BYEs through the backup"
ha_media_and_byes FAILOVER "$N"

echo "== 4: the primary comes back"
stale=$(ha_entries 1)
echo "the dead primary's kernel kept $stale natport entries"
ha_revive 1
check "the returning primary stays backup (nopreempt)" wait_until 100 ha_backup 1
check "...with its gate closed" ha_gate 1
check "conntrackd -t purged its stale entries" wait_until 150 ha_entries_are 1 0
check "the new master still holds the addresses" \
	sh -c "ip -n $NS_R2 -br addr | grep -q ' $RTR_WAN/24'"
check "the returning primary has the new master's state (no call)" \
	wait_until 50 sh -c "! grep -q '^session ' $D1/state"
for r in 2 1; do
	kill -TERM "$(cat "$(ha_dir $r)/keepalived.main")"
done
check "keepalived stopped on both" wait_until 50 \
	sh -c "! kill -0 $(cat "$D1/keepalived.main") 2>/dev/null && ! kill -0 $(cat "$D2/keepalived.main") 2>/dev/null"
check "nat-portd stopped with the backup's keepalived" wait_until 100 not ha_portd_up 2
for r in 1 2; do
	check "router $r: no natport conntrack entry" ha_entries_are $r 0
done
check "router 2: its nat-portd, idle, left no nft table" \
	not in_r 2 nft list table inet natport
# the killed primary's nat-portd could not remove its table: it stays,
# matching no entry, for the next nat-portd there to take over
check "router 1: the killed nat-portd's nft table holds no entry's port" \
	sh -c "ip netns exec $NS_R1 nft list table inet natport | grep -q 'dport 20000-21999'"
finish
