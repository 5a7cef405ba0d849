// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sdp.c - SDP parsing and media address rewriting on top of libosip2's SDP
 * parser and serializer; the contract is in sdp.h.
 *
 * libosip2 does the tokenizing and the output. It trusts its input more
 * than a router facing the Internet can, so every field it hands back is
 * checked again here before anything is derived from it; the places where
 * it is lenient are marked "libosip2:" below.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_port.h>
#include <osipparser2/sdp_message.h>

#include "media/sdp.h"

#define ADDR_STRLEN INET6_ADDRSTRLEN

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

const char *natport_sdp_dir_name(enum natport_sdp_dir dir)
{
	switch (dir) {
	case NATPORT_SDP_SENDRECV:
		return "sendrecv";
	case NATPORT_SDP_SENDONLY:
		return "sendonly";
	case NATPORT_SDP_RECVONLY:
		return "recvonly";
	case NATPORT_SDP_INACTIVE:
		return "inactive";
	}
	return "?";
}

/* ------------------------------------------------------------------ */
/* Line structure: what libosip2 does not check. */

/* RFC 8866 section 5 type letters, in the order they may appear in the
 * session part (t= and r= alternate, so they share a rank) and in each
 * media part; and the letters that may repeat in each. */
static const char session_order[] = "vosiuepcbtrzka";
static const char media_order[] = "icbka";
static const char session_repeatable[] = "epbtra";
static const char media_repeatable[] = "cba";

/* Lines whose value is free text (UTF-8 or a=charset), where bytes >= 0x80
 * are legitimate; everywhere else SDP is ASCII. */
static const char text_types[] = "siuepka";

struct line_counts {
	unsigned int n[26];
};

static int rank(const char *order, char type)
{
	const char *p = strchr(order, type);

	if (!p)
		return -1;
	if (type == 'r')
		return strchr(order, 't') - order;
	return p - order;
}

/*
 * libosip2: sdp_message_parse() finds each line's type by looking for the
 * next '=' anywhere ahead (across line ends) and taking the byte before it,
 * so a garbage line is swallowed into the next one; it stops, reporting
 * success, at the first empty line or NUL, silently dropping the rest; it
 * accepts a bare CR as a line end and s= before o=; its errors say nothing
 * about where. Hence this scan of the raw bytes first: line syntax, bytes,
 * and the order of RFC 8866 section 5.
 */
static int scan_lines(const char *body, size_t len, struct line_counts *lc,
		      char *err, size_t errlen)
{
	unsigned int line = 0, in_media = 0;
	int last_rank = -1;
	char last = 0;
	size_t pos = 0;

	memset(lc, 0, sizeof(*lc));
	while (pos < len) {
		const char *l = body + pos;
		const char *nl = memchr(l, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - l) : len - pos, i;
		const char *order;
		char type;
		int r;

		line++;
		pos += n + 1;
		if (nl && n && l[n - 1] == '\r')
			n--;
		for (i = 0; i < n; i++) {
			unsigned char c = l[i];

			if (c == '\r')
				return fail(err, errlen,
					    "line %u: bare CR (lines end with CRLF)",
					    line);
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return fail(err, errlen,
					    "line %u: control byte 0x%02x",
					    line, c);
		}
		if (!nl)
			return fail(err, errlen,
				    "line %u: no line ending (truncated body?)",
				    line);
		if (n == 0)
			return fail(err, errlen, "line %u: empty line", line);
		type = l[0];
		if (type >= 'A' && type <= 'Z' && n >= 2 && l[1] == '=')
			return fail(err, errlen,
				    "line %u: type letter '%c' must be lower-case (RFC 8866 section 5)",
				    line, type);
		if (n < 2 || l[1] != '=' || type < 'a' || type > 'z')
			return fail(err, errlen,
				    "line %u: not a <type>=<value> line", line);
		if (!strchr(session_order, type) && type != 'm')
			return fail(err, errlen,
				    "line %u: unknown type letter '%c'", line,
				    type);
		if (n == 2)
			return fail(err, errlen, "line %u: empty %c= value",
				    line, type);
		for (i = 2; i < n; i++)
			if ((unsigned char)l[i] >= 0x80 &&
			    !strchr(text_types, type))
				return fail(err, errlen,
					    "line %u: non-ASCII byte 0x%02x in %c= line",
					    line, (unsigned char)l[i], type);
		if (line == 1 && type != 'v')
			return fail(err, errlen,
				    "line 1: SDP must start with v=, not %c=",
				    type);

		if (type == 'm') {
			in_media = 1;
			last_rank = -1;
			last = type;
			lc->n[type - 'a']++;
			continue;
		}
		order = in_media ? media_order : session_order;
		r = rank(order, type);
		if (r < 0)
			return fail(err, errlen,
				    "line %u: %c= not allowed after the first m= (RFC 8866 section 5)",
				    line, type);
		if (r < last_rank)
			return fail(err, errlen,
				    "line %u: %c= out of order (RFC 8866 section 5)",
				    line, type);
		if (type == last &&
		    !strchr(in_media ? media_repeatable : session_repeatable,
			    type))
			return fail(err, errlen,
				    "line %u: more than one %c= line", line,
				    type);
		if (type == 'r' && !lc->n['t' - 'a'])
			return fail(err, errlen,
				    "line %u: r= without t=", line);
		last_rank = r;
		last = type;
		lc->n[type - 'a']++;
	}
	if (!line)
		return fail(err, errlen, "empty body");
	if (!lc->n['o' - 'a'])
		return fail(err, errlen, "no o= line");
	/* libosip2 lets s= be missing; RFC 8866 section 5.3 requires it. */
	if (!lc->n['s' - 'a'])
		return fail(err, errlen, "no s= line");
	if (!lc->n['t' - 'a'])
		return fail(err, errlen, "no t= line");
	return 0;
}

/* Count what libosip2 kept, per type letter, to compare with the scan. */
static void count_parsed(sdp_message_t *msg, struct line_counts *lc)
{
	int i, j, nm = osip_list_size(&msg->m_medias);

	memset(lc, 0, sizeof(*lc));
	lc->n['v' - 'a'] = !!msg->v_version;
	lc->n['o' - 'a'] = !!msg->o_username;
	lc->n['s' - 'a'] = !!msg->s_name;
	lc->n['i' - 'a'] = !!msg->i_info;
	lc->n['u' - 'a'] = !!msg->u_uri;
	lc->n['e' - 'a'] = osip_list_size(&msg->e_emails);
	lc->n['p' - 'a'] = osip_list_size(&msg->p_phones);
	lc->n['c' - 'a'] = !!msg->c_connection;
	lc->n['b' - 'a'] = osip_list_size(&msg->b_bandwidths);
	lc->n['t' - 'a'] = osip_list_size(&msg->t_descrs);
	for (i = 0; i < osip_list_size(&msg->t_descrs); i++) {
		sdp_time_descr_t *t = osip_list_get(&msg->t_descrs, i);

		lc->n['r' - 'a'] += osip_list_size(&t->r_repeats);
	}
	lc->n['z' - 'a'] = !!msg->z_adjustments;
	lc->n['k' - 'a'] = !!msg->k_key;
	lc->n['a' - 'a'] = osip_list_size(&msg->a_attributes);
	lc->n['m' - 'a'] = nm;
	for (j = 0; j < nm; j++) {
		sdp_media_t *m = osip_list_get(&msg->m_medias, j);

		lc->n['i' - 'a'] += !!m->i_info;
		lc->n['c' - 'a'] += osip_list_size(&m->c_connections);
		lc->n['b' - 'a'] += osip_list_size(&m->b_bandwidths);
		lc->n['k' - 'a'] += !!m->k_key;
		lc->n['a' - 'a'] += osip_list_size(&m->a_attributes);
	}
}

