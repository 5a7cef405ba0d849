/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * records.h - the records of the control protocol (the fields are listed
 * in nat-portctl(8)): a mapping, a session, the statistics.
 *
 * The statistics are read once into a natport_stats_view; the stats
 * record and the SIGUSR1 log line both print that view through one table
 * of figures (records.c), so nat-portctl and the log never disagree and a
 * new counter is added in one place.
 *
 * Builders write into a message the caller began (natport_ctl_msg_begin)
 * and never call anything that emits a port-manager event, so the caller
 * may build while it is handling one.
 */
#ifndef NATPORT_CTL_RECORDS_H
#define NATPORT_CTL_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include <natport/control.h>
#include <natport/natport.h>

#include "core/alg.h"
#include "core/session.h"
#include "media/streams.h"
#include "pcp/server.h"
#include "sip/proxy.h"

struct natport_control;

/* A mapping; c NULL: no counters (events, quarantined mappings). Its
 * owner is named from the session t holds for it (kind, id, key); t is
 * only read. */
void natport_record_mapping(struct natport_ctl_msg_buf *b,
			    struct natport_session_table *t,
			    const struct natport_mapping *m,
			    const struct natport_counters *c, uint64_t now_ms);

/* A session; full: with its streams and their counters, read from the
 * kernel through pm (a list or show). An event (full 0) is one line and
 * reads nothing. */
void natport_record_session(struct natport_ctl_msg_buf *b,
			    struct natport_session_table *t,
			    struct natport_pm *pm,
			    const struct natport_session *s, int full,
			    uint64_t now_ms);

/* Where the figures come from; proxy, media, alg, pcp and ctl may be
 * NULL (pcp NULL: PCP is off, its figures are 0). */
struct natport_stats_sources {
	struct natport_pm *pm;
	struct natport_proxy *proxy;
	struct natport_media *media;
	const struct natport_alg *alg;
	const struct natport_pcp_server *pcp;
	struct natport_control *ctl;
};

struct natport_stats_view {
	uint64_t calls, registrations;
	struct natport_pm_stats pm;
	struct natport_proxy_stats sip;
	struct natport_media_stats media;
	uint64_t media_clients;
	struct natport_pcp_server_stats pcp;
	/* the natport entries in the kernel (natport_pm_stats) */
	uint64_t kernel_entries;
	struct natport_counters kernel;
	/* the control server's own */
	uint64_t ctl_clients, ctl_watchers, ctl_requests, ctl_bad_requests,
		ctl_dropped_clients;
	int have_alg;
	const char *alg_state; /* one word: active, inactive, unknown */
	char alg[200];	       /* natport_alg_describe */
};

/* natport_stats_read - every figure now, in O(1): the kernel figures are
 * the port manager's (entries installed, counters as of the last refresh
 * scan). kernel is kept for the callers and no longer costs a dump. */
void natport_stats_read(struct natport_stats_view *v,
			const struct natport_stats_sources *src, int kernel);
/* natport_record_stats - the stats record (nested errors, sip, pcp,
 * control). */
void natport_record_stats(struct natport_ctl_msg_buf *b,
			  const struct natport_stats_view *v);
/* natport_stats_line - "stats key=value ..." for the log; returns buf. */
const char *natport_stats_line(const struct natport_stats_view *v, char *buf,
			       size_t len);

#endif /* NATPORT_CTL_RECORDS_H */
