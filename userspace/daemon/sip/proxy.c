// SPDX-License-Identifier: GPL-2.0-or-later
/* sip_proxy.c - forward SIP between LAN and WAN, drive calls and media. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <osipparser2/osip_port.h>

#include "core/log.h"
#include "media/sdp.h"
#include "sip/dialog.h"
#include "sip/msg.h"
#include "sip/own.h"
#include "sip/proxy.h"
#include "sip/registrar.h"
#include "sip/srclimit.h"
#include "sip/tls.h"
#include "sip/transport.h"
#include "sip/addr6.h"

#define SWEEP_MS 500
#define DEFAULT_EXPIRES 3600
#define REFUSED_LINGER_MS 32000  /* 64*T1: the refused 2xx's retransmissions */
/* RFC 3261 section 18.1.1: a request larger than this, path MTU unknown,
 * goes over a congestion-controlled transport where the peer has one */
#define UDP_SIZE_LIMIT 1300

struct natport_proxy {
	struct natport_evloop *loop;
	struct natport_config cfg;
	struct natport_sip_transport *tp[2]; /* UDP, by enum natport_side */
	/* every transport by side and protocol; [side][NATPORT_SIP_UDP] is
	 * tp[side], the others NULL when not enabled */
	struct natport_sip_transport *tps[2][__NATPORT_SIP_PROTO_MAX];
	struct natport_tls_side *tls[2]; /* the TLS transports' contexts */
	struct natport_call_table *calls;
	struct natport_registrar *reg;
	struct natport_session_table *sessions; /* borrowed */
	struct natport_media *media;            /* borrowed */
	struct natport_evloop_timer *sweep;
	uint64_t secret;
	struct natport_sip_own *own; /* the ACKs and BYEs we send ourselves */
	struct natport_srclimit *limit; /* per source address, both sides */
	struct natport_proxy_stats st;
};

static const char *reason_text(int code)
{
	switch (code) {
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 416: return "Unsupported URI Scheme";
	case 420: return "Bad Extension";
	case 481: return "Call/Transaction Does Not Exist";
	case 482: return "Loop Detected";
	case 483: return "Too Many Hops";
	case 488: return "Not Acceptable Here";
	case 500: return "Server Internal Error";
	case 503: return "Service Unavailable";
	case 505: return "Version Not Supported";
	default: return "Error";
	}
}

/* The config's policy decides the side: a LAN prefix, or outside. */
static enum natport_side side_of(const struct natport_proxy *p,
				 const struct natport_endpoint *ep)
{
	return natport_policy_in_lan(&p->cfg.policy, ep) ? NATPORT_SIDE_LAN :
							   NATPORT_SIDE_WAN;
}

static int is_us(const struct natport_proxy *p,
		 const struct natport_endpoint *ep)
{
	return natport_policy_is_own(&p->cfg.policy, ep);
}

static int uri_is_us(const struct natport_proxy *p, const osip_uri_t *uri)
{
	for (int s = 0; s < 2; s++)
		for (int k = 0; k < __NATPORT_SIP_PROTO_MAX; k++)
			if (p->tps[s][k] &&
			    natport_sip_uri_is_local(uri, p->tps[s][k]))
				return 1;
	return natport_sip_uri_is(uri, &p->cfg.lan_address) ||
	       natport_sip_uri_is(uri, &p->cfg.wan_address);
}

/* The URI names one of our WAN transports (the Contact we registered). */
static int uri_is_wan(const struct natport_proxy *p, const osip_uri_t *uri)
{
	for (int k = 0; k < __NATPORT_SIP_PROTO_MAX; k++)
		if (p->tps[NATPORT_SIDE_WAN][k] &&
		    natport_sip_uri_is_local(uri, p->tps[NATPORT_SIDE_WAN][k]))
			return 1;
	return 0;
}

/* One of our transports' address and port is the Via's sent-by. */
static int via_is_ours(const struct natport_proxy *p, osip_via_t *via)
{
	for (int s = 0; s < 2; s++)
		for (int k = 0; k < __NATPORT_SIP_PROTO_MAX; k++)
			if (p->tps[s][k] &&
			    natport_sip_via_is_local(via, p->tps[s][k]))
				return 1;
	return 0;
}

/*
 * The transport a URI asks for: sips: is TLS (RFC 3261 section 19.1.4),
 * else its ;transport= parameter. -1: the URI does not say; -2: a
 * transport we do not speak (SCTP, WS).
 */
static int uri_proto(const osip_uri_t *u)
{
	osip_uri_param_t *t = NULL;
	int k;

	if (!u)
		return -1;
	if (u->scheme && !strcasecmp(u->scheme, "sips"))
		return NATPORT_SIP_TLS;
	if (osip_uri_uparam_get_byname((osip_uri_t *)u, "transport", &t) ||
	    !t || !t->gvalue)
		return -1;
	k = natport_sip_proto_parse(t->gvalue);
	return k < 0 ? -2 : k;
}

static const char *fmt_ep(const struct natport_endpoint *ep, char *b)
{
	return natport_endpoint_format(ep, b, NATPORT_ENDPOINT_STRLEN);
}

static int set_str(char **dst, const char *s);

/* Serialize and send; the message stays the caller's. */
static int send_msg(struct natport_proxy *p, struct natport_sip_transport *tp,
		    osip_message_t *m, const struct natport_endpoint *dst)
{
	char *str = NULL, b[NATPORT_ENDPOINT_STRLEN];
	size_t len = 0;
	int err;

	osip_message_force_update(m);
	if (osip_message_to_str(m, &str, &len) || !str) {
		log_warnx_rl("sip: cannot serialize a message for %s",
			     fmt_ep(dst, b));
		return -1;
	}
	natport_sip_msg_unmark(str, len);
	if (MSG_IS_REQUEST(m) && tp->proto == NATPORT_SIP_UDP &&
	    len > UDP_SIZE_LIMIT && p->tps[tp->side][NATPORT_SIP_TCP] &&
	    natport_sip_transport_connected(p->tps[tp->side][NATPORT_SIP_TCP],
					    dst)) {
		/* too large for UDP, and the peer speaks TCP to us already:
		 * over TCP, with our Via saying so (section 18.1.1) */
		struct natport_sip_transport *tcp =
			p->tps[tp->side][NATPORT_SIP_TCP];
		osip_via_t *v = osip_list_get(&m->vias, 0);
		char port[8];

		if (v && natport_sip_via_is(v, &tp->local)) {
			snprintf(port, sizeof(port), "%u", tcp->local.port);
			set_str(&v->protocol, "TCP");
			set_str(&v->port, port);
			osip_free(str);
			str = NULL;
			osip_message_force_update(m);
			if (osip_message_to_str(m, &str, &len) || !str)
				return -1;
			natport_sip_msg_unmark(str, len);
			tp = tcp;
		}
	}
	err = natport_sip_transport_send(tp, dst, str, len);
	if (err)
		log_warnx_rl("sip: send to %s: %s", fmt_ep(dst, b),
			     strerror(-err));
	osip_free(str);
	return err;
}

static void set_warning(osip_message_t *m, const char *why)
{
	char warn[200], *q;

	if (!why || !*why)
		return;
	snprintf(warn, sizeof(warn), "399 nat-portd \"%.160s\"", why);
	for (q = warn + 18; *q; q++)
		if (*q == '"' && q[1])
			*q = '\'';
	osip_message_set_header(m, "Warning", warn);
}

/*
 * A request that came on a stream is answered on its connection (RFC 3261
 * section 18.2.2), and the response finds it by the Via's received and
 * rport (the connection's peer): so rport is filled in whether the client
 * asked for it or not. Its sent-by stays for when the connection is gone.
 */
static int stream_rport(const struct natport_sip_transport *tp, osip_via_t *via)
{
	osip_generic_param_t *rp = NULL;

	if (!via || !tp->ops->connected)
		return 0;
	osip_via_param_get_byname(via, "rport", &rp);
	if (rp)
		return 0;
	return osip_via_param_add(via, osip_strdup("rport"), NULL) ? -1 : 0;
}

/* Answer a request ourselves, from the transport it came in on. */
static void reply(struct natport_proxy *p, struct natport_sip_transport *tp,
		  osip_message_t *req, int code, const char *why)
{
	struct natport_endpoint dst;
	osip_message_t *r;

	if (!strcmp(req->sip_method, "ACK"))
		return; /* never answered */
	r = natport_sip_response(req, code, reason_text(code));
	if (!r)
		return;
	set_warning(r, why);
	if (code == 503)
		osip_message_set_header(r, "Retry-After", "5");
	if (!natport_sip_via_target(osip_list_get(&r->vias, 0), &dst) &&
	    !send_msg(p, tp, r, &dst))
		p->st.replied++;
	osip_message_free(r);
}

