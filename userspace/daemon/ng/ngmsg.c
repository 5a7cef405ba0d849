// SPDX-License-Identifier: GPL-2.0-or-later
/* ngmsg.c - parse ng control requests, build ng replies. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngmsg.h"

/* ------------------------------------------------------------------ */
/* Names. */

static char fold(char c)
{
	if (c == ' ' || c == '_')
		return '-';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 'a';
	return c;
}

/* p[0..len) equals want, spaces/hyphens/underscores and case folded. */
static bool name_eq(const char *p, size_t len, const char *want)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!want[i] || fold(p[i]) != fold(want[i]))
			return false;
	return want[len] == '\0';
}

static bool name_prefix(const char *p, size_t len, const char *prefix)
{
	size_t i;

	for (i = 0; prefix[i]; i++)
		if (i >= len || fold(p[i]) != fold(prefix[i]))
			return false;
	return true;
}

/* What natport cannot do, one reason per kind. "%.*s" is what was asked. */
enum refusal {
	OK = 0,
	R_TRANSCODE,
	R_RECORD,
	R_MEDIA,
	R_SRTP,
	R_DTLS,
	R_ICE,
	R_MUX,
	R_SDP,
	R_MIX,
	R_DAEMON_FLAGS,
};

static const char *const refusal_text[] = {
	[R_TRANSCODE] = "natport does not transcode, repacketize or change "
			"codecs (media stays in the kernel)",
	[R_RECORD] = "natport does not record calls (media stays in the "
		     "kernel)",
	[R_MEDIA] = "natport cannot play, detect, block or insert media or "
		    "DTMF (media stays in the kernel)",
	[R_SRTP] = "natport cannot bridge RTP and SRTP or AVP and AVPF; SRTP "
		   "passes through end to end",
	[R_DTLS] = "natport does not terminate DTLS; DTLS-SRTP passes "
		   "through end to end",
	[R_ICE] = "natport does not terminate ICE; use ICE=remove",
	[R_MUX] = "natport cannot multiplex or demultiplex RTCP (rtcp-mux "
		  "passes through as offered)",
	[R_SDP] = "natport does not support this SDP manipulation",
	[R_MIX] = "natport cannot fork, subscribe or mix media (media stays "
		  "in the kernel)",
	[R_DAEMON_FLAGS] = "natport does not parse rtpp-flags; let the "
			   "module parse the flags",
};

struct ctx {
	struct natport_ng_req *req;
	struct natport_benc_doc doc;
	char *reason;
	size_t reasonlen;
};

static int refuse(struct ctx *c, const char *what, size_t wlen, const char *val,
		  size_t vlen, enum refusal r)
{
	if (val)
		snprintf(c->reason, c->reasonlen, "%.*s=%.*s: %s",
			 (int)(wlen > 64 ? 64 : wlen), what,
			 (int)(vlen > 64 ? 64 : vlen), val, refusal_text[r]);
	else
		snprintf(c->reason, c->reasonlen, "%.*s: %s",
			 (int)(wlen > 64 ? 64 : wlen), what, refusal_text[r]);
	return -1;
}

