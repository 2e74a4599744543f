#!/usr/bin/env bash
# make soak: long runs that must not leak or lose anything.
#   1. netpool-fwd on vnic with mixed traffic (60..9000-byte frames, so multi-buffer;
#      capture clones, sockq coalescing and GRO, encap, plain fwd; two queues, checking
#      IOMMU), one segment per mode
#   2. netpool-fwd over AF_XDP on veth pairs, between two hosts (namespaces of their own,
#      a third for the forwarder), one segment per mode (fwd and sockq; encap and capture
#      too when each segment gets 8 s or more); host A's kernel sends UDP of 18 bytes to
#      three times the MTU (so IP fragments), and a packet socket there good frames of
#      every length up to the MTU with bad ones among them (runts, garbage, broken
#      IPv4/UDP/TCP headers: test_e2e_badframes --flood), to a UDP socket on host B that
#      checks every payload. When the kernel refuses AF_XDP, the reason is printed and
#      this part runs over TAP devices instead (jumbo frames, several buffers each)
#   In every segment the forwarder's RSS (/proc) and its pools' inflight (netpool-stat)
#   are sampled twice a second; a segment fails when either trends upward after warm-up,
#   when netpool-fwd says a buffer was lost (exit 3) or fails, or when a datagram
#   arrives corrupt. Each ends with a summary line: packets received and forwarded,
#   buffers lost.
#   3. the skb reference model for the rest of the time (scripts/soak-model.sh)
#   SOAK_SECONDS   the whole run (default 600): half for the netpool-fwd segments of
#                  parts 1 and 2 (at least 6 s each), the rest for the model
#   SOAK_DRIVER    afxdp (default) or tap: the driver of part 2 (tap: as on a kernel
#                  that refuses AF_XDP)
#   SOAK_RATE      frames a second part 2's sender offers (default 20000)
#   SOAK_BUILD     build directory (default build/soak), passed on to soak-model.sh
set -u
cd "$(dirname "$0")/.."
. scripts/netns.sh
secs=${SOAK_SECONDS:-600}
dir=${SOAK_BUILD:-build/soak}
make -s -j2 O="$dir" DEBUG=0 tools "$dir/tests/test_e2e_badframes" || exit 1
fwd=$PWD/$dir/tools/netpool-fwd stat=$PWD/$dir/tools/netpool-stat
flood=$PWD/$dir/tests/test_e2e_badframes
modes=(capture sockq encap fwd)
# encap: a tunnel to addresses nobody owns, the next hop given (no ARP); only its frames count
vxlan_args="--vxlan-local 192.0.2.1 --vxlan-remote 192.0.2.2 --vni 42 --vxlan-dmac 02:00:00:00:00:0b"
xdriver=${SOAK_DRIVER:-afxdp}
rate=${SOAK_RATE:-20000}
half=$(( secs / 2 ))
xmodes=(fwd sockq encap capture)
[ $(( half / (${#modes[@]} + ${#xmodes[@]}) )) -lt 8 ] && xmodes=(fwd sockq)
seg=$(( half / (${#modes[@]} + ${#xmodes[@]}) ))
[ "$seg" -lt 6 ] && seg=6
tmp=$(mktemp -d /tmp/netpool-soak.XXXXXX)
tag=$$
A=npsoak-a-$tag F=npsoak-f-$tag B=npsoak-b-$tag
fwd_pid= flood_pid=
cleanup() {
	[ -n "$flood_pid" ] && kill "$flood_pid" 2>/dev/null && wait "$flood_pid" 2>/dev/null
	[ -n "$fwd_pid" ] && kill "$fwd_pid" 2>/dev/null && wait "$fwd_pid" 2>/dev/null
	netns_cleanup
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
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

# field LOG NAME: a number of the JSON total line
field() { sed -n 's/.*"type": "total".*"'"$2"'": \([0-9.]*\).*/\1/p' "$1" | head -n 1; }

# sample PID FILE: RSS and pool inflight twice a second while PID lives
sample() {
	local rss inflight
	: >"$2"
	sleep 0.5
	while kill -0 "$1" 2>/dev/null; do
		rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
		inflight=$("$stat" --pid "$1" --json 2>/dev/null |
			awk -F'"inflight": ' '/"type": "pool"/ { split($2, a, ","); s += a[1] } END { print s + 0 }')
		[ -n "$rss" ] && echo "$rss $inflight" >>"$2"
		sleep 0.5
	done
}

# report LABEL RC LOG SAMPLES: the segment's lines; failures set fail
report() {
	local label=$1 rc=$2 log=$3 samples=$4 lost=0 rx tx
	echo "[$label] netpool-fwd exit $rc, $(wc -l <"$samples") samples"
	grep '"type": "total"' "$log" | sed 's/^/  /' | cut -c1-220
	if [ "$rc" -ne 0 ]; then
		echo "  FAIL: $( [ "$rc" -eq 3 ] && echo 'buffers were lost' || echo "exit $rc")"
		lost=$(sed -n 's/.*: \([0-9]*\) buffers did not come back.*/\1/p' "$log" | head -n 1)
		tail -n 5 "$log"; fail=1
	fi
	trend "$samples" 1 4096 0.10 "RSS kB" || fail=1
	trend "$samples" 2 256 0.25 "pool inflight" || fail=1
	rx=$(field "$log" rx_packets) tx=$(field "$log" tx_packets)
	if [ -z "$rx" ] || [ "$rx" -eq 0 ]; then
		echo "  FAIL: no packet reached the forwarder"; fail=1
	fi
	echo "  [$label] received ${rx:-?} packets, forwarded ${tx:-?}$( [ "${label##* }" = sockq ] &&
		echo ' (sockq: read out of the receive queue)'), buffers lost ${lost:-?}"
}

echo "soak: netpool-fwd on vnic, ${seg}s per mode (${modes[*]}), then over $xdriver" \
	"(${xmodes[*]}), then the skb model"
for mode in "${modes[@]}"; do
	extra=
	# the capture writer runs as usual; its file is thrown away (minutes of it would fill a disk)
	[ "$mode" = capture ] && extra="--pcap /dev/null"
	[ "$mode" = encap ] && extra="$vxlan_args"
	"$fwd" --driver vnic --in soaka --out soakb --mode "$mode" --queues 2 --iommu \
		--len 60-9000 --duration "$seg" --json $extra >"$tmp/$mode.log" 2>&1 &
	fwd_pid=$!
	sample "$fwd_pid" "$tmp/$mode.samples"
	wait "$fwd_pid"; rc=$?
	fwd_pid=
	report "$mode" "$rc" "$tmp/$mode.log" "$tmp/$mode.samples"
done

# ---- part 2: AF_XDP on veth (TAP when refused) between host A and host B ----
sub=$(( tag % 200 + 20 ))
ip_a=10.206.$sub.1 ip_b=10.206.$sub.2 mac_a=02:00:00:aa:00:01 mac_b=02:00:00:bb:00:02
va=nps${tag}a vi=nps${tag}i vo=nps${tag}o vb=nps${tag}b	# A-F and F-B veth pairs
ta=npt${tag}a tb=npt${tag}b				# TAP devices, F's, then the hosts'

# host NS IF MAC IP PEER_IP PEER_MAC MTU: one end host, IPv6 off, a static neighbour
host_up() {
	netns_host "$1" "$2" "$4/24" "$3" "$7" &&
	netns_ip "$1" neigh replace "$5" lladdr "$6" dev "$2"
}

# the namespaces; veth pairs when AF_XDP. MTUs: native XDP on the forwarder's veths caps
# the hosts' at 3506 (frames within one 4 KiB AF_XDP buffer); host A's 3400 leaves room
# for encap's 50-byte outer header on the way to B
xmtu=3400
net_up() {
	for ns in "$A" "$F" "$B"; do
		netns_add "$ns" && netns_ipv6_off "$ns" all default || return 1
	done
	[ "$xdriver" = afxdp ] || return 0
	netns_veth "$va" "$A" "$vi" "$F" &&
	netns_veth "$vb" "$B" "$vo" "$F" &&
	netns_up "$F" "$vi" $xmtu &&
	netns_up "$F" "$vo" 3506 &&
	host_up "$A" "$va" $mac_a $ip_a $ip_b $mac_b $xmtu &&
	host_up "$B" "$vb" $mac_b $ip_b $ip_a $mac_a 3506 || return 1
	# host A's kernel must fill in its UDP checksums: the forwarder on AF_XDP sees frames as
	# they are, and veth would leave them to an offload that never happens
	if command -v ethtool >/dev/null; then
		netns_offloads_off "$A" "$va" || return 1
	else
		echo "soak: ethtool is not installed: host A's datagrams go without UDP checksums"
		export NP_FLOOD_NO_CHECK=1
	fi
}

# start_x MODE LOG: netpool-fwd in F, ready (statistics published; TAP: devices moved
# to the hosts). Return: 0, 1 failed, 2 the kernel refused AF_XDP
forget='rm -f "/dev/shm/netpool.$$"; exec "$@"'
start_x() {
	local extra= i
	[ "$1" = capture ] && extra="--pcap /dev/null"
	[ "$1" = encap ] && extra="$vxlan_args"
	# under sh -c "$forget": the object a killed process left under the pid the forwarder
	# gets (sh execs ip, ip execs it) is removed before it runs
	if [ "$xdriver" = afxdp ]; then
		sh -c "$forget" sh ip netns exec "$F" "$fwd" --driver afxdp --in "$vi" --out "$vo" \
			--mode "$1" --duration "$seg" --json $extra >"$2" 2>&1 &
	else
		sh -c "$forget" sh ip netns exec "$F" "$fwd" --driver tap --in "$ta" --out "$tb" \
			--mode "$1" --duration "$seg" --json $extra >"$2" 2>&1 &
	fi
	fwd_pid=$!
	# ready once it has published: netpool-stat reads its own object only (not one a
	# killed process left under the same pid)
	for ((i = 0; i < 500; i++)); do
		"$stat" --pid "$fwd_pid" >/dev/null 2>&1 && break
		kill -0 "$fwd_pid" 2>/dev/null || break
		sleep 0.02
	done
	if ! kill -0 "$fwd_pid" 2>/dev/null || ! "$stat" --pid "$fwd_pid" >/dev/null 2>&1; then
		kill "$fwd_pid" 2>/dev/null; wait "$fwd_pid" 2>/dev/null; fwd_pid=
		if [ "$xdriver" = afxdp ] && grep -Eq 'cannot open afxdp|cannot open the interfaces: .*(not permitted|not supported)' "$2"; then
			return 2
		fi
		return 1
	fi
	if [ "$xdriver" = tap ]; then
		netns_move "$F" "$ta" "$A" && netns_move "$F" "$tb" "$B" &&
		host_up "$A" "$ta" $mac_a $ip_a $ip_b $mac_b 9000 &&
		host_up "$B" "$tb" $mac_b $ip_b $ip_a $mac_a 9000 || return 1
	fi
	return 0
}

if [ "$(id -u)" -ne 0 ]; then
	echo "soak: SKIPPED the $xdriver part: it needs root (network namespaces)"
elif ! net_up; then
	echo "soak: FAIL: cannot set up the namespaces and veth pairs for the $xdriver part"; fail=1
else
	for mode in "${xmodes[@]}"; do
		log=$tmp/x-$mode.log
		start_x "$mode" "$log"; st=$?
		if [ "$st" -eq 2 ]; then
			echo "soak: AF_XDP refused by this kernel ($(grep -m1 'cannot open' "$log"));" \
				"the AF_XDP part runs over TAP devices instead"
			netns_ip "$A" link del "$va" 2>/dev/null; netns_ip "$B" link del "$vb" 2>/dev/null
			xdriver=tap
			start_x "$mode" "$log"; st=$?
		fi
		if [ "$st" -ne 0 ]; then
			echo "[$xdriver $mode] FAIL: netpool-fwd did not start"; tail -n 5 "$log"; fail=1
			continue
		fi
		mtu=$xmtu; [ "$xdriver" = tap ] && mtu=9000
		# the sender stops a second before the forwarder, so the totals see everything arrive
		"$flood" --flood "$A" "$( [ "$xdriver" = tap ] && echo "$ta" || echo "$va")" "$ip_a" \
			"$B" "$ip_b" $mac_b "$(( seg - 2 )).5" "$mtu" "$rate" >"$tmp/x-$mode.flood" 2>&1 &
		flood_pid=$!
		sample "$fwd_pid" "$tmp/x-$mode.samples"
		wait "$fwd_pid"; rc=$?
		fwd_pid=
		wait "$flood_pid"; frc=$?
		flood_pid=
		report "$xdriver $mode" "$rc" "$log" "$tmp/x-$mode.samples"
		sed 's/^/  /' "$tmp/x-$mode.flood"
		if [ "$frc" -ne 0 ]; then
			echo "  FAIL: the sender/receiver exit $frc (corrupt datagrams, or nothing sent)"; fail=1
		fi
	done
	netns_cleanup
fi

msecs=$(( secs - seg * (${#modes[@]} + ${#xmodes[@]}) ))
[ "$msecs" -lt 10 ] && msecs=10
SOAK_SECONDS=$msecs SOAK_SEEDS=${SOAK_SEEDS:-5000} scripts/soak-model.sh || fail=1
[ "$fail" -eq 0 ] && echo "soak: passed" || echo "soak: FAILED"
exit $fail
