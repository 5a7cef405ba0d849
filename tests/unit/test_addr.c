// SPDX-License-Identifier: GPL-2.0-or-later
/* test_addr.c - endpoints, prefixes and names (libnatport). */
#include <check.h>
#include <errno.h>
#include <string.h>

#include <natport/natport.h>
#include "unit_main.h"

START_TEST(parse_v4)
{
	struct natport_endpoint ep;
	char b[NATPORT_ENDPOINT_STRLEN];

	ck_assert_int_eq(natport_endpoint_parse("192.0.2.10:4000", &ep), 0);
	ck_assert_int_eq(ep.family, AF_INET);
	ck_assert_int_eq(ep.port, 4000);
	ck_assert_str_eq(natport_endpoint_format(&ep, b, sizeof(b)),
			 "192.0.2.10:4000");
	ck_assert_int_eq(natport_endpoint_parse("192.0.2.10", &ep), 0);
	ck_assert_int_eq(ep.port, 0);
	ck_assert_str_eq(natport_endpoint_format(&ep, b, sizeof(b)),
			 "192.0.2.10");
}
END_TEST

START_TEST(parse_v6)
{
	struct natport_endpoint ep;
	char b[NATPORT_ENDPOINT_STRLEN];

	ck_assert_int_eq(natport_endpoint_parse("[2001:db8::1]:5004", &ep), 0);
	ck_assert_int_eq(ep.family, AF_INET6);
	ck_assert_int_eq(ep.port, 5004);
	ck_assert_str_eq(natport_endpoint_format(&ep, b, sizeof(b)),
			 "[2001:db8::1]:5004");
	ck_assert_int_eq(natport_endpoint_parse("2001:db8::1", &ep), 0);
	ck_assert_int_eq(ep.port, 0);
}
END_TEST

START_TEST(parse_bad)
{
	static const char *const bad[] = {
		"", "192.0.2.10:", "192.0.2.10:70000", "192.0.2.10:-1",
		"192.0.2.10:4x", "192.0.2", "[192.0.2.1]:5", "[2001:db8::1",
		"[2001:db8::1]x", "host.example:5060", "5.6.7.8:5678:1",
		"1.2.3.4 ", "999.1.1.1",
	};
	struct natport_endpoint ep;
	unsigned int i;
	char longs[200];

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(natport_endpoint_parse(bad[i], &ep) ==
				      -NATPORT_E_INVAL,
			      "'%s' accepted", bad[i]);
		ck_assert_int_eq(ep.family, 0);
	}
	memset(longs, '1', sizeof(longs) - 1);
	longs[sizeof(longs) - 1] = '\0';
	ck_assert_int_eq(natport_endpoint_parse(longs, &ep), -NATPORT_E_INVAL);
	ck_assert_int_eq(natport_endpoint_parse(NULL, &ep), -NATPORT_E_INVAL);
}
END_TEST

START_TEST(equality)
{
	struct natport_endpoint a, b;

	natport_endpoint_parse("192.0.2.10:4000", &a);
	natport_endpoint_parse("192.0.2.10:4002", &b);
	ck_assert(natport_endpoint_addr_equal(&a, &b));
	ck_assert(!natport_endpoint_equal(&a, &b));
	b.port = 4000;
	ck_assert(natport_endpoint_equal(&a, &b));
	natport_endpoint_parse("[::ffff:192.0.2.10]:4000", &b);
	ck_assert(!natport_endpoint_equal(&a, &b)); /* families differ */
	natport_endpoint_parse("0.0.0.0", &a);
	ck_assert(natport_endpoint_is_unspec(&a));
	natport_endpoint_parse("::", &a);
	ck_assert(natport_endpoint_is_unspec(&a));
	memset(&a, 0, sizeof(a));
	ck_assert(natport_endpoint_is_unspec(&a));
}
END_TEST

