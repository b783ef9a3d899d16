//! Loading graphs from files. Text formats (SNAP, LDBC, Matrix Market, DIMACS) have their own
//! streaming parallel parsers; CSV and Parquet tables are read through DataFusion.
//! Every error names the file and, for text, the line.

pub mod dimacs;
pub mod edgelist;
pub mod files;
pub mod ldbc;
pub mod mtx;
pub mod shard;
pub mod table;
pub mod text;

use std::path::{Path, PathBuf};

use datafusion::prelude::SessionContext;

use crate::context::CancelToken;
use crate::error::{Error, Result, Table};
use crate::graph::{Graph, GraphOptions};
use crate::ids::IdColumn;

pub use table::CsvOptions;

/// A file format for graph input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// SNAP edge list: `src dst [weight]` lines, `#` comments, optionally gzip.
    Snap,
    /// LDBC Graphalytics folder or `.properties` file.
    Ldbc,
    /// CSV with a header row.
    Csv,
    /// Parquet.
    Parquet,
    /// Matrix Market coordinate `.mtx`.
    MatrixMarket,
    /// DIMACS shortest-path `.gr`.
    Dimacs,
}

impl Format {
    pub const NAMES: &'static [&'static str] = &["snap", "ldbc", "csv", "parquet", "mtx", "dimacs"];

    pub fn parse(name: &str) -> Result<Format> {
        Ok(match name.to_ascii_lowercase().as_str() {
            "snap" | "edgelist" | "txt" => Format::Snap,
            "ldbc" => Format::Ldbc,
            "csv" => Format::Csv,
            "parquet" => Format::Parquet,
            "mtx" | "matrixmarket" => Format::MatrixMarket,
            "dimacs" | "gr" => Format::Dimacs,
            other => {
                return Err(Error::Config(format!("unknown format '{other}'; known: {}", Format::NAMES.join(", "))));
            }
        })
    }

    /// Guesses the format from the name (a compression suffix is looked through): a folder
    /// with a `.properties` file is LDBC, another folder or a glob goes by its files' names.
    pub fn detect(path: &Path) -> Format {
        if path.is_dir() && ldbc::is_graph_folder(path) {
            return Format::Ldbc;
        }
        let name = files::format_name(path);
        let ext = name.rsplit('.').next().unwrap_or("");
        match ext {
            "parquet" => Format::Parquet,
            "csv" | "tsv" => Format::Csv,
            "mtx" => Format::MatrixMarket,
            "gr" => Format::Dimacs,
            "properties" => Format::Ldbc,
            _ => Format::Snap,
        }
    }
}

/// What to load and how.
#[derive(Debug, Clone)]
pub struct LoadSpec {
    pub edges: PathBuf,
    pub vertices: Option<PathBuf>,
    /// `None`: detected from the edge file's name.
    pub format: Option<Format>,
    pub options: GraphOptions,
    pub csv: CsvOptions,
    /// Cancels reading text formats between blocks of 16 MiB (`Error::Cancelled`).
    pub cancel: CancelToken,
}

impl LoadSpec {
    pub fn new(edges: impl Into<PathBuf>) -> Self {
        LoadSpec {
            edges: edges.into(),
            vertices: None,
            format: None,
            options: GraphOptions::default(),
            csv: CsvOptions::default(),
            cancel: CancelToken::default(),
        }
    }
    pub fn format(&self) -> Format {
        self.format.unwrap_or_else(|| Format::detect(&self.edges))
    }
}

/// Loads a graph. CSV and Parquet are read through DataFusion in `ctx`.
pub async fn load_async(spec: &LoadSpec, ctx: &SessionContext) -> Result<Graph> {
    let format = spec.format();
    match format {
        Format::Csv | Format::Parquet => {
            let edges = read_table(spec, ctx, &spec.edges).await?;
            let vertices = match &spec.vertices {
                Some(v) => Some(read_table(spec, ctx, v).await?),
                None => None,
            };
            Graph::from_batches(vertices.as_deref(), &edges, &spec.options).map_err(|e| locate(e, spec))
        }
        _ => load_text(spec),
    }
}

/// A CSV or Parquet table of `spec`'s format (edges or vertices) at `path`.
async fn read_table(
    spec: &LoadSpec,
    ctx: &SessionContext,
    path: &Path,
) -> Result<Vec<datafusion::arrow::array::RecordBatch>> {
    match spec.format() {
        Format::Csv => table::read_csv(ctx, path, &spec.csv).await,
        _ => table::read_parquet(ctx, path).await,
    }
}

/// A private single-threaded runtime, for reading tables from blocking code.
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| Error::Internal(format!("cannot start a runtime: {e}")))
}

/// The ids of a text vertex file (one per line), or of every file of a folder or glob.
fn text_vertex_ids(path: &Path, cancel: &CancelToken) -> Result<Vec<i64>> {
    let mut ids = Vec::new();
    for f in files::expand(path)? {
        ids.extend(edgelist::read_vertex_ids(&f, cancel)?);
    }
    Ok(ids)
}

/// Loads a graph, blocking; CSV and Parquet run on a private single-threaded runtime.
/// (From async code, call [`load_async`] instead.)
pub fn load(spec: &LoadSpec) -> Result<Graph> {
    match spec.format() {
        Format::Csv | Format::Parquet => runtime()?.block_on(load_async(spec, &table::context())),
        _ => load_text(spec),
    }
}

