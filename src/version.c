/* SPDX-License-Identifier: MIT */
/* The library's version at run time (netpool/version.h). */
#include "internal.h"
#include "netpool/version.h"

#define NP_STR2(x)	#x
#define NP_STR(x)	NP_STR2(x)

const char *np_version(int *major, int *minor, int *patch)
{
	if (major)
		*major = NETPOOL_VERSION_MAJOR;
	if (minor)
		*minor = NETPOOL_VERSION_MINOR;
	if (patch)
		*patch = NETPOOL_VERSION_PATCH;
	return NP_STR(NETPOOL_VERSION_MAJOR) "." NP_STR(NETPOOL_VERSION_MINOR) "."
	       NP_STR(NETPOOL_VERSION_PATCH);
}
