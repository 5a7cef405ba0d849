// SPDX-License-Identifier: LGPL-2.1-or-later
/* pcpmsg.c - PCP (RFC 6887) and NAT-PMP (RFC 6886) wire codec: every
 * length checked before a field is read (see pcpmsg.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "pcpmsg.h"

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void natport_pcpmsg_addr_get(const uint8_t *p, struct natport_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	/* all 96 leading bits, not only the ones (section 5) */
	if (!memcmp(p, v4mapped, sizeof(v4mapped))) {
		ep->family = AF_INET;
		memcpy(&ep->addr.v4, p + 12, 4);
	} else {
		ep->family = AF_INET6;
		memcpy(&ep->addr.v6, p, 16);
	}
}

void natport_pcpmsg_addr_put(uint8_t *p, const struct natport_endpoint *ep)
{
	memset(p, 0, 16);
	if (ep->family == AF_INET) {
		memcpy(p, v4mapped, sizeof(v4mapped));
		memcpy(p + 12, &ep->addr.v4, 4);
	} else if (ep->family == AF_INET6) {
		memcpy(p, &ep->addr.v6, 16);
	}
}

static const char *const result_names[] = {
	[NATPORT_PCP_SUCCESS] = "SUCCESS",
	[NATPORT_PCP_UNSUPP_VERSION] = "UNSUPP_VERSION",
	[NATPORT_PCP_NOT_AUTHORIZED] = "NOT_AUTHORIZED",
	[NATPORT_PCP_MALFORMED_REQUEST] = "MALFORMED_REQUEST",
	[NATPORT_PCP_UNSUPP_OPCODE] = "UNSUPP_OPCODE",
	[NATPORT_PCP_UNSUPP_OPTION] = "UNSUPP_OPTION",
	[NATPORT_PCP_MALFORMED_OPTION] = "MALFORMED_OPTION",
	[NATPORT_PCP_NETWORK_FAILURE] = "NETWORK_FAILURE",
	[NATPORT_PCP_NO_RESOURCES] = "NO_RESOURCES",
	[NATPORT_PCP_UNSUPP_PROTOCOL] = "UNSUPP_PROTOCOL",
	[NATPORT_PCP_USER_EX_QUOTA] = "USER_EX_QUOTA",
	[NATPORT_PCP_CANNOT_PROVIDE_EXTERNAL] = "CANNOT_PROVIDE_EXTERNAL",
	[NATPORT_PCP_ADDRESS_MISMATCH] = "ADDRESS_MISMATCH",
	[NATPORT_PCP_EXCESSIVE_REMOTE_PEERS] = "EXCESSIVE_REMOTE_PEERS",
};

const char *natport_pcpmsg_result_name(unsigned int result)
{
	if (result < __NATPORT_PCP_RESULT_MAX)
		return result_names[result];
	return "unknown";
}

int natport_pcpmsg_result_is_long(unsigned int result)
{
	switch (result) {
	case NATPORT_PCP_NETWORK_FAILURE:
	case NATPORT_PCP_NO_RESOURCES:
	case NATPORT_PCP_USER_EX_QUOTA:
	case NATPORT_PCP_CANNOT_PROVIDE_EXTERNAL:
		return 0;
	default:
		return 1;
	}
}

static size_t opcode_len(uint8_t opcode)
{
	switch (opcode) {
	case NATPORT_PCP_OP_ANNOUNCE:
		return 0;
	case NATPORT_PCP_OP_MAP:
		return NATPORT_PCP_MAP_LEN;
	case NATPORT_PCP_OP_PEER:
		return NATPORT_PCP_PEER_LEN;
	}
	return 0;
}

static void decode_opdata(const uint8_t *p, struct natport_pcp_msg *m)
{
	if (m->opcode != NATPORT_PCP_OP_MAP && m->opcode != NATPORT_PCP_OP_PEER)
		return;
	memcpy(m->nonce, p, NATPORT_PCP_NONCE_LEN);
	m->protocol = p[12];
	m->internal_port = get16(p + 16);
	natport_pcpmsg_addr_get(p + 20, &m->external);
	m->external.port = get16(p + 18);
	if (m->opcode == NATPORT_PCP_OP_PEER) {
		natport_pcpmsg_addr_get(p + 40, &m->peer);
		m->peer.port = get16(p + 36);
	}
}

/* The options from p to end. strict: a request (unknown mandatory options
 * are an error); otherwise a response (skip what is not understood).
 * Returns a result code. */
