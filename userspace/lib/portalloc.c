// SPDX-License-Identifier: LGPL-2.1-or-later
/* portalloc.c - external port pairs held by bound sockets, with FIFO reuse
 * and quarantine. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portalloc.h"

/* A busy pair (someone else holds a port) is tried again after this. */
#define BUSY_RETRY_MS 10000

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

/* Room for one held socket per port: raise the soft limit, and the hard
 * one where we may (CAP_SYS_RESOURCE), if the range needs it. What still
 * does not fit shows up as EMFILE, reported as "no free port". */
static void raise_nofile(uint32_t need)
{
	struct rlimit rl;

	need += 256; /* the rest of the program */
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= need)
		return;
	if (rl.rlim_max < need) {
		struct rlimit want = { need, need };

		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			return;
	}
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

int natport_portalloc_init(struct natport_portalloc *pa,
			   const struct natport_endpoint *addr,
			   uint16_t port_min, uint16_t port_max,
			   uint32_t quarantine_ms)
{
	uint32_t lo = port_min, hi = port_max, i;

	memset(pa, 0, sizeof(*pa));
	if (lo & 1)
		lo++;
	if (!(hi & 1))
		hi--;
	if (lo == 0 || hi > 65535 || lo > hi)
		return -NATPORT_E_INVAL;
	pa->addr = *addr;
	pa->addr.port = 0;
	pa->base = lo;
	pa->npairs = (hi - lo + 1) / 2;
	pa->quarantine_ms = quarantine_ms;
	pa->pairs = calloc(pa->npairs, sizeof(*pa->pairs));
	if (!pa->pairs)
		return -NATPORT_E_NOMEM;
	pa->free_head = pa->free_tail = NATPORT_PAIR_NONE;
	pa->q_head = pa->q_tail = NATPORT_PAIR_NONE;
	pa->busy_head = pa->busy_tail = NATPORT_PAIR_NONE;
	for (i = 0; i < pa->npairs; i++) {
		pa->pairs[i].fd[0] = pa->pairs[i].fd[1] = -1;
		pa->pairs[i].state = PAIR_FREE;
		fifo_push(pa, &pa->free_head, &pa->free_tail, i);
	}
	pa->nfree = pa->npairs;
	raise_nofile(2 * pa->npairs);
	return 0;
}

void natport_portalloc_uninit(struct natport_portalloc *pa)
{
	uint32_t i;

	if (!pa->pairs)
		return;
	for (i = 0; i < pa->npairs; i++) {
		if (pa->pairs[i].fd[0] >= 0)
			close(pa->pairs[i].fd[0]);
		if (pa->pairs[i].fd[1] >= 0)
			close(pa->pairs[i].fd[1]);
	}
	free(pa->pairs);
	pa->pairs = NULL;
}

static int hold_one(const struct natport_portalloc *pa, uint16_t port)
{
	struct natport_endpoint ep = pa->addr;
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, small = 1;

	ep.port = port;
	len = natport_endpoint_to_sockaddr(&ep, &ss);
	fd = socket(pa->addr.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	/* Stray packets are only counted: keep the queue (memory) small. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Bind both halves on first use; a pair stays held afterwards. */
static int hold(struct natport_portalloc *pa, uint32_t i)
{
	struct natport_pair *p = &pa->pairs[i];
	unsigned int h;

	for (h = 0; h < 2; h++) {
		if (p->fd[h] >= 0)
			continue;
		p->fd[h] = hold_one(pa, natport_portalloc_port(pa, i, h));
		if (p->fd[h] < 0) {
			pa->last_errno = -p->fd[h];
			p->fd[h] = -1;
			return -1;
		}
	}
	return 0;
}

static void expire_fifo(struct natport_portalloc *pa, uint32_t *head,
			uint32_t *tail, uint32_t *count, uint64_t now_ms)
{
	while (*head != NATPORT_PAIR_NONE &&
	       pa->pairs[*head].until_ms <= now_ms) {
		uint32_t i = fifo_pop(pa, head, tail);

		(*count)--;
		pa->pairs[i].state = PAIR_FREE;
		fifo_push(pa, &pa->free_head, &pa->free_tail, i);
		pa->nfree++;
	}
}

void natport_portalloc_expire(struct natport_portalloc *pa, uint64_t now_ms)
{
	expire_fifo(pa, &pa->q_head, &pa->q_tail, &pa->nquarantine, now_ms);
	expire_fifo(pa, &pa->busy_head, &pa->busy_tail, &pa->nbusy, now_ms);
}

uint32_t natport_portalloc_get(struct natport_portalloc *pa, uint64_t now_ms)
{
	uint32_t i, tries;

	natport_portalloc_expire(pa, now_ms);
	tries = pa->nfree; /* each free pair once */
	while (tries-- > 0 &&
	       (i = fifo_pop(pa, &pa->free_head, &pa->free_tail)) !=
		       NATPORT_PAIR_NONE) {
		struct natport_pair *p = &pa->pairs[i];

		pa->nfree--;
		if (hold(pa, i) == 0) {
			p->state = PAIR_USED;
			p->map[0] = p->map[1] = 0;
			pa->nused++;
			return i;
		}
		if (pa->last_errno == EMFILE || pa->last_errno == ENFILE ||
		    pa->last_errno == ENOMEM || pa->last_errno == ENOBUFS) {
			/* Our own limit, not the port's fault: keep it free,
			 * and go on to a pair bound before (it needs no new
			 * descriptor). Returning here would refuse a call for
			 * every unbound pair each time the FIFO comes round,
			 * when the range needs more than RLIMIT_NOFILE. */
			fifo_push(pa, &pa->free_head, &pa->free_tail, i);
			pa->nfree++;
			continue;
		}
		/* Another program holds a port of this pair: set it aside
		 * and try it again later. */
		p->state = PAIR_BUSY;
		p->until_ms = now_ms + BUSY_RETRY_MS;
		fifo_push(pa, &pa->busy_head, &pa->busy_tail, i);
		pa->nbusy++;
	}
	return NATPORT_PAIR_NONE;
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

int natport_portalloc_find(const struct natport_portalloc *pa, uint16_t port,
			   uint32_t *pair, unsigned int *half)
{
	uint32_t off;

	if (port < pa->base)
		return -1;
	off = port - pa->base;
	if (off / 2 >= pa->npairs)
		return -1;
	*pair = off / 2;
	*half = off & 1;
	return 0;
}

unsigned int natport_portalloc_drain(struct natport_portalloc *pa,
				     uint32_t i)
{
	struct natport_pair *p = &pa->pairs[i];
	unsigned int h, n = 0;
	char buf[64];

	for (h = 0; h < 2; h++) {
		if (p->fd[h] < 0)
			continue;
		/* bounded: the receive queue is tiny */
		while (n < 4096 &&
		       recv(p->fd[h], buf, sizeof(buf), MSG_DONTWAIT) >= 0)
			n++;
	}
	return n;
}
