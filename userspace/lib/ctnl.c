// SPDX-License-Identifier: LGPL-2.1-or-later
/* ctnl.c - conntrack backend: create, replace, delete and watch natport's
 * conntrack entries over ctnetlink (libnetfilter_conntrack + libmnl). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>

#include "ctnl.h"

/* A batch is one sendmsg of acknowledged requests. 64 KiB holds about 300
 * entry messages, and a batch is flushed before it runs full. */
#define BATCH_SIZE (64 * 1024)
#define MSG_ROOM 512
#define BATCH_MAX_MSGS 256
#define EVENT_RCVBUF (8 * 1024 * 1024)
#define EVENTS_PER_READ 1024
#define SCAN_PART (16 * 1024)

struct natport_ctnl {
	struct mnl_socket *req;
	struct mnl_socket *ev;
	struct mnl_socket *scan;  /* paced dumps, see natport_ctnl_scan_* */
	int scanning;
	uint32_t scan_seq;
	char *sbuf;
	uint32_t portid;
	uint32_t seq;
	uint32_t tag;
	struct nf_conntrack *obj; /* scratch object, renewed per message */
	char *buf;                /* batch being built */
	size_t len;
	uint32_t seq0;
	unsigned int n;
	char *rbuf;
	char errmsg[256];
};

const char *natport_ctnl_errmsg(const struct natport_ctnl *ct)
{
	return ct->errmsg;
}

static void set_errmsg(struct natport_ctnl *ct, const char *msg, int err)
{
	if (msg && *msg)
		snprintf(ct->errmsg, sizeof(ct->errmsg), "%s", msg);
	else
		snprintf(ct->errmsg, sizeof(ct->errmsg), "%s", strerror(-err));
}

/* libnetfilter_conntrack has no reset, and a parsed object may own
 * allocations (labels, helper data) that copying over it would leak: a
 * fresh object per message is the safe way. Allocation failure keeps the
 * old object, which nfct_nlmsg_parse then overwrites field by field. */
static void reset(struct nf_conntrack **obj)
{
	struct nf_conntrack *n = nfct_new();

	if (!n)
		return;
	nfct_destroy(*obj);
	*obj = n;
}

/* A UDP original tuple src -> dst (both IPv4 or both IPv6) on a fresh
 * object. */
static int set_udp(struct nf_conntrack **objp,
		   const struct natport_endpoint *src,
		   const struct natport_endpoint *dst)
{
	struct nf_conntrack *obj;

	reset(objp);
	obj = *objp;
	if (src->family != dst->family ||
	    (src->family != AF_INET && src->family != AF_INET6))
		return -EAFNOSUPPORT;
	nfct_set_attr_u8(obj, ATTR_L3PROTO, src->family);
	nfct_set_attr_u8(obj, ATTR_L4PROTO, IPPROTO_UDP);
	if (src->family == AF_INET) {
		nfct_set_attr_u32(obj, ATTR_IPV4_SRC, src->addr.v4.s_addr);
		nfct_set_attr_u32(obj, ATTR_IPV4_DST, dst->addr.v4.s_addr);
	} else {
		nfct_set_attr(obj, ATTR_IPV6_SRC, &src->addr.v6);
		nfct_set_attr(obj, ATTR_IPV6_DST, &dst->addr.v6);
	}
	nfct_set_attr_u16(obj, ATTR_PORT_SRC, htons(src->port));
	nfct_set_attr_u16(obj, ATTR_PORT_DST, htons(dst->port));
	return 0;
}

/* The entry's original tuple: remote -> external. */
static int set_tuple(struct nf_conntrack **objp,
		     const struct natport_ct_entry *e)
{
	return set_udp(objp, &e->remote, &e->external);
}

/* The tuple the LAN client's own packets to the remote have before NAT
 * (in a hairpin, to the router address the other client is known by). */
static int set_client_tuple(struct nf_conntrack **objp,
			    const struct natport_ct_entry *e)
{
	return set_udp(objp, &e->internal,
		       e->snat.family ? &e->snat : &e->remote);
}

/* What every shape of entry carries after its NAT attributes. */
static int finish_entry(struct nf_conntrack *obj,
			const struct natport_ct_entry *e)
{
	nfct_set_attr_u32(obj, ATTR_STATUS, IPS_SEEN_REPLY | IPS_ASSURED);
	nfct_set_attr_u32(obj, ATTR_TIMEOUT, e->timeout_s);
	nfct_set_attr_u32(obj, ATTR_MARK, e->mark);
	return 0;
}

