// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tcp.c - the stream SIP transport (RFC 3261 section 18 over TCP, and the
 * base TLS plugs into): a listener, accepted and outgoing connections in
 * a table keyed by peer, Content-Length framing, bounded buffers.
 *
 * Nothing a peer does can stall the loop or grow without bound: sockets
 * are non-blocking, a connection is read at most READ_BUDGET octets per
 * wakeup, its input holds at most one message (NATPORT_SIP_MAX_STREAM_MSG)
 * plus one read, its output at most max_output, connections are capped
 * in total and per peer address, and a connection that carries no whole
 * message for idle_ms (one that dribbles a message forever included) is
 * closed. An idle connection holds no buffer at all.
 *
 * A connection's callbacks may run the proxy, which may send on it or
 * close it; a connection closed while busy is only marked dead, taken out
 * of the table at once and freed when its callback returns.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "sip/framer.h"
#include "sip/tls.h"
#include "sip/transport.h"

#define BACKLOG 128
#define ACCEPT_BATCH 32 /* accepts per wakeup */
#define READ_CHUNK 16384
#define READ_BUDGET (4 * READ_CHUNK) /* per connection per wakeup */
#define SWEEP_MS 1000
#define SETUP_TIMEOUT_MS 10000 /* connect and handshake */
#define NBUCKETS 1024

/* defaults for a zero in the config */
#define DEF_MAX_CONNS 1024
#define DEF_MAX_PER_PEER 32
#define DEF_IDLE_MS (600 * 1000)
#define DEF_MAX_OUTPUT (256 * 1024)

enum conn_state { C_CONNECTING, C_HANDSHAKE, C_OPEN };

struct tcp_transport;

struct conn {
	struct tcp_transport *t;
	struct conn *hnext;	  /* bucket chain */
	struct conn *prev, *next; /* every live connection */
	int fd;
	struct natport_sip_stream *s;
	struct natport_endpoint peer;
	enum conn_state state;
	int outgoing;
	uint32_t armed;	      /* events registered with the loop */
	int rd_want, wr_want; /* what a stalled read / write waits for */
	int hs_want;	      /* what a stalled handshake waits for */
	int busy, dead;
	int reported; /* its queue went to the fail callback */
	char *in; /* a partial message, malloc'd to in_len */
	size_t in_len;
	char *out; /* queued output: out[out_off..out_len) */
	size_t out_len, out_off;
	uint64_t last_ms; /* last whole message, ping or write */
};

struct tcp_transport {
	struct natport_sip_transport tp; /* first: cast both ways */
	struct natport_evloop *loop;
	struct natport_sip_tcp_config cfg;
	int lfd, listening;
	natport_sip_recv_fn fn;
	void *arg;
	struct conn *buckets[NBUCKETS];
	struct conn *all;
	struct natport_evloop_timer *sweep;
	char rx[READ_CHUNK];
	char msg[NATPORT_SIP_MAX_STREAM_MSG + 1]; /* NUL-terminated copy */
};

static const char *const proto_names[__NATPORT_SIP_PROTO_MAX] = {
	[NATPORT_SIP_UDP] = "UDP",
	[NATPORT_SIP_TCP] = "TCP",
	[NATPORT_SIP_TLS] = "TLS",
};

const char *natport_sip_proto_name(enum natport_sip_proto p)
{
	return (unsigned int)p < __NATPORT_SIP_PROTO_MAX ? proto_names[p] : "?";
}

int natport_sip_proto_parse(const char *s)
{
	for (int i = 0; i < __NATPORT_SIP_PROTO_MAX; i++)
		if (s && !strcasecmp(s, proto_names[i]))
			return i;
	return -1;
}

int natport_sip_transport_connected(struct natport_sip_transport *tp,
				    const struct natport_endpoint *dst)
{
	return tp->ops->connected ? tp->ops->connected(tp, dst) : 1;
}

static const char *fmt_ep(const struct natport_endpoint *ep, char *b)
{
	return natport_endpoint_format(ep, b, NATPORT_ENDPOINT_STRLEN);
}

static unsigned int bucket(const struct natport_endpoint *ep)
{
	const unsigned char *a = (const unsigned char *)&ep->addr;
	size_t n = ep->family == AF_INET6 ? 16 : 4;
	uint32_t h = 2166136261u ^ ep->port;

	for (size_t i = 0; i < n; i++)
		h = (h ^ a[i]) * 16777619u;
	return h % NBUCKETS;
}

