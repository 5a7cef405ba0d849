// SPDX-License-Identifier: LGPL-2.1-or-later
/* natport-pcp-example - a LAN application's IRTCPortManager over PCP: get
 * an RTP/RTCP pair from the router, print the SDP lines it would send,
 * narrow the mapping to the far end, release.
 *
 *   natport-pcp-example [-s router[:port]] [-l local-address]
 *                       [-p rtp-port] [-r remote-address:port]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <natport/pcp.h>

int main(int argc, char **argv)
{
	struct natport_pcp_config cfg = { 0 };
	struct natport_endpoint remote = { 0 };
	struct natport_pcp_mapping m;
	struct natport_pcp *c;
	char err[160], a[64];
	unsigned long port = 5000;
	int opt, r;

	while ((opt = getopt(argc, argv, "s:l:p:r:")) != -1) {
		switch (opt) {
		case 's':
			if (natport_endpoint_parse(optarg, &cfg.server))
				goto usage;
			break;
		case 'l':
			if (natport_endpoint_parse(optarg, &cfg.local))
				goto usage;
			break;
		case 'p':
			port = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			if (natport_endpoint_parse(optarg, &remote))
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	c = natport_pcp_open(&cfg, err, sizeof(err));
	if (!c) {
		fprintf(stderr, "natport-pcp-example: %s\n", err);
		return 1;
	}
	/* GetMapping: RTP and RTCP, before the SDP goes out */
	r = natport_pcp_get_mapping(c, (uint16_t)port, 1, &m);
	if (r) {
		fprintf(stderr, "get mapping: %s (%s)\n", natport_strerror(r),
			natport_pcp_last_error(c));
		natport_pcp_close(c);
		return 1;
	}
	natport_endpoint_format(&m.external, a, sizeof(a));
	fprintf(stderr, "mapped over %s: internal port %u -> %s (RTCP +1), "
		"lifetime %u s\n",
		natport_pcp_protocol(c) == NATPORT_PCP_PROTO_NATPMP ? "NAT-PMP"
								   : "PCP",
		m.internal.port, a, m.lifetime);
	{
		struct natport_endpoint addr = m.external;

		addr.port = 0; /* c= has no port (RFC 8866 section 5.7) */
		natport_endpoint_format(&addr, a, sizeof(a));
		printf("c=IN IP4 %s\n", a);
		printf("m=audio %u RTP/AVP 0\n", m.external.port);
	}
	/* UpdateRemoteAddress: the answer's c= and m= */
	if (remote.family) {
		r = natport_pcp_update_remote(c, m.id, &remote, NULL);
		natport_endpoint_format(&remote, a, sizeof(a));
		fprintf(stderr, "remote %s: %s\n", a,
			r ? natport_strerror(r) : "ok");
	}
	/* ReleaseMapping: the call ended */
	r = natport_pcp_release(c, m.id);
	fprintf(stderr, "released: %s\n", r ? natport_strerror(r) : "ok");
	natport_pcp_close(c);
	return r ? 1 : 0;
usage:
	fprintf(stderr, "usage: natport-pcp-example [-s router[:port]] "
			"[-l local-address] [-p rtp-port] "
			"[-r remote-address:port]\n");
	return 2;
}
