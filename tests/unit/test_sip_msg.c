// SPDX-License-Identifier: GPL-2.0-or-later
/* test_sip_msg.c - parse checks, Via received/rport, branch and loops. */
#include <check.h>
#include <string.h>

#include <osipparser2/osip_port.h>

#include "sip/msg.h"
#include "unit_main.h"

#define INVITE(via, extra)                                         \
	"INVITE sip:1000@198.51.100.20 SIP/2.0\r\n"                \
	"Via: SIP/2.0/UDP " via "\r\n"                            \
	"From: <sip:a@192.0.2.10>;tag=f1\r\n"                      \
	"To: <sip:1000@198.51.100.20>\r\n"                         \
	"Call-ID: c1@192.0.2.10\r\n"                               \
	"CSeq: 1 INVITE\r\n" extra "Content-Length: 0\r\n\r\n"

static osip_message_t *parse(const char *s, struct natport_sip_parse_err *e,
			     osip_message_t **ans)
{
	return natport_sip_msg_parse(s, strlen(s), e, ans);
}

static struct natport_endpoint ep(const char *s)
{
	struct natport_endpoint e;

	ck_assert_int_eq(natport_endpoint_parse(s, &e), 0);
	return e;
}

static const char *param(osip_via_t *v, const char *name)
{
	osip_generic_param_t *p = NULL;

	osip_via_param_get_byname(v, (char *)name, &p);
	return p ? (p->gvalue ? p->gvalue : "") : NULL;
}

START_TEST(rport_filled)
{
	struct natport_sip_parse_err e;
	osip_message_t *a, *m;
	struct natport_endpoint src = ep("192.0.2.10:40000"), dst;
	osip_via_t *v;

	m = parse(INVITE("192.0.2.10:5060;branch=z9hG4bK1;rport", ""), &e, &a);
	ck_assert_ptr_nonnull(m);
	v = osip_list_get(&m->vias, 0);
	ck_assert_int_eq(natport_sip_via_received(v, &src), 0);
	/* RFC 3581 section 4: received even if the same, rport = port */
	ck_assert_str_eq(param(v, "received"), "192.0.2.10");
	ck_assert_str_eq(param(v, "rport"), "40000");
	ck_assert_int_eq(natport_sip_via_target(v, &dst), 0);
	ck_assert(natport_endpoint_equal(&dst, &src));
	osip_message_free(m);
}
END_TEST

START_TEST(no_rport)
{
	struct natport_sip_parse_err e;
	osip_message_t *a, *m;
	struct natport_endpoint src = ep("192.0.2.10:40000"), dst;
	osip_via_t *v;

	/* same host, no rport: nothing added, answer to sent-by */
	m = parse(INVITE("192.0.2.10:5062;branch=z9hG4bK1", ""), &e, &a);
	v = osip_list_get(&m->vias, 0);
	ck_assert_int_eq(natport_sip_via_received(v, &src), 0);
	ck_assert_ptr_null(param(v, "received"));
	ck_assert_int_eq(natport_sip_via_target(v, &dst), 0);
	ck_assert_int_eq(dst.port, 5062);
	osip_message_free(m);

	/* another host (a NAT in front): received, port from sent-by */
	m = parse(INVITE("phone.example;branch=z9hG4bK1", ""), &e, &a);
	v = osip_list_get(&m->vias, 0);
	ck_assert_int_eq(natport_sip_via_received(v, &src), 0);
	ck_assert_str_eq(param(v, "received"), "192.0.2.10");
	ck_assert_int_eq(natport_sip_via_target(v, &dst), 0);
	ck_assert_int_eq(dst.port, 5060);
	ck_assert(natport_endpoint_addr_equal(&dst, &src));
	osip_message_free(m);
}
END_TEST

