// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main.c - nat-portctl: the operator's tool for nat-portd. "<object>
 * <verb>" commands matched exactly, never by prefix (ip(8) style), data on
 * stdout, errors on stderr, exit codes as nat-portctl.h lists them.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <natport/control.h>
#include <natport/natport.h>

#include "nat-portctl.h"

int opt_json;
const char *opt_socket = NATPORT_CTL_DEFAULT_PATH;

static const char usage_text[] =
	"usage: nat-portctl [OPTIONS] OBJECT VERB [ARGS]\n"
	"\n"
	"objects and verbs:\n"
	"  calls list                  calls with parties, state, age, streams,\n"
	"                              mappings and kernel counters\n"
	"  calls show ID               one call\n"
	"  calls del ID                end one call or PCP lease (reason\n"
	"                              operator)\n"
	"  mappings list               mappings: endpoints, type, state, age,\n"
	"                              owner, kernel counters\n"
	"  mappings show ID            one mapping\n"
	"  mappings add internal ADDR:PORT [remote ADDR:PORT] [type TYPE]\n"
	"                              pin a static mapping\n"
	"  mappings del ID             remove a static mapping\n"
	"  flush [-y]                  end every call, release every mapping\n"
	"  stats [--prometheus]        totals, errors, kernel packets/bytes\n"
	"  watch                       events as they happen, one per line\n"
	"  kernel list                 natport's conntrack entries, read from\n"
	"                              the kernel (nat-portd need not run)\n"
	"\n"
	"options:\n"
	"  -j, --json                  print JSON\n"
	"  -n, --netns NETNS           run in network namespace NETNS\n"
	"                              (/run/netns/NETNS)\n"
	"  -s, --socket PATH           control socket (default " NATPORT_CTL_DEFAULT_PATH
	")\n"
	"  -h, --help                  this help; OBJECT --help for one object\n"
	"  -V, --version               print the version\n"
	"\n"
	"exit status: 0 ok, 1 error (reported by nat-portd or the system),\n"
	"2 usage, 3 nat-portd not running or not answering, 4 permission\n"
	"denied (flush, calls del, mappings add and del need root or the\n"
	"admin group)\n";

static const char calls_help[] =
	"usage: nat-portctl [-j] calls list\n"
	"       nat-portctl [-j] calls show ID\n"
	"       nat-portctl calls del ID\n"
	"  calls are every session: SIP and ng calls, PCP leases (owner\n"
	"  pcp); del ends one with reason operator (root or the admin\n"
	"  group): its mappings and kernel entries go, a SIP dialog is\n"
	"  forgotten without a BYE\n";
static const char mappings_help[] =
	"usage: nat-portctl [-j] mappings list\n"
	"       nat-portctl [-j] mappings show ID\n"
	"       nat-portctl [-j] mappings add internal ADDR:PORT "
	"[remote ADDR:PORT] [type TYPE]\n"
	"       nat-portctl mappings del ID\n"
	"TYPE: audio_rtp audio_rtcp video_rtp video_rtcp sip data "
	"(default data)\n"
	"del removes static mappings only; calls' mappings go with their "
	"call\n";
static const char flush_help[] =
	"usage: nat-portctl flush [-y]\n"
	"  end every call and release every mapping, static ones included;\n"
	"  asks for confirmation on stdin unless -y is given\n";
static const char stats_help[] =
	"usage: nat-portctl [-j] stats [--prometheus]\n"
	"  --prometheus   Prometheus text exposition format\n";
static const char watch_help[] =
	"usage: nat-portctl [-j] watch\n"
	"  one line per event (JSON: one object per line) until "
	"interrupted\n";

void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("nat-portctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'nat-portctl --help'.\n", stderr);
	exit(EXIT_USAGE);
}

static int is_help(const char *s)
{
	return !strcmp(s, "help") || !strcmp(s, "--help") || !strcmp(s, "-h");
}

static int help(const char *text)
{
	fputs(text, stdout);
	return EXIT_OK;
}

static void print_rec(const void *rec, size_t len, void *arg)
{
	out_record(rec, len);
}

static void print_prom(const void *rec, size_t len, void *arg)
{
	out_prometheus(rec, len);
}

static void check_id(const char *what, const char *s)
{
	size_t n = strspn(s, "0123456789");

	if (!n || s[n] || n > 19 || s[0] == '0')
		usage_error("%s: '%s' is not an ID (a positive number)", what,
			    s);
}

