"""Bad input gives a clear exception of the right class, naming the column, file and line or
SQL position."""

import pyarrow as pa
import pytest

import ember


def test_missing_columns():
    with pytest.raises(ember.InputError, match="src") as e:
        ember.GraphFrame(None, pa.table({"from": [1], "dst": [2]}))
    assert isinstance(e.value, ValueError)
    with pytest.raises(ember.InputError, match="id"):
        ember.GraphFrame(pa.table({"name": ["a"]}), pa.table({"src": [1], "dst": [2]}))


def test_null_ids_and_unknown_endpoints():
    with pytest.raises(ember.InputError, match="edge table row 2") as e:
        ember.GraphFrame(None, pa.table({"src": [1, None], "dst": [2, 3]}))
    assert "null" in str(e.value)
    with pytest.raises(ember.InputError, match="edge table row 1.*not in the vertex table|vertex"):
        ember.GraphFrame(pa.table({"id": [1, 2]}), pa.table({"src": [1], "dst": [9]}))
    with pytest.raises(ember.InputError, match="vertex table row 2.*also row 1|repeated|duplicate"):
        ember.GraphFrame(pa.table({"id": [1, 1]}), pa.table({"src": [1], "dst": [1]}))


def test_wrong_types():
    with pytest.raises(ember.InputError, match="src"):
        ember.GraphFrame(None, pa.table({"src": [1.5], "dst": [2.5]}))
    with pytest.raises(ember.InputError, match="weight"):
        ember.GraphFrame(None, pa.table({"src": [1], "dst": [2], "weight": ["heavy"]}))
    with pytest.raises(TypeError, match="edges: expected a table"):
        ember.GraphFrame(None, 42)


def test_bad_parameters():
    g = ember.GraphFrame(None, pa.table({"src": [1, 2], "dst": [2, 3]}))
    with pytest.raises(ember.ConfigError, match="unknown algorithm 'nope'; known: pagerank"):
        g.run("nope")
    with pytest.raises(ember.ConfigError, match="damping must be a number in \\[0, 1\\]"):
        g.run("pagerank", damping=2)
    with pytest.raises(ember.ConfigError, match="unknown parameter 'iters'"):
        g.run("pagerank", iters=3)
    with pytest.raises(ember.ConfigError, match="unknown value 'warp'"):
        g.run("pagerank", engine="warp")
    with pytest.raises(ember.ConfigError, match="directed is a property of the graph"):
        g.run("wcc", directed=False)
    with pytest.raises(ember.InputError, match="source 99 is not in the graph"):
        g.run("bfs", source=99)
    with pytest.raises(ember.ConfigError, match="resetProbability"):
        g.pageRank(resetProbability=1.5, maxIter=3)


def test_file_errors_name_file_and_line(tmp_path):
    bad = tmp_path / "edges.txt"
    bad.write_text("1 2\n2 x\n")
    with pytest.raises(ember.InputError) as e:
        ember.GraphFrame.read(bad)
    assert e.value.path == str(bad) and e.value.line == 2
    assert str(e.value).startswith(f"{bad}:2:")
    with pytest.raises(ember.EmberIOError) as e:
        ember.GraphFrame.read(tmp_path / "missing.txt")
    assert isinstance(e.value, OSError) and "missing.txt" in str(e.value)


def test_sql_errors_have_positions():
    e = pa.table({"src": [1], "dst": [2]})
    with pytest.raises(ember.SqlError) as err:
        ember.sql("SELECT *\nFROM e WHERE nosuch > 1", e=e)
    assert (err.value.line, err.value.column) == (2, 14)
    assert "No field named nosuch" in str(err.value)
    with pytest.raises(ember.SqlError) as err:
        ember.sql("SELECT *\nFROM e\nWHERE src >> > 1", e=e)
    assert (err.value.line, err.value.column) == (3, 14)
    with pytest.raises(ember.SqlError, match="nope"):
        ember.sql("SELECT * FROM nope", e=e)
    with pytest.raises(ember.EmberError, match="pagerank"):
        ember.sql("SELECT * FROM pagerank('', 'e', 'damping=7')", e=e)
