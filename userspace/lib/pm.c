// SPDX-License-Identifier: LGPL-2.1-or-later
/* pm.c - the port manager: GetMapping, UpdateRemoteAddress, ReleaseMapping
 * over the port allocator, the mapping table and the conntrack backend;
 * keeps entries alive for as long as their mappings live. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <natport/natport.h>
#include <natport/policy.h>

#include "ctnl.h"
#include "maptable.h"
#include "nftable.h"
#include "portalloc.h"
#include "refresher.h"

/* At most this many re-creations of one entry per window; beyond that the
 * refresh tick retries, so a loop of deletions cannot make us spin. */
#define MAX_LOCAL_ADDRS 64
#define RESTORE_BURST 5
#define RESTORE_WINDOW_MS 10000
/* Every SWEEP_TICKS ticks the nft table is checked (belt and braces). */
#define SWEEP_TICKS 6
/* A scan hands at most this many entries to us per dispatch (one dump
 * part of 16 KiB, well under a millisecond of parsing, plus one refresh
 * batch of at most that many), so the owner's event loop never waits long
 * behind it. */
#define SCAN_SLICE 64
/* ...plus what the last recv() of a slice carries beyond it (a dump part
 * is at most 64 KiB, a few hundred entries) */
#define SCAN_ROOM (SCAN_SLICE + 512)
/* Descriptors a handle holds: epoll, timerfd, three ctnetlink sockets, nft
 * monitor and libnftables' socket, and the refresher's socket and eventfd
 * (RF_FDS); open refuses unless this many and a margin for the caller are
 * free under RLIMIT_NOFILE. */
#define PM_FDS 9
#define RF_FDS 2
#define PM_FD_MARGIN 32
#define NATPORT_ERRBUF 256

struct natport_pm {
	struct natport_pm_config cfg;
	struct natport_portalloc pa;
	/* NAT66 (cfg.nat66): the range on external6; pa6.pairs is NULL
	 * otherwise. IPv6 pinholes take no pair at all (pair
	 * NATPORT_PAIR_NONE): their external endpoint is the internal one. */
	struct natport_portalloc pa6;
	int has_v6_lan;
	struct natport_maptable mt;
	struct natport_ctnl *ct;
	struct natport_nft *nft;
	/* refresh batches go out from a thread (refresher.h), started at
	 * the first; the scan pauses (its fd out of epfd) while one is out.
	 * NULL: the event loop sends them itself. */
	struct natport_refresher *rf;
	int scan_paused;
	int epfd, timerfd;
	uint32_t refresh_ms;
	uint32_t entry_timeout_s;
	unsigned int ticks;
	struct natport_policy policy; /* LAN prefixes, the router's addresses */
	struct in_addr local[MAX_LOCAL_ADDRS];
	unsigned int nlocal;
	uint8_t ext_up[NATPORT_MAX_EXTERNAL]; /* external address is local */
	unsigned int next_up;
	natport_event_fn event_fn;
	void *event_arg;
	struct natport_pm_stats stats;
	uint32_t capacity;   /* concurrent mappings, see natport_pm_limits */
	uint32_t nactive;    /* live mappings with an entry installed */
	/* the scan (refresh, sweep and resync in one paced dump) */
	uint32_t scan_gen;   /* bumped at each scan's start */
	uint32_t scan_seen;  /* installed mappings seen or made in this scan */
	uint32_t refresh_below_s; /* refresh a silent entry under this */
	struct natport_ct_entry *scratch; /* one slice's refreshes, deletions */
	/* The last mapping released from each port (2 per pair, by port
	 * order; the IPv4 range's pairs, then NAT66's), for
	 * natport_pm_foreach_quarantined(); NULL without quarantine. */
	struct natport_mapping *released;
	int *scratch_res;
	unsigned int nrefresh, ndelete;
	/* DESTROY events of one read, re-created together after it */
	uint32_t destroyed[NATPORT_CTNL_MANY];
	unsigned int ndestroyed;
	/* when the scan under way started, how long the last one took
	 * (CLOCK_MONOTONIC ms): the refresh margin follows it */
	uint64_t scan_t0_ms;
	uint32_t scan_last_ms;
	char limits[400];
	char errbuf[NATPORT_ERRBUF];
	/* PCP inbound mappings (natport_pm_open_inbound): by external port
	 * - port_min, when the kernel's element runs out (CLOCK_MONOTONIC
	 * ms; 0: none); NULL until the first. */
	uint64_t *inbound;
	int inbound_ready; /* the nft maps and chains exist */
	/* adoption: mappings taken in at open and not claimed yet, and when
	 * the grace for claiming them ends (CLOCK_MONOTONIC ms) */
	uint32_t nunclaimed;
	uint64_t adopt_until_ms;
};

static void inbound_drop(struct natport_pm *pm, struct natport_map_slot *s);
static void inbound_restore(struct natport_pm *pm);
static uint32_t suggested_pair(struct natport_pm *pm,
			       struct natport_portalloc *pa,
			       const struct natport_mapping_req *req);
static uint64_t *inbound_slot(struct natport_pm *pm,
			      const struct natport_endpoint *ext);
static void release_slot(struct natport_pm *pm, struct natport_map_slot *s);
static int install(struct natport_pm *pm, struct natport_map_slot *s,
		   const struct natport_endpoint *r);

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fail(struct natport_pm *pm, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pm->errbuf, sizeof(pm->errbuf), fmt, ap);
	va_end(ap);
	pm->stats.errors[NATPORT_E_INDEX(code)]++;
	return -code;
}

const char *natport_pm_last_error(const struct natport_pm *pm)
{
	return pm->errbuf;
}

/* The ruleset changed (a firewall reload): no mapping in the event. */
static void emit_ruleset(struct natport_pm *pm)
{
	struct natport_event ev;

	if (!pm->event_fn)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = NATPORT_EV_RULESET;
	pm->event_fn(&ev, pm->event_arg);
}

static void emit(struct natport_pm *pm, enum natport_event_type type,
		 const struct natport_map_slot *s)
{
	struct natport_event ev;

	if (!pm->event_fn)
		return;
	ev.type = type;
	ev.mapping = s->m;
	pm->event_fn(&ev, pm->event_arg);
}

int natport_pm_sip_alg(struct natport_pm *pm, char *why, size_t len)
{
	int r;

	if (!pm->nft)
		return fail(pm, NATPORT_E_NOTSUP,
			    "no nft table of ours to read the ruleset with");
	r = natport_nft_sip_helper(pm->nft, why, len);
	if (r < 0)
		return fail(pm, NATPORT_E_SYS, "nft: cannot list the ruleset");
	return r;
}

void natport_pm_set_event_cb(struct natport_pm *pm, natport_event_fn fn,
			     void *arg)
{
	pm->event_fn = fn;
	pm->event_arg = arg;
}

/* The caller's own signaling ports keep their source port (natport.h,
 * own_ports); only an IPv4 external address has them today. */
static int pin_own_ports(struct natport_pm *pm, char *err, size_t errlen)
{
	char a[INET_ADDRSTRLEN];
	unsigned int n = sizeof(pm->cfg.own_ports) / sizeof(pm->cfg.own_ports[0]);

	if (!pm->cfg.own_ports[0] || pm->cfg.external.family != AF_INET)
		return 0;
	inet_ntop(AF_INET, &pm->cfg.external.addr.v4, a, sizeof(a));
	return natport_nft_pin(pm->nft, a, pm->cfg.own_ports, n, err, errlen);
}

/* The router's own addresses change (DHCP on the WAN, an interface added):
 * re-read them at open and on every tick. The configured external address
 * counts even before it is up. */
static void load_local_addrs(struct natport_pm *pm)
{
	struct ifaddrs *ifa, *i;
	unsigned int n, j;

	/* every external address is the router's own, up or not */
	pm->policy.n_own = 0;
	for (n = 0; n < pm->pa.naddr; n++)
		natport_policy_add_own(&pm->policy, &pm->pa.addr[n]);
	natport_policy_add_own(&pm->policy, &pm->cfg.external);
	natport_policy_load_own(&pm->policy);
	if (getifaddrs(&ifa))
		return;
	pm->nlocal = 0;
	for (i = ifa; i && pm->nlocal < MAX_LOCAL_ADDRS; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET)
			pm->local[pm->nlocal++] =
				((struct sockaddr_in *)i->ifa_addr)->sin_addr;
	freeifaddrs(ifa);
	pm->next_up = 0;
	for (n = 0; n < pm->pa.naddr; n++) {
		pm->ext_up[n] = 0;
		for (j = 0; j < pm->nlocal; j++)
			if (pm->local[j].s_addr ==
			    pm->pa.addr[n].addr.v4.s_addr)
				pm->ext_up[n] = 1;
		pm->next_up += pm->ext_up[n];
	}
}

static int check_family(struct natport_pm *pm,
			const struct natport_endpoint *ep, const char *what)
{
	char b[NATPORT_ENDPOINT_STRLEN];

	if (ep->family == AF_INET)
		return 0;
	if (ep->family == AF_INET6 && pm->has_v6_lan)
		return 0;
	if (ep->family == AF_INET6)
		return fail(pm, NATPORT_E_NOTSUP,
			    "%s %s: this port manager has no IPv6 LAN prefix",
			    what, natport_endpoint_format(ep, b, sizeof(b)));
	return fail(pm, NATPORT_E_INVAL, "%s: no address family", what);
}

static int check_internal(struct natport_pm *pm,
			  const struct natport_endpoint *ep)
{
	char b[NATPORT_ENDPOINT_STRLEN], why[64];
	int err = check_family(pm, ep, "internal endpoint");

	/* the text only for a refusal: formatting it on every request was
	 * a tenth of a batched setup's CPU */
	if (err)
		return err;
	if (ep->port == 0)
		return fail(pm, NATPORT_E_INVAL, "internal endpoint %s: port 0",
			    natport_endpoint_format(ep, b, sizeof(b)));
	if (natport_policy_check_internal(&pm->policy, ep, why, sizeof(why)))
		return fail(pm, NATPORT_E_BADADDR, "internal endpoint %s %s",
			    natport_endpoint_format(ep, b, sizeof(b)), why);
	return 0;
}

/* conntrack forwards within one family: a stream between an IPv4 phone
 * and an IPv6 remote (or the reverse) cannot take the kernel path. */
static int check_same_family(struct natport_pm *pm,
			     const struct natport_endpoint *internal,
			     const struct natport_endpoint *remote)
{
	char b1[NATPORT_ENDPOINT_STRLEN], b2[NATPORT_ENDPOINT_STRLEN];

	if (internal->family == remote->family)
		return 0;
	return fail(
		pm, NATPORT_E_NOTSUP,
		"remote %s (%s) and internal %s (%s): conntrack cannot forward between address families",
		natport_endpoint_format(remote, b1, sizeof(b1)),
		remote->family == AF_INET6 ? "IPv6" : "IPv4",
		natport_endpoint_format(internal, b2, sizeof(b2)),
		internal->family == AF_INET6 ? "IPv6" : "IPv4");
}

static int check_remote(struct natport_pm *pm,
			const struct natport_endpoint *ep)
{
	char b[NATPORT_ENDPOINT_STRLEN], why[64];
	int err = check_family(pm, ep, "remote endpoint");

	if (err)
		return err;
	/* hold first: 0.0.0.0 with port 0 is hold, not a malformed request */
	if (!natport_endpoint_is_unspec(ep) && ep->port == 0)
		return fail(pm, NATPORT_E_INVAL, "remote %s: port 0",
			    natport_endpoint_format(ep, b, sizeof(b)));
	if (natport_policy_check_remote(&pm->policy, ep, 0, why, sizeof(why)))
		return fail(pm, NATPORT_E_BADADDR, "remote %s %s",
			    natport_endpoint_format(ep, b, sizeof(b)), why);
	return 0;
}

static unsigned int read_sysctl(const char *path, unsigned int dflt)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return dflt;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return dflt;
	buf[n] = '\0';
	return strtoul(buf, NULL, 10) ?: dflt;
}

/* Refresh well inside the shortest UDP timeout of this namespace; the
 * kernel cuts an entry back to these as soon as packets pass. */
