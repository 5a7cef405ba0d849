/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * portalloc.h - external port pairs: allocate, hold, quarantine, reuse.
 *
 * The range is cut into even/odd pairs (RTP, RTCP = RTP+1). A pair is
 * free, in use, or quarantined. Free pairs form a FIFO, so the pair used
 * longest ago is reused first; released pairs wait in a second FIFO, in
 * release order, until their quarantine ends. Allocation and release are
 * O(1); expiry moves each pair once.
 *
 * A pair is held by two UDP sockets bound to the external address from
 * its first allocation until uninit, so no other program can take its
 * ports and packets that no conntrack entry matched (yet) land there
 * instead of in another program. The sockets are never read on the hot
 * path; drain() empties and counts what arrived. A pair whose port is
 * busy (another program bound it first) is set aside and retried later.
 *
 * Not thread-safe; owned by one port manager.
 */
#ifndef NATPORT_PORTALLOC_H
#define NATPORT_PORTALLOC_H

#include <stdint.h>

#include <natport/natport.h>

#define NATPORT_PAIR_NONE UINT32_MAX

enum { PAIR_FREE, PAIR_USED, PAIR_QUARANTINE, PAIR_BUSY };

struct natport_pair {
	int fd[2];      /* held sockets, -1 until first use */
	uint32_t next;  /* FIFO link */
	uint32_t map[2]; /* mapping id per half, 0 = unused */
	uint64_t until_ms; /* end of quarantine */
	uint8_t state;
};

struct natport_portalloc {
	struct natport_endpoint addr;
	uint16_t base; /* first (even) port */
	uint32_t npairs;
	uint32_t quarantine_ms;
	struct natport_pair *pairs;
	uint32_t free_head, free_tail;
	uint32_t q_head, q_tail;
	uint32_t busy_head, busy_tail; /* FIFO too: same retry delay */
	uint32_t nfree, nused, nquarantine, nbusy;
	int last_errno; /* of the last failed bind */
};

/* Returns 0 or -NATPORT_E_*. The range is rounded inward to pairs. */
int natport_portalloc_init(struct natport_portalloc *pa,
			   const struct natport_endpoint *addr,
			   uint16_t port_min, uint16_t port_max,
			   uint32_t quarantine_ms);
void natport_portalloc_uninit(struct natport_portalloc *pa);

/* Take a free pair (after expiring quarantines at now_ms): its index, or
 * NATPORT_PAIR_NONE when every pair is used, quarantined or busy. */
uint32_t natport_portalloc_get(struct natport_portalloc *pa, uint64_t now_ms);
/* Return a pair: quarantined until now_ms + quarantine_ms. */
void natport_portalloc_put(struct natport_portalloc *pa, uint32_t pair,
			   uint64_t now_ms);
void natport_portalloc_expire(struct natport_portalloc *pa, uint64_t now_ms);

static inline uint16_t natport_portalloc_port(const struct natport_portalloc *pa,
					      uint32_t pair, unsigned int half)
{
	return pa->base + 2 * pair + half;
}

/* Pair index and half of an external port, or -1 if outside the range. */
int natport_portalloc_find(const struct natport_portalloc *pa, uint16_t port,
			   uint32_t *pair, unsigned int *half);

/* Read and count what reached the pair's held sockets. */
unsigned int natport_portalloc_drain(struct natport_portalloc *pa,
				     uint32_t pair);

#endif /* NATPORT_PORTALLOC_H */