/* The call's session ends, and with it the call (its on_end). */
static void end_call(struct natport_proxy *p, struct natport_call *c,
		     enum natport_session_end why)
{
	natport_session_end(p->sessions, c->sess, why);
}

/* The SDP of m: the body if it is application/sdp, or (RFC 5621) the
 * application/sdp part of a multipart body, which natport_sip_msg_parse
 * kept as sent; *off and *len say where in b->body. */
static osip_body_t *sdp_body(osip_message_t *m, size_t *off, size_t *len)
{
	osip_body_t *b = NULL;
	osip_content_type_t *ct = m->content_type;
	char bnd[80];

	if (osip_message_get_body(m, 0, &b) < 0 || !b || !b->body ||
	    !b->length)
		return NULL;
	*off = 0;
	*len = b->length;
	if (!natport_sip_multipart_boundary(m, bnd, sizeof(bnd)))
		return natport_sdp_mime_find(b->body, b->length, bnd, off,
					     len) ?
			       NULL :
			       b;
	if (ct && ct->type && ct->subtype &&
	    (strcasecmp(ct->type, "application") ||
	     strcasecmp(ct->subtype, "sdp")))
		return NULL;
	return b;
}

static int replace_body(osip_message_t *m, char *body, size_t len)
{
	osip_body_t *old = osip_list_get(&m->bodies, 0);
	char cl[16];

	if (old) {
		osip_list_remove(&m->bodies, 0);
		osip_body_free(old);
	}
	if (osip_message_set_body(m, body, len))
		return -1;
	osip_content_length_free(m->content_length);
	m->content_length = NULL;
	snprintf(cl, sizeof(cl), "%zu", len);
	return osip_message_set_content_length(m, cl);
}

static int set_str(char **dst, const char *s)
{
	char *d = osip_strdup(s);

	if (!d)
		return -1;
	osip_free(*dst);
	*dst = d;
	return 0;
}

/* "<cseq number> <method>", for matching an offer to its answer. */
static char *cseq_key(const char *num, const char *method)
{
	char *s = NULL;

	if (asprintf(&s, "%s %s", num, method) < 0)
		return NULL;
	return s;
}

static int cseq_is(const char *key, osip_message_t *m, const char *method)
{
	size_t n = strlen(m->cseq->number);

	return key && !strncmp(key, m->cseq->number, n) && key[n] == ' ' &&
	       !strcmp(key + n + 1, method);
}

/*
 * The SDP in m, sent by side: decide offer or answer and hand it to the
 * media module. Returns 0 or a SIP status (reason filled).
 */
static int do_sdp(struct natport_proxy *p, struct natport_call *c,
		  osip_message_t *m, enum natport_side side,
		  const struct natport_endpoint *src, char *reason,
		  size_t rlen)
{
	size_t sdp_off = 0, sdp_len = 0;
	osip_body_t *b = sdp_body(m, &sdp_off, &sdp_len);
	const char *method = MSG_IS_REQUEST(m) ? m->sip_method :
						 m->cseq->method;
	int is_answer, ret;
	char *out = NULL;
	size_t outlen = 0;

	if (!b)
		return 0;
	if (MSG_IS_REQUEST(m) && !strcmp(method, "ACK")) {
		is_answer = 1;
	} else if (MSG_IS_REQUEST(m) && !strcmp(method, "PRACK")) {
		is_answer = c->offer_side >= 0 && c->offer_side != (int)side;
	} else if (MSG_IS_REQUEST(m)) {
		is_answer = 0; /* INVITE, UPDATE: an offer */
	} else {
		/* a response answers the offer its request carried (also
		 * when retransmitted); without one it is itself an offer */
		is_answer = c->offer_side >= 0 && c->offer_side != (int)side &&
			    cseq_is(c->offer_cseq, m, method);
	}
	if (is_answer && (c->offer_side < 0 || c->offer_side == (int)side))
		return 0; /* an ACK/PRACK answer with no offer pending */
	if (!is_answer) {
		char *key;

		/* the answer to an offer in a 2xx comes in the ACK */
		key = cseq_key(m->cseq->number,
			       MSG_IS_REQUEST(m) ? method : "ACK");
		if (!key) {
			snprintf(reason, rlen, "out of memory");
			return 500;
		}
		free(c->offer_cseq);
		c->offer_cseq = key;
		c->offer_side = side;
	}
	if (side == NATPORT_SIDE_LAN)
		ret = natport_media_lan_sdp(
			p->media, c->sess, b->body + sdp_off, sdp_len, src,
			is_answer, &out, &outlen, reason, rlen);
	else
		/* the phone's family decides which of the far end's
		 * addresses can be used (ANAT, ICE) */
		ret = natport_media_wan_sdp_to(
			p->media, c->sess, b->body + sdp_off, sdp_len,
			&c->lan_party, is_answer, &out, &outlen, reason, rlen);
	if (ret)
		return ret;
	if (out && sdp_len != b->length) {
		/* a multipart body: the rest stays as it was */
		char *whole = NULL;
		size_t wlen = 0;

		ret = natport_sdp_mime_splice(b->body, b->length, sdp_off,
					      sdp_len, out, outlen, &whole,
					      &wlen);
		free(out);
		out = whole;
		outlen = wlen;
		if (ret) {
			snprintf(reason, rlen, "out of memory");
			return 500;
		}
	}
	if (out && replace_body(m, out, outlen)) {
		free(out);
		snprintf(reason, rlen, "out of memory");
		return 500;
	}
	free(out);
	return 0;
}

/* Set (or, v NULL, remove) a URI's ;transport= parameter. */
static void set_transport(osip_uri_t *u, const char *v)
{
	osip_uri_param_t *t = NULL;

	osip_uri_uparam_get_byname(u, "transport", &t);
	if (t && v) {
		set_str(&t->gvalue, v);
		return;
	}
	if (t) {
		for (int i = 0; i < osip_list_size(&u->url_params); i++)
			if (osip_list_get(&u->url_params, i) == t) {
				osip_list_remove(&u->url_params, i);
				osip_uri_param_free(t);
				break;
			}
		return;
	}
	if (v)
		osip_uri_uparam_add(u, osip_strdup("transport"),
				    osip_strdup(v));
}

/* Point a LAN phone's URI at the router's WAN side, on wtp: the
 * transport the outside reaches it through, in the family of the peer
 * that gets it (user and other parameters kept; a TCP phone behind a
 * UDP provider is shown as UDP). */
static void show_on_wan(struct natport_proxy *p, osip_uri_t *u,
			const struct natport_sip_transport *wtp,
			const struct natport_endpoint *peer)
{
	const struct natport_endpoint *wan = natport_sip_wan_for(&p->cfg, peer);
	char host[64], port[8];

	if (!wtp)
		wtp = p->tp[NATPORT_SIDE_WAN];
	inet_ntop(wan->family, &wan->addr, host, sizeof(host));
	snprintf(port, sizeof(port), "%u", wtp->local.port);
	set_str(&u->host, host);
	set_str(&u->port, port);
	if (u->scheme && !strcasecmp(u->scheme, "sips")) {
		if (wtp->proto != NATPORT_SIP_TLS)
			set_str(&u->scheme, "sip");
		else
			return;
	}
	set_transport(u, wtp->proto == NATPORT_SIP_UDP	 ? NULL :
			 wtp->proto == NATPORT_SIP_TCP ? "tcp" :
							 "tls");
}

/*
 * The Contact a LAN phone puts in a call's requests and answers: kept in
 * the call and shown outside on the router's WAN address, so the far end
 * never needs (or sees) a LAN address, whether it follows the
 * Record-Route or sends straight to the Contact. route_request maps an
 * in-dialog request for it back to the phone.
 */
static void hide_contact(struct natport_proxy *p, struct natport_call *c,
			 osip_message_t *m,
			 const struct natport_sip_transport *wtp,
			 const struct natport_endpoint *peer)
{
	osip_contact_t *ct = osip_list_get(&m->contacts, 0);
	char *orig = NULL, *dup;

	if (!ct || !ct->url || !ct->url->host || osip_uri_to_str(ct->url, &orig))
		return;
	dup = strdup(orig);
	osip_free(orig);
	if (!dup)
		return; /* left as it is: still reachable along the route */
	free(c->lan_contact);
	c->lan_contact = dup;
	if (natport_sip_uri_endpoint(ct->url, &c->lan_contact_ep) ||
	    !natport_policy_in_lan(&p->cfg.policy, &c->lan_contact_ep))
		memset(&c->lan_contact_ep, 0, sizeof(c->lan_contact_ep));
	show_on_wan(p, ct->url, wtp, peer);
}

