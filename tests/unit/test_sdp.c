// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_sdp.c - unit tests of the SDP module (userspace/daemon/media/sdp.c) over
 * the corpus in tests/sip/corpus/sdp/: every good-*.sdp parses to what it
 * says, every bad-*.sdp is refused with a reason; rewrites are exact,
 * deterministic and leak no LAN address; truncated and mutated bodies
 * never crash.
 *
 * Memory: when valgrind is installed the binary re-executes itself under
 * memcheck (--leak-check=full, leaks and errors fail the run, exit 99),
 * with CK_FORK=no so one process covers every test. NATPORT_VALGRIND=0
 * runs it natively.
 */
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "media/sdp.h"

#define CORPUS_REL "tests/sip/corpus/sdp"

static char corpus_dir[PATH_MAX];

/* ------------------------------------------------------------------ */
/* Helpers. */

struct body {
	char *data;
	size_t len;
};

static struct body load(const char *name)
{
	char path[PATH_MAX + 256];
	struct body b = { NULL, 0 };
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", corpus_dir, name);
	f = fopen(path, "rb");
	ck_assert_msg(f, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(fstat(fileno(f), &st), 0);
	/* +1: never 0 bytes for malloc; the body itself is not terminated. */
	b.data = malloc(st.st_size + 1);
	ck_assert_ptr_nonnull(b.data);
	b.len = fread(b.data, 1, st.st_size, f);
	ck_assert_uint_eq(b.len, (size_t)st.st_size);
	fclose(f);
	return b;
}

static void parse_ok(struct natport_sdp *sdp, const char *name)
{
	struct body b = load(name);
	char err[256] = "";

	ck_assert_msg(!natport_sdp_parse(sdp, b.data, b.len, err, sizeof(err)),
		      "%s: %s", name, err);
	ck_assert_ptr_nonnull(sdp->priv);
	free(b.data);
}

static struct natport_endpoint ep(const char *addr, uint16_t port)
{
	struct natport_endpoint e;

	memset(&e, 0, sizeof(e));
	if (inet_pton(AF_INET, addr, &e.addr.v4) == 1)
		e.family = AF_INET;
	else if (inet_pton(AF_INET6, addr, &e.addr.v6) == 1)
		e.family = AF_INET6;
	else
		ck_abort_msg("bad test address %s", addr);
	e.port = port;
	return e;
}

static void assert_ep(const struct natport_endpoint *got, const char *addr,
		      uint16_t port)
{
	struct natport_endpoint want = ep(addr, port);
	char a[INET6_ADDRSTRLEN] = "?";

	if (got->family == AF_INET || got->family == AF_INET6)
		inet_ntop(got->family, &got->addr, a, sizeof(a));
	ck_assert_msg(got->family == want.family &&
			      !memcmp(&got->addr, &want.addr,
				      want.family == AF_INET ? 4 : 16) &&
			      got->port == port,
		      "endpoint %s port %u, want %s port %u", a, got->port,
		      addr, port);
}

/* Rewrite with external 198.51.100.1, RTP 30000+2i, RTCP RTP+1 (0 with
 * rtcp-mux). */
static void default_rw(const struct natport_sdp *sdp,
		       struct natport_sdp_rewrite *rw)
{
	unsigned int i;

