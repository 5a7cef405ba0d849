// SPDX-License-Identifier: GPL-2.0-or-later
/* ngsdp.c - text edits of an SDP the ng front end is handed (ngsdp.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ng/ngsdp.h"

struct line {
	const char *p; /* the line's first byte */
	size_t len;    /* without its ending */
	size_t full;   /* with its ending */
};

/* The line at *pos; false at the end. */
static bool next_line(const char *s, size_t len, size_t *pos, struct line *l)
{
	const char *nl;

	if (*pos >= len)
		return false;
	l->p = s + *pos;
	nl = memchr(l->p, '\n', len - *pos);
	l->full = nl ? (size_t)(nl - l->p) + 1 : len - *pos;
	l->len = l->full;
	if (l->len && l->p[l->len - 1] == '\n')
		l->len--;
	if (l->len && l->p[l->len - 1] == '\r')
		l->len--;
	*pos += l->full;
	return true;
}

static bool starts(const struct line *l, const char *prefix)
{
	size_t n = strlen(prefix);

	return l->len >= n && !memcmp(l->p, prefix, n);
}

/* An attribute line "a=name" or "a=name:..." for one of names. */
static bool attr_is(const struct line *l, const char *const *names)
{
	for (; *names; names++) {
		size_t n = strlen(*names);

		if (l->len >= 2 + n && !memcmp(l->p, "a=", 2) &&
		    !memcmp(l->p + 2, *names, n) &&
		    (l->len == 2 + n || l->p[2 + n] == ':'))
			return true;
	}
	return false;
}

static const char *const ice_attrs[] = {
	"candidate", "remote-candidates", "end-of-candidates", "ice-ufrag",
	"ice-pwd",   "ice-options",	  "ice-lite",	       NULL,
};
static const char *const mux_attrs[] = { "rtcp-mux", NULL };

/* The address of "c=IN IP4 a" / "c=IN IP6 a"; false if not that form. */
static bool c_addr(const struct line *l, struct natport_endpoint *ep)
{
	char buf[INET6_ADDRSTRLEN + 1];
	size_t n;

	if (l->len < 9 || memcmp(l->p, "c=IN IP", 7) || l->p[8] != ' ')
		return false;
	n = l->len - 9;
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, l->p + 9, n);
	buf[n] = '\0';
	memset(ep, 0, sizeof(*ep));
	if (l->p[7] == '4' && inet_pton(AF_INET, buf, &ep->addr.v4) == 1)
		ep->family = AF_INET;
	else if (l->p[7] == '6' && inet_pton(AF_INET6, buf, &ep->addr.v6) == 1)
		ep->family = AF_INET6;
	else
		return false;
	return true;
}

int natport_ngsdp_edit(const char *sdp, size_t len,
		       const struct natport_ngsdp_edit *e, char **out,
		       size_t *outlen)
{
	char addr[INET6_ADDRSTRLEN];
	size_t pos = 0, o = 0, cap;
	struct line l;
	char *b;

	*out = NULL;
	*outlen = 0;
	if (len > NATPORT_NGSDP_MAX_LEN) {
		errno = E2BIG;
		return -1;
	}
	if (e->c_addr.family != AF_UNSPEC &&
	    !inet_ntop(e->c_addr.family, &e->c_addr.addr, addr, sizeof(addr))) {
		errno = EINVAL;
		return -1;
	}
	/* a c= line grows by at most an IPv6 literal over "0.0.0.0" */
	cap = 2 * len + 64;
	b = malloc(cap + 1);
	if (!b)
		return -1;
	while (next_line(sdp, len, &pos, &l)) {
		struct natport_endpoint ep;

		if ((e->ice_remove && attr_is(&l, ice_attrs)) ||
		    (e->mux_reject && attr_is(&l, mux_attrs)))
			continue;
		if (e->c_addr.family != AF_UNSPEC && starts(&l, "c=") &&
		    c_addr(&l, &ep) && !natport_endpoint_is_unspec(&ep) &&
		    o + 16 + strlen(addr) + (l.full - l.len) <= cap) {
			o += (size_t)sprintf(
				b + o, "c=IN IP%c %s",
				e->c_addr.family == AF_INET6 ? '6' : '4', addr);
			memcpy(b + o, l.p + l.len, l.full - l.len);
			o += l.full - l.len;
			continue;
		}
		if (o + l.full > cap) {
			free(b);
			errno = E2BIG;
			return -1;
		}
		memcpy(b + o, l.p, l.full);
		o += l.full;
	}
	b[o] = '\0';
	*out = b;
	*outlen = o;
	return 0;
}

int natport_ngsdp_addr(const char *sdp, size_t len, struct natport_endpoint *ep)
{
	size_t pos = 0;
	struct line l;

	while (next_line(sdp, len, &pos, &l))
		if (starts(&l, "c=") && c_addr(&l, ep) &&
		    !natport_endpoint_is_unspec(ep))
			return 0;
	return -1;
}

unsigned int natport_ngsdp_protos(const char *sdp, size_t len,
				  char (*proto)[NATPORT_NGSDP_PROTO_LEN],
				  unsigned int max)
{
	unsigned int n = 0;
	size_t pos = 0;
	struct line l;

	while (next_line(sdp, len, &pos, &l)) {
		const char *p, *end = l.p + l.len, *sp;
		size_t k;

		if (!starts(&l, "m="))
			continue;
		if (n < max) {
			proto[n][0] = '\0';
			/* m=<media> <port> <proto> <fmt>... */
			p = memchr(l.p, ' ', l.len);
			p = p ? memchr(p + 1, ' ', (size_t)(end - p - 1)) :
				NULL;
			if (p) {
				p++;
				sp = memchr(p, ' ', (size_t)(end - p));
				k = (size_t)((sp ? sp : end) - p);
				if (k >= NATPORT_NGSDP_PROTO_LEN)
					k = NATPORT_NGSDP_PROTO_LEN - 1;
				memcpy(proto[n], p, k);
				proto[n][k] = '\0';
			}
		}
		n++;
	}
	return n;
}
