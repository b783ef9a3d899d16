//! The runner and model without egui.

use std::time::Duration;

use ember_notebook::model::{Cell, CellKind, CellView, GraphSource, GraphSpec, Notebook, Pipeline, Source, Step};
use ember_notebook::runner::{CellError, Event, Runner};

fn cell(id: u64, name: &str, kind: CellKind) -> Cell {
    Cell { id, name: name.into(), kind, view: CellView::default(), output: None }
}

fn finished(events: &[Event], id: u64) -> Result<&ember_notebook::runner::CellResult, String> {
    events
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::Finished { cell, result, .. } if *cell == id => {
                Some(result.as_ref().map(|b| b.as_ref()).map_err(|e| e.to_string()))
            }
            _ => None,
        })
        .unwrap_or_else(|| Err("no Finished event".into()))
}

#[test]
fn cells_run_in_order_and_register_their_results() {
    let mut r = Runner::new().unwrap();
    let sales = crate::repo().join("graphs/sales_data.csv").display().to_string();
    let df = cell(
        1,
        "totals",
        CellKind::DataFrame {
            pipeline: Pipeline {
                source: Source::File(sales),
                steps: vec![
                    Step::WithColumn { name: "total".into(), expr: "quantity * price".into() },
                    Step::GroupBy { keys: "product_id".into(), aggregates: "sum(total) AS total".into() },
                ],
            },
        },
    );
    r.run(&df);
    let ev = r.wait(Duration::from_secs(60));
    let res = finished(&ev, 1).unwrap();
    assert_eq!(res.rows, 5);
    assert!(res.plans.as_ref().unwrap().physical.walk().iter().any(|n| n.name == "AggregateExec"));
    // A later SQL cell reads the DataFrame cell's result by name.
    r.run(&cell(2, "best", CellKind::Sql { sql: "SELECT product_id FROM totals ORDER BY total DESC LIMIT 1".into() }));
    let ev = r.wait(Duration::from_secs(60));
    let res = finished(&ev, 2).unwrap();
    let v =
        ember::datafusion::arrow::util::display::array_value_to_string(res.batches[0].column(0).as_ref(), 0).unwrap();
    assert_eq!(v, "104");
    assert!(
        ev.iter().any(|e| matches!(e, Event::Tables(t) if t.iter().any(|t| t.name == "best" && t.rows == Some(1))))
    );
}

#[test]
fn graph_cell_reports_supersteps_plan_and_sample() {
    let mut r = Runner::new().unwrap();
    let g = GraphSpec {
        source: GraphSource::File { path: crate::repo().join("graphs/karate.txt.gz").display().to_string() },
        directed: false,
        algorithm: "pagerank".into(),
        params: [("iterations".to_string(), "15".to_string())].into(),
        ..GraphSpec::default()
    };
    r.run(&cell(7, "pr", CellKind::Graph { graph: g }));
    let ev = r.wait(Duration::from_secs(60));
    let res = finished(&ev, 7).unwrap();
    assert_eq!(res.rows, 34);
    assert_eq!(res.supersteps.len(), 15);
    let progress = ev.iter().filter(|e| matches!(e, Event::Progress { cell: 7, .. })).count();
    assert_eq!(progress, 15);
    let names: Vec<&str> = res.job.as_ref().unwrap().walk().iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, vec!["Output", "Kernel(pagerank)", "CSR", "Dictionary", "Load"]);
    let s = res.sample.as_ref().unwrap();
    assert_eq!((s.labels.len(), s.edges.len(), s.categorical), (34, 78, false));
    // The graph's tables are registered for later cells.
    r.run(&cell(8, "n", CellKind::Sql { sql: "SELECT count(*) FROM pr_edges".into() }));
    let ev = r.wait(Duration::from_secs(60));
    assert_eq!(finished(&ev, 8).unwrap().rows, 1);
}

