//! Drawing the notebook. Functions here read the app state and push commands: each cell is
//! drawn from a copy, and an edited copy goes back as `Command::Edit`, so the notebook changes
//! only where the app applies commands. Every control a test or a screen reader needs has a
//! visible label.

pub mod graph_view;
pub mod output;
pub mod text;

use egui::{Color32, RichText, Ui};

use crate::app::{Command, NotebookApp};
use crate::model::{CellKind, GraphSource, Source, Step};

/// A text field with a visible label that is also its accessible name.
fn labelled(ui: &mut Ui, label: &str, edit: egui::TextEdit<'_>) -> egui::Response {
    let l = ui.label(label);
    ui.add(edit).labelled_by(l.id)
}

/// The whole window.
/// Ctrl+S saves, Ctrl+O opens the path in the File field, Ctrl+Q quits; quitting (also by the
/// window's close button) with unsaved changes asks first: save, discard or stay.
fn shortcuts_and_close(app: &mut NotebookApp, ui: &mut Ui) {
    use egui::{Key, KeyboardShortcut, Modifiers, ViewportCommand};
    let ctx = ui.ctx().clone();
    let pressed = |k: Key| ctx.input_mut(|i| i.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, k)));
    if pressed(Key::S) {
        app.commands.push(save_command(app));
    }
    if pressed(Key::O) {
        app.commands.push(Command::Open(app.path_input.clone()));
    }
    let quit = pressed(Key::Q);
    let close = ctx.input(|i| i.viewport().close_requested());
    if (quit || close) && !app.quitting {
        if app.is_dirty() {
            if close {
                ctx.send_viewport_cmd(ViewportCommand::CancelClose);
            }
            app.confirm_close = true;
        } else if quit {
            app.quitting = true;
            ctx.send_viewport_cmd(ViewportCommand::Close);
        }
    }
    if app.confirm_close {
        let modal = egui::Modal::new(egui::Id::new("unsaved-changes")).show(&ctx, |ui| {
            ui.heading("Unsaved changes");
            ui.label(match &app.path {
                Some(p) => format!("Save the changes to {} before quitting?", p.display()),
                None => "This notebook has never been saved. Quit anyway?".to_string(),
            });
            ui.horizontal(|ui| {
                if app.path.is_some() && ui.button("Save and quit").clicked() {
                    app.commands.push(Command::Save);
                    app.confirm_close = false;
                    app.quitting = true;
                    ctx.send_viewport_cmd(ViewportCommand::Close);
                }
                if ui.button("Quit without saving").clicked() {
                    app.confirm_close = false;
                    app.quitting = true;
                    ctx.send_viewport_cmd(ViewportCommand::Close);
                }
                if ui.button("Cancel").clicked() {
                    app.confirm_close = false;
                }
            });
        });
        if modal.should_close() {
            app.confirm_close = false;
        }
    }
}

/// Save to the path in the File field (the notebook's own path: Save; another: Save as).
fn save_command(app: &NotebookApp) -> Command {
    let p = app.path_input.clone();
    if app.path.as_ref().is_some_and(|x| x.display().to_string() == p) { Command::Save } else { Command::SaveAs(p) }
}

pub fn app_ui(app: &mut NotebookApp, ui: &mut Ui) {
    if let Some(text) = app.clipboard.take() {
        ui.ctx().copy_text(text);
    }
    // Files dropped on the window become tables.
    let dropped: Vec<String> = ui.ctx().input(|i| {
        i.raw.dropped_files.iter().map(|f| f.path().display().to_string()).filter(|p| !p.is_empty()).collect()
    });
    for p in dropped {
        app.commands.push(Command::OpenFile(p));
    }
    shortcuts_and_close(app, ui);
    egui::Panel::top("toolbar").show(ui, |ui| toolbar_ui(app, ui));
    egui::Panel::left("tables").resizable(true).default_size(250.0).show(ui, |ui| tables_ui(app, ui));
    egui::CentralPanel::default().show(ui, |ui| {
        egui::ScrollArea::vertical().auto_shrink(false).show(ui, |ui| cells_ui(app, ui));
    });
    if app.recovery.is_some() {
        egui::Window::new("Unsaved changes found").collapsible(false).resizable(false).show(ui.ctx(), |ui| {
            ui.label("This notebook has an autosave newer than the file, left by an earlier session.");
            ui.horizontal(|ui| {
                if ui.button("Restore").clicked() {
                    app.commands.push(Command::RestoreAutosave);
                }
                if ui.button("Discard").clicked() {
                    app.commands.push(Command::DiscardAutosave);
                }
            });
        });
    }
}

