// SPDX-License-Identifier: GPL-2.0-or-later
/* test_policy.c - the address policy: every special range of both
 * families, LAN and router checks, hold and the hairpin hook. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include <natport/natport.h>
#include <natport/policy.h>
#include "unit_main.h"

static struct natport_endpoint ep(const char *s)
{
	struct natport_endpoint e;

	ck_assert_msg(natport_endpoint_parse(s, &e) == 0, "parse %s", s);
	return e;
}

static enum natport_addr_class cls(const char *s)
{
	struct natport_endpoint e = ep(s);

	return natport_policy_classify(&e);
}

static const struct {
	const char *addr;
	enum natport_addr_class cls;
} cases[] = {
	/* IPv4 */
	{ "0.0.0.0", NATPORT_ADDR_UNSPEC },
	{ "0.1.2.3", NATPORT_ADDR_THIS_NET },
	{ "0.255.255.255", NATPORT_ADDR_THIS_NET },
	{ "127.0.0.1", NATPORT_ADDR_LOOPBACK },
	{ "127.255.255.254", NATPORT_ADDR_LOOPBACK },
	{ "169.254.0.1", NATPORT_ADDR_LINK_LOCAL },
	{ "169.255.0.1", NATPORT_ADDR_UNICAST },
	{ "224.0.0.1", NATPORT_ADDR_MULTICAST },
	{ "239.255.255.250", NATPORT_ADDR_MULTICAST },
	{ "240.0.0.1", NATPORT_ADDR_RESERVED },
	{ "255.255.255.254", NATPORT_ADDR_RESERVED },
	{ "255.255.255.255", NATPORT_ADDR_BROADCAST },
	{ "10.1.2.3", NATPORT_ADDR_PRIVATE },
	{ "172.16.0.1", NATPORT_ADDR_PRIVATE },
	{ "172.31.255.255", NATPORT_ADDR_PRIVATE },
	{ "172.32.0.1", NATPORT_ADDR_UNICAST },
	{ "192.168.1.1", NATPORT_ADDR_PRIVATE },
	{ "100.64.0.1", NATPORT_ADDR_PRIVATE },
	{ "100.128.0.1", NATPORT_ADDR_UNICAST },
	{ "198.18.0.1", NATPORT_ADDR_BENCHMARK },
	{ "198.19.255.255", NATPORT_ADDR_BENCHMARK },
	{ "198.20.0.1", NATPORT_ADDR_UNICAST },
	{ "192.0.2.10", NATPORT_ADDR_DOCUMENTATION },
	{ "198.51.100.1", NATPORT_ADDR_DOCUMENTATION },
	{ "203.0.113.7", NATPORT_ADDR_DOCUMENTATION },
	{ "192.0.3.1", NATPORT_ADDR_UNICAST },
	{ "8.8.8.8", NATPORT_ADDR_UNICAST },
	/* IPv6 */
	{ "::", NATPORT_ADDR_UNSPEC },
	{ "::1", NATPORT_ADDR_LOOPBACK },
	{ "::2", NATPORT_ADDR_RESERVED },
	{ "::ffff:192.0.2.10", NATPORT_ADDR_MAPPED },
	{ "::ffff:127.0.0.1", NATPORT_ADDR_MAPPED },
	{ "100::1", NATPORT_ADDR_RESERVED },
	{ "fe80::1", NATPORT_ADDR_LINK_LOCAL },
	{ "febf::1", NATPORT_ADDR_LINK_LOCAL },
	{ "fec0::1", NATPORT_ADDR_UNICAST },
	{ "ff02::1", NATPORT_ADDR_MULTICAST },
	{ "fc00::1", NATPORT_ADDR_ULA },
	{ "fd12:3456::1", NATPORT_ADDR_ULA },
	{ "2001:2::1", NATPORT_ADDR_BENCHMARK },
	{ "2001:3::1", NATPORT_ADDR_UNICAST },
	{ "2001:db8::1", NATPORT_ADDR_DOCUMENTATION },
	{ "2001:db9::1", NATPORT_ADDR_UNICAST },
	{ "3fff:fff::1", NATPORT_ADDR_DOCUMENTATION },
	{ "3fff:1000::1", NATPORT_ADDR_UNICAST },
	{ "2a00:1450::1", NATPORT_ADDR_UNICAST },
};

START_TEST(classify)
{
	unsigned int i;
	struct natport_endpoint none = { .family = AF_UNSPEC };

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(cls(cases[i].addr) == cases[i].cls,
			      "%s: %s, want %s", cases[i].addr,
			      natport_policy_class_name(cls(cases[i].addr)),
			      natport_policy_class_name(cases[i].cls));
	ck_assert_int_eq(natport_policy_classify(&none), NATPORT_ADDR_UNSPEC);
}
END_TEST

