"""GraphFrames' all_paths, detectingCycles and hyper_anf against established libraries on the
bundled real graphs: networkx's all_simple_paths, igraph's simple_cycles, and Apache
DataSketches' own HLL sketches (the `datasketches` package) with exact neighbourhoods."""

import collections

import pyarrow as pa
import pytest

import ember
from conftest import nx_graph


def rotations(cycle):
    """A cycle (vertices, no repeat) as GraphFrames lists it: from each vertex back to itself."""
    k = len(cycle)
    return {(cycle[i], tuple(cycle[i:] + cycle[:i] + [cycle[i]])) for i in range(k)}


@pytest.mark.parametrize("max_length", [3, 6])
def test_detecting_cycles_matches_igraph(gnutella, max_length):
    import igraph as ig

    t = ember.GraphFrame(None, gnutella).detectingCycles(max_length=max_length)
    assert t.column_names == ["id", "found_cycles"]
    got = list(zip(t["id"].to_pylist(), map(tuple, t["found_cycles"].to_pylist())))
    assert len(got) == len(set(got))

    ids = sorted(set(gnutella["src"].to_pylist()) | set(gnutella["dst"].to_pylist()))
    ix = {v: i for i, v in enumerate(ids)}
    edges = [(ix[a], ix[b]) for a, b in zip(gnutella["src"].to_pylist(), gnutella["dst"].to_pylist())]
    g = ig.Graph(n=len(ids), edges=edges, directed=True).simplify(loops=False)
    want = set()
    for c in g.simple_cycles(max=max_length):
        want |= rotations([ids[i] for i in c])
    assert len(want) > 100
    assert set(got) == want


def test_detecting_cycles_matches_igraph_on_a_dense_graph(wiki_vote):
    import igraph as ig

    t = ember.GraphFrame(None, wiki_vote).detectingCycles(max_length=3)
    got = set(zip(t["id"].to_pylist(), map(tuple, t["found_cycles"].to_pylist())))
    ids = sorted(set(wiki_vote["src"].to_pylist()) | set(wiki_vote["dst"].to_pylist()))
    ix = {v: i for i, v in enumerate(ids)}
    edges = [(ix[a], ix[b]) for a, b in zip(wiki_vote["src"].to_pylist(), wiki_vote["dst"].to_pylist())]
    g = ig.Graph(n=len(ids), edges=edges, directed=True).simplify(loops=False)
    want = set()
    for c in g.simple_cycles(max=3):
        want |= rotations([ids[i] for i in c])
    assert len(want) > 100_000 and got == want


def test_detecting_cycles_self_loops_and_parallel_edges():
    e = pa.table({"src": ["a", "a", "b", "b", "c"], "dst": ["a", "b", "a", "a", "c"]})
    t = ember.GraphFrame(None, e).detectingCycles()
    assert t.to_pylist() == [
        {"id": "a", "found_cycles": ["a", "a"]},
        {"id": "a", "found_cycles": ["a", "b", "a"]},
        {"id": "b", "found_cycles": ["b", "a", "b"]},
        {"id": "c", "found_cycles": ["c", "c"]},
    ]
    with pytest.raises(ember.ConfigError, match="max_length must be > 0"):
        ember.GraphFrame(None, e).detectingCycles(max_length=0)


def test_all_paths_matches_networkx(gnutella):
    import networkx as nx

    g = ember.GraphFrame(None, gnutella)
    G = nx_graph(gnutella)
    # Sources with many out-edges, targets a few hops away.
    sources = sorted(G.nodes, key=lambda v: (-G.out_degree(v), v))[:3]
    checked = 0
    for s in sources:
        far = nx.single_source_shortest_path_length(G, s, cutoff=3)
        for t in sorted(v for v, d in far.items() if d == 3)[:4]:
            got = g.all_paths(f"id = {s}", f"id = {t}", max_path_length=5)
            want = sorted((len(p) - 1, p) for p in nx.all_simple_paths(G, s, t, cutoff=5))
            assert [(r["len"], r["path"]) for r in got.to_pylist()] == want
            checked += len(want)
    assert checked > 20


def test_all_paths_undirected_and_filtered_match_networkx(karate):
    import networkx as nx

    e = karate.append_column("w", pa.array([i % 3 for i in range(karate.num_rows)]))
    g = ember.GraphFrame(None, e)
    # is_directed=False: either way along the edges.
    got = g.all_paths("id = 0", "id = 33", max_path_length=3, is_directed=False)
    G = nx.Graph(nx_graph(karate))
    want = sorted((len(p) - 1, p) for p in nx.all_simple_paths(G, 0, 33, cutoff=3))
    assert [(r["len"], r["path"]) for r in got.to_pylist()] == want and want
    # An edge filter over the edge columns.
    got = g.all_paths("id = 0", "id = 33", edge_filter="w <> 0", max_path_length=4, is_directed=False)
    kept = [(a, b) for a, b, w in zip(*(e[c].to_pylist() for c in ("src", "dst", "w"))) if w != 0]
    H = nx.Graph(kept)
    want = sorted((len(p) - 1, p) for p in nx.all_simple_paths(H, 0, 33, cutoff=4))
    assert [(r["len"], r["path"]) for r in got.to_pylist()] == want and want


