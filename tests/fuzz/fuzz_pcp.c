// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_pcp.c - libFuzzer: the PCP (RFC 6887) and NAT-PMP (RFC 6886)
 * decoders (userspace/lib/pcpmsg.h) and the router's request processor
 * (pcpsrv.h, on its lease table pcplease.h).
 *
 * The input is up to MAX_DGRAMS datagrams separated by SEP (a seed is one
 * datagram). Each is decoded as a request and a response; a request that
 * decodes is encoded again and must decode to the same message. Then all
 * go, 30 s apart, to one fresh server from the LAN client 192.0.2.10, so
 * refreshes, deletes and PEERs meet the leases earlier ones made, and the
 * server is expired and torn down. The port manager under it is a table
 * that aborts on what a real one could not survive: a release of a port
 * it never gave, a map of a lease twice, leases left after uninit. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <natport/natport.h>
#include <natport/policy.h>

#include "../../userspace/lib/pcpsrv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEP "PCP!"
#define SEP_LEN 4
#define MAX_DGRAMS 8
#define PM_BASE 40000
#define PM_PORTS 32

struct pm {
	uint8_t used[PM_PORTS]; /* 1 given, 2 set aside for an RTP's RTCP */
	unsigned int live;
};

static int pm_map(void *arg, struct natport_pcplease *l, uint8_t kind,
		  uint16_t suggested, const struct natport_pcplease *partner)
{
	struct pm *p = arg;
	unsigned int i, port = 0;

	if (kind == NATPORT_PCPLEASE_RTCP) {
		if (!partner || partner->external.port < PM_BASE ||
		    partner->external.port + 1 >= PM_BASE + PM_PORTS)
			abort(); /* an RTCP half without its RTP half */
		port = partner->external.port + 1;
		if (p->used[port - PM_BASE] == 1)
			abort(); /* the odd port given twice */
	} else if (kind == NATPORT_PCPLEASE_RTP) {
		for (i = 0; !port && i < PM_PORTS; i += 2)
			if (!p->used[i] && !p->used[i + 1])
				port = PM_BASE + i;
		if (!port)
			return -NATPORT_E_NOPORT;
		p->used[port + 1 - PM_BASE] = 2;
	} else {
		if (suggested >= PM_BASE && suggested < PM_BASE + PM_PORTS &&
		    !p->used[suggested - PM_BASE])
			port = suggested;
		for (i = 0; !port && i < PM_PORTS; i++)
			if (!p->used[i])
				port = PM_BASE + i;
		if (!port)
			return -NATPORT_E_NOPORT;
	}
	p->used[port - PM_BASE] = 1;
	l->external.family = AF_INET;
	inet_pton(AF_INET, "198.51.100.1", &l->external.addr.v4);
	l->external.port = (uint16_t)port;
	l->cookie = port;
	p->live++;
	return 0;
}

static int pm_peer(void *arg, struct natport_pcplease *l)
{
	if (l->cookie != l->external.port)
		abort(); /* a PEER on a lease the manager never mapped */
	return 0;
}

static void pm_release(void *arg, struct natport_pcplease *l)
{
	struct pm *p = arg;
	unsigned int port = l->external.port;

	if (port < PM_BASE || port >= PM_BASE + PM_PORTS ||
	    p->used[port - PM_BASE] != 1 || !p->live || l->cookie != port)
		abort(); /* released what was never given, or twice */
	p->used[port - PM_BASE] = 0;
	if (l->kind == NATPORT_PCPLEASE_RTP && port + 1 < PM_BASE + PM_PORTS &&
	    p->used[port + 1 - PM_BASE] == 2)
		p->used[port + 1 - PM_BASE] = 0;
	p->live--;
}

static const struct natport_pcpsrv_ops pm_ops = {
	.map = pm_map,
	.peer = pm_peer,
	.release = pm_release,
};

/* what encode-then-decode must keep of a request */
static int pcp_same(const struct natport_pcp_msg *a,
		    const struct natport_pcp_msg *b)
{
	return a->version == b->version && a->opcode == b->opcode &&
	       a->lifetime == b->lifetime &&
	       natport_endpoint_equal(&a->client, &b->client) &&
	       !memcmp(a->nonce, b->nonce, sizeof(a->nonce)) &&
	       a->protocol == b->protocol &&
	       a->internal_port == b->internal_port &&
	       a->has_third_party == b->has_third_party &&
	       a->prefer_failure == b->prefer_failure &&
	       a->n_filters == b->n_filters;
}

