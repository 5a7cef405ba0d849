// SPDX-License-Identifier: GPL-2.0-or-later
/* sip_msg.c - parsing checks, Via/rport, branch and responses (libosip2). */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_port.h>

#include "core/log.h"
#include "sip/msg.h"

/* Debian builds libosip2 with its trace (ENABLE_TRACE), and the first
 * trace call of a program that installed no trace function points it at
 * stdout: two lines for every malformed datagram anyone sends, unbounded
 * under systemd. Our own drop reasons are what an operator needs; the
 * library's go to the rate-limited log, at debug level only. */
static void osip_trace_to_log(const char *fi, int li, osip_trace_level_t lv,
			      const char *fmt, va_list ap)
{
	static struct log_rl rl;
	char msg[256];

	if (natport_log_get_level() < LOG_DEBUG)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\r\n")] = '\0';
	log_rl(&rl, LOG_DEBUG, "libosip2 %s:%d: %s", fi ? fi : "?", li, msg);
}

void natport_sip_msg_init(void)
{
	osip_trace_initialize_func(TRACE_LEVEL3, osip_trace_to_log);
	parser_init();
}

static void seterr(struct natport_sip_parse_err *e, int status,
		   const char *reason)
{
	e->status = status;
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
}

/* Offset of the body: just past the first empty line, or -1. */
static long body_offset(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return (long)(i + 2);
		if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
			return (long)(i + 3);
	}
	return -1;
}

static int parse_cl(const char *s, unsigned long *v)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!isdigit((unsigned char)*s) || strlen(s) > 9)
		return -1;
	*v = strtoul(s, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	return *end ? -1 : 0;
}

static int can_answer(osip_message_t *m);

/* libosip2 refused the message (often for its Content-Length): parse the
 * headers alone, without Content-Length, to see whether it can at least
 * be answered with a 400. */
static osip_message_t *parse_headers_only(const char *buf, size_t off,
					  struct natport_sip_parse_err *perr,
					  osip_message_t **answerable)
{
	char *copy = malloc(off + 1), *w;
	const char *p = buf, *end = buf + off;
	osip_message_t *m = NULL;

	seterr(perr, 0, "unparsable SIP message");
	if (!copy)
		return NULL;
	w = copy;
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		if (strncasecmp(p, "Content-Length:", 15) &&
		    strncasecmp(p, "l:", 2)) {
			memcpy(w, p, n);
			w += n;
		}
		p += n;
	}
	*w = '\0';
	if (!osip_message_init(&m) &&
	    !osip_message_parse(m, copy, (size_t)(w - copy)) && can_answer(m)) {
		seterr(perr, 400, "unparsable message (bad Content-Length?)");
		*answerable = m;
	} else {
		osip_message_free(m);
	}
	free(copy);
	return NULL;
}

/* Whether enough is there to build a response to a request. */
static int can_answer(osip_message_t *m)
{
	return MSG_IS_REQUEST(m) && osip_list_size(&m->vias) > 0 && m->from &&
	       m->to && m->call_id && m->call_id->number && m->cseq &&
	       m->cseq->number && m->cseq->method &&
	       strcmp(m->sip_method, "ACK");
}

