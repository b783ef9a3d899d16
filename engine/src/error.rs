//! The engine's one error type. Each variant says whose fault it is: the input (`Parse`,
//! `Input`), the request (`Config`), the environment (`Io`), DataFusion/Arrow, a cancelled run,
//! or a bug (`Internal`). Messages name the file and line (or column) where the input is at fault.

use std::path::{Path, PathBuf};

/// Result alias used across the engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A text input is malformed at a known line.
    #[error("{}:{line}: {msg}", path.display())]
    Parse { path: PathBuf, line: u64, msg: String },
    /// The input is wrong in a way not tied to one line (missing column, unknown vertex, ...).
    #[error("{0}")]
    Input(String),
    /// A graph's vertex or edge table is at fault, at a row when known (0-based; `also`: another
    /// row involved, as the first of a repeated id). Loaders turn rows into files and lines.
    #[error("{}", table_error_text(*.table, *.row, *.also, .msg))]
    Table { table: Table, row: Option<u64>, also: Option<u64>, msg: String },
    /// A SQL statement is wrong at a known position (1-based line and column).
    #[error("SQL error at line {line}, column {column}: {message}")]
    Sql { line: u64, column: u64, message: String },
    /// A motif pattern is malformed at a column (1-based, in characters).
    #[error("invalid pattern '{pattern}' at column {column}: {message}")]
    Pattern { pattern: String, column: usize, message: String },
    /// The caller asked for something invalid (bad parameter, unknown strategy, ...).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// An operating-system error on a named file.
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    /// An error from DataFusion (SQL, CSV/Parquet reading, execution).
    #[error("{context}: {source}")]
    DataFusion { context: String, source: datafusion::error::DataFusionError },
    /// An error from Arrow (array construction, CSV writing, ...).
    #[error("{context}: {source}")]
    Arrow { context: String, source: datafusion::arrow::error::ArrowError },
    /// An error from the Parquet writer.
    #[error("{context}: {source}")]
    Parquet { context: String, source: datafusion::parquet::errors::ParquetError },
    /// A run across processes failed: a peer could not be reached, exited or broke a
    /// connection (the message names it).
    #[error("distributed run: {0}")]
    Cluster(String),
    /// The run was cancelled through its [`crate::CancelToken`].
    #[error("cancelled")]
    Cancelled,
    /// A broken invariant: a bug in Ember.
    #[error("internal error (a bug in Ember): {0}")]
    Internal(String),
}

/// Which of a graph's input tables an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Vertices,
    Edges,
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Table::Vertices => "vertex table",
            Table::Edges => "edge table",
        })
    }
}

fn table_error_text(table: Table, row: Option<u64>, also: Option<u64>, msg: &str) -> String {
    match (row, also) {
        (None, _) => msg.to_string(),
        (Some(r), None) => format!("{table} row {}: {msg}", r + 1),
        (Some(r), Some(a)) => format!("{table} row {}: {msg} (also row {})", r + 1, a + 1),
    }
}

impl Error {
    /// An error about a whole table (a missing column, a wrong type).
    pub(crate) fn table(table: Table, msg: impl Into<String>) -> Self {
        Error::Table { table, row: None, also: None, msg: msg.into() }
    }
    /// An error at a row of a table (0-based).
    pub(crate) fn row(table: Table, row: usize, msg: impl Into<String>) -> Self {
        Error::Table { table, row: Some(row as u64), also: None, msg: msg.into() }
    }
    pub(crate) fn parse(path: &Path, line: u64, msg: impl Into<String>) -> Self {
        Error::Parse { path: path.to_path_buf(), line, msg: msg.into() }
    }
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io { path: path.to_path_buf(), source }
    }
    pub fn df(context: impl Into<String>, source: datafusion::error::DataFusionError) -> Self {
        Error::DataFusion { context: context.into(), source }
    }
    pub(crate) fn arrow(context: impl Into<String>, source: datafusion::arrow::error::ArrowError) -> Self {
        Error::Arrow { context: context.into(), source }
    }
}
