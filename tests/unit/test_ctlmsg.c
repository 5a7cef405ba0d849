// SPDX-License-Identifier: GPL-2.0-or-later
/* test_ctlmsg.c - the control codec's builder and parsers agree: whatever
 * the builder builds, the parser accepts, and whatever it refuses is what
 * the parser would refuse (issue 10, point 8). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <natport/control.h>
#include "unit_main.h"
#include "../fuzz/ctl_walk.h"

static uint8_t buf[NATPORT_CTL_HDR_LEN + NATPORT_CTL_MSG_MAX + 64];
static uint8_t again[NATPORT_CTL_HDR_LEN + NATPORT_CTL_MSG_MAX + 64];

static int record_ok(long len)
{
	return len > 0 &&
	       natport_ctl_record_check(buf + NATPORT_CTL_HDR_LEN,
					(size_t)len - NATPORT_CTL_HDR_LEN) == 0;
}

static void begin(struct natport_ctl_msg_buf *b, uint16_t type)
{
	natport_ctl_msg_begin(b, buf, sizeof(buf), type);
}

START_TEST(keyless_fields)
{
	struct natport_ctl_msg_buf b;
	long len;

	/* the keyless element object and every END: no key bytes at all
	 * (this used to memcpy from NULL; the sanitizer build catches it) */
	begin(&b, NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_list(&b, "calls");
	natport_ctl_put_obj(&b, NULL);
	natport_ctl_put_end(&b);
	natport_ctl_put_obj(&b, "");
	natport_ctl_put_end(&b);
	natport_ctl_put_end(&b);
	len = natport_ctl_msg_end(&b);
	ck_assert_int_eq(len, NATPORT_CTL_HDR_LEN + (4 + 5) + 4 * 4 + 4);
	ck_assert(record_ok(len));
}
END_TEST

