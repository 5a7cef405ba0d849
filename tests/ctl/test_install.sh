#!/usr/bin/env bash
# test_install.sh - make install into a DESTDIR, drive the installed
# binaries, make uninstall.
#
#   $TMP/root (DESTDIR), PREFIX=/usr:
#     usr/sbin/nat-portd, nat-portctl   usr/lib/libnatport.{a,so,so.0}
#     usr/include/natport/*.h           usr/lib/pkgconfig/libnatport.pc
#     usr/share/man/man{5,8}/...        usr/lib/systemd/system/nat-portd.service
#     usr/lib/sysusers.d/natport.conf   etc/natport/nat-portd.conf
#     usr/sbin/natport-ha-notify        usr/share/doc/natport/examples/ha/
#                                       {keepalived,conntrackd,ha}.conf
#
#   then the installed nat-portd runs in the router of the usual topology:
#   LAN 192.0.2.10 -- router 192.0.2.1 | 198.51.100.1 -- WAN 198.51.100.20
#
# 1. Every file is where it belongs; nat-portd -n accepts the installed
#    example config ("configuration OK"); nat-portctl --help and -V work;
#    every man page renders without a warning; a program builds against
#    the installed header and library through pkg-config; the unit keeps
#    only the two capabilities. The HA pair's files: the notify script
#    executable and valid sh, the examples as in tools/ha/ but for
#    keepalived.conf's notify line, which names the installed script and
#    $SYSCONFDIR/natport/ha.conf.
# 2. The installed daemon serves the installed tool, and man pages and
#    --help name the same commands and options as the code.
# 3. A second install keeps an operator's changed config; uninstall
#    removes every file install put there and keeps the changed config.
# 4. Nothing left.
set -eu
. "$(dirname "$0")/../lib/ctl.sh"
DEST=$TMP/root
trap cleanup EXIT
defer rm -rf "$DEST"
need_ctl
command -v groff >/dev/null || skip "missing groff (make deps)"
command -v pkg-config >/dev/null || skip "missing pkg-config (make deps)"

echo "== 1: install"
make -C "$TOP" --no-print-directory -s O="$BIN" install DESTDIR="$DEST" \
	PREFIX=/usr >"$TMP/install.log" 2>&1 || { cat "$TMP/install.log"; die "make install failed"; }
# every public header is installed: the list follows include/natport/
want="usr/sbin/nat-portd usr/sbin/nat-portctl usr/lib/libnatport.a
usr/lib/libnatport.so.0 usr/lib/libnatport.so usr/lib/pkgconfig/libnatport.pc
usr/share/man/man8/nat-portd.8 usr/share/man/man8/nat-portctl.8
usr/share/man/man5/nat-portd.conf.5 usr/lib/systemd/system/nat-portd.service
usr/lib/sysusers.d/natport.conf etc/natport/nat-portd.conf
usr/sbin/natport-ha-notify"
HAEX=usr/share/doc/natport/examples/ha
for f in keepalived.conf conntrackd.conf ha.conf; do
	want="$want $HAEX/$f"
done
for h in "$TOP"/include/natport/*.h; do
	want="$want usr/include/natport/${h##*/}"
done
nwant=0
for f in $want; do
	check "installed /$f" [ -e "$DEST/$f" ]
	nwant=$((nwant + 1))
done
find "$DEST" \( -type f -o -type l \) | sed "s|^$DEST||" | sort >"$TMP/installed"
check "install put exactly the $nwant files above" [ "$(wc -l <"$TMP/installed")" = $nwant ]
check "binaries are executable" sh -c "[ -x '$DEST/usr/sbin/nat-portd' ] && [ -x '$DEST/usr/sbin/nat-portctl' ]"
check "natport-ha-notify is executable and parses as sh" \
	sh -c "[ -x '$DEST/usr/sbin/natport-ha-notify' ] && sh -n '$DEST/usr/sbin/natport-ha-notify'"
check "natport-ha-notify is tools/ha's" cmp -s "$TOP/tools/ha/natport-ha-notify" "$DEST/usr/sbin/natport-ha-notify"
for f in conntrackd.conf ha.conf; do
	check "$HAEX/$f is tools/ha's" cmp -s "$TOP/tools/ha/$f" "$DEST/$HAEX/$f"