#[test]
fn errors_come_back_in_words() {
    let mut r = Runner::new().unwrap();
    r.run(&cell(1, "q", CellKind::Sql { sql: "SELECT 1;\nSELEC x".into() }));
    let ev = r.wait(Duration::from_secs(30));
    assert_eq!(
        finished(&ev, 1).unwrap_err(),
        "SQL error at line 2, column 1: Expected: an SQL statement, found: SELEC"
    );
    // Typed, with the position.
    let typed = ev.iter().find_map(|e| match e {
        Event::Finished { cell: 1, result: Err(e), .. } => Some(e.clone()),
        _ => None,
    });
    assert_eq!(typed.as_ref().and_then(CellError::sql_position), Some((2, 1)));
    r.run(&cell(2, "g", CellKind::Graph { graph: GraphSpec { algorithm: "bfs".into(), ..GraphSpec::default() } }));
    let ev = r.wait(Duration::from_secs(30));
    assert_eq!(finished(&ev, 2).unwrap_err(), "invalid configuration: bfs: parameter 'source' is required");
    assert!(ev.iter().any(|e| matches!(e, Event::Finished { cell: 2, result: Err(CellError::Setup(_)), .. })));
    // A malformed file names the file and line.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "1 2\n2 x\n").unwrap();
    let g = GraphSpec { source: GraphSource::File { path: bad.display().to_string() }, ..GraphSpec::default() };
    r.run(&cell(3, "g", CellKind::Graph { graph: g }));
    let ev = r.wait(Duration::from_secs(30));
    let e = ev.iter().find_map(|e| match e {
        Event::Finished { cell: 3, result: Err(e), .. } => Some(e.clone()),
        _ => None,
    });
    assert!(matches!(&e, Some(CellError::Parse { path, line: 2, .. }) if *path == bad), "{e:?}");
}

#[test]
fn cancel_stops_a_long_graph_job() {
    let path = crate::data().join("email-Enron.txt.gz");
    let mut r = Runner::new().unwrap();
    let g = GraphSpec {
        source: GraphSource::File { path: path.display().to_string() },
        algorithm: "pagerank".into(),
        params: [("iterations".to_string(), "1000000".to_string())].into(),
        ..GraphSpec::default()
    };
    r.run(&cell(3, "long", CellKind::Graph { graph: g }));
    // Wait for the first supersteps, then cancel.
    let t = std::time::Instant::now();
    while r.running.get(&3).is_none_or(|x| x.progress.len() < 2) {
        r.poll();
        assert!(t.elapsed() < Duration::from_secs(120), "the job never started");
        std::thread::sleep(Duration::from_millis(10));
    }
    r.cancel(3);
    assert!(!r.is_running(3));
    let ev = r.wait(Duration::from_secs(5));
    assert_eq!(finished(&ev, 3).unwrap_err(), "cancelled");
    let _ = Notebook::default();
}

#[test]
fn rerunning_a_running_cell_reports_the_new_run_only() {
    let mut r = Runner::new().unwrap();
    let long = GraphSpec {
        source: GraphSource::File { path: crate::data().join("email-Enron.txt.gz").display().to_string() },
        algorithm: "pagerank".into(),
        params: [("iterations".to_string(), "1000000".to_string())].into(),
        ..GraphSpec::default()
    };
    r.run(&cell(5, "g", CellKind::Graph { graph: long }));
    let short = GraphSpec {
        source: GraphSource::File { path: crate::repo().join("graphs/karate.txt.gz").display().to_string() },
        algorithm: "wcc".into(),
        ..GraphSpec::default()
    };
    r.run(&cell(5, "g", CellKind::Graph { graph: short }));
    assert!(r.is_running(5));
    let ev = r.wait(Duration::from_secs(60));
    let finished: Vec<_> = ev.iter().filter(|e| matches!(e, Event::Finished { cell: 5, .. })).collect();
    assert_eq!(finished.len(), 1, "{ev:?}");
    assert_eq!(finished_result_rows(finished[0]), Some(34));
}

fn finished_result_rows(e: &Event) -> Option<usize> {
    match e {
        Event::Finished { result: Ok(r), .. } => Some(r.rows),
        _ => None,
    }
}

/// Every value of a result column as text.
fn column_text(res: &ember_notebook::runner::CellResult, col: usize) -> Vec<String> {
    let mut out = Vec::new();
    for b in &res.batches {
        for i in 0..b.num_rows() {
            out.push(
                ember::datafusion::arrow::util::display::array_value_to_string(b.column(col).as_ref(), i).unwrap(),
            );
        }
    }
    out
}

