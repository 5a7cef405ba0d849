// SPDX-License-Identifier: GPL-2.0-or-later
/* config.c - the line-based configuration file. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <natport/control.h>

#include "core/config.h"
#include "core/log.h"

#define MAX_LINE 512
#define MAX_FILE (256 * 1024)

void natport_config_defaults(struct natport_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->sip_port = 5060;
	cfg->port_min = 20000;
	cfg->port_max = 29999;
	cfg->quarantine_ms = 2000;
	cfg->dialog_timeout_ms = 300 * 1000;
	cfg->invite_timeout_ms = 180 * 1000;
	cfg->max_mappings_per_client = 32;
	cfg->max_calls = 4096;
	/* per source address; the LAN's are generous (one PBX or a
	 * benchmark's sipp is one source), the WAN's stricter */
	cfg->lan_source_rate = 5000;
	cfg->lan_source_calls = 256;
	cfg->wan_source_rate = 500;
	cfg->wan_source_calls = 64;
	snprintf(cfg->control_socket, sizeof(cfg->control_socket), "%s",
		 NATPORT_CTL_DEFAULT_PATH);
	cfg->log_level = LOG_INFO;
	snprintf(cfg->state_file, sizeof(cfg->state_file), "%s",
		 NATPORT_STATE_DEFAULT_PATH);
	cfg->adopt_grace_ms = 30000;
	/* PCP / NAT-PMP */
	cfg->pcp = 1;
	cfg->natpmp = 1;
	cfg->pcp_min_lifetime_s = 120;
	cfg->pcp_max_lifetime_s = 7200;
	cfg->pcp_rate = 20;
	/* SIP over TCP: off unless asked for; when on, the bounds */
	cfg->tcp_max_connections = 1024;
	cfg->tcp_max_per_peer = 32;
	cfg->tcp_idle_timeout_ms = 600 * 1000;
	cfg->tcp_max_output = 256 * 1024;
	/* SIP over TLS */
	cfg->sip_tls_port = 5061;
	cfg->tls_verify = 1;
	cfg->tls_min_version = 0x0303;
}

int natport_config_parse_duration(const char *s, uint32_t *ms)
{
	unsigned long long v, mul = 1000;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (!strcmp(end, "ms"))
		mul = 1;
	else if (!strcmp(end, "s") || !*end)
		mul = 1000;
	else if (!strcmp(end, "m"))
		mul = 60 * 1000;
	else if (!strcmp(end, "h"))
		mul = 3600 * 1000;
	else
		return -1;
	if (v > UINT32_MAX / mul)
		return -1;
	*ms = (uint32_t)(v * mul);
	return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *end || *out > max)
		return -1;
	return 0;
}

static int parse_v4_or_v6_addr(const char *s, struct natport_endpoint *ep)
{
	if (natport_endpoint_parse(s, ep) || ep->port ||
	    natport_endpoint_is_unspec(ep))
		return -1;
	return 0;
}

enum key {
	K_LAN_ADDRESS,
	K_LAN_PREFIX,
	K_WAN_ADDRESS,
	K_MEDIA_ADDRESS,
	K_SIP_PORT,
	K_UPSTREAM,
	K_RANGE,
	K_QUARANTINE,
	K_DIALOG_TIMEOUT,
	K_INVITE_TIMEOUT,
	K_MAX_MAPPINGS,
	K_MAX_CALLS,
	K_CONTROL_SOCKET,
	K_LOG_LEVEL,
	/* the control socket's groups (ctl/server.h) */
	K_CONTROL_GROUP,
	K_CONTROL_ADMIN_GROUP,
	/* ng front end (userspace/daemon/ng/) */
	K_NG_LISTEN,
	K_NG_ALLOW,
	K_NG_DELETE_DELAY,
	/* PCP / NAT-PMP front end (pcp/) */
	K_PCP,
	K_NATPMP,
	K_PCP_MIN_LIFETIME,
	K_PCP_MAX_LIFETIME,
	K_PCP_THIRD_PARTY,
	K_PCP_RATE,
	K_LAN_SOURCE_RATE,
	K_LAN_SOURCE_CALLS,
	K_WAN_SOURCE_RATE,
	K_WAN_SOURCE_CALLS,
	K_STATE_FILE,
	K_RELEASE_ON_STOP,
	K_ADOPT_GRACE,
	/* IPv6 (issue 16) */
	K_LAN_ADDRESS6,
	K_WAN_ADDRESS6,
	K_NAT66,
	/* SIP over TCP (sip/tcp.c) */
	K_SIP_TCP,
	K_SIP_TCP_PORT,
	K_TCP_MAX_CONNECTIONS,
	K_TCP_MAX_PER_PEER,
	K_TCP_IDLE_TIMEOUT,
	K_TCP_MAX_OUTPUT,
	/* SIP over TLS (sip/tls.h) */
	K_SIP_TLS,
	K_SIP_TLS_PORT,
	K_TLS_CERT,
	K_TLS_KEY,
	K_TLS_CA_FILE,
	K_TLS_VERIFY,
	K_TLS_CLIENT_CERT,
	K_TLS_CLIENT_KEY,
	K_TLS_MIN_VERSION,
	K_TLS_SERVER_NAME,
	__K_MAX
};

