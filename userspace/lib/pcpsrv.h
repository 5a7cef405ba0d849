/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pcpsrv.h - the router's PCP (RFC 6887) and NAT-PMP (RFC 6886) request
 * processor: pure logic, no sockets, no clock of its own.
 *
 * The front end (nat-portd's LAN UDP 5351 socket) hands each datagram to
 * natport_pcpsrv_handle() with the sender and the time, sends back what
 * it returns, and calls natport_pcpsrv_expire() when natport_pcpsrv_next()
 * says. Everything the kernel must do goes through the ops, so the front
 * end can route it through the session core (a lease is a session owned
 * by kind pcp) without this file knowing:
 *
 *   map      a new lease needs an external port: kind says RTP (even
 *            internal port: an even external one, its pair reserved),
 *            RTCP (odd internal port whose even neighbour is the same
 *            owner's RTP lease: the partner's external port + 1) or
 *            SINGLE; suggested is the client's wish (0: none). Fill
 *            l->external (and l->cookie). The MAP's kernel side is
 *            endpoint-independent: any remote may send to it.
 *   peer     l->peer changed (PEER): narrow the lease to that remote
 *            (today's per-remote conntrack entry); AF_UNSPEC: the PEER
 *            ended, keep only what the MAP allows.
 *   release  the lease is gone (lifetime 0, expiry, shutdown).
 *   admit    optional: may this client hold one more lease (quotas
 *            shared with SIP calls)? 0 or a NATPORT_PCP_* result.
 *
 * map and peer return 0 or a negative NATPORT_E_* / errno, which becomes
 * NO_RESOURCES (NOPORT, NOMEM), NOT_AUTHORIZED (BADADDR, NOTSUP) or
 * NETWORK_FAILURE (anything else).
 *
 * Rules (RFC 6887 section numbers):
 *  - the client address field must be the packet's source (8.3,
 *    ADDRESS_MISMATCH); the internal address is that, or THIRD_PARTY's
 *    (13.1) when third_party is set, and then only a LAN address
 *    (NOT_AUTHORIZED); with third_party off THIRD_PARTY is UNSUPP_OPTION.
 *  - the internal address must pass natport_policy_check_internal
 *    (NOT_AUTHORIZED); a PEER remote natport_policy_check_remote.
 *  - lifetimes are clamped to [min_lifetime, max_lifetime], min >= 120 s
 *    (15); lifetime 0 deletes (11.3, 12.3); internal port 0 with lifetime
 *    0 deletes every lease of the internal address with that nonce.
 *  - the nonce is the owner: a request for a lease with another nonce, or
 *    one NAT-PMP made, is NOT_AUTHORIZED (11.3).
 *  - UDP only: other protocols are UNSUPP_PROTOCOL (protocol 0 with a
 *    port is MALFORMED_REQUEST).
 *  - PREFER_FAILURE (13.2): a new lease that cannot get the suggested
 *    port (or address) is CANNOT_PROVIDE_EXTERNAL and nothing is kept; a
 *    refresh returns the lease as it is. Without any suggestion it is
 *    MALFORMED_OPTION.
 *  - FILTER (13.3): added to the lease's filters (a prefix length 0 in
 *    the request clears them first; one the lease has already is not
 *    added twice), echoed, and l->filter_gen bumped when they change, so
 *    the front end narrows the kernel side to them; more than
 *    NATPORT_PCP_MAX_FILTERS is EXCESSIVE_REMOTE_PEERS, a remote of
 *    another family than the internal address MALFORMED_OPTION.
 *  - ANNOUNCE: SUCCESS, lifetime 0. Every response carries the epoch:
 *    seconds since this server's start (8.5); a restart restarts it, and
 *    natport_pcpsrv_announce() builds the unsolicited ANNOUNCE of 14.1.3.
 *  - errors carry error_long_s or error_short_s as lifetime (7.4).
 *  - NAT-PMP (RFC 6886) on the same table and policy: internal address is
 *    the source; TCP mapping requests are refused (result 2); a lease a
 *    PCP client owns is refused; lifetime 0 deletes (internal port 0:
 *    all of the client's).
 *  - version: 0 is NAT-PMP (if natpmp is on, else UNSUPP_VERSION in
 *    NAT-PMP form); 2 is PCP (if pcp is off, the NAT-PMP "unsupported
 *    version" answer, as a NAT-PMP-only router gives; RFC 6887 section 9);
 *    others UNSUPP_VERSION naming version 2.
 */
#ifndef NATPORT_PCPSRV_H
#define NATPORT_PCPSRV_H

#include <stddef.h>
#include <stdint.h>

#include <natport/natport.h>
#include <natport/policy.h>

#include "pcplease.h"
#include "pcpmsg.h"

struct natport_pcpsrv_ops {
	int (*map)(void *arg, struct natport_pcplease *l, uint8_t kind,
		   uint16_t suggested, const struct natport_pcplease *partner);
	int (*peer)(void *arg, struct natport_pcplease *l);
	void (*release)(void *arg, struct natport_pcplease *l);
	int (*admit)(void *arg, const struct natport_endpoint *internal);
};

struct natport_pcpsrv_config {
	struct natport_endpoint external; /* the router's WAN address */
	const struct natport_policy *policy; /* LAN prefixes, own addresses */
	uint32_t min_lifetime, max_lifetime; /* seconds; 0 = 120, 7200 */
	uint32_t error_long_s, error_short_s; /* 0 = 1800, 30 */
	uint32_t max_leases;      /* table size; 0 = 4096 */
	uint32_t max_per_client;  /* 0 = no limit */
	unsigned int third_party : 1; /* accept THIRD_PARTY (LAN only) */
	unsigned int no_pcp : 1;      /* answer as a NAT-PMP-only router */
	unsigned int no_natpmp : 1;   /* answer as a PCP-only router */
};

struct natport_pcpsrv_stats {
	uint64_t requests, dropped, natpmp_requests;
	uint64_t results[__NATPORT_PCP_RESULT_MAX]; /* PCP responses sent */
	uint64_t created, deleted, expired;
};

struct natport_pcpsrv {
	struct natport_pcpsrv_config cfg;
	struct natport_pcpsrv_ops ops;
	void *ops_arg;
	struct natport_pcplease_table leases;
	uint64_t start_ms; /* epoch 0 */
	struct natport_pcpsrv_stats stats;
};

/* natport_pcpsrv_init - 0, or -EINVAL for a bad configuration (a minimum
 * lifetime below 120 s, max below min, no IPv4 external address, no
 * policy), -ENOMEM. now_ms starts the epoch. */
int natport_pcpsrv_init(struct natport_pcpsrv *s,
			const struct natport_pcpsrv_config *cfg,
			const struct natport_pcpsrv_ops *ops, void *ops_arg,
			uint64_t now_ms);
/* natport_pcpsrv_uninit - release every lease through ops. */
void natport_pcpsrv_uninit(struct natport_pcpsrv *s);

/* natport_pcpsrv_handle - process one datagram from src (address and
 * port) at now_ms: the response in out (its length), or 0 to send
 * nothing. out needs NATPORT_PCP_MAX_LEN octets. */
int natport_pcpsrv_handle(struct natport_pcpsrv *s, const uint8_t *req,
			  size_t len, const struct natport_endpoint *src,
			  uint64_t now_ms, uint8_t *out, size_t outlen);

/* natport_pcpsrv_expire - end what expired by now_ms (PEERs, leases). */
void natport_pcpsrv_expire(struct natport_pcpsrv *s, uint64_t now_ms);
/* natport_pcpsrv_next - when expire is next due (ms), 0 if never. */
uint64_t natport_pcpsrv_next(const struct natport_pcpsrv *s);
/* natport_pcpsrv_epoch - the epoch time at now_ms. */
uint32_t natport_pcpsrv_epoch(const struct natport_pcpsrv *s, uint64_t now_ms);

/* natport_pcpsrv_announce - the unsolicited ANNOUNCE response of section
 * 14.1.3 (send to 224.0.0.1:5350, ff02::1 and known clients at start);
 * natport_pcpsrv_natpmp_announce - the NAT-PMP external address
 * announcement of RFC 6886 section 3.2.1. The length, or -ENOSPC. */
int natport_pcpsrv_announce(const struct natport_pcpsrv *s, uint64_t now_ms,
			    uint8_t *out, size_t outlen);
int natport_pcpsrv_natpmp_announce(const struct natport_pcpsrv *s,
				   uint64_t now_ms, uint8_t *out,
				   size_t outlen);

/* natport_pcpsrv_unsolicited - an unsolicited MAP (or, for a PEER-only
 * lease, PEER) response for lease l (RFC 6887 section 14.2), to send to
 * l->client: its nonce, internal port, current external endpoint and the
 * lifetime left, or lifetime 0 when deleted (the router ended the lease:
 * an operator deleted it). A PCP client handles it as any response, so
 * it learns a new external endpoint or re-requests a lost mapping. The
 * length, -EINVAL for a NAT-PMP lease (RFC 6886 has no such message) or
 * -ENOSPC. */
int natport_pcpsrv_unsolicited(const struct natport_pcpsrv *s,
			       const struct natport_pcplease *l, int deleted,
			       uint64_t now_ms, uint8_t *out, size_t outlen);
/* natport_pcpsrv_announce_targets - the distinct addresses and ports of
 * PCP clients (each lease's last request source) not heard from since
 * since_ms: where a restart's unicast ANNOUNCE goes (section 14.1.3).
 * Sorted; at most max; returns how many. */
unsigned int natport_pcpsrv_announce_targets(const struct natport_pcpsrv *s,
					     uint64_t since_ms,
					     struct natport_endpoint *out,
					     unsigned int max);

#endif /* NATPORT_PCPSRV_H */
