//! `ember._ember`: the extension module under Ember's Python package. It holds graphs
//! ([`graph::PyGraph`]), runs registry algorithms and SQL with the GIL released and Ctrl-C
//! cancelling the job ([`interrupt`]), and exchanges tables through Arrow's C stream interface
//! ([`arrow_io`]: any object with `__arrow_c_stream__` in, an object with `__arrow_c_stream__`
//! out, buffers shared, not copied). Errors become the exception classes of `ember.errors`
//! ([`errors`]). The GraphFrames-shaped API is the Python layer in `ember/`; this module stays
//! generic and derives the algorithm list from `ember::registry`.

mod arrow_io;
mod errors;
mod graph;
mod interrupt;
mod session;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use ember::algo::spec::{DefaultValue, ParamKind};

/// The registry as Python data: one dict per algorithm (name, summary, params, columns,
/// engines) and the job settings every algorithm takes.
#[pyfunction]
fn registry(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let param = |p: &ember::algo::spec::Param| -> PyResult<Bound<'_, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("name", p.name)?;
        d.set_item("type", p.kind.type_name())?;
        d.set_item(
            "kind",
            match p.kind {
                ParamKind::Int { .. } => "int",
                ParamKind::Float { .. } => "float",
                ParamKind::Bool => "bool",
                ParamKind::Vertex => "vertex",
                ParamKind::Vertices => "vertices",
                _ => "text",
            },
        )?;
        d.set_item("range", p.kind.range())?;
        d.set_item(
            "default",
            match p.default {
                DefaultValue::Required => None,
                DefaultValue::Unset => None,
                other => Some(other.describe()),
            },
        )?;
        d.set_item("required", p.required())?;
        d.set_item("doc", p.doc)?;
        d.set_item("aliases", p.aliases.to_vec())?;
        Ok(d)
    };
    let algorithms = PyList::empty(py);
    for spec in ember::registry::ALGORITHMS {
        let d = PyDict::new(py);
        d.set_item("name", spec.name)?;
        d.set_item("summary", spec.summary)?;
        let params = PyList::empty(py);
        for p in spec.params {
            params.append(param(p)?)?;
        }
        d.set_item("params", params)?;
        d.set_item("output", spec.output_text())?;
        d.set_item("kernel", spec.engines.kernel)?;
        d.set_item("pregel", spec.engines.pregel)?;
        d.set_item("checkpoints", spec.engines.checkpoints)?;
        algorithms.append(d)?;
    }
    let settings = PyList::empty(py);
    for p in ember::registry::JOB_PARAMS {
        settings.append(param(p)?)?;
    }
    let out = PyDict::new(py);
    out.set_item("algorithms", algorithms)?;
    out.set_item("settings", settings)?;
    Ok(out)
}

/// The reference text of the SQL graph functions (`ember sql --functions`).
#[pyfunction]
fn reference() -> String {
    ember::registry::reference()
}

#[pymodule]
fn _ember(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<graph::PyGraph>()?;
    m.add_class::<session::PySession>()?;
    m.add_class::<arrow_io::ArrowStream>()?;
    m.add_function(wrap_pyfunction!(registry, m)?)?;
    m.add_function(wrap_pyfunction!(reference, m)?)?;
    m.add_function(wrap_pyfunction!(graph::run_call, m)?)?;
    m.add_function(wrap_pyfunction!(arrow_io::buffer_addresses, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
