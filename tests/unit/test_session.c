// SPDX-License-Identifier: GPL-2.0-or-later
/* test_session.c - the session core: events, states, the one end path,
 * mapping references shared between sessions, and quotas. Runs in a
 * network namespace of its own (a real port manager). */
#include <check.h>
#include <string.h>

#include <natport/natport.h>

#include "core/quota.h"
#include "core/session.h"
#include "netns_unit.h"
#include "unit_main.h"

static int events[4], ended;
static enum natport_session_end last_end;

static void hook(enum natport_session_event ev, const struct natport_session *s,
		 void *arg)
{
	events[ev]++;
	if (ev == NATPORT_SESSION_EV_END) {
		ck_assert_int_eq(s->state, NATPORT_SESSION_ENDED);
		ck_assert_uint_eq(s->n_maps, 0); /* released before the event */
		last_end = s->end_reason;
	}
}

static void on_end(struct natport_session *s)
{
	ended++;
	*(int *)s->owner = 1; /* the owner frees its state here */
}

static const struct natport_session_ops ops = { .on_end = on_end };

static struct natport_pm *pm;
static struct natport_quota *quota;
static struct natport_session_table *t;

static void setup(void)
{
	struct natport_pm_config cfg;
	char err[256];

	memset(&cfg, 0, sizeof(cfg));
	natport_endpoint_parse("198.51.100.1", &cfg.external);
	natport_prefix_parse("192.0.2.0/24", &cfg.internal[0]);
	cfg.n_internal = 1;
	cfg.port_min = 30000;
	cfg.port_max = 30007;
	cfg.quarantine_ms = 60000;
	pm = natport_pm_open(&cfg, err, sizeof(err));
	ck_assert_msg(pm != NULL, "open: %s", err);
	quota = natport_quota_new(3);
	t = natport_session_table_new(pm, quota);
	natport_session_table_set_hook(t, hook, NULL);
	memset(events, 0, sizeof(events));
	ended = 0;
}

static void teardown(void)
{
	natport_session_table_free(t);
	natport_quota_free(quota);
	natport_pm_close(pm);
}

static uint32_t get(const char *internal, uint64_t owner)
{
	struct natport_mapping_req r = { .type = NATPORT_PORT_AUDIO_RTP,
					 .owner = owner };
	struct natport_mapping m;

	ck_assert_int_eq(natport_endpoint_parse(internal, &r.internal), 0);
	r.remote.family = AF_UNSPEC;
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), 0);
	return m.id;
}

static int held(uint32_t id)
{
	struct natport_mapping m;

	return !natport_pm_lookup(pm, id, &m) &&
	       m.state != NATPORT_MAP_QUARANTINED;
}

START_TEST(states_and_end)
{
	int gone = 0;
	struct natport_session *s =
		natport_session_new(t, NATPORT_SESSION_SIP, "a@x", &ops, &gone,
				    1000);
	uint64_t id = s->id;

	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(natport_session_state_name(s), "setup");
	natport_session_announce(t, s);
	ck_assert_int_eq(events[NATPORT_SESSION_EV_NEW], 1);
	natport_session_set_state(t, s, NATPORT_SESSION_ACTIVE, 1500);
	natport_session_set_state(t, s, NATPORT_SESSION_ACTIVE, 1600);
	ck_assert_int_eq(events[NATPORT_SESSION_EV_STATE], 1);
	ck_assert_uint_eq(s->active_ms, 1500);
	/* ENDED only through natport_session_end */
	natport_session_set_state(t, s, NATPORT_SESSION_ENDED, 1700);
	ck_assert_int_eq(s->state, NATPORT_SESSION_ACTIVE);
	ck_assert_ptr_eq(natport_session_find(t, id), s);
	ck_assert_uint_eq(natport_session_count(t, NATPORT_SESSION_SIP), 1);
	natport_session_end(t, s, NATPORT_END_OPERATOR);
	ck_assert_int_eq(events[NATPORT_SESSION_EV_END], 1);
	ck_assert_int_eq(last_end, NATPORT_END_OPERATOR);
	ck_assert_int_eq(gone, 1);
	ck_assert_int_eq(ended, 1);
	ck_assert_ptr_null(natport_session_find(t, id));
	ck_assert_uint_eq(natport_session_count(t, NATPORT_SESSION_SIP), 0);
	ck_assert_uint_eq(natport_session_ended(t, NATPORT_END_OPERATOR), 1);
	ck_assert_str_eq(natport_session_end_neutral(NATPORT_END_SETUP_TIMEOUT),
			 "setup-timeout");
	ck_assert_str_eq(natport_session_kind_name(NATPORT_SESSION_STATIC),
			 "static");
}
END_TEST

