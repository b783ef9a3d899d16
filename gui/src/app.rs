//! The application: the notebook model, the runner, and per-cell view state. UI functions
//! (in [`crate::ui`]) read this state and push [`Command`]s, which are applied once per frame;
//! text fields edit the model directly. Autosave runs here, on the UI thread, and is cheap.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use ember::datafusion::arrow::array::RecordBatch;

use crate::model::{Cell, CellKind, CellView, Notebook, SAVED_ROWS, SavedOutput, new_kind};
use crate::persist;
use crate::runner::{CellError, CellResult, Event, Runner, TableInfo};

/// What the UI asks the app to do. The UI never changes the notebook itself: it draws each
/// cell from a copy and sends the edited copy back as [`Command::Edit`].
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Add a cell of a kind ("SQL", "DataFrame", "Graph", "Markdown") after a position.
    Add(String, Option<usize>),
    /// Replace the cell with this one's id by this one (its text, settings, name and view).
    Edit(Box<Cell>),
    /// Change a cell's output view (tab, chart, axes).
    SetView(u64, CellView),
    SetTitle(String),
    /// Sort a cell's result grid by a column (on a worker).
    Sort {
        cell: u64,
        column: usize,
        descending: bool,
    },
    /// Show or hide a markdown cell's editor.
    EditMarkdown(u64, bool),
    Remove(u64),
    Move(u64, i64),
    Run(u64),
    RunAll,
    Cancel(u64),
    Save,
    SaveAs(String),
    Open(String),
    ExportIpynb(String),
    /// Register a data file as a table named after it.
    OpenFile(String),
    /// Show a file dialog (on its own thread); its answer fills the path and does the action.
    Choose(crate::dialogs::Ask),
    RestoreAutosave,
    DiscardAutosave,
}

/// View state of one cell (not saved).
#[derive(Default)]
pub struct CellState {
    pub result: Option<Result<Box<CellResult>, CellError>>,
    /// The result as one batch, for the grid (built by the runner).
    pub table: Option<RecordBatch>,
    /// Counts the results this cell has shown, so a late sort of an older one is dropped.
    pub version: u64,
    /// Row order after sorting by a column: (column, descending, permutation).
    pub sort: Option<(usize, bool, Vec<u32>)>,
    /// A sort asked of the runner and not back yet: (column, descending).
    pub sorting: Option<(usize, bool)>,
    /// 0 logical, 1 optimized, 2 physical.
    pub plan_kind: usize,
    pub editing_markdown: bool,
    /// The SQL text of the cell's last run (SQL cells), so that an error position is shown only
    /// on the text it belongs to.
    pub ran_sql: Option<String>,
}

pub struct NotebookApp {
    pub notebook: Notebook,
    pub path: Option<PathBuf>,
    pub runner: Runner,
    pub cells: HashMap<u64, CellState>,
    pub tables: Vec<TableInfo>,
    /// The status line: the last message (errors of file actions, "saved ...").
    pub status: String,
    pub recovery: Option<Notebook>,
    pub path_input: String,
    pub file_input: String,
    pub commands: Vec<Command>,
    /// Show elapsed times (off for pixel-stable screenshots).
    pub show_timings: bool,
    /// Asking whether to save before quitting (the window's close button or Ctrl+Q with
    /// unsaved changes).
    pub confirm_close: bool,
    /// The user chose to quit: the next close request goes through.
    pub quitting: bool,
    autosave_to: PathBuf,
    saved_json: String,
    last_check: Instant,
    last_autosave: Instant,
    /// Whether the notebook differs from the file, refreshed by `update` twice a second (the UI
    /// reads this instead of serialising the notebook every frame).
    pub dirty: bool,
    run_queue: VecDeque<u64>,
    /// Text waiting to be put on the clipboard by the next frame.
    pub clipboard: Option<String>,
    /// How file dialogs are shown (the desktop's; tests substitute their own).
    pub dialog: crate::dialogs::Show,
    /// A file dialog being shown, and what its answer is for.
    pub asking: Option<(crate::dialogs::Ask, std::sync::mpsc::Receiver<Option<PathBuf>>)>,
}

