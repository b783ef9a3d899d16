//! Runs cells on worker threads (a tokio runtime) against one shared Ember [`Session`] and
//! reports back over a channel: superstep progress, results (with plans, job plans, the result
//! as one batch, and a laid-out graph sample) or typed errors ([`CellError`]), the session's
//! table list, and sorted row orders for the grid. Everything slow — reading and building
//! graphs, jobs, concatenating results, sorting, laying out samples — runs here, on blocking
//! threads where it is CPU work; the UI polls [`Runner::poll`] once per frame and never waits.
//! No egui here.
//!
//! Invariants: a cell's result is registered in the session under the cell's name before its
//! `Finished` event is sent; a cancelled cell finishes with the error "cancelled"; at most one
//! run per cell at a time (running a running cell stops the old run first). Every run has an
//! id and its events carry it: [`Runner::poll`] drops events of runs that are no longer current,
//! so a stopped run's late events never touch the cell's next run.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use ember::algo::spec::ColumnType;
use ember::datafusion::arrow::array::{Array, RecordBatch};
use ember::datafusion::arrow::datatypes::SchemaRef;
use ember::datafusion::prelude::DataFrame;
use ember::graph::{Graph, GraphOptions};
use ember::load::LoadSpec;
use ember::pregel::{CancelToken, RunContext, SuperstepStats};
use ember::sql::Session;
use ember::sql::plan::{self, PlanNode, QueryPlans};

use std::path::PathBuf;

use crate::model::{Cell, CellKind, GraphSource, Source};

/// A table of the session, for the side panel.
#[derive(Debug, Clone, PartialEq)]
pub struct TableInfo {
    pub name: String,
    /// (column, type)
    pub columns: Vec<(String, String)>,
    /// Row count, for in-memory tables (views and files would have to be re-read).
    pub rows: Option<u64>,
}

/// A sample of a graph around its top results, to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphSample {
    pub labels: Vec<String>,
    /// Value per sampled vertex (rank, component, ...).
    pub values: Vec<f64>,
    /// Values are classes (components, labels) rather than magnitudes.
    pub categorical: bool,
    /// Edges between sampled vertices (indices into `labels`).
    pub edges: Vec<(u32, u32)>,
    /// Layout positions in the unit square, one per vertex ([`crate::layout`]).
    pub positions: Vec<[f32; 2]>,
    pub note: String,
}

/// Why a cell failed, with the position in its input where there is one.
#[derive(Debug, Clone, PartialEq)]
pub enum CellError {
    /// The SQL is wrong at a 1-based line and column.
    Sql { line: u64, column: u64, message: String },
    /// A file is malformed at a 1-based line.
    Parse { path: PathBuf, line: u64, message: String },
    /// The cell's settings are incomplete or invalid (no edge table, a bad parameter).
    Setup(String),
    /// The input or the engine failed (missing file or table, I/O, query execution).
    Engine(String),
    /// The run was cancelled.
    Cancelled,
    /// A broken invariant (a worker panicked): a bug.
    Internal(String),
}

impl CellError {
    /// The 1-based (line, column) in the cell's SQL, for SQL errors.
    pub fn sql_position(&self) -> Option<(u64, u64)> {
        match self {
            CellError::Sql { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }
}

impl std::fmt::Display for CellError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CellError::Sql { line, column, message } => {
                write!(f, "SQL error at line {line}, column {column}: {message}")
            }
            CellError::Parse { path, line, message } => write!(f, "{}:{line}: {message}", path.display()),
            CellError::Setup(m) | CellError::Engine(m) => f.write_str(m),
            CellError::Cancelled => f.write_str("cancelled"),
            CellError::Internal(m) => write!(f, "internal error (a bug in Ember): {m}"),
        }
    }
}