static const char *const key_names[__K_MAX] = {
	[K_LAN_ADDRESS] = "lan-address",
	[K_LAN_PREFIX] = "lan-prefix",
	[K_WAN_ADDRESS] = "wan-address",
	[K_MEDIA_ADDRESS] = "media-address",
	[K_SIP_PORT] = "sip-port",
	[K_UPSTREAM] = "upstream-proxy",
	[K_RANGE] = "media-port-range",
	[K_QUARANTINE] = "quarantine",
	[K_DIALOG_TIMEOUT] = "dialog-timeout",
	[K_INVITE_TIMEOUT] = "invite-timeout",
	[K_MAX_MAPPINGS] = "max-mappings-per-client",
	[K_MAX_CALLS] = "max-calls",
	[K_CONTROL_SOCKET] = "control-socket",
	[K_LOG_LEVEL] = "log-level",
	[K_CONTROL_GROUP] = "control-group",
	[K_CONTROL_ADMIN_GROUP] = "control-admin-group",
	/* ng front end */
	[K_NG_LISTEN] = "ng-listen",
	[K_NG_ALLOW] = "ng-allow",
	[K_NG_DELETE_DELAY] = "ng-delete-delay",
	/* PCP / NAT-PMP front end (pcp/) */
	[K_PCP] = "pcp",
	[K_NATPMP] = "natpmp",
	[K_PCP_MIN_LIFETIME] = "pcp-min-lifetime",
	[K_PCP_MAX_LIFETIME] = "pcp-max-lifetime",
	[K_PCP_THIRD_PARTY] = "pcp-third-party",
	[K_PCP_RATE] = "pcp-rate",
	[K_LAN_SOURCE_RATE] = "lan-source-rate",
	[K_LAN_SOURCE_CALLS] = "lan-source-calls",
	[K_WAN_SOURCE_RATE] = "wan-source-rate",
	[K_WAN_SOURCE_CALLS] = "wan-source-calls",
	[K_STATE_FILE] = "state-file",
	[K_RELEASE_ON_STOP] = "release-on-stop",
	[K_ADOPT_GRACE] = "adopt-grace",
	/* IPv6 (issue 16) */
	[K_LAN_ADDRESS6] = "lan-address6",
	[K_WAN_ADDRESS6] = "wan-address6",
	[K_NAT66] = "nat66",
	/* SIP over TCP (sip/tcp.c) */
	[K_SIP_TCP] = "sip-tcp",
	[K_SIP_TCP_PORT] = "sip-tcp-port",
	[K_TCP_MAX_CONNECTIONS] = "tcp-max-connections",
	[K_TCP_MAX_PER_PEER] = "tcp-max-per-peer",
	[K_TCP_IDLE_TIMEOUT] = "tcp-idle-timeout",
	[K_TCP_MAX_OUTPUT] = "tcp-max-output",
	/* SIP over TLS (sip/tls.h) */
	[K_SIP_TLS] = "sip-tls",
	[K_SIP_TLS_PORT] = "sip-tls-port",
	[K_TLS_CERT] = "tls-cert",
	[K_TLS_KEY] = "tls-key",
	[K_TLS_CA_FILE] = "tls-ca-file",
	[K_TLS_VERIFY] = "tls-verify",
	[K_TLS_CLIENT_CERT] = "tls-client-cert",
	[K_TLS_CLIENT_KEY] = "tls-client-key",
	[K_TLS_MIN_VERSION] = "tls-min-version",
	[K_TLS_SERVER_NAME] = "tls-server-name",
};

static int parse_bool(const char *v, int *out);

