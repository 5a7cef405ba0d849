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
#include <unistd.h>

#include <natport/natport.h>

#include "config.h"
#include "control.h"
#include "evloop.h"
#include "log.h"
#include "media.h"
#include "quality.h"
#include "sip_proxy.h"

struct daemon {
	const char *config_path;
	struct natport_config cfg;
	struct natport_evloop *loop;
	struct natport_pm *pm;
	struct natport_proxy *proxy;
	struct natport_control *ctl; /* control socket (nat-portctl) */
	struct natport_quality *q;   /* RTP statistics (natport_rtp) */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nat-portd [-fhn] [-c file]\n"
		"  -c file   configuration file (default %s)\n"
		"  -f        stay in the foreground, log to stderr\n"
		"  -n        check the configuration and exit\n"
		"  -h        this help\n"
		"signals: SIGHUP reloads, SIGTERM exits, SIGUSR1 logs counters\n",
		NATPORT_CONFIG_DEFAULT_PATH);
}

static void on_pm_fd(int fd, uint32_t events, void *arg)
{
	struct daemon *d = arg;
	int err = natport_pm_dispatch(d->pm);

	if (err)
		log_warnx_rl("port manager: %s (%s)", natport_strerror(err),
			     natport_pm_last_error(d->pm));
}

static void on_pm_event(const struct natport_event *ev, void *arg)
{
	struct daemon *d = arg;
	char i[NATPORT_ENDPOINT_STRLEN], e[NATPORT_ENDPOINT_STRLEN];

	natport_control_pm_event(d->ctl, ev);
	if (ev->type != NATPORT_EV_DESTROYED && ev->type != NATPORT_EV_RESTORED)
		return;
	log_info("mapping %u %s <-> %s: kernel entry %s", ev->mapping.id,
		 natport_endpoint_format(&ev->mapping.internal, i, sizeof(i)),
		 natport_endpoint_format(&ev->mapping.external, e, sizeof(e)),
		 ev->type == NATPORT_EV_DESTROYED ? "destroyed" : "restored");
}

static void on_call_event(enum natport_call_event_type type,
			  const struct natport_call *c, void *arg)
{
	static const char *const names[] = { "new", "state", "media", "end" };
	struct daemon *d = arg;

	natport_control_call_event(d->ctl, type, c);
	log_debug("call %llu [%s] %s: %s -> %s, %s%s%s",
		  (unsigned long long)c->serial, c->call_id, names[type],
		  c->from, c->to, natport_call_state_name(c->state),
		  type == NATPORT_CALL_EV_END ? " " : "",
		  type == NATPORT_CALL_EV_END ?
			  natport_call_end_name(c->end_reason) : "");
}

static void log_stats(struct daemon *d)
{
	struct natport_pm_stats ps;
	struct natport_proxy_stats xs;
	struct natport_media_stats ms;

	natport_pm_get_stats(d->pm, &ps);
	natport_proxy_get_stats(d->proxy, &xs);
	natport_media_get_stats(natport_proxy_media(d->proxy), &ms);
	/* one line, key=value, for people and for tests */
	log_warnx("stats calls=%u bindings=%u rx_requests=%llu "
		  "rx_responses=%llu forwarded=%llu replied=%llu own_requests=%llu "
		  "dropped=%llu "
		  "malformed=%llu refused=%llu mappings=%u mappings_active=%u "
		  "ports_held=%u ports_quarantined=%u stray_packets=%llu "
		  "created=%llu released=%llu kernel_restored=%llu "
		  "refused_addr=%llu refused_cap=%llu refused_noport=%llu "
		  "refused_sdp=%llu media_clients=%u",
		  natport_call_count(natport_proxy_calls(d->proxy)),
		  natport_registrar_count(natport_proxy_registrar(d->proxy)),
		  (unsigned long long)xs.rx_requests,
		  (unsigned long long)xs.rx_responses,
		  (unsigned long long)xs.forwarded,
		  (unsigned long long)xs.replied,
		  (unsigned long long)xs.own_requests,
		  (unsigned long long)xs.dropped,
		  (unsigned long long)xs.malformed,
		  (unsigned long long)xs.refused, ps.mappings,
		  ps.mappings_active, ps.ports_held, ps.ports_quarantined,
		  (unsigned long long)ps.stray_packets,
		  (unsigned long long)ps.created,
		  (unsigned long long)ps.released,
		  (unsigned long long)ps.kernel_restored,
		  (unsigned long long)ms.refused_addr,
		  (unsigned long long)ms.refused_cap,
		  (unsigned long long)ms.refused_noport,
		  (unsigned long long)ms.refused_sdp, ms.clients);
}

