// SPDX-License-Identifier: GPL-2.0
/*
 * stream.c - the per-namespace stream table and RFC 3550 receiver
 * statistics of each stream's two directions. Locking: see natport_rtp.h.
 */
#include <linux/jhash.h>
#include <linux/slab.h>
#include <linux/math64.h>
#include <linux/ktime.h>
#include <linux/atomic.h>
#include <linux/version.h>
#include <net/genetlink.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#include "natport_rtp.h"

#define RTP_SEQ_MOD (1u << 16)
#define MAX_DROPOUT 3000
#define MAX_MISORDER 100
#define WORK_PERIOD msecs_to_jiffies(250)

static struct kmem_cache *np_stream_cache __read_mostly;
static atomic_t np_streams_live = ATOMIC_INIT(0);
static u32 np_hash_seed __read_mostly;

int np_stream_cache_init(void)
{
	np_stream_cache = kmem_cache_create("natport_rtp_stream",
					    sizeof(struct np_stream), 0,
					    SLAB_HWCACHE_ALIGN, NULL);
	if (!np_stream_cache)
		return -ENOMEM;
	np_hash_seed = get_random_u32();
	return 0;
}

void np_stream_cache_uninit(void)
{
	/* Every stream was unhashed and its RCU callback has run. */
	WARN(atomic_read(&np_streams_live), "natport_rtp: %d streams leaked\n",
	     atomic_read(&np_streams_live));
	kmem_cache_destroy(np_stream_cache);
}

static void free_rcu(struct rcu_head *head)
{
	kmem_cache_free(np_stream_cache,
			container_of(head, struct np_stream, rcu));
	atomic_dec(&np_streams_live);
}

unsigned int np_stream_hash(const struct np_key *k)
{
	return jhash2((const u32 *)k, sizeof(*k) / sizeof(u32), np_hash_seed) &
	       ((1 << NP_HASH_BITS) - 1);
}

static bool key_equal(const struct np_key *a, const struct np_key *b)
{
	return !memcmp(a, b, sizeof(*a));
}

void np_net_table_init(struct np_net *nn)
{
	unsigned int i;

	spin_lock_init(&nn->lock);
	for (i = 0; i < ARRAY_SIZE(nn->table); i++)
		INIT_HLIST_HEAD(&nn->table[i]);
	INIT_DELAYED_WORK(&nn->work, np_stream_worker);
}

/* Called once the namespace's hooks are gone: no reader can find a stream
 * any more except an RCU reader already inside, which kfree via RCU
 * covers. */
void np_net_table_uninit(struct np_net *nn)
{
	struct np_stream *s;
	struct hlist_node *tmp;
	unsigned int i;

	spin_lock_bh(&nn->lock);
	nn->dying = true;
	spin_unlock_bh(&nn->lock);
	cancel_delayed_work_sync(&nn->work);

	spin_lock_bh(&nn->lock);
	for (i = 0; i < ARRAY_SIZE(nn->table); i++) {
		hlist_for_each_entry_safe(s, tmp, &nn->table[i], node) {
			hlist_del_rcu(&s->node);
			call_rcu(&s->rcu, free_rcu);
			nn->count--;
		}
	}
	spin_unlock_bh(&nn->lock);
}

/* Caller holds rcu_read_lock() (or nn->lock). */
struct np_stream *np_stream_lookup(struct np_net *nn, const struct np_key *k)
{
	struct np_stream *s;

	hlist_for_each_entry_rcu(s, &nn->table[np_stream_hash(k)], node,
				 lockdep_is_held(&nn->lock))
		if (key_equal(&s->key, k))
			return s;
	return NULL;
}

