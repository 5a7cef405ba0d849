/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ngmsg.h - rtpengine's "ng" control messages: a datagram parsed into a
 * typed request, and the replies built back, for a front end that lets
 * Kamailio's and OpenSIPS's rtpengine modules drive nat-portd.
 *
 * Wire format (rtpengine docs/ng_control_protocol.md): a cookie, one
 * space, a bencoded dict. The reply is the same cookie, a space and a
 * dict with "result": "ok" (offer/answer add "sdp"; query and delete add
 * "created", "last signal", "tags", "totals"), "pong" for ping, or
 * "error" with "error-reason". A datagram without a cookie gets no reply
 * (rtpengine drops it too: there is nothing to match a reply to).
 *
 * Keys and flags compare as rtpengine spells them, except that a space,
 * a hyphen and an underscore are the same character and letters compare
 * without case ("SIP source address" = "sip-source-address"): the modules
 * and rtpengine's own list use all of these forms.
 *
 * What the parser decides, so the front end never half-does a request:
 *
 *  - wrong types (a list where a string belongs, an integer for call-id,
 *    a received-from that is not two strings...) are errors, worded as
 *    rtpengine words them where it has a word for it;
 *  - commands and options natport cannot do with the kernel forwarding
 *    plain UDP between the two sides (transcoding and codec changes,
 *    RTP<->SRTP or AVP<->AVPF bridging, DTLS or ICE termination, rtcp-mux
 *    demultiplexing, recording, playing media or DTMF, repacketizing,
 *    T.38 gateway) are errors whose reason says what was asked and that
 *    natport cannot do it; SRTP and DTLS-SRTP pass through end to end;
 *  - flags it does not know are collected in unknown[] for the front end
 *    to log once and otherwise ignore, as rtpengine does.
 *
 * Memory: a parsed request points into the datagram and into the nodes
 * the caller gave the decoder; both must outlive it. Nothing allocates.
 */
#ifndef NATPORT_NG_NGMSG_H
#define NATPORT_NG_NGMSG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bencode.h"

#define NATPORT_NG_COOKIE_MAX 128  /* longer cookies are refused */
#define NATPORT_NG_DGRAM_MAX 65535 /* one UDP datagram */
#define NATPORT_NG_NODES 2048	   /* values per request (decoder cap) */
#define NATPORT_NG_UNKNOWN_MAX 16  /* unknown flags kept per request */

enum natport_ng_cmd {
	NATPORT_NG_PING = 1,
	NATPORT_NG_OFFER,
	NATPORT_NG_ANSWER,
	NATPORT_NG_DELETE,
	NATPORT_NG_QUERY,
	NATPORT_NG_LIST,
};

struct natport_ng_str {
	const char *p; /* not terminated; NULL when absent */
	size_t len;
};

/* flags[] the codec knows; every other flag lands in unknown[]. */
enum natport_ng_flag {
	NATPORT_NG_F_TRUST_ADDRESS = 1u << 0,
	NATPORT_NG_F_SIP_SOURCE_ADDRESS = 1u << 1,
	NATPORT_NG_F_SYMMETRIC = 1u << 2,
	NATPORT_NG_F_ASYMMETRIC = 1u << 3,
	NATPORT_NG_F_STRICT_SOURCE = 1u << 4,
	NATPORT_NG_F_PORT_LATCHING = 1u << 5,
	NATPORT_NG_F_NO_PORT_LATCHING = 1u << 6,
	NATPORT_NG_F_FATAL = 1u << 7,  /* delete: unknown call is an error */
	NATPORT_NG_F_FAST = 1u << 8,   /* delete: no statistics in reply */
	NATPORT_NG_F_TO_TAG = 1u << 9, /* delete: honour to-tag */
	NATPORT_NG_F_ALL = 1u << 10,
	NATPORT_NG_F_RESET = 1u << 11,
	NATPORT_NG_F_EARLY_MEDIA = 1u << 12,
	NATPORT_NG_F_NO_RTCP_ATTR = 1u << 13,
	NATPORT_NG_F_FULL_RTCP_ATTR = 1u << 14,
	NATPORT_NG_F_LOOP_PROTECT = 1u << 15,
	NATPORT_NG_F_ORIGINAL_SENDRECV = 1u << 16,
	NATPORT_NG_F_DIRECTIONAL = 1u << 17,
	NATPORT_NG_F_UNIDIRECTIONAL = 1u << 18,
	NATPORT_NG_F_PROVISIONAL = 1u << 19,
	NATPORT_NG_F_MEDIA_HANDOVER = 1u << 20,
	NATPORT_NG_F_REJECT_ICE = 1u << 21,
	NATPORT_NG_F_PASSTHROUGH = 1u << 22,
	NATPORT_NG_F_NEW_BRANCH = 1u << 23,
	NATPORT_NG_F_INACTIVE = 1u << 24,
};

