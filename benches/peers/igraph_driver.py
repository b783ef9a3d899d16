"""igraph peer for `ember bench --peers igraph` (protocol: peer.py). igraph's PageRank
(PRPACK) solves to convergence rather than running a fixed number of iterations."""

import igraph as ig
import numpy as np

import peer

a = peer.args()


def load():
    s, d, w, ids = peer.read_edges(a.edges, a.weighted, a.undirected)
    g = ig.Graph(n=len(ids), edges=np.column_stack((s, d)), directed=not a.undirected)
    if w is not None:
        g.es["weight"] = w
    return (g, ids, peer.dense_of(ids, a.source)), len(ids), g.ecount()


def pagerank(st):
    g, ids, _ = st
    sc = np.asarray(g.pagerank(damping=0.85, directed=g.is_directed()))
    k = int(np.argmax(sc))
    return f"top {ids[k]} {sc[k]:.6g}; converged (PRPACK)"


def wcc(st):
    cl = st[0].connected_components(mode="weak")
    return f"components {len(cl)}; largest {max(cl.sizes(), default=0)}"


def bfs(st):
    g, _, s = st
    vids, layers, _ = g.bfs(s, mode="out")
    return f"reached {len(vids)}; max hops {len(layers) - 2}"


def sssp(st):
    g, _, s = st
    dist = np.asarray(g.distances(source=[s], weights="weight", mode="out", algorithm="dijkstra")[0])
    reached = np.isfinite(dist)
    return f"reached {int(reached.sum())}; max distance {dist[reached].max():g}"


peer.serve(load, {"pagerank": pagerank, "wcc": wcc, "bfs": bfs, "sssp": sssp})