/* The SIP-over-TCP keys; NULL or a reason. */
static const char *apply_tcp(struct natport_config *cfg, enum key k,
			     const char *v)
{
	unsigned long n;

	switch (k) {
	case K_SIP_TCP:
		if (parse_bool(v, &cfg->sip_tcp))
			return "expected yes or no";
		return NULL;
	case K_SIP_TCP_PORT:
		if (parse_uint(v, 65535, &n) || !n)
			return "expected a port 1..65535";
		cfg->sip_tcp_port = (uint16_t)n;
		return NULL;
	case K_TCP_MAX_CONNECTIONS:
		/* each is an fd: the daemon raises its soft limit to fit */
		if (parse_uint(v, 65536, &n) || !n)
			return "expected a number 1..65536";
		cfg->tcp_max_connections = (unsigned int)n;
		return NULL;
	case K_TCP_MAX_PER_PEER:
		if (parse_uint(v, 65536, &n) || !n)
			return "expected a number 1..65536";
		cfg->tcp_max_per_peer = (unsigned int)n;
		return NULL;
	case K_TCP_IDLE_TIMEOUT:
		if (natport_config_parse_duration(v,
						  &cfg->tcp_idle_timeout_ms) ||
		    cfg->tcp_idle_timeout_ms < 1000 ||
		    cfg->tcp_idle_timeout_ms > 24 * 3600 * 1000)
			return "expected a duration from 1s to 24h";
		return NULL;
	case K_TCP_MAX_OUTPUT:
		if (parse_uint(v, 64 << 20, &n) || n < 65536)
			return "expected octets from 65536 to 67108864";
		cfg->tcp_max_output = (uint32_t)n;
		return NULL;
	default:
		return "unknown key";
	}
}

/* upstream-proxy ADDR[:PORT][;transport=udp|tcp|tls]; NULL or a reason */
static const char *set_upstream(struct natport_config *cfg, const char *v)
{
	char tmp[96], *semi;

	if (strlen(v) >= sizeof(tmp))
		return "expected ADDR[:PORT][;transport=udp|tcp|tls]";
	strcpy(tmp, v);
	cfg->upstream_proto = 0; /* UDP */
	semi = strchr(tmp, ';');
	if (semi) {
		*semi++ = '\0';
		if (!strcasecmp(semi, "transport=udp"))
			cfg->upstream_proto = 0;
		else if (!strcasecmp(semi, "transport=tcp"))
			cfg->upstream_proto = 1;
		else if (!strcasecmp(semi, "transport=tls"))
			cfg->upstream_proto = 2;
		else
			return "expected ;transport=udp, tcp or tls after the "
			       "address";
	}
	if (natport_endpoint_parse(tmp, &cfg->upstream) ||
	    natport_endpoint_is_unspec(&cfg->upstream))
		return "expected ADDR or ADDR:PORT (no host names)";
	if (!cfg->upstream.port)
		cfg->upstream.port = cfg->upstream_proto == 2 ? 5061 : 5060;
	cfg->has_upstream = 1;
	return NULL;
}

/* A group name as useradd(8) takes it; resolved when the socket is made
 * (the group may be created after the config is checked). */
static const char *set_group(char *dst, size_t len, const char *v)
{
	if (strlen(v) >= len ||
	    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789_.-") != strlen(v) || v[0] == '-')
		return "expected a group name (letters, digits, '_', '.', "
		       "'-'; at most 32)";
	strcpy(dst, v);
	return NULL;
}

/* The ng front end's keys; NULL or a reason. */
static const char *apply_ng(struct natport_config *cfg, enum key k,
			    const char *v)
{
	switch (k) {
	case K_NG_LISTEN:
		if (natport_endpoint_parse(v, &cfg->ng_listen) ||
		    !cfg->ng_listen.port)
			return "expected ADDR:PORT, e.g. 127.0.0.1:2223";
		cfg->has_ng_listen = 1;
		return NULL;
	case K_NG_ALLOW:
		if (cfg->n_ng_allow == NATPORT_CONFIG_MAX_PREFIXES)
			return "too many ng-allow lines (at most 8)";
		if (natport_prefix_parse(v, &cfg->ng_allow[cfg->n_ng_allow]))
			return "expected a prefix such as 127.0.0.1/32";
		cfg->n_ng_allow++;
		return NULL;
	case K_NG_DELETE_DELAY:
		if (natport_config_parse_duration(v, &cfg->ng_delete_delay_ms) ||
		    cfg->ng_delete_delay_ms > 3600 * 1000)
			return "expected a duration of at most 1h";
		return NULL;
	default:
		return "unknown key";
	}
}

/* on|off keys */
static int parse_bool(const char *v, int *out)
{
	if (!strcmp(v, "on") || !strcmp(v, "yes"))
		*out = 1;
	else if (!strcmp(v, "off") || !strcmp(v, "no"))
		*out = 0;
	else
		return -1;
	return 0;
}

/* IPv6 (issue 16): the router's IPv6 addresses and the NAT66 switch;
 * NULL or a reason. What the addresses may be is checked with the whole
 * file read (check_v6). */
static const char *apply_v6(struct natport_config *cfg, enum key k,
			    const char *v)
{
	struct natport_endpoint *ep = k == K_LAN_ADDRESS6 ? &cfg->lan_address6 :
							     &cfg->wan_address6;

	if (k == K_NAT66)
		return parse_bool(v, &cfg->nat66) ? "expected yes or no" : NULL;
	if (parse_v4_or_v6_addr(v, ep) || ep->family != AF_INET6) {
		memset(ep, 0, sizeof(*ep));
		return "expected an IPv6 address without port";
	}
	return NULL;
}

/* SIP over TLS: the keys (tls_check below: what needs all of them). Files
 * are only named here; nat-portd -n and the start open them (sip/tls.c). */
static const char *apply_tls(struct natport_config *cfg, enum key k,
			     const char *v)
{
	unsigned long n;
	char *path;

	switch (k) {
	case K_SIP_TLS:
	case K_TLS_VERIFY:
		if (parse_bool(v, k == K_SIP_TLS ? &cfg->sip_tls :
						   &cfg->tls_verify))
			return "expected yes or no";
		return NULL;
	case K_SIP_TLS_PORT:
		if (parse_uint(v, 65535, &n) || !n)
			return "expected a port 1..65535";
		cfg->sip_tls_port = (uint16_t)n;
		return NULL;
	case K_TLS_MIN_VERSION:
		if (!strcmp(v, "1.2"))
			cfg->tls_min_version = 0x0303;
		else if (!strcmp(v, "1.3"))
			cfg->tls_min_version = 0x0304;
		else
			return "expected 1.2 or 1.3 (nothing older is offered)";
		return NULL;
	case K_TLS_SERVER_NAME:
		/* a DNS name or an address literal, as in a certificate */
		if (strlen(v) >= sizeof(cfg->tls_server_name) ||
		    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			      "0123456789.-:") != strlen(v))
			return "expected a host name or an IP address";
		strcpy(cfg->tls_server_name, v);
		return NULL;
	case K_TLS_CERT:
		path = cfg->tls_cert;
		break;
	case K_TLS_KEY:
		path = cfg->tls_key;
		break;
	case K_TLS_CA_FILE:
		path = cfg->tls_ca_file;
		break;
	case K_TLS_CLIENT_CERT:
		path = cfg->tls_client_cert;
		break;
	case K_TLS_CLIENT_KEY:
		path = cfg->tls_client_key;
		break;
	default:
		return "unknown key";
	}
	if (v[0] != '/' || strlen(v) >= sizeof(cfg->tls_cert))
		return "expected an absolute path under 256 bytes";
	strcpy(path, v);
	return NULL;
}

