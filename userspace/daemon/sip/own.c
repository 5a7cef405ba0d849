// SPDX-License-Identifier: GPL-2.0-or-later
/* own.c - the ACKs and BYEs nat-portd sends itself, and their
 * retransmission (see sip/own.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_port.h>

#include "core/log.h"
#include "sip/addr6.h"
#include "sip/msg.h"
#include "sip/own.h"

#define OWN_MAX 64   /* BYEs awaiting their answer */
#define OWN_TRIES 10 /* T1 doubling to T2: about 32 s */
#define OWN_T1_MS 500u
#define OWN_T2_MS 4000u

/* A BYE this proxy sent, retransmitted until answered. */
struct own_req {
	char *call_id, *buf;
	size_t len;
	struct natport_endpoint dst;
	struct natport_sip_transport *tp; /* the one it was sent on */
	uint64_t next_ms;
	unsigned int tries;
	struct own_req *next;
};

struct natport_sip_own {
	struct natport_sip_transport *tp[2][__NATPORT_SIP_PROTO_MAX];
	const struct natport_config *cfg;
	uint64_t secret, sent;
	struct own_req *head;
	unsigned int n;
};

struct natport_sip_own *natport_sip_own_new(
	struct natport_sip_transport *const tp[2][__NATPORT_SIP_PROTO_MAX],
	const struct natport_config *cfg, uint64_t secret)
{
	struct natport_sip_own *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	memcpy(o->tp, tp, sizeof(o->tp));
	o->cfg = cfg;
	o->secret = secret;
	return o;
}

static void req_free(struct own_req *r)
{
	free(r->call_id);
	osip_free(r->buf);
	free(r);
}

void natport_sip_own_free(struct natport_sip_own *o)
{
	if (!o)
		return;
	while (o->head) {
		struct own_req *r = o->head;

		o->head = r->next;
		req_free(r);
	}
	free(o);
}

static int uri_is_us(const struct natport_sip_own *o, const osip_uri_t *uri)
{
	for (int s = 0; s < 2; s++)
		for (int k = 0; k < __NATPORT_SIP_PROTO_MAX; k++)
			if (o->tp[s][k] &&
			    natport_sip_uri_is_local(uri, o->tp[s][k]))
				return 1;
	return 0;
}

/*
 * The transport toward our request's target: what its URI says (sips:,
 * ;transport=), else the one the answer came on, which is the one that
 * side of the dialog uses (our Record-Route entry for it said so). A
 * transport we do not have on that side: the one the answer came on.
 */
static struct natport_sip_transport *pick_tp(struct natport_sip_own *o,
					     const osip_uri_t *u,
					     enum natport_side side,
					     enum natport_sip_proto arrived)
{
	osip_uri_param_t *t = NULL;
	int k = -1;

	if (u && u->scheme && !strcasecmp(u->scheme, "sips"))
		k = NATPORT_SIP_TLS;
	else if (u &&
		 !osip_uri_uparam_get_byname((osip_uri_t *)u, "transport",
					     &t) &&
		 t && t->gvalue)
		k = natport_sip_proto_parse(t->gvalue);
	if (k < 0 || !o->tp[side][k])
		k = (int)arrived;
	return o->tp[side][k] ? o->tp[side][k] : o->tp[side][NATPORT_SIP_UDP];
}

/* Remember a sent BYE (its text is handed over) for retransmission. */
static void track(struct natport_sip_own *o, const char *call_id, char **buf,
		  size_t len, const struct natport_endpoint *dst,
		  struct natport_sip_transport *tp, uint64_t now_ms)
{
	struct own_req *r;

	if (o->n >= OWN_MAX)
		return; /* sent once; its answer or its loss ends it */
	r = calloc(1, sizeof(*r));
	if (!r || !(r->call_id = strdup(call_id))) {
		free(r);
		return;
	}
	r->buf = *buf;
	*buf = NULL;
	r->len = len;
	r->dst = *dst;
	r->tp = tp;
	r->tries = 1;
	r->next_ms = now_ms + OWN_T1_MS;
	r->next = o->head;
	o->head = r;
	o->n++;
}

