#!/usr/bin/env bash
# test_pcp.sh - the pcp fuzz harness (fuzz_pcp.c) for 20 s after its
# regression inputs; a crash, leak or UBSan error fails (tests/fuzz/run.sh).
exec "$(dirname "$0")/run.sh" pcp 20
