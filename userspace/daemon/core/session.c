// SPDX-License-Identifier: GPL-2.0-or-later
/* session.c - the session table: a list in age order, a hash on the id,
 * and the reference counts of the mappings sessions own. */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/quality.h"
#include "core/quota.h"
#include "core/session.h"

#define BUCKETS 4096 /* a power of two */
#define session_of(l) natport_container_of(l, struct natport_session, age)

struct natport_session_table {
	struct natport_pm *pm;
	struct natport_quota *quota;
	struct natport_quality *q;
	struct natport_list age; /* oldest first */
	struct natport_hnode *b[BUCKETS];
	unsigned int count[__NATPORT_SESSION_KIND_MAX];
	uint64_t serial, ended[__NATPORT_END_MAX];
	uint16_t *refs; /* by mapping id: sessions that own it */
	uint32_t nrefs;
	natport_session_hook_fn hook;
	void *hook_arg;
	int keep; /* a stop that keeps the calls: release nothing */
};

struct natport_session_table *natport_session_table_new(struct natport_pm *pm,
							struct natport_quota *q)
{
	struct natport_session_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->pm = pm;
	t->quota = q;
	natport_list_init(&t->age);
	return t;
}

void natport_session_table_free(struct natport_session_table *t)
{
	if (!t)
		return;
	while (!natport_list_empty(&t->age))
		natport_session_end(t, session_of(t->age.next),
				    NATPORT_END_SHUTDOWN);
	free(t->refs);
	free(t);
}

void natport_session_table_keep(struct natport_session_table *t)
{
	t->keep = 1;
}

void natport_session_table_set_hook(struct natport_session_table *t,
				    natport_session_hook_fn fn, void *arg)
{
	t->hook = fn;
	t->hook_arg = arg;
}

void natport_session_table_set_quality(struct natport_session_table *t,
				       struct natport_quality *q)
{
	t->q = q;
}

struct natport_quality *
natport_session_table_quality(const struct natport_session_table *t)
{
	return t->q;
}

struct natport_quota *
natport_session_table_quota(const struct natport_session_table *t)
{
	return t->quota;
}

static void emit(struct natport_session_table *t,
		 enum natport_session_event ev, const struct natport_session *s)
{
	if (t->hook)
		t->hook(ev, s, t->hook_arg);
}

static unsigned int bucket(uint64_t id)
{
	return (unsigned int)(id * 0x9e3779b97f4a7c15ull >> 40) & (BUCKETS - 1);
}

static struct natport_session *
session_new(struct natport_session_table *t, uint64_t restore_id,
	    enum natport_session_kind kind, const char *key,
	    const struct natport_session_ops *ops, void *owner, uint64_t now_ms)
{
	struct natport_session *s = calloc(1, sizeof(*s));
	unsigned int b;

	if (!s)
		return NULL;
	s->key = strdup(key ? key : "");
	if (!s->key) {
		free(s);
		return NULL;
	}
	s->id = restore_id ? restore_id : ++t->serial;
	if (s->id > t->serial)
		t->serial = s->id; /* later sessions never take a restored id */
	s->kind = kind;
	s->ops = ops;
	s->owner = owner;
	s->client.family = AF_UNSPEC;
	s->state = NATPORT_SESSION_SETUP;
	s->created_ms = s->last_activity_ms = s->media_check_ms = now_ms;
	b = bucket(s->id);
	natport_hnode_add(&s->hash, &t->b[b]);
	natport_list_add_tail(&s->age, &t->age);
	t->count[kind]++;
	return s;
}

struct natport_session *
natport_session_new(struct natport_session_table *t,
		    enum natport_session_kind kind, const char *key,
		    const struct natport_session_ops *ops, void *owner,
		    uint64_t now_ms)
{
	return session_new(t, 0, kind, key, ops, owner, now_ms);
}

struct natport_session *
natport_session_restore(struct natport_session_table *t, uint64_t id,
			enum natport_session_kind kind, const char *key,
			uint64_t now_ms)
{
	if (!id || natport_session_find(t, id))
		return NULL;
	return session_new(t, id, kind, key, NULL, NULL, now_ms);
}

