// SPDX-License-Identifier: GPL-2.0-or-later
/* media.c - SDP streams -> port-manager mappings, per call. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <natport/control.h>

#include "core/log.h"
#include "media/streams.h"
#include "core/quality.h"
#include "media/sdp.h"

#define CLIENT_BUCKETS 256

/* How many mappings one LAN phone holds across its calls. */
struct client {
	struct natport_endpoint addr; /* port 0 */
	unsigned int maps;
	struct client *next;
};

struct natport_media {
	struct natport_pm *pm;
	struct natport_call_table *calls;
	struct natport_config cfg;
	uint16_t *refs; /* by mapping id: calls that own it */
	uint32_t nrefs;
	struct client *clients[CLIENT_BUCKETS];
	struct natport_media_stats st;
	struct natport_quality *q; /* RTP statistics; NULL: none */
};

void natport_media_set_quality(struct natport_media *m,
			       struct natport_quality *q)
{
	m->q = q;
}

struct natport_quality *natport_media_quality(struct natport_media *m)
{
	return m->q;
}

struct natport_media *natport_media_new(struct natport_pm *pm,
					struct natport_call_table *calls,
					const struct natport_config *cfg)
{
	struct natport_media *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->pm = pm;
	m->calls = calls;
	m->cfg = *cfg;
	return m;
}

void natport_media_free(struct natport_media *m)
{
	if (!m)
		return;
	for (int i = 0; i < CLIENT_BUCKETS; i++) {
		struct client *c, *n;

		for (c = m->clients[i]; c; c = n) {
			n = c->next;
			free(c);
		}
	}
	free(m->refs);
	free(m);
}

void natport_media_set_config(struct natport_media *m,
			      const struct natport_config *cfg)
{
	m->cfg = *cfg;
}

static unsigned int client_bucket(const struct natport_endpoint *a)
{
	const unsigned char *p = (const unsigned char *)&a->addr;
	size_t n = a->family == AF_INET6 ? 16 : 4;
	unsigned int h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h % CLIENT_BUCKETS;
}

static struct client *client_get(struct natport_media *m,
				 const struct natport_endpoint *addr,
				 int create)
{
	unsigned int b = client_bucket(addr);
	struct client *c;

	for (c = m->clients[b]; c; c = c->next)
		if (natport_endpoint_addr_equal(&c->addr, addr))
			return c;
	if (!create)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->addr = *addr;
	c->addr.port = 0;
	c->next = m->clients[b];
	m->clients[b] = c;
	m->st.clients++;
	return c;
}

static void client_put(struct natport_media *m, struct client *cl)
{
	struct client **pp;

	if (--cl->maps)
		return;
	for (pp = &m->clients[client_bucket(&cl->addr)]; *pp;
	     pp = &(*pp)->next) {
		if (*pp == cl) {
			*pp = cl->next;
			free(cl);
			m->st.clients--;
			return;
		}
	}
}

static int ref(struct natport_media *m, uint32_t id)
{
	if (id >= m->nrefs) {
		uint32_t n = m->nrefs ? m->nrefs : 1024;
		uint16_t *r;

		while (n <= id)
			n *= 2;
		r = realloc(m->refs, n * sizeof(*r));
		if (!r)
			return -1;
		memset(r + m->nrefs, 0, (n - m->nrefs) * sizeof(*r));
		m->refs = r;
		m->nrefs = n;
	}
	m->refs[id]++;
	return 0;
}

static void unref(struct natport_media *m, uint32_t id, const char *label)
{
	int err;

	if (id >= m->nrefs || !m->refs[id])
		return;
	if (--m->refs[id])
		return;
	natport_quality_untrack(m->q, id, label);
	err = natport_pm_release_id(m->pm, id);
	if (err)
		log_warnx("media: release of mapping %u: %s (%s)", id,
			  natport_strerror(err), natport_pm_last_error(m->pm));
}