#[test]
fn dataframe_steps_mean_what_they_say_and_their_sql_runs() {
    let mut r = Runner::new().unwrap();
    let sales = crate::repo().join("graphs/sales_data.csv").display().to_string();
    r.run(&cell(
        1,
        "names",
        CellKind::Sql {
            sql: "CREATE VIEW names AS SELECT * FROM (VALUES (101, 'mug'), (102, 'pen'), (104, 'lamp')) \
                  AS t(product_id, label); SELECT * FROM names"
                .into(),
        },
    ));
    finished(&r.wait(Duration::from_secs(60)), 1).unwrap();
    let pipeline =
        |steps: Vec<Step>| CellKind::DataFrame { pipeline: Pipeline { source: Source::File(sales.clone()), steps } };
    // One step of each kind; the sort comes before a select, a with-column and a limit.
    let steps = vec![
        Step::Filter { condition: "quantity > 1".into() },
        Step::WithColumn { name: "amount".into(), expr: "quantity * price".into() },
        Step::GroupBy { keys: "product_id".into(), aggregates: "sum(amount) AS revenue, count(*) AS n".into() },
        Step::Join { table: "names".into(), on: "product_id".into(), how: "left".into() },
        Step::Sort { by: "revenue".into(), descending: true },
        Step::Select { columns: "product_id, label, revenue".into() },
        Step::WithColumn { name: "rounded".into(), expr: "round(revenue)".into() },
        Step::Limit { n: 3 },
    ];
    r.run(&cell(2, "top", pipeline(steps)));
    let ev = r.wait(Duration::from_secs(60));
    let res = finished(&ev, 2).unwrap();
    // quantity > 1: 101 3x19.99+2x19.99 = 99.95, 104 2x239 = 478, 102 4x5.49 = 21.96,
    // 103 10x0.99+5x0.99 = 14.85, 105 2x12 = 24.
    assert_eq!(column_text(res, 0), ["104", "101", "105"]);
    assert_eq!(column_text(res, 1), ["lamp", "mug", ""]);
    assert_eq!(
        res.schema.fields().iter().map(|f| f.name().as_str()).collect::<Vec<_>>(),
        ["product_id", "label", "revenue", "rounded"]
    );
    // The SQL shown is DataFusion's rendering of the plan, and it runs to the same rows.
    let sql = res.sql.clone().unwrap();
    assert!(sql.contains("ORDER BY"), "{sql}");
    r.run(&cell(3, "again", CellKind::Sql { sql: sql.clone() }));
    let again = r.wait(Duration::from_secs(60));
    let again = finished(&again, 3).unwrap_or_else(|e| panic!("{e}\n{sql}"));
    assert_eq!(column_text(again, 0), ["104", "101", "105"]);
    // Ascending, and a sort as the last step.
    let steps = vec![
        Step::WithColumn { name: "amount".into(), expr: "quantity * price".into() },
        Step::Sort { by: "amount".into(), descending: false },
    ];
    r.run(&cell(4, "asc", pipeline(steps)));
    let ev = r.wait(Duration::from_secs(60));
    let amounts: Vec<f64> = column_text(finished(&ev, 4).unwrap(), 3).iter().map(|s| s.parse().unwrap()).collect();
    assert!(amounts.windows(2).all(|w| w[0] <= w[1]), "{amounts:?}");
    // A bad expression names its step.
    r.run(&cell(5, "bad", pipeline(vec![Step::Filter { condition: "nosuch > 1".into() }])));
    let ev = r.wait(Duration::from_secs(60));
    let e = finished(&ev, 5).unwrap_err();
    assert!(e.contains("step 1 (filter)") && e.contains("nosuch"), "{e}");
}

#[test]
fn a_cancelled_run_leaves_the_previous_tables_as_they_were() {
    let mut r = Runner::new().unwrap();
    let karate = GraphSpec {
        source: GraphSource::File { path: crate::repo().join("graphs/karate.txt.gz").display().to_string() },
        algorithm: "wcc".into(),
        ..GraphSpec::default()
    };
    r.run(&cell(1, "g", CellKind::Graph { graph: karate }));
    finished(&r.wait(Duration::from_secs(60)), 1).unwrap();
    let counts = |r: &mut Runner| -> Vec<String> {
        r.run(&cell(
            2,
            "counts",
            CellKind::Sql {
                sql: "SELECT (SELECT count(*) FROM g) AS r, (SELECT count(*) FROM g_vertices) AS v, \
                      (SELECT count(*) FROM g_edges) AS e"
                    .into(),
            },
        ));
        let ev = r.wait(Duration::from_secs(60));
        let res = finished(&ev, 2).unwrap();
        (0..3).map(|c| column_text(res, c)[0].clone()).collect()
    };
    assert_eq!(counts(&mut r), ["34", "34", "78"]);
    // The same cell on a larger graph, cancelled after it has read the graph and started.
    let long = GraphSpec {
        source: GraphSource::File { path: crate::data().join("email-Enron.txt.gz").display().to_string() },
        algorithm: "pagerank".into(),
        params: [("iterations".to_string(), "1000000".to_string())].into(),
        ..GraphSpec::default()
    };
    r.run(&cell(1, "g", CellKind::Graph { graph: long }));
    let t = std::time::Instant::now();
    while r.running.get(&1).is_none_or(|x| x.progress.is_empty()) {
        r.poll();
        assert!(t.elapsed() < Duration::from_secs(120), "the job never started");
        std::thread::sleep(Duration::from_millis(10));
    }
    r.cancel(1);
    let ev = r.wait(Duration::from_secs(5));
    assert_eq!(finished(&ev, 1).unwrap_err(), "cancelled");
    assert_eq!(counts(&mut r), ["34", "34", "78"]);
}