/* One key's value; returns NULL or a reason. */
static const char *apply(struct natport_config *cfg, enum key k,
			 const char *v)
{
	unsigned long n, lo, hi;
	char *dash;

	switch (k) {
	case K_LAN_SOURCE_RATE:
	case K_LAN_SOURCE_CALLS:
	case K_WAN_SOURCE_RATE:
	case K_WAN_SOURCE_CALLS:
		if (parse_uint(v, 1000000, &n))
			return "expected a number 0..1000000 (0: no limit)";
		*(k == K_LAN_SOURCE_RATE    ? &cfg->lan_source_rate :
		  k == K_LAN_SOURCE_CALLS   ? &cfg->lan_source_calls :
		  k == K_WAN_SOURCE_RATE    ? &cfg->wan_source_rate :
					      &cfg->wan_source_calls) =
			(unsigned int)n;
		break;
	case K_LAN_ADDRESS:
		if (parse_v4_or_v6_addr(v, &cfg->lan_address))
			return "expected an IP address without port";
		break;
	case K_WAN_ADDRESS:
		if (parse_v4_or_v6_addr(v, &cfg->wan_address))
			return "expected an IP address without port";
		break;
	case K_MEDIA_ADDRESS:
		if (cfg->n_media_address == NATPORT_MAX_EXTERNAL - 1)
			return "too many media-address lines (at most 15)";
		if (parse_v4_or_v6_addr(
			    v, &cfg->media_address[cfg->n_media_address]))
			return "expected an IP address without port";
		cfg->n_media_address++;
		break;
	case K_LAN_PREFIX:
		if (cfg->n_lan_prefix == NATPORT_CONFIG_MAX_PREFIXES)
			return "too many lan-prefix lines (at most 8)";
		if (natport_prefix_parse(v, &cfg->lan_prefix[cfg->n_lan_prefix]))
			return "expected a prefix such as 192.0.2.0/24";
		cfg->n_lan_prefix++;
		break;
	case K_SIP_PORT:
		if (parse_uint(v, 65535, &n) || !n)
			return "expected a port 1..65535";
		cfg->sip_port = (uint16_t)n;
		break;
	case K_UPSTREAM:
		return set_upstream(cfg, v);
	case K_SIP_TCP:
	case K_SIP_TCP_PORT:
	case K_TCP_MAX_CONNECTIONS:
	case K_TCP_MAX_PER_PEER:
	case K_TCP_IDLE_TIMEOUT:
	case K_TCP_MAX_OUTPUT:
		return apply_tcp(cfg, k, v);
	case K_RANGE: {
		char tmp[64];

		if (strlen(v) >= sizeof(tmp))
			return "expected MIN-MAX";
		strcpy(tmp, v);
		dash = strchr(tmp, '-');
		if (!dash)
			return "expected MIN-MAX";
		*dash = '\0';
		if (parse_uint(tmp, 65535, &lo) ||
		    parse_uint(dash + 1, 65535, &hi))
			return "expected MIN-MAX, ports 1024..65535";
		if (lo < 1024 || hi < lo + 1)
			return "range must be within 1024..65535 and hold at "
			       "least one even/odd pair";
		cfg->port_min = (uint16_t)lo;
		cfg->port_max = (uint16_t)hi;
		break;
	}
	case K_QUARANTINE:
		if (natport_config_parse_duration(v, &cfg->quarantine_ms))
			return "expected a duration such as 2s or 500ms";
		break;
	case K_DIALOG_TIMEOUT:
		if (natport_config_parse_duration(v, &cfg->dialog_timeout_ms) ||
		    cfg->dialog_timeout_ms < 1000)
			return "expected a duration of at least 1s";
		break;
	case K_INVITE_TIMEOUT:
		if (natport_config_parse_duration(v, &cfg->invite_timeout_ms) ||
		    cfg->invite_timeout_ms < 1000)
			return "expected a duration of at least 1s";
		break;
	case K_MAX_MAPPINGS:
		if (parse_uint(v, 65536, &n) || n < 2)
			return "expected a number 2..65536";
		cfg->max_mappings_per_client = (unsigned int)n;
		break;
	case K_MAX_CALLS:
		if (parse_uint(v, 1000000, &n) || !n)
			return "expected a number 1..1000000";
		cfg->max_calls = (unsigned int)n;
		break;
	case K_CONTROL_SOCKET:
		if (v[0] != '/' ||
		    strlen(v) >= sizeof(cfg->control_socket))
			return "expected an absolute path under 108 bytes";
		strcpy(cfg->control_socket, v);
		break;
	case K_LOG_LEVEL: {
		int l = natport_log_level_parse(v);

		if (l < 0)
			return "expected error, warning, info or debug";
		cfg->log_level = l;
		break;
	}
	case K_CONTROL_GROUP:
		return set_group(cfg->control_group,
				 sizeof(cfg->control_group), v);
	case K_CONTROL_ADMIN_GROUP:
		return set_group(cfg->control_admin_group,
				 sizeof(cfg->control_admin_group), v);
	case K_NG_LISTEN:
	case K_NG_ALLOW:
	case K_NG_DELETE_DELAY:
		return apply_ng(cfg, k, v);
	/* PCP / NAT-PMP front end (pcp/) */
	case K_PCP:
		if (parse_bool(v, &cfg->pcp))
			return "expected on or off";
		break;
	case K_NATPMP:
		if (parse_bool(v, &cfg->natpmp))
			return "expected on or off";
		break;
	case K_STATE_FILE:
		if (v[0] != '/' || strlen(v) >= sizeof(cfg->state_file))
			return "expected an absolute path under 256 bytes, or "
			       "/dev/null for none";
		snprintf(cfg->state_file, sizeof(cfg->state_file), "%s", v);
		break;
	case K_RELEASE_ON_STOP:
		if (parse_bool(v, &cfg->release_on_stop))
			return "expected yes or no";
		break;
	case K_ADOPT_GRACE:
		if (natport_config_parse_duration(v, &cfg->adopt_grace_ms) ||
		    cfg->adopt_grace_ms < 1000)
			return "expected a duration of at least 1s";
		break;
	case K_PCP_THIRD_PARTY:
		if (parse_bool(v, &cfg->pcp_third_party))
			return "expected on or off";
		break;
	case K_PCP_MIN_LIFETIME:
	case K_PCP_MAX_LIFETIME: {
		uint32_t ms;

		if (natport_config_parse_duration(v, &ms) || ms < 120 * 1000 ||
		    ms > 30u * 24 * 3600 * 1000)
			return "expected a duration from 120s to 30 days "
			       "(RFC 6887 section 15)";
		if (k == K_PCP_MIN_LIFETIME)
			cfg->pcp_min_lifetime_s = ms / 1000;
		else
			cfg->pcp_max_lifetime_s = ms / 1000;
		break;
	}
	case K_PCP_RATE:
		if (parse_uint(v, 100000, &n) || !n)
			return "expected a number 1..100000 (requests/s)";
		cfg->pcp_rate = (unsigned int)n;
		break;
	case K_LAN_ADDRESS6:
	case K_WAN_ADDRESS6:
	case K_NAT66:
		return apply_v6(cfg, k, v);
	/* SIP over TLS (sip/tls.h) */
	case K_SIP_TLS ... K_TLS_SERVER_NAME:
		return apply_tls(cfg, k, v);
	default:
		return "unknown key";
	}
	return NULL;
}

