// SPDX-License-Identifier: LGPL-2.1-or-later
/* pcpsrv.c - PCP and NAT-PMP request processing on the router: decide
 * each response and the port manager's action (see pcpsrv.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pcpsrv.h"

int natport_pcpsrv_init(struct natport_pcpsrv *s,
			const struct natport_pcpsrv_config *cfg,
			const struct natport_pcpsrv_ops *ops, void *ops_arg,
			uint64_t now_ms)
{
	struct natport_pcpsrv_config c = *cfg;

	memset(s, 0, sizeof(*s));
	if (!c.min_lifetime)
		c.min_lifetime = 120;
	if (!c.max_lifetime)
		c.max_lifetime = c.min_lifetime > 7200 ? c.min_lifetime : 7200;
	if (!c.error_long_s)
		c.error_long_s = 1800;
	if (!c.error_short_s)
		c.error_short_s = 30;
	if (!c.max_leases)
		c.max_leases = 4096;
	/* section 15 and RFC 4787 REQ-5: no UDP mapping under 2 minutes */
	if (c.min_lifetime < 120 || c.max_lifetime < c.min_lifetime ||
	    c.external.family != AF_INET || !c.policy || !ops || !ops->map ||
	    !ops->release)
		return -EINVAL;
	s->cfg = c;
	s->ops = *ops;
	s->ops_arg = ops_arg;
	s->start_ms = now_ms;
	return natport_pcplease_init(&s->leases, c.max_leases);
}

static void lease_end(struct natport_pcpsrv *s, struct natport_pcplease *l)
{
	struct natport_pcplease *p = natport_pcplease_get(&s->leases, l->partner);

	if (p && p->partner == l->id)
		p->partner = 0;
	s->ops.release(s->ops_arg, l);
	natport_pcplease_del(&s->leases, l);
}

void natport_pcpsrv_uninit(struct natport_pcpsrv *s)
{
	struct natport_pcplease *l, *n;

	for (l = natport_pcplease_next(&s->leases, NULL); l; l = n) {
		n = natport_pcplease_next(&s->leases, l);
		lease_end(s, l);
	}
	natport_pcplease_uninit(&s->leases);
}

uint32_t natport_pcpsrv_epoch(const struct natport_pcpsrv *s, uint64_t now_ms)
{
	return now_ms > s->start_ms ? (uint32_t)((now_ms - s->start_ms) / 1000)
				    : 0;
}

static uint32_t clamp(const struct natport_pcpsrv *s, uint32_t lifetime)
{
	if (lifetime < s->cfg.min_lifetime)
		return s->cfg.min_lifetime;
	if (lifetime > s->cfg.max_lifetime)
		return s->cfg.max_lifetime;
	return lifetime;
}

static int ops_result(int err)
{
	switch (err < 0 ? -err : err) {
	case NATPORT_E_NOPORT:
	case NATPORT_E_NOMEM:
	case ENOMEM:
	case ENOSPC:
		return NATPORT_PCP_NO_RESOURCES;
	case NATPORT_E_BADADDR:
	case NATPORT_E_NOTSUP:
	case NATPORT_E_EXIST:
		return NATPORT_PCP_NOT_AUTHORIZED;
	}
	return NATPORT_PCP_NETWORK_FAILURE;
}

static int is_unspec_addr(const struct natport_endpoint *ep)
{
	struct natport_endpoint e = *ep;

	e.port = 0;
	return natport_endpoint_is_unspec(&e);
}

/* A new lease for (protocol, internal) with its port from ops->map.
 * Returns 0 and the lease in *out, or a result code. */
