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

# Throwaway users and groups for the control socket's permission checks.
#
#   ctl_users_init             need useradd/setpriv; the users and groups
#                              made below are removed in the trap and
#                              checked gone afterwards
#   ctl_group_add NAME         groupadd
#   ctl_user_add NAME [GROUPS] useradd, no home, no login, in GROUPS (a,b)
#   as USER CMD...             run as USER with the groups the user
#                              database gives it (as login would)
#   as_ctl USER NAME ARGS...   nat-portctl as USER -> $TMP/NAME.{out,err,rc}
CTL_ACCOUNTS_U=()
CTL_ACCOUNTS_G=()

# Other tests may edit /etc/passwd at the same moment: retry on its lock.
retry() {
	local i err
	for i in $(seq 50); do
		err=$("$@" 2>&1) && return 0
		case $err in *lock*) sleep 0.1 ;; *) break ;; esac
	done
	echo "$err" >&2
	return 1
}
ctl_users_remove() {
	local u g
	for u in "${CTL_ACCOUNTS_U[@]}"; do
		! id "$u" >/dev/null 2>&1 || retry userdel "$u" || true
	done
	for g in "${CTL_ACCOUNTS_G[@]}"; do
		! getent group "$g" >/dev/null || retry groupdel "$g" || true
	done
}
ctl_users_gone() {
	local u left=
	for u in "${CTL_ACCOUNTS_U[@]}" "${CTL_ACCOUNTS_G[@]}"; do
		getent passwd "$u" >/dev/null && left="$left $u"
		getent group "$u" >/dev/null && left="$left $u"
	done
	if [ -n "$left" ]; then
		fail "users and groups left:$left"
		return 1
	fi
	pass "no test user or group left"
}
ctl_users_init() {
	command -v useradd >/dev/null || skip "missing useradd (passwd)"
	command -v setpriv >/dev/null || skip "missing setpriv (util-linux)"
	defer ctl_users_remove
	leftover_check ctl_users_gone
}
ctl_group_add() { CTL_ACCOUNTS_G+=("$1"); retry groupadd "$1"; }
ctl_user_add() {
	CTL_ACCOUNTS_U+=("$1")
	retry useradd -M -N -s /usr/sbin/nologin ${2:+-G "$2"} "$1"
}
as() {
	local u=$1
	shift
	setpriv --reuid="$(id -u "$u")" --regid="$(id -g "$u")" --init-groups "$@"
}
as_ctl() {
	local u=$1 name=$2 rc=0
	shift 2
	as "$u" "$CTL_BIN" -s "$CTL_SOCK" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" || rc=$?
	echo "$rc" >"$TMP/$name.rc"
}
