// SPDX-License-Identifier: GPL-2.0-or-later
/* alg.c - the kernel SIP helper check, logged once per change. */
#include <stdio.h>
#include <string.h>

#include "core/alg.h"
#include "core/log.h"

enum natport_alg_state natport_alg_check(struct natport_alg *a,
					 struct natport_pm *pm, uint64_t now_ms)
{
	enum natport_alg_state old = a->state;
	char why[sizeof(a->why)] = "";
	int r;

	a->ruleset_changed = 0;
	a->checked_ms = now_ms;
	r = natport_pm_sip_alg(pm, why, sizeof(why));
	if (r < 0)
		snprintf(why, sizeof(why), "%s", natport_pm_last_error(pm));
	a->state = r > 0  ? NATPORT_ALG_ACTIVE :
		   r == 0 ? NATPORT_ALG_INACTIVE :
			    NATPORT_ALG_UNKNOWN;
	if (a->state == old && !strcmp(why, a->why))
		return a->state;
	snprintf(a->why, sizeof(a->why), "%s", why);
	if (a->state == NATPORT_ALG_ACTIVE)
		log_warnx("the kernel's SIP helper is active (%s): it rewrites "
			  "the SIP and SDP natport handles; remove that rule",
			  a->why);
	else if (a->state == NATPORT_ALG_INACTIVE && old == NATPORT_ALG_ACTIVE)
		log_info("the kernel's SIP helper is no longer active");
	else if (a->state == NATPORT_ALG_UNKNOWN)
		log_info("cannot tell whether the kernel's SIP helper is "
			 "active: %s",
			 a->why);
	return a->state;
}

void natport_alg_event(struct natport_alg *a, const struct natport_event *ev)
{
	if (ev->type == NATPORT_EV_RULESET)
		a->ruleset_changed = 1;
}

/* One reload is many ruleset messages, but they arrive together and one
 * dispatch drains them: one check per dispatch, not per message. */
void natport_alg_after_dispatch(struct natport_alg *a, struct natport_pm *pm,
				uint64_t now_ms)
{
	if (a->ruleset_changed)
		natport_alg_check(a, pm, now_ms);
}

const char *natport_alg_describe(const struct natport_alg *a, char *buf,
				 size_t len)
{
	switch (a->state) {
	case NATPORT_ALG_ACTIVE:
		snprintf(buf, len, "active (%s)", a->why);
		break;
	case NATPORT_ALG_INACTIVE:
		snprintf(buf, len, "inactive");
		break;
	default:
		snprintf(buf, len, "unknown%s%s%s", *a->why ? " (" : "", a->why,
			 *a->why ? ")" : "");
		break;
	}
	return buf;
}
