#!/bin/bash
# bench_kmod.sh - what natport_rtp costs: forwarding packets/s through a
# natport mapping in the qemu guest with the module loaded and the stream
# registered, against the same without the module, in the same boot.
#
#   tests/kmod/bench_kmod.sh            prints one table line
#   BENCH_OUT=file tests/kmod/bench_kmod.sh
#                                       also appends one JSON object line
#   BENCH_SECS=3 BENCH_ROUNDS=6         seconds per run, rounds (medians)
#
# Absolute figures are the emulator's (TCG), not a real router's; only the
# ratio means something. Exit 77 (with a reason) if qemu cannot run here.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
secs=${BENCH_SECS:-3}
rounds=${BENCH_ROUNDS:-4}
# One vCPU: with two, sender, router and sink float across emulator
# threads and runs of the same setup differed by 2x here; with one they
# agree within about 10 %.
export NATPORT_QEMU_SMP=${NATPORT_QEMU_SMP:-1}
# -icount: the guest's clock counts executed instructions (1 ns each), so
# "packets per guest second" measures instructions per packet, whatever
# the host is doing. Without it, rounds here spread by +-30 %, far more
# than the module costs; with it, they agree within 0.5 %. The price is
# wall time (about 4 minutes for the default rounds).
export NATPORT_QEMU_EXTRA=${NATPORT_QEMU_EXTRA--icount shift=0,sleep=off}

command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: no qemu-system-x86_64"; exit 77; }
ls /boot/vmlinuz-*-amd64 >/dev/null 2>&1 || { echo "SKIP: no Debian kernel in /boot"; exit 77; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for t in np-rtp np-rtpstat np-map; do
	[ -x "$O/tests/$t" ] || { echo "bench_kmod: $O/tests/$t missing (make all)"; exit 1; }
done
make -s -C kmod >/dev/null || { echo "bench_kmod: module build failed"; exit 1; }

log=$(mktemp /tmp/natport-bench-kmod.XXXXXX)
trap 'rm -f "$log"' EXIT
if ! tests/kmod/qemu-run.sh -t 300 tests/kmod/guest_bench.sh "$O,$secs,$rounds" \
	>"$log" 2>&1; then
	cat "$log"
	echo "bench_kmod: guest failed"
	exit 1
fi
line=$(grep '^BENCH ' "$log" | tail -n 1)
[ -n "$line" ] || { cat "$log"; echo "bench_kmod: no result"; exit 1; }
grep '^round ' "$log" | sed 's/^/  /' >&2
eval "$(echo "${line#BENCH }" | tr ' ' '\n' | sed 's/^/b_/')"
cost=$(awk -v r="$b_ratio" 'BEGIN {printf "%.1f", (1 - r) * 100}')
printf '%-34s %12s %12s %8s %8s\n' "benchmark" "without pps" "with pps" "ratio" "cost"
printf '%-34s %12s %12s %8s %7s%%\n' "kmod natport_rtp (qemu, icount)" \
	"$b_without" "$b_with" "$b_ratio" "$cost"
if [ -n "${BENCH_OUT:-}" ]; then
	printf '{"name":"kmod_rtp_stats","unit":"packets per guest second","value":%s,"baseline":%s,"baseline_name":"same guest and boot without natport_rtp","ratio":%s,"cost_pct":%s,"secs":%s,"rounds":%s,"env":"qemu-tcg-icount","target":"cost < 10%%"}\n' \
		"$b_with" "$b_without" "$b_ratio" "$cost" "$secs" "$rounds" \
		>>"$BENCH_OUT"
fi
