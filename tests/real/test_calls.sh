#!/usr/bin/env bash
# test_calls.sh - baresip phones through nat-portd to a Kamailio provider:
# an outgoing call hung up by the LAN phone, an incoming call hung up by
# the far end, each with audio both ways through natport's kernel entries.
#
#   alice (baresip)        router: nat-portd          kamailio 198.51.100.20
#   192.0.2.10, 500 Hz -[c0]-[r0]- 192.0.2.1 | 198.51.100.1 -[r1]-[w0]-
#                          README firewall            carol 203.0.113.20, 900 Hz
#
# 1. alice and carol register (Kamailio: 401, then 200).
# 2. alice calls carol (INVITE 407, then through); carol answers. Each
#    hears the other's tone; natport-marked entries count the packets.
#    alice hangs up: nothing left.
# 3. carol calls alice through the registration nat-portd made; alice
#    answers; tones both ways; carol hangs up: nothing left.
# 4. Kamailio's OPTIONS keepalives reached alice through the router.
set -eu
. "$(dirname "$0")/lib_real.sh"
trap real_cleanup EXIT
need_real
real_up

phone_start alice
phone_start carol
check "Kamailio challenged alice's REGISTER with 401" \
	sh -c "grep -q 'challenge REGISTER from alice: 401' '$TMP/kam/kam.log'"

call() { # call FROM TO HANGER what
	local a=$1 b=$2 h=$3 what=$4 before after
	new_recordings "$a"
	new_recordings "$b"
	phone_mark "$a"
	phone_mark "$b"
	phone "$a" "/dial sip:$b@$DOMAIN"
	check "$what: $b rings" phone_wait "$b" "Incoming call" 10
	phone "$b" /accept
	check "$what: $a established" phone_wait "$a" "Call established" 10
	check "$what: $b established" phone_wait "$b" "Call established" 10
	sleep 0.5
	before=$(np_ct_pkts)
	sleep 3
	after=$(np_ct_pkts)
	np_ct_list | sed 's/^/    kernel: /'
	check "$what: natport entries in the kernel (${after% *})" [ "${after% *}" -ge 2 ]
	check "$what: their packet counters rose (${before#* } -> ${after#* })" \
		[ $((${after#* } - ${before#* })) -ge 200 ]
	phone "$h" /hangup
	check "$what: $a sees the end" phone_wait "$a" "terminated" 10
	check "$what: $b sees the end" phone_wait "$b" "terminated" 10
	heard_each_other "$a" "$b" "$what"
	after_call_clean "$what"
}

call alice carol alice "outgoing"
check "Kamailio challenged alice's INVITE with 407" \
	sh -c "grep -q 'challenge INVITE from alice: 407' '$TMP/kam/kam.log'"
call carol alice carol "incoming"
check "Kamailio's OPTIONS keepalives reached alice through the router ($(lan_options))" \
	[ "$(lan_options)" -ge 1 ]

phones_stop
kam_stop
sip_final_checks
finish
