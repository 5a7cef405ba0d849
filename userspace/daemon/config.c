// SPDX-License-Identifier: GPL-2.0-or-later
/* config.c - the line-based configuration file. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <natport/control.h>

#include "config.h"
#include "log.h"

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
	snprintf(cfg->control_socket, sizeof(cfg->control_socket), "%s",
		 NATPORT_CTL_DEFAULT_PATH);
	cfg->log_level = LOG_INFO;
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
};

/* One key's value; returns NULL or a reason. */
static const char *apply(struct natport_config *cfg, enum key k,
			 const char *v)
{
	unsigned long n, lo, hi;
	char *dash;

	switch (k) {
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
		if (natport_endpoint_parse(v, &cfg->upstream) ||
		    natport_endpoint_is_unspec(&cfg->upstream))
			return "expected ADDR or ADDR:PORT (no host names)";
		if (!cfg->upstream.port)
			cfg->upstream.port = 5060;
		cfg->has_upstream = 1;
		break;
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

static int in_lan(const struct natport_config *c,
		  const struct natport_endpoint *ep)
{
	for (unsigned int i = 0; i < c->n_lan_prefix; i++)
		if (natport_prefix_contains(&c->lan_prefix[i], ep))
			return 1;
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
		if (seen[k] && k != K_LAN_PREFIX)
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
	if (!in_lan(&cfg, &cfg.lan_address))
		return fail(err, errlen, name, seen[K_LAN_ADDRESS],
			    "lan-address is not inside any lan-prefix");
	if (in_lan(&cfg, &cfg.wan_address))
		return fail(err, errlen, name, seen[K_WAN_ADDRESS],
			    "wan-address is inside a lan-prefix");
	if (cfg.has_upstream && in_lan(&cfg, &cfg.upstream))
		return fail(err, errlen, name, seen[K_UPSTREAM],
			    "upstream-proxy is inside a lan-prefix");
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
	return NULL;
}
