// SPDX-License-Identifier: GPL-2.0-or-later
/* test_tcp_config.c - the SIP-over-TCP config keys: defaults, bounds, and
 * upstream-proxy's ;transport= (issue 13). */
#include <check.h>
#include <string.h>

#include "core/config.h"
#include "sip/transport.h"
#include "unit_main.h"

#define MIN                                                \
	"lan-address 192.0.2.1\nlan-prefix 192.0.2.0/24\n" \
	"wan-address 198.51.100.1\n"

static int parse(const char *text, struct natport_config *c, char *err)
{
	return natport_config_parse(c, "t.conf", text, strlen(text), err, 256);
}

START_TEST(defaults)
{
	struct natport_config c;
	char err[256];

	ck_assert_int_eq(parse(MIN, &c, err), 0);
	ck_assert_int_eq(c.sip_tcp, 0);
	ck_assert_uint_eq(c.tcp_max_connections, 1024);
	ck_assert_uint_eq(c.tcp_max_per_peer, 32);
	ck_assert_uint_eq(c.tcp_idle_timeout_ms, 600000);
	ck_assert_uint_eq(c.tcp_max_output, 262144);
	ck_assert_int_eq(c.upstream_proto, NATPORT_SIP_UDP);
}
END_TEST

START_TEST(keys)
{
	struct natport_config c;
	char err[256];

	ck_assert_int_eq(parse(MIN "sip-tcp yes\nsip-tcp-port 5070\n"
				   "tcp-max-connections 2000\n"
				   "tcp-max-per-peer 3\ntcp-idle-timeout 90s\n"
				   "tcp-max-output 65536\n",
			       &c, err),
			 0);
	ck_assert_int_eq(c.sip_tcp, 1);
	ck_assert_uint_eq(c.sip_tcp_port, 5070);
	ck_assert_uint_eq(c.tcp_max_connections, 2000);
	ck_assert_uint_eq(c.tcp_max_per_peer, 3);
	ck_assert_uint_eq(c.tcp_idle_timeout_ms, 90000);
	ck_assert_uint_eq(c.tcp_max_output, 65536);
}
END_TEST

START_TEST(bad_values)
{
	static const char *bad[] = {
		MIN "sip-tcp maybe\n",
		MIN "sip-tcp-port 0\n",
		MIN "tcp-max-connections 0\n",
		MIN "tcp-max-connections 70000\n",
		MIN "tcp-max-per-peer x\n",
		MIN "tcp-idle-timeout 500ms\n",
		MIN "tcp-idle-timeout 2d\n",
		MIN "tcp-max-output 100\n",
		MIN "upstream-proxy 198.51.100.20;transport=sctp\n",
		MIN "upstream-proxy 198.51.100.20;foo\n",
		MIN "upstream-proxy provider.example;transport=tcp\n",
	};
	struct natport_config c;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(parse(bad[i], &c, err) != 0, "accepted: %s",
			      bad[i]);
		ck_assert_msg(strstr(err, "t.conf:4") != NULL,
			      "no line in '%s'", err);
	}
}
END_TEST

START_TEST(upstream_transport)
{
	struct natport_config c;
	char err[256];

	ck_assert_int_eq(parse(MIN
			       "upstream-proxy 198.51.100.20;transport=tcp\n",
			       &c, err),
			 0);
	ck_assert_int_eq(c.has_upstream, 1);
	ck_assert_int_eq(c.upstream_proto, NATPORT_SIP_TCP);
	ck_assert_uint_eq(c.upstream.port, 5060);
	ck_assert_int_eq(parse(MIN
			       "upstream-proxy 198.51.100.20;transport=TLS\n",
			       &c, err),
			 0);
	ck_assert_int_eq(c.upstream_proto, NATPORT_SIP_TLS);
	ck_assert_uint_eq(c.upstream.port, 5061);
	ck_assert_int_eq(
		parse(MIN "upstream-proxy 198.51.100.20:5080;transport=udp\n",
		      &c, err),
		0);
	ck_assert_int_eq(c.upstream_proto, NATPORT_SIP_UDP);
	ck_assert_uint_eq(c.upstream.port, 5080);
}
END_TEST

START_TEST(restart_needed)
{
	struct natport_config a, b;
	char err[256];

	ck_assert_int_eq(parse(MIN, &a, err), 0);
	ck_assert_int_eq(parse(MIN "sip-tcp yes\n", &b, err), 0);
	ck_assert_str_eq(natport_config_restart_needed(&a, &b), "sip-tcp");
	ck_assert_int_eq(parse(MIN "tcp-max-per-peer 2\n", &b, err), 0);
	ck_assert_ptr_nonnull(natport_config_restart_needed(&a, &b));
	/* the upstream's transport reloads, like the upstream itself */
	ck_assert_int_eq(parse(MIN
			       "upstream-proxy 198.51.100.20;transport=tcp\n",
			       &b, err),
			 0);
	ck_assert_ptr_null(natport_config_restart_needed(&a, &b));
}
END_TEST

START_TEST(proto_names)
{
	ck_assert_str_eq(natport_sip_proto_name(NATPORT_SIP_TCP), "TCP");
	ck_assert_int_eq(natport_sip_proto_parse("tls"), NATPORT_SIP_TLS);
	ck_assert_int_eq(natport_sip_proto_parse("Udp"), NATPORT_SIP_UDP);
	ck_assert_int_eq(natport_sip_proto_parse("sctp"), -1);
	ck_assert_int_eq(natport_sip_proto_parse(NULL), -1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("tcp_config");
	TCase *t = tcase_create("keys");

	tcase_add_test(t, defaults);
	tcase_add_test(t, keys);
	tcase_add_test(t, bad_values);
	tcase_add_test(t, upstream_transport);
	tcase_add_test(t, restart_needed);
	tcase_add_test(t, proto_names);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return unit_run(suite());
}
