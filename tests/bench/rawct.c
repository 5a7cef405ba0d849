// SPDX-License-Identifier: GPL-2.0-or-later
/* rawct.c - raw batched ctnetlink entry creation and deletion (rawct.h). */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "rawct.h"

int rawct_run(int n, bool del, rawct_fill_fn fill, void *arg)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	static char buf[RAW_CT_BATCH * 512], rbuf[1 << 16];
	uint32_t seq = time(NULL);
	int done = 0;

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("rawct: netlink");
		if (nl)
			mnl_socket_close(nl);
		return -1;
	}
	while (done < n) {
		size_t len = 0;
		int k, acks = 0;

		for (k = 0; k < RAW_CT_BATCH && done + k < n; k++) {
			struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + len);
			struct nf_conntrack *ct = nfct_new();
			struct nfgenmsg *nfg;

			nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) |
					  (del ? IPCTNL_MSG_CT_DELETE :
						 IPCTNL_MSG_CT_NEW);
			nlh->nlmsg_flags =
				NLM_F_REQUEST | NLM_F_ACK |
				(del ? 0 : NLM_F_CREATE | NLM_F_EXCL);
			nlh->nlmsg_seq = seq++;
			nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
			nfg->nfgen_family = AF_INET;
			nfg->version = NFNETLINK_V0;
			fill(ct, done + k, del, arg);
			nfct_nlmsg_build(nlh, ct);
			nfct_destroy(ct);
			len += NLMSG_ALIGN(nlh->nlmsg_len);
		}
		mnl_socket_sendto(nl, buf, len);
		/* one NLMSG_ERROR (an ack or an error) per message */
		while (acks < k) {
			int r = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf));
			struct nlmsghdr *h;

			if (r < 0)
				break;
			for (h = (struct nlmsghdr *)rbuf; mnl_nlmsg_ok(h, r);
			     h = mnl_nlmsg_next(h, &r))
				if (h->nlmsg_type == NLMSG_ERROR)
					acks++;
		}
		done += k;
	}
	mnl_socket_close(nl);
	return 0;
}
