// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_pm - mapping setup+teardown rate through libnatport, against raw
 * batched ctnetlink entry creation measured in the same run.
 *
 *   bench_pm [-n MAPPINGS] [-r ROUNDS]
 *
 * Runs in a private network namespace it makes itself. Prints one line per
 * figure: "name value" (rates in operations per second, medians of the
 * rounds, rounds alternate so drift hits both sides alike).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include <natport/natport.h>

#include "rawct.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Raw: entries like natport's (DNAT, mark, SEEN_REPLY), built alike for
 * the create and the delete. */
static void raw_fill(struct nf_conntrack *ct, int id, bool del, void *arg)
{
	(void)del;
	(void)arg;
	nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET);
	nfct_set_attr_u8(ct, ATTR_L4PROTO, IPPROTO_UDP);
	nfct_set_attr_u32(ct, ATTR_IPV4_SRC, inet_addr("198.51.100.20"));
	nfct_set_attr_u32(ct, ATTR_IPV4_DST, inet_addr("198.51.100.1"));
	nfct_set_attr_u16(ct, ATTR_PORT_SRC, htons(6000));
	nfct_set_attr_u16(ct, ATTR_PORT_DST, htons(10000 + id % 50000));
	nfct_setobjopt(ct, NFCT_SOPT_SETUP_REPLY);
	nfct_set_attr_u32(ct, ATTR_DNAT_IPV4,
			  htonl(0xc0000200 + 10 + id / 50000));
	nfct_set_attr_u16(ct, ATTR_DNAT_PORT, htons(4000 + 2 * (id % 20000)));
	nfct_set_attr_u32(ct, ATTR_STATUS, IPS_SEEN_REPLY | IPS_ASSURED);
	nfct_set_attr_u32(ct, ATTR_TIMEOUT, 600);
	nfct_set_attr_u32(ct, ATTR_MARK, 0x12340000);
}

/* n raw entries created, then deleted (rawct.h). Returns the creation
 * rate; *cycle_rate gets create+delete, the kernel's floor for a
 * mapping's whole life. */
static double raw_create(int n, double *cycle_rate)
{
	double t0 = now(), t, tdel;

	rawct_run(n, false, raw_fill, NULL);
	t = now() - t0;
	t0 = now();
	rawct_run(n, true, raw_fill, NULL);
	tdel = now() - t0;
	*cycle_rate = n / (t + tdel);
	/* the next round must start from an empty table too */
	if (system("conntrack -D -m 0x12340000 >/dev/null 2>&1") < 0)
		perror("bench_pm: conntrack -D");
	return n / t;
}

/* One port manager, sized to n mappings; a first, untimed cycle binds
 * every pair's sockets, as a daemon's would be after its first calls, so
 * the timed cycle measures the steady state. */
static double lib_cycle(int n, double *setup_rate)
{
	struct natport_pm_config cfg = { 0 };
	struct natport_pm *pm;
	struct natport_mapping_req req = { .type = NATPORT_PORT_AUDIO_RTP };
	struct natport_mapping m;
	char err[256];
	double t0, t1, t2;
	int i;
	struct natport_mapping *maps = calloc(n, sizeof(*maps));

	natport_endpoint_parse("198.51.100.1", &cfg.external);
	natport_prefix_parse("192.0.2.0/24", &cfg.internal[0]);
	cfg.n_internal = 1;
	cfg.port_min = 10000;
	cfg.port_max = 10000 + 2 * n - 1;
	cfg.quarantine_ms = 0;
	pm = natport_pm_open(&cfg, err, sizeof(err));
	if (!pm) {
		fprintf(stderr, "bench_pm: %s\n", err);
		exit(1);
	}
	natport_endpoint_parse("198.51.100.20:6000", &req.remote);
	for (int warm = 1; warm >= 0; warm--) {
		t0 = now();
		for (i = 0; i < n; i++) {
			req.internal.family = AF_INET;
			req.internal.addr.v4.s_addr =
				htonl(0xc0000200 + 10 + i % 200);
			req.internal.port = 4000 + 2 * (i / 200);
			if (natport_pm_get_mapping(pm, &req, &maps[i])) {
				fprintf(stderr, "bench_pm: get: %s\n",
					natport_pm_last_error(pm));
				exit(1);
			}
		}
		t1 = now();
		for (i = 0; i < n; i++)
			natport_pm_release_id(pm, maps[i].id);
		t2 = now();
	}
	(void)m;
	natport_pm_close(pm);
	free(maps);
	*setup_rate = n / (t1 - t0);
	return n / (t2 - t0);
}

