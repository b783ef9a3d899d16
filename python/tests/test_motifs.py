"""Motif finding (``GraphFrame.find``, SQL ``motifs``): GraphFrames' documented examples on its
"friends" graph, counts checked against networkx on bundled graphs, and positioned errors."""

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import ember
from conftest import GRAPHS, nx_graph


@pytest.fixture(scope="module")
def friends():
    v = pacsv.read_csv(GRAPHS / "friends_vertices.csv")
    e = pacsv.read_csv(GRAPHS / "friends_edges.csv")
    return ember.GraphFrame(v, e)


def ids(table, column):
    return sorted(r["id"] for r in table.column(column).to_pylist())


def test_graphframes_guide_examples(friends):
    m = friends.find("(a)-[e]->(b); (b)-[e2]->(a)")
    assert m.column_names == ["a", "e", "b", "e2"]
    assert ids(m, "a") == ["b", "c"]
    row = [r for r in m.to_pylist() if r["a"]["id"] == "c"][0]
    assert row["b"] == {"id": "b", "name": "Bob", "age": 36}
    assert row["e"] == {"src": "c", "dst": "b", "relationship": "follow"}
    # motifs.filter("b.age > 30")
    older = [r for r in m.to_pylist() if r["b"]["age"] > 30]
    assert [(r["a"]["id"], r["b"]["id"]) for r in older] == [("c", "b")]


def test_negation_undirected_and_lengths(friends):
    one_way = friends.find("(a)-[]->(b); !(b)-[]->(a)")
    assert len(one_way) == 6
    either = friends.find("(a)-[e]-(b)")
    assert either.column_names == ["a", "e", "b", "_pattern", "_direction"]
    assert sorted(either["_direction"].to_pylist()) == ["in"] * 8 + ["out"] * 8
    paths = friends.find("(a)-[e*1..2]->(b)")
    assert paths.column_names[-3:] == ["_hop", "_pattern", "_direction"]
    assert paths["_hop"].to_pylist() == sorted(paths["_hop"].to_pylist())
    assert paths["_hop"].to_pylist().count(1) == 8


def test_reciprocal_pairs_match_networkx(wiki_vote):
    import networkx as nx

    g = nx_graph(wiki_vote, directed=True)
    want = sum(1 for u, v in g.edges if g.has_edge(v, u) and u != v)
    m = ember.GraphFrame(None, wiki_vote).find("(a)-[]->(b); (b)-[]->(a)")
    got = sum(1 for r in m.to_pylist() if r["a"]["id"] != r["b"]["id"])
    assert got == want and want > 0
    assert isinstance(g, nx.DiGraph)


def test_triangles_match_networkx(karate):
    import networkx as nx

    # karate's edges go from the smaller id to the larger: each triangle matches once.
    assert all(s < d for s, d in zip(karate["src"].to_pylist(), karate["dst"].to_pylist()))
    m = ember.GraphFrame(None, karate).find("(a)-[]->(b); (b)-[]->(c); (a)-[]->(c)")
    want = sum(nx.triangles(nx_graph(karate, directed=False)).values()) // 3
    assert len(m) == want == 45


def test_sql_motifs_with_filters(friends):
    s = ember.Session()
    s.register("v", friends.vertices)
    s.register("e", friends.edges)
    t = pa.table(s.sql("SELECT a.id AS a, b.id AS b FROM motifs('v', 'e', '(a)-[]->(b)') WHERE a.age > 33 ORDER BY 1, 2"))
    assert t.to_pylist() == [{"a": "a", "b": "b"}, {"a": "a", "b": "e"}, {"a": "b", "b": "c"}, {"a": "f", "b": "c"}]


def test_malformed_patterns_name_the_column(friends):
    with pytest.raises(ember.PatternError) as err:
        friends.find("(a)-[e]->(b); (b)-[e]>(c)")
    assert err.value.column == 22
    assert "expected '->' or '-'" in str(err.value)
    with pytest.raises(ValueError, match="names both a vertex and an edge"):
        friends.find("(a)-[a]->(b)")


def test_subgraphs(friends):
    h = friends.filterVertices("age > 30")
    assert sorted(h.vertices["id"].to_pylist()) == ["a", "b", "e", "f", "g"]
    assert sorted((r["src"], r["dst"]) for r in h.edges.to_pylist()) == [("a", "b"), ("a", "e"), ("e", "f")]
    f = friends.filterEdges("relationship = 'friend'")
    assert f.num_vertices == 7 and f.num_edges == 4
    assert sorted(f.dropIsolatedVertices().vertices["id"].to_pylist()) == ["a", "b", "d", "e"]
    with pytest.raises(ember.SqlError, match="Valid fields are"):
        friends.filterVertices("agee > 30")


def test_bfs_guide_examples(friends):
    # GraphFrames' user guide: g.bfs("name = 'Esther'", "age < 32")
    p = friends.bfs("name = 'Esther'", "age < 32")
    assert p.column_names == ["from", "e0", "to"]
    assert [(r["from"]["name"], r["e0"]["relationship"], r["to"]["name"]) for r in p.to_pylist()] == [
        ("Esther", "friend", "David")
    ]
    p = friends.bfs("name = 'Esther'", "age < 32", edgeFilter="relationship != 'friend'", maxPathLength=3)
    assert p.column_names == ["from", "e0", "v1", "e1", "to"]
    assert [r["v1"]["name"] for r in p.to_pylist()] == ["Fanny"]
    assert [r["to"]["name"] for r in p.to_pylist()] == ["Charlie"]
    assert friends.bfs("id = 'a'", "id = 'g'").num_rows == 0
    with pytest.raises(ValueError, match="toExpr 'agee < 32'.*agee"):
        friends.bfs("name = 'Esther'", "agee < 32")


def test_bfs_lengths_match_networkx(karate):
    import networkx as nx

    g = ember.GraphFrame(None, karate, directed=False)
    p = g.bfs("id = 0", "id = 26")
    want = list(nx.all_shortest_paths(nx_graph(karate, directed=True).to_undirected(), 0, 26))
    got = [[r["from"]["id"]] + [r[f"v{i}"]["id"] for i in range(1, len(want[0]) - 1)] + [r["to"]["id"]] for r in p.to_pylist()]
    assert sorted(got) == sorted(want)
