/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * registrar.h - the bindings that make LAN phones reachable from outside.
 *
 * A LAN phone REGISTERs through the router. The router rewrites the
 * Contact the provider sees to sip:<user>@<wan-address>:<sip-port> and
 * remembers user -> (the phone's own Contact URI, the address its SIP came
 * from, expiry). An INVITE from the WAN for sip:<user>@<wan-address> is
 * then sent to that phone with its own Contact as Request-URI. Only
 * requests for a live binding may open a dialog from the WAN side.
 *
 * A binding exists only once the provider accepted it: the REGISTER is
 * remembered as pending (natport_registrar_pend) and its 2xx commits it
 * (natport_registrar_take, then natport_registrar_update with the expiry
 * the 2xx granted). A REGISTER that is challenged, refused or never
 * answered binds nothing; pending ones are forgotten after
 * NATPORT_REG_PENDING_MS.
 *
 * Ownership: the registrar owns its bindings and their strings; lookups
 * return pointers valid until the next change to the registrar.
 */
#ifndef NATPORT_REGISTRAR_H
#define NATPORT_REGISTRAR_H

#include <stdint.h>

#include <natport/natport.h>

#define NATPORT_REG_MAX_USER 64
#define NATPORT_REG_MAX_BINDINGS 4096
#define NATPORT_REG_MAX_PENDING 256
#define NATPORT_REG_PENDING_MS 32000 /* 64*T1: a transaction's life */

struct natport_binding {
	char user[NATPORT_REG_MAX_USER];
	char *contact;                /* the phone's Contact URI */
	struct natport_endpoint addr; /* where its REGISTER came from */
	uint64_t expires_ms;          /* CLOCK_MONOTONIC */
	struct natport_binding *next;
};

struct natport_registrar;

/* What a REGISTER asked for, kept until its final answer. */
struct natport_reg_request {
	char user[NATPORT_REG_MAX_USER];
	char *contact;                /* the phone's Contact, NULL for "*" */
	struct natport_endpoint addr; /* where the REGISTER came from */
	uint32_t expires_s;           /* what the phone asked for */
};

struct natport_registrar *natport_registrar_new(void);
void natport_registrar_free(struct natport_registrar *r);

/* Add or refresh (expires_s > 0) or remove (0) user's binding.
 * Returns 0, -1 on ENOMEM or when full. */
int natport_registrar_update(struct natport_registrar *r, const char *user,
			     const char *contact,
			     const struct natport_endpoint *addr,
			     uint32_t expires_s, uint64_t now_ms);
const struct natport_binding *
natport_registrar_lookup(struct natport_registrar *r, const char *user,
			 uint64_t now_ms);
/* A live binding whose phone is at addr (address only), or NULL. */
const struct natport_binding *
natport_registrar_find_addr(struct natport_registrar *r,
			    const struct natport_endpoint *addr,
			    uint64_t now_ms);
/* A live binding whose REGISTER came from ep (address and port): the
 * only LAN endpoint a request from the WAN may reach outside a call. */
const struct natport_binding *
natport_registrar_find_ep(struct natport_registrar *r,
			  const struct natport_endpoint *ep, uint64_t now_ms);
/* Remember a REGISTER (transaction call_id + CSeq number) until its
 * answer; a retransmission replaces it, the oldest goes when full. The
 * registrar copies everything. Returns 0, -1 on ENOMEM or bad input. */
int natport_registrar_pend(struct natport_registrar *r, const char *call_id,
			   const char *cseq,
			   const struct natport_reg_request *req,
			   uint64_t now_ms);
/* Remove the pending REGISTER and hand it over (*out; the caller frees
 * out->contact). Returns 0, -1 if there is none. */
int natport_registrar_take(struct natport_registrar *r, const char *call_id,
			   const char *cseq, struct natport_reg_request *out);
unsigned int natport_registrar_pending(const struct natport_registrar *r);
/* Drops expired bindings and pending REGISTERs. */
void natport_registrar_expire(struct natport_registrar *r, uint64_t now_ms);
unsigned int natport_registrar_count(const struct natport_registrar *r);

typedef int (*natport_binding_fn)(const struct natport_binding *b, void *arg);
int natport_registrar_foreach(struct natport_registrar *r,
			      natport_binding_fn fn, void *arg);

#endif /* NATPORT_REGISTRAR_H */
