// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * np-ctlraw.c - a misbehaving control client for the tests: speaks the
 * control protocol (natport/control.h) wrongly on purpose, or not at all.
 *
 *   np-ctlraw SOCKET big BYTES      a request whose header announces BYTES
 *                                   and that sends them; prints the reply
 *   np-ctlraw SOCKET badmagic       12 bytes that are not a header
 *   np-ctlraw SOCKET badversion     a header of protocol version 99
 *   np-ctlraw SOCKET badargs        arguments without their NUL
 *   np-ctlraw SOCKET cmd N          command number N, no arguments
 *   np-ctlraw SOCKET idle SECS      connect, send nothing; prints
 *                                   "closed MS" when the daemon hangs up,
 *                                   "open" if it did not within SECS
 *   np-ctlraw SOCKET hold N SECS    N connections that send nothing,
 *                                   held SECS; prints "held N" once all
 *                                   are connected
 *   np-ctlraw SOCKET noread SECS CMD   send command CMD, never read, stay
 *                                   connected for SECS (prints "sent")
 *   np-ctlraw SOCKET flood N        N mappings-add/del pairs, as fast as
 *                                   the daemon answers (events for
 *                                   watchers); prints "ok N"
 *
 * Replies are printed as "done STATUS MESSAGE" (the first DONE) or
 * "eof" when the connection closed without one.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <natport/control.h>

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("connect");
		exit(1);
	}
	return fd;
}

static void hdr(uint8_t *b, uint32_t magic, uint16_t version, uint16_t type,
		uint32_t len)
{
	struct natport_ctl_hdr h = { magic, version, type, len };

	memcpy(b, &h, NATPORT_CTL_HDR_LEN);
}

/* Send what the socket takes; the daemon may hang up early. */
static void send_some(int fd, const void *p, size_t n)
{
	size_t off = 0;

	while (off < n) {
		ssize_t r =
			send(fd, (const char *)p + off, n - off, MSG_NOSIGNAL);

		if (r <= 0)
			return;
		off += (size_t)r;
	}
}

static int read_n(int fd, void *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&pf, 1, 10000) <= 0)
			return -1;
		r = recv(fd, (char *)p + got, n - got, 0);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* Skip records; print the DONE. Returns its status, -1 on EOF. */
static int print_done(int fd, int quiet)
{
	static uint8_t buf[NATPORT_CTL_HDR_LEN + NATPORT_CTL_MSG_MAX];
	struct natport_ctl_hdr h;
	char msg[NATPORT_CTL_ARG_MAX + 1];
	int32_t st;

	for (;;) {
		if (read_n(fd, buf, NATPORT_CTL_HDR_LEN) ||
		    natport_ctl_hdr_parse(buf, NATPORT_CTL_HDR_LEN,
					  NATPORT_CTL_MSG_MAX, &h) ||
		    read_n(fd, buf + NATPORT_CTL_HDR_LEN, h.len)) {
			if (!quiet)
				printf("eof\n");
			return -1;
		}
		if (h.type != NATPORT_CTL_MSG_DONE)
			continue;
		if (natport_ctl_done_parse(buf + NATPORT_CTL_HDR_LEN, h.len,
					   &st, msg, sizeof(msg))) {
			printf("bad done\n");
			return -1;
		}
		if (!quiet)
			printf("done %d %s\n", st, msg);
		return st;
	}
}

