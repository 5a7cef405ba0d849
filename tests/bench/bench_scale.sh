#!/usr/bin/env bash
# bench_scale.sh - the port manager at carrier scale (issue 12): 250,000
# concurrent mappings in one handle over 5 external addresses. Figures are
# ratios against raw batched ctnetlink measured in rounds interleaved with
# the library's in the same run (the batched API as the main figure, the
# single-call path beside it), or absolute where there is no baseline
# (bytes and descriptors per mapping); the worst event-loop stall is also
# set against the machine's own floor in the same window (a process doing
# nothing but sleep), and its verdict says what it was made of. One
# verdict line per target. With BENCH_JSON set
# (tests/bench/run.sh does), the figures are appended there as JSON lines.
#
#   bash tests/bench/bench_scale.sh [bench_scale options: -n -a -s -b]
#
# Under tests/bench/run.sh (lib_bench.sh's contract) the verdicts become
# VERDICT lines and JSON, and the part exits 0 whatever the figures.
# bench-budget: 60
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
out=$("$O"/tests/bench_scale "$@")
rc=$?
echo "$out"
[ $rc -eq 0 ] || exit $rc
v() { echo "$out" | awk -v k="$1" '$1 == k {sub(/^[^ ]* /, ""); print}'; }
if [ -n "${BENCH_JSON:-}" ]; then
	cat >>"$BENCH_JSON" <<JSON
{"name":"scale_setup_teardown_vs_kernel_floor","value":$(v lib_setup_teardown_per_s),"baseline":$(v raw_ctnetlink_create_delete_per_s),"baseline_name":"raw batched ctnetlink create+delete (64 per sendmsg), $(v raw_rounds_entries) entries in rounds interleaved with the library's, same run; library: get_mapping_many and release_many, $(v lib_setup_batch) to a call","ratio":$(v ratio_vs_create_delete),"unit":"mappings/s","target":">= 0.8"}
{"name":"scale_single_call_setup_teardown_vs_kernel_floor","value":$(v single_call_setup_teardown_per_s),"baseline":$(v single_call_raw_create_delete_per_s),"baseline_name":"raw batched ctnetlink create+delete, rounds of the same size interleaved, same run; library: natport_pm_get_mapping and natport_pm_release_id, one round trip per entry, $(v single_call_mappings) mappings","ratio":$(v single_call_ratio_vs_create_delete),"unit":"mappings/s"}
{"name":"scale_canary_worst_wakeup_late_ms","value":$(v canary_worst_wakeup_late_ms),"unit":"ms: a process doing nothing but sleep 1 ms, same window (the machine's floor)"}
{"name":"scale_worst_refresh_stall_steal_ms","value":$(v worst_dispatch_steal_ms),"unit":"ms of hypervisor steal on the busiest CPU during the worst stall (10 ms resolution)"}
{"name":"scale_rss_bytes_per_mapping","value":$(v rss_bytes_per_mapping),"unit":"bytes"}
{"name":"scale_conntrack_slab_bytes_per_mapping","value":$(v conntrack_slab_bytes_per_mapping),"unit":"bytes"}
{"name":"scale_slab_bytes_per_mapping","value":$(v slab_bytes_per_mapping),"unit":"bytes (all slab, noisy: shared machine)"}
{"name":"scale_descriptors_at_load","value":$(( $(v fds_at_load) - $(v fds_before) )),"unit":"fds for $(v mappings) mappings"}
{"name":"scale_worst_refresh_stall_ms","value":$(v worst_dispatch_ms),"unit":"ms wall","target":"<= 5"}
{"name":"scale_worst_refresh_stall_off_runqueue_ms","value":$(v worst_dispatch_off_runqueue_ms),"unit":"ms wall less run-queue wait","target":"<= 5"}
{"name":"scale_worst_refresh_stall_runqueue_ms","value":$(v worst_dispatch_runqueue_ms),"unit":"ms of the worst stall spent runnable, waiting for a CPU"}
{"name":"scale_setup_teardown_cpu_vs_kernel_floor","value":$(v cpu_ratio_vs_create_delete),"unit":"ratio of CPU seconds (raw / natport)","target":">= 0.8"}
{"name":"scale_worst_refresh_stall_cpu_ms","value":$(v worst_dispatch_cpu_ms),"unit":"ms CPU","target":"<= 5"}
{"name":"scale_release_10k_calls_ms","value":$(v release_10k_calls_ms),"unit":"ms (20,000 mappings)"}
JSON
fi
if [ -n "${BENCH_JSON:-}" ]; then
	. tests/bench/lib_bench.sh
	# "verdict NAME VALUE target TARGET... PASS|FAIL"
	while read -r _ name value _ target; do
		res=${target##* } target=${target% *}
		[ "$res" = PASS ] && res=met || res=not
		fig=$value
		# a stall's verdict says what the stall was made of
		case $name in
		worst_refresh_stall_ms | worst_refresh_stall_beyond_machine_ms)
			why=$(v why_worst_refresh_stall)
			fig="$value ms; the worst: ${why#* ms wall = }"
			;;
		esac
		verdict "scale_$name" $res "$target" "$fig"
	done < <(echo "$out" | grep '^verdict ')
	exit 0
fi
echo "$out" | grep -q "^verdict .* FAIL$" && exit 1
exit 0
