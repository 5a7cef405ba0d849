// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_ngmsg.c - unit tests of the ng request parser, the reply builders
 * and the reply cache (userspace/daemon/ng/): the real Kamailio 5.6
 * captures and the hand-written corpus in tests/ng/corpus/ (each bad-*
 * file with the error-reason it must get), truncations, oversized and
 * deep input, exact reply bytes, and a cache that returns identical bytes
 * for a retransmitted cookie within its bounds.
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

#include "ng/ngcache.h"
#include "ng/ngmsg.h"
#include "unit_main.h"

#define CORPUS "tests/ng/corpus"

static struct natport_benc_node nodes[NATPORT_NG_NODES];

static char *load(const char *name, size_t *len)
{
	char path[PATH_MAX];
	struct stat st;
	char *buf;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", CORPUS, name);
	f = fopen(path, "rb");
	ck_assert_msg(f, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(fstat(fileno(f), &st), 0);
	buf = malloc(st.st_size + 1);
	ck_assert_ptr_nonnull(buf);
	*len = fread(buf, 1, st.st_size, f);
	ck_assert_uint_eq(*len, (size_t)st.st_size);
	fclose(f);
	return buf;
}

static int parse(struct natport_ng_req *req, const char *buf, size_t len,
		 char *reason, size_t rlen)
{
	return natport_ng_parse(req, buf, len, nodes, NATPORT_NG_NODES, reason,
				rlen);
}

static bool str_eq(const struct natport_ng_str *s, const char *want)
{
	return s->p && s->len == strlen(want) && !memcmp(s->p, want, s->len);
}

/* Every bad-*.ng file and the start of the reason it must get; NULL:
 * no reply at all. */
static const struct {
	const char *file;
	const char *reason;
} bad[] = {
	{ "bad-nocookie.ng", NULL },
	{ "bad-json.ng", "Invalid NG data format: natport speaks bencode" },
	{ "bad-nopayload.ng", "Invalid data (no payload)" },
	{ "bad-notdict.ng", "Invalid NG data format" },
	{ "bad-truncated.ng",
	  "Could not decode bencode dictionary: bencode "
	  "at byte 62: truncated string (200 bytes announced, 3 left)" },
	{ "bad-deep.ng", "Could not decode bencode dictionary: bencode at "
			 "byte 26: nested deeper than 8" },
	{ "bad-huge-string.ng", "Could not decode bencode dictionary: bencode "
				"at byte 22: string of 99999999 bytes" },
	{ "bad-leading-zero.ng", "Could not decode bencode dictionary: bencode "
				 "at byte 20: integer with a leading zero" },
	{ "bad-trailing.ng", "Could not decode bencode dictionary: bencode at "
			     "byte 17: 1 trailing bytes" },
	{ "bad-dupkey.ng", "Could not decode bencode dictionary: bencode at "
			   "byte 16: duplicate dict key \"command\"" },
	{ "bad-intkey.ng", "Could not decode bencode dictionary: bencode at "
			   "byte 1: dict key is not a string" },
	{ "bad-nocommand.ng", "Dictionary contains no key \"command\"" },
	{ "bad-unknown-command.ng", "Unrecognized command" },
	{ "bad-callid-int.ng", "call-id: expected a string, got an integer" },
	{ "bad-flags-string.ng", "flags: expected a list, got a string" },
	{ "bad-received-from.ng", "received-from: expected a list of two "
				  "strings" },
	{ "bad-received-from-family.ng", "received-from: Failed to parse "
					 "network address \"192.0.2.10\"" },
	{ "bad-nosdp.ng", "No SDP body in message" },
	{ "bad-answer-no-totag.ng", "No to-tag in message" },
	{ "bad-transcode.ng", "codec-transcode-PCMA: natport does not "
			      "transcode" },
	{ "bad-codec-dict.ng", "codec: natport does not transcode" },
	{ "bad-srtp-bridge.ng", "transport-protocol=RTP/SAVP: m= line 1 is "
				"RTP/AVP: natport cannot bridge RTP and SRTP" },
	{ "bad-dtls.ng", "DTLS=passive: natport does not terminate DTLS" },
	{ "bad-ice-force.ng", "ICE=force: natport does not terminate ICE; "
			      "use ICE=remove" },
	{ "bad-rtcp-demux.ng", "rtcp-mux=demux: natport cannot multiplex or "
			       "demultiplex RTCP" },
	{ "bad-start-recording.ng", "start recording: natport does not record "
				    "calls" },
	{ "bad-play-media.ng", "play media: natport cannot play" },
	{ "bad-record-call.ng", "record-call=yes: natport does not record" },
	{ "bad-ptime.ng", "ptime=30: natport does not transcode, repacketize" },
	{ "bad-rtpp-flags.ng", "rtpp-flags: natport does not parse "
			       "rtpp-flags" },
	{ "bad-contradiction.ng", "flags: trust-address and "
				  "SIP-source-address contradict" },
	{ "bad-negative-zero.ng", "Could not decode bencode dictionary: "
				  "bencode at byte 22: integer -0" },
};

START_TEST(corpus_bad)
{
	struct natport_ng_req req;
	char reason[256];
	size_t i, len;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *buf = load(bad[i].file, &len);
		int r = parse(&req, buf, len, reason, sizeof(reason));

		if (!bad[i].reason) {
			ck_assert_msg(r == NATPORT_NG_NOREPLY, "%s: %d",
				      bad[i].file, r);
		} else {
			ck_assert_msg(r == NATPORT_NG_ERROR, "%s: %d",
				      bad[i].file, r);
			ck_assert_msg(!strncmp(reason, bad[i].reason,
					       strlen(bad[i].reason)),
				      "%s: got \"%s\", want \"%s...\"",
				      bad[i].file, reason, bad[i].reason);
			/* the cookie is there to reply with */
			ck_assert_ptr_eq(req.cookie.p, buf);
			ck_assert_uint_gt(req.cookie.len, 0);
		}
		free(buf);
	}
}
END_TEST

