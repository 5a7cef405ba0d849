// SPDX-License-Identifier: LGPL-2.1-or-later
/* addr.c - family-neutral endpoints and prefixes: parse, format, compare. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <natport/natport.h>

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v;

	if (!*s || *s < '0' || *s > '9')
		return -NATPORT_E_INVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535)
		return -NATPORT_E_INVAL;
	*port = v;
	return 0;
}

int natport_endpoint_parse(const char *s, struct natport_endpoint *ep)
{
	char buf[INET6_ADDRSTRLEN + 16];
	const char *host = buf, *port = NULL;
	char *p;
	size_t len;

	memset(ep, 0, sizeof(*ep));
	if (!s)
		return -NATPORT_E_INVAL;
	len = strlen(s);
	if (len == 0 || len >= sizeof(buf))
		return -NATPORT_E_INVAL;
	memcpy(buf, s, len + 1);

	if (buf[0] == '[') {
		p = strchr(buf, ']');
		if (!p)
			return -NATPORT_E_INVAL;
		*p = '\0';
		host = buf + 1;
		if (p[1] == ':')
			port = p + 2;
		else if (p[1])
			return -NATPORT_E_INVAL;
	} else {
		p = strchr(buf, ':');
		/* exactly one colon: IPv4 with port; more: bare IPv6 */
		if (p && !strchr(p + 1, ':')) {
			*p = '\0';
			port = p + 1;
		}
	}
	if (port && parse_port(port, &ep->port))
		return -NATPORT_E_INVAL;
	if (inet_pton(AF_INET, host, &ep->addr.v4) == 1) {
		if (buf[0] == '[')
			return -NATPORT_E_INVAL;
		ep->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &ep->addr.v6) == 1) {
		ep->family = AF_INET6;
		return 0;
	}
	memset(ep, 0, sizeof(*ep));
	return -NATPORT_E_INVAL;
}

char *natport_endpoint_format(const struct natport_endpoint *ep, char *buf,
			      size_t len)
{
	char a[INET6_ADDRSTRLEN];

	switch (ep->family) {
	case AF_INET:
		inet_ntop(AF_INET, &ep->addr.v4, a, sizeof(a));
		if (ep->port)
			snprintf(buf, len, "%s:%u", a, ep->port);
		else
			snprintf(buf, len, "%s", a);
		break;
	case AF_INET6:
		inet_ntop(AF_INET6, &ep->addr.v6, a, sizeof(a));
		if (ep->port)
			snprintf(buf, len, "[%s]:%u", a, ep->port);
		else
			snprintf(buf, len, "%s", a);
		break;
	default:
		snprintf(buf, len, "-");
		break;
	}
	return buf;
}

int natport_endpoint_addr_equal(const struct natport_endpoint *a,
				const struct natport_endpoint *b)
{
	if (a->family != b->family)
		return 0;
	switch (a->family) {
	case AF_INET:
		return a->addr.v4.s_addr == b->addr.v4.s_addr;
	case AF_INET6:
		return !memcmp(&a->addr.v6, &b->addr.v6, sizeof(a->addr.v6));
	default:
		return 1;
	}
}

int natport_endpoint_equal(const struct natport_endpoint *a,
			   const struct natport_endpoint *b)
{
	return a->port == b->port && natport_endpoint_addr_equal(a, b);
}

int natport_endpoint_is_unspec(const struct natport_endpoint *ep)
{
	switch (ep->family) {
	case AF_INET:
		return ep->addr.v4.s_addr == htonl(INADDR_ANY);
	case AF_INET6:
		return IN6_IS_ADDR_UNSPECIFIED(&ep->addr.v6);
	default:
		return 1;
	}
}

int natport_prefix_parse(const char *s, struct natport_prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash;
	char *end;
	unsigned long len;
	unsigned int max;

	memset(p, 0, sizeof(*p));
	if (!s || strlen(s) >= sizeof(buf))
		return -NATPORT_E_INVAL;
	slash = strchr(s, '/');
	if (!slash) {
		if (natport_endpoint_parse(s, &p->base) || p->base.port)
			return -NATPORT_E_INVAL;
		p->len = p->base.family == AF_INET ? 32 : 128;
		return 0;
	}
	memcpy(buf, s, slash - s);
	buf[slash - s] = '\0';
	if (natport_endpoint_parse(buf, &p->base) || p->base.port)
		return -NATPORT_E_INVAL;
	max = p->base.family == AF_INET ? 32 : 128;
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (errno || !slash[1] || *end || len > max) {
		memset(p, 0, sizeof(*p));
		return -NATPORT_E_INVAL;
	}
	p->len = len;
	return 0;
}

int natport_prefix_contains(const struct natport_prefix *p,
			    const struct natport_endpoint *ep)
{
	const uint8_t *a, *b;
	unsigned int full, rest;

	if (p->base.family != ep->family)
		return 0;
	if (ep->family == AF_INET) {
		uint32_t mask = p->len ? htonl(~0u << (32 - p->len)) : 0;

		return !((p->base.addr.v4.s_addr ^ ep->addr.v4.s_addr) & mask);
	}
	a = p->base.addr.v6.s6_addr;
	b = ep->addr.v6.s6_addr;
	full = p->len / 8;
	rest = p->len % 8;
	if (memcmp(a, b, full))
		return 0;
	if (rest && ((a[full] ^ b[full]) & (0xff << (8 - rest))))
		return 0;
	return 1;
}

socklen_t natport_endpoint_to_sockaddr(const struct natport_endpoint *ep,
				       struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ep->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(ep->port);
		s6->sin6_addr = ep->addr.v6;
		return sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(ep->port);
		s4->sin_addr = ep->addr.v4;
		return sizeof(*s4);
	}
}

void natport_endpoint_from_sockaddr(const struct sockaddr_storage *ss,
				    struct natport_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		ep->family = AF_INET6;
		ep->port = ntohs(s6->sin6_port);
		ep->addr.v6 = s6->sin6_addr;
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		ep->family = AF_INET;
		ep->port = ntohs(s4->sin_port);
		ep->addr.v4 = s4->sin_addr;
	}
}