static void load_timeouts(struct natport_pm *pm)
{
	unsigned int t1, t2, lo, hi;

	t1 = read_sysctl("/proc/sys/net/netfilter/nf_conntrack_udp_timeout",
			 30);
	t2 = read_sysctl(
		"/proc/sys/net/netfilter/nf_conntrack_udp_timeout_stream", 120);
	lo = t1 < t2 ? t1 : t2;
	hi = t1 > t2 ? t1 : t2;
	pm->refresh_ms = pm->cfg.refresh_ms;
	if (!pm->refresh_ms) {
		pm->refresh_ms = lo * 1000 / 3;
		if (pm->refresh_ms < 500)
			pm->refresh_ms = 500;
		if (pm->refresh_ms > 10000)
			pm->refresh_ms = 10000;
	}
	pm->entry_timeout_s = hi > 30 ? hi : 30;
	if (pm->entry_timeout_s < 3 * pm->refresh_ms / 1000)
		pm->entry_timeout_s = 3 * pm->refresh_ms / 1000;
	/* two scan periods and a margin: a silent entry is always caught by
	 * a scan before the kernel's timeout runs out */
	pm->refresh_below_s = 2 * ((pm->refresh_ms + 999) / 1000) + 2;
	/* ...or two of the last scan's duration, when a scan takes longer
	 * than a period to get round (a big table, a busy machine: scans
	 * then run back to back). Found at 250,000 entries on a loaded
	 * machine: a third of the silent entries ran out between two
	 * sightings and had to be re-created. At most the timeout itself:
	 * every silent entry a scan sees is refreshed then. */
	{
		uint32_t b = 2 * ((pm->scan_last_ms + 999) / 1000) + 2;

		if (b > pm->refresh_below_s)
			pm->refresh_below_s = b;
		if (pm->refresh_below_s > pm->entry_timeout_s)
			pm->refresh_below_s = pm->entry_timeout_s;
	}
}

/* What an entry's counters added to the sums goes with the entry (a
 * replacement starts again at zero). */
static void counters_forget(struct natport_pm *pm, struct natport_map_slot *s)
{
	struct natport_counters *k = &pm->stats.kernel;

	k->pkts_in -= s->last_pkts_in;
	k->pkts_out -= s->last_pkts_out;
	k->bytes_in -= s->last_bytes_in;
	k->bytes_out -= s->last_bytes_out;
	s->last_pkts_in = s->last_pkts_out = 0;
	s->last_bytes_in = s->last_bytes_out = 0;
}

/* A scan read s's entry: the sums move by what it gained since. Returns
 * whether any packet passed. Packets are kept mod 2^32 per entry, so
 * the sums add the difference in that width. */
static int counters_take(struct natport_pm *pm, struct natport_map_slot *s,
			 const struct natport_counters *c)
{
	struct natport_counters *k = &pm->stats.kernel;
	uint32_t pi = (uint32_t)c->pkts_in, po = (uint32_t)c->pkts_out;
	int moved = pi != s->last_pkts_in || po != s->last_pkts_out;

	k->pkts_in += (uint32_t)(pi - s->last_pkts_in);
	k->pkts_out += (uint32_t)(po - s->last_pkts_out);
	k->bytes_in += c->bytes_in - s->last_bytes_in;
	k->bytes_out += c->bytes_out - s->last_bytes_out;
	s->last_pkts_in = pi;
	s->last_pkts_out = po;
	s->last_bytes_in = c->bytes_in;
	s->last_bytes_out = c->bytes_out;
	return moved;
}

/* mappings_active is kept here, so stats never walk the table. */
static void set_installed(struct natport_pm *pm, struct natport_map_slot *s,
			  int on)
{
	if (on && !s->installed) {
		pm->nactive++;
	} else if (!on && s->installed) {
		counters_forget(pm, s);
		pm->nactive--;
		if (s->scan_gen == pm->scan_gen)
			pm->scan_seen--;
		s->scan_gen = 0;
	}
	s->installed = on;
}

/* The scan need not see an entry we made ourselves during it. */
static void mark_seen(struct natport_pm *pm, struct natport_map_slot *s)
{
	if (s->installed && s->scan_gen != pm->scan_gen) {
		s->scan_gen = pm->scan_gen;
		pm->scan_seen++;
	}
}

static unsigned int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned int n = 0;

	if (!d)
		return 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n > 3 ? n - 3 : 0; /* ., .. and the DIR's own */
}

/* Limits told, not discovered: what range, addresses, mark ids, the
 * kernel's conntrack table and the descriptor limit allow. Refuses what
 * can never work, clamps what is merely smaller, and says which. */
static int compute_limits(struct natport_pm *pm, char *err, size_t errlen)
{
	const struct natport_pm_config *cfg = &pm->cfg;
	uint32_t ports = 2 * pm->pa.npairs;
	uint32_t ids = natport_ct_mark_max_id(cfg->ct_mark_tag);
	unsigned int ctmax = read_sysctl(
		"/proc/sys/net/netfilter/nf_conntrack_max", 0);
	struct rlimit rl;
	unsigned int open_fds = count_fds();
	const char *by = "the port range on every address";
	size_t len;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < open_fds + PM_FDS + PM_FD_MARGIN) {
		snprintf(err, errlen,
			 "RLIMIT_NOFILE %llu with %u descriptors open leaves fewer than the %u a port manager needs (%u) and %u for the rest of the program",
			 (unsigned long long)rl.rlim_cur, open_fds,
			 PM_FDS + PM_FD_MARGIN, PM_FDS, PM_FD_MARGIN);
		return -1;
	}
	if (ports > ids) {
		snprintf(err, errlen,
			 "%u ports on %u address(es) need %u mapping ids, but ct mark tag 0x%08x numbers only %u: narrow media-port-range or use fewer addresses",
			 ports, pm->pa.naddr, ports, cfg->ct_mark_tag, ids);
		return -1;
	}
	pm->capacity = ports;
	if (cfg->max_mappings && cfg->max_mappings < pm->capacity) {
		pm->capacity = cfg->max_mappings;
		by = "max_mappings";
	}
	if (ctmax && ctmax < pm->capacity) {
		pm->capacity = ctmax;
		by = "nf_conntrack_max (shared with all other traffic)";
	}
	len = snprintf(pm->limits, sizeof(pm->limits),
		       "capacity %u mappings, bounded by %s; %u ports on %u address(es), %u mark ids, nf_conntrack_max %u, %u descriptors",
		       pm->capacity, by, ports, pm->pa.naddr, ids, ctmax,
		       PM_FDS);
	if (!getrlimit(RLIMIT_NOFILE, &rl) && len < sizeof(pm->limits))
		snprintf(pm->limits + len, sizeof(pm->limits) - len,
			 " of RLIMIT_NOFILE %llu (not per port)",
			 (unsigned long long)rl.rlim_cur);
	return 0;
}

const char *natport_pm_limits(const struct natport_pm *pm)
{
	return pm->limits;
}

static void arm_timer(struct natport_pm *pm)
{
	struct itimerspec its = { 0 };

	its.it_value.tv_sec = pm->refresh_ms / 1000;
	its.it_value.tv_nsec = (pm->refresh_ms % 1000) * 1000000L;
	its.it_interval = its.it_value;
	timerfd_settime(pm->timerfd, 0, &its, NULL);
}

static uint32_t mark_id(const struct natport_pm *pm, uint32_t mark)
{
	return natport_ct_mark_id(pm->cfg.ct_mark_tag, mark);
}

static void slot_entry(const struct natport_pm *pm,
		       const struct natport_map_slot *s,
		       struct natport_ct_entry *e)
{
	e->remote = s->m.remote;
	e->external = s->m.external;
	e->internal = s->m.internal;
	memset(&e->snat, 0, sizeof(e->snat));
	if (s->hp_internal.family) {
		e->remote = s->hp_internal;
		e->snat = s->hp_external;
	}
	e->mark = pm->cfg.ct_mark_tag + s->m.id;
	e->timeout_s = pm->entry_timeout_s;
}

static int kernel_fail(struct natport_pm *pm, int err, const char *what)
{
	const char *msg = natport_ctnl_errmsg(pm->ct);

	return fail(pm, NATPORT_E_KERNEL, "%s: %s", what,
		    msg && *msg ? msg : strerror(-err));
}

/* --- adoption after a restart (natport.h "Restarts") ------------------ */

struct adopt_ctx {
	struct natport_ct_entry *v;
	uint32_t *pair;
	uint8_t *half;
	size_t n, cap;
};

static int adopt_collect(const struct natport_ct_entry *e,
			 const struct natport_counters *c, void *arg)
{
	struct adopt_ctx *a = arg;

	(void)c;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 256;
		void *v = realloc(a->v, cap * sizeof(*a->v));

		if (!v)
			return -1;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = *e;
	return 0;
}

static int by_mark(const void *x, const void *y)
{
	const struct natport_ct_entry *a = x, *b = y;

	return a->mark < b->mark ? -1 : a->mark > b->mark;
}

static int by_external_port(const void *x, const void *y)
{
	const struct natport_ct_entry *a = x, *b = y;

	if (a->external.port != b->external.port)
		return a->external.port < b->external.port ? -1 : 1;
	return memcmp(&a->external.addr.v4, &b->external.addr.v4, 4);
}

/* The allocator an adopted entry's external port belongs to: the IPv4
 * range, NAT66's range on external6, or NULL for an IPv6 pinhole (the
 * phone's own port, external == internal, no pair). *bad: the entry is
 * none of these (a NAT66 entry with NAT66 now off, say). */
static struct natport_portalloc *adopt_pa(struct natport_pm *pm,
					  const struct natport_endpoint *in,
					  const struct natport_endpoint *ext,
					  int *bad)
{
	*bad = in->family != ext->family;
	if (ext->family != AF_INET6)
		return &pm->pa;
	if (pm->cfg.nat66 &&
	    natport_endpoint_addr_equal(ext, &pm->cfg.external6))
		return &pm->pa6;
	if (!natport_endpoint_equal(in, ext))
		*bad = 1;
	return NULL;
}

/* Take in what one entry describes, or say why not (1: rejected). Pairs
 * are taken in port order first (cheap for the allocator), then ids. */
static int adopt_entry(struct natport_pm *pm, const struct natport_ct_entry *e)
{
	struct natport_map_slot *s;
	uint32_t id = mark_id(pm, e->mark), pair = NATPORT_PAIR_NONE;
	unsigned int half = 0;
	int bad;
	struct natport_portalloc *pa =
		adopt_pa(pm, &e->internal, &e->external, &bad);

	if (bad || !id || id > pm->capacity ||
	    (pa && natport_portalloc_find(pa, &e->external, &pair, &half)) ||
	    check_internal(pm, &e->internal) || check_remote(pm, &e->remote) ||
	    natport_maptable_find(&pm->mt, &e->internal))
		return 1;
	if (pa && (pa->pairs[pair].state != PAIR_USED || pair >= pa->fresh))
		return 1; /* not taken in the first pass: a duplicate */
	if (pa && pa->pairs[pair].map[half])
		return 1;
	s = natport_maptable_alloc_id(&pm->mt, id);
	if (!s)
		return 1;
	s->m.type = NATPORT_PORT_DATA;
	s->m.state = NATPORT_MAP_ACTIVE;
	s->m.internal = e->internal;
	s->m.external = e->external;
	s->m.remote = e->remote;
	s->m.created_ms = s->m.updated_ms = now_ms();
	s->pair = pair;
	s->half = half;
	s->unclaimed = 1;
	natport_maptable_insert(&pm->mt, s);
	if (pa)
		pa->pairs[pair].map[half] = id;
	set_installed(pm, s, 1);
	pm->nunclaimed++;
	pm->stats.adopted++;
	return 0;
}

