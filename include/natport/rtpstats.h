/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtpstats.h - libnatport's client of the optional natport_rtp kernel
 * module, which counts RTP/RTCP (RFC 3550: loss, jitter, SSRC) of the
 * streams natport maps, in the kernel. The kernel contract (generic
 * netlink family, commands, attributes) is natport/natport_rtp.h; this is
 * the library call interface over it.
 *
 * The module is optional: natport_rtp_open() fails with a one-line reason
 * ("RTP statistics unavailable: ...") when it is absent, refuses, or
 * speaks another protocol version; log it once and carry on. Functions
 * return 0 (or a count) or a negative errno, following the convention of
 * natport.h; natport_rtp_last_error() has the detail (the module's
 * extended-ack text where it sent one). A handle is not thread-safe.
 * A stream is keyed by its mapping's external endpoint
 * (struct natport_mapping from natport.h).
 */
#ifndef NATPORT_RTPSTATS_H
#define NATPORT_RTPSTATS_H

#include <stdint.h>

#include <natport/natport.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Statistics of one direction of a stream (RFC 3550, see natport_rtp.h).
 * Index NATPORT_RTP_IN (0) is remote -> client, NATPORT_RTP_OUT (1)
 * client -> remote. */
enum { NATPORT_RTP_IN, NATPORT_RTP_OUT };

struct natport_rtp_stats {
	uint64_t packets, bytes; /* every packet; IP bytes */
	uint64_t rtp, rtcp, not_rtp, dropped;
	uint32_t ssrc, ssrc_changes, ext_max_seq;
	uint64_t expected;
	int64_t lost;	       /* negative with duplicates */
	uint32_t jitter;       /* timestamp units */
	double jitter_ms;      /* jitter / clock rate */
	double loss_fraction;  /* lost / expected, 0 if nothing expected */
	uint64_t last_ns;      /* CLOCK_MONOTONIC of the last packet, 0 = none */
};

/* A registered stream as the module reports it. */
struct natport_rtp_stream {
	struct natport_endpoint external; /* the key */
	uint32_t mapping_id;
	uint32_t clock_rate;
	int payload_type; /* -1: any */
	uint32_t flags;	  /* NATPORT_RTP_STRICT */
	uint32_t silent_ms;
	struct natport_rtp_stats dir[2];
};

#define NATPORT_RTP_STRICT 0x1u /* drop what is not RTP/RTCP version 2 */

enum natport_rtp_event_type {
	NATPORT_RTP_EV_SILENT = 1, /* no packet for silent_ms */
	NATPORT_RTP_EV_RESUMED,	   /* packets again */
	NATPORT_RTP_EV_SSRC,	   /* the source changed */
};

struct natport_rtp_event {
	enum natport_rtp_event_type type;
	int dir; /* NATPORT_RTP_IN or NATPORT_RTP_OUT */
	struct natport_endpoint external;
	uint32_t mapping_id;
	uint32_t ssrc_old, ssrc_new; /* SSRC only */
	uint32_t silent_ms;	     /* SILENT only */
};

/* Options of natport_rtp_register_opts(). */
struct natport_rtp_opts {
	int payload_type;    /* 0..127; -1: jitter from every RTP packet */
	uint32_t clock_rate; /* Hz of payload_type, required */
	uint32_t flags;	     /* NATPORT_RTP_STRICT */
	uint32_t silent_ms;  /* 0: default (5000); UINT32_MAX: no events */
	int replace;	     /* change a registered stream's settings */
};

struct natport_rtp;
typedef void (*natport_rtp_event_fn)(const struct natport_rtp_event *ev,
				     void *arg);
typedef int (*natport_rtp_stream_fn)(const struct natport_rtp_stream *st,
				     void *arg);

/* natport_rtp_open - find the family, shake hands (protocol version),
 * subscribe to events. NULL with the reason in err when unavailable. */
struct natport_rtp *natport_rtp_open(char *err, size_t errlen);
/* natport_rtp_close - close the sockets. Registered streams stay in the
 * kernel (unregister them first); NULL is allowed. */
void natport_rtp_close(struct natport_rtp *h);
/* natport_rtp_register - count the stream of mapping m (its external
 * endpoint is the key) with the payload type's clock rate. */
int natport_rtp_register(struct natport_rtp *h, const struct natport_mapping *m,
			 uint8_t payload_type, uint32_t clock_rate, int strict);
int natport_rtp_register_opts(struct natport_rtp *h,
			      const struct natport_mapping *m,
			      const struct natport_rtp_opts *o);
/* natport_rtp_unregister - forget the stream; -ENOENT if not registered. */
int natport_rtp_unregister(struct natport_rtp *h,
			   const struct natport_mapping *m);
/* natport_rtp_get - both directions' statistics: out[NATPORT_RTP_IN],
 * out[NATPORT_RTP_OUT]. */
int natport_rtp_get(struct natport_rtp *h, const struct natport_mapping *m,
		    struct natport_rtp_stats out[2]);
/* natport_rtp_dump - fn for each stream of the namespace; stops when fn
 * returns non-zero and returns that value. */
int natport_rtp_dump(struct natport_rtp *h, natport_rtp_stream_fn fn,
		     void *arg);
/* natport_rtp_fd - the events socket, to poll for reading. */
int natport_rtp_fd(const struct natport_rtp *h);
/* natport_rtp_dispatch - read pending events, call the event callback for
 * each. Never blocks. Returns the number of events or a negative errno. */
int natport_rtp_dispatch(struct natport_rtp *h);
void natport_rtp_set_event_cb(struct natport_rtp *h, natport_rtp_event_fn fn,
			      void *arg);
const char *natport_rtp_last_error(const struct natport_rtp *h);
const char *natport_rtp_event_name(enum natport_rtp_event_type type);

#ifdef __cplusplus
}
#endif

#endif /* NATPORT_RTPSTATS_H */
