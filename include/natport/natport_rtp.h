/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR LGPL-2.1-or-later */
/*
 * natport_rtp.h - the whole contract between the natport_rtp kernel module
 * and userspace: a generic netlink family for per-stream RTP statistics.
 *
 * Protocol
 * --------
 * Family "natport_rtp" (NATPORT_RTP_GENL_NAME), genetlink header version
 * NATPORT_RTP_VERSION, multicast group "events" (NATPORT_RTP_MCGRP_EVENTS).
 * Every command needs CAP_NET_ADMIN over the network namespace of the
 * socket (GENL_UNS_ADMIN_PERM: root of a container may manage the streams
 * of its own namespace, and only those). Each network namespace has its
 * own stream table; a socket sees the table of its namespace only.
 *
 * Versions: every request carries NATPORT_RTP_VERSION in the genetlink
 * header's version field. The module refuses a request of another version
 * with -EPROTONOSUPPORT and an extended-ack message naming both versions.
 * A client starts with NATPORT_CMD_HELLO carrying NATPORT_A_VERSION; the
 * reply carries the module's NATPORT_A_VERSION, NATPORT_A_MARK_TAG and
 * NATPORT_A_MARK_MASK, and the client refuses a module of another version.
 * A change in the meaning of an existing attribute or command bumps
 * NATPORT_RTP_VERSION; new optional attributes do not.
 *
 * A stream is one natport mapping, keyed by the ORIGINAL tuple's
 * destination of its conntrack entry: the external (WAN) address and UDP
 * port of the mapping (NATPORT_A_FAMILY + NATPORT_A_ADDR4 or
 * NATPORT_A_ADDR6 + NATPORT_A_PORT). The module counts a forwarded packet
 * for a stream only if its conntrack entry has
 * (ct mark & mark_mask) == (mark_tag & mark_mask) and ct mark > mark_tag
 * (module parameters, default NATPORT_CT_MARK_TAG / NATPORT_CT_MARK_BLOCK
 * of natport.h: the library's tag + id, every id) and its
 * original destination is the stream's key. Direction IN (0) is the
 * conntrack ORIGINAL direction (remote -> client), OUT (1) is REPLY
 * (client -> remote).
 *
 * Commands (requests are sent to the family; all are NLM_F_REQUEST):
 *
 *   NATPORT_CMD_HELLO        A_VERSION (required)
 *                            reply: A_VERSION, A_MARK_TAG, A_MARK_MASK,
 *                            A_STREAMS (streams in this namespace)
 *   NATPORT_CMD_STREAM_ADD   key (required), A_CLOCK_RATE (required,
 *                            Hz of the payload type), A_PAYLOAD_TYPE
 *                            (optional: jitter only from packets of this
 *                            type, e.g. not from telephone-event),
 *                            A_FLAGS (NATPORT_F_STRICT), A_SILENT_MS
 *                            (silence event threshold, default 5000,
 *                            0 = no silence events), A_MAPPING_ID
 *                            (echoed in replies and events).
 *                            -EEXIST if the key is registered (with
 *                            NLM_F_REPLACE: settings replaced, statistics
 *                            kept), -ENOSPC over the per-namespace limit.
 *   NATPORT_CMD_STREAM_DEL   key. -ENOENT if unknown.
 *   NATPORT_CMD_STREAM_GET   doit with key: one stream; dump (NLM_F_DUMP):
 *                            every stream of the namespace. Each reply
 *                            carries the key, the settings and one nested
 *                            NATPORT_A_DIR_IN and NATPORT_A_DIR_OUT with
 *                            NATPORT_S_* statistics.
 *
 * Events (multicast, group "events", command NATPORT_CMD_EVENT): key,
 * A_MAPPING_ID, A_EVENT (enum natport_rtp_ev), A_DIRECTION and
 *   SILENT:  A_SILENT_MS, no packet for that long in that direction
 *   RESUMED: packets again after SILENT
 *   SSRC:    A_SSRC_OLD, A_SSRC_NEW (the SSRC the stream changed to)
 * Events are coalesced by a worker (at most one of each kind per stream
 * and direction per 250 ms), never sent from the packet path.
 *
 * Statistics (per stream and direction, NATPORT_S_*), following RFC 3550:
 *   PACKETS/BYTES   every packet of the stream seen after NAT, bytes are
 *                   the IP packet's length (header included)
 *   RTP, RTCP       RTP / RTCP version 2 packets; RTCP is recognised on a
 *                   muxed port too (RFC 5761: second byte 192..223, i.e.
 *                   payload type 64..95 with the marker bit, covering
 *                   SR/RR/SDES/BYE/APP 200..204 and feedback/XR)
 *   NOT_RTP         packets too short or not version 2
 *   DROPPED         packets dropped by NATPORT_F_STRICT (never without it)
 *   SSRC            SSRC of the current source; SSRC_CHANGES how often it
 *                   changed (the first SSRC is not a change)
 *   EXT_MAX_SEQ     highest extended sequence number of the current source
 *                   (RFC 3550 A.1: cycles << 16 | max_seq)
 *   EXPECTED, LOST  RFC 3550 A.3, summed over every source the stream had:
 *                   expected = ext_max - base_seq + 1 per source, lost =
 *                   expected - received (negative with duplicates)
 *   JITTER          RFC 3550 6.4.1/A.8 interarrival jitter of the current
 *                   source in timestamp units, arrival time taken by the
 *                   module at the hook in units of A_CLOCK_RATE
 *   LAST_NS         CLOCK_MONOTONIC ns of the last packet, 0 = none yet
 *   Sequence state follows RFC 3550 A.1 (MAX_DROPOUT 3000, MAX_MISORDER
 *   100) without probation: signaling already announced the stream.
 *
 * Policy: the module never modifies a packet, and drops one only on a
 * stream registered with NATPORT_F_STRICT when it is not RTP/RTCP v2.
 */
