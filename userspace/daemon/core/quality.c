// SPDX-License-Identifier: GPL-2.0-or-later
/* quality.c - RTP loss/jitter/SSRC per call stream from natport_rtp. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "core/log.h"
#include "core/quality.h"

#define MAX_ID 65536 /* mapping ids fit the ct mark's 16 bits */

struct tracked {
	struct natport_mapping m; /* external endpoint is the module's key */
	uint8_t on;
};

struct natport_quality {
	struct natport_evloop *loop;
	struct natport_pm *pm;
	struct natport_rtp *h; /* NULL: module absent */
	struct tracked *t;     /* MAX_ID entries, allocated with the module */
};

static void on_event(const struct natport_rtp_event *ev, void *arg)
{
	char b[NATPORT_ENDPOINT_STRLEN];

	natport_endpoint_format(&ev->external, b, sizeof(b));
	switch (ev->type) {
	case NATPORT_RTP_EV_SSRC:
		log_info_rl("rtp: mapping %u (%s) %s: SSRC %08x -> %08x",
			    ev->mapping_id, b, ev->dir ? "out" : "in",
			    ev->ssrc_old, ev->ssrc_new);
		break;
	case NATPORT_RTP_EV_SILENT:
		log_info_rl("rtp: mapping %u (%s) %s: silent for %u ms",
			    ev->mapping_id, b, ev->dir ? "out" : "in",
			    ev->silent_ms);
		break;
	default:
		log_debug("rtp: mapping %u (%s) %s: %s", ev->mapping_id, b,
			  ev->dir ? "out" : "in",
			  natport_rtp_event_name(ev->type));
		break;
	}
}

static void readable(int fd, uint32_t events, void *arg)
{
	struct natport_quality *q = arg;

	if (natport_rtp_dispatch(q->h) < 0)
		log_warnx_rl("rtp: reading events: %s",
			     natport_rtp_last_error(q->h));
}

struct natport_quality *natport_quality_new(struct natport_evloop *loop,
					    struct natport_pm *pm)
{
	struct natport_quality *q = calloc(1, sizeof(*q));
	char err[256];

	if (!q)
		return NULL;
	q->loop = loop;
	q->pm = pm;
	q->h = natport_rtp_open(err, sizeof(err));
	if (!q->h) {
		log_info("%s; calls work as before, without loss and jitter",
			 err);
		return q;
	}
	q->t = calloc(MAX_ID, sizeof(*q->t));
	if (!q->t ||
	    natport_evloop_add_fd(loop, natport_rtp_fd(q->h), EPOLLIN,
				  readable, q)) {
		log_warnx("rtp: cannot watch the module's events; RTP "
			  "statistics off");
		natport_rtp_close(q->h);
		q->h = NULL;
		free(q->t);
		q->t = NULL;
		return q;
	}
	natport_rtp_set_event_cb(q->h, on_event, q);
	log_info("rtp: kernel module natport_rtp found; per-stream loss, "
		 "jitter and SSRC are measured");
	return q;
}

void natport_quality_free(struct natport_quality *q)
{
	uint32_t id;

	if (!q)
		return;
	if (q->h) {
		for (id = 1; id < MAX_ID; id++)
			if (q->t[id].on)
				natport_rtp_unregister(q->h, &q->t[id].m);
		natport_evloop_del_fd(q->loop, natport_rtp_fd(q->h));
		natport_rtp_close(q->h);
	}
	free(q->t);
	free(q);
}

int natport_quality_available(const struct natport_quality *q)
{
	return q && q->h;
}

void natport_quality_track(struct natport_quality *q, uint32_t id,
			   int payload_type, uint32_t clock_rate)
{
	struct natport_rtp_opts o = {
		.payload_type = payload_type,
		.clock_rate = clock_rate ? clock_rate : 8000,
	};
	struct natport_mapping m;
	int err;

	if (!q || !q->h || id == 0 || id >= MAX_ID ||
	    natport_pm_lookup(q->pm, id, &m))
		return;
	o.replace = q->t[id].on;
	err = natport_rtp_register_opts(q->h, &m, &o);
	if (err == -EEXIST && !o.replace) {
		/* left by a stream we lost track of: take it over */
		o.replace = 1;
		err = natport_rtp_register_opts(q->h, &m, &o);
	}
	if (err) {
		log_warnx_rl("rtp: mapping %u: %s", id,
			     natport_rtp_last_error(q->h));
		return;
	}
	q->t[id].m = m;
	q->t[id].on = 1;
}

static void log_dir(const char *label, uint32_t id, const char *dir,
		    const struct natport_rtp_stats *s)
{
	if (!s->rtp && !s->rtcp)
		return;
	log_info("rtp: %s mapping %u %s: %llu RTP packets, lost %lld of "
		 "%llu (%.2f%%), jitter %.2f ms, SSRC %08x (%u changes), "
		 "%llu RTCP",
		 label, id, dir, (unsigned long long)s->rtp,
		 (long long)s->lost, (unsigned long long)s->expected,
		 s->loss_fraction * 100.0, s->jitter_ms, s->ssrc,
		 s->ssrc_changes, (unsigned long long)s->rtcp);
}

void natport_quality_untrack(struct natport_quality *q, uint32_t id,
			     const char *label)
{
	struct natport_rtp_stats s[2];

	if (!q || !q->h || id == 0 || id >= MAX_ID || !q->t[id].on)
		return;
	if (natport_rtp_get(q->h, &q->t[id].m, s) == 0) {
		log_dir(label, id, "in", &s[NATPORT_RTP_IN]);
		log_dir(label, id, "out", &s[NATPORT_RTP_OUT]);
	}
	natport_rtp_unregister(q->h, &q->t[id].m);
	q->t[id].on = 0;
}

int natport_quality_get(struct natport_quality *q, uint32_t id,
			struct natport_rtp_stats out[2])
{
	if (!q || !q->h || id == 0 || id >= MAX_ID || !q->t[id].on)
		return -ENOENT;
	return natport_rtp_get(q->h, &q->t[id].m, out);
}
