/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pcplease.h - the PCP/NAT-PMP lease table of the router: one lease per
 * (protocol, internal address, internal port), created by MAP, PEER or a
 * NAT-PMP mapping request, with its owner's nonce and expiry times.
 *
 * A flat array searched linearly: a router holds a few thousand leases at
 * most and every lookup comes from a request packet, never from media.
 * Ids are small and unique while a lease lives (for listings and for the
 * port manager's bookkeeping). Not thread-safe; owned by one server.
 */
#ifndef NATPORT_PCPLEASE_H
#define NATPORT_PCPLEASE_H

#include <stdint.h>

#include <natport/natport.h>

#include "pcpmsg.h"

enum natport_pcplease_owner {
	NATPORT_PCPLEASE_PCP,
	NATPORT_PCPLEASE_NATPMP,
};

/* How the lease's external port was asked for (RTP parity, RFC 4787
 * REQ-4): the first of a pair (even internal port), the second (odd
 * internal port whose even neighbour is the same owner's lease) or a
 * single port. */
enum natport_pcplease_kind {
	NATPORT_PCPLEASE_SINGLE,
	NATPORT_PCPLEASE_RTP,
	NATPORT_PCPLEASE_RTCP,
};

struct natport_pcplease {
	uint32_t id; /* 0 = free slot */
	uint8_t owner; /* enum natport_pcplease_owner */
	uint8_t kind;  /* enum natport_pcplease_kind */
	uint8_t protocol;
	uint8_t nonce[NATPORT_PCP_NONCE_LEN]; /* zero for NAT-PMP */
	struct natport_endpoint internal; /* LAN client address:port */
	struct natport_endpoint external; /* router's address:port */
	struct natport_endpoint client;   /* last request's source, for
					   * unsolicited responses */
	struct natport_endpoint peer;     /* PEER remote, AF_UNSPEC if none */
	struct natport_endpoint told;     /* the external endpoint the client
					   * was last told (RFC 6887 section
					   * 14.2: a change is announced) */
	uint64_t heard_ms; /* the client's last request */
	uint32_t partner;      /* id of the other half of an RTP/RTCP pair */
	uint64_t map_until_ms;  /* 0: no MAP (a PEER-only lease) */
	uint64_t peer_until_ms; /* 0: no PEER */
	uint64_t created_ms;
	unsigned int n_filters;
	struct natport_pcp_filter filters[NATPORT_PCP_MAX_FILTERS];
	uint32_t filter_gen; /* bumped when the filters change, so the
			      * front end knows to reprogram the kernel */
	uint64_t cookie; /* the port manager's own handle for the lease */
};

struct natport_pcplease_table {
	struct natport_pcplease *l;
	uint32_t cap, n, max;
	uint32_t next_id;
};

/* natport_pcplease_init - empty table for at most max leases (grows on
 * demand up to it). 0 or -ENOMEM / -EINVAL. */
int natport_pcplease_init(struct natport_pcplease_table *t, uint32_t max);
void natport_pcplease_uninit(struct natport_pcplease_table *t);
/* natport_pcplease_find - the lease of (protocol, internal address and
 * port), or NULL. */
struct natport_pcplease *
natport_pcplease_find(struct natport_pcplease_table *t, uint8_t protocol,
		      const struct natport_endpoint *internal);
struct natport_pcplease *natport_pcplease_get(struct natport_pcplease_table *t,
					      uint32_t id);
/* natport_pcplease_add - a zeroed lease with a fresh id, or NULL when the
 * table is full (or out of memory). Pointers into the table stay valid
 * until the next add. */
struct natport_pcplease *natport_pcplease_add(struct natport_pcplease_table *t);
void natport_pcplease_del(struct natport_pcplease_table *t,
			  struct natport_pcplease *l);
/* natport_pcplease_put - a copy of l with l's own id (a lease a previous
 * instance saved, see core/state.h), so partners still name each other.
 * The slot, or NULL when the id is 0 or taken, or the table is full. */
struct natport_pcplease *natport_pcplease_put(struct natport_pcplease_table *t,
					      const struct natport_pcplease *l);
/* natport_pcplease_count_client - leases whose internal address is ep's. */
uint32_t natport_pcplease_count_client(const struct natport_pcplease_table *t,
				       const struct natport_endpoint *ep);
/* natport_pcplease_until - when the lease ends (the later of MAP, PEER). */
uint64_t natport_pcplease_until(const struct natport_pcplease *l);

/* natport_pcplease_next - the lease after l (NULL: the first), or NULL:
 * for (l = next(t, NULL); l; l = n) { n = next(t, l); ... } lets the
 * loop delete l. */
struct natport_pcplease *natport_pcplease_next(struct natport_pcplease_table *t,
					       struct natport_pcplease *l);

#endif /* NATPORT_PCPLEASE_H */