static void no_more(const char *what, int argc, char **argv, int from)
{
	if (argc > from)
		usage_error("%s: unexpected argument '%s'", what, argv[from]);
}

static int run_list(int cmd, enum out_layout layout, int array)
{
	int rc;

	out_begin(layout, array);
	rc = ctl_run(cmd, 0, NULL, print_rec, NULL);
	if (rc == EXIT_OK)
		out_end();
	return rc;
}

static int cmd_calls(int argc, char **argv)
{
	if (argc < 1)
		usage_error("calls: missing verb (list, show, del)");
	if (is_help(argv[0]))
		return help(calls_help);
	if (!strcmp(argv[0], "list")) {
		no_more("calls list", argc, argv, 1);
		return run_list(NATPORT_CTL_CMD_CALLS_LIST, OUT_LINE, 1);
	}
	if (argc > 1 && is_help(argv[1]))
		return help(calls_help);
	if (!strcmp(argv[0], "show") || !strcmp(argv[0], "del")) {
		int del = argv[0][0] == 'd';
		const char *what = del ? "calls del" : "calls show";

		if (argc < 2)
			usage_error("%s: missing ID", what);
		check_id(what, argv[1]);
		no_more(what, argc, argv, 2);
		out_begin(OUT_LINE, 0);
		return ctl_run(del ? NATPORT_CTL_CMD_CALLS_DEL :
				     NATPORT_CTL_CMD_CALLS_SHOW,
			       1, argv + 1, print_rec, NULL);
	}
	usage_error("calls: unknown verb '%s' (list, show, del)", argv[0]);
}

static int mappings_add(int argc, char **argv)
{
	char *internal = NULL, *remote = NULL, *type = "data", *args[3];
	struct natport_endpoint ep;
	int n;

	for (int i = 0; i < argc; i += 2) {
		char **slot;

		if (!strcmp(argv[i], "internal"))
			slot = &internal;
		else if (!strcmp(argv[i], "remote"))
			slot = &remote;
		else if (!strcmp(argv[i], "type"))
			slot = &type;
		else
			usage_error("mappings add: unknown keyword '%s' "
				    "(internal, remote, type)",
				    argv[i]);
		if (i + 1 >= argc)
			usage_error("mappings add: %s needs a value", argv[i]);
		*slot = argv[i + 1];
	}
	if (!internal)
		usage_error("mappings add: internal ADDR:PORT is required");
	if (natport_endpoint_parse(internal, &ep) || !ep.port)
		usage_error("mappings add: internal '%s' is not ADDR:PORT",
			    internal);
	if (remote && (natport_endpoint_parse(remote, &ep) || !ep.port))
		usage_error("mappings add: remote '%s' is not ADDR:PORT",
			    remote);
	if (natport_port_type_parse(type) < 0)
		usage_error("mappings add: unknown type '%s' (audio_rtp, "
			    "audio_rtcp, video_rtp, video_rtcp, sip, data)",
			    type);
	args[0] = type;
	args[1] = internal;
	args[2] = remote;
	n = remote ? 3 : 2;
	out_begin(OUT_LINE, 0);
	return ctl_run(NATPORT_CTL_CMD_MAPPINGS_ADD, n, args, print_rec, NULL);
}

static int cmd_mappings(int argc, char **argv)
{
	if (argc < 1)
		usage_error("mappings: missing verb (list, show, add, del)");
	if (is_help(argv[0]))
		return help(mappings_help);
	if (argc > 1 && is_help(argv[1]))
		return help(mappings_help);
	if (!strcmp(argv[0], "list")) {
		no_more("mappings list", argc, argv, 1);
		return run_list(NATPORT_CTL_CMD_MAPPINGS_LIST, OUT_LINE, 1);
	}
	if (!strcmp(argv[0], "show") || !strcmp(argv[0], "del")) {
		int del = argv[0][0] == 'd';
		const char *what = del ? "mappings del" : "mappings show";

		if (argc < 2)
			usage_error("%s: missing ID", what);
		check_id(what, argv[1]);
		no_more(what, argc, argv, 2);
		out_begin(OUT_LINE, 0);
		return ctl_run(del ? NATPORT_CTL_CMD_MAPPINGS_DEL :
				     NATPORT_CTL_CMD_MAPPINGS_SHOW,
			       1, argv + 1, print_rec, NULL);
	}
	if (!strcmp(argv[0], "add"))
		return mappings_add(argc - 1, argv + 1);
	usage_error("mappings: unknown verb '%s' (list, show, add, del)",
		    argv[0]);
}

