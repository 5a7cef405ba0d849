// SPDX-License-Identifier: GPL-2.0-or-later
/* test_quota.c - per-client limits: room, take, put, reload. */
#include <check.h>

#include "core/quota.h"
#include "unit_main.h"

static struct natport_endpoint ep(const char *s)
{
	struct natport_endpoint e;

	ck_assert_int_eq(natport_endpoint_parse(s, &e), 0);
	return e;
}

START_TEST(take_and_put)
{
	struct natport_quota *q = natport_quota_new(2);
	struct natport_endpoint a = ep("192.0.2.10"), a2 = ep("192.0.2.10:5060"),
				b = ep("192.0.2.11");

	ck_assert_uint_eq(natport_quota_room(q, &a), 2);
	ck_assert_int_eq(natport_quota_take(q, &a), 0);
	/* the port does not matter: a client is a host */
	ck_assert_int_eq(natport_quota_take(q, &a2), 0);
	ck_assert_uint_eq(natport_quota_room(q, &a), 0);
	ck_assert_int_eq(natport_quota_take(q, &a), -1);
	/* another host is not affected */
	ck_assert_uint_eq(natport_quota_room(q, &b), 2);
	ck_assert_int_eq(natport_quota_take(q, &b), 0);
	ck_assert_uint_eq(natport_quota_clients(q), 2);
	natport_quota_put(q, &a);
	ck_assert_uint_eq(natport_quota_used(q, &a), 1);
	natport_quota_put(q, &a);
	ck_assert_uint_eq(natport_quota_used(q, &a), 0);
	ck_assert_uint_eq(natport_quota_clients(q), 1);
	natport_quota_put(q, &a); /* not held: ignored */
	ck_assert_uint_eq(natport_quota_clients(q), 1);
	natport_quota_free(q);
}
END_TEST

START_TEST(unlimited_and_reload)
{
	struct natport_quota *q = natport_quota_new(1);
	struct natport_endpoint none = { .family = AF_UNSPEC },
				v6 = ep("[2001:db8::10]:0");

	/* an operator's static mapping counts against nobody */
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(natport_quota_take(q, &none), 0);
	ck_assert_uint_eq(natport_quota_clients(q), 0);
	ck_assert_int_eq(natport_quota_take(q, &v6), 0);
	ck_assert_int_eq(natport_quota_take(q, &v6), -1);
	/* a lower limit after a reload: no room, nothing taken away */
	natport_quota_set_max(q, 0);
	ck_assert_uint_eq(natport_quota_room(q, &v6), 0);
	ck_assert_uint_eq(natport_quota_used(q, &v6), 1);
	natport_quota_set_max(q, 3);
	ck_assert_uint_eq(natport_quota_room(q, &v6), 2);
	natport_quota_free(q);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("quota");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, take_and_put);
	tcase_add_test(tc, unlimited_and_reload);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
