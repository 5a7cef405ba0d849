// SPDX-License-Identifier: GPL-2.0-or-later
/* server.c - the control socket: listening, clients, buffers, peers. */
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

#include "core/log.h"
#include "ctl/commands.h"
#include "ctl/records.h"
#include "ctl/server.h"

#define SWEEP_MS 1000
#define PEER_GROUPS 64 /* supplementary groups read without allocating */

struct client {
	struct natport_ctl_client c; /* what the commands see */
	struct natport_control *ctl;
	int fd, dead;
	uint64_t since_ms; /* connected, or last output progress */
	uint8_t in[NATPORT_CTL_HDR_LEN + NATPORT_CTL_REQ_MAX];
	size_t in_len;
	uint8_t *out; /* NATPORT_CTL_OUT_MAX bytes */
	size_t out_off, out_len;
	struct client *next;
};

struct natport_control {
	struct natport_ctl_env env;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev; /* the socket file we bound, so free unlinks only it */
	ino_t ino;
	gid_t sock_gid;	 /* the socket's group: may read */
	gid_t admin_gid; /* control-admin-group: may change state */
	int has_admin;
	struct client *clients;
	struct natport_evloop_timer *sweep, *reap;
	struct natport_control_stats st;
	/* The message being built. Replies and events share it: no port
	 * manager call that can emit an event is made while a message is
	 * under construction (counters are read before begin). */
	struct natport_ctl_msg_buf mb;
	uint8_t scratch[NATPORT_CTL_HDR_LEN + NATPORT_CTL_MSG_MAX];
};

static struct client *client_of(const struct natport_ctl_client *c)
{
	return (struct client *)((char *)c - offsetof(struct client, c));
}

static uint64_t now(const struct natport_control *ctl)
{
	return natport_evloop_now(ctl->env.loop);
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
		log_warnx_rl("control: client dropped (uid %u): %s",
			     (unsigned int)cl->c.peer.uid, why);
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

static struct natport_ctl_msg_buf *begin(struct natport_control *ctl,
					 uint16_t type)
{
	natport_ctl_msg_begin(&ctl->mb, ctl->scratch, sizeof(ctl->scratch),
			      type);
	return &ctl->mb;
}

struct natport_ctl_msg_buf *
natport_ctl_reply_begin(struct natport_ctl_client *c, uint16_t type)
{
	return begin(client_of(c)->ctl, type);
}

/* Queue the message under construction for cl; a list reply always fits
 * (it is produced below LOW_WATER), a watcher that lets events pile up
 * is dropped. */
void natport_ctl_reply_send(struct natport_ctl_client *c)
{
	struct client *cl = client_of(c);
	long len = natport_ctl_msg_end(&cl->ctl->mb);

	if (len < 0) {
		log_warnx_rl("control: reply not encodable: %s",
			     strerror((int)-len));
		return;
	}
	if (queue(cl, cl->ctl->scratch, (size_t)len))
		drop(cl, c->state == ST_WATCH ?
				 "a watcher is not reading its events" :
				 "out of memory");
}

static void vdone(struct client *cl, int status, const char *fmt, va_list ap)
{
	char msg[NATPORT_CTL_ARG_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	natport_ctl_put_done(begin(cl->ctl, NATPORT_CTL_MSG_DONE), status, msg);
	natport_ctl_reply_send(&cl->c);
}

void natport_ctl_reply_done(struct natport_ctl_client *c, int status,
			    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdone(client_of(c), status, fmt, ap);
	va_end(ap);
}

static void send_done(struct client *cl, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void send_done(struct client *cl, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdone(cl, status, fmt, ap);
	va_end(ap);
}

size_t natport_ctl_client_pending(const struct natport_ctl_client *c)
{
	return pending(client_of(c));
}

int natport_ctl_client_dead(const struct natport_ctl_client *c)
{
	return client_of(c)->dead;
}

void natport_ctl_client_watch(struct natport_ctl_client *c)
{
	c->state = ST_WATCH;
	client_of(c)->ctl->st.watchers++;
}

uint64_t natport_ctl_now(const struct natport_ctl_client *c)
{
	return now(client_of(c)->ctl);
}

/* Send what can be sent, produce more, close when done. */
static void pump(struct client *cl)
{
	for (;;) {
		flush(cl);
		if (cl->dead)
			return;
		if (cl->c.state == ST_LIST &&
		    pending(cl) < NATPORT_CTL_LOW_WATER) {
			if (cl->c.cmd->produce(&cl->c)) {
				send_done(cl, NATPORT_CTL_OK, "%s", "");
				cl->c.state = ST_CLOSING;
			}
			continue;
		}
		if (cl->c.state == ST_CLOSING && !pending(cl)) {
			drop(cl, NULL);
			return;
		}
		return;
	}
}

/* --- peers ------------------------------------------------------------ */

/* Is gid among the peer's groups (primary or supplementary)? The
 * supplementary ones come from the socket (SO_PEERGROUPS: as they were at
 * connect, whatever /etc/group says now). */
static int peer_in_group(int fd, const struct ucred *uc, gid_t gid)
{
	gid_t small[PEER_GROUPS], *g = small;
	socklen_t len = sizeof(small);
	int found = 0;

	if (uc->gid == gid)
		return 1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len)) {
		if (errno != ERANGE)
			return 0;
		g = malloc(len);
		if (!g || getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len)) {
			free(g);
			return 0;
		}
	}
	for (size_t i = 0; i < len / sizeof(gid_t) && !found; i++)
		found = g[i] == gid;
	if (g != small)
		free(g);
	return found;
}

