"""GraphFrames' API: shapes, names and types as GraphFrames gives them, results against
networkx on the bundled real graphs, and every kind of input table."""

import math

import pyarrow as pa
import pytest

import ember
from conftest import nx_graph


def example():
    # GraphFrames' own docstring example.
    v = pa.table({"id": [1, 2, 3], "name": ["A", "B", "C"]})
    e = pa.table({"src": [1, 2, 2], "dst": [2, 1, 3], "action": ["love", "hate", "follow"]})
    return ember.GraphFrame(v, e)


def test_docstring_example_tables_and_repr():
    g = example()
    assert g.vertices.column_names == ["id", "name"]
    assert g.edges.column_names == ["src", "dst", "action"]
    assert g.nodes.equals(g.vertices)
    assert (g.num_vertices, g.num_edges, g.directed) == (3, 3, True)
    assert "3 vertices, 3 edges" in repr(g)


def test_degrees_are_graphframes_shaped():
    g = example()
    assert g.outDegrees.to_pylist() == [{"id": 1, "outDegree": 1}, {"id": 2, "outDegree": 2}]
    assert g.inDegrees.to_pylist() == [
        {"id": 1, "inDegree": 1},
        {"id": 2, "inDegree": 1},
        {"id": 3, "inDegree": 1},
    ]
    assert g.degrees.to_pylist() == [
        {"id": 1, "degree": 2},
        {"id": 2, "degree": 3},
        {"id": 3, "degree": 1},
    ]
    for t in (g.degrees, g.inDegrees, g.outDegrees):
        assert t.schema.field(1).type == pa.int32()


def test_triplets():
    t = example().triplets
    assert t.column_names == ["src", "edge", "dst"]
    rows = t.to_pylist()
    assert rows[2] == {
        "src": {"id": 2, "name": "B"},
        "edge": {"src": 2, "dst": 3, "action": "follow"},
        "dst": {"id": 3, "name": "C"},
    }


def graphx_pagerank(edges, n_iter, reset=0.15):
    """GraphX's static PageRank (Spark 3.x): ranks start at 1, rank = reset + (1 - reset) *
    sum(rank(u) / outdeg(u)), then scaled so that they sum to the number of vertices."""
    vs = sorted(set(edges["src"].to_pylist()) | set(edges["dst"].to_pylist()))
    out = {v: 0 for v in vs}
    pairs = list(zip(edges["src"].to_pylist(), edges["dst"].to_pylist()))
    for s, _ in pairs:
        out[s] += 1
    rank = {v: 1.0 for v in vs}
    for _ in range(n_iter):
        acc = {v: 0.0 for v in vs}
        for s, d in pairs:
            acc[d] += rank[s] / out[s]
        rank = {v: reset + (1 - reset) * acc[v] for v in vs}
    total = sum(rank.values())
    return {v: r * len(vs) / total for v, r in rank.items()}


def test_pagerank_graphframes_numbers_and_shape():
    g = example()
    r = g.pageRank(resetProbability=0.15, maxIter=10)
    assert isinstance(r, ember.GraphFrame)
    assert r.vertices.column_names == ["id", "name", "pagerank"]
    assert r.edges.column_names == ["src", "dst", "action", "weight"]
    assert r.edges["weight"].to_pylist() == [1.0, 0.5, 0.5]
    want = graphx_pagerank(g.edges, 10)
    for row in r.vertices.to_pylist():
        assert row["pagerank"] == pytest.approx(want[row["id"]], rel=1e-9)
    with pytest.raises(ember.ConfigError, match="Exactly one of maxIter or tol"):
        g.pageRank()
    with pytest.raises(ember.ConfigError, match="Exactly one of maxIter or tol"):
        g.pageRank(maxIter=3, tol=0.01)


def test_pagerank_ldbc_variant_matches_networkx(wiki_vote):
    import networkx as nx

    g = ember.GraphFrame(None, wiki_vote)
    r = g.pageRank(maxIter=100, variant="ldbc").vertices
    want = nx.pagerank(nx_graph(wiki_vote), alpha=0.85, max_iter=200, tol=1e-12)
    got = dict(zip(r["id"].to_pylist(), r["pagerank"].to_pylist()))
    assert len(got) == len(want)
    assert math.fsum(got.values()) == pytest.approx(1.0, abs=1e-9)
    for v, x in want.items():
        assert got[v] == pytest.approx(x, rel=1e-6, abs=1e-12)