static int decode_options(const uint8_t *p, const uint8_t *end,
			  struct natport_pcp_msg *m, int strict)
{
	while (p < end) {
		uint8_t code;
		uint16_t olen;
		size_t padded;

		if (end - p < 4)
			return NATPORT_PCP_MALFORMED_OPTION;
		code = p[0];
		olen = get16(p + 2);
		padded = ((size_t)olen + 3) & ~(size_t)3;
		if ((size_t)(end - p - 4) < padded)
			return NATPORT_PCP_MALFORMED_OPTION;
		p += 4;
		switch (code) {
		case NATPORT_PCP_OPT_THIRD_PARTY:
			if (m->opcode == NATPORT_PCP_OP_ANNOUNCE || olen != 16 ||
			    m->has_third_party)
				return NATPORT_PCP_MALFORMED_OPTION;
			m->has_third_party = 1;
			natport_pcpmsg_addr_get(p, &m->third_party);
			break;
		case NATPORT_PCP_OPT_PREFER_FAILURE:
			if (m->opcode != NATPORT_PCP_OP_MAP || olen != 0 ||
			    m->prefer_failure)
				return NATPORT_PCP_MALFORMED_OPTION;
			m->prefer_failure = 1;
			break;
		case NATPORT_PCP_OPT_FILTER: {
			struct natport_pcp_filter *f;
			uint8_t plen;

			/* the length first: a FILTER of length 0 ends the
			 * packet, and its prefix length octet is past it */
			if (m->opcode != NATPORT_PCP_OP_MAP || olen != 20)
				return NATPORT_PCP_MALFORMED_OPTION;
			plen = p[1];
			if (m->n_filters == NATPORT_PCP_MAX_FILTERS)
				return NATPORT_PCP_EXCESSIVE_REMOTE_PEERS;
			f = &m->filters[m->n_filters];
			natport_pcpmsg_addr_get(p + 4, &f->remote);
			f->remote.port = get16(p + 2);
			/* 0 means "remove all filters" (section 13.3) */
			if (plen > 128 ||
			    (plen && f->remote.family == AF_INET && plen < 96))
				return NATPORT_PCP_MALFORMED_OPTION;
			f->prefix_len = plen;
			m->n_filters++;
			break;
		}
		default:
			if (strict && code < NATPORT_PCP_OPT_OPTIONAL)
				return NATPORT_PCP_UNSUPP_OPTION;
			m->n_skipped++;
			break;
		}
		p += padded;
	}
	return NATPORT_PCP_SUCCESS;
}

int natport_pcpmsg_decode_request(const uint8_t *buf, size_t len,
				  struct natport_pcp_msg *m)
{
	size_t need;

	memset(m, 0, sizeof(*m));
	if (len < 2 || (buf[1] & 0x80))
		return -EBADMSG;
	m->version = buf[0];
	m->opcode = buf[1] & 0x7f;
	if (m->version != NATPORT_PCP_VERSION)
		return NATPORT_PCP_UNSUPP_VERSION;
	if (len < NATPORT_PCP_HDR_LEN)
		return -EBADMSG;
	m->lifetime = get32(buf + 4);
	natport_pcpmsg_addr_get(buf + 8, &m->client);
	if (len > NATPORT_PCP_MAX_LEN || len % 4)
		return NATPORT_PCP_MALFORMED_REQUEST;
	if (m->opcode > NATPORT_PCP_OP_PEER)
		return NATPORT_PCP_UNSUPP_OPCODE;
	need = NATPORT_PCP_HDR_LEN + opcode_len(m->opcode);
	if (len < need)
		return NATPORT_PCP_MALFORMED_REQUEST;
	decode_opdata(buf + NATPORT_PCP_HDR_LEN, m);
	return decode_options(buf + need, buf + len, m, 1);
}

int natport_pcpmsg_decode_response(const uint8_t *buf, size_t len,
				   struct natport_pcp_msg *m)
{
	size_t need;

