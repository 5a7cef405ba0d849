// SPDX-License-Identifier: GPL-2.0-or-later
/* server.c - PCP and NAT-PMP on the LAN side: socket, rate limit, timers,
 * announcements, and the processor's ops on the session core (server.h). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <natport/natport.h>
#include <natport/policy.h>

#include "../../lib/pcpsrv.h"
#include "core/log.h"
#include "core/quota.h"
#include "pcp/server.h"

#define RATE_BUCKETS 1024 /* clients remembered by the rate limit */
#define ANNOUNCE_TIMES 10 /* RFC 6886 section 3.2.1: ten, 250 ms doubling */
#define ANNOUNCE_FIRST_MS 250
#define ANNOUNCE_UNICAST_MAX 1024 /* clients told per round */

struct rate {
	struct natport_endpoint addr; /* port 0; AF_UNSPEC: free */
	uint64_t last_ms;
	uint32_t tokens_milli; /* thousandths of a request */
};

/* A lease's session owner state. */
struct lease {
	struct natport_pcp_server *srv;
	uint32_t lease_id;     /* 0: the processor forgot the lease */
	uint64_t inbound_until; /* map_until_ms programmed into the kernel */
	uint32_t filter_gen;    /* the lease's filter_gen the kernel has */
	unsigned int filters_synced : 1; /* ... valid */
	unsigned int kfilters : 1;       /* the kernel holds filters */
	char buf[6][NATPORT_ENDPOINT_STRLEN]; /* describe()'s values */
	char fbuf[NATPORT_PCP_MAX_FILTERS * (NATPORT_ENDPOINT_STRLEN + 5)];
};

struct natport_pcp_server {
	struct natport_evloop *loop;
	struct natport_pm *pm;
	struct natport_session_table *sessions;
	struct natport_policy policy;
	struct natport_pcpsrv pcp;
	struct natport_endpoint lan;
	int fd;
	struct natport_evloop_timer *expiry, *announce;
	uint64_t expiry_at;
	unsigned int announced;
	uint64_t announce_since; /* the schedule's start: who spoke since
				  * then has heard of it */
	uint32_t rate; /* requests/s per client */
	enum natport_session_end end_reason; /* for the release op */
	struct natport_pcp_server_stats st;
	struct rate rates[RATE_BUCKETS];
};

static const char *lease_kind_name(uint8_t kind)
{
	switch (kind) {
	case NATPORT_PCPLEASE_RTP:
		return "rtp";
	case NATPORT_PCPLEASE_RTCP:
		return "rtcp";
	}
	return "single";
}

static struct natport_pcplease *lease_of(const struct natport_session *s)
{
	struct lease *o = s->owner;

	return o && o->lease_id ? natport_pcplease_get(&o->srv->pcp.leases,
						       o->lease_id)
				: NULL;
}

/* --- the session owner ops ------------------------------------------ */

/* "203.0.113.0/24,198.51.100.20/32:7000": the prefix length in the
 * address's own family (the wire counts IPv4 in the 128-bit form). */
static void filters_format(const struct natport_pcplease *l, char *buf,
			   size_t len)
{
	size_t k = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < l->n_filters && k < len; i++) {
		const struct natport_pcp_filter *f = &l->filters[i];
		struct natport_endpoint a = f->remote;
		char t[NATPORT_ENDPOINT_STRLEN];
		unsigned int plen = f->prefix_len;

		if (a.family == AF_INET)
			plen = plen >= 96 ? plen - 96 : 0;
		a.port = 0;
		natport_endpoint_format(&a, t, sizeof(t));
		if (a.family == AF_INET && strchr(t, ':'))
			*strchr(t, ':') = '\0'; /* no ":0" */
		k += (size_t)snprintf(buf + k, len - k, "%s%s/%u", i ? "," : "",
				      t, plen);
		if (f->remote.port && k < len)
			k += (size_t)snprintf(buf + k, len - k, ":%u",
					      f->remote.port);
	}
}

static unsigned int describe(const struct natport_session *s,
			     struct natport_session_field *f, unsigned int max)
{
	struct lease *o = s->owner;
	struct natport_pcplease *l = lease_of(s);
	uint64_t now = natport_mono_ms(), until;
	unsigned int n = 0;

