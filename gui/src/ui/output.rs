//! A cell's output, in tabs: Table (virtualized, sortable grid), Plan (trees with metrics),
//! Chart (bar, line, scatter), Graph (a drawing of a sample), Supersteps (live plot). Errors
//! show in the cell in words.

use egui::{Color32, RichText, Ui};
use egui_extras::{Column, TableBuilder};
use egui_plot::{Bar, BarChart, Legend, Line, Plot, PlotPoints, Points};
use ember::datafusion::arrow::array::{Array, Float64Array, RecordBatch};
use ember::datafusion::arrow::compute::cast;
use ember::datafusion::arrow::datatypes::DataType;
use ember::datafusion::arrow::util::display::array_value_to_string;
use ember::sql::plan::PlanNode;

use crate::app::{Command, NotebookApp};
use crate::model::{CellKind, ChartKind, Tab};
use crate::runner::CellError;

/// "1 row", "2 rows": a count with its noun.
pub fn count(n: u64, noun: &str) -> String {
    match (n, noun) {
        (1, _) => format!("1 {noun}"),
        (_, "active vertex") => format!("{n} active vertices"),
        _ => format!("{n} {noun}s"),
    }
}

pub fn output_ui(app: &mut NotebookApp, ui: &mut Ui, id: u64) {
    let is_graph = app.is_graph(id);
    let live = app.runner.running.get(&id).map(|r| r.progress.clone());
    let saved = app.notebook.cell(id).and_then(|c| c.output.clone());
    let Some(cell) = app.notebook.cell(id) else { return };
    if matches!(cell.kind, CellKind::Markdown { .. }) {
        return;
    }
    let has_result = app.cells.get(&id).is_some_and(|s| s.result.is_some());
    if !has_result && live.is_none() {
        if let Some(o) = saved {
            ui.label(
                RichText::new(format!("last saved result ({}; run the cell to refresh):", count(o.total_rows, "row")))
                    .small()
                    .weak(),
            );
            egui::Grid::new(("saved", id)).striped(true).show(ui, |ui| {
                for c in &o.columns {
                    ui.label(RichText::new(c).strong());
                }
                ui.end_row();
                for r in o.rows.iter().take(10) {
                    for v in r {
                        ui.label(v);
                    }
                    ui.end_row();
                }
            });
        }
        return;
    }
    // While the cell runs again, the last run's error or row count is not its status.
    if live.is_some() && !app.cells.get(&id).is_some_and(|s| matches!(s.result, Some(Ok(_)))) {
        return;
    }
    if let Some(Some(Err(e))) = app.cells.get(&id).map(|s| s.result.as_ref()) {
        let msg = if matches!(e, CellError::Cancelled) { "Cancelled.".to_string() } else { format!("Error: {e}") };
        ui.colored_label(Color32::from_rgb(210, 60, 60), msg);
        return;
    }
    let view = app.notebook.cell(id).map(|c| c.view.clone()).unwrap_or_default();
    let mut tab = view.tab;
    ui.horizontal(|ui| {
        let mut tabs = vec![(Tab::Table, "Table"), (Tab::Plan, "Plan"), (Tab::Chart, "Chart")];
        if is_graph {
            tabs.push((Tab::Graph, "Graph view"));
            tabs.push((Tab::Supersteps, "Supersteps"));
        }
        for (t, label) in tabs {
            ui.selectable_value(&mut tab, t, label);
        }
        if let (None, Some(Some(Ok(r)))) = (&live, app.cells.get(&id).map(|s| s.result.as_ref())) {
            let t = if app.show_timings { format!(" in {:.3} s", r.elapsed.as_secs_f64()) } else { String::new() };
            ui.label(RichText::new(format!("{}{t}", count(r.rows as u64, "row"))).weak());
        }
    });
    if tab != view.tab {
        app.commands.push(Command::SetView(id, crate::model::CellView { tab, ..view }));
    }
    if live.is_some() && tab != Tab::Supersteps {
        if is_graph {
            ui.label(RichText::new("running: see the Supersteps tab for live progress").weak());
        }
        return;
    }
    // Wide grids and long plan lines scroll inside the cell instead of widening the page.
    let wide = |ui: &mut Ui, salt: &str, add: &mut dyn FnMut(&mut Ui)| {
        egui::ScrollArea::horizontal().id_salt((salt, id)).auto_shrink([false, true]).show(ui, |ui| add(ui));
    };
    match tab {
        Tab::Table => wide(ui, "table", &mut |ui| table_ui(app, ui, id)),
        Tab::Plan => wide(ui, "plan", &mut |ui| plan_ui(app, ui, id)),
        Tab::Chart => chart_ui(app, ui, id),
        Tab::Graph => super::graph_view::graph_ui(app, ui, id),
        Tab::Supersteps => supersteps_ui(app, ui, id, live),
    }
}

