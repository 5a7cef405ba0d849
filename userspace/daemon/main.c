// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * main.c - nat-portd: the SIP side of natport on the router. Reads the
 * config, opens the port manager and the SIP proxy, and runs the one
 * event loop until SIGTERM/SIGINT. SIGHUP reloads what can change live;
 * SIGUSR1 logs the counters.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <natport/natport.h>

#include "core/alg.h"
#include "core/config.h"
#include "core/evloop.h"
#include "core/log.h"
#include "core/quality.h"
#include "core/quota.h"
#include "core/session.h"
#include "core/state.h"
#include "ctl/records.h"
#include "ctl/server.h"
#include "media/streams.h"
#include "ng/frontend.h"
#include "pcp/server.h"
#include "sip/proxy.h"
#include "sip/tls.h"

struct daemon {
	const char *config_path;
	struct natport_config cfg;
	struct natport_evloop *loop;
	struct natport_pm *pm;
	struct natport_quota *quota;          /* per-client limits */
	struct natport_session_table *sessions; /* every front end's media */
	struct natport_media *media;          /* SDP <-> sessions */
	struct natport_proxy *proxy;          /* the SIP front end */
	struct natport_ng *ng; /* the ng front end (rtpengine protocol) */
	struct natport_pcp_server *pcp;       /* the PCP/NAT-PMP front end */
	struct natport_control *ctl; /* control socket (nat-portctl) */
	struct natport_quality *q;   /* RTP statistics (natport_rtp) */
	struct natport_alg alg;      /* the kernel's SIP helper */
	/* the state file (core/state.h): saved shortly after a change */
	int state_dirty;
	unsigned int state_ticks;
};

#define STATE_SAVE_MS 200 /* debounce: at most this late after a change */
#define STATE_REFRESH_TICKS 25 /* and every 5 s (registrar bindings) */

static int state_enabled(const struct daemon *d)
{
	return strcmp(d->cfg.state_file, "/dev/null") != 0;
}

static void state_save(struct daemon *d)
{
	uint64_t secret = natport_proxy_secret(d->proxy);
	struct natport_state_src src = {
		.pm = d->pm,
		.sessions = d->sessions,
		.calls = natport_proxy_calls(d->proxy),
		.reg = natport_proxy_registrar(d->proxy),
		.secret = &secret,
		.pcp = d->pcp,
		.ng = d->ng,
	};
	char err[400];

	if (!state_enabled(d))
		return;
	if (natport_state_save(d->cfg.state_file, &src,
			       natport_mono_ms(), err, sizeof(err)))
		log_warnx_rl("state file %s: not saved: %s",
			     d->cfg.state_file, err);
	d->state_dirty = 0;
}

static void on_state_timer(void *arg)
{
	struct daemon *d = arg;

	if (d->state_dirty || ++d->state_ticks >= STATE_REFRESH_TICKS) {
		d->state_ticks = 0;
		state_save(d);
	}
	if (!natport_evloop_timer_add(d->loop, STATE_SAVE_MS, on_state_timer,
				      d))
		log_warnx("state file: no timer (out of memory)");
}

/* Take back what a previous instance left: its entries were adopted by
 * the port manager at open; the file says whose they are. */
