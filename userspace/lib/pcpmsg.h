/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pcpmsg.h - the wire codec of PCP (RFC 6887, version 2) and NAT-PMP
 * (RFC 6886, version 0), shared by the router's server and the
 * application's client. Pure functions over byte buffers: no sockets, no
 * allocation, no state.
 *
 * PCP, every field in network byte order:
 *
 *   request   version(8)=2 | R=0 opcode(7) | reserved(16)
 *             requested lifetime(32)
 *             client IP address(128)
 *   response  version(8)=2 | R=1 opcode(7) | reserved(8) | result(8)
 *             lifetime(32) | epoch time(32) | reserved(96)
 *   MAP       nonce(96) | protocol(8) | reserved(24)
 *             internal port(16) | (suggested/assigned) external port(16)
 *             external IP address(128)                         36 octets
 *   PEER      MAP's 36 octets, then remote peer port(16) | reserved(16)
 *             remote peer IP address(128)                       56 octets
 *   option    code(8) | reserved(8) | length(16) | data, padded to 4
 *             THIRD_PARTY(1): internal IP address(128)  MAP, PEER
 *             PREFER_FAILURE(2): no data                MAP
 *             FILTER(3): reserved(8) | prefix length(8) | remote port(16)
 *                        remote IP address(128)          MAP
 *
 * Every 128-bit address field carries IPv4 as an IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d, all 96 leading bits checked); the codec turns those
 * into AF_INET endpoints and back. The all-zero field (::) decodes as an
 * AF_INET6 unspecified endpoint, ::ffff:0.0.0.0 as AF_INET 0.0.0.0, and an
 * AF_UNSPEC endpoint encodes as ::. Reserved fields are sent as zero and
 * ignored on receipt, as both RFCs say.
 *
 * NAT-PMP:
 *
 *   request   version(8)=0 | opcode(8)          0 = external address
 *             ... opcode 1 (UDP), 2 (TCP): reserved(16) | internal
 *             port(16) | suggested external port(16) | lifetime(32)
 *   response  version(8)=0 | opcode+128(8) | result(16) | epoch(32)
 *             opcode 128: external IPv4 address(32)            12 octets
 *             129, 130: internal port(16) | external port(16)
 *                       lifetime(32)                           16 octets
 *
 * Request decoders return the result code the request earns (0 when it is
 * valid) or -EBADMSG when the RFC says to drop it silently; what could be
 * read before an error is filled in, so an error response can be built.
 * Encoders return the length written or -ENOSPC.
 */
#ifndef NATPORT_PCPMSG_H
#define NATPORT_PCPMSG_H

#include <stddef.h>
#include <stdint.h>

#include <natport/natport.h>

#define NATPORT_PCP_SERVER_PORT 5351 /* both protocols, on the router */
#define NATPORT_PCP_CLIENT_PORT 5350 /* announcements to clients */
#define NATPORT_PCP_VERSION 2
#define NATPORT_NATPMP_VERSION 0
#define NATPORT_PCP_MAX_LEN 1100 /* section 7 */
#define NATPORT_PCP_HDR_LEN 24
#define NATPORT_PCP_MAP_LEN 36
#define NATPORT_PCP_PEER_LEN 56
#define NATPORT_PCP_NONCE_LEN 12
#define NATPORT_PCP_MAX_FILTERS 8 /* more: EXCESSIVE_REMOTE_PEERS */
#define NATPORT_PCP_PROTO_UDP 17
#define NATPORT_PCP_PROTO_TCP 6

enum natport_pcp_opcode {
	NATPORT_PCP_OP_ANNOUNCE = 0,
	NATPORT_PCP_OP_MAP = 1,
	NATPORT_PCP_OP_PEER = 2,
};

enum natport_pcp_option_code {
	NATPORT_PCP_OPT_THIRD_PARTY = 1,
	NATPORT_PCP_OPT_PREFER_FAILURE = 2,
	NATPORT_PCP_OPT_FILTER = 3,
	/* 0-127 mandatory to process, 128-255 optional (section 7.3) */
	NATPORT_PCP_OPT_OPTIONAL = 128,
};

