// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * np-ng.c - a tiny rtpengine "ng" responder for tests: it answers what a
 * Kamailio or OpenSIPS rtpengine module sends, saves each request's exact
 * bytes, and checks each against natport's own ng codec.
 *
 *   np-ng [-l ADDR:PORT] [-d DIR] [-n COUNT] [-t SECONDS]
 *
 * -l  where to listen (default 127.0.0.1:22222; IPv6 as [ADDR]:PORT)
 * -d  save request N as DIR/NNN-<command>.ng (the datagram as received)
 * -n  exit after COUNT requests; -t  exit after SECONDS (default 60)
 *
 * Replies: ping -> pong; offer/answer -> ok with the SDP unchanged (this
 * is no media relay); delete, query, list -> ok; what natport's codec
 * refuses -> error with its reason. One line per request on stdout:
 * "<n> <cookie> <command> ok|error: <reason> [unknown: a b ...]".
 * Exit 0 when every request parsed, 1 when one did not, 2 on usage.
 *
 * It compiles natport's codec in (bencode.c, ngmsg.c) because the test
 * tools are one file each; the codec has no other dependency.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../userspace/daemon/ng/bencode.c"
#include "../../userspace/daemon/ng/ngmsg.c"

static int parse_listen(const char *s, struct sockaddr_storage *ss,
			socklen_t *sl)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon;
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	long port;
	size_t n;

	if (s[0] == '[') {
		colon = strstr(s, "]:");
		if (!colon)
			return -1;
		n = colon - s - 1;
		colon++;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		n = colon - s;
	}
	if (n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	port = strtol(colon + 1, NULL, 10);
	if (port <= 0 || port > 65535)
		return -1;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		*sl = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		*sl = sizeof(*a6);
		return 0;
	}
	return -1;
}

static void save(const char *dir, unsigned int n,
		 const struct natport_ng_str *cmd, const char *buf, size_t len)
{
	char path[4096], name[40];
	size_t i;
	FILE *f;

	for (i = 0; cmd->p && i < cmd->len && i < sizeof(name) - 1; i++)
		name[i] =
			(cmd->p[i] >= 'a' && cmd->p[i] <= 'z') ||
					(cmd->p[i] >= 'A' && cmd->p[i] <= 'Z') ?
				cmd->p[i] :
				'_';
	name[i] = '\0';
	snprintf(path, sizeof(path), "%s/%03u-%s.ng", dir, n,
		 i ? name : "unknown");
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "np-ng: %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	static struct natport_benc_node nodes[NATPORT_NG_NODES];
	static char buf[NATPORT_NG_DGRAM_MAX + 1], out[NATPORT_NG_DGRAM_MAX];
	const char *listen_at = "127.0.0.1:22222", *dir = NULL;
	struct sockaddr_storage ss, peer;
	socklen_t sl, pl;
	long count = 0, secs = 60;
	unsigned int n = 0, i;
	int fd, opt, failed = 0;
	time_t deadline;

	while ((opt = getopt(argc, argv, "l:d:n:t:")) != -1) {
		switch (opt) {
		case 'l':
			listen_at = optarg;
			break;
		case 'd':
			dir = optarg;
			break;
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		case 't':
			secs = strtol(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: np-ng [-l ADDR:PORT] [-d DIR] "
					"[-n COUNT] [-t SECONDS]\n");
			return 2;
		}
	}
	if (parse_listen(listen_at, &ss, &sl)) {
		fprintf(stderr, "np-ng: bad listen address %s\n", listen_at);
		return 2;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl)) {
		fprintf(stderr, "np-ng: %s: %s\n", listen_at, strerror(errno));
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	deadline = time(NULL) + secs;
	while (!count || n < count) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		struct natport_ng_req req;
		char reason[256];
		ssize_t len, olen;
		int r, left = (int)(deadline - time(NULL));

		if (left <= 0)
			break;
		if (poll(&p, 1, left * 1000) <= 0)
			continue;
		pl = sizeof(peer);
		len = recvfrom(fd, buf, sizeof(buf) - 1, 0,
			       (struct sockaddr *)&peer, &pl);
		if (len < 0)
			continue;
		n++;
		r = natport_ng_parse(&req, buf, len, nodes, NATPORT_NG_NODES,
				     reason, sizeof(reason));
		if (dir)
			save(dir, n, &req.command, buf, len);
		if (r == NATPORT_NG_NOREPLY) {
			printf("%u - - noreply\n", n);
			failed = 1;
			continue;
		}
		printf("%u %.*s %.*s ", n, (int)req.cookie.len, req.cookie.p,
		       (int)req.command.len,
		       req.command.p ? req.command.p : "-");
		if (r == NATPORT_NG_ERROR) {
			printf("error: %s\n", reason);
			failed = 1;
			olen = natport_ng_reply_error(out, sizeof(out),
						      &req.cookie, reason);
		} else {
			printf("ok");
			if (req.n_unknown)
				printf(" unknown:");
			for (i = 0; i < req.n_unknown; i++)
				printf(" %.*s", (int)req.unknown[i].len,
				       req.unknown[i].p);
			printf("\n");
			if (req.cmd == NATPORT_NG_PING)
				olen = natport_ng_reply_pong(out, sizeof(out),
							     &req.cookie);
			else if (req.sdp.p)
				olen = natport_ng_reply_sdp(
					out, sizeof(out), &req.cookie,
					req.sdp.p, req.sdp.len, NULL);
			else
				olen = natport_ng_reply_ok(out, sizeof(out),
							   &req.cookie, NULL);
		}
		if (olen > 0)
			sendto(fd, out, olen, 0, (struct sockaddr *)&peer, pl);
	}
	close(fd);
	return failed;
}
