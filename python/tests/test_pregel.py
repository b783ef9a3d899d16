"""GraphFrames' pregel builder and aggregateMessages with SQL expressions, against networkx and
the figures GraphFrames' own guide prints."""

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import ember
from ember.lib import AggregateMessages as AM
from ember.lib import Pregel

from conftest import nx_graph


def friends():
    v = pa.table(
        {
            "id": ["a", "b", "c", "d", "e", "f", "g"],
            "name": ["Alice", "Bob", "Charlie", "David", "Esther", "Fanny", "Gabby"],
            "age": [34, 36, 30, 29, 32, 36, 60],
        }
    )
    e = pa.table(
        {
            "src": ["a", "b", "c", "f", "e", "e", "d", "a"],
            "dst": ["b", "c", "b", "c", "f", "d", "a", "e"],
            "relationship": ["friend", "follow", "follow", "follow", "follow", "friend", "friend", "friend"],
        }
    )
    return ember.GraphFrame(v, e)


def test_aggregate_messages_gives_the_guides_summed_ages():
    g = friends()
    t = g.aggregateMessages(
        [f"sum({AM.msg}) AS summedAges"], sendToSrc=AM.dst["age"], sendToDst=AM.src["age"]
    )
    assert dict(zip(t["id"].to_pylist(), t["summedAges"].to_pylist())) == {
        "a": 97, "b": 94, "c": 108, "d": 66, "e": 99, "f": 62,
    }


def test_pregel_pagerank_converges_to_networkx(karate):
    import networkx as nx

    # Karate club, both directions: every vertex has out-edges, so GraphFrames' PageRank
    # example converges to networkx's PageRank.
    g = ember.GraphFrame(None, karate, directed=False)
    deg = g.degrees
    v = deg.rename_columns(["id", "outDegree"])
    g = ember.GraphFrame(v, karate, directed=False)
    n = v.num_rows
    p = (
        g.pregel.setMaxIter(100)
        .withVertexColumn("rank", f"1.0 / {n}", f"coalesce({Pregel.msg()}, 0.0) * 0.85 + 0.15 / {n}")
        .sendMsgToDst(f"{Pregel.src('rank')} / {Pregel.src('outDegree')}")
        .aggMsgs(f"sum({Pregel.msg()})")
    )
    got = p.run()
    assert p.last_iterations == 100
    assert got.column_names == ["id", "outDegree", "_pregel_is_active", "rank"]
    want = nx.pagerank(nx_graph(karate, directed=False), alpha=0.85, tol=1e-12)
    for vid, r in zip(got["id"].to_pylist(), got["rank"].to_pylist()):
        assert r == pytest.approx(want[vid], rel=1e-9)


def test_pregel_components_with_active_flags_match_networkx(wiki_vote):
    import networkx as nx

    g = ember.GraphFrame(None, wiki_vote)
    p = (
        g.pregel.setMaxIter(1000)
        .withVertexColumn("comp", "id", "CASE WHEN msg < comp THEN msg ELSE comp END")
        .sendMsgToDst("src.comp")
        .sendMsgToSrc("dst.comp")
        .aggMsgs("min(msg)")
        .setInitialActiveVertexExpression("true")
        .setUpdateActiveVertexExpression("coalesce(msg < comp, false)")
        .setSkipMessagesFromNonActiveVertices(True)
        .setStopIfAllNonActiveVertices(True)
    )
    got = p.run()
    assert p.last_iterations < 1000
    comps = {}
    for vid, c in zip(got["id"].to_pylist(), got["comp"].to_pylist()):
        comps.setdefault(c, set()).add(vid)
    want = {frozenset(c) for c in nx.weakly_connected_components(nx_graph(wiki_vote))}
    assert {frozenset(c) for c in comps.values()} == want
    assert all(c == min(members) for c, members in comps.items())


