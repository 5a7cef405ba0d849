/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * quality.h - media quality of nat-portd's calls: per-stream RTP loss,
 * jitter and SSRC, measured in the kernel by the optional natport_rtp
 * module (userspace client: natport_rtp_* in natport/rtpstats.h).
 *
 * Without the module everything is a no-op, after one log line at start
 * saying RTP statistics are unavailable and why. With it, the media module
 * tracks every RTP mapping once its remote is installed (payload type and
 * clock rate from the SDP) and untracks it when released; untracking logs
 * the stream's final loss and jitter per direction. Readers (the control
 * socket) ask for a mapping's current figures.
 *
 * Keyed by mapping id; the module keys by external endpoint, which the
 * table here remembers so a stream can be untracked after its mapping is
 * gone. Runs on the event loop's thread; not thread-safe.
 */
#ifndef NATPORT_QUALITY_H
#define NATPORT_QUALITY_H

#include <stdint.h>

#include <natport/rtpstats.h>

#include "core/evloop.h"

struct natport_quality;

/* Never NULL but for lack of memory; the module may be absent. */
struct natport_quality *natport_quality_new(struct natport_evloop *loop,
					    struct natport_pm *pm);
void natport_quality_free(struct natport_quality *q);
/* Free it but leave the streams registered in the module, their counting
 * on, for a stop that keeps the calls. */
void natport_quality_detach(struct natport_quality *q);
int natport_quality_available(const struct natport_quality *q);

/* Start (or update) counting mapping id's stream. payload_type -1: any. */
void natport_quality_track(struct natport_quality *q, uint32_t id,
			   int payload_type, uint32_t clock_rate);
/* Stop counting; log the final figures under label (e.g. the Call-ID). */
void natport_quality_untrack(struct natport_quality *q, uint32_t id,
			     const char *label);
/* Current figures: 0, or -ENOENT if not tracked / no module. */
int natport_quality_get(struct natport_quality *q, uint32_t id,
			struct natport_rtp_stats out[2]);

#endif /* NATPORT_QUALITY_H */
