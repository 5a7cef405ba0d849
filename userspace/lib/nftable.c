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
	char cmd[2048];

	/* add+delete+create in one transaction: replaces a stale table of a
	 * previous instance atomically, and works when none exists. The
	 * guard sits in the conntrack chain (after conntrack at -200, before
	 * DNAT at -100): a stray packet is dropped before any NAT and before
	 * its entry is confirmed, so it leaves nothing behind. */
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
		 "%2$s"
		 " }\n"
		 " chain nat_in {\n"
		 "  type nat hook prerouting priority dstnat; policy accept;\n"
		 " }\n"
		 " chain nat_out {\n"
		 "  type nat hook postrouting priority srcnat; policy accept;\n"
		 " }\n"
		 "}\n",
		 nft->name, nft->guard);
	nft->stray_base += nft->stray_last;
	nft->stray_last = 0;
	return run(nft, cmd, err, errlen);
}

static void make_guard(struct natport_nft *nft,
		       const struct natport_nft_guard *g)
{
	size_t len = 0;
	unsigned int i;
	char a[INET_ADDRSTRLEN];

	nft->guard[0] = '\0';
	if (!g || !g->n)
		return;
	len += snprintf(nft->guard + len, sizeof(nft->guard) - len,
			"  ip daddr { ");
	for (i = 0; i < g->n && len < sizeof(nft->guard); i++) {
		inet_ntop(AF_INET, &g->addr[i].addr.v4, a, sizeof(a));
		len += snprintf(nft->guard + len, sizeof(nft->guard) - len,
				"%s%s", i ? ", " : "", a);
	}
	if (len < sizeof(nft->guard))
		snprintf(nft->guard + len, sizeof(nft->guard) - len,
			 " } udp dport %u-%u ct state new counter name stray drop\n",
			 g->lo, g->hi);
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
	if (install(nft, err, errlen)) {
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
	return install(nft, NULL, 0) ? -1 : 1;
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
	char buf[8192];
	int n = 0;

	/* What changed does not matter: drain, then look at our table once.
	 * ENOBUFS (a burst overflowed the socket) means the same. */
	while (recv(mnl_socket_get_fd(nft->mon), buf, sizeof(buf),
		    MSG_DONTWAIT) > 0 ||
	       errno == ENOBUFS)
		if (++n > 1024)
			break;
	return natport_nft_check(nft);
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
