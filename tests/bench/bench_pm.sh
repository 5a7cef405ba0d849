#!/usr/bin/env bash
# bench_pm.sh - mapping setup+teardown through libnatport against raw
# batched ctnetlink in the same run (bench_pm.c does the work in its own
# namespace). Fewer mappings when the budget is short.
# bench-budget: 40
set -u
cd "$(dirname "$0")/../.."
. tests/bench/lib_bench.sh
O=${O:-build}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (a network namespace)"; exit 77; }
[ -x "$O/tests/bench_pm" ] || { echo "SKIP: $O/tests/bench_pm missing (make all)"; exit 77; }
n=8000 r=5
[ "$BENCH_BUDGET" -ge 30 ] || n=2000 r=3
out=$("$O"/tests/bench_pm -n $n -r $r) || { echo "$out"; echo "bench_pm failed"; exit 1; }
echo "$out"
v() { echo "$out" | awk -v k="$1" '$1 == k {print $2}'; }
figure mapping_setup_teardown_per_s "$(v lib_mapping_setup_teardown_per_s)" mappings/s \
	"baseline=$(v raw_ctnetlink_create_per_s)" "ratio=$(v ratio)" \
	'baseline_name="raw batched ctnetlink entry creation (64 per sendmsg), same run"'
figure mapping_setup_teardown_vs_kernel_floor "$(v lib_mapping_setup_teardown_per_s)" mappings/s \
	"baseline=$(v raw_ctnetlink_create_delete_per_s)" "ratio=$(v ratio_vs_create_delete)" \
	'baseline_name="raw batched ctnetlink create+delete, same run"'
figure stream_setup_teardown_per_s "$(v lib_stream_setup_teardown_per_s)" \
	"mappings/s (RTP+RTCP per update_remote_many)" \
	"baseline=$(v raw_ctnetlink_create_per_s)" "ratio=$(v ratio_stream)"
if fcmp "$(v ratio)" '>=' 0.5; then ok=met; else ok=not; fi
verdict pm_setup_teardown_vs_raw $ok ">= 0.5 x raw batched ctnetlink creation" \
	"$(v lib_mapping_setup_teardown_per_s) vs $(v raw_ctnetlink_create_per_s) mappings/s ($(v ratio) x)"