START_TEST(spoofed_received_overwritten)
{
	struct natport_sip_parse_err e;
	osip_message_t *a, *m;
	struct natport_endpoint src = ep("192.0.2.10:5060"), dst;
	osip_via_t *v;

	m = parse(INVITE("192.0.2.99;received=198.51.100.1;branch=z9hG4bK1",
			 ""), &e, &a);
	v = osip_list_get(&m->vias, 0);
	ck_assert_int_eq(natport_sip_via_received(v, &src), 0);
	ck_assert_str_eq(param(v, "received"), "192.0.2.10");
	ck_assert_int_eq(natport_sip_via_target(v, &dst), 0);
	ck_assert(natport_endpoint_addr_equal(&dst, &src));
	osip_message_free(m);
}
END_TEST

START_TEST(branch_stable_and_loops)
{
	struct natport_sip_parse_err e;
	osip_message_t *a, *m, *c;
	char b1[NATPORT_SIP_BRANCH_LEN], b2[NATPORT_SIP_BRANCH_LEN];
	struct natport_endpoint us = ep("198.51.100.1:5060");
	const struct natport_endpoint *ours[] = { &us };
	const char *cancel =
		"CANCEL sip:1000@198.51.100.20 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1\r\n"
		"From: <sip:a@192.0.2.10>;tag=f1\r\n"
		"To: <sip:1000@198.51.100.20>\r\n"
		"Call-ID: c1@192.0.2.10\r\nCSeq: 1 CANCEL\r\n"
		"Content-Length: 0\r\n\r\n";
	char looped[1024];

	m = parse(INVITE("192.0.2.10:5060;branch=z9hG4bK1", ""), &e, &a);
	c = parse(cancel, &e, &a);
	ck_assert_ptr_nonnull(c);
	natport_sip_branch(m, 42, b1, sizeof(b1));
	natport_sip_branch(c, 42, b2, sizeof(b2));
	/* RFC 3261 16.11: the CANCEL must match the INVITE's branch */
	ck_assert_str_eq(b1, b2);
	ck_assert(!strncmp(b1, "z9hG4bK", 7));
	ck_assert(!natport_sip_is_loop(m, 42, ours, 1));
	/* the same request coming back through us is a loop */
	snprintf(looped, sizeof(looped),
		 INVITE("203.0.113.5;branch=z9hG4bKother", "Via: SIP/2.0/UDP "
			"198.51.100.1:5060;branch=%s\r\n"), b1);
	osip_message_free(m);
	m = parse(looped, &e, &a);
	ck_assert_ptr_nonnull(m);
	ck_assert(natport_sip_is_loop(m, 42, ours, 1));
	/* another secret (another proxy): not ours */
	ck_assert(!natport_sip_is_loop(m, 43, ours, 1));
	osip_message_free(m);
	osip_message_free(c);
}
END_TEST

START_TEST(parse_refusals)
{
	struct natport_sip_parse_err e;
	osip_message_t *a, *m;
	char buf[1024];

	/* CSeq method differs: answerable 400 */
	m = parse("BYE sip:x@192.0.2.10 SIP/2.0\r\n"
		  "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1\r\n"
		  "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\n"
		  "Call-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
		  &e, &a);
	ck_assert_ptr_null(m);
	ck_assert_int_eq(e.status, 400);
	ck_assert_ptr_nonnull(a);
	osip_message_free(a);
	/* no Via: nobody to answer */
	m = parse("OPTIONS sip:x@192.0.2.10 SIP/2.0\r\n"
		  "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\n"
		  "Call-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
		  &e, &a);
	ck_assert_ptr_null(m);
	ck_assert_ptr_null(a);
	ck_assert_int_eq(e.status, 0);
	/* truncated headers, keep-alive, NUL in headers: drop */
	ck_assert_ptr_null(parse("INVITE sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP",
				 &e, &a));
	ck_assert_ptr_null(a);
	ck_assert_ptr_null(parse("\r\n\r\n", &e, &a));
	memcpy(buf, "OPTIONS sip:x\0y SIP/2.0\r\n\r\n", 28);
	ck_assert_ptr_null(natport_sip_msg_parse(buf, 28, &e, &a));
	ck_assert_ptr_null(a);
	/* Content-Length shorter than the datagram: body cut (RFC 3261 18.3) */
	m = parse("MESSAGE sip:x@192.0.2.10 SIP/2.0\r\n"
		  "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1\r\n"
		  "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\n"
		  "Call-ID: x\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\n"
		  "Content-Length: 5\r\n\r\nhello, world",
		  &e, &a);
	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(((osip_body_t *)osip_list_get(&m->bodies, 0))->length,
			 5);
	osip_message_free(m);
}
END_TEST

