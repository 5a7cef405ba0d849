/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * state.h - the state file: what the kernel cannot hold about the calls
 * whose entries survive a restart (issue 14).
 *
 * The kernel keeps the media: every entry carries its mapping id in the
 * mark, and the port manager takes them back in at open (natport.h,
 * "Restarts"). This file adds what an entry cannot say: which session
 * owns which mappings, the session's owner kind, key, client, state and
 * streams, the mappings still without an entry (a call in setup), SIP's
 * dialog state (Call-ID, parties, CSeq of the INVITE, the pending offer,
 * callee tags, the LAN party and Contact, so a later BYE from either side
 * is proxied and its media released) and the registrar's bindings.
 *
 * Written whole, atomically: a temporary file in the same directory,
 * fsync, rename over the old one, fsync of the directory. A crash at any
 * point leaves either the old or the new file, never a torn one. The
 * last line carries the record count and a CRC-32 of everything before
 * it; a file that fails the check (truncated, edited, corrupted) is
 * refused whole with a log line naming it and the reason: its sessions
 * are not restored, so their entries stay unclaimed and the port manager
 * removes them after adopt-grace.
 *
 * Text, one record per line, fields separated by spaces, strings
 * percent-escaped: readable by people and stable across upgrades (a
 * field an older version does not know is at the end of its line and
 * ignored). The first line names the format's version (2; version 1
 * files, SIP only, still load; a newer version is refused with a line
 * saying so) and the boot it was written in (a file from before a
 * reboot is refused: its monotonic times mean nothing now and the kernel
 * entries went with the reboot).
 *
 * Every session kind comes back: each session is a "session" line, its
 * "map" and "stream" lines, then its owner's record: "sip" (the dialog),
 * "static" (an operator's mapping: nothing more), "pcp" (the lease,
 * pcp/server.h) or "ng" with one "ngtag" per tag (ng/frontend.h). The
 * records added with version 2 carry a record version of their own; one
 * this build does not know leaves its session out. A session whose front
 * end is not running now (pcp off, no ng-listen), or whose owner record
 * is missing or refused, is not restored and its entries are released
 * after the grace; so is a lease or static mapping whose mapping could
 * not be had.
 */
#ifndef NATPORT_CORE_STATE_H
#define NATPORT_CORE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/session.h"

struct natport_pm;
struct natport_session_table;
struct natport_call_table;
struct natport_registrar;
struct natport_pcp_server;
struct natport_ng;

struct natport_state_src {
	struct natport_pm *pm;
	struct natport_session_table *sessions;
	struct natport_call_table *calls; /* NULL: no SIP */
	struct natport_registrar *reg;	  /* NULL: no registrar */
	/* the SIP proxy's branch secret (sip/proxy.h): saved from here,
	 * restored into here (0 in the file: none) */
	uint64_t *secret;
	struct natport_pcp_server *pcp; /* NULL: PCP off */
	struct natport_ng *ng;		/* NULL: no ng front end */
};

/* natport_state_save - write the state of src to path (atomically, see
 * above). 0, or -1 with the reason in err. */
int natport_state_save(const char *path, const struct natport_state_src *src,
		       uint64_t now_ms, char *err, size_t errlen);

/* natport_state_load - restore what path holds into src: sessions and
 * calls with their mappings claimed (natport_pm_adopt), registrar
 * bindings. Returns the number of sessions restored, 0 when there is no
 * file, or -1 when the file is refused (err says why; nothing restored). */
struct natport_state_result {
	unsigned int sessions, mappings, bindings, failed;
	/* RTP streams registered again with the module (where loaded) */
	unsigned int rtp_streams;
	unsigned int kinds[__NATPORT_SESSION_KIND_MAX]; /* restored, per kind */
};
int natport_state_load(const char *path, const struct natport_state_src *src,
		       uint64_t now_ms, struct natport_state_result *res,
		       char *err, size_t errlen);

#endif /* NATPORT_CORE_STATE_H */
