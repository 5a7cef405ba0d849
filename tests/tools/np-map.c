// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * np-map - drive libnatport from tests and the demo: one command per line
 * on stdin, one answer line on stdout ("ok ..." or "err <code> <text>").
 * While it waits for input it dispatches the port manager's events, so
 * mappings are kept alive exactly as a daemon would keep them.
 *
 *   np-map -e EXT_ADDR [-e ...] -l LAN_PREFIX [-l ...] [-p MIN-MAX] [-q MS]
 *          [-t TABLE]      (a second -e and more: more external addresses)
 *          [-m TAG]        (ct mark tag, e.g. 0x4e5b0000: entries marked
 *                           below it are not this instance's to sweep)
 *          [-E EXT6_ADDR -N]   (IPv6: -l 2001:db8:1::/64 gives pinholes;
 *                               -N makes them NAT66 on EXT6_ADDR)
 *
 * Addresses are IPv4 or IPv6, bare in the address arguments below and
 * [bracketed] where a port follows (a remote "[2001:db8:2::20]:5000");
 * answers give them bare.
 *
 *   get <type> <int_addr> <int_port> [<remote_addr>[:<port>]] [rtp=<port>]
 *                                   -> ok <id> <ext_addr> <ext_port>
 *   update <ext_addr> <ext_port> <remote_addr> <remote_port>   -> ok <id>
 *   release <int_addr> <int_port> <ext_addr> <ext_port>        -> ok
 *   release-id <id>                                            -> ok
 *   counters <id>       -> ok pkts_in=N bytes_in=N pkts_out=N bytes_out=N
 *   list                -> one "map ..." line per mapping, then ok <n>
 *   stats               -> ok key=value ...
 *   sleep <ms>          -> ok   (dispatching events meanwhile)
 *   sipalg              -> ok none | ok active <why>
 *   quit
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <natport/natport.h>

static struct natport_pm *pm;
static int verbose_events;

static void usage(void)
{
	fprintf(stderr, "usage: np-map -e EXT_ADDR -l LAN_PREFIX [-l ...] "
			"[-p MIN-MAX] [-q QUARANTINE_MS] [-t NFT_TABLE] [-m TAG] "
			"[-E EXT6 [-N]] [-v]\n");
	exit(2);
}

/* one word per code, for scripts to match on */
static const char *const tokens[__NATPORT_E_MAX] = {
	"ok",	  "inval", "badaddr", "notsup", "noport",
	"noent", "exist", "kernel",  "nomem",  "sys",
};

static void reply_err(int err)
{
	printf("err %s %s: %s\n",
	       natport_is_error(err) ? tokens[NATPORT_E_INDEX(err)] : "errno",
	       natport_strerror(err),
	       natport_pm_last_error(pm));
}

static void on_event(const struct natport_event *ev, void *arg)
{
	static const char *const names[] = { "created", "remote", "released",
					     "destroyed", "restored", "ruleset" };
	char a[NATPORT_ENDPOINT_STRLEN], b[NATPORT_ENDPOINT_STRLEN];

	if (!verbose_events)
		return;
	fprintf(stderr, "event %s id=%u ext=%s remote=%s\n", names[ev->type],
		ev->mapping.id,
		natport_endpoint_format(&ev->mapping.external, a, sizeof(a)),
		natport_endpoint_format(&ev->mapping.remote, b, sizeof(b)));
}

static int parse_ep(const char *addr, const char *port,
		    struct natport_endpoint *ep)
{
	char *end;
	unsigned long p;

	if (!addr || natport_endpoint_parse(addr, ep))
		return -1;
	if (port) {
		errno = 0;
		p = strtoul(port, &end, 10);
		if (errno || *end || p > 65535)
			return -1;
		ep->port = p;
	}
	return 0;
}

static void wait_ms(int ms)
{
	struct timespec ts;
	long long end, now;
	struct pollfd pfd = { .fd = natport_pm_fd(pm), .events = POLLIN };

	clock_gettime(CLOCK_MONOTONIC, &ts);
	end = ts.tv_sec * 1000LL + ts.tv_nsec / 1000000 + ms;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
		if (now >= end)
			break;
		if (poll(&pfd, 1, end - now) > 0)
			natport_pm_dispatch(pm);
	}
}

