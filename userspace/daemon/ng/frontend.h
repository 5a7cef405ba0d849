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

#endif
