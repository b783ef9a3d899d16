"""ember.sql and Session: tables from Arrow objects, DataFrames and files, Ember's graph table
functions, and the seeds' DataFrame pipeline next to DataFusion's own Python API."""

import pyarrow as pa
import pytest

import ember


def test_sql_over_arrow_and_files(graphs_dir):
    e = pa.table({"src": [1, 2, 3, 4], "dst": [2, 1, 4, 3]})
    r = ember.sql("SELECT component, count(*) AS n FROM wcc('', 'e') GROUP BY component ORDER BY component", e=e)
    assert r.to_pylist() == [{"component": 1, "n": 2}, {"component": 3, "n": 2}]
    sales = ember.sql(
        "SELECT product_id, sum(quantity * price) AS revenue FROM s GROUP BY product_id ORDER BY revenue DESC",
        s=graphs_dir / "sales_data.csv",
    )
    assert sales.column_names == ["product_id", "revenue"] and sales.num_rows > 0


def test_session_keeps_tables_and_takes_graphframes(karate):
    s = ember.Session()
    g = ember.GraphFrame(None, karate)
    s.register("k", g)
    assert s.tables() == ["k_edges", "k_vertices"]
    top = s.sql("SELECT id FROM pagerank('k_vertices', 'k_edges', 'directed=false') ORDER BY pagerank DESC LIMIT 2")
    assert top["id"].to_pylist() == [33, 0]


def test_seed_pipeline_matches_datafusion(graphs_dir, tmp_path):
    datafusion = pytest.importorskip("datafusion")
    from datafusion import col, functions as f

    ctx = datafusion.SessionContext()
    df = (
        ctx.read_csv(str(graphs_dir / "sales_data.csv"))
        .with_column("amount", col("quantity") * col("price"))
        .aggregate([col("product_id")], [f.sum(col("amount")).alias("revenue")])
        .sort(col("revenue").sort(ascending=False))
    )
    out = tmp_path / "revenue.parquet"
    df.write_parquet(str(out))
    ours = ember.sql(
        "SELECT product_id, sum(quantity * price) AS revenue FROM sales GROUP BY product_id ORDER BY revenue DESC",
        sales=graphs_dir / "sales_data.csv",
    )
    import pyarrow.parquet as pq

    assert pq.read_table(out).to_pylist() == ours.to_pylist()
    # A DataFusion DataFrame is accepted wherever a table is.
    assert ember.sql("SELECT count(*) AS n FROM t", t=df).to_pylist() == [{"n": ours.num_rows}]


def test_streamed_results(tmp_path):
    import pyarrow.parquet as pq

    n = 200_000
    t = pa.table({"x": list(range(n))})
    reader = ember.sql("SELECT x, x * 2 AS y FROM t WHERE x % 2 = 0", stream=True, t=t)
    assert isinstance(reader, pa.RecordBatchReader)
    out = tmp_path / "even.parquet"
    with pq.ParquetWriter(out, reader.schema) as w:
        rows = 0
        for batch in reader:
            w.write_batch(batch)
            rows += batch.num_rows
    assert rows == n // 2 and pq.read_table(out).num_rows == n // 2
    # Errors at execution time surface while reading.
    bad = ember.sql("SELECT CAST(s AS INT) FROM t", stream=True, t=pa.table({"s": ["1", "x"]}))
    with pytest.raises(Exception, match="Cannot cast|cast"):
        bad.read_all()


def test_graph_functions_inside_datafusion(karate):
    datafusion = pytest.importorskip("datafusion")
    import ember.datafusion

    ctx = datafusion.SessionContext()
    ember.datafusion.register(ctx)
    ctx.register_record_batches("k", [karate.to_batches()])
    top = ctx.sql(
        "SELECT id FROM pagerank('', 'k', 20, 'directed=false') ORDER BY pagerank DESC LIMIT 2"
    ).to_pandas()
    assert top["id"].tolist() == [33, 0]
    n = ctx.sql("SELECT count(DISTINCT component) AS n FROM wcc(NULL, 'k')").to_pandas()["n"][0]
    assert n == 1
    want = ember.sql("SELECT * FROM bfs('', 'k', 0) ORDER BY id", k=karate)
    got = ctx.sql("SELECT * FROM bfs('', 'k', 'source=0') ORDER BY id").to_arrow_table()
    assert got.to_pylist() == want.to_pylist()
    with pytest.raises(Exception, match="unknown parameter 'nope'"):
        ctx.sql("SELECT * FROM pagerank('', 'k', 'nope=1')").collect()


def test_module_docstring_examples():
    import doctest

    import ember as m

    failed, tried = doctest.testmod(m, extraglobs={"ember": m, "pa": pa}, verbose=False)
    assert tried >= 8 and failed == 0
    # Every GraphFrame method's example (run from the repository root, as run-tests does).
    failed, tried = doctest.testmod(m.graphframe, extraglobs={"ember": m, "pa": pa}, verbose=False)
    assert tried >= 30 and failed == 0
    failed, tried = doctest.testmod(m.lib, extraglobs={"ember": m, "pa": pa}, verbose=False)
    assert tried >= 2 and failed == 0


def test_scripts_run_every_statement():
    s = ember.Session()
    s.register("t", pa.table({"x": [1, 2, 3]}))
    r = s.sql("CREATE VIEW big AS SELECT x FROM t WHERE x > 1;\nSELECT sum(x) AS total FROM big")
    assert r.to_pylist() == [{"total": 5}]
    assert "big" in s.tables()
    with pytest.raises(ember.SqlError) as e:
        s.sql("SELECT 1;\nSELECT nosuch FROM t")
    assert e.value.line == 2
