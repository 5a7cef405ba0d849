// SPDX-License-Identifier: GPL-2.0-or-later
/* sip_udp.c - the UDP SIP transport: one socket per local address, and
 * per family (a dual-stack side has an IPv4 and an IPv6 socket). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/log.h"
#include "sip/transport.h"

#define RX_BATCH 64 /* datagrams per wakeup before yielding to others */

struct udp_transport {
	struct natport_sip_transport tp; /* first: cast both ways */
	struct natport_evloop *loop;
	int fd;
	int fd6; /* tp.local6's socket, or -1 */
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
	int fd = u->fd6 >= 0 && dst->family == tp->local6.family ? u->fd6 :
								   u->fd;

	if (sendto(fd, buf, len, 0, (struct sockaddr *)&ss, sl) < 0) {
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
	if (u->fd6 >= 0) {
		natport_evloop_del_fd(u->loop, u->fd6);
		close(u->fd6);
	}
	free(u);
}

static const struct natport_sip_transport_ops udp_ops = {
	.proto = "UDP",
	.send = udp_send,
	.close = udp_close,
};

/* A bound, non-blocking socket for local, or -1 with errno set and the
 * failed step in *what. */
static int open_socket(const struct natport_endpoint *local, const char **what)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1, rcvbuf = 4 << 20, e;

	*what = "socket";
	fd = socket(local->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* bursts of calls: do not drop INVITEs while the loop is busy */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &rcvbuf, sizeof(rcvbuf));
	/* each family has its own socket: never IPv4-mapped addresses */
	if (local->family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	*what = "bind";
	sl = natport_endpoint_to_sockaddr(local, &ss);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

struct natport_sip_transport *
natport_sip_udp_open(struct natport_evloop *loop,
		     const struct natport_endpoint *local,
		     natport_sip_recv_fn fn, void *arg, char *err,
		     size_t errlen)
{
	struct udp_transport *u = calloc(1, sizeof(*u));
	char b[NATPORT_ENDPOINT_STRLEN];
	const char *what;
	int e;

	if (!u) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	u->fd6 = -1;
	u->fd = open_socket(local, &what);
	if (u->fd < 0)
		goto err_socket;
	u->loop = loop;
	u->fn = fn;
	u->arg = arg;
	u->tp.ops = &udp_ops;
	u->tp.local = *local;
	e = natport_evloop_add_fd(loop, u->fd, EPOLLIN, on_readable, u);
	if (e) {
		close(u->fd);
		errno = -e;
		what = "event loop";
		goto err_socket;
	}
	return &u->tp;

err_socket:
	snprintf(err, errlen, "%s %s/udp: %s", what,
		 natport_endpoint_format(local, b, sizeof(b)), strerror(errno));
	free(u);
	return NULL;
}

int natport_sip_udp_add_local(struct natport_sip_transport *tp,
			      const struct natport_endpoint *local, char *err,
			      size_t errlen)
{
	struct udp_transport *u = (struct udp_transport *)tp;
	char b[NATPORT_ENDPOINT_STRLEN];
	const char *what;
	int fd, e;

	if (tp->ops != &udp_ops || u->fd6 >= 0 ||
	    local->family == tp->local.family) {
		snprintf(err, errlen, "%s: one socket per family",
			 natport_endpoint_format(local, b, sizeof(b)));
		return -1;
	}
	fd = open_socket(local, &what);
	if (fd < 0)
		goto err;
	e = natport_evloop_add_fd(u->loop, fd, EPOLLIN, on_readable, u);
	if (e) {
		close(fd);
		errno = -e;
		what = "event loop";
		goto err;
	}
	u->fd6 = fd;
	tp->local6 = *local;
	return 0;
err:
	snprintf(err, errlen, "%s %s/udp: %s", what,
		 natport_endpoint_format(local, b, sizeof(b)), strerror(errno));
	return -1;
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
