// SPDX-License-Identifier: GPL-2.0-or-later
/* test_pcpsrv.c - the router's PCP/NAT-PMP request processor, one test per
 * rule: lifetimes, delete, nonce, address mismatch, THIRD_PARTY, epoch,
 * PREFER_FAILURE, FILTER, RTP parity, PEER, expiry, quotas, NAT-PMP. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pcp_fake.h"
#include "unit_main.h"

static struct natport_endpoint ep(const char *s)
{
	struct natport_endpoint e;

	ck_assert_msg(natport_endpoint_parse(s, &e) == 0, "parse %s", s);
	return e;
}

static struct natport_pcpsrv srv;
static struct natport_policy pol;
static struct fake_pm fpm;
static struct natport_pcpsrv_config cfg;

static void start(void)
{
	struct natport_prefix lan;

	memset(&fpm, 0, sizeof(fpm));
	fpm.ext = ep("198.51.100.1");
	natport_policy_init(&pol);
	natport_prefix_parse("192.0.2.0/24", &lan);
	natport_policy_add_lan(&pol, &lan);
	ck_assert_int_eq(natport_pcpsrv_init(&srv, &cfg, &fake_ops, &fpm, 0), 0);
}

static void setup(void)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.external = ep("198.51.100.1");
	cfg.policy = &pol;
	start();
}

static void teardown(void)
{
	natport_pcpsrv_uninit(&srv);
	ck_assert_uint_eq(fpm.live, 0);
}

static struct natport_pcp_msg req(uint8_t op, uint16_t port, uint32_t lt)
{
	struct natport_pcp_msg m = { 0 };

	m.opcode = op;
	m.lifetime = lt;
	m.client = ep("192.0.2.10");
	memcpy(m.nonce, "nonce-A-1234", 12);
	m.protocol = NATPORT_PCP_PROTO_UDP;
	m.internal_port = port;
	if (op == NATPORT_PCP_OP_PEER)
		m.peer = ep("203.0.113.7:7000");
	return m;
}

/* Send m from src at now (ms); the decoded response. */
static struct natport_pcp_msg send_from(const struct natport_pcp_msg *m,
					const char *src, uint64_t now)
{
	uint8_t b[NATPORT_PCP_MAX_LEN], out[NATPORT_PCP_MAX_LEN];
	struct natport_endpoint s = ep(src);
	struct natport_pcp_msg r;
	int n = natport_pcpmsg_encode(m, b, sizeof(b));

	ck_assert_int_gt(n, 0);
	n = natport_pcpsrv_handle(&srv, b, n, &s, now, out, sizeof(out));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(natport_pcpmsg_decode_response(out, n, &r), 0);
	return r;
}

static struct natport_pcp_msg ask(const struct natport_pcp_msg *m,
				   uint64_t now)
{
	return send_from(m, "192.0.2.10:5350", now);
}

START_TEST(config_bounds)
{
	struct natport_pcpsrv s;
	struct natport_pcpsrv_config c = cfg;

	c.min_lifetime = 119; /* section 15: at least 120 s */
	ck_assert_int_eq(natport_pcpsrv_init(&s, &c, &fake_ops, &fpm, 0),
			 -EINVAL);
	c.min_lifetime = 600;
	c.max_lifetime = 300;
	ck_assert_int_eq(natport_pcpsrv_init(&s, &c, &fake_ops, &fpm, 0),
			 -EINVAL);
	c = cfg;
	c.external = ep("2001:db8::1");
	ck_assert_int_eq(natport_pcpsrv_init(&s, &c, &fake_ops, &fpm, 0),
			 -EINVAL);
}
END_TEST

START_TEST(lifetime_clamped)
{
	struct natport_pcp_msg m = req(NATPORT_PCP_OP_MAP, 5000, 10), r;

	r = ask(&m, 0);
	ck_assert_uint_eq(r.result, 0);
	ck_assert_uint_eq(r.lifetime, 120);
	m.lifetime = 1000000;
	r = ask(&m, 0);
	ck_assert_uint_eq(r.lifetime, 7200);
	m.lifetime = 3600;
	r = ask(&m, 0);
	ck_assert_uint_eq(r.lifetime, 3600);
	ck_assert_uint_eq(fpm.maps, 1); /* refreshes, one mapping */
}
END_TEST

