// SPDX-License-Identifier: LGPL-2.1-or-later
/* policy.c - the address policy: special ranges of both families in one
 * table, LAN and router-address checks on top (see natport/policy.h). */
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <string.h>

#include <natport/natport.h>
#include <natport/policy.h>

/* An address as bytes in network order: 4 for IPv4, 16 for IPv6, so one
 * prefix compare serves both families. */
struct range {
	sa_family_t family;
	uint8_t len;
	uint8_t addr[16];
	enum natport_addr_class cls;
};

/* First match wins: narrower ranges come before the ranges holding them
 * (0.0.0.0 before 0/8, 255.255.255.255 before 240/4, ::1 and the mapped
 * range before ::/8). */
static const struct range ranges[] = {
	{ AF_INET, 32, { 0, 0, 0, 0 }, NATPORT_ADDR_UNSPEC },
	{ AF_INET, 8, { 0 }, NATPORT_ADDR_THIS_NET },
	{ AF_INET, 8, { 127 }, NATPORT_ADDR_LOOPBACK },
	{ AF_INET, 16, { 169, 254 }, NATPORT_ADDR_LINK_LOCAL },
	{ AF_INET, 4, { 224 }, NATPORT_ADDR_MULTICAST },
	{ AF_INET, 32, { 255, 255, 255, 255 }, NATPORT_ADDR_BROADCAST },
	{ AF_INET, 4, { 240 }, NATPORT_ADDR_RESERVED },
	{ AF_INET, 8, { 10 }, NATPORT_ADDR_PRIVATE },
	{ AF_INET, 12, { 172, 16 }, NATPORT_ADDR_PRIVATE },
	{ AF_INET, 16, { 192, 168 }, NATPORT_ADDR_PRIVATE },
	{ AF_INET, 10, { 100, 64 }, NATPORT_ADDR_PRIVATE },
	{ AF_INET, 15, { 198, 18 }, NATPORT_ADDR_BENCHMARK },
	{ AF_INET, 24, { 192, 0, 2 }, NATPORT_ADDR_DOCUMENTATION },
	{ AF_INET, 24, { 198, 51, 100 }, NATPORT_ADDR_DOCUMENTATION },
	{ AF_INET, 24, { 203, 0, 113 }, NATPORT_ADDR_DOCUMENTATION },

	{ AF_INET6, 128, { 0 }, NATPORT_ADDR_UNSPEC },
	{ AF_INET6, 128, { [15] = 1 }, NATPORT_ADDR_LOOPBACK },
	{ AF_INET6, 96, { [10] = 0xff, [11] = 0xff }, NATPORT_ADDR_MAPPED },
	{ AF_INET6, 8, { 0 }, NATPORT_ADDR_RESERVED },
	{ AF_INET6, 64, { 0x01, 0x00 }, NATPORT_ADDR_RESERVED }, /* discard */
	{ AF_INET6, 10, { 0xfe, 0x80 }, NATPORT_ADDR_LINK_LOCAL },
	{ AF_INET6, 8, { 0xff }, NATPORT_ADDR_MULTICAST },
	{ AF_INET6, 7, { 0xfc }, NATPORT_ADDR_ULA },
	{ AF_INET6, 48, { 0x20, 0x01, 0x00, 0x02 }, NATPORT_ADDR_BENCHMARK },
	{ AF_INET6, 32, { 0x20, 0x01, 0x0d, 0xb8 }, NATPORT_ADDR_DOCUMENTATION },
	{ AF_INET6, 20, { 0x3f, 0xff }, NATPORT_ADDR_DOCUMENTATION },
};

static const char *const class_names[__NATPORT_ADDR_MAX] = {
	[NATPORT_ADDR_UNICAST] = "unicast",
	[NATPORT_ADDR_UNSPEC] = "unspecified",
	[NATPORT_ADDR_THIS_NET] = "this-network",
	[NATPORT_ADDR_LOOPBACK] = "loopback",
	[NATPORT_ADDR_LINK_LOCAL] = "link-local",
	[NATPORT_ADDR_MULTICAST] = "multicast",
	[NATPORT_ADDR_BROADCAST] = "broadcast",
	[NATPORT_ADDR_RESERVED] = "reserved",
	[NATPORT_ADDR_MAPPED] = "IPv4-mapped",
	[NATPORT_ADDR_PRIVATE] = "private",
	[NATPORT_ADDR_ULA] = "unique-local",
	[NATPORT_ADDR_BENCHMARK] = "benchmarking",
	[NATPORT_ADDR_DOCUMENTATION] = "documentation",
};

static const uint8_t *bytes(const struct natport_endpoint *ep)
{
	return ep->family == AF_INET ? (const uint8_t *)&ep->addr.v4
				     : ep->addr.v6.s6_addr;
}

static int prefix_match(const uint8_t *a, const uint8_t *b, unsigned int len)
{
	unsigned int full = len / 8, rest = len % 8;

	if (memcmp(a, b, full))
		return 0;
	return !rest || !((a[full] ^ b[full]) & (0xff << (8 - rest)));
}