static struct conn *conn_find(struct tcp_transport *t,
			      const struct natport_endpoint *peer)
{
	for (struct conn *c = t->buckets[bucket(peer)]; c; c = c->hnext)
		if (natport_endpoint_equal(&c->peer, peer))
			return c;
	return NULL;
}

static void on_conn(int fd, uint32_t events, void *arg);

/* Register the events the connection's state needs; the loop has no
 * modify, so a change is a delete and an add (rare: output queued or
 * drained, a handshake's direction). */
static void conn_arm(struct conn *c)
{
	uint32_t ev = EPOLLIN | EPOLLRDHUP;

	if (c->state == C_CONNECTING)
		ev = EPOLLOUT;
	else if (c->out_len > c->out_off ||
		 c->wr_want & NATPORT_STREAM_WANT_WRITE ||
		 c->rd_want & NATPORT_STREAM_WANT_WRITE ||
		 c->hs_want & NATPORT_STREAM_WANT_WRITE)
		ev |= EPOLLOUT;
	if (ev == c->armed)
		return;
	if (c->armed)
		natport_evloop_del_fd(c->t->loop, c->fd);
	c->armed = 0;
	if (!natport_evloop_add_fd(c->t->loop, c->fd, ev, on_conn, c))
		c->armed = ev;
}

static void conn_unlink(struct conn *c)
{
	struct tcp_transport *t = c->t;
	struct conn **pp = &t->buckets[bucket(&c->peer)];

	for (; *pp; pp = &(*pp)->hnext)
		if (*pp == c) {
			*pp = c->hnext;
			break;
		}
	if (c->prev)
		c->prev->next = c->next;
	else
		t->all = c->next;
	if (c->next)
		c->next->prev = c->prev;
	t->tp.conns--;
}

static void conn_destroy(struct conn *c)
{
	if (c->armed)
		natport_evloop_del_fd(c->t->loop, c->fd);
	if (c->s)
		c->s->ops->free(c->s);
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

/*
 * The messages still queued on a connection that failed go back to the
 * config's fail callback one by one, so the proxy can answer a request
 * that will never arrive instead of leaving its sender to time out. Only
 * a queue none of which was written is reported: once a message was
 * partly written the rest has no known boundary (and the peer may have
 * got the start); that happens only on a connection that was open.
 */
static void report_unsent(struct conn *c, const char *why)
{
	struct tcp_transport *t = c->t;
	size_t off = c->out_off;

	if (!c->outgoing || !t->cfg.fail || off)
		return;
	while (off < c->out_len) {
		struct natport_frame f;

		natport_sip_frame(c->out + off, c->out_len - off,
				  NATPORT_SIP_MAX_STREAM_MSG, &f);
		if (f.kind == NATPORT_FRAME_MORE ||
		    f.kind == NATPORT_FRAME_ERROR)
			return; /* our own output: cannot happen */
		if (f.kind == NATPORT_FRAME_MSG) {
			c->reported = 1;
			t->cfg.fail(&t->tp, &c->peer, c->out + off, f.len, why,
				    t->cfg.fail_arg);
		}
		off += f.len;
	}
}

/* Close now, or (inside the connection's own callback) once it returns;
 * either way it is out of the table from here on. */
static void conn_close(struct conn *c, const char *why)
{
	char b[NATPORT_ENDPOINT_STRLEN];

	if (c->dead)
		return;
	log_debug("sip: %s connection %s %s closed: %s", c->t->tp.ops->proto,
		  c->outgoing ? "to" : "from", fmt_ep(&c->peer, b), why);
	c->dead = 1;
	conn_unlink(c);
	/* out of the table first: what the callback sends to this peer
	 * opens a new connection */
	c->busy++;
	report_unsent(c, why);
	c->busy--;
	if (!c->busy)
		conn_destroy(c);
}

static struct conn *conn_new(struct tcp_transport *t, int fd,
			     const struct natport_endpoint *peer, int outgoing,
			     enum conn_state state)
{
	struct conn *c = calloc(1, sizeof(*c));
	char err[200] = "";
	unsigned int h;

	if (!c)
		return NULL;
	c->t = t;
	c->fd = fd;
	c->peer = *peer;
	c->outgoing = outgoing;
	c->state = state;
	c->last_ms = natport_evloop_now(t->loop);
	if (t->cfg.stream_new)
		c->s = t->cfg.stream_new(t->cfg.stream_arg, fd, !outgoing, peer,
					 err, sizeof(err));
	else
		c->s = natport_sip_stream_plain(fd);
	if (!c->s) {
		char b[NATPORT_ENDPOINT_STRLEN];

		log_warnx_rl("sip: %s connection %s %s: %s", t->tp.ops->proto,
			     outgoing ? "to" : "from", fmt_ep(peer, b),
			     *err ? err : "out of memory");
		free(c);
		return NULL;
	}
	h = bucket(peer);
	c->hnext = t->buckets[h];
	t->buckets[h] = c;
	c->next = t->all;
	if (t->all)
		t->all->prev = c;
	t->all = c;
	t->tp.conns++;
	return c;
}

/* Write what is queued; 0, or -errno with the connection closed. */
static int flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n =
			c->s->ops->write(c->s, c->out + c->out_off,
					 c->out_len - c->out_off, &c->wr_want);

		if (n == -EAGAIN)
			return 0;
		if (n <= 0) {
			c->t->tp.tx_errors++;
			conn_close(c, n < 0 ? strerror((int)-n) : "write 0");
			return n < 0 ? (int)n : -EPIPE;
		}
		c->out_off += (size_t)n;
		c->last_ms = natport_evloop_now(c->t->loop);
	}
	c->wr_want = 0;
	free(c->out); /* an idle connection holds no buffer */
	c->out = NULL;
	c->out_len = c->out_off = 0;
	return 0;
}

