// SPDX-License-Identifier: GPL-2.0-or-later
/* records.c - control records: mappings, sessions, statistics. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "core/quality.h"
#include "ctl/records.h"
#include "ctl/server.h"
#include "media/sdp.h"

/* Strings from outside (SIP URIs, Call-IDs) go out printable and bounded. */
static void put_text(struct natport_ctl_msg_buf *b, const char *key,
		     const char *s)
{
	char clean[NATPORT_CTL_ARG_MAX + 1];
	size_t i;

	for (i = 0; s[i] && i < NATPORT_CTL_ARG_MAX; i++)
		clean[i] = (unsigned char)s[i] >= 0x20 &&
					   (unsigned char)s[i] < 0x7f ?
				   s[i] :
				   '?';
	clean[i] = '\0';
	natport_ctl_put_str(b, key, clean);
}

static void put_ep(struct natport_ctl_msg_buf *b, const char *key,
		   const struct natport_endpoint *ep)
{
	char s[NATPORT_ENDPOINT_STRLEN];

	if (ep->family == AF_UNSPEC)
		return;
	natport_ctl_put_str(b, key, natport_endpoint_format(ep, s, sizeof(s)));
}

static void put_counters(struct natport_ctl_msg_buf *b,
			 const struct natport_counters *c)
{
	natport_ctl_put_u64(b, "pkts_in", c->pkts_in);
	natport_ctl_put_u64(b, "bytes_in", c->bytes_in);
	natport_ctl_put_u64(b, "pkts_out", c->pkts_out);
	natport_ctl_put_u64(b, "bytes_out", c->bytes_out);
}

static void add_counters(struct natport_counters *sum,
			 const struct natport_counters *c)
{
	sum->pkts_in += c->pkts_in;
	sum->bytes_in += c->bytes_in;
	sum->pkts_out += c->pkts_out;
	sum->bytes_out += c->bytes_out;
}

/* A mapping without an entry (held, quarantined, gone) counts nothing. */
static void read_counters(struct natport_pm *pm, uint32_t id,
			  struct natport_counters *c)
{
	memset(c, 0, sizeof(*c));
	if (id && natport_pm_counters(pm, id, c))
		memset(c, 0, sizeof(*c));
}

/* The key field an owner kind's session key goes out as in a mapping
 * record; NULL: none (a static mapping's key is its internal endpoint,
 * shown already). */
static const char *const owner_key[__NATPORT_SESSION_KIND_MAX] = {
	[NATPORT_SESSION_SIP] = "call_id",
	[NATPORT_SESSION_NG] = "call_id",
	[NATPORT_SESSION_PCP] = "lease",
};

/* The session a mapping belongs to: the one its owner tag names (O(1)),
 * else, for a live mapping, one that shares it (the tagged one ended
 * first). A quarantined mapping's id may be a new mapping's already. */
static const struct natport_session *
mapping_session(struct natport_session_table *t,
		const struct natport_mapping *m)
{
	struct natport_session *s;

	if (!t || !m->owner)
		return NULL;
	s = natport_session_find(t, m->owner);
	if (!s && m->state != NATPORT_MAP_QUARANTINED)
		s = natport_session_find_map(t, m->id);
	return s;
}

/* owner: the session's kind; call: its id (calls show takes it); then
 * its key under the kind's name. A mapping no session holds: "ended"
 * (its session is gone: quarantine) or "none" (restored, unclaimed). */
static void put_owner(struct natport_ctl_msg_buf *b,
		      struct natport_session_table *t,
		      const struct natport_mapping *m)
{
	const struct natport_session *s;

	if (m->owner == NATPORT_CTL_OWNER_STATIC) {
		natport_ctl_put_str(b, "owner", "static");
		return;
	}
	s = mapping_session(t, m);
	if (!s) {
		natport_ctl_put_str(b, "owner", m->owner ? "ended" : "none");
		if (m->owner)
			natport_ctl_put_u64(b, "call", m->owner);
		return;
	}
	natport_ctl_put_str(b, "owner", natport_session_kind_name(s->kind));
	natport_ctl_put_u64(b, "call", s->id);
	if ((unsigned int)s->kind < __NATPORT_SESSION_KIND_MAX &&
	    owner_key[s->kind])
		put_text(b, owner_key[s->kind], s->key);
}

