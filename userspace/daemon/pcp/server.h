/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * server.h - the PCP (RFC 6887) and NAT-PMP (RFC 6886) front end of
 * nat-portd: LAN applications ask the router for their media ports.
 *
 * One UDP socket on lan-address port 5351 in the event loop; each
 * datagram passes a per-client rate limit, then the request processor
 * (userspace/lib/pcpsrv.h), whose ops this front end implements on the
 * session core: every lease is a session of owner kind pcp holding one
 * port-manager mapping, counted against its client's quota together with
 * its SIP calls. A MAP opens the mapping endpoint-independently in the
 * kernel (natport_pm_open_inbound, element timeouts = lifetime + margin);
 * FILTERs narrow that to the remotes they name (natport_pm_filter_inbound,
 * set before the first open, so no packet finds the port open to all);
 * a PEER narrows it to the signalled remote with today's per-remote
 * conntrack entry (natport_pm_update_remote) and closes the inbound side.
 * Lifetime 0 ends a lease with reason hangup, expiry with reason
 * expired, both through natport_session_end(); a session ended from
 * elsewhere (nat-portctl) takes its lease with it.
 *
 * At start it sends the restart ANNOUNCE of RFC 6887 section 14.1.3 and
 * the NAT-PMP address announcement of RFC 6886 section 3.2.1 to
 * 224.0.0.1:5350, ten times at doubling intervals from 250 ms; each
 * round also sends a unicast ANNOUNCE to every known PCP client (the
 * source of a lease's last request) that has not re-requested since,
 * and an unsolicited MAP response (section 14.2) for each lease whose
 * external endpoint differs from what its client was last told. A lease
 * deleted by the operator is reported to its client at once with an
 * unsolicited response of lifetime 0.
 *
 * Ownership: the server owns its socket, its lease table and the
 * sessions of its leases; it borrows the loop, the port manager and the
 * session table, which must outlive it (free it before the table).
 */
#ifndef NATPORT_DAEMON_PCP_SERVER_H
#define NATPORT_DAEMON_PCP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/evloop.h"
#include "core/session.h"

struct natport_pcp_server;

struct natport_pcp_server_stats {
	uint64_t requests, natpmp_requests, dropped, rate_limited;
	uint64_t created, deleted, expired;
	uint64_t success, errors;  /* PCP responses */
	uint64_t kernel_errors;    /* inbound elements that failed */
	uint64_t unsolicited;      /* unicast ANNOUNCE and unsolicited MAP
				    * responses sent (RFC 6887 14.1.3, 14.2) */
	unsigned int leases;
};

/* natport_pcp_server_new - NULL with the reason in err; NULL with err
 * empty when cfg turns pcp off. */
struct natport_pcp_server *
natport_pcp_server_new(struct natport_evloop *loop,
		       const struct natport_config *cfg, struct natport_pm *pm,
		       struct natport_session_table *sessions, char *err,
		       size_t errlen);
/* Ends every lease (reason shutdown) and closes the socket. NULL ok. */
void natport_pcp_server_free(struct natport_pcp_server *srv);
/* Start the announcement schedule again (what server_new does): for a
 * caller that just restored leases or changed their external endpoints,
 * so their clients hear of it by unicast beside the multicast. */
void natport_pcp_server_announce(struct natport_pcp_server *srv);
/* SIGHUP: lifetime bounds, third party, rate, natpmp on/off. */
void natport_pcp_server_reload(struct natport_pcp_server *srv,
			       const struct natport_config *cfg);
void natport_pcp_server_get_stats(const struct natport_pcp_server *srv,
				  struct natport_pcp_server_stats *out);

/*
 * Restarts (core/state.h). A lease is its session (saved by the core:
 * the mapping, the stream) plus the processor's lease record (pcplease.h:
 * nonce, internal, external, peer, partner, the MAP and PEER expiry
 * times on the monotonic clock, which a restart does not reset, so the
 * remaining lifetime is kept and the lease then expires as it would
 * have). Epoch time restarts at 0 and the restart ANNOUNCE still goes
 * out: a client that re-requests gets its own lease and port back.
 *
 * natport_pcp_server_lease_save - state out: the lease record of pcp
 * session s. 0, or -1 when s is no lease of this server.
 * natport_pcp_server_lease_restore - state in: the restored session s
 * (kind pcp, no owner yet) takes lease record l back, with l's id. 0, or
 * -1 (s untouched: the caller ends it).
 * natport_pcp_server_resume - after the last restore, once the sessions
 * own their mappings: the kernel's inbound elements programmed again
 * for the leases' remaining lifetimes, the expiry timer armed.
 */
struct natport_pcplease;
int natport_pcp_server_lease_save(const struct natport_pcp_server *srv,
				  const struct natport_session *s,
				  struct natport_pcplease *out);
int natport_pcp_server_lease_restore(struct natport_pcp_server *srv,
				     struct natport_session *s,
				     const struct natport_pcplease *l);
void natport_pcp_server_resume(struct natport_pcp_server *srv);

#endif /* NATPORT_DAEMON_PCP_SERVER_H */