/* Every corpus file is covered: a new bad-* file needs its reason. */
START_TEST(corpus_complete)
{
	struct dirent *de;
	DIR *d = opendir(CORPUS);
	unsigned int good = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		struct natport_ng_req req;
		char reason[256];
		size_t i, len, cut;
		char *buf;

		if (!strstr(de->d_name, ".ng"))
			continue;
		if (!strncmp(de->d_name, "bad-", 4)) {
			for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
				if (!strcmp(bad[i].file, de->d_name))
					break;
			ck_assert_msg(i < sizeof(bad) / sizeof(bad[0]),
				      "%s has no expected reason", de->d_name);
			continue;
		}
		buf = load(de->d_name, &len);
		ck_assert_msg(parse(&req, buf, len, reason, sizeof(reason)) ==
				      NATPORT_NG_OK,
			      "%s: %s", de->d_name, reason);
		good++;
		/* no truncation of a request is a request */
		for (cut = 0; cut < len; cut++)
			ck_assert_msg(parse(&req, buf, cut, reason,
					    sizeof(reason)) != NATPORT_NG_OK,
				      "%s cut at %zu parsed", de->d_name, cut);
		/* and one flipped byte anywhere never crashes */
		for (cut = 0; cut < len; cut++) {
			char saved = buf[cut];

			buf[cut] ^= 0x5a;
			parse(&req, buf, len, reason, sizeof(reason));
			buf[cut] = saved;
		}
		free(buf);
	}
	closedir(d);
	ck_assert_uint_ge(good, 11);
}
END_TEST

START_TEST(kamailio_ping)
{
	struct natport_ng_req req;
	char reason[256], out[128];
	size_t len;
	char *buf = load("kamailio-5.6-ping.ng", &len);
	ssize_t n;

	ck_assert_int_eq(parse(&req, buf, len, reason, sizeof(reason)),
			 NATPORT_NG_OK);
	ck_assert_int_eq(req.cmd, NATPORT_NG_PING);
	ck_assert(str_eq(&req.cookie, "0_28315_0"));
	n = natport_ng_reply_pong(out, sizeof(out), &req.cookie);
	ck_assert_int_eq(n, 26);
	ck_assert_mem_eq(out, "0_28315_0 d6:result4:ponge", 26);
	free(buf);
}
END_TEST

