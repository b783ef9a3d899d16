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
    /// A SQL statement is wrong at a known position (1-based line and column).
    #[error("SQL error at line {line}, column {column}: {message}")]
    Sql { line: u64, column: u64, message: String },
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
    /// The run was cancelled through its [`crate::CancelToken`].
    #[error("cancelled")]
    Cancelled,
    /// A broken invariant: a bug in Ember.
    #[error("internal error (a bug in Ember): {0}")]
    Internal(String),
}

impl Error {
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