/* Both tuples must be present before the NAT attributes, or the kernel
 * answers EINVAL (design.md section 4): SETUP_REPLY derives the reply
 * tuple from the original, and the kernel's NAT setup then rewrites it to
 * internal -> remote. SEEN_REPLY makes the entry ESTABLISHED at once, so a
 * router's "ct state established,related accept" passes the first packet
 * in either direction. */
static int set_entry(struct nf_conntrack **objp,
		     const struct natport_ct_entry *e)
{
	int err = set_tuple(objp, e);
	struct nf_conntrack *obj = *objp;

	if (err)
		return err;
	if (e->internal.family != e->external.family)
		return -EAFNOSUPPORT;
	nfct_setobjopt(obj, NFCT_SOPT_SETUP_REPLY);
	if (natport_endpoint_equal(&e->internal, &e->external)) {
		/* An IPv6 pinhole: no NAT attribute at all, so the reply tuple
		 * stays internal -> remote as SETUP_REPLY made it. ctnetlink
		 * then sets up no binding (ctnetlink_setup_nat returns early),
		 * and as the entry is ESTABLISHED from its first packet the
		 * nat chains never run for it: an operator's IPv6 masquerade
		 * does not rewrite a pinhole (checked on 6.18,
		 * test_kernel_path_v6). A clash with the client's early entry
		 * still fails with EEXIST (the hash insert checks both
		 * tuples), as with the IPv4 shape. */
		return finish_entry(obj, e);
	}
	if (e->internal.family == AF_INET6) {
		/* NAT66: the same shape as IPv4, with the same pin. */
		const struct natport_endpoint *sn =
			e->snat.family == AF_INET6 ? &e->snat : &e->remote;

		nfct_set_attr(obj, ATTR_DNAT_IPV6, &e->internal.addr.v6);
		nfct_set_attr_u16(obj, ATTR_DNAT_PORT, htons(e->internal.port));
		nfct_set_attr(obj, ATTR_SNAT_IPV6, &sn->addr.v6);
		nfct_set_attr_u16(obj, ATTR_SNAT_PORT, htons(sn->port));
		return finish_entry(obj, e);
	}
	nfct_set_attr_u32(obj, ATTR_DNAT_IPV4, e->internal.addr.v4.s_addr);
	nfct_set_attr_u16(obj, ATTR_DNAT_PORT, htons(e->internal.port));
	/* An explicit SNAT always: the hairpin's (the other phone's external
	 * endpoint), else an identity SNAT (remote to itself). Without one the
	 * kernel's null source binding resolves a clash of our reply tuple
	 * with the client's early, masqueraded entry by silently moving the
	 * remote port (found on 6.18: reply dport 6400 became 1434) and the
	 * client's packets keep leaving through masquerade. Pinned, the create
	 * fails with EEXIST instead, and install() removes the clash. */
	if (e->snat.family == AF_INET) {
		nfct_set_attr_u32(obj, ATTR_SNAT_IPV4, e->snat.addr.v4.s_addr);
		nfct_set_attr_u16(obj, ATTR_SNAT_PORT, htons(e->snat.port));
	} else {
		nfct_set_attr_u32(obj, ATTR_SNAT_IPV4, e->remote.addr.v4.s_addr);
		nfct_set_attr_u16(obj, ATTR_SNAT_PORT, htons(e->remote.port));
	}
	return finish_entry(obj, e);
}

static void batch_begin(struct natport_ctnl *ct)
{
	ct->len = 0;
	ct->n = 0;
	ct->seq0 = ct->seq;
}

static int batch_add(struct natport_ctnl *ct, uint16_t type, uint16_t flags,
		     const struct nf_conntrack *obj)
{
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;

	if (BATCH_SIZE - ct->len < MSG_ROOM || ct->n == BATCH_MAX_MSGS)
		return -ENOSPC;
	nlh = mnl_nlmsg_put_header(ct->buf + ct->len);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ct->seq++;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	/* ctnetlink parses the tuples with this family, not the
	 * object's: an IPv6 tuple under AF_INET is refused (EINVAL) */
	nfg->nfgen_family = nfct_get_attr_u8(obj, ATTR_L3PROTO);
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	if (nfct_nlmsg_build(nlh, obj) < 0)
		return -errno;
	ct->len += NLMSG_ALIGN(nlh->nlmsg_len);
	ct->n++;
	return 0;
}

