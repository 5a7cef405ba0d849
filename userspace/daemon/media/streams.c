// SPDX-License-Identifier: GPL-2.0-or-later
/* streams.c - SDP streams -> port-manager mappings, per session. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <natport/control.h>

#include "core/log.h"
#include "core/quota.h"
#include "core/quality.h"
#include "media/sdp.h"
#include "media/streams.h"

struct natport_media {
	struct natport_pm *pm;
	struct natport_session_table *sessions;
	struct natport_config cfg;
	struct natport_media_stats st;
};

struct natport_media *natport_media_new(struct natport_pm *pm,
					struct natport_session_table *sessions,
					const struct natport_config *cfg)
{
	struct natport_media *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->pm = pm;
	m->sessions = sessions;
	natport_media_set_config(m, cfg);
	return m;
}

void natport_media_free(struct natport_media *m)
{
	free(m);
}

void natport_media_set_config(struct natport_media *m,
			      const struct natport_config *cfg)
{
	m->cfg = *cfg;
	/* a far end's media at another of our live mappings is a hairpin
	 * (two LAN phones through the provider): the port manager installs
	 * one entry for both; any other router address stays refused */
	m->cfg.policy.hairpin = natport_pm_hairpin_hook;
	m->cfg.policy.hairpin_arg = m->pm;
}

static int refuse_cap(struct natport_media *m, char *reason, size_t rlen)
{
	m->st.refused_cap++;
	snprintf(reason, rlen, "too many media ports for this client "
			       "(max-mappings-per-client %u)",
		 m->cfg.max_mappings_per_client);
	return 503;
}

