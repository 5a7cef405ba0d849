#!/bin/bash
# test_kmod.sh - build natport_rtp, boot Debian's kernel under qemu (TCG)
# and run tests/kmod/guest_test.sh in it: RTP statistics of natport
# mappings compared with what was sent, an unmarked mapping ignored,
# IPv6 + strict policy, unload under traffic, a clean kernel log.
#
#   tests/kmod/test_kmod.sh        (tests/run.sh kmod, make kmod-test)
#
# Exit 0 pass, 1 fail, 77 skip (last line says why; CI=true makes run.sh
# count it as a failure). This machine's own kernel cannot load modules,
# hence the guest: qemu-system-x86_64 -accel tcg (never kvm: it hangs
# here), Debian's linux-image-amd64, the host root read-only over 9p.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
TIMEOUT=${NATPORT_KMOD_TIMEOUT:-420}
. tests/lib/common.sh # skip, pass, $TMP and its clean-up
trap cleanup EXIT

command -v qemu-system-x86_64 >/dev/null ||
	skip "qemu-system-x86_64 not installed (make deps: qemu-system-x86)"
ls /boot/vmlinuz-*-amd64 >/dev/null 2>&1 ||
	skip "no Debian kernel in /boot (make deps: linux-image-amd64)"
ls -d /usr/src/linux-headers-*-amd64 >/dev/null 2>&1 ||
	skip "no Debian kernel headers (make deps: linux-headers-amd64)"
[ "$(id -u)" = 0 ] || skip "needs root (qemu's 9p export of / reads every file)"

log=$TMP

# Build against the newest Debian headers, matching the newest Debian
# kernel that qemu-run.sh boots.
img=$(ls -1 /boot/vmlinuz-*-amd64 | sort -V | tail -n 1)
kver=${img#/boot/vmlinuz-}
kdir=/usr/src/linux-headers-$kver
[ -d "$kdir" ] || skip "headers for $kver missing ($kdir)"
echo "building kmod against $kdir"
if ! make -C kmod KDIR="$kdir" >"$log/build" 2>&1; then
	cat "$log/build"
	echo "FAIL kmod build"
	exit 1
fi
grep -E 'warning|error' "$log/build" && { echo "FAIL kmod build has warnings"; exit 1; }
pass "kmod builds without warnings"

for t in tests/np-rtp tests/np-rtpstat tests/np-map nat-portd nat-portctl; do
	if [ ! -x "$O/$t" ]; then
		echo "FAIL $O/$t missing: run make all first"
		exit 1
	fi
done

# boot NAME SCRIPT WHAT: one guest boot running SCRIPT; its PASS/FAIL
# lines (and nat-portd's rtp: lines) shown, the whole console on failure.
boot() {
	local name=$1 script=$2 what=$3 start end rc
	start=$(date +%s)
	NATPORT_KVER=$kver tests/kmod/qemu-run.sh -t "$TIMEOUT" \
		-l "$log/console.$name" "$script" "$O" >"$log/out.$name" 2>&1
	rc=$?
	end=$(date +%s)
	grep -E '^(PASS|FAIL|ACCURACY)|^    rtp: ' "$log/out.$name"
	echo "guest ($name) exit $rc after $((end - start)) s"
	if [ $rc -ne 0 ]; then
		echo "---- guest console ----"
		cat "$log/out.$name"
		echo "FAIL kmod $name guest tests (exit $rc)"
		exit 1
	fi
	pass "kmod: $what"
}

boot module tests/kmod/guest_test.sh "all guest checks passed"
# nat-portd itself with the module, during a real call
boot daemon tests/kmod/guest_daemon.sh \
	"nat-portd registers streams, shows and logs their quality"
finish
