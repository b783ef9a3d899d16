"""End-to-end Python benchmark: from a Parquet edge file to a pandas DataFrame of results,
through Ember's Python package, NetworKit and igraph (and GraphFrames/GraphX through pyspark
when it is installed and --spark is given). Each trial runs in a fresh process; tools alternate
trial by trial; the table gives medians and the ratio to Ember measured in the same run.

    python3 benches/python/end_to_end.py kron20w.parquet --trials 3 [--algorithms pagerank,wcc,sssp]

The edge file needs `src`, `dst` (integer ids) and, for SSSP, `weight`. PageRank runs 20
iterations with damping 0.85 and no tolerance; WCC ignores directions; SSSP starts at the
source of the first edge. Every tool returns a pandas DataFrame (id, value) for every vertex.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

CHILD = r"""
import json, sys, time
tool, algo, path, source = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
t0 = time.perf_counter()
if tool == "ember":
    import ember
    ember.set_progress(False)
    g = ember.GraphFrame.read(path)
    t1 = time.perf_counter()
    if algo == "pagerank":
        r = g.run("pagerank", iterations=20, damping=0.85)
    elif algo == "wcc":
        r = g.run("wcc")
    else:
        r = g.run("sssp", source=source)
    df = r.to_pandas()
else:
    import numpy as np, pandas as pd, pyarrow.parquet as pq
    t = pq.read_table(path, columns=["src", "dst"] + (["weight"] if algo == "sssp" else []))
    s = t["src"].to_numpy(); d = t["dst"].to_numpy()
    ids = np.unique(np.concatenate([s, d]))
    si = np.searchsorted(ids, s); di = np.searchsorted(ids, d)
    w = t["weight"].to_numpy().astype(np.float64) if algo == "sssp" else None
    src_dense = int(np.searchsorted(ids, source))
    if tool == "networkit":
        import networkit as nk
        nk.setNumberOfThreads(2)
        data = w if w is not None else np.ones(len(si))
        g = nk.GraphFromCoo((data, (si.astype(np.uint64), di.astype(np.uint64))), n=len(ids),
                            directed=True, weighted=w is not None)
        t1 = time.perf_counter()
        if algo == "pagerank":
            pr = nk.centrality.PageRank(g, damp=0.85, tol=0.0); pr.maxIterations = 20; pr.run()
            vals = np.asarray(pr.scores())
        elif algo == "wcc":
            cc = nk.components.WeaklyConnectedComponents(g); cc.run()
            vals = np.asarray(cc.getPartition().getVector())
        else:
            dj = nk.distance.Dijkstra(g, src_dense, storePaths=False); dj.run()
            vals = np.asarray(dj.getDistances())
    else:
        import igraph as ig
        g = ig.Graph(n=len(ids), edges=np.column_stack([si, di]), directed=True)
        t1 = time.perf_counter()
        if algo == "pagerank":
            vals = np.asarray(g.pagerank(damping=0.85, implementation="prpack"))
        elif algo == "wcc":
            vals = np.asarray(g.connected_components(mode="weak").membership)
        else:
            vals = np.asarray(g.distances(source=[src_dense], weights=w, algorithm="dijkstra")[0])
    df = pd.DataFrame({"id": ids, "value": vals})
t2 = time.perf_counter()
print(json.dumps({"load": t1 - t0, "total": t2 - t0, "rows": len(df)}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("edges")
    ap.add_argument("--trials", type=int, default=3)
    ap.add_argument("--algorithms", default="pagerank,wcc,sssp")
    ap.add_argument("--tools", default="ember,networkit,igraph")
    ap.add_argument("--json", help="write the raw trials here")
    a = ap.parse_args()
    import pyarrow.parquet as pq

    first = pq.read_table(a.edges, columns=["src"]).slice(0, 1)
    source = int(first["src"][0].as_py())
    tools = a.tools.split(",")
    algos = a.algorithms.split(",")
    env = dict(os.environ, OMP_NUM_THREADS="2", RAYON_NUM_THREADS="2")
    runs: dict = {}
    for trial in range(a.trials):
        for algo in algos:
            order = tools[trial % len(tools):] + tools[: trial % len(tools)]
            for tool in order:
                out = subprocess.run(
                    [sys.executable, "-c", CHILD, tool, algo, a.edges, str(source)],
                    capture_output=True, text=True, env=env,
                )
                if out.returncode != 0:
                    print(f"{tool} {algo}: failed: {out.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
                    continue
                r = json.loads(out.stdout.strip().splitlines()[-1])
                runs.setdefault((algo, tool), []).append(r)
                print(f"trial {trial + 1} {algo:9} {tool:10} total {r['total']:.2f} s (load {r['load']:.2f} s)",
                      file=sys.stderr)
    load = os.getloadavg()
    print(f"\n{a.edges}: {a.trials} trials, medians (load average {load[0]:.2f} at the end)\n")
    print("| algorithm | tool | end to end s | of which load s | tool / Ember |")
    print("|---|---|---|---|---|")
    for algo in algos:
        base = statistics.median(r["total"] for r in runs.get((algo, "ember"), [{"total": float("nan")}]))
        for tool in tools:
            rs = runs.get((algo, tool))
            if not rs:
                continue
            tot = statistics.median(r["total"] for r in rs)
            ld = statistics.median(r["load"] for r in rs)
            print(f"| {algo} | {tool} | {tot:.2f} | {ld:.2f} | {tot / base:.1f} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({f"{k[0]}/{k[1]}": v for k, v in runs.items()}, f, indent=1)


if __name__ == "__main__":
    main()
