// SPDX-License-Identifier: GPL-2.0-or-later
/* test_pm_scale.c - the port manager's limits and scale contract (issue
 * 12) against the real kernel in a private network namespace: the mark
 * scheme and old-format entries, limits refused or clamped at open,
 * several external addresses (one of them down), counters kept as
 * mappings change. */
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <natport/natport.h>

#include "netns_unit.h"
#include "unit_main.h"

static struct natport_pm_config cfg;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void setup(void)
{
	memset(&cfg, 0, sizeof(cfg));
	natport_endpoint_parse("198.51.100.1", &cfg.external);
	natport_prefix_parse("192.0.2.0/24", &cfg.internal[0]);
	cfg.n_internal = 1;
	cfg.port_min = 31000;
	cfg.port_max = 31007; /* 4 pairs per address */
}

static struct natport_mapping_req req(enum natport_port_type t,
				      const char *internal, const char *remote)
{
	struct natport_mapping_req r = { .type = t };

	ck_assert_int_eq(natport_endpoint_parse(internal, &r.internal), 0);
	if (remote)
		ck_assert_int_eq(natport_endpoint_parse(remote, &r.remote), 0);
	return r;
}

static int conntrack_count(const char *mark)
{
	char cmd[200];
	FILE *f;
	int n = 0, c;

	snprintf(cmd, sizeof(cmd),
		 "conntrack -L -p udp -m %s 2>/dev/null | grep -c udp", mark);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	if (fscanf(f, "%d", &n) != 1)
		n = 0;
	while ((c = fgetc(f)) != EOF)
		;
	pclose(f);
	return n;
}

