//! The real app driven through egui_kittest by accessible labels.

use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use ember_notebook::app::NotebookApp;
use ember_notebook::model::{CellKind, Notebook};

fn app(dir: &std::path::Path) -> NotebookApp {
    let mut a = NotebookApp::new(Notebook::default(), None).unwrap();
    a.set_autosave_path(dir.join("untitled.ember.json"));
    a
}

fn harness(app: NotebookApp) -> Harness<'static, NotebookApp> {
    Harness::builder().with_size([1280.0, 1000.0]).build_eframe(move |_cc| app)
}

/// Steps frames until no cell runs (jobs run on worker threads).
fn settle(h: &mut Harness<'_, NotebookApp>) {
    let t = Instant::now();
    loop {
        h.step();
        if !h.state().busy() && h.state().commands.is_empty() {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(120), "a cell did not finish");
        std::thread::sleep(Duration::from_millis(5));
    }
    h.run_steps(4);
}

/// Adds a SQL cell and types `sql` into its editor.
fn add_sql_cell(h: &mut Harness<'_, NotebookApp>, sql: &str) {
    h.get_by_label("Add SQL cell").click();
    h.run_steps(2);
    let editor = h.get_by_role_and_label(Role::MultilineTextInput, "SQL");
    editor.focus();
    editor.type_text(sql);
    h.run_steps(2);
}

#[test]
fn sql_cell_type_run_and_see_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(app(dir.path()));
    add_sql_cell(
        &mut h,
        "SELECT column1 AS n, column2 AS word FROM (VALUES (7, 'seven'), (8, 'eight'), (9, 'nine')) ORDER BY n",
    );
    h.get_by_label("Run").click();
    settle(&mut h);
    h.get_by_label("3 rows");
    h.get_by_label("seven");
    h.get_by_label("7");
    // The result is registered under the cell's name and listed in the side panel.
    assert!(h.state().tables.iter().any(|t| t.name == "query" && t.rows == Some(3)));
    h.get_by_label_contains("query (3 rows)");
}

#[test]
fn counts_agree_with_their_nouns() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(app(dir.path()));
    add_sql_cell(&mut h, "SELECT 42 AS answer");
    h.get_by_label("Run").click();
    settle(&mut h);
    h.get_by_label("1 row");
    h.get_by_label_contains("query (1 row)");
    assert!(h.query_by_label("1 rows").is_none());
}

#[test]
fn sorting_runs_on_a_worker_and_edits_go_through_commands() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(app(dir.path()));
    add_sql_cell(&mut h, "SELECT column1 AS n FROM (VALUES (2), (3), (1))");
    // Typing edited the notebook through Command::Edit, applied by the app.
    let CellKind::Sql { sql } = &h.state().notebook.cells[0].kind else { unreachable!() };
    assert!(sql.ends_with("(VALUES (2), (3), (1))"), "{sql}");
    h.get_by_label("Run").click();
    settle(&mut h);
    let id = h.state().notebook.cells[0].id;
    h.get_by_label("n").click();
    // The click asked a worker for the order; frames go on meanwhile.
    let t = Instant::now();
    while h.state().cells.get(&id).and_then(|s| s.sort.as_ref()).is_none() {
        h.step();
        assert!(t.elapsed() < Duration::from_secs(30), "the sort never came back");
        std::thread::sleep(Duration::from_millis(5));
    }
    let st = &h.state().cells[&id];
    assert_eq!(st.sort.as_ref().map(|s| (s.0, s.1, s.2.clone())), Some((0, false, vec![2, 0, 1])));
    assert!(st.sorting.is_none());
    // A second click sorts descending.
    h.run_steps(2);
    h.get_by_label("n ⏶").click();
    let t = Instant::now();
    while h.state().cells[&id].sort.as_ref().is_some_and(|s| !s.1) {
        h.step();
        assert!(t.elapsed() < Duration::from_secs(30), "the sort never came back");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(h.state().cells[&id].sort.as_ref().map(|s| s.2.clone()), Some(vec![1, 0, 2]));
}

