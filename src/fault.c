/* SPDX-License-Identifier: MIT */
/* Fault injection: Nth call, every Nth call, or a rate per million. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "netpool/fault.h"

np_atomic_u32 np_fault_mask;

static const char *const np_fault_names[NP_FAULT_NR] = {
	[NP_FAULT_PAGE_ALLOC] = "page_alloc",
	[NP_FAULT_DMA_MAP] = "dma_map",
	[NP_FAULT_RING_PRODUCE] = "ring_produce",
	[NP_FAULT_DESC_POST] = "desc_post",
};

static struct np_fault_state {
	/* read by every thread that hits the point while another may re-arm it */
	np_atomic_u64 nth, every;
	np_atomic_u32 ppm;
	np_atomic_u64 calls;
	np_atomic_u64 injected;
	np_atomic_u64 rng;
} np_faults[NP_FAULT_NR];

const char *np_fault_name(enum np_fault_point point)
{
	return (unsigned)point < NP_FAULT_NR ? np_fault_names[point] : NULL;
}

int np_fault_set(enum np_fault_point point, const struct np_fault_spec *spec)
{
	static const struct np_fault_spec off;
	struct np_fault_state *f;

	if ((unsigned)point >= NP_FAULT_NR || (spec && spec->ppm > 1000000))
		return -EINVAL;
	if (!spec)
		spec = &off;
	f = &np_faults[point];
	atomic_fetch_and(&np_fault_mask, ~(1u << point));
	atomic_store(&f->nth, spec->nth);
	atomic_store(&f->every, spec->every);
	atomic_store(&f->ppm, spec->ppm);
	atomic_store(&f->calls, 0);
	atomic_store(&f->injected, 0);
	atomic_store(&f->rng, spec->seed ? spec->seed : 0x9e3779b97f4a7c15ull);
	if (spec->nth || spec->every || spec->ppm)
		atomic_fetch_or(&np_fault_mask, 1u << point);
	return 0;
}

bool np_fault_hit_slow(enum np_fault_point point)
{
	struct np_fault_state *f = &np_faults[point];
	uint64_t call = atomic_fetch_add(&f->calls, 1) + 1;
	uint64_t nth = atomic_load_explicit(&f->nth, memory_order_relaxed);
	uint64_t every = atomic_load_explicit(&f->every, memory_order_relaxed);
	uint32_t ppm = atomic_load_explicit(&f->ppm, memory_order_relaxed);
	bool hit = false;

	if (nth && call == nth)
		hit = true;
	if (every && call % every == 0)
		hit = true;
	if (ppm) {
		/* splitmix64 over a shared counter: deterministic for one thread */
		uint64_t z = atomic_fetch_add(&f->rng, 0x9e3779b97f4a7c15ull);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		if (z % 1000000 < ppm)
			hit = true;
	}
	if (hit)
		atomic_fetch_add(&f->injected, 1);
	return hit;
}

uint64_t np_fault_injected(enum np_fault_point point)
{
	return (unsigned)point < NP_FAULT_NR ? atomic_load(&np_faults[point].injected) : 0;
}

void np_fault_reset(void)
{
	for (int i = 0; i < NP_FAULT_NR; i++)
		np_fault_set((enum np_fault_point)i, NULL);
}

/* "name=kind:value[,name=kind:value...]" with kind nth, every or ppm */
int np_fault_parse(const char *config)
{
	struct np_fault_spec specs[NP_FAULT_NR];
	bool set[NP_FAULT_NR] = { false };
	char buf[256], *save = NULL, *tok;

	if (!config || strlen(config) >= sizeof(buf))
		return -EINVAL;
	memset(specs, 0, sizeof(specs));
	strcpy(buf, config);
	if (!*buf || buf[0] == ',' || buf[strlen(buf) - 1] == ',' || strstr(buf, ",,"))
		return -EINVAL;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), *colon, *end;
		unsigned long long v;
		int p;

		if (!eq)
			return -EINVAL;
		*eq = '\0';
		for (p = 0; p < NP_FAULT_NR; p++)
			if (!strcmp(tok, np_fault_names[p]))
				break;
		if (p == NP_FAULT_NR)
			return -EINVAL;
		colon = strchr(eq + 1, ':');
		if (!colon)
			return -EINVAL;
		*colon = '\0';
		if (colon[1] < '0' || colon[1] > '9')
			return -EINVAL;
		errno = 0;
		v = strtoull(colon + 1, &end, 10);
		if (errno || *end || end == colon + 1 || v == 0)
			return -EINVAL;
		if (!strcmp(eq + 1, "nth"))
			specs[p].nth = v;
		else if (!strcmp(eq + 1, "every"))
			specs[p].every = v;
		else if (!strcmp(eq + 1, "ppm") && v <= 1000000)
			specs[p].ppm = (uint32_t)v;
		else
			return -EINVAL;
		set[p] = true;
	}
	for (int p = 0; p < NP_FAULT_NR; p++)
		if (set[p])
			np_fault_set((enum np_fault_point)p, &specs[p]);
	return 0;
}

__attribute__((constructor)) static void np_fault_from_env(void)
{
	const char *env = getenv("NETPOOL_FAULT");

	if (env && *env && np_fault_parse(env))
		fprintf(stderr, "netpool: ignoring malformed NETPOOL_FAULT='%s'\n", env);
}
