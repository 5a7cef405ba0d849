// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_tls.c - TLS streams (sip/tls.h) over a non-blocking socketpair:
 * handshakes driven by *want as the event loop would, verification against
 * a CA the test makes (tests/lib/tlsca.sh), the operator's error line for
 * a wrong CA, a wrong name and an untrusted server, TLS 1.1 refused, a
 * client certificate toward a provider that asks for one, partial writes,
 * close_notify and a peer that just closes, the `-n` file checks, and no
 * fd left open after any of it (CK_FORK: each test counts its own fds).
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/config.h"
#include "sip/tls.h"
#include "unit_main.h"

static char dir[64];

static const char *f(const char *name)
{
	static char buf[64][128]; /* enough for one test's names */
	static int i;

	i = (i + 1) % 64;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static void pki_setup(void)
{
	char cmd[256];

	snprintf(dir, sizeof(dir), "/tmp/natport-tls-unit.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "tests/lib/tlsca.sh %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	signal(SIGPIPE, SIG_IGN); /* as nat-portd does (main.c) */
}

static void pki_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		n++;
	closedir(d);
	return n;
}

/* One end: our stream, or a raw OpenSSL session playing the other side
 * (a provider with its own policy, an old TLS 1.1 client). */
struct end {
	struct natport_sip_stream *s;
	SSL *raw;
	int fd, want, rc; /* rc: 1 running, 0 done, <0 failed */
};

static void step(struct end *e)
{
	int r;

	if (e->rc != 1)
		return;
	if (e->s) {
		r = e->s->ops->handshake(e->s, &e->want);
		if (r != -EAGAIN)
			e->rc = r;
		return;
	}
	ERR_clear_error();
	r = SSL_do_handshake(e->raw);
	if (r == 1) {
		e->rc = 0;
		return;
	}
	switch (SSL_get_error(e->raw, r)) {
	case SSL_ERROR_WANT_READ:
		e->want = NATPORT_STREAM_WANT_READ;
		break;
	case SSL_ERROR_WANT_WRITE:
		e->want = NATPORT_STREAM_WANT_WRITE;
		break;
	default:
		e->rc = -EPROTO;
	}
}

static short events(int want)
{
	return (want & NATPORT_STREAM_WANT_READ ? POLLIN : 0) |
	       (want & NATPORT_STREAM_WANT_WRITE ? POLLOUT : 0);
}

/* Drive both handshakes as an event loop would: call only when poll()
 * says the wanted readiness is there. Stops at the first failure (the
 * other end then sees the alert or the close on its next step). */
static void drive(struct end *a, struct end *b)
{
	int rounds = 0;

	a->rc = b->rc = 1;
	step(a);
	step(b);
	while (a->rc == 1 || b->rc == 1) {
		struct pollfd p[2] = {
			{ .fd = a->fd, .events = events(a->want) },
			{ .fd = b->fd, .events = events(b->want) },
		};
		int n;

		if (a->rc != 1)
			p[0].fd = -1;
		if (b->rc != 1)
			p[1].fd = -1;
		n = poll(p, 2, 2000);
		ck_assert_msg(n > 0, "handshake stalled (wants %d/%d)", a->want,
			      b->want);
		if (p[0].revents)
			step(a);
		if (p[1].revents)
			step(b);
		ck_assert_int_lt(++rounds, 100);
		/* one side failed: give the other one last look, then stop */
		if (a->rc < 0 || b->rc < 0) {
			step(a);
			step(b);
			break;
		}
	}
}

static void pair(int sv[2])
{
	ck_assert_int_eq(
		socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
}

static struct natport_tls_ctx *server_ctx(const char *cert, const char *key)
{
	struct natport_tls_config c = { .cert_file = f(cert),
					.key_file = f(key) };
	char err[256] = "";
	struct natport_tls_ctx *x =
		natport_tls_ctx_new(&c, 1, err, sizeof(err));

	ck_assert_msg(x != NULL, "server ctx: %s", err);
	return x;
}

static struct natport_tls_ctx *client_ctx(const char *ca)
{
	struct natport_tls_config c = { .ca_file = f(ca), .verify_peer = 1 };
	char err[256] = "";
	struct natport_tls_ctx *x =
		natport_tls_ctx_new(&c, 0, err, sizeof(err));

	ck_assert_msg(x != NULL, "client ctx: %s", err);
	return x;
}

static struct natport_sip_stream *stream(struct natport_tls_ctx *x, int fd,
					 const char *host)
{
	char err[256] = "";
	struct natport_sip_stream *s =
		natport_tls_stream_new(x, fd, host, err, sizeof(err));

	ck_assert_msg(s != NULL, "stream: %s", err);
	ck_assert_str_eq(s->ops->proto, "TLS");
	return s;
}

/*
 * A client toward provider.test through a server with cert/key: returns
 * the client's handshake result, its err[] in cerr.
 */
static int try_connect(const char *ca, const char *cert, const char *key,
		       const char *host, char *cerr, size_t len)
{
	struct natport_tls_ctx *sx = server_ctx(cert, key),
			       *cx = client_ctx(ca);
	int sv[2], rc;
	struct end c = { 0 }, s = { 0 };

	pair(sv);
	c.fd = sv[0];
	s.fd = sv[1];
	c.s = stream(cx, c.fd, host);
	s.s = stream(sx, s.fd, NULL);
	drive(&c, &s);
	rc = c.rc;
	snprintf(cerr, len, "%s", c.s->err);
	c.s->ops->free(c.s);
	s.s->ops->free(s.s);
	close(sv[0]);
	close(sv[1]);
	natport_tls_ctx_free(sx);
	natport_tls_ctx_free(cx);
	return rc;
}

START_TEST(handshake_and_data)
{
	int fds = count_fds(), sv[2], want;
	struct natport_tls_ctx *sx = server_ctx("server.pem", "server.key");
	struct natport_tls_ctx *cx = client_ctx("ca.pem");
	struct natport_tls_stats st0, st1;
	struct end c = { 0 }, s = { 0 };
	char buf[64];
	ssize_t n;

	natport_tls_stats_get(&st0);
	pair(sv);
	c.fd = sv[0];
	s.fd = sv[1];
	c.s = stream(cx, c.fd, "provider.test");
	s.s = stream(sx, s.fd, NULL);
	/* before the peer said anything the server can only wait to read */
	ck_assert_int_eq(s.s->ops->handshake(s.s, &want), -EAGAIN);
	ck_assert_int_eq(want, NATPORT_STREAM_WANT_READ);
	drive(&c, &s);
	ck_assert_msg(c.rc == 0 && s.rc == 0, "client %d (%s) server %d (%s)",
		      c.rc, c.s->err, s.rc, s.s->err);
	natport_tls_stats_get(&st1);
	ck_assert_uint_eq(st1.handshakes_ok - st0.handshakes_ok, 2);
	ck_assert_uint_eq(st1.handshakes_failed, st0.handshakes_failed);

	/* nothing to read yet: EAGAIN wanting read, not an error */
	ck_assert_int_eq(s.s->ops->read(s.s, buf, sizeof(buf), &want), -EAGAIN);
	ck_assert_int_eq(want, NATPORT_STREAM_WANT_READ);
	ck_assert_int_eq(c.s->ops->write(c.s, "OPTIONS", 7, &want), 7);
	n = s.s->ops->read(s.s, buf, sizeof(buf), &want);
	ck_assert_int_eq(n, 7);
	ck_assert_int_eq(memcmp(buf, "OPTIONS", 7), 0);
	ck_assert_int_eq(s.s->ops->write(s.s, "200", 3, &want), 3);
	ck_assert_int_eq(c.s->ops->read(c.s, buf, sizeof(buf), &want), 3);

	/* free sends close_notify: the server reads an orderly close */
	c.s->ops->free(c.s);
	ck_assert_int_eq(s.s->ops->read(s.s, buf, sizeof(buf), &want), 0);
	s.s->ops->free(s.s);
	close(sv[0]);
	close(sv[1]);
	natport_tls_ctx_free(sx);
	natport_tls_ctx_free(cx);
	ck_assert_int_eq(count_fds(), fds);
}
END_TEST

START_TEST(verify_ok_by_ip_literal)
{
	char err[160];

	/* the provider named by address: checked against its IP SAN */
	ck_assert_int_eq(try_connect("ca.pem", "server.pem", "server.key",
				     "127.0.0.1", err, sizeof(err)),
			 0);
	ck_assert_int_eq(try_connect("ca.pem", "chain.pem", "server.key",
				     "198.51.100.20", err, sizeof(err)),
			 0);
}
END_TEST

START_TEST(verify_wrong_ca)
{
	struct natport_tls_stats st0, st1;
	char err[160];
	int fds = count_fds();

	natport_tls_stats_get(&st0);
	ck_assert_int_eq(try_connect("other-ca.pem", "server.pem", "server.key",
				     "provider.test", err, sizeof(err)),
			 -EPROTO);
	ck_assert_msg(strstr(err, "certificate verify failed: unable to get "
				  "local issuer certificate"),
		      "%s", err);
	ck_assert_msg(strstr(err, "(provider.test)"), "%s", err);
	ck_assert_msg(strstr(err, "peer "), "%s", err);
	natport_tls_stats_get(&st1);
	ck_assert_uint_eq(st1.verify_failed - st0.verify_failed, 1);
	ck_assert_uint_ge(st1.handshakes_failed - st0.handshakes_failed, 1);
	ck_assert_int_eq(count_fds(), fds);
}
END_TEST

START_TEST(verify_untrusted_server)
{
	char err[160];

	/* right names, wrong issuer */
	ck_assert_int_eq(try_connect("ca.pem", "rogue.pem", "rogue.key",
				     "provider.test", err, sizeof(err)),
			 -EPROTO);
	ck_assert_msg(strstr(err, "certificate verify failed"), "%s", err);
}
END_TEST

START_TEST(verify_wrong_hostname)
{
	char err[160];

	ck_assert_int_eq(try_connect("ca.pem", "server.pem", "server.key",
				     "evil.test", err, sizeof(err)),
			 -EPROTO);
	ck_assert_msg(strstr(err, "certificate verify failed: hostname "
				  "mismatch"),
		      "%s", err);
	ck_assert_msg(strstr(err, "(evil.test)"), "%s", err);
	ck_assert_int_eq(try_connect("ca.pem", "server.pem", "server.key",
				     "192.0.2.1", err, sizeof(err)),
			 -EPROTO);
	ck_assert_msg(strstr(err, "IP address mismatch"), "%s", err);
	/* no partial wildcard or suffix match either */
	ck_assert_int_eq(try_connect("ca.pem", "server.pem", "server.key",
				     "sip.provider.test", err, sizeof(err)),
			 -EPROTO);
}
END_TEST

START_TEST(verify_needs_a_name)
{
	struct natport_tls_ctx *cx = client_ctx("ca.pem");
	char err[160] = "";

	ck_assert_ptr_null(
		natport_tls_stream_new(cx, 0, NULL, err, sizeof(err)));
	ck_assert_msg(strstr(err, "no name"), "%s", err);
	natport_tls_ctx_free(cx);
}
END_TEST

START_TEST(tls11_refused)
{
	struct natport_tls_config c = { .cert_file = f("server.pem"),
					.key_file = f("server.key"),
					.min_version = TLS1_1_VERSION };
	struct natport_tls_ctx *sx;
	struct end cl = { 0 }, s = { 0 };
	char err[160] = "";
	SSL_CTX *old;
	int sv[2];

	/* not even on request */
	ck_assert_ptr_null(natport_tls_ctx_new(&c, 1, err, sizeof(err)));
	ck_assert_msg(strstr(err, "1.2"), "%s", err);

	/* a TLS 1.1-only client against our listener */
	sx = server_ctx("server.pem", "server.key");
	old = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_security_level(old, 0); /* else 1.1 is off client-side */
	ck_assert_int_eq(SSL_CTX_set_min_proto_version(old, TLS1_1_VERSION), 1);
	ck_assert_int_eq(SSL_CTX_set_max_proto_version(old, TLS1_1_VERSION), 1);
	SSL_CTX_set_verify(old, SSL_VERIFY_NONE, NULL);
	pair(sv);
	cl.fd = sv[0];
	s.fd = sv[1];
	cl.raw = SSL_new(old);
	SSL_set_fd(cl.raw, cl.fd);
	SSL_set_connect_state(cl.raw);
	s.s = stream(sx, s.fd, NULL);
	drive(&cl, &s);
	ck_assert_int_lt(s.rc, 0);
	ck_assert_int_ne(cl.rc, 0);
	ck_assert_msg(strstr(s.s->err, "TLS handshake failed: unsupported "
				       "protocol"),
		      "%s", s.s->err);
	SSL_free(cl.raw);
	SSL_CTX_free(old);
	s.s->ops->free(s.s);
	close(sv[0]);
	close(sv[1]);
	natport_tls_ctx_free(sx);
}
END_TEST

/* A provider that requires a client certificate from the CA it trusts. */
static int provider_wants_cert(const char *cert, const char *key, char *err,
			       size_t len)
{
	struct natport_tls_config c = { .cert_file = cert ? f(cert) : NULL,
					.key_file = key ? f(key) : NULL,
					.ca_file = f("ca.pem"),
					.verify_peer = 1 };
	struct natport_tls_ctx *cx;
	struct end cl = { 0 }, s = { 0 };
	SSL_CTX *prov = SSL_CTX_new(TLS_server_method());
	char buf[8];
	int sv[2], rc, want;

	cx = natport_tls_ctx_new(&c, 0, err, len);
	ck_assert_msg(cx != NULL, "%s", err);
	ck_assert_int_eq(
		SSL_CTX_use_certificate_chain_file(prov, f("server.pem")), 1);
	ck_assert_int_eq(SSL_CTX_use_PrivateKey_file(prov, f("server.key"),
						     SSL_FILETYPE_PEM),
			 1);
	ck_assert_int_eq(SSL_CTX_load_verify_locations(prov, f("ca.pem"), NULL),
			 1);
	SSL_CTX_set_verify(
		prov, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	pair(sv);
	cl.fd = sv[0];
	s.fd = sv[1];
	cl.s = stream(cx, cl.fd, "provider.test");
	s.raw = SSL_new(prov);
	SSL_set_fd(s.raw, s.fd);
	SSL_set_accept_state(s.raw);
	drive(&cl, &s);
	rc = cl.rc;
	/* TLS 1.3: the client learns of the refusal on its first read */
	if (!rc && s.rc) {
		rc = (int)cl.s->ops->read(cl.s, buf, sizeof(buf), &want);
		if (rc == -EAGAIN) {
			struct pollfd p = { .fd = cl.fd, .events = POLLIN };

			poll(&p, 1, 2000);
			rc = (int)cl.s->ops->read(cl.s, buf, sizeof(buf),
						  &want);
		}
	}
	snprintf(err, len, "%s", cl.s->err);
	cl.s->ops->free(cl.s);
	SSL_free(s.raw);
	SSL_CTX_free(prov);
	close(sv[0]);
	close(sv[1]);
	natport_tls_ctx_free(cx);
	return rc;
}

START_TEST(client_certificate)
{
	char err[160] = "";

	ck_assert_int_eq(provider_wants_cert("client.pem", "client.key", err,
					     sizeof(err)),
			 0);
	ck_assert_int_lt(provider_wants_cert(NULL, NULL, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "certificate required") ||
			      strstr(err, "handshake failure"),
		      "%s", err);
}
END_TEST

/* 256 KiB through a socketpair with small buffers: writes that block
 * half-way and are retried from a moved buffer (same bytes, another
 * address, as from a reallocated output queue), and every byte arrives in
 * order. */
START_TEST(partial_writes)
{
	struct natport_tls_ctx *sx = server_ctx("server.pem", "server.key");
	struct natport_tls_ctx *cx = client_ctx("ca.pem");
	size_t total = 256 * 1024, sent = 0, got = 0;
	unsigned char *out = malloc(total), *in = malloc(total), *copy;
	int sv[2], small = 4096, want, retries = 0, rounds = 0;
	struct end c = { 0 }, s = { 0 };

	for (size_t i = 0; i < total; i++)
		out[i] = (unsigned char)(i * 7 + (i >> 9));
	pair(sv);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	c.fd = sv[0];
	s.fd = sv[1];
	c.s = stream(cx, c.fd, "provider.test");
	s.s = stream(sx, s.fd, NULL);
	drive(&c, &s);
	ck_assert_int_eq(c.rc, 0);
	ck_assert_int_eq(s.rc, 0);
	while (got < total) {
		ssize_t n;

		ck_assert_int_lt(++rounds, 100000);
		if (sent < total) {
			/* a fresh copy each time: the queue may have moved */
			copy = malloc(total - sent);
			memcpy(copy, out + sent, total - sent);
			n = c.s->ops->write(c.s, copy, total - sent, &want);
			free(copy);
			if (n > 0)
				sent += (size_t)n;
			else {
				ck_assert_int_eq(n, -EAGAIN);
				retries++;
			}
		}
		n = s.s->ops->read(s.s, in + got, total - got, &want);
		if (n > 0)
			got += (size_t)n;
		else
			ck_assert_int_eq(n, -EAGAIN);
	}
	ck_assert_int_eq(memcmp(in, out, total), 0);
	ck_assert_int_gt(retries, 0); /* the moved-buffer retry happened */
	c.s->ops->free(c.s);
	s.s->ops->free(s.s);
	close(sv[0]);
	close(sv[1]);
	free(in);
	free(out);
	natport_tls_ctx_free(sx);
	natport_tls_ctx_free(cx);
}
END_TEST

START_TEST(peer_closes)
{
	struct natport_tls_ctx *sx = server_ctx("server.pem", "server.key");
	struct natport_tls_ctx *cx = client_ctx("ca.pem");
	struct end c = { 0 }, s = { 0 };
	int sv[2], want;
	char buf[16];

	/* after the handshake, a close without close_notify is an end */
	pair(sv);
	c.fd = sv[0];
	s.fd = sv[1];
	c.s = stream(cx, c.fd, "provider.test");
	s.s = stream(sx, s.fd, NULL);
	drive(&c, &s);
	ck_assert_int_eq(s.rc, 0);
	shutdown(c.fd, SHUT_RDWR);
	ck_assert_int_eq(s.s->ops->read(s.s, buf, sizeof(buf), &want), 0);
	/* and a write to the gone peer is an error, not a signal */
	ck_assert_int_lt(s.s->ops->write(s.s, "x", 1, &want), 0);
	c.s->ops->free(c.s);
	s.s->ops->free(s.s);
	close(sv[0]);
	close(sv[1]);

	/* during the handshake it is a failure with a line saying so */
	pair(sv);
	c.fd = sv[0];
	s.fd = sv[1];
	c.s = stream(cx, c.fd, "provider.test");
	ck_assert_int_eq(c.s->ops->handshake(c.s, &want), -EAGAIN);
	close(s.fd);
	ck_assert_int_lt(c.s->ops->handshake(c.s, &want), 0);
	ck_assert_msg(strstr(c.s->err, "TLS handshake") &&
			      strstr(c.s->err, "provider.test"),
		      "%s", c.s->err);
	c.s->ops->free(c.s);
	close(sv[0]);
	natport_tls_ctx_free(sx);
	natport_tls_ctx_free(cx);
}
END_TEST

START_TEST(check_files)
{
	struct natport_tls_config c = { .cert_file = f("server.pem"),
					.key_file = f("server.key"),
					.ca_file = f("ca.pem") };
	char err[256] = "";
	int fds = count_fds();

	ck_assert_msg(natport_tls_check_files(&c, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_int_eq(chmod(f("server.key"), 0640), 0);
	ck_assert_int_eq(natport_tls_check_files(&c, err, sizeof(err)), -EPERM);
	ck_assert_msg(strstr(err, "0640") && strstr(err, "chmod 600"), "%s",
		      err);
	ck_assert_int_eq(chmod(f("server.key"), 0600), 0);

	c.key_file = f("client.key");
	ck_assert_int_lt(natport_tls_check_files(&c, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "does not match"), "%s", err);

	c.key_file = f("missing.key");
	ck_assert_int_eq(natport_tls_check_files(&c, err, sizeof(err)),
			 -ENOENT);
	ck_assert_msg(strstr(err, "missing.key"), "%s", err);

	c.key_file = f("server.key");
	c.cert_file = f("ca.key"); /* not a certificate */
	ck_assert_int_lt(natport_tls_check_files(&c, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "ca.key"), "%s", err);

	c.cert_file = f("server.pem");
	c.ca_file = f("server.key"); /* not a CA */
	ck_assert_int_lt(natport_tls_check_files(&c, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "CA file"), "%s", err);

	/* a certificate without its key, and the other way round */
	c.ca_file = NULL;
	c.key_file = NULL;
	ck_assert_int_lt(natport_tls_check_files(&c, err, sizeof(err)), 0);
	ck_assert_int_eq(count_fds(), fds);
}
END_TEST

START_TEST(listener_needs_identity)
{
	struct natport_tls_config c = { 0 };
	char err[160] = "";

	ck_assert_ptr_null(natport_tls_ctx_new(&c, 1, err, sizeof(err)));
	ck_assert_msg(strstr(err, "tls-cert"), "%s", err);
	c.cert_file = f("server.pem");
	c.key_file = f("client.key");
	ck_assert_ptr_null(natport_tls_ctx_new(&c, 1, err, sizeof(err)));
	ck_assert_msg(strstr(err, "does not match"), "%s", err);
}
END_TEST

#define BASE                                               \
	"lan-address 192.0.2.1\nlan-prefix 192.0.2.0/24\n" \
	"wan-address 198.51.100.1\n"

static int parse(const char *extra, struct natport_config *c, char *err,
		 size_t len)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), BASE "%s", extra);
	return natport_config_parse(c, "t.conf", buf, strlen(buf), err, len);
}

START_TEST(config_keys)
{
	struct natport_config c;
	struct natport_tls_config tc;
	char err[256] = "", extra[1024];

	ck_assert_int_eq(parse("", &c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.sip_tls, 0);
	ck_assert_int_eq(c.sip_tls_port, 5061);
	ck_assert_int_eq(c.tls_verify, 1);
	ck_assert_int_eq(c.tls_min_version, TLS1_2_VERSION);
	ck_assert_int_eq(natport_tls_check_config(&c, err, sizeof(err)), 0);

	snprintf(extra, sizeof(extra),
		 "sip-tls yes\nsip-tls-port 5071\ntls-cert %s\ntls-key %s\n"
		 "tls-ca-file %s\ntls-verify no\ntls-client-cert %s\n"
		 "tls-client-key %s\ntls-min-version 1.3\n",
		 f("chain.pem"), f("server.key"), f("ca.pem"), f("client.pem"),
		 f("client.key"));
	ck_assert_msg(parse(extra, &c, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(c.sip_tls, 1);
	ck_assert_int_eq(c.sip_tls_port, 5071);
	ck_assert_int_eq(c.tls_verify, 0);
	ck_assert_int_eq(c.tls_min_version, TLS1_3_VERSION);
	natport_tls_config_listen(&c, &tc);
	ck_assert_str_eq(tc.cert_file, f("chain.pem"));
	ck_assert_ptr_null(tc.ca_file);
	natport_tls_config_provider(&c, &tc);
	ck_assert_str_eq(tc.cert_file, f("client.pem"));
	ck_assert_str_eq(tc.ca_file, f("ca.pem"));
	ck_assert_int_eq(tc.verify_peer, 0);
	ck_assert_msg(natport_tls_check_config(&c, err, sizeof(err)) == 0, "%s",
		      err);

	/* a readable client key is named as such */
	ck_assert_int_eq(chmod(f("client.key"), 0644), 0);
	ck_assert_int_eq(natport_tls_check_config(&c, err, sizeof(err)),
			 -EPERM);
	ck_assert_msg(strstr(err, "tls-client-cert") &&
			      strstr(err, "client.key"),
		      "%s", err);
	ck_assert_int_eq(chmod(f("client.key"), 0600), 0);

	ck_assert_int_eq(parse("sip-tls yes\n", &c, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "t.conf:4: sip-tls yes needs tls-cert"), "%s",
		      err);
	ck_assert_int_eq(parse("tls-min-version 1.1\n", &c, err, sizeof(err)),
			 -1);
	ck_assert_msg(strstr(err, "expected 1.2 or 1.3"), "%s", err);
	ck_assert_int_eq(parse("tls-cert relative.pem\n", &c, err, sizeof(err)),
			 -1);
	ck_assert_int_eq(parse("tls-verify maybe\n", &c, err, sizeof(err)), -1);
	snprintf(extra, sizeof(extra), "tls-client-cert %s\n", f("client.pem"));
	ck_assert_int_eq(parse(extra, &c, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "go together"), "%s", err);
	snprintf(extra, sizeof(extra),
		 "sip-tls yes\nsip-tls-port 5060\ntls-cert %s\ntls-key %s\n",
		 f("server.pem"), f("server.key"));
	ck_assert_int_eq(parse(extra, &c, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "must differ"), "%s", err);
}
END_TEST

START_TEST(config_restart)
{
	struct natport_config a, b;
	char err[256], extra[512];

	ck_assert_int_eq(parse("", &a, err, sizeof(err)), 0);
	snprintf(extra, sizeof(extra), "tls-cert %s\ntls-key %s\n",
		 f("server.pem"), f("server.key"));
	ck_assert_int_eq(parse(extra, &b, err, sizeof(err)), 0);
	ck_assert_str_eq(natport_config_restart_needed(&a, &b), "tls-cert");
	ck_assert_int_eq(parse("tls-verify no\n", &b, err, sizeof(err)), 0);
	ck_assert_str_eq(natport_config_restart_needed(&a, &b), "tls-ca-file");
	ck_assert_int_eq(parse("sip-tls-port 5062\n", &b, err, sizeof(err)), 0);
	ck_assert_str_eq(natport_config_restart_needed(&a, &b), "sip-tls-port");
}
END_TEST

static Suite *tls_suite(void)
{
	Suite *s = suite_create("tls");
	TCase *t = tcase_create("tls");

	tcase_add_unchecked_fixture(t, pki_setup, pki_teardown);
	tcase_set_timeout(t, 30);
	tcase_add_test(t, handshake_and_data);
	tcase_add_test(t, verify_ok_by_ip_literal);
	tcase_add_test(t, verify_wrong_ca);
	tcase_add_test(t, verify_untrusted_server);
	tcase_add_test(t, verify_wrong_hostname);
	tcase_add_test(t, verify_needs_a_name);
	tcase_add_test(t, tls11_refused);
	tcase_add_test(t, client_certificate);
	tcase_add_test(t, partial_writes);
	tcase_add_test(t, peer_closes);
	tcase_add_test(t, check_files);
	tcase_add_test(t, listener_needs_identity);
	tcase_add_test(t, config_keys);
	tcase_add_test(t, config_restart);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return unit_run(tls_suite());
}
