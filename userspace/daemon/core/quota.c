// SPDX-License-Identifier: GPL-2.0-or-later
/* quota.c - per-client unit counts in a small hash on the address. */
#include <stdlib.h>
#include <string.h>

#include "core/quota.h"

#define BUCKETS 256

struct client {
	struct natport_endpoint addr; /* port 0 */
	unsigned int used;
	struct client *next;
};

struct natport_quota {
	unsigned int max, clients;
	struct client *b[BUCKETS];
};

struct natport_quota *natport_quota_new(unsigned int max_per_client)
{
	struct natport_quota *q = calloc(1, sizeof(*q));

	if (q)
		q->max = max_per_client;
	return q;
}

void natport_quota_free(struct natport_quota *q)
{
	if (!q)
		return;
	for (int i = 0; i < BUCKETS; i++) {
		struct client *c, *n;

		for (c = q->b[i]; c; c = n) {
			n = c->next;
			free(c);
		}
	}
	free(q);
}

void natport_quota_set_max(struct natport_quota *q,
			   unsigned int max_per_client)
{
	q->max = max_per_client;
}

unsigned int natport_quota_max(const struct natport_quota *q)
{
	return q->max;
}

static int limited(const struct natport_endpoint *a)
{
	return a->family == AF_INET || a->family == AF_INET6;
}

static unsigned int bucket(const struct natport_endpoint *a)
{
	const unsigned char *p = (const unsigned char *)&a->addr;
	size_t n = a->family == AF_INET6 ? 16 : 4;
	unsigned int h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h % BUCKETS;
}

static struct client *find(const struct natport_quota *q,
			   const struct natport_endpoint *a)
{
	struct client *c;

	for (c = q->b[bucket(a)]; c; c = c->next)
		if (natport_endpoint_addr_equal(&c->addr, a))
			return c;
	return NULL;
}

unsigned int natport_quota_used(const struct natport_quota *q,
				const struct natport_endpoint *client)
{
	const struct client *c = limited(client) ? find(q, client) : NULL;

	return c ? c->used : 0;
}

unsigned int natport_quota_room(const struct natport_quota *q,
				const struct natport_endpoint *client)
{
	unsigned int used;

	if (!limited(client))
		return ~0u;
	used = natport_quota_used(q, client);
	return used >= q->max ? 0 : q->max - used;
}

int natport_quota_take(struct natport_quota *q,
		       const struct natport_endpoint *client)
{
	struct client *c;
	unsigned int b;

	if (!limited(client))
		return 0;
	c = find(q, client);
	if (c) {
		if (c->used >= q->max)
			return -1;
		c->used++;
		return 0;
	}
	if (!q->max)
		return -1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -1;
	c->addr = *client;
	c->addr.port = 0;
	c->used = 1;
	b = bucket(client);
	c->next = q->b[b];
	q->b[b] = c;
	q->clients++;
	return 0;
}

void natport_quota_put(struct natport_quota *q,
		       const struct natport_endpoint *client)
{
	struct client **pp, *c;

	if (!limited(client))
		return;
	for (pp = &q->b[bucket(client)]; (c = *pp); pp = &c->next) {
		if (!natport_endpoint_addr_equal(&c->addr, client))
			continue;
		if (--c->used)
			return;
		*pp = c->next;
		free(c);
		q->clients--;
		return;
	}
}

unsigned int natport_quota_clients(const struct natport_quota *q)
{
	return q->clients;
}
