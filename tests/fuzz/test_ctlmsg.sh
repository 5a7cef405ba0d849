#!/usr/bin/env bash
# test_ctlmsg.sh - the ctlmsg fuzz harness (fuzz_ctlmsg.c) for 20 s after its
# regression inputs; a crash, leak or UBSan error fails (tests/fuzz/run.sh).
exec "$(dirname "$0")/run.sh" ctlmsg 20
