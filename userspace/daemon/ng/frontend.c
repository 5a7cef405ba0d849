// SPDX-License-Identifier: GPL-2.0-or-later
/* frontend.c - the ng listener, its calls, and the commands (frontend.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/quality.h"
#include "ng/frontend.h"
#include "ng/ngcache.h"
#include "ng/ngmsg.h"
#include "ng/ngsdp.h"

#define CALL_BUCKETS 1024  /* a power of two */
#define SWEEP_MS 1000	   /* timeouts, cache expiry */
#define BATCH 64	   /* datagrams per wakeup before yielding */
#define CACHE_ENTRIES 4096 /* replies kept for retransmissions */
#define CACHE_BYTES (8u << 20)
#define CACHE_AGE_MS 30000 /* the modules give up after ~5 s */
#define LOGGED_FLAGS 64	   /* unknown flags logged once each */
#define TAG_MAX 128	   /* a tag longer than this is refused */
#define CALLID_MAX 256

struct ng_tag {
	char tag[TAG_MAX + 1]; /* "" allowed: the side not seen yet */
	enum natport_ng_side side;
	/* where its media comes from, for a LAN tag's SDP checks */
	struct natport_endpoint src;
	int64_t created;
	unsigned int n_protos;
	char protos[NATPORT_SESSION_MAX_STREAMS][NATPORT_NGSDP_PROTO_LEN];
};

struct ng_call {
	struct natport_ng *ng;
	struct natport_session *sess;
	char call_id[CALLID_MAX + 1];
	unsigned int n_tags;
	struct ng_tag tags[NATPORT_NG_TAGS];
	int64_t created, last_signal; /* UNIX seconds, for query */
	struct natport_evloop_timer *delete_timer;
	enum natport_session_end delete_why;
	struct ng_call *hnext;
};

struct natport_ng {
	struct natport_evloop *loop;
	struct natport_config cfg;
	struct natport_pm *pm;
	struct natport_session_table *sessions;
	struct natport_media *media;
	struct natport_ngcache cache;
	int fd;
	struct natport_evloop_timer *sweep;
	struct ng_call *b[CALL_BUCKETS];
	struct natport_ng_stats st;
	bool failed; /* the request being handled got an error reply */
	unsigned int n_logged;
	char *logged[LOGGED_FLAGS];
	/* one datagram in, one reply out: the loop is single-threaded */
	char in[NATPORT_NG_DGRAM_MAX + 1];
	char out[NATPORT_NG_DGRAM_MAX];
	struct natport_benc_node nodes[NATPORT_NG_NODES];
};

static int64_t unix_now(void)
{
	return (int64_t)time(NULL);
}

static unsigned int hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h & (CALL_BUCKETS - 1);
}

static bool str_eq(const struct natport_ng_str *a, const char *b)
{
	return a->p && a->len == strlen(b) && !memcmp(a->p, b, a->len);
}

static struct ng_call *call_find(struct natport_ng *ng,
				 const struct natport_ng_str *id)
{
	struct ng_call *c;

	if (!id->p)
		return NULL;
	for (c = ng->b[hash(id->p, id->len)]; c; c = c->hnext)
		if (str_eq(id, c->call_id))
			return c;
	return NULL;
}

static struct ng_tag *tag_find(struct ng_call *c,
			       const struct natport_ng_str *t)
{
	for (unsigned int i = 0; i < c->n_tags; i++)
		if (str_eq(t, c->tags[i].tag))
			return &c->tags[i];
	return NULL;
}

/* The tag t of call c, added if new; NULL when the call has no room. */
static struct ng_tag *tag_get(struct ng_call *c, const struct natport_ng_str *t)
{
	struct ng_tag *g = tag_find(c, t);

	if (g || c->n_tags == NATPORT_NG_TAGS)
		return g;
	g = &c->tags[c->n_tags++];
	memset(g, 0, sizeof(*g));
	memcpy(g->tag, t->p ? t->p : "", t->p ? t->len : 0);
	g->created = unix_now();
	return g;
}

/* --- session owner ops ------------------------------------------------- */

static const char *side_name(enum natport_ng_side s)
{
	return s == NATPORT_NG_SIDE_LAN ? "lan" :
	       s == NATPORT_NG_SIDE_WAN ? "wan" :
					  "?";
}

static unsigned int describe(const struct natport_session *s,
			     struct natport_session_field *f, unsigned int max)
{
	const struct ng_call *c = s->owner;
	unsigned int n = 0;

	if (max < 4)
		return 0;
	f[n++] = (struct natport_session_field){ "call_id", c->call_id };
	f[n++] = (struct natport_session_field){ "from_tag",
						 c->n_tags ? c->tags[0].tag :
							     "" };
	f[n++] = (struct natport_session_field){
		"to_tag", c->n_tags > 1 ? c->tags[c->n_tags - 1].tag : ""
	};
	f[n++] = (struct natport_session_field){
		"caller", c->n_tags ? side_name(c->tags[0].side) : "?"
	};
	return n;
}

static void call_unlink(struct ng_call *c)
{
	struct ng_call **pp;

	for (pp = &c->ng->b[hash(c->call_id, strlen(c->call_id))]; *pp;
	     pp = &(*pp)->hnext) {
		if (*pp == c) {
			*pp = c->hnext;
			break;
		}
	}
}