START_TEST(kamailio_offer_answer_delete)
{
	struct natport_ng_req req;
	char reason[256];
	size_t len;
	char *buf = load("kamailio-5.6-offer.ng", &len);

	ck_assert_int_eq(parse(&req, buf, len, reason, sizeof(reason)),
			 NATPORT_NG_OK);
	ck_assert_int_eq(req.cmd, NATPORT_NG_OFFER);
	ck_assert(str_eq(&req.call_id, "1-28709@127.0.0.1"));
	ck_assert(str_eq(&req.from_tag, "28709SIPpTag001"));
	ck_assert_ptr_null(req.to_tag.p);
	ck_assert_ptr_null(req.via_branch.p); /* 5.6 sends none */
	ck_assert_uint_eq(req.sdp.len, 129);
	ck_assert_mem_eq(req.sdp.p, "v=0\r\n", 5);
	ck_assert_uint_eq(req.replace, NATPORT_NG_R_ORIGIN |
					       NATPORT_NG_R_SESSION_CONNECTION);
	ck_assert_int_eq(req.received_from.family, AF_INET);
	ck_assert_uint_eq(ntohl(req.received_from.v4.s_addr), 0x7f000001);
	ck_assert(req.supports_load_limit);
	ck_assert_uint_eq(req.flags, 0);
	ck_assert_uint_eq(req.n_unknown, 0);
	ck_assert_int_eq(req.ice, NATPORT_NG_ICE_DEFAULT);
	free(buf);

	buf = load("kamailio-5.6-answer.ng", &len);
	ck_assert_int_eq(parse(&req, buf, len, reason, sizeof(reason)),
			 NATPORT_NG_OK);
	ck_assert_int_eq(req.cmd, NATPORT_NG_ANSWER);
	ck_assert(str_eq(&req.to_tag, "28556SIPpTag011"));
	ck_assert(str_eq(&req.from_tag, "28709SIPpTag001"));
	free(buf);

	/* the example config's flags, as the module turns them into keys */
	buf = load("kamailio-5.6-offer-ice-direction.ng", &len);
	ck_assert_int_eq(parse(&req, buf, len, reason, sizeof(reason)),
			 NATPORT_NG_OK);
	ck_assert_int_eq(req.ice, NATPORT_NG_ICE_REMOVE);
	ck_assert_uint_eq(req.n_direction, 2);
	ck_assert_int_eq(req.side[0], NATPORT_NG_SIDE_LAN);
	ck_assert_int_eq(req.side[1], NATPORT_NG_SIDE_WAN);
	ck_assert_uint_eq(req.n_unknown, 0);
	free(buf);

	buf = load("kamailio-5.6-delete.ng", &len);
	ck_assert_int_eq(parse(&req, buf, len, reason, sizeof(reason)),
			 NATPORT_NG_OK);
	ck_assert_int_eq(req.cmd, NATPORT_NG_DELETE);
	ck_assert_ptr_null(req.sdp.p);
	ck_assert_uint_gt(req.call_id.len, 0);
	free(buf);
}
END_TEST

START_TEST(full_offer)
{
	struct natport_ng_req req;
	char reason[256];
	size_t len;
	char *buf = load("good-offer-full.ng", &len);

	ck_assert_int_eq(parse(&req, buf, len, reason, sizeof(reason)),
			 NATPORT_NG_OK);
	ck_assert(str_eq(&req.via_branch, "z9hG4bK1"));
	ck_assert_uint_eq(req.flags, NATPORT_NG_F_TRUST_ADDRESS |
					     NATPORT_NG_F_PORT_LATCHING);
	ck_assert_int_eq(req.ice, NATPORT_NG_ICE_REMOVE);
	ck_assert(str_eq(&req.transport_protocol, "RTP/AVP"));
	ck_assert_uint_eq(req.n_direction, 2);
	ck_assert_int_eq(req.side[0], NATPORT_NG_SIDE_LAN);
	ck_assert_int_eq(req.side[1], NATPORT_NG_SIDE_WAN);
	ck_assert_uint_eq(req.rtcp_mux, NATPORT_NG_MUX_ACCEPT);
	ck_assert_int_eq(req.sip_message_type, NATPORT_NG_SIP_REQUEST);
	ck_assert(str_eq(&req.label, "caller"));
	/* unknown flag and unknown replace item kept for one log line */
	ck_assert_uint_eq(req.n_unknown, 2);
	ck_assert(str_eq(&req.unknown[0], "weird-new-flag"));
	ck_assert(str_eq(&req.unknown[1], "sdp-version"));
	free(buf);

	/* spaces instead of hyphens, IPv6 received from, delete delay */
	buf = load("good-offer-spaces.ng", &len);
	ck_assert_int_eq(parse(&req, buf, len, reason, sizeof(reason)),
			 NATPORT_NG_OK);
	ck_assert_uint_eq(req.flags, NATPORT_NG_F_SIP_SOURCE_ADDRESS);
	ck_assert_int_eq(req.received_from.family, AF_INET6);
	ck_assert(req.has_delete_delay);
	ck_assert_int_eq(req.delete_delay, 5);
	free(buf);
}
END_TEST