/* The session takes a reference to a mapping get_mapping returned. */
static int own(struct natport_media *m, struct natport_session *c,
	       uint32_t id, uint32_t *added, unsigned int *n_added,
	       char *reason, size_t rlen)
{
	if (natport_session_owns(c, id))
		return 0;
	if (natport_session_own(m->sessions, c, id))
		return refuse_cap(m, reason, rlen);
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

/* Whether a far end's media address is acceptable: 0, or -1 with the
 * reason (a phrase that follows the address) in why. Hold (an unspecified
 * address, or none) is acceptable; IPv6 media takes the kernel path (a
 * pinhole or NAT66, natport.h) only when an IPv6 lan-prefix is configured,
 * and is refused before the policy otherwise. */
static int bad_remote(const struct natport_media *m,
		      const struct natport_endpoint *ep, char *why, size_t len)
{
	unsigned int i;
	int v6_lan = 0;

	for (i = 0; i < m->cfg.policy.n_lan; i++)
		v6_lan |= m->cfg.policy.lan[i].base.family == AF_INET6;
	if (ep->family == AF_INET6 && !natport_endpoint_is_unspec(ep) &&
	    !v6_lan) {
		snprintf(why, len,
			 "is IPv6, and no IPv6 lan-prefix is configured");
		return -1;
	}
	return natport_policy_check_remote(&m->cfg.policy, ep,
					   NATPORT_POLICY_HOLD_OK, why, len)
		       ? -1 : 0;
}

static const char *family_name(sa_family_t f)
{
	return f == AF_INET6 ? "IPv6" : "IPv4";
}

/* A stream whose two ends are of different families (an IPv4 phone and
 * an IPv6-only far end, or the reverse): conntrack forwards within one
 * family, and natport does no NAT64, so it cannot be carried. 0 when
 * either end is not known yet or is hold; else 488, the reason (it names
 * no address, so it can go outside) and a counter. */
static int mixed_family(struct natport_media *m, unsigned int i,
			const struct natport_endpoint *phone,
			const struct natport_endpoint *far, char *reason,
			size_t rlen)
{
	if (!phone->family || !far->family || phone->family == far->family ||
	    natport_endpoint_is_unspec(phone) || natport_endpoint_is_unspec(far))
		return 0;
	m->st.refused_family++;
	snprintf(reason, rlen,
		 "stream %u: the phone's media is %s and the far end's %s; "
		 "the router forwards media within one family only (no NAT64)",
		 i + 1, family_name(phone->family), family_name(far->family));
	return 488;
}

/*
 * Mixed families (issue 16): an offer may carry an address of the other
 * family for a stream, as an ANAT alternative (RFC 4091) or an ICE
 * candidate (RFC 8445). plan_lan() and plan_far() decide, per stream,
 * which address natport uses (eff) and what the forwarded SDP says (rw):
 * an alternative of a family natport cannot carry is rejected (port 0,
 * RFC 4091 section 5), a stream whose c= is of the other family takes
 * the candidate of the usable one, and loses its ICE attributes (the
 * path is fixed and the kernel answers no STUN, as with the ng front
 * end's ICE=remove). Everything else is left to the checks that follow.
 */
struct usable_ctx {
	const struct natport_media *m;
	const struct natport_endpoint *phone;	     /* LAN: its SIP source */
	sa_family_t family[NATPORT_SDP_MAX_STREAMS]; /* far: the phone's */
};

/* A LAN stream's candidate at the phone's own address, component comp
 * (and, for RTCP, the RTP candidate's foundation). */
static const struct natport_sdp_cand *
lan_cand(const struct natport_sdp_stream *st,
	 const struct natport_endpoint *phone, unsigned int comp,
	 const char *foundation)
{
	for (unsigned int j = 0; j < st->n_cands; j++) {
		const struct natport_sdp_cand *k = &st->cands[j];

		if (k->udp && k->component == comp && k->ep.port &&
		    natport_endpoint_addr_equal(&k->ep, phone) &&
		    (!foundation || !strcmp(k->foundation, foundation)))
			return k;
	}
	return NULL;
}

static int bad_remote(const struct natport_media *m,
		      const struct natport_endpoint *ep, char *why, size_t len);

/* A private (RFC 1918, CGN) or unique-local address: a far end's host
 * candidate behind its own NAT, which the router cannot reach. */
static int is_private(const struct natport_endpoint *ep)
{
	enum natport_addr_class c = natport_policy_classify(ep);

	return c == NATPORT_ADDR_PRIVATE || c == NATPORT_ADDR_ULA;
}

/* The far end's best candidate of a family for component comp: the
 * highest priority (RFC 8445 section 5.1.2) among those the remote
 * policy accepts (no LAN, router, loopback or special address), a
 * private or unique-local one only when there is no other: without
 * connectivity checks, the public one is the one the router reaches. */
static const struct natport_sdp_cand *
far_cand(const struct natport_media *m, const struct natport_sdp_stream *st,
	 sa_family_t family, unsigned int comp, const char *foundation)
{
	const struct natport_sdp_cand *best = NULL;
	char why[96];

	for (unsigned int j = 0; j < st->n_cands; j++) {
		const struct natport_sdp_cand *k = &st->cands[j];

		if (!k->udp || k->component != comp || !k->ep.port ||
		    k->ep.family != family ||
		    natport_endpoint_is_unspec(&k->ep) ||
		    (foundation && strcmp(k->foundation, foundation)) ||
		    bad_remote(m, &k->ep, why, sizeof(why)))
			continue;
		if (!best || is_private(&best->ep) > is_private(&k->ep) ||
		    (is_private(&best->ep) == is_private(&k->ep) &&
		     k->priority > best->priority))
			best = k;
	}
	return best;
}

static int usable_lan(const struct natport_sdp *sdp, unsigned int k, void *arg)
{
	const struct usable_ctx *u = arg;
	const struct natport_sdp_stream *st = &sdp->s[k];

	return st->rtp.family == u->phone->family ||
	       lan_cand(st, u->phone, 1, NULL);
}

static int usable_far(const struct natport_sdp *sdp, unsigned int k, void *arg)
{
	const struct usable_ctx *u = arg;
	const struct natport_sdp_stream *st = &sdp->s[k];

	return !u->family[k] || st->rtp.family == u->family[k] ||
	       far_cand(u->m, st, u->family[k], 1, NULL);
}

/* A stream moved onto candidates: RTP at rtp, RTCP at the component-2
 * candidate of the same foundation, else rtp's port + 1 (RFC 3605's
 * default), none with rtcp-mux or for a non-RTP stream. */
static void use_cands(struct natport_sdp_stream *st,
		      const struct natport_sdp_cand *rtp,
		      const struct natport_sdp_cand *rtcp)
{
	int has_rtcp = st->rtcp.family != AF_UNSPEC;

	st->rtp = rtp->ep;
	memset(&st->rtcp, 0, sizeof(st->rtcp));
	if (!has_rtcp)
		return;
	if (rtcp) {
		st->rtcp = rtcp->ep;
	} else if (rtp->ep.port < 65535) {
		st->rtcp = rtp->ep;
		st->rtcp.port = rtp->ep.port + 1;
	}
}

/* ANAT: stream i is an alternative natport does not keep. */
static int dropped(const struct natport_sdp *sdp, unsigned int i,
		   int (*usable)(const struct natport_sdp *, unsigned int,
				 void *),
		   void *arg)
{
	int pick = natport_sdp_anat_pick(sdp, i, usable, arg);

	return pick >= 0 && (unsigned int)pick != i;
}

static void plan_lan(const struct natport_sdp *sdp,
		     const struct natport_endpoint *sig_src,
		     struct natport_sdp_stream *eff,
		     struct natport_sdp_rewrite *rw)
{
	struct usable_ctx u = { .phone = sig_src };

	for (unsigned int i = 0; i < sdp->n; i++) {
		const struct natport_sdp_stream *st = &sdp->s[i];
		const struct natport_sdp_cand *r, *c;

		eff[i] = *st;
		if (st->disabled)
			continue;
		if (dropped(sdp, i, usable_lan, &u)) {
			eff[i].disabled = 1;
			rw[i].how = NATPORT_SDP_RW_DROP;
			continue;
		}
		if (st->rtp.family == sig_src->family)
			continue;
		r = lan_cand(st, sig_src, 1, NULL);
		if (!r)
			continue; /* refused below: not the phone's address */
		c = lan_cand(st, sig_src, 2, r->foundation);
		use_cands(&eff[i], r, c);
		rw[i].ice_strip = 1;
	}
}

/* Far end's SDP: family[i] is the phone's for stream i (its mapping's,
 * else that of the phone's SIP, else 0: unknown, nothing is chosen). */
static int plan_far(const struct natport_media *m,
		    const struct natport_sdp *sdp, const sa_family_t *family,
		    struct natport_sdp_stream *eff,
		    struct natport_sdp_rewrite *rw)
{
	struct usable_ctx u = { .m = m };
	int changed = 0;

	memcpy(u.family, family, sizeof(u.family));
	for (unsigned int i = 0; i < sdp->n; i++) {
		const struct natport_sdp_stream *st = &sdp->s[i];
		const struct natport_sdp_cand *r, *c;

		eff[i] = *st;
		rw[i].how = NATPORT_SDP_RW_KEEP;
		if (st->disabled || !family[i])
			continue;
		if (dropped(sdp, i, usable_far, &u)) {
			eff[i].disabled = 1;
			rw[i].how = NATPORT_SDP_RW_DROP;
			changed = 1;
			continue;
		}
		if (st->rtp.family == family[i] ||
		    natport_endpoint_is_unspec(&st->rtp))
			continue;
		r = far_cand(m, st, family[i], 1, NULL);
		if (!r)
			continue; /* refused below: no NAT64 */
		c = far_cand(m, st, family[i], 2, r->foundation);
		use_cands(&eff[i], r, c);
		rw[i].how = NATPORT_SDP_RW_SET;
		rw[i].rtp = eff[i].rtp;
		rw[i].rtcp_port = eff[i].rtcp.port;
		rw[i].ice_strip = 1;
		changed = 1;
	}
	return changed;
}

/* The address a disabled stream (and o=) shows when no stream is
 * enabled: the external address of the phone's family (pinholes show
 * the phone's own global address, NAT66 wan-address6). */
static struct natport_endpoint default_external(const struct natport_media *m,
						const struct natport_endpoint *sig)
{
	if (sig->family == AF_INET6)
		return m->cfg.nat66 ? m->cfg.wan_address6 : *sig;
	return m->cfg.wan_address;
}

static int can_install(const struct natport_session_stream *s)
{
	return s->rtp_id && !s->disabled && !s->remote_hold &&
	       s->remote_rtp.family != AF_UNSPEC &&
	       !natport_endpoint_is_unspec(&s->remote_rtp) &&
	       s->remote_rtp.port;
}

/* Install the remote of every stream that has one (an answer arrived):
 * all of them in one netlink round trip, before the answer is forwarded.
 * Then count the RTP streams' quality, where the kernel module is. */
static int install_remotes(struct natport_media *m, struct natport_session *c,
			   char *reason, size_t rlen)
{
	struct natport_remote_update u[2 * NATPORT_SDP_MAX_STREAMS];
	unsigned int n = 0, i, k;
	int err;

	memset(u, 0, sizeof(u));
	for (i = 0; i < c->n_streams; i++) {
		struct natport_session_stream *s = &c->streams[i];

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
		struct natport_session_stream *s = &c->streams[i];

		if (can_install(s) && s->payload_type >= 0 && s->clock_rate)
			natport_quality_track(natport_session_table_quality(m->sessions), s->rtp_id, s->payload_type,
					      s->clock_rate);
	}
	natport_session_media_changed(m->sessions, c);
	return 0;
}

/* The codec of an SDP stream, for RTP statistics. */
static void set_codec(struct natport_session_stream *s,
		      const struct natport_sdp_stream *st)
{
	s->payload_type = st->payload_type == NATPORT_SDP_PT_NONE ?
				  -1 :
				  st->payload_type;
	s->clock_rate = st->clock_rate;
}

static int get_map(struct natport_media *m, struct natport_session *c,
		   enum natport_port_type type,
		   const struct natport_endpoint *internal, uint16_t rtp_port,
		   struct natport_mapping *out, uint32_t *added,
		   unsigned int *n_added, char *reason, size_t rlen)
{
	struct natport_mapping_req req = {
		.type = type,
		.internal = *internal,
		.rtp_internal_port = rtp_port,
		.owner = c->id,
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

/* One endpoint of the phone's SDP: does the session map it already? */
static int mapped(const struct natport_session *c,
		  const struct natport_endpoint *ep,
		  const struct natport_endpoint *sig_src, int rtcp)
{
	struct natport_endpoint e = *ep;

	if (e.family == AF_UNSPEC || natport_endpoint_is_unspec(&e)) {
		e = *sig_src;
		e.port = ep->port;
	}
	if (!natport_endpoint_addr_equal(&e, sig_src))
		return 1; /* refused (488) before it costs anything */
	for (unsigned int i = 0; i < c->n_streams; i++) {
		const struct natport_session_stream *s = &c->streams[i];

		if (rtcp ? s->rtcp_id &&
				   natport_endpoint_equal(&s->internal_rtcp, &e) :
			   s->rtp_id &&
				   natport_endpoint_equal(&s->internal_rtp, &e))
			return 1;
	}
	return 0;
}

/* How many mappings the SDP would add to the session, counted before any
 * is allocated: a client over its quota is refused without costing a
 * port or leaving one in quarantine. */
static unsigned int new_mappings(const struct natport_session *c,
				 const struct natport_sdp_stream *eff,
				 unsigned int n_streams,
				 const struct natport_endpoint *sig_src)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < n_streams; i++) {
		const struct natport_sdp_stream *st = &eff[i];

		if (st->disabled)
			continue;
		n += !mapped(c, &st->rtp, sig_src, 0);
		if (!st->rtcp_mux && st->rtcp.family != AF_UNSPEC &&
		    st->rtcp.port)
			n += !mapped(c, &st->rtcp, sig_src, 1);
	}
	return n;
}

int natport_media_lan_sdp(struct natport_media *m, struct natport_session *c,
			  const char *body, size_t len,
			  const struct natport_endpoint *sig_src, int is_answer,
			  char **out, size_t *outlen, char *reason, size_t rlen)
{
	struct natport_sdp_rewrite rw[NATPORT_SDP_MAX_STREAMS];
	struct natport_session_stream ns[NATPORT_SDP_MAX_STREAMS];
	struct natport_sdp_stream eff[NATPORT_SDP_MAX_STREAMS];
	uint32_t added[2 * NATPORT_SDP_MAX_STREAMS];
	unsigned int n_added = 0, i, need;
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
	plan_lan(&sdp, sig_src, eff, rw);
	need = new_mappings(c, eff, sdp.n, sig_src);
	if (need > natport_quota_room(natport_session_table_quota(m->sessions),
				      &c->client) ||
	    c->n_maps + need > NATPORT_SESSION_MAX_MAPS) {
		natport_sdp_free(&sdp);
		return refuse_cap(m, reason, rlen);
	}
	for (i = 0; i < sdp.n; i++) {
		const struct natport_sdp_stream *st = &eff[i];
		struct natport_session_stream *s = &ns[i];
		struct natport_endpoint in_rtp, in_rtcp;
		struct natport_mapping mr, mc;

		*s = i < c->n_streams ? c->streams[i] :
					(struct natport_session_stream){ 0 };
		snprintf(s->media, sizeof(s->media), "%s", st->media);
		s->disabled = st->disabled;
		s->rtcp_mux = st->rtcp_mux;
		s->hold = st->hold;
		s->dir = st->dir;
		set_codec(s, st);
		if (st->disabled) {
			s->rtp_id = s->rtcp_id = 0;
			rw[i].rtp = default_external(m, sig_src);
			rw[i].rtp.port = 0;
			continue;
		}
		ret = phone_endpoint(m, &st->rtp, sig_src, i, "media", &in_rtp,
				     reason, rlen);
		if (!ret && !s->remote_hold)
			ret = mixed_family(m, i, &in_rtp, &s->remote_rtp, reason,
					   rlen);
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
		/* too long to carry is the offer's size, not our fault */
		ret = strstr(err, "exceed") ? 488 : 500;
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
		natport_session_drop_stale(m->sessions, c);
	} else {
		m->st.offers++;
		natport_session_media_changed(m->sessions, c);
	}
	return 0;

err_unwind:
	while (n_added)
		natport_session_drop(m->sessions, c, added[--n_added]);
	natport_sdp_free(&sdp);
	return ret;
}

/* The phone's family for each stream of a far end's SDP: that of the
 * stream's mapping, else that of the phone's SIP (phone), else 0. */
static void phone_families(const struct natport_session *c,
			   const struct natport_sdp *sdp,
			   const struct natport_endpoint *phone,
			   sa_family_t *family)
{
	for (unsigned int i = 0; i < sdp->n; i++) {
		const struct natport_session_stream *s =
			i < c->n_streams ? &c->streams[i] : NULL;

		family[i] = s && s->rtp_id && !s->disabled ?
				    s->internal_rtp.family :
			    phone && !natport_endpoint_is_unspec(phone) ?
				    phone->family :
				    0;
	}
}

int natport_media_wan_sdp_to(struct natport_media *m,
			     struct natport_session *c, const char *body,
			     size_t len, const struct natport_endpoint *phone,
			     int is_answer, char **out, size_t *outlen,
			     char *reason, size_t rlen)
{
	struct natport_sdp_rewrite rw[NATPORT_SDP_MAX_STREAMS];
	struct natport_sdp_stream eff[NATPORT_SDP_MAX_STREAMS];
	sa_family_t family[NATPORT_SDP_MAX_STREAMS];
	struct natport_endpoint ph = { 0 };
	struct natport_sdp sdp;
	char err[160], b[NATPORT_ENDPOINT_STRLEN];
	char why[96];
	unsigned int i;
	int ret, changed = 0;

	if (out) {
		*out = NULL;
		*outlen = 0;
	}
	if (natport_sdp_parse(&sdp, body, len, err, sizeof(err))) {
		m->st.refused_sdp++;
		snprintf(reason, rlen, "malformed SDP: %s", err);
		return 400;
	}
	memset(rw, 0, sizeof(rw));
	phone_families(c, &sdp, out ? phone : NULL, family);
	if (out) {
		changed = plan_far(m, &sdp, family, eff, rw);
	} else {
		/* no way to forward a changed SDP: take it as it is */
		memcpy(eff, sdp.s, sdp.n * sizeof(eff[0]));
	}
	for (i = 0; i < sdp.n; i++) {
		const struct natport_sdp_stream *st = &eff[i];
		const struct natport_endpoint *bad = &st->rtp;

		if (st->disabled)
			continue;
		if (!bad_remote(m, bad, why, sizeof(why)) &&
		    (st->rtcp.family == AF_UNSPEC ||
		     !bad_remote(m, bad = &st->rtcp, why, sizeof(why))))
			continue;
		m->st.refused_addr++;
		snprintf(reason, rlen, "stream %u: media address %s %s", i + 1,
			 natport_endpoint_format(bad, b, sizeof(b)), why);
		natport_sdp_free(&sdp);
		return 488;
	}
	for (i = 0; i < sdp.n; i++) {
		if (eff[i].disabled || !family[i])
			continue;
		/* the family is what counts: any specified address */
		memset(&ph, 1, sizeof(ph));
		ph.family = family[i];
		ret = mixed_family(m, i, &ph, &eff[i].rtp, reason, rlen);
		if (ret) {
			natport_sdp_free(&sdp);
			return ret;
		}
	}
	if (changed &&
	    natport_sdp_rewrite(&sdp, rw, out, outlen, err, sizeof(err))) {
		snprintf(reason, rlen, "SDP rewrite: %s", err);
		ret = strstr(err, "exceed") ? 488 : 500;
		natport_sdp_free(&sdp);
		return ret;
	}
	for (i = 0; i < sdp.n; i++) {
		const struct natport_sdp_stream *st = &eff[i];
		struct natport_session_stream *s = &c->streams[i];

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
	if (ret && out) {
		free(*out);
		*out = NULL;
		*outlen = 0;
	}
	if (ret)
		return ret;
	natport_session_drop_stale(m->sessions, c);
	return 0;
}

int natport_media_wan_sdp(struct natport_media *m, struct natport_session *c,
			  const char *body, size_t len, int is_answer,
			  char *reason, size_t rlen)
{
	return natport_media_wan_sdp_to(m, c, body, len, NULL, is_answer,
					NULL, NULL, reason, rlen);
}

void natport_media_get_stats(struct natport_media *m,
			     struct natport_media_stats *out)
{
	*out = m->st;
	out->clients = natport_quota_clients(
		natport_session_table_quota(m->sessions));
}