/* ------------------------------------------------------------------ */
/* Field checks. */

/* Decimal 0..max, digits only (strtoul would take signs, spaces, 0x). */
static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		unsigned int d = *s - '0';

		if (*s < '0' || *s > '9' || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int is_token(const char *s, const char *extra)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr(extra, *s))
			continue;
		return 0;
	}
	return 1;
}

static int addr_is_unspec(const struct natport_endpoint *ep)
{
	if (ep->family == AF_INET)
		return ep->addr.v4.s_addr == htonl(INADDR_ANY);
	if (ep->family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&ep->addr.v6);
	return 0;
}

static int addr_equal(const struct natport_endpoint *a,
		      const struct natport_endpoint *b)
{
	if (a->family != b->family)
		return 0;
	if (a->family == AF_INET)
		return a->addr.v4.s_addr == b->addr.v4.s_addr;
	if (a->family == AF_INET6)
		return !memcmp(&a->addr.v6, &b->addr.v6, sizeof(a->addr.v6));
	return 1;
}

/* "5.6.7.8:5678": an IPv4 literal followed by ":<digits>". */
static int has_port_suffix(const char *addr)
{
	const char *colon = strrchr(addr, ':');
	struct in_addr a;
	unsigned long port;
	char host[INET_ADDRSTRLEN];
	size_t n;

	if (!colon)
		return 0;
	n = colon - addr;
	if (n >= sizeof(host))
		return 0;
	memcpy(host, addr, n);
	host[n] = '\0';
	return inet_pton(AF_INET, host, &a) == 1 &&
	       !parse_uint(colon + 1, ~0UL >> 1, &port);
}

/*
 * "IN" "IP4"|"IP6" <literal>: the form of c= and of a=rtcp's optional
 * part. libosip2 takes any nettype, addrtype and address text (a FQDN,
 * "5.6.7.8:5678", trailing words), so all three are checked here.
 */
static int parse_conn_addr(const char *nettype, const char *addrtype,
			   const char *addr, struct natport_endpoint *ep,
			   char *why, size_t whylen)
{
	memset(ep, 0, sizeof(*ep));
	if (!nettype || strcmp(nettype, "IN"))
		return fail(why, whylen, "network type '%s' is not IN",
			    nettype ? nettype : "");
	if (!addrtype || (strcmp(addrtype, "IP4") && strcmp(addrtype, "IP6")))
		return fail(why, whylen,
			    "address type '%s' is not IP4 or IP6",
			    addrtype ? addrtype : "");
	if (!addr || !*addr)
		return fail(why, whylen, "no address");
	if (!strcmp(addrtype, "IP4")) {
		if (inet_pton(AF_INET, addr, &ep->addr.v4) != 1) {
			if (has_port_suffix(addr))
				return fail(why, whylen,
					    "'%s': c= has no port (RFC 8866 section 5.7)",
					    addr);
			return fail(why, whylen,
				    "'%s' is not an IPv4 address literal",
				    addr);
		}
		ep->family = AF_INET;
		if (IN_MULTICAST(ntohl(ep->addr.v4.s_addr)))
			return fail(why, whylen,
				    "multicast address %s refused", addr);
	} else {
		if (inet_pton(AF_INET6, addr, &ep->addr.v6) != 1)
			return fail(why, whylen,
				    "'%s' is not an IPv6 address literal",
				    addr);
		ep->family = AF_INET6;
		if (IN6_IS_ADDR_MULTICAST(&ep->addr.v6))
			return fail(why, whylen,
				    "multicast address %s refused", addr);
	}
	return 0;
}

static int parse_conn(sdp_connection_t *c, struct natport_endpoint *ep,
		      char *why, size_t whylen)
{
	/* libosip2 splits "addr/ttl[/count]" off into these two. */
	if (c->c_addr_multicast_ttl || c->c_addr_multicast_int)
		return fail(why, whylen,
			    "multicast /ttl or /count form refused");
	return parse_conn_addr(c->c_nettype, c->c_addrtype, c->c_addr, ep,
			       why, whylen);
}

/* RFC 3605: "a=rtcp:" port [nettype SP addrtype SP connection-address]. */
static int parse_rtcp_attr(const char *value, struct natport_endpoint *ep,
			   int *has_addr, char *why, size_t whylen)
{
	char buf[128], *tok[5], *save = NULL, *p;
	unsigned long port;
	int n = 0;

	*has_addr = 0;
	if (!value || strlen(value) >= sizeof(buf))
		return fail(why, whylen, "a=rtcp without a port or too long");
	strcpy(buf, value);
	/* Exactly one space between fields: strtok would hide doubles. */
	for (p = buf; *p; p++)
		if (*p == ' ' && (p == buf || p[1] == ' ' || p[1] == '\0'))
			return fail(why, whylen, "a=rtcp:%s: bad spacing",
				    value);
	for (p = strtok_r(buf, " ", &save); p && n < 5;
	     p = strtok_r(NULL, " ", &save))
		tok[n++] = p;
	if (n != 1 && n != 4)
		return fail(why, whylen,
			    "a=rtcp:%s: want <port> [IN IP4|IP6 <address>]",
			    value);
	if (parse_uint(tok[0], 65535, &port) || port == 0)
		return fail(why, whylen, "a=rtcp port '%s' out of range",
			    tok[0]);
	memset(ep, 0, sizeof(*ep));
	if (n == 4) {
		char sub[96];

		if (parse_conn_addr(tok[1], tok[2], tok[3], ep, sub,
				    sizeof(sub)))
			return fail(why, whylen, "a=rtcp: %s", sub);
		*has_addr = 1;
	}
	ep->port = port;
	return 0;
}

/* RFC 3551 section 6, static payload types; 0 = unassigned/dynamic. */
static uint32_t static_clock_rate(unsigned int pt)
{
	static const uint32_t rate[35] = {
		[0] = 8000,   [3] = 8000,   [4] = 8000,	  [5] = 8000,
		[6] = 16000,  [7] = 8000,   [8] = 8000,	  [9] = 8000,
		[10] = 44100, [11] = 44100, [12] = 8000,  [13] = 8000,
		[14] = 90000, [15] = 8000,  [16] = 11025, [17] = 22050,
		[18] = 8000,  [25] = 90000, [26] = 90000, [28] = 90000,
		[31] = 90000, [32] = 90000, [33] = 90000, [34] = 90000,
	};

	return pt < sizeof(rate) / sizeof(rate[0]) ? rate[pt] : 0;
}

