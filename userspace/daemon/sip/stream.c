// SPDX-License-Identifier: GPL-2.0-or-later
/* stream.c - the plain TCP stream: read()/write() on a connected socket. */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sip/stream.h"

static int plain_handshake(struct natport_sip_stream *s, int *want)
{
	(void)s;
	*want = 0;
	return 0; /* nothing above TCP to set up */
}

static ssize_t plain_read(struct natport_sip_stream *s, void *buf, size_t len,
			  int *want)
{
	ssize_t n = recv(s->fd, buf, len, 0);

	*want = 0;
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		*want = NATPORT_STREAM_WANT_READ;
		return -EAGAIN;
	}
	return -errno;
}

static ssize_t plain_write(struct natport_sip_stream *s, const void *buf,
			   size_t len, int *want)
{
	/* MSG_NOSIGNAL: a peer that reset the connection is an error
	 * return, not a SIGPIPE that would stop the daemon */
	ssize_t n = send(s->fd, buf, len, MSG_NOSIGNAL);

	*want = 0;
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		*want = NATPORT_STREAM_WANT_WRITE;
		return -EAGAIN;
	}
	return -errno;
}

static void plain_free(struct natport_sip_stream *s)
{
	free(s);
}

static const struct natport_sip_stream_ops plain_ops = {
	.proto = "TCP",
	.handshake = plain_handshake,
	.read = plain_read,
	.write = plain_write,
	.free = plain_free,
};

struct natport_sip_stream *natport_sip_stream_plain(int fd)
{
	struct natport_sip_stream *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->ops = &plain_ops;
	s->fd = fd;
	return s;
}