#[test]
fn ctrl_enter_runs_and_errors_show_positions() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(app(dir.path()));
    add_sql_cell(&mut h, "SELECT nope FROM (VALUES (1))");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    h.run_steps(2);
    settle(&mut h);
    h.get_by_label_contains("Error: SQL error at line 1, column 8: No field named nope");
    // The error's line is marked in the gutter (its token underlined in the editor) while the
    // text is the one that ran; an edit clears the mark.
    h.get_by_label_contains("▶ 1");
    let editor = h.get_by_role_and_label(Role::MultilineTextInput, "SQL");
    editor.focus();
    editor.type_text(" ");
    h.run_steps(2);
    assert!(h.query_by_label_contains("▶ 1").is_none());
}

#[test]
fn dataframe_pipeline_with_two_steps_shows_its_sql() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(app(dir.path()));
    h.get_by_label("Add DataFrame cell").click();
    h.run_steps(2);
    let sales = ember_path("graphs/sales_data.csv");
    h.get_by_label("file").click();
    h.run_steps(1);
    h.get_by_role_and_label(Role::TextInput, "source:").focus();
    h.get_by_role_and_label(Role::TextInput, "source:").type_text(&sales);
    h.get_by_label("filter").click();
    h.run_steps(2);
    h.get_by_role_and_label(Role::TextInput, "where").focus();
    h.get_by_role_and_label(Role::TextInput, "where").type_text("quantity > 1");
    h.get_by_label("limit").click();
    h.run_steps(3);
    h.get_by_label_contains("s1 AS (SELECT * FROM s0 WHERE quantity > 1)");
    h.get_by_label_contains("s2 AS (SELECT * FROM s1 LIMIT 10)");
    h.get_by_label("PySpark").click();
    h.run_steps(2);
    h.get_by_label_contains(".filter(\"quantity > 1\")");
    h.get_by_label("Run").click();
    settle(&mut h);
    h.get_by_label("7 rows");
}

fn ember_path(rel: &str) -> String {
    crate::repo().join(rel).display().to_string()
}

#[test]
fn graph_cell_pagerank_shows_table_and_supersteps() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(app(dir.path()));
    h.get_by_label("Add Graph cell").click();
    h.run_steps(2);
    h.get_by_label("file").click();
    h.run_steps(1);
    h.get_by_role_and_label(Role::TextInput, "path:").focus();
    h.get_by_role_and_label(Role::TextInput, "path:").type_text(&ember_path("graphs/karate.txt.gz"));
    h.get_by_label("directed").click();
    h.run_steps(1);
    h.get_by_label("Run").click();
    settle(&mut h);
    h.get_by_label("34 rows");
    h.get_by_label_contains("top 10 by pagerank");
    h.get_by_label("Supersteps").click();
    h.run_steps(2);
    h.get_by_label_contains("20 supersteps; last: 34 active vertices");
    h.get_by_label("Graph view").click();
    h.run_steps(2);
    h.get_by_label_contains("Showing all 34 vertices; coloured by pagerank");
    h.get_by_label("Plan").click();
    h.run_steps(2);
    h.get_by_label_contains("Kernel(pagerank): pull over the in-CSR");
    // The same cell on the Pregel engine: a partitioning step appears in the plan.
    h.get_by_label("engine").click();
    h.run_steps(2);
    h.get_by_label("pregel").click();
    h.run_steps(2);
    h.get_by_label("Run").click();
    settle(&mut h);
    h.get_by_label("Plan").click();
    h.run_steps(2);
    h.get_by_label_contains("Partition: strategy=dbh");
    h.get_by_label_contains("Pregel(pagerank)");
}

#[test]
fn cancel_a_long_job_from_the_ui() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path());
    a.apply(ember_notebook::app::Command::Add("Graph".into(), None));
    let CellKind::Graph { graph } = &mut a.notebook.cells[0].kind else { unreachable!() };
    graph.source = ember_notebook::model::GraphSource::File {
        path: crate::data().join("email-Enron.txt.gz").display().to_string(),
    };
    graph.set_param("iterations", "1000000");
    let mut h = harness(a);
    h.run_steps(2);
    h.get_by_label("Run").click();
    let t = Instant::now();
    loop {
        h.step();
        if h.state().runner.running.values().any(|r| r.progress.len() >= 2) {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(120), "the job never started");
        std::thread::sleep(Duration::from_millis(10));
    }
    h.get_by_label_contains("superstep ");
    h.get_by_label("Cancel").click();
    h.run_steps(3);
    assert!(!h.state().busy());
    h.get_by_label("Cancelled.");
    // Run again: while it runs, the last run's "Cancelled." is not its status.
    h.get_by_label("Run").click();
    h.run_steps(2);
    assert!(h.state().busy());
    assert!(h.query_by_label("Cancelled.").is_none());
    h.get_by_label("Cancel").click();
    h.run_steps(3);
    h.get_by_label("Cancelled.");
}

