// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_ng.c - libFuzzer: the bencode decoder and writer
 * (userspace/daemon/ng/bencode.h) and the ng request parser (ngmsg.h).
 *
 * The input is decoded as bencode whole, and after its first space (where
 * an ng datagram's dict starts). What decodes is written again with the
 * writer (dict keys sorted, as it demands) and must decode to a value of
 * as many nodes that writes to the same bytes: the canonical form is a
 * fixed point. The input is also parsed as an ng request; one that parses
 * gets an error and an ok reply with its cookie, and each must decode as
 * "cookie dict". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ng/bencode.h"
#include "ng/ngmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NODES 4096
#define OUT_CAP (2 * NATPORT_BENC_DEFAULT_INPUT + 64)

static struct natport_benc_node nodes_a[NODES], nodes_b[NODES];
static char out_a[OUT_CAP], out_b[OUT_CAP];

/* a dict's keys in order: its pairs' key indexes, sorted by their bytes */
static const struct natport_benc_doc *sort_doc;

static int key_cmp(const void *x, const void *y)
{
	const struct natport_benc_node *a =
		natport_benc_at(sort_doc, *(const uint32_t *)x);
	const struct natport_benc_node *b =
		natport_benc_at(sort_doc, *(const uint32_t *)y);
	size_t n = a->len < b->len ? a->len : b->len;
	int c = n ? memcmp(a->s, b->s, n) : 0;

	return c ? c : (a->len > b->len) - (a->len < b->len);
}

static void put(struct natport_benc_writer *w,
		const struct natport_benc_doc *doc, uint32_t idx)
{
	const struct natport_benc_node *n = natport_benc_at(doc, idx);
	uint32_t c, *keys, k = 0;

	if (!n)
		abort(); /* a link out of the decoded nodes */
	switch (n->type) {
	case NATPORT_BENC_INT:
		natport_benc_put_int(w, n->i);
		break;
	case NATPORT_BENC_STR:
		natport_benc_put_str(w, n->s, n->len);
		break;
	case NATPORT_BENC_LIST:
		natport_benc_put_list(w);
		for (c = n->child; c != NATPORT_BENC_NONE;
		     c = natport_benc_at(doc, c)->next)
			put(w, doc, c);
		natport_benc_put_end(w);
		break;
	case NATPORT_BENC_DICT:
		keys = calloc(n->count ? n->count : 1, sizeof(*keys));
		if (!keys)
			abort();
		for (c = n->child; c != NATPORT_BENC_NONE;
		     c = natport_benc_at(doc, natport_benc_at(doc, c)->next)
				 ->next) {
			if (k >= n->count ||
			    natport_benc_at(doc, c)->type != NATPORT_BENC_STR)
				abort(); /* count or key type wrong */
			keys[k++] = c;
		}
		if (k != n->count)
			abort();
		sort_doc = doc;
		qsort(keys, k, sizeof(*keys), key_cmp);
		natport_benc_put_dict(w);
		for (c = 0; c < k; c++) {
			put(w, doc, keys[c]);
			put(w, doc, natport_benc_at(doc, keys[c])->next);
		}
		natport_benc_put_end(w);
		free(keys);
		break;
	default:
		abort();
	}
}

static void round_trip(const char *buf, size_t len)
{
	struct natport_benc_doc a = { .nodes = nodes_a, .cap = NODES };
	struct natport_benc_doc b = { .nodes = nodes_b, .cap = NODES };
	/* the writer nests as deep as the decoder allows */
	struct natport_benc_limits lim = {
		.max_depth = NATPORT_BENC_DEFAULT_DEPTH,
		.max_str = NATPORT_BENC_DEFAULT_STR,
		.max_input = OUT_CAP,
	};
	struct natport_benc_writer w;
	const char *werr;
	char err[128];
	ssize_t la, lb;

	if (natport_benc_decode(&a, buf, len, NULL, err, sizeof(err)))
		return;
	natport_benc_writer_init(&w, out_a, sizeof(out_a));
	put(&w, &a, 0);
	la = natport_benc_finish(&w, &werr);
	if (la <= 0 || (size_t)la > len)
		abort(); /* sorting keys never makes a value longer */
	if (natport_benc_decode(&b, out_a, (size_t)la, &lim, err,
				sizeof(err)) ||
	    b.n != a.n)
		abort();
	natport_benc_writer_init(&w, out_b, sizeof(out_b));
	put(&w, &b, 0);
	lb = natport_benc_finish(&w, &werr);
	if (lb != la || memcmp(out_a, out_b, (size_t)la))
		abort();
}

static void check_reply(const char *buf, ssize_t len,
			const struct natport_ng_str *cookie)
{
	struct natport_benc_doc d = { .nodes = nodes_b, .cap = NODES };
	char err[128];
	size_t off = cookie->len + 1;

	if (len <= 0 || (size_t)len <= off ||
	    memcmp(buf, cookie->p, cookie->len) || buf[cookie->len] != ' ')
		abort();
	if (natport_benc_decode(&d, buf + off, (size_t)len - off, NULL, err,
				sizeof(err)) ||
	    natport_benc_at(&d, 0)->type != NATPORT_BENC_DICT)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data, *sp;
	struct natport_ng_req req;
	char reason[256];
	int r;

	round_trip(buf, size);
	sp = memchr(buf, ' ', size);
	if (sp)
		round_trip(sp + 1, size - (size_t)(sp + 1 - buf));

	memset(&req, 0, sizeof(req));
	r = natport_ng_parse(&req, buf, size, nodes_a, NODES, reason,
			     sizeof(reason));
	if (r != NATPORT_NG_OK && r != NATPORT_NG_NOREPLY &&
	    r != NATPORT_NG_ERROR)
		abort();
	if (r == NATPORT_NG_ERROR && !memchr(reason, '\0', sizeof(reason)))
		abort();
	if (r != NATPORT_NG_NOREPLY) {
		/* the replies embed the request's cookie; check_reply reuses
		 * nodes_b, the request's nodes (nodes_a) stay valid */
		check_reply(out_a,
			    natport_ng_reply_error(out_a, sizeof(out_a),
						   &req.cookie,
						   r ? reason : "fuzz"),
			    &req.cookie);
		check_reply(out_a,
			    natport_ng_reply_ok(out_a, sizeof(out_a),
						&req.cookie, NULL),
			    &req.cookie);
	}
	return 0;
}
