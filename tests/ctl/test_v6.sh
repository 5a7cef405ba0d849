#!/usr/bin/env bash
# test_v6.sh - nat-portctl with IPv6 calls: endpoints in text (brackets
# where a port follows, RFC 5952 form), in JSON, and in `kernel list`
# beside IPv4 ones.
#
#   LAN phone (sipp)        router: nat-portd + nat-portctl   provider (sipp)
#   2001:db8:1::10 -[c0]-[r0]- 2001:db8:1::1 | 2001:db8:2::1 -[r1]-[w0]- 2001:db8:2::20
#   192.0.2.10               192.0.2.1 | 198.51.100.1           198.51.100.20
#   RTP 6000/6001            media 20000-20099 (IPv4, NAT66)    RTP 7000/7001
#
# 1. Pinholes: an IPv6 call and an IPv4 call at once. calls list, calls
#    show, mappings list/show, kernel list in text and JSON: the IPv6
#    endpoints are [addr]:port (an IPv6 address without a port, such as the
#    call's client, is bare), external equals internal for a pinhole;
#    kernel list has the two IPv6 entries and the two IPv4 ones, with
#    counters rising.
# 2. NAT66 beside an IPv4 call: the IPv6 call's external is
#    [wan-address6]:port of the range, in calls list and kernel list
#    alike; after both calls mappings list shows the quarantined ports of
#    both ranges, NAT66's bracketed, in text and JSON, owner ended.
# 3. A quarantine listing longer than one batch (64 records): IPv4 on two
#    addresses and NAT66, the same ports in each, every one listed once.
# 4. Nothing left.
set -eu
. "$(dirname "$0")/../lib/ctl.sh"
trap cleanup EXIT
need_ctl
sip_up
topo_v6
V6_CONF=("lan-prefix 192.0.2.0/24" "lan-prefix 2001:db8:1::/64"
	"lan-address6 $RTR6_LAN" "wan-address6 $RTR6_WAN")
L=$LAN6_IP
W=$WAN6_IP

# the IPv4 call scenarios moved to IPv6 (o= from [media_ip], as sipp
# brackets [local_ip] for IPv6)
sed -e "s/198\.51\.100\.20/[far]/g" \
	-e 's/IN IP\[local_ip_type\] \[local_ip\]/IN IP[media_ip_type] [media_ip]/' \
	"$SCN/uac.xml" >"$TMP/uac6.xml"
sed -e 's/IN IP\[local_ip_type\] \[local_ip\]/IN IP[media_ip_type] [media_ip]/' \
	"$SCN/uas.xml" >"$TMP/uas6.xml"
call6() { # call6 DURATION_MS: an IPv6 call in the background
	bg "$NS_WAN" timeout 60 sipp -sf "$TMP/uas6.xml" -i "$W" -p 5060 \
		-mi "$W" -mp 7000 -m 1 -nostdin -trace_err \
		-error_file "$TMP/uas6.err" >"$TMP/uas6.out" 2>&1
	U6=$!
	sleep 0.3
	bg "$NS_LAN" timeout 60 sipp -sf "$TMP/uac6.xml" -i "$L" -p 5060 \
		-mi "$L" -mp 6000 -s 1000 -m 1 -d "$1" -key far "[$W]" \
		-nostdin -trace_err -error_file "$TMP/uac6.err" \
		"[$RTR6_LAN]:5060" >"$TMP/uac6.out" 2>&1
	P6=$!
}
# natport's IPv6 entries in the router (conntrack -L -f ipv6)
np6_raw() {
	in_rtr conntrack -L -f ipv6 -p udp 2>/dev/null | awk -v tag=$((NP_MARK_TAG)) '{
		for (i = 1; i <= NF; i++) if ($i ~ /^mark=/) {
			split($i, m, "="); if (int(m[2] / 65536) == tag) print } }'
}
np6_are() { [ "$(np6_raw | wc -l)" = "$1" ]; }
# a bare IPv6 address followed by :port (ambiguous) anywhere in FILE
no_bare_v6_port() { ! grep -Eq '(^|[ "])2001:db8:[0-9a-f:]*::?[0-9a-f]+:[0-9]{4,5}([ ",]|$)' "$1"; }

