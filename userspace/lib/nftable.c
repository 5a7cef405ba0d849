// SPDX-License-Identifier: LGPL-2.1-or-later
/* nftable.c - own the nft table that keeps conntrack and NAT hooks active
 * (libnftables; natport never shells out to nft). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <nftables/libnftables.h>

#include "nftable.h"

struct natport_nft {
	struct nft_ctx *ctx;
	struct mnl_socket *mon; /* ruleset change notifications */
	char name[33];
	char pin[512]; /* own-port chain body, "" = none (see _pin) */
	char guard[1024];       /* the guard rule, "" for none */
	uint64_t stray_base;    /* counted by tables since replaced */
	uint64_t stray_last;    /* the current table's, at the last read */
	struct pcp_filters *pcpf; /* PCP FILTERs per port (see below) */
};

static void pcp_filters_free(struct natport_nft *nft);

static int run(struct natport_nft *nft, const char *cmd, char *err,
	       size_t errlen)
{
	int r;

	/* A buffered context appends every command's output (and errors)
	 * until someone reads it, and reading resets it. Commands whose
	 * output we do not read (add, delete) leave text behind, so a later
	 * "list counter" parsed the first "packets N" of a stale listing:
	 * the stray count jumped between two values. Empty both first. */
	nft_ctx_get_output_buffer(nft->ctx);
	nft_ctx_get_error_buffer(nft->ctx);
	r = nft_run_cmd_from_buffer(nft->ctx, cmd);

	if (r && err) {
		const char *e = nft_ctx_get_error_buffer(nft->ctx);
		size_t n;

		snprintf(err, errlen, "nft: %s", e && *e ? e : "failed");
		n = strlen(err);
		while (n && (err[n - 1] == '\n'))
			err[--n] = '\0';
	}
	return r ? -1 : 0;
}

static int install(struct natport_nft *nft, char *err, size_t errlen)
{
	char cmd[4096];

	/* add+delete+create in one transaction: replaces a stale table of a
	 * previous instance atomically, and works when none exists. The
	 * guard has a chain of its own after DNAT (-100) and before the
	 * entry is confirmed: a stray packet is dropped with nothing left
	 * behind, while a flow that a DNAT (a PCP MAP's map in this table, an
	 * operator's port forward) already sent elsewhere no longer has the
	 * external address as its destination and passes. */
	snprintf(cmd, sizeof(cmd),
		 "add table inet %1$s\n"
		 "delete table inet %1$s\n"
		 "table inet %1$s {\n"
		 " comment \"natport: keeps conntrack and NAT active for media mappings\"\n"
		 " counter stray {\n"
		 "  comment \"new flows to an unmapped port of the media range\"\n"
		 " }\n"
		 " chain conntrack {\n"
		 "  type filter hook prerouting priority -150; policy accept;\n"
		 "  ct state new counter\n"
		 " }\n"
		 " chain guard {\n"
		 "  type filter hook prerouting priority -90; policy accept;\n"
		 "%2$s"
		 " }\n"
		 " chain nat_in {\n"
		 "  type nat hook prerouting priority dstnat; policy accept;\n"
		 " }\n"
		 " chain nat_out {\n"
		 "  type nat hook postrouting priority srcnat; policy accept;\n"
		 " }\n"
		 "%3$s"
		 "}\n",
		 nft->name, nft->guard, nft->pin);
	nft->stray_base += nft->stray_last;
	nft->stray_last = 0;
	return run(nft, cmd, err, errlen);
}

/* One rule per family present: "ip daddr { ... }" and "ip6 daddr { ... }"
 * (an inet chain takes both; a set of one family cannot hold the other). */
