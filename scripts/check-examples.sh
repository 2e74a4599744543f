#!/usr/bin/env bash
# The examples a user starts from, and the README's API tour, built and run:
#   - the API tour: the C block of README.md's "API tour" section, compiled as
#     it stands against the build's library and run;
#   - examples/rx_loop (a minimal driver), examples/vnic_hook (the verdict hook
#     on the simulated NIC): run, exit 0;
#   - examples/tap_capture: in a namespace of its own, a host pings through a
#     TAP device it made; the pcap file must hold the frames, read back by
#     tcpdump (skipped with the reason where namespaces or tcpdump are missing);
#   - examples/afxdp_l2fwd: two hosts in namespaces ping each other through it,
#     and it made no copy (one UMEM for both ports); skipped where the kernel
#     refuses AF_XDP.
# Prints one line per program and "check-examples: N passed, N failed, N skipped".
# Usage: scripts/check-examples.sh [O [make arguments of that build...]]
set -u
cd "$(dirname "$0")/.."
O=${1:-build/default}
shift $(($# > 0 ? 1 : 0))
. scripts/netns.sh
pass=0 fail=0 skip=0
tmp=$(mktemp -d)
cleanup() { netns_cleanup; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 1' INT TERM
ok() { echo "PASS examples $1"; pass=$((pass + 1)); }
ko() { echo "FAIL examples $1: $2"; fail=$((fail + 1)); }
sk() { echo "SKIP examples $1: $2"; skip=$((skip + 1)); }

make -s -j"$(nproc)" O="$O" "$@" lib examples >/dev/null || { ko build "make examples failed"; exit 1; }
libs=$(make -s --no-print-directory O="$O" "$@" print-ldlibs)

# the API tour, as written
awk '/^## API tour/ { on = 1; next } /^## / { on = 0 }
     on && /^```c$/ { code = 1; next } on && /^```$/ { code = 0; next } code' README.md >"$tmp/tour.c"
if [ ! -s "$tmp/tour.c" ]; then
	ko api_tour "no C block in README.md's API tour"
elif ! cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude "$tmp/tour.c" -o "$tmp/tour" \
	"$O/libnetpool.a" $libs 2>"$tmp/tour.err"; then
	ko api_tour "does not compile: $(head -n 3 "$tmp/tour.err" | tr '\n' ' ')"
elif ! out=$("$tmp/tour" 2>&1); then
	ko api_tour "exit status $?: $out"
else
	ok "api_tour ($(echo "$out" | tail -n 1))"
fi

for e in "rx_loop" "vnic_hook 20000"; do
	if out=$(timeout 60 "$O/examples/"$e 2>&1); then
		ok "${e%% *} ($(echo "$out" | tail -n 1 | cut -c1-100))"
	else
		ko "${e%% *}" "exit status $?: $(echo "$out" | tail -n 3)"
	fi
done

# tap_capture: frames the kernel sends into the TAP device it made, in a namespace
ns=npex$$ tap=npcap$$ pcap=$tmp/cap.pcap n=20
if [ "$(id -u)" -ne 0 ] || ! command -v tcpdump >/dev/null || ! netns_add "$ns"; then
	sk tap_capture "needs root, tcpdump and network namespaces"
else
	ip netns exec "$ns" "$O/examples/tap_capture" "$tap" "$pcap" $n 20 >"$tmp/cap.log" 2>&1 &
	cpid=$!
	for _ in $(seq 100); do ip -n "$ns" link show "$tap" >/dev/null 2>&1 && break; sleep 0.05; done
	netns_host "$ns" "$tap" 10.251.0.1/24 &&
		netns_ip "$ns" neigh add 10.251.0.2 lladdr 02:00:00:00:00:02 dev "$tap" &&
		ip netns exec "$ns" ping -q -c $n -i 0.01 -W 0.01 10.251.0.2 >/dev/null 2>&1
	wait "$cpid"
	rc=$?
	got=$(tcpdump -nn -r "$pcap" 2>/dev/null | grep -c "10.251.0.1 > 10.251.0.2: ICMP echo request")
	if [ $rc -eq 0 ] && [ "$got" -eq $n ]; then
		ok "tap_capture ($got echo requests read back from the pcap by tcpdump)"
	else
		ko tap_capture "exit status $rc, $got of $n echo requests in the pcap: $(tail -n 2 "$tmp/cap.log")"
	fi
fi
# afxdp_l2fwd: two hosts in namespaces of their own ping each other through it
A=npexa$$ B=npexb$$ F=npexf$$
if [ "$(id -u)" -ne 0 ] || ! netns_add "$A" "$B" "$F"; then
	sk afxdp_l2fwd "needs root and network namespaces"
elif ! { netns_veth a0 "$A" fa "$F" && netns_veth b0 "$B" fb "$F" &&
	 netns_host "$A" a0 10.252.0.1/24 && netns_host "$B" b0 10.252.0.2/24 &&
	 netns_offloads_off "$A" a0 && netns_offloads_off "$B" b0 &&
	 netns_ipv6_off "$F" fa fb && netns_up "$F" fa && netns_up "$F" fb; }; then
	ko afxdp_l2fwd "could not build the namespaces"
else
	ip netns exec "$F" "$O/examples/afxdp_l2fwd" fa fb 30 >"$tmp/fwd.log" 2>&1 &
	fpid=$!
	for _ in $(seq 100); do
		grep -q forwarding "$tmp/fwd.log" 2>/dev/null && break
		kill -0 "$fpid" 2>/dev/null || break
		sleep 0.05
	done
	if ! grep -q forwarding "$tmp/fwd.log"; then
		wait "$fpid"
		sk afxdp_l2fwd "AF_XDP refused here: $(tail -n 1 "$tmp/fwd.log")"
	else
		ip netns exec "$A" ping -q -c 10 -i 0.05 -W 1 10.252.0.2 >"$tmp/ping.log" 2>&1
		prc=$?
		kill -INT "$fpid"
		wait "$fpid"
		frc=$?
		line=$(grep "copies made" "$tmp/fwd.log")
		if [ $prc -eq 0 ] && [ $frc -eq 0 ] && echo "$line" | grep -q "copies made 0$"; then
			ok "afxdp_l2fwd (10/10 pings through it; ${line#afxdp_l2fwd: })"
		else
			ko afxdp_l2fwd "ping $prc, exit $frc: $(tail -n 2 "$tmp/ping.log") $line"
		fi
	fi
fi
echo "check-examples: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
