#!/usr/bin/env bash
# test_sip_msg.sh - the sip_msg fuzz harness (fuzz_sip_msg.c) for 20 s after its
# regression inputs; a crash, leak or UBSan error fails (tests/fuzz/run.sh).
exec "$(dirname "$0")/run.sh" sip_msg 20
