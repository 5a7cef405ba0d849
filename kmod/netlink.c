// SPDX-License-Identifier: GPL-2.0
/*
 * netlink.c - the "natport_rtp" generic netlink family: the handshake,
 * stream add/del/get/dump and the events multicast group. The contract is
 * include/natport/natport_rtp.h.
 */
#include <net/genetlink.h>
#include <linux/in6.h>
#include <linux/stringify.h>
#include <net/sock.h>

#include "natport_rtp.h"

static struct genl_family np_family;

/* Events are sent by the per-namespace workers, which module exit stops
 * only after the family is gone (the family must go first: requests use
 * per-namespace state that pernet exit frees). np_events_live, under
 * np_events_lock, keeps a late worker from multicasting to a group id the
 * unregistered family no longer owns. */
static DEFINE_SPINLOCK(np_events_lock);
static bool np_events_live;

enum { NP_MCGRP_EVENTS };

static const struct genl_multicast_group np_mcgrps[] = {
	[NP_MCGRP_EVENTS] = { .name = NATPORT_RTP_MCGRP_EVENTS },
};

/* Not const: 6.1's nla_policy points to a mutable one. */
static struct netlink_range_validation np_clock_range = {
	.min = 1,
	.max = NATPORT_RTP_CLOCK_RATE_MAX,
};

static struct netlink_range_validation np_silent_range = {
	.max = NATPORT_RTP_SILENT_MS_MAX,
};