fn toolbar_ui(app: &mut NotebookApp, ui: &mut Ui) {
    // Wraps onto a second line in a narrow window rather than cutting buttons off.
    ui.horizontal_wrapped(|ui| {
        ui.heading("Ember");
        let mut title = app.notebook.title.clone();
        if ui.add(egui::TextEdit::singleline(&mut title).desired_width(160.0).hint_text("title")).changed() {
            app.commands.push(Command::SetTitle(title));
        }
        if ui.button("Run all").clicked() {
            app.commands.push(Command::RunAll);
        }
        ui.separator();
        labelled(
            ui,
            "File:",
            egui::TextEdit::singleline(&mut app.path_input).desired_width(220.0).hint_text("notebook.ember.json"),
        );
        if ui.button("Save").on_hover_text("Ctrl+S").clicked() {
            app.commands.push(save_command(app));
        }
        if ui.button("Open").on_hover_text("Ctrl+O").clicked() {
            app.commands.push(Command::Open(app.path_input.clone()));
        }
        // The desktop's file dialogs (answered on a thread; the fields above remain the way in).
        let idle = app.asking.is_none();
        if ui.add_enabled(idle, egui::Button::new("Open…")).on_hover_text("choose a notebook to open").clicked() {
            app.commands.push(Command::Choose(crate::dialogs::Ask::OpenNotebook));
        }
        if ui.add_enabled(idle, egui::Button::new("Save as…")).on_hover_text("choose where to save").clicked() {
            app.commands.push(Command::Choose(crate::dialogs::Ask::SaveNotebook));
        }
        if ui.button("Export .ipynb").clicked() {
            let base = if app.path_input.trim().is_empty() {
                "notebook".to_string()
            } else {
                app.path_input.trim().trim_end_matches(".json").trim_end_matches(".ember").to_string()
            };
            app.commands.push(Command::ExportIpynb(format!("{base}.ipynb")));
        }
        if app.dirty {
            ui.label(RichText::new("unsaved").italics());
        }
    });
    if !app.status.is_empty() {
        ui.label(RichText::new(&app.status).small());
    }
}

fn tables_ui(app: &mut NotebookApp, ui: &mut Ui) {
    ui.heading("Tables");
    ui.horizontal(|ui| {
        labelled(
            ui,
            "data file:",
            egui::TextEdit::singleline(&mut app.file_input).desired_width(120.0).hint_text("CSV/Parquet/JSON"),
        );
        if ui.button("Open file").clicked() && !app.file_input.trim().is_empty() {
            app.commands.push(Command::OpenFile(app.file_input.clone()));
        }
        if ui.add_enabled(app.asking.is_none(), egui::Button::new("…")).on_hover_text("choose a data file").clicked()
        {
            app.commands.push(Command::Choose(crate::dialogs::Ask::DataFile));
        }
    });
    ui.label(RichText::new("or drop files on the window").small().weak());
    ui.separator();
    egui::ScrollArea::vertical().show(ui, |ui| {
        if app.tables.is_empty() {
            ui.label(RichText::new("no tables yet: run a cell or open a file").weak());
        }
        for t in &app.tables {
            let rows = t.rows.map(|r| format!(" ({})", output::count(r, "row"))).unwrap_or_default();
            egui::CollapsingHeader::new(format!("{}{rows}", t.name)).id_salt(("table", &t.name)).show(ui, |ui| {
                for (c, ty) in &t.columns {
                    ui.horizontal(|ui| {
                        ui.label(c);
                        ui.label(RichText::new(ty).small().weak());
                    });
                }
            });
        }
    });
}

fn add_menu(app: &mut NotebookApp, ui: &mut Ui, at: Option<usize>) {
    ui.horizontal(|ui| {
        for kind in NotebookApp::kinds() {
            if ui.small_button(format!("+ {kind}")).on_hover_text(format!("Add {kind} cell")).clicked() {
                app.commands.push(Command::Add(kind.to_string(), at));
            }
        }
    });
}

