// SPDX-License-Identifier: GPL-2.0-or-later
/* registrar.c - user -> LAN phone bindings; a list, phones are few. */
#include <stdlib.h>
#include <string.h>

#include "registrar.h"

struct natport_registrar {
	struct natport_binding *head;
	unsigned int count;
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

void natport_registrar_free(struct natport_registrar *r)
{
	struct natport_binding *b, *n;

	if (!r)
		return;
	for (b = r->head; b; b = n) {
		n = b->next;
		free_binding(b);
	}
	free(r);
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

void natport_registrar_expire(struct natport_registrar *r, uint64_t now_ms)
{
	struct natport_binding **pp = &r->head, *b;

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