int natport_sip_own_send(struct natport_sip_own *o, osip_message_t *resp,
			 enum natport_side side, enum natport_sip_proto arrived,
			 const char *method, uint32_t cseq, uint64_t now_ms)
{
	struct natport_sip_transport *tp;
	const struct natport_policy *pol = &o->cfg->policy;
	osip_record_route_t *rr;
	osip_route_t *rt;
	osip_message_t *r;
	struct natport_endpoint dst;
	char branch[40], *str = NULL, b[NATPORT_ENDPOINT_STRLEN];
	unsigned int n = 0;
	size_t len = 0;
	int err = -1;

	/* the entries above our own are the answerer's side of the route */
	while ((rr = osip_list_get(&resp->record_routes, n)) &&
	       !uri_is_us(o, rr->url))
		n++;
	r = natport_sip_dialog_request(resp, method, rr ? n : 0, cseq);
	if (!r)
		goto out;
	rt = osip_list_get(&r->routes, 0);
	if (natport_sip_uri_endpoint(rt ? rt->url : r->req_uri, &dst) ||
	    natport_policy_is_own(pol, &dst) ||
	    natport_policy_in_lan(pol, &dst) != (side == NATPORT_SIDE_LAN)) {
		log_info_rl("sip: call %s: no usable target for our %s",
			    resp->call_id->number, method);
		goto out;
	}
	tp = pick_tp(o, rt ? rt->url : r->req_uri, side, arrived);
	snprintf(branch, sizeof(branch), NATPORT_SIP_OWN_BRANCH "%016llx",
		 (unsigned long long)natport_sip_hash(o->secret ^ cseq,
						      resp->call_id->number));
	if (natport_sip_via_add(r, natport_sip_local_for(tp, &dst),
				tp->ops->proto, branch))
		goto out;
	osip_message_force_update(r);
	if (osip_message_to_str(r, &str, &len) || !str) {
		str = NULL;
		goto out;
	}
	err = natport_sip_transport_send(tp, &dst, str, len);
	if (err)
		log_warnx_rl("sip: send our %s to %s: %s", method,
			     natport_endpoint_format(&dst, b, sizeof(b)),
			     strerror(-err));
	else
		o->sent++;
	/* a BYE whose first send failed is retransmitted all the same */
	if (!strcmp(method, "BYE"))
		track(o, resp->call_id->number, &str, len, &dst, tp, now_ms);
out:
	osip_free(str);
	osip_message_free(r);
	return err ? -1 : 0;
}

int natport_sip_own_is_ours(osip_via_t *top)
{
	osip_generic_param_t *br = NULL;

	return !osip_via_param_get_byname(top, "branch", &br) && br &&
	       br->gvalue &&
	       !strncmp(br->gvalue, NATPORT_SIP_OWN_BRANCH,
			strlen(NATPORT_SIP_OWN_BRANCH));
}

void natport_sip_own_answered(struct natport_sip_own *o, osip_message_t *m)
{
	struct own_req **pp, *r;

	if (m->status_code < 200)
		return;
	for (pp = &o->head; (r = *pp); pp = &r->next)
		if (!strcmp(r->call_id, m->call_id->number)) {
			*pp = r->next;
			o->n--;
			req_free(r);
			return;
		}
}

void natport_sip_own_retransmit(struct natport_sip_own *o, uint64_t now_ms)
{
	struct own_req **pp = &o->head, *r;

	while ((r = *pp)) {
		if (now_ms < r->next_ms) {
			pp = &r->next;
			continue;
		}
		if (r->tries >= OWN_TRIES) {
			log_info_rl("sip: call %s: our BYE was never answered",
				    r->call_id);
			*pp = r->next;
			o->n--;
			req_free(r);
			continue;
		}
		natport_sip_transport_send(r->tp, &r->dst, r->buf, r->len);
		r->next_ms = now_ms +
			     (r->tries < 3 ? OWN_T1_MS << r->tries : OWN_T2_MS);
		r->tries++;
		pp = &r->next;
	}
}

uint64_t natport_sip_own_sent(const struct natport_sip_own *o)
{
	return o->sent;
}
