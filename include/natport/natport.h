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
 * ways, and with ct mark (NATPORT_CT_MARK_TAG | mapping id), so natport's
 * entries can always be told from everything else and found again. From
 * then on the kernel forwards the stream; no packet reaches userspace.
 *
 * Rules of the contract:
 *
 *  - Ports: an RTP type gets an even external port and the RTCP type of the
 *    same stream gets RTP+1 (RFC 3550 section 11, RFC 4787 REQ-4). Ports
 *    are allocated in even/odd pairs; a pair is held (bound UDP sockets on
 *    the external address, so no other program takes it) from its first use
 *    until natport_pm_close(), and after release it is quarantined for
 *    quarantine_ms before reuse, so late packets of an old call never reach
 *    a new one.
 *  - Idempotence: asking again for the same internal endpoint and type
 *    returns the same mapping (a retransmitted INVITE yields identical SDP).
 *    Releasing twice gives -NATPORT_E_NOENT the second time and changes
 *    nothing.
 *  - Lifetime: a mapping lives until released or the handle is closed,
 *    however long its media is silent. The kernel cuts the timeout of an
 *    entry back to its UDP timeouts as soon as packets pass; the library
 *    refreshes its entries well inside those timeouts, and re-creates an
 *    entry the kernel destroyed anyway (conntrack -F, an overflowing table),
 *    counting each as kernel_restored.
 *  - Hold: an unspecified remote (0.0.0.0, c=0.0.0.0 in SDP) is hold, not a
 *    remote. Do not call update_remote for it: keep the mapping as it is.
 *  - Addresses are family-neutral. The kernel path supports IPv4 today; an
 *    IPv6 endpoint gets -NATPORT_E_NOTSUP, never a silent failure.
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
 *    natport_pm_* calls; they must not call back into the handle.
 *  - Ownership: the library owns every kernel entry, socket and port it
 *    creates; natport_pm_close() deletes them all. Results are copied into
 *    caller storage; no pointer into the library outlives the call.
 *  - Events: natport_pm_fd() is one file descriptor (an epoll fd) to poll
 *    for reading; call natport_pm_dispatch() when it is readable. It wakes
 *    for conntrack DESTROY events of natport entries, for changes of the
 *    nft ruleset (NATPORT_EV_RULESET, where the kernel lets us subscribe;
 *    otherwise a restored table is found by the refresh tick) and for the
 *    refresh and quarantine timers, never per media packet.
 *  - Privilege: opening a handle needs CAP_NET_ADMIN (ctnetlink, nft) and,
 *    for ports below 1024, CAP_NET_BIND_SERVICE.
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

/* Upper 16 bits of the ct mark that identify natport's entries; the lower
 * 16 bits carry the mapping id. The kernel module keys on the same mark. */
#define NATPORT_CT_MARK_TAG 0x4e500000u /* "NP" */
#define NATPORT_CT_MARK_MASK 0xffff0000u
#define NATPORT_NFT_TABLE "natport"

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
	NATPORT_E_NOTSUP,  /* not supported (IPv6 on the kernel path today) */
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
};

struct natport_mapping_req {
	enum natport_port_type type;
	struct natport_endpoint internal; /* the LAN client's address:port */
	struct natport_endpoint remote;   /* AF_UNSPEC if not known yet */
	/* RTCP types only: internal port of the same stream's RTP mapping,
	 * whose pair this mapping takes (RTP+1). 0 = internal.port - 1. */
	uint16_t rtp_internal_port;
	uint64_t owner; /* caller's tag (a call), shown in listings */
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

struct natport_pm_stats {
	uint32_t ports_total, ports_free, ports_held, ports_quarantined;
	uint32_t mappings, mappings_active;
	uint64_t created, released;
	uint64_t errors[__NATPORT_E_MAX];
	uint64_t kernel_destroyed; /* DESTROY events for live mappings */
	uint64_t kernel_restored;  /* entries re-created after those */
	uint64_t refreshes;        /* entry timeouts refreshed */
	uint64_t clashes_removed;  /* foreign entries deleted before ours */
	uint64_t stale_removed;    /* natport entries found at open */
	uint64_t stray_packets;    /* packets that reached a held socket
				    * (counted at reuse and by get_stats) */
	uint64_t event_overruns;   /* event socket overflowed: resynced */
	uint64_t nft_restored;     /* nft table re-created after removal */
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
 * deletes natport entries left by a previous instance with the same mark.
 * Returns NULL on failure with the reason in err. */
struct natport_pm *natport_pm_open(const struct natport_pm_config *cfg,
				   char *err, size_t errlen);

/* natport_pm_close - release every mapping, delete every entry, close every
 * socket and remove the nft table. NULL is allowed. */
void natport_pm_close(struct natport_pm *pm);

/* natport_pm_get_mapping - GetMapping: allocate (or find again) the
 * external endpoint for req->internal. Nothing enters the kernel until the
 * remote is known; if req->remote is a full endpoint (address and port) the
 * entry is installed at once, as update_remote would. */
int natport_pm_get_mapping(struct natport_pm *pm,
			   const struct natport_mapping_req *req,
			   struct natport_mapping *out);

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

/* natport_pm_lookup - copy the mapping with this id. */
int natport_pm_lookup(struct natport_pm *pm, uint32_t id,
		      struct natport_mapping *out);

/* natport_pm_foreach - call fn for each live mapping, in id order; stops
 * and returns fn's value if it returns non-zero. fn must not change pm. */
int natport_pm_foreach(struct natport_pm *pm, natport_mapping_fn fn,
		       void *arg);

/* natport_pm_foreach_quarantined - call fn for each released mapping whose
 * port is still in quarantine (not reusable yet), in external port order:
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

/* natport_kernel_list - walk the natport entries (mark tag under
 * NATPORT_CT_MARK_MASK; 0 = default tag) in the current namespace straight
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