START_TEST(lifetime_zero_deletes)
{
	struct natport_pcp_msg m = req(NATPORT_PCP_OP_MAP, 5000, 3600), r;

	r = ask(&m, 0);
	ck_assert_uint_eq(fpm.live, 1);
	m.lifetime = 0;
	r = ask(&m, 0);
	ck_assert_uint_eq(r.result, 0);
	ck_assert_uint_eq(r.lifetime, 0);
	ck_assert_uint_eq(fpm.live, 0);
	ck_assert_uint_eq(srv.leases.n, 0);
	r = ask(&m, 0); /* again: nothing to delete, still SUCCESS */
	ck_assert_uint_eq(r.result, 0);
	/* internal port 0: all of this owner's leases */
	m = req(NATPORT_PCP_OP_MAP, 5000, 3600);
	ask(&m, 0);
	m.internal_port = 5003;
	ask(&m, 0);
	ck_assert_uint_eq(fpm.live, 2);
	m.internal_port = 0;
	m.lifetime = 0;
	r = ask(&m, 0);
	ck_assert_uint_eq(r.result, 0);
	ck_assert_uint_eq(fpm.live, 0);
}
END_TEST

START_TEST(nonce_is_owner)
{
	struct natport_pcp_msg m = req(NATPORT_PCP_OP_MAP, 5000, 3600), r;

	ask(&m, 0);
	memcpy(m.nonce, "nonce-B-9999", 12);
	r = ask(&m, 0);
	ck_assert_uint_eq(r.result, NATPORT_PCP_NOT_AUTHORIZED);
	ck_assert_uint_eq(r.lifetime, 1800); /* a long-lifetime error */
	m.lifetime = 0;
	r = ask(&m, 0);
	ck_assert_uint_eq(r.result, NATPORT_PCP_NOT_AUTHORIZED);
	ck_assert_uint_eq(fpm.live, 1);
}
END_TEST

START_TEST(address_mismatch)
{
	struct natport_pcp_msg m = req(NATPORT_PCP_OP_MAP, 5000, 3600), r;

	r = send_from(&m, "192.0.2.11:5350", 0);
	ck_assert_uint_eq(r.result, NATPORT_PCP_ADDRESS_MISMATCH);
	/* a client outside the LAN is not authorized even if it matches */
	m.client = ep("203.0.113.5");
	r = send_from(&m, "203.0.113.5:5350", 0);
	ck_assert_uint_eq(r.result, NATPORT_PCP_NOT_AUTHORIZED);
	ck_assert_uint_eq(fpm.maps, 0);
}
END_TEST

START_TEST(third_party)
{
	struct natport_pcp_msg m = req(NATPORT_PCP_OP_MAP, 5000, 3600), r;
	struct natport_pcplease *l;

	m.has_third_party = 1;
	m.third_party = ep("192.0.2.20");
	r = ask(&m, 0);
	ck_assert_uint_eq(r.result, NATPORT_PCP_UNSUPP_OPTION);
	natport_pcpsrv_uninit(&srv);
	cfg.third_party = 1;
	start();
	r = ask(&m, 0);
	ck_assert_uint_eq(r.result, 0);
	ck_assert_uint_eq(r.has_third_party, 1); /* echoed */
	l = natport_pcplease_next(&srv.leases, NULL);
	ck_assert(natport_endpoint_addr_equal(&l->internal, &m.third_party));
	m.third_party = ep("203.0.113.5"); /* only LAN addresses */
	m.internal_port = 5002;
	r = ask(&m, 0);
	ck_assert_uint_eq(r.result, NATPORT_PCP_NOT_AUTHORIZED);
	m.third_party = ep("127.0.0.1");
	r = ask(&m, 0);
	ck_assert_uint_eq(r.result, NATPORT_PCP_NOT_AUTHORIZED);
}
END_TEST

