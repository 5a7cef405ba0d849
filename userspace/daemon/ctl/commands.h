/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * commands.h - between the control server (server.c: the socket, the
 * clients, their buffers and credentials) and the commands (commands.c:
 * what each request does). Private to ctl/.
 *
 * The server reads a request, finds its entry in the command table,
 * checks the argument count and the peer's right to run it, and calls
 * run(). run() replies through the natport_ctl_reply_*() calls below; a
 * list reply sets the client to ST_LIST, and the server then calls
 * produce() each time the client has read what was queued, so a slow
 * reader costs bounded memory.
 */
#ifndef NATPORT_CTL_COMMANDS_H
#define NATPORT_CTL_COMMANDS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <natport/control.h>

#include "ctl/server.h"

/* A list is produced only while less than this is waiting to be sent, so
 * a slow reader costs at most LOW_WATER + one message of memory. */
#define NATPORT_CTL_LOW_WATER (64 * 1024)

/* What the commands borrow; owned by main.c, outlives the server. */
struct natport_ctl_env {
	struct natport_evloop *loop;
	struct natport_pm *pm;
	struct natport_session_table *sessions;
	struct natport_media *media;
	struct natport_proxy *proxy;	      /* SIP counters only */
	const struct natport_alg *alg;	      /* NULL: not watched */
	const struct natport_pcp_server *pcp; /* NULL: PCP is off */
	struct natport_control *ctl;	      /* its own counters, for stats */
};

enum natport_ctl_client_state {
	ST_REQ,	    /* reading the request */
	ST_LIST,    /* producing a reply as the client reads it */
	ST_CLOSING, /* everything queued: close once sent */
	ST_WATCH,   /* streaming events */
};

/* The peer at the other end, from SO_PEERCRED when it connected. */
struct natport_ctl_peer {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	unsigned int admin : 1; /* may run commands that change state */
};

struct natport_ctl_command;

struct natport_ctl_client {
	struct natport_ctl_env *env;
	const struct natport_ctl_command *cmd;
	enum natport_ctl_client_state state;
	struct natport_ctl_peer peer;
	/* list progress, the command's own: last id (or port) sent, phase */
	uint64_t cursor;
	int phase;
};

struct natport_ctl_command {
	uint16_t type;		  /* NATPORT_CTL_CMD_* (natport_ctl_cmd_name) */
	unsigned int changes : 1; /* root or the admin group only */
	int min_args, max_args;
	const char *usage; /* the DONE message for a wrong argument count */
	void (*run)(struct natport_ctl_client *cl, int argc, char **argv);
	/* ST_LIST: queue more; 1 when the list is complete */
	int (*produce)(struct natport_ctl_client *cl);
};

/* natport_ctl_command_find - the table entry for a request type, or NULL. */
const struct natport_ctl_command *natport_ctl_command_find(uint16_t type);

/* Replies, implemented by the server. begin() hands out the one message
 * under construction (replies and events share it: a command must not
 * make a port manager call that can emit an event between begin() and
 * send()). */
struct natport_ctl_msg_buf *
natport_ctl_reply_begin(struct natport_ctl_client *cl, uint16_t type);
void natport_ctl_reply_send(struct natport_ctl_client *cl);
void natport_ctl_reply_done(struct natport_ctl_client *cl, int status,
			    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Bytes queued and not yet sent; whether the client is gone. */
size_t natport_ctl_client_pending(const struct natport_ctl_client *cl);
int natport_ctl_client_dead(const struct natport_ctl_client *cl);
/* A watch starts: count it, events go to this client from now on. */
void natport_ctl_client_watch(struct natport_ctl_client *cl);
uint64_t natport_ctl_now(const struct natport_ctl_client *cl);

#endif /* NATPORT_CTL_COMMANDS_H */
