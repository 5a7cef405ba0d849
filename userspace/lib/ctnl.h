/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ctnl.h - conntrack backend: natport's entries through ctnetlink.
 *
 * Only ctnl.c includes netlink headers. Requests are built with
 * libnetfilter_conntrack (nfct_nlmsg_build) and sent with libmnl, several
 * per sendmsg, each acknowledged, so one round trip carries "delete the
 * clashing entries, delete the old entry, create the new one" and the
 * kernel's extended-ack text reaches the caller.
 *
 * Functions return 0 or -errno; the kernel's message for the last failure,
 * if it sent one, is in natport_ctnl_errmsg().
 */
#ifndef NATPORT_CTNL_H
#define NATPORT_CTNL_H

#include <stdint.h>

#include <natport/natport.h>

struct natport_ctnl;

/* One natport entry: orig remote -> external, DNAT to internal. */
/* remote -> external, DNAT to internal; with snat set (a hairpin: the
 * remote is another LAN client, internal and remote both behind this
 * router) the source is also rewritten to snat, so the client sees the
 * router's address its SDP named, not the other client's LAN address. */
struct natport_ct_entry {
	struct natport_endpoint remote, external, internal;
	struct natport_endpoint snat; /* AF_UNSPEC (zero): no SNAT */
	uint32_t mark;
	uint32_t timeout_s;
};

struct natport_ctnl *natport_ctnl_open(uint32_t mark_tag, char *err,
				       size_t errlen);
/* A handle with the request socket only (no events, no scan): for
 * requests sent from another thread (refresher.c), which only the
 * natport_ctnl_refresh/create/delete calls may use. */
struct natport_ctnl *natport_ctnl_open_requests(uint32_t mark_tag, char *err,
						size_t errlen);
void natport_ctnl_close(struct natport_ctnl *ct);
const char *natport_ctnl_errmsg(const struct natport_ctnl *ct);

/* Create @e in one round trip after deleting, if present, @old's entry and
 * the entries that would clash with @e: internal -> remote (the client's
 * early packets, tracked and masqueraded) and remote -> external (packets
 * that reached the held socket). *clashes counts foreign entries deleted.
 * An existing identical entry of ours is success. */
int natport_ctnl_install(struct natport_ctnl *ct,
			 const struct natport_ct_entry *e,
			 const struct natport_ct_entry *old,
			 unsigned int *clashes);

/* Create n entries (n <= NATPORT_CTNL_MANY) in one round trip, without
 * clash handling: res[i] gets 0 or -errno; the caller takes an -EEXIST
 * through natport_ctnl_install(). */
#define NATPORT_CTNL_MANY 64
int natport_ctnl_create_many(struct natport_ctnl *ct,
			     const struct natport_ct_entry *e, unsigned int n,
			     int *res);

/* Delete @e's entry (by its original tuple). ENOENT is success. */
int natport_ctnl_delete(struct natport_ctnl *ct,
			const struct natport_ct_entry *e);

/* Set each entry's timeout to its timeout_s, batched. res[i] gets 0 or
 * -errno (-ENOENT: the entry is gone). Returns 0 or -errno for the batch. */
int natport_ctnl_refresh(struct natport_ctnl *ct,
			 const struct natport_ct_entry *e, unsigned int n,
			 int *res);

int natport_ctnl_counters(struct natport_ctnl *ct,
			  const struct natport_ct_entry *e,
			  struct natport_counters *c);

/* The same without waiting for the answer (release path): one sendmsg;
 * the kernel has acted when it returns. */
int natport_ctnl_delete_nowait(struct natport_ctnl *ct,
			       const struct natport_ct_entry *e);

/* Delete n entries (n <= NATPORT_CTNL_MANY) in one sendmsg, unacknowledged,
 * like delete_nowait. */
int natport_ctnl_delete_many_nowait(struct natport_ctnl *ct,
				    const struct natport_ct_entry *e,
				    unsigned int n);

/* Walk the entries whose mark is natport's for the tag (natport_ct_mark_id),
 * in one go: for open, close and tools, not for the event loop. */
typedef int (*natport_ctnl_dump_fn)(const struct natport_ct_entry *e,
				    const struct natport_counters *c,
				    void *arg);
int natport_ctnl_dump(struct natport_ctnl *ct, natport_ctnl_dump_fn fn,
		      void *arg);

/* A paced walk of the same entries for the event loop: scan_start() sends
 * the dump request on a socket of its own (scan_fd(), readable while the
 * dump has more); scan_step() reads until max entries were handed to fn or
 * nothing is pending and returns 1 while the dump goes on, 0 once it is
 * done, or -errno (the scan is then over). Starting again abandons a scan
 * under way. The table may change during a scan: an entry may be missed
 * or seen twice, as with any conntrack dump. */
int natport_ctnl_scan_fd(const struct natport_ctnl *ct);
int natport_ctnl_scan_start(struct natport_ctnl *ct);
/* scan_start() in halves, for a request sent from another thread
 * (refresher.h): prepare() builds the dump request into buf (at least
 * NATPORT_CTNL_SCAN_REQ bytes), marks the scan under way and returns the
 * request's length (or -errno); it must then go out with send() on
 * scan_fd(), and scan_abort() ends the scan if it could not. */
#define NATPORT_CTNL_SCAN_REQ 256
int natport_ctnl_scan_prepare(struct natport_ctnl *ct, void *buf, size_t len);
void natport_ctnl_scan_abort(struct natport_ctnl *ct);
int natport_ctnl_scan_step(struct natport_ctnl *ct, unsigned int max,
			   natport_ctnl_dump_fn fn, void *arg);
int natport_ctnl_scanning(const struct natport_ctnl *ct);

/* Delete every entry with our mark tag; returns how many or -errno. */
int natport_ctnl_flush(struct natport_ctnl *ct);

/* DESTROY events of entries carrying our tag (filtered in the kernel by a
 * socket filter). events_read() calls fn for each, at most max (0: the
 * default, 1024; the socket stays readable for the rest), and returns the
 * number read, or -ENOBUFS if the socket overflowed and events were lost
 * (the caller must then resynchronise), or another -errno. */
int natport_ctnl_events_fd(const struct natport_ctnl *ct);
typedef void (*natport_ctnl_event_fn)(const struct natport_ct_entry *e,
				      void *arg);
int natport_ctnl_events_read(struct natport_ctnl *ct, unsigned int max,
			     natport_ctnl_event_fn fn, void *arg);

#endif /* NATPORT_CTNL_H */