static size_t guard_rule(struct natport_nft *nft, size_t len,
			 const struct natport_nft_guard *g, int family)
{
	char a[INET6_ADDRSTRLEN];
	unsigned int i, n = 0;

	for (i = 0; i < g->n && len < sizeof(nft->guard); i++) {
		if (g->addr[i].family != family)
			continue;
		inet_ntop(family, &g->addr[i].addr, a, sizeof(a));
		len += snprintf(nft->guard + len, sizeof(nft->guard) - len,
				"%s%s",
				n++		  ? ", " :
				family == AF_INET ? "  ip daddr { " :
						    "  ip6 daddr { ",
				a);
	}
	if (n && len < sizeof(nft->guard))
		len += snprintf(
			nft->guard + len, sizeof(nft->guard) - len,
			" } udp dport %u-%u ct state new counter name stray drop\n",
			g->lo, g->hi);
	return len;
}

static void make_guard(struct natport_nft *nft,
		       const struct natport_nft_guard *g)
{
	size_t len;

	nft->guard[0] = '\0';
	if (!g || !g->n)
		return;
	len = guard_rule(nft, 0, g, AF_INET);
	if (len < sizeof(nft->guard))
		guard_rule(nft, len, g, AF_INET6);
}

int natport_nft_stray(struct natport_nft *nft, uint64_t *pkts)
{
	char cmd[128];
	const char *out, *p;
	unsigned long long n;

	snprintf(cmd, sizeof(cmd), "list counter inet %s stray", nft->name);
	*pkts = nft->stray_base + nft->stray_last;
	if (run(nft, cmd, NULL, 0))
		return -1;
	out = nft_ctx_get_output_buffer(nft->ctx);
	p = out ? strstr(out, "packets ") : NULL;
	if (!p || sscanf(p, "packets %llu", &n) != 1)
		return -1;
	nft->stray_last = n;
	*pkts = nft->stray_base + n;
	return 0;
}

/* Read and drop every pending change notification; returns how many.
 * ENOBUFS (a burst overflowed the socket) counts as one: what changed
 * does not matter, only that something did. */
static int drain(struct natport_nft *nft)
{
	char buf[8192];
	int n = 0;

	if (!nft->mon)
		return 0;
	while (n < 1024) {
		if (recv(mnl_socket_get_fd(nft->mon), buf, sizeof(buf),
			 MSG_DONTWAIT) > 0 || errno == ENOBUFS)
			n++;
		else
			break;
	}
	return n;
}

/* install() and drop the notifications of our own transaction, which the
 * kernel queued on the monitor before the commit returned. */
static int install_quiet(struct natport_nft *nft, char *err, size_t errlen)
{
	int r = install(nft, err, errlen);

	drain(nft);
	return r;
}

int natport_nft_pin(struct natport_nft *nft, const char *addr,
		    const uint16_t *ports, unsigned int n, char *err,
		    size_t errlen)
{
	size_t len = 0;
	unsigned int i;

	nft->pin[0] = '\0';
	for (i = 0; i < n && ports[i]; i++) {
		if (!len)
			len = snprintf(nft->pin, sizeof(nft->pin),
				       " chain own_sip {\n"
				       "  type nat hook postrouting priority srcnat - 10; policy accept;\n");
		/* th sport under meta l4proto: one rule for UDP and TCP */
		len += snprintf(nft->pin + len, sizeof(nft->pin) - len,
				"  ip saddr %1$s meta l4proto { tcp, udp } th sport %2$u counter snat ip to %1$s:%2$u\n",
				addr, ports[i]);
		if (len >= sizeof(nft->pin) - 8) {
			snprintf(err, errlen, "too many own ports");
			nft->pin[0] = '\0';
			return -1;
		}
	}
	if (len)
		snprintf(nft->pin + len, sizeof(nft->pin) - len, " }\n");
	return install_quiet(nft, err, errlen);
}

static int valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

