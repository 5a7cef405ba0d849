// SPDX-License-Identifier: GPL-2.0-or-later
/* test_pm.c - the port manager's contract against the real kernel, in a
 * private network namespace: open errors, RTP/RTCP pairing, idempotence,
 * events, exhaustion, kernel entries made and removed. */
#include <check.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <natport/natport.h>

#include "netns_unit.h"
#include "unit_main.h"

static struct natport_pm_config cfg;

static void setup(void)
{
	memset(&cfg, 0, sizeof(cfg));
	natport_endpoint_parse("198.51.100.1", &cfg.external);
	natport_prefix_parse("192.0.2.0/24", &cfg.internal[0]);
	cfg.n_internal = 1;
	cfg.port_min = 30000;
	cfg.port_max = 30007; /* 4 pairs */
	cfg.quarantine_ms = 60000;
}

static struct natport_pm *open_pm(void)
{
	char err[256];
	struct natport_pm *pm = natport_pm_open(&cfg, err, sizeof(err));

	ck_assert_msg(pm != NULL, "open: %s", err);
	return pm;
}

static struct natport_mapping_req req(enum natport_port_type t,
				      const char *internal)
{
	struct natport_mapping_req r = { .type = t };

	ck_assert_int_eq(natport_endpoint_parse(internal, &r.internal), 0);
	return r;
}

static int count_cb(const struct natport_mapping *m,
		    const struct natport_counters *c, uint32_t timeout,
		    void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static int kernel_entries(void)
{
	char err[256];
	int n = 0, r = natport_kernel_list(0, count_cb, &n, err, sizeof(err));

	ck_assert_msg(r >= 0, "kernel list: %s", err);
	ck_assert_int_eq(r, n);
	return n;
}

START_TEST(open_errors)
{
	char err[256];
	struct natport_pm_config c;

	c = cfg;
	natport_endpoint_parse("2001:db8::1", &c.external);
	ck_assert_ptr_null(natport_pm_open(&c, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "IPv6"));
	c = cfg;
	memset(&c.external, 0, sizeof(c.external));
	ck_assert_ptr_null(natport_pm_open(&c, err, sizeof(err)));
	c = cfg;
	c.n_internal = 0;
	ck_assert_ptr_null(natport_pm_open(&c, err, sizeof(err)));
	c = cfg;
	c.port_min = c.port_max = 30001;
	ck_assert_ptr_null(natport_pm_open(&c, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "pair"));
	c = cfg;
	c.ct_mark_tag = 0x12345678;
	ck_assert_ptr_null(natport_pm_open(&c, err, sizeof(err)));
	c = cfg;
	c.nft_table = "bad name;";
	ck_assert_ptr_null(natport_pm_open(&c, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "table name"));
	c = cfg;
	natport_endpoint_parse("203.0.113.77", &c.external); /* not ours */
	{
		/* opening works; binding the first pair fails cleanly */
		struct natport_pm *pm = natport_pm_open(&c, err, sizeof(err));
		struct natport_mapping_req r =
			req(NATPORT_PORT_AUDIO_RTP, "192.0.2.10:4000");
		struct natport_mapping m;

		ck_assert_ptr_nonnull(pm);
		ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m),
				 -NATPORT_E_NOPORT);
		ck_assert_ptr_nonnull(strstr(natport_pm_last_error(pm),
					     "busy"));
		natport_pm_close(pm);
	}
}
END_TEST