static int queue(struct conn *c, const char *buf, size_t len)
{
	size_t pending = c->out_len - c->out_off;
	char *n;

	if (pending + len > c->t->cfg.max_output)
		return -ENOBUFS;
	if (c->out_off) {
		memmove(c->out, c->out + c->out_off, pending);
		c->out_off = 0;
		c->out_len = pending;
	}
	n = realloc(c->out, pending + len);
	if (!n)
		return -ENOMEM;
	memcpy(n + pending, buf, len);
	c->out = n;
	c->out_len = pending + len;
	return 0;
}

static void deliver(struct conn *c, const char *buf, size_t len)
{
	struct tcp_transport *t = c->t;

	memcpy(t->msg, buf, len);
	t->msg[len] = '\0';
	t->tp.rx_msgs++;
	t->tp.rx_bytes += len;
	c->last_ms = natport_evloop_now(t->loop);
	t->fn(&t->tp, &c->peer, t->msg, len, t->arg);
}

/* Frame buf[0..len) into messages; keep the incomplete rest. */
static void consume(struct conn *c, const char *buf, size_t len)
{
	size_t off = 0;

	while (!c->dead && off < len) {
		struct natport_frame f;
		char b[NATPORT_ENDPOINT_STRLEN];

		natport_sip_frame(buf + off, len - off,
				  NATPORT_SIP_MAX_STREAM_MSG, &f);
		if (f.kind == NATPORT_FRAME_MORE)
			break;
		if (f.kind == NATPORT_FRAME_ERROR) {
			c->t->tp.framing_errors++;
			log_warnx_rl("sip: %s from %s: %s; connection closed",
				     c->t->tp.ops->proto, fmt_ep(&c->peer, b),
				     f.why);
			conn_close(c, f.why);
			return;
		}
		if (f.kind == NATPORT_FRAME_PING) {
			/* RFC 5626 section 4.4.1: a ping is answered by a
			 * pong, and keeps the connection from idling out */
			c->last_ms = natport_evloop_now(c->t->loop);
			if (!queue(c, "\r\n", 2))
				flush(c);
		} else if (f.kind == NATPORT_FRAME_MSG) {
			deliver(c, buf + off, f.len);
		}
		off += f.len;
	}
	if (c->dead)
		return;
	len -= off;
	if (buf == c->in) {
		if (!len) {
			free(c->in);
			c->in = NULL;
		} else {
			memmove(c->in, c->in + off, len);
		}
		c->in_len = len;
	} else if (len) {
		c->in = malloc(len);
		if (!c->in) {
			conn_close(c, "out of memory");
			return;
		}
		memcpy(c->in, buf + off, len);
		c->in_len = len;
	}
}

