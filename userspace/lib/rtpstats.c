// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * rtpstats.c - generic netlink client of the natport_rtp kernel module
 * (libmnl only). Two sockets: one for requests, whose replies are read
 * synchronously, and one subscribed to the events group, so an event can
 * never be mistaken for a reply.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <natport/natport_rtp.h>
#include <natport/rtpstats.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

#define UNAVAILABLE "RTP statistics unavailable: "

struct natport_rtp {
	struct mnl_socket *nl;	/* requests */
	struct mnl_socket *ev;	/* events group */
	uint16_t family;
	uint32_t mcgrp;
	uint32_t seq;
	natport_rtp_event_fn event_fn;
	void *event_arg;
	char err[256];
	char buf[65536]; /* a dump part is at most 32 KiB */
};

static void set_err(struct natport_rtp *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_err(struct natport_rtp *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->err, sizeof(h->err), fmt, ap);
	va_end(ap);
}

const char *natport_rtp_last_error(const struct natport_rtp *h)
{
	return h ? h->err : "no handle";
}

const char *natport_rtp_event_name(enum natport_rtp_event_type type)
{
	switch (type) {
	case NATPORT_RTP_EV_SILENT:
		return "silent";
	case NATPORT_RTP_EV_RESUMED:
		return "resumed";
	case NATPORT_RTP_EV_SSRC:
		return "ssrc";
	}
	return "unknown";
}

/* The extended-ack text of an NLMSG_ERROR (NETLINK_CAP_ACK is on, so the
 * request is not echoed and the TLVs follow the bare header). */
static const char *ext_ack_msg(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	size_t off = sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	if (mnl_nlmsg_get_payload_len(nlh) < off)
		return NULL;
	mnl_attr_for_each_payload((const void *)((const char *)e + off),
				  mnl_nlmsg_get_payload_len(nlh) - off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			return mnl_attr_get_str(attr);
	}
	return NULL;
}

typedef int (*reply_fn)(const struct nlmsghdr *nlh, void *arg);

/* Send nlh, read until the ack, NLMSG_DONE or an error; call fn for each
 * data message. Returns 0, fn's non-zero value, or a negative errno with
 * h->err set. */
static int transact(struct natport_rtp *h, struct nlmsghdr *nlh, reply_fn fn,
		    void *arg, const char *what)
{
	uint32_t portid = mnl_socket_get_portid(h->nl);
	uint32_t seq = nlh->nlmsg_seq = ++h->seq;
	int fn_ret = 0;
	ssize_t n;

	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(h->nl, nlh, nlh->nlmsg_len) < 0) {
		set_err(h, "%s: send: %s", what, strerror(errno));
		return -errno;
	}
	for (;;) {
		struct nlmsghdr *m;
		int len;

		n = mnl_socket_recvfrom(h->nl, h->buf, sizeof(h->buf));
		if (n < 0) {
			set_err(h, "%s: receive: %s", what, strerror(errno));
			return -errno;
		}
		len = (int)n;
		for (m = (struct nlmsghdr *)h->buf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq || m->nlmsg_pid != portid)
				continue; /* a late reply to an older request */
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e;
				const char *msg;

				if (mnl_nlmsg_get_payload_len(m) < sizeof(*e)) {
					set_err(h, "%s: short error message",
						what);
					return -EBADMSG;
				}
				e = mnl_nlmsg_get_payload(m);
				if (!e->error)
					return fn_ret; /* the ack */
				msg = ext_ack_msg(m);
				set_err(h, "%s: %s%s%s", what,
					strerror(-e->error), msg ? ": " : "",
					msg ? msg : "");
				return e->error;
			}
			if (m->nlmsg_type == NLMSG_DONE) {
				/* a dump ends with DONE (no ack follows) */
				const int *e = mnl_nlmsg_get_payload(m);

				if (mnl_nlmsg_get_payload_len(m) >= sizeof(*e) &&
				    *e < 0) {
					set_err(h, "%s: %s", what,
						strerror(-*e));
					return *e;
				}
				return fn_ret;
			}
			if (fn && !fn_ret)
				fn_ret = fn(m, arg);
		}
	}
}