/* The peer's rights, fixed at accept. -1: it may not use the socket at
 * all (the mode let it in: a changed mode, or a group mismatch). */
static int read_peer(struct natport_control *ctl, int fd,
		     struct natport_ctl_peer *p)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	int trusted;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) ||
	    len != sizeof(uc))
		return -1;
	p->uid = uc.uid;
	p->gid = uc.gid;
	p->pid = uc.pid;
	trusted = uc.uid == 0 || uc.uid == geteuid();
	p->admin = trusted ||
		   (ctl->has_admin && peer_in_group(fd, &uc, ctl->admin_gid));
	if (p->admin || peer_in_group(fd, &uc, ctl->sock_gid))
		return 0;
	return -1;
}

static unsigned int clients_of(const struct natport_control *ctl, uid_t uid)
{
	unsigned int n = 0;

	for (const struct client *cl = ctl->clients; cl; cl = cl->next)
		n += !cl->dead && cl->c.peer.uid == uid;
	return n;
}

/* --- requests --------------------------------------------------------- */

static const char *group_name(gid_t gid, char *buf, size_t len)
{
	struct group *gr = getgrgid(gid);

	if (gr)
		snprintf(buf, len, "%s", gr->gr_name);
	else
		snprintf(buf, len, "%u", (unsigned int)gid);
	return buf;
}

static void deny(struct client *cl, const char *what)
{
	struct natport_control *ctl = cl->ctl;
	char g[64];

	ctl->st.refused_denied++;
	log_warnx_rl("control: uid %u (pid %d) may not %s",
		     (unsigned int)cl->c.peer.uid, (int)cl->c.peer.pid, what);
	if (ctl->has_admin)
		send_done(cl, NATPORT_CTL_E_DENIED,
			  "%s changes state: only root and members of group "
			  "%s may run it (you are uid %u)",
			  what, group_name(ctl->admin_gid, g, sizeof(g)),
			  (unsigned int)cl->c.peer.uid);
	else
		send_done(cl, NATPORT_CTL_E_DENIED,
			  "%s changes state: only root may run it, no "
			  "control-admin-group is configured (you are uid %u)",
			  what, (unsigned int)cl->c.peer.uid);
}

/* A whole request is in cl->in: check it, run it. Anything wrong gets a
 * DONE with the reason and changes nothing. */
