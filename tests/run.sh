#!/usr/bin/env bash
# Run every test program of one build directory with a per-test timeout.
# Usage: tests/run.sh BUILD_DIR [LABEL]
# Prints one line per test and ends with "N passed, N failed, N skipped".
# With NP_SUMMARY_FILE set, also appends "passed failed skipped" to it.
set -u
dir=${1:?build dir}
label=${2:-$(basename "$dir")}
timeout_s=${NP_TEST_TIMEOUT:-300}
pass=0 fail=0 skip=0 failed=()
src=$(dirname "$0")
for t in "$dir"/tests/*; do
	[ -x "$t" ] && [ -f "$t" ] || continue
	name=$(basename "$t")
	# a program whose source is gone (a renamed test) is left over from an older build
	[ -f "$src/$name.c" ] || continue
	log="$dir/tests/$name.log"
	start=$(date +%s.%N)
	if [ "${label#tsan}" != "$label" ]; then
		setarch "$(uname -m)" -R timeout -k 10 "$timeout_s" "$t" >"$log" 2>&1
	else
		timeout -k 10 "$timeout_s" "$t" >"$log" 2>&1
	fi
	rc=$?
	secs=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")
	case $rc in
	0)  pass=$((pass + 1)); printf 'PASS %-8s %-32s %6ss\n' "$label" "$name" "$secs" ;;
	77) skip=$((skip + 1)); printf 'SKIP %-8s %-32s %s\n' "$label" "$name" "$(grep -m1 SKIP "$log")" ;;
	*)  fail=$((fail + 1)); failed+=("$label/$name")
	    printf 'FAIL %-8s %-32s rc=%s (log: %s)\n' "$label" "$name" "$rc" "$log"
	    tail -n 20 "$log" | sed 's/^/    /' ;;
	esac
done
[ -n "${NP_SUMMARY_FILE:-}" ] && echo "$pass $fail $skip" >>"$NP_SUMMARY_FILE"
[ -n "${NP_SUMMARY_FILE:-}" ] || echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