/* REGISTER from a LAN phone: remember what it asks for until the
 * registrar answers, show the outside our WAN address instead
 * (sip:<user>@<wan>:<port>). */
static void rewrite_register(struct natport_proxy *p, osip_message_t *m,
			     const struct natport_endpoint *src,
			     const struct natport_sip_transport *wtp,
			     const struct natport_endpoint *dst)
{
	const char *user = m->to->url->username;
	struct natport_reg_request req = { .addr = *src,
					   .expires_s = DEFAULT_EXPIRES };
	osip_header_t *eh = NULL;
	int wildcard = 0;

	if (!user || !*user || strlen(user) >= NATPORT_REG_MAX_USER)
		return;
	strcpy(req.user, user);
	if (osip_message_get_expires(m, 0, &eh) >= 0 && eh && eh->hvalue)
		req.expires_s = (uint32_t)strtoul(eh->hvalue, NULL, 10);
	for (int i = 0; i < osip_list_size(&m->contacts); i++) {
		osip_contact_t *ct = osip_list_get(&m->contacts, i);
		osip_generic_param_t *ep = NULL;

		if (!ct || !ct->url || !ct->url->host) {
			wildcard = 1; /* "*": remove every binding */
			continue;
		}
		if (!req.contact) { /* one binding per user: the first */
			osip_contact_param_get_byname(ct, "expires", &ep);
			if (ep && ep->gvalue)
				req.expires_s = (uint32_t)strtoul(ep->gvalue,
								  NULL, 10);
			if (osip_uri_to_str(ct->url, &req.contact))
				req.contact = NULL;
		}
		set_str(&ct->url->username, user);
		show_on_wan(p, ct->url, wtp, dst);
	}
	if (wildcard) {
		osip_free(req.contact);
		req.contact = NULL;
		req.expires_s = 0;
	} else if (!req.contact) {
		return; /* a query: binds nothing */
	}
	if (natport_registrar_pend(p->reg, m->call_id->number,
				   m->cseq->number, &req,
				   natport_evloop_now(p->loop)))
		log_warnx_rl("registrar: cannot track a REGISTER for %s", user);
	osip_free(req.contact);
}

/*
 * The registrar's final answer to a REGISTER we forwarded. A 2xx lists
 * the bindings it keeps (RFC 3261 section 10.3 step 8): ours, the
 * rewritten Contact, gets its granted expiry and is shown to the phone
 * as the phone's own Contact again; ours missing from a 2xx that lists
 * others means it is gone. Anything else (401, 403, ...) binds nothing.
 */
static void register_answer(struct natport_proxy *p, osip_message_t *m)
{
	struct natport_reg_request req;
	osip_header_t *eh = NULL;
	uint32_t e;
	int listed = 0, ours = 0;

	if (m->status_code < 200 ||
	    natport_registrar_take(p->reg, m->call_id->number, m->cseq->number,
				   &req))
		return;
	if (m->status_code >= 300) {
		log_info_rl("registrar: %s not bound: the registrar answered %d",
			    req.user, m->status_code);
		goto out;
	}
	e = req.expires_s;
	if (osip_message_get_expires(m, 0, &eh) >= 0 && eh && eh->hvalue)
		e = (uint32_t)strtoul(eh->hvalue, NULL, 10);
	for (int i = 0; i < osip_list_size(&m->contacts); i++) {
		osip_contact_t *ct = osip_list_get(&m->contacts, i);
		osip_generic_param_t *ep = NULL;
		osip_uri_t *u = NULL;

		if (!ct || !ct->url)
			continue;
		listed = 1;
		if (!req.contact || ours || !ct->url->username ||
		    strcmp(ct->url->username, req.user) ||
		    !uri_is_wan(p, ct->url))
			continue;
		ours = 1;
		osip_contact_param_get_byname(ct, "expires", &ep);
		if (ep && ep->gvalue)
			e = (uint32_t)strtoul(ep->gvalue, NULL, 10);
		if (!osip_uri_init(&u) && !osip_uri_parse(u, req.contact)) {
			osip_uri_free(ct->url);
			ct->url = u;
		} else {
			osip_uri_free(u);
		}
	}
	if (!req.contact || (listed && !ours))
		e = 0;
	if (natport_registrar_update(p->reg, req.user, req.contact ?: "",
				     &req.addr, e, natport_evloop_now(p->loop)))
		log_warnx_rl("registrar: cannot bind %s", req.user);
	else
		log_debug("registrar: %s -> %s for %us", req.user,
			  req.contact ?: "-", e);
out:
	free(req.contact); /* the registrar's strdup */
}

/* Via and Record-Route name the side's address of the peer's family. */
static int add_via(osip_message_t *m, struct natport_sip_transport *out,
		   const struct natport_endpoint *peer, const char *branch)
{
	return natport_sip_via_add(m, natport_sip_local_for(out, peer),
				   out->ops->proto, branch);
}

static int add_rr(osip_message_t *m, struct natport_sip_transport *tp,
		  const struct natport_endpoint *peer)
{
	const struct natport_endpoint *l = natport_sip_local_for(tp, peer);
	osip_record_route_t *rr = NULL;
	char host[64], v[128];

	/* each side's entry names that side's transport (RFC 5658), so an
	 * in-dialog request reaches us, and leaves us, on the transport
	 * each side uses */
	const char *tr = tp->proto == NATPORT_SIP_TCP ? ";transport=tcp" :
			 tp->proto == NATPORT_SIP_TLS ? ";transport=tls" : "";

	inet_ntop(l->family, &l->addr, host, sizeof(host));
	if (l->family == AF_INET6)
		snprintf(v, sizeof(v), "<sip:[%s]:%u%s;lr>", host, l->port, tr);
	else
		snprintf(v, sizeof(v), "<sip:%s:%u%s;lr>", host, l->port, tr);
	if (osip_record_route_init(&rr))
		return -1;
	if (osip_record_route_parse(rr, v) ||
	    osip_list_add(&m->record_routes, rr, 0) < 0) {
		osip_record_route_free(rr);
		return -1;
	}
	return 0;
}

static int creates_dialog(const char *method)
{
	return !strcmp(method, "INVITE") || !strcmp(method, "SUBSCRIBE") ||
	       !strcmp(method, "REFER") || !strcmp(method, "NOTIFY");
}

static struct natport_srclimit_conf limits_of(const struct natport_proxy *p,
					      enum natport_side side)
{
	if (side == NATPORT_SIDE_LAN)
		return (struct natport_srclimit_conf){
			p->cfg.lan_source_rate, p->cfg.lan_source_calls
		};
	return (struct natport_srclimit_conf){ p->cfg.wan_source_rate,
					       p->cfg.wan_source_calls };
}

/*
 * The call a message belongs to. Through a proxy two LAN phones' call
 * crosses the router twice with one Call-ID: leg LAN (the caller's, out
 * to the WAN) and leg WAN (back in to the callee). A request arriving
 * from side X is sent by the caller (its From tag is the caller's) or the
 * callee; a response arriving from side X answers a request sent from
 * the other side. The caller's leg is the one whose caller side is the
 * caller's side of the router at that moment.
 */
static struct natport_call *call_of(struct natport_proxy *p,
				    osip_message_t *m, enum natport_side side,
				    int is_response)
{
	const char *id = m->call_id->number, *ft = natport_sip_from_tag(m);
	struct natport_call *l = natport_call_find_leg(p->calls, id,
						       NATPORT_SIDE_LAN);
	struct natport_call *w = natport_call_find_leg(p->calls, id,
						       NATPORT_SIDE_WAN);
	enum natport_side sender = side;

	if (!l || !w)
		return l ?: w;
	if (is_response)
		sender = side == NATPORT_SIDE_LAN ? NATPORT_SIDE_WAN :
						    NATPORT_SIDE_LAN;
	if (ft && l->caller_tag && strcmp(ft, l->caller_tag))
		sender = sender == NATPORT_SIDE_LAN ? NATPORT_SIDE_WAN :
						      NATPORT_SIDE_LAN;
	return sender == NATPORT_SIDE_LAN ? l : w;
}

/* Call bookkeeping and media for a request crossing the router. Returns
 * 0 to forward, a SIP status to refuse, or -1 to drop. */
