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

/* The range to guard: ports lo..hi on each of n addresses (IPv4, and the
 * NAT66 address: one more than the IPv4 maximum). n = 0 guards nothing. */
struct natport_nft_guard {
	struct natport_endpoint addr[NATPORT_MAX_EXTERNAL + 1];
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
/* Keep the source port of the router's own flows from addr (dotted IPv4)
 * at the given ports (0 ends the list early) through any later source NAT,
 * with an explicit snat to the same address:port in a nat postrouting
 * chain at srcnat - 10. The nat core stops at the first chain that binds a
 * NAT, so the operator's masquerade never sees these flows; an accept
 * would not do this. Survives re-creation by check(). 0 or -1 + err. */
int natport_nft_pin(struct natport_nft *nft, const char *addr,
		    const uint16_t *ports, unsigned int n, char *err,
		    size_t errlen);
/* Delete the table and free the handle. NULL is allowed. */
void natport_nft_close(struct natport_nft *nft);
/* Free the handle and leave the table in place (a restart: the next
 * instance's open re-creates it in one transaction). */
void natport_nft_detach(struct natport_nft *nft);
/* Re-create the table if it is gone (a firewall reload flushed it).
 * Returns 1 if it was re-created, 0 if present, -1 on error. */
int natport_nft_check(struct natport_nft *nft);
/* A socket that becomes readable when someone else changes the ruleset
 * (or -1 if the kernel refused the subscription: then only the slow sweep
 * checks), and what to call then: drains it and checks. Returns 0 if
 * nothing was pending, 2 if the ruleset changed and our table is intact,
 * 1 if it changed and the table was re-created, -1 if that failed. Our
 * own changes are drained as they are made, so they never wake it. */
int natport_nft_fd(const struct natport_nft *nft);
int natport_nft_changed(struct natport_nft *nft);

/* Is the kernel's SIP helper (nf_conntrack_sip / nf_nat_sip) configured
 * anywhere in the ruleset? Since Linux 6.0 helpers are never assigned
 * automatically: only a `ct helper` object of type "sip" (nft, or
 * iptables-nft's CT target, which shows up the same way) attaches it.
 * Returns 1 and names the object in why, 0 if none, -1 on error. */
int natport_nft_sip_helper(struct natport_nft *nft, char *why, size_t len);

/*
 * PCP inbound mappings (endpoint-independent, RFC 6887 MAP): one conntrack
 * entry per remote cannot say "any remote may send to this port", so the
 * table gets, beside the chains above, two maps and two counter sets:
 *
 *   map pcp_in   external port : internal address . port   (DNAT)
 *   map pcp_out  internal address . port : WAN address . external port
 *   set pcp_cin, pcp_cout   external port, with per-element counters
 *
 * and four chains: pcp_dnat (nat prerouting, dstnat - 1: before any port
 * forward of the firewall), pcp_snat (nat postrouting, srcnat - 1: before
 * the firewall's masquerade, so the client's packets leave from the
 * mapped port), pcp_cnt_in (filter prerouting, before DNAT) and
 * pcp_cnt_out (filter postrouting, after SNAT), counting every packet to
 * and from the WAN address and the external port whatever conntrack
 * entry carried it. The map elements carry a timeout (the lease's
 * lifetime plus a margin), so a daemon that dies leaves nothing that
 * outlives its leases in the kernel.
 *
 * natport_nft_inbound_setup - create (or reset, emptying them) the maps,
 * sets and chains for the WAN address wan (network byte order). 0 or -1.
 * natport_nft_inbound_add - let any remote reach iaddr:iport through
 * wan:eport for timeout_s (replacing the element: the timeout is renewed
 * and the counters are kept). natport_nft_inbound_del - remove it.
 * natport_nft_inbound_counters - the packets and bytes counted for eport
 * ("in" toward the client); -1 if there is no element.
 */
#include <netinet/in.h>
int natport_nft_inbound_setup(struct natport_nft *nft,
			      const struct in_addr *wan);
int natport_nft_inbound_add(struct natport_nft *nft, const struct in_addr *wan,
			    unsigned int eport, const struct in_addr *iaddr,
			    unsigned int iport, unsigned int timeout_s,
			    int fresh);
int natport_nft_inbound_del(struct natport_nft *nft, const struct in_addr *wan,
			    unsigned int eport, const struct in_addr *iaddr,
			    unsigned int iport);
int natport_nft_inbound_counters(struct natport_nft *nft, unsigned int eport,
				 unsigned long long *pkts_in,
				 unsigned long long *bytes_in,
				 unsigned long long *pkts_out,
				 unsigned long long *bytes_out);

/*
 * PCP FILTER (RFC 6887 section 13.3): a MAP may name the remotes allowed
 * in (prefix and port, 0 = any); every other remote's packets to the
 * external port are dropped in the kernel, before DNAT, and counted per
 * port. Kept per external port in the handle, so a re-created table gets
 * the filters back from natport_nft_inbound_setup(), a renewal of the
 * port's element by natport_nft_inbound_add() renews them, and
 * natport_nft_inbound_del() removes them. In the table:
 *
 *   set pcp_fgate   external ports with filters (timeout as the maps')
 *   set pcp_fany    port . remote prefix             (any remote port)
 *   set pcp_fport   port . remote prefix . remote port
 *   set pcp_fdrop   port, with per-element counters: the drops
 *   chain pcp_filter (filter prerouting, mangle + 5: after conntrack,
 *   before the counters at mangle + 10 and before any DNAT) jumps to
 *   pcp_fcheck for a packet to the WAN address and a gated port in a
 *   flow's original direction: a reply to what the client itself sent
 *   passes, as through a NAT whose filtering is address dependent.
 *
 * natport_nft_inbound_filter - replace eport's filters with n of them (n
 * = 0: none, the port is open to every remote again) for timeout_s
 * seconds; 0 or -1 (the kernel and the handle keep the old ones).
 * natport_nft_inbound_filtered - packets dropped at eport since its
 * first filter; -1 if it has none.
 */
#define NATPORT_NFT_MAX_FILTERS 8
struct natport_nft_filter {
	struct in_addr addr;
	uint8_t plen;  /* 0..32 */
	uint16_t port; /* 0: any */
};
int natport_nft_inbound_filter(struct natport_nft *nft, unsigned int eport,
			       const struct natport_nft_filter *filters,
			       unsigned int n, unsigned int timeout_s);
int natport_nft_inbound_filtered(struct natport_nft *nft, unsigned int eport,
				 unsigned long long *pkts);

#endif /* NATPORT_NFTABLE_H */