static int fail(char *err, size_t errlen, const char *name, unsigned int line,
		const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (line)
		snprintf(err, errlen, "%s:%u: %s", name, line, reason);
	else
		snprintf(err, errlen, "%s: %s", name, reason);
	return -1;
}

/* The policy of a config whose keys are all read: the LAN prefixes, and
 * the router's two addresses as its own. Fails only beyond the policy's
 * table sizes, which the config's own limits stay inside. */
static int build_policy(struct natport_config *c)
{
	struct natport_policy *p = &c->policy;

	natport_policy_init(p);
	for (unsigned int i = 0; i < c->n_lan_prefix; i++)
		if (natport_policy_add_lan(p, &c->lan_prefix[i]))
			return -1;
	if (natport_policy_add_own(p, &c->lan_address) ||
	    natport_policy_add_own(p, &c->wan_address))
		return -1;
	if ((c->lan_address6.family &&
	     natport_policy_add_own(p, &c->lan_address6)) ||
	    (c->wan_address6.family &&
	     natport_policy_add_own(p, &c->wan_address6)))
		return -1;
	return 0;
}

/* IPv6 (issue 16): what nat-portd -n checks once every key is read. The
 * router's addresses of each family in their own keys (the port
 * manager's range lives on the IPv4 wan-address); IPv6 addresses that
 * can be a router's SIP address; an IPv6 upstream reachable from an IPv6
 * WAN address; NAT66 with what it needs; no unique-local LAN without
 * NAT66, as pinholes for hosts the outside cannot route to carry
 * nothing. NULL, or a reason with *line set. */
