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

#include <natport/natport.h>

#include "core/session.h"
#include "core/state.h"
#include "sip/dialog.h"
#include "sip/registrar.h"

#define STATE_MAGIC "natport-state 1"
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

struct save_ctx {
	struct sbuf *b;
	const struct natport_state_src *src;
	unsigned int records;
};

static int save_call(struct natport_call *c, void *arg)
{
	struct save_ctx *x = arg;
	struct sbuf *b = x->b;
	struct natport_session *s = c->sess;

	if (!s)
		return 0;
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
	sb_printf(&b, "%s %llu %llu\n", STATE_MAGIC, (unsigned long long)now_ms,
		  (unsigned long long)wall_ms());
	if (src->secret) {
		sb_printf(&b, "secret %016llx\n",
			  (unsigned long long)*src->secret);
		x.records++;
	}
	if (src->calls)
		natport_call_walk(src->calls, save_call, &x);
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
	struct natport_call *c;
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

/* The shift rebase() adds, from the header's rest: " MONO WALL". */
static int64_t clock_shift(const char *hdr, uint64_t now_ms)
{
	unsigned long long mono, wall;
	uint64_t w = wall_ms(), passed;

	if (sscanf(hdr, " %llu %llu", &mono, &wall) != 2)
		return 0;
	/* a wall clock set back since: no time passed */
	passed = w > wall ? w - (uint64_t)wall : 0;
	return (int64_t)(now_ms - passed) - (int64_t)mono;
}

/* The session's records are all read: claim its mappings, own them. */
static void finish_session(struct load_ctx *x)
{
	struct natport_session *s = x->s;

	if (!s)
		return;
	for (unsigned int i = 0; i < x->nmaps; i++) {
		struct natport_mapping *m = &x->maps[i], cur;

		m->owner = s->id;
		if (natport_pm_adopt(x->src->pm, m, NULL) &&
		    (natport_pm_lookup(x->src->pm, m->id, &cur) ||
		     !natport_endpoint_equal(&cur.external, &m->external))) {
			x->res->failed++;
			continue;
		}
		if (natport_session_own(x->src->sessions, s, m->id) == 0)
			x->res->mappings++;
	}
	/* a stream whose mapping could not be had loses it */
	for (unsigned int i = 0; i < s->n_streams; i++) {
		struct natport_session_stream *st = &s->streams[i];

		if (st->rtp_id && !natport_session_owns(s, st->rtp_id))
			st->rtp_id = 0;
		if (st->rtcp_id && !natport_session_owns(s, st->rtcp_id))
			st->rtcp_id = 0;
	}
	if (!x->c) { /* no SIP record: nobody could end it */
		natport_session_end(x->src->sessions, s, NATPORT_END_SHUTDOWN);
	} else {
		natport_session_announce(x->src->sessions, s);
		x->res->sessions++;
	}
	x->s = NULL;
	x->c = NULL;
	x->nmaps = 0;
}

static char *dup_or_null(const char *s)
{
	return *s ? strdup(s) : NULL;
}

static void load_line(struct load_ctx *x, char *line)
{
	char *f[16 + NATPORT_CALL_MAX_TAGS];
	unsigned int n = split(line, f, sizeof(f) / sizeof(f[0]));

	if (!n)
		return;
	if (!strcmp(f[0], "secret") && n >= 2 && x->src->secret) {
		*x->src->secret = strtoull(f[1], NULL, 16);
	} else if (!strcmp(f[0], "session") && n >= 8) {
		unsigned long long id = strtoull(f[1], NULL, 10);
		int kind = atoi(f[2]);

		finish_session(x);
		if (kind != NATPORT_SESSION_SIP || !x->src->calls)
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
	} else if (!strcmp(f[0], "sip") && n >= 13 && x->s && !x->c) {
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

int natport_state_load(const char *path, const struct natport_state_src *src,
		       uint64_t now_ms, struct natport_state_result *res,
		       char *err, size_t errlen)
{
	struct load_ctx *x;
	char *buf, *end, *line, *next;
	unsigned int records = 0, want;
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
	if (strncmp(buf, STATE_MAGIC " ", strlen(STATE_MAGIC) + 1)) {
		free(buf);
		snprintf(err, errlen, "not a natport state file (version 1)");
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
	x->shift = clock_shift(buf + strlen(STATE_MAGIC), now_ms);
	line = strchr(buf, '\n');
	for (line = line ? line + 1 : NULL; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		load_line(x, line);
		records++;
	}
	finish_session(x);
	free(x);
	free(buf);
	if (records != want) {
		snprintf(err, errlen, "%u records, the end line says %u",
			 records, want);
		return -1;
	}
	return (int)res->sessions;
}
