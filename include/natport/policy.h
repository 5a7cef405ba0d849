/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * policy.h - the address policy: which addresses natport accepts as a LAN
 * client (internal) and which as a far end's media (remote).
 *
 * One table of special ranges serves IPv4 and IPv6 alike. Every address
 * falls in exactly one class (natport_policy_classify); the class decides
 * whether it can ever be a unicast media peer. On top of that a policy
 * object knows the LAN prefixes and the router's own addresses, and the
 * two checks combine both:
 *
 *   internal  in a LAN prefix, not the router's own, a unicast class
 *   remote    not in the LAN, not the router's own (unless the hairpin
 *             hook says the port is one of the caller's live mappings),
 *             a unicast class; unspecified only as hold, if asked for
 *
 * Documentation (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
 * 2001:db8::/32, 3fff::/20), benchmarking, private (RFC 1918, shared
 * 100.64.0.0/10) and unique-local ranges are classified, so a listing can
 * name them, but accepted as ordinary unicast: test networks, labs and
 * carrier NAT use them for real traffic.
 *
 * The port of an endpoint is ignored except by the hairpin hook. Checks
 * return 0 or -NATPORT_E_BADADDR and, when why is not NULL, a short phrase
 * that follows the address ("points into the LAN", "is a loopback
 * address"), so callers write "remote 127.0.0.1:4000 is a loopback
 * address". A policy is plain data owned by the caller; nothing here
 * allocates, and no call keeps a pointer to its arguments.
 */
#ifndef NATPORT_POLICY_H
#define NATPORT_POLICY_H

#include <stddef.h>

#include <natport/natport.h>

#ifdef __cplusplus
extern "C" {
#endif

enum natport_addr_class {
	NATPORT_ADDR_UNICAST,	    /* ordinary global unicast */
	NATPORT_ADDR_UNSPEC,	    /* 0.0.0.0, ::, or no family at all */
	NATPORT_ADDR_THIS_NET,	    /* 0.0.0.0/8 ("this network") */
	NATPORT_ADDR_LOOPBACK,	    /* 127.0.0.0/8, ::1 */
	NATPORT_ADDR_LINK_LOCAL,    /* 169.254.0.0/16, fe80::/10 */
	NATPORT_ADDR_MULTICAST,	    /* 224.0.0.0/4, ff00::/8 */
	NATPORT_ADDR_BROADCAST,	    /* 255.255.255.255 */
	NATPORT_ADDR_RESERVED,	    /* 240.0.0.0/4, ::/8, 100::/64 */
	NATPORT_ADDR_MAPPED,	    /* ::ffff:0:0/96: use the IPv4 form */
	NATPORT_ADDR_PRIVATE,	    /* 10/8, 172.16/12, 192.168/16, 100.64/10 */
	NATPORT_ADDR_ULA,	    /* fc00::/7 */
	NATPORT_ADDR_BENCHMARK,	    /* 198.18.0.0/15, 2001:2::/48 */
	NATPORT_ADDR_DOCUMENTATION, /* 192.0.2/24, 198.51.100/24,
				     * 203.0.113/24, 2001:db8::/32, 3fff::/20 */
	__NATPORT_ADDR_MAX
};

#define NATPORT_POLICY_MAX_LAN 16
#define NATPORT_POLICY_MAX_OWN 64

/* The hairpin hook (issue 11): ep is the router's own address with a port;
 * return 1 if that port is one of the caller's live mappings, which makes
 * it an acceptable remote (two LAN clients calling each other through the
 * router's WAN address), 0 otherwise. */
typedef int (*natport_policy_hairpin_fn)(const struct natport_endpoint *ep,
					 void *arg);

struct natport_policy {
	struct natport_prefix lan[NATPORT_POLICY_MAX_LAN];
	unsigned int n_lan;
	struct natport_endpoint own[NATPORT_POLICY_MAX_OWN]; /* ports ignored */
	unsigned int n_own;
	natport_policy_hairpin_fn hairpin; /* NULL: the router is never a remote */
	void *hairpin_arg;
};

/* Flags of natport_policy_check_remote(). */
#define NATPORT_POLICY_HOLD_OK 0x1u /* unspecified is hold: accept it */

/* natport_policy_classify - the class of ep's address (port ignored). */
enum natport_addr_class
natport_policy_classify(const struct natport_endpoint *ep);
/* natport_policy_class_name - "unicast", "loopback", "documentation"... */
const char *natport_policy_class_name(enum natport_addr_class c);
/* natport_policy_class_is_unicast - 1 if an address of class c can be a
 * unicast media peer at all (UNICAST, PRIVATE, ULA, BENCHMARK,
 * DOCUMENTATION), 0 if never. */
int natport_policy_class_is_unicast(enum natport_addr_class c);

/* natport_policy_init - empty policy: no LAN, no own address, no hook. */
void natport_policy_init(struct natport_policy *p);
/* natport_policy_add_lan - add a LAN prefix; -NATPORT_E_INVAL for a
 * prefix without family, -ENOSPC beyond NATPORT_POLICY_MAX_LAN. */
int natport_policy_add_lan(struct natport_policy *p,
			   const struct natport_prefix *lan);
/* natport_policy_add_own - add one of the router's addresses (port
 * ignored); an address already known is not added twice. -NATPORT_E_INVAL
 * without family, -ENOSPC beyond NATPORT_POLICY_MAX_OWN. */
int natport_policy_add_own(struct natport_policy *p,
			   const struct natport_endpoint *own);
/* natport_policy_load_own - add every address of every interface in the
 * current network namespace (getifaddrs), both families. Returns the
 * number of own addresses now known, or a negative errno. */
int natport_policy_load_own(struct natport_policy *p);

/* natport_policy_in_lan - 1 if ep is inside a LAN prefix, else 0. */
int natport_policy_in_lan(const struct natport_policy *p,
			  const struct natport_endpoint *ep);
/* natport_policy_is_own - 1 if ep's address is one of the router's. */
int natport_policy_is_own(const struct natport_policy *p,
			  const struct natport_endpoint *ep);

/* natport_policy_check_internal - may ep be a LAN client's address?
 * 0, or -NATPORT_E_BADADDR with the reason in why. */
int natport_policy_check_internal(const struct natport_policy *p,
				  const struct natport_endpoint *ep,
				  char *why, size_t len);
/* natport_policy_check_remote - may ep be a far end's media address?
 * flags: NATPORT_POLICY_HOLD_OK. 0, or -NATPORT_E_BADADDR with the
 * reason in why. */
int natport_policy_check_remote(const struct natport_policy *p,
				const struct natport_endpoint *ep,
				unsigned int flags, char *why, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* NATPORT_POLICY_H */