static void handle_request(struct client *cl, const struct natport_ctl_hdr *h)
{
	struct natport_control *ctl = cl->ctl;
	const struct natport_ctl_command *cmd;
	char *argv[NATPORT_CTL_MAX_ARGS];
	int argc;

	cl->c.state = ST_CLOSING;
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
	cmd = natport_ctl_command_find(h->type);
	if (!cmd) {
		ctl->st.bad_requests++;
		log_warnx_rl("control: unknown command %u", h->type);
		send_done(cl, NATPORT_CTL_E_CMD, "unknown command %u", h->type);
		return;
	}
	cl->c.cmd = cmd;
	if (cmd->changes && !cl->c.peer.admin) {
		deny(cl, natport_ctl_cmd_name(cmd->type));
		return;
	}
	if (argc < cmd->min_args || argc > cmd->max_args) {
		ctl->st.bad_requests++;
		if (cmd->usage)
			send_done(cl, NATPORT_CTL_E_ARGS, "%s", cmd->usage);
		else
			send_done(cl, NATPORT_CTL_E_ARGS,
				  "%s takes no arguments",
				  natport_ctl_cmd_name(cmd->type));
		return;
	}
	cmd->run(&cl->c, argc, argv);
}

/* Read the request: the header first, then exactly its payload. */
static void read_request(struct client *cl)
{
	struct natport_control *ctl = cl->ctl;
	struct natport_ctl_hdr h = { 0 };
	int r = 0;

	while (cl->c.state == ST_REQ && !cl->dead) {
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
	if (cl->c.state != ST_REQ || cl->dead)
		return;
	/* a bad header: say why once, and close */
	ctl->st.bad_requests++;
	cl->c.state = ST_CLOSING;
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

/* --- clients ---------------------------------------------------------- */

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
	if (cl->c.state == ST_WATCH)
		ctl->st.watchers--;
	ctl->st.clients--;
	natport_evloop_del_fd(ctl->env.loop, cl->fd);
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
		ctl->reap = natport_evloop_timer_add(ctl->env.loop, 0, on_reap,
						     ctl);
}

/* Edge-triggered: each callback reads and writes until EAGAIN. */
static void on_client(int fd, uint32_t events, void *arg)
{
	struct client *cl = arg;

	if (cl->dead)
		return;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) {
		if (cl->c.state == ST_REQ)
			read_request(cl);
		else
			discard_input(cl);
	}
	if (!cl->dead)
		pump(cl);
}

/* Say why in one short message (it always fits a fresh socket) and
 * close: the client never enters the list. */