START_TEST(epoch)
{
	struct natport_pcp_msg m = req(NATPORT_PCP_OP_ANNOUNCE, 0, 0), r;
	uint8_t out[64];
	int n;

	r = ask(&m, 0);
	ck_assert_uint_eq(r.result, 0);
	ck_assert_uint_eq(r.epoch, 0);
	r = ask(&m, 61500);
	ck_assert_uint_eq(r.epoch, 61);
	ck_assert_uint_eq(r.lifetime, 0);
	n = natport_pcpsrv_announce(&srv, 3000, out, sizeof(out));
	ck_assert_int_eq(n, 24);
	ck_assert_int_eq(natport_pcpmsg_decode_response(out, n, &r), 0);
	ck_assert_uint_eq(r.opcode, NATPORT_PCP_OP_ANNOUNCE);
	ck_assert_uint_eq(r.epoch, 3);
	n = natport_pcpsrv_natpmp_announce(&srv, 5000, out, sizeof(out));
	ck_assert_int_eq(n, 12);
}
END_TEST

START_TEST(prefer_failure)
{
	struct natport_pcp_msg m = req(NATPORT_PCP_OP_MAP, 5000, 3600), r;

	m.external = ep("198.51.100.1:40010");
	m.prefer_failure = 1;
	r = ask(&m, 0);
	ck_assert_uint_eq(r.result, 0);
	ck_assert_uint_eq(r.external.port, 40010);
	ck_assert_uint_eq(r.prefer_failure, 1);
	/* another client wants the same: refused, nothing kept */
	m.client = ep("192.0.2.11");
	r = send_from(&m, "192.0.2.11:5350", 0);
	ck_assert_uint_eq(r.result, NATPORT_PCP_CANNOT_PROVIDE_EXTERNAL);
	ck_assert_uint_eq(r.lifetime, 30); /* a short-lifetime error */
	ck_assert_uint_eq(fpm.live, 1);
	ck_assert_uint_eq(srv.leases.n, 1);
	/* without PREFER_FAILURE it gets some other port */
	m.prefer_failure = 0;
	r = send_from(&m, "192.0.2.11:5350", 0);
	ck_assert_uint_eq(r.result, 0);
	ck_assert_uint_ne(r.external.port, 40010);
	/* refresh with PREFER_FAILURE: the lease as it is */
	m = req(NATPORT_PCP_OP_MAP, 5000, 3600);
	m.external = ep("198.51.100.1:40020");
	m.prefer_failure = 1;
	r = ask(&m, 0);
	ck_assert_uint_eq(r.result, 0);
	ck_assert_uint_eq(r.external.port, 40010);
}
END_TEST

START_TEST(filters)
{
	struct natport_pcp_msg m = req(NATPORT_PCP_OP_MAP, 5000, 3600), r;
	struct natport_pcplease *l;

	m.n_filters = 1;
	m.filters[0].prefix_len = 120;
	m.filters[0].remote = ep("203.0.113.0:0");
	r = ask(&m, 0);
	ck_assert_uint_eq(r.result, 0);
	ck_assert_uint_eq(r.n_filters, 1); /* echoed */
	l = natport_pcplease_next(&srv.leases, NULL);
	ck_assert_uint_eq(l->n_filters, 1);
	m.filters[0].prefix_len = 0; /* clears */
	ask(&m, 0);
	ck_assert_uint_eq(l->n_filters, 0);
}
END_TEST

/* Filters add up over refreshes, a repeated one changes nothing (and
 * does not bump the generation the front end reprograms on), a 0 in the
 * same request clears first, more than the lease holds is
 * EXCESSIVE_REMOTE_PEERS, another family than the internal address's is
 * MALFORMED_OPTION, and a refused refresh keeps what the lease had. */