fn table_ui(app: &mut NotebookApp, ui: &mut Ui, id: u64) {
    let Some(st) = app.cells.get(&id) else { return };
    let Some(t) = st.table.clone() else {
        ui.label(RichText::new("no rows").weak());
        return;
    };
    if let Some(Ok(r)) = st.result.as_ref() {
        for l in &r.summary {
            ui.label(RichText::new(l).monospace().small());
        }
    }
    // Borrowed, not cloned: the permutation has one entry per row.
    let order: Option<&[u32]> = st.sort.as_ref().map(|s| s.2.as_slice());
    let sort_state = st.sort.as_ref().map(|s| (s.0, s.1));
    let n = t.num_rows();
    let mut copy = false;
    ui.horizontal(|ui| {
        ui.label(count(n as u64, "row"));
        copy = ui.small_button("Copy as CSV").clicked();
        if st.sorting.is_some() {
            ui.spinner();
            ui.label(RichText::new("sorting…").weak());
        }
    });
    if copy {
        // Formatting every row is slow for large results: a worker does it.
        app.runner.copy_csv(t.clone(), st.sort.as_ref().map(|s| s.2.clone()));
    }
    let schema = t.schema();
    let mut clicked: Option<usize> = None;
    ui.push_id(("grid", id), |ui| {
        let mut tb =
            TableBuilder::new(ui).striped(true).resizable(true).max_scroll_height(320.0).id_salt(("table", id));
        for _ in 0..t.num_columns() {
            tb = tb.column(Column::auto().at_least(60.0).clip(true));
        }
        tb.header(34.0, |mut h| {
            for (i, f) in schema.fields().iter().enumerate() {
                h.col(|ui| {
                    let arrow = match sort_state {
                        Some((c, true)) if c == i => " ⏷",
                        Some((c, false)) if c == i => " ⏶",
                        _ => "",
                    };
                    ui.vertical(|ui| {
                        if ui
                            .button(RichText::new(format!("{}{arrow}", f.name())).strong())
                            .on_hover_text("Sort by this column")
                            .clicked()
                        {
                            clicked = Some(i);
                        }
                        ui.label(RichText::new(f.data_type().to_string()).small().weak());
                    });
                });
            }
        })
        .body(|body| {
            // Only the visible rows are laid out and formatted.
            body.rows(18.0, n, |mut row| {
                let r = order.map_or(row.index(), |o| o[row.index()] as usize);
                for c in t.columns() {
                    row.col(|ui| {
                        ui.label(if c.is_null(r) {
                            "NULL".to_string()
                        } else {
                            array_value_to_string(c.as_ref(), r).unwrap_or_default()
                        });
                    });
                }
            });
        });
    });
    if let Some(c) = clicked {
        let descending = matches!(sort_state, Some((x, false)) if x == c);
        app.commands.push(Command::Sort { cell: id, column: c, descending });
    }
}

/// A plan as a tree of collapsible operators, metrics under each (without times when timings
/// are hidden, as in screenshots).
fn tree_ui(ui: &mut Ui, node: &PlanNode, path: &mut Vec<usize>, timings: bool) {
    let title = if node.details.is_empty() { node.name.clone() } else { format!("{}: {}", node.name, node.details) };
    egui::CollapsingHeader::new(RichText::new(title).monospace().small())
        .id_salt(("plan", path.clone()))
        .default_open(true)
        .show(ui, |ui| {
            let m: Vec<String> = node
                .metrics
                .iter()
                .filter(|(k, _)| timings || !(k.contains("elapsed") || k.contains("time")))
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            if !m.is_empty() {
                ui.label(RichText::new(m.join(", ")).small().color(Color32::from_rgb(90, 140, 200)));
            }
            for (i, c) in node.children.iter().enumerate() {
                path.push(i);
                tree_ui(ui, c, path, timings);
                path.pop();
            }
        });
}

