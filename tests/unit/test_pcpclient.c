// SPDX-License-Identifier: GPL-2.0-or-later
/* test_pcpclient.c - the application-side client against a tiny PCP
 * responder made of the server logic (pcpsrv) over real UDP sockets, in a
 * private network namespace: a pair, PEER, release, renewal, the
 * router's restart, NAT-PMP fallback, silence. Time runs 100 times faster
 * (a protocol second is 10 ms) so renewals of 120 s leases fit a test. */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <natport/pcp.h>

#include "netns_unit.h"
#include "pcp_fake.h"
#include "pcpclient.h"
#include "unit_main.h"

#define SCALE 10 /* ms per protocol second */
#define SRV "192.0.2.1:15351"

static struct natport_endpoint ep(const char *s)
{
	struct natport_endpoint e;

	ck_assert_msg(natport_endpoint_parse(s, &e) == 0, "parse %s", s);
	return e;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The responder: one thread owns the server and its fake port manager. */
static struct {
	int fd, stop, restart, silent;
	int unsolicited; /* 1: delete the lease, 2: move its port; tell */
	struct natport_pcpsrv srv;
	struct natport_pcpsrv_config cfg;
	struct natport_policy pol;
	struct fake_pm fpm;
	pthread_t th;
	pthread_mutex_t mu;
	unsigned int maps_seen;
	struct natport_endpoint last_client;
} R;

static uint64_t srv_now(void)
{
	return mono_ms() * (1000 / SCALE); /* server ms in protocol time */
}

static void *responder(void *arg)
{
	while (!R.stop) {
		uint8_t b[2048], out[NATPORT_PCP_MAX_LEN];
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct pollfd p = { .fd = R.fd, .events = POLLIN };
		struct natport_endpoint src;
		ssize_t n;
		int r;

		pthread_mutex_lock(&R.mu);
		if (R.restart) {
			/* lose every lease, start a new epoch, announce */
			struct sockaddr_storage cs;
			socklen_t cl;

			R.restart = 0;
			natport_pcpsrv_uninit(&R.srv);
			natport_pcpsrv_init(&R.srv, &R.cfg, &fake_ops, &R.fpm,
					    srv_now());
			r = natport_pcpsrv_announce(&R.srv, srv_now(), out,
						    sizeof(out));
			cl = natport_endpoint_to_sockaddr(&R.last_client, &cs);
			sendto(R.fd, out, r, 0, (struct sockaddr *)&cs, cl);
		}
		if (R.unsolicited) {
			/* RFC 6887 section 14.2, as nat-portd does it when an
			 * operator deletes a lease or its port changes */
			struct natport_pcplease *l =
				natport_pcplease_next(&R.srv.leases, NULL);
			struct sockaddr_storage cs;
			socklen_t cl;

			if (l) {
				if (R.unsolicited == 2) {
					l->external.port += 10;
					R.fpm.used[l->external.port -
						   FAKE_BASE] = 1;
				}
				r = natport_pcpsrv_unsolicited(
					&R.srv, l, R.unsolicited == 1,
					srv_now(), out, sizeof(out));
				cl = natport_endpoint_to_sockaddr(&l->client,
								  &cs);
				sendto(R.fd, out, r, 0, (struct sockaddr *)&cs,
				       cl);
				if (R.unsolicited == 1) {
					R.fpm.live--;
					R.fpm.used[l->external.port -
						   FAKE_BASE] = 0;
					natport_pcplease_del(&R.srv.leases, l);
				}
			}
			R.unsolicited = 0;
		}
		natport_pcpsrv_expire(&R.srv, srv_now());
		pthread_mutex_unlock(&R.mu);
		if (poll(&p, 1, 5) <= 0)
			continue;
		n = recvfrom(R.fd, b, sizeof(b), 0, (struct sockaddr *)&ss,
			     &sl);
		if (n < 0)
			continue;
		natport_endpoint_from_sockaddr(&ss, &src);
		pthread_mutex_lock(&R.mu);
		R.last_client = src;
		if (n > 1 && b[1] == NATPORT_PCP_OP_MAP)
			R.maps_seen++;
		if (R.silent) {
			pthread_mutex_unlock(&R.mu);
			continue;
		}
		r = natport_pcpsrv_handle(&R.srv, b, n, &src, srv_now(), out,
					  sizeof(out));
		pthread_mutex_unlock(&R.mu);
		if (r > 0)
			sendto(R.fd, out, r, 0, (struct sockaddr *)&ss, sl);
	}
	return NULL;
}

static void responder_start(int no_pcp)
{
	struct natport_endpoint a = ep(SRV);
	struct sockaddr_storage ss;
	socklen_t sl = natport_endpoint_to_sockaddr(&a, &ss);
	struct natport_prefix lan;

	memset(&R, 0, sizeof(R));
	pthread_mutex_init(&R.mu, NULL);
	R.fpm.ext = ep("198.51.100.1");
	natport_policy_init(&R.pol);
	natport_prefix_parse("192.0.2.0/24", &lan);
	natport_policy_add_lan(&R.pol, &lan);
	natport_policy_add_own(&R.pol, &a);
	R.cfg.external = R.fpm.ext;
	R.cfg.policy = &R.pol;
	R.cfg.no_pcp = no_pcp;
	ck_assert_int_eq(natport_pcpsrv_init(&R.srv, &R.cfg, &fake_ops, &R.fpm,
					     srv_now()),
			 0);
	R.fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_eq(bind(R.fd, (struct sockaddr *)&ss, sl), 0);
	ck_assert_int_eq(pthread_create(&R.th, NULL, responder, NULL), 0);
}

static void responder_stop(void)
{
	R.stop = 1;
	pthread_join(R.th, NULL);
	close(R.fd);
	natport_pcpsrv_uninit(&R.srv);
}

static unsigned int live(void)
{
	unsigned int n;

	pthread_mutex_lock(&R.mu);
	n = R.fpm.live;
	pthread_mutex_unlock(&R.mu);
	return n;
}

static struct natport_pcp *client(uint32_t timeout_ms)
{
	struct natport_pcp_config cfg = { 0 };
	struct natport_pcp *c;
	char err[128];

