// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tls.c - TLS streams (tls.h) with OpenSSL 3.
 *
 * One SSL per connection over the transport's non-blocking socket; every
 * OpenSSL call that cannot go on says SSL_ERROR_WANT_READ/WRITE, which is
 * handed to the event loop as *want. The error queue is per thread and
 * survives calls, so it is cleared before each call whose result is judged
 * by SSL_get_error (a stale entry would turn a WANT_READ into a failure).
 *
 * SIGPIPE: OpenSSL's socket BIO writes with write(2), so a peer that has
 * gone raises SIGPIPE; nat-portd ignores it at start (main.c) and the
 * write then fails with EPIPE, which is an ordinary error here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <natport/natport.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "core/config.h"
#include "sip/tls.h"

struct natport_tls_ctx {
	SSL_CTX *ssl;
	int server, verify;
};

struct tls_stream {
	struct natport_sip_stream s; /* first: the transport's handle */
	SSL *ssl;
	int server;
	int done;   /* handshake finished */
	int broken; /* a fatal error: no close_notify (OpenSSL forbids it) */
	char host[256];
};

static struct natport_tls_stats stats;

void natport_tls_stats_get(struct natport_tls_stats *st)
{
	*st = stats;
}

/* The oldest queued OpenSSL error as text ("" when the queue is empty),
 * then the queue emptied so it cannot confuse a later call. */
static void ssl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_error();

	buf[0] = '\0';
	if (e) {
		const char *r = ERR_reason_error_string(e);

		if (r)
			snprintf(buf, len, "%s", r);
		else
			ERR_error_string_n(e, buf, len);
	}
	ERR_clear_error();
}

static int is_ip_literal(const char *host)
{
	unsigned char a[16];

	return inet_pton(AF_INET, host, a) == 1 ||
	       inet_pton(AF_INET6, host, a) == 1;
}

/* "198.51.100.20:5061" or "[2001:db8::1]:5061" of the socket's peer. */
static void peer_name(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned int port = 0;

	if (getpeername(fd, (struct sockaddr *)&ss, &sl)) {
		snprintf(buf, len, "?");
		return;
	}
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		port = ntohs(s4->sin_port);
		snprintf(buf, len, "%s:%u", a, port);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		port = ntohs(s6->sin6_port);
		snprintf(buf, len, "[%s]:%u", a, port);
	} else {
		snprintf(buf, len, "?");
	}
}

/* "peer 198.51.100.20:5061 (provider.example)": who the line is about. */
static void who(struct tls_stream *t, char *buf, size_t len)
{
	char p[64];

	peer_name(t->s.fd, p, sizeof(p));
	if (t->host[0])
		snprintf(buf, len, "peer %s (%.100s)", p, t->host);
	else
		snprintf(buf, len, "peer %s", p);
}

/*
 * Map the result of an SSL call. -EAGAIN with *want, 0 for an orderly
 * close (read only), or a fatal -errno with err[] set. what names the step
 * for the operator ("handshake", "read", "write").
 */
