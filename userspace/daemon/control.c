// SPDX-License-Identifier: GPL-2.0-or-later
/* control.c - the control socket server (natport/control.h). */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <natport/control.h>

#include "control.h"
#include "log.h"
#include "quality.h"

/* A list is produced only while less than this is waiting to be sent, so
 * a slow reader costs at most LOW_WATER + one message of memory. */
#define LOW_WATER (64 * 1024)
#define SWEEP_MS 1000
#define QUAR_RING 256 /* released mappings remembered for listing */
#define BATCH 64      /* mappings copied per pm walk */

enum client_state {
	ST_REQ,	    /* reading the request */
	ST_LIST,    /* producing a reply as the client reads it */
	ST_CLOSING, /* everything queued: close once sent */
	ST_WATCH,   /* streaming events */
};

struct client {
	struct natport_control *ctl;
	int fd, dead;
	enum client_state state;
	int cmd;
	uint64_t cursor;   /* last call serial or mapping id sent */
	int phase;	   /* mappings list: 0 live, 1 quarantined */
	uint64_t since_ms; /* connected, or last output progress */
	uint8_t in[NATPORT_CTL_HDR_LEN + NATPORT_CTL_REQ_MAX];
	size_t in_len;
	uint8_t *out; /* NATPORT_CTL_OUT_MAX bytes */
	size_t out_off, out_len;
	struct client *next;
};

struct quarantined {
	struct natport_mapping m;
	uint64_t released_ms;
};

struct natport_control {
	struct natport_evloop *loop;
	struct natport_pm *pm;
	struct natport_proxy *proxy;
	uint32_t quarantine_ms;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct client *clients;
	struct natport_evloop_timer *sweep, *reap;
	struct quarantined quar[QUAR_RING];
	unsigned int quar_next;
	struct natport_control_stats st;
	/* The message being built. Replies and events share it: no port
	 * manager call that can emit an event is made while a message is
	 * under construction (counters are read before msg_begin). */
	struct natport_ctl_msg_buf mb;
	uint8_t scratch[NATPORT_CTL_HDR_LEN + NATPORT_CTL_MSG_MAX];
};

static uint64_t now(const struct natport_control *ctl)
{
	return natport_evloop_now(ctl->loop);
}

/* --- output ---------------------------------------------------------- */

static void schedule_reap(struct natport_control *ctl);

static void drop(struct client *cl, const char *why)
{
	if (cl->dead)
		return;
	cl->dead = 1;
	if (why) {
		cl->ctl->st.dropped_clients++;
		log_warnx_rl("control: client dropped: %s", why);
	}
	schedule_reap(cl->ctl);
}

static size_t pending(const struct client *cl)
{
	return cl->out_len - cl->out_off;
}

/* Queue a whole message; -1 if it does not fit (the caller decides). */
static int queue(struct client *cl, const void *msg, size_t len)
{
	if (cl->dead)
		return 0;
	if (!cl->out) {
		cl->out = malloc(NATPORT_CTL_OUT_MAX);
		if (!cl->out)
			return -1;
	}
	if (cl->out_off && cl->out_len + len > NATPORT_CTL_OUT_MAX) {
		memmove(cl->out, cl->out + cl->out_off, pending(cl));
		cl->out_len -= cl->out_off;
		cl->out_off = 0;
	}
	if (cl->out_len + len > NATPORT_CTL_OUT_MAX)
		return -1;
	memcpy(cl->out + cl->out_len, msg, len);
	cl->out_len += len;
	return 0;
}

static void flush(struct client *cl)
{
	while (!cl->dead && pending(cl)) {
		ssize_t n = send(cl->fd, cl->out + cl->out_off, pending(cl),
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			/* the client went away: not worth a log line */
			drop(cl, NULL);
			return;
		}
		cl->out_off += (size_t)n;
		cl->since_ms = now(cl->ctl);
	}
	if (!pending(cl))
		cl->out_off = cl->out_len = 0;
}

static void msg_begin(struct natport_control *ctl, uint16_t type)
{
	natport_ctl_msg_begin(&ctl->mb, ctl->scratch, sizeof(ctl->scratch),
			      type);
}

/* Queue the message in ctl->mb for cl; a list reply always fits (it is
 * produced below LOW_WATER), a watcher that lets events pile up is
 * dropped. */
static void msg_send(struct client *cl)
{
	long len = natport_ctl_msg_end(&cl->ctl->mb);

	if (len < 0) {
		log_warnx_rl("control: reply not encodable: %s",
			     strerror((int)-len));
		return;
	}
	if (queue(cl, cl->ctl->scratch, (size_t)len))
		drop(cl, cl->state == ST_WATCH ?
				 "a watcher is not reading its events" :
				 "out of memory");
}

