/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alg.h - watch for the kernel's SIP helper (nf_conntrack_sip), which
 * rewrites SIP and SDP blindly and opens its own media expectations on
 * exactly the traffic natport handles. nat-portd checks at start and
 * whenever the nft ruleset changes (a firewall reload: the port manager's
 * NATPORT_EV_RULESET), logs once per change, and shows the state in
 * nat-portctl stats ("sip_alg").
 */
#ifndef NATPORT_CORE_ALG_H
#define NATPORT_CORE_ALG_H

#include <stdint.h>

#include <natport/natport.h>

enum natport_alg_state {
	NATPORT_ALG_UNKNOWN, /* not checked yet, or cannot tell */
	NATPORT_ALG_INACTIVE,
	NATPORT_ALG_ACTIVE,
};

struct natport_alg {
	enum natport_alg_state state;
	char why[160]; /* the culprit (active) or the error */
	uint64_t checked_ms;
	int ruleset_changed; /* an event came: check after the dispatch */
};

/* Check now; logs when the state changed. Returns the state. */
enum natport_alg_state natport_alg_check(struct natport_alg *a,
					 struct natport_pm *pm,
					 uint64_t now_ms);
/* natport_alg_event - from the port manager's event callback: notes a
 * NATPORT_EV_RULESET (it may not call back into pm from there). */
void natport_alg_event(struct natport_alg *a, const struct natport_event *ev);
/* natport_alg_after_dispatch - once natport_pm_dispatch() returned: check
 * again if the ruleset changed since the last check. */
void natport_alg_after_dispatch(struct natport_alg *a, struct natport_pm *pm,
				uint64_t now_ms);
/* "active (why)", "inactive", "unknown (why)". */
const char *natport_alg_describe(const struct natport_alg *a, char *buf,
				 size_t len);

#endif /* NATPORT_CORE_ALG_H */