struct natport_nft *natport_nft_open(const char *name,
				     const struct natport_nft_guard *g,
				     char *err, size_t errlen)
{
	struct natport_nft *nft;

	if (!valid_name(name)) {
		snprintf(err, errlen,
			 "nft table name '%s': use 1-32 letters, digits, _",
			 name);
		return NULL;
	}
	nft = calloc(1, sizeof(*nft));
	if (!nft) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	strcpy(nft->name, name);
	make_guard(nft, g);
	nft->ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!nft->ctx) {
		snprintf(err, errlen, "nft: cannot create context");
		free(nft);
		return NULL;
	}
	nft_ctx_buffer_output(nft->ctx);
	nft_ctx_buffer_error(nft->ctx);
	/* Every ruleset change is multicast to NFNLGRP_NFTABLES; listening
	 * costs nothing while the firewall is quiet, and a reload that drops
	 * our table is seen at once instead of at the next poll. */
	nft->mon = mnl_socket_open2(NETLINK_NETFILTER,
				    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (nft->mon && mnl_socket_bind(nft->mon, 0, MNL_SOCKET_AUTOPID) == 0) {
		int grp = NFNLGRP_NFTABLES;

		if (mnl_socket_setsockopt(nft->mon, NETLINK_ADD_MEMBERSHIP,
					  &grp, sizeof(grp)) < 0) {
			mnl_socket_close(nft->mon);
			nft->mon = NULL;
		}
	} else if (nft->mon) {
		mnl_socket_close(nft->mon);
		nft->mon = NULL;
	}
	if (install_quiet(nft, err, errlen)) {
		if (nft->mon)
			mnl_socket_close(nft->mon);
		nft_ctx_free(nft->ctx);
		free(nft);
		return NULL;
	}
	return nft;
}

int natport_nft_check(struct natport_nft *nft)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "list chain inet %s conntrack", nft->name);
	if (run(nft, cmd, NULL, 0) == 0)
		return 0;
	return install_quiet(nft, NULL, 0) ? -1 : 1;
}

int natport_nft_sip_helper(struct natport_nft *nft, char *why, size_t len)
{
	const char *out, *p, *q, *line;
	char table[64] = "", obj[64] = "";

	if (run(nft, "list ruleset", NULL, 0))
		return -1;
	out = nft_ctx_get_output_buffer(nft->ctx);
	/* The text form is stable and small; follow table and object
	 * headers to name what was found. */
	for (line = out; line && *line; line = q ? q + 1 : NULL) {
		q = strchr(line, '\n');
		p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!strncmp(p, "table ", 6)) {
			char fam[16], name[48];

			if (sscanf(p, "table %15s %47[^{ ]", fam, name) == 2)
				snprintf(table, sizeof(table), "%s %s", fam,
					 name);
		}
		else if (!strncmp(p, "ct helper ", 10))
			sscanf(p, "ct helper %63[^{ ]", obj);
		else if (!strncmp(p, "type \"sip\"", 10)) {
			snprintf(why, len, "ct helper %s in table %s has type sip",
				 obj, table);
			return 1;
		}
	}
	return 0;
}

int natport_nft_fd(const struct natport_nft *nft)
{
	return nft->mon ? mnl_socket_get_fd(nft->mon) : -1;
}

int natport_nft_changed(struct natport_nft *nft)
{
	int r;

	if (!drain(nft))
		return 0;
	r = natport_nft_check(nft);
	return r == 0 ? 2 : r;
}

void natport_nft_close(struct natport_nft *nft)
{
	char cmd[128];

	if (!nft)
		return;
	if (nft->mon)
		mnl_socket_close(nft->mon);
	snprintf(cmd, sizeof(cmd), "delete table inet %s", nft->name);
	run(nft, cmd, NULL, 0);
	nft_ctx_free(nft->ctx);
	pcp_filters_free(nft);
	free(nft);
}

void natport_nft_detach(struct natport_nft *nft)
{
	if (!nft)
		return;
	if (nft->mon)
		mnl_socket_close(nft->mon);
	nft_ctx_free(nft->ctx);
	pcp_filters_free(nft);
	free(nft);
}

