/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tls.h - TLS streams for SIP over TLS (RFC 3261 section 26.3, RFC 5630),
 * with OpenSSL. A context holds what one side of the router needs: its own
 * certificate and key (listeners; optional client certificate toward the
 * provider), the CAs that verify the peer (the system store or a file),
 * and TLS 1.2 as the minimum. A stream made from a context is a
 * natport_sip_stream (stream.h) whose handshake runs non-blocking inside
 * the event loop; for an outgoing connection the peer's name is sent as
 * SNI and checked against its certificate.
 */
#ifndef NATPORT_SIP_TLS_H
#define NATPORT_SIP_TLS_H

#include <stddef.h>

#include "sip/stream.h"

struct natport_tls_ctx;

struct natport_tls_config {
	const char *cert_file; /* PEM chain; required for a server */
	const char *key_file;  /* PEM key; required with cert_file */
	const char *ca_file;   /* NULL: the system store */
	int verify_peer;       /* client side: verify the server (default 1) */
	int min_version;       /* 0: TLS 1.2; else an OpenSSL TLS1_x_VERSION */
};

struct natport_tls_ctx *natport_tls_ctx_new(const struct natport_tls_config *c,
					    int server, char *err,
					    size_t errlen);
void natport_tls_ctx_free(struct natport_tls_ctx *ctx);

/*
 * A TLS stream over fd. host (client side only) is the name used for SNI
 * and the certificate check; NULL with verify_peer set is refused.
 */
struct natport_sip_stream *natport_tls_stream_new(struct natport_tls_ctx *ctx,
						  int fd, const char *host,
						  char *err, size_t errlen);

/*
 * Checks for `nat-portd -n`: files exist, parse, key matches certificate,
 * key not readable by group/other. 0 or -errno with err set.
 */
int natport_tls_check_files(const struct natport_tls_config *c, char *err,
			    size_t errlen);

/*
 * From nat-portd.conf (core/config.h): the listeners' side (tls-cert,
 * tls-key) and the provider's (tls-ca-file, tls-verify, tls-client-cert,
 * tls-client-key); both take tls-min-version. Paths point into cfg.
 */
struct natport_config;
void natport_tls_config_listen(const struct natport_config *cfg,
			       struct natport_tls_config *tc);
void natport_tls_config_provider(const struct natport_config *cfg,
				 struct natport_tls_config *tc);

/* natport_tls_check_files for every TLS file cfg names; err says which
 * key's file failed. Run by `nat-portd -n` and at start. */
int natport_tls_check_config(const struct natport_config *cfg, char *err,
			     size_t errlen);

/*
 * What one side of the router needs for its TLS transport (tcp.c's
 * stream_new hook, transport.h): a server context for accepted
 * connections (NULL without sip-tls: no listener) and a client
 * context for outgoing ones. wan 1: toward the provider, verified as the
 * config says (tls-verify, tls-ca-file) against tls-server-name, or the
 * peer's address when that is not set, and with tls-client-cert; wan 0:
 * toward phones, which rarely have a certificate a CA vouches for, so
 * not verified (the LAN side is the trusted one).
 */
struct natport_tls_side;
struct natport_endpoint;
struct natport_tls_side *natport_tls_side_new(const struct natport_config *cfg,
					      int wan, char *err,
					      size_t errlen);
void natport_tls_side_free(struct natport_tls_side *side);
/*
 * 1 if the side (a natport_tls_side) serves accepted connections: sip-tls
 * yes, with its tls-cert. tcp.c opens no listener for a TLS side that
 * does not: the WAN side of an upstream-proxy ;transport=tls without
 * sip-tls only connects out (the provider's hop).
 */
int natport_tls_side_serves(const void *side);

/*
 * SIGHUP: every live side's contexts made again from the files cfg names
 * (their paths are restart keys, their contents are not), for the
 * handshakes that start from now on. Connections already up keep the
 * context they were made with. The files get the start's checks first;
 * if any check or context fails, every side keeps what it had.
 * Returns the number of sides reloaded (0: no TLS at all) with err the
 * new tls-cert's serial, subject and expiry ("" without tls-cert), or
 * -errno with err naming the key and the file that failed.
 */
int natport_tls_reload(const struct natport_config *cfg, char *err,
		       size_t errlen);

/* natport_sip_stream_new_fn (transport.h), arg the side */
struct natport_sip_stream *
natport_tls_side_stream(void *arg, int fd, int server,
			const struct natport_endpoint *peer, char *err,
			size_t errlen);

/* Counters for `nat-portctl stats`. */
struct natport_tls_stats {
	unsigned long handshakes_ok, handshakes_failed, verify_failed;
};
void natport_tls_stats_get(struct natport_tls_stats *st);

#endif /* NATPORT_SIP_TLS_H */