static int lease_create(struct natport_pcpsrv *s, uint8_t owner,
			uint8_t protocol,
			const struct natport_endpoint *internal,
			const uint8_t *nonce, uint16_t suggested,
			int prefer_failure, const struct natport_endpoint *src,
			uint64_t now_ms, struct natport_pcplease **out)
{
	struct natport_pcplease *l, *partner = NULL;
	uint8_t kind = NATPORT_PCPLEASE_SINGLE;
	struct natport_endpoint other = *internal;
	int r;

	if (s->cfg.max_per_client &&
	    natport_pcplease_count_client(&s->leases, internal) >=
		    s->cfg.max_per_client)
		return NATPORT_PCP_USER_EX_QUOTA;
	if (s->ops.admit) {
		r = s->ops.admit(s->ops_arg, internal);
		if (r)
			return r;
	}
	l = natport_pcplease_add(&s->leases);
	if (!l)
		return NATPORT_PCP_NO_RESOURCES;
	l->owner = owner;
	l->protocol = protocol;
	memcpy(l->nonce, nonce, NATPORT_PCP_NONCE_LEN);
	l->internal = *internal;
	l->client = *src;
	l->created_ms = now_ms;
	/* RTP parity (RFC 4787 REQ-4): an even port opens a pair, its odd
	 * neighbour from the same owner takes the other half */
	if (internal->port % 2 == 0) {
		other.port = internal->port + 1;
		if (internal->port != 65534 &&
		    !natport_pcplease_find(&s->leases, protocol, &other))
			kind = NATPORT_PCPLEASE_RTP;
	} else {
		other.port = internal->port - 1;
		partner = natport_pcplease_find(&s->leases, protocol, &other);
		if (partner && partner->kind == NATPORT_PCPLEASE_RTP &&
		    !partner->partner && partner->owner == owner &&
		    !memcmp(partner->nonce, nonce, NATPORT_PCP_NONCE_LEN))
			kind = NATPORT_PCPLEASE_RTCP;
		else
			partner = NULL;
	}
	l->kind = kind;
	r = s->ops.map(s->ops_arg, l, kind, suggested, partner);
	if (r) {
		natport_pcplease_del(&s->leases, l);
		return ops_result(r);
	}
	if (prefer_failure && suggested && l->external.port != suggested) {
		s->ops.release(s->ops_arg, l);
		natport_pcplease_del(&s->leases, l);
		return NATPORT_PCP_CANNOT_PROVIDE_EXTERNAL;
	}
	if (partner) {
		partner->partner = l->id;
		l->partner = partner->id;
	}
	s->stats.created++;
	*out = l;
	return 0;
}

/* Section 13.3: a prefix length of 0 removes every filter; the others
 * add to what the lease l (NULL: a new one) has, and a refresh that
 * repeats its filters changes nothing. The result in f, n; 0, or
 * MALFORMED_OPTION for a filter the lease could never match (another
 * address family than the internal address), EXCESSIVE_REMOTE_PEERS
 * when more than the lease can hold would result. */
static int filters_merge(const struct natport_pcplease *l,
			 const struct natport_endpoint *internal,
			 const struct natport_pcp_msg *m,
			 struct natport_pcp_filter *f, unsigned int *n_out)
{
	unsigned int i, j, n = l ? l->n_filters : 0;

	memset(f, 0, NATPORT_PCP_MAX_FILTERS * sizeof(*f));
	if (l)
		memcpy(f, l->filters, n * sizeof(*f));
	for (i = 0; i < m->n_filters; i++)
		if (!m->filters[i].prefix_len)
			n = 0;
	for (i = 0; i < m->n_filters; i++) {
		const struct natport_pcp_filter *nf = &m->filters[i];

		if (!nf->prefix_len)
			continue;
		if (nf->remote.family != internal->family)
			return NATPORT_PCP_MALFORMED_OPTION;
		for (j = 0; j < n; j++)
			if (f[j].prefix_len == nf->prefix_len &&
			    natport_endpoint_equal(&f[j].remote, &nf->remote))
				break;
		if (j < n)
			continue;
		if (n == NATPORT_PCP_MAX_FILTERS)
			return NATPORT_PCP_EXCESSIVE_REMOTE_PEERS;
		f[n++] = *nf;
	}
	*n_out = n;
	return 0;
}

static void filters_set(struct natport_pcplease *l,
			const struct natport_pcp_filter *f, unsigned int n)
{
	if (n == l->n_filters && !memcmp(f, l->filters, n * sizeof(*f)))
		return;
	memset(l->filters, 0, sizeof(l->filters));
	memcpy(l->filters, f, n * sizeof(*f));
	l->n_filters = n;
	l->filter_gen++;
}

static int nonce_owns(const struct natport_pcplease *l,
		      const struct natport_pcp_msg *m)
{
	return l->owner == NATPORT_PCPLEASE_PCP &&
	       !memcmp(l->nonce, m->nonce, NATPORT_PCP_NONCE_LEN);
}

/* Delete every lease of the internal address (protocol 0: any) that the
 * nonce owns. */