def test_personalized_pagerank(karate):
    g = ember.GraphFrame(None, karate, directed=False)
    one = g.pageRank(maxIter=30, sourceId=0).vertices
    many = g.parallelPersonalizedPageRank(sourceIds=[0, 33], maxIter=30).vertices
    assert many.column_names == ["id", "pageranks"]
    assert many.schema.field("pageranks").type.list_size == 2
    first = [p[0] for p in many["pageranks"].to_pylist()]
    assert first == pytest.approx(one["pagerank"].to_pylist(), rel=1e-12)
    with pytest.raises(ember.ConfigError, match="sourceIds must be provided"):
        g.parallelPersonalizedPageRank(maxIter=3)


def test_connected_components_match_networkx(gnutella):
    import networkx as nx

    g = ember.GraphFrame(None, gnutella)
    cc = g.connectedComponents()
    assert cc.column_names == ["id", "component"]
    got = dict(zip(cc["id"].to_pylist(), cc["component"].to_pylist()))
    comps = list(nx.weakly_connected_components(nx_graph(gnutella)))
    assert len(set(got.values())) == len(comps)
    for c in comps:
        assert {got[v] for v in c} == {min(c)}
    with pytest.raises(ember.ConfigError, match="unknown connected components algorithm"):
        g.connectedComponents(algorithm="magic")


def test_strongly_connected_components_match_networkx(gnutella):
    import networkx as nx

    scc = ember.GraphFrame(None, gnutella).stronglyConnectedComponents(maxIter=10)
    got = dict(zip(scc["id"].to_pylist(), scc["component"].to_pylist()))
    comps = list(nx.strongly_connected_components(nx_graph(gnutella)))
    assert len(set(got.values())) == len(comps)
    for c in comps:
        assert {got[v] for v in c} == {min(c)}


def test_shortest_paths_match_networkx(karate):
    import networkx as nx

    g = ember.GraphFrame(None, karate)
    sp = g.shortestPaths(landmarks=[0, 33], is_directed=False)
    assert sp.column_names == ["id", "distances"]
    assert str(sp.schema.field("distances").type) == "map<int64, int32>"
    und = nx_graph(karate, directed=False)
    for row in sp.to_pylist():
        want = {l: nx.shortest_path_length(und, row["id"], l) for l in (0, 33)}
        assert dict(row["distances"]) == want
    # Directed: only the landmarks a vertex reaches along edge directions.
    dg = nx_graph(karate)
    for row in g.shortestPaths(landmarks=[33]).to_pylist():
        reach = nx.has_path(dg, row["id"], 33)
        assert dict(row["distances"]) == ({33: nx.shortest_path_length(dg, row["id"], 33)} if reach else {})


def test_triangle_count_matches_networkx(karate):
    import networkx as nx

    t = ember.GraphFrame(None, karate).triangleCount()
    assert t.column_names == ["id", "count"] and t.schema.field("count").type == pa.int64()
    want = nx.triangles(nx_graph(karate, directed=False))
    assert dict(zip(t["id"].to_pylist(), t["count"].to_pylist())) == want


def test_label_propagation_is_ldbc_cdlp(karate):
    g = ember.GraphFrame(None, karate, directed=False)
    lp = g.labelPropagation(maxIter=5)
    assert lp.column_names == ["id", "label"]
    # CDLP by hand: the most frequent neighbour label, ties to the smallest.
    adj = {}
    for s, d in zip(karate["src"].to_pylist(), karate["dst"].to_pylist()):
        adj.setdefault(s, []).append(d)
        adj.setdefault(d, []).append(s)
    label = {v: v for v in adj}
    for _ in range(5):
        new = {}
        for v, ns in adj.items():
            counts = {}
            for u in ns:
                counts[label[u]] = counts.get(label[u], 0) + 1
            best = max(counts.values())
            new[v] = min(l for l, c in counts.items() if c == best)
        label = new
    assert dict(zip(lp["id"].to_pylist(), lp["label"].to_pylist())) == label


def test_generic_run_and_registry(karate):
    g = ember.GraphFrame(None, karate, directed=False)
    names = [a["name"] for a in ember.algorithms()]
    assert names[:3] == ["pagerank", "wcc", "scc"]
    bfs = g.run("bfs", source=0)
    assert bfs.column_names == ["id", "distance"]
    assert max(bfs["distance"].to_pylist()) == 3  # the reference: max distance 3 from vertex 0
    assert sum(bfs["distance"].to_pylist()) == 58
    pr = g.run("pagerank", engine="pregel", partitions=2)
    assert g.last_run["engine"].startswith("pregel (2 partitions")
    kr = g.run("pagerank", engine="kernel")
    assert pr["pagerank"].to_pylist() == pytest.approx(kr["pagerank"].to_pylist(), rel=1e-9)
    assert "pagerank(vertices, edges" in ember.functions()


