#!/usr/bin/env bash
# run.sh - one libFuzzer harness: replay its regression inputs, then fuzz.
#
#   tests/fuzz/run.sh NAME [SECONDS]     (default $FUZZ_SECONDS, else 60)
#
# The harness is $FUZZ_O/tests/fuzz/fuzz_NAME (make fuzz-build), seeded
# from $FUZZ_O/tests/fuzz/seeds/NAME (tests/fuzz/seeds.sh); what it finds
# is kept in $FUZZ_O/tests/fuzz/corpus/NAME for the next run. Every file in
# tests/fuzz/regress/NAME/ is replayed first and must pass. A crash, a
# leak, a UBSan error or a timeout fails the run, and the reproducer is
# copied to tests/fuzz/regress/NAME/ to be committed with the fix.
# Prints "fuzz NAME: <execs> execs in <s> s, cov <n>, ft <n>, corpus <n>",
# libFuzzer's own figures, and appends it to $FUZZ_O/fuzz-stats.txt.
set -u
cd "$(dirname "$0")/../.."
name=$1
secs=${2:-${FUZZ_SECONDS:-60}}
FUZZ_O=${FUZZ_O:-build-fuzz}
bin=$FUZZ_O/tests/fuzz/fuzz_$name
seeds=$FUZZ_O/tests/fuzz/seeds/$name
corpus=$FUZZ_O/tests/fuzz/corpus/$name
regress=tests/fuzz/regress/$name

if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
	echo "no $bin or $seeds (make fuzz-build)"
	exit 77
fi
work=$(mktemp -d /tmp/natport-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$corpus" "$work/art"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1

# regressions: each a past crash, run once
if [ -d "$regress" ] && [ -n "$(ls -A "$regress")" ]; then
	if ! "$bin" -runs=1 "$regress"/* >"$work/regress.log" 2>&1; then
		echo "FAIL: a regression input of $name crashes again:"
		tail -n 40 "$work/regress.log"
		exit 1
	fi
	echo "fuzz $name: $(ls "$regress" | wc -l) regression inputs pass"
fi

"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$work/art/" \
	"$corpus" "$seeds" >"$work/fuzz.log" 2>&1
rc=$?

last=$(grep -E '^#[0-9]+' "$work/fuzz.log" | tail -n 1)
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log")
cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
ncorp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
line="fuzz $name: ${execs:-?} execs in $secs s, cov ${cov:-?}, ft ${ft:-?}, corpus ${ncorp:-?}"
echo "$line"
echo "$(date -u +%FT%TZ) $line rc=$rc" >>"$FUZZ_O/fuzz-stats.txt"

if [ $rc -ne 0 ] || [ -n "$(ls -A "$work/art")" ]; then
	echo "FAIL: fuzz_$name (exit $rc):"
	grep -E -A 30 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|==ERROR|SUMMARY' \
		"$work/fuzz.log" | head -n 60
	mkdir -p "$regress"
	for a in "$work"/art/*; do
		[ -f "$a" ] || continue
		cp "$a" "$regress/"
		echo "reproducer: $regress/$(basename "$a")" \
			"(replay: $bin $regress/$(basename "$a"))"
	done
	exit 1
fi
exit 0