void natport_record_mapping(struct natport_ctl_msg_buf *b,
			    struct natport_session_table *t,
			    const struct natport_mapping *m,
			    const struct natport_counters *c, uint64_t now_ms)
{
	natport_ctl_put_u64(b, "id", m->id);
	natport_ctl_put_str(b, "type", natport_port_type_name(m->type));
	natport_ctl_put_str(b, "state", natport_mapping_state_name(m->state));
	put_ep(b, "internal", &m->internal);
	put_ep(b, "external", &m->external);
	if (m->state != NATPORT_MAP_HELD)
		put_ep(b, "remote", &m->remote);
	put_owner(b, t, m);
	natport_ctl_put_u64(b, "age", (now_ms - m->created_ms) / 1000);
	if (c)
		put_counters(b, c);
}

/* One direction's RTP statistics from the natport_rtp module. */
static void put_rtp_dir(struct natport_ctl_msg_buf *b, const char *key,
			const struct natport_rtp_stats *s)
{
	natport_ctl_put_obj(b, key);
	natport_ctl_put_u64(b, "rtp", s->rtp);
	natport_ctl_put_u64(b, "rtcp", s->rtcp);
	natport_ctl_put_u64(b, "expected", s->expected);
	natport_ctl_put_u64(b, "lost", s->lost > 0 ? (uint64_t)s->lost : 0);
	natport_ctl_put_u64(b, "loss_ppm",
			    (uint64_t)(s->loss_fraction * 1e6 + 0.5));
	natport_ctl_put_u64(b, "jitter", s->jitter);
	natport_ctl_put_u64(b, "jitter_us", (uint64_t)(s->jitter_ms * 1000));
	natport_ctl_put_u64(b, "ssrc", s->ssrc);
	natport_ctl_put_u64(b, "ssrc_changes", s->ssrc_changes);
	natport_ctl_put_end(b);
}

struct stream_map {
	uint32_t id;
	const struct natport_endpoint *in, *ex, *re;
	const struct natport_counters *c;
	const struct natport_rtp_stats *q; /* NULL: the module does not count */
};

static void put_stream_map(struct natport_ctl_msg_buf *b, const char *key,
			   const struct stream_map *sm)
{
	natport_ctl_put_obj(b, key);
	natport_ctl_put_u64(b, "mapping", sm->id);
	put_ep(b, "internal", sm->in);
	put_ep(b, "external", sm->ex);
	put_ep(b, "remote", sm->re);
	put_counters(b, sm->c);
	if (sm->q) {
		put_rtp_dir(b, "quality_in", &sm->q[NATPORT_RTP_IN]);
		put_rtp_dir(b, "quality_out", &sm->q[NATPORT_RTP_OUT]);
	}
	natport_ctl_put_end(b);
}

static void put_streams(struct natport_ctl_msg_buf *b,
			const struct natport_session *c, unsigned int n,
			const struct natport_counters *rtp,
			const struct natport_counters *rtcp,
			struct natport_rtp_stats (*q)[2], const int *have_q)
{
	natport_ctl_put_list(b, "streams");
	for (unsigned int i = 0; i < n; i++) {
		const struct natport_session_stream *s = &c->streams[i];
		struct stream_map sm;

		natport_ctl_put_obj(b, NULL);
		put_text(b, "media", s->media);
		natport_ctl_put_str(b, "dir", natport_sdp_dir_name(s->dir));
		natport_ctl_put_u64(b, "disabled", !!s->disabled);
		natport_ctl_put_u64(b, "hold", !!(s->hold || s->remote_hold));
		natport_ctl_put_u64(b, "rtcp_mux", !!s->rtcp_mux);
		if (s->rtp_id) {
			sm = (struct stream_map){
				s->rtp_id,	  &s->internal_rtp,
				&s->external_rtp, &s->remote_rtp,
				&rtp[i],	  have_q[i] ? q[i] : NULL
			};
			put_stream_map(b, "rtp", &sm);
		}
		if (s->rtcp_id) {
			sm = (struct stream_map){
				s->rtcp_id,	   &s->internal_rtcp,
				&s->external_rtcp, &s->remote_rtcp,
				&rtcp[i],	   NULL
			};
			put_stream_map(b, "rtcp", &sm);
		}
		natport_ctl_put_end(b);
	}
	natport_ctl_put_end(b);
}

