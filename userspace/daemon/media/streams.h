/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * media.h - the glue between a call's SDP and the port manager
 * (libnatport), in the seed's order:
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
 * hold at most max-mappings-per-client mappings (503 beyond), and running
 * out of ports is 503 too; a refused SDP leaves no mapping behind.
 *
 * Ownership: the media module owns every mapping it got. Mappings are
 * reference-counted across calls (two calls from one phone may reuse one
 * internal port); natport_media_release_call() drops a call's references
 * and releases what nobody uses any more. Returns are 0 or a SIP status.
 */
#ifndef NATPORT_MEDIA_H
#define NATPORT_MEDIA_H

#include <stddef.h>

#include <natport/natport.h>

#include "sip/dialog.h"
#include "core/config.h"

struct natport_media;

struct natport_media_stats {
	uint64_t offers, answers, refused_addr, refused_cap, refused_noport,
		refused_sdp, kernel_errors;
	unsigned int clients;
};

struct natport_media *natport_media_new(struct natport_pm *pm,
					struct natport_call_table *calls,
					const struct natport_config *cfg);
void natport_media_free(struct natport_media *m);
/* Apply the limits of a reloaded config. */
void natport_media_set_config(struct natport_media *m,
			      const struct natport_config *cfg);

/* natport_media_lan_sdp - SDP from the LAN phone at sig_src. On 0, *out
 * is the rewritten body (malloc'd; free it) or NULL if the SDP has no
 * stream to map. Otherwise a SIP status (400, 488, 500, 503) and reason. */
int natport_media_lan_sdp(struct natport_media *m, struct natport_call *c,
			  const char *body, size_t len,
			  const struct natport_endpoint *sig_src, int is_answer,
			  char **out, size_t *outlen, char *reason,
			  size_t rlen);

/* natport_media_wan_sdp - SDP from the far end; the body is forwarded
 * unchanged. 0, or a SIP status and reason. */
int natport_media_wan_sdp(struct natport_media *m, struct natport_call *c,
			  const char *body, size_t len, int is_answer,
			  char *reason, size_t rlen);

/* Release every mapping the call owns (idempotent). */
void natport_media_release_call(struct natport_media *m,
				struct natport_call *c);

/* Sum of the kernel packet counters of the call's mappings. */
uint64_t natport_media_call_packets(struct natport_media *m,
				    struct natport_call *c);

/* RTP statistics (optional kernel module): the media module tracks each
 * RTP mapping once its remote is installed and untracks it on release,
 * which logs its final loss and jitter. NULL q: none. */
struct natport_quality;
void natport_media_set_quality(struct natport_media *m,
			       struct natport_quality *q);
struct natport_quality *natport_media_quality(struct natport_media *m);

void natport_media_get_stats(struct natport_media *m,
			     struct natport_media_stats *out);

#endif /* NATPORT_MEDIA_H */