static void on_end(struct natport_session *s)
{
	struct ng_call *c = s->owner;

	if (c->delete_timer)
		natport_evloop_timer_cancel(c->ng->loop, c->delete_timer);
	call_unlink(c);
	c->ng->st.calls--;
	free(c);
}

static const struct natport_session_ops ng_session_ops = {
	.describe = describe,
	.on_end = on_end,
};

static struct ng_call *call_new(struct natport_ng *ng,
				const struct natport_ng_str *id)
{
	struct ng_call *c = calloc(1, sizeof(*c));
	unsigned int h;

	if (!c)
		return NULL;
	c->ng = ng;
	memcpy(c->call_id, id->p, id->len);
	c->sess = natport_session_new(ng->sessions, NATPORT_SESSION_NG,
				      c->call_id, &ng_session_ops, c,
				      natport_evloop_now(ng->loop));
	if (!c->sess) {
		free(c);
		return NULL;
	}
	c->created = c->last_signal = unix_now();
	h = hash(id->p, id->len);
	c->hnext = ng->b[h];
	ng->b[h] = c;
	ng->st.calls++;
	return c;
}

static void call_end(struct ng_call *c, enum natport_session_end why)
{
	natport_session_end(c->ng->sessions, c->sess, why);
}

/* --- replies ------------------------------------------------------------ */

static ssize_t reply_error(struct natport_ng *ng,
			   const struct natport_ng_req *req, const char *reason)
{
	ng->st.errors++;
	ng->failed = true;
	log_info_rl("ng: %.*s %.*s: %s", (int)req->command.len,
		    req->command.p ? req->command.p : "", (int)req->call_id.len,
		    req->call_id.p ? req->call_id.p : "", reason);
	return natport_ng_reply_error(ng->out, sizeof(ng->out), &req->cookie,
				      reason);
}

/* Unknown flags: logged once per name for the daemon's life, as rtpengine
 * does, and otherwise ignored. */
static void log_unknown(struct natport_ng *ng, const struct natport_ng_req *r)
{
	for (unsigned int i = 0; i < r->n_unknown; i++) {
		const struct natport_ng_str *u = &r->unknown[i];
		unsigned int k;

		for (k = 0; k < ng->n_logged; k++)
			if (str_eq(u, ng->logged[k]))
				break;
		if (k < ng->n_logged || ng->n_logged == LOGGED_FLAGS)
			continue;
		ng->logged[ng->n_logged] = strndup(u->p, u->len);
		if (!ng->logged[ng->n_logged])
			return;
		ng->n_logged++;
		log_info("ng: flag '%.*s' is not known to natport; ignored",
			 (int)u->len, u->p);
	}
}

/* --- media ------------------------------------------------------------ */

static int in_lan(const struct natport_config *cfg,
		  const struct natport_endpoint *ep)
{
	for (unsigned int i = 0; i < cfg->n_lan_prefix; i++)
		if (natport_prefix_contains(&cfg->lan_prefix[i], ep))
			return 1;
	return 0;
}

static void endpoint_of(const struct natport_ng_addr *a,
			struct natport_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->family = a->family ? a->family : AF_UNSPEC;
	if (a->family == AF_INET)
		ep->addr.v4 = a->v4;
	else if (a->family == AF_INET6)
		ep->addr.v6 = a->v6;
}

/*
 * Which side of the router one SDP comes from and where its media is:
 * dir_side from "direction" (UNKNOWN when not given), then what the tag
 * said before, then the address. Returns NULL or an error-reason.
 */
static const char *sdp_side(struct natport_ng *ng,
			    const struct natport_ng_req *req, struct ng_tag *g,
			    enum natport_ng_side dir_side,
			    struct natport_endpoint *src)
{
	struct natport_endpoint a;

	if (req->flags & NATPORT_NG_F_SIP_SOURCE_ADDRESS &&
	    req->received_from.family)
		endpoint_of(&req->received_from, &a);
	else if (natport_ngsdp_addr(req->sdp.p, req->sdp.len, &a))
		a.family = AF_UNSPEC; /* hold everywhere: the tag's own */
	if (a.family != AF_UNSPEC)
		g->src = a;
	*src = g->src;
	if (dir_side != NATPORT_NG_SIDE_UNKNOWN)
		g->side = dir_side;
	else if (g->side == NATPORT_NG_SIDE_UNKNOWN && a.family != AF_UNSPEC)
		g->side = in_lan(&ng->cfg, &a) ? NATPORT_NG_SIDE_LAN :
						 NATPORT_NG_SIDE_WAN;
	if (g->side == NATPORT_NG_SIDE_UNKNOWN)
		return "cannot tell the side of the media: no address in the "
		       "SDP and no direction";
	if (g->side == NATPORT_NG_SIDE_LAN && src->family == AF_UNSPEC)
		return "no media address for the LAN side";
	return NULL;
}

/* A refusal from media/ as an error-reason the modules act on: running
 * out of ports is rtpengine's own words, so Kamailio tries its next node. */
static const char *media_reason(struct natport_ng *ng, int status,
				const struct natport_media_stats *before,
				const char *reason)
{
	struct natport_media_stats now;

	natport_media_get_stats(ng->media, &now);
	if (status == 503 && now.refused_noport != before->refused_noport)
		return "Ran out of ports";
	return reason;
}

