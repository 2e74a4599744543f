#!/usr/bin/env bash
# make demo: build a release netpool-bench and show the page_pool's paths side by side
# (fast path, return ring, slow path with both DMA backends, bulk, cross-thread).
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
make -s -j"$jobs" O=build/demo DEBUG=0 tools
echo "netpool demo: page_pool recycling paths (median of several runs; lower ns is better)"
echo
build/demo/tools/netpool-bench pool ${DEMO_ARGS:---runs 5}
