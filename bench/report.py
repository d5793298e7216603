#!/usr/bin/env python3
"""Summarises scripts/bench.sh output: medians and spreads, the Markdown
table, the CSV summary, the target check, the gnuplot plots, and the results
section of docs/benchmarks.md.  Standard library only.

  report.py --raw raw.csv --out DIR --img IMGDIR [--docs docs/benchmarks.md]
            [--callgrind callgrind.csv] [--life-docs docs/benchmarks.md]
            [--libs-docs docs/benchmarks.md]
  report.py --callgrind callgrind.csv --out DIR     (instructions per op only)
"""
import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
from collections import defaultdict

WORKLOADS = {
    "W1": "small allocations of 16..64 B, each touched, then all released",
    "W2": "sizes 1..256 B at alignments 1..64, each touched, then all released",
    "W3": "cycles of 100,000 allocations (16..64 B) ended by a release/reset",
    "W3r": "cost of one release/reset after N allocations (ns per release)",
    "W4": "threads: N allocations per thread on one shared allocator or one per thread",
    "W5": "sprintf-formatted + strdup-ed strings (ns per string)",
    "W6": "cJSON: parse a generated document, walk it, cJSON_Delete, release (ns per cJSON allocation)",
    "W7": "large allocations 64 KiB..4 MiB, every page touched, released per cycle of 8",
    "P1": "C++ containers: a pmr::vector<pmr::string> and a pmr::unordered_map<pmr::string, size_t> "
          "of N entries built, then destroyed (ns per entry)",
    "W8": "the eight real libraries of examples/ (CPU ms per run; see the W8 section)",
    "D1": "RSS over time after per-request arenas are destroyed (the block cache's decay)",
}
# D1's resident cap: bench.c sets ARENA_CACHE_LIMIT=64m for it.
D1_RESIDENT_CAP_MIB = 64
D1_MODES = ["idle", "calls", "decay-now", "helper"]
PEERS = ["glibc", "jemalloc", "tcmalloc", "mimalloc", "mi-heap", "obstack", "apr", "talloc"]
PMR = ["pmr-arena", "pmr-monotonic", "pmr-pool"]  # bench-pmr: arena_cxx::resource and std::pmr's
ORDER = ["limit", "limit-mem", "arena", "arena-reset", "arena-ts", "orig"] + PEERS + PMR
ARENA_ROWS = ["arena", "arena-reset", "arena-ts"]


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def fmt(x, digits=3):
    if x != x:  # nan
        return "-"
    if x >= 1000:
        return f"{x:,.0f}"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.{digits - 1}f}"


def order_key(c):
    return (ORDER.index(c) if c in ORDER else len(ORDER), c)


def load(raw):
    groups = defaultdict(list)
    with open(raw) as f:
        for row in csv.DictReader(f):
            key = (row["workload"], row["contender"], row["mode"], int(row["threads"]),
                   int(row["param"]))
            groups[key].append(row)
    out = {}
    for key, rows in groups.items():
        w, c, mode, t, param = key
        ns_op = []
        for r in rows:
            v = int(r["ns"]) / int(r["ops"])
            if w == "W4":
                v *= t  # per-thread ns per operation: flat under perfect scaling
            ns_op.append(v)
        mops = [int(r["ops"]) / int(r["ns"]) * 1000 for r in rows]
        maxrss = [int(r["maxrss_kb"]) / 1024 for r in rows]
        base = [int(r["base_rss_kb"]) / 1024 for r in rows]
        out[key] = {
            "workload": w, "contender": c, "mode": mode, "threads": t, "param": param,
            "variant": rows[0]["variant"], "reps": len(rows), "ops": int(rows[0]["ops"]),
            "median": med(ns_op), "min": min(ns_op), "max": max(ns_op),
            "faults": med([int(r["faults"]) for r in rows]),
            "maxrss": med(maxrss), "delta": med([m - b for m, b in zip(maxrss, base)]),
            "extra": med([float(r["extra"]) for r in rows]),
            "base": med(base), "cache": med([int(r["checksum"]) for r in rows]),
            "cpu_ns": med([int(r["ns"]) for r in rows]),
            "mops": med(mops),
        }
    return out


def find(stats, w, c, mode="", t=1, param=None):
    for k, s in stats.items():
        if k[0] == w and k[1] == c and k[2] == mode and k[3] == t and (param is None or k[4] == param):
            return s
    return None


# ---- tables -----------------------------------------------------------------

def table_simple(stats, w):
    rows = sorted((s for k, s in stats.items() if k[0] == w), key=lambda s: s["median"])
    if not rows:
        return ""
    lim = find(stats, w, "limit")
    hdr = "| contender | median ns/op | min-max | x limit | faults/iter | peak RSS MiB | RSS over set-up MiB |"
    sep = "|---|---:|---:|---:|---:|---:|---:|"
    if w == "W3":
        hdr += " release ns/cycle |"
        sep += "---:|"
    lines = [f"**{w}**: {WORKLOADS[w]} ({rows[0]['ops']:,} operations per timed iteration)", "",
             hdr, sep]
    for s in rows:
        x = s["median"] / lim["median"] if lim else float("nan")
        line = (f"| {s['contender']} | {fmt(s['median'])} | {fmt(s['min'])}-{fmt(s['max'])} | "
                f"{fmt(x)} | {s['faults']:,.0f} | {s['maxrss']:,.0f} | {max(s['delta'], 0):,.0f} |")
        if w == "W3":
            line += f" {fmt(s['extra'])} |"
        lines.append(line)
    return "\n".join(lines) + "\n"