START_TEST(prefixes)
{
	struct natport_prefix p;
	struct natport_endpoint ep;

	ck_assert_int_eq(natport_prefix_parse("192.0.2.0/24", &p), 0);
	ck_assert_int_eq(p.len, 24);
	natport_endpoint_parse("192.0.2.200", &ep);
	ck_assert(natport_prefix_contains(&p, &ep));
	natport_endpoint_parse("192.0.3.1", &ep);
	ck_assert(!natport_prefix_contains(&p, &ep));
	ck_assert_int_eq(natport_prefix_parse("192.0.2.7", &p), 0);
	ck_assert_int_eq(p.len, 32);
	ck_assert_int_eq(natport_prefix_parse("0.0.0.0/0", &p), 0);
	ck_assert(natport_prefix_contains(&p, &ep));
	ck_assert_int_eq(natport_prefix_parse("2001:db8::/33", &p), 0);
	natport_endpoint_parse("2001:db8:7fff::1", &ep);
	ck_assert(natport_prefix_contains(&p, &ep));
	natport_endpoint_parse("2001:db8:8000::1", &ep);
	ck_assert(!natport_prefix_contains(&p, &ep));
	natport_endpoint_parse("192.0.2.1", &ep);
	ck_assert(!natport_prefix_contains(&p, &ep));
	ck_assert_int_eq(natport_prefix_parse("192.0.2.0/33", &p),
			 -NATPORT_E_INVAL);
	ck_assert_int_eq(natport_prefix_parse("192.0.2.0/", &p),
			 -NATPORT_E_INVAL);
	ck_assert_int_eq(natport_prefix_parse("192.0.2.0:5/24", &p),
			 -NATPORT_E_INVAL);
	ck_assert_int_eq(natport_prefix_parse("2001:db8::/129", &p),
			 -NATPORT_E_INVAL);
}
END_TEST

START_TEST(names)
{
	int t;

	for (t = 0; t < __NATPORT_PORT_MAX; t++)
		ck_assert_int_eq(
			natport_port_type_parse(natport_port_type_name(t)), t);
	ck_assert_int_eq(natport_port_type_parse("AUDIO_RTP"),
			 -NATPORT_E_INVAL);
	ck_assert_int_eq(natport_port_type_parse(NULL), -NATPORT_E_INVAL);
	ck_assert(natport_port_type_is_rtp(NATPORT_PORT_VIDEO_RTP));
	ck_assert(!natport_port_type_is_rtp(NATPORT_PORT_SIP));
	ck_assert(natport_port_type_is_rtcp(NATPORT_PORT_AUDIO_RTCP));
	ck_assert_str_eq(natport_strerror(-NATPORT_E_NOPORT),
			 "no free external port");
	ck_assert_str_eq(natport_strerror(NATPORT_E_NOENT), "unknown mapping");
	ck_assert_str_eq(natport_strerror(1000), "unknown error");
	/* every code has its own text */
	for (t = 1; t < __NATPORT_E_MAX; t++)
		ck_assert_str_ne(natport_strerror(NATPORT_E_BASE + t),
				 "unknown error");
}
END_TEST

/* One convention: -errno and -NATPORT_E_* never collide, and each gets
 * its own text. */
START_TEST(errors)
{
	int t;

	ck_assert_str_eq(natport_strerror(0), "success");
	ck_assert_str_eq(natport_strerror(-ENOENT), strerrordesc_np(ENOENT));
	ck_assert_str_eq(natport_strerror(-ENOENT),
			 "No such file or directory");
	ck_assert_str_eq(natport_strerror(ENOSPC), "No space left on device");
	ck_assert_str_eq(natport_strerror(-EPROTONOSUPPORT),
			 strerrordesc_np(EPROTONOSUPPORT));
	ck_assert_str_eq(natport_strerror(-NATPORT_E_NOENT), "unknown mapping");
	ck_assert_str_eq(natport_strerror(-NATPORT_E_BADADDR),
			 "address not allowed");
	ck_assert_str_eq(natport_strerror(-NATPORT_E_INVAL),
			 "invalid request");
	ck_assert_str_ne(natport_strerror(-EINVAL),
			 natport_strerror(-NATPORT_E_INVAL));
	ck_assert_str_eq(natport_strerror(-NATPORT_E_BASE), "unknown error");
	ck_assert_str_eq(natport_strerror(-(int)__NATPORT_E_END),
			 "unknown error");
	ck_assert_str_eq(natport_strerror(-4000), "unknown error");
	for (t = 1; t < NATPORT_E_BASE; t++)
		ck_assert_msg(!natport_is_error(t) && !natport_is_error(-t),
			      "errno %d taken for a natport code", t);
	for (t = 1; t < __NATPORT_E_MAX; t++) {
		ck_assert(natport_is_error(-(NATPORT_E_BASE + t)));
		ck_assert_int_eq(NATPORT_E_INDEX(-(NATPORT_E_BASE + t)), t);
	}
	ck_assert(!natport_is_error(0));
	ck_assert_int_eq(NATPORT_E_INDEX(NATPORT_E_INVAL), 1);
	ck_assert_int_eq(NATPORT_E_INDEX(-NATPORT_E_SYS), __NATPORT_E_MAX - 1);
	/* every errno Linux defines is below the base */
	ck_assert_int_lt(EHWPOISON, NATPORT_E_BASE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, parse_v4);
	tcase_add_test(tc, parse_v6);
	tcase_add_test(tc, parse_bad);
	tcase_add_test(tc, equality);
	tcase_add_test(tc, prefixes);
	tcase_add_test(tc, names);
	tcase_add_test(tc, errors);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