static int request_call(struct natport_proxy *p, osip_message_t *m,
			enum natport_side side,
			const struct natport_endpoint *src,
			const struct natport_endpoint *dst, int in_dialog,
			char *reason, size_t rlen)
{
	const char *method = m->sip_method;
	struct natport_call *c;
	uint64_t now = natport_evloop_now(p->loop);
	int ret, is_new = 0;

	/* a new call from side X is X's leg, even if the same Call-ID
	 * already crossed the other way (a hairpin through the provider) */
	c = !in_dialog && !strcmp(method, "INVITE") ?
		    natport_call_find_leg(p->calls, m->call_id->number, side) :
		    call_of(p, m, side, 0);

	if (!c && !strcmp(method, "INVITE") && !in_dialog) {
		struct natport_srclimit_conf lc = limits_of(p, side);
		int counted = natport_srclimit_setup_begin(p->limit, &lc, src);

		if (counted < 0) {
			p->st.source_limited++;
			snprintf(reason, rlen, "too many calls in setup from "
				 "this address (%s-source-calls %u)",
				 natport_side_name(side), lc.calls);
			return 503;
		}
		c = natport_call_new(p->calls, m->call_id->number);
		if (!c) {
			if (counted)
				natport_srclimit_setup_end(p->limit, src);
			snprintf(reason, rlen, errno == ENOSPC ?
				 "too many calls (max-calls)" : "out of memory");
			return 503;
		}
		if (counted) {
			c->limit = p->limit;
			c->setup_src = *src;
		}
		c->sess = natport_session_new(p->sessions, NATPORT_SESSION_SIP,
					      c->call_id,
					      &natport_call_session_ops, c,
					      now);
		if (!c->sess) {
			natport_call_del(p->calls, c);
			snprintf(reason, rlen, "out of memory");
			return 503;
		}
		is_new = 1;
		c->caller_side = side;
		if (natport_sip_from_tag(m))
			c->caller_tag = strdup(natport_sip_from_tag(m));
		c->invite_cseq = strdup(m->cseq->number);
		if (side == NATPORT_SIDE_LAN) {
			c->sess->client = *src;
			c->sess->client.port = 0;
		}
		c->lan_party = side == NATPORT_SIDE_LAN ? *src : *dst;
		if (m->from->url)
			snprintf(c->from, sizeof(c->from), "%s%s%s",
				 m->from->url->username ?: "",
				 m->from->url->username ? "@" : "",
				 m->from->url->host ?: "");
		if (m->to->url)
			snprintf(c->to, sizeof(c->to), "%s%s%s",
				 m->to->url->username ?: "",
				 m->to->url->username ? "@" : "",
				 m->to->url->host ?: "");
		natport_session_announce(p->sessions, c->sess);
	}
	if (!c)
		return 0;
	c->sess->last_activity_ms = now;
	if (c->refused_ms && !strcmp(method, "ACK"))
		return -1; /* the caller's ACK of our refusal */
	if (c->refused_ms && !strcmp(method, "INVITE")) {
		snprintf(reason, rlen, "the answer was refused");
		return 488; /* our refusal was lost */
	}
	if (!strcmp(method, "BYE")) {
		const char *tt = natport_sip_to_tag(m);
		const char *ft = natport_sip_from_tag(m);

		/* the callee's tag is To in the caller's BYE, From in the
		 * callee's; the call ends with its last confirmed fork */
		if (tt)
			natport_call_tag_del(c, tt);
		if (ft)
			natport_call_tag_del(c, ft);
		if (!c->n_tags)
			end_call(p, c, NATPORT_END_HANGUP);
		return 0;
	}
	if (!strcmp(method, "CANCEL")) {
		if (c->sess->state != NATPORT_SESSION_ACTIVE)
			end_call(p, c, NATPORT_END_CANCEL);
		return 0;
	}
	if (strcmp(method, "INVITE") && strcmp(method, "UPDATE") &&
	    strcmp(method, "ACK") && strcmp(method, "PRACK"))
		return 0;
	ret = do_sdp(p, c, m, side, src, reason, rlen);
	if (ret && is_new) {
		end_call(p, c, NATPORT_END_REFUSED);
	} else if (ret && !strcmp(method, "ACK")) {
		log_warnx_rl("call %s: answer in ACK refused: %s",
			     m->call_id->number, reason);
		return 0;
	}
	return ret;
}

/* In-dialog methods that may reach a registered phone outside a call the
 * router knows: those of dialogs it does not track (it keeps calls only),
 * and ACK (of a failure that ended the call; it is never answered). */
static int outside_calls(const char *method)
{
	return !strcmp(method, "NOTIFY") || !strcmp(method, "SUBSCRIBE") ||
	       !strcmp(method, "REFER") || !strcmp(method, "MESSAGE") ||
	       !strcmp(method, "ACK");
}

/*
 * The transport toward a target: what its URI says, else what our own
 * Route entry for that side said (rr, from the double Record-Route),
 * else UDP. A stream target with no connection open falls back to alt
 * (where the phone listens) when there is one. 0 or 416/503.
 */
static int pick_proto(struct natport_proxy *p, const osip_uri_t *target,
		      int rr, struct natport_endpoint *dst,
		      const struct natport_endpoint *alt, int *proto,
		      char *reason, size_t rlen)
{
	int k = uri_proto(target);
	enum natport_side s = side_of(p, dst);

	if (k == -2) {
		snprintf(reason, rlen, "unsupported transport");
		return 416;
	}
	if (k < 0)
		k = rr >= 0 ? rr : NATPORT_SIP_UDP;
	if (!p->tps[s][k]) {
		snprintf(reason, rlen, "no %s transport on the %s side",
			 natport_sip_proto_name(k), natport_side_name(s));
		return 503;
	}
	if (alt && alt->family && !natport_endpoint_equal(alt, dst) &&
	    !natport_sip_transport_connected(p->tps[s][k], dst))
		*dst = *alt;
	*proto = k;
	return 0;
}

/* Where a request goes next and on which transport (*proto); 0, or a
 * SIP status (reason filled). */
static int route_request(struct natport_proxy *p, osip_message_t *m,
			 enum natport_side side, int in_dialog,
			 struct natport_endpoint *dst, int *via_binding,
			 int *proto, char *reason, size_t rlen)
{
	const struct natport_binding *bd;
	osip_route_t *rt;
	uint64_t now = natport_evloop_now(p->loop);
	int rr = -1, ret;

	*via_binding = 0;
	*proto = NATPORT_SIP_UDP;
	/* our own Route entries (both of a double Record-Route); the last
	 * one is the outgoing side's and names its transport */
	while ((rt = osip_list_get(&m->routes, 0)) && uri_is_us(p, rt->url)) {
		int k = uri_proto(rt->url);

		if (k >= 0)
			rr = k;
		else if (k == -1)
			rr = NATPORT_SIP_UDP;
		osip_list_remove(&m->routes, 0);
		osip_route_free(rt);
	}
	if (rt) {
		if (natport_sip_uri_endpoint(rt->url, dst)) {
			snprintf(reason, rlen, "Route host is not an IP address");
			return 404;
		}
		return pick_proto(p, rt->url, -1, dst, NULL, proto, reason,
				  rlen);
	}
	if (uri_is_us(p, m->req_uri) || (m->req_uri->username &&
					 natport_sip_uri_endpoint(m->req_uri, dst) == 0 &&
					 is_us(p, dst))) {
		struct natport_call *c = call_of(p, m, side, 0);
		const char *target = NULL;
		osip_uri_t *u = NULL;

		if (in_dialog && side == NATPORT_SIDE_WAN && c &&
		    c->lan_contact) {
			/* a phone's hidden Contact (hide_contact): the
			 * Request-URI becomes the phone's own Contact, but
			 * the request goes to the phone the call came from
			 * (RFC 5626's flow), whatever that Contact names: a
			 * GRUU on the provider, a host name, a public
			 * address. A LAN Contact (a phone that listens on
			 * another port than it sends from) is honoured. */
			target = c->lan_contact;
			if (osip_uri_init(&u) || osip_uri_parse(u, target)) {
				osip_uri_free(u);
				snprintf(reason, rlen, "bad Contact kept");
				return 500;
			}
			if (c->lan_contact_ep.family)
				*dst = c->lan_contact_ep;
			else if (c->lan_party.family)
				*dst = c->lan_party;
			else {
				osip_uri_free(u);
				snprintf(reason, rlen, "no LAN party");
				return 481;
			}
			osip_uri_free(m->req_uri);
			m->req_uri = u;
			*via_binding = 1;
			ret = pick_proto(p, u, rr, dst, NULL, proto, reason,
					 rlen);
			/* a phone on a stream is reached on the connection
			 * its SIP came on while that is open */
			if (!ret && *proto != NATPORT_SIP_UDP &&
			    c->lan_party.family &&
			    natport_sip_transport_connected(
				    p->tps[NATPORT_SIDE_LAN][*proto],
				    &c->lan_party))
				*dst = c->lan_party;
			return ret;
		}
		bd = m->req_uri->username ?
			     natport_registrar_lookup(p->reg,
						      m->req_uri->username, now) :
			     NULL;
		if (!bd && in_dialog)
			return 481; /* a call that has ended */
		/* from outside, a CANCEL or an in-dialog request of a call
		 * must name one the router knows (a made-up To tag does not
		 * open the phone to anyone) */
		if (bd && side == NATPORT_SIDE_WAN && !c &&
		    (in_dialog ? !outside_calls(m->sip_method) :
				 !strcmp(m->sip_method, "CANCEL"))) {
			snprintf(reason, rlen, "no such call");
			return 481;
		}
		if (!bd) {
			snprintf(reason, rlen, "no registered phone '%.64s'",
				 m->req_uri->username ?: "");
			return 404;
		}
		if (osip_uri_init(&u) || osip_uri_parse(u, bd->contact)) {
			osip_uri_free(u);
			snprintf(reason, rlen, "bad binding");
			return 500;
		}
		osip_uri_free(m->req_uri);
		m->req_uri = u;
		*dst = bd->addr;
		*via_binding = 1;
		{
			/* a phone registered over a stream: its connection,
			 * or where its Contact says it listens once that
			 * connection is gone */
			struct natport_endpoint alt = { 0 };

			if (natport_sip_uri_endpoint(u, &alt) ||
			    !natport_policy_in_lan(&p->cfg.policy, &alt))
				memset(&alt, 0, sizeof(alt));
			return pick_proto(p, u, rr, dst, &alt, proto, reason,
					  rlen);
		}
	}
	if (side == NATPORT_SIDE_LAN && !in_dialog && p->cfg.has_upstream) {
		*dst = p->cfg.upstream;
		if (!p->tps[NATPORT_SIDE_WAN][p->cfg.upstream_proto]) {
			snprintf(reason, rlen,
				 "upstream-proxy is %s, not enabled",
				 natport_sip_proto_name(p->cfg.upstream_proto));
			return 503;
		}
		*proto = p->cfg.upstream_proto;
		return 0;
	}
	if (natport_sip_uri_endpoint(m->req_uri, dst)) {
		snprintf(reason, rlen,
			 "Request-URI host is not an IP address and no "
			 "upstream-proxy is set");
		return 404;
	}
	return pick_proto(p, m->req_uri, rr, dst, NULL, proto, reason, rlen);
}