static const char *family_name(int af)
{
	return af == AF_INET6 ? "IPv6" : "IPv4";
}

/*
 * "address family" names the family the SDP's recipient expects; natport
 * does no NAT64, so it must be the family of the SDP's own media (a
 * stream of the other family is refused by media/ as well, against the
 * other side's media). NULL, or the error-reason in buf.
 */
static const char *family_asked(const struct natport_ng_req *req,
				const struct natport_endpoint *src, char *buf,
				size_t len)
{
	if (!req->address_family || src->family == AF_UNSPEC ||
	    src->family == req->address_family)
		return NULL;
	snprintf(buf, len,
		 "address family %s asked for, but the SDP's media is %s: "
		 "the router forwards media within one family only (no "
		 "NAT64)",
		 req->address_family == AF_INET6 ? "IP6" : "IP4",
		 family_name(src->family));
	return buf;
}

/* do_sdp's work on tag g; on an error reply the caller undoes g. */
static ssize_t sdp_run(struct natport_ng *ng, struct ng_call *c,
		       const struct natport_ng_req *req, bool answer,
		       struct ng_tag *g)
{
	enum natport_ng_side dir = NATPORT_NG_SIDE_UNKNOWN;
	struct natport_ngsdp_edit e = { 0 };
	struct natport_media_stats before;
	struct natport_endpoint src;
	char reason[256], *body = NULL, *rw = NULL;
	size_t blen, rwlen = 0;
	const char *why;
	struct ng_tag *other = NULL;
	ssize_t n;
	int st;

	if (req->n_direction == 2)
		dir = req->side[answer ? 1 : 0];
	why = sdp_side(ng, req, g, dir, &src);
	if (!why)
		why = family_asked(req, &src, reason, sizeof(reason));
	if (why)
		return reply_error(ng, req, why);
	/* the other side, when one is known: the same side twice would leave
	 * one leg's media unrelayed */
	for (unsigned int i = 0; i < c->n_tags; i++)
		if (&c->tags[i] != g &&
		    c->tags[i].side != NATPORT_NG_SIDE_UNKNOWN)
			other = &c->tags[i];
	if (other && other->side == g->side)
		return reply_error(ng, req,
				   g->side == NATPORT_NG_SIDE_LAN ?
					   "both sides are on the LAN: natport "
					   "relays between LAN and WAN only" :
					   "both sides are outside: natport "
					   "relays between LAN and WAN only");

	e.ice_remove = req->ice == NATPORT_NG_ICE_REMOVE;
	e.mux_reject = req->rtcp_mux & NATPORT_NG_MUX_REJECT;
	if (req->flags & NATPORT_NG_F_SIP_SOURCE_ADDRESS &&
	    req->received_from.family)
		e.c_addr = src;
	if (natport_ngsdp_edit(req->sdp.p, req->sdp.len, &e, &body, &blen))
		return reply_error(ng, req,
				   errno == E2BIG ? "SDP too large" :
						    "out of memory");
	g->n_protos = natport_ngsdp_protos(body, blen, g->protos,
					   NATPORT_SESSION_MAX_STREAMS);
	natport_media_get_stats(ng->media, &before);
	if (g->side == NATPORT_NG_SIDE_LAN)
		st = natport_media_lan_sdp(ng->media, c->sess, body, blen, &src,
					   answer, &rw, &rwlen, reason,
					   sizeof(reason));
	else
		st = natport_media_wan_sdp(ng->media, c->sess, body, blen,
					   answer, reason, sizeof(reason));
	if (st) {
		free(body);
		return reply_error(ng, req,
				   media_reason(ng, st, &before, reason));
	}
	c->last_signal = unix_now();
	c->sess->last_activity_ms = natport_evloop_now(ng->loop);
	if (answer)
		natport_session_set_state(ng->sessions, c->sess,
					  req->sip_code >= 100 &&
							  req->sip_code < 200 ?
						  NATPORT_SESSION_EARLY :
						  NATPORT_SESSION_ACTIVE,
					  natport_evloop_now(ng->loop));
	if (rw) /* LAN: the rewritten SDP; WAN: as edited */
		n = natport_ng_reply_sdp(ng->out, sizeof(ng->out), &req->cookie,
					 rw, rwlen, NULL);
	else
		n = natport_ng_reply_sdp(ng->out, sizeof(ng->out), &req->cookie,
					 body, blen, NULL);
	free(rw);
	free(body);
	return n;
}

/*
 * One SDP of the call: the offer's (its tag is from-tag) or the answer's
 * (to-tag). On success ng->out holds the reply. A refused SDP leaves its
 * tag as it was (a new tag is dropped), so a later SDP of the right
 * family for the same tag is judged afresh.
 */
