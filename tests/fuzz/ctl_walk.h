/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctl_walk.h - rebuild a RECORD payload through the builder from what the
 * parser reads out of it, so a test can check that the two agree: what
 * natport_ctl_record_check accepts the builder builds again, byte for
 * byte. Shared by tests/unit/test_ctlmsg.c and the control fuzz harness. */
#ifndef NATPORT_CTL_WALK_H
#define NATPORT_CTL_WALK_H

#include <string.h>

#include <natport/control.h>

/* Returns msg_end's result for the rebuilt message in out[0..cap), or
 * -EBADMSG when walking the payload fails. */
static inline long ctl_walk_rebuild(const void *payload, size_t len, void *out,
				    size_t cap)
{
	struct natport_ctl_msg_buf b;
	struct natport_ctl_field f;
	char s[NATPORT_CTL_ARG_MAX + 1];
	size_t off = 0;
	int r;

	natport_ctl_msg_begin(&b, out, cap, NATPORT_CTL_MSG_RECORD);
	while ((r = natport_ctl_field_next(payload, len, &off, &f)) == 1) {
		const char *key = f.key[0] ? f.key : NULL;

		switch (f.kind) {
		case NATPORT_CTL_F_STR:
			memcpy(s, f.str, f.slen);
			s[f.slen] = '\0';
			natport_ctl_put_str(&b, key, s);
			break;
		case NATPORT_CTL_F_U64:
			natport_ctl_put_u64(&b, key, f.u64);
			break;
		case NATPORT_CTL_F_OBJ:
			natport_ctl_put_obj(&b, key);
			break;
		case NATPORT_CTL_F_LIST:
			natport_ctl_put_list(&b, key);
			break;
		case NATPORT_CTL_F_END:
			natport_ctl_put_end(&b);
			break;
		}
	}
	if (r < 0)
		return r;
	return natport_ctl_msg_end(&b);
}

#endif