static void do_read(struct conn *c)
{
	struct tcp_transport *t = c->t;
	size_t budget = READ_BUDGET;

	while (!c->dead && budget) {
		ssize_t n = c->s->ops->read(c->s, t->rx, sizeof(t->rx),
					    &c->rd_want);

		if (n == -EAGAIN)
			return;
		if (n == 0) {
			conn_close(c, "closed by the peer");
			return;
		}
		if (n < 0) {
			conn_close(c,
				   *c->s->err ? c->s->err : strerror((int)-n));
			return;
		}
		c->rd_want = 0;
		budget -= (size_t)n < budget ? (size_t)n : budget;
		if (!c->in_len) {
			consume(c, t->rx, (size_t)n);
		} else {
			char *m = realloc(c->in, c->in_len + (size_t)n);

			if (!m) {
				conn_close(c, "out of memory");
				return;
			}
			memcpy(m + c->in_len, t->rx, (size_t)n);
			c->in = m;
			c->in_len += (size_t)n;
			consume(c, c->in, c->in_len);
		}
	}
}

static void do_handshake(struct conn *c)
{
	char b[NATPORT_ENDPOINT_STRLEN];
	int r = c->s->ops->handshake(c->s, &c->hs_want);

	if (r == -EAGAIN)
		return;
	if (r) {
		c->t->tp.failed++;
		log_warnx_rl("sip: %s %s %s: %s", c->t->tp.ops->proto,
			     c->outgoing ? "connection to" : "handshake from",
			     fmt_ep(&c->peer, b),
			     *c->s->err ? c->s->err : strerror(-r));
		conn_close(c, *c->s->err ? c->s->err : "handshake failed");
		return;
	}
	c->hs_want = 0;
	c->state = C_OPEN;
	c->last_ms = natport_evloop_now(c->t->loop);
}

static void on_conn(int fd, uint32_t events, void *arg)
{
	struct conn *c = arg;
	char b[NATPORT_ENDPOINT_STRLEN], why[80];

	(void)fd;
	c->busy++;
	if (c->state == C_CONNECTING) {
		int e = 0;
		socklen_t sl = sizeof(e);

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &sl) < 0)
			e = errno;
		if (e) {
			c->t->tp.failed++;
			c->t->tp.tx_errors++;
			log_warnx_rl("sip: %s connect to %s: %s",
				     c->t->tp.ops->proto, fmt_ep(&c->peer, b),
				     strerror(e));
			snprintf(why, sizeof(why), "connect: %s", strerror(e));
			conn_close(c, why);
		} else {
			c->state = C_HANDSHAKE;
		}
	}
	if (!c->dead && c->state == C_HANDSHAKE)
		do_handshake(c);
	if (!c->dead && c->state == C_OPEN) {
		if (c->out_len > c->out_off)
			flush(c);
		if (!c->dead &&
		    (events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP) ||
		     c->rd_want & NATPORT_STREAM_WANT_WRITE))
			do_read(c);
	}
	/* what the proxy queued while we were reading */
	if (!c->dead && c->state == C_OPEN && c->out_len > c->out_off)
		flush(c);
	c->busy--;
	if (c->dead)
		conn_destroy(c);
	else
		conn_arm(c);
}

/* Connections accepted from this address (the per-peer cap). */
static unsigned int from_peer(struct tcp_transport *t,
			      const struct natport_endpoint *peer)
{
	unsigned int n = 0;

	for (struct conn *c = t->all; c; c = c->next)
		if (!c->outgoing && natport_endpoint_addr_equal(&c->peer, peer))
			n++;
	return n;
}

static void on_accept(int fd, uint32_t events, void *arg)
{
	struct tcp_transport *t = arg;
	char b[NATPORT_ENDPOINT_STRLEN];

	(void)events;
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct natport_endpoint peer;
		struct conn *c;
		int cfd, one = 1;

		cfd = accept4(fd, (struct sockaddr *)&ss, &sl,
			      SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				/* the backlog would wake us at once again:
				 * stop listening until the next sweep */
				log_warnx_rl("sip: %s accept: %s; not "
					     "accepting for a second",
					     t->tp.ops->proto, strerror(errno));
				natport_evloop_del_fd(t->loop, t->lfd);
				t->listening = 0;
			}
			return;
		}
		natport_endpoint_from_sockaddr(&ss, &peer);
		if (t->tp.conns >= t->cfg.max_conns ||
		    from_peer(t, &peer) >= t->cfg.max_per_peer) {
			t->tp.refused++;
			log_warnx_rl("sip: %s connection from %s refused: %s "
				     "(%u open)",
				     t->tp.ops->proto, fmt_ep(&peer, b),
				     t->tp.conns >= t->cfg.max_conns ?
					     "tcp-max-connections" :
					     "tcp-max-per-peer",
				     t->tp.conns);
			close(cfd);
			continue;
		}
		setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = conn_new(t, cfd, &peer, 0, C_HANDSHAKE);
		if (!c) {
			close(cfd);
			continue;
		}
		t->tp.accepted++;
		c->busy++;
		do_handshake(c); /* plain: open at once */
		c->busy--;
		if (c->dead)
			conn_destroy(c);
		else
			conn_arm(c);
	}
}

