#!/usr/bin/env bash
# What a user of an installed netpool gets: `make install DESTDIR=... PREFIX=/usr`
# into a temporary tree, then a first program (tests/install/hello.c) built
# against that tree with pkg-config, linked dynamically and statically, as C
# and as C++, each run; a program that dlopen()s the installed library and
# uses it from three threads (tests/install/plugin.c); the installed man pages
# render without warnings;
# `make uninstall` leaves nothing behind.
# Usage: scripts/check-install.sh [O [make arguments of that build...]]
#   (a release build dir, default build/install; give the arguments it was built with,
#   CC=gcc DEBUG=0 say, so that nothing is rebuilt)
set -u
cd "$(dirname "$0")/.."
O=${1:-build/install}
shift $(($# > 0 ? 1 : 0))
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
fail() { echo "check-install: $*"; exit 1; }
make -s -j"$(nproc)" O="$O" "$@" DESTDIR="$root" PREFIX=/usr install >/dev/null 2>"$root.err" ||
	{ cat "$root.err"; rm -f "$root.err"; fail "make install failed"; }
rm -f "$root.err"
export PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_LIBDIR="$root/usr/lib/pkgconfig:/usr/lib/x86_64-linux-gnu/pkgconfig:/usr/lib/pkgconfig:/usr/share/pkgconfig"
pkg-config --exists netpool || fail "pkg-config does not find netpool in $root"
cflags=$(pkg-config --cflags netpool)
libs=$(pkg-config --libs netpool)
slibs=$(pkg-config --static --libs netpool)
n=0
for lang in c c++; do
	case $lang in
	c) cc=gcc; std=-std=c11 ;;
	c++) cc=g++; std=-std=c++17 ;;
	esac
	command -v "$cc" >/dev/null || continue
	"$cc" -x "$lang" $std -Wall -Wextra -Werror $cflags tests/install/hello.c -o "$root/hello-dyn" \
		$libs || fail "$cc: the dynamic build failed ($libs)"
	LD_LIBRARY_PATH="$root/usr/lib" "$root/hello-dyn" || fail "$cc: the dynamic program failed"
	ldd "$root/hello-dyn" | grep -q "$root/usr/lib/libnetpool.so" 2>/dev/null ||
		LD_LIBRARY_PATH="$root/usr/lib" ldd "$root/hello-dyn" | grep -q "libnetpool.so.0" ||
		fail "$cc: the dynamic program does not use libnetpool.so"
	"$cc" -x "$lang" $std -Wall -Wextra -Werror $cflags tests/install/hello.c -o "$root/hello-static" \
		-Wl,-Bstatic -lnetpool -Wl,-Bdynamic $(echo "$slibs" | sed 's/-lnetpool//') ||
		fail "$cc: the static build failed ($slibs)"
	"$root/hello-static" || fail "$cc: the static program failed"
	n=$((n + 2))
done
# loaded at run time: the library's thread-locals in dynamic TLS
gcc -std=c11 -Wall -Wextra -Werror tests/install/plugin.c -o "$root/plugin" -ldl -pthread ||
	fail "the dlopen program did not build"
"$root/plugin" "$root/usr/lib/libnetpool.so.0" || fail "the dlopen program failed"
n=$((n + 1))
for t in netpool-fwd netpool-stat netpool-bench; do
	[ -x "$root/usr/bin/$t" ] || fail "$t not installed"
done
pages=0
for m in "$root"/usr/share/man/man*/*; do
	[ -e "$m" ] || continue
	# from the man root, where man resolves the ".so man3/..." of a link page
	out=$(cd "$root/usr/share/man" && LC_ALL=C.UTF-8 MANWIDTH=80 \
		man --warnings -l "${m#$root/usr/share/man/}" 2>&1 >/dev/null) ||
		fail "man cannot render $m"
	[ -z "$out" ] || { echo "$out" | head -n 5; fail "man warns on ${m#$root}"; }
	pages=$((pages + 1))
done
make -s O="$O" "$@" DESTDIR="$root" PREFIX=/usr uninstall >/dev/null || fail "make uninstall failed"
left=$(find "$root/usr" -type f | head -n 3)
[ -z "$left" ] || fail "uninstall left: $left"
echo "check-install: installed, $n programs built with pkg-config and run, $pages man pages render cleanly, uninstalled"
