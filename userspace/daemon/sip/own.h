/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * own.h - the requests nat-portd sends itself: the ACK and BYE that end
 * an answer the proxy refused (RFC 3261 section 13.2.2.4), and the BYE's
 * retransmission until a final answer (17.1.2, T1 doubling to T2).
 *
 * They carry a branch of their own (NATPORT_SIP_OWN_BRANCH...), which no
 * forwarded request's branch starts with, so their answers are recognised
 * and end here instead of being relayed.
 *
 * Ownership: the table owns the BYEs it retransmits (their text and
 * Call-ID); it borrows the transports and the config, which the proxy
 * keeps alive and in place for the table's life.
 */
#ifndef NATPORT_SIP_OWN_H
#define NATPORT_SIP_OWN_H

#include <stdint.h>

#include <osipparser2/osip_parser.h>

#include "core/config.h"
#include "sip/dialog.h"
#include "sip/transport.h"

#define NATPORT_SIP_OWN_BRANCH "z9hG4bKnpo"

struct natport_sip_own;

/* tp: the transports by enum natport_side and protocol (NULL where not
 * enabled; UDP always there); cfg: the router's addresses and policy (a
 * pointer into the proxy, updated in place on reload). */
struct natport_sip_own *natport_sip_own_new(
	struct natport_sip_transport *const tp[2][__NATPORT_SIP_PROTO_MAX],
	const struct natport_config *cfg, uint64_t secret);
void natport_sip_own_free(struct natport_sip_own *o);

/* natport_sip_own_send - send method ("ACK" or "BYE") with CSeq cseq in
 * the dialog the 2xx resp created, toward side (where resp came from),
 * along the Record-Route entries between the router and the answerer,
 * on the transport the target's URI names or else arrived, the one resp
 * came on (that side's transport: TCP or TLS too). A BYE is
 * retransmitted until answered. Returns 0, -1 when it could not be built
 * or sent. */
int natport_sip_own_send(struct natport_sip_own *o, osip_message_t *resp,
			 enum natport_side side, enum natport_sip_proto arrived,
			 const char *method, uint32_t cseq, uint64_t now_ms);

/* natport_sip_own_is_ours - the response's top Via is one of ours. */
int natport_sip_own_is_ours(osip_via_t *top);
/* natport_sip_own_answered - a response to one of ours: a final one ends
 * the BYE's retransmissions. */
void natport_sip_own_answered(struct natport_sip_own *o, osip_message_t *m);
/* natport_sip_own_retransmit - resend what is due; give up after about
 * 32 s. */
void natport_sip_own_retransmit(struct natport_sip_own *o, uint64_t now_ms);

/* Requests sent (first transmissions), for the proxy's counters. */
uint64_t natport_sip_own_sent(const struct natport_sip_own *o);

#endif /* NATPORT_SIP_OWN_H */