static ssize_t do_sdp(struct natport_ng *ng, struct ng_call *c,
		      const struct natport_ng_req *req, bool answer)
{
	const struct natport_ng_str *tag =
		answer ? &req->to_tag : &req->from_tag;
	struct ng_tag *g, saved;
	bool fresh;
	ssize_t n;

	if (tag->len > TAG_MAX)
		return reply_error(ng, req, "tag too long");
	fresh = !tag_find(c, tag);
	g = tag_get(c, tag);
	if (!g)
		return reply_error(ng, req,
				   "too many tags (forks) in one call");
	saved = *g;
	n = sdp_run(ng, c, req, answer, g);
	if (ng->failed) {
		if (fresh) /* tag_get appends: g is the last tag */
			c->n_tags--;
		else
			*g = saved;
	}
	return n;
}

static ssize_t do_offer(struct natport_ng *ng, const struct natport_ng_req *req)
{
	struct ng_call *c = call_find(ng, &req->call_id);
	bool fresh = !c;
	ssize_t n;

	if (req->call_id.len > CALLID_MAX)
		return reply_error(ng, req, "call-id too long");
	if (!c) {
		if (natport_session_count(ng->sessions, NATPORT_SESSION_NG) >=
		    ng->cfg.max_calls)
			return reply_error(ng, req,
					   "Parallel session limit reached");
		c = call_new(ng, &req->call_id);
		if (!c)
			return reply_error(ng, req, "out of memory");
	} else if (c->delete_timer) {
		/* a new offer inside the delete delay: the call goes on */
		natport_evloop_timer_cancel(ng->loop, c->delete_timer);
		c->delete_timer = NULL;
	}
	ng->st.offers++;
	n = do_sdp(ng, c, req, false);
	if (fresh) {
		if (n > 0 && !ng->failed)
			natport_session_announce(ng->sessions, c->sess);
		else
			call_end(c, NATPORT_END_REFUSED); /* nothing left */
	}
	return n;
}

static ssize_t do_answer(struct natport_ng *ng,
			 const struct natport_ng_req *req)
{
	struct ng_call *c = call_find(ng, &req->call_id);

	if (!c || !tag_find(c, &req->from_tag))
		return reply_error(ng, req, "Unknown call-id");
	ng->st.answers++;
	return do_sdp(ng, c, req, true);
}

/* --- query, delete, list ----------------------------------------------- */

static void add_counters(struct natport_ng_counters *a,
			 const struct natport_counters *k, bool in, bool out)
{
	if (in) {
		a->packets += k->pkts_in;
		a->bytes += k->bytes_in;
	}
	if (out) {
		a->packets += k->pkts_out;
		a->bytes += k->bytes_out;
	}
}

