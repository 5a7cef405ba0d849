// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * np-rtp - RTP traffic with known patterns for the natport_rtp tests, and
 * the figures a receiver must report for it, computed from what was sent.
 *
 *   np-rtp send -b LOCAL:PORT -d DEST:PORT [options]
 *       -n N        sequence numbers of the first source (default 200)
 *       -q SEQ      first sequence number (default 65400: wraps)
 *       -s SSRC     first source's SSRC (default 0x11223344)
 *       -c RATE     clock rate, Hz (default 8000)
 *       -p PT       payload type (default 0)
 *       -i MS       packet interval (default 20); timestamps step by
 *                   RATE * MS / 1000
 *       -L K        skip (never send) every K-th sequence number
 *       -R A:LEN    send the LEN packets from index A in reverse order
 *       -J MS       jitter pattern: every odd packet leaves MS late
 *       -X N2       then change SSRC and send N2 more packets (new seq and
 *                   timestamp bases)
 *       -C K        also send an RTCP receiver report (muxed) every K slots
 *       -j N        finally send N packets that are not RTP (version 0)
 *       -S BYTES    RTP payload size (default 160)
 *   It prints key=value lines, the figures a correct RFC 3550 receiver of
 *   exactly these packets reports (see natport_rtp.h): packets bytes rtp
 *   rtcp not_rtp ssrc ssrc_changes ext_max_seq expected lost jitter
 *   (jitter from the actual send times, A.8 in floating point).
 *
 *   np-rtp recv  -b LOCAL:PORT [-t IDLE_MS]    prints received=N
 *   np-rtp flood -b LOCAL:PORT -d DEST:PORT -t SECONDS [-S BYTES]
 *       RTP as fast as sendmmsg goes; prints sent=N pps=N
 *   np-rtp sink  -b LOCAL:PORT -t SECONDS
 *       counts for SECONDS from the first packet; prints received=N pps=N
 *
 * Expected values are derived from the send plan by definition (expected =
 * highest extended sequence number sent - first + 1 per source, lost =
 * expected - sent), not by replaying the module's algorithm.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <natport/natport.h>

#define MAX_PKT 1500
#define BATCH 64

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = t / 1000000000ull,
			       .tv_nsec = t % 1000000000ull };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

