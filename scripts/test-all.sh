#!/usr/bin/env bash
# make test: build and run the suite with gcc and with clang, each as plain
# (release), ASan+UBSan (DEBUG=2) and TSan (DEBUG=1) builds, then every fuzz target briefly
# (NP_FUZZ_SECONDS, default 15), a short soak (NP_SOAK_SECONDS, default 60) and the
# kernel-doc check of the public headers; end with one summary line.
set -u
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
export NP_SUMMARY_FILE=$summary
status=0
run_variant() {
	local label=$1; shift
	echo "== $label: make $*"
	if ! make -s -j"$jobs" "$@" tests >"build-$label.log" 2>&1; then
		echo "FAIL $label: build failed"; tail -n 30 "build-$label.log"
		echo "0 1 0" >>"$summary"; status=1; return
	fi
	rm -f "build-$label.log"
	tests/run.sh "$(printf '%s\n' "$@" | sed -n 's/^O=//p')" "$label" || status=1
}
# The matrix: both compilers, each plain, ASan+UBSan and TSan. NP_TEST_MATRIX=short
# keeps one compiler per kind (gcc plain, clang ASan, gcc TSan), for a quick local run.
run_variant plain O=build/plain CC=gcc DEBUG=0
# the release build as a user gets it: the ABI against netpool.map, then installed and used
echo "== abi, install: scripts/check-abi.sh, scripts/check-install.sh (build/plain)"
if make -s O=build/plain CC=gcc DEBUG=0 lib >/dev/null && scripts/check-abi.sh build/plain &&
	scripts/check-install.sh build/plain CC=gcc DEBUG=0; then
	echo "2 0 0" >>"$summary"
else
	echo "FAIL abi/install"; echo "0 1 0" >>"$summary"; status=1
fi
echo "== examples: scripts/check-examples.sh (build/plain)"
ex_log=$(mktemp)
scripts/check-examples.sh build/plain CC=gcc DEBUG=0 | tee "$ex_log" || status=1
ex=$(sed -n 's/^check-examples: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' \
	"$ex_log")
echo "${ex:-0 1 0}" >>"$summary"
rm -f "$ex_log"
run_variant asan O=build/asan CC=clang DEBUG=2 SAN=address,undefined
run_variant tsan O=build/tsan CC=gcc DEBUG=1 SAN=thread OPT=-O1
if [ "${NP_TEST_MATRIX:-full}" != short ]; then
	run_variant plain-clang O=build/plain-clang CC=clang DEBUG=0
	run_variant asan-gcc O=build/asan-gcc CC=gcc DEBUG=2 SAN=address,undefined
	run_variant tsan-clang O=build/tsan-clang CC=clang DEBUG=1 SAN=thread OPT=-O1
fi
# every fuzz target briefly (make fuzz runs them longer); each counts as one test
echo "== fuzz: scripts/fuzz.sh, ${NP_FUZZ_SECONDS:-15}s a target"
fuzz_log=$(mktemp)
if FUZZ_SECONDS=${NP_FUZZ_SECONDS:-15} scripts/fuzz.sh >"$fuzz_log" 2>&1; then :; else status=1; fi
cat "$fuzz_log"
fp=$(grep -c '^== fuzz_' "$fuzz_log" || true)
ff=$(grep -c '^FAIL fuzz_' "$fuzz_log" || true)
if [ "$fp" -eq 0 ]; then
	echo "FAIL fuzz: no target built"; ff=1
fi
echo "$((fp - ff)) $ff 0" >>"$summary"
rm -f "$fuzz_log"
# a short soak (make soak runs it for 10 minutes, from seeds of the clock); one test.
# Here its model seeds are fixed (NP_SOAK_FIRST), so a run is repeatable.
echo "== soak: scripts/soak.sh, ${NP_SOAK_SECONDS:-60}s"
if SOAK_SECONDS=${NP_SOAK_SECONDS:-60} SOAK_FIRST=${NP_SOAK_FIRST:-100000} SOAK_SEEDS=4000 \
	SOAK_BATCHES=6 scripts/soak.sh; then
	echo "1 0 0" >>"$summary"
else
	echo "FAIL soak"; echo "0 1 0" >>"$summary"; status=1
fi
# every public entry point documented with its Context: and Return: (one test)
echo "== kdoc: scripts/check-kdoc.sh"
if scripts/check-kdoc.sh; then
	echo "1 0 0" >>"$summary"
else
	echo "FAIL kdoc"; echo "0 1 0" >>"$summary"; status=1
fi
echo "== headers: scripts/check-headers.sh"
if scripts/check-headers.sh; then
	echo "1 0 0" >>"$summary"
else
	echo "FAIL headers"; echo "0 1 0" >>"$summary"; status=1
fi
echo "== layers: scripts/check-layers.sh"
if scripts/check-layers.sh; then
	echo "1 0 0" >>"$summary"
else
	echo "FAIL layers"; echo "0 1 0" >>"$summary"; status=1
fi
awk '{p+=$1; f+=$2; s+=$3} END {printf "%d passed, %d failed, %d skipped\n", p, f, s}' "$summary"
exit $status