/* RFC 4475: what a proxy answers to the torture messages it can answer */
START_TEST(rfc4475_answers)
{
	struct natport_sip_parse_err e;
	osip_message_t *a, *m, *r;
	osip_header_t *h = NULL;

	/* 3.3.2 unkscm: 416 */
	m = parse(
		"OPTIONS nobodyKnowsThisScheme:totallyopaquecontent SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1\r\n"
		"From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\n"
		"Call-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
		&e, &a);
	ck_assert_ptr_null(m);
	ck_assert_int_eq(e.status, 416);
	ck_assert_ptr_nonnull(a);
	osip_message_free(a);
	/* 3.3.3 novelsc: libosip2 cannot parse it, still 416 */
	m = parse("OPTIONS soap.beep://192.0.2.20:3002 SIP/2.0\r\n"
		  "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1\r\n"
		  "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\n"
		  "Call-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
		  &e, &a);
	ck_assert_ptr_null(m);
	ck_assert_int_eq(e.status, 416);
	ck_assert_ptr_nonnull(a);
	osip_message_free(a);
	/* 3.1.2.16 badvers: 505 */
	m = parse("OPTIONS sip:x@192.0.2.10 SIP/7.0\r\n"
		  "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1\r\n"
		  "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\n"
		  "Call-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
		  &e, &a);
	ck_assert_ptr_null(m);
	ck_assert_int_eq(e.status, 505);
	osip_message_free(a);
	/* 3.1.2.9 lwsstart: unparsable, answered from its Via and CSeq */
	m = parse("INVITE  sip:x@192.0.2.10  SIP/2.0\r\n"
		  "Via: SIP/2.0/UDP 192.0.2.10:5070;branch=z9hG4bK7\r\n"
		  "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\n"
		  "Call-ID: lws\r\nCSeq: 9 INVITE\r\nContent-Length: 0\r\n\r\n",
		  &e, &a);
	ck_assert_ptr_null(m);
	ck_assert_int_eq(e.status, 400);
	ck_assert_ptr_nonnull(a);
	r = natport_sip_response(a, 400, "Bad Request");
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(param(osip_list_get(&r->vias, 0), "branch"),
			 "z9hG4bK7");
	ck_assert_str_eq(r->cseq->number, "9");
	ck_assert_str_eq(r->cseq->method, "INVITE");
	ck_assert_str_eq(r->call_id->number, "lws");
	osip_message_free(r);
	osip_message_free(a);
	/* 3.3.1 insuf: no From, To, Call-ID: still 400 */
	m = parse("INVITE sip:x@192.0.2.10 SIP/2.0\r\n"
		  "CSeq: 193942 INVITE\r\n"
		  "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK8\r\n"
		  "Content-Length: 0\r\n\r\n",
		  &e, &a);
	ck_assert_ptr_null(m);
	ck_assert_int_eq(e.status, 400);
	ck_assert_ptr_nonnull(a);
	osip_message_free(a);
	/* the same as a response or an ACK: dropped */
	m = parse("SIP/2.0 4294967301 better not break the receiver\r\n"
		  "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1\r\n"
		  "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
		  &e, &a);
	ck_assert_ptr_null(m);
	ck_assert_ptr_null(a);
	ck_assert_int_eq(e.status, 0);
	m = parse("ACK  sip:x@192.0.2.10 SIP/2.0\r\n"
		  "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1\r\n"
		  "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
		  &e, &a);
	ck_assert_ptr_null(m);
	ck_assert_ptr_null(a);
	/* 3.3.5 bext01: 420, the extensions listed as Unsupported */
	m = parse(INVITE("192.0.2.10;branch=z9hG4bK1",
			 "Proxy-Require: noodles\r\n"),
		  &e, &a);
	ck_assert_ptr_null(m);
	ck_assert_int_eq(e.status, 420);
	r = natport_sip_response(a, 420, "Bad Extension");
	ck_assert_int_ge(
		osip_message_header_get_byname(r, "unsupported", 0, &h), 0);
	ck_assert_str_eq(h->hvalue, "noodles");
	osip_message_free(r);
	osip_message_free(a);
	/* 3.1.2.11 escruri, 3.3.8 multi01: 400; 3.1.2.12 baddate: a Date
	 * this proxy does not use is not refused */
	m = parse("OPTIONS sip:x@192.0.2.10?Route=%3Csip:e.com%3E SIP/2.0\r\n"
		  "Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1\r\n"
		  "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\n"
		  "Call-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
		  &e, &a);
	ck_assert_ptr_null(m);
	ck_assert_int_eq(e.status, 400);
	osip_message_free(a);
	m = parse(INVITE("192.0.2.10;branch=z9hG4bK1",
			 "Date: Fri, 01 Jan 2010 16:00:00 EST\r\n"),
		  &e, &a);
	ck_assert_ptr_nonnull(m);
	osip_message_free(m);
	m = parse(INVITE("192.0.2.10;branch=z9hG4bK1",
			 "Call-ID: second@192.0.2.10\r\n"),
		  &e, &a);
	ck_assert_ptr_null(m);
	ck_assert_int_eq(e.status, 400);
	osip_message_free(a);
}
END_TEST