static const struct nla_policy np_policy[NATPORT_A_MAX + 1] = {
	[NATPORT_A_VERSION] = { .type = NLA_U32 },
	[NATPORT_A_FAMILY] = { .type = NLA_U8 },
	[NATPORT_A_ADDR4] = NLA_POLICY_EXACT_LEN(sizeof(struct in_addr)),
	[NATPORT_A_ADDR6] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
	[NATPORT_A_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[NATPORT_A_MAPPING_ID] = { .type = NLA_U32 },
	[NATPORT_A_PAYLOAD_TYPE] = NLA_POLICY_MAX(NLA_U8, 127),
	[NATPORT_A_CLOCK_RATE] = NLA_POLICY_FULL_RANGE(NLA_U32,
						       &np_clock_range),
	[NATPORT_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, NATPORT_F_ALL),
	[NATPORT_A_SILENT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32,
						      &np_silent_range),
};

/* 6.1 has no NL_SET_ERR_MSG_FMT: extack messages are static strings. */
#define NP_VERSION_MSG                                                   \
	"protocol version mismatch: natport_rtp module speaks version " \
	__stringify(NATPORT_RTP_VERSION)

/* Every request must speak our version (genetlink header). */
static int np_pre_doit(const struct genl_ops *ops, struct sk_buff *skb,
		       struct genl_info *info)
{
	if (info->genlhdr->version != NATPORT_RTP_VERSION) {
		NL_SET_ERR_MSG(info->extack, NP_VERSION_MSG);
		return -EPROTONOSUPPORT;
	}
	return 0;
}

static int parse_key(struct genl_info *info, struct np_key *k)
{
	struct nlattr **a = info->attrs;

	memset(k, 0, sizeof(*k));
	if (!a[NATPORT_A_FAMILY] || !a[NATPORT_A_PORT]) {
		NL_SET_ERR_MSG(info->extack, "stream key needs family, address and port");
		return -EINVAL;
	}
	k->family = nla_get_u8(a[NATPORT_A_FAMILY]);
	k->port = htons(nla_get_u16(a[NATPORT_A_PORT]));
	if (k->family == AF_INET && a[NATPORT_A_ADDR4] &&
	    !a[NATPORT_A_ADDR6]) {
		k->addr.ip = nla_get_in_addr(a[NATPORT_A_ADDR4]);
	} else if (k->family == AF_INET6 && a[NATPORT_A_ADDR6] &&
		   !a[NATPORT_A_ADDR4]) {
		k->addr.in6 = nla_get_in6_addr(a[NATPORT_A_ADDR6]);
	} else {
		NL_SET_ERR_MSG(info->extack, "stream key: family must be AF_INET with ADDR4 or AF_INET6 with ADDR6");
		return -EINVAL;
	}
	return 0;
}

static int np_hello(struct sk_buff *skb, struct genl_info *info)
{
	struct np_net *nn = np_net_get(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;
	u32 version;

	if (!info->attrs[NATPORT_A_VERSION]) {
		NL_SET_ERR_MSG(info->extack, "hello needs NATPORT_A_VERSION");
		return -EINVAL;
	}
	version = nla_get_u32(info->attrs[NATPORT_A_VERSION]);
	if (version != NATPORT_RTP_VERSION) {
		NL_SET_ERR_MSG(info->extack, NP_VERSION_MSG);
		return -EPROTONOSUPPORT;
	}
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &np_family, 0, NATPORT_CMD_HELLO);
	if (!hdr ||
	    nla_put_u32(msg, NATPORT_A_VERSION, NATPORT_RTP_VERSION) ||
	    nla_put_u32(msg, NATPORT_A_MARK_TAG, np_mark_tag) ||
	    nla_put_u32(msg, NATPORT_A_MARK_MASK, np_mark_mask) ||
	    nla_put_u32(msg, NATPORT_A_STREAMS, READ_ONCE(nn->count))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int np_add(struct sk_buff *skb, struct genl_info *info)
{
	struct np_net *nn = np_net_get(genl_info_net(info));
	struct nlattr **a = info->attrs;
	struct np_stream tmpl = {};
	int ret;

	ret = parse_key(info, &tmpl.key);
	if (ret)
		return ret;
	if (!a[NATPORT_A_CLOCK_RATE]) {
		NL_SET_ERR_MSG(info->extack, "stream add needs NATPORT_A_CLOCK_RATE");
		return -EINVAL;
	}
	tmpl.clock_rate = nla_get_u32(a[NATPORT_A_CLOCK_RATE]);
	tmpl.payload_type = a[NATPORT_A_PAYLOAD_TYPE] ?
		nla_get_u8(a[NATPORT_A_PAYLOAD_TYPE]) : -1;
	tmpl.flags = a[NATPORT_A_FLAGS] ? nla_get_u32(a[NATPORT_A_FLAGS]) : 0;
	tmpl.silent_ms = a[NATPORT_A_SILENT_MS] ?
		nla_get_u32(a[NATPORT_A_SILENT_MS]) :
		NATPORT_RTP_SILENT_MS_DEFAULT;
	tmpl.mapping_id = a[NATPORT_A_MAPPING_ID] ?
		nla_get_u32(a[NATPORT_A_MAPPING_ID]) : 0;
	return np_stream_add(nn, &tmpl,
			     info->nlhdr->nlmsg_flags & NLM_F_REPLACE,
			     info->extack);
}

static int np_del(struct sk_buff *skb, struct genl_info *info)
{
	struct np_net *nn = np_net_get(genl_info_net(info));
	struct np_key key;
	int ret;

	ret = parse_key(info, &key);
	if (ret)
		return ret;
	ret = np_stream_del(nn, &key);
	if (ret == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "no such stream");
	return ret;
}

static int fill_stream(struct sk_buff *skb, struct np_stream *s, u32 portid,
		       u32 seq, int flags)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &np_family, flags,
			  NATPORT_CMD_STREAM_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (np_stream_fill_stats(skb, s)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int np_get(struct sk_buff *skb, struct genl_info *info)
{
	struct np_net *nn = np_net_get(genl_info_net(info));
	struct np_stream *s;
	struct sk_buff *msg;
	struct np_key key;
	int ret;

	ret = parse_key(info, &key);
	if (ret)
		return ret;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	rcu_read_lock();
	s = np_stream_lookup(nn, &key);
	ret = s ? fill_stream(msg, s, info->snd_portid, info->snd_seq, 0) :
		  -ENOENT;
	rcu_read_unlock();
	if (ret) {
		if (ret == -ENOENT)
			NL_SET_ERR_MSG(info->extack, "no such stream");
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/* Dump: cb->args[0] is the bucket, args[1] how many of its streams were
 * sent. A stream added or removed during the dump may be missed or seen
 * twice, as with every netlink dump. */
static int np_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genlmsghdr *gh = nlmsg_data(cb->nlh);
	struct np_net *nn = np_net_get(sock_net(skb->sk));
	unsigned long bucket = cb->args[0], skip = cb->args[1], n;
	struct np_stream *s;
	int ret = 0;

	if (gh->version != NATPORT_RTP_VERSION) {
		NL_SET_ERR_MSG(cb->extack, NP_VERSION_MSG);
		return -EPROTONOSUPPORT;
	}
	rcu_read_lock();
	for (; bucket < ARRAY_SIZE(nn->table); bucket++, skip = 0) {
		n = 0;
		hlist_for_each_entry_rcu(s, &nn->table[bucket], node) {
			if (n++ < skip)
				continue;
			ret = fill_stream(skb, s, NETLINK_CB(cb->skb).portid,
					  cb->nlh->nlmsg_seq, NLM_F_MULTI);
			if (ret) {
				skip = n - 1;
				goto out;
			}
		}
	}
out:
	rcu_read_unlock();
	cb->args[0] = bucket;
	cb->args[1] = skip;
	return ret ? skb->len : 0;
}

void np_netlink_event(struct np_net *nn, const struct np_stream *s, int dir,
		      u8 event, u32 ssrc_old, u32 ssrc_new)
{
	struct sk_buff *msg;
	void *hdr;

	if (!READ_ONCE(np_events_live) ||
	    !genl_has_listeners(&np_family, nn->net, NP_MCGRP_EVENTS))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &np_family, 0, NATPORT_CMD_EVENT);
	if (!hdr || np_stream_fill_key(msg, s) ||
	    nla_put_u8(msg, NATPORT_A_EVENT, event) ||
	    nla_put_u8(msg, NATPORT_A_DIRECTION, dir) ||
	    (event == NATPORT_EV_SILENT &&
	     nla_put_u32(msg, NATPORT_A_SILENT_MS, READ_ONCE(s->silent_ms))) ||
	    (event == NATPORT_EV_SSRC &&
	     (nla_put_u32(msg, NATPORT_A_SSRC_OLD, ssrc_old) ||
	      nla_put_u32(msg, NATPORT_A_SSRC_NEW, ssrc_new)))) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	spin_lock_bh(&np_events_lock);
	if (np_events_live)
		genlmsg_multicast_netns(&np_family, nn->net, msg, 0,
					NP_MCGRP_EVENTS, GFP_ATOMIC);
	else
		nlmsg_free(msg);
	spin_unlock_bh(&np_events_lock);
}

/* GENL_UNS_ADMIN_PERM: CAP_NET_ADMIN over the socket's namespace. Streams
 * are per namespace and capped by max_streams, so a container's root can
 * manage its own calls and nothing else. */
static const struct genl_ops np_ops[] = {
	{
		.cmd = NATPORT_CMD_HELLO,
		.doit = np_hello,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = NATPORT_CMD_STREAM_ADD,
		.doit = np_add,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = NATPORT_CMD_STREAM_DEL,
		.doit = np_del,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = NATPORT_CMD_STREAM_GET,
		.doit = np_get,
		.dumpit = np_dump,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family np_family __ro_after_init = {
	.name = NATPORT_RTP_GENL_NAME,
	.version = NATPORT_RTP_VERSION,
	.maxattr = NATPORT_A_MAX,
	.policy = np_policy,
	.netnsok = true,
	.parallel_ops = true,
	.pre_doit = np_pre_doit,
	.module = THIS_MODULE,
	.ops = np_ops,
	.n_ops = ARRAY_SIZE(np_ops),
	.resv_start_op = NATPORT_CMD_STREAM_GET + 1,
	.mcgrps = np_mcgrps,
	.n_mcgrps = ARRAY_SIZE(np_mcgrps),
};

int np_netlink_init(void)
{
	int ret;

	ret = genl_register_family(&np_family);
	if (ret)
		return ret;
	spin_lock_bh(&np_events_lock);
	np_events_live = true;
	spin_unlock_bh(&np_events_lock);
	return 0;
}

void np_netlink_uninit(void)
{
	spin_lock_bh(&np_events_lock);
	np_events_live = false;
	spin_unlock_bh(&np_events_lock);
	genl_unregister_family(&np_family);
}
