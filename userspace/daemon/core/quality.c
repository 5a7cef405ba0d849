// SPDX-License-Identifier: GPL-2.0-or-later
/* quality.c - RTP loss/jitter/SSRC per call stream from natport_rtp. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "core/log.h"
#include "core/quality.h"

/* Tracked streams hashed by mapping id: ids run as wide as the ct mark
 * allows (11.5 million with the default tag, natport.h), and the table
 * follows the streams tracked, not the id space. */
#define FIRST_BUCKETS 1024

struct tracked {
	uint32_t id;
	struct natport_endpoint external; /* the module's key */
	struct tracked *next;
};

struct natport_quality {
	struct natport_evloop *loop;
	struct natport_pm *pm;
	struct natport_rtp *h; /* NULL: module absent */
	struct tracked **b;    /* nb chains, allocated with the module */
	uint32_t nb, n;
};

static struct tracked **slot(const struct natport_quality *q, uint32_t id)
{
	struct tracked **pp = &q->b[(id * 2654435761u) & (q->nb - 1)];

	while (*pp && (*pp)->id != id)
		pp = &(*pp)->next;
	return pp;
}

static struct tracked *find(const struct natport_quality *q, uint32_t id)
{
	return q->h && id ? *slot(q, id) : NULL;
}

/* More chains once there are as many streams as chains; without the
 * memory the chains only get longer. */
static void grow(struct natport_quality *q)
{
	uint32_t nb = q->nb * 2, i;
	struct tracked **b = calloc(nb, sizeof(*b));

	if (!b)
		return;
	for (i = 0; i < q->nb; i++)
		while (q->b[i]) {
			struct tracked *t = q->b[i];
			uint32_t k = (t->id * 2654435761u) & (nb - 1);

			q->b[i] = t->next;
			t->next = b[k];
			b[k] = t;
		}
	free(q->b);
	q->b = b;
	q->nb = nb;
}

/* What the module's calls read of a mapping: its id and external. */
static struct natport_mapping as_mapping(const struct tracked *t)
{
	struct natport_mapping m = { .id = t->id, .external = t->external };

	return m;
}

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
	q->nb = FIRST_BUCKETS;
	q->b = calloc(q->nb, sizeof(*q->b));
	if (!q->b ||
	    natport_evloop_add_fd(loop, natport_rtp_fd(q->h), EPOLLIN,
				  readable, q)) {
		log_warnx("rtp: cannot watch the module's events; RTP "
			  "statistics off");
		natport_rtp_close(q->h);
		q->h = NULL;
		free(q->b);
		q->b = NULL;
		return q;
	}
	natport_rtp_set_event_cb(q->h, on_event, q);
	log_info("rtp: kernel module natport_rtp found; per-stream loss, "
		 "jitter and SSRC are measured");
	return q;
}

/* unregister: end the module's counting too (detach: leave it for the
 * next instance, which registers the streams again with their figures) */
static void quality_free(struct natport_quality *q, int unregister)
{
	uint32_t i;

	if (!q)
		return;
	if (q->h) {
		for (i = 0; i < q->nb; i++)
			while (q->b[i]) {
				struct tracked *t = q->b[i];
				struct natport_mapping m = as_mapping(t);

				if (unregister)
					natport_rtp_unregister(q->h, &m);
				q->b[i] = t->next;
				free(t);
			}
		natport_evloop_del_fd(q->loop, natport_rtp_fd(q->h));
		natport_rtp_close(q->h);
	}
	free(q->b);
	free(q);
}

void natport_quality_free(struct natport_quality *q)
{
	quality_free(q, 1);
}

void natport_quality_detach(struct natport_quality *q)
{
	quality_free(q, 0);
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
	struct tracked *t;
	int err;

	if (!q || !q->h || id == 0 || natport_pm_lookup(q->pm, id, &m))
		return;
	t = find(q, id);
	o.replace = t != NULL;
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
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (!t) {
			/* counted by the module, but not ours to untrack:
			 * give it back */
			natport_rtp_unregister(q->h, &m);
			log_warnx_rl("rtp: mapping %u: out of memory", id);
			return;
		}
		if (q->n >= q->nb)
			grow(q);
		t->id = id;
		t->next = *slot(q, id);
		*slot(q, id) = t;
		q->n++;
	}
	t->external = m.external;
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
	struct natport_mapping m;
	struct tracked **pp, *t;

	if (!q || !q->h || id == 0 || !*(pp = slot(q, id)))
		return;
	t = *pp;
	m = as_mapping(t);
	if (natport_rtp_get(q->h, &m, s) == 0) {
		log_dir(label, id, "in", &s[NATPORT_RTP_IN]);
		log_dir(label, id, "out", &s[NATPORT_RTP_OUT]);
	}
	natport_rtp_unregister(q->h, &m);
	*pp = t->next;
	free(t);
	q->n--;
}

int natport_quality_get(struct natport_quality *q, uint32_t id,
			struct natport_rtp_stats out[2])
{
	struct tracked *t = q ? find(q, id) : NULL;
	struct natport_mapping m;

	if (!t)
		return -ENOENT;
	m = as_mapping(t);
	return natport_rtp_get(q->h, &m, out);
}
