// SPDX-License-Identifier: LGPL-2.1-or-later
/* portalloc.c - external port pairs with FIFO reuse and quarantine, kept
 * out of the kernel's ephemeral choice by ip_local_reserved_ports. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portalloc.h"

#define RESERVED_PORTS "/proc/sys/net/ipv4/ip_local_reserved_ports"

static void fifo_push(struct natport_portalloc *pa, uint32_t *head,
		      uint32_t *tail, uint32_t i)
{
	pa->pairs[i].next = NATPORT_PAIR_NONE;
	if (*tail == NATPORT_PAIR_NONE)
		*head = i;
	else
		pa->pairs[*tail].next = i;
	*tail = i;
}

static uint32_t fifo_pop(struct natport_portalloc *pa, uint32_t *head,
			 uint32_t *tail)
{
	uint32_t i = *head;

	if (i == NATPORT_PAIR_NONE)
		return i;
	*head = pa->pairs[i].next;
	if (*head == NATPORT_PAIR_NONE)
		*tail = NATPORT_PAIR_NONE;
	return i;
}

int natport_portalloc_init(struct natport_portalloc *pa,
			   const struct natport_endpoint *addr,
			   unsigned int naddr, uint16_t port_min,
			   uint16_t port_max, uint32_t quarantine_ms)
{
	uint32_t lo = port_min, hi = port_max, i;

	memset(pa, 0, sizeof(*pa));
	if (lo & 1)
		lo++;
	if (!(hi & 1))
		hi--;
	if (lo == 0 || hi > 65535 || lo > hi || naddr == 0 ||
	    naddr > NATPORT_MAX_EXTERNAL)
		return -NATPORT_E_INVAL;
	for (i = 0; i < naddr; i++) {
		pa->addr[i] = addr[i];
		pa->addr[i].port = 0;
	}
	pa->naddr = naddr;
	pa->base = lo;
	pa->addr_pairs = (hi - lo + 1) / 2;
	pa->npairs = pa->addr_pairs * naddr;
	pa->quarantine_ms = quarantine_ms;
	/* calloc: zero is PAIR_FREE, and pages no load reached stay unused */
	pa->pairs = calloc(pa->npairs, sizeof(*pa->pairs));
	if (!pa->pairs)
		return -NATPORT_E_NOMEM;
	pa->free_head = pa->free_tail = NATPORT_PAIR_NONE;
	pa->q_head = pa->q_tail = NATPORT_PAIR_NONE;
	pa->nfree = pa->npairs;
	return 0;
}

void natport_portalloc_uninit(struct natport_portalloc *pa)
{
	if (!pa->pairs)
		return;
	natport_portalloc_unreserve(pa);
	free(pa->pairs);
	pa->pairs = NULL;
}

void natport_portalloc_expire(struct natport_portalloc *pa, uint64_t now_ms)
{
	while (pa->q_head != NATPORT_PAIR_NONE &&
	       pa->pairs[pa->q_head].until_ms <= now_ms) {
		uint32_t i = fifo_pop(pa, &pa->q_head, &pa->q_tail);

		pa->nquarantine--;
		pa->pairs[i].state = PAIR_FREE;
		fifo_push(pa, &pa->free_head, &pa->free_tail, i);
		pa->nfree++;
	}
}

uint32_t natport_portalloc_get(struct natport_portalloc *pa, uint64_t now_ms)
{
	uint32_t i;

	natport_portalloc_expire(pa, now_ms);
	if (pa->fresh < pa->npairs)
		i = pa->fresh++;
	else
		i = fifo_pop(pa, &pa->free_head, &pa->free_tail);
	if (i == NATPORT_PAIR_NONE)
		return i;
	pa->nfree--;
	pa->pairs[i].state = PAIR_USED;
	pa->pairs[i].map[0] = pa->pairs[i].map[1] = 0;
	pa->nused++;
	return i;
}

int natport_portalloc_take(struct natport_portalloc *pa, uint32_t i)
{
	uint32_t *link, prev = NATPORT_PAIR_NONE;

	if (i >= pa->npairs)
		return -1;
	if (i >= pa->fresh) {
		while (pa->fresh < i) {
			pa->pairs[pa->fresh].state = PAIR_FREE;
			fifo_push(pa, &pa->free_head, &pa->free_tail,
				  pa->fresh++);
		}
		pa->fresh = i + 1;
	} else {
		if (pa->pairs[i].state != PAIR_FREE)
			return -1;
		link = &pa->free_head;
		while (*link != NATPORT_PAIR_NONE && *link != i) {
			prev = *link;
			link = &pa->pairs[*link].next;
		}
		if (*link == NATPORT_PAIR_NONE)
			return -1;
		*link = pa->pairs[i].next;
		if (pa->free_tail == i)
			pa->free_tail = prev;
	}
	pa->nfree--;
	pa->pairs[i].state = PAIR_USED;
	pa->pairs[i].map[0] = pa->pairs[i].map[1] = 0;
	pa->nused++;
	return 0;
}

