// SPDX-License-Identifier: GPL-2.0-or-later
/* state.c - the state file: saved atomically, checked whole, restored into
 * the session core, the SIP call table and the registrar (state.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <natport/control.h>
#include <natport/natport.h>

#include "../../lib/pcplease.h"
#include "core/log.h"
#include "core/quality.h"
#include "core/session.h"
#include "core/state.h"
#include "ng/frontend.h"
#include "pcp/server.h"
#include "sip/dialog.h"
#include "sip/registrar.h"

/* Version 2 added the static, pcp, ng and ngtag records and the boot id
 * on the first line; a version 1 file (SIP only) still loads. Records of
 * the kinds added later carry their own version as their first field: a
 * record version this build does not know leaves its session out (its
 * entries to the grace) rather than misreading it. */
#define STATE_MAGIC "natport-state"
#define STATE_VERSION 2
#define REC_VERSION "1" /* of the static, pcp, ng and ngtag records */
#define MAX_STATE (64u * 1024 * 1024)

/* The wall clock, written beside the monotonic one (see rebase()). */
static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint32_t crc32_update(uint32_t crc, const void *buf, size_t n)
{
	const unsigned char *p = buf;

	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

/* A growing buffer: the file is built in memory, then written once. */
struct sbuf {
	char *p;
	size_t n, cap;
	int oom;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 65536;
		char *p;

		while (cap < b->n + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_put(b, tmp,
		       (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* A string as one field: "-" for none/empty, else printable ASCII with
 * '%', space, '-' at the start and controls escaped as %XX. */
static void sb_str(struct sbuf *b, const char *s)
{
	char e[4];

	sb_put(b, " ", 1);
	if (!s || !*s) {
		sb_put(b, "-", 1);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= ' ' || *p >= 0x7f || *p == '%' ||
		    (p == (const unsigned char *)s && *p == '-')) {
			snprintf(e, sizeof(e), "%%%02X", *p);
			sb_put(b, e, 3);
		} else {
			sb_put(b, (const char *)p, 1);
		}
	}
}

static void sb_ep(struct sbuf *b, const struct natport_endpoint *ep)
{
	char t[NATPORT_ENDPOINT_STRLEN];

	if (ep->family == AF_UNSPEC) {
		sb_put(b, " -", 2);
		return;
	}
	natport_endpoint_format(ep, t, sizeof(t));
	if (!ep->port) /* format omits a zero port; keep the field whole */
		snprintf(t + strlen(t), sizeof(t) - strlen(t), ":0");
	sb_put(b, " ", 1);
	sb_put(b, t, strlen(t));
}

/* This boot's id: CLOCK_MONOTONIC times in the file (the registrar's and
 * the leases' expiry) mean something only within one boot, and after a
 * reboot the kernel's entries are gone anyway. "-" when unknown. */
static const char *boot_id(void)
{
	static char id[40];
	FILE *f;

	if (id[0])
		return id;
	f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (!f || !fgets(id, sizeof(id), f) || !id[0])
		snprintf(id, sizeof(id), "-");
	if (f)
		fclose(f);
	id[strcspn(id, "\n ")] = '\0';
	if (!id[0])
		snprintf(id, sizeof(id), "-");
	return id;
}

struct save_ctx {
	struct sbuf *b;
	const struct natport_state_src *src;
	unsigned int records;
};

/* What every session has: its own line, its mappings, its streams. */
static void save_session(struct save_ctx *x, const struct natport_session *s)
{
	struct sbuf *b = x->b;

	sb_printf(b, "session %llu %d %d %llu %llu", (unsigned long long)s->id,
		  s->kind, s->state, (unsigned long long)s->created_ms,
		  (unsigned long long)s->active_ms);
	sb_ep(b, &s->client);
	sb_str(b, s->key);
	sb_put(b, "\n", 1);
	x->records++;
	for (unsigned int i = 0; i < s->n_maps; i++) {
		struct natport_mapping m;

		if (natport_pm_lookup(x->src->pm, s->maps[i], &m))
			continue;
		sb_printf(b, "map %u %d %d", m.id, m.type, m.state);
		sb_ep(b, &m.internal);
		sb_ep(b, &m.external);
		sb_ep(b, &m.remote);
		sb_put(b, "\n", 1);
		x->records++;
	}
	for (unsigned int i = 0; i < s->n_streams; i++) {
		const struct natport_session_stream *st = &s->streams[i];

		sb_printf(b, "stream");
		sb_str(b, st->media);
		sb_printf(b, " %d %d %d %d %u %u %d %d %u", st->disabled,
			  st->rtcp_mux, st->hold, st->dir, st->rtp_id,
			  st->rtcp_id, st->remote_hold, st->payload_type,
			  st->clock_rate);
		sb_ep(b, &st->internal_rtp);
		sb_ep(b, &st->internal_rtcp);
		sb_ep(b, &st->external_rtp);
		sb_ep(b, &st->external_rtcp);
		sb_ep(b, &st->remote_rtp);
		sb_ep(b, &st->remote_rtcp);
		sb_put(b, "\n", 1);
		x->records++;
	}
}

static int save_call(struct natport_call *c, void *arg)
{
	struct save_ctx *x = arg;
	struct sbuf *b = x->b;

	if (!c->sess)
		return 0;
	save_session(x, c->sess);
	sb_printf(b, "sip");
	sb_str(b, c->call_id);
	sb_str(b, c->from);
	sb_str(b, c->to);
	sb_printf(b, " %d %d", c->caller_side, c->offer_side);
	sb_str(b, c->invite_cseq);
	sb_str(b, c->offer_cseq);
	sb_str(b, c->lan_contact);
	sb_ep(b, &c->lan_party);
	sb_ep(b, &c->lan_contact_ep);
	sb_printf(b, " %llu %u", (unsigned long long)c->refused_ms, c->n_tags);
	for (unsigned int i = 0; i < c->n_tags; i++)
		sb_str(b, c->tags[i]);
	sb_put(b, "\n", 1);
	x->records++;
	return 0;
}

static void sb_hex(struct sbuf *b, const uint8_t *p, size_t n)
{
	char h[3];

	sb_put(b, " ", 1);
	for (size_t i = 0; i < n; i++) {
		snprintf(h, sizeof(h), "%02x", p[i]);
		sb_put(b, h, 2);
	}
}

static void save_lease(struct save_ctx *x, const struct natport_pcplease *l)
{
	struct sbuf *b = x->b;

	sb_printf(b, "pcp " REC_VERSION " %u %u %u %u", l->id, l->owner,
		  l->kind, l->protocol);
	sb_hex(b, l->nonce, sizeof(l->nonce));
	sb_ep(b, &l->internal);
	sb_ep(b, &l->external);
	sb_ep(b, &l->client);
	sb_ep(b, &l->peer);
	sb_printf(b, " %u %llu %llu %llu %u", l->partner,
		  (unsigned long long)l->map_until_ms,
		  (unsigned long long)l->peer_until_ms,
		  (unsigned long long)l->created_ms, l->n_filters);
	for (unsigned int i = 0; i < l->n_filters; i++) {
		sb_printf(b, " %u", l->filters[i].prefix_len);
		sb_ep(b, &l->filters[i].remote);
	}
	sb_put(b, "\n", 1);
	x->records++;
}

static void save_ng(struct save_ctx *x, const struct natport_ng_call_state *c)
{
	struct sbuf *b = x->b;

	sb_printf(b, "ng " REC_VERSION);
	sb_str(b, c->call_id);
	sb_printf(b, " %lld %lld %d %d %u\n", (long long)c->created,
		  (long long)c->last_signal, c->delete_pending, c->delete_why,
		  c->n_tags);
	x->records++;
	for (unsigned int i = 0; i < c->n_tags; i++) {
		const struct natport_ng_tag_state *t = &c->tags[i];

		sb_printf(b, "ngtag " REC_VERSION);
		sb_str(b, t->tag);
		sb_printf(b, " %d", t->side);
		sb_ep(b, &t->src);
		sb_printf(b, " %lld %u", (long long)t->created, t->n_protos);
		for (unsigned int k = 0; k < t->n_protos; k++)
			sb_str(b, t->protos[k]);
		sb_put(b, "\n", 1);
		x->records++;
	}
}

/* The sessions of the other front ends (SIP's go with their calls). */
static int save_other(struct natport_session *s, void *arg)
{
	struct save_ctx *x = arg;
	struct natport_pcplease l;
	/* one at a time, on the loop's thread: not on the stack (17 KB) */
	static struct natport_ng_call_state ng;

	switch (s->kind) {
	case NATPORT_SESSION_STATIC:
		save_session(x, s);
		sb_printf(x->b, "static " REC_VERSION "\n");
		x->records++;
		break;
	case NATPORT_SESSION_PCP:
		if (natport_pcp_server_lease_save(x->src->pcp, s, &l))
			break;
		save_session(x, s);
		save_lease(x, &l);
		break;
	case NATPORT_SESSION_NG:
		if (natport_ng_call_save(x->src->ng, s, &ng))
			break;
		save_session(x, s);
		save_ng(x, &ng);
		break;
	default:
		break;
	}
	return 0;
}

static int save_binding(const struct natport_binding *bd, void *arg)
{
	struct save_ctx *x = arg;

	sb_printf(x->b, "binding");
	sb_str(x->b, bd->user);
	sb_str(x->b, bd->contact);
	sb_ep(x->b, &bd->addr);
	sb_printf(x->b, " %llu\n", (unsigned long long)bd->expires_ms);
	x->records++;
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int natport_state_save(const char *path, const struct natport_state_src *src,
		       uint64_t now_ms, char *err, size_t errlen)
{
	/* kept between saves: one buffer as large as the largest state,
	 * not a fresh one five times a second */
	static struct sbuf b;
	struct save_ctx x = { .b = &b, .src = src };
	char tmp[300], dir[300], *slash;
	int fd, dfd, ret = -1;

	b.n = 0;
	b.oom = 0;
	/* version, monotonic now, boot id, wall clock now (see rebase()) */
	sb_printf(&b, "%s %d %llu %s %llu\n", STATE_MAGIC, STATE_VERSION,
		  (unsigned long long)now_ms, boot_id(),
		  (unsigned long long)wall_ms());
	if (src->secret) {
		sb_printf(&b, "secret %016llx\n",
			  (unsigned long long)*src->secret);
		x.records++;
	}
	if (src->calls)
		natport_call_walk(src->calls, save_call, &x);
	natport_session_walk(src->sessions, save_other, &x);
	if (src->reg)
		natport_registrar_foreach(src->reg, save_binding, &x);
	sb_printf(&b, "end %u %08x\n", x.records,
		  crc32_update(0, b.p ? b.p : "", b.n));
	if (b.oom) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (write_all(fd, b.p, b.n) || fsync(fd)) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path)) {
		snprintf(err, errlen, "rename to %s: %s", path,
			 strerror(errno));
		unlink(tmp);
		goto out;
	}
	/* the rename itself must reach the disk before we count on it */
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	ret = 0;
out:
	return ret;
}

/* --- loading ---------------------------------------------------------- */

static void unescape(char *s)
{
	char *o = s;

	if (!strcmp(s, "-")) {
		*s = '\0';
		return;
	}
	for (; *s; s++) {
		unsigned int v;

		if (*s == '%' && sscanf(s + 1, "%2x", &v) == 1) {
			*o++ = (char)v;
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* Split a line into at most max fields (in place). */
static unsigned int split(char *line, char **f, unsigned int max)
{
	unsigned int n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(line, " ", &save); t && n < max;
	     t = strtok_r(NULL, " ", &save))
		f[n++] = t;
	return n;
}

static int ep_parse(const char *s, struct natport_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (!strcmp(s, "-")) {
		ep->family = AF_UNSPEC;
		return 0;
	}
	return natport_endpoint_parse(s, ep);
}

struct load_ctx {
	const struct natport_state_src *src;
	struct natport_state_result *res;
	struct natport_session *s;
	int owned; /* its front end took it back (a sip/static/pcp/ng line) */
	struct natport_call *c;
	struct natport_ng_call_state *ng; /* an ng record being read */
	uint64_t now_ms;
	int64_t shift; /* added to the file's times, see rebase() */
	unsigned int nmaps;
	struct natport_mapping maps[NATPORT_SESSION_MAX_MAPS];
};

/* The file's times are the saver's CLOCK_MONOTONIC: another clock when
 * the saver was the other router of an HA pair (its backup reads the
 * file the master pushed) or ran before a reboot. Left as they are, a
 * call in setup would look older than invite-timeout (or born in the
 * future) and every binding expired or far too long-lived. The header
 * gives the saver's monotonic and wall clocks at the save: each time
 * moves by what makes the saver's "now" ours minus the wall time passed
 * since. On one router without a reboot that shift is about 0. A file
 * without the wall clock (an older nat-portd) is read unshifted. 0 stays
 * 0 (unset); nothing moves below 1. */
static uint64_t rebase(const struct load_ctx *x, uint64_t t)
{
	if (!t)
		return 0;
	if (x->shift < 0 && (uint64_t)-x->shift >= t)
		return 1;
	return t + (uint64_t)x->shift;
}

/* The shift rebase() adds, from the header's saver clocks (wall 0: a
 * file without it, read unshifted). */
static int64_t clock_shift(uint64_t mono, uint64_t wall, uint64_t now_ms)
{
	uint64_t w = wall_ms(), passed;

	if (!wall)
		return 0;
	/* a wall clock set back since: no time passed */
	passed = w > wall ? w - wall : 0;
	return (int64_t)(now_ms - passed) - (int64_t)mono;
}

/* RTP statistics (the optional module): its streams outlived the daemon
 * with their counters; registering them again with replace takes them
 * over, statistics kept (natport_rtp.h), so untracking at the call's end
 * logs the whole call's figures and removes them. */
static void rtp_again(struct load_ctx *x, const struct natport_session *s)
{
	struct natport_quality *q =
		natport_session_table_quality(x->src->sessions);

	if (!natport_quality_available(q))
		return;
	for (unsigned int i = 0; i < s->n_streams; i++) {
		const struct natport_session_stream *st = &s->streams[i];
		struct natport_mapping m;

		if (!st->rtp_id || st->payload_type < 0 || !st->clock_rate ||
		    natport_pm_lookup(x->src->pm, st->rtp_id, &m) ||
		    m.state != NATPORT_MAP_ACTIVE)
			continue;
		natport_quality_track(q, st->rtp_id, st->payload_type,
				      st->clock_rate);
		x->res->rtp_streams++;
	}
}

/* The session's records are all read: claim its mappings, own them. */
static void finish_session(struct load_ctx *x)
{
	struct natport_session *s = x->s;
	unsigned int owned_maps = 0;

	if (!s)
		return;
	if (x->ng) { /* its tags are read now: the call comes back whole */
		if (natport_ng_call_restore(x->src->ng, s, x->ng) == 0)
			x->owned = 1;
		free(x->ng);
		x->ng = NULL;
	}
	for (unsigned int i = 0; i < x->nmaps && x->owned; i++) {
		struct natport_mapping *m = &x->maps[i], cur;

		/* an operator's mapping is marked as such, not by session:
		 * calls and nat-portctl tell it apart by that owner */
		m->owner = s->kind == NATPORT_SESSION_STATIC ?
				   NATPORT_CTL_OWNER_STATIC :
				   s->id;
		if (natport_pm_adopt(x->src->pm, m, NULL) &&
		    (natport_pm_lookup(x->src->pm, m->id, &cur) ||
		     !natport_endpoint_equal(&cur.external, &m->external))) {
			x->res->failed++;
			continue;
		}
		if (natport_session_own(x->src->sessions, s, m->id) == 0) {
			x->res->mappings++;
			owned_maps++;
		}
	}
	/* a stream whose mapping could not be had loses it */
	for (unsigned int i = 0; i < s->n_streams; i++) {
		struct natport_session_stream *st = &s->streams[i];

		if (st->rtp_id && !natport_session_owns(s, st->rtp_id))
			st->rtp_id = 0;
		if (st->rtcp_id && !natport_session_owns(s, st->rtcp_id))
			st->rtcp_id = 0;
	}
	if (!x->owned ||
	    /* a lease or a static mapping is its one mapping */
	    ((s->kind == NATPORT_SESSION_STATIC ||
	      s->kind == NATPORT_SESSION_PCP) &&
	     !owned_maps)) {
		/* nobody could end it, or nothing left to keep */
		natport_session_end(x->src->sessions, s, NATPORT_END_SHUTDOWN);
	} else {
		rtp_again(x, s);
		natport_session_announce(x->src->sessions, s);
		x->res->sessions++;
		x->res->kinds[s->kind]++;
	}
	x->s = NULL;
	x->c = NULL;
	x->owned = 0;
	x->nmaps = 0;
}

static char *dup_or_null(const char *s)
{
	return *s ? strdup(s) : NULL;
}

/* Can this instance take a session of kind back at all? */
static int kind_restorable(const struct natport_state_src *src, int kind)
{
	switch (kind) {
	case NATPORT_SESSION_SIP:
		return src->calls != NULL;
	case NATPORT_SESSION_STATIC:
		return 1;
	case NATPORT_SESSION_PCP:
		return src->pcp != NULL;
	case NATPORT_SESSION_NG:
		return src->ng != NULL;
	}
	return 0;
}

static int hex_parse(const char *s, uint8_t *p, size_t n)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned int v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		p[i] = (uint8_t)v;
	}
	return 0;
}

/* pcp 1 ID OWNER KIND PROTO NONCE INTERNAL EXTERNAL CLIENT PEER PARTNER
 *       MAP_UNTIL PEER_UNTIL CREATED NFILTERS [PREFIX REMOTE]... */
static void load_lease(struct load_ctx *x, char **f, unsigned int n)
{
	struct natport_pcplease l;

	memset(&l, 0, sizeof(l));
	if (n < 16 || strcmp(f[1], REC_VERSION))
		return;
	l.id = strtoul(f[2], NULL, 10);
	l.owner = (uint8_t)atoi(f[3]);
	l.kind = (uint8_t)atoi(f[4]);
	l.protocol = (uint8_t)atoi(f[5]);
	if (hex_parse(f[6], l.nonce, sizeof(l.nonce)) ||
	    ep_parse(f[7], &l.internal) || ep_parse(f[8], &l.external) ||
	    ep_parse(f[9], &l.client) || ep_parse(f[10], &l.peer))
		return;
	l.partner = strtoul(f[11], NULL, 10);
	l.map_until_ms = strtoull(f[12], NULL, 10);
	l.peer_until_ms = strtoull(f[13], NULL, 10);
	l.created_ms = strtoull(f[14], NULL, 10);
	l.n_filters = strtoul(f[15], NULL, 10);
	if (l.n_filters > NATPORT_PCP_MAX_FILTERS || n < 16 + 2 * l.n_filters)
		return;
	for (unsigned int i = 0; i < l.n_filters; i++) {
		l.filters[i].prefix_len = (uint8_t)atoi(f[16 + 2 * i]);
		if (ep_parse(f[17 + 2 * i], &l.filters[i].remote))
			return;
	}
	if (natport_pcp_server_lease_restore(x->src->pcp, x->s, &l) == 0)
		x->owned = 1;
}

/* ng 1 CALL-ID CREATED LAST_SIGNAL DELETE_PENDING DELETE_WHY NTAGS, then
 * NTAGS lines: ngtag 1 TAG SIDE SRC CREATED NPROTOS PROTO... */
static void load_ng(struct load_ctx *x, char **f, unsigned int n)
{
	struct natport_ng_call_state *c;

	if (n < 8 || strcmp(f[1], REC_VERSION) || x->ng)
		return;
	c = calloc(1, sizeof(*c));
	if (!c)
		return;
	unescape(f[2]);
	snprintf(c->call_id, sizeof(c->call_id), "%s", f[2]);
	c->created = strtoll(f[3], NULL, 10);
	c->last_signal = strtoll(f[4], NULL, 10);
	c->delete_pending = atoi(f[5]);
	c->delete_why = atoi(f[6]);
	/* n_tags counts the ngtag lines read, not what this line says */
	x->ng = c;
}

static void load_ngtag(struct load_ctx *x, char **f, unsigned int n)
{
	struct natport_ng_call_state *c = x->ng;
	struct natport_ng_tag_state *t;
	unsigned int np;

	if (!c || n < 7 || strcmp(f[1], REC_VERSION) ||
	    c->n_tags >= NATPORT_NG_TAGS)
		return;
	t = &c->tags[c->n_tags];
	memset(t, 0, sizeof(*t));
	unescape(f[2]);
	snprintf(t->tag, sizeof(t->tag), "%s", f[2]);
	t->side = atoi(f[3]);
	if (ep_parse(f[4], &t->src))
		return;
	t->created = strtoll(f[5], NULL, 10);
	np = strtoul(f[6], NULL, 10);
	for (unsigned int k = 0;
	     k < np && k < NATPORT_SESSION_MAX_STREAMS && 7 + k < n; k++) {
		unescape(f[7 + k]);
		snprintf(t->protos[k], sizeof(t->protos[k]), "%s", f[7 + k]);
		t->n_protos = k + 1;
	}
	c->n_tags++;
}

static void load_line(struct load_ctx *x, char *line)
{
	char *f[16 + 2 * NATPORT_PCP_MAX_FILTERS + NATPORT_CALL_MAX_TAGS +
		NATPORT_SESSION_MAX_STREAMS];
	unsigned int n = split(line, f, sizeof(f) / sizeof(f[0]));

	if (!n)
		return;
	if (!strcmp(f[0], "secret") && n >= 2 && x->src->secret) {
		*x->src->secret = strtoull(f[1], NULL, 16);
	} else if (!strcmp(f[0], "session") && n >= 8) {
		unsigned long long id = strtoull(f[1], NULL, 10);
		int kind = atoi(f[2]);

		finish_session(x);
		if (!kind_restorable(x->src, kind))
			return; /* its entries are left to the grace */
		unescape(f[7]);
		x->s = natport_session_restore(x->src->sessions, id, kind, f[7],
					       x->now_ms);
		if (!x->s)
			return;
		x->s->state = atoi(f[3]);
		x->s->created_ms = rebase(x, strtoull(f[4], NULL, 10));
		x->s->active_ms = rebase(x, strtoull(f[5], NULL, 10));
		ep_parse(f[6], &x->s->client);
	} else if (!strcmp(f[0], "map") && n >= 7 && x->s &&
		   x->nmaps < NATPORT_SESSION_MAX_MAPS) {
		struct natport_mapping *m = &x->maps[x->nmaps];

		memset(m, 0, sizeof(*m));
		m->id = strtoul(f[1], NULL, 10);
		m->type = atoi(f[2]);
		m->state = atoi(f[3]);
		if (!ep_parse(f[4], &m->internal) &&
		    !ep_parse(f[5], &m->external) &&
		    !ep_parse(f[6], &m->remote))
			x->nmaps++;
	} else if (!strcmp(f[0], "stream") && n >= 17 && x->s &&
		   x->s->n_streams < NATPORT_SESSION_MAX_STREAMS) {
		struct natport_session_stream *st =
			&x->s->streams[x->s->n_streams];

		memset(st, 0, sizeof(*st));
		unescape(f[1]);
		snprintf(st->media, sizeof(st->media), "%s", f[1]);
		st->disabled = atoi(f[2]);
		st->rtcp_mux = atoi(f[3]);
		st->hold = atoi(f[4]);
		st->dir = atoi(f[5]);
		st->rtp_id = strtoul(f[6], NULL, 10);
		st->rtcp_id = strtoul(f[7], NULL, 10);
		st->remote_hold = atoi(f[8]);
		st->payload_type = atoi(f[9]);
		st->clock_rate = strtoul(f[10], NULL, 10);
		if (ep_parse(f[11], &st->internal_rtp) ||
		    ep_parse(f[12], &st->internal_rtcp) ||
		    ep_parse(f[13], &st->external_rtp) ||
		    ep_parse(f[14], &st->external_rtcp) ||
		    ep_parse(f[15], &st->remote_rtp) ||
		    ep_parse(f[16], &st->remote_rtcp))
			return;
		x->s->n_streams++;
	} else if (!strcmp(f[0], "sip") && n >= 13 && x->s && !x->owned &&
		   x->s->kind == NATPORT_SESSION_SIP) {
		struct natport_call *c;
		unsigned int ntags;

		for (unsigned int i = 1; i < n; i++)
			if (i != 4 && i != 5 && i != 9 && i != 10 && i != 11 &&
			    i != 12)
				unescape(f[i]);
		c = natport_call_new(x->src->calls, f[1]);
		if (!c)
			return;
		c->sess = x->s;
		x->s->owner = c;
		x->s->ops = &natport_call_session_ops;
		snprintf(c->from, sizeof(c->from), "%s", f[2]);
		snprintf(c->to, sizeof(c->to), "%s", f[3]);
		c->caller_side = atoi(f[4]);
		c->offer_side = atoi(f[5]);
		c->invite_cseq = dup_or_null(f[6]);
		c->offer_cseq = dup_or_null(f[7]);
		c->lan_contact = dup_or_null(f[8]);
		ep_parse(f[9], &c->lan_party);
		ep_parse(f[10], &c->lan_contact_ep);
		c->refused_ms = rebase(x, strtoull(f[11], NULL, 10));
		ntags = strtoul(f[12], NULL, 10);
		for (unsigned int i = 0; i < ntags && 13 + i < n; i++)
			natport_call_tag_add(c, f[13 + i]);
		x->c = c;
		x->owned = 1;
	} else if (!strcmp(f[0], "static") && n >= 2 && x->s && !x->owned &&
		   x->s->kind == NATPORT_SESSION_STATIC) {
		/* no owner state: the session and its mapping are all */
		x->owned = !strcmp(f[1], REC_VERSION);
	} else if (!strcmp(f[0], "pcp") && x->s && !x->owned &&
		   x->s->kind == NATPORT_SESSION_PCP) {
		load_lease(x, f, n);
	} else if (!strcmp(f[0], "ng") && x->s && !x->owned &&
		   x->s->kind == NATPORT_SESSION_NG) {
		load_ng(x, f, n);
	} else if (!strcmp(f[0], "ngtag") && x->s && x->ng) {
		load_ngtag(x, f, n);
	} else if (!strcmp(f[0], "binding") && n >= 5 && x->src->reg) {
		struct natport_endpoint addr;
		uint64_t exp = rebase(x, strtoull(f[4], NULL, 10));

		finish_session(x);
		unescape(f[1]);
		unescape(f[2]);
		if (ep_parse(f[3], &addr) || exp <= x->now_ms)
			return;
		if (natport_registrar_update(
			    x->src->reg, f[1], f[2], &addr,
			    (uint32_t)((exp - x->now_ms) / 1000) + 1,
			    x->now_ms) == 0)
			x->res->bindings++;
	}
}

/* The first line: "natport-state VERSION NOW_MS [BOOT_ID [WALL_MS]]"
 * (version 1 had neither). A file from another boot is read: its times
 * are rebased by the wall clock (an HA backup reads its master's file;
 * after a reboot the kernel's entries are gone, so nothing it names can
 * be claimed back and nothing is restored). 0, or -1 with why in err. */
static int check_header(const char *buf, uint64_t *mono, uint64_t *wall,
			char *err, size_t errlen)
{
	char boot[40] = "";
	unsigned long long t, w = 0;
	int v;

	if (strncmp(buf, STATE_MAGIC " ", strlen(STATE_MAGIC) + 1) ||
	    sscanf(buf + strlen(STATE_MAGIC) + 1, "%d %llu %39s %llu", &v, &t,
		   boot, &w) < 2) {
		snprintf(err, errlen, "not a natport state file");
		return -1;
	}
	if (v < 1 || v > STATE_VERSION) {
		snprintf(err, errlen,
			 "version %d, this nat-portd reads versions 1 to %d "
			 "(written by a newer one?)",
			 v, STATE_VERSION);
		return -1;
	}
	if (v >= 2 && *boot && strcmp(boot, "-") && strcmp(boot, boot_id()))
		log_info("state file written by another boot or router "
			 "(boot id %s): its times rebased by the wall clock",
			 boot);
	*mono = t;
	*wall = v >= 2 ? w : 0;
	return 0;
}

int natport_state_load(const char *path, const struct natport_state_src *src,
		       uint64_t now_ms, struct natport_state_result *res,
		       char *err, size_t errlen)
{
	struct load_ctx *x;
	char *buf, *end, *line, *next;
	unsigned int records = 0, want;
	uint64_t mono = 0, wall = 0;
	uint32_t crc;
	struct stat sb;
	size_t n = 0;
	ssize_t r;
	int fd;

	memset(res, 0, sizeof(*res));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) || sb.st_size > (off_t)MAX_STATE) {
		close(fd);
		snprintf(err, errlen, "larger than %u bytes", MAX_STATE);
		return -1;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (n < (size_t)sb.st_size &&
	       (r = read(fd, buf + n, (size_t)sb.st_size - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = '\0';
	if (n == 0) {
		free(buf);
		snprintf(err, errlen, "empty");
		return -1;
	}
	if (check_header(buf, &mono, &wall, err, errlen)) {
		free(buf);
		return -1;
	}
	/* the check line: the last one, "end COUNT CRC" over what precedes */
	if (n < 2 || buf[n - 1] != '\n') {
		free(buf);
		snprintf(err, errlen, "truncated (no final line)");
		return -1;
	}
	buf[n - 1] = '\0';
	end = strrchr(buf, '\n');
	if (!end || sscanf(end + 1, "end %u %x", &want, &crc) != 2) {
		free(buf);
		snprintf(err, errlen, "truncated (no end record)");
		return -1;
	}
	if (crc32_update(0, buf, (size_t)(end + 1 - buf)) != crc) {
		free(buf);
		snprintf(err, errlen, "checksum mismatch (corrupted)");
		return -1;
	}
	*end = '\0';
	x = calloc(1, sizeof(*x));
	if (!x) {
		free(buf);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	x->src = src;
	x->res = res;
	x->now_ms = now_ms;
	x->shift = clock_shift(mono, wall, now_ms);
	line = strchr(buf, '\n');
	for (line = line ? line + 1 : NULL; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		load_line(x, line);
		records++;
	}
	finish_session(x);
	free(x->ng);
	free(x);
	free(buf);
	/* the leases own their mappings now: their kernel side again */
	natport_pcp_server_resume(src->pcp);
	if (records != want) {
		snprintf(err, errlen, "%u records, the end line says %u",
			 records, want);
		return -1;
	}
	return (int)res->sessions;
}
