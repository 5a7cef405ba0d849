/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * streams.h - the glue between a session's SDP and its mappings, in the
 * seed's order. Front-end neutral: SIP hands it the bodies of its offers
 * and answers; an rtpengine-ng front end would hand it the same.
 *
 *  - SDP from the LAN phone (its offer, or its answer to the far end's
 *    offer): every enabled m= line gets a mapping for RTP and one for RTCP
 *    (one with a=rtcp-mux), and the SDP is rewritten to the external
 *    address and ports. A retransmission finds the same mappings and gets
 *    identical bytes. When it is an answer, the remote endpoints the far
 *    end offered are installed before the answer is forwarded.
 *  - SDP from the far end (its offer, or its answer to the phone's offer):
 *    the remote endpoints are recorded; when it is an answer they are
 *    installed (natport_pm_update_remote) before the answer is forwarded,
 *    so the phone's first RTP packet already takes the kernel path. Hold
 *    (c=0.0.0.0, a=inactive) leaves the mapping as it is.
 *
 * Security: an SDP from the LAN may only ask for media at the address its
 * SIP came from; one from the WAN may not point into the LAN, at the
 * router, at loopback or multicast. Either is refused (488). A client may
 * hold at most max-mappings-per-client mappings (core/quota.h; checked
 * before any port is allocated, 503 beyond), and running out of ports is
 * 503 too; a refused SDP leaves no mapping behind.
 *
 * Ownership: the session owns the mappings this module got for it
 * (core/session.h releases them). Returns are 0 or a status in SIP's
 * numbers (400, 488, 500, 503), which other front ends map to theirs.
 */
#ifndef NATPORT_MEDIA_STREAMS_H
#define NATPORT_MEDIA_STREAMS_H

#include <stddef.h>

#include <natport/natport.h>

#include "core/config.h"
#include "core/session.h"

struct natport_media;

struct natport_media_stats {
	uint64_t offers, answers, refused_addr, refused_cap, refused_noport,
		refused_sdp, kernel_errors;
	/* streams refused as their two ends are of different families:
	 * conntrack cannot forward between IPv4 and IPv6 (issue 16) */
	uint64_t refused_family;
	unsigned int clients;
};

struct natport_media *natport_media_new(struct natport_pm *pm,
					struct natport_session_table *sessions,
					const struct natport_config *cfg);
void natport_media_free(struct natport_media *m);
/* Apply the limits of a reloaded config. */
void natport_media_set_config(struct natport_media *m,
			      const struct natport_config *cfg);

/* natport_media_lan_sdp - SDP from the LAN phone at sig_src. On 0, *out
 * is the rewritten body (malloc'd; free it) or NULL if the SDP has no
 * stream to map. Otherwise a SIP status (400, 488, 500, 503) and reason. */
int natport_media_lan_sdp(struct natport_media *m, struct natport_session *s,
			  const char *body, size_t len,
			  const struct natport_endpoint *sig_src, int is_answer,
			  char **out, size_t *outlen, char *reason,
			  size_t rlen);

/* natport_media_wan_sdp - SDP from the far end; the body is forwarded
 * unchanged. 0, or a SIP status and reason. */
int natport_media_wan_sdp(struct natport_media *m, struct natport_session *s,
			  const char *body, size_t len, int is_answer,
			  char *reason, size_t rlen);

/*
 * natport_media_wan_sdp_to - the same for a front end that can forward a
 * changed body, with phone the phone's SIP address (its family is the
 * phone's media family until a mapping says otherwise; NULL or AF_UNSPEC:
 * unknown). A stream of the other family than the phone's is refused
 * (488, refused_family, a reason that names no address) unless the SDP
 * offers one of the phone's family (mixed families, issue 16):
 *
 *  - ANAT (RFC 4091): of each a=group:ANAT, the first alternative (in
 *    the group's order) of the phone's family is kept, the others are
 *    rejected (port 0) in the forwarded SDP and never mapped;
 *  - ICE (RFC 8445): a stream whose c= is of the other family takes its
 *    UDP component-1 candidate of the phone's family with the highest
 *    priority that the remote policy accepts, a public address before a
 *    private or unique-local one (RTCP: the component-2
 *    candidate of the same foundation, else port + 1); c=, m= and
 *    a=rtcp name it, and the stream's ICE attributes go (sdp.h).
 *
 * The same choice on the LAN side (natport_media_lan_sdp): an alternative
 * not of the phone's family is rejected, and a stream whose c= is of the
 * other family uses the candidate at the phone's own address.
 * On 0, *out is the body to forward (malloc'd; free it), or NULL when it
 * goes unchanged (byte for byte).
 */
int natport_media_wan_sdp_to(struct natport_media *m,
			     struct natport_session *c, const char *body,
			     size_t len, const struct natport_endpoint *phone,
			     int is_answer, char **out, size_t *outlen,
			     char *reason, size_t rlen);

void natport_media_get_stats(struct natport_media *m,
			     struct natport_media_stats *out);

#endif /* NATPORT_MEDIA_STREAMS_H */
