// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_rtp - many RTP-sized UDP streams at a fixed rate each, sent and
 * received by one process, for the media benchmarks: concurrent calls at
 * 50 packets/s, and one stream ramped until it loses packets.
 *
 *   bench_rtp -t SECONDS -r PPS [-s SIZE] [-w DRAIN_MS] [-S UNIX_TIME]
 *             < STREAMS
 *
 * STREAMS: one "LOCAL_IP:PORT DEST_IP:PORT" line per stream ("-" as DEST
 * only receives). Streams sharing a local address share its socket, as a
 * phone's RTP socket would. Each stream sends PPS packets/s for SECONDS,
 * its start offset spread over one interval so the streams do not send in
 * lockstep; every socket counts what it receives until DRAIN_MS (default
 * 500) after the last send. With -S, sending starts at that wall-clock
 * time (after every socket is bound), so the two ends of a benchmark start
 * together and neither loses the other's first packets to an unbound
 * port. Prints one line:
 *   streams=N sockets=N sent=N received=N
 * The receive side of a flow is the other instance (the far end's
 * namespace), so loss is 1 - received(B) / sent(A), summed both ways.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_STREAMS 8192
#define BATCH 64

struct stream {
	int sock;			/* index into socks[] */
	struct sockaddr_in dest;
	int has_dest;
	double offset;			/* s after start of the first send */
	unsigned long sent;
};

struct sock {
	struct sockaddr_in local;
	int fd;
};

static struct stream streams[MAX_STREAMS];
static struct sock socks[MAX_STREAMS];
static int nstreams, nsocks;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_addr(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');

	if (!colon || colon - s >= (long)sizeof(host))
		return -1;
	memcpy(host, s, colon - s);
	host[colon - s] = 0;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(atoi(colon + 1));
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

/* The socket bound to LOCAL, made on first use. */
static int sock_get(const struct sockaddr_in *local)
{
	int i, fd, sz = 4 << 20;

	for (i = 0; i < nsocks; i++)
		if (socks[i].local.sin_port == local->sin_port &&
		    socks[i].local.sin_addr.s_addr == local->sin_addr.s_addr)
			return i;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	/* a receiver that cannot keep up must show as loss in the kernel,
	 * not in a small default buffer */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (bind(fd, (const struct sockaddr *)local, sizeof(*local)) < 0) {
		close(fd);
		return -1;
	}
	socks[nsocks].local = *local;
	socks[nsocks].fd = fd;
	return nsocks++;
}

static unsigned long drain(int fd)
{
	static char bufs[BATCH][2048];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	unsigned long got = 0;
	int i, n;

	for (;;) {
		for (i = 0; i < BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof(bufs[i]);
			memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return got;
		got += n;
	}
}

/* Send up to N packets of one stream in sendmmsg batches; returns sent. */
static unsigned long send_n(struct stream *s, unsigned long n, char *pkt,
			    size_t size)
{
	struct mmsghdr msgs[BATCH];
	struct iovec iov = { .iov_base = pkt, .iov_len = size };
	unsigned long done = 0;
	int i, k, r;

	while (done < n) {
		k = n - done > BATCH ? BATCH : n - done;
		for (i = 0; i < k; i++) {
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].msg_hdr.msg_iov = &iov;
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &s->dest;
			msgs[i].msg_hdr.msg_namelen = sizeof(s->dest);
		}
		/* RTP header: version 2, PT 8, a sequence number */
		pkt[0] = (char)0x80;
		pkt[1] = 8;
		pkt[2] = (s->sent + done) >> 8;
		pkt[3] = (s->sent + done) & 0xff;
		r = sendmmsg(socks[s->sock].fd, msgs, k, 0);
		if (r <= 0)
			break; /* full send buffer: the packet is lost, as it
				* would be for a phone */
		done += r;
	}
	return done;
}

int main(int argc, char **argv)
{
	double secs = 0, pps = 0, start_at = 0, t0, t, end, interval;
	unsigned long sent = 0, received = 0, due;
	int opt, i, n, ep, drain_ms = 500;
	char line[256], a[128], b[128];
	struct epoll_event ev, evs[256];
	size_t size = 172;
	static char pkt[2048];

	while ((opt = getopt(argc, argv, "t:r:s:w:S:")) != -1) {
		switch (opt) {
		case 't': secs = atof(optarg); break;
		case 'r': pps = atof(optarg); break;
		case 's': size = atoi(optarg); break;
		case 'w': drain_ms = atoi(optarg); break;
		case 'S': start_at = atof(optarg); break;
		default: goto usage;
		}
	}
	if (secs <= 0 || pps <= 0 || size < 12 || size > sizeof(pkt))
		goto usage;
	interval = 1 / pps;
	ep = epoll_create1(0);
	while (fgets(line, sizeof(line), stdin) && nstreams < MAX_STREAMS) {
		struct sockaddr_in local;
		struct stream *s = &streams[nstreams];

		if (sscanf(line, "%127s %127s", a, b) != 2)
			continue;
		if (parse_addr(a, &local) < 0) {
			fprintf(stderr, "bench_rtp: bad address %s\n", a);
			return 2;
		}
		n = nsocks;
		s->sock = sock_get(&local);
		if (s->sock < 0) {
			fprintf(stderr, "bench_rtp: bind %s: %s\n", a,
				strerror(errno));
			return 1;
		}
		if (s->sock == n) {
			ev.events = EPOLLIN;
			ev.data.u32 = n;
			epoll_ctl(ep, EPOLL_CTL_ADD, socks[n].fd, &ev);
		}
		s->has_dest = strcmp(b, "-") != 0;
		if (s->has_dest && parse_addr(b, &s->dest) < 0) {
			fprintf(stderr, "bench_rtp: bad address %s\n", b);
			return 2;
		}
		nstreams++;
	}
	for (i = 0; i < nstreams; i++)
		streams[i].offset = interval * i / nstreams;

	if (start_at > 0) {
		struct timespec ts = { .tv_sec = (time_t)start_at };

		ts.tv_nsec = (long)((start_at - ts.tv_sec) * 1e9);
		while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts,
				       NULL) == EINTR)
			;
	}
	t0 = now();
	end = t0 + secs;
	for (;;) {
		t = now();
		if (t < end) {
			for (i = 0; i < nstreams; i++) {
				struct stream *s = &streams[i];
				double el = t - t0 - s->offset;

				if (!s->has_dest || el < 0)
					continue;
				due = (unsigned long)(el * pps) + 1;
				if (due > (unsigned long)(secs * pps))
					due = secs * pps;
				if (due > s->sent) {
					/* what the socket refused counts as
					 * sent: it is lost, as for a phone */
					send_n(s, due - s->sent, pkt, size);
					s->sent = due;
				}
			}
		} else if (t > end + drain_ms / 1000.0) {
			break;
		}
		n = epoll_wait(ep, evs, 256, 1);
		for (i = 0; i < n; i++)
			received += drain(socks[evs[i].data.u32].fd);
	}
	sent = 0;
	for (i = 0; i < nstreams; i++)
		sent += streams[i].sent;
	printf("streams=%d sockets=%d sent=%lu received=%lu\n", nstreams,
	       nsocks, sent, received);
	return 0;
usage:
	fprintf(stderr, "usage: bench_rtp -t SECONDS -r PPS [-s SIZE] "
		"[-w DRAIN_MS] [-S UNIX_TIME] < STREAMS\n");
	return 2;
}
