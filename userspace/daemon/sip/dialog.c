// SPDX-License-Identifier: GPL-2.0-or-later
/* call.c - the call table: a hash on Call-ID plus a list in age order. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sip/dialog.h"
#include "sip/msg.h"

struct natport_call_table {
	struct natport_call **buckets;
	unsigned int mask;
	unsigned int count, max;
	struct natport_call *head, *tail; /* oldest first */
	uint64_t serial, created, ended, full;
	natport_call_hook_fn hook;
	void *hook_arg;
};

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
	return t;
}

static void free_call(struct natport_call *c)
{
	free(c->call_id);
	free(c->invite_cseq);
	free(c->offer_cseq);
	free(c->lan_contact);
	for (unsigned int i = 0; i < c->n_tags; i++)
		free(c->tags[i]);
	free(c);
}

void natport_call_table_free(struct natport_call_table *t)
{
	struct natport_call *c, *n;

	if (!t)
		return;
	for (c = t->head; c; c = n) {
		n = c->next;
		free_call(c);
	}
	free(t->buckets);
	free(t);
}

void natport_call_table_set_hook(struct natport_call_table *t,
				 natport_call_hook_fn fn, void *arg)
{
	t->hook = fn;
	t->hook_arg = arg;
}

void natport_call_table_set_max(struct natport_call_table *t,
				unsigned int max_calls)
{
	t->max = max_calls;
}

void natport_call_emit(struct natport_call_table *t,
		       enum natport_call_event_type type,
		       const struct natport_call *c)
{
	if (t->hook)
		t->hook(type, c, t->hook_arg);
}

struct natport_call *natport_call_find(struct natport_call_table *t,
				       const char *call_id)
{
	struct natport_call *c;

	for (c = t->buckets[bucket(t, call_id)]; c; c = c->hnext)
		if (!strcmp(c->call_id, call_id))
			return c;
	return NULL;
}

struct natport_call *natport_call_new(struct natport_call_table *t,
				      const char *call_id, uint64_t now_ms)
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
	c->serial = ++t->serial;
	c->state = NATPORT_CALL_TRYING;
	c->created_ms = c->last_sig_ms = c->media_check_ms = now_ms;
	c->offer_side = -1;
	b = bucket(t, call_id);
	c->hnext = t->buckets[b];
	t->buckets[b] = c;
	c->prev = t->tail;
	if (t->tail)
		t->tail->next = c;
	else
		t->head = c;
	t->tail = c;
	t->count++;
	t->created++;
	return c;
}

void natport_call_del(struct natport_call_table *t, struct natport_call *c)
{
	struct natport_call **pp;

	for (pp = &t->buckets[bucket(t, c->call_id)]; *pp; pp = &(*pp)->hnext) {
		if (*pp == c) {
			*pp = c->hnext;
			break;
		}
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		t->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		t->tail = c->prev;
	t->count--;
	t->ended++;
	free_call(c);
}

void natport_call_set_state(struct natport_call_table *t,
			    struct natport_call *c,
			    enum natport_call_state state, uint64_t now_ms)
{
	if (c->state == state)
		return;
	c->state = state;
	if (state == NATPORT_CALL_CONFIRMED && !c->confirmed_ms)
		c->confirmed_ms = now_ms;
	natport_call_emit(t, state == NATPORT_CALL_ENDED ? NATPORT_CALL_EV_END :
							   NATPORT_CALL_EV_STATE,
			  c);
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

int natport_call_map_owned(const struct natport_call *c, uint32_t id)
{
	for (unsigned int i = 0; i < c->n_maps; i++)
		if (c->maps[i] == id)
			return 1;
	return 0;
}

int natport_call_map_add(struct natport_call *c, uint32_t id)
{
	if (natport_call_map_owned(c, id))
		return 0;
	if (c->n_maps == NATPORT_CALL_MAX_MAPS)
		return -1;
	c->maps[c->n_maps++] = id;
	return 0;
}

struct foreach_ctx {
	natport_call_fn fn;
	void *arg;
};

static int foreach_one(struct natport_call *c, void *arg)
{
	struct foreach_ctx *f = arg;

	return f->fn(c, f->arg);
}

/* Readers get const calls; the walk itself is natport_call_walk's. */
int natport_call_foreach(struct natport_call_table *t, natport_call_fn fn,
			 void *arg)
{
	struct foreach_ctx f = { fn, arg };

	return natport_call_walk(t, foreach_one, &f);
}

int natport_call_walk(struct natport_call_table *t, natport_call_walk_fn fn,
		      void *arg)
{
	struct natport_call *c, *n;
	int r;

	for (c = t->head; c; c = n) {
		n = c->next;
		r = fn(c, arg);
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

const char *natport_call_state_name(enum natport_call_state s)
{
	static const char *const n[] = { "trying", "early", "confirmed",
					 "ended" };

	return (unsigned int)s < 4 ? n[s] : "?";
}

const char *natport_call_end_name(enum natport_call_end e)
{
	static const char *const n[] = { "none", "bye", "cancel", "rejected",
					  "invite-timeout", "idle-timeout",
					  "refused", "shutdown" };

	return (unsigned int)e < 8 ? n[e] : "?";
}

const char *natport_side_name(enum natport_side s)
{
	return s == NATPORT_SIDE_LAN ? "lan" : "wan";
}