def test_all_paths_many_targets_end_at_the_first():
    import networkx as nx

    # Targets: every vertex with an even id; a path ends at the first one it meets.
    e = pa.table({"src": [1, 1, 3, 3, 5, 2, 7, 5], "dst": [3, 2, 5, 7, 4, 9, 4, 1]})
    got = ember.GraphFrame(None, e).all_paths("id = 1", "id % 2 = 0", max_path_length=5)
    G = nx_graph(e)
    want = sorted(
        (len(p) - 1, p)
        for t in (2, 4)
        for p in nx.all_simple_paths(G, 1, t, cutoff=5)
        if not any(x % 2 == 0 for x in p[:-1])
    )
    assert [(r["len"], r["path"]) for r in got.to_pylist()] == want
    with pytest.raises(ember.ConfigError, match="max_path_length must be > 0"):
        ember.GraphFrame(None, e).all_paths("id = 1", "id = 2", max_path_length=0)
    with pytest.raises(ember.EmberError, match="nope"):
        ember.GraphFrame(None, e).all_paths("nope = 1", "id = 2")


def walk_ends(G, v, k):
    """The vertices at the end of the walks of exactly k edges from v, as GraphFrames' hop_k
    (a vertex without out-edges passes nothing on)."""
    cur = {v}
    for i in range(k):
        cur = {w for u in cur if (i == 0 or G.out_degree(u) > 0) for w in G.successors(u)}
    return cur


@pytest.mark.parametrize("lg_k", [8, 12])
def test_hyper_anf_sketches_are_datasketches_hll(gnutella, lg_k):
    import datasketches as ds

    g = ember.GraphFrame(None, gnutella)
    t = g.hyper_anf(n_hops=3, lg_nom_entries=lg_k)
    assert t.column_names == ["id", "hop_0", "hop_1", "hop_2", "hop_3"]
    assert t.schema.field("hop_1").type == pa.binary()
    G = nx_graph(gnutella)
    assert t["id"].to_pylist() == [v for v in sorted(G.nodes) if G.out_degree(v) > 0] or set(
        t["id"].to_pylist()
    ) == {v for v in G.nodes if G.out_degree(v) > 0}
    rows = t.to_pylist()
    # hop_0: byte for byte the sketch DataSketches itself builds of the id.
    for r in rows[:200]:
        s = ds.hll_sketch(lg_k, ds.tgt_hll_type.HLL_8)
        s.update(r["id"])
        assert r["hop_0"] == s.serialize_compact()
    # Every hop: estimates within 4 standard errors of the exact walk-end counts.
    rse = 1.04 / (2 ** lg_k) ** 0.5
    worst = collections.Counter()
    for r in rows[::7]:
        for k in range(4):
            exact = len(walk_ends(G, r["id"], k))
            est = ds.hll_sketch.deserialize(r[f"hop_{k}"]).get_estimate()
            assert abs(est - exact) <= max(4 * rse * exact, 0.5), (r["id"], k, est, exact)
            worst[k] = max(worst[k], exact)
    # Some sketches hold more coupons than DataSketches keeps exactly (it switches to registers
    # at 3/4 of 2^(lg_k - 3)).
    assert worst[3] > 2 ** (lg_k - 3)


def test_hll_sql_functions_match_datasketches(karate):
    import datasketches as ds

    s = ember.Session()
    s.register("g", ember.GraphFrame(None, karate))
    t = s.sql(
        "SELECT id, hop_0, hop_1, hop_2, hll_sketch_estimate(hop_1) AS n1, "
        "hll_sketch_estimate(hll_union(hll_union(hop_0, hop_1), hop_2)) AS upto2 "
        "FROM hyper_anf('g_vertices', 'g_edges', 2) ORDER BY id"
    )
    assert t.num_rows > 10
    for r in t.to_pylist():
        u = ds.hll_union(12)
        for k in range(3):
            u.update(ds.hll_sketch.deserialize(r[f"hop_{k}"]))
        assert r["upto2"] == round(u.get_result(ds.tgt_hll_type.HLL_8).get_estimate())
        assert r["n1"] == round(ds.hll_sketch.deserialize(r["hop_1"]).get_estimate())
    with pytest.raises(Exception, match="not a DataSketches HLL sketch"):
        s.sql("SELECT hll_sketch_estimate(X'0102')")
