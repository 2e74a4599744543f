#!/usr/bin/env bash
# scripts/cost.sh - instructions per packet of netpool's paths, counted by
# callgrind (deterministic, so it holds on a shared, noisy machine where the
# clock figures of netpool-bench do not).
#
#   scripts/cost.sh [--quick] [--json] [--functions[=K]] [--paths "P ..."] [-O DIR] [-n N]
#
# Each path (bench/cost.c: `cost --list`) runs twice under
# `valgrind --tool=callgrind`, for N/2 and for N packets after the same setup
# and warm-up; the difference of the two instruction totals divided by the
# difference of their packets is the steady-state cost of one packet, the
# setup and the teardown cancelling out. --functions subtracts the two runs
# function by function too (callgrind_annotate, exclusive cost: what a
# function executes itself, its inlined callees included) and prints the top K
# of each path with their share; each function's instructions are split by
# the source file they come from (an inline helper of pool.h counts in its
# caller, and the split says so).
#
#   --quick         N = 20000 (about 15 s in all instead of about 30 s)
#   --json          one JSON object per path and line instead of the table
#   --functions[=K] the top K functions of each path (default 8)
#   --paths "P ..." only these paths
#   -O DIR          the build directory (default build/cost): a release build,
#                   DEBUG=0, -O2 -g, made here when needed
#   -n N            packets of the larger run (default 200000; the smaller is N/2)
#   --no-build      use DIR/bench/cost as it is
#   --shared        the same program linked with DIR/libnetpool.so instead of the
#                   archive: what a program using the shared library pays
#
# Needs valgrind (Debian package valgrind; callgrind_annotate comes with it).
set -eu
cd "$(dirname "$0")/.."

out=build/cost
n2=200000
json=0
topk=0
paths=
build=1
shared=0
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) n2=20000 ;;
	--json) json=1 ;;
	--functions) topk=8 ;;
	--functions=*) topk=${1#--functions=} ;;
	--paths) paths=$2; shift ;;
	--paths=*) paths=${1#--paths=} ;;
	-O) out=$2; shift ;;
	-n) n2=$2; shift ;;
	--no-build) build=0 ;;
	--shared) shared=1 ;;
	-h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "cost.sh: unknown argument '$1' (--help)" >&2; exit 2 ;;
	esac
	shift
done
case "$n2$topk" in
*[!0-9]*) echo "cost.sh: -n and --functions take a number" >&2; exit 2 ;;
esac
if [ "$n2" -lt 2000 ]; then
	echo "cost.sh: -n must be at least 2000" >&2
	exit 2
fi
n1=$((n2 / 2))
if ! command -v valgrind >/dev/null || ! command -v callgrind_annotate >/dev/null; then
	echo "cost.sh: valgrind is not installed (Debian: apt-get install valgrind)" >&2
	exit 77
fi
if [ "$build" = 1 ]; then
	make -s -j2 O="$out" DEBUG=0 SAN= OPT=-O2 "$out/bench/cost" "$out/libnetpool.so" >&2
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/netpool-cost.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cost="$out/bench/cost"
if [ "$shared" = 1 ]; then
	# the library under its soname, beside a copy of the program linked with it
	mkdir "$tmp/lib"
	ln -s "$(realpath "$out/libnetpool.so")" "$tmp/lib/libnetpool.so.0"
	${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -g -Iinclude -DNP_DEBUG=0 -pthread bench/cost.c \
		-o "$tmp/cost" -L"$tmp/lib" -l:libnetpool.so.0 -lm ||
		{ echo "cost.sh: cannot link bench/cost.c with $out/libnetpool.so" >&2; exit 1; }
	export LD_LIBRARY_PATH="$tmp/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
	cost="$tmp/cost"
fi
[ -x "$cost" ] || { echo "cost.sh: $cost not built" >&2; exit 1; }
[ -n "$paths" ] || paths=$("$cost" --list | cut -f1)
t0=$(date +%s)

# one run: $tmp/$path.$n.{out,txt,fn}; echoes "packets instructions"
cg_run() {
	local p=$1 n=$2 f="$tmp/$1.$2"

	if ! valgrind --tool=callgrind --callgrind-out-file="$f.out" "$cost" "$p" "$n" \
			>"$f.txt" 2>"$f.log"; then
		echo "cost.sh: $p $n failed:" >&2
		tail -5 "$f.log" >&2
		return 1
	fi
	if [ "$topk" -gt 0 ]; then
		# "count<TAB>file<TAB>function" per file:function, exclusive cost
		callgrind_annotate --auto=no --inclusive=no --threshold=100 "$f.out" | awk '
			/file:function/ { on = 1; next }
			on && /^ *$/ { exit }
			on && /^ *[0-9,]+ / {
				n = $1; gsub(",", "", n)
				line = $0
				sub(/^ *[0-9,]+ +(\([^)]*\) +)?/, "", line)
				sub(/ \[[^]]*\]$/, "", line)
				k = index(line, ":")
				file = substr(line, 1, k - 1); fn = substr(line, k + 1)
				sub(/.*\//, "", file)
				printf "%s\t%s\t%s\n", n, file, fn
			}' >"$f.fn"
	fi
	echo "$(awk '/^packets /{print $2}' "$f.txt") \
$(awk '/^(summary|totals):/{print $2; exit}' "$f.out")"
}