START_TEST(filters_merge)
{
	struct natport_pcp_msg m = req(NATPORT_PCP_OP_MAP, 5000, 3600), r;
	struct natport_pcplease *l;
	uint32_t gen;
	char a[32];
	int i;

	m.n_filters = 2;
	m.filters[0].prefix_len = 120;
	m.filters[0].remote = ep("203.0.113.0:0");
	m.filters[1].prefix_len = 128;
	m.filters[1].remote = ep("198.51.100.20:7000");
	r = ask(&m, 0);
	ck_assert_uint_eq(r.result, 0);
	l = natport_pcplease_next(&srv.leases, NULL);
	ck_assert_uint_eq(l->n_filters, 2);
	gen = l->filter_gen;
	ck_assert_uint_ne(gen, 0);
	r = ask(&m, 1000); /* the same two again: a plain refresh */
	ck_assert_uint_eq(r.result, 0);
	ck_assert_uint_eq(l->n_filters, 2);
	ck_assert_uint_eq(l->filter_gen, gen);
	m.n_filters = 1; /* refresh without FILTER keeps them */
	m.filters[0].remote = ep("203.0.113.64:0");
	m.filters[0].prefix_len = 122;
	r = ask(&m, 2000);
	ck_assert_uint_eq(l->n_filters, 3);
	ck_assert_uint_ne(l->filter_gen, gen);
	m.n_filters = 0;
	ask(&m, 2500);
	ck_assert_uint_eq(l->n_filters, 3);
	/* 3 + 6 new: more than 8 */
	m.n_filters = 6;
	for (i = 0; i < 6; i++) {
		snprintf(a, sizeof(a), "203.0.114.%d:0", i);
		m.filters[i].remote = ep(a);
		m.filters[i].prefix_len = 128;
	}
	gen = l->filter_gen;
	r = ask(&m, 3000);
	ck_assert_uint_eq(r.result, NATPORT_PCP_EXCESSIVE_REMOTE_PEERS);
	ck_assert_uint_eq(l->n_filters, 3);
	ck_assert_uint_eq(l->filter_gen, gen);
	/* with a prefix length 0 first they fit: 6 */
	m.filters[6].prefix_len = 0;
	m.filters[6].remote = ep("0.0.0.0:0");
	m.n_filters = 7;
	r = ask(&m, 4000);
	ck_assert_uint_eq(r.result, 0);
	ck_assert_uint_eq(l->n_filters, 6);
	/* an IPv6 remote on an IPv4 mapping could never match */
	m.n_filters = 1;
	m.filters[0].remote = ep("[2001:db8::7]:0");
	m.filters[0].prefix_len = 64;
	r = ask(&m, 5000);
	ck_assert_uint_eq(r.result, NATPORT_PCP_MALFORMED_OPTION);
	ck_assert_uint_eq(l->n_filters, 6);
	/* nor does a new lease come to be with one */
	m.internal_port = 5010;
	r = ask(&m, 5000);
	ck_assert_uint_eq(r.result, NATPORT_PCP_MALFORMED_OPTION);
	ck_assert_uint_eq(srv.leases.n, 1);
}
END_TEST

/* What the router sends unasked (sections 14.1.3, 14.2): an unsolicited
 * MAP response names the lease (nonce, internal port, external, time
 * left, or 0 when deleted); the ANNOUNCE targets are the distinct
 * clients not heard from since the announcement began. */