static int adopt_all(struct natport_pm *pm)
{
	struct adopt_ctx a = { 0 };
	size_t i;
	int r;

	pm->adopt_until_ms = now_ms() + (pm->cfg.adopt_grace_ms ?: 30000);
	r = natport_ctnl_dump(pm->ct, adopt_collect, &a);
	if (r < 0) {
		free(a.v);
		return r;
	}
	/* pass 1: the pairs, ascending (qsort wants a non-NULL array even
	 * for zero entries: UBSan stops on it) */
	if (a.n)
		qsort(a.v, a.n, sizeof(*a.v), by_external_port);
	for (i = 0; i < a.n; i++) {
		uint32_t pair;
		unsigned int half;
		int bad;
		struct natport_portalloc *pa =
			adopt_pa(pm, &a.v[i].internal, &a.v[i].external, &bad);

		if (!pa || bad ||
		    natport_portalloc_find(pa, &a.v[i].external, &pair, &half))
			continue;
		if (pair >= pa->fresh || pa->pairs[pair].state == PAIR_FREE)
			natport_portalloc_take(pa, pair);
	}
	/* pass 2: the mappings, by id ascending (cheap for the table) */
	if (a.n)
		qsort(a.v, a.n, sizeof(*a.v), by_mark);
	for (i = 0; i < a.n; i++)
		if (adopt_entry(pm, &a.v[i])) {
			pm->stats.adopt_rejected++;
			natport_ctnl_delete(pm->ct, &a.v[i]);
		}
	/* a pair taken for entries all rejected goes back */
	for (i = 0; i < a.n; i++) {
		uint32_t pair;
		unsigned int half;
		int bad;
		struct natport_portalloc *pa =
			adopt_pa(pm, &a.v[i].internal, &a.v[i].external, &bad);

		if (pa && !bad &&
		    !natport_portalloc_find(pa, &a.v[i].external, &pair,
					    &half) &&
		    pa->pairs[pair].state == PAIR_USED &&
		    !pa->pairs[pair].map[0] && !pa->pairs[pair].map[1])
			natport_portalloc_unget(pa, pair);
	}
	free(a.v);
	return 0;
}

int natport_pm_foreach_unclaimed(struct natport_pm *pm, natport_mapping_fn fn,
				 void *arg)
{
	uint32_t id;
	int r;

	for (id = 1; id < pm->mt.fresh && pm->nunclaimed; id++) {
		struct natport_map_slot *s = &pm->mt.slots[id];

		if (s->live && s->unclaimed) {
			r = fn(&s->m, arg);
			if (r)
				return r;
		}
	}
	return 0;
}

int natport_pm_adopt(struct natport_pm *pm, const struct natport_mapping *m,
		     struct natport_mapping *out)
{
	struct natport_map_slot *s;
	struct natport_portalloc *pa;
	uint32_t pair;
	unsigned int half;
	int err, have_remote, bad;

	pm->errbuf[0] = '\0';
	if ((unsigned int)m->type >= (unsigned int)__NATPORT_PORT_MAX)
		return fail(pm, NATPORT_E_INVAL, "port type %d unknown",
			    m->type);
	s = natport_maptable_get(&pm->mt, m->id);
	if (s) {
		if (!s->unclaimed ||
		    !natport_endpoint_equal(&s->m.external, &m->external) ||
		    !natport_endpoint_equal(&s->m.internal, &m->internal))
			return fail(pm, NATPORT_E_EXIST,
				    "mapping id %u is another mapping", m->id);
		s->unclaimed = 0;
		pm->nunclaimed--;
		pm->stats.adopt_claimed++;
		s->m.type = m->type;
		s->m.owner = m->owner;
		if (out)
			*out = s->m;
		return 0;
	}
	/* not in the kernel (still in setup, or lost): make it again */
	err = check_internal(pm, &m->internal);
	if (err)
		return err;
	pa = adopt_pa(pm, &m->internal, &m->external, &bad);
	pair = NATPORT_PAIR_NONE;
	half = 0;
	if (bad ||
	    (pa && natport_portalloc_find(pa, &m->external, &pair, &half)))
		return fail(pm, NATPORT_E_INVAL,
			    "external endpoint not in the range");
	if (natport_maptable_find(&pm->mt, &m->internal))
		return fail(pm, NATPORT_E_EXIST,
			    "internal endpoint already mapped");
	if ((pa && pa->pairs[pair].map[half]) || !m->id ||
	    m->id > pm->capacity || pm->mt.count >= pm->capacity)
		return fail(pm, NATPORT_E_EXIST, "port or id %u taken", m->id);
	if (pa && pa->pairs[pair].state != PAIR_USED &&
	    natport_portalloc_take(pa, pair))
		return fail(pm, NATPORT_E_EXIST,
			    "port pair taken or in quarantine");
	s = natport_maptable_alloc_id(&pm->mt, m->id);
	if (!s) {
		if (pa && !pa->pairs[pair].map[half ^ 1])
			natport_portalloc_unget(pa, pair);
		return fail(pm, NATPORT_E_EXIST, "mapping id %u taken", m->id);
	}
	s->m.type = m->type;
	s->m.state = NATPORT_MAP_HELD;
	s->m.internal = m->internal;
	s->m.external = m->external;
	s->m.owner = m->owner;
	s->m.created_ms = s->m.updated_ms = now_ms();
	s->pair = pair;
	s->half = half;
	natport_maptable_insert(&pm->mt, s);
	if (pa)
		pa->pairs[pair].map[half] = s->m.id;
	have_remote = m->remote.family == m->internal.family &&
		      m->remote.port &&
		      !natport_endpoint_is_unspec(&m->remote) &&
		      m->state == NATPORT_MAP_ACTIVE;
	if (have_remote && install(pm, s, &m->remote) == 0)
		pm->stats.kernel_restored++;
	pm->stats.created++;
	if (out)
		*out = s->m;
	return 0;
}

/* The grace for claiming is over: what nobody claimed goes. */
static void adopt_expire(struct natport_pm *pm)
{
	uint32_t id;

	if (!pm->nunclaimed || now_ms() < pm->adopt_until_ms)
		return;
	for (id = 1; id < pm->mt.fresh && pm->nunclaimed; id++) {
		struct natport_map_slot *s = &pm->mt.slots[id];

		if (s->live && s->unclaimed) {
			s->unclaimed = 0;
			pm->nunclaimed--;
			pm->stats.adopt_expired++;
			pm->stats.stale_removed++; /* found at open, removed */
			release_slot(pm, s);
		}
	}
}

void natport_pm_detach(struct natport_pm *pm)
{
	if (!pm)
		return;
	natport_refresher_stop(pm->rf);
	close(pm->epfd);
	close(pm->timerfd);
	natport_nft_detach(pm->nft);
	natport_ctnl_close(pm->ct);
	free(pm->scratch);
	free(pm->scratch_res);
	free(pm->released);
	free(pm->inbound);
	natport_maptable_uninit(&pm->mt);
	natport_portalloc_uninit(&pm->pa);
	free(pm);
}

/* The refresher (refresher.h): its socket and eventfd now, so the
 * handle's descriptors are constant; its thread at the first batch, after
 * a daemon's fork. Without it the event loop sends everything itself. */
static void rf_open(struct natport_pm *pm)
{
	struct epoll_event ev = { .events = EPOLLIN };
	char err[128];

	pm->rf = natport_refresher_open(pm->cfg.ct_mark_tag, SCAN_ROOM, err,
					sizeof(err));
	if (!pm->rf)
		return;
	ev.data.fd = natport_refresher_fd(pm->rf);
	if (epoll_ctl(pm->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev)) {
		natport_refresher_stop(pm->rf);
		pm->rf = NULL;
	}
}

struct natport_pm *natport_pm_open(const struct natport_pm_config *cfg,
				   char *err, size_t errlen)
{
	struct natport_pm *pm;
	struct epoll_event ev = { .events = EPOLLIN };
	const char *table;
	unsigned int i;
	int r;

	if (cfg->external.family == AF_INET6) {
		snprintf(err, errlen,
			 "external address: IPv6 is not supported yet");
		return NULL;
	}
	if (cfg->external.family != AF_INET ||
	    natport_endpoint_is_unspec(&cfg->external)) {
		snprintf(err, errlen, "external address: none given");
		return NULL;
	}
	if (cfg->n_internal == 0 || cfg->n_internal > 8) {
		snprintf(err, errlen, "internal prefixes: give 1 to 8");
		return NULL;
	}
	for (i = 0; i < cfg->n_internal; i++)
		if (cfg->internal[i].base.family != AF_INET &&
		    cfg->internal[i].base.family != AF_INET6) {
			snprintf(err, errlen,
				 "internal prefix %u: no address family", i);
			return NULL;
		}
	if (cfg->nat66 && (cfg->external6.family != AF_INET6 ||
			   natport_endpoint_is_unspec(&cfg->external6))) {
		snprintf(
			err, errlen,
			"NAT66 needs the router's global IPv6 address (external6)");
		return NULL;
	}
	if (cfg->ct_mark_tag & ~NATPORT_CT_MARK_MASK) {
		snprintf(err, errlen, "ct mark tag 0x%08x: low 16 bits must be 0",
			 cfg->ct_mark_tag);
		return NULL;
	}
	if (cfg->n_external_more > NATPORT_MAX_EXTERNAL - 1) {
		snprintf(err, errlen, "external addresses: at most %u",
			 NATPORT_MAX_EXTERNAL);
		return NULL;
	}
	for (i = 0; i < cfg->n_external_more; i++) {
		const struct natport_endpoint *a = &cfg->external_more[i];
		unsigned int j;

		if (a->family != AF_INET || natport_endpoint_is_unspec(a)) {
			snprintf(err, errlen,
				 "external address %u: IPv4 only for now", i + 2);
			return NULL;
		}
		if (natport_endpoint_addr_equal(a, &cfg->external))
			j = 0;
		else
			for (j = 0; j < i; j++)
				if (natport_endpoint_addr_equal(
					    a, &cfg->external_more[j]))
					break;
		if (j < i || natport_endpoint_addr_equal(a, &cfg->external)) {
			snprintf(err, errlen,
				 "external address %u: given twice", i + 2);
			return NULL;
		}
	}
	pm = calloc(1, sizeof(*pm));
	if (!pm) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pm->cfg = *cfg;
	natport_policy_init(&pm->policy);
	pm->policy.hairpin = natport_pm_hairpin_hook;
	pm->policy.hairpin_arg = pm;
	for (i = 0; i < cfg->n_internal; i++) {
		natport_policy_add_lan(&pm->policy, &cfg->internal[i]);
		if (cfg->internal[i].base.family == AF_INET6)
			pm->has_v6_lan = 1;
	}
	pm->cfg.nft_table = NULL; /* the caller's string is not ours */
	if (!pm->cfg.ct_mark_tag)
		pm->cfg.ct_mark_tag = NATPORT_CT_MARK_TAG;
	pm->epfd = pm->timerfd = -1;

	{
		struct natport_endpoint addrs[NATPORT_MAX_EXTERNAL];

		addrs[0] = cfg->external;
		for (i = 0; i < cfg->n_external_more; i++)
			addrs[i + 1] = cfg->external_more[i];
		r = natport_portalloc_init(&pm->pa, addrs,
					   1 + cfg->n_external_more,
					   cfg->port_min, cfg->port_max,
					   cfg->quarantine_ms);
	}
	/* NAT66 uses the same range on its one address. The range is
	 * reserved once: ip_local_reserved_ports lives under net.ipv4 but
	 * steers the ephemeral choice of IPv6 sockets too. */
	if (!r && cfg->nat66)
		r = natport_portalloc_init(&pm->pa6, &cfg->external6, 1,
					   cfg->port_min, cfg->port_max,
					   cfg->quarantine_ms);
	if (r) {
		snprintf(err, errlen, "port range %u-%u: %s", cfg->port_min,
			 cfg->port_max,
			 r == -NATPORT_E_INVAL ? "needs at least one even/odd pair"
					       : natport_strerror(r));
		goto err_portalloc;
	}
	if (compute_limits(pm, err, errlen))
		goto err_maptable;
	r = natport_maptable_init(&pm->mt, pm->capacity);
	if (r) {
		snprintf(err, errlen, "mapping table: %s", natport_strerror(r));
		goto err_maptable;
	}
	/* one scan slice's refreshes and deletions, not the capacity */
	pm->scratch = calloc(2 * SCAN_ROOM, sizeof(*pm->scratch));
	pm->scratch_res = calloc(2 * SCAN_ROOM, sizeof(*pm->scratch_res));
	if (cfg->quarantine_ms)
		pm->released = calloc(2 * (pm->pa.npairs + pm->pa6.npairs),
				      sizeof(*pm->released));
	if (!pm->scratch || !pm->scratch_res ||
	    (cfg->quarantine_ms && !pm->released)) {
		snprintf(err, errlen, "out of memory");
		goto err_scratch;
	}
	pm->ct = natport_ctnl_open(pm->cfg.ct_mark_tag, err, errlen);
	if (!pm->ct)
		goto err_scratch;
	/* A previous instance left its entries. Without adopt they point at
	 * ports and clients we know nothing about; with it they are the
	 * calls a restart must not cut (taken in below, once the timeouts
	 * are known). */
	if (!cfg->adopt) {
		r = natport_ctnl_flush(pm->ct);
		if (r < 0) {
			snprintf(err, errlen, "removing stale entries: %s",
				 strerror(-r));
			goto err_flush;
		}
		pm->stats.stale_removed = r;
	}

	table = cfg->nft_table ? cfg->nft_table : NATPORT_NFT_TABLE;
	if (*table) {
		struct natport_nft_guard g = { .n = pm->pa.naddr };

		memcpy(g.addr, pm->pa.addr, sizeof(pm->pa.addr));
		/* NAT66's address is guarded too (ip6 daddr); pinholes need
		 * no guard: their ports are the phones', and the router's
		 * forward policy drops what no entry lets through. */
		if (cfg->nat66)
			g.addr[g.n++] = cfg->external6;
		g.lo = pm->pa.base;
		g.hi = pm->pa.base + 2 * pm->pa.addr_pairs - 1;
		pm->nft = natport_nft_open(table, &g, err, errlen);
		if (!pm->nft)
			goto err_flush;
		if (pin_own_ports(pm, err, errlen))
			goto err_nft;
	}
	/* Keep the kernel's ephemeral choice out of the range. Refused (a
	 * read-only /proc/sys, say): the guard still drops strays, but a
	 * local program's ephemeral port may then land in the range; the
	 * limits line says so rather than failing the whole daemon. */
	r = natport_portalloc_reserve(&pm->pa);
	if (r) {
		size_t n = strlen(pm->limits);

		snprintf(pm->limits + n, sizeof(pm->limits) - n,
			 "; range NOT in ip_local_reserved_ports: %s",
			 strerror(-r));
	}
	/* Per-namespace; only entries created from now on count. */
	r = open("/proc/sys/net/netfilter/nf_conntrack_acct",
		 O_WRONLY | O_CLOEXEC);
	if (r >= 0) {
		/* on failure counters stay 0; nothing else depends on them */
		if (write(r, "1", 1) != 1)
			pm->stats.errors[NATPORT_E_INDEX(NATPORT_E_SYS)]++;
		close(r);
	}
	load_local_addrs(pm);
	load_timeouts(pm);
	if (cfg->adopt) {
		r = adopt_all(pm);
		if (r < 0) {
			snprintf(err, errlen, "adopting entries: %s",
				 strerror(-r));
			goto err_fds;
		}
	}

	pm->epfd = epoll_create1(EPOLL_CLOEXEC);
	pm->timerfd = timerfd_create(CLOCK_MONOTONIC,
				     TFD_NONBLOCK | TFD_CLOEXEC);
	if (pm->epfd < 0 || pm->timerfd < 0) {
		snprintf(err, errlen, "epoll/timerfd: %s", strerror(errno));
		goto err_fds;
	}
	ev.data.fd = pm->timerfd;
	if (epoll_ctl(pm->epfd, EPOLL_CTL_ADD, pm->timerfd, &ev))
		goto err_epoll;
	ev.data.fd = natport_ctnl_events_fd(pm->ct);
	if (epoll_ctl(pm->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev))
		goto err_epoll;
	if (pm->nft && natport_nft_fd(pm->nft) >= 0) {
		ev.data.fd = natport_nft_fd(pm->nft);
		if (epoll_ctl(pm->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev))
			goto err_epoll;
	}
	ev.data.fd = natport_ctnl_scan_fd(pm->ct);
	if (epoll_ctl(pm->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev))
		goto err_epoll;
	rf_open(pm);
	arm_timer(pm);
	if (pm->nunclaimed) {
		/* the first tick when the grace ends, not up to a refresh
		 * period later; then the usual period */
		struct itimerspec its = { 0 };
		uint32_t g = pm->cfg.adopt_grace_ms ?: 30000;

		its.it_value.tv_sec = g / 1000;
		its.it_value.tv_nsec = (g % 1000) * 1000000L + 1000000L;
		if (its.it_value.tv_nsec >= 1000000000L) {
			its.it_value.tv_sec++;
			its.it_value.tv_nsec -= 1000000000L;
		}
		its.it_interval.tv_sec = pm->refresh_ms / 1000;
		its.it_interval.tv_nsec = (pm->refresh_ms % 1000) * 1000000L;
		timerfd_settime(pm->timerfd, 0, &its, NULL);
	}
	return pm;

err_epoll:
	snprintf(err, errlen, "epoll: %s", strerror(errno));
err_fds:
	if (pm->epfd >= 0)
		close(pm->epfd);
	if (pm->timerfd >= 0)
		close(pm->timerfd);
	natport_portalloc_unreserve(&pm->pa);
err_nft:
	natport_nft_close(pm->nft);
err_flush:
	natport_ctnl_close(pm->ct);
err_scratch:
	free(pm->scratch);
	free(pm->scratch_res);
	free(pm->released);
	natport_maptable_uninit(&pm->mt);
err_maptable:
	natport_portalloc_uninit(&pm->pa);
err_portalloc:
	natport_portalloc_uninit(&pm->pa6);
	free(pm);
	return NULL;
}