# per function: (count(N2) - count(N1)) / packets, the top K, files split
functions() {
	local p=$1 dp=$2 ipp=$3

	awk -F'\t' -v dp="$dp" -v ipp="$ipp" -v k="$topk" -v json="$json" '
		FNR == 1 { sgn = (FILENAME == ARGV[1]) ? -1 : 1 }
		{ d = sgn * $1; byfn[$3] += d; byff[$3 SUBSEP $2] += d }
		END {
			for (f in byfn) if (byfn[f] / dp >= 0.05 || byfn[f] / dp <= -0.05) nf++
			for (i = 0; i < k; i++) {
				best = ""; bv = 0
				for (f in byfn)
					if (!(f in done) && (best == "" || byfn[f] > bv)) { best = f; bv = byfn[f] }
				if (best == "" || bv / dp < 0.05)
					break
				done[best] = 1
				# the files this function'"'"'s instructions come from, largest first
				split("", seen); files = ""; jf = ""
				for (j = 0; j < 4; j++) {
					bf = ""; fv = 0
					for (key in byff) {
						split(key, kk, SUBSEP)
						if (kk[1] != best || (kk[2] in seen)) continue
						if (bf == "" || byff[key] > fv) { bf = kk[2]; fv = byff[key] }
					}
					if (bf == "" || fv / dp < 0.05) break
					seen[bf] = 1
					files = files (files == "" ? "" : ", ") sprintf("%s %.1f", bf, fv / dp)
					jf = jf (jf == "" ? "" : ", ") sprintf("\"%s\": %.2f", bf, fv / dp)
				}
				name = best; gsub(/["\\]/, "", name)
				if (json)
					printf "%s{\"function\": \"%s\", \"instr_per_pkt\": %.2f, " \
					       "\"share\": %.3f, \"files\": {%s}}", i ? ", " : "", name,
					       bv / dp, bv / dp / ipp, jf
				else
					printf "      %8.1f %5.1f%%  %-34s %s\n", bv / dp, 100 * bv / dp / ipp,
					       best, files
			}
		}' "$tmp/$p.$n1.fn" "$tmp/$p.$n2.fn"
}

if [ "$json" = 0 ]; then
	rev=$(git describe --always --dirty 2>/dev/null || true)
	echo "netpool instructions per packet${rev:+ at $rev}: callgrind, $out/bench/cost (DEBUG=0, -O2 -g$([ "$shared" = 1 ] && echo ", linked with libnetpool.so")),"
	echo "(Ir($n2 packets) - Ir($n1 packets)) / the difference in packets"
	echo
	printf "%-22s %10s  %s\n" path instr/pkt what
	printf "%-22s %10s  %s\n" ---- --------- ----
fi
rc=0
for p in $paths; do
	what=$("$cost" --list | awk -F'\t' -v p="$p" '$1 == p { print $2 }')
	if [ -z "$what" ]; then
		echo "cost.sh: unknown path '$p' (build/.../bench/cost --list)" >&2
		rc=2
		continue
	fi
	if ! r1=$(cg_run "$p" "$n1") || ! r2=$(cg_run "$p" "$n2"); then
		rc=1
		continue
	fi
	# shellcheck disable=SC2086 # two words each: packets, instructions
	set -- $r1 $r2
	dp=$(($3 - $1))
	if [ "$dp" -le 0 ]; then
		echo "cost.sh: $p: no more packets in the larger run" >&2
		rc=1
		continue
	fi
	ipp=$(awk -v a="$2" -v b="$4" -v dp="$dp" 'BEGIN { printf "%.2f", (b - a) / dp }')
	if [ "$json" = 1 ]; then
		printf '{"path": "%s", "instr_per_pkt": %s, "packets": [%s, %s], "instr": [%s, %s]' \
			"$p" "$ipp" "$1" "$3" "$2" "$4"
		[ "$topk" -gt 0 ] && printf ', "functions": [%s]' "$(functions "$p" "$dp" "$ipp")"
		printf ', "what": "%s"}\n' "$what"
	else
		printf "%-22s %10.1f  %s\n" "$p" "$ipp" "$what"
		if [ "$topk" -gt 0 ]; then
			functions "$p" "$dp" "$ipp"
			echo
		fi
	fi
done
[ "$json" = 1 ] || echo "($(( $(date +%s) - t0 )) s under callgrind)"
exit $rc
