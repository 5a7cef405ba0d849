// SPDX-License-Identifier: GPL-2.0-or-later
/* registrar.c - user -> LAN phone bindings: a list (foreach, expiry) and
 * three hash tables, by user, by address and by address and port, so
 * every SIP message's lookups cost the same with 4,096 bindings as with
 * one. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sip/registrar.h"

/* A power of two; a quarter of the bindings' limit keeps chains short at
 * full load, and the three arrays cost 24 KiB. */
#define REG_BUCKETS 1024

struct pending {
	char *call_id, *cseq;
	struct natport_reg_request req;
	uint64_t since_ms;
	struct pending *next;
};

/* A binding and its links in the hash chains; lookups hand out &b.
 * pprev is the list link that points at b, so removal needs no walk. */
struct entry {
	struct natport_binding b;
	struct natport_binding **pprev;
	struct entry *by_user, *by_addr, *by_ep;
};

struct natport_registrar {
	struct natport_binding *head;
	unsigned int count;
	struct pending *pend; /* newest first */
	unsigned int n_pend;
	struct entry *user_h[REG_BUCKETS], *addr_h[REG_BUCKETS],
		*ep_h[REG_BUCKETS];
};

static uint32_t fnv(uint32_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		h = (h ^ *c++) * 16777619u;
	return h;
}

static unsigned int hash_user(const char *user)
{
	uint32_t h = fnv(2166136261u, user, strlen(user));

	return (h ^ (h >> 16)) & (REG_BUCKETS - 1);
}

/* by address (and port, for by_ep), the fields addr_equal compares */
static unsigned int hash_addr(const struct natport_endpoint *a, int port)
{
	uint32_t h = fnv(2166136261u, &a->family, sizeof(a->family));

	if (a->family == AF_INET)
		h = fnv(h, &a->addr.v4, sizeof(a->addr.v4));
	else if (a->family == AF_INET6)
		h = fnv(h, &a->addr.v6, sizeof(a->addr.v6));
	if (port)
		h = fnv(h, &a->port, sizeof(a->port));
	return (h ^ (h >> 16)) & (REG_BUCKETS - 1);
}

static struct entry *entry_of(struct natport_binding *b)
{
	return (struct entry *)((char *)b - offsetof(struct entry, b));
}

/* New bindings go first in their chains, as in the list: among several
 * bindings at one address the newest is found, as before hashing. */
static void link_addr(struct natport_registrar *r, struct entry *e)
{
	unsigned int a = hash_addr(&e->b.addr, 0), p = hash_addr(&e->b.addr, 1);

	e->by_addr = r->addr_h[a];
	r->addr_h[a] = e;
	e->by_ep = r->ep_h[p];
	r->ep_h[p] = e;
}

static void unlink_chain(struct entry **head, struct entry *e, size_t link)
{
	struct entry **pp = head;

	while (*pp && *pp != e)
		pp = (struct entry **)((char *)*pp + link);
	if (*pp)
		*pp = *(struct entry **)((char *)e + link);
}

static void unlink_addr(struct natport_registrar *r, struct entry *e)
{
	unlink_chain(&r->addr_h[hash_addr(&e->b.addr, 0)], e,
		     offsetof(struct entry, by_addr));
	unlink_chain(&r->ep_h[hash_addr(&e->b.addr, 1)], e,
		     offsetof(struct entry, by_ep));
}

struct natport_registrar *natport_registrar_new(void)
{
	return calloc(1, sizeof(struct natport_registrar));
}

static void free_binding(struct natport_binding *b)
{
	free(b->contact);
	free(entry_of(b));
}

/* Out of the list and every chain, and freed. */
static void drop_binding(struct natport_registrar *r, struct entry *e)
{
	struct natport_binding *b = &e->b;

	*e->pprev = b->next;
	if (b->next)
		entry_of(b->next)->pprev = e->pprev;
	unlink_chain(&r->user_h[hash_user(b->user)], e,
		     offsetof(struct entry, by_user));
	unlink_addr(r, e);
	free_binding(b);
	r->count--;
}

static void free_pending(struct pending *pd)
{
	free(pd->call_id);
	free(pd->cseq);
	free(pd->req.contact);
	free(pd);
}

void natport_registrar_free(struct natport_registrar *r)
{
	struct natport_binding *b, *n;
	struct pending *pd, *pn;

	if (!r)
		return;
	for (b = r->head; b; b = n) {
		n = b->next;
		free_binding(b);
	}
	for (pd = r->pend; pd; pd = pn) {
		pn = pd->next;
		free_pending(pd);
	}
	free(r);
}

static struct pending **find_pending(struct natport_registrar *r,
				     const char *call_id, const char *cseq)
{
	struct pending **pp;

	for (pp = &r->pend; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->call_id, call_id) &&
		    !strcmp((*pp)->cseq, cseq))
			return pp;
	return NULL;
}

static void unlink_pending(struct natport_registrar *r, struct pending **pp)
{
	struct pending *pd = *pp;

	*pp = pd->next;
	r->n_pend--;
	free_pending(pd);
}

