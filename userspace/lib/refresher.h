/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * refresher.h - the refresh scan's timeout updates, sent from a thread of
 * their own so the owner's event loop never waits inside them.
 *
 * Why a thread: ctnetlink handles a request inside sendmsg under one
 * mutex that every process and namespace on the machine shares. When a
 * neighbour holds it (measured: another daemon ran 47 ms in the kernel
 * with it held, on a 2-core machine whose kernel does not preempt), a
 * refresh batch sent from the event loop sleeps that long, and SIP waits
 * behind it. Here the event loop hands a batch over and goes on; the
 * thread sends it on a request socket of its own and wakes the loop with
 * an eventfd when the answers are in. Only one batch is out at a time.
 * The scan's dump request goes the same way (its first part is built
 * inside sendmsg, under the same mutex); the dump itself is read in the
 * event loop, whose socket it is.
 *
 * The thread touches nothing but its own batch and socket: the caller
 * reads the answers back in its own thread (natport_refresher_collect).
 */
#ifndef NATPORT_REFRESHER_H
#define NATPORT_REFRESHER_H

#include "ctnl.h"

struct natport_refresher;

/* Open the request socket and the eventfd, with room for batches of up
 * to room entries; the thread starts with the first batch (after a
 * daemon's fork). NULL (err set) if they could not be had: the caller
 * then sends its refreshes itself. */
struct natport_refresher *natport_refresher_open(uint32_t mark_tag,
						 unsigned int room, char *err,
						 size_t errlen);
/* Stop and join the thread (a batch under way is finished first), free
 * everything. NULL is fine. */
void natport_refresher_stop(struct natport_refresher *r);
/* Readable when a batch's answers are in. */
int natport_refresher_fd(const struct natport_refresher *r);
/* Whether a batch is out (handed over, answers not collected yet). */
int natport_refresher_busy(const struct natport_refresher *r);
enum { NATPORT_RF_REFRESH = 1, NATPORT_RF_SEND };

/* Hand over n entries to refresh (copied; at most room): 0, -EBUSY while
 * a batch is out, -E2BIG, or pthread_create()'s -errno at the first. */
int natport_refresher_submit(struct natport_refresher *r,
			     const struct natport_ct_entry *e, unsigned int n);
/* Hand over one request (copied, at most NATPORT_CTNL_SCAN_REQ bytes) to
 * send() on fd, whose owner reads the answer: 0 or -errno, as submit. */
int natport_refresher_send(struct natport_refresher *r, int fd, const void *msg,
			   size_t len);
/* The batch out, if it is done: 1 with *kind (NATPORT_RF_*) and for a
 * refresh *e, *res (one per entry: 0, -ENOENT gone, or -errno) and *n
 * pointing into the handle until the next submit; 0 if it is not done; a
 * negative -errno when it could not be sent at all (*kind set; for a
 * refresh *n entries, no answers). */
int natport_refresher_collect(struct natport_refresher *r, int *kind,
			      const struct natport_ct_entry **e,
			      const int **res, unsigned int *n);

#endif
