// SPDX-License-Identifier: GPL-2.0-or-later
/* commands.c - the control commands: one table, a handler each. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "ctl/commands.h"
#include "ctl/records.h"

#define BATCH 64 /* mappings copied per pm walk */

/* The port manager's detail, or the code's name when it gave none. */
static const char *pm_error(struct natport_pm *pm, int err)
{
	const char *detail = natport_pm_last_error(pm);

	return detail && *detail ? detail : natport_strerror(err);
}

static int parse_id(const char *s, uint64_t max, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || *end || !*out || *out > max)
		return -1;
	return 0;
}

static int low(const struct natport_ctl_client *cl)
{
	return !natport_ctl_client_dead(cl) &&
	       natport_ctl_client_pending(cl) < NATPORT_CTL_LOW_WATER;
}

static void ok(struct natport_ctl_client *cl)
{
	natport_ctl_reply_done(cl, NATPORT_CTL_OK, "%s", "");
}

static void send_mapping(struct natport_ctl_client *cl,
			 const struct natport_mapping *m, int counters)
{
	struct natport_counters c = { 0 };
	struct natport_ctl_msg_buf *b;

	/* counters are read before the message is begun (see begin) */
	if (counters && m->state == NATPORT_MAP_ACTIVE &&
	    natport_pm_counters(cl->env->pm, m->id, &c))
		memset(&c, 0, sizeof(c));
	b = natport_ctl_reply_begin(cl, NATPORT_CTL_MSG_RECORD);
	natport_record_mapping(b, cl->env->sessions, m, counters ? &c : NULL,
			       natport_ctl_now(cl));
	natport_ctl_reply_send(cl);
}

/* The kind of session a mapping's owner tag names, for refusals ("sip",
 * "ng", "pcp"; "ended" when it is gone). */
static const char *owner_kind(struct natport_ctl_env *env,
			      const struct natport_mapping *m)
{
	const struct natport_session *s =
		natport_session_find(env->sessions, m->owner);

	return s ? natport_session_kind_name(s->kind) : "ended";
}

/* --- calls ------------------------------------------------------------ */

struct call_walk {
	struct natport_ctl_client *cl;
	uint64_t want; /* show: this id only */
	int found;
};

static int list_call(struct natport_session *s, void *arg)
{
	struct call_walk *w = arg;
	struct natport_ctl_client *cl = w->cl;
	struct natport_ctl_msg_buf *b;

	if (w->want) {
		if (s->id != w->want)
			return 0;
	} else if (s->id <= cl->cursor || s->kind == NATPORT_SESSION_STATIC) {
		return 0; /* static sessions are listed as mappings */
	}
	b = natport_ctl_reply_begin(cl, NATPORT_CTL_MSG_RECORD);
	natport_record_session(b, cl->env->sessions, cl->env->pm, s, 1,
			       natport_ctl_now(cl));
	natport_ctl_reply_send(cl);
	cl->cursor = s->id;
	w->found = 1;
	return w->want || !low(cl);
}

static void cmd_list(struct natport_ctl_client *cl, int argc, char **argv)
{
	cl->state = ST_LIST;
}

static int produce_calls(struct natport_ctl_client *cl)
{
	struct call_walk w = { .cl = cl };

	natport_session_walk(cl->env->sessions, list_call, &w);
	return !w.found || low(cl);
}

static void cmd_calls_show(struct natport_ctl_client *cl, int argc, char **argv)
{
	struct call_walk w = { .cl = cl };

	if (parse_id(argv[0], UINT64_MAX - 1, &w.want)) {
		natport_ctl_reply_done(cl, NATPORT_CTL_E_ARGS,
				       "expected an ID");
		return;
	}
	natport_session_walk(cl->env->sessions, list_call, &w);
	if (!w.found)
		natport_ctl_reply_done(cl, NATPORT_CTL_E_NOENT, "no call %llu",
				       (unsigned long long)w.want);
	else
		ok(cl);
}