START_TEST(unsolicited)
{
	struct natport_pcp_msg m = req(NATPORT_PCP_OP_MAP, 5000, 600), r;
	struct natport_endpoint to[8];
	struct natport_pcplease *l;
	uint8_t out[NATPORT_PCP_MAX_LEN];
	int n;

	ask(&m, 0);
	m.internal_port = 5002;
	ask(&m, 1000);
	m.internal_port = 5004;
	send_from(&m, "192.0.2.10:5999", 2000); /* another source port */
	l = natport_pcplease_next(&srv.leases, NULL);
	ck_assert(natport_endpoint_equal(&l->told, &l->external));
	n = natport_pcpsrv_unsolicited(&srv, l, 0, 100000, out, sizeof(out));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(natport_pcpmsg_decode_response(out, n, &r), 0);
	ck_assert_uint_eq(r.opcode, NATPORT_PCP_OP_MAP);
	ck_assert_uint_eq(r.result, 0);
	ck_assert_uint_eq(r.internal_port, 5000);
	ck_assert_uint_eq(r.external.port, l->external.port);
	ck_assert_uint_eq(r.lifetime, 500);
	ck_assert_uint_eq(r.epoch, 100);
	ck_assert_mem_eq(r.nonce, "nonce-A-1234", 12);
	n = natport_pcpsrv_unsolicited(&srv, l, 1, 100000, out, sizeof(out));
	ck_assert_int_eq(natport_pcpmsg_decode_response(out, n, &r), 0);
	ck_assert_uint_eq(r.lifetime, 0);
	/* two distinct sources; the one heard at 2000 has heard */
	ck_assert_uint_eq(natport_pcpsrv_announce_targets(&srv, 5000, to, 8),
			  2);
	ck_assert_uint_eq(to[0].port, 5350);
	ck_assert_uint_eq(to[1].port, 5999);
	ck_assert_uint_eq(natport_pcpsrv_announce_targets(&srv, 1500, to, 8),
			  1);
	ck_assert_uint_eq(natport_pcpsrv_announce_targets(&srv, 5000, to, 1),
			  1);
}
END_TEST

START_TEST(rtp_parity)
{
	struct natport_pcp_msg m = req(NATPORT_PCP_OP_MAP, 5000, 3600), r;
	uint16_t rtp;

	/* something odd in the way first */
	m.internal_port = 6001;
	r = ask(&m, 0);
	ck_assert_uint_eq(fpm.last_kind, NATPORT_PCPLEASE_SINGLE);
	m.internal_port = 5000;
	r = ask(&m, 0);
	ck_assert_uint_eq(fpm.last_kind, NATPORT_PCPLEASE_RTP);
	rtp = r.external.port;
	ck_assert_uint_eq(rtp % 2, 0);
	m.internal_port = 5001;
	r = ask(&m, 0);
	ck_assert_uint_eq(fpm.last_kind, NATPORT_PCPLEASE_RTCP);
	ck_assert_uint_eq(r.external.port, rtp + 1);
	/* another owner's odd neighbour does not join the pair */
	m = req(NATPORT_PCP_OP_MAP, 5002, 3600);
	ask(&m, 0);
	m.internal_port = 5003;
	memcpy(m.nonce, "nonce-B-9999", 12);
	r = ask(&m, 0);
	ck_assert_uint_eq(fpm.last_kind, NATPORT_PCPLEASE_SINGLE);
}
END_TEST

START_TEST(peer)
{
	struct natport_pcp_msg m = req(NATPORT_PCP_OP_MAP, 5000, 3600), r;
	struct natport_pcp_msg p = req(NATPORT_PCP_OP_PEER, 5000, 300);
	struct natport_endpoint want = ep("203.0.113.7:7000");
	uint16_t ext;

	r = ask(&m, 0);
	ext = r.external.port;
	r = ask(&p, 1000);
	ck_assert_uint_eq(r.result, 0);
	ck_assert_uint_eq(r.external.port, ext); /* the MAP's port */
	ck_assert(natport_endpoint_equal(&r.peer, &want));
	ck_assert_uint_eq(fpm.peers, 1);
	ck_assert(natport_endpoint_equal(&fpm.last_peer, &want));
	ask(&p, 2000); /* same remote: refresh only */
	ck_assert_uint_eq(fpm.peers, 1);
	/* the PEER expires, the MAP stays */
	ck_assert_uint_eq(natport_pcpsrv_next(&srv), 302000);
	natport_pcpsrv_expire(&srv, 302000);
	ck_assert_uint_eq(fpm.peers, 2);
	ck_assert_int_eq(fpm.last_peer.family, AF_UNSPEC);
	ck_assert_uint_eq(fpm.live, 1);
	/* a PEER alone makes its own lease; lifetime 0 ends it */
	p.internal_port = 5010;
	r = ask(&p, 0);
	ck_assert_uint_eq(r.result, 0);
	ck_assert_uint_eq(fpm.live, 2);
	p.lifetime = 0;
	r = ask(&p, 0);
	ck_assert_uint_eq(fpm.live, 1);
}
END_TEST