/* The module's figures for one direction, in the reply's units. */
static void rtp_info(struct natport_ng_rtp_info *r,
		     const struct natport_rtp_stats *st, int64_t real_now,
		     uint64_t mono_now)
{
	memset(r, 0, sizeof(*r));
	if (!st->rtp) /* no RTP seen: no SSRC to name */
		return;
	r->valid = true;
	r->ssrc = st->ssrc;
	r->packets = st->rtp;
	r->bytes = st->bytes;
	r->last_seq = st->ext_max_seq;
	r->lost = st->lost;
	r->jitter_ms = (uint32_t)(st->jitter_ms + 0.5);
	r->loss_pct = (uint32_t)(st->loss_fraction * 100.0 + 0.5);
	if (st->last_ns && st->last_ns <= mono_now)
		r->last_packet = real_now - (int64_t)((mono_now - st->last_ns) /
						      1000000000ull);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void fill_stream(struct natport_ng *ng,
			struct natport_ng_stream_info *si, uint32_t id,
			const struct natport_endpoint *ext,
			const struct natport_endpoint *ep, bool lan, bool rtcp,
			struct natport_ng_counters *total)
{
	struct natport_counters k = { 0 };
	struct natport_rtp_stats q[2];

	memset(si, 0, sizeof(*si));
	si->rtcp = rtcp;
	si->local_port = id ? ext->port : 0;
	if (ep->family == AF_INET || ep->family == AF_INET6) {
		si->endpoint.family = ep->family;
		if (ep->family == AF_INET)
			si->endpoint.v4 = ep->addr.v4;
		else
			si->endpoint.v6 = ep->addr.v6;
		si->endpoint_port = ep->port;
	}
	if (!id || natport_pm_counters(ng->pm, id, &k))
		return;
	/* the entry's original direction is the far end's media (in),
	 * its reply the phone's (out): each tag shows what it sent, and
	 * in stats_out what natport delivered to it */
	add_counters(&si->stats, &k, !lan, lan);
	add_counters(&si->stats_out, &k, lan, !lan);
	si->have_out = true;
	if (lan) /* the totals once per mapping, both ways */
		add_counters(total, &k, true, true);
	/* loss and jitter only where the module counts this stream: the
	 * keys are left out otherwise, never sent as zeros */
	if (!rtcp &&
	    natport_quality_get(natport_session_table_quality(ng->sessions), id,
				q) == 0) {
		int64_t real_now = unix_now();
		uint64_t mono_now = mono_ns();
		int from = lan ? NATPORT_RTP_OUT : NATPORT_RTP_IN;

		rtp_info(&si->rtp_in, &q[from], real_now, mono_now);
		rtp_info(&si->rtp_out, &q[!from], real_now, mono_now);
	}
}

struct query_buf {
	struct natport_ng_tag_info tags[NATPORT_NG_TAGS];
	struct natport_ng_media_info media[NATPORT_NG_TAGS]
					  [NATPORT_SESSION_MAX_STREAMS];
};

static void query_info(struct natport_ng *ng, const struct ng_call *c,
		       struct query_buf *qb, struct natport_ng_query_info *q)
{
	const struct natport_session *s = c->sess;
	bool counted = false;

	memset(q, 0, sizeof(*q));
	q->created = c->created;
	q->last_signal = c->last_signal;
	q->n_tags = c->n_tags;
	q->tags = qb->tags;
	for (unsigned int t = 0; t < c->n_tags; t++) {
		const struct ng_tag *g = &c->tags[t];
		struct natport_ng_tag_info *ti = &qb->tags[t];
		bool lan = g->side == NATPORT_NG_SIDE_LAN;
		/* count the totals once, from the first LAN tag (or the first
		 * tag when no side is LAN) */
		bool count = !counted && (lan || t == c->n_tags - 1);

		memset(ti, 0, sizeof(*ti));
		ti->tag.p = g->tag;
		ti->tag.len = strlen(g->tag);
		ti->created = g->created;
		ti->n_medias = s->n_streams;
		ti->medias = qb->media[t];
		for (unsigned int i = 0; i < s->n_streams; i++) {
			const struct natport_session_stream *ss =
				&s->streams[i];
			struct natport_ng_media_info *mi = &qb->media[t][i];
			struct natport_ng_counters dummy[2] = { 0 };

			memset(mi, 0, sizeof(*mi));
			mi->type = ss->media;
			mi->protocol = i < g->n_protos && g->protos[i][0] ?
					       g->protos[i] :
					       "RTP/AVP";
			mi->rtcp_mux = ss->rtcp_mux;
			mi->n_streams = ss->rtcp_mux ? 1 : 2;
			fill_stream(ng, &mi->streams[0], ss->rtp_id,
				    &ss->external_rtp,
				    lan ? &ss->internal_rtp : &ss->remote_rtp,
				    lan, false, count ? &q->rtp : &dummy[0]);
			if (!ss->rtcp_mux)
				fill_stream(ng, &mi->streams[1], ss->rtcp_id,
					    &ss->external_rtcp,
					    lan ? &ss->internal_rtcp :
						  &ss->remote_rtcp,
					    lan, true,
					    count ? &q->rtcp : &dummy[1]);
		}
		if (count && lan)
			counted = true;
	}
	if (!counted) { /* no LAN tag: add the totals from the counters */
		for (unsigned int i = 0; i < s->n_streams; i++) {
			struct natport_counters k;

			if (s->streams[i].rtp_id &&
			    !natport_pm_counters(ng->pm, s->streams[i].rtp_id,
						 &k))
				add_counters(&q->rtp, &k, true, true);
			if (s->streams[i].rtcp_id &&
			    !natport_pm_counters(ng->pm, s->streams[i].rtcp_id,
						 &k))
				add_counters(&q->rtcp, &k, true, true);
		}
	}
}

static ssize_t reply_query(struct natport_ng *ng, const struct ng_call *c,
			   const struct natport_ng_req *req,
			   const char *warning)
{
	struct natport_ng_query_info q;
	struct query_buf *qb = malloc(sizeof(*qb));
	ssize_t n;

	if (!qb)
		return reply_error(ng, req, "out of memory");
	query_info(ng, c, qb, &q);
	n = natport_ng_reply_query(ng->out, sizeof(ng->out), &req->cookie, &q,
				   warning);
	free(qb);
	return n;
}

static ssize_t do_query(struct natport_ng *ng, const struct natport_ng_req *req)
{
	struct ng_call *c = call_find(ng, &req->call_id);

	ng->st.queries++;
	if (!c)
		return reply_error(ng, req, "Unknown call-id");
	return reply_query(ng, c, req, NULL);
}

static void on_delete_timer(void *arg)
{
	struct ng_call *c = arg;

	c->delete_timer = NULL; /* the loop frees a fired timer */
	call_end(c, c->delete_why);
}

static ssize_t do_delete(struct natport_ng *ng,
			 const struct natport_ng_req *req)
{
	struct ng_call *c = call_find(ng, &req->call_id);
	enum natport_session_end why;
	struct ng_tag *t;
	uint64_t delay_ms;
	ssize_t n;

	ng->st.deletes++;
	if (!c || (req->from_tag.p && !tag_find(c, &req->from_tag))) {
		if (req->flags & NATPORT_NG_F_FATAL)
			return reply_error(ng, req, "Unknown call-id");
		/* a second delete (CANCEL, then the 487's failure route) */
		return natport_ng_reply_ok(ng->out, sizeof(ng->out),
					   &req->cookie, "Unknown call-id");
	}
	/* one fork of several ends: forget its tag, keep the call */
	t = req->to_tag.p ? tag_find(c, &req->to_tag) : NULL;
	if (t && c->n_tags > 2 && t != &c->tags[0]) {
		n = (req->flags & NATPORT_NG_F_FAST) ?
			    natport_ng_reply_ok(ng->out, sizeof(ng->out),
						&req->cookie, NULL) :
			    reply_query(ng, c, req, NULL);
		*t = c->tags[--c->n_tags];
		return n;
	}
	n = (req->flags & NATPORT_NG_F_FAST) ?
		    natport_ng_reply_ok(ng->out, sizeof(ng->out), &req->cookie,
					NULL) :
		    reply_query(ng, c, req, NULL);
	if (req->sip_code >= 300)
		why = NATPORT_END_REJECTED;
	else if (c->sess->state != NATPORT_SESSION_ACTIVE)
		why = NATPORT_END_CANCEL;
	else
		why = NATPORT_END_HANGUP;
	delay_ms = req->has_delete_delay ? (uint64_t)req->delete_delay * 1000 :
					   ng->cfg.ng_delete_delay_ms;
	if (!delay_ms) {
		call_end(c, why);
		return n;
	}
	if (c->delete_timer)
		return n; /* already going */
	c->delete_why = why;
	c->delete_timer = natport_evloop_timer_add(ng->loop, delay_ms,
						   on_delete_timer, c);
	if (!c->delete_timer)
		call_end(c, why);
	return n;
}

static ssize_t do_list(struct natport_ng *ng, const struct natport_ng_req *req)
{
	unsigned int max = req->limit > 0 && req->limit < 1024 ?
				   (unsigned int)req->limit :
				   32;
	struct natport_ng_str *ids = calloc(max, sizeof(*ids));
	unsigned int n = 0;
	ssize_t r;

	if (!ids)
		return reply_error(ng, req, "out of memory");
	for (unsigned int b = 0; b < CALL_BUCKETS && n < max; b++)
		for (struct ng_call *c = ng->b[b]; c && n < max; c = c->hnext) {
			ids[n].p = c->call_id;
			ids[n++].len = strlen(c->call_id);
		}
	r = natport_ng_reply_list(ng->out, sizeof(ng->out), &req->cookie, ids,
				  n);
	free(ids);
	return r;
}

static ssize_t handle(struct natport_ng *ng, const char *dgram, size_t len)
{
	struct natport_ng_req req;
	char reason[256];
	int r;

	ng->failed = false;
	r = natport_ng_parse(&req, dgram, len, ng->nodes, NATPORT_NG_NODES,
			     reason, sizeof(reason));
	if (r == NATPORT_NG_NOREPLY) {
		ng->st.malformed++;
		return -1;
	}
	if (r == NATPORT_NG_ERROR) {
		ng->st.malformed++;
		return reply_error(ng, &req, reason);
	}
	log_unknown(ng, &req);
	switch (req.cmd) {
	case NATPORT_NG_PING:
		ng->st.pings++;
		return natport_ng_reply_pong(ng->out, sizeof(ng->out),
					     &req.cookie);
	case NATPORT_NG_OFFER:
		return do_offer(ng, &req);
	case NATPORT_NG_ANSWER:
		return do_answer(ng, &req);
	case NATPORT_NG_DELETE:
		return do_delete(ng, &req);
	case NATPORT_NG_QUERY:
		return do_query(ng, &req);
	case NATPORT_NG_LIST:
		return do_list(ng, &req);
	}
	return reply_error(ng, &req, "Unrecognized command");
}

/* --- socket ------------------------------------------------------------- */

static bool allowed(const struct natport_ng *ng,
		    const struct natport_endpoint *ep)
{
	if (!ng->cfg.n_ng_allow) /* loopback only */
		return ep->family == AF_INET ?
			       (ntohl(ep->addr.v4.s_addr) >> 24) == 127 :
			       IN6_IS_ADDR_LOOPBACK(&ep->addr.v6);
	for (unsigned int i = 0; i < ng->cfg.n_ng_allow; i++)
		if (natport_prefix_contains(&ng->cfg.ng_allow[i], ep))
			return true;
	return false;
}

static void one_datagram(struct natport_ng *ng, const struct sockaddr *sa,
			 socklen_t salen, size_t len)
{
	struct natport_endpoint peer;
	char pb[NATPORT_ENDPOINT_STRLEN];
	const char *cached, *sp;
	size_t clen, cookielen;
	uint64_t now = natport_evloop_now(ng->loop);
	ssize_t n;

	ng->st.requests++;
	natport_endpoint_from_sockaddr((const struct sockaddr_storage *)sa,
				       &peer);
	if (!allowed(ng, &peer)) {
		ng->st.denied++;
		log_warnx_rl("ng: request from %s, not in ng-allow: dropped",
			     natport_endpoint_format(&peer, pb, sizeof(pb)));
		return;
	}
	sp = memchr(ng->in, ' ', len);
	cookielen = sp ? (size_t)(sp - ng->in) : 0;
	if (cookielen && cookielen <= NATPORT_NG_COOKIE_MAX) {
		cached = natport_ngcache_lookup(&ng->cache, sa, salen, ng->in,
						cookielen, now, &clen);
		if (cached) {
			ng->st.cached++;
			if (sendto(ng->fd, cached, clen, 0, sa, salen) < 0)
				log_warnx_rl("ng: send: %s", strerror(errno));
			return;
		}
	}
	n = handle(ng, ng->in, len);
	if (n < 0)
		return;
	ng->st.replies++;
	if (sendto(ng->fd, ng->out, (size_t)n, 0, sa, salen) < 0)
		log_warnx_rl("ng: send: %s", strerror(errno));
	if (cookielen && cookielen <= NATPORT_NG_COOKIE_MAX)
		natport_ngcache_put(&ng->cache, sa, salen, ng->in, cookielen,
				    ng->out, (size_t)n, now);
}

static void on_readable(int fd, uint32_t events, void *arg)
{
	struct natport_ng *ng = arg;

	for (int i = 0; i < BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		ssize_t n = recvfrom(fd, ng->in, NATPORT_NG_DGRAM_MAX,
				     MSG_TRUNC, (struct sockaddr *)&ss, &sl);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warnx_rl("ng: recv: %s", strerror(errno));
			return;
		}
		if ((size_t)n > NATPORT_NG_DGRAM_MAX) {
			ng->st.malformed++;
			continue; /* truncated: nothing sound to answer */
		}
		ng->in[n] = '\0';
		one_datagram(ng, (struct sockaddr *)&ss, sl, (size_t)n);
	}
}