static void insert(const char *mark, int sport)
{
	char cmd[300];

	snprintf(
		cmd, sizeof(cmd),
		"conntrack -I -p udp -s 198.51.100.20 -d 198.51.100.1 --sport %d --dport 40000 -t 100 --mark %s >/dev/null 2>&1",
		sport, mark);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(mark_scheme)
{
	/* old format: tag | 16-bit id, read the same */
	ck_assert_uint_eq(natport_ct_mark_id(0x4e500000, 0x4e500005), 5);
	ck_assert_uint_eq(natport_ct_mark_id(0x4e500000, 0x4e50ffff), 65535);
	/* wide ids run on into the tag's block */
	ck_assert_uint_eq(natport_ct_mark_id(0x4e500000, 0x4e5a0001), 0xa0001);
	ck_assert_uint_eq(natport_ct_mark_id(0x4e500000, 0x4effffff),
			  natport_ct_mark_max_id(0x4e500000));
	ck_assert_uint_eq(natport_ct_mark_max_id(0x4e500000), 11534335);
	/* not ours: the tag itself, below it, another block */
	ck_assert_uint_eq(natport_ct_mark_id(0x4e500000, 0x4e500000), 0);
	ck_assert_uint_eq(natport_ct_mark_id(0x4e500000, 0x4e4fffff), 0);
	ck_assert_uint_eq(natport_ct_mark_id(0x4e500000, 0x4f000001), 0);
	ck_assert_uint_eq(natport_ct_mark_id(0x4e500000, 0), 0);
}
END_TEST

/* Entries of an older natport (16-bit ids) and of this one (wider ids)
 * are removed at open; marks outside the scheme are left alone. */
START_TEST(old_format_entries_recognised)
{
	struct natport_pm_stats st;
	struct natport_pm *pm;
	char err[256];

	insert("0x4e500005", 7001); /* natport 0.1 */
	insert("0x4e5a0001", 7002); /* a wide id */
	insert("0x4e4fffff", 7003); /* foreign, same top byte */
	insert("0x12345678", 7004); /* foreign */
	pm = natport_pm_open(&cfg, err, sizeof(err));
	ck_assert_msg(pm != NULL, "open: %s", err);
	natport_pm_get_stats(pm, &st);
	ck_assert_uint_eq(st.stale_removed, 2);
	ck_assert_int_eq(conntrack_count("0x4e4fffff"), 1);
	ck_assert_int_eq(conntrack_count("0x12345678"), 1);
	natport_pm_close(pm);
	ck_assert_int_eq(system("conntrack -F >/dev/null 2>&1"), 0);
}
END_TEST

START_TEST(limits_refused_or_clamped)
{
	struct natport_pm_config c = cfg;
	struct natport_mapping_req r;
	struct natport_pm_stats st;
	struct natport_mapping m;
	struct natport_pm *pm;
	struct rlimit rl, low;
	char err[512];

	/* more ports than the tag's ids can number: refused, and why */
	c.ct_mark_tag = 0x12ff0000; /* ids 1..65535 */
	c.port_min = 1024;
	c.port_max = 65535;
	natport_endpoint_parse("198.51.100.2", &c.external_more[0]);
	c.n_external_more = 1;
	ck_assert_ptr_null(natport_pm_open(&c, err, sizeof(err)));
	ck_assert_msg(strstr(err, "mapping ids"), "err: %s", err);

	/* max_mappings clamps, and is told */
	c = cfg;
	c.max_mappings = 3;
	pm = natport_pm_open(&c, err, sizeof(err));
	ck_assert_msg(pm != NULL, "open: %s", err);
	ck_assert_ptr_nonnull(strstr(natport_pm_limits(pm), "max_mappings"));
	ck_assert_ptr_nonnull(
		strstr(natport_pm_limits(pm), "nf_conntrack_max"));
	natport_pm_get_stats(pm, &st);
	ck_assert_uint_eq(st.capacity, 3);
	ck_assert_uint_eq(st.headroom, 3);
	ck_assert_uint_eq(st.fds, 9);
	r = req(NATPORT_PORT_AUDIO_RTP, "192.0.2.10:4000", NULL);
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), 0);
	r = req(NATPORT_PORT_AUDIO_RTCP, "192.0.2.10:4001", NULL);
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), 0);
	r = req(NATPORT_PORT_AUDIO_RTP, "192.0.2.10:4002", NULL);
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), 0);
	natport_pm_get_stats(pm, &st);
	ck_assert_uint_eq(st.headroom, 0);
	r = req(NATPORT_PORT_AUDIO_RTP, "192.0.2.10:4004", NULL);
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), -NATPORT_E_NOPORT);
	ck_assert_ptr_nonnull(strstr(natport_pm_last_error(pm), "capacity"));
	natport_pm_close(pm);

	/* too few descriptors left for the handle: refused at open, not a
	 * failed call later */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	low = rl;
	low.rlim_cur = 12;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	pm = natport_pm_open(&cfg, err, sizeof(err));
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	ck_assert_ptr_null(pm);
	ck_assert_msg(strstr(err, "RLIMIT_NOFILE"), "err: %s", err);
}
END_TEST

/* Pairs alternate between the addresses that are up; one that is not an
 * address of this router is skipped, and nothing fails while a pair is
 * free on the others. */