impl From<ember::Error> for CellError {
    fn from(e: ember::Error) -> CellError {
        match e {
            ember::Error::Sql { line, column, message } => CellError::Sql { line, column, message },
            ember::Error::Parse { path, line, msg } => CellError::Parse { path, line, message: msg },
            ember::Error::Config(_) => CellError::Setup(e.to_string()),
            ember::Error::Cancelled => CellError::Cancelled,
            ember::Error::Internal(m) => CellError::Internal(m),
            other => CellError::Engine(other.to_string()),
        }
    }
}

/// What a finished cell produced.
#[derive(Debug, Clone)]
pub struct CellResult {
    pub batches: Vec<RecordBatch>,
    /// The result as one batch (for the grid and charts), concatenated on the worker.
    pub table: Option<RecordBatch>,
    pub schema: SchemaRef,
    pub rows: usize,
    /// The SQL that ran (DataFrame cells: the generated query).
    pub sql: Option<String>,
    /// Query plans, the physical one with metrics.
    pub plans: Option<QueryPlans>,
    /// A graph job's plan.
    pub job: Option<PlanNode>,
    pub supersteps: Vec<SuperstepStats>,
    pub sample: Option<GraphSample>,
    pub summary: Vec<String>,
    pub elapsed: Duration,
}

#[derive(Debug)]
pub enum Event {
    Progress {
        cell: u64,
        run: u64,
        stats: SuperstepStats,
    },
    Finished {
        cell: u64,
        run: u64,
        result: Result<Box<CellResult>, CellError>,
    },
    /// The grid's row order for a result sorted by a column (see [`Runner::sort`]).
    Sorted {
        cell: u64,
        /// The result version the order belongs to.
        version: u64,
        column: usize,
        descending: bool,
        order: Vec<u32>,
    },
    Tables(Vec<TableInfo>),
    /// A side-panel action failed (opening a file, ...).
    Message(String),
    /// Text for the clipboard (Copy as CSV).
    Clipboard(String),
}

/// A cell being run.
#[derive(Debug)]
pub struct Running {
    /// The run's id (events of other runs of the same cell are stale).
    pub run: u64,
    pub started: Instant,
    pub progress: Vec<SuperstepStats>,
    cancel: CancelToken,
    handle: tokio::task::JoinHandle<()>,
}

type Repaint = Arc<dyn Fn() + Send + Sync>;

pub struct Runner {
    session: Session,
    rt: tokio::runtime::Runtime,
    tx: Sender<Event>,
    rx: Receiver<Event>,
    pub running: HashMap<u64, Running>,
    repaint: Repaint,
    next_run: u64,
    /// Events produced on the UI thread (cancellations), returned by the next poll.
    pending: Vec<Event>,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner").field("running", &self.running.keys().collect::<Vec<_>>()).finish()
    }
}