done
check "keepalived.conf's notify runs the installed script with /etc/natport/ha.conf" \
	grep -qx '	notify "/usr/sbin/natport-ha-notify /etc/natport/ha.conf"' "$DEST/$HAEX/keepalived.conf"
check "keepalived.conf differs from tools/ha's in that line only" \
	[ "$(diff "$TOP/tools/ha/keepalived.conf" "$DEST/$HAEX/keepalived.conf" | grep -c '^[<>]')" = 2 ]
out=$("$DEST/usr/sbin/nat-portd" -n -c "$DEST/etc/natport/nat-portd.conf" 2>&1) || true
check "installed nat-portd -n accepts the installed example config ($out)" [ "$out" = "configuration OK" ]
check "installed nat-portctl --help" sh -c "'$DEST/usr/sbin/nat-portctl' --help | grep -q '^usage: nat-portctl'"
check "installed nat-portctl -V" sh -c "'$DEST/usr/sbin/nat-portctl' -V | grep -q '^nat-portctl 0.1.0 (control protocol 1)$'"
for m in man8/nat-portd.8 man8/nat-portctl.8 man5/nat-portd.conf.5; do
	page=$DEST/usr/share/man/$m
	check "groff -ww renders $m without a warning" \
		sh -c "groff -ww -man -z '$page' 2>'$TMP/groff.err' && [ ! -s '$TMP/groff.err' ]"
	if command -v man >/dev/null; then
		check "man --warnings -l renders $m without a warning" \
			sh -c "MANWIDTH=80 man --warnings -l '$page' 2>'$TMP/man.err' >'$TMP/man.out' && [ ! -s '$TMP/man.err' ] && [ -s '$TMP/man.out' ]"
	fi
done
pc="PKG_CONFIG_PATH=$DEST/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$DEST"
check "pkg-config knows libnatport 0.1.0" \
	sh -c "[ \"\$($pc pkg-config --modversion libnatport)\" = 0.1.0 ]"
cat >"$TMP/user.c" <<'EOF'
#include <stdio.h>
#include <natport/natport.h>
#include <natport/control.h>
int main(void)
{
	struct natport_endpoint ep;

	if (natport_endpoint_parse("192.0.2.10:6000", &ep))
		return 1;
	printf("%s %d\n", natport_port_type_name(NATPORT_PORT_AUDIO_RTP),
	       NATPORT_CTL_VERSION);
	return 0;
}
EOF
# the sanitizer pass installs an ASan/UBSan archive: its users link the same
san=${NATPORT_SAN_LOG:+-fsanitize=address,undefined}
# shellcheck disable=SC2046
check "a program builds against the installed header and library" \
	sh -c "cc $san -o '$TMP/user' '$TMP/user.c' \$($pc pkg-config --cflags libnatport) \
		'$DEST/usr/lib/libnatport.a' \$(pkg-config --libs libmnl libnetfilter_conntrack libnftables) && '$TMP/user' | grep -qx 'audio_rtp 1'"
unit=$DEST/usr/lib/systemd/system/nat-portd.service
check "unit runs the installed binary with the installed config" \
	grep -qx "ExecStart=/usr/sbin/nat-portd -f -c /etc/natport/nat-portd.conf" "$unit"
check "unit: unprivileged user natport" grep -qx "User=natport" "$unit"
check "unit: only CAP_NET_ADMIN and CAP_NET_BIND_SERVICE" \
	sh -c "grep -qx 'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE' '$unit' && grep -qx 'AmbientCapabilities=CAP_NET_ADMIN CAP_NET_BIND_SERVICE' '$unit'"
check "unit: RuntimeDirectory for the control socket, LimitNOFILE for the ports" \
	sh -c "grep -qx 'RuntimeDirectory=natport' '$unit' && grep -q '^LimitNOFILE=65536' '$unit'"
if command -v systemd-analyze >/dev/null; then
	# the unit names binaries under / : check it against the DESTDIR copy
	sed "s|/usr/sbin/|$DEST/usr/sbin/|g; s|/etc/natport/|$DEST/etc/natport/|g" "$unit" >"$TMP/nat-portd.service"
	check "systemd-analyze verify accepts the unit" \
		sh -c "systemd-analyze verify '$TMP/nat-portd.service' 2>&1 | grep -v -e 'natport' -e '^$' | { ! grep -qi 'error\|invalid\|unknown'; }"
fi