static struct conn *conn_connect(struct tcp_transport *t,
				 const struct natport_endpoint *dst, int *err)
{
	struct sockaddr_storage ss;
	struct natport_endpoint local = t->cfg.local;
	socklen_t sl;
	struct conn *c;
	int fd, one = 1, r;

	if (t->tp.conns >= t->cfg.max_conns) {
		t->tp.refused++;
		*err = -ENFILE;
		return NULL;
	}
	fd = socket(dst->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*err = -errno;
		return NULL;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* from the side's own address, so the peer sees the router's */
	local.port = 0;
	if (local.family == dst->family) {
		sl = natport_endpoint_to_sockaddr(&local, &ss);
		if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
			*err = -errno;
			close(fd);
			return NULL;
		}
	}
	sl = natport_endpoint_to_sockaddr(dst, &ss);
	r = connect(fd, (struct sockaddr *)&ss, sl);
	if (r < 0 && errno != EINPROGRESS) {
		*err = -errno;
		close(fd);
		return NULL;
	}
	c = conn_new(t, fd, dst, 1, r ? C_CONNECTING : C_HANDSHAKE);
	if (!c) {
		*err = -ENOMEM;
		close(fd);
		return NULL;
	}
	t->tp.connected++;
	return c;
}

static int tcp_send(struct natport_sip_transport *tp,
		    const struct natport_endpoint *dst, const char *buf,
		    size_t len)
{
	struct tcp_transport *t = (struct tcp_transport *)tp;
	struct conn *c = conn_find(t, dst);
	char b[NATPORT_ENDPOINT_STRLEN];
	int err = 0, fresh = 0;

	if (!c) {
		c = conn_connect(t, dst, &err);
		if (!c) {
			tp->tx_errors++;
			return err;
		}
		fresh = 1;
	}
	err = queue(c, buf, len);
	if (err) {
		tp->tx_errors++;
		if (err == -ENOBUFS) {
			tp->output_full++;
			log_warnx_rl("sip: %s to %s: %zu octets queued, over "
				     "the connection's limit; message "
				     "dropped",
				     tp->ops->proto, fmt_ep(dst, b),
				     c->out_len - c->out_off);
		}
		if (fresh)
			conn_close(c, "nothing to send");
		return err;
	}
	tp->tx_msgs++;
	tp->tx_bytes += len;
	if (c->busy)
		return 0; /* its callback flushes and arms on return */
	c->busy++;
	if (c->state == C_HANDSHAKE)
		do_handshake(c);
	if (!c->dead && c->state == C_OPEN)
		err = flush(c);
	/* a failure the fail callback was told of is not the caller's */
	if (c->dead && c->reported)
		err = 0;
	c->busy--;
	if (c->dead)
		conn_destroy(c);
	else
		conn_arm(c);
	return err;
}

static int tcp_connected(struct natport_sip_transport *tp,
			 const struct natport_endpoint *dst)
{
	return conn_find((struct tcp_transport *)tp, dst) != NULL;
}

static void on_sweep(void *arg)
{
	struct tcp_transport *t = arg;
	uint64_t now = natport_evloop_now(t->loop);
	struct conn *c, *next;
	int restart;

	for (c = t->all; c; c = next) {
		uint64_t limit =
			c->state == C_OPEN ? t->cfg.idle_ms : SETUP_TIMEOUT_MS;

		next = c->next;
		if (now - c->last_ms < limit)
			continue;
		if (c->state == C_OPEN)
			t->tp.idle_closed++;
		else
			t->tp.failed++;
		/* the fail callback may send on this transport, and a send
		 * may close any connection: then start again */
		restart = c->outgoing && c->out_len && t->cfg.fail;
		conn_close(c, c->state == C_OPEN ? "idle" : "setup timed out");
		if (restart)
			next = t->all;
	}
	if (!t->listening && t->lfd >= 0 &&
	    !natport_evloop_add_fd(t->loop, t->lfd, EPOLLIN, on_accept, t))
		t->listening = 1;
	t->sweep = natport_evloop_timer_add(t->loop, SWEEP_MS, on_sweep, t);
}

