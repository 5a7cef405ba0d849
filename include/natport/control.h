/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * control.h - the control protocol between nat-portd and nat-portctl
 * (or any other client), and its codec in libnatport.
 *
 * Transport: a SOCK_STREAM UNIX socket, by default
 * NATPORT_CTL_DEFAULT_PATH (config key control-socket), mode 0660, group
 * "natport" when that group exists. One request per connection.
 *
 * Framing: every message, in both directions, is a header followed by
 * hdr.len payload bytes. Integers are in host byte order (the peers share
 * a host):
 *
 *   u32 magic    NATPORT_CTL_MAGIC
 *   u16 version  NATPORT_CTL_VERSION
 *   u16 type     a NATPORT_CTL_CMD_* (request) or NATPORT_CTL_MSG_* (reply)
 *   u32 len      payload bytes that follow
 *
 * Bounds: a request payload is at most NATPORT_CTL_REQ_MAX bytes, a reply
 * message at most NATPORT_CTL_MSG_MAX. A receiver checks the header before
 * it reads the payload. A request with a bad magic, another version, an
 * unknown command, too large a payload or malformed arguments gets one
 * DONE message with a non-zero status and a reason, the connection is
 * closed, and nothing changes. A client must send its whole request within
 * NATPORT_CTL_REQ_TIMEOUT_MS. The server never blocks on a client: replies
 * go through a bounded per-client buffer, a list is produced only as fast
 * as the client reads it, and a client that stops reading for
 * NATPORT_CTL_STALL_TIMEOUT_MS, or a watcher that lets more than
 * NATPORT_CTL_OUT_MAX bytes pile up, is disconnected. The server serves at
 * most NATPORT_CTL_MAX_CLIENTS connections, at most
 * NATPORT_CTL_MAX_CLIENTS_PER_UID of them from one uid (so one user
 * cannot take every slot); one more gets DONE with status
 * NATPORT_CTL_E_BUSY and is closed.
 *
 * Permissions: the server reads the peer's credentials (SO_PEERCRED).
 * Commands that change state (MAPPINGS_ADD, MAPPINGS_DEL, FLUSH,
 * CALLS_DEL) are for
 * root, the daemon's own user and the configured admin group only; anyone
 * else gets DONE with NATPORT_CTL_E_DENIED, and nothing changes. The other
 * commands are for everyone who may open the socket (its group).
 *
 * Request payload: the command's arguments as NUL-terminated strings, one
 * after the other (at most NATPORT_CTL_MAX_ARGS, each printable ASCII, at
 * most NATPORT_CTL_ARG_MAX bytes). Commands and their arguments:
 *
 *   CALLS_LIST                 -
 *   CALLS_SHOW                 ID (a call's decimal id)
 *   MAPPINGS_LIST              -
 *   MAPPINGS_SHOW              ID
 *   MAPPINGS_ADD               TYPE INTERNAL [REMOTE]
 *                              (natport_port_type_parse name, endpoints as
 *                              natport_endpoint_parse reads them)
 *   MAPPINGS_DEL               ID (static mappings only)
 *   FLUSH                      - (end every call, release every mapping)
 *   STATS                      -
 *   WATCH                      - (then events until the client closes)
 *   CALLS_DEL                  ID (a session's decimal id as CALLS_LIST
 *                              gives it, any owner kind: ends it with
 *                              reason operator)
 *
 * Reply: zero or more RECORD messages, then one DONE; WATCH sends DONE
 * (status 0) first, then one RECORD per event for as long as the
 * connection lives.
 *
 * DONE payload: s32 status (0 or a NATPORT_CTL_E_*), then a message of
 * printable ASCII (may be empty, no NUL, at most NATPORT_CTL_ARG_MAX).
 *
 * RECORD payload: a sequence of fields, each
 *
 *   u8 kind  u8 keylen  u16 vallen  key[keylen]  value[vallen]
 *
 * kind STR: value is printable ASCII (no NUL), vallen <= NATPORT_CTL_ARG_MAX;
 * kind U64: vallen 8, a host-order u64; kind OBJ and LIST open a nested
 * object or list (vallen 0) that a field of kind END (keylen 0, vallen 0)
 * closes. Keys are 1..NATPORT_CTL_KEY_MAX bytes of [a-z0-9_], except the
 * elements of a list, which are OBJs with keylen 0; a list holds only such
 * objects. Nesting is at most NATPORT_CTL_DEPTH_MAX deep and every open
 * object is closed by the end of the record. A record is one JSON object,
 * which is exactly how nat-portctl -j prints it. The fields of each
 * record kind are listed in nat-portctl(8).
 */
#ifndef NATPORT_CONTROL_H
#define NATPORT_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NATPORT_CTL_DEFAULT_PATH "/run/natport/nat-portd.sock"
#define NATPORT_CTL_MAGIC 0x4e504354u /* "NPCT" */
#define NATPORT_CTL_VERSION 1
#define NATPORT_CTL_HDR_LEN 12
#define NATPORT_CTL_REQ_MAX 1024
#define NATPORT_CTL_MSG_MAX 65536
#define NATPORT_CTL_MAX_ARGS 8
#define NATPORT_CTL_ARG_MAX 512
#define NATPORT_CTL_KEY_MAX 32
#define NATPORT_CTL_DEPTH_MAX 4
#define NATPORT_CTL_MAX_CLIENTS 32
#define NATPORT_CTL_MAX_CLIENTS_PER_UID 8
#define NATPORT_CTL_OUT_MAX (256 * 1024)
#define NATPORT_CTL_REQ_TIMEOUT_MS 5000
#define NATPORT_CTL_STALL_TIMEOUT_MS 10000

/* The owner tag of a static (operator) mapping in natport_mapping.owner.
 * SIP calls' owners are call ids, far below it. */
#define NATPORT_CTL_OWNER_STATIC 0x8000000000000000ull

enum natport_ctl_cmd {
	NATPORT_CTL_CMD_CALLS_LIST = 1,
	NATPORT_CTL_CMD_CALLS_SHOW,
	NATPORT_CTL_CMD_MAPPINGS_LIST,
	NATPORT_CTL_CMD_MAPPINGS_SHOW,
	NATPORT_CTL_CMD_MAPPINGS_ADD,
	NATPORT_CTL_CMD_MAPPINGS_DEL,
	NATPORT_CTL_CMD_FLUSH,
	NATPORT_CTL_CMD_STATS,
	NATPORT_CTL_CMD_WATCH,
	NATPORT_CTL_CMD_CALLS_DEL, /* last: the numbers above are kept */
	__NATPORT_CTL_CMD_MAX
};

enum natport_ctl_msg {
	NATPORT_CTL_MSG_RECORD = 0x100,
	NATPORT_CTL_MSG_DONE,
};

enum natport_ctl_status {
	NATPORT_CTL_OK = 0,
	NATPORT_CTL_E_PROTO, /* bad framing, magic, version or size */
	NATPORT_CTL_E_CMD,   /* unknown command */
	NATPORT_CTL_E_ARGS,  /* wrong or malformed arguments */
	NATPORT_CTL_E_NOENT, /* no such call or mapping */
	NATPORT_CTL_E_PERM,  /* not allowed (a SIP call's mapping) */
	NATPORT_CTL_E_PM,    /* the port manager refused (message says why) */
	NATPORT_CTL_E_BUSY,  /* too many clients */
	NATPORT_CTL_E_NOMEM,
	NATPORT_CTL_E_DENIED, /* the peer may not run this command */
	__NATPORT_CTL_E_MAX
};

enum natport_ctl_kind {
	NATPORT_CTL_F_STR = 1,
	NATPORT_CTL_F_U64,
	NATPORT_CTL_F_OBJ,
	NATPORT_CTL_F_LIST,
	NATPORT_CTL_F_END,
};

struct natport_ctl_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t type;
	uint32_t len;
};

