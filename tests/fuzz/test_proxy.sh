#!/usr/bin/env bash
# test_proxy.sh - the proxy fuzz harness (fuzz_proxy.c) for 20 s after its
# regression inputs; a crash, leak or UBSan error fails (tests/fuzz/run.sh).
# It makes its own network namespace for the port manager: root only.
[ "$(id -u)" = 0 ] || { echo "SKIP: fuzz_proxy needs root (a netns)"; exit 77; }
exec "$(dirname "$0")/run.sh" proxy 20