echo "== 1: an IPv6 call through pinholes beside an IPv4 call"
ctl_start "${V6_CONF[@]}"
uas uas.xml -m 1
uac_bg uac.xml -m 1 -d 8000
call6 8000
both_up() { np6_are 2 && np_entries_are 4; }
check "two IPv4 and two IPv6 calls' entries up" wait_until 80 both_up
sleep 1

# text: the IPv6 lines as they must read (counters, ages, timeouts -> N)
ctl_run calls_show calls show 2
check "calls show of the IPv6 call exits 0" [ "$(rc_of calls_show)" = 0 ]
norm <"$TMP/calls_show.out" >"$TMP/calls_show.n"
check "calls show: client bare (no port), RTP endpoints bracketed, external = internal" \
	grep -q "^id 2 owner sip call_id CALLID from sipp@$L to 1000@$W caller lan client $L state confirmed " "$TMP/calls_show.n"
check "calls show: the RTP line" grep -qx \
	"        rtp mapping 3 internal \[$L\]:6000 external \[$L\]:6000 remote \[$W\]:7000 pkts_in N bytes_in N pkts_out N bytes_out N" \
	"$TMP/calls_show.n"
check "calls show: the RTCP line" grep -qx \
	"        rtcp mapping 4 internal \[$L\]:6001 external \[$L\]:6001 remote \[$W\]:7001 pkts_in N bytes_in N pkts_out N bytes_out N" \
	"$TMP/calls_show.n"
ctl_run calls_list calls list
ctl_run mappings_list mappings list
check "mappings list: both IPv6 mappings bracketed" grep -q \
	"^id 3 type audio_rtp state active internal \[$L\]:6000 external \[$L\]:6000 remote \[$W\]:7000 owner sip call 2 " \
	"$TMP/mappings_list.out"
check "...and the IPv4 ones unchanged" grep -q \
	"^id 1 type audio_rtp state active internal $LAN_IP:6000 external $RTR_WAN:20000 remote $WAN_IP:7000 owner sip call 1 " \
	"$TMP/mappings_list.out"
ctl_run kernel_list -n "$NS_RTR" kernel list
check "kernel list exits 0" [ "$(rc_of kernel_list)" = 0 ]
norm <"$TMP/kernel_list.out" >"$TMP/kernel_list.n"
cat >"$TMP/kernel_list.want" <<TXT
id 1 internal $LAN_IP:6000 external $RTR_WAN:20000 remote $WAN_IP:7000 timeout N pkts_in N bytes_in N pkts_out N bytes_out N
id 2 internal $LAN_IP:6001 external $RTR_WAN:20001 remote $WAN_IP:7001 timeout N pkts_in N bytes_in N pkts_out N bytes_out N
id 3 internal [$L]:6000 external [$L]:6000 remote [$W]:7000 timeout N pkts_in N bytes_in N pkts_out N bytes_out N
id 4 internal [$L]:6001 external [$L]:6001 remote [$W]:7001 timeout N pkts_in N bytes_in N pkts_out N bytes_out N
TXT
if diff -u "$TMP/kernel_list.want" "$TMP/kernel_list.n" >"$TMP/kernel_list.diff"; then
	pass "kernel list: the IPv4 and the IPv6 entries, IPv6 bracketed"
else
	fail "kernel list differs:"
	cat "$TMP/kernel_list.diff"
fi
for f in calls_show calls_list mappings_list kernel_list; do
	check "$f: no IPv6 address with a port outside brackets" \
		no_bare_v6_port "$TMP/$f.out"
done

