//! The SQL/DataFrame session: Ember's SparkSession, a thin layer over DataFusion's
//! `SessionContext`. It reads CSV/Parquet/NDJSON, registers tables and views, runs SQL (one or
//! many statements), writes results atomically, and connects graphs and tables both ways: graphs
//! are built from tables, loaders register their tables, algorithm results register as tables,
//! and the graph algorithms are SQL table functions (see [`functions`]).
//!
//! DataFusion's `DataFrame` is exposed as is; only what Ember needs is added. Errors are mapped
//! so SQL syntax errors carry line and column and unknown tables list the tables that exist.

pub mod functions;
pub mod graph_exec;
pub mod guard;
pub mod hll;
pub mod plan;
pub mod queries;

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{DataFrame, SessionContext};
use futures::StreamExt;

use crate::error::{Error, Result};
use crate::graph::{Graph, GraphOptions};
use crate::load::table::TableFormat;
use crate::load::{self, CsvOptions, LoadSpec};
use crate::output;

/// Session settings.
#[derive(Debug, Clone, Default)]
pub struct SessionOptions {
    /// Memory limit for query execution in bytes (sorts, joins and aggregates spill or fail
    /// beyond it). `None`: unlimited.
    pub memory_limit: Option<usize>,
    /// Parallelism of query execution (default: the number of cores).
    pub target_partitions: Option<usize>,
}

/// A SQL and DataFrame session with Ember's graph functions registered.
#[derive(Clone)]
pub struct Session {
    ctx: SessionContext,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("session_id", &self.ctx.session_id()).finish()
    }
}

impl Default for Session {
    fn default() -> Self {
        Session::new()
    }
}

/// The result of one statement of [`Session::sql_all`].
#[derive(Debug)]
pub struct StatementResult {
    /// The statement's text.
    pub sql: String,
    pub df: DataFrame,
}

impl Session {
    pub fn new() -> Session {
        // Default options cannot fail to build a runtime.
        Session::with_options(&SessionOptions::default())
            .unwrap_or_else(|_| Session::from_context(SessionContext::new()))
    }

    pub fn with_options(opts: &SessionOptions) -> Result<Session> {
        // Tables read as the loaders read them (see `load::table::session_config`).
        let mut config = crate::load::table::session_config().with_information_schema(true);
        config.options_mut().sql_parser.collect_spans = true;
        if let Some(p) = opts.target_partitions {
            config = config.with_target_partitions(p.max(1));
        }
        let mut rt = RuntimeEnvBuilder::new();
        if let Some(limit) = opts.memory_limit {
            rt = rt.with_memory_limit(limit, 1.0);
        }
        let runtime = rt.build_arc().map_err(|e| Error::df("creating the session runtime", e))?;
        Ok(Session::from_context(SessionContext::new_with_config_rt(config, runtime)))
    }

    /// Wraps an existing DataFusion context and registers Ember's table functions in it.
    pub fn from_context(ctx: SessionContext) -> Session {
        functions::register_all(&ctx);
        queries::register_all(&ctx);
        hll::register_all(&ctx);
        Session { ctx }
    }

    /// The underlying DataFusion context.
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// Reads a CSV file (header and delimiter per `opts`, schema inferred).
    pub async fn read_csv(&self, path: impl AsRef<Path>, opts: &CsvOptions) -> Result<DataFrame> {
        load::table::csv_df(&self.ctx, path.as_ref(), opts).await
    }

    pub async fn read_parquet(&self, path: impl AsRef<Path>) -> Result<DataFrame> {
        load::table::parquet_df(&self.ctx, path.as_ref()).await
    }

    /// Reads newline-delimited JSON.
    pub async fn read_json(&self, path: impl AsRef<Path>) -> Result<DataFrame> {
        load::table::table_df(&self.ctx, path.as_ref(), &TableFormat::Json).await
    }

    /// Reads a table by its name: `.csv`/`.tsv` (comma / tab, optionally `.gz`, `.bz2`, `.xz`,
    /// `.zst`), `.parquet`, `.json`/`.ndjson`; a folder of part files or a glob by its files' names.
    pub async fn read_file(&self, path: impl AsRef<Path>) -> Result<DataFrame> {
        let path = path.as_ref();
        match TableFormat::detect(path) {
            Some(format) => load::table::table_df(&self.ctx, path, &format).await,
            None => {
                load::files::expand(path)?;
                Err(Error::Input(format!(
                    "{}: unknown table format (use .csv, .tsv, .parquet or .json, optionally compressed: .csv.gz)",
                    path.display()
                )))
            }
        }
    }

