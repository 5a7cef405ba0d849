// SPDX-License-Identifier: GPL-2.0-or-later
/* test_daemon_config.c - nat-portd's config parser (userspace/daemon). */
#include <check.h>
#include <string.h>
#include <syslog.h>

#include "core/config.h"
#include "unit_main.h"

#define MIN "lan-address 192.0.2.1\nlan-prefix 192.0.2.0/24\n" \
	    "wan-address 198.51.100.1\n"

static int parse(const char *text, struct natport_config *c, char *err)
{
	return natport_config_parse(c, "t.conf", text, strlen(text), err, 256);
}

START_TEST(minimal_and_defaults)
{
	struct natport_config c;
	char err[256];

	ck_assert_int_eq(parse(MIN, &c, err), 0);
	ck_assert_int_eq(c.sip_port, 5060);
	ck_assert_int_eq(c.lan_address.port, 5060);
	ck_assert_int_eq(c.port_min, 20000);
	ck_assert_int_eq(c.port_max, 29999);
	ck_assert_int_eq(c.has_upstream, 0);
	ck_assert_int_eq(c.log_level, LOG_INFO);
	ck_assert_uint_eq(c.invite_timeout_ms, 180000);
}
END_TEST

START_TEST(all_keys)
{
	struct natport_config c;
	char err[256];
	const char *t = MIN "# comment\n\n  sip-port 5070 # trailing\n"
			"upstream-proxy 198.51.100.20\n"
			"media-port-range 30000-30099\nquarantine 500ms\n"
			"dialog-timeout 2m\ninvite-timeout 30\n"
			"max-mappings-per-client 8\nmax-calls 10\n"
			"control-socket /run/x.sock\nlog-level debug\n"
			"lan-prefix 10.0.0.0/8\n";

	ck_assert_msg(parse(t, &c, err) == 0, "%s", err);
	ck_assert_int_eq(c.sip_port, 5070);
	ck_assert_int_eq(c.wan_address.port, 5070);
	ck_assert_int_eq(c.has_upstream, 1);
	ck_assert_int_eq(c.upstream.port, 5060);
	ck_assert_int_eq(c.port_min, 30000);
	ck_assert_uint_eq(c.quarantine_ms, 500);
	ck_assert_uint_eq(c.dialog_timeout_ms, 120000);
	ck_assert_uint_eq(c.invite_timeout_ms, 30000);
	ck_assert_uint_eq(c.max_mappings_per_client, 8);
	ck_assert_uint_eq(c.n_lan_prefix, 2);
	ck_assert_str_eq(c.control_socket, "/run/x.sock");
	ck_assert_int_eq(c.log_level, LOG_DEBUG);
}
END_TEST

static void bad(const char *text, const char *want)
{
	struct natport_config c;
	char err[256];

	memset(&c, 0x5a, sizeof(c));
	ck_assert_int_eq(parse(text, &c, err), -1);
	ck_assert_msg(strstr(err, want), "error '%s' lacks '%s'", err, want);
	/* a failed parse writes nothing */
	ck_assert_int_eq(((unsigned char *)&c)[0], 0x5a);
}

START_TEST(errors_name_file_and_line)
{
	bad(MIN "bogus 1\n", "t.conf:4: unknown key 'bogus'");
	bad(MIN "sip-port 0\n", "t.conf:4: sip-port");
	bad(MIN "sip-port 70000\n", "t.conf:4:");
	bad(MIN "sip-port 5060 5061\n", "takes one value");
	bad(MIN "sip-port\n", "needs a value");
	bad(MIN "wan-address 198.51.100.2\n", "given twice (first on line 3)");
	bad(MIN "media-port-range 30000\n", "MIN-MAX");
	bad(MIN "media-port-range 100-200\n", "1024");
	bad(MIN "quarantine 5 s\n", "takes one value");
	bad(MIN "quarantine 5x\n", "duration");
	bad(MIN "dialog-timeout 10ms\n", "at least 1s");
	bad(MIN "log-level loud\n", "error, warning, info or debug");
	bad(MIN "control-socket relative\n", "absolute");
	bad(MIN "upstream-proxy provider.example\n", "no host names");
	bad(MIN "upstream-proxy 192.0.2.20\n", "inside a lan-prefix");
	bad("lan-address 192.0.2.1\nlan-prefix 192.0.2.0/24\n",
	    "wan-address is missing");
	bad("lan-address 192.0.2.1\nwan-address 198.51.100.1\n",
	    "lan-prefix is missing");
	bad("lan-address 203.0.113.1\nlan-prefix 192.0.2.0/24\n"
	    "wan-address 198.51.100.1\n", "t.conf:1: lan-address is not inside");
	bad(MIN "log-level debug\x01\n", "control");
}
END_TEST

START_TEST(durations)
{
	uint32_t ms;

	ck_assert_int_eq(natport_config_parse_duration("3", &ms), 0);
	ck_assert_uint_eq(ms, 3000);
	ck_assert_int_eq(natport_config_parse_duration("250ms", &ms), 0);
	ck_assert_uint_eq(ms, 250);
	ck_assert_int_eq(natport_config_parse_duration("1h", &ms), 0);
	ck_assert_uint_eq(ms, 3600000);
	ck_assert_int_eq(natport_config_parse_duration("-1", &ms), -1);
	ck_assert_int_eq(natport_config_parse_duration("99999999h", &ms), -1);
	ck_assert_int_eq(natport_config_parse_duration("", &ms), -1);
}
END_TEST