int natport_registrar_pend(struct natport_registrar *r, const char *call_id,
			   const char *cseq,
			   const struct natport_reg_request *req,
			   uint64_t now_ms)
{
	struct pending **pp, *pd;

	if (!req->user[0] || strnlen(req->user, NATPORT_REG_MAX_USER) >=
				     NATPORT_REG_MAX_USER)
		return -1;
	pp = find_pending(r, call_id, cseq);
	if (pp)
		unlink_pending(r, pp);
	if (r->n_pend >= NATPORT_REG_MAX_PENDING) {
		for (pp = &r->pend; (*pp)->next; pp = &(*pp)->next)
			;
		unlink_pending(r, pp); /* the oldest */
	}
	pd = calloc(1, sizeof(*pd));
	if (!pd)
		return -1;
	pd->call_id = strdup(call_id);
	pd->cseq = strdup(cseq);
	pd->req = *req;
	pd->req.contact = req->contact ? strdup(req->contact) : NULL;
	if (!pd->call_id || !pd->cseq || (req->contact && !pd->req.contact)) {
		free_pending(pd);
		return -1;
	}
	pd->since_ms = now_ms;
	pd->next = r->pend;
	r->pend = pd;
	r->n_pend++;
	return 0;
}

int natport_registrar_take(struct natport_registrar *r, const char *call_id,
			   const char *cseq, struct natport_reg_request *out)
{
	struct pending **pp = find_pending(r, call_id, cseq);

	if (!pp)
		return -1;
	*out = (*pp)->req;
	(*pp)->req.contact = NULL; /* now the caller's */
	unlink_pending(r, pp);
	return 0;
}

unsigned int natport_registrar_pending(const struct natport_registrar *r)
{
	return r->n_pend;
}

static struct entry *find_user(struct natport_registrar *r, const char *user)
{
	struct entry *e;

	for (e = r->user_h[hash_user(user)]; e; e = e->by_user)
		if (!strcmp(e->b.user, user))
			return e;
	return NULL;
}

int natport_registrar_update(struct natport_registrar *r, const char *user,
			     const char *contact,
			     const struct natport_endpoint *addr,
			     uint32_t expires_s, uint64_t now_ms)
{
	struct entry *e = find_user(r, user);
	struct natport_binding *b;
	char *dup;

	if (strlen(user) >= NATPORT_REG_MAX_USER)
		return -1;
	if (!expires_s) {
		if (e)
			drop_binding(r, e);
		return 0;
	}
	dup = strdup(contact);
	if (!dup)
		return -1;
	if (e) {
		b = &e->b;
		free(b->contact);
		unlink_addr(r, e); /* the phone may have moved */
	} else {
		unsigned int h;

		if (r->count >= NATPORT_REG_MAX_BINDINGS) {
			free(dup);
			return -1;
		}
		e = calloc(1, sizeof(*e));
		if (!e) {
			free(dup);
			return -1;
		}
		b = &e->b;
		strcpy(b->user, user);
		b->next = r->head;
		if (b->next)
			entry_of(b->next)->pprev = &b->next;
		r->head = b;
		e->pprev = &r->head;
		h = hash_user(user);
		e->by_user = r->user_h[h];
		r->user_h[h] = e;
		r->count++;
	}
	b->contact = dup;
	b->addr = *addr;
	b->expires_ms = now_ms + (uint64_t)expires_s * 1000;
	link_addr(r, e);
	return 0;
}

const struct natport_binding *
natport_registrar_lookup(struct natport_registrar *r, const char *user,
			 uint64_t now_ms)
{
	struct entry *e = find_user(r, user);

	if (!e || e->b.expires_ms <= now_ms)
		return NULL;
	return &e->b;
}

const struct natport_binding *
natport_registrar_find_addr(struct natport_registrar *r,
			    const struct natport_endpoint *addr,
			    uint64_t now_ms)
{
	for (struct entry *e = r->addr_h[hash_addr(addr, 0)]; e;
	     e = e->by_addr)
		if (e->b.expires_ms > now_ms &&
		    natport_endpoint_addr_equal(&e->b.addr, addr))
			return &e->b;
	return NULL;
}

const struct natport_binding *
natport_registrar_find_ep(struct natport_registrar *r,
			  const struct natport_endpoint *ep, uint64_t now_ms)
{
	for (struct entry *e = r->ep_h[hash_addr(ep, 1)]; e; e = e->by_ep)
		if (e->b.expires_ms > now_ms &&
		    natport_endpoint_equal(&e->b.addr, ep))
			return &e->b;
	return NULL;
}

void natport_registrar_expire(struct natport_registrar *r, uint64_t now_ms)
{
	struct natport_binding **pp = &r->head, *b;
	struct pending **pq = &r->pend;

	while (*pq) {
		if (now_ms - (*pq)->since_ms >= NATPORT_REG_PENDING_MS)
			unlink_pending(r, pq);
		else
			pq = &(*pq)->next;
	}

	while ((b = *pp)) {
		if (b->expires_ms <= now_ms)
			drop_binding(r, entry_of(b));
		else
			pp = &b->next;
	}
}

unsigned int natport_registrar_count(const struct natport_registrar *r)
{
	return r->count;
}

int natport_registrar_foreach(struct natport_registrar *r,
			      natport_binding_fn fn, void *arg)
{
	int ret;

	for (struct natport_binding *b = r->head; b; b = b->next)
		if ((ret = fn(b, arg)))
			return ret;
	return 0;
}
