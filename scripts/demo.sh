#!/usr/bin/env bash
# make demo: the main job. As root: two network namespaces (a sender and a
# receiver host) joined through a third where netpool-fwd bridges them over
# AF_XDP on veth pairs (over TAP devices when this kernel refuses AF_XDP);
# iperf3 pushes UDP from one host to the other through the forwarder, once
# with page_pool recycling and once without, and the two runs are compared.
# Without privileges the same comparison runs on the simulated NIC (vnic).
# Everything created is removed at the end, on Ctrl-C too.
#   DEMO_SECONDS=N   length of each run (default 5)
#   DEMO_RATE=R      iperf3's offered load (default 400M bit/s; the comparison is the
#                    forwarder's CPU time per packet at the same load)
set -eu
cd "$(dirname "$0")/.."
. scripts/netns.sh
secs=${DEMO_SECONDS:-5}
rate=${DEMO_RATE:-400M}
jobs=$(nproc 2>/dev/null || echo 2)
make -s -j"$jobs" O=build/demo DEBUG=0 tools
fwd=$PWD/build/demo/tools/netpool-fwd stat=$PWD/build/demo/tools/netpool-stat
# sh -c "$forget" CMD...: CMD under this pid, with the statistics object a killed process may
# have left under it removed first (sh execs ip, ip execs netpool-fwd: one pid throughout)
forget='rm -f "/dev/shm/netpool.$$"; exec "$@"'
tag=$$
A=npdemo-a-$tag F=npdemo-f-$tag B=npdemo-b-$tag
logdir=$(mktemp -d /tmp/netpool-demo.XXXXXX)
fwd_pid=

cleanup() {
	[ -n "$fwd_pid" ] && kill -TERM "$fwd_pid" 2>/dev/null && wait "$fwd_pid" 2>/dev/null
	netns_cleanup
	rm -rf "$logdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# field NAME from the JSON total line of a log
field() { sed -n 's/.*"type": "total".*"'"$2"'": \([0-9.]*\).*/\1/p' "$1" | head -n 1; }

report() { # label log
	local log=$2
	printf '  %-11s forwarded %9s pkts %9s pps, CPU %6s ns/pkt | pool: fast %s slow %s cached %s ring %s released %s\n' \
		"$1" "$(field "$log" tx_packets)" "$(field "$log" rx_pps)" "$(field "$log" cpu_ns_per_pkt)" \
		"$(field "$log" pool_fast)" "$(field "$log" pool_slow)" "$(field "$log" pool_cached)" \
		"$(field "$log" pool_ring)" "$(field "$log" pool_released)"
}

compare() { # log_recycle log_norecycle what field
	local a b
	a=$(field "$1" "$4") b=$(field "$2" "$4")
	[ -n "$a" ] && [ -n "$b" ] || return 0
	if [ "$4" = rx_pps ] && [ "${b%.*}" -gt 0 ]; then
		awk -v a="$a" -v b="$b" -v w="$3" \
			'BEGIN { printf "  recycling gain: %.2fx the packet rate %s\n", a / b, w }'
	elif [ "$4" = cpu_ns_per_pkt ] && [ "${a%.*}" -gt 0 ]; then
		# below 5% the run's own noise decides: said so, not called a gain
		awk -v a="$a" -v b="$b" -v w="$3" 'BEGIN {
			r = b / a
			if (r >= 1.05)
				printf "  recycling gain: %.2fx less CPU per packet %s\n", r, w
			else
				printf "  recycling gain: none measurable %s (%.2fx the CPU per " \
				       "packet without it; the kernel'"'"'s copies dominate on veth)\n", w, r
		}'
	fi
}

vnic_demo() {
	echo "netpool demo on vnic: a simulated NIC's traffic source -> netpool-fwd -> a second vnic"
	for v in recycle no-recycle; do
		flag=; [ $v = no-recycle ] && flag=--no-recycle
		"$fwd" --driver vnic --in vnic0 --out vnic1 --mode fwd --duration "$secs" --iommu \
			--json $flag >"$logdir/$v.log"
		report "$v" "$logdir/$v.log"
	done
	compare "$logdir/recycle.log" "$logdir/no-recycle.log" "(checking IOMMU)" rx_pps
}