START_TEST(pairing)
{
	struct natport_pm *pm = open_pm();
	struct natport_mapping_req r;
	struct natport_mapping rtp, rtcp, m;

	r = req(NATPORT_PORT_AUDIO_RTP, "192.0.2.10:4000");
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &rtp), 0);
	ck_assert_int_eq(rtp.external.port % 2, 0);
	ck_assert_int_eq(rtp.state, NATPORT_MAP_HELD);
	/* a=rtcp:5001 -- not RTP+1 internally; named explicitly */
	r = req(NATPORT_PORT_AUDIO_RTCP, "192.0.2.10:5001");
	r.rtp_internal_port = 4000;
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &rtcp), 0);
	ck_assert_int_eq(rtcp.external.port, rtp.external.port + 1);
	/* the same again: same mapping */
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), 0);
	ck_assert_int_eq(m.id, rtcp.id);
	/* video RTCP does not pair with audio RTP */
	r = req(NATPORT_PORT_VIDEO_RTCP, "192.0.2.10:4003");
	r.rtp_internal_port = 4000;
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), 0);
	ck_assert_int_ne(m.external.port, rtp.external.port + 1);
	ck_assert_int_eq(m.external.port % 2, 1);
	/* SIP and data need no parity */
	r = req(NATPORT_PORT_SIP, "192.0.2.10:5061");
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), 0);
	r = req(NATPORT_PORT_DATA, "192.0.2.10:4005");
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), 0);
	/* 4 pairs: RTP/RTCP, video RTCP, SIP, data -> full */
	r = req(NATPORT_PORT_VIDEO_RTP, "192.0.2.10:4010");
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), -NATPORT_E_NOPORT);
	/* releasing RTP alone keeps the pair for its RTCP */
	ck_assert_int_eq(natport_pm_release(pm, &rtp.internal, &rtp.external),
			 0);
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), -NATPORT_E_NOPORT);
	ck_assert_int_eq(natport_pm_release(pm, &rtcp.internal, &rtcp.external),
			 0);
	/* now quarantined (60 s): still no port */
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), -NATPORT_E_NOPORT);
	natport_pm_close(pm);
}
END_TEST

struct evlog {
	int n;
	enum natport_event_type t[16];
};

static void on_event(const struct natport_event *ev, void *arg)
{
	struct evlog *l = arg;

	if (l->n < 16)
		l->t[l->n++] = ev->type;
}

START_TEST(kernel_entries_and_events)
{
	struct natport_pm *pm = open_pm();
	struct natport_mapping_req r = req(NATPORT_PORT_AUDIO_RTP,
					   "192.0.2.10:4000");
	struct natport_mapping m, m2;
	struct natport_endpoint remote, remote2;
	struct natport_counters c;
	struct natport_pm_stats st;
	struct evlog log = { 0 };

	natport_pm_set_event_cb(pm, on_event, &log);
	natport_endpoint_parse("198.51.100.20:6000", &remote);
	natport_endpoint_parse("203.0.113.20:7000", &remote2);
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), 0);
	ck_assert_int_eq(kernel_entries(), 0);
	ck_assert_int_eq(natport_pm_counters(pm, m.id, &c), 0);
	ck_assert_uint_eq(c.pkts_in + c.pkts_out, 0);

	ck_assert_int_eq(natport_pm_update_remote(pm, &m.external, &remote,
						  &m2),
			 0);
	ck_assert_int_eq(m2.state, NATPORT_MAP_ACTIVE);
	ck_assert(natport_endpoint_equal(&m2.remote, &remote));
	ck_assert_int_eq(kernel_entries(), 1);
	/* same remote again: refresh, no second entry */
	ck_assert_int_eq(natport_pm_update_remote(pm, &m.external, &remote,
						  NULL),
			 0);
	ck_assert_int_eq(kernel_entries(), 1);
	/* new remote replaces */
	ck_assert_int_eq(natport_pm_update_remote(pm, &m.external, &remote2,
						  NULL),
			 0);
	ck_assert_int_eq(kernel_entries(), 1);
	ck_assert_int_eq(natport_pm_counters(pm, m.id, &c), 0);
	ck_assert_int_eq(natport_pm_dispatch(pm), 0);

	natport_pm_get_stats(pm, &st);
	ck_assert_uint_eq(st.mappings, 1);
	ck_assert_uint_eq(st.mappings_active, 1);
	ck_assert_uint_eq(st.ports_held, 2);
	ck_assert_uint_eq(st.ports_total, 8);

	ck_assert_int_eq(natport_pm_release_id(pm, m.id), 0);
	ck_assert_int_eq(natport_pm_release_id(pm, m.id), -NATPORT_E_NOENT);
	ck_assert_int_eq(kernel_entries(), 0);
	ck_assert_int_eq(natport_pm_lookup(pm, m.id, &m2), -NATPORT_E_NOENT);

	ck_assert_int_eq(log.n, 4);
	ck_assert_int_eq(log.t[0], NATPORT_EV_CREATED);
	ck_assert_int_eq(log.t[1], NATPORT_EV_REMOTE);
	ck_assert_int_eq(log.t[2], NATPORT_EV_REMOTE);
	ck_assert_int_eq(log.t[3], NATPORT_EV_RELEASED);

	natport_pm_get_stats(pm, &st);
	ck_assert_uint_eq(st.mappings, 0);
	ck_assert_uint_eq(st.ports_quarantined, 2);
	ck_assert_uint_eq(st.errors[NATPORT_E_INDEX(NATPORT_E_NOENT)], 1);
	natport_pm_close(pm);
}
END_TEST

