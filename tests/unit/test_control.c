// SPDX-License-Identifier: GPL-2.0-or-later
/* test_control.c - the control protocol's codec (natport/control.h):
 * framing, bounds, and what malformed input gets. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <natport/control.h>
#include "unit_main.h"

static uint8_t buf[NATPORT_CTL_HDR_LEN + NATPORT_CTL_MSG_MAX + 64];

/* A raw field, for building malformed records by hand. */
static size_t raw_field(uint8_t *p, uint8_t kind, const char *key,
			const void *val, uint16_t vlen)
{
	size_t klen = strlen(key);

	p[0] = kind;
	p[1] = (uint8_t)klen;
	memcpy(p + 2, &vlen, 2);
	memcpy(p + 4, key, klen);
	memcpy(p + 4 + klen, val, vlen);
	return 4 + klen + vlen;
}

START_TEST(request_roundtrip)
{
	struct natport_ctl_msg_buf b;
	struct natport_ctl_hdr h;
	char *argv[NATPORT_CTL_MAX_ARGS];
	long len;

	natport_ctl_msg_begin(&b, buf, sizeof(buf),
			      NATPORT_CTL_CMD_MAPPINGS_ADD);
	natport_ctl_put_arg(&b, "audio_rtp");
	natport_ctl_put_arg(&b, "192.0.2.10:6000");
	natport_ctl_put_arg(&b, "");
	len = natport_ctl_msg_end(&b);
	ck_assert_int_eq(len, NATPORT_CTL_HDR_LEN + 10 + 16 + 1);
	ck_assert_int_eq(natport_ctl_hdr_parse(buf, (size_t)len,
					       NATPORT_CTL_REQ_MAX, &h),
			 0);
	ck_assert_int_eq(h.type, NATPORT_CTL_CMD_MAPPINGS_ADD);
	ck_assert_int_eq(h.len, len - NATPORT_CTL_HDR_LEN);
	ck_assert_int_eq(
		natport_ctl_args_parse((char *)buf + NATPORT_CTL_HDR_LEN, h.len,
				       argv),
		3);
	ck_assert_str_eq(argv[0], "audio_rtp");
	ck_assert_str_eq(argv[1], "192.0.2.10:6000");
	ck_assert_str_eq(argv[2], "");
}
END_TEST

START_TEST(header_checks)
{
	struct natport_ctl_hdr h = {
		.magic = NATPORT_CTL_MAGIC,
		.version = NATPORT_CTL_VERSION,
		.type = NATPORT_CTL_CMD_STATS,
		.len = 0,
	};
	struct natport_ctl_hdr out;

	memcpy(buf, &h, sizeof(h));
	/* a short read is not an error yet */
	for (size_t n = 0; n < NATPORT_CTL_HDR_LEN; n++)
		ck_assert_int_eq(natport_ctl_hdr_parse(buf, n, 16, &out),
				 -EAGAIN);
	ck_assert_int_eq(natport_ctl_hdr_parse(buf, 12, 16, &out), 0);
	h.len = 17;
	memcpy(buf, &h, sizeof(h));
	ck_assert_int_eq(natport_ctl_hdr_parse(buf, 12, 16, &out), -EMSGSIZE);
	/* the 1 MB request */
	h.len = 1024 * 1024;
	memcpy(buf, &h, sizeof(h));
	ck_assert_int_eq(
		natport_ctl_hdr_parse(buf, 12, NATPORT_CTL_REQ_MAX, &out),
		-EMSGSIZE);
	h.len = UINT32_MAX;
	memcpy(buf, &h, sizeof(h));
	ck_assert_int_eq(
		natport_ctl_hdr_parse(buf, 12, NATPORT_CTL_MSG_MAX, &out),
		-EMSGSIZE);
	h.len = 0;
	h.version = NATPORT_CTL_VERSION + 1;
	memcpy(buf, &h, sizeof(h));
	ck_assert_int_eq(natport_ctl_hdr_parse(buf, 12, 16, &out),
			 -EPROTONOSUPPORT);
	ck_assert_int_eq(out.version, NATPORT_CTL_VERSION + 1);
	memcpy(buf, "GET / HTTP/1.0\r\n", 16);
	ck_assert_int_eq(natport_ctl_hdr_parse(buf, 16, 16, &out), -EPROTO);
}
END_TEST