#ifndef NATPORT_NATPORT_RTP_H
#define NATPORT_NATPORT_RTP_H

#define NATPORT_RTP_GENL_NAME "natport_rtp"
#define NATPORT_RTP_MCGRP_EVENTS "events"
#define NATPORT_RTP_VERSION 1

#define NATPORT_RTP_SILENT_MS_DEFAULT 5000
#define NATPORT_RTP_SILENT_MS_MAX 3600000
#define NATPORT_RTP_CLOCK_RATE_MAX 1000000

enum natport_rtp_cmd {
	NATPORT_CMD_UNSPEC,
	NATPORT_CMD_HELLO,
	NATPORT_CMD_STREAM_ADD,
	NATPORT_CMD_STREAM_DEL,
	NATPORT_CMD_STREAM_GET,
	NATPORT_CMD_EVENT,
	__NATPORT_CMD_MAX
};
#define NATPORT_CMD_MAX (__NATPORT_CMD_MAX - 1)

enum natport_rtp_attr {
	NATPORT_A_UNSPEC,
	NATPORT_A_VERSION,	/* u32 */
	NATPORT_A_MARK_TAG,	/* u32 */
	NATPORT_A_MARK_MASK,	/* u32 */
	NATPORT_A_STREAMS,	/* u32 */
	NATPORT_A_FAMILY,	/* u8: AF_INET or AF_INET6 */
	NATPORT_A_ADDR4,	/* 4 bytes, network order */
	NATPORT_A_ADDR6,	/* 16 bytes, network order */
	NATPORT_A_PORT,		/* u16, host order, not 0 */
	NATPORT_A_MAPPING_ID,	/* u32 */
	NATPORT_A_PAYLOAD_TYPE,	/* u8, 0..127 */
	NATPORT_A_CLOCK_RATE,	/* u32, 1..NATPORT_RTP_CLOCK_RATE_MAX Hz */
	NATPORT_A_FLAGS,	/* u32, NATPORT_F_* */
	NATPORT_A_SILENT_MS,	/* u32, 0..NATPORT_RTP_SILENT_MS_MAX */
	NATPORT_A_DIR_IN,	/* nested NATPORT_S_* */
	NATPORT_A_DIR_OUT,	/* nested NATPORT_S_* */
	NATPORT_A_EVENT,	/* u8, enum natport_rtp_ev */
	NATPORT_A_DIRECTION,	/* u8, enum natport_rtp_dir */
	NATPORT_A_SSRC_OLD,	/* u32 */
	NATPORT_A_SSRC_NEW,	/* u32 */
	NATPORT_A_PAD,
	__NATPORT_A_MAX
};
#define NATPORT_A_MAX (__NATPORT_A_MAX - 1)

enum natport_rtp_stat {
	NATPORT_S_UNSPEC,
	NATPORT_S_PACKETS,	/* u64 */
	NATPORT_S_BYTES,	/* u64 */
	NATPORT_S_RTP,		/* u64 */
	NATPORT_S_RTCP,		/* u64 */
	NATPORT_S_NOT_RTP,	/* u64 */
	NATPORT_S_DROPPED,	/* u64 */
	NATPORT_S_SSRC,		/* u32 */
	NATPORT_S_SSRC_CHANGES,	/* u32 */
	NATPORT_S_EXT_MAX_SEQ,	/* u32 */
	NATPORT_S_EXPECTED,	/* u64 */
	NATPORT_S_LOST,		/* s64 */
	NATPORT_S_JITTER,	/* u32, timestamp units */
	NATPORT_S_LAST_NS,	/* u64, CLOCK_MONOTONIC */
	NATPORT_S_PAD,
	__NATPORT_S_MAX
};
#define NATPORT_S_MAX (__NATPORT_S_MAX - 1)

enum natport_rtp_dir {
	NATPORT_RTP_DIR_IN,	/* conntrack ORIGINAL: remote -> client */
	NATPORT_RTP_DIR_OUT,	/* conntrack REPLY: client -> remote */
};

enum natport_rtp_ev {
	NATPORT_EV_SILENT = 1,
	NATPORT_EV_RESUMED,
	NATPORT_EV_SSRC,
};

/* NATPORT_A_FLAGS */
#define NATPORT_F_STRICT 0x1u /* drop packets that are not RTP/RTCP v2 */
#define NATPORT_F_ALL NATPORT_F_STRICT

#endif /* NATPORT_NATPORT_RTP_H */
