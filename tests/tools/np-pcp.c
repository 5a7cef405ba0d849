// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * np-pcp - PCP/NAT-PMP for natport's tests, from a LAN host.
 *
 *   np-pcp client -s ROUTER -l LOCAL [-t LIFETIME]
 *       the client API (include/natport/pcp.h) driven line by line on
 *       stdin: "map PORT pair|single" -> "ok ID EXTPORT LIFETIME",
 *       "peer ID ADDR:PORT" -> "ok", "release ID" -> "ok", "quit";
 *       "lookup ID" -> "ok EXTPORT", "events" -> "events renewed N
 *       changed N lost N restart N deleted N" (the callback's counts);
 *       errors are "err TEXT". Renewals run between lines.
 *   np-pcp raw -s ROUTER FILE.hex...
 *       send each packet (hex, whitespace ignored), print "NAME ANSWER"
 *       with ANSWER as tests/pcp/corpus/EXPECT writes it: drop, pcp
 *       RESULT_NAME or natpmp CODE.
 *   np-pcp many -s ROUTER -l LOCAL -p PORT -n COUNT -t LIFETIME [-T]
 *       COUNT MAP requests for PORT, PORT+1 ... with one nonce (so even
 *       and odd ports pair up), one at a time, retransmitted; prints "ok
 *       N failed M FIRST-RESULT"; -T asks for THIRD_PARTY LOCAL instead.
 *   np-pcp one -s ROUTER -l LOCAL -p PORT -t LIFETIME [-3 ADDR]
 *              [-N NONCE] [-f ADDR/LEN[:PORT] | -f 0]... [-e EXTPORT] [-P]
 *       one MAP; prints "RESULT EXTPORT LIFETIME"; -3 adds THIRD_PARTY,
 *       -N fixes the nonce (any text: hashed into 12 octets), so that a
 *       second call refreshes the first's lease, -f adds a FILTER (IPv4
 *       prefix length; "0" is the prefix length 0 that removes them),
 *       -e suggests an external port, -P adds PREFER_FAILURE.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <natport/pcp.h>

#include "../../userspace/lib/pcpmsg.h"

static struct natport_endpoint server, local;
static unsigned long lifetime = 3600;
static struct natport_pcp_filter filters[NATPORT_PCP_MAX_FILTERS];
static unsigned int n_filters;
static uint16_t suggest_port;
static int prefer_failure;
static const char *nonce_text;

/* "203.0.113.0/24:7000" or "0" into a FILTER (the wire's 128-bit
 * prefix length). */
static int filter_parse(const char *s, struct natport_pcp_filter *f)
{
	char a[64], *slash, *colon;
	unsigned long plen;

	memset(f, 0, sizeof(*f));
	if (!strcmp(s, "0")) {
		f->remote.family = AF_INET;
		return 0;
	}
	snprintf(a, sizeof(a), "%s", s);
	slash = strchr(a, '/');
	if (!slash)
		return -1;
	*slash++ = '\0';
	colon = strchr(slash, ':');
	if (colon) {
		*colon++ = '\0';
		f->remote.port = (uint16_t)strtoul(colon, NULL, 10);
	}
	plen = strtoul(slash, NULL, 10);
	if (plen > 32 || inet_pton(AF_INET, a, &f->remote.addr.v4) != 1)
		return -1;
	f->remote.family = AF_INET;
	f->prefix_len = (uint8_t)(plen + 96);
	return 0;
}