static int first_entry(const struct natport_mapping *m,
		       const struct natport_counters *c, uint32_t timeout,
		       void *arg)
{
	*(struct natport_mapping *)arg = *m;
	return 0;
}

/* Two LAN clients through the router's WAN address: one entry for both,
 * installed by the first, the second carried; another router port than a
 * live mapping's stays refused. */
START_TEST(hairpin)
{
	struct natport_pm *pm = open_pm();
	struct natport_mapping_req ra = req(NATPORT_PORT_AUDIO_RTP,
					    "192.0.2.10:4000");
	struct natport_mapping_req rb = req(NATPORT_PORT_AUDIO_RTP,
					    "192.0.2.11:5000");
	struct natport_mapping a, b, k, got;
	struct natport_endpoint stray;
	struct natport_counters c;
	char err[256];

	ck_assert_int_eq(natport_pm_get_mapping(pm, &ra, &a), 0);
	ck_assert_int_eq(natport_pm_get_mapping(pm, &rb, &b), 0);
	ck_assert_int_eq(natport_pm_is_mapping(pm, &b.external), 1);
	natport_endpoint_parse("198.51.100.1:30006", &stray);
	ck_assert_int_eq(natport_pm_is_mapping(pm, &stray), 0);
	ck_assert_int_eq(natport_pm_update_remote(pm, &a.external, &stray,
						  NULL),
			 -NATPORT_E_BADADDR);
	ck_assert_int_eq(kernel_entries(), 0);

	ck_assert_int_eq(natport_pm_update_remote(pm, &a.external,
						  &b.external, &got),
			 0);
	ck_assert(natport_endpoint_equal(&got.remote, &b.external));
	ck_assert_int_eq(kernel_entries(), 1);
	memset(&k, 0, sizeof(k));
	ck_assert_int_eq(natport_kernel_list(0, first_entry, &k, err,
					     sizeof(err)),
			 1);
	/* original b.internal -> a.external, DNAT to a.internal */
	ck_assert_uint_eq(k.id, a.id);
	ck_assert(natport_endpoint_equal(&k.remote, &b.internal));
	ck_assert(natport_endpoint_equal(&k.external, &a.external));
	ck_assert(natport_endpoint_equal(&k.internal, &a.internal));

	/* the other half: carried, no entry of its own, twice the same */
	ck_assert_int_eq(natport_pm_update_remote(pm, &b.external,
						  &a.external, &got),
			 0);
	ck_assert(natport_endpoint_equal(&got.remote, &a.external));
	ck_assert_int_eq(got.state, NATPORT_MAP_ACTIVE);
	ck_assert_int_eq(natport_pm_update_remote(pm, &b.external,
						  &a.external, NULL),
			 0);
	ck_assert_int_eq(kernel_entries(), 1);
	ck_assert_int_eq(natport_pm_counters(pm, b.id, &c), 0);
	ck_assert_int_eq(natport_pm_dispatch(pm), 0);
	ck_assert_int_eq(kernel_entries(), 1);

	/* a's media moves elsewhere (re-INVITE): b gets an entry of its
	 * own, still toward a's external endpoint */
	natport_endpoint_parse("203.0.113.9:6000", &stray);
	ck_assert_int_eq(natport_pm_update_remote(pm, &a.external, &stray,
						  NULL),
			 0);
	ck_assert_int_eq(kernel_entries(), 2);
	ck_assert_int_eq(natport_pm_release_id(pm, a.id), 0);
	ck_assert_int_eq(kernel_entries(), 1);
	ck_assert_int_eq(natport_pm_release_id(pm, b.id), 0);
	ck_assert_int_eq(kernel_entries(), 0);
	natport_pm_close(pm);
}
END_TEST