/* The allocator a slot's pair comes from; NULL for an IPv6 pinhole. */
static struct natport_portalloc *slot_pa(struct natport_pm *pm,
					 const struct natport_map_slot *s)
{
	if (s->pair == NATPORT_PAIR_NONE)
		return NULL;
	return s->m.internal.family == AF_INET6 ? &pm->pa6 : &pm->pa;
}

static struct natport_map_slot *find_external(struct natport_pm *pm,
					      const struct natport_endpoint *ext);

static void release_slot(struct natport_pm *pm, struct natport_map_slot *s)
{
	struct natport_portalloc *pa = slot_pa(pm, s);
	struct natport_ct_entry e;

	if (s->hp_internal.family) {
		/* the other half of a hairpin loses its carrier */
		struct natport_map_slot *o = find_external(pm, &s->hp_external);

		if (o && o->carried_by == s->m.id)
			o->carried_by = 0;
	}
	if (s->installed) {
		slot_entry(pm, s, &e);
		/* A failure here leaves an orphan the sweep removes. */
		if (natport_ctnl_delete_nowait(pm->ct, &e))
			pm->stats.errors[NATPORT_E_INDEX(NATPORT_E_KERNEL)]++;
		set_installed(pm, s, 0);
	}
	inbound_drop(pm, s);
	if (s->unclaimed) {
		s->unclaimed = 0;
		pm->nunclaimed--;
	}
	if (pa) {
		struct natport_pair *p = &pa->pairs[s->pair];

		p->map[s->half] = 0;
		if (!p->map[0] && !p->map[1])
			natport_portalloc_put(pa, s->pair, now_ms());
	}
	pm->stats.released++;
	s->m.state = NATPORT_MAP_QUARANTINED;
	if (pm->released && pa) {
		uint32_t at = pa == &pm->pa6 ? 2 * pm->pa.npairs : 0;

		s->m.updated_ms = now_ms();
		pm->released[at + 2 * s->pair + s->half] = s->m;
	}
	emit(pm, NATPORT_EV_RELEASED, s);
	natport_maptable_free(&pm->mt, s);
}

void natport_pm_close(struct natport_pm *pm)
{
	uint32_t id;

	if (!pm)
		return;
	natport_refresher_stop(pm->rf); /* a batch under way ends first */
	pm->inbound_ready = 0; /* the table goes as a whole below */
	for (id = 1; id < pm->mt.fresh; id++)
		if (pm->mt.slots[id].live)
			release_slot(pm, &pm->mt.slots[id]);
	natport_ctnl_flush(pm->ct);
	natport_portalloc_unreserve(&pm->pa);
	close(pm->epfd);
	close(pm->timerfd);
	natport_nft_close(pm->nft);
	natport_ctnl_close(pm->ct);
	free(pm->scratch);
	free(pm->scratch_res);
	free(pm->released);
	free(pm->inbound);
	natport_maptable_uninit(&pm->mt);
	natport_portalloc_uninit(&pm->pa);
	natport_portalloc_uninit(&pm->pa6);
	free(pm);
}

/*
 * A hairpin: r is another live mapping's external endpoint (two LAN
 * clients calling each other through the router's WAN address). A packet
 * crosses conntrack once, so one entry carries both mappings' media:
 *
 *   original  p.internal -> s.external  DNAT to s.internal
 *                                      SNAT to p.external
 *   reply     s.internal -> p.external  (becomes s.external -> p.internal)
 *
 * Each client sends to, and hears from, the router address its SDP named.
 * The first of the two to get its remote installs the entry; the other,
 * whose remote is the first one's external, is carried by it. Returns 1
 * if s is carried (nothing to install), 0 otherwise (s->hp_* set for a
 * hairpin, cleared for an ordinary remote).
 */
/* Whether c's entry carries s's media (c is the first half of s's
 * hairpin and still installed that way). */
static int carries(const struct natport_map_slot *c,
		   const struct natport_map_slot *s)
{
	return c && c != s && c->live && c->installed &&
	       c->hp_internal.family &&
	       natport_endpoint_equal(&c->hp_internal, &s->m.internal) &&
	       natport_endpoint_equal(&c->m.remote, &s->m.external);
}

static int hairpin_setup(struct natport_pm *pm, struct natport_map_slot *s,
			 const struct natport_endpoint *r)
{
	struct natport_map_slot *p = find_external(pm, r);

	memset(&s->hp_internal, 0, sizeof(s->hp_internal));
	memset(&s->hp_external, 0, sizeof(s->hp_external));
	s->carried_by = 0;
	if (!p || p == s)
		return 0;
	if (carries(p, s)) {
		s->carried_by = p->m.id;
		return 1;
	}
	s->hp_internal = p->m.internal;
	s->hp_external = p->m.external;
	return 0;
}

/* s's entry for remote r is in the kernel now. */
static void installed_as(struct natport_pm *pm, struct natport_map_slot *s,
			 const struct natport_endpoint *r)
{
	s->m.remote = *r;
	counters_forget(pm, s);
	set_installed(pm, s, 1);
	mark_seen(pm, s);
	s->m.state = NATPORT_MAP_ACTIVE;
	s->m.updated_ms = now_ms();
}

/* Install (or replace) the kernel entry of s for remote r. */
static int install(struct natport_pm *pm, struct natport_map_slot *s,
		   const struct natport_endpoint *r)
{
	struct natport_ct_entry e, old;
	struct natport_map_slot keep = *s;
	unsigned int clashes = 0;
	int err;

	if (s->installed)
		slot_entry(pm, s, &old);
	if (hairpin_setup(pm, s, r)) {
		/* carried by the other mapping's entry: ours goes */
		if (s->installed && natport_ctnl_delete(pm->ct, &old))
			pm->stats.errors[NATPORT_E_INDEX(NATPORT_E_KERNEL)]++;
		s->installed = 0;
		s->m.remote = *r;
		s->m.state = NATPORT_MAP_ACTIVE;
		s->m.updated_ms = now_ms();
		return 0;
	}
	s->m.remote = *r; /* slot_entry reads it */
	slot_entry(pm, s, &e);
	s->m.remote = keep.m.remote;
	err = natport_ctnl_install(pm->ct, &e, s->installed ? &old : NULL,
				   &clashes);
	pm->stats.clashes_removed += clashes;
	if (err && err != -EEXIST) {
		/* The batch deleted the old entry before the create failed:
		 * put it back, so a failed call changes nothing. */
		s->hp_internal = keep.hp_internal;
		s->hp_external = keep.hp_external;
		if (s->installed &&
		    natport_ctnl_install(pm->ct, &old, NULL, NULL))
			set_installed(pm, s, 0);
		return kernel_fail(pm, err, "creating the conntrack entry");
	}
	installed_as(pm, s, r);
	if (keep.hp_internal.family) {
		/* s's entry carried the other half of a hairpin: if it no
		 * longer does (a re-INVITE moved s's media), that half gets
		 * an entry of its own */
		struct natport_map_slot *o = find_external(pm,
							   &keep.hp_external);

		if (o && o->carried_by == s->m.id && !carries(s, o)) {
			o->carried_by = 0;
			install(pm, o, &o->m.remote);
		}
	}
	return 0;
}

/* A free pair on an address that is up. An address that is down (a PPP
 * link not up yet) has its pairs skipped, not lost: they go to the end of
 * the free FIFO. Bounded: one try per address, as fresh pairs alternate
 * addresses; reused ones come in release order, from addresses that were
 * up then. */
