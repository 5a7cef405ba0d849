// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * np-rtpstat - a thin command line over libnatport's RTP statistics client
 * (userspace/lib/rtpstats.c), for the kmod tests.
 *
 *   np-rtpstat hello
 *   np-rtpstat add EXT:PORT CLOCK_RATE [pt=N] [strict] [silent=MS] [id=N]
 *              [replace]
 *   np-rtpstat del EXT:PORT
 *   np-rtpstat get EXT:PORT [in|out]
 *   np-rtpstat dump
 *   np-rtpstat events SECONDS
 *
 * get prints one line per direction, "dir=in key=value ...", with the same
 * keys np-rtp send prints; dump prints "stream EXT:PORT id=N" before each
 * stream's lines; events prints one line per event until SECONDS passed.
 * Errors go to stderr with the library's reason; exit status 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <natport/natport.h>
#include <natport/natport_rtp.h>
#include "../../userspace/lib/rtpstats.h"

static void usage(void)
{
	fprintf(stderr,
		"usage: np-rtpstat hello | add EXT:PORT RATE [pt=N] [strict] [silent=MS] [id=N] [replace]\n"
		"       | del EXT:PORT | get EXT:PORT [in|out] | dump | events SECONDS\n");
	exit(2);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void print_dir(const char *name, const struct natport_rtp_stats *s)
{
	long long age = s->last_ns ? (long long)((now_ns() - s->last_ns) /
						 1000000ull) : -1;

	printf("dir=%s packets=%" PRIu64 " bytes=%" PRIu64 " rtp=%" PRIu64
	       " rtcp=%" PRIu64 " not_rtp=%" PRIu64 " dropped=%" PRIu64
	       " ssrc=0x%08x ssrc_changes=%u ext_max_seq=%u expected=%" PRIu64
	       " lost=%" PRId64 " jitter=%u jitter_ms=%.3f loss=%.4f"
	       " last_age_ms=%lld\n",
	       name, s->packets, s->bytes, s->rtp, s->rtcp, s->not_rtp,
	       s->dropped, s->ssrc, s->ssrc_changes, s->ext_max_seq,
	       s->expected, s->lost, s->jitter, s->jitter_ms,
	       s->loss_fraction, age);
}

static int dump_one(const struct natport_rtp_stream *st, void *arg)
{
	char b[NATPORT_ENDPOINT_STRLEN];

	printf("stream %s id=%u clock_rate=%u pt=%d flags=0x%x silent_ms=%u\n",
	       natport_endpoint_format(&st->external, b, sizeof(b)),
	       st->mapping_id, st->clock_rate, st->payload_type, st->flags,
	       st->silent_ms);
	print_dir("in", &st->dir[NATPORT_RTP_IN]);
	print_dir("out", &st->dir[NATPORT_RTP_OUT]);
	return 0;
}

static void on_event(const struct natport_rtp_event *ev, void *arg)
{
	char b[NATPORT_ENDPOINT_STRLEN];

	printf("event %s %s dir=%s id=%u", natport_rtp_event_name(ev->type),
	       natport_endpoint_format(&ev->external, b, sizeof(b)),
	       ev->dir == NATPORT_RTP_IN ? "in" : "out", ev->mapping_id);
	if (ev->type == NATPORT_RTP_EV_SSRC)
		printf(" ssrc_old=0x%08x ssrc_new=0x%08x", ev->ssrc_old,
		       ev->ssrc_new);
	if (ev->type == NATPORT_RTP_EV_SILENT)
		printf(" silent_ms=%u", ev->silent_ms);
	printf("\n");
}

static void parse_mapping(const char *s, struct natport_mapping *m)
{
	memset(m, 0, sizeof(*m));
	if (natport_endpoint_parse(s, &m->external) || !m->external.port) {
		fprintf(stderr, "np-rtpstat: bad endpoint '%s'\n", s);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct natport_mapping m;
	struct natport_rtp *h;
	char err[256];
	int ret = 0, i;

	if (argc < 2)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	h = natport_rtp_open(err, sizeof(err));
	if (!h) {
		fprintf(stderr, "np-rtpstat: %s\n", err);
		return 1;
	}

	if (!strcmp(argv[1], "hello")) {
		printf("ok version %u\n", NATPORT_RTP_VERSION);
	} else if (!strcmp(argv[1], "add") && argc >= 4) {
		struct natport_rtp_opts o = { .payload_type = -1 };

		parse_mapping(argv[2], &m);
		o.clock_rate = strtoul(argv[3], NULL, 0);
		for (i = 4; i < argc; i++) {
			if (!strncmp(argv[i], "pt=", 3))
				o.payload_type = atoi(argv[i] + 3);
			else if (!strcmp(argv[i], "strict"))
				o.flags |= NATPORT_RTP_STRICT;
			else if (!strncmp(argv[i], "silent=", 7))
				o.silent_ms = strtoul(argv[i] + 7, NULL, 0);
			else if (!strncmp(argv[i], "id=", 3))
				m.id = strtoul(argv[i] + 3, NULL, 0);
			else if (!strcmp(argv[i], "replace"))
				o.replace = 1;
			else
				usage();
		}
		ret = natport_rtp_register_opts(h, &m, &o);
	} else if (!strcmp(argv[1], "del") && argc == 3) {
		parse_mapping(argv[2], &m);
		ret = natport_rtp_unregister(h, &m);
	} else if (!strcmp(argv[1], "get") && (argc == 3 || argc == 4)) {
		struct natport_rtp_stats st[2];

		parse_mapping(argv[2], &m);
		ret = natport_rtp_get(h, &m, st);
		if (!ret && (argc == 3 || !strcmp(argv[3], "in")))
			print_dir("in", &st[NATPORT_RTP_IN]);
		if (!ret && (argc == 3 || !strcmp(argv[3], "out")))
			print_dir("out", &st[NATPORT_RTP_OUT]);
	} else if (!strcmp(argv[1], "dump") && argc == 2) {
		ret = natport_rtp_dump(h, dump_one, NULL);
	} else if (!strcmp(argv[1], "events") && argc == 3) {
		uint64_t end = now_ns() + strtoull(argv[2], NULL, 0) *
					  1000000000ull;
		struct pollfd p = { .fd = natport_rtp_fd(h), .events = POLLIN };
		uint64_t t;

		natport_rtp_set_event_cb(h, on_event, NULL);
		printf("listening\n");
		while (ret >= 0 && (t = now_ns()) < end) {
			if (poll(&p, 1, (int)((end - t) / 1000000ull) + 1) > 0)
				ret = natport_rtp_dispatch(h);
		}
		if (ret > 0)
			ret = 0;
	} else {
		usage();
	}
	if (ret < 0)
		fprintf(stderr, "np-rtpstat: %s\n", natport_rtp_last_error(h));
	natport_rtp_close(h);
	return ret < 0 ? 1 : 0;
}
