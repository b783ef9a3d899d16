//! Tables read through DataFusion: CSV (with header) and Parquet edge and vertex tables.

use std::path::Path;

use datafusion::arrow::array::RecordBatch;
use datafusion::prelude::{CsvReadOptions, DataFrame, ParquetReadOptions, SessionContext};

use crate::error::{Error, Result};

/// The DataFusion settings Ember reads tables with (the loaders' context and every
/// `sql::Session`): Parquet strings as written (Utf8, not Utf8View), and no statistics
/// collected when a file is registered — DataFusion 55 let a Parquet column's statistics
/// replace values (a weight column `[1.0, NaN]` was read as `[1.0, 1.0]`), and values must
/// never depend on how a file was summarised.
pub fn session_config() -> datafusion::prelude::SessionConfig {
    let mut config = datafusion::prelude::SessionConfig::new();
    config.options_mut().execution.parquet.schema_force_view_types = false;
    config.options_mut().execution.collect_statistics = false;
    config
}

/// A context with [`session_config`].
pub fn context() -> SessionContext {
    SessionContext::new_with_config(session_config())
}

/// Options for CSV tables.
#[derive(Debug, Clone)]
pub struct CsvOptions {
    pub delimiter: u8,
    pub has_header: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions { delimiter: b',', has_header: true }
    }
}

/// The path as text, or an error naming it when it does not exist.
pub(crate) fn path_str(path: &Path) -> Result<&str> {
    if !path.exists() {
        return Err(Error::io(path, std::io::Error::new(std::io::ErrorKind::NotFound, "no such file")));
    }
    path.to_str().ok_or_else(|| Error::Input(format!("{}: path is not valid UTF-8", path.display())))
}

/// Everything from the first dot of the file name (`.csv.gz`), as DataFusion's readers expect.
pub(crate) fn extension(path: &Path) -> String {
    path.file_name().and_then(|n| n.to_str()).and_then(|n| n.find('.').map(|i| n[i..].to_string())).unwrap_or_default()
}

/// A CSV file as a lazy DataFrame (header and delimiter per `opts`, schema inferred).
pub async fn csv_df(ctx: &SessionContext, path: &Path, opts: &CsvOptions) -> Result<DataFrame> {
    let p = path_str(path)?;
    let ext = extension(path);
    let options = CsvReadOptions::new().has_header(opts.has_header).delimiter(opts.delimiter).file_extension(&ext);
    ctx.read_csv(p, options).await.map_err(|e| Error::df(format!("reading CSV {}", path.display()), e))
}

/// A Parquet file as a lazy DataFrame.
pub async fn parquet_df(ctx: &SessionContext, path: &Path) -> Result<DataFrame> {
    let p = path_str(path)?;
    let ext = extension(path);
    let options = ParquetReadOptions { file_extension: &ext, ..Default::default() };
    ctx.read_parquet(p, options).await.map_err(|e| Error::df(format!("reading Parquet {}", path.display()), e))
}

/// Reads a whole CSV file into record batches (schema inferred from the data).
pub async fn read_csv(ctx: &SessionContext, path: &Path, opts: &CsvOptions) -> Result<Vec<RecordBatch>> {
    let df = csv_df(ctx, path, opts).await?;
    df.collect().await.map_err(|e| Error::df(format!("reading CSV {}", path.display()), e))
}

/// Reads a whole Parquet file into record batches.
pub async fn read_parquet(ctx: &SessionContext, path: &Path) -> Result<Vec<RecordBatch>> {
    let df = parquet_df(ctx, path).await?;
    df.collect().await.map_err(|e| Error::df(format!("reading Parquet {}", path.display()), e))
}
