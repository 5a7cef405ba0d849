/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ngsdp.h - the few SDP edits the rtpengine modules ask for that the SIP
 * side never needs, done on the text before the body goes to media/ (the
 * one SDP parser and rewriter) and so without libosip2:
 *
 *  - ICE=remove: drop a=candidate, a=remote-candidates,
 *    a=end-of-candidates, a=ice-ufrag, a=ice-pwd, a=ice-options and
 *    a=ice-lite (the kernel answers no STUN, so candidates would only
 *    send the far end's checks nowhere);
 *  - rtcp-mux=reject: drop a=rtcp-mux, so each stream gets an RTCP port;
 *  - SIP-source-address: every c= address that is not a hold address
 *    (0.0.0.0, ::) becomes the address the SIP came from (received-from),
 *    as rtpengine does for a client behind another NAT.
 *
 * Lines keep their own endings; anything else passes byte for byte, so
 * media/sdp.c still sees, and checks, the body as it was sent.
 */
#ifndef NATPORT_NG_NGSDP_H
#define NATPORT_NG_NGSDP_H

#include <stdbool.h>
#include <stddef.h>

#include <natport/natport.h>

#define NATPORT_NGSDP_MAX_LEN 16384 /* = NATPORT_SDP_MAX_LEN */
#define NATPORT_NGSDP_PROTO_LEN 24

struct natport_ngsdp_edit {
	bool ice_remove, mux_reject;
	struct natport_endpoint c_addr; /* family AF_UNSPEC: keep c= */
};

/*
 * natport_ngsdp_edit - copy sdp[0..len) with the edits applied into a
 * malloc'd, NUL-terminated *out (*outlen without the NUL). Returns 0, or
 * -1 with errno (E2BIG: longer than NATPORT_NGSDP_MAX_LEN; ENOMEM).
 */
int natport_ngsdp_edit(const char *sdp, size_t len,
		       const struct natport_ngsdp_edit *e, char **out,
		       size_t *outlen);

/*
 * natport_ngsdp_addr - the first c= address that is not a hold address,
 * media level or session level, in *ep (port 0). Returns 0, or -1 when
 * there is none (every stream on hold, or no c= at all).
 */
int natport_ngsdp_addr(const char *sdp, size_t len,
		       struct natport_endpoint *ep);

/*
 * natport_ngsdp_protos - the transport of each m= line (at most max), as
 * written ("RTP/AVP"), cut to NATPORT_NGSDP_PROTO_LEN - 1. Returns how
 * many m= lines were seen (may exceed max).
 */
unsigned int natport_ngsdp_protos(const char *sdp, size_t len,
				  char (*proto)[NATPORT_NGSDP_PROTO_LEN],
				  unsigned int max);

#endif