START_TEST(limits)
{
	static char big[NATPORT_NG_DGRAM_MAX + 2];
	struct natport_ng_req req;
	char reason[256];
	size_t n;

	/* over one datagram: dropped */
	memset(big, 'a', sizeof(big));
	big[1] = ' ';
	ck_assert_int_eq(parse(&req, big, sizeof(big), reason, sizeof(reason)),
			 NATPORT_NG_NOREPLY);
	/* cookie too long or not printable: dropped */
	memset(big, 'c', 200);
	memcpy(big + 200, " d7:command4:pinge", 18);
	ck_assert_int_eq(parse(&req, big, 218, reason, sizeof(reason)),
			 NATPORT_NG_NOREPLY);
	ck_assert_int_eq(
		parse(&req, big + 200 - 128, 146, reason, sizeof(reason)),
		NATPORT_NG_OK);
	ck_assert_int_eq(parse(&req, "a\tb d7:command4:pinge", 21, reason,
			       sizeof(reason)),
			 NATPORT_NG_NOREPLY);
	ck_assert_int_eq(
		parse(&req, " d7:command4:pinge", 18, reason, sizeof(reason)),
		NATPORT_NG_NOREPLY);
	/* more values than nodes */
	n = 0;
	n += sprintf(big, "c1 d7:command4:ping1:xl");
	while (n < 3 * NATPORT_NG_NODES)
		big[n++] = '0', big[n++] = ':';
	big[n++] = 'e';
	big[n++] = 'e';
	ck_assert_int_eq(parse(&req, big, n, reason, sizeof(reason)),
			 NATPORT_NG_ERROR);
	ck_assert_ptr_nonnull(strstr(reason, "more than 2048 values"));
	/* many unknown flags: kept up to the bound, the rest counted */
	n = sprintf(big, "c1 d7:command5:offer7:call-id1:c8:from-tag1:f"
			 "3:sdp4:v=0\n5:flagsl");
	for (int i = 0; i < 40; i++)
		n += sprintf(big + n, "4:x%03d", i);
	n += sprintf(big + n, "4:x000ee");
	ck_assert_int_eq(parse(&req, big, n, reason, sizeof(reason)),
			 NATPORT_NG_OK);
	ck_assert_uint_eq(req.n_unknown, NATPORT_NG_UNKNOWN_MAX);
	ck_assert_uint_eq(req.unknown_dropped, 40 - NATPORT_NG_UNKNOWN_MAX);
}
END_TEST

START_TEST(transport)
{
	struct natport_ng_req req;
	char reason[256], dg[512];
	int n;
	static const char sdp2[] = "v=0\r\nm=audio 4000 RTP/SAVP 0\r\n"
				   "m=video 0 RTP/AVP 31\r\n";

	/* SRTP asked, SDP already SRTP: passthrough; a disabled stream
	 * (port 0) does not count */
	n = snprintf(dg, sizeof(dg),
		     "c1 d7:command5:offer7:call-id1:c8:from-tag1:f3:sdp%zu:%s"
		     "18:transport-protocol8:RTP/SAVPe",
		     sizeof(sdp2) - 1, sdp2);
	ck_assert_int_eq(parse(&req, dg, n, reason, sizeof(reason)),
			 NATPORT_NG_OK);
	n = snprintf(dg, sizeof(dg),
		     "c1 d7:command5:offer7:call-id1:c8:from-tag1:f3:sdp%zu:%s"
		     "18:transport-protocol9:RTP/SAVPFe",
		     sizeof(sdp2) - 1, sdp2);
	ck_assert_int_eq(parse(&req, dg, n, reason, sizeof(reason)),
			 NATPORT_NG_ERROR);
	ck_assert_ptr_nonnull(strstr(reason, "AVP and AVPF"));
	n = snprintf(dg, sizeof(dg),
		     "c1 d7:command5:offer7:call-id1:c8:from-tag1:f3:sdp%zu:%s"
		     "18:transport-protocol7:RTP/XYZe",
		     sizeof(sdp2) - 1, sdp2);
	ck_assert_int_eq(parse(&req, dg, n, reason, sizeof(reason)),
			 NATPORT_NG_ERROR);
	ck_assert_str_eq(reason, "transport-protocol: unknown protocol "
				 "\"RTP/XYZ\"");
}
END_TEST

