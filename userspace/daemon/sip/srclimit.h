/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * srclimit.h - per-source limits of the SIP front end (issue 10 point 5):
 * requests per second (a token bucket) and calls in setup, per source
 * address (any port), with the WAN side's limits apart from the LAN's.
 *
 * A flood from one address then spends only that address's budget: it
 * can neither fill the call table (max-calls) nor the CPU for another
 * source's call. Sources are kept in a small hash table; one with no call
 * in setup and a full bucket is forgotten, and when the table is full the
 * new source shares a bucket with nobody but is still rate-checked against
 * its own fresh budget (it cannot be told apart, and nothing is refused
 * for lack of room).
 *
 * Ownership: the table owns its entries; nothing here keeps a pointer to
 * its arguments.
 */
#ifndef NATPORT_SIP_SRCLIMIT_H
#define NATPORT_SIP_SRCLIMIT_H

#include <stdint.h>

#include <natport/natport.h>

struct natport_srclimit;

struct natport_srclimit_conf {
	unsigned int rate;  /* requests per second; burst is twice it; 0 off */
	unsigned int calls; /* calls in setup; 0 off */
};

struct natport_srclimit *natport_srclimit_new(unsigned int max_sources);
void natport_srclimit_free(struct natport_srclimit *l);

/* natport_srclimit_request - one request from src: 0 if within its rate,
 * -1 if over (the caller drops it). */
int natport_srclimit_request(struct natport_srclimit *l,
			     const struct natport_srclimit_conf *c,
			     const struct natport_endpoint *src,
			     uint64_t now_ms);
/* natport_srclimit_setup_begin - a new call from src: 1 if counted (call
 * setup_end once it leaves setup), 0 if allowed uncounted (limit off, or
 * no room), -1 when src already has c->calls calls in setup. */
int natport_srclimit_setup_begin(struct natport_srclimit *l,
				 const struct natport_srclimit_conf *c,
				 const struct natport_endpoint *src);
/* natport_srclimit_setup_end - a call counted by setup_begin left setup
 * (answered or ended). */
void natport_srclimit_setup_end(struct natport_srclimit *l,
				const struct natport_endpoint *src);
/* natport_srclimit_expire - forget idle sources. */
void natport_srclimit_expire(struct natport_srclimit *l, uint64_t now_ms);
unsigned int natport_srclimit_count(const struct natport_srclimit *l);

#endif /* NATPORT_SIP_SRCLIMIT_H */