impl NotebookApp {
    /// An app on `notebook`; `path` is where it saves. Nothing runs until asked.
    pub fn new(notebook: Notebook, path: Option<PathBuf>) -> anyhow::Result<Self> {
        let runner = Runner::new()?;
        let saved_json = persist::to_json(&notebook);
        let autosave_to = path.clone().unwrap_or_else(persist::untitled_autosave);
        let recovery = path.as_deref().and_then(persist::recovery).filter(|r| *r != notebook);
        let path_input = path.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
        let mut app = NotebookApp {
            notebook,
            path,
            runner,
            cells: HashMap::new(),
            tables: vec![],
            status: String::new(),
            recovery,
            path_input,
            file_input: String::new(),
            commands: vec![],
            show_timings: true,
            confirm_close: false,
            quitting: false,
            autosave_to,
            saved_json,
            last_check: Instant::now(),
            last_autosave: Instant::now(),
            dirty: false,
            run_queue: VecDeque::new(),
            clipboard: None,
            dialog: crate::dialogs::native,
            asking: None,
        };
        if app.recovery.is_some() {
            app.status = "unsaved changes from an earlier session were found".into();
        }
        app.runner.refresh_tables();
        Ok(app)
    }

    /// Opens `path`; a file that cannot be read gives an empty notebook and the error in the
    /// status line (never a crash).
    pub fn open(path: PathBuf) -> anyhow::Result<Self> {
        match persist::load(&path) {
            Ok(nb) => Self::new(nb, Some(path)),
            Err(e) => {
                let mut app = Self::new(Notebook::default(), None)?;
                app.status = format!("could not open {e}");
                Ok(app)
            }
        }
    }

    /// The bundled demo notebook.
    pub fn demo() -> anyhow::Result<Self> {
        let dir = crate::demo::data_dir().map_err(anyhow::Error::msg)?;
        Self::new(crate::demo::notebook(&dir), None)
    }

    /// Where autosaves go (tests point this at a temporary folder).
    pub fn set_autosave_path(&mut self, p: PathBuf) {
        self.autosave_to = p;
    }

    pub fn is_dirty(&self) -> bool {
        persist::to_json(&self.notebook) != self.saved_json
    }

    pub fn state(&mut self, id: u64) -> &mut CellState {
        self.cells.entry(id).or_default()
    }

    /// Applies pending commands and runner events; call once per frame.
    pub fn update(&mut self) {
        self.poll_dialog();
        for cmd in std::mem::take(&mut self.commands) {
            self.apply(cmd);
        }
        for ev in self.runner.poll() {
            self.on_event(ev);
        }
        if self.last_check.elapsed() > Duration::from_millis(500) {
            self.last_check = Instant::now();
            self.dirty = self.is_dirty();
        }
        if self.dirty && self.last_autosave.elapsed() > Duration::from_secs(3) {
            self.last_autosave = Instant::now();
            if let Err(e) = persist::write_autosave(&self.notebook, &self.autosave_to) {
                self.status = format!("autosave failed: {e}");
            }
        }
    }

    fn on_event(&mut self, ev: Event) {
        match ev {
            Event::Progress { .. } => {}
            Event::Tables(t) => self.tables = t,
            Event::Message(m) => self.status = m,
            Event::Clipboard(text) => {
                self.clipboard = Some(text);
                self.status = "copied the result as CSV".into();
            }
            Event::Sorted { cell, version, column, descending, order } => {
                let st = self.state(cell);
                if st.version == version {
                    st.sort = Some((column, descending, order));
                    st.sorting = None;
                }
            }
            Event::Finished { cell, result, .. } => {
                let ok = result.is_ok();
                let st = self.state(cell);
                st.table = result.as_ref().ok().and_then(|r| r.table.clone());
                st.version += 1;
                st.sort = None;
                st.sorting = None;
                st.result = Some(result);
                if self.run_queue.front() == Some(&cell) {
                    self.run_queue.pop_front();
                    if ok {
                        self.run_next();
                    } else {
                        self.run_queue.clear();
                        self.status = "run all stopped at a failed cell".into();
                    }
                }
            }
        }
    }