START_TEST(replies)
{
	struct natport_ng_str cookie = { "k1", 2 };
	char out[1024], small[8];
	ssize_t n;

	n = natport_ng_reply_error(out, sizeof(out), &cookie,
				   "Unknown call-id");
	ck_assert_int_eq(n, 53);
	ck_assert_mem_eq(out,
			 "k1 d12:error-reason15:Unknown call-id6:result5:"
			 "errore",
			 53);
	n = natport_ng_reply_sdp(out, sizeof(out), &cookie, "v=0\r\n", 5, NULL);
	ck_assert_int_eq(n, 29);
	ck_assert_mem_eq(out, "k1 d6:result2:ok3:sdp5:v=0\r\ne", 29);
	n = natport_ng_reply_ok(out, sizeof(out), &cookie,
				"Call-ID not found or tags didn't match");
	ck_assert_mem_eq(out,
			 "k1 d6:result2:ok7:warning38:Call-ID not found "
			 "or tags didn't matche",
			 n);
	errno = 0;
	ck_assert_int_eq(natport_ng_reply_pong(small, sizeof(small), &cookie),
			 -1);
	ck_assert_int_eq(errno, ENOBUFS);
}
END_TEST

START_TEST(query_reply)
{
	struct natport_ng_str cookie = { "q", 1 };
	struct natport_ng_media_info media = {
		.type = "audio", .protocol = "RTP/AVP", .n_streams = 2,
		.streams = {
			{ .local_port = 40000, .endpoint_port = 4000,
			  .stats = { 10, 1720, 0 } },
			{ .local_port = 40001, .rtcp = true,
			  .stats = { 1, 80, 0 } },
		},
	};
	struct natport_ng_tag_info tags[2] = {
		{ .tag = { "zz", 2 },
		  .created = 5,
		  .n_medias = 1,
		  .medias = &media,
		  .in_dialogue_with = { "aa", 2 } },
		{ .tag = { "aa", 2 }, .created = 4, .label = { "caller", 6 } },
	};
	struct natport_ng_query_info q = {
		.created = 1700000000,
		.last_signal = 1700000005,
		.n_tags = 2,
		.tags = tags,
		.rtp = { 10, 1720, 0 },
		.rtcp = { 1, 80, 0 },
	};
	struct natport_benc_doc doc = { nodes, NATPORT_NG_NODES, 0 };
	const struct natport_benc_node *t, *tot, *rtp, *zz, *st;
	char out[2048], err[200];
	ssize_t n;

	inet_pton(AF_INET, "198.51.100.20", &media.streams[0].endpoint.v4);
	media.streams[0].endpoint.family = AF_INET;
	n = natport_ng_reply_query(out, sizeof(out), &cookie, &q, NULL);
	ck_assert_int_gt(n, 0);
	ck_assert_mem_eq(out,
			 "q d7:createdi1700000000e11:last signal"
			 "i1700000005e6:result2:ok4:tagsd2:aad7:createdi4e",
			 77);
	/* what Kamailio reads: totals.RTP.packets/bytes, tags.*.medias */
	ck_assert_int_eq(natport_benc_decode(&doc, out + 2, n - 2, NULL, err,
					     sizeof(err)),
			 0);
	tot = natport_benc_dict_get(&doc, 0, "totals", 6);
	rtp = natport_benc_dict_get(&doc, tot - doc.nodes, "RTP", 3);
	ck_assert_int_eq(
		natport_benc_dict_get(&doc, rtp - doc.nodes, "packets", 7)->i,
		10);
	ck_assert_int_eq(
		natport_benc_dict_get(&doc, rtp - doc.nodes, "bytes", 5)->i,
		1720);
	t = natport_benc_dict_get(&doc, 0, "tags", 4);
	zz = natport_benc_dict_get(&doc, t - doc.nodes, "zz", 2);
	ck_assert_ptr_nonnull(zz);
	t = natport_benc_dict_get(&doc, zz - doc.nodes, "medias", 6);
	ck_assert_uint_eq(t->count, 1);
	t = natport_benc_dict_get(&doc, t->child, "streams", 7);
	ck_assert_uint_eq(t->count, 2);
	st = natport_benc_at(&doc, t->child);
	ck_assert_int_eq(
		natport_benc_dict_get(&doc, st - doc.nodes, "local port", 10)
			->i,
		40000);
	t = natport_benc_dict_get(&doc, st - doc.nodes, "endpoint", 8);
	ck_assert(natport_benc_str_eq(
		natport_benc_dict_get(&doc, t - doc.nodes, "address", 7),
		"198.51.100.20"));
	/* same input, same bytes */
	{
		char again[2048];

		ck_assert_int_eq(natport_ng_reply_query(again, sizeof(again),
							&cookie, &q, NULL),
				 n);
		ck_assert_mem_eq(again, out, n);
	}
	/* two tags with one name cannot be a dict */
	tags[1].tag = tags[0].tag;
	ck_assert_int_eq(
		natport_ng_reply_query(out, sizeof(out), &cookie, &q, NULL),
		-1);
}
END_TEST

