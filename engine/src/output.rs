//! Writing results: CSV (with header) or Parquet chosen by the file extension, and the LDBC
//! `vertex value` text format. Every writer goes through [`crate::atomic_file`]: the target is
//! replaced whole or left as it was, and a failed, cancelled or killed write leaves no file behind.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::csv::WriterBuilder;
use datafusion::parquet::arrow::ArrowWriter;

use crate::atomic_file::AtomicFile;
use crate::context::CancelToken;
use crate::error::{Error, Result};

/// Output file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutFormat {
    Csv,
    Parquet,
}

impl OutFormat {
    /// The names `parse` accepts.
    pub const NAMES: &'static [&'static str] = &["csv", "parquet"];

    /// From a name: `csv` or `parquet`.
    pub fn parse(name: &str) -> Result<OutFormat> {
        match name.to_ascii_lowercase().as_str() {
            "csv" => Ok(OutFormat::Csv),
            "parquet" => Ok(OutFormat::Parquet),
            other => Err(Error::Config(format!("unknown output format '{other}'; known: csv, parquet"))),
        }
    }

    /// `format` if given, else from the extension of `path`.
    pub fn resolve(path: &Path, format: Option<OutFormat>) -> Result<OutFormat> {
        match format {
            Some(f) => Ok(f),
            None => OutFormat::from_path(path),
        }
    }

    /// From the extension: `.csv` or `.parquet`.
    pub fn from_path(path: &Path) -> Result<OutFormat> {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("csv") => Ok(OutFormat::Csv),
            Some("parquet") => Ok(OutFormat::Parquet),
            _ => Err(Error::Config(format!(
                "{}: output must end in .csv or .parquet (or give the output format)",
                path.display()
            ))),
        }
    }
}

pub use crate::atomic_file::check_target;

/// Writes through `write` into what becomes `path` once `write` succeeds (see [`crate::atomic_file`]).
pub fn write_atomic(path: &Path, write: impl FnOnce(&mut BufWriter<AtomicFile>) -> Result<()>) -> Result<()> {
    crate::atomic_file::write_with(path, write)
}

enum Sink {
    Csv(datafusion::arrow::csv::Writer<BufWriter<AtomicFile>>),
    Parquet(ArrowWriter<BufWriter<AtomicFile>>),
}

/// Writes record batches one by one into an [`AtomicFile`] that becomes the target on
/// [`BatchFileWriter::finish`]; dropped unfinished, it leaves nothing behind.
pub struct BatchFileWriter {
    path: PathBuf,
    sink: Option<Sink>,
    schema: datafusion::arrow::datatypes::SchemaRef,
    rows: u64,
    batches: u64,
}

impl BatchFileWriter {
    /// Starts a CSV (with header) or Parquet file, by the extension of `path`.
    pub fn create(path: &Path, schema: datafusion::arrow::datatypes::SchemaRef) -> Result<Self> {
        Self::create_as(path, None, schema)
    }

    /// Starts a file in `format`, or by the extension of `path` when `None`.
    pub fn create_as(
        path: &Path,
        format: Option<OutFormat>,
        schema: datafusion::arrow::datatypes::SchemaRef,
    ) -> Result<Self> {
        let format = OutFormat::resolve(path, format)?;
        let f = BufWriter::with_capacity(1 << 20, AtomicFile::create(path)?);
        let ctx = || format!("writing {}", path.display());
        let sink = match format {
            OutFormat::Csv => Sink::Csv(WriterBuilder::new().with_header(true).build(f)),
            OutFormat::Parquet => Sink::Parquet(
                ArrowWriter::try_new(f, schema.clone(), None)
                    .map_err(|e| Error::Parquet { context: ctx(), source: e })?,
            ),
        };
        Ok(BatchFileWriter { path: path.to_path_buf(), sink: Some(sink), schema, rows: 0, batches: 0 })
    }

    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let path = &self.path;
        match self.sink.as_mut() {
            Some(Sink::Csv(w)) => w.write(batch).map_err(|e| arrow_error(path, e))?,
            Some(Sink::Parquet(w)) => w.write(batch).map_err(|e| parquet_error(path, e))?,
            None => return Err(Error::Internal("write after finish".into())),
        }
        self.rows += batch.num_rows() as u64;
        self.batches += 1;
        Ok(())
    }

    /// Flushes, syncs and puts the file in place; returns the rows written.
    pub fn finish(mut self) -> Result<u64> {
        if self.batches == 0 {
            // The CSV writer emits its header with the first batch: give it an empty one.
            self.write(&RecordBatch::new_empty(self.schema.clone()))?;
        }
        let buf = match self.sink.take() {
            Some(Sink::Csv(w)) => w.into_inner(),
            Some(Sink::Parquet(w)) => w.into_inner().map_err(|e| parquet_error(&self.path, e))?,
            None => return Err(Error::Internal("finish twice".into())),
        };
        let f = buf.into_inner().map_err(|e| Error::io(&self.path, e.into_error()))?;
        f.commit()?;
        Ok(self.rows)
    }
}