# JSON: the same endpoints, through a real parser
ctl_run calls_show_j -j calls show 2
jq_ok calls_show_j ".client == \"$L\" and .from == \"sipp@$L\" and .to == \"1000@$W\""
jq_ok calls_show_j ".streams[0].rtp.internal == \"[$L]:6000\" and .streams[0].rtp.external == \"[$L]:6000\" and .streams[0].rtp.remote == \"[$W]:7000\" and .streams[0].rtcp.remote == \"[$W]:7001\""
ctl_run calls_list_j -j calls list
jq_ok calls_list_j "length == 2 and ([.[].client] | sort) == [\"$LAN_IP\", \"$L\"]"
ctl_run mappings_list_j -j mappings list
jq_ok mappings_list_j "[.[] | select(.call == 2) | .internal] == [\"[$L]:6000\", \"[$L]:6001\"] and ([.[] | select(.call == 2) | .remote] == [\"[$W]:7000\", \"[$W]:7001\"])"
ctl_run mappings_show_j -j mappings show 3
jq_ok mappings_show_j ".id == 3 and .external == \"[$L]:6000\" and .pkts_in > 10 and .pkts_out > 10" \
	"mappings show 3: the pinhole's external is the phone, kernel counters rise"
ctl_run kernel_list_j -n "$NS_RTR" -j kernel list
jq_ok kernel_list_j "length == 4 and ([.[] | select(.internal | startswith(\"[\")) | .id] | sort) == [3,4]" \
	"kernel list: JSON has the two IPv6 entries beside the IPv4 ones"
jq_ok kernel_list_j "[.[] | select(.id == 3)][0] | .internal == \"[$L]:6000\" and .external == .internal and .remote == \"[$W]:7000\" and .pkts_in > 10 and .pkts_out > 10" \
	"kernel list: the IPv6 RTP entry, a pinhole, with its counters rising"
check "kernel list shows as many IPv6 entries as conntrack -f ipv6 ($(np6_raw | wc -l))" \
	[ "$(grep -c '^id [0-9]* internal \[' "$TMP/kernel_list.out")" = "$(np6_raw | wc -l)" ]
check "IPv6 phone's call completed" wait_pid "$P6"
check "IPv6 provider's call completed" wait_pid "$U6"
check "IPv4 phone's call completed" wait_pid "$UAC_PID"
check "IPv4 provider's call completed" wait_pid "$UAS_PID"
check "the IPv6 entries gone" wait_until 50 np6_are 0
check "the IPv4 entries gone" wait_entries 0
ctl_run kernel_empty -n "$NS_RTR" kernel list
check "kernel list is empty after the calls" [ ! -s "$TMP/kernel_empty.out" ]
check "nat-portd stops cleanly" portd_stop

echo "== 2: an IPv6 call through NAT66 beside an IPv4 call"
# a long quarantine: the released ports are listed after the calls
ctl_start "${V6_CONF[@]}" "nat66 yes" "quarantine 60s"
uas uas.xml -m 1
uac_bg uac.xml -m 1 -d 5000
call6 5000
check "two IPv6 entries up" wait_until 80 np6_are 2
sleep 1
ctl_run calls_list_66 -j calls list
jq_ok calls_list_66 "length == 2 and ([.[] | select(.client == \"$L\")][0] | .streams[0].rtp.internal == \"[$L]:6000\" and (.streams[0].rtp.external | test(\"^\\\\[$RTR6_WAN\\\\]:200[0-9][0-9]\$\")) and .streams[0].rtp.remote == \"[$W]:7000\")" \
	"calls list: NAT66 external is [wan-address6]:port of the range"
ext=$(jq -r ".[] | select(.client == \"$L\") | .streams[0].rtp.external" \
	"$TMP/calls_list_66.out")
ctl_run kernel_list_66 -n "$NS_RTR" kernel list
check "kernel list: the NAT66 entry reads the same external ($ext)" grep -q \
	"^id [0-9]* internal \[$L\]:6000 external $(sed 's/[][]/\\&/g' <<<"$ext") remote \[$W\]:7000 " \
	"$TMP/kernel_list_66.out"
check "kernel_list_66: no IPv6 address with a port outside brackets" \
	no_bare_v6_port "$TMP/kernel_list_66.out"