fn cells_ui(app: &mut NotebookApp, ui: &mut Ui) {
    ui.horizontal_wrapped(|ui| {
        ui.label("Add cell:");
        for kind in NotebookApp::kinds() {
            if ui.button(format!("Add {kind} cell")).clicked() {
                app.commands.push(Command::Add(kind.to_string(), None));
            }
        }
    });
    ui.add_space(6.0);
    let ids: Vec<u64> = app.notebook.cells.iter().map(|c| c.id).collect();
    for (pos, id) in ids.into_iter().enumerate() {
        egui::Frame::group(ui.style()).inner_margin(8.0).show(ui, |ui| {
            ui.set_width(ui.available_width());
            cell_ui(app, ui, id);
        });
        add_menu(app, ui, Some(pos));
        ui.add_space(4.0);
    }
}

fn cell_ui(app: &mut NotebookApp, ui: &mut Ui, id: u64) {
    let running = app.runner.is_running(id);
    let Some(original) = app.notebook.cell(id) else { return };
    // Drawn from a copy; the edited copy goes back as a command.
    let mut cell = original.clone();
    let runnable = cell.kind.runnable();
    let mut kind_label = egui::Id::NULL;
    ui.horizontal(|ui| {
        kind_label = ui.label(RichText::new(cell.kind.label()).strong()).id;
        if runnable {
            labelled(
                ui,
                "result table:",
                egui::TextEdit::singleline(&mut cell.name).desired_width(140.0).id(egui::Id::new(("name", id))),
            );
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if ui.small_button("✖").on_hover_text("Remove cell").clicked() {
                app.commands.push(Command::Remove(id));
            }
            if ui.small_button("⬇").on_hover_text("Move down").clicked() {
                app.commands.push(Command::Move(id, 1));
            }
            if ui.small_button("⬆").on_hover_text("Move up").clicked() {
                app.commands.push(Command::Move(id, -1));
            }
            if runnable {
                if running {
                    if ui.button("Cancel").clicked() {
                        app.commands.push(Command::Cancel(id));
                    }
                } else if ui.button("Run").clicked() {
                    app.commands.push(Command::Run(id));
                }
            }
        });
    });
    let mut run = false;
    let editing = app.cells.get(&id).is_some_and(|s| s.editing_markdown);
    match &mut cell.kind {
        CellKind::Sql { sql } => {
            // The last run's error position, while the text is the one that ran.
            let error_at = app.cells.get(&id).and_then(|s| {
                let failed = s.result.as_ref()?.as_ref().err()?;
                (s.ran_sql.as_deref() == Some(sql.as_str())).then(|| failed.sql_position()).flatten()
            });
            // Names to complete (built only for the editor with the focus): the session's tables
            // and their columns, Ember's graph functions.
            let tables = &app.tables;
            let names = || -> Vec<String> {
                tables
                    .iter()
                    .flat_map(|t| std::iter::once(t.name.clone()).chain(t.columns.iter().map(|c| c.0.clone())))
                    .chain(ember::registry::ALGORITHMS.iter().map(|a| a.name.to_string()))
                    .chain(ember::registry::QUERIES.iter().map(|q| q.name.to_string()))
                    .collect()
            };
            run |= text::sql_editor(ui, id, sql, kind_label, error_at, &names)
        }
        CellKind::DataFrame { pipeline } => {
            // The SQL of the last run is DataFusion's rendering of the plan that ran.
            let ran = app
                .cells
                .get(&id)
                .and_then(|s| s.result.as_ref())
                .and_then(|r| r.as_ref().ok())
                .and_then(|r| r.sql.clone());
            dataframe_ui(ui, id, pipeline, &cell.name, ran.as_deref())
        }
        CellKind::Graph { graph } => graph_ui(ui, id, graph, &cell.name),
        CellKind::Markdown { text } => {
            let edit = editing || text.is_empty();
            if edit {
                ui.add(
                    egui::TextEdit::multiline(text)
                        .desired_rows(3)
                        .desired_width(f32::INFINITY)
                        .id(egui::Id::new(("md", id))),
                );
            } else {
                text::markdown(ui, text);
            }
            if ui.small_button(if edit { "Done" } else { "Edit" }).clicked() {
                app.commands.push(Command::EditMarkdown(id, !edit));
            }
        }
    }
    if cell != *original {
        app.commands.push(Command::Edit(Box::new(cell)));
    }
    if run {
        app.commands.push(Command::Run(id));
    }
    // Running: elapsed time, progress and cancel.
    if let Some(r) = app.runner.running.get(&id) {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(format!("running {:.1} s", r.started.elapsed().as_secs_f64()));
            if let Some(s) = r.progress.last() {
                let frac = s.max_supersteps.map(|m| s.superstep as f32 / m.max(1) as f32).unwrap_or(0.0);
                let text = match s.max_supersteps {
                    Some(m) => format!("superstep {}/{m}", s.superstep),
                    None => format!("superstep {}", s.superstep),
                };
                ui.add(egui::ProgressBar::new(frac.min(1.0)).text(text).desired_width(220.0));
            }
        });
    }
    output::output_ui(app, ui, id);
}