osip_message_t *natport_sip_msg_parse(const char *buf, size_t len,
				      struct natport_sip_parse_err *perr,
				      osip_message_t **answerable)
{
	osip_message_t *m = NULL;
	unsigned long cl = 0;
	long off;
	size_t body_len;
	const char *why = NULL;

	*answerable = NULL;
	perr->status = 0;
	perr->reason[0] = '\0';
	/* keep-alives (RFC 5626 CRLF) and empty datagrams: nothing to do */
	if (len < 16) {
		seterr(perr, 0, "runt datagram");
		return NULL;
	}
	off = body_offset(buf, len);
	if (off < 0) {
		seterr(perr, 0, "no end of headers (truncated)");
		return NULL;
	}
	/* a NUL in the body is the SDP parser's to refuse (400) */
	if (memchr(buf, '\0', (size_t)off)) {
		seterr(perr, 0, "NUL byte in the headers");
		return NULL;
	}
	if (osip_message_init(&m))
		return NULL;
	if (osip_message_parse(m, buf, len)) {
		osip_message_free(m);
		return parse_headers_only(buf, (size_t)off, perr, answerable);
	}
	body_len = len - (size_t)off;
	if (m->content_length && m->content_length->value &&
	    parse_cl(m->content_length->value, &cl)) {
		why = "malformed Content-Length";
	} else if (m->content_length && cl > body_len) {
		why = "Content-Length beyond the end of the datagram";
	} else if (m->content_length && cl < body_len) {
		/* RFC 3261 18.3: a datagram's bytes past Content-Length are
		 * discarded; reparse without them so the body is exact */
		osip_message_free(m);
		m = NULL;
		if (osip_message_init(&m))
			return NULL;
		if (osip_message_parse(m, buf, (size_t)off + cl)) {
			osip_message_free(m);
			seterr(perr, 0, "unparsable SIP message");
			return NULL;
		}
	}
	if (!why) {
		if (!m->sip_version || strcmp(m->sip_version, "SIP/2.0"))
			why = "not SIP/2.0";
		else if (osip_list_size(&m->vias) < 1)
			why = "no Via";
		else if (!m->from || !m->from->url)
			why = "no From";
		else if (!m->to || !m->to->url)
			why = "no To";
		else if (!m->call_id || !m->call_id->number)
			why = "no Call-ID";
		else if (!m->cseq || !m->cseq->number || !m->cseq->method)
			why = "no CSeq";
		else if (strspn(m->cseq->number, "0123456789") !=
				 strlen(m->cseq->number) ||
			 strlen(m->cseq->number) > 10)
			why = "malformed CSeq";
		else if (MSG_IS_REQUEST(m) &&
			 (!m->req_uri || !m->req_uri->host))
			why = "no Request-URI";
		else if (MSG_IS_REQUEST(m) &&
			 strcmp(m->sip_method, m->cseq->method))
			why = "CSeq method differs from the request's";
		else if (MSG_IS_RESPONSE(m) &&
			 (m->status_code < 100 || m->status_code > 699))
			why = "bad status code";
		else if (osip_list_size(&m->bodies) > 1)
			why = "multipart body";
	}
	if (!why)
		return m;
	if (MSG_IS_REQUEST(m) && can_answer(m)) {
		seterr(perr, 400, why);
		*answerable = m;
	} else {
		seterr(perr, 0, why);
		osip_message_free(m);
	}
	return NULL;
}

static int parse_addr(const char *host, struct natport_endpoint *ep)
{
	char tmp[64];
	size_t n;

	memset(ep, 0, sizeof(*ep));
	if (!host)
		return -1;
	n = strlen(host);
	if (n >= sizeof(tmp))
		return -1;
	if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
		memcpy(tmp, host + 1, n - 2);
		tmp[n - 2] = '\0';
	} else {
		memcpy(tmp, host, n + 1);
	}
	if (inet_pton(AF_INET, tmp, &ep->addr.v4) == 1) {
		ep->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, tmp, &ep->addr.v6) == 1) {
		ep->family = AF_INET6;
		return 0;
	}
	return -1;
}