void natport_portalloc_unget(struct natport_portalloc *pa, uint32_t i)
{
	if (pa->pairs[i].state != PAIR_USED)
		return;
	pa->pairs[i].state = PAIR_FREE;
	fifo_push(pa, &pa->free_head, &pa->free_tail, i);
	pa->nused--;
	pa->nfree++;
}

void natport_portalloc_put(struct natport_portalloc *pa, uint32_t i,
			   uint64_t now_ms)
{
	struct natport_pair *p = &pa->pairs[i];

	if (p->state != PAIR_USED)
		return;
	p->state = PAIR_QUARANTINE;
	p->map[0] = p->map[1] = 0;
	/* FIFO order holds because every pair waits the same time. */
	p->until_ms = now_ms + pa->quarantine_ms;
	fifo_push(pa, &pa->q_head, &pa->q_tail, i);
	pa->nused--;
	pa->nquarantine++;
}

int natport_portalloc_find(const struct natport_portalloc *pa,
			   const struct natport_endpoint *ep, uint32_t *pair,
			   unsigned int *half)
{
	uint32_t off;
	unsigned int a;

	if (ep->port < pa->base)
		return -1;
	off = ep->port - pa->base;
	if (off / 2 >= pa->addr_pairs)
		return -1;
	for (a = 0; a < pa->naddr; a++)
		if (natport_endpoint_addr_equal(ep, &pa->addr[a]))
			break;
	if (a == pa->naddr)
		return -1;
	*pair = off / 2 * pa->naddr + a;
	*half = off & 1;
	return 0;
}

/* The sysctl is a list "a-b,c,..."; read it into a 65536-bit map. */
static int read_reserved(uint8_t *map)
{
	char *buf, *p;
	ssize_t n, len = 0;
	int fd = open(RESERVED_PORTS, O_RDONLY | O_CLOEXEC);
	const size_t cap = 1 << 20;

	memset(map, 0, 65536 / 8);
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while ((n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	for (p = buf; *p;) {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a, k;

		if (end == p)
			break;
		p = end;
		if (*p == '-') {
			b = strtoul(p + 1, &end, 10);
			p = end;
		}
		for (k = a; k <= b && k < 65536; k++)
			map[k / 8] |= 1 << (k % 8);
		while (*p == ',' || *p == '\n' || *p == ' ')
			p++;
	}
	free(buf);
	return 0;
}

static int write_reserved(const uint8_t *map)
{
	char *buf = malloc(65536 * 12 + 2), *p;
	unsigned int k = 0, a;
	ssize_t len;
	int fd, err = 0;

	if (!buf)
		return -ENOMEM;
	p = buf;
	while (k < 65536) {
		if (!(map[k / 8] & (1 << (k % 8)))) {
			k++;
			continue;
		}
		for (a = k; k + 1 < 65536 &&
			    (map[(k + 1) / 8] & (1 << ((k + 1) % 8)));)
			k++;
		p += sprintf(p, "%s%u", p == buf ? "" : ",", a);
		if (k > a)
			p += sprintf(p, "-%u", k);
		k++;
	}
	*p++ = '\n';
	len = p - buf;
	fd = open(RESERVED_PORTS, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, len) != len)
		err = -errno;
	if (fd >= 0)
		close(fd);
	free(buf);
	return err;
}

static uint32_t range_ports(const struct natport_portalloc *pa)
{
	return 2 * pa->addr_pairs;
}

int natport_portalloc_reserve(struct natport_portalloc *pa)
{
	uint8_t map[65536 / 8];
	uint32_t i, n = range_ports(pa);
	int err;

	if (pa->reserved)
		return 0;
	err = read_reserved(map);
	if (err)
		return err;
	pa->was_reserved = calloc(n, 1);
	if (!pa->was_reserved)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		uint32_t k = pa->base + i;

		pa->was_reserved[i] = !!(map[k / 8] & (1 << (k % 8)));
		map[k / 8] |= 1 << (k % 8);
	}
	err = write_reserved(map);
	if (err) {
		free(pa->was_reserved);
		pa->was_reserved = NULL;
		return err;
	}
	pa->reserved = 1;
	return 0;
}

void natport_portalloc_unreserve(struct natport_portalloc *pa)
{
	uint8_t map[65536 / 8];
	uint32_t i;

	if (!pa->reserved)
		return;
	pa->reserved = 0;
	/* Read again: whatever others changed meanwhile is kept. */
	if (read_reserved(map) == 0) {
		for (i = 0; i < range_ports(pa); i++) {
			uint32_t k = pa->base + i;

			if (!pa->was_reserved[i])
				map[k / 8] &= ~(1 << (k % 8));
		}
		write_reserved(map);
	}
	free(pa->was_reserved);
	pa->was_reserved = NULL;
}

int natport_portalloc_is_reserved(uint16_t port)
{
	uint8_t map[65536 / 8];
	int err = read_reserved(map);

	if (err)
		return err;
	return !!(map[port / 8] & (1 << (port % 8)));
}