/*
 * A request from the WAN that names its LAN target itself (Route, or a
 * Request-URI that is a LAN address) instead of reaching a phone through
 * its binding. It must belong to a call the router knows and go to that
 * call's LAN party (where its SIP came from, or its Contact); a phone's
 * own untracked dialogs (subscriptions) reach only the address and port
 * it registered from. 0, or 481 / 403.
 */
static int wan_target_check(struct natport_proxy *p, osip_message_t *m,
			    const struct natport_endpoint *dst, char *reason,
			    size_t rlen)
{
	struct natport_call *c = call_of(p, m, NATPORT_SIDE_WAN, 0);

	if (c) {
		if (natport_endpoint_equal(dst, &c->lan_party) ||
		    (c->lan_contact_ep.family &&
		     natport_endpoint_equal(dst, &c->lan_contact_ep)))
			return 0;
		snprintf(reason, rlen, "target is not a party of this call");
		return 403;
	}
	if (outside_calls(m->sip_method) &&
	    natport_registrar_find_ep(p->reg, dst,
				      natport_evloop_now(p->loop)))
		return 0;
	snprintf(reason, rlen, "no such call");
	return 481;
}

/* Every request counts against its source's rate, answered or not. */
static int over_source_rate(struct natport_proxy *p, enum natport_side side,
			    const struct natport_endpoint *src,
			    const char *what)
{
	struct natport_srclimit_conf lc = limits_of(p, side);
	char b[NATPORT_ENDPOINT_STRLEN];

	if (!natport_srclimit_request(p->limit, &lc, src,
				      natport_evloop_now(p->loop)))
		return 0;
	log_warnx_rl("sip: %s from %s over %s-source-rate %u/s, dropped",
		     what, fmt_ep(src, b), natport_side_name(side), lc.rate);
	p->st.source_limited++;
	p->st.dropped++;
	return 1;
}

static void request_lost(struct natport_proxy *p,
			 struct natport_sip_transport *out,
			 const struct natport_endpoint *dst, osip_message_t *m,
			 const char *why);

static void handle_request(struct natport_proxy *p,
			   struct natport_sip_transport *tp,
			   const struct natport_endpoint *src,
			   enum natport_side side, osip_message_t *m)
{
	const struct natport_endpoint *ours[4] = {
		&p->cfg.lan_address, &p->cfg.wan_address,
		&p->cfg.lan_address6, &p->cfg.wan_address6
	};
	const char *method = m->sip_method;
	int is_ack = !strcmp(method, "ACK");
	char branch[NATPORT_SIP_BRANCH_LEN], reason[256] = "";
	char b[NATPORT_ENDPOINT_STRLEN];
	struct natport_endpoint dst;
	enum natport_side out_side;
	int mf, in_dialog, via_binding, proto, ret;
	struct natport_sip_transport *out;

	p->st.rx_requests++;
	if (over_source_rate(p, side, src, method))
		return;
	if (stream_rport(tp, osip_list_get(&m->vias, 0)) ||
	    natport_sip_via_received(osip_list_get(&m->vias, 0), src)) {
		p->st.dropped++;
		return;
	}
	in_dialog = natport_sip_to_tag(m) != NULL;
	mf = natport_sip_max_forwards(m);
	if (mf == -2) {
		p->st.malformed++;
		reply(p, tp, m, 400, "malformed Max-Forwards");
		return;
	}
	if (mf == 0) {
		p->st.loops++;
		reply(p, tp, m, 483, NULL);
		return;
	}
	/* an IPv6 address not configured has no family and matches no Via */
	if (natport_sip_is_loop(m, p->secret, ours, 4)) {
		p->st.loops++;
		reply(p, tp, m, 482, NULL);
		return;
	}
	natport_sip_branch(m, p->secret, branch, sizeof(branch));

	ret = route_request(p, m, side, in_dialog, &dst, &via_binding, &proto,
			    reason, sizeof(reason));
	if (ret)
		goto refuse;
	out_side = side_of(p, &dst);
	if (is_us(p, &dst)) {
		p->st.loops++;
		ret = 482;
		snprintf(reason, sizeof(reason), "next hop is this router");
		goto refuse;
	}
	if (side == NATPORT_SIDE_WAN) {
		if (!in_dialog && !via_binding && strcmp(method, "CANCEL")) {
			ret = 403;
			snprintf(reason, sizeof(reason),
				 "new dialogs from outside only toward "
				 "registered phones");
			goto refuse;
		}
		if (out_side == NATPORT_SIDE_WAN) {
			ret = 403;
			snprintf(reason, sizeof(reason), "no relaying");
			goto refuse;
		}
		if (!via_binding) {
			ret = wan_target_check(p, m, &dst, reason,
					       sizeof(reason));
			if (ret)
				goto refuse;
		}
	} else if (out_side == NATPORT_SIDE_LAN) {
		ret = 403;
		snprintf(reason, sizeof(reason),
			 "LAN to LAN does not cross the router");
		goto refuse;
	}

	ret = request_call(p, m, side, src, &dst, in_dialog, reason,
			   sizeof(reason));
	if (ret < 0) {
		p->st.dropped++;
		return;
	}
	if (ret)
		goto refuse;
	out = p->tps[out_side][proto];
	if (!strcmp(method, "REGISTER") && side == NATPORT_SIDE_LAN) {
		rewrite_register(p, m, src, out, &dst);
	} else if (side == NATPORT_SIDE_LAN) {
		struct natport_call *c = call_of(p, m, side, 0);

		if (c)
			hide_contact(p, c, m, out, &dst);
	}

	natport_sip_set_max_forwards(m, mf < 0 ? 70 : mf - 1);
	if (add_via(m, out, &dst, branch) ||
	    (!in_dialog && creates_dialog(method) &&
	     (add_rr(m, tp, src) || add_rr(m, out, &dst)))) {
		log_warnx_rl("sip: out of memory building %s", method);
		p->st.dropped++;
		return;
	}
	ret = send_msg(p, out, m, &dst);
	if (!ret)
		p->st.forwarded++;
	else if (out->proto != NATPORT_SIP_UDP)
		/* no connection could even be started */
		request_lost(p, out, &dst, m,
			     ret < 0 && ret != -1 ? strerror(-ret) :
						    "cannot send");
	return;

refuse:
	p->st.refused++;
	log_info_rl("sip: %s from %s refused: %d %s%s%s", method,
		    fmt_ep(src, b), ret, reason_text(ret), *reason ? ": " : "",
		    reason);
	if (!is_ack)
		reply(p, tp, m, ret, reason);
}

