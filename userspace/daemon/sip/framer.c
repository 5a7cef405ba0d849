// SPDX-License-Identifier: GPL-2.0-or-later
/* framer.c - find a SIP message's end in a stream by Content-Length. */
#include <string.h>
#include <strings.h>

#include "sip/framer.h"

static int is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* The end of the header block (after its CRLFCRLF), or 0 if not in buf. */
static size_t header_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 3 < len; i++)
		if (buf[i] == '\r' && buf[i + 1] == '\n' &&
		    buf[i + 2] == '\r' && buf[i + 3] == '\n')
			return i + 4;
	return 0;
}

/*
 * If line[0..n) is a Content-Length header (long or compact form "l"),
 * parse its value into *out: 1 found, 0 another header, -1 bad value.
 */
static int content_length(const char *line, size_t n, size_t *out)
{
	static const char name[] = "content-length";
	size_t i = 0, v = 0;
	int digits = 0;

	if (n >= sizeof(name) - 1 && !strncasecmp(line, name, sizeof(name) - 1))
		i = sizeof(name) - 1;
	else if (n >= 1 && (line[0] == 'l' || line[0] == 'L'))
		i = 1;
	else
		return 0;
	while (i < n && is_ws(line[i]))
		i++;
	if (i == n || line[i] != ':')
		return 0; /* e.g. "Location:", "Lang..." */
	i++;
	while (i < n && is_ws(line[i]))
		i++;
	for (; i < n && line[i] >= '0' && line[i] <= '9'; i++, digits++) {
		if (v > 100000000)
			return -1; /* far past any bound, and no overflow */
		v = v * 10 + (size_t)(line[i] - '0');
	}
	while (i < n && is_ws(line[i]))
		i++;
	if (!digits || i != n)
		return -1;
	*out = v;
	return 1;
}

static void error(struct natport_frame *f, const char *why)
{
	f->kind = NATPORT_FRAME_ERROR;
	f->len = 0;
	f->why = why;
}

void natport_sip_frame(const char *buf, size_t len, size_t max,
		       struct natport_frame *f)
{
	size_t hend, pos, cl = 0;
	int have_cl = 0;

	memset(f, 0, sizeof(*f));
	if (len >= 1 && buf[0] == '\r') {
		if (len < 2)
			return; /* MORE */
		if (buf[1] != '\n') {
			error(f, "CR not followed by LF between messages");
			return;
		}
		if (len < 3)
			return; /* a pong, or the first half of a ping */
		if (len >= 4 && buf[2] == '\r' && buf[3] == '\n') {
			f->kind = NATPORT_FRAME_PING;
			f->len = 4;
			return;
		}
		if (buf[2] == '\r' && len < 4)
			return;
		f->kind = NATPORT_FRAME_SKIP;
		f->len = 2;
		return;
	}
	hend = header_end(buf, len < max ? len : max);
	if (!hend) {
		if (len >= max)
			error(f, "header block larger than the message limit");
		return;
	}
	/* the first line is the start line; headers follow */
	pos = (size_t)((const char *)memchr(buf, '\n', hend) - buf) + 1;
	while (pos + 2 < hend) {
		const char *line = buf + pos;
		size_t n =
			(size_t)((const char *)memchr(line, '\n', hend - pos) -
				 line);
		size_t v;
		int r;

		pos += n + 1;
		if (n && line[n - 1] == '\r')
			n--;
		r = content_length(line, n, &v);
		if (r < 0) {
			error(f, "Content-Length is not a number");
			return;
		}
		if (r == 0)
			continue;
		if (have_cl && v != cl) {
			error(f, "two different Content-Length headers");
			return;
		}
		have_cl = 1;
		cl = v;
	}
	if (!have_cl) {
		error(f, "no Content-Length (required on a stream)");
		return;
	}
	if (cl > max || hend + cl > max) {
		error(f, "Content-Length beyond the message limit");
		return;
	}
	if (len < hend + cl)
		return; /* MORE: the body is still arriving */
	f->kind = NATPORT_FRAME_MSG;
	f->len = hend + cl;
	f->body = cl;
}
