/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * alg.h - watch for the kernel's SIP helper (nf_conntrack_sip), which
 * rewrites SIP and SDP blindly and opens its own media expectations on
 * exactly the traffic natport handles. nat-portd checks at start and
 * after a firewall reload (the port manager re-created its nft table, or
 * the periodic check), logs once per change, and shows the state in
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
	char why[160];        /* the culprit (active) or the error */
	uint64_t nft_restored; /* the pm counter at the last check */
	uint64_t checked_ms;
};

/* Check now; logs when the state changed. Returns the state. */
enum natport_alg_state natport_alg_check(struct natport_alg *a,
					 struct natport_pm *pm,
					 uint64_t now_ms);
/* Check again when the firewall was reloaded (the port manager restored
 * its table) or every_ms passed since the last check. */
void natport_alg_maybe_check(struct natport_alg *a, struct natport_pm *pm,
			     uint64_t now_ms, uint64_t every_ms);
/* "active (why)", "inactive", "unknown (why)". */
const char *natport_alg_describe(const struct natport_alg *a, char *buf,
				 size_t len);

#endif /* NATPORT_CORE_ALG_H */
