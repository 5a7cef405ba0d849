// SPDX-License-Identifier: GPL-2.0-or-later
/* client.c - one request to nat-portd's control socket, its replies. */
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

#include "nat-portctl.h"

#define CONNECT_TIMEOUT_MS 3000
#define REPLY_TIMEOUT_MS 10000

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A UNIX stream connect fails with EAGAIN while the listener's backlog
 * is full (a stalled daemon): retry until the timeout, never hang. */
static int connect_daemon(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint64_t end = mono_ms() + CONNECT_TIMEOUT_MS;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "nat-portctl: %s: socket path too long\n",
			path);
		return -EXIT_USAGE;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "nat-portctl: socket: %s\n", strerror(errno));
		return -EXIT_ERROR;
	}
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (errno == EAGAIN && mono_ms() < end) {
			usleep(20000);
			continue;
		}
		if (errno == EINTR)
			continue;
		switch (errno) {
		case ENOENT:
		case ECONNREFUSED:
			fprintf(stderr,
				"nat-portctl: nat-portd is not running (%s: "
				"%s)\n",
				path, strerror(errno));
			break;
		case EAGAIN:
			fprintf(stderr,
				"nat-portctl: nat-portd is not answering (%s: "
				"no connection within %d ms)\n",
				path, CONNECT_TIMEOUT_MS);
			break;
		case EACCES:
			fprintf(stderr,
				"nat-portctl: %s: %s (members of group natport "
				"may connect)\n",
				path, strerror(errno));
			close(fd);
			return -EXIT_ERROR;
		default:
			fprintf(stderr, "nat-portctl: connect %s: %s\n", path,
				strerror(errno));
			close(fd);
			return -EXIT_ERROR;
		}
		close(fd);
		return -EXIT_NODAEMON;
	}
	return fd;
}

/* Read exactly n bytes; 1 done, 0 EOF at the start, -1 error or timeout
 * (timeout_ms < 0: wait for ever). */
static int read_full(int fd, void *buf, size_t n, int timeout_ms)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;
		int pr = poll(&p, 1, timeout_ms);

		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (pr < 0)
			return -1;
		r = recv(fd, (char *)buf + got, n - got, 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			if (!got)
				return 0;
			errno = EPROTO;
			return -1;
		}
		got += (size_t)r;
	}
	return 1;
}

static int send_all(int fd, const void *buf, size_t n)
{
	size_t off = 0;

	while (off < n) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		ssize_t r = send(fd, (const char *)buf + off, n - off,
				 MSG_NOSIGNAL);

		if (r < 0 && errno == EAGAIN) {
			if (poll(&p, 1, REPLY_TIMEOUT_MS) <= 0)
				return -1;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		off += (size_t)r;
	}
	return 0;
}

int ctl_run(int cmd, int argc, char **argv, ctl_record_fn fn, void *arg)
{
	static uint8_t buf[NATPORT_CTL_HDR_LEN + NATPORT_CTL_MSG_MAX];
	const char *name = natport_ctl_cmd_name(cmd);
	struct natport_ctl_msg_buf mb;
	struct natport_ctl_hdr h;
	int fd, r, done = 0, timeout = REPLY_TIMEOUT_MS, send_err = 0;
	long len;

	natport_ctl_msg_begin(&mb, buf, sizeof(buf), (uint16_t)cmd);
	for (int i = 0; i < argc; i++)
		natport_ctl_put_arg(&mb, argv[i]);
	len = natport_ctl_msg_end(&mb);
	if (len < 0 || len > NATPORT_CTL_HDR_LEN + NATPORT_CTL_REQ_MAX) {
		fprintf(stderr,
			"nat-portctl: %s: arguments too long or not printable\n",
			name);
		return EXIT_USAGE;
	}
	fd = connect_daemon(opt_socket);
	if (fd < 0)
		return -fd;
	/* A daemon that refuses us (too many clients) answers and closes at
	 * once, so the send may fail with EPIPE while the refusal waits to
	 * be read: read it before reporting the send error. */
	if (send_all(fd, buf, (size_t)len)) {
		send_err = errno;
		if (send_err != EPIPE && send_err != ECONNRESET) {
			fprintf(stderr,
				"nat-portctl: %s: sending the request: %s\n",
				name, strerror(send_err));
			close(fd);
			return EXIT_ERROR;
		}
	}
	for (;;) {
		r = read_full(fd, buf, NATPORT_CTL_HDR_LEN, timeout);
		if (r == 0 && done) /* a watch ended by the daemon */
			break;
		if ((r == 0 || (r < 0 && errno == ECONNRESET)) && send_err) {
			fprintf(stderr,
				"nat-portctl: %s: sending the request: %s\n",
				name, strerror(send_err));
			close(fd);
			return EXIT_ERROR;
		}
		if (r == 0) {
			fprintf(stderr,
				"nat-portctl: %s: nat-portd closed the "
				"connection without an answer\n",
				name);
			close(fd);
			return EXIT_ERROR;
		}
		if (r < 0)
			goto err_read;
		r = natport_ctl_hdr_parse(buf, NATPORT_CTL_HDR_LEN,
					  NATPORT_CTL_MSG_MAX, &h);
		if (r) {
			fprintf(stderr,
				"nat-portctl: %s: bad reply from nat-portd: %s "
				"(version %u, this tool speaks %u)\n",
				name, strerror(-r), h.version,
				NATPORT_CTL_VERSION);
			close(fd);
			return EXIT_ERROR;
		}
		r = read_full(fd, buf + NATPORT_CTL_HDR_LEN, h.len, timeout);
		if (r <= 0 && h.len)
			goto err_read;
		if (h.type == NATPORT_CTL_MSG_DONE) {
			char msg[NATPORT_CTL_ARG_MAX + 1];
			int32_t status;

			if (natport_ctl_done_parse(buf + NATPORT_CTL_HDR_LEN,
						   h.len, &status, msg,
						   sizeof(msg)))
				goto err_bad;
			if (status) {
				fprintf(stderr, "nat-portctl: %s: %s%s%s\n",
					name, natport_ctl_strerror(status),
					msg[0] ? ": " : "", msg);
				close(fd);
				if (status == NATPORT_CTL_E_DENIED)
					return EXIT_DENIED;
				return status == NATPORT_CTL_E_BUSY ?
					       EXIT_NODAEMON :
					       EXIT_ERROR;
			}
			if (msg[0])
				fprintf(stderr, "%s\n", msg);
			if (cmd != NATPORT_CTL_CMD_WATCH)
				break;
			done = 1;
			timeout = -1;
			continue;
		}
		if (h.type != NATPORT_CTL_MSG_RECORD ||
		    natport_ctl_record_check(buf + NATPORT_CTL_HDR_LEN, h.len))
			goto err_bad;
		fn(buf + NATPORT_CTL_HDR_LEN, h.len, arg);
	}
	close(fd);
	return EXIT_OK;

err_bad:
	fprintf(stderr, "nat-portctl: %s: malformed reply from nat-portd\n",
		name);
	close(fd);
	return EXIT_ERROR;
err_read:
	r = errno;
	if (r == ETIMEDOUT)
		fprintf(stderr,
			"nat-portctl: %s: nat-portd is not answering (no reply "
			"within %d ms)\n",
			name, REPLY_TIMEOUT_MS);
	else
		fprintf(stderr, "nat-portctl: %s: reading the reply: %s\n",
			name, strerror(r));
	close(fd);
	return r == ETIMEDOUT ? EXIT_NODAEMON : EXIT_ERROR;
}
