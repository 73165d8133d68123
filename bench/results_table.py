#!/usr/bin/env python3
"""results_table.py: Markdown tables from lsm_bench summary CSVs.

usage: bench/results_table.py OUT_DIR

Reads the summary CSVs that bench/results.sh writes into OUT_DIR (main,
fillsync1, fillsync4, threads4, big, str, u64) and prints the README's results
tables: per workload ops/sec of each engine and the ratios of lsm to each peer
and to the best peer, then synced writes with 1 and 4 writers, the workloads
run by 4 threads at once, the 5M-key runs with their
tail latency, stalls, peak RSS and write amplification, and typed u64 keys
against 16-byte string keys. Only the "median" rows are used. A run that is
missing is left out of the output with a note on stderr.
"""
import csv
import os
import sys

PEERS = ("leveldb", "rocksdb")


def load(path):
    """{(engine, workload): row} of the median rows of one summary CSV (the
    rows of its one round when it ran a single round: no median then)."""
    rows, singles = {}, {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            key = (row["engine"], row["workload"])
            if row["round"] == "median":
                rows[key] = row
            elif row["round"] == "1":
                singles[key] = row
    return rows or singles


def ops(row):
    return float(row["ops_per_sec"])


def fmt_ops(x):
    return f"{x / 1e6:.2f} M" if x >= 1e6 else f"{x / 1e3:.0f} k"


def distinct(rows, part):
    """The engines (part 0) or workloads (part 1) of rows, in first-seen order."""
    return list(dict.fromkeys(key[part] for key in rows))


def engines_of(rows):
    return distinct(rows, 0)


def workloads_of(rows):
    return distinct(rows, 1)


def write_amp(row):
    """The engine's own count when it reports one, else the process's wchar."""
    return row["write_amp"] or row["wchar_write_amp"]


def throughput_table(rows, title):
    engines = engines_of(rows)
    peers = [e for e in engines if e in PEERS]
    head = [title] + [f"{e} ops/s" for e in engines]
    head += [f"lsm / {p}" for p in peers]
    if len(peers) > 1:
        head.append("lsm / best peer")
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for w in workloads_of(rows):
        if ("lsm", w) not in rows:
            continue
        cells = [w]
        for e in engines:
            cells.append(fmt_ops(ops(rows[(e, w)])) if (e, w) in rows else "")
        mine = ops(rows[("lsm", w)])
        best = 0.0
        for p in peers:
            if (p, w) in rows:
                cells.append(f"{mine / ops(rows[(p, w)]):.2f}x")
                best = max(best, ops(rows[(p, w)]))
            else:
                cells.append("")
        if len(peers) > 1:
            cells.append(f"**{mine / best:.2f}x**" if best else "")
        out.append("| " + " | ".join(cells) + " |")
    return out


def detail_table(rows, workloads):
    head = ["workload", "engine", "ops/s", "p50 us", "p99 us", "p99.9 us", "max us",
            "stall time s", "peak RSS MiB", "write amp"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for w in workloads:
        for e in engines_of(rows):
            r = rows.get((e, w))
            if r is None:
                continue
            out.append("| " + " | ".join([
                w, e, fmt_ops(ops(r)), r["p50_us"], r["p99_us"], r["p999_us"],
                f"{float(r['max_us']):.0f}", f"{float(r['stall_us']) / 1e6:.2f}",
                f"{int(r['peak_rss_kb']) / 1024:.0f}", write_amp(r)]) + " |")
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    d = sys.argv[1]
    runs = {}
    for name in ("main", "fillsync1", "fillsync4", "threads4", "big", "str", "u64"):
        path = os.path.join(d, name + ".summary.csv")
        if os.path.exists(path):
            runs[name] = load(path)
        else:
            print(f"results_table.py: no {path}, left out", file=sys.stderr)

    if "main" in runs:
        m = runs["main"]
        print("\n".join(throughput_table(m, "workload")))
        print()
        if ("lsm", "fillrandom") in m:
            print("Write amplification on fillrandom (bytes the engine wrote / bytes put): " +
                  ", ".join(f"{e} {write_amp(m[(e, 'fillrandom')])}"
                            for e in engines_of(m) if (e, "fillrandom") in m) + ".")
            print()
    sync = {}
    for name, threads in (("fillsync1", 1), ("fillsync4", 4)):
        for (e, w), r in runs.get(name, {}).items():
            sync[(e, f"fillsync, {threads} writer{'s' if threads > 1 else ''}")] = r
    if sync:
        print("\n".join(throughput_table(sync, "synced writes")))
        print()
    if "threads4" in runs:
        print("\n".join(throughput_table(runs["threads4"], "4 threads")))
        print()
    if "big" in runs:
        print("\n".join(throughput_table(runs["big"], "5M keys")))
        print()
        print("\n".join(detail_table(runs["big"], ("fillrandom",))))
        print()
    if "u64" in runs and "str" in runs:
        head = ["workload", "lsm, 16-byte string keys", "lsm, u64 keys", "u64 / string"]
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for w in workloads_of(runs["u64"]):
            a, b = runs["str"].get(("lsm", w)), runs["u64"].get(("lsm", w))
            if a and b:
                out.append(f"| {w} | {fmt_ops(ops(a))} | {fmt_ops(ops(b))} | {ops(b) / ops(a):.2f}x |")
        print("\n".join(out))


if __name__ == "__main__":
    main()