/// A graph cell set to one of the registry's queries.
fn query(source: GraphSource, name: &str, params: &[(&str, &str)]) -> CellKind {
    let params = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    CellKind::Graph { graph: GraphSpec { source, algorithm: name.into(), params, ..GraphSpec::default() } }
}

#[test]
fn graph_cells_run_every_query_of_the_registry() {
    let mut r = Runner::new().unwrap();
    let csv = |f: &str| crate::data().join(f).display().to_string();
    let setup = format!(
        "CREATE EXTERNAL TABLE fv STORED AS CSV LOCATION '{}' OPTIONS ('format.has_header' 'true');
         CREATE EXTERNAL TABLE fe STORED AS CSV LOCATION '{}' OPTIONS ('format.has_header' 'true');
         SELECT count(*) FROM fe",
        csv("friends_vertices.csv"),
        csv("friends_edges.csv")
    );
    r.run(&cell(1, "setup", CellKind::Sql { sql: setup }));
    finished(&r.wait(Duration::from_secs(60)), 1).unwrap();
    let tables = || GraphSource::Tables { vertices: "fv".into(), edges: "fe".into() };
    // Every query the registry lists runs from a graph cell.
    // (query, its arguments, rows expected)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, usize);
    let cases: Vec<Case> = vec![
        ("motifs", vec![("pattern", "(a)-[e]->(b); (b)-[e2]->(a)")], 2),
        ("triplets", vec![], 8),
        ("bfs_paths", vec![("from_expr", "name = 'Esther'"), ("to_expr", "age < 32")], 1),
        ("all_paths", vec![("from_expr", "id = 'a'"), ("to_expr", "id = 'c'"), ("is_directed", "false")], 3),
        ("detecting_cycles", vec![("max_length", "2")], 2),
        ("hyper_anf", vec![("n_hops", "2")], 6),
        (
            "pregel",
            vec![(
                "clauses",
                "withVertexColumn\nn\n0\nn + coalesce(msg, 0)\nsendMsgToDst\n1\naggMsgs\nsum(msg)\nsetMaxIter\n2",
            )],
            7,
        ),
        ("aggregate_messages", vec![("clauses", "sendToDst\nsrc.age\nagg\nsum(msg) AS total")], 6),
    ];
    let names: Vec<&str> = cases.iter().map(|c| c.0).collect();
    assert_eq!(names, ember::registry::QUERIES.iter().map(|q| q.name).collect::<Vec<_>>());
    for (i, (name, params, rows)) in cases.iter().enumerate() {
        let id = 10 + i as u64;
        r.run(&cell(id, "q", query(tables(), name, params)));
        let ev = r.wait(Duration::from_secs(60));
        let res = finished(&ev, id).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(res.rows, *rows, "{name}");
        // The SQL shown is what a SQL cell would run.
        assert!(res.sql.as_deref().unwrap().starts_with(&format!("SELECT * FROM {name}('fv', 'fe'")), "{name}");
    }
    // The last result is registered under the cell's name.
    r.run(&cell(30, "check", CellKind::Sql { sql: "SELECT total FROM q WHERE id = 'b'".into() }));
    let ev = r.wait(Duration::from_secs(60));
    // b hears from a (34) and c (30).
    assert_eq!(column_text(finished(&ev, 30).unwrap(), 0), ["64"]);
}