#[test]
fn save_reopen_and_corrupt_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("saved.ember.json");
    let mut h = harness(app(dir.path()));
    h.get_by_label("Add SQL cell").click();
    h.get_by_label("Add Markdown cell").click();
    h.run_steps(2);
    let editor = h.get_by_role_and_label(Role::MultilineTextInput, "SQL");
    editor.focus();
    editor.type_text("SELECT 42 AS answer");
    h.get_by_role_and_label(Role::TextInput, "File:").focus();
    h.get_by_role_and_label(Role::TextInput, "File:").type_text(&path.display().to_string());
    h.get_by_label("Save").click();
    h.run_steps(3);
    h.get_by_label_contains("saved ");
    let before = h.state().notebook.clone();
    drop(h);
    let reopened = NotebookApp::open(path.clone()).unwrap();
    assert_eq!(reopened.notebook, before);
    assert!(matches!(&reopened.notebook.cells[0].kind, CellKind::Sql { sql } if sql == "SELECT 42 AS answer"));
    // Opening ran nothing.
    assert!(!reopened.busy());
    let h = harness(reopened);
    drop(h);

    let bad = dir.path().join("corrupt.ember.json");
    std::fs::write(&bad, "{\"cells\": [ {\"id\": ").unwrap();
    let mut h = harness(NotebookApp::open(bad.clone()).unwrap());
    h.run_steps(2);
    h.get_by_label_contains("could not open");
    h.get_by_label_contains("not a valid notebook");
}

#[test]
fn demo_notebook_runs_and_matches_its_screenshot() {
    demo_snapshot([1280.0, 2600.0], "demo_notebook");
}

#[test]
fn demo_notebook_at_800x600() {
    // The smallest window the layout is meant for: the toolbar wraps, cell buttons stay in view.
    demo_snapshot([800.0, 600.0], "demo_notebook_800x600");
}

fn demo_snapshot(size: [f32; 2], name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut a = NotebookApp::demo().unwrap();
    a.set_autosave_path(dir.path().join("demo.ember.json"));
    a.show_timings = false;
    let mut h = Harness::builder().with_size(size).wgpu().build_eframe(move |_cc| a);
    h.run_steps(2);
    h.get_by_role_and_label(Role::Button, "Run all").click();
    settle(&mut h);
    for c in &h.state().notebook.cells {
        if let Some(Some(Err(e))) = h.state().cells.get(&c.id).map(|s| s.result.as_ref()) {
            panic!("cell {} failed: {e}", c.name);
        }
    }
    h.get_by_label_contains("ranked_members (10 rows)");
    if size[1] > 1000.0 {
        // The graph view says what its colours mean.
        h.get_by_label("colour and size: low");
    }
    // Let the graph layouts settle, then compare pixels.
    h.run_steps(40);
    h.snapshot(name);
}

#[test]
fn keyboard_shortcuts_and_unsaved_changes_on_quit() {
    use egui::{Key, Modifiers};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.ember.json");
    let mut h = harness(app(dir.path()));
    h.get_by_label("Add SQL cell").click();
    h.run_steps(3);
    assert!(h.state().is_dirty());
    // Ctrl+Q with unsaved changes asks first; Cancel stays.
    h.key_press_modifiers(Modifiers::COMMAND, Key::Q);
    h.run_steps(2);
    h.get_by_label("Unsaved changes");
    assert!(!h.state().quitting);
    h.get_by_label("Cancel").click();
    h.run_steps(2);
    assert!(h.query_by_label("Unsaved changes").is_none());
    // Ctrl+S saves to the path in the File field.
    h.get_by_role_and_label(Role::TextInput, "File:").focus();
    h.get_by_role_and_label(Role::TextInput, "File:").type_text(&path.display().to_string());
    h.run_steps(1);
    h.key_press_modifiers(Modifiers::COMMAND, Key::S);
    h.run_steps(3);
    assert!(path.exists());
    assert!(!h.state().is_dirty());
    // Ctrl+O reopens it; Ctrl+Q without unsaved changes quits at once.
    h.key_press_modifiers(Modifiers::COMMAND, Key::O);
    h.run_steps(3);
    assert!(h.state().status.starts_with("opened "), "{}", h.state().status);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Q);
    h.run_steps(2);
    assert!(h.state().quitting);
    assert!(h.query_by_label("Unsaved changes").is_none());
}