fn plan_ui(app: &mut NotebookApp, ui: &mut Ui, id: u64) {
    let timings = app.show_timings;
    let st = app.state(id);
    let Some(Ok(r)) = st.result.as_ref() else { return };
    let r = r.clone();
    if let Some(job) = &r.job {
        // Plain words: the small font has no arrow glyph (it drew boxes).
        ui.label(
            RichText::new(
                "Graph job plan, last phase first (load, dictionary, CSR or partition, kernel or Pregel, output)",
            )
            .small(),
        );
        tree_ui(ui, job, &mut vec![id as usize, 9], timings);
    }
    if let Some(p) = &r.plans {
        ui.horizontal(|ui| {
            for (i, l) in ["Logical", "Optimized", "Physical (with metrics)"].iter().enumerate() {
                ui.selectable_value(&mut st.plan_kind, i, *l);
            }
        });
        let node = match st.plan_kind {
            0 => &p.logical,
            1 => &p.optimized,
            _ => &p.physical,
        };
        tree_ui(ui, node, &mut vec![id as usize, st.plan_kind], timings);
    }
}

/// A numeric column as numbers (None for text and other types).
fn numbers(t: &RecordBatch, col: usize) -> Option<Vec<f64>> {
    if !t.column(col).data_type().is_numeric() {
        return None;
    }
    let c = cast(t.column(col).as_ref(), &DataType::Float64).ok()?;
    let c = c.as_any().downcast_ref::<Float64Array>()?;
    Some((0..c.len()).map(|i| if c.is_null(i) { f64::NAN } else { c.value(i) }).collect())
}

fn chart_ui(app: &mut NotebookApp, ui: &mut Ui, id: u64) {
    let Some(t) = app.state(id).table.clone() else { return };
    let names: Vec<String> = t.schema().fields().iter().map(|f| f.name().clone()).collect();
    let Some(cell) = app.notebook.cell(id) else { return };
    let before = cell.view.clone();
    let mut view = before.clone();
    let v = &mut view;
    if !names.contains(&v.x) {
        v.x = names.first().cloned().unwrap_or_default();
    }
    if !names.contains(&v.y) {
        v.y = names
            .iter()
            .enumerate()
            .find(|(i, _)| numbers(&t, *i).is_some() && *i > 0)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| v.x.clone());
    }
    ui.horizontal(|ui| {
        for (k, l) in [(ChartKind::Bar, "Bar"), (ChartKind::Line, "Line"), (ChartKind::Scatter, "Scatter")] {
            ui.selectable_value(&mut v.chart, k, l);
        }
        ui.label("x");
        egui::ComboBox::from_id_salt(("x", id)).selected_text(v.x.clone()).show_ui(ui, |ui| {
            for n in &names {
                ui.selectable_value(&mut v.x, n.clone(), n);
            }
        });
        ui.label("y");
        egui::ComboBox::from_id_salt(("y", id)).selected_text(v.y.clone()).show_ui(ui, |ui| {
            for n in &names {
                ui.selectable_value(&mut v.y, n.clone(), n);
            }
        });
    });
    let (xi, yi) =
        (names.iter().position(|n| *n == v.x).unwrap_or(0), names.iter().position(|n| *n == v.y).unwrap_or(0));
    if *v != before {
        app.commands.push(Command::SetView(id, v.clone()));
    }
    let Some(ys) = numbers(&t, yi) else {
        ui.label(format!("column {} is not numeric", v.y));
        return;
    };
    let xs_num = numbers(&t, xi);
    // Lines and points show at most 100,000 rows; bars at most 2,000, each labelled (only those
    // labels are formatted, not one per row).
    let n = t.num_rows().min(100_000);
    let kind = v.chart;
    let bars = if kind == ChartKind::Bar { n.min(2000) } else { 0 };
    let labels: Vec<String> =
        (0..bars).map(|r| array_value_to_string(t.column(xi).as_ref(), r).unwrap_or_default()).collect();
    let (yname, xname) = (v.y.clone(), v.x.clone());
    let mut plot = Plot::new(("chart", id)).height(240.0).legend(Legend::default()).x_axis_label(xname);
    if xs_num.is_none() {
        // A text x column is categorical: row i sits at x = i and the axis shows its value
        // (formatted only for the ticks drawn).
        let xcol = t.column(xi).clone();
        let rows = n;
        plot = plot.x_axis_formatter(move |mark, _| {
            let i = mark.value.round();
            if (mark.value - i).abs() > 1e-6 || i < 0.0 || i as usize >= rows {
                return String::new();
            }
            array_value_to_string(xcol.as_ref(), i as usize).unwrap_or_default()
        });
    }
    plot.show(ui, |p| match kind {
        ChartKind::Bar => {
            let bars: Vec<Bar> = (0..bars)
                .map(|i| Bar::new(xs_num.as_ref().map_or(i as f64, |x| x[i]), ys[i]).name(&labels[i]).width(0.8))
                .collect();
            p.bar_chart(BarChart::new(yname, bars));
        }
        ChartKind::Line => {
            let pts: Vec<[f64; 2]> = (0..n).map(|i| [xs_num.as_ref().map_or(i as f64, |x| x[i]), ys[i]]).collect();
            p.line(Line::new(yname, PlotPoints::from(pts)));
        }
        ChartKind::Scatter => {
            let pts: Vec<[f64; 2]> = (0..n).map(|i| [xs_num.as_ref().map_or(i as f64, |x| x[i]), ys[i]]).collect();
            p.points(Points::new(yname, PlotPoints::from(pts)).radius(3.0));
        }
    });
}

