#!/usr/bin/env bash
# Install the Debian packages a make target needs, only when missing (idempotent).
# Usage: scripts/deps.sh test|demo|bench
set -u
need=(make gcc g++ clang libclang-rt-14-dev bc util-linux)
case ${1:-test} in
test) need+=(pkg-config libxdp-dev libbpf-dev iproute2 ethtool tcpdump iputils-ping iperf3 tshark
	     python3 man-db groff-base) ;;
demo) need+=(pkg-config libxdp-dev libbpf-dev iproute2 ethtool iperf3) ;;
bench) need+=(pkg-config libdpdk-dev dpdk-dev) ;;
esac
missing=()
for p in "${need[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "netpool: missing Debian packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi
echo "netpool: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
