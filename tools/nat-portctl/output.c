// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * output.c - print control-protocol records (natport/control.h) as text,
 * JSON or Prometheus. Every command prints through out_record(), so the
 * text and the JSON forms always carry the same fields, as iproute2's
 * print_* helpers do.
 */
#include <stdio.h>
#include <string.h>

#include <natport/control.h>

#include "nat-portctl.h"

static enum out_layout layout;
static int array, records;

void out_begin(enum out_layout l, int arr)
{
	layout = l;
	array = arr;
	records = 0;
	if (opt_json && array)
		fputs("[", stdout);
}

void out_end(void)
{
	if (opt_json && array)
		fputs(records ? "\n]\n" : "]\n", stdout);
	fflush(stdout);
}

static void json_str(const char *s, size_t n)
{
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			putchar('\\');
		putchar(s[i]);
	}
	putchar('"');
}

static void print_json(const void *rec, size_t len)
{
	int first[NATPORT_CTL_DEPTH_MAX + 2] = { 1 };
	int list[NATPORT_CTL_DEPTH_MAX + 2] = { 0 };
	struct natport_ctl_field f;
	size_t off = 0;
	int depth = 0;

	if (array)
		fputs(records ? ",\n" : "\n", stdout);
	putchar('{');
	while (natport_ctl_field_next(rec, len, &off, &f) == 1) {
		if (f.kind == NATPORT_CTL_F_END) {
			putchar(list[depth] ? ']' : '}');
			depth--;
			continue;
		}
		if (!first[depth])
			putchar(',');
		first[depth] = 0;
		if (f.key[0]) {
			json_str(f.key, strlen(f.key));
			putchar(':');
		}
		switch (f.kind) {
		case NATPORT_CTL_F_STR:
			json_str(f.str, f.slen);
			break;
		case NATPORT_CTL_F_U64:
			printf("%llu", (unsigned long long)f.u64);
			break;
		case NATPORT_CTL_F_OBJ:
		case NATPORT_CTL_F_LIST:
			depth++;
			first[depth] = 1;
			list[depth] = f.kind == NATPORT_CTL_F_LIST;
			putchar(list[depth] ? '[' : '{');
			break;
		default:
			break;
		}
	}
	putchar('}');
	if (!array)
		putchar('\n');
}

static void indent(int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("    ", stdout);
}

static void text_value(const struct natport_ctl_field *f)
{
	if (f->kind == NATPORT_CTL_F_U64)
		printf("%llu", (unsigned long long)f->u64);
	else if (!f->slen)
		fputs("\"\"", stdout);
	else
		fwrite(f->str, 1, f->slen, stdout);
}

/* Line layout: a record's scalars on one line; a named object starts an
 * indented line with its name; each element of a list is an indented
 * line of its own. */
static void print_line(const void *rec, size_t len)
{
	int named[NATPORT_CTL_DEPTH_MAX + 2] = { 0 };
	struct natport_ctl_field f;
	size_t off = 0;
	int depth = 0, level = 0, col = 0;

	while (natport_ctl_field_next(rec, len, &off, &f) == 1) {
		switch (f.kind) {
		case NATPORT_CTL_F_STR:
		case NATPORT_CTL_F_U64:
			if (!col)
				indent(level);
			else
				putchar(' ');
			printf("%s ", f.key);
			text_value(&f);
			col++;
			break;
		case NATPORT_CTL_F_OBJ:
			if (col)
				putchar('\n');
			col = 0;
			named[++depth] = f.key[0] != '\0';
			if (named[depth]) {
				level++;
				indent(level);
				fputs(f.key, stdout);
				col = 1;
			}
			break;
		case NATPORT_CTL_F_LIST:
			if (col)
				putchar('\n');
			col = 0;
			named[++depth] = 1;
			level++;
			break;
		case NATPORT_CTL_F_END:
			if (col)
				putchar('\n');
			col = 0;
			if (named[depth--])
				level--;
			break;
		}
	}
	if (col)
		putchar('\n');
}

/* Block layout: one field per line, a named object as "name:" and its
 * fields indented under it. */
static void print_block(const void *rec, size_t len)
{
	struct natport_ctl_field f;
	size_t off = 0;
	int depth = 0;

	while (natport_ctl_field_next(rec, len, &off, &f) == 1) {
		switch (f.kind) {
		case NATPORT_CTL_F_STR:
		case NATPORT_CTL_F_U64:
			indent(depth);
			printf("%s ", f.key);
			text_value(&f);
			putchar('\n');
			break;
		case NATPORT_CTL_F_OBJ:
		case NATPORT_CTL_F_LIST:
			indent(depth);
			printf("%s:\n", f.key[0] ? f.key : "-");
			depth++;
			break;
		case NATPORT_CTL_F_END:
			depth--;
			break;
		}
	}
}

void out_record(const void *rec, size_t len)
{
	if (opt_json)
		print_json(rec, len);
	else if (layout == OUT_BLOCK)
		print_block(rec, len);
	else
		print_line(rec, len);
	records++;
	/* watch: each event is on the terminal (or the pipe) at once */
	fflush(stdout);
}

/* Values that go up and down; everything else is a counter. */
static int is_gauge(const char *key)
{
	static const char *const gauges[] = {
		"calls",	   "registrations",	"mappings",
		"mappings_active", "ports_total",	"ports_free",
		"ports_held",	   "ports_quarantined", "kernel_entries",
		"clients",	   "watchers",		"capacity",
		"headroom",	   "external_addrs",	"pm_fds",
		"leases",
	};

	for (size_t i = 0; i < sizeof(gauges) / sizeof(gauges[0]); i++)
		if (!strcmp(key, gauges[i]))
			return 1;
	return 0;
}

/* Prometheus text exposition format: natport_<field>, the objects of
 * the stats record as a prefix ("sip", "pcp", "control"), except "errors",
 * which is one counter family labelled by kind. */
void out_prometheus(const void *rec, size_t len)
{
	char prefix[NATPORT_CTL_KEY_MAX + 2] = "";
	struct natport_ctl_field f;
	size_t off = 0;
	int errors = 0, errors_typed = 0;

	while (natport_ctl_field_next(rec, len, &off, &f) == 1) {
		char name[2 * NATPORT_CTL_KEY_MAX + 32];
		int gauge;

		switch (f.kind) {
		case NATPORT_CTL_F_OBJ:
			errors = !strcmp(f.key, "errors");
			snprintf(prefix, sizeof(prefix), "%s_", f.key);
			continue;
		case NATPORT_CTL_F_END:
			errors = 0;
			prefix[0] = '\0';
			continue;
		case NATPORT_CTL_F_U64:
			break;
		default:
			continue;
		}
		if (errors) {
			if (!errors_typed++)
				printf("# TYPE natport_errors_total counter\n");
			printf("natport_errors_total{kind=\"%s\"} %llu\n",
			       f.key, (unsigned long long)f.u64);
			continue;
		}
		gauge = is_gauge(f.key);
		snprintf(name, sizeof(name), "natport_%s%s%s", prefix, f.key,
			 gauge ? "" : "_total");
		printf("# TYPE %s %s\n%s %llu\n", name,
		       gauge ? "gauge" : "counter", name,
		       (unsigned long long)f.u64);
	}
	fflush(stdout);
}
