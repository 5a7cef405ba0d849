// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_proxy.c - libFuzzer: the whole SIP proxy receive path
 * (userspace/daemon/sip/proxy.h) over a stub transport, on the real port
 * manager in a network namespace of its own.
 *
 * Built without sip/udp.o (the Makefile's fuzz block): this file is the
 * transport. natport_sip_udp_open() hands the proxy a transport per side
 * that keeps the proxy's receive callback, and whose send checks and
 * drops what the proxy writes. Each input is one datagram: its first
 * octet picks the side (even: LAN) and the source among a few hosts and
 * ports of that side, the rest is delivered as the transport would (NUL
 * after the last octet, at most NATPORT_SIP_MAX_MSG). Calls, registrations
 * and port mappings made by one input stay for the next ones, so a
 * response can meet the INVITE it answers; every RESET_EVERY inputs the
 * proxy, the media and the session table are torn down and made again so
 * the state stays bounded.
 *
 * LLVMFuzzerInitialize enters a new network namespace (root needed; the
 * harness exits 77 without it), brings up lo and two veth pairs with the
 * configuration's LAN and WAN addresses, and opens the port manager
 * there, so the conntrack entries the proxy's calls install land in a
 * namespace nothing else uses. */
#include <arpa/inet.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <natport/natport.h>

#include "core/config.h"
#include "core/evloop.h"
#include "core/log.h"
#include "core/quota.h"
#include "core/session.h"
#include "media/streams.h"
#include "sip/dialog.h"
#include "sip/proxy.h"
#include "sip/transport.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RESET_EVERY 256

/* the test ranges of the brief: LAN 192.0.2.0/24, WAN 198.51.100.0/24 */
static const char conf[] =
	"lan-address 192.0.2.1\n"
	"lan-prefix 192.0.2.0/24\n"
	"wan-address 198.51.100.1\n"
	"media-port-range 20000-20199\n"
	"quarantine 200ms\n"
	"log-level error\n"
	/* the clock does not move here: token buckets would never refill
	 * and every datagram after the first burst would be dropped */
	"lan-source-rate 0\n"
	"wan-source-rate 0\n";

static const char *const lan_src[] = { "192.0.2.10", "192.0.2.11",
				       "192.0.2.1" };
static const char *const wan_src[] = { "198.51.100.20", "198.51.100.30",
				       "203.0.113.5" };
static const uint16_t src_port[] = { 5060, 5062 };

struct stub_transport {
	struct natport_sip_transport tp;
	natport_sip_recv_fn fn;
	void *arg;
};

static struct natport_config cfg;
static struct natport_evloop *loop;
static struct natport_pm *pm;
static struct natport_quota *quota;
static struct natport_session_table *sessions;
static struct natport_media *media;
static struct natport_proxy *proxy;
static struct stub_transport *side_tp[2]; /* by natport_side */
static unsigned long inputs;
static volatile unsigned char sink;

static int stub_send(struct natport_sip_transport *tp,
		     const struct natport_endpoint *dst, const char *buf,
		     size_t len)
{
	/* what leaves must be one datagram to a real address and port */
	if (!buf || !len || len > NATPORT_SIP_MAX_MSG ||
	    (dst->family != AF_INET && dst->family != AF_INET6) || !dst->port)
		abort();
	/* read every octet, so ASan sees a send of freed or short memory */
	for (size_t i = 0; i < len; i++)
		sink ^= (unsigned char)buf[i];
	tp->tx_msgs++;
	tp->tx_bytes += len;
	return 0;
}

static void stub_close(struct natport_sip_transport *tp)
{
	struct stub_transport *s = (struct stub_transport *)tp;

	for (int i = 0; i < 2; i++)
		if (side_tp[i] == s)
			side_tp[i] = NULL;
	free(s);
}

static const struct natport_sip_transport_ops stub_ops = {
	.proto = "UDP",
	.send = stub_send,
	.close = stub_close,
};

/* the proxy opens its LAN side first, then its WAN side; the side is
 * told apart by address so the order does not matter here */
struct natport_sip_transport *natport_sip_udp_open(
	struct natport_evloop *l, const struct natport_endpoint *local,
	natport_sip_recv_fn fn, void *arg, char *err, size_t errlen)
{
	struct stub_transport *s = calloc(1, sizeof(*s));
	int side = natport_endpoint_equal(local, &cfg.lan_address) ?
			   NATPORT_SIDE_LAN :
			   NATPORT_SIDE_WAN;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->tp.ops = &stub_ops;
	s->tp.local = *local;
	s->fn = fn;
	s->arg = arg;
	side_tp[side] = s;
	return &s->tp;
}

/* a side's IPv6 address (lan-address6, wan-address6): the stub's one
 * transport per side stands for both sockets */
int natport_sip_udp_add_local(struct natport_sip_transport *tp,
			      const struct natport_endpoint *local, char *err,
			      size_t errlen)
{
	(void)err;
	(void)errlen;
	tp->local6 = *local;
	return 0;
}

int natport_sip_transport_send(struct natport_sip_transport *tp,
			       const struct natport_endpoint *dst,
			       const char *buf, size_t len)
{
	return tp->ops->send(tp, dst, buf, len);
}

void natport_sip_transport_close(struct natport_sip_transport *tp)
{
	if (tp)
		tp->ops->close(tp);
}

static void die(const char *what, const char *err)
{
	fprintf(stderr, "fuzz_proxy: %s: %s\n", what, err);
	exit(1);
}

static void up(void)
{
	char err[512];

	quota = natport_quota_new(cfg.max_mappings_per_client);
	sessions = quota ? natport_session_table_new(pm, quota) : NULL;
	media = sessions ? natport_media_new(pm, sessions, &cfg) : NULL;
	if (!media)
		die("setup", "out of memory");
	proxy = natport_proxy_new(loop, &cfg, sessions, media, err,
				  sizeof(err));
	if (!proxy)
		die("proxy", err);
}

/* the daemon's shutdown order (main.c): front end, media, sessions */
static void down(void)
{
	struct natport_proxy_stats st;

	/* FUZZ_PROXY_STATS=1: what the inputs reached, to tell a deep run
	 * from one where everything is dropped at the door */
	if (getenv("FUZZ_PROXY_STATS")) {
		natport_proxy_get_stats(proxy, &st);
		fprintf(stderr,
			"fuzz_proxy: req %llu resp %llu fwd %llu replied %llu "
			"dropped %llu malformed %llu forged %llu calls %llu\n",
			(unsigned long long)st.rx_requests,
			(unsigned long long)st.rx_responses,
			(unsigned long long)st.forwarded,
			(unsigned long long)st.replied,
			(unsigned long long)st.dropped,
			(unsigned long long)st.malformed,
			(unsigned long long)st.forged,
			(unsigned long long)st.calls_created);
	}
	natport_proxy_free(proxy);
	natport_media_free(media);
	natport_session_table_free(sessions);
	natport_quota_free(quota);
	proxy = NULL;
	if (side_tp[0] || side_tp[1])
		abort(); /* the proxy left a transport open */
}

static void sh(const char *cmd)
{
	if (system(cmd))
		die("init", cmd);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct natport_pm_config pc;
	char err[512];

	if (unshare(CLONE_NEWNET)) {
		perror("fuzz_proxy: unshare(CLONE_NEWNET) (needs root)");
		exit(77);
	}
	/* veth, as the netns suites use: the kernel here has no dummy */
	sh("ip link set lo up && "
	   "ip link add np-lan type veth peer name np-lan-p && "
	   "ip link add np-wan type veth peer name np-wan-p && "
	   "ip addr add 192.0.2.1/24 dev np-lan && "
	   "ip addr add 198.51.100.1/24 dev np-wan && "
	   "for l in np-lan np-lan-p np-wan np-wan-p; do "
	   "ip link set $l up || exit 1; done");

	natport_config_defaults(&cfg);
	if (natport_config_parse(&cfg, "fuzz_proxy.conf", conf,
				 sizeof(conf) - 1, err, sizeof(err)))
		die("config", err);
	natport_log_init("fuzz_proxy", 1, cfg.log_level);

	memset(&pc, 0, sizeof(pc));
	pc.external = cfg.wan_address;
	pc.external.port = 0;
	for (unsigned int i = 0; i < cfg.n_lan_prefix; i++)
		pc.internal[i] = cfg.lan_prefix[i];
	pc.n_internal = cfg.n_lan_prefix;
	pc.port_min = cfg.port_min;
	pc.port_max = cfg.port_max;
	pc.quarantine_ms = cfg.quarantine_ms;
	pc.own_ports[0] = cfg.sip_port;
	pm = natport_pm_open(&pc, err, sizeof(err));
	if (!pm)
		die("port manager", err);
	loop = natport_evloop_new();
	if (!loop)
		die("event loop", "out of memory");
	up();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[NATPORT_SIP_MAX_MSG + 1];
	struct natport_endpoint src;
	struct stub_transport *s;
	int side;
	uint8_t sel;

	if (!size || size - 1 > NATPORT_SIP_MAX_MSG)
		return 0;
	sel = data[0];
	side = sel & 1 ? NATPORT_SIDE_WAN : NATPORT_SIDE_LAN;
	memset(&src, 0, sizeof(src));
	src.family = AF_INET;
	inet_pton(AF_INET,
		  side == NATPORT_SIDE_LAN ? lan_src[(sel >> 1) % 3] :
					     wan_src[(sel >> 1) % 3],
		  &src.addr.v4);
	src.port = src_port[(sel >> 3) & 1];
	/* as udp.c delivers it: the transport's buffer, NUL-terminated */
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	s = side_tp[side];
	if (!s)
		abort();
	s->tp.rx_msgs++;
	s->tp.rx_bytes += size - 1;
	s->fn(&s->tp, &src, buf, size - 1, s->arg);

	/* the kernel's answers to what the calls installed */
	natport_pm_dispatch(pm);
	if (++inputs % 16 == 0)
		natport_proxy_sweep(proxy);
	if (inputs % RESET_EVERY == 0) {
		down();
		up();
	}
	return 0;
}