check "IPv6 phone's call completed" wait_pid "$P6"
check "IPv6 provider's call completed" wait_pid "$U6"
check "the IPv6 entries gone" wait_until 50 np6_are 0
check "IPv4 phone's call completed" wait_pid "$UAC_PID"
check "IPv4 provider's call completed" wait_pid "$UAS_PID"
check "the IPv4 entries gone" wait_entries 0
# the quarantine holds both ranges' ports: NAT66's are listed too, the
# same port numbers as the IPv4 range's, after them
ctl_run quar -j mappings list
jq_ok quar "length == 4 and all(.[]; .state == \"quarantined\")" \
	"mappings list after the calls: four quarantined mappings"
jq_ok quar "[.[].external] == [\"$RTR_WAN:20000\", \"$RTR_WAN:20001\", \"[$RTR6_WAN]:20000\", \"[$RTR6_WAN]:20001\"]" \
	"...the IPv4 range's, then NAT66's at [wan-address6]:port"
jq_ok quar "[.[] | select(.external | startswith(\"[\")) | .internal] == [\"[$L]:6000\", \"[$L]:6001\"]" \
	"...the NAT66 ones with their IPv6 internal endpoints"
jq_ok quar 'all(.[]; .owner == "ended" and (.call | type) == "number" and (has("call_id") | not))' \
	"...owner ended (their calls are gone), the call's id kept"
ctl_run quar_t mappings list
check "text: the quarantined NAT66 RTP mapping, bracketed" grep -Eq \
	"^id [0-9]+ type audio_rtp state quarantined internal \[$L\]:6000 external \[$RTR6_WAN\]:20000( |\$)" \
	"$TMP/quar_t.out"
check "text: and the IPv4 one, unchanged" grep -Eq \
	"^id [0-9]+ type audio_rtp state quarantined internal $LAN_IP:6000 external $RTR_WAN:20000( |\$)" \
	"$TMP/quar_t.out"
check "quar_t: no IPv6 address with a port outside brackets" \
	no_bare_v6_port "$TMP/quar_t.out"
check "nat-portd stops cleanly" portd_stop

echo "== 3: a quarantine listing longer than one batch"
# 70 IPv4 static mappings on two addresses and 20 NAT66 ones, all but
# the first released: the listing is sent in batches of 64 keyed by port,
# and the same port on both IPv4 addresses (a batch ends inside such a
# pair) or in both ranges must neither be lost nor sent twice
ctl_start "${V6_CONF[@]}" "nat66 yes" "quarantine 60s" \
	"media-address 203.0.113.1" "media-port-range 20000-20199"
for i in $(seq 0 69); do
	ctl mappings add internal "$LAN_IP:$((10000 + 2 * i))" type audio_rtp >/dev/null
done
for i in $(seq 0 19); do
	ctl mappings add internal "[$L]:$((10000 + 2 * i))" type audio_rtp >/dev/null
done
ctl_run many -j mappings list
jq_ok many "length == 90 and ([.[].external] | unique | length) == 90" \
	"90 static mappings listed, each once"
for id in $(jq -r '.[].id' "$TMP/many.out" | tail -n +2); do
	ctl mappings del "$id" >/dev/null
done
ctl_run many_q -j mappings list
jq_ok many_q "length == 90 and ([.[] | select(.state == \"quarantined\")] | length) == 89" \
	"after 89 deletes: one live mapping and 89 quarantined ones listed"
jq_ok many_q "([.[].external] | unique | length) == 90 and ([.[] | select(.external | startswith(\"[$RTR6_WAN]:\"))] | length) == 20" \
	"...each once, 20 of them NAT66's"
ctl_run many_t mappings list
check "text: the same 90 lines" [ "$(grep -c '^id ' "$TMP/many_t.out")" = 90 ]
check "many_t: no IPv6 address with a port outside brackets" \
	no_bare_v6_port "$TMP/many_t.out"
ctl mappings del "$(jq -r '.[0].id' "$TMP/many.out")" >/dev/null

echo "== 4: nothing left"
sip_final_checks
check "no IPv6 natport entry after exit" np6_are 0
finish