	memset(rw, 0, sizeof(*rw) * NATPORT_SDP_MAX_STREAMS);
	for (i = 0; i < sdp->n; i++) {
		rw[i].rtp = ep("198.51.100.1", 30000 + 2 * i);
		rw[i].rtcp_port = sdp->s[i].rtcp_mux ? 0 : 30001 + 2 * i;
	}
}

static char *rewrite_ok(struct natport_sdp *sdp,
			const struct natport_sdp_rewrite *rw)
{
	char err[256] = "", *out = NULL;
	size_t len = 0;

	ck_assert_msg(!natport_sdp_rewrite(sdp, rw, &out, &len, err,
					   sizeof(err)),
		      "rewrite: %s", err);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(strlen(out), len);
	return out;
}

typedef void (*corpus_fn)(const char *name);

static unsigned int for_each_corpus(const char *prefix, corpus_fn fn)
{
	struct dirent **ents;
	unsigned int count = 0;
	int i, n;

	n = scandir(corpus_dir, &ents, NULL, alphasort);
	ck_assert_msg(n >= 0, "scandir %s: %s", corpus_dir, strerror(errno));
	for (i = 0; i < n; i++) {
		if (!strncmp(ents[i]->d_name, prefix, strlen(prefix)) &&
		    strstr(ents[i]->d_name, ".sdp")) {
			fn(ents[i]->d_name);
			count++;
		}
		free(ents[i]);
	}
	free(ents);
	return count;
}

/* ------------------------------------------------------------------ */
/* The corpus as a whole. */

static void one_good(const char *name)
{
	struct natport_sdp sdp;

	parse_ok(&sdp, name);
	ck_assert_uint_ge(sdp.n, 1);
	natport_sdp_free(&sdp);
	ck_assert_ptr_null(sdp.priv);
}

static void one_bad(const char *name)
{
	struct body b = load(name);
	struct natport_sdp sdp;
	char err[256] = "";

	memset(&sdp, 0xa5, sizeof(sdp));
	ck_assert_msg(natport_sdp_parse(&sdp, b.data, b.len, err,
					sizeof(err)) == -1,
		      "%s was accepted", name);
	ck_assert_msg(strlen(err) > 5, "%s: no reason given", name);
	ck_assert_ptr_null(sdp.priv);
	ck_assert_uint_eq(sdp.n, 0);
	natport_sdp_free(&sdp); /* harmless after a failed parse */
	free(b.data);
}

static void one_named(const char *name)
{
	ck_assert_msg(!strncmp(name, "good-", 5) || !strncmp(name, "bad-", 4),
		      "%s: corpus files are good-* or bad-*", name);
}

START_TEST(test_corpus_good)
{
	ck_assert_uint_ge(for_each_corpus("good-", one_good), 15);
}
END_TEST

START_TEST(test_corpus_bad)
{
	ck_assert_uint_ge(for_each_corpus("bad-", one_bad), 60);
	for_each_corpus("", one_named);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Each good form. */

START_TEST(test_audio_only)
{
	struct natport_sdp sdp;
	struct natport_sdp_stream *s = &sdp.s[0];

	parse_ok(&sdp, "good-audio-only.sdp");
	ck_assert_uint_eq(sdp.n, 1);
	ck_assert_str_eq(s->media, "audio");
	ck_assert_str_eq(s->proto, "RTP/AVP");
	ck_assert_int_eq(s->rtp_type, NATPORT_PORT_AUDIO_RTP);
	ck_assert_int_eq(s->rtcp_type, NATPORT_PORT_AUDIO_RTCP);
	assert_ep(&s->rtp, "192.0.2.10", 49170);
	assert_ep(&s->rtcp, "192.0.2.10", 49171);
	ck_assert_int_eq(s->rtcp_mux, 0);
	ck_assert_int_eq(s->has_rtcp_attr, 0);
	ck_assert_int_eq(s->disabled, 0);
	ck_assert_int_eq(s->dir, NATPORT_SDP_SENDRECV);
	ck_assert_int_eq(s->hold, 0);
	ck_assert_uint_eq(s->payload_type, 0);
	ck_assert_uint_eq(s->clock_rate, 8000);
	natport_sdp_free(&sdp);
}
END_TEST

/* RFC 4475 3.1.1.1: "a=rtpmap:31 LPC", no clock rate: RFC 3551's for a
 * static payload type; a dynamic one has none to assume */
START_TEST(test_rtpmap_default_rate)
{
	static const char video[] =
		"v=0\r\no=m 1 1 IN IP4 192.0.2.10\r\ns=-\r\n"
		"c=IN IP4 192.0.2.10\r\nt=0 0\r\n"
		"m=audio 49216 RTP/AVP 0 12\r\nm=video 3228 RTP/AVP 31\r\n"
		"a=rtpmap:31 LPC\r\n";
	static const char dyn[] =
		"v=0\r\no=m 1 1 IN IP4 192.0.2.10\r\ns=-\r\n"
		"c=IN IP4 192.0.2.10\r\nt=0 0\r\n"
		"m=audio 49216 RTP/AVP 96\r\na=rtpmap:96 opus\r\n";
	static const char unassigned[] =
		"v=0\r\no=m 1 1 IN IP4 192.0.2.10\r\ns=-\r\n"
		"c=IN IP4 192.0.2.10\r\nt=0 0\r\n"
		"m=audio 49216 RTP/AVP 20\r\na=rtpmap:20 X\r\n";
	struct natport_sdp sdp;
	char err[256] = "";

	parse_ok(&sdp, "good-rtpmap-static-no-clock-rate.sdp");
	ck_assert_uint_eq(sdp.s[0].payload_type, 0);
	ck_assert_uint_eq(sdp.s[0].clock_rate, 8000);
	natport_sdp_free(&sdp);
	ck_assert_msg(!natport_sdp_parse(&sdp, video, sizeof(video) - 1, err,
					 sizeof(err)),
		      "%s", err);
	ck_assert_uint_eq(sdp.n, 2);
	ck_assert_uint_eq(sdp.s[1].clock_rate, 90000);
	natport_sdp_free(&sdp);
	ck_assert_int_eq(
		natport_sdp_parse(&sdp, dyn, sizeof(dyn) - 1, err, sizeof(err)),
		-1);
	ck_assert_int_eq(natport_sdp_parse(&sdp, unassigned,
					   sizeof(unassigned) - 1, err,
					   sizeof(err)),
			 -1);
}
END_TEST

/* RFC 2046 5.1: the SDP part of a multipart body, by its boundary */
START_TEST(test_mime_find_splice)
{
	static const char body[] =
		"preamble\r\n--b0\r\nContent-Type: text/plain\r\n\r\nv=0 no\r\n"
		"--b0x not a delimiter\r\n"
		"--b0\r\ncontent-type: Application/SDP; x=1\r\n\r\n"
		"v=0\r\ns=-\r\n\r\n--b0\r\n\r\nrest\r\n--b0--\r\nepilogue";
	const char *sdp = strstr(body, "v=0\r\ns=-");
	char *out = NULL;
	size_t off = 0, len = 0, olen = 0;

	ck_assert_int_eq(
		natport_sdp_mime_find(body, sizeof(body) - 1, "b0", &off, &len),
		0);
	ck_assert_uint_eq(off, (size_t)(sdp - body));
	ck_assert_uint_eq(len, strlen("v=0\r\ns=-\r\n")); /* CRLF before
							      * "--b0" is its */
	ck_assert_int_eq(natport_sdp_mime_splice(body, sizeof(body) - 1, off,
						 len, "NEW\r\n", 5, &out,
						 &olen),
			 0);
	ck_assert_uint_eq(olen, sizeof(body) - 1 - len + 5);
	ck_assert_mem_eq(out, body, off);
	ck_assert_mem_eq(out + off, "NEW\r\n", 5);
	ck_assert_str_eq(out + off + 5, body + off + len);
	free(out);
	/* no SDP part, another boundary, no boundary, a bad range */
	ck_assert_int_eq(natport_sdp_mime_find("--b0\r\n\r\nx\r\n--b0--\r\n",
					       19, "b0", &off, &len),
			 -1);
	ck_assert_int_eq(
		natport_sdp_mime_find(body, sizeof(body) - 1, "zz", &off, &len),
		-1);
	ck_assert_int_eq(
		natport_sdp_mime_find(body, sizeof(body) - 1, "", &off, &len),
		-1);
	ck_assert_int_eq(
		natport_sdp_mime_splice(body, 4, 3, 2, "x", 1, &out, &olen),
		-1);
}
END_TEST

START_TEST(test_audio_video)
{
	struct natport_sdp sdp;

	parse_ok(&sdp, "good-audio-video.sdp");
	ck_assert_uint_eq(sdp.n, 2);
	ck_assert_int_eq(sdp.s[0].rtp_type, NATPORT_PORT_AUDIO_RTP);
	ck_assert_str_eq(sdp.s[1].media, "video");
	ck_assert_int_eq(sdp.s[1].rtp_type, NATPORT_PORT_VIDEO_RTP);
	ck_assert_int_eq(sdp.s[1].rtcp_type, NATPORT_PORT_VIDEO_RTCP);
	assert_ep(&sdp.s[1].rtp, "192.0.2.10", 51372);
	assert_ep(&sdp.s[1].rtcp, "192.0.2.10", 51373);
	ck_assert_uint_eq(sdp.s[1].payload_type, 96);
	ck_assert_uint_eq(sdp.s[1].clock_rate, 90000); /* from a=rtpmap */
	natport_sdp_free(&sdp);
}
END_TEST

START_TEST(test_rtcp_mux)
{
	struct natport_sdp sdp;

	parse_ok(&sdp, "good-rtcp-mux.sdp");
	ck_assert_int_eq(sdp.s[0].rtcp_mux, 1);
	ck_assert_int_eq(sdp.s[0].has_rtcp_attr, 1);
	ck_assert_uint_eq(sdp.s[0].rtcp.port, 0);
	ck_assert_int_eq(sdp.s[0].rtcp.family, AF_UNSPEC);
	ck_assert_uint_eq(sdp.s[0].payload_type, 111);
	ck_assert_uint_eq(sdp.s[0].clock_rate, 48000);
	natport_sdp_free(&sdp);
}
END_TEST

START_TEST(test_rtcp_attr)
{
	struct natport_sdp sdp;

	parse_ok(&sdp, "good-rtcp-attr-with-address.sdp");
	assert_ep(&sdp.s[0].rtp, "192.0.2.10", 49170);
	assert_ep(&sdp.s[0].rtcp, "192.0.2.11", 53020);
	ck_assert_int_eq(sdp.s[0].has_rtcp_attr, 1);
	natport_sdp_free(&sdp);

	parse_ok(&sdp, "good-rtcp-attr-port-only.sdp");
	assert_ep(&sdp.s[0].rtcp, "192.0.2.10", 53021);
	natport_sdp_free(&sdp);
}
END_TEST

START_TEST(test_hold_forms)
{
	struct natport_sdp sdp;

	parse_ok(&sdp, "good-hold-c-zero.sdp");
	assert_ep(&sdp.s[0].rtp, "0.0.0.0", 49170);
	ck_assert_int_eq(sdp.s[0].hold, 1);
	ck_assert_int_eq(sdp.s[0].dir, NATPORT_SDP_SENDRECV);
	natport_sdp_free(&sdp);

	parse_ok(&sdp, "good-hold-media-c-zero.sdp");
	assert_ep(&sdp.s[0].rtp, "0.0.0.0", 49170);
	ck_assert_int_eq(sdp.s[0].hold, 1);
	ck_assert_int_eq(sdp.s[0].dir, NATPORT_SDP_SENDONLY);
	assert_ep(&sdp.s[1].rtp, "192.0.2.10", 51372);
	ck_assert_int_eq(sdp.s[1].hold, 0);
	natport_sdp_free(&sdp);

	parse_ok(&sdp, "good-sendonly.sdp");
	ck_assert_int_eq(sdp.s[0].dir, NATPORT_SDP_SENDONLY);
	ck_assert_int_eq(sdp.s[0].hold, 1);
	assert_ep(&sdp.s[0].rtp, "192.0.2.10", 49170);
	natport_sdp_free(&sdp);

	parse_ok(&sdp, "good-inactive.sdp");
	ck_assert_int_eq(sdp.s[0].dir, NATPORT_SDP_INACTIVE);
	ck_assert_int_eq(sdp.s[0].hold, 1);
	natport_sdp_free(&sdp);

	/* Session-level direction applies; recvonly is not hold. */
	parse_ok(&sdp, "good-session-recvonly.sdp");
	ck_assert_int_eq(sdp.s[0].dir, NATPORT_SDP_RECVONLY);
	ck_assert_int_eq(sdp.s[0].hold, 0);
	natport_sdp_free(&sdp);
}
END_TEST

START_TEST(test_disabled)
{
	struct natport_sdp sdp;

	parse_ok(&sdp, "good-disabled-stream-port0.sdp");
	ck_assert_uint_eq(sdp.n, 2);
	ck_assert_int_eq(sdp.s[0].disabled, 0);
	ck_assert_int_eq(sdp.s[1].disabled, 1);
	ck_assert_uint_eq(sdp.s[1].rtp.port, 0);
	ck_assert_uint_eq(sdp.s[1].rtcp.port, 0);
	natport_sdp_free(&sdp);

	/* A disabled stream needs no c= at all. */
	parse_ok(&sdp, "good-all-disabled-no-c.sdp");
	ck_assert_int_eq(sdp.s[0].disabled, 1);
	ck_assert_int_eq(sdp.s[0].rtp.family, AF_UNSPEC);
	natport_sdp_free(&sdp);
}
END_TEST

START_TEST(test_t38)
{
	struct natport_sdp sdp;
	struct natport_sdp_stream *s = &sdp.s[0];

	parse_ok(&sdp, "good-t38-image-udptl.sdp");
	ck_assert_str_eq(s->media, "image");
	ck_assert_str_eq(s->proto, "udptl");
	ck_assert_int_eq(s->rtp_type, NATPORT_PORT_DATA);
	ck_assert_int_eq(s->rtcp_type, NATPORT_PORT_DATA);
	assert_ep(&s->rtp, "192.0.2.10", 49172);
	ck_assert_uint_eq(s->rtcp.port, 0);
	ck_assert_uint_eq(s->payload_type, NATPORT_SDP_PT_NONE);
	ck_assert_uint_eq(s->clock_rate, 0);
	natport_sdp_free(&sdp);
}
END_TEST

START_TEST(test_ipv6)
{
	struct natport_sdp sdp;

	parse_ok(&sdp, "good-ipv6.sdp");
	ck_assert_int_eq(sdp.s[0].rtp.family, AF_INET6);
	assert_ep(&sdp.s[0].rtp, "2001:db8::10", 49170);
	assert_ep(&sdp.s[0].rtcp, "2001:db8::10", 49171);
	natport_sdp_free(&sdp);
}
END_TEST

START_TEST(test_misc_good)
{
	struct natport_sdp a, b;

	parse_ok(&a, "good-media-level-c.sdp");
	assert_ep(&a.s[0].rtp, "192.0.2.10", 49170);
	assert_ep(&a.s[1].rtp, "192.0.2.12", 51372);
	ck_assert_uint_eq(a.s[1].clock_rate, 90000); /* static PT 34 */
	natport_sdp_free(&a);

	/* Bare LF line ends give the same streams as CRLF. */
	parse_ok(&a, "good-audio-only.sdp");
	parse_ok(&b, "good-lf-line-endings.sdp");
	ck_assert_uint_eq(a.n, b.n);
	ck_assert(!memcmp(a.s, b.s, sizeof(a.s[0]) * a.n));
	natport_sdp_free(&a);
	natport_sdp_free(&b);

	parse_ok(&a, "good-max-streams-16.sdp");
	ck_assert_uint_eq(a.n, NATPORT_SDP_MAX_STREAMS);
	assert_ep(&a.s[15].rtp, "192.0.2.10", 40030);
	natport_sdp_free(&a);

	/* WebRTC-style: RTP inside UDP/TLS, and a non-RTP SCTP stream. */
	parse_ok(&a, "good-udp-tls-rtp-savpf-mux.sdp");
	ck_assert_uint_eq(a.n, 2);
	ck_assert_uint_eq(a.s[0].payload_type, 111);
	ck_assert_uint_eq(a.s[0].clock_rate, 48000);
	ck_assert_int_eq(a.s[0].rtcp_mux, 1);
	ck_assert_int_eq(a.s[1].rtp_type, NATPORT_PORT_DATA);
	ck_assert_uint_eq(a.s[1].payload_type, NATPORT_SDP_PT_NONE);
	ck_assert_uint_eq(a.s[1].rtcp.port, 0);
	natport_sdp_free(&a);

	parse_ok(&a, "good-srtp-savp.sdp");
	ck_assert_str_eq(a.s[0].proto, "RTP/SAVP");
	ck_assert_uint_eq(a.s[0].rtcp.port, 49171);
	natport_sdp_free(&a);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Specific refusals and their reasons. */

static void bad_reason(const char *name, const char *want)
{
	struct body b = load(name);
	struct natport_sdp sdp;
	char err[256] = "";

	ck_assert_int_eq(natport_sdp_parse(&sdp, b.data, b.len, err,
					   sizeof(err)),
			 -1);
	ck_assert_msg(strstr(err, want), "%s: reason '%s', want '%s'", name,
		      err, want);
	free(b.data);
}

START_TEST(test_bad_reasons)
{
	bad_reason("bad-seed-uppercase-C-IP-port.sdp",
		   "line 4: type letter 'C' must be lower-case");
	bad_reason("bad-c-with-port.sdp", "c= has no port");
	bad_reason("bad-c-addrtype-IP.sdp", "'IP' is not IP4 or IP6");
	bad_reason("bad-m-port-70000.sdp", "m= line 1: port 70000 out of range");
	bad_reason("bad-c-missing-for-stream-2.sdp", "no c= line for stream 2");
	bad_reason("bad-m-17-streams.sdp", "17 m= lines");
	bad_reason("bad-c-multicast-ttl.sdp", "multicast");
	bad_reason("bad-rtcp-port-70000.sdp", "a=rtcp port");
	bad_reason("bad-oversized-16385.sdp", "exceeds");
	bad_reason("bad-empty-line-hides-media.sdp", "empty line");
	bad_reason("bad-truncated-no-final-crlf.sdp", "truncated");
	bad_reason("bad-nul-in-line.sdp", "control byte 0x00");
	/* ANAT (RFC 4091) and its a=mid (RFC 5888) */
	bad_reason("bad-anat-unknown-mid.sdp",
		   "a=group:ANAT names mid '3', which no m= line carries");
	bad_reason("bad-anat-mid-missing.sdp", "stream 3 has no a=mid");
	bad_reason("bad-anat-duplicate-mid.sdp",
		   "streams 1 and 2 have the same a=mid:1");
	bad_reason("bad-anat-two-groups.sdp",
		   "stream 2 (mid 2) is in two ANAT groups");
	bad_reason("bad-anat-media-level.sdp",
		   "stream 1: a=group is a session-level attribute");
	bad_reason("bad-anat-no-members.sdp", "a=group:ANAT names no stream");
	bad_reason("bad-anat-double-space.sdp", "a=group:ANAT: bad spacing");
	bad_reason("bad-mid-twice.sdp", "stream 1: more than one a=mid");
	bad_reason("bad-mid-junk.sdp", "stream 1: a=mid wants a token");
	/* ICE candidates (RFC 8445 section 5.1) */
	bad_reason("bad-candidate-no-typ.sdp", "stream 1: a=candidate: want");
	bad_reason("bad-candidate-component-0.sdp",
		   "a=candidate: component '0' is not 1..256");
	bad_reason("bad-candidate-component-257.sdp",
		   "a=candidate: component '257'");
	bad_reason("bad-candidate-priority-huge.sdp",
		   "a=candidate: priority '4294967296'");
	bad_reason("bad-candidate-port-70000.sdp",
		   "a=candidate: port '70000' out of range");
	bad_reason("bad-candidate-junk-address.sdp",
		   "'192.0.2.10:5' is neither an IP address nor a host name");
	bad_reason("bad-candidate-odd-extension.sdp", "a=candidate: want");
	bad_reason("bad-candidate-foundation-long.sdp",
		   "is not 1 to 32 ice-chars");
	bad_reason("bad-candidate-bad-rport.sdp",
		   "a=candidate: rport 'x' out of range");
	bad_reason("bad-candidate-empty.sdp", "a=candidate empty");
}
END_TEST

/* Malformed IPv6 in SDP, written inline: each body is the good IPv6 one
 * with one line spoiled, so the refusal is that line's and nothing else's.
 * An IPv6 reference in SDP is bare (RFC 4566 section 5.7, RFC 5118
 * section 4.5): the brackets of a SIP URI are not allowed there, so a
 * bracketed address is refused, not silently unwrapped. */
static void bad_v6(const char *o, const char *c, const char *rtcp,
		   const char *want)
{
	char body[1024], err[256] = "";
	struct natport_sdp sdp;
	int n;

	n = snprintf(body, sizeof(body),
		     "v=0\r\no=alice 1 1 %s\r\ns=natport\r\nc=%s\r\n"
		     "t=0 0\r\nm=audio 49170 RTP/AVP 0\r\n%s%s"
		     "a=rtpmap:0 PCMU/8000\r\n",
		     o, c, rtcp, *rtcp ? "\r\n" : "");
	ck_assert_int_lt(n, (int)sizeof(body));
	ck_assert_msg(natport_sdp_parse(&sdp, body, (size_t)n, err,
					sizeof(err)) == -1,
		      "accepted: o=%s c=%s %s", o, c, rtcp);
	ck_assert_msg(strstr(err, want), "c=%s %s: reason '%s', want '%s'", c,
		      rtcp, err, want);
}

START_TEST(test_bad_ipv6)
{
	const char *o6 = "IN IP6 2001:db8:1::10";

	/* the control: the same body with nothing spoiled parses */
	{
		const char *good = "v=0\r\no=alice 1 1 IN IP6 2001:db8:1::10\r\n"
				   "s=natport\r\nc=IN IP6 2001:db8:1::10\r\n"
				   "t=0 0\r\nm=audio 49170 RTP/AVP 0\r\n"
				   "a=rtcp:49171 IN IP6 2001:db8:1::10\r\n"
				   "a=rtpmap:0 PCMU/8000\r\n";
		struct natport_sdp sdp;
		char err[256] = "";

		ck_assert_msg(natport_sdp_parse(&sdp, good, strlen(good), err,
						sizeof(err)) == 0,
			      "control refused: %s", err);
		ck_assert_int_eq(sdp.s[0].rtp.family, AF_INET6);
		ck_assert_int_eq(sdp.s[0].rtcp.port, 49171);
		natport_sdp_free(&sdp);
	}
	/* c=IN IP6 with something that is no IPv6 address */
	bad_v6(o6, "IN IP6 garbage", "", "c=");
	bad_v6(o6, "IN IP6 2001:db8:1::10::1", "", "c=");
	bad_v6(o6, "IN IP6 2001:db8:1:::10", "", "c=");
	bad_v6(o6, "IN IP6 2001:db8:1::1g", "", "c=");
	bad_v6(o6, "IN IP6 2001:db8:1::10%eth0", "", "c=");
	bad_v6(o6, "IN IP6 ::ffff:192.0.2.300", "", "c=");
	bad_v6(o6, "IN IP6 ", "", "missing or empty");
	/* an IPv6 address on an IP4 line, and the other way round */
	bad_v6(o6, "IN IP4 2001:db8:1::10", "", "c=");
	bad_v6(o6, "IN IP4 ::ffff:192.0.2.10", "", "c=");
	bad_v6(o6, "IN IP6 192.0.2.10", "", "c=");
	/* bracketed, as in a SIP URI, and half-bracketed */
	bad_v6(o6, "IN IP6 [2001:db8:1::10]", "", "c=");
	bad_v6(o6, "IN IP6 [2001:db8:1::10", "", "c=");
	bad_v6(o6, "IN IP6 2001:db8:1::10]", "", "c=");
	bad_v6(o6, "IN IP6 [2001:db8:1::10]:49170", "", "c=");
	/* the same faults in a=rtcp's address */
	bad_v6(o6, "IN IP6 2001:db8:1::10", "a=rtcp:49171 IN IP6 garbage",
	       "a=rtcp");
	bad_v6(o6, "IN IP6 2001:db8:1::10",
	       "a=rtcp:49171 IN IP6 [2001:db8:1::10]", "a=rtcp");
	bad_v6(o6, "IN IP6 2001:db8:1::10",
	       "a=rtcp:49171 IN IP4 2001:db8:1::10", "a=rtcp");
}
END_TEST

START_TEST(test_bounds)
{
	struct body b = load("good-audio-only.sdp");
	struct natport_sdp sdp;
	char err[256], *big;

	/* len, not a NUL, ends the body: trailing garbage is not read. */
	b.data = realloc(b.data, b.len + 16);
	memcpy(b.data + b.len, "x=junk\r\n\0", 9);
	ck_assert_int_eq(natport_sdp_parse(&sdp, b.data, b.len, err,
					   sizeof(err)),
			 0);
	natport_sdp_free(&sdp);
	ck_assert_int_eq(natport_sdp_parse(&sdp, b.data, b.len + 8, err,
					   sizeof(err)),
			 -1);
	ck_assert_int_eq(natport_sdp_parse(&sdp, NULL, 10, err, sizeof(err)),
			 -1);
	ck_assert_int_eq(natport_sdp_parse(&sdp, b.data, 0, err, sizeof(err)),
			 -1);
	/* err may be absent. */
	ck_assert_int_eq(natport_sdp_parse(&sdp, "v=0\r\n", 5, NULL, 0), -1);
	free(b.data);

	/* Exactly NATPORT_SDP_MAX_LEN is fine, one more is not. */
	b = load("good-audio-only.sdp");
	big = malloc(NATPORT_SDP_MAX_LEN + 1);
	memcpy(big, b.data, b.len);
	{
		size_t pos = b.len;

		while (NATPORT_SDP_MAX_LEN - pos > 100) {
			memcpy(big + pos, "a=x-pad:", 8);
			memset(big + pos + 8, 'p', 80);
			memcpy(big + pos + 88, "\r\n", 2);
			pos += 90;
		}
		memcpy(big + pos, "a=x-pad:", 8);
		memset(big + pos + 8, 'p', NATPORT_SDP_MAX_LEN - pos - 10);
		memcpy(big + NATPORT_SDP_MAX_LEN - 2, "\r\n", 2);
	}
	ck_assert_msg(!natport_sdp_parse(&sdp, big, NATPORT_SDP_MAX_LEN, err,
					 sizeof(err)),
		      "max len: %s", err);
	natport_sdp_free(&sdp);
	big[NATPORT_SDP_MAX_LEN] = '\n';
	ck_assert_int_eq(natport_sdp_parse(&sdp, big, NATPORT_SDP_MAX_LEN + 1,
					   err, sizeof(err)),
			 -1);
	free(big);
	free(b.data);

	/* Free is safe on a zeroed struct and twice. */
	memset(&sdp, 0, sizeof(sdp));
	natport_sdp_free(&sdp);
	natport_sdp_free(&sdp);
	natport_sdp_free(NULL);
}
END_TEST

/* Every prefix of a good body: a cut inside a line is refused, no prefix
 * crashes or leaks, and any prefix that parses can be rewritten. */
START_TEST(test_truncation)
{
	static const char *const files[] = {
		"good-audio-video.sdp", "good-rtcp-attr-with-address.sdp",
		"good-t38-image-udptl.sdp", "good-ipv6.sdp",
	};
	struct natport_sdp_rewrite rw[NATPORT_SDP_MAX_STREAMS];
	unsigned int f;

	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		struct body b = load(files[f]);
		size_t len;

		for (len = 0; len < b.len; len++) {
			struct natport_sdp sdp;
			char err[256], *out;
			int rc = natport_sdp_parse(&sdp, b.data, len, err,
						   sizeof(err));

			if (len && b.data[len - 1] != '\n')
				ck_assert_msg(rc == -1,
					      "%s cut at %zu accepted",
					      files[f], len);
			if (rc)
				continue;
			default_rw(&sdp, rw);
			out = rewrite_ok(&sdp, rw);
			free(out);
			natport_sdp_free(&sdp);
		}
		free(b.data);
	}
}
END_TEST

/* Deterministic mutations of good bodies (byte flips, deletions,
 * insertions of SDP-ish bytes). Nothing may crash or leak; whatever
 * parses must rewrite, and the rewrite must parse again. */
START_TEST(test_mutation)
{
	static const char *const files[] = {
		"good-audio-video.sdp",    "good-rtcp-mux.sdp",
		"good-hold-media-c-zero.sdp", "good-disabled-stream-port0.sdp",
		"good-t38-image-udptl.sdp", "good-ipv6.sdp",
	};
	static const char alphabet[] = "=: /\r\n0123456789.cmaIPN46-\t\x80\0";
	struct natport_sdp_rewrite rw[NATPORT_SDP_MAX_STREAMS];
	unsigned int seed = 12345, f, iter, accepted = 0, refused = 0;

	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		struct body b = load(files[f]);
		char *m = malloc(b.len + 8);

		for (iter = 0; iter < 300; iter++) {
			struct natport_sdp sdp, again;
			char err[256], *out;
			size_t len = b.len, pos;
			int k;

			memcpy(m, b.data, b.len);
			for (k = 0; k < 1 + (int)(iter % 3); k++) {
				seed = seed * 1103515245 + 12345;
				pos = (seed >> 8) % len;
				switch ((seed >> 4) % 3) {
				case 0:
					m[pos] = alphabet[(seed >> 16) %
							  (sizeof(alphabet) - 1)];
					break;
				case 1:
					memmove(m + pos, m + pos + 1,
						len - pos - 1);
					len--;
					break;
				default:
					memmove(m + pos + 1, m + pos,
						len - pos);
					m[pos] = alphabet[(seed >> 16) %
							  (sizeof(alphabet) - 1)];
					len++;
					break;
				}
			}
			if (natport_sdp_parse(&sdp, m, len, err,
					      sizeof(err))) {
				refused++;
				continue;
			}
			accepted++;
			default_rw(&sdp, rw);
			out = rewrite_ok(&sdp, rw);
			ck_assert_msg(!natport_sdp_parse(&again, out,
							 strlen(out), err,
							 sizeof(err)),
				      "rewrite of a mutant does not parse: %s\n%s",
				      err, out);
			ck_assert_uint_eq(again.n, sdp.n);
			natport_sdp_free(&again);
			free(out);
			natport_sdp_free(&sdp);
		}
		free(m);
		free(b.data);
	}
	/* The mutations must exercise both outcomes. */
	ck_assert_uint_gt(accepted, 10);
	ck_assert_uint_gt(refused, 100);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Rewriting. */

START_TEST(test_rewrite_exact_audio)
{
	static const char want[] =
		"v=0\r\n"
		"o=alice 2890844526 2890844526 IN IP4 198.51.100.1\r\n"
		"s=natport\r\n"
		"c=IN IP4 198.51.100.1\r\n"
		"t=0 0\r\n"
		"m=audio 30000 RTP/AVP 0 8 101\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:8 PCMA/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=fmtp:101 0-16\r\n"
		"a=ptime:20\r\n"
		"a=sendrecv\r\n";
	struct natport_sdp_rewrite rw[NATPORT_SDP_MAX_STREAMS];
	struct natport_sdp sdp;
	char *out;

	parse_ok(&sdp, "good-audio-only.sdp");
	default_rw(&sdp, rw);
	out = rewrite_ok(&sdp, rw);
	/* RTCP is RTP+1: no a=rtcp needed. */
	ck_assert_str_eq(out, want);
	free(out);
	natport_sdp_free(&sdp);

	/* The LF-only body comes out as the same CRLF text. */
	parse_ok(&sdp, "good-lf-line-endings.sdp");
	out = rewrite_ok(&sdp, rw);
	ck_assert_str_eq(out, want);
	free(out);
	natport_sdp_free(&sdp);
}
END_TEST

START_TEST(test_rewrite_exact_av_split)
{
	/* Audio and video on different external addresses, RTCP not at
	 * RTP+1: the session c= follows audio, video gets its own c=, and
	 * both get an a=rtcp (RFC 3605). */
	static const char want[] =
		"v=0\r\n"
		"o=alice 2890844526 2890844526 IN IP4 198.51.100.1\r\n"
		"s=natport\r\n"
		"c=IN IP4 198.51.100.1\r\n"
		"t=0 0\r\n"
		"m=audio 30000 RTP/AVP 0 8 101\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:8 PCMA/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=fmtp:101 0-16\r\n"
		"a=ptime:20\r\n"
		"a=rtcp:31001\r\n"
		"m=video 30002 RTP/AVP 96 31\r\n"
		"c=IN IP4 198.51.100.2\r\n"
		"b=AS:512\r\n"
		"a=rtpmap:96 H264/90000\r\n"
		"a=fmtp:96 profile-level-id=42e01f;packetization-mode=1\r\n"
		"a=rtpmap:31 H261/90000\r\n"
		"a=rtcp:31003\r\n";
	struct natport_sdp_rewrite rw[NATPORT_SDP_MAX_STREAMS];
	struct natport_sdp sdp;
	char *out;

	parse_ok(&sdp, "good-audio-video.sdp");
	default_rw(&sdp, rw);
	rw[1].rtp = ep("198.51.100.2", 30002);
	rw[0].rtcp_port = 31001;
	rw[1].rtcp_port = 31003;
	out = rewrite_ok(&sdp, rw);
	ck_assert_str_eq(out, want);
	free(out);
	natport_sdp_free(&sdp);
}
END_TEST

START_TEST(test_rewrite_rtcp_attr)
{
	struct natport_sdp_rewrite rw[NATPORT_SDP_MAX_STREAMS];
	struct natport_sdp sdp;
	char *out;

	/* An original a=rtcp with an address is kept, in place, with the
	 * external port and address, even when RTCP is RTP+1. */
	parse_ok(&sdp, "good-rtcp-attr-with-address.sdp");
	default_rw(&sdp, rw);
	out = rewrite_ok(&sdp, rw);
	ck_assert_ptr_nonnull(
		strstr(out, "a=ptime:20\r\na=rtcp:30001 IN IP4 198.51.100.1\r\n"));
	ck_assert_ptr_null(strstr(out, "53020"));
	ck_assert_ptr_null(strstr(out, "192.0.2."));
	free(out);
	natport_sdp_free(&sdp);

	/* rtcp-mux: a=rtcp names the RTP port; none is added without one. */
	parse_ok(&sdp, "good-rtcp-mux.sdp");
	default_rw(&sdp, rw);
	out = rewrite_ok(&sdp, rw);
	ck_assert_str_eq(out, "v=0\r\n"
			      "o=alice 2890844526 2890844526 IN IP4 198.51.100.1\r\n"
			      "s=natport\r\n"
			      "c=IN IP4 198.51.100.1\r\n"
			      "t=0 0\r\n"
			      "m=audio 30000 RTP/AVP 111\r\n"
			      "a=rtpmap:111 opus/48000/2\r\n"
			      "a=rtcp:30000\r\n"
			      "a=rtcp-mux\r\n");
	free(out);
	/* ...and with a separate RTCP port too (in case mux is refused). */
	rw[0].rtcp_port = 40001;
	out = rewrite_ok(&sdp, rw);
	ck_assert_ptr_nonnull(strstr(out, "a=rtcp:40001\r\na=rtcp-mux\r\n"));
	free(out);
	natport_sdp_free(&sdp);

	/* T.38 has no RTCP: nothing added whatever rtcp_port says. */
	parse_ok(&sdp, "good-t38-image-udptl.sdp");
	default_rw(&sdp, rw);
	rw[0].rtcp_port = 0;
	out = rewrite_ok(&sdp, rw);
	ck_assert_ptr_null(strstr(out, "a=rtcp"));
	ck_assert_ptr_nonnull(strstr(out, "m=image 30000 udptl t38\r\n"));
	free(out);
	natport_sdp_free(&sdp);
}
END_TEST

START_TEST(test_rewrite_hold)
{
	struct natport_sdp_rewrite rw[NATPORT_SDP_MAX_STREAMS];
	struct natport_sdp sdp, again;
	char err[256], *out;

	/* Session-level c=0.0.0.0 stays; port and o= are still rewritten. */
	parse_ok(&sdp, "good-hold-c-zero.sdp");
	default_rw(&sdp, rw);
	out = rewrite_ok(&sdp, rw);
	ck_assert_ptr_nonnull(strstr(out, "\r\nc=IN IP4 0.0.0.0\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "m=audio 30000 RTP/AVP"));
	ck_assert_ptr_nonnull(strstr(out, "IN IP4 198.51.100.1\r\n"));
	ck_assert_int_eq(natport_sdp_parse(&again, out, strlen(out), err,
					   sizeof(err)),
			 0);
	ck_assert_int_eq(again.s[0].hold, 1);
	natport_sdp_free(&again);
	free(out);
	natport_sdp_free(&sdp);

	/* Media-level hold stays; the other stream moves. */
	parse_ok(&sdp, "good-hold-media-c-zero.sdp");
	default_rw(&sdp, rw);
	out = rewrite_ok(&sdp, rw);
	ck_assert_ptr_nonnull(
		strstr(out, "m=audio 30000 RTP/AVP 0 8 101\r\nc=IN IP4 0.0.0.0\r\n"));
	ck_assert_int_eq(natport_sdp_parse(&again, out, strlen(out), err,
					   sizeof(err)),
			 0);
	ck_assert_int_eq(again.s[0].hold, 1);
	ck_assert_int_eq(again.s[0].dir, NATPORT_SDP_SENDONLY);
	assert_ep(&again.s[1].rtp, "198.51.100.1", 30002);
	natport_sdp_free(&again);
	free(out);
	natport_sdp_free(&sdp);
}
END_TEST

START_TEST(test_rewrite_deterministic)
{
	struct natport_sdp_rewrite rw[NATPORT_SDP_MAX_STREAMS];
	struct natport_sdp a, b;
	struct natport_sdp_stream before[NATPORT_SDP_MAX_STREAMS];
	char *o1, *o2, *o3;

	/* A retransmission: the same body parsed again, rewritten again. */
	parse_ok(&a, "good-audio-video.sdp");
	parse_ok(&b, "good-audio-video.sdp");
	default_rw(&a, rw);
	rw[0].rtcp_port = 31001; /* forces an added a=rtcp */
	memcpy(before, a.s, sizeof(before));
	o1 = rewrite_ok(&a, rw);
	o2 = rewrite_ok(&a, rw); /* the same parse, twice */
	o3 = rewrite_ok(&b, rw);
	ck_assert_str_eq(o1, o2);
	ck_assert_str_eq(o1, o3);
	/* Rewriting changes neither the stream table nor the parse (no
	 * a=rtcp piling up across calls). */
	ck_assert(!memcmp(before, a.s, sizeof(before)));
	ck_assert_ptr_nonnull(strstr(o2, "a=rtcp:31001\r\n"));
	ck_assert_ptr_null(strstr(strstr(o2, "a=rtcp:") + 1, "a=rtcp:"));
	free(o1);
	free(o2);
	free(o3);
	natport_sdp_free(&a);
	natport_sdp_free(&b);
}
END_TEST

static int unspec(const struct natport_endpoint *e)
{
	static const struct in6_addr any6 = IN6ADDR_ANY_INIT;

	if (e->family == AF_INET)
		return !e->addr.v4.s_addr;
	return e->family == AF_INET6 &&
	       !memcmp(&e->addr.v6, &any6, sizeof(any6));
}

static void one_roundtrip(const char *name)
{
	struct natport_sdp_rewrite rw[NATPORT_SDP_MAX_STREAMS];
	struct natport_sdp sdp, again;
	char err[256], *out;
	unsigned int i;

	parse_ok(&sdp, name);
	default_rw(&sdp, rw);
	out = rewrite_ok(&sdp, rw);
	ck_assert_msg(!natport_sdp_parse(&again, out, strlen(out), err,
					 sizeof(err)),
		      "%s: rewrite does not parse: %s\n%s", name, err, out);
	ck_assert_uint_eq(again.n, sdp.n);
	/* No LAN address (192.0.2.0/24, 2001:db8::/32) survives. */
	ck_assert_msg(!strstr(out, "192.0.2.") && !strstr(out, "2001:db8:"),
		      "%s: LAN address left:\n%s", name, out);
	for (i = 0; i < sdp.n; i++) {
		const struct natport_sdp_stream *o = &sdp.s[i], *n = &again.s[i];

		ck_assert_int_eq(n->disabled, o->disabled);
		ck_assert_int_eq(n->hold, o->hold);
		ck_assert_int_eq(n->dir, o->dir);
		ck_assert_int_eq(n->rtcp_mux, o->rtcp_mux);
		ck_assert_uint_eq(n->payload_type, o->payload_type);
		ck_assert_uint_eq(n->clock_rate, o->clock_rate);
		if (o->disabled) {
			ck_assert_uint_eq(n->rtp.port, 0);
			continue;
		}
		if (unspec(&o->rtp)) {
			/* Hold keeps its address, whatever the family. */
			ck_assert_int_eq(n->rtp.family, o->rtp.family);
			ck_assert(unspec(&n->rtp));
			ck_assert_uint_eq(n->rtp.port, rw[i].rtp.port);
		} else {
			assert_ep(&n->rtp, "198.51.100.1", rw[i].rtp.port);
			if (o->rtcp.port)
				assert_ep(&n->rtcp, "198.51.100.1",
					  rw[i].rtcp_port);
		}
	}
	natport_sdp_free(&again);
	free(out);
	natport_sdp_free(&sdp);
}

START_TEST(test_rewrite_roundtrip_corpus)
{
	ck_assert_uint_ge(for_each_corpus("good-", one_roundtrip), 15);
}
END_TEST

START_TEST(test_rewrite_ipv6)
{
	struct natport_sdp_rewrite rw[NATPORT_SDP_MAX_STREAMS];
	struct natport_sdp sdp;
	char *out;

	/* v4 in, v6 out: both c= and o= change address type. */
	parse_ok(&sdp, "good-audio-only.sdp");
	default_rw(&sdp, rw);
	rw[0].rtp = ep("2001:db8:ffff::1", 30000);
	out = rewrite_ok(&sdp, rw);
	ck_assert_ptr_nonnull(strstr(out, "c=IN IP6 2001:db8:ffff::1\r\n"));
	ck_assert_ptr_nonnull(strstr(out, " IN IP6 2001:db8:ffff::1\r\ns="));
	free(out);
	natport_sdp_free(&sdp);

	/* v6 in, v4 out. */
	parse_ok(&sdp, "good-ipv6.sdp");
	default_rw(&sdp, rw);
	out = rewrite_ok(&sdp, rw);
	ck_assert_ptr_nonnull(strstr(out, "c=IN IP4 198.51.100.1\r\n"));
	ck_assert_ptr_null(strstr(out, "IP6"));
	free(out);
	natport_sdp_free(&sdp);
}
END_TEST

START_TEST(test_rewrite_disabled)
{
	struct natport_sdp_rewrite rw[NATPORT_SDP_MAX_STREAMS];
	struct natport_sdp sdp;
	char *out;

	parse_ok(&sdp, "good-disabled-stream-port0.sdp");
	default_rw(&sdp, rw);
	memset(&rw[1], 0, sizeof(rw[1])); /* ignored for a disabled stream */
	out = rewrite_ok(&sdp, rw);
	ck_assert_ptr_nonnull(strstr(out,
				     "m=video 0 RTP/AVP 31\r\n"
				     "c=IN IP4 198.51.100.1\r\n"
				     "a=rtcp:5001 IN IP4 198.51.100.1\r\n"));
	free(out);
	natport_sdp_free(&sdp);
}
END_TEST

START_TEST(test_rewrite_errors)
{
	struct natport_sdp_rewrite rw[NATPORT_SDP_MAX_STREAMS];
	struct natport_sdp sdp;
	char err[256], *out = (char *)1;
	size_t len = 7;

	parse_ok(&sdp, "good-audio-only.sdp");
	default_rw(&sdp, rw);
	rw[0].rtp.port = 0;
	ck_assert_int_eq(natport_sdp_rewrite(&sdp, rw, &out, &len, err,
					     sizeof(err)),
			 -1);
	ck_assert_ptr_null(out);
	ck_assert_ptr_nonnull(strstr(err, "stream 1"));

	default_rw(&sdp, rw);
	rw[0].rtp.family = AF_UNSPEC;
	ck_assert_int_eq(natport_sdp_rewrite(&sdp, rw, &out, &len, err,
					     sizeof(err)),
			 -1);

	default_rw(&sdp, rw);
	rw[0].rtcp_port = 0; /* no rtcp-mux here */
	ck_assert_int_eq(natport_sdp_rewrite(&sdp, rw, &out, &len, err,
					     sizeof(err)),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "rtcp-mux"));
	natport_sdp_free(&sdp);

	/* Nothing parsed. */
	ck_assert_int_eq(natport_sdp_rewrite(&sdp, rw, &out, &len, err,
					     sizeof(err)),
			 -1);
}
END_TEST

/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* Mixed families: ANAT (RFC 4091) and ICE candidates (RFC 8445). */

/* A dual-stack phone's ANAT offer, IPv6 preferred; ICE on both. */
static const char anat_offer[] =
	"v=0\r\n"
	"o=alice 1 1 IN IP6 2001:db8:1::10\r\n"
	"s=-\r\n"
	"t=0 0\r\n"
	"a=group:ANAT 2 1\r\n"
	"a=ice-ufrag:F7gI\r\n"
	"a=ice-pwd:x9cml/YzichV2+XlhiMu8g\r\n"
	"m=audio 6000 RTP/AVP 8\r\n"
	"c=IN IP4 192.0.2.10\r\n"
	"a=mid:1\r\n"
	"a=rtcp:6001 IN IP4 192.0.2.10\r\n"
	"a=candidate:1 1 UDP 2130706431 192.0.2.10 6000 typ host\r\n"
	"m=audio 6002 RTP/AVP 8\r\n"
	"c=IN IP6 2001:db8:1::10\r\n"
	"a=mid:2\r\n"
	"a=candidate:2 1 udp 2130706431 2001:db8:1::10 6002 typ host\r\n"
	"a=candidate:3 1 UDP 2130706000 phone.local 6002 typ host\r\n";

static void parse_str(struct natport_sdp *sdp, const char *body)
{
	char err[256] = "";

	ck_assert_msg(!natport_sdp_parse(sdp, body, strlen(body), err,
					 sizeof(err)),
		      "parse: %s", err);
}

START_TEST(test_anat_candidates_parse)
{
	struct natport_sdp sdp;

	parse_str(&sdp, anat_offer);
	ck_assert_uint_eq(sdp.n, 2);
	ck_assert_str_eq(sdp.s[0].mid, "1");
	ck_assert_str_eq(sdp.s[1].mid, "2");
	ck_assert_uint_eq(sdp.s[0].anat, 1);
	ck_assert_uint_eq(sdp.s[1].anat, 1);
	/* "2 1": the IPv6 alternative is preferred */
	ck_assert_uint_eq(sdp.s[1].anat_rank, 0);
	ck_assert_uint_eq(sdp.s[0].anat_rank, 1);
	ck_assert_uint_eq(sdp.s[0].n_cands, 1);
	ck_assert_uint_eq(sdp.s[1].n_cands, 2);
	ck_assert_str_eq(sdp.s[0].cands[0].foundation, "1");
	ck_assert_uint_eq(sdp.s[0].cands[0].component, 1);
	ck_assert_uint_eq(sdp.s[0].cands[0].priority, 2130706431u);
	ck_assert(sdp.s[0].cands[0].udp);
	ck_assert_str_eq(sdp.s[0].cands[0].type, "host");
	assert_ep(&sdp.s[0].cands[0].ep, "192.0.2.10", 6000);
	ck_assert(sdp.s[1].cands[0].udp); /* "udp": case-insensitive */
	assert_ep(&sdp.s[1].cands[0].ep, "2001:db8:1::10", 6002);
	/* a host name is kept, with no address to use */
	ck_assert_int_eq(sdp.s[1].cands[1].ep.family, AF_UNSPEC);
	natport_sdp_free(&sdp);
}
END_TEST

/* More candidates than kept, srflx with raddr/rport and extensions. */
START_TEST(test_candidates_many)
{
	char body[4096];
	struct natport_sdp sdp;
	int n, i;

	n = snprintf(body, sizeof(body),
		     "v=0\r\no=- 1 1 IN IP4 203.0.113.5\r\ns=-\r\nt=0 0\r\n"
		     "m=audio 7000 RTP/SAVPF 111\r\nc=IN IP6 2001:db8:2::20\r\n");
	for (i = 0; i < NATPORT_SDP_MAX_CANDS + 4; i++)
		n += snprintf(body + n, sizeof(body) - n,
			      "a=candidate:f%d 2 UDP %d 203.0.113.5 %d typ srflx raddr 10.0.0.5 rport 9 generation 0 network-id 1\r\n",
			      i, 100 + i, 7001 + 2 * i);
	parse_str(&sdp, body);
	ck_assert_uint_eq(sdp.s[0].n_cands, NATPORT_SDP_MAX_CANDS);
	ck_assert_uint_eq(sdp.s[0].cands[3].component, 2);
	ck_assert_str_eq(sdp.s[0].cands[3].type, "srflx");
	assert_ep(&sdp.s[0].cands[3].ep, "203.0.113.5", 7007);
	natport_sdp_free(&sdp);
}
END_TEST

/* A stream rewritten to addr:port (RTCP port + 1), its ICE removed. */
static void rw_moved(struct natport_sdp_rewrite *rw, const char *addr,
		     uint16_t port)
{
	memset(rw, 0, sizeof(*rw));
	rw->rtp = ep(addr, port);
	rw->rtcp_port = port + 1;
	rw->ice_strip = 1;
}

/* body with stream 1 moved to addr:port and stream 2 given how. */
static char *rewrite_pair(struct natport_sdp *sdp,
			  struct natport_sdp_rewrite *rw, const char *body,
			  const char *addr, uint16_t port,
			  enum natport_sdp_rw_how how)
{
	parse_str(sdp, body);
	memset(rw, 0, sizeof(*rw) * NATPORT_SDP_MAX_STREAMS);
	rw_moved(&rw[0], addr, port);
	rw[1].how = how;
	return rewrite_ok(sdp, rw);
}

static int family_is(const struct natport_sdp *sdp, unsigned int k, void *arg)
{
	return sdp->s[k].rtp.family == *(const sa_family_t *)arg;
}

START_TEST(test_anat_pick)
{
	struct natport_sdp sdp;
	sa_family_t f;

	parse_str(&sdp, anat_offer);
	f = AF_INET;
	ck_assert_int_eq(natport_sdp_anat_pick(&sdp, 0, family_is, &f), 0);
	ck_assert_int_eq(natport_sdp_anat_pick(&sdp, 1, family_is, &f), 0);
	f = AF_INET6;
	ck_assert_int_eq(natport_sdp_anat_pick(&sdp, 0, family_is, &f), 1);
	f = AF_UNSPEC;
	ck_assert_int_eq(natport_sdp_anat_pick(&sdp, 0, family_is, &f), -1);
	natport_sdp_free(&sdp);
	/* a stream in no group is its own pick */
	parse_ok(&sdp, "good-audio-video.sdp");
	ck_assert_int_eq(natport_sdp_anat_pick(&sdp, 1, family_is, &f), 1);
	natport_sdp_free(&sdp);
}
END_TEST

/* The LAN side: the IPv4 alternative mapped, the IPv6 one rejected with
 * its own address type and nothing of the phone's; ICE gone everywhere,
 * as no candidate is left. */
START_TEST(test_rewrite_anat_drop)
{
	struct natport_sdp_rewrite rw[NATPORT_SDP_MAX_STREAMS];
	struct natport_sdp sdp;
	char *out = rewrite_pair(&sdp, rw, anat_offer, "198.51.100.1", 20000,
				 NATPORT_SDP_RW_DROP);

	ck_assert_str_eq(out,
			 "v=0\r\n"
			 "o=alice 1 1 IN IP4 198.51.100.1\r\n"
			 "s=-\r\n"
			 "t=0 0\r\n"
			 "a=group:ANAT 2 1\r\n"
			 "m=audio 20000 RTP/AVP 8\r\n"
			 "c=IN IP4 198.51.100.1\r\n"
			 "a=mid:1\r\n"
			 "a=rtcp:20001 IN IP4 198.51.100.1\r\n"
			 "m=audio 0 RTP/AVP 8\r\n"
			 "c=IN IP6 ::\r\n"
			 "a=mid:2\r\n");
	free(out);
	natport_sdp_free(&sdp);
}
END_TEST

/* The far end's side: stream 1 moved onto its IPv4 candidate, stream 2
 * kept byte for byte with its candidates (so the session's ICE
 * credentials stay), o= untouched. */
START_TEST(test_rewrite_keep_set)
{
	static const char far[] =
		"v=0\r\n"
		"o=bob 1 1 IN IP6 2001:db8:2::20\r\n"
		"s=-\r\n"
		"c=IN IP6 2001:db8:2::20\r\n"
		"t=0 0\r\n"
		"a=ice-ufrag:abcd\r\n"
		"a=ice-pwd:0123456789abcdef012345\r\n"
		"m=audio 7000 RTP/AVP 8\r\n"
		"a=candidate:1 1 UDP 2130706431 2001:db8:2::20 7000 typ host\r\n"
		"a=candidate:2 1 UDP 1694498815 198.51.100.20 7100 typ srflx raddr 0.0.0.0 rport 0\r\n"
		"a=ice-options:trickle\r\n"
		"m=video 7002 RTP/AVP 31\r\n"
		"a=candidate:1 1 UDP 2130706431 2001:db8:2::20 7002 typ host\r\n";
	struct natport_sdp_rewrite rw[NATPORT_SDP_MAX_STREAMS];
	struct natport_sdp sdp;
	char *out = rewrite_pair(&sdp, rw, far, "198.51.100.20", 7100,
				 NATPORT_SDP_RW_KEEP);

	size_t head = strstr(far, "m=audio") - far;

	/* the session part as it was */
	ck_assert(!strncmp(out, far, head));
	ck_assert_str_eq(out + head,
			 "m=audio 7100 RTP/AVP 8\r\n"
			 "c=IN IP4 198.51.100.20\r\n"
			 "m=video 7002 RTP/AVP 31\r\n"
			 "a=candidate:1 1 UDP 2130706431 2001:db8:2::20 7002 typ host\r\n");
	free(out);
	/* both moved: no candidate left, the session's ICE goes too */
	rw_moved(&rw[1], "198.51.100.20", 7102);
	out = rewrite_ok(&sdp, rw);
	ck_assert_ptr_null(strstr(out, "ice-"));
	ck_assert_ptr_null(strstr(out, "candidate"));
	/* one address for both: the session's c= carries it */
	ck_assert_ptr_nonnull(strstr(out, "\r\nc=IN IP4 198.51.100.20\r\nt=0 0\r\n"));
	ck_assert_ptr_nonnull(strstr(out, "\r\nm=video 7102 RTP/AVP 31\r\n"));
	free(out);
	natport_sdp_free(&sdp);
}
END_TEST

static Suite *sdp_suite(void)
{
	Suite *s = suite_create("sdp");
	TCase *tc;

	tc = tcase_create("corpus");
	tcase_add_test(tc, test_corpus_good);
	tcase_add_test(tc, test_corpus_bad);
	tcase_add_test(tc, test_bad_reasons);
	tcase_add_test(tc, test_bad_ipv6);
	suite_add_tcase(s, tc);

	tc = tcase_create("mixed-families");
	tcase_add_test(tc, test_anat_candidates_parse);
	tcase_add_test(tc, test_candidates_many);
	tcase_add_test(tc, test_anat_pick);
	tcase_add_test(tc, test_rewrite_anat_drop);
	tcase_add_test(tc, test_rewrite_keep_set);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_test(tc, test_audio_only);
	tcase_add_test(tc, test_audio_video);
	tcase_add_test(tc, test_rtcp_mux);
	tcase_add_test(tc, test_rtcp_attr);
	tcase_add_test(tc, test_hold_forms);
	tcase_add_test(tc, test_disabled);
	tcase_add_test(tc, test_t38);
	tcase_add_test(tc, test_ipv6);
	tcase_add_test(tc, test_misc_good);
	tcase_add_test(tc, test_rtpmap_default_rate);
	tcase_add_test(tc, test_mime_find_splice);
	suite_add_tcase(s, tc);

	tc = tcase_create("robustness");
	/* Slow under valgrind, and only timed in fork mode anyway. */
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_truncation);
	tcase_add_test(tc, test_mutation);
	suite_add_tcase(s, tc);

	tc = tcase_create("rewrite");
	tcase_add_test(tc, test_rewrite_exact_audio);
	tcase_add_test(tc, test_rewrite_exact_av_split);
	tcase_add_test(tc, test_rewrite_rtcp_attr);
	tcase_add_test(tc, test_rewrite_hold);
	tcase_add_test(tc, test_rewrite_deterministic);
	tcase_add_test(tc, test_rewrite_roundtrip_corpus);
	tcase_add_test(tc, test_rewrite_ipv6);
	tcase_add_test(tc, test_rewrite_disabled);
	tcase_add_test(tc, test_rewrite_errors);
	suite_add_tcase(s, tc);
	return s;
}

static int find_corpus(const char *exe)
{
	char buf[PATH_MAX], *slash;
	struct stat st;

	if (!stat(CORPUS_REL, &st) && S_ISDIR(st.st_mode))
		return !!realpath(CORPUS_REL, corpus_dir);
	/* From $(O)/tests/unit/test_sdp up to the source tree. */
	snprintf(buf, sizeof(buf), "%s", exe);
	slash = strrchr(buf, '/');
	if (!slash)
		return 0;
	snprintf(slash, sizeof(buf) - (slash - buf), "/../../../%s",
		 CORPUS_REL);
	return !stat(buf, &st) && S_ISDIR(st.st_mode) &&
	       realpath(buf, corpus_dir);
}

static int in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
		if (!access(buf, X_OK))
			return 1;
		path += n + (path[n] == ':');
	}
	return 0;
}