static void delete_all(struct natport_pcpsrv *s, uint8_t protocol,
		       const struct natport_endpoint *internal,
		       const struct natport_pcp_msg *m, uint8_t owner)
{
	struct natport_pcplease *l, *n;

	for (l = natport_pcplease_next(&s->leases, NULL); l; l = n) {
		n = natport_pcplease_next(&s->leases, l);
		if ((protocol && l->protocol != protocol) ||
		    !natport_endpoint_addr_equal(&l->internal, internal) ||
		    l->owner != owner ||
		    (m && !nonce_owns(l, m)))
			continue;
		lease_end(s, l);
		s->stats.deleted++;
	}
}

/* MAP (section 11.3) and PEER (12.3). m becomes the response. */
static int pcp_mapping(struct natport_pcpsrv *s, struct natport_pcp_msg *m,
		       const struct natport_endpoint *internal,
		       const struct natport_endpoint *src, uint64_t now_ms)
{
	int peer = m->opcode == NATPORT_PCP_OP_PEER;
	struct natport_pcplease *l;
	struct natport_endpoint in = *internal;
	struct natport_pcp_filter filters[NATPORT_PCP_MAX_FILTERS];
	unsigned int n_filters = 0;
	uint32_t lt;
	int r, created = 0;

	if (m->protocol == 0) {
		if (m->internal_port || peer)
			return NATPORT_PCP_MALFORMED_REQUEST;
		if (m->lifetime)
			return NATPORT_PCP_UNSUPP_PROTOCOL;
		delete_all(s, 0, internal, m, NATPORT_PCPLEASE_PCP);
		return 0;
	}
	if (m->protocol != NATPORT_PCP_PROTO_UDP)
		return NATPORT_PCP_UNSUPP_PROTOCOL;
	if (peer) {
		char why[64];

		if (!m->internal_port || !m->peer.port ||
		    is_unspec_addr(&m->peer))
			return NATPORT_PCP_MALFORMED_REQUEST;
		if (m->peer.family != internal->family ||
		    natport_policy_check_remote(s->cfg.policy, &m->peer, 0, why,
						sizeof(why)))
			return NATPORT_PCP_NOT_AUTHORIZED;
	}
	in.port = m->internal_port;

	if (!m->lifetime) {
		if (!m->internal_port) {
			delete_all(s, m->protocol, internal, m,
				   NATPORT_PCPLEASE_PCP);
			return 0;
		}
		l = natport_pcplease_find(&s->leases, m->protocol, &in);
		if (!l)
			return 0; /* nothing to delete is not an error */
		if (!nonce_owns(l, m))
			return NATPORT_PCP_NOT_AUTHORIZED;
		m->external = l->external;
		if (peer && l->map_until_ms) {
			/* the MAP stays: only the PEER ends */
			memset(&l->peer, 0, sizeof(l->peer));
			l->peer_until_ms = 0;
			if (s->ops.peer)
				s->ops.peer(s->ops_arg, l);
			return 0;
		}
		lease_end(s, l);
		s->stats.deleted++;
		return 0;
	}

	if (!m->internal_port)
		return NATPORT_PCP_MALFORMED_REQUEST;
	if (m->prefer_failure && !m->external.port &&
	    is_unspec_addr(&m->external))
		return NATPORT_PCP_MALFORMED_OPTION;
	lt = clamp(s, m->lifetime);
	l = natport_pcplease_find(&s->leases, m->protocol, &in);
	if (l && !nonce_owns(l, m))
		return NATPORT_PCP_NOT_AUTHORIZED;
	if (!peer) {
		r = filters_merge(l, internal, m, filters, &n_filters);
		if (r)
			return r;
	}
	if (!l) {
		/* a suggested address that is not ours (section 11.3) */
		if (!is_unspec_addr(&m->external) &&
		    !natport_endpoint_addr_equal(&m->external,
						 &s->cfg.external) &&
		    m->prefer_failure)
			return NATPORT_PCP_CANNOT_PROVIDE_EXTERNAL;
		r = lease_create(s, NATPORT_PCPLEASE_PCP, m->protocol, &in,
				 m->nonce, m->external.port, m->prefer_failure,
				 src, now_ms, &l);
		if (r)
			return r;
		created = 1;
	}
	l->client = *src;
	if (peer) {
		if (!natport_endpoint_equal(&l->peer, &m->peer)) {
			struct natport_endpoint old = l->peer;

			l->peer = m->peer;
			r = s->ops.peer ? s->ops.peer(s->ops_arg, l) : 0;
			if (r) {
				l->peer = old;
				if (created) {
					lease_end(s, l);
					s->stats.created--;
				}
				return ops_result(r);
			}
		}
		l->peer_until_ms = now_ms + (uint64_t)lt * 1000;
	} else {
		l->map_until_ms = now_ms + (uint64_t)lt * 1000;
		filters_set(l, filters, n_filters);
	}
	m->external = l->external;
	m->lifetime = lt;
	l->told = l->external;
	l->heard_ms = now_ms;
	return 0;
}