START_TEST(several_external_addresses)
{
	struct natport_pm_config c = cfg;
	struct natport_pm_stats st;
	struct natport_mapping m[9];
	struct natport_mapping_req r;
	struct natport_endpoint remote;
	struct natport_pm *pm;
	char err[256], ep[32];
	int i, on1 = 0, on2 = 0;

	ck_assert_int_eq(system("ip addr add 198.51.100.2/24 dev np0"), 0);
	natport_endpoint_parse("198.51.100.2", &c.external_more[0]);
	natport_endpoint_parse("203.0.113.9", &c.external_more[1]); /* down */
	c.n_external_more = 2;
	pm = natport_pm_open(&c, err, sizeof(err));
	ck_assert_msg(pm != NULL, "open: %s", err);
	natport_pm_get_stats(pm, &st);
	ck_assert_uint_eq(st.external_addrs, 3);
	ck_assert_uint_eq(st.capacity, 24);
	for (i = 0; i < 8; i++) {
		snprintf(ep, sizeof(ep), "192.0.2.10:%d", 5000 + 2 * i);
		r = req(NATPORT_PORT_AUDIO_RTP, ep, "198.51.100.20:6000");
		ck_assert_msg(natport_pm_get_mapping(pm, &r, &m[i]) == 0,
			      "mapping %d: %s", i, natport_pm_last_error(pm));
		if (m[i].external.addr.v4.s_addr == htonl(0xc6336401))
			on1++;
		else if (m[i].external.addr.v4.s_addr == htonl(0xc6336402))
			on2++;
		ck_assert_int_eq(m[i].state, NATPORT_MAP_ACTIVE);
	}
	/* every pair of both addresses that are up, none of the third */
	ck_assert_int_eq(on1, 4);
	ck_assert_int_eq(on2, 4);
	r = req(NATPORT_PORT_AUDIO_RTP, "192.0.2.10:5100", NULL);
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m[8]),
			 -NATPORT_E_NOPORT);
	natport_pm_get_stats(pm, &st);
	ck_assert_uint_eq(st.mappings_active, 8);
	/* update_remote finds a mapping by address and port */
	for (i = 0; i < 8; i++)
		if (m[i].external.addr.v4.s_addr == htonl(0xc6336402))
			break;
	natport_endpoint_parse("198.51.100.20:6100", &remote);
	ck_assert_int_eq(
		natport_pm_update_remote(pm, &m[i].external, &remote, NULL), 0);
	ck_assert_int_eq(conntrack_count("0x4e000000/0xff000000"), 8);
	ck_assert_int_eq(natport_pm_release_id(pm, m[0].id), 0);
	ck_assert_int_eq(natport_pm_release_id(pm, m[1].id), 0);
	natport_pm_get_stats(pm, &st);
	ck_assert_uint_eq(st.mappings_active, 6);
	ck_assert_uint_eq(st.mappings, 6);
	natport_pm_close(pm);
	ck_assert_int_eq(conntrack_count("0x4e000000/0xff000000"), 0);
	ck_assert_int_eq(system("ip addr del 198.51.100.2/24 dev np0"), 0);
}
END_TEST

/* release_many: one netlink batch for many mappings; unknown ids get
 * NOENT and change nothing else. */
START_TEST(release_many)
{
	struct natport_pm_config c = cfg;
	struct natport_mapping m;
	struct natport_mapping_req r;
	struct natport_pm_stats st;
	struct natport_pm *pm;
	uint32_t ids[101];
	int res[101], i;
	char err[256], ep[32];

	c.port_max = 31000 + 199; /* 100 pairs */
	pm = natport_pm_open(&c, err, sizeof(err));
	ck_assert_msg(pm != NULL, "open: %s", err);
	for (i = 0; i < 100; i++) {
		snprintf(ep, sizeof(ep), "192.0.2.%d:4000", 10 + i);
		r = req(NATPORT_PORT_AUDIO_RTP, ep, "198.51.100.20:6000");
		ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), 0);
		ids[i] = m.id;
	}
	ids[100] = 99999;
	ck_assert_int_eq(conntrack_count("0x4e000000/0xff000000"), 100);
	ck_assert_int_eq(natport_pm_release_many(pm, ids, 101, res),
			 -NATPORT_E_NOENT);
	ck_assert_int_eq(res[0], 0);
	ck_assert_int_eq(res[99], 0);
	ck_assert_int_eq(res[100], -NATPORT_E_NOENT);
	ck_assert_int_eq(conntrack_count("0x4e000000/0xff000000"), 0);
	natport_pm_get_stats(pm, &st);
	ck_assert_uint_eq(st.mappings, 0);
	ck_assert_uint_eq(st.mappings_active, 0);
	ck_assert_uint_eq(st.released, 100);
	natport_pm_close(pm);
}
END_TEST

/* get_mapping_many: entries made 64 to a round trip, each request with its
 * own outcome; a refused request and a clash change nothing for the rest,
 * an RTCP request finds the RTP one queued just before it, a mapping
 * asked for twice is found again, and releasing it all gives every port
 * back. */
static void count_events(const struct natport_event *ev, void *arg)
{
	((unsigned int *)arg)[ev->type]++;
}

