// SPDX-License-Identifier: GPL-2.0-or-later
/* test_portalloc.c - port pairs: parity, FIFO reuse, quarantine, several
 * addresses, exhaustion only when no pair is free, reservation through
 * ip_local_reserved_ports (runs in a private network namespace). */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
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

	ck_assert_int_eq(natport_portalloc_init(&pa, &ext, 1, 20001, 20010, 0), 0);
	ck_assert_int_eq(pa.base, 20002);
	ck_assert_int_eq(pa.npairs, 4); /* 20002..20009 */
	natport_portalloc_uninit(&pa);
	ck_assert_int_eq(natport_portalloc_init(&pa, &ext, 1, 20001, 20001, 0),
			 -NATPORT_E_INVAL);
	ck_assert_int_eq(natport_portalloc_init(&pa, &ext, 1, 20010, 20000, 0),
			 -NATPORT_E_INVAL);
	ck_assert_int_eq(natport_portalloc_init(&pa, &ext, 1, 0, 1, 0),
			 -NATPORT_E_INVAL);
}
END_TEST

START_TEST(fifo_quarantine_exhaustion)
{
	struct natport_portalloc pa;
	uint32_t a, b, c, d;

	ck_assert_int_eq(natport_portalloc_init(&pa, &ext, 1, 21000, 21005, 1000),
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
	ck_assert_uint_eq(pa.nused + pa.nfree + pa.nquarantine, pa.npairs);
	natport_portalloc_uninit(&pa);
}
END_TEST

START_TEST(lru_reuse)
{
	struct natport_portalloc pa;
	uint32_t a, b;

	ck_assert_int_eq(natport_portalloc_init(&pa, &ext, 1, 21100, 21107, 0),
			 0);
	a = natport_portalloc_get(&pa, 0);
	natport_portalloc_put(&pa, a, 0);
	/* the other free pairs come before the one just released */
	b = natport_portalloc_get(&pa, 0);
	ck_assert_uint_ne(a, b);
	natport_portalloc_uninit(&pa);
}
END_TEST

static void write_file(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, v, strlen(v)), (ssize_t)strlen(v));
	close(fd);
}

static uint16_t ephemeral_port(int *fd)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);

	*fd = socket(AF_INET, SOCK_DGRAM, 0);
	sin.sin_addr = ext.addr.v4;
	if (bind(*fd, (struct sockaddr *)&sin, sizeof(sin)))
		return 0;
	getsockname(*fd, (struct sockaddr *)&sin, &len);
	return ntohs(sin.sin_port);
}

/* No socket holds a port: the range is reserved, so the kernel's own
 * choice of an ephemeral port never lands in it, and unreserving gives
 * back exactly what was added. An explicit bind still succeeds: the
 * documented limit. */
START_TEST(ports_are_reserved)
{
	struct natport_portalloc pa;
	int fds[40], i, fd;

	write_file("/proc/sys/net/ipv4/ip_local_port_range", "21200 21299");
	write_file("/proc/sys/net/ipv4/ip_local_reserved_ports", "21250\n");
	ck_assert_int_eq(natport_portalloc_init(&pa, &ext, 1, 21200, 21259, 0),
			 0);
	ck_assert_int_eq(natport_portalloc_reserve(&pa), 0);
	ck_assert_int_eq(natport_portalloc_is_reserved(21200), 1);
	ck_assert_int_eq(natport_portalloc_is_reserved(21259), 1);
	ck_assert_int_eq(natport_portalloc_is_reserved(21260), 0);
	for (i = 0; i < 40; i++) {
		uint16_t p = ephemeral_port(&fds[i]);

		/* 40 picks out of the 40 ports left: none in the range */
		ck_assert_uint_ge(p, 21260);
		ck_assert_uint_le(p, 21299);
	}
	for (i = 0; i < 40; i++)
		close(fds[i]);
	fd = try_bind(21202);
	ck_assert_int_ge(fd, 0); /* the limit: explicit binds still work */
	close(fd);
	natport_portalloc_uninit(&pa);
	ck_assert_int_eq(natport_portalloc_is_reserved(21200), 0);
	ck_assert_int_eq(natport_portalloc_is_reserved(21250), 1); /* kept */
	write_file("/proc/sys/net/ipv4/ip_local_reserved_ports", "\n");
	ck_assert_int_eq(natport_portalloc_is_reserved(21250), 0);
}
END_TEST

/* Pairs spread over every address in turn; an endpoint finds its pair
 * back; the allocator hands out every pair there is and fails only then,
 * whatever the mix of used, quarantined and released pairs. */
