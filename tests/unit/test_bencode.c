// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test_bencode.c - unit tests of the ng bencode codec
 * (userspace/daemon/ng/bencode.c): the corpus in tests/ng/corpus/
 * (benc-good-*.b decode, benc-bad-*.b are refused), every limit refused
 * with its own reason, every truncation refused, and an encoder that
 * never overruns and keeps dict keys canonical.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ng/bencode.h"
#include "unit_main.h"

#define CORPUS "tests/ng/corpus"

static struct natport_benc_node nodes[4096];

static char *load(const char *name, size_t *len)
{
	char path[PATH_MAX];
	struct stat st;
	char *buf;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", CORPUS, name);
	f = fopen(path, "rb");
	ck_assert_msg(f, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(fstat(fileno(f), &st), 0);
	buf = malloc(st.st_size + 1);
	ck_assert_ptr_nonnull(buf);
	*len = fread(buf, 1, st.st_size, f);
	ck_assert_uint_eq(*len, (size_t)st.st_size);
	fclose(f);
	return buf;
}

static int dec(const char *buf, size_t len, uint32_t cap,
	       const struct natport_benc_limits *lim, char *err, size_t errlen,
	       struct natport_benc_doc *doc)
{
	doc->nodes = nodes;
	doc->cap = cap;
	return natport_benc_decode(doc, buf, len, lim, err, errlen);
}

static void refused(const char *s, size_t len, const char *why)
{
	struct natport_benc_doc doc;
	char err[200];

	ck_assert_msg(dec(s, len, 4096, NULL, err, sizeof(err), &doc) == -1,
		      "\"%.*s\" decoded", (int)len, s);
	ck_assert_msg(strstr(err, why), "\"%.*s\": \"%s\" lacks \"%s\"",
		      (int)len, s, err, why);
}

#define REFUSED(lit, why) refused(lit, sizeof(lit) - 1, why)

START_TEST(corpus)
{
	struct dirent *de;
	unsigned int good = 0, bad = 0;
	DIR *d = opendir(CORPUS);

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d))) {
		struct natport_benc_doc doc;
		char err[200];
		size_t len, cut;
		char *buf;
		int r;

		if (strncmp(de->d_name, "benc-", 5))
			continue;
		buf = load(de->d_name, &len);
		r = dec(buf, len, 4096, NULL, err, sizeof(err), &doc);
		if (!strncmp(de->d_name, "benc-good-", 10)) {
			ck_assert_msg(!r, "%s: %s", de->d_name, err);
			good++;
			/* no strict prefix of a value is a value */
			for (cut = 0; cut < len; cut++)
				ck_assert_msg(dec(buf, cut, 4096, NULL, err,
						  sizeof(err), &doc) == -1,
					      "%s cut at %zu decoded",
					      de->d_name, cut);
		} else {
			ck_assert_msg(r == -1, "%s decoded", de->d_name);
			ck_assert_msg(*err, "%s: no reason", de->d_name);
			bad++;
		}
		free(buf);
	}
	closedir(d);
	ck_assert_uint_ge(good, 3);
	ck_assert_uint_ge(bad, 5);
}
END_TEST

START_TEST(values)
{
	static const char s[] = "d1:ai-42e1:b3:x:y1:cli0e0:dee1:dd1:kdeee";
	const struct natport_benc_node *a, *b, *c, *e;
	struct natport_benc_doc doc;
	char err[200];

	ck_assert_int_eq(
		dec(s, sizeof(s) - 1, 64, NULL, err, sizeof(err), &doc), 0);
	ck_assert_uint_eq(natport_benc_at(&doc, 0)->count, 4);
	a = natport_benc_dict_get(&doc, 0, "a", 1);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a->type, NATPORT_BENC_INT);
	ck_assert_int_eq(a->i, -42);
	b = natport_benc_dict_get(&doc, 0, "b", 1);
	ck_assert(natport_benc_str_eq(b, "x:y"));
	c = natport_benc_dict_get(&doc, 0, "c", 1);
	ck_assert_int_eq(c->type, NATPORT_BENC_LIST);
	ck_assert_uint_eq(c->count, 3);
	e = natport_benc_at(&doc, c->child);
	ck_assert_int_eq(e->i, 0);
	e = natport_benc_at(&doc, e->next);
	ck_assert(natport_benc_str_eq(e, ""));
	e = natport_benc_at(&doc, e->next);
	ck_assert_int_eq(e->type, NATPORT_BENC_DICT);
	ck_assert_uint_eq(e->count, 0);
	ck_assert_ptr_null(natport_benc_at(&doc, e->next));
	ck_assert_ptr_null(natport_benc_dict_get(&doc, 0, "z", 1));
	/* a key is not a value */
	ck_assert_ptr_null(natport_benc_dict_get(&doc, 0, "x:y", 3));
	/* strings point into the input: no copy */
	ck_assert_ptr_eq(b->s, s + 14);
}
END_TEST