static const char *check_v6(const struct natport_config *c,
			    const unsigned int *seen, unsigned int *line,
			    char *why, size_t len)
{
	const struct natport_endpoint *ep;
	int v6_lan = 0;

	*line = seen[K_LAN_ADDRESS];
	if (c->lan_address.family != AF_INET)
		return "lan-address must be IPv4 (give the IPv6 one as "
		       "lan-address6)";
	*line = seen[K_WAN_ADDRESS];
	if (c->wan_address.family != AF_INET)
		return "wan-address must be IPv4 (give the IPv6 one as "
		       "wan-address6)";
	for (unsigned int i = 0; i < 2; i++) {
		enum natport_addr_class cl;

		ep = i ? &c->wan_address6 : &c->lan_address6;
		*line = seen[i ? K_WAN_ADDRESS6 : K_LAN_ADDRESS6];
		if (!ep->family)
			continue;
		cl = natport_policy_classify(ep);
		if (!natport_policy_class_is_unicast(cl)) {
			snprintf(why, len,
				 "%s is a %s address, not one SIP can use",
				 key_names[i ? K_WAN_ADDRESS6 : K_LAN_ADDRESS6],
				 natport_policy_class_name(cl));
			return why;
		}
	}
	*line = seen[K_LAN_ADDRESS6];
	if (c->lan_address6.family &&
	    !natport_policy_in_lan(&c->policy, &c->lan_address6))
		return "lan-address6 is not inside any lan-prefix";
	*line = seen[K_WAN_ADDRESS6];
	if (c->wan_address6.family &&
	    natport_policy_in_lan(&c->policy, &c->wan_address6))
		return "wan-address6 is inside a lan-prefix";
	*line = seen[K_UPSTREAM];
	if (c->has_upstream && c->upstream.family == AF_INET6 &&
	    !c->wan_address6.family)
		return "upstream-proxy is IPv6: set wan-address6";
	for (unsigned int i = 0; i < c->n_lan_prefix; i++) {
		const struct natport_prefix *lp = &c->lan_prefix[i];

		if (lp->base.family != AF_INET6)
			continue;
		v6_lan = 1;
		*line = seen[K_NAT66] ?: seen[K_LAN_PREFIX];
		if (!c->nat66 &&
		    natport_policy_classify(&lp->base) == NATPORT_ADDR_ULA) {
			char a[NATPORT_ENDPOINT_STRLEN];

			snprintf(why, len,
				 "lan-prefix %s/%u is unique-local: its hosts "
				 "need NAT66 (nat66 yes and wan-address6)",
				 natport_endpoint_format(&lp->base, a,
							 sizeof(a)),
				 lp->len);
			return why;
		}
	}
	*line = seen[K_NAT66];
	if (c->nat66 && !c->wan_address6.family)
		return "nat66 yes needs wan-address6 (the address IPv6 media "
		       "is translated to)";
	if (c->nat66 && !v6_lan)
		return "nat66 yes needs an IPv6 lan-prefix";
	*line = 0;
	return NULL;
}

