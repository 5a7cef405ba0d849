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
 * Ownership: the registrar owns its bindings and their strings; lookups
 * return pointers valid until the next change to the registrar.
 */
#ifndef NATPORT_REGISTRAR_H
#define NATPORT_REGISTRAR_H

#include <stdint.h>

#include <natport/natport.h>

#define NATPORT_REG_MAX_USER 64
#define NATPORT_REG_MAX_BINDINGS 4096

struct natport_binding {
	char user[NATPORT_REG_MAX_USER];
	char *contact;                /* the phone's Contact URI */
	struct natport_endpoint addr; /* where its REGISTER came from */
	uint64_t expires_ms;          /* CLOCK_MONOTONIC */
	struct natport_binding *next;
};

struct natport_registrar;

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
void natport_registrar_expire(struct natport_registrar *r, uint64_t now_ms);
unsigned int natport_registrar_count(const struct natport_registrar *r);

typedef int (*natport_binding_fn)(const struct natport_binding *b, void *arg);
int natport_registrar_foreach(struct natport_registrar *r,
			      natport_binding_fn fn, void *arg);

#endif /* NATPORT_REGISTRAR_H */