/* Timeouts as the SIP side keeps them: no answer within invite-timeout,
 * or neither signalling nor media for dialog-timeout (Kamailio died or
 * never sent the delete). */
static void sweep(struct natport_ng *ng)
{
	uint64_t now = natport_evloop_now(ng->loop);

	for (unsigned int b = 0; b < CALL_BUCKETS; b++) {
		struct ng_call *c = ng->b[b], *next;

		for (; c; c = next) {
			struct natport_session *s = c->sess;
			uint64_t last, pkts;

			next = c->hnext;
			if (s->state != NATPORT_SESSION_ACTIVE) {
				if (now - s->created_ms >=
				    ng->cfg.invite_timeout_ms)
					call_end(c, NATPORT_END_SETUP_TIMEOUT);
				continue;
			}
			last = s->last_activity_ms > s->media_check_ms ?
				       s->last_activity_ms :
				       s->media_check_ms;
			if (now - last < ng->cfg.dialog_timeout_ms)
				continue;
			pkts = natport_session_packets(ng->sessions, s);
			if (pkts != s->media_pkts) {
				s->media_pkts = pkts;
				s->media_check_ms = now;
				continue;
			}
			call_end(c, NATPORT_END_IDLE_TIMEOUT);
		}
	}
}

static void on_sweep(void *arg)
{
	struct natport_ng *ng = arg;

	sweep(ng);
	natport_ngcache_expire(&ng->cache, natport_evloop_now(ng->loop));
	ng->sweep = natport_evloop_timer_add(ng->loop, SWEEP_MS, on_sweep, ng);
}

