/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sip_msg.h - the pure parts of proxying a SIP message, on libosip2:
 * parsing with the checks libosip2 leaves to its caller, Via handling
 * (RFC 3261 section 16.6 / 18.2.2, RFC 3581 received/rport), the stateless
 * branch with its loop-detection half (RFC 3261 section 16.3 step 4 and
 * 16.11), URI <-> endpoint, and locally generated responses.
 *
 * No I/O, no global state except libosip2's parser tables (call
 * natport_sip_msg_init() once). Only SIP code includes this header.
 */
#ifndef NATPORT_SIP_MSG_H
#define NATPORT_SIP_MSG_H

#include <stddef.h>
#include <stdint.h>

#include <osipparser2/osip_parser.h>

#include <natport/natport.h>

#define NATPORT_SIP_BRANCH_LEN 48

/* Why a message was refused: the SIP status to answer with (0 = drop). */
struct natport_sip_parse_err {
	int status;
	char reason[160];
};

void natport_sip_msg_init(void);

/* natport_sip_msg_parse - parse buf[0..len) and check what a proxy relies
 * on: start line, Via, From, To, Call-ID, CSeq (number and method, method
 * equal to a request's), Content-Length not beyond the datagram (a shorter
 * one truncates the body, RFC 3261 section 18.3), at most one body (a
 * multipart one is kept as sent, as one body), a sip: or sips:
 * Request-URI without headers, one From, To, Call-ID, CSeq and
 * Max-Forwards, no URI with headers outside <>, no
 * Proxy-Require. The answers follow RFC 4475: a request that does not
 * parse, or lacks From, To or Call-ID, is still answered with 400 when
 * its Via and CSeq allow (rebuilt from what parses); 416 for a scheme
 * other than sip/sips, 505 for a version other than SIP/2.0, 420 for a
 * Proxy-Require; responses and ACKs are dropped. Returns the message,
 * or NULL with perr filled. With perr->status nonzero the message could
 * be parsed far enough to answer: *answerable then holds it (the caller
 * frees it). */
osip_message_t *natport_sip_msg_parse(const char *buf, size_t len,
				      struct natport_sip_parse_err *perr,
				      osip_message_t **answerable);

/* natport_sip_msg_unmark - a request may carry a NUL as a quoted-pair
 * in a quoted string (RFC 3261 25.1, RFC 4475 3.1.1.2), which libosip2's
 * C strings cannot hold: natport_sip_msg_parse() parses it as a 0xff
 * byte (never in SIP text, refused where sent). Call this on every
 * serialized message before it is sent: it turns them back into NULs in
 * the headers of str[0..len) and returns how many. */
size_t natport_sip_msg_unmark(char *str, size_t len);

/* natport_sip_multipart_boundary - for a message whose multipart body
 * natport_sip_msg_parse() kept as sent (its Content-Type then is a plain
 * header, not m->content_type), the boundary, unquoted, in out. -1 if m
 * has no such body or the boundary does not fit.
 * natport_sip_multipart_strip - remove that plain Content-Type, for a
 * message whose body is being dropped. */
int natport_sip_multipart_boundary(osip_message_t *m, char *out, size_t len);
void natport_sip_multipart_strip(osip_message_t *m);

/* natport_sip_via_received - RFC 3581 section 4 / RFC 3261 18.2.1: on the
 * top Via of a received request set received=<src addr> when sent-by
 * differs from it, rport is present or the sender wrote a received= of
 * its own (replaced: only the packet's source counts), and fill
 * rport=<src port> when rport is present. Returns 0, -1 on ENOMEM. */
int natport_sip_via_received(osip_via_t *via,
			     const struct natport_endpoint *src);

/* natport_sip_via_target - where a response for this Via goes: received
 * over sent-by host, rport over sent-by port over 5060. -1 if the host is
 * not an IP literal. */
int natport_sip_via_target(osip_via_t *via, struct natport_endpoint *dst);

/* natport_sip_via_add - push a Via "SIP/2.0/<proto> <local>;branch=..."
 * on top. Returns 0, -1 on ENOMEM. */
int natport_sip_via_add(osip_message_t *m, const struct natport_endpoint *local,
			const char *proto, const char *branch);

/* natport_sip_via_is - the Via's sent-by is ep (address and port). */
int natport_sip_via_is(osip_via_t *via, const struct natport_endpoint *ep);

/* natport_sip_uri_endpoint - an IP-literal URI host and port (5060 when
 * absent). -1 for a host name. */
int natport_sip_uri_endpoint(const osip_uri_t *uri,
			     struct natport_endpoint *ep);
int natport_sip_uri_is(const osip_uri_t *uri, const struct natport_endpoint *ep);

/* natport_sip_branch - the branch this proxy puts in its Via:
 * "z9hG4bK" + H1 + "." + H2. H1 is a MAC (SipHash keyed by the secret)
 * over the received top Via (branch, sent-by, received, rport; for an
 * RFC 2543 client also Call-ID, From tag and CSeq number), so a
 * retransmission, its CANCEL and the ACK of a non-2xx answer get the same
 * branch and a response can be verified statelessly
 * (natport_sip_branch_check); H2 is the loop check over Request-URI,
 * Call-ID, From tag and CSeq number. Call after natport_sip_via_received.
 */
void natport_sip_branch(osip_message_t *req, uint64_t secret, char *out,
			size_t len);
/* natport_sip_branch_check - resp's top Via (ours) carries the H1 that
 * the Via below it yields: the response answers a request this router
 * forwarded with this secret. 0 for a forged or foreign one. */
int natport_sip_branch_check(osip_message_t *resp, uint64_t secret);
/* natport_sip_is_loop - a Via of ours carries the H2 this request yields. */
int natport_sip_is_loop(osip_message_t *req, uint64_t secret,
			const struct natport_endpoint *const *ours,
			unsigned int n_ours);

/* natport_sip_response - a response to req (Via, From, To, Call-ID, CSeq
 * copied; a To tag added for codes above 100 when there is none). */
osip_message_t *natport_sip_response(osip_message_t *req, int code,
				     const char *reason);

/* natport_sip_dialog_request - the ACK or BYE (method) that the caller of
 * an INVITE answered by resp (a 2xx) would send (RFC 3261 section 12.2.1.1):
 * Request-URI the 2xx's Contact, Route the first n_route Record-Route
 * entries of the 2xx (those between this proxy and the answerer) in
 * reverse, From, To (with the answerer's tag) and Call-ID copied, CSeq
 * "<cseq> <method>", Max-Forwards 70, no body and no Via (the sender adds
 * its own). NULL without a Contact or on ENOMEM. */
osip_message_t *natport_sip_dialog_request(osip_message_t *resp,
					   const char *method,
					   unsigned int n_route,
					   uint32_t cseq);

/* natport_sip_tag - the tag param of From or To, or NULL. */
const char *natport_sip_from_tag(osip_message_t *m);
const char *natport_sip_to_tag(osip_message_t *m);

/* natport_sip_max_forwards - the value, -1 if absent, -2 if malformed. */
int natport_sip_max_forwards(osip_message_t *m);
int natport_sip_set_max_forwards(osip_message_t *m, int v);

uint64_t natport_sip_hash(uint64_t h, const char *s);

#endif /* NATPORT_SIP_MSG_H */