static uint32_t get_pair(struct natport_pm *pm)
{
	unsigned int tries;
	uint32_t pair;

	for (tries = 0; tries <= pm->pa.naddr; tries++) {
		pair = natport_portalloc_get(&pm->pa, now_ms());
		if (pair == NATPORT_PAIR_NONE ||
		    pm->ext_up[pair % pm->pa.naddr])
			return pair;
		natport_portalloc_unget(&pm->pa, pair);
	}
	return NATPORT_PAIR_NONE;
}

static enum natport_port_type rtcp_partner(enum natport_port_type t)
{
	return t == NATPORT_PORT_AUDIO_RTCP ? NATPORT_PORT_AUDIO_RTP
					    : NATPORT_PORT_VIDEO_RTP;
}

/* The allocation half of a GetMapping: the checks, a pair and a slot, no
 * kernel work. *sp gets the slot and *need whether req's remote is to be
 * installed for it. Returns 0 for a new mapping (undone by map_unreserve
 * until map_created), 1 for the live mapping of req->internal found
 * again, or an error. */
static int map_reserve(struct natport_pm *pm,
		       const struct natport_mapping_req *req,
		       struct natport_map_slot **sp, int *need)
{
	struct natport_map_slot *s, *rtp = NULL;
	struct natport_portalloc *pa;
	uint32_t pair;
	unsigned int half = 0;
	int err, have_remote;

	if ((unsigned int)req->type >= (unsigned int)__NATPORT_PORT_MAX)
		return fail(pm, NATPORT_E_INVAL, "port type %d unknown",
			    req->type);
	err = check_internal(pm, &req->internal);
	if (err)
		return err;
	if (natport_port_type_is_rtp(req->type) && (req->internal.port & 1))
		return fail(pm, NATPORT_E_INVAL,
			    "internal RTP port %u is odd (RFC 3550 section 11)",
			    req->internal.port);
	have_remote = req->remote.family != AF_UNSPEC &&
		      !natport_endpoint_is_unspec(&req->remote);
	if (have_remote) {
		err = check_same_family(pm, &req->internal, &req->remote);
		if (err)
			return err;
		err = check_remote(pm, &req->remote);
		if (err && !(err == -NATPORT_E_INVAL && !req->remote.port))
			return err;
		have_remote = req->remote.port != 0;
	}

	s = natport_maptable_find(&pm->mt, &req->internal);
	if (s) {
		if (s->m.type != req->type)
			return fail(pm, NATPORT_E_EXIST,
				    "internal endpoint already mapped as %s",
				    natport_port_type_name(s->m.type));
		*sp = s;
		*need = have_remote && !s->installed;
		return 1;
	}

	pa = &pm->pa;
	if (req->internal.family == AF_INET6)
		pa = pm->cfg.nat66 ? &pm->pa6 : NULL;
	if (pa && natport_port_type_is_rtcp(req->type)) {
		struct natport_endpoint ep = req->internal;

		ep.port = req->rtp_internal_port ?: req->internal.port - 1;
		rtp = natport_maptable_find(&pm->mt, &ep);
		if (rtp && (rtp->m.type != rtcp_partner(req->type) ||
			    pa->pairs[rtp->pair].map[1]))
			rtp = NULL;
	}
	if (!pa) {
		/* An IPv6 pinhole: the phone's own port, no pair. */
		if (pm->mt.count >= pm->capacity)
			return fail(pm, NATPORT_E_NOPORT,
				    "capacity of %u mappings reached (%s)",
				    pm->capacity, pm->limits);
		pair = NATPORT_PAIR_NONE;
	} else if (rtp) {
		pair = rtp->pair;
		half = 1;
	} else {
		if (pm->mt.count >= pm->capacity)
			return fail(pm, NATPORT_E_NOPORT,
				    "capacity of %u mappings reached (%s)",
				    pm->capacity, pm->limits);
		if (pa == &pm->pa && !pm->next_up) {
			char b[NATPORT_ENDPOINT_STRLEN];

			return fail(pm, NATPORT_E_NOPORT,
				    "every port pair is busy: %s%s is not an address of this router",
				    natport_endpoint_format(&pm->pa.addr[0], b,
							    sizeof(b)),
				    pm->pa.naddr > 1 ? " (nor any other)" : "");
		}
		pair = suggested_pair(pm, pa, req);
		if (pair == NATPORT_PAIR_NONE && pa == &pm->pa)
			pair = get_pair(pm);
		else if (pair == NATPORT_PAIR_NONE)
			pair = natport_portalloc_get(pa, now_ms());
		if (pair == NATPORT_PAIR_NONE)
			return fail(
				pm, NATPORT_E_NOPORT,
				"no free external port pair (%u in use, %u in quarantine, on %u address(es))",
				pa->nused, pa->nquarantine, pa->naddr);
		half = natport_port_type_is_rtcp(req->type);
	}
	s = natport_maptable_alloc(&pm->mt);
	if (!s) {
		if (pa && !rtp)
			natport_portalloc_put(pa, pair, 0);
		return fail(pm, NATPORT_E_NOPORT, "mapping table full");
	}
	s->m.type = req->type;
	s->m.state = NATPORT_MAP_HELD;
	s->m.internal = req->internal;
	if (pa) {
		s->m.external = *natport_portalloc_addr(pa, pair);
		s->m.external.port = natport_portalloc_port(pa, pair, half);
	} else {
		s->m.external = req->internal;
	}
	s->m.owner = req->owner;
	s->m.created_ms = s->m.updated_ms = now_ms();
	s->pair = pair;
	s->half = half;
	natport_maptable_insert(&pm->mt, s);
	if (pa)
		pa->pairs[pair].map[half] = s->m.id;
	*sp = s;
	*need = have_remote;
	return 0;
}

/* A new mapping whose entry could not be made: its half of the pair and
 * its slot go back, and the pair too once no mapping holds it (it never
 * carried media, so it needs no quarantine). The error text stays. */
static void map_unreserve(struct natport_pm *pm, struct natport_map_slot *s)
{
	struct natport_portalloc *pa = slot_pa(pm, s);
	char keep[sizeof(pm->errbuf)];

	memcpy(keep, pm->errbuf, sizeof(keep));
	if (pa) {
		struct natport_pair *p = &pa->pairs[s->pair];

		p->map[s->half] = 0;
		if (!p->map[0] && !p->map[1])
			natport_portalloc_put(pa, s->pair, 0);
	}
	set_installed(pm, s, 0);
	natport_maptable_free(&pm->mt, s);
	memcpy(pm->errbuf, keep, sizeof(keep));
}

static void map_created(struct natport_pm *pm, struct natport_map_slot *s,
			int with_remote)
{
	pm->stats.created++;
	emit(pm, NATPORT_EV_CREATED, s);
	if (with_remote)
		emit(pm, NATPORT_EV_REMOTE, s);
}

/* The install half of a GetMapping, one at a time (map_reserve's 0 or 1
 * in r). */
static int map_finish(struct natport_pm *pm, struct natport_map_slot *s,
		      int r, int need, const struct natport_endpoint *remote)
{
	int err = 0;

	if (need)
		err = install(pm, s, remote);
	if (r == 1) {
		if (!err && need)
			emit(pm, NATPORT_EV_REMOTE, s);
		return err;
	}
	if (err) {
		map_unreserve(pm, s);
		return err;
	}
	map_created(pm, s, need);
	return 0;
}

int natport_pm_get_mapping(struct natport_pm *pm,
			   const struct natport_mapping_req *req,
			   struct natport_mapping *out)
{
	struct natport_map_slot *s;
	int r, need;

	pm->errbuf[0] = '\0';
	r = map_reserve(pm, req, &s, &need);
	if (r < 0)
		return r;
	r = map_finish(pm, s, r, need, &req->remote);
	if (r)
		return r;
	*out = s->m;
	return 0;
}

/* natport_pm_get_mapping_many: the new mappings whose remote is known are
 * created NATPORT_CTNL_MANY to a netlink round trip; the rest (a mapping
 * found again, a hairpin, a clash) take the single path, after what is
 * queued has gone, so each sees the table sequential calls would. */
struct many_ctx {
	const struct natport_mapping_req *req;
	struct natport_mapping *out;
	int *res;
	int first;
	char firsterr[NATPORT_ERRBUF];
	struct natport_ct_entry e[NATPORT_CTNL_MANY];
	struct natport_map_slot *s[NATPORT_CTNL_MANY];
	unsigned int idx[NATPORT_CTNL_MANY];
	unsigned int n;
};

static void many_note(struct natport_pm *pm, struct many_ctx *k,
		      unsigned int i, int r, const struct natport_map_slot *s)
{
	if (k->res)
		k->res[i] = r;
	if (!r) {
		k->out[i] = s->m;
		return;
	}
	memset(&k->out[i], 0, sizeof(k->out[i]));
	if (!k->first) {
		k->first = r;
		snprintf(k->firsterr, sizeof(k->firsterr), "%s", pm->errbuf);
	}
}

static void many_flush(struct natport_pm *pm, struct many_ctx *k)
{
	int res[NATPORT_CTNL_MANY];
	unsigned int j;
	int err;

	if (!k->n)
		return;
	err = natport_ctnl_create_many(pm->ct, k->e, k->n, res);
	for (j = 0; j < k->n; j++) {
		struct natport_map_slot *s = k->s[j];
		const struct natport_endpoint *r = &k->req[k->idx[j]].remote;
		int rr = 0;

		if (err) {
			rr = kernel_fail(pm, err, "creating entries");
		} else if (res[j] == -EEXIST) {
			/* a clash (the client's early packets): the single
			 * path deletes it and creates ours */
			rr = install(pm, s, r);
		} else if (res[j]) {
			rr = kernel_fail(pm, res[j],
					 "creating the conntrack entry");
		} else {
			installed_as(pm, s, r);
		}
		if (rr)
			map_unreserve(pm, s);
		else
			map_created(pm, s, 1);
		many_note(pm, k, k->idx[j], rr, s);
	}
	k->n = 0;
}

int natport_pm_get_mapping_many(struct natport_pm *pm,
				const struct natport_mapping_req *req,
				unsigned int n, struct natport_mapping *out,
				int *res)
{
	struct many_ctx kk, *k = &kk; /* ~10 KiB: on the stack, no malloc */
	unsigned int i;

	k->req = req;
	k->out = out;
	k->res = res;
	k->first = 0;
	k->n = 0;
	for (i = 0; i < n; i++) {
		struct natport_map_slot *s = NULL;
		int need = 0, r;

		pm->errbuf[0] = '\0';
		r = map_reserve(pm, &req[i], &s, &need);
		if (r == 1 && need && k->n) {
			/* asked for twice in one call: whether the first is
			 * made (then there is nothing to do) or undone (then
			 * this one makes it) is the queue's answer */
			many_flush(pm, k);
			r = map_reserve(pm, &req[i], &s, &need);
		}
		if (r == 0 && need && !find_external(pm, &req[i].remote)) {
			slot_entry(pm, s, &k->e[k->n]);
			k->e[k->n].remote = req[i].remote;
			k->s[k->n] = s;
			k->idx[k->n++] = i;
			if (k->n == NATPORT_CTNL_MANY)
				many_flush(pm, k);
			continue;
		}
		if (r >= 0) {
			if (need)
				many_flush(pm, k);
			r = map_finish(pm, s, r, need, &req[i].remote);
		}
		many_note(pm, k, i, r, s);
	}
	many_flush(pm, k);
	if (k->first)
		memcpy(pm->errbuf, k->firsterr, sizeof(k->firsterr));
	return k->first;
}

static struct natport_map_slot *find_external(struct natport_pm *pm,
					      const struct natport_endpoint *ext)
{
	struct natport_portalloc *pa = &pm->pa;
	uint32_t pair;
	unsigned int half;
	uint32_t id;

	if (ext->family == AF_INET6 && !pm->cfg.nat66) {
		/* a pinhole is found by its internal (= external) endpoint */
		struct natport_map_slot *s =
			natport_maptable_find(&pm->mt, ext);

		return s && s->pair == NATPORT_PAIR_NONE ? s : NULL;
	}
	if (ext->family == AF_INET6)
		pa = &pm->pa6;
	if (natport_portalloc_find(pa, ext, &pair, &half))
		return NULL;
	if (pa->pairs[pair].state != PAIR_USED)
		return NULL;
	id = pa->pairs[pair].map[half];
	return natport_maptable_get(&pm->mt, id);
}