static void tcp_close(struct natport_sip_transport *tp)
{
	struct tcp_transport *t = (struct tcp_transport *)tp;

	while (t->all) {
		struct conn *c = t->all;

		conn_unlink(c);
		conn_destroy(c);
	}
	if (t->sweep)
		natport_evloop_timer_cancel(t->loop, t->sweep);
	if (t->listening)
		natport_evloop_del_fd(t->loop, t->lfd);
	if (t->lfd >= 0)
		close(t->lfd);
	free(t);
}

static const struct natport_sip_transport_ops tcp_ops = {
	.proto = "TCP",
	.send = tcp_send,
	.close = tcp_close,
	.connected = tcp_connected,
};

static const struct natport_sip_transport_ops tls_ops = {
	.proto = "TLS",
	.send = tcp_send,
	.close = tcp_close,
	.connected = tcp_connected,
};

struct natport_sip_transport *natport_sip_tcp_open(
	struct natport_evloop *loop, const struct natport_sip_tcp_config *cfg,
	natport_sip_recv_fn fn, void *arg, char *err, size_t errlen)
{
	struct tcp_transport *t = calloc(1, sizeof(*t));
	struct sockaddr_storage ss;
	char b[NATPORT_ENDPOINT_STRLEN];
	socklen_t sl;
	int one = 1, e;

	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->cfg = *cfg;
	if (!t->cfg.max_conns)
		t->cfg.max_conns = DEF_MAX_CONNS;
	if (!t->cfg.max_per_peer)
		t->cfg.max_per_peer = DEF_MAX_PER_PEER;
	if (!t->cfg.idle_ms)
		t->cfg.idle_ms = DEF_IDLE_MS;
	if (!t->cfg.max_output)
		t->cfg.max_output = DEF_MAX_OUTPUT;
	t->loop = loop;
	t->fn = fn;
	t->arg = arg;
	t->tp.ops = cfg->proto == NATPORT_SIP_TLS ? &tls_ops : &tcp_ops;
	t->tp.proto = cfg->proto == NATPORT_SIP_TLS ? NATPORT_SIP_TLS :
						      NATPORT_SIP_TCP;
	t->tp.local = cfg->local;
	/* a TLS side without a server certificate only connects out (the
	 * provider's hop): no listener that would fail every handshake */
	if (cfg->stream_new == natport_tls_side_stream &&
	    !natport_tls_side_serves(cfg->stream_arg)) {
		t->lfd = -1;
		t->sweep =
			natport_evloop_timer_add(loop, SWEEP_MS, on_sweep, t);
		if (t->sweep)
			return &t->tp;
		snprintf(err, errlen, "out of memory");
		free(t);
		return NULL;
	}
	t->lfd = socket(cfg->local.family,
			SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->lfd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		free(t);
		return NULL;
	}
	setsockopt(t->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sl = natport_endpoint_to_sockaddr(&cfg->local, &ss);
	if (bind(t->lfd, (struct sockaddr *)&ss, sl) < 0 ||
	    listen(t->lfd, BACKLOG) < 0)
		goto err_bind;
	e = natport_evloop_add_fd(loop, t->lfd, EPOLLIN, on_accept, t);
	if (e) {
		errno = -e;
		goto err_bind;
	}
	t->listening = 1;
	t->sweep = natport_evloop_timer_add(loop, SWEEP_MS, on_sweep, t);
	if (!t->sweep) {
		natport_evloop_del_fd(loop, t->lfd);
		errno = ENOMEM;
		goto err_bind;
	}
	return &t->tp;

err_bind:
	snprintf(err, errlen, "listen %s/%s: %s",
		 natport_endpoint_format(&cfg->local, b, sizeof(b)),
		 t->tp.ops->proto, strerror(errno));
	close(t->lfd);
	free(t);
	return NULL;
}