START_TEST(strictness)
{
	REFUSED("", "empty input");
	REFUSED("i01e", "leading zero");
	REFUSED("i-0e", "-0");
	REFUSED("ie", "expected a digit");
	REFUSED("i-e", "expected a digit");
	REFUSED("i12", "truncated integer");
	REFUSED("i1x", "expected 'e'");
	REFUSED("i9223372036854775808e", "too large");
	REFUSED("i-9223372036854775809e", "too large");
	REFUSED("03:abc", "leading zero");
	REFUSED("3abc", "expected ':'");
	REFUSED("4:abc", "truncated string");
	REFUSED("99999999999:a", "too large");
	REFUSED("l", "truncated list");
	REFUSED("d1:a", "truncated dict");
	REFUSED("d1:ae", "key without value");
	REFUSED("di1ei2ee", "key is not a string");
	REFUSED("dlee1:ae", "key is not a string");
	REFUSED("d1:ai1e1:ai2ee", "duplicate dict key \"a\"");
	REFUSED("i1ei2e", "3 trailing bytes");
	REFUSED("le ", "trailing");
	REFUSED("x", "unexpected 'x'");
	REFUSED("\x01", "unexpected byte 0x01");
	REFUSED("l1:a\x80", "unexpected byte 0x80");
	/* unsorted keys are fine: the modules send them so */
	{
		struct natport_benc_doc doc;
		char err[200];

		ck_assert_int_eq(dec("d1:bi1e1:ai2ee", 14, 16, NULL, err,
				     sizeof(err), &doc),
				 0);
		ck_assert_int_eq(natport_benc_dict_get(&doc, 0, "a", 1)->i, 2);
	}
	/* the error names the offset */
	{
		struct natport_benc_doc doc;
		char err[200];

		dec("d1:ai1e1:b", 10, 16, NULL, err, sizeof(err), &doc);
		ck_assert_str_eq(err, "bencode at byte 10: truncated dict "
				      "(key without value)");
	}
}
END_TEST

START_TEST(limits)
{
	struct natport_benc_limits lim = { .max_depth = 4,
					   .max_str = 8,
					   .max_input = 64 };
	struct natport_benc_doc doc;
	char err[200], big[200000];
	size_t i, n;

	ck_assert_int_eq(
		dec("llllleeeee", 10, 64, &lim, err, sizeof(err), &doc), -1);
	ck_assert_ptr_nonnull(strstr(err, "nested deeper than 4"));
	ck_assert_int_eq(dec("lllleeee", 8, 64, &lim, err, sizeof(err), &doc),
			 0);
	ck_assert_int_eq(
		dec("9:123456789", 11, 64, &lim, err, sizeof(err), &doc), -1);
	ck_assert_ptr_nonnull(strstr(err, "string of 9 bytes, limit 8"));
	ck_assert_int_eq(
		dec("8:12345678", 10, 64, &lim, err, sizeof(err), &doc), 0);
	/* more values than nodes */
	ck_assert_int_eq(
		dec("li1ei2ei3ee", 11, 3, NULL, err, sizeof(err), &doc), -1);
	ck_assert_ptr_nonnull(strstr(err, "more than 3 values"));
	ck_assert_int_eq(dec("li1ei2ee", 8, 3, NULL, err, sizeof(err), &doc),
			 0);
	/* input size */
	memset(big, 'e', sizeof(big));
	ck_assert_int_eq(dec(big, 65, 64, &lim, err, sizeof(err), &doc), -1);
	ck_assert_ptr_nonnull(strstr(err, "input of 65 bytes, limit 64"));
	/* deep by default: 100000 nested lists stop at the default depth,
	 * long before the stack could matter */
	for (i = 0; i < 100000; i++)
		big[i] = 'l';
	for (; i < 200000; i++)
		big[i] = 'e';
	ck_assert_int_eq(dec(big, 200000, 4096, NULL, err, sizeof(err), &doc),
			 -1);
	ck_assert_ptr_nonnull(strstr(err, "limit 65535"));
	ck_assert_int_eq(
		dec(big + 100000 - 60, 120, 4096, NULL, err, sizeof(err), &doc),
		-1);
	ck_assert_ptr_nonnull(strstr(err, "nested deeper than 8"));
	/* a huge element count inside the size limit */
	n = 0;
	big[n++] = 'l';
	while (n < 60000)
		big[n++] = '0', big[n++] = ':';
	big[n++] = 'e';
	ck_assert_int_eq(dec(big, n, 4096, NULL, err, sizeof(err), &doc), -1);
	ck_assert_ptr_nonnull(strstr(err, "more than 4096 values"));
	/* no node storage */
	doc.nodes = NULL;
	doc.cap = 0;
	ck_assert_int_eq(
		natport_benc_decode(&doc, "i1e", 3, NULL, err, sizeof(err)),
		-1);
	/* errlen 0 is fine */
	ck_assert_int_eq(dec("x", 1, 4, NULL, NULL, 0, &doc), -1);
}
END_TEST

