#!/usr/bin/env bash
# run.sh - natport's benchmarks (make bench). Every figure is reported
# against a baseline measured in the same run, as a ratio, because these
# machines are noisy. BENCH_OUT=FILE also writes the figures as JSON.
#
#   tests/bench/run.sh [pm|forward|sip|kmod ...]   default: all
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
export O
JSONL=$(mktemp /tmp/natport-bench.XXXXXX)
export BENCH_JSON=$JSONL
trap 'rm -f "$JSONL"' EXIT
which=("$@")
[ ${#which[@]} -eq 0 ] && which=(pm forward sip kmod)
failed=0

for b in "${which[@]}"; do
	echo "== $b"
	case $b in
	pm)
		out=$("$O"/tests/bench_pm -n 8000 -r 5) || failed=1
		echo "$out"
		v() { echo "$out" | awk -v k="$1" '$1 == k {print $2}'; }
		cat >>"$JSONL" <<JSON
{"name":"mapping_setup_teardown_per_s","value":$(v lib_mapping_setup_teardown_per_s),"baseline":$(v raw_ctnetlink_create_per_s),"baseline_name":"raw batched ctnetlink entry creation (64 per sendmsg), same run","ratio":$(v ratio),"unit":"mappings/s","target":">= 0.5"}
{"name":"mapping_setup_teardown_vs_kernel_floor","value":$(v lib_mapping_setup_teardown_per_s),"baseline":$(v raw_ctnetlink_create_delete_per_s),"baseline_name":"raw batched ctnetlink create+delete, same run","ratio":$(v ratio_vs_create_delete),"unit":"mappings/s"}
{"name":"stream_setup_teardown_per_s","value":$(v lib_stream_setup_teardown_per_s),"baseline":$(v raw_ctnetlink_create_per_s),"baseline_name":"raw batched ctnetlink entry creation, same run","ratio":$(v ratio_stream),"unit":"mappings/s (RTP+RTCP per update_remote_many)"}
{"name":"mapping_setup_per_s","value":$(v lib_mapping_setup_per_s),"baseline":$(v raw_ctnetlink_create_per_s),"ratio":$(awk -v a="$(v lib_mapping_setup_per_s)" -v b="$(v raw_ctnetlink_create_per_s)" 'BEGIN {printf "%.3f", a / b}'),"unit":"mappings/s"}
JSON
		;;
	forward)
		bash tests/bench/bench_forward.sh || failed=1
		;;
	sip)
		if [ -f tests/bench/bench_sip.sh ]; then
			bash tests/bench/bench_sip.sh || failed=1
		else
			echo "(no SIP benchmark yet)"
		fi
		;;
	kmod)
		if [ -f tests/kmod/bench_kmod.sh ]; then
			BENCH_OUT=$JSONL bash tests/kmod/bench_kmod.sh || failed=1
		fi
		;;
	*)
		echo "run.sh: unknown benchmark $b" >&2
		failed=1
		;;
	esac
done

echo
echo "== summary (value / same-run baseline = ratio)"
jq -r 'select(.baseline != null) |
	"\(.name): \(.value) / \(.baseline) = \(.ratio)  [\(.unit)]"' "$JSONL"
jq -r 'select(.baseline == null) | "\(.name): \(.value)  [\(.unit)]"' "$JSONL"
if [ -n "${BENCH_OUT:-}" ]; then
	jq -s '{date: (now | todate), host_cores: '"$(nproc)"', figures: .}' \
		"$JSONL" >"$BENCH_OUT"
	echo "wrote $BENCH_OUT"
fi
exit $failed
