# shellcheck shell=bash
# common.sh - the conventions every natport shell test shares: PASS/FAIL
# lines and their count, SKIP as exit 77, one clean-up registry run from
# one EXIT trap, a leftovers check, wait helpers, median. Source it (or a
# library that sources it), then `trap cleanup EXIT`.
#
#   check "what" CMD...     PASS or FAIL "what" by CMD's exit status
#   pass/fail "what"        the same, decided by the caller
#   not CMD...              negation that keeps functions (check "x" not f)
#   starts PREFIX           does $REPLY start with PREFIX
#   skip "why"              exit 77: the test cannot run here (run.sh)
#   die "why"               exit 1: the test cannot go on
#   defer CMD...            run CMD (eval'd) at clean-up, last in first out
#   leftover_check CMD      run CMD after the clean-ups; it checks (pass or
#                           fail) and returns nonzero if something was left
#   bg_add PID              a background process clean-up must stop
#   wait_until N CMD...     CMD succeeds within N tries 0.1 s apart
#   wait_pid PID            PID's exit status
#   median [N...]           the median of its arguments (or of stdin)
#   finish                  clean up now, count leftovers, print the
#                           "N passed, N failed" line, return the result
#
# Bash, not POSIX sh: the qemu guest's /init runs the host's /bin/bash
# whenever there is one (tests/kmod/mkinitramfs.sh), and arrays keep the
# registry and process lists simple.

: "${O:=build}"
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
case $O in /*) BIN=$O ;; *) BIN=$TOP/$O ;; esac
PIDS=()
FAILS=0
PASSES=0
CLEANUPS=()
LEFTOVER_CHECKS=()
CLEANED=
CLEANUP_RC=0
# natport's conntrack entries carry ct mark 0x4e50xxxx ("NP"): the tag is
# the upper 16 bits, the lower 16 the mapping id (userspace/lib).
NP_MARK_TAG=0x4e50
NP_MARK_MASK=${NP_MARK_TAG}0000/0xffff0000
TMP=$(mktemp -d /tmp/np-test.XXXXXX)

pass() { PASSES=$((PASSES + 1)); echo "PASS: $*"; }
fail() { FAILS=$((FAILS + 1)); echo "FAIL: $*"; }
check() { # check "description" command...
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}
not() { ! "$@"; } # check "..." not cmd: negation that keeps functions
starts() { [[ "$REPLY" == "$1"* ]]; } # does the last reply start with $1
skip() { echo "SKIP: $*"; exit 77; }
die() { echo "FATAL: $*"; exit 1; }

# The registry: each entry once, run newest first, so what was made last
# (a daemon in a namespace) goes before what it lives in (the namespace).
add_once() { # add_once ARRAY ITEM: append ITEM unless ARRAY holds it
	local -n list=$1
	local c
	for c in "${list[@]}"; do
		[ "$c" = "$2" ] && return 0
	done
	list+=("$2")
}
defer() { add_once CLEANUPS "$*"; }
leftover_check() { add_once LEFTOVER_CHECKS "$*"; }
bg_add() { PIDS+=("$1"); }

# Kill every background process registered, then reap them.
stop_bg() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
}

# Run the registry once; a handler that fails does not stop the others.
run_cleanups() {
	local i
	for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${CLEANUPS[i]}" || true
	done
	CLEANUPS=()
}
# Every leftover check; nonzero if any found something.
run_leftover_checks() {
	local c rc=0
	for c in "${LEFTOVER_CHECKS[@]}"; do
		eval "$c" || rc=1
	done
	LEFTOVER_CHECKS=()
	return $rc
}

# The EXIT trap. CLEANUP_RC is the script's status, for handlers that
# show logs only when something failed.
cleanup() {
	local rc=$?
	trap - EXIT
	if [ -z "$CLEANED" ]; then
		CLEANUP_RC=$rc
		run_cleanups
		run_leftover_checks || { [ $rc != 0 ] || rc=1; }
		stop_bg
		rm -rf "$TMP"
	fi
	exit $rc
}
# bash runs the EXIT trap on a signal only if the signal is trapped
trap 'exit 130' INT
trap 'exit 143' TERM HUP

finish() {
	CLEANUP_RC=0
	[ "$FAILS" = 0 ] || CLEANUP_RC=1
	run_cleanups
	run_leftover_checks || true # they count their own PASS or FAIL
	stop_bg
	rm -rf "$TMP"
	CLEANED=1
	echo "$PASSES passed, $FAILS failed"
	[ "$FAILS" = 0 ]
}

wait_until() { # wait_until TRIES CMD...: CMD true within TRIES x 0.1 s
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
wait_pid() { # wait_pid PID -> its exit status
	local rc=0
	wait "$1" || rc=$?
	return $rc
}

median() { # median [N...]: of the arguments, or of stdin's lines
	if [ $# -gt 0 ]; then printf '%s\n' "$@"; else cat; fi |
		sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
