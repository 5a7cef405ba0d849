#!/usr/bin/env bash
# test_config.sh - the config fuzz harness (fuzz_config.c) for 20 s after its
# regression inputs; a crash, leak or UBSan error fails (tests/fuzz/run.sh).
exec "$(dirname "$0")/run.sh" config 20
