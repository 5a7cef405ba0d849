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
/* A copy of the headers buf[0..off) without Content-Length, or NULL. */
static char *headers_without_cl(const char *buf, size_t off, size_t *n)
{
	char *copy = malloc(off + 1), *w;
	const char *p = buf, *end = buf + off;

	if (!copy)
		return NULL;
	w = copy;
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t k = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		if (strncasecmp(p, "Content-Length:", 15) &&
		    strncasecmp(p, "l:", 2)) {
			memcpy(w, p, k);
			w += k;
		}
		p += k;
	}
	*w = '\0';
	*n = (size_t)(w - copy);
	return copy;
}

static osip_message_t *parse_headers_only(const char *buf, size_t off,
					  struct natport_sip_parse_err *perr,
					  osip_message_t **answerable)
{
	size_t n = 0;
	char *copy = headers_without_cl(buf, off, &n);
	osip_message_t *m = NULL;

	seterr(perr, 0, "unparsable SIP message");
	if (!copy)
		return NULL;
	if (!osip_message_init(&m) && !osip_message_parse(m, copy, n) &&
	    can_answer(m)) {
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

/*
 * The header section as lines, unfolded: each_header() calls fn with the
 * name and the value (leading white space skipped, continuation lines
 * joined with one SP) of every header line in buf[0..off). Values may
 * hold NUL bytes (len counts them). Stops early when fn returns nonzero.
 */
typedef int (*header_fn)(const char *name, size_t nlen, const char *val,
			 size_t vlen, void *arg);

static int each_header(const char *buf, size_t off, header_fn fn, void *arg)
{
	const char *p = memchr(buf, '\n', off), *end = buf + off;
	char val[2048];

	if (!p)
		return 0;
	for (p++; p < end;) {
		const char *nl = memchr(p, '\n', end - p), *colon, *v;
		size_t n = 0, nlen;
		int ret;

		if (!nl || p == nl || (p[0] == '\r' && p + 1 == nl))
			break; /* the empty line */
		colon = memchr(p, ':', nl - p);
		if (!colon) {
			p = nl + 1;
			continue;
		}
		nlen = (size_t)(colon - p);
		while (nlen && (p[nlen - 1] == ' ' || p[nlen - 1] == '\t'))
			nlen--;
		v = colon + 1;
		for (;;) {
			const char *e = nl;

			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			if (e > v && e[-1] == '\r')
				e--;
			if (n && n < sizeof(val) - 1)
				val[n++] = ' ';
			if ((size_t)(e - v) > sizeof(val) - 1 - n)
				e = v + (sizeof(val) - 1 - n);
			memcpy(val + n, v, (size_t)(e - v));
			n += (size_t)(e - v);
			if (nl + 1 >= end || (nl[1] != ' ' && nl[1] != '\t'))
				break;
			v = nl + 1; /* a folded continuation line */
			nl = memchr(v, '\n', end - v);
			if (!nl)
				nl = end;
		}
		val[n] = '\0';
		ret = fn(p, nlen, val, n, arg);
		if (ret)
			return ret;
		p = nl + 1;
	}
	return 0;
}

/* name is the header (long or compact form), case-insensitively. */
static int hdr_is(const char *name, size_t nlen, const char *lng,
		  const char *cmp)
{
	return (nlen == strlen(lng) && !strncasecmp(name, lng, nlen)) ||
	       (cmp && nlen == 1 && tolower((unsigned char)*name) == *cmp);
}

/* A byte that is never in SIP text (0xff is no UTF-8 byte): stands for
 * the NUL of a quoted-pair while libosip2, which works on C strings,
 * holds the message; natport_sip_msg_unmark() puts the NULs back. */
#define NUL_MARK '\xff'

/*
 * RFC 3261 25.1: a NUL may be in a header only as a quoted-pair ("\"
 * NUL) inside a quoted string (RFC 4475 3.1.1.2). Returns 0 if there is
 * no other NUL (and *marks counts the quoted ones), -1 if there is, or
 * if the headers hold a NUL_MARK byte of their own.
 */
static int scan_nuls(const char *buf, size_t off, unsigned int *marks)
{
	int quoted = 0;

	*marks = 0;
	for (size_t i = 0; i < off; i++) {
		char c = buf[i];

		if (c == NUL_MARK)
			return -1;
		if (c == '\n') {
			quoted = 0; /* a quoted string never spans lines */
		} else if (c == '"') {
			quoted = !quoted;
		} else if (c == '\\' && quoted && i + 1 < off) {
			if (buf[i + 1] == '\0')
				(*marks)++;
			else if (buf[i + 1] == NUL_MARK)
				return -1;
			i++; /* the escaped byte, whatever it is */
		} else if (c == '\0') {
			return -1;
		}
	}
	return 0;
}

size_t natport_sip_msg_unmark(char *str, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i + 1 < len; i++) {
		if (str[i] == '\n' && str[i + 1] == '\r' && i + 2 < len &&
		    str[i + 2] == '\n')
			break; /* the body is left as it is */
		if (str[i] == '\\' && str[i + 1] == NUL_MARK) {
			str[++i] = '\0';
			n++;
		}
	}
	return n;
}

/* RFC 3261 25.1 token, as a method is. */
static int is_token(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-.!%*_+`'~", *s))
			return 0;
	return 1;
}

/* A scheme this proxy routes: sip and sips (RFC 3261 19.1). */
static int scheme_ok(const char *scheme)
{
	return scheme &&
	       (!strcasecmp(scheme, "sip") || !strcasecmp(scheme, "sips"));
}

/* The Request-URI of a start line "METHOD SP URI SP SIP/2.0" names a
 * scheme we do not route (416), or the line is otherwise broken (400). */
static int start_line_status(const char *line, size_t n)
{
	const char *sp = memchr(line, ' ', n), *uri, *sp2, *c;

	if (!sp)
		return 400;
	uri = sp + 1;
	sp2 = memchr(uri, ' ', n - (size_t)(uri - line));
	if (!sp2 || sp2 == uri || *uri == '<')
		return 400;
	c = memchr(uri, ':', (size_t)(sp2 - uri));
	if (!c || c == uri || !isalpha((unsigned char)*uri))
		return 400;
	for (const char *q = uri; q < c; q++)
		if (!isalnum((unsigned char)*q) && !strchr("+-.", *q))
			return 400;
	if (((c - uri) == 3 && !strncasecmp(uri, "sip", 3)) ||
	    ((c - uri) == 4 && !strncasecmp(uri, "sips", 4)))
		return 400;
	return 416;
}

struct salvage {
	osip_message_t *m;
	int vias, bad_via, cseq;
	char *from, *to, *call_id;
};

/* The sent-protocol and sent-by of a Via, and its branch, when the rest
 * of it does not parse (RFC 4475 3.1.2.1): enough to route a 400. */
static int via_fallback(osip_message_t *m, const char *v)
{
	char tmp[300];
	size_t n = strcspn(v, ";,");
	const char *br = strstr(v, ";branch=");
	size_t bn = br ? strcspn(br + 8, ";, \t") : 0;

	if (n + bn + 9 >= sizeof(tmp))
		return -1;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	if (bn) {
		strcat(tmp, ";branch=");
		strncat(tmp, br + 8, bn);
	}
	return osip_message_set_via(m, tmp);
}

static int salvage_one(const char *name, size_t nlen, const char *val,
		       size_t vlen, void *arg)
{
	struct salvage *s = arg;
	char **dst = NULL;

	(void)vlen;
	if (hdr_is(name, nlen, "via", "v")) {
		/* one Via value per comma (no quoted strings in a Via
		 * worth keeping for a 400) */
		char tmp[2048], *save = NULL, *tok;

		snprintf(tmp, sizeof(tmp), "%s", val);
		for (tok = strtok_r(tmp, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			while (*tok == ' ' || *tok == '\t')
				tok++;
			if (!*tok)
				continue;
			if (!osip_message_set_via(s->m, tok) ||
			    !via_fallback(s->m, tok))
				s->vias++;
			else if (!s->vias)
				s->bad_via = 1;
		}
		return 0;
	}
	if (hdr_is(name, nlen, "cseq", NULL)) {
		if (!s->cseq && !osip_message_set_cseq(s->m, val))
			s->cseq = 1;
		return 0;
	}
	if (hdr_is(name, nlen, "from", "f"))
		dst = &s->from;
	else if (hdr_is(name, nlen, "to", "t"))
		dst = &s->to;
	else if (hdr_is(name, nlen, "call-id", "i"))
		dst = &s->call_id;
	if (dst && !*dst)
		*dst = strdup(val);
	return 0;
}

/*
 * A request libosip2 cannot parse, or that lacks From, To or Call-ID:
 * RFC 4475 (3.1.2, 3.3.1) wants a 400 for it wherever the sender can be
 * reached. Rebuild a request from the parts a response needs: the Vias
 * (or what routes one), CSeq; From, To and Call-ID as sent when they
 * parse, placeholders otherwise (a client matches a response by its
 * Via branch and CSeq method, RFC 3261 17.1.3). NULL (drop) for a
 * response, without a usable Via or CSeq, or for an ACK.
 */
static osip_message_t *salvage(const char *buf, size_t off)
{
	struct salvage s = { 0 };
	const char *eol = memchr(buf, '\n', off), *sp;
	osip_uri_t *uri = NULL;
	char method[64];
	size_t n;

	if (!eol || !strncmp(buf, "SIP/", 4))
		return NULL;
	sp = memchr(buf, ' ', (size_t)(eol - buf));
	n = sp ? (size_t)(sp - buf) : 0;
	if (!n || n >= sizeof(method))
		return NULL;
	memcpy(method, buf, n);
	method[n] = '\0';
	if (!is_token(method))
		return NULL;
	if (osip_message_init(&s.m))
		return NULL;
	osip_message_set_method(s.m, osip_strdup(method));
	osip_message_set_version(s.m, osip_strdup("SIP/2.0"));
	if (!osip_uri_init(&uri) && !osip_uri_parse(uri, "sip:invalid.invalid"))
		osip_message_set_uri(s.m, uri);
	else
		osip_uri_free(uri);
	each_header(buf, off, salvage_one, &s);
	if (s.vias && s.cseq) {
		if (!s.from || osip_message_set_from(s.m, s.from))
			osip_message_set_from(s.m, "<sip:invalid.invalid>");
		if (!s.to || osip_message_set_to(s.m, s.to))
			osip_message_set_to(s.m, "<sip:invalid.invalid>");
		if (!s.call_id || !*s.call_id ||
		    osip_message_set_call_id(s.m, s.call_id))
			osip_message_set_call_id(s.m, "invalid");
	}
	free(s.from);
	free(s.to);
	free(s.call_id);
	if (!s.vias || !s.cseq || !can_answer(s.m)) {
		osip_message_free(s.m);
		return NULL;
	}
	return s.m;
}

/* Checks on the header lines as sent, for what libosip2 accepts or
 * cannot tell once parsed. */
struct raw_check {
	const char *why;
	unsigned int n_from, n_to, n_cid, n_cseq, n_mf, n_cl;
};

static int raw_check_one(const char *name, size_t nlen, const char *val,
			 size_t vlen, void *arg)
{
	struct raw_check *rc = arg;
	int addr = 0;

	(void)vlen;
	if (hdr_is(name, nlen, "from", "f"))
		addr = ++rc->n_from;
	else if (hdr_is(name, nlen, "to", "t"))
		addr = ++rc->n_to;
	else if (hdr_is(name, nlen, "contact", "m"))
		addr = 1;
	else if (hdr_is(name, nlen, "call-id", "i"))
		rc->n_cid++;
	else if (hdr_is(name, nlen, "cseq", NULL))
		rc->n_cseq++;
	else if (hdr_is(name, nlen, "max-forwards", NULL))
		rc->n_mf++;
	else if (hdr_is(name, nlen, "content-length", "l"))
		rc->n_cl++; /* RFC 4475 3.3.9 */
	/* a Date in another time zone than GMT (RFC 4475 3.1.2.12) is
	 * left alone: this proxy does not use Date, and the RFC asks an
	 * element not to reject it then */
	/* an addr-spec (no <>) whose URI has headers: its "?" part is not
	 * the URI's (RFC 3261 20.10, RFC 4475 3.1.2.13) */
	if (addr && !strchr(val, '<') && strchr(val, '?'))
		rc->why = "a URI with headers outside <>";
	return rc->why != NULL;
}

static const char *raw_checks(const char *buf, size_t off)
{
	struct raw_check rc = { 0 };

	each_header(buf, off, raw_check_one, &rc);
	if (rc.why)
		return rc.why;
	/* RFC 4475 3.3.8: one value each */
	if (rc.n_from > 1 || rc.n_to > 1 || rc.n_cid > 1 || rc.n_cseq > 1 ||
	    rc.n_mf > 1 || rc.n_cl > 1)
		return "a single-value header given twice";
	return NULL;
}

/* RFC 3261 16.3 step 5: this proxy supports no extension, so any
 * Proxy-Require is answered with 420 (natport_sip_response lists them in
 * Unsupported). ACK and CANCEL are never refused for it. */
static int needs_extension(osip_message_t *m)
{
	osip_header_t *h = NULL;

	if (!MSG_IS_REQUEST(m) || !strcmp(m->sip_method, "ACK") ||
	    !strcmp(m->sip_method, "CANCEL"))
		return 0;
	return osip_message_header_get_byname(m, "proxy-require", 0, &h) >= 0 &&
	       h && h->hvalue && *h->hvalue;
}

/* A multipart body (RFC 5621) is kept as one opaque body, the bytes as
 * sent: libosip2 would split it into parts and write it back with its
 * own framing, and it frames whatever the body list holds whenever the
 * parsed Content-Type is multipart with a boundary. So the Content-Type
 * (and MIME-Version) move to the plain headers, written back as they
 * came; natport_sip_multipart_boundary() reads the boundary from there,
 * for the SDP part to be found when the SDP is rewritten. */
static int move_to_plain(osip_message_t *m, const char *name, char *str)
{
	int ret = str ? osip_message_set_header(m, name, str) : -1;

	osip_free(str);
	return ret;
}

static int keep_raw_body(osip_message_t *m, const char *body, size_t len)
{
	osip_body_t *b;
	char *str = NULL;

	if (!m->content_type || !m->content_type->type ||
	    strcasecmp(m->content_type->type, "multipart"))
		return 0;
	while ((b = osip_list_get(&m->bodies, 0))) {
		osip_list_remove(&m->bodies, 0);
		osip_body_free(b);
	}
	if (osip_content_type_to_str(m->content_type, &str) ||
	    move_to_plain(m, "Content-Type", str))
		return -1;
	osip_content_type_free(m->content_type);
	m->content_type = NULL;
	str = NULL;
	if (m->mime_version) {
		if (osip_mime_version_to_str(m->mime_version, &str) ||
		    move_to_plain(m, "MIME-Version", str))
			return -1;
		osip_mime_version_free(m->mime_version);
		m->mime_version = NULL;
	}
	if (!len)
		return 0;
	if (osip_body_init(&b))
		return -1;
	b->body = osip_malloc(len + 1);
	if (!b->body) {
		osip_body_free(b);
		return -1;
	}
	memcpy(b->body, body, len);
	b->body[len] = '\0';
	b->length = len;
	osip_list_add(&m->bodies, b, -1);
	return 0;
}

int natport_sip_multipart_boundary(osip_message_t *m, char *out, size_t len)
{
	osip_header_t *h = NULL;
	const char *p, *e;
	size_t n;

	if (m->content_type ||
	    osip_message_header_get_byname(m, "content-type", 0, &h) < 0 ||
	    !h || !h->hvalue || strncasecmp(h->hvalue, "multipart/", 10))
		return -1;
	for (p = strchr(h->hvalue, ';'); p; p = strchr(p + 1, ';')) {
		const char *q = p + 1;

		while (*q == ' ' || *q == '\t')
			q++;
		if (strncasecmp(q, "boundary", 8))
			continue;
		q += 8;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q++ != '=')
			continue;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q == '"') {
			e = strchr(++q, '"');
			if (!e)
				return -1;
		} else {
			e = q + strcspn(q, "; \t");
		}
		n = (size_t)(e - q);
		if (!n || n >= len)
			return -1;
		memcpy(out, q, n);
		out[n] = '\0';
		return 0;
	}
	return -1;
}

void natport_sip_multipart_strip(osip_message_t *m)
{
	osip_header_t *h = NULL;
	int i;

	while ((i = osip_message_header_get_byname(m, "content-type", 0, &h)) >=
	       0) {
		osip_list_remove(&m->headers, i);
		osip_header_free(h);
	}
}

static int is_multipart_hdr(const char *name, size_t nlen, const char *val,
			    size_t vlen, void *arg)
{
	(void)vlen;
	(void)arg;
	return hdr_is(name, nlen, "content-type", "c") &&
	       !strncasecmp(val, "multipart/", 10);
}

static int cl_hdr(const char *name, size_t nlen, const char *val, size_t vlen,
		  void *arg)
{
	(void)vlen;
	if (!hdr_is(name, nlen, "content-length", "l"))
		return 0;
	snprintf(arg, 32, "%s", val);
	return 1;
}

/* The headers of a message with a multipart body, without the body (see
 * parse_checked): libosip2 wants a body as long as Content-Length says,
 * so it parses the headers without it, and gets the value back after. */
static int parse_multipart_headers(osip_message_t *m, const char *buf,
				   size_t off)
{
	char cl[32], *copy;
	size_t n = 0;
	int ret;

	copy = headers_without_cl(buf, off, &n);
	if (!copy)
		return -1;
	ret = osip_message_parse(m, copy, n);
	free(copy);
	if (!ret && each_header(buf, off, cl_hdr, cl)) {
		/* libosip2 may have made one up for the missing body */
		osip_content_length_free(m->content_length);
		m->content_length = NULL;
		ret = osip_message_set_content_length(m, cl);
	}
	return ret;
}

static osip_message_t *parse_checked(const char *buf, size_t len,
				     struct natport_sip_parse_err *perr,
				     osip_message_t **answerable)
{
	osip_message_t *m = NULL;
	unsigned long cl = 0;
	long off;
	size_t body_len;
	const char *why = NULL;
	int status = 400, mp;

	off = body_offset(buf, len);
	/* libosip2 leaks what it allocated for a multipart part it fails to
	 * parse (126 bytes for a broken part Content-Type, found by
	 * fuzz_sip_msg): such a body is never given to it, only the headers
	 * are; keep_raw_body() attaches the body as sent */
	mp = each_header(buf, (size_t)off, is_multipart_hdr, NULL);
	if (osip_message_init(&m))
		return NULL;
	if (mp ? parse_multipart_headers(m, buf, (size_t)off) :
		 osip_message_parse(m, buf, len)) {
		osip_message_free(m);
		parse_headers_only(buf, (size_t)off, perr, answerable);
		if (*answerable)
			return NULL;
		/* RFC 4475 3.1.2: a request that does not parse is
		 * answered with 400 (416 for a scheme we cannot route)
		 * wherever it says where to */
		*answerable = salvage(buf, (size_t)off);
		if (*answerable) {
			const char *eol = memchr(buf, '\n', (size_t)off);
			size_t n = (size_t)(eol - buf);

			if (n && buf[n - 1] == '\r')
				n--;
			status = start_line_status(buf, n);
			seterr(perr, status,
			       status == 416 ? "unsupported URI scheme" :
					       "unparsable request");
		}
		return NULL;
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
		if (mp ? parse_multipart_headers(m, buf, (size_t)off) :
			 osip_message_parse(m, buf, (size_t)off + cl)) {
			osip_message_free(m);
			seterr(perr, 0, "unparsable SIP message");
			return NULL;
		}
		body_len = cl;
	}
	if (!why) {
		if (!m->sip_version || strcmp(m->sip_version, "SIP/2.0")) {
			why = "not SIP/2.0";
			status = 505;
		} else if (osip_list_size(&m->vias) < 1) {
			why = "no Via";
		} else if (!m->from || !m->from->url) {
			why = "no From";
		} else if (!m->to || !m->to->url) {
			why = "no To";
		} else if (!m->call_id || !m->call_id->number) {
			why = "no Call-ID";
		} else if (!m->cseq || !m->cseq->number || !m->cseq->method) {
			why = "no CSeq";
		} else if (strspn(m->cseq->number, "0123456789") !=
				   strlen(m->cseq->number) ||
			   strlen(m->cseq->number) > 10) {
			why = "malformed CSeq";
		} else if (MSG_IS_REQUEST(m) &&
			   (!m->req_uri || !scheme_ok(m->req_uri->scheme))) {
			why = "unsupported URI scheme";
			status = 416;
		} else if (MSG_IS_REQUEST(m) && !m->req_uri->host) {
			why = "no Request-URI";
		} else if (MSG_IS_REQUEST(m) &&
			   osip_list_size(&m->req_uri->url_headers) > 0) {
			/* RFC 3261 19.1.5, RFC 4475 3.1.2.11 */
			why = "headers in the Request-URI";
		} else if (MSG_IS_REQUEST(m) &&
			   strcmp(m->sip_method, m->cseq->method)) {
			why = "CSeq method differs from the request's";
		} else if (MSG_IS_RESPONSE(m) &&
			   (m->status_code < 100 || m->status_code > 699)) {
			why = "bad status code";
		} else if ((why = raw_checks(buf, (size_t)off))) {
			/* set */
		} else if (keep_raw_body(m, buf + off, body_len)) {
			why = "out of memory";
			status = 0;
		} else if (osip_list_size(&m->bodies) > 1) {
			why = "more than one body";
		} else if (needs_extension(m)) {
			why = "Proxy-Require: no extension is supported";
			status = 420;
		}
	}
	if (!why)
		return m;
	if (status && MSG_IS_REQUEST(m) && can_answer(m)) {
		seterr(perr, status, why);
		*answerable = m;
		return NULL;
	}
	if (status && MSG_IS_REQUEST(m) && strcmp(m->sip_method, "ACK") &&
	    (*answerable = salvage(buf, (size_t)off))) {
		/* no From, To or Call-ID (RFC 4475 3.3.1) */
		seterr(perr, status, why);
	} else {
		seterr(perr, 0, why);
	}
	osip_message_free(m);
	return NULL;
}

osip_message_t *natport_sip_msg_parse(const char *buf, size_t len,
				      struct natport_sip_parse_err *perr,
				      osip_message_t **answerable)
{
	osip_message_t *m;
	unsigned int marks;
	long off;
	char *copy;

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
	if (scan_nuls(buf, (size_t)off, &marks)) {
		*answerable = salvage(buf, (size_t)off);
		seterr(perr, *answerable ? 400 : 0, "NUL byte in the headers");
		return NULL;
	}
	if (!marks)
		return parse_checked(buf, len, perr, answerable);
	/* quoted NULs: parsed as NUL_MARK, written back as NUL */
	copy = malloc(len);
	if (!copy)
		return NULL;
	memcpy(copy, buf, len);
	for (long i = 0; i + 1 < off; i++)
		if (copy[i] == '\\' && copy[i + 1] == '\0')
			copy[++i] = NUL_MARK;
	m = parse_checked(copy, len, perr, answerable);
	free(copy);
	return m;
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
	if (code == 420) {
		/* RFC 3261 8.2.2.3: the extensions refused, as asked for */
		osip_header_t *h = NULL;

		for (int i = 0; (i = osip_message_header_get_byname(
					 req, "proxy-require", i, &h)) >= 0;
		     i++)
			if (h && h->hvalue)
				osip_message_set_header(r, "Unsupported",
							h->hvalue);
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