    /// Registers a file as table `name`.
    pub async fn register_file(&self, name: &str, path: impl AsRef<Path>) -> Result<()> {
        let df = self.read_file(path).await?;
        self.register_df(name, df)
    }

    /// Registers a DataFrame (a lazy query) as view `name`, replacing any table of that name.
    /// A DataFrame that is a whole file or table (a bare scan) is registered as that table
    /// itself, so plans and SQL rendered from them name it (`FROM sales`, not an inlined scan).
    pub fn register_df(&self, name: &str, df: DataFrame) -> Result<()> {
        self.deregister(name)?;
        let provider = match df.logical_plan() {
            datafusion::logical_expr::LogicalPlan::TableScan(scan)
                if scan.projection.is_none() && scan.filters.is_empty() && scan.fetch.is_none() =>
            {
                datafusion::datasource::source_as_provider(&scan.source)
                    .map_err(|e| Error::df(format!("registering {name}"), e))?
            }
            _ => df.into_view(),
        };
        self.ctx.register_table(name, provider).map_err(|e| Error::df(format!("registering {name}"), e))?;
        Ok(())
    }

    /// Registers record batches as in-memory table `name`, replacing any table of that name.
    pub fn register_batches(&self, name: &str, batches: Vec<RecordBatch>) -> Result<()> {
        let Some(first) = batches.first() else {
            return Err(Error::Input(format!("cannot register {name}: no data")));
        };
        let table = MemTable::try_new(first.schema(), vec![batches])
            .map_err(|e| Error::df(format!("registering {name}"), e))?;
        self.deregister(name)?;
        self.ctx.register_table(name, Arc::new(table)).map_err(|e| Error::df(format!("registering {name}"), e))?;
        Ok(())
    }

    fn deregister(&self, name: &str) -> Result<()> {
        self.ctx.deregister_table(name).map_err(|e| Error::df(format!("replacing {name}"), e))?;
        Ok(())
    }