/* nat-portctl calls del: one session of any owner kind ends the one way
 * sessions end, as flush ends them all. The owner's end hook does the
 * rest: a PCP lease goes with its inbound element, a SIP call's mappings
 * are released and its dialog is forgotten (no BYE is sent). */
static void cmd_calls_del(struct natport_ctl_client *cl, int argc, char **argv)
{
	struct natport_ctl_env *env = cl->env;
	struct natport_session *s;
	char kind[16], key[64];
	uint64_t id;

	if (parse_id(argv[0], UINT64_MAX - 1, &id)) {
		natport_ctl_reply_done(cl, NATPORT_CTL_E_ARGS,
				       "expected an ID");
		return;
	}
	s = natport_session_find(env->sessions, id);
	if (!s || s->state == NATPORT_SESSION_ENDED) {
		natport_ctl_reply_done(cl, NATPORT_CTL_E_NOENT, "no call %llu",
				       (unsigned long long)id);
		return;
	}
	/* copied: s is freed by the end */
	snprintf(kind, sizeof(kind), "%s", natport_session_kind_name(s->kind));
	snprintf(key, sizeof(key), "%s", s->key);
	natport_session_end(env->sessions, s, NATPORT_END_OPERATOR);
	log_info("control: %s session %llu (%s) ended by uid %u", kind,
		 (unsigned long long)id, key, (unsigned int)cl->peer.uid);
	natport_ctl_reply_done(cl, NATPORT_CTL_OK, "%s %llu ended", kind,
			       (unsigned long long)id);
}

/* --- mappings --------------------------------------------------------- */

/* Mappings are copied out of the port manager in batches: fn may not
 * change pm, and a record may not be built inside its walk. */
struct map_batch {
	uint64_t after; /* the key of the last one sent (map_key) */
	int by_port;
	unsigned int n;
	int full;      /* the walk had more than BATCH: next holds one */
	uint64_t next; /* the key of the first one left out */
	struct natport_mapping m[BATCH];
};

/* The cursor of a listing: live mappings by id; quarantined ones by
 * external port, the NAT66 range's after the IPv4 one's (the order of
 * the port manager's walk). The same port on several external addresses
 * shares a key: a batch never ends inside such a group. */
static uint64_t map_key(const struct map_batch *mb,
			const struct natport_mapping *m)
{
	if (!mb->by_port)
		return m->id;
	return (uint64_t)(m->external.family == AF_INET6) << 16 |
	       m->external.port;
}

static int collect_map(const struct natport_mapping *m, void *arg)
{
	struct map_batch *mb = arg;
	uint64_t key = map_key(mb, m);

	if (key <= mb->after)
		return 0;
	if (mb->n == BATCH) {
		mb->full = 1;
		mb->next = key;
		return 1;
	}
	mb->m[mb->n++] = *m;
	return 0;
}

/* Live mappings in id order, then the quarantined ones (the port
 * manager's own list: in external port order, IPv4 then NAT66). */
static int produce_mappings(struct natport_ctl_client *cl)
{
	struct natport_pm *pm = cl->env->pm;

	while (cl->phase < 2 && low(cl)) {
		struct map_batch mb = { .after = cl->cursor,
					.by_port = cl->phase == 1 };

		if (cl->phase == 0)
			natport_pm_foreach(pm, collect_map, &mb);
		else
			natport_pm_foreach_quarantined(pm, collect_map, &mb);
		/* the rest of a key's group comes with the next batch */
		while (mb.full && mb.n > 1 &&
		       map_key(&mb, &mb.m[mb.n - 1]) == mb.next)
			mb.n--;
		for (unsigned int i = 0; i < mb.n; i++) {
			send_mapping(cl, &mb.m[i], cl->phase == 0);
			cl->cursor = map_key(&mb, &mb.m[i]);
		}
		if (!mb.full) {
			cl->phase++;
			cl->cursor = 0;
		}
	}
	return cl->phase == 2;
}