static struct nlmsghdr *put_header(struct natport_rtp *h, uint16_t type,
				   uint8_t cmd, uint8_t version,
				   uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(h->buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

struct family_info {
	uint16_t id;
	uint32_t grp;
	uint32_t version;
};

static int family_grp_cb(const struct nlattr *a, void *arg)
{
	struct family_info *fi = arg;
	const struct nlattr *g;

	mnl_attr_for_each_nested(g, a) {
		const struct nlattr *x;
		const char *name = NULL;
		uint32_t id = 0;

		mnl_attr_for_each_nested(x, g) {
			if (mnl_attr_get_type(x) == CTRL_ATTR_MCAST_GRP_NAME &&
			    mnl_attr_validate(x, MNL_TYPE_NUL_STRING) == 0)
				name = mnl_attr_get_str(x);
			else if (mnl_attr_get_type(x) == CTRL_ATTR_MCAST_GRP_ID &&
				 mnl_attr_validate(x, MNL_TYPE_U32) == 0)
				id = mnl_attr_get_u32(x);
		}
		if (name && !strcmp(name, NATPORT_RTP_MCGRP_EVENTS))
			fi->grp = id;
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct family_info *fi = arg;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
				fi->id = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_VERSION:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				fi->version = mnl_attr_get_u32(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			family_grp_cb(a, fi);
			break;
		}
	}
	return 0;
}

struct hello_info {
	uint32_t version;
	int have_version;
};

static int hello_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct hello_info *hi = arg;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == NATPORT_A_VERSION &&
		    mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
			hi->version = mnl_attr_get_u32(a);
			hi->have_version = 1;
		}
	}
	return 0;
}

static struct mnl_socket *open_socket(void)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_GENERIC);
	int one = 1;

	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl);
		return NULL;
	}
	/* Best effort: older kernels send no extended ack. */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	return nl;
}

struct natport_rtp *natport_rtp_open(char *err, size_t errlen)
{
	struct family_info fi = { 0 };
	struct hello_info hi = { 0 };
	struct natport_rtp *h;
	struct nlmsghdr *nlh;
	int ret, fl;

	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, UNAVAILABLE "out of memory");
		return NULL;
	}
	h->seq = (uint32_t)time(NULL);
	h->nl = open_socket();
	if (!h->nl) {
		snprintf(err, errlen, UNAVAILABLE "generic netlink socket: %s",
			 strerror(errno));
		goto err_socket;
	}

	nlh = put_header(h, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NATPORT_RTP_GENL_NAME);
	ret = transact(h, nlh, family_cb, &fi, "family lookup");
	if (ret == -ENOENT) {
		snprintf(err, errlen,
			 UNAVAILABLE "kernel module natport_rtp not loaded");
		goto err_family;
	}
	if (ret < 0 || !fi.id) {
		snprintf(err, errlen, UNAVAILABLE "%s",
			 ret < 0 ? h->err : "family lookup gave no id");
		goto err_family;
	}
	if (fi.version != NATPORT_RTP_VERSION) {
		snprintf(err, errlen,
			 UNAVAILABLE "kernel module natport_rtp speaks protocol version %u, this library speaks %u",
			 fi.version, NATPORT_RTP_VERSION);
		goto err_family;
	}
	h->family = fi.id;
	h->mcgrp = fi.grp;

	nlh = put_header(h, h->family, NATPORT_CMD_HELLO, NATPORT_RTP_VERSION,
			 0);
	mnl_attr_put_u32(nlh, NATPORT_A_VERSION, NATPORT_RTP_VERSION);
	ret = transact(h, nlh, hello_cb, &hi, "hello");
	if (ret == -EPERM) {
		snprintf(err, errlen,
			 UNAVAILABLE "natport_rtp needs CAP_NET_ADMIN");
		goto err_family;
	}
	if (ret < 0) {
		snprintf(err, errlen, UNAVAILABLE "%s", h->err);
		goto err_family;
	}
	if (!hi.have_version || hi.version != NATPORT_RTP_VERSION) {
		snprintf(err, errlen,
			 UNAVAILABLE "kernel module natport_rtp answered protocol version %u, this library speaks %u",
			 hi.version, NATPORT_RTP_VERSION);
		goto err_family;
	}

	h->ev = open_socket();
	if (!h->ev) {
		snprintf(err, errlen, UNAVAILABLE "events socket: %s",
			 strerror(errno));
		goto err_family;
	}
	if (h->mcgrp &&
	    mnl_socket_setsockopt(h->ev, NETLINK_ADD_MEMBERSHIP, &h->mcgrp,
				  sizeof(h->mcgrp)) < 0) {
		snprintf(err, errlen, UNAVAILABLE "join events group: %s",
			 strerror(errno));
		goto err_events;
	}
	fl = fcntl(mnl_socket_get_fd(h->ev), F_GETFL);
	if (fl < 0 ||
	    fcntl(mnl_socket_get_fd(h->ev), F_SETFL, fl | O_NONBLOCK) < 0) {
		snprintf(err, errlen, UNAVAILABLE "events socket: %s",
			 strerror(errno));
		goto err_events;
	}
	return h;

