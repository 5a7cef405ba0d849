// SPDX-License-Identifier: LGPL-2.1-or-later
/* pcpclient.c - the LAN application's PCP/NAT-PMP client: GetMapping,
 * UpdateRemoteAddress and ReleaseMapping asked of the router, renewal and
 * restart handling behind one fd (see natport/pcp.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <natport/pcp.h>

#include "pcpclient.h"
#include "pcpmsg.h"

#define MAX_UNITS 64

struct half {
	uint16_t iport, eport;
	uint8_t done;   /* the current request was answered */
	uint8_t result; /* PCP result (NAT-PMP results mapped) */
	uint8_t has_peer;
	uint8_t want_peer; /* the answer awaited is PEER's, not MAP's */
	uint8_t deleted;   /* the router ended it: not renewed */
};

struct unit {
	uint32_t id; /* 0 = free */
	uint8_t nonce[NATPORT_PCP_NONCE_LEN];
	struct half h[2];
	struct natport_pcp_mapping m;
	uint64_t renew_at; /* 0: not scheduled */
	unsigned int renew_step;
	uint8_t established;
};

struct natport_pcp {
	struct natport_pcp_config cfg;
	int sock, tfd, epfd;
	struct natport_endpoint local; /* internal address */
	enum natport_pcp_protocol proto;
	struct in_addr natpmp_ext;
	uint8_t natpmp_ext_known;
	uint8_t epoch_known;
	uint32_t s_prev;
	uint64_t c_prev;
	uint32_t next_id;
	unsigned int ms_per_s; /* 1000; tests shrink time */
	struct unit u[MAX_UNITS];
	natport_pcp_event_fn cb;
	void *cb_arg;
	char err[160];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double rnd(void) /* uniform in [0, 1) */
{
	uint32_t v;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v))
		v = (uint32_t)now_ms() * 2654435761u;
	return v / 4294967296.0;
}

static int seterr(struct natport_pcp *c, int code, const char *fmt,
		  const char *arg)
{
	snprintf(c->err, sizeof(c->err), fmt, arg);
	return code;
}

static int default_gateway(struct natport_endpoint *gw)
{
	char line[256];
	FILE *f = fopen("/proc/net/route", "r");
	int r = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char ifn[64];
		unsigned int dst, via, flags;

		if (sscanf(line, "%63s %x %x %x", ifn, &dst, &via, &flags) ==
			    4 &&
		    dst == 0 && (flags & 2)) {
			memset(gw, 0, sizeof(*gw));
			gw->family = AF_INET;
			gw->addr.v4.s_addr = via; /* already network order */
			r = 0;
			break;
		}
	}
	fclose(f);
	return r;
}

struct natport_pcp *natport_pcp_open(const struct natport_pcp_config *cfg,
				     char *err, size_t errlen)
{
	struct natport_pcp *c = calloc(1, sizeof(*c));
	struct sockaddr_storage ss;
	socklen_t sl;
	struct epoll_event ev = { .events = EPOLLIN };
	const char *what = "out of memory";

	if (!c)
		goto fail;
	c->sock = c->tfd = c->epfd = -1;
	c->cfg = *cfg;
	c->ms_per_s = 1000;
	c->next_id = 1;
	if (!c->cfg.lifetime)
		c->cfg.lifetime = 3600;
	if (!c->cfg.timeout_ms)
		c->cfg.timeout_ms = 10000;
	if (!c->cfg.server.port)
		c->cfg.server.port = NATPORT_PCP_SERVER_PORT;
	if (c->cfg.server.family == AF_UNSPEC) {
		uint16_t port = c->cfg.server.port;

		what = "no IPv4 default gateway to ask";
		if (default_gateway(&c->cfg.server))
			goto fail;
		c->cfg.server.port = port;
	}
	if (c->cfg.natpmp_only)
		c->proto = NATPORT_PCP_PROTO_NATPMP;
	what = "socket";
	c->sock = socket(c->cfg.server.family, SOCK_DGRAM | SOCK_NONBLOCK |
							SOCK_CLOEXEC, 0);
	if (c->sock < 0)
		goto fail;
	if (c->cfg.local.family != AF_UNSPEC) {
		struct natport_endpoint l = c->cfg.local;

		l.port = 0;
		sl = natport_endpoint_to_sockaddr(&l, &ss);
		what = "bind to the local address";
		if (bind(c->sock, (struct sockaddr *)&ss, sl))
			goto fail;
	}
	sl = natport_endpoint_to_sockaddr(&c->cfg.server, &ss);
	what = "connect to the router";
	if (connect(c->sock, (struct sockaddr *)&ss, sl))
		goto fail;
	sl = sizeof(ss);
	if (getsockname(c->sock, (struct sockaddr *)&ss, &sl))
		goto fail;
	natport_endpoint_from_sockaddr(&ss, &c->local);
	what = "timerfd/epoll";
	c->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->tfd < 0 || c->epfd < 0 ||
	    epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->sock, &ev) ||
	    epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->tfd, &ev))
		goto fail;
	return c;
