#!/usr/bin/env bash
# test_suggest.sh - the external port a MAP suggests (RFC 6887 section
# 11.3) is given when it is free and in the media range, another one
# otherwise; PREFER_FAILURE (13.2) turns "another one" into
# CANNOT_PROVIDE_EXTERNAL with nothing kept; an RTP suggestion's RTCP
# follows it; NAT-PMP's suggested public port (natpmpc -a) likewise.
#
#   LAN app 192.0.2.10 --- router 192.0.2.1:5351 | 198.51.100.1
#   media range 20000-20099
set -eu
. "$(dirname "$0")/../lib/pcp.sh"
trap cleanup EXIT
pcp_up
one() { in_lan "$NPPCP" one -s $RTR_LAN -l $LAN_IP -N sugg "$@"; }
other_port() { # other_port RESULT PORT NOT: SUCCESS, in the range, not NOT
	[ "$1" = SUCCESS ] && [ "$2" != "$3" ] && [ "$2" -ge 20000 ] &&
		[ "$2" -le 20099 ]
}

read -r res ext _ <<<"$(one -p 6100 -t 600 -e 20050)"
check "a free suggested port is given ($res $ext)" [ "$res $ext" = "SUCCESS 20050" ]
check "its inbound element is at 20050" inbound_has 20050
read -r res ext2 _ <<<"$(one -p 6102 -t 600 -e 20050)"
check "a taken one: another port ($res $ext2)" other_port "$res" "$ext2" 20050
n=$(inbound_count)
read -r res _ <<<"$(one -p 6104 -t 600 -e 20050 -P)"
check "a taken one with PREFER_FAILURE: CANNOT_PROVIDE_EXTERNAL ($res)" \
	[ "$res" = CANNOT_PROVIDE_EXTERNAL ]
check "and nothing kept ($(inbound_count) = $n)" [ "$(inbound_count)" = "$n" ]
read -r res ext _ <<<"$(one -p 6106 -t 600 -e 30000)"
check "outside the range: one of the range ($res $ext)" \
	other_port "$res" "$ext" 30000
read -r res ext _ <<<"$(one -p 6108 -t 600 -e 20070 -P)"
check "a free one with PREFER_FAILURE ($res $ext)" [ "$res $ext" = "SUCCESS 20070" ]
read -r res ext _ <<<"$(one -p 6200 -t 600 -e 20080)"
check "RTP at the suggested 20080 ($res $ext)" [ "$res $ext" = "SUCCESS 20080" ]
read -r res ext _ <<<"$(one -p 6201 -t 600 -e 20090)"
check "its RTCP follows at 20081 ($res $ext)" [ "$res $ext" = "SUCCESS 20081" ]

# released, out of quarantine (200 ms here): the same port again
read -r res _ <<<"$(one -p 6100 -t 0)"
check "release 6100 ($res)" [ "$res" = SUCCESS ]
sleep 0.5
read -r res ext _ <<<"$(one -p 6110 -t 600 -e 20050)"
check "20050 is free again and given ($res $ext)" [ "$res $ext" = "SUCCESS 20050" ]

# NAT-PMP: natpmpc's public port is a suggestion too
in_lan natpmpc -g $RTR_LAN -a 20060 6300 udp 600 >"$TMP/map.out" 2>&1 || true
check "natpmpc gets its public port 20060" \
	grep -q "Mapped public port 20060" "$TMP/map.out"
in_lan natpmpc -g $RTR_LAN -a 0 6300 udp 0 >/dev/null 2>&1 || true

read -r res _ <<<"$(one -p 0 -t 0)"
check "delete all of the nonce's leases ($res)" [ "$res" = SUCCESS ]
check "no inbound element left" wait_until 30 [ "$(inbound_count)" = 0 ]
pcp_final_checks
finish