static void cmd_mappings_show(struct natport_ctl_client *cl, int argc,
			      char **argv)
{
	struct natport_mapping m;
	uint64_t id;

	if (parse_id(argv[0], UINT64_MAX - 1, &id)) {
		natport_ctl_reply_done(cl, NATPORT_CTL_E_ARGS,
				       "expected an ID");
		return;
	}
	if (id > UINT32_MAX ||
	    natport_pm_lookup(cl->env->pm, (uint32_t)id, &m)) {
		natport_ctl_reply_done(cl, NATPORT_CTL_E_NOENT,
				       "no mapping %llu",
				       (unsigned long long)id);
		return;
	}
	send_mapping(cl, &m, 1);
	ok(cl);
}

struct find_internal {
	const struct natport_endpoint *ep;
	struct natport_mapping m;
	int found;
};

static int find_internal(const struct natport_mapping *m, void *arg)
{
	struct find_internal *f = arg;

	if (!natport_endpoint_equal(&m->internal, f->ep))
		return 0;
	f->m = *m;
	f->found = 1;
	return 1;
}

/* An operator's static mapping is a session of its own (kind static,
 * keyed by its internal endpoint), so it ends like every other one. */
static int add_static(struct natport_ctl_env *env,
		      const struct natport_mapping *m, uint64_t now)
{
	char key[NATPORT_ENDPOINT_STRLEN];
	struct natport_session *s;

	natport_endpoint_format(&m->internal, key, sizeof(key));
	s = natport_session_new(env->sessions, NATPORT_SESSION_STATIC, key,
				NULL, NULL, now);
	if (!s)
		return -1;
	if (natport_session_own(env->sessions, s, m->id)) {
		natport_session_end(env->sessions, s, NATPORT_END_REFUSED);
		return -1;
	}
	s->n_streams = 1;
	snprintf(s->streams[0].media, sizeof(s->streams[0].media), "%s",
		 natport_port_type_name(m->type));
	s->streams[0].rtp_id = m->id;
	s->streams[0].internal_rtp = m->internal;
	s->streams[0].external_rtp = m->external;
	s->streams[0].remote_rtp = m->remote;
	s->streams[0].payload_type = -1;
	natport_session_set_state(env->sessions, s, NATPORT_SESSION_ACTIVE,
				  now);
	natport_session_announce(env->sessions, s);
	return 0;
}

/* Parse TYPE INTERNAL [REMOTE] into req; 0, or -1 after replying. */
static int parse_add(struct natport_ctl_client *cl, int argc, char **argv,
		     struct natport_mapping_req *req)
{
	int type = natport_port_type_parse(argv[0]);

	if (type < 0) {
		natport_ctl_reply_done(cl, NATPORT_CTL_E_ARGS,
				       "unknown type '%s'", argv[0]);
		return -1;
	}
	req->type = type;
	if (natport_endpoint_parse(argv[1], &req->internal) ||
	    !req->internal.port) {
		natport_ctl_reply_done(cl, NATPORT_CTL_E_ARGS,
				       "internal: expected ADDRESS:PORT, not "
				       "'%s'",
				       argv[1]);
		return -1;
	}
	req->remote.family = AF_UNSPEC;
	if (argc == 3 && (natport_endpoint_parse(argv[2], &req->remote) ||
			  !req->remote.port)) {
		natport_ctl_reply_done(cl, NATPORT_CTL_E_ARGS,
				       "remote: expected ADDRESS:PORT, not "
				       "'%s'",
				       argv[2]);
		return -1;
	}
	return 0;
}