static void send_done(struct client *cl, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void send_done(struct client *cl, int status, const char *fmt, ...)
{
	char msg[NATPORT_CTL_ARG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	msg_begin(cl->ctl, NATPORT_CTL_MSG_DONE);
	natport_ctl_put_done(&cl->ctl->mb, status, msg);
	msg_send(cl);
}

/* --- record fields ---------------------------------------------------- */

/* Strings from outside (SIP URIs, Call-IDs) go out printable and bounded. */
static void put_text(struct natport_ctl_msg_buf *b, const char *key,
		     const char *s)
{
	char clean[NATPORT_CTL_ARG_MAX + 1];
	size_t i;

	for (i = 0; s[i] && i < NATPORT_CTL_ARG_MAX; i++)
		clean[i] = (unsigned char)s[i] >= 0x20 &&
					   (unsigned char)s[i] < 0x7f ?
				   s[i] :
				   '?';
	clean[i] = '\0';
	natport_ctl_put_str(b, key, clean);
}

static void put_ep(struct natport_ctl_msg_buf *b, const char *key,
		   const struct natport_endpoint *ep)
{
	char s[NATPORT_ENDPOINT_STRLEN];

	if (ep->family == AF_UNSPEC)
		return;
	natport_ctl_put_str(b, key, natport_endpoint_format(ep, s, sizeof(s)));
}

static void put_counters(struct natport_ctl_msg_buf *b,
			 const struct natport_counters *c)
{
	natport_ctl_put_u64(b, "pkts_in", c->pkts_in);
	natport_ctl_put_u64(b, "bytes_in", c->bytes_in);
	natport_ctl_put_u64(b, "pkts_out", c->pkts_out);
	natport_ctl_put_u64(b, "bytes_out", c->bytes_out);
}

static void put_mapping(struct natport_control *ctl,
			const struct natport_mapping *m,
			const struct natport_counters *c)
{
	struct natport_ctl_msg_buf *b = &ctl->mb;

	natport_ctl_put_u64(b, "id", m->id);
	natport_ctl_put_str(b, "type", natport_port_type_name(m->type));
	natport_ctl_put_str(b, "state", natport_mapping_state_name(m->state));
	put_ep(b, "internal", &m->internal);
	put_ep(b, "external", &m->external);
	if (m->state != NATPORT_MAP_HELD)
		put_ep(b, "remote", &m->remote);
	if (m->owner == NATPORT_CTL_OWNER_STATIC) {
		natport_ctl_put_str(b, "owner", "static");
	} else {
		natport_ctl_put_str(b, "owner", "sip");
		natport_ctl_put_u64(b, "call", m->owner);
	}
	natport_ctl_put_u64(b, "age", (now(ctl) - m->created_ms) / 1000);
	if (c)
		put_counters(b, c);
}

static void read_counters(struct natport_control *ctl, uint32_t id,
			  struct natport_counters *c)
{
	memset(c, 0, sizeof(*c));
	if (id && natport_pm_counters(ctl->pm, id, c))
		memset(c, 0, sizeof(*c));
}

static void add_counters(struct natport_counters *sum,
			 const struct natport_counters *c)
{
	sum->pkts_in += c->pkts_in;
	sum->bytes_in += c->bytes_in;
	sum->pkts_out += c->pkts_out;
	sum->bytes_out += c->bytes_out;
}

/* One direction's RTP statistics from the natport_rtp module. */
static void put_rtp_dir(struct natport_ctl_msg_buf *b, const char *key,
			const struct natport_rtp_stats *s)
{
	natport_ctl_put_obj(b, key);
	natport_ctl_put_u64(b, "rtp", s->rtp);
	natport_ctl_put_u64(b, "rtcp", s->rtcp);
	natport_ctl_put_u64(b, "expected", s->expected);
	natport_ctl_put_u64(b, "lost", s->lost > 0 ? (uint64_t)s->lost : 0);
	natport_ctl_put_u64(b, "loss_ppm",
			    (uint64_t)(s->loss_fraction * 1e6 + 0.5));
	natport_ctl_put_u64(b, "jitter", s->jitter);
	natport_ctl_put_u64(b, "jitter_us", (uint64_t)(s->jitter_ms * 1000));
	natport_ctl_put_u64(b, "ssrc", s->ssrc);
	natport_ctl_put_u64(b, "ssrc_changes", s->ssrc_changes);
	natport_ctl_put_end(b);
}

static void put_stream_map(struct natport_control *ctl, const char *key,
			   uint32_t id, const struct natport_endpoint *in,
			   const struct natport_endpoint *ex,
			   const struct natport_endpoint *re,
			   const struct natport_counters *c,
			   const struct natport_rtp_stats *q)
{
	struct natport_ctl_msg_buf *b = &ctl->mb;

	natport_ctl_put_obj(b, key);
	natport_ctl_put_u64(b, "mapping", id);
	put_ep(b, "internal", in);
	put_ep(b, "external", ex);
	put_ep(b, "remote", re);
	put_counters(b, c);
	if (q) { /* only where the kernel module counts this stream */
		put_rtp_dir(b, "quality_in", &q[NATPORT_RTP_IN]);
		put_rtp_dir(b, "quality_out", &q[NATPORT_RTP_OUT]);
	}
	natport_ctl_put_end(b);
}

/* A call; full: with its streams and their counters read from the
 * kernel. An event (full 0) is one line and must not call into the port
 * manager. */
static void put_call(struct natport_control *ctl, const struct natport_call *c,
		     int full)
{
	struct natport_ctl_msg_buf *b = &ctl->mb;
	struct natport_counters rtp[NATPORT_SDP_MAX_STREAMS],
		rtcp[NATPORT_SDP_MAX_STREAMS], sum = { 0 };
	struct natport_rtp_stats q[NATPORT_SDP_MAX_STREAMS][2];
	int have_q[NATPORT_SDP_MAX_STREAMS];
	struct natport_quality *qual =
		natport_media_quality(natport_proxy_media(ctl->proxy));
	unsigned int i, n = c->n_streams;

	if (n > NATPORT_SDP_MAX_STREAMS)
		n = NATPORT_SDP_MAX_STREAMS;
	for (i = 0; i < n; i++) {
		memset(&rtp[i], 0, sizeof(rtp[i]));
		memset(&rtcp[i], 0, sizeof(rtcp[i]));
		have_q[i] = 0;
		if (!full)
			continue;
		have_q[i] = natport_quality_get(qual, c->streams[i].rtp_id,
						q[i]) == 0;
		read_counters(ctl, c->streams[i].rtp_id, &rtp[i]);
		read_counters(ctl, c->streams[i].rtcp_id, &rtcp[i]);
		add_counters(&sum, &rtp[i]);
		add_counters(&sum, &rtcp[i]);
	}
	natport_ctl_put_u64(b, "id", c->serial);
	put_text(b, "call_id", c->call_id ? c->call_id : "");
	put_text(b, "from", c->from);
	put_text(b, "to", c->to);
	natport_ctl_put_str(b, "caller", natport_side_name(c->caller_side));
	put_ep(b, "client", &c->client);
	natport_ctl_put_str(b, "state", natport_call_state_name(c->state));
	if (c->state == NATPORT_CALL_ENDED)
		natport_ctl_put_str(b, "end",
				    natport_call_end_name(c->end_reason));
	natport_ctl_put_u64(b, "age", (now(ctl) - c->created_ms) / 1000);
	if (!full)
		return;
	put_counters(b, &sum);
	natport_ctl_put_list(b, "streams");
	for (i = 0; i < n; i++) {
		const struct natport_call_stream *s = &c->streams[i];

		natport_ctl_put_obj(b, NULL);
		put_text(b, "media", s->media);
		natport_ctl_put_str(b, "dir", natport_sdp_dir_name(s->dir));
		natport_ctl_put_u64(b, "disabled", !!s->disabled);
		natport_ctl_put_u64(b, "hold", !!(s->hold || s->remote_hold));
		natport_ctl_put_u64(b, "rtcp_mux", !!s->rtcp_mux);
		if (s->rtp_id)
			put_stream_map(ctl, "rtp", s->rtp_id, &s->internal_rtp,
				       &s->external_rtp, &s->remote_rtp,
				       &rtp[i], have_q[i] ? q[i] : NULL);
		if (s->rtcp_id)
			put_stream_map(ctl, "rtcp", s->rtcp_id,
				       &s->internal_rtcp, &s->external_rtcp,
				       &s->remote_rtcp, &rtcp[i], NULL);
		natport_ctl_put_end(b);
	}
	natport_ctl_put_end(b);
}

/* --- lists ------------------------------------------------------------ */

struct call_walk {
	struct client *cl;
	uint64_t want; /* show: this serial only */
	int found;
};

static int list_call(const struct natport_call *c, void *arg)
{
	struct call_walk *w = arg;
	struct client *cl = w->cl;

	if (w->want) {
		if (c->serial != w->want)
			return 0;
	} else if (c->serial <= cl->cursor) {
		return 0;
	}
	msg_begin(cl->ctl, NATPORT_CTL_MSG_RECORD);
	put_call(cl->ctl, c, 1);
	msg_send(cl);
	cl->cursor = c->serial;
	w->found = 1;
	return w->want || cl->dead || pending(cl) >= LOW_WATER;
}

struct map_batch {
	uint64_t after;
	unsigned int n;
	struct natport_mapping m[BATCH];
};

static int collect_map(const struct natport_mapping *m, void *arg)
{
	struct map_batch *mb = arg;

	if (m->id <= mb->after)
		return 0;
	mb->m[mb->n++] = *m;
	return mb->n == BATCH;
}

static void send_mapping(struct client *cl, const struct natport_mapping *m)
{
	struct natport_counters c;

	read_counters(cl->ctl, m->state == NATPORT_MAP_ACTIVE ? m->id : 0, &c);
	msg_begin(cl->ctl, NATPORT_CTL_MSG_RECORD);
	put_mapping(cl->ctl, m, &c);
	msg_send(cl);
}

static int quarantined(const struct natport_control *ctl, unsigned int i)
{
	const struct quarantined *q = &ctl->quar[i];

	return q->m.id && now(ctl) - q->released_ms < ctl->quarantine_ms;
}

/* Produce more of a list reply; returns 1 when the list is complete. */
static int produce(struct client *cl)
{
	struct natport_control *ctl = cl->ctl;

	if (cl->cmd == NATPORT_CTL_CMD_CALLS_LIST) {
		struct call_walk w = { .cl = cl };

		natport_call_foreach(natport_proxy_calls(ctl->proxy), list_call,
				     &w);
		return !w.found || pending(cl) < LOW_WATER;
	}
	/* mappings list: live ones in id order, then the quarantined */
	while (cl->phase == 0 && !cl->dead && pending(cl) < LOW_WATER) {
		struct map_batch mb = { .after = cl->cursor };

		natport_pm_foreach(ctl->pm, collect_map, &mb);
		for (unsigned int i = 0; i < mb.n; i++) {
			send_mapping(cl, &mb.m[i]);
			cl->cursor = mb.m[i].id;
		}
		if (mb.n < BATCH) {
			cl->phase = 1;
			cl->cursor = 0;
		}
	}
	while (cl->phase == 1 && !cl->dead && pending(cl) < LOW_WATER) {
		if (cl->cursor >= QUAR_RING)
			return 1;
		if (quarantined(ctl, (unsigned int)cl->cursor)) {
			msg_begin(ctl, NATPORT_CTL_MSG_RECORD);
			put_mapping(ctl, &ctl->quar[cl->cursor].m, NULL);
			msg_send(cl);
		}
		cl->cursor++;
	}
	return 0;
}

/* Send what can be sent, produce more, close when done. */
static void pump(struct client *cl)
{
	for (;;) {
		flush(cl);
		if (cl->dead)
			return;
		if (cl->state == ST_LIST && pending(cl) < LOW_WATER) {
			if (produce(cl)) {
				send_done(cl, NATPORT_CTL_OK, "%s", "");
				cl->state = ST_CLOSING;
			}
			continue;
		}
		if (cl->state == ST_CLOSING && !pending(cl)) {
			drop(cl, NULL);
			return;
		}
		return;
	}
}

/* --- commands --------------------------------------------------------- */

/* The port manager's detail, or the code's name when it gave none. */
static const char *pm_error(struct natport_control *ctl, int err)
{
	const char *detail = natport_pm_last_error(ctl->pm);

	return detail && *detail ? detail : natport_strerror(err);
}

static int parse_id(const char *s, uint64_t max, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || *end || !*out || *out > max)
		return -1;
	return 0;
}

struct find_internal {
	const struct natport_endpoint *ep;
	struct natport_mapping m;
	int found;
};

static int find_internal(const struct natport_mapping *m, void *arg)
{
	struct find_internal *f = arg;

	if (!natport_endpoint_equal(&m->internal, f->ep))
		return 0;
	f->m = *m;
	f->found = 1;
	return 1;
}

static void cmd_mappings_add(struct client *cl, int argc, char **argv)
{
	struct natport_control *ctl = cl->ctl;
	struct natport_mapping_req req = { .owner = NATPORT_CTL_OWNER_STATIC };
	struct natport_mapping m;
	struct find_internal f = { .ep = &req.internal };
	int type, err, fresh;

	if (argc < 2 || argc > 3) {
		send_done(cl, NATPORT_CTL_E_ARGS,
			  "expected TYPE INTERNAL [REMOTE]");
		return;
	}
	type = natport_port_type_parse(argv[0]);
	if (type < 0) {
		send_done(cl, NATPORT_CTL_E_ARGS, "unknown type '%s'", argv[0]);
		return;
	}
	req.type = type;
	if (natport_endpoint_parse(argv[1], &req.internal) ||
	    !req.internal.port) {
		send_done(cl, NATPORT_CTL_E_ARGS,
			  "internal: expected ADDRESS:PORT, not '%s'", argv[1]);
		return;
	}
	req.remote.family = AF_UNSPEC;
	if (argc == 3 && (natport_endpoint_parse(argv[2], &req.remote) ||
			  !req.remote.port)) {
		send_done(cl, NATPORT_CTL_E_ARGS,
			  "remote: expected ADDRESS:PORT, not '%s'", argv[2]);
		return;
	}
	natport_pm_foreach(ctl->pm, find_internal, &f);
	if (f.found && f.m.owner != NATPORT_CTL_OWNER_STATIC) {
		send_done(cl, NATPORT_CTL_E_PM,
			  "%s is in use by call %llu (mapping %u)", argv[1],
			  (unsigned long long)f.m.owner, f.m.id);
		return;
	}
	fresh = !f.found;
	/* the port first, then the remote: a refused remote releases the
	 * fresh port again, so a failed add changes nothing */
	err = natport_pm_get_mapping(ctl->pm, &req, &m);
	if (err) {
		send_done(cl, NATPORT_CTL_E_PM, "%s", pm_error(ctl, err));
		return;
	}
	if (argc == 3) {
		err = natport_pm_update_remote(ctl->pm, &m.external,
					       &req.remote, &m);
		if (err) {
			char why[NATPORT_CTL_ARG_MAX];

			snprintf(why, sizeof(why), "%s", pm_error(ctl, err));
			if (fresh)
				natport_pm_release_id(ctl->pm, m.id);
			send_done(cl, NATPORT_CTL_E_PM, "%s", why);
			return;
		}
	}
	log_info("control: static mapping %u %s %s added", m.id, argv[0],
		 argv[1]);
	send_mapping(cl, &m);
	send_done(cl, NATPORT_CTL_OK, "%s", "");
}

static void cmd_mappings_del(struct client *cl, int argc, char **argv)
{
	struct natport_control *ctl = cl->ctl;
	struct natport_mapping m;
	uint64_t id;
	int err;

	if (argc != 1 || parse_id(argv[0], UINT32_MAX, &id)) {
		send_done(cl, NATPORT_CTL_E_ARGS, "expected a mapping ID");
		return;
	}
	if (natport_pm_lookup(ctl->pm, (uint32_t)id, &m)) {
		send_done(cl, NATPORT_CTL_E_NOENT, "no mapping %llu",
			  (unsigned long long)id);
		return;
	}
	if (m.owner != NATPORT_CTL_OWNER_STATIC) {
		send_done(cl, NATPORT_CTL_E_PERM,
			  "mapping %u belongs to call %llu; only static "
			  "mappings can be deleted (flush ends calls)",
			  m.id, (unsigned long long)m.owner);
		return;
	}
	err = natport_pm_release_id(ctl->pm, m.id);
	if (err) {
		send_done(cl, NATPORT_CTL_E_PM, "%s", pm_error(ctl, err));
		return;
	}
	log_info("control: static mapping %u deleted", m.id);
	send_done(cl, NATPORT_CTL_OK, "%s", "");
}

static int end_call(struct natport_call *c, void *arg)
{
	struct natport_control *ctl = arg;

	natport_media_release_call(natport_proxy_media(ctl->proxy), c);
	c->end_reason = NATPORT_END_SHUTDOWN;
	natport_call_set_state(natport_proxy_calls(ctl->proxy), c,
			       NATPORT_CALL_ENDED, now(ctl));
	natport_call_del(natport_proxy_calls(ctl->proxy), c);
	return 0;
}

static void cmd_flush(struct client *cl)
{
	struct natport_control *ctl = cl->ctl;
	unsigned int calls =
		natport_call_count(natport_proxy_calls(ctl->proxy));
	unsigned int released = 0;
	struct map_batch mb;

	natport_call_walk(natport_proxy_calls(ctl->proxy), end_call, ctl);
	/* what is left: static mappings (and anything no call owns) */
	do {
		memset(&mb, 0, sizeof(mb));
		natport_pm_foreach(ctl->pm, collect_map, &mb);
		for (unsigned int i = 0; i < mb.n; i++)
			if (!natport_pm_release_id(ctl->pm, mb.m[i].id))
				released++;
	} while (mb.n == BATCH);
	log_info("control: flush: %u calls ended, %u more mappings released",
		 calls, released);
	send_done(cl, NATPORT_CTL_OK,
		  "%u calls ended, %u more mappings released", calls, released);
}

static int sum_kernel(const struct natport_mapping *m,
		      const struct natport_counters *c, uint32_t timeout_s,
		      void *arg)
{
	add_counters(arg, c);
	return 0;
}

static void cmd_stats(struct client *cl)
{
	static const char *const errs[__NATPORT_E_MAX] = {
		[NATPORT_E_INVAL] = "inval",   [NATPORT_E_BADADDR] = "badaddr",
		[NATPORT_E_NOTSUP] = "notsup", [NATPORT_E_NOPORT] = "noport",
		[NATPORT_E_NOENT] = "noent",   [NATPORT_E_EXIST] = "exist",
		[NATPORT_E_KERNEL] = "kernel", [NATPORT_E_NOMEM] = "nomem",
		[NATPORT_E_SYS] = "sys",
	};
	struct natport_control *ctl = cl->ctl;
	struct natport_ctl_msg_buf *b = &ctl->mb;
	struct natport_call_table *t = natport_proxy_calls(ctl->proxy);
	struct natport_pm_stats ps;
	struct natport_proxy_stats xs;
	struct natport_media_stats ms;
	struct natport_counters k = { 0 };
	uint64_t created, ended, full;
	char err[256];
	int entries;

	natport_pm_get_stats(ctl->pm, &ps);
	natport_proxy_get_stats(ctl->proxy, &xs);
	natport_media_get_stats(natport_proxy_media(ctl->proxy), &ms);
	natport_call_table_counters(t, &created, &ended, &full);
	entries = natport_kernel_list(0, sum_kernel, &k, err, sizeof(err));
	if (entries < 0)
		log_warnx_rl("control: stats: kernel list: %s", err);

	msg_begin(ctl, NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_u64(b, "calls", natport_call_count(t));
	natport_ctl_put_u64(b, "calls_created", created);
	natport_ctl_put_u64(b, "calls_ended", ended);
	natport_ctl_put_u64(
		b, "registrations",
		natport_registrar_count(natport_proxy_registrar(ctl->proxy)));
	natport_ctl_put_u64(b, "mappings", ps.mappings);
	natport_ctl_put_u64(b, "mappings_active", ps.mappings_active);
	natport_ctl_put_u64(b, "mappings_created", ps.created);
	natport_ctl_put_u64(b, "mappings_released", ps.released);
	natport_ctl_put_u64(b, "ports_total", ps.ports_total);
	natport_ctl_put_u64(b, "ports_free", ps.ports_free);
	natport_ctl_put_u64(b, "ports_held", ps.ports_held);
	natport_ctl_put_u64(b, "ports_quarantined", ps.ports_quarantined);
	natport_ctl_put_u64(b, "capacity", ps.capacity);
	natport_ctl_put_u64(b, "headroom", ps.headroom);
	natport_ctl_put_u64(b, "external_addrs", ps.external_addrs);
	natport_ctl_put_u64(b, "pm_fds", ps.fds);
	natport_ctl_put_u64(b, "kernel_entries", entries < 0 ? 0 : entries);
	natport_ctl_put_u64(b, "kernel_pkts_in", k.pkts_in);
	natport_ctl_put_u64(b, "kernel_bytes_in", k.bytes_in);
	natport_ctl_put_u64(b, "kernel_pkts_out", k.pkts_out);
	natport_ctl_put_u64(b, "kernel_bytes_out", k.bytes_out);
	natport_ctl_put_u64(b, "kernel_destroyed", ps.kernel_destroyed);
	natport_ctl_put_u64(b, "kernel_restored", ps.kernel_restored);
	natport_ctl_put_u64(b, "refreshes", ps.refreshes);
	natport_ctl_put_u64(b, "refresh_skipped", ps.refresh_skipped);
	natport_ctl_put_u64(b, "refresh_scans", ps.scans);
	natport_ctl_put_u64(b, "clashes_removed", ps.clashes_removed);
	natport_ctl_put_u64(b, "stale_removed", ps.stale_removed);
	natport_ctl_put_u64(b, "stray_packets", ps.stray_packets);
	natport_ctl_put_u64(b, "event_overruns", ps.event_overruns);
	natport_ctl_put_u64(b, "nft_restored", ps.nft_restored);
	natport_ctl_put_obj(b, "errors");
	for (int i = 1; i < __NATPORT_E_MAX; i++)
		natport_ctl_put_u64(b, errs[i], ps.errors[i]);
	natport_ctl_put_u64(b, "calls_table_full", full);
	natport_ctl_put_u64(b, "sip_malformed", xs.malformed);
	natport_ctl_put_u64(b, "sip_refused", xs.refused);
	natport_ctl_put_u64(b, "sip_dropped", xs.dropped);
	natport_ctl_put_u64(b, "sip_loops", xs.loops);
	natport_ctl_put_u64(b, "media_refused_addr", ms.refused_addr);
	natport_ctl_put_u64(b, "media_refused_cap", ms.refused_cap);
	natport_ctl_put_u64(b, "media_refused_noport", ms.refused_noport);
	natport_ctl_put_u64(b, "media_refused_sdp", ms.refused_sdp);
	natport_ctl_put_u64(b, "media_kernel_errors", ms.kernel_errors);
	natport_ctl_put_u64(b, "control_bad_requests", ctl->st.bad_requests);
	natport_ctl_put_u64(b, "control_dropped_clients",
			    ctl->st.dropped_clients);
	natport_ctl_put_end(b);
	natport_ctl_put_obj(b, "sip");
	natport_ctl_put_u64(b, "rx_requests", xs.rx_requests);
	natport_ctl_put_u64(b, "rx_responses", xs.rx_responses);
	natport_ctl_put_u64(b, "forwarded", xs.forwarded);
	natport_ctl_put_u64(b, "replied", xs.replied);
	natport_ctl_put_u64(b, "own_requests", xs.own_requests);
	natport_ctl_put_end(b);
	natport_ctl_put_obj(b, "control");
	natport_ctl_put_u64(b, "clients", ctl->st.clients);
	natport_ctl_put_u64(b, "watchers", ctl->st.watchers);
	natport_ctl_put_u64(b, "requests", ctl->st.requests);
	natport_ctl_put_end(b);
	msg_send(cl);
	send_done(cl, NATPORT_CTL_OK, "%s", "");
}

static void cmd_show(struct client *cl, int argc, char **argv)
{
	struct natport_control *ctl = cl->ctl;
	uint64_t id;

	if (argc != 1 || parse_id(argv[0], UINT64_MAX - 1, &id)) {
		send_done(cl, NATPORT_CTL_E_ARGS, "expected an ID");
		return;
	}
	if (cl->cmd == NATPORT_CTL_CMD_CALLS_SHOW) {
		struct call_walk w = { .cl = cl, .want = id };

		natport_call_foreach(natport_proxy_calls(ctl->proxy), list_call,
				     &w);
		if (!w.found)
			send_done(cl, NATPORT_CTL_E_NOENT, "no call %llu",
				  (unsigned long long)id);
		else
			send_done(cl, NATPORT_CTL_OK, "%s", "");
		return;
	}
	struct natport_mapping m;

	if (id > UINT32_MAX || natport_pm_lookup(ctl->pm, (uint32_t)id, &m)) {
		send_done(cl, NATPORT_CTL_E_NOENT, "no mapping %llu",
			  (unsigned long long)id);
		return;
	}
	send_mapping(cl, &m);
	send_done(cl, NATPORT_CTL_OK, "%s", "");
}

/* A whole request is in cl->in: check it, run it. Anything wrong gets a
 * DONE with the reason and changes nothing. */
static void handle_request(struct client *cl, const struct natport_ctl_hdr *h)
{
	struct natport_control *ctl = cl->ctl;
	char *argv[NATPORT_CTL_MAX_ARGS];
	int argc;

	cl->state = ST_CLOSING;
	ctl->st.requests++;
	argc = natport_ctl_args_parse((char *)cl->in + NATPORT_CTL_HDR_LEN,
				      h->len, argv);
	if (argc < 0) {
		ctl->st.bad_requests++;
		log_warnx_rl("control: malformed arguments");
		send_done(cl, NATPORT_CTL_E_ARGS,
			  "malformed arguments (at most %d printable strings "
			  "of %d bytes, each NUL-terminated)",
			  NATPORT_CTL_MAX_ARGS, NATPORT_CTL_ARG_MAX);
		return;
	}
	cl->cmd = h->type;
	switch (h->type) {
	case NATPORT_CTL_CMD_CALLS_LIST:
	case NATPORT_CTL_CMD_MAPPINGS_LIST:
	case NATPORT_CTL_CMD_FLUSH:
	case NATPORT_CTL_CMD_STATS:
	case NATPORT_CTL_CMD_WATCH:
		if (argc) {
			ctl->st.bad_requests++;
			send_done(cl, NATPORT_CTL_E_ARGS,
				  "%s takes no arguments",
				  natport_ctl_cmd_name(h->type));
			return;
		}
		break;
	}
	switch (h->type) {
	case NATPORT_CTL_CMD_CALLS_LIST:
	case NATPORT_CTL_CMD_MAPPINGS_LIST:
		cl->state = ST_LIST;
		break;
	case NATPORT_CTL_CMD_CALLS_SHOW:
	case NATPORT_CTL_CMD_MAPPINGS_SHOW:
		cmd_show(cl, argc, argv);
		break;
	case NATPORT_CTL_CMD_MAPPINGS_ADD:
		cmd_mappings_add(cl, argc, argv);
		break;
	case NATPORT_CTL_CMD_MAPPINGS_DEL:
		cmd_mappings_del(cl, argc, argv);
		break;
	case NATPORT_CTL_CMD_FLUSH:
		cmd_flush(cl);
		break;
	case NATPORT_CTL_CMD_STATS:
		cmd_stats(cl);
		break;
	case NATPORT_CTL_CMD_WATCH:
		cl->state = ST_WATCH;
		ctl->st.watchers++;
		send_done(cl, NATPORT_CTL_OK, "%s", "");
		break;
	default:
		ctl->st.bad_requests++;
		log_warnx_rl("control: unknown command %u", h->type);
		send_done(cl, NATPORT_CTL_E_CMD, "unknown command %u", h->type);
		break;
	}
}

/* Read the request: the header first, then exactly its payload. */
static void read_request(struct client *cl)
{
	struct natport_control *ctl = cl->ctl;
	struct natport_ctl_hdr h = { 0 };
	int r = 0;

	while (cl->state == ST_REQ && !cl->dead) {
		size_t want = NATPORT_CTL_HDR_LEN;
		ssize_t n;

		r = natport_ctl_hdr_parse(cl->in, cl->in_len,
					  NATPORT_CTL_REQ_MAX, &h);
		if (r == 0)
			want += h.len;
		else if (r != -EAGAIN)
			break;
		if (cl->in_len == want) {
			handle_request(cl, &h);
			return;
		}
		n = recv(cl->fd, cl->in + cl->in_len, want - cl->in_len,
			 MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			drop(cl, NULL);
			return;
		}
		cl->in_len += (size_t)n;
	}
	if (cl->state != ST_REQ || cl->dead)
		return;
	/* a bad header: say why once, and close */
	ctl->st.bad_requests++;
	cl->state = ST_CLOSING;
	switch (r) {
	case -EPROTO:
		log_warnx_rl("control: request with a bad magic");
		send_done(cl, NATPORT_CTL_E_PROTO,
			  "not a natport control request (bad magic)");
		break;
	case -EPROTONOSUPPORT:
		log_warnx_rl("control: request of protocol version %u",
			     h.version);
		send_done(cl, NATPORT_CTL_E_PROTO,
			  "protocol version %u not supported (nat-portd "
			  "speaks %u)",
			  h.version, NATPORT_CTL_VERSION);
		break;
	default:
		log_warnx_rl("control: request of %u bytes refused", h.len);
		send_done(cl, NATPORT_CTL_E_PROTO,
			  "request of %u bytes refused (at most %u)", h.len,
			  NATPORT_CTL_REQ_MAX);
		break;
	}
}

/* Data from a client that already sent its request: discard it, bounded
 * by what one read returns; EOF closes. */
static void discard_input(struct client *cl)
{
	char buf[4096];

	for (int i = 0; i < 16 && !cl->dead; i++) {
		ssize_t n = recv(cl->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0)
			drop(cl, NULL);
	}
}

static void free_client(struct client *cl)
{
	struct natport_control *ctl = cl->ctl;
	struct client **pp;

	for (pp = &ctl->clients; *pp; pp = &(*pp)->next) {
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	}
	if (cl->state == ST_WATCH)
		ctl->st.watchers--;
	ctl->st.clients--;
	natport_evloop_del_fd(ctl->loop, cl->fd);
	close(cl->fd);
	free(cl->out);
	free(cl);
}

static void reap(struct natport_control *ctl)
{
	struct client *cl, *n;

	for (cl = ctl->clients; cl; cl = n) {
		n = cl->next;
		if (cl->dead)
			free_client(cl);
	}
}

static void on_reap(void *arg)
{
	struct natport_control *ctl = arg;

	ctl->reap = NULL;
	reap(ctl);
}

static void schedule_reap(struct natport_control *ctl)
{
	if (!ctl->reap)
		ctl->reap =
			natport_evloop_timer_add(ctl->loop, 0, on_reap, ctl);
}

/* Edge-triggered: each callback reads and writes until EAGAIN. */
static void on_client(int fd, uint32_t events, void *arg)
{
	struct client *cl = arg;

	if (cl->dead)
		return;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) {
		if (cl->state == ST_REQ)
			read_request(cl);
		else
			discard_input(cl);
	}
	if (!cl->dead)
		pump(cl);
}

static void on_listen(int fd, uint32_t events, void *arg)
{
	struct natport_control *ctl = arg;

	for (;;) {
		struct client *cl;
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("control: accept");
			return;
		}
		ctl->st.connections++;
		cl = calloc(1, sizeof(*cl));
		if (!cl) {
			close(cfd);
			continue;
		}
		cl->ctl = ctl;
		cl->fd = cfd;
		cl->since_ms = now(ctl);
		if (ctl->st.clients >= NATPORT_CTL_MAX_CLIENTS) {
			/* one short message always fits a fresh socket */
			ctl->st.refused_busy++;
			log_warnx_rl("control: more than %d clients, refusing",
				     NATPORT_CTL_MAX_CLIENTS);
			cl->state = ST_CLOSING;
			send_done(cl, NATPORT_CTL_E_BUSY,
				  "too many control clients (at most %d)",
				  NATPORT_CTL_MAX_CLIENTS);
			flush(cl);
			close(cfd);
			free(cl->out);
			free(cl);
			continue;
		}
		if (natport_evloop_add_fd(ctl->loop, cfd,
					  EPOLLIN | EPOLLOUT | EPOLLRDHUP |
						  EPOLLET,
					  on_client, cl)) {
			log_warnx_rl("control: cannot watch a client");
			close(cfd);
			free(cl);
			continue;
		}
		cl->next = ctl->clients;
		ctl->clients = cl;
		ctl->st.clients++;
	}
}