	memset(m, 0, sizeof(*m));
	if (len < NATPORT_PCP_HDR_LEN || len > NATPORT_PCP_MAX_LEN || len % 4)
		return -EBADMSG;
	if (buf[0] != NATPORT_PCP_VERSION || !(buf[1] & 0x80))
		return -EBADMSG;
	m->version = buf[0];
	m->opcode = buf[1] & 0x7f;
	m->response = 1;
	m->result = buf[3];
	m->lifetime = get32(buf + 4);
	m->epoch = get32(buf + 8);
	if (m->opcode > NATPORT_PCP_OP_PEER)
		return m->result ? 0 : -EBADMSG;
	need = NATPORT_PCP_HDR_LEN + opcode_len(m->opcode);
	if (len < need)
		/* an error response may carry a truncated copy */
		return m->result ? 0 : -EBADMSG;
	decode_opdata(buf + NATPORT_PCP_HDR_LEN, m);
	if (decode_options(buf + need, buf + len, m, 0) && !m->result)
		return -EBADMSG;
	return 0;
}

static size_t put_option(uint8_t *p, uint8_t code, uint16_t olen)
{
	p[0] = code;
	p[1] = 0;
	put16(p + 2, olen);
	return 4;
}

int natport_pcpmsg_encode(const struct natport_pcp_msg *m, uint8_t *buf,
			  size_t len)
{
	size_t need = NATPORT_PCP_HDR_LEN + opcode_len(m->opcode);
	uint8_t *p;
	unsigned int i;

	if (m->opcode > NATPORT_PCP_OP_PEER || m->n_filters > NATPORT_PCP_MAX_FILTERS)
		return -EINVAL;
	need += m->has_third_party ? 20 : 0;
	need += m->prefer_failure ? 4 : 0;
	need += m->n_filters * 24;
	if (need > len || need > NATPORT_PCP_MAX_LEN)
		return -ENOSPC;
	memset(buf, 0, need);
	buf[0] = m->version ? m->version : NATPORT_PCP_VERSION;
	buf[1] = m->opcode | (m->response ? 0x80 : 0);
	put32(buf + 4, m->lifetime);
	if (m->response) {
		buf[3] = m->result;
		put32(buf + 8, m->epoch);
	} else {
		natport_pcpmsg_addr_put(buf + 8, &m->client);
	}
	p = buf + NATPORT_PCP_HDR_LEN;
	if (m->opcode == NATPORT_PCP_OP_MAP || m->opcode == NATPORT_PCP_OP_PEER) {
		memcpy(p, m->nonce, NATPORT_PCP_NONCE_LEN);
		p[12] = m->protocol;
		put16(p + 16, m->internal_port);
		put16(p + 18, m->external.port);
		natport_pcpmsg_addr_put(p + 20, &m->external);
		if (m->opcode == NATPORT_PCP_OP_PEER) {
			put16(p + 36, m->peer.port);
			natport_pcpmsg_addr_put(p + 40, &m->peer);
		}
		p += opcode_len(m->opcode);
	}
	if (m->has_third_party) {
		p += put_option(p, NATPORT_PCP_OPT_THIRD_PARTY, 16);
		natport_pcpmsg_addr_put(p, &m->third_party);
		p += 16;
	}
	if (m->prefer_failure)
		p += put_option(p, NATPORT_PCP_OPT_PREFER_FAILURE, 0);
	for (i = 0; i < m->n_filters; i++) {
		const struct natport_pcp_filter *f = &m->filters[i];

		p += put_option(p, NATPORT_PCP_OPT_FILTER, 20);
		p[1] = f->prefix_len;
		put16(p + 2, f->remote.port);
		natport_pcpmsg_addr_put(p + 4, &f->remote);
		p += 20;
	}
	return (int)(p - buf);
}

int natport_pcpmsg_encode_error(const uint8_t *req, size_t req_len,
				uint8_t result, uint32_t lifetime,
				uint32_t epoch, uint8_t *buf, size_t len)
{
	size_t n = req_len > NATPORT_PCP_MAX_LEN ? NATPORT_PCP_MAX_LEN : req_len;

	n &= ~(size_t)3;
	if (n < NATPORT_PCP_HDR_LEN)
		n = NATPORT_PCP_HDR_LEN;
	if (n > len)
		return -ENOSPC;
	memset(buf, 0, n);
	memcpy(buf, req, req_len < n ? req_len : n);
	buf[0] = NATPORT_PCP_VERSION;
	buf[1] = (req_len > 1 ? req[1] & 0x7f : 0) | 0x80;
	buf[2] = 0;
	buf[3] = result;
	put32(buf + 4, lifetime);
	put32(buf + 8, epoch);
	memset(buf + 12, 0, 12);
	return (int)n;
}