/* Releasing the carried half of a hairpin keeps the carrier's entry. */
START_TEST(hairpin_release)
{
	struct natport_pm *pm = open_pm();
	struct natport_mapping_req ra = req(NATPORT_PORT_AUDIO_RTP,
					    "192.0.2.10:4000");
	struct natport_mapping_req rb = req(NATPORT_PORT_AUDIO_RTP,
					    "192.0.2.11:5000");
	struct natport_mapping a, b;

	ck_assert_int_eq(natport_pm_get_mapping(pm, &ra, &a), 0);
	ck_assert_int_eq(natport_pm_get_mapping(pm, &rb, &b), 0);
	ck_assert_int_eq(natport_pm_update_remote(pm, &b.external,
						  &a.external, NULL),
			 0);
	ck_assert_int_eq(natport_pm_update_remote(pm, &a.external,
						  &b.external, NULL),
			 0);
	ck_assert_int_eq(kernel_entries(), 1);
	ck_assert_int_eq(natport_pm_release_id(pm, a.id), 0);
	ck_assert_int_eq(kernel_entries(), 1);
	ck_assert_int_eq(natport_pm_release_id(pm, b.id), 0);
	ck_assert_int_eq(kernel_entries(), 0);
	natport_pm_close(pm);
}
END_TEST

START_TEST(update_many)
{
	struct natport_pm *pm = open_pm();
	struct natport_mapping_req r;
	struct natport_mapping rtp, rtcp, vid;
	struct natport_remote_update u[4];
	struct evlog log = { 0 };

	r = req(NATPORT_PORT_AUDIO_RTP, "192.0.2.10:4000");
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &rtp), 0);
	r = req(NATPORT_PORT_AUDIO_RTCP, "192.0.2.10:4001");
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &rtcp), 0);
	r = req(NATPORT_PORT_VIDEO_RTP, "192.0.2.10:4002");
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &vid), 0);
	natport_pm_set_event_cb(pm, on_event, &log);

	memset(u, 0, sizeof(u));
	u[0].external = rtp.external;
	natport_endpoint_parse("198.51.100.20:6000", &u[0].remote);
	u[1].external = rtcp.external;
	natport_endpoint_parse("198.51.100.20:6001", &u[1].remote);
	u[2].external = vid.external;
	natport_endpoint_parse("192.0.2.99:6002", &u[2].remote); /* LAN! */
	u[3].external = rtp.external; /* twice */
	u[3].remote = u[0].remote;
	ck_assert_int_eq(natport_pm_update_remote_many(pm, u, 4),
			 -NATPORT_E_BADADDR);
	ck_assert_int_eq(u[0].result, 0);
	ck_assert_int_eq(u[1].result, 0);
	ck_assert_int_eq(u[2].result, -NATPORT_E_BADADDR);
	ck_assert_int_eq(u[3].result, -NATPORT_E_INVAL);
	ck_assert_int_eq(u[0].mapping.state, NATPORT_MAP_ACTIVE);
	ck_assert_ptr_nonnull(strstr(natport_pm_last_error(pm), "192.0.2.99"));
	ck_assert_int_eq(kernel_entries(), 2);
	ck_assert_int_eq(log.n, 2);

	/* again, one moved: the batch handles refresh and replace too */
	natport_endpoint_parse("203.0.113.20:7000", &u[1].remote);
	ck_assert_int_eq(natport_pm_update_remote_many(pm, u, 2), 0);
	ck_assert_int_eq(kernel_entries(), 2);
	ck_assert(natport_endpoint_equal(&u[1].mapping.remote, &u[1].remote));
	ck_assert_int_eq(natport_pm_update_remote_many(pm, u, 65),
			 -NATPORT_E_INVAL);
	natport_pm_close(pm);
	ck_assert_int_eq(kernel_entries(), 0);
}
END_TEST

