/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netns_unit.h - put a unit test in a network namespace of its own, so
 * what it binds and installs touches nothing else. Needs root; exits 77
 * (skip, which fails under CI=true) without it. The interface is a veth:
 * this kernel has no dummy driver (and cannot load one). */
#ifndef NATPORT_NETNS_UNIT_H
#define NATPORT_NETNS_UNIT_H

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void netns_unit_enter(void)
{
	if (unshare(CLONE_NEWNET) != 0) {
		perror("unshare(CLONE_NEWNET)");
		printf("needs root: cannot make a private network namespace\n");
		exit(77);
	}
	if (system("ip link set lo up && ip link add np0 type veth peer name np1 && "
		   "ip addr add 198.51.100.1/24 dev np0 && "
		   "ip addr add 192.0.2.1/24 dev np0 && ip link set np0 up && "
		   "ip link set np1 up")) {
		printf("cannot set up the private namespace (ip missing?)\n");
		exit(77);
	}
}

#endif