START_TEST(args_malformed)
{
	char a[64], *argv[NATPORT_CTL_MAX_ARGS];
	char big[NATPORT_CTL_ARG_MAX + 2];

	ck_assert_int_eq(natport_ctl_args_parse(a, 0, argv), 0);
	memcpy(a, "list", 4); /* no terminating NUL */
	ck_assert_int_eq(natport_ctl_args_parse(a, 4, argv), -EINVAL);
	memcpy(a, "a\nb", 4); /* control byte */
	ck_assert_int_eq(natport_ctl_args_parse(a, 4, argv), -EINVAL);
	memcpy(a, "\xff\0", 2); /* not ASCII */
	ck_assert_int_eq(natport_ctl_args_parse(a, 2, argv), -EINVAL);
	/* too many */
	memset(a, 0, sizeof(a));
	for (int i = 0; i < NATPORT_CTL_MAX_ARGS; i++)
		a[2 * i] = 'x';
	ck_assert_int_eq(
		natport_ctl_args_parse(a, 2 * NATPORT_CTL_MAX_ARGS, argv),
		NATPORT_CTL_MAX_ARGS);
	ck_assert_int_eq(
		natport_ctl_args_parse(a, 2 * NATPORT_CTL_MAX_ARGS + 2, argv),
		-EINVAL);
	/* too long */
	memset(big, 'x', sizeof(big));
	big[NATPORT_CTL_ARG_MAX + 1] = '\0';
	ck_assert_int_eq(natport_ctl_args_parse(big, sizeof(big), argv),
			 -EINVAL);
	big[NATPORT_CTL_ARG_MAX] = '\0';
	ck_assert_int_eq(
		natport_ctl_args_parse(big, NATPORT_CTL_ARG_MAX + 1, argv), 1);
}
END_TEST