	cfg.server = ep(SRV);
	cfg.local = ep("192.0.2.10");
	cfg.lifetime = 120;
	cfg.timeout_ms = timeout_ms;
	c = natport_pcp_open(&cfg, err, sizeof(err));
	ck_assert_msg(c, "open: %s", err);
	natport_pcp_set_scale(c, SCALE);
	return c;
}

static void setup(void)
{
	netns_unit_enter();
	ck_assert_int_eq(system("ip addr add 192.0.2.10/24 dev np0"), 0);
}

static unsigned int events[5];

static void on_event(const struct natport_pcp_event *ev, void *arg)
{
	events[ev->type]++;
}

/* Run the client's fd for ms. */
static void run(struct natport_pcp *c, unsigned int ms)
{
	uint64_t end = mono_ms() + ms;

	while (mono_ms() < end) {
		struct pollfd p = { .fd = natport_pcp_fd(c), .events = POLLIN };

		if (poll(&p, 1, 10) > 0)
			natport_pcp_dispatch(c);
	}
}

START_TEST(pair_peer_release)
{
	struct natport_pcp *c;
	struct natport_pcp_mapping m, m2;
	struct natport_endpoint remote = ep("203.0.113.7:7000");

	responder_start(0);
	c = client(2000);
	ck_assert_int_eq(natport_pcp_get_mapping(c, 5000, 1, &m), 0);
	ck_assert_int_eq(natport_pcp_protocol(c), NATPORT_PCP_PROTO_PCP);
	ck_assert_uint_eq(m.rtcp, 1);
	ck_assert_uint_eq(m.internal.port, 5000);
	ck_assert_uint_eq(m.external.port % 2, 0);
	ck_assert(natport_endpoint_addr_equal(&m.external, &R.fpm.ext));
	ck_assert_uint_eq(m.lifetime, 120);
	ck_assert_uint_eq(live(), 2);
	/* the router's leases are the pair, adjacent */
	pthread_mutex_lock(&R.mu);
	{
		struct natport_endpoint in = ep("192.0.2.10:5001");
		struct natport_pcplease *l =
			natport_pcplease_find(&R.srv.leases, 17, &in);

		ck_assert(l);
		ck_assert_uint_eq(l->external.port, m.external.port + 1);
		ck_assert_uint_eq(l->kind, NATPORT_PCPLEASE_RTCP);
	}
	pthread_mutex_unlock(&R.mu);
	ck_assert_int_eq(natport_pcp_update_remote(c, m.id, &remote, &m2), 0);
	ck_assert(natport_endpoint_equal(&m2.remote, &remote));
	pthread_mutex_lock(&R.mu);
	ck_assert_uint_eq(R.fpm.peers, 2); /* RTP and RTCP */
	ck_assert_uint_eq(R.fpm.last_peer.port, 7001);
	pthread_mutex_unlock(&R.mu);
	ck_assert_int_eq(natport_pcp_release(c, m.id), 0);
	ck_assert_uint_eq(live(), 0);
	ck_assert_int_eq(natport_pcp_release(c, m.id), -NATPORT_E_NOENT);
	ck_assert_int_eq(natport_pcp_get_mapping(c, 5001, 1, &m),
			 -NATPORT_E_INVAL);
	natport_pcp_close(c);
	responder_stop();
}
END_TEST

START_TEST(renewal_and_restart)
{
	struct natport_pcp *c;
	struct natport_pcp_mapping m;
	unsigned int before;

	responder_start(0);
	c = client(2000);
	natport_pcp_set_event_cb(c, on_event, NULL);
	ck_assert_int_eq(natport_pcp_get_mapping(c, 6000, 0, &m), 0);
	before = R.maps_seen;
	/* 120 protocol seconds = 1.2 s; renewal at 0.6-0.75 s */
	run(c, 500);
	ck_assert_uint_eq(R.maps_seen, before);
	run(c, 400);
	ck_assert_uint_ge(R.maps_seen, before + 1);
	ck_assert_uint_ge(events[NATPORT_PCP_EV_RENEWED], 1);
	/* past the first lifetime, still held */
	run(c, 1000);
	ck_assert_uint_eq(live(), 1);
	/* the router restarts: leases gone, ANNOUNCE sent */
	pthread_mutex_lock(&R.mu);
	R.restart = 1;
	pthread_mutex_unlock(&R.mu);
	run(c, 300);
	ck_assert_uint_eq(events[NATPORT_PCP_EV_RESTART], 1);
	ck_assert_uint_eq(live(), 1); /* re-requested */
	ck_assert_int_eq(natport_pcp_release(c, m.id), 0);
	ck_assert_uint_eq(live(), 0);
	natport_pcp_close(c);
	responder_stop();
}
END_TEST

/* Unsolicited responses (RFC 6887 section 14.2): a new external port is
 * taken and reported CHANGED; a lifetime of 0 for a mapping the client
 * holds (an operator deleted it) is LOST and not asked for again. */
START_TEST(unsolicited)
{
	struct natport_pcp *c;
	struct natport_pcp_mapping m, now;
	unsigned int before;

	memset(events, 0, sizeof(events));
	responder_start(0);
	c = client(2000);
	natport_pcp_set_event_cb(c, on_event, NULL);
	ck_assert_int_eq(natport_pcp_get_mapping(c, 6000, 0, &m), 0);
	pthread_mutex_lock(&R.mu);
	R.unsolicited = 2;
	pthread_mutex_unlock(&R.mu);
	run(c, 200);
	ck_assert_uint_eq(events[NATPORT_PCP_EV_CHANGED], 1);
	ck_assert_int_eq(natport_pcp_lookup(c, m.id, &now), 0);
	ck_assert_uint_eq(now.external.port, m.external.port + 10);
	pthread_mutex_lock(&R.mu);
	R.unsolicited = 1;
	pthread_mutex_unlock(&R.mu);
	run(c, 200);
	ck_assert_uint_eq(events[NATPORT_PCP_EV_LOST], 1);
	ck_assert_int_eq(natport_pcp_lookup(c, m.id, &now), -NATPORT_E_NOENT);
	before = R.maps_seen;
	run(c, 1500); /* past the renewal time: nothing asked again */
	ck_assert_uint_eq(R.maps_seen, before);
	ck_assert_uint_eq(live(), 0);
	/* a pair with one half deleted: DELETED, the other half renewed */
	ck_assert_int_eq(natport_pcp_get_mapping(c, 6002, 1, &m), 0);
	pthread_mutex_lock(&R.mu);
	R.unsolicited = 1; /* the first lease: RTP */
	pthread_mutex_unlock(&R.mu);
	run(c, 200);
	ck_assert_uint_eq(events[NATPORT_PCP_EV_DELETED], 1);
	ck_assert_uint_eq(live(), 1);
	before = R.maps_seen;
	run(c, 1000);
	ck_assert_uint_gt(R.maps_seen, before);
	ck_assert_uint_eq(live(), 1);
	ck_assert_int_eq(natport_pcp_release(c, m.id), 0);
	ck_assert_uint_eq(live(), 0);
	natport_pcp_close(c);
	responder_stop();
}
END_TEST

START_TEST(natpmp_fallback)
{
	struct natport_pcp *c;
	struct natport_pcp_mapping m;
	struct natport_endpoint remote = ep("203.0.113.7:7000");

	responder_start(1); /* a NAT-PMP-only router */
	c = client(3000);
	ck_assert_int_eq(natport_pcp_get_mapping(c, 5000, 1, &m), 0);
	ck_assert_int_eq(natport_pcp_protocol(c), NATPORT_PCP_PROTO_NATPMP);
	ck_assert_uint_eq(m.external.port % 2, 0);
	ck_assert(natport_endpoint_addr_equal(&m.external, &R.fpm.ext));
	ck_assert_uint_eq(live(), 2);
	/* no PEER in NAT-PMP: recorded only */
	ck_assert_int_eq(natport_pcp_update_remote(c, m.id, &remote, &m), 0);
	ck_assert_uint_eq(R.fpm.peers, 0);
	ck_assert_int_eq(natport_pcp_release(c, m.id), 0);
	ck_assert_uint_eq(live(), 0);
	natport_pcp_close(c);
	responder_stop();
}
END_TEST

START_TEST(silent_router)
{
	struct natport_pcp *c;
	struct natport_pcp_mapping m;
	uint64_t t0;

	responder_start(0);
	R.silent = 1;
	c = client(700);
	t0 = mono_ms();
	ck_assert_int_eq(natport_pcp_get_mapping(c, 5000, 0, &m), -ETIMEDOUT);
	ck_assert_uint_ge(mono_ms() - t0, 690);
	/* IRT 3 protocol s = 30 ms, doubling: several sends in 700 ms */
	ck_assert_uint_ge(R.maps_seen, 3);
	ck_assert_uint_le(R.maps_seen, 6);
	ck_assert_ptr_nonnull(strstr(natport_pcp_last_error(c), "no answer"));
	natport_pcp_close(c);
	responder_stop();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("pcpclient");
	TCase *tc = tcase_create("client");

	tcase_add_unchecked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, pair_peer_release);
	tcase_add_test(tc, renewal_and_restart);
	tcase_add_test(tc, unsolicited);
	tcase_add_test(tc, natpmp_fallback);
	tcase_add_test(tc, silent_router);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(suite());
}
