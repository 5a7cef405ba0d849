#!/usr/bin/env bash
# test_ng.sh - the ng fuzz harness (fuzz_ng.c) for 20 s after its
# regression inputs; a crash, leak or UBSan error fails (tests/fuzz/run.sh).
exec "$(dirname "$0")/run.sh" ng 20