/* SIP over TLS: what needs all the keys read; 0 or fail(). */
static int tls_check(const struct natport_config *c, const unsigned int *seen,
		     const char *name, char *err, size_t errlen)
{
	if (c->sip_tls && (!c->tls_cert[0] || !c->tls_key[0]))
		return fail(err, errlen, name, seen[K_SIP_TLS],
			    "sip-tls yes needs tls-cert and tls-key");
	if (!*c->tls_cert != !*c->tls_key)
		return fail(err, errlen, name,
			    seen[K_TLS_CERT] ?: seen[K_TLS_KEY],
			    "tls-cert and tls-key go together");
	if (!*c->tls_client_cert != !*c->tls_client_key)
		return fail(err, errlen, name,
			    seen[K_TLS_CLIENT_CERT] ?: seen[K_TLS_CLIENT_KEY],
			    "tls-client-cert and tls-client-key go together");
	if (c->sip_tls && c->sip_tls_port == c->sip_port)
		return fail(err, errlen, name,
			    seen[K_SIP_TLS_PORT] ?: seen[K_SIP_PORT],
			    "sip-tls-port must differ from sip-port");
	return 0;
}

int natport_config_parse(struct natport_config *out, const char *name,
			 const char *buf, size_t len, char *err, size_t errlen)
{
	struct natport_config cfg;
	unsigned int seen[__K_MAX] = { 0 }, lineno = 0;
	const char *p = buf, *end = buf + len;

	natport_config_defaults(&cfg);
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[MAX_LINE], *key, *val, *s;
		const char *reason;
		int k;

		lineno++;
		if (n >= sizeof(line))
			return fail(err, errlen, name, lineno,
				    "line longer than %d bytes", MAX_LINE - 1);
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : end;
		if (memchr(line, '\0', n))
			return fail(err, errlen, name, lineno, "NUL byte");
		if ((s = strchr(line, '#')))
			*s = '\0';
		for (s = line; *s; s++)
			if (*s == '\t' || *s == '\r')
				*s = ' ';
			else if (!isprint((unsigned char)*s))
				return fail(err, errlen, name, lineno,
					    "control or non-ASCII byte");
		key = line + strspn(line, " ");
		if (!*key)
			continue;
		s = key + strcspn(key, " ");
		val = s + strspn(s, " ");
		*s = '\0';
		for (s = val + strlen(val); s > val && s[-1] == ' '; s--)
			;
		*s = '\0';
		for (k = 0; k < __K_MAX; k++)
			if (!strcmp(key, key_names[k]))
				break;
		if (k == __K_MAX)
			return fail(err, errlen, name, lineno,
				    "unknown key '%.64s'", key);
		if (!*val)
			return fail(err, errlen, name, lineno,
				    "%s needs a value", key);
		if (strchr(val, ' '))
			return fail(err, errlen, name, lineno,
				    "%s takes one value", key);
		if (seen[k] && k != K_LAN_PREFIX && k != K_NG_ALLOW)
			return fail(err, errlen, name, lineno,
				    "%s given twice (first on line %u)", key,
				    seen[k]);
		seen[k] = lineno;
		reason = apply(&cfg, k, val);
		if (reason)
			return fail(err, errlen, name, lineno, "%s: %s", key,
				    reason);
	}
	if (!seen[K_LAN_ADDRESS])
		return fail(err, errlen, name, 0, "lan-address is missing");
	if (!seen[K_WAN_ADDRESS])
		return fail(err, errlen, name, 0, "wan-address is missing");
	if (!cfg.n_lan_prefix)
		return fail(err, errlen, name, 0, "lan-prefix is missing");
	if (build_policy(&cfg))
		return fail(err, errlen, name, 0, "cannot build the policy");
	if (!natport_policy_in_lan(&cfg.policy, &cfg.lan_address))
		return fail(err, errlen, name, seen[K_LAN_ADDRESS],
			    "lan-address is not inside any lan-prefix");
	if (natport_policy_in_lan(&cfg.policy, &cfg.wan_address))
		return fail(err, errlen, name, seen[K_WAN_ADDRESS],
			    "wan-address is inside a lan-prefix");
	if (cfg.has_upstream &&
	    natport_policy_in_lan(&cfg.policy, &cfg.upstream))
		return fail(err, errlen, name, seen[K_UPSTREAM],
			    "upstream-proxy is inside a lan-prefix");
	{ /* IPv6 (issue 16) */
		char why6[160];
		unsigned int l;
		const char *why = check_v6(&cfg, seen, &l, why6, sizeof(why6));

		if (why)
			return fail(err, errlen, name, l, "%s", why);
		if (cfg.lan_address6.family)
			cfg.lan_address6.port = cfg.sip_port;
		if (cfg.wan_address6.family)
			cfg.wan_address6.port = cfg.sip_port;
	}
	/* PCP / NAT-PMP front end (pcp/) */
	if (cfg.pcp_min_lifetime_s > cfg.pcp_max_lifetime_s)
		return fail(err, errlen, name,
			    seen[K_PCP_MAX_LIFETIME] ?: seen[K_PCP_MIN_LIFETIME],
			    "pcp-max-lifetime is below pcp-min-lifetime");
	/* SIP over TLS (sip/tls.h) */
	if (tls_check(&cfg, seen, name, err, errlen))
		return -1;
	cfg.lan_address.port = cfg.sip_port;
	cfg.wan_address.port = cfg.sip_port;
	*out = cfg;
	return 0;
}