fn dataframe_ui(ui: &mut Ui, id: u64, p: &mut crate::model::Pipeline, name: &str, ran_sql: Option<&str>) {
    ui.horizontal_wrapped(|ui| {
        ui.label("Source:");
        let is_file = matches!(p.source, Source::File(_));
        if ui.radio(!is_file, "table").clicked() && is_file {
            p.source = Source::Table(String::new());
        }
        if ui.radio(is_file, "file").clicked() && !is_file {
            p.source = Source::File(String::new());
        }
        let (Source::Table(s) | Source::File(s)) = &mut p.source;
        labelled(
            ui,
            "source:",
            egui::TextEdit::singleline(s)
                .desired_width(320.0)
                .hint_text("table name or file path")
                .id(egui::Id::new(("df-src", id))),
        );
    });
    let mut remove = None;
    for (i, step) in p.steps.iter_mut().enumerate() {
        ui.horizontal_wrapped(|ui| {
            ui.label(format!("{}. {}", i + 1, step.kind()));
            let field = |ui: &mut Ui, v: &mut String, hint: &str, w: f32, k: usize| {
                let (label, hint) = hint.split_once(": ").unwrap_or((hint, ""));
                labelled(
                    ui,
                    label,
                    egui::TextEdit::singleline(v)
                        .hint_text(hint.to_string())
                        .desired_width(w)
                        .id(egui::Id::new(("step", id, i, k))),
                );
            };
            match step {
                Step::Filter { condition } => field(ui, condition, "where: e.g. price > 10", 300.0, 0),
                Step::Select { columns } => field(ui, columns, "columns: a, b * 2 AS c", 300.0, 0),
                Step::WithColumn { name, expr } => {
                    field(ui, name, "name", 110.0, 0);
                    field(ui, expr, "=: expression", 220.0, 1);
                }
                Step::GroupBy { keys, aggregates } => {
                    field(ui, keys, "keys", 120.0, 0);
                    field(ui, aggregates, "aggregates: sum(x) AS total", 240.0, 1);
                }
                Step::Join { table, on, how } => {
                    field(ui, table, "table", 110.0, 0);
                    field(ui, on, "using", 110.0, 1);
                    egui::ComboBox::from_id_salt(("how", id, i)).selected_text(how.clone()).show_ui(ui, |ui| {
                        for h in ["inner", "left", "right", "full"] {
                            ui.selectable_value(how, h.to_string(), h);
                        }
                    });
                }
                Step::Sort { by, descending } => {
                    field(ui, by, "by", 200.0, 0);
                    ui.checkbox(descending, "descending");
                }
                Step::Limit { n } => {
                    ui.add(egui::DragValue::new(n).range(0..=u64::MAX));
                }
            }
            if ui.small_button("✖").on_hover_text("Remove step").clicked() {
                remove = Some(i);
            }
        });
    }
    if let Some(i) = remove {
        p.steps.remove(i);
    }
    ui.horizontal_wrapped(|ui| {
        ui.label("Add step:");
        for k in Step::KINDS {
            if ui.small_button(*k).clicked() {
                p.steps.push(Step::new(k));
            }
        }
    });
    let source = match &p.source {
        Source::Table(t) => t.clone(),
        Source::File(_) => format!("{name}_source"),
    };
    egui::CollapsingHeader::new("Equivalent SQL").id_salt(("sql-of", id)).default_open(true).show(ui, |ui| {
        if let Some(sql) = ran_sql {
            ui.label(RichText::new("As DataFusion planned the last run:").small().weak());
            ui.label(RichText::new(sql).monospace());
            return;
        }
        match p.to_sql(&source) {
            Ok(sql) => {
                ui.label(RichText::new(sql).monospace());
            }
            Err(e) => {
                ui.colored_label(Color32::from_rgb(200, 60, 60), e);
            }
        }
    });
    egui::CollapsingHeader::new("PySpark").id_salt(("py-of", id)).show(ui, |ui| {
        ui.label(RichText::new(p.to_pyspark()).monospace());
    });
}

