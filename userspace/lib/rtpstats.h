/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtpstats.h - client of the natport_rtp kernel module. The public
 * declarations live in natport/natport.h (block "RTP statistics"), so that
 * library users need one header; this file exists for the library's own
 * sources and the tests.
 */
#ifndef NATPORT_RTPSTATS_H
#define NATPORT_RTPSTATS_H

#include <natport/natport.h>

#endif /* NATPORT_RTPSTATS_H */