static const char *ack_message(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	const void *tlvs;
	size_t off;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	/* With NETLINK_CAP_ACK only the request's header is echoed. */
	off = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (mnl_nlmsg_get_payload_len(nlh) < off)
		return NULL;
	tlvs = (const char *)e + off;
	mnl_attr_for_each_payload(tlvs, mnl_nlmsg_get_payload_len(nlh) - off)
	{
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			return mnl_attr_get_str(attr);
	}
	return NULL;
}

/* Send the batch and collect one ack per message into res[] (0 or -errno,
 * res may be NULL). The first unexpected error's text lands in errmsg. */
static int batch_commit(struct natport_ctnl *ct, int *res)
{
	unsigned int acked = 0;
	ssize_t r;

	if (ct->n == 0)
		return 0;
	if (mnl_socket_sendto(ct->req, ct->buf, ct->len) < 0)
		return -errno;
	while (acked < ct->n) {
		struct nlmsghdr *nlh;
		int len;

		r = mnl_socket_recvfrom(ct->req, ct->rbuf, BATCH_SIZE);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		len = r;
		for (nlh = (struct nlmsghdr *)ct->rbuf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e;
			uint32_t idx = nlh->nlmsg_seq - ct->seq0;

			if (nlh->nlmsg_type != NLMSG_ERROR || idx >= ct->n)
				continue; /* stale answer of an older batch */
			if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			if (res)
				res[idx] = e->error;
			if (e->error && e->error != -ENOENT)
				set_errmsg(ct, ack_message(nlh), e->error);
			acked++;
		}
	}
	return 0;
}

