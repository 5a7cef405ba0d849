/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * framer.h - where one SIP message ends in a byte stream (RFC 3261
 * section 18.3): the header block ends at the first empty line and the
 * body is exactly Content-Length octets; on a stream the header is
 * mandatory. Between messages a client may send CRLFCRLF as a keepalive
 * ping (RFC 5626 section 4.4.1), answered with one CRLF; a lone CRLF (a
 * pong, or the stray line ending RFC 3261 section 7.5 tells receivers to
 * ignore) is skipped.
 *
 * Pure: it reads only buf[0..len) and keeps no state, so the transport
 * calls it again on the same bytes once more have arrived.
 */
#ifndef NATPORT_SIP_FRAMER_H
#define NATPORT_SIP_FRAMER_H

#include <stddef.h>

enum natport_frame_kind {
	NATPORT_FRAME_MORE,  /* not complete yet: read more */
	NATPORT_FRAME_MSG,   /* a message of len octets starts at buf */
	NATPORT_FRAME_PING,  /* len octets of CRLFCRLF: answer CRLF */
	NATPORT_FRAME_SKIP,  /* len octets of a lone CRLF: drop them */
	NATPORT_FRAME_ERROR, /* the stream cannot be framed: close it */
};

struct natport_frame {
	enum natport_frame_kind kind;
	size_t len;
	size_t body;	 /* MSG: the Content-Length */
	const char *why; /* ERROR: for the log line */
};

/*
 * natport_sip_frame - classify the start of buf[0..len). max bounds a
 * whole message (header and body): a header block not ended within max
 * octets, or a Content-Length that would pass it, is an ERROR rather than
 * a reason to buffer more. A missing, non-numeric or repeated-but-different
 * Content-Length is an ERROR too: without it the stream has no next
 * message boundary.
 */
void natport_sip_frame(const char *buf, size_t len, size_t max,
		       struct natport_frame *f);

#endif /* NATPORT_SIP_FRAMER_H */