impl Runner {
    pub fn new() -> anyhow::Result<Runner> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("ember-worker")
            // DataFusion plans recursively; a debug build of a long pipeline needs more than 2 MiB.
            .thread_stack_size(16 << 20)
            .build()?;
        let (tx, rx) = channel();
        Ok(Runner {
            session: Session::new(),
            rt,
            tx,
            rx,
            running: HashMap::new(),
            repaint: Arc::new(|| {}),
            next_run: 0,
            pending: vec![],
        })
    }

    /// Called whenever an event is sent, so the UI wakes up (egui's `request_repaint`).
    pub fn set_repaint(&mut self, f: impl Fn() + Send + Sync + 'static) {
        self.repaint = Arc::new(f);
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    pub fn is_running(&self, cell: u64) -> bool {
        self.running.contains_key(&cell)
    }

    /// Starts running a cell.
    pub fn run(&mut self, cell: &Cell) {
        self.stop(cell.id);
        if !cell.kind.runnable() {
            return;
        }
        self.next_run += 1;
        let run = self.next_run;
        let cancel = CancelToken::new();
        let (session, tx, repaint, cell2, c2) =
            (self.session.clone(), self.tx.clone(), self.repaint.clone(), cell.clone(), cancel.clone());
        let handle = self.rt.spawn(async move {
            let t = Instant::now();
            let progress = {
                let (tx, repaint, id) = (tx.clone(), repaint.clone(), cell2.id);
                Arc::new(move |s: &SuperstepStats| {
                    let _ = tx.send(Event::Progress { cell: id, run, stats: s.clone() });
                    repaint();
                })
            };
            let result = run_cell(&session, &cell2, c2.clone(), progress).await.map(|mut r| {
                r.elapsed = t.elapsed();
                Box::new(r)
            });
            let result = if c2.is_cancelled() { Err(CellError::Cancelled) } else { result };
            // The table list that includes the result goes out before the Finished event, so
            // whoever sees a cell finish also sees its table.
            if result.is_ok() {
                let _ = tx.send(Event::Tables(tables(&session).await));
            }
            let _ = tx.send(Event::Finished { cell: cell2.id, run, result });
            repaint();
        });
        self.running.insert(cell.id, Running { run, started: Instant::now(), progress: vec![], cancel, handle });
    }

    /// Stops a cell's run, if any: graph jobs stop between supersteps, queries are dropped.
    /// Returns the stopped run's id.
    fn stop(&mut self, cell: u64) -> Option<u64> {
        let r = self.running.remove(&cell)?;
        r.cancel.cancel();
        r.handle.abort();
        Some(r.run)
    }

    /// Cancels a running cell; it finishes with the error "cancelled".
    pub fn cancel(&mut self, cell: u64) {
        if let Some(run) = self.stop(cell) {
            self.pending.push(Event::Finished { cell, run, result: Err(CellError::Cancelled) });
            (self.repaint)();
        }
    }

    /// Registers a file as a table (side panel "open", drag and drop).
    pub fn open_file(&self, name: &str, path: &str) {
        let (session, tx, repaint, name, path) =
            (self.session.clone(), self.tx.clone(), self.repaint.clone(), name.to_string(), path.to_string());
        self.rt.spawn(async move {
            match session.register_file(&name, &path).await {
                Ok(()) => {
                    let _ = tx.send(Event::Tables(tables(&session).await));
                }
                Err(e) => {
                    let _ = tx.send(Event::Message(e.to_string()));
                }
            }
            repaint();
        });
    }

    pub fn refresh_tables(&self) {
        let (session, tx, repaint) = (self.session.clone(), self.tx.clone(), self.repaint.clone());
        self.rt.spawn(async move {
            let _ = tx.send(Event::Tables(tables(&session).await));
            repaint();
        });
    }

    /// Sorts a result's rows by one column on a worker; the order comes back as
    /// [`Event::Sorted`] tagged with `version`, so an order for an older result can be dropped.
    pub fn sort(&self, cell: u64, version: u64, table: RecordBatch, column: usize, descending: bool) {
        use ember::datafusion::arrow::compute::{SortColumn, SortOptions, lexsort_to_indices};
        let (tx, repaint) = (self.tx.clone(), self.repaint.clone());
        self.rt.spawn_blocking(move || {
            if column >= table.num_columns() {
                return;
            }
            let opts = SortOptions { descending, nulls_first: false };
            let col = SortColumn { values: table.column(column).clone(), options: Some(opts) };
            match lexsort_to_indices(&[col], None) {
                Ok(idx) => {
                    let order = idx.values().to_vec();
                    let _ = tx.send(Event::Sorted { cell, version, column, descending, order });
                }
                Err(e) => {
                    let _ = tx.send(Event::Message(format!("cannot sort by this column: {e}")));
                }
            }
            repaint();
        });
    }

    /// Formats a result as CSV on a worker; the text comes back as [`Event::Clipboard`].
    pub fn copy_csv(&self, table: RecordBatch, order: Option<Vec<u32>>) {
        let (tx, repaint) = (self.tx.clone(), self.repaint.clone());
        self.rt.spawn_blocking(move || {
            let _ = tx.send(Event::Clipboard(crate::csv_text::to_csv(&table, order.as_deref())));
            repaint();
        });
    }

    /// Drains the events that arrived, updating progress of running cells and dropping the
    /// events of runs that are no longer current.
    pub fn poll(&mut self) -> Vec<Event> {
        let mut out = std::mem::take(&mut self.pending);
        while let Ok(e) = self.rx.try_recv() {
            match &e {
                Event::Progress { cell, run, stats } => match self.running.get_mut(cell) {
                    Some(r) if r.run == *run => r.progress.push(stats.clone()),
                    _ => continue,
                },
                Event::Finished { cell, run, .. } => match self.running.get(cell) {
                    Some(r) if r.run == *run => {
                        self.running.remove(cell);
                    }
                    _ => continue,
                },
                _ => {}
            }
            out.push(e);
        }
        out
    }

    /// Blocks until no cell is running or `timeout` passes, returning the events (tests, CLI).
    pub fn wait(&mut self, timeout: Duration) -> Vec<Event> {
        let t = Instant::now();
        let mut out = self.poll();
        while !self.running.is_empty() && t.elapsed() < timeout {
            std::thread::sleep(Duration::from_millis(5));
            out.extend(self.poll());
        }
        std::thread::sleep(Duration::from_millis(20));
        out.extend(self.poll());
        out
    }
}

