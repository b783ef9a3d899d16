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
