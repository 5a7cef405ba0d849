/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * log.h - nat-portd's logging: stderr in the foreground, syslog once
 * daemonized (OpenBSD style). Anything a packet from outside can trigger
 * must use a rate-limited variant, so a flood of bad SIP cannot flood the
 * log: each call site gets LOG_RL_BURST messages per LOG_RL_WINDOW_MS and
 * then one "suppressed N messages" line when the window turns over.
 */
#ifndef NATPORT_LOG_H
#define NATPORT_LOG_H

#include <stdint.h>
#include <syslog.h>

#define LOG_RL_BURST 10
#define LOG_RL_WINDOW_MS 5000

struct log_rl {
	uint64_t window_ms;
	unsigned int count, suppressed;
};

void natport_log_init(const char *ident, int foreground, int level);
void natport_log_set_level(int level);
int natport_log_get_level(void);
/* "error", "warning", "info", "debug" -> LOG_*; -1 if unknown */
int natport_log_level_parse(const char *s);
const char *natport_log_level_name(int level);

/* log_warn appends ": strerror(errno)"; log_warnx does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

void log_rl(struct log_rl *rl, int pri, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Rate-limited, one budget per call site. */
#define log_warnx_rl(...)                                        \
	do {                                                     \
		static struct log_rl rl_;                        \
		log_rl(&rl_, LOG_WARNING, __VA_ARGS__);          \
	} while (0)
#define log_info_rl(...)                                         \
	do {                                                     \
		static struct log_rl rl_;                        \
		log_rl(&rl_, LOG_INFO, __VA_ARGS__);             \
	} while (0)

#endif /* NATPORT_LOG_H */
