# shellcheck shell=bash
# ctl.sh - helpers for nat-portctl's tests, on top of sip.sh (topology,
# nat-portd, sipp) and common.sh (checks, clean-up).
#
#   ctl_start [config lines]   nat-portd with its control socket at $CTL_SOCK
#   ctl ARGS                   nat-portctl -s $CTL_SOCK ARGS
#   ctl_run NAME ARGS          run it, keep stdout/stderr/exit status in
#                              $TMP/NAME.{out,err,rc}
#   norm                       sed: ages, counters, timeouts, Call-IDs -> N
#   expect NAME                $TMP/NAME.out, normalised, equals
#                              tests/ctl/expected/NAME.txt
#   jq_ok NAME FILTER          jq -e FILTER on $TMP/NAME.out (real parser)

# shellcheck source=sip.sh
. "$(dirname "${BASH_SOURCE[0]}")/sip.sh"
CTL_SOCK=$TMP/ctl.sock
CTL_BIN=$BIN/nat-portctl
EXPECTED=$TOP/tests/ctl/expected

need_ctl() {
	need_sip
	[ -x "$CTL_BIN" ] || skip "no $CTL_BIN (make)"
	command -v jq >/dev/null || skip "missing jq (make deps)"
}

ctl_start() { portd_start "control-socket $CTL_SOCK" "$@"; }
ctl() { "$CTL_BIN" -s "$CTL_SOCK" "$@"; }
ctl_run() { # ctl_run NAME ARGS...
	local name=$1 rc=0
	shift
	"$CTL_BIN" -s "$CTL_SOCK" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" || rc=$?
	echo "$rc" >"$TMP/$name.rc"
}
rc_of() { cat "$TMP/$1.rc"; }

# Numbers that change from run to run become N; the rest must match.
norm() {
	sed -E -e 's/\b(age|timeout) [0-9]+/\1 N/g' \
		-e 's/\b(pkts|bytes)_(in|out) [0-9]+/\1_\2 N/g' \
		-e 's/call_id [0-9]+-[0-9]+@[^ ]*/call_id CALLID/g' \
		-e 's/call_id [0-9]+-[0-9]+/call_id CALLID/g'
}
expect() { # expect NAME [EXPECTED-NAME]
	local exp=$EXPECTED/${2:-$1}.txt
	if norm <"$TMP/$1.out" | diff -u "$exp" - >"$TMP/$1.diff"; then
		pass "text of '$1' as expected"
	else
		fail "text of '$1' differs from ${exp#"$TOP"/}:"
		cat "$TMP/$1.diff"
	fi
}
jq_ok() { # jq_ok NAME FILTER [description]
	if jq -e "$2" "$TMP/$1.out" >/dev/null 2>"$TMP/$1.jqerr"; then
		pass "${3:-JSON of '$1': $2}"
	else
		fail "${3:-JSON of '$1': $2} ($(head -c 300 "$TMP/$1.out"; cat "$TMP/$1.jqerr"))"
	fi
}