int natport_config_load(struct natport_config *cfg, const char *path,
			char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;
	int ret;

	if (!f)
		return fail(err, errlen, path, 0, "%s", strerror(errno));
	buf = malloc(MAX_FILE + 1);
	if (!buf) {
		fclose(f);
		return fail(err, errlen, path, 0, "out of memory");
	}
	n = fread(buf, 1, MAX_FILE + 1, f);
	if (ferror(f)) {
		ret = fail(err, errlen, path, 0, "read error");
	} else if (n > MAX_FILE) {
		ret = fail(err, errlen, path, 0, "larger than %d bytes",
			   MAX_FILE);
	} else {
		ret = natport_config_parse(cfg, path, buf, n, err, errlen);
	}
	free(buf);
	fclose(f);
	return ret;
}

const char *natport_config_restart_needed(const struct natport_config *o,
					  const struct natport_config *n)
{
	if (o->sip_port != n->sip_port)
		return "sip-port";
	if (!natport_endpoint_addr_equal(&o->lan_address, &n->lan_address))
		return "lan-address";
	if (!natport_endpoint_addr_equal(&o->wan_address, &n->wan_address))
		return "wan-address";
	if (o->port_min != n->port_min || o->port_max != n->port_max)
		return "media-port-range";
	if (o->n_media_address != n->n_media_address ||
	    memcmp(o->media_address, n->media_address,
		   o->n_media_address * sizeof(o->media_address[0])))
		return "media-address";
	if (o->quarantine_ms != n->quarantine_ms)
		return "quarantine";
	if (o->n_lan_prefix != n->n_lan_prefix ||
	    memcmp(o->lan_prefix, n->lan_prefix,
		   o->n_lan_prefix * sizeof(o->lan_prefix[0])))
		return "lan-prefix";
	if (strcmp(o->control_socket, n->control_socket))
		return "control-socket";
	if (o->has_ng_listen != n->has_ng_listen ||
	    (o->has_ng_listen &&
	     !natport_endpoint_equal(&o->ng_listen, &n->ng_listen)))
		return "ng-listen";
	if (o->pcp != n->pcp) /* the PCP socket is opened at start */
		return "pcp";
	/* the listeners and their bounds are set when they are opened */
	if (o->sip_tcp != n->sip_tcp || o->sip_tcp_port != n->sip_tcp_port)
		return "sip-tcp";
	if (o->tcp_max_connections != n->tcp_max_connections ||
	    o->tcp_max_per_peer != n->tcp_max_per_peer ||
	    o->tcp_idle_timeout_ms != n->tcp_idle_timeout_ms ||
	    o->tcp_max_output != n->tcp_max_output)
		return "tcp-max-connections, tcp-max-per-peer, "
		       "tcp-idle-timeout or tcp-max-output";
	if (strcmp(o->state_file, n->state_file)) /* read at start */
		return "state-file";
	if (o->adopt_grace_ms != n->adopt_grace_ms) /* given at open */
		return "adopt-grace";
	/* IPv6 (issue 16): sockets bound and the port manager opened once */
	if (!natport_endpoint_equal(&o->lan_address6, &n->lan_address6))
		return "lan-address6";
	if (!natport_endpoint_equal(&o->wan_address6, &n->wan_address6))
		return "wan-address6";
	if (o->nat66 != n->nat66)
		return "nat66";
	/* SIP over TLS: listeners and contexts are made at start */
	if (o->sip_tls != n->sip_tls)
		return "sip-tls";
	if (o->sip_tls_port != n->sip_tls_port)
		return "sip-tls-port";
	if (strcmp(o->tls_cert, n->tls_cert) || strcmp(o->tls_key, n->tls_key))
		return "tls-cert";
	if (strcmp(o->tls_ca_file, n->tls_ca_file) ||
	    o->tls_verify != n->tls_verify)
		return "tls-ca-file";
	if (strcmp(o->tls_client_cert, n->tls_client_cert) ||
	    strcmp(o->tls_client_key, n->tls_client_key))
		return "tls-client-cert";
	if (o->tls_min_version != n->tls_min_version)
		return "tls-min-version";
	if (strcmp(o->tls_server_name, n->tls_server_name))
		return "tls-server-name";
	return NULL;
}
