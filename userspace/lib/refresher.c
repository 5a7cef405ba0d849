// SPDX-License-Identifier: LGPL-2.1-or-later
/* refresher.c - refresh batches sent from a thread (refresher.h). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "refresher.h"

struct natport_refresher {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct natport_ctnl *ct; /* the thread's own request socket */
	int efd;
	unsigned int room;
	/* the batch: written by the owner only while !busy, by the
	 * thread only while queued */
	struct natport_ct_entry *e;
	int *res;
	unsigned int n;
	int kind;
	int sfd; /* NATPORT_RF_SEND: the request, for this socket */
	char msg[NATPORT_CTNL_SCAN_REQ];
	size_t len;
	int busy; /* handed over, answers not collected */
	/* handed over, not done yet: read without the lock, so the event
	 * loop never waits for the thread (it may be preempted holding it) */
	atomic_int queued;
	int err; /* natport_ctnl_refresh()'s own result */
	int stop;
	int started; /* the thread runs (from the first batch) */
};

static void *run(void *arg)
{
	struct natport_refresher *r = arg;
	uint64_t one = 1;

	for (;;) {
		pthread_mutex_lock(&r->mu);
		while (!atomic_load(&r->queued) && !r->stop)
			pthread_cond_wait(&r->cv, &r->mu);
		pthread_mutex_unlock(&r->mu);
		if (!atomic_load(&r->queued))
			break; /* stopped, nothing left to send */
		/* the batch is ours until queued is cleared */
		if (r->kind == NATPORT_RF_SEND)
			r->err = send(r->sfd, r->msg, r->len, 0) < 0 ? -errno :
								       0;
		else
			r->err =
				natport_ctnl_refresh(r->ct, r->e, r->n, r->res);
		atomic_store(&r->queued, 0); /* after the batch's results */
		/* fails only with the counter saturated: readable already */
		if (write(r->efd, &one, sizeof(one)) < 0)
			continue;
	}
	return NULL;
}

struct natport_refresher *natport_refresher_open(uint32_t mark_tag,
						 unsigned int room, char *err,
						 size_t errlen)
{
	struct natport_refresher *r = calloc(1, sizeof(*r));

	if (!r || !(r->e = calloc(room, sizeof(*r->e))) ||
	    !(r->res = calloc(room, sizeof(*r->res)))) {
		snprintf(err, errlen, "refresher: out of memory");
		goto fail;
	}
	r->room = room;
	r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->efd < 0) {
		snprintf(err, errlen, "refresher eventfd: %s", strerror(errno));
		goto fail;
	}
	r->ct = natport_ctnl_open_requests(mark_tag, err, errlen);
	if (!r->ct)
		goto fail_efd;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	return r;

fail_efd:
	close(r->efd);
fail:
	if (r) {
		free(r->e);
		free(r->res);
	}
	free(r);
	return NULL;
}

void natport_refresher_stop(struct natport_refresher *r)
{
	if (!r)
		return;
	if (r->started) {
		pthread_mutex_lock(&r->mu);
		r->stop = 1;
		pthread_cond_signal(&r->cv);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->th, NULL);
	}
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	natport_ctnl_close(r->ct);
	close(r->efd);
	free(r->e);
	free(r->res);
	free(r);
}

int natport_refresher_fd(const struct natport_refresher *r)
{
	return r->efd;
}

int natport_refresher_busy(const struct natport_refresher *r)
{
	return r->busy;
}

static int queue(struct natport_refresher *r, int kind)
{
	int e;

	if (!r->started) {
		sigset_t all, old;

		/* The thread takes no signal: a process-directed signal goes
		 * to a thread that does not block it, and an application that
		 * blocks its signals for a signalfd after this point (or
		 * relies on them interrupting its own epoll_wait) would lose
		 * them to ours. It inherits the mask in force at create. */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		e = pthread_create(&r->th, NULL, run, r);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (e)
			return -e;
		r->started = 1;
	}
	pthread_mutex_lock(&r->mu);
	r->kind = kind;
	r->busy = 1;
	atomic_store(&r->queued, 1);
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return 0;
}

int natport_refresher_submit(struct natport_refresher *r,
			     const struct natport_ct_entry *e, unsigned int n)
{
	if (r->busy)
		return -EBUSY;
	if (n > r->room)
		return -E2BIG;
	memcpy(r->e, e, n * sizeof(*e));
	memset(r->res, 0, n * sizeof(*r->res));
	r->n = n;
	return queue(r, NATPORT_RF_REFRESH);
}

int natport_refresher_send(struct natport_refresher *r, int fd, const void *msg,
			   size_t len)
{
	if (r->busy)
		return -EBUSY;
	if (len > sizeof(r->msg))
		return -E2BIG;
	memcpy(r->msg, msg, len);
	r->len = len;
	r->sfd = fd;
	r->n = 0;
	return queue(r, NATPORT_RF_SEND);
}

int natport_refresher_collect(struct natport_refresher *r, int *kind,
			      const struct natport_ct_entry **e,
			      const int **res, unsigned int *n)
{
	uint64_t v;

	if (read(r->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -errno;
	if (!r->busy || atomic_load(&r->queued))
		return 0;
	r->busy = 0;
	*kind = r->kind;
	*e = r->e;
	*res = r->res;
	*n = r->n;
	return r->err < 0 ? r->err : 1;
}