fail:
	snprintf(err, errlen, "%s: %s", what, errno ? strerror(errno) : "");
	if (c) {
		if (c->sock >= 0)
			close(c->sock);
		if (c->tfd >= 0)
			close(c->tfd);
		if (c->epfd >= 0)
			close(c->epfd);
		free(c);
	}
	return NULL;
}

void natport_pcp_set_scale(struct natport_pcp *c, unsigned int ms_per_s)
{
	c->ms_per_s = ms_per_s ? ms_per_s : 1000;
}

int natport_pcp_fd(struct natport_pcp *c)
{
	return c->epfd;
}

void natport_pcp_set_event_cb(struct natport_pcp *c, natport_pcp_event_fn fn,
			      void *arg)
{
	c->cb = fn;
	c->cb_arg = arg;
}

enum natport_pcp_protocol natport_pcp_protocol(struct natport_pcp *c)
{
	return c->proto;
}

const char *natport_pcp_last_error(struct natport_pcp *c)
{
	return c->err;
}

static void emit(struct natport_pcp *c, enum natport_pcp_event_type t,
		 const struct unit *u)
{
	struct natport_pcp_event ev = { .type = t };

	if (u)
		ev.mapping = u->m;
	if (c->cb)
		c->cb(&ev, c->cb_arg);
}

/* Send the request for half k of u: MAP (peer = 0) or PEER, lifetime lt. */
static void send_req(struct natport_pcp *c, struct unit *u, int k, int peer,
		     uint32_t lt)
{
	uint8_t b[NATPORT_PCP_MAX_LEN];
	int n;

	if (c->proto == NATPORT_PCP_PROTO_NATPMP) {
		struct natport_natpmp_msg m = { 0 };

		if (peer)
			return; /* no PEER in NAT-PMP */
		m.opcode = NATPORT_NATPMP_OP_MAP_UDP;
		m.internal_port = u->h[k].iport;
		m.external_port = lt ? u->h[k].eport : 0;
		m.lifetime = lt;
		n = natport_natpmp_encode(&m, b, sizeof(b));
	} else {
		struct natport_pcp_msg m = { 0 };

		m.opcode = peer ? NATPORT_PCP_OP_PEER : NATPORT_PCP_OP_MAP;
		m.lifetime = lt;
		m.client = c->local;
		memcpy(m.nonce, u->nonce, sizeof(m.nonce));
		m.protocol = NATPORT_PCP_PROTO_UDP;
		m.internal_port = u->h[k].iport;
		m.external = u->m.external;
		m.external.port = u->h[k].eport;
		if (peer) {
			m.peer = u->m.remote;
			m.peer.port += k;
		}
		n = natport_pcpmsg_encode(&m, b, sizeof(b));
	}
	if (n > 0)
		(void)send(c->sock, b, n, 0);
}

static struct unit *find_unit(struct natport_pcp *c, const uint8_t *nonce,
			      uint16_t iport, int *k)
{
	int i, j;

	for (i = 0; i < MAX_UNITS; i++) {
		struct unit *u = &c->u[i];

		if (!u->id || (nonce && memcmp(u->nonce, nonce, 12)))
			continue;
		for (j = 0; j < (u->m.rtcp ? 2 : 1); j++)
			if (u->h[j].iport == iport) {
				*k = j;
				return u;
			}
	}
	return NULL;
}

static void schedule_renewal(struct natport_pcp *c, struct unit *u,
			     uint64_t now)
{
	uint64_t life = (uint64_t)u->m.lifetime * c->ms_per_s;
	double lo, width;
	uint64_t at;

	/* 1/2 .. 5/8, then 3/4 .. 3/4+1/16, 7/8 .. 7/8+1/32 ... */
	if (u->renew_step == 0) {
		lo = 0.5;
		width = 0.125;
	} else {
		lo = 1.0 - 1.0 / (double)(2u << u->renew_step);
		width = 1.0 / (double)(8u << u->renew_step);
	}
	at = u->m.expires_ms - life + (uint64_t)((lo + width * rnd()) * life);
	if (at < now + 4ull * c->ms_per_s)
		at = now + 4ull * c->ms_per_s;
	u->renew_at = at;
}