/* Run again under memcheck, once; its verdict becomes the exit status. */
static void maybe_valgrind(char *exe)
{
	const char *v = getenv("NATPORT_VALGRIND");
	char *args[] = {
		"valgrind",
		"-q",
		"--leak-check=full",
		"--show-leak-kinds=definite,indirect,possible",
		"--errors-for-leak-kinds=definite,indirect,possible",
		"--error-exitcode=99",
		exe,
		NULL,
	};

	if ((v && !strcmp(v, "0")) || getenv("NATPORT_UNDER_VALGRIND"))
		return;
	if (!in_path("valgrind")) {
		fprintf(stderr,
			"test_sdp: valgrind not found: memory not checked\n");
		return;
	}
	setenv("NATPORT_UNDER_VALGRIND", "1", 1);
	setenv("CK_FORK", "no", 1);
	fprintf(stderr, "test_sdp: re-running under valgrind memcheck\n");
	fflush(stderr);
	execvp("valgrind", args);
	fprintf(stderr, "test_sdp: exec valgrind: %s; running without\n",
		strerror(errno));
}

int main(int argc, char **argv)
{
	char exe[PATH_MAX];
	SRunner *sr;
	ssize_t n;
	int failed;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		perror("readlink /proc/self/exe");
		return 1;
	}
	exe[n] = '\0';
	if (!find_corpus(exe)) {
		fprintf(stderr, "test_sdp: corpus %s not found\n", CORPUS_REL);
		return 1;
	}
	maybe_valgrind(exe);

	sr = srunner_create(sdp_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (getenv("NATPORT_UNDER_VALGRIND"))
		fprintf(stderr, "test_sdp: valgrind run finished\n");
	(void)argc;
	return failed ? 1 : 0;
}