/* --- PCP inbound mappings (nftable.h). Appended as one block: the
 * element commands are built here and nowhere else. ------------------ */

#include <arpa/inet.h>
#include <netinet/in.h>

static void filters_restore(struct natport_nft *nft, FILE *f);

int natport_nft_inbound_setup(struct natport_nft *nft,
			      const struct in_addr *wan)
{
	char w[INET_ADDRSTRLEN], *cmd = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	inet_ntop(AF_INET, wan, w, sizeof(w));
	f = open_memstream(&cmd, &len);
	if (!f)
		return -1;
	/* add (no-op when present) then flush: one idempotent transaction,
	 * so a second setup neither fails nor doubles a rule. A lookup that
	 * misses in "dnat ... map" breaks the rule (no NAT), which is what
	 * a port without a lease needs. The counter sets carry no timeout:
	 * re-adding an element to renew it would zero its counter, and a
	 * stale counter element forwards nothing. The FILTER sets and
	 * chains are described at natport_nft_inbound_filter(). */
	fprintf(f,
		"add map inet %1$s pcp_in { type inet_service : ipv4_addr . inet_service; flags timeout; }\n"
		"add map inet %1$s pcp_out { type ipv4_addr . inet_service : ipv4_addr . inet_service; flags timeout; }\n"
		"add set inet %1$s pcp_cin { type inet_service; counter; }\n"
		"add set inet %1$s pcp_cout { type inet_service; counter; }\n"
		"add set inet %1$s pcp_fgate { type inet_service; flags timeout; }\n"
		"add set inet %1$s pcp_fany { type inet_service . ipv4_addr; flags interval; }\n"
		"add set inet %1$s pcp_fport { type inet_service . ipv4_addr . inet_service; flags interval; }\n"
		"add set inet %1$s pcp_fdrop { type inet_service; counter; }\n"
		"add chain inet %1$s pcp_dnat { type nat hook prerouting priority dstnat - 1; policy accept; }\n"
		"add chain inet %1$s pcp_snat { type nat hook postrouting priority srcnat - 1; policy accept; }\n"
		"add chain inet %1$s pcp_cnt_in { type filter hook prerouting priority mangle + 10; policy accept; }\n"
		"add chain inet %1$s pcp_cnt_out { type filter hook postrouting priority srcnat + 10; policy accept; }\n"
		"add chain inet %1$s pcp_filter { type filter hook prerouting priority mangle + 5; policy accept; }\n"
		"add chain inet %1$s pcp_fcheck\n"
		"flush chain inet %1$s pcp_dnat\n"
		"flush chain inet %1$s pcp_snat\n"
		"flush chain inet %1$s pcp_cnt_in\n"
		"flush chain inet %1$s pcp_cnt_out\n"
		"flush chain inet %1$s pcp_filter\n"
		"flush chain inet %1$s pcp_fcheck\n"
		"flush map inet %1$s pcp_in\n"
		"flush map inet %1$s pcp_out\n"
		"flush set inet %1$s pcp_cin\n"
		"flush set inet %1$s pcp_cout\n"
		"flush set inet %1$s pcp_fgate\n"
		"flush set inet %1$s pcp_fany\n"
		"flush set inet %1$s pcp_fport\n"
		"flush set inet %1$s pcp_fdrop\n"
		"add rule inet %1$s pcp_dnat ip daddr %2$s dnat ip to udp dport map @pcp_in\n"
		"add rule inet %1$s pcp_snat snat ip to ip saddr . udp sport map @pcp_out\n"
		"add rule inet %1$s pcp_cnt_in ip daddr %2$s udp dport @pcp_cin\n"
		"add rule inet %1$s pcp_cnt_out ip saddr %2$s udp sport @pcp_cout\n"
		"add rule inet %1$s pcp_filter ip daddr %2$s udp dport @pcp_fgate ct direction original jump pcp_fcheck\n"
		"add rule inet %1$s pcp_fcheck udp dport . ip saddr @pcp_fany return\n"
		"add rule inet %1$s pcp_fcheck udp dport . ip saddr . udp sport @pcp_fport return\n"
		"add rule inet %1$s pcp_fcheck udp dport @pcp_fdrop drop\n"
		"add rule inet %1$s pcp_fcheck drop\n",
		nft->name, w);
	filters_restore(nft, f);
	if (fclose(f)) {
		free(cmd);
		return -1;
	}
	r = run(nft, cmd, NULL, 0);
	free(cmd);
	drain(nft); /* our own change must not look like a firewall reload */
	return r;
}