static void arm_timer(struct natport_pcp *c)
{
	struct itimerspec its = { 0 };
	uint64_t next = 0, now = now_ms();
	int i;

	for (i = 0; i < MAX_UNITS; i++)
		if (c->u[i].id && c->u[i].renew_at &&
		    (!next || c->u[i].renew_at < next))
			next = c->u[i].renew_at;
	if (next) {
		uint64_t d = next > now ? next - now : 1;

		its.it_value.tv_sec = d / 1000;
		its.it_value.tv_nsec = (d % 1000) * 1000000;
	}
	timerfd_settime(c->tfd, 0, &its, NULL);
}

/* Section 8.5: did the router lose its state since the last answer? */
static int epoch_lost(struct natport_pcp *c, uint32_t s_curr, uint64_t now)
{
	int lost = 0;

	if (c->epoch_known) {
		uint64_t cd = (now - c->c_prev) / c->ms_per_s;
		uint64_t sd = s_curr >= c->s_prev ? s_curr - c->s_prev : 0;

		if (s_curr + 1 < c->s_prev || cd + 2 < sd - sd / 16 ||
		    sd + 2 < cd - cd / 16)
			lost = 1;
	}
	c->epoch_known = 1;
	c->s_prev = s_curr;
	c->c_prev = now;
	return lost;
}

static void restart(struct natport_pcp *c, uint64_t now)
{
	int i;

	emit(c, NATPORT_PCP_EV_RESTART, NULL);
	c->natpmp_ext_known = 0;
	for (i = 0; i < MAX_UNITS; i++)
		if (c->u[i].id) {
			c->u[i].renew_at = now; /* re-request at once */
			c->u[i].renew_step = 0;
		}
}

static uint8_t natpmp_to_pcp(uint16_t r)
{
	switch (r) {
	case NATPORT_NATPMP_SUCCESS:
		return NATPORT_PCP_SUCCESS;
	case NATPORT_NATPMP_REFUSED:
		return NATPORT_PCP_NOT_AUTHORIZED;
	case NATPORT_NATPMP_NO_RESOURCES:
		return NATPORT_PCP_NO_RESOURCES;
	case NATPORT_NATPMP_UNSUPP_VERSION:
		return NATPORT_PCP_UNSUPP_VERSION;
	}
	return NATPORT_PCP_NETWORK_FAILURE;
}

/* One answer from the router: mark the half it answers, update the unit. */
static void on_answer(struct natport_pcp *c, struct unit *u, int k,
		      uint8_t result, uint16_t eport,
		      const struct natport_endpoint *ext, uint32_t lt,
		      int peer, uint64_t now)
{
	struct half *h = &u->h[k];
	int changed = !result && !peer && lt && u->established &&
		      (h->eport != eport ||
		       (k == 0 && ext &&
			!natport_endpoint_addr_equal(ext, &u->m.external)));

	if (!result && !peer && !lt && u->established) {
		/* A MAP of lifetime 0 for a mapping we hold and did not
		 * delete: the router ended it (an unsolicited response,
		 * RFC 6887 section 14.2: an operator deleted it). Asking
		 * again would undo the operator; stop renewing that half
		 * and say so. */
		int j, all = 1;

		if (h->deleted)
			return;
		h->deleted = 1;
		for (j = 0; j <= u->m.rtcp; j++)
			all &= u->h[j].deleted;
		if (!all) {
			emit(c, NATPORT_PCP_EV_DELETED, u);
			return;
		}
		emit(c, NATPORT_PCP_EV_LOST, u);
		memset(u, 0, sizeof(*u));
		return;
	}
	if (peer == h->want_peer) {
		h->done = 1;
		h->result = result;
	} else if (!changed) {
		return; /* the other opcode's answer (a PEER's delete) */
	}
	/* else an unsolicited MAP response naming a new external endpoint
	 * (section 14.2) while a PEER is what we last asked: take it */
	if (result || peer || !lt)
		return;
	if (u->established && (h->eport != eport ||
			       (ext && !natport_endpoint_addr_equal(
					       ext, &u->m.external)))) {
		h->eport = eport;
		if (k == 0) {
			u->m.external.port = eport;
			if (ext && ext->family == AF_INET)
				u->m.external.addr = ext->addr;
		}
		emit(c, NATPORT_PCP_EV_CHANGED, u);
	} else if (u->established && k == (u->m.rtcp ? 1 : 0)) {
		emit(c, NATPORT_PCP_EV_RENEWED, u);
	}
	h->eport = eport;
	if (k == 0) {
		if (ext)
			u->m.external = *ext;
		u->m.external.port = eport;
	}
	u->m.lifetime = lt;
	u->m.expires_ms = now + (uint64_t)lt * c->ms_per_s;
	if (u->established) {
		u->renew_step = 0;
		schedule_renewal(c, u, now);
	}
}

