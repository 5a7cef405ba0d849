// SPDX-License-Identifier: GPL-2.0-or-later
/* registrar.c - user -> LAN phone bindings; a list, phones are few. */
#include <stdlib.h>
#include <string.h>

#include "sip/registrar.h"

struct pending {
	char *call_id, *cseq;
	struct natport_reg_request req;
	uint64_t since_ms;
	struct pending *next;
};

struct natport_registrar {
	struct natport_binding *head;
	unsigned int count;
	struct pending *pend; /* newest first */
	unsigned int n_pend;
};

struct natport_registrar *natport_registrar_new(void)
{
	return calloc(1, sizeof(struct natport_registrar));
}

static void free_binding(struct natport_binding *b)
{
	free(b->contact);
	free(b);
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

static struct natport_binding **find(struct natport_registrar *r,
				     const char *user)
{
	struct natport_binding **pp;

	for (pp = &r->head; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->user, user))
			return pp;
	return NULL;
}

int natport_registrar_update(struct natport_registrar *r, const char *user,
			     const char *contact,
			     const struct natport_endpoint *addr,
			     uint32_t expires_s, uint64_t now_ms)
{
	struct natport_binding **pp = find(r, user), *b;
	char *dup;

	if (strlen(user) >= NATPORT_REG_MAX_USER)
		return -1;
	if (!expires_s) {
		if (pp) {
			b = *pp;
			*pp = b->next;
			free_binding(b);
			r->count--;
		}
		return 0;
	}
	dup = strdup(contact);
	if (!dup)
		return -1;
	if (pp) {
		b = *pp;
		free(b->contact);
	} else {
		if (r->count >= NATPORT_REG_MAX_BINDINGS) {
			free(dup);
			return -1;
		}
		b = calloc(1, sizeof(*b));
		if (!b) {
			free(dup);
			return -1;
		}
		strcpy(b->user, user);
		b->next = r->head;
		r->head = b;
		r->count++;
	}
	b->contact = dup;
	b->addr = *addr;
	b->expires_ms = now_ms + (uint64_t)expires_s * 1000;
	return 0;
}

const struct natport_binding *
natport_registrar_lookup(struct natport_registrar *r, const char *user,
			 uint64_t now_ms)
{
	struct natport_binding **pp = find(r, user);

	if (!pp || (*pp)->expires_ms <= now_ms)
		return NULL;
	return *pp;
}

const struct natport_binding *
natport_registrar_find_addr(struct natport_registrar *r,
			    const struct natport_endpoint *addr,
			    uint64_t now_ms)
{
	for (struct natport_binding *b = r->head; b; b = b->next)
		if (b->expires_ms > now_ms &&
		    natport_endpoint_addr_equal(&b->addr, addr))
			return b;
	return NULL;
}

const struct natport_binding *
natport_registrar_find_ep(struct natport_registrar *r,
			  const struct natport_endpoint *ep, uint64_t now_ms)
{
	for (struct natport_binding *b = r->head; b; b = b->next)
		if (b->expires_ms > now_ms && natport_endpoint_equal(&b->addr, ep))
			return b;
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
		if (b->expires_ms <= now_ms) {
			*pp = b->next;
			free_binding(b);
			r->count--;
		} else {
			pp = &b->next;
		}
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
