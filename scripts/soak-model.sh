#!/usr/bin/env bash
# make soak: the skb reference model (tests/test_skb_model) for a long time,
# from a release build, in batches of fresh seeds, then the multi-threaded
# model once per batch. Batches alternate with the same model under injected
# faults (tests/test_skb_model_fault: page_alloc, dma_map and ring_produce
# failing at rates seeded from each seed, then an Nth-call sweep of a few
# shorter seeds), so every other batch checks the failure paths.
#   SOAK_SECONDS   how long to keep starting batches (default 600)
#   SOAK_SEEDS     seeds per batch (default 20000)
#   SOAK_STEPS     steps per seed (default 500): 10 million steps a batch
#   SOAK_FIRST     first seed (default: from the clock, printed for replay)
#   SOAK_JOBS      batches run side by side (default 1)
#   SOAK_BATCHES   at most this many batches (default: as many as the time allows)
#   SOAK_BUILD     build directory (default build/soak)
#   SOAK_FAULT     1: alternate plain and faulted batches (default); 0: plain only;
#                  only: faulted only
#   SOAK_SWEEP_SEEDS, SOAK_SWEEP_STEPS
#                  the Nth-call sweep of a faulted batch (default SOAK_SEEDS/1000 seeds,
#                  at least 1, of 100 steps)
#   NP_MODEL_SKIP  operations left out, passed through
# A failing batch prints its seed and step list; replay it with
#   NP_MODEL_SEED=N NP_MODEL_TRACE=1 build/soak/tests/test_skb_model
# or, for a faulted batch, with the NP_MODEL_FAULT=... line the failure prints, e.g.
#   NP_MODEL_FAULT=rate NP_MODEL_STEPS=500 NP_MODEL_SEED=N NP_MODEL_TRACE=1 \
#       build/soak/tests/test_skb_model_fault
set -u
cd "$(dirname "$0")/.."
secs=${SOAK_SECONDS:-600}
seeds=${SOAK_SEEDS:-20000}
steps=${SOAK_STEPS:-500}
first=${SOAK_FIRST:-$(( $(date +%s) % 1000000 * 1000 ))}
jobs=${SOAK_JOBS:-1}
dir=${SOAK_BUILD:-build/soak}
fault=${SOAK_FAULT:-1}
sweep_seeds=${SOAK_SWEEP_SEEDS:-$(( seeds / 1000 > 0 ? seeds / 1000 : 1 ))}
sweep_steps=${SOAK_SWEEP_STEPS:-100}
case $fault in
0 | 1 | only) ;;
*) echo "SOAK_FAULT: 0, 1 or only" >&2; exit 2 ;;
esac

make -s -j2 O="$dir" DEBUG=0 "$dir/tests/test_skb_model" "$dir/tests/test_skb_model_mt" \
	"$dir/tests/test_skb_model_fault" || exit 1
echo "soak: ${secs}s, batches of $seeds seeds x $steps steps from seed $first, $jobs at a time" \
	"$( [ "$fault" = 0 ] || echo "(faults: $([ "$fault" = only ] && echo every batch || echo every other batch), sweep $sweep_seeds x $sweep_steps)")"
end=$(( $(date +%s) + secs ))
next=$first batches=0 faulted=0 fail=0
max=${SOAK_BATCHES:-0}	# 0: as many as the time allows
while [ "$(date +%s)" -lt "$end" ] && [ "$fail" -eq 0 ] &&
	{ [ "$max" -eq 0 ] || [ "$batches" -lt "$max" ]; }; do
	pids=()
	for ((j = 0; j < jobs; j++)); do
		log="$dir/soak-$next.log"
		# batch k runs faulted when SOAK_FAULT=only, or k is odd
		k=$((batches + j))
		if [ "$fault" = only ] || { [ "$fault" = 1 ] && [ $((k % 2)) -eq 1 ]; }; then
			NP_MODEL_FAULT=all NP_MODEL_FIRST=$next NP_MODEL_SEEDS=$seeds \
				NP_MODEL_STEPS=$steps NP_MODEL_SWEEP_SEEDS=$sweep_seeds \
				NP_MODEL_SWEEP_STEPS=$sweep_steps \
				"$dir/tests/test_skb_model_fault" >"$log" 2>&1 &
			pids+=("$!:$log:fault")
			faulted=$((faulted + 1))
		else
			NP_MODEL_FIRST=$next NP_MODEL_SEEDS=$seeds NP_MODEL_STEPS=$steps \
				"$dir/tests/test_skb_model" >"$log" 2>&1 &
			pids+=("$!:$log:plain")
		fi
		next=$((next + seeds))
	done
	for p in "${pids[@]}"; do
		pid=${p%%:*} rest=${p#*:}
		log=${rest%:*} kind=${rest##*:}
		if wait "$pid"; then
			if [ "$kind" = fault ]; then
				grep -E '^(regressions|faults injected|[0-9]+ seeds run)|tolerated' "$log" |
					sed 's/^/  faults: /'
			else
				tail -n 1 "$log"
			fi
			rm -f "$log"
		else
			echo "FAIL ($kind): see $log"; tail -n 60 "$log"; fail=1
		fi
	done
	NP_MODEL_MT_SEED=$next "$dir/tests/test_skb_model_mt" || { echo "FAIL: model_mt seed $next"; fail=1; }
	batches=$((batches + jobs))
done
echo "soak: $batches batches ($faulted with faults; $(( batches * seeds * steps )) steps), seeds $first..$((next - 1)): $([ $fail -eq 0 ] && echo ok || echo FAILED)"
exit $fail
