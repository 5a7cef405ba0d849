// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - natport_rtp: RTP statistics for natport's conntrack mappings.
 *
 * Module parameters, per-namespace state and the order in which the parts
 * come up and go down. Init: stream cache, pernet state (table, worker,
 * netfilter hooks in every namespace), then the netlink family, so no
 * request can arrive before a namespace has its table. Exit in reverse:
 * the family goes first (no new streams), then every namespace unhooks and
 * frees its streams, then rcu_barrier() lets the kfree_rcu()s finish.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <net/netns/generic.h>
#include <net/genetlink.h>

#include "natport_rtp.h"

unsigned int np_mark_tag = 0x4e500000;
module_param_named(mark_tag, np_mark_tag, uint, 0444);
MODULE_PARM_DESC(mark_tag, "ct mark tag of natport entries (0x4e500000)");

/* natport's mark is tag + mapping id: an entry is natport's when the
 * mark's masked bits are the tag's and the mark is above the tag, so ids
 * run on into the tag's block (natport.h, NATPORT_CT_MARK_BLOCK: 11.5
 * million with the default tag). 0xffff0000 gives the 16-bit ids of
 * natport 0.1 only. */
unsigned int np_mark_mask = 0xff000000;
module_param_named(mark_mask, np_mark_mask, uint, 0444);
MODULE_PARM_DESC(mark_mask,
		 "ct mark bits that must equal the tag's; the mark must also exceed the tag (0xff000000)");

unsigned int np_max_streams = 65536;
module_param_named(max_streams, np_max_streams, uint, 0444);
MODULE_PARM_DESC(max_streams, "streams per network namespace (65536)");

static unsigned int np_net_id __read_mostly;

struct np_net *np_net_get(const struct net *net)
{
	return net_generic(net, np_net_id);
}

static int __net_init np_net_init(struct net *net)
{
	struct np_net *nn = np_net_get(net);
	int ret;

	nn->net = net;
	np_net_table_init(nn);
	ret = np_hook_register(net);
	if (ret)
		goto err_hook;
	return 0;

err_hook:
	np_net_table_uninit(nn);
	return ret;
}

static void __net_exit np_net_exit(struct net *net)
{
	struct np_net *nn = np_net_get(net);

	np_hook_unregister(net);
	np_net_table_uninit(nn);
}

static struct pernet_operations np_net_ops = {
	.init = np_net_init,
	.exit = np_net_exit,
	.id = &np_net_id,
	.size = sizeof(struct np_net),
};

static int __init np_init(void)
{
	int ret;

	/* the tag's low 16 bits are zero (natport.h); its masked bits are
	 * what a mark must share */
	if (!np_mark_mask || (np_mark_tag & 0xffff)) {
		pr_err("natport_rtp: mark_tag 0x%x needs its low 16 bits zero and mark_mask 0x%x bits\n",
		       np_mark_tag, np_mark_mask);
		return -EINVAL;
	}
	ret = np_stream_cache_init();
	if (ret)
		goto err_cache;
	ret = register_pernet_subsys(&np_net_ops);
	if (ret)
		goto err_pernet;
	ret = np_netlink_init();
	if (ret)
		goto err_netlink;
	pr_info("natport_rtp: protocol version %u, ct mark 0x%08x/0x%08x\n",
		NATPORT_RTP_VERSION, np_mark_tag, np_mark_mask);
	return 0;

err_netlink:
	unregister_pernet_subsys(&np_net_ops);
err_pernet:
	rcu_barrier();
	np_stream_cache_uninit();
err_cache:
	return ret;
}

static void __exit np_exit(void)
{
	np_netlink_uninit();
	unregister_pernet_subsys(&np_net_ops);
	rcu_barrier();
	np_stream_cache_uninit();
	pr_info("natport_rtp: unloaded\n");
}

module_init(np_init);
module_exit(np_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("natport");
MODULE_DESCRIPTION("RTP statistics for natport conntrack mappings");

MODULE_ALIAS_GENL_FAMILY(NATPORT_RTP_GENL_NAME);
