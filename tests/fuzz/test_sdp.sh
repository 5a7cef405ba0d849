#!/usr/bin/env bash
# test_sdp.sh - the sdp fuzz harness (fuzz_sdp.c) for 20 s after its
# regression inputs; a crash, leak or UBSan error fails (tests/fuzz/run.sh).
exec "$(dirname "$0")/run.sh" sdp 20