def test_string_ids_and_attributes():
    v = pa.table({"id": ["a", "b", "c", "d"], "age": [34, 36, 30, 29]})
    e = pa.table({"src": ["a", "b", "c"], "dst": ["b", "c", "a"], "relationship": ["friend", "follow", "follow"]})
    g = ember.GraphFrame(v, e)
    cc = g.connectedComponents()
    assert cc.to_pylist() == [
        {"id": "a", "age": 34, "component": "a"},
        {"id": "b", "age": 36, "component": "a"},
        {"id": "c", "age": 30, "component": "a"},
        {"id": "d", "age": 29, "component": "d"},
    ]


def test_pandas_polars_and_datafusion_inputs(karate):
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    df = karate.to_pandas()
    want = ember.GraphFrame(None, karate).connectedComponents()
    assert ember.GraphFrame(None, df).connectedComponents().equals(want)
    assert ember.GraphFrame(None, pl.from_arrow(karate)).connectedComponents().equals(want)
    # polars hands strings over as string_view.
    names = pl.DataFrame({"src": ["a", "b", "c"], "dst": ["b", "c", "a"]})
    assert str(pa.table(names).schema.field("src").type) == "string_view"
    assert ember.GraphFrame(None, names).connectedComponents()["component"].to_pylist() == ["a", "a", "a"]
    assert isinstance(df, pd.DataFrame)
    datafusion = pytest.importorskip("datafusion")
    ctx = datafusion.SessionContext()
    ctx.register_record_batches("e", [karate.to_batches()])
    dfe = ctx.sql("SELECT src, dst FROM e")
    assert ember.GraphFrame(None, dfe).connectedComponents().equals(want)
    # Results go back into DataFusion (and pandas) as Arrow.
    back = ctx.from_arrow(want)
    assert back.count() == 34
    assert len(want.to_pandas()) == 34


def test_files(graphs_dir, tmp_path):
    g = ember.GraphFrame.read(graphs_dir / "karate.txt.gz", directed=False)
    assert (g.num_vertices, g.num_edges) == (34, 78)
    csv = tmp_path / "e.csv"
    csv.write_text("src,dst\n1,2\n2,3\n")
    g = ember.GraphFrame(None, str(csv))
    assert g.num_edges == 2
    members = graphs_dir / "karate_members.csv"
    assert ember.GraphFrame(members, ember.GraphFrame.read(graphs_dir / "karate.txt.gz").edges).num_vertices == 34


def test_readme_example_runs(graphs_dir, monkeypatch):
    # The first Python block of README's "Python" section, run from the repository root.
    pytest.importorskip("pandas")
    readme = (graphs_dir.parent / "README.md").read_text()
    section = readme[readme.index("## Python\n"):]
    start = section.index("```python\n") + len("```python\n")
    code = section[start:section.index("```", start)]
    monkeypatch.chdir(graphs_dir.parent)
    exec(compile(code, "README.md", "exec"), {})


def test_empty_graphs():
    e = pa.table({"src": pa.array([], pa.int64()), "dst": pa.array([], pa.int64())})
    g = ember.GraphFrame(None, e)
    assert (g.num_vertices, g.num_edges) == (0, 0)
    assert g.connectedComponents().num_rows == 0
    assert g.pageRank(maxIter=3).vertices.num_rows == 0
    # Vertices without edges: each its own component; no one reaches a landmark but itself.
    g = ember.GraphFrame(pa.table({"id": [1, 2]}), e)
    assert g.connectedComponents().to_pylist() == [{"id": 1, "component": 1}, {"id": 2, "component": 2}]
    assert g.shortestPaths([1]).to_pylist() == [{"id": 1, "distances": [(1, 0)]}, {"id": 2, "distances": []}]
    assert g.triplets.num_rows == 0 and g.degrees.num_rows == 0


def test_parallel_personalized_pagerank_matches_networkx(karate):
    import networkx as nx

    # Karate is connected and undirected: no dangling vertex, so GraphX's personalized ranks
    # (GraphFrames' numbers) sum to 1 and equal networkx's personalized PageRank.
    g = ember.GraphFrame(None, karate, directed=False)
    many = g.parallelPersonalizedPageRank(sourceIds=[0, 33], maxIter=120).vertices
    G = nx_graph(karate, directed=False)
    for k, source in enumerate([0, 33]):
        want = nx.pagerank(G, alpha=0.85, personalization={source: 1.0}, tol=1e-14, max_iter=1000)
        got = {v: p[k] for v, p in zip(many["id"].to_pylist(), many["pageranks"].to_pylist())}
        assert got.keys() == want.keys()
        for v, x in want.items():
            assert got[v] == pytest.approx(x, rel=1e-6, abs=1e-9), (source, v)