START_TEST(remote_in_request_and_close)
{
	struct natport_pm *pm = open_pm();
	struct natport_mapping_req r = req(NATPORT_PORT_VIDEO_RTP,
					   "192.0.2.11:5000");
	struct natport_mapping m;
	int i;

	natport_endpoint_parse("198.51.100.20:7000", &r.remote);
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), 0);
	ck_assert_int_eq(m.state, NATPORT_MAP_ACTIVE);
	ck_assert_int_eq(kernel_entries(), 1);
	/* an unknown remote (0.0.0.0) at GetMapping is fine */
	r = req(NATPORT_PORT_AUDIO_RTP, "192.0.2.11:5002");
	natport_endpoint_parse("0.0.0.0", &r.remote);
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), 0);
	ck_assert_int_eq(m.state, NATPORT_MAP_HELD);
	/* an address with no port is known address, unknown port: held */
	r = req(NATPORT_PORT_AUDIO_RTP, "192.0.2.11:5004");
	natport_endpoint_parse("198.51.100.20", &r.remote);
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), 0);
	ck_assert_int_eq(m.state, NATPORT_MAP_HELD);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(natport_pm_dispatch(pm), 0);
	natport_pm_close(pm);
	ck_assert_int_eq(kernel_entries(), 0);
	ck_assert_int_ne(system("nft list table inet natport >/dev/null 2>&1"),
			 0);
}
END_TEST

START_TEST(bad_requests_change_nothing)
{
	struct natport_pm *pm = open_pm();
	struct natport_mapping_req r;
	struct natport_mapping m;
	struct natport_endpoint ext, remote;
	struct natport_pm_stats st;

	r = req(NATPORT_PORT_AUDIO_RTP, "192.0.2.10:4001");
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), -NATPORT_E_INVAL);
	ck_assert_ptr_nonnull(strstr(natport_pm_last_error(pm), "odd"));
	r = req(NATPORT_PORT_AUDIO_RTP, "192.0.2.1:4000"); /* the router */
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m),
			 -NATPORT_E_BADADDR);
	r = req(NATPORT_PORT_AUDIO_RTP, "198.51.100.30:4000");
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m),
			 -NATPORT_E_BADADDR);
	r = req(NATPORT_PORT_AUDIO_RTP, "[2001:db8::10]:4000");
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m),
			 -NATPORT_E_NOTSUP);
	r = req(NATPORT_PORT_AUDIO_RTP, "192.0.2.10:4000");
	r.type = (enum natport_port_type)77;
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), -NATPORT_E_INVAL);
	r = req(NATPORT_PORT_AUDIO_RTP, "192.0.2.10:4000");
	natport_endpoint_parse("192.0.2.20:6000", &r.remote); /* LAN remote */
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m),
			 -NATPORT_E_BADADDR);
	natport_endpoint_parse("198.51.100.1:30000", &ext);
	natport_endpoint_parse("198.51.100.20:6000", &remote);
	ck_assert_int_eq(natport_pm_update_remote(pm, &ext, &remote, NULL),
			 -NATPORT_E_NOENT);
	natport_endpoint_parse("198.51.100.2:30000", &ext);
	ck_assert_int_eq(natport_pm_update_remote(pm, &ext, &remote, NULL),
			 -NATPORT_E_NOENT);
	ck_assert_int_eq(natport_pm_release(pm, &r.internal, &ext),
			 -NATPORT_E_NOENT);
	natport_pm_get_stats(pm, &st);
	ck_assert_uint_eq(st.mappings, 0);
	ck_assert_uint_eq(st.ports_free, st.ports_total);
	ck_assert_uint_eq(st.created, 0);
	ck_assert_int_eq(kernel_entries(), 0);
	natport_pm_close(pm);
}
END_TEST

/* The address policy as the port manager applies it (natport/policy.h):
 * each refusal names why, and changes nothing. */