static int bad(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->reason, c->reasonlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Commands. */

static const struct {
	const char *name;
	enum natport_ng_cmd cmd;
	enum refusal r;
} commands[] = {
	{ "ping", NATPORT_NG_PING, OK },
	{ "offer", NATPORT_NG_OFFER, OK },
	{ "answer", NATPORT_NG_ANSWER, OK },
	{ "delete", NATPORT_NG_DELETE, OK },
	{ "query", NATPORT_NG_QUERY, OK },
	{ "list", NATPORT_NG_LIST, OK },
	{ "start recording", 0, R_RECORD },
	{ "stop recording", 0, R_RECORD },
	{ "pause recording", 0, R_RECORD },
	{ "start forwarding", 0, R_RECORD },
	{ "stop forwarding", 0, R_RECORD },
	{ "block DTMF", 0, R_MEDIA },
	{ "unblock DTMF", 0, R_MEDIA },
	{ "play DTMF", 0, R_MEDIA },
	{ "block media", 0, R_MEDIA },
	{ "unblock media", 0, R_MEDIA },
	{ "silence media", 0, R_MEDIA },
	{ "unsilence media", 0, R_MEDIA },
	{ "play media", 0, R_MEDIA },
	{ "stop media", 0, R_MEDIA },
	{ "publish", 0, R_MIX },
	{ "subscribe request", 0, R_MIX },
	{ "subscribe answer", 0, R_MIX },
	{ "unsubscribe", 0, R_MIX },
	{ "connect", 0, R_MIX },
	{ "create", 0, R_MIX },
	{ "create answer", 0, R_MIX },
	{ "mesh", 0, R_MIX },
	{ "inject start", 0, R_MIX },
	{ "inject stop", 0, R_MIX },
};

/* ------------------------------------------------------------------ */
/* Flags. */

static const struct {
	const char *name;
	uint32_t bit;
} known_flags[] = {
	{ "trust-address", NATPORT_NG_F_TRUST_ADDRESS },
	{ "SIP-source-address", NATPORT_NG_F_SIP_SOURCE_ADDRESS },
	{ "symmetric", NATPORT_NG_F_SYMMETRIC },
	{ "asymmetric", NATPORT_NG_F_ASYMMETRIC },
	{ "strict-source", NATPORT_NG_F_STRICT_SOURCE },
	{ "port-latching", NATPORT_NG_F_PORT_LATCHING },
	{ "no-port-latching", NATPORT_NG_F_NO_PORT_LATCHING },
	{ "fatal", NATPORT_NG_F_FATAL },
	{ "fast", NATPORT_NG_F_FAST },
	{ "to-tag", NATPORT_NG_F_TO_TAG },
	{ "all", NATPORT_NG_F_ALL },
	{ "reset", NATPORT_NG_F_RESET },
	{ "early-media", NATPORT_NG_F_EARLY_MEDIA },
	{ "no-rtcp-attribute", NATPORT_NG_F_NO_RTCP_ATTR },
	{ "full-rtcp-attribute", NATPORT_NG_F_FULL_RTCP_ATTR },
	{ "loop-protect", NATPORT_NG_F_LOOP_PROTECT },
	{ "original-sendrecv", NATPORT_NG_F_ORIGINAL_SENDRECV },
	{ "directional", NATPORT_NG_F_DIRECTIONAL },
	{ "unidirectional", NATPORT_NG_F_UNIDIRECTIONAL },
	{ "provisional", NATPORT_NG_F_PROVISIONAL },
	{ "media-handover", NATPORT_NG_F_MEDIA_HANDOVER },
	{ "reject-ICE", NATPORT_NG_F_REJECT_ICE },
	{ "ICE-reject", NATPORT_NG_F_REJECT_ICE },
	{ "passthrough", NATPORT_NG_F_PASSTHROUGH },
	{ "new-branch", NATPORT_NG_F_NEW_BRANCH },
	{ "inactive", NATPORT_NG_F_INACTIVE },
};

/* Flags (exact, or prefix when the name ends in '-') that ask for what
 * natport cannot do. */
static const struct {
	const char *name;
	enum refusal r;
} refused_flags[] = {
	{ "always-transcode", R_TRANSCODE },
	{ "force-transcoding", R_TRANSCODE },
	{ "transcode-", R_TRANSCODE },
	{ "codec-", R_TRANSCODE },
	{ "single-codec", R_TRANSCODE },
	{ "reorder-codecs", R_TRANSCODE },
	{ "record-call", R_RECORD },
	{ "SIPREC", R_RECORD },
	{ "recording-announcement", R_RECORD },
	{ "inject-DTMF", R_MEDIA },
	{ "detect-DTMF", R_MEDIA },
	{ "block-DTMF", R_MEDIA },
	{ "block-egress", R_MEDIA },
	{ "block-short", R_MEDIA },
	{ "generate-RTCP", R_MEDIA },
	{ "RTCP-mirror", R_MEDIA },
	{ "mirror-RTCP", R_MEDIA },
	{ "mix", R_MIX },
	{ "recrypt", R_SRTP },
	{ "OSRTP-", R_SRTP },
	{ "WebRTC", R_ICE },
	{ "trickle-ICE", R_ICE },
	{ "fragment", R_ICE },
	{ "strip-extmap", R_SDP },
};

const char *natport_ng_flag_name(enum natport_ng_flag f)
{
	size_t i;

	for (i = 0; i < sizeof(known_flags) / sizeof(known_flags[0]); i++)
		if (known_flags[i].bit == (uint32_t)f)
			return known_flags[i].name;
	return NULL;
}

static void add_unknown(struct natport_ng_req *req, const char *p, size_t len)
{
	unsigned int i;

	for (i = 0; i < req->n_unknown; i++)
		if (req->unknown[i].len == len &&
		    !memcmp(req->unknown[i].p, p, len))
			return;
	if (req->n_unknown < NATPORT_NG_UNKNOWN_MAX) {
		req->unknown[req->n_unknown].p = p;
		req->unknown[req->n_unknown].len = len;
		req->n_unknown++;
	} else {
		req->unknown_dropped++;
	}
}

static int one_flag(struct ctx *c, const char *p, size_t len)
{
	size_t i, n;

	for (i = 0; i < sizeof(known_flags) / sizeof(known_flags[0]); i++)
		if (name_eq(p, len, known_flags[i].name)) {
			c->req->flags |= known_flags[i].bit;
			return 0;
		}
	for (i = 0; i < sizeof(refused_flags) / sizeof(refused_flags[0]); i++) {
		const char *f = refused_flags[i].name;

		n = strlen(f);
		if (f[n - 1] == '-' ? name_prefix(p, len, f) :
				      name_eq(p, len, f))
			return refuse(c, p, len, NULL, 0, refused_flags[i].r);
	}
	add_unknown(c->req, p, len);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Values. */

static const char *type_name(const struct natport_benc_node *n)
{
	switch (n->type) {
	case NATPORT_BENC_INT:
		return "an integer";
	case NATPORT_BENC_STR:
		return "a string";
	case NATPORT_BENC_LIST:
		return "a list";
	default:
		return "a dictionary";
	}
}

static int want_str(struct ctx *c, const struct natport_benc_node *key,
		    const struct natport_benc_node *v,
		    struct natport_ng_str *out)
{
	if (v->type != NATPORT_BENC_STR)
		return bad(c, "%.*s: expected a string, got %s", (int)key->len,
			   key->s, type_name(v));
	out->p = v->s;
	out->len = v->len;
	return 0;
}

/* An integer, or a string of decimal digits (the modules send both). */
static int want_int(struct ctx *c, const struct natport_benc_node *key,
		    const struct natport_benc_node *v, int64_t *out)
{
	char tmp[24], *end;
	long long x;

	if (v->type == NATPORT_BENC_INT) {
		*out = v->i;
		return 0;
	}
	if (v->type == NATPORT_BENC_STR && v->len && v->len < sizeof(tmp)) {
		memcpy(tmp, v->s, v->len);
		tmp[v->len] = '\0';
		errno = 0;
		x = strtoll(tmp, &end, 10);
		if (!errno && *end == '\0' &&
		    (tmp[0] == '-' || (tmp[0] >= '0' && tmp[0] <= '9'))) {
			*out = x;
			return 0;
		}
	}
	return bad(c, "%.*s: expected an integer, got %s", (int)key->len,
		   key->s, type_name(v));
}

/* Each string of a list (or one string when single is allowed). */
static int for_strings(struct ctx *c, const struct natport_benc_node *key,
		       const struct natport_benc_node *v, bool single,
		       int (*fn)(struct ctx *, const struct natport_benc_node *,
				 const char *, size_t))
{
	const struct natport_benc_node *e;

	if (single && v->type == NATPORT_BENC_STR)
		return fn(c, key, v->s, v->len);
	if (v->type != NATPORT_BENC_LIST)
		return bad(c, "%.*s: expected a list%s, got %s", (int)key->len,
			   key->s, single ? " or a string" : "", type_name(v));
	for (e = natport_benc_at(&c->doc, v->child); e;
	     e = natport_benc_at(&c->doc, e->next)) {
		if (e->type != NATPORT_BENC_STR)
			return bad(c,
				   "%.*s: expected a list of strings, "
				   "found %s",
				   (int)key->len, key->s, type_name(e));
		if (fn(c, key, e->s, e->len))
			return -1;
	}
	return 0;
}

static int flag_item(struct ctx *c, const struct natport_benc_node *key,
		     const char *p, size_t len)
{
	return one_flag(c, p, len);
}

static int replace_item(struct ctx *c, const struct natport_benc_node *key,
			const char *p, size_t len)
{
	if (name_eq(p, len, "origin"))
		c->req->replace |= NATPORT_NG_R_ORIGIN;
	else if (name_eq(p, len, "session-connection"))
		c->req->replace |= NATPORT_NG_R_SESSION_CONNECTION;
	else if (name_eq(p, len, "zero-address"))
		c->req->replace |= NATPORT_NG_R_ZERO_ADDRESS;
	else
		/* origin-full, username, session-name, SDP-version,
		 * force-increment-sdp-ver: cosmetic, logged and left as
		 * the endpoint wrote them */
		add_unknown(c->req, p, len);
	return 0;
}

static int ice_item(struct ctx *c, const struct natport_benc_node *key,
		    const char *p, size_t len)
{
	if (name_eq(p, len, "remove"))
		c->req->ice = NATPORT_NG_ICE_REMOVE;
	else if (name_eq(p, len, "default"))
		c->req->ice = NATPORT_NG_ICE_DEFAULT;
	else if (name_eq(p, len, "force") || name_eq(p, len, "force-relay") ||
		 name_eq(p, len, "optional") || name_eq(p, len, "trickle") ||
		 name_prefix(p, len, "lite") || name_eq(p, len, "ice2"))
		return refuse(c, "ICE", 3, p, len, R_ICE);
	else
		add_unknown(c->req, p, len);
	return 0;
}

static int mux_item(struct ctx *c, const struct natport_benc_node *key,
		    const char *p, size_t len)
{
	if (name_eq(p, len, "accept"))
		c->req->rtcp_mux |= NATPORT_NG_MUX_ACCEPT;
	else if (name_eq(p, len, "reject"))
		c->req->rtcp_mux |= NATPORT_NG_MUX_REJECT;
	else if (name_eq(p, len, "offer") || name_eq(p, len, "require") ||
		 name_eq(p, len, "demux"))
		return refuse(c, "rtcp-mux", 8, p, len, R_MUX);
	else
		add_unknown(c->req, p, len);
	return 0;
}

static int supports_item(struct ctx *c, const struct natport_benc_node *key,
			 const char *p, size_t len)
{
	if (name_eq(p, len, "load limit"))
		c->req->supports_load_limit = true;
	return 0;
}

static int t38_item(struct ctx *c, const struct natport_benc_node *key,
		    const char *p, size_t len)
{
	if (name_eq(p, len, "decode") || name_eq(p, len, "force"))
		return refuse(c, "T.38", 4, p, len, R_TRANSCODE);
	return 0;
}

static int osrtp_item(struct ctx *c, const struct natport_benc_node *key,
		      const char *p, size_t len)
{
	return refuse(c, "OSRTP", 5, p, len, R_SRTP);
}

static int sdes_item(struct ctx *c, const struct natport_benc_node *key,
		     const char *p, size_t len)
{
	/* natport never adds crypto; "off" is what it does anyway, the
	 * rest tunes crypto it would generate */
	if (!name_eq(p, len, "off") && !name_eq(p, len, "no") &&
	    !name_eq(p, len, "disable") && !name_eq(p, len, "disabled"))
		add_unknown(c->req, p, len);
	return 0;
}

static int parse_addr(struct ctx *c, const char *what, int family,
		      const char *p, size_t len, struct natport_ng_addr *out)
{
	char tmp[INET6_ADDRSTRLEN + 1];

	if (len == 0 || len >= sizeof(tmp))
		goto bad;
	memcpy(tmp, p, len);
	tmp[len] = '\0';
	if (family != AF_INET6 && inet_pton(AF_INET, tmp, &out->v4) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (family != AF_INET && inet_pton(AF_INET6, tmp, &out->v6) == 1) {
		out->family = AF_INET6;
		return 0;
	}
bad:
	return bad(c, "%s: Failed to parse network address \"%.*s\"", what,
		   (int)(len > 64 ? 64 : len), p);
}

static int family_of(struct ctx *c, const char *what, const char *p, size_t len,
		     int *af)
{
	if (name_eq(p, len, "IP4"))
		*af = AF_INET;
	else if (name_eq(p, len, "IP6"))
		*af = AF_INET6;
	else
		return bad(c,
			   "%s: address family \"%.*s\" is neither IP4 nor "
			   "IP6",
			   what, (int)(len > 16 ? 16 : len), p);
	return 0;
}

/* A list of exactly two strings. */
static int pair(struct ctx *c, const struct natport_benc_node *key,
		const struct natport_benc_node *v, struct natport_ng_str out[2])
{
	const struct natport_benc_node *a, *b;

	if (v->type != NATPORT_BENC_LIST || v->count != 2)
		goto bad;
	a = natport_benc_at(&c->doc, v->child);
	b = natport_benc_at(&c->doc, a->next);
	if (a->type != NATPORT_BENC_STR || b->type != NATPORT_BENC_STR)
		goto bad;
	out[0].p = a->s;
	out[0].len = a->len;
	out[1].p = b->s;
	out[1].len = b->len;
	return 0;
bad:
	return bad(c, "%.*s: expected a list of two strings", (int)key->len,
		   key->s);
}

enum natport_ng_side natport_ng_side_of(const char *name, size_t len)
{
	static const char *const lan[] = { "internal", "int", "priv",
					   "private",  "lan", "inside" };
	static const char *const wan[] = { "external", "ext", "pub",
					   "public",   "wan", "outside" };
	size_t i;

	for (i = 0; i < sizeof(lan) / sizeof(lan[0]); i++)
		if (name_eq(name, len, lan[i]))
			return NATPORT_NG_SIDE_LAN;
	for (i = 0; i < sizeof(wan) / sizeof(wan[0]); i++)
		if (name_eq(name, len, wan[i]))
			return NATPORT_NG_SIDE_WAN;
	return NATPORT_NG_SIDE_UNKNOWN;
}

/* A value of a string option that is fine only when it says "off". */
static bool is_off(const struct natport_benc_node *v)
{
	if (v->type == NATPORT_BENC_INT)
		return v->i == 0;
	if (v->type != NATPORT_BENC_STR)
		return false;
	return !v->len || name_eq(v->s, v->len, "off") ||
	       name_eq(v->s, v->len, "no") || name_eq(v->s, v->len, "none") ||
	       name_eq(v->s, v->len, "disable") ||
	       name_eq(v->s, v->len, "disabled") ||
	       name_eq(v->s, v->len, "default") ||
	       name_eq(v->s, v->len, "stop") || name_eq(v->s, v->len, "0");
}

static int refuse_kv(struct ctx *c, const struct natport_benc_node *key,
		     const struct natport_benc_node *v, enum refusal r)
{
	char num[24];

	if (v->type == NATPORT_BENC_STR)
		return refuse(c, key->s, key->len, v->s, v->len, r);
	if (v->type == NATPORT_BENC_INT) {
		snprintf(num, sizeof(num), "%" PRId64, v->i);
		return refuse(c, key->s, key->len, num, strlen(num), r);
	}
	return refuse(c, key->s, key->len, NULL, 0, r);
}

/* Keys whose value is fine only when off (or absent). */
static const struct {
	const char *name;
	enum refusal r;
} off_keys[] = {
	{ "ptime", R_TRANSCODE },	{ "ptime-reverse", R_TRANSCODE },
	{ "repacketize", R_TRANSCODE }, { "delay-buffer", R_MEDIA },
	{ "media-echo", R_MEDIA },	{ "generate-RTCP", R_MEDIA },
	{ "drop-traffic", R_MEDIA },	{ "audio-player", R_MEDIA },
	{ "record-call", R_RECORD },	{ "DTLS", R_DTLS },
	{ "ICE-lite", R_ICE },
};

/* Dict-valued keys that are fine only when empty. */
static const struct {
	const char *name;
	enum refusal r;
} empty_keys[] = {
	{ "codec", R_TRANSCODE },
	{ "extmap", R_SDP },
	{ "sdp-media-remove", R_SDP },
};

static int one_key(struct ctx *c, const struct natport_benc_node *k,
		   const struct natport_benc_node *v)
{
	struct natport_ng_req *req = c->req;
	const char *p = k->s;
	size_t n = k->len, i;
	struct natport_ng_str two[2];
	int af;

	if (name_eq(p, n, "command"))
		return 0; /* read first, by natport_ng_parse() */
	if (name_eq(p, n, "call-id"))
		return want_str(c, k, v, &req->call_id);
	if (name_eq(p, n, "from-tag"))
		return want_str(c, k, v, &req->from_tag);
	if (name_eq(p, n, "to-tag"))
		return want_str(c, k, v, &req->to_tag);
	if (name_eq(p, n, "via-branch"))
		return want_str(c, k, v, &req->via_branch);
	if (name_eq(p, n, "sdp"))
		return want_str(c, k, v, &req->sdp);
	if (name_eq(p, n, "label") || name_eq(p, n, "from-label"))
		return want_str(c, k, v, &req->label);
	if (name_eq(p, n, "transport-protocol"))
		return want_str(c, k, v, &req->transport_protocol);
	if (name_eq(p, n, "flags"))
		return for_strings(c, k, v, false, flag_item);
	if (name_eq(p, n, "replace"))
		return for_strings(c, k, v, false, replace_item);
	if (name_eq(p, n, "ICE"))
		return for_strings(c, k, v, true, ice_item);
	if (name_eq(p, n, "rtcp-mux"))
		return for_strings(c, k, v, true, mux_item);
	if (name_eq(p, n, "supports"))
		return for_strings(c, k, v, true, supports_item);
	if (name_eq(p, n, "T.38") || name_eq(p, n, "T38"))
		return for_strings(c, k, v, true, t38_item);
	if (name_eq(p, n, "OSRTP"))
		return for_strings(c, k, v, true, osrtp_item);
	if (name_eq(p, n, "SDES"))
		return for_strings(c, k, v, true, sdes_item);
	if (name_eq(p, n, "rtpp-flags"))
		return refuse(c, p, n, NULL, 0, R_DAEMON_FLAGS);
	if (name_eq(p, n, "direction")) {
		if (pair(c, k, v, req->direction))
			return -1;
		req->n_direction = 2;
		return 0;
	}
	if (name_eq(p, n, "from-interface") || name_eq(p, n, "to-interface")) {
		i = name_eq(p, n, "to-interface");
		if (want_str(c, k, v, &req->direction[i]))
			return -1;
		req->n_direction = 2;
		return 0;
	}
	if (name_eq(p, n, "received-from")) {
		if (pair(c, k, v, two) ||
		    family_of(c, "received-from", two[0].p, two[0].len, &af))
			return -1;
		return parse_addr(c, "received-from", af, two[1].p, two[1].len,
				  &req->received_from);
	}
	if (name_eq(p, n, "media-address")) {
		if (want_str(c, k, v, &two[0]))
			return -1;
		return parse_addr(c, "media address", 0, two[0].p, two[0].len,
				  &req->media_address);
	}
	if (name_eq(p, n, "address-family")) {
		if (want_str(c, k, v, &two[0]))
			return -1;
		return family_of(c, "address family", two[0].p, two[0].len,
				 &req->address_family);
	}
	if (name_eq(p, n, "sip-message-type")) {
		if (want_str(c, k, v, &two[0]))
			return -1;
		if (name_eq(two[0].p, two[0].len, "sip-request") ||
		    name_eq(two[0].p, two[0].len, "SIP request"))
			req->sip_message_type = NATPORT_NG_SIP_REQUEST;
		else if (name_eq(two[0].p, two[0].len, "sip-reply") ||
			 name_eq(two[0].p, two[0].len, "SIP response"))
			req->sip_message_type = NATPORT_NG_SIP_REPLY;
		return 0;
	}
	if (name_eq(p, n, "sip-code"))
		return want_int(c, k, v, &req->sip_code);
	if (name_eq(p, n, "delete-delay")) {
		if (want_int(c, k, v, &req->delete_delay))
			return -1;
		if (req->delete_delay < 0)
			return bad(c, "delete delay: must not be negative");
		req->has_delete_delay = true;
		return 0;
	}
	if (name_eq(p, n, "limit")) {
		if (want_int(c, k, v, &req->limit))
			return -1;
		if (req->limit <= 0)
			return bad(c, "limit: must be > 0");
		return 0;
	}
	for (i = 0; i < sizeof(off_keys) / sizeof(off_keys[0]); i++)
		if (name_eq(p, n, off_keys[i].name))
			return is_off(v) ? 0 :
					   refuse_kv(c, k, v, off_keys[i].r);
	for (i = 0; i < sizeof(empty_keys) / sizeof(empty_keys[0]); i++)
		if (name_eq(p, n, empty_keys[i].name))
			return (v->type == NATPORT_BENC_DICT ||
				v->type == NATPORT_BENC_LIST) &&
					       !v->count ?
				       0 :
				       refuse_kv(c, k, v, empty_keys[i].r);
	/* rtpengine ignores keys it does not use; so do we, but the front
	 * end gets to log them once */
	add_unknown(req, p, n);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The SDP's transport protocols, against "transport-protocol". */

static const char *const profiles[] = {
	"RTP/AVP",   "RTP/AVPF",	 "RTP/SAVP",
	"RTP/SAVPF", "UDP/TLS/RTP/SAVP", "UDP/TLS/RTP/SAVPF",
};

static int check_transport(struct ctx *c)
{
	const struct natport_ng_str *tp = &c->req->transport_protocol;
	/* no "sdp" (query, delete): p is NULL, and NULL + 0 is undefined */
	const char *s = c->req->sdp.p, *end = s ? s + c->req->sdp.len : s;
	const char *line;
	unsigned int mline = 0;
	size_t i;
	bool known = false;

	if (!tp->p)
		return 0;
	if (name_eq(tp->p, tp->len, "accept"))
		return 0;
	for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (tp->len == strlen(profiles[i]) &&
		    !memcmp(tp->p, profiles[i], tp->len))
			known = true;
	if (!known)
		return bad(c, "transport-protocol: unknown protocol \"%.*s\"",
			   (int)(tp->len > 32 ? 32 : tp->len), tp->p);
	/* every m= line with a port must already speak it: m=<media>
	 * <port> <proto> ... */
	for (line = s; s && line < end;) {
		const char *eol = memchr(line, '\n', end - line);
		const char *le = eol ? eol : end, *f, *q;
		const char *fld[3];
		size_t flen[3];
		unsigned int nf = 0;

		if (le - line > 2 && line[0] == 'm' && line[1] == '=') {
			mline++;
			for (f = line + 2; f < le && nf < 3;) {
				while (f < le && *f == ' ')
					f++;
				for (q = f; q < le && *q != ' ' && *q != '\r';)
					q++;
				if (q == f)
					break;
				fld[nf] = f;
				flen[nf++] = q - f;
				f = q;
			}
			if (nf == 3 && !(flen[1] == 1 && fld[1][0] == '0') &&
			    (flen[2] != tp->len ||
			     memcmp(fld[2], tp->p, tp->len)))
				return bad(c,
					   "transport-protocol=%.*s: m= line "
					   "%u is %.*s: %s",
					   (int)tp->len, tp->p, mline,
					   (int)(flen[2] > 32 ? 32 : flen[2]),
					   fld[2], refusal_text[R_SRTP]);
		}
		line = le + 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */

int natport_ng_parse(struct natport_ng_req *req, const char *dgram, size_t len,
		     struct natport_benc_node *nodes, uint32_t nnodes,
		     char *reason, size_t reasonlen)
{
	struct ctx c = { .req = req, .reason = reason, .reasonlen = reasonlen };
	const struct natport_benc_node *root, *cmd, *k;
	const char *sp, *body;
	size_t i, blen;
	char derr[160];

	memset(req, 0, sizeof(*req));
	if (reasonlen)
		reason[0] = '\0';
	c.doc.nodes = nodes;
	c.doc.cap = nnodes;

	/* cookie: 1..NATPORT_NG_COOKIE_MAX printable bytes, then a space */
	if (len > NATPORT_NG_DGRAM_MAX)
		return NATPORT_NG_NOREPLY;
	sp = memchr(dgram, ' ',
		    len < NATPORT_NG_COOKIE_MAX + 1 ?
			    len :
			    NATPORT_NG_COOKIE_MAX + 1);
	if (!sp || sp == dgram)
		return NATPORT_NG_NOREPLY;
	for (i = 0; dgram + i < sp; i++)
		if (dgram[i] < 0x21 || dgram[i] > 0x7e)
			return NATPORT_NG_NOREPLY;
	req->cookie.p = dgram;
	req->cookie.len = sp - dgram;
	body = sp + 1;
	blen = len - (body - dgram);

	if (!blen) {
		bad(&c, "Invalid data (no payload)");
		return NATPORT_NG_ERROR;
	}
	if (body[0] == '{') {
		bad(&c, "Invalid NG data format: natport speaks bencode, not "
			"JSON");
		return NATPORT_NG_ERROR;
	}
	if (body[0] != 'd') {
		bad(&c, "Invalid NG data format");
		return NATPORT_NG_ERROR;
	}
	if (natport_benc_decode(&c.doc, body, blen, NULL, derr, sizeof(derr))) {
		bad(&c, "Could not decode bencode dictionary: %s", derr);
		return NATPORT_NG_ERROR;
	}
	root = natport_benc_at(&c.doc, 0);

	/* the command first, so every later error can name it */
	cmd = NULL;
	for (k = natport_benc_at(&c.doc, root->child); k;
	     k = natport_benc_at(&c.doc,
				 natport_benc_at(&c.doc, k->next)->next))
		if (name_eq(k->s, k->len, "command"))
			cmd = natport_benc_at(&c.doc, k->next);
	if (!cmd || cmd->type != NATPORT_BENC_STR) {
		bad(&c, "Dictionary contains no key \"command\"");
		return NATPORT_NG_ERROR;
	}
	req->command.p = cmd->s;
	req->command.len = cmd->len;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (name_eq(cmd->s, cmd->len, commands[i].name))
			break;
	if (i == sizeof(commands) / sizeof(commands[0])) {
		bad(&c, "Unrecognized command");
		return NATPORT_NG_ERROR;
	}
	if (commands[i].r) {
		refuse(&c, cmd->s, cmd->len, NULL, 0, commands[i].r);
		return NATPORT_NG_ERROR;
	}
	req->cmd = commands[i].cmd;
	if (req->cmd == NATPORT_NG_PING)
		return NATPORT_NG_OK; /* nothing else matters */

	for (k = natport_benc_at(&c.doc, root->child); k;) {
		const struct natport_benc_node *v =
			natport_benc_at(&c.doc, k->next);

		if (one_key(&c, k, v))
			return NATPORT_NG_ERROR;
		k = natport_benc_at(&c.doc, v->next);
	}

	switch (req->cmd) {
	case NATPORT_NG_OFFER:
	case NATPORT_NG_ANSWER:
		if (!req->sdp.p || !req->sdp.len) {
			bad(&c, "No SDP body in message");
			return NATPORT_NG_ERROR;
		}
		/* fall through */
	case NATPORT_NG_DELETE:
		if (!req->call_id.p || !req->call_id.len) {
			bad(&c, "No call-id in message");
			return NATPORT_NG_ERROR;
		}
		if (!req->from_tag.p || !req->from_tag.len) {
			bad(&c, "No from-tag in message");
			return NATPORT_NG_ERROR;
		}
		if (req->cmd == NATPORT_NG_ANSWER &&
		    (!req->to_tag.p || !req->to_tag.len)) {
			bad(&c, "No to-tag in message");
			return NATPORT_NG_ERROR;
		}
		break;
	case NATPORT_NG_QUERY:
		if (!req->call_id.p || !req->call_id.len) {
			bad(&c, "No call-id in message");
			return NATPORT_NG_ERROR;
		}
		break;
	default:
		break;
	}
	if ((req->flags & NATPORT_NG_F_TRUST_ADDRESS) &&
	    (req->flags & NATPORT_NG_F_SIP_SOURCE_ADDRESS)) {
		bad(&c, "flags: trust-address and SIP-source-address "
			"contradict each other");
		return NATPORT_NG_ERROR;
	}
	if ((req->flags & NATPORT_NG_F_SIP_SOURCE_ADDRESS) &&
	    !req->received_from.family && !req->media_address.family &&
	    (req->cmd == NATPORT_NG_OFFER || req->cmd == NATPORT_NG_ANSWER)) {
		bad(&c, "SIP-source-address needs received-from");
		return NATPORT_NG_ERROR;
	}
	if ((req->rtcp_mux & NATPORT_NG_MUX_ACCEPT) &&
	    (req->rtcp_mux & NATPORT_NG_MUX_REJECT)) {
		bad(&c, "rtcp-mux: accept and reject contradict each other");
		return NATPORT_NG_ERROR;
	}
	for (i = 0; i < req->n_direction; i++) {
		if (!req->direction[i].p) {
			bad(&c, "direction: %s interface missing",
			    i ? "to" : "from");
			return NATPORT_NG_ERROR;
		}
		req->side[i] = natport_ng_side_of(req->direction[i].p,
						  req->direction[i].len);
	}
	if (check_transport(&c))
		return NATPORT_NG_ERROR;
	return NATPORT_NG_OK;
}

/* ------------------------------------------------------------------ */
/* Replies. */

/* Cookie and space, then a writer over the rest of buf. */
static bool start(struct natport_benc_writer *w, char *buf, size_t cap,
		  const struct natport_ng_str *cookie)
{
	if (!cookie->p || cookie->len + 1 > cap)
		return false;
	memcpy(buf, cookie->p, cookie->len);
	buf[cookie->len] = ' ';
	natport_benc_writer_init(w, buf + cookie->len + 1,
				 cap - cookie->len - 1);
	return true;
}

static ssize_t finish(struct natport_benc_writer *w,
		      const struct natport_ng_str *cookie)
{
	ssize_t n = natport_benc_finish(w, NULL);

	if (n < 0) {
		errno = ENOBUFS;
		return -1;
	}
	return n + (ssize_t)cookie->len + 1;
}

ssize_t natport_ng_reply_pong(char *buf, size_t cap,
			      const struct natport_ng_str *cookie)
{
	struct natport_benc_writer w;

	if (!start(&w, buf, cap, cookie))
		goto nobufs;
	natport_benc_put_dict(&w);
	natport_benc_put_kv_cstr(&w, "result", "pong");
	natport_benc_put_end(&w);
	return finish(&w, cookie);
nobufs:
	errno = ENOBUFS;
	return -1;
}

ssize_t natport_ng_reply_error(char *buf, size_t cap,
			       const struct natport_ng_str *cookie,
			       const char *reason)
{
	struct natport_benc_writer w;

	if (!start(&w, buf, cap, cookie)) {
		errno = ENOBUFS;
		return -1;
	}
	natport_benc_put_dict(&w);
	natport_benc_put_kv_cstr(&w, "error-reason",
				 reason && *reason ? reason : "error");
	natport_benc_put_kv_cstr(&w, "result", "error");
	natport_benc_put_end(&w);
	return finish(&w, cookie);
}

ssize_t natport_ng_reply_sdp(char *buf, size_t cap,
			     const struct natport_ng_str *cookie,
			     const char *sdp, size_t sdplen,
			     const char *warning)
{
	struct natport_benc_writer w;

	if (!start(&w, buf, cap, cookie)) {
		errno = ENOBUFS;
		return -1;
	}
	natport_benc_put_dict(&w);
	natport_benc_put_kv_cstr(&w, "result", "ok");
	natport_benc_put_kv_str(&w, "sdp", sdp, sdplen);
	if (warning)
		natport_benc_put_kv_cstr(&w, "warning", warning);
	natport_benc_put_end(&w);
	return finish(&w, cookie);
}

ssize_t natport_ng_reply_ok(char *buf, size_t cap,
			    const struct natport_ng_str *cookie,
			    const char *warning)
{
	struct natport_benc_writer w;

	if (!start(&w, buf, cap, cookie)) {
		errno = ENOBUFS;
		return -1;
	}
	natport_benc_put_dict(&w);
	natport_benc_put_kv_cstr(&w, "result", "ok");
	if (warning)
		natport_benc_put_kv_cstr(&w, "warning", warning);
	natport_benc_put_end(&w);
	return finish(&w, cookie);
}

ssize_t natport_ng_reply_list(char *buf, size_t cap,
			      const struct natport_ng_str *cookie,
			      const struct natport_ng_str *call_ids, size_t n)
{
	struct natport_benc_writer w;
	size_t i;

	if (!start(&w, buf, cap, cookie)) {
		errno = ENOBUFS;
		return -1;
	}
	natport_benc_put_dict(&w);
	natport_benc_put_cstr(&w, "calls");
	natport_benc_put_list(&w);
	for (i = 0; i < n; i++)
		natport_benc_put_str(&w, call_ids[i].p, call_ids[i].len);
	natport_benc_put_end(&w);
	natport_benc_put_kv_cstr(&w, "result", "ok");
	natport_benc_put_end(&w);
	return finish(&w, cookie);
}

static void put_counters(struct natport_benc_writer *w,
			 const struct natport_ng_counters *k)
{
	/* bencode integers are signed; counters beyond INT64_MAX saturate */
	natport_benc_put_dict(w);
	natport_benc_put_kv_int(w, "bytes",
				k->bytes > INT64_MAX ? INT64_MAX :
						       (int64_t)k->bytes);
	natport_benc_put_kv_int(w, "errors",
				k->errors > INT64_MAX ? INT64_MAX :
							(int64_t)k->errors);
	natport_benc_put_kv_int(w, "packets",
				k->packets > INT64_MAX ? INT64_MAX :
							 (int64_t)k->packets);
	natport_benc_put_end(w);
}

static int64_t sat(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

/* One SSRC entry (rtpengine's "ingress SSRCs" item and "SSRC" value);
 * with_ssrc: the list item, which names its SSRC. Keys ascend. */
static void put_ssrc(struct natport_benc_writer *w,
		     const struct natport_ng_rtp_info *r, bool with_ssrc)
{
	natport_benc_put_dict(w);
	if (with_ssrc)
		natport_benc_put_kv_int(w, "SSRC", r->ssrc);
	natport_benc_put_kv_int(w, "bytes", sat(r->bytes));
	natport_benc_put_kv_int(w, "cumulative loss", r->lost);
	natport_benc_put_kv_int(w, "jitter", r->jitter_ms);
	natport_benc_put_kv_int(w, "last RTP seq", r->last_seq);
	natport_benc_put_kv_int(w, "packet loss", r->loss_pct);
	natport_benc_put_kv_int(w, "packets", sat(r->packets));
	natport_benc_put_end(w);
}

static void put_stream(struct natport_benc_writer *w,
		       const struct natport_ng_stream_info *s)
{
	char a[INET6_ADDRSTRLEN];

	natport_benc_put_dict(w);
	if (s->rtp_in.valid)
		natport_benc_put_kv_int(w, "SSRC", s->rtp_in.ssrc);
	if (s->endpoint.family &&
	    inet_ntop(s->endpoint.family, &s->endpoint.v6, a, sizeof(a))) {
		natport_benc_put_cstr(w, "endpoint");
		natport_benc_put_dict(w);
		natport_benc_put_kv_cstr(w, "address", a);
		natport_benc_put_kv_cstr(
			w, "family",
			s->endpoint.family == AF_INET ? "IPv4" : "IPv6");
		natport_benc_put_kv_int(w, "port", s->endpoint_port);
		natport_benc_put_end(w);
	}
	natport_benc_put_cstr(w, "flags");
	natport_benc_put_list(w);
	natport_benc_put_cstr(w, s->rtcp ? "RTCP" : "RTP");
	natport_benc_put_cstr(w, "kernelized");
	natport_benc_put_end(w);
	if (s->rtp_in.valid && s->rtp_in.last_packet)
		natport_benc_put_kv_int(w, "last packet",
					s->rtp_in.last_packet);
	if (s->local_port)
		natport_benc_put_kv_int(w, "local port", s->local_port);
	natport_benc_put_cstr(w, "stats");
	put_counters(w, &s->stats);
	if (s->have_out) {
		natport_benc_put_cstr(w, "stats_out");
		put_counters(w, &s->stats_out);
	}
	natport_benc_put_end(w);
}

static void put_media(struct natport_benc_writer *w,
		      const struct natport_ng_media_info *m, unsigned int index)
{
	unsigned int i;

	/* the RTP stream's, as rtpengine lists the media's SSRCs */
	const struct natport_ng_rtp_info *in = NULL, *out = NULL;

	for (i = 0; i < m->n_streams && i < NATPORT_NG_QUERY_STREAMS; i++)
		if (!m->streams[i].rtcp) {
			in = &m->streams[i].rtp_in;
			out = &m->streams[i].rtp_out;
			break;
		}
	natport_benc_put_dict(w);
	if (out && out->valid) {
		natport_benc_put_cstr(w, "egress SSRCs");
		natport_benc_put_list(w);
		put_ssrc(w, out, true);
		natport_benc_put_end(w);
	}
	natport_benc_put_cstr(w, "flags");
	natport_benc_put_list(w);
	natport_benc_put_cstr(w, "initialized");
	if (m->rtcp_mux)
		natport_benc_put_cstr(w, "rtcp-mux");
	natport_benc_put_end(w);
	natport_benc_put_kv_int(w, "index", index);
	if (in && in->valid) {
		natport_benc_put_cstr(w, "ingress SSRCs");
		natport_benc_put_list(w);
		put_ssrc(w, in, true);
		natport_benc_put_end(w);
	}
	if (m->protocol)
		natport_benc_put_kv_cstr(w, "protocol", m->protocol);
	natport_benc_put_cstr(w, "streams");
	natport_benc_put_list(w);
	for (i = 0; i < m->n_streams && i < NATPORT_NG_QUERY_STREAMS; i++)
		put_stream(w, &m->streams[i]);
	natport_benc_put_end(w);
	if (m->type)
		natport_benc_put_kv_cstr(w, "type", m->type);
	natport_benc_put_end(w);
}

static int tag_cmp(const struct natport_ng_str *a,
		   const struct natport_ng_str *b)
{
	size_t m = a->len < b->len ? a->len : b->len;
	int r = m ? memcmp(a->p, b->p, m) : 0;

	if (r)
		return r;
	return a->len < b->len ? -1 : a->len > b->len;
}

#define SSRC_KEYS 64 /* "SSRC" entries in one reply, at most */

struct ssrc_key {
	char k[11]; /* decimal uint32 */
	const struct natport_ng_rtp_info *r;
};

static int ssrc_key_cmp(const void *a, const void *b)
{
	const struct ssrc_key *x = a, *y = b;
	size_t lx = strlen(x->k), ly = strlen(y->k);
	int c = memcmp(x->k, y->k, lx < ly ? lx : ly);

	return c ? c : (lx > ly) - (lx < ly);
}

static void ssrc_collect(struct ssrc_key *keys, unsigned int *n,
			 const struct natport_ng_rtp_info *r)
{
	if (!r->valid || *n == SSRC_KEYS)
		return;
	snprintf(keys[*n].k, sizeof(keys[*n].k), "%" PRIu32, r->ssrc);
	for (unsigned int i = 0; i < *n; i++)
		if (!strcmp(keys[i].k, keys[*n].k))
			return; /* one direction seen from both tags */
	keys[(*n)++].r = r;
}

/* "SSRC": every known SSRC's figures by its decimal number (as
 * rtpengine's reply, where Kamailio's module looks them up). Left out
 * when the statistics module gave none. */
static void put_ssrc_dict(struct natport_benc_writer *w,
			  const struct natport_ng_query_info *q)
{
	struct ssrc_key keys[SSRC_KEYS];
	unsigned int n = 0, t, j, i;

	for (t = 0; t < q->n_tags; t++)
		for (j = 0; j < q->tags[t].n_medias; j++) {
			const struct natport_ng_media_info *m =
				&q->tags[t].medias[j];

			for (i = 0;
			     i < m->n_streams && i < NATPORT_NG_QUERY_STREAMS;
			     i++) {
				ssrc_collect(keys, &n, &m->streams[i].rtp_in);
				ssrc_collect(keys, &n, &m->streams[i].rtp_out);
			}
		}
	if (!n)
		return;
	qsort(keys, n, sizeof(keys[0]), ssrc_key_cmp);
	natport_benc_put_cstr(w, "SSRC");
	natport_benc_put_dict(w);
	for (i = 0; i < n; i++) {
		natport_benc_put_cstr(w, keys[i].k);
		put_ssrc(w, keys[i].r, false);
	}
	natport_benc_put_end(w);
}

ssize_t natport_ng_reply_query(char *buf, size_t cap,
			       const struct natport_ng_str *cookie,
			       const struct natport_ng_query_info *q,
			       const char *warning)
{
	const struct natport_ng_tag_info *order[8], *t;
	struct natport_benc_writer w;
	unsigned int i, j, n = q->n_tags;

	if (n > 8 || !start(&w, buf, cap, cookie)) {
		errno = n > 8 ? EINVAL : ENOBUFS;
		return -1;
	}
	/* bencode dict keys ascend: sort the tags (a handful, insertion) */
	for (i = 0; i < n; i++) {
		t = &q->tags[i];
		for (j = i; j > 0 && tag_cmp(&order[j - 1]->tag, &t->tag) > 0;
		     j--)
			order[j] = order[j - 1];
		order[j] = t;
	}
	natport_benc_put_dict(&w);
	put_ssrc_dict(&w, q);
	natport_benc_put_kv_int(&w, "created", q->created);
	natport_benc_put_kv_int(&w, "last signal", q->last_signal);
	natport_benc_put_kv_cstr(&w, "result", "ok");
	natport_benc_put_cstr(&w, "tags");
	natport_benc_put_dict(&w);
	for (i = 0; i < n; i++) {
		t = order[i];
		natport_benc_put_str(&w, t->tag.p ? t->tag.p : "", t->tag.len);
		natport_benc_put_dict(&w);
		natport_benc_put_kv_int(&w, "created", t->created);
		if (t->in_dialogue_with.p)
			natport_benc_put_kv_str(&w, "in dialogue with",
						t->in_dialogue_with.p,
						t->in_dialogue_with.len);
		if (t->label.p)
			natport_benc_put_kv_str(&w, "label", t->label.p,
						t->label.len);
		natport_benc_put_cstr(&w, "medias");
		natport_benc_put_list(&w);
		for (j = 0; j < t->n_medias; j++)
			put_media(&w, &t->medias[j], j + 1);
		natport_benc_put_end(&w);
		natport_benc_put_kv_str(&w, "tag", t->tag.p ? t->tag.p : "",
					t->tag.len);
		natport_benc_put_end(&w);
	}
	natport_benc_put_end(&w);
	natport_benc_put_cstr(&w, "totals");
	natport_benc_put_dict(&w);
	natport_benc_put_cstr(&w, "RTCP");
	put_counters(&w, &q->rtcp);
	natport_benc_put_cstr(&w, "RTP");
	put_counters(&w, &q->rtp);
	natport_benc_put_end(&w);
	if (warning)
		natport_benc_put_kv_cstr(&w, "warning", warning);
	natport_benc_put_end(&w);
	return finish(&w, cookie);
}
