// SPDX-License-Identifier: GPL-2.0-or-later
/* bencode.c - strict bounded bencode decoder, canonical encoder. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bencode.h"

struct dec {
	struct natport_benc_doc *doc;
	const char *buf;
	size_t len;
	size_t pos;
	const struct natport_benc_limits *lim;
	char *err;
	size_t errlen;
};

static int fail(struct dec *d, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!d->errlen)
		return -1;
	n = snprintf(d->err, d->errlen, "bencode at byte %zu: ", d->pos);
	if (n < 0 || (size_t)n >= d->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(d->err + n, d->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

static int new_node(struct dec *d, uint8_t type, uint32_t *idx)
{
	struct natport_benc_node *n;

	if (d->doc->n >= d->doc->cap)
		return fail(d, "more than %" PRIu32 " values", d->doc->cap);
	*idx = d->doc->n++;
	n = &d->doc->nodes[*idx];
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->next = NATPORT_BENC_NONE;
	n->child = NATPORT_BENC_NONE;
	n->offset = (uint32_t)d->pos;
	return 0;
}

/*
 * Digits up to a terminator, no leading zero; the value must fit in
 * max (an unsigned magnitude). Leaves pos on the terminator.
 */
static int digits(struct dec *d, char term, uint64_t max, uint64_t *out,
		  const char *what)
{
	size_t start = d->pos;
	uint64_t v = 0;

	while (d->pos < d->len && d->buf[d->pos] >= '0' &&
	       d->buf[d->pos] <= '9') {
		unsigned int c = d->buf[d->pos] - '0';

		if (v > (max - c) / 10)
			return fail(d, "%s too large", what);
		v = v * 10 + c;
		d->pos++;
	}
	if (d->pos == start)
		return d->pos >= d->len ? fail(d, "truncated %s", what) :
					  fail(d, "%s: expected a digit", what);
	if (d->buf[start] == '0' && d->pos - start > 1) {
		d->pos = start;
		return fail(d, "%s with a leading zero", what);
	}
	if (d->pos >= d->len)
		return fail(d, "truncated %s", what);
	if (d->buf[d->pos] != term)
		return fail(d, "%s: expected '%c'", what, term);
	*out = v;
	return 0;
}

static int value(struct dec *d, unsigned int depth, uint32_t *idx);

static int integer(struct dec *d, uint32_t *idx)
{
	bool neg = false;
	uint64_t mag;

	if (new_node(d, NATPORT_BENC_INT, idx))
		return -1;
	d->pos++; /* 'i' */
	if (d->pos < d->len && d->buf[d->pos] == '-') {
		neg = true;
		d->pos++;
	}
	if (digits(d, 'e', neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX,
		   &mag, "integer"))
		return -1;
	if (neg && mag == 0)
		return fail(d, "integer -0");
	d->pos++; /* 'e' */
	d->doc->nodes[*idx].i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return 0;
}

static int string(struct dec *d, uint32_t *idx)
{
	struct natport_benc_node *n;
	uint64_t slen;
	size_t left;

	if (new_node(d, NATPORT_BENC_STR, idx))
		return -1;
	if (digits(d, ':', UINT32_MAX, &slen, "string length"))
		return -1;
	d->pos++; /* ':' */
	left = d->len - d->pos;
	if (slen > d->lim->max_str || slen > left) {
		/* name the string where it starts, not where it broke */
		d->pos = d->doc->nodes[*idx].offset;
		if (slen > d->lim->max_str)
			return fail(d, "string of %" PRIu64 " bytes, limit %zu",
				    slen, d->lim->max_str);
		return fail(d,
			    "truncated string (%" PRIu64
			    " bytes announced, %zu left)",
			    slen, left);
	}
	n = &d->doc->nodes[*idx];
	n->s = d->buf + d->pos;
	n->len = slen;
	d->pos += slen;
	return 0;
}

static bool key_seen(const struct natport_benc_doc *doc, uint32_t first,
		     const struct natport_benc_node *key)
{
	uint32_t k;

	for (k = first; k != NATPORT_BENC_NONE;) {
		const struct natport_benc_node *kn = &doc->nodes[k];

		if (kn == key)
			return false;
		if (kn->len == key->len && !memcmp(kn->s, key->s, key->len))
			return true;
		k = doc->nodes[kn->next].next; /* skip the value */
	}
	return false;
}