static int ssl_result(struct tls_stream *t, int ret, const char *what,
		      int *want)
{
	int e = SSL_get_error(t->ssl, ret), sys = errno;
	char reason[120], peer[176];

	switch (e) {
	case SSL_ERROR_WANT_READ:
		*want = NATPORT_STREAM_WANT_READ;
		return -EAGAIN;
	case SSL_ERROR_WANT_WRITE:
		*want = NATPORT_STREAM_WANT_WRITE;
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		/* close_notify received; a handshake cut short is an error */
		if (t->done)
			return 0;
		t->broken = 1;
		who(t, peer, sizeof(peer));
		snprintf(t->s.err, sizeof(t->s.err),
			 "TLS %s: closed by the %.120s", what, peer);
		return -ECONNRESET;
	case SSL_ERROR_SYSCALL:
		t->broken = 1;
		ssl_reason(reason, sizeof(reason));
		who(t, peer, sizeof(peer));
		if (!sys) { /* EOF in the middle of a record */
			if (t->done)
				return 0;
			snprintf(t->s.err, sizeof(t->s.err),
				 "TLS %s: connection closed by the %.110s",
				 what, peer);
			return -ECONNRESET;
		}
		snprintf(t->s.err, sizeof(t->s.err), "TLS %s: %.30s, %.110s",
			 what, strerror(sys), peer);
		return -sys;
	default: {
		long v = SSL_get_verify_result(t->ssl);

		t->broken = 1;
		ssl_reason(reason, sizeof(reason));
		who(t, peer, sizeof(peer));
		if (!t->done && v != X509_V_OK) {
			snprintf(t->s.err, sizeof(t->s.err),
				 "certificate verify failed: %.60s, %.70s",
				 X509_verify_cert_error_string(v), peer);
			return -EPROTO;
		}
		snprintf(t->s.err, sizeof(t->s.err),
			 "TLS %s failed: %.50s, %.70s", what,
			 reason[0] ? reason : "protocol error", peer);
		return -EPROTO;
	}
	}
}

static int tls_handshake(struct natport_sip_stream *s, int *want)
{
	struct tls_stream *t = (struct tls_stream *)s;
	int ret;

	*want = 0;
	if (t->done)
		return 0;
	if (t->broken)
		return -EPROTO;
	ERR_clear_error();
	errno = 0;
	ret = SSL_do_handshake(t->ssl);
	if (ret == 1) {
		t->done = 1;
		stats.handshakes_ok++;
		return 0;
	}
	ret = ssl_result(t, ret, "handshake", want);
	if (ret == -EAGAIN)
		return ret;
	stats.handshakes_failed++;
	if (SSL_get_verify_result(t->ssl) != X509_V_OK)
		stats.verify_failed++;
	return ret ? ret : -ECONNRESET;
}

static ssize_t tls_read(struct natport_sip_stream *s, void *buf, size_t len,
			int *want)
{
	struct tls_stream *t = (struct tls_stream *)s;
	size_t n = 0;

	*want = 0;
	if (t->broken)
		return -EPROTO;
	if (!t->done) {
		int r = tls_handshake(s, want);

		if (r)
			return r;
	}
	ERR_clear_error();
	errno = 0;
	if (SSL_read_ex(t->ssl, buf, len, &n) == 1)
		return (ssize_t)n;
	return ssl_result(t, 0, "read", want);
}

static ssize_t tls_write(struct natport_sip_stream *s, const void *buf,
			 size_t len, int *want)
{
	struct tls_stream *t = (struct tls_stream *)s;
	size_t n = 0;
	int r;

	*want = 0;
	if (t->broken)
		return -EPROTO;
	if (!t->done) {
		r = tls_handshake(s, want);
		if (r)
			return r;
	}
	ERR_clear_error();
	errno = 0;
	if (SSL_write_ex(t->ssl, buf, len, &n) == 1)
		return (ssize_t)n;
	r = ssl_result(t, 0, "write", want);
	/* a write never sees an orderly close: the peer is gone */
	return r ? r : -EPIPE;
}

static void tls_free(struct natport_sip_stream *s)
{
	struct tls_stream *t = (struct tls_stream *)s;

	if (!t)
		return;
	/* one non-blocking close_notify, not waiting for the peer's: the
	 * fd is closed right after (RFC 5246 section 7.2.1 allows it) */
	if (t->done && !t->broken) {
		ERR_clear_error();
		SSL_shutdown(t->ssl);
	}
	ERR_clear_error();
	SSL_free(t->ssl);
	free(t);
}

static const struct natport_sip_stream_ops tls_ops = {
	.proto = "TLS",
	.handshake = tls_handshake,
	.read = tls_read,
	.write = tls_write,
	.free = tls_free,
};

static int ctx_fail(char *err, size_t errlen, const char *fmt, const char *arg)
{
	char reason[120], what[200];

	ssl_reason(reason, sizeof(reason));
	snprintf(what, sizeof(what), fmt, arg);
	snprintf(err, errlen, "%s%s%s", what, reason[0] ? ": " : "", reason);
	return -1;
}