/* RFC 4475 3.1.1.2: a NUL is legal as a quoted-pair in a quoted string,
 * and goes on as one; anywhere else it is not */
START_TEST(quoted_nul)
{
	static const char msg[] =
		"OPTIONS sip:x@192.0.2.20 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1\r\n"
		"From: <sip:a@b>;tag=1\r\n"
		"To: \"NUL:\\\0 end\" <sip:c@d>\r\n"
		"Call-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
	struct natport_sip_parse_err e;
	osip_message_t *a, *m;
	char *str = NULL, buf[sizeof(msg)];
	size_t len = 0;

	m = natport_sip_msg_parse(msg, sizeof(msg) - 1, &e, &a);
	ck_assert_msg(m, "%s", e.reason);
	ck_assert_int_eq(osip_message_to_str(m, &str, &len), 0);
	ck_assert_uint_eq(natport_sip_msg_unmark(str, len), 1);
	ck_assert_ptr_nonnull(memmem(str, len, "NUL:\\\0 end\"", 11));
	ck_assert_ptr_null(memchr(str, '\xff', len));
	osip_free(str);
	osip_message_free(m);
	/* outside a quoted string: 400, it can be answered */
	memcpy(buf, msg, sizeof(msg));
	memcpy(memmem(buf, sizeof(buf), "<sip:a@b>", 9), "<sip:\0@b>", 9);
	m = natport_sip_msg_parse(buf, sizeof(msg) - 1, &e, &a);
	ck_assert_ptr_null(m);
	ck_assert_int_eq(e.status, 400);
	ck_assert_ptr_nonnull(a);
	osip_message_free(a);
	/* a 0xff byte of the sender's own (the mark): refused */
	memcpy(buf, msg, sizeof(msg));
	*(char *)memmem(buf, sizeof(buf), "end", 3) = '\xff';
	ck_assert_ptr_null(natport_sip_msg_parse(buf, sizeof(msg) - 1, &e, &a));
	osip_message_free(a);
}
END_TEST