static void cmd_mappings_add(struct natport_ctl_client *cl, int argc,
			     char **argv)
{
	struct natport_ctl_env *env = cl->env;
	struct natport_mapping_req req = { .owner = NATPORT_CTL_OWNER_STATIC };
	struct natport_mapping m;
	struct find_internal f = { .ep = &req.internal };
	int err, fresh;

	if (parse_add(cl, argc, argv, &req))
		return;
	natport_pm_foreach(env->pm, find_internal, &f);
	if (f.found && f.m.owner != NATPORT_CTL_OWNER_STATIC) {
		natport_ctl_reply_done(cl, NATPORT_CTL_E_PM,
				       "%s is in use by %s call %llu (mapping "
				       "%u)",
				       argv[1], owner_kind(env, &f.m),
				       (unsigned long long)f.m.owner, f.m.id);
		return;
	}
	fresh = !f.found;
	/* the port first, then the remote: a refused remote releases the
	 * fresh port again, so a failed add changes nothing */
	err = natport_pm_get_mapping(env->pm, &req, &m);
	if (err) {
		natport_ctl_reply_done(cl, NATPORT_CTL_E_PM, "%s",
				       pm_error(env->pm, err));
		return;
	}
	if (argc == 3) {
		err = natport_pm_update_remote(env->pm, &m.external,
					       &req.remote, &m);
		if (err) {
			char why[NATPORT_CTL_ARG_MAX];

			snprintf(why, sizeof(why), "%s",
				 pm_error(env->pm, err));
			if (fresh)
				natport_pm_release_id(env->pm, m.id);
			natport_ctl_reply_done(cl, NATPORT_CTL_E_PM, "%s", why);
			return;
		}
	}
	if (fresh && add_static(env, &m, natport_ctl_now(cl))) {
		natport_pm_release_id(env->pm, m.id);
		natport_ctl_reply_done(cl, NATPORT_CTL_E_PM, "out of memory");
		return;
	}
	log_info("control: static mapping %u %s %s added by uid %u", m.id,
		 argv[0], argv[1], (unsigned int)cl->peer.uid);
	send_mapping(cl, &m, 1);
	ok(cl);
}

static void cmd_mappings_del(struct natport_ctl_client *cl, int argc,
			     char **argv)
{
	struct natport_ctl_env *env = cl->env;
	struct natport_session *s;
	struct natport_mapping m;
	uint64_t id;
	int err;

	if (parse_id(argv[0], UINT32_MAX, &id)) {
		natport_ctl_reply_done(cl, NATPORT_CTL_E_ARGS,
				       "expected a mapping ID");
		return;
	}
	if (natport_pm_lookup(env->pm, (uint32_t)id, &m)) {
		natport_ctl_reply_done(cl, NATPORT_CTL_E_NOENT,
				       "no mapping %llu",
				       (unsigned long long)id);
		return;
	}
	if (m.owner != NATPORT_CTL_OWNER_STATIC) {
		natport_ctl_reply_done(cl, NATPORT_CTL_E_PERM,
				       "mapping %u belongs to %s call %llu; "
				       "only static mappings can be deleted "
				       "(calls del or flush ends calls)",
				       m.id, owner_kind(env, &m),
				       (unsigned long long)m.owner);
		return;
	}
	s = natport_session_find_map(env->sessions, m.id);
	if (s) {
		natport_session_end(env->sessions, s, NATPORT_END_OPERATOR);
	} else {
		/* restored from the kernel without a session */
		err = natport_pm_release_id(env->pm, m.id);
		if (err) {
			natport_ctl_reply_done(cl, NATPORT_CTL_E_PM, "%s",
					       pm_error(env->pm, err));
			return;
		}
	}
	log_info("control: static mapping %u deleted by uid %u", m.id,
		 (unsigned int)cl->peer.uid);
	ok(cl);
}

/* --- flush, stats, watch ---------------------------------------------- */

struct flush_count {
	struct natport_session_table *t;
	unsigned int calls, maps;
};

