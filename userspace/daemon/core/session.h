/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * session.h - the media-session core under every front end.
 *
 * A session is one call's or one lease's media: its streams, the
 * port-manager mappings they use, the client it counts against (quota.h),
 * its state, times, end reason and statistics. It knows which kind of
 * front end owns it (sip, static, pcp, ng) and a key to show (a SIP
 * Call-ID, a static mapping's internal endpoint), never the owner's own
 * data: the owner gives an ops table (how to name its states, describe
 * itself in a listing, free its state when the session ends) and a
 * pointer the core hands back and never reads.
 *
 * Mappings: the table holds a reference count per mapping id, because two
 * sessions of one phone may reuse one internal port; a mapping is
 * released (and its RTP statistics untracked) when its last session drops
 * it. Each reference costs the session's client one quota unit.
 *
 * Ending: natport_session_end() is the one way a session ends, whoever
 * asks (a SIP BYE or timeout, nat-portctl, a lease's expiry, shutdown):
 * it releases the mappings, counts the reason, logs one line, reports the
 * end event, lets the owner free its state (ops->on_end) and frees the
 * session.
 *
 * Events (created, state, media, end) go to one hook
 * (natport_session_table_set_hook), synchronously, on the event loop's
 * thread; the hook must not change the table.
 */
#ifndef NATPORT_CORE_SESSION_H
#define NATPORT_CORE_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include <natport/natport.h>

#include "core/list.h"

#define NATPORT_SESSION_MAX_STREAMS 16 /* = NATPORT_SDP_MAX_STREAMS */
#define NATPORT_SESSION_MAX_MAPS 64    /* mappings a session may own */

enum natport_session_kind {
	NATPORT_SESSION_SIP,
	NATPORT_SESSION_STATIC, /* nat-portctl mappings add */
	NATPORT_SESSION_PCP,
	NATPORT_SESSION_NG,
	__NATPORT_SESSION_KIND_MAX,
};

enum natport_session_state {
	NATPORT_SESSION_SETUP,  /* asked for, not answered */
	NATPORT_SESSION_EARLY,  /* provisionally answered */
	NATPORT_SESSION_ACTIVE, /* answered / granted */
	NATPORT_SESSION_ENDED,  /* released; about to be freed */
};

enum natport_session_end {
	NATPORT_END_NONE,
	NATPORT_END_HANGUP,
	NATPORT_END_CANCEL,
	NATPORT_END_REJECTED,      /* a final failure answer */
	NATPORT_END_SETUP_TIMEOUT, /* never answered in time */
	NATPORT_END_IDLE_TIMEOUT,  /* no signalling, no media */
	NATPORT_END_REFUSED,       /* we refused its media */
	NATPORT_END_OPERATOR,      /* nat-portctl flush / mappings del */
	NATPORT_END_EXPIRED,       /* a lease's lifetime ran out */
	NATPORT_END_SHUTDOWN,
	__NATPORT_END_MAX,
};

/* One media stream (an m= line). Mapping ids are 0 when there is none. */
struct natport_session_stream {
	char media[16];
	int disabled, rtcp_mux, hold;
	int dir; /* enum natport_sdp_dir */
	uint32_t rtp_id, rtcp_id;
	struct natport_endpoint internal_rtp, internal_rtcp; /* LAN host */
	struct natport_endpoint external_rtp, external_rtcp; /* router WAN */
	struct natport_endpoint remote_rtp, remote_rtcp;     /* far end */
	int remote_hold; /* the far end put this stream on hold */
	/* codec of the latest description and its clock rate; -1 / 0 when
	 * not RTP */
	int payload_type;
	uint32_t clock_rate;
};

struct natport_session;

/* An owner-specific detail for listings: a key and its text. */
struct natport_session_field {
	const char *key, *value;
};

struct natport_session_ops {
	/* The owner's name for a state and an end reason in listings and
	 * events (SIP says "confirmed", "bye"); NULL: the neutral names. */
	const char *(*state_name)(enum natport_session_state st);
	const char *(*end_name)(enum natport_session_end why);
	/* Owner fields of a listing record (shown after the id and the
	 * kind, made printable by the listing): how many it filled. */
	unsigned int (*describe)(const struct natport_session *s,
				 struct natport_session_field *f,
				 unsigned int max);
	/* The session ends: free the owner's state. s is freed after. */
	void (*on_end)(struct natport_session *s);
};

struct natport_session {
	/* readable by everyone */
	uint64_t id; /* unique per daemon run; the mappings' owner */
	enum natport_session_kind kind;
	char *key; /* the owner's key, for display */
	const struct natport_session_ops *ops;
	void *owner; /* the owner's state; the core never reads it */
	struct natport_endpoint client; /* counts against; port 0 */
	enum natport_session_state state;
	enum natport_session_end end_reason;
	uint64_t created_ms, active_ms, last_activity_ms;
	unsigned int n_streams;
	struct natport_session_stream streams[NATPORT_SESSION_MAX_STREAMS];
	/* every mapping owned (current streams and ones a re-offer
	 * replaced); released together */
	unsigned int n_maps;
	uint32_t maps[NATPORT_SESSION_MAX_MAPS];
	/* idle detection: the last kernel packet sum and when it moved */
	uint64_t media_pkts, media_check_ms;

	struct natport_list age;    /* the table's list, oldest first */
	struct natport_hnode hash; /* the table's chain for its id */
};

enum natport_session_event {
	NATPORT_SESSION_EV_NEW,
	NATPORT_SESSION_EV_STATE,
	NATPORT_SESSION_EV_MEDIA,
	NATPORT_SESSION_EV_END,
};

typedef void (*natport_session_hook_fn)(enum natport_session_event ev,
					const struct natport_session *s,
					void *arg);
typedef int (*natport_session_fn)(struct natport_session *s, void *arg);

struct natport_session_table;
struct natport_quota;
struct natport_quality;

/* The table borrows the port manager and the quota (they outlive it). */
struct natport_session_table *natport_session_table_new(struct natport_pm *pm,
							struct natport_quota *q);
/* Ends every session (NATPORT_END_SHUTDOWN) and frees the table. */
void natport_session_table_free(struct natport_session_table *t);
/* For a stop that keeps the calls (natport_pm_detach after): from now on a
 * session that ends, as all do in the frees that follow, releases none of
 * its mappings and untracks no RTP statistics; the owners still free their
 * state (ops->on_end) and the end event is still reported. */
void natport_session_table_keep(struct natport_session_table *t);
void natport_session_table_set_hook(struct natport_session_table *t,
				    natport_session_hook_fn fn, void *arg);
/* RTP statistics (optional kernel module); NULL: none. */
void natport_session_table_set_quality(struct natport_session_table *t,
				       struct natport_quality *q);
struct natport_quality *
natport_session_table_quality(const struct natport_session_table *t);
struct natport_quota *
natport_session_table_quota(const struct natport_session_table *t);

/* A new session in state SETUP; NULL on ENOMEM. Emits EV_NEW when
 * natport_session_announce() is called (the owner fills in first). */
struct natport_session *
natport_session_new(struct natport_session_table *t,
		    enum natport_session_kind kind, const char *key,
		    const struct natport_session_ops *ops, void *owner,
		    uint64_t now_ms);
/* The same with the id a previous instance gave it (core/state.h), no
 * ops and owner yet (the owner sets them); NULL if the id is taken. */
struct natport_session *
natport_session_restore(struct natport_session_table *t, uint64_t id,
			enum natport_session_kind kind, const char *key,
			uint64_t now_ms);
void natport_session_announce(struct natport_session_table *t,
			      const struct natport_session *s);
/* The one way a session ends (see above). s is freed on return. */
void natport_session_end(struct natport_session_table *t,
			 struct natport_session *s,
			 enum natport_session_end why);

void natport_session_set_state(struct natport_session_table *t,
			       struct natport_session *s,
			       enum natport_session_state st, uint64_t now_ms);
/* Report a change of the session's media (mappings, remotes). */
void natport_session_media_changed(struct natport_session_table *t,
				   const struct natport_session *s);

struct natport_session *natport_session_find(struct natport_session_table *t,
					     uint64_t id);
/* The session owning a mapping id, or NULL (first one if shared). */
struct natport_session *
natport_session_find_map(struct natport_session_table *t, uint32_t id);
/* Oldest first; fn may end the session it is given. */
int natport_session_walk(struct natport_session_table *t, natport_session_fn fn,
			 void *arg);
unsigned int natport_session_count(const struct natport_session_table *t,
				   enum natport_session_kind kind);
/* Sessions ended for each reason since start. */
uint64_t natport_session_ended(const struct natport_session_table *t,
			       enum natport_session_end why);

/* Mappings. own: take a reference for s (a second own of an id s owns
 * is a no-op). -1 when s owns NATPORT_SESSION_MAX_MAPS already or its
 * client has no quota left; a mapping nobody else holds is then released
 * at once, so a refusal leaves nothing behind. */
int natport_session_own(struct natport_session_table *t,
			struct natport_session *s, uint32_t id);
int natport_session_owns(const struct natport_session *s, uint32_t id);
/* Drop s's reference to id (the mapping is released if it was the last). */
void natport_session_drop(struct natport_session_table *t,
			  struct natport_session *s, uint32_t id);
/* Drop the mappings no stream uses any more (a re-offer replaced them). */
void natport_session_drop_stale(struct natport_session_table *t,
				struct natport_session *s);
/* Drop every mapping (idempotent); the streams lose their ids. */
void natport_session_release(struct natport_session_table *t,
			     struct natport_session *s);
/* Sum of the kernel packet counters of the session's mappings. */
uint64_t natport_session_packets(struct natport_session_table *t,
				 const struct natport_session *s);

const char *natport_session_kind_name(enum natport_session_kind k);
const char *natport_session_state_name(const struct natport_session *s);
const char *natport_session_end_name(const struct natport_session *s);
/* Neutral names: "setup", "early", "active", "ended"; "hangup", ... */
const char *natport_session_state_neutral(enum natport_session_state st);
const char *natport_session_end_neutral(enum natport_session_end why);

#endif /* NATPORT_CORE_SESSION_H */