START_TEST(reload_rules)
{
	struct natport_config a, b;
	char err[256];

	ck_assert_int_eq(parse(MIN, &a, err), 0);
	ck_assert_int_eq(parse(MIN "log-level debug\ninvite-timeout 5\n", &b,
			       err), 0);
	ck_assert_ptr_null(natport_config_restart_needed(&a, &b));
	ck_assert_int_eq(parse(MIN "sip-port 5070\n", &b, err), 0);
	ck_assert_str_eq(natport_config_restart_needed(&a, &b), "sip-port");
}
END_TEST

/* IPv6 (issue 16): the router's second family in its own keys, NAT66
 * only with what it needs, and -n names each mistake. */
#define MIN6 MIN "lan-prefix 2001:db8:1::/64\n" \
	     "lan-address6 2001:db8:1::1\nwan-address6 2001:db8:2::1\n"

START_TEST(v6_keys)
{
	struct natport_config a, b;
	char err[256];

	ck_assert_int_eq(parse(MIN, &a, err), 0);
	ck_assert_int_eq(a.lan_address6.family, AF_UNSPEC);
	ck_assert_int_eq(a.nat66, 0);
	ck_assert_msg(parse(MIN6 "sip-port 5070\n", &a, err) == 0, "%s", err);
	ck_assert_int_eq(a.lan_address6.family, AF_INET6);
	ck_assert_int_eq(a.wan_address6.port, 5070);
	ck_assert(natport_policy_is_own(&a.policy, &a.wan_address6));
	ck_assert_msg(parse("lan-address 192.0.2.1\nlan-prefix 192.0.2.0/24\n"
			    "lan-prefix fd00:1::/64\n"
			    "lan-address6 fd00:1::1\n"
			    "wan-address 198.51.100.1\n"
			    "wan-address6 2001:db8:2::1\nnat66 yes\n"
			    "sip-port 5070\n",
			    &b, err) == 0, "%s", err);
	ck_assert_int_eq(b.nat66, 1);
	ck_assert_int_eq(parse(MIN6 "sip-port 5070\nnat66 yes\n", &b, err), 0);
	ck_assert_str_eq(natport_config_restart_needed(&a, &b), "nat66");

	bad(MIN "lan-address6 192.0.2.2\n", "t.conf:4: lan-address6: "
					     "expected an IPv6 address");
	bad(MIN "lan-address6 2001:db8:1::1\n",
	    "t.conf:4: lan-address6 is not inside any lan-prefix");
	bad(MIN6 "lan-prefix 2001:db8:2::/64\n",
	    "t.conf:6: wan-address6 is inside a lan-prefix");
	bad(MIN "lan-prefix fe80::/10\nlan-address6 fe80::1\n",
	    "lan-address6 is a link-local address");
	bad(MIN "wan-address6 ff02::1\n", "multicast");
	bad(MIN "nat66 maybe\n", "nat66: expected yes or no");
	bad(MIN "nat66 yes\n", "t.conf:4: nat66 yes needs wan-address6");
	bad(MIN "wan-address6 2001:db8:2::1\nnat66 yes\n"
			    "sip-port 5070\n",
	    "needs an IPv6 lan-prefix");
	bad(MIN "lan-prefix fd00:1::/64\n",
	    "t.conf:4: lan-prefix fd00:1::/64 is unique-local");
	bad(MIN "upstream-proxy [2001:db8:2::20]:5060\n",
	    "t.conf:4: upstream-proxy is IPv6: set wan-address6");
	bad("lan-address 192.0.2.1\nlan-prefix 192.0.2.0/24\n"
	    "wan-address 2001:db8:2::1\n",
	    "t.conf:3: wan-address must be IPv4");
}
END_TEST

/* The ng front end's keys: off by default, ng-allow repeatable, and a
 * changed ng-listen needs a restart (the socket is bound once). */
START_TEST(ng_keys)
{
	struct natport_config a, b;
	char err[256];

	ck_assert_int_eq(parse(MIN, &a, err), 0);
	ck_assert_int_eq(a.has_ng_listen, 0);
	ck_assert_uint_eq(a.n_ng_allow, 0);
	ck_assert_uint_eq(a.ng_delete_delay_ms, 0);
	ck_assert_int_eq(parse(MIN "ng-listen 127.0.0.1:2223\n"
				   "ng-allow 127.0.0.1/32\n"
				   "ng-allow 203.0.113.0/24\n"
				   "ng-delete-delay 30s\n",
			       &b, err),
			 0);
	ck_assert_int_eq(b.has_ng_listen, 1);
	ck_assert_int_eq(b.ng_listen.port, 2223);
	ck_assert_uint_eq(b.n_ng_allow, 2);
	ck_assert_uint_eq(b.ng_delete_delay_ms, 30000);
	ck_assert_str_eq(natport_config_restart_needed(&a, &b), "ng-listen");
	ck_assert_int_eq(parse(MIN "ng-listen 127.0.0.1\n", &b, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "t.conf:4: ng-listen"));
	ck_assert_int_eq(parse(MIN "ng-allow nonsense\n", &b, err), -1);
	ck_assert_int_eq(parse(MIN "ng-delete-delay 2h\n", &b, err), -1);
	ck_assert_int_eq(parse(MIN "ng-listen 127.0.0.1:1\n"
				   "ng-listen 127.0.0.1:2\n",
			       &b, err),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "given twice"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("daemon_config");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, minimal_and_defaults);
	tcase_add_test(tc, all_keys);
	tcase_add_test(tc, errors_name_file_and_line);
	tcase_add_test(tc, durations);
	tcase_add_test(tc, reload_rules);
	tcase_add_test(tc, ng_keys);
	tcase_add_test(tc, v6_keys);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