static void die(const char *msg)
{
	fprintf(stderr, "np-rtp: %s: %s\n", msg, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: np-rtp send|recv|flood|sink -b LOCAL:PORT [-d DEST:PORT] [options]\n");
	exit(2);
}

static int open_socket(const struct natport_endpoint *local)
{
	struct sockaddr_storage ss;
	socklen_t len = natport_endpoint_to_sockaddr(local, &ss);
	int one = 1, fd;

	fd = socket(local->family, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind");
	return fd;
}

struct plan {
	unsigned int n, n2, skip_every, rev_at, rev_len, rtcp_every, junk;
	unsigned int interval_ms, jitter_ms, clock, size;
	uint16_t seq0;
	uint32_t ssrc;
	uint8_t pt;
};

/* One packet to send, in send order. */
struct slot {
	int kind;      /* 0 RTP, 1 RTCP, 2 junk */
	int source;    /* 0 first SSRC, 1 second */
	uint32_t xseq; /* extended sequence number (source's counter) */
	uint32_t ts;
	uint64_t at;   /* planned send time, ns from start */
};

struct source_fig {
	int used;
	uint32_t first, max, sent;
	/* A.8 on real send times, floating point */
	double jitter, transit;
	int have_transit;
};

static void put_rtp(uint8_t *p, uint8_t pt, uint16_t seq, uint32_t ts,
		    uint32_t ssrc)
{
	p[0] = 0x80;
	p[1] = pt & 0x7f;
	p[2] = seq >> 8;
	p[3] = seq;
	p[4] = ts >> 24;
	p[5] = ts >> 16;
	p[6] = ts >> 8;
	p[7] = ts;
	p[8] = ssrc >> 24;
	p[9] = ssrc >> 16;
	p[10] = ssrc >> 8;
	p[11] = ssrc;
}

static int cmd_send(int fd, const struct sockaddr_storage *dst,
		    socklen_t dlen, const struct plan *pl, int v6)
{
	unsigned int total = pl->n + pl->n2, i, k, nslots = 0;
	uint64_t step_ns = (uint64_t)pl->interval_ms * 1000000ull;
	uint32_t ts_step = pl->clock / 1000 * pl->interval_ms;
	uint32_t ssrcs[2] = { pl->ssrc, pl->ssrc ^ 0x5a5a0001 };
	uint32_t xseq_base[2] = { pl->seq0, 31000 };
	uint32_t ts_base[2] = { 1000, 0x7ffff000 };
	struct source_fig fig[2] = { 0 };
	struct slot *slots, *order;
	uint64_t packets = 0, bytes = 0, rtp = 0, rtcp = 0, junk = 0, t0;
	unsigned int l4 = 8 + (v6 ? 40 : 20);
	uint8_t buf[MAX_PKT];
	int cur = -1, changes = 0;

	slots = calloc(total * 2 + pl->junk + 1, sizeof(*slots));
	order = calloc(total + 1, sizeof(*order));
	if (!slots || !order)
		die("calloc");

	/* RTP slots in sequence order, with their planned times. */
	for (i = 0; i < total; i++) {
		int src = i >= pl->n;
		unsigned int idx = src ? i - pl->n : i;
		struct slot *s = &order[i];

		s->kind = 0;
		s->source = src;
		s->xseq = xseq_base[src] + idx;
		s->ts = ts_base[src] + idx * ts_step;
		s->at = i * step_ns;
		if (pl->jitter_ms && (i & 1))
			s->at += (uint64_t)pl->jitter_ms * 1000000ull;
	}
	/* Reordered burst: the packets keep their times slots but swap
	 * contents, so they leave in reverse sequence order. */
	if (pl->rev_len > 1 && pl->rev_at + pl->rev_len <= pl->n) {
		for (i = 0; i < pl->rev_len / 2; i++) {
			struct slot *a = &order[pl->rev_at + i];
			struct slot *b = &order[pl->rev_at + pl->rev_len - 1 - i];
			uint64_t ta = a->at, tb = b->at;
			struct slot tmp = *a;

			*a = *b;
			*b = tmp;
			a->at = ta;
			b->at = tb;
		}
	}
	for (i = 0; i < total; i++) {
		/* Loss: every skip_every-th sequence number of each source is
		 * never sent (the source's counter, not the send order). */
		unsigned int idx = order[i].xseq - xseq_base[order[i].source];

		if (!(pl->skip_every && (idx + 1) % pl->skip_every == 0))
			slots[nslots++] = order[i];
		if (pl->rtcp_every && (i + 1) % pl->rtcp_every == 0) {
			slots[nslots] = order[i];
			slots[nslots].kind = 1;
			slots[nslots].at += step_ns / 2;
			nslots++;
		}
	}
	for (k = 0; k < pl->junk; k++) {
		slots[nslots].kind = 2;
		slots[nslots].at = total * step_ns + k * step_ns;
		nslots++;
	}

	memset(buf, 0xd5, sizeof(buf));
	t0 = now_ns() + 20000000ull;
	for (k = 0; k < nslots; k++) {
		struct slot *s = &slots[k];
		unsigned int len;
		uint64_t sent_at;

		sleep_until(t0 + s->at);
		if (s->kind == 0) {
			put_rtp(buf, pl->pt, (uint16_t)s->xseq, s->ts,
				ssrcs[s->source]);
			len = 12 + pl->size;
		} else if (s->kind == 1) {
			/* RR with one report block, RFC 3550 6.4.2 */
			buf[0] = 0x81;
			buf[1] = 201;
			buf[2] = 0;
			buf[3] = 7;
			put_rtp(buf + 20, 0, 0, 0, 0); /* filler */
			len = 32;
		} else {
			buf[0] = 0x00; /* version 0: not RTP */
			buf[1] = 0x55;
			len = 40;
		}
		sent_at = now_ns();
		if (sendto(fd, buf, len, 0, (const struct sockaddr *)dst,
			   dlen) != (ssize_t)len)
			die("sendto");
		packets++;
		bytes += len + l4;
		if (s->kind == 1) {
			rtcp++;
		} else if (s->kind == 2) {
			junk++;
		} else {
			struct source_fig *f = &fig[s->source];
			double transit;

			rtp++;
			if (s->source != cur) {
				if (cur >= 0)
					changes++;
				cur = s->source;
			}
			if (!f->used) {
				f->used = 1;
				f->first = f->max = s->xseq;
			}
			if (s->xseq > f->max)
				f->max = s->xseq;
			f->sent++;
			/* A.8 with real send times, in timestamp units */
			transit = (double)(sent_at - t0) * pl->clock / 1e9 -
				  (double)(s->ts - ts_base[s->source]);
			if (f->have_transit) {
				double d = fabs(transit - f->transit);

				f->jitter += (d - f->jitter) / 16.0;
			}
			f->transit = transit;
			f->have_transit = 1;
		}
	}

	{
		uint64_t expected = 0;
		int64_t lost = 0;

		for (i = 0; i < 2; i++) {
			if (!fig[i].used)
				continue;
			expected += fig[i].max - fig[i].first + 1;
			lost += (int64_t)(fig[i].max - fig[i].first + 1) -
				fig[i].sent;
		}
		printf("packets=%llu\nbytes=%llu\nrtp=%llu\nrtcp=%llu\n"
		       "not_rtp=%llu\n",
		       (unsigned long long)packets, (unsigned long long)bytes,
		       (unsigned long long)rtp, (unsigned long long)rtcp,
		       (unsigned long long)junk);
		if (cur >= 0)
			printf("ssrc=0x%08x\nssrc_changes=%d\next_max_seq=%u\n"
			       "expected=%llu\nlost=%lld\njitter=%.1f\n",
			       ssrcs[cur], changes,
			       fig[cur].max - fig[cur].first +
				       (uint16_t)fig[cur].first,
			       (unsigned long long)expected, (long long)lost,
			       fig[cur].jitter);
	}
	free(slots);
	free(order);
	return 0;
}

static int cmd_recv(int fd, int idle_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t buf[MAX_PKT];
	unsigned long n = 0;

	while (poll(&p, 1, idle_ms) > 0)
		if (recv(fd, buf, sizeof(buf), 0) >= 0)
			n++;
	printf("received=%lu\n", n);
	return 0;
}

static int cmd_flood(int fd, const struct sockaddr_storage *dst,
		     socklen_t dlen, unsigned int secs, unsigned int size)
{
	static uint8_t bufs[BATCH][MAX_PKT];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	uint64_t end, start = now_ns(), sent = 0;
	uint16_t seq = 0;
	uint32_t ts = 0;
	int i;

	end = start + (uint64_t)secs * 1000000000ull;
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = 12 + size;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = (void *)dst;
		msgs[i].msg_hdr.msg_namelen = dlen;
	}
	while (now_ns() < end) {
		int n;

		for (i = 0; i < BATCH; i++) {
			put_rtp(bufs[i], 0, seq++, ts, 0xf100d);
			ts += 160;
		}
		n = sendmmsg(fd, msgs, BATCH, 0);
		if (n < 0) {
			if (errno == ENOBUFS || errno == EAGAIN)
				continue;
			die("sendmmsg");
		}
		sent += n;
	}
	printf("sent=%llu\npps=%.0f\n", (unsigned long long)sent,
	       sent / ((now_ns() - start) / 1e9));
	return 0;
}

static int cmd_sink(int fd, unsigned int secs)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t buf[MAX_PKT];
	uint64_t start = 0, end = 0, n = 0, t;
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	static uint8_t bufs[BATCH][MAX_PKT];
	int i;

	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = MAX_PKT;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	/* wait up to 10 s for the first packet */
	if (poll(&p, 1, 10000) <= 0) {
		printf("received=0\npps=0\n");
		return 1;
	}
	if (recv(fd, buf, sizeof(buf), 0) >= 0)
		n++;
	start = now_ns();
	end = start + (uint64_t)secs * 1000000000ull;
	while ((t = now_ns()) < end) {
		int r, ms = (int)((end - t) / 1000000ull) + 1;

		if (poll(&p, 1, ms) <= 0)
			continue;
		r = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (r > 0)
			n += r;
	}
	printf("received=%llu\npps=%.0f\n", (unsigned long long)n,
	       n / ((now_ns() - start) / 1e9));
	return 0;
}

