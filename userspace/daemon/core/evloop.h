/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * evloop.h - the one event loop of nat-portd. It owns every file
 * descriptor callback, every timer and the signals (through a signalfd), so
 * the daemon is single-threaded and a module (SIP transport, port manager,
 * control socket, kernel-module statistics) only registers what it needs:
 *
 *   natport_evloop_add_fd()      an fd and a callback for its epoll events
 *   natport_evloop_timer_add()   a one-shot timer; re-arm from the callback
 *   natport_evloop_signal()      a signal, delivered as a callback
 *
 * Callbacks run on the loop's thread, one at a time. A callback may add or
 * remove fds and timers, including its own; removal takes effect at once
 * (a removed fd's pending events in the same batch are skipped).
 */
#ifndef NATPORT_EVLOOP_H
#define NATPORT_EVLOOP_H

#include <stdint.h>

struct natport_evloop;
struct natport_evloop_timer;

typedef void (*natport_evloop_fd_fn)(int fd, uint32_t events, void *arg);
typedef void (*natport_evloop_timer_fn)(void *arg);
typedef void (*natport_evloop_signal_fn)(int signo, void *arg);

struct natport_evloop *natport_evloop_new(void);
void natport_evloop_free(struct natport_evloop *loop);

/* events: EPOLLIN etc. Returns 0 or -errno. */
int natport_evloop_add_fd(struct natport_evloop *loop, int fd,
			  uint32_t events, natport_evloop_fd_fn fn, void *arg);
int natport_evloop_del_fd(struct natport_evloop *loop, int fd);

/* A one-shot timer firing after ms milliseconds; NULL on ENOMEM. The
 * handle is valid until it fires (then freed by the loop) or is cancelled. */
struct natport_evloop_timer *
natport_evloop_timer_add(struct natport_evloop *loop, uint64_t ms,
			 natport_evloop_timer_fn fn, void *arg);
void natport_evloop_timer_cancel(struct natport_evloop *loop,
				 struct natport_evloop_timer *t);

/* Block signo and deliver it through the loop's signalfd. */
int natport_evloop_signal(struct natport_evloop *loop, int signo,
			  natport_evloop_signal_fn fn, void *arg);

/* Run until natport_evloop_stop(); returns 0, or -errno if epoll failed. */
int natport_evloop_run(struct natport_evloop *loop);
void natport_evloop_stop(struct natport_evloop *loop);

/* CLOCK_MONOTONIC in milliseconds; cached per loop iteration. */
uint64_t natport_evloop_now(struct natport_evloop *loop);
uint64_t natport_mono_ms(void);

#endif /* NATPORT_EVLOOP_H */
