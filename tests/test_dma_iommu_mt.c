/* SPDX-License-Identifier: MIT */
/*
 * The checking IOMMU under concurrency: four threads map, sync, hand to the
 * device, and unmap their own buffers while a device thread serves their
 * descriptors through np_dma_dev_access() and probes memory it must not reach.
 * Every transfer must arrive intact, every refusal must be the expected one,
 * and nothing may be live at the end.
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/mman.h>
#include "testutil.h"

#define PG		4096UL
#define NR_WORKERS	4
#define NR_BUFS		8		/* buffer 0 stays mapped for the whole run */
#define BUF_PAGES	3
#define ITERS		3000
#define BURSTS		300
#define STRAY_IOVA	((1ULL << 20) + (3ULL << 30))	/* never handed out in this test */

enum { D_IDLE, D_POSTED, D_DONE };

/* One descriptor per worker: filled by the worker, served by the device. */
struct desc {
	np_atomic_int state;
	np_dma_addr_t addr;
	size_t len;
	enum np_dma_dir dir;
	unsigned char pattern;
	uint64_t sum;			/* device: sum of the bytes it read */
};

struct worker {
	pthread_t th;
	int id;
	unsigned char *mem;
	uint64_t rng;
	struct desc desc;
} NP_CACHE_ALIGNED;

static struct np_dma_dev *dev;
static struct worker workers[NR_WORKERS];
static np_atomic_int stop;
static uint64_t dev_refused_writes, dev_strays;	/* device thread only */

static uint64_t rng(struct worker *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return w->rng;
}

static unsigned char *buf_of(struct worker *w, int b)
{
	return w->mem + (size_t)b * BUF_PAGES * PG;
}

static void transfer(struct worker *w, int it)
{
	struct desc *d = &w->desc;
	int b = 1 + (int)(rng(w) % (NR_BUFS - 1));
	size_t off = rng(w) % PG;
	size_t len = 1 + rng(w) % (2 * PG);
	enum np_dma_dir dir = (enum np_dma_dir)(rng(w) % 3);
	unsigned char *cpu = buf_of(w, b) + off, pattern = (unsigned char)(it * 7 + w->id);
	np_dma_addr_t a;
	size_t i;

	if (dir != NP_DMA_FROM_DEVICE)
		memset(cpu, pattern, len);
	CHECK_EQ(np_dma_map(dev, cpu, len, dir, &a), 0);
	CHECK(np_dma_dev_access(dev, a, len, dir != NP_DMA_TO_DEVICE) == cpu);
	CHECK_EQ(np_dma_sync_for_device(dev, a, len, dir), 0);

	d->addr = a;
	d->len = len;
	d->dir = dir;
	d->pattern = pattern;
	np_store_release(&d->state, D_POSTED);
	while (np_load_acquire(&d->state) != D_DONE)
		sched_yield();

	CHECK_EQ(np_dma_sync_for_cpu(dev, a, len, dir), 0);
	if (dir == NP_DMA_TO_DEVICE) {
		CHECK_EQ(d->sum, (uint64_t)pattern * len);
	} else {
		for (i = 0; i < len; i++)
			CHECK_EQ(cpu[i], (unsigned char)~pattern);
	}
	CHECK_EQ(np_dma_unmap(dev, a, len, dir), 0);
	NP_WRITE_ONCE(d->state, D_IDLE);
}

/* Map every buffer at once, then unmap them in a shuffled order. */
static void burst(struct worker *w)
{
	np_dma_addr_t a[NR_BUFS];
	int order[NR_BUFS - 1], i, j, t;

	for (i = 1; i < NR_BUFS; i++) {
		CHECK_EQ(np_dma_map(dev, buf_of(w, i), BUF_PAGES * PG, NP_DMA_FROM_DEVICE, &a[i]),
			 0);
		order[i - 1] = i;
	}
	for (i = NR_BUFS - 2; i > 0; i--) {
		j = (int)(rng(w) % (uint64_t)(i + 1));
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < NR_BUFS - 1; i++)
		CHECK_EQ(np_dma_unmap(dev, a[order[i]], BUF_PAGES * PG, NP_DMA_FROM_DEVICE), 0);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	np_dma_addr_t keep;
	int it;

	CHECK_EQ(np_dma_map(dev, buf_of(w, 0), BUF_PAGES * PG, NP_DMA_BIDIRECTIONAL, &keep), 0);
	for (it = 0; it < ITERS; it++) {
		transfer(w, it);
		CHECK(np_dma_dev_access(dev, keep, BUF_PAGES * PG, true) == buf_of(w, 0));
	}
	for (it = 0; it < BURSTS; it++)
		burst(w);
	CHECK_EQ(np_dma_unmap(dev, keep, BUF_PAGES * PG, NP_DMA_BIDIRECTIONAL), 0);
	return NULL;
}

