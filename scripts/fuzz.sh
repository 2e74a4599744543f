#!/usr/bin/env bash
# make fuzz: build the libFuzzer targets in fuzz/ (the Makefile's fuzz-targets) against an
# ASan+UBSan library instrumented for coverage, then run each for FUZZ_SECONDS (default 60),
# starting from its seed corpus in fuzz/corpus/NAME (copied: the repository's
# seeds stay as they are). A crash or an oracle failure stops with exit 1 and
# leaves the input in build/fuzz/crashes/.
#   FUZZ_SECONDS=N   time per target      FUZZ_TARGETS="a b"   some targets only
#   FUZZ_BUILD=DIR   build directory (default build/fuzz)
set -eu
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
out=${FUZZ_BUILD:-build/fuzz}
san=fuzzer-no-link,address,undefined
targets=
for src in fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	case " ${FUZZ_TARGETS:-$name} " in *" $name "*) targets="$targets $out/fuzz/$name" ;; esac
done
# the Makefile builds them (fuzz-targets), against the instrumented library
make -s -j2 O="$out" CC=clang DEBUG=1 SAN="$san" $targets
mkdir -p "$out/crashes"
rc=0
for src in fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	case " ${FUZZ_TARGETS:-$name} " in *" $name "*) ;; *) continue ;; esac
	work="$out/corpus-$name"
	rm -rf "$work"
	mkdir -p "$work"
	[ -d "fuzz/corpus/$name" ] && cp -r "fuzz/corpus/$name/." "$work/"
	echo "== $name: ${secs}s"
	if ! "$out/fuzz/$name" -max_total_time="$secs" -max_len=4096 -print_final_stats=1 \
		-artifact_prefix="$out/crashes/$name-" "$work" 2>"$out/$name.log"; then
		echo "FAIL $name (log: $out/$name.log)"; tail -n 30 "$out/$name.log"; rc=1
	else
		grep -E 'stat::number_of_executed_units|stat::peak_rss' "$out/$name.log" | sed 's/^/  /'
	fi
done
exit $rc