/* "a=rtpmap:" pt SP encoding "/" clock-rate ["/" parameters]. A static
 * payload type may leave out "/" clock-rate (RFC 4475 3.1.1.1's
 * "a=rtpmap:31 LPC"): its rate is RFC 3551's. A dynamic or unassigned
 * one may not, there is no rate to assume. */
static int parse_rtpmap(const char *value, unsigned long *pt,
			unsigned long *rate)
{
	char buf[128], *sp, *slash, *end;

	if (!value || strlen(value) >= sizeof(buf))
		return -1;
	strcpy(buf, value);
	sp = strchr(buf, ' ');
	if (!sp)
		return -1;
	*sp = '\0';
	if (parse_uint(buf, 127, pt))
		return -1;
	slash = strchr(sp + 1, '/');
	if (!slash) {
		if (!is_token(sp + 1, "-_.+!"))
			return -1;
		*rate = static_clock_rate((unsigned int)*pt);
		return *rate ? 0 : -1;
	}
	*slash = '\0';
	if (!is_token(sp + 1, "-_.+!"))
		return -1;
	end = strchr(slash + 1, '/');
	if (end) {
		if (!end[1])
			return -1;
		*end = '\0';
	}
	if (parse_uint(slash + 1, 100000000, rate) || *rate == 0)
		return -1;
	return 0;
}

/* a=sendrecv etc.; -1 if the attribute is not a direction. */
static int dir_attr(const char *field)
{
	if (!strcmp(field, "sendrecv"))
		return NATPORT_SDP_SENDRECV;
	if (!strcmp(field, "sendonly"))
		return NATPORT_SDP_SENDONLY;
	if (!strcmp(field, "recvonly"))
		return NATPORT_SDP_RECVONLY;
	if (!strcmp(field, "inactive"))
		return NATPORT_SDP_INACTIVE;
	return -1;
}

/* "RTP/AVP", "RTP/SAVPF", "UDP/TLS/RTP/SAVPF": an RTP profile somewhere in
 * the protocol stack (RFC 8866 section 5.14). */
static int is_rtp_proto(const char *proto)
{
	return !strncmp(proto, "RTP/", 4) || strstr(proto, "/RTP/");
}

/* RFC 5888 identification-tag: an RFC 8866 token. */
static int is_sdp_token(const char *s)
{
	return is_token(s, "!#$%&'*+-.^_`{|}~");
}

/* RFC 8445 section 5.1 ice-char: ALPHA / DIGIT / "+" / "/". */
static int is_ice_chars(const char *s, size_t max)
{
	return is_token(s, "+/") && strlen(s) <= max;
}

/* A host name where a candidate's connection-address may carry one
 * (RFC 8445 section 5.1: an FQDN; WebRTC's mDNS names end in .local). */
static int is_host_name(const char *s)
{
	return is_token(s, "-.") && strlen(s) <= 253;
}

/* An address of a candidate or its raddr: an IP literal (*ep set) or a
 * host name (ep->family AF_UNSPEC); -1 for anything else. */
static int cand_addr(const char *s, struct natport_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (inet_pton(AF_INET, s, &ep->addr.v4) == 1) {
		ep->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &ep->addr.v6) == 1) {
		ep->family = AF_INET6;
		return 0;
	}
	memset(ep, 0, sizeof(*ep));
	return is_host_name(s) ? 0 : -1;
}

/*
 * "a=candidate:" foundation SP component-id SP transport SP priority SP
 * connection-address SP port SP "typ" SP cand-type [SP "raddr" SP
 * connection-address SP "rport" SP port] *(SP name SP value) (RFC 8445
 * section 5.1; RFC 5245 section 15.1 is the same grammar).
 */