static void state_restore(struct daemon *d)
{
	uint64_t secret = 0;
	struct natport_state_src src = {
		.pm = d->pm,
		.sessions = d->sessions,
		.calls = natport_proxy_calls(d->proxy),
		.reg = natport_proxy_registrar(d->proxy),
		.secret = &secret,
		.pcp = d->pcp,
		.ng = d->ng,
	};
	struct natport_state_result res = { 0 };
	struct natport_pm_stats st;
	uint64_t t0 = natport_mono_ms();
	char err[400];
	int r = 0;

	if (state_enabled(d))
		r = natport_state_load(d->cfg.state_file, &src, t0, &res, err,
				       sizeof(err));
	natport_proxy_set_secret(d->proxy, secret); /* 0: keep the new one */
	natport_pm_get_stats(d->pm, &st);
	if (r < 0)
		log_warnx("state file %s: refused: %s; its calls are not "
			  "restored, the %llu adopted entries are removed "
			  "after adopt-grace unless claimed",
			  d->cfg.state_file, err,
			  (unsigned long long)st.adopted);
	else if (st.adopted || r || res.bindings)
		log_info("restart: %llu kernel entries adopted, %u calls "
			 "restored (%u mappings, %u failed), %u bindings, "
			 "%u static mappings, %u pcp leases, %u ng calls, "
			 "%llu entries left unclaimed, %llu rejected, in "
			 "%llu ms",
			 (unsigned long long)st.adopted,
			 res.kinds[NATPORT_SESSION_SIP], res.mappings,
			 res.failed, res.bindings,
			 res.kinds[NATPORT_SESSION_STATIC],
			 res.kinds[NATPORT_SESSION_PCP],
			 res.kinds[NATPORT_SESSION_NG],
			 (unsigned long long)(st.adopted - st.adopt_claimed),
			 (unsigned long long)st.adopt_rejected,
			 (unsigned long long)(natport_mono_ms() - t0));
	/* the leases' clients are known only now: tell them (unicast
	 * ANNOUNCE, RFC 6887 14.1.3), the schedule started again */
	if (res.kinds[NATPORT_SESSION_PCP])
		natport_pcp_server_announce(d->pcp);
	if (res.rtp_streams)
		log_info("restart: %u RTP streams registered again with "
			 "natport_rtp, their statistics kept",
			 res.rtp_streams);
	d->state_dirty = 1;
}

static unsigned int sessions_live(const struct daemon *d)
{
	unsigned int n = 0;

	for (int k = 0; k < __NATPORT_SESSION_KIND_MAX; k++)
		n += natport_session_count(d->sessions, k);
	return n;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nat-portd [-fhn] [-c file]\n"
		"  -c file   configuration file (default %s)\n"
		"  -f        stay in the foreground, log to stderr\n"
		"  -n        check the configuration (and its TLS files) and exit\n"
		"  -h        this help\n"
		"signals: SIGHUP reloads, SIGTERM exits (keeping calls, static\n"
		"mappings, PCP leases and ng calls for the next start unless\n"
		"release-on-stop yes), SIGUSR1 logs counters\n",
		NATPORT_CONFIG_DEFAULT_PATH);
}

static void on_pm_fd(int fd, uint32_t events, void *arg)
{
	struct daemon *d = arg;
	int err = natport_pm_dispatch(d->pm);

	if (err)
		log_warnx_rl("port manager: %s (%s)", natport_strerror(err),
			     natport_pm_last_error(d->pm));
	/* after the dispatch: a check calls into pm, a callback may not */
	natport_alg_after_dispatch(&d->alg, d->pm, natport_evloop_now(d->loop));
}

static void on_pm_event(const struct natport_event *ev, void *arg)
{
	struct daemon *d = arg;
	char i[NATPORT_ENDPOINT_STRLEN], e[NATPORT_ENDPOINT_STRLEN];

	natport_control_pm_event(d->ctl, ev);
	natport_alg_event(&d->alg, ev);
	if (ev->type != NATPORT_EV_DESTROYED && ev->type != NATPORT_EV_RESTORED)
		return;
	log_info("mapping %u %s <-> %s: kernel entry %s", ev->mapping.id,
		 natport_endpoint_format(&ev->mapping.internal, i, sizeof(i)),
		 natport_endpoint_format(&ev->mapping.external, e, sizeof(e)),
		 ev->type == NATPORT_EV_DESTROYED ? "destroyed" : "restored");
}

static void on_session_event(enum natport_session_event type,
			     const struct natport_session *s, void *arg)
{
	static const char *const names[] = { "new", "state", "media", "end" };
	struct daemon *d = arg;

	natport_control_session_event(d->ctl, type, s);
	d->state_dirty = 1;
	if (type != NATPORT_SESSION_EV_END) /* the end logs its own line */
		log_debug("session %llu (%s %s) %s: %s",
			  (unsigned long long)s->id,
			  natport_session_kind_name(s->kind), s->key,
			  names[type], natport_session_state_name(s));
}