START_TEST(expiry)
{
	struct natport_pcp_msg m = req(NATPORT_PCP_OP_MAP, 5000, 120), r;
	unsigned int i;

	for (i = 0; i < 100; i++) {
		m.internal_port = 2000 + i;
		m.client = ep("192.0.2.10");
		if (i == 60)
			fpm.fail = -NATPORT_E_NOPORT;
		r = ask(&m, i);
		if (i == 60)
			ck_assert_uint_eq(r.result, NATPORT_PCP_NO_RESOURCES);
	}
	/* one request refused on the way; then all 64 fake ports taken */
	ck_assert_uint_eq(fpm.live, 64);
	natport_pcpsrv_expire(&srv, 119999);
	ck_assert_uint_ne(fpm.live, 0);
	natport_pcpsrv_expire(&srv, 120000 + 100);
	ck_assert_uint_eq(fpm.live, 0);
	ck_assert_uint_eq(srv.leases.n, 0);
	ck_assert_uint_eq(natport_pcpsrv_next(&srv), 0);
}
END_TEST

START_TEST(quota)
{
	struct natport_pcp_msg m = req(NATPORT_PCP_OP_MAP, 5000, 3600), r;

	natport_pcpsrv_uninit(&srv);
	cfg.max_per_client = 2;
	start();
	ask(&m, 0);
	m.internal_port = 5002;
	ask(&m, 0);
	m.internal_port = 5004;
	r = ask(&m, 0);
	ck_assert_uint_eq(r.result, NATPORT_PCP_USER_EX_QUOTA);
	m.client = ep("192.0.2.11");
	r = send_from(&m, "192.0.2.11:1", 0);
	ck_assert_uint_eq(r.result, 0);
}
END_TEST

static struct natport_natpmp_msg natpmp(const char *src, uint8_t op,
					uint16_t port, uint32_t lt)
{
	struct natport_natpmp_msg m = { .opcode = op, .internal_port = port,
					.lifetime = lt }, r;
	struct natport_endpoint s = ep(src);
	uint8_t b[16], out[64];
	int n = natport_natpmp_encode(&m, b, sizeof(b));

	n = natport_pcpsrv_handle(&srv, b, n, &s, 10000, out, sizeof(out));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(natport_natpmp_decode_response(out, n, &r), 0);
	ck_assert_uint_eq(r.opcode, op + 128);
	return r;
}

