// SPDX-License-Identifier: GPL-2.0-or-later
/* dialog.c - the SIP call table: a hash on Call-ID plus a list in age
 * order, and how a SIP call presents itself as a session's owner. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sip/dialog.h"
#include "sip/msg.h"

struct natport_call_table {
	struct natport_hnode **buckets;
	unsigned int mask;
	unsigned int count, max;
	struct natport_list age; /* oldest first */
	uint64_t created, ended, full;
};

#define call_of_age(l) natport_container_of(l, struct natport_call, age)
#define call_of_hash(h) natport_container_of(h, struct natport_call, hash)

static unsigned int bucket(const struct natport_call_table *t, const char *id)
{
	return (unsigned int)natport_sip_hash(0xcbf29ce484222325ull, id) &
	       t->mask;
}

struct natport_call_table *natport_call_table_new(unsigned int max_calls)
{
	struct natport_call_table *t = calloc(1, sizeof(*t));
	unsigned int n = 1024;

	if (!t)
		return NULL;
	while (n < max_calls && n < (1u << 20))
		n <<= 1;
	t->buckets = calloc(n, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	t->mask = n - 1;
	t->max = max_calls;
	natport_list_init(&t->age);
	return t;
}

static void free_call(struct natport_call *c)
{
	free(c->call_id);
	free(c->caller_tag);
	free(c->invite_cseq);
	free(c->offer_cseq);
	free(c->lan_contact);
	for (unsigned int i = 0; i < c->n_tags; i++)
		free(c->tags[i]);
	free(c);
}

void natport_call_table_free(struct natport_call_table *t)
{
	struct natport_list *l, *n;

	if (!t)
		return;
	natport_list_for_each_safe(l, n, &t->age)
		free_call(call_of_age(l));
	free(t->buckets);
	free(t);
}

void natport_call_table_set_max(struct natport_call_table *t,
				unsigned int max_calls)
{
	t->max = max_calls;
}

struct natport_call *natport_call_find(struct natport_call_table *t,
				       const char *call_id)
{
	struct natport_hnode *h;

	for (h = t->buckets[bucket(t, call_id)]; h; h = h->next)
		if (!strcmp(call_of_hash(h)->call_id, call_id))
			return call_of_hash(h);
	return NULL;
}

struct natport_call *natport_call_find_leg(struct natport_call_table *t,
					   const char *call_id,
					   enum natport_side caller_side)
{
	struct natport_hnode *h;

	for (h = t->buckets[bucket(t, call_id)]; h; h = h->next) {
		struct natport_call *c = call_of_hash(h);

		if (!strcmp(c->call_id, call_id) &&
		    c->caller_side == caller_side)
			return c;
	}
	return NULL;
}

struct natport_call *natport_call_new(struct natport_call_table *t,
				      const char *call_id)
{
	struct natport_call *c;
	unsigned int b;

	if (t->count >= t->max) {
		t->full++;
		errno = ENOSPC;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->call_id = strdup(call_id);
	if (!c->call_id) {
		free(c);
		return NULL;
	}
	c->table = t;
	c->offer_side = -1;
	b = bucket(t, call_id);
	natport_hnode_add(&c->hash, &t->buckets[b]);
	natport_list_add_tail(&c->age, &t->age);
	t->count++;
	t->created++;
	return c;
}

void natport_call_setup_done(struct natport_call *c)
{
	if (c->limit)
		natport_srclimit_setup_end(c->limit, &c->setup_src);
	c->limit = NULL;
}

void natport_call_del(struct natport_call_table *t, struct natport_call *c)
{
	natport_hnode_del(&c->hash);
	natport_list_del(&c->age);
	t->count--;
	t->ended++;
	natport_call_setup_done(c);
	free_call(c);
}

int natport_call_tag_add(struct natport_call *c, const char *tag)
{
	for (unsigned int i = 0; i < c->n_tags; i++)
		if (!strcmp(c->tags[i], tag))
			return 0;
	if (c->n_tags == NATPORT_CALL_MAX_TAGS)
		return -1;
	c->tags[c->n_tags] = strdup(tag);
	if (!c->tags[c->n_tags])
		return -1;
	c->n_tags++;
	return 1;
}

int natport_call_tag_del(struct natport_call *c, const char *tag)
{
	for (unsigned int i = 0; i < c->n_tags; i++) {
		if (strcmp(c->tags[i], tag))
			continue;
		free(c->tags[i]);
		c->tags[i] = c->tags[--c->n_tags];
		return 1;
	}
	return 0;
}

int natport_call_walk(struct natport_call_table *t, natport_call_walk_fn fn,
		      void *arg)
{
	struct natport_list *l, *n;
	int r;

	natport_list_for_each_safe(l, n, &t->age) {
		r = fn(call_of_age(l), arg);
		if (r)
			return r;
	}
	return 0;
}

unsigned int natport_call_count(const struct natport_call_table *t)
{
	return t->count;
}

void natport_call_table_counters(const struct natport_call_table *t,
				 uint64_t *created, uint64_t *ended,
				 uint64_t *full)
{
	*created = t->created;
	*ended = t->ended;
	*full = t->full;
}

const char *natport_call_state_name(enum natport_session_state s)
{
	static const char *const n[] = { "trying", "early", "confirmed",
					 "ended" };

	return (unsigned int)s < 4 ? n[s] : "?";
}

const char *natport_call_end_name(enum natport_session_end e)
{
	static const char *const n[__NATPORT_END_MAX] = {
		[NATPORT_END_NONE] = "none",
		[NATPORT_END_HANGUP] = "bye",
		[NATPORT_END_CANCEL] = "cancel",
		[NATPORT_END_REJECTED] = "rejected",
		[NATPORT_END_SETUP_TIMEOUT] = "invite-timeout",
		[NATPORT_END_IDLE_TIMEOUT] = "idle-timeout",
		[NATPORT_END_REFUSED] = "refused",
		[NATPORT_END_OPERATOR] = "operator",
		[NATPORT_END_EXPIRED] = "expired",
		[NATPORT_END_SHUTDOWN] = "shutdown",
	};

	return (unsigned int)e < __NATPORT_END_MAX ? n[e] : "?";
}

const char *natport_side_name(enum natport_side s)
{
	return s == NATPORT_SIDE_LAN ? "lan" : "wan";
}

static unsigned int describe(const struct natport_session *s,
			     struct natport_session_field *f, unsigned int max)
{
	const struct natport_call *c = s->owner;

	if (max < 4)
		return 0;
	f[0] = (struct natport_session_field){ "call_id", c->call_id };
	f[1] = (struct natport_session_field){ "from", c->from };
	f[2] = (struct natport_session_field){ "to", c->to };
	f[3] = (struct natport_session_field){
		"caller", natport_side_name(c->caller_side)
	};
	return 4;
}

static void on_end(struct natport_session *s)
{
	struct natport_call *c = s->owner;

	natport_call_del(c->table, c);
}

const struct natport_session_ops natport_call_session_ops = {
	.state_name = natport_call_state_name,
	.end_name = natport_call_end_name,
	.describe = describe,
	.on_end = on_end,
};