struct natport_ng *
natport_ng_new(struct natport_evloop *loop, const struct natport_config *cfg,
	       struct natport_pm *pm, struct natport_session_table *sessions,
	       struct natport_media *media, char *err, size_t errlen)
{
	struct natport_ng *ng = calloc(1, sizeof(*ng));
	char b[NATPORT_ENDPOINT_STRLEN];
	struct sockaddr_storage ss;
	socklen_t sl;
	int r;

	if (!ng) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ng->loop = loop;
	ng->cfg = *cfg;
	ng->pm = pm;
	ng->sessions = sessions;
	ng->media = media;
	ng->fd = -1;
	if (natport_ngcache_init(&ng->cache, CACHE_ENTRIES, CACHE_BYTES,
				 CACHE_AGE_MS)) {
		snprintf(err, errlen, "out of memory");
		goto err_cache;
	}
	natport_endpoint_format(&cfg->ng_listen, b, sizeof(b));
	sl = natport_endpoint_to_sockaddr(&cfg->ng_listen, &ss);
	ng->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			0);
	if (ng->fd < 0 || bind(ng->fd, (struct sockaddr *)&ss, sl)) {
		snprintf(err, errlen, "ng-listen %s: %s", b, strerror(errno));
		goto err_sock;
	}
	r = natport_evloop_add_fd(loop, ng->fd, EPOLLIN, on_readable, ng);
	if (r) {
		snprintf(err, errlen, "event loop: %s", strerror(-r));
		goto err_sock;
	}
	ng->sweep = natport_evloop_timer_add(loop, SWEEP_MS, on_sweep, ng);
	if (!ng->sweep) {
		snprintf(err, errlen, "out of memory");
		goto err_loop;
	}
	log_info("ng: rtpengine-compatible control on %s", b);
	return ng;

err_loop:
	natport_evloop_del_fd(loop, ng->fd);
err_sock:
	if (ng->fd >= 0)
		close(ng->fd);
	natport_ngcache_uninit(&ng->cache);
err_cache:
	free(ng);
	return NULL;
}

void natport_ng_free(struct natport_ng *ng)
{
	if (!ng)
		return;
	for (unsigned int b = 0; b < CALL_BUCKETS; b++)
		while (ng->b[b])
			call_end(ng->b[b], NATPORT_END_SHUTDOWN);
	if (ng->sweep)
		natport_evloop_timer_cancel(ng->loop, ng->sweep);
	natport_evloop_del_fd(ng->loop, ng->fd);
	close(ng->fd);
	natport_ngcache_uninit(&ng->cache);
	for (unsigned int i = 0; i < ng->n_logged; i++)
		free(ng->logged[i]);
	free(ng);
}

void natport_ng_reload(struct natport_ng *ng, const struct natport_config *cfg)
{
	if (ng)
		ng->cfg = *cfg;
}