void natport_record_session(struct natport_ctl_msg_buf *b,
			    struct natport_session_table *t,
			    struct natport_pm *pm,
			    const struct natport_session *c, int full,
			    uint64_t now_ms)
{
	struct natport_counters rtp[NATPORT_SDP_MAX_STREAMS],
		rtcp[NATPORT_SDP_MAX_STREAMS], sum = { 0 };
	struct natport_rtp_stats q[NATPORT_SDP_MAX_STREAMS][2];
	int have_q[NATPORT_SDP_MAX_STREAMS];
	struct natport_quality *qual = natport_session_table_quality(t);
	struct natport_session_field f[8];
	unsigned int i, nf, n = c->n_streams;

	if (n > NATPORT_SDP_MAX_STREAMS)
		n = NATPORT_SDP_MAX_STREAMS;
	for (i = 0; full && i < n; i++) {
		have_q[i] = natport_quality_get(qual, c->streams[i].rtp_id,
						q[i]) == 0;
		read_counters(pm, c->streams[i].rtp_id, &rtp[i]);
		read_counters(pm, c->streams[i].rtcp_id, &rtcp[i]);
		add_counters(&sum, &rtp[i]);
		add_counters(&sum, &rtcp[i]);
	}
	natport_ctl_put_u64(b, "id", c->id);
	natport_ctl_put_str(b, "owner", natport_session_kind_name(c->kind));
	nf = c->ops && c->ops->describe ? c->ops->describe(c, f, 8) : 0;
	if (!nf) /* an owner without details: its key */
		f[nf++] = (struct natport_session_field){ "key", c->key };
	for (i = 0; i < nf; i++)
		put_text(b, f[i].key, f[i].value ? f[i].value : "");
	put_ep(b, "client", &c->client);
	natport_ctl_put_str(b, "state", natport_session_state_name(c));
	if (c->state == NATPORT_SESSION_ENDED)
		natport_ctl_put_str(b, "end", natport_session_end_name(c));
	natport_ctl_put_u64(b, "age", (now_ms - c->created_ms) / 1000);
	if (!full)
		return;
	put_counters(b, &sum);
	put_streams(b, c, n, rtp, rtcp, q, have_q);
}

/* --- statistics ------------------------------------------------------- */

/* Where a figure goes: an object of the stats record, or the log only. */
enum fig_group {
	G_TOP,
	G_ERRORS,
	G_SIP,
	G_PCP,
	G_CONTROL,
	G_LOG, /* the SIGUSR1 line only */
	G_ALG, /* the one string: the kernel SIP helper */
};

/* One figure: its key in the record (NULL: not there), its key in the
 * log line (NULL: not there), and where it sits in the view (4 or 8
 * bytes). Record order is the order of nat-portctl stats. */
struct fig {
	enum fig_group group;
	const char *key, *log;
	unsigned short off, size;
};

#define V(field)                                    \
	offsetof(struct natport_stats_view, field), \
		sizeof(((struct natport_stats_view *)0)->field)
#define PM_ERR(code) V(pm.errors[NATPORT_E_INDEX(NATPORT_E_##code)])

