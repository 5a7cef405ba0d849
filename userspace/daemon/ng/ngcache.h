/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ngcache.h - the ng reply cache: a retransmitted request (same cookie
 * from the same peer) gets the identical reply bytes, without running
 * the command again (an offer must not allocate a second set of ports).
 *
 * The modules resend a request after rtpengine_tout_ms (1 s by default)
 * up to rtpengine_retr times (5), each time with the same cookie, and
 * cookies are unique per module process ("<pid>_<counter>"), so a few
 * seconds of replies are enough. Bounded three ways: entries, total
 * reply bytes, and age; the oldest entry goes first.
 *
 * The key is the peer (opaque bytes, e.g. its sockaddr; may be empty)
 * and the cookie: two Kamailio hosts may well use the same pid.
 *
 * Memory: the cache owns a copy of each reply (one allocation per entry).
 * Single-threaded: the event loop owns it. Times are monotonic
 * milliseconds supplied by the caller.
 */
#ifndef NATPORT_NG_NGCACHE_H
#define NATPORT_NG_NGCACHE_H

#include <stddef.h>
#include <stdint.h>

#define NATPORT_NGCACHE_KEY_MAX 160 /* peer + cookie bytes */

struct natport_ngcache_entry;

struct natport_ngcache {
	struct natport_ngcache_entry *slots; /* ring, oldest at head */
	uint32_t *buckets;		     /* hash -> slot chain */
	uint32_t nslots, nbuckets;
	uint32_t head, count;
	size_t bytes, max_bytes;
	uint64_t max_age_ms;
	uint64_t hits, misses, evictions; /* for counters */
};

/*
 * natport_ngcache_init - room for max_entries replies of at most
 * max_bytes in total, each kept max_age_ms. Returns 0 or -ENOMEM/-EINVAL.
 */
int natport_ngcache_init(struct natport_ngcache *c, uint32_t max_entries,
			 size_t max_bytes, uint64_t max_age_ms);
void natport_ngcache_uninit(struct natport_ngcache *c);

/*
 * natport_ngcache_lookup - the cached reply for (peer, cookie) not older
 * than max_age_ms at now, or NULL. The pointer stays valid until the
 * next natport_ngcache_put() or natport_ngcache_expire().
 */
const char *natport_ngcache_lookup(struct natport_ngcache *c, const void *peer,
				   size_t peerlen, const char *cookie,
				   size_t cookielen, uint64_t now,
				   size_t *replylen);

/*
 * natport_ngcache_put - remember reply for (peer, cookie), evicting the
 * oldest entries as needed. Replaces an entry with the same key. Returns
 * 0, -E2BIG (key or reply larger than the cache allows: not cached) or
 * -ENOMEM.
 */
int natport_ngcache_put(struct natport_ngcache *c, const void *peer,
			size_t peerlen, const char *cookie, size_t cookielen,
			const char *reply, size_t replylen, uint64_t now);

/* Drop entries older than max_age_ms at now (a timer calls this). */
void natport_ngcache_expire(struct natport_ngcache *c, uint64_t now);

#endif