enum natport_ng_replace {
	NATPORT_NG_R_ORIGIN = 1u << 0,
	NATPORT_NG_R_SESSION_CONNECTION = 1u << 1,
	NATPORT_NG_R_ZERO_ADDRESS = 1u << 2,
};

enum natport_ng_ice {
	NATPORT_NG_ICE_DEFAULT = 0, /* key absent or "default" */
	NATPORT_NG_ICE_REMOVE,
};

enum natport_ng_rtcp_mux {
	NATPORT_NG_MUX_ACCEPT = 1u << 0,
	NATPORT_NG_MUX_REJECT = 1u << 1,
};

enum natport_ng_side {
	NATPORT_NG_SIDE_UNKNOWN = 0, /* a name the front end must map */
	NATPORT_NG_SIDE_LAN,
	NATPORT_NG_SIDE_WAN,
};

enum natport_ng_sipmsg {
	NATPORT_NG_SIP_UNKNOWN = 0,
	NATPORT_NG_SIP_REQUEST,
	NATPORT_NG_SIP_REPLY,
};

struct natport_ng_addr {
	int family; /* AF_INET, AF_INET6, 0 = absent */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

struct natport_ng_req {
	struct natport_ng_str cookie;
	enum natport_ng_cmd cmd;
	struct natport_ng_str command; /* as sent */

	struct natport_ng_str call_id, from_tag, to_tag, via_branch;
	struct natport_ng_str sdp;
	struct natport_ng_str label;
	/* "transport-protocol": only "accept" or an RTP profile equal to
	 * every m= line's of the SDP gets this far (no bridging) */
	struct natport_ng_str transport_protocol;
	enum natport_ng_sipmsg sip_message_type;
	int64_t sip_code; /* 0 when absent */

	uint32_t flags;	  /* enum natport_ng_flag */
	uint32_t replace; /* enum natport_ng_replace */
	enum natport_ng_ice ice;
	uint32_t rtcp_mux; /* enum natport_ng_rtcp_mux */
	bool supports_load_limit;

	/* "direction": [from, to]; n_direction 0 or 2 */
	unsigned int n_direction;
	struct natport_ng_str direction[2];
	enum natport_ng_side side[2];

	struct natport_ng_addr received_from; /* "received-from" */
	struct natport_ng_addr media_address; /* "media address" */
	int address_family;		      /* "address family": AF_* */

	bool has_delete_delay;
	int64_t delete_delay; /* seconds, >= 0 */
	int64_t limit;	      /* list: 0 = default */

