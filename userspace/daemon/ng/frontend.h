/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * frontend.h - the ng front end: Kamailio's and OpenSIPS's rtpengine
 * modules drive nat-portd over rtpengine's ng protocol (UDP, "cookie
 * bencoded-dict"), and each call becomes a session of owner kind ng whose
 * SDP goes through media/ exactly as the SIP side's does.
 *
 * A call is keyed by its Call-ID and holds up to NATPORT_NG_TAGS tags
 * (from-tag, and the to-tag of every fork that answered), each on one side
 * of the router: LAN (its SDP gets external ports, media/streams.c's
 * natport_media_lan_sdp) or WAN (its SDP is the far end's:
 * natport_media_wan_sdp). The side is, in this order: the request's
 * "direction" (from-tag's side first), what an earlier request said for
 * that tag, or the address its media comes from (the SDP's c=, or with
 * SIP-source-address the "received-from" address) against lan-prefix.
 * natport relays between LAN and WAN only: a call whose two sides are the
 * same gets an error, not a reply that would leave media unrelayed.
 *
 * Either family: an SDP with c=IN IP6 gets IPv6 pinholes or NAT66
 * mappings from media/ as the SIP side's does. Within one family only (no
 * NAT64): an "address family" other than the SDP's media's, or an SDP
 * whose media is of the other family than the other side's, gets an
 * error; a refused SDP leaves its tag as it was, and a refused fresh
 * offer no call.
 *
 * Replies are cached per peer and cookie (ngcache.h): a retransmission
 * gets the identical bytes and runs nothing again. Only sources inside
 * ng-allow (loopback when none is configured) are answered.
 *
 * Ownership: the front end owns its calls; the session table owns the
 * sessions, and ending a session (natport_session_end, from here, from
 * nat-portctl or at shutdown) frees the call through the ops' on_end.
 * Single-threaded: everything runs on the event loop.
 */
#ifndef NATPORT_NG_FRONTEND_H
#define NATPORT_NG_FRONTEND_H

#include <stdint.h>

#include "core/config.h"
#include "core/evloop.h"
#include "core/session.h"
#include "media/streams.h"

#define NATPORT_NG_TAGS 8 /* tags per call: the query reply's limit */

struct natport_ng;

struct natport_ng_stats {
	uint64_t requests, replies, cached, errors, denied, malformed;
	uint64_t offers, answers, deletes, queries, pings;
	unsigned int calls;
};

/*
 * natport_ng_new - bind cfg->ng_listen and serve it on loop. NULL with the
 * reason in err (bind failed, no memory).
 */
struct natport_ng *
natport_ng_new(struct natport_evloop *loop, const struct natport_config *cfg,
	       struct natport_pm *pm, struct natport_session_table *sessions,
	       struct natport_media *media, char *err, size_t errlen);
/* Ends every ng call (NATPORT_END_SHUTDOWN) and closes the socket. */
void natport_ng_free(struct natport_ng *ng);
/* A reloaded config: ng-allow, ng-delete-delay, timeouts, max-calls. */
void natport_ng_reload(struct natport_ng *ng, const struct natport_config *cfg);
void natport_ng_get_stats(const struct natport_ng *ng,
			  struct natport_ng_stats *out);

/* Log one "stats-ng key=value ..." line (SIGUSR1, beside "stats"). */
void natport_ng_log_stats(const struct natport_ng *ng);

/*
 * Restarts (core/state.h). What an ng call holds beyond its session (the
 * session core saves streams and mappings): its Call-ID, its tags with
 * their sides and media sources, its times and whether a delete was
 * pending. The state file writes it out and reads it back; Kamailio's
 * later answer, query or delete for the Call-ID then finds the call.
 */
struct natport_ng_tag_state {
	char tag[129];
	int side; /* enum natport_ng_side */
	struct natport_endpoint src;
	int64_t created; /* UNIX seconds */
	unsigned int n_protos;
	char protos[NATPORT_SESSION_MAX_STREAMS][24];
};

struct natport_ng_call_state {
	char call_id[257];
	int64_t created, last_signal;	/* UNIX seconds */
	int delete_pending, delete_why; /* enum natport_session_end */
	unsigned int n_tags;
	struct natport_ng_tag_state tags[NATPORT_NG_TAGS];
};

/* natport_ng_call_save - state out: the call of ng session s. 0, or -1
 * when s is no call of this front end. */
int natport_ng_call_save(const struct natport_ng *ng,
			 const struct natport_session *s,
			 struct natport_ng_call_state *out);
/* natport_ng_call_restore - state in: the restored session s (kind ng,
 * no owner yet) becomes call st again; a pending delete is armed anew
 * with ng-delete-delay. 0, or -1 (s untouched: the caller ends it). */
int natport_ng_call_restore(struct natport_ng *ng, struct natport_session *s,
			    const struct natport_ng_call_state *st);

#endif