/* nat-portctl flush: every session ends the one way sessions end. */
static int end_session(struct natport_session *s, void *arg)
{
	struct flush_count *f = arg;

	if (s->kind == NATPORT_SESSION_STATIC)
		f->maps += s->n_maps;
	else
		f->calls++;
	natport_session_end(f->t, s, NATPORT_END_OPERATOR);
	return 0;
}

static void cmd_flush(struct natport_ctl_client *cl, int argc, char **argv)
{
	struct natport_ctl_env *env = cl->env;
	struct flush_count f = { .t = env->sessions };
	struct map_batch mb;

	natport_session_walk(env->sessions, end_session, &f);
	/* what is left: anything no session owns (restored entries) */
	do {
		memset(&mb, 0, sizeof(mb));
		natport_pm_foreach(env->pm, collect_map, &mb);
		for (unsigned int i = 0; i < mb.n; i++)
			if (!natport_pm_release_id(env->pm, mb.m[i].id))
				f.maps++;
	} while (mb.n == BATCH);
	log_info("control: flush by uid %u: %u calls ended, %u more "
		 "mappings released",
		 (unsigned int)cl->peer.uid, f.calls, f.maps);
	natport_ctl_reply_done(cl, NATPORT_CTL_OK,
			       "%u calls ended, %u more mappings released",
			       f.calls, f.maps);
}

static void cmd_stats(struct natport_ctl_client *cl, int argc, char **argv)
{
	struct natport_ctl_env *env = cl->env;
	struct natport_stats_sources src = {
		.pm = env->pm,
		.proxy = env->proxy,
		.media = env->media,
		.alg = env->alg,
		.pcp = env->pcp,
		.ctl = env->ctl,
	};
	struct natport_stats_view v;

	natport_stats_read(&v, &src, 1);
	natport_record_stats(
		natport_ctl_reply_begin(cl, NATPORT_CTL_MSG_RECORD), &v);
	natport_ctl_reply_send(cl);
	ok(cl);
}

static void cmd_watch(struct natport_ctl_client *cl, int argc, char **argv)
{
	natport_ctl_client_watch(cl);
	ok(cl);
}

/* The table. changes: the command alters what the daemon holds (calls,
 * leases, mappings), so only root, nat-portd's own user and the configured
 * control-admin-group may run it; every other command is for anyone who
 * can open the socket. */
static const struct natport_ctl_command commands[] = {
	{ NATPORT_CTL_CMD_CALLS_LIST, 0, 0, 0, NULL, cmd_list, produce_calls },
	{ NATPORT_CTL_CMD_CALLS_SHOW, 0, 1, 1, "expected an ID", cmd_calls_show,
	  NULL },
	{ NATPORT_CTL_CMD_CALLS_DEL, 1, 1, 1, "expected an ID", cmd_calls_del,
	  NULL },
	{ NATPORT_CTL_CMD_MAPPINGS_LIST, 0, 0, 0, NULL, cmd_list,
	  produce_mappings },
	{ NATPORT_CTL_CMD_MAPPINGS_SHOW, 0, 1, 1, "expected an ID",
	  cmd_mappings_show, NULL },
	{ NATPORT_CTL_CMD_MAPPINGS_ADD, 1, 2, 3,
	  "expected TYPE INTERNAL [REMOTE]", cmd_mappings_add, NULL },
	{ NATPORT_CTL_CMD_MAPPINGS_DEL, 1, 1, 1, "expected a mapping ID",
	  cmd_mappings_del, NULL },
	{ NATPORT_CTL_CMD_FLUSH, 1, 0, 0, NULL, cmd_flush, NULL },
	{ NATPORT_CTL_CMD_STATS, 0, 0, 0, NULL, cmd_stats, NULL },
	{ NATPORT_CTL_CMD_WATCH, 0, 0, 0, NULL, cmd_watch, NULL },
};

const struct natport_ctl_command *natport_ctl_command_find(uint16_t type)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].type == type)
			return &commands[i];
	return NULL;
}