int natport_natpmp_decode_request(const uint8_t *buf, size_t len,
				  struct natport_natpmp_msg *m)
{
	memset(m, 0, sizeof(*m));
	if (len < 2 || buf[1] >= NATPORT_NATPMP_OP_RESPONSE)
		return -EBADMSG;
	m->version = buf[0];
	m->opcode = buf[1];
	if (m->version != NATPORT_NATPMP_VERSION)
		return NATPORT_NATPMP_UNSUPP_VERSION;
	switch (m->opcode) {
	case NATPORT_NATPMP_OP_ADDR:
		return 0;
	case NATPORT_NATPMP_OP_MAP_UDP:
	case NATPORT_NATPMP_OP_MAP_TCP:
		if (len < NATPORT_NATPMP_MAP_REQ_LEN)
			return -EBADMSG;
		m->internal_port = get16(buf + 4);
		m->external_port = get16(buf + 6);
		m->lifetime = get32(buf + 8);
		return 0;
	}
	return NATPORT_NATPMP_UNSUPP_OPCODE;
}

int natport_natpmp_decode_response(const uint8_t *buf, size_t len,
				   struct natport_natpmp_msg *m)
{
	memset(m, 0, sizeof(*m));
	if (len < NATPORT_NATPMP_HDR_LEN || len > NATPORT_PCP_MAX_LEN ||
	    buf[0] != NATPORT_NATPMP_VERSION ||
	    buf[1] < NATPORT_NATPMP_OP_RESPONSE)
		return -EBADMSG;
	m->opcode = buf[1];
	m->result = get16(buf + 2);
	m->epoch = get32(buf + 4);
	switch (m->opcode - NATPORT_NATPMP_OP_RESPONSE) {
	case NATPORT_NATPMP_OP_ADDR:
		if (len < NATPORT_NATPMP_ADDR_RESP_LEN)
			return m->result ? 0 : -EBADMSG;
		memcpy(&m->external, buf + 8, 4);
		return 0;
	case NATPORT_NATPMP_OP_MAP_UDP:
	case NATPORT_NATPMP_OP_MAP_TCP:
		if (len < NATPORT_NATPMP_MAP_RESP_LEN)
			return m->result ? 0 : -EBADMSG;
		m->internal_port = get16(buf + 8);
		m->external_port = get16(buf + 10);
		m->lifetime = get32(buf + 12);
		return 0;
	}
	return m->result ? 0 : -EBADMSG;
}

int natport_natpmp_encode(const struct natport_natpmp_msg *m, uint8_t *buf,
			  size_t len)
{
	size_t need;
	uint8_t op = m->opcode;

	if (op < NATPORT_NATPMP_OP_RESPONSE) {
		need = op == NATPORT_NATPMP_OP_ADDR ? NATPORT_NATPMP_ADDR_REQ_LEN
						    : NATPORT_NATPMP_MAP_REQ_LEN;
		if (op > NATPORT_NATPMP_OP_MAP_TCP)
			return -EINVAL;
		if (need > len)
			return -ENOSPC;
		memset(buf, 0, need);
		buf[1] = op;
		if (op != NATPORT_NATPMP_OP_ADDR) {
			put16(buf + 4, m->internal_port);
			put16(buf + 6, m->external_port);
			put32(buf + 8, m->lifetime);
		}
		return (int)need;
	}
	switch (op - NATPORT_NATPMP_OP_RESPONSE) {
	case NATPORT_NATPMP_OP_ADDR:
		need = NATPORT_NATPMP_ADDR_RESP_LEN;
		break;
	case NATPORT_NATPMP_OP_MAP_UDP:
	case NATPORT_NATPMP_OP_MAP_TCP:
		need = NATPORT_NATPMP_MAP_RESP_LEN;
		break;
	default:
		need = NATPORT_NATPMP_HDR_LEN;
		break;
	}
	/* a version we do not speak has no opcode layout to answer in */
	if (m->result == NATPORT_NATPMP_UNSUPP_VERSION)
		need = NATPORT_NATPMP_HDR_LEN;
	if (need > len)
		return -ENOSPC;
	memset(buf, 0, need);
	buf[1] = op;
	put16(buf + 2, m->result);
	put32(buf + 4, m->epoch);
	if (need == NATPORT_NATPMP_ADDR_RESP_LEN)
		memcpy(buf + 8, &m->external, 4);
	else if (need == NATPORT_NATPMP_MAP_RESP_LEN) {
		put16(buf + 8, m->internal_port);
		put16(buf + 10, m->external_port);
		put32(buf + 12, m->lifetime);
	}
	return (int)need;
}
