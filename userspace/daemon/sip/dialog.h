/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dialog.h - the SIP side of a call: one entry per Call-ID whose media
 * nat-portd maps, with its parties, the proxy's offer/answer and fork
 * bookkeeping, and the session (core/session.h) that holds its media.
 *
 * A call refers to its session; the session never refers to SIP: it
 * knows its owner only as an opaque pointer and the ops table
 * natport_call_session_ops, whose on_end frees the call. So a call ends
 * by ending its session (natport_session_end), whoever asks, and
 * natport_call_del() is for that callback only.
 *
 * Ownership: the table owns its calls and their strings; the session
 * table owns the sessions.
 */
#ifndef NATPORT_SIP_DIALOG_H
#define NATPORT_SIP_DIALOG_H

#include <stddef.h>
#include <stdint.h>

#include <natport/natport.h>

#include "core/list.h"
#include "core/session.h"
#include "sip/srclimit.h"

enum natport_side {
	NATPORT_SIDE_LAN,
	NATPORT_SIDE_WAN,
};

#define NATPORT_CALL_MAX_TAGS 8 /* forks tracked per call */

struct natport_call_table;

struct natport_call {
	char *call_id;
	char *caller_tag;        /* From tag of the first INVITE, or NULL */
	char from[128], to[128]; /* URIs as the caller sent them */
	enum natport_side caller_side;
	struct natport_session *sess; /* its media, state and times */
	struct natport_call_table *table;

	/* the proxy's bookkeeping */
	char *invite_cseq;        /* CSeq number of the first INVITE */
	int offer_side;           /* side of the pending offer, -1 none */
	char *offer_cseq;         /* its CSeq number + method */
	unsigned int n_tags;
	char *tags[NATPORT_CALL_MAX_TAGS]; /* callee tags of 2xx answers */
	uint64_t refused_ms;      /* when its first answer was refused */
	char *lan_contact;        /* the LAN phone's Contact URI */
	/* Where the LAN party is: the address and port its SIP came from
	 * (a LAN caller) or its binding (a LAN callee), and its Contact's
	 * endpoint (AF_UNSPEC when unknown or not an IP literal). Requests
	 * from the WAN in this call may reach these two and nothing else. */
	struct natport_endpoint lan_party, lan_contact_ep;
	/* counted against its source's calls in setup until answered or
	 * ended (sip/srclimit.h); limit NULL when not counted */
	struct natport_srclimit *limit;
	struct natport_endpoint setup_src;

	struct natport_hnode hash; /* the table's chain for its Call-ID */
	struct natport_list age;   /* the table's list, oldest first */
};

/* How a SIP-owned session names its states and ends ("trying",
 * "confirmed"; "bye", "invite-timeout") and describes itself (Call-ID,
 * From, To, caller side); on_end frees the call. */
extern const struct natport_session_ops natport_call_session_ops;

struct natport_call_table *natport_call_table_new(unsigned int max_calls);
/* Frees every call; their sessions were ended first. */
void natport_call_table_free(struct natport_call_table *t);
void natport_call_table_set_max(struct natport_call_table *t,
				unsigned int max_calls);

/* NULL if absent. */
struct natport_call *natport_call_find(struct natport_call_table *t,
				       const char *call_id);
/* The leg of a Call-ID whose caller is on caller_side: a call between two
 * LAN phones through the provider crosses the router twice with one
 * Call-ID (LAN caller to the WAN, then the WAN to the LAN callee), two
 * calls with a session each. NULL if absent. */
struct natport_call *natport_call_find_leg(struct natport_call_table *t,
					   const char *call_id,
					   enum natport_side caller_side);
/* NULL on ENOMEM or when the table is full (errno ENOSPC). The caller
 * gives it a session next. */
struct natport_call *natport_call_new(struct natport_call_table *t,
				      const char *call_id);
/* The call left setup: it no longer counts against its source. */
void natport_call_setup_done(struct natport_call *c);
/* Unlink and free (the session's on_end). */
void natport_call_del(struct natport_call_table *t, struct natport_call *c);

/* Remember a callee tag; 1 if new, 0 if known, -1 if full or ENOMEM. */
int natport_call_tag_add(struct natport_call *c, const char *tag);
/* Forget a callee tag; 1 if it was there. */
int natport_call_tag_del(struct natport_call *c, const char *tag);

/* The owner's walk: fn may end the call it is given. */
typedef int (*natport_call_walk_fn)(struct natport_call *call, void *arg);
int natport_call_walk(struct natport_call_table *t, natport_call_walk_fn fn,
		      void *arg);
unsigned int natport_call_count(const struct natport_call_table *t);
/* Calls created, ended, refused for lack of room, since start. */
void natport_call_table_counters(const struct natport_call_table *t,
				 uint64_t *created, uint64_t *ended,
				 uint64_t *full);

/* SIP's names: "trying", "early", "confirmed", "ended"; "bye", ... */
const char *natport_call_state_name(enum natport_session_state s);
const char *natport_call_end_name(enum natport_session_end e);
const char *natport_side_name(enum natport_side s);

#endif /* NATPORT_SIP_DIALOG_H */
