//! Tables across the Python boundary through Arrow's C stream interface (the PyCapsule
//! protocol): [`import`] takes any object with `__arrow_c_stream__` (pyarrow, pandas 2.2+,
//! polars, DataFusion's DataFrames, ...) and reads its batches; the batches' buffers stay where
//! the producer allocated them (no copy). [`ArrowStream`] hands batches out the same way: it
//! implements `__arrow_c_stream__`, so `pyarrow.table(stream)` adopts Ember's buffers.
//!
//! Invariant: a capsule is consumed at most once; the stream struct is moved out of it and its
//! `release` set to null, as the protocol requires.

use std::sync::Mutex;

use arrow::array::{Array, RecordBatch, RecordBatchIterator, RecordBatchReader};
use arrow::datatypes::SchemaRef;
use arrow::ffi_stream::{ArrowArrayStreamReader, FFI_ArrowArrayStream};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

const STREAM: &std::ffi::CStr = c"arrow_array_stream";

/// A table read from a Python object: its schema and batches.
pub struct Imported {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

/// The stream reader of an object exporting `__arrow_c_stream__`. `what` names the argument in
/// errors ("edges", "table 'sales'").
pub fn reader(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<ArrowArrayStreamReader> {
    if !obj.hasattr("__arrow_c_stream__")? {
        let ty = obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
        return Err(PyTypeError::new_err(format!(
            "{what}: expected a table (pyarrow, pandas, polars, a DataFusion DataFrame: anything with \
             __arrow_c_stream__) or a file path, got {ty}"
        )));
    }
    let capsule = obj.call_method1("__arrow_c_stream__", (py_none(obj.py()),))?;
    let capsule = capsule
        .cast_into::<PyCapsule>()
        .map_err(|_| PyTypeError::new_err(format!("{what}: __arrow_c_stream__ did not return a PyCapsule")))?;
    let ptr = capsule.pointer_checked(Some(STREAM))?;
    // SAFETY: the capsule is named "arrow_array_stream", so by the Arrow PyCapsule protocol it
    // points at a valid `FFI_ArrowArrayStream`; `from_raw` moves the struct out and leaves a
    // released one behind, so the capsule's destructor will not release it a second time.
    let reader = unsafe { ArrowArrayStreamReader::from_raw(ptr.as_ptr().cast::<FFI_ArrowArrayStream>()) };
    reader.map_err(|e| PyValueError::new_err(format!("{what}: cannot read the Arrow stream: {e}")))
}

fn py_none(py: Python<'_>) -> Bound<'_, PyAny> {
    py.None().into_bound(py)
}

/// Reads every batch of `reader` (called with the GIL released: producers that need Python
/// take the GIL themselves).
pub fn collect(reader: ArrowArrayStreamReader, what: &str) -> Result<Imported, ember::Error> {
    let schema = reader.schema();
    let mut batches = Vec::new();
    for b in reader {
        batches.push(b.map_err(|e| ember::Error::Input(format!("{what}: reading the Arrow stream: {e}")))?);
    }
    Ok(Imported { schema, batches })
}

/// A table on its way to Python: `pyarrow.table(stream)` (or any consumer of
/// `__arrow_c_stream__`) takes its batches without copying them. It can be consumed once.
/// Either batches already computed or a reader that computes them as the consumer asks.
#[pyclass(module = "ember._ember", name = "ArrowStream")]
pub struct ArrowStream {
    inner: Mutex<Option<Box<dyn RecordBatchReader + Send>>>,
}

impl ArrowStream {
    pub fn new(schema: SchemaRef, batches: Vec<RecordBatch>) -> Self {
        ArrowStream::reader(Box::new(RecordBatchIterator::new(batches.into_iter().map(Ok), schema)))
    }
    pub fn reader(reader: Box<dyn RecordBatchReader + Send>) -> Self {
        ArrowStream { inner: Mutex::new(Some(reader)) }
    }
    pub fn one(batch: RecordBatch) -> Self {
        ArrowStream::new(batch.schema(), vec![batch])
    }
}

#[pymethods]
impl ArrowStream {
    /// The Arrow PyCapsule protocol: a capsule holding an `ArrowArrayStream` over the batches.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        // A requested schema is a hint the producer may ignore (the protocol says so).
        let _ = requested_schema;
        let taken = self.inner.lock().map_err(|_| PyValueError::new_err("stream lock poisoned"))?.take();
        let Some(reader) = taken else {
            return Err(PyValueError::new_err("this Arrow stream was already consumed"));
        };
        let stream = FFI_ArrowArrayStream::new(reader);
        PyCapsule::new_with_value(py, stream, STREAM)
    }
}

/// The addresses of each column's buffers as Ember reads them from `obj` (first batch): the
/// zero-copy check compares them with the producer's own (`pyarrow.Array.buffers()`).
#[pyfunction]
pub fn buffer_addresses(obj: &Bound<'_, PyAny>) -> PyResult<Vec<Vec<usize>>> {
    let r = reader(obj, "table")?;
    let t = collect(r, "table").map_err(crate::errors::to_py)?;
    let Some(b) = t.batches.first() else { return Ok(Vec::new()) };
    Ok(b.columns()
        .iter()
        .map(|c| {
            let d = c.to_data();
            d.buffers().iter().map(|buf| buf.as_ptr() as usize).collect()
        })
        .collect())
}
