// SPDX-License-Identifier: GPL-2.0-or-later
/* test_call_table.c - the SIP call table and forks (the hook, states and
 * owned maps are the session core's now: test_session.c). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sip/dialog.h"
#include "unit_main.h"

static int count(struct natport_call *c, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

START_TEST(add_find_del)
{
	struct natport_call_table *t = natport_call_table_new(3);
	struct natport_call *a, *b;
	int n = 0;

	a = natport_call_new(t, "a@x");
	b = natport_call_new(t, "b@x");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_eq(natport_call_find(t, "a@x"), a);
	ck_assert_ptr_eq(natport_call_find(t, "b@x"), b);
	ck_assert_ptr_null(natport_call_find(t, "c@x"));
	ck_assert_ptr_eq(a->table, t);
	natport_call_walk(t, count, &n);
	ck_assert_int_eq(n, 2);
	natport_call_del(t, a);
	ck_assert_ptr_null(natport_call_find(t, "a@x"));
	ck_assert_uint_eq(natport_call_count(t), 1);
	natport_call_table_free(t);
}
END_TEST

START_TEST(full_table)
{
	struct natport_call_table *t = natport_call_table_new(2);
	uint64_t cr, en, full;

	ck_assert_ptr_nonnull(natport_call_new(t, "1"));
	ck_assert_ptr_nonnull(natport_call_new(t, "2"));
	errno = 0;
	ck_assert_ptr_null(natport_call_new(t, "3"));
	ck_assert_int_eq(errno, ENOSPC);
	natport_call_table_counters(t, &cr, &en, &full);
	ck_assert_uint_eq(cr, 2);
	ck_assert_uint_eq(full, 1);
	natport_call_del(t, natport_call_find(t, "1"));
	natport_call_table_counters(t, &cr, &en, &full);
	ck_assert_uint_eq(en, 1);
	natport_call_table_free(t);
}
END_TEST

/* SIP's names for the neutral session states and ends. */
START_TEST(sip_names)
{
	ck_assert_str_eq(natport_call_state_name(NATPORT_SESSION_SETUP),
			 "trying");
	ck_assert_str_eq(natport_call_state_name(NATPORT_SESSION_ACTIVE),
			 "confirmed");
	ck_assert_str_eq(natport_call_end_name(NATPORT_END_HANGUP), "bye");
	ck_assert_str_eq(natport_call_end_name(NATPORT_END_SETUP_TIMEOUT),
			 "invite-timeout");
	for (int e = 0; e < __NATPORT_END_MAX; e++)
		ck_assert_ptr_nonnull(natport_call_end_name(e));
}
END_TEST

START_TEST(forks_and_maps)
{
	struct natport_call_table *t = natport_call_table_new(8);
	struct natport_call *c = natport_call_new(t, "f@x");

	ck_assert_int_eq(natport_call_tag_add(c, "t1"), 1);
	ck_assert_int_eq(natport_call_tag_add(c, "t1"), 0);
	ck_assert_int_eq(natport_call_tag_add(c, "t2"), 1);
	ck_assert_int_eq(natport_call_tag_del(c, "t1"), 1);
	ck_assert_int_eq(natport_call_tag_del(c, "t1"), 0);
	ck_assert_uint_eq(c->n_tags, 1);
	for (int i = 0; i < NATPORT_CALL_MAX_TAGS - 1; i++) {
		char tag[8];

		snprintf(tag, sizeof(tag), "x%d", i);
		ck_assert_int_eq(natport_call_tag_add(c, tag), 1);
	}
	ck_assert_int_eq(natport_call_tag_add(c, "one-too-many"), -1);
	/* many calls: hash chains and the age list stay consistent */
	for (int i = 0; i < 7; i++) {
		char id[16];

		snprintf(id, sizeof(id), "call-%d", i);
		ck_assert_ptr_nonnull(natport_call_new(t, id));
	}
	ck_assert_ptr_nonnull(natport_call_find(t, "call-6"));
	natport_call_table_free(t); /* frees tags too (checked by valgrind) */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("call_table");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, add_find_del);
	tcase_add_test(tc, full_table);
	tcase_add_test(tc, forks_and_maps);
	tcase_add_test(tc, sip_names);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
