// SPDX-License-Identifier: GPL-2.0-or-later
/* test_pcpmsg.c - the PCP/NAT-PMP codec: the packet corpus of
 * tests/pcp/corpus/ through the decoder and a fresh server each, encode ->
 * decode round trips, IPv4-mapped address fields, error responses. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcp_fake.h"
#include "pcpmsg.h"
#include "pcpsrv.h"
#include "unit_main.h"

#define CORPUS "tests/pcp/corpus"

static struct natport_endpoint ep(const char *s)
{
	struct natport_endpoint e;

	ck_assert_msg(natport_endpoint_parse(s, &e) == 0, "parse %s", s);
	return e;
}

static size_t read_hex(const char *name, uint8_t *buf, size_t cap)
{
	char path[256];
	FILE *f;
	size_t n = 0;
	int c, hi = -1;

	snprintf(path, sizeof(path), CORPUS "/%s.hex", name);
	f = fopen(path, "r");
	ck_assert_msg(f, "open %s", path);
	while ((c = fgetc(f)) != EOF) {
		int v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
			continue;
		}
		ck_assert_uint_lt(n, cap);
		buf[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	fclose(f);
	ck_assert_msg(hi < 0, "%s: odd number of hex digits", name);
	return n;
}

static void corpus_server(struct natport_pcpsrv *s, struct fake_pm *f,
			  struct natport_policy *pol)
{
	struct natport_pcpsrv_config cfg = { 0 };
	struct natport_prefix lan;

	memset(f, 0, sizeof(*f));
	f->ext = ep("198.51.100.1");
	natport_policy_init(pol);
	ck_assert_int_eq(natport_prefix_parse("192.0.2.0/24", &lan), 0);
	natport_policy_add_lan(pol, &lan);
	cfg.external = f->ext;
	cfg.policy = pol;
	ck_assert_int_eq(natport_pcpsrv_init(s, &cfg, &fake_ops, f, 1000), 0);
}

START_TEST(corpus)
{
	char line[256], name[128], kind[16], want[64];
	FILE *m = fopen(CORPUS "/EXPECT", "r");
	unsigned int n = 0;

	ck_assert_msg(m, "open " CORPUS "/EXPECT (run from the tree's top)");
	while (fgets(line, sizeof(line), m)) {
		static uint8_t pkt[2048], out[NATPORT_PCP_MAX_LEN];
		struct natport_endpoint src = ep("192.0.2.10:40001");
		struct natport_pcpsrv s;
		struct natport_policy pol;
		struct fake_pm f;
		size_t len;
		int r, fields;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		want[0] = 0;
		fields = sscanf(line, "%127s %15s %63s", name, kind, want);
		ck_assert_int_ge(fields, 2);
		len = read_hex(name, pkt, sizeof(pkt));
		corpus_server(&s, &f, &pol);
		r = natport_pcpsrv_handle(&s, pkt, len, &src, 5000, out,
					  sizeof(out));
		if (!strcmp(kind, "drop")) {
			ck_assert_msg(r == 0, "%s: answered, should drop", name);
		} else if (!strcmp(kind, "pcp")) {
			struct natport_pcp_msg resp;

			ck_assert_msg(r >= NATPORT_PCP_HDR_LEN, "%s: %d", name, r);
			ck_assert_msg(r <= NATPORT_PCP_MAX_LEN && r % 4 == 0,
				      "%s: length %d", name, r);
			ck_assert_int_eq(natport_pcpmsg_decode_response(out, r,
									&resp),
					 0);
			ck_assert_msg(!strcmp(natport_pcpmsg_result_name(
						      resp.result),
					      want),
				      "%s: %s, expected %s", name,
				      natport_pcpmsg_result_name(resp.result),
				      want);
			ck_assert_uint_eq(resp.epoch, 4);
			ck_assert_uint_eq(out[2], 0); /* reserved, zeroed */
			if (resp.result)
				ck_assert_uint_eq(resp.lifetime,
						  natport_pcpmsg_result_is_long(
							  resp.result)
							  ? 1800
							  : 30);
			else
				ck_assert_uint_eq(resp.opcode, pkt[1] & 0x7f);
			/* nothing held after an error */
			if (resp.result)
				ck_assert_uint_eq(f.live, 0);
		} else if (!strcmp(kind, "natpmp")) {
			struct natport_natpmp_msg resp;

			ck_assert_msg(r >= NATPORT_NATPMP_HDR_LEN, "%s: %d",
				      name, r);
			ck_assert_int_eq(natport_natpmp_decode_response(out, r,
									&resp),
					 0);
			ck_assert_msg(resp.result == atoi(want),
				      "%s: result %u, expected %s", name,
				      resp.result, want);
			ck_assert_uint_eq(resp.epoch, 4);
			ck_assert_uint_eq(resp.opcode, pkt[1] | 0x80);
		} else {
			ck_abort_msg("EXPECT: unknown kind %s", kind);
		}
		natport_pcpsrv_uninit(&s);
		ck_assert_uint_eq(f.live, 0);
		n++;
	}
	fclose(m);
	ck_assert_uint_ge(n, 50);
}
END_TEST

