// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * np-tcp - SIP-over-TCP clients for natport's tests: the byte patterns a
 * phone, a careless stack or an attacker sends on a stream.
 *
 *   np-tcp -d DEST:PORT [-n CONNS] [-c CHUNK] [-g GAP_MS] [-t WAIT_MS]
 *          [-x] [-q] < PAYLOAD
 *
 * Opens CONNS connections (default 1) to DEST, sends PAYLOAD (stdin, may
 * be empty) on each in CHUNK-octet writes (default: one write) with
 * GAP_MS between them, then waits WAIT_MS (default 2000) reading. What
 * the first connection received goes to stdout as it came, unless -q.
 * -x: stop waiting as soon as every connection is closed by the peer.
 * On stderr, last: "open=K closed=M refused=R after=MS", connections still
 * open at the end, closed by the peer (EOF or reset), refused at connect.
 * The exit status is 0 unless something could not be set up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 20000
#define MAX_PAYLOAD (1 << 20)

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int parse(const char *s, struct sockaddr_storage *ss, socklen_t *sl)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	char buf[64], *colon;

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
		*sl = sizeof(*sin6);
		return inet_pton(AF_INET6, buf + 1, &sin6->sin6_addr) == 1 ? 0 :
									     -1;
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons(atoi(colon + 1));
	*sl = sizeof(*sin);
	return inet_pton(AF_INET, buf, &sin->sin_addr) == 1 ? 0 : -1;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage dst;
	socklen_t dl = 0;
	struct rlimit rl;
	struct pollfd *pfd;
	char *payload, buf[65536];
	size_t plen = 0, chunk = 0;
	int n = 1, gap = 0, wait = 2000, quiet = 0, early = 0, have_dst = 0;
	int open_n, closed = 0, refused = 0, opt;
	double t0;
	ssize_t r;

	while ((opt = getopt(argc, argv, "d:n:c:g:t:xq")) != -1) {
		switch (opt) {
		case 'd':
			if (parse(optarg, &dst, &dl)) {
				fprintf(stderr, "np-tcp: bad address %s\n",
					optarg);
				return 2;
			}
			have_dst = 1;
			break;
		case 'n':
			n = atoi(optarg);
			break;
		case 'c':
			chunk = (size_t)atol(optarg);
			break;
		case 'g':
			gap = atoi(optarg);
			break;
		case 't':
			wait = atoi(optarg);
			break;
		case 'x':
			early = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			return 2;
		}
	}
	if (!have_dst || n < 1 || n > MAX_CONNS) {
		fprintf(stderr,
			"usage: np-tcp -d DEST:PORT [-n CONNS] "
			"[-c CHUNK] [-g GAP_MS] [-t WAIT_MS] [-x] [-q]\n");
		return 2;
	}
	/* room for the connections */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < (rlim_t)n + 64) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	payload = malloc(MAX_PAYLOAD);
	pfd = calloc((size_t)n, sizeof(*pfd));
	if (!payload || !pfd)
		return 1;
	while (!isatty(0) && plen < MAX_PAYLOAD &&
	       (r = read(0, payload + plen, MAX_PAYLOAD - plen)) > 0)
		plen += (size_t)r;
	if (!chunk || chunk > plen)
		chunk = plen;

	for (int i = 0; i < n; i++) {
		int fd = socket(dst.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			perror("np-tcp: socket");
			return 1;
		}
		if (connect(fd, (struct sockaddr *)&dst, dl) < 0) {
			refused++;
			close(fd);
			pfd[i].fd = -1;
			continue;
		}
		pfd[i].fd = fd;
		pfd[i].events = POLLIN;
	}
	for (size_t off = 0; off < plen; off += chunk) {
		size_t len = plen - off < chunk ? plen - off : chunk;

		for (int i = 0; i < n; i++)
			if (pfd[i].fd >= 0 && send(pfd[i].fd, payload + off,
						   len, MSG_NOSIGNAL) < 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				closed++;
			}
		if (gap && off + len < plen)
			sleep_ms(gap);
	}
	t0 = now_ms();
	for (;;) {
		double left = wait - (now_ms() - t0);
		int live = 0;

		for (int i = 0; i < n; i++)
			live += pfd[i].fd >= 0;
		if (left <= 0 || (early && !live))
			break;
		if (poll(pfd, (nfds_t)n, (int)left + 1) < 0) {
			if (errno == EINTR)
				continue;
			perror("np-tcp: poll");
			return 1;
		}
		for (int i = 0; i < n; i++) {
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			r = recv(pfd[i].fd, buf, sizeof(buf), 0);
			if (r > 0) {
				if (i == 0 && !quiet)
					fwrite(buf, 1, (size_t)r, stdout);
				continue;
			}
			close(pfd[i].fd);
			pfd[i].fd = -1;
			closed++;
		}
	}
	fflush(stdout);
	open_n = 0;
	for (int i = 0; i < n; i++)
		if (pfd[i].fd >= 0) {
			open_n++;
			close(pfd[i].fd);
		}
	fprintf(stderr, "open=%d closed=%d refused=%d after=%.0f\n", open_n,
		closed, refused, now_ms() - t0);
	free(payload);
	free(pfd);
	return 0;
}
