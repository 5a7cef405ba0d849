/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stream.h - the byte stream under one SIP connection: plain TCP or TLS.
 *
 * The TCP transport (tcp.c) owns sockets, connections, framing by
 * Content-Length, limits and timeouts; it never calls read()/write() on a
 * connected socket itself but goes through a stream, so TLS (tls.c) is a
 * second stream implementation and not a second transport. Everything is
 * non-blocking: a call that cannot make progress returns -EAGAIN and says
 * in *want which readiness (NATPORT_STREAM_WANT_READ / _WRITE) would let it
 * go on; the transport arms the event loop accordingly. A TLS read may
 * want the socket writable (renegotiation, key update) and the other way
 * round, which is why *want is not implied by the call.
 *
 * Errors: -errno; on a fatal error the stream fills err[] with a line an
 * operator can act on (e.g. "certificate verify failed: unable to get
 * local issuer certificate (provider.example)").
 */
#ifndef NATPORT_SIP_STREAM_H
#define NATPORT_SIP_STREAM_H

#include <stddef.h>
#include <sys/types.h>

#define NATPORT_STREAM_WANT_READ 0x1
#define NATPORT_STREAM_WANT_WRITE 0x2

struct natport_sip_stream;

struct natport_sip_stream_ops {
	const char *proto; /* "TCP" or "TLS", as written in Via */
	/*
	 * Drive the connection set-up (TLS handshake; plain TCP: nothing).
	 * 0 done, -EAGAIN (see *want), other -errno fatal with err[] set.
	 */
	int (*handshake)(struct natport_sip_stream *s, int *want);
	/* > 0 bytes, 0 orderly close by the peer, -EAGAIN, -errno. */
	ssize_t (*read)(struct natport_sip_stream *s, void *buf, size_t len,
			int *want);
	/* > 0 bytes taken (may be short), -EAGAIN, -errno. */
	ssize_t (*write)(struct natport_sip_stream *s, const void *buf,
			 size_t len, int *want);
	/* Best-effort close_notify, then free; the fd is the caller's. */
	void (*free)(struct natport_sip_stream *s);
};

struct natport_sip_stream {
	const struct natport_sip_stream_ops *ops;
	int fd;
	char err[160];
};

/* A plain TCP stream over a connected (or connecting) socket. */
struct natport_sip_stream *natport_sip_stream_plain(int fd);

#endif /* NATPORT_SIP_STREAM_H */