static void serve(struct desc *d)
{
	unsigned char *p;
	uint64_t sum = 0;
	size_t i;

	if (d->dir == NP_DMA_TO_DEVICE) {
		/* the device may read this buffer, never write it */
		CHECK(np_dma_dev_access(dev, d->addr, d->len, true) == NULL);
		dev_refused_writes++;
		p = np_dma_dev_access(dev, d->addr, d->len, false);
		CHECK(p != NULL);
		for (i = 0; i < d->len; i++)
			sum += p[i];
		d->sum = sum;
	} else {
		p = np_dma_dev_access(dev, d->addr, d->len, true);
		CHECK(p != NULL);
		memset(p, (unsigned char)~d->pattern, d->len);
	}
	np_store_release(&d->state, D_DONE);
}

static void *device_main(void *arg)
{
	unsigned long loops = 0;
	bool busy;
	int i;

	(void)arg;
	while (!np_load_acquire(&stop)) {
		busy = false;
		for (i = 0; i < NR_WORKERS; i++) {
			struct desc *d = &workers[i].desc;

			if (np_load_acquire(&d->state) == D_POSTED) {
				serve(d);
				busy = true;
			}
		}
		if (++loops % 64 == 0) {
			CHECK(np_dma_dev_access(dev, STRAY_IOVA, 64, loops & 64) == NULL);
			dev_strays++;
		}
		if (!busy)
			sched_yield();
	}
	return NULL;
}

int main(void)
{
	size_t per_worker = NR_BUFS * BUF_PAGES * PG;
	unsigned char *mem = mmap(NULL, NR_WORKERS * per_worker, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t total = (uint64_t)NR_WORKERS * (1 + ITERS + BURSTS * (NR_BUFS - 1));
	struct np_dma_stats st;
	pthread_t dth;
	int i;

	CHECK(mem != MAP_FAILED);
	np_fault_reset();
	np_set_print(t_log_capture);
	CHECK_EQ(np_dma_iommu_create("mt", NULL, &dev), 0);

	CHECK_EQ(pthread_create(&dth, NULL, device_main, NULL), 0);
	for (i = 0; i < NR_WORKERS; i++) {
		workers[i].id = i;
		workers[i].mem = mem + (size_t)i * per_worker;
		workers[i].rng = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1);
		CHECK_EQ(pthread_create(&workers[i].th, NULL, worker_main, &workers[i]), 0);
	}
	for (i = 0; i < NR_WORKERS; i++)
		CHECK_EQ(pthread_join(workers[i].th, NULL), 0);
	np_store_release(&stop, 1);
	CHECK_EQ(pthread_join(dth, NULL), 0);

	np_dma_get_stats(dev, &st);
	CHECK_EQ(st.map, total);
	CHECK_EQ(st.unmap, total);
	CHECK_EQ(st.live, 0);
	CHECK_EQ(st.map_fail, 0);
	CHECK_EQ(st.double_map, 0);
	CHECK_EQ(st.bad_unmap, 0);
	CHECK_EQ(st.bad_sync, 0);
	CHECK_EQ(st.sync_for_device, NR_WORKERS * ITERS);
	CHECK_EQ(st.sync_for_cpu, NR_WORKERS * ITERS);
	/* per transfer: the worker's own check, the device's access, the kept buffer */
	CHECK_EQ(st.access, 3 * NR_WORKERS * ITERS);
	CHECK(dev_refused_writes > 0);
	CHECK(dev_strays > 0);
	CHECK_EQ(st.access_fault, dev_refused_writes + dev_strays);
	CHECK_EQ(t_log_level_count(NP_LOG_ERROR), st.access_fault);
	CHECK(t_log_has("mt: device write of iova"));
	CHECK_EQ(np_dma_dev_destroy(dev), 0);
	munmap(mem, NR_WORKERS * per_worker);
	printf("test_dma_iommu_mt: ok (%llu transfers, %llu refusals)\n",
	       (unsigned long long)(NR_WORKERS * ITERS), (unsigned long long)st.access_fault);
	return 0;
}