static int print_map(const struct natport_mapping *m, void *arg)
{
	char a[NATPORT_ENDPOINT_STRLEN], b[NATPORT_ENDPOINT_STRLEN],
		c[NATPORT_ENDPOINT_STRLEN];

	printf("map id=%u type=%s state=%s internal=%s external=%s remote=%s\n",
	       m->id, natport_port_type_name(m->type),
	       natport_mapping_state_name(m->state),
	       natport_endpoint_format(&m->internal, a, sizeof(a)),
	       natport_endpoint_format(&m->external, b, sizeof(b)),
	       natport_endpoint_format(&m->remote, c, sizeof(c)));
	(*(int *)arg)++;
	return 0;
}

static void command(char *line)
{
	char *argv[8];
	int argc = 0, err;
	char *tok, *save = NULL;
	struct natport_endpoint i, e, r;
	struct natport_mapping m;
	char a[NATPORT_ENDPOINT_STRLEN];
	unsigned int port;

	for (tok = strtok_r(line, " \t\r\n", &save); tok && argc < 8;
	     tok = strtok_r(NULL, " \t\r\n", &save))
		argv[argc++] = tok;
	if (argc == 0)
		return;

	if (!strcmp(argv[0], "get") && argc >= 4) {
		struct natport_mapping_req req = { 0 };
		int t = natport_port_type_parse(argv[1]), k;

		if (t < 0 || parse_ep(argv[2], argv[3], &req.internal)) {
			printf("err inval bad arguments\n");
			return;
		}
		req.type = t;
		for (k = 4; k < argc; k++) {
			if (!strncmp(argv[k], "rtp=", 4))
				req.rtp_internal_port = atoi(argv[k] + 4);
			else if (parse_ep(argv[k], NULL, &req.remote)) {
				printf("err inval bad remote\n");
				return;
			}
		}
		err = natport_pm_get_mapping(pm, &req, &m);
		if (err)
			return reply_err(err);
		port = m.external.port;
		m.external.port = 0; /* the bare address, the port apart */
		natport_endpoint_format(&m.external, a, sizeof(a));
		printf("ok %u %s %u\n", m.id, a, port);
	} else if (!strcmp(argv[0], "update") && argc == 5) {
		if (parse_ep(argv[1], argv[2], &e) ||
		    parse_ep(argv[3], argv[4], &r)) {
			printf("err inval bad arguments\n");
			return;
		}
		err = natport_pm_update_remote(pm, &e, &r, &m);
		if (err)
			return reply_err(err);
		printf("ok %u\n", m.id);
	} else if (!strcmp(argv[0], "release") && argc == 5) {
		if (parse_ep(argv[1], argv[2], &i) ||
		    parse_ep(argv[3], argv[4], &e)) {
			printf("err inval bad arguments\n");
			return;
		}
		err = natport_pm_release(pm, &i, &e);
		if (err)
			return reply_err(err);
		printf("ok\n");
	} else if (!strcmp(argv[0], "release-id") && argc == 2) {
		err = natport_pm_release_id(pm, strtoul(argv[1], NULL, 10));
		if (err)
			return reply_err(err);
		printf("ok\n");
	} else if (!strcmp(argv[0], "counters") && argc == 2) {
		struct natport_counters c;

		err = natport_pm_counters(pm, strtoul(argv[1], NULL, 10), &c);
		if (err)
			return reply_err(err);
		printf("ok pkts_in=%llu bytes_in=%llu pkts_out=%llu bytes_out=%llu\n",
		       (unsigned long long)c.pkts_in,
		       (unsigned long long)c.bytes_in,
		       (unsigned long long)c.pkts_out,
		       (unsigned long long)c.bytes_out);
	} else if (!strcmp(argv[0], "list")) {
		int n = 0;

		natport_pm_foreach(pm, print_map, &n);
		printf("ok %d\n", n);
	} else if (!strcmp(argv[0], "stats")) {
		struct natport_pm_stats s;
		uint64_t errs = 0;
		int k;

		natport_pm_get_stats(pm, &s);
		for (k = 1; k < __NATPORT_E_MAX; k++)
			errs += s.errors[k];
		printf("ok ports_total=%u ports_free=%u ports_held=%u "
		       "ports_quarantined=%u mappings=%u active=%u created=%llu "
		       "released=%llu errors=%llu kernel_destroyed=%llu "
		       "kernel_restored=%llu refreshes=%llu clashes=%llu "
		       "stale=%llu stray=%llu overruns=%llu nft_restored=%llu "
		       "capacity=%u headroom=%u addrs=%u fds=%u scans=%llu "
		       "skipped=%llu\n",
		       s.ports_total, s.ports_free, s.ports_held,
		       s.ports_quarantined, s.mappings, s.mappings_active,
		       (unsigned long long)s.created,
		       (unsigned long long)s.released,
		       (unsigned long long)errs,
		       (unsigned long long)s.kernel_destroyed,
		       (unsigned long long)s.kernel_restored,
		       (unsigned long long)s.refreshes,
		       (unsigned long long)s.clashes_removed,
		       (unsigned long long)s.stale_removed,
		       (unsigned long long)s.stray_packets,
		       (unsigned long long)s.event_overruns,
		       (unsigned long long)s.nft_restored, s.capacity,
		       s.headroom, s.external_addrs, s.fds,
		       (unsigned long long)s.scans,
		       (unsigned long long)s.refresh_skipped);
	} else if (!strcmp(argv[0], "sipalg")) {
		char why[200];

		err = natport_pm_sip_alg(pm, why, sizeof(why));
		if (err < 0)
			return reply_err(err);
		if (err)
			printf("ok active %s\n", why);
		else
			printf("ok none\n");
	} else if (!strcmp(argv[0], "sleep") && argc == 2) {
		wait_ms(atoi(argv[1]));
		printf("ok\n");
	} else {
		printf("err inval unknown command or wrong arguments: %s\n",
		       argv[0]);
	}
}

