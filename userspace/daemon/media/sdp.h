/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sdp.h - parse the SDP of a SIP message and rewrite its media addresses
 * and ports to the external ones the port manager handed out.
 *
 * Parsing and serialization are libosip2's (osipparser2/sdp_message.h).
 * libosip2 is lenient, so natport_sdp_parse() checks on top of it, and
 * refuses, anything it cannot stand behind:
 *
 *  - the body: 1..NATPORT_SDP_MAX_LEN bytes; every line "<x>=<value>"
 *    where x is one of the RFC 8866 lower-case type letters (so the seed's
 *    "C=IN IP 5.6.7.8:5678" is refused, section 5), ended by CRLF (a bare
 *    LF is accepted, section 5; a bare CR is not), including the last line
 *    (a missing final line ending means a truncated body); no empty line,
 *    no NUL or other control byte (tab excepted); bytes >= 0x80 only in
 *    free-text lines (s=, i=, e=, p=, u=, k=, a=); nothing libosip2
 *    silently dropped (it stops at an empty line and ignores lines out of
 *    order in places: every line must come back in its parse);
 *  - v=0; o= with six fields, nettype IN, addrtype IP4 or IP6; s= and t=
 *    present;
 *  - c=: exactly "IN IP4 <dotted quad>" or "IN IP6 <address>", an address
 *    literal of that family (no FQDN), no port (section 5.7), no
 *    multicast address or /ttl or /count form; one per media at most;
 *  - m=: at most NATPORT_SDP_MAX_STREAMS; port 0..65535 in decimal, no
 *    "/<number of ports>"; at least one format; RTP profiles (proto
 *    "RTP/..." or ".../RTP/...") need formats 0..127; a stream with a port needs a c=,
 *    its own or the session's;
 *  - a=rtcp:<port> [IN IP4|IP6 <addr>] (RFC 3605) only at media level, at
 *    most once, only on RTP streams, port 1..65535; a=rtpmap well formed;
 *    at most one direction attribute per level;
 *  - a=mid:<token> (RFC 5888) at media level, at most once per stream,
 *    unique in the body, at most NATPORT_SDP_MID_LEN - 1 bytes;
 *  - a=group:ANAT <mid>... (RFC 4091) at session level only: every mid it
 *    names is some stream's, no stream in two ANAT groups, and, as soon
 *    as there is one, every stream carries an a=mid (RFC 5888 section 5);
 *    other a=group semantics (BUNDLE, LS, ...) pass unchecked;
 *  - a=candidate (RFC 8445 section 5.1, RFC 5245 section 15.1) at media
 *    level: "<foundation> <component> <transport> <priority> <address>
 *    <port> typ <type> [raddr <a> rport <p>] [<name> <value>]...", the
 *    foundation 1..32 ice-chars, component 1..256, priority < 2^32, port
 *    0..65535, the address an IP literal or a host name (an mDNS name is
 *    kept, never used), the type a token. The first
 *    NATPORT_SDP_MAX_CANDS of a stream are kept in its table.
 *
 * Every error leaves a one-line reason in err, naming the line ("line 5:
 * ...") or the stream ("m= line 2: ...", "stream 1: ...", counted from 1).
 *
 * The rewrite works on a copy of the parsed message, so it can be called
 * any number of times on one parse and always yields the same bytes for
 * the same input (a retransmitted INVITE gets identical SDP). What it
 * changes, everything else staying as libosip2 serializes it (which
 * normalizes line endings to CRLF and puts s= after o=):
 *
 *  - m= port of each enabled stream: rw[i].rtp.port (1..65535);
 *  - c= of each enabled stream (media level if it has one, else the
 *    session's): rw[i].rtp's address, except that an unspecified address
 *    (c=0.0.0.0 or c=::, hold) stays as it was. When streams that inherit
 *    the session c= get different external addresses, the first one's goes
 *    into the session c= and the others get a media-level c= of their own;
 *  - a=rtcp (RFC 3605, RTP streams only; rtcp_port is ignored for
 *    others): with rw[i].rtcp_port != 0, "a=rtcp:<rtcp_port>"
 *    replaces the original a=rtcp, or is appended to the stream's
 *    attributes when there was none and rtcp_port != rtp.port + 1. With
 *    rtcp_port == 0 (allowed with a=rtcp-mux only) an original a=rtcp
 *    becomes "a=rtcp:<rtp port>" (RFC 5761 section 5.1.3). An a=rtcp that
 *    carried an address gets the external one (an unspecified one stays);
 *  - o= address and the c= and a=rtcp of disabled streams (which would
 *    otherwise show the LAN address) get the "default address": the first
 *    enabled stream's rw address, or, if no stream is enabled, rw[0].rtp's
 *    address when its family is set (else they stay as they were).
 *    Disabled streams keep port 0;
 *  - per stream, three other shapes (rw[i].how):
 *    NATPORT_SDP_RW_KEEP leaves the stream exactly as it was (and, when
 *    any stream is kept, o= and the c= of disabled streams too: the SDP
 *    of a far end, forwarded to the phone);
 *    NATPORT_SDP_RW_DROP rejects an alternative (RFC 4091 section 5): m=
 *    port 0, its c= (its own or, if it inherits one of the other family,
 *    a new media-level one) the default address when that is of its
 *    family, else the unspecified address of its family (0.0.0.0, ::),
 *    so it stays an alternative of its own address type and shows no LAN
 *    address; its ICE attributes go (below);
 *    NATPORT_SDP_RW_SET is the default one above;
 *  - rw[i].ice_strip (and every dropped stream): the stream's
 *    a=candidate, a=remote-candidates, a=end-of-candidates, a=ice-ufrag,
 *    a=ice-pwd, a=ice-options and a=ice-mismatch go, as the ng front end's
 *    ICE=remove does (the kernel answers no STUN: once natport picked the
 *    path, candidates could only send the other end's checks nowhere);
 *    the session-level ICE attributes (a=ice-ufrag, a=ice-pwd,
 *    a=ice-options, a=ice-lite) go too when no stream keeps a candidate.
 *
 * Ownership: natport_sdp_parse() fills caller storage and keeps the parsed
 * libosip2 message in sdp->priv; natport_sdp_free() releases it (safe on a
 * struct zeroed or freed before, and after a failed parse, which leaves
 * nothing allocated). Parsing again into a parsed struct leaks: free it
 * first. The rewritten body is malloc'd; the caller free()s it.
 * Threads: no shared state; distinct structs may be used concurrently.
 * This header includes no osip header: priv is only for sdp.c.
 */
#ifndef NATPORT_SDP_H
#define NATPORT_SDP_H

#include <stddef.h>
#include <stdint.h>

#include <natport/natport.h>

#define NATPORT_SDP_MAX_STREAMS 16
#define NATPORT_SDP_MAX_LEN 16384 /* larger bodies are refused */
#define NATPORT_SDP_PT_NONE 255   /* payload_type of a non-RTP stream */
#define NATPORT_SDP_MAX_CANDS 8   /* candidates kept per stream */
#define NATPORT_SDP_MID_LEN 33    /* a=mid value, with its NUL */
#define NATPORT_SDP_FOUNDATION_LEN 33 /* 32 ice-chars + NUL */

enum natport_sdp_dir {
	NATPORT_SDP_SENDRECV,
	NATPORT_SDP_SENDONLY,
	NATPORT_SDP_RECVONLY,
	NATPORT_SDP_INACTIVE,
};

/* One a=candidate line (RFC 8445 section 5.1). */
struct natport_sdp_cand {
	char foundation[NATPORT_SDP_FOUNDATION_LEN];
	uint16_t component; /* 1 RTP, 2 RTCP */
	int udp;            /* transport UDP (case-insensitive) */
	uint32_t priority;
	/* an IP literal and its port; AF_UNSPEC for a host name */
	struct natport_endpoint ep;
	char type[8]; /* "host", "srflx", "prflx", "relay" (cut) */
};

struct natport_sdp_stream {
	char media[16]; /* "audio", "video", "image", "text", "application" */
	/* AUDIO_RTP/AUDIO_RTCP, VIDEO_RTP/VIDEO_RTCP, or DATA/DATA */
	enum natport_port_type rtp_type, rtcp_type;
	char proto[32]; /* "RTP/AVP", "RTP/SAVP", "udptl", ... */
	/* effective c= address (media level over session level) + m= port;
	 * AF_UNSPEC for a disabled stream without any c= */
	struct natport_endpoint rtp;
	/* a=rtcp:<port> [IN IP4 addr], else rtp.port + 1 on the rtp
	 * address; all zero (AF_UNSPEC, port 0) with rtcp-mux, for non-RTP
	 * protos and for disabled streams */
	struct natport_endpoint rtcp;
	int rtcp_mux;                /* a=rtcp-mux */
	int has_rtcp_attr;           /* the stream carries a=rtcp */
	int disabled;                /* m= port 0 (RFC 3264 section 5.1) */
	enum natport_sdp_dir dir;    /* media over session, default sendrecv */
	/* c=0.0.0.0 (or c=::) (RFC 3264 section 8.4, RFC 2543 hold) or dir
	 * sendonly or inactive: not a new remote address */
	int hold;
	uint8_t payload_type; /* first format; NATPORT_SDP_PT_NONE if not RTP */
	uint32_t clock_rate;  /* a=rtpmap, else RFC 3551's static table, else 0 */
	char mid[NATPORT_SDP_MID_LEN]; /* a=mid, "" without */
	/* the ANAT group (RFC 4091) it is an alternative in, counted from 1
	 * in the body's order (0: none), and its place in that group's
	 * a=group line, 0 first: the offerer's preference (section 4) */
	unsigned int anat, anat_rank;
	unsigned int n_cands; /* kept in cands (the first MAX_CANDS) */
	struct natport_sdp_cand cands[NATPORT_SDP_MAX_CANDS];
};

struct natport_sdp {
	unsigned int n;
	struct natport_sdp_stream s[NATPORT_SDP_MAX_STREAMS];
	void *priv; /* opaque: the parsed libosip2 message, for rewriting */
};

enum natport_sdp_rw_how {
	NATPORT_SDP_RW_SET, /* rtp and rtcp_port below (the zero value) */
	NATPORT_SDP_RW_KEEP,
	NATPORT_SDP_RW_DROP,
};

/* One per stream, same index as natport_sdp.s; see the top comment. */
struct natport_sdp_rewrite {
	struct natport_endpoint rtp; /* external address + port to advertise */
	uint16_t rtcp_port;          /* external RTCP port; 0 with rtcp-mux */
	enum natport_sdp_rw_how how;
	int ice_strip; /* remove the stream's ICE attributes */
};

/* natport_sdp_parse - parse and validate body[0..len) (no NUL needed).
 * Returns 0, or -1 with the reason in err; *sdp holds nothing to free then. */
int natport_sdp_parse(struct natport_sdp *sdp, const char *body, size_t len,
		      char *err, size_t errlen);

/* natport_sdp_rewrite - serialize the parsed SDP with rw[0..sdp->n) applied.
 * *out is malloc'd and NUL-terminated, *outlen excludes the NUL. Returns 0,
 * or -1 with the reason in err (bad rw entry, a result longer than
 * NATPORT_SDP_MAX_LEN, out of memory) and *out NULL. Does not change sdp. */
int natport_sdp_rewrite(struct natport_sdp *sdp,
			const struct natport_sdp_rewrite *rw, char **out,
			size_t *outlen, char *err, size_t errlen);

/* natport_sdp_anat_pick - the stream natport keeps of stream i's ANAT
 * group: the first enabled member, in the a=group line's order, for which
 * usable(sdp, member, arg) says 1. i itself when it is in no group; -1
 * when no member is usable. */
int natport_sdp_anat_pick(const struct natport_sdp *sdp, unsigned int i,
			  int (*usable)(const struct natport_sdp *sdp,
					unsigned int k, void *arg),
			  void *arg);

/* natport_sdp_free - release what parse kept; the stream table stays. */
void natport_sdp_free(struct natport_sdp *sdp);

/* natport_sdp_dir_name - "sendrecv", "sendonly", "recvonly", "inactive". */
const char *natport_sdp_dir_name(enum natport_sdp_dir dir);

/*
 * Multipart bodies (RFC 2046 section 5.1, RFC 5621): the SDP travels as
 * one part of a multipart/mixed or multipart/alternative body.
 *
 * natport_sdp_mime_find - the first part of body[0..len) (delimited by
 * "--" boundary lines) whose Content-Type is application/sdp: its content
 * is body[*off .. *off + *plen), the CRLF before the next delimiter not
 * included. -1 if there is none or the body is not framed by boundary.
 *
 * natport_sdp_mime_splice - a copy of body with [off, off + plen)
 * replaced by repl[0..rlen), everything else byte for byte, in *out
 * (malloc'd, NUL-terminated) and *outlen. -1 on ENOMEM or a bad range.
 */
int natport_sdp_mime_find(const char *body, size_t len, const char *boundary,
			  size_t *off, size_t *plen);
int natport_sdp_mime_splice(const char *body, size_t len, size_t off,
			    size_t plen, const char *repl, size_t rlen,
			    char **out, size_t *outlen);

#endif /* NATPORT_SDP_H */
