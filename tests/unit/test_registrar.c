// SPDX-License-Identifier: GPL-2.0-or-later
/* test_registrar.c - bindings, and REGISTERs pending their answer. */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip/registrar.h"
#include "unit_main.h"

static struct natport_endpoint ep(const char *ip, uint16_t port)
{
	struct natport_endpoint e = { .family = AF_INET, .port = port };

	inet_pton(AF_INET, ip, &e.addr);
	return e;
}

static struct natport_reg_request request(const char *user,
					  const char *contact,
					  uint32_t expires)
{
	struct natport_reg_request q = { .addr = ep("192.0.2.10", 5060),
					 .expires_s = expires };

	snprintf(q.user, sizeof(q.user), "%s", user);
	q.contact = (char *)contact;
	return q;
}

START_TEST(bind_lookup_expire)
{
	struct natport_registrar *r = natport_registrar_new();
	struct natport_endpoint a = ep("192.0.2.10", 5060);
	const struct natport_binding *b;

	ck_assert_int_eq(natport_registrar_update(r, "alice", "sip:a@x", &a,
						  10, 1000), 0);
	b = natport_registrar_lookup(r, "alice", 5000);
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(b->contact, "sip:a@x");
	ck_assert_ptr_eq(natport_registrar_find_addr(r, &a, 5000), b);
	ck_assert_ptr_null(natport_registrar_lookup(r, "bob", 5000));
	/* refresh replaces, 0 removes */
	ck_assert_int_eq(natport_registrar_update(r, "alice", "sip:a@y", &a,
						  10, 2000), 0);
	ck_assert_uint_eq(natport_registrar_count(r), 1);
	ck_assert_str_eq(natport_registrar_lookup(r, "alice", 5000)->contact,
			 "sip:a@y");
	ck_assert_ptr_null(natport_registrar_lookup(r, "alice", 12000));
	natport_registrar_expire(r, 12000);
	ck_assert_uint_eq(natport_registrar_count(r), 0);
	ck_assert_int_eq(natport_registrar_update(r, "bob", "sip:b@x", &a,
						  10, 0), 0);
	ck_assert_int_eq(natport_registrar_update(r, "bob", "", &a, 0, 0), 0);
	ck_assert_uint_eq(natport_registrar_count(r), 0);
	natport_registrar_free(r);
}
END_TEST

/* A full registrar (hashed): every binding found by user, by address and
 * by address and port; a phone that moves is found at its new address
 * only; of two bindings at one address the newest is found; removal and
 * expiry leave the others findable. */
static int count_cb(const struct natport_binding *b, void *arg)
{
	(*(unsigned int *)arg)++;
	return 0;
}

START_TEST(many_bindings)
{
	struct natport_registrar *r = natport_registrar_new();
	const struct natport_binding *b;
	struct natport_endpoint a;
	char user[32], ip[32];
	unsigned int i, n = 0;

	for (i = 0; i < NATPORT_REG_MAX_BINDINGS; i++) {
		snprintf(user, sizeof(user), "u%u", i);
		snprintf(ip, sizeof(ip), "192.0.%u.%u", 2 + i / 250,
			 1 + i % 250);
		a = ep(ip, 5060 + i % 7);
		ck_assert_int_eq(natport_registrar_update(r, user, "sip:x", &a,
							  i % 2 ? 10 : 100, 0),
				 0);
	}
	a = ep("198.51.100.9", 5060);
	ck_assert_int_eq(natport_registrar_update(r, "onemore", "sip:x", &a,
						  10, 0),
			 -1);
	for (i = 0; i < NATPORT_REG_MAX_BINDINGS; i++) {
		snprintf(user, sizeof(user), "u%u", i);
		snprintf(ip, sizeof(ip), "192.0.%u.%u", 2 + i / 250,
			 1 + i % 250);
		a = ep(ip, 5060 + i % 7);
		b = natport_registrar_lookup(r, user, 1);
		ck_assert_ptr_nonnull(b);
		ck_assert_str_eq(b->user, user);
		ck_assert_ptr_eq(natport_registrar_find_ep(r, &a, 1), b);
		ck_assert_ptr_eq(natport_registrar_find_addr(r, &a, 1), b);
		a.port++;
		ck_assert_ptr_null(natport_registrar_find_ep(r, &a, 1));
	}
	/* u7 moves away from 192.0.2.8:5060; u8 takes its old endpoint and
	 * u9 the same address on another port: the newest is found by
	 * address, each by its endpoint */
	a = ep("198.51.100.77", 5070);
	ck_assert_int_eq(natport_registrar_update(r, "u7", "sip:y", &a, 100, 0),
			 0);
	ck_assert_str_eq(natport_registrar_find_ep(r, &a, 1)->user, "u7");
	a = ep("192.0.2.8", 5060);
	ck_assert_ptr_null(natport_registrar_find_ep(r, &a, 1));
	ck_assert_ptr_null(natport_registrar_find_addr(r, &a, 1));
	ck_assert_int_eq(natport_registrar_update(r, "u8", "sip:y", &a, 100, 0),
			 0);
	a = ep("192.0.2.9", 5061); /* u8's old home: empty now */
	ck_assert_ptr_null(natport_registrar_find_addr(r, &a, 1));
	a = ep("192.0.2.8", 5099);
	ck_assert_int_eq(natport_registrar_update(r, "u9", "sip:y", &a, 100, 0),
			 0);
	ck_assert_str_eq(natport_registrar_find_addr(r, &a, 1)->user, "u9");
	a.port = 5060;
	ck_assert_str_eq(natport_registrar_find_ep(r, &a, 1)->user, "u8");
	/* removal from the middle, then expiry of the short ones (the odd
	 * users but u7 and u9, renewed above) */
	ck_assert_int_eq(natport_registrar_update(r, "u100", NULL, &a, 0, 0),
			 0);
	ck_assert_ptr_null(natport_registrar_lookup(r, "u100", 1));
	natport_registrar_expire(r, 50000);
	ck_assert_uint_eq(natport_registrar_count(r),
			  NATPORT_REG_MAX_BINDINGS / 2 + 1);
	natport_registrar_foreach(r, count_cb, &n);
	ck_assert_uint_eq(n, NATPORT_REG_MAX_BINDINGS / 2 + 1);
	ck_assert_str_eq(natport_registrar_lookup(r, "u9", 1)->user, "u9");
	ck_assert_ptr_null(natport_registrar_lookup(r, "u1", 1));
	ck_assert_ptr_nonnull(natport_registrar_lookup(r, "u2", 1));
	a = ep("192.0.2.3", 5062);
	ck_assert_ptr_eq(natport_registrar_find_ep(r, &a, 1),
			 natport_registrar_lookup(r, "u2", 1));
	natport_registrar_free(r);
}
END_TEST

