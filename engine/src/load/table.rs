//! Tables read through DataFusion: CSV (with header) and Parquet edge and vertex tables.

use std::path::Path;

use datafusion::arrow::array::RecordBatch;
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions, SessionContext};

use crate::error::{Error, Result};

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

/// Reads a whole CSV file into record batches (schema inferred from the data).
pub async fn read_csv(ctx: &SessionContext, path: &Path, opts: &CsvOptions) -> Result<Vec<RecordBatch>> {
    let p = path_str(path)?;
    let ext = extension(path);
    let options = CsvReadOptions::new().has_header(opts.has_header).delimiter(opts.delimiter).file_extension(&ext);
    let context = || format!("reading CSV {}", path.display());
    let df = ctx.read_csv(p, options).await.map_err(|e| Error::df(context(), e))?;
    df.collect().await.map_err(|e| Error::df(context(), e))
}

/// Reads a whole Parquet file into record batches.
pub async fn read_parquet(ctx: &SessionContext, path: &Path) -> Result<Vec<RecordBatch>> {
    let p = path_str(path)?;
    let ext = extension(path);
    let context = || format!("reading Parquet {}", path.display());
    let options = ParquetReadOptions { file_extension: &ext, ..Default::default() };
    let df = ctx.read_parquet(p, options).await.map_err(|e| Error::df(context(), e))?;
    df.collect().await.map_err(|e| Error::df(context(), e))
}