static const struct fig figs[] = {
	{ G_TOP, "calls", "calls", V(calls) },
	{ G_TOP, "calls_created", NULL, V(sip.calls_created) },
	{ G_TOP, "calls_ended", NULL, V(sip.calls_ended) },
	{ G_TOP, "registrations", "bindings", V(registrations) },
	{ G_TOP, "mappings", "mappings", V(pm.mappings) },
	{ G_TOP, "mappings_active", "mappings_active", V(pm.mappings_active) },
	{ G_TOP, "mappings_created", "created", V(pm.created) },
	{ G_TOP, "mappings_released", "released", V(pm.released) },
	{ G_TOP, "ports_total", NULL, V(pm.ports_total) },
	{ G_TOP, "ports_free", NULL, V(pm.ports_free) },
	{ G_TOP, "ports_held", "ports_held", V(pm.ports_held) },
	{ G_TOP, "ports_quarantined", "ports_quarantined",
	  V(pm.ports_quarantined) },
	{ G_TOP, "capacity", "capacity", V(pm.capacity) },
	{ G_TOP, "headroom", "headroom", V(pm.headroom) },
	{ G_TOP, "external_addrs", NULL, V(pm.external_addrs) },
	{ G_TOP, "pm_fds", NULL, V(pm.fds) },
	{ G_TOP, "kernel_entries", NULL, V(kernel_entries) },
	{ G_TOP, "kernel_pkts_in", NULL, V(kernel.pkts_in) },
	{ G_TOP, "kernel_bytes_in", NULL, V(kernel.bytes_in) },
	{ G_TOP, "kernel_pkts_out", NULL, V(kernel.pkts_out) },
	{ G_TOP, "kernel_bytes_out", NULL, V(kernel.bytes_out) },
	{ G_TOP, "kernel_destroyed", NULL, V(pm.kernel_destroyed) },
	{ G_TOP, "kernel_restored", "kernel_restored", V(pm.kernel_restored) },
	{ G_TOP, "refreshes", NULL, V(pm.refreshes) },
	{ G_TOP, "refresh_skipped", NULL, V(pm.refresh_skipped) },
	{ G_TOP, "refresh_scans", NULL, V(pm.scans) },
	{ G_TOP, "clashes_removed", NULL, V(pm.clashes_removed) },
	{ G_TOP, "stale_removed", NULL, V(pm.stale_removed) },
	{ G_TOP, "stray_packets", "stray_packets", V(pm.stray_packets) },
	{ G_TOP, "event_overruns", NULL, V(pm.event_overruns) },
	{ G_TOP, "nft_restored", NULL, V(pm.nft_restored) },
	{ G_ALG, "sip_alg", "sip_alg", 0, 0 },
	{ G_ERRORS, "inval", NULL, PM_ERR(INVAL) },
	{ G_ERRORS, "badaddr", NULL, PM_ERR(BADADDR) },
	{ G_ERRORS, "notsup", NULL, PM_ERR(NOTSUP) },
	{ G_ERRORS, "noport", NULL, PM_ERR(NOPORT) },
	{ G_ERRORS, "noent", NULL, PM_ERR(NOENT) },
	{ G_ERRORS, "exist", NULL, PM_ERR(EXIST) },
	{ G_ERRORS, "kernel", NULL, PM_ERR(KERNEL) },
	{ G_ERRORS, "nomem", NULL, PM_ERR(NOMEM) },
	{ G_ERRORS, "sys", NULL, PM_ERR(SYS) },
	{ G_ERRORS, "calls_table_full", NULL, V(sip.calls_full) },
	{ G_ERRORS, "sip_malformed", "malformed", V(sip.malformed) },
	{ G_ERRORS, "sip_refused", "refused", V(sip.refused) },
	{ G_ERRORS, "sip_dropped", "dropped", V(sip.dropped) },
	{ G_ERRORS, "sip_loops", NULL, V(sip.loops) },
	{ G_ERRORS, "sip_forged", "forged", V(sip.forged) },
	{ G_ERRORS, "sip_source_limited", "source_limited",
	  V(sip.source_limited) },
	{ G_ERRORS, "media_refused_addr", "refused_addr",
	  V(media.refused_addr) },
	{ G_ERRORS, "media_refused_cap", "refused_cap", V(media.refused_cap) },
	{ G_ERRORS, "media_refused_noport", "refused_noport",
	  V(media.refused_noport) },
	{ G_ERRORS, "media_refused_sdp", "refused_sdp", V(media.refused_sdp) },
	{ G_ERRORS, "media_refused_family", "refused_family",
	  V(media.refused_family) },
	{ G_ERRORS, "media_kernel_errors", NULL, V(media.kernel_errors) },
	{ G_ERRORS, "control_bad_requests", NULL, V(ctl_bad_requests) },
	{ G_ERRORS, "control_dropped_clients", NULL, V(ctl_dropped_clients) },
	{ G_SIP, "rx_requests", "rx_requests", V(sip.rx_requests) },
	{ G_SIP, "rx_responses", "rx_responses", V(sip.rx_responses) },
	{ G_SIP, "forwarded", "forwarded", V(sip.forwarded) },
	{ G_SIP, "replied", "replied", V(sip.replied) },
	{ G_SIP, "own_requests", "own_requests", V(sip.own_requests) },
	/* connections per transport (sip/tcp.c) */
	{ G_SIP, "tcp_connections", "tcp_conns", V(sip.tcp_connections) },
	{ G_SIP, "tcp_accepted", "tcp_accepted", V(sip.tcp_accepted) },
	{ G_SIP, "tcp_connected", "tcp_connected", V(sip.tcp_connected) },
	{ G_SIP, "tcp_refused", "tcp_refused", V(sip.tcp_refused) },
	{ G_SIP, "tcp_failed", "tcp_failed", V(sip.tcp_failed) },
	{ G_SIP, "tcp_idle_closed", "tcp_idle_closed", V(sip.tcp_idle_closed) },
	{ G_SIP, "tcp_framing_errors", "tcp_framing_errors",
	  V(sip.tcp_framing_errors) },
	{ G_SIP, "tcp_output_full", "tcp_output_full", V(sip.tcp_output_full) },
	{ G_SIP, "tls_connections", "tls_connections", V(sip.tls_connections) },
	{ G_SIP, "tls_handshakes", "tls_handshakes", V(sip.tls_handshakes) },
	{ G_SIP, "tls_handshakes_failed", "tls_hs_failed",
	  V(sip.tls_handshakes_failed) },
	{ G_SIP, "tls_verify_failed", "tls_verify_failed",
	  V(sip.tls_verify_failed) },
	/* PCP and NAT-PMP (pcp/server.c): requests read, responses by
	 * class (success: result code 0; errors: every other code, the
	 * refusals included), leases by how they went */
	{ G_PCP, "requests", "pcp_requests", V(pcp.requests) },
	{ G_PCP, "natpmp_requests", "natpmp_requests", V(pcp.natpmp_requests) },
	{ G_PCP, "responses_success", NULL, V(pcp.success) },
	{ G_PCP, "responses_error", "pcp_errors", V(pcp.errors) },
	{ G_PCP, "dropped", NULL, V(pcp.dropped) },
	{ G_PCP, "rate_limited", NULL, V(pcp.rate_limited) },
	{ G_PCP, "leases", "pcp_leases", V(pcp.leases) },
	{ G_PCP, "leases_created", NULL, V(pcp.created) },
	{ G_PCP, "leases_deleted", NULL, V(pcp.deleted) },
	{ G_PCP, "leases_expired", NULL, V(pcp.expired) },
	{ G_PCP, "kernel_errors", NULL, V(pcp.kernel_errors) },
	{ G_PCP, "unsolicited", NULL, V(pcp.unsolicited) },
	{ G_CONTROL, "clients", NULL, V(ctl_clients) },
	{ G_CONTROL, "watchers", NULL, V(ctl_watchers) },
	{ G_CONTROL, "requests", NULL, V(ctl_requests) },
	{ G_LOG, NULL, "media_clients", V(media_clients) },
};