static void refuse(struct client *cl, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void refuse(struct client *cl, int status, const char *fmt, ...)
{
	va_list ap;

	cl->c.state = ST_CLOSING;
	va_start(ap, fmt);
	vdone(cl, status, fmt, ap);
	va_end(ap);
	flush(cl);
	close(cl->fd);
	free(cl->out);
	free(cl);
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
		cl->c.env = &ctl->env;
		cl->since_ms = now(ctl);
		if (read_peer(ctl, cfd, &cl->c.peer)) {
			ctl->st.refused_denied++;
			log_warnx_rl("control: uid %u is not in the socket's "
				     "group, refusing",
				     (unsigned int)cl->c.peer.uid);
			refuse(cl, NATPORT_CTL_E_DENIED,
			       "uid %u may not use the control socket",
			       (unsigned int)cl->c.peer.uid);
			continue;
		}
		if (ctl->st.clients >= NATPORT_CTL_MAX_CLIENTS) {
			ctl->st.refused_busy++;
			log_warnx_rl("control: more than %d clients, refusing",
				     NATPORT_CTL_MAX_CLIENTS);
			refuse(cl, NATPORT_CTL_E_BUSY,
			       "too many control clients (at most %d)",
			       NATPORT_CTL_MAX_CLIENTS);
			continue;
		}
		if (clients_of(ctl, cl->c.peer.uid) >=
		    NATPORT_CTL_MAX_CLIENTS_PER_UID) {
			ctl->st.refused_busy++;
			log_warnx_rl("control: uid %u has %d clients, refusing",
				     (unsigned int)cl->c.peer.uid,
				     NATPORT_CTL_MAX_CLIENTS_PER_UID);
			refuse(cl, NATPORT_CTL_E_BUSY,
			       "too many control clients of uid %u (at most %d "
			       "per user)",
			       (unsigned int)cl->c.peer.uid,
			       NATPORT_CTL_MAX_CLIENTS_PER_UID);
			continue;
		}
		if (natport_evloop_add_fd(ctl->env.loop, cfd,
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
		if (cl->c.state == ST_REQ &&
		    t - cl->since_ms >= NATPORT_CTL_REQ_TIMEOUT_MS)
			drop(cl, "no complete request in time");
		else if (pending(cl) &&
			 t - cl->since_ms >= NATPORT_CTL_STALL_TIMEOUT_MS)
			drop(cl, "not reading its replies");
	}
	reap(ctl);
	ctl->sweep = natport_evloop_timer_add(ctl->env.loop, SWEEP_MS, on_sweep,
					      ctl);
}

/* --- events ----------------------------------------------------------- */

static void broadcast(struct natport_control *ctl)
{
	long len = natport_ctl_msg_end(&ctl->mb);

	if (len < 0)
		return;
	for (struct client *cl = ctl->clients; cl; cl = cl->next) {
		if (cl->c.state != ST_WATCH || cl->dead)
			continue;
		if (queue(cl, ctl->scratch, (size_t)len)) {
			drop(cl, "a watcher is not reading its events");
			continue;
		}
		flush(cl);
	}
}

/* Begin an event record for the watchers; NULL when nobody watches. */
static struct natport_ctl_msg_buf *event_begin(struct natport_control *ctl,
					       const char *name)
{
	struct natport_ctl_msg_buf *b;

	if (!ctl || !ctl->st.watchers || !name)
		return NULL;
	b = begin(ctl, NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_str(b, "event", name);
	return b;
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
	/* NATPORT_EV_RULESET carries no mapping: not a watcher's event */
	struct natport_ctl_msg_buf *b =
		event_begin(ctl, (unsigned int)ev->type <= NATPORT_EV_RESTORED ?
					 names[ev->type] :
					 NULL);

	if (!b)
		return;
	natport_record_mapping(b, ctl->env.sessions, &ev->mapping, NULL,
			       now(ctl));
	broadcast(ctl);
}

void natport_control_session_event(struct natport_control *ctl,
				   enum natport_session_event type,
				   const struct natport_session *s)
{
	static const char *const names[] = {
		[NATPORT_SESSION_EV_NEW] = "call-new",
		[NATPORT_SESSION_EV_STATE] = "call-state",
		[NATPORT_SESSION_EV_MEDIA] = "call-media",
		[NATPORT_SESSION_EV_END] = "call-end",
	};
	struct natport_ctl_msg_buf *b =
		event_begin(ctl, (unsigned int)type <= NATPORT_SESSION_EV_END ?
					 names[type] :
					 NULL);

	if (!b)
		return;
	natport_record_session(b, ctl->env.sessions, ctl->env.pm, s, 0,
			       now(ctl));
	broadcast(ctl);
}

/* --- the socket path --------------------------------------------------- */

/* Make room for our socket at path: nothing there, or a stale socket
 * (nobody answers: a daemon that crashed), which is removed. A live
 * socket, a regular file, a directory, a symlink or anything else is left
 * as it is and refused: it is not ours to delete. */
static int clear_path(const char *path, struct sockaddr_un *sa, char *err,
		      size_t errlen)
{
	struct stat st;
	int probe, r;

	if (lstat(path, &st)) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen,
			 "%s exists and is not a socket (%s); not removing "
			 "it: move it away or set control-socket to another "
			 "path",
			 path,
			 S_ISREG(st.st_mode)  ? "a regular file" :
			 S_ISDIR(st.st_mode)  ? "a directory" :
			 S_ISLNK(st.st_mode)  ? "a symbolic link" :
			 S_ISFIFO(st.st_mode) ? "a FIFO" :
						"a device");
		return -1;
	}
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (probe < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	r = connect(probe, (struct sockaddr *)sa, sizeof(*sa));
	if (r == 0 || errno == EAGAIN) { /* EAGAIN: a full backlog, alive */
		close(probe);
		snprintf(err, errlen,
			 "%s: a live socket (another nat-portd is "
			 "listening); not removing it",
			 path);
		return -1;
	}
	r = errno;
	close(probe);
	if (r != ECONNREFUSED) {
		snprintf(err, errlen,
			 "%s: cannot tell whether it is stale (%s); not "
			 "removing it",
			 path, strerror(r));
		return -1;
	}
	if (unlink(path) && errno != ENOENT) {
		snprintf(err, errlen, "%s: removing the stale socket: %s", path,
			 strerror(errno));
		return -1;
	}
	log_info("control: removed the stale socket %s", path);
	return 0;
}

/* Unlink path only if it is still the socket we bound. */
static void unlink_ours(const struct natport_control *ctl)
{
	struct stat st;

	if (!lstat(ctl->path, &st) && S_ISSOCK(st.st_mode) &&
	    st.st_dev == ctl->dev && st.st_ino == ctl->ino)
		unlink(ctl->path);
}

static void set_groups(struct natport_control *ctl,
		       const struct natport_config *cfg)
{
	const char *sg = *cfg->control_group ? cfg->control_group : "natport";
	struct group *gr = getgrnam(sg);

	ctl->sock_gid = gr ? gr->gr_gid : getegid();
	if (gr && chown(ctl->path, (uid_t)-1, gr->gr_gid))
		log_warn("control: chown %s to group %s", ctl->path, sg);
	else if (!gr && *cfg->control_group)
		log_warnx("control-group %s: no such group; the socket "
			  "keeps nat-portd's group",
			  sg);
	ctl->has_admin = 0;
	if (!*cfg->control_admin_group)
		return;
	gr = getgrnam(cfg->control_admin_group);
	if (!gr) {
		log_warnx("control-admin-group %s: no such group; only root "
			  "may change state through the control socket",
			  cfg->control_admin_group);
		return;
	}
	ctl->admin_gid = gr->gr_gid;
	ctl->has_admin = 1;
}

static int listen_on(struct natport_control *ctl, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)], *slash;
	struct stat st;
	mode_t old;
	int fd;

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
	if (clear_path(ctl->path, &sa, err, errlen))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
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
	if (lstat(ctl->path, &st) == 0) {
		ctl->dev = st.st_dev;
		ctl->ino = st.st_ino;
	}
	if (chmod(ctl->path, 0660))
		log_warn("control: chmod %s", ctl->path);
	if (listen(fd, 16)) {
		snprintf(err, errlen, "listen %s: %s", ctl->path,
			 strerror(errno));
		unlink_ours(ctl);
		close(fd);
		return -1;
	}
	return fd;
}