def test_bad_expressions_raise_config_errors_naming_them():
    g = friends()
    base = lambda: g.pregel.withVertexColumn("x", "0", "coalesce(msg, x)").aggMsgs("sum(msg)")
    with pytest.raises(ember.ConfigError, match=r"there is no column src\.agee"):
        base().sendMsgToDst("src.agee").run()
    with pytest.raises(ember.ConfigError, match=r"SQL error at line 1, column 10: Expected: an expression"):
        base().sendMsgToDst("src.age +* 1").run()
    with pytest.raises(ember.ConfigError, match="text"):
        base().sendMsgToDst(42)
    with pytest.raises(ember.ConfigError, match=">= 1"):
        g.pregel.setMaxIter(0)
    with pytest.raises(ember.ConfigError, match="messages must be sent"):
        g.aggregateMessages("sum(msg)")


def test_k_core_matches_networkx(wiki_vote):
    import networkx as nx

    got = ember.GraphFrame(None, wiki_vote).k_core()
    assert got.schema.field("kcore").type == pa.int32()
    und = nx.Graph(nx_graph(wiki_vote))
    und.remove_edges_from(nx.selfloop_edges(und))
    want = nx.core_number(und)
    assert dict(zip(got["id"].to_pylist(), got["kcore"].to_pylist())) == want


def test_as_undirected_and_as_reversed_keep_attributes():
    g = friends()
    r = g.as_reversed()
    assert r.edges.column_names == g.edges.column_names
    assert r.edges["src"].to_pylist() == g.edges["dst"].to_pylist()
    assert r.edges["relationship"].to_pylist() == g.edges["relationship"].to_pylist()
    u = g.as_undirected()
    assert u.num_edges == 2 * g.num_edges
    pairs = set(zip(u.edges["src"].to_pylist(), u.edges["dst"].to_pylist()))
    assert ("b", "a") in pairs and ("a", "b") in pairs
    assert u.vertices.equals(g.vertices)


@pytest.mark.parametrize("seed", [1, 42])
def test_maximal_independent_set_is_independent_and_maximal(wiki_vote, seed):
    import networkx as nx

    t = ember.GraphFrame(None, wiki_vote).maximal_independent_set(seed=seed)
    assert t.column_names == ["id", "selected"]
    chosen = {v for v, s in zip(t["id"].to_pylist(), t["selected"].to_pylist()) if s}
    und = nx.Graph(nx_graph(wiki_vote))
    und.remove_edges_from(nx.selfloop_edges(und))
    assert not any(u in chosen and w in chosen for u, w in und.edges())
    assert all(v in chosen or any(u in chosen for u in und[v]) for v in und.nodes())
    again = ember.GraphFrame(None, wiki_vote).maximal_independent_set(seed=seed)
    assert again.equals(t)


def test_checkpointed_run_gives_the_same_result_and_cleans_up(tmp_path):
    g = friends()
    p = lambda: (
        g.pregel.setMaxIter(7)
        .setCheckpointInterval(2)
        .withVertexColumn("n", "CAST(0 AS BIGINT)", "coalesce(msg, 0) + n")
        .sendMsgToDst("src.age")
        .aggMsgs("sum(msg)")
    )
    plain = p().run()
    ck = p().run(checkpoint=str(tmp_path))
    assert ck.equals(plain)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ember.EmberIOError):
        p().run(checkpoint=str(tmp_path / "missing"))


def test_label_propagation_graphframes_variant():
    # 1 -> 2 -> 3 -> 1 and 4 -> 3: 4 receives nothing (None); labels travel along in-edges.
    g = ember.GraphFrame(None, pa.table({"src": [1, 2, 3, 4], "dst": [2, 3, 1, 3]}))
    t = g.labelPropagation(maxIter=1, algorithm="graphframes")
    assert t.column_names == ["id", "label"]
    # After one round: 1 <- 3, 2 <- 1, 3 <- {2, 4} tie -> 2, 4 <- nothing.
    assert t["label"].to_pylist() == [3, 1, 2, None]
    with pytest.raises(ember.ConfigError, match="graphx' or 'graphframes'"):
        g.labelPropagation(maxIter=1, algorithm="nope")