/* Turn a 2xx into the failure code, for a caller that cannot have it. */
static void to_failure(osip_message_t *m, int code, const char *why)
{
	osip_body_t *body;

	osip_message_set_status_code(m, code);
	osip_free(m->reason_phrase);
	m->reason_phrase = NULL;
	osip_message_set_reason_phrase(m, osip_strdup(reason_text(code)));
	while ((body = osip_list_get(&m->bodies, 0))) {
		osip_list_remove(&m->bodies, 0);
		osip_body_free(body);
	}
	osip_content_type_free(m->content_type);
	m->content_type = NULL;
	natport_sip_multipart_strip(m);
	osip_content_length_free(m->content_length);
	m->content_length = NULL;
	osip_message_set_content_length(m, "0");
	osip_list_special_free(&m->contacts,
			       (void (*)(void *))osip_contact_free);
	osip_list_special_free(&m->record_routes,
			       (void (*)(void *))osip_record_route_free);
	set_warning(m, why);
}

/*
 * A 2xx to the call's INVITE whose SDP we refuse (a LAN phone answering
 * with media elsewhere than itself, a provider answering with media in
 * the LAN, no free port). A proxy cannot refuse a response, and the
 * caller must not get media we will not carry. So do what a caller does
 * with an answer it cannot accept (RFC 3261 section 13.2.2.4): ACK the
 * 2xx and BYE the answerer; and, as the caller has no final answer yet,
 * give it the refusal (488, 503, ...) in place of the 2xx. The call keeps
 * no mapping and lingers, refused, for the 2xx's retransmissions. When
 * another fork already answered, only the refused fork is ended.
 */
static void refuse_answer(struct natport_proxy *p, struct natport_call *c,
			  osip_message_t *m, enum natport_side side,
			  enum natport_sip_proto arrived, int status,
			  const char *why, int public, int *drop)
{
	uint32_t n = (uint32_t)strtoul(m->cseq->number, NULL, 10);
	uint64_t now = natport_evloop_now(p->loop);

	natport_sip_own_send(p->own, m, side, arrived, "ACK", n, now);
	natport_sip_own_send(p->own, m, side, arrived, "BYE", n + 1, now);
	if (c->sess->state == NATPORT_SESSION_ACTIVE) {
		*drop = 1;
		return;
	}
	natport_session_release(p->sessions, c->sess);
	c->refused_ms = now;
	/* the details (logged) name LAN hosts: not for the outside, unless
	 * the reason is one that names no address (mixed families) */
	to_failure(m, status, side == NATPORT_SIDE_LAN && !public ?
			      "the answer's media was refused by the router" :
			      why);
}

static void response_call(struct natport_proxy *p, struct natport_call *c,
			  osip_message_t *m, enum natport_side side,
			  enum natport_sip_proto arrived,
			  const struct natport_endpoint *src, int *drop)
{
	const char *method = m->cseq->method;
	int code = m->status_code, ret;
	uint64_t now = natport_evloop_now(p->loop);
	char reason[256] = "";

	int first = !strcmp(method, "INVITE") && c->invite_cseq &&
		    !strcmp(m->cseq->number, c->invite_cseq);

	c->sess->last_activity_ms = now;
	if (c->refused_ms) {
		/* the caller has our refusal; a retransmitted 2xx lost our
		 * ACK: send it again */
		if (first && code >= 200 && code < 300)
			natport_sip_own_send(
				p->own, m, side, arrived, "ACK",
				(uint32_t)strtoul(m->cseq->number, NULL, 10),
				now);
		*drop = 1;
		return;
	}
	if ((code < 300 && code > 100) &&
	    (!strcmp(method, "INVITE") || !strcmp(method, "UPDATE") ||
	     !strcmp(method, "PRACK"))) {
		struct natport_media_stats st0, st1;

		natport_media_get_stats(p->media, &st0);
		ret = do_sdp(p, c, m, side, src, reason, sizeof(reason));
		if (ret) {
			log_warnx_rl("call %s: SDP in %d from %s side refused: "
				     "%d %s", c->call_id, code,
				     natport_side_name(side), ret, reason);
			natport_media_get_stats(p->media, &st1);
			if (first && code >= 200)
				refuse_answer(p, c, m, side, arrived, ret,
					      reason,
					      st1.refused_family !=
						      st0.refused_family,
					      drop);
			else
				*drop = 1; /* a provisional, or a re-offer's
					    * answer: held back */
			return;
		}
	}
	if (!first)
		return;
	if (code > 100 && code < 200 && natport_sip_to_tag(m) &&
	    c->sess->state == NATPORT_SESSION_SETUP) {
		natport_session_set_state(p->sessions, c->sess, NATPORT_SESSION_EARLY, now);
	} else if (code >= 200 && code < 300) {
		const char *tag = natport_sip_to_tag(m);

		if (tag && natport_call_tag_add(c, tag) < 0)
			log_warnx_rl("call %s: too many forks", c->call_id);
		natport_call_setup_done(c);
		natport_session_set_state(p->sessions, c->sess, NATPORT_SESSION_ACTIVE,
				       now);
	} else if (code >= 300 && c->sess->state != NATPORT_SESSION_ACTIVE) {
		end_call(p, c, NATPORT_END_REJECTED);
	}
}

/*
 * The transport a response leaves on, by the protocol of the Via it goes
 * to. On a stream it goes back on the request's connection (dst, the
 * Via's received/rport, is that connection's peer); when that is gone,
 * RFC 3261 section 18.2.2: a new connection to the received address and
 * the sent-by port.
 */
static struct natport_sip_transport *
response_transport(struct natport_proxy *p, osip_via_t *via,
		   struct natport_endpoint *dst)
{
	int k = via->protocol ? natport_sip_proto_parse(via->protocol) : -1;
	struct natport_sip_transport *t;
	unsigned long port;
	char *end;

	if (k < 0)
		return NULL;
	t = p->tps[side_of(p, dst)][k];
	if (!t || k == NATPORT_SIP_UDP ||
	    natport_sip_transport_connected(t, dst))
		return t;
	port = k == NATPORT_SIP_TLS ? 5061 : 5060;
	if (via->port && *via->port) {
		port = strtoul(via->port, &end, 10);
		if (*end || !port || port > 65535)
			return t;
	}
	dst->port = (uint16_t)port;
	return t;
}

static void handle_response(struct natport_proxy *p,
			    struct natport_sip_transport *tp,
			    const struct natport_endpoint *src,
			    enum natport_side side, osip_message_t *m)
{
	osip_via_t *top = osip_list_get(&m->vias, 0);
	struct natport_sip_transport *out;
	struct natport_endpoint dst;
	struct natport_call *c;
	char b[NATPORT_ENDPOINT_STRLEN];
	int drop = 0;

	p->st.rx_responses++;
	if (!via_is_ours(p, top)) {
		log_info_rl("sip: response from %s not for us, dropped",
			    fmt_ep(src, b));
		p->st.dropped++;
		return;
	}
	if (natport_sip_own_is_ours(top)) {
		natport_sip_own_answered(p->own, m); /* ends here */
		return;
	}
	/* Only an answer to a request we forwarded goes on, and it comes
	 * back the way that request left: our Via of that side on top, its
	 * branch the MAC of the Via below. Anything else is forged. */
	if (!natport_sip_via_is_local(top, tp) ||
	    !natport_sip_branch_check(m, p->secret)) {
		log_warnx_rl("sip: forged or stale response %d from %s "
			     "(no transaction of ours), dropped",
			     m->status_code, fmt_ep(src, b));
		p->st.forged++;
		p->st.dropped++;
		return;
	}
	osip_list_remove(&m->vias, 0);
	osip_via_free(top);
	top = osip_list_get(&m->vias, 0);
	if (!top || natport_sip_via_target(top, &dst) || is_us(p, &dst)) {
		log_info_rl("sip: response from %s has no usable next Via, "
			    "dropped", fmt_ep(src, b));
		p->st.dropped++;
		return;
	}
	out = response_transport(p, top, &dst);
	if (!out) {
		log_info_rl("sip: response from %s: no %s transport for the "
			    "next Via, dropped", fmt_ep(src, b),
			    top->protocol ?: "?");
		p->st.dropped++;
		return;
	}
	if (side == NATPORT_SIDE_WAN && !strcmp(m->cseq->method, "REGISTER"))
		register_answer(p, m);
	c = call_of(p, m, side, 1);
	if (c)
		response_call(p, c, m, side, tp->proto, src, &drop);
	if (c && !drop && side == NATPORT_SIDE_LAN && m->status_code > 100 &&
	    m->status_code < 300 && (c = call_of(p, m, side, 1)))
		hide_contact(p, c, m, out, &dst); /* again: c may have ended */
	if (drop) {
		p->st.dropped++;
		return;
	}
	if (!send_msg(p, out, m, &dst))
		p->st.forwarded++;
}

