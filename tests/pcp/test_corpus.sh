#!/usr/bin/env bash
# test_corpus.sh - every packet of tests/pcp/corpus replayed at nat-portd
# from the LAN client 192.0.2.10; each must get the answer EXPECT names
# (drop, pcp RESULT or natpmp CODE). EXPECT assumes a fresh server per
# packet, so nat-portctl flush ends every lease between two packets. At
# the end the daemon is alive and nothing is left.
#
#   np-pcp raw 192.0.2.10 --- router 192.0.2.1:5351 (nat-portd)
set -eu
. "$(dirname "$0")/../lib/pcp.sh"
trap cleanup EXIT
pcp_up
CORPUS=$TOP/tests/pcp/corpus
n=0
bad=0
while read -r name want; do
	case $name in '#'* | '') continue ;; esac
	[ -f "$CORPUS/$name.hex" ] || continue
	got=$(in_lan "$NPPCP" raw -s $RTR_LAN -l $LAN_IP "$CORPUS/$name.hex" |
		cut -d' ' -f2-)
	ctl flush -y >/dev/null
	n=$((n + 1))
	if [ "$got" != "$want" ]; then
		fail "$name: answered '$got', EXPECT says '$want'"
		bad=$((bad + 1))
	fi
done <"$CORPUS/EXPECT"
check "$n corpus packets answered as EXPECT says ($bad differ)" [ "$bad" = 0 ]
check "at least 40 packets replayed" [ "$n" -ge 40 ]
# the whole corpus once more, back to back, without flushes
in_lan "$NPPCP" raw -s $RTR_LAN -l $LAN_IP "$CORPUS"/*.hex >/dev/null
ctl flush -y >/dev/null
pcp_final_checks
finish