static int parse_candidate(const char *value, struct natport_sdp_cand *c,
			   char *why, size_t whylen)
{
	char buf[512], *tok[40], *save = NULL, *p;
	struct natport_endpoint ra;
	unsigned long v;
	int n = 0, i;

	memset(c, 0, sizeof(*c));
	if (!value || !*value || strlen(value) >= sizeof(buf))
		return fail(why, whylen, "a=candidate empty or too long");
	strcpy(buf, value);
	for (p = buf; *p; p++)
		if (*p == ' ' && (p == buf || p[1] == ' ' || p[1] == '\0'))
			return fail(why, whylen, "a=candidate: bad spacing");
	for (p = strtok_r(buf, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
		if (n == (int)(sizeof(tok) / sizeof(tok[0])))
			return fail(why, whylen,
				    "a=candidate: too many fields");
		tok[n++] = p;
	}
	if (n < 8 || strcmp(tok[6], "typ") || (n - 8) % 2)
		return fail(why, whylen,
			    "a=candidate: want <foundation> <component> <transport> <priority> <address> <port> typ <type> [<name> <value>]... (RFC 8445 section 5.1)");
	if (!is_ice_chars(tok[0], NATPORT_SDP_FOUNDATION_LEN - 1))
		return fail(why, whylen,
			    "a=candidate: foundation '%.40s' is not 1 to 32 ice-chars",
			    tok[0]);
	strcpy(c->foundation, tok[0]);
	if (parse_uint(tok[1], 256, &v) || v == 0 || strlen(tok[1]) > 3)
		return fail(why, whylen,
			    "a=candidate: component '%.16s' is not 1..256",
			    tok[1]);
	c->component = v;
	if (!is_sdp_token(tok[2]))
		return fail(why, whylen, "a=candidate: bad transport");
	c->udp = !strcasecmp(tok[2], "UDP");
	if (parse_uint(tok[3], 0xffffffffUL, &v) || strlen(tok[3]) > 10)
		return fail(why, whylen,
			    "a=candidate: priority '%.16s' is not 0..4294967295",
			    tok[3]);
	c->priority = v;
	if (cand_addr(tok[4], &c->ep))
		return fail(why, whylen,
			    "a=candidate: '%.64s' is neither an IP address nor a host name",
			    tok[4]);
	if (parse_uint(tok[5], 65535, &v))
		return fail(why, whylen,
			    "a=candidate: port '%.16s' out of range", tok[5]);
	c->ep.port = v;
	if (!is_sdp_token(tok[7]))
		return fail(why, whylen, "a=candidate: bad candidate type");
	snprintf(c->type, sizeof(c->type), "%s", tok[7]);
	for (i = 8; i < n; i += 2) {
		if (!is_sdp_token(tok[i]) || !is_sdp_token(tok[i + 1]))
			return fail(why, whylen,
				    "a=candidate: bad extension '%.32s'",
				    tok[i]);
		if (!strcmp(tok[i], "raddr") && cand_addr(tok[i + 1], &ra))
			return fail(why, whylen,
				    "a=candidate: raddr '%.64s' is not an address",
				    tok[i + 1]);
		if (!strcmp(tok[i], "rport") &&
		    parse_uint(tok[i + 1], 65535, &v))
			return fail(why, whylen,
				    "a=candidate: rport '%.16s' out of range",
				    tok[i + 1]);
	}
	return 0;
}

/* "a=group:ANAT ..." (RFC 4091 section 3), exactly that semantics token. */
static int is_anat_group(const sdp_attribute_t *a)
{
	return !strcmp(a->a_att_field, "group") && a->a_att_value &&
	       !strncmp(a->a_att_value, "ANAT", 4) &&
	       (a->a_att_value[4] == ' ' || a->a_att_value[4] == '\0');
}

/*
 * The ANAT groups (RFC 4091) of the session, checked against the streams'
 * a=mid: each mid a group names is one stream's, no stream in two groups,
 * and with any group every stream has a mid (RFC 5888 section 5: media
 * lines of a session that groups must all be identified).
 */
static int check_groups(sdp_message_t *msg, struct natport_sdp *sdp, char *err,
			size_t errlen)
{
	unsigned int g = 0, i, k;
	int j;

	for (i = 0; i < sdp->n; i++)
		for (k = 0; k < i; k++)
			if (sdp->s[i].mid[0] &&
			    !strcmp(sdp->s[i].mid, sdp->s[k].mid))
				return fail(err, errlen,
					    "streams %u and %u have the same a=mid:%s (RFC 5888 section 4)",
					    k + 1, i + 1, sdp->s[i].mid);
	for (j = 0; j < osip_list_size(&msg->a_attributes); j++) {
		sdp_attribute_t *a = osip_list_get(&msg->a_attributes, j);
		char buf[256], *p, *save = NULL;
		unsigned int rank = 0;

		if (!is_anat_group(a))
			continue;
		g++;
		if (strlen(a->a_att_value) >= sizeof(buf))
			return fail(err, errlen, "a=group:ANAT too long");
		strcpy(buf, a->a_att_value + 4);
		for (p = buf; *p; p++)
			if (*p == ' ' && (p[1] == ' ' || p[1] == '\0'))
				return fail(err, errlen,
					    "a=group:ANAT: bad spacing");
		for (p = strtok_r(buf, " ", &save); p;
		     p = strtok_r(NULL, " ", &save), rank++) {
			for (i = 0; i < sdp->n; i++)
				if (!strcmp(sdp->s[i].mid, p))
					break;
			if (i == sdp->n)
				return fail(err, errlen,
					    "a=group:ANAT names mid '%.32s', which no m= line carries (RFC 5888 section 5)",
					    p);
			if (sdp->s[i].anat)
				return fail(err, errlen,
					    "stream %u (mid %s) is in two ANAT groups",
					    i + 1, p);
			sdp->s[i].anat = g;
			sdp->s[i].anat_rank = rank;
		}
		if (!rank)
			return fail(err, errlen,
				    "a=group:ANAT names no stream (RFC 4091 section 3)");
	}
	if (!g)
		return 0;
	for (i = 0; i < sdp->n; i++)
		if (!sdp->s[i].mid[0])
			return fail(err, errlen,
				    "stream %u has no a=mid, but the session groups its streams (a=group:ANAT; RFC 5888 section 5)",
				    i + 1);
	return 0;
}

int natport_sdp_anat_pick(const struct natport_sdp *sdp, unsigned int i,
			  int (*usable)(const struct natport_sdp *sdp,
					unsigned int k, void *arg),
			  void *arg)
{
	unsigned int rank, k, g = sdp->s[i].anat;

	if (!g)
		return i;
	/* ranks are 0..members-1 and members <= n */
	for (rank = 0; rank < sdp->n; rank++)
		for (k = 0; k < sdp->n; k++)
			if (sdp->s[k].anat == g &&
			    sdp->s[k].anat_rank == rank &&
			    !sdp->s[k].disabled && usable(sdp, k, arg))
				return k;
	return -1;
}

/* Session-level checks: v=, o=, s=, session attributes. */
static int check_session(sdp_message_t *msg, int *sess_dir, char *err,
			 size_t errlen)
{
	unsigned long v;
	int i;

	if (!msg->v_version || strcmp(msg->v_version, "0"))
		return fail(err, errlen, "v=%s: only v=0 is known",
			    msg->v_version ? msg->v_version : "");
	/* libosip2 takes the rest of the line as o='s address, spaces and
	 * all, and any text as the ids. */
	if (parse_uint(msg->o_sess_id, ~0UL, &v) ||
	    parse_uint(msg->o_sess_version, ~0UL, &v))
		return fail(err, errlen,
			    "o=: session id and version must be decimal numbers");
	if (!msg->o_nettype || strcmp(msg->o_nettype, "IN") ||
	    !msg->o_addrtype ||
	    (strcmp(msg->o_addrtype, "IP4") && strcmp(msg->o_addrtype, "IP6")))
		return fail(err, errlen, "o=: want IN IP4 or IN IP6");
	if (!is_token(msg->o_addr, ".-:_"))
		return fail(err, errlen, "o=: bad address '%s'",
			    msg->o_addr ? msg->o_addr : "");
	if (!msg->s_name || osip_list_size(&msg->t_descrs) < 1)
		return fail(err, errlen, "no s= or t= line");

	*sess_dir = -1;
	for (i = 0; i < osip_list_size(&msg->a_attributes); i++) {
		sdp_attribute_t *a = osip_list_get(&msg->a_attributes, i);
		int d = dir_attr(a->a_att_field);

		if (d >= 0) {
			if (a->a_att_value)
				return fail(err, errlen,
					    "a=%s takes no value",
					    a->a_att_field);
			if (*sess_dir >= 0)
				return fail(err, errlen,
					    "session: more than one direction attribute");
			*sess_dir = d;
		} else if (!strcmp(a->a_att_field, "rtcp")) {
			return fail(err, errlen,
				    "a=rtcp is a media-level attribute (RFC 3605)");
		}
	}
	return 0;
}

static int check_stream(sdp_message_t *msg, int idx, int sess_dir,
			const struct natport_endpoint *sess_ep,
			struct natport_sdp_stream *st, char *err,
			size_t errlen)
{
	sdp_media_t *m = osip_list_get(&msg->m_medias, idx);
	struct natport_endpoint rtcp_ep;
	unsigned long port, pt = NATPORT_SDP_PT_NONE, v, rate;
	int i, nfmt, rtp, dir = -1, have_rtcp = 0, rtcp_has_addr = 0;
	int line = idx + 1;
	char why[160];

	memset(st, 0, sizeof(*st));
	if (!m->m_media || strlen(m->m_media) >= sizeof(st->media) ||
	    !is_token(m->m_media, "-_."))
		return fail(err, errlen, "m= line %d: bad media type", line);
	strcpy(st->media, m->m_media);
	if (parse_uint(m->m_port, ~0UL >> 1, &port))
		return fail(err, errlen,
			    "m= line %d: port '%s' is not a number", line,
			    m->m_port ? m->m_port : "");
	if (port > 65535)
		return fail(err, errlen, "m= line %d: port %lu out of range",
			    line, port);
	if (m->m_number_of_port)
		return fail(err, errlen,
			    "m= line %d: port count /%s not supported",
			    line, m->m_number_of_port);
	if (!m->m_proto || strlen(m->m_proto) >= sizeof(st->proto) ||
	    !is_token(m->m_proto, "/._-"))
		return fail(err, errlen, "m= line %d: bad transport protocol",
			    line);
	strcpy(st->proto, m->m_proto);
	rtp = is_rtp_proto(m->m_proto);

	nfmt = osip_list_size(&m->m_payloads);
	if (nfmt < 1)
		return fail(err, errlen, "m= line %d: no media format", line);
	for (i = 0; i < nfmt; i++) {
		const char *f = osip_list_get(&m->m_payloads, i);

		if (rtp ? parse_uint(f, 127, &v) : !is_token(f, "-_./+:*"))
			return fail(err, errlen,
				    "m= line %d: bad format '%s'", line,
				    f ? f : "");
		if (rtp && i == 0)
			pt = v;
	}

	if (!strcmp(st->media, "audio")) {
		st->rtp_type = NATPORT_PORT_AUDIO_RTP;
		st->rtcp_type = NATPORT_PORT_AUDIO_RTCP;
	} else if (!strcmp(st->media, "video")) {
		st->rtp_type = NATPORT_PORT_VIDEO_RTP;
		st->rtcp_type = NATPORT_PORT_VIDEO_RTCP;
	} else {
		st->rtp_type = NATPORT_PORT_DATA;
		st->rtcp_type = NATPORT_PORT_DATA;
	}
	st->payload_type = pt;
	st->disabled = port == 0;

	for (i = 0; i < osip_list_size(&m->a_attributes); i++) {
		sdp_attribute_t *a = osip_list_get(&m->a_attributes, i);
		int d = dir_attr(a->a_att_field);

		if (d >= 0) {
			if (a->a_att_value)
				return fail(err, errlen,
					    "stream %d: a=%s takes no value",
					    line, a->a_att_field);
			if (dir >= 0)
				return fail(err, errlen,
					    "stream %d: more than one direction attribute",
					    line);
			dir = d;
		} else if (!strcmp(a->a_att_field, "rtcp")) {
			if (have_rtcp)
				return fail(err, errlen,
					    "stream %d: more than one a=rtcp",
					    line);
			if (!rtp)
				return fail(err, errlen,
					    "stream %d: a=rtcp on a non-RTP stream (%s)",
					    line, st->proto);
			if (parse_rtcp_attr(a->a_att_value, &rtcp_ep,
					    &rtcp_has_addr, why, sizeof(why)))
				return fail(err, errlen, "stream %d: %s",
					    line, why);
			have_rtcp = 1;
		} else if (!strcmp(a->a_att_field, "rtcp-mux")) {
			if (a->a_att_value)
				return fail(err, errlen,
					    "stream %d: a=rtcp-mux takes no value",
					    line);
			st->rtcp_mux = 1;
		} else if (!strcmp(a->a_att_field, "mid")) {
			if (st->mid[0])
				return fail(err, errlen,
					    "stream %d: more than one a=mid",
					    line);
			if (!is_sdp_token(a->a_att_value) ||
			    strlen(a->a_att_value) >= sizeof(st->mid))
				return fail(err, errlen,
					    "stream %d: a=mid wants a token of 1 to %zu bytes (RFC 5888 section 4)",
					    line, sizeof(st->mid) - 1);
			strcpy(st->mid, a->a_att_value);
		} else if (!strcmp(a->a_att_field, "candidate")) {
			struct natport_sdp_cand cand;

			if (parse_candidate(a->a_att_value, &cand, why,
					    sizeof(why)))
				return fail(err, errlen, "stream %d: %s",
					    line, why);
			if (st->n_cands < NATPORT_SDP_MAX_CANDS)
				st->cands[st->n_cands++] = cand;
		} else if (is_anat_group(a)) {
			return fail(err, errlen,
				    "stream %d: a=group is a session-level attribute (RFC 5888 section 5)",
				    line);
		} else if (!strcmp(a->a_att_field, "rtpmap")) {
			unsigned long mpt;

			if (parse_rtpmap(a->a_att_value, &mpt, &rate))
				return fail(err, errlen,
					    "stream %d: bad a=rtpmap:%s", line,
					    a->a_att_value ? a->a_att_value :
							     "");
			if (rtp && mpt == pt && !st->clock_rate)
				st->clock_rate = rate;
		}
	}
	if (rtp && !st->clock_rate)
		st->clock_rate = static_clock_rate(pt);
	st->dir = dir >= 0 ? dir : sess_dir >= 0 ? sess_dir :
						   NATPORT_SDP_SENDRECV;
	st->has_rtcp_attr = have_rtcp;

	/* Several c= per media only mean layered multicast (RFC 8866
	 * section 5.7), which is refused anyway. */
	if (osip_list_size(&m->c_connections) > 1)
		return fail(err, errlen, "stream %d: more than one c= line",
			    line);
	if (osip_list_size(&m->c_connections) == 1) {
		if (parse_conn(osip_list_get(&m->c_connections, 0), &st->rtp,
			       why, sizeof(why)))
			return fail(err, errlen, "stream %d: c=: %s", line,
				    why);
	} else if (sess_ep->family != AF_UNSPEC) {
		st->rtp = *sess_ep;
	} else if (!st->disabled) {
		return fail(err, errlen, "no c= line for stream %d", line);
	}
	st->rtp.port = port;
	if (st->disabled)
		return 0;

	st->hold = addr_is_unspec(&st->rtp) ||
		   st->dir == NATPORT_SDP_SENDONLY ||
		   st->dir == NATPORT_SDP_INACTIVE;
	if (!rtp || st->rtcp_mux)
		return 0;
	if (have_rtcp) {
		if (!rtcp_has_addr) {
			uint16_t p = rtcp_ep.port;

			rtcp_ep = st->rtp;
			rtcp_ep.port = p;
		}
		st->rtcp = rtcp_ep;
	} else {
		if (port == 65535)
			return fail(err, errlen,
				    "stream %d: RTP port 65535 leaves no room for RTCP",
				    line);
		st->rtcp = st->rtp;
		st->rtcp.port = port + 1;
	}
	return 0;
}

int natport_sdp_parse(struct natport_sdp *sdp, const char *body, size_t len,
		      char *err, size_t errlen)
{
	struct line_counts scanned, parsed;
	struct natport_endpoint sess_ep;
	sdp_message_t *msg = NULL;
	char why[160], *buf;
	int i, nm, sess_dir = -1;

	memset(sdp, 0, sizeof(*sdp));
	if (!body || len == 0)
		return fail(err, errlen, "empty body");
	if (len > NATPORT_SDP_MAX_LEN)
		return fail(err, errlen, "body of %zu bytes exceeds %d", len,
			    NATPORT_SDP_MAX_LEN);
	if (scan_lines(body, len, &scanned, err, errlen))
		return -1;
	if (scanned.n['m' - 'a'] > NATPORT_SDP_MAX_STREAMS)
		return fail(err, errlen, "%u m= lines, at most %d supported",
			    scanned.n['m' - 'a'], NATPORT_SDP_MAX_STREAMS);

	/* libosip2 wants a C string and, after a final bare LF, looks one
	 * byte past the terminating NUL (the m= payload scan): pad. */
	buf = calloc(1, len + 4);
	if (!buf)
		return fail(err, errlen, "out of memory");
	memcpy(buf, body, len);
	if (sdp_message_init(&msg)) {
		free(buf);
		return fail(err, errlen, "out of memory");
	}
	i = sdp_message_parse(msg, buf);
	free(buf);
	if (i) {
		fail(err, errlen,
		     "malformed SDP: a field is missing or empty (RFC 8866 section 5)");
		goto err_msg;
	}
	count_parsed(msg, &parsed);
	for (i = 0; i < 26; i++) {
		if (scanned.n[i] == parsed.n[i])
			continue;
		fail(err, errlen,
		     "%u %c= line(s) in the body, but %u understood: out of order (RFC 8866 section 5)?",
		     scanned.n[i], 'a' + i, parsed.n[i]);
		goto err_msg;
	}

	if (check_session(msg, &sess_dir, err, errlen))
		goto err_msg;
	memset(&sess_ep, 0, sizeof(sess_ep));
	if (msg->c_connection &&
	    parse_conn(msg->c_connection, &sess_ep, why, sizeof(why))) {
		fail(err, errlen, "session c=: %s", why);
		goto err_msg;
	}
	nm = osip_list_size(&msg->m_medias);
	for (i = 0; i < nm; i++)
		if (check_stream(msg, i, sess_dir, &sess_ep, &sdp->s[i], err,
				 errlen))
			goto err_msg;
	sdp->n = nm;
	if (check_groups(msg, sdp, err, errlen))
		goto err_msg;
	sdp->priv = msg;
	return 0;

err_msg:
	sdp_message_free(msg);
	memset(sdp, 0, sizeof(*sdp));
	return -1;
}

void natport_sdp_free(struct natport_sdp *sdp)
{
	if (!sdp)
		return;
	sdp_message_free(sdp->priv);
	sdp->priv = NULL;
}

/* ------------------------------------------------------------------ */
/* Rewriting, on a clone of the parsed message. */

/* Replace an osip-owned string field. */
static int set_str(char **field, const char *value)
{
	char *s = osip_strdup(value);

	if (!s)
		return -1;
	osip_free(*field);
	*field = s;
	return 0;
}

static const char *addrtype_of(const struct natport_endpoint *ep)
{
	return ep->family == AF_INET6 ? "IP6" : "IP4";
}

static int format_addr(const struct natport_endpoint *ep, char *buf)
{
	return inet_ntop(ep->family, &ep->addr, buf, ADDR_STRLEN) ? 0 : -1;
}

static int set_conn(sdp_connection_t *c, const struct natport_endpoint *ep)
{
	char a[ADDR_STRLEN];

	if (format_addr(ep, a))
		return -1;
	if (set_str(&c->c_nettype, "IN") ||
	    set_str(&c->c_addrtype, addrtype_of(ep)) || set_str(&c->c_addr, a))
		return -1;
	return 0;
}

/* Does this c= carry an unspecified address (hold)? It parsed at parse
 * time, so failure here cannot happen; treat it as "not hold". */
static int conn_is_unspec(sdp_connection_t *c)
{
	struct natport_endpoint ep;
	char why[8];

	return !parse_conn(c, &ep, why, sizeof(why)) && addr_is_unspec(&ep);
}

static sdp_attribute_t *find_attr(sdp_media_t *m, const char *field)
{
	int i;

	for (i = 0; i < osip_list_size(&m->a_attributes); i++) {
		sdp_attribute_t *a = osip_list_get(&m->a_attributes, i);

		if (!strcmp(a->a_att_field, field))
			return a;
	}
	return NULL;
}

/*
 * New value for an a=rtcp: the port, plus the address if the original had
 * one (the external address, unless the original's was unspecified).
 */
static int rtcp_value(const sdp_attribute_t *orig, unsigned int port,
		      const struct natport_endpoint *ep, char *out,
		      size_t outlen)
{
	struct natport_endpoint o = { 0 };
	char a[ADDR_STRLEN], why[8];
	int has_addr = 0;

	if (orig && parse_rtcp_attr(orig->a_att_value, &o, &has_addr, why,
				    sizeof(why)))
		has_addr = 0;
	if (!has_addr || !ep) {
		snprintf(out, outlen, "%u", port);
		return 0;
	}
	if (addr_is_unspec(&o))
		ep = &o;
	if (format_addr(ep, a))
		return -1;
	snprintf(out, outlen, "%u IN %s %s", port, addrtype_of(ep), a);
	return 0;
}

static int rewrite_rtcp(sdp_media_t *m, const struct natport_sdp_rewrite *rw)
{
	sdp_attribute_t *a = find_attr(m, "rtcp");
	unsigned int port;
	char val[96];

	if (rw->rtcp_port) {
		port = rw->rtcp_port;
		if (!a && port == (unsigned int)rw->rtp.port + 1)
			return 0;
	} else {
		/* rtcp-mux only (checked by the caller). */
		if (!a)
			return 0;
		port = rw->rtp.port;
	}
	if (rtcp_value(a, port, &rw->rtp, val, sizeof(val)))
		return -1;
	if (a)
		return set_str(&a->a_att_value, val);
	if (sdp_attribute_init(&a))
		return -1;
	if (set_str(&a->a_att_field, "rtcp") || set_str(&a->a_att_value, val) ||
	    osip_list_add(&m->a_attributes, a, -1) < 0) {
		sdp_attribute_free(a);
		return -1;
	}
	return 0;
}

/* Disabled stream: keep port 0, but show no LAN address in c= or a=rtcp. */
static int rewrite_disabled(sdp_media_t *m, const struct natport_endpoint *def)
{
	sdp_attribute_t *a;
	char val[96];
	int i;

	if (!def)
		return 0;
	for (i = 0; i < osip_list_size(&m->c_connections); i++) {
		sdp_connection_t *c = osip_list_get(&m->c_connections, i);

		if (!conn_is_unspec(c) && set_conn(c, def))
			return -1;
	}
	a = find_attr(m, "rtcp");
	if (a) {
		struct natport_endpoint o;
		char why[8];
		int has_addr;

		if (parse_rtcp_attr(a->a_att_value, &o, &has_addr, why,
				    sizeof(why)))
			return 0;
		if (has_addr &&
		    (rtcp_value(a, o.port, def, val, sizeof(val)) ||
		     set_str(&a->a_att_value, val)))
			return -1;
	}
	return 0;
}

/* The ICE attributes a stream loses once natport fixed its path (the ng
 * front end's ICE=remove list, plus a=ice-mismatch) and the session-level
 * ones that go with the last candidate. */
static const char *const ice_media_attrs[] = {
	"candidate", "remote-candidates", "end-of-candidates", "ice-ufrag",
	"ice-pwd",   "ice-options",	  "ice-mismatch",      NULL,
};
static const char *const ice_session_attrs[] = {
	"ice-ufrag", "ice-pwd", "ice-options", "ice-lite", NULL,
};

static int in_names(const char *field, const char *const *names)
{
	for (; *names; names++)
		if (!strcmp(field, *names))
			return 1;
	return 0;
}

static void strip_attrs(osip_list_t *attrs, const char *const *names)
{
	int i = 0;

	while (i < osip_list_size(attrs)) {
		sdp_attribute_t *a = osip_list_get(attrs, i);

		if (!in_names(a->a_att_field, names)) {
			i++;
			continue;
		}
		osip_list_remove(attrs, i);
		sdp_attribute_free(a);
	}
}

static int has_candidates(sdp_message_t *msg)
{
	int j;

	for (j = 0; j < osip_list_size(&msg->m_medias); j++) {
		sdp_media_t *m = osip_list_get(&msg->m_medias, j);

		if (find_attr(m, "candidate"))
			return 1;
	}
	return 0;
}

/* The unspecified address of a family: a dropped alternative keeps its
 * address type (RFC 4091's point) and shows no address. */
static struct natport_endpoint unspec_of(sa_family_t family)
{
	struct natport_endpoint ep;

	memset(&ep, 0, sizeof(ep));
	ep.family = family == AF_INET6 ? AF_INET6 : AF_INET;
	return ep;
}

/* A rejected alternative (NATPORT_SDP_RW_DROP): port 0, a c= of its own
 * address type, no a=rtcp, no ICE. sess_family: the family the session
 * c= has after the rewrite. */
static int rewrite_dropped(sdp_media_t *m, const struct natport_sdp_stream *st,
			   const struct natport_endpoint *def,
			   sa_family_t sess_family)
{
	struct natport_endpoint ep = unspec_of(st->rtp.family);
	sdp_connection_t *c;

	if (def && def->family == ep.family)
		ep = *def;
	if (set_str(&m->m_port, "0"))
		return -1;
	strip_attrs(&m->a_attributes, (const char *const[]){ "rtcp", NULL });
	strip_attrs(&m->a_attributes, ice_media_attrs);
	if (osip_list_size(&m->c_connections)) {
		c = osip_list_get(&m->c_connections, 0);
		return set_conn(c, &ep);
	}
	if (!st->rtp.family || sess_family == st->rtp.family)
		return 0;
	if (sdp_connection_init(&c))
		return -1;
	if (set_conn(c, &ep) || osip_list_add(&m->c_connections, c, -1) < 0) {
		sdp_connection_free(c);
		return -1;
	}
	return 0;
}

static int check_rewrite(const struct natport_sdp *sdp,
			 const struct natport_sdp_rewrite *rw, char *err,
			 size_t errlen)
{
	unsigned int i;

	for (i = 0; i < sdp->n; i++) {
		const struct natport_sdp_stream *st = &sdp->s[i];

		if (st->disabled || rw[i].how == NATPORT_SDP_RW_KEEP ||
		    rw[i].how == NATPORT_SDP_RW_DROP)
			continue;
		if (rw[i].how != NATPORT_SDP_RW_SET)
			return fail(err, errlen, "stream %u: bad rewrite",
				    i + 1);
		if (rw[i].rtp.family != AF_INET &&
		    rw[i].rtp.family != AF_INET6)
			return fail(err, errlen,
				    "stream %u: no external address", i + 1);
		if (rw[i].rtp.port == 0)
			return fail(err, errlen,
				    "stream %u: external port 0 would disable it",
				    i + 1);
		if (is_rtp_proto(st->proto) && !st->rtcp_mux &&
		    !rw[i].rtcp_port)
			return fail(err, errlen,
				    "stream %u: external RTCP port 0 needs a=rtcp-mux",
				    i + 1);
	}
	return 0;
}

int natport_sdp_rewrite(struct natport_sdp *sdp,
			const struct natport_sdp_rewrite *rw, char **out,
			size_t *outlen, char *err, size_t errlen)
{
	const struct natport_endpoint *def = NULL, *sess_addr = NULL;
	sdp_message_t *msg;
	char a[ADDR_STRLEN], port[8], *str = NULL;
	unsigned int i;
	int any_keep = 0, keep_sess = 0, stripped = 0;
	sa_family_t sess_family = AF_UNSPEC;
	struct natport_endpoint sess_orig = { 0 };
	size_t n;

	*out = NULL;
	if (outlen)
		*outlen = 0;
	if (!sdp || !sdp->priv || !rw)
		return fail(err, errlen, "nothing parsed to rewrite");
	if (check_rewrite(sdp, rw, err, errlen))
		return -1;

	/* The default address: o=, and c= lines no enabled stream owns. */
	for (i = 0; i < sdp->n && !def; i++)
		if (!sdp->s[i].disabled && rw[i].how == NATPORT_SDP_RW_SET)
			def = &rw[i].rtp;
	if (!def && sdp->n && rw[0].how == NATPORT_SDP_RW_SET &&
	    (rw[0].rtp.family == AF_INET || rw[0].rtp.family == AF_INET6))
		def = &rw[0].rtp;
	for (i = 0; i < sdp->n; i++)
		any_keep |= rw[i].how == NATPORT_SDP_RW_KEEP;

	if (sdp_message_clone(sdp->priv, &msg))
		return fail(err, errlen, "out of memory (clone)");
	if (msg->c_connection) {
		char why[8];

		if (!parse_conn(msg->c_connection, &sess_orig, why,
				sizeof(why)))
			sess_family = sess_orig.family;
	}

	if (def && !any_keep) {
		if (format_addr(def, a) ||
		    set_str(&msg->o_addrtype, addrtype_of(def)) ||
		    set_str(&msg->o_addr, a))
			goto err_nomem;
	}

	/* Session c=: the first enabled stream that uses it decides; an
	 * unspecified one (hold) stays. */
	if (msg->c_connection && !conn_is_unspec(msg->c_connection)) {
		/* a kept stream that inherits it keeps it as it is */
		for (i = 0; i < sdp->n; i++) {
			sdp_media_t *m = osip_list_get(&msg->m_medias, i);

			keep_sess |= !sdp->s[i].disabled &&
				     rw[i].how == NATPORT_SDP_RW_KEEP &&
				     !osip_list_size(&m->c_connections);
		}
		for (i = 0; i < sdp->n && !sess_addr && !keep_sess; i++) {
			sdp_media_t *m = osip_list_get(&msg->m_medias, i);

			if (!sdp->s[i].disabled &&
			    rw[i].how == NATPORT_SDP_RW_SET &&
			    !osip_list_size(&m->c_connections))
				sess_addr = &rw[i].rtp;
		}
		if (!sess_addr && !keep_sess && !any_keep)
			sess_addr = def;
		if (sess_addr && set_conn(msg->c_connection, sess_addr))
			goto err_nomem;
		if (keep_sess)
			sess_addr = &sess_orig;
		if (sess_addr)
			sess_family = sess_addr->family;
	}

	for (i = 0; i < sdp->n; i++) {
		const struct natport_sdp_stream *st = &sdp->s[i];
		sdp_media_t *m = osip_list_get(&msg->m_medias, i);

		if (rw[i].how == NATPORT_SDP_RW_KEEP)
			continue;
		if (rw[i].how == NATPORT_SDP_RW_DROP) {
			if (rewrite_dropped(m, st, def, sess_family))
				goto err_nomem;
			stripped = 1;
			continue;
		}
		if (st->disabled) {
			if (rewrite_disabled(m, any_keep ? NULL : def))
				goto err_nomem;
			continue;
		}
		if (rw[i].ice_strip) {
			strip_attrs(&m->a_attributes, ice_media_attrs);
			stripped = 1;
		}
		snprintf(port, sizeof(port), "%u", rw[i].rtp.port);
		if (set_str(&m->m_port, port))
			goto err_nomem;
		if (osip_list_size(&m->c_connections)) {
			sdp_connection_t *c = osip_list_get(&m->c_connections,
							    0);

			if (!conn_is_unspec(c) && set_conn(c, &rw[i].rtp))
				goto err_nomem;
		} else if (sess_addr && !addr_equal(sess_addr, &rw[i].rtp)) {
			sdp_connection_t *c;

			/* Its external address differs from the session's:
			 * give it a c= of its own. */
			if (sdp_connection_init(&c))
				goto err_nomem;
			if (set_conn(c, &rw[i].rtp) ||
			    osip_list_add(&m->c_connections, c, -1) < 0) {
				sdp_connection_free(c);
				goto err_nomem;
			}
		}
		if (is_rtp_proto(st->proto) && rewrite_rtcp(m, &rw[i]))
			goto err_nomem;
	}
	if (stripped && !has_candidates(msg))
		strip_attrs(&msg->a_attributes, ice_session_attrs);

	if (sdp_message_to_str(msg, &str) || !str)
		goto err_nomem;
	n = strlen(str);
	if (n > NATPORT_SDP_MAX_LEN) {
		/* longer addresses and 5-digit ports can take a body near the
		 * limit past it: what we send must be what we would accept */
		osip_free(str);
		sdp_message_free(msg);
		return fail(err, errlen,
			    "the rewritten SDP would exceed %d bytes",
			    NATPORT_SDP_MAX_LEN);
	}
	*out = malloc(n + 1);
	if (!*out)
		goto err_nomem;
	memcpy(*out, str, n + 1);
	if (outlen)
		*outlen = n;
	osip_free(str);
	sdp_message_free(msg);
	return 0;

err_nomem:
	osip_free(str);
	sdp_message_free(msg);
	return fail(err, errlen, "out of memory (rewrite)");
}

/* The line starting at p (within [p, end)) ends at the returned pointer,
 * which is past its LF (or end). */
static const char *next_line(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl + 1 : end;
}

/* p starts a delimiter line "--" boundary [--] LWSP CRLF (RFC 2046
 * 5.1.1); returns 1 for a delimiter, 2 for the close delimiter. */
static int is_delim(const char *p, const char *end, const char *bnd, size_t bl)
{
	const char *q = p + 2 + bl;
	int close = 0;

	if ((size_t)(end - p) < 2 + bl || p[0] != '-' || p[1] != '-' ||
	    memcmp(p + 2, bnd, bl))
		return 0;
	if (end - q >= 2 && q[0] == '-' && q[1] == '-') {
		close = 1;
		q += 2;
	}
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	if (q < end && *q != '\r' && *q != '\n')
		return 0; /* a longer boundary that starts like this one */
	return close ? 2 : 1;
}

/* The part's headers [p, end) say Content-Type: application/sdp. */
static int part_is_sdp(const char *p, const char *end)
{
	static const char ct[] = "content-type:";

	while (p < end) {
		const char *e = next_line(p, end), *v;

		if ((size_t)(e - p) > sizeof(ct) - 1 &&
		    !strncasecmp(p, ct, sizeof(ct) - 1)) {
			v = p + sizeof(ct) - 1;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			return (size_t)(e - v) >= 15 &&
			       !strncasecmp(v, "application/sdp", 15) &&
			       (e - v == 15 || strchr(" \t;\r\n", v[15]));
		}
		p = e;
	}
	return 0;
}

int natport_sdp_mime_find(const char *body, size_t len, const char *boundary,
			  size_t *off, size_t *plen)
{
	const char *p = body, *end = body + len, *part = NULL, *hdr_end = NULL;
	size_t bl = boundary ? strlen(boundary) : 0;
	int sdp = 0;

	/* RFC 2046 5.1.1: 1 to 70 characters */
	if (!bl || bl > 70)
		return -1;
	while (p < end) {
		const char *e = next_line(p, end);
		int d = is_delim(p, end, boundary, bl);

		if (d && part && sdp) {
			/* the CRLF before a delimiter is the delimiter's */
			const char *cend = p;

			if (cend > hdr_end && cend[-1] == '\n')
				cend--;
			if (cend > hdr_end && cend[-1] == '\r')
				cend--;
			*off = (size_t)(hdr_end - body);
			*plen = (size_t)(cend - hdr_end);
			return 0;
		}
		if (d == 2)
			return -1;
		if (d) {
			part = e;
			hdr_end = NULL;
			sdp = 0;
		} else if (part && !hdr_end &&
			   (*p == '\n' ||
			    (*p == '\r' && p + 1 < end && p[1] == '\n'))) {
			hdr_end = e; /* the part's empty line */
			sdp = part_is_sdp(part, p);
		}
		p = e;
	}
	return -1;
}

int natport_sdp_mime_splice(const char *body, size_t len, size_t off,
			    size_t plen, const char *repl, size_t rlen,
			    char **out, size_t *outlen)
{
	char *b;

	if (off > len || plen > len - off)
		return -1;
	b = malloc(len - plen + rlen + 1);
	if (!b)
		return -1;
	memcpy(b, body, off);
	memcpy(b + off, repl, rlen);
	memcpy(b + off + rlen, body + off + plen, len - off - plen);
	*outlen = len - plen + rlen;
	b[*outlen] = '\0';
	*out = b;
	return 0;
}