START_TEST(get_mapping_many)
{
	unsigned int ev[NATPORT_EV_RULESET + 1] = { 0 };
	struct natport_pm_config c = cfg;
	struct natport_mapping_req r[144];
	struct natport_mapping out[144];
	struct natport_pm_stats st0, st;
	struct natport_pm *pm;
	uint32_t ids[144];
	int res[144], i, nid = 0;
	char err[256], ep[32];

	c.port_max = 31000 + 199; /* 100 pairs */
	pm = natport_pm_open(&c, err, sizeof(err));
	ck_assert_msg(pm != NULL, "open: %s", err);
	natport_pm_get_stats(pm, &st0);
	natport_pm_set_event_cb(pm, count_events, ev);
	for (i = 0; i < 140; i++) {
		snprintf(ep, sizeof(ep), "192.0.2.%d:%d", 10 + i / 2,
			 4000 + (i & 1));
		r[i] = req(i & 1 ? NATPORT_PORT_AUDIO_RTCP :
				   NATPORT_PORT_AUDIO_RTP,
			   ep, i & 1 ? "198.51.100.20:6001" :
				       "198.51.100.20:6000");
	}
	/* refused by the checks: odd RTP port, internal outside the LAN */
	r[140] = req(NATPORT_PORT_AUDIO_RTP, "192.0.2.200:4001",
		     "198.51.100.20:6000");
	r[141] = req(NATPORT_PORT_AUDIO_RTP, "203.0.113.5:4000",
		     "198.51.100.20:6000");
	/* an RTP of the last batch again, while its create is still
	 * queued: found, not made twice */
	r[142] = r[138];
	/* held: no remote yet, no entry */
	r[143] = req(NATPORT_PORT_VIDEO_RTP, "192.0.2.201:5000", NULL);
	/* a clash: the remote's packets to the port call 3's RTP will get
	 * (the 4th fresh pair: 31006) are tracked already */
	ck_assert_int_eq(
		system("conntrack -I -p udp -s 198.51.100.20 -d 198.51.100.1 --sport 6000 --dport 31006 -t 100 >/dev/null 2>&1"),
		0);
	ck_assert_int_eq(natport_pm_get_mapping_many(pm, r, 144, out, res),
			 -NATPORT_E_INVAL);
	ck_assert_str_eq(natport_pm_last_error(pm),
			 "internal RTP port 4001 is odd (RFC 3550 section 11)");
	for (i = 0; i < 140; i++) {
		ck_assert_msg(res[i] == 0, "request %d: %d", i, res[i]);
		ck_assert_int_eq(out[i].state, NATPORT_MAP_ACTIVE);
		if (i & 1) /* the RTCP of the same pair */
			ck_assert_uint_eq(out[i].external.port,
					  out[i - 1].external.port + 1);
		ids[nid++] = out[i].id;
	}
	ck_assert_uint_eq(out[6].external.port, 31006);
	ck_assert_int_eq(res[140], -NATPORT_E_INVAL);
	ck_assert_int_eq(res[141], -NATPORT_E_BADADDR);
	ck_assert_uint_eq(out[141].id, 0);
	ck_assert_int_eq(res[142], 0);
	ck_assert_uint_eq(out[142].id, out[138].id);
	ck_assert_int_eq(res[143], 0);
	ck_assert_int_eq(out[143].state, NATPORT_MAP_HELD);
	ids[nid++] = out[143].id;
	ck_assert_int_eq(conntrack_count("0x4e000000/0xff000000"), 140);
	natport_pm_get_stats(pm, &st);
	ck_assert_uint_eq(st.mappings, 141);
	ck_assert_uint_eq(st.mappings_active, 140);
	ck_assert_uint_eq(st.created, 141);
	ck_assert_uint_eq(st.clashes_removed, 1);
	/* one entry each: the request made twice replaced nothing */
	ck_assert_uint_eq(ev[NATPORT_EV_CREATED], 141);
	ck_assert_uint_eq(ev[NATPORT_EV_REMOTE], 140);
	ck_assert_int_eq(natport_pm_release_many(pm, ids, nid, NULL), 0);
	ck_assert_int_eq(conntrack_count("0x4e000000/0xff000000"), 0);
	natport_pm_get_stats(pm, &st);
	ck_assert_uint_eq(st.mappings, 0);
	ck_assert_uint_eq(st.ports_free + st.ports_quarantined,
			  st0.ports_free);
	natport_pm_close(pm);
}
END_TEST