    /// Takes a file dialog's answer, when it has come: the path goes into its field and the
    /// action is done; no answer (cancelled, or no dialog on this desktop) leaves a hint.
    fn poll_dialog(&mut self) {
        use crate::dialogs::Ask;
        let Some((what, rx)) = &self.asking else { return };
        let answer = match rx.try_recv() {
            Ok(a) => a,
            Err(std::sync::mpsc::TryRecvError::Empty) => return,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => None,
        };
        let what = *what;
        self.asking = None;
        let Some(p) = answer else {
            self.status = "no file chosen (or no file dialog on this desktop): type the path in the field".into();
            return;
        };
        let text = p.display().to_string();
        self.status.clear();
        match what {
            Ask::OpenNotebook => {
                self.path_input = text.clone();
                self.commands.push(Command::Open(text));
            }
            Ask::SaveNotebook => {
                self.path_input = text.clone();
                self.commands.push(Command::SaveAs(text));
            }
            Ask::ExportIpynb => self.commands.push(Command::ExportIpynb(text)),
            Ask::DataFile => {
                self.file_input = text.clone();
                self.commands.push(Command::OpenFile(text));
            }
        }
    }

    /// Starts a cell's run, remembering a SQL cell's text.
    fn start(&mut self, c: &crate::model::Cell) {
        self.state(c.id).ran_sql = match &c.kind {
            CellKind::Sql { sql } => Some(sql.clone()),
            _ => None,
        };
        self.runner.run(c);
    }

    fn run_next(&mut self) {
        while let Some(&id) = self.run_queue.front() {
            match self.notebook.cell(id) {
                Some(c) if c.kind.runnable() => {
                    let c = c.clone();
                    self.start(&c);
                    return;
                }
                _ => {
                    self.run_queue.pop_front();
                }
            }
        }
    }

    pub fn apply(&mut self, cmd: Command) {
        match cmd {
            Command::Add(kind, at) => {
                self.notebook.add(new_kind(&kind), at);
            }
            Command::Edit(cell) => {
                if let Some(c) = self.notebook.cell_mut(cell.id) {
                    *c = *cell;
                }
            }
            Command::SetView(id, view) => {
                if let Some(c) = self.notebook.cell_mut(id) {
                    c.view = view;
                }
            }
            Command::SetTitle(t) => self.notebook.title = t,
            Command::Sort { cell, column, descending } => {
                let st = self.state(cell);
                if let Some(t) = st.table.clone() {
                    st.sorting = Some((column, descending));
                    let version = st.version;
                    self.runner.sort(cell, version, t, column, descending);
                }
            }
            Command::EditMarkdown(id, on) => self.state(id).editing_markdown = on,
            Command::Remove(id) => {
                self.runner.cancel(id);
                self.notebook.remove(id);
                self.cells.remove(&id);
            }
            Command::Move(id, by) => self.notebook.shift(id, by),
            Command::Run(id) => {
                if let Some(c) = self.notebook.cell(id).cloned() {
                    self.start(&c);
                }
            }
            Command::RunAll => {
                self.run_queue = self.notebook.cells.iter().filter(|c| c.kind.runnable()).map(|c| c.id).collect();
                self.run_next();
            }
            Command::Cancel(id) => {
                self.runner.cancel(id);
                self.run_queue.clear();
            }
            Command::Save => match self.path.clone() {
                Some(p) => self.save_to(p),
                None => self.status = "choose a file name to save to".into(),
            },
            Command::SaveAs(p) => {
                if p.trim().is_empty() {
                    self.status = "choose a file name to save to".into();
                } else {
                    self.save_to(PathBuf::from(p.trim()))
                }
            }
            Command::Open(p) => match persist::load(std::path::Path::new(p.trim())) {
                Ok(nb) => {
                    for id in self.runner.running.keys().copied().collect::<Vec<_>>() {
                        self.runner.cancel(id);
                    }
                    self.cells.clear();
                    let opened = std::path::absolute(p.trim()).unwrap_or_else(|_| PathBuf::from(p.trim()));
                    if persist::is_ipynb(&opened) {
                        // Imported: Save writes an Ember notebook beside it, never over the .ipynb.
                        let target = opened.with_extension("ember.json");
                        self.saved_json = String::new();
                        self.notebook = nb;
                        self.path = None;
                        self.path_input = target.display().to_string();
                        self.autosave_to = target.clone();
                        self.recovery = None;
                        self.status = format!("imported {}; Save keeps it as {}", opened.display(), target.display());
                    } else {
                        self.saved_json = persist::to_json(&nb);
                        self.dirty = false;
                        self.notebook = nb;
                        self.path = Some(opened.clone());
                        self.path_input = opened.display().to_string();
                        self.autosave_to = opened.clone();
                        self.recovery = persist::recovery(&opened).filter(|r| *r != self.notebook);
                        self.status = format!("opened {}", opened.display());
                    }
                }
                Err(e) => self.status = format!("could not open {e}"),
            },
            Command::ExportIpynb(p) => {
                let r = persist::write_atomic(std::path::Path::new(p.trim()), &persist::to_ipynb(&self.notebook));
                self.status = match r {
                    Ok(()) => format!("exported {}", p.trim()),
                    Err(e) => format!("export failed: {e}"),
                };
            }
            Command::Choose(what) => {
                if self.asking.is_none() {
                    let start = self.path.as_ref().and_then(|p| p.parent().map(PathBuf::from));
                    self.asking = Some((what, crate::dialogs::ask(self.dialog, what, start)));
                    self.status = "waiting for the file dialog".into();
                }
            }
            Command::OpenFile(p) => {
                let p = p.trim().to_string();
                let stem = std::path::Path::new(&p)
                    .file_name()
                    .map(|n| n.to_string_lossy().split('.').next().unwrap_or("data").to_string())
                    .unwrap_or_else(|| "data".into());
                let name: String = stem
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
                    .collect();
                self.runner.open_file(&name, &p);
                self.status = format!("opening {p} as table {name}");
            }
            Command::RestoreAutosave => {
                if let Some(nb) = self.recovery.take() {
                    self.notebook = nb;
                    self.status = "restored unsaved changes".into();
                }
            }
            Command::DiscardAutosave => {
                self.recovery = None;
                persist::discard_autosave(&self.autosave_to);
            }
        }
    }