	/* flags natport does not know, and how many more were dropped */
	unsigned int n_unknown, unknown_dropped;
	struct natport_ng_str unknown[NATPORT_NG_UNKNOWN_MAX];
};

enum natport_ng_parse_result {
	NATPORT_NG_OK = 0,
	NATPORT_NG_NOREPLY = -1, /* no cookie: drop the datagram */
	NATPORT_NG_ERROR = -2,	 /* cookie set; reply with reason */
};

/*
 * natport_ng_parse - parse one datagram (len bytes) into req, using the
 * caller's nodes (NATPORT_NG_NODES is plenty) for the decoder. On
 * NATPORT_NG_ERROR the reason (for "error-reason") is in reason.
 */
int natport_ng_parse(struct natport_ng_req *req, const char *dgram, size_t len,
		     struct natport_benc_node *nodes, uint32_t nnodes,
		     char *reason, size_t reasonlen);

/* Map a direction name to a side: internal, int, priv, private, lan,
 * inside -> LAN; external, ext, pub, public, wan, outside -> WAN. */
enum natport_ng_side natport_ng_side_of(const char *name, size_t len);

/* The flag's ng name for logs ("trust-address"), or NULL. */
const char *natport_ng_flag_name(enum natport_ng_flag f);

/* ------------------------------------------------------------------ */
/* Replies. Each writes cookie, space, dict into buf and returns the
 * length, or -1 with errno ENOBUFS when cap is too small. */

ssize_t natport_ng_reply_pong(char *buf, size_t cap,
			      const struct natport_ng_str *cookie);
ssize_t natport_ng_reply_error(char *buf, size_t cap,
			       const struct natport_ng_str *cookie,
			       const char *reason);
/* ok with the rewritten sdp (offer, answer); warning may be NULL. */
ssize_t natport_ng_reply_sdp(char *buf, size_t cap,
			     const struct natport_ng_str *cookie,
			     const char *sdp, size_t sdplen,
			     const char *warning);
/* ok, nothing else but an optional warning (delete without stats). */
ssize_t natport_ng_reply_ok(char *buf, size_t cap,
			    const struct natport_ng_str *cookie,
			    const char *warning);
/* ok with "calls": the list command. */
ssize_t natport_ng_reply_list(char *buf, size_t cap,
			      const struct natport_ng_str *cookie,
			      const struct natport_ng_str *call_ids, size_t n);

struct natport_ng_counters {
	uint64_t packets, bytes, errors;
};

/*
 * One direction of an RTP stream as the optional natport_rtp module
 * counts it (RFC 3550). The reply carries it under rtpengine's names
 * ("SSRC", "ingress SSRCs", "egress SSRCs", "cumulative loss", "last RTP
 * seq") plus "jitter" (ms) and "packet loss" (percent), which rtpengine
 * only gives inside its RTCP-derived MOS blocks. valid false: the module
 * is not loaded or saw no RTP yet; then the keys are left out, not zero.
 */
struct natport_ng_rtp_info {
	bool valid;
	uint32_t ssrc;
	uint64_t packets, bytes; /* RTP packets of the direction */
	uint32_t last_seq;	 /* extended highest sequence number */
	int64_t lost;		 /* cumulative; negative with duplicates */
	uint32_t jitter_ms;	 /* rounded */
	uint32_t loss_pct;	 /* lost / expected, rounded percent */
	int64_t last_packet;	 /* UNIX seconds; 0: not known */
};

struct natport_ng_stream_info {
	uint16_t local_port; /* the external port natport holds; 0 = none */
	struct natport_ng_addr endpoint; /* where media goes; family 0 = none */
	uint16_t endpoint_port;
	bool rtcp;
	bool have_out; /* stats_out known (the entry is installed) */
	/* stats: what the endpoint sent (rtpengine's, received on the
	 * local port); stats_out: what natport delivered to it */
	struct natport_ng_counters stats, stats_out;
	/* RTP streams only: in, what the endpoint sent; out, to it */
	struct natport_ng_rtp_info rtp_in, rtp_out;
};

#define NATPORT_NG_QUERY_STREAMS 2 /* RTP, RTCP */

struct natport_ng_media_info {
	const char *type;     /* "audio", "video" */
	const char *protocol; /* "RTP/AVP" ... */
	bool rtcp_mux;
	unsigned int n_streams;
	struct natport_ng_stream_info streams[NATPORT_NG_QUERY_STREAMS];
};

struct natport_ng_tag_info {
	struct natport_ng_str tag; /* may be empty: the side not yet seen */
	int64_t created;
	struct natport_ng_str label;		/* may be absent */
	struct natport_ng_str in_dialogue_with; /* may be absent */
	unsigned int n_medias;
	const struct natport_ng_media_info *medias;
};

struct natport_ng_query_info {
	int64_t created, last_signal; /* UNIX seconds */
	unsigned int n_tags;
	const struct natport_ng_tag_info *tags; /* any order; sorted here */
	struct natport_ng_counters rtp, rtcp;	/* totals */
};

/*
 * natport_ng_reply_query - ok with created, last signal, tags, totals
 * (the query reply; delete without "fast" sends the same), and "SSRC",
 * every valid rtp_in/rtp_out by its decimal SSRC, when there is one. At
 * most 8 tags. warning may be NULL.
 */
ssize_t natport_ng_reply_query(char *buf, size_t cap,
			       const struct natport_ng_str *cookie,
			       const struct natport_ng_query_info *q,
			       const char *warning);

#endif
