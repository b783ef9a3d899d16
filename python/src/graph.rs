//! `Graph`: an `ember::Graph` held for Python. Built from Arrow tables (zero-copy import) or
//! read from files by Ember's loaders; runs any registry algorithm by name with parameters and
//! job settings as text (the registry parses and validates them, as for the CLI and SQL), and
//! returns its table, optionally as the vertex table plus the result columns (GraphFrames'
//! shape), with what ran (engine, supersteps, phases).

use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, RecordBatch};
use arrow::datatypes::{Field, Schema};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use ember::algo::spec::Executed;
use ember::graph::{Graph, GraphOptions};
use ember::job::{self, Algorithm};
use ember::load::{Format, LoadSpec};
use ember::{CancelToken, RunContext};

use crate::arrow_io::{self, ArrowStream};
use crate::interrupt;

/// A graph: vertex table (`id` + attributes) and edge table (`src`, `dst` + attributes), with
/// Ember's dense representation built once.
#[pyclass(module = "ember._ember", name = "Graph", frozen)]
pub struct PyGraph {
    graph: Arc<Graph>,
}

fn options(directed: bool, src: &str, dst: &str, id: &str, weight: Option<&str>, simple: bool) -> GraphOptions {
    GraphOptions {
        directed,
        drop_self_loops: simple,
        dedupe: simple,
        weight_column: weight.map(str::to_string),
        src_column: src.to_string(),
        dst_column: dst.to_string(),
        id_column: id.to_string(),
    }
}

