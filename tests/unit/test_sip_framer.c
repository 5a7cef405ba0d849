// SPDX-License-Identifier: GPL-2.0-or-later
/* test_sip_framer.c - stream framing by Content-Length (RFC 3261 18.3),
 * keepalives (RFC 5626 4.4.1), and the bounds that keep a connection from
 * holding unbounded memory. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip/framer.h"
#include "unit_main.h"

#define MAX 65535

static const char msg1[] = "OPTIONS sip:a@192.0.2.1 SIP/2.0\r\n"
			   "Via: SIP/2.0/TCP 192.0.2.2;branch=z9hG4bK1\r\n"
			   "Content-Length: 5\r\n"
			   "\r\n"
			   "hello";

static struct natport_frame frame(const char *b, size_t n)
{
	struct natport_frame f;

	natport_sip_frame(b, n, MAX, &f);
	return f;
}

START_TEST(whole_message)
{
	struct natport_frame f = frame(msg1, strlen(msg1));

	ck_assert_int_eq(f.kind, NATPORT_FRAME_MSG);
	ck_assert_uint_eq(f.len, strlen(msg1));
	ck_assert_uint_eq(f.body, 5);
}
END_TEST

/* every prefix is MORE: one message over as many segments as bytes */
START_TEST(every_prefix_is_more)
{
	for (size_t n = 0; n < strlen(msg1); n++) {
		struct natport_frame f = frame(msg1, n);

		ck_assert_msg(f.kind == NATPORT_FRAME_MORE, "prefix %zu: %d", n,
			      f.kind);
	}
}
END_TEST

/* two messages and a ping in one segment: each found in turn */
START_TEST(pipelined)
{
	char buf[1024];
	size_t n = 0, off = 0;
	struct natport_frame f;

	memcpy(buf, msg1, strlen(msg1));
	n += strlen(msg1);
	memcpy(buf + n, "\r\n\r\n", 4);
	n += 4;
	memcpy(buf + n, msg1, strlen(msg1));
	n += strlen(msg1);
	memcpy(buf + n, "INV", 3); /* the start of a third */
	n += 3;

	f = frame(buf + off, n - off);
	ck_assert_int_eq(f.kind, NATPORT_FRAME_MSG);
	off += f.len;
	f = frame(buf + off, n - off);
	ck_assert_int_eq(f.kind, NATPORT_FRAME_PING);
	ck_assert_uint_eq(f.len, 4);
	off += f.len;
	f = frame(buf + off, n - off);
	ck_assert_int_eq(f.kind, NATPORT_FRAME_MSG);
	ck_assert_uint_eq(f.len, strlen(msg1));
	off += f.len;
	f = frame(buf + off, n - off);
	ck_assert_int_eq(f.kind, NATPORT_FRAME_MORE);
}
END_TEST

START_TEST(keepalives)
{
	ck_assert_int_eq(frame("\r", 1).kind, NATPORT_FRAME_MORE);
	ck_assert_int_eq(frame("\r\n", 2).kind, NATPORT_FRAME_MORE);
	ck_assert_int_eq(frame("\r\n\r", 3).kind, NATPORT_FRAME_MORE);
	ck_assert_int_eq(frame("\r\n\r\n", 4).kind, NATPORT_FRAME_PING);
	/* a pong (lone CRLF) before a message is skipped */
	ck_assert_int_eq(frame("\r\nOPT", 5).kind, NATPORT_FRAME_SKIP);
	ck_assert_uint_eq(frame("\r\nOPT", 5).len, 2);
	ck_assert_int_eq(frame("\rX", 2).kind, NATPORT_FRAME_ERROR);
}
END_TEST

START_TEST(compact_and_spacing)
{
	static const char m[] = "SIP/2.0 200 OK\r\n"
				"l :  3 \r\n"
				"Location: x\r\n"
				"\r\n"
				"abc";
	struct natport_frame f = frame(m, strlen(m));

	ck_assert_int_eq(f.kind, NATPORT_FRAME_MSG);
	ck_assert_uint_eq(f.body, 3);
	ck_assert_uint_eq(f.len, strlen(m));
}
END_TEST

START_TEST(bad_content_length)
{
	static const char *bad[] = {
		"OPTIONS sip:x SIP/2.0\r\nVia: x\r\n\r\n", /* missing */
		"OPTIONS sip:x SIP/2.0\r\nContent-Length: abc\r\n\r\n",
		"OPTIONS sip:x SIP/2.0\r\nContent-Length:\r\n\r\n",
		"OPTIONS sip:x SIP/2.0\r\nContent-Length: -1\r\n\r\n",
		"OPTIONS sip:x SIP/2.0\r\nContent-Length: 1 2\r\n\r\n",
		"OPTIONS sip:x SIP/2.0\r\nContent-Length: 1\r\n"
		"l: 2\r\n\r\nxx",
		"OPTIONS sip:x SIP/2.0\r\nContent-Length: 99999999999999"
		"9999999\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct natport_frame f = frame(bad[i], strlen(bad[i]));

		ck_assert_msg(f.kind == NATPORT_FRAME_ERROR, "case %zu: %d", i,
			      f.kind);
		ck_assert_ptr_nonnull(f.why);
	}
}
END_TEST

/* the same value twice is not an error */
START_TEST(repeated_same_value)
{
	static const char m[] = "OPTIONS sip:x SIP/2.0\r\nContent-Length: 0\r\n"
				"l: 0\r\n\r\n";

	ck_assert_int_eq(frame(m, strlen(m)).kind, NATPORT_FRAME_MSG);
}
END_TEST

/* exactly the limit passes; one octet more is refused without waiting
 * for the body; a header block that never ends is refused at the limit */
START_TEST(limits)
{
	char *b = malloc(MAX + 16);
	static const char h[] = "MESSAGE sip:x SIP/2.0\r\nContent-Length: ";
	char hdr[128];
	size_t hl, body;
	struct natport_frame f;

	ck_assert_ptr_nonnull(b);
	/* the header's own length depends on the digits: 5 of them */
	hl = strlen(h) + 5 + 4;
	body = MAX - hl;
	snprintf(hdr, sizeof(hdr), "%s%05zu\r\n\r\n", h, body);
	ck_assert_uint_eq(strlen(hdr), hl);
	memcpy(b, hdr, hl);
	memset(b + hl, 'x', body);
	f = frame(b, MAX);
	ck_assert_int_eq(f.kind, NATPORT_FRAME_MSG);
	ck_assert_uint_eq(f.len, MAX);

	snprintf(hdr, sizeof(hdr), "%s%05zu\r\n\r\n", h, body + 1);
	memcpy(b, hdr, hl);
	f = frame(b, hl);
	ck_assert_int_eq(f.kind, NATPORT_FRAME_ERROR);

	memcpy(b, "MESSAGE sip:x SIP/2.0\r\n", 23);
	memset(b + 23, 'a', MAX + 16 - 23);
	f = frame(b, MAX - 1);
	ck_assert_int_eq(f.kind, NATPORT_FRAME_MORE);
	f = frame(b, MAX + 16);
	ck_assert_int_eq(f.kind, NATPORT_FRAME_ERROR);
	free(b);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sip_framer");
	TCase *t = tcase_create("framer");

	tcase_add_test(t, whole_message);
	tcase_add_test(t, every_prefix_is_more);
	tcase_add_test(t, pipelined);
	tcase_add_test(t, keepalives);
	tcase_add_test(t, compact_and_spacing);
	tcase_add_test(t, bad_content_length);
	tcase_add_test(t, repeated_same_value);
	tcase_add_test(t, limits);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return unit_run(suite());
}