START_TEST(names)
{
	int c;

	for (c = 0; c < __NATPORT_ADDR_MAX; c++)
		ck_assert_str_ne(natport_policy_class_name(c), "unknown");
	ck_assert_str_eq(natport_policy_class_name(NATPORT_ADDR_MAPPED),
			 "IPv4-mapped");
	ck_assert_str_eq(natport_policy_class_name(__NATPORT_ADDR_MAX),
			 "unknown");
}
END_TEST

static struct natport_policy pol;

/* LAN 192.0.2.0/24 and 2001:db8:1::/48; the router is 192.0.2.1,
 * 198.51.100.1 and 2001:db8:ffff::1. */
static void setup(void)
{
	struct natport_prefix p;
	struct natport_endpoint e;

	natport_policy_init(&pol);
	ck_assert_int_eq(natport_prefix_parse("192.0.2.0/24", &p), 0);
	ck_assert_int_eq(natport_policy_add_lan(&pol, &p), 0);
	ck_assert_int_eq(natport_prefix_parse("2001:db8:1::/48", &p), 0);
	ck_assert_int_eq(natport_policy_add_lan(&pol, &p), 0);
	e = ep("192.0.2.1:5060");
	ck_assert_int_eq(natport_policy_add_own(&pol, &e), 0);
	e = ep("198.51.100.1");
	ck_assert_int_eq(natport_policy_add_own(&pol, &e), 0);
	ck_assert_int_eq(natport_policy_add_own(&pol, &e), 0);
	e = ep("2001:db8:ffff::1");
	ck_assert_int_eq(natport_policy_add_own(&pol, &e), 0);
}

static int internal(const char *s, char *why, size_t len)
{
	struct natport_endpoint e = ep(s);

	return natport_policy_check_internal(&pol, &e, why, len);
}

static int remote(const char *s, unsigned int flags, char *why, size_t len)
{
	struct natport_endpoint e = ep(s);

	return natport_policy_check_remote(&pol, &e, flags, why, len);
}

START_TEST(object)
{
	struct natport_endpoint e;
	struct natport_prefix p;
	unsigned int i;

	/* the duplicate and the port do not count */
	ck_assert_int_eq(pol.n_own, 3);
	e = ep("192.0.2.1:9");
	ck_assert(natport_policy_is_own(&pol, &e));
	e = ep("192.0.2.2");
	ck_assert(!natport_policy_is_own(&pol, &e));
	ck_assert(natport_policy_in_lan(&pol, &e));
	e = ep("2001:db8:1:2::3");
	ck_assert(natport_policy_in_lan(&pol, &e));
	e = ep("2001:db8:2::3");
	ck_assert(!natport_policy_in_lan(&pol, &e));
	/* no family, or full */
	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(natport_policy_add_lan(&pol, &p), -NATPORT_E_INVAL);
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(natport_policy_add_own(&pol, &e), -NATPORT_E_INVAL);
	ck_assert_int_eq(natport_prefix_parse("203.0.113.0/24", &p), 0);
	for (i = pol.n_lan; i < NATPORT_POLICY_MAX_LAN; i++)
		ck_assert_int_eq(natport_policy_add_lan(&pol, &p), 0);
	ck_assert_int_eq(natport_policy_add_lan(&pol, &p), -ENOSPC);
}
END_TEST

START_TEST(check_internal)
{
	char why[64];

	ck_assert_int_eq(internal("192.0.2.10:4000", why, sizeof(why)), 0);
	ck_assert_int_eq(internal("[2001:db8:1::10]:4000", why, sizeof(why)),
			 0);
	ck_assert_int_eq(internal("198.51.100.30:8000", why, sizeof(why)),
			 -NATPORT_E_BADADDR);
	ck_assert_str_eq(why, "is outside the LAN prefixes");
	ck_assert_int_eq(internal("[2001:db8:2::10]:4000", why, sizeof(why)),
			 -NATPORT_E_BADADDR);
	ck_assert_str_eq(why, "is outside the LAN prefixes");
	ck_assert_int_eq(internal("192.0.2.1:4000", why, sizeof(why)),
			 -NATPORT_E_BADADDR);
	ck_assert_str_eq(why, "is the router's own address");
	ck_assert_int_eq(internal("127.0.0.1:4000", why, sizeof(why)),
			 -NATPORT_E_BADADDR);
	ck_assert_str_eq(why, "is a loopback address");
	ck_assert_int_eq(internal("0.0.0.0:4000", why, sizeof(why)),
			 -NATPORT_E_BADADDR);
	ck_assert_int_eq(internal("[::ffff:192.0.2.10]:4000", why,
				  sizeof(why)),
			 -NATPORT_E_BADADDR);
	ck_assert_str_eq(why, "is an IPv4-mapped address");
	/* why is optional */
	ck_assert_int_eq(internal("224.0.0.1:4000", NULL, 0),
			 -NATPORT_E_BADADDR);
}
END_TEST