START_TEST(address_policy)
{
	static const struct {
		const char *internal, *remote;
		int err;
		const char *why;
	} cases[] = {
		{ "192.0.2.1:4000", NULL, -NATPORT_E_BADADDR, "router's own" },
		{ "203.0.113.9:4000", NULL, -NATPORT_E_BADADDR,
		  "outside the LAN" },
		{ "127.0.0.1:4000", NULL, -NATPORT_E_BADADDR, "loopback" },
		{ "192.0.2.10:4000", "192.0.2.20:5000", -NATPORT_E_BADADDR,
		  "points into the LAN" },
		{ "192.0.2.10:4000", "198.51.100.1:5000", -NATPORT_E_BADADDR,
		  "points at the router" },
		{ "192.0.2.10:4000", "127.0.0.1:5000", -NATPORT_E_BADADDR,
		  "loopback" },
		{ "192.0.2.10:4000", "169.254.1.1:5000", -NATPORT_E_BADADDR,
		  "link-local" },
		{ "192.0.2.10:4000", "239.1.2.3:5000", -NATPORT_E_BADADDR,
		  "multicast" },
		{ "192.0.2.10:4000", "255.255.255.255:5000", -NATPORT_E_BADADDR,
		  "broadcast" },
		{ "192.0.2.10:4000", "0.1.2.3:5000", -NATPORT_E_BADADDR,
		  "this-network" },
		{ "192.0.2.10:4000", "[2001:db8::1]:5000", -NATPORT_E_NOTSUP,
		  "IPv6" },
	};
	struct natport_pm *pm = open_pm();
	struct natport_pm_stats st;
	struct natport_mapping m;
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct natport_mapping_req r =
			req(NATPORT_PORT_AUDIO_RTP, cases[i].internal);

		if (cases[i].remote)
			ck_assert_int_eq(natport_endpoint_parse(cases[i].remote,
								&r.remote),
					 0);
		ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m),
				 cases[i].err);
		ck_assert_msg(strstr(natport_pm_last_error(pm), cases[i].why),
			      "%s / %s: '%s' lacks '%s'", cases[i].internal,
			      cases[i].remote ? cases[i].remote : "-",
			      natport_pm_last_error(pm), cases[i].why);
	}
	/* the documentation ranges are ordinary addresses */
	{
		struct natport_mapping_req r =
			req(NATPORT_PORT_AUDIO_RTP, "192.0.2.10:4000");

		natport_endpoint_parse("203.0.113.5:5000", &r.remote);
		ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), 0);
		ck_assert_int_eq(m.state, NATPORT_MAP_ACTIVE);
	}
	natport_pm_get_stats(pm, &st);
	ck_assert_uint_eq(st.mappings, 1);
	ck_assert_uint_eq(st.errors[NATPORT_E_INDEX(NATPORT_E_BADADDR)], 10);
	natport_pm_close(pm);
}
END_TEST

struct qlist {
	int n;
	struct natport_mapping m[8];
};

static int collect(const struct natport_mapping *m, void *arg)
{
	struct qlist *q = arg;

	if (q->n < 8)
		q->m[q->n++] = *m;
	return 0;
}

static int stop_at_first(const struct natport_mapping *m, void *arg)
{
	return 42;
}