if [ "$(id -u)" -ne 0 ] || ! netns_add "$A"; then
	echo "netpool demo: no privileges for network namespaces; running on the simulated NIC"
	vnic_demo
	exit 0
fi
netns_add "$F" "$B"

# The hosts: 10.77.0.1 in A, 10.77.0.2 in B (addresses inside our namespaces only).
hosts_up() { # ifA ifB
	netns_host "$A" "$1" 10.77.0.1/24
	netns_host "$B" "$2" 10.77.0.2/24
}

driver=afxdp
netns_veth npdA0 "$A" npdA1 "$F"
netns_veth npdB0 "$B" npdB1 "$F"
hosts_up npdA0 npdB0
# the hosts must fill in their checksums: a forwarder on AF_XDP sees the frame as it is
netns_offloads_off "$A" npdA0
netns_offloads_off "$B" npdB0
for i in npdA1 npdB1; do
	netns_ipv6_off "$F" "$i" || true
	netns_up "$F" "$i"
done

start_fwd() { # log extra-args...
	local log=$1; shift
	local i
	if [ $driver = afxdp ]; then
		sh -c "$forget" sh ip netns exec "$F" "$fwd" --driver afxdp --in npdA1 --out npdB1 \
			--mode fwd --json "$@" >"$log" 2>&1 &
	else
		sh -c "$forget" sh ip netns exec "$F" "$fwd" --driver tap --in npdtA --out npdtB \
			--mode fwd --json "$@" >"$log" 2>&1 &
	fi
	fwd_pid=$!
	# ready once it publishes its statistics (its ports are open then), 10 s at most
	for ((i = 0; i < 500; i++)); do
		"$stat" --pid "$fwd_pid" >/dev/null 2>&1 && break
		kill -0 "$fwd_pid" 2>/dev/null || break
		sleep 0.02
	done
	if ! "$stat" --pid "$fwd_pid" >/dev/null 2>&1; then
		kill -TERM "$fwd_pid" 2>/dev/null
		wait "$fwd_pid" 2>/dev/null || true
		fwd_pid=
		return 1
	fi
	if [ $driver = tap ]; then
		netns_move "$F" npdtA "$A"
		netns_move "$F" npdtB "$B"
		hosts_up npdtA npdtB
	fi
}

if ! start_fwd "$logdir/probe.log"; then
	echo "netpool demo: AF_XDP refused here ($(tail -n 1 "$logdir/probe.log")); using TAP devices"
	netns_ip "$A" link del npdA0
	netns_ip "$B" link del npdB0
	driver=tap
else
	kill -TERM "$fwd_pid"; wait "$fwd_pid" || true; fwd_pid=
fi

echo "netpool demo: host A (10.77.0.1) -> netpool-fwd ($driver, namespace $F) -> host B (10.77.0.2)"
echo "iperf3 sends UDP at $rate bit/s for ${secs}s, once with page_pool recycling and once without"
for v in recycle no-recycle; do
	flag=; [ $v = no-recycle ] && flag=--no-recycle
	if ! start_fwd "$logdir/$v.log" $flag; then
		echo "netpool-fwd did not start:"; cat "$logdir/$v.log"; exit 1
	fi
	ip netns exec "$B" iperf3 -s -1 >"$logdir/iperf-s.log" 2>&1 &
	srv=$!
	sleep 0.5
	ip netns exec "$A" iperf3 -c 10.77.0.2 -u -b "$rate" -l 1200 -t "$secs" >"$logdir/iperf-$v.log" 2>&1 || true
	wait "$srv" 2>/dev/null || true
	kill -TERM "$fwd_pid"
	rc=0; wait "$fwd_pid" || rc=$?
	fwd_pid=
	echo "[$v]"
	grep -E 'receiver' "$logdir/iperf-$v.log" | sed 's/^/  iperf3: /' || true
	report "$v" "$logdir/$v.log"
	if [ $rc -ne 0 ]; then
		echo "  netpool-fwd exit $rc: buffers were lost"; exit 1
	fi
	echo "  every buffer came back (inflight 0)"
done
compare "$logdir/recycle.log" "$logdir/no-recycle.log" "in the forwarder at the same load" cpu_ns_per_pkt
echo
vnic_demo