static int pcp_handle(struct natport_pcpsrv *s, const uint8_t *req,
		      size_t len, const struct natport_endpoint *src,
		      uint64_t now_ms, uint8_t *out, size_t outlen)
{
	struct natport_pcp_msg m;
	struct natport_endpoint internal;
	uint32_t epoch = natport_pcpsrv_epoch(s, now_ms);
	char why[64];
	int r, n;

	r = natport_pcpmsg_decode_request(req, len, &m);
	if (r < 0) {
		s->stats.dropped++;
		return 0;
	}
	if (r)
		goto error;
	if (!natport_endpoint_addr_equal(&m.client, src)) {
		r = NATPORT_PCP_ADDRESS_MISMATCH;
		goto error;
	}
	internal = *src;
	internal.port = 0;
	if (m.has_third_party) {
		if (!s->cfg.third_party) {
			r = NATPORT_PCP_UNSUPP_OPTION;
			goto error;
		}
		internal = m.third_party;
		internal.port = 0;
	}
	switch (m.opcode) {
	case NATPORT_PCP_OP_ANNOUNCE:
		m.lifetime = 0;
		break;
	case NATPORT_PCP_OP_MAP:
	case NATPORT_PCP_OP_PEER:
		if (natport_policy_check_internal(s->cfg.policy, &internal, why,
						  sizeof(why))) {
			r = NATPORT_PCP_NOT_AUTHORIZED;
			goto error;
		}
		r = pcp_mapping(s, &m, &internal, src, now_ms);
		if (r)
			goto error;
		break;
	}
	m.response = 1;
	m.result = 0;
	m.epoch = epoch;
	n = natport_pcpmsg_encode(&m, out, outlen);
	if (n < 0)
		return 0;
	s->stats.results[0]++;
	return n;

error:
	n = natport_pcpmsg_encode_error(req, len, r,
					natport_pcpmsg_result_is_long(r)
						? s->cfg.error_long_s
						: s->cfg.error_short_s,
					epoch, out, outlen);
	if (n < 0)
		return 0;
	if (r < __NATPORT_PCP_RESULT_MAX)
		s->stats.results[r]++;
	return n;
}

static uint16_t natpmp_result(int pcp)
{
	switch (pcp) {
	case NATPORT_PCP_SUCCESS:
		return NATPORT_NATPMP_SUCCESS;
	case NATPORT_PCP_NOT_AUTHORIZED:
	case NATPORT_PCP_CANNOT_PROVIDE_EXTERNAL:
		return NATPORT_NATPMP_REFUSED;
	case NATPORT_PCP_NO_RESOURCES:
	case NATPORT_PCP_USER_EX_QUOTA:
		return NATPORT_NATPMP_NO_RESOURCES;
	}
	return NATPORT_NATPMP_NETWORK_FAILURE;
}

