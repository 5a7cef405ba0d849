#!/usr/bin/env bash
# test_layering.sh - the layering the build cannot enforce by itself.
#
# osip's and the netlink libraries' pkg-config cflags are often empty (the
# headers sit in /usr/include), so giving them only to the right objects
# proves nothing. This preprocesses every C file of the library, daemon
# and tools (cc -M, which lists system headers too, so an include through
# a project header counts) and fails naming the file when
#
#   - an osip header reaches a file outside the SIP code
#     (userspace/daemon/sip/, sdp.c wherever it lives),
#   - a netlink, libmnl, libnetfilter_* or libnftables header reaches a
#     file other than the three that own netlink (ctnl.c, nftable.c,
#     rtpstats.c in userspace/lib/),
#   - libnatport.so exports a symbol that libnatport.map does not list, or
#     a function of a public header is not exported.
#
# PASS/FAIL per check; exit 1 if any failed.
set -eu
cd "$(dirname "$0")/../.."
O=${O:-build}
CC=${CC:-cc}
ROOT=${LINT_ROOT:-.} # a copy of the tree, for the lint's own test

fails=0
pass() { echo "PASS $*"; }
fail() {
	echo "FAIL $*"
	fails=$((fails + 1))
}

NETLINK_OWNERS="userspace/lib/ctnl.c userspace/lib/nftable.c
userspace/lib/rtpstats.c"

is_sip() {
	case $1 in
	userspace/daemon/sip/* | */sdp.c) return 0 ;;
	esac
	return 1
}

is_netlink_owner() {
	for f in $NETLINK_OWNERS; do [ "$1" = "$f" ] && return 0; done
	return 1
}

# Every header file a source file reaches, one per line.
headers_of() {
	local src=$1 dir
	dir=$(dirname "$ROOT/$src")
	"$CC" -std=gnu11 -D_GNU_SOURCE -I"$ROOT/include" \
		-I"$ROOT/userspace/lib" -I"$ROOT/userspace/daemon" -I"$dir" \
		-M "$ROOT/$src" | tr ' \\' '\n\n' | grep '\.h$'
}

n=0
bad=0
while IFS= read -r src; do
	n=$((n + 1))
	if ! hs=$(headers_of "$src" 2>/dev/null); then
		fail "layering: $src does not preprocess: $("$CC" \
			-std=gnu11 -D_GNU_SOURCE -I"$ROOT/include" \
			-I"$ROOT/userspace/lib" -I"$ROOT/userspace/daemon" \
			-M "$ROOT/$src" 2>&1 >/dev/null | head -n 1)"
		bad=1
		continue
	fi
	if ! is_sip "$src"; then
		h=$(grep -m1 '/osipparser2/\|/osip2/' <<<"$hs" || true)
		if [ -n "$h" ]; then
			fail "layering: $src includes osip ($h) outside the SIP code"
			bad=1
		fi
	fi
	if ! is_netlink_owner "$src"; then
		h=$(grep -m1 -E '/(libmnl|libnetfilter_[a-z_]*|nftables)/|/linux/(netfilter/|netlink\.h|genetlink\.h)' \
			<<<"$hs" || true)
		if [ -n "$h" ]; then
			fail "layering: $src includes netlink ($h) outside ctnl.c, nftable.c, rtpstats.c"
			bad=1
		fi
	fi
done < <(cd "$ROOT" && find userspace tools -name '*.c' | sort)
if [ $n -eq 0 ]; then
	fail "layering: no C files found"
elif [ $bad -eq 0 ]; then
	pass "layering: $n files, osip only in the SIP code, netlink only in its owners"
fi

# Exports of the shared library against the version script and the
# public headers.
case $O in /*) so=$O/libnatport.so ;; *) so=$ROOT/$O/libnatport.so ;; esac
map="$ROOT/userspace/lib/libnatport.map"
if [ ! -f "$so" ]; then
	fail "exports: $so not built (make all)"
else
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVWiu]$/ {print $3}' |
		sed 's/@.*//' | grep -v '^NATPORT_0$' | sort -u >"$tmp/exported"
	sed -n 's/^[[:space:]]*\(natport_[a-z0-9_]*\);.*/\1/p' "$map" |
		sort -u >"$tmp/listed"
	# every public header but the kernel module's uapi; static inline
	# helpers are the header's own and export nothing
	hdrs=$(ls "$ROOT"/include/natport/*.h | grep -v '/natport_rtp\.h$')
	# shellcheck disable=SC2086
	cat $hdrs | grep -o 'static inline[^(]*\bnatport_[a-z0-9_]*(' |
		grep -o 'natport_[a-z0-9_]*' | sort -u >"$tmp/inline"
	# shellcheck disable=SC2086
	cat $hdrs | grep -o '\bnatport_[a-z0-9_]*(' | tr -d '(' |
		sort -u | comm -23 - "$tmp/inline" >"$tmp/declared"
	extra=$(comm -23 "$tmp/exported" "$tmp/listed")
	undoc=$(comm -23 "$tmp/exported" "$tmp/declared")
	missing=$(comm -13 "$tmp/exported" "$tmp/declared")
	stale=$(comm -13 "$tmp/exported" "$tmp/listed")
	ok=1
	if [ -n "$extra" ]; then
		fail "exports: libnatport.so exports what libnatport.map does not list:" $extra
		ok=0
	fi
	if [ -n "$undoc" ]; then
		fail "exports: libnatport.so exports what no public header declares:" $undoc
		ok=0
	fi
	if [ -n "$missing" ]; then
		fail "exports: public functions not exported (add them to libnatport.map):" $missing
		ok=0
	fi
	if [ -n "$stale" ]; then
		fail "exports: libnatport.map lists what the library does not define:" $stale
		ok=0
	fi
	[ $ok = 1 ] && pass "exports: $(wc -l <"$tmp/exported") symbols, all in libnatport.map and the public headers"
fi

[ $fails -eq 0 ]