int natport_pm_is_mapping(struct natport_pm *pm,
			  const struct natport_endpoint *ep)
{
	return find_external(pm, ep) != NULL;
}

int natport_pm_hairpin_hook(const struct natport_endpoint *ep, void *pm)
{
	return natport_pm_is_mapping(pm, ep);
}

int natport_pm_update_remote(struct natport_pm *pm,
			     const struct natport_endpoint *external,
			     const struct natport_endpoint *remote,
			     struct natport_mapping *out)
{
	struct natport_map_slot *s;
	char b[NATPORT_ENDPOINT_STRLEN];
	int err;

	pm->errbuf[0] = '\0';
	err = check_family(pm, external, "external endpoint");
	if (err)
		return err;
	s = find_external(pm, external);
	if (!s)
		return fail(pm, NATPORT_E_NOENT, "no mapping at %s",
			    natport_endpoint_format(external, b, sizeof(b)));
	err = check_same_family(pm, &s->m.internal, remote);
	if (!err)
		err = check_remote(pm, remote);
	if (err)
		return err;
	if (s->carried_by && natport_endpoint_equal(&s->m.remote, remote) &&
	    carries(natport_maptable_get(&pm->mt, s->carried_by), s)) {
		if (out) /* carried by the other mapping's entry */
			*out = s->m;
		return 0;
	}
	if (s->installed && natport_endpoint_equal(&s->m.remote, remote)) {
		struct natport_ct_entry e;
		int res = 0;

		/* Same remote (a retransmitted answer): keep, refresh. */
		slot_entry(pm, s, &e);
		err = natport_ctnl_refresh(pm->ct, &e, 1, &res);
		if (!err && !res) {
			pm->stats.refreshes++;
			if (out)
				*out = s->m;
			return 0;
		}
		/* gone from the kernel: create it again */
		set_installed(pm, s, 0);
	}
	err = install(pm, s, remote);
	if (err)
		return err;
	emit(pm, NATPORT_EV_REMOTE, s);
	if (out)
		*out = s->m;
	return 0;
}

int natport_pm_update_remote_many(struct natport_pm *pm,
				  struct natport_remote_update *u,
				  unsigned int n)
{
	struct natport_map_slot *slot[NATPORT_UPDATE_MANY];
	struct natport_ct_entry e[NATPORT_UPDATE_MANY];
	int res[NATPORT_UPDATE_MANY];
	unsigned int idx[NATPORT_UPDATE_MANY];
	unsigned int i, j, nb = 0;
	char firsterr[sizeof(pm->errbuf)] = "";
	int first = 0, err;

	if (n > NATPORT_UPDATE_MANY)
		return fail(pm, NATPORT_E_INVAL, "%u updates: at most %u", n,
			    NATPORT_UPDATE_MANY);
	/* Fresh entries go in one batch; replacing an entry, refreshing
	 * one, or a clash take the single path (they are the rare cases). */
	for (i = 0; i < n; i++) {
		struct natport_map_slot *s;

		u[i].result = 0;
		for (j = 0; j < i; j++)
			if (natport_endpoint_equal(&u[j].external,
						   &u[i].external))
				break;
		if (j < i) {
			u[i].result = fail(pm, NATPORT_E_INVAL,
					   "the same mapping twice in one call");
			goto next;
		}
		if (check_family(pm, &u[i].external, "external endpoint") ||
		    !(s = find_external(pm, &u[i].external))) {
			char b[NATPORT_ENDPOINT_STRLEN];

			u[i].result = fail(pm, NATPORT_E_NOENT,
					   "no mapping at %s",
					   natport_endpoint_format(
						   &u[i].external, b, sizeof(b)));
			goto next;
		}
		u[i].result =
			check_same_family(pm, &s->m.internal, &u[i].remote);
		if (!u[i].result)
			u[i].result = check_remote(pm, &u[i].remote);
		if (u[i].result)
			goto next;
		if (s->installed || find_external(pm, &u[i].remote)) {
			/* a hairpin takes the single path too */
			u[i].result = natport_pm_update_remote(
				pm, &u[i].external, &u[i].remote, &u[i].mapping);
			goto next;
		}
		slot[nb] = s;
		idx[nb] = i;
		slot_entry(pm, s, &e[nb]);
		e[nb].remote = u[i].remote;
		nb++;
next:
		if (u[i].result && !first) {
			first = u[i].result;
			memcpy(firsterr, pm->errbuf, sizeof(firsterr));
		}
	}
	if (nb) {
		err = natport_ctnl_create_many(pm->ct, e, nb, res);
		for (j = 0; j < nb; j++) {
			struct natport_map_slot *s = slot[j];

			i = idx[j];
			if (err) {
				u[i].result = kernel_fail(pm, err,
							  "creating entries");
			} else if (res[j] == -EEXIST) {
				u[i].result = install(pm, s, &u[i].remote);
				if (!u[i].result)
					emit(pm, NATPORT_EV_REMOTE, s);
			} else if (res[j]) {
				u[i].result = kernel_fail(
					pm, res[j], "creating the conntrack entry");
			} else {
				installed_as(pm, s, &u[i].remote);
				emit(pm, NATPORT_EV_REMOTE, s);
			}
			if (!u[i].result)
				u[i].mapping = s->m;
			else if (!first) {
				first = u[i].result;
				memcpy(firsterr, pm->errbuf, sizeof(firsterr));
			}
		}
	}
	if (first)
		memcpy(pm->errbuf, firsterr, sizeof(firsterr));
	return first;
}

int natport_pm_release_id(struct natport_pm *pm, uint32_t id)
{
	struct natport_map_slot *s = natport_maptable_get(&pm->mt, id);

	pm->errbuf[0] = '\0';
	if (!s)
		return fail(pm, NATPORT_E_NOENT, "no mapping with id %u", id);
	release_slot(pm, s);
	return 0;
}

int natport_pm_release_many(struct natport_pm *pm, const uint32_t *ids,
			    unsigned int n, int *res)
{
	struct natport_ct_entry e[NATPORT_CTNL_MANY];
	unsigned int i, ne = 0;
	int first = 0;

	pm->errbuf[0] = '\0';
	for (i = 0; i < n; i++) {
		struct natport_map_slot *s =
			natport_maptable_get(&pm->mt, ids[i]);
		int r = 0;

		if (!s) {
			r = fail(pm, NATPORT_E_NOENT, "no mapping with id %u",
				 ids[i]);
		} else {
			if (s->installed) {
				slot_entry(pm, s, &e[ne++]);
				set_installed(pm, s, 0);
			}
			release_slot(pm, s);
		}
		if (res)
			res[i] = r;
		if (r && !first)
			first = r;
		if (ne == NATPORT_CTNL_MANY || (i + 1 == n && ne)) {
			/* A failure leaves orphans the next scan removes. */
			if (natport_ctnl_delete_many_nowait(pm->ct, e, ne))
				pm->stats.errors[NATPORT_E_INDEX(NATPORT_E_KERNEL)]++;
			ne = 0;
		}
	}
	return first;
}

int natport_pm_release(struct natport_pm *pm,
		       const struct natport_endpoint *internal,
		       const struct natport_endpoint *external)
{
	struct natport_map_slot *s;
	char b1[NATPORT_ENDPOINT_STRLEN], b2[NATPORT_ENDPOINT_STRLEN];

	pm->errbuf[0] = '\0';
	s = natport_maptable_find(&pm->mt, internal);
	if (!s || !natport_endpoint_equal(&s->m.external, external))
		return fail(pm, NATPORT_E_NOENT, "no mapping %s <-> %s",
			    natport_endpoint_format(internal, b1, sizeof(b1)),
			    natport_endpoint_format(external, b2, sizeof(b2)));
	release_slot(pm, s);
	return 0;
}

int natport_pm_lookup(struct natport_pm *pm, uint32_t id,
		      struct natport_mapping *out)
{
	struct natport_map_slot *s = natport_maptable_get(&pm->mt, id);

	if (!s)
		return -NATPORT_E_NOENT;
	*out = s->m;
	return 0;
}

int natport_pm_foreach(struct natport_pm *pm, natport_mapping_fn fn,
		       void *arg)
{
	uint32_t id;
	int r;

	for (id = 1; id < pm->mt.fresh; id++) {
		if (!pm->mt.slots[id].live)
			continue;
		r = fn(&pm->mt.slots[id].m, arg);
		if (r)
			return r;
	}
	return 0;
}

/* A released mapping is still quarantined while its port is neither live
 * again nor back among the free pairs, and its quarantine has not run out.
 * The time test also discards the record of a half that an earlier use
 * of the pair left: that one ran out before the pair could be reused. */
int natport_pm_foreach_quarantined(struct natport_pm *pm,
				   natport_mapping_fn fn, void *arg)
{
	uint32_t n4 = 2 * pm->pa.npairs, i;
	uint64_t now = now_ms();
	int r;

	if (!pm->released)
		return 0;
	for (i = 0; i < n4 + 2 * pm->pa6.npairs; i++) {
		const struct natport_pair *p =
			i < n4 ? &pm->pa.pairs[i / 2] :
				 &pm->pa6.pairs[(i - n4) / 2];
		const struct natport_mapping *m = &pm->released[i];

		if (!m->id || p->map[i % 2] || p->state == PAIR_FREE ||
		    now >= m->updated_ms + pm->cfg.quarantine_ms)
			continue;
		r = fn(m, arg);
		if (r)
			return r;
	}
	return 0;
}

int natport_pm_counters(struct natport_pm *pm, uint32_t id,
			struct natport_counters *out)
{
	struct natport_map_slot *s = natport_maptable_get(&pm->mt, id);
	struct natport_ct_entry e;
	int err;

	memset(out, 0, sizeof(*out));
	if (!s)
		return fail(pm, NATPORT_E_NOENT, "no mapping with id %u", id);
	{
		uint64_t *in = inbound_slot(pm, &s->m.external);

		if (in && *in)
			return natport_pm_inbound_counters(pm, &s->m.external,
							   out);
	}
	if (s->carried_by) {
		/* a hairpin's carried half: the carrier's entry, seen from
		 * this side (its original direction is our client's) */
		struct natport_map_slot *c =
			natport_maptable_get(&pm->mt, s->carried_by);
		struct natport_counters cc;

		if (!carries(c, s) || natport_pm_counters(pm, c->m.id, &cc))
			return 0;
		out->pkts_in = cc.pkts_out;
		out->bytes_in = cc.bytes_out;
		out->pkts_out = cc.pkts_in;
		out->bytes_out = cc.bytes_in;
		return 0;
	}
	if (!s->installed)
		return 0;
	slot_entry(pm, s, &e);
	err = natport_ctnl_counters(pm->ct, &e, out);
	if (err == -ENOENT)
		return 0; /* destroyed a moment ago; restore is under way */
	if (err)
		return kernel_fail(pm, err, "reading counters");
	return 0;
}

int natport_pm_fd(const struct natport_pm *pm)
{
	return pm->epfd;
}

/* Whether s's entry may be re-created now: at most RESTORE_BURST times a
 * window; the refresh tick retries after that. */
static int restore_due(struct natport_map_slot *s)
{
	uint64_t now = now_ms();

	if (now - s->restore_window_ms > RESTORE_WINDOW_MS) {
		s->restore_window_ms = now;
		s->restores = 0;
	}
	if (s->restores >= RESTORE_BURST)
		return 0;
	s->restores++;
	return 1;
}

/* Re-create the entry of a live mapping the kernel dropped, alone (the
 * clash handling of install). */
static void restore_one(struct natport_pm *pm, struct natport_map_slot *s)
{
	struct natport_endpoint r = s->m.remote;

	set_installed(pm, s, 0);
	if (install(pm, s, &r) == 0) {
		pm->stats.kernel_restored++;
		emit(pm, NATPORT_EV_RESTORED, s);
	} else {
		set_installed(pm, s, 1); /* the next scan finds it missing */
	}
}

/* The same for many mappings (by id: an event callback may have changed
 * the table since they were noted), NATPORT_CTNL_MANY entries to a round
 * trip: when thousands of entries run out at once (a loaded machine whose
 * scan came late) one dispatch stays short. A hairpin's carrier and a
 * clash take the single path. */
