#!/usr/bin/env bash
# run.sh - run natport's test suites and print one closing summary line.
#
#   tests/run.sh [unit|lint|netns|kmod|sip ...]   default: every suite
#
# A test is one program: tests/unit/test_*.c (built by make) or
# tests/<suite>/test_*.sh. Exit 0 is PASS, 77 is SKIP (the test could not
# run here and says why), anything else FAIL. Under CI=true a SKIP counts
# as a failure: CI must never pass by not testing.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
export O

suites=("$@")
if [ ${#suites[@]} -eq 0 ]; then
	suites=(unit)
	# every folder with test_*.sh is a suite: the cheap ones first, the
	# qemu one last; a new suite needs no edit here
	for s in lint netns sip ctl real fuzz kmod; do
		[ -d "tests/$s" ] && suites+=("$s")
	done
	for d in tests/*/; do
		s=$(basename "$d")
		case " ${suites[*]} lib bench tools unit " in *" $s "*) continue ;; esac
		compgen -G "tests/$s/test_*.sh" >/dev/null && suites+=("$s")
	done
fi

pass=0 fail=0 skip=0
failed=()
logdir=$(mktemp -d /tmp/natport-test.XXXXXX)

run_one() {
	local name=$1
	shift
	local log="$logdir/${name//\//_}.log" rc start end
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	end=$(date +%s)
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		printf 'PASS %s (%ss)\n' "$name" $((end - start))
	elif [ $rc -eq 77 ]; then
		printf 'SKIP %s: %s\n' "$name" "$(tail -n 1 "$log")"
		if [ "${CI:-}" = true ]; then
			echo "     CI=true: a skipped suite is a failure" >&2
			fail=$((fail + 1))
			failed+=("$name")
		else
			skip=$((skip + 1))
		fi
	else
		fail=$((fail + 1))
		failed+=("$name")
		printf 'FAIL %s (exit %d, %ss); last lines of %s:\n' \
			"$name" $rc $((end - start)) "$log"
		# the failed checks first: the tail is often the daemons' own
		# logs, which push the test's verdict lines out of view
		grep -E '^(FAIL|FATAL):' "$log" | head -n 20 | sed 's/^/    ! /'
		tail -n 40 "$log" | sed 's/^/    | /'
	fi
}

for s in "${suites[@]}"; do
	case $s in
	unit)
		n=0
		for t in "$O"/tests/unit/test_*; do
			[ -x "$t" ] || continue
			[ -f "tests/unit/$(basename "$t").c" ] || continue # stale
			run_one "unit/$(basename "$t")" env CK_FORK=yes "$t"
			n=$((n + 1))
		done
		if [ $n = 0 ]; then
			echo "FAIL unit: no unit test binaries (make unit-build)"
			fail=$((fail + 1))
			failed+=(unit)
		fi
		;;
	*)
		[ -d "tests/$s" ] || { echo "run.sh: no suite '$s'" >&2; exit 2; }
		for t in tests/"$s"/test_*.sh; do
			[ -f "$t" ] || continue
			run_one "$s/$(basename "$t" .sh)" bash "$t"
		done
		;;
	esac
done

echo
echo "logs: $logdir"
[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