#[test]
fn query_cells_give_positioned_errors_and_leave_tables_on_failure() {
    let mut r = Runner::new().unwrap();
    let gnutella = GraphSource::File { path: crate::data().join("p2p-Gnutella05.txt.gz").display().to_string() };
    let err = |r: &mut Runner, id: u64, kind: CellKind| -> String {
        r.run(&cell(id, "g", kind));
        finished(&r.wait(Duration::from_secs(60)), id).unwrap_err()
    };
    let e = err(&mut r, 1, query(gnutella.clone(), "motifs", &[("pattern", "(a)-[e]->(b); (b)-[e2]->")]));
    assert!(e.contains("motifs:") && e.contains("column"), "{e}");
    let e = err(&mut r, 2, query(gnutella.clone(), "all_paths", &[("from_expr", "idd = 1"), ("to_expr", "id = 2")]));
    assert!(e.contains("all_paths: from_expr 'idd = 1', at column 1") && e.contains("idd"), "{e}");
    let e = err(&mut r, 3, query(gnutella.clone(), "pregel", &[("clauses", "withVertexColumn\nx")]));
    assert!(e.contains("pregel:") && e.contains("withVertexColumn"), "{e}");
    // Nothing of the failed runs is left: no g_vertices.
    assert!(err(&mut r, 4, CellKind::Sql { sql: "SELECT * FROM g_vertices".into() }).contains("g_vertices"));
    // A query over a file registers the file's tables with the result.
    r.run(&cell(5, "g", query(gnutella, "detecting_cycles", &[("max_length", "3")])));
    // igraph's simple_cycles(max=3) on this graph: 34 triangles, so 3 * 34 rows.
    assert_eq!(finished(&r.wait(Duration::from_secs(60)), 5).unwrap().rows, 102);
    r.run(&cell(6, "n", CellKind::Sql { sql: "SELECT count(*) FROM g_edges".into() }));
    let ev = r.wait(Duration::from_secs(60));
    assert_eq!(column_text(finished(&ev, 6).unwrap(), 0), ["31839"]);
}

#[test]
fn graph_cells_run_graphframes_algorithms() {
    let mut r = Runner::new().unwrap();
    let karate = || GraphSource::File { path: crate::data().join("karate.txt.gz").display().to_string() };
    // (algorithm, result column, a check on its values): karate's degeneracy is 4 (networkx).
    type Check = fn(&[String]) -> bool;
    let cases: [(&str, &str, Check); 3] = [
        ("kcore", "kcore", |v| v.iter().map(|x| x.parse::<i64>().unwrap()).max() == Some(4)),
        ("mis", "selected", |v| v.iter().any(|x| x == "true") && v.iter().any(|x| x == "false")),
        ("lpa", "label", |v| v.iter().all(|x| !x.is_empty())),
    ];
    for (i, (name, column, check)) in cases.iter().enumerate() {
        let id = 40 + i as u64;
        let g = GraphSpec { source: karate(), directed: false, algorithm: name.to_string(), ..GraphSpec::default() };
        r.run(&cell(id, name, CellKind::Graph { graph: g }));
        let ev = r.wait(Duration::from_secs(60));
        let res = finished(&ev, id).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(res.rows, 34, "{name}");
        assert_eq!(res.schema.field(1).name(), column);
        assert!(check(&column_text(res, 1)), "{name}: {:?}", column_text(res, 1));
    }
}

/// A large graph's sample shows every top vertex with its neighbours (taken in turns, the most
/// important first), not only the neighbours of the top vertices listed first in the edges; and
/// the layout keeps every vertex off the border.
#[test]
fn large_graph_samples_share_room_between_the_top_vertices() {
    use ember::datafusion::arrow::array::{Float64Array, Int64Array, RecordBatch};
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stars.txt");
    // Two stars of 100 leaves, hub 1000's edges first in the file; two leaves joined to nothing
    // else in the sample.
    let mut text = String::new();
    for leaf in 0..100 {
        text.push_str(&format!("1000 {leaf}\n"));
    }
    for leaf in 100..200 {
        text.push_str(&format!("2000 {leaf}\n"));
    }
    std::fs::write(&path, text).unwrap();
    let g = ember::load::load(&ember::load::LoadSpec::new(&path)).unwrap();
    let n = g.num_vertices();
    let hub = |i: u32| g.ids().display(i) == "1000" || g.ids().display(i) == "2000";
    let values: Vec<f64> = (0..n as u32).map(|i| if hub(i) { 1.0 } else { 0.0 }).collect();
    let table = RecordBatch::try_from_iter([
        ("id", Arc::new(Int64Array::from_iter_values(0..n as i64)) as _),
        ("value", Arc::new(Float64Array::from(values)) as _),
    ])
    .unwrap();
    let s = ember_notebook::runner::sample(&g, &table, 40, false).unwrap();
    assert_eq!(s.labels.len(), 40);
    let at = |id: &str| s.labels.iter().position(|l| l == id).unwrap() as u32;
    let (a, b) = (at("1000"), at("2000"));
    let around = |h: u32| s.edges.iter().filter(|e| e.0 == h || e.1 == h).count();
    assert!(around(a) >= 15 && around(b) >= 15, "{} and {} neighbours", around(a), around(b));
    // No vertex pushed against the border of the square (the layout clamps at 0.02 and 0.98).
    assert!(s.positions.iter().all(|p| p.iter().all(|&c| c > 0.021 && c < 0.979)), "{:?}", s.positions);
}