/// The session's tables with their schemas.
pub async fn tables(session: &Session) -> Vec<TableInfo> {
    let mut out = Vec::new();
    for name in session.table_names() {
        let Ok(df) = session.context().table(name.as_str()).await else { continue };
        let columns = df.schema().fields().iter().map(|f| (f.name().clone(), f.data_type().to_string())).collect();
        let provider = session.context().table_provider(name.as_str()).await.ok();
        let in_memory = provider.as_ref().is_some_and(|p| {
            let any: &dyn std::any::Any = p.as_ref();
            any.downcast_ref::<ember::datafusion::datasource::MemTable>().is_some()
        });
        let rows = if in_memory { df.count().await.ok().map(|n| n as u64) } else { None };
        out.push(TableInfo { name, columns, rows });
    }
    out
}

async fn run_cell(
    session: &Session,
    cell: &Cell,
    cancel: CancelToken,
    progress: Arc<dyn Fn(&SuperstepStats) + Send + Sync>,
) -> Result<CellResult, CellError> {
    let mut result = match &cell.kind {
        CellKind::Sql { sql } => run_sql(session, &cell.name, sql).await?,
        CellKind::DataFrame { pipeline } => {
            let source = match &pipeline.source {
                Source::Table(t) if t.trim().is_empty() => {
                    return Err(CellError::Setup("choose a source table or file".into()));
                }
                Source::Table(t) => t.trim().to_string(),
                Source::File(p) => {
                    let name = format!("{}_source", cell.name);
                    session.register_file(&name, p.trim()).await?;
                    name
                }
            };
            let df = crate::pipeline::dataframe(session, pipeline, &source).await.map_err(CellError::Setup)?;
            let sql = crate::pipeline::sql_of(&df).map_err(CellError::Setup)?;
            run_df(session, &cell.name, df, sql).await?
        }
        CellKind::Graph { graph } => run_graph(session, cell, graph, cancel, progress).await?,
        CellKind::Markdown { .. } => return Err(CellError::Setup("markdown cells do not run".into())),
    };
    // One batch for the grid and charts, built here rather than on the UI thread.
    let non_empty: Vec<RecordBatch> = result.batches.iter().filter(|b| b.num_columns() > 0).cloned().collect();
    if let Some(first) = non_empty.first() {
        let (schema, batches) = (first.schema(), non_empty.clone());
        let table =
            tokio::task::spawn_blocking(move || ember::datafusion::arrow::compute::concat_batches(&schema, &batches))
                .await
                .map_err(|e| CellError::Internal(e.to_string()))?
                .map_err(|e| CellError::Engine(e.to_string()))?;
        result.table = Some(table);
    }
    Ok(result)
}