/* RFC 4475 3.1.1.11: a multipart body goes on as it came */
START_TEST(multipart_kept)
{
	static const char body[] =
		"--7a9c\r\nContent-Type: text/plain\r\n\r\nHello\r\n"
		"--7a9c\r\nContent-Type: application/octet-stream\r\n\r\n"
		"\x30\x82\0\0\x01\r\n--7a9c--\r\n";
	char msg[1024], bnd[80], *str = NULL;
	struct natport_sip_parse_err e;
	osip_message_t *a, *m;
	osip_body_t *b;
	size_t len = 0, n;

	n = (size_t)snprintf(
		msg, sizeof(msg),
		"MESSAGE sip:k@192.0.2.20 SIP/2.0\r\n"
		"Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1\r\n"
		"From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\n"
		"Call-ID: x\r\nCSeq: 1 MESSAGE\r\n"
		"Content-Type: multipart/mixed;boundary=\"7a9c\"\r\n"
		"MIME-Version: 1.0\r\nContent-Length: %zu\r\n\r\n",
		sizeof(body) - 1);
	memcpy(msg + n, body, sizeof(body) - 1);
	n += sizeof(body) - 1;
	m = natport_sip_msg_parse(msg, n, &e, &a);
	ck_assert_msg(m, "%s", e.reason);
	ck_assert_int_eq(osip_list_size(&m->bodies), 1);
	b = osip_list_get(&m->bodies, 0);
	ck_assert_uint_eq(b->length, sizeof(body) - 1);
	ck_assert_mem_eq(b->body, body, sizeof(body) - 1);
	ck_assert_int_eq(natport_sip_multipart_boundary(m, bnd, sizeof(bnd)),
			 0);
	ck_assert_str_eq(bnd, "7a9c");
	ck_assert_int_eq(osip_message_to_str(m, &str, &len), 0);
	/* the body once, as sent, right after the headers */
	ck_assert_uint_ge(len, sizeof(body) - 1);
	ck_assert_mem_eq(str + len - (sizeof(body) - 1), body,
			 sizeof(body) - 1);
	ck_assert_mem_eq(str + len - (sizeof(body) - 1) - 4, "\r\n\r\n", 4);
	ck_assert_ptr_nonnull(strcasestr(str, "MIME-Version: 1.0\r\n"));
	ck_assert_ptr_nonnull(strcasestr(str, "boundary=\"7a9c\""));
	osip_free(str);
	/* a plain body has no boundary */
	osip_message_free(m);
	m = parse(INVITE("192.0.2.10;branch=z9hG4bK1", ""), &e, &a);
	ck_assert_int_eq(natport_sip_multipart_boundary(m, bnd, sizeof(bnd)),
			 -1);
	osip_message_free(m);
}
END_TEST

START_TEST(max_forwards_and_response)
{
	struct natport_sip_parse_err e;
	osip_message_t *a, *m, *r;
	char *s = NULL;
	size_t n;

	m = parse(INVITE("192.0.2.10;branch=z9hG4bK1", "Max-Forwards: 3\r\n"),
		  &e, &a);
	ck_assert_int_eq(natport_sip_max_forwards(m), 3);
	ck_assert_int_eq(natport_sip_set_max_forwards(m, 2), 0);
	ck_assert_int_eq(natport_sip_max_forwards(m), 2);
	r = natport_sip_response(m, 488, "Not Acceptable Here");
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_nonnull(natport_sip_to_tag(r));
	ck_assert_int_eq(osip_message_to_str(r, &s, &n), 0);
	ck_assert_ptr_nonnull(strstr(s, "SIP/2.0 488 Not Acceptable Here"));
	ck_assert_ptr_nonnull(strstr(s, "Call-ID: c1@192.0.2.10"));
	osip_free(s);
	osip_message_free(r);
	osip_message_free(m);
	m = parse(INVITE("192.0.2.10;branch=z9hG4bK1", "Max-Forwards: x\r\n"),
		  &e, &a);
	ck_assert_int_eq(natport_sip_max_forwards(m), -2);
	osip_message_free(m);
}
END_TEST

