/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pcpclient.h - what the PCP client keeps from its public header: a time
 * scale for unit tests (not exported from libnatport.so). */
#ifndef NATPORT_PCPCLIENT_H
#define NATPORT_PCPCLIENT_H

#include <natport/pcp.h>

/* natport_pcp_set_scale - how many ms a protocol second lasts (1000 by
 * default): a unit test runs renewals of 120 s leases in a second. */
void natport_pcp_set_scale(struct natport_pcp *c, unsigned int ms_per_s);

#endif