/* The same figures as nat-portctl stats, from the same table. */
static void log_stats(struct daemon *d)
{
	struct natport_stats_sources src = {
		.pm = d->pm,
		.proxy = d->proxy,
		.media = d->media,
		.alg = &d->alg,
		.pcp = d->pcp,
		.ctl = d->ctl,
	};
	struct natport_stats_view v;
	char line[2048];

	natport_stats_read(&v, &src, 0);
	/* one line, key=value, for people and for tests */
	log_warnx("%s", natport_stats_line(&v, line, sizeof(line)));
}

static void reload_config(struct daemon *d)
{
	struct natport_config cfg;
	const char *key;
	char err[512];

	if (natport_config_load(&cfg, d->config_path, err, sizeof(err))) {
		log_warnx("reload failed, keeping the old configuration: %s",
			  err);
		return;
	}
	key = natport_config_restart_needed(&d->cfg, &cfg);
	if (key) {
		log_warnx("reload: %s changed; it needs a restart, keeping "
			  "the old configuration",
			  key);
		return;
	}
	d->cfg = cfg;
	natport_log_set_level(cfg.log_level);
	natport_quota_set_max(d->quota, cfg.max_mappings_per_client);
	natport_media_set_config(d->media, &cfg);
	natport_proxy_reload(d->proxy, &cfg);
	natport_control_reload(d->ctl, &cfg);
	natport_ng_reload(d->ng, &cfg);
	natport_pcp_server_reload(d->pcp, &cfg);
	log_info("configuration reloaded");
}

/* A renewed certificate (or key, or CA file) under the same paths, for
 * the handshakes from now on, whether or not the configuration changes:
 * every TLS key is a restart key, so the running one names the files. */
static void reload_tls(struct daemon *d)
{
	char err[512];
	int n = natport_tls_reload(&d->cfg, err, sizeof(err));

	if (n < 0)
		log_warnx_rl("reload: TLS files refused, the certificates in "
			     "use stay: %s",
			     err);
	else if (n > 0)
		log_info("reload: TLS files read again for new handshakes%s%s",
			 err[0] ? "; tls-cert " : "", err);
}

static void on_signal(int signo, void *arg)
{
	struct daemon *d = arg;

	switch (signo) {
	case SIGTERM:
	case SIGINT:
		log_info("signal %d: exiting", signo);
		natport_evloop_stop(d->loop);
		break;
	case SIGUSR1:
		log_stats(d);
		natport_ng_log_stats(d->ng);
		break;
	case SIGHUP:
		reload_tls(d);
		reload_config(d);
		break;
	}
}

static struct natport_pm *open_pm(const struct natport_config *cfg)
{
	struct natport_pm_config pc;
	char err[512];
	struct natport_pm *pm;

	memset(&pc, 0, sizeof(pc));
	pc.external = cfg->wan_address;
	pc.external.port = 0;
	for (unsigned int i = 0; i < cfg->n_lan_prefix; i++)
		pc.internal[i] = cfg->lan_prefix[i];
	pc.n_internal = cfg->n_lan_prefix;
	pc.port_min = cfg->port_min;
	pc.port_max = cfg->port_max;
	pc.quarantine_ms = cfg->quarantine_ms;
	pc.own_ports[0] = cfg->sip_port; /* the provider must see it */
	for (unsigned int i = 0; i < cfg->n_media_address; i++)
		pc.external_more[i] = cfg->media_address[i];
	pc.n_external_more = cfg->n_media_address;
	/* IPv6 media: pinholes, or NAT66 onto wan-address6 (issue 16) */
	pc.external6 = cfg->wan_address6;
	pc.external6.port = 0;
	pc.nat66 = (uint8_t)cfg->nat66;
	/* a previous instance's entries are calls to take back, not litter
	 * (issue 14); whatever nobody claims goes after adopt-grace */
	pc.adopt = 1;
	pc.adopt_grace_ms = cfg->adopt_grace_ms;
	pm = natport_pm_open(&pc, err, sizeof(err));
	if (!pm)
		fatalx("port manager: %s", err);
	log_info("port manager: %s", natport_pm_limits(pm));
	return pm;
}

