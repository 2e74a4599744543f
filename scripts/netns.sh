# shellcheck shell=bash
# scripts/netns.sh - network namespaces and veth pairs for one run of a script, sourced by
# scripts/demo.sh and scripts/soak.sh (the C tests and bench/bench_fwd_xdp.c have
# tests/lib/netns.c). Names carry the caller's pid; netns_cleanup, which the caller's EXIT
# trap runs, removes every namespace made (with the veth pairs and TAP devices in it).
# Nothing is touched that the run did not create. One way to run ip: netns_ip.

netns_made=()

# netns_ip NS ARGS...: ip ARGS inside namespace NS ("": this one); a failure names the command.
netns_ip() {
	local ns=$1
	shift
	[ -n "$ns" ] && set -- -n "$ns" "$@"
	ip "$@" || { echo "netns: failed: ip $*" >&2; return 1; }
}

# netns_add NS...: new namespaces with lo up. Fails quietly when the kernel refuses.
netns_add() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns" 2>/dev/null || return 1
		netns_made+=("$ns")
		netns_ip "$ns" link set lo up || return 1
	done
}

# netns_ipv6_off NS IF...: IPv6 off on each (all, default or an interface): no router
# solicitations or MLD reports among the test traffic.
netns_ipv6_off() {
	local ns=$1 i
	shift
	for i in "$@"; do
		ip netns exec "$ns" sysctl -q -w "net.ipv6.conf.$i.disable_ipv6=1" >/dev/null || return 1
	done
}

# netns_veth A NS_A B NS_B: a veth pair, A in NS_A and B in NS_B.
netns_veth() {
	netns_ip "" link add "$1" netns "$2" type veth peer name "$3" netns "$4"
}

# netns_up NS IF [MTU]: IF up (with MTU).
netns_up() {
	netns_ip "$1" link set "$2" ${3:+mtu "$3"} up
}

# netns_host NS IF CIDR [MAC [MTU]]: one end host: IPv6 off on IF, its MAC and MTU, up, address.
netns_host() {
	netns_ipv6_off "$1" "$2" &&
	netns_ip "$1" link set "$2" ${4:+address "$4"} ${5:+mtu "$5"} up &&
	netns_ip "$1" addr add "$3" dev "$2"
}

# netns_offloads_off NS IF: TX checksum offload off (ethtool): the frames carry their
# checksums, as a forwarder on AF_XDP must see them (veth would leave them to an offload
# that never happens).
netns_offloads_off() {
	ip netns exec "$1" ethtool -K "$2" tx off >/dev/null
}

# netns_move NS IF TO: IF from namespace NS into TO.
netns_move() {
	netns_ip "$1" link set "$2" netns "$3"
}

# netns_cleanup: every namespace netns_add made, removed.
netns_cleanup() {
	local ns
	for ns in "${netns_made[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	netns_made=()
}
