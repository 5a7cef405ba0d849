// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench_adopt - how long a restart takes to take back N live calls
 * (2 N entries: RTP and RTCP), against a fresh start with none, through
 * libnatport's adopt mode (natport.h "Restarts"); and a check that every
 * mapping comes back whole.
 *
 *   bench_adopt [-n CALLS] [-m]     (default 10000)
 *
 * -m: mixed sessions, every fourth call an IPv6 pinhole (LAN prefix
 * 2001:db8:1::/64, remote 2001:db8:2::5) among the IPv4 calls, so the
 * adopt path of both families is timed and checked together.
 *
 * In a private network namespace of its own: a port manager makes 2 N
 * mappings with remotes (kernel entries), detaches (the entries stay), a
 * second one opens in adopt mode and the caller claims every mapping
 * (natport_pm_adopt, as nat-portd does from its state file). Prints
 * "name value" lines; exits 1 if any mapping did not come back with its
 * id, ports and remote, or anything was left after the close.
 */
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <natport/natport.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int mixed;

/* Call i is IPv6 (a pinhole) in a mixed run. */
static int is_v6(unsigned int call)
{
	return mixed && call % 4 == 3;
}

static void config(struct natport_pm_config *cfg, unsigned int n, int adopt)
{
	memset(cfg, 0, sizeof(*cfg));
	natport_endpoint_parse("198.51.100.1", &cfg->external);
	natport_prefix_parse("192.0.2.0/24", &cfg->internal[0]);
	cfg->n_internal = 1;
	if (mixed)
		natport_prefix_parse("2001:db8:1::/64",
				     &cfg->internal[cfg->n_internal++]);
	cfg->port_min = 20000;
	cfg->port_max = 20000 + 2 * n - 1;
	cfg->adopt = adopt;
	cfg->adopt_grace_ms = 60000;
}

static int count_entry(const struct natport_mapping *m,
		       const struct natport_counters *c, uint32_t t, void *arg)
{
	(*(unsigned int *)arg)++;
	return 0;
}

int main(int argc, char **argv)
{
	struct natport_pm_config cfg;
	struct natport_mapping *saved;
	struct natport_pm_stats st;
	struct natport_pm *pm;
	unsigned int n = 10000, i, bad = 0, left = 0, n6 = 0;
	double t0, t_fresh, t_open, t_claim;
	char err[256];
	int opt;

	while ((opt = getopt(argc, argv, "n:m")) != -1) {
		if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 'm')
			mixed = 1;
	}
	if (n < 1 || n > 22000) {
		fprintf(stderr, "bench_adopt: -n 1..22000\n");
		return 2;
	}
	if (unshare(CLONE_NEWNET) ||
	    system("ip link set lo up && ip link add np0 type veth peer name np1 && "
		   "ip addr add 198.51.100.1/24 dev np0 && "
		   "ip addr add 192.0.2.1/24 dev np0 && ip link set np0 up")) {
		fprintf(stderr, "bench_adopt: needs root (private netns)\n");
		return 77;
	}
	saved = calloc(2 * n, sizeof(*saved));
	if (!saved)
		return 1;

	/* a fresh start: nothing to take back */
	config(&cfg, n, 1);
	t0 = now();
	pm = natport_pm_open(&cfg, err, sizeof(err));
	t_fresh = now() - t0;
	if (!pm) {
		fprintf(stderr, "bench_adopt: open: %s\n", err);
		return 1;
	}
	/* N calls, RTP and RTCP each, from 40 phones */
	for (i = 0; i < 2 * n; i++) {
		struct natport_mapping_req req = { 0 };
		char a[64];

		req.type = i & 1 ? NATPORT_PORT_AUDIO_RTCP
				 : NATPORT_PORT_AUDIO_RTP;
		if (is_v6(i / 2)) {
			snprintf(a, sizeof(a), "[2001:db8:1::%x]:%u",
				 0x10 + (i / 2) % 40,
				 10000 + 2 * ((i / 2) / 40) + (i & 1));
			natport_endpoint_parse(a, &req.internal);
			snprintf(a, sizeof(a), "[2001:db8:2::5]:%u",
				 30000 + i % 30000);
			n6++;
		} else {
			snprintf(a, sizeof(a), "192.0.2.%u:%u",
				 10 + (i / 2) % 40,
				 10000 + 2 * ((i / 2) / 40) + (i & 1));
			natport_endpoint_parse(a, &req.internal);
			snprintf(a, sizeof(a), "203.0.113.5:%u",
				 30000 + i % 30000);
		}
		natport_endpoint_parse(a, &req.remote);
		req.owner = 1 + i / 2;
		if (natport_pm_get_mapping(pm, &req, &saved[i])) {
			fprintf(stderr, "bench_adopt: mapping %u: %s\n", i,
				natport_pm_last_error(pm));
			return 1;
		}
	}
	natport_pm_detach(pm); /* a stop that keeps the calls */

	t0 = now();
	pm = natport_pm_open(&cfg, err, sizeof(err));
	t_open = now() - t0;
	if (!pm) {
		fprintf(stderr, "bench_adopt: reopen: %s\n", err);
		return 1;
	}
	t0 = now();
	for (i = 0; i < 2 * n; i++) {
		struct natport_mapping m;

		if (natport_pm_adopt(pm, &saved[i], &m) ||
		    m.id != saved[i].id ||
		    !natport_endpoint_equal(&m.external, &saved[i].external) ||
		    !natport_endpoint_equal(&m.internal, &saved[i].internal) ||
		    !natport_endpoint_equal(&m.remote, &saved[i].remote) ||
		    m.type != saved[i].type || m.state != NATPORT_MAP_ACTIVE)
			bad++;
	}
	t_claim = now() - t0;
	natport_pm_get_stats(pm, &st);
	printf("calls %u\n", n);
	printf("ipv6_entries %u\n", n6);
	printf("entries_adopted %llu\n", (unsigned long long)st.adopted);
	printf("mappings_bad %u\n", bad);
	printf("fresh_open_ms %.1f\n", t_fresh * 1e3);
	printf("adopt_open_ms %.1f\n", t_open * 1e3);
	printf("claim_ms %.1f\n", t_claim * 1e3);
	printf("ratio_adopt_vs_fresh %.1f\n", (t_open + t_claim) / t_fresh);
	if (st.adopted != 2 * n || st.adopt_claimed != 2 * n ||
	    st.ports_held != 2 * n - n6) /* pinholes hold no port */
		bad++;
	natport_pm_close(pm);
	natport_kernel_list(0, count_entry, &left, err, sizeof(err));
	printf("entries_left %u\n", left);
	free(saved);
	return bad || left ? 1 : 0;
}