START_TEST(encoder)
{
	struct natport_benc_writer w;
	char buf[128];
	const char *err;
	ssize_t n;

	natport_benc_writer_init(&w, buf, sizeof(buf));
	natport_benc_put_dict(&w);
	natport_benc_put_kv_int(&w, "a", INT64_MIN);
	natport_benc_put_cstr(&w, "b");
	natport_benc_put_list(&w);
	natport_benc_put_str(&w, "", 0);
	natport_benc_put_dict(&w);
	natport_benc_put_end(&w);
	natport_benc_put_end(&w);
	natport_benc_put_kv_cstr(&w, "ba", "x");
	natport_benc_put_end(&w);
	n = natport_benc_finish(&w, &err);
	ck_assert_int_eq(n, 43);
	ck_assert_mem_eq(buf, "d1:ai-9223372036854775808e1:bl0:dee2:ba1:xe",
			 43);

	/* key order: equal or descending keys are refused */
	natport_benc_writer_init(&w, buf, sizeof(buf));
	natport_benc_put_dict(&w);
	natport_benc_put_kv_int(&w, "b", 1);
	natport_benc_put_kv_int(&w, "a", 1);
	natport_benc_put_end(&w);
	ck_assert_int_eq(natport_benc_finish(&w, &err), -1);
	ck_assert_str_eq(err, "dict keys not in ascending order");
	natport_benc_writer_init(&w, buf, sizeof(buf));
	natport_benc_put_dict(&w);
	natport_benc_put_kv_int(&w, "ab", 1);
	natport_benc_put_kv_int(&w, "a", 1);
	natport_benc_put_end(&w);
	ck_assert_int_eq(natport_benc_finish(&w, &err), -1);
	natport_benc_writer_init(&w, buf, sizeof(buf));
	natport_benc_put_dict(&w);
	natport_benc_put_kv_int(&w, "a", 1);
	natport_benc_put_kv_int(&w, "a", 1);
	natport_benc_put_end(&w);
	ck_assert_int_eq(natport_benc_finish(&w, &err), -1);

	/* misuse */
	natport_benc_writer_init(&w, buf, sizeof(buf));
	natport_benc_put_dict(&w);
	natport_benc_put_int(&w, 1);
	ck_assert_int_eq(natport_benc_finish(&w, &err), -1);
	ck_assert_str_eq(err, "dict key is not a string");
	natport_benc_writer_init(&w, buf, sizeof(buf));
	natport_benc_put_dict(&w);
	natport_benc_put_cstr(&w, "k");
	natport_benc_put_end(&w);
	ck_assert_int_eq(natport_benc_finish(&w, &err), -1);
	ck_assert_str_eq(err, "dict key without value");
	natport_benc_writer_init(&w, buf, sizeof(buf));
	natport_benc_put_list(&w);
	ck_assert_int_eq(natport_benc_finish(&w, &err), -1);
	ck_assert_str_eq(err, "unclosed list or dict");
	natport_benc_writer_init(&w, buf, sizeof(buf));
	natport_benc_put_end(&w);
	ck_assert_int_eq(natport_benc_finish(&w, &err), -1);

	/* overflow at every size: never a byte past cap */
	for (size_t cap = 0; cap < 43; cap++) {
		memset(buf, '#', sizeof(buf));
		natport_benc_writer_init(&w, buf, cap);
		natport_benc_put_dict(&w);
		natport_benc_put_kv_int(&w, "a", INT64_MIN);
		natport_benc_put_cstr(&w, "b");
		natport_benc_put_list(&w);
		natport_benc_put_str(&w, "", 0);
		natport_benc_put_dict(&w);
		natport_benc_put_end(&w);
		natport_benc_put_end(&w);
		natport_benc_put_kv_cstr(&w, "ba", "x");
		natport_benc_put_end(&w);
		ck_assert_int_eq(natport_benc_finish(&w, &err), -1);
		ck_assert_str_eq(err, "reply does not fit the buffer");
		for (size_t i = cap; i < sizeof(buf); i++)
			ck_assert_int_eq(buf[i], '#');
	}
}
END_TEST

START_TEST(roundtrip)
{
	struct natport_benc_writer w;
	struct natport_benc_doc doc;
	char buf[256], err[200];
	ssize_t n;

	natport_benc_writer_init(&w, buf, sizeof(buf));
	natport_benc_put_dict(&w);
	natport_benc_put_kv_str(&w, "bin", "a\0b e", 5);
	natport_benc_put_kv_int(&w, "max", INT64_MAX);
	natport_benc_put_end(&w);
	n = natport_benc_finish(&w, NULL);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(dec(buf, n, 16, NULL, err, sizeof(err), &doc), 0);
	ck_assert_uint_eq(natport_benc_dict_get(&doc, 0, "bin", 3)->len, 5);
	ck_assert_mem_eq(natport_benc_dict_get(&doc, 0, "bin", 3)->s, "a\0b e",
			 5);
	ck_assert_int_eq(natport_benc_dict_get(&doc, 0, "max", 3)->i,
			 INT64_MAX);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("bencode");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, corpus);
	tcase_add_test(tc, values);
	tcase_add_test(tc, strictness);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, encoder);
	tcase_add_test(tc, roundtrip);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(suite());
}
