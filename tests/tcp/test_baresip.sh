#!/usr/bin/env bash
# test_baresip.sh - a baresip phone set to transport=tcp through nat-portd
# to a Kamailio provider over TCP; a connection on either side dropped
# mid-call and re-established.
#
#   alice (baresip, TCP)   router: nat-portd          kamailio 198.51.100.20
#   192.0.2.10, 500 Hz -[c0]-[r0]- 192.0.2.1 | 198.51.100.1 -[r1]-[w0]- (UDP+TCP)
#                          README firewall            carol 203.0.113.20, 900 Hz (UDP)
#
# 1. alice registers over TCP to the router, which registers her over TCP
#    to Kamailio (upstream-proxy ...;transport=tcp); carol over UDP.
# 2. alice calls carol: each hears the other's tone through natport's
#    kernel entries; alice hangs up; nothing left.
# 3. carol calls alice: Kamailio reaches her binding over the router's
#    TCP connection, the router reaches alice over hers; carol hangs up.
# 4. alice calls carol; mid-call the router's connection to Kamailio is
#    reset (ss -K): media goes on; alice hangs up, her BYE makes nat-portd
#    open a new connection to Kamailio, carol sees the end.
# 5. alice calls carol; mid-call alice's connection to the router is
#    reset; carol hangs up: nat-portd reaches alice by opening a
#    connection to where her Contact says she listens (TCP 5060).
# Then: no connection (after the phones and Kamailio stop), call,
# mapping, held port or entry left.
set -eu
. "$(dirname "$0")/../real/lib_real.sh"
. "$(dirname "$0")/lib_tcp.sh"
trap real_cleanup EXIT
need_real

# Kamailio with a TCP listener beside its UDP one
mkdir -p "$TMP/real"
sed 's|^listen=udp:@LISTEN@:5060|&\nlisten=tcp:@LISTEN@:5060|' \
	"$TOP/tests/real/kamailio.cfg" >"$TMP/real/kamailio.cfg"
REAL=$TMP/real
# alice as baresip sets up a TCP account: the same phone, transport=tcp
eval "$(declare -f phone_start | sed '1s/phone_start/phone_start_tcp/
	s/sip_trans_def udp/sip_trans_def tcp/
	s/;lr\\"/;lr;transport=tcp\\"/
	s/<sip:\$n@\$DOMAIN>/<sip:$n@$DOMAIN;transport=tcp>/')"

topo_up
in_wan ip addr add "$FAR_IP/24" dev w0 2>/dev/null || true
readme_firewall
portd_start "upstream-proxy $WAN_IP:5060;transport=tcp" "sip-tcp yes"
kam_start
check "Kamailio listens on TCP" sh -c "ip netns exec $NS_WAN ss -Htln | grep -q '$WAN_IP:5060'"

phone_start_tcp alice
phone_start carol
check "alice registered over TCP to the router" \
	sh -c "ip netns exec $NS_RTR ss -Htn state established '( sport = :5060 )' | grep -q '$LAN_IP'"
check "the router registered her over TCP to Kamailio" \
	sh -c "ip netns exec $NS_RTR ss -Htn state established '( dport = :5060 )' | grep -q '$WAN_IP:5060'"

call() { # call FROM TO HANGER what [drop]
	local a=$1 b=$2 h=$3 what=$4 before after ha hb c0
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
	portd_stats
	c0=$(st tcp_connected)
	if [ "${5:-}" = drop ]; then
		in_rtr ss -K state established dst "$WAN_IP" dport = 5060 \
			>/dev/null 2>&1 || true
		check "$what: the router's connection to Kamailio is gone" \
			sh -c "! ip netns exec $NS_RTR ss -Htn state established '( dport = :5060 )' | grep -q '$WAN_IP:5060'"
	elif [ "${5:-}" = droplan ]; then
		in_rtr ss -K state established dst "$LAN_IP" \
			>/dev/null 2>&1 || true
		check "$what: alice's connection to the router is gone" \
			sh -c "! ip netns exec $NS_RTR ss -Htn state established | grep -q '$LAN_IP'"
	fi
	before=$(np_ct_pkts)
	sleep 3
	after=$(np_ct_pkts)
	check "$what: natport entries in the kernel (${after% *})" [ "${after% *}" -ge 2 ]
	check "$what: their packet counters rose (${before#* } -> ${after#* })" \
		[ $((${after#* } - ${before#* })) -ge 200 ]
	phone "$h" /hangup
	check "$what: $a sees the end" phone_wait "$a" "terminated" 10
	check "$what: $b sees the end" phone_wait "$b" "terminated" 10
	if [ -n "${5:-}" ]; then
		portd_stats
		check "$what: nat-portd opened a new connection ($c0 -> $(st tcp_connected))" \
			[ "$(st tcp_connected)" -gt "$c0" ]
	fi
	sleep 0.5
	ha=$(phone_heard "$a")
	hb=$(phone_heard "$b")
	echo "    $a heard $ha Hz, $b heard $hb Hz"
	check "$what: $a heard $b's ${PH_FREQ[$b]} Hz ($ha)" near "$ha" "${PH_FREQ[$b]}"
	check "$what: $b heard $a's ${PH_FREQ[$a]} Hz ($hb)" near "$hb" "${PH_FREQ[$a]}"
	after_call_clean "$what"
}

call alice carol alice "outgoing over TCP"
call carol alice carol "incoming over TCP"
call alice carol alice "provider connection reset mid-call" drop
call alice carol carol "phone connection reset mid-call" droplan
portd_stats
check "no SIP refused or malformed (refused=$(st refused) malformed=$(st malformed))" \
	[ "$(st refused)/$(st malformed)" = 0/0 ]

phones_stop
kam_stop
tcp_final_checks
finish