static int container(struct dec *d, unsigned int depth, uint32_t *idx)
{
	bool dict = d->buf[d->pos] == 'd';
	uint32_t last = NATPORT_BENC_NONE, child, count = 0;

	if (depth > d->lim->max_depth)
		return fail(d, "nested deeper than %u", d->lim->max_depth);
	if (new_node(d, dict ? NATPORT_BENC_DICT : NATPORT_BENC_LIST, idx))
		return -1;
	d->pos++;
	for (;;) {
		if (d->pos >= d->len)
			return fail(d, "truncated %s", dict ? "dict" : "list");
		if (d->buf[d->pos] == 'e')
			break;
		if (dict) {
			char c = d->buf[d->pos];

			if (c < '0' || c > '9')
				return fail(d, "dict key is not a string");
		}
		if (value(d, depth + 1, &child))
			return -1;
		if (last == NATPORT_BENC_NONE)
			d->doc->nodes[*idx].child = child;
		else
			d->doc->nodes[last].next = child;
		last = child;
		if (dict) {
			const struct natport_benc_node *key =
				&d->doc->nodes[child];
			size_t kpos = key->offset;

			if (key_seen(d->doc, d->doc->nodes[*idx].child, key)) {
				d->pos = kpos;
				return fail(
					d, "duplicate dict key \"%.*s\"",
					(int)(key->len > 64 ? 64 : key->len),
					key->s);
			}
			if (d->pos >= d->len)
				return fail(d, "truncated dict (key without "
					       "value)");
			if (d->buf[d->pos] == 'e')
				return fail(d, "dict key without value");
			if (value(d, depth + 1, &child))
				return -1;
			d->doc->nodes[last].next = child;
			last = child;
		}
		count++;
	}
	d->pos++; /* 'e' */
	d->doc->nodes[*idx].count = count;
	return 0;
}

static int value(struct dec *d, unsigned int depth, uint32_t *idx)
{
	char c;

	if (d->pos >= d->len)
		return fail(d, "truncated value");
	c = d->buf[d->pos];
	if (c == 'i')
		return integer(d, idx);
	if (c >= '0' && c <= '9')
		return string(d, idx);
	if (c == 'l' || c == 'd')
		return container(d, depth, idx);
	if (c >= 0x20 && c < 0x7f)
		return fail(d, "unexpected '%c'", c);
	return fail(d, "unexpected byte 0x%02x", (unsigned char)c);
}

int natport_benc_decode(struct natport_benc_doc *doc, const char *buf,
			size_t len, const struct natport_benc_limits *lim,
			char *err, size_t errlen)
{
	static const struct natport_benc_limits deflim = {
		.max_depth = NATPORT_BENC_DEFAULT_DEPTH,
		.max_str = NATPORT_BENC_DEFAULT_STR,
		.max_input = NATPORT_BENC_DEFAULT_INPUT,
	};
	struct dec d = {
		.doc = doc,
		.buf = buf,
		.len = len,
		.lim = lim ? lim : &deflim,
		.err = err,
		.errlen = errlen,
	};
	uint32_t root;

	if (errlen)
		err[0] = '\0';
	doc->n = 0;
	if (!doc->nodes || !doc->cap)
		return fail(&d, "no node storage");
	if (len > d.lim->max_input)
		return fail(&d, "input of %zu bytes, limit %zu", len,
			    d.lim->max_input);
	if (len > UINT32_MAX)
		return fail(&d, "input too large");
	if (!len)
		return fail(&d, "empty input");
	if (value(&d, 1, &root))
		return -1;
	if (d.pos != len)
		return fail(&d, "%zu trailing bytes after the value",
			    len - d.pos);
	return 0;
}

const struct natport_benc_node *
natport_benc_at(const struct natport_benc_doc *doc, uint32_t idx)
{
	if (idx == NATPORT_BENC_NONE || idx >= doc->n)
		return NULL;
	return &doc->nodes[idx];
}

const struct natport_benc_node *
natport_benc_dict_get(const struct natport_benc_doc *doc, uint32_t dict,
		      const char *key, size_t len)
{
	const struct natport_benc_node *n = natport_benc_at(doc, dict);
	uint32_t k;

	if (!n || n->type != NATPORT_BENC_DICT)
		return NULL;
	for (k = n->child; k != NATPORT_BENC_NONE;) {
		const struct natport_benc_node *kn = &doc->nodes[k];
		const struct natport_benc_node *vn = &doc->nodes[kn->next];

		if (kn->len == len && !memcmp(kn->s, key, len))
			return vn;
		k = vn->next;
	}
	return NULL;
}

bool natport_benc_str_eq(const struct natport_benc_node *node, const char *s)
{
	size_t len = strlen(s);

	return node && node->type == NATPORT_BENC_STR && node->len == len &&
	       !memcmp(node->s, s, len);
}

/* ------------------------------------------------------------------ */
/* Encoder. */

void natport_benc_writer_init(struct natport_benc_writer *w, char *buf,
			      size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap;
}

static void wfail(struct natport_benc_writer *w, const char *why)
{
	if (!w->err)
		w->err = why;
}