START_TEST(check_remote)
{
	static const char *const refused[] = {
		"0.1.2.3:4000",	      "127.0.0.1:4000",	   "169.254.1.1:4000",
		"224.0.0.1:4000",     "255.255.255.255:4000",
		"240.0.0.1:4000",     "[::1]:4000",	   "[fe80::1]:4000",
		"[ff02::1]:4000",     "[::ffff:203.0.113.5]:4000",
		"[100::1]:4000",      "192.0.2.10:4000",   "[2001:db8:1::9]:4000",
		"198.51.100.1:4000",  "[2001:db8:ffff::1]:4000",
	};
	static const char *const allowed[] = {
		"203.0.113.5:4000",   "198.51.100.7:4000", "10.0.0.1:4000",
		"198.18.0.1:4000",    "8.8.8.8:4000",	   "[2001:db8:2::1]:4000",
		"[fd00::1]:4000",     "[2001:2::1]:4000",  "[2a00:1450::1]:4000",
	};
	char why[64];
	unsigned int i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		ck_assert_msg(remote(refused[i], NATPORT_POLICY_HOLD_OK, why,
				     sizeof(why)) == -NATPORT_E_BADADDR,
			      "%s accepted", refused[i]);
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		ck_assert_msg(remote(allowed[i], 0, why, sizeof(why)) == 0,
			      "%s refused: %s", allowed[i], why);
	ck_assert_int_eq(remote("192.0.2.10:4000", 0, why, sizeof(why)),
			 -NATPORT_E_BADADDR);
	ck_assert_str_eq(why, "points into the LAN");
	ck_assert_int_eq(remote("198.51.100.1:4000", 0, why, sizeof(why)),
			 -NATPORT_E_BADADDR);
	ck_assert_str_eq(why, "points at the router");
	ck_assert_int_eq(remote("239.1.1.1:4000", 0, why, sizeof(why)),
			 -NATPORT_E_BADADDR);
	ck_assert_str_eq(why, "is a multicast address");
}
END_TEST

START_TEST(hold)
{
	char why[64];

	ck_assert_int_eq(remote("0.0.0.0:4000", 0, why, sizeof(why)),
			 -NATPORT_E_BADADDR);
	ck_assert_str_eq(why, "is unspecified (hold: keep the mapping)");
	ck_assert_int_eq(remote("[::]:4000", 0, why, sizeof(why)),
			 -NATPORT_E_BADADDR);
	ck_assert_int_eq(remote("0.0.0.0:4000", NATPORT_POLICY_HOLD_OK, why,
				sizeof(why)),
			 0);
	ck_assert_int_eq(remote("[::]:0", NATPORT_POLICY_HOLD_OK, why,
				sizeof(why)),
			 0);
	/* hold is only the unspecified address, not the rest of 0/8 */
	ck_assert_int_eq(remote("0.0.0.1:4000", NATPORT_POLICY_HOLD_OK, why,
				sizeof(why)),
			 -NATPORT_E_BADADDR);
}
END_TEST

static int hairpin_calls;

/* The caller's live mappings: only port 30000 of the router. */
static int live_port(const struct natport_endpoint *e, void *arg)
{
	hairpin_calls++;
	ck_assert_ptr_eq(arg, &pol);
	return e->port == 30000;
}

START_TEST(hairpin)
{
	char why[64];

	pol.hairpin = live_port;
	pol.hairpin_arg = &pol;
	ck_assert_int_eq(remote("198.51.100.1:30000", 0, why, sizeof(why)), 0);
	ck_assert_int_eq(remote("198.51.100.1:30002", 0, why, sizeof(why)),
			 -NATPORT_E_BADADDR);
	ck_assert_str_eq(why, "points at the router");
	ck_assert_int_eq(hairpin_calls, 2);
	/* the hook never opens the LAN or a special range */
	ck_assert_int_eq(remote("192.0.2.10:30000", 0, why, sizeof(why)),
			 -NATPORT_E_BADADDR);
	ck_assert_int_eq(remote("127.0.0.1:30000", 0, why, sizeof(why)),
			 -NATPORT_E_BADADDR);
	ck_assert_int_eq(hairpin_calls, 2);
}
END_TEST

START_TEST(load_own)
{
	unsigned int i;
	int n;

	natport_policy_init(&pol);
	n = natport_policy_load_own(&pol);
	ck_assert_int_ge(n, 0);
	ck_assert_int_eq(n, (int)pol.n_own);
	for (i = 0; i < pol.n_own; i++) {
		ck_assert(pol.own[i].family == AF_INET ||
			  pol.own[i].family == AF_INET6);
		ck_assert_int_eq(pol.own[i].port, 0);
		ck_assert(natport_policy_is_own(&pol, &pol.own[i]));
	}
	/* loading again finds the same addresses and adds none twice */
	ck_assert_int_eq(natport_policy_load_own(&pol), n);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, classify);
	tcase_add_test(tc, names);
	tcase_add_test(tc, object);
	tcase_add_test(tc, check_internal);
	tcase_add_test(tc, check_remote);
	tcase_add_test(tc, hold);
	tcase_add_test(tc, hairpin);
	tcase_add_test(tc, load_own);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
