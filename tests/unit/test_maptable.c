// SPDX-License-Identifier: GPL-2.0-or-later
/* test_maptable.c - ids, lookup by internal endpoint, FIFO id reuse. */
#include <check.h>
#include <stdio.h>

#include "maptable.h"
#include "unit_main.h"

static void fill(struct natport_map_slot *s, const char *ep)
{
	natport_endpoint_parse(ep, &s->m.internal);
}

START_TEST(insert_find_free)
{
	struct natport_maptable mt;
	struct natport_map_slot *a, *b;
	struct natport_endpoint ep;

	ck_assert_int_eq(natport_maptable_init(&mt, 4), 0);
	a = natport_maptable_alloc(&mt);
	fill(a, "192.0.2.10:4000");
	natport_maptable_insert(&mt, a);
	b = natport_maptable_alloc(&mt);
	fill(b, "192.0.2.10:4002");
	natport_maptable_insert(&mt, b);
	ck_assert_uint_ne(a->m.id, b->m.id);
	ck_assert_uint_eq(mt.count, 2);

	natport_endpoint_parse("192.0.2.10:4002", &ep);
	ck_assert_ptr_eq(natport_maptable_find(&mt, &ep), b);
	ck_assert_ptr_eq(natport_maptable_get(&mt, b->m.id), b);
	natport_endpoint_parse("192.0.2.10:4004", &ep);
	ck_assert_ptr_null(natport_maptable_find(&mt, &ep));
	ck_assert_ptr_null(natport_maptable_get(&mt, 0));
	ck_assert_ptr_null(natport_maptable_get(&mt, 99999));

	natport_maptable_free(&mt, a);
	natport_endpoint_parse("192.0.2.10:4000", &ep);
	ck_assert_ptr_null(natport_maptable_find(&mt, &ep));
	ck_assert_uint_eq(mt.count, 1);
	natport_maptable_uninit(&mt);
}
END_TEST

START_TEST(capacity_and_fifo_ids)
{
	struct natport_maptable mt;
	struct natport_map_slot *s[4];
	uint32_t first;
	int i;

	ck_assert_int_eq(natport_maptable_init(&mt, 3), 0);
	for (i = 0; i < 3; i++) {
		char b[32];

		s[i] = natport_maptable_alloc(&mt);
		ck_assert_ptr_nonnull(s[i]);
		snprintf(b, sizeof(b), "192.0.2.10:%d", 4000 + 2 * i);
		fill(s[i], b);
		natport_maptable_insert(&mt, s[i]);
	}
	ck_assert_ptr_null(natport_maptable_alloc(&mt));
	first = s[0]->m.id;
	natport_maptable_free(&mt, s[0]);
	natport_maptable_free(&mt, s[1]);
	/* freed ids come back oldest first */
	ck_assert_uint_eq(natport_maptable_alloc(&mt)->m.id, first);
	natport_maptable_uninit(&mt);
}
END_TEST

/* Mappings that come and go reuse the ids they freed: the slots touched
 * (mt.fresh) stay at the highest load, not at the number ever made. */
START_TEST(churn_stays_in_peak_slots)
{
	struct natport_maptable mt;
	struct natport_map_slot *s[8];
	int i, round;

	ck_assert_int_eq(natport_maptable_init(&mt, 2000), 0);
	for (round = 0; round < 1000; round++) {
		for (i = 0; i < 8; i++) {
			char b[32];

			s[i] = natport_maptable_alloc(&mt);
			ck_assert_ptr_nonnull(s[i]);
			snprintf(b, sizeof(b), "192.0.2.10:%d", 4000 + 2 * i);
			fill(s[i], b);
			natport_maptable_insert(&mt, s[i]);
		}
		for (i = 0; i < 8; i++)
			natport_maptable_free(&mt, s[i]);
	}
	ck_assert_uint_eq(mt.count, 0);
	ck_assert_uint_eq(mt.fresh, 1 + 8);
	natport_maptable_uninit(&mt);
}
END_TEST

START_TEST(many_collisions)
{
	struct natport_maptable mt;
	struct natport_endpoint ep;
	int i;

	ck_assert_int_eq(natport_maptable_init(&mt, 2000), 0);
	for (i = 0; i < 2000; i++) {
		struct natport_map_slot *s = natport_maptable_alloc(&mt);
		char b[32];

		snprintf(b, sizeof(b), "192.0.2.%d:%d", 10 + i % 200,
			 1024 + 2 * (i / 200));
		fill(s, b);
		natport_maptable_insert(&mt, s);
	}
	for (i = 0; i < 2000; i++) {
		char b[32];

		snprintf(b, sizeof(b), "192.0.2.%d:%d", 10 + i % 200,
			 1024 + 2 * (i / 200));
		natport_endpoint_parse(b, &ep);
		ck_assert_ptr_nonnull(natport_maptable_find(&mt, &ep));
	}
	for (i = 1; i <= 2000; i += 2)
		natport_maptable_free(&mt, &mt.slots[i]);
	ck_assert_uint_eq(mt.count, 1000);
	for (i = 2; i <= 2000; i += 2)
		ck_assert_ptr_eq(
			natport_maptable_find(&mt, &mt.slots[i].m.internal),
			&mt.slots[i]);
	natport_maptable_uninit(&mt);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("maptable");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, insert_find_free);
	tcase_add_test(tc, capacity_and_fifo_ids);
	tcase_add_test(tc, churn_stays_in_peak_slots);
	tcase_add_test(tc, many_collisions);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