async fn run_graph(
    session: &Session,
    cell: &Cell,
    graph: &crate::model::GraphSpec,
    cancel: CancelToken,
    progress: Arc<dyn Fn(&SuperstepStats) + Send + Sync>,
) -> Result<CellResult, CellError> {
    if let Some(q) = graph.query() {
        return run_graph_query(session, cell, graph, q).await;
    }
    let algorithm = graph.algorithm()?;
    let common = ember::algo::Common {
        strategy: ember::Strategy::parse(&graph.strategy)?,
        partitions: graph.partitions,
        ctx: RunContext { cancel, observer: Some(progress), checkpoint: None },
        engine: ember::algo::Engine::parse(&graph.engine)?,
        cluster: None,
    };
    let t0 = Instant::now();
    let (g, load_what) = load_graph(session, graph).await?;
    let from_file = matches!(graph.source, GraphSource::File { .. });
    let load_time = t0.elapsed();
    let categorical = algorithm.spec().output.first().is_some_and(|c| c.ty == ColumnType::Id);
    let (g, out, sample) = tokio::task::spawn_blocking(move || -> Result<_, CellError> {
        let out = ember::job::run(&g, &algorithm, &common, 10)?;
        let sample = sample(&g, &out.table, 150, categorical);
        Ok((g, out, sample))
    })
    .await
    .map_err(|e| CellError::Internal(e.to_string()))??;
    // The run is a transaction: a failed or cancelled run leaves every table of the previous
    // one as it was; a finished one replaces them together.
    if from_file {
        session.register_graph(&g, &format!("{}_vertices", cell.name), &format!("{}_edges", cell.name))?;
    }
    session.register_batches(&cell.name, vec![out.table.clone()])?;
    Ok(CellResult {
        rows: out.table.num_rows(),
        schema: out.table.schema(),
        batches: vec![out.table.clone()],
        table: None,
        sql: None,
        plans: None,
        job: Some(plan::job_tree(&out.plan, Some((load_what, load_time)))),
        supersteps: out.plan.supersteps.clone(),
        sample,
        summary: out.summary,
        elapsed: Duration::ZERO,
    })
}

/// Reads the cell's graph (from its tables or its file) on a blocking thread; returns it and
/// a description of where it came from.
async fn load_graph(session: &Session, graph: &crate::model::GraphSpec) -> Result<(Graph, String), CellError> {
    let opts = GraphOptions { directed: graph.directed, ..GraphOptions::default() };
    // Reading and building the graph is CPU work: a blocking thread runs it, driving the
    // session's async parts (table scans, registration) from there.
    let (session2, source) = (session.clone(), graph.source.clone());
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || -> Result<(Graph, String), CellError> {
        match source {
            GraphSource::Tables { vertices, edges } => {
                if edges.trim().is_empty() {
                    return Err(CellError::Setup("choose an edge table (columns src, dst)".into()));
                }
                let v = Some(vertices.trim()).filter(|v| !v.is_empty());
                let g = handle.block_on(session2.graph(v, edges.trim(), &opts))?;
                Ok((g, format!("tables vertices={}, edges={}", v.unwrap_or("(endpoints)"), edges.trim())))
            }
            GraphSource::File { path } => {
                let mut spec = LoadSpec::new(path.trim());
                spec.options = opts;
                // The graph's tables are registered with the result, when the job succeeds.
                let g = handle.block_on(ember::load::load_async(&spec, session2.context()))?;
                Ok((g, format!("file {}", path.trim())))
            }
        }
    })
    .await
    .map_err(|e| CellError::Internal(e.to_string()))?
}