	if (!l || max < 6)
		return 0;
	until = natport_pcplease_until(l);
	f[n++] = (struct natport_session_field){
		"protocol", l->owner == NATPORT_PCPLEASE_NATPMP ? "natpmp" :
								  "pcp" };
	f[n++] = (struct natport_session_field){ "kind",
						 lease_kind_name(l->kind) };
	snprintf(o->buf[0], sizeof(o->buf[0]), "%llu",
		 (unsigned long long)(until > now ? (until - now) / 1000 : 0));
	f[n++] = (struct natport_session_field){ "lifetime_left", o->buf[0] };
	f[n++] = (struct natport_session_field){
		"internal", natport_endpoint_format(&l->internal, o->buf[1],
						    sizeof(o->buf[1])) };
	f[n++] = (struct natport_session_field){
		"external", natport_endpoint_format(&l->external, o->buf[2],
						    sizeof(o->buf[2])) };
	f[n++] = (struct natport_session_field){
		"peer", l->peer.family == AF_UNSPEC ?
				"any" :
				natport_endpoint_format(&l->peer, o->buf[3],
							sizeof(o->buf[3])) };
	if (max >= n + 2 && l->n_filters) {
		uint64_t drops = 0;

		filters_format(l, o->fbuf, sizeof(o->fbuf));
		f[n++] = (struct natport_session_field){ "filters", o->fbuf };
		natport_pm_inbound_filtered(o->srv->pm, &l->external, &drops);
		snprintf(o->buf[4], sizeof(o->buf[4]), "%llu",
			 (unsigned long long)drops);
		f[n++] = (struct natport_session_field){ "filtered",
							 o->buf[4] };
	}
	return n;
}

static void send_to(struct natport_pcp_server *srv,
		    const struct natport_endpoint *to, const uint8_t *b,
		    int n)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	if (n <= 0 || to->family == AF_UNSPEC || !to->port)
		return;
	sl = natport_endpoint_to_sockaddr(to, &ss);
	if (sendto(srv->fd, b, (size_t)n, 0, (struct sockaddr *)&ss, sl) < 0)
		log_debug("pcp: unsolicited: %s", strerror(errno));
	else
		srv->st.unsolicited++;
}

static void send_unsolicited(struct natport_pcp_server *srv,
			     struct natport_pcplease *l, int deleted)
{
	uint8_t out[NATPORT_PCP_MAX_LEN];
	int n;

	if (srv->pcp.cfg.no_pcp || l->owner != NATPORT_PCPLEASE_PCP)
		return;
	n = natport_pcpsrv_unsolicited(&srv->pcp, l, deleted,
				       natport_mono_ms(), out, sizeof(out));
	send_to(srv, &l->client, out, n);
	if (!deleted && n > 0)
		l->told = l->external;
}

/* The session ends (here or from elsewhere): forget the lease. */
static void on_end(struct natport_session *s)
{
	struct lease *o = s->owner;
	struct natport_pcplease *l = lease_of(s), *p;

	if (l) {
		/* ended from outside the processor (nat-portctl): drop the
		 * lease without calling back into the session, and tell the
		 * client (RFC 6887 section 14.2: an unsolicited response
		 * with lifetime 0), which re-requests it if it still needs
		 * it; once, as a lost one is found by its next renewal */
		send_unsolicited(o->srv, l, 1);
		p = natport_pcplease_get(&o->srv->pcp.leases, l->partner);
		if (p && p->partner == l->id)
			p->partner = 0;
		natport_pcplease_del(&o->srv->pcp.leases, l);
		o->srv->st.deleted++;
	}
	free(o);
}

static const struct natport_session_ops lease_ops = {
	.describe = describe,
	.on_end = on_end,
};

/* --- the processor's ops ------------------------------------------- */

static int op_admit(void *arg, const struct natport_endpoint *internal)
{
	struct natport_pcp_server *srv = arg;
	struct natport_endpoint c = *internal;

	c.port = 0;
	if (!natport_quota_room(natport_session_table_quota(srv->sessions), &c))
		return NATPORT_PCP_USER_EX_QUOTA;
	return 0;
}