#[test]
fn charts_label_text_axes_and_superstep_plots_have_sane_bounds() {
    use ember_notebook::model::{CellView, ChartKind, GraphSource, Tab};
    let dir = tempfile::tempdir().unwrap();
    let mut nb = Notebook::default();
    nb.add(
        CellKind::Sql {
            sql: "SELECT * FROM (VALUES ('alice', 3), ('bob', 5), ('carol', 2)) AS t(member, score)".into(),
        },
        None,
    );
    nb.cells[0].view = CellView { tab: Tab::Chart, chart: ChartKind::Bar, x: "member".into(), y: "score".into() };
    // The graph comes from a table (no file path in the picture, so it is the same on every machine).
    nb.add(CellKind::Sql { sql: "SELECT * FROM (VALUES (1, 2), (2, 3), (3, 1), (3, 4)) AS t(src, dst)".into() }, None);
    nb.cells[1].name = "e".into();
    let mut graph = ember_notebook::model::GraphSpec {
        source: GraphSource::Tables { vertices: String::new(), edges: "e".into() },
        algorithm: "pagerank".into(),
        ..Default::default()
    };
    graph.set_param("iterations", "1");
    nb.add(CellKind::Graph { graph }, None);
    nb.cells[2].view = CellView { tab: Tab::Supersteps, ..CellView::default() };
    let mut a = NotebookApp::new(nb, None).unwrap();
    a.set_autosave_path(dir.path().join("charts.ember.json"));
    a.show_timings = false;
    let mut h = Harness::builder().with_size([1000.0, 1300.0]).wgpu().build_eframe(move |_cc| a);
    h.run_steps(2);
    h.get_by_role_and_label(Role::Button, "Run all").click();
    settle(&mut h);
    h.get_by_label_contains("1 superstep;");
    h.run_steps(5);
    // The bars are labelled alice, bob, carol (not 0, 1, 2); the superstep plot spans 0..1 on x
    // and counts on a log axis.
    h.snapshot("charts_and_supersteps");
}

#[test]
fn job_plans_read_as_trees() {
    use ember_notebook::model::{CellView, GraphSource, Tab};
    let dir = tempfile::tempdir().unwrap();
    let mut nb = Notebook::default();
    nb.add(CellKind::Sql { sql: "SELECT * FROM (VALUES (1, 2), (2, 3), (3, 1), (3, 4)) AS t(src, dst)".into() }, None);
    nb.cells[0].name = "e".into();
    let graph = ember_notebook::model::GraphSpec {
        source: GraphSource::Tables { vertices: String::new(), edges: "e".into() },
        algorithm: "wcc".into(),
        engine: "pregel".into(),
        partitions: 2,
        ..Default::default()
    };
    nb.add(CellKind::Graph { graph }, None);
    nb.cells[1].view = CellView { tab: Tab::Plan, ..CellView::default() };
    let mut a = NotebookApp::new(nb, None).unwrap();
    a.set_autosave_path(dir.path().join("plan.ember.json"));
    a.show_timings = false;
    let mut h = Harness::builder().with_size([1000.0, 900.0]).wgpu().build_eframe(move |_cc| a);
    h.run_steps(2);
    h.get_by_role_and_label(Role::Button, "Run all").click();
    settle(&mut h);
    h.run_steps(3);
    h.snapshot("job_plan");
}