/// A graph cell running one of the registry's graph queries: the SQL table function over the
/// cell's tables (for a file, the graph's tables `<cell>_vertices` and `<cell>_edges`, staged
/// under other names until the query succeeds, so that a failed run changes nothing). The
/// query runs as a SQL cell would (plans and all); the SQL shown is the one to paste in a SQL cell.
async fn run_graph_query(
    session: &Session,
    cell: &Cell,
    graph: &crate::model::GraphSpec,
    q: &'static ember::registry::QuerySpec,
) -> Result<CellResult, CellError> {
    let (final_v, final_e) = (format!("{}_vertices", cell.name), format!("{}_edges", cell.name));
    match &graph.source {
        GraphSource::Tables { vertices, edges } => {
            if edges.trim().is_empty() {
                return Err(CellError::Setup("choose an edge table (columns src, dst)".into()));
            }
            run_sql(session, &cell.name, &graph.query_sql(q, vertices.trim(), edges.trim())).await
        }
        GraphSource::File { .. } => {
            // Queries follow the edges as the file lists them (all_paths has is_directed).
            let as_listed = crate::model::GraphSpec { directed: true, ..graph.clone() };
            let (g, _) = load_graph(session, &as_listed).await?;
            let (stage_v, stage_e) =
                (format!("__{}_staged_vertices", cell.name), format!("__{}_staged_edges", cell.name));
            session.register_graph(&g, &stage_v, &stage_e)?;
            let run = run_sql(session, &cell.name, &graph.query_sql(q, &stage_v, &stage_e)).await;
            for t in [&stage_v, &stage_e] {
                session.context().deregister_table(t.as_str()).map_err(|e| CellError::Internal(e.to_string()))?;
            }
            let mut res = run?;
            session.register_graph(&g, &final_v, &final_e)?;
            res.sql = Some(graph.query_sql(q, &final_v, &final_e));
            Ok(res)
        }
    }
}

async fn run_sql(session: &Session, name: &str, sql: &str) -> Result<CellResult, CellError> {
    let mut stmts = session.sql_all(sql).await?;
    let last = stmts.pop().ok_or_else(|| CellError::Setup("no SQL statement".into()))?;
    for s in stmts {
        s.df.collect().await.map_err(|e| session.sql_error(&s.sql, e))?;
    }
    run_df(session, name, last.df, sql.to_string()).await
}

/// Runs a planned query, registers its result as table `name`; `sql` is the text shown for it.
async fn run_df(session: &Session, name: &str, df: DataFrame, sql: String) -> Result<CellResult, CellError> {
    let analyzed = plan::analyze(df).await?;
    let schema = analyzed
        .batches
        .first()
        .map(|b| b.schema())
        .unwrap_or_else(|| Arc::new(ember::datafusion::arrow::datatypes::Schema::empty()));
    let rows = analyzed.batches.iter().map(|b| b.num_rows()).sum();
    if !schema.fields().is_empty() && !analyzed.batches.is_empty() {
        session.register_batches(name, analyzed.batches.clone())?;
    }
    Ok(CellResult {
        batches: analyzed.batches,
        table: None,
        schema,
        rows,
        sql: Some(sql),
        plans: Some(analyzed.plans),
        job: None,
        supersteps: vec![],
        sample: None,
        summary: vec![],
        elapsed: Duration::ZERO,
    })
}

