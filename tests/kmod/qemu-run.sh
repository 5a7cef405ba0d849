#!/bin/bash
# qemu-run.sh - boot Debian's kernel under qemu (TCG), run one script in the
# guest, print the guest console, exit with the script's exit code.
#
#   tests/kmod/qemu-run.sh [-t TIMEOUT_S] [-l LOG] SCRIPT [ARG,ARG...]
#
# SCRIPT is a path on this machine: the guest sees the host's root
# filesystem read-only over virtio-9p and runs SCRIPT with the current
# directory as working directory. Exit codes: the script's own, 124 on
# timeout (qemu is killed), 125 if the guest never reported a result.
#
# Platform facts (checked here): -accel kvm hangs on this machine, so TCG
# only; the Debian 6.1 kernel boots to the guest script in about 4 s.
set -eu

timeout_s=300
log=
while getopts t:l: opt; do
	case $opt in
	t) timeout_s=$OPTARG ;;
	l) log=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
script=$(realpath "$1")
args=${2:-}
here=$(cd "$(dirname "$0")" && pwd)

kver=${NATPORT_KVER:-}
if [ -z "$kver" ]; then
	# The newest Debian kernel installed (the host's own is not Debian's).
	img=$(ls -1 /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -n 1)
	[ -n "$img" ] || { echo "qemu-run: no /boot/vmlinuz-*-amd64" >&2; exit 125; }
	kver=${img#/boot/vmlinuz-}
fi
kernel=/boot/vmlinuz-$kver

work=$(mktemp -d /tmp/natport-qemu.XXXXXX)
qpid=
cleanup() {
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		kill "$qpid" 2>/dev/null || true
		sleep 1
		kill -9 "$qpid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$here/mkinitramfs.sh" "$kver" "$work/initrd.gz"
[ -n "$log" ] || log=$work/console.log

# -smp 2: qemu's multi-threaded TCG uses both host cores.
# NATPORT_QEMU_EXTRA: more qemu options (the benchmark passes -icount).
# shellcheck disable=SC2086
qemu-system-x86_64 -accel tcg -machine q35 -cpu max -smp "${NATPORT_QEMU_SMP:-2}" \
	${NATPORT_QEMU_EXTRA:-} \
	-m 1024 -nodefaults -no-reboot -display none \
	-serial "file:$log" \
	-kernel "$kernel" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 panic=-1 oops=panic loglevel=4 np_script=$script np_dir=$PWD${args:+ np_args=$args}" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs local,path="$PWD",mount_tag=project,security_model=none,readonly=on,multidevs=remap \
	</dev/null >"$work/qemu.out" 2>&1 &
qpid=$!

deadline=$(($(date +%s) + timeout_s))
while kill -0 "$qpid" 2>/dev/null; do
	if [ "$(date +%s)" -ge "$deadline" ]; then
		echo "qemu-run: guest still running after ${timeout_s}s: killed" >&2
		cleanup
		qpid=
		cat "$log"
		exit 124
	fi
	sleep 0.5
done
wait "$qpid" || true
qpid=
cat "$log"
if [ -s "$work/qemu.out" ]; then
	sed 's/^/qemu: /' "$work/qemu.out" >&2
fi
rc=$(sed -n 's/^NATPORT-GUEST-RC=\([0-9]*\).*/\1/p' "$log" | tail -n 1)
[ -n "$rc" ] || { echo "qemu-run: guest reported no result" >&2; exit 125; }
exit "$rc"