err_events:
	mnl_socket_close(h->ev);
err_family:
	mnl_socket_close(h->nl);
err_socket:
	free(h);
	return NULL;
}

void natport_rtp_close(struct natport_rtp *h)
{
	if (!h)
		return;
	mnl_socket_close(h->ev);
	mnl_socket_close(h->nl);
	free(h);
}

int natport_rtp_fd(const struct natport_rtp *h)
{
	return mnl_socket_get_fd(h->ev);
}

void natport_rtp_set_event_cb(struct natport_rtp *h, natport_rtp_event_fn fn,
			      void *arg)
{
	h->event_fn = fn;
	h->event_arg = arg;
}

static int put_key(struct natport_rtp *h, struct nlmsghdr *nlh,
		   const struct natport_endpoint *ep)
{
	if (!ep->port) {
		set_err(h, "mapping has no external port");
		return -EINVAL;
	}
	if (ep->family == AF_INET) {
		mnl_attr_put_u8(nlh, NATPORT_A_FAMILY, AF_INET);
		mnl_attr_put(nlh, NATPORT_A_ADDR4, 4, &ep->addr.v4);
	} else if (ep->family == AF_INET6) {
		mnl_attr_put_u8(nlh, NATPORT_A_FAMILY, AF_INET6);
		mnl_attr_put(nlh, NATPORT_A_ADDR6, 16, &ep->addr.v6);
	} else {
		set_err(h, "mapping has no external address");
		return -EINVAL;
	}
	mnl_attr_put_u16(nlh, NATPORT_A_PORT, ep->port);
	return 0;
}

int natport_rtp_register_opts(struct natport_rtp *h,
			      const struct natport_mapping *m,
			      const struct natport_rtp_opts *o)
{
	struct nlmsghdr *nlh;
	int ret;

	if (!o->clock_rate || o->clock_rate > NATPORT_RTP_CLOCK_RATE_MAX ||
	    o->payload_type > 127 || (o->flags & ~NATPORT_RTP_STRICT)) {
		set_err(h, "register: bad clock rate, payload type or flags");
		return -EINVAL;
	}
	nlh = put_header(h, h->family, NATPORT_CMD_STREAM_ADD,
			 NATPORT_RTP_VERSION,
			 NLM_F_CREATE | (o->replace ? NLM_F_REPLACE : NLM_F_EXCL));
	ret = put_key(h, nlh, &m->external);
	if (ret)
		return ret;
	mnl_attr_put_u32(nlh, NATPORT_A_MAPPING_ID, m->id);
	mnl_attr_put_u32(nlh, NATPORT_A_CLOCK_RATE, o->clock_rate);
	if (o->payload_type >= 0)
		mnl_attr_put_u8(nlh, NATPORT_A_PAYLOAD_TYPE, o->payload_type);
	mnl_attr_put_u32(nlh, NATPORT_A_FLAGS,
			 o->flags & NATPORT_RTP_STRICT ? NATPORT_F_STRICT : 0);
	if (o->silent_ms)
		mnl_attr_put_u32(nlh, NATPORT_A_SILENT_MS,
				 o->silent_ms == UINT32_MAX ? 0 :
				 o->silent_ms > NATPORT_RTP_SILENT_MS_MAX ?
				 NATPORT_RTP_SILENT_MS_MAX : o->silent_ms);
	return transact(h, nlh, NULL, NULL, "register");
}

