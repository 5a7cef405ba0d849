// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kernel.c - "kernel list": natport's conntrack entries read straight
 * from the kernel (natport_kernel_list), no daemon needed, printed
 * through the same records as everything else, in id order (the kernel
 * dumps in hash order).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <natport/control.h>
#include <natport/natport.h>

#include "nat-portctl.h"

static void put_ep(struct natport_ctl_msg_buf *b, const char *key,
		   const struct natport_endpoint *ep)
{
	char s[NATPORT_ENDPOINT_STRLEN];

	if (ep->family != AF_UNSPEC)
		natport_ctl_put_str(b, key,
				    natport_endpoint_format(ep, s, sizeof(s)));
}

struct entry {
	struct natport_mapping m;
	struct natport_counters c;
	uint32_t timeout_s;
};

struct entries {
	struct entry *e;
	size_t n, cap;
	int nomem;
};

static int collect(const struct natport_mapping *m,
		   const struct natport_counters *c, uint32_t timeout_s,
		   void *arg)
{
	struct entries *es = arg;

	if (es->n == es->cap) {
		size_t cap = es->cap ? 2 * es->cap : 64;
		struct entry *e = realloc(es->e, cap * sizeof(*e));

		if (!e) {
			es->nomem = 1;
			return 1;
		}
		es->e = e;
		es->cap = cap;
	}
	es->e[es->n].m = *m;
	es->e[es->n].c = *c;
	es->e[es->n].timeout_s = timeout_s;
	es->n++;
	return 0;
}

static int by_id(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	return x->m.id < y->m.id ? -1 : x->m.id > y->m.id;
}

static void one(const struct natport_mapping *m,
		const struct natport_counters *c, uint32_t timeout_s)
{
	static uint8_t buf[NATPORT_CTL_HDR_LEN + NATPORT_CTL_MSG_MAX];
	struct natport_ctl_msg_buf b;
	long len;

	natport_ctl_msg_begin(&b, buf, sizeof(buf), NATPORT_CTL_MSG_RECORD);
	natport_ctl_put_u64(&b, "id", m->id);
	put_ep(&b, "internal", &m->internal);
	put_ep(&b, "external", &m->external);
	put_ep(&b, "remote", &m->remote);
	natport_ctl_put_u64(&b, "timeout", timeout_s);
	natport_ctl_put_u64(&b, "pkts_in", c->pkts_in);
	natport_ctl_put_u64(&b, "bytes_in", c->bytes_in);
	natport_ctl_put_u64(&b, "pkts_out", c->pkts_out);
	natport_ctl_put_u64(&b, "bytes_out", c->bytes_out);
	len = natport_ctl_msg_end(&b);
	if (len > 0)
		out_record(buf + NATPORT_CTL_HDR_LEN,
			   (size_t)len - NATPORT_CTL_HDR_LEN);
}

int cmd_kernel(int argc, char **argv)
{
	struct entries es = { 0 };
	char err[256];
	int n;

	if (argc < 1)
		usage_error("kernel: missing verb (list)");
	if (!strcmp(argv[0], "help") || !strcmp(argv[0], "--help") ||
	    !strcmp(argv[0], "-h")) {
		printf("usage: nat-portctl [-j] [-n NETNS] kernel list\n"
		       "  natport's conntrack entries (ct mark 0x4e50xxxx) "
		       "as the kernel has them;\n"
		       "  works without nat-portd\n");
		return EXIT_OK;
	}
	if (strcmp(argv[0], "list"))
		usage_error("kernel: unknown verb '%s' (try: kernel list)",
			    argv[0]);
	if (argc > 1)
		usage_error("kernel list: unexpected argument '%s'", argv[1]);
	n = natport_kernel_list(0, collect, &es, err, sizeof(err));
	if (n < 0 || es.nomem) {
		fprintf(stderr, "nat-portctl: kernel list: %s\n",
			es.nomem ? "out of memory" : err);
		free(es.e);
		return EXIT_ERROR;
	}
	/* no entries: es.e is NULL, which qsort must not get */
	if (es.n)
		qsort(es.e, es.n, sizeof(*es.e), by_id);
	out_begin(OUT_LINE, 1);
	for (size_t i = 0; i < es.n; i++)
		one(&es.e[i].m, &es.e[i].c, es.e[i].timeout_s);
	out_end();
	free(es.e);
	return EXIT_OK;
}
