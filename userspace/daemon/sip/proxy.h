/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sip_proxy.h - the record-routing SIP proxy between the LAN and the WAN.
 *
 * Transaction-stateless forwarding (RFC 3261 section 16.11) with call
 * state on top: retransmissions, CANCEL and the ACK of a failure answer
 * are forwarded again and get the same branch; responses follow the Via
 * chain back (received/rport, RFC 3581). What the proxy keeps is the call
 * table (call.h), which drives the media module (media.h) and whose
 * entries end on BYE, CANCEL, a final failure, invite-timeout or
 * dialog-timeout, and the registrar (registrar.h) for incoming calls.
 *
 * Policy: a new dialog may start from the LAN toward the outside (the
 * upstream-proxy when configured, else the Request-URI, an IP literal),
 * or from the WAN toward a registered LAN phone (Request-URI
 * sip:<user>@<wan-address>). In-dialog requests follow the Route set the
 * proxy's double Record-Route (one entry per side, RFC 5658) gave them;
 * from the WAN only into a call or phone the proxy knows. Everything else
 * is refused (403, 404, 481) or, for ACK and responses, dropped.
 *
 * The proxy owns its transports, call table (sip/dialog.h) and registrar;
 * it borrows the session core and the media module, which front ends
 * share. natport_proxy_free() ends every call's session.
 */
#ifndef NATPORT_SIP_PROXY_H
#define NATPORT_SIP_PROXY_H

#include <stdint.h>

#include <natport/natport.h>

#include "core/config.h"
#include "core/evloop.h"
#include "core/session.h"
#include "media/streams.h"

struct natport_proxy;

struct natport_proxy_stats {
	uint64_t rx_requests, rx_responses, forwarded, replied, dropped,
		malformed, loops, refused, own_requests;
	uint64_t forged; /* responses to no request we forwarded */
	uint64_t source_limited; /* over a source's rate or calls in setup */
	uint64_t calls_created, calls_ended, calls_full; /* call table */
	/* SIP over TCP, both sides (sip/tcp.c): open now, accepted and
	 * opened in total, refused by the limits, failed connects, closed
	 * idle, closed for bad framing, messages dropped on a full queue */
	uint64_t tcp_connections, tcp_accepted, tcp_connected, tcp_refused,
		tcp_failed, tcp_idle_closed, tcp_framing_errors,
		tcp_output_full;
	uint64_t tls_connections; /* open now */
	/* handshakes done, failed (any reason), failed verifying the peer */
	uint64_t tls_handshakes, tls_handshakes_failed, tls_verify_failed;
};

/* The proxy borrows the session table and the media module. */
struct natport_proxy *natport_proxy_new(struct natport_evloop *loop,
					const struct natport_config *cfg,
					struct natport_session_table *sessions,
					struct natport_media *media, char *err,
					size_t errlen);
void natport_proxy_free(struct natport_proxy *p);
/* Apply a reloaded config (the keys natport_config_restart_needed allows). */
void natport_proxy_reload(struct natport_proxy *p,
			  const struct natport_config *cfg);

unsigned int natport_proxy_call_count(const struct natport_proxy *p);
unsigned int natport_proxy_registrations(const struct natport_proxy *p);
void natport_proxy_get_stats(struct natport_proxy *p,
			     struct natport_proxy_stats *out);

/* Run the timeouts now (the proxy also does it every 500 ms). */
void natport_proxy_sweep(struct natport_proxy *p);

/* The call table and registrar, for the state file (core/state.h). */
struct natport_call_table *natport_proxy_calls(struct natport_proxy *p);
struct natport_registrar *natport_proxy_registrar(struct natport_proxy *p);
/* The branch MAC's secret, kept across a restart by the state file. */
uint64_t natport_proxy_secret(const struct natport_proxy *p);
void natport_proxy_set_secret(struct natport_proxy *p, uint64_t secret);

#endif /* NATPORT_SIP_PROXY_H */
