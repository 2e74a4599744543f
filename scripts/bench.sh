#!/usr/bin/env bash
# make bench: a release build with the DPDK peer (without it when libdpdk is
# not usable), then netpool-bench pool, skb and fwd. Extra arguments come from
# BENCH_ARGS, e.g. BENCH_ARGS="--json --runs 9" make bench; BENCH_CMDS picks
# the subcommands.
set -eu
cd "$(dirname "$0")/.."
jobs=2
out=build/bench
dpdk=1
if ! pkg-config --exists libdpdk 2>/dev/null || ! pkg-config --cflags libdpdk >/dev/null 2>&1; then
	echo "netpool: pkg-config libdpdk failed; building without the DPDK peer" >&2
	dpdk=0
fi
if ! make -s -j"$jobs" O="$out" WITH_DPDK="$dpdk" DEBUG=0 tools; then
	if [ "$dpdk" = 1 ]; then
		echo "netpool: build with the DPDK peer failed; retrying without it" >&2
		dpdk=0
		make -s -j"$jobs" O="$out" WITH_DPDK=0 DEBUG=0 tools
	else
		exit 1
	fi
fi
# the subcommands to run (BENCH_CMDS="skb fwd" for some of them)
rc=0
for cmd in ${BENCH_CMDS:-pool skb fwd}; do
	"$out/tools/netpool-bench" "$cmd" ${BENCH_ARGS:-} || rc=1
	echo
done
exit $rc
