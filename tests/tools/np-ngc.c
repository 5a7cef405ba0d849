// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * np-ngc.c - a tiny rtpengine "ng" client for tests: sends one datagram
 * (a file's bytes, as the modules would) to an ng server and prints what
 * comes back.
 *
 *   np-ngc [-s ADDR:PORT] [-b ADDR] [-t MS] [-n TIMES] [-k KEY] FILE|-
 *
 * -s  the server (default 127.0.0.1:2223)
 * -b  send from this address (a source ng-allow may refuse)
 * -t  wait this long for each reply (default 2000)
 * -n  send the same bytes TIMES times (a retransmission), one reply each
 * -k  print only the string or integer under KEY of the reply's dict
 *     (the first reply), with no newline added; else the raw reply bytes
 *     of every try, one per line
 * Exit 0 when every try got a reply, 3 when one did not, 1 when -k's key
 * is missing, 2 on usage.
 *
 * It compiles natport's bencode codec in, as np-ng does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../userspace/daemon/ng/bencode.c"

static int parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *sl)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(s, ':');
	long port;
	size_t n;

	if (!colon)
		return -1;
	n = (size_t)(colon - s);
	if (s[0] == '[' && n >= 2 && s[n - 1] == ']') {
		s++;
		n -= 2;
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
		a4->sin_port = htons((uint16_t)port);
		*sl = sizeof(*a4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*sl = sizeof(*a6);
		return 0;
	}
	return -1;
}

static int print_key(const char *r, size_t len, const char *key)
{
	static struct natport_benc_node nodes[4096];
	struct natport_benc_doc doc = { .nodes = nodes, .cap = 4096 };
	const struct natport_benc_node *v;
	const char *sp = memchr(r, ' ', len);
	char err[128];

	if (!sp || natport_benc_decode(&doc, sp + 1, len - (size_t)(sp + 1 - r),
				       NULL, err, sizeof(err)))
		return 1;
	v = natport_benc_dict_get(&doc, 0, key, strlen(key));
	if (!v)
		return 1;
	if (v->type == NATPORT_BENC_INT)
		printf("%lld", (long long)v->i);
	else if (v->type == NATPORT_BENC_STR)
		fwrite(v->s, 1, v->len, stdout);
	else
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	static char buf[65536], reply[65536];
	const char *server = "127.0.0.1:2223", *key = NULL, *from = NULL;
	struct sockaddr_storage bs;
	socklen_t bl;
	struct sockaddr_storage ss;
	long wait_ms = 2000, times = 1;
	size_t len = 0;
	socklen_t sl;
	int fd, opt, rc = 0;
	FILE *f;

	while ((opt = getopt(argc, argv, "s:b:t:n:k:")) != -1) {
		switch (opt) {
		case 's':
			server = optarg;
			break;
		case 'b':
			from = optarg;
			break;
		case 't':
			wait_ms = strtol(optarg, NULL, 10);
			break;
		case 'n':
			times = strtol(optarg, NULL, 10);
			break;
		case 'k':
			key = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind + 1 != argc || parse_addr(server, &ss, &sl) || times < 1)
		goto usage;
	f = strcmp(argv[optind], "-") ? fopen(argv[optind], "rb") : stdin;
	if (!f) {
		perror(argv[optind]);
		return 2;
	}
	len = fread(buf, 1, sizeof(buf), f);
	if (f != stdin)
		fclose(f);
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (from) {
		/* port 0 is refused by parse_addr: bind any port */
		if (parse_addr(strchr(from, ':') ? "[::1]:1" : "127.0.0.1:1",
			       &bs, &bl))
			goto usage;
		if (inet_pton(bs.ss_family, from,
			      bs.ss_family == AF_INET ?
				      (void *)&((struct sockaddr_in *)&bs)
					      ->sin_addr :
				      (void *)&((struct sockaddr_in6 *)&bs)
					      ->sin6_addr) != 1)
			goto usage;
		((struct sockaddr_in *)&bs)->sin_port = 0;
		if (bind(fd, (struct sockaddr *)&bs, bl)) {
			perror("np-ngc: bind");
			return 2;
		}
	}
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, sl)) {
		perror("np-ngc: socket");
		return 2;
	}
	for (long t = 0; t < times; t++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (send(fd, buf, len, 0) < 0) {
			perror("np-ngc: send");
			return 3;
		}
		if (poll(&p, 1, (int)wait_ms) != 1 ||
		    (n = recv(fd, reply, sizeof(reply), 0)) < 0) {
			rc = 3;
			continue;
		}
		if (key) {
			if (!t && print_key(reply, (size_t)n, key))
				rc = rc ? rc : 1;
		} else {
			fwrite(reply, 1, (size_t)n, stdout);
			putchar('\n');
		}
	}
	fflush(stdout);
	return rc;
usage:
	fprintf(stderr,
		"usage: np-ngc [-s ADDR:PORT] [-b ADDR] [-t MS] [-n TIMES] "
		"[-k KEY] FILE|-\n");
	return 2;
}