static int confirmed(void)
{
	char line[16];

	fputs("nat-portctl: flush ends every call and releases every "
	      "mapping. Continue? [y/N] ",
	      stderr);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	return line[0] == 'y' || line[0] == 'Y';
}

static int cmd_flush(int argc, char **argv)
{
	int yes = 0;

	for (int i = 0; i < argc; i++) {
		if (is_help(argv[i]))
			return help(flush_help);
		if (!strcmp(argv[i], "-y"))
			yes = 1;
		else
			usage_error("flush: unexpected argument '%s'", argv[i]);
	}
	if (!yes && !confirmed()) {
		fprintf(stderr, "nat-portctl: flush: not confirmed, nothing "
				"changed\n");
		return EXIT_ERROR;
	}
	return ctl_run(NATPORT_CTL_CMD_FLUSH, 0, NULL, print_rec, NULL);
}

static int cmd_stats(int argc, char **argv)
{
	int prom = 0;

	for (int i = 0; i < argc; i++) {
		if (is_help(argv[i]))
			return help(stats_help);
		if (!strcmp(argv[i], "--prometheus"))
			prom = 1;
		else
			usage_error("stats: unexpected argument '%s'", argv[i]);
	}
	if (prom && opt_json)
		usage_error("stats: -j and --prometheus exclude each other");
	if (prom)
		return ctl_run(NATPORT_CTL_CMD_STATS, 0, NULL, print_prom,
			       NULL);
	return run_list(NATPORT_CTL_CMD_STATS, OUT_BLOCK, 0);
}

static int cmd_watch(int argc, char **argv)
{
	if (argc && is_help(argv[0]))
		return help(watch_help);
	no_more("watch", argc, argv, 0);
	out_begin(OUT_LINE, 0);
	return ctl_run(NATPORT_CTL_CMD_WATCH, 0, NULL, print_rec, NULL);
}

/* Enter /run/netns/NAME before anything else, as ip -n does. */
static void enter_netns(const char *name)
{
	char path[256];
	int fd;

	if (!*name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		usage_error("-n: '%s' is not a namespace name", name);
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "nat-portctl: netns %s: %s\n", name,
			strerror(errno));
		exit(EXIT_ERROR);
	}
	if (setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "nat-portctl: entering netns %s: %s\n", name,
			strerror(errno));
		exit(EXIT_ERROR);
	}
	close(fd);
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} objects[] = {
	{ "calls", cmd_calls }, { "mappings", cmd_mappings },
	{ "flush", cmd_flush }, { "stats", cmd_stats },
	{ "watch", cmd_watch }, { "kernel", cmd_kernel },
};

int main(int argc, char **argv)
{
	const char *netns = NULL;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "-j") || !strcmp(o, "--json")) {
			opt_json = 1;
		} else if (!strcmp(o, "-n") || !strcmp(o, "--netns") ||
			   !strcmp(o, "-s") || !strcmp(o, "--socket")) {
			if (i + 1 >= argc)
				usage_error("option %s needs a value", o);
			if (o[1] == 'n' || o[2] == 'n')
				netns = argv[++i];
			else
				opt_socket = argv[++i];
		} else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			return help(usage_text);
		} else if (!strcmp(o, "-V") || !strcmp(o, "--version")) {
			printf("nat-portctl %s (control protocol %d)\n",
			       NATPORT_VERSION, NATPORT_CTL_VERSION);
			return EXIT_OK;
		} else {
			usage_error("unknown option '%s'", o);
		}
	}
	if (i == argc)
		usage_error("missing object (calls, mappings, flush, stats, "
			    "watch, kernel)");
	if (!strcmp(argv[i], "help"))
		return help(usage_text);
	if (netns)
		enter_netns(netns);
	for (size_t k = 0; k < sizeof(objects) / sizeof(objects[0]); k++)
		if (!strcmp(argv[i], objects[k].name))
			return objects[k].fn(argc - i - 1, argv + i + 1);
	usage_error("unknown object '%s' (calls, mappings, flush, stats, "
		    "watch, kernel)",
		    argv[i]);
}
