// SPDX-License-Identifier: GPL-2.0
/*
 * hook.c - the packet path: a netfilter hook in the forward path of every
 * namespace (IPv4 and IPv6), after the firewall's filter chains, so it sees
 * a packet only when the router really forwards it, and after prerouting
 * DNAT.
 *
 * Cost when a packet is not ours: nf_ct_get() and two compares of the ct
 * mark. For natport's entries: one hash lookup under RCU (the hook already
 * runs inside rcu_read_lock) and a 12-byte header copy. The hook never
 * writes to the packet; it returns NF_DROP only for a strict stream.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>

#include "natport_rtp.h"

#if !IS_ENABLED(CONFIG_NF_CONNTRACK_MARK)
#error "natport_rtp needs CONFIG_NF_CONNTRACK_MARK"
#endif

/* After filter (0) and security (50): count only what is forwarded. */
#define NP_HOOK_PRIORITY (NF_IP_PRI_SECURITY + 10)

static unsigned int np_hook(void *priv, struct sk_buff *skb,
			    const struct nf_hook_state *state)
{
	const struct nf_conntrack_tuple *orig;
	enum ip_conntrack_info ctinfo;
	struct np_stream *s;
	struct np_net *nn;
	struct nf_conn *ct;
	struct np_key key = {};
	struct udphdr _uh;
	const struct udphdr *uh;
	u8 _rtp[12];
	const u8 *rtp;
	unsigned int thoff, ulen;
	int dir;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct || !np_mark_ours(READ_ONCE(ct->mark)))
		return NF_ACCEPT;
	/* ICMP errors about the stream (port unreachable from a client
	 * whose socket closed) are RELATED to the entry: not media, never
	 * counted, never dropped by strict. */
	if (ctinfo != IP_CT_ESTABLISHED && ctinfo != IP_CT_ESTABLISHED_REPLY &&
	    ctinfo != IP_CT_NEW)
		return NF_ACCEPT;
	orig = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	if (orig->dst.protonum != IPPROTO_UDP)
		return NF_ACCEPT;

	key.family = state->pf == NFPROTO_IPV4 ? AF_INET : AF_INET6;
	if (orig->src.l3num != state->pf)
		return NF_ACCEPT;
	key.addr = orig->dst.u3;
	key.port = orig->dst.u.udp.port;
	nn = np_net_get(state->net);
	s = np_stream_lookup(nn, &key);
	if (!s)
		return NF_ACCEPT;

	if (state->pf == NFPROTO_IPV4) {
		if (ip_hdr(skb)->protocol != IPPROTO_UDP)
			return NF_ACCEPT;
		thoff = ip_hdrlen(skb);
	} else {
		u8 nexthdr = ipv6_hdr(skb)->nexthdr;
		__be16 frag_off;
		int off;

		off = ipv6_skip_exthdr(skb, sizeof(struct ipv6hdr), &nexthdr,
				       &frag_off);
		if (off < 0 || nexthdr != IPPROTO_UDP)
			return NF_ACCEPT;
		thoff = off;
	}
	uh = skb_header_pointer(skb, thoff, sizeof(_uh), &_uh);
	if (!uh)
		return NF_ACCEPT;
	ulen = ntohs(uh->len);
	if (ulen < sizeof(*uh) || thoff + ulen > skb->len)
		ulen = 0;
	else
		ulen -= sizeof(*uh);
	rtp = skb_header_pointer(skb, thoff + sizeof(*uh),
				 min_t(unsigned int, ulen, sizeof(_rtp)),
				 _rtp);
	if (!ulen)
		rtp = NULL;

	dir = CTINFO2DIR(ctinfo) == IP_CT_DIR_ORIGINAL ? NATPORT_RTP_DIR_IN :
							  NATPORT_RTP_DIR_OUT;
	if (!np_stream_packet(s, dir, rtp, ulen, skb->len))
		return NF_DROP;
	return NF_ACCEPT;
}

static const struct nf_hook_ops np_hook_ops[] = {
	{
		.hook = np_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_FORWARD,
		.priority = NP_HOOK_PRIORITY,
	},
	{
		.hook = np_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_FORWARD,
		.priority = NP_HOOK_PRIORITY,
	},
};

int np_hook_register(struct net *net)
{
	return nf_register_net_hooks(net, np_hook_ops,
				     ARRAY_SIZE(np_hook_ops));
}

void np_hook_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, np_hook_ops, ARRAY_SIZE(np_hook_ops));
}