/* Certificate and key into ctx; -1 with err set. */
static int load_identity(SSL_CTX *ctx, const struct natport_tls_config *c,
			 char *err, size_t errlen)
{
	if (!c->cert_file && !c->key_file)
		return 0;
	if (!c->cert_file || !c->key_file) {
		snprintf(err, errlen,
			 "a certificate needs both its file and "
			 "its key file");
		return -1;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, c->cert_file) != 1)
		return ctx_fail(err, errlen, "certificate %s", c->cert_file);
	if (SSL_CTX_use_PrivateKey_file(ctx, c->key_file, SSL_FILETYPE_PEM) !=
	    1) {
		if (ERR_GET_REASON(ERR_peek_last_error()) ==
		    X509_R_KEY_VALUES_MISMATCH) {
			ERR_clear_error();
			snprintf(err, errlen,
				 "key %s does not match the certificate %s",
				 c->key_file, c->cert_file);
			return -1;
		}
		return ctx_fail(err, errlen, "key %s", c->key_file);
	}
	if (SSL_CTX_check_private_key(ctx) != 1)
		return ctx_fail(err, errlen,
				"key %s does not match the "
				"certificate",
				c->key_file);
	return 0;
}

static SSL_CTX *ssl_ctx_make(const struct natport_tls_config *c, int server,
			     char *err, size_t errlen)
{
	int min = c->min_version ? c->min_version : TLS1_2_VERSION;
	SSL_CTX *ctx;

	/* RFC 8996 deprecates TLS 1.0 and 1.1; providers require 1.2 */
	if (min != TLS1_2_VERSION && min != TLS1_3_VERSION) {
		snprintf(err, errlen, "TLS minimum version must be 1.2 or 1.3");
		return NULL;
	}
	ERR_clear_error();
	ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (!ctx) {
		ctx_fail(err, errlen, "%s", "cannot make a TLS context");
		return NULL;
	}
	if (SSL_CTX_set_min_proto_version(ctx, min) != 1) {
		ctx_fail(err, errlen, "%s", "cannot set the TLS version");
		SSL_CTX_free(ctx);
		return NULL;
	}
	/*
	 * SIP frames itself by Content-Length, so a peer that closes
	 * without close_notify (most SIP stacks) truncates nothing we would
	 * accept: take it as an orderly close. Renegotiation is refused (a
	 * CPU lever for a peer). Partial and moving writes because the
	 * transport retries from an output queue that may have been
	 * reallocated; released buffers keep idle connections small.
	 */
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
					 SSL_OP_NO_RENEGOTIATION |
					 SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
				      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
				      SSL_MODE_RELEASE_BUFFERS);
	return ctx;
}

