#!/bin/sh
# mkinitramfs.sh - build the tiny initramfs that boots the qemu guest of the
# kmod tests: busybox-static, the modules needed to mount the host's root
# filesystem over virtio-9p, and an /init that chroots into it and runs the
# script named on the kernel command line.
#
#   tests/kmod/mkinitramfs.sh KVER OUT.cpio.gz
#
# The guest then runs the host's own binaries (ip, nft, conntrack, modprobe,
# build/tests/*) and loads Debian's modules from the host's /lib/modules/KVER,
# so nothing but this small archive has to be built per run.
set -eu

kver=$1
out=$2
busybox=${BUSYBOX:-/bin/busybox}

case $(file -L "$busybox" 2>/dev/null || echo unknown) in
*"statically linked"*) ;;
*) echo "mkinitramfs: $busybox is not static (package busybox-static)" >&2
   exit 1 ;;
esac
[ -d "/lib/modules/$kver" ] || {
	echo "mkinitramfs: no /lib/modules/$kver (package linux-image-amd64)" >&2
	exit 1
}

tmp=$(mktemp -d /tmp/natport-initramfs.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/lib/mod" "$tmp/proc" "$tmp/sys" "$tmp/dev" \
	"$tmp/newroot"
cp "$busybox" "$tmp/bin/busybox"

# Module load order as modprobe resolves it, duplicates removed. The
# modules are uncompressed in Debian 12's 6.1 packages, so busybox insmod
# can load them.
: >"$tmp/lib/mod/order"
for m in virtio_pci 9pnet_virtio 9p; do
	modprobe -S "$kver" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
done | awk '!seen[$0]++' | while read -r ko; do
	cp "$ko" "$tmp/lib/mod/"
	basename "$ko" >>"$tmp/lib/mod/order"
done

cat >"$tmp/init" <<'INIT'
#!/bin/busybox sh
# Guest /init: mount the host root read-only over 9p, give it writable
# tmpfs where tools need to write, chroot and run np_script from the
# kernel command line. The last console line is NATPORT-GUEST-RC=<rc>.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /lib/mod/order); do
	insmod /lib/mod/$m || echo "init: insmod $m failed"
done
script= dir=/
for arg in $(cat /proc/cmdline); do
	case $arg in
	np_script=*) script=${arg#np_script=} ;;
	np_dir=*) dir=${arg#np_dir=} ;;
	np_args=*) args=$(echo "${arg#np_args=}" | tr , ' ') ;;
	esac
done
# msize: the 6.1 default (8 KiB) makes every exec from the share crawl.
if ! mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose \
	hostroot /newroot; then
	echo "init: cannot mount the host root over 9p"
	echo "NATPORT-GUEST-RC=125"
	poweroff -f
fi
mount -t proc proc /newroot/proc
mount -t sysfs sys /newroot/sys
mount -t devtmpfs dev /newroot/dev
mount -t tmpfs tmp /newroot/tmp
mount -t tmpfs run /newroot/run
mount -t tmpfs varlib /newroot/var/tmp 2>/dev/null
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts pts /newroot/dev/pts
mount -t tmpfs shm /newroot/dev/shm
mount -t debugfs none /newroot/sys/kernel/debug 2>/dev/null
# The project directory comes as a share of its own, mounted at its host
# path after the tmpfs mounts: a checkout under /tmp (as CI may make one)
# would otherwise be hidden by the guest's empty /tmp.
if [ "$dir" != / ]; then
	[ -d "/newroot$dir" ] || mkdir -p "/newroot$dir"
	if ! mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose \
		project "/newroot$dir"; then
		echo "init: cannot mount the project directory $dir over 9p"
		echo "NATPORT-GUEST-RC=125"
		poweroff -f
	fi
fi
if [ -z "$script" ]; then
	echo "init: no np_script= on the kernel command line"
	rc=124
else
	shell=/bin/sh
	[ -x /newroot/bin/bash ] && shell=/bin/bash
	chroot /newroot /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/tmp TERM=dumb $shell -c "cd '$dir' && exec $shell '$script' $args"
	rc=$?
fi
echo "NATPORT-GUEST-RC=$rc"
poweroff -f
INIT
chmod 755 "$tmp/init"

(cd "$tmp" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out"