#[test]
fn an_exported_ipynb_opens_as_the_notebook_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let ipynb = dir.path().join("demo.ipynb");
    let demo = ember_notebook::demo::notebook(dir.path());
    std::fs::write(&ipynb, ember_notebook::persist::to_ipynb(&demo)).unwrap();
    let mut h = harness(app(dir.path()));
    h.get_by_role_and_label(Role::TextInput, "File:").focus();
    h.get_by_role_and_label(Role::TextInput, "File:").type_text(&ipynb.display().to_string());
    h.get_by_label("Open").click();
    h.run_steps(3);
    let st = h.state();
    assert_eq!(st.notebook.cells.len(), demo.cells.len());
    assert_eq!(
        st.notebook.cells.iter().map(|c| &c.name).collect::<Vec<_>>(),
        demo.cells.iter().map(|c| &c.name).collect::<Vec<_>>()
    );
    // Save goes to an Ember notebook beside it, not over the .ipynb.
    assert!(st.path.is_none());
    assert_eq!(st.path_input, dir.path().join("demo.ember.json").display().to_string());
    assert!(st.status.starts_with("imported "), "{}", st.status);
    // Saving over the .ipynb is refused (it would hold Ember's JSON); the file is untouched.
    let before = std::fs::read_to_string(&ipynb).unwrap();
    h.state_mut().path_input = ipynb.display().to_string();
    h.get_by_label("Save").click();
    h.run_steps(3);
    assert!(h.state().status.contains("save as .ember.json"), "{}", h.state().status);
    assert_eq!(std::fs::read_to_string(&ipynb).unwrap(), before);
}

#[test]
fn a_small_window_keeps_the_toolbar_and_cell_buttons_in_view() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path());
    a.apply(ember_notebook::app::Command::Add("SQL".into(), None));
    let mut h = Harness::builder().with_size([640.0, 480.0]).build_eframe(move |_cc| a);
    h.run_steps(3);
    for label in ["Run all", "Save", "Open", "Export .ipynb", "Run"] {
        let r = h.get_by_label(label).rect();
        assert!(r.max.x <= 640.0 && r.max.y <= 480.0, "{label} at {r:?} is outside a 640x480 window");
    }
}

#[test]
fn graph_cell_runs_a_query_with_its_arguments_and_clauses() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path());
    a.apply(ember_notebook::app::Command::Add("Graph".into(), None));
    let CellKind::Graph { graph } = &mut a.notebook.cells[0].kind else { unreachable!() };
    graph.source = ember_notebook::model::GraphSource::File { path: ember_path("graphs/friends_edges.csv") };
    graph.algorithm = "all_paths".into();
    let mut h = harness(a);
    h.run_steps(2);
    // A query's own arguments replace the engine's settings.
    assert!(h.query_by_label("partitions").is_none() && h.query_by_label("directed").is_none());
    h.get_by_label_contains("every simple path");
    for (field, text) in [("from_expr:", "id = 'a'"), ("to_expr:", "id = 'c'")] {
        h.get_by_role_and_label(Role::TextInput, field).focus();
        h.get_by_role_and_label(Role::TextInput, field).type_text(text);
        h.run_steps(1);
    }
    h.get_by_label("Run").click();
    settle(&mut h);
    h.get_by_label("2 rows");
    // The statement it runs, to paste into a SQL cell; its plan as a SQL cell's.
    h.get_by_label_contains(
        "SQL: SELECT * FROM all_paths('graph_result_vertices', 'graph_result_edges', 'id = ''a''', 'id = ''c''')",
    );
    h.get_by_label("Plan").click();
    h.run_steps(2);
    h.get_by_label_contains("TableScan: all_paths()");
    h.get_by_label("Table").click();
    h.run_steps(2);
    // The same cell as aggregateMessages: its clauses, one argument per line.
    let CellKind::Graph { graph } = &mut h.state_mut().notebook.cells[0].kind else { unreachable!() };
    graph.algorithm = "aggregate_messages".into();
    h.run_steps(2);
    let clauses = h.get_by_role_and_label(
        Role::MultilineTextInput,
        "Clauses, one argument per line (a clause name, then its arguments):",
    );
    clauses.focus();
    clauses.type_text("sendToDst\n1\nagg\ncount(msg) AS n");
    h.run_steps(2);
    h.get_by_label("Run").click();
    settle(&mut h);
    h.get_by_label("6 rows");
    // A malformed expression is reported with its clause and position (DataFusion's parser
    // places an unexpected end at 1:1).
    let CellKind::Graph { graph } = &mut h.state_mut().notebook.cells[0].kind else { unreachable!() };
    graph.set_param("clauses", "sendToDst\n1 +\nagg\ncount(msg)");
    h.run_steps(2);
    h.get_by_label("Run").click();
    settle(&mut h);
    h.get_by_label_contains("aggregate_messages: sendMsgToDst expression '1 +': SQL error at line 1, column 1");
}