static int op_map(void *arg, struct natport_pcplease *l, uint8_t kind,
		  uint16_t suggested, const struct natport_pcplease *partner)
{
	struct natport_pcp_server *srv = arg;
	struct natport_mapping_req req = { 0 };
	struct natport_mapping m;
	struct natport_session *s;
	struct lease *o;
	char key[NATPORT_ENDPOINT_STRLEN + 8];
	int r;

	o = calloc(1, sizeof(*o));
	if (!o)
		return -NATPORT_E_NOMEM;
	o->srv = srv;
	natport_endpoint_format(&l->internal, key, sizeof(key));
	strcat(key, "/udp");
	s = natport_session_new(srv->sessions, NATPORT_SESSION_PCP, key,
				&lease_ops, o, natport_evloop_now(srv->loop));
	if (!s) {
		free(o);
		return -NATPORT_E_NOMEM;
	}
	s->client = l->internal;
	s->client.port = 0;
	req.type = kind == NATPORT_PCPLEASE_RTP	 ? NATPORT_PORT_AUDIO_RTP :
		   kind == NATPORT_PCPLEASE_RTCP ? NATPORT_PORT_AUDIO_RTCP :
						   NATPORT_PORT_DATA;
	if (kind == NATPORT_PCPLEASE_RTCP && partner)
		req.rtp_internal_port = partner->internal.port;
	req.internal = l->internal;
	req.owner = s->id;
	/* RFC 6887 section 11.3 (and RFC 6886 section 3.3): the suggested
	 * port when its pair is free and of the range, else another one
	 * (which PREFER_FAILURE then refuses, 13.2) */
	if (suggested) {
		req.suggested = srv->pcp.cfg.external;
		req.suggested.port = suggested;
	}
	r = natport_pm_get_mapping(srv->pm, &req, &m);
	if (!r && m.owner != s->id)
		r = -NATPORT_E_EXIST; /* a SIP call's or a static mapping */
	if (!r && natport_session_own(srv->sessions, s, m.id))
		r = -NATPORT_E_NOPORT; /* quota: the mapping is released */
	if (r) {
		log_info_rl("pcp: %s: %s (%s)", key, natport_strerror(r),
			    natport_pm_last_error(srv->pm));
		natport_session_end(srv->sessions, s, NATPORT_END_REFUSED);
		return r;
	}
	s->n_streams = 1;
	snprintf(s->streams[0].media, sizeof(s->streams[0].media), "%s",
		 l->owner == NATPORT_PCPLEASE_NATPMP ? "natpmp" : "pcp");
	s->streams[0].rtp_id = m.id;
	s->streams[0].internal_rtp = m.internal;
	s->streams[0].external_rtp = m.external;
	s->streams[0].payload_type = -1;
	l->external = m.external;
	l->cookie = s->id;
	o->lease_id = l->id;
	natport_session_set_state(srv->sessions, s, NATPORT_SESSION_ACTIVE,
				  natport_evloop_now(srv->loop));
	natport_session_announce(srv->sessions, s);
	srv->st.created++;
	return 0;
}

static int op_peer(void *arg, struct natport_pcplease *l)
{
	struct natport_pcp_server *srv = arg;
	struct natport_session *s = natport_session_find(srv->sessions,
							 l->cookie);
	int r = 0;

	if (l->peer.family != AF_UNSPEC) {
		/* the seed's UpdateRemoteAddress: one conntrack entry for
		 * this remote; sync() then closes the inbound side */
		r = natport_pm_update_remote(srv->pm, &l->external, &l->peer,
					     NULL);
		if (r) {
			log_info_rl("pcp: peer: %s (%s)", natport_strerror(r),
				    natport_pm_last_error(srv->pm));
			return r;
		}
	}
	if (s) {
		s->streams[0].remote_rtp = l->peer;
		natport_session_media_changed(srv->sessions, s);
	}
	return 0;
}

static void op_release(void *arg, struct natport_pcplease *l)
{
	struct natport_pcp_server *srv = arg;
	struct natport_session *s = natport_session_find(srv->sessions,
							 l->cookie);
	struct lease *o;

	if (!s)
		return;
	o = s->owner;
	o->lease_id = 0; /* the processor deletes it itself */
	if (srv->end_reason == NATPORT_END_EXPIRED)
		srv->st.expired++;
	else
		srv->st.deleted++;
	natport_session_end(srv->sessions, s, srv->end_reason);
}

static const struct natport_pcpsrv_ops pcp_ops = {
	.map = op_map,
	.peer = op_peer,
	.release = op_release,
	.admit = op_admit,
};