/* --- setup ------------------------------------------------------------ */

struct natport_control *
natport_control_new(struct natport_evloop *loop,
		    const struct natport_config *cfg, struct natport_pm *pm,
		    struct natport_session_table *sessions,
		    struct natport_media *media, struct natport_proxy *proxy,
		    char *err, size_t errlen)
{
	struct natport_control *ctl = calloc(1, sizeof(*ctl));
	int r;

	if (!ctl) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ctl->env = (struct natport_ctl_env){ .loop = loop,
					     .pm = pm,
					     .sessions = sessions,
					     .media = media,
					     .proxy = proxy,
					     .ctl = ctl };
	snprintf(ctl->path, sizeof(ctl->path), "%s", cfg->control_socket);
	ctl->fd = listen_on(ctl, err, errlen);
	if (ctl->fd < 0)
		goto err_listen;
	set_groups(ctl, cfg);
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
	unlink_ours(ctl);
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
		natport_evloop_timer_cancel(ctl->env.loop, ctl->sweep);
	if (ctl->reap)
		natport_evloop_timer_cancel(ctl->env.loop, ctl->reap);
	natport_evloop_del_fd(ctl->env.loop, ctl->fd);
	close(ctl->fd);
	unlink_ours(ctl);
	free(ctl);
}

void natport_control_reload(struct natport_control *ctl,
			    const struct natport_config *cfg)
{
	if (ctl)
		set_groups(ctl, cfg);
}

void natport_control_set_alg(struct natport_control *ctl,
			     const struct natport_alg *alg)
{
	if (ctl)
		ctl->env.alg = alg;
}

void natport_control_set_pcp(struct natport_control *ctl,
			     const struct natport_pcp_server *pcp)
{
	if (ctl)
		ctl->env.pcp = pcp;
}

void natport_control_get_stats(struct natport_control *ctl,
			       struct natport_control_stats *out)
{
	*out = ctl->st;
}
