/* SPDX-License-Identifier: MIT */
/* NUMA node of the calling CPU (getcpu; node 0 where the kernel has none). */
#include <sched.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "internal.h"

int np_numa_local_node(void)
{
	unsigned cpu = 0, node = 0;

	if (syscall(SYS_getcpu, &cpu, &node, NULL) != 0)
		return 0;
	return node < NP_MAX_NUMNODES ? (int)node : 0;
}