int np_stream_add(struct np_net *nn, const struct np_stream *tmpl,
		  bool replace, struct netlink_ext_ack *extack)
{
	struct np_stream *s, *old;
	unsigned int i;
	int ret = 0;

	s = kmem_cache_zalloc(np_stream_cache, GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	atomic_inc(&np_streams_live);
	s->key = tmpl->key;
	s->mapping_id = tmpl->mapping_id;
	s->clock_rate = tmpl->clock_rate;
	s->flags = tmpl->flags;
	s->silent_ms = tmpl->silent_ms;
	s->payload_type = tmpl->payload_type;
	s->epoch_ns = ktime_get_ns();
	for (i = 0; i < NP_DIRS; i++)
		spin_lock_init(&s->dir[i].lock);

	spin_lock_bh(&nn->lock);
	old = np_stream_lookup(nn, &s->key);
	if (old && !replace) {
		NL_SET_ERR_MSG(extack, "stream already registered");
		ret = -EEXIST;
	} else if (old) {
		/* Settings only; the statistics and the arrival clock stay. */
		WRITE_ONCE(old->mapping_id, s->mapping_id);
		WRITE_ONCE(old->clock_rate, s->clock_rate);
		WRITE_ONCE(old->flags, s->flags);
		WRITE_ONCE(old->silent_ms, s->silent_ms);
		WRITE_ONCE(old->payload_type, s->payload_type);
		ret = 1;
	} else if (nn->dying) {
		ret = -ENODEV;
	} else if (nn->count >= np_max_streams) {
		NL_SET_ERR_MSG(extack, "too many streams in this namespace (module parameter max_streams)");
		ret = -ENOSPC;
	} else {
		hlist_add_head_rcu(&s->node,
				   &nn->table[np_stream_hash(&s->key)]);
		if (!nn->count++)
			mod_delayed_work(system_wq, &nn->work, WORK_PERIOD);
		s = NULL;
	}
	spin_unlock_bh(&nn->lock);
	if (s) {
		kmem_cache_free(np_stream_cache, s);
		atomic_dec(&np_streams_live);
	}
	return ret < 0 ? ret : 0;
}

int np_stream_del(struct np_net *nn, const struct np_key *k)
{
	struct np_stream *s;

	spin_lock_bh(&nn->lock);
	s = np_stream_lookup(nn, k);
	if (s) {
		hlist_del_rcu(&s->node);
		nn->count--;
	}
	spin_unlock_bh(&nn->lock);
	if (!s)
		return -ENOENT;
	call_rcu(&s->rcu, free_rcu);
	return 0;
}

/* RFC 3550 A.1 init_seq; the source's first packet counts as received. */
static void init_seq(struct np_dir *d, u16 seq)
{
	d->base_seq = seq;
	d->max_seq = seq;
	d->bad_seq = RTP_SEQ_MOD + 1;
	d->cycles = 0;
	d->received = 0;
	d->have_transit = false;
	d->jitter = 0;
}

/* RFC 3550 A.1 update_seq without probation. */
static void update_seq(struct np_dir *d, u16 seq)
{
	u16 udelta = seq - d->max_seq;

	if (udelta < MAX_DROPOUT) {
		if (seq < d->max_seq)
			d->cycles += RTP_SEQ_MOD;
		d->max_seq = seq;
	} else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
		/* A very large jump: believe it only if the next packet
		 * follows it (the sender restarted). */
		if (seq == d->bad_seq) {
			/* Fold the old run into the totals, restart. */
			d->expected_prior += (u64)d->cycles + d->max_seq -
					     d->base_seq + 1;
			d->lost_prior += (s64)((u64)d->cycles + d->max_seq -
					       d->base_seq + 1) -
					 d->received;
			init_seq(d, seq);
		} else {
			d->bad_seq = (seq + 1) & (RTP_SEQ_MOD - 1);
			return;
		}
	}
	/* else: duplicate or reordered packet */
	d->received++;
}

static void new_source(struct np_dir *d, u32 ssrc, u16 seq)
{
	if (d->have_ssrc) {
		d->expected_prior += (u64)d->cycles + d->max_seq -
				     d->base_seq + 1;
		d->lost_prior += (s64)((u64)d->cycles + d->max_seq -
				       d->base_seq + 1) -
				 d->received;
		d->ssrc_prev = d->ssrc;
		d->ssrc_changes++;
		d->ssrc_event = true;
	}
	d->have_ssrc = true;
	d->ssrc = ssrc;
	init_seq(d, seq);
}