/* Drop clients that sent no request in time or stopped reading. */
static void on_sweep(void *arg)
{
	struct natport_control *ctl = arg;
	uint64_t t = now(ctl);

	for (struct client *cl = ctl->clients; cl; cl = cl->next) {
		if (cl->dead)
			continue;
		if (cl->state == ST_REQ &&
		    t - cl->since_ms >= NATPORT_CTL_REQ_TIMEOUT_MS)
			drop(cl, "no complete request in time");
		else if (pending(cl) &&
			 t - cl->since_ms >= NATPORT_CTL_STALL_TIMEOUT_MS)
			drop(cl, "not reading its replies");
	}
	reap(ctl);
	ctl->sweep =
		natport_evloop_timer_add(ctl->loop, SWEEP_MS, on_sweep, ctl);
}

/* --- events ----------------------------------------------------------- */

static void broadcast(struct natport_control *ctl)
{
	long len = natport_ctl_msg_end(&ctl->mb);

	if (len < 0)
		return;
	for (struct client *cl = ctl->clients; cl; cl = cl->next) {
		if (cl->state != ST_WATCH || cl->dead)
			continue;
		if (queue(cl, ctl->scratch, (size_t)len)) {
			drop(cl, "a watcher is not reading its events");
			continue;
		}
		flush(cl);
	}
}

