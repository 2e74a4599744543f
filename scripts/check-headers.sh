#!/usr/bin/env bash
# Every public header compiles on its own, as C11 with -pedantic and as C++17,
# with gcc/g++ and clang/clang++ where installed, -Wall -Wextra -Werror: a
# program may include any one of them first, from C or from C++.
# Usage: scripts/check-headers.sh   (exit 1 on any header that does not)
set -u
cd "$(dirname "$0")/.."
bad=0 n=0
for h in include/netpool.h include/netpool/*.h; do
	inc=${h#include/}
	for cc in gcc clang g++ clang++; do
		command -v "$cc" >/dev/null 2>&1 || continue
		case $cc in
		*++) flags="-std=c++17 -x c++" ;;
		*) flags="-std=c11 -pedantic -x c" ;;
		esac
		n=$((n + 1))
		# (a declaration after it: a header of macros alone is no translation unit)
		if ! out=$(printf '#include "%s"\ntypedef int np_check_headers_t;\n' "$inc" |
			"$cc" $flags -Wall -Wextra -Werror -Iinclude -fsyntax-only - 2>&1); then
			echo "check-headers: $inc does not compile alone with $cc:"
			echo "$out" | head -n 5 | sed 's/^/    /'
			bad=$((bad + 1))
		fi
	done
done
echo "check-headers: $n header x compiler runs, $bad failed"
[ "$bad" -eq 0 ]