def table_w4(stats):
    rows = [s for k, s in stats.items() if k[0] == "W4"]
    if not rows:
        return ""
    ts = sorted({s["threads"] for s in rows})
    confs = sorted({(s["contender"], s["mode"]) for s in rows}, key=lambda x: (x[1], order_key(x[0])))
    lines = [f"**W4**: {WORKLOADS['W4']} ({rows[0]['ops'] // rows[0]['threads']:,} per thread). "
             "ns/op is per thread (wall time x threads / operations: flat under perfect "
             "scaling); Mop/s is the total; par is the threads' CPU time over the wall time "
             "(how many really ran at once: on a busy 2-core machine they often take turns).", "",
             "| contender | mode | " + " | ".join(f"{t} thr ns/op (min-max) | Mop/s | par" for t in ts) + " |",
             "|---|---|" + "---:|---:|---:|" * len(ts)]
    for c, mode in confs:
        cells = []
        for t in ts:
            s = find(stats, "W4", c, mode, t)
            cells.append(f"{fmt(s['median'])} ({fmt(s['min'])}-{fmt(s['max'])}) | {fmt(s['mops'])} | "
                         f"{s['extra']:.2f}" if s else "- | - | -")
        lines.append(f"| {c} | {mode} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def table_w3r(stats):
    rows = [s for k, s in stats.items() if k[0] == "W3r"]
    if not rows:
        return ""
    pers = sorted({s["param"] for s in rows})
    cs = sorted({s["contender"] for s in rows}, key=order_key)
    lines = [f"**W3r**: {WORKLOADS['W3r']}; median ns per release, by allocations released.", "",
             "| contender | " + " | ".join(f"{p:,}" for p in pers) + " | ratio last/first |",
             "|---|" + "---:|" * (len(pers) + 1)]
    for c in cs:
        vals = [find(stats, "W3r", c, "", 1, p) for p in pers]
        v = [s["extra"] if s else float("nan") for s in vals]
        ratio = v[-1] / v[0] if v[0] and v[0] == v[0] else float("nan")
        lines.append(f"| {c} | " + " | ".join(fmt(x) for x in v) + f" | {fmt(ratio)} |")
    return "\n".join(lines) + "\n"


def table_overview(stats):
    ws = [w for w in ["W1", "W2", "W3", "W5", "W6", "W7", "P1"] if any(k[0] == w for k in stats)]
    cs = sorted({k[1] for k in stats if k[0] in ws}, key=order_key)
    lines = ["| contender | " + " | ".join(ws) + " |", "|---|" + "---:|" * len(ws)]
    for c in cs:
        cells = []
        for w in ws:
            s = find(stats, w, c)
            cells.append(fmt(s["median"]) if s else "-")
        lines.append(f"| {c} | " + " | ".join(cells) + " |")
    return "Median ns per operation (lower is better; W4 below):\n\n" + "\n".join(lines) + "\n"


def d1_series(stats):
    """{mode: [(t_ms, rss_over_base_mib, rss_mib, cache_bytes, cpu_ns)]} and the decay time."""
    series = {}
    for k, st in stats.items():
        if k[0] == "D1":
            series.setdefault(k[2], []).append(
                (st["param"], st["extra"] - st["base"], st["extra"], st["cache"], st["cpu_ns"]))
    if not series:
        return {}, 0
    for m in series:
        series[m].sort()
    last = max(v[-1][0] for v in series.values())
    decay = round((last - 200) / 3 / 50) * 50  # bench.c samples to 3 decay times + 200 ms
    return series, decay


def d1_at(points, t):
    """The sample at or just after t ms."""
    for p in points:
        if p[0] >= t:
            return p
    return points[-1]


def table_d1(stats):
    series, decay = d1_series(stats)
    if not series:
        return ""
    marks = [(0, "t = 0 (last destroy)"), (decay - 50, f"{decay - 50} ms"),
             (decay + 150, f"{decay + 150} ms"), (2 * decay - 50, f"{2 * decay - 50} ms"),
             (2 * decay + 150, f"{2 * decay + 150} ms"), (3 * decay + 200, f"{3 * decay + 200} ms")]
    lines = [f"**D1**: {WORKLOADS['D1']}.  Eight requests back to back, each an arena of W1's "
             f"allocations, then the process samples its RSS every 50 ms; resident cap "
             f"{D1_RESIDENT_CAP_MIB} MiB (`ARENA_CACHE_LIMIT=64m`), decay {decay:,} ms.  Median RSS "
             f"over the RSS before the requests, MiB (cache contents in brackets); CPU: the whole "
             f"process's CPU time from t = 0 to the end.", "",
             "| mode | before (RSS MiB) | " + " | ".join(m[1] for m in marks) + " | CPU ms |",
             "|---|---:|" + "---:|" * (len(marks) + 1)]
    for m in sorted(series, key=lambda x: D1_MODES.index(x) if x in D1_MODES else 99):
        pts = series[m]
        base = pts[0][2] - pts[0][1]
        cells = []
        for t, _ in marks:
            p = d1_at(pts, t)
            cells.append(f"{p[1]:,.1f} ({p[3] / 1048576:,.0f})")
        lines.append(f"| {m} | {base:,.1f} | " + " | ".join(cells) + f" | {pts[-1][4] / 1e6:,.1f} |")
    return "\n".join(lines) + "\n"


def table_callgrind(path):
    rows = list(csv.DictReader(open(path)))
    if not rows:
        return ""
    lines = ["Instructions per operation under callgrind (Ir / ops of the timed iteration; "
             "small counts; user-space instructions only, so page faults do not show):", "",
             "| workload | contender | mode | threads | param | Ir/op |", "|---|---|---|---:|---:|---:|"]
    rows.sort(key=lambda r: (r["workload"], r["mode"], int(r["threads"]), int(r["param"]),
                             float(r["ir_per_op"])))
    for r in rows:
        lines.append(f"| {r['workload']} | {r['contender']} | {r['mode']} | {r['threads']} | "
                     f"{r['param']} | {r['ir_per_op']} |")
    return "\n".join(lines) + "\n"


# ---- targets ------------------------------------------------------------------

def targets(stats):
    out = []

    def st(ok):
        return "**met**" if ok else "**missed**"

    def ratio_line(name, a, b, limit, want_le=True):
        if a is None or b is None:
            return f"- {name}: not measured"
        r = a["median"] / b["median"]
        ok = r <= limit if want_le else r >= limit
        return (f"- {name}: {fmt(a['median'])} vs {fmt(b['median'])} ns/op = {fmt(r)}x "
                f"(target {'<=' if want_le else '>='} {limit}x): {st(ok)}")

    lim1 = find(stats, "W1", "limit")
    for c in ["arena", "arena-reset"]:
        out.append(ratio_line(f"W1 `{c}` within 1.3x of the limit", find(stats, "W1", c), lim1, 1.3))
    peers = [s for s in (find(stats, "W1", p) for p in PEERS) if s]
    if peers:
        best = min(peers, key=lambda s: s["median"])
        for c in ["arena", "arena-reset"]:
            a = find(stats, "W1", c)
            if a:
                r = best["median"] / a["median"]
                out.append(f"- W1 `{c}` >= 2x faster than the fastest peer ({best['contender']}, "
                           f"{fmt(best['median'])} ns/op): {fmt(a['median'])} ns/op, {fmt(r)}x: {st(r >= 2)}")
    lim2 = find(stats, "W2", "limit")
    for c in ["arena", "arena-reset"]:
        out.append(ratio_line(f"W2 `{c}` within 1.3x of the limit", find(stats, "W2", c), lim2, 1.3))
    out.append(ratio_line("W3 `arena` cycle within 2x of the limit", find(stats, "W3", "arena"),
                          find(stats, "W3", "limit"), 2.0))
    r3 = sorted((s for k, s in stats.items() if k[0] == "W3r" and k[1] == "arena"),
                key=lambda s: s["param"])
    if len(r3) >= 2:
        a, b = r3[0], r3[-1]
        g = b["extra"] / a["extra"]
        n = b["param"] / a["param"]
        out.append(f"- W3 reset cost does not grow with allocations released: {fmt(a['extra'])} ns "
                   f"after {a['param']:,} allocations, {fmt(b['extra'])} ns after {b['param']:,} "
                   f"({fmt(g)}x for {n:,.0f}x the allocations, {b['extra'] / b['param']:.4f} ns per "
                   f"allocation released; the walk is over blocks, which double, not allocations; "
                   f"met when it grows under a tenth as fast as the allocations): {st(g < n / 10)}")
    ts2 = find(stats, "W4", "arena-ts", "shared", 2)
    out.append(ratio_line("W4 `arena_alloc_thread_safe` shared at 2 threads within 2x of one "
                          "arena per thread (`arena_alloc`)", ts2, find(stats, "W4", "arena", "private", 2), 2.0))
    o2 = find(stats, "W4", "orig", "shared", 2)
    if ts2 and o2:
        r = o2["median"] / ts2["median"]
        out.append(f"- W4 shared at 2 threads >= 10x faster than the original mutex design: "
                   f"{fmt(ts2['median'])} vs {fmt(o2['median'])} ns/op = {fmt(r)}x: {st(r >= 10)} "
                   f"(threads running at once, median: arena-ts {ts2['extra']:.2f}, orig "
                   f"{o2['extra']:.2f} of 2; the mutex is only contended when both run)")
    for c in ["arena", "arena-reset"]:
        a = find(stats, "W6", c)
        g = find(stats, "W6", "glibc")
        m = find(stats, "W6", "mimalloc")
        if a and g:
            r = g["median"] / a["median"]
            out.append(f"- W6 cJSON `{c}` >= 1.5x faster than glibc: {fmt(a['median'])} vs "
                       f"{fmt(g['median'])} ns/alloc = {fmt(r)}x: {st(r >= 1.5)}")
        if a and m:
            r = m["median"] / a["median"]
            out.append(f"- W6 cJSON `{c}` faster than mimalloc: {fmt(a['median'])} vs "
                       f"{fmt(m['median'])} ns/alloc = {fmt(r)}x: {st(r > 1)}")
    for w in ["W1", "W2", "W3", "P1"]:
        a, m = find(stats, w, "pmr-arena"), find(stats, w, "pmr-monotonic")
        if a and m:
            r = a["median"] / m["median"]
            out.append(f"- {w} C++ `arena_cxx::resource` at least as fast as "
                       f"`monotonic_buffer_resource` (medians within 5 % count as equal): "
                       f"{fmt(a['median'])} vs {fmt(m['median'])} ns/op = {fmt(r)}x: {st(r <= 1.05)}")
    # Issue 11: the block cache's decay.
    for w in ["W1", "W2"]:
        out.append(ratio_line(f"{w} `arena` (create/destroy per iteration) within 1.15x of "
                              f"`arena-reset`", find(stats, w, "arena"), find(stats, w, "arena-reset"),
                              1.15))
    out.append(ratio_line("W1 `arena` (create/destroy) within 1.3x of a bump pointer whose state "
                          "lives in memory (`limit-mem`)", find(stats, "W1", "arena"),
                          find(stats, "W1", "limit-mem"), 1.3))
    for w in ["W1", "W2"]:
        a = find(stats, w, "arena")
        if a:
            out.append(f"- {w} `arena` (create/destroy) page faults per iteration after warm-up: "
                       f"{a['faults']:,.0f}: {st(a['faults'] == 0)}")
    for w in ["W1", "W2", "W5"]:
        a = find(stats, w, "arena")
        peers = [s_ for s_ in (find(stats, w, p) for p in PEERS) if s_]
        if a and peers:
            best = min(peers, key=lambda s_: s_["median"])
            out.append(f"- {w} `arena` (create/destroy) ahead of every peer: {fmt(a['median'])} ns/op; "
                       f"fastest peer {best['contender']} {fmt(best['median'])}: "
                       f"{st(a['median'] < best['median'])}")
    out.append(ratio_line("W6 `arena` (create/destroy) within 1.1x of `arena-reset`",
                          find(stats, "W6", "arena"), find(stats, "W6", "arena-reset"), 1.1))
    series, decay = d1_series(stats)
    for m in ["calls", "decay-now", "helper"]:
        if m in series:
            p1, p2 = d1_at(series[m], decay + 150), d1_at(series[m], 2 * decay + 150)
            out.append(f"- D1 ({m}): RSS over its start {fmt(p1[1])} MiB at {decay + 150} ms "
                       f"(decay {decay} ms; resident cap {D1_RESIDENT_CAP_MIB} MiB), "
                       f"{fmt(p2[1])} MiB at {2 * decay + 150} ms: "
                       f"{st(p1[1] <= D1_RESIDENT_CAP_MIB)}")
    g = find(stats, "W1", "glibc")
    for c in ["arena", "arena-reset"]:
        a = find(stats, "W1", c)
        if a and g:
            ok = a["delta"] <= g["delta"]
            out.append(f"- Memory: W1 `{c}` peak RSS no more than glibc's: {a['delta']:,.0f} vs "
                       f"{g['delta']:,.0f} MiB over set-up (whole process {a['maxrss']:,.0f} vs "
                       f"{g['maxrss']:,.0f} MiB; glibc's set-up includes the 10M-pointer array "
                       f"free() needs): {st(ok)}")
    return "\n".join(out) + "\n"


def baseline_check(stats, path):
    """Every arena row of W1-W7 against the same row of an earlier run."""
    base = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            key = (r["workload"], r["contender"], r["mode"], int(r["threads"]), int(r["param"]))
            base[key] = float(r["median_ns_per_op"])
    rows, slower = 0, []
    for k, s_ in sorted(stats.items(), key=lambda kv: kv[0]):
        if k[1] not in ARENA_ROWS or not k[0].startswith("W") or k[0] == "W8" or k not in base:
            continue
        rows += 1
        r = s_["median"] / base[k]
        if r > 1.05:
            what = k[0] + (f" {k[2]} {k[3]} thr" if k[0] == "W4" else "") + \
                (f" per {k[4]:,}" if k[0] == "W3r" else "")
            slower.append(f"{what} `{k[1]}` {fmt(s_['median'])} vs {fmt(base[k])} ({fmt(r)}x)")
    if rows == 0:
        return ""
    return (f"- No arena workload in W1-W7 slower than the baseline ({os.path.basename(os.path.dirname(path)) or path}; "
            f"medians within 5 % count as equal; {rows} rows): "
            + ("none slower" if not slower else "slower: " + "; ".join(slower))
            + f": {'**met**' if not slower else '**missed**'}\n")


# ---- plots ----------------------------------------------------------------------

COLORS = ["#000000", "#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf",
          "#999999", "#66c2a5", "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02"]


def color(c):
    return COLORS[order_key(c)[0] % len(COLORS)]


def gnuplot(script):
    script = "set termoption noenhanced\n" + script.replace("\nset output", "\nset termoption noenhanced\nset output", 1)
    if shutil.which("gnuplot") is None:
        print("report.py: gnuplot not found, no plots", file=sys.stderr)
        return False
    subprocess.run(["gnuplot"], input=script.encode(), check=True)
    return True


def plots(stats, img, tmp):
    made = []
    ws = [w for w in ["W1", "W2", "W3", "W5", "W6", "W7", "P1"] if any(k[0] == w for k in stats)]
    if ws:
        parts = []
        for i, w in enumerate(ws):
            rows = sorted((s for k, s in stats.items() if k[0] == w), key=lambda s: s["median"])
            dat = os.path.join(tmp, f"{w}.dat")
            with open(dat, "w") as f:
                for j, s in enumerate(rows):
                    f.write(f"{j} \"{s['contender']}\" {s['median']} {s['min']} {s['max']}\n")
            parts.append(f"""set title "{w}: {WORKLOADS[w][:70]}" font ",10"
plot "{dat}" using 1:3:xtic(2) with boxes fs solid 0.6 lc rgb "#4477aa" notitle, \\
     "" using 1:3:4:5 with yerrorbars lc rgb "black" pt -1 notitle
""")
        cols = 2
        rows_n = (len(ws) + cols - 1) // cols
        path = os.path.join(img, "bench-ns-per-op.png")
        script = f"""set terminal pngcairo size 1400,{430 * rows_n} font ",9"
set output "{path}"
set multiplot layout {rows_n},{cols}
set logscale y
set ylabel "ns/op (median; bars: min-max)"
set style fill solid
set boxwidth 0.7
set xtics rotate by -45 nomirror
set grid ytics
set offsets 0.5,0.5,0,0
""" + "".join(parts) + "unset multiplot\n"
        if gnuplot(script):
            made.append(path)

    w4 = [s for k, s in stats.items() if k[0] == "W4"]
    if w4:
        confs = sorted({(s["contender"], s["mode"]) for s in w4}, key=lambda x: (x[1], order_key(x[0])))
        plots_ = []
        for c, mode in confs:
            dat = os.path.join(tmp, f"W4-{c}-{mode}.dat")
            with open(dat, "w") as f:
                for s in sorted((s for s in w4 if s["contender"] == c and s["mode"] == mode),
                                key=lambda s: s["threads"]):
                    f.write(f"{s['threads']} {s['mops']} {s['median']}\n")
            style = f'lc rgb "{color(c)}" dt {1 if mode == "shared" else 2} lw 1.5 pt {order_key(c)[0] % 13 + 1}'
            plots_.append((dat, f"{c} ({mode})", style))
        path = os.path.join(img, "bench-threads.png")
        script = f"""set terminal pngcairo size 1400,560 font ",9"
set output "{path}"
set multiplot layout 1,2
set logscale y
set grid
set key outside right
set xlabel "threads"
set xtics 1
set title "W4 throughput (total Mop/s, higher is better; solid: shared, dashed: per thread)"
set ylabel "Mop/s"
plot """ + ", \\\n     ".join(f'"{d}" using 1:2 with linespoints {st} title "{t}"' for d, t, st in plots_) + f"""
set title "W4 per-thread ns/op (flat = perfect scaling, lower is better)"
set ylabel "ns/op per thread"
plot """ + ", \\\n     ".join(f'"{d}" using 1:3 with linespoints {st} title "{t}"' for d, t, st in plots_) + "\nunset multiplot\n"
        if gnuplot(script):
            made.append(path)

    w3r = [s for k, s in stats.items() if k[0] == "W3r"]
    if w3r:
        cs = sorted({s["contender"] for s in w3r}, key=order_key)
        lines = []
        for c in cs:
            dat = os.path.join(tmp, f"W3r-{c}.dat")
            with open(dat, "w") as f:
                for s in sorted((s for s in w3r if s["contender"] == c), key=lambda s: s["param"]):
                    f.write(f"{s['param']} {max(s['extra'], 1)}\n")
            lines.append(f'"{dat}" using 1:2 with linespoints lc rgb "{color(c)}" lw 1.5 '
                         f'pt {order_key(c)[0] % 13 + 1} title "{c}"')
        path = os.path.join(img, "bench-reset.png")
        script = f"""set terminal pngcairo size 900,520 font ",9"
set output "{path}"
set logscale xy
set grid
set key outside right
set xlabel "allocations released"
set ylabel "ns per release/reset (median)"
set title "W3r: cost of one release against the allocations it releases"
plot """ + ", \\\n     ".join(lines) + "\n"
        if gnuplot(script):
            made.append(path)
    series, decay = d1_series(stats)
    if series:
        lines = []
        for i, m in enumerate(sorted(series, key=lambda x: D1_MODES.index(x) if x in D1_MODES else 99)):
            dat = os.path.join(tmp, f"D1-{m}.dat")
            with open(dat, "w") as f:
                for p in series[m]:
                    f.write(f"{p[0]} {p[1]}\n")
            lines.append(f'"{dat}" using 1:2 with linespoints lw 1.5 pt {i + 4} ps 0.6 title "{m}"')
        top = max(p[1] for v in series.values() for p in v) * 1.1
        path = os.path.join(img, "bench-rss.png")
        script = f"""set terminal pngcairo size 900,520 font ",9"
set output "{path}"
set grid
set key right center box opaque
set xlabel "ms since the last arena was destroyed"
set ylabel "RSS over the RSS before the requests (MiB, median)"
set title "D1: RSS after per-request arenas are destroyed (decay {decay} ms, resident cap {D1_RESIDENT_CAP_MIB} MiB)"
set yrange [0:{top}]
set arrow from {decay},0 to {decay},{top} nohead dt 2 lc rgb "#888888"
set arrow from {2 * decay},0 to {2 * decay},{top} nohead dt 2 lc rgb "#888888"
set arrow from 0,{D1_RESIDENT_CAP_MIB} to {3 * decay + 200},{D1_RESIDENT_CAP_MIB} nohead dt 3 lc rgb "#cc0000"
set label "resident cap" at {3 * decay},{D1_RESIDENT_CAP_MIB} offset 0,0.7 right tc rgb "#cc0000"
plot """ + ", \\\n     ".join(lines) + "\n"
        if gnuplot(script):
            made.append(path)
    return made


# ---- lifetimes (L1-L4, bench-life) --------------------------------------------
# Their own table, targets and section of docs/benchmarks.md (between the
# lifetimes markers), written by every run that has L rows.

LIFE_WORKLOADS = {
    "L1": "registering a cleanup on a request pool, ns per registration (`call`: the registration "
          "alone, of a 32-byte object allocated before the clock; `object`: the object's allocation "
          "and its registration); N registrations per request",
    "L2": "ending a request that holds N objects with a cleanup each, ns per cleanup run, the end "
          "of the pool included (`clear`: the pool lives on; `destroy`: it ends)",
    "L3": "a pool per request under a long-lived parent, ns per create + destroy (`bare`: nothing "
          "in between; `alloc`: one allocation of `param` bytes, touched)",
    "L4": "borrowed space inside a function, ns per begin + one allocation of `param` bytes "
          "(touched) + end",
}
LIFE_CALLS = {
    ("L1", "call", "arena"): "`arena_defer`",
    ("L1", "call", "apr"): "`apr_pool_cleanup_register`",
    ("L1", "call", "talloc"): "`talloc_set_destructor`",
    ("L1", "object", "arena"): "`ARENA_NEW` + `arena_defer`",
    ("L1", "object", "apr"): "`apr_palloc` + `apr_pool_cleanup_register`",
    ("L1", "object", "talloc"): "`talloc_size` + `talloc_set_destructor`",
    ("L2", "clear", "arena"): "`arena_reset`",
    ("L2", "clear", "apr"): "`apr_pool_clear`",
    ("L2", "clear", "talloc"): "`talloc_free_children` (a `talloc_pool`)",
    ("L2", "destroy", "arena"): "`arena_destroy`",
    ("L2", "destroy", "apr"): "`apr_pool_destroy`",
    ("L2", "destroy", "talloc"): "`talloc_free` (a `talloc_pool`)",
    ("L3", "arena-child"): "`arena_create_child(parent, NULL)` + `arena_destroy`",
    ("L3", "arena-create"): "`arena_create(0)` + `arena_destroy` (reference)",
    ("L3", "apr"): "`apr_pool_create(&p, parent)` + `apr_pool_destroy`",
    ("L3", "talloc"): "`talloc_new(parent)` + `talloc_free`",
    ("L4", "scratch"): "`arena_scratch_begin(NULL, 0)` + `arena_scratch_end`",
    ("L4", "save-restore"): "`arena_save` + `arena_restore`",
}
LIFE_ARENA = {"L1": "arena", "L2": "arena", "L3": "arena-child", "L4": "scratch"}
LIFE_PEERS = {"L1": ["apr", "talloc"], "L2": ["apr", "talloc"], "L3": ["apr", "talloc"],
              "L4": ["save-restore"]}
LIFE_ORDER = ["arena", "arena-child", "arena-create", "scratch", "save-restore", "apr", "talloc"]


def life_calls(w, mode, c):
    return LIFE_CALLS.get((w, mode, c)) or LIFE_CALLS.get((w, c), c)


def life_read_cg(cg):
    """Ir per op from callgrind.csv, and the per-function split from the
    callgrind-life.csv beside it, keyed (workload, contender, mode, param)."""
    ir, split = {}, defaultdict(list)
    if cg and os.path.exists(cg):
        for r in csv.DictReader(open(cg)):
            if r["workload"].startswith("L"):
                ir[(r["workload"], r["contender"], r["mode"], int(r["param"]))] = float(r["ir_per_op"])
        per = os.path.join(os.path.dirname(cg), "callgrind-life.csv")
        if os.path.exists(per):
            for r in csv.DictReader(open(per)):
                k = (r["workload"], r["contender"], r["mode"], int(r["param"]))
                split[k].append((r["function"], int(r["ir"]) / int(r["ops"])))
    return ir, split


def life_report(stats, cg):
    """The lifetimes table, its target check and where the arena's
    instructions go; ("", "", "") without L rows."""
    rows = [s for k, s in stats.items() if k[0].startswith("L")]
    if not rows:
        return "", "", ""
    ir, split = life_read_cg(cg)
    groups = sorted({(s["workload"], s["mode"], s["param"]) for s in rows},
                    key=lambda g: (g[0], ["call", "object", "clear", "destroy", "bare", "alloc"].index(g[1])
                                   if g[1] in ["call", "object", "clear", "destroy", "bare", "alloc"] else 9, g[2]))
    table = ["| workload | mode | N / bytes | contender | calls | median ns/op | min-max | runs | "
             "x ref | Ir/op |", "|---|---|---:|---|---|---:|---:|---:|---:|---:|"]
    tg, where = [], []

    def st(ok):
        return "**met**" if ok else "**missed**"

    for w, mode, param in groups:
        g = {s["contender"]: s for s in rows if (s["workload"], s["mode"], s["param"]) == (w, mode, param)}
        peers = [g[p] for p in LIFE_PEERS[w] if p in g]
        ref = min(peers, key=lambda s: s["median"]) if peers else None
        for c in sorted(g, key=lambda c: (LIFE_ORDER.index(c) if c in LIFE_ORDER else 99, c)):
            s = g[c]
            x = s["median"] / ref["median"] if ref and c not in LIFE_PEERS[w] else float("nan")
            i = ir.get((w, c, mode, param))
            table.append(f"| {w} | {mode} | {param:,} | {c} | {life_calls(w, mode, c)} | "
                         f"{fmt(s['median'])} | {fmt(s['min'])}-{fmt(s['max'])} | {s['reps']} | "
                         f"{fmt(x)} | {fmt(i) if i is not None else '-'} |")
        a = g.get(LIFE_ARENA[w])
        if a is None or ref is None:
            continue
        r = a["median"] / ref["median"]
        ia, ip = ir.get((w, a["contender"], mode, param)), ir.get((w, ref["contender"], mode, param))
        irs = f"; callgrind {fmt(ia)} vs {fmt(ip)} Ir/op" if ia is not None and ip is not None else ""
        what = f"{w} {mode} ({'N' if w in ('L1', 'L2') else 'bytes'} = {param:,})"
        if w == "L4":
            tg.append(f"- {what}: scratch begin/end within 2x of a save/restore pair: "
                      f"{fmt(a['median'])} vs {fmt(ref['median'])} ns = {fmt(r)}x{irs}: {st(r <= 2.0)}")
        else:
            tg.append(f"- {what}: {life_calls(w, mode, a['contender'])} no slower than the faster peer "
                      f"({ref['contender']}; medians within 5 % count as equal): {fmt(a['median'])} vs "
                      f"{fmt(ref['median'])} ns = {fmt(r)}x{irs}: {st(r <= 1.05)}")
        for c in [LIFE_ARENA[w]] + (["arena-create"] if w == "L3" else []) + \
                 (["save-restore"] if w == "L4" else []):
            fs = sorted(split.get((w, c, mode, param), []), key=lambda f: -f[1])
            tot = sum(v for _, v in fs)
            if fs:
                top = [f"{n} {v:.0f}" for n, v in fs if v >= max(0.03 * tot, 1.0)][:10]
                where.append(f"| {w} {mode} {param:,} | {c} | {tot:.0f} | " + ", ".join(top) + " |")
    if where:
        where = ["Where the arena's instructions go (callgrind, Ir per operation by function, "
                 "self cost; functions under 3 % left out; `pools_*`, `child_*`, `scratch_*` are "
                 "the benchmark's own loop):", "",
                 "| row | contender | Ir/op | by function |", "|---|---|---:|---|"] + where
    head = ("Median ns per operation over separate processes (one timed iteration each, after "
            "a warm-up), min-max over them; x ref: the arena's median over the faster peer's "
            "(L4: over save/restore); Ir/op: instructions per operation under callgrind.\n\n")
    desc = "".join(f"- **{w}**: {d}\n" for w, d in LIFE_WORKLOADS.items()
                   if any(s["workload"] == w for s in rows))
    return (desc + "\n" + head + "\n".join(table) + "\n", "\n".join(tg) + "\n",
            "\n".join(where) + "\n" if where else "")


def replace_section(docs, name, command, body):
    """Writes body into docs between <!-- NAME:begin ... --> and
    <!-- NAME:end -->, appending the markers when the file has none."""
    begin, end = f"<!-- {name}:begin", f"<!-- {name}:end -->"
    section = f"{begin} (written by {command}; edit outside) -->\n{body}{end}"
    text = open(docs).read() if os.path.exists(docs) else "# Benchmarks\n"
    b, e = text.find(begin), text.find(end)
    if b < 0 or e < 0:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    else:
        text = text[:b] + section + text[e + len(end):]
    with open(docs, "w") as f:
        f.write(text)


def life_write(stats, out, cg, docs):
    table, tg, where = life_report(stats, cg)
    if not table:
        return
    machine = os.path.join(out, "machine.md")
    machine = open(machine).read() if os.path.exists(machine) else ""
    body = (f"### Latest lifetimes run\n\n#### Targets (this run)\n\n{tg}\n#### Results\n\n{table}\n"
            + (f"{where}\n" if where else "") + f"#### Machine and versions\n\n{machine}")
    with open(os.path.join(out, "lifetimes.md"), "w") as f:
        f.write(body)
    if not docs:
        return
    replace_section(docs, "lifetimes", "scripts/bench.sh --lifetimes", body)


# ---- W8: the real libraries (bench_libs.c) -------------------------------------

LIBS_ORDER = ["cjson:request", "jansson:request", "libxml2:request", "expat:request",
              "lua:request", "lua:long", "sqlite:memory", "sqlite:file", "zlib:request",
              "pcre2:request"]
LIBS_WHAT = {
    "cjson:request": "cJSON: parse 8 MB of JSON, read it all, edit every record, print 64; "
                     "3 requests",
    "jansson:request": "jansson: the same document and work; 3 requests",
    "libxml2:request": "libxml2: parse Debian's MIME database (2.4 MB), read it, XPath, edit, "
                       "serialise 32 types; 5 requests",
    "expat:request": "expat: stream the MIME database through a namespace-aware parser in 64 KiB "
                     "pieces; 10 requests",
    "lua:request": "Lua: a state per request, 2 rounds of 20,000 records built, sorted, "
                   "formatted, mapped, dropped; 8 requests",
    "lua:long": "Lua: one long-lived state, 16 rounds",
    "sqlite:memory": "SQLite in memory: 100,000 rows, two indexes, 10 rounds of queries, updates, "
                     "deletes, inserts",
    "sqlite:file": "SQLite in a file: the same (arena: max_size 4x the live peak)",
    "zlib:request": "zlib: deflate the MIME database at levels 1-9 and inflate it back; "
                    "9 requests (arena: inside a static buffer)",
    "pcre2:request": "PCRE2: compile 8 patterns, match them over the MIME database; 2 requests",
}
LIBS_CONTENDERS = ["glibc", "arena", "arena-heap", "arena-bump", "mimalloc"]
LIBS_COLORS = {"arena": "#377eb8", "arena-heap": "#e41a1c", "arena-bump": "#ff7f00",
               "mimalloc": "#4daf4a"}
# Functions counted as the allocator's in the callgrind split.
LIBS_ALLOC_FN = ("arena_", "arena__", "mi_", "_mi_", "malloc", "free", "cfree", "realloc", "calloc",
                 "_int_", "unlink_chunk", "tcache", "sysmalloc", "__libc_", "bump_", "x_malloc",
                 "x_free", "x_realloc", "x_size", "x_roundup", "systrim", "checked_request2size")
# Targets: (CPU: contender over glibc must be <=, or speed-up >=), RSS over glibc <=.
LIBS_TARGETS = {
    "cjson:request": ("faster", 1.6, 1.2), "jansson:request": ("faster", 1.6, 1.2),
    "libxml2:request": ("faster", 1.2, 1.2),
    "sqlite:memory": ("cpu", 1.05, 1.3), "sqlite:file": ("cpu", 1.05, 1.3),
    "lua:long": ("cpu", 1.05, 1.3),
    "expat:request": ("cpu", 1.05, None), "zlib:request": ("cpu", 1.05, None),
    "pcre2:request": ("cpu", 1.05, None),
}


def libs_rows(stats):
    """{workload: {contender: stats}} for W8."""
    out = defaultdict(dict)
    for k, s_ in stats.items():
        if k[0] == "W8":
            out[k[2]][k[1]] = s_
    return out


def libs_alloc_ir(cg):
    """{(lib, contender): (Ir per request, allocator Ir per request)} from the callgrind pass."""
    res = {}
    if not cg or not os.path.exists(cg):
        return res
    ops = {}
    for r in csv.DictReader(open(cg)):
        if r["workload"] == "W8":
            res[(r["mode"], r["contender"])] = [float(r["ir_per_op"]), float("nan")]
            ops[(r["mode"], r["contender"])] = int(r["ops"])
    per = os.path.join(os.path.dirname(cg), "callgrind-life.csv")
    if os.path.exists(per):
        alloc = defaultdict(int)
        for line in open(per).read().splitlines()[1:]:
            # workload,contender,mode,param,ops,function,ir (a C++ name may hold commas)
            head, ir = line.rsplit(",", 1)
            w, c, mode, _param, _ops, function = head.split(",", 5)
            if w == "W8" and function.startswith(LIBS_ALLOC_FN):
                alloc[(mode, c)] += int(ir)
        for k, v in res.items():
            v[1] = alloc.get(k, 0) / ops[k] if ops.get(k) else float("nan")
    return res


def mega(x):
    return "-" if x != x else f"{fmt(x / 1e6)} M"


def libs_report(stats, cg):
    rows = libs_rows(stats)
    if not rows:
        return "", "", ""
    ir = libs_alloc_ir(cg)
    table = ["| workload | contender | CPU ms per run | min-max | CPU / glibc | peak RSS MiB | "
             "over set-up MiB | RSS / glibc | Ir per request | allocator's Ir per request |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    tg = []

    def st(ok):
        return "**met**" if ok else "**missed**"

    def over(s_):
        return max(s_["delta"], 0.001)

    for lib in sorted(rows, key=lambda x: LIBS_ORDER.index(x) if x in LIBS_ORDER else 99):
        g = rows[lib]
        base = g.get("glibc")
        for c in sorted(g, key=lambda c: LIBS_CONTENDERS.index(c) if c in LIBS_CONTENDERS else 99):
            s_ = g[c]
            ms = s_["cpu_ns"] / 1e6
            lo = s_["min"] * s_["ops"] / 1e6
            hi = s_["max"] * s_["ops"] / 1e6
            x = s_["cpu_ns"] / base["cpu_ns"] if base else float("nan")
            rx = over(s_) / over(base) if base else float("nan")
            i = ir.get((lib, c), [float("nan"), float("nan")])
            table.append(f"| {lib} | {c} | {fmt(ms)} | {fmt(lo)}-{fmt(hi)} | {fmt(x)} | "
                         f"{s_['maxrss']:,.1f} | {s_['delta']:,.1f} | {fmt(rx)} | "
                         f"{mega(i[0])} | {mega(i[1])} |")
        a, t = g.get("arena"), LIBS_TARGETS.get(lib)
        if a is None or base is None or t is None:
            continue
        kind, lim, rss_lim = t
        ratio = a["cpu_ns"] / base["cpu_ns"]
        rss = over(a) / over(base)
        whole = a["maxrss"] / base["maxrss"]
        if kind == "faster":
            cpu_ok = base["cpu_ns"] / a["cpu_ns"] >= lim
            cpu_txt = (f"{fmt(base['cpu_ns'] / a['cpu_ns'])}x faster than glibc (target >= {lim}x; "
                       f"{fmt(a['cpu_ns'] / 1e6)} vs {fmt(base['cpu_ns'] / 1e6)} ms)")
        else:
            cpu_ok = ratio <= lim
            cpu_txt = (f"CPU {fmt(ratio)}x glibc's (target <= {lim}x; {fmt(a['cpu_ns'] / 1e6)} vs "
                       f"{fmt(base['cpu_ns'] / 1e6)} ms)")
        rss_txt = ""
        rss_ok = True
        if rss_lim is not None:
            rss_ok = rss <= rss_lim
            rss_txt = (f"; peak RSS over set-up {fmt(rss)}x glibc's (target <= {rss_lim}x; "
                       f"{a['delta']:,.1f} vs {base['delta']:,.1f} MiB; whole process "
                       f"{fmt(whole)}x, {a['maxrss']:,.1f} vs {base['maxrss']:,.1f} MiB)")
        extra = ""
        if lib == "sqlite:file" and a["param"] > 0:
            extra = (f"; the arena's runs pass under max_size = {a['param'] / 1048576:,.1f} MiB, "
                     f"4x SQLite's live peak")
        if lib == "zlib:request":
            extra = "; every stream inside a static buffer (the run fails if the arena took memory)"
        tg.append(f"- W8 {lib}: {cpu_txt}{rss_txt}{extra}: {st(cpu_ok and rss_ok)}")
    head = ("CPU time of one run (the process's, median over separate processes after a warm-up "
            "run; min-max over them), the process's peak RSS and its peak over the RSS after "
            "set-up (inputs loaded), each against glibc's; instructions under callgrind per "
            "request (smaller inputs), and the share of them in the allocator's functions "
            "(glibc's malloc family, mimalloc's `mi_*`, the arena's `arena_*` and the examples' "
            "wrappers).  `arena`: the wiring docs/integrations.md recommends; `arena-heap`, "
            "`arena-bump`: the other wiring.\n\n")
    desc = "".join(f"- **{w}**: {LIBS_WHAT[w]}\n" for w in LIBS_ORDER if w in rows)
    return desc + "\n" + head + "\n".join(table) + "\n", "\n".join(tg) + "\n", ""


def libs_plot(stats, path, tmp):
    rows = libs_rows(stats)
    libs = [w for w in LIBS_ORDER if w in rows and "glibc" in rows[w]]
    cs = [c for c in LIBS_CONTENDERS[1:] if any(c in rows[w] for w in libs)]
    if not libs or not cs:
        return None
    dats = []
    for what, key in [("cpu", "cpu_ns"), ("rss", "maxrss")]:
        dat = os.path.join(tmp, f"libs-{what}.dat")
        with open(dat, "w") as f:
            f.write("workload " + " ".join(cs) + "\n")
            for w in libs:
                b = rows[w]["glibc"][key]
                label = w if w.startswith("lua") else w.replace(":request", "")
                f.write(label + " " + " ".join(
                    f"{rows[w][c][key] / b:.4f}" if c in rows[w] else "?" for c in cs) + "\n")
        dats.append(dat)
    cols = "".join(f", '' using {i + 2} title columnheader lc rgb '{LIBS_COLORS.get(c, '#999999')}'"
                   for i, c in enumerate(cs[1:], 1))
    first = f"using 2:xtic(1) title columnheader lc rgb '{LIBS_COLORS.get(cs[0], '#999999')}'"
    script = f"""set terminal pngcairo size 1400,900 font ",10"
set output "{path}"
set multiplot layout 2,1
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.7 border -1
set datafile missing "?"
set key top left
set grid ytics
set xtics rotate by -25
set yrange [0:*]
set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "black"
set title "W8: CPU time of a run over glibc's (lower is better; dashed: glibc)"
plot "{dats[0]}" {first}{cols}
set title "W8: peak RSS of the process over glibc's"
plot "{dats[1]}" {first}{cols}
unset multiplot
"""
    return path if gnuplot(script) else None


def libs_write(stats, out, cg, docs):
    table, tg, _ = libs_report(stats, cg)
    if not table:
        return
    machine = os.path.join(out, "machine.md")
    machine = open(machine).read() if os.path.exists(machine) else ""
    img = os.path.join(os.path.dirname(os.path.abspath(docs)), "img") if docs else out
    os.makedirs(img, exist_ok=True)
    tmp = os.path.join(out, ".plotdata-libs")
    os.makedirs(tmp, exist_ok=True)
    pic = libs_plot(stats, os.path.join(img, "bench-libs.png"), tmp)
    shutil.rmtree(tmp, ignore_errors=True)
    def body_in(where):  # the plot's link is relative to the file that shows it
        link = (f"![bench-libs.png]({os.path.relpath(pic, os.path.abspath(where))})\n\n"
                if pic else "")
        return (f"### Latest W8 run\n\n#### Targets (this run)\n\n{tg}\n#### Results\n\n{table}\n"
                f"{link}#### Machine and versions\n\n{machine}")

    with open(os.path.join(out, "libs.md"), "w") as f:
        f.write(body_in(out))
    if not docs:
        return
    body = body_in(os.path.dirname(os.path.abspath(docs)))
    replace_section(docs, "libs", "scripts/bench.sh --libs", body)


def write_summary(stats, path):
    keys = ["workload", "contender", "variant", "mode", "threads", "param", "reps", "ops",
            "median", "min", "max", "faults", "maxrss", "delta", "extra", "mops"]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["workload", "contender", "binary", "mode", "threads", "param", "reps",
                    "ops_per_iteration", "median_ns_per_op", "min_ns_per_op", "max_ns_per_op",
                    "median_faults", "peak_rss_mib", "rss_over_setup_mib", "release_ns",
                    "mops_total"])
        for k in sorted(stats, key=lambda k: (k[0], k[2], k[3], k[4], order_key(k[1]))):
            s = stats[k]
            w.writerow([f"{s[x]:.3f}" if isinstance(s[x], float) else s[x] for x in keys])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw")
    ap.add_argument("--out", required=True)
    ap.add_argument("--img")
    ap.add_argument("--docs")
    ap.add_argument("--callgrind")
    ap.add_argument("--life-docs")  # the lifetimes section (L1-L4) of this file
    ap.add_argument("--libs-docs")  # the W8 section of this file (and docs/img/bench-libs.png)
    ap.add_argument("--baseline")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)

    cg = table_callgrind(a.callgrind) if a.callgrind and os.path.exists(a.callgrind) else ""
    if not a.raw:
        with open(os.path.join(a.out, "callgrind.md"), "w") as f:
            f.write(cg)
        return

    stats = load(a.raw)
    write_summary(stats, os.path.join(a.out, "summary.csv"))
    parts = [table_overview(stats)]
    for w in ["W1", "W2", "W3"]:
        parts.append(table_simple(stats, w))
    parts.append(table_w3r(stats))
    parts.append(table_w4(stats))
    for w in ["W5", "W6", "W7", "P1"]:
        parts.append(table_simple(stats, w))
    parts.append(table_d1(stats))
    if cg:
        parts.append(cg)
    table = "\n".join(p for p in parts if p)
    tg = targets(stats)
    if stats and all(k[0] == "W8" for k in stats):  # a W8 run alone: its own tables
        table, tg, _ = libs_report(stats, a.callgrind)
        table += "\n" + cg if cg else ""
    if a.baseline and os.path.exists(a.baseline):
        tg += baseline_check(stats, a.baseline)
    with open(os.path.join(a.out, "table.md"), "w") as f:
        f.write(table)
    with open(os.path.join(a.out, "targets.md"), "w") as f:
        f.write(tg)

    img = a.img or a.out
    os.makedirs(img, exist_ok=True)
    tmp = os.path.join(a.out, ".plotdata")
    os.makedirs(tmp, exist_ok=True)
    made = plots(stats, img, tmp)
    shutil.rmtree(tmp, ignore_errors=True)

    if a.docs:
        machine = open(os.path.join(a.out, "machine.md")).read() \
            if os.path.exists(os.path.join(a.out, "machine.md")) else ""
        docdir = os.path.dirname(os.path.abspath(a.docs))
        pics = "\n".join(f"![{os.path.basename(p)}]({os.path.relpath(os.path.abspath(p), docdir)})"
                         for p in made)
        replace_section(a.docs, "results", "scripts/bench.sh",
                        f"### Machine and versions\n\n{machine}\n### Targets (this run)\n\n{tg}\n"
                        f"### Results\n\n{table}\n### Plots\n\n{pics}\n")
    life_write(stats, a.out, a.callgrind, a.life_docs)
    libs_write(stats, a.out, a.callgrind, a.libs_docs)


if __name__ == "__main__":
    main()