static void codec(const uint8_t *d, size_t n)
{
	struct natport_pcp_msg m, again;
	struct natport_natpmp_msg nm, nagain;
	uint8_t buf[NATPORT_PCP_MAX_LEN];
	int len;

	memset(&m, 0, sizeof(m));
	if (!natport_pcpmsg_decode_request(d, n, &m)) {
		len = natport_pcpmsg_encode(&m, buf, sizeof(buf));
		if (len < 0)
			abort(); /* it decoded, so it can be written */
		memset(&again, 0, sizeof(again));
		if (natport_pcpmsg_decode_request(buf, (size_t)len, &again) ||
		    !pcp_same(&m, &again))
			abort();
	}
	memset(&m, 0, sizeof(m));
	natport_pcpmsg_decode_response(d, n, &m);
	memset(&nm, 0, sizeof(nm));
	if (!natport_natpmp_decode_request(d, n, &nm)) {
		len = natport_natpmp_encode(&nm, buf, sizeof(buf));
		if (len < 0)
			abort();
		memset(&nagain, 0, sizeof(nagain));
		if (natport_natpmp_decode_request(buf, (size_t)len, &nagain) ||
		    nagain.opcode != nm.opcode ||
		    nagain.internal_port != nm.internal_port ||
		    nagain.external_port != nm.external_port ||
		    nagain.lifetime != nm.lifetime)
			abort();
	}
	memset(&nm, 0, sizeof(nm));
	natport_natpmp_decode_response(d, n, &nm);
}

static const uint8_t *next_sep(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *s = memmem(p, (size_t)(end - p), SEP, SEP_LEN);

	return s ? s : end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct natport_policy pol;
	static int pol_ready;
	struct natport_pcpsrv_config cfg;
	struct natport_pcpsrv srv;
	struct natport_endpoint src;
	struct pm pm;
	uint8_t out[NATPORT_PCP_MAX_LEN];
	const uint8_t *p = data, *end = data + size, *e;
	uint64_t now = 1000000;
	int i, r;

	if (!pol_ready) {
		struct natport_prefix lan = { .len = 24 };
		struct natport_endpoint own = { .family = AF_INET };

		natport_policy_init(&pol);
		lan.base.family = AF_INET;
		inet_pton(AF_INET, "192.0.2.0", &lan.base.addr.v4);
		inet_pton(AF_INET, "198.51.100.1", &own.addr.v4);
		if (natport_policy_add_lan(&pol, &lan) ||
		    natport_policy_add_own(&pol, &own))
			abort();
		pol_ready = 1;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.external.family = AF_INET;
	inet_pton(AF_INET, "198.51.100.1", &cfg.external.addr.v4);
	cfg.policy = &pol;
	cfg.max_leases = 16;
	cfg.max_per_client = 8;
	/* THIRD_PARTY on or off, from the last octet */
	cfg.third_party = size && (data[size - 1] & 1);
	memset(&pm, 0, sizeof(pm));
	if (natport_pcpsrv_init(&srv, &cfg, &pm_ops, &pm, now))
		abort();

	memset(&src, 0, sizeof(src));
	src.family = AF_INET;
	inet_pton(AF_INET, "192.0.2.10", &src.addr.v4);
	src.port = 5350;
	for (i = 0; i < MAX_DGRAMS && p <= end; i++) {
		e = next_sep(p, end);
		codec(p, (size_t)(e - p));
		r = natport_pcpsrv_handle(&srv, p, (size_t)(e - p), &src, now,
					  out, sizeof(out));
		if (r < 0 || r > (int)sizeof(out))
			abort();
		if (r > 0 && out[0] == 2) {
			struct natport_pcp_msg m;

			/* what the server says must be a response a client
			 * takes, unless it echoes a request it could not
			 * read (then only its header is ours) */
			memset(&m, 0, sizeof(m));
			natport_pcpmsg_decode_response(out, (size_t)r, &m);
		}
		if (srv.leases.n != pm.live)
			abort(); /* a lease without a port, or a port leaked */
		now += 30000;
		natport_pcpsrv_expire(&srv, now);
		if (e == end)
			break;
		p = e + SEP_LEN;
	}
	/* far past every lifetime: nothing may be left */
	natport_pcpsrv_expire(&srv, now + 24ULL * 3600 * 1000);
	if (srv.leases.n || pm.live)
		abort();
	natport_pcpsrv_uninit(&srv);
	return 0;
}