/* The kernel counters in the stats are sums the scans keep, not a dump:
 * packets through a mapping show there after a scan, and leave with the
 * mapping. The remote is made a local address only after the mapping
 * (the policy refuses the router's own), so the test's own datagrams
 * meet the entry in OUTPUT. */
START_TEST(kernel_counters_summed)
{
	struct natport_pm_config c = cfg;
	struct natport_mapping_req r = req(NATPORT_PORT_AUDIO_RTP,
					   "192.0.2.10:4000",
					   "198.51.100.20:6000");
	struct sockaddr_in src = { .sin_family = AF_INET,
				   .sin_port = htons(6000) };
	struct sockaddr_in dst = { .sin_family = AF_INET };
	struct natport_pm_stats st;
	struct natport_mapping m;
	struct natport_pm *pm;
	char err[256];
	int fd, i, one = 1;
	double until;

	c.refresh_ms = 200;
	pm = natport_pm_open(&c, err, sizeof(err));
	ck_assert_msg(pm != NULL, "open: %s", err);
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), 0);
	ck_assert_int_eq(system("ip addr add 198.51.100.20/24 dev np0"), 0);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	inet_pton(AF_INET, "198.51.100.20", &src.sin_addr);
	dst.sin_addr = m.external.addr.v4;
	dst.sin_port = htons(m.external.port);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&src, sizeof(src)), 0);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(sendto(fd, "0123456789", 10, 0,
					(struct sockaddr *)&dst, sizeof(dst)),
				 10);
	close(fd);
	/* two scans at most */
	until = now_s() + 3;
	do {
		struct pollfd p = { .fd = natport_pm_fd(pm), .events = POLLIN };

		if (poll(&p, 1, 50) > 0)
			natport_pm_dispatch(pm);
		natport_pm_get_stats(pm, &st);
	} while (st.kernel.pkts_in < 10 && now_s() < until);
	ck_assert_uint_eq(st.kernel.pkts_in, 10);
	ck_assert_uint_eq(st.kernel.bytes_in, 10 * (20 + 8 + 10));
	ck_assert_uint_eq(st.kernel.pkts_out, 0);
	ck_assert_int_eq(natport_pm_release_id(pm, m.id), 0);
	natport_pm_get_stats(pm, &st);
	ck_assert_uint_eq(st.kernel.pkts_in, 0);
	ck_assert_uint_eq(st.kernel.bytes_in, 0);
	ck_assert_int_eq(system("ip addr del 198.51.100.20/24 dev np0"), 0);
	natport_pm_close(pm);
}
END_TEST

/* Many entries gone at once (conntrack -D, or a scan that came late on
 * a busy machine): their DESTROY events are read 64 to a dispatch and the
 * entries re-created in batches, every one. */
START_TEST(restored_in_batches)
{
	struct natport_pm_config c = cfg;
	struct natport_mapping_req r[200];
	struct natport_mapping out[200];
	struct natport_pm_stats st;
	struct natport_pm *pm;
	unsigned long dispatches = 0;
	char err[256], ep[32];
	double until;
	int i;

	c.port_max = 31000 + 399; /* 200 pairs */
	pm = natport_pm_open(&c, err, sizeof(err));
	ck_assert_msg(pm != NULL, "open: %s", err);
	for (i = 0; i < 200; i++) {
		snprintf(ep, sizeof(ep), "192.0.2.%d:4000", 10 + i);
		r[i] = req(NATPORT_PORT_AUDIO_RTP, ep, "198.51.100.20:6000");
	}
	ck_assert_int_eq(natport_pm_get_mapping_many(pm, r, 200, out, NULL),
			 0);
	ck_assert_int_eq(conntrack_count("0x4e000000/0xff000000"), 200);
	ck_assert_int_eq(
		system("conntrack -D -m 0x4e000000/0xff000000 >/dev/null 2>&1"),
		0);
	until = now_s() + 5;
	do {
		struct pollfd p = { .fd = natport_pm_fd(pm), .events = POLLIN };

		if (poll(&p, 1, 50) > 0) {
			natport_pm_dispatch(pm);
			dispatches++;
		}
		natport_pm_get_stats(pm, &st);
	} while (st.kernel_restored < 200 && now_s() < until);
	ck_assert_uint_eq(st.kernel_destroyed, 200);
	ck_assert_uint_eq(st.kernel_restored, 200);
	ck_assert_uint_ge(dispatches, 200 / 64);
	ck_assert_uint_eq(st.mappings_active, 200);
	ck_assert_int_eq(conntrack_count("0x4e000000/0xff000000"), 200);
	natport_pm_close(pm);
}
END_TEST