START_TEST(several_addresses)
{
	struct natport_portalloc pa;
	struct natport_endpoint addrs[3], ep;
	uint32_t i, got[30], pair;
	unsigned int half, per[3] = { 0 };

	natport_endpoint_parse("198.51.100.1", &addrs[0]);
	natport_endpoint_parse("198.51.100.2", &addrs[1]);
	natport_endpoint_parse("203.0.113.1", &addrs[2]);
	ck_assert_int_eq(natport_portalloc_init(&pa, addrs, 3, 22000, 22019,
						1000),
			 0);
	ck_assert_uint_eq(pa.npairs, 30);
	for (i = 0; i < 30; i++) {
		got[i] = natport_portalloc_get(&pa, 0);
		ck_assert_uint_ne(got[i], NATPORT_PAIR_NONE);
		ep = *natport_portalloc_addr(&pa, got[i]);
		per[got[i] % 3]++;
		ep.port = natport_portalloc_port(&pa, got[i], 1);
		ck_assert_int_eq(ep.port % 2, 1);
		ck_assert_int_eq(natport_portalloc_find(&pa, &ep, &pair, &half),
				 0);
		ck_assert_uint_eq(pair, got[i]);
		ck_assert_uint_eq(half, 1);
	}
	ck_assert_uint_eq(per[0], 10);
	ck_assert_uint_eq(per[1], 10);
	ck_assert_uint_eq(per[2], 10);
	/* the first three went to three different addresses */
	ck_assert_int_eq(natport_endpoint_addr_equal(
				 natport_portalloc_addr(&pa, got[0]),
				 natport_portalloc_addr(&pa, got[1])),
			 0);
	ck_assert_uint_eq(natport_portalloc_get(&pa, 0), NATPORT_PAIR_NONE);
	/* one released, quarantined: still none until it expires */
	natport_portalloc_put(&pa, got[17], 0);
	ck_assert_uint_eq(natport_portalloc_get(&pa, 999), NATPORT_PAIR_NONE);
	ck_assert_uint_eq(natport_portalloc_get(&pa, 1000), got[17]);
	/* an address that is not ours, a port outside the range */
	natport_endpoint_parse("198.51.100.3:22000", &ep);
	ck_assert_int_eq(natport_portalloc_find(&pa, &ep, &pair, &half), -1);
	natport_endpoint_parse("198.51.100.2:22020", &ep);
	ck_assert_int_eq(natport_portalloc_find(&pa, &ep, &pair, &half), -1);
	natport_portalloc_uninit(&pa);
}
END_TEST

/* A range much larger than RLIMIT_NOFILE: every pair is handed out, and no
 * descriptor is used for any of them. */
START_TEST(no_descriptor_per_port)
{
	struct natport_portalloc pa;
	uint32_t i, n = 0;
	int fd0 = dup(0), fd1;

	close(fd0);
	ck_assert_int_eq(natport_portalloc_init(&pa, &ext, 1, 1024, 65535, 0),
			 0);
	for (i = 0; i < pa.npairs; i++)
		if (natport_portalloc_get(&pa, 0) != NATPORT_PAIR_NONE)
			n++;
	ck_assert_uint_eq(n, 32256);
	ck_assert_uint_eq(natport_portalloc_get(&pa, 0), NATPORT_PAIR_NONE);
	fd1 = dup(0);
	ck_assert_int_eq(fd1, fd0); /* the same lowest free descriptor */
	close(fd1);
	natport_portalloc_uninit(&pa);
}
END_TEST

START_TEST(find_endpoints)
{
	struct natport_portalloc pa;
	struct natport_endpoint ep = ext;
	uint32_t pair;
	unsigned int half;

	ck_assert_int_eq(natport_portalloc_init(&pa, &ext, 1, 21400, 21409, 0),
			 0);
	ep.port = 21405;
	ck_assert_int_eq(natport_portalloc_find(&pa, &ep, &pair, &half), 0);
	ck_assert_uint_eq(pair, 2);
	ck_assert_uint_eq(half, 1);
	ep.port = 21410;
	ck_assert_int_eq(natport_portalloc_find(&pa, &ep, &pair, &half), -1);
	ep.port = 21399;
	ck_assert_int_eq(natport_portalloc_find(&pa, &ep, &pair, &half), -1);
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
	tcase_add_test(tc, ports_are_reserved);
	tcase_add_test(tc, several_addresses);
	tcase_add_test(tc, no_descriptor_per_port);
	tcase_add_test(tc, find_endpoints);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