static void on_signal(int signo, void *arg)
{
	struct daemon *d = arg;
	struct natport_config cfg;
	const char *key;
	char err[512];

	switch (signo) {
	case SIGTERM:
	case SIGINT:
		log_info("signal %d: exiting", signo);
		natport_evloop_stop(d->loop);
		break;
	case SIGUSR1:
		log_stats(d);
		break;
	case SIGHUP:
		if (natport_config_load(&cfg, d->config_path, err,
					sizeof(err))) {
			log_warnx("reload failed, keeping the old "
				  "configuration: %s", err);
			break;
		}
		key = natport_config_restart_needed(&d->cfg, &cfg);
		if (key) {
			log_warnx("reload: %s changed; it needs a restart, "
				  "keeping the old configuration", key);
			break;
		}
		d->cfg = cfg;
		natport_log_set_level(cfg.log_level);
		natport_proxy_reload(d->proxy, &cfg);
		log_info("configuration reloaded");
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
	for (unsigned int i = 0; i < cfg->n_media_address; i++)
		pc.external_more[i] = cfg->media_address[i];
	pc.n_external_more = cfg->n_media_address;
	pm = natport_pm_open(&pc, err, sizeof(err));
	if (!pm)
		fatalx("port manager: %s", err);
	log_info("port manager: %s", natport_pm_limits(pm));
	return pm;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon d = { .config_path = NATPORT_CONFIG_DEFAULT_PATH };
	int foreground = 0, check = 0, ch, err;
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
	d.proxy = natport_proxy_new(d.loop, &d.cfg, d.pm, errbuf,
				    sizeof(errbuf));
	if (!d.proxy)
		fatalx("sip: %s", errbuf);
	natport_call_table_set_hook(natport_proxy_calls(d.proxy),
				    on_call_event, &d);
	if (natport_evloop_signal(d.loop, SIGTERM, on_signal, &d) ||
	    natport_evloop_signal(d.loop, SIGINT, on_signal, &d) ||
	    natport_evloop_signal(d.loop, SIGHUP, on_signal, &d) ||
	    natport_evloop_signal(d.loop, SIGUSR1, on_signal, &d))
		fatal("signals");
	signal(SIGPIPE, SIG_IGN);
	/* optional: without the kernel module this logs why, once */
	d.q = natport_quality_new(d.loop, d.pm);
	natport_media_set_quality(natport_proxy_media(d.proxy), d.q);
	d.ctl = natport_control_new(d.loop, d.cfg.control_socket, d.pm, d.proxy,
				    d.cfg.quarantine_ms, errbuf, sizeof(errbuf));
	if (!d.ctl) /* SIP and media matter more than the operator's tool */
		log_warnx("control socket: %s; running without it", errbuf);
	log_info("nat-portd %s: SIP on %s (LAN) and %s (WAN), ready",
		 NATPORT_VERSION,
		 natport_endpoint_format(&d.cfg.lan_address, errbuf, 64),
		 natport_endpoint_format(&d.cfg.wan_address, errbuf + 64, 64));

	err = natport_evloop_run(d.loop);
	if (err)
		log_warnx("event loop: %s", strerror(-err));
	natport_control_free(d.ctl);
	d.ctl = NULL;
	natport_proxy_free(d.proxy); /* ends calls: untracks their streams */
	natport_quality_free(d.q);
	natport_evloop_del_fd(d.loop, natport_pm_fd(d.pm));
	natport_pm_close(d.pm);
	natport_evloop_free(d.loop);
	log_info("stopped");
	return err ? 1 : 0;
}
