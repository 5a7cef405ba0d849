/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nftable.h - the small nft table natport owns so that conntrack and NAT
 * are active in the namespace whatever the rest of the firewall is.
 *
 * Conntrack hooks are registered lazily per network namespace: only a rule
 * that uses conntrack registers them, and only a nat chain registers the
 * NAT hooks that apply an entry's NAT binding. Without both, entries made
 * over netlink sit unused (design.md section 4). The table holds a
 * `ct state new counter` rule and two empty nat chains.
 *
 * It also guards the port range (natport.h "Reservation"): a packet to one
 * of the external addresses and a port of the range that opens a new
 * connection matched no mapping's entry (those are ESTABLISHED from their
 * creation), so it is dropped before conntrack confirms an entry for it,
 * and counted in the named counter "stray". Everything else is accepted
 * and unchanged.
 */
#ifndef NATPORT_NFTABLE_H
#define NATPORT_NFTABLE_H

#include <stddef.h>
#include <stdint.h>

#include <natport/natport.h>

struct natport_nft;

/* The range to guard: ports lo..hi on each of n addresses (IPv4). n = 0
 * guards nothing. */
struct natport_nft_guard {
	struct natport_endpoint addr[NATPORT_MAX_EXTERNAL];
	unsigned int n;
	uint16_t lo, hi;
};

/* Create (or atomically replace) table inet <name>; g may be NULL. */
struct natport_nft *natport_nft_open(const char *name,
				     const struct natport_nft_guard *g,
				     char *err, size_t errlen);
/* Packets the guard dropped since open (a table re-created after a
 * firewall reload starts its counter again; what it had counted up to the
 * last read is kept). 0 or -1 on error. */
int natport_nft_stray(struct natport_nft *nft, uint64_t *pkts);
/* Delete the table and free the handle. NULL is allowed. */
void natport_nft_close(struct natport_nft *nft);
/* Re-create the table if it is gone (a firewall reload flushed it).
 * Returns 1 if it was re-created, 0 if present, -1 on error. */
int natport_nft_check(struct natport_nft *nft);
/* A socket that becomes readable when the ruleset changes (or -1 if the
 * kernel refused the subscription: then only the slow sweep checks), and
 * what to call then: drains it and checks, returning as check() does. */
int natport_nft_fd(const struct natport_nft *nft);
int natport_nft_changed(struct natport_nft *nft);

/* Is the kernel's SIP helper (nf_conntrack_sip / nf_nat_sip) configured
 * anywhere in the ruleset? Since Linux 6.0 helpers are never assigned
 * automatically: only a `ct helper` object of type "sip" (nft, or
 * iptables-nft's CT target, which shows up the same way) attaches it.
 * Returns 1 and names the object in why, 0 if none, -1 on error. */
int natport_nft_sip_helper(struct natport_nft *nft, char *why, size_t len);

#endif /* NATPORT_NFTABLE_H */