/* --- kernel state in step with the leases ----------------------------- */

/* The lease's FILTERs into the kernel when they changed, or when the
 * inbound side opens again (closing it took them). */
static int sync_filters(struct natport_pcp_server *srv,
			struct natport_pcplease *l, struct lease *o,
			uint32_t timeout_s)
{
	struct natport_inbound_filter f[NATPORT_PCP_MAX_FILTERS];
	unsigned int i;
	int r;

	if (o->filters_synced && o->filter_gen == l->filter_gen)
		return 0;
	if (l->n_filters || o->kfilters) {
		for (i = 0; i < l->n_filters; i++) {
			f[i].remote = l->filters[i].remote;
			f[i].prefix_len = l->filters[i].prefix_len;
			if (f[i].remote.family == AF_INET)
				f[i].prefix_len -= 96; /* checked at decode */
		}
		r = natport_pm_filter_inbound(srv->pm, &l->external, f,
					      l->n_filters, timeout_s);
		if (r)
			return r;
	}
	o->kfilters = l->n_filters > 0;
	o->filters_synced = 1;
	o->filter_gen = l->filter_gen;
	return 0;
}

/* A lease is open to every remote (or to those its FILTERs name) while
 * its MAP lives and no PEER narrows it; the kernel's element lasts the
 * MAP's lifetime (plus the port manager's margin), renewed whenever a
 * request extends it. The filters go in before the first open, so no
 * packet finds the port open to all; if they cannot be set, the port
 * stays closed rather than open wider than the client asked. */
static void sync_kernel(struct natport_pcp_server *srv, uint64_t now)
{
	struct natport_pcplease *l;

	for (l = natport_pcplease_next(&srv->pcp.leases, NULL); l;
	     l = natport_pcplease_next(&srv->pcp.leases, l)) {
		struct natport_session *s =
			natport_session_find(srv->sessions, l->cookie);
		struct lease *o = s ? s->owner : NULL;
		int open = l->map_until_ms > now && l->peer.family == AF_UNSPEC;
		uint32_t left;
		int r = 0;

		if (!o)
			continue;
		left = open ? (uint32_t)((l->map_until_ms - now + 999) / 1000)
			    : 0;
		if (open && (o->inbound_until != l->map_until_ms ||
			     !o->filters_synced ||
			     o->filter_gen != l->filter_gen)) {
			int first = !o->inbound_until;

			r = sync_filters(srv, l, o, left);
			if (!r)
				r = natport_pm_open_inbound(srv->pm,
							    &l->external, left);
			if (r && first && o->kfilters) {
				natport_pm_filter_inbound(srv->pm,
							  &l->external, NULL,
							  0, 0);
				o->kfilters = 0;
				o->filters_synced = 0;
			}
			o->inbound_until = r ? 0 : l->map_until_ms;
		} else if (!open && o->inbound_until) {
			r = natport_pm_close_inbound(srv->pm, &l->external);
			o->inbound_until = 0;
			o->kfilters = 0; /* closing took them */
			o->filters_synced = 0;
		}
		if (r) {
			srv->st.kernel_errors++;
			log_warnx_rl("pcp: lease %u: %s (%s)", l->id,
				     natport_strerror(r),
				     natport_pm_last_error(srv->pm));
		}
	}
}

static void on_expiry(void *arg);

static void arm_expiry(struct natport_pcp_server *srv)
{
	uint64_t next = natport_pcpsrv_next(&srv->pcp);
	uint64_t now = natport_evloop_now(srv->loop);

	if (srv->expiry && next == srv->expiry_at)
		return;
	if (srv->expiry)
		natport_evloop_timer_cancel(srv->loop, srv->expiry);
	srv->expiry = NULL;
	srv->expiry_at = next;
	if (!next)
		return;
	srv->expiry = natport_evloop_timer_add(srv->loop,
					       next > now ? next - now : 0,
					       on_expiry, srv);
	if (!srv->expiry)
		log_warnx("pcp: cannot arm the expiry timer");
}

static void on_expiry(void *arg)
{
	struct natport_pcp_server *srv = arg;
	uint64_t now = natport_mono_ms();

	srv->expiry = NULL;
	srv->expiry_at = 0;
	srv->end_reason = NATPORT_END_EXPIRED;
	natport_pcpsrv_expire(&srv->pcp, now);
	sync_kernel(srv, now);
	arm_expiry(srv);
}