void natport_control_pm_event(struct natport_control *ctl,
			      const struct natport_event *ev)
{
	static const char *const names[] = {
		[NATPORT_EV_CREATED] = "mapping-created",
		[NATPORT_EV_REMOTE] = "mapping-remote",
		[NATPORT_EV_RELEASED] = "mapping-released",
		[NATPORT_EV_DESTROYED] = "mapping-destroyed",
		[NATPORT_EV_RESTORED] = "mapping-restored",
	};

	if (!ctl)
		return;
	if (ev->type == NATPORT_EV_RELEASED && ctl->quarantine_ms) {
		struct quarantined *q = &ctl->quar[ctl->quar_next];

		q->m = ev->mapping;
		q->m.state = NATPORT_MAP_QUARANTINED;
		q->released_ms = now(ctl);
		ctl->quar_next = (ctl->quar_next + 1) % QUAR_RING;
	}
	if (!ctl->st.watchers || (unsigned int)ev->type > NATPORT_EV_RESTORED)
		return;
	msg_begin(ctl, NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_str(&ctl->mb, "event", names[ev->type]);
	put_mapping(ctl, &ev->mapping, NULL);
	broadcast(ctl);
}

void natport_control_call_event(struct natport_control *ctl,
				enum natport_call_event_type type,
				const struct natport_call *c)
{
	static const char *const names[] = {
		[NATPORT_CALL_EV_NEW] = "call-new",
		[NATPORT_CALL_EV_STATE] = "call-state",
		[NATPORT_CALL_EV_MEDIA] = "call-media",
		[NATPORT_CALL_EV_END] = "call-end",
	};

	if (!ctl || !ctl->st.watchers ||
	    (unsigned int)type > NATPORT_CALL_EV_END)
		return;
	msg_begin(ctl, NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_str(&ctl->mb, "event", names[type]);
	put_call(ctl, c, 0);
	broadcast(ctl);
}

/* --- setup ------------------------------------------------------------ */

static int listen_on(struct natport_control *ctl, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct group *gr;
	mode_t old;
	int fd, probe;

	char dir[sizeof(sa.sun_path)], *slash;

	if (strlen(ctl->path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: path too long", ctl->path);
		return -1;
	}
	/* systemd's RuntimeDirectory makes it; by hand, one level is made */
	strcpy(dir, ctl->path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST) {
			snprintf(err, errlen, "mkdir %s: %s", dir,
				 strerror(errno));
			return -1;
		}
	}
	strcpy(sa.sun_path, ctl->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* a live daemon answers; a stale file from a crash does not */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe >= 0 && !connect(probe, (struct sockaddr *)&sa, sizeof(sa))) {
		close(probe);
		close(fd);
		snprintf(err, errlen, "%s: another nat-portd is listening",
			 ctl->path);
		return -1;
	}
	if (probe >= 0)
		close(probe);
	if (unlink(ctl->path) && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", ctl->path, strerror(errno));
		close(fd);
		return -1;
	}
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		umask(old);
		snprintf(err, errlen, "bind %s: %s", ctl->path,
			 strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	gr = getgrnam("natport");
	if (gr && chown(ctl->path, (uid_t)-1, gr->gr_gid))
		log_warn("control: chown %s to group natport", ctl->path);
	if (chmod(ctl->path, 0660))
		log_warn("control: chmod %s", ctl->path);
	if (listen(fd, 16)) {
		snprintf(err, errlen, "listen %s: %s", ctl->path,
			 strerror(errno));
		unlink(ctl->path);
		close(fd);
		return -1;
	}
	return fd;
}

struct natport_control *
natport_control_new(struct natport_evloop *loop, const char *path,
		    struct natport_pm *pm, struct natport_proxy *proxy,
		    uint32_t quarantine_ms, char *err, size_t errlen)
{
	struct natport_control *ctl = calloc(1, sizeof(*ctl));
	int r;

	if (!ctl) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ctl->loop = loop;
	ctl->pm = pm;
	ctl->proxy = proxy;
	ctl->quarantine_ms = quarantine_ms;
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	ctl->fd = listen_on(ctl, err, errlen);
	if (ctl->fd < 0)
		goto err_listen;
	r = natport_evloop_add_fd(loop, ctl->fd, EPOLLIN, on_listen, ctl);
	if (r) {
		snprintf(err, errlen, "event loop: %s", strerror(-r));
		goto err_add;
	}
	ctl->sweep = natport_evloop_timer_add(loop, SWEEP_MS, on_sweep, ctl);
	if (!ctl->sweep) {
		snprintf(err, errlen, "out of memory");
		goto err_timer;
	}
	return ctl;

err_timer:
	natport_evloop_del_fd(loop, ctl->fd);
err_add:
	close(ctl->fd);
	unlink(ctl->path);
err_listen:
	free(ctl);
	return NULL;
}

void natport_control_free(struct natport_control *ctl)
{
	if (!ctl)
		return;
	while (ctl->clients)
		free_client(ctl->clients);
	if (ctl->sweep)
		natport_evloop_timer_cancel(ctl->loop, ctl->sweep);
	if (ctl->reap)
		natport_evloop_timer_cancel(ctl->loop, ctl->reap);
	natport_evloop_del_fd(ctl->loop, ctl->fd);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl);
}

void natport_control_get_stats(struct natport_control *ctl,
			       struct natport_control_stats *out)
{
	*out = ctl->st;
}
