/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * natport.h - libnatport, the port manager: external media ports on a Linux
 * NAT router whose traffic the kernel forwards through conntrack/NAT.
 *
 * The model is the RTC Client API's IRTCPortManager:
 *
 *   GetMapping(remote, type)            natport_pm_get_mapping()
 *   UpdateRemoteAddress(remote, i, e)   natport_pm_update_remote()
 *   ReleaseMapping(internal, external)  natport_pm_release()
 *
 * A mapping ties an internal endpoint (a LAN client's address and UDP port)
 * to an external endpoint (the router's WAN address and a port from the
 * configured range). Once the remote endpoint is known, the library
 * installs one conntrack entry through ctnetlink:
 *
 *   original  remote:rport   -> external:eport   DNAT to internal:iport
 *   reply     internal:iport -> remote:rport     (source becomes external)
 *
 * with status SEEN_REPLY|ASSURED, so `ct state established` passes it both
 * ways, and with ct mark (tag + mapping id), so natport's entries can always
 * be told from everything else and found again. From then on the kernel
 * forwards the stream; no packet reaches userspace.
 *
 * The mark: mark = tag + id, where the tag (NATPORT_CT_MARK_TAG, 0x4e500000,
 * or ct_mark_tag) has its low 16 bits zero, and an entry is natport's when
 * its top byte equals the tag's and mark > tag (NATPORT_CT_MARK_BLOCK). With
 * the default tag ids run from 1 to 11,534,335 (0x4e500001..0x4effffff).
 * Ids below 65536 give exactly the marks of natport 0.1 (tag | 16-bit id),
 * so entries left by an older version are recognised and removed, and
 * `conntrack -L -m 0x4e500000/0xffff0000` still lists the first 65535; list
 * them all with -m 0x4e000000/0xff000000 (which also shows foreign marks
 * 0x4e000000..0x4e4fffff, if any: natport ignores those). ct labels are left
 * alone: conntrackd replicates them like the mark, and they are kept for
 * per-session identifiers (issue 14), 128 bits each, never for the id.
 * (Labels given at create are kept only while some nft rule in the
 * namespace uses `ct label`; otherwise the kernel drops them silently.)
 *
 * Rules of the contract:
 *
 *  - Ports: an RTP type gets an even external port and the RTCP type of the
 *    same stream gets RTP+1 (RFC 3550 section 11, RFC 4787 REQ-4). Ports
 *    are allocated in even/odd pairs from the range on every external
 *    address; after release a pair is quarantined for quarantine_ms before
 *    reuse, so late packets of an old call never reach a new one. Any free
 *    pair on any address serves: get_mapping fails with NOPORT only when
 *    none is left.
 *  - Reservation without a socket per port (O(1) descriptors per handle):
 *    the range is added to the namespace's net.ipv4.ip_local_reserved_ports
 *    for the handle's life (removed again at close, other bits kept), so
 *    the kernel never picks one of its ports for an ephemeral bind or
 *    connect; and natport's nft table drops, and counts in stray_packets,
 *    every packet that opens a new connection to an external address and a
 *    port of the range (ct state new: no mapping's entry matched it), so no
 *    unmapped port answers with ICMP and no stray flow is tracked. Limits:
 *    an explicit bind() to a port of the range by another program on the
 *    router still succeeds (the sysctl only steers the kernel's own choice)
 *    and nothing tells natport; such a program then receives no new flow
 *    on the external addresses, and natport may map the same port over it.
 *    Keep other services out of the range. Masquerading does not read the
 *    sysctl either: give it a port range outside ours (README).
 *    Memory grows with the live mappings (a few hundred bytes each, plus
 *    one conntrack entry in the kernel), not with the range.
 *  - Idempotence: asking again for the same internal endpoint and type
 *    returns the same mapping (a retransmitted INVITE yields identical SDP).
 *    Releasing twice gives -NATPORT_E_NOENT the second time and changes
 *    nothing.
 *  - Lifetime: a mapping lives until released or the handle is closed,
 *    however long its media is silent. The kernel cuts the timeout of an
 *    entry back to its UDP timeouts as soon as packets pass, and pushes it
 *    up again with every packet, so entries that carry media keep
 *    themselves alive. The library scans its entries once per refresh
 *    period (one mark-filtered dump, read a slice at a time from dispatch,
 *    so no call stalls the event loop for more than a few ms) and refreshes,
 *    in batches, only those whose packet counters did not move since the
 *    last scan and whose timeout runs low: the cost follows the silent
 *    calls. The refresh batches are sent from a thread of the handle's own
 *    (its netlink socket and an eventfd in the handle's epoll set come
 *    with the handle, the thread starts at the first scan): ctnetlink serves every request
 *    under one mutex that all processes and namespaces share, and a
 *    neighbour holding it must not stall the owner's event loop. The same scan removes natport entries that belong to no live
 *    mapping. An entry the kernel destroyed anyway (conntrack -F, an
 *    overflowing table) is re-created at once from its DESTROY event,
 *    counted as kernel_restored.
 *  - Hold: an unspecified remote (0.0.0.0 or ::, c=0.0.0.0 in SDP) is
 *    hold, not a remote. Do not call update_remote for it: keep the
 *    mapping as it is.
 *  - Addresses are family-neutral, and IPv6 has the kernel path too, in
 *    one of two shapes chosen per handle (cfg.nat66):
 *      pinhole (the default; LAN hosts with global addresses): no
 *        translation. The external endpoint is the internal one, the
 *        phone's own address and port: nothing is allocated from the range
 *        and nothing is reserved or guarded for it. The entry is
 *          original  remote:rport   -> internal:iport   (no NAT)
 *          reply     internal:iport -> remote:rport
 *        with SEEN_REPLY|ASSURED and the mark, so a default-drop IPv6
 *        forward policy with `ct state established` passes exactly that
 *        remote and that port of the phone, both ways, and nothing else.
 *        update_remote and release name the mapping by that external
 *        (= internal) endpoint. A pinhole counts against the capacity
 *        like any mapping.
 *      NAT66 (LANs with ULA addresses behind one global address,
 *        cfg.external6): DNAT/SNAT exactly as for IPv4, ports taken in
 *        pairs from the same range on external6, quarantined alike, and
 *        guarded by natport's table (`ip6 daddr`).
 *    Both shapes have the same marks, refresh scan, re-creation after
 *    DESTROY and sweep as IPv4 (the inet table's hooks serve both
 *    families). Families never mix: an IPv6 remote for an IPv4 mapping (or
 *    the reverse) is -NATPORT_E_NOTSUP, as conntrack cannot forward between
 *    families; so is an IPv6 internal endpoint on a handle with no IPv6
 *    LAN prefix. Not for IPv6 yet: PCP inbound mappings and the
 *    ports_* figures of the stats (the IPv4 range's).
 *    Hold is :: as well as 0.0.0.0.
 *  - Conntrack is made active in the namespace by an nft table the library
 *    owns (NATPORT_NFT_TABLE, family inet): a counter rule using ct state
 *    and empty nat chains, so conntrack and NAT hooks are registered
 *    whatever the rest of the firewall is. The table is re-created if a
 *    firewall reload removes it.
 *  - Errors, one convention for the whole library (port manager, address
 *    policy, RTP-stats client, control codec): a call returns 0 (or a
 *    count) on success and a negative code on failure, either -errno or
 *    -NATPORT_E_*. The NATPORT_E_* values start above NATPORT_E_BASE
 *    (4096), past every errno, so the two never collide, and
 *    natport_strerror() gives the right text for either (strerror's for
 *    errno values). The port manager returns only -NATPORT_E_*; the
 *    RTP-stats client and the control codec return -errno, as the netlink
 *    and socket calls under them do. Calls returning a pointer give NULL
 *    and the reason in a caller's buffer. natport_pm_last_error() gives
 *    the detail of the last failure on a handle (the kernel's
 *    extended-ack text where it sent one, errno text). A failed call
 *    changes nothing.
 *  - Threads: a handle is not thread-safe. Use it from one thread (the
 *    owner's event loop). Event callbacks run on that thread, from inside
 *    natport_pm_* calls; they must not call back into the handle. The
 *    handle's own refresher thread (above) touches nothing of it but its
 *    batch. fork() after the first scan leaves the child's copy of the
 *    handle without that thread: fork (daemon()) before dispatching.
 *  - Ownership: the library owns every kernel entry, socket and port it
 *    creates; natport_pm_close() deletes them all; natport_pm_detach()
 *    leaves them to the next instance, which adopts them (adopt = 1). Results are copied into
 *    caller storage; no pointer into the library outlives the call.
 *  - Events: natport_pm_fd() is one file descriptor (an epoll fd) to poll
 *    for reading; call natport_pm_dispatch() when it is readable. It wakes
 *    for conntrack DESTROY events of natport entries, for changes of the
 *    nft ruleset (NATPORT_EV_RULESET, where the kernel lets us subscribe;
 *    otherwise a restored table is found by the refresh tick) and for the
 *    refresh and quarantine timers, never per media packet.
 *  - Privilege: opening a handle needs CAP_NET_ADMIN (ctnetlink, nft, the
 *    namespace's sysctls). No port is bound, so a range below 1024 needs
 *    nothing more.
 */
#ifndef NATPORT_NATPORT_H
#define NATPORT_NATPORT_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ct mark of natport's entries is tag + mapping id (see the top). The
 * tag's low 16 bits are zero (NATPORT_CT_MARK_MASK covers the tag as
 * natport 0.1 wrote it, with 16-bit ids; the kernel module's default);
 * NATPORT_CT_MARK_BLOCK is the part that tells natport's marks from
 * others'. */
#define NATPORT_CT_MARK_TAG 0x4e500000u /* "NP" */
#define NATPORT_CT_MARK_MASK 0xffff0000u
#define NATPORT_CT_MARK_BLOCK 0xff000000u
#define NATPORT_NFT_TABLE "natport"
/* At most this many external addresses per handle. */
#define NATPORT_MAX_EXTERNAL 16

/* natport_ct_mark_id - the mapping id a mark carries for tag, or 0 when the
 * mark is not natport's. */
static inline uint32_t natport_ct_mark_id(uint32_t tag, uint32_t mark)
{
	if ((mark & NATPORT_CT_MARK_BLOCK) != (tag & NATPORT_CT_MARK_BLOCK) ||
	    mark <= tag)
		return 0;
	return mark - tag;
}

/* natport_ct_mark_max_id - the largest id tag can carry. */
static inline uint32_t natport_ct_mark_max_id(uint32_t tag)
{
	return (tag | ~NATPORT_CT_MARK_BLOCK) - tag;
}

/* An address and UDP port. family is AF_INET, AF_INET6 or AF_UNSPEC (not
 * known yet); port is in host byte order. */
struct natport_endpoint {
	sa_family_t family;
	uint16_t port;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
};

/* An address prefix, such as the LAN 192.0.2.0/24. */
struct natport_prefix {
	struct natport_endpoint base; /* port ignored */
	uint8_t len;
};

enum natport_port_type {
	NATPORT_PORT_AUDIO_RTP,
	NATPORT_PORT_AUDIO_RTCP,
	NATPORT_PORT_VIDEO_RTP,
	NATPORT_PORT_VIDEO_RTCP,
	NATPORT_PORT_SIP,
	NATPORT_PORT_DATA, /* any other UDP stream (T.38 UDPTL, m=text...) */
	__NATPORT_PORT_MAX
};

/* Error codes. They start above NATPORT_E_BASE so that a negative return
 * value is either -errno (always below 4096 on Linux) or -NATPORT_E_*,
 * never both; natport_strerror() tells them apart. The counters of
 * natport_pm_stats.errors[] are indexed by NATPORT_E_INDEX(code), 1 to
 * __NATPORT_E_MAX - 1. */
#define NATPORT_E_BASE 4096
enum natport_error {
	NATPORT_OK = 0,
	NATPORT_E_INVAL = NATPORT_E_BASE + 1, /* malformed request: zero port,
					       * odd RTP port, bad type */
	NATPORT_E_BADADDR, /* address not allowed: internal outside the LAN
			    * prefixes or the router's own; remote inside the
			    * LAN, local, loopback, multicast or unspecified
			    * (see natport/policy.h) */
	NATPORT_E_NOTSUP,  /* not supported (mixed families, an IPv6 PCP
			    * inbound mapping) */
	NATPORT_E_NOPORT,  /* no free external port pair */
	NATPORT_E_NOENT,   /* unknown mapping */
	NATPORT_E_EXIST,   /* internal endpoint already mapped as another type */
	NATPORT_E_KERNEL,  /* the kernel refused (detail: last_error) */
	NATPORT_E_NOMEM,
	NATPORT_E_SYS,     /* other system error (detail: last_error) */
	__NATPORT_E_END
};
/* Number of error counters (index 0 is NATPORT_OK and stays 0). */
#define __NATPORT_E_MAX (__NATPORT_E_END - NATPORT_E_BASE)
/* NATPORT_E_INDEX - counter index of a NATPORT_E_* code, given as err or
 * -err; only meaningful for those codes (natport_is_error() says). */
#define NATPORT_E_INDEX(err) (((err) < 0 ? -(err) : (err)) - NATPORT_E_BASE)

enum natport_mapping_state {
	NATPORT_MAP_HELD,   /* port held, no remote yet: nothing in the kernel */
	NATPORT_MAP_ACTIVE, /* kernel entry installed for the remote */
	NATPORT_MAP_QUARANTINED, /* released; port not yet reusable (listing only) */
};

struct natport_pm_config {
	struct natport_endpoint external; /* WAN address; port ignored */
	/* More external addresses: when n_external_more > 0 the range is
	 * used on external and on each of these (IPv4, distinct), so a handle
	 * holds (1 + n_external_more) * range mappings. Fresh pairs are
	 * spread over the addresses in turn. */
	struct natport_endpoint external_more[NATPORT_MAX_EXTERNAL - 1];
	unsigned int n_external_more;
	struct natport_prefix internal[8]; /* LAN prefixes clients live in */
	unsigned int n_internal;
	uint16_t port_min, port_max; /* external range, inclusive; rounded
				      * inward to whole even/odd pairs */
	uint32_t quarantine_ms;      /* 0 = reuse at once */
	uint32_t ct_mark_tag;        /* 0 = NATPORT_CT_MARK_TAG */
	const char *nft_table;       /* NULL = NATPORT_NFT_TABLE; "" = none */
	uint32_t refresh_ms;         /* 0 = derived from the kernel's UDP
				      * timeouts in this namespace */
	/* The caller's own signaling ports on the external address (UDP and
	 * TCP; a 0 ends the list). The nft table pins them with an explicit
	 * snat to the same address:port that runs before the operator's
	 * srcnat chains, so a `masquerade to :30000-65535` never rewrites
	 * them: a registrar that saw another port would store it and send
	 * incoming calls there once the router's entry expires. */
	uint16_t own_ports[4];
	/* 0 = the capacity is what range, addresses, mark and the kernel's
	 * conntrack table allow (refused at open if a limit cannot be met,
	 * clamped and told in natport_pm_limits() otherwise); else at most
	 * this many concurrent mappings. */
	uint32_t max_mappings;
	/* IPv6 (see "IPv6" at the top). IPv6 prefixes in internal[] are the
	 * LANs whose hosts get IPv6 mappings. nat66 = 0: every IPv6 mapping
	 * is a pinhole (no translation, external == internal). nat66 = 1:
	 * IPv6 mappings are NAT66, with ports of the same range on
	 * external6, the router's one global address (required then). */
	struct natport_endpoint external6;
	uint8_t nat66;
	/* Restart without a media gap (natport_pm_adopt): 1 = at open, take
	 * the natport entries a previous instance left in as mappings
	 * instead of deleting them; 0 = delete them (the default). */
	uint8_t adopt;
	/* With adopt: an adopted mapping nobody claims (natport_pm_adopt)
	 * this long after open is released, its entry deleted. 0 = 30 s. */
	uint32_t adopt_grace_ms;
};

struct natport_mapping_req {
	enum natport_port_type type;
	struct natport_endpoint internal; /* the LAN client's address:port */
	struct natport_endpoint remote;   /* AF_UNSPEC if not known yet */
	/* RTCP types only: internal port of the same stream's RTP mapping,
	 * whose pair this mapping takes (RTP+1). 0 = internal.port - 1. */
	uint16_t rtp_internal_port;
	uint64_t owner; /* caller's tag (a call), shown in listings */
	/* A wish for the external endpoint (a PCP MAP's suggestion): taken
	 * when its pair is free, on an address of the range (unspecified:
	 * the first), with the even port for RTP and single mappings; port
	 * 0 or anything else: the usual allocation. */
	struct natport_endpoint suggested;
};

struct natport_mapping {
	uint32_t id; /* small, unique while the mapping lives */
	enum natport_port_type type;
	enum natport_mapping_state state;
	struct natport_endpoint internal, external, remote;
	uint64_t owner;
	uint64_t created_ms, updated_ms; /* CLOCK_MONOTONIC */
};

/* Kernel counters of a mapping's entry (need net.netfilter.nf_conntrack_acct,
 * which natport_pm_open() turns on). "in" is remote -> client. */
struct natport_counters {
	uint64_t pkts_in, bytes_in, pkts_out, bytes_out;
};

/* Every figure is kept as mappings change: get_stats costs O(1) (one nft
 * counter read for stray_packets). */
struct natport_pm_stats {
	uint32_t ports_total, ports_free, ports_held, ports_quarantined;
	uint32_t mappings, mappings_active;
	/* capacity: concurrent mappings this handle can hold, the smallest of
	 * the limits natport_pm_limits() names; headroom: how many more can be
	 * created now (capacity - mappings, or fewer when free ports are
	 * short, quarantine included). */
	uint32_t capacity, headroom;
	uint32_t external_addrs;   /* addresses the range is used on */
	uint32_t fds;              /* descriptors the handle holds (constant) */
	uint64_t created, released;
	uint64_t errors[__NATPORT_E_MAX];
	uint64_t kernel_destroyed; /* DESTROY events for live mappings */
	uint64_t kernel_restored;  /* entries re-created after those */
	uint64_t refreshes;        /* entry timeouts refreshed */
	uint64_t clashes_removed;  /* foreign entries deleted before ours */
	uint64_t stale_removed;    /* natport entries found at open and
				    * removed (at once, or unclaimed after
				    * the adopt grace) */
	uint64_t stray_packets;    /* packets to an unmapped port of the
				    * range, dropped by natport's nft table */
	uint64_t scans;            /* refresh scans completed */
	uint64_t refresh_skipped;  /* entries a scan found moving: no refresh */
	/* the counters of the live entries summed, each as its last scan
	 * (or restore) read it: up to one refresh period behind, no dump */
	struct natport_counters kernel;
	uint64_t event_overruns;   /* event socket overflowed: resynced */
	uint64_t nft_restored;     /* nft table re-created after removal */
	uint64_t adopted;          /* entries taken in at open (adopt) */
	uint64_t adopt_claimed;    /* ...claimed by the caller since */
	uint64_t adopt_expired;    /* ...released unclaimed after the grace */
	uint64_t adopt_rejected;   /* entries found at open that no mapping
				    * can take (range, id, duplicate): gone */
};

enum natport_event_type {
	NATPORT_EV_CREATED,   /* get_mapping made a new mapping */
	NATPORT_EV_REMOTE,    /* update_remote installed or replaced an entry */
	NATPORT_EV_RELEASED,  /* release: entry gone, port quarantined */
	NATPORT_EV_DESTROYED, /* the kernel dropped a live mapping's entry */
	NATPORT_EV_RESTORED,  /* ...and the library re-created it */
	NATPORT_EV_RULESET,   /* the nft ruleset changed (a firewall reload;
			       * our table re-created if it was removed):
			       * mapping is all zero. Time to call
			       * natport_pm_sip_alg() again, after dispatch
			       * returns. */
};

struct natport_event {
	enum natport_event_type type;
	struct natport_mapping mapping;
};

typedef void (*natport_event_fn)(const struct natport_event *ev, void *arg);
typedef int (*natport_mapping_fn)(const struct natport_mapping *m, void *arg);

struct natport_pm;

/* natport_pm_open - create a port manager in the current network namespace.
 * Validates cfg, turns on conntrack accounting, installs the nft table,
 * reserves the range, deletes natport entries left by a previous instance
 * with the same tag (old 16-bit-id marks included), or with cfg->adopt
 * takes them in (natport_pm_adopt). Works out the capacity
 * first: refuses a range the mark's ids cannot number, or too few free
 * descriptors under RLIMIT_NOFILE for the handle's fixed few, and clamps to
 * nf_conntrack_max (see natport_pm_limits). Returns NULL on failure with the
 * reason in err. */
struct natport_pm *natport_pm_open(const struct natport_pm_config *cfg,
				   char *err, size_t errlen);

/* natport_pm_close - release every mapping, delete every entry, close every
 * socket and remove the nft table. NULL is allowed. */
void natport_pm_close(struct natport_pm *pm);

/*
 * Restarts (adopt = 1 in the config). The kernel is the state: an entry
 * keeps forwarding while no port manager runs, and its mark carries the
 * mapping id. At open every natport entry whose id the handle can number,
 * whose external endpoint is in the range and whose internal endpoint is
 * allowed becomes a mapping again: same id, internal, external and remote,
 * state ACTIVE, its port pair held (and in ip_local_reserved_ports), its
 * entry refreshed by the scan as any other; type DATA (NATPORT_PORT_DATA,
 * the kernel does not know it) and owner 0, "unclaimed". Entries that
 * cannot be taken in (out of range, a second entry for one id or port)
 * are deleted (adopt_rejected).
 *
 * natport_pm_foreach_unclaimed - the adopted mappings not claimed yet.
 * natport_pm_adopt - claim or re-create the mapping m describes (from the
 * caller's own record of it: id, type, internal, external, remote, owner):
 *  - an unclaimed mapping with m->id and m->external: it takes m's type
 *    and owner and is kept (its remote from the kernel wins);
 *  - no mapping with that id, and m->external's port free: the mapping is
 *    made again with that id and port, HELD, or ACTIVE with a new entry
 *    when m->remote is a full endpoint (the entry was lost meanwhile, or
 *    the mapping never had one: a call in setup);
 *  - else -NATPORT_E_EXIST (the id or the port is taken by another).
 * After adopt_grace_ms the mappings still unclaimed are released
 * (adopt_expired). No event is reported for any of these.
 *
 * natport_pm_detach - free the handle but leave its kernel state for the
 * next instance: the entries (forwarding on), the nft table (the conntrack
 * and NAT hooks stay registered, strays stay dropped) and the range in
 * ip_local_reserved_ports. Use natport_pm_close() to release everything.
 */
int natport_pm_foreach_unclaimed(struct natport_pm *pm, natport_mapping_fn fn,
				 void *arg);
int natport_pm_adopt(struct natport_pm *pm, const struct natport_mapping *m,
		     struct natport_mapping *out);
void natport_pm_detach(struct natport_pm *pm);

/* natport_pm_get_mapping - GetMapping: allocate (or find again) the
 * external endpoint for req->internal. Nothing enters the kernel until the
 * remote is known; if req->remote is a full endpoint (address and port) the
 * entry is installed at once, as update_remote would. */
int natport_pm_get_mapping(struct natport_pm *pm,
			   const struct natport_mapping_req *req,
			   struct natport_mapping *out);

/* natport_pm_get_mapping_many - get_mapping for n requests (a call's RTP
 * and RTCP, the streams of an SDP, a burst of calls): the new mappings
 * whose remote is known have their entries created 64 to a netlink round
 * trip instead of one each. A mapping found again, a hairpin or a clash
 * with an earlier entry takes get_mapping's own path, in order. Each
 * request has its own outcome: out[i] is the mapping (zeroed on failure),
 * res[i] (res may be NULL) 0 or a negative NATPORT_E_*; a failed one is
 * undone alone (its port and id go back; an RTCP request that shares the
 * pair of a failed RTP one keeps its port). Returns 0 if all succeeded,
 * else the first error, which last_error tells of. Events as get_mapping
 * reports them; a queued mapping's once its round trip is done. */
int natport_pm_get_mapping_many(struct natport_pm *pm,
				const struct natport_mapping_req *req,
				unsigned int n, struct natport_mapping *out,
				int *res);

/* natport_pm_is_mapping - 1 if ep is the external endpoint (the router's
 * WAN address and a port) of one of pm's live mappings, else 0. */
int natport_pm_is_mapping(struct natport_pm *pm,
			  const struct natport_endpoint *ep);
/* natport_pm_hairpin_hook - natport_pm_is_mapping in the shape of
 * natport_policy_hairpin_fn (policy.h), arg the pm: a policy with it
 * accepts another live mapping of pm as a remote. The port manager's
 * own checks use it. */
int natport_pm_hairpin_hook(const struct natport_endpoint *ep, void *pm);

/* natport_pm_update_remote - UpdateRemoteAddress: install the kernel entry
 * for the mapping at @external so media flows between @remote and the
 * client both ways, replacing the previous entry if the remote changed.
 * A hairpin (@remote is another live mapping's external endpoint: two LAN
 * clients calling each other through the router's WAN address) gets one
 * entry for both mappings, original other.internal -> external, DNAT to
 * internal, SNAT to other.external, so each client sends to and hears
 * from the router address its SDP named; it is installed (and marked) by
 * the first of the two, the second is carried by it (no entry of its
 * own; releasing the first ends the media of both).
 * Clashing entries (early RTP that masquerading tracked, or packets that
 * reached the held socket) are deleted first. Same remote again: refresh
 * only. out may be NULL. */
int natport_pm_update_remote(struct natport_pm *pm,
			     const struct natport_endpoint *external,
			     const struct natport_endpoint *remote,
			     struct natport_mapping *out);

/* natport_pm_update_remote_many - update_remote for several mappings,
 * such as the streams of one SDP answer, in one netlink round trip. Each
 * update gets its own result (0 or a negative NATPORT_E_*); the function
 * returns 0 if all succeeded, else the first error (last_error tells of
 * that one). At most NATPORT_UPDATE_MANY at a time; an external endpoint
 * named twice in one call is -NATPORT_E_INVAL for the second. */
#define NATPORT_UPDATE_MANY 64
struct natport_remote_update {
	struct natport_endpoint external; /* in: the mapping */
	struct natport_endpoint remote;   /* in: its remote media endpoint */
	int result;                       /* out */
	struct natport_mapping mapping;   /* out: when result is 0 */
};
int natport_pm_update_remote_many(struct natport_pm *pm,
				  struct natport_remote_update *u,
				  unsigned int n);

/* natport_pm_release - ReleaseMapping: delete the entry, quarantine the
 * port. Looked up by both endpoints, as in the seed. */
int natport_pm_release(struct natport_pm *pm,
		       const struct natport_endpoint *internal,
		       const struct natport_endpoint *external);

/* natport_pm_release_id - the same, by mapping id. */
int natport_pm_release_id(struct natport_pm *pm, uint32_t id);

/* natport_pm_release_many - release by id, n at a time: the entries are
 * deleted NATPORT_UPDATE_MANY to a netlink message batch (a call's
 * streams, or thousands of calls that end at once). res (may be NULL)
 * gets each result; returns 0 or the first error. Gone from the kernel when
 * it returns, as with natport_pm_release. */
int natport_pm_release_many(struct natport_pm *pm, const uint32_t *ids,
			    unsigned int n, int *res);

/* natport_pm_lookup - copy the mapping with this id. */
int natport_pm_lookup(struct natport_pm *pm, uint32_t id,
		      struct natport_mapping *out);

/* natport_pm_foreach - call fn for each live mapping, in id order; stops
 * and returns fn's value if it returns non-zero. fn must not change pm. */
int natport_pm_foreach(struct natport_pm *pm, natport_mapping_fn fn,
		       void *arg);

/* natport_pm_foreach_quarantined - call fn for each released mapping whose
 * port is still in quarantine (not reusable yet), in external port order,
 * the IPv4 range's first, then NAT66's (pinholes take no port, so none):
 * state NATPORT_MAP_QUARANTINED, updated_ms the time of release. At most
 * one per external port (the last released there); none when
 * quarantine_ms is 0. Stops and returns fn's value if it returns non-zero.
 * fn must not change pm. */
int natport_pm_foreach_quarantined(struct natport_pm *pm,
				   natport_mapping_fn fn, void *arg);

/* natport_pm_counters - read the mapping's entry counters from the kernel.
 * A HELD mapping has all zero counters. */
int natport_pm_counters(struct natport_pm *pm, uint32_t id,
			struct natport_counters *out);

/* natport_pm_fd - the fd to poll for reading; see natport_pm_dispatch. */
int natport_pm_fd(const struct natport_pm *pm);

/* natport_pm_dispatch - handle what is pending: DESTROY events, entry
 * refresh, quarantine expiry, nft table check. Never blocks. */
int natport_pm_dispatch(struct natport_pm *pm);

/* natport_pm_sip_alg - is the kernel's SIP ALG (nf_conntrack_sip /
 * nf_nat_sip) configured in this namespace? It rewrites SIP and SDP
 * blindly and opens its own media expectations, so it must never act on
 * traffic natport handles (RFC 4787 REQ-10). Returns 1 with the culprit
 * named in why, 0 if not, negative NATPORT_E_* if it cannot tell (no nft
 * table of ours: nft_table ""). Callers warn; nothing is changed. */
int natport_pm_sip_alg(struct natport_pm *pm, char *why, size_t len);

void natport_pm_set_event_cb(struct natport_pm *pm, natport_event_fn fn,
			     void *arg);
void natport_pm_get_stats(struct natport_pm *pm, struct natport_pm_stats *out);
/* natport_pm_limits - one line that says what bounds the capacity (range
 * and addresses, mark ids, nf_conntrack_max, max_mappings) and what was
 * clamped at open; for the operator's log. */
const char *natport_pm_limits(const struct natport_pm *pm);
const char *natport_pm_last_error(const struct natport_pm *pm);

/*
 * PCP inbound mappings (the router's PCP server, RFC 6887 MAP): a MAP is
 * endpoint-independent, any remote may send to its external port, which
 * one conntrack entry per remote cannot express. These calls put the
 * mapping into natport's nft table instead: packets from any remote to
 * external are DNATed to the mapping's internal endpoint, the client's
 * packets leave from external (SNAT), and both directions are counted.
 * The kernel's element runs out timeout_s (plus a margin) after the
 * last open, so a port manager that dies leaves nothing behind for
 * longer than its leases; releasing the mapping closes it too.
 *
 * The first such packet is a new connection to the firewall: its forward
 * chain must accept it (`ct status dnat accept`, the usual rule for port
 * forwards), as natport's own entries need `ct state established`.
 *
 * natport_pm_open_inbound - open (or renew) the mapping at external for
 * timeout_s seconds (1 .. 30 days). IPv4 only (-NATPORT_E_NOTSUP).
 * natport_pm_close_inbound - close it (0 if it was not open).
 * natport_pm_inbound_counters - what the nft counters saw while it was
 * open (zero when closed); natport_pm_counters() gives these for a
 * mapping whose inbound side is open.
 */
int natport_pm_open_inbound(struct natport_pm *pm,
			    const struct natport_endpoint *external,
			    uint32_t timeout_s);
int natport_pm_close_inbound(struct natport_pm *pm,
			     const struct natport_endpoint *external);
int natport_pm_inbound_counters(struct natport_pm *pm,
				const struct natport_endpoint *external,
				struct natport_counters *out);

/*
 * Filters on an inbound mapping (RFC 6887 section 13.3, a MAP's FILTER
 * options): only remotes in one of the prefixes (and at the port, unless
 * it is 0) reach the mapping; every other remote's packets to external
 * are dropped in the kernel before DNAT and counted. Replies to what the
 * client itself sent pass. Overlapping filters are allowed.
 *
 * natport_pm_filter_inbound - replace the mapping's filters with n (at
 * most NATPORT_INBOUND_MAX_FILTERS; n = 0: open to every remote again)
 * for timeout_s seconds (renewed with the mapping by each
 * natport_pm_open_inbound; closing it removes them). Set them before
 * the first open, so that no packet finds the mapping unfiltered. IPv4.
 * natport_pm_inbound_filtered - the packets they dropped (0 if none).
 */
#define NATPORT_INBOUND_MAX_FILTERS 8
struct natport_inbound_filter {
	struct natport_endpoint remote; /* prefix; port 0: any port */
	uint8_t prefix_len;             /* bits of remote's family */
};
int natport_pm_filter_inbound(struct natport_pm *pm,
			      const struct natport_endpoint *external,
			      const struct natport_inbound_filter *f,
			      unsigned int n, uint32_t timeout_s);
int natport_pm_inbound_filtered(struct natport_pm *pm,
				const struct natport_endpoint *external,
				uint64_t *pkts);

/* Helpers, no handle needed. */
/* natport_strerror - text of a NATPORT_E_* code or an errno, given as err
 * or -err; "unknown error" for anything else. Never NULL. */
const char *natport_strerror(int err);
/* natport_is_error - 1 if err (or -err) is a NATPORT_E_* code, 0 if it is
 * 0 or an errno value. */
int natport_is_error(int err);
const char *natport_port_type_name(enum natport_port_type type);
int natport_port_type_parse(const char *name); /* -NATPORT_E_INVAL if bad */
const char *natport_mapping_state_name(enum natport_mapping_state state);
int natport_port_type_is_rtcp(enum natport_port_type type);
int natport_port_type_is_rtp(enum natport_port_type type);

/* natport_endpoint_parse - "192.0.2.10", "192.0.2.10:4000", "[2001:db8::1]:4000"
 * or "2001:db8::1"; port 0 when absent. */
int natport_endpoint_parse(const char *s, struct natport_endpoint *ep);
/* natport_endpoint_format - "addr:port" ("[v6]:port"); port omitted if 0.
 * Returns buf. NATPORT_ENDPOINT_STRLEN is always enough. */
#define NATPORT_ENDPOINT_STRLEN 56
char *natport_endpoint_format(const struct natport_endpoint *ep, char *buf,
			      size_t len);
int natport_endpoint_equal(const struct natport_endpoint *a,
			   const struct natport_endpoint *b);
int natport_endpoint_addr_equal(const struct natport_endpoint *a,
				const struct natport_endpoint *b);
int natport_endpoint_is_unspec(const struct natport_endpoint *ep);
/* natport_endpoint_to_sockaddr - fill ss for bind/sendto; returns its
 * length. natport_endpoint_from_sockaddr - the reverse (recvfrom). */
socklen_t natport_endpoint_to_sockaddr(const struct natport_endpoint *ep,
				       struct sockaddr_storage *ss);
void natport_endpoint_from_sockaddr(const struct sockaddr_storage *ss,
				    struct natport_endpoint *ep);
int natport_prefix_parse(const char *s, struct natport_prefix *p);
int natport_prefix_contains(const struct natport_prefix *p,
			    const struct natport_endpoint *ep);

/* natport_kernel_list - walk the natport entries (marks of tag, see
 * natport_ct_mark_id; 0 = default tag) in the current namespace straight
 * from the kernel, no handle or daemon needed. fn gets each entry as a
 * mapping (id from the mark, state ACTIVE, type unknown: DATA) and its
 * counters. Returns the number of entries or a negative NATPORT_E_*. */
typedef int (*natport_kernel_fn)(const struct natport_mapping *m,
				 const struct natport_counters *c,
				 uint32_t timeout_s, void *arg);
int natport_kernel_list(uint32_t mark_tag, natport_kernel_fn fn, void *arg,
			char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* NATPORT_NATPORT_H */
