/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bencode.h - a strict, bounded bencode decoder and a canonical encoder,
 * for rtpengine's "ng" control protocol (cookie, space, bencoded dict).
 *
 * Grammar (the BitTorrent form, read strictly):
 *
 *   value  = int | string | list | dict
 *   int    = "i" ["-"] digits "e"   no leading zero, no "-0", fits int64
 *   string = digits ":" bytes       length in decimal, no leading zero
 *   list   = "l" *value "e"
 *   dict   = "d" *(string value) "e"   keys unique
 *
 * The decoder refuses, with a one-line reason in err naming the byte
 * offset, anything else: a truncated value, a non-string key, a duplicate
 * key, trailing bytes after the top value, and anything over the limits
 * (nesting depth, one string's length, number of values, input size).
 * Dict keys need not be sorted: Kamailio's and OpenSIPS's modules send
 * them in insertion order, and rtpengine accepts that.
 *
 * Memory: the decoder allocates nothing. The caller gives it an array of
 * nodes (one per value, so the array's size is also the element limit);
 * strings point into the input, which must outlive the nodes. Node 0 is
 * the top value. Lists and dicts link their children by index (dict
 * children alternate key, value).
 *
 * The encoder writes into a caller buffer and never overruns it: after an
 * overflow or a misuse every call is a no-op and natport_benc_finish()
 * reports the first error. Dict keys must be added in strictly ascending
 * byte order (canonical bencode, so equal replies are equal bytes); the
 * writer checks this against the keys it already wrote.
 */
#ifndef NATPORT_NG_BENCODE_H
#define NATPORT_NG_BENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum natport_benc_type {
	NATPORT_BENC_INT = 1,
	NATPORT_BENC_STR,
	NATPORT_BENC_LIST,
	NATPORT_BENC_DICT,
};

#define NATPORT_BENC_NONE UINT32_MAX /* no child, no next sibling */

struct natport_benc_node {
	uint8_t type;	 /* enum natport_benc_type */
	uint32_t next;	 /* index of the next sibling, or NATPORT_BENC_NONE */
	uint32_t child;	 /* list/dict: first child, or NATPORT_BENC_NONE */
	uint32_t count;	 /* list: values; dict: pairs */
	uint32_t offset; /* where the value starts in the input */
	int64_t i;	 /* int */
	const char *s;	 /* string: its bytes, not terminated */
	size_t len;	 /* string: its length */
};

struct natport_benc_limits {
	unsigned int max_depth; /* nesting of lists and dicts; top is 1 */
	size_t max_str;		/* one string's length */
	size_t max_input;	/* the whole encoded value */
};

/* Limits that fit one ng datagram and every message the modules send. */
#define NATPORT_BENC_DEFAULT_DEPTH 8
#define NATPORT_BENC_DEFAULT_STR 65535
#define NATPORT_BENC_DEFAULT_INPUT 65535

struct natport_benc_doc {
	struct natport_benc_node *nodes; /* caller storage */
	uint32_t cap;			 /* its size: the element limit */
	uint32_t n;			 /* nodes used by the last decode */
};

/*
 * natport_benc_decode - decode buf[0..len) into doc->nodes.
 * lim NULL means the defaults above. Returns 0, or -1 with the reason in
 * err (always terminated when errlen > 0) and doc->n undefined.
 */
int natport_benc_decode(struct natport_benc_doc *doc, const char *buf,
			size_t len, const struct natport_benc_limits *lim,
			char *err, size_t errlen);

/* The node at idx, or NULL for NATPORT_BENC_NONE or out of range. */
const struct natport_benc_node *
natport_benc_at(const struct natport_benc_doc *doc, uint32_t idx);

/*
 * natport_benc_dict_get - the value under key (len bytes) in the dict at
 * index dict, or NULL when dict is no dict or has no such key.
 */
const struct natport_benc_node *
natport_benc_dict_get(const struct natport_benc_doc *doc, uint32_t dict,
		      const char *key, size_t len);

/* True when node is a string equal to the NUL-terminated s. */
bool natport_benc_str_eq(const struct natport_benc_node *node, const char *s);

/* ------------------------------------------------------------------ */
/* Encoder. */

#define NATPORT_BENC_WRITER_DEPTH 16

struct natport_benc_writer {
	char *buf;
	size_t cap;
	size_t len;
	const char *err; /* first error, static text; NULL while fine */
	unsigned int depth;
	/* per open container: 'l' or 'd'; for a dict whether the next item
	 * is a key and where the last key sits in buf */
	struct {
		char kind;
		bool want_key;
		bool has_key;
		size_t key_off, key_len;
	} stack[NATPORT_BENC_WRITER_DEPTH];
};

void natport_benc_writer_init(struct natport_benc_writer *w, char *buf,
			      size_t cap);
void natport_benc_put_int(struct natport_benc_writer *w, int64_t v);
void natport_benc_put_str(struct natport_benc_writer *w, const char *s,
			  size_t len);
void natport_benc_put_cstr(struct natport_benc_writer *w, const char *s);
void natport_benc_put_list(struct natport_benc_writer *w);
void natport_benc_put_dict(struct natport_benc_writer *w);
void natport_benc_put_end(struct natport_benc_writer *w);
/* A key then its string or int value, in one call. */
void natport_benc_put_kv_str(struct natport_benc_writer *w, const char *key,
			     const char *s, size_t len);
void natport_benc_put_kv_cstr(struct natport_benc_writer *w, const char *key,
			      const char *s);
void natport_benc_put_kv_int(struct natport_benc_writer *w, const char *key,
			     int64_t v);

/*
 * natport_benc_finish - the encoded length, or -1 with *err set to the
 * first error (overflow, key order, unbalanced containers).
 */
ssize_t natport_benc_finish(struct natport_benc_writer *w, const char **err);

#endif
