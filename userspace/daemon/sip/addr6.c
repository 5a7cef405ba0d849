// SPDX-License-Identifier: GPL-2.0-or-later
/* addr6.c - a side's address per peer family (IPv4 / IPv6, issue 16). */
#include <string.h>

#include "sip/addr6.h"
#include "sip/msg.h"

const struct natport_endpoint *
natport_sip_local_for(const struct natport_sip_transport *tp,
		      const struct natport_endpoint *peer)
{
	if (peer && tp->local6.family && peer->family == tp->local6.family)
		return &tp->local6;
	return &tp->local;
}

const struct natport_endpoint *
natport_sip_wan_for(const struct natport_config *cfg,
		    const struct natport_endpoint *peer)
{
	if (peer && peer->family == AF_INET6 && cfg->wan_address6.family)
		return &cfg->wan_address6;
	return &cfg->wan_address;
}

int natport_sip_via_is_local(osip_via_t *via,
			     const struct natport_sip_transport *tp)
{
	return natport_sip_via_is(via, &tp->local) ||
	       (tp->local6.family && natport_sip_via_is(via, &tp->local6));
}

int natport_sip_uri_is_local(const osip_uri_t *uri,
			     const struct natport_sip_transport *tp)
{
	return natport_sip_uri_is(uri, &tp->local) ||
	       (tp->local6.family && natport_sip_uri_is(uri, &tp->local6));
}

int natport_sip_add_local6(struct natport_sip_transport *tp,
			   const struct natport_endpoint *ep, char *err,
			   size_t errlen)
{
	if (!ep->family)
		return 0;
	return natport_sip_udp_add_local(tp, ep, err, errlen);
}
