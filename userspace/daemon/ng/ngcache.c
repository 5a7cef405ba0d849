// SPDX-License-Identifier: GPL-2.0-or-later
/* ngcache.c - bounded reply cache keyed by peer and ng cookie. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ngcache.h"

#define NONE UINT32_MAX

struct natport_ngcache_entry {
	bool used; /* false: a hole left by a replaced entry */
	uint32_t hash;
	uint32_t next; /* bucket chain */
	uint64_t born;
	size_t keylen, replylen;
	char *reply;
	unsigned char key[NATPORT_NGCACHE_KEY_MAX];
};

/* The key: peer length (so peer|cookie splits are unambiguous), peer,
 * cookie. */
static size_t make_key(unsigned char *key, const void *peer, size_t peerlen,
		       const char *cookie, size_t cookielen)
{
	if (peerlen > 255 || 1 + peerlen + cookielen > NATPORT_NGCACHE_KEY_MAX)
		return 0;
	key[0] = (unsigned char)peerlen;
	if (peerlen)
		memcpy(key + 1, peer, peerlen);
	memcpy(key + 1 + peerlen, cookie, cookielen);
	return 1 + peerlen + cookielen;
}

static uint32_t hash(const unsigned char *k, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (n--) {
		h ^= *k++;
		h *= 16777619u;
	}
	return h;
}

int natport_ngcache_init(struct natport_ngcache *c, uint32_t max_entries,
			 size_t max_bytes, uint64_t max_age_ms)
{
	uint32_t i;

	memset(c, 0, sizeof(*c));
	if (!max_entries || max_entries > (1u << 20) || !max_bytes)
		return -EINVAL;
	c->slots = calloc(max_entries, sizeof(*c->slots));
	for (c->nbuckets = 1; c->nbuckets < max_entries;)
		c->nbuckets <<= 1;
	c->buckets = malloc(c->nbuckets * sizeof(*c->buckets));
	if (!c->slots || !c->buckets) {
		free(c->slots);
		free(c->buckets);
		memset(c, 0, sizeof(*c));
		return -ENOMEM;
	}
	for (i = 0; i < c->nbuckets; i++)
		c->buckets[i] = NONE;
	c->nslots = max_entries;
	c->max_bytes = max_bytes;
	c->max_age_ms = max_age_ms;
	return 0;
}

static void unlink_entry(struct natport_ngcache *c, uint32_t slot)
{
	struct natport_ngcache_entry *e = &c->slots[slot];
	uint32_t *p = &c->buckets[e->hash & (c->nbuckets - 1)];

	while (*p != NONE && *p != slot)
		p = &c->slots[*p].next;
	if (*p == slot)
		*p = e->next;
	c->bytes -= e->replylen;
	free(e->reply);
	e->reply = NULL;
	e->used = false;
}

static void pop_head(struct natport_ngcache *c)
{
	if (!c->count)
		return;
	if (c->slots[c->head].used) {
		unlink_entry(c, c->head);
		c->evictions++;
	}
	c->head = (c->head + 1) % c->nslots;
	c->count--;
}

void natport_ngcache_uninit(struct natport_ngcache *c)
{
	uint32_t i;

	if (!c->slots)
		return;
	for (i = 0; i < c->nslots; i++)
		free(c->slots[i].reply);
	free(c->slots);
	free(c->buckets);
	memset(c, 0, sizeof(*c));
}

static uint32_t find(struct natport_ngcache *c, const unsigned char *key,
		     size_t keylen, uint32_t h)
{
	uint32_t s;

	for (s = c->buckets[h & (c->nbuckets - 1)]; s != NONE;
	     s = c->slots[s].next) {
		const struct natport_ngcache_entry *e = &c->slots[s];

		if (e->hash == h && e->keylen == keylen &&
		    !memcmp(e->key, key, keylen))
			return s;
	}
	return NONE;
}

const char *natport_ngcache_lookup(struct natport_ngcache *c, const void *peer,
				   size_t peerlen, const char *cookie,
				   size_t cookielen, uint64_t now,
				   size_t *replylen)
{
	unsigned char key[NATPORT_NGCACHE_KEY_MAX];
	size_t keylen = make_key(key, peer, peerlen, cookie, cookielen);
	uint32_t s;

	if (!keylen || !c->slots)
		goto miss;
	s = find(c, key, keylen, hash(key, keylen));
	if (s == NONE || now - c->slots[s].born > c->max_age_ms)
		goto miss;
	c->hits++;
	*replylen = c->slots[s].replylen;
	return c->slots[s].reply;
miss:
	c->misses++;
	return NULL;
}

int natport_ngcache_put(struct natport_ngcache *c, const void *peer,
			size_t peerlen, const char *cookie, size_t cookielen,
			const char *reply, size_t replylen, uint64_t now)
{
	unsigned char key[NATPORT_NGCACHE_KEY_MAX];
	size_t keylen = make_key(key, peer, peerlen, cookie, cookielen);
	struct natport_ngcache_entry *e;
	uint32_t h, s;
	char *copy;

	if (!keylen || !c->slots || replylen > c->max_bytes)
		return -E2BIG;
	h = hash(key, keylen);
	s = find(c, key, keylen, h);
	if (s != NONE)
		unlink_entry(c, s); /* leaves a hole the ring skips */
	copy = malloc(replylen ? replylen : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, reply, replylen);
	while (c->count == c->nslots || c->bytes + replylen > c->max_bytes)
		pop_head(c);
	s = (c->head + c->count) % c->nslots;
	c->count++;
	e = &c->slots[s];
	e->used = true;
	e->hash = h;
	e->born = now;
	e->keylen = keylen;
	memcpy(e->key, key, keylen);
	e->reply = copy;
	e->replylen = replylen;
	e->next = c->buckets[h & (c->nbuckets - 1)];
	c->buckets[h & (c->nbuckets - 1)] = s;
	c->bytes += replylen;
	return 0;
}

void natport_ngcache_expire(struct natport_ngcache *c, uint64_t now)
{
	while (c->count && (!c->slots[c->head].used ||
			    now - c->slots[c->head].born > c->max_age_ms))
		pop_head(c);
}
