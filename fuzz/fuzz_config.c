/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: configuration and files from outside. The input is
 * parsed as a NETPOOL_FAULT string (np_fault_parse: 0 or -EINVAL, never a
 * crash) and, written to a file, read as a statistics snapshot
 * (np_stats_snapshot_read: a foreign or damaged file is -EINVAL).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "netpool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), path[64];
	struct np_stats_snapshot snap;
	FILE *f;
	int rc;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	rc = np_fault_parse(s);
	if (rc != 0 && rc != -EINVAL)
		abort();
	np_fault_reset();
	free(s);

	snprintf(path, sizeof(path), "/tmp/netpool-fuzz-%d.snap", (int)getpid());
	f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	memset(&snap, 0, sizeof(snap));
	rc = np_stats_snapshot_read(path, &snap);
	if (rc == 0)
		np_stats_snapshot_free(&snap);
	else if (rc != -EINVAL && rc != -EAGAIN)
		abort();
	unlink(path);
	return 0;
}
