/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * server.h - nat-portd's control socket server (the protocol is
 * include/natport/control.h): the listening socket, its clients, their
 * buffers and their peer credentials, on the daemon's one event loop. What
 * each command does is in commands.c, the records it sends in records.c.
 *
 * Who may do what: the socket is mode 0660, group control-group (default
 * natport), so only root, nat-portd's own user and that group can
 * connect; the server checks again per command from the peer's
 * credentials (SO_PEERCRED, SO_PEERGROUPS): reading commands are for all
 * of them, commands that change state (flush, mappings add and del) only
 * for root, nat-portd's own user and members of control-admin-group. No
 * uid holds more than NATPORT_CTL_MAX_CLIENTS_PER_UID connections.
 *
 * The socket path: a stale socket (one nobody answers on) is replaced;
 * a live one, or anything that is not a socket, is an error and is left
 * alone. On free the path is unlinked only if it is still our socket.
 *
 * Ownership: the server owns its listening socket, its clients and their
 * buffers; it borrows the loop, the port manager, the session table, the
 * media module and the proxy (for SIP counters), which must outlive it.
 * The owner forwards the port manager's events and the session table's
 * hook to natport_control_pm_event() and natport_control_session_event();
 * those only queue output and never call back into the port manager.
 */
#ifndef NATPORT_DAEMON_CONTROL_H
#define NATPORT_DAEMON_CONTROL_H

#include <stddef.h>

#include <natport/natport.h>

#include "core/config.h"
#include "core/evloop.h"
#include "core/session.h"
#include "media/streams.h"
#include "sip/proxy.h"

struct natport_control;
struct natport_alg;
struct natport_pcp_server;

struct natport_control_stats {
	uint64_t connections, requests, bad_requests, dropped_clients,
		refused_busy, refused_denied;
	unsigned int clients, watchers;
};

/* natport_control_new - listen on cfg->control_socket with the groups of
 * cfg (see above). NULL with the reason in err. */
struct natport_control *
natport_control_new(struct natport_evloop *loop,
		    const struct natport_config *cfg, struct natport_pm *pm,
		    struct natport_session_table *sessions,
		    struct natport_media *media, struct natport_proxy *proxy,
		    char *err, size_t errlen);
/* Disconnect every client, close the socket, unlink it if it is still
 * ours. NULL is allowed. */
void natport_control_free(struct natport_control *ctl);
/* Apply a reloaded config: the socket's group and the admin group (the
 * path needs a restart). NULL ctl ok. */
void natport_control_reload(struct natport_control *ctl,
			    const struct natport_config *cfg);

void natport_control_pm_event(struct natport_control *ctl,
			      const struct natport_event *ev);
void natport_control_session_event(struct natport_control *ctl,
				   enum natport_session_event type,
				   const struct natport_session *s);
/* Show the kernel SIP helper's state in stats (borrowed). NULL ctl ok. */
void natport_control_set_alg(struct natport_control *ctl,
			     const struct natport_alg *alg);
/* Show the PCP front end's counters in stats (borrowed; NULL: PCP is
 * off). NULL ctl ok. */
void natport_control_set_pcp(struct natport_control *ctl,
			     const struct natport_pcp_server *pcp);
void natport_control_get_stats(struct natport_control *ctl,
			       struct natport_control_stats *out);

#endif /* NATPORT_DAEMON_CONTROL_H */