/*
 * A request we forwarded on a stream that never reached the next hop
 * (out to dst: connect refused, TLS verification failed, the connection
 * reset with it queued). Rather than leave its sender waiting for a
 * timeout, answer it as the next hop would have: 503 with a Warning
 * naming the failure (RFC 3261 section 16.7 point 8 lets a proxy answer
 * for an unreachable destination), and end a call still in setup so its
 * media ports go at once. m is our forwarded copy: our Via on top.
 */
static void request_lost(struct natport_proxy *p,
			 struct natport_sip_transport *out,
			 const struct natport_endpoint *dst, osip_message_t *m,
			 const char *why)
{
	osip_via_t *top = osip_list_get(&m->vias, 0);
	struct natport_sip_transport *back;
	struct natport_endpoint rdst;
	struct natport_call *c;
	osip_message_t *r;
	char b[NATPORT_ENDPOINT_STRLEN], warn[240];

	if (!MSG_IS_REQUEST(m) || !top || !natport_sip_via_is_local(top, out))
		return; /* a response, or not a request we sent */
	snprintf(warn, sizeof(warn), "%s to %s failed: %s", out->ops->proto,
		 fmt_ep(dst, b), why);
	if (natport_sip_own_is_ours(top)) {
		log_info_rl("sip: call %s: our %s lost: %s", m->call_id->number,
			    m->sip_method, warn);
		return;
	}
	log_warnx_rl("sip: %s of call %s lost: %s", m->sip_method,
		     m->call_id->number, warn);
	p->st.refused++;
	osip_list_remove(&m->vias, 0);
	osip_via_free(top);
	top = osip_list_get(&m->vias, 0);
	if (!top || natport_sip_via_target(top, &rdst) || is_us(p, &rdst))
		return;
	c = call_of(p, m, side_of(p, &rdst), 0);
	if (c && !strcmp(m->sip_method, "INVITE") && c->invite_cseq &&
	    !strcmp(m->cseq->number, c->invite_cseq) &&
	    c->sess->state != NATPORT_SESSION_ACTIVE)
		end_call(p, c, NATPORT_END_REJECTED);
	if (!strcmp(m->sip_method, "ACK"))
		return; /* never answered */
	back = response_transport(p, top, &rdst);
	if (!back)
		return;
	r = natport_sip_response(m, 503, reason_text(503));
	if (!r)
		return;
	set_warning(r, warn);
	if (!send_msg(p, back, r, &rdst))
		p->st.replied++;
	osip_message_free(r);
}

/* tcp.c's fail callback (transport.h): a queued message never left. */
static void on_send_failed(struct natport_sip_transport *tp,
			   const struct natport_endpoint *dst, const char *buf,
			   size_t len, const char *why, void *arg)
{
	struct natport_proxy *p = arg;
	struct natport_sip_parse_err perr;
	osip_message_t *m, *ans = NULL;
	char *copy = malloc(len + 1);

	if (!copy)
		return;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	m = natport_sip_msg_parse(copy, len, &perr, &ans);
	free(copy);
	osip_message_free(ans);
	if (!m)
		return;
	request_lost(p, tp, dst, m, why);
	osip_message_free(m);
}

static void on_message(struct natport_sip_transport *tp,
		       const struct natport_endpoint *src, const char *buf,
		       size_t len, void *arg)
{
	struct natport_proxy *p = arg;
	struct natport_sip_parse_err perr;
	osip_message_t *m, *ans = NULL;
	char b[NATPORT_ENDPOINT_STRLEN];
	enum natport_side side = side_of(p, src);

	if (side != (enum natport_side)tp->side || is_us(p, src)) {
		log_info_rl("sip: datagram from %s on the %s side, dropped",
			    fmt_ep(src, b), natport_side_name(tp->side));
		p->st.dropped++;
		return;
	}
	m = natport_sip_msg_parse(buf, len, &perr, &ans);
	if (!m) {
		p->st.malformed++;
		if (ans && over_source_rate(p, side, src, "malformed request")) {
			/* a 400 is an answer too: no unlimited reflection */
			osip_message_free(ans);
		} else if (ans) {
			log_info_rl("sip: malformed %s from %s: %s (%d)",
				    ans->sip_method, fmt_ep(src, b),
				    perr.reason, perr.status);
			stream_rport(tp, osip_list_get(&ans->vias, 0));
			natport_sip_via_received(osip_list_get(&ans->vias, 0),
						 src);
			reply(p, tp, ans, perr.status, perr.reason);
			osip_message_free(ans);
		} else {
			p->st.dropped++;
			if (len > 4 || strspn(buf, "\r\n") != len)
				log_info_rl("sip: %zu bytes from %s dropped: %s",
					    len, fmt_ep(src, b), perr.reason);
		}
		return;
	}
	if (MSG_IS_REQUEST(m))
		handle_request(p, tp, src, side, m);
	else
		handle_response(p, tp, src, side, m);
	osip_message_free(m);
}

static int sweep_one(struct natport_call *c, void *arg)
{
	struct natport_proxy *p = arg;
	uint64_t now = natport_evloop_now(p->loop), last, pkts;

	if (c->refused_ms) {
		if (now - c->refused_ms >= REFUSED_LINGER_MS ||
		    now - c->sess->created_ms >= p->cfg.invite_timeout_ms)
			end_call(p, c, NATPORT_END_REFUSED);
		return 0;
	}
	if (c->sess->state != NATPORT_SESSION_ACTIVE) {
		if (now - c->sess->created_ms >= p->cfg.invite_timeout_ms)
			end_call(p, c, NATPORT_END_SETUP_TIMEOUT);
		return 0;
	}
	last = c->sess->last_activity_ms > c->sess->media_check_ms ? c->sess->last_activity_ms :
						    c->sess->media_check_ms;
	if (now - last < p->cfg.dialog_timeout_ms)
		return 0;
	pkts = natport_session_packets(p->sessions, c->sess);
	if (pkts != c->sess->media_pkts) {
		c->sess->media_pkts = pkts;
		c->sess->media_check_ms = now;
		return 0;
	}
	end_call(p, c, NATPORT_END_IDLE_TIMEOUT);
	return 0;
}

void natport_proxy_sweep(struct natport_proxy *p)
{
	natport_call_walk(p->calls, sweep_one, p);
	natport_registrar_expire(p->reg, natport_evloop_now(p->loop));
	natport_srclimit_expire(p->limit, natport_evloop_now(p->loop));
	natport_sip_own_retransmit(p->own, natport_evloop_now(p->loop));
}

static void on_sweep(void *arg)
{
	struct natport_proxy *p = arg;

	natport_proxy_sweep(p);
	p->sweep = natport_evloop_timer_add(p->loop, SWEEP_MS, on_sweep, p);
}

static uint64_t random_secret(void)
{
	uint64_t s = natport_mono_ms() ^ ((uint64_t)getpid() << 32);
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, &s, sizeof(s)) != sizeof(s))
			s ^= (uint64_t)(uintptr_t)&s;
		close(fd);
	}
	return s;
}

/* The TCP listeners, one per side, beside the UDP sockets. */
static int open_tcp(struct natport_proxy *p, char *err, size_t errlen)
{
	const struct natport_endpoint *addr[2] = { &p->cfg.lan_address,
						   &p->cfg.wan_address };

	for (int s = 0; s < 2; s++) {
		struct natport_sip_tcp_config tc = {
			.local = *addr[s],
			.proto = NATPORT_SIP_TCP,
			.max_conns = p->cfg.tcp_max_connections,
			.max_per_peer = p->cfg.tcp_max_per_peer,
			.idle_ms = p->cfg.tcp_idle_timeout_ms,
			.max_output = p->cfg.tcp_max_output,
			.fail = on_send_failed,
			.fail_arg = p,
		};
		struct natport_sip_transport *t;

		if (p->cfg.sip_tcp_port)
			tc.local.port = p->cfg.sip_tcp_port;
		t = natport_sip_tcp_open(p->loop, &tc, on_message, p, err,
					 errlen);
		if (!t)
			return -1;
		t->side = s;
		p->tps[s][NATPORT_SIP_TCP] = t;
	}
	return 0;
}

