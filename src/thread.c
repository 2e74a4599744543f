/* SPDX-License-Identifier: MIT */
/*
 * Threads the library starts (queue threads, the stats exporter, the pool
 * reaper, the capture writer, the AF_XDP driver's short veth-peer probe): an application's asynchronous signals are
 * never delivered to them, so its handlers run on its own threads, and a
 * signal never lands on a thread still being set up. Each starts with every
 * signal blocked and, once running, takes the synchronous fault signals
 * again, so a fault in library code still reaches the application's handler.
 * Each is named "np-...", as top -H, ps -L and gdb show it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include "internal.h"

struct np_thread_start {
	void *(*fn)(void *);
	void *arg;
	char name[16];
};

static void *np_thread_trampoline(void *p)
{
	struct np_thread_start st = *(struct np_thread_start *)p;
	sigset_t faults;

	free(p);
	pthread_setname_np(pthread_self(), st.name);	/* what top -H and gdb show */
	sigemptyset(&faults);
	sigaddset(&faults, SIGSEGV);
	sigaddset(&faults, SIGBUS);
	sigaddset(&faults, SIGFPE);
	sigaddset(&faults, SIGILL);
	sigaddset(&faults, SIGTRAP);
	sigaddset(&faults, SIGSYS);
	sigaddset(&faults, SIGABRT);
	pthread_sigmask(SIG_UNBLOCK, &faults, NULL);
	return st.fn(st.arg);
}

int np_thread_create(pthread_t *thread, const pthread_attr_t *attr, const char *name,
		     void *(*fn)(void *), void *arg)
{
	struct np_thread_start *st = malloc(sizeof(*st));
	sigset_t all, old;
	int err;

	if (!st)
		return ENOMEM;
	st->fn = fn;
	st->arg = arg;
	snprintf(st->name, sizeof(st->name), "%s", name);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(thread, attr, np_thread_trampoline, st);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		free(st);
	return err;
}