static int natpmp_handle(struct natport_pcpsrv *s, const uint8_t *req,
			 size_t len, const struct natport_endpoint *src,
			 uint64_t now_ms, uint8_t *out, size_t outlen)
{
	static const uint8_t zero_nonce[NATPORT_PCP_NONCE_LEN];
	struct natport_natpmp_msg m, resp;
	struct natport_endpoint in = *src;
	struct natport_pcplease *l;
	char why[64];
	int r;

	s->stats.natpmp_requests++;
	r = natport_natpmp_decode_request(req, len, &m);
	if (r < 0) {
		s->stats.dropped++;
		return 0;
	}
	memset(&resp, 0, sizeof(resp));
	resp.opcode = m.opcode + NATPORT_NATPMP_OP_RESPONSE;
	resp.epoch = natport_pcpsrv_epoch(s, now_ms);
	resp.result = r;
	resp.internal_port = m.internal_port;
	if (r)
		goto out;
	in.port = 0;
	if (src->family != AF_INET ||
	    natport_policy_check_internal(s->cfg.policy, &in, why,
					  sizeof(why))) {
		resp.result = NATPORT_NATPMP_REFUSED;
		goto out;
	}
	if (m.opcode == NATPORT_NATPMP_OP_ADDR) {
		resp.external = s->cfg.external.addr.v4;
		goto out;
	}
	if (m.opcode == NATPORT_NATPMP_OP_MAP_TCP) {
		resp.result = NATPORT_NATPMP_REFUSED; /* media is UDP */
		goto out;
	}
	in.port = m.internal_port;
	if (!m.lifetime) {
		if (!m.internal_port) {
			delete_all(s, NATPORT_PCP_PROTO_UDP, &in, NULL,
				   NATPORT_PCPLEASE_NATPMP);
			goto out;
		}
		l = natport_pcplease_find(&s->leases, NATPORT_PCP_PROTO_UDP,
					  &in);
		if (l && l->owner != NATPORT_PCPLEASE_NATPMP)
			resp.result = NATPORT_NATPMP_REFUSED;
		else if (l) {
			lease_end(s, l);
			s->stats.deleted++;
		}
		goto out; /* section 3.4: external port 0, lifetime 0 */
	}
	if (!m.internal_port) {
		resp.result = NATPORT_NATPMP_REFUSED;
		goto out;
	}
	l = natport_pcplease_find(&s->leases, NATPORT_PCP_PROTO_UDP, &in);
	if (l && l->owner != NATPORT_PCPLEASE_NATPMP) {
		resp.result = NATPORT_NATPMP_REFUSED;
		goto out;
	}
	if (!l) {
		r = lease_create(s, NATPORT_PCPLEASE_NATPMP,
				 NATPORT_PCP_PROTO_UDP, &in, zero_nonce,
				 m.external_port, 0, src, now_ms, &l);
		if (r) {
			resp.result = natpmp_result(r);
			goto out;
		}
	}
	l->client = *src;
	l->heard_ms = now_ms;
	resp.lifetime = clamp(s, m.lifetime);
	l->map_until_ms = now_ms + (uint64_t)resp.lifetime * 1000;
	resp.external_port = l->external.port;
out:
	r = natport_natpmp_encode(&resp, out, outlen);
	return r < 0 ? 0 : r;
}

int natport_pcpsrv_handle(struct natport_pcpsrv *s, const uint8_t *req,
			  size_t len, const struct natport_endpoint *src,
			  uint64_t now_ms, uint8_t *out, size_t outlen)
{
	s->stats.requests++;
	if (len < 2) { /* both RFCs: too short to answer */
		s->stats.dropped++;
		return 0;
	}
	if (req[0] == NATPORT_NATPMP_VERSION && !s->cfg.no_natpmp)
		return natpmp_handle(s, req, len, src, now_ms, out, outlen);
	if (req[0] == NATPORT_PCP_VERSION && s->cfg.no_pcp) {
		struct natport_natpmp_msg m = {
			.opcode = (req[1] & 0x7f) + NATPORT_NATPMP_OP_RESPONSE,
			.result = NATPORT_NATPMP_UNSUPP_VERSION,
			.epoch = natport_pcpsrv_epoch(s, now_ms),
		};
		int n;

		if (req[1] & 0x80) {
			s->stats.dropped++;
			return 0;
		}
		n = natport_natpmp_encode(&m, out, outlen);
		return n < 0 ? 0 : n;
	}
	/* PCP, or a version neither of us speaks: UNSUPP_VERSION naming 2,
	 * whose octets 2-3 also read as NAT-PMP's "unsupported version" */
	return pcp_handle(s, req, len, src, now_ms, out, outlen);
}

void natport_pcpsrv_expire(struct natport_pcpsrv *s, uint64_t now_ms)
{
	struct natport_pcplease *l, *n;

	for (l = natport_pcplease_next(&s->leases, NULL); l; l = n) {
		n = natport_pcplease_next(&s->leases, l);
		if (l->peer_until_ms && l->peer_until_ms <= now_ms &&
		    l->map_until_ms > now_ms) {
			memset(&l->peer, 0, sizeof(l->peer));
			l->peer_until_ms = 0;
			if (s->ops.peer)
				s->ops.peer(s->ops_arg, l);
		}
		if (natport_pcplease_until(l) <= now_ms) {
			lease_end(s, l);
			s->stats.expired++;
		}
	}
}

