// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_sip_msg.c - libFuzzer: a datagram through nat-portd's SIP message
 * checks (userspace/daemon/sip/msg.h), then everything the proxy does to
 * a message that passed them: Via received/rport and target, branch and
 * loop check, tags, Max-Forwards, a local response, the dialog requests
 * of a 2xx, serialisation. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_message.h>

#include "sip/msg.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	natport_sip_msg_init();
	return 0;
}

static void to_str_free(osip_message_t *m)
{
	char *s = NULL;
	size_t n = 0;

	if (m && !osip_message_to_str(m, &s, &n))
		osip_free(s);
	osip_message_free(m);
}

static void exercise(osip_message_t *m)
{
	struct natport_endpoint src = { .family = AF_INET, .port = 5060 };
	struct natport_endpoint ours = src, dst;
	const struct natport_endpoint *op = &ours;
	osip_via_t *via = osip_list_get(&m->vias, 0);
	char branch[NATPORT_SIP_BRANCH_LEN + 1];

	inet_pton(AF_INET, "198.51.100.20", &src.addr.v4);
	inet_pton(AF_INET, "198.51.100.1", &ours.addr.v4);
	if (via) {
		natport_sip_via_is(via, &ours);
		natport_sip_via_received(via, &src);
		natport_sip_via_target(via, &dst);
	}
	if (m->req_uri)
		natport_sip_uri_endpoint(m->req_uri, &dst);
	natport_sip_from_tag(m);
	natport_sip_to_tag(m);
	if (MSG_IS_REQUEST(m)) {
		natport_sip_branch(m, 42, branch, sizeof(branch));
		natport_sip_is_loop(m, 42, &op, 1);
		if (natport_sip_max_forwards(m) > 0)
			natport_sip_set_max_forwards(m, 69);
		to_str_free(natport_sip_response(m, 400, "Bad Request"));
		to_str_free(natport_sip_response(m, 100, "Trying"));
	} else if (MSG_IS_STATUS_2XX(m)) {
		to_str_free(natport_sip_dialog_request(m, "ACK", 1, 1));
		to_str_free(natport_sip_dialog_request(m, "BYE", 4, 2));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct natport_sip_parse_err e;
	osip_message_t *m, *answerable = NULL;

	m = natport_sip_msg_parse((const char *)data, size, &e, &answerable);
	if (m) {
		exercise(m);
		to_str_free(m);
	}
	if (answerable) {
		/* what a 400 is built from */
		to_str_free(natport_sip_response(answerable, 400, e.reason));
		osip_message_free(answerable);
	}
	return 0;
}
