/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rawct.h - the benchmarks' baseline: conntrack entries created or
 * deleted over raw ctnetlink, RAW_CT_BATCH messages per sendmsg, each
 * acknowledged, with no library of ours in the way. bench_pm and
 * bench_scale measure libnatport against it in the same run, so both
 * must drive the kernel the same way: this is that one loop.
 *
 * Not a program: the Makefile links it into the benches that use it.
 */
#ifndef NATPORT_BENCH_RAWCT_H
#define NATPORT_BENCH_RAWCT_H

#include <stdbool.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#define RAW_CT_BATCH 64

/* Fill entry id's attributes (a fresh nfct_new()) for a create (del
 * false) or a delete (del true: the original tuple is what counts). */
typedef void (*rawct_fill_fn)(struct nf_conntrack *ct, int id, bool del,
			      void *arg);

/* rawct_run - send n creates (or deletes) of entries 0..n-1, built by
 * fill, and wait for every acknowledgement. Returns 0, or -1 when the
 * netlink socket could not be opened. */
int rawct_run(int n, bool del, rawct_fill_fn fill, void *arg);

#endif
