#!/usr/bin/env bash
# make soak: long runs that must not leak or lose anything.
#   1. netpool-fwd on vnic with mixed traffic (60..9000-byte frames, so multi-buffer;
#      capture clones, sockq coalescing and GRO, encap, plain fwd; two queues, checking
#      IOMMU), one segment per mode; every second the forwarder's RSS (/proc) and its
#      pools' inflight (netpool-stat) are sampled; a segment fails when either trends
#      upward after warm-up, or when netpool-fwd says a buffer was lost (exit 3)
#   2. the skb reference model for the rest of the time (scripts/soak-model.sh)
#   SOAK_SECONDS   the whole run (default 600: half each)
set -u
cd "$(dirname "$0")/.."
secs=${SOAK_SECONDS:-600}
dir=build/soak
make -s -j2 O="$dir" DEBUG=0 tools || exit 1
fwd=$dir/tools/netpool-fwd stat=$dir/tools/netpool-stat
modes=(capture sockq encap fwd)
seg=$(( secs / 2 / ${#modes[@]} ))
[ "$seg" -lt 8 ] && seg=8
tmp=$(mktemp -d /tmp/netpool-soak.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0

# trend FILE COLUMN SLACK_ABS SLACK_REL NAME: the mean of the last half after warm-up
# (the first quarter) must not exceed the first half's by more than the slack
trend() {
	awk -v c="$2" -v abs="$3" -v rel="$4" -v name="$5" '
		{ v[NR] = $c }
		END {
			w = int(NR / 4); n = NR - w
			if (n < 4) { print "  " name ": too few samples (" NR ")"; exit 0 }
			h = int(n / 2)
			for (i = w + 1; i <= w + h; i++) a += v[i]
			for (i = w + h + 1; i <= NR; i++) b += v[i]
			a /= h; b /= (NR - w - h)
			printf "  %s: %.0f -> %.0f", name, a, b
			if (b > a * (1 + rel) + abs) { print "  TRENDS UPWARD"; exit 1 }
			print "  steady"
		}' "$1"
}

echo "soak: netpool-fwd on vnic, ${seg}s per mode (${modes[*]}), then the skb model"
for mode in "${modes[@]}"; do
	extra=
	# the capture writer runs as usual; its file is thrown away (minutes of it would fill a disk)
	[ "$mode" = capture ] && extra="--pcap /dev/null"
	"$fwd" --driver vnic --in soaka --out soakb --mode "$mode" --queues 2 --iommu \
		--len 60-9000 --duration "$seg" --json $extra >"$tmp/$mode.log" 2>&1 &
	pid=$!
	: >"$tmp/$mode.samples"
	sleep 1
	while kill -0 "$pid" 2>/dev/null; do
		rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
		inflight=$("$stat" --pid "$pid" --json 2>/dev/null |
			awk -F'"inflight": ' '/"type": "pool"/ { split($2, a, ","); s += a[1] } END { print s + 0 }')
		[ -n "$rss" ] && echo "$rss $inflight" >>"$tmp/$mode.samples"
		sleep 1
	done
	wait "$pid"; rc=$?
	echo "[$mode] netpool-fwd exit $rc, $(wc -l <"$tmp/$mode.samples") samples"
	grep '"type": "total"' "$tmp/$mode.log" | sed 's/^/  /' | cut -c1-220
	if [ "$rc" -ne 0 ]; then
		echo "  FAIL: $( [ "$rc" -eq 3 ] && echo 'buffers were lost' || echo "exit $rc")"
		tail -n 5 "$tmp/$mode.log"; fail=1
	fi
	trend "$tmp/$mode.samples" 1 4096 0.10 "RSS kB" || fail=1
	trend "$tmp/$mode.samples" 2 256 0.25 "pool inflight" || fail=1
done

msecs=$(( secs - seg * ${#modes[@]} ))
[ "$msecs" -lt 10 ] && msecs=10
SOAK_SECONDS=$msecs SOAK_SEEDS=${SOAK_SEEDS:-5000} scripts/soak-model.sh || fail=1
[ "$fail" -eq 0 ] && echo "soak: passed" || echo "soak: FAILED"
exit $fail