fn supersteps_ui(app: &mut NotebookApp, ui: &mut Ui, id: u64, live: Option<Vec<ember::SuperstepStats>>) {
    let stats = match live {
        Some(s) => s,
        None => match app.state(id).result.as_ref() {
            Some(Ok(r)) => r.supersteps.clone(),
            _ => vec![],
        },
    };
    if stats.is_empty() {
        ui.label(RichText::new("no supersteps yet").weak());
        return;
    }
    let last = &stats[stats.len() - 1];
    let took = if app.show_timings { format!(", {:.1} ms", last.elapsed.as_secs_f64() * 1e3) } else { String::new() };
    ui.label(format!(
        "{}; last: {}, {}{took}",
        count(last.superstep as u64, "superstep"),
        count(last.active_vertices, "active vertex"),
        count(last.messages, "message"),
    ));
    // Messages outnumber active vertices by the average degree: one linear axis flattens the
    // vertices at the bottom, so both are drawn on a log10 axis (ticks read as counts).
    let log = |v: u64| (v.max(1) as f64).log10();
    let active: Vec<[f64; 2]> = stats.iter().map(|s| [s.superstep as f64, log(s.active_vertices)]).collect();
    let msgs: Vec<[f64; 2]> = stats.iter().map(|s| [s.superstep as f64, log(s.messages)]).collect();
    let top = stats.iter().map(|s| log(s.active_vertices).max(log(s.messages))).fold(1.0, f64::max);
    Plot::new(("supersteps", id))
        .height(200.0)
        .legend(Legend::default())
        .x_axis_label("superstep")
        .y_axis_label("count (log scale)")
        // Sane bounds for short runs (a one-superstep run had an x axis of ±100,000).
        .include_x(0.0)
        .include_x((last.superstep as f64).max(1.0))
        .include_y(0.0)
        .include_y(top.ceil())
        .y_axis_formatter(|mark, _| {
            if (mark.value - mark.value.round()).abs() > 1e-6 || mark.value < 0.0 {
                return String::new();
            }
            count_text(10f64.powi(mark.value.round() as i32))
        })
        .x_axis_formatter(|mark, _| {
            if (mark.value - mark.value.round()).abs() > 1e-6 || mark.value < 0.0 {
                String::new()
            } else {
                format!("{}", mark.value.round() as i64)
            }
        })
        .show(ui, |p| {
            // Points as well as lines: a one-superstep run has one point per series.
            let (a, m) = (Color32::from_rgb(230, 140, 50), Color32::from_rgb(90, 150, 230));
            p.line(Line::new("active vertices", PlotPoints::from(active.clone())).color(a));
            p.points(Points::new("active vertices", PlotPoints::from(active)).radius(3.0).color(a));
            p.line(Line::new("messages", PlotPoints::from(msgs.clone())).color(m));
            p.points(Points::new("messages", PlotPoints::from(msgs)).radius(3.5).color(m));
        });
}

/// 1, 10, 100, 1k, 10k, 1M, ...
fn count_text(v: f64) -> String {
    match v {
        v if v >= 1e9 => format!("{}G", v / 1e9),
        v if v >= 1e6 => format!("{}M", v / 1e6),
        v if v >= 1e3 => format!("{}k", v / 1e3),
        v => format!("{v}"),
    }
}