fn graph_ui(ui: &mut Ui, id: u64, g: &mut crate::model::GraphSpec, name: &str) {
    ui.horizontal_wrapped(|ui| {
        ui.label("Graph from:");
        let is_file = matches!(g.source, GraphSource::File { .. });
        if ui.radio(!is_file, "tables").clicked() && is_file {
            g.source = GraphSource::Tables { vertices: String::new(), edges: String::new() };
        }
        if ui.radio(is_file, "file").clicked() && !is_file {
            g.source = GraphSource::File { path: String::new() };
        }
        match &mut g.source {
            GraphSource::Tables { vertices, edges } => {
                labelled(
                    ui,
                    "vertices:",
                    egui::TextEdit::singleline(vertices)
                        .hint_text("optional, column id")
                        .desired_width(150.0)
                        .id(egui::Id::new(("gv", id))),
                );
                labelled(
                    ui,
                    "edges:",
                    egui::TextEdit::singleline(edges)
                        .hint_text("columns src, dst")
                        .desired_width(150.0)
                        .id(egui::Id::new(("ge", id))),
                );
            }
            GraphSource::File { path } => {
                labelled(
                    ui,
                    "path:",
                    egui::TextEdit::singleline(path)
                        .hint_text("SNAP, LDBC, .mtx, .gr, CSV, Parquet")
                        .desired_width(320.0)
                        .id(egui::Id::new(("gf", id))),
                );
            }
        }
        if g.query().is_none() {
            ui.checkbox(&mut g.directed, "directed");
        }
    });
    let spec = ember::registry::lookup(&g.algorithm).ok();
    let query = g.query();
    ui.horizontal(|ui| {
        ui.label("Algorithm:");
        egui::ComboBox::from_id_salt(("alg", id)).selected_text(g.algorithm.clone()).show_ui(ui, |ui| {
            for a in ember::registry::ALGORITHMS {
                ui.selectable_value(&mut g.algorithm, a.name.to_string(), a.name).on_hover_text(a.summary);
            }
            ui.separator();
            ui.label(RichText::new("graph queries").weak());
            for q in ember::registry::QUERIES {
                ui.selectable_value(&mut g.algorithm, q.name.to_string(), q.name).on_hover_text(q.summary);
            }
        });
        if query.is_none() {
            ui.label("partitions");
            ui.add(egui::DragValue::new(&mut g.partitions).range(0..=256))
                .on_hover_text(ember::registry::PARTITIONS.doc);
            choice_ui(ui, ("strategy", id), "strategy", &mut g.strategy, &ember::registry::STRATEGY);
            choice_ui(ui, ("engine", id), "engine", &mut g.engine, &ember::registry::ENGINE);
        }
    });
    if let Some(spec) = spec {
        ui.label(RichText::new(spec.summary).weak());
        // Parameters of another algorithm do not carry over.
        g.params.retain(|k, _| spec.param(k).is_some());
        ui.horizontal_wrapped(|ui| {
            for p in spec.params {
                param_ui(ui, id, g, p);
            }
        });
    } else if let Some(q) = query {
        query_ui(ui, id, g, q);
        // The statement the cell runs, to paste into a SQL cell (a file's tables are registered
        // as <cell>_vertices and <cell>_edges).
        let (v, e) = match &g.source {
            GraphSource::Tables { vertices, edges } => (vertices.trim().to_string(), edges.trim().to_string()),
            GraphSource::File { .. } => (format!("{name}_vertices"), format!("{name}_edges")),
        };
        ui.add(
            egui::Label::new(RichText::new(format!("SQL: {}", g.query_sql(q, &v, &e))).monospace().weak())
                .selectable(true),
        );
    }
}

