#!/usr/bin/env python3
"""plot-bench.py - netpool's main benchmark rows beside their DPDK peers, as an SVG.

    scripts/plot-bench.py [-o OUT.svg] [--title TEXT] [--note TEXT] FILE...

Reads the output of `netpool-bench pool|skb|fwd --json` (one JSON object per
line; other lines, such as a table, are skipped; '-' reads stdin) and draws a
horizontal bar chart, time per packet or per operation, shorter is better:

    pool fast path (alloc + recycle_direct)  vs  rte_mempool cached get+put
    rx_recycle (page -> skb -> recycle)      vs  rte_pktmbuf alloc+free
    clone_free                               vs  rte_pktmbuf_clone (indirect) + free
    null forwarding, recycle, 1 core         vs  testpmd io over two net_null ports
    vnic forwarding, identity/recycle, 1q    vs  the same testpmd row

Forwarding rows give Mpps on one core; they are drawn as ns per packet
(1000 / Mpps) and labelled with their Mpps; the vnic row simulates a device
in the loop, which net_null does not, so its ratio is not like for like.
Each netpool bar carries the ratio netpool / DPDK in time (below 1: netpool is
faster). A pair whose rows are
missing is left out; a missing peer leaves netpool's bar alone. Python 3's
standard library only: the SVG is written by hand.
"""

import argparse
import json
import sys
from xml.sax.saxutils import escape

# (label, (bench, key, value), (peer bench, key, value), kind)
#   key selects the row: "dma" for pool/skb rows, "variant" for fwd rows; kind "ns" reads
#   the row's ns, "mpps" converts its Mpps to ns per packet.
PAIRS = [
    ("pool fast path: alloc + recycle_direct",
     ("fast_path", "dma", "identity"), ("dpdk_mempool_cached", None, None),
     "rte_mempool cached get + put", "ns"),
    ("rx_recycle: pool page -> skb -> recycle",
     ("rx_recycle", "dma", "identity"), ("dpdk_mbuf_alloc_free", None, None),
     "rte_pktmbuf alloc + free", "ns"),
    ("clone_free: clone + free of the clone",
     ("clone_free", None, None), ("dpdk_mbuf_clone_free", None, None),
     "rte_pktmbuf_clone (indirect) + free", "ns"),
    ("null ports forwarding, recycle, 1 core",
     ("null_fwd", "variant", "recycle/1q"), ("testpmd_null_io", "variant", "1core"),
     "testpmd io, two net_null ports, 1 core", "mpps"),
    ("vnic forwarding, identity, recycle, 1 core",
     ("vnic_fwd", "variant", "identity/recycle/1q"), ("testpmd_null_io", "variant", "1core"),
     "testpmd over net_null (no device simulated)", "mpps"),
]

OURS_COLOUR = "#2b6cb0"
PEER_COLOUR = "#c05621"


def read_rows(paths):
    """Every JSON object of the files, in order; lines that are not one are skipped."""
    rows = []
    for path in paths:
        f = sys.stdin if path == "-" else open(path, encoding="utf-8")
        with f:
            for line in f:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                try:
                    row = json.loads(line)
                except ValueError:
                    continue
                if isinstance(row, dict) and "bench" in row:
                    rows.append(row)
    return rows


def find(rows, sel):
    """The last row of bench sel[0] (with sel[1] == sel[2] when given) that has a figure."""
    bench, key, value = sel
    found = None
    for row in rows:
        if row.get("bench") != bench or row.get("skipped"):
            continue
        if key is not None and row.get(key) != value:
            continue
        found = row
    return found


def figure(row, kind):
    """(ns per packet or op, label text), or None when the row has no usable figure."""
    if row is None:
        return None
    if kind == "mpps":
        mpps = row.get("mpps")
        if not isinstance(mpps, (int, float)) or mpps <= 0:
            return None
        return 1000.0 / mpps, "%.2f ns (%.1f Mpps)" % (1000.0 / mpps, mpps)
    ns = row.get("ns")
    if not isinstance(ns, (int, float)) or ns <= 0:
        return None
    cycles = row.get("cycles")
    if isinstance(cycles, (int, float)) and cycles > 0:
        return ns, "%.2f ns (%.1f cycles)" % (ns, cycles)
    return ns, "%.2f ns" % ns


def build_groups(rows):
    groups = []
    for label, ours_sel, peer_sel, peer_label, kind in PAIRS:
        ours = figure(find(rows, ours_sel), kind)
        if ours is None:
            continue
        peer = figure(find(rows, peer_sel), kind)
        groups.append((label, ours, peer_label, peer))
    return groups


def wrap(text, width):
    """@text in lines of at most @width characters, broken after "; " or ", " where it can."""
    lines = []
    while len(text) > width:
        cut = max(text.rfind("; ", 0, width), text.rfind(", ", 0, width))
        if cut <= 0:
            cut = width - 2
        lines.append(text[:cut + 1].strip())
        text = text[cut + 1:].strip()
    if text:
        lines.append(text)
    return lines