static int parse_port(const char *s, uint16_t dflt, uint16_t *port)
{
	unsigned long v;
	char *end;

	if (!s || !*s) {
		*port = dflt;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -1;
	v = strtoul(s, &end, 10);
	if (*end || v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static void addr_str(const struct natport_endpoint *ep, char *buf, size_t len)
{
	inet_ntop(ep->family, &ep->addr, buf, (socklen_t)len);
}

static int set_param(osip_list_t *params, const char *name, const char *value)
{
	osip_generic_param_t *p = NULL;

	if (!osip_generic_param_get_byname(params, (char *)name, &p) && p) {
		osip_free(p->gvalue);
		p->gvalue = value ? osip_strdup(value) : NULL;
		return (value && !p->gvalue) ? -1 : 0;
	}
	return osip_generic_param_add(params, osip_strdup(name),
				      value ? osip_strdup(value) : NULL);
}

int natport_sip_via_received(osip_via_t *via,
			     const struct natport_endpoint *src)
{
	osip_generic_param_t *rport = NULL, *received = NULL;
	struct natport_endpoint sent;
	char a[64], p[8];
	int differs;

	osip_via_param_get_byname(via, "rport", &rport);
	osip_via_param_get_byname(via, "received", &received);
	differs = parse_addr(via->host, &sent) ||
		  !natport_endpoint_addr_equal(&sent, src);
	addr_str(src, a, sizeof(a));
	/* a received= the sender wrote itself is replaced, never believed:
	 * it would steer the response to any host it names */
	if (differs || rport || received) {
		if (set_param(&via->via_params, "received", a))
			return -1;
	}
	if (rport) {
		snprintf(p, sizeof(p), "%u", src->port);
		osip_free(rport->gvalue);
		rport->gvalue = osip_strdup(p);
		if (!rport->gvalue)
			return -1;
	}
	return 0;
}

int natport_sip_via_target(osip_via_t *via, struct natport_endpoint *dst)
{
	osip_generic_param_t *received = NULL, *rport = NULL;
	uint16_t port;

	osip_via_param_get_byname(via, "received", &received);
	osip_via_param_get_byname(via, "rport", &rport);
	if (received && received->gvalue) {
		if (parse_addr(received->gvalue, dst))
			return -1;
	} else if (parse_addr(via->host, dst)) {
		return -1;
	}
	if (rport && rport->gvalue && *rport->gvalue) {
		if (parse_port(rport->gvalue, 5060, &port))
			return -1;
	} else if (parse_port(via->port, 5060, &port)) {
		return -1;
	}
	dst->port = port;
	return 0;
}

int natport_sip_via_is(osip_via_t *via, const struct natport_endpoint *ep)
{
	struct natport_endpoint a;
	uint16_t port;

	if (parse_addr(via->host, &a) || parse_port(via->port, 5060, &port))
		return 0;
	return port == ep->port && natport_endpoint_addr_equal(&a, ep);
}

int natport_sip_uri_endpoint(const osip_uri_t *uri,
			     struct natport_endpoint *ep)
{
	uint16_t port;

	if (!uri || !uri->host || parse_addr(uri->host, ep) ||
	    parse_port(uri->port, 5060, &port))
		return -1;
	ep->port = port;
	return 0;
}

int natport_sip_uri_is(const osip_uri_t *uri, const struct natport_endpoint *ep)
{
	struct natport_endpoint a;

	if (natport_sip_uri_endpoint(uri, &a))
		return 0;
	return natport_endpoint_equal(&a, ep);
}

uint64_t natport_sip_hash(uint64_t h, const char *s)
{
	/* FNV-1a, with a separator so ("ab","c") != ("a","bc") */
	if (s)
		for (; *s; s++)
			h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return (h ^ 0xff) * 0x100000001b3ull;
}

const char *natport_sip_from_tag(osip_message_t *m)
{
	osip_generic_param_t *t = NULL;

	if (!m->from || osip_from_get_tag(m->from, &t) || !t)
		return NULL;
	return t->gvalue;
}

const char *natport_sip_to_tag(osip_message_t *m)
{
	osip_generic_param_t *t = NULL;

	if (!m->to || osip_to_get_tag(m->to, &t) || !t)
		return NULL;
	return t->gvalue;
}

static uint64_t loop_hash(osip_message_t *req, uint64_t secret)
{
	uint64_t h = 0xcbf29ce484222325ull ^ secret;
	char *uri = NULL, n[16];

	if (!osip_uri_to_str(req->req_uri, &uri)) {
		h = natport_sip_hash(h, uri);
		osip_free(uri);
	}
	h = natport_sip_hash(h, req->call_id->number);
	h = natport_sip_hash(h, req->call_id->host);
	h = natport_sip_hash(h, natport_sip_from_tag(req));
	h = natport_sip_hash(h, req->cseq->number);
	/* a spiral along the route set (two LAN phones' in-dialog requests
	 * through the provider reach us twice with one Request-URI, the
	 * router's own WAN address) arrives with fewer Route entries left */
	snprintf(n, sizeof(n), "%d", osip_list_size(&req->routes));
	h = natport_sip_hash(h, n);
	return h;
}

/*
 * SipHash-2-4 (Aumasson and Bernstein), fed incrementally: the keyed MAC
 * that makes the transaction half of our branches unforgeable. FNV, used
 * for the loop half, is invertible: anyone who sees one branch and its
 * inputs could recover an FNV key, and then forge responses.
 */
struct mac {
	uint64_t v[4], tail, total;
	unsigned int ntail;
};

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(uint64_t *v)
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

static void mac_block(struct mac *h, uint64_t m)
{
	h->v[3] ^= m;
	sip_round(h->v);
	sip_round(h->v);
	h->v[0] ^= m;
}

static void mac_init(struct mac *h, uint64_t k0, uint64_t k1)
{
	h->v[0] = k0 ^ 0x736f6d6570736575ull;
	h->v[1] = k1 ^ 0x646f72616e646f6dull;
	h->v[2] = k0 ^ 0x6c7967656e657261ull;
	h->v[3] = k1 ^ 0x7465646279746573ull;
	h->tail = h->total = 0;
	h->ntail = 0;
}

static void mac_bytes(struct mac *h, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++) {
		h->tail |= (uint64_t)p[i] << (8 * h->ntail);
		if (++h->ntail == 8) {
			mac_block(h, h->tail);
			h->tail = 0;
			h->ntail = 0;
		}
	}
	h->total += len;
}

/* A field with its length (and absence told from ""), so that no two
 * different field lists feed the same bytes. */
static void mac_str(struct mac *h, const char *s)
{
	uint32_t n = s ? (uint32_t)strlen(s) : 0xffffffffu;

	mac_bytes(h, &n, sizeof(n));
	if (s)
		mac_bytes(h, s, strlen(s));
}

static uint64_t mac_final(struct mac *h)
{
	mac_block(h, h->tail | (h->total & 0xff) << 56);
	h->v[2] ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(h->v);
	return h->v[0] ^ h->v[1] ^ h->v[2] ^ h->v[3];
}

static const char *via_param(osip_via_t *via, const char *name)
{
	osip_generic_param_t *p = NULL;

	osip_via_param_get_byname(via, (char *)name, &p);
	return p ? (p->gvalue ? p->gvalue : "") : NULL;
}

/* H1: the transaction of the request whose top Via (after received and
 * rport were set) is via, keyed by the secret. A response echoes that Via
 * unchanged below ours, with the same Call-ID, From tag and CSeq number,
 * so it yields the same value: that is how a response proves it answers
 * a request the router forwarded. */
static uint64_t txn_mac(osip_message_t *m, osip_via_t *via, uint64_t secret)
{
	const char *br = via_param(via, "branch");
	struct mac h;

	/* the second key word from the first (splitmix64's finaliser) */
	uint64_t k1 = (secret ^ (secret >> 30)) * 0xbf58476d1ce4e5b9ull;

	k1 = (k1 ^ (k1 >> 27)) * 0x94d049bb133111ebull;
	mac_init(&h, secret, k1 ^ (k1 >> 31));
	mac_str(&h, br);
	mac_str(&h, via->host);
	mac_str(&h, via->port);
	mac_str(&h, via_param(via, "received"));
	mac_str(&h, via_param(via, "rport"));
	if (!br || strncmp(br, "z9hG4bK", 7)) {
		/* RFC 2543 client: what identifies its transaction */
		mac_str(&h, m->call_id->number);
		mac_str(&h, natport_sip_from_tag(m));
		mac_str(&h, m->cseq->number);
	}
	return mac_final(&h);
}

void natport_sip_branch(osip_message_t *req, uint64_t secret, char *out,
			size_t len)
{
	osip_via_t *top = osip_list_get(&req->vias, 0);

	snprintf(out, len, "z9hG4bK%016llx.%016llx",
		 (unsigned long long)txn_mac(req, top, secret),
		 (unsigned long long)loop_hash(req, secret));
}

int natport_sip_branch_check(osip_message_t *resp, uint64_t secret)
{
	osip_via_t *ours = osip_list_get(&resp->vias, 0);
	osip_via_t *next = osip_list_get(&resp->vias, 1);
	const char *br = ours ? via_param(ours, "branch") : NULL;
	char want[32];

	if (!br || !next)
		return 0;
	snprintf(want, sizeof(want), "z9hG4bK%016llx.",
		 (unsigned long long)txn_mac(resp, next, secret));
	return strlen(br) == 7 + 16 + 1 + 16 && !strncmp(br, want, 24);
}

int natport_sip_is_loop(osip_message_t *req, uint64_t secret,
			const struct natport_endpoint *const *ours,
			unsigned int n_ours)
{
	char want[20];
	int i, n = osip_list_size(&req->vias);

	snprintf(want, sizeof(want), ".%016llx",
		 (unsigned long long)loop_hash(req, secret));
	for (i = 0; i < n; i++) {
		osip_via_t *v = osip_list_get(&req->vias, i);
		osip_generic_param_t *b = NULL;
		size_t bl;
		unsigned int k;

		for (k = 0; k < n_ours; k++)
			if (natport_sip_via_is(v, ours[k]))
				break;
		if (k == n_ours)
			continue;
		osip_via_param_get_byname(v, "branch", &b);
		if (!b || !b->gvalue)
			continue;
		bl = strlen(b->gvalue);
		if (bl >= 17 && !strcmp(b->gvalue + bl - 17, want))
			return 1;
	}
	return 0;
}

int natport_sip_max_forwards(osip_message_t *m)
{
	osip_header_t *h = NULL;
	unsigned long v;
	char *end;

	if (osip_message_get_max_forwards(m, 0, &h) < 0 || !h)
		return -1;
	if (!h->hvalue || !isdigit((unsigned char)h->hvalue[0]))
		return -2;
	v = strtoul(h->hvalue, &end, 10);
	if (*end || v > 255)
		return -2;
	return (int)v;
}

int natport_sip_set_max_forwards(osip_message_t *m, int v)
{
	osip_header_t *h = NULL;
	char buf[8];

	snprintf(buf, sizeof(buf), "%d", v);
	if (osip_message_get_max_forwards(m, 0, &h) >= 0 && h) {
		osip_free(h->hvalue);
		h->hvalue = osip_strdup(buf);
		return h->hvalue ? 0 : -1;
	}
	return osip_message_set_max_forwards(m, buf);
}

osip_message_t *natport_sip_response(osip_message_t *req, int code,
				     const char *reason)
{
	osip_message_t *r = NULL;
	char tag[24];

	if (osip_message_init(&r))
		return NULL;
	osip_message_set_version(r, osip_strdup("SIP/2.0"));
	osip_message_set_status_code(r, code);
	osip_message_set_reason_phrase(r, osip_strdup(reason));
	if (osip_list_clone(&req->vias, &r->vias,
			    (int (*)(void *, void **))osip_via_clone) ||
	    osip_from_clone(req->from, &r->from) ||
	    osip_to_clone(req->to, &r->to) ||
	    osip_call_id_clone(req->call_id, &r->call_id) ||
	    osip_cseq_clone(req->cseq, &r->cseq))
		goto err;
	if (code > 100 && !natport_sip_to_tag(r)) {
		/* stable per request, so a retransmission gets the same tag */
		uint64_t h = natport_sip_hash(0xcbf29ce484222325ull,
					      req->call_id->number);

		h = natport_sip_hash(h, natport_sip_from_tag(req));
		h = natport_sip_hash(h, req->cseq->number);
		snprintf(tag, sizeof(tag), "np%016llx", (unsigned long long)h);
		osip_to_set_tag(r->to, osip_strdup(tag));
	}
	osip_message_set_content_length(r, "0");
	return r;
err:
	osip_message_free(r);
	return NULL;
}

osip_message_t *natport_sip_dialog_request(osip_message_t *resp,
					   const char *method,
					   unsigned int n_route,
					   uint32_t cseq)
{
	osip_contact_t *ct = osip_list_get(&resp->contacts, 0);
	osip_message_t *r = NULL;
	osip_uri_t *uri = NULL;
	osip_cseq_t *cs = NULL;
	char num[12];

	if (!ct || !ct->url || osip_message_init(&r))
		return NULL;
	osip_message_set_method(r, osip_strdup(method));
	osip_message_set_version(r, osip_strdup("SIP/2.0"));
	if (osip_uri_clone(ct->url, &uri))
		goto err;
	osip_message_set_uri(r, uri);
	while (n_route--) {
		osip_record_route_t *rr = osip_list_get(&resp->record_routes,
							 n_route);
		osip_route_t *rt = NULL;

		if (!rr || osip_route_clone(rr, &rt))
			goto err;
		if (osip_list_add(&r->routes, rt, -1) < 0) {
			osip_route_free(rt);
			goto err;
		}
	}
	snprintf(num, sizeof(num), "%u", cseq);
	if (osip_from_clone(resp->from, &r->from) ||
	    osip_to_clone(resp->to, &r->to) ||
	    osip_call_id_clone(resp->call_id, &r->call_id) ||
	    osip_cseq_init(&cs))
		goto err;
	r->cseq = cs;
	osip_cseq_set_number(cs, osip_strdup(num));
	osip_cseq_set_method(cs, osip_strdup(method));
	if (!cs->number || !cs->method || !r->sip_method || !r->sip_version ||
	    natport_sip_set_max_forwards(r, 70) ||
	    osip_message_set_content_length(r, "0"))
		goto err;
	return r;
err:
	osip_message_free(r);
	return NULL;
}

int natport_sip_via_add(osip_message_t *m, const struct natport_endpoint *local,
			const char *proto, const char *branch)
{
	osip_via_t *via = NULL;
	char host[64], port[8];

	inet_ntop(local->family, &local->addr, host, sizeof(host));
	snprintf(port, sizeof(port), "%u", local->port);
	if (osip_via_init(&via))
		return -1;
	via_set_version(via, osip_strdup("2.0"));
	via_set_protocol(via, osip_strdup(proto));
	via_set_host(via, osip_strdup(host));
	via_set_port(via, osip_strdup(port));
	osip_via_set_branch(via, osip_strdup(branch));
	if (!via->host || osip_list_add(&m->vias, via, 0) < 0) {
		osip_via_free(via);
		return -1;
	}
	return 0;
}