int main(int argc, char **argv)
{
	struct natport_pm_config cfg = { 0 };
	char err[256], line[512], in[4096];
	size_t inlen = 0;
	struct pollfd pfd[2];
	unsigned int lo, hi;
	int opt;

	cfg.port_min = 20000;
	cfg.port_max = 20099;
	cfg.quarantine_ms = 2000;
	while ((opt = getopt(argc, argv, "e:E:Nl:m:p:q:t:r:v")) != -1) {
		switch (opt) {
		case 'E':
			if (natport_endpoint_parse(optarg, &cfg.external6))
				usage();
			break;
		case 'N':
			cfg.nat66 = 1;
			break;
		case 'e':
			if (cfg.external.family == AF_UNSPEC) {
				if (natport_endpoint_parse(optarg,
							   &cfg.external))
					usage();
			} else if (cfg.n_external_more ==
					   NATPORT_MAX_EXTERNAL - 1 ||
				   natport_endpoint_parse(
					   optarg, &cfg.external_more
							   [cfg.n_external_more++])) {
				usage();
			}
			break;
		case 'l':
			if (cfg.n_internal == 8 ||
			    natport_prefix_parse(optarg,
						 &cfg.internal[cfg.n_internal++]))
				usage();
			break;
		case 'p':
			if (sscanf(optarg, "%u-%u", &lo, &hi) != 2 || hi > 65535)
				usage();
			cfg.port_min = lo;
			cfg.port_max = hi;
			break;
		case 'q':
			cfg.quarantine_ms = strtoul(optarg, NULL, 10);
			break;
		case 't':
			cfg.nft_table = optarg;
			break;
		case 'm':
			cfg.ct_mark_tag = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			cfg.refresh_ms = strtoul(optarg, NULL, 10);
			break;
		case 'v':
			verbose_events = 1;
			break;
		default:
			usage();
		}
	}
	pm = natport_pm_open(&cfg, err, sizeof(err));
	if (!pm) {
		fprintf(stderr, "np-map: %s\n", err);
		return 1;
	}
	natport_pm_set_event_cb(pm, on_event, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");

	pfd[0].fd = 0;
	pfd[0].events = POLLIN;
	pfd[1].fd = natport_pm_fd(pm);
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents & POLLIN)
			natport_pm_dispatch(pm);
		if (pfd[0].revents & (POLLIN | POLLHUP)) {
			/* read(), not fgets(): stdio would keep lines of a
			 * burst in its buffer, where poll() cannot see them,
			 * and they would wait for the next write (a burst of
			 * releases stalled so in test_scale) */
			ssize_t n = read(0, in + inlen, sizeof(in) - inlen);
			char *nl;

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			inlen += n;
			while ((nl = memchr(in, '\n', inlen))) {
				size_t l = nl - in + 1;

				snprintf(line, sizeof(line), "%.*s",
					 (int)(l - 1), in);
				memmove(in, in + l, inlen - l);
				inlen -= l;
				if (!strncmp(line, "quit", 4))
					goto out;
				command(line);
			}
			if (inlen == sizeof(in))
				inlen = 0; /* a line longer than any command */
		}
	}
out:
	natport_pm_close(pm);
	return 0;
}