static long request(uint8_t *b, size_t cap, int cmd, int argc, char **argv)
{
	struct natport_ctl_msg_buf mb;

	natport_ctl_msg_begin(&mb, b, cap, (uint16_t)cmd);
	for (int i = 0; i < argc; i++)
		natport_ctl_put_arg(&mb, argv[i]);
	return natport_ctl_msg_end(&mb);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	uint8_t b[NATPORT_CTL_HDR_LEN + NATPORT_CTL_REQ_MAX];
	const char *mode;
	int fd;

	if (argc < 3) {
		fprintf(stderr, "usage: np-ctlraw SOCKET MODE [ARGS]\n");
		return 2;
	}
	mode = argv[2];
	fd = connect_to(argv[1]);
	if (!strcmp(mode, "big") && argc == 4) {
		size_t n = strtoul(argv[3], NULL, 10);
		char *p = malloc(n);

		memset(p, 'x', n);
		hdr(b, NATPORT_CTL_MAGIC, NATPORT_CTL_VERSION,
		    NATPORT_CTL_CMD_MAPPINGS_ADD, (uint32_t)n);
		send_some(fd, b, NATPORT_CTL_HDR_LEN);
		send_some(fd, p, n);
		free(p);
	} else if (!strcmp(mode, "badmagic")) {
		send_some(fd, "GET / HTTP/1.0\r\n\r\n", 18);
	} else if (!strcmp(mode, "badversion")) {
		hdr(b, NATPORT_CTL_MAGIC, 99, NATPORT_CTL_CMD_STATS, 0);
		send_some(fd, b, NATPORT_CTL_HDR_LEN);
	} else if (!strcmp(mode, "badargs")) {
		hdr(b, NATPORT_CTL_MAGIC, NATPORT_CTL_VERSION,
		    NATPORT_CTL_CMD_MAPPINGS_DEL, 4);
		memcpy(b + NATPORT_CTL_HDR_LEN, "1\n\x01z", 4);
		send_some(fd, b, NATPORT_CTL_HDR_LEN + 4);
	} else if (!strcmp(mode, "cmd") && argc == 4) {
		hdr(b, NATPORT_CTL_MAGIC, NATPORT_CTL_VERSION,
		    (uint16_t)atoi(argv[3]), 0);
		send_some(fd, b, NATPORT_CTL_HDR_LEN);
	} else if (!strcmp(mode, "idle") && argc == 4) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		uint64_t t0 = mono_ms();
		char c;

		if (poll(&pf, 1, atoi(argv[3]) * 1000) == 1 &&
		    recv(fd, &c, 1, 0) <= 0)
			printf("closed %llu\n",
			       (unsigned long long)(mono_ms() - t0));
		else
			printf("open\n");
		return 0;
	} else if (!strcmp(mode, "hold") && argc == 5) {
		int n = atoi(argv[3]);

		for (int i = 1; i < n; i++)
			connect_to(argv[1]);
		printf("held %d\n", n);
		fflush(stdout);
		sleep((unsigned int)atoi(argv[4]));
		return 0;
	} else if (!strcmp(mode, "noread") && argc == 5) {
		long n = request(b, sizeof(b), atoi(argv[4]), 0, NULL);

		send_some(fd, b, (size_t)n);
		printf("sent\n");
		fflush(stdout);
		sleep((unsigned int)atoi(argv[3]));
		return 0;
	} else if (!strcmp(mode, "flood") && argc == 4) {
		char *add[] = { "data", "192.0.2.11:9100" }, *del[1];
		char id[24];
		int n = atoi(argv[3]), i;

		close(fd);
		for (i = 0; i < n; i++) {
			static uint8_t
				rb[NATPORT_CTL_HDR_LEN + NATPORT_CTL_MSG_MAX];
			struct natport_ctl_hdr h;
			struct natport_ctl_field f;
			size_t off = 0;
			long len;

			fd = connect_to(argv[1]);
			len = request(b, sizeof(b),
				      NATPORT_CTL_CMD_MAPPINGS_ADD, 2, add);
			send_some(fd, b, (size_t)len);
			/* the record first: its id */
			if (read_n(fd, rb, NATPORT_CTL_HDR_LEN) ||
			    natport_ctl_hdr_parse(rb, NATPORT_CTL_HDR_LEN,
						  NATPORT_CTL_MSG_MAX, &h) ||
			    h.type != NATPORT_CTL_MSG_RECORD ||
			    read_n(fd, rb + NATPORT_CTL_HDR_LEN, h.len) ||
			    natport_ctl_field_next(rb + NATPORT_CTL_HDR_LEN,
						   h.len, &off, &f) != 1)
				break;
			print_done(fd, 1);
			close(fd);
			snprintf(id, sizeof(id), "%llu",
				 (unsigned long long)f.u64);
			del[0] = id;
			fd = connect_to(argv[1]);
			len = request(b, sizeof(b),
				      NATPORT_CTL_CMD_MAPPINGS_DEL, 1, del);
			send_some(fd, b, (size_t)len);
			if (print_done(fd, 1))
				break;
			close(fd);
		}
		printf("ok %d\n", i);
		return i == n ? 0 : 1;
	} else {
		fprintf(stderr, "np-ctlraw: bad mode\n");
		return 2;
	}
	print_done(fd, 0);
	return 0;
}