static void restore_many(struct natport_pm *pm, const uint32_t *ids,
			 unsigned int n)
{
	struct natport_ct_entry e[NATPORT_CTNL_MANY];
	struct natport_map_slot *q[NATPORT_CTNL_MANY];
	int res[NATPORT_CTNL_MANY];
	unsigned int i, j, nq = 0;
	int err;

	for (i = 0; i <= n; i++) {
		struct natport_map_slot *s =
			i < n ? natport_maptable_get(&pm->mt, ids[i]) : NULL;

		if (s && s->installed && restore_due(s)) {
			if (s->hp_internal.family) {
				restore_one(pm, s);
			} else {
				set_installed(pm, s, 0);
				slot_entry(pm, s, &e[nq]);
				q[nq++] = s;
			}
		}
		if (nq < NATPORT_CTNL_MANY && i < n)
			continue;
		err = nq ? natport_ctnl_create_many(pm->ct, e, nq, res) : 0;
		for (j = 0; j < nq; j++) {
			struct natport_map_slot *t = q[j];
			struct natport_endpoint r = t->m.remote;

			if (!err && res[j] == 0)
				installed_as(pm, t, &r);
			else if (err || res[j] != -EEXIST ||
				 install(pm, t, &r) != 0) {
				set_installed(pm, t, 1); /* a scan retries */
				continue;
			}
			pm->stats.kernel_restored++;
			emit(pm, NATPORT_EV_RESTORED, t);
		}
		nq = 0;
	}
}

static void on_destroy(const struct natport_ct_entry *e, void *arg)
{
	struct natport_pm *pm = arg;
	struct natport_map_slot *s;
	struct natport_ct_entry k;

	s = natport_maptable_get(&pm->mt, mark_id(pm, e->mark));
	/* Ours only if it is the entry the mapping has now: the ones we
	 * replaced or released ourselves also end with DESTROY. */
	if (!s || !s->installed)
		return;
	slot_entry(pm, s, &k);
	if (!natport_endpoint_equal(&k.remote, &e->remote) ||
	    !natport_endpoint_equal(&k.external, &e->external))
		return;
	pm->stats.kernel_destroyed++;
	emit(pm, NATPORT_EV_DESTROYED, s);
	/* re-created after the read, in one batch (the read stops at
	 * NATPORT_CTNL_MANY events) */
	if (pm->ndestroyed < NATPORT_CTNL_MANY)
		pm->destroyed[pm->ndestroyed++] = s->m.id;
}

/* The answers to a refresh batch: counted, and the entries found gone
 * re-created (by id: the table may have changed since the batch left). */
static void refresh_answers(struct natport_pm *pm,
			    const struct natport_ct_entry *e, const int *res,
			    unsigned int n)
{
	uint32_t gone[NATPORT_CTNL_MANY];
	unsigned int i, ngone = 0;

	for (i = 0; i < n; i++) {
		struct natport_map_slot *s =
			natport_maptable_get(&pm->mt, mark_id(pm, e[i].mark));

		if (!s)
			continue;
		if (res[i] == 0)
			pm->stats.refreshes++;
		else if (res[i] == -ENOENT)
			gone[ngone++] = s->m.id;
		if (ngone == NATPORT_CTNL_MANY) {
			restore_many(pm, gone, ngone);
			ngone = 0;
		}
	}
	restore_many(pm, gone, ngone);
}

static void scan_pause(struct natport_pm *pm, int pause)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (pm->scan_paused == pause)
		return;
	ev.data.fd = natport_ctnl_scan_fd(pm->ct);
	if (!epoll_ctl(pm->epfd, pause ? EPOLL_CTL_DEL : EPOLL_CTL_ADD,
		       ev.data.fd, &ev))
		pm->scan_paused = pause;
}


/* Hand the slice's refreshes to the refresher thread and pause the scan
 * until its answers are in. 0 when there is no thread: the caller sends
 * them itself. */
static int refresh_handoff(struct natport_pm *pm)
{
	if (!pm->rf ||
	    natport_refresher_submit(pm->rf, pm->scratch, pm->nrefresh))
		return 0;
	scan_pause(pm, 1);
	return 1;
}

/* The refresher's answers are in: take them, resume the scan. */
static void refresh_collect(struct natport_pm *pm)
{
	const struct natport_ct_entry *e;
	const int *res;
	unsigned int n;
	int kind = 0, r;

	r = natport_refresher_collect(pm->rf, &kind, &e, &res, &n);

	if (r == 1 && kind == NATPORT_RF_REFRESH)
		refresh_answers(pm, e, res, n);
	if (r < 0) {
		pm->stats.errors[NATPORT_E_INDEX(NATPORT_E_KERNEL)]++;
		if (kind == NATPORT_RF_SEND) /* no dump is coming */
			natport_ctnl_scan_abort(pm->ct);
	}
	if (r)
		scan_pause(pm, 0);
}

/* Send what one scan slice queued: refreshes of silent entries (batched,
 * from the refresher thread; re-created when gone) and deletions of
 * entries no mapping owns. */
static void scan_flush(struct natport_pm *pm)
{
	struct natport_ct_entry *del = pm->scratch + SCAN_ROOM;
	unsigned int i;

	if (pm->nrefresh && !refresh_handoff(pm) &&
	    !natport_ctnl_refresh(pm->ct, pm->scratch, pm->nrefresh,
				  pm->scratch_res))
		refresh_answers(pm, pm->scratch, pm->scratch_res, pm->nrefresh);
	for (i = 0; i < pm->ndelete; i++)
		if (natport_ctnl_delete(pm->ct, &del[i]) == 0)
			pm->stats.stale_removed++;
	pm->nrefresh = pm->ndelete = 0;
}

/* One entry of the scan: ours and moving (skip), ours and silent with its
 * timeout running low (refresh), or no mapping's (delete). */
static int scan_one(const struct natport_ct_entry *e,
		    const struct natport_counters *c, void *arg)
{
	struct natport_pm *pm = arg;
	struct natport_map_slot *s;
	struct natport_ct_entry k;

	/* compared with the entry the slot would install, not with its
	 * mapping: a hairpin entry's kernel remote is the other phone */
	s = natport_maptable_get(&pm->mt, mark_id(pm, e->mark));
	if (s && s->installed)
		slot_entry(pm, s, &k);
	if (!s || !s->installed ||
	    !natport_endpoint_equal(&k.remote, &e->remote) ||
	    !natport_endpoint_equal(&k.external, &e->external)) {
		if (pm->ndelete < SCAN_ROOM)
			pm->scratch[SCAN_ROOM + pm->ndelete++] = *e;
		return 0;
	}
	mark_seen(pm, s);
	if (counters_take(pm, s, c) || e->timeout_s > pm->refresh_below_s) {
		/* moving: the kernel keeps it alive; or plenty of time */
		pm->stats.refresh_skipped++;
		return 0;
	}
	if (pm->nrefresh < SCAN_ROOM)
		slot_entry(pm, s, &pm->scratch[pm->nrefresh++]);
	return 0;
}

/* A scan is over: an installed mapping it did not see lost its entry
 * without a DESTROY event reaching us (the event socket overflowed).
 * Rare, so a plain walk; every other step of the scan is paced. */
static void scan_done(struct natport_pm *pm)
{
	uint32_t id;

	pm->stats.scans++;
	pm->scan_last_ms = now_ms() - pm->scan_t0_ms;
	if (pm->scan_seen >= pm->nactive)
		return;
	uint32_t gone[NATPORT_CTNL_MANY];
	unsigned int ngone = 0;

	for (id = 1; id < pm->mt.fresh; id++) {
		struct natport_map_slot *s = &pm->mt.slots[id];

		if (s->live && s->installed && s->scan_gen != pm->scan_gen)
			gone[ngone++] = id;
		if (ngone == NATPORT_CTNL_MANY) {
			restore_many(pm, gone, ngone);
			ngone = 0;
		}
	}
	restore_many(pm, gone, ngone);
}

/* The dump request goes out from the refresher thread: the kernel builds
 * the dump's first part inside that sendmsg, under ctnetlink's shared
 * mutex (measured: a tick slept 25-60 ms there behind a neighbour). */
static void scan_start(struct natport_pm *pm)
{
	char req[NATPORT_CTNL_SCAN_REQ];
	int len;

	if (natport_ctnl_scanning(pm->ct))
		return; /* the last one is still under way: let it finish */
	if (pm->rf && natport_refresher_busy(pm->rf))
		return; /* its last batch is still out: the next tick */
	pm->scan_gen++;
	if (!pm->scan_gen)
		pm->scan_gen++; /* 0 means never seen */
	pm->scan_seen = 0;
	pm->scan_t0_ms = now_ms();
	if (pm->rf) {
		len = natport_ctnl_scan_prepare(pm->ct, req, sizeof(req));
		if (len > 0 &&
		    !natport_refresher_send(
			    pm->rf, natport_ctnl_scan_fd(pm->ct), req, len))
			return;
		if (len > 0)
			natport_ctnl_scan_abort(pm->ct);
	}
	if (natport_ctnl_scan_start(pm->ct))
		pm->stats.errors[NATPORT_E_INDEX(NATPORT_E_KERNEL)]++;
}

static void scan_step(struct natport_pm *pm)
{
	int r;

	if (pm->rf && natport_refresher_busy(pm->rf)) {
		/* a batch is out: read on once its answers are in */
		scan_pause(pm, 1);
		return;
	}
	r = natport_ctnl_scan_step(pm->ct, SCAN_SLICE, scan_one, pm);
	scan_flush(pm);
	if (r == 0)
		scan_done(pm);
	else if (r < 0)
		pm->stats.errors[NATPORT_E_INDEX(NATPORT_E_KERNEL)]++;
}

static void tick(struct natport_pm *pm)
{
	uint32_t old = pm->refresh_ms;

	natport_portalloc_expire(&pm->pa, now_ms());
	if (pm->pa6.pairs)
		natport_portalloc_expire(&pm->pa6, now_ms());
	adopt_expire(pm);
	load_timeouts(pm);
	if (pm->refresh_ms != old)
		arm_timer(pm);
	load_local_addrs(pm);
	/* A dump costs O(hash buckets), not O(our entries): the kernel walks
	 * every bucket of its single conntrack table (shared by all network
	 * namespaces, nf_conntrack_buckets, 262,144 on a 24 GiB machine),
	 * taking a lock per bucket: about 3.5 ms of system time per scan
	 * even with two entries. Hence one scan per tick, never per mapping. */
	if (pm->nactive)
		scan_start(pm);
	if (++pm->ticks % SWEEP_TICKS == 0) {
		/* orphans with no live mapping at all are swept too */
		scan_start(pm);
		/* belt and braces, should a change notification be lost */
		if (pm->nft && natport_nft_check(pm->nft) == 1) {
			pm->stats.nft_restored++;
			inbound_restore(pm);
			emit_ruleset(pm);
		}
	}
}

int natport_pm_dispatch(struct natport_pm *pm)
{
	struct epoll_event ev[4];
	int n, i, r;

	n = epoll_wait(pm->epfd, ev, 4, 0);
	if (n < 0)
		return errno == EINTR ? 0 : fail(pm, NATPORT_E_SYS,
						  "epoll_wait: %s",
						  strerror(errno));
	for (i = 0; i < n; i++) {
		if (ev[i].data.fd == pm->timerfd) {
			uint64_t expirations;

			if (read(pm->timerfd, &expirations,
				 sizeof(expirations)) > 0)
				tick(pm);
			continue;
		}
		if (pm->nft && ev[i].data.fd == natport_nft_fd(pm->nft)) {
			r = natport_nft_changed(pm->nft);
			if (r == 1) {
				pm->stats.nft_restored++;
				inbound_restore(pm);
			}
			if (r)
				emit_ruleset(pm);
			continue;
		}
		if (ev[i].data.fd == natport_ctnl_scan_fd(pm->ct)) {
			scan_step(pm);
			continue;
		}
		if (pm->rf && ev[i].data.fd == natport_refresher_fd(pm->rf)) {
			refresh_collect(pm);
			continue;
		}
		pm->ndestroyed = 0;
		r = natport_ctnl_events_read(pm->ct, NATPORT_CTNL_MANY,
					     on_destroy, pm);
		restore_many(pm, pm->destroyed, pm->ndestroyed);
		pm->ndestroyed = 0;
		if (r == -ENOBUFS) {
			/* Events were lost: a scan finds and re-creates
			 * whatever is gone. */
			pm->stats.event_overruns++;
			scan_start(pm);
		}
	}
	return 0;
}