/* Every prefix of every corpus packet, and every packet with each octet
 * flipped: the decoder never reads past len (run under valgrind or ASan
 * to see it) and the server never answers with more than 1100 octets. */
START_TEST(corpus_mutations)
{
	static const char *const names[] = { "pcp-map-ok", "pcp-peer-ok",
					     "pcp-filter-ok",
					     "natpmp-map-udp-ok" };
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint8_t pkt[256], mut[256], out[NATPORT_PCP_MAX_LEN];
		size_t len = read_hex(names[i], pkt, sizeof(pkt)), k;
		struct natport_endpoint src = ep("192.0.2.10:40001");
		struct natport_pcpsrv s;
		struct natport_policy pol;
		struct fake_pm f;

		corpus_server(&s, &f, &pol);
		for (k = 0; k <= len; k++) {
			uint8_t *cut = malloc(k ? k : 1);
			int r;

			memcpy(cut, pkt, k);
			r = natport_pcpsrv_handle(&s, cut, k, &src, 2000, out,
						  sizeof(out));
			ck_assert_int_le(r, NATPORT_PCP_MAX_LEN);
			free(cut);
		}
		for (k = 0; k < len; k++) {
			int bit, r;

			for (bit = 0; bit < 8; bit++) {
				memcpy(mut, pkt, len);
				mut[k] ^= 1u << bit;
				r = natport_pcpsrv_handle(&s, mut, len, &src,
							  2000, out,
							  sizeof(out));
				ck_assert_int_le(r, NATPORT_PCP_MAX_LEN);
			}
		}
		natport_pcpsrv_uninit(&s);
		ck_assert_uint_eq(f.live, 0);
	}
}
END_TEST

START_TEST(addr_fields)
{
	uint8_t b[16];
	struct natport_endpoint e = ep("192.0.2.10"), d;
	static const uint8_t want[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					  0xff, 0xff, 192, 0, 2, 10 };

	natport_pcpmsg_addr_put(b, &e);
	ck_assert_mem_eq(b, want, 16);
	natport_pcpmsg_addr_get(b, &d);
	ck_assert_int_eq(d.family, AF_INET);
	ck_assert(natport_endpoint_addr_equal(&d, &e));
	/* ones in bits 81-96 are not enough: every leading bit counts */
	b[0] = 1;
	natport_pcpmsg_addr_get(b, &d);
	ck_assert_int_eq(d.family, AF_INET6);
	/* unspecified forms */
	memset(&e, 0, sizeof(e));
	natport_pcpmsg_addr_put(b, &e);
	natport_pcpmsg_addr_get(b, &d);
	ck_assert_int_eq(d.family, AF_INET6);
	ck_assert(natport_endpoint_is_unspec(&d));
	e = ep("0.0.0.0");
	natport_pcpmsg_addr_put(b, &e);
	ck_assert_uint_eq(b[10], 0xff);
	e = ep("2001:db8::1");
	natport_pcpmsg_addr_put(b, &e);
	natport_pcpmsg_addr_get(b, &d);
	ck_assert(natport_endpoint_addr_equal(&d, &e));
}
END_TEST

