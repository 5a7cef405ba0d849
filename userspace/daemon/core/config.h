/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.h - nat-portd's configuration file: one "key value" per line,
 * '#' starts a comment, blank lines are ignored. Keys (see
 * tools/nat-portd.conf.example):
 *
 *   lan-address ADDR           router's LAN address (SIP toward phones)
 *   lan-prefix PREFIX          LAN network(s) phones live in; up to 8
 *   wan-address ADDR           router's WAN address (SIP and media outside)
 *   media-address ADDR         one more outside address for media (the
 *                              same media-port-range on each); up to 15
 *   sip-port PORT              5060
 *   upstream-proxy ADDR[:PORT] optional outbound proxy / ITSP; new
 *                              dialogs from the LAN go there
 *   media-port-range MIN-MAX   20000-29999
 *   quarantine DURATION        2s; a released port is not reused before
 *   dialog-timeout DURATION    300s of silence (no SIP, no media) ends a call
 *   invite-timeout DURATION    180s without a final answer ends a call
 *   max-mappings-per-client N  32
 *   max-calls N                4096
 *   control-socket PATH        /run/natport/nat-portd.sock
 *   log-level LEVEL            error | warning | info | debug
 *   lan-source-rate N          5000 requests/s from one LAN address
 *                              (token bucket, burst 2N; 0: no limit)
 *   lan-source-calls N         256 calls in setup from one LAN address
 *   wan-source-rate N          500, the same for one WAN address
 *   wan-source-calls N         64
 *   control-group GROUP        natport; may connect and read
 *   control-admin-group GROUP  none; may also change state (flush,
 *                              mappings add/del), as root may
 *
 * IPv6 (issue 16): lan-address and wan-address are the router's IPv4
 * addresses (the port manager's range lives on wan-address); these give
 * it a second family, so SIP is served on both. lan-prefix takes IPv6
 * prefixes too: their hosts get IPv6 media.
 *   lan-address6 ADDR          router's IPv6 LAN address (SIP toward IPv6
 *                              phones); inside an IPv6 lan-prefix
 *   wan-address6 ADDR          router's IPv6 WAN address (SIP outside;
 *                              with nat66 also the media address)
 *   nat66 yes|no               no: IPv6 media passes untranslated through
 *                              pinholes (LAN hosts with global addresses);
 *                              yes: NAT66 to wan-address6 (ULA LANs)
 *
 * The rtpengine-compatible ng front end (userspace/daemon/ng/), off
 * unless ng-listen is given:
 *
 *   ng-listen ADDR:PORT        UDP socket Kamailio's/OpenSIPS's rtpengine
 *                              module talks to (loopback or management)
 *   ng-allow PREFIX            sources allowed to send ng; repeatable, up
 *                              to 8; without any, loopback only
 *   ng-delete-delay DURATION   0s; a delete ends the media this much
 *                              later (a request's "delete delay" wins)
 *
 * PCP / NAT-PMP server on lan-address port 5351 (userspace/daemon/pcp/):
 *   pcp on|off                 on; off: no socket at all
 *   natpmp on|off              on; off: answer as a PCP-only server
 *   pcp-min-lifetime DURATION  120s (RFC 6887 section 15: not below)
 *   pcp-max-lifetime DURATION  7200s; asked lifetimes are clamped
 *   pcp-third-party on|off     off; on: THIRD_PARTY for LAN addresses
 *   pcp-rate N                 20 requests/s per client (burst 2N)
 *
 * SIP over TLS (sip/tls.h), one block:
 *   sip-tls yes|no             no; yes: TLS listeners on LAN and WAN
 *   sip-tls-port PORT          5061
 *   tls-cert PATH              the listeners' certificate chain (PEM)
 *   tls-key PATH               its key (PEM, mode 0600)
 *   tls-ca-file PATH           CAs the provider is verified against;
 *                              without it, the system store
 *   tls-verify yes|no          yes: verify the provider's certificate
 *                              and name
 *   tls-client-cert PATH       optional certificate toward the provider
 *   tls-client-key PATH        its key (mode 0600)
 *   tls-min-version 1.2|1.3    1.2
 *   tls-server-name NAME       the name the provider's certificate must
 *                              carry (and SNI); default its IP address
 *
 * DURATION is a number with an optional unit: ms, s (default), m, h.
 * Errors name the file and line: "FILE:LINE: reason".
 */
#ifndef NATPORT_CONFIG_H
#define NATPORT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <natport/natport.h>
#include <natport/policy.h>

#define NATPORT_CONFIG_MAX_PREFIXES 8
#define NATPORT_CONFIG_DEFAULT_PATH "/etc/natport/nat-portd.conf"

/* Under RuntimeDirectory: the kernel's entries do not outlive a reboot,
 * and neither must the state that describes them. */
#define NATPORT_STATE_DEFAULT_PATH "/run/natport/state"

struct natport_config {
	struct natport_endpoint lan_address, wan_address; /* port = sip_port */
	struct natport_endpoint media_address[NATPORT_MAX_EXTERNAL - 1];
	unsigned int n_media_address;
	struct natport_prefix lan_prefix[NATPORT_CONFIG_MAX_PREFIXES];
	unsigned int n_lan_prefix;
	uint16_t sip_port;
	int has_upstream;
	struct natport_endpoint upstream; /* port 5060 if not given */
	int upstream_proto; /* enum natport_sip_proto: ;transport= */
	uint16_t port_min, port_max;
	uint32_t quarantine_ms;
	uint32_t dialog_timeout_ms;
	uint32_t invite_timeout_ms;
	unsigned int max_mappings_per_client;
	unsigned int max_calls;
	char control_socket[108];
	int log_level; /* LOG_* */
	/* the control socket's permissions (ctl/server.h); "" = default */
	char control_group[33], control_admin_group[33];

	/* ng front end (rtpengine protocol); has_ng_listen 0: off */
	int has_ng_listen;
	struct natport_endpoint ng_listen;
	struct natport_prefix ng_allow[NATPORT_CONFIG_MAX_PREFIXES];
	unsigned int n_ng_allow;
	uint32_t ng_delete_delay_ms;
	/* PCP / NAT-PMP front end */
	int pcp, natpmp, pcp_third_party;
	uint32_t pcp_min_lifetime_s, pcp_max_lifetime_s;
	unsigned int pcp_rate;
	/* per source address (issue 10 point 5): requests/s, calls in setup */
	unsigned int lan_source_rate, lan_source_calls;
	unsigned int wan_source_rate, wan_source_calls;
	/* restarts (issue 14, core/state.h): where the state lives, whether
	 * a stop releases every mapping, how long adopted entries wait to
	 * be claimed */
	char state_file[256];
	int release_on_stop;
	uint32_t adopt_grace_ms;
	/* IPv6 (issue 16): AF_UNSPEC when not configured; port = sip_port */
	struct natport_endpoint lan_address6, wan_address6;
	int nat66;
	/* SIP over TCP (issue 13, sip/tcp.c): listeners on lan-address and
	 * wan-address, and the bounds every connection lives within */
	int sip_tcp;
	uint16_t sip_tcp_port; /* 0: sip-port */
	unsigned int tcp_max_connections, tcp_max_per_peer;
	uint32_t tcp_idle_timeout_ms;
	uint32_t tcp_max_output; /* octets queued on one connection */
	/* SIP over TLS (sip/tls.h); a path "" is not given */
	int sip_tls, tls_verify;
	uint16_t sip_tls_port;
	int tls_min_version; /* wire value: 0x0303 TLS 1.2, 0x0304 TLS 1.3 */
	char tls_cert[256], tls_key[256], tls_ca_file[256];
	char tls_client_cert[256], tls_client_key[256];
	char tls_server_name[256];

	/* Built by natport_config_parse from lan-prefix, lan-address and
	 * wan-address: the one address policy the proxy and the media code
	 * consult (plain data, so a copy of the config carries it). */
	struct natport_policy policy;
};

void natport_config_defaults(struct natport_config *cfg);

/* natport_config_parse - parse buf[0..len) named name (for messages).
 * Returns 0, or -1 with "name:line: reason" in err; cfg is only written on
 * success. */
int natport_config_parse(struct natport_config *cfg, const char *name,
			 const char *buf, size_t len, char *err,
			 size_t errlen);

/* natport_config_load - read and parse a file, same contract. */
int natport_config_load(struct natport_config *cfg, const char *path,
			char *err, size_t errlen);

/* natport_config_parse_duration - "500ms", "2s", "3", "1m" -> ms; -1 bad */
int natport_config_parse_duration(const char *s, uint32_t *ms);

/* natport_config_restart_needed - a key SIGHUP cannot change differs;
 * returns its name, or NULL if the new config can be applied live. */
const char *natport_config_restart_needed(const struct natport_config *old,
					  const struct natport_config *new);

#endif /* NATPORT_CONFIG_H */