START_TEST(record_roundtrip)
{
	struct natport_ctl_msg_buf b;
	struct natport_ctl_field f;
	const uint8_t *p;
	size_t off = 0, plen;
	long len;

	natport_ctl_msg_begin(&b, buf, sizeof(buf), NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_u64(&b, "id", 7);
	natport_ctl_put_str(&b, "from", "sip:alice@192.0.2.10");
	natport_ctl_put_list(&b, "streams");
	natport_ctl_put_obj(&b, NULL);
	natport_ctl_put_str(&b, "media", "audio");
	natport_ctl_put_obj(&b, "rtp");
	natport_ctl_put_u64(&b, "mapping", UINT64_MAX);
	natport_ctl_put_end(&b);
	natport_ctl_put_end(&b);
	natport_ctl_put_end(&b);
	len = natport_ctl_msg_end(&b);
	ck_assert_int_gt(len, 0);
	p = buf + NATPORT_CTL_HDR_LEN;
	plen = (size_t)len - NATPORT_CTL_HDR_LEN;
	ck_assert_int_eq(natport_ctl_record_check(p, plen), 0);

	ck_assert_int_eq(natport_ctl_field_next(p, plen, &off, &f), 1);
	ck_assert_int_eq(f.kind, NATPORT_CTL_F_U64);
	ck_assert_str_eq(f.key, "id");
	ck_assert_uint_eq(f.u64, 7);
	ck_assert_int_eq(natport_ctl_field_next(p, plen, &off, &f), 1);
	ck_assert_int_eq(f.kind, NATPORT_CTL_F_STR);
	ck_assert_int_eq(f.slen, 20);
	ck_assert_int_eq(memcmp(f.str, "sip:alice@192.0.2.10", 20), 0);
	ck_assert_int_eq(natport_ctl_field_next(p, plen, &off, &f), 1);
	ck_assert_int_eq(f.kind, NATPORT_CTL_F_LIST);
	ck_assert_int_eq(natport_ctl_field_next(p, plen, &off, &f), 1);
	ck_assert_int_eq(f.kind, NATPORT_CTL_F_OBJ);
	ck_assert_str_eq(f.key, "");
	/* media, rtp{ mapping }, end of the element, end of the list */
	for (int i = 0; i < 6; i++)
		ck_assert_int_eq(natport_ctl_field_next(p, plen, &off, &f), 1);
	ck_assert_int_eq(f.kind, NATPORT_CTL_F_END);
	ck_assert_int_eq(natport_ctl_field_next(p, plen, &off, &f), 0);
}
END_TEST

START_TEST(builder_refuses)
{
	struct natport_ctl_msg_buf b;
	uint8_t small[NATPORT_CTL_HDR_LEN + 8];
	char big[NATPORT_CTL_ARG_MAX + 2];

	/* bad keys */
	natport_ctl_msg_begin(&b, buf, sizeof(buf), NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_u64(&b, "Bad-Key", 1);
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	natport_ctl_msg_begin(&b, buf, sizeof(buf), NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_u64(&b, "", 1);
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	/* a string that is not printable, one that is too long */
	natport_ctl_msg_begin(&b, buf, sizeof(buf), NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_str(&b, "k", "a\r\nb");
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	natport_ctl_msg_begin(&b, buf, sizeof(buf), NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_str(&b, "k", big);
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	/* nesting: unbalanced, too deep, END without an open object */
	natport_ctl_msg_begin(&b, buf, sizeof(buf), NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_obj(&b, "o");
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	natport_ctl_msg_begin(&b, buf, sizeof(buf), NATPORT_CTL_MSG_RECORD);
	for (int i = 0; i <= NATPORT_CTL_DEPTH_MAX; i++)
		natport_ctl_put_obj(&b, "o");
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	natport_ctl_msg_begin(&b, buf, sizeof(buf), NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_end(&b);
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	/* does not fit the caller's buffer */
	natport_ctl_msg_begin(&b, small, sizeof(small), NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_u64(&b, "id", 1);
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EMSGSIZE);
}
END_TEST

START_TEST(message_bound)
{
	struct natport_ctl_msg_buf b;
	char val[NATPORT_CTL_ARG_MAX + 1];
	long len;
	int i;

	/* fill a record past NATPORT_CTL_MSG_MAX: refused as a whole */
	memset(val, 'v', sizeof(val) - 1);
	val[sizeof(val) - 1] = '\0';
	natport_ctl_msg_begin(&b, buf, sizeof(buf), NATPORT_CTL_MSG_RECORD);
	for (i = 0; i < 200; i++)
		natport_ctl_put_str(&b, "k", val);
	len = natport_ctl_msg_end(&b);
	ck_assert_int_eq(len, -EMSGSIZE);
	/* the largest that fits is accepted by the checker */
	natport_ctl_msg_begin(&b, buf, sizeof(buf), NATPORT_CTL_MSG_RECORD);
	for (i = 0; i < NATPORT_CTL_MSG_MAX / (4 + 1 + NATPORT_CTL_ARG_MAX);
	     i++)
		natport_ctl_put_str(&b, "k", val);
	len = natport_ctl_msg_end(&b);
	ck_assert_int_gt(len, NATPORT_CTL_MSG_MAX / 2);
	ck_assert_int_eq(
		natport_ctl_record_check(buf + NATPORT_CTL_HDR_LEN,
					 (size_t)len - NATPORT_CTL_HDR_LEN),
		0);
}
END_TEST

START_TEST(record_malformed)
{
	uint8_t r[256];
	uint64_t v = 1;
	size_t n;

	/* truncated field header, truncated value */
	n = raw_field(r, NATPORT_CTL_F_U64, "id", &v, 8);
	ck_assert_int_eq(natport_ctl_record_check(r, n), 0);
	ck_assert_int_eq(natport_ctl_record_check(r, 3), -EBADMSG);
	ck_assert_int_eq(natport_ctl_record_check(r, n - 1), -EBADMSG);
	/* U64 with a wrong size */
	n = raw_field(r, NATPORT_CTL_F_U64, "id", &v, 4);
	ck_assert_int_eq(natport_ctl_record_check(r, n), -EBADMSG);
	/* unknown kind */
	n = raw_field(r, 99, "id", &v, 8);
	ck_assert_int_eq(natport_ctl_record_check(r, n), -EBADMSG);
	/* string with a NUL / a newline */
	n = raw_field(r, NATPORT_CTL_F_STR, "s", "a\0b", 3);
	ck_assert_int_eq(natport_ctl_record_check(r, n), -EBADMSG);
	n = raw_field(r, NATPORT_CTL_F_STR, "s", "a\nb", 3);
	ck_assert_int_eq(natport_ctl_record_check(r, n), -EBADMSG);
	/* key with bad characters, a key that is too long */
	n = raw_field(r, NATPORT_CTL_F_STR, "a\"b", "x", 1);
	ck_assert_int_eq(natport_ctl_record_check(r, n), -EBADMSG);
	n = raw_field(r, NATPORT_CTL_F_STR,
		      "abcdefghijklmnopqrstuvwxyz0123456789", "x", 1);
	ck_assert_int_eq(natport_ctl_record_check(r, n), -EBADMSG);
	/* an END too many, an object never closed */
	n = raw_field(r, NATPORT_CTL_F_END, "", NULL, 0);
	ck_assert_int_eq(natport_ctl_record_check(r, n), -EBADMSG);
	n = raw_field(r, NATPORT_CTL_F_OBJ, "o", NULL, 0);
	ck_assert_int_eq(natport_ctl_record_check(r, n), -EBADMSG);
	/* a keyless object outside a list; a keyed field inside one */
	n = raw_field(r, NATPORT_CTL_F_OBJ, "", NULL, 0);
	n += raw_field(r + n, NATPORT_CTL_F_END, "", NULL, 0);
	ck_assert_int_eq(natport_ctl_record_check(r, n), -EBADMSG);
	n = raw_field(r, NATPORT_CTL_F_LIST, "l", NULL, 0);
	n += raw_field(r + n, NATPORT_CTL_F_U64, "id", &v, 8);
	n += raw_field(r + n, NATPORT_CTL_F_END, "", NULL, 0);
	ck_assert_int_eq(natport_ctl_record_check(r, n), -EBADMSG);
	/* nesting beyond the limit */
	n = 0;
	for (int i = 0; i <= NATPORT_CTL_DEPTH_MAX; i++)
		n += raw_field(r + n, NATPORT_CTL_F_OBJ, "o", NULL, 0);
	for (int i = 0; i <= NATPORT_CTL_DEPTH_MAX; i++)
		n += raw_field(r + n, NATPORT_CTL_F_END, "", NULL, 0);
	ck_assert_int_eq(natport_ctl_record_check(r, n), -EBADMSG);
}
END_TEST

START_TEST(done_codec)
{
	struct natport_ctl_msg_buf b;
	char msg[8];
	int32_t st;
	long len;

	natport_ctl_msg_begin(&b, buf, sizeof(buf), NATPORT_CTL_MSG_DONE);
	/* a reason quoting outside input is made printable */
	natport_ctl_put_done(&b, NATPORT_CTL_E_ARGS, "bad\narg");
	len = natport_ctl_msg_end(&b);
	ck_assert_int_eq(len, NATPORT_CTL_HDR_LEN + 4 + 7);
	ck_assert_int_eq(natport_ctl_done_parse(buf + NATPORT_CTL_HDR_LEN, 11,
						&st, msg, sizeof(msg)),
			 0);
	ck_assert_int_eq(st, NATPORT_CTL_E_ARGS);
	ck_assert_str_eq(msg, "bad?arg");
	/* truncated to the caller's buffer */
	ck_assert_int_eq(natport_ctl_done_parse(buf + NATPORT_CTL_HDR_LEN, 11,
						&st, msg, 4),
			 0);
	ck_assert_str_eq(msg, "bad");
	ck_assert_int_eq(natport_ctl_done_parse(buf + NATPORT_CTL_HDR_LEN, 3,
						&st, msg, sizeof(msg)),
			 -EINVAL);
	buf[NATPORT_CTL_HDR_LEN + 5] = 0x7f;
	ck_assert_int_eq(natport_ctl_done_parse(buf + NATPORT_CTL_HDR_LEN, 11,
						&st, msg, sizeof(msg)),
			 -EINVAL);
	ck_assert_str_eq(natport_ctl_strerror(NATPORT_CTL_E_BUSY),
			 "too many clients");
	ck_assert_str_eq(natport_ctl_strerror(-1), "unknown error");
	ck_assert_str_eq(natport_ctl_cmd_name(NATPORT_CTL_CMD_WATCH), "watch");
	ck_assert_str_eq(natport_ctl_cmd_name(1000), "unknown");
}
END_TEST

/* Random bytes never crash the record walker and never read past len. */
START_TEST(fuzz_records)
{
	srand(42);
	for (int round = 0; round < 20000; round++) {
		size_t n = (size_t)(rand() % 64), off = 0;
		uint8_t *r = malloc(n ? n : 1);
		struct natport_ctl_field f;

		for (size_t i = 0; i < n; i++)
			r[i] = (uint8_t)(rand() % 8 == 0 ? rand() % 6 :
							   rand() % 256);
		(void)natport_ctl_record_check(r, n);
		while (natport_ctl_field_next(r, n, &off, &f) == 1)
			ck_assert_uint_le(off, n);
		free(r);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, request_roundtrip);
	tcase_add_test(tc, header_checks);
	tcase_add_test(tc, args_malformed);
	tcase_add_test(tc, record_roundtrip);
	tcase_add_test(tc, builder_refuses);
	tcase_add_test(tc, message_bound);
	tcase_add_test(tc, record_malformed);
	tcase_add_test(tc, done_codec);
	tcase_add_test(tc, fuzz_records);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