void natport_session_announce(struct natport_session_table *t,
			      const struct natport_session *s)
{
	emit(t, NATPORT_SESSION_EV_NEW, s);
}

static void unlink_session(struct natport_session_table *t,
			   struct natport_session *s)
{
	natport_hnode_del(&s->hash);
	natport_list_del(&s->age);
	t->count[s->kind]--;
}

void natport_session_end(struct natport_session_table *t,
			 struct natport_session *s,
			 enum natport_session_end why)
{
	natport_session_release(t, s);
	s->end_reason = why;
	s->state = NATPORT_SESSION_ENDED;
	t->ended[(unsigned int)why < __NATPORT_END_MAX ? why : 0]++;
	if (!t->keep)
		log_debug("session %llu (%s %s) ended: %s",
			  (unsigned long long)s->id,
			  natport_session_kind_name(s->kind), s->key,
			  natport_session_end_name(s));
	emit(t, NATPORT_SESSION_EV_END, s);
	unlink_session(t, s);
	if (s->ops && s->ops->on_end)
		s->ops->on_end(s);
	free(s->key);
	free(s);
}

void natport_session_set_state(struct natport_session_table *t,
			       struct natport_session *s,
			       enum natport_session_state st, uint64_t now_ms)
{
	if (s->state == st || st == NATPORT_SESSION_ENDED)
		return; /* ENDED: only natport_session_end */
	s->state = st;
	if (st == NATPORT_SESSION_ACTIVE && !s->active_ms)
		s->active_ms = now_ms;
	emit(t, NATPORT_SESSION_EV_STATE, s);
}

void natport_session_media_changed(struct natport_session_table *t,
				   const struct natport_session *s)
{
	emit(t, NATPORT_SESSION_EV_MEDIA, s);
}

struct natport_session *natport_session_find(struct natport_session_table *t,
					     uint64_t id)
{
	struct natport_hnode *h;

	for (h = t->b[bucket(id)]; h; h = h->next) {
		struct natport_session *s =
			natport_container_of(h, struct natport_session, hash);

		if (s->id == id)
			return s;
	}
	return NULL;
}

struct natport_session *
natport_session_find_map(struct natport_session_table *t, uint32_t id)
{
	if (id >= t->nrefs || !t->refs[id])
		return NULL;
	struct natport_list *l, *n;

	natport_list_for_each_safe(l, n, &t->age)
		if (natport_session_owns(session_of(l), id))
			return session_of(l);
	return NULL;
}

int natport_session_walk(struct natport_session_table *t, natport_session_fn fn,
			 void *arg)
{
	struct natport_list *l, *n;
	int r;

	natport_list_for_each_safe(l, n, &t->age) {
		r = fn(session_of(l), arg);
		if (r)
			return r;
	}
	return 0;
}

unsigned int natport_session_count(const struct natport_session_table *t,
				   enum natport_session_kind kind)
{
	return (unsigned int)kind < __NATPORT_SESSION_KIND_MAX ?
		       t->count[kind] :
		       0;
}

uint64_t natport_session_ended(const struct natport_session_table *t,
			       enum natport_session_end why)
{
	return (unsigned int)why < __NATPORT_END_MAX ? t->ended[why] : 0;
}

/* --- mappings --------------------------------------------------------- */

static int ref(struct natport_session_table *t, uint32_t id)
{
	if (id >= t->nrefs) {
		uint32_t n = t->nrefs ? t->nrefs : 1024;
		uint16_t *r;

		while (n <= id)
			n *= 2;
		r = realloc(t->refs, n * sizeof(*r));
		if (!r)
			return -1;
		memset(r + t->nrefs, 0, (n - t->nrefs) * sizeof(*r));
		t->refs = r;
		t->nrefs = n;
	}
	t->refs[id]++;
	return 0;
}