    /// Names of the tables and views in the default schema, sorted.
    pub fn table_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .ctx
            .catalog("datafusion")
            .and_then(|c| c.schema("public"))
            .map(|s| s.table_names())
            .unwrap_or_default();
        names.sort();
        names
    }

    /// Plans one SQL statement (DDL such as `CREATE VIEW` runs immediately).
    pub async fn sql(&self, sql: &str) -> Result<DataFrame> {
        guard::check(sql)?;
        self.ctx.sql(sql).await.map_err(|e| self.sql_error(sql, e))
    }

    /// Plans and runs every statement of a script separated by `;`, in order. DDL statements
    /// take effect before the next statement is planned.
    pub async fn sql_all(&self, script: &str) -> Result<Vec<StatementResult>> {
        let stmts = split_statements(script);
        if stmts.is_empty() {
            return Err(Error::Sql { line: 1, column: 1, message: "no SQL statement".into() });
        }
        let mut out = Vec::new();
        for st in stmts {
            guard::check(&st.padded).map_err(|e| shift_lines(e, st.line_offset))?;
            let df =
                self.ctx.sql(&st.padded).await.map_err(|e| shift_lines(self.sql_error(&st.text, e), st.line_offset))?;
            out.push(StatementResult { sql: st.text, df });
        }
        Ok(out)
    }

    /// Maps a DataFusion error of a SQL statement to Ember's error with positions and hints.
    pub fn sql_error(&self, _sql: &str, e: DataFusionError) -> Error {
        error_of(e, || self.table_names())
    }

    /// Runs a DataFrame and writes it to `path` (`.csv` or `.parquet`), streaming into a
    /// temporary file that is renamed into place. Returns the number of rows written.
    pub async fn write(&self, df: DataFrame, path: impl AsRef<Path>) -> Result<u64> {
        self.write_as(df, path, None).await
    }

    /// [`Session::write`] in `format` (by the extension of `path` when `None`).
    pub async fn write_as(
        &self,
        df: DataFrame,
        path: impl AsRef<Path>,
        format: Option<output::OutFormat>,
    ) -> Result<u64> {
        let path = path.as_ref();
        // A bad extension fails before anything runs.
        let format = Some(output::OutFormat::resolve(path, format)?);
        let schema = Arc::new(df.schema().as_arrow().clone());
        let mut stream = df.execute_stream().await.map_err(|e| Error::df(format!("writing {}", path.display()), e))?;
        // The file takes the batches' own schema (the logical one may differ in nullability).
        let mut out: Option<output::BatchFileWriter> = None;
        while let Some(b) = stream.next().await {
            let b = b.map_err(|e| Error::df(format!("writing {}", path.display()), e))?;
            let w = match &mut out {
                Some(w) => w,
                None => out.insert(output::BatchFileWriter::create_as(path, format, b.schema())?),
            };
            w.write(&b)?;
            // A source that is always ready (generate_series, memory tables) would otherwise
            // never let the caller's other futures run: a Ctrl-C select could not cancel it.
            tokio::task::yield_now().await;
        }
        match out {
            Some(w) => w.finish(),
            None => output::BatchFileWriter::create_as(path, format, schema)?.finish(),
        }
    }

    /// Builds a graph from two tables or views: `edges` with `src`/`dst` (names per `opts`),
    /// optional `vertices` with `id`.
    pub async fn graph(&self, vertices: Option<&str>, edges: &str, opts: &GraphOptions) -> Result<Graph> {
        let e = self.table_df(edges).await?;
        let v = match vertices {
            Some(v) => Some(self.table_df(v).await?),
            None => None,
        };
        self.graph_from_dfs(v, e, opts).await
    }

    /// Builds a graph from two DataFrames (any queries).
    pub async fn graph_from_dfs(
        &self,
        vertices: Option<DataFrame>,
        edges: DataFrame,
        opts: &GraphOptions,
    ) -> Result<Graph> {
        let e = edges.collect().await.map_err(|e| Error::df("reading the edge table", e))?;
        let v = match vertices {
            Some(v) => Some(v.collect().await.map_err(|e| Error::df("reading the vertex table", e))?),
            None => None,
        };
        let graph = Graph::from_batches(v.as_deref(), &e, opts)?;
        Ok(graph)
    }

    async fn table_df(&self, name: &str) -> Result<DataFrame> {
        self.ctx.table(name).await.map_err(|e| self.sql_error(name, e))
    }

    /// Loads a graph file and registers its vertex and edge tables under the given names.
    pub async fn load_graph(&self, spec: &LoadSpec, vertices_name: &str, edges_name: &str) -> Result<Graph> {
        let g = load::load_async(spec, &self.ctx).await?;
        self.register_graph(&g, vertices_name, edges_name)?;
        Ok(g)
    }

    /// Registers a graph's vertex and edge tables.
    pub fn register_graph(&self, g: &Graph, vertices_name: &str, edges_name: &str) -> Result<()> {
        self.register_batches(vertices_name, vec![g.vertices_batch()?])?;
        self.register_batches(edges_name, vec![g.edges_batch()?])
    }
}

/// Maps a DataFusion error of SQL text (a statement or an expression) to Ember's error with
/// positions and hints; `tables` lists the tables that exist, for unknown-table errors.
pub(crate) fn error_of(e: DataFusionError, tables: impl FnOnce() -> Vec<String>) -> Error {
    let diag_span = e.diagnostic().and_then(|d| d.span).map(|s| (s.start.line, s.start.column));
    let inner = e.find_root();
    let text = inner.to_string();
    if let DataFusionError::SQL(pe, _) = inner {
        let msg = pe.to_string();
        let msg = msg.strip_prefix("sql parser error: ").unwrap_or(&msg).to_string();
        if let Some((line, column, rest)) = parse_position(&msg) {
            return Error::Sql { line, column, message: rest };
        }
        return Error::Sql { line: 1, column: 1, message: msg };
    }
    if text.contains("not found") && text.contains("table '") && !text.contains("tables are:") {
        let tables = tables();
        let msg = format!(
            "{}; tables are: {}",
            strip_df_prefix(&text),
            if tables.is_empty() { "(none)".to_string() } else { tables.join(", ") }
        );
        return match diag_span {
            Some((line, column)) => Error::Sql { line, column, message: msg },
            None => Error::Input(msg),
        };
    }
    let mut message = strip_df_prefix(&text).trim().replace("\n", " ");
    // Errors raised inside Ember's operators carry the function name as context.
    let contexts: Vec<&str> = e
        .iter()
        .filter_map(|x| match x {
            DataFusionError::Context(c, _) => Some(c.as_str()),
            _ => None,
        })
        .collect();
    if !contexts.is_empty() {
        message = format!("{}: {message}", contexts.join(": "));
    }
    let not_found = e.iter().find_map(|x| match x {
        DataFusionError::SchemaError(se, _) => match se.as_ref() {
            datafusion::common::SchemaError::FieldNotFound { valid_fields, .. } => Some(valid_fields),
            _ => None,
        },
        _ => None,
    });
    if let Some(valid_fields) = not_found
        && !message.contains("Valid fields are")
    {
        let names: Vec<String> = valid_fields.iter().map(|c| c.flat_name()).collect();
        message = format!("{message} Valid fields are {}.", names.join(", "));
    }
    match diag_span {
        Some((line, column)) => Error::Sql { line, column, message },
        None => Error::Input(message),
    }
}

