#!/usr/bin/perl
# benc2json.pl - an ng reply ("COOKIE d...e" on stdin) as JSON on stdout,
# so that tests can read nested keys with jq. Strict: trailing bytes or
# a malformed item exit 1. Byte strings are taken as Latin-1.
use strict;
use warnings;
use JSON::PP;

local $/;
my $in = <STDIN>;
$in =~ s/^\S+ // or die "benc2json: no cookie\n";
my $pos = 0;

sub item {
	my $c = substr($in, $pos, 1);
	if ($c eq 'i') {
		substr($in, $pos) =~ /^i(-?\d+)e/ or die "benc2json: bad int at $pos\n";
		$pos += length($&);
		return 0 + $1;
	}
	if ($c =~ /\d/) {
		substr($in, $pos) =~ /^(\d+):/ or die "benc2json: bad string at $pos\n";
		$pos += length($&);
		die "benc2json: short string at $pos\n" if $pos + $1 > length($in);
		my $s = substr($in, $pos, $1);
		$pos += $1;
		return $s;
	}
	if ($c eq 'l' || $c eq 'd') {
		$pos++;
		my (@l, %d);
		while (substr($in, $pos, 1) ne 'e') {
			die "benc2json: truncated at $pos\n" if $pos >= length($in);
			if ($c eq 'l') {
				push @l, item();
			} else {
				my $k = item();
				$d{$k} = item();
			}
		}
		$pos++;
		return $c eq 'l' ? \@l : \%d;
	}
	die "benc2json: unexpected '$c' at $pos\n";
}

my $v = item();
die "benc2json: trailing bytes at $pos\n" if $pos != length($in);
print JSON::PP->new->canonical->encode($v), "\n";