/* The same, the way a SIP answer comes: per stream, RTP and RTCP are
 * mapped, then both remotes are set in one update_remote_many(). */
static double lib_stream_cycle(int n)
{
	struct natport_pm_config cfg = { 0 };
	struct natport_pm *pm;
	struct natport_mapping_req req = { .type = NATPORT_PORT_AUDIO_RTP };
	struct natport_remote_update u[2];
	char err[256];
	double t0 = 0, t1 = 0;
	int i, warm;
	struct natport_mapping *maps = calloc(n, sizeof(*maps));

	natport_endpoint_parse("198.51.100.1", &cfg.external);
	natport_prefix_parse("192.0.2.0/24", &cfg.internal[0]);
	cfg.n_internal = 1;
	cfg.port_min = 10000;
	cfg.port_max = 10000 + n - 1; /* n/2 pairs */
	pm = natport_pm_open(&cfg, err, sizeof(err));
	if (!pm) {
		fprintf(stderr, "bench_pm: %s\n", err);
		exit(1);
	}
	memset(u, 0, sizeof(u));
	natport_endpoint_parse("198.51.100.20:6000", &u[0].remote);
	natport_endpoint_parse("198.51.100.20:6001", &u[1].remote);
	for (warm = 1; warm >= 0; warm--) {
		t0 = now();
		for (i = 0; i + 1 < n; i += 2) {
			req.type = NATPORT_PORT_AUDIO_RTP;
			req.internal.family = AF_INET;
			req.internal.addr.v4.s_addr =
				htonl(0xc0000200 + 10 + (i / 2) % 200);
			req.internal.port = 4000 + 2 * (i / 400);
			if (natport_pm_get_mapping(pm, &req, &maps[i]))
				break;
			req.type = NATPORT_PORT_AUDIO_RTCP;
			req.internal.port++;
			if (natport_pm_get_mapping(pm, &req, &maps[i + 1]))
				break;
			u[0].external = maps[i].external;
			u[1].external = maps[i + 1].external;
			if (natport_pm_update_remote_many(pm, u, 2))
				break;
		}
		if (i + 1 < n) {
			fprintf(stderr, "bench_pm: stream %d: %s\n", i / 2,
				natport_pm_last_error(pm));
			exit(1);
		}
		for (i = 0; i < n; i++)
			natport_pm_release_id(pm, maps[i].id);
		t1 = now();
	}
	natport_pm_close(pm);
	free(maps);
	return (n & ~1) / (t1 - t0);
}

int main(int argc, char **argv)
{
	int n = 20000, rounds = 5, opt, r;
	double raw[16], rawc[16], lib[16], setup[16], stream[16];

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 'r')
			rounds = atoi(optarg);
	}
	if (rounds < 1 || rounds > 16 || n < 1 || n > 24000) {
		fprintf(stderr, "bench_pm: -n 1..24000, -r 1..16\n");
		return 2;
	}
	if (unshare(CLONE_NEWNET) ||
	    system("ip link set lo up && ip link add np0 type veth peer name np1 && "
		   "ip addr add 198.51.100.1/24 dev np0 && "
		   "ip addr add 192.0.2.1/24 dev np0 && ip link set np0 up")) {
		fprintf(stderr, "bench_pm: needs root (private netns)\n");
		return 77;
	}
	for (r = 0; r < rounds; r++) {
		raw[r] = raw_create(n, &rawc[r]);
		lib[r] = lib_cycle(n, &setup[r]);
		stream[r] = lib_stream_cycle(n);
	}
	qsort(raw, rounds, sizeof(double), cmp);
	qsort(rawc, rounds, sizeof(double), cmp);
	qsort(lib, rounds, sizeof(double), cmp);
	qsort(setup, rounds, sizeof(double), cmp);
	qsort(stream, rounds, sizeof(double), cmp);
	printf("raw_ctnetlink_create_per_s %.0f\n", raw[rounds / 2]);
	printf("lib_mapping_setup_teardown_per_s %.0f\n", lib[rounds / 2]);
	printf("lib_mapping_setup_per_s %.0f\n", setup[rounds / 2]);
	printf("raw_ctnetlink_create_delete_per_s %.0f\n", rawc[rounds / 2]);
	printf("lib_stream_setup_teardown_per_s %.0f\n", stream[rounds / 2]);
	printf("ratio_stream %.3f\n", stream[rounds / 2] / raw[rounds / 2]);
	printf("ratio %.3f\n", lib[rounds / 2] / raw[rounds / 2]);
	printf("ratio_vs_create_delete %.3f\n",
	       lib[rounds / 2] / rawc[rounds / 2]);
	return 0;
}
