"""NetworKit peer for `ember bench --peers networkit` (protocol: peer.py)."""

import networkit as nk
import numpy as np

import peer

a = peer.args()
nk.setNumberOfThreads(2 if nk.getMaxNumberOfThreads() >= 2 else 1)


def load():
    s, d, w, ids = peer.read_edges(a.edges, a.weighted, a.undirected)
    n = len(ids)
    data = w if w is not None else np.ones(len(s))
    g = nk.GraphFromCoo((data, (s.astype(np.uint64), d.astype(np.uint64))), n=n,
                        directed=not a.undirected, weighted=w is not None)
    return (g, ids, peer.dense_of(ids, a.source)), n, g.numberOfEdges()


def pagerank(st):
    g, ids, _ = st
    pr = nk.centrality.PageRank(g, damp=0.85, tol=0.0)
    pr.maxIterations = a.iterations
    pr.run()
    sc = np.asarray(pr.scores())
    k = int(np.argmax(sc))
    return f"top {ids[k]} {sc[k]:.6g}; iterations {pr.numberOfIterations()}"


def wcc(st):
    g = st[0]
    cc = nk.components.ConnectedComponents(g) if not g.isDirected() else nk.components.WeaklyConnectedComponents(g)
    cc.run()
    sizes = cc.getComponentSizes()
    return f"components {cc.numberOfComponents()}; largest {max(sizes.values(), default=0)}"


def bfs(st):
    g, _, s = st
    b = nk.distance.BFS(g, s, storePaths=False)
    b.run()
    dist = np.asarray(b.getDistances())
    reached = dist < 1e300
    return f"reached {int(reached.sum())}; max hops {int(dist[reached].max())}"


def sssp(st):
    g, _, s = st
    if not g.isWeighted():
        raise SystemExit("sssp needs --weighted")
    dj = nk.distance.Dijkstra(g, s, storePaths=False)
    dj.run()
    dist = np.asarray(dj.getDistances())
    reached = dist < 1e300
    return f"reached {int(reached.sum())}; max distance {dist[reached].max():g}"


peer.serve(load, {"pagerank": pagerank, "wcc": wcc, "bfs": bfs, "sssp": sssp})
