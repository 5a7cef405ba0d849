# shellcheck shell=bash
# lib.sh - the namespace helpers' former home: they are in tests/lib/
# (topo.sh, map.sh, which sources it) now. Kept so a script written against this path and
# its `trap topo_down EXIT` (tests/bench/bench_forward.sh) still runs and
# cleans up; new scripts source tests/lib and `trap cleanup EXIT`.

# shellcheck source=../lib/map.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/map.sh"
# topo_down as it was here: np-map, processes, namespaces and $TMP
eval "topo_ns_down() $(declare -f topo_down | sed 1d)"
topo_down() { map_stop; topo_ns_down; rm -rf "$TMP"; }
assert_clean() { topo_assert_clean; }
