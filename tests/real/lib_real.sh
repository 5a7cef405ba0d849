# shellcheck shell=bash
# lib_real.sh - real SIP software around nat-portd: baresip phones and a
# Kamailio provider, on top of tests/sip/lib_sip.sh (topology, nat-portd,
# closing checks) and the README's own firewall in the router.
#
#   LAN phones (baresip)   router: nat-portd          provider + far end
#   alice 192.0.2.10 -+    192.0.2.1                  kamailio 198.51.100.20
#   bob   192.0.2.11 -+-[c0]-[r0]  198.51.100.1 -[r1]-[w0]- carol 203.0.113.20
#   tone  500 / 700 Hz     README firewall            tone 900 Hz
#
# Every phone sends its own sine (ausine) and records what it decoded
# (sndfile), so the dominant frequency of a recording names who was heard.
# Kamailio challenges REGISTER (401) and INVITE (407), record-routes,
# detects NAT the way its sample config does and pings every contact with
# OPTIONS. All of it runs in the test's namespaces and dies with the test.
#
# kam_start                    Kamailio in the WAN namespace
# phone_start NAME             baresip for alice, bob or carol; registers
# phone NAME COMMAND           a baresip menu command (/dial ..., /accept)
# phone_wait NAME REGEX [S]    wait for a line in the phone's log
# phone_heard NAME             dominant frequency (Hz) of its last call
# np_ct_pkts                   packets counted by natport's entries
# media_checked A B WHAT       an established call carries media in the
#                              kernel; A hangs up, each heard the other

# shellcheck source=../sip/lib_sip.sh
. "$(dirname "${BASH_SOURCE[0]}")/../sip/lib_sip.sh"
# shellcheck source=firewall.sh
. "$TOP/tests/real/firewall.sh"
REAL=$TOP/tests/real
DOMAIN=$WAN_IP
FAR_IP=$WAN2_IP
KAM_PID=
declare -A PH_NS PH_IP PH_FREQ PH_RTP PH_PID
PH_NS=([alice]=$NS_LAN [bob]=$NS_LAN [carol]=$NS_WAN)
PH_IP=([alice]=$LAN_IP [bob]=$LAN2_IP [carol]=$FAR_IP)
PH_FREQ=([alice]=500 [bob]=700 [carol]=900)
PH_RTP=([alice]=10000 [bob]=10100 [carol]=12000)