static void on_packet(struct natport_pcp *c, const uint8_t *b, size_t n,
		      uint64_t now)
{
	struct unit *u;
	int k;

	if (n >= 1 && b[0] == NATPORT_NATPMP_VERSION) {
		struct natport_natpmp_msg m;
		struct natport_endpoint ext = { .family = AF_INET };

		if (natport_natpmp_decode_response(b, n, &m))
			return;
		if (m.result == NATPORT_NATPMP_UNSUPP_VERSION &&
		    c->proto != NATPORT_PCP_PROTO_NATPMP) {
			/* RFC 6887 section 9: a NAT-PMP-only router */
			if (!c->cfg.no_natpmp)
				c->proto = NATPORT_PCP_PROTO_NATPMP;
			return;
		}
		if (c->proto == NATPORT_PCP_PROTO_NONE)
			c->proto = NATPORT_PCP_PROTO_NATPMP;
		if (epoch_lost(c, m.epoch, now))
			restart(c, now);
		if (m.opcode == NATPORT_NATPMP_OP_RESPONSE) {
			if (!m.result) {
				c->natpmp_ext = m.external;
				c->natpmp_ext_known = 1;
			}
			return;
		}
		u = find_unit(c, NULL, m.internal_port, &k);
		if (!u)
			return;
		ext.addr.v4 = c->natpmp_ext;
		on_answer(c, u, k, natpmp_to_pcp(m.result), m.external_port,
			  c->natpmp_ext_known ? &ext : NULL, m.lifetime, 0,
			  now);
		return;
	}
	if (n >= 1 && b[0] == NATPORT_PCP_VERSION) {
		struct natport_pcp_msg m;

		if (natport_pcpmsg_decode_response(b, n, &m))
			return;
		if (c->proto == NATPORT_PCP_PROTO_NONE)
			c->proto = NATPORT_PCP_PROTO_PCP;
		if (epoch_lost(c, m.epoch, now) ||
		    (m.opcode == NATPORT_PCP_OP_ANNOUNCE && !m.result &&
		     m.epoch < 10))
			/* an ANNOUNCE with a young epoch is section 14.1.3's
			 * restart announcement */
			restart(c, now);
		if (m.opcode == NATPORT_PCP_OP_ANNOUNCE)
			return;
		u = find_unit(c, m.nonce, m.internal_port, &k);
		if (!u || m.protocol != NATPORT_PCP_PROTO_UDP)
			return;
		on_answer(c, u, k, m.result, m.external.port, &m.external,
			  m.lifetime, m.opcode == NATPORT_PCP_OP_PEER, now);
	}
}

static void drain(struct natport_pcp *c)
{
	uint8_t b[NATPORT_PCP_MAX_LEN + 4];
	ssize_t n;

	while ((n = recv(c->sock, b, sizeof(b), 0)) >= 0)
		if ((size_t)n <= NATPORT_PCP_MAX_LEN)
			on_packet(c, b, n, now_ms());
}

static void renew_due(struct natport_pcp *c, uint64_t now)
{
	int i, k;

	for (i = 0; i < MAX_UNITS; i++) {
		struct unit *u = &c->u[i];

		if (!u->id || !u->renew_at || u->renew_at > now)
			continue;
		if (u->m.expires_ms <= now && u->renew_step > 0) {
			emit(c, NATPORT_PCP_EV_LOST, u);
			memset(u, 0, sizeof(*u));
			continue;
		}
		for (k = 0; k < (u->m.rtcp ? 2 : 1); k++) {
			if (u->h[k].deleted)
				continue;
			send_req(c, u, k, 0, c->cfg.lifetime);
			if (u->h[k].has_peer)
				send_req(c, u, k, 1, c->cfg.lifetime);
		}
		u->renew_step++;
		schedule_renewal(c, u, now);
	}
}

