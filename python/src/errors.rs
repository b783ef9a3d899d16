//! Ember's errors as Python exceptions. The classes live in `ember.errors` (Python, so that they
//! can inherit from both `EmberError` and the built-in they refine: `InputError` is a
//! `ValueError`, `EmberIOError` an `OSError`, ...); this module picks the class by the error's
//! variant and sets the attributes a caller may inspect (`path`, `line`, `column`).

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use datafusion::error::DataFusionError;
use ember::Error;

/// The Python exception for `e`.
pub fn to_py(e: Error) -> PyErr {
    Python::attach(|py| build(py, e))
}

fn build(py: Python<'_>, e: Error) -> PyErr {
    let msg = e.to_string();
    let attrs = PyDict::new(py);
    let class = match &e {
        Error::Parse { path, line, .. } => {
            let _ = attrs.set_item("path", path.display().to_string());
            let _ = attrs.set_item("line", *line);
            "InputError"
        }
        Error::Input(_) | Error::Table { .. } | Error::Arrow { .. } | Error::Parquet { .. } => "InputError",
        Error::Sql { line, column, .. } => {
            let _ = attrs.set_item("line", *line);
            let _ = attrs.set_item("column", *column);
            "SqlError"
        }
        Error::Config(_) => "ConfigError",
        Error::Pattern { column, .. } => {
            let _ = attrs.set_item("column", *column);
            "PatternError"
        }
        Error::Io { path, source } => {
            let _ = attrs.set_item("path", path.display().to_string());
            let _ = attrs.set_item("errno", source.raw_os_error());
            "EmberIOError"
        }
        Error::DataFusion { source, .. } => match source.find_root() {
            DataFusionError::IoError(_) | DataFusionError::ObjectStore(_) => "EmberIOError",
            DataFusionError::SQL(..) | DataFusionError::Plan(_) | DataFusionError::SchemaError(..) => "SqlError",
            DataFusionError::ResourcesExhausted(_) => "EmberMemoryError",
            _ => "InputError",
        },
        Error::Cluster(_) => "EmberClusterError",
        Error::Cancelled => "Cancelled",
        Error::Internal(_) => "InternalError",
    };
    match exception(py, class, &msg, &attrs) {
        Ok(err) => err,
        // The Python layer is missing (the extension imported on its own): a plain error.
        Err(_) => PyRuntimeError::new_err(msg),
    }
}

fn exception(py: Python<'_>, class: &str, msg: &str, attrs: &Bound<'_, PyDict>) -> PyResult<PyErr> {
    let module = py.import("ember.errors")?;
    let cls = module.getattr(class)?;
    let value = cls.call1((msg,))?;
    for (k, v) in attrs.iter() {
        let key: String = k.extract()?;
        value.setattr(key.as_str(), v)?;
    }
    Ok(PyErr::from_value(value))
}
