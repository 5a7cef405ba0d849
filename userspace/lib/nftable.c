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
};

static int run(struct natport_nft *nft, const char *cmd, char *err,
	       size_t errlen)
{
	int r = nft_run_cmd_from_buffer(nft->ctx, cmd);

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
	free(nft);
}

void natport_nft_detach(struct natport_nft *nft)
{
	if (!nft)
		return;
	if (nft->mon)
		mnl_socket_close(nft->mon);
	nft_ctx_free(nft->ctx);
	free(nft);
}

/* --- PCP inbound mappings (nftable.h). Appended as one block: the
 * element commands are built here and nowhere else. ------------------ */

#include <arpa/inet.h>
#include <netinet/in.h>

int natport_nft_inbound_setup(struct natport_nft *nft,
			      const struct in_addr *wan)
{
	char cmd[2048], w[INET_ADDRSTRLEN];
	int r;

	inet_ntop(AF_INET, wan, w, sizeof(w));
	/* add (no-op when present) then flush: one idempotent transaction,
	 * so a second setup neither fails nor doubles a rule. A lookup that
	 * misses in "dnat ... map" breaks the rule (no NAT), which is what
	 * a port without a lease needs. The counter sets carry no timeout:
	 * re-adding an element to renew it would zero its counter, and a
	 * stale counter element forwards nothing. */
	snprintf(cmd, sizeof(cmd),
		 "add map inet %1$s pcp_in { type inet_service : ipv4_addr . inet_service; flags timeout; }\n"
		 "add map inet %1$s pcp_out { type ipv4_addr . inet_service : ipv4_addr . inet_service; flags timeout; }\n"
		 "add set inet %1$s pcp_cin { type inet_service; counter; }\n"
		 "add set inet %1$s pcp_cout { type inet_service; counter; }\n"
		 "add chain inet %1$s pcp_dnat { type nat hook prerouting priority dstnat - 1; policy accept; }\n"
		 "add chain inet %1$s pcp_snat { type nat hook postrouting priority srcnat - 1; policy accept; }\n"
		 "add chain inet %1$s pcp_cnt_in { type filter hook prerouting priority mangle + 10; policy accept; }\n"
		 "add chain inet %1$s pcp_cnt_out { type filter hook postrouting priority srcnat + 10; policy accept; }\n"
		 "flush chain inet %1$s pcp_dnat\n"
		 "flush chain inet %1$s pcp_snat\n"
		 "flush chain inet %1$s pcp_cnt_in\n"
		 "flush chain inet %1$s pcp_cnt_out\n"
		 "flush map inet %1$s pcp_in\n"
		 "flush map inet %1$s pcp_out\n"
		 "flush set inet %1$s pcp_cin\n"
		 "flush set inet %1$s pcp_cout\n"
		 "add rule inet %1$s pcp_dnat ip daddr %2$s dnat ip to udp dport map @pcp_in\n"
		 "add rule inet %1$s pcp_snat snat ip to ip saddr . udp sport map @pcp_out\n"
		 "add rule inet %1$s pcp_cnt_in ip daddr %2$s udp dport @pcp_cin\n"
		 "add rule inet %1$s pcp_cnt_out ip saddr %2$s udp sport @pcp_cout\n",
		 nft->name, w);
	r = run(nft, cmd, NULL, 0);
	drain(nft); /* our own change must not look like a firewall reload */
	return r;
}

int natport_nft_inbound_add(struct natport_nft *nft, const struct in_addr *wan,
			    unsigned int eport, const struct in_addr *iaddr,
			    unsigned int iport, unsigned int timeout_s,
			    int fresh)
{
	char cmd[1024], w[INET_ADDRSTRLEN], a[INET_ADDRSTRLEN];
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
	r = run(nft, cmd, NULL, 0);
	drain(nft);
	return r;
}

int natport_nft_inbound_del(struct natport_nft *nft, const struct in_addr *wan,
			    unsigned int eport, const struct in_addr *iaddr,
			    unsigned int iport)
{
	char cmd[768], a[INET_ADDRSTRLEN], w[INET_ADDRSTRLEN];
	int r;

	inet_ntop(AF_INET, wan, w, sizeof(w));
	inet_ntop(AF_INET, iaddr, a, sizeof(a));
	/* each add makes the delete after it safe when the element timed
	 * out in the kernel already; it must carry the element's own data,
	 * since an add whose data differs is a clash (EBUSY), not a no-op */
	snprintf(cmd, sizeof(cmd),
		 "add element inet %1$s pcp_in { %2$u : %3$s . %4$u }\n"
		 "delete element inet %1$s pcp_in { %2$u }\n"
		 "add element inet %1$s pcp_out { %3$s . %4$u : %5$s . %2$u }\n"
		 "delete element inet %1$s pcp_out { %3$s . %4$u }\n"
		 "add element inet %1$s pcp_cin { %2$u }\n"
		 "delete element inet %1$s pcp_cin { %2$u }\n"
		 "add element inet %1$s pcp_cout { %2$u }\n"
		 "delete element inet %1$s pcp_cout { %2$u }\n",
		 nft->name, eport, a, iport, w);
	r = run(nft, cmd, NULL, 0);
	drain(nft);
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
