/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * server.h - nat-portd's control socket server (the protocol is
 * include/natport/control.h): lists calls and mappings, adds and deletes
 * static mappings, flushes, reports statistics and streams events to
 * watchers, all on the daemon's one event loop.
 *
 * Ownership: the server owns its listening socket (and its path, unlinked
 * on free), its clients and their buffers; it borrows the loop, the port
 * manager, the session table, the media module and the proxy (for SIP
 * counters), which must outlive it. The owner forwards the port manager's
 * events and the session table's hook to natport_control_pm_event() and
 * natport_control_session_event();
 * those only queue output and never call back into the port manager.
 */
#ifndef NATPORT_DAEMON_CONTROL_H
#define NATPORT_DAEMON_CONTROL_H

#include <stddef.h>

#include <natport/natport.h>

#include "core/evloop.h"
#include "core/session.h"
#include "media/streams.h"
#include "sip/proxy.h"

struct natport_control;

struct natport_control_stats {
	uint64_t connections, requests, bad_requests, dropped_clients,
		refused_busy;
	unsigned int clients, watchers;
};

/* natport_control_new - listen on path (mode 0660, group natport if it
 * exists). A stale socket file is replaced; a live one (another daemon
 * answering) is an error. NULL with the reason in err. */
struct natport_control *
natport_control_new(struct natport_evloop *loop, const char *path,
		    struct natport_pm *pm, struct natport_session_table *sessions,
		    struct natport_media *media, struct natport_proxy *proxy,
		    uint32_t quarantine_ms, char *err, size_t errlen);
/* Disconnect every client, close and unlink the socket. NULL is allowed. */
void natport_control_free(struct natport_control *ctl);

void natport_control_pm_event(struct natport_control *ctl,
			      const struct natport_event *ev);
void natport_control_session_event(struct natport_control *ctl,
				   enum natport_session_event type,
				   const struct natport_session *s);
/* Show the kernel SIP helper's state in stats (borrowed). NULL ctl ok. */
struct natport_alg;
void natport_control_set_alg(struct natport_control *ctl,
			     const struct natport_alg *alg);
void natport_control_get_stats(struct natport_control *ctl,
			       struct natport_control_stats *out);

#endif /* NATPORT_DAEMON_CONTROL_H */