/* Loss and jitter from the RTP statistics module: rtpengine's "SSRC"
 * dict (by decimal SSRC, each once) and each media's ingress/egress
 * SSRCs; without it (valid false) none of those keys. */
START_TEST(query_reply_rtp)
{
	struct natport_ng_str cookie = { "r", 1 };
	struct natport_ng_rtp_info in = {
		.valid = true,
		.ssrc = 42,
		.packets = 54,
		.bytes = 10800,
		.last_seq = 65459,
		.lost = 6,
		.jitter_ms = 3,
		.loss_pct = 10,
		.last_packet = 1700000009,
	};
	struct natport_ng_rtp_info out = {
		.valid = true,
		.ssrc = 7,
		.packets = 40,
		.bytes = 8000,
	};
	struct natport_ng_media_info lan = {
		.type = "audio", .n_streams = 2,
		.streams = {
			{ .local_port = 40000, .rtp_in = in, .rtp_out = out,
			  .have_out = true, .stats = { 54, 10800, 0 },
			  .stats_out = { 40, 8000, 0 } },
			{ .local_port = 40001, .rtcp = true },
		},
	};
	/* the WAN tag sees the same two directions the other way round */
	struct natport_ng_media_info wan = lan;
	struct natport_ng_tag_info tags[2] = {
		{ .tag = { "ft", 2 }, .n_medias = 1, .medias = &lan },
		{ .tag = { "tt", 2 }, .n_medias = 1, .medias = &wan },
	};
	struct natport_ng_query_info q = { .n_tags = 2, .tags = tags };
	struct natport_benc_doc doc = { nodes, NATPORT_NG_NODES, 0 };
	const struct natport_benc_node *ss, *e, *t, *m, *st;
	char buf[4096], err[200];
	ssize_t n;

	wan.streams[0].rtp_in = out;
	wan.streams[0].rtp_out = in;
	n = natport_ng_reply_query(buf, sizeof(buf), &cookie, &q, NULL);
	ck_assert_int_gt(n, 0);
	/* keys ascend: "SSRC" first, "42" before "7" */
	ck_assert_mem_eq(buf, "r d4:SSRCd2:42d5:bytesi10800e", 29);
	ck_assert_int_eq(natport_benc_decode(&doc, buf + 2, n - 2, NULL, err,
					     sizeof(err)),
			 0);
	ss = natport_benc_dict_get(&doc, 0, "SSRC", 4);
	ck_assert_uint_eq(ss->count, 2);
	e = natport_benc_dict_get(&doc, ss - doc.nodes, "42", 2);
	ck_assert_int_eq(natport_benc_dict_get(&doc, e - doc.nodes,
					       "cumulative loss", 15)
				 ->i,
			 6);
	ck_assert_int_eq(
		natport_benc_dict_get(&doc, e - doc.nodes, "jitter", 6)->i, 3);
	ck_assert_int_eq(
		natport_benc_dict_get(&doc, e - doc.nodes, "packet loss", 11)
			->i,
		10);
	ck_assert_int_eq(
		natport_benc_dict_get(&doc, e - doc.nodes, "packets", 7)->i,
		54);
	t = natport_benc_dict_get(&doc, 0, "tags", 4);
	t = natport_benc_dict_get(&doc, t - doc.nodes, "ft", 2);
	m = natport_benc_dict_get(&doc, t - doc.nodes, "medias", 6);
	m = natport_benc_at(&doc, m->child);
	t = natport_benc_dict_get(&doc, m - doc.nodes, "ingress SSRCs", 13);
	ck_assert_uint_eq(t->count, 1);
	t = natport_benc_at(&doc, t->child);
	ck_assert_int_eq(
		natport_benc_dict_get(&doc, t - doc.nodes, "SSRC", 4)->i, 42);
	t = natport_benc_dict_get(&doc, m - doc.nodes, "egress SSRCs", 12);
	t = natport_benc_at(&doc, t->child);
	ck_assert_int_eq(
		natport_benc_dict_get(&doc, t - doc.nodes, "SSRC", 4)->i, 7);
	t = natport_benc_dict_get(&doc, m - doc.nodes, "streams", 7);
	st = natport_benc_at(&doc, t->child);
	ck_assert_int_eq(
		natport_benc_dict_get(&doc, st - doc.nodes, "SSRC", 4)->i, 42);
	ck_assert_int_eq(
		natport_benc_dict_get(&doc, st - doc.nodes, "last packet", 11)
			->i,
		1700000009);
	t = natport_benc_dict_get(&doc, st - doc.nodes, "stats_out", 9);
	ck_assert_int_eq(
		natport_benc_dict_get(&doc, t - doc.nodes, "packets", 7)->i,
		40);

	/* no module: no SSRC, loss or jitter key anywhere */
	lan.streams[0].rtp_in.valid = lan.streams[0].rtp_out.valid = false;
	wan.streams[0].rtp_in.valid = wan.streams[0].rtp_out.valid = false;
	n = natport_ng_reply_query(buf, sizeof(buf), &cookie, &q, NULL);
	ck_assert_int_gt(n, 0);
	buf[n] = 0;
	ck_assert_ptr_null(strstr(buf, "SSRC"));
	ck_assert_ptr_null(strstr(buf, "loss"));
	ck_assert_ptr_null(strstr(buf, "jitter"));
	ck_assert_ptr_null(strstr(buf, "last packet"));
	ck_assert_ptr_nonnull(strstr(buf, "9:stats_outd"));
}
END_TEST

