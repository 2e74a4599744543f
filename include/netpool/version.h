/* SPDX-License-Identifier: MIT */
/*
 * netpool/version.h - the library's version, at build time and at run time.
 *
 * NETPOOL_VERSION_* are the headers' version; np_version() says which
 * library a program actually runs with. The shared library's exported
 * symbols carry version nodes named NETPOOL_<major>.<minor> (netpool.map):
 * a minor release only adds a node, a layout change of a public struct is a
 * new major version (its soname, libnetpool.so.<major>, changes with it).
 */
#ifndef NETPOOL_VERSION_H
#define NETPOOL_VERSION_H

#include "compiler.h"

NP_EXTERN_C_BEGIN

#define NETPOOL_VERSION_MAJOR	0
#define NETPOOL_VERSION_MINOR	1
#define NETPOOL_VERSION_PATCH	0
/* one number that compares: (major << 16) | (minor << 8) | patch */
#define NETPOOL_VERSION_NUM \
	((NETPOOL_VERSION_MAJOR << 16) | (NETPOOL_VERSION_MINOR << 8) | NETPOOL_VERSION_PATCH)

/**
 * np_version() - the version of the library this program runs with.
 * @major: where the major number goes, or NULL.
 * @minor: where the minor number goes, or NULL.
 * @patch: where the patch level goes, or NULL.
 * Context: any thread; no lock.
 * Return: the version as text, "major.minor.patch" (a static string).
 */
NP_API const char *np_version(int *major, int *minor, int *patch);

NP_EXTERN_C_END

#endif /* NETPOOL_VERSION_H */