static void emit(struct natport_benc_writer *w, const void *p, size_t n)
{
	if (w->err)
		return;
	if (n > w->cap - w->len) {
		wfail(w, "reply does not fit the buffer");
		return;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

/*
 * Called before every value. In a dict the items alternate key and value;
 * a key must be a string greater than the previous key.
 */
static bool before_value(struct natport_benc_writer *w, bool is_str,
			 size_t *key_slot)
{
	*key_slot = SIZE_MAX;
	if (w->err)
		return false;
	if (!w->depth) {
		if (w->len) {
			wfail(w, "second top-level value");
			return false;
		}
		return true;
	}
	if (w->stack[w->depth - 1].kind == 'd' &&
	    w->stack[w->depth - 1].want_key) {
		if (!is_str) {
			wfail(w, "dict key is not a string");
			return false;
		}
		*key_slot = w->depth - 1;
	}
	return true;
}

static void after_value(struct natport_benc_writer *w)
{
	if (w->depth && w->stack[w->depth - 1].kind == 'd')
		w->stack[w->depth - 1].want_key =
			!w->stack[w->depth - 1].want_key;
}

void natport_benc_put_int(struct natport_benc_writer *w, int64_t v)
{
	char tmp[24];
	size_t slot;
	int n;

	if (!before_value(w, false, &slot))
		return;
	n = snprintf(tmp, sizeof(tmp), "i%" PRId64 "e", v);
	emit(w, tmp, n);
	after_value(w);
}

void natport_benc_put_str(struct natport_benc_writer *w, const char *s,
			  size_t len)
{
	char tmp[24];
	size_t slot, off;
	int n;

	if (!before_value(w, true, &slot))
		return;
	n = snprintf(tmp, sizeof(tmp), "%zu:", len);
	emit(w, tmp, n);
	off = w->len;
	emit(w, s, len);
	if (w->err)
		return;
	if (slot != SIZE_MAX) {
		typeof(w->stack[0]) *c = &w->stack[slot];

		if (c->has_key) {
			size_t m = c->key_len < len ? c->key_len : len;
			int r = memcmp(w->buf + c->key_off, s, m);

			if (r > 0 || (r == 0 && c->key_len >= len)) {
				wfail(w, "dict keys not in ascending order");
				return;
			}
		}
		c->has_key = true;
		c->key_off = off;
		c->key_len = len;
	}
	after_value(w);
}

void natport_benc_put_cstr(struct natport_benc_writer *w, const char *s)
{
	natport_benc_put_str(w, s, strlen(s));
}

static void open_container(struct natport_benc_writer *w, char kind)
{
	size_t slot;

	if (!before_value(w, false, &slot))
		return;
	if (w->depth >= NATPORT_BENC_WRITER_DEPTH) {
		wfail(w, "reply nested too deep");
		return;
	}
	emit(w, &kind, 1);
	if (w->err)
		return;
	w->stack[w->depth].kind = kind;
	w->stack[w->depth].want_key = kind == 'd';
	w->stack[w->depth].has_key = false;
	w->depth++;
}

void natport_benc_put_list(struct natport_benc_writer *w)
{
	open_container(w, 'l');
}

void natport_benc_put_dict(struct natport_benc_writer *w)
{
	open_container(w, 'd');
}

void natport_benc_put_end(struct natport_benc_writer *w)
{
	if (w->err)
		return;
	if (!w->depth) {
		wfail(w, "end without an open list or dict");
		return;
	}
	if (w->stack[w->depth - 1].kind == 'd' &&
	    !w->stack[w->depth - 1].want_key) {
		wfail(w, "dict key without value");
		return;
	}
	emit(w, "e", 1);
	w->depth--;
	after_value(w);
}

void natport_benc_put_kv_str(struct natport_benc_writer *w, const char *key,
			     const char *s, size_t len)
{
	natport_benc_put_cstr(w, key);
	natport_benc_put_str(w, s, len);
}

void natport_benc_put_kv_cstr(struct natport_benc_writer *w, const char *key,
			      const char *s)
{
	natport_benc_put_kv_str(w, key, s, strlen(s));
}

void natport_benc_put_kv_int(struct natport_benc_writer *w, const char *key,
			     int64_t v)
{
	natport_benc_put_cstr(w, key);
	natport_benc_put_int(w, v);
}

ssize_t natport_benc_finish(struct natport_benc_writer *w, const char **err)
{
	if (!w->err && w->depth)
		wfail(w, "unclosed list or dict");
	if (!w->err && !w->len)
		wfail(w, "nothing written");
	if (w->err) {
		if (err)
			*err = w->err;
		return -1;
	}
	if (err)
		*err = NULL;
	return (ssize_t)w->len;
}
