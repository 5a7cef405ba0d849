#!/bin/sh
# deps.sh - install the Debian packages natport needs that are missing.
#
# One list for build, tests, demo and bench, so a fresh Debian 12 machine
# needs nothing but `sudo make test` or `sudo make demo`. Only missing
# packages are installed; apt-get update runs once, and only then.
#
#   tools/deps.sh          what build, tests and demo need
#   tools/deps.sh bench    that, and the peers and plotter make bench
#                          measures against (not pulled by make test/CI)
set -eu

# build
PKGS="gcc make pkg-config libosip2-dev libnetfilter-conntrack-dev
libmnl-dev libnftables-dev check"
# netns tests, demo, bench: real hosts, real SIP peers, real firewall
PKGS="$PKGS iproute2 nftables conntrack sip-tester jq procps psmisc natpmpc"
# fuzzing (libFuzzer) and the sanitizer build of the suites
PKGS="$PKGS clang libfuzzer-14-dev"
PKGS="$PKGS kamailio" # ng tests: its rtpengine module drives ng
# SIP over TLS: OpenSSL to build against, the CLI to make the tests' own
# CA, Kamailio's TLS module as a TLS provider
PKGS="$PKGS libssl-dev openssl kamailio-tls-modules"
# failover tests: the field's engines for address takeover and entry sync
PKGS="$PKGS keepalived conntrackd"
# install test: man pages must render without a warning (groff -ww)
PKGS="$PKGS groff-base"
PKGS="$PKGS baresip-core kamailio sox"  # tests/real: phones, provider, tones
# kmod: build against Debian's kernel, boot it under qemu (TCG)
PKGS="$PKGS linux-headers-amd64 linux-image-amd64 qemu-system-x86
busybox-static cpio kmod"
# bench only: the peers natport is compared with (Kamailio driving
# rtpengine, userspace) and gnuplot for the plot
if [ "${1:-}" = bench ]; then
	PKGS="$PKGS kamailio rtpengine-daemon gnuplot-nox"
fi

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing" >&2
	echo "deps: run as root (sudo make ...) to install them" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
# rtpengine-daemon and kamailio come with system services; the bench runs
# its own instances inside its namespaces, so keep the services off
for s in rtpengine-daemon kamailio keepalived conntrackd; do
	case " $missing " in
	*" $s "*) systemctl disable --now "$s" >/dev/null 2>&1 || true ;;
	esac
done
