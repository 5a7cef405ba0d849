// SPDX-License-Identifier: GPL-2.0-or-later
/* test_pm_v6.c - the port manager's IPv6 contract against the real kernel,
 * in a private network namespace: pinholes (external = internal, no port
 * of the range), NAT66 on external6, mixed families refused, entries made,
 * re-created after the kernel drops them, and removed. */
#include <check.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <natport/natport.h>

#include "netns_unit.h"
#include "unit_main.h"

static struct natport_pm_config cfg;

static void setup(void)
{
	memset(&cfg, 0, sizeof(cfg));
	natport_endpoint_parse("198.51.100.1", &cfg.external);
	natport_prefix_parse("192.0.2.0/24", &cfg.internal[0]);
	natport_prefix_parse("2001:db8:1::/64", &cfg.internal[1]);
	cfg.n_internal = 2;
	cfg.port_min = 30000;
	cfg.port_max = 30007; /* 4 pairs */
	cfg.quarantine_ms = 60000;
}

static struct natport_pm *open_pm(void)
{
	char err[256];
	struct natport_pm *pm = natport_pm_open(&cfg, err, sizeof(err));

	ck_assert_msg(pm != NULL, "open: %s", err);
	return pm;
}

static struct natport_mapping_req req(enum natport_port_type t,
				      const char *internal)
{
	struct natport_mapping_req r = { .type = t };

	ck_assert_int_eq(natport_endpoint_parse(internal, &r.internal), 0);
	return r;
}

static struct natport_endpoint ep(const char *s)
{
	struct natport_endpoint e;

	ck_assert_int_eq(natport_endpoint_parse(s, &e), 0);
	return e;
}

/* The kernel's natport entries of this namespace, the last one kept. */
struct klist {
	int n, v6;
	struct natport_mapping last;
};

static int list_cb(const struct natport_mapping *m,
		   const struct natport_counters *c, uint32_t timeout,
		   void *arg)
{
	struct klist *k = arg;

	k->n++;
	k->v6 += m->external.family == AF_INET6;
	k->last = *m;
	return 0;
}

static struct klist kernel(void)
{
	char err[256];
	struct klist k = { 0 };
	int r = natport_kernel_list(0, list_cb, &k, err, sizeof(err));

	ck_assert_msg(r >= 0, "kernel list: %s", err);
	ck_assert_int_eq(r, k.n);
	return k;
}

START_TEST(open_errors)
{
	char err[256];
	struct natport_pm_config c = cfg;
	struct natport_pm *pm;

	c.nat66 = 1; /* without external6 */
	ck_assert_ptr_null(natport_pm_open(&c, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "external6"));
	c.external6 = ep("192.0.2.1");
	ck_assert_ptr_null(natport_pm_open(&c, err, sizeof(err)));
	/* an IPv6 LAN prefix alone is fine: pinholes need nothing more */
	c = cfg;
	pm = natport_pm_open(&c, err, sizeof(err));
	ck_assert_msg(pm != NULL, "open: %s", err);
	natport_pm_close(pm);
}
END_TEST