/* Drop the call's reference to its i-th owned mapping. */
static void drop_owned(struct natport_media *m, struct natport_call *c,
		       unsigned int i)
{
	struct client *cl = client_get(m, &c->client, 0);

	unref(m, c->maps[i], c->call_id ? c->call_id : "call");
	if (cl)
		client_put(m, cl);
	c->maps[i] = c->maps[--c->n_maps];
}

static void drop_id(struct natport_media *m, struct natport_call *c,
		    uint32_t id)
{
	for (unsigned int i = 0; i < c->n_maps; i++) {
		if (c->maps[i] == id) {
			drop_owned(m, c, i);
			return;
		}
	}
}

/* The call takes a reference to a mapping get_mapping returned. On
 * refusal a mapping nobody else holds is released at once. */
static int own(struct natport_media *m, struct natport_call *c, uint32_t id,
	       uint32_t *added, unsigned int *n_added, char *reason,
	       size_t rlen)
{
	struct client *cl;

	if (natport_call_map_owned(c, id))
		return 0;
	cl = client_get(m, &c->client, 1);
	if (!cl || cl->maps >= m->cfg.max_mappings_per_client ||
	    c->n_maps == NATPORT_CALL_MAX_MAPS || ref(m, id)) {
		if (id >= m->nrefs || !m->refs[id])
			natport_pm_release_id(m->pm, id);
		if (cl && !cl->maps) {
			cl->maps = 1;
			client_put(m, cl);
		}
		m->st.refused_cap++;
		snprintf(reason, rlen, "too many media ports for this client "
				       "(max-mappings-per-client %u)",
			 m->cfg.max_mappings_per_client);
		return 503;
	}
	cl->maps++;
	natport_call_map_add(c, id);
	added[(*n_added)++] = id;
	return 0;
}

static int status_of(struct natport_media *m, int err, const char *what,
		     char *reason, size_t rlen)
{
	snprintf(reason, rlen, "%s: %s (%s)", what, natport_strerror(err),
		 natport_pm_last_error(m->pm));
	switch (-err) {
	case NATPORT_E_NOPORT:
		m->st.refused_noport++;
		return 503;
	case NATPORT_E_INVAL:
	case NATPORT_E_BADADDR:
	case NATPORT_E_NOTSUP:
	case NATPORT_E_EXIST:
		m->st.refused_addr++;
		return 488;
	default:
		m->st.kernel_errors++;
		return 500;
	}
}

static int in_lan(const struct natport_config *cfg,
		  const struct natport_endpoint *ep)
{
	for (unsigned int i = 0; i < cfg->n_lan_prefix; i++)
		if (natport_prefix_contains(&cfg->lan_prefix[i], ep))
			return 1;
	return 0;
}

/* Where the far end may ask us to send media: not into the LAN, not to
 * the router, not loopback/multicast/broadcast. Unspecified is hold. */
static const char *bad_remote(const struct natport_media *m,
			      const struct natport_endpoint *ep)
{
	uint32_t a;

	if (ep->family == AF_UNSPEC || natport_endpoint_is_unspec(ep))
		return NULL;
	if (ep->family != AF_INET)
		return "IPv6 media is not supported on the kernel path yet";
	if (in_lan(&m->cfg, ep))
		return "points into the LAN";
	if (natport_endpoint_addr_equal(ep, &m->cfg.lan_address) ||
	    natport_endpoint_addr_equal(ep, &m->cfg.wan_address))
		return "points at the router";
	a = ntohl(ep->addr.v4.s_addr);
	if ((a >> 24) == 127 || (a >> 24) == 0)
		return "loopback or this-network address";
	if ((a >> 28) == 14 || (a >> 28) == 15)
		return "multicast or reserved address";
	return NULL;
}

static int can_install(const struct natport_call_stream *s)
{
	return s->rtp_id && !s->disabled && !s->remote_hold &&
	       s->remote_rtp.family != AF_UNSPEC &&
	       !natport_endpoint_is_unspec(&s->remote_rtp) &&
	       s->remote_rtp.port;
}

/* Install the remote of every stream that has one (an answer arrived):
 * all of them in one netlink round trip, before the answer is forwarded.
 * Then count the RTP streams' quality, where the kernel module is. */
