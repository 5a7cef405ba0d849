# shellcheck shell=bash
# lib_sip.sh - the SIP test helpers' former home: they are in
# tests/lib/sip.sh now. Kept so a test written against the old path (and
# its `trap sip_cleanup EXIT`) still runs; new tests source tests/lib/sip.sh.

# shellcheck source=../lib/sip.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/sip.sh"
