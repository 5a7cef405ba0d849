// SPDX-License-Identifier: LGPL-2.1-or-later
/* err.c - names for natport's error codes, port types and states. */
#include <string.h>

#include <natport/natport.h>

/* Indexed by NATPORT_E_INDEX(code). */
static const char *const error_names[__NATPORT_E_MAX] = {
	[0] = "success",
	[NATPORT_E_INDEX(NATPORT_E_INVAL)] = "invalid request",
	[NATPORT_E_INDEX(NATPORT_E_BADADDR)] = "address not allowed",
	[NATPORT_E_INDEX(NATPORT_E_NOTSUP)] = "not supported",
	[NATPORT_E_INDEX(NATPORT_E_NOPORT)] = "no free external port",
	[NATPORT_E_INDEX(NATPORT_E_NOENT)] = "unknown mapping",
	[NATPORT_E_INDEX(NATPORT_E_EXIST)] =
		"internal endpoint already mapped as another type",
	[NATPORT_E_INDEX(NATPORT_E_KERNEL)] = "kernel refused",
	[NATPORT_E_INDEX(NATPORT_E_NOMEM)] = "out of memory",
	[NATPORT_E_INDEX(NATPORT_E_SYS)] = "system error",
};

int natport_is_error(int err)
{
	if (err < 0)
		err = -err;
	return err > NATPORT_E_BASE && err < __NATPORT_E_END;
}

const char *natport_strerror(int err)
{
	const char *s;

	if (err < 0)
		err = -err;
	if (err == 0)
		return error_names[0];
	if (natport_is_error(err))
		return error_names[NATPORT_E_INDEX(err)];
	/* strerrordesc_np: not localised, thread-safe, NULL when unknown */
	s = err < NATPORT_E_BASE ? strerrordesc_np(err) : NULL;
	return s ? s : "unknown error";
}

static const char *const type_names[__NATPORT_PORT_MAX] = {
	[NATPORT_PORT_AUDIO_RTP] = "audio_rtp",
	[NATPORT_PORT_AUDIO_RTCP] = "audio_rtcp",
	[NATPORT_PORT_VIDEO_RTP] = "video_rtp",
	[NATPORT_PORT_VIDEO_RTCP] = "video_rtcp",
	[NATPORT_PORT_SIP] = "sip",
	[NATPORT_PORT_DATA] = "data",
};

const char *natport_port_type_name(enum natport_port_type type)
{
	if ((unsigned int)type >= __NATPORT_PORT_MAX)
		return "unknown";
	return type_names[type];
}

int natport_port_type_parse(const char *name)
{
	int i;

	for (i = 0; i < __NATPORT_PORT_MAX; i++)
		if (name && !strcmp(name, type_names[i]))
			return i;
	return -NATPORT_E_INVAL;
}

int natport_port_type_is_rtp(enum natport_port_type type)
{
	return type == NATPORT_PORT_AUDIO_RTP || type == NATPORT_PORT_VIDEO_RTP;
}

int natport_port_type_is_rtcp(enum natport_port_type type)
{
	return type == NATPORT_PORT_AUDIO_RTCP ||
	       type == NATPORT_PORT_VIDEO_RTCP;
}

const char *natport_mapping_state_name(enum natport_mapping_state state)
{
	switch (state) {
	case NATPORT_MAP_HELD:
		return "held";
	case NATPORT_MAP_ACTIVE:
		return "active";
	case NATPORT_MAP_QUARANTINED:
		return "quarantined";
	}
	return "unknown";
}