START_TEST(natpmp_rules)
{
	struct natport_natpmp_msg r;
	struct natport_pcp_msg m = req(NATPORT_PCP_OP_MAP, 6000, 3600);

	r = natpmp("192.0.2.10:5350", 0, 0, 0);
	ck_assert_uint_eq(r.result, 0);
	ck_assert_uint_eq(ntohl(r.external.s_addr), 0xc6336401);
	ck_assert_uint_eq(r.epoch, 10);
	r = natpmp("192.0.2.10:5350", 1, 5000, 60);
	ck_assert_uint_eq(r.result, 0);
	ck_assert_uint_eq(r.lifetime, 120);
	ck_assert_uint_eq(r.external_port % 2, 0);
	ck_assert_uint_eq(fpm.live, 1);
	r = natpmp("192.0.2.10:5350", 1, 5000, 7200); /* refresh */
	ck_assert_uint_eq(fpm.maps, 1);
	/* PCP may not take a NAT-PMP lease, nor NAT-PMP a PCP one */
	m.internal_port = 5000;
	ck_assert_uint_eq(ask(&m, 0).result, NATPORT_PCP_NOT_AUTHORIZED);
	m.internal_port = 6000;
	ask(&m, 0);
	r = natpmp("192.0.2.10:5350", 1, 6000, 7200);
	ck_assert_uint_eq(r.result, NATPORT_NATPMP_REFUSED);
	r = natpmp("192.0.2.10:5350", 1, 6000, 0);
	ck_assert_uint_eq(r.result, NATPORT_NATPMP_REFUSED);
	/* outside the LAN */
	r = natpmp("203.0.113.5:5350", 1, 5000, 7200);
	ck_assert_uint_eq(r.result, NATPORT_NATPMP_REFUSED);
	/* delete: external port 0, lifetime 0 (section 3.4) */
	r = natpmp("192.0.2.10:5350", 1, 5000, 0);
	ck_assert_uint_eq(r.result, 0);
	ck_assert_uint_eq(r.external_port, 0);
	ck_assert_uint_eq(r.lifetime, 0);
	ck_assert_uint_eq(fpm.live, 1); /* the PCP lease */
	/* delete all of the client's NAT-PMP leases, not PCP's */
	natpmp("192.0.2.10:5350", 1, 5010, 7200);
	natpmp("192.0.2.10:5350", 1, 5012, 7200);
	r = natpmp("192.0.2.10:5350", 1, 0, 0);
	ck_assert_uint_eq(fpm.live, 1);
	/* TCP is refused */
	r = natpmp("192.0.2.10:5350", 2, 5000, 7200);
	ck_assert_uint_eq(r.result, NATPORT_NATPMP_REFUSED);
}
END_TEST

START_TEST(version_negotiation)
{
	struct natport_pcp_msg m = req(NATPORT_PCP_OP_MAP, 5000, 3600);
	uint8_t b[128], out[128];
	struct natport_endpoint s = ep("192.0.2.10:5350");
	struct natport_natpmp_msg r;
	int n;

	/* a NAT-PMP-only router answers PCP with NAT-PMP's "unsupported
	 * version", which a PCP client takes as its cue to fall back */
	natport_pcpsrv_uninit(&srv);
	cfg.no_pcp = 1;
	start();
	n = natport_pcpmsg_encode(&m, b, sizeof(b));
	n = natport_pcpsrv_handle(&srv, b, n, &s, 0, out, sizeof(out));
	ck_assert_int_eq(n, 8);
	ck_assert_int_eq(natport_natpmp_decode_response(out, n, &r), 0);
	ck_assert_uint_eq(r.result, NATPORT_NATPMP_UNSUPP_VERSION);
	ck_assert_uint_eq(fpm.maps, 0);
	/* a PCP-only router answers NAT-PMP with UNSUPP_VERSION */
	natport_pcpsrv_uninit(&srv);
	cfg.no_pcp = 0;
	cfg.no_natpmp = 1;
	start();
	b[0] = 0;
	b[1] = 0;
	n = natport_pcpsrv_handle(&srv, b, 2, &s, 0, out, sizeof(out));
	ck_assert_int_eq(n, 24);
	ck_assert_uint_eq(out[3], NATPORT_PCP_UNSUPP_VERSION);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("pcpsrv");
	TCase *tc = tcase_create("rules");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, config_bounds);
	tcase_add_test(tc, lifetime_clamped);
	tcase_add_test(tc, lifetime_zero_deletes);
	tcase_add_test(tc, nonce_is_owner);
	tcase_add_test(tc, address_mismatch);
	tcase_add_test(tc, third_party);
	tcase_add_test(tc, epoch);
	tcase_add_test(tc, prefer_failure);
	tcase_add_test(tc, filters);
	tcase_add_test(tc, filters_merge);
	tcase_add_test(tc, unsolicited);
	tcase_add_test(tc, rtp_parity);
	tcase_add_test(tc, peer);
	tcase_add_test(tc, expiry);
	tcase_add_test(tc, quota);
	tcase_add_test(tc, natpmp_rules);
	tcase_add_test(tc, version_negotiation);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(suite());
}