START_TEST(names)
{
	ck_assert_int_eq(natport_ng_side_of("priv", 4), NATPORT_NG_SIDE_LAN);
	ck_assert_int_eq(natport_ng_side_of("External", 8),
			 NATPORT_NG_SIDE_WAN);
	ck_assert_int_eq(natport_ng_side_of("eth7", 4),
			 NATPORT_NG_SIDE_UNKNOWN);
	ck_assert_str_eq(natport_ng_flag_name(NATPORT_NG_F_TRUST_ADDRESS),
			 "trust-address");
}
END_TEST

START_TEST(cache)
{
	struct natport_ngcache c;
	const char *r;
	size_t len;
	char reply[100];

	ck_assert_int_eq(natport_ngcache_init(&c, 4, 100, 1000), 0);
	ck_assert_int_eq(
		natport_ngcache_put(&c, "A", 1, "ck1", 3, "reply-1", 7, 0), 0);
	r = natport_ngcache_lookup(&c, "A", 1, "ck1", 3, 500, &len);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(len, 7);
	ck_assert_mem_eq(r, "reply-1", 7);
	/* another peer, same cookie: not the same request */
	ck_assert_ptr_null(
		natport_ngcache_lookup(&c, "B", 1, "ck1", 3, 500, &len));
	/* peer and cookie boundary is part of the key */
	ck_assert_ptr_null(
		natport_ngcache_lookup(&c, "", 0, "Ack1", 4, 500, &len));
	/* too old */
	ck_assert_ptr_null(
		natport_ngcache_lookup(&c, "A", 1, "ck1", 3, 1001, &len));
	/* replace keeps one entry */
	ck_assert_int_eq(
		natport_ngcache_put(&c, "A", 1, "ck1", 3, "reply-2", 7, 10), 0);
	r = natport_ngcache_lookup(&c, "A", 1, "ck1", 3, 20, &len);
	ck_assert_mem_eq(r, "reply-2", 7);
	ck_assert_uint_eq(c.bytes, 7);
	/* entry bound: the oldest goes */
	for (int i = 0; i < 4; i++) {
		char ck[8];

		snprintf(ck, sizeof(ck), "n%d", i);
		ck_assert_int_eq(
			natport_ngcache_put(&c, "A", 1, ck, 2, "x", 1, 20 + i),
			0);
	}
	ck_assert_ptr_null(
		natport_ngcache_lookup(&c, "A", 1, "ck1", 3, 30, &len));
	ck_assert_ptr_nonnull(
		natport_ngcache_lookup(&c, "A", 1, "n0", 2, 30, &len));
	/* byte bound */
	memset(reply, 'r', sizeof(reply));
	ck_assert_int_eq(
		natport_ngcache_put(&c, "A", 1, "big", 3, reply, 100, 40), 0);
	ck_assert_uint_eq(c.bytes, 100);
	ck_assert_ptr_null(
		natport_ngcache_lookup(&c, "A", 1, "n3", 2, 40, &len));
	ck_assert_int_eq(
		natport_ngcache_put(&c, "A", 1, "huge", 4, reply, 101, 40),
		-E2BIG);
	/* expiry */
	natport_ngcache_expire(&c, 2000);
	ck_assert_uint_eq(c.count, 0);
	ck_assert_uint_eq(c.bytes, 0);
	/* churn: many puts, bounds hold */
	for (int i = 0; i < 1000; i++) {
		char ck[16];

		snprintf(ck, sizeof(ck), "c%d", i);
		ck_assert_int_eq(natport_ngcache_put(&c, "P", 1, ck, strlen(ck),
						     reply, 30, 3000 + i),
				 0);
		ck_assert_uint_le(c.bytes, 100);
		ck_assert_uint_le(c.count, 4);
		r = natport_ngcache_lookup(&c, "P", 1, ck, strlen(ck), 3000 + i,
					   &len);
		ck_assert_ptr_nonnull(r);
	}
	natport_ngcache_uninit(&c);
	ck_assert_int_eq(natport_ngcache_init(&c, 0, 100, 1), -EINVAL);
}
END_TEST

