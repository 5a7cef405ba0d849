// SPDX-License-Identifier: LGPL-2.1-or-later
/* pcplease.c - the PCP/NAT-PMP lease table (see pcplease.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pcplease.h"

int natport_pcplease_init(struct natport_pcplease_table *t, uint32_t max)
{
	memset(t, 0, sizeof(*t));
	if (!max)
		return -EINVAL;
	t->max = max;
	t->next_id = 1;
	return 0;
}

void natport_pcplease_uninit(struct natport_pcplease_table *t)
{
	free(t->l);
	memset(t, 0, sizeof(*t));
}

struct natport_pcplease *
natport_pcplease_find(struct natport_pcplease_table *t, uint8_t protocol,
		      const struct natport_endpoint *internal)
{
	uint32_t i;

	for (i = 0; i < t->cap; i++) {
		struct natport_pcplease *l = &t->l[i];

		if (l->id && l->protocol == protocol &&
		    l->internal.port == internal->port &&
		    natport_endpoint_addr_equal(&l->internal, internal))
			return l;
	}
	return NULL;
}

struct natport_pcplease *natport_pcplease_get(struct natport_pcplease_table *t,
					      uint32_t id)
{
	uint32_t i;

	if (!id)
		return NULL;
	for (i = 0; i < t->cap; i++)
		if (t->l[i].id == id)
			return &t->l[i];
	return NULL;
}

static int id_in_use(struct natport_pcplease_table *t, uint32_t id)
{
	return natport_pcplease_get(t, id) != NULL;
}

struct natport_pcplease *natport_pcplease_add(struct natport_pcplease_table *t)
{
	struct natport_pcplease *l = NULL;
	uint32_t i, id;

	if (t->n >= t->max)
		return NULL;
	for (i = 0; i < t->cap; i++)
		if (!t->l[i].id) {
			l = &t->l[i];
			break;
		}
	if (!l) {
		uint32_t ncap = t->cap ? t->cap * 2 : 16;
		struct natport_pcplease *nl;

		if (ncap > t->max)
			ncap = t->max;
		nl = realloc(t->l, ncap * sizeof(*nl));
		if (!nl)
			return NULL;
		memset(nl + t->cap, 0, (ncap - t->cap) * sizeof(*nl));
		l = &nl[t->cap];
		t->l = nl;
		t->cap = ncap;
	}
	memset(l, 0, sizeof(*l));
	/* wrap around without reusing a live id or 0 */
	do {
		id = t->next_id++;
		if (!t->next_id)
			t->next_id = 1;
	} while (!id || id_in_use(t, id));
	l->id = id;
	t->n++;
	return l;
}

struct natport_pcplease *natport_pcplease_put(struct natport_pcplease_table *t,
					      const struct natport_pcplease *l)
{
	struct natport_pcplease *n;
	uint32_t id = l->id;

	if (!id || id_in_use(t, id))
		return NULL;
	n = natport_pcplease_add(t);
	if (!n)
		return NULL;
	*n = *l;
	n->id = id;
	/* fresh ids after it, so the next add does not search past it */
	if (t->next_id <= id && id != UINT32_MAX)
		t->next_id = id + 1;
	return n;
}

void natport_pcplease_del(struct natport_pcplease_table *t,
			  struct natport_pcplease *l)
{
	if (!l || !l->id)
		return;
	memset(l, 0, sizeof(*l));
	t->n--;
}

uint32_t natport_pcplease_count_client(const struct natport_pcplease_table *t,
				       const struct natport_endpoint *ep)
{
	uint32_t i, n = 0;

	for (i = 0; i < t->cap; i++)
		if (t->l[i].id &&
		    natport_endpoint_addr_equal(&t->l[i].internal, ep))
			n++;
	return n;
}

uint64_t natport_pcplease_until(const struct natport_pcplease *l)
{
	return l->map_until_ms > l->peer_until_ms ? l->map_until_ms
						  : l->peer_until_ms;
}

struct natport_pcplease *natport_pcplease_next(struct natport_pcplease_table *t,
					       struct natport_pcplease *l)
{
	uint32_t i = l ? (uint32_t)(l - t->l) + 1 : 0;

	for (; i < t->cap; i++)
		if (t->l[i].id)
			return &t->l[i];
	return NULL;
}