/* --- the socket ------------------------------------------------------ */

/* Token bucket per client address: rate per second, burst 2 x rate. A
 * flood from one host costs a hash lookup per packet and nothing else. */
static int rate_ok(struct natport_pcp_server *srv,
		   const struct natport_endpoint *src, uint64_t now)
{
	struct natport_endpoint a = *src;
	uint32_t h = 2166136261u, cap = srv->rate * 2000;
	const uint8_t *p = (const uint8_t *)&a.addr;
	struct rate *r;
	uint64_t add;

	a.port = 0;
	for (size_t i = 0; i < sizeof(a.addr); i++)
		h = (h ^ p[i]) * 16777619u;
	r = &srv->rates[h % RATE_BUCKETS];
	if (!natport_endpoint_equal(&r->addr, &a)) {
		/* a new client (or a collision: the newcomer takes it) */
		r->addr = a;
		r->last_ms = now;
		r->tokens_milli = cap;
	}
	add = (now - r->last_ms) * srv->rate;
	r->last_ms = now;
	r->tokens_milli = add + r->tokens_milli > cap ? cap :
							(uint32_t)(add + r->tokens_milli);
	if (r->tokens_milli < 1000)
		return 0;
	r->tokens_milli -= 1000;
	return 1;
}

static void on_packet(int fd, uint32_t events, void *arg)
{
	struct natport_pcp_server *srv = arg;
	uint8_t req[2048], out[NATPORT_PCP_MAX_LEN];
	struct sockaddr_storage ss;
	struct natport_endpoint src;
	int budget = 64;

	while (budget--) {
		socklen_t sl = sizeof(ss);
		ssize_t n = recvfrom(fd, req, sizeof(req), MSG_DONTWAIT,
				     (struct sockaddr *)&ss, &sl);
		uint64_t now = natport_mono_ms();
		int len;

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warnx_rl("pcp: recv: %s", strerror(errno));
			break;
		}
		natport_endpoint_from_sockaddr(&ss, &src);
		if (!rate_ok(srv, &src, now)) {
			srv->st.rate_limited++;
			continue;
		}
		srv->end_reason = NATPORT_END_HANGUP;
		len = natport_pcpsrv_handle(&srv->pcp, req, (size_t)n, &src,
					    now, out, sizeof(out));
		sync_kernel(srv, now);
		if (len > 0 &&
		    sendto(fd, out, (size_t)len, 0, (struct sockaddr *)&ss,
			   sl) < 0)
			log_warnx_rl("pcp: send: %s", strerror(errno));
	}
	arm_expiry(srv);
}

/* Beside the multicast, each round tells the clients the server knows
 * (leases restored after a restart) directly: an ANNOUNCE to every
 * client that has not sent a request since the schedule began (one that
 * did has heard), and an unsolicited MAP response for every lease whose
 * external endpoint is not the one its client was last told (section
 * 14.2). The schedule is the rate limit: ten rounds at doubling
 * intervals, each client once per round, and a client drops out as soon
 * as it re-requests. */
static void announce_unicast(struct natport_pcp_server *srv, uint64_t now)
{
	struct natport_endpoint *to;
	struct natport_pcplease *l;
	uint8_t out[NATPORT_PCP_MAX_LEN];
	unsigned int i, n;
	int len;

	for (l = natport_pcplease_next(&srv->pcp.leases, NULL); l;
	     l = natport_pcplease_next(&srv->pcp.leases, l))
		if (l->owner == NATPORT_PCPLEASE_PCP &&
		    !natport_endpoint_equal(&l->told, &l->external))
			send_unsolicited(srv, l, 0);
	if (!srv->pcp.leases.n)
		return;
	to = calloc(ANNOUNCE_UNICAST_MAX, sizeof(*to));
	len = natport_pcpsrv_announce(&srv->pcp, now, out, sizeof(out));
	if (!to || len <= 0) {
		free(to);
		return;
	}
	n = natport_pcpsrv_announce_targets(&srv->pcp, srv->announce_since,
					    to, ANNOUNCE_UNICAST_MAX);
	for (i = 0; i < n; i++)
		send_to(srv, &to[i], out, len);
	free(to);
}

/* RFC 6887 section 14.1.3 and RFC 6886 section 3.2.1: tell the LAN that
 * this server (re)started, so clients re-request their mappings. */