START_TEST(roundtrip_requests)
{
	struct natport_pcp_msg m = { 0 }, d;
	uint8_t buf[NATPORT_PCP_MAX_LEN];
	int n, op;

	for (op = 0; op <= NATPORT_PCP_OP_PEER; op++) {
		memset(&m, 0, sizeof(m));
		m.opcode = op;
		m.lifetime = op ? 3600 : 0;
		m.client = ep("192.0.2.10");
		if (op) {
			memcpy(m.nonce, "abcdefghijkl", 12);
			m.protocol = NATPORT_PCP_PROTO_UDP;
			m.internal_port = 5000;
			m.external = ep("198.51.100.1:40000");
			m.has_third_party = 1;
			m.third_party = ep("192.0.2.20");
		}
		if (op == NATPORT_PCP_OP_MAP) {
			m.prefer_failure = 1;
			m.n_filters = 2;
			m.filters[0].prefix_len = 120;
			m.filters[0].remote = ep("203.0.113.0:0");
			m.filters[1].prefix_len = 64;
			m.filters[1].remote = ep("[2001:db8::]:7000");
		}
		if (op == NATPORT_PCP_OP_PEER)
			m.peer = ep("203.0.113.7:7000");
		n = natport_pcpmsg_encode(&m, buf, sizeof(buf));
		ck_assert_int_eq(n, 24 + (op == 1 ? 36 + 20 + 4 + 48
					 : op == 2 ? 56 + 20 : 0));
		ck_assert_int_eq(natport_pcpmsg_decode_request(buf, n, &d), 0);
		ck_assert_uint_eq(d.version, 2);
		ck_assert_uint_eq(d.opcode, op);
		ck_assert_uint_eq(d.lifetime, m.lifetime);
		ck_assert(natport_endpoint_addr_equal(&d.client, &m.client));
		ck_assert_mem_eq(d.nonce, m.nonce, 12);
		ck_assert_uint_eq(d.protocol, m.protocol);
		ck_assert_uint_eq(d.internal_port, m.internal_port);
		ck_assert_uint_eq(d.external.port, m.external.port);
		ck_assert_uint_eq(d.has_third_party, m.has_third_party);
		ck_assert_uint_eq(d.prefer_failure, m.prefer_failure);
		ck_assert_uint_eq(d.n_filters, m.n_filters);
		if (op == 1) {
			ck_assert_uint_eq(d.filters[1].prefix_len, 64);
			ck_assert(natport_endpoint_equal(&d.filters[1].remote,
							 &m.filters[1].remote));
		}
		if (op == 2)
			ck_assert(natport_endpoint_equal(&d.peer, &m.peer));
		/* a response of the same decodes as one, not as a request */
		m.response = 1;
		m.result = NATPORT_PCP_SUCCESS;
		m.epoch = 77;
		n = natport_pcpmsg_encode(&m, buf, sizeof(buf));
		ck_assert_int_eq(natport_pcpmsg_decode_request(buf, n, &d),
				 -EBADMSG);
		ck_assert_int_eq(natport_pcpmsg_decode_response(buf, n, &d), 0);
		ck_assert_uint_eq(d.epoch, 77);
		ck_assert_uint_eq(d.response, 1);
	}
	/* too much for the 1100 octets: refused, not truncated */
	memset(&m, 0, sizeof(m));
	m.opcode = NATPORT_PCP_OP_MAP;
	m.n_filters = NATPORT_PCP_MAX_FILTERS + 1;
	ck_assert_int_eq(natport_pcpmsg_encode(&m, buf, sizeof(buf)), -EINVAL);
	m.n_filters = 0;
	ck_assert_int_eq(natport_pcpmsg_encode(&m, buf, 40), -ENOSPC);
}
END_TEST