static int install_remotes(struct natport_media *m, struct natport_call *c,
			   char *reason, size_t rlen)
{
	struct natport_remote_update u[2 * NATPORT_SDP_MAX_STREAMS];
	unsigned int n = 0, i, k;
	int err;

	memset(u, 0, sizeof(u));
	for (i = 0; i < c->n_streams; i++) {
		struct natport_call_stream *s = &c->streams[i];

		if (!can_install(s))
			continue;
		u[n].external = s->external_rtp;
		u[n++].remote = s->remote_rtp;
		if (s->rtcp_id && s->remote_rtcp.family != AF_UNSPEC &&
		    s->remote_rtcp.port &&
		    !natport_endpoint_is_unspec(&s->remote_rtcp)) {
			u[n].external = s->external_rtcp;
			u[n++].remote = s->remote_rtcp;
		}
	}
	err = n ? natport_pm_update_remote_many(m->pm, u, n) : 0;
	if (err) {
		for (k = 0; k < n && !u[k].result; k++)
			;
		return status_of(m, err,
				 k < n && natport_port_type_is_rtcp(
						  u[k].mapping.type) ?
					 "RTCP remote" :
					 "media remote",
				 reason, rlen);
	}
	for (i = 0; i < c->n_streams; i++) {
		struct natport_call_stream *s = &c->streams[i];

		if (can_install(s) && s->payload_type >= 0 && s->clock_rate)
			natport_quality_track(m->q, s->rtp_id, s->payload_type,
					      s->clock_rate);
	}
	natport_call_emit(m->calls, NATPORT_CALL_EV_MEDIA, c);
	return 0;
}

/* The codec of an SDP stream, for RTP statistics. */
static void set_codec(struct natport_call_stream *s,
		      const struct natport_sdp_stream *st)
{
	s->payload_type = st->payload_type == NATPORT_SDP_PT_NONE ?
				  -1 :
				  st->payload_type;
	s->clock_rate = st->clock_rate;
}

/* Offer/answer done: mappings a re-offer replaced are not needed now. */
static void release_stale(struct natport_media *m, struct natport_call *c)
{
	unsigned int i = 0, k;

	while (i < c->n_maps) {
		uint32_t id = c->maps[i];

		for (k = 0; k < c->n_streams; k++)
			if (c->streams[k].rtp_id == id ||
			    c->streams[k].rtcp_id == id)
				break;
		if (k == c->n_streams)
			drop_owned(m, c, i);
		else
			i++;
	}
}

static int get_map(struct natport_media *m, struct natport_call *c,
		   enum natport_port_type type,
		   const struct natport_endpoint *internal, uint16_t rtp_port,
		   struct natport_mapping *out, uint32_t *added,
		   unsigned int *n_added, char *reason, size_t rlen)
{
	struct natport_mapping_req req = {
		.type = type,
		.internal = *internal,
		.rtp_internal_port = rtp_port,
		.owner = c->serial,
	};
	char b[NATPORT_ENDPOINT_STRLEN];
	int err;

	req.remote.family = AF_UNSPEC;
	err = natport_pm_get_mapping(m->pm, &req, out);
	if (err)
		return status_of(m, err,
				 natport_port_type_is_rtcp(type) ? "RTCP port" :
								   "media port",
				 reason, rlen);
	if (out->owner == NATPORT_CTL_OWNER_STATIC) {
		/* an operator pinned this endpoint (nat-portctl mappings
		 * add): a call must neither share nor ever release it */
		m->st.refused_addr++;
		snprintf(reason, rlen, "%s is pinned by static mapping %u",
			 natport_endpoint_format(internal, b, sizeof(b)),
			 out->id);
		return 488;
	}
	return own(m, c, out->id, added, n_added, reason, rlen);
}

/* The phone's own endpoint for an SDP endpoint of its: an unspecified
 * address (c=0.0.0.0 hold) means the address its SIP came from; any other
 * address than that is refused (488), so a phone cannot point media at
 * another host or the router. */