int main(int argc, char **argv)
{
	struct plan pl = { .n = 200, .seq0 = 65400, .ssrc = 0x11223344,
			   .clock = 8000, .interval_ms = 20, .size = 160 };
	struct natport_endpoint local = { 0 }, dest = { 0 };
	struct sockaddr_storage dst;
	socklen_t dlen = 0;
	unsigned int secs = 5, idle_ms = 1000;
	const char *cmd;
	int opt, fd, have_dest = 0;

	if (argc < 2)
		usage();
	cmd = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "b:d:n:q:s:c:p:i:L:R:J:X:C:j:S:t:")) !=
	       -1) {
		switch (opt) {
		case 'b':
			if (natport_endpoint_parse(optarg, &local))
				usage();
			break;
		case 'd':
			if (natport_endpoint_parse(optarg, &dest) || !dest.port)
				usage();
			have_dest = 1;
			break;
		case 'n': pl.n = strtoul(optarg, NULL, 0); break;
		case 'q': pl.seq0 = strtoul(optarg, NULL, 0); break;
		case 's': pl.ssrc = strtoul(optarg, NULL, 0); break;
		case 'c': pl.clock = strtoul(optarg, NULL, 0); break;
		case 'p': pl.pt = strtoul(optarg, NULL, 0); break;
		case 'i': pl.interval_ms = strtoul(optarg, NULL, 0); break;
		case 'L': pl.skip_every = strtoul(optarg, NULL, 0); break;
		case 'R':
			if (sscanf(optarg, "%u:%u", &pl.rev_at, &pl.rev_len) != 2)
				usage();
			break;
		case 'J': pl.jitter_ms = strtoul(optarg, NULL, 0); break;
		case 'X': pl.n2 = strtoul(optarg, NULL, 0); break;
		case 'C': pl.rtcp_every = strtoul(optarg, NULL, 0); break;
		case 'j': pl.junk = strtoul(optarg, NULL, 0); break;
		case 'S': pl.size = strtoul(optarg, NULL, 0); break;
		case 't':
			secs = strtoul(optarg, NULL, 0);
			idle_ms = secs;
			break;
		default:
			usage();
		}
	}
	if (!local.family || pl.size > MAX_PKT - 12 - 48 || !pl.clock ||
	    !pl.interval_ms)
		usage();
	if (have_dest) {
		if (dest.family != local.family)
			usage();
		dlen = natport_endpoint_to_sockaddr(&dest, &dst);
	}
	fd = open_socket(&local);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(cmd, "send") && have_dest)
		return cmd_send(fd, &dst, dlen, &pl, local.family == AF_INET6);
	if (!strcmp(cmd, "recv"))
		return cmd_recv(fd, idle_ms);
	if (!strcmp(cmd, "flood") && have_dest)
		return cmd_flood(fd, &dst, dlen, secs, pl.size);
	if (!strcmp(cmd, "sink"))
		return cmd_sink(fd, secs);
	usage();
	return 2;
}