START_TEST(quarantined_listing)
{
	struct natport_pm *pm = open_pm();
	struct natport_mapping_req r;
	struct natport_mapping rtp, rtcp, other;
	struct qlist q = { 0 };

	r = req(NATPORT_PORT_AUDIO_RTP, "192.0.2.10:4000");
	r.owner = 7;
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &rtp), 0);
	r = req(NATPORT_PORT_AUDIO_RTCP, "192.0.2.10:4001");
	r.owner = 7;
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &rtcp), 0);
	r = req(NATPORT_PORT_AUDIO_RTP, "192.0.2.11:4000");
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &other), 0);
	ck_assert_int_eq(natport_pm_foreach_quarantined(pm, collect, &q), 0);
	ck_assert_int_eq(q.n, 0);

	/* one half released, the other still live: that port is listed */
	ck_assert_int_eq(natport_pm_release_id(pm, rtp.id), 0);
	ck_assert_int_eq(natport_pm_foreach_quarantined(pm, collect, &q), 0);
	ck_assert_int_eq(q.n, 1);
	ck_assert_uint_eq(q.m[0].id, rtp.id);
	ck_assert_int_eq(q.m[0].state, NATPORT_MAP_QUARANTINED);
	ck_assert(natport_endpoint_equal(&q.m[0].external, &rtp.external));
	ck_assert(natport_endpoint_equal(&q.m[0].internal, &rtp.internal));
	ck_assert_uint_eq(q.m[0].owner, 7);
	ck_assert_uint_ge(q.m[0].updated_ms, rtp.created_ms);

	/* both: the pair is quarantined, listed in port order */
	ck_assert_int_eq(natport_pm_release_id(pm, rtcp.id), 0);
	q.n = 0;
	ck_assert_int_eq(natport_pm_foreach_quarantined(pm, collect, &q), 0);
	ck_assert_int_eq(q.n, 2);
	ck_assert_uint_eq(q.m[0].id, rtp.id);
	ck_assert_uint_eq(q.m[1].id, rtcp.id);
	ck_assert_int_eq(q.m[1].external.port, rtp.external.port + 1);
	ck_assert_int_eq(natport_pm_foreach_quarantined(pm, stop_at_first,
							NULL),
			 42);
	/* the live mapping is not among them, and foreach does not list
	 * the released ones */
	q.n = 0;
	ck_assert_int_eq(natport_pm_foreach(pm, collect, &q), 0);
	ck_assert_int_eq(q.n, 1);
	ck_assert_uint_eq(q.m[0].id, other.id);
	natport_pm_close(pm);

	/* without quarantine nothing is ever listed */
	cfg.quarantine_ms = 0;
	pm = open_pm();
	r = req(NATPORT_PORT_AUDIO_RTP, "192.0.2.10:4000");
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &rtp), 0);
	ck_assert_int_eq(natport_pm_release_id(pm, rtp.id), 0);
	q.n = 0;
	ck_assert_int_eq(natport_pm_foreach_quarantined(pm, collect, &q), 0);
	ck_assert_int_eq(q.n, 0);
	natport_pm_close(pm);
}
END_TEST

/* Dispatch until an event of this type arrived, for up to 2 s. */
static int wait_event(struct natport_pm *pm, struct evlog *l,
		      enum natport_event_type t)
{
	struct pollfd p = { .fd = natport_pm_fd(pm), .events = POLLIN };
	int i, tries;

	for (tries = 0; tries < 20; tries++) {
		for (i = 0; i < l->n; i++)
			if (l->t[i] == t)
				return 1;
		if (poll(&p, 1, 100) > 0)
			ck_assert_int_eq(natport_pm_dispatch(pm), 0);
	}
	return 0;
}

START_TEST(ruleset_event)
{
	struct natport_pm *pm = open_pm();
	struct natport_pm_stats st;
	struct evlog log = { 0 };

	natport_pm_set_event_cb(pm, on_event, &log);
	/* a firewall reload that leaves our table alone */
	ck_assert_int_eq(system("nft add table inet np_unit_other"), 0);
	ck_assert_msg(wait_event(pm, &log, NATPORT_EV_RULESET),
		      "no RULESET event after a table was added");
	natport_pm_get_stats(pm, &st);
	ck_assert_uint_eq(st.nft_restored, 0);
	/* one that flushes everything, ours included */
	log.n = 0;
	ck_assert_int_eq(system("nft flush ruleset"), 0);
	ck_assert_msg(wait_event(pm, &log, NATPORT_EV_RULESET),
		      "no RULESET event after the ruleset was flushed");
	natport_pm_get_stats(pm, &st);
	ck_assert_uint_eq(st.nft_restored, 1);
	ck_assert_int_eq(system("nft list table inet natport >/dev/null"), 0);
	natport_pm_close(pm);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pm");
	TCase *tc = tcase_create("kernel");

	netns_unit_enter();
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, open_errors);
	tcase_add_test(tc, pairing);
	tcase_add_test(tc, kernel_entries_and_events);
	tcase_add_test(tc, update_many);
	tcase_add_test(tc, hairpin);
	tcase_add_test(tc, hairpin_release);
	tcase_add_test(tc, remote_in_request_and_close);
	tcase_add_test(tc, bad_requests_change_nothing);
	tcase_add_test(tc, address_policy);
	tcase_add_test(tc, quarantined_listing);
	tcase_add_test(tc, ruleset_event);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