/// The SQL editor underlines the token at an error's position (pixels compared).
#[test]
fn sql_error_is_underlined() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path());
    a.show_timings = false;
    let mut h = Harness::builder().with_size([720.0, 300.0]).wgpu().build_eframe(move |_cc| a);
    add_sql_cell(&mut h, "SELECT 1 AS one;\nSELECT nope FROM (VALUES (1))");
    h.get_by_label("Run").click();
    settle(&mut h);
    h.get_by_label_contains("SQL error at line 2, column 8");
    h.snapshot("sql_error_underlined");
}

/// SQL cells complete table and column names: matches listed under the editor, Tab takes the
/// first, a click another.
#[test]
fn sql_cells_complete_tables_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness(app(dir.path()));
    add_sql_cell(&mut h, "SELECT 42 AS answer, 1 AS another");
    h.get_by_label("Run").click();
    settle(&mut h);
    h.get_by_label("Add SQL cell").click();
    h.run_steps(2);
    let editors = h.get_all_by_role_and_label(Role::MultilineTextInput, "SQL").count();
    assert_eq!(editors, 2);
    let second = h.get_all_by_role_and_label(Role::MultilineTextInput, "SQL").nth(1).unwrap();
    second.focus();
    second.type_text("SELECT an");
    h.run_steps(3);
    // Both columns are offered (buttons after the first cell's grid headers of the same
    // names); Tab takes the first (shortest).
    let offered = |h: &Harness<'_, NotebookApp>, name: &str| h.query_all_by_role_and_label(Role::Button, name).count();
    assert_eq!((offered(&h, "answer"), offered(&h, "another")), (2, 2));
    h.key_press(egui::Key::Tab);
    h.run_steps(2);
    let sql = |h: &Harness<'_, NotebookApp>| match &h.state().notebook.cells[1].kind {
        CellKind::Sql { sql } => sql.clone(),
        _ => unreachable!(),
    };
    assert_eq!(sql(&h), "SELECT answer");
    assert_eq!(offered(&h, "answer"), 1, "the list is gone once the word is whole");
    // Table names too; a click takes the one clicked.
    let second = h.get_all_by_role_and_label(Role::MultilineTextInput, "SQL").nth(1).unwrap();
    second.focus();
    second.type_text(" FROM qu");
    h.run_steps(3);
    let before = offered(&h, "query");
    h.get_all_by_role_and_label(Role::Button, "query").last().unwrap().click();
    h.run_steps(2);
    assert_eq!(sql(&h), "SELECT answer FROM query");
    assert_eq!(offered(&h, "query"), before - 1);
}

/// Wide outputs stay inside their cell: a 40-column result (its grid and its plans) leaves the
/// cell's buttons and the next cell's in view in a 900 px window.
#[test]
fn wide_outputs_scroll_inside_their_cell() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path());
    let cols: Vec<String> = (0..40).map(|i| format!("{i} * 1000000 AS a_rather_long_column_name_{i}")).collect();
    a.apply(ember_notebook::app::Command::Add("SQL".into(), None));
    a.apply(ember_notebook::app::Command::Add("SQL".into(), None));
    let CellKind::Sql { sql } = &mut a.notebook.cells[0].kind else { unreachable!() };
    *sql = format!("SELECT {} FROM (VALUES (1)) t(x) WHERE x > 0", cols.join(", "));
    let mut h = Harness::builder().with_size([900.0, 900.0]).build_eframe(move |_cc| a);
    h.run_steps(2);
    h.get_all_by_label("Run").next().unwrap().click();
    settle(&mut h);
    h.get_by_label("1 row");
    let in_view = |h: &Harness<'_, NotebookApp>| {
        for b in h.get_all_by_label("Run") {
            let r = b.rect();
            assert!(r.max.x <= 900.0, "a Run button at {r:?} is outside the 900 px window");
        }
    };
    in_view(&h);
    h.get_by_label("Plan").click();
    // The plan is made on a worker: wait for it rather than for a number of frames (three
    // frames were not always enough on a loaded machine).
    settle(&mut h);
    in_view(&h);
    for kind in ["Optimized", "Physical (with metrics)"] {
        h.get_by_label(kind).click();
        settle(&mut h);
        in_view(&h);
    }
}