static void filters_renew(struct natport_nft *nft, unsigned int eport,
			  unsigned int timeout_s, char *buf, size_t len);
static void filters_renewed(struct natport_nft *nft, unsigned int eport,
			    unsigned int timeout_s);

int natport_nft_inbound_add(struct natport_nft *nft, const struct in_addr *wan,
			    unsigned int eport, const struct in_addr *iaddr,
			    unsigned int iport, unsigned int timeout_s,
			    int fresh)
{
	char cmd[2048], w[INET_ADDRSTRLEN], a[INET_ADDRSTRLEN];
	int n, r;

	inet_ntop(AF_INET, wan, w, sizeof(w));
	inet_ntop(AF_INET, iaddr, a, sizeof(a));
	/* nft 1.0.6 cannot change the timeout of an element in place: add
	 * (no-op if present), delete, add again, atomically. */
	n = snprintf(cmd, sizeof(cmd),
		     "add element inet %1$s pcp_in { %2$u timeout %3$us : %4$s . %5$u }\n"
		     "delete element inet %1$s pcp_in { %2$u }\n"
		     "add element inet %1$s pcp_in { %2$u timeout %3$us : %4$s . %5$u }\n"
		     "add element inet %1$s pcp_out { %4$s . %5$u timeout %3$us : %6$s . %2$u }\n"
		     "delete element inet %1$s pcp_out { %4$s . %5$u }\n"
		     "add element inet %1$s pcp_out { %4$s . %5$u timeout %3$us : %6$s . %2$u }\n",
		     nft->name, eport, timeout_s, a, iport, w);
	if (fresh && n > 0 && (size_t)n < sizeof(cmd))
		snprintf(cmd + n, sizeof(cmd) - n,
			 "add element inet %1$s pcp_cin { %2$u }\n"
			 "delete element inet %1$s pcp_cin { %2$u }\n"
			 "add element inet %1$s pcp_cin { %2$u }\n"
			 "add element inet %1$s pcp_cout { %2$u }\n"
			 "delete element inet %1$s pcp_cout { %2$u }\n"
			 "add element inet %1$s pcp_cout { %2$u }\n",
			 nft->name, eport);
	n = (int)strlen(cmd);
	filters_renew(nft, eport, timeout_s, cmd + n, sizeof(cmd) - n);
	r = run(nft, cmd, NULL, 0);
	drain(nft);
	if (!r)
		filters_renewed(nft, eport, timeout_s);
	return r;
}

static void filters_del_cmd(struct natport_nft *nft, unsigned int eport,
			    FILE *f);
static void filters_forget(struct natport_nft *nft, unsigned int eport);