#undef PM_ERR
#undef V

static const char *const group_key[] = {
	[G_ERRORS] = "errors",
	[G_SIP] = "sip",
	[G_PCP] = "pcp",
	[G_CONTROL] = "control",
};

static uint64_t fig_value(const struct natport_stats_view *v,
			  const struct fig *f)
{
	const char *p = (const char *)v + f->off;
	uint32_t u32;
	uint64_t u64;

	if (f->size == sizeof(u32)) {
		memcpy(&u32, p, sizeof(u32));
		return u32;
	}
	memcpy(&u64, p, sizeof(u64));
	return u64;
}

void natport_stats_read(struct natport_stats_view *v,
			const struct natport_stats_sources *src, int kernel)
{
	struct natport_control_stats cs;

	memset(v, 0, sizeof(*v));
	natport_pm_get_stats(src->pm, &v->pm);
	if (src->proxy) {
		natport_proxy_get_stats(src->proxy, &v->sip);
		v->calls = natport_proxy_call_count(src->proxy);
		v->registrations = natport_proxy_registrations(src->proxy);
	}
	if (src->media) {
		natport_media_get_stats(src->media, &v->media);
		v->media_clients = v->media.clients;
	}
	natport_pcp_server_get_stats(src->pcp, &v->pcp);
	if (src->ctl) {
		natport_control_get_stats(src->ctl, &cs);
		v->ctl_clients = cs.clients;
		v->ctl_watchers = cs.watchers;
		v->ctl_requests = cs.requests;
		v->ctl_bad_requests = cs.bad_requests;
		v->ctl_dropped_clients = cs.dropped_clients;
	}
	v->alg_state = "unknown";
	if (src->alg) {
		v->have_alg = 1;
		natport_alg_describe(src->alg, v->alg, sizeof(v->alg));
		if (src->alg->state == NATPORT_ALG_ACTIVE)
			v->alg_state = "active";
		else if (src->alg->state == NATPORT_ALG_INACTIVE)
			v->alg_state = "inactive";
	}
	/* from the port manager's own counts (its entries, and their
	 * counters summed by the refresh scans): no dump of the kernel's
	 * table, whatever its size */
	(void)kernel;
	v->kernel_entries = v->pm.mappings_active;
	v->kernel = v->pm.kernel;
}

