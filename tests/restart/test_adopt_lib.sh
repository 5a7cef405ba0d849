#!/usr/bin/env bash
# test_adopt_lib.sh - libnatport's adopt mode on its own: 2,000 calls
# (4,000 entries) made, the handle detached (entries kept), a new handle
# in adopt mode takes every one back with its id, ports, type and remote
# once claimed, and its close leaves no entry (bench_adopt checks all that
# and exits 1 otherwise). Prints the adoption time against a fresh open.
# Then the same with mixed sessions (bench_adopt -m): IPv6 pinholes too.
set -eu
. "$(dirname "$0")/../lib/common.sh"
need_root() { [ "$(id -u)" = 0 ] || skip "needs root"; }
need_root
B=$BIN/tests/bench_adopt
[ -x "$B" ] || skip "no $B (make)"
"$B" -n 2000 >"$TMP/adopt.out" 2>&1 && rc=0 || rc=$?
cat "$TMP/adopt.out"
check "every entry adopted and claimed whole, nothing left (exit $rc)" [ "$rc" = 0 ]
check "4000 entries adopted" grep -qx "entries_adopted 4000" "$TMP/adopt.out"
check "no mapping came back different" grep -qx "mappings_bad 0" "$TMP/adopt.out"
check "the close left no entry" grep -qx "entries_left 0" "$TMP/adopt.out"
# mixed: every fourth call an IPv6 pinhole, adopted beside the IPv4 ones
"$B" -n 2000 -m >"$TMP/adopt6.out" 2>&1 && rc=0 || rc=$?
cat "$TMP/adopt6.out"
check "mixed IPv4/IPv6: every entry adopted and claimed whole (exit $rc)" [ "$rc" = 0 ]
check "mixed: 4000 entries adopted, 1000 of them IPv6" \
	sh -c "grep -qx 'entries_adopted 4000' '$TMP/adopt6.out' && grep -qx 'ipv6_entries 1000' '$TMP/adopt6.out'"
check "mixed: no mapping came back different" grep -qx "mappings_bad 0" "$TMP/adopt6.out"
check "mixed: the close left no entry" grep -qx "entries_left 0" "$TMP/adopt6.out"
finish