int natport_nft_inbound_del(struct natport_nft *nft, const struct in_addr *wan,
			    unsigned int eport, const struct in_addr *iaddr,
			    unsigned int iport)
{
	char a[INET_ADDRSTRLEN], w[INET_ADDRSTRLEN], *cmd = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	inet_ntop(AF_INET, wan, w, sizeof(w));
	inet_ntop(AF_INET, iaddr, a, sizeof(a));
	f = open_memstream(&cmd, &len);
	if (!f)
		return -1;
	/* each add makes the delete after it safe when the element timed
	 * out in the kernel already; it must carry the element's own data,
	 * since an add whose data differs is a clash (EBUSY), not a no-op */
	fprintf(f,
		"add element inet %1$s pcp_in { %2$u : %3$s . %4$u }\n"
		"delete element inet %1$s pcp_in { %2$u }\n"
		"add element inet %1$s pcp_out { %3$s . %4$u : %5$s . %2$u }\n"
		"delete element inet %1$s pcp_out { %3$s . %4$u }\n"
		"add element inet %1$s pcp_cin { %2$u }\n"
		"delete element inet %1$s pcp_cin { %2$u }\n"
		"add element inet %1$s pcp_cout { %2$u }\n"
		"delete element inet %1$s pcp_cout { %2$u }\n",
		nft->name, eport, a, iport, w);
	filters_del_cmd(nft, eport, f); /* the mapping's filters go too */
	if (fclose(f)) {
		free(cmd);
		return -1;
	}
	r = run(nft, cmd, NULL, 0);
	free(cmd);
	drain(nft);
	if (!r)
		filters_forget(nft, eport);
	return r;
}

/* "... 40000 counter packets 3 bytes 120 ..." in a get's output */
static int element_counter(struct natport_nft *nft, const char *set,
			   unsigned int eport, unsigned long long *pkts,
			   unsigned long long *bytes)
{
	char cmd[160];
	const char *out, *p;

	snprintf(cmd, sizeof(cmd), "get element inet %s %s { %u }", nft->name,
		 set, eport);
	if (run(nft, cmd, NULL, 0))
		return -1;
	out = nft_ctx_get_output_buffer(nft->ctx);
	p = out ? strstr(out, "counter packets ") : NULL;
	if (!p || sscanf(p, "counter packets %llu bytes %llu", pkts, bytes) != 2)
		return -1;
	return 0;
}

int natport_nft_inbound_counters(struct natport_nft *nft, unsigned int eport,
				 unsigned long long *pkts_in,
				 unsigned long long *bytes_in,
				 unsigned long long *pkts_out,
				 unsigned long long *bytes_out)
{
	*pkts_in = *bytes_in = *pkts_out = *bytes_out = 0;
	if (element_counter(nft, "pcp_cin", eport, pkts_in, bytes_in))
		return -1;
	element_counter(nft, "pcp_cout", eport, pkts_out, bytes_out);
	return 0;
}

/* --- PCP FILTER (RFC 6887 section 13.3; nftable.h). ------------------- */

#include <time.h>

struct pcp_fentry {
	uint16_t eport;
	unsigned int n;   /* what is written to the kernel, see normalise */
	uint64_t until_ms; /* the gate's timeout, CLOCK_MONOTONIC */
	struct natport_nft_filter f[NATPORT_NFT_MAX_FILTERS];
};