static struct natport_ctnl *ctnl_open(uint32_t mark_tag, int requests_only,
				      char *err, size_t errlen)
{
	struct natport_ctnl *ct;
	struct nfct_filter *filter;
	/* The kernel filters on the tag's block; mark > tag is checked
	 * here (natport_ct_mark_id), which a mask cannot express. */
	struct nfct_filter_dump_mark fm = {
		.val = mark_tag & NATPORT_CT_MARK_BLOCK,
		.mask = NATPORT_CT_MARK_BLOCK,
	};
	int on = 1, rcvbuf = EVENT_RCVBUF;

	ct = calloc(1, sizeof(*ct));
	if (!ct)
		goto err_alloc;
	ct->tag = mark_tag;
	ct->seq = time(NULL);
	ct->buf = calloc(1, BATCH_SIZE); /* padding goes out: zero it */
	ct->rbuf = malloc(BATCH_SIZE);
	ct->obj = nfct_new();
	if (!ct->buf || !ct->rbuf || !ct->obj)
		goto err_alloc;

	ct->req = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!ct->req) {
		snprintf(err, errlen, "ctnetlink socket: %s", strerror(errno));
		goto err_req;
	}
	if (mnl_socket_bind(ct->req, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "ctnetlink bind: %s", strerror(errno));
		goto err_bind;
	}
	ct->portid = mnl_socket_get_portid(ct->req);
	mnl_socket_setsockopt(ct->req, NETLINK_EXT_ACK, &on, sizeof(on));
	mnl_socket_setsockopt(ct->req, NETLINK_CAP_ACK, &on, sizeof(on));
	if (requests_only)
		return ct;

	ct->ev = mnl_socket_open2(NETLINK_NETFILTER,
				  SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!ct->ev ||
	    mnl_socket_bind(ct->ev, NF_NETLINK_CONNTRACK_DESTROY,
			    MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "conntrack event socket: %s",
			 strerror(errno));
		goto err_ev;
	}
	/* A burst of teardowns must not overflow the socket; FORCE needs
	 * CAP_NET_ADMIN, which we have, and ignores rmem_max. */
	if (setsockopt(mnl_socket_get_fd(ct->ev), SOL_SOCKET, SO_RCVBUFFORCE,
		       &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(mnl_socket_get_fd(ct->ev), SOL_SOCKET, SO_RCVBUF,
			   &rcvbuf, sizeof(rcvbuf));
	/* The kernel filters: only DESTROY events of entries with our tag
	 * wake us, however busy the router's conntrack table is. */
	filter = nfct_filter_create();
	if (!filter) {
		snprintf(err, errlen, "conntrack event filter: out of memory");
		goto err_ev;
	}
	nfct_filter_add_attr(filter, NFCT_FILTER_MARK, &fm);
	if (nfct_filter_attach(mnl_socket_get_fd(ct->ev), filter) < 0) {
		snprintf(err, errlen, "conntrack event filter: %s",
			 strerror(errno));
		nfct_filter_destroy(filter);
		goto err_ev;
	}
	nfct_filter_destroy(filter);
	ct->scan = mnl_socket_open2(NETLINK_NETFILTER,
				    SOCK_CLOEXEC | SOCK_NONBLOCK);
	ct->sbuf = malloc(BATCH_SIZE);
	if (!ct->scan || !ct->sbuf ||
	    mnl_socket_bind(ct->scan, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "conntrack scan socket: %s",
			 strerror(errno));
		goto err_scan;
	}
	return ct;

err_scan:
	if (ct->scan)
		mnl_socket_close(ct->scan);
	free(ct->sbuf);
err_ev:
	if (ct->ev)
		mnl_socket_close(ct->ev);
err_bind:
	mnl_socket_close(ct->req);
err_req:
	nfct_destroy(ct->obj);
	free(ct->rbuf);
	free(ct->buf);
	free(ct);
	return NULL;
err_alloc:
	snprintf(err, errlen, "out of memory");
	if (ct) {
		if (ct->obj)
			nfct_destroy(ct->obj);
		free(ct->rbuf);
		free(ct->buf);
		free(ct);
	}
	return NULL;
}

struct natport_ctnl *natport_ctnl_open(uint32_t mark_tag, char *err,
				       size_t errlen)
{
	return ctnl_open(mark_tag, 0, err, errlen);
}

struct natport_ctnl *natport_ctnl_open_requests(uint32_t mark_tag, char *err,
						size_t errlen)
{
	return ctnl_open(mark_tag, 1, err, errlen);
}

void natport_ctnl_close(struct natport_ctnl *ct)
{
	if (!ct)
		return;
	if (ct->scan)
		mnl_socket_close(ct->scan);
	free(ct->sbuf);
	if (ct->ev)
		mnl_socket_close(ct->ev);
	mnl_socket_close(ct->req);
	nfct_destroy(ct->obj);
	free(ct->rbuf);
	free(ct->buf);
	free(ct);
}

/* The common case is one message: the create. With NLM_F_EXCL the kernel
 * refuses it (EEXIST) if either of its tuples clashes with an entry, which
 * is exactly when the deletions are needed; only then, and when an old
 * entry must go, does the full batch run. */
int natport_ctnl_install(struct natport_ctnl *ct,
			 const struct natport_ct_entry *e,
			 const struct natport_ct_entry *old,
			 unsigned int *clashes)
{
	int res[4] = { 0 };
	unsigned int i, ndel = 0;
	int err;

	ct->errmsg[0] = '\0';
	if (!old) {
		batch_begin(ct);
		err = set_entry(&ct->obj, e);
		if (!err)
			err = batch_add(ct, IPCTNL_MSG_CT_NEW,
					NLM_F_CREATE | NLM_F_EXCL, ct->obj);
		if (!err)
			err = batch_commit(ct, res);
		if (err)
			return err;
		if (res[0] != -EEXIST)
			return res[0];
		ct->errmsg[0] = '\0';
	}
	batch_begin(ct);
	if (old) {
		err = set_tuple(&ct->obj, old);
		if (!err)
			err = batch_add(ct, IPCTNL_MSG_CT_DELETE, 0, ct->obj);
		if (err)
			return err;
	}
	ndel = ct->n;
	err = set_client_tuple(&ct->obj, e);
	if (!err)
		err = batch_add(ct, IPCTNL_MSG_CT_DELETE, 0, ct->obj);
	if (!err)
		err = set_tuple(&ct->obj, e);
	if (!err)
		err = batch_add(ct, IPCTNL_MSG_CT_DELETE, 0, ct->obj);
	if (!err)
		err = set_entry(&ct->obj, e);
	if (!err)
		err = batch_add(ct, IPCTNL_MSG_CT_NEW, NLM_F_CREATE | NLM_F_EXCL,
				ct->obj);
	if (err)
		return err;
	err = batch_commit(ct, res);
	if (err)
		return err;
	for (i = ndel; i < ct->n - 1; i++)
		if (res[i] == 0 && clashes)
			(*clashes)++;
	return res[ct->n - 1];
}

int natport_ctnl_create_many(struct natport_ctnl *ct,
			     const struct natport_ct_entry *e, unsigned int n,
			     int *res)
{
	unsigned int i;
	int err;

	if (n > NATPORT_CTNL_MANY)
		return -E2BIG;
	ct->errmsg[0] = '\0';
	batch_begin(ct);
	for (i = 0; i < n; i++) {
		res[i] = 0;
		err = set_entry(&ct->obj, &e[i]);
		if (!err)
			err = batch_add(ct, IPCTNL_MSG_CT_NEW,
					NLM_F_CREATE | NLM_F_EXCL, ct->obj);
		if (err)
			return err;
	}
	return batch_commit(ct, res);
}

/* No ack is asked for or awaited, but the kernel handles the request
 * inside sendmsg, so the entry is gone when this returns. An error answer
 * still comes back: batch_commit() skips it by sequence number and
 * request() drains it. An entry a failed delete leaves is the sweep's. */
int natport_ctnl_delete_nowait(struct natport_ctnl *ct,
			       const struct natport_ct_entry *e)
{
	struct nlmsghdr *nlh;
	int err;

	batch_begin(ct);
	err = set_tuple(&ct->obj, e);
	if (!err)
		err = batch_add(ct, IPCTNL_MSG_CT_DELETE, 0, ct->obj);
	if (err)
		return err;
	nlh = (struct nlmsghdr *)ct->buf;
	nlh->nlmsg_flags &= ~NLM_F_ACK;
	if (mnl_socket_sendto(ct->req, ct->buf, ct->len) < 0)
		return -errno;
	return 0;
}

int natport_ctnl_delete_many_nowait(struct natport_ctnl *ct,
				    const struct natport_ct_entry *e,
				    unsigned int n)
{
	unsigned int i;
	size_t off;
	int err;

	if (n > NATPORT_CTNL_MANY)
		return -E2BIG;
	batch_begin(ct);
	for (i = 0; i < n; i++) {
		err = set_tuple(&ct->obj, &e[i]);
		if (!err)
			err = batch_add(ct, IPCTNL_MSG_CT_DELETE, 0, ct->obj);
		if (err)
			return err;
	}
	for (off = 0; off < ct->len;) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(ct->buf + off);

		nlh->nlmsg_flags &= ~NLM_F_ACK;
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	if (ct->len && mnl_socket_sendto(ct->req, ct->buf, ct->len) < 0)
		return -errno;
	return 0;
}

int natport_ctnl_delete(struct natport_ctnl *ct,
			const struct natport_ct_entry *e)
{
	int res = 0, err;

	ct->errmsg[0] = '\0';
	batch_begin(ct);
	err = set_tuple(&ct->obj, e);
	if (!err)
		err = batch_add(ct, IPCTNL_MSG_CT_DELETE, 0, ct->obj);
	if (!err)
		err = batch_commit(ct, &res);
	if (err)
		return err;
	return res == -ENOENT ? 0 : res;
}

/* A timeout change on an existing entry: no CREATE flag, only the tuple
 * and the timeout (the kernel refuses NAT changes on existing entries). */
int natport_ctnl_refresh(struct natport_ctnl *ct,
			 const struct natport_ct_entry *e, unsigned int n,
			 int *res)
{
	unsigned int done = 0, i;
	int err;

	ct->errmsg[0] = '\0';
	while (done < n) {
		batch_begin(ct);
		for (i = done; i < n; i++) {
			err = set_tuple(&ct->obj, &e[i]);
			if (err) {
				res[i] = err;
				continue;
			}
			nfct_set_attr_u32(ct->obj, ATTR_TIMEOUT, e[i].timeout_s);
			err = batch_add(ct, IPCTNL_MSG_CT_NEW, 0, ct->obj);
			if (err == -ENOSPC)
				break;
			if (err)
				return err;
			res[i] = 0;
		}
		/* acks come back indexed by batch position, not by i */
		{
			int part[BATCH_MAX_MSGS];
			unsigned int j, k = 0;

			memset(part, 0, sizeof(part));
			err = batch_commit(ct, part);
			if (err)
				return err;
			for (j = done; j < i; j++)
				if (res[j] == 0)
					res[j] = part[k++];
		}
		done = i;
	}
	return 0;
}

static void entry_from_obj(const struct nf_conntrack *obj,
			   struct natport_ct_entry *e,
			   struct natport_counters *c)
{
	uint8_t family = nfct_get_attr_u8(obj, ATTR_L3PROTO);

	memset(e, 0, sizeof(*e));
	e->remote.family = e->external.family = e->internal.family = family;
	if (family == AF_INET6) {
		memcpy(&e->remote.addr.v6,
		       nfct_get_attr(obj, ATTR_ORIG_IPV6_SRC), 16);
		memcpy(&e->external.addr.v6,
		       nfct_get_attr(obj, ATTR_ORIG_IPV6_DST), 16);
		memcpy(&e->internal.addr.v6,
		       nfct_get_attr(obj, ATTR_REPL_IPV6_SRC), 16);
	} else {
		e->remote.addr.v4.s_addr =
			nfct_get_attr_u32(obj, ATTR_ORIG_IPV4_SRC);
		e->external.addr.v4.s_addr =
			nfct_get_attr_u32(obj, ATTR_ORIG_IPV4_DST);
		e->internal.addr.v4.s_addr =
			nfct_get_attr_u32(obj, ATTR_REPL_IPV4_SRC);
	}
	e->remote.port = ntohs(nfct_get_attr_u16(obj, ATTR_ORIG_PORT_SRC));
	e->external.port = ntohs(nfct_get_attr_u16(obj, ATTR_ORIG_PORT_DST));
	e->internal.port = ntohs(nfct_get_attr_u16(obj, ATTR_REPL_PORT_SRC));
	e->mark = nfct_get_attr_u32(obj, ATTR_MARK);
	e->timeout_s = nfct_get_attr_u32(obj, ATTR_TIMEOUT);
	if (!c)
		return;
	c->pkts_in = nfct_get_attr_u64(obj, ATTR_ORIG_COUNTER_PACKETS);
	c->bytes_in = nfct_get_attr_u64(obj, ATTR_ORIG_COUNTER_BYTES);
	c->pkts_out = nfct_get_attr_u64(obj, ATTR_REPL_COUNTER_PACKETS);
	c->bytes_out = nfct_get_attr_u64(obj, ATTR_REPL_COUNTER_BYTES);
}

static int known_family(const struct nf_conntrack *obj)
{
	uint8_t f = nfct_get_attr_u8(obj, ATTR_L3PROTO);

	return f == AF_INET || f == AF_INET6;
}

struct get_ctx {
	struct nf_conntrack *obj;
	struct natport_ct_entry *e;
	struct natport_counters *c;
	int found;
};

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct get_ctx *g = data;

	reset(&g->obj);
	if (nfct_nlmsg_parse(nlh, g->obj) < 0)
		return MNL_CB_OK;
	entry_from_obj(g->obj, g->e, g->c);
	g->found = 1;
	return MNL_CB_OK;
}

