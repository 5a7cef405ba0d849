// SPDX-License-Identifier: LGPL-2.1-or-later
/* maptable.c - live mappings by id and by internal endpoint. */
#include <stdlib.h>
#include <string.h>

#include "maptable.h"

static uint32_t hash(const struct natport_endpoint *ep)
{
	const uint8_t *p;
	size_t n, i;
	uint32_t h = 2166136261u; /* FNV-1a */

	if (ep->family == AF_INET) {
		p = (const uint8_t *)&ep->addr.v4;
		n = 4;
	} else {
		p = ep->addr.v6.s6_addr;
		n = 16;
	}
	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	h = (h ^ (ep->port & 0xff)) * 16777619u;
	h = (h ^ (ep->port >> 8)) * 16777619u;
	return h ^ (h >> 15);
}

int natport_maptable_init(struct natport_maptable *mt, uint32_t max_mappings)
{
	uint32_t n = 1;

	memset(mt, 0, sizeof(*mt));
	if (max_mappings > NATPORT_MAX_ID)
		max_mappings = NATPORT_MAX_ID;
	mt->cap = max_mappings + 1;
	/* one bucket per two mappings at full load: chains stay short, and
	 * the array costs 2 bytes per possible mapping */
	while (n < mt->cap / 2)
		n <<= 1;
	mt->mask = n - 1;
	mt->slots = calloc(mt->cap, sizeof(*mt->slots));
	mt->buckets = calloc(n, sizeof(*mt->buckets));
	if (!mt->slots || !mt->buckets) {
		natport_maptable_uninit(mt);
		return -NATPORT_E_NOMEM;
	}
	mt->fresh = 1;
	return 0;
}

void natport_maptable_uninit(struct natport_maptable *mt)
{
	free(mt->slots);
	free(mt->buckets);
	mt->slots = NULL;
	mt->buckets = NULL;
}

struct natport_map_slot *natport_maptable_alloc(struct natport_maptable *mt)
{
	struct natport_map_slot *s;
	uint32_t id;

	/* Freed ids before fresh ones: taking fresh ids first walked the
	 * whole array over time (a new slot, a newly touched page, per call
	 * until the capacity), and every loop to fresh with it. */
	if (mt->free_head) {
		id = mt->free_head;
		s = &mt->slots[id];
		mt->free_head = s->hnext;
		if (!mt->free_head)
			mt->free_tail = 0;
	} else if (mt->fresh < mt->cap) {
		id = mt->fresh++;
		s = &mt->slots[id];
	} else {
		return NULL;
	}
	memset(s, 0, sizeof(*s));
	s->m.id = id;
	return s;
}

struct natport_map_slot *natport_maptable_alloc_id(struct natport_maptable *mt,
						   uint32_t id)
{
	struct natport_map_slot *s;
	uint32_t *link, prev = 0;

	if (id == 0 || id >= mt->cap || mt->slots[id].live)
		return NULL;
	if (id >= mt->fresh) {
		/* the ids skipped over become free ones, in order */
		while (mt->fresh < id) {
			uint32_t f = mt->fresh++;

			mt->slots[f].m.id = f;
			mt->slots[f].hnext = 0;
			if (mt->free_tail)
				mt->slots[mt->free_tail].hnext = f;
			else
				mt->free_head = f;
			mt->free_tail = f;
		}
		mt->fresh = id + 1;
	} else {
		link = &mt->free_head;
		while (*link && *link != id) {
			prev = *link;
			link = &mt->slots[*link].hnext;
		}
		if (!*link)
			return NULL;
		*link = mt->slots[id].hnext;
		if (mt->free_tail == id)
			mt->free_tail = prev;
	}
	s = &mt->slots[id];
	memset(s, 0, sizeof(*s));
	s->m.id = id;
	return s;
}

void natport_maptable_insert(struct natport_maptable *mt,
			     struct natport_map_slot *s)
{
	uint32_t b = hash(&s->m.internal) & mt->mask;

	s->hnext = mt->buckets[b];
	mt->buckets[b] = s->m.id;
	s->live = 1;
	mt->count++;
}

void natport_maptable_free(struct natport_maptable *mt,
			   struct natport_map_slot *s)
{
	uint32_t *link = &mt->buckets[hash(&s->m.internal) & mt->mask];
	uint32_t id = s->m.id;

	if (s->live) {
		while (*link && *link != id)
			link = &mt->slots[*link].hnext;
		if (*link)
			*link = s->hnext;
		mt->count--;
	}
	memset(s, 0, sizeof(*s));
	s->m.id = id;
	s->hnext = 0;
	if (mt->free_tail)
		mt->slots[mt->free_tail].hnext = id;
	else
		mt->free_head = id;
	mt->free_tail = id;
}

struct natport_map_slot *
natport_maptable_find(const struct natport_maptable *mt,
		      const struct natport_endpoint *internal)
{
	uint32_t id = mt->buckets[hash(internal) & mt->mask];

	while (id) {
		struct natport_map_slot *s = &mt->slots[id];

		if (natport_endpoint_equal(&s->m.internal, internal))
			return s;
		id = s->hnext;
	}
	return NULL;
}

struct natport_map_slot *natport_maptable_get(const struct natport_maptable *mt,
					      uint32_t id)
{
	if (id == 0 || id >= mt->cap || !mt->slots[id].live)
		return NULL;
	return &mt->slots[id];
}