uint64_t natport_pcpsrv_next(const struct natport_pcpsrv *s)
{
	uint64_t next = 0;
	uint32_t i;

	for (i = 0; i < s->leases.cap; i++) {
		const struct natport_pcplease *l = &s->leases.l[i];
		uint64_t t[2] = { l->map_until_ms, l->peer_until_ms };
		int k;

		if (!l->id)
			continue;
		for (k = 0; k < 2; k++)
			if (t[k] && (!next || t[k] < next))
				next = t[k];
	}
	return next;
}

int natport_pcpsrv_announce(const struct natport_pcpsrv *s, uint64_t now_ms,
			    uint8_t *out, size_t outlen)
{
	struct natport_pcp_msg m = {
		.opcode = NATPORT_PCP_OP_ANNOUNCE,
		.response = 1,
		.epoch = natport_pcpsrv_epoch(s, now_ms),
	};

	return natport_pcpmsg_encode(&m, out, outlen);
}

int natport_pcpsrv_natpmp_announce(const struct natport_pcpsrv *s,
				   uint64_t now_ms, uint8_t *out,
				   size_t outlen)
{
	struct natport_natpmp_msg m = {
		.opcode = NATPORT_NATPMP_OP_RESPONSE,
		.epoch = natport_pcpsrv_epoch(s, now_ms),
		.external = s->cfg.external.addr.v4,
	};

	return natport_natpmp_encode(&m, out, outlen);
}

int natport_pcpsrv_unsolicited(const struct natport_pcpsrv *s,
			       const struct natport_pcplease *l, int deleted,
			       uint64_t now_ms, uint8_t *out, size_t outlen)
{
	struct natport_pcp_msg m = {
		.opcode = l->map_until_ms ? NATPORT_PCP_OP_MAP :
					    NATPORT_PCP_OP_PEER,
		.response = 1,
		.epoch = natport_pcpsrv_epoch(s, now_ms),
		.protocol = l->protocol,
		.internal_port = l->internal.port,
		.external = l->external,
	};
	uint64_t until = l->map_until_ms ? l->map_until_ms : l->peer_until_ms;

	if (l->owner != NATPORT_PCPLEASE_PCP)
		return -EINVAL; /* NAT-PMP has no such message */
	memcpy(m.nonce, l->nonce, sizeof(m.nonce));
	if (m.opcode == NATPORT_PCP_OP_PEER)
		m.peer = l->peer;
	else {
		m.n_filters = l->n_filters;
		memcpy(m.filters, l->filters, sizeof(m.filters));
	}
	if (!deleted && until > now_ms)
		m.lifetime = (uint32_t)((until - now_ms) / 1000);
	return natport_pcpmsg_encode(&m, out, outlen);
}

static int endpoint_cmp(const struct natport_endpoint *a,
			const struct natport_endpoint *b)
{
	size_t n = a->family == AF_INET6 ? 16 : 4;
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	r = memcmp(&a->addr, &b->addr, n);
	if (r)
		return r;
	return a->port == b->port ? 0 : a->port < b->port ? -1 : 1;
}

unsigned int natport_pcpsrv_announce_targets(const struct natport_pcpsrv *s,
					     uint64_t since_ms,
					     struct natport_endpoint *out,
					     unsigned int max)
{
	unsigned int n = 0, i, j, k = 0;
	uint8_t *heard;
	uint32_t x;

	heard = calloc(max ? max : 1, 1);
	if (!heard)
		return 0;
	for (x = 0; x < s->leases.cap; x++) {
		const struct natport_pcplease *l = &s->leases.l[x];

		if (!l->id || l->owner != NATPORT_PCPLEASE_PCP ||
		    l->client.family == AF_UNSPEC)
			continue;
		/* insertion into a sorted array: a client with many leases
		 * is told once; one that spoke for any of them has heard */
		for (i = 0; i < n && endpoint_cmp(&out[i], &l->client) < 0; i++)
			;
		if (i == n || endpoint_cmp(&out[i], &l->client)) {
			if (n == max)
				continue;
			for (j = n; j > i; j--) {
				out[j] = out[j - 1];
				heard[j] = heard[j - 1];
			}
			out[i] = l->client;
			heard[i] = 0;
			n++;
		}
		heard[i] |= l->heard_ms >= since_ms;
	}
	for (i = 0; i < n; i++)
		if (!heard[i])
			out[k++] = out[i];
	free(heard);
	return k;
}