START_TEST(pinhole)
{
	struct natport_pm *pm = open_pm();
	struct natport_mapping_req r =
		req(NATPORT_PORT_AUDIO_RTP, "[2001:db8:1::10]:4000");
	struct natport_mapping m, m2, rtcp;
	struct natport_endpoint remote = ep("[2001:db8:2::20]:6000");
	struct natport_endpoint remote2 = ep("[2001:db8:2::21]:7000");
	struct natport_pm_stats st;
	struct natport_counters c;
	struct klist k;

	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), 0);
	ck_assert(natport_endpoint_equal(&m.external, &m.internal));
	ck_assert_int_eq(m.state, NATPORT_MAP_HELD);
	/* asking again: the same mapping */
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m2), 0);
	ck_assert_uint_eq(m2.id, m.id);
	r = req(NATPORT_PORT_AUDIO_RTCP, "[2001:db8:1::10]:4001");
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &rtcp), 0);
	ck_assert_uint_eq(rtcp.external.port, 4001);
	natport_pm_get_stats(pm, &st);
	ck_assert_uint_eq(st.ports_held, 0); /* pinholes take no pair */
	ck_assert_uint_eq(st.mappings, 2);
	ck_assert_int_eq(kernel().n, 0);

	ck_assert_int_eq(
		natport_pm_update_remote(pm, &m.external, &remote, &m2), 0);
	ck_assert_int_eq(m2.state, NATPORT_MAP_ACTIVE);
	k = kernel();
	ck_assert_int_eq(k.n, 1);
	ck_assert_int_eq(k.v6, 1);
	ck_assert_uint_eq(k.last.id, m.id);
	ck_assert(natport_endpoint_equal(&k.last.remote, &remote));
	ck_assert(natport_endpoint_equal(&k.last.external, &m.internal));
	ck_assert(natport_endpoint_equal(&k.last.internal, &m.internal));
	/* same remote: refresh only; a new one replaces */
	ck_assert_int_eq(
		natport_pm_update_remote(pm, &m.external, &remote, NULL), 0);
	ck_assert_int_eq(kernel().n, 1);
	ck_assert_int_eq(
		natport_pm_update_remote(pm, &m.external, &remote2, NULL), 0);
	k = kernel();
	ck_assert_int_eq(k.n, 1);
	ck_assert(natport_endpoint_equal(&k.last.remote, &remote2));
	ck_assert_int_eq(natport_pm_counters(pm, m.id, &c), 0);
	ck_assert_uint_eq(c.pkts_in + c.pkts_out, 0);

	/* the pinhole is named by its (internal) endpoint */
	ck_assert_int_eq(natport_pm_release(pm, &m.internal, &m.external), 0);
	ck_assert_int_eq(natport_pm_release(pm, &m.internal, &m.external),
			 -NATPORT_E_NOENT);
	ck_assert_int_eq(kernel().n, 0);
	ck_assert_int_eq(
		natport_pm_update_remote(pm, &m.external, &remote, NULL),
		-NATPORT_E_NOENT);
	natport_pm_close(pm);
}
END_TEST

START_TEST(nat66)
{
	struct natport_pm *pm;
	struct natport_mapping_req r =
		req(NATPORT_PORT_AUDIO_RTP, "[2001:db8:1::10]:4000");
	struct natport_mapping m, rtcp, m2;
	struct natport_endpoint remote = ep("[2001:db8:2::20]:6000");
	struct natport_endpoint ext6 = ep("2001:db8:2::1");
	struct klist k;

	cfg.external6 = ext6;
	cfg.nat66 = 1;
	pm = open_pm();
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), 0);
	ck_assert(natport_endpoint_addr_equal(&m.external, &ext6));
	ck_assert_uint_ge(m.external.port, 30000);
	ck_assert_uint_le(m.external.port, 30007);
	ck_assert_uint_eq(m.external.port % 2, 0);
	r = req(NATPORT_PORT_AUDIO_RTCP, "[2001:db8:1::10]:4001");
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &rtcp), 0);
	ck_assert_uint_eq(rtcp.external.port, m.external.port + 1);
	/* an IPv4 mapping of the same handle has the IPv4 range to itself */
	r = req(NATPORT_PORT_AUDIO_RTP, "192.0.2.10:4000");
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m2), 0);
	ck_assert_int_eq(m2.external.family, AF_INET);

	ck_assert_int_eq(
		natport_pm_update_remote(pm, &m.external, &remote, NULL), 0);
	k = kernel();
	ck_assert_int_eq(k.n, 1);
	ck_assert(natport_endpoint_equal(&k.last.external, &m.external));
	ck_assert(natport_endpoint_equal(&k.last.internal, &m.internal));
	ck_assert(natport_endpoint_equal(&k.last.remote, &remote));
	/* the NAT66 address is guarded like the IPv4 ones */
	ck_assert_int_eq(system("nft list chain inet natport guard | "
				"grep -q 'ip6 daddr 2001:db8:2::1 udp dport'"),
			 0);
	ck_assert_int_eq(natport_pm_release(pm, &m.internal, &m.external), 0);
	ck_assert_int_eq(kernel().n, 0);
	/* quarantined: the next IPv6 mapping gets another pair */
	r = req(NATPORT_PORT_VIDEO_RTP, "[2001:db8:1::10]:5000");
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m2), 0);
	ck_assert_uint_ne(m2.external.port, m.external.port);
	natport_pm_close(pm);
	ck_assert_int_eq(kernel().n, 0);
}
END_TEST