/* Send one request and run callbacks over the answer until the ack (or,
 * for a dump, NLMSG_DONE). */
static int request(struct natport_ctnl *ct, struct nlmsghdr *nlh,
		   mnl_cb_t cb, void *data)
{
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t r;
	int ret;

	/* mnl_cb_run() fails on a foreign sequence number: drop what
	 * unacknowledged requests left (their answers are complete, as the
	 * kernel answers during sendmsg). */
	while (recv(mnl_socket_get_fd(ct->req), ct->rbuf, BATCH_SIZE,
		    MSG_DONTWAIT) > 0)
		;
	if (mnl_socket_sendto(ct->req, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		r = mnl_socket_recvfrom(ct->req, ct->rbuf, BATCH_SIZE);
		if (r < 0)
			return -errno;
		ret = mnl_cb_run(ct->rbuf, r, seq, ct->portid, cb, data);
	} while (ret > MNL_CB_STOP);
	if (ret < 0)
		return -errno;
	return 0;
}

/* The header of a GET request (one entry, or a dump) in ct->buf. */
static struct nlmsghdr *put_get(struct natport_ctnl *ct, uint16_t flags,
				uint8_t family)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(ct->buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ct->seq++;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return nlh;
}

int natport_ctnl_counters(struct natport_ctnl *ct,
			  const struct natport_ct_entry *e,
			  struct natport_counters *c)
{
	struct natport_ct_entry got;
	struct get_ctx g = { .e = &got, .c = c };
	struct nlmsghdr *nlh;
	struct nf_conntrack *obj = nfct_new();
	int err;

	memset(c, 0, sizeof(*c));
	if (!obj)
		return -ENOMEM;
	err = set_tuple(&obj, e);
	if (err)
		goto out;
	nlh = put_get(ct, NLM_F_ACK, e->external.family);
	nfct_nlmsg_build(nlh, obj);
	g.obj = obj; /* get_cb renews it: never hand it ct->obj */
	err = request(ct, nlh, get_cb, &g);
	obj = g.obj;
	if (!err && !g.found)
		err = -ENOENT;
out:
	nfct_destroy(obj);
	return err;
}

struct dump_ctx {
	struct nf_conntrack *obj;
	uint32_t tag;
	natport_ctnl_dump_fn fn;
	void *arg;
	int count;
	int stop;
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	struct natport_ct_entry e;
	struct natport_counters c;

	reset(&d->obj);
	if (nfct_nlmsg_parse(nlh, d->obj) < 0)
		return MNL_CB_OK;
	/* the kernel filtered by mark already; check anyway, cheaply */
	if (!natport_ct_mark_id(d->tag, nfct_get_attr_u32(d->obj, ATTR_MARK)) ||
	    !known_family(d->obj) ||
	    nfct_get_attr_u8(d->obj, ATTR_L4PROTO) != IPPROTO_UDP)
		return MNL_CB_OK;
	entry_from_obj(d->obj, &e, &c);
	d->count++;
	if (!d->stop && d->fn && d->fn(&e, &c, d->arg))
		d->stop = 1; /* keep reading to the end of the dump */
	return MNL_CB_OK;
}

int natport_ctnl_dump(struct natport_ctnl *ct, natport_ctnl_dump_fn fn,
		      void *arg)
{
	struct nfct_filter_dump *fd;
	struct nfct_filter_dump_mark fm = {
		.val = ct->tag & NATPORT_CT_MARK_BLOCK,
		.mask = NATPORT_CT_MARK_BLOCK,
	};
	struct dump_ctx d = { .obj = nfct_new(), .tag = ct->tag, .fn = fn,
			      .arg = arg };
	struct nlmsghdr *nlh;
	int err;

	if (!d.obj)
		return -ENOMEM;
	fd = nfct_filter_dump_create();
	if (!fd) {
		nfct_destroy(d.obj);
		return -ENOMEM;
	}
	nfct_filter_dump_set_attr(fd, NFCT_FILTER_DUMP_MARK, &fm);
	nlh = put_get(ct, NLM_F_DUMP, AF_UNSPEC);
	nfct_nlmsg_build_filter(nlh, fd);
	nfct_filter_dump_destroy(fd);
	err = request(ct, nlh, dump_cb, &d);
	nfct_destroy(d.obj);
	return err ? err : d.count;
}

struct flush_ctx {
	struct natport_ct_entry *v;
	unsigned int n, cap;
};

static int collect(const struct natport_ct_entry *e,
		   const struct natport_counters *c, void *arg)
{
	struct flush_ctx *f = arg;

	if (f->n == f->cap) {
		unsigned int cap = f->cap ? f->cap * 2 : 256;
		void *v = realloc(f->v, cap * sizeof(*f->v));

		if (!v)
			return -1;
		f->v = v;
		f->cap = cap;
	}
	f->v[f->n++] = *e;
	return 0;
}

int natport_ctnl_flush(struct natport_ctnl *ct)
{
	struct flush_ctx f = { 0 };
	unsigned int i, deleted = 0;
	int err;

	/* Collect first: deleting during the dump would confuse it. */
	err = natport_ctnl_dump(ct, collect, &f);
	if (err < 0)
		goto out;
	if ((unsigned int)err != f.n) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < f.n; i++) {
		err = natport_ctnl_delete(ct, &f.v[i]);
		if (err)
			goto out;
		deleted++;
	}
	err = deleted;
out:
	free(f.v);
	return err;
}