START_TEST(error_response)
{
	uint8_t req[1200], out[NATPORT_PCP_MAX_LEN + 8];
	struct natport_pcp_msg d;
	int n;

	memset(req, 0xab, sizeof(req));
	req[0] = 2;
	req[1] = 1;
	n = natport_pcpmsg_encode_error(req, sizeof(req),
					NATPORT_PCP_MALFORMED_REQUEST, 1800, 9,
					out, sizeof(out));
	ck_assert_int_eq(n, 1100); /* truncated to 1100 */
	ck_assert_int_eq(natport_pcpmsg_decode_response(out, n, &d), 0);
	ck_assert_uint_eq(d.result, NATPORT_PCP_MALFORMED_REQUEST);
	ck_assert_uint_eq(d.opcode, 1);
	ck_assert_uint_eq(d.lifetime, 1800);
	ck_assert_uint_eq(d.epoch, 9);
	ck_assert_uint_eq(out[2], 0);
	ck_assert_uint_eq(out[12], 0);
	ck_assert_uint_eq(out[23], 0);
	ck_assert_uint_eq(out[24], 0xab); /* the request's data, copied */
	/* a 2-octet request of a strange version: a whole header */
	req[0] = 7;
	n = natport_pcpmsg_encode_error(req, 2, NATPORT_PCP_UNSUPP_VERSION,
					1800, 0, out, sizeof(out));
	ck_assert_int_eq(n, 24);
	ck_assert_uint_eq(out[0], 2);
	/* NAT-PMP reads octets 2-3 as its 16-bit result: 1, "unsupported
	 * version", which is what a v0 client of a PCP-only server needs */
	ck_assert_uint_eq(out[2] << 8 | out[3], NATPORT_NATPMP_UNSUPP_VERSION);
	ck_assert_int_eq(natport_pcpmsg_encode_error(req, 100, 1, 0, 0, out,
						     20),
			 -ENOSPC);
}
END_TEST

START_TEST(natpmp_roundtrip)
{
	struct natport_natpmp_msg m = { 0 }, d;
	uint8_t buf[64];
	int n;

	m.opcode = NATPORT_NATPMP_OP_MAP_UDP;
	m.internal_port = 5000;
	m.external_port = 5000;
	m.lifetime = 7200;
	n = natport_natpmp_encode(&m, buf, sizeof(buf));
	ck_assert_int_eq(n, 12);
	ck_assert_int_eq(natport_natpmp_decode_request(buf, n, &d), 0);
	ck_assert_uint_eq(d.internal_port, 5000);
	ck_assert_uint_eq(d.lifetime, 7200);
	ck_assert_int_eq(natport_natpmp_decode_response(buf, n, &d), -EBADMSG);

	m.opcode = NATPORT_NATPMP_OP_RESPONSE + 1;
	m.epoch = 42;
	m.external_port = 40000;
	n = natport_natpmp_encode(&m, buf, sizeof(buf));
	ck_assert_int_eq(n, 16);
	ck_assert_int_eq(natport_natpmp_decode_response(buf, n, &d), 0);
	ck_assert_uint_eq(d.epoch, 42);
	ck_assert_uint_eq(d.external_port, 40000);
	ck_assert_int_eq(natport_natpmp_decode_request(buf, n, &d), -EBADMSG);
	ck_assert_int_eq(natport_natpmp_decode_response(buf, 12, &d), -EBADMSG);

	memset(&m, 0, sizeof(m));
	m.opcode = NATPORT_NATPMP_OP_RESPONSE;
	m.external.s_addr = htonl(0xc6336401);
	n = natport_natpmp_encode(&m, buf, sizeof(buf));
	ck_assert_int_eq(n, 12);
	ck_assert_int_eq(natport_natpmp_decode_response(buf, n, &d), 0);
	ck_assert_uint_eq(ntohl(d.external.s_addr), 0xc6336401);

	/* an 8-octet "unsupported version" is a valid response */
	m.opcode = NATPORT_NATPMP_OP_RESPONSE + 1;
	m.result = NATPORT_NATPMP_UNSUPP_VERSION;
	n = natport_natpmp_encode(&m, buf, sizeof(buf));
	ck_assert_int_eq(n, 8);
	ck_assert_int_eq(natport_natpmp_decode_response(buf, n, &d), 0);
	ck_assert_uint_eq(d.result, 1);
	/* a v2 request to NAT-PMP's decoder */
	buf[0] = 2;
	buf[1] = 1;
	ck_assert_int_eq(natport_natpmp_decode_request(buf, 2, &d),
			 NATPORT_NATPMP_UNSUPP_VERSION);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("pcpmsg");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, corpus);
	tcase_add_test(tc, corpus_mutations);
	tcase_add_test(tc, addr_fields);
	tcase_add_test(tc, roundtrip_requests);
	tcase_add_test(tc, error_response);
	tcase_add_test(tc, natpmp_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(suite());
}