fn strip_df_prefix(s: &str) -> String {
    for p in ["Error during planning: ", "Schema error: ", "Execution error: ", "External error: "] {
        if let Some(rest) = s.strip_prefix(p) {
            return rest.to_string();
        }
    }
    s.to_string()
}

/// Finds sqlparser's "... at Line: L, Column: C" and returns (L, C, message without it).
fn parse_position(msg: &str) -> Option<(u64, u64, String)> {
    let i = msg.rfind(" at Line: ")?;
    let rest = &msg[i + " at Line: ".len()..];
    let (l, c) = rest.split_once(", Column: ")?;
    let line = l.trim().parse().ok()?;
    let column = c.trim().trim_end_matches(|ch: char| !ch.is_ascii_digit()).parse().ok()?;
    Some((line, column, msg[..i].to_string()))
}

fn shift_lines(e: Error, offset: u64) -> Error {
    match e {
        Error::Sql { line, column, message } => Error::Sql { line: line + offset, column, message },
        other => other,
    }
}

/// One statement of a script.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// Lines of the script before the statement's chunk (0-based line of its first character).
    pub line_offset: u64,
    /// The chunk as the parser sees it: the statement's text, left-padded with spaces to the
    /// column where it starts, so the parser's line and column map back to the script.
    pub padded: String,
    /// The statement, trimmed (for display).
    pub text: String,
}

/// Splits a script at `;` outside quotes and comments; empty statements are dropped.
pub fn split_statements(script: &str) -> Vec<Statement> {
    let mut out = Vec::new();
    let (mut line, mut col) = (0u64, 0usize);
    let mut start = (0u64, 0usize, 0usize); // line, column, byte offset of the current chunk
    let mut quote: Option<char> = None;
    let mut comment = false;
    let mut prev = '\0';
    let mut push = |start: (u64, usize, usize), end: usize| {
        let chunk = &script[start.2..end];
        if !chunk.lines().map(|l| l.split("--").next().unwrap_or("")).collect::<String>().trim().is_empty() {
            out.push(Statement {
                line_offset: start.0,
                padded: format!("{}{chunk}", " ".repeat(start.1)),
                text: chunk.trim().to_string(),
            });
        }
    };
    for (i, c) in script.char_indices() {
        match (quote, comment, c) {
            (_, true, '\n') => comment = false,
            (_, true, _) => {}
            (Some(q), _, _) if c == q => quote = None,
            (Some(_), _, _) => {}
            (None, _, '\'' | '"') => quote = Some(c),
            (None, _, '-') if prev == '-' => comment = true,
            (None, _, ';') => {
                push(start, i);
                start = (line, col + 1, i + 1);
            }
            _ => {}
        }
        prev = c;
        if c == '\n' {
            line += 1;
            col = 0;
        } else {
            col += 1;
        }
    }
    push(start, script.len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_outside_quotes_and_comments() {
        let s = split_statements("SELECT ';' AS a; -- x; y\nSELECT 2;\n\n  ;SELECT \"q;\" FROM t");
        let texts: Vec<&str> = s.iter().map(|x| x.text.as_str()).collect();
        assert_eq!(texts, vec!["SELECT ';' AS a", "-- x; y\nSELECT 2", "SELECT \"q;\" FROM t"]);
        assert_eq!(s[2].line_offset, 3);
        assert_eq!(s[2].padded, "   SELECT \"q;\" FROM t");
    }

    #[test]
    fn syntax_error_positions_are_in_script_coordinates() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let session = Session::new();
        let err = rt.block_on(session.sql_all("SELECT 1;\nSELECT 2; SELEC 3")).unwrap_err();
        match err {
            Error::Sql { line, column, .. } => assert_eq!((line, column), (2, 11)),
            other => panic!("{other}"),
        }
    }
}
