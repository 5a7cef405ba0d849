#!/usr/bin/env bash
# run.sh - natport's benchmarks (make bench). Every figure is reported
# against a baseline measured in the same run, as a ratio, because these
# machines are noisy.
#
#   tests/bench/run.sh [PART ...]     default: every part
#
# A part is any tests/bench/bench_*.sh, plus tests/kmod/bench_kmod.sh
# (named by what follows "bench_": pm, sip, media, kmod ...). Each gets a
# share of BENCH_BUDGET (default 1020 s) in proportion to the
# "# bench-budget: N" it asks for, must adapt to it (tests/bench/
# lib_bench.sh has the contract), and is killed 30 s after it. A part
# that cannot run says why (exit 77) and the rest still runs.
#
# Output: each part's own lines, then a table of every figure, then one
# VERDICT line per target, then one per part that did not run cleanly.
# BENCH_OUT (default $O/bench/bench.json) gets the same as JSON, and a
# plot beside it (same name, .svg and .png) when gnuplot is installed.
# Exit 0 when every part ran (whatever the figures), 1 otherwise.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
export O
BUDGET=${BENCH_BUDGET:-1020}
OUT=${BENCH_OUT:-$O/bench/bench.json}
mkdir -p "$(dirname "$OUT")"
work=$(mktemp -d /tmp/natport-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
t0=$(date +%s)

parts=()
for f in tests/bench/bench_*.sh tests/kmod/bench_kmod.sh; do
	[ -f "$f" ] || continue
	n=${f##*/bench_}
	n=${n%.sh}
	if [ $# -gt 0 ]; then
		case " $* " in *" $n "*) ;; *) continue ;; esac
	fi
	parts+=("$n=$f")
done
# kmod last: it is the longest and can give back what it does not use
want() { sed -n 's/^# bench-budget: *\([0-9]*\).*/\1/p' "$1" | head -n 1; }
order=()
for p in "${parts[@]}"; do [ "${p%%=*}" = kmod ] || order+=("$p"); done
for p in "${parts[@]}"; do [ "${p%%=*}" = kmod ] && order+=("$p"); done

failed=0
: >"$work/parts.jsonl"
echo "bench: ${#order[@]} parts, budget ${BUDGET}s, $(nproc) cores," \
	"load $(cut -d' ' -f1-3 /proc/loadavg)"
for i in "${!order[@]}"; do
	name=${order[$i]%%=*} file=${order[$i]#*=}
	rest=0
	for p in "${order[@]:$i}"; do
		w=$(want "${p#*=}")
		rest=$((rest + ${w:-120}))
	done
	w=$(want "$file")
	w=${w:-120}
	left=$((BUDGET - ($(date +%s) - t0)))
	b=$((left < rest ? w * left / rest : w))
	[ $b -ge 10 ] || b=10
	echo
	echo "== $name (budget ${b}s)"
	: >"$work/$name.jsonl"
	s0=$(date +%s)
	BENCH_BUDGET=$b BENCH_JSON=$work/$name.jsonl \
		timeout -k 10 $((b + 30)) bash "$file" 2>&1 | tee "$work/$name.out"
	rc=${PIPESTATUS[0]}
	secs=$(($(date +%s) - s0))
	case $rc in
	0) status=ran reason= ;;
	77) status="not run" reason=$(grep -v '^ *$' "$work/$name.out" | tail -n 1) ;;
	124 | 137) status=killed reason="still running $((b + 30))s after a ${b}s budget"; failed=1 ;;
	*) status=failed reason="exit $rc: $(grep -v '^ *$' "$work/$name.out" | tail -n 1)"; failed=1 ;;
	esac
	jq -cn --arg n "$name" --arg s "$status" --arg r "$reason" \
		--argjson t "$secs" --argjson b "$b" \
		'{part: $n, status: $s, reason: $r, secs: $t, budget: $b}' \
		>>"$work/parts.jsonl"
	jq -c --arg n "$name" '. + {part: $n}' "$work/$name.jsonl" \
		>>"$work/all.jsonl" 2>/dev/null ||
		echo "bench: part $name wrote JSON that does not parse" >&2
done
touch "$work/all.jsonl"

jq -s --argjson cores "$(nproc)" --arg kernel "$(uname -r)" \
	--arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
	--argjson secs $(($(date +%s) - t0)) --slurpfile parts "$work/parts.jsonl" \
	'{date: (now | todate), host: {cores: $cores, kernel: $kernel,
	  load_after: $load}, secs: $secs, parts: $parts,
	  figures: map(select(.name)), verdicts: map(select(.verdict))}' \
	"$work/all.jsonl" >"$OUT"

echo
echo "== figures (value against a baseline from the same run)"
jq -r '.figures[] | [.name, (.value | tostring), .unit,
	(if .baseline != null then (.baseline | tostring) else "-" end),
	(if .ratio != null then (.ratio | tostring) else "-" end)] | @tsv' "$OUT" |
	awk -F'\t' 'BEGIN { printf "%-40s %12s %12s %8s  %s\n", "figure", "value", "baseline", "ratio", "unit" }
		{ printf "%-40s %12s %12s %8s  %s\n", $1, $2, $4, $5, $3 }'
echo
echo "== verdicts"
jq -r '.verdicts[] | if .result == "not measured" then
	"VERDICT \(.verdict): not measured: \(.figure)" else
	"VERDICT \(.verdict): \(.result) (target \(.target)): \(.figure)" end' "$OUT"
jq -r '.parts[] | select(.status != "ran") |
	"VERDICT part \(.part): \(.status): \(.reason)"' "$OUT"
echo "bench: $(jq '[.parts[] | select(.status == "ran")] | length' "$OUT") of" \
	"$(jq '.parts | length' "$OUT") parts ran in $(jq .secs "$OUT")s; wrote $OUT"
tests/bench/plot.sh "$OUT" || echo "bench: no plot (see above)"
exit $failed