int natport_pcp_dispatch(struct natport_pcp *c)
{
	uint64_t exp;

	while (read(c->tfd, &exp, sizeof(exp)) > 0)
		;
	drain(c);
	renew_due(c, now_ms());
	arm_timer(c);
	return 0;
}

/* Run one request for halves [first, last] of u until answered or the
 * handle's timeout: retransmitting (RFC 6887 8.1.1: IRT 3 s, MRT 1024 s,
 * RAND +-0.1; NAT-PMP 250 ms doubling), restarting on a fallback to
 * NAT-PMP. 0 when every half has an answer (see h->result). */
static int transact(struct natport_pcp *c, struct unit *u, int first,
		    int last, int peer, uint32_t lt)
{
	uint64_t start = now_ms(), deadline = start + c->cfg.timeout_ms;
	uint64_t next = 0;
	double rt = 0;
	enum natport_pcp_protocol proto = c->proto;
	int k;

	for (k = first; k <= last; k++) {
		u->h[k].done = 0;
		u->h[k].want_peer = peer;
	}
	for (;;) {
		uint64_t now = now_ms();
		int all = 1, wait;
		struct pollfd pfd = { .fd = c->sock, .events = POLLIN };

		for (k = first; k <= last; k++)
			all &= u->h[k].done;
		if (all)
			return 0;
		if (c->proto != proto) { /* fell back: start over */
			proto = c->proto;
			next = 0;
			rt = 0;
		}
		if (peer && c->proto == NATPORT_PCP_PROTO_NATPMP)
			return 0;
		if (now >= deadline)
			return -ETIMEDOUT;
		if (now >= next) {
			double irt = c->proto == NATPORT_PCP_PROTO_NATPMP
					     ? 0.25 * c->ms_per_s
					     : 3.0 * c->ms_per_s;
			double r = (rnd() - 0.5) * 0.2;

			if (c->proto == NATPORT_PCP_PROTO_NATPMP && lt &&
			    !c->natpmp_ext_known) {
				uint8_t b[2] = { 0, NATPORT_NATPMP_OP_ADDR };

				(void)send(c->sock, b, 2, 0);
			}
			for (k = first; k <= last; k++)
				if (!u->h[k].done)
					send_req(c, u, k, peer, lt);
			if (c->proto == NATPORT_PCP_PROTO_NATPMP)
				rt = rt ? 2 * rt : irt;
			else
				rt = rt ? 2 * rt + r * rt : irt + r * irt;
			if (rt > 1024.0 * c->ms_per_s)
				rt = 1024.0 * c->ms_per_s * (1 + r);
			next = now + (uint64_t)rt;
		}
		wait = (int)((next < deadline ? next : deadline) - now);
		if (poll(&pfd, 1, wait > 0 ? wait : 0) > 0)
			drain(c);
	}
}

static int result_err(struct natport_pcp *c, uint8_t r)
{
	seterr(c, 0, "router answered %s", natport_pcpmsg_result_name(r));
	switch (r) {
	case NATPORT_PCP_NOT_AUTHORIZED:
	case NATPORT_PCP_ADDRESS_MISMATCH:
		return -NATPORT_E_BADADDR;
	case NATPORT_PCP_NO_RESOURCES:
	case NATPORT_PCP_USER_EX_QUOTA:
	case NATPORT_PCP_CANNOT_PROVIDE_EXTERNAL:
		return -NATPORT_E_NOPORT;
	}
	return -NATPORT_E_KERNEL;
}

static struct unit *get_unit(struct natport_pcp *c, uint32_t id)
{
	int i;

	for (i = 0; id && i < MAX_UNITS; i++)
		if (c->u[i].id == id)
			return &c->u[i];
	return NULL;
}