/* A message under construction in caller storage of cap bytes (at most
 * NATPORT_CTL_HDR_LEN + NATPORT_CTL_MSG_MAX is ever used). A put that does
 * not fit or breaks a rule sets err and is ignored, as are all later puts;
 * natport_ctl_msg_end reports it.
 *
 * The builder enforces exactly the rules the parsers below check, so it
 * never produces a message its own peer would refuse: a RECORD takes only
 * fields (keyed ones at the top and inside objects, keyless objects and
 * nothing else inside lists), a DONE exactly one natport_ctl_put_done, and
 * any other type is a request that takes only arguments (at most
 * NATPORT_CTL_MAX_ARGS, payload at most NATPORT_CTL_REQ_MAX). */
struct natport_ctl_msg_buf {
	uint8_t *data;
	size_t len, cap;
	int depth, err; /* err: 0 or -errno */
	uint16_t type;	/* the header's type: what may be put */
	uint16_t nput;	/* arguments or DONE payloads put so far */
	uint32_t lists; /* bit d set: nesting level d is a list */
};

/* natport_ctl_msg_begin - start a message of type in data[0..cap). */
void natport_ctl_msg_begin(struct natport_ctl_msg_buf *b, void *data,
			   size_t cap, uint16_t type);
void natport_ctl_put_str(struct natport_ctl_msg_buf *b, const char *key,
			 const char *val);