START_TEST(refuses_what_parser_refuses)
{
	struct natport_ctl_msg_buf b;

	/* a keyless object at the top of a record, or inside an object */
	begin(&b, NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_obj(&b, NULL);
	natport_ctl_put_end(&b);
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	begin(&b, NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_obj(&b, "o");
	natport_ctl_put_obj(&b, NULL);
	natport_ctl_put_end(&b);
	natport_ctl_put_end(&b);
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	/* keyed fields of every kind inside a list */
	begin(&b, NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_list(&b, "l");
	natport_ctl_put_u64(&b, "id", 1);
	natport_ctl_put_end(&b);
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	begin(&b, NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_list(&b, "l");
	natport_ctl_put_str(&b, "s", "x");
	natport_ctl_put_end(&b);
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	begin(&b, NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_list(&b, "l");
	natport_ctl_put_obj(&b, "o");
	natport_ctl_put_end(&b);
	natport_ctl_put_end(&b);
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	begin(&b, NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_list(&b, "l");
	natport_ctl_put_list(&b, "m");
	natport_ctl_put_end(&b);
	natport_ctl_put_end(&b);
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	/* keyless scalars or lists anywhere */
	begin(&b, NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_list(&b, "l");
	natport_ctl_put_u64(&b, NULL, 1);
	natport_ctl_put_end(&b);
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	begin(&b, NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_list(&b, NULL);
	natport_ctl_put_end(&b);
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	begin(&b, NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_str(&b, NULL, "x");
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	/* a list's level is forgotten once it is closed: a keyed field
	 * after the list, at the same depth, is fine again */
	begin(&b, NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_obj(&b, "o");
	natport_ctl_put_list(&b, "l");
	natport_ctl_put_obj(&b, NULL);
	natport_ctl_put_end(&b);
	natport_ctl_put_end(&b);
	natport_ctl_put_u64(&b, "after", 2);
	natport_ctl_put_obj(&b, "p");
	natport_ctl_put_u64(&b, "inner", 3);
	natport_ctl_put_end(&b);
	natport_ctl_put_end(&b);
	ck_assert(record_ok(natport_ctl_msg_end(&b)));
}
END_TEST

START_TEST(puts_match_the_type)
{
	struct natport_ctl_msg_buf b;
	char *argv[NATPORT_CTL_MAX_ARGS];
	char arg[NATPORT_CTL_ARG_MAX + 1];
	int i;

	/* fields only in a RECORD */
	begin(&b, NATPORT_CTL_MSG_DONE);
	natport_ctl_put_u64(&b, "id", 1);
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	begin(&b, NATPORT_CTL_CMD_STATS);
	natport_ctl_put_str(&b, "k", "v");
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	/* arguments only in a request */
	begin(&b, NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_arg(&b, "1");
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	begin(&b, NATPORT_CTL_MSG_DONE);
	natport_ctl_put_arg(&b, "1");
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	/* a DONE holds exactly one status and message */
	begin(&b, NATPORT_CTL_MSG_DONE);
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	begin(&b, NATPORT_CTL_MSG_DONE);
	natport_ctl_put_done(&b, 0, "a");
	natport_ctl_put_done(&b, 0, "b");
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	begin(&b, NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_done(&b, 0, "a");
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	/* at most NATPORT_CTL_MAX_ARGS arguments: the parser's limit */
	begin(&b, NATPORT_CTL_CMD_MAPPINGS_ADD);
	for (i = 0; i < NATPORT_CTL_MAX_ARGS; i++)
		natport_ctl_put_arg(&b, "a");
	ck_assert_int_eq(natport_ctl_msg_end(&b),
			 NATPORT_CTL_HDR_LEN + 2 * NATPORT_CTL_MAX_ARGS);
	ck_assert_int_eq(
		natport_ctl_args_parse((char *)buf + NATPORT_CTL_HDR_LEN,
				       2 * NATPORT_CTL_MAX_ARGS, argv),
		NATPORT_CTL_MAX_ARGS);
	begin(&b, NATPORT_CTL_CMD_MAPPINGS_ADD);
	for (i = 0; i <= NATPORT_CTL_MAX_ARGS; i++)
		natport_ctl_put_arg(&b, "a");
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EINVAL);
	/* a request payload beyond NATPORT_CTL_REQ_MAX, which the server's
	 * header check refuses, is not built */
	memset(arg, 'x', NATPORT_CTL_ARG_MAX);
	arg[NATPORT_CTL_ARG_MAX] = '\0';
	begin(&b, NATPORT_CTL_CMD_MAPPINGS_ADD);
	for (i = 0; i < 3; i++)
		natport_ctl_put_arg(&b, arg);
	ck_assert_int_eq(natport_ctl_msg_end(&b), -EMSGSIZE);
	/* an unknown command is still a request (for robustness tests) */
	begin(&b, 999);
	natport_ctl_put_arg(&b, "x");
	ck_assert_int_eq(natport_ctl_msg_end(&b), NATPORT_CTL_HDR_LEN + 2);
}
END_TEST

START_TEST(done_parse_small_buffer)
{
	int32_t st;
	char msg[1];
	uint8_t p[6] = { 0, 0, 0, 0, 'o', 'k' };

	ck_assert_int_eq(natport_ctl_done_parse(p, sizeof(p), &st, msg, 0),
			 -EINVAL);
	ck_assert_int_eq(natport_ctl_done_parse(p, sizeof(p), &st, msg, 1), 0);
	ck_assert_str_eq(msg, "");
}
END_TEST

/* Random sequences of puts, valid and not: the builder's verdict is the
 * parser's, and a built record rebuilt from its parse is the same bytes. */
static const char *const keys[] = { NULL, "", "id", "Bad", "x_1" };
static const char *const strs[] = { "", "audio", "a\nb", "192.0.2.10:6000" };

START_TEST(builder_parser_agree)
{
	unsigned int seed = 1;
	int built = 0, refused = 0;

	for (int round = 0; round < 20000; round++) {
		struct natport_ctl_msg_buf b;
		int n = rand_r(&seed) % 24;
		long len;

		begin(&b, NATPORT_CTL_MSG_RECORD);
		for (int i = 0; i < n; i++) {
			const char *k = keys[rand_r(&seed) % 5];

			switch (rand_r(&seed) % 5) {
			case 0:
				natport_ctl_put_str(&b, k,
						    strs[rand_r(&seed) % 4]);
				break;
			case 1:
				natport_ctl_put_u64(&b, k, (uint64_t)i << 40);
				break;
			case 2:
				natport_ctl_put_obj(&b, k);
				break;
			case 3:
				natport_ctl_put_list(&b, k);
				break;
			default:
				natport_ctl_put_end(&b);
			}
		}
		len = natport_ctl_msg_end(&b);
		if (len < 0) {
			refused++;
			continue;
		}
		built++;
		ck_assert_msg(record_ok(len), "round %d: built, not parsed",
			      round);
		ck_assert_int_eq(
			ctl_walk_rebuild(buf + NATPORT_CTL_HDR_LEN,
					 (size_t)len - NATPORT_CTL_HDR_LEN,
					 again, sizeof(again)),
			len);
		ck_assert_int_eq(memcmp(buf, again, (size_t)len), 0);
	}
	/* both sides of the rule were exercised */
	ck_assert_int_gt(built, 500);
	ck_assert_int_gt(refused, 500);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ctlmsg");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, keyless_fields);
	tcase_add_test(tc, refuses_what_parser_refuses);
	tcase_add_test(tc, puts_match_the_type);
	tcase_add_test(tc, done_parse_small_buffer);
	tcase_add_test(tc, builder_parser_agree);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
