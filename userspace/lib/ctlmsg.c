// SPDX-License-Identifier: LGPL-2.1-or-later
/* ctlmsg.c - codec of the control protocol (natport/control.h). */
#include <errno.h>
#include <string.h>

#include <natport/control.h>

static int key_ok(const char *key, size_t n)
{
	if (!n || n > NATPORT_CTL_KEY_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = key[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return 0;
	}
	return 1;
}

static int str_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

static int is_request(uint16_t type)
{
	return type != NATPORT_CTL_MSG_RECORD && type != NATPORT_CTL_MSG_DONE;
}

/* The payload bound the receiver checks the header against. */
static size_t payload_max(uint16_t type)
{
	return is_request(type) ? NATPORT_CTL_REQ_MAX : NATPORT_CTL_MSG_MAX;
}

static void fail(struct natport_ctl_msg_buf *b, int err)
{
	if (!b->err)
		b->err = err;
}

static void put_raw(struct natport_ctl_msg_buf *b, const void *p, size_t n)
{
	if (b->err)
		return;
	if (b->len + n > b->cap ||
	    b->len + n > NATPORT_CTL_HDR_LEN + payload_max(b->type)) {
		b->err = -EMSGSIZE;
		return;
	}
	/* keyless fields have no key bytes: memcpy from NULL is undefined
	 * even for n == 0 */
	if (!n)
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

void natport_ctl_msg_begin(struct natport_ctl_msg_buf *b, void *data,
			   size_t cap, uint16_t type)
{
	struct natport_ctl_hdr h = {
		.magic = NATPORT_CTL_MAGIC,
		.version = NATPORT_CTL_VERSION,
		.type = type,
	};

	b->data = data;
	b->cap = cap;
	b->len = 0;
	b->depth = 0;
	b->err = 0;
	b->type = type;
	b->nput = 0;
	b->lists = 0;
	put_raw(b, &h, NATPORT_CTL_HDR_LEN);
}

static void put_field(struct natport_ctl_msg_buf *b, uint8_t kind,
		      const char *key, const void *val, size_t vlen)
{
	size_t klen = key ? strlen(key) : 0;
	uint8_t f[4];
	uint16_t vl = (uint16_t)vlen;

	if (b->err)
		return;
	/* the rules natport_ctl_record_check applies: fields only in a
	 * RECORD; inside a list keyless objects and nothing else, everywhere
	 * else keyed fields only */
	if (b->type != NATPORT_CTL_MSG_RECORD) {
		b->err = -EINVAL;
		return;
	}
	if (kind != NATPORT_CTL_F_END) {
		int in_list = !!(b->lists & (1u << b->depth));

		if (in_list ? kind != NATPORT_CTL_F_OBJ || klen :
			      !key_ok(key, klen)) {
			b->err = -EINVAL;
			return;
		}
	}
	f[0] = kind;
	f[1] = (uint8_t)klen;
	memcpy(f + 2, &vl, 2);
	put_raw(b, f, sizeof(f));
	put_raw(b, key, klen);
	put_raw(b, val, vlen);
}

void natport_ctl_put_str(struct natport_ctl_msg_buf *b, const char *key,
			 const char *val)
{
	size_t n = strlen(val);

	if (n > NATPORT_CTL_ARG_MAX || !str_ok(val, n)) {
		fail(b, -EINVAL);
		return;
	}
	put_field(b, NATPORT_CTL_F_STR, key, val, n);
}

void natport_ctl_put_u64(struct natport_ctl_msg_buf *b, const char *key,
			 uint64_t val)
{
	put_field(b, NATPORT_CTL_F_U64, key, &val, sizeof(val));
}

static void open_nest(struct natport_ctl_msg_buf *b, uint8_t kind,
		      const char *key)
{
	if (b->depth >= NATPORT_CTL_DEPTH_MAX) {
		fail(b, -EINVAL);
		return;
	}
	put_field(b, kind, key, NULL, 0);
	if (b->err)
		return;
	b->depth++;
	if (kind == NATPORT_CTL_F_LIST)
		b->lists |= 1u << b->depth;
	else
		b->lists &= ~(1u << b->depth);
}

void natport_ctl_put_obj(struct natport_ctl_msg_buf *b, const char *key)
{
	open_nest(b, NATPORT_CTL_F_OBJ, key);
}

void natport_ctl_put_list(struct natport_ctl_msg_buf *b, const char *key)
{
	open_nest(b, NATPORT_CTL_F_LIST, key);
}

void natport_ctl_put_end(struct natport_ctl_msg_buf *b)
{
	if (!b->depth) {
		fail(b, -EINVAL);
		return;
	}
	put_field(b, NATPORT_CTL_F_END, NULL, NULL, 0);
	if (!b->err)
		b->depth--;
}

void natport_ctl_put_arg(struct natport_ctl_msg_buf *b, const char *arg)
{
	size_t n = strlen(arg);

	/* natport_ctl_args_parse's rules: a request, at most
	 * NATPORT_CTL_MAX_ARGS printable strings */
	if (!is_request(b->type) || b->nput >= NATPORT_CTL_MAX_ARGS ||
	    n > NATPORT_CTL_ARG_MAX || !str_ok(arg, n)) {
		fail(b, -EINVAL);
		return;
	}
	put_raw(b, arg, n + 1);
	b->nput++;
}

void natport_ctl_put_done(struct natport_ctl_msg_buf *b, int32_t status,
			  const char *msg)
{
	char clean[NATPORT_CTL_ARG_MAX];
	size_t n = strnlen(msg, sizeof(clean));

	/* a reason may quote outside input: never let it break the rules */
	for (size_t i = 0; i < n; i++)
		clean[i] = str_ok(msg + i, 1) ? msg[i] : '?';
	/* natport_ctl_done_parse reads one status and one message */
	if (b->type != NATPORT_CTL_MSG_DONE || b->nput) {
		fail(b, -EINVAL);
		return;
	}
	put_raw(b, &status, sizeof(status));
	put_raw(b, clean, n);
	b->nput++;
}

long natport_ctl_msg_end(struct natport_ctl_msg_buf *b)
{
	uint32_t plen;

	if (b->depth || (b->type == NATPORT_CTL_MSG_DONE && !b->nput))
		fail(b, -EINVAL);
	if (b->err)
		return b->err;
	plen = (uint32_t)(b->len - NATPORT_CTL_HDR_LEN);
	memcpy(b->data + offsetof(struct natport_ctl_hdr, len), &plen,
	       sizeof(plen));
	return (long)b->len;
}

int natport_ctl_hdr_parse(const void *buf, size_t len, size_t max_payload,
			  struct natport_ctl_hdr *h)
{
	if (len < NATPORT_CTL_HDR_LEN)
		return -EAGAIN;
	memcpy(h, buf, NATPORT_CTL_HDR_LEN);
	if (h->magic != NATPORT_CTL_MAGIC)
		return -EPROTO;
	if (h->version != NATPORT_CTL_VERSION)
		return -EPROTONOSUPPORT;
	if (h->len > max_payload)
		return -EMSGSIZE;
	return 0;
}

int natport_ctl_args_parse(char *buf, size_t len,
			   char *argv[NATPORT_CTL_MAX_ARGS])
{
	size_t off = 0;
	int argc = 0;

	while (off < len) {
		char *nul = memchr(buf + off, '\0', len - off);
		size_t n;

		if (!nul || argc == NATPORT_CTL_MAX_ARGS)
			return -EINVAL;
		n = (size_t)(nul - (buf + off));
		if (n > NATPORT_CTL_ARG_MAX || !str_ok(buf + off, n))
			return -EINVAL;
		argv[argc++] = buf + off;
		off += n + 1;
	}
	return argc;
}

int natport_ctl_done_parse(const void *buf, size_t len, int32_t *status,
			   char *msg, size_t msglen)
{
	const char *p = buf;
	size_t n;

	if (!msglen || len < sizeof(*status) ||
	    len - sizeof(*status) > NATPORT_CTL_ARG_MAX)
		return -EINVAL;
	memcpy(status, p, sizeof(*status));
	n = len - sizeof(*status);
	if (!str_ok(p + sizeof(*status), n))
		return -EINVAL;
	if (n >= msglen)
		n = msglen - 1;
	memcpy(msg, p + sizeof(*status), n);
	msg[n] = '\0';
	return 0;
}

int natport_ctl_field_next(const void *buf, size_t len, size_t *off,
			   struct natport_ctl_field *f)
{
	const uint8_t *p = buf;
	uint16_t vlen;
	uint8_t klen;

	if (*off == len)
		return 0;
	if (*off > len || len - *off < 4)
		return -EBADMSG;
	f->kind = p[*off];
	klen = p[*off + 1];
	memcpy(&vlen, p + *off + 2, 2);
	if (len - *off - 4 < (size_t)klen + vlen || klen > NATPORT_CTL_KEY_MAX)
		return -EBADMSG;
	memcpy(f->key, p + *off + 4, klen);
	f->key[klen] = '\0';
	f->str = (const char *)p + *off + 4 + klen;
	f->slen = vlen;
	f->u64 = 0;
	switch (f->kind) {
	case NATPORT_CTL_F_STR:
		if (vlen > NATPORT_CTL_ARG_MAX || !str_ok(f->str, vlen) ||
		    !key_ok(f->key, klen))
			return -EBADMSG;
		break;
	case NATPORT_CTL_F_U64:
		if (vlen != 8 || !key_ok(f->key, klen))
			return -EBADMSG;
		memcpy(&f->u64, f->str, 8);
		break;
	case NATPORT_CTL_F_OBJ:
		if (vlen || (klen && !key_ok(f->key, klen)))
			return -EBADMSG;
		break;
	case NATPORT_CTL_F_LIST:
		if (vlen || !key_ok(f->key, klen))
			return -EBADMSG;
		break;
	case NATPORT_CTL_F_END:
		if (vlen || klen)
			return -EBADMSG;
		break;
	default:
		return -EBADMSG;
	}
	*off += 4 + klen + vlen;
	return 1;
}

int natport_ctl_record_check(const void *buf, size_t len)
{
	/* per level: is it a list (whose members must be keyless objects)? */
	int in_list[NATPORT_CTL_DEPTH_MAX + 1] = { 0 };
	struct natport_ctl_field f;
	size_t off = 0;
	int depth = 0, r;

	if (len > NATPORT_CTL_MSG_MAX)
		return -EBADMSG;
	while ((r = natport_ctl_field_next(buf, len, &off, &f)) == 1) {
		if (f.kind == NATPORT_CTL_F_END) {
			if (!depth)
				return -EBADMSG;
			depth--;
			continue;
		}
		/* keyless exactly inside lists, and only objects there */
		if (in_list[depth] !=
		    (f.kind == NATPORT_CTL_F_OBJ && !f.key[0]))
			return -EBADMSG;
		if (f.kind == NATPORT_CTL_F_OBJ ||
		    f.kind == NATPORT_CTL_F_LIST) {
			if (depth == NATPORT_CTL_DEPTH_MAX)
				return -EBADMSG;
			in_list[++depth] = f.kind == NATPORT_CTL_F_LIST;
		}
	}
	if (r < 0 || depth)
		return -EBADMSG;
	return 0;
}

const char *natport_ctl_cmd_name(int cmd)
{
	static const char *const n[__NATPORT_CTL_CMD_MAX] = {
		[NATPORT_CTL_CMD_CALLS_LIST] = "calls list",
		[NATPORT_CTL_CMD_CALLS_SHOW] = "calls show",
		[NATPORT_CTL_CMD_MAPPINGS_LIST] = "mappings list",
		[NATPORT_CTL_CMD_MAPPINGS_SHOW] = "mappings show",
		[NATPORT_CTL_CMD_MAPPINGS_ADD] = "mappings add",
		[NATPORT_CTL_CMD_MAPPINGS_DEL] = "mappings del",
		[NATPORT_CTL_CMD_FLUSH] = "flush",
		[NATPORT_CTL_CMD_STATS] = "stats",
		[NATPORT_CTL_CMD_WATCH] = "watch",
		[NATPORT_CTL_CMD_CALLS_DEL] = "calls del",
	};

	if (cmd <= 0 || cmd >= __NATPORT_CTL_CMD_MAX)
		return "unknown";
	return n[cmd];
}

const char *natport_ctl_strerror(int status)
{
	static const char *const n[__NATPORT_CTL_E_MAX] = {
		[NATPORT_CTL_OK] = "ok",
		[NATPORT_CTL_E_PROTO] = "protocol error",
		[NATPORT_CTL_E_CMD] = "unknown command",
		[NATPORT_CTL_E_ARGS] = "bad arguments",
		[NATPORT_CTL_E_NOENT] = "not found",
		[NATPORT_CTL_E_PERM] = "not allowed",
		[NATPORT_CTL_E_PM] = "port manager error",
		[NATPORT_CTL_E_BUSY] = "too many clients",
		[NATPORT_CTL_E_NOMEM] = "out of memory",
		[NATPORT_CTL_E_DENIED] = "permission denied",
	};

	if (status < 0 || status >= __NATPORT_CTL_E_MAX)
		return "unknown error";
	return n[status];
}
