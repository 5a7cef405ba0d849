// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_ctlmsg.c - libFuzzer: the control codec (lib/ctlmsg.c,
 * include/natport/control.h), both ways.
 *
 * Decode: the input as a header, as request arguments, as a DONE payload,
 * as a RECORD payload; a record the checker accepts is rebuilt through
 * the builder from what the parser reads, and must come out byte for byte
 * the same (the builder takes everything the parser accepts).
 * Encode then decode: the input as a program of builder calls; a message
 * the builder finishes must pass the matching parser and rebuild to the
 * same bytes (the parser takes everything the builder builds). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <natport/control.h>
#include "ctl_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MSG_CAP (NATPORT_CTL_HDR_LEN + NATPORT_CTL_MSG_MAX)
static uint8_t msg[MSG_CAP], again[MSG_CAP];
static char copy[NATPORT_CTL_MSG_MAX + 1];

static void decode(const uint8_t *data, size_t size)
{
	struct natport_ctl_hdr h;
	char *argv[NATPORT_CTL_MAX_ARGS], text[64];
	int32_t st;
	long n;

	natport_ctl_hdr_parse(data, size, NATPORT_CTL_MSG_MAX, &h);
	if (size > NATPORT_CTL_MSG_MAX)
		return;
	memcpy(copy, data, size);
	natport_ctl_args_parse(copy, size, argv);
	natport_ctl_done_parse(data, size, &st, text, sizeof(text));
	if (natport_ctl_record_check(data, size))
		return;
	n = ctl_walk_rebuild(data, size, again, sizeof(again));
	if (n != (long)(NATPORT_CTL_HDR_LEN + size) ||
	    memcmp(again + NATPORT_CTL_HDR_LEN, data, size))
		abort();
}

/* A program: byte 0 picks the type; then each op byte, with its operands
 * taken from the bytes that follow. */
static const char *const keys[] = {
	NULL,  "",    "id",  "calls",
	"x_9", "Bad", "a-b", "abcdefghijklmnopqrstuvwxyz0123456"
};

static void encode(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = { NATPORT_CTL_MSG_RECORD,
					  NATPORT_CTL_MSG_DONE,
					  NATPORT_CTL_CMD_MAPPINGS_ADD, 0,
					  999 };
	struct natport_ctl_msg_buf b;
	char s[NATPORT_CTL_ARG_MAX + 2];
	char *argv[NATPORT_CTL_MAX_ARGS];
	struct natport_ctl_hdr h;
	size_t i = 1, plen;
	int32_t st;
	long len;

	if (!size)
		return;
	natport_ctl_msg_begin(&b, msg, sizeof(msg), types[data[0] % 5]);
	while (i < size) {
		uint8_t op = data[i++];
		const char *k = keys[(op >> 3) & 7];
		size_t sl = 0;

		/* a string operand: a length byte (x4: long ones too) and
		 * that many bytes */
		if (i < size) {
			sl = (size_t)data[i++] * 4 % sizeof(s);
			sl = sl > size - i ? size - i : sl;
			memcpy(s, data + i, sl);
			i += sl;
		}
		s[sl] = '\0';
		switch (op & 7) {
		case 0:
			natport_ctl_put_str(&b, k, s);
			break;
		case 1:
			natport_ctl_put_u64(&b, k, sl * 0x0101010101ull);
			break;
		case 2:
			natport_ctl_put_obj(&b, k);
			break;
		case 3:
			natport_ctl_put_list(&b, k);
			break;
		case 4:
			natport_ctl_put_end(&b);
			break;
		case 5:
			natport_ctl_put_arg(&b, s);
			break;
		case 6:
			natport_ctl_put_done(&b, (int32_t)op - 100, s);
			break;
		default:
			/* many fields fast, toward the size limits */
			for (int r = 0; r < 64; r++)
				natport_ctl_put_str(&b, "k", s);
		}
	}
	len = natport_ctl_msg_end(&b);
	if (len < 0)
		return;
	/* built: the receiving side's checks must all pass */
	if (natport_ctl_hdr_parse(msg, (size_t)len, NATPORT_CTL_MSG_MAX, &h) ||
	    h.len != (size_t)len - NATPORT_CTL_HDR_LEN)
		abort();
	plen = h.len;
	switch (h.type) {
	case NATPORT_CTL_MSG_RECORD:
		if (natport_ctl_record_check(msg + NATPORT_CTL_HDR_LEN, plen))
			abort();
		if (ctl_walk_rebuild(msg + NATPORT_CTL_HDR_LEN, plen, again,
				     sizeof(again)) != len ||
		    memcmp(again, msg, (size_t)len))
			abort();
		break;
	case NATPORT_CTL_MSG_DONE:
		if (natport_ctl_done_parse(msg + NATPORT_CTL_HDR_LEN, plen, &st,
					   s, sizeof(s)))
			abort();
		break;
	default:
		if (plen > NATPORT_CTL_REQ_MAX)
			abort();
		memcpy(copy, msg + NATPORT_CTL_HDR_LEN, plen);
		if (natport_ctl_args_parse(copy, plen, argv) < 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	decode(data, size);
	encode(data, size);
	return 0;
}
