// SPDX-License-Identifier: GPL-2.0-or-later
/* evloop.c - epoll, a sorted timer list and a signalfd in one loop. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "core/evloop.h"

#define MAX_EVENTS 64

struct fd_entry {
	int fd;
	int dead;
	natport_evloop_fd_fn fn;
	void *arg;
	struct fd_entry *next; /* all entries, for lookup and freeing */
};

struct natport_evloop_timer {
	uint64_t when;
	natport_evloop_timer_fn fn;
	void *arg;
	struct natport_evloop_timer *next;
};

struct sig_entry {
	natport_evloop_signal_fn fn;
	void *arg;
};

struct natport_evloop {
	int epfd;
	int sigfd;
	sigset_t sigs;
	struct sig_entry sig[65];
	struct fd_entry *fds;
	struct fd_entry *graveyard; /* removed during a batch, freed after */
	struct natport_evloop_timer *timers; /* sorted by when */
	uint64_t now;
	int stop;
};

uint64_t natport_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t natport_evloop_now(struct natport_evloop *loop)
{
	return loop->now;
}

struct natport_evloop *natport_evloop_new(void)
{
	struct natport_evloop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		free(loop);
		return NULL;
	}
	loop->sigfd = -1;
	sigemptyset(&loop->sigs);
	loop->now = natport_mono_ms();
	return loop;
}

static void free_list(struct fd_entry *e)
{
	while (e) {
		struct fd_entry *n = e->next;

		free(e);
		e = n;
	}
}

void natport_evloop_free(struct natport_evloop *loop)
{
	struct natport_evloop_timer *t;

	if (!loop)
		return;
	free_list(loop->fds);
	free_list(loop->graveyard);
	while ((t = loop->timers)) {
		loop->timers = t->next;
		free(t);
	}
	if (loop->sigfd >= 0) {
		close(loop->sigfd);
		sigprocmask(SIG_UNBLOCK, &loop->sigs, NULL);
	}
	close(loop->epfd);
	free(loop);
}

int natport_evloop_add_fd(struct natport_evloop *loop, int fd,
			  uint32_t events, natport_evloop_fd_fn fn, void *arg)
{
	struct epoll_event ev = { .events = events };
	struct fd_entry *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->fd = fd;
	e->fn = fn;
	e->arg = arg;
	ev.data.ptr = e;
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int err = -errno;

		free(e);
		return err;
	}
	e->next = loop->fds;
	loop->fds = e;
	return 0;
}

int natport_evloop_del_fd(struct natport_evloop *loop, int fd)
{
	struct fd_entry **pp;

	for (pp = &loop->fds; *pp; pp = &(*pp)->next) {
		struct fd_entry *e = *pp;

		if (e->fd != fd || e->dead)
			continue;
		epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
		*pp = e->next;
		/* events for it may still sit in the current batch */
		e->dead = 1;
		e->next = loop->graveyard;
		loop->graveyard = e;
		return 0;
	}
	return -ENOENT;
}

struct natport_evloop_timer *
natport_evloop_timer_add(struct natport_evloop *loop, uint64_t ms,
			 natport_evloop_timer_fn fn, void *arg)
{
	struct natport_evloop_timer *t = calloc(1, sizeof(*t)), **pp;

	if (!t)
		return NULL;
	t->when = natport_mono_ms() + ms;
	t->fn = fn;
	t->arg = arg;
	for (pp = &loop->timers; *pp && (*pp)->when <= t->when;
	     pp = &(*pp)->next)
		;
	t->next = *pp;
	*pp = t;
	return t;
}

void natport_evloop_timer_cancel(struct natport_evloop *loop,
				 struct natport_evloop_timer *t)
{
	struct natport_evloop_timer **pp;

	for (pp = &loop->timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			free(t);
			return;
		}
	}
}

static void on_signalfd(int fd, uint32_t events, void *arg)
{
	struct natport_evloop *loop = arg;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo < 65 && loop->sig[si.ssi_signo].fn)
			loop->sig[si.ssi_signo].fn(si.ssi_signo,
						   loop->sig[si.ssi_signo].arg);
	}
}

int natport_evloop_signal(struct natport_evloop *loop, int signo,
			  natport_evloop_signal_fn fn, void *arg)
{
	int fd, err;

	if (signo <= 0 || signo >= 65)
		return -EINVAL;
	sigaddset(&loop->sigs, signo);
	if (sigprocmask(SIG_BLOCK, &loop->sigs, NULL) < 0)
		return -errno;
	fd = signalfd(loop->sigfd, &loop->sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (loop->sigfd < 0) {
		err = natport_evloop_add_fd(loop, fd, EPOLLIN, on_signalfd,
					    loop);
		if (err) {
			close(fd);
			return err;
		}
		loop->sigfd = fd;
	}
	loop->sig[signo].fn = fn;
	loop->sig[signo].arg = arg;
	return 0;
}

void natport_evloop_stop(struct natport_evloop *loop)
{
	loop->stop = 1;
}

static int next_timeout(struct natport_evloop *loop)
{
	uint64_t now;

	if (!loop->timers)
		return -1;
	now = natport_mono_ms();
	if (loop->timers->when <= now)
		return 0;
	if (loop->timers->when - now > 60000)
		return 60000;
	return (int)(loop->timers->when - now);
}

static void run_timers(struct natport_evloop *loop)
{
	struct natport_evloop_timer *t;
	uint64_t now = natport_mono_ms();

	/* A callback may add timers; only those already due run now. */
	while ((t = loop->timers) && t->when <= now && !loop->stop) {
		loop->timers = t->next;
		t->fn(t->arg);
		free(t);
	}
}

int natport_evloop_run(struct natport_evloop *loop)
{
	struct epoll_event ev[MAX_EVENTS];
	int n, i;

	loop->stop = 0;
	while (!loop->stop) {
		n = epoll_wait(loop->epfd, ev, MAX_EVENTS, next_timeout(loop));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		loop->now = natport_mono_ms();
		for (i = 0; i < n && !loop->stop; i++) {
			struct fd_entry *e = ev[i].data.ptr;

			if (!e->dead)
				e->fn(e->fd, ev[i].events, e->arg);
		}
		free_list(loop->graveyard);
		loop->graveyard = NULL;
		run_timers(loop);
	}
	return 0;
}