# natport's ct mark, read from the public header in this one place (the
# tag and mask may change; conntrack -m takes value/mask)
NP_MARK=$(awk '/#define NATPORT_CT_MARK_TAG/ { t = $3 }
	/#define NATPORT_CT_MARK_MASK/ { m = $3 }
	END { sub(/u$/, "", t); sub(/u$/, "", m); print t "/" m }' \
	"$TOP/include/natport/natport.h")

need_real() {
	need_sip
	for t in baresip kamailio sox; do
		command -v $t >/dev/null || skip "missing $t (make deps)"
	done
	for m in ausine sndfile aubridge g711 cons; do
		[ -r /usr/lib/baresip/modules/$m.so ] ||
			skip "baresip module $m missing (baresip-core)"
	done
}

# The router as an operator would set it up: README firewall, nat-portd
# toward Kamailio.
real_up() {
	topo_up
	in_wan ip addr add $FAR_IP/24 dev w0 2>/dev/null || true
	readme_firewall
	# what reaches the LAN phones' SIP port: Kamailio's OPTIONS pings
	in_lan nft -f - <<NFT
table inet npt_sip {
	counter options { }
	chain in {
		type filter hook input priority 0;
		udp dport 5060 @ih,0,56 0x4f5054494f4e53 counter name options
	}
	# alice and bob share this namespace, so the kernel picks alice's
	# address as the source of bob's RTP (baresip binds it to any
	# address); on a real LAN bob is his own host: make his media leave
	# from his own address, as his SDP says
	chain post {
		type nat hook postrouting priority 100;
		ip saddr $LAN_IP udp sport ${PH_RTP[bob]}-$((${PH_RTP[bob]} + 19)) snat ip to $LAN2_IP
	}
}
NFT
	portd_start "upstream-proxy $WAN_IP:5060" "$@"
	kam_start
}

kam_start() {
	local d=$TMP/kam i
	mkdir -p "$d/db"
	printf 'id(int,auto) table_name(string) table_version(int) \n0:subscriber:7\n' >"$d/db/version"
	{
		echo 'id(int,auto) username(string) domain(string) password(string) '
		for u in alice bob carol dave; do
			echo "0:$u:$DOMAIN:pw-$u"
		done
	} >"$d/db/subscriber"
	sed "s|@DBDIR@|$d/db|g; s|@LISTEN@|$WAN_IP|g" "$REAL/kamailio.cfg" >"$d/kamailio.cfg"
	kamailio -c -f "$d/kamailio.cfg" >"$d/check.log" 2>&1 ||
		die "kamailio.cfg refused: $(tail -n 5 "$d/check.log")"
	bg "$NS_WAN" kamailio -DD -E -f "$d/kamailio.cfg" -Y "$d" -m 32 -M 4 \
		>"$d/kam.log" 2>&1
	KAM_PID=$!
	for i in $(seq 50); do
		in_wan ss -lun | grep -q "$WAN_IP:5060" && return 0
		kill -0 "$KAM_PID" 2>/dev/null || break
		sleep 0.1
	done
	tail -n 20 "$d/kam.log"
	die "kamailio did not start"
}
kam_log() { cat "$TMP/kam/kam.log"; }
lan_options() { # OPTIONS requests that reached the LAN phones
	in_lan nft list counter inet npt_sip options |
		awk '/packets/ { for (i = 1; i <= NF; i++) if ($i == "packets") print $(i + 1) }'
}

phone_start() { # phone_start NAME [account params]
	local n=$1 h=$TMP/ph-$1 ip=${PH_IP[$1]} ob= net=
	shift
	mkdir -p "$h/.baresip" "$h/rec"
	# LAN phones use the router as outbound proxy, as the README says
	[ "${PH_NS[$n]}" = "$NS_LAN" ] && ob=";outbound=\"sip:$RTR_LAN;lr\""
	# bob shares the LAN namespace with alice: without this his SDP
	# names alice's address, the namespace's first (see real_up)
	[ "$n" = bob ] && net="net_interface $ip"
	cat >"$h/.baresip/config" <<CFG
poll_method epoll
sip_listen $ip:5060
$net
sip_trans_def udp
audio_player aubridge,play-$n
audio_alert aubridge,alert-$n
audio_source ausine,${PH_FREQ[$n]}
ausrc_srate 48000
ausrc_channels 2
auplay_srate 48000
auplay_channels 2
rtp_ports ${PH_RTP[$n]}-$((${PH_RTP[$n]} + 19))
audio_level no
snd_path $h/rec
module_path /usr/lib/baresip/modules
module g711.so
module ausine.so
module aubridge.so
module sndfile.so
module cons.so
cons_listen $ip:5555
module_app account.so
module_app menu.so
CFG
	echo "<sip:$n@$DOMAIN>;auth_pass=pw-$n$ob;regint=60;audio_codecs=PCMU$*" \
		>"$h/.baresip/accounts"
	HOME=$h bg "${PH_NS[$n]}" env HOME="$h" baresip -f "$h/.baresip" \
		>"$h/log" 2>&1
	PH_PID[$n]=$!
	phone_wait "$n" "200 OK" 10 || {
		tail -n 20 "$h/log"
		die "$n did not register"
	}
}

phone() { # phone NAME COMMAND
	local n=$1
	ip netns exec "${PH_NS[$n]}" bash -c \
		'printf "%s\n" "$1" >/dev/udp/$2/5555' _ "$2" "${PH_IP[$n]}"
}

phone_log() { tr '\r' '\n' <"$TMP/ph-$1/log"; }
phone_wait() { # phone_wait NAME REGEX [SECONDS] (counts from the log's end
	# when PH_MARK_<NAME> was set by phone_mark)
	local n=$1 re=$2 t=${3:-10} i from
	from=$(eval echo "\${PH_MARK_$n:-0}")
	for i in $(seq $((t * 10))); do
		phone_log "$n" | tail -n +$((from + 1)) | grep -Eq -- "$re" && return 0
		sleep 0.1
	done
	return 1
}
phone_mark() { eval "PH_MARK_$1=$(phone_log "$1" | wc -l)"; }

# The dominant frequency of what the phone decoded in its last call, or
# in its last SECONDS only (sndfile keeps one file per call, across hold).
phone_heard() { # phone_heard NAME [SECONDS]
	local f trim=
	f=$(ls -t "$TMP/ph-$1/rec/"*-dec.wav 2>/dev/null | head -n 1)
	[ -n "$f" ] || { echo 0; return; }
	[ -n "${2:-}" ] && trim="trim -$2"
	# shellcheck disable=SC2086
	sox "$f" -n $trim stat -freq 2>&1 | awk 'NF == 2 && $1 ~ /^[0-9.]+$/ {
		if ($2 > m) { m = $2; f = $1 } } END { printf "%d\n", f }'
}
near() { # near VALUE TARGET: within 3 %
	awk -v v="$1" -v t="$2" 'BEGIN { d = v - t; if (d < 0) d = -d; exit !(d <= t * 0.03) }'
}
new_recordings() { rm -f "$TMP/ph-$1/rec/"*.wav; }

