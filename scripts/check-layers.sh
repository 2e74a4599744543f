#!/usr/bin/env bash
# The layer rule, checked: calls and includes go down, never up, and between
# the files of one layer only one way (HACKING.md, docs/design.md).
#
# Every library file has a place: a layer (page, dma, ring, pool, skb, netdev,
# drivers, stack) and a rank inside it. A call from one file to a function
# another file defines (as far as a text scan can see: name followed by '(')
# must go to a lower layer, or inside a layer to a lower rank. A public header
# may include only headers of its own layer or below; a library file only
# those of its layer or below, and never the umbrella netpool.h.
# A file the table does not know is an error: give it its place.
# Usage: scripts/check-layers.sh   (exit 1 on any wrong edge)
set -u
cd "$(dirname "$0")/.."
exec python3 - <<'EOF'
import glob
import re
import sys

# file -> (layer, rank inside the layer); a call or include must go to a smaller pair
PLACE = {
    # utilities every layer uses
    'src/log.c': (0, 0), 'src/fault.c': (0, 0), 'src/stats.c': (0, 0), 'src/version.c': (0, 0),
    'src/csum.c': (0, 0),
    'src/napi_ctx.c': (0, 0), 'src/hook.c': (0, 0), 'src/thread.c': (0, 0),
    # NUMA: which node this thread runs on (the page layer's node numbers)
    'src/numa.c': (1, -1),
    # page provider: the small-object allocator above the pages
    'src/page.c': (1, 0), 'src/small.c': (1, 1),
    # DMA
    'src/dma.c': (2, 0), 'src/dma_iommu.c': (2, 1),
    # return ring
    'src/ring.c': (3, 0),
    # page_pool: pool.c -> pool_lane.c -> pool_user.c -> pool_dma.c -> pool_mem.c
    'src/pool_mem.c': (4, 0), 'src/pool_dma.c': (4, 1), 'src/pool_user.c': (4, 2),
    'src/pool_lane.c': (4, 3), 'src/pool.c': (4, 4),
    # skb: the core below sharing, merging and segmentation
    'src/skb.c': (5, 0), 'src/skb_share.c': (5, 1), 'src/skb_merge.c': (5, 2),
    'src/skb_gso.c': (5, 2),
    # NAPI and the netdev, the stats export above them
    'src/napi.c': (6, 0), 'src/dev.c': (6, 1), 'src/export.c': (6, 2),
    # drivers: each driver's pieces below its netdev ops, test doubles on top
    'src/drivers/afxdp_names.c': (7, 0), 'src/drivers/afxdp_umem.c': (7, 0),
    'src/drivers/afxdp_prog.c': (7, 0), 'src/drivers/afxdp_probe.c': (7, 0),
    'src/drivers/afxdp_rx.c': (7, 1), 'src/drivers/afxdp_tx.c': (7, 1),
    'src/drivers/afxdp_xsk.c': (7, 1), 'src/drivers/afxdp.c': (7, 2),
    'src/drivers/afxdp_stub.c': (7, 2), 'src/drivers/afxdp_fake.c': (7, 3),
    'src/drivers/afxdp_inject.c': (7, 3), 'src/drivers/afxdp_stub_fake.c': (7, 3),
    'src/drivers/afxdp_stub_inject.c': (7, 3),
    'src/drivers/tap_vnet.c': (7, 0), 'src/drivers/tap.c': (7, 2), 'src/drivers/tap_fake.c': (7, 3),
    'src/drivers/vnic_dev.c': (7, 0), 'src/drivers/vnic.c': (7, 2),
    'src/drivers/vnic_inject.c': (7, 3),
    'src/drivers/null.c': (7, 2),
    # the test hooks' setter (test archive), above the table the hook points read
    'src/hook_inject.c': (0, 1),
    # stack pieces: GSO and checksums below the pieces that use them
    'src/gso.c': (8, -1), 'src/stack.c': (8, 0), 'src/vxlan.c': (8, 0),
}

# public headers -> layer
HDR = {
    'compiler.h': 0, 'atomic.h': 0, 'log.h': 0, 'poison.h': 0, 'fault.h': 0, 'stats.h': 0,
    'napi_ctx.h': 0, 'version.h': 0, 'csum.h': 0, 'page.h': 1, 'dma.h': 2, 'ring.h': 3, 'pool_types.h': 4,
    'pool.h': 4,
    'skb.h': 5, 'napi.h': 6, 'dev.h': 6, 'export.h': 6, 'vnic.h': 7, 'afxdp.h': 7, 'tap.h': 7,
    'null.h': 7,
    'stack.h': 8,
}

bad = []
files = sorted(glob.glob('src/*.c') + glob.glob('src/drivers/*.c'))
for f in files:
    if f not in PLACE:
        bad.append('%s: not in the layer table of scripts/check-layers.sh' % f)

def strip_comments(s):
    s = re.sub(r'/\*.*?\*/', '', s, flags=re.S)
    return re.sub(r'//[^\n]*', '', s)

# includes: public headers and library files
for h in sorted(glob.glob('include/netpool/*.h')):
    name = h.split('/')[-1]
    if name not in HDR:
        bad.append('%s: not in the header table of scripts/check-layers.sh' % h)
        continue
    for inc in re.findall(r'^#\s*include\s+"([^"]+)"', open(h).read(), re.M):
        base = inc.split('/')[-1]
        if base in HDR and HDR[base] > HDR[name]:
            bad.append('%s includes %s, a layer above it' % (h, inc))
for f in files:
    if f not in PLACE:
        continue
    layer = PLACE[f][0]
    for inc in re.findall(r'^#\s*include\s+"([^"]+)"', open(f).read(), re.M):
        base = inc.split('/')[-1]
        if inc == 'netpool.h':
            bad.append('%s includes the umbrella netpool.h: include the layers it uses' % f)
        elif inc.startswith('netpool/') and base in HDR and HDR[base] > layer:
            bad.append('%s includes %s, a layer above it' % (f, inc))
# the private header every library file shares must not pull the umbrella in either
for p in ['src/internal.h']:
    if re.search(r'^#\s*include\s+"netpool\.h"', open(p).read(), re.M):
        bad.append('%s includes the umbrella netpool.h' % p)

# calls: the non-static functions each file defines, then who calls them
defs = {}
DEF = re.compile(r'^(?!static\b)[\w \t\*]*?\b((?:np|afx|vnic|tap)_\w+)\s*\([^;{)]*(?:\([^)]*\)[^;{)]*)*\)\s*\{',
                 re.M)
for f in files:
    for m in DEF.finditer(strip_comments(open(f).read())):
        defs.setdefault(m.group(1), f)
# an AF_XDP stub file stands in for the real driver's files in a build without libxdp: the
# two are never linked together, and define the same names
def apart(a, b):
    sa, sb = '_stub' in a, '_stub' in b
    return sa != sb and 'afxdp' in a and 'afxdp' in b

edges = 0
for f in files:
    if f not in PLACE:
        continue
    text = strip_comments(open(f).read())
    for name, df in defs.items():
        if df == f or df not in PLACE or apart(f, df):
            continue
        if re.search(r'\b%s\s*\(' % re.escape(name), text):
            edges += 1
            if PLACE[df] >= PLACE[f]:
                bad.append('%s calls %s() of %s: against the order (%s -> %s)' %
                           (f, name, df, PLACE[f], PLACE[df]))

for b in bad:
    print('check-layers: ' + b)
print('check-layers: %d files, %d cross-file calls, %d wrong' % (len(files), edges, len(bad)))
sys.exit(1 if bad else 0)
EOF
