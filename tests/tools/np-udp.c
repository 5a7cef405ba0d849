// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * np-udp - UDP traffic for natport's tests and benchmarks.
 *
 *   np-udp send  -b LOCAL:PORT -d DEST:PORT [-n COUNT] [-i INTERVAL_US] [-s SIZE]
 *   np-udp talk  -b LOCAL:PORT -d DEST:PORT [-n COUNT] [-i INTERVAL_US] [-t TIMEOUT_MS] [-w MS]
 *       a symmetric RTP endpoint: one socket sends COUNT packets and
 *       receives at the same time; prints like recv, exits 0 if COUNT
 *       packets came back. -w waits after binding before the first send,
 *       so two talkers started together both listen before either sends.
 *   np-udp recv  -b LOCAL:PORT [-n COUNT] [-t TIMEOUT_MS]
 *       prints "recv <count> from <source>" per distinct source, then
 *       "total <count>"; exits 0 if COUNT packets (default 1) arrived.
 *   np-udp flood -b LOCAL:PORT -d DEST:PORT -t SECONDS [-s SIZE] [-r PPS]
 *       sends as fast as it can (or at PPS), sendmmsg batches of 64;
 *       prints "sent <count> <pps>".
 *   np-udp sink  -b LOCAL:PORT -t SECONDS
 *       counts for SECONDS after the first packet; prints "sink <count> <pps>".
 *
 * ADDR:PORT is IPv4 (192.0.2.10:4000) or IPv6 in brackets
 * ([2001:db8:1::10]:4000); sources print the same way.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_SOURCES 16

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A sockaddr_storage holding an IPv4 or IPv6 address and port. */
static socklen_t sa_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					   sizeof(struct sockaddr_in);
}