echo "== 2: the installed daemon and tool, and their documentation"
topo_up
PORTD=$DEST/usr/sbin/nat-portd
CTL_BIN=$DEST/usr/sbin/nat-portctl
ctl_start
ctl_run inst_stats -j stats
jq_ok inst_stats '.calls == 0 and .ports_total == 100' "installed nat-portctl reads the installed nat-portd's stats"
ctl_run inst_kernel -n "$NS_RTR" kernel list
check "installed nat-portctl kernel list in the router" [ "$(rc_of inst_kernel)" = 0 ]
man_ctl=$(MANWIDTH=200 man -l "$DEST/usr/share/man/man8/nat-portctl.8" 2>/dev/null || groff -man -Tutf8 "$DEST/usr/share/man/man8/nat-portctl.8")
help=$("$CTL_BIN" --help)
for c in "calls list" "calls show" "mappings list" "mappings show" "mappings add" \
	"mappings del" "calls del" "flush" "stats" "watch" "kernel list" "--json" "--netns" \
	"--socket" "--prometheus" "--version"; do
	check "'$c' is in nat-portctl --help and nat-portctl(8)" \
		sh -c "printf '%s' \"\$1\" | grep -q -- '$c' && printf '%s' \"\$2\" | grep -q -- '$c'" _ "$help" "$man_ctl"
done
man_conf=$(groff -man -Tutf8 "$DEST/usr/share/man/man5/nat-portd.conf.5" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g; s/.\x08//g')
keys=$(sed -n 's/^\t\[K_[A-Z_]*\] = "\([a-z-]*\)",$/\1/p' "$TOP/userspace/daemon/core/config.c")
check "config.c has keys to compare ($(echo "$keys" | wc -l))" [ "$(echo "$keys" | wc -l)" -ge 10 ]
for k in $keys; do
	check "config key $k is in nat-portd.conf(5) and the example config" \
		sh -c "printf '%s' \"\$1\" | grep -q -- '^       $k ' && grep -q '^#\\?$k ' '$DEST/etc/natport/nat-portd.conf'" _ "$man_conf"
done
dhelp=$("$PORTD" -h)
for o in "-c file" "-f" "-n" "-h"; do
	check "nat-portd option $o in -h and nat-portd(8)" \
		sh -c "printf '%s' \"\$1\" | grep -q -- '  $o ' && groff -man -Tutf8 '$DEST/usr/share/man/man8/nat-portd.8' 2>/dev/null | sed 's/.\x08//g' | grep -q -- '^       ${o%% *}'" _ "$dhelp"
done
portd_stop || fail "installed nat-portd did not exit cleanly"
PORTD_PID=

echo "== 3: reinstall keeps a changed config; uninstall"
echo "log-level debug" >>"$DEST/etc/natport/nat-portd.conf"
cp "$DEST/etc/natport/nat-portd.conf" "$TMP/changed.conf"
make -C "$TOP" --no-print-directory -s O="$BIN" install DESTDIR="$DEST" \
	PREFIX=/usr >"$TMP/install2.log" 2>&1 || { cat "$TMP/install2.log"; die "second make install failed"; }
check "second install kept the changed config" cmp -s "$TMP/changed.conf" "$DEST/etc/natport/nat-portd.conf"
make -C "$TOP" --no-print-directory -s O="$BIN" uninstall DESTDIR="$DEST" \
	PREFIX=/usr >"$TMP/uninstall.log" 2>&1 || { cat "$TMP/uninstall.log"; die "make uninstall failed"; }
left=$(find "$DEST" \( -type f -o -type l \) | sed "s|^$DEST||")
check "uninstall removed everything but the changed config (left: $left)" \
	[ "$left" = /etc/natport/nat-portd.conf ]
check "uninstall said it kept the changed config" grep -q "kept .*nat-portd.conf (changed)" "$TMP/uninstall.log"
rm -f "$DEST/etc/natport/nat-portd.conf"
make -C "$TOP" --no-print-directory -s O="$BIN" install DESTDIR="$DEST" PREFIX=/usr >/dev/null 2>&1
make -C "$TOP" --no-print-directory -s O="$BIN" uninstall DESTDIR="$DEST" PREFIX=/usr >/dev/null 2>&1
left=$(find "$DEST" \( -type f -o -type l \) | wc -l)
check "install then uninstall leaves no file" [ "$left" = 0 ]

echo "== 4: nothing left"
check "no natport conntrack entry left" [ "$(np_entries)" = 0 ]
finish