START_TEST(dialog_request_from_2xx)
{
	static const char ok[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1\r\n"
		"Record-Route: <sip:203.0.113.7;lr>\r\n"
		"Record-Route: <sip:198.51.100.1:5060;lr>\r\n"
		"Record-Route: <sip:192.0.2.1:5060;lr>\r\n"
		"From: <sip:a@192.0.2.10>;tag=f1\r\n"
		"To: <sip:1000@198.51.100.20>;tag=t9\r\n"
		"Call-ID: c1@192.0.2.10\r\n"
		"CSeq: 41 INVITE\r\n"
		"Contact: <sip:1000@198.51.100.20:5062>\r\n"
		"Content-Length: 0\r\n\r\n";
	struct natport_sip_parse_err e;
	osip_message_t *a = NULL, *m = parse(ok, &e, &a), *bye, *ack;
	osip_route_t *rt;
	char *s = NULL;

	ck_assert_ptr_nonnull(m);
	bye = natport_sip_dialog_request(m, "BYE", 1, 42);
	ck_assert_ptr_nonnull(bye);
	ck_assert_str_eq(bye->sip_method, "BYE");
	ck_assert_str_eq(bye->req_uri->host, "198.51.100.20");
	ck_assert_str_eq(bye->req_uri->port, "5062");
	ck_assert_int_eq(osip_list_size(&bye->routes), 1);
	rt = osip_list_get(&bye->routes, 0);
	ck_assert_str_eq(rt->url->host, "203.0.113.7");
	ck_assert_str_eq(bye->cseq->number, "42");
	ck_assert_str_eq(bye->cseq->method, "BYE");
	ck_assert_str_eq(natport_sip_to_tag(bye), "t9");
	ck_assert_str_eq(natport_sip_from_tag(bye), "f1");
	ck_assert_int_eq(natport_sip_max_forwards(bye), 70);
	ck_assert_int_eq(osip_list_size(&bye->vias), 0);
	/* it serializes once the sender added its Via */
	ck_assert_int_eq(osip_message_set_via(bye, "SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKnpo1"), 0);
	ck_assert_int_eq(osip_message_to_str(bye, &s, NULL), 0);
	ck_assert_ptr_nonnull(strstr(s, "BYE sip:1000@198.51.100.20:5062 SIP/2.0"));
	osip_free(s);
	/* the route entries come in reverse: nearest the answerer last */
	ack = natport_sip_dialog_request(m, "ACK", 3, 41);
	ck_assert_int_eq(osip_list_size(&ack->routes), 3);
	rt = osip_list_get(&ack->routes, 0);
	ck_assert_str_eq(rt->url->host, "192.0.2.1");
	rt = osip_list_get(&ack->routes, 2);
	ck_assert_str_eq(rt->url->host, "203.0.113.7");
	osip_message_free(ack);
	osip_message_free(bye);
	/* no Contact, no request */
	osip_list_special_free(&m->contacts,
			       (void (*)(void *))osip_contact_free);
	ck_assert_ptr_null(natport_sip_dialog_request(m, "BYE", 0, 42));
	osip_message_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sip_msg");
	TCase *tc = tcase_create("core");

	natport_sip_msg_init();
	tcase_add_test(tc, rport_filled);
	tcase_add_test(tc, no_rport);
	tcase_add_test(tc, spoofed_received_overwritten);
	tcase_add_test(tc, branch_stable_and_loops);
	tcase_add_test(tc, parse_refusals);
	tcase_add_test(tc, rfc4475_answers);
	tcase_add_test(tc, quoted_nul);
	tcase_add_test(tc, multipart_kept);
	tcase_add_test(tc, max_forwards_and_response);
	tcase_add_test(tc, dialog_request_from_2xx);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
