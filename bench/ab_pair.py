#!/usr/bin/env python3
"""ab_pair.py AB.csv...: summarises bench/ab.sh output.  Per configuration:
the pairs, the median over the pairs of new/old (old and new ran back to
back, so both saw the same machine), the fastest run of each and their
ratio; and the page faults.  Markdown on stdout."""
import csv
import statistics
import sys
from collections import defaultdict

pairs = defaultdict(list)
runs = defaultdict(lambda: {"old": [], "new": []})
faults = defaultdict(lambda: {"old": [], "new": []})
for path in sys.argv[1:]:
    rows = list(csv.DictReader(open(path)))
    for a, b in zip(rows[0::2], rows[1::2]):
        k = (a["workload"], a["contender"], a["mode"], int(a["threads"]), int(a["param"]))
        ns = {r["which"]: int(r["ns"]) / int(r["ops"]) for r in (a, b)}
        pairs[k].append(ns["new"] / ns["old"])
        for r in (a, b):
            runs[k][r["which"]].append(ns[r["which"]])
            faults[k][r["which"]].append(int(r["faults"]))
print("| workload | contender | mode, threads, param | pairs | median new/old | fastest old | "
      "fastest new | fastest new/old | faults old / new |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|")
for k in sorted(pairs):
    lo, ln = min(runs[k]["old"]), min(runs[k]["new"])
    fo, fn = statistics.median(faults[k]["old"]), statistics.median(faults[k]["new"])
    what = " ".join(x for x in (k[2], f"{k[3]} thr" if k[0] == "W4" else "",
                                f"{k[4]:,}" if k[0] in ("W3", "W3r") else "") if x)
    print(f"| {k[0]} | {k[1]} | {what} | {len(pairs[k])} | {statistics.median(pairs[k]):.3f} | "
          f"{lo:.4g} | {ln:.4g} | {ln / lo:.3f} | {fo:,.0f} / {fn:,.0f} |")
