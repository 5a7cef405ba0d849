// SPDX-License-Identifier: GPL-2.0-or-later
/* test_portalloc.c - port pairs: parity, FIFO reuse, quarantine, holding,
 * busy ports, exhaustion (runs in a private network namespace). */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns_unit.h"
#include "portalloc.h"
#include "unit_main.h"

static struct natport_endpoint ext;

static void setup(void)
{
	natport_endpoint_parse("198.51.100.1", &ext);
}

static int try_bind(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), r;

	sin.sin_addr = ext.addr.v4;
	r = bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	if (r == 0)
		return fd;
	close(fd);
	return -1;
}

START_TEST(range_rounding)
{
	struct natport_portalloc pa;

	ck_assert_int_eq(natport_portalloc_init(&pa, &ext, 20001, 20010, 0), 0);
	ck_assert_int_eq(pa.base, 20002);
	ck_assert_int_eq(pa.npairs, 4); /* 20002..20009 */
	natport_portalloc_uninit(&pa);
	ck_assert_int_eq(natport_portalloc_init(&pa, &ext, 20001, 20001, 0),
			 -NATPORT_E_INVAL);
	ck_assert_int_eq(natport_portalloc_init(&pa, &ext, 20010, 20000, 0),
			 -NATPORT_E_INVAL);
	ck_assert_int_eq(natport_portalloc_init(&pa, &ext, 0, 1, 0),
			 -NATPORT_E_INVAL);
}
END_TEST

START_TEST(fifo_quarantine_exhaustion)
{
	struct natport_portalloc pa;
	uint32_t a, b, c, d;

	ck_assert_int_eq(natport_portalloc_init(&pa, &ext, 21000, 21005, 1000),
			 0);
	a = natport_portalloc_get(&pa, 0);
	b = natport_portalloc_get(&pa, 0);
	c = natport_portalloc_get(&pa, 0);
	ck_assert_uint_eq(a, 0);
	ck_assert_uint_eq(b, 1);
	ck_assert_uint_eq(c, 2);
	ck_assert_int_eq(natport_portalloc_port(&pa, a, 0) % 2, 0);
	ck_assert_int_eq(natport_portalloc_port(&pa, a, 1),
			 natport_portalloc_port(&pa, a, 0) + 1);
	ck_assert_uint_eq(natport_portalloc_get(&pa, 0), NATPORT_PAIR_NONE);
	ck_assert_uint_eq(pa.nused, 3);

	natport_portalloc_put(&pa, b, 100);
	natport_portalloc_put(&pa, b, 100); /* twice: no effect */
	ck_assert_uint_eq(pa.nquarantine, 1);
	ck_assert_uint_eq(natport_portalloc_get(&pa, 500), NATPORT_PAIR_NONE);
	ck_assert_uint_eq(natport_portalloc_get(&pa, 1099), NATPORT_PAIR_NONE);
	d = natport_portalloc_get(&pa, 1100);
	ck_assert_uint_eq(d, b);
	ck_assert_uint_eq(pa.nquarantine, 0);
	ck_assert_uint_eq(pa.nused + pa.nfree + pa.nquarantine + pa.nbusy,
			  pa.npairs);
	natport_portalloc_uninit(&pa);
}
END_TEST

START_TEST(lru_reuse)
{
	struct natport_portalloc pa;
	uint32_t a, b;

	ck_assert_int_eq(natport_portalloc_init(&pa, &ext, 21100, 21107, 0),
			 0);
	a = natport_portalloc_get(&pa, 0);
	natport_portalloc_put(&pa, a, 0);
	/* the other free pairs come before the one just released */
	b = natport_portalloc_get(&pa, 0);
	ck_assert_uint_ne(a, b);
	natport_portalloc_uninit(&pa);
}
END_TEST

START_TEST(ports_are_held)
{
	struct natport_portalloc pa;
	uint32_t a;
	int fd;

	ck_assert_int_eq(natport_portalloc_init(&pa, &ext, 21200, 21203, 0),
			 0);
	a = natport_portalloc_get(&pa, 0);
	ck_assert_int_eq(try_bind(natport_portalloc_port(&pa, a, 0)), -1);
	ck_assert_int_eq(try_bind(natport_portalloc_port(&pa, a, 1)), -1);
	/* still held while quarantined and after */
	natport_portalloc_put(&pa, a, 0);
	ck_assert_int_eq(try_bind(natport_portalloc_port(&pa, a, 0)), -1);
	natport_portalloc_uninit(&pa);
	fd = try_bind(21200);
	ck_assert_int_ge(fd, 0); /* released by uninit */
	close(fd);
}
END_TEST

