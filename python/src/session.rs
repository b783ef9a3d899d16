//! `Session`: Ember's SQL session (DataFusion with Ember's graph table functions) for Python.
//! Tables are registered from Arrow streams (zero copy) or files (CSV, Parquet, JSON, compressed,
//! folders of part files); queries run on a shared tokio runtime on a worker thread, so the GIL
//! is free and Ctrl-C cancels them (dropping the query cancels a running graph job).

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use futures::StreamExt;
use pyo3::prelude::*;

use ember::CancelToken;
use ember::sql::Session;

use crate::arrow_io::{self, ArrowStream};
use crate::errors::to_py;
use crate::interrupt;

/// The runtime every session's queries run on (DataFusion's work is async).
pub fn runtime() -> Result<&'static tokio::runtime::Runtime, ember::Error> {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    if let Some(rt) = RT.get() {
        return Ok(rt);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .thread_name("ember-sql")
        // DataFusion plans recursively: deep queries need more than tokio's 2 MiB.
        .thread_stack_size(16 << 20)
        .build()
        .map_err(|e| ember::Error::Internal(format!("cannot start the query runtime: {e}")))?;
    Ok(RT.get_or_init(|| rt))
}

/// Runs `fut` on the runtime until it finishes or `cancel` is set (then it is dropped, which
/// cancels DataFusion's streams and Ember's graph jobs).
pub(crate) fn block_on_cancellable<T>(
    cancel: &CancelToken,
    fut: impl std::future::Future<Output = Result<T, ember::Error>>,
) -> Result<T, ember::Error> {
    let rt = runtime()?;
    rt.block_on(async {
        let watch = async {
            while !cancel.is_cancelled() {
                tokio_sleep().await;
            }
        };
        futures::pin_mut!(fut);
        futures::pin_mut!(watch);
        match futures::future::select(fut, watch).await {
            futures::future::Either::Left((r, _)) => r,
            futures::future::Either::Right(_) => Err(ember::Error::Cancelled),
        }
    })
}

/// Runs every statement of a script but the last (DDL such as `CREATE VIEW` takes effect), and
/// returns the last one planned.
async fn last_statement(s: &Session, script: &str) -> Result<datafusion::prelude::DataFrame, ember::Error> {
    let mut stmts = s.sql_all(script).await?;
    let last =
        stmts.pop().ok_or_else(|| ember::Error::Sql { line: 1, column: 1, message: "no SQL statement".into() })?;
    for st in stmts {
        st.df.collect().await.map_err(|e| s.sql_error(&st.sql, e))?;
    }
    Ok(last.df)
}

/// A 20 ms pause without tokio's timer feature: a blocking-pool sleep.
async fn tokio_sleep() {
    let _ = tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(20))).await;
}

/// Batches of a running query, computed when the consumer asks for the next one.
struct Lazy {
    stream: datafusion::physical_plan::SendableRecordBatchStream,
}

impl Iterator for Lazy {
    type Item = Result<arrow::array::RecordBatch, arrow::error::ArrowError>;
    fn next(&mut self) -> Option<Self::Item> {
        let rt = match runtime() {
            Ok(rt) => rt,
            Err(e) => return Some(Err(arrow::error::ArrowError::ExternalError(Box::new(e)))),
        };
        let next = rt.block_on(self.stream.next())?;
        Some(next.map_err(|e| arrow::error::ArrowError::ExternalError(Box::new(e))))
    }
}

impl arrow::array::RecordBatchReader for Lazy {
    fn schema(&self) -> arrow::datatypes::SchemaRef {
        self.stream.schema()
    }
}

/// A SQL session.
#[pyclass(module = "ember._ember", name = "Session", frozen)]
pub struct PySession {
    session: Session,
}

#[pymethods]
impl PySession {
    #[new]
    fn new() -> Self {
        PySession { session: Session::new() }
    }

    /// Registers `table` (anything with `__arrow_c_stream__`) as `name`, replacing any table of
    /// that name.
    fn register_arrow(&self, py: Python<'_>, name: &str, table: &Bound<'_, PyAny>) -> PyResult<()> {
        let r = arrow_io::reader(table, &format!("table '{name}'"))?;
        let what = format!("table '{name}'");
        let t = py.detach(|| arrow_io::collect(r, &what)).map_err(to_py)?;
        let batches =
            if t.batches.is_empty() { vec![arrow::array::RecordBatch::new_empty(t.schema.clone())] } else { t.batches };
        self.session.register_batches(name, batches).map_err(to_py)
    }

    /// Registers a file (CSV/TSV, Parquet, JSON; compressed; a folder of parts or a glob) as `name`.
    fn register_file(&self, py: Python<'_>, name: &str, path: PathBuf) -> PyResult<()> {
        let cancel = CancelToken::new();
        let s = self.session.clone();
        let name = name.to_string();
        interrupt::run(py, &cancel, None, |_| block_on_cancellable(&cancel, s.register_file(&name, &path)))
    }

    /// The tables and views, sorted.
    fn tables(&self) -> Vec<String> {
        self.session.table_names()
    }

    /// Plans one SQL statement and returns a stream that computes its batches as they are read
    /// (for results larger than memory: write them out batch by batch).
    fn sql_stream(&self, py: Python<'_>, query: &str) -> PyResult<ArrowStream> {
        let cancel = CancelToken::new();
        let s = self.session.clone();
        let stream = interrupt::run(py, &cancel, None, |_| {
            block_on_cancellable(&cancel, async {
                let df = last_statement(&s, query).await?;
                df.execute_stream().await.map_err(|e| s.sql_error(query, e))
            })
        })?;
        Ok(ArrowStream::reader(Box::new(Lazy { stream })))
    }

    /// Runs one SQL statement and returns its whole result.
    fn sql(&self, py: Python<'_>, query: &str) -> PyResult<ArrowStream> {
        let cancel = CancelToken::new();
        let s = self.session.clone();
        let (schema, batches) = interrupt::run(py, &cancel, None, |_| {
            block_on_cancellable(&cancel, async {
                let df = last_statement(&s, query).await?;
                let schema = df.schema().inner().clone();
                let mut stream = df.execute_stream().await.map_err(|e| s.sql_error(query, e))?;
                let mut batches = Vec::new();
                while let Some(b) = stream.next().await {
                    batches.push(b.map_err(|e| s.sql_error(query, e))?);
                }
                Ok((schema, batches))
            })
        })?;
        Ok(ArrowStream::new(schema, batches))
    }
}
