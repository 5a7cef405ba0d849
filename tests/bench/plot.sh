#!/usr/bin/env bash
# plot.sh - draw a benchmark JSON (tests/bench/run.sh) as SVG and PNG
# beside it: calls/s achieved against offered, CPU per 1,000 calls
# against offered (nat-portd and each peer), and media packets/s
# delivered against offered (plain routing, natport, rtpengine).
#
#   tests/bench/plot.sh bench.json   -> bench.svg, bench.png
set -u
json=$1
base=${json%.json}
command -v gnuplot >/dev/null ||
	{ echo "plot: gnuplot not installed (make bench installs gnuplot-nox)"; exit 1; }
d=$(mktemp -d /tmp/natport-plot.XXXXXX)
trap 'rm -rf "$d"' EXIT
# one data file per ramp; missing ones become empty files (gnuplot then
# draws nothing for them, and the key still names them)
sip() { # sip FIGURE FILE: offered achieved cpu_s_per_1000
	jq -r --arg n "$1" '.figures[] | select(.name == $n) | .ramp[]? |
		"\(.[0]) \(.[1]) \(.[5])"' "$json" >"$d/$2"
}
media() { # media FIGURE FILE: offered delivered_pps
	jq -r --arg n "$1" '.figures[] | select(.name == $n) |
		(.step_secs // 2) as $s | .ramp[]? | "\(.[0]) \(.[2] / $s)"' \
		"$json" >"$d/$2"
}
# series FILE COLUMNS TITLE...: a plot clause, or nothing without data
series() {
	[ -s "$d/$1" ] || return 0
	printf '%s"%s" using %s with linespoints title "%s"' "${SEP:-}" "$d/$1" "$2" "$3"
	SEP=", "
}
panel() { # panel "clauses": a plot, or a note when nothing was measured
	if [ -n "$1" ]; then echo "plot $1"; else
		echo 'unset logscale'
		echo 'set label 1 "not measured" at graph 0.4, 0.5'
		echo 'plot [0:1] [0:1] NaN notitle'
		echo 'unset label 1'
	fi
}
sip sip_direct_calls_per_s direct
sip sip_natportd_calls_per_s natportd
sip sip_kamailio_rtpengine_calls_per_s kamailio
media media_plain_lossless_pps plain
media media_natport_lossless_pps natport
media media_rtpengine_lossless_pps rtpengine
when=$(jq -r '"\(.date), \(.host.cores) cores, kernel \(.host.kernel)"' "$json")
kam=$(jq -r '.figures[] | select(.name == "sip_kamailio_rtpengine_calls_per_s") | .versions' "$json" | head -n 1)
rtpe=$(jq -r '.figures[] | select(.name == "media_rtpengine_lossless_pps") | .version // empty' "$json" | head -n 1)

SEP= p1=$(series direct 1:2 "sipp direct (no proxy)"; series natportd 1:2 "nat-portd"
	series kamailio 1:2 "Kamailio+rtpengine")
SEP= p2=$(series natportd 1:3 "nat-portd"; series kamailio 1:3 "Kamailio+rtpengine")
SEP= p3=$(series plain 1:2 "plain routing"; series natport 1:2 "natport (kernel)"
	series rtpengine 1:2 "rtpengine userspace ${rtpe}")
cat >"$d/plot.gp" <<GP
set multiplot layout 1,3 title "natport benchmarks: $when${kam:+; peers: $kam (userspace)}"
set grid
set key top left maxcols 1 box opaque
set xlabel "offered calls/s"
set ylabel "achieved calls/s (ramp step)"
set title "call setup ramp"
$(panel "$p1")
set ylabel "CPU s per 1,000 calls"
set title "proxy CPU per call (log)"
set logscale y
$(panel "$p2")
unset logscale y
set logscale xy
set xlabel "offered packets/s (one stream)"
set ylabel "delivered packets/s"
set title "media ramp to first loss (log-log)"
$(panel "$p3")
unset multiplot
GP
ok=0
{ echo "set terminal svg size 1500,500 dynamic"; echo "set output '$base.svg'"; cat "$d/plot.gp"; } |
	gnuplot 2>"$d/err" || ok=1
{ echo "set terminal pngcairo size 1500,500 font ',10'"; echo "set output '$base.png'"; cat "$d/plot.gp"; } |
	gnuplot 2>>"$d/err" || ok=1
[ $ok = 0 ] || { cat "$d/err"; exit 1; }
echo "plot: $base.svg $base.png"