/* Result codes, RFC 6887 section 7.4. */
enum natport_pcp_result {
	NATPORT_PCP_SUCCESS = 0,
	NATPORT_PCP_UNSUPP_VERSION = 1,
	NATPORT_PCP_NOT_AUTHORIZED = 2,
	NATPORT_PCP_MALFORMED_REQUEST = 3,
	NATPORT_PCP_UNSUPP_OPCODE = 4,
	NATPORT_PCP_UNSUPP_OPTION = 5,
	NATPORT_PCP_MALFORMED_OPTION = 6,
	NATPORT_PCP_NETWORK_FAILURE = 7,
	NATPORT_PCP_NO_RESOURCES = 8,
	NATPORT_PCP_UNSUPP_PROTOCOL = 9,
	NATPORT_PCP_USER_EX_QUOTA = 10,
	NATPORT_PCP_CANNOT_PROVIDE_EXTERNAL = 11,
	NATPORT_PCP_ADDRESS_MISMATCH = 12,
	NATPORT_PCP_EXCESSIVE_REMOTE_PEERS = 13,
	__NATPORT_PCP_RESULT_MAX
};

/* NAT-PMP opcodes and result codes, RFC 6886 sections 3.2, 3.3, 3.5. */
enum natport_natpmp_opcode {
	NATPORT_NATPMP_OP_ADDR = 0,
	NATPORT_NATPMP_OP_MAP_UDP = 1,
	NATPORT_NATPMP_OP_MAP_TCP = 2,
	NATPORT_NATPMP_OP_RESPONSE = 128,
};
enum natport_natpmp_result {
	NATPORT_NATPMP_SUCCESS = 0,
	NATPORT_NATPMP_UNSUPP_VERSION = 1,
	NATPORT_NATPMP_REFUSED = 2, /* "not authorized/refused" */
	NATPORT_NATPMP_NETWORK_FAILURE = 3,
	NATPORT_NATPMP_NO_RESOURCES = 4,
	NATPORT_NATPMP_UNSUPP_OPCODE = 5,
};
#define NATPORT_NATPMP_ADDR_REQ_LEN 2
#define NATPORT_NATPMP_MAP_REQ_LEN 12
#define NATPORT_NATPMP_HDR_LEN 8
#define NATPORT_NATPMP_ADDR_RESP_LEN 12
#define NATPORT_NATPMP_MAP_RESP_LEN 16

/* A FILTER option: remote prefix (prefix_len counts the 128-bit form, so
 * an IPv4 /24 is 120) and port (0 = all ports). */
struct natport_pcp_filter {
	uint8_t prefix_len;
	struct natport_endpoint remote;
};

/* One PCP message, request or response, decoded. Fields that the opcode
 * does not carry stay zero. */
struct natport_pcp_msg {
	uint8_t version;
	uint8_t opcode;
	uint8_t response; /* the R bit */
	uint8_t result;   /* responses */
	uint32_t lifetime;
	uint32_t epoch;   /* responses */
	struct natport_endpoint client; /* requests: client IP address */
	/* MAP and PEER */
	uint8_t nonce[NATPORT_PCP_NONCE_LEN];
	uint8_t protocol;
	uint16_t internal_port;
	struct natport_endpoint external; /* suggested or assigned */
	/* PEER */
	struct natport_endpoint peer;
	/* options */
	uint8_t has_third_party;
	uint8_t prefer_failure;
	struct natport_endpoint third_party;
	unsigned int n_filters;
	struct natport_pcp_filter filters[NATPORT_PCP_MAX_FILTERS];
	unsigned int n_skipped; /* optional options not understood */
};

struct natport_natpmp_msg {
	uint8_t version;
	uint8_t opcode; /* with 128 added in responses */
	uint16_t result; /* responses */
	uint32_t epoch;  /* responses */
	struct in_addr external; /* opcode 128 */
	uint16_t internal_port, external_port;
	uint32_t lifetime;
};

