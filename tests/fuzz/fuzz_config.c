// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_config.c - libFuzzer: nat-portd's configuration parser
 * (userspace/daemon/core/config.h). A configuration it accepts must be one it
 * would accept again, whole: parsing twice gives the same result. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct natport_config a, b;
	char err[512];
	uint32_t ms;
	char dur[16];
	int ra, rb;

	natport_config_defaults(&a);
	natport_config_defaults(&b);
	ra = natport_config_parse(&a, "fuzz.conf", (const char *)data, size,
				  err, sizeof(err));
	/* the error is always a terminated "name:line: reason" */
	if (ra &&
	    (!memchr(err, '\0', sizeof(err)) || strncmp(err, "fuzz.conf:", 10)))
		abort();
	rb = natport_config_parse(&b, "fuzz.conf", (const char *)data, size,
				  err, sizeof(err));
	if (ra != rb || (!ra && memcmp(&a, &b, sizeof(a))))
		abort();
	if (!ra)
		natport_config_restart_needed(&a, &b);
	/* the duration syntax on its own, from the first bytes */
	if (size < sizeof(dur)) {
		memcpy(dur, data, size);
		dur[size] = '\0';
		natport_config_parse_duration(dur, &ms);
	}
	return 0;
}