static int phone_endpoint(struct natport_media *m,
			  const struct natport_endpoint *sdp_ep,
			  const struct natport_endpoint *sig_src, unsigned int i,
			  const char *what, struct natport_endpoint *out,
			  char *reason, size_t rlen)
{
	char b[NATPORT_ENDPOINT_STRLEN];

	*out = *sdp_ep;
	if (out->family == AF_UNSPEC || natport_endpoint_is_unspec(out)) {
		*out = *sig_src;
		out->port = sdp_ep->port;
	}
	if (natport_endpoint_addr_equal(out, sig_src))
		return 0;
	m->st.refused_addr++;
	snprintf(reason, rlen,
		 "stream %u asks for %s at %s, not at the phone's own address",
		 i + 1, what, natport_endpoint_format(out, b, sizeof(b)));
	return 488;
}

int natport_media_lan_sdp(struct natport_media *m, struct natport_call *c,
			  const char *body, size_t len,
			  const struct natport_endpoint *sig_src, int is_answer,
			  char **out, size_t *outlen, char *reason, size_t rlen)
{
	struct natport_sdp_rewrite rw[NATPORT_SDP_MAX_STREAMS];
	struct natport_call_stream ns[NATPORT_SDP_MAX_STREAMS];
	uint32_t added[2 * NATPORT_SDP_MAX_STREAMS];
	unsigned int n_added = 0, i;
	struct natport_sdp sdp;
	char err[160];
	int ret = 0;

	*out = NULL;
	*outlen = 0;
	if (natport_sdp_parse(&sdp, body, len, err, sizeof(err))) {
		m->st.refused_sdp++;
		snprintf(reason, rlen, "malformed SDP: %s", err);
		return 400;
	}
	if (c->client.family == AF_UNSPEC) {
		c->client = *sig_src;
		c->client.port = 0;
	}
	memset(rw, 0, sizeof(rw));
	for (i = 0; i < sdp.n; i++) {
		const struct natport_sdp_stream *st = &sdp.s[i];
		struct natport_call_stream *s = &ns[i];
		struct natport_endpoint in_rtp, in_rtcp;
		struct natport_mapping mr, mc;

		*s = i < c->n_streams ? c->streams[i] :
					(struct natport_call_stream){ 0 };
		snprintf(s->media, sizeof(s->media), "%s", st->media);
		s->disabled = st->disabled;
		s->rtcp_mux = st->rtcp_mux;
		s->hold = st->hold;
		s->dir = st->dir;
		set_codec(s, st);
		if (st->disabled) {
			s->rtp_id = s->rtcp_id = 0;
			rw[i].rtp = m->cfg.wan_address;
			rw[i].rtp.port = 0;
			continue;
		}
		ret = phone_endpoint(m, &st->rtp, sig_src, i, "media", &in_rtp,
				     reason, rlen);
		if (ret)
			goto err_unwind;
		ret = get_map(m, c, st->rtp_type, &in_rtp, 0, &mr, added,
			      &n_added, reason, rlen);
		if (ret)
			goto err_unwind;
		s->rtp_id = mr.id;
		s->internal_rtp = in_rtp;
		s->external_rtp = mr.external;
		rw[i].rtp = mr.external;
		s->rtcp_id = 0;
		memset(&s->internal_rtcp, 0, sizeof(s->internal_rtcp));
		memset(&s->external_rtcp, 0, sizeof(s->external_rtcp));
		if (st->rtcp_mux || st->rtcp.family == AF_UNSPEC || !st->rtcp.port)
			continue;
		ret = phone_endpoint(m, &st->rtcp, sig_src, i, "RTCP", &in_rtcp,
				     reason, rlen);
		if (ret)
			goto err_unwind;
		ret = get_map(m, c, st->rtcp_type, &in_rtcp, in_rtp.port, &mc,
			      added, &n_added, reason, rlen);
		if (ret)
			goto err_unwind;
		s->rtcp_id = mc.id;
		s->internal_rtcp = in_rtcp;
		s->external_rtcp = mc.external;
		rw[i].rtcp_port = mc.external.port;
	}
	if (natport_sdp_rewrite(&sdp, rw, out, outlen, err, sizeof(err))) {
		snprintf(reason, rlen, "SDP rewrite: %s", err);
		ret = 500;
		goto err_unwind;
	}
	memcpy(c->streams, ns, sdp.n * sizeof(ns[0]));
	if (c->n_streams < sdp.n)
		c->n_streams = sdp.n;
	natport_sdp_free(&sdp);
	if (is_answer) {
		m->st.answers++;
		ret = install_remotes(m, c, reason, rlen);
		if (ret) {
			free(*out);
			*out = NULL;
			return ret;
		}
		release_stale(m, c);
	} else {
		m->st.offers++;
		natport_call_emit(m->calls, NATPORT_CALL_EV_MEDIA, c);
	}
	return 0;

err_unwind:
	while (n_added)
		drop_id(m, c, added[--n_added]);
	natport_sdp_free(&sdp);
	return ret;
}