/* Room for every TCP connection (both sides) and the rest: the soft
 * limit up to what is wanted, never past the hard one. */
static void raise_nofile(unsigned long want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		log_warn("setrlimit RLIMIT_NOFILE %lu", want);
	else if (rl.rlim_cur < want)
		log_warnx("only %lu file descriptors (hard limit): fewer TCP "
			  "connections than tcp-max-connections fit",
			  (unsigned long)rl.rlim_cur);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon d = { .config_path = NATPORT_CONFIG_DEFAULT_PATH };
	int foreground = 0, check = 0, keep = 0, ch, err;
	char errbuf[512];

	while ((ch = getopt_long(argc, argv, "c:fhn", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			d.config_path = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (natport_config_load(&d.cfg, d.config_path, errbuf,
				sizeof(errbuf))) {
		fprintf(stderr, "%s\n", errbuf);
		return 1;
	}
	/* certificate files open, match and are private, with -n and at
	 * every start alike (a start must not fail later, in the loop) */
	if (natport_tls_check_config(&d.cfg, errbuf, sizeof(errbuf))) {
		fprintf(stderr, "%s: %s\n", d.config_path, errbuf);
		return 1;
	}
	if (check) {
		printf("configuration OK\n");
		return 0;
	}
	natport_log_init("nat-portd", 1, d.cfg.log_level);
	if (!foreground && daemon(0, 0) < 0)
		fatal("daemon");
	natport_log_init("nat-portd", foreground, d.cfg.log_level);

	d.loop = natport_evloop_new();
	if (!d.loop)
		fatal("event loop");
	d.pm = open_pm(&d.cfg);
	natport_pm_set_event_cb(d.pm, on_pm_event, &d);
	err = natport_evloop_add_fd(d.loop, natport_pm_fd(d.pm), EPOLLIN,
				    on_pm_fd, &d);
	if (err)
		fatalx("event loop: %s", strerror(-err));
	d.quota = natport_quota_new(d.cfg.max_mappings_per_client);
	d.sessions = d.quota ? natport_session_table_new(d.pm, d.quota) : NULL;
	d.media = d.sessions ? natport_media_new(d.pm, d.sessions, &d.cfg) :
			       NULL;
	if (!d.media)
		fatalx("out of memory");
	natport_session_table_set_hook(d.sessions, on_session_event, &d);
	if (d.cfg.sip_tcp || d.cfg.sip_tls)
		raise_nofile(2 * d.cfg.tcp_max_connections + 256);
	d.proxy = natport_proxy_new(d.loop, &d.cfg, d.sessions, d.media,
				    errbuf, sizeof(errbuf));
	if (!d.proxy)
		fatalx("sip: %s", errbuf);
	if (d.cfg.has_ng_listen) {
		d.ng = natport_ng_new(d.loop, &d.cfg, d.pm, d.sessions, d.media,
				      errbuf, sizeof(errbuf));
		if (!d.ng)
			fatalx("ng: %s", errbuf);
	}
	d.pcp = natport_pcp_server_new(d.loop, &d.cfg, d.pm, d.sessions,
				       errbuf, sizeof(errbuf));
	if (!d.pcp && errbuf[0])
		fatalx("%s", errbuf);
	if (natport_evloop_signal(d.loop, SIGTERM, on_signal, &d) ||
	    natport_evloop_signal(d.loop, SIGINT, on_signal, &d) ||
	    natport_evloop_signal(d.loop, SIGHUP, on_signal, &d) ||
	    natport_evloop_signal(d.loop, SIGUSR1, on_signal, &d))
		fatal("signals");
	signal(SIGPIPE, SIG_IGN);
	/* optional: without the kernel module this logs why, once */
	d.q = natport_quality_new(d.loop, d.pm);
	natport_session_table_set_quality(d.sessions, d.q);
	d.ctl = natport_control_new(d.loop, &d.cfg, d.pm, d.sessions, d.media,
				    d.proxy, errbuf, sizeof(errbuf));
	if (!d.ctl) {
		/* a path that is not ours (a file, a live daemon's socket) is
		 * an operator's mistake to fix, not to run around; everything
		 * made so far is undone below */
		log_warnx("control socket: %s; not starting", errbuf);
		err = -EEXIST;
		goto stop;
	}
	natport_control_set_alg(d.ctl, &d.alg);
	natport_control_set_pcp(d.ctl, d.pcp);
	state_restore(&d);
	on_state_timer(&d);
	natport_alg_check(&d.alg, d.pm, natport_evloop_now(d.loop));
	if (d.cfg.lan_address6.family || d.cfg.wan_address6.family)
		log_info("IPv6: SIP on %s (LAN) and %s (WAN), media %s",
			 natport_endpoint_format(&d.cfg.lan_address6, errbuf,
						 64),
			 natport_endpoint_format(&d.cfg.wan_address6,
						 errbuf + 64, 64),
			 d.cfg.nat66 ? "NAT66" : "pinholes");
	log_info("nat-portd %s: SIP on %s (LAN) and %s (WAN), ready",
		 NATPORT_VERSION,
		 natport_endpoint_format(&d.cfg.lan_address, errbuf, 64),
		 natport_endpoint_format(&d.cfg.wan_address, errbuf + 64, 64));

	err = natport_evloop_run(d.loop);
	if (err)
		log_warnx("event loop: %s", strerror(-err));
stop:
	/* an idle daemon leaves nothing (bindings stay in the file); a
	 * static mapping, a lease or an ng call is kept like a call */
	if (!err && d.ctl && !d.cfg.release_on_stop) {
		state_save(&d);
		keep = sessions_live(&d) > 0;
	}
	natport_control_free(d.ctl);
	d.ctl = NULL;
	if (keep) {
		/* Stopping on purpose keeps the calls (issue 14): the kernel
		 * forwards on, the state file says whose the entries are,
		 * and the next instance adopts them. Nothing is released:
		 * the frees below only free memory and close sockets. */
		log_info("stopped; %u calls, %u static mappings, %u pcp "
			 "leases and %u ng calls kept with their media for the "
			 "next start (release-on-stop no)",
			 natport_session_count(d.sessions, NATPORT_SESSION_SIP),
			 natport_session_count(d.sessions,
					       NATPORT_SESSION_STATIC),
			 natport_session_count(d.sessions, NATPORT_SESSION_PCP),
			 natport_session_count(d.sessions, NATPORT_SESSION_NG));
		natport_session_table_keep(d.sessions);
	}
	natport_ng_free(d.ng);	     /* ends its calls */
	natport_proxy_free(d.proxy); /* ends calls: untracks their streams */
	natport_pcp_server_free(d.pcp); /* ends the leases */
	natport_session_table_free(d.sessions); /* and the static ones */
	natport_media_free(d.media);
	natport_quota_free(d.quota);
	if (keep)
		natport_quality_detach(d.q);
	else
		natport_quality_free(d.q);
	natport_evloop_del_fd(d.loop, natport_pm_fd(d.pm));
	if (keep) {
		natport_pm_detach(d.pm);
		natport_evloop_free(d.loop);
		return 0;
	}
	natport_pm_close(d.pm);
	/* everything released: nothing for a next instance to take back */
	if (state_enabled(&d) && d.cfg.release_on_stop &&
	    unlink(d.cfg.state_file) && errno != ENOENT)
		log_warnx("state file %s: %s", d.cfg.state_file,
			  strerror(errno));
	natport_evloop_free(d.loop);
	log_info("stopped");
	return err ? 1 : 0;
}
