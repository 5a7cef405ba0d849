// SPDX-License-Identifier: GPL-2.0-or-later
/* sip_udp.c - the UDP SIP transport: one socket per local address. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "sip/transport.h"

#define RX_BATCH 64 /* datagrams per wakeup before yielding to others */

struct udp_transport {
	struct natport_sip_transport tp; /* first: cast both ways */
	struct natport_evloop *loop;
	int fd;
	natport_sip_recv_fn fn;
	void *arg;
	char buf[NATPORT_SIP_MAX_MSG + 1];
};

static void on_readable(int fd, uint32_t events, void *arg)
{
	struct udp_transport *u = arg;

	for (int i = 0; i < RX_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct natport_endpoint src;
		ssize_t n;

		n = recvfrom(fd, u->buf, NATPORT_SIP_MAX_MSG + 1, MSG_TRUNC,
			     (struct sockaddr *)&ss, &sl);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("sip: recvfrom");
			return;
		}
		natport_endpoint_from_sockaddr(&ss, &src);
		if ((size_t)n > NATPORT_SIP_MAX_MSG) {
			char b[NATPORT_ENDPOINT_STRLEN];

			log_warnx_rl("sip: dropped %zd-byte datagram from %s: "
				     "larger than %d", n,
				     natport_endpoint_format(&src, b, sizeof(b)),
				     NATPORT_SIP_MAX_MSG);
			continue;
		}
		u->tp.rx_msgs++;
		u->tp.rx_bytes += n;
		u->buf[n] = '\0';
		u->fn(&u->tp, &src, u->buf, (size_t)n, u->arg);
	}
}

static int udp_send(struct natport_sip_transport *tp,
		    const struct natport_endpoint *dst, const char *buf,
		    size_t len)
{
	struct udp_transport *u = (struct udp_transport *)tp;
	struct sockaddr_storage ss;
	socklen_t sl = natport_endpoint_to_sockaddr(dst, &ss);

	if (sendto(u->fd, buf, len, 0, (struct sockaddr *)&ss, sl) < 0) {
		tp->tx_errors++;
		return -errno;
	}
	tp->tx_msgs++;
	tp->tx_bytes += len;
	return 0;
}

static void udp_close(struct natport_sip_transport *tp)
{
	struct udp_transport *u = (struct udp_transport *)tp;

	natport_evloop_del_fd(u->loop, u->fd);
	close(u->fd);
	free(u);
}

static const struct natport_sip_transport_ops udp_ops = {
	.proto = "UDP",
	.send = udp_send,
	.close = udp_close,
};

struct natport_sip_transport *
natport_sip_udp_open(struct natport_evloop *loop,
		     const struct natport_endpoint *local,
		     natport_sip_recv_fn fn, void *arg, char *err,
		     size_t errlen)
{
	struct udp_transport *u = calloc(1, sizeof(*u));
	struct sockaddr_storage ss;
	socklen_t sl;
	char b[NATPORT_ENDPOINT_STRLEN];
	int one = 1, rcvbuf = 4 << 20, e;

	if (!u) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	u->fd = socket(local->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0);
	if (u->fd < 0)
		goto err_socket;
	setsockopt(u->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* bursts of calls: do not drop INVITEs while the loop is busy */
	setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(u->fd, SOL_SOCKET, SO_SNDBUF, &rcvbuf, sizeof(rcvbuf));
	sl = natport_endpoint_to_sockaddr(local, &ss);
	if (bind(u->fd, (struct sockaddr *)&ss, sl) < 0)
		goto err_bind;
	u->loop = loop;
	u->fn = fn;
	u->arg = arg;
	u->tp.ops = &udp_ops;
	u->tp.local = *local;
	e = natport_evloop_add_fd(loop, u->fd, EPOLLIN, on_readable, u);
	if (e) {
		errno = -e;
		goto err_bind;
	}
	return &u->tp;

err_bind:
	snprintf(err, errlen, "bind %s/udp: %s",
		 natport_endpoint_format(local, b, sizeof(b)), strerror(errno));
	close(u->fd);
	free(u);
	return NULL;
err_socket:
	snprintf(err, errlen, "socket: %s", strerror(errno));
	free(u);
	return NULL;
}

int natport_sip_transport_send(struct natport_sip_transport *tp,
			       const struct natport_endpoint *dst,
			       const char *buf, size_t len)
{
	return tp->ops->send(tp, dst, buf, len);
}

void natport_sip_transport_close(struct natport_sip_transport *tp)
{
	if (tp)
		tp->ops->close(tp);
}
