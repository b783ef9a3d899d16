"""The protocol every Python peer driver speaks with `ember bench --peers` (see README.md here).

The runner starts `python3 DRIVER.py --edges FILE [--undirected] [--weighted] --source ID
--iterations N [--delta D]`. The driver loads the graph with its system, prints one line
`EMBER-PEER {"ready": true, "load_s": ..., "vertices": ..., "edges": ...}`, then answers each
algorithm name read from stdin (pagerank, wcc, bfs, sssp) with one line
`EMBER-PEER {"algorithm": ..., "seconds": ..., "check": ..., "peak_rss_bytes": ...}` (or
`"error": ...` when the system has no such kernel), and exits on `quit` or end of input.
`seconds` times the kernel call only; `check` summarises the result so the runner can show that
every system computed the same thing; `peak_rss_bytes` is the process's peak since the
command began (Linux VmHWM, reset through /proc/self/clear_refs).
"""

import argparse
import gzip
import json
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv


def args():
    p = argparse.ArgumentParser()
    p.add_argument("--edges", required=True)
    p.add_argument("--undirected", action="store_true")
    p.add_argument("--weighted", action="store_true")
    p.add_argument("--source", required=True, help="original id of the BFS/SSSP source")
    p.add_argument("--iterations", type=int, default=20)
    p.add_argument("--delta", type=float, default=None, help="SSSP bucket width (delta-stepping peers)")
    return p.parse_args()


def is_gzip(path):
    """Whether the file starts with gzip's magic bytes."""
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def read_edges(path, weighted, simple):
    """Reads a SNAP-style edge list (`#` comments, whitespace-separated `src dst [weight]`,
    gzip or plain) into dense ids 0..n-1. Returns (src, dst, weight or None, ids) where ids[k]
    is the original id of dense vertex k. With `simple`, drops self-loops and duplicate
    undirected edges (keeping the lightest), as `ember bench --undirected --simple` does."""
    opener = gzip.open if is_gzip(path) else open
    skip, delim = 0, "\t"
    with opener(path, "rt") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                skip += 1
                continue
            delim = "\t" if "\t" in line else " "
            break
    ncols = 3 if weighted else 2
    types = {f"c{i}": (pa.float64() if i == 2 else pa.int64()) for i in range(ncols)}
    table = pacsv.read_csv(
        pa.input_stream(path, compression="detect"),
        read_options=pacsv.ReadOptions(skip_rows=skip, column_names=[f"c{i}" for i in range(ncols)]),
        parse_options=pacsv.ParseOptions(delimiter=delim),
        convert_options=pacsv.ConvertOptions(column_types=types, include_columns=list(types)),
    )
    s = table.column(0).to_numpy()
    d = table.column(1).to_numpy()
    w = table.column(2).to_numpy() if weighted else None
    ids, inv = np.unique(np.concatenate([s, d]), return_inverse=True)
    s, d = inv[: len(s)].astype(np.int64), inv[len(s):].astype(np.int64)
    if simple:
        keep = s != d
        s, d = s[keep], d[keep]
        w = w[keep] if w is not None else None
        lo, hi = np.minimum(s, d), np.maximum(s, d)
        order = np.lexsort(((w if w is not None else np.zeros(len(lo))), hi, lo))
        lo, hi = lo[order], hi[order]
        first = np.ones(len(lo), dtype=bool)
        first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
        s, d = lo[first], hi[first]
        w = w[order][first] if w is not None else None
    return s, d, w, ids


def dense_of(ids, original):
    k = int(np.searchsorted(ids, int(original)))
    if k >= len(ids) or ids[k] != int(original):
        raise SystemExit(f"source {original} is not a vertex of the graph")
    return k


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return None


def say(obj):
    print("EMBER-PEER " + json.dumps(obj), flush=True)


def serve(load, kernels):
    """`load()` -> (state, vertices, edges); `kernels[name](state)` -> check string, timed and
    measured here (this process's peak RSS)."""

    def measured(kernel):
        def run(state):
            reset_peak()
            t = time.perf_counter()
            check = kernel(state)
            return check, time.perf_counter() - t, peak_rss()

        return run

    serve_timed(load, {name: measured(k) for name, k in kernels.items()})


def serve_timed(load, kernels):
    """As `serve`, for drivers that run each kernel in a process of its own:
    `kernels[name](state)` -> (check, seconds, peak RSS bytes), timed and measured by the peer."""
    t = time.perf_counter()
    state, n, m = load()
    say({"ready": True, "load_s": time.perf_counter() - t, "vertices": n, "edges": m})
    for line in sys.stdin:
        name = line.strip()
        if name in ("", "quit"):
            break
        if name not in kernels:
            say({"algorithm": name, "error": "not available in this system"})
            continue
        check, secs, peak = kernels[name](state)
        say({"algorithm": name, "seconds": secs, "check": check, "peak_rss_bytes": peak})