/* RFC 3550 A.8. arrival is in timestamp units of the stream's clock. */
static void update_jitter(struct np_dir *d, u32 arrival, u32 rtp_ts)
{
	u32 transit = arrival - rtp_ts;
	s32 delta;

	if (d->have_transit) {
		delta = (s32)(transit - d->transit);
		if (delta < 0)
			delta = -delta;
		d->jitter += delta - ((d->jitter + 8) >> 4);
	}
	d->transit = transit;
	d->have_transit = true;
}

static bool is_rtcp(u8 b1)
{
	/* RFC 5761 section 4: second byte 192..223 on a muxed port is RTCP
	 * (PT 64..95 with marker); that covers SR..APP 200..204. */
	return b1 >= 192 && b1 <= 223;
}

bool np_stream_packet(struct np_stream *s, int dir, const u8 *p,
		      unsigned int len, unsigned int ip_len)
{
	struct np_dir *d = &s->dir[dir];
	u64 now = ktime_get_ns();
	bool strict = READ_ONCE(s->flags) & NATPORT_F_STRICT;
	bool pass = true;

	spin_lock_bh(&d->lock);
	d->packets++;
	d->bytes += ip_len;
	d->last_ns = now;
	if (!p || len < 8 || (p[0] >> 6) != 2) {
		d->not_rtp++;
		pass = !strict;
	} else if (is_rtcp(p[1])) {
		d->rtcp++;
	} else if (len < 12) {
		d->not_rtp++;
		pass = !strict;
	} else {
		u16 seq = get_unaligned_be16(p + 2);
		u32 ts = get_unaligned_be32(p + 4);
		u32 ssrc = get_unaligned_be32(p + 8);
		s16 pt = READ_ONCE(s->payload_type);
		u32 rate = READ_ONCE(s->clock_rate);

		d->rtp++;
		if (!d->have_ssrc || ssrc != d->ssrc) {
			new_source(d, ssrc, seq);
			d->received = 1;
		} else {
			update_seq(d, seq);
		}
		if (pt < 0 || (p[1] & 0x7f) == pt)
			update_jitter(d, (u32)mul_u64_u32_div(now - s->epoch_ns,
							      rate,
							      NSEC_PER_SEC),
				      ts);
	}
	if (!pass)
		d->dropped++;
	spin_unlock_bh(&d->lock);
	return pass;
}

