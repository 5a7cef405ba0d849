/* SPDX-License-Identifier: GPL-2.0 */
/*
 * natport_rtp.h - internal interfaces of the natport_rtp module.
 *
 * Locking and lifetime, for every file of the module:
 *
 *  - Each network namespace has one struct np_net (net_generic), created
 *    and destroyed by the pernet operations. Its stream hash table is read
 *    under RCU (the netfilter hook, dumps, the event worker) and changed
 *    only under np_net.lock (netlink add/del, namespace exit).
 *  - A stream is freed with kfree_rcu() after being unhashed, so a reader
 *    that found it under rcu_read_lock() may keep using it until
 *    rcu_read_unlock(). Module exit waits with rcu_barrier().
 *  - Per direction, the statistics are written by the hook and read by
 *    netlink under np_dir.lock (a BH-disabling spinlock: the hook runs in
 *    softirq, netlink in process context). The two directions have their
 *    own locks and cache lines, so the two directions of a call forwarded
 *    on two CPUs do not contend.
 *  - Stream settings (clock rate, flags...) are written once before the
 *    stream is published, or under np_net.lock with WRITE_ONCE on replace;
 *    the hook reads them with READ_ONCE.
 */
#ifndef NATPORT_RTP_INTERNAL_H
#define NATPORT_RTP_INTERNAL_H

#include <linux/types.h>
#include <linux/spinlock.h>
#include <linux/rculist.h>
#include <linux/workqueue.h>
#include <linux/netfilter.h>
#include <net/net_namespace.h>
#include <net/netlink.h>

#include "../include/natport/natport_rtp.h"

#define NP_HASH_BITS 10
#define NP_DIRS 2

struct np_key {
	union nf_inet_addr addr; /* external address, network order */
	__be16 port;		 /* external port */
	u8 family;		 /* AF_INET or AF_INET6 */
	u8 pad;
};

/* RFC 3550 A.1 receiver state of one direction's current source, plus
 * what the directions's earlier sources contributed to expected/lost. */
struct np_dir {
	spinlock_t lock;
	u64 packets, bytes, rtp, rtcp, not_rtp, dropped;
	u64 last_ns;
	u32 ssrc, ssrc_prev, ssrc_changes;
	bool have_ssrc;
	/* A.1 */
	u16 max_seq;
	u32 cycles, base_seq, bad_seq, received;
	/* A.3 totals of the sources before the current one */
	u64 expected_prior;
	s64 lost_prior;
	/* A.8, jitter scaled by 16 */
	u32 transit, jitter;
	bool have_transit;
	/* events, written by the hook, consumed by the worker */
	bool ssrc_event;
	bool silent;
} ____cacheline_aligned_in_smp;

struct np_stream {
	struct hlist_node node;
	struct rcu_head rcu;
	struct np_key key;
	u32 mapping_id;
	u32 clock_rate;
	u32 flags;
	u32 silent_ms;
	s16 payload_type; /* -1: any */
	u64 epoch_ns;	  /* origin of the arrival clock */
	struct np_dir dir[NP_DIRS];
};

struct np_net {
	struct net *net;
	spinlock_t lock; /* writers of the table and count */
	unsigned int count;
	struct hlist_head table[1 << NP_HASH_BITS];
	struct delayed_work work; /* events: silence and SSRC changes */
	bool dying;		  /* set under lock: no more work queued */
};

/* main.c */
extern unsigned int np_mark_tag, np_mark_mask, np_max_streams;

/* natport's entry: tag + id, id > 0, in the tag's masked block
 * (natport_ct_mark_id() in include/natport/natport.h) */
static inline bool np_mark_ours(u32 mark)
{
	return (mark & np_mark_mask) == (np_mark_tag & np_mark_mask) &&
	       mark > np_mark_tag;
}
struct np_net *np_net_get(const struct net *net);

/* stream.c */
int np_stream_cache_init(void);
void np_stream_cache_uninit(void);
void np_net_table_init(struct np_net *nn);
void np_net_table_uninit(struct np_net *nn);
struct np_stream *np_stream_lookup(struct np_net *nn, const struct np_key *k);
int np_stream_add(struct np_net *nn, const struct np_stream *tmpl,
		  bool replace, struct netlink_ext_ack *extack);
int np_stream_del(struct np_net *nn, const struct np_key *k);
unsigned int np_stream_hash(const struct np_key *k);
/* np_stream_packet - account one packet; returns false if it must be
 * dropped (strict policy). payload may be NULL when len < 12. */
bool np_stream_packet(struct np_stream *s, int dir, const u8 *payload,
		      unsigned int len, unsigned int ip_len);
void np_stream_worker(struct work_struct *work);
int np_stream_fill_stats(struct sk_buff *skb, struct np_stream *s);
int np_stream_fill_key(struct sk_buff *skb, const struct np_stream *s);

/* hook.c */
int np_hook_register(struct net *net);
void np_hook_unregister(struct net *net);

/* netlink.c */
int np_netlink_init(void);
void np_netlink_uninit(void);
void np_netlink_event(struct np_net *nn, const struct np_stream *s, int dir,
		      u8 event, u32 ssrc_old, u32 ssrc_new);

#endif /* NATPORT_RTP_INTERNAL_H */
