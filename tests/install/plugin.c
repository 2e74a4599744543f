/* SPDX-License-Identifier: MIT */
/*
 * A program that loads an installed libnetpool.so at run time with dlopen()
 * (a plugin host does), so the library's thread-locals live in dynamic TLS:
 * skbs are built and freed on the main thread and on two others, each
 * thread's skb cache its own, and every skb is accounted for at the end.
 * Usage: plugin PATH-TO-libnetpool.so
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

struct np_skb;
static struct np_skb *(*alloc_skb)(uint32_t size);
static void (*consume_skb)(struct np_skb *skb);
static void (*thread_flush)(void);
static int64_t (*skb_live)(void);

static void *churn(void *arg)
{
	struct np_skb *held[100];

	(void)arg;
	for (int round = 0; round < 1000; round++) {
		for (int i = 0; i < 100; i++)
			if (!(held[i] = alloc_skb(256)))
				return (void *)1;
		for (int i = 0; i < 100; i++)
			consume_skb(held[i]);
	}
	thread_flush();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[2];
	void *lib, *ret[2];

	if (argc != 2)
		return 2;
	lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr, "plugin: %s\n", dlerror());
		return 1;
	}
	*(void **)&alloc_skb = dlsym(lib, "np_alloc_skb");
	*(void **)&consume_skb = dlsym(lib, "np_consume_skb");
	*(void **)&thread_flush = dlsym(lib, "np_skb_thread_flush");
	*(void **)&skb_live = dlsym(lib, "np_skb_live");
	if (!alloc_skb || !consume_skb || !skb_live) {
		fprintf(stderr, "plugin: a symbol is missing: %s\n", dlerror());
		return 1;
	}
	if (churn(NULL))
		return 1;
	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, churn, NULL))
			return 1;
	for (int i = 0; i < 2; i++)
		if (pthread_join(t[i], &ret[i]) || ret[i])
			return 1;
	if (skb_live() != 0) {
		fprintf(stderr, "plugin: %lld skbs live at the end\n", (long long)skb_live());
		return 1;
	}
	printf("plugin: 300000 skbs on 3 threads through a dlopen()ed libnetpool.so\n");
	return dlclose(lib) != 0;
}