/// At 4K the cells use the window's width: editors and outputs span it (minus the tables panel).
#[test]
fn a_4k_window_is_used_edge_to_edge() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = NotebookApp::demo().unwrap();
    a.set_autosave_path(dir.path().join("demo.ember.json"));
    let mut h = Harness::builder().with_size([3840.0, 2160.0]).build_eframe(move |_cc| a);
    h.run_steps(2);
    h.get_by_role_and_label(Role::Button, "Run all").click();
    settle(&mut h);
    let editors: Vec<egui::Rect> = h.get_all_by_role(Role::MultilineTextInput).map(|n| n.rect()).collect();
    assert!(!editors.is_empty());
    for r in editors {
        assert!(r.width() > 3000.0 && r.max.x <= 3840.0, "an editor at {r:?} does not span a 4K window");
    }
    for b in h.get_all_by_role_and_label(Role::Button, "Run") {
        assert!(b.rect().max.x > 3700.0 && b.rect().max.x <= 3840.0, "a Run button at {:?}", b.rect());
    }
}

/// The answer the test's stand-in for the desktop's file dialog gives.
static CHOSEN: std::sync::Mutex<Option<std::path::PathBuf>> = std::sync::Mutex::new(None);

fn stand_in_dialog(_: ember_notebook::dialogs::Ask, _: Option<std::path::PathBuf>) -> Option<std::path::PathBuf> {
    // A dialog takes its time; the frames go on meanwhile.
    std::thread::sleep(Duration::from_millis(150));
    CHOSEN.lock().unwrap().clone()
}

/// Open…, Save as… and the data file's … ask the file dialog on a thread, never blocking a
/// frame; its answer fills the field and does the action; without an answer (cancelled, or no
/// dialog on the desktop) the status says to type the path.
#[test]
fn file_dialogs_answer_off_the_frame() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = app(dir.path());
    a.dialog = stand_in_dialog;
    let mut h = harness(a);
    h.run_steps(2);
    let wait = |h: &mut Harness<'_, NotebookApp>| {
        // The click's command is applied by the next frame, which starts the dialog.
        h.run_steps(2);
        let t = Instant::now();
        while h.state().asking.is_some() {
            h.step();
            assert!(t.elapsed() < Duration::from_secs(10), "the dialog's answer never came");
            std::thread::sleep(Duration::from_millis(5));
        }
        h.run_steps(3);
    };
    // A data file becomes a table.
    *CHOSEN.lock().unwrap() = Some(crate::data().join("sales_data.csv"));
    h.get_by_label("…").click();
    h.run_steps(2);
    assert!(h.state().asking.is_some(), "the frame went on while the dialog was open");
    wait(&mut h);
    assert!(h.state().tables.iter().any(|t| t.name == "sales_data"), "{:?}", h.state().status);
    // Save as: the notebook is written where the dialog said.
    let target = dir.path().join("chosen.ember.json");
    *CHOSEN.lock().unwrap() = Some(target.clone());
    h.get_by_label("Save as…").click();
    wait(&mut h);
    assert!(target.is_file());
    assert_eq!(h.state().path_input, target.display().to_string());
    // Open: a saved notebook comes back.
    let other = dir.path().join("other.ember.json");
    let nb = Notebook { title: "from the dialog".into(), ..Notebook::default() };
    std::fs::write(&other, ember_notebook::persist::to_json(&nb)).unwrap();
    *CHOSEN.lock().unwrap() = Some(other.clone());
    h.get_by_label("Open…").click();
    wait(&mut h);
    assert_eq!(h.state().notebook.title, "from the dialog");
    // No answer: a hint, nothing else changes.
    *CHOSEN.lock().unwrap() = None;
    h.get_by_label("Open…").click();
    wait(&mut h);
    assert!(h.state().status.contains("type the path"), "{}", h.state().status);
    assert_eq!(h.state().notebook.title, "from the dialog");
}
