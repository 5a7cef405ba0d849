// SPDX-License-Identifier: GPL-2.0-or-later
/* log.c - stderr or syslog, with a per-call-site rate limit. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"

static int log_foreground = 1;
static int log_level = LOG_INFO;

static const char *const level_names[] = {
	[LOG_ERR] = "error",
	[LOG_WARNING] = "warning",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

void natport_log_init(const char *ident, int foreground, int level)
{
	log_foreground = foreground;
	log_level = level;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void natport_log_set_level(int level)
{
	log_level = level;
}

int natport_log_get_level(void)
{
	return log_level;
}

int natport_log_level_parse(const char *s)
{
	for (unsigned int i = 0; i < sizeof(level_names) / sizeof(*level_names);
	     i++)
		if (level_names[i] && !strcmp(s, level_names[i]))
			return (int)i;
	return -1;
}

const char *natport_log_level_name(int level)
{
	if (level < 0 || level > LOG_DEBUG || !level_names[level])
		return "?";
	return level_names[level];
}

static void vlog(int pri, const char *fmt, va_list ap)
{
	if (pri > log_level)
		return;
	if (log_foreground) {
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		fflush(stderr);
	} else {
		vsyslog(pri, fmt, ap);
	}
}

static void logit(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

static void vlog_errno(int pri, int saved, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	logit(pri, "%s: %s", buf, strerror(saved));
}

void log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog_errno(LOG_WARNING, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_level < LOG_DEBUG)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog_errno(LOG_CRIT, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void log_rl(struct log_rl *rl, int pri, const char *fmt, ...)
{
	uint64_t now;
	va_list ap;

	if (pri > log_level)
		return;
	now = mono_ms();
	if (now - rl->window_ms >= LOG_RL_WINDOW_MS) {
		if (rl->suppressed)
			logit(pri, "(suppressed %u similar messages)",
			      rl->suppressed);
		rl->window_ms = now;
		rl->count = 0;
		rl->suppressed = 0;
	}
	if (rl->count >= LOG_RL_BURST) {
		rl->suppressed++;
		return;
	}
	rl->count++;
	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}
