#!/usr/bin/env bash
# make soak: the skb reference model (tests/test_skb_model) for a long time,
# from a release build, in batches of fresh seeds, then the multi-threaded
# model once per batch.
#   SOAK_SECONDS   how long to keep starting batches (default 600)
#   SOAK_SEEDS     seeds per batch (default 20000)
#   SOAK_STEPS     steps per seed (default 500): 10 million steps a batch
#   SOAK_FIRST     first seed (default: from the clock, printed for replay)
#   SOAK_JOBS      batches run side by side (default 1)
#   SOAK_BATCHES   at most this many batches (default: as many as the time allows)
#   SOAK_BUILD     build directory (default build/soak)
#   NP_MODEL_SKIP  operations left out, passed through
# A failing batch prints its seed and step list; replay it with
#   NP_MODEL_SEED=N NP_MODEL_TRACE=1 build/soak/tests/test_skb_model
set -u
cd "$(dirname "$0")/.."
secs=${SOAK_SECONDS:-600}
seeds=${SOAK_SEEDS:-20000}
steps=${SOAK_STEPS:-500}
first=${SOAK_FIRST:-$(( $(date +%s) % 1000000 * 1000 ))}
jobs=${SOAK_JOBS:-1}
dir=${SOAK_BUILD:-build/soak}

make -s -j2 O="$dir" DEBUG=0 "$dir/tests/test_skb_model" "$dir/tests/test_skb_model_mt" || exit 1
echo "soak: ${secs}s, batches of $seeds seeds x $steps steps from seed $first, $jobs at a time"
end=$(( $(date +%s) + secs ))
next=$first batches=0 fail=0
max=${SOAK_BATCHES:-0}	# 0: as many as the time allows
while [ "$(date +%s)" -lt "$end" ] && [ "$fail" -eq 0 ] &&
	{ [ "$max" -eq 0 ] || [ "$batches" -lt "$max" ]; }; do
	pids=()
	for ((j = 0; j < jobs; j++)); do
		log="$dir/soak-$next.log"
		NP_MODEL_FIRST=$next NP_MODEL_SEEDS=$seeds NP_MODEL_STEPS=$steps \
			"$dir/tests/test_skb_model" >"$log" 2>&1 &
		pids+=("$!:$log")
		next=$((next + seeds))
	done
	for p in "${pids[@]}"; do
		if wait "${p%%:*}"; then
			tail -n 1 "${p#*:}"
			rm -f "${p#*:}"
		else
			echo "FAIL: see ${p#*:}"; tail -n 60 "${p#*:}"; fail=1
		fi
	done
	NP_MODEL_MT_SEED=$next "$dir/tests/test_skb_model_mt" || { echo "FAIL: model_mt seed $next"; fail=1; }
	batches=$((batches + jobs))
done
echo "soak: $batches batches ($(( batches * seeds * steps )) steps), seeds $first..$((next - 1)): $([ $fail -eq 0 ] && echo ok || echo FAILED)"
exit $fail