START_TEST(mixed_families_refused)
{
	struct natport_pm *pm = open_pm();
	struct natport_mapping_req r =
		req(NATPORT_PORT_AUDIO_RTP, "192.0.2.10:4000");
	struct natport_mapping m4, m6;
	struct natport_endpoint r6 = ep("[2001:db8:2::20]:6000");
	struct natport_endpoint r4 = ep("198.51.100.20:6000");
	struct natport_remote_update u[2];
	struct natport_pm_stats st;

	r.remote = r6;
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m4),
			 -NATPORT_E_NOTSUP);
	ck_assert_ptr_nonnull(
		strstr(natport_pm_last_error(pm), "address families"));
	memset(&r.remote, 0, sizeof(r.remote));
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m4), 0);
	ck_assert_int_eq(natport_pm_update_remote(pm, &m4.external, &r6, NULL),
			 -NATPORT_E_NOTSUP);
	r = req(NATPORT_PORT_AUDIO_RTP, "[2001:db8:1::10]:4000");
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m6), 0);
	ck_assert_int_eq(natport_pm_update_remote(pm, &m6.external, &r4, NULL),
			 -NATPORT_E_NOTSUP);
	/* hold (::) is not a remote: nothing installed, nothing refused */
	r.remote = ep("::");
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m6), 0);
	ck_assert_int_eq(m6.state, NATPORT_MAP_HELD);
	/* one batch with both families, each right */
	memset(u, 0, sizeof(u));
	u[0].external = m4.external;
	u[0].remote = r4;
	u[1].external = m6.external;
	u[1].remote = r6;
	ck_assert_int_eq(natport_pm_update_remote_many(pm, u, 2), 0);
	ck_assert_int_eq(u[0].result, 0);
	ck_assert_int_eq(u[1].result, 0);
	ck_assert_int_eq(kernel().n, 2);
	ck_assert_int_eq(kernel().v6, 1);
	natport_pm_get_stats(pm, &st);
	ck_assert_uint_eq(st.mappings, 2);
	ck_assert_uint_eq(st.mappings_active, 2);
	natport_pm_close(pm);
	ck_assert_int_eq(kernel().n, 0);
}
END_TEST

START_TEST(restored_after_destroy)
{
	struct natport_pm *pm = open_pm();
	struct natport_mapping_req r =
		req(NATPORT_PORT_AUDIO_RTP, "[2001:db8:1::10]:4000");
	struct natport_mapping m;
	struct natport_pm_stats st;
	struct pollfd pfd;
	int i;

	r.remote = ep("[2001:db8:2::20]:6000");
	ck_assert_int_eq(natport_pm_get_mapping(pm, &r, &m), 0);
	ck_assert_int_eq(m.state, NATPORT_MAP_ACTIVE);
	ck_assert_int_eq(kernel().n, 1);
	ck_assert_int_eq(system("conntrack -D -f ipv6 -m 0x4e500000/0xffff0000 "
				">/dev/null 2>&1"),
			 0);
	pfd.fd = natport_pm_fd(pm);
	pfd.events = POLLIN;
	for (i = 0; i < 20; i++) {
		natport_pm_get_stats(pm, &st);
		if (st.kernel_restored)
			break;
		if (poll(&pfd, 1, 100) > 0)
			natport_pm_dispatch(pm);
	}
	natport_pm_get_stats(pm, &st);
	ck_assert_uint_eq(st.kernel_destroyed, 1);
	ck_assert_uint_eq(st.kernel_restored, 1);
	ck_assert_int_eq(kernel().n, 1);
	natport_pm_close(pm);
	ck_assert_int_eq(kernel().n, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pm_v6");
	TCase *tc = tcase_create("kernel");

	netns_unit_enter();
	if (system("ip addr add 2001:db8:2::1/64 dev np0 nodad && "
		   "ip addr add 2001:db8:1::1/64 dev np0 nodad")) {
		printf("cannot add the IPv6 addresses\n");
		return 77;
	}
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, open_errors);
	tcase_add_test(tc, pinhole);
	tcase_add_test(tc, nat66);
	tcase_add_test(tc, mixed_families_refused);
	tcase_add_test(tc, restored_after_destroy);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