static void unref(struct natport_session_table *t, uint32_t id,
		  const char *label)
{
	int err;

	if (id >= t->nrefs || !t->refs[id])
		return;
	if (--t->refs[id] || t->keep)
		return;
	natport_quality_untrack(t->q, id, label);
	err = natport_pm_release_id(t->pm, id);
	if (err)
		log_warnx("session: release of mapping %u: %s (%s)", id,
			  natport_strerror(err), natport_pm_last_error(t->pm));
}

int natport_session_owns(const struct natport_session *s, uint32_t id)
{
	for (unsigned int i = 0; i < s->n_maps; i++)
		if (s->maps[i] == id)
			return 1;
	return 0;
}

int natport_session_own(struct natport_session_table *t,
			struct natport_session *s, uint32_t id)
{
	if (natport_session_owns(s, id))
		return 0;
	if (s->n_maps == NATPORT_SESSION_MAX_MAPS ||
	    natport_quota_take(t->quota, &s->client)) {
		if (id >= t->nrefs || !t->refs[id])
			natport_pm_release_id(t->pm, id);
		return -1;
	}
	if (ref(t, id)) {
		natport_quota_put(t->quota, &s->client);
		if (id >= t->nrefs || !t->refs[id])
			natport_pm_release_id(t->pm, id);
		return -1;
	}
	s->maps[s->n_maps++] = id;
	return 0;
}

static void drop_at(struct natport_session_table *t, struct natport_session *s,
		    unsigned int i)
{
	unref(t, s->maps[i], s->key);
	natport_quota_put(t->quota, &s->client);
	s->maps[i] = s->maps[--s->n_maps];
}

void natport_session_drop(struct natport_session_table *t,
			  struct natport_session *s, uint32_t id)
{
	for (unsigned int i = 0; i < s->n_maps; i++) {
		if (s->maps[i] == id) {
			drop_at(t, s, i);
			return;
		}
	}
}

void natport_session_drop_stale(struct natport_session_table *t,
				struct natport_session *s)
{
	unsigned int i = 0, k;

	while (i < s->n_maps) {
		uint32_t id = s->maps[i];

		for (k = 0; k < s->n_streams; k++)
			if (s->streams[k].rtp_id == id ||
			    s->streams[k].rtcp_id == id)
				break;
		if (k == s->n_streams)
			drop_at(t, s, i);
		else
			i++;
	}
}

void natport_session_release(struct natport_session_table *t,
			     struct natport_session *s)
{
	while (s->n_maps)
		drop_at(t, s, s->n_maps - 1);
	for (unsigned int i = 0; i < s->n_streams; i++)
		s->streams[i].rtp_id = s->streams[i].rtcp_id = 0;
}

uint64_t natport_session_packets(struct natport_session_table *t,
				 const struct natport_session *s)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < s->n_maps; i++) {
		struct natport_counters k;

		if (!natport_pm_counters(t->pm, s->maps[i], &k))
			sum += k.pkts_in + k.pkts_out;
	}
	return sum;
}

/* --- names ------------------------------------------------------------ */

const char *natport_session_kind_name(enum natport_session_kind k)
{
	static const char *const n[] = { "sip", "static", "pcp", "ng" };

	return (unsigned int)k < __NATPORT_SESSION_KIND_MAX ? n[k] : "?";
}

const char *natport_session_state_neutral(enum natport_session_state st)
{
	static const char *const n[] = { "setup", "early", "active", "ended" };

	return (unsigned int)st < 4 ? n[st] : "?";
}

const char *natport_session_end_neutral(enum natport_session_end why)
{
	static const char *const n[] = {
		"none",	    "hangup",	"cancel",  "rejected",
		"setup-timeout", "idle-timeout", "refused", "operator",
		"expired",  "shutdown",
	};

	return (unsigned int)why < __NATPORT_END_MAX ? n[why] : "?";
}

const char *natport_session_state_name(const struct natport_session *s)
{
	return s->ops && s->ops->state_name ? s->ops->state_name(s->state) :
					      natport_session_state_neutral(s->state);
}

const char *natport_session_end_name(const struct natport_session *s)
{
	return s->ops && s->ops->end_name ? s->ops->end_name(s->end_reason) :
					    natport_session_end_neutral(s->end_reason);
}
