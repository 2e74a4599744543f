/* SPDX-License-Identifier: MIT */
/*
 * NUMA node of the calling CPU. On a machine with one node (the common case,
 * and every machine without NUMA support) this is a constant; otherwise the
 * CPU comes from sched_getcpu() (no system call) and a table read once from
 * sysfs maps it to its node.
 */
#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "netpool/page.h"

#define NP_NUMA_MAX_CPUS 1024

static int np_numa_nodes;			/* 0: not probed yet */
static uint8_t np_cpu_node[NP_NUMA_MAX_CPUS];
static pthread_once_t np_numa_once = PTHREAD_ONCE_INIT;

static void np_numa_probe(void)
{
	DIR *d = opendir("/sys/devices/system/node");
	struct dirent *e;
	int nodes = 0;

	while (d && (e = readdir(d))) {
		char path[300], buf[4096], *tok, *save = NULL;
		unsigned node;
		FILE *f;

		if (sscanf(e->d_name, "node%u", &node) != 1 || node >= NP_MAX_NUMNODES)
			continue;
		nodes++;
		snprintf(path, sizeof(path), "/sys/devices/system/node/%s/cpulist", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f)) {
			for (tok = strtok_r(buf, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save)) {
				unsigned lo, hi;
				int k = sscanf(tok, "%u-%u", &lo, &hi);

				if (k < 1)
					continue;
				if (k == 1)
					hi = lo;
				for (unsigned c = lo; c <= hi && c < NP_NUMA_MAX_CPUS; c++)
					np_cpu_node[c] = (uint8_t)node;
			}
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	np_numa_nodes = nodes ? nodes : 1;
}

int np_numa_local_node(void)
{
	int cpu;

	pthread_once(&np_numa_once, np_numa_probe);
	if (np_numa_nodes == 1)
		return 0;
	cpu = sched_getcpu();
	return (cpu >= 0 && cpu < NP_NUMA_MAX_CPUS) ? np_cpu_node[cpu] : 0;
}