void natport_record_stats(struct natport_ctl_msg_buf *b,
			  const struct natport_stats_view *v)
{
	enum fig_group open = G_TOP;

	for (size_t i = 0; i < sizeof(figs) / sizeof(figs[0]); i++) {
		const struct fig *f = &figs[i];
		enum fig_group g = f->group == G_ALG ? G_TOP : f->group;

		if (!f->key)
			continue;
		if (g != open) {
			if (open != G_TOP)
				natport_ctl_put_end(b);
			if (g != G_TOP)
				natport_ctl_put_obj(b, group_key[g]);
			open = g;
		}
		if (f->group == G_ALG) {
			if (v->have_alg)
				natport_ctl_put_str(b, f->key, v->alg);
			continue;
		}
		natport_ctl_put_u64(b, f->key, fig_value(v, f));
	}
	if (open != G_TOP)
		natport_ctl_put_end(b);
}

const char *natport_stats_line(const struct natport_stats_view *v, char *buf,
			       size_t len)
{
	size_t off = 0;
	int n;

	n = snprintf(buf, len, "stats");
	for (size_t i = 0; n >= 0 && i < sizeof(figs) / sizeof(figs[0]); i++) {
		const struct fig *f = &figs[i];

		off += (size_t)n;
		if (off >= len)
			break;
		if (!f->log) {
			n = 0;
			continue;
		}
		if (f->group == G_ALG) /* one word: the line is split on ' ' */
			n = snprintf(buf + off, len - off, " %s=%s", f->log,
				     v->alg_state);
		else
			n = snprintf(buf + off, len - off, " %s=%llu", f->log,
				     (unsigned long long)fig_value(v, f));
	}
	return buf;
}