void natport_ctl_put_u64(struct natport_ctl_msg_buf *b, const char *key,
			 uint64_t val);
void natport_ctl_put_obj(struct natport_ctl_msg_buf *b, const char *key);
void natport_ctl_put_list(struct natport_ctl_msg_buf *b, const char *key);
void natport_ctl_put_end(struct natport_ctl_msg_buf *b);
/* natport_ctl_put_arg - a request argument (NUL-terminated string). */
void natport_ctl_put_arg(struct natport_ctl_msg_buf *b, const char *arg);
/* natport_ctl_put_done - a DONE payload: status and message. */
void natport_ctl_put_done(struct natport_ctl_msg_buf *b, int32_t status,
			  const char *msg);
/* natport_ctl_msg_end - close the message: fills in hdr.len. Returns the
 * message's total length, or a negative errno (-EMSGSIZE: too large,
 * -EINVAL: bad key, value, nesting, argument count, or a put that the
 * message's type does not take). */
long natport_ctl_msg_end(struct natport_ctl_msg_buf *b);

/* natport_ctl_hdr_parse - check the first len bytes of a message. Returns
 * 0 with *h filled in when the header is valid and its payload fits
 * max_payload; -EAGAIN if len < NATPORT_CTL_HDR_LEN; -EPROTO bad magic;
 * -EPROTONOSUPPORT other version (h is still filled in); -EMSGSIZE too
 * large. */
int natport_ctl_hdr_parse(const void *buf, size_t len, size_t max_payload,
			  struct natport_ctl_hdr *h);

/* natport_ctl_args_parse - split a request payload in place into argv
 * (pointers into buf). Returns argc, or -EINVAL when the payload is not a
 * sequence of at most NATPORT_CTL_MAX_ARGS printable NUL-terminated
 * strings of at most NATPORT_CTL_ARG_MAX bytes. */
int natport_ctl_args_parse(char *buf, size_t len,
			   char *argv[NATPORT_CTL_MAX_ARGS]);

/* natport_ctl_done_parse - a DONE payload. msg gets the message,
 * NUL-terminated (msglen >= 1). 0 or -EINVAL. */
int natport_ctl_done_parse(const void *buf, size_t len, int32_t *status,
			   char *msg, size_t msglen);

/* One field of a record, as natport_ctl_field_next returns it. */
struct natport_ctl_field {
	enum natport_ctl_kind kind;
	char key[NATPORT_CTL_KEY_MAX + 1];
	const char *str; /* STR: not NUL-terminated, slen bytes */
	size_t slen;
	uint64_t u64;
};

/* natport_ctl_record_check - validate a whole RECORD payload: framing of
 * every field, kinds, keys, strings, nesting. 0 or -EBADMSG. Call it once
 * before walking a record with natport_ctl_field_next. */
int natport_ctl_record_check(const void *buf, size_t len);

/* natport_ctl_field_next - the field at *off; advances *off. Returns 1,
 * 0 at the end, -EBADMSG if malformed. */
int natport_ctl_field_next(const void *buf, size_t len, size_t *off,
			   struct natport_ctl_field *f);

const char *natport_ctl_cmd_name(int cmd);
const char *natport_ctl_strerror(int status);

#ifdef __cplusplus
}
#endif

#endif /* NATPORT_CONTROL_H */