#[pymethods]
impl PyGraph {
    /// Builds a graph from tables exporting `__arrow_c_stream__` (`vertices` may be None: the
    /// edges' endpoints). Ids may be integers or strings; other columns become attributes.
    #[staticmethod]
    #[pyo3(signature = (edges, vertices=None, *, directed=true, src="src", dst="dst", id="id", weight=Some("weight"), simple=false, progress=None))]
    #[allow(clippy::too_many_arguments)]
    fn from_arrow(
        py: Python<'_>,
        edges: &Bound<'_, PyAny>,
        vertices: Option<&Bound<'_, PyAny>>,
        directed: bool,
        src: &str,
        dst: &str,
        id: &str,
        weight: Option<&str>,
        simple: bool,
        progress: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyGraph> {
        let er = arrow_io::reader(edges, "edges")?;
        let vr = match vertices {
            Some(v) => Some(arrow_io::reader(v, "vertices")?),
            None => None,
        };
        let opts = options(directed, src, dst, id, weight, simple);
        let cancel = CancelToken::new();
        let graph = interrupt::run(py, &cancel, progress, move |_| {
            let e = arrow_io::collect(er, "edges")?;
            let v = match vr {
                Some(r) => Some(arrow_io::collect(r, "vertices")?),
                None => None,
            };
            build(e, v, &opts)
        })?;
        Ok(PyGraph { graph: Arc::new(graph) })
    }

    /// Reads a graph with Ember's loaders: SNAP/edge-list text (optionally gzip), CSV, Parquet,
    /// Matrix Market, DIMACS, LDBC; a file, a folder of part files or a glob.
    #[staticmethod]
    #[pyo3(signature = (edges, vertices=None, *, format=None, directed=true, src="src", dst="dst", id="id", weight=Some("weight"), simple=false, delimiter=",", header=true, progress=None))]
    #[allow(clippy::too_many_arguments)]
    fn load(
        py: Python<'_>,
        edges: PathBuf,
        vertices: Option<PathBuf>,
        format: Option<&str>,
        directed: bool,
        src: &str,
        dst: &str,
        id: &str,
        weight: Option<&str>,
        simple: bool,
        delimiter: &str,
        header: bool,
        progress: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyGraph> {
        let mut spec = LoadSpec::new(edges);
        spec.vertices = vertices;
        spec.format = format.map(Format::parse).transpose().map_err(crate::errors::to_py)?;
        spec.options = options(directed, src, dst, id, weight, simple);
        let d = delimiter.as_bytes();
        if d.len() != 1 {
            return Err(crate::errors::to_py(ember::Error::Config(format!(
                "delimiter must be one character, got '{delimiter}'"
            ))));
        }
        spec.csv.delimiter = d[0];
        spec.csv.has_header = header;
        let cancel = spec.cancel.clone();
        let graph = interrupt::run(py, &cancel, progress, move |_| ember::load::load(&spec))?;
        Ok(PyGraph { graph: Arc::new(graph) })
    }

    #[getter]
    fn num_vertices(&self) -> usize {
        self.graph.num_vertices()
    }

    #[getter]
    fn num_edges(&self) -> usize {
        self.graph.num_edges()
    }

    #[getter]
    fn directed(&self) -> bool {
        self.graph.is_directed()
    }

    /// The vertex table: `id` then the attributes, in Ember's vertex order.
    fn vertices(&self) -> PyResult<ArrowStream> {
        Ok(ArrowStream::one(self.graph.vertices_batch().map_err(crate::errors::to_py)?))
    }

    /// The edge table: `src`, `dst` then the attributes.
    fn edges(&self) -> PyResult<ArrowStream> {
        Ok(ArrowStream::one(self.graph.edges_batch().map_err(crate::errors::to_py)?))
    }

    /// Motif finding over the graph's tables (`ember::query::GraphFrame::find`): one struct
    /// column per named element of `pattern`.
    fn find(&self, py: Python<'_>, pattern: &str) -> PyResult<ArrowStream> {
        let cancel = CancelToken::new();
        let graph = self.graph.clone();
        let (schema, batches) = interrupt::run(py, &cancel, None, |_| {
            crate::session::block_on_cancellable(&cancel, async {
                let df = frame(&graph, true).await?.find(pattern)?;
                let schema = df.schema().inner().clone();
                let batches = df.collect().await.map_err(|e| ember::Error::df("finding the motif", e))?;
                Ok((schema, batches))
            })
        })?;
        Ok(ArrowStream::new(schema, batches))
    }

    /// Every shortest path from a vertex matching `from_expr` to one matching `to_expr`
    /// (GraphFrames' `bfs`; `ember::query::paths`).
    #[pyo3(signature = (from_expr, to_expr, edge_filter=None, max_path_length=10))]
    fn bfs_paths(
        &self,
        py: Python<'_>,
        from_expr: &str,
        to_expr: &str,
        edge_filter: Option<&str>,
        max_path_length: u32,
    ) -> PyResult<ArrowStream> {
        let mut req = ember::query::paths::Bfs::new(from_expr, to_expr);
        req.edge_filter = edge_filter.map(str::to_string);
        req.max_path_length = max_path_length;
        self.query(py, move |g| async move { g.bfs(&req).await })
    }

    /// Every simple path from a vertex matching `from_expr` to one matching `to_expr`
    /// (GraphFrames' `all_paths`; `ember::query::all_paths`).
    #[pyo3(signature = (from_expr, to_expr, edge_filter=None, max_path_length=5, is_directed=true))]
    fn all_paths(
        &self,
        py: Python<'_>,
        from_expr: &str,
        to_expr: &str,
        edge_filter: Option<&str>,
        max_path_length: u32,
        is_directed: bool,
    ) -> PyResult<ArrowStream> {
        let mut req = ember::query::all_paths::AllPaths::new(from_expr, to_expr);
        req.edge_filter = edge_filter.map(str::to_string);
        req.max_path_length = max_path_length;
        req.directed = is_directed;
        self.query(py, move |g| async move { g.all_paths(&req).await })
    }

    /// Every directed simple cycle, once from each vertex on it (GraphFrames' `detectingCycles`;
    /// `ember::query::cycles`).
    #[pyo3(signature = (max_length=10))]
    fn detecting_cycles(&self, py: Python<'_>, max_length: u32) -> PyResult<ArrowStream> {
        self.query(py, move |g| async move { g.detecting_cycles(max_length).await })
    }

    /// Exact-hop HyperLogLog sketches per vertex (GraphFrames' `hyper_anf`;
    /// `ember::query::hyper_anf`).
    #[pyo3(signature = (n_hops=3, lg_nom_entries=12, edge_filter=None))]
    fn hyper_anf(
        &self,
        py: Python<'_>,
        n_hops: u32,
        lg_nom_entries: u8,
        edge_filter: Option<&str>,
    ) -> PyResult<ArrowStream> {
        let req =
            ember::query::hyper_anf::HyperAnf { n_hops, lg_nom_entries, edge_filter: edge_filter.map(str::to_string) };
        self.query(py, move |g| async move { g.hyper_anf(&req).await })
    }

    /// A Pregel program of SQL expressions (GraphFrames' `pregel`), given as the clauses of
    /// SQL's `pregel(...)`: builder method names each followed by its arguments
    /// (`ember::query::pregel`). Returns the vertex table with the program's columns and the
    /// number of iterations run.
    #[pyo3(signature = (clauses, progress=None))]
    fn pregel(
        &self,
        py: Python<'_>,
        clauses: Vec<String>,
        progress: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<(ArrowStream, u32)> {
        let program = ember::query::pregel::Pregel::from_clauses(&clauses, 0).map_err(crate::errors::to_py)?;
        let (cancel, graph) = (CancelToken::new(), self.graph.clone());
        let c2 = cancel.clone();
        let out = interrupt::run(py, &cancel, progress, move |reporter| {
            let ctx = program.context(run_context(c2, reporter))?;
            program.run(&ember::sql::Session::new().context().state(), &graph, &ctx)
        })?;
        Ok((ArrowStream::one(out.vertices), out.iterations))
    }

    /// GraphFrames' `aggregateMessages`, given as the clauses of SQL's `aggregate_messages(...)`.
    fn aggregate_messages(&self, py: Python<'_>, clauses: Vec<String>) -> PyResult<ArrowStream> {
        let am = ember::query::pregel::AggregateMessages::from_clauses(&clauses, 0).map_err(crate::errors::to_py)?;
        let (cancel, graph) = (CancelToken::new(), self.graph.clone());
        let c2 = cancel.clone();
        let batch = interrupt::run(py, &cancel, None, move |_| {
            let ctx = RunContext { cancel: c2, ..Default::default() };
            am.run(&ember::sql::Session::new().context().state(), &graph, &ctx)
        })?;
        Ok(ArrowStream::one(batch))
    }

    /// A subgraph (GraphFrames' `filterVertices`, `filterEdges`, `dropIsolatedVertices`):
    /// `kind` is `vertices` or `edges` with a SQL `condition` over that table's columns, or
    /// `isolated`.
    #[pyo3(signature = (kind, condition=None))]
    fn subgraph(&self, py: Python<'_>, kind: &str, condition: Option<&str>) -> PyResult<PyGraph> {
        let cancel = CancelToken::new();
        let graph = self.graph.clone();
        let g = interrupt::run(py, &cancel, None, |_| {
            crate::session::block_on_cancellable(&cancel, async {
                let f = frame(&graph, false).await?;
                let cond = condition.unwrap_or_default();
                let sub = match kind {
                    "vertices" => f.filter_vertices(f.vertex_condition(cond)?)?,
                    "edges" => f.filter_edges(f.edge_condition(cond)?)?,
                    "isolated" => f.drop_isolated_vertices()?,
                    other => return Err(ember::Error::Internal(format!("no subgraph kind {other}"))),
                };
                let collect = |df: datafusion::prelude::DataFrame, what: &'static str| async move {
                    let schema = df.schema().inner().clone();
                    let mut b = df.collect().await.map_err(|e| ember::Error::df(what, e))?;
                    if b.is_empty() {
                        b.push(RecordBatch::new_empty(schema));
                    }
                    Ok::<_, ember::Error>(b)
                };
                let v = collect(sub.vertices().clone(), "filtering the vertices").await?;
                let e = collect(sub.edges().clone(), "filtering the edges").await?;
                let opts = GraphOptions { directed: graph.is_directed(), ..GraphOptions::default() };
                Graph::from_batches(Some(&v), &e, &opts)
            })
        })?;
        Ok(PyGraph { graph: Arc::new(g) })
    }

    /// The edge table with `column` = 1 / out-degree of `src` (GraphFrames' PageRank edges).
    fn edges_with_out_weight(&self, column: &str) -> PyResult<ArrowStream> {
        let g = &self.graph;
        let e = g.edges_batch().map_err(crate::errors::to_py)?;
        let (out, _) = g.degrees();
        let w: Float64Array = g.src().iter().map(|&s| 1.0 / out[s as usize] as f64).collect();
        let b = with_column(&e, column, Arc::new(w)).map_err(crate::errors::to_py)?;
        Ok(ArrowStream::one(b))
    }

    /// Runs the registry algorithm `algorithm` with its parameters and the job settings as
    /// `(name, text)` pairs. Returns the result table and a dict of what ran. With
    /// `with_vertices`, the table is the vertex table plus the result columns (one row per
    /// vertex results only).
    /// `nest` names a map column built from results with several rows per vertex (id, key,
    /// value, in vertex order, as landmarks gives them): one row per vertex, key -> value.
    #[pyo3(signature = (algorithm, params, settings, *, with_vertices=false, nest=None, progress=None))]
    #[allow(clippy::too_many_arguments)]
    fn run<'py>(
        &self,
        py: Python<'py>,
        algorithm: &str,
        params: Vec<(String, String)>,
        settings: Vec<(String, String)>,
        with_vertices: bool,
        nest: Option<String>,
        progress: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<(ArrowStream, Bound<'py, PyDict>)> {
        let algorithm = Algorithm::new(algorithm, &params).map_err(crate::errors::to_py)?;
        for (k, _) in &settings {
            if ember::registry::job_param(k).is_none() {
                let known: Vec<&str> = ember::registry::JOB_PARAMS.iter().map(|p| p.name).collect();
                return Err(crate::errors::to_py(ember::Error::Config(format!(
                    "unknown setting '{k}'; settings are: {}",
                    known.join(", ")
                ))));
            }
        }
        let name = algorithm.name();
        let cancel = CancelToken::new();
        let graph = self.graph.clone();
        let c2 = cancel.clone();
        let out = interrupt::run(py, &cancel, progress, move |reporter| {
            let ctx = run_context(c2, reporter);
            let common = ember::registry::common_from(&settings, ctx)?;
            let out = job::run(&graph, &algorithm, &common, 0)?;
            let table = match &nest {
                Some(name) => nest_by_vertex(&graph, &out.table, name)?,
                None => out.table.clone(),
            };
            let table = if with_vertices { job::with_vertices(&graph, &table)? } else { table };
            Ok((table, out))
        })?;
        let (table, out) = out;
        let info = PyDict::new(py);
        info.set_item("algorithm", name)?;
        info.set_item("supersteps", out.supersteps)?;
        info.set_item("messages", out.messages)?;
        info.set_item(
            "engine",
            match &out.execution.executed {
                Executed::Kernel { description } => format!("kernel ({description})"),
                Executed::Pregel { partition } => format!(
                    "pregel ({} partitions, {}, replication factor {:.3})",
                    partition.num_partitions,
                    partition.strategy.name(),
                    partition.replication_factor
                ),
            },
        )?;
        let phases = PyList::empty(py);
        for p in &out.plan.phases {
            phases.append((p.name.clone(), p.details.clone(), p.elapsed.as_secs_f64()))?;
        }
        info.set_item("phases", phases)?;
        info.set_item("summary", out.summary.clone())?;
        Ok((ArrowStream::one(table), info))
    }
}

/// Runs a graph table function's call (`name`, its SQL arguments as text or None) on the given
/// tables, parsed and run as Ember's SQL does (`sql::functions::parse_call`): the graph
/// functions registered into DataFusion's Python package. Returns the result table.
#[pyfunction]
#[pyo3(signature = (name, args, edges, vertices=None))]
pub fn run_call(
    py: Python<'_>,
    name: &str,
    args: Vec<Option<String>>,
    edges: &Bound<'_, PyAny>,
    vertices: Option<&Bound<'_, PyAny>>,
) -> PyResult<ArrowStream> {
    let call = ember::sql::functions::parse_call(name, &args).map_err(crate::errors::to_py)?;
    let er = arrow_io::reader(edges, "edges")?;
    let vr = match vertices {
        Some(v) => Some(arrow_io::reader(v, "vertices")?),
        None => None,
    };
    let cancel = CancelToken::new();
    let c2 = cancel.clone();
    let table = interrupt::run(py, &cancel, None, move |_| {
        let opts = options(call.directed, &call.src_column, &call.dst_column, "id", Some(&call.weight_column), false);
        let e = arrow_io::collect(er, "edges")?;
        let v = match vr {
            Some(r) => Some(arrow_io::collect(r, "vertices")?),
            None => None,
        };
        let graph = build(e, v, &opts)?;
        let common = ember::algo::Common {
            strategy: call.strategy,
            partitions: call.partitions,
            engine: call.engine,
            ctx: RunContext { cancel: c2, observer: None, checkpoint: call.checkpoint.clone() },
            cluster: None,
        };
        Ok(job::run(&graph, &call.algorithm, &common, 0)?.table)
    })?;
    Ok(ArrowStream::one(table))
}

/// A graph from collected tables (an empty stream keeps its schema: an empty graph).
/// The graph's tables as a query `GraphFrame` in a fresh session; with `both_ways`, an
/// undirected graph's edges are listed in both directions (what a search walks on it).
/// A run's context: cancelled through `cancel`, reporting supersteps to the progress bar.
fn run_context(cancel: CancelToken, reporter: interrupt::Progress) -> RunContext {
    let observer: Option<ember::context::Observer> =
        if reporter.enabled() { Some(Arc::new(move |s: &ember::SuperstepStats| reporter.report(s))) } else { None };
    RunContext { cancel, observer, checkpoint: None }
}

impl PyGraph {
    /// Runs a graph query over this graph's tables (an undirected graph's edges both ways),
    /// interruptible with Ctrl-C.
    fn query<F, Fut>(&self, py: Python<'_>, work: F) -> PyResult<ArrowStream>
    where
        F: FnOnce(ember::query::GraphFrame) -> Fut + Send,
        Fut: std::future::Future<Output = Result<RecordBatch, ember::Error>>,
    {
        let cancel = CancelToken::new();
        let graph = self.graph.clone();
        let batch = interrupt::run(py, &cancel, None, |_| {
            crate::session::block_on_cancellable(&cancel, async { work(frame(&graph, true).await?).await })
        })?;
        Ok(ArrowStream::one(batch))
    }
}

async fn frame(graph: &Graph, both_ways: bool) -> Result<ember::query::GraphFrame, ember::Error> {
    let session = ember::sql::Session::new();
    session.register_graph(graph, "vertices", "edges")?;
    let ctx = session.context();
    let table = |name: &'static str| async move {
        ctx.table(name).await.map_err(|e| ember::Error::df(format!("reading {name}"), e))
    };
    let g = ember::query::GraphFrame::new(table("vertices").await?, table("edges").await?)?;
    if both_ways && !graph.is_directed() { g.as_undirected() } else { Ok(g) }
}

fn build(e: arrow_io::Imported, v: Option<arrow_io::Imported>, opts: &GraphOptions) -> Result<Graph, ember::Error> {
    let v = v.map(|mut t| {
        if t.batches.is_empty() {
            t.batches.push(RecordBatch::new_empty(t.schema.clone()));
        }
        t
    });
    if e.batches.is_empty() {
        return empty_graph(&e.schema, v.as_ref().map(|v| &v.batches[..]), opts);
    }
    Graph::from_batches(v.as_ref().map(|v| &v.batches[..]), &e.batches, opts)
}

/// A graph from an edge stream with no batches: no vertices unless a vertex table is given.
fn empty_graph(
    schema: &arrow::datatypes::SchemaRef,
    vertices: Option<&[RecordBatch]>,
    opts: &GraphOptions,
) -> Result<Graph, ember::Error> {
    let empty = RecordBatch::new_empty(schema.clone());
    Graph::from_batches(vertices, &[empty], opts)
}

/// Rows `(id, key, value)` in vertex order (several or none per vertex) as one row per vertex:
/// `id`, `name` = map key -> value (value as Int32 when it is an integer: GraphFrames' type).
fn nest_by_vertex(graph: &Graph, rows: &RecordBatch, name: &str) -> Result<RecordBatch, ember::Error> {
    use arrow::array::{Array, MapArray, StructArray};
    use arrow::buffer::OffsetBuffer;
    use arrow::datatypes::{DataType, Fields};
    if rows.num_columns() != 3 {
        return Err(ember::Error::Internal(format!("nesting needs (id, key, value) rows, got {}", rows.num_columns())));
    }
    let ids = graph.ids().to_array();
    // Rows per vertex, from each row's vertex (rows come grouped in vertex order).
    let mut counts = vec![0usize; graph.num_vertices()];
    for v in job::row_vertices(graph, rows.column(0).as_ref())? {
        counts[v as usize] += 1;
    }
    let mut offsets = Vec::with_capacity(counts.len() + 1);
    offsets.push(0i32);
    let mut j = 0usize;
    for c in counts {
        j += c;
        offsets
            .push(i32::try_from(j).map_err(|_| ember::Error::Config("too many result rows for a map column".into()))?);
    }
    let keys = rows.column(1).clone();
    let mut values = rows.column(2).clone();
    if values.data_type() == &DataType::Int64 {
        values = arrow::compute::cast(&values, &DataType::Int32)
            .map_err(|e| ember::Error::Internal(format!("casting distances: {e}")))?;
    }
    let fields = Fields::from(vec![
        Field::new("key", keys.data_type().clone(), false),
        Field::new("value", values.data_type().clone(), true),
    ]);
    let entries = StructArray::try_new(fields.clone(), vec![keys, values], None)
        .map_err(|e| ember::Error::Internal(format!("building map entries: {e}")))?;
    let field = Arc::new(Field::new("entries", DataType::Struct(fields), false));
    let map = MapArray::try_new(field, OffsetBuffer::new(offsets.into()), entries, None, false)
        .map_err(|e| ember::Error::Internal(format!("building map column: {e}")))?;
    let schema = Schema::new(vec![
        Field::new("id", ids.data_type().clone(), false),
        Field::new(name, map.data_type().clone(), false),
    ]);
    RecordBatch::try_new(Arc::new(schema), vec![ids, Arc::new(map)])
        .map_err(|e| ember::Error::Internal(format!("building result table: {e}")))
}

/// `batch` with column `name` set to `col` (replaced if present, else appended).
fn with_column(batch: &RecordBatch, name: &str, col: ArrayRef) -> Result<RecordBatch, ember::Error> {
    let schema = batch.schema();
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    let mut cols: Vec<ArrayRef> = batch.columns().to_vec();
    let field = Field::new(name, col.data_type().clone(), col.null_count() > 0);
    match fields.iter().position(|f| f.name() == name) {
        Some(i) => {
            fields[i] = field;
            cols[i] = col;
        }
        None => {
            fields.push(field);
            cols.push(col);
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)
        .map_err(|e| ember::Error::Internal(format!("building result table: {e}")))
}