START_TEST(pending_take)
{
	struct natport_registrar *r = natport_registrar_new();
	struct natport_reg_request q = request("alice", "sip:alice@lan", 300);
	struct natport_reg_request out;

	ck_assert_int_eq(natport_registrar_pend(r, "cid", "1", &q, 0), 0);
	/* a retransmission replaces, never duplicates */
	ck_assert_int_eq(natport_registrar_pend(r, "cid", "1", &q, 10), 0);
	ck_assert_uint_eq(natport_registrar_pending(r), 1);
	/* the answer to another CSeq is not ours */
	ck_assert_int_eq(natport_registrar_take(r, "cid", "2", &out), -1);
	ck_assert_int_eq(natport_registrar_take(r, "cid", "1", &out), 0);
	ck_assert_str_eq(out.user, "alice");
	ck_assert_str_eq(out.contact, "sip:alice@lan");
	ck_assert_uint_eq(out.expires_s, 300);
	ck_assert_ptr_ne(out.contact, q.contact); /* a copy, now ours */
	free(out.contact);
	ck_assert_int_eq(natport_registrar_take(r, "cid", "1", &out), -1);
	/* pending binds nothing */
	ck_assert_uint_eq(natport_registrar_count(r), 0);
	/* a wildcard removal has no contact */
	q = request("alice", NULL, 0);
	ck_assert_int_eq(natport_registrar_pend(r, "cid", "3", &q, 0), 0);
	ck_assert_int_eq(natport_registrar_take(r, "cid", "3", &out), 0);
	ck_assert_ptr_null(out.contact);
	/* no user: refused */
	q = request("", "sip:x@y", 1);
	ck_assert_int_eq(natport_registrar_pend(r, "cid", "4", &q, 0), -1);
	natport_registrar_free(r);
}
END_TEST

START_TEST(pending_bounded)
{
	struct natport_registrar *r = natport_registrar_new();
	struct natport_reg_request q = request("u", "sip:u@lan", 60);
	struct natport_reg_request out;
	char id[32];

	for (int i = 0; i < NATPORT_REG_MAX_PENDING + 10; i++) {
		snprintf(id, sizeof(id), "c%d", i);
		ck_assert_int_eq(natport_registrar_pend(r, id, "1", &q, i), 0);
	}
	ck_assert_uint_eq(natport_registrar_pending(r),
			  NATPORT_REG_MAX_PENDING);
	/* the oldest went first */
	ck_assert_int_eq(natport_registrar_take(r, "c0", "1", &out), -1);
	snprintf(id, sizeof(id), "c%d", NATPORT_REG_MAX_PENDING + 9);
	ck_assert_int_eq(natport_registrar_take(r, id, "1", &out), 0);
	free(out.contact);
	/* never answered: forgotten after a transaction's life */
	natport_registrar_expire(r, NATPORT_REG_PENDING_MS + 100);
	/* c10..c264 are left, pended at 10..264 ms: those at 101 and later stay */
	ck_assert_uint_eq(natport_registrar_pending(r), 164);
	natport_registrar_expire(r, 10 * NATPORT_REG_PENDING_MS);
	ck_assert_uint_eq(natport_registrar_pending(r), 0);
	natport_registrar_free(r); /* leaks show under valgrind */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("registrar");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, bind_lookup_expire);
	tcase_add_test(tc, pending_take);
	tcase_add_test(tc, pending_bounded);
	tcase_add_test(tc, many_bindings);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