void natport_ng_get_stats(const struct natport_ng *ng,
			  struct natport_ng_stats *out)
{
	if (!ng) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = ng->st;
}

void natport_ng_log_stats(const struct natport_ng *ng)
{
	if (!ng)
		return;
	log_warnx("stats-ng calls=%u requests=%llu replies=%llu cached=%llu "
		  "errors=%llu denied=%llu malformed=%llu pings=%llu "
		  "offers=%llu answers=%llu deletes=%llu queries=%llu",
		  ng->st.calls, (unsigned long long)ng->st.requests,
		  (unsigned long long)ng->st.replies,
		  (unsigned long long)ng->st.cached,
		  (unsigned long long)ng->st.errors,
		  (unsigned long long)ng->st.denied,
		  (unsigned long long)ng->st.malformed,
		  (unsigned long long)ng->st.pings,
		  (unsigned long long)ng->st.offers,
		  (unsigned long long)ng->st.answers,
		  (unsigned long long)ng->st.deletes,
		  (unsigned long long)ng->st.queries);
}

/* --- restarts (frontend.h, core/state.h) ------------------------------- */

_Static_assert(sizeof(((struct natport_ng_tag_state *)0)->tag) == TAG_MAX + 1,
	       "tag sizes differ");
_Static_assert(sizeof(((struct natport_ng_call_state *)0)->call_id) ==
		       CALLID_MAX + 1,
	       "call-id sizes differ");
_Static_assert(sizeof(((struct natport_ng_tag_state *)0)->protos) ==
		       sizeof(((struct ng_tag *)0)->protos),
	       "proto sizes differ");

int natport_ng_call_save(const struct natport_ng *ng,
			 const struct natport_session *s,
			 struct natport_ng_call_state *out)
{
	const struct ng_call *c = s->owner;

	if (!ng || s->kind != NATPORT_SESSION_NG || s->ops != &ng_session_ops ||
	    !c || c->ng != ng)
		return -1;
	memset(out, 0, sizeof(*out));
	memcpy(out->call_id, c->call_id, sizeof(out->call_id));
	out->created = c->created;
	out->last_signal = c->last_signal;
	out->delete_pending = c->delete_timer != NULL;
	out->delete_why = c->delete_why;
	out->n_tags = c->n_tags;
	for (unsigned int i = 0; i < c->n_tags; i++) {
		const struct ng_tag *g = &c->tags[i];
		struct natport_ng_tag_state *t = &out->tags[i];

		memcpy(t->tag, g->tag, sizeof(t->tag));
		t->side = g->side;
		t->src = g->src;
		t->created = g->created;
		t->n_protos = g->n_protos;
		memcpy(t->protos, g->protos, sizeof(t->protos));
	}
	return 0;
}

int natport_ng_call_restore(struct natport_ng *ng, struct natport_session *s,
			    const struct natport_ng_call_state *st)
{
	struct natport_ng_str id = { .p = st->call_id,
				     .len = strnlen(st->call_id, CALLID_MAX) };
	struct ng_call *c;
	unsigned int h;

	if (!ng || s->kind != NATPORT_SESSION_NG || s->owner || !id.len ||
	    st->n_tags > NATPORT_NG_TAGS || call_find(ng, &id))
		return -1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -1;
	c->ng = ng;
	c->sess = s;
	memcpy(c->call_id, id.p, id.len);
	c->created = st->created;
	c->last_signal = st->last_signal;
	c->n_tags = st->n_tags;
	for (unsigned int i = 0; i < st->n_tags; i++) {
		struct ng_tag *g = &c->tags[i];
		const struct natport_ng_tag_state *t = &st->tags[i];

		memcpy(g->tag, t->tag, sizeof(g->tag));
		g->tag[TAG_MAX] = '\0';
		g->side = t->side == NATPORT_NG_SIDE_LAN ||
					  t->side == NATPORT_NG_SIDE_WAN ?
				  (enum natport_ng_side)t->side :
				  NATPORT_NG_SIDE_UNKNOWN;
		g->src = t->src;
		g->created = t->created;
		g->n_protos = t->n_protos < NATPORT_SESSION_MAX_STREAMS ?
				      t->n_protos :
				      NATPORT_SESSION_MAX_STREAMS;
		memcpy(g->protos, t->protos, sizeof(g->protos));
		for (unsigned int k = 0; k < NATPORT_SESSION_MAX_STREAMS; k++)
			g->protos[k][NATPORT_NGSDP_PROTO_LEN - 1] = '\0';
	}
	s->owner = c;
	s->ops = &ng_session_ops;
	h = hash(c->call_id, id.len);
	c->hnext = ng->b[h];
	ng->b[h] = c;
	ng->st.calls++;
	if (st->delete_pending) {
		/* the delay's start is not known: it runs again in full */
		c->delete_why =
			st->delete_why > NATPORT_END_NONE &&
					st->delete_why < __NATPORT_END_MAX ?
				(enum natport_session_end)st->delete_why :
				NATPORT_END_HANGUP;
		c->delete_timer = natport_evloop_timer_add(
			ng->loop, ng->cfg.ng_delete_delay_ms ?: 1,
			on_delete_timer, c);
	}
	return 0;
}
