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
	tcase_add_test(tc, max_forwards_and_response);
	tcase_add_test(tc, dialog_request_from_2xx);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