struct natport_tls_ctx *natport_tls_ctx_new(const struct natport_tls_config *c,
					    int server, char *err,
					    size_t errlen)
{
	struct natport_tls_ctx *t;
	SSL_CTX *ctx;

	if (server && (!c->cert_file || !c->key_file)) {
		snprintf(err, errlen,
			 "a TLS listener needs tls-cert and "
			 "tls-key");
		return NULL;
	}
	ctx = ssl_ctx_make(c, server, err, errlen);
	if (!ctx)
		return NULL;
	if (load_identity(ctx, c, err, errlen))
		goto fail;
	if (!server && c->verify_peer) {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
		if (c->ca_file) {
			if (SSL_CTX_load_verify_locations(ctx, c->ca_file,
							  NULL) != 1) {
				ctx_fail(err, errlen, "CA file %s", c->ca_file);
				goto fail;
			}
		} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
			ctx_fail(err, errlen, "%s",
				 "cannot load the system CA store");
			goto fail;
		}
	} else {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	t->ssl = ctx;
	t->server = server;
	t->verify = !server && c->verify_peer;
	return t;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

void natport_tls_ctx_free(struct natport_tls_ctx *ctx)
{
	if (!ctx)
		return;
	SSL_CTX_free(ctx->ssl);
	free(ctx);
}

struct natport_sip_stream *natport_tls_stream_new(struct natport_tls_ctx *ctx,
						  int fd, const char *host,
						  char *err, size_t errlen)
{
	struct tls_stream *t;

	if (!ctx->server && ctx->verify && (!host || !*host)) {
		snprintf(err, errlen,
			 "TLS toward a peer with no name to "
			 "verify its certificate against");
		return NULL;
	}
	if (host && strlen(host) >= sizeof(t->host)) {
		snprintf(err, errlen, "TLS peer name too long");
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	t->s.ops = &tls_ops;
	t->s.fd = fd;
	t->server = ctx->server;
	ERR_clear_error();
	t->ssl = SSL_new(ctx->ssl);
	if (!t->ssl || SSL_set_fd(t->ssl, fd) != 1) {
		ctx_fail(err, errlen, "%s", "cannot make a TLS session");
		goto fail;
	}
	if (ctx->server) {
		SSL_set_accept_state(t->ssl);
		return &t->s;
	}
	SSL_set_connect_state(t->ssl);
	if (host && *host) {
		int ip = is_ip_literal(host);

		snprintf(t->host, sizeof(t->host), "%s", host);
		/* RFC 6066 section 3: no IP literal in SNI */
		if (!ip && SSL_set_tlsext_host_name(t->ssl, host) != 1) {
			ctx_fail(err, errlen, "SNI %s", host);
			goto fail;
		}
		if (ctx->verify) {
			X509_VERIFY_PARAM *p = SSL_get0_param(t->ssl);
			int ok;

			X509_VERIFY_PARAM_set_hostflags(
				p, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
			ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(p, host) :
				  X509_VERIFY_PARAM_set1_host(p, host, 0);
			if (ok != 1) {
				ctx_fail(err, errlen, "peer name %s", host);
				goto fail;
			}
		}
	}
	return &t->s;
fail:
	SSL_free(t->ssl);
	free(t);
	return NULL;
}

/* A key file readable by anyone but its owner is refused: it would let
 * any local user impersonate the router toward phones or the provider. */
static int check_key_mode(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (stat(path, &st)) {
		int e = errno;

		snprintf(err, errlen, "key %s: %s", path, strerror(e));
		return -e;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen,
			 "key %s: mode %04o lets group or others read it "
			 "(chmod 600)",
			 path, (unsigned int)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

static int check_cert_dates(SSL_CTX *ctx, const char *path, char *err,
			    size_t errlen)
{
	X509 *x = SSL_CTX_get0_certificate(ctx);

	if (!x)
		return 0;
	if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0) {
		snprintf(err, errlen, "certificate %s has expired", path);
		return -EINVAL;
	}
	if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0) {
		snprintf(err, errlen, "certificate %s is not valid yet", path);
		return -EINVAL;
	}
	return 0;
}

int natport_tls_check_files(const struct natport_tls_config *c, char *err,
			    size_t errlen)
{
	SSL_CTX *ctx;
	int ret = 0;

	if (c->key_file) {
		ret = check_key_mode(c->key_file, err, errlen);
		if (ret)
			return ret;
	}
	ctx = ssl_ctx_make(c, 1, err, errlen);
	if (!ctx)
		return -EINVAL;
	if (load_identity(ctx, c, err, errlen))
		ret = -EINVAL;
	else if (c->cert_file)
		ret = check_cert_dates(ctx, c->cert_file, err, errlen);
	if (!ret && c->ca_file &&
	    SSL_CTX_load_verify_locations(ctx, c->ca_file, NULL) != 1) {
		ctx_fail(err, errlen, "CA file %s", c->ca_file);
		ret = -EINVAL;
	}
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return ret;
}

void natport_tls_config_listen(const struct natport_config *cfg,
			       struct natport_tls_config *tc)
{
	memset(tc, 0, sizeof(*tc));
	tc->cert_file = cfg->tls_cert[0] ? cfg->tls_cert : NULL;
	tc->key_file = cfg->tls_key[0] ? cfg->tls_key : NULL;
	tc->min_version = cfg->tls_min_version;
}

void natport_tls_config_provider(const struct natport_config *cfg,
				 struct natport_tls_config *tc)
{
	memset(tc, 0, sizeof(*tc));
	tc->cert_file = cfg->tls_client_cert[0] ? cfg->tls_client_cert : NULL;
	tc->key_file = cfg->tls_client_key[0] ? cfg->tls_client_key : NULL;
	tc->ca_file = cfg->tls_ca_file[0] ? cfg->tls_ca_file : NULL;
	tc->verify_peer = cfg->tls_verify;
	tc->min_version = cfg->tls_min_version;
}

int natport_tls_check_config(const struct natport_config *cfg, char *err,
			     size_t errlen)
{
	struct natport_tls_config tc;
	char e[256];
	int ret;

	natport_tls_config_listen(cfg, &tc);
	if (tc.cert_file || tc.key_file) {
		ret = natport_tls_check_files(&tc, e, sizeof(e));
		if (ret) {
			snprintf(err, errlen, "tls-cert/tls-key: %s", e);
			return ret;
		}
	}
	natport_tls_config_provider(cfg, &tc);
	if (tc.cert_file || tc.key_file || tc.ca_file) {
		ret = natport_tls_check_files(&tc, e, sizeof(e));
		if (ret) {
			snprintf(err, errlen, "%s: %s",
				 tc.cert_file ? "tls-client-cert/tls-ca-file" :
						"tls-ca-file",
				 e);
			return ret;
		}
	}
	return 0;
}

/*
 * Every live side, so that natport_tls_reload can reach them without the
 * proxy that owns them. A side's contexts are replaced whole: a live SSL
 * holds a reference to the SSL_CTX it was made from (SSL_new), so the
 * connections made before a reload keep theirs until they close.
 */
struct natport_tls_side {
	struct natport_tls_side *next;
	struct natport_tls_ctx *server, *client;
	struct natport_tls_ctx *new_server, *new_client; /* during a reload */
	int wan;
	char name[256]; /* tls-server-name; "" the peer's address */
};

static struct natport_tls_side *sides;

void natport_tls_side_free(struct natport_tls_side *side)
{
	struct natport_tls_side **pp;

	if (!side)
		return;
	for (pp = &sides; *pp; pp = &(*pp)->next)
		if (*pp == side) {
			*pp = side->next;
			break;
		}
	natport_tls_ctx_free(side->server);
	natport_tls_ctx_free(side->client);
	free(side);
}

/* A side's two contexts from cfg's files; -1 with err set, nothing made. */
static int side_contexts(const struct natport_config *cfg, int wan,
			 struct natport_tls_ctx **server,
			 struct natport_tls_ctx **client, char *err,
			 size_t errlen)
{
	struct natport_tls_config tc;
	char e[200];

	*server = *client = NULL;
	natport_tls_config_listen(cfg, &tc);
	/* listeners only with sip-tls (which needs tls-cert) */
	if (cfg->sip_tls && tc.cert_file) {
		*server = natport_tls_ctx_new(&tc, 1, e, sizeof(e));
		if (!*server) {
			snprintf(err, errlen, "tls-cert: %s", e);
			return -1;
		}
	}
	if (wan)
		natport_tls_config_provider(cfg, &tc);
	else
		tc.verify_peer = 0; /* phones: see tls.h */
	*client = natport_tls_ctx_new(&tc, 0, e, sizeof(e));
	if (!*client) {
		snprintf(err, errlen, "%s: %s",
			 wan ? "tls-client-cert/tls-ca-file" : "TLS", e);
		natport_tls_ctx_free(*server);
		*server = NULL;
		return -1;
	}
	return 0;
}

struct natport_tls_side *natport_tls_side_new(const struct natport_config *cfg,
					      int wan, char *err, size_t errlen)
{
	struct natport_tls_side *side = calloc(1, sizeof(*side));

	if (!side) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (side_contexts(cfg, wan, &side->server, &side->client, err,
			  errlen)) {
		free(side);
		return NULL;
	}
	side->wan = wan;
	if (wan)
		snprintf(side->name, sizeof(side->name), "%s",
			 cfg->tls_server_name);
	side->next = sides;
	sides = side;
	return side;
}

int natport_tls_side_serves(const void *arg)
{
	const struct natport_tls_side *side = arg;

	return side->server != NULL;
}

/* "serial 0x2A, subject CN=router.test, until Dec  4 07:00:00 2026 GMT" */
static void cert_info(const struct natport_tls_ctx *ctx, char *buf, size_t len)
{
	X509 *x = SSL_CTX_get0_certificate(ctx->ssl);
	BIGNUM *bn = NULL;
	char *hex = NULL, subj[160] = "?", until[40] = "?";
	BIO *b;

	buf[0] = '\0';
	if (!x)
		return;
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	if (bn)
		hex = BN_bn2hex(bn);
	X509_NAME_oneline(X509_get_subject_name(x), subj, sizeof(subj));
	b = BIO_new(BIO_s_mem());
	if (b && ASN1_TIME_print(b, X509_get0_notAfter(x)) == 1) {
		int n = BIO_read(b, until, sizeof(until) - 1);

		until[n > 0 ? n : 0] = '\0';
	}
	BIO_free(b);
	snprintf(buf, len, "serial 0x%s, subject %s, until %s", hex ? hex : "?",
		 subj, until);
	OPENSSL_free(hex);
	BN_free(bn);
	ERR_clear_error();
}

int natport_tls_reload(const struct natport_config *cfg, char *err,
		       size_t errlen)
{
	struct natport_tls_side *side;
	int n = 0, ret;

	err[0] = '\0';
	if (!sides)
		return 0;
	/* the start's checks (key mode, validity) first, then every
	 * context; the old ones stay unless all of them could be made */
	ret = natport_tls_check_config(cfg, err, errlen);
	if (ret)
		return ret;
	for (side = sides; side; side = side->next)
		if (side_contexts(cfg, side->wan, &side->new_server,
				  &side->new_client, err, errlen))
			break;
	if (side) {
		for (side = sides; side; side = side->next) {
			natport_tls_ctx_free(side->new_server);
			natport_tls_ctx_free(side->new_client);
			side->new_server = side->new_client = NULL;
		}
		return -EINVAL;
	}
	for (side = sides; side; side = side->next) {
		natport_tls_ctx_free(side->server);
		natport_tls_ctx_free(side->client);
		side->server = side->new_server;
		side->client = side->new_client;
		side->new_server = side->new_client = NULL;
		if (side->server && !err[0])
			cert_info(side->server, err, errlen);
		n++;
	}
	return n;
}

struct natport_sip_stream *
natport_tls_side_stream(void *arg, int fd, int server,
			const struct natport_endpoint *peer, char *err,
			size_t errlen)
{
	struct natport_tls_side *side = arg;
	char host[NATPORT_ENDPOINT_STRLEN];
	struct natport_endpoint a = *peer;

	if (server) {
		if (!side->server) {
			/* tcp.c opens no listener for such a side */
			snprintf(err, errlen,
				 "no sip-tls: TLS connections "
				 "are not accepted");
			stats.handshakes_failed++;
			return NULL;
		}
		return natport_tls_stream_new(side->server, fd, NULL, err,
					      errlen);
	}
	if (side->name[0])
		return natport_tls_stream_new(side->client, fd, side->name, err,
					      errlen);
	/* no name configured: the certificate must carry the address */
	a.port = 0; /* formatted without port (or brackets) */
	natport_endpoint_format(&a, host, sizeof(host));
	return natport_tls_stream_new(side->client, fd, host, err, errlen);
}