START_TEST(busy_port_skipped)
{
	struct natport_portalloc pa;
	int fd = try_bind(21301); /* someone else holds the first odd port */
	uint32_t a;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(natport_portalloc_init(&pa, &ext, 21300, 21303, 0),
			 0);
	a = natport_portalloc_get(&pa, 0);
	ck_assert_uint_eq(a, 1); /* pair 0 is busy */
	ck_assert_uint_eq(pa.nbusy, 1);
	ck_assert_int_eq(pa.last_errno, EADDRINUSE);
	ck_assert_uint_eq(natport_portalloc_get(&pa, 0), NATPORT_PAIR_NONE);
	close(fd);
	/* retried after the busy delay */
	ck_assert_uint_eq(natport_portalloc_get(&pa, 10000), 0);
	ck_assert_uint_eq(pa.nbusy, 0);
	natport_portalloc_uninit(&pa);
}
END_TEST

START_TEST(find_and_drain)
{
	struct natport_portalloc pa;
	struct sockaddr_in to = { .sin_family = AF_INET };
	uint32_t pair;
	unsigned int half;
	int fd;

	ck_assert_int_eq(natport_portalloc_init(&pa, &ext, 21400, 21409, 0),
			 0);
	ck_assert_int_eq(natport_portalloc_find(&pa, 21405, &pair, &half), 0);
	ck_assert_uint_eq(pair, 2);
	ck_assert_uint_eq(half, 1);
	ck_assert_int_eq(natport_portalloc_find(&pa, 21410, &pair, &half), -1);
	ck_assert_int_eq(natport_portalloc_find(&pa, 21399, &pair, &half), -1);

	pair = natport_portalloc_get(&pa, 0);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	to.sin_addr = ext.addr.v4;
	to.sin_port = htons(natport_portalloc_port(&pa, pair, 0));
	ck_assert_int_eq(sendto(fd, "x", 1, 0, (struct sockaddr *)&to,
				sizeof(to)),
			 1);
	usleep(10000);
	ck_assert_uint_eq(natport_portalloc_drain(&pa, pair), 1);
	ck_assert_uint_eq(natport_portalloc_drain(&pa, pair), 0);
	close(fd);
	natport_portalloc_uninit(&pa);
}
END_TEST

/* A range larger than RLIMIT_NOFILE allows: once the process runs out of
 * descriptors, a pair that is held already must still be handed out
 * rather than the one that cannot be bound ending every allocation. */
START_TEST(fd_limit_skips_to_held_pair)
{
	struct natport_portalloc pa;
	struct rlimit rl;
	uint32_t a, b, n = 0;
	int fd;

	ck_assert_int_eq(natport_portalloc_init(&pa, &ext, 21400, 21415, 0), 0);
	/* room for two pairs (four sockets) beyond what is open now */
	fd = dup(0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = fd + 4;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	a = natport_portalloc_get(&pa, 0);
	b = natport_portalloc_get(&pa, 0);
	ck_assert_uint_ne(a, NATPORT_PAIR_NONE);
	ck_assert_uint_ne(b, NATPORT_PAIR_NONE);
	ck_assert_uint_eq(natport_portalloc_get(&pa, 0), NATPORT_PAIR_NONE);
	ck_assert_int_eq(pa.last_errno, EMFILE);
	/* released pairs come round again behind the unbound ones */
	for (n = 0; n < 20; n++) {
		natport_portalloc_put(&pa, a, n);
		a = natport_portalloc_get(&pa, n);
		ck_assert_uint_ne(a, NATPORT_PAIR_NONE);
	}
	ck_assert_uint_eq(pa.nused + pa.nfree + pa.nquarantine + pa.nbusy,
			  pa.npairs);
	natport_portalloc_uninit(&pa);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("portalloc");
	TCase *tc = tcase_create("core");

	netns_unit_enter();
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, range_rounding);
	tcase_add_test(tc, fifo_quarantine_exhaustion);
	tcase_add_test(tc, lru_reuse);
	tcase_add_test(tc, ports_are_held);
	tcase_add_test(tc, busy_port_skipped);
	tcase_add_test(tc, find_and_drain);
	tcase_add_test(tc, fd_limit_skips_to_held_pair);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
