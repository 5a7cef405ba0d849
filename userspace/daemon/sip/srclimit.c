// SPDX-License-Identifier: GPL-2.0-or-later
/* srclimit.c - per-source token buckets and calls-in-setup counts. */
#include <stdlib.h>
#include <string.h>

#include "sip/msg.h"
#include "sip/srclimit.h"

#define IDLE_MS 10000 /* a source silent this long with no setup is dropped */
#define MILLI 1000ull /* tokens are kept in thousandths */

struct source {
	struct natport_endpoint addr; /* port 0 */
	uint64_t tokens;	      /* thousandths of a request */
	uint64_t last_ms;
	unsigned int setup;
	struct source *next;
};

struct natport_srclimit {
	struct source **b;
	unsigned int mask, n, max;
};

struct natport_srclimit *natport_srclimit_new(unsigned int max_sources)
{
	struct natport_srclimit *l = calloc(1, sizeof(*l));
	unsigned int n = 256;

	if (!l)
		return NULL;
	while (n < max_sources && n < (1u << 16))
		n <<= 1;
	l->b = calloc(n, sizeof(*l->b));
	if (!l->b) {
		free(l);
		return NULL;
	}
	l->mask = n - 1;
	l->max = max_sources;
	return l;
}

void natport_srclimit_free(struct natport_srclimit *l)
{
	if (!l)
		return;
	for (unsigned int i = 0; i <= l->mask; i++)
		while (l->b[i]) {
			struct source *s = l->b[i];

			l->b[i] = s->next;
			free(s);
		}
	free(l->b);
	free(l);
}

static unsigned int bucket(const struct natport_srclimit *l,
			   const struct natport_endpoint *a)
{
	char s[NATPORT_ENDPOINT_STRLEN];

	natport_endpoint_format(a, s, sizeof(s));
	return (unsigned int)natport_sip_hash(0xcbf29ce484222325ull, s) &
	       l->mask;
}

/* The entry of src's address, created (with a full bucket of rate) if
 * create and there is room; NULL otherwise. */
static struct source *find(struct natport_srclimit *l,
			   const struct natport_endpoint *src, int create,
			   unsigned int rate, uint64_t now_ms)
{
	struct natport_endpoint a = *src;
	struct source *s;
	unsigned int b;

	a.port = 0;
	b = bucket(l, &a);
	for (s = l->b[b]; s; s = s->next)
		if (natport_endpoint_addr_equal(&s->addr, &a))
			return s;
	if (!create || l->n >= l->max)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->addr = a;
	s->tokens = 2ull * rate * MILLI;
	s->last_ms = now_ms;
	s->next = l->b[b];
	l->b[b] = s;
	l->n++;
	return s;
}

int natport_srclimit_request(struct natport_srclimit *l,
			     const struct natport_srclimit_conf *c,
			     const struct natport_endpoint *src,
			     uint64_t now_ms)
{
	uint64_t cap = 2ull * c->rate * MILLI;
	struct source *s;

	if (!c->rate)
		return 0;
	s = find(l, src, 1, c->rate, now_ms);
	if (!s)
		return 0; /* no room to tell it apart: not refused */
	/* refill: rate tokens a second, i.e. rate thousandths a ms */
	s->tokens += (now_ms - s->last_ms) * c->rate;
	if (s->tokens > cap)
		s->tokens = cap;
	s->last_ms = now_ms;
	if (s->tokens < MILLI)
		return -1;
	s->tokens -= MILLI;
	return 0;
}

int natport_srclimit_setup_begin(struct natport_srclimit *l,
				 const struct natport_srclimit_conf *c,
				 const struct natport_endpoint *src)
{
	struct source *s;

	if (!c->calls)
		return 0;
	s = find(l, src, 1, c->rate, 0);
	if (!s)
		return 0;
	if (s->setup >= c->calls)
		return -1;
	s->setup++;
	return 1;
}

void natport_srclimit_setup_end(struct natport_srclimit *l,
				const struct natport_endpoint *src)
{
	struct source *s = find(l, src, 0, 0, 0);

	if (s && s->setup)
		s->setup--;
}

void natport_srclimit_expire(struct natport_srclimit *l, uint64_t now_ms)
{
	for (unsigned int i = 0; i <= l->mask; i++) {
		struct source **pp = &l->b[i], *s;

		while ((s = *pp)) {
			if (!s->setup && now_ms - s->last_ms >= IDLE_MS) {
				*pp = s->next;
				l->n--;
				free(s);
			} else {
				pp = &s->next;
			}
		}
	}
}

unsigned int natport_srclimit_count(const struct natport_srclimit *l)
{
	return l->n;
}