/* natport_pcpmsg_decode_request - check and decode a PCP request of len
 * octets, as RFC 6887 section 8.3 orders the checks:
 *   len < 2, or the R bit set                  -EBADMSG (drop)
 *   version other than 2                       UNSUPP_VERSION
 *   len < 24                                   -EBADMSG (drop)
 *   len > 1100 or not a multiple of 4          MALFORMED_REQUEST
 *   opcode other than ANNOUNCE, MAP, PEER      UNSUPP_OPCODE
 *   shorter than the opcode's data             MALFORMED_REQUEST
 *   option running past the end                MALFORMED_OPTION
 *   unknown option code below 128              UNSUPP_OPTION
 *   known option, wrong length, or not valid
 *   for this opcode, or repeated (THIRD_PARTY,
 *   PREFER_FAILURE), or a FILTER prefix length
 *   out of range for its family                MALFORMED_OPTION
 *   more FILTERs than NATPORT_PCP_MAX_FILTERS  EXCESSIVE_REMOTE_PEERS
 * Unknown optional options (128-255) are skipped and counted. The check
 * of the client address against the packet's source is the server's
 * (natport_pcpsrv_handle), since only it knows the source. */
int natport_pcpmsg_decode_request(const uint8_t *buf, size_t len,
				  struct natport_pcp_msg *m);

/* natport_pcpmsg_decode_response - a PCP response, for the client:
 * version 2, R bit, 24..1100 octets, a multiple of 4; a SUCCESS response
 * must carry its opcode's data. Options are decoded as in requests, but
 * unknown ones are skipped whatever their code. 0 or -EBADMSG. */
int natport_pcpmsg_decode_response(const uint8_t *buf, size_t len,
				   struct natport_pcp_msg *m);

/* natport_pcpmsg_encode - a request or response (m->response) with the
 * opcode's data and the options set in m. */
int natport_pcpmsg_encode(const struct natport_pcp_msg *m, uint8_t *buf,
			  size_t len);

/* natport_pcpmsg_encode_error - the error response to a request of
 * req_len octets (section 8.3): the request copied, up to 1100 octets and
 * rounded down to a multiple of 4, at least a 24-octet header; then R bit
 * set, the result, lifetime and epoch written and the header's reserved
 * fields zeroed. For UNSUPP_VERSION the version field says 2. */
int natport_pcpmsg_encode_error(const uint8_t *req, size_t req_len,
				uint8_t result, uint32_t lifetime,
				uint32_t epoch, uint8_t *buf, size_t len);

/* natport_pcpmsg_result_name - "SUCCESS", "ADDRESS_MISMATCH"... */
const char *natport_pcpmsg_result_name(unsigned int result);
/* natport_pcpmsg_result_is_long - 1 for the long-lifetime errors of
 * section 7.4 (the request itself is at fault), 0 for the short ones. */
int natport_pcpmsg_result_is_long(unsigned int result);

/* natport_pcpmsg_addr_get / _put - one 128-bit address field. */
void natport_pcpmsg_addr_get(const uint8_t *p, struct natport_endpoint *ep);
void natport_pcpmsg_addr_put(uint8_t *p, const struct natport_endpoint *ep);

/* natport_natpmp_decode_request - RFC 6886 section 3:
 *   len < 2, or a response opcode (>= 128)     -EBADMSG (drop)
 *   version other than 0                       UNSUPP_VERSION (1)
 *   opcode other than 0, 1, 2                  UNSUPP_OPCODE (5)
 *   shorter than the opcode's request          -EBADMSG (drop)
 * Octets beyond the request are ignored (the RFC defines none). */
int natport_natpmp_decode_request(const uint8_t *buf, size_t len,
				  struct natport_natpmp_msg *m);
/* natport_natpmp_decode_response - version 0, a response opcode, the
 * length of its kind (an error may come as an 8-octet header only);
 * 0 or -EBADMSG. */
int natport_natpmp_decode_response(const uint8_t *buf, size_t len,
				   struct natport_natpmp_msg *m);
/* natport_natpmp_encode - request (opcode < 128) or response (>= 128);
 * a response with a non-zero result to an unknown opcode is the 8-octet
 * header only, and so is UNSUPP_VERSION. */
int natport_natpmp_encode(const struct natport_natpmp_msg *m, uint8_t *buf,
			  size_t len);

#endif /* NATPORT_PCPMSG_H */
