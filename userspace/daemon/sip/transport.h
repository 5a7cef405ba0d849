/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sip_transport.h - how SIP messages enter and leave nat-portd.
 *
 * The proxy sees a transport only through this interface: whole messages
 * arrive through the recv callback with their source, and leave through
 * natport_sip_transport_send(). UDP is the one implementation today; a TCP
 * (or TLS) transport adds its own open function, frames messages by
 * Content-Length, and keeps a connection per peer behind the same send(),
 * so the proxy does not change. Each transport is bound to one local
 * address (the router's LAN or WAN side); that address and port are what
 * the proxy writes into Via and Record-Route.
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

#define NATPORT_SIP_MAX_MSG 65535 /* largest datagram accepted */

struct natport_sip_transport;

typedef void (*natport_sip_recv_fn)(struct natport_sip_transport *tp,
				    const struct natport_endpoint *src,
				    const char *buf, size_t len, void *arg);

struct natport_sip_transport_ops {
	const char *proto; /* "UDP", as written in Via */
	int (*send)(struct natport_sip_transport *tp,
		    const struct natport_endpoint *dst, const char *buf,
		    size_t len);
	void (*close)(struct natport_sip_transport *tp);
};

struct natport_sip_transport {
	const struct natport_sip_transport_ops *ops;
	struct natport_endpoint local;
	/* the side's address of the other family (IPv6, issue 16), or
	 * AF_UNSPEC; sip/addr6.h picks one per peer */
	struct natport_endpoint local6;
	int side; /* the proxy's tag: NATPORT_SIDE_LAN / _WAN */
	uint64_t rx_msgs, tx_msgs, rx_bytes, tx_bytes, tx_errors;
};

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