/// A writer's failure: an operating-system error (a full disk) in the system's words on the
/// target's name, anything else with its context.
fn arrow_error(path: &Path, e: datafusion::arrow::error::ArrowError) -> Error {
    match e {
        datafusion::arrow::error::ArrowError::IoError(_, io) => Error::io(path, io),
        other => Error::arrow(format!("writing {}", path.display()), other),
    }
}

fn parquet_error(path: &Path, e: datafusion::parquet::errors::ParquetError) -> Error {
    use datafusion::parquet::errors::ParquetError;
    match e {
        ParquetError::External(inner) => match inner.downcast::<std::io::Error>() {
            Ok(io) => Error::io(path, *io),
            Err(inner) => {
                Error::Parquet { context: format!("writing {}", path.display()), source: ParquetError::External(inner) }
            }
        },
        other => Error::Parquet { context: format!("writing {}", path.display()), source: other },
    }
}

/// Writes record batches as CSV or Parquet, by the extension of `path`.
pub fn write_batches(batches: &[RecordBatch], path: &Path) -> Result<()> {
    write_batches_as(batches, path, None, &CancelToken::default())
}

/// Writes record batches in `format` (by the extension of `path` when `None`). Once `cancel`
/// is cancelled it stops before the next batch or before the rename, leaving `path` as it was.
pub fn write_batches_as(
    batches: &[RecordBatch],
    path: &Path,
    format: Option<OutFormat>,
    cancel: &CancelToken,
) -> Result<()> {
    let Some(first) = batches.first() else {
        return Err(Error::Internal("nothing to write".into()));
    };
    let mut w = BatchFileWriter::create_as(path, format, first.schema())?;
    for b in batches {
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        w.write(b)?;
    }
    if cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    w.finish().map(|_| ())
}

/// Writes one `vertex value` line per vertex (the LDBC Graphalytics output format).
pub fn write_ldbc(
    path: &Path,
    n: usize,
    mut line: impl FnMut(usize, &mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    write_atomic(path, |w| {
        for v in 0..n {
            line(v, w).map_err(|e| Error::io(path, e))?;
        }
        Ok(())
    })
}

/// C's `%.15e` (as in LDBC's expected files): `5.000000000000000e-01`.
pub fn sci(x: f64) -> String {
    if x.is_infinite() {
        return if x > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if x.is_nan() {
        return "NaN".into();
    }
    let s = format!("{x:.15e}");
    match s.split_once('e') {
        Some((mant, exp)) => {
            let e: i32 = exp.parse().unwrap_or(0);
            format!("{mant}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
        }
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sci_matches_c() {
        assert_eq!(sci(0.5), "5.000000000000000e-01");
        assert_eq!(sci(0.0), "0.000000000000000e+00");
        assert_eq!(sci(123.0), "1.230000000000000e+02");
        assert_eq!(sci(f64::INFINITY), "Infinity");
    }

    #[test]
    fn unfinished_batch_writer_leaves_nothing() {
        use datafusion::arrow::array::Int64Array;
        let dir = tempfile::tempdir().unwrap();
        let b = RecordBatch::try_from_iter([("x", std::sync::Arc::new(Int64Array::from(vec![1, 2])) as _)]).unwrap();
        for name in ["a.csv", "a.parquet"] {
            let mut w = BatchFileWriter::create(&dir.path().join(name), b.schema()).unwrap();
            w.write(&b).unwrap();
            drop(w);
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let mut w = BatchFileWriter::create(&dir.path().join("b.csv"), b.schema()).unwrap();
        w.write(&b).unwrap();
        w.write(&b).unwrap();
        assert_eq!(w.finish().unwrap(), 4);
        assert_eq!(std::fs::read_to_string(dir.path().join("b.csv")).unwrap(), "x\n1\n2\n1\n2\n");
    }

    #[test]
    fn failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.csv");
        let r = write_atomic(&p, |w| {
            w.write_all(b"partial").unwrap();
            Err(Error::Cancelled)
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
