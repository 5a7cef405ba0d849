// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_sdp.c - libFuzzer: the SDP parser, and the rewriter on whatever it
 * accepts (userspace/daemon/media/sdp.h). The rewritten body must parse again,
 * to as many streams. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct natport_sdp sdp, again;
	struct natport_sdp_rewrite rw[NATPORT_SDP_MAX_STREAMS];
	char err[256], *out = NULL;
	size_t outlen = 0;

	memset(&sdp, 0, sizeof(sdp));
	if (natport_sdp_parse(&sdp, (const char *)data, size, err, sizeof(err)))
		return 0;
	/* every stream to 203.0.113.1, ports from 40000 up */
	memset(rw, 0, sizeof(rw));
	for (unsigned int i = 0; i < sdp.n; i++) {
		rw[i].rtp.family = AF_INET;
		inet_pton(AF_INET, "203.0.113.1", &rw[i].rtp.addr);
		rw[i].rtp.port = (uint16_t)(40000 + 2 * i);
		rw[i].rtcp_port = sdp.s[i].rtcp_mux ? 0 : rw[i].rtp.port + 1;
	}
	if (!natport_sdp_rewrite(&sdp, rw, &out, &outlen, err, sizeof(err))) {
		memset(&again, 0, sizeof(again));
		/* what we send must be what we would accept, size included
		 * (regress/sdp/grows-past-max: the rewriter refuses a body
		 * that would grow past NATPORT_SDP_MAX_LEN) */
		if (outlen > NATPORT_SDP_MAX_LEN)
			abort();
		memset(&again, 0, sizeof(again));
		if (natport_sdp_parse(&again, out, outlen, err, sizeof(err)) ||
		    again.n != sdp.n)
			abort();
		natport_sdp_free(&again);
		free(out);
	}
	natport_sdp_free(&sdp);
	return 0;
}
