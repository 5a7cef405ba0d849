/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * portalloc.h - external port pairs on one or more addresses: allocate,
 * quarantine, reuse, reserve.
 *
 * The range is cut into even/odd pairs (RTP, RTCP = RTP+1), the same range
 * on every external address. Pair index i is port base + 2 * (i / naddr)
 * on address i % naddr, so pairs taken in index order spread over the
 * addresses. A pair is free, in use, or quarantined. Pairs never used yet
 * come first (a cursor); then released pairs, FIFO, so the pair used
 * longest ago is reused first. That is on purpose (a port comes back as
 * late as possible), and it means the cursor walks the whole range over
 * time, whatever the load: the table's pages (and pm.c's per-port
 * quarantine records, about 216 bytes a pair together) are all touched
 * once npairs pairs have been taken, a bound fixed by the range. Released
 * pairs wait in a second FIFO, in release order, until their quarantine
 * ends. Allocation and release are O(1); expiry
 * moves each pair once. Allocation never fails while a free pair exists.
 *
 * No socket holds a port (see natport.h "Reservation"): reserve() adds the
 * range to the namespace's ip_local_reserved_ports so the kernel's
 * ephemeral choice avoids it, unreserve() takes back only the ports it
 * added. Not thread-safe; owned by one port manager.
 */
#ifndef NATPORT_PORTALLOC_H
#define NATPORT_PORTALLOC_H

#include <stdint.h>

#include <natport/natport.h>

#define NATPORT_PAIR_NONE UINT32_MAX

enum { PAIR_FREE, PAIR_USED, PAIR_QUARANTINE };

struct natport_pair {
	uint32_t next;     /* FIFO link */
	uint32_t map[2];   /* mapping id per half, 0 = unused */
	uint8_t state;
	uint64_t until_ms; /* end of quarantine */
};

struct natport_portalloc {
	struct natport_endpoint addr[NATPORT_MAX_EXTERNAL];
	unsigned int naddr;
	uint16_t base;         /* first (even) port */
	uint32_t addr_pairs;   /* pairs per address */
	uint32_t npairs;       /* addr_pairs * naddr */
	uint32_t quarantine_ms;
	struct natport_pair *pairs; /* calloc'd: untouched pages stay free */
	uint32_t fresh;        /* pairs >= fresh were never used */
	uint32_t free_head, free_tail;
	uint32_t q_head, q_tail;
	uint32_t nfree, nused, nquarantine;
	uint8_t *was_reserved; /* per port of the range, before reserve() */
	int reserved;          /* reserve() succeeded */
};

/* Returns 0 or -NATPORT_E_*. The range is rounded inward to pairs; addr
 * holds naddr (1..NATPORT_MAX_EXTERNAL) addresses. */
int natport_portalloc_init(struct natport_portalloc *pa,
			   const struct natport_endpoint *addr,
			   unsigned int naddr, uint16_t port_min,
			   uint16_t port_max, uint32_t quarantine_ms);
void natport_portalloc_uninit(struct natport_portalloc *pa);

/* Take a free pair (after expiring quarantines at now_ms): its index, or
 * NATPORT_PAIR_NONE when every pair is used or quarantined. */
uint32_t natport_portalloc_get(struct natport_portalloc *pa, uint64_t now_ms);
/* Give back a pair just taken and not used: free again at once, at the end
 * of the FIFO (an address that is not up, say). */
void natport_portalloc_unget(struct natport_portalloc *pa, uint32_t pair);
/* Take this free pair (adoption after a restart): 0, or -1 when it is
 * not free. Cheap in ascending pair order from the cursor; a pair below
 * it is unlinked from the free FIFO by a walk. */
int natport_portalloc_take(struct natport_portalloc *pa, uint32_t pair);
/* Return a pair: quarantined until now_ms + quarantine_ms. */
void natport_portalloc_put(struct natport_portalloc *pa, uint32_t pair,
			   uint64_t now_ms);
void natport_portalloc_expire(struct natport_portalloc *pa, uint64_t now_ms);

static inline uint16_t natport_portalloc_port(const struct natport_portalloc *pa,
					      uint32_t pair, unsigned int half)
{
	return pa->base + 2 * (pair / pa->naddr) + half;
}

static inline const struct natport_endpoint *
natport_portalloc_addr(const struct natport_portalloc *pa, uint32_t pair)
{
	return &pa->addr[pair % pa->naddr];
}

/* Pair index and half of an external endpoint (address and port), or -1
 * if it is not one of ours. */
int natport_portalloc_find(const struct natport_portalloc *pa,
			   const struct natport_endpoint *ep, uint32_t *pair,
			   unsigned int *half);

/* Add the range to net.ipv4.ip_local_reserved_ports of the current
 * namespace; unreserve() removes the ports reserve() added (those reserved
 * before stay). Return 0 or -errno. */
int natport_portalloc_reserve(struct natport_portalloc *pa);
void natport_portalloc_unreserve(struct natport_portalloc *pa);

/* Is port reserved in the namespace now? 1, 0, or -errno. */
int natport_portalloc_is_reserved(uint16_t port);

#endif /* NATPORT_PORTALLOC_H */
