/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sip_transport.h - how SIP messages enter and leave nat-portd.
 *
 * The proxy sees a transport only through this interface: whole messages
 * arrive through the recv callback with their source, and leave through
 * natport_sip_transport_send(). Two implementations: UDP (udp.c), one
 * socket; and streams (tcp.c), a listener plus a table of connections
 * keyed by the peer's address and port. A stream transport frames
 * messages by Content-Length (framer.h) and hands the proxy whole ones,
 * with the connection's peer as the source; send() to that same endpoint
 * goes back on that connection (so a response follows its request's
 * connection, RFC 3261 section 18.2.2), and send() to an endpoint with no
 * connection opens one (non-blocking connect, the message queued until it
 * is up). Each transport is bound to one local address (the router's LAN
 * or WAN side) and one protocol; that address, port and protocol are what
 * the proxy writes into Via and Record-Route. A side has one transport per
 * enabled protocol.
 *
 * Ownership: the transport owns its sockets and registers them with the
 * event loop; close() unregisters and frees. The buffer handed to recv is
 * the transport's and valid only during the callback.
 */
#ifndef NATPORT_SIP_TRANSPORT_H
#define NATPORT_SIP_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include <natport/natport.h>

#include "core/evloop.h"
#include "sip/stream.h"

#define NATPORT_SIP_MAX_MSG 65535 /* largest datagram accepted */

struct natport_sip_transport;

/* The protocols a transport speaks, as Via and ;transport= name them. */
enum natport_sip_proto {
	NATPORT_SIP_UDP,
	NATPORT_SIP_TCP,
	NATPORT_SIP_TLS,
	__NATPORT_SIP_PROTO_MAX
};

/* "UDP", "TCP", "TLS" */
const char *natport_sip_proto_name(enum natport_sip_proto p);
/* Case-insensitive "udp" / "tcp" / "tls" (also "SCTP": refused); -1. */
int natport_sip_proto_parse(const char *s);

typedef void (*natport_sip_recv_fn)(struct natport_sip_transport *tp,
				    const struct natport_endpoint *src,
				    const char *buf, size_t len, void *arg);

struct natport_sip_transport_ops {
	const char *proto; /* "UDP", as written in Via */
	int (*send)(struct natport_sip_transport *tp,
		    const struct natport_endpoint *dst, const char *buf,
		    size_t len);
	void (*close)(struct natport_sip_transport *tp);
	/* Streams only (NULL for UDP): 1 if a connection to dst is open
	 * or being opened, so send() would reuse it. */
	int (*connected)(struct natport_sip_transport *tp,
			 const struct natport_endpoint *dst);
};

struct natport_sip_transport {
	const struct natport_sip_transport_ops *ops;
	struct natport_endpoint local;
	/* the side's address of the other family (IPv6, issue 16), or
	 * AF_UNSPEC; sip/addr6.h picks one per peer */
	struct natport_endpoint local6;
	int side; /* the proxy's tag: NATPORT_SIDE_LAN / _WAN */
	enum natport_sip_proto proto;
	uint64_t rx_msgs, tx_msgs, rx_bytes, tx_bytes, tx_errors;
	/* streams only */
	unsigned int conns; /* open (or opening) now */
	uint64_t accepted, connected, refused, failed, idle_closed,
		framing_errors, output_full;
};

/*
 * A stream transport (tcp.c): one listener on local plus connections.
 *
 * The TLS hook: tcp.c never reads or writes a connected socket itself; it
 * asks stream_new for the natport_sip_stream (stream.h) to run over each
 * accepted (server 1) or outgoing (server 0) connection, and drives its
 * handshake, read and write from the event loop. NULL means
 * natport_sip_stream_plain. A TLS transport is this same open with proto
 * NATPORT_SIP_TLS and a stream_new that wraps natport_tls_stream_new with
 * the side's context (stream_arg), e.g. choosing the SNI name by peer.
 * The stream's read should return what it has decrypted: the transport
 * reads a connection again only when its socket is readable.
 */
typedef struct natport_sip_stream *(*natport_sip_stream_new_fn)(
	void *arg, int fd, int server, const struct natport_endpoint *peer,
	char *err, size_t errlen);

/*
 * A message send() took (returned 0 for) that never left: the outgoing
 * connection it was queued on failed first (connect refused, TLS
 * handshake or certificate check failed, setup timed out, reset with it
 * still queued). buf is one whole message as it was handed to send(),
 * valid only during the call; why says what failed ("connect:
 * Connection refused", "certificate verify failed: ..."). The callback
 * may send, also on tp; the failed connection is gone from tp already.
 */
typedef void (*natport_sip_fail_fn)(struct natport_sip_transport *tp,
				    const struct natport_endpoint *dst,
				    const char *buf, size_t len,
				    const char *why, void *arg);

struct natport_sip_tcp_config {
	struct natport_endpoint local; /* address and port to listen on */
	enum natport_sip_proto proto;  /* TCP, or TLS with stream_new */
	unsigned int max_conns;        /* in total, both directions */
	unsigned int max_per_peer;     /* accepted from one address */
	uint32_t idle_ms;    /* no whole message either way: closed */
	size_t max_output;   /* bytes queued on one connection */
	natport_sip_stream_new_fn stream_new;
	void *stream_arg;
	natport_sip_fail_fn fail; /* NULL: such messages are only logged */
	void *fail_arg;
};

/* Largest message on a stream: a Content-Length beyond it closes it. */
#define NATPORT_SIP_MAX_STREAM_MSG NATPORT_SIP_MAX_MSG

struct natport_sip_transport *
natport_sip_tcp_open(struct natport_evloop *loop,
		     const struct natport_sip_tcp_config *c,
		     natport_sip_recv_fn fn, void *arg, char *err,
		     size_t errlen);

/* 1 if send() to dst would reuse a connection; always 1 for UDP. */
int natport_sip_transport_connected(struct natport_sip_transport *tp,
				    const struct natport_endpoint *dst);

struct natport_sip_transport *
natport_sip_udp_open(struct natport_evloop *loop,
		     const struct natport_endpoint *local,
		     natport_sip_recv_fn fn, void *arg, char *err,
		     size_t errlen);

/* natport_sip_udp_add_local - a second socket on tp (a UDP transport) for
 * local's family (IPv6 beside IPv4): send() then picks the socket of the
 * destination's family, and what arrives on it reaches the same recv. 0,
 * or -1 with the reason in err. */
int natport_sip_udp_add_local(struct natport_sip_transport *tp,
			      const struct natport_endpoint *local, char *err,
			      size_t errlen);

/* Returns 0 or -errno. */
int natport_sip_transport_send(struct natport_sip_transport *tp,
			       const struct natport_endpoint *dst,
			       const char *buf, size_t len);
void natport_sip_transport_close(struct natport_sip_transport *tp);

#endif /* NATPORT_SIP_TRANSPORT_H */
