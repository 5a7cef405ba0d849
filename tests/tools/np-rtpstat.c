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
 *   np-rtpstat refusals
 *
 * refusals talks raw generic netlink, below the library, and checks that
 * the module refuses what the library never sends: another protocol
 * version (in the genetlink header and in the hello), attributes outside
 * the policy. It prints "refused <what>: <errno text>: <extack>" per case
 * and exits 1 if any request was accepted.
 *
 * get prints one line per direction, "dir=in key=value ...", with the same
 * keys np-rtp send prints; dump prints "stream EXT:PORT id=N" before each
 * stream's lines; events prints one line per event until SECONDS passed.
 * Errors go to stderr with the library's reason; exit status 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <natport/natport.h>
#include <natport/natport_rtp.h>
#include <natport/rtpstats.h>

static void usage(void)
{
	fprintf(stderr,
		"usage: np-rtpstat hello | add EXT:PORT RATE [pt=N] [strict] [silent=MS] [id=N] [replace]\n"
		"       | del EXT:PORT | get EXT:PORT [in|out] | dump | events SECONDS\n"
		"       | refusals\n");
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

static int family_id_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			*(uint16_t *)arg = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

/* One raw request; 0 if the kernel acked it, else -errno and the
 * extended-ack text in msg. */
static int raw_request(struct mnl_socket *nl, struct nlmsghdr *nlh,
		       mnl_cb_t cb, void *arg, char *msg, size_t msglen)
{
	char buf[8192];
	ssize_t n;
	int ret;

	msg[0] = 0;
	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	while ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;

		if (m->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);
			const struct nlattr *attr;

			if (e->error && (m->nlmsg_flags & NLM_F_ACK_TLVS))
				mnl_attr_for_each_payload(
					(const void *)((const char *)e +
						       sizeof(*e)),
					mnl_nlmsg_get_payload_len(m) -
						sizeof(*e))
					if (mnl_attr_get_type(attr) ==
					    NLMSGERR_ATTR_MSG)
						snprintf(msg, msglen, "%s",
							 mnl_attr_get_str(attr));
			return e->error;
		}
		ret = mnl_cb_run(buf, n, 0, 0, cb, arg);
		if (ret <= MNL_CB_STOP)
			return ret < 0 ? -errno : 0;
	}
	return -errno;
}

static struct nlmsghdr *raw_put(char *buf, uint16_t type, uint8_t cmd,
				uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

static int refusals(void)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_GENERIC);
	char buf[4096], msg[256];
	struct nlmsghdr *nlh;
	uint16_t fam = 0;
	uint32_t a4 = htonl(0xc6336401);
	int one = 1, accepted = 0, ret, i;
	struct {
		const char *what;
		uint8_t cmd, version;
		uint32_t hello_version, clock, flags;
		uint16_t port;
		uint8_t pt;
	} cases[] = {
		{ .what = "genetlink header version", .cmd = NATPORT_CMD_HELLO,
		  .version = NATPORT_RTP_VERSION + 1,
		  .hello_version = NATPORT_RTP_VERSION },
		{ .what = "hello version", .cmd = NATPORT_CMD_HELLO,
		  .version = NATPORT_RTP_VERSION,
		  .hello_version = NATPORT_RTP_VERSION + 1 },
		{ .what = "stream add with header version 0",
		  .cmd = NATPORT_CMD_STREAM_ADD, .clock = 8000, .port = 4000 },
		{ .what = "clock rate 0", .cmd = NATPORT_CMD_STREAM_ADD,
		  .version = NATPORT_RTP_VERSION, .port = 4000 },
		{ .what = "clock rate too high", .cmd = NATPORT_CMD_STREAM_ADD,
		  .version = NATPORT_RTP_VERSION,
		  .clock = NATPORT_RTP_CLOCK_RATE_MAX + 1, .port = 4000 },
		{ .what = "port 0", .cmd = NATPORT_CMD_STREAM_ADD,
		  .version = NATPORT_RTP_VERSION, .clock = 8000 },
		{ .what = "unknown flag", .cmd = NATPORT_CMD_STREAM_ADD,
		  .version = NATPORT_RTP_VERSION, .clock = 8000, .flags = 0x80,
		  .port = 4000 },
		{ .what = "payload type 128", .cmd = NATPORT_CMD_STREAM_ADD,
		  .version = NATPORT_RTP_VERSION, .clock = 8000, .port = 4000,
		  .pt = 128 },
	};

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("np-rtpstat: netlink");
		return 1;
	}
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	nlh = raw_put(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NATPORT_RTP_GENL_NAME);
	if (raw_request(nl, nlh, family_id_cb, &fam, msg, sizeof(msg)) ||
	    !fam) {
		fprintf(stderr, "np-rtpstat: family %s not found\n",
			NATPORT_RTP_GENL_NAME);
		return 1;
	}
	for (i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); i++) {
		nlh = raw_put(buf, fam, cases[i].cmd, cases[i].version);
		if (cases[i].cmd == NATPORT_CMD_HELLO) {
			mnl_attr_put_u32(nlh, NATPORT_A_VERSION,
					 cases[i].hello_version);
		} else {
			mnl_attr_put_u8(nlh, NATPORT_A_FAMILY, AF_INET);
			mnl_attr_put(nlh, NATPORT_A_ADDR4, 4, &a4);
			mnl_attr_put_u16(nlh, NATPORT_A_PORT, cases[i].port);
			mnl_attr_put_u32(nlh, NATPORT_A_CLOCK_RATE,
					 cases[i].clock);
			mnl_attr_put_u32(nlh, NATPORT_A_FLAGS, cases[i].flags);
			if (cases[i].pt)
				mnl_attr_put_u8(nlh, NATPORT_A_PAYLOAD_TYPE,
						cases[i].pt);
		}
		ret = raw_request(nl, nlh, NULL, NULL, msg, sizeof(msg));
		if (ret >= 0) {
			printf("ACCEPTED %s\n", cases[i].what);
			accepted++;
		} else {
			printf("refused %s: %s%s%s\n", cases[i].what,
			       strerror(-ret), msg[0] ? ": " : "", msg);
		}
	}
	mnl_socket_close(nl);
	return accepted ? 1 : 0;
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
	if (!strcmp(argv[1], "refusals"))
		return refusals();
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
