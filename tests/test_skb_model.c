/* SPDX-License-Identifier: MIT */
/*
 * The reference model of the skb layer (tests/lib/skbmodel.c): random
 * sequences of skb operations over pp and non-pp skbs, every page's refcount
 * and pp_ref_count and every skb's bytes checked against a shadow after every
 * step, every pool page recycled or released exactly once; then the reach
 * table. No faults here: test_skb_model_fault runs the same model with
 * allocations failing.
 *
 * Environment: see skbmodel.c; NP_MODEL_SEEDS defaults to 3000 (300 under
 * TSan), NP_MODEL_STEPS to 200.
 */
#include "skbmodel.h"

#if defined(__SANITIZE_THREAD__)
#define DEFAULT_SEEDS	300		/* single-threaded: TSan adds nothing but time */
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define DEFAULT_SEEDS	300
#endif
#endif
#ifndef DEFAULT_SEEDS
#define DEFAULT_SEEDS	3000
#endif
#define DEFAULT_STEPS	200

int main(void)
{
	unsigned long seeds = t_env_ul("NP_MODEL_SEEDS", DEFAULT_SEEDS);
	unsigned long steps = t_env_ul("NP_MODEL_STEPS", DEFAULT_STEPS);
	unsigned long first = t_env_ul("NP_MODEL_FIRST", 1);
	double secs;

	if (getenv("NP_MODEL_SEED")) {
		first = t_env_ul("NP_MODEL_SEED", 1);
		seeds = 1;
	}
	model_init("test_skb_model", 0);
	for (unsigned long s = first; s < first + seeds; s++)
		run_seed(s, (unsigned)steps);
	secs = model_secs();
	model_fini();
	printf("%lu seeds x %lu steps: %llu steps in %.2f s (%.0f steps/s)\n", seeds, steps,
	       (unsigned long long)total_steps, secs, secs > 0 ? (double)total_steps / secs : 0.0);
	model_reach_print(stdout);
	return 0;
}
