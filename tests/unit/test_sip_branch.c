// SPDX-License-Identifier: GPL-2.0-or-later
/* test_sip_branch.c - a response is believed only if its branch is the MAC
 * of the Via below ours (issue 10 point 1), and received= is always the
 * packet's source (point 2). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include <osipparser2/osip_port.h>

#include "sip/msg.h"
#include "unit_main.h"

static osip_message_t *parse(const char *s)
{
	struct natport_sip_parse_err e;
	osip_message_t *a = NULL, *m;

	m = natport_sip_msg_parse(s, strlen(s), &e, &a);
	osip_message_free(a);
	ck_assert_msg(m != NULL, "parse: %s", e.reason);
	return m;
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

/* The request as the router forwards it: received/rport set from src,
 * our Via with our branch on top; then the response the far end would
 * build from it (Vias copied). */
static osip_message_t *answer_of(const char *phone_via, const char *src,
				 uint64_t secret, char *branch, size_t blen)
{
	char req[1024], resp[1024], *via = NULL;
	struct natport_endpoint s = ep(src);
	osip_message_t *m;

	snprintf(req, sizeof(req),
		 "INVITE sip:1000@198.51.100.20 SIP/2.0\r\n"
		 "Via: SIP/2.0/UDP %s\r\n"
		 "From: <sip:a@192.0.2.10>;tag=f1\r\n"
		 "To: <sip:1000@198.51.100.20>\r\n"
		 "Call-ID: c1@192.0.2.10\r\nCSeq: 7 INVITE\r\n"
		 "Content-Length: 0\r\n\r\n",
		 phone_via);
	m = parse(req);
	ck_assert_int_eq(
		natport_sip_via_received(osip_list_get(&m->vias, 0), &s), 0);
	natport_sip_branch(m, secret, branch, blen);
	ck_assert_int_eq(osip_via_to_str(osip_list_get(&m->vias, 0), &via), 0);
	snprintf(resp, sizeof(resp),
		 "SIP/2.0 200 OK\r\n"
		 "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=%s\r\n"
		 "Via: %s\r\n"
		 "From: <sip:a@192.0.2.10>;tag=f1\r\n"
		 "To: <sip:1000@198.51.100.20>;tag=t9\r\n"
		 "Call-ID: c1@192.0.2.10\r\nCSeq: 7 INVITE\r\n"
		 "Content-Length: 0\r\n\r\n",
		 branch, via);
	osip_free(via);
	osip_message_free(m);
	return parse(resp);
}

START_TEST(genuine_response_verifies)
{
	char br[NATPORT_SIP_BRANCH_LEN];
	osip_message_t *r;

	r = answer_of("192.0.2.10:5060;branch=z9hG4bK1;rport",
		      "192.0.2.10:40000", 42, br, sizeof(br));
	ck_assert(natport_sip_branch_check(r, 42));
	/* another run (another secret) made no such branch */
	ck_assert(!natport_sip_branch_check(r, 43));
	osip_message_free(r);
	/* RFC 2543 client without a magic-cookie branch */
	r = answer_of("192.0.2.10:5060", "192.0.2.10:5060", 42, br, sizeof(br));
	ck_assert(natport_sip_branch_check(r, 42));
	osip_message_free(r);
}
END_TEST

/* Change one thing in the Via below ours, or in our branch: forged. */
START_TEST(forged_response_refused)
{
	char br[NATPORT_SIP_BRANCH_LEN], txt[1024], *s = NULL;
	osip_message_t *r, *f;
	osip_via_t *v;
	size_t len;

	r = answer_of("192.0.2.10:5060;branch=z9hG4bK1;rport",
		      "192.0.2.10:40000", 42, br, sizeof(br));
	ck_assert_int_eq(osip_message_to_str(r, &s, &len), 0);
	snprintf(txt, sizeof(txt), "%s", s);
	osip_free(s);

	/* another LAN host as the target */
	v = osip_list_get(&r->vias, 1);
	osip_free(v->host);
	v->host = osip_strdup("192.0.2.11");
	ck_assert(!natport_sip_branch_check(r, 42));
	osip_message_free(r);

	/* another rport or received */
	f = parse(txt);
	v = osip_list_get(&f->vias, 1);
	{
		osip_generic_param_t *p = NULL;

		osip_via_param_get_byname(v, "rport", &p);
		ck_assert_ptr_nonnull(p);
		osip_free(p->gvalue);
		p->gvalue = osip_strdup("40002");
	}
	ck_assert(!natport_sip_branch_check(f, 42));
	osip_message_free(f);

	/* a made-up branch of the right shape */
	f = parse(txt);
	v = osip_list_get(&f->vias, 0);
	{
		osip_generic_param_t *p = NULL;

		osip_via_param_get_byname(v, "branch", &p);
		p->gvalue[8] = p->gvalue[8] == '0' ? '1' : '0';
	}
	ck_assert(!natport_sip_branch_check(f, 42));
	osip_message_free(f);

	/* only one Via: nothing below ours */
	f = parse("SIP/2.0 200 OK\r\n"
		  "Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK0000000000"
		  "000000.0000000000000000\r\n"
		  "From: <sip:a@192.0.2.10>;tag=f1\r\n"
		  "To: <sip:1000@198.51.100.20>;tag=t9\r\n"
		  "Call-ID: c1@192.0.2.10\r\nCSeq: 7 INVITE\r\n"
		  "Content-Length: 0\r\n\r\n");
	ck_assert(!natport_sip_branch_check(f, 42));
	osip_message_free(f);
}
END_TEST

/* Point 2: a received= the sender wrote is replaced by the source even
 * when sent-by matches the source and there is no rport. */
START_TEST(sender_received_replaced)
{
	struct natport_endpoint src = ep("198.51.100.20:5060"), dst;
	osip_message_t *m;
	osip_via_t *v;

	m = parse("OPTIONS sip:1000@198.51.100.1 SIP/2.0\r\n"
		  "Via: SIP/2.0/UDP 198.51.100.20:5060;received=192.0.2.11;"
		  "branch=z9hG4bK2\r\n"
		  "From: <sip:x@198.51.100.20>;tag=a\r\n"
		  "To: <sip:1000@198.51.100.1>\r\n"
		  "Call-ID: r2@x\r\nCSeq: 1 OPTIONS\r\n"
		  "Content-Length: 0\r\n\r\n");
	v = osip_list_get(&m->vias, 0);
	ck_assert_int_eq(natport_sip_via_received(v, &src), 0);
	ck_assert_str_eq(param(v, "received"), "198.51.100.20");
	ck_assert_int_eq(natport_sip_via_target(v, &dst), 0);
	ck_assert(natport_endpoint_equal(&dst, &src));
	osip_message_free(m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sip_branch");
	TCase *tc = tcase_create("core");

	natport_sip_msg_init();
	tcase_add_test(tc, genuine_response_verifies);
	tcase_add_test(tc, forged_response_refused);
	tcase_add_test(tc, sender_received_replaced);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
