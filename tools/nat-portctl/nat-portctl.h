/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nat-portctl.h - the pieces of nat-portctl: the client of nat-portd's
 * control socket (client.c), the one printer of records as text, JSON or
 * Prometheus (output.c), and the commands (main.c, kernel.c).
 */
#ifndef NAT_PORTCTL_H
#define NAT_PORTCTL_H

#include <stddef.h>

/* Exit codes, as nat-portctl(8) lists them. */
enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,	   /* nat-portd refused, or a system error */
	EXIT_USAGE = 2,	   /* bad command line */
	EXIT_NODAEMON = 3, /* nat-portd not running or not answering */
	EXIT_DENIED = 4,   /* nat-portd refused this user this command */
};

extern int opt_json;
extern const char *opt_socket;

/* output.c: every field goes through one function, in text or JSON. */
enum out_layout {
	OUT_LINE,  /* one line per record, nested objects indented below */
	OUT_BLOCK, /* one "key value" line per field (stats) */
};
void out_begin(enum out_layout layout, int array);
void out_record(const void *rec, size_t len);
void out_end(void);
void out_prometheus(const void *rec, size_t len);

/* client.c: send one request, hand each record to fn. Returns an exit
 * code; errors are printed on stderr. watch: keep reading records until
 * the daemon closes or a signal ends the program. */
typedef void (*ctl_record_fn)(const void *rec, size_t len, void *arg);
int ctl_run(int cmd, int argc, char **argv, ctl_record_fn fn, void *arg);

/* kernel.c */
int cmd_kernel(int argc, char **argv);

void usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif /* NAT_PORTCTL_H */