static int udp_socket(void)
{
	struct sockaddr_storage ss;
	struct natport_endpoint b = local;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	b.port = 0;
	if (fd < 0)
		return -1;
	if (local.family == AF_INET &&
	    bind(fd, (struct sockaddr *)&ss,
		 natport_endpoint_to_sockaddr(&b, &ss)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Send req, wait up to ms for an answer; its length or 0. */
static int transact(int fd, const uint8_t *req, size_t len, uint8_t *ans,
		    size_t anslen, int ms, int tries)
{
	struct sockaddr_storage ss;
	socklen_t sl = natport_endpoint_to_sockaddr(&server, &ss);

	while (tries--) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (sendto(fd, req, len, 0, (struct sockaddr *)&ss, sl) < 0)
			return 0;
		if (poll(&p, 1, ms) == 1) {
			ssize_t n = recv(fd, ans, anslen, 0);

			return n > 0 ? (int)n : 0;
		}
	}
	return 0;
}

static void answer_text(const uint8_t *a, int n, char *out, size_t len)
{
	if (n <= 0)
		snprintf(out, len, "drop");
	else if (a[0] == 0 && n >= 4)
		snprintf(out, len, "natpmp %u", (a[2] << 8) | a[3]);
	else if (n >= 4)
		snprintf(out, len, "pcp %s", natport_pcpmsg_result_name(a[3]));
	else
		snprintf(out, len, "short %d", n);
}

static int cmd_raw(int argc, char **argv)
{
	int fd = udp_socket(), i;

	for (i = 0; i < argc; i++) {
		uint8_t req[2048], ans[2048];
		char txt[64], name[256], *dot;
		size_t n = 0;
		int c, hi = -1;
		FILE *f = fopen(argv[i], "r");

		if (!f) {
			perror(argv[i]);
			return 1;
		}
		while ((c = fgetc(f)) != EOF && n < sizeof(req)) {
			int v;

			if (c >= '0' && c <= '9')
				v = c - '0';
			else if (c >= 'a' && c <= 'f')
				v = c - 'a' + 10;
			else if (c >= 'A' && c <= 'F')
				v = c - 'A' + 10;
			else
				continue;
			if (hi < 0)
				hi = v;
			else {
				req[n++] = (uint8_t)(hi << 4 | v);
				hi = -1;
			}
		}
		fclose(f);
		snprintf(name, sizeof(name), "%s",
			 strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 :
						 argv[i]);
		dot = strstr(name, ".hex");
		if (dot)
			*dot = '\0';
		answer_text(ans, transact(fd, req, n, ans, sizeof(ans), 300, 1),
			    txt, sizeof(txt));
		printf("%s %s\n", name, txt);
		fflush(stdout);
	}
	close(fd);
	return 0;
}

static int map_req(uint8_t *buf, const uint8_t *nonce, unsigned int port,
		   uint32_t lt, const struct natport_endpoint *third)
{
	struct natport_pcp_msg m = { .version = 2,
				     .opcode = NATPORT_PCP_OP_MAP,
				     .lifetime = lt,
				     .client = local,
				     .protocol = NATPORT_PCP_PROTO_UDP,
				     .internal_port = (uint16_t)port };

	memcpy(m.nonce, nonce, NATPORT_PCP_NONCE_LEN);
	m.client.port = 0;
	m.n_filters = n_filters;
	memcpy(m.filters, filters, sizeof(filters));
	m.prefer_failure = (uint8_t)prefer_failure;
	if (suggest_port) {
		m.external.family = AF_INET;
		m.external.port = suggest_port;
	}
	if (third) {
		m.has_third_party = 1;
		m.third_party = *third;
	}
	return natport_pcpmsg_encode(&m, buf, NATPORT_PCP_MAX_LEN);
}

static int cmd_many(unsigned int port, unsigned int count, int one,
		    const struct natport_endpoint *third)
{
	uint8_t nonce[NATPORT_PCP_NONCE_LEN], req[NATPORT_PCP_MAX_LEN],
		ans[NATPORT_PCP_MAX_LEN];
	unsigned int i, ok = 0, failed = 0;
	int fd = udp_socket(), first = -1;

	if (fd < 0 || getrandom(nonce, sizeof(nonce), 0) != sizeof(nonce))
		return 1;
	if (nonce_text) {
		uint32_t h = 2166136261u;

		for (i = 0; i < sizeof(nonce); i++) {
			for (const char *c = nonce_text; *c; c++)
				h = (h ^ (uint8_t)*c) * 16777619u;
			h = (h ^ i) * 16777619u;
			nonce[i] = (uint8_t)(h >> 24);
		}
	}
	for (i = 0; i < count; i++) {
		struct natport_pcp_msg r;
		int n = map_req(req, nonce, port + i, (uint32_t)lifetime,
				third);

		n = transact(fd, req, (size_t)n, ans, sizeof(ans), 500, 6);
		if (n <= 0 || natport_pcpmsg_decode_response(ans, (size_t)n,
							     &r)) {
			failed++;
			if (first < 0)
				first = 256;
			continue;
		}
		if (one) {
			printf("%s %u %u\n", natport_pcpmsg_result_name(r.result),
			       r.external.port, r.lifetime);
			return 0;
		}
		if (r.result) {
			failed++;
			if (first < 0)
				first = r.result;
		} else {
			ok++;
		}
	}
	if (one) {
		printf("drop 0 0\n");
		return 1;
	}
	printf("ok %u failed %u %s\n", ok, failed,
	       first < 0	? "-" :
	       first == 256 ? "no-answer" :
			      natport_pcpmsg_result_name((unsigned int)first));
	close(fd);
	return failed ? 1 : 0;
}

static unsigned int client_events[8];

static void on_client_event(const struct natport_pcp_event *ev, void *arg)
{
	(void)arg;
	if ((unsigned int)ev->type < 8)
		client_events[ev->type]++;
}

static int cmd_client(void)
{
	struct natport_pcp_config cfg = { .server = server, .local = local,
					  .lifetime = (uint32_t)lifetime };
	struct natport_pcp *c;
	char err[200], line[256];

	c = natport_pcp_open(&cfg, err, sizeof(err));
	if (!c) {
		printf("err %s\n", err);
		return 1;
	}
	natport_pcp_set_event_cb(c, on_client_event, NULL);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		struct pollfd p[2] = { { .fd = 0, .events = POLLIN },
				       { .fd = natport_pcp_fd(c),
					 .events = POLLIN } };
		struct natport_pcp_mapping m;
		struct natport_endpoint ep;
		unsigned int port, id;
		char kind[16], addr[80];
		int r;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			natport_pcp_dispatch(c);
		if (!p[0].revents)
			continue;
		if (!fgets(line, sizeof(line), stdin) || !strncmp(line, "quit", 4))
			break;
		if (sscanf(line, "map %u %15s", &port, kind) == 2) {
			r = natport_pcp_get_mapping(c, (uint16_t)port,
						    !strcmp(kind, "pair"), &m);
			if (r)
				printf("err %s\n", natport_pcp_last_error(c));
			else
				printf("ok %u %u %u\n", m.id, m.external.port,
				       m.lifetime);
		} else if (sscanf(line, "peer %u %79s", &id, addr) == 2) {
			if (natport_endpoint_parse(addr, &ep))
				printf("err bad address\n");
			else if ((r = natport_pcp_update_remote(c, id, &ep,
								NULL)))
				printf("err %s\n", natport_pcp_last_error(c));
			else
				printf("ok\n");
		} else if (sscanf(line, "lookup %u", &id) == 1) {
			if (natport_pcp_lookup(c, id, &m))
				printf("err no such mapping\n");
			else
				printf("ok %u\n", m.external.port);
		} else if (!strncmp(line, "events", 6)) {
			printf("events renewed %u changed %u lost %u restart %u deleted %u\n",
			       client_events[NATPORT_PCP_EV_RENEWED],
			       client_events[NATPORT_PCP_EV_CHANGED],
			       client_events[NATPORT_PCP_EV_LOST],
			       client_events[NATPORT_PCP_EV_RESTART],
			       client_events[NATPORT_PCP_EV_DELETED]);
		} else if (sscanf(line, "release %u", &id) == 1) {
			r = natport_pcp_release(c, id);
			printf(r ? "err %s\n" : "ok\n",
			       natport_pcp_last_error(c));
		} else {
			printf("err unknown command\n");
		}
		fflush(stdout);
	}
	natport_pcp_close(c);
	return 0;
}

int main(int argc, char **argv)
{
	struct natport_endpoint third = { 0 };
	unsigned long port = 0, count = 1;
	const char *mode = argc > 1 ? argv[1] : "";
	int opt, have_third = 0;

	optind = 2;
	while ((opt = getopt(argc, argv, "s:l:p:n:t:T3:N:f:e:P")) != -1) {
		switch (opt) {
		case 'N':
			nonce_text = optarg;
			break;
		case 'f':
			if (n_filters == NATPORT_PCP_MAX_FILTERS ||
			    filter_parse(optarg, &filters[n_filters++]))
				return 2;
			break;
		case 'e':
			suggest_port = (uint16_t)strtoul(optarg, NULL, 10);
			break;
		case 'P':
			prefer_failure = 1;
			break;
		case 's':
			if (natport_endpoint_parse(optarg, &server))
				return 2;
			break;
		case 'l':
			if (natport_endpoint_parse(optarg, &local))
				return 2;
			break;
		case 'p':
			port = strtoul(optarg, NULL, 10);
			break;
		case 'n':
			count = strtoul(optarg, NULL, 10);
			break;
		case 't':
			lifetime = strtoul(optarg, NULL, 10);
			break;
		case 'T':
			third = local;
			have_third = 1;
			break;
		case '3':
			if (natport_endpoint_parse(optarg, &third))
				return 2;
			have_third = 1;
			break;
		default:
			return 2;
		}
	}
	if (!server.port)
		server.port = NATPORT_PCP_SERVER_PORT;
	if (!strcmp(mode, "raw"))
		return cmd_raw(argc - optind, argv + optind);
	if (!strcmp(mode, "many"))
		return cmd_many((unsigned int)port, (unsigned int)count, 0,
				have_third ? &third : NULL);
	if (!strcmp(mode, "one"))
		return cmd_many((unsigned int)port, 1, 1,
				have_third ? &third : NULL);
	if (!strcmp(mode, "client"))
		return cmd_client();
	fprintf(stderr, "usage: np-pcp client|raw|many|one -s ROUTER ...\n");
	return 2;
}