static void on_announce(void *arg)
{
	struct natport_pcp_server *srv = arg;
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(NATPORT_PCP_CLIENT_PORT),
				  .sin_addr.s_addr = htonl(0xe0000001) };
	uint8_t out[NATPORT_PCP_MAX_LEN];
	uint64_t now = natport_mono_ms();
	int n;

	srv->announce = NULL;
	n = natport_pcpsrv_announce(&srv->pcp, now, out, sizeof(out));
	if (n > 0 && !srv->pcp.cfg.no_pcp &&
	    sendto(srv->fd, out, (size_t)n, 0, (struct sockaddr *)&to,
		   sizeof(to)) < 0)
		log_debug("pcp: announce: %s", strerror(errno));
	n = natport_pcpsrv_natpmp_announce(&srv->pcp, now, out, sizeof(out));
	if (n > 0 && !srv->pcp.cfg.no_natpmp &&
	    sendto(srv->fd, out, (size_t)n, 0, (struct sockaddr *)&to,
		   sizeof(to)) < 0)
		log_debug("pcp: NAT-PMP announce: %s", strerror(errno));
	if (!srv->pcp.cfg.no_pcp)
		announce_unicast(srv, now);
	if (++srv->announced < ANNOUNCE_TIMES)
		srv->announce = natport_evloop_timer_add(
			srv->loop, (uint64_t)ANNOUNCE_FIRST_MS << srv->announced,
			on_announce, srv);
}

static void apply_config(struct natport_pcpsrv_config *pc,
			 const struct natport_config *cfg)
{
	pc->min_lifetime = cfg->pcp_min_lifetime_s;
	pc->max_lifetime = cfg->pcp_max_lifetime_s;
	pc->third_party = !!cfg->pcp_third_party;
	pc->no_natpmp = !cfg->natpmp;
}

static int open_socket(struct natport_pcp_server *srv, char *err,
		       size_t errlen)
{
	struct natport_endpoint ep = srv->lan;
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1;

	ep.port = NATPORT_PCP_SERVER_PORT;
	sl = natport_endpoint_to_sockaddr(&ep, &ss);
	srv->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			 0);
	if (srv->fd < 0 ||
	    setsockopt(srv->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(srv->fd, (struct sockaddr *)&ss, sl)) {
		snprintf(err, errlen, "pcp: %s port %u: %s",
			 srv->fd < 0 ? "socket" : "bind",
			 NATPORT_PCP_SERVER_PORT, strerror(errno));
		return -1;
	}
	if (ep.family == AF_INET) {
		/* announcements leave by the LAN interface whatever the
		 * routing table says about 224.0.0.0/4 */
		struct in_addr a = ep.addr.v4;

		setsockopt(srv->fd, IPPROTO_IP, IP_MULTICAST_IF, &a, sizeof(a));
	}
	return 0;
}

struct natport_pcp_server *
natport_pcp_server_new(struct natport_evloop *loop,
		       const struct natport_config *cfg, struct natport_pm *pm,
		       struct natport_session_table *sessions, char *err,
		       size_t errlen)
{
	struct natport_pcp_server *srv;
	struct natport_pcpsrv_config pc = { 0 };
	uint64_t now = natport_mono_ms();
	int r;

	err[0] = '\0';
	if (!cfg->pcp)
		return NULL;
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		snprintf(err, errlen, "pcp: out of memory");
		return NULL;
	}
	srv->loop = loop;
	srv->pm = pm;
	srv->sessions = sessions;
	srv->lan = cfg->lan_address;
	srv->rate = cfg->pcp_rate;
	srv->fd = -1;
	natport_policy_init(&srv->policy);
	for (unsigned int i = 0; i < cfg->n_lan_prefix; i++)
		natport_policy_add_lan(&srv->policy, &cfg->lan_prefix[i]);
	natport_policy_add_own(&srv->policy, &cfg->lan_address);
	natport_policy_add_own(&srv->policy, &cfg->wan_address);
	natport_policy_load_own(&srv->policy);
	pc.external = cfg->wan_address;
	pc.external.port = 0;
	pc.policy = &srv->policy;
	apply_config(&pc, cfg);
	r = natport_pcpsrv_init(&srv->pcp, &pc, &pcp_ops, srv, now);
	if (r) {
		snprintf(err, errlen, "pcp: %s", r == -EINVAL ?
			 "bad configuration (an IPv4 wan-address is needed)" :
			 strerror(-r));
		free(srv);
		return NULL;
	}
	if (open_socket(srv, err, errlen))
		goto err_socket;
	r = natport_evloop_add_fd(loop, srv->fd, EPOLLIN, on_packet, srv);
	if (r) {
		snprintf(err, errlen, "pcp: event loop: %s", strerror(-r));
		goto err_socket;
	}
	srv->announce_since = now;
	on_announce(srv);
	log_info("pcp: PCP%s on %s port %u", cfg->natpmp ? " and NAT-PMP" : "",
		 natport_endpoint_format(&cfg->lan_address, err, errlen),
		 NATPORT_PCP_SERVER_PORT);
	err[0] = '\0';
	return srv;

