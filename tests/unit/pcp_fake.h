/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcp_fake.h - a port manager for the PCP server's unit tests: external
 * ports from a small table, pairs kept even/odd as natport's would, and a
 * log of every call so a test can check what the server asked for. */
#ifndef NATPORT_PCP_FAKE_H
#define NATPORT_PCP_FAKE_H

#include <string.h>

#include "pcpsrv.h"

#define FAKE_BASE 40000
#define FAKE_PORTS 64

struct fake_pm {
	uint8_t used[FAKE_PORTS];
	unsigned int maps, peers, releases, live;
	int fail; /* next map returns this */
	struct natport_endpoint ext, last_peer;
	uint8_t last_kind;
};

static int fake_take(struct fake_pm *f, uint16_t port)
{
	if (port < FAKE_BASE || port >= FAKE_BASE + FAKE_PORTS ||
	    f->used[port - FAKE_BASE])
		return 0;
	f->used[port - FAKE_BASE] = 1;
	return 1;
}

static int fake_map(void *arg, struct natport_pcplease *l, uint8_t kind,
		    uint16_t suggested, const struct natport_pcplease *partner)
{
	struct fake_pm *f = arg;
	uint16_t p = 0;
	int i;

	f->maps++;
	f->last_kind = kind;
	if (f->fail) {
		int r = f->fail;

		f->fail = 0;
		return r;
	}
	if (kind == NATPORT_PCPLEASE_RTCP) {
		/* the pair's odd half was set aside with the even one */
		p = partner->external.port + 1;
	} else if (kind == NATPORT_PCPLEASE_RTP) {
		if (suggested % 2 == 0 && suggested >= FAKE_BASE &&
		    suggested < FAKE_BASE + FAKE_PORTS &&
		    !f->used[suggested - FAKE_BASE] &&
		    !f->used[suggested + 1 - FAKE_BASE])
			p = suggested;
		for (i = 0; !p && i < FAKE_PORTS; i += 2)
			if (!f->used[i] && !f->used[i + 1])
				p = FAKE_BASE + i;
		if (!p)
			return -NATPORT_E_NOPORT;
		f->used[p + 1 - FAKE_BASE] = 2; /* reserved for the RTCP half */
	} else {
		if (fake_take(f, suggested))
			p = suggested;
		for (i = 0; !p && i < FAKE_PORTS; i++)
			if (!f->used[i])
				p = FAKE_BASE + i;
		if (!p)
			return -NATPORT_E_NOPORT;
	}
	f->used[p - FAKE_BASE] = 1;
	l->external = f->ext;
	l->external.port = p;
	f->live++;
	return 0;
}

static int fake_peer(void *arg, struct natport_pcplease *l)
{
	struct fake_pm *f = arg;

	f->peers++;
	f->last_peer = l->peer;
	return 0;
}

static void fake_release(void *arg, struct natport_pcplease *l)
{
	struct fake_pm *f = arg;
	uint16_t p = l->external.port;

	f->releases++;
	f->live--;
	f->used[p - FAKE_BASE] = 0;
	if (l->kind == NATPORT_PCPLEASE_RTP && !l->partner &&
	    f->used[p + 1 - FAKE_BASE] == 2)
		f->used[p + 1 - FAKE_BASE] = 0;
}

static const struct natport_pcpsrv_ops fake_ops = {
	.map = fake_map,
	.peer = fake_peer,
	.release = fake_release,
};

#endif