def svg(groups, title, note):
    width = 900
    left = 300          # labels
    right = 200         # value labels past the longest bar
    bar_h = 18
    gap = 4
    group_gap = 18
    top = 74
    plot_w = width - left - right
    vmax = max(max(g[1][0], g[3][0] if g[3] else 0) for g in groups)
    # a round axis end: 1, 2 or 5 x 10^k at or above the largest value
    step = 1.0
    while step * 10 < vmax:
        step *= 10
    for mult in (1, 2, 5, 10):
        if step * mult >= vmax:
            axis_max = step * mult
            break
    tick = axis_max / 5
    note_lines = wrap(note, 130)
    height = top + len(groups) * (2 * bar_h + gap + group_gap) + 60 + 14 * len(note_lines)

    out = []
    out.append('<?xml version="1.0" encoding="UTF-8"?>')
    out.append('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
               'viewBox="0 0 %d %d" font-family="DejaVu Sans, Arial, sans-serif" '
               'font-size="12">' % (width, height, width, height))
    out.append('<rect width="100%" height="100%" fill="white"/>')
    out.append('<text x="%d" y="24" font-size="16" font-weight="bold">%s</text>'
               % (12, escape(title)))
    out.append('<text x="%d" y="44" fill="#444">%s</text>' % (12, escape(
        "time per packet or operation, one core; shorter is better; "
        "ratio = netpool / DPDK")))
    # legend
    out.append('<rect x="%d" y="54" width="12" height="12" fill="%s"/>' % (left, OURS_COLOUR))
    out.append('<text x="%d" y="64">netpool</text>' % (left + 16))
    out.append('<rect x="%d" y="54" width="12" height="12" fill="%s"/>'
               % (left + 90, PEER_COLOUR))
    out.append('<text x="%d" y="64">DPDK peer (same run)</text>' % (left + 106))

    y_axis_top = top
    y_axis_bottom = top + len(groups) * (2 * bar_h + gap + group_gap) - group_gap + 12
    # grid, axis and ticks first: the bars go over them
    for i in range(6):
        x = left + plot_w * i / 5
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>'
                   % (x, y_axis_top, x, y_axis_bottom))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%g</text>'
                   % (x, y_axis_bottom + 16, round(tick * i, 6)))
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>'
               % (left, y_axis_top, left, y_axis_bottom))
    out.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>'
               % (left, y_axis_bottom, left + plot_w, y_axis_bottom))
    out.append('<text x="%d" y="%d" text-anchor="middle">ns</text>'
               % (left + plot_w / 2, y_axis_bottom + 32))
    y = top + 6
    for label, ours, peer_label, peer in groups:
        ratio = ""
        if peer:
            ratio = "%.2fx" % (ours[0] / peer[0])
        out.append('<text x="%d" y="%d" text-anchor="end" font-weight="bold">%s</text>'
                   % (left - 8, y + bar_h - 5, escape(label)))
        out.append('<text x="%d" y="%d" text-anchor="end" fill="#444">%s</text>'
                   % (left - 8, y + 2 * bar_h + gap - 5, escape(peer_label)))
        bars = [(ours, OURS_COLOUR, ratio and ", " + ratio + " DPDK"), (peer, PEER_COLOUR, "")]
        for k, (fig, colour, extra) in enumerate(bars):
            by = y + k * (bar_h + gap)
            if fig is None:
                out.append('<text x="%d" y="%d" fill="#888">peer not measured</text>'
                           % (left + 4, by + bar_h - 5))
                continue
            w = max(1.0, plot_w * fig[0] / axis_max)
            out.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>'
                       % (left, by, w, bar_h, colour))
            out.append('<text x="%.1f" y="%d">%s%s</text>'
                       % (left + w + 6, by + bar_h - 5, escape(fig[1]), escape(extra)))
        y += 2 * bar_h + gap + group_gap
    for i, line in enumerate(note_lines):
        out.append('<text x="12" y="%d" fill="#444" font-size="11">%s</text>'
                   % (y_axis_bottom + 56 + 14 * i, escape(line)))
    out.append('</svg>')
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(
        description="netpool-bench --json rows beside their DPDK peers, as an SVG bar chart")
    ap.add_argument("files", nargs="+", help="netpool-bench --json output ('-': stdin)")
    ap.add_argument("-o", "--output", default="-", help="the SVG file (default: stdout)")
    ap.add_argument("--title", default="netpool against DPDK, same run")
    ap.add_argument("--note", default="", help="a line at the bottom (machine, date, command)")
    args = ap.parse_args()

    try:
        rows = read_rows(args.files)
    except OSError as e:
        print("plot-bench.py: %s" % e, file=sys.stderr)
        return 1
    groups = build_groups(rows)
    if not groups:
        print("plot-bench.py: none of the main rows (fast_path, rx_recycle, clone_free, "
              "null_fwd, vnic_fwd) in the input", file=sys.stderr)
        return 1
    text = svg(groups, args.title, args.note)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