err_socket:
	if (srv->fd >= 0)
		close(srv->fd);
	natport_pcpsrv_uninit(&srv->pcp);
	free(srv);
	return NULL;
}

void natport_pcp_server_free(struct natport_pcp_server *srv)
{
	if (!srv)
		return;
	if (srv->expiry)
		natport_evloop_timer_cancel(srv->loop, srv->expiry);
	if (srv->announce)
		natport_evloop_timer_cancel(srv->loop, srv->announce);
	natport_evloop_del_fd(srv->loop, srv->fd);
	close(srv->fd);
	srv->end_reason = NATPORT_END_SHUTDOWN;
	natport_pcpsrv_uninit(&srv->pcp);
	free(srv);
}

void natport_pcp_server_announce(struct natport_pcp_server *srv)
{
	if (!srv)
		return;
	if (srv->announce)
		natport_evloop_timer_cancel(srv->loop, srv->announce);
	srv->announce = NULL;
	srv->announced = 0;
	srv->announce_since = natport_mono_ms();
	on_announce(srv);
}

void natport_pcp_server_reload(struct natport_pcp_server *srv,
			       const struct natport_config *cfg)
{
	if (!srv)
		return;
	apply_config(&srv->pcp.cfg, cfg);
	srv->rate = cfg->pcp_rate;
}

void natport_pcp_server_get_stats(const struct natport_pcp_server *srv,
				  struct natport_pcp_server_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!srv)
		return;
	*out = srv->st;
	out->requests = srv->pcp.stats.requests;
	out->natpmp_requests = srv->pcp.stats.natpmp_requests;
	out->dropped = srv->pcp.stats.dropped;
	out->success = srv->pcp.stats.results[0];
	for (int i = 1; i < __NATPORT_PCP_RESULT_MAX; i++)
		out->errors += srv->pcp.stats.results[i];
	out->leases = srv->pcp.leases.n;
}

/* --- restarts (server.h, core/state.h) -------------------------------- */

int natport_pcp_server_lease_save(const struct natport_pcp_server *srv,
				  const struct natport_session *s,
				  struct natport_pcplease *out)
{
	const struct lease *o = s->owner;
	struct natport_pcplease *l;

	if (!srv || s->kind != NATPORT_SESSION_PCP || s->ops != &lease_ops ||
	    !o || o->srv != srv)
		return -1;
	l = lease_of(s);
	if (!l)
		return -1;
	*out = *l;
	return 0;
}

int natport_pcp_server_lease_restore(struct natport_pcp_server *srv,
				     struct natport_session *s,
				     const struct natport_pcplease *l)
{
	struct natport_pcplease *n;
	struct lease *o;

	if (!srv || s->kind != NATPORT_SESSION_PCP || s->owner ||
	    natport_pcplease_find(&srv->pcp.leases, l->protocol, &l->internal))
		return -1;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -1;
	n = natport_pcplease_put(&srv->pcp.leases, l);
	if (!n) {
		free(o);
		return -1;
	}
	n->cookie = s->id;
	o->srv = srv;
	o->lease_id = n->id;
	/* inbound_until stays 0: resume() programs the element again (the
	 * new port manager's nft table starts without it) */
	s->owner = o;
	s->ops = &lease_ops;
	return 0;
}

void natport_pcp_server_resume(struct natport_pcp_server *srv)
{
	uint64_t now = natport_mono_ms();

	if (!srv)
		return;
	sync_kernel(srv, now);
	arm_expiry(srv);
}
