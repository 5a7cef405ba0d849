/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pcp.h - libnatport's client side for LAN applications: external ports
 * from the router over PCP (RFC 6887), falling back to NAT-PMP (RFC 6886).
 *
 * The model is the RTC Client API's IRTCPortManager, as for the router's
 * own port manager (natport.h), but asked of the router over the LAN:
 *
 *   GetMapping(remote, type)            natport_pcp_get_mapping()
 *                                       PCP MAP (one port, or RTP and
 *                                       RTCP: internal p, p+1 -> external
 *                                       e even, e+1)
 *   UpdateRemoteAddress(remote, i, e)   natport_pcp_update_remote()
 *                                       PCP PEER per port
 *   ReleaseMapping(internal, external)  natport_pcp_release()
 *                                       MAP (and PEER) with lifetime 0
 *
 * The three calls block until the router answers or timeout_ms passes
 * (retransmitting as RFC 6887 section 8.1.1 says: 3 s, doubling, up to
 * 1024 s; NAT-PMP 250 ms doubling, RFC 6886 section 3.1), since
 * IRTCPortManager's callers need the answer before they send their SDP.
 * Everything after that is the library's: natport_pcp_fd() is one fd to
 * poll for reading; natport_pcp_dispatch() then renews each mapping at a
 * random point between 1/2 and 5/8 of its lifetime and retries at 3/4,
 * 7/8 ... (at least 4 s apart, section 11.2.1), checks the router's epoch
 * in every answer (section 8.5) and re-requests every mapping when the
 * router restarted (epoch gone back, or an unsolicited ANNOUNCE), telling
 * the caller through the event callback if an external port changed.
 * The router's unsolicited responses (section 14.2) are taken like
 * answers: a new external endpoint is CHANGED; a lifetime of 0 for a
 * mapping still held means the router deleted it (an operator did), and
 * the library stops renewing it (LOST, or DELETED for one half of a
 * pair) rather than undo that.
 *
 * A NAT-PMP router has no PEER: update_remote then only records the
 * remote (the mapping already accepts every remote). Errors: 0 or a
 * negative code, -errno or -NATPORT_E_* as in natport.h; a refusal by the
 * router is -NATPORT_E_BADADDR (not authorized), -NATPORT_E_NOPORT (no
 * resources, quota), -NATPORT_E_KERNEL (others); natport_pcp_last_error()
 * names the result code. A handle is not thread-safe; callbacks run from
 * inside natport_pcp_* calls and must not call back into the handle.
 */
#ifndef NATPORT_PCP_H
#define NATPORT_PCP_H

#include <stdint.h>

#include <natport/natport.h>

#ifdef __cplusplus
extern "C" {
#endif

struct natport_pcp_config {
	struct natport_endpoint server; /* the router's LAN address, port
					 * 0 = 5351; AF_UNSPEC: the IPv4
					 * default gateway */
	struct natport_endpoint local;  /* address to bind (the internal
					 * address); AF_UNSPEC: as routed */
	uint32_t lifetime;   /* requested, seconds; 0 = 3600 */
	uint32_t timeout_ms; /* per blocking call; 0 = 10000 */
	unsigned int natpmp_only : 1; /* skip PCP */
	unsigned int no_natpmp : 1;   /* never fall back */
};

/* One mapping: a single port, or an RTP/RTCP pair (rtcp set), whose RTCP
 * halves are internal.port + 1 -> external.port + 1. */
struct natport_pcp_mapping {
	uint32_t id;
	uint8_t rtcp; /* a pair */
	struct natport_endpoint internal, external, remote;
	uint32_t lifetime; /* granted, seconds */
	uint64_t expires_ms; /* CLOCK_MONOTONIC */
};

enum natport_pcp_protocol {
	NATPORT_PCP_PROTO_NONE, /* not known yet */
	NATPORT_PCP_PROTO_PCP,
	NATPORT_PCP_PROTO_NATPMP,
};

enum natport_pcp_event_type {
	NATPORT_PCP_EV_RENEWED, /* lifetime extended, nothing else changed */
	NATPORT_PCP_EV_CHANGED, /* the external endpoint changed (after a
				 * router restart): send new SDP */
	NATPORT_PCP_EV_LOST,    /* could not renew: the mapping is gone
				 * (the handle forgets it) */
	NATPORT_PCP_EV_RESTART, /* the router lost its state; mapping is
				 * zero; re-requests are under way */
	NATPORT_PCP_EV_DELETED, /* the router deleted one half of a pair
				 * (an operator did): that half is no
				 * longer renewed; release the mapping.
				 * Both halves, or a single port: LOST */
};

struct natport_pcp_event {
	enum natport_pcp_event_type type;
	struct natport_pcp_mapping mapping;
};

typedef void (*natport_pcp_event_fn)(const struct natport_pcp_event *ev,
				     void *arg);

struct natport_pcp;

/* natport_pcp_open - a client of the router in cfg. NULL with the reason
 * in err on failure. Sends nothing yet. */
struct natport_pcp *natport_pcp_open(const struct natport_pcp_config *cfg,
				     char *err, size_t errlen);
/* natport_pcp_close - delete every mapping at the router (one try, no
 * waiting) and free the handle. NULL is allowed. */
void natport_pcp_close(struct natport_pcp *c);
/* natport_pcp_fd - poll for reading; then natport_pcp_dispatch(). */
int natport_pcp_fd(struct natport_pcp *c);
/* natport_pcp_dispatch - answers, renewals, restarts; never blocks. */
int natport_pcp_dispatch(struct natport_pcp *c);
void natport_pcp_set_event_cb(struct natport_pcp *c, natport_pcp_event_fn fn,
			      void *arg);

/* natport_pcp_get_mapping - GetMapping: ask the router for internal_port
 * (on the handle's local address), with internal_port + 1 as its RTCP when
 * pair is set (internal_port must then be even). */
int natport_pcp_get_mapping(struct natport_pcp *c, uint16_t internal_port,
			    int pair, struct natport_pcp_mapping *out);
/* natport_pcp_update_remote - UpdateRemoteAddress: narrow mapping id to
 * remote (and remote.port + 1 for a pair's RTCP). */
int natport_pcp_update_remote(struct natport_pcp *c, uint32_t id,
			      const struct natport_endpoint *remote,
			      struct natport_pcp_mapping *out);
/* natport_pcp_release - ReleaseMapping; -NATPORT_E_NOENT for an unknown
 * id (a second release). */
int natport_pcp_release(struct natport_pcp *c, uint32_t id);
/* natport_pcp_lookup - copy mapping id. */
int natport_pcp_lookup(struct natport_pcp *c, uint32_t id,
		       struct natport_pcp_mapping *out);
/* natport_pcp_protocol - what the router speaks, once it answered. */
enum natport_pcp_protocol natport_pcp_protocol(struct natport_pcp *c);
/* natport_pcp_last_error - text of the last failure on the handle. */
const char *natport_pcp_last_error(struct natport_pcp *c);

#ifdef __cplusplus
}
#endif

#endif /* NATPORT_PCP_H */