int natport_rtp_register(struct natport_rtp *h, const struct natport_mapping *m,
			 uint8_t payload_type, uint32_t clock_rate, int strict)
{
	struct natport_rtp_opts o = {
		.payload_type = payload_type,
		.clock_rate = clock_rate,
		.flags = strict ? NATPORT_RTP_STRICT : 0,
	};

	return natport_rtp_register_opts(h, m, &o);
}

int natport_rtp_unregister(struct natport_rtp *h,
			   const struct natport_mapping *m)
{
	struct nlmsghdr *nlh;
	int ret;

	nlh = put_header(h, h->family, NATPORT_CMD_STREAM_DEL,
			 NATPORT_RTP_VERSION, 0);
	ret = put_key(h, nlh, &m->external);
	if (ret)
		return ret;
	return transact(h, nlh, NULL, NULL, "unregister");
}

static uint64_t get_u64(const struct nlattr *a)
{
	return mnl_attr_validate(a, MNL_TYPE_U64) == 0 ? mnl_attr_get_u64(a) :
							 0;
}

static uint32_t get_u32(const struct nlattr *a)
{
	return mnl_attr_validate(a, MNL_TYPE_U32) == 0 ? mnl_attr_get_u32(a) :
							 0;
}

static void parse_dir(const struct nlattr *nest, uint32_t clock_rate,
		      struct natport_rtp_stats *s)
{
	const struct nlattr *a;

	memset(s, 0, sizeof(*s));
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case NATPORT_S_PACKETS: s->packets = get_u64(a); break;
		case NATPORT_S_BYTES: s->bytes = get_u64(a); break;
		case NATPORT_S_RTP: s->rtp = get_u64(a); break;
		case NATPORT_S_RTCP: s->rtcp = get_u64(a); break;
		case NATPORT_S_NOT_RTP: s->not_rtp = get_u64(a); break;
		case NATPORT_S_DROPPED: s->dropped = get_u64(a); break;
		case NATPORT_S_SSRC: s->ssrc = get_u32(a); break;
		case NATPORT_S_SSRC_CHANGES: s->ssrc_changes = get_u32(a); break;
		case NATPORT_S_EXT_MAX_SEQ: s->ext_max_seq = get_u32(a); break;
		case NATPORT_S_EXPECTED: s->expected = get_u64(a); break;
		case NATPORT_S_LOST: s->lost = (int64_t)get_u64(a); break;
		case NATPORT_S_JITTER: s->jitter = get_u32(a); break;
		case NATPORT_S_LAST_NS: s->last_ns = get_u64(a); break;
		}
	}
	if (clock_rate)
		s->jitter_ms = s->jitter * 1000.0 / clock_rate;
	if (s->expected)
		s->loss_fraction = (double)s->lost / (double)s->expected;
}

/* Parse the key attributes shared by stream replies and events. */
static void parse_key(const struct nlattr *a, struct natport_endpoint *ep,
		      uint32_t *mapping_id)
{
	switch (mnl_attr_get_type(a)) {
	case NATPORT_A_FAMILY:
		if (mnl_attr_validate(a, MNL_TYPE_U8) == 0)
			ep->family = mnl_attr_get_u8(a);
		break;
	case NATPORT_A_ADDR4:
		if (mnl_attr_get_payload_len(a) == 4)
			memcpy(&ep->addr.v4, mnl_attr_get_payload(a), 4);
		break;
	case NATPORT_A_ADDR6:
		if (mnl_attr_get_payload_len(a) == 16)
			memcpy(&ep->addr.v6, mnl_attr_get_payload(a), 16);
		break;
	case NATPORT_A_PORT:
		if (mnl_attr_validate(a, MNL_TYPE_U16) == 0)
			ep->port = mnl_attr_get_u16(a);
		break;
	case NATPORT_A_MAPPING_ID:
		*mapping_id = get_u32(a);
		break;
	}
}

static void parse_stream(const struct nlmsghdr *nlh,
			 struct natport_rtp_stream *st)
{
	const struct nlattr *a, *in = NULL, *out = NULL;

