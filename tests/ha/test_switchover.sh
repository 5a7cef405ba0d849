#!/usr/bin/env bash
# test_switchover.sh - a planned switchover of a natport router pair: the
# master's keepalived is stopped (maintenance, an upgrade), the backup
# takes the calls over without waiting for VRRP's timeout.
#
# Same pair as test_failover.sh (lib_ha.sh). HA_CALLS (default 20) calls
# and a registration through the primary, call 1 with np-udp media both
# ways at 200 packets/s. Then SIGTERM to the primary's keepalived: it
# sends a priority 0 advert and drops the addresses, its notify (STOP)
# stops nat-portd keeping its calls (SIGTERM, state written), pushes the
# state once more, closes the gate and cuts its entries' timeouts; the
# backup goes master at once, commits, adopts. The loss is reported and
# must be smaller than a failover's; the calls end by BYE through the new
# master, and the old master's kernel is empty after PurgeTimeout.
set -eu
. "$(dirname "$0")/lib_ha.sh"
trap cleanup EXIT
N=${HA_CALLS:-20}
ha_start "$N"

echo "== 2: the primary's keepalived stopped"
t_stop=$(date +%s.%N)
kill -TERM "$(cat "$D1/keepalived.main")"
NS_RTR=$NS_R2
check "the backup becomes master" wait_until 100 ha_master 2
check "the takeover is done (nat-portd started)" \
	wait_until 50 grep -q ' MASTER: conntrackd commit' "$D2/ha.log"
ha_takeover_times "$t_stop" "the stop"
check "the old master's notify ran STOP" wait_until 50 sh -c "grep -q ' STOP: nat-portd stopped' $D1/ha.log"
check "its nat-portd stopped keeping the $N calls" \
	grep -q "stopped; $N calls, 0 static mappings, 0 pcp leases and 0 ng calls kept with their media" "$D1/portd.log"
check "its gate is closed" ha_gate 1
check "the new master's is open" not ha_gate 2
ha_takeover_checks "$N"

echo "== 3: the media, then the BYEs through the new master"
ha_media_and_byes SWITCHOVER "$N"
check "the old master's kernel purged its entries (PurgeTimeout)" \
	wait_until 150 ha_entries_are 1 0

kill -TERM "$(cat "$D2/keepalived.main")"
check "nat-portd stopped with the new master's keepalived" \
	wait_until 100 not ha_portd_up 2
for r in 1 2; do
	check "router $r: no natport conntrack entry" ha_entries_are $r 0
done
check "router 2: its nat-portd, idle, left no nft table" \
	not in_r 2 nft list table inet natport
finish