/// The arguments of a graph query (the registry's names and docs; the tables are the cell's),
/// and its clauses, one argument per line, for the queries that take them.
fn query_ui(ui: &mut Ui, id: u64, g: &mut crate::model::GraphSpec, q: &ember::registry::QuerySpec) {
    use crate::model::QUERY_CLAUSES;
    ui.label(RichText::new(q.summary).weak()).on_hover_text(q.returns);
    g.params.retain(|k, _| k == QUERY_CLAUSES || q.args.iter().any(|(n, _)| n == k));
    ui.horizontal_wrapped(|ui| {
        for (i, (name, doc)) in q.args.iter().enumerate().skip(2) {
            let mut text = g.params.get(*name).cloned().unwrap_or_default();
            let hint = if i < q.required { "required" } else { "optional" };
            let edit = egui::TextEdit::singleline(&mut text)
                .hint_text(hint)
                .desired_width(if name.ends_with("expr") || *name == "pattern" { 260.0 } else { 110.0 })
                .id(egui::Id::new(("qarg", *name, id)));
            if labelled(ui, &format!("{name}:"), edit).on_hover_text(*doc).changed() {
                g.set_param(name, text);
            }
        }
    });
    if !q.clauses.is_empty() {
        let mut text = g.params.get(QUERY_CLAUSES).cloned().unwrap_or_default();
        let doc: Vec<String> = q
            .clauses
            .iter()
            .map(|(n, count, doc)| format!("{n} + {count} line{}: {doc}", if *count == 1 { "" } else { "s" }))
            .collect();
        let l = ui.label("Clauses, one argument per line (a clause name, then its arguments):");
        let edit = egui::TextEdit::multiline(&mut text)
            .code_editor()
            .hint_text("withVertexColumn\nrank\n1.0\ncoalesce(msg, 0.0) * 0.85 + 0.15\nsendMsgToDst\nsrc.rank\naggMsgs\nsum(msg)")
            .desired_rows(6)
            .desired_width(f32::INFINITY)
            .id(egui::Id::new(("qclauses", id)));
        if ui.add(edit).labelled_by(l.id).on_hover_text(doc.join("\n")).changed() {
            g.set_param(QUERY_CLAUSES, text);
        }
    }
}

/// A combo box over a registry choice parameter.
fn choice_ui(ui: &mut Ui, salt: (&str, u64), label: &str, value: &mut String, p: &ember::algo::spec::Param) {
    let ember::algo::spec::ParamKind::Choice(words) = p.kind else { return };
    egui::ComboBox::new(salt, label)
        .selected_text(value.clone())
        .show_ui(ui, |ui| {
            for w in words {
                ui.selectable_value(value, w.to_string(), *w);
            }
        })
        .response
        .on_hover_text(p.doc);
}

/// The editor of one algorithm parameter, from its registry kind; an empty field means the
/// default, which the field shows as its hint.
fn param_ui(ui: &mut Ui, id: u64, g: &mut crate::model::GraphSpec, p: &ember::algo::spec::Param) {
    use ember::algo::spec::ParamKind;
    let hover = format!("{} ({})", p.doc, p.kind.range());
    let mut text = g.params.get(p.name).cloned().unwrap_or_default();
    let changed = match p.kind {
        ParamKind::Choice(_) => {
            if text.is_empty() {
                text = p.default.describe();
            }
            let before = text.clone();
            choice_ui(ui, (p.name, id), p.name, &mut text, p);
            text != before
        }
        ParamKind::Bool => {
            let mut b = text.parse().unwrap_or(p.default.describe() == "true");
            let r = ui.checkbox(&mut b, p.name).on_hover_text(hover);
            text = b.to_string();
            r.changed()
        }
        _ => {
            let width = if matches!(p.kind, ParamKind::Vertices) { 160.0 } else { 90.0 };
            let edit = egui::TextEdit::singleline(&mut text)
                .hint_text(p.default.describe())
                .desired_width(width)
                .id(egui::Id::new(("param", p.name, id)));
            labelled(ui, &format!("{}:", p.name), edit).on_hover_text(hover).changed()
        }
    };
    if changed {
        g.set_param(p.name, text);
    }
}