/*
 * The TLS transports: a TCP transport whose streams are TLS (tls.h), on
 * sip-tls-port. The WAN one also exists without sip-tls when the
 * upstream proxy asks for TLS: nat-portd is then only a TLS client, and
 * that side has no listening socket at all (sip/tcp.c opens none for a
 * TLS side that accepts nothing).
 */
static int open_tls(struct natport_proxy *p, char *err, size_t errlen)
{
	const struct natport_endpoint *addr[2] = { &p->cfg.lan_address,
						   &p->cfg.wan_address };

	for (int s = 0; s < 2; s++) {
		struct natport_sip_tcp_config tc = {
			.local = *addr[s],
			.proto = NATPORT_SIP_TLS,
			.max_conns = p->cfg.tcp_max_connections,
			.max_per_peer = p->cfg.tcp_max_per_peer,
			.idle_ms = p->cfg.tcp_idle_timeout_ms,
			.max_output = p->cfg.tcp_max_output,
			.stream_new = natport_tls_side_stream,
			.fail = on_send_failed,
			.fail_arg = p,
		};
		struct natport_sip_transport *t;

		if (s == NATPORT_SIDE_LAN && !p->cfg.sip_tls)
			continue;
		p->tls[s] = natport_tls_side_new(&p->cfg,
						 s == NATPORT_SIDE_WAN, err,
						 errlen);
		if (!p->tls[s])
			return -1;
		tc.stream_arg = p->tls[s];
		tc.local.port = p->cfg.sip_tls_port;
		t = natport_sip_tcp_open(p->loop, &tc, on_message, p, err,
					 errlen);
		if (!t)
			return -1;
		t->side = s;
		p->tps[s][NATPORT_SIP_TLS] = t;
	}
	return 0;
}

/* Every transport but the UDP ones (own.c keeps those). */
static void close_streams(struct natport_proxy *p)
{
	for (int s = 0; s < 2; s++)
		for (int k = 0; k < __NATPORT_SIP_PROTO_MAX; k++)
			if (k != NATPORT_SIP_UDP && p->tps[s][k]) {
				natport_sip_transport_close(p->tps[s][k]);
				p->tps[s][k] = NULL;
			}
	for (int s = 0; s < 2; s++) {
		natport_tls_side_free(p->tls[s]); /* after its streams */
		p->tls[s] = NULL;
	}
}

struct natport_proxy *natport_proxy_new(struct natport_evloop *loop,
					const struct natport_config *cfg,
					struct natport_session_table *sessions,
					struct natport_media *media, char *err,
					size_t errlen)
{
	struct natport_proxy *p = calloc(1, sizeof(*p));

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	natport_sip_msg_init();
	p->loop = loop;
	p->cfg = *cfg;
	p->secret = random_secret();
	p->calls = natport_call_table_new(cfg->max_calls);
	p->reg = natport_registrar_new();
	p->limit = natport_srclimit_new(8192);
	if (!p->calls || !p->reg || !p->limit) {
		snprintf(err, errlen, "out of memory");
		goto err_tables;
	}
	p->sessions = sessions;
	p->media = media;
	p->tp[NATPORT_SIDE_LAN] = natport_sip_udp_open(loop, &cfg->lan_address,
						       on_message, p, err,
						       errlen);
	if (!p->tp[NATPORT_SIDE_LAN])
		goto err_tables;
	p->tp[NATPORT_SIDE_LAN]->side = NATPORT_SIDE_LAN;
	p->tp[NATPORT_SIDE_WAN] = natport_sip_udp_open(loop, &cfg->wan_address,
						       on_message, p, err,
						       errlen);
	if (!p->tp[NATPORT_SIDE_WAN])
		goto err_lan;
	p->tp[NATPORT_SIDE_WAN]->side = NATPORT_SIDE_WAN;
	if (natport_sip_add_local6(p->tp[NATPORT_SIDE_LAN], &cfg->lan_address6,
				   err, errlen) ||
	    natport_sip_add_local6(p->tp[NATPORT_SIDE_WAN], &cfg->wan_address6,
				   err, errlen))
		goto err_wan;
	p->tps[NATPORT_SIDE_LAN][NATPORT_SIP_UDP] = p->tp[NATPORT_SIDE_LAN];
	p->tps[NATPORT_SIDE_WAN][NATPORT_SIP_UDP] = p->tp[NATPORT_SIDE_WAN];
	if (cfg->sip_tcp && open_tcp(p, err, errlen))
		goto err_wan;
	if ((cfg->sip_tls || cfg->upstream_proto == NATPORT_SIP_TLS) &&
	    open_tls(p, err, errlen))
		goto err_wan;
	p->own = natport_sip_own_new(p->tps, &p->cfg, p->secret);
	if (!p->own) {
		snprintf(err, errlen, "out of memory");
		goto err_wan;
	}
	p->sweep = natport_evloop_timer_add(loop, SWEEP_MS, on_sweep, p);
	if (!p->sweep) {
		snprintf(err, errlen, "out of memory");
		goto err_wan;
	}
	return p;

err_wan:
	natport_sip_own_free(p->own);
	close_streams(p);
	natport_sip_transport_close(p->tp[NATPORT_SIDE_WAN]);
err_lan:
	natport_sip_transport_close(p->tp[NATPORT_SIDE_LAN]);
err_tables:
	natport_srclimit_free(p->limit);
	natport_registrar_free(p->reg);
	natport_call_table_free(p->calls);
	free(p);
	return NULL;
}

static int end_each(struct natport_call *c, void *arg)
{
	end_call(arg, c, NATPORT_END_SHUTDOWN);
	return 0;
}

void natport_proxy_free(struct natport_proxy *p)
{
	if (!p)
		return;
	natport_call_walk(p->calls, end_each, p);
	natport_sip_own_free(p->own);
	if (p->sweep)
		natport_evloop_timer_cancel(p->loop, p->sweep);
	close_streams(p);
	natport_sip_transport_close(p->tp[NATPORT_SIDE_WAN]);
	natport_sip_transport_close(p->tp[NATPORT_SIDE_LAN]);
	natport_registrar_free(p->reg);
	natport_call_table_free(p->calls);
	natport_srclimit_free(p->limit); /* after the calls that count in it */
	free(p);
}

void natport_proxy_reload(struct natport_proxy *p,
			  const struct natport_config *cfg)
{
	p->cfg = *cfg;
	natport_call_table_set_max(p->calls, cfg->max_calls);
}

unsigned int natport_proxy_call_count(const struct natport_proxy *p)
{
	return natport_call_count(p->calls);
}

unsigned int natport_proxy_registrations(const struct natport_proxy *p)
{
	return natport_registrar_count(p->reg);
}

void natport_proxy_get_stats(struct natport_proxy *p,
			     struct natport_proxy_stats *out)
{
	struct natport_tls_stats ts;

	*out = p->st;
	out->own_requests = natport_sip_own_sent(p->own);
	for (int s = 0; s < 2; s++) {
		const struct natport_sip_transport *t;

		t = p->tps[s][NATPORT_SIP_TCP];
		if (t) {
			out->tcp_connections += t->conns;
			out->tcp_accepted += t->accepted;
			out->tcp_connected += t->connected;
			out->tcp_refused += t->refused;
			out->tcp_failed += t->failed;
			out->tcp_idle_closed += t->idle_closed;
			out->tcp_framing_errors += t->framing_errors;
			out->tcp_output_full += t->output_full;
		}
		t = p->tps[s][NATPORT_SIP_TLS];
		if (t)
			out->tls_connections += t->conns;
	}
	natport_tls_stats_get(&ts);
	out->tls_handshakes = ts.handshakes_ok;
	out->tls_handshakes_failed = ts.handshakes_failed;
	out->tls_verify_failed = ts.verify_failed;
	natport_call_table_counters(p->calls, &out->calls_created,
				    &out->calls_ended, &out->calls_full);
}

/* The state file (core/state.h) saves and restores these. */
struct natport_call_table *natport_proxy_calls(struct natport_proxy *p)
{
	return p->calls;
}

struct natport_registrar *natport_proxy_registrar(struct natport_proxy *p)
{
	return p->reg;
}

/* The branch secret: a response to a request the previous instance
 * forwarded carries its MAC; a restart keeps it so the answer is not
 * taken for a forgery. */
uint64_t natport_proxy_secret(const struct natport_proxy *p)
{
	return p->secret;
}

void natport_proxy_set_secret(struct natport_proxy *p, uint64_t secret)
{
	if (secret)
		p->secret = secret;
}