# natport-marked entries in the router: "<entries> <packets both ways>"
np_ct_pkts() {
	in_rtr conntrack -L -m "$NP_MARK" 2>/dev/null | awk '
		/mark=/ { n++; for (i = 1; i <= NF; i++) if ($i ~ /^packets=/) {
			split($i, a, "="); p += a[2] } }
		END { print n + 0, p + 0 }'
}
np_ct_list() { in_rtr conntrack -L -m "$NP_MARK" 2>/dev/null; }

# /quit unregisters (Expires: 0) and exits; a phone that hangs in that is
# killed, so a failing test still ends.
phones_stop() {
	local n i
	for n in "${!PH_PID[@]}"; do
		phone "$n" /quit 2>/dev/null || true
	done
	for n in "${!PH_PID[@]}"; do
		for i in $(seq 30); do
			kill -0 "${PH_PID[$n]}" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "${PH_PID[$n]}" 2>/dev/null || true
		wait "${PH_PID[$n]}" 2>/dev/null || true
	done
	PH_PID=()
}
kam_stop() {
	local i
	[ -n "$KAM_PID" ] || return 0
	kill "$KAM_PID" 2>/dev/null || true
	for i in $(seq 30); do
		kill -0 "$KAM_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$KAM_PID" 2>/dev/null || true
	wait "$KAM_PID" 2>/dev/null || true
	KAM_PID=
}

real_cleanup() {
	local rc=$? n
	if [ $rc != 0 ]; then
		for n in "${!PH_PID[@]}"; do
			echo "--- $n (last 15 lines)"
			phone_log "$n" | grep -v '^\[0:' | tail -n 15
		done
		[ -s "$TMP/kam/kam.log" ] && { echo "--- kamailio"; tail -n 20 "$TMP/kam/kam.log"; }
	fi
	phones_stop 2>/dev/null
	kam_stop 2>/dev/null
	(exit $rc)
	sip_cleanup
}

# After a call: nothing held in nat-portd or the kernel (the phones and
# Kamailio stay up for the next call).
after_call_clean() {
	local i
	for i in $(seq 50); do
		portd_stats
		[ "$(st calls)" = 0 ] && [ "$(st mappings)" = 0 ] &&
			[ "$(np_entries)" = 0 ] && break
		sleep 0.1
	done
	check "$1: no call, mapping or held port left (calls=$(st calls) mappings=$(st mappings) ports_held=$(st ports_held))" \
		[ "$(st calls)$(st mappings)$(st ports_held)" = 000 ]
	check "$1: no natport conntrack entry left" [ "$(np_entries)" = 0 ]
}

# media_checked A B WHAT: with A's call to or from B established,
# natport's entries carry it (200 packets in 3 s), A hangs up, B sees the
# end, each phone heard the other's tone, and nothing of the call is left.
media_checked() {
	local a=$1 b=$2 what=$3
	sleep 3
	np_ct_list | sed 's/^/    kernel: /'
	check "$what: natport entries carry the call ($(np_ct_pkts))" \
		[ "$(np_ct_pkts | cut -d' ' -f2)" -ge 200 ]
	phone "$a" /hangup
	check "$what: $b sees the end" phone_wait "$b" "terminated" 10
	heard_each_other "$a" "$b" "$what"
	after_call_clean "$what"
}

# heard_each_other A B WHAT: after their call, each heard the other's tone.
heard_each_other() {
	local a=$1 b=$2 what=$3 ha hb
	sleep 0.5
	ha=$(phone_heard "$a")
	hb=$(phone_heard "$b")
	echo "    $a heard $ha Hz, $b heard $hb Hz"
	check "$what: $a heard $b's ${PH_FREQ[$b]} Hz ($ha)" near "$ha" "${PH_FREQ[$b]}"
	check "$what: $b heard $a's ${PH_FREQ[$a]} Hz ($hb)" near "$hb" "${PH_FREQ[$a]}"
}
