#!/usr/bin/env bash
# The shared library's ABI, checked against netpool.map:
#   - every NP_API declaration of the public headers is in the map, and
#     the map names nothing the headers do not declare;
#   - the library of build dir O (default build/default) exports exactly the
#     map's symbols, each under its NETPOOL_* version node, and nothing else.
# So nothing leaks by accident and nothing documented goes missing.
# Usage: scripts/check-abi.sh [O]
set -u
cd "$(dirname "$0")/.."
O=${1:-build/default}
exec python3 - "$O" <<'PY'
import glob
import re
import subprocess
import sys

o = sys.argv[1]
bad = []

# the map: symbol -> node
node, mapped = None, {}
text = re.sub(r'/\*.*?\*/', '', open('netpool.map').read(), flags=re.S)
for tok in re.finditer(r'(NETPOOL_[0-9.]+)\s*\{|global:|local:|(\w+);', text):
    if tok.group(1):
        node, local = tok.group(1), False
    elif tok.group(0) == 'local:':
        local = True
    elif tok.group(0) == 'global:':
        local = False
    elif tok.group(2) and not local:
        mapped[tok.group(2)] = node

# the headers' NP_API declarations
declared = set()
for h in glob.glob('include/netpool/*.h') + ['include/netpool.h']:
    src = re.sub(r'/\*.*?\*/', '', open(h).read(), flags=re.S)
    for m in re.finditer(r'^(?:extern\s+)?NP_API\b([^;{]*?)[;{]', src, re.M | re.S):
        f = re.search(r'\b(np_\w+)\s*\(', m.group(1))
        names = [f.group(1)] if f else re.findall(r'\b(np_\w+)\b', m.group(1))[-1:]
        declared.update(names)
for s in sorted(declared - set(mapped)):
    bad.append('%s: declared NP_API in a public header, missing from netpool.map' % s)
for s in sorted(set(mapped) - declared):
    bad.append('%s: in netpool.map, declared by no public header' % s)

# the library
so = o + '/libnetpool.so'
try:
    out = subprocess.run(['objdump', '-T', so], capture_output=True, text=True, check=True).stdout
except (OSError, subprocess.CalledProcessError) as e:
    print('check-abi: cannot read %s: %s' % (so, e))
    sys.exit(1)
exported = {}
for line in out.splitlines():
    f = line.split()
    # defined symbols: not *UND*, with a version column and a name
    if len(f) >= 6 and '*ABS*' in line and f[-1] == f[-2]:
        continue	# the version node itself
    if len(f) >= 6 and '*UND*' not in line and f[-2].startswith('NETPOOL_'):
        exported[f[-1]] = f[-2]
    elif len(f) >= 6 and '*UND*' not in line and f[-1].startswith('np_'):
        exported[f[-1]] = None
for s in sorted(set(exported) - set(mapped)):
    bad.append('%s: exported by %s, not in netpool.map' % (s, so))
for s in sorted(set(mapped) - set(exported)):
    bad.append('%s: in netpool.map, not exported by %s' % (s, so))
for s, v in sorted(exported.items()):
    if s in mapped and v != mapped[s]:
        bad.append('%s: exported under %s, the map says %s' % (s, v, mapped[s]))

for b in bad:
    print('check-abi: ' + b)
print('check-abi: %d symbols in netpool.map, %d declared, %d exported by %s, %d wrong' %
      (len(mapped), len(declared), len(exported), so, len(bad)))
sys.exit(1 if bad else 0)
PY