    fn save_to(&mut self, p: PathBuf) {
        // Shown and remembered absolute: the launch folder is not what the user sees.
        let p = std::path::absolute(&p).unwrap_or(p);
        // An .ipynb path is for Export; Save writes Ember notebooks only.
        if persist::is_ipynb(&p) {
            self.status = format!("{}: save as .ember.json (Export .ipynb writes Jupyter notebooks)", p.display());
            return;
        }
        // Keep each cell's last small output in the file.
        for cell in &mut self.notebook.cells {
            if let Some(t) = self.cells.get(&cell.id).and_then(|s| s.table.as_ref()) {
                cell.output = Some(saved_output(t));
            }
        }
        match persist::save(&self.notebook, &p) {
            Ok(()) => {
                persist::discard_autosave(&self.autosave_to);
                self.saved_json = persist::to_json(&self.notebook);
                self.dirty = false;
                self.path_input = p.display().to_string();
                self.autosave_to = p.clone();
                self.path = Some(p.clone());
                self.status = format!("saved {}", p.display());
            }
            Err(e) => self.status = format!("save failed: {e}"),
        }
    }

    /// True while any cell runs.
    pub fn busy(&self) -> bool {
        !self.runner.running.is_empty()
    }

    /// The kinds of cells, for menus.
    pub fn kinds() -> [&'static str; 4] {
        ["SQL", "DataFrame", "Graph", "Markdown"]
    }

    /// Whether a cell is a graph cell (for the Graph and Supersteps tabs).
    pub fn is_graph(&self, id: u64) -> bool {
        matches!(self.notebook.cell(id).map(|c| &c.kind), Some(CellKind::Graph { .. }))
    }
}

fn saved_output(t: &RecordBatch) -> SavedOutput {
    use ember::datafusion::arrow::util::display::array_value_to_string;
    let rows = (0..t.num_rows().min(SAVED_ROWS))
        .map(|r| t.columns().iter().map(|c| array_value_to_string(c.as_ref(), r).unwrap_or_default()).collect())
        .collect();
    SavedOutput {
        columns: t.schema().fields().iter().map(|f| f.name().clone()).collect(),
        rows,
        total_rows: t.num_rows() as u64,
    }
}

impl eframe::App for NotebookApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        let c = ctx.clone();
        self.runner.set_repaint(move || c.request_repaint());
        self.update();
        if self.busy() || self.asking.is_some() {
            // Elapsed-time counters tick while jobs run; a file dialog's answer is polled.
            ctx.request_repaint_after(Duration::from_millis(100));
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        crate::ui::app_ui(self, ui);
    }
}