/// Turns an error about a table row into one naming the file and line (1-based, a CSV header
/// counted) or, for Parquet, the file and row; an error about a whole table names its file.
fn locate(e: Error, spec: &LoadSpec) -> Error {
    let (table, row, also, msg) = match e {
        Error::Table { table, row, also, msg } => (table, row, also, msg),
        Error::Input(msg) => return Error::Input(format!("{}: {msg}", spec.edges.display())),
        other => return other,
    };
    let path = match (table, &spec.vertices) {
        (Table::Vertices, Some(v)) => v.as_path(),
        _ => spec.edges.as_path(),
    };
    let Some(row) = row else {
        return Error::Input(format!("{}: {msg}", path.display()));
    };
    let Some(at) = row_location(spec, table, row) else {
        return Error::Input(format!("{}: {table} row {}: {msg}", path.display(), row + 1));
    };
    let also = also.and_then(|a| row_location(spec, table, a)).map(|a| match (&a, &at) {
        (Location::Line(f, l), Location::Line(f0, _)) if f == f0 => format!(" (also on line {l})"),
        (Location::Row(f, r), Location::Row(f0, _)) if f == f0 => format!(" (also row {r})"),
        _ => format!(" (also {a})"),
    });
    let msg = msg + also.as_deref().unwrap_or("");
    match at {
        Location::Line(path, line) => Error::Parse { path, line, msg },
        Location::Row(file, r) => Error::Input(format!("{}: row {r}: {msg}", file.display())),
    }
}

/// Where a table row came from: a text line, or a Parquet row (both 1-based).
enum Location {
    Line(PathBuf, u64),
    Row(PathBuf, u64),
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Line(p, l) => write!(f, "{}:{l}", p.display()),
            Location::Row(p, r) => write!(f, "{} row {r}", p.display()),
        }
    }
}

/// Finds row `row` (0-based, in reading order) of a table on disk. Runs on the error path only:
/// it reads the files again. `None` where rows cannot be traced (Matrix Market, DIMACS).
fn row_location(spec: &LoadSpec, table: Table, row: u64) -> Option<Location> {
    let format = spec.format();
    let files = match (format, table) {
        (Format::Ldbc, _) => {
            let g = ldbc::LdbcGraph::open(&spec.edges).ok()?;
            vec![if table == Table::Vertices { g.vertex_file } else { g.edge_file }]
        }
        (_, Table::Vertices) => files::expand(spec.vertices.as_ref()?).ok()?,
        (_, Table::Edges) => files::expand(&spec.edges).ok()?,
    };
    let mut left = row;
    for file in files {
        match format {
            Format::Parquet => {
                use datafusion::parquet::file::reader::{FileReader, SerializedFileReader};
                let reader = SerializedFileReader::new(std::fs::File::open(&file).ok()?).ok()?;
                let n = reader.metadata().file_metadata().num_rows() as u64;
                if left < n {
                    return Some(Location::Row(file, left + 1));
                }
                left -= n;
            }
            Format::Csv | Format::Snap | Format::Ldbc => {
                // Text is read plain or gzip (by its bytes); other compressions are not traced.
                if !matches!(files::Compression::of(&file), files::Compression::None | files::Compression::Gzip) {
                    return None;
                }
                // CSV: every line after the header is a row; text: every line but blank and
                // `#` comment lines.
                let mut r = text::TextReader::open(&file).ok()?;
                if format == Format::Csv && spec.csv.has_header {
                    r.next_line().ok()?;
                }
                while let Ok(Some((line, text))) = r.next_line() {
                    let data = format == Format::Csv || !(text.trim().is_empty() || text.starts_with('#'));
                    if data {
                        if left == 0 {
                            return Some(Location::Line(file, line));
                        }
                        left -= 1;
                    }
                }
            }
            Format::MatrixMarket | Format::Dimacs => return None,
        }
    }
    None
}

/// The one file a single-file format (Matrix Market, DIMACS) reads; a glob may name it.
fn single_file(path: &Path, what: &str) -> Result<PathBuf> {
    let mut files = files::expand(path)?;
    if files.len() > 1 {
        return Err(Error::Input(format!(
            "{}: a {what} graph is one file (its header gives the sizes), found {} files",
            path.display(),
            files.len()
        )));
    }
    Ok(files.remove(0))
}

fn load_text(spec: &LoadSpec) -> Result<Graph> {
    let mut list = match spec.format() {
        Format::Snap => edgelist::read_edge_lists(&files::expand(&spec.edges)?, &spec.cancel)?,
        Format::Ldbc => ldbc::LdbcGraph::open(&spec.edges)?.read(&spec.cancel)?,
        Format::MatrixMarket => mtx::read(&single_file(&spec.edges, "Matrix Market")?, &spec.cancel)?,
        Format::Dimacs => dimacs::read(&single_file(&spec.edges, "DIMACS")?, &spec.cancel)?,
        Format::Csv | Format::Parquet => return Err(Error::Internal("table formats are not text".into())),
    };
    if let Some(v) = &spec.vertices {
        list.vertices = Some(IdColumn::Int(text_vertex_ids(v, &spec.cancel)?));
    }
    Graph::from_edge_list(list, &spec.options).map_err(|e| locate(e, spec))
}