int natport_pcp_get_mapping(struct natport_pcp *c, uint16_t internal_port,
			    int pair, struct natport_pcp_mapping *out)
{
	struct unit *u = NULL;
	int i, r, last = pair ? 1 : 0;

	if (!internal_port || (pair && (internal_port % 2 ||
					internal_port == 65534)))
		return seterr(c, -NATPORT_E_INVAL, "%s",
			      "a pair needs an even internal port");
	for (i = 0; i < MAX_UNITS; i++)
		if (!c->u[i].id) {
			u = &c->u[i];
			break;
		}
	if (!u)
		return seterr(c, -NATPORT_E_NOPORT, "%s", "too many mappings");
	memset(u, 0, sizeof(*u));
	if (getrandom(u->nonce, sizeof(u->nonce), 0) != sizeof(u->nonce))
		return seterr(c, -NATPORT_E_SYS, "%s", "getrandom");
	u->id = c->next_id++;
	u->m.id = u->id;
	u->m.rtcp = pair;
	u->m.internal = c->local;
	u->m.internal.port = internal_port;
	u->h[0].iport = internal_port;
	u->h[1].iport = internal_port + 1;
	/* RTP first; RTCP then asks for the adjacent odd port */
	r = transact(c, u, 0, 0, 0, c->cfg.lifetime);
	if (!r && u->h[0].result)
		r = result_err(c, u->h[0].result);
	if (!r && pair) {
		u->h[1].eport = u->h[0].eport + 1;
		r = transact(c, u, 1, 1, 0, c->cfg.lifetime);
		if (!r && u->h[1].result)
			r = result_err(c, u->h[1].result);
		if (!r && u->h[1].eport != u->h[0].eport + 1)
			r = seterr(c, -NATPORT_E_NOPORT, "%s",
				   "router gave no adjacent RTCP port");
	}
	if (r == -ETIMEDOUT)
		seterr(c, r, "%s", "no answer from the router");
	if (r) {
		if (u->h[0].done && !u->h[0].result)
			transact(c, u, 0, last, 0, 0);
		memset(u, 0, sizeof(*u));
		return r;
	}
	u->established = 1;
	schedule_renewal(c, u, now_ms());
	arm_timer(c);
	*out = u->m;
	return 0;
}

int natport_pcp_update_remote(struct natport_pcp *c, uint32_t id,
			      const struct natport_endpoint *remote,
			      struct natport_pcp_mapping *out)
{
	struct unit *u = get_unit(c, id);
	int r, k;

	if (!u)
		return seterr(c, -NATPORT_E_NOENT, "%s", "no such mapping");
	if (remote->family != u->m.internal.family || !remote->port)
		return seterr(c, -NATPORT_E_INVAL, "%s",
			      "remote needs an address of the mapping's family and a port");
	u->m.remote = *remote;
	r = transact(c, u, 0, u->m.rtcp, 1, c->cfg.lifetime);
	for (k = 0; !r && k <= u->m.rtcp; k++) {
		if (c->proto == NATPORT_PCP_PROTO_NATPMP)
			break;
		if (u->h[k].result)
			r = result_err(c, u->h[k].result);
		else
			u->h[k].has_peer = 1;
	}
	if (r == -ETIMEDOUT)
		seterr(c, r, "%s", "no answer from the router");
	if (!r && out)
		*out = u->m;
	return r;
}

int natport_pcp_release(struct natport_pcp *c, uint32_t id)
{
	struct unit *u = get_unit(c, id);
	int r = 0, k;

	if (!u)
		return seterr(c, -NATPORT_E_NOENT, "%s", "no such mapping");
	u->established = 0; /* the answers of lifetime 0 are ours */
	u->renew_at = 0;
	for (k = 0; k <= u->m.rtcp; k++)
		if (u->h[k].has_peer)
			send_req(c, u, k, 1, 0);
	r = transact(c, u, 0, u->m.rtcp, 0, 0);
	for (k = 0; !r && k <= u->m.rtcp; k++)
		if (u->h[k].result)
			r = result_err(c, u->h[k].result);
	if (r == -ETIMEDOUT)
		seterr(c, r, "%s", "no answer from the router");
	/* forgotten either way: the router's lease runs out by itself */
	memset(u, 0, sizeof(*u));
	arm_timer(c);
	return r;
}

int natport_pcp_lookup(struct natport_pcp *c, uint32_t id,
		       struct natport_pcp_mapping *out)
{
	struct unit *u = get_unit(c, id);

	if (!u)
		return -NATPORT_E_NOENT;
	*out = u->m;
	return 0;
}

void natport_pcp_close(struct natport_pcp *c)
{
	int i, k;

	if (!c)
		return;
	for (i = 0; i < MAX_UNITS; i++)
		for (k = 0; c->u[i].id && k <= c->u[i].m.rtcp; k++) {
			if (c->u[i].h[k].has_peer)
				send_req(c, &c->u[i], k, 1, 0);
			send_req(c, &c->u[i], k, 0, 0);
		}
	close(c->sock);
	close(c->tfd);
	close(c->epfd);
	free(c);
}