/* Silent entries whose timeout runs low are refreshed by the handle's
 * refresher thread (natport.h "Lifetime"), not from inside dispatch:
 * every one of them, with the thread there to do it, and the event loop
 * taking the answers back. */
static int threads(void)
{
	DIR *d = opendir("/proc/self/task");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n - 2;
}

START_TEST(refreshed_from_the_refresher)
{
	struct natport_pm_config c = cfg;
	struct natport_mapping_req r[200];
	struct natport_mapping out[200];
	struct natport_pm_stats st;
	struct natport_pm *pm;
	char err[256], ep[32];
	double until;
	int i;

	c.port_max = 31000 + 399; /* 200 pairs */
	c.refresh_ms = 200;
	pm = natport_pm_open(&c, err, sizeof(err));
	ck_assert_msg(pm != NULL, "open: %s", err);
	ck_assert_int_eq(threads(), 1);
	for (i = 0; i < 200; i++) {
		snprintf(ep, sizeof(ep), "192.0.2.%d:4000", 10 + i);
		r[i] = req(NATPORT_PORT_AUDIO_RTP, ep, "198.51.100.20:6000");
	}
	ck_assert_int_eq(natport_pm_get_mapping_many(pm, r, 200, out, NULL), 0);
	/* every entry's timeout down to 3 s, under the refresh margin */
	ck_assert_int_eq(system("conntrack -U -p udp -s 198.51.100.20 -t 3 "
				">/dev/null 2>&1"),
			 0);
	until = now_s() + 10;
	do {
		struct pollfd p = { .fd = natport_pm_fd(pm), .events = POLLIN };

		if (poll(&p, 1, 50) > 0)
			natport_pm_dispatch(pm);
		natport_pm_get_stats(pm, &st);
	} while (st.refreshes < 200 && now_s() < until);
	ck_assert_uint_ge(st.refreshes, 200);
	ck_assert_int_eq(threads(), 2);
	ck_assert_uint_eq(st.kernel_restored, 0);
	ck_assert_uint_eq(st.mappings_active, 200);
	/* all there, with their timeout pushed up again */
	ck_assert_int_eq(conntrack_count("0x4e000000/0xff000000"), 200);
	ck_assert_int_eq(
		system("conntrack -L -p udp -m 0x4e000000/0xff000000 2>/dev/null"
		       " | awk '$3 < 10 { bad++ } END { exit bad > 0 }'"),
		0);
	natport_pm_close(pm);
	ck_assert_int_eq(threads(), 1);
	ck_assert_int_eq(conntrack_count("0x4e000000/0xff000000"), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pm_scale");
	TCase *tc = tcase_create("kernel");

	netns_unit_enter();
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, mark_scheme);
	tcase_add_test(tc, old_format_entries_recognised);
	tcase_add_test(tc, limits_refused_or_clamped);
	tcase_add_test(tc, several_external_addresses);
	tcase_add_test(tc, release_many);
	tcase_add_test(tc, get_mapping_many);
	tcase_add_test(tc, kernel_counters_summed);
	tcase_add_test(tc, restored_in_batches);
	tcase_add_test(tc, refreshed_from_the_refresher);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