START_TEST(shared_mapping)
{
	int g1 = 0, g2 = 0;
	struct natport_session *a = natport_session_new(
		t, NATPORT_SESSION_SIP, "a", &ops, &g1, 0);
	struct natport_session *b = natport_session_new(
		t, NATPORT_SESSION_NG, "b", &ops, &g2, 0);
	uint32_t id;

	natport_endpoint_parse("192.0.2.10", &a->client);
	b->client = a->client;
	id = get("192.0.2.10:6000", a->id);
	ck_assert_int_eq(natport_session_own(t, a, id), 0);
	ck_assert_int_eq(natport_session_own(t, a, id), 0); /* no-op */
	ck_assert_uint_eq(a->n_maps, 1);
	ck_assert(natport_session_owns(a, id));
	ck_assert(!natport_session_owns(a, id + 1));
	/* the same internal port in a second session of the same phone */
	ck_assert_uint_eq(get("192.0.2.10:6000", b->id), id);
	ck_assert_int_eq(natport_session_own(t, b, id), 0);
	ck_assert_uint_eq(natport_quota_used(quota, &a->client), 2);
	ck_assert_ptr_eq(natport_session_find_map(t, id), a);
	natport_session_end(t, a, NATPORT_END_HANGUP);
	ck_assert(held(id)); /* b still uses it */
	ck_assert_ptr_eq(natport_session_find_map(t, id), b);
	ck_assert_uint_eq(natport_quota_used(quota, &b->client), 1);
	natport_session_end(t, b, NATPORT_END_HANGUP);
	ck_assert(!held(id));
	ck_assert_uint_eq(natport_quota_clients(quota), 0);
	ck_assert_uint_eq(natport_session_ended(t, NATPORT_END_HANGUP), 2);
}
END_TEST

START_TEST(quota_refusal_costs_nothing)
{
	int g = 0;
	struct natport_session *s = natport_session_new(
		t, NATPORT_SESSION_PCP, "p", &ops, &g, 0);
	uint32_t ids[4];
	char ep[32];

	natport_endpoint_parse("192.0.2.11", &s->client);
	for (int i = 0; i < 3; i++) {
		snprintf(ep, sizeof(ep), "192.0.2.11:%d", 7000 + 2 * i);
		ids[i] = get(ep, s->id);
		ck_assert_int_eq(natport_session_own(t, s, ids[i]), 0);
	}
	ck_assert_uint_eq(natport_quota_room(quota, &s->client), 0);
	ids[3] = get("192.0.2.11:7006", s->id);
	ck_assert_int_eq(natport_session_own(t, s, ids[3]), -1);
	ck_assert(!held(ids[3])); /* released at once */
	ck_assert_uint_eq(s->n_maps, 3);
	/* a re-offer moved stream 1: the old mappings are stale */
	s->n_streams = 1;
	s->streams[0].rtp_id = ids[1];
	natport_session_drop_stale(t, s);
	ck_assert_uint_eq(s->n_maps, 1);
	ck_assert(!held(ids[0]) && held(ids[1]) && !held(ids[2]));
	ck_assert_uint_eq(natport_quota_used(quota, &s->client), 1);
	natport_session_release(t, s);
	ck_assert_uint_eq(s->streams[0].rtp_id, 0);
	ck_assert(!held(ids[1]));
}
END_TEST

START_TEST(free_ends_with_shutdown)
{
	int g = 0;
	struct natport_session *s = natport_session_new(
		t, NATPORT_SESSION_STATIC, "192.0.2.12:8000", &ops, &g, 0);
	uint32_t id = get("192.0.2.12:8000", 0);

	ck_assert_int_eq(natport_session_own(t, s, id), 0);
	/* no client: an operator's mapping counts against nobody */
	ck_assert_uint_eq(natport_quota_clients(quota), 0);
	natport_session_table_free(t);
	t = NULL;
	ck_assert_int_eq(g, 1);
	ck_assert_int_eq(last_end, NATPORT_END_SHUTDOWN);
	ck_assert(!held(id));
}
END_TEST

/* A stop that keeps the calls: the sessions and their owners' state are
 * freed, the mapping stays held for the next instance. */
START_TEST(keep_frees_without_release)
{
	int g = 0;
	struct natport_session *s = natport_session_new(
		t, NATPORT_SESSION_SIP, "k@x", &ops, &g, 0);
	uint32_t id = get("192.0.2.13:8000", s->id);

	ck_assert_int_eq(natport_session_own(t, s, id), 0);
	natport_session_table_keep(t);
	natport_session_table_free(t);
	t = NULL;
	ck_assert_int_eq(g, 1);
	ck_assert(held(id));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("core");

	netns_unit_enter();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, states_and_end);
	tcase_add_test(tc, shared_mapping);
	tcase_add_test(tc, quota_refusal_costs_nothing);
	tcase_add_test(tc, free_ends_with_shutdown);
	tcase_add_test(tc, keep_frees_without_release);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