struct pcp_filters {
	struct pcp_fentry *e;
	unsigned int n, cap;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void pcp_filters_free(struct natport_nft *nft)
{
	if (!nft->pcpf)
		return;
	free(nft->pcpf->e);
	free(nft->pcpf);
	nft->pcpf = NULL;
}

static struct pcp_fentry *fentry_find(struct natport_nft *nft,
				      unsigned int eport)
{
	unsigned int i;

	for (i = 0; nft->pcpf && i < nft->pcpf->n; i++)
		if (nft->pcpf->e[i].eport == eport)
			return &nft->pcpf->e[i];
	return NULL;
}

static uint32_t prefix_mask(unsigned int plen)
{
	return plen ? htonl(~0u << (32 - plen)) : 0;
}

/* Does a let in everything b lets in? */
static int covers(const struct natport_nft_filter *a,
		  const struct natport_nft_filter *b)
{
	uint32_t m = prefix_mask(a->plen);

	return a->plen <= b->plen &&
	       (a->addr.s_addr & m) == (b->addr.s_addr & m) &&
	       (!a->port || a->port == b->port);
}

/* The kernel's interval sets refuse an element that overlaps one already
 * there, while FILTERs may overlap (the RFC lets a client send what it
 * likes). Drop every filter another one covers (of two equal ones, the
 * second): what is left cannot overlap within either set, since CIDR
 * prefixes nest or are disjoint, a nested pair that survives differs in
 * its port, and the any-port filters have a set of their own. */
static unsigned int normalise(struct natport_nft_filter *out,
			      const struct natport_nft_filter *in,
			      unsigned int n)
{
	unsigned int i, j, k = 0;

	for (i = 0; i < n; i++) {
		struct natport_nft_filter f = in[i];

		f.addr.s_addr &= prefix_mask(f.plen);
		for (j = 0; j < n; j++) {
			struct natport_nft_filter g = in[j];

			g.addr.s_addr &= prefix_mask(g.plen);
			if (j != i && covers(&g, &f) &&
			    (!covers(&f, &g) || j < i))
				break;
		}
		if (j == n)
			out[k++] = f;
	}
	return k;
}

static void fentry_elems(struct natport_nft *nft, FILE *f, const char *verb,
			 const struct pcp_fentry *e)
{
	char a[INET_ADDRSTRLEN];
	unsigned int i;

	for (i = 0; i < e->n; i++) {
		inet_ntop(AF_INET, &e->f[i].addr, a, sizeof(a));
		if (e->f[i].port)
			fprintf(f, "%s element inet %s pcp_fport { %u . %s/%u . %u }\n",
				verb, nft->name, e->eport, a, e->f[i].plen,
				e->f[i].port);
		else
			fprintf(f, "%s element inet %s pcp_fany { %u . %s/%u }\n",
				verb, nft->name, e->eport, a, e->f[i].plen);
	}
}

/* The gate's element with a new timeout (nft 1.0.6 cannot change it in
 * place: add, delete, add, atomically), as natport_nft_inbound_add does
 * for the map elements it guards. */
static void gate_add(struct natport_nft *nft, FILE *f, unsigned int eport,
		     unsigned int timeout_s)
{
	fprintf(f,
		"add element inet %1$s pcp_fgate { %2$u timeout %3$us }\n"
		"delete element inet %1$s pcp_fgate { %2$u }\n"
		"add element inet %1$s pcp_fgate { %2$u timeout %3$us }\n",
		nft->name, eport, timeout_s);
}

/* The add makes the delete safe when the kernel timed the gate out. */
static void gate_del(struct natport_nft *nft, FILE *f, unsigned int eport)
{
	fprintf(f,
		"add element inet %1$s pcp_fgate { %2$u }\n"
		"delete element inet %1$s pcp_fgate { %2$u }\n"
		"add element inet %1$s pcp_fdrop { %2$u }\n"
		"delete element inet %1$s pcp_fdrop { %2$u }\n",
		nft->name, eport);
}

static unsigned int left_s(uint64_t until, uint64_t now)
{
	return until > now ? (unsigned int)((until - now + 999) / 1000) : 1;
}

/* Called by natport_nft_inbound_setup() after the flushes: the table was
 * re-created (or the maps set up again), so put every live entry back.
 * Entries whose gate ran out are forgotten. */
static void filters_restore(struct natport_nft *nft, FILE *f)
{
	uint64_t now = mono_ms();
	unsigned int i = 0;

	while (nft->pcpf && i < nft->pcpf->n) {
		struct pcp_fentry *e = &nft->pcpf->e[i];

		if (e->until_ms <= now) {
			*e = nft->pcpf->e[--nft->pcpf->n];
			continue;
		}
		fprintf(f, "add element inet %s pcp_fdrop { %u }\n", nft->name,
			e->eport);
		gate_add(nft, f, e->eport, left_s(e->until_ms, now));
		fentry_elems(nft, f, "add", e);
		i++;
	}
}

static void filters_renew(struct natport_nft *nft, unsigned int eport,
			  unsigned int timeout_s, char *buf, size_t len)
{
	FILE *f;

	if (!fentry_find(nft, eport) || len < 2)
		return;
	f = fmemopen(buf, len, "w");
	if (!f)
		return;
	gate_add(nft, f, eport, timeout_s);
	fclose(f);
}

static void filters_renewed(struct natport_nft *nft, unsigned int eport,
			    unsigned int timeout_s)
{
	struct pcp_fentry *e = fentry_find(nft, eport);

	if (e)
		e->until_ms = mono_ms() + (uint64_t)timeout_s * 1000;
}

static void filters_del_cmd(struct natport_nft *nft, unsigned int eport,
			    FILE *f)
{
	struct pcp_fentry *e = fentry_find(nft, eport);

	if (!e)
		return;
	fentry_elems(nft, f, "delete", e);
	gate_del(nft, f, eport);
}

static void filters_forget(struct natport_nft *nft, unsigned int eport)
{
	struct pcp_fentry *e = fentry_find(nft, eport);

	if (e)
		*e = nft->pcpf->e[--nft->pcpf->n];
}

int natport_nft_inbound_filter(struct natport_nft *nft, unsigned int eport,
			       const struct natport_nft_filter *filters,
			       unsigned int n, unsigned int timeout_s)
{
	struct pcp_fentry *e = fentry_find(nft, eport), ne = { 0 };
	char *cmd = NULL;
	size_t len = 0;
	unsigned int i;
	FILE *f;
	int r;

	if (n > NATPORT_NFT_MAX_FILTERS || (n && !timeout_s))
		return -1;
	for (i = 0; i < n; i++)
		if (filters[i].plen > 32)
			return -1;
	if (!e && !n)
		return 0;
	if (!nft->pcpf) {
		nft->pcpf = calloc(1, sizeof(*nft->pcpf));
		if (!nft->pcpf)
			return -1;
	}
	if (!e && nft->pcpf->n == nft->pcpf->cap) {
		unsigned int cap = nft->pcpf->cap ? 2 * nft->pcpf->cap : 16;
		struct pcp_fentry *p = realloc(nft->pcpf->e,
					       cap * sizeof(*p));

		if (!p)
			return -1;
		nft->pcpf->e = p;
		nft->pcpf->cap = cap;
	}
	ne.eport = (uint16_t)eport;
	ne.n = normalise(ne.f, filters, n);
	ne.until_ms = mono_ms() + (uint64_t)timeout_s * 1000;
	f = open_memstream(&cmd, &len);
	if (!f)
		return -1;
	/* one transaction: the old filters go and the new ones come at
	 * once, so no packet sees the mapping open to all in between */
	if (e)
		fentry_elems(nft, f, "delete", e);
	if (!n) {
		gate_del(nft, f, eport);
	} else {
		if (!e)
			fprintf(f, "add element inet %s pcp_fdrop { %u }\n",
				nft->name, eport);
		fentry_elems(nft, f, "add", &ne);
		gate_add(nft, f, eport, timeout_s);
	}
	if (fclose(f)) {
		free(cmd);
		return -1;
	}
	r = run(nft, cmd, NULL, 0);
	free(cmd);
	drain(nft);
	if (r)
		return -1; /* the kernel kept the old state, and so do we */
	if (!n)
		filters_forget(nft, eport);
	else if (e)
		*e = ne;
	else
		nft->pcpf->e[nft->pcpf->n++] = ne;
	return 0;
}

int natport_nft_inbound_filtered(struct natport_nft *nft, unsigned int eport,
				 unsigned long long *pkts)
{
	unsigned long long bytes;

	*pkts = 0;
	if (!fentry_find(nft, eport))
		return -1;
	return element_counter(nft, "pcp_fdrop", eport, pkts, &bytes);
}
