#!/usr/bin/env bash
# test_baresip_tls.sh - baresip as a TLS phone on the LAN: TLS to the
# router's LAN listener (tls-cert, a router certificate of its own CA),
# TLS again from the router to the provider (Kamailio, the provider's
# CA), media in the kernel.
#
#   alice (baresip, TLS)   nat-portd (sip-tls yes)     Kamailio (TLS)   callee
#   192.0.2.10 =TLS= 192.0.2.1:5061 | 198.51.100.1 =TLS= 198.51.100.20 -UDP- 203.0.113.20
#
# 1. alice registers over TLS through the router: the REGISTER reaches
#    Kamailio over TLS from the router.
# 2. alice calls the callee (sipp, registered over UDP); both stream
#    G.711 (alice a sine, the callee sipp's pcap), the kernel carries
#    them, alice hangs up.
# 3. the callee calls alice: Kamailio reaches her over the router's TLS
#    connection, the router reaches her over hers; she answers, the
#    callee hangs up.
# Then: alice unregisters and quits; no TLS connection, call, mapping,
# held port, entry or extra socket left.
set -eu
. "$(dirname "$0")/lib_tls.sh"
trap cleanup EXIT
need_tls
command -v baresip >/dev/null || skip "missing baresip (make deps)"
for m in ausine aubridge g711 cons; do
	[ -r /usr/lib/baresip/modules/$m.so ] ||
		skip "baresip module $m missing (baresip-core)"
done
sip_up media
tls_pki
RPKI=$TMP/rpki # the router's own certificate, from another CA
"$TOP/tests/lib/tlsca.sh" "$RPKI" IP:$RTR_LAN IP:$RTR_WAN || die "tlsca.sh"
kam_tls_start
tls_portd_start "tls-cert $RPKI/server.pem" "tls-key $RPKI/server.key"

H=$TMP/alice
mkdir -p "$H/.baresip"
cat >"$H/.baresip/config" <<CFG
poll_method epoll
sip_listen $LAN_IP:5060
sip_trans_def tls
sip_cafile $RPKI/ca.pem
audio_player aubridge,play-alice
audio_alert aubridge,alert-alice
audio_source ausine,500
ausrc_srate 48000
ausrc_channels 2
auplay_srate 48000
auplay_channels 2
rtp_ports 10000-10019
audio_level no
module_path /usr/lib/baresip/modules
module g711.so
module ausine.so
module aubridge.so
module cons.so
cons_listen $LAN_IP:5555
module_app account.so
module_app menu.so
CFG
echo "<sip:alice@$WAN_IP;transport=tls>;outbound=\"sip:$RTR_LAN:5061;transport=tls;lr\";regint=60;audio_codecs=PCMA" \
	>"$H/.baresip/accounts"
bg "$NS_LAN" env HOME="$H" baresip -f "$H/.baresip" >"$H/log" 2>&1
ALICE=$!
defer "kill -KILL $ALICE 2>/dev/null || true"
alice() { in_lan bash -c 'printf "%s\n" "$1" >/dev/udp/$2/5555' _ "$1" $LAN_IP; }
alice_log() { tr '\r' '\n' <"$H/log"; }
alice_wait() { wait_until "$((${2:-10} * 10))" sh -c "tr '\r' '\n' <'$H/log' | grep -Eq -- '$1'"; }

echo "== 1: alice registers over TLS, twice TLS"
check "alice registered (200 OK)" alice_wait "200 OK" 15
check "Kamailio got her REGISTER over TLS from the router" \
	grep -q "req REGISTER sip:$WAN_IP;transport=tls from tls:$RTR_WAN:" <<<"$(kam_tls_log)"
check "the router accepted her TLS connection on 5061" \
	sh -c "ip netns exec $NS_RTR ss -Htn state established '( sport = :5061 )' | grep -q '$LAN_IP'"

call_media_checks() {
	check "natport entries for RTP and RTCP installed" wait_entries 2
	read -r o0 r0 < <(np_pkts)
	sleep 1.5
	read -r o1 r1 < <(np_pkts)
	check "kernel carried callee->alice RTP ($o0 -> $o1)" [ "$o1" -gt $((o0 + 30)) ]
	check "kernel carried alice->callee RTP ($r0 -> $r1)" [ "$r1" -gt $((r0 + 30)) ]
}

echo "== 2: alice calls the callee"
callee_up uas.xml -m 1
alice "/dial sip:1000@$WAN_IP"
check "alice's call is established" alice_wait "Call established" 15
call_media_checks
alice "/hangup"
check "the callee's sipp completed the call (BYE from alice)" wait_pid "$UAS_PID"
check "entries gone" wait_entries 0
check "the callee saw the router's Via as TLS" \
	grep -q "^Via: SIP/2.0/TLS $RTR_WAN:5061;" "$TMP/uas.msg"

echo "== 3: the callee calls alice"
cat >"$TMP/uac_alice.xml" <<'XML'
<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="callee calls alice">
  <send retrans="500">
    <![CDATA[
      INVITE sip:alice@[remote_ip] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:1000@[remote_ip]>;tag=[pid]c[call_number]
      To: <sip:alice@[remote_ip]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:1000@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=callee 1 1 IN IP4 [local_ip]
      s=-
      c=IN IP4 [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8
      a=rtpmap:8 PCMA/8000
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rrs="true"/>
  <send>
    <![CDATA[
      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      [routes]
      From: <sip:1000@[remote_ip]>;tag=[pid]c[call_number]
      To: <sip:alice@[remote_ip]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <nop>
    <action>
      <exec play_pcap_audio="/usr/share/sip-tester/g711a.pcap"/>
    </action>
  </nop>
  <pause milliseconds="3000"/>
  <send retrans="500">
    <![CDATA[
      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      [routes]
      From: <sip:1000@[remote_ip]>;tag=[pid]c[call_number]
      To: <sip:alice@[remote_ip]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0
    ]]>
  </send>
  <recv response="200"/>
</scenario>
XML
bg "$NS_WAN" timeout 30 sipp -sf "$TMP/uac_alice.xml" -i $WAN2_IP -p 5060 \
	-mi $WAN2_IP -mp 7000 -m 1 -nostdin -trace_msg -message_file \
	"$TMP/caller.msg" $WAN_IP:5060 >"$TMP/caller.out" 2>&1
CALLER=$!
check "alice is called" alice_wait "Incoming call" 10
alice "/accept"
call_media_checks
check "the callee's sipp completed the call (its BYE answered)" wait_pid "$CALLER"
check "entries gone" wait_entries 0
check "Kamailio sent the INVITE to the router over TLS" \
	grep -q "req INVITE sip:alice@$WAN_IP from udp:$WAN2_IP" <<<"$(kam_tls_log)"

alice "/quit"
wait_until 50 sh -c "! kill -0 $ALICE 2>/dev/null" || true
tls_final_checks
finish