enum natport_addr_class
natport_policy_classify(const struct natport_endpoint *ep)
{
	const uint8_t *a;
	size_t i;

	if (ep->family != AF_INET && ep->family != AF_INET6)
		return NATPORT_ADDR_UNSPEC;
	a = bytes(ep);
	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (ranges[i].family == ep->family &&
		    prefix_match(a, ranges[i].addr, ranges[i].len))
			return ranges[i].cls;
	return NATPORT_ADDR_UNICAST;
}

const char *natport_policy_class_name(enum natport_addr_class c)
{
	if ((unsigned int)c >= __NATPORT_ADDR_MAX)
		return "unknown";
	return class_names[c];
}

int natport_policy_class_is_unicast(enum natport_addr_class c)
{
	switch (c) {
	case NATPORT_ADDR_UNICAST:
	case NATPORT_ADDR_PRIVATE:
	case NATPORT_ADDR_ULA:
	case NATPORT_ADDR_BENCHMARK:
	case NATPORT_ADDR_DOCUMENTATION:
		return 1;
	default:
		return 0;
	}
}

void natport_policy_init(struct natport_policy *p)
{
	memset(p, 0, sizeof(*p));
}

int natport_policy_add_lan(struct natport_policy *p,
			   const struct natport_prefix *lan)
{
	if (lan->base.family != AF_INET && lan->base.family != AF_INET6)
		return -NATPORT_E_INVAL;
	if (p->n_lan >= NATPORT_POLICY_MAX_LAN)
		return -ENOSPC;
	p->lan[p->n_lan++] = *lan;
	return 0;
}

int natport_policy_add_own(struct natport_policy *p,
			   const struct natport_endpoint *own)
{
	if (own->family != AF_INET && own->family != AF_INET6)
		return -NATPORT_E_INVAL;
	if (natport_policy_is_own(p, own))
		return 0;
	if (p->n_own >= NATPORT_POLICY_MAX_OWN)
		return -ENOSPC;
	p->own[p->n_own] = *own;
	p->own[p->n_own].port = 0;
	p->n_own++;
	return 0;
}

int natport_policy_load_own(struct natport_policy *p)
{
	struct ifaddrs *ifa, *i;
	struct natport_endpoint ep;
	int err = 0;

	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || (i->ifa_addr->sa_family != AF_INET &&
				     i->ifa_addr->sa_family != AF_INET6))
			continue;
		natport_endpoint_from_sockaddr(
			(const struct sockaddr_storage *)i->ifa_addr, &ep);
		err = natport_policy_add_own(p, &ep);
		if (err)
			break;
	}
	freeifaddrs(ifa);
	return err ? err : (int)p->n_own;
}

int natport_policy_in_lan(const struct natport_policy *p,
			  const struct natport_endpoint *ep)
{
	unsigned int i;

	for (i = 0; i < p->n_lan; i++)
		if (natport_prefix_contains(&p->lan[i], ep))
			return 1;
	return 0;
}

int natport_policy_is_own(const struct natport_policy *p,
			  const struct natport_endpoint *ep)
{
	unsigned int i;

	for (i = 0; i < p->n_own; i++)
		if (natport_endpoint_addr_equal(&p->own[i], ep))
			return 1;
	return 0;
}

static int refuse(char *why, size_t len, const char *fmt, const char *arg)
{
	if (why && len)
		snprintf(why, len, fmt, arg);
	return -NATPORT_E_BADADDR;
}

/* The class test both checks share: "is a loopback address". */
static int check_class(enum natport_addr_class c, char *why, size_t len)
{
	const char *name = natport_policy_class_name(c);

	if (natport_policy_class_is_unicast(c))
		return 0;
	if (why && len)
		snprintf(why, len, "is %s %s address",
			 strchr("aeioI", name[0]) || c == NATPORT_ADDR_UNSPEC
				 ? "an" : "a",
			 name);
	return -NATPORT_E_BADADDR;
}

int natport_policy_check_internal(const struct natport_policy *p,
				  const struct natport_endpoint *ep,
				  char *why, size_t len)
{
	int err = check_class(natport_policy_classify(ep), why, len);

	if (err)
		return err;
	if (!natport_policy_in_lan(p, ep))
		return refuse(why, len, "%s", "is outside the LAN prefixes");
	if (natport_policy_is_own(p, ep))
		return refuse(why, len, "%s", "is the router's own address");
	return 0;
}

int natport_policy_check_remote(const struct natport_policy *p,
				const struct natport_endpoint *ep,
				unsigned int flags, char *why, size_t len)
{
	enum natport_addr_class c = natport_policy_classify(ep);
	int err;

	if (c == NATPORT_ADDR_UNSPEC) {
		if (flags & NATPORT_POLICY_HOLD_OK)
			return 0;
		return refuse(why, len, "%s",
			      "is unspecified (hold: keep the mapping)");
	}
	err = check_class(c, why, len);
	if (err)
		return err;
	if (natport_policy_in_lan(p, ep))
		return refuse(why, len, "%s", "points into the LAN");
	if (natport_policy_is_own(p, ep) &&
	    !(p->hairpin && p->hairpin(ep, p->hairpin_arg) == 1))
		return refuse(why, len, "%s", "points at the router");
	return 0;
}