int natport_media_wan_sdp(struct natport_media *m, struct natport_call *c,
			  const char *body, size_t len, int is_answer,
			  char *reason, size_t rlen)
{
	struct natport_sdp sdp;
	char err[160], b[NATPORT_ENDPOINT_STRLEN];
	const char *why;
	unsigned int i;
	int ret;

	if (natport_sdp_parse(&sdp, body, len, err, sizeof(err))) {
		m->st.refused_sdp++;
		snprintf(reason, rlen, "malformed SDP: %s", err);
		return 400;
	}
	for (i = 0; i < sdp.n; i++) {
		const struct natport_sdp_stream *st = &sdp.s[i];

		if (st->disabled)
			continue;
		why = bad_remote(m, &st->rtp);
		if (!why && st->rtcp.family != AF_UNSPEC)
			why = bad_remote(m, &st->rtcp);
		if (why) {
			m->st.refused_addr++;
			snprintf(reason, rlen, "stream %u: media address %s %s",
				 i + 1,
				 natport_endpoint_format(&st->rtp, b, sizeof(b)),
				 why);
			natport_sdp_free(&sdp);
			return 488;
		}
	}
	for (i = 0; i < sdp.n; i++) {
		const struct natport_sdp_stream *st = &sdp.s[i];
		struct natport_call_stream *s = &c->streams[i];

		if (i >= c->n_streams) {
			memset(s, 0, sizeof(*s));
			snprintf(s->media, sizeof(s->media), "%s", st->media);
			s->disabled = 1; /* until the phone's SDP maps it */
		}
		s->remote_hold = st->disabled || st->dir == NATPORT_SDP_INACTIVE ||
				 st->rtp.family == AF_UNSPEC ||
				 natport_endpoint_is_unspec(&st->rtp);
		if (!s->remote_hold) {
			s->remote_rtp = st->rtp;
			s->remote_rtcp = st->rtcp;
			set_codec(s, st);
		}
	}
	if (c->n_streams < sdp.n)
		c->n_streams = sdp.n;
	natport_sdp_free(&sdp);
	if (!is_answer) {
		m->st.offers++;
		return 0;
	}
	m->st.answers++;
	ret = install_remotes(m, c, reason, rlen);
	if (ret)
		return ret;
	release_stale(m, c);
	return 0;
}

void natport_media_release_call(struct natport_media *m,
				struct natport_call *c)
{
	while (c->n_maps)
		drop_owned(m, c, c->n_maps - 1);
	for (unsigned int i = 0; i < c->n_streams; i++)
		c->streams[i].rtp_id = c->streams[i].rtcp_id = 0;
}

uint64_t natport_media_call_packets(struct natport_media *m,
				    struct natport_call *c)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < c->n_maps; i++) {
		struct natport_counters k;

		if (!natport_pm_counters(m->pm, c->maps[i], &k))
			sum += k.pkts_in + k.pkts_out;
	}
	return sum;
}

void natport_media_get_stats(struct natport_media *m,
			     struct natport_media_stats *out)
{
	*out = m->st;
}