void natport_pm_get_stats(struct natport_pm *pm, struct natport_pm_stats *out)
{
	uint32_t left, ports;

	natport_portalloc_expire(&pm->pa, now_ms());
	if (pm->nft)
		natport_nft_stray(pm->nft, &pm->stats.stray_packets);
	*out = pm->stats;
	out->ports_total = 2 * pm->pa.npairs;
	out->ports_free = 2 * pm->pa.nfree;
	out->ports_held = 2 * pm->pa.nused;
	out->ports_quarantined = 2 * pm->pa.nquarantine;
	out->mappings = pm->mt.count;
	out->mappings_active = pm->nactive;
	out->capacity = pm->capacity;
	left = pm->capacity > pm->mt.count ? pm->capacity - pm->mt.count : 0;
	ports = out->ports_free;
	out->headroom = left < ports ? left : ports;
	out->external_addrs = pm->pa.naddr;
	out->fds = PM_FDS - (pm->rf ? 0 : RF_FDS);
}

struct klist_ctx {
	natport_kernel_fn fn;
	void *arg;
	uint32_t tag;
};

static int klist_one(const struct natport_ct_entry *e,
		     const struct natport_counters *c, void *arg)
{
	struct klist_ctx *k = arg;
	struct natport_mapping m = { 0 };

	m.id = natport_ct_mark_id(k->tag, e->mark);
	m.type = NATPORT_PORT_DATA;
	m.state = NATPORT_MAP_ACTIVE;
	m.internal = e->internal;
	m.external = e->external;
	m.remote = e->remote;
	return k->fn ? k->fn(&m, c, e->timeout_s, k->arg) : 0;
}

int natport_kernel_list(uint32_t mark_tag, natport_kernel_fn fn, void *arg,
			char *err, size_t errlen)
{
	struct klist_ctx k = { .fn = fn, .arg = arg,
			       .tag = mark_tag ?: NATPORT_CT_MARK_TAG };
	struct natport_ctnl *ct;
	int r;

	ct = natport_ctnl_open(mark_tag ?: NATPORT_CT_MARK_TAG, err, errlen);
	if (!ct)
		return -NATPORT_E_SYS;
	r = natport_ctnl_dump(ct, klist_one, &k);
	natport_ctnl_close(ct);
	if (r < 0) {
		snprintf(err, errlen, "conntrack dump: %s", strerror(-r));
		return -NATPORT_E_KERNEL;
	}
	return r;
}

/* --- PCP inbound mappings: the kernel side of an endpoint-independent
 * MAP (natport.h). Appended as one block. -------------------------------- */

/* Kept past the lease's own end in the kernel, so a renewal that comes a
 * little late (the client renews at 1/2..5/8 of the lifetime, RFC 6887
 * section 11.2.1) never finds the port closed. */
#define INBOUND_MARGIN_S 30

static uint64_t *inbound_slot(struct natport_pm *pm,
			      const struct natport_endpoint *ext)
{
	/* IPv4 only: an IPv6 mapping's port is no index into it */
	if (!pm->inbound || ext->family != AF_INET ||
	    ext->port < pm->cfg.port_min || ext->port > pm->cfg.port_max)
		return NULL;
	return &pm->inbound[ext->port - pm->cfg.port_min];
}

static int inbound_setup(struct natport_pm *pm)
{
	if (pm->inbound_ready)
		return 0;
	if (!pm->nft)
		return fail(pm, NATPORT_E_NOTSUP,
			    "inbound mappings need natport's nft table");
	if (natport_nft_inbound_setup(pm->nft, &pm->cfg.external.addr.v4))
		return fail(pm, NATPORT_E_KERNEL,
			    "nft: cannot create the inbound maps");
	pm->inbound_ready = 1;
	return 0;
}

static int inbound_program(struct natport_pm *pm,
			   const struct natport_map_slot *s, uint64_t until,
			   int fresh)
{
	uint64_t now = now_ms();
	unsigned int left = until > now ? (unsigned int)((until - now + 999) /
							  1000) : 1;

	if (natport_nft_inbound_add(pm->nft, &pm->cfg.external.addr.v4,
				    s->m.external.port,
				    &s->m.internal.addr.v4, s->m.internal.port,
				    left, fresh))
		return fail(pm, NATPORT_E_KERNEL,
			    "nft: cannot add the inbound element for port %u",
			    s->m.external.port);
	return 0;
}

int natport_pm_open_inbound(struct natport_pm *pm,
			    const struct natport_endpoint *external,
			    uint32_t timeout_s)
{
	struct natport_map_slot *s = find_external(pm, external);
	uint64_t *slot, until;
	int err, fresh;

	pm->errbuf[0] = '\0';
	if (!s)
		return fail(pm, NATPORT_E_NOENT, "no mapping at external port %u",
			    external->port);
	if (s->m.internal.family != AF_INET)
		return fail(pm, NATPORT_E_NOTSUP,
			    "inbound mappings are IPv4 only today");
	if (!timeout_s || timeout_s > 30 * 24 * 3600)
		return fail(pm, NATPORT_E_INVAL, "timeout %u s out of range",
			    timeout_s);
	if (!pm->inbound) {
		pm->inbound = calloc((size_t)pm->cfg.port_max -
					     pm->cfg.port_min + 1,
				     sizeof(*pm->inbound));
		if (!pm->inbound)
			return fail(pm, NATPORT_E_NOMEM, "out of memory");
	}
	err = inbound_setup(pm);
	if (err)
		return err;
	slot = inbound_slot(pm, &s->m.external);
	if (!slot)
		return fail(pm, NATPORT_E_INVAL, "port outside the range");
	until = now_ms() + ((uint64_t)timeout_s + INBOUND_MARGIN_S) * 1000;
	fresh = !*slot;
	err = inbound_program(pm, s, until, fresh);
	if (err)
		return err;
	*slot = until;
	return 0;
}

static int inbound_del(struct natport_pm *pm, const struct natport_map_slot *s)
{
	uint64_t *slot = inbound_slot(pm, &s->m.external);

	if (!slot || !*slot)
		return 0;
	*slot = 0;
	if (!pm->inbound_ready)
		return 0;
	if (natport_nft_inbound_del(pm->nft, &pm->cfg.external.addr.v4,
				    s->m.external.port,
				    &s->m.internal.addr.v4, s->m.internal.port))
		return fail(pm, NATPORT_E_KERNEL,
			    "nft: cannot delete the inbound element for port %u",
			    s->m.external.port);
	return 0;
}

int natport_pm_close_inbound(struct natport_pm *pm,
			     const struct natport_endpoint *external)
{
	struct natport_map_slot *s = find_external(pm, external);

	pm->errbuf[0] = '\0';
	if (!s)
		return fail(pm, NATPORT_E_NOENT, "no mapping at external port %u",
			    external->port);
	return inbound_del(pm, s);
}

int natport_pm_inbound_counters(struct natport_pm *pm,
				const struct natport_endpoint *external,
				struct natport_counters *out)
{
	struct natport_map_slot *s = find_external(pm, external);
	uint64_t *slot;
	unsigned long long pi, bi, po, bo;

	memset(out, 0, sizeof(*out));
	if (!s)
		return fail(pm, NATPORT_E_NOENT, "no mapping at external port %u",
			    external->port);
	slot = inbound_slot(pm, &s->m.external);
	if (!slot || !*slot || !pm->inbound_ready)
		return 0;
	if (natport_nft_inbound_counters(pm->nft, s->m.external.port, &pi, &bi,
					 &po, &bo))
		return 0; /* timed out in the kernel a moment ago */
	out->pkts_in = pi;
	out->bytes_in = bi;
	out->pkts_out = po;
	out->bytes_out = bo;
	return 0;
}

/* A released mapping takes its inbound element with it. */
static void inbound_drop(struct natport_pm *pm, struct natport_map_slot *s)
{
	if (inbound_del(pm, s))
		pm->stats.errors[NATPORT_E_INDEX(NATPORT_E_KERNEL)]++;
}

/* The table was re-created (a firewall reload removed it): put the maps
 * back with every element that has not run out. */
static void inbound_restore(struct natport_pm *pm)
{
	uint64_t now = now_ms();
	uint32_t id;

	if (!pm->inbound_ready)
		return;
	pm->inbound_ready = 0;
	if (inbound_setup(pm))
		return;
	for (id = 1; id < pm->mt.cap; id++) {
		struct natport_map_slot *s = &pm->mt.slots[id];
		uint64_t *slot;

		if (!s->live)
			continue;
		slot = inbound_slot(pm, &s->m.external);
		if (!slot || !*slot)
			continue;
		if (*slot <= now || inbound_program(pm, s, *slot, 1))
			*slot = 0;
	}
}

/* FILTER on an inbound mapping (natport.h): the filters live in the nft
 * handle, which restores them with the maps and renews them with the
 * mapping's element; this only checks and converts. */
int natport_pm_filter_inbound(struct natport_pm *pm,
			      const struct natport_endpoint *external,
			      const struct natport_inbound_filter *f,
			      unsigned int n, uint32_t timeout_s)
{
	struct natport_map_slot *s = find_external(pm, external);
	struct natport_nft_filter nf[NATPORT_NFT_MAX_FILTERS];
	unsigned int i;
	int err;

	pm->errbuf[0] = '\0';
	if (!s)
		return fail(pm, NATPORT_E_NOENT, "no mapping at external port %u",
			    external->port);
	if (s->m.internal.family != AF_INET)
		return fail(pm, NATPORT_E_NOTSUP,
			    "inbound filters are IPv4 only today");
	if (n > NATPORT_INBOUND_MAX_FILTERS || n > NATPORT_NFT_MAX_FILTERS ||
	    (n && (!timeout_s || timeout_s > 30 * 24 * 3600)))
		return fail(pm, NATPORT_E_INVAL, "%u filters for %u s", n,
			    timeout_s);
	for (i = 0; i < n; i++) {
		if (f[i].remote.family != AF_INET || f[i].prefix_len > 32)
			return fail(pm, NATPORT_E_INVAL,
				    "filter %u: not an IPv4 prefix", i);
		nf[i].addr = f[i].remote.addr.v4;
		nf[i].plen = f[i].prefix_len;
		nf[i].port = f[i].remote.port;
	}
	err = inbound_setup(pm);
	if (err)
		return err;
	if (natport_nft_inbound_filter(pm->nft, s->m.external.port, nf, n,
				       n ? timeout_s + INBOUND_MARGIN_S : 0))
		return fail(pm, NATPORT_E_KERNEL,
			    "nft: cannot set the filters of port %u",
			    s->m.external.port);
	return 0;
}

int natport_pm_inbound_filtered(struct natport_pm *pm,
				const struct natport_endpoint *external,
				uint64_t *pkts)
{
	struct natport_map_slot *s = find_external(pm, external);
	unsigned long long n;

	*pkts = 0;
	if (!s)
		return fail(pm, NATPORT_E_NOENT, "no mapping at external port %u",
			    external->port);
	if (pm->nft && pm->inbound_ready &&
	    !natport_nft_inbound_filtered(pm->nft, s->m.external.port, &n))
		*pkts = n;
	return 0;
}

/* The external endpoint a PCP client suggested (RFC 6887 section 11.3:
 * honoured when free), as the pair natport_pm_get_mapping() takes: its
 * even port for RTP and single mappings (RTCP follows its RTP). Any
 * other case, or a pair in use or in quarantine, or on an address that
 * is down: NATPORT_PAIR_NONE, and the usual allocation goes on. */
static uint32_t suggested_pair(struct natport_pm *pm,
			       struct natport_portalloc *pa,
			       const struct natport_mapping_req *req)
{
	struct natport_endpoint ep = req->suggested;
	unsigned int half;
	uint32_t pair;

	if (!ep.port || natport_port_type_is_rtcp(req->type))
		return NATPORT_PAIR_NONE;
	if (ep.family == AF_UNSPEC || natport_endpoint_is_unspec(&ep)) {
		ep = pa->addr[0];
		ep.port = req->suggested.port;
	}
	natport_portalloc_expire(pa, now_ms()); /* as _get() does */
	if (natport_portalloc_find(pa, &ep, &pair, &half) || half ||
	    (pa == &pm->pa && !pm->ext_up[pair % pa->naddr]) ||
	    natport_portalloc_take(pa, pair))
		return NATPORT_PAIR_NONE;
	return pair;
}
