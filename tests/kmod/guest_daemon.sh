#!/bin/bash
# guest_daemon.sh - nat-portd with natport_rtp loaded, run INSIDE the qemu
# guest by test_kmod.sh: the daemon finds the module, registers the
# call's RTP mapping with the SDP's codec, nat-portctl shows the stream's
# loss and jitter while the call runs, and the call's final figures are
# logged when it ends; nothing is left registered. Midway nat-portd is
# killed (-9) and started again: it registers the stream again from its
# state file, taking the module's counters over (issue 14).
#
#   LAN phone (sipp)       router: nat-portd + natport_rtp   provider (sipp)
#   192.0.2.10:5060 ------ 192.0.2.1 | 198.51.100.1 ------- 198.51.100.20:5060
#   RTP 6000/6001          media 20000-20099                 RTP 7000/7001
#
# Both sipps play the same G.711 pcap (PCMA, 8 kHz): nothing is lost on
# these virtual links, so loss must be 0 and jitter small and finite.
set -eu
O=${1:-build}
export O
for m in nf_conntrack nf_nat nf_tables nft_ct nft_nat nft_masq \
	nft_chain_nat nft_counter nft_objref nf_conntrack_netlink nfnetlink veth; do
	modprobe "$m" 2>/dev/null || true
done
insmod kmod/natport_rtp.ko
. tests/lib/sip.sh
trap cleanup EXIT
defer "rmmod natport_rtp 2>/dev/null" # last: after nat-portd is gone
sip_up
portd_start
check "nat-portd found the kernel module" \
	grep -q "natport_rtp found" "$PORTD_LOG"

uas uas.xml -m 1
uac_bg uac.xml -m 1 -d 10000
check "natport entries for RTP and RTCP installed" wait_entries 2
sleep 2
j=$("$BIN/nat-portctl" -s "$TMP/ctl.sock" -j calls list)
echo "calls list: $(echo "$j" | jq -c '.[0].streams[0].rtp')"
q() { echo "$j" | jq -e "$1" >/dev/null; }
# kill -9 and a restart mid-call, at once (TCG is slow: the checks below
# take seconds); they then read the calls list taken before it
before=$(echo "$j" | jq '.[0].streams[0].rtp.quality_in.rtp')
kill -9 "$PORTD_PID"
wait "$PORTD_PID" 2>/dev/null || true
PORTD_PID=
portd_start # the same config; the killed instance's state file
grep '^restart: ' "$PORTD_LOG" | sed 's/^/    /'
j2=$("$BIN/nat-portctl" -s "$TMP/ctl.sock" -j calls list)
check "calls list shows quality for the RTP stream" \
	q '.[0].streams[0].rtp.quality_in.rtp > 20 and .[0].streams[0].rtp.quality_out.rtp > 20'
check "the RTCP mapping is not counted as RTP" \
	q '.[0].streams[0].rtcp.quality_in == null'
check "no loss on a lossless link, in and out" \
	q '.[0].streams[0].rtp.quality_in.lost == 0 and .[0].streams[0].rtp.quality_out.lost == 0'
check "an SSRC is seen each way" \
	q '.[0].streams[0].rtp.quality_in.ssrc > 0 and .[0].streams[0].rtp.quality_out.ssrc > 0'
check "kernel counters and module agree on packets in" \
	q '.[0].streams[0].rtp.quality_in.rtp <= .[0].streams[0].rtp.pkts_in'
check "after kill -9 and a restart the RTP stream is registered again" \
	grep -q "restart: 1 RTP streams registered again" "$PORTD_LOG"
check "its statistics were kept (in: $before RTP packets before, $(echo "$j2" | jq '.[0].streams[0].rtp.quality_in.rtp') after)" \
	sh -c "[ $before -gt 20 ] && echo '$j2' | jq -e '.[0].streams[0].rtp.quality_in.rtp >= $before' >/dev/null"

check "phone's sipp completed the call" wait_pid "$UAC_PID"
check "provider's sipp completed the call" wait_pid "$UAS_PID"
check "BYE removed the natport entries" wait_entries 0
grep '^rtp: ' "$PORTD_LOG" | sed 's/^/    /'
check "final loss and jitter logged for both directions" \
	bash -c "grep -q 'rtp: .* in: [0-9]* RTP packets, lost 0 of' '$PORTD_LOG' &&
		 grep -q 'rtp: .* out: [0-9]* RTP packets, lost 0 of' '$PORTD_LOG'"
left=$(in_rtr "$BIN/tests/np-rtpstat" dump 2>&1 | grep -c '^stream ' || true)
check "no stream left registered in the module ($left)" [ "$left" = 0 ]
sip_final_checks
finish
