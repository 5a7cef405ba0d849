/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * addr6.h - which of a side's two addresses (IPv4 and IPv6, issue 16) the
 * proxy shows a peer. A dual-stack side has one transport with a socket
 * per family (sip/transport.h, local and local6); every address nat-portd
 * writes into a message for a peer (Via, Record-Route, a Contact shown on
 * the WAN side) is the one of that peer's family, so a reply or an
 * in-dialog request comes back over the family it left on. libosip2 keeps
 * hosts without brackets and writes "[...]" itself where an IPv6
 * reference needs them (RFC 5118 section 4.1), and received= carries the
 * bare address (RFC 3261's grammar, RFC 5118 section 4.5).
 */
#ifndef NATPORT_SIP_ADDR6_H
#define NATPORT_SIP_ADDR6_H

#include <osipparser2/osip_parser.h>

#include "core/config.h"
#include "sip/transport.h"

/* natport_sip_local_for - tp's address of peer's family (local6 for an
 * IPv6 peer when tp has one), else its first address. */
const struct natport_endpoint *
natport_sip_local_for(const struct natport_sip_transport *tp,
		      const struct natport_endpoint *peer);

/* natport_sip_wan_for - the router's WAN SIP address for a peer of that
 * family: wan-address6 for IPv6 when configured, else wan-address. */
const struct natport_endpoint *
natport_sip_wan_for(const struct natport_config *cfg,
		    const struct natport_endpoint *peer);

/* natport_sip_via_is_local - 1 if via names one of tp's addresses. */
int natport_sip_via_is_local(osip_via_t *via,
			     const struct natport_sip_transport *tp);

/* natport_sip_uri_is_local - 1 if uri names one of tp's addresses. */
int natport_sip_uri_is_local(const osip_uri_t *uri,
			     const struct natport_sip_transport *tp);

/* natport_sip_add_local6 - give tp its IPv6 socket when ep is set (a
 * no-op for AF_UNSPEC). 0, or -1 with the reason in err. */
int natport_sip_add_local6(struct natport_sip_transport *tp,
			   const struct natport_endpoint *ep, char *err,
			   size_t errlen);

#endif /* NATPORT_SIP_ADDR6_H */
