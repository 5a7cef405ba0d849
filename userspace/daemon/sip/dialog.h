/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * call.h - the call table: one entry per SIP call (Call-ID) whose media
 * nat-portd maps, with its parties, state, age, streams and the ids of the
 * port-manager mappings each stream uses.
 *
 * Readers (the control socket, nat-portctl) walk it with
 * natport_call_foreach() and read the fields documented below; they never
 * change it. Changes are reported through one hook
 * (natport_call_table_set_hook): call created, state changed, media
 * changed (mappings got, remote updated, released) and call ended. The
 * hook runs synchronously on the event loop's thread and must not change
 * the table.
 *
 * Ownership: the table owns its calls. The media module owns the mappings
 * (natport_media_*); a call only records their ids. natport_call_del()
 * frees a call whose media was released.
 */
#ifndef NATPORT_CALL_H
#define NATPORT_CALL_H

#include <stddef.h>
#include <stdint.h>

#include <natport/natport.h>

#include "media/sdp.h"

enum natport_side {
	NATPORT_SIDE_LAN,
	NATPORT_SIDE_WAN,
};

enum natport_call_state {
	NATPORT_CALL_TRYING,    /* INVITE forwarded, no answer yet */
	NATPORT_CALL_EARLY,     /* provisional answer with a to-tag */
	NATPORT_CALL_CONFIRMED, /* 2xx seen */
	NATPORT_CALL_ENDED,     /* released; about to be freed */
};

enum natport_call_end {
	NATPORT_END_NONE,
	NATPORT_END_BYE,
	NATPORT_END_CANCEL,
	NATPORT_END_REJECTED,      /* final failure answer */
	NATPORT_END_INVITE_TIMEOUT,
	NATPORT_END_IDLE_TIMEOUT,  /* dialog-timeout: no SIP, no media */
	NATPORT_END_REFUSED,       /* we refused the first offer (488, 503) */
	NATPORT_END_SHUTDOWN,
};

#define NATPORT_CALL_MAX_TAGS 8    /* forks tracked per call */
#define NATPORT_CALL_MAX_MAPS 64   /* mappings a call may own */

/* One m= line. Mapping ids are 0 when there is none (ids start at 1). */
struct natport_call_stream {
	char media[16];
	int disabled, rtcp_mux, hold;
	enum natport_sdp_dir dir;
	uint32_t rtp_id, rtcp_id;
	struct natport_endpoint internal_rtp, internal_rtcp; /* LAN phone */
	struct natport_endpoint external_rtp, external_rtcp; /* router WAN */
	struct natport_endpoint remote_rtp, remote_rtcp;     /* far end */
	int remote_hold; /* the far end's SDP put this stream on hold */
	/* first format of the latest SDP (the negotiated codec in an
	 * answer) and its clock rate; -1 / 0 when not RTP */
	int payload_type;
	uint32_t clock_rate;
};

struct natport_call {
	/* readable by everyone */
	uint64_t serial;          /* unique per daemon run */
	char *call_id;
	char from[128], to[128];  /* URIs as the caller sent them */
	enum natport_side caller_side;
	struct natport_endpoint client; /* the LAN phone's SIP address */
	enum natport_call_state state;
	enum natport_call_end end_reason;
	uint64_t created_ms, confirmed_ms, last_sig_ms;
	unsigned int n_streams;
	struct natport_call_stream streams[NATPORT_SDP_MAX_STREAMS];
	/* every mapping the call owns (current streams and ones a re-offer
	 * replaced); released together */
	unsigned int n_maps;
	uint32_t maps[NATPORT_CALL_MAX_MAPS];

	/* the proxy's bookkeeping */
	char *invite_cseq;        /* CSeq number of the first INVITE */
	int offer_side;           /* side of the pending offer, -1 none */
	char *offer_cseq;         /* its CSeq number + method */
	unsigned int n_tags;
	char *tags[NATPORT_CALL_MAX_TAGS]; /* callee tags of 2xx answers */
	uint64_t refused_ms;      /* when its first answer was refused */
	char *lan_contact;        /* the LAN phone's Contact URI */
	uint64_t media_pkts;      /* last counter sum, for dialog-timeout */
	uint64_t media_check_ms;

	struct natport_call *hnext, *prev, *next;
};

enum natport_call_event_type {
	NATPORT_CALL_EV_NEW,
	NATPORT_CALL_EV_STATE,
	NATPORT_CALL_EV_MEDIA,
	NATPORT_CALL_EV_END,
};

typedef void (*natport_call_hook_fn)(enum natport_call_event_type type,
				     const struct natport_call *call,
				     void *arg);
typedef int (*natport_call_fn)(const struct natport_call *call, void *arg);

struct natport_call_table;

struct natport_call_table *natport_call_table_new(unsigned int max_calls);
/* Frees every call; the caller released their media first. */
void natport_call_table_free(struct natport_call_table *t);
void natport_call_table_set_hook(struct natport_call_table *t,
				 natport_call_hook_fn fn, void *arg);
void natport_call_table_set_max(struct natport_call_table *t,
				unsigned int max_calls);

/* NULL if absent. */
struct natport_call *natport_call_find(struct natport_call_table *t,
				       const char *call_id);
/* NULL on ENOMEM or when the table is full (errno ENOSPC). */
struct natport_call *natport_call_new(struct natport_call_table *t,
				      const char *call_id, uint64_t now_ms);
void natport_call_del(struct natport_call_table *t, struct natport_call *c);

void natport_call_set_state(struct natport_call_table *t,
			    struct natport_call *c,
			    enum natport_call_state state, uint64_t now_ms);
void natport_call_emit(struct natport_call_table *t,
		       enum natport_call_event_type type,
		       const struct natport_call *c);

/* Remember a callee tag; 1 if new, 0 if known, -1 if full or ENOMEM. */
int natport_call_tag_add(struct natport_call *c, const char *tag);
/* Forget a callee tag; 1 if it was there. */
int natport_call_tag_del(struct natport_call *c, const char *tag);

/* Add a mapping id to the call's owned set (no duplicates); -1 if full. */
int natport_call_map_add(struct natport_call *c, uint32_t id);
int natport_call_map_owned(const struct natport_call *c, uint32_t id);

int natport_call_foreach(struct natport_call_table *t, natport_call_fn fn,
			 void *arg);
/* The owner's walk: fn may end and delete the call it is given. */
typedef int (*natport_call_walk_fn)(struct natport_call *call, void *arg);
int natport_call_walk(struct natport_call_table *t, natport_call_walk_fn fn,
		      void *arg);
unsigned int natport_call_count(const struct natport_call_table *t);
/* Calls created, ended, refused for lack of room, since start. */
void natport_call_table_counters(const struct natport_call_table *t,
				 uint64_t *created, uint64_t *ended,
				 uint64_t *full);

const char *natport_call_state_name(enum natport_call_state s);
const char *natport_call_end_name(enum natport_call_end e);
const char *natport_side_name(enum natport_side s);

#endif /* NATPORT_CALL_H */