static int parse(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char buf[64];
	char *colon;

	memset(ss, 0, sizeof(*ss));
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	colon = strrchr(buf, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	if (buf[0] == '[' && colon > buf + 1 && colon[-1] == ']') {
		colon[-1] = '\0';
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(atoi(colon + 1));
		return inet_pton(AF_INET6, buf + 1, &sin6->sin6_addr) == 1 ? 0 :
									     -1;
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons(atoi(colon + 1));
	return inet_pton(AF_INET, buf, &sin->sin_addr) == 1 ? 0 : -1;
}

static int same(const struct sockaddr_storage *a,
		const struct sockaddr_storage *b)
{
	return a->ss_family == b->ss_family && !memcmp(a, b, sa_len(a));
}

static const char *show(const struct sockaddr_storage *ss, char *out,
			size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		snprintf(out, len, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(out, len, "%s:%u", a, ntohs(s4->sin_port));
	}
	return out;
}

static void usage(void)
{
	fprintf(stderr, "usage: np-udp send|recv|flood|sink -b ADDR:PORT "
			"[-d ADDR:PORT] [-n N] [-i US] [-s SIZE] [-t T] [-r PPS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage local, dest;
	const char *mode;
	char *b = NULL, *d = NULL;
	long count = 1, interval = 0, size = 172, timeout = 2000, rate = 0;
	long delay = 0;
	int fd, opt, one = 1, big = 4 << 20;
	static char buf[BATCH][2048];

	if (argc < 2)
		usage();
	mode = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "b:d:n:i:s:t:r:w:")) != -1) {
		switch (opt) {
		case 'b': b = optarg; break;
		case 'd': d = optarg; break;
		case 'n': count = atol(optarg); break;
		case 'i': interval = atol(optarg); break;
		case 's': size = atol(optarg); break;
		case 't': timeout = atol(optarg); break;
		case 'r': rate = atol(optarg); break;
		case 'w': delay = atol(optarg); break;
		default: usage();
		}
	}
	if (!b || parse(b, &local) || (d && parse(d, &dest)) || size < 12 ||
	    size > 1400)
		usage();
	fd = socket(local.ss_family, SOCK_DGRAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	if (bind(fd, (struct sockaddr *)&local, sa_len(&local)) < 0) {
		perror("np-udp: bind");
		return 1;
	}

	if (!strcmp(mode, "send")) {
		long i;

		if (!d)
			usage();
		for (i = 0; i < count; i++) {
			memset(buf[0], 0, size);
			snprintf(buf[0], size, "np-udp %ld", i);
			if (sendto(fd, buf[0], size, 0,
				   (struct sockaddr *)&dest, sa_len(&dest)) < 0)
				perror("np-udp: sendto");
			if (interval)
				usleep(interval);
		}
		return 0;
	}

	if (!strcmp(mode, "recv") || !strcmp(mode, "talk")) {
		struct sockaddr_storage src[MAX_SOURCES];
		char show_buf[80];
		long got[MAX_SOURCES] = { 0 }, total = 0, sent = 0;
		int nsrc = 0, i, talk = !strcmp(mode, "talk");
		double start = now(), end;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (talk && !d)
			usage();
		if (delay)
			usleep(delay * 1000);
		start = now();
		end = start + timeout / 1000.0 +
		      (talk ? count * interval / 1e6 : 0);
		while (total < count || (talk && sent < count)) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			int left = (end - now()) * 1000;

			if (talk && sent < count &&
			    now() >= start + sent * interval / 1e6) {
				memset(buf[1], 0, size);
				snprintf(buf[1], size, "np-udp %ld", sent);
				sendto(fd, buf[1], size, 0,
				       (struct sockaddr *)&dest, sa_len(&dest));
				sent++;
				continue;
			}
			if (talk && sent < count) {
				double next = start + sent * interval / 1e6;
				int wait = (next - now()) * 1000;

				left = wait < 1 ? 1 : wait;
			}
			if (left <= 0)
				break;
			if (poll(&pfd, 1, left) <= 0) {
				if (talk && sent < count)
					continue;
				break;
			}
			if (recvfrom(fd, buf[0], sizeof(buf[0]), 0,
				     (struct sockaddr *)&from, &fl) < 0)
				continue;
			total++;
			for (i = 0; i < nsrc; i++)
				if (same(&src[i], &from))
					break;
			if (i == nsrc && nsrc < MAX_SOURCES)
				src[nsrc++] = from;
			if (i < MAX_SOURCES)
				got[i]++;
		}
		for (i = 0; i < nsrc; i++)
			printf("recv %ld from %s\n", got[i],
			       show(&src[i], show_buf, sizeof(show_buf)));
		printf("total %ld\n", total);
		return total >= count ? 0 : 1;
	}

	if (!strcmp(mode, "flood")) {
		struct mmsghdr msgs[BATCH];
		struct iovec iov[BATCH];
		double start = now(), end = start + timeout, t;
		long sent = 0;
		int i, r;

		if (!d)
			usage();
		memset(msgs, 0, sizeof(msgs));
		for (i = 0; i < BATCH; i++) {
			memset(buf[i], 0xab, size);
			iov[i].iov_base = buf[i];
			iov[i].iov_len = size;
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &dest;
			msgs[i].msg_hdr.msg_namelen = sa_len(&dest);
		}
		while ((t = now()) < end) {
			if (rate && sent > (t - start) * rate) {
				usleep(200);
				continue;
			}
			r = sendmmsg(fd, msgs, BATCH, 0);
			if (r > 0)
				sent += r;
		}
		printf("sent %ld %.0f\n", sent, sent / (now() - start));
		return 0;
	}

	if (!strcmp(mode, "sink")) {
		struct mmsghdr msgs[BATCH];
		struct iovec iov[BATCH];
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		double start = 0, end = 0, t;
		long got = 0;
		int i, r;

		memset(msgs, 0, sizeof(msgs));
		for (i = 0; i < BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = sizeof(buf[i]);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		/* wait up to 10 s for the first packet */
		if (poll(&pfd, 1, 10000) <= 0) {
			printf("sink 0 0\n");
			return 1;
		}
		start = now();
		end = start + timeout;
		while ((t = now()) < end) {
			if (poll(&pfd, 1, 100) <= 0)
				continue;
			r = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
			if (r > 0)
				got += r;
		}
		printf("sink %ld %.0f\n", got, got / (now() - start));
		return 0;
	}
	usage();
	return 2;
}