static int put_dir(struct sk_buff *skb, int attr, struct np_dir *d)
{
	struct nlattr *nest;
	u64 packets, bytes, rtp, rtcp, not_rtp, dropped, last, expected;
	s64 lost;
	u32 ssrc, changes, ext_max, jitter;

	spin_lock_bh(&d->lock);
	packets = d->packets;
	bytes = d->bytes;
	rtp = d->rtp;
	rtcp = d->rtcp;
	not_rtp = d->not_rtp;
	dropped = d->dropped;
	last = d->last_ns;
	ssrc = d->ssrc;
	changes = d->ssrc_changes;
	ext_max = d->cycles + d->max_seq;
	expected = d->expected_prior;
	lost = d->lost_prior;
	if (d->have_ssrc) {
		u64 e = (u64)d->cycles + d->max_seq - d->base_seq + 1;

		expected += e;
		lost += (s64)e - d->received;
	}
	jitter = d->jitter >> 4;
	spin_unlock_bh(&d->lock);

	nest = nla_nest_start(skb, attr);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, NATPORT_S_PACKETS, packets, NATPORT_S_PAD) ||
	    nla_put_u64_64bit(skb, NATPORT_S_BYTES, bytes, NATPORT_S_PAD) ||
	    nla_put_u64_64bit(skb, NATPORT_S_RTP, rtp, NATPORT_S_PAD) ||
	    nla_put_u64_64bit(skb, NATPORT_S_RTCP, rtcp, NATPORT_S_PAD) ||
	    nla_put_u64_64bit(skb, NATPORT_S_NOT_RTP, not_rtp, NATPORT_S_PAD) ||
	    nla_put_u64_64bit(skb, NATPORT_S_DROPPED, dropped, NATPORT_S_PAD) ||
	    nla_put_u32(skb, NATPORT_S_SSRC, ssrc) ||
	    nla_put_u32(skb, NATPORT_S_SSRC_CHANGES, changes) ||
	    nla_put_u32(skb, NATPORT_S_EXT_MAX_SEQ, ext_max) ||
	    nla_put_u64_64bit(skb, NATPORT_S_EXPECTED, expected,
			      NATPORT_S_PAD) ||
	    nla_put_s64(skb, NATPORT_S_LOST, lost, NATPORT_S_PAD) ||
	    nla_put_u32(skb, NATPORT_S_JITTER, jitter) ||
	    nla_put_u64_64bit(skb, NATPORT_S_LAST_NS, last, NATPORT_S_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

int np_stream_fill_key(struct sk_buff *skb, const struct np_stream *s)
{
	const struct np_key *k = &s->key;

	if (nla_put_u8(skb, NATPORT_A_FAMILY, k->family) ||
	    nla_put_u16(skb, NATPORT_A_PORT, ntohs(k->port)) ||
	    nla_put_u32(skb, NATPORT_A_MAPPING_ID, READ_ONCE(s->mapping_id)))
		return -EMSGSIZE;
	if (k->family == AF_INET)
		return nla_put_in_addr(skb, NATPORT_A_ADDR4, k->addr.ip);
	return nla_put_in6_addr(skb, NATPORT_A_ADDR6, &k->addr.in6);
}

int np_stream_fill_stats(struct sk_buff *skb, struct np_stream *s)
{
	s16 pt = READ_ONCE(s->payload_type);

	if (np_stream_fill_key(skb, s) ||
	    nla_put_u32(skb, NATPORT_A_CLOCK_RATE, READ_ONCE(s->clock_rate)) ||
	    nla_put_u32(skb, NATPORT_A_FLAGS, READ_ONCE(s->flags)) ||
	    nla_put_u32(skb, NATPORT_A_SILENT_MS, READ_ONCE(s->silent_ms)) ||
	    (pt >= 0 && nla_put_u8(skb, NATPORT_A_PAYLOAD_TYPE, pt)))
		return -EMSGSIZE;
	if (put_dir(skb, NATPORT_A_DIR_IN, &s->dir[NATPORT_RTP_DIR_IN]) ||
	    put_dir(skb, NATPORT_A_DIR_OUT, &s->dir[NATPORT_RTP_DIR_OUT]))
		return -EMSGSIZE;
	return 0;
}

/* The event worker: SSRC changes flagged by the hook, and silence. Runs
 * every WORK_PERIOD while the namespace has streams. Sending from here,
 * never from the hook, bounds the event rate whatever the traffic does. */
void np_stream_worker(struct work_struct *work)
{
	struct np_net *nn = container_of(to_delayed_work(work), struct np_net,
					 work);
	u64 now = ktime_get_ns();
	struct np_stream *s;
	unsigned int i;
	int dir;

	rcu_read_lock();
	for (i = 0; i < ARRAY_SIZE(nn->table); i++) {
		hlist_for_each_entry_rcu(s, &nn->table[i], node) {
			u64 silent_ns = (u64)READ_ONCE(s->silent_ms) *
					NSEC_PER_MSEC;

			for (dir = 0; dir < NP_DIRS; dir++) {
				struct np_dir *d = &s->dir[dir];
				u32 old = 0, new = 0;
				u8 ev_ssrc = 0, ev_silence = 0;

				spin_lock_bh(&d->lock);
				if (d->ssrc_event) {
					d->ssrc_event = false;
					ev_ssrc = NATPORT_EV_SSRC;
					old = d->ssrc_prev;
					new = d->ssrc;
				}
				if (d->last_ns && silent_ns) {
					bool quiet = now - d->last_ns >=
						     silent_ns;

					if (quiet != d->silent) {
						d->silent = quiet;
						ev_silence = quiet ?
							NATPORT_EV_SILENT :
							NATPORT_EV_RESUMED;
					}
				}
				spin_unlock_bh(&d->lock);
				if (ev_ssrc)
					np_netlink_event(nn, s, dir, ev_ssrc,
							 old, new);
				if (ev_silence)
					np_netlink_event(nn, s, dir,
							 ev_silence, 0, 0);
			}
		}
	}
	rcu_read_unlock();

	spin_lock_bh(&nn->lock);
	if (nn->count && !nn->dying)
		queue_delayed_work(system_wq, &nn->work, WORK_PERIOD);
	spin_unlock_bh(&nn->lock);
}