/// Picks up to `cap` vertices around the top results: every vertex when the graph is small,
/// else the top vertices by the result value (highest-degree ones for class results, when
/// `categorical`: the value is a vertex id such as a component) and their neighbours, with the
/// edges among them, laid out.
pub fn sample(g: &Graph, table: &RecordBatch, cap: usize, categorical: bool) -> Option<GraphSample> {
    use ember::datafusion::arrow::compute::cast;
    use ember::datafusion::arrow::datatypes::DataType;
    let n = g.num_vertices();
    if table.num_rows() != n || table.num_columns() < 2 || n == 0 {
        return None;
    }
    let col = table.column(1);
    let name = table.schema().field(1).name().clone();
    let values: Vec<f64> = if categorical {
        // Classes are ids: number them by first appearance.
        let mut seen: HashMap<String, f64> = HashMap::new();
        (0..n)
            .map(|i| {
                let k =
                    ember::datafusion::arrow::util::display::array_value_to_string(col.as_ref(), i).unwrap_or_default();
                let next = seen.len() as f64;
                *seen.entry(k).or_insert(next)
            })
            .collect()
    } else {
        let c = cast(col.as_ref(), &DataType::Float64).ok()?;
        let c = c.as_any().downcast_ref::<ember::datafusion::arrow::array::Float64Array>()?.clone();
        (0..n).map(|i| if c.is_null(i) { f64::NAN } else { c.value(i) }).collect()
    };
    let (src, dst) = (g.src(), g.dst());
    let mut chosen: Vec<u32> = Vec::new();
    let mut pick = vec![false; n];
    let note;
    if n <= cap {
        chosen = (0..n as u32).collect();
        pick.iter_mut().for_each(|p| *p = true);
        note = format!("all {n} vertices");
    } else {
        let (out, inn) = g.degrees();
        let mut order: Vec<u32> = (0..n as u32).collect();
        let key = |v: u32| -> f64 {
            if categorical { (out[v as usize] + inn[v as usize]) as f64 } else { values[v as usize] }
        };
        order.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(a.cmp(&b)));
        let seeds = (cap / 8).max(1);
        for &v in order.iter().take(seeds) {
            pick[v as usize] = true;
            chosen.push(v);
        }
        // Each seed's neighbours (either direction), the most important first; then taken in
        // turns, one per seed per round, so every seed shows its neighbourhood (taking them in
        // edge order gave all the room to the seeds listed first).
        let mut slot = vec![u32::MAX; n];
        for (i, &v) in order.iter().take(seeds).enumerate() {
            slot[v as usize] = i as u32;
        }
        let mut around: Vec<Vec<u32>> = vec![Vec::new(); seeds];
        for (&s, &d) in src.iter().zip(dst) {
            for (a, b) in [(s, d), (d, s)] {
                if slot[a as usize] != u32::MAX && a != b {
                    around[slot[a as usize] as usize].push(b);
                }
            }
        }
        for list in around.iter_mut() {
            list.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(a.cmp(&b)));
            list.dedup();
        }
        let mut next = vec![0usize; seeds];
        let mut progress = true;
        while chosen.len() < cap && progress {
            progress = false;
            for (list, at) in around.iter().zip(next.iter_mut()) {
                while *at < list.len() && pick[list[*at] as usize] {
                    *at += 1;
                }
                if *at < list.len() && chosen.len() < cap {
                    pick[list[*at] as usize] = true;
                    chosen.push(list[*at]);
                    progress = true;
                }
            }
        }
        note = format!(
            "{} of {n} vertices: the top {seeds} by {} and their neighbours",
            chosen.len(),
            if categorical { "degree".to_string() } else { name.clone() }
        );
    }
    let mut local = vec![u32::MAX; n];
    for (i, &v) in chosen.iter().enumerate() {
        local[v as usize] = i as u32;
    }
    let mut edges: Vec<(u32, u32)> = src
        .iter()
        .zip(dst)
        .filter(|(s, d)| pick[**s as usize] && pick[**d as usize] && s != d)
        .map(|(&s, &d)| (local[s as usize], local[d as usize]))
        .collect();
    edges.sort_unstable();
    edges.dedup();
    Some(GraphSample {
        labels: chosen.iter().map(|&v| g.ids().display(v)).collect(),
        values: chosen.iter().map(|&v| values[v as usize]).collect(),
        categorical,
        positions: crate::layout::force_layout(chosen.len(), &edges),
        edges,
        note: format!("{note}; coloured by {name}"),
    })
}
