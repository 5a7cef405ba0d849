/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * quota.h - per-client limits shared by every front end.
 *
 * A client is a LAN host (an address, no port). Whatever front end
 * creates media for it (a SIP call, later a PCP lease or an ng call), the
 * mappings it holds count together against max-mappings-per-client. A
 * front end asks natport_quota_room() BEFORE it allocates anything, so a
 * refused request costs no port and leaves nothing in quarantine; the
 * session core then takes and puts one unit per mapping a session owns.
 *
 * Ownership: the quota owns its per-client records; a client is forgotten
 * when its last unit is put back.
 */
#ifndef NATPORT_CORE_QUOTA_H
#define NATPORT_CORE_QUOTA_H

#include <natport/natport.h>

struct natport_quota;

struct natport_quota *natport_quota_new(unsigned int max_per_client);
void natport_quota_free(struct natport_quota *q);
void natport_quota_set_max(struct natport_quota *q,
			   unsigned int max_per_client);
unsigned int natport_quota_max(const struct natport_quota *q);

/* Units the client may still take (0 when at its limit). An unspecified
 * client (AF_UNSPEC: an operator's static mapping) is not limited. */
unsigned int natport_quota_room(const struct natport_quota *q,
				const struct natport_endpoint *client);
/* Take one unit: 0, or -1 when the client is at its limit or ENOMEM. */
int natport_quota_take(struct natport_quota *q,
		       const struct natport_endpoint *client);
void natport_quota_put(struct natport_quota *q,
		       const struct natport_endpoint *client);
/* Units the client holds now. */
unsigned int natport_quota_used(const struct natport_quota *q,
				const struct natport_endpoint *client);
/* Clients holding at least one unit. */
unsigned int natport_quota_clients(const struct natport_quota *q);

#endif /* NATPORT_CORE_QUOTA_H */