int natport_ctnl_events_fd(const struct natport_ctnl *ct)
{
	return mnl_socket_get_fd(ct->ev);
}

int natport_ctnl_events_read(struct natport_ctnl *ct, unsigned int max,
			     natport_ctnl_event_fn fn, void *arg)
{
	struct natport_ct_entry e;
	unsigned int count = 0;

	if (!max || max > EVENTS_PER_READ)
		max = EVENTS_PER_READ;
	while (count < max) {
		struct nlmsghdr *nlh;
		ssize_t r;
		int len;

		r = recv(mnl_socket_get_fd(ct->ev), ct->rbuf, BATCH_SIZE,
			 MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		len = r;
		for (nlh = (struct nlmsghdr *)ct->rbuf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if ((nlh->nlmsg_type & 0xff) != IPCTNL_MSG_CT_DELETE)
				continue;
			reset(&ct->obj);
			if (nfct_nlmsg_parse(nlh, ct->obj) < 0)
				continue;
			if (!natport_ct_mark_id(
				    ct->tag,
				    nfct_get_attr_u32(ct->obj, ATTR_MARK)) ||
			    !known_family(ct->obj))
				continue;
			entry_from_obj(ct->obj, &e, NULL);
			fn(&e, arg);
			count++;
		}
	}
	return count;
}

int natport_ctnl_scan_fd(const struct natport_ctnl *ct)
{
	return mnl_socket_get_fd(ct->scan);
}

int natport_ctnl_scan_prepare(struct natport_ctnl *ct, void *buf, size_t len)
{
	struct nfct_filter_dump *fd;
	struct nfct_filter_dump_mark fm = {
		.val = ct->tag & NATPORT_CT_MARK_BLOCK,
		.mask = NATPORT_CT_MARK_BLOCK,
	};
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;

	if (len < NATPORT_CTNL_SCAN_REQ)
		return -ENOSPC;
	memset(buf, 0, NATPORT_CTNL_SCAN_REQ);
	nlh = mnl_nlmsg_put_header(buf);
	/* what an abandoned scan left is stale */
	while (recv(mnl_socket_get_fd(ct->scan), ct->sbuf, BATCH_SIZE,
		    MSG_DONTWAIT) > 0)
		;
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ct->scan_seq = ct->seq++;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC; /* both families in one dump */
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	fd = nfct_filter_dump_create();
	if (!fd)
		return -ENOMEM;
	nfct_filter_dump_set_attr(fd, NFCT_FILTER_DUMP_MARK, &fm);
	nfct_nlmsg_build_filter(nlh, fd);
	nfct_filter_dump_destroy(fd);
	ct->scanning = 1;
	return nlh->nlmsg_len;
}

void natport_ctnl_scan_abort(struct natport_ctnl *ct)
{
	ct->scanning = 0;
}

int natport_ctnl_scan_start(struct natport_ctnl *ct)
{
	char buf[NATPORT_CTNL_SCAN_REQ];
	int len = natport_ctnl_scan_prepare(ct, buf, sizeof(buf));

	if (len < 0)
		return len;
	if (mnl_socket_sendto(ct->scan, buf, len) < 0) {
		ct->scanning = 0;
		return -errno;
	}
	return 0;
}

/* The kernel builds the next part of a dump while we read the last one
 * (netlink_recvmsg), so the socket stays readable until the dump is done
 * and the caller's poll brings it back here for the next slice. */
int natport_ctnl_scan_step(struct natport_ctnl *ct, unsigned int max,
			   natport_ctnl_dump_fn fn, void *arg)
{
	struct natport_ct_entry e;
	struct natport_counters c;
	unsigned int n = 0;

	if (!ct->scanning)
		return 0;
	while (n < max) {
		struct nlmsghdr *nlh;
		ssize_t r;
		int len;

		/* a small buffer keeps each dump part, and so the kernel's
		 * share of a step, small too */
		r = recv(mnl_socket_get_fd(ct->scan), ct->sbuf, SCAN_PART,
			 MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 1;
			if (errno == EINTR)
				continue;
			ct->scanning = 0;
			return -errno;
		}
		len = r;
		for (nlh = (struct nlmsghdr *)ct->sbuf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != ct->scan_seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_DONE) {
				ct->scanning = 0;
				return 0;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *er =
					mnl_nlmsg_get_payload(nlh);

				ct->scanning = 0;
				return er->error ? er->error : 0;
			}
			reset(&ct->obj);
			if (nfct_nlmsg_parse(nlh, ct->obj) < 0)
				continue;
			if (!natport_ct_mark_id(
				    ct->tag,
				    nfct_get_attr_u32(ct->obj, ATTR_MARK)) ||
			    !known_family(ct->obj) ||
			    nfct_get_attr_u8(ct->obj, ATTR_L4PROTO) !=
				    IPPROTO_UDP)
				continue;
			entry_from_obj(ct->obj, &e, &c);
			fn(&e, &c, arg);
			n++;
		}
	}
	return 1;
}

int natport_ctnl_scanning(const struct natport_ctnl *ct)
{
	return ct->scanning;
}