	memset(st, 0, sizeof(*st));
	st->payload_type = -1;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		parse_key(a, &st->external, &st->mapping_id);
		switch (mnl_attr_get_type(a)) {
		case NATPORT_A_CLOCK_RATE: st->clock_rate = get_u32(a); break;
		case NATPORT_A_FLAGS:
			st->flags = get_u32(a) & NATPORT_F_STRICT ?
				    NATPORT_RTP_STRICT : 0;
			break;
		case NATPORT_A_SILENT_MS: st->silent_ms = get_u32(a); break;
		case NATPORT_A_PAYLOAD_TYPE:
			if (mnl_attr_validate(a, MNL_TYPE_U8) == 0)
				st->payload_type = mnl_attr_get_u8(a);
			break;
		case NATPORT_A_DIR_IN: in = a; break;
		case NATPORT_A_DIR_OUT: out = a; break;
		}
	}
	if (in)
		parse_dir(in, st->clock_rate, &st->dir[NATPORT_RTP_IN]);
	if (out)
		parse_dir(out, st->clock_rate, &st->dir[NATPORT_RTP_OUT]);
}

static int get_cb(const struct nlmsghdr *nlh, void *arg)
{
	parse_stream(nlh, arg);
	return 0;
}

int natport_rtp_get(struct natport_rtp *h, const struct natport_mapping *m,
		    struct natport_rtp_stats out[2])
{
	struct natport_rtp_stream st;
	struct nlmsghdr *nlh;
	int ret;

	nlh = put_header(h, h->family, NATPORT_CMD_STREAM_GET,
			 NATPORT_RTP_VERSION, 0);
	ret = put_key(h, nlh, &m->external);
	if (ret)
		return ret;
	memset(&st, 0, sizeof(st));
	ret = transact(h, nlh, get_cb, &st, "get");
	if (ret < 0)
		return ret;
	out[0] = st.dir[0];
	out[1] = st.dir[1];
	return 0;
}

struct dump_ctx {
	natport_rtp_stream_fn fn;
	void *arg;
};

static int dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dump_ctx *d = arg;
	struct natport_rtp_stream st;

	parse_stream(nlh, &st);
	return d->fn(&st, d->arg);
}

int natport_rtp_dump(struct natport_rtp *h, natport_rtp_stream_fn fn,
		     void *arg)
{
	struct dump_ctx d = { fn, arg };
	struct nlmsghdr *nlh;

	nlh = put_header(h, h->family, NATPORT_CMD_STREAM_GET,
			 NATPORT_RTP_VERSION, NLM_F_DUMP);
	return transact(h, nlh, dump_cb, &d, "dump");
}

static void handle_event(struct natport_rtp *h, const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct natport_rtp_event ev;
	const struct nlattr *a;

	if (nlh->nlmsg_type != h->family ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*g) ||
	    g->cmd != NATPORT_CMD_EVENT)
		return;
	memset(&ev, 0, sizeof(ev));
	mnl_attr_for_each(a, nlh, sizeof(*g)) {
		parse_key(a, &ev.external, &ev.mapping_id);
		switch (mnl_attr_get_type(a)) {
		case NATPORT_A_EVENT:
			if (mnl_attr_validate(a, MNL_TYPE_U8) == 0)
				ev.type = mnl_attr_get_u8(a);
			break;
		case NATPORT_A_DIRECTION:
			if (mnl_attr_validate(a, MNL_TYPE_U8) == 0)
				ev.dir = mnl_attr_get_u8(a);
			break;
		case NATPORT_A_SSRC_OLD: ev.ssrc_old = get_u32(a); break;
		case NATPORT_A_SSRC_NEW: ev.ssrc_new = get_u32(a); break;
		case NATPORT_A_SILENT_MS: ev.silent_ms = get_u32(a); break;
		}
	}
	if (ev.type && h->event_fn)
		h->event_fn(&ev, h->event_arg);
}

int natport_rtp_dispatch(struct natport_rtp *h)
{
	int count = 0;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(h->ev, h->buf, sizeof(h->buf));
		struct nlmsghdr *m;
		int len;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return count;
			set_err(h, "events: %s", strerror(errno));
			return -errno;
		}
		len = (int)n;
		for (m = (struct nlmsghdr *)h->buf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			handle_event(h, m);
			count++;
		}
	}
}