/* The front end's retransmission path: parse, reply, cache; the same
 * datagram again gets the identical bytes from the cache. */
START_TEST(retransmission)
{
	struct natport_ngcache c;
	struct natport_ng_req req;
	char reason[256], out[4096];
	const char *hit;
	size_t len, hitlen;
	char *buf = load("kamailio-5.6-offer.ng", &len);
	ssize_t n;

	ck_assert_int_eq(natport_ngcache_init(&c, 64, 1 << 20, 30000), 0);
	ck_assert_int_eq(parse(&req, buf, len, reason, sizeof(reason)),
			 NATPORT_NG_OK);
	ck_assert_ptr_null(natport_ngcache_lookup(&c, "k", 1, req.cookie.p,
						  req.cookie.len, 0, &hitlen));
	n = natport_ng_reply_sdp(out, sizeof(out), &req.cookie, req.sdp.p,
				 req.sdp.len, NULL);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(natport_ngcache_put(&c, "k", 1, req.cookie.p,
					     req.cookie.len, out, n, 0),
			 0);
	ck_assert_int_eq(parse(&req, buf, len, reason, sizeof(reason)),
			 NATPORT_NG_OK);
	hit = natport_ngcache_lookup(&c, "k", 1, req.cookie.p, req.cookie.len,
				     1000, &hitlen);
	ck_assert_ptr_nonnull(hit);
	ck_assert_uint_eq(hitlen, (size_t)n);
	ck_assert_mem_eq(hit, out, n);
	natport_ngcache_uninit(&c);
	free(buf);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ngmsg");
	TCase *tc = tcase_create("ng");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, corpus_bad);
	tcase_add_test(tc, corpus_complete);
	tcase_add_test(tc, kamailio_ping);
	tcase_add_test(tc, kamailio_offer_answer_delete);
	tcase_add_test(tc, full_offer);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, transport);
	tcase_add_test(tc, replies);
	tcase_add_test(tc, query_reply);
	tcase_add_test(tc, query_reply_rtp);
	tcase_add_test(tc, names);
	tcase_add_test(tc, cache);
	tcase_add_test(tc, retransmission);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(suite());
}
