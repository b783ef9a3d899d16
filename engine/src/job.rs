//! Graph jobs: one registered algorithm with its parameters, run on a graph, as the CLI, the
//! SQL table functions and the notebook request it. A job returns its result table, a short
//! summary, and its plan: typed phases (dictionary, CSR or partition, kernel or Pregel, output)
//! built from what the algorithm reports it executed ([`Execution`]), never guessed.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use datafusion::arrow::array::RecordBatch;

use crate::algo::Common;
use crate::algo::spec::{AlgorithmSpec, Executed, Execution, Params, RunOptions};
use crate::context::{RunContext, SuperstepStats};
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::partition::PartitionReport;
use crate::registry;

/// A registered algorithm with validated parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Algorithm {
    params: Params,
}

impl Algorithm {
    /// The algorithm `name` with parameters given as text (`name` or alias, value); unknown,
    /// repeated, ill-typed, out-of-range and missing required parameters are errors.
    pub fn new<K: AsRef<str>, V: AsRef<str>>(name: &str, params: &[(K, V)]) -> Result<Algorithm> {
        Algorithm::from_spec(registry::lookup(name)?, params)
    }

    pub fn from_spec<K: AsRef<str>, V: AsRef<str>>(
        spec: &'static AlgorithmSpec,
        params: &[(K, V)],
    ) -> Result<Algorithm> {
        Ok(Algorithm { params: Params::parse(spec, params)? })
    }

    /// The algorithm with its defaults (an error when it has required parameters).
    pub fn with_defaults(name: &str) -> Result<Algorithm> {
        Algorithm::new::<&str, &str>(name, &[])
    }

    pub fn spec(&self) -> &'static AlgorithmSpec {
        self.params.spec()
    }

    pub fn name(&self) -> &'static str {
        self.spec().name
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The parameters as `key=value` text (for plans and EXPLAIN).
    pub fn describe(&self) -> String {
        self.params.describe()
    }
}

/// What a phase of a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhaseKind {
    /// The graph as built: vertex dictionary and edge arrays.
    Dictionary,
    /// Building a kernel's CSR.
    Csr,
    /// Vertex-cut partitioning for the Pregel engine.
    Partition,
    /// A specialised kernel's computation.
    Kernel,
    /// Pregel supersteps.
    Pregel,
    /// The result table.
    Output,
}

/// One phase of a graph job.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    pub kind: PhaseKind,
    /// As plans show it: `Partition`, `Kernel(pagerank)`, ...
    pub name: String,
    pub details: String,
    pub elapsed: Duration,
}

/// What a job did, phase by phase.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobPlan {
    pub phases: Vec<Phase>,
    /// Per-superstep (or per-iteration) statistics of the computation.
    pub supersteps: Vec<SuperstepStats>,
    /// The partitioning the job ran on, when it ran on the Pregel engine.
    pub partition: Option<PartitionReport>,
}

impl JobPlan {
    /// Total time of the phases of `kind`.
    pub fn time(&self, kind: PhaseKind) -> Duration {
        self.phases.iter().filter(|p| p.kind == kind).map(|p| p.elapsed).sum()
    }
}

/// The result of a job.
#[derive(Debug, Clone)]
pub struct JobOutput {
    pub table: RecordBatch,
    /// Supersteps (or iterations) run.
    pub supersteps: u32,
    /// Messages sent (Pregel) or arcs read (kernels), summed over supersteps.
    pub messages: u64,
    /// Human-readable lines: counts, the top vertices, ...
    pub summary: Vec<String>,
    /// What executed.
    pub execution: Execution,
    pub plan: JobPlan,
    /// A distributed run's shape and this worker's traffic.
    pub cluster: Option<ClusterRun>,
}

/// The dense vertex index of each row of a result's `ids` column, whose rows are grouped by
/// vertex in dense order (several or none per vertex), as every job's table is.
pub fn row_vertices(graph: &Graph, ids: &dyn datafusion::arrow::array::Array) -> Result<Vec<u32>> {
    use datafusion::arrow::array::make_comparator;
    use datafusion::arrow::compute::SortOptions;
    let all = graph.ids().to_array();
    let n = all.len();
    let cmp = make_comparator(all.as_ref(), ids, SortOptions::default())
        .map_err(|e| Error::arrow("matching result rows to vertices", e))?;
    let mut rows = Vec::with_capacity(ids.len());
    let mut vi = 0usize;
    for r in 0..ids.len() {
        while vi < n && !cmp(vi, r).is_eq() {
            vi += 1;
        }
        if vi == n {
            return Err(Error::Internal("result rows are not in vertex order".into()));
        }
        rows.push(vi as u32);
    }
    Ok(rows)
}

/// A result table (`id` then the result's columns, rows in dense vertex order, several or
/// none per vertex) as GraphFrames returns results: the vertex table's columns for each row's
/// vertex, then the result's columns (a result column replaces a vertex column of its name).
pub fn with_vertices(graph: &Graph, result: &RecordBatch) -> Result<RecordBatch> {
    use datafusion::arrow::array::{ArrayRef, UInt32Array};
    use datafusion::arrow::compute::take;
    use datafusion::arrow::datatypes::{Field, Schema};
    let v = graph.vertices_batch()?;
    let cols: Vec<ArrayRef> = if result.num_rows() == v.num_rows() {
        v.columns().to_vec()
    } else {
        let idx = UInt32Array::from(row_vertices(graph, result.column(0).as_ref())?);
        v.columns()
            .iter()
            .map(|c| take(c.as_ref(), &idx, None))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| Error::arrow("taking vertex rows", e))?
    };
    let rs = result.schema();
    let mut fields: Vec<Field> = Vec::new();
    let mut out: Vec<ArrayRef> = Vec::new();
    for (f, c) in v.schema().fields().iter().zip(cols) {
        if f.name() == "id" || rs.index_of(f.name()).is_err() {
            fields.push(f.as_ref().clone().with_nullable(true));
            out.push(c);
        }
    }
    for (f, c) in rs.fields().iter().zip(result.columns()).skip(1) {
        fields.push(f.as_ref().clone().with_nullable(true));
        out.push(c.clone());
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), out).map_err(|e| Error::arrow("joining the vertex table", e))
}

/// Runs `algorithm` on `graph` with the engine and partitioning of `common`. `top` is the
/// number of top vertices listed in the summary.
pub fn run(graph: &Graph, algorithm: &Algorithm, common: &Common, top: usize) -> Result<JobOutput> {
    let stats: Arc<Mutex<Vec<SuperstepStats>>> = Arc::default();
    let user = common.ctx.observer.clone();
    let s2 = stats.clone();
    // A distributed run: bytes sent to other processes between consecutive reports.
    let per_step: Arc<Mutex<(u64, Vec<u64>)>> =
        Arc::new(Mutex::new((common.cluster.as_ref().map_or(0, |c| c.traffic().remote_bytes), Vec::new())));
    let (p2, c2) = (per_step.clone(), common.cluster.clone());
    if common.ctx.checkpoint.is_some() && !algorithm.spec().engines.checkpoints {
        return Err(Error::Config(format!(
            "{} writes no checkpoints (pagerank, wcc, sssp and bfs do); run it without a checkpoint folder",
            algorithm.name()
        )));
    }
    // A checkpoint belongs to this algorithm, these parameters and this graph.
    let checkpoint = common.ctx.checkpoint.clone().map(|mut ck| {
        let params: Vec<String> = algorithm.params().to_text().into_iter().map(|(k, v)| format!("{k}={v}")).collect();
        ck.run = format!(
            "{} {} on {} vertices, {} edges, {}",
            algorithm.name(),
            params.join(" "),
            graph.num_vertices(),
            graph.total_edges(),
            if graph.is_directed() { "directed" } else { "undirected" }
        );
        ck
    });
    let ctx = RunContext {
        checkpoint: checkpoint.clone(),
        cancel: common.ctx.cancel.clone(),
        observer: Some(Arc::new(move |s: &SuperstepStats| {
            if let Ok(mut v) = s2.lock() {
                v.push(s.clone());
            }
            if let (Some(c), Ok(mut p)) = (&c2, p2.lock()) {
                let now = c.traffic().remote_bytes;
                let delta = now - p.0;
                p.0 = now;
                p.1.push(delta);
            }
            if let Some(u) = &user {
                u(s)
            }
        })),
    };
    let common = Common { ctx, ..common.clone() };
    let spec = algorithm.spec();
    if common.cluster.is_some() && !spec.engines.pregel {
        return Err(Error::Config(format!(
            "{} has no program on the Pregel engine, so it cannot run across processes; run it in one process",
            spec.name
        )));
    }
    if graph.share().is_some() && !spec.engines.shares {
        return Err(Error::Config(format!(
            "{} reads every vertex's neighbours from the whole graph, and this worker holds a share of it; \
             read the input whole in every process for it",
            spec.name
        )));
    }
    let traffic_before = common.cluster.as_ref().map(|c| c.traffic());
    let out = (spec.run)(graph, algorithm.params(), &common, RunOptions { top })?;
    // A finished run needs its checkpoint no more: a later resume starts afresh.
    // (In a distributed run, worker 0 wrote it and removes it.)
    if let Some(ck) = &checkpoint
        && common.cluster.as_ref().is_none_or(|c| c.index() == 0)
    {
        crate::checkpoint::clear(ck)?;
    }
    let supersteps: Vec<SuperstepStats> = stats.lock().map(|v| v.clone()).unwrap_or_default();
    let messages = supersteps.iter().map(|s| s.messages).sum();
    let s = graph.build_stats();
    let mut phases = vec![Phase {
        kind: PhaseKind::Dictionary,
        name: "Dictionary".into(),
        details: format!(
            "{} vertices, {} edges ({}), {} self-loops and {} duplicates removed",
            graph.num_vertices(),
            graph.total_edges(),
            if graph.is_directed() { "directed" } else { "undirected" },
            s.self_loops_removed,
            s.duplicates_removed
        ),
        elapsed: Duration::ZERO,
    }];
    let params = algorithm.describe();
    let sep = if params.is_empty() { "" } else { ", " };
    let steps = out.supersteps;
    let ex = &out.execution;
    let cluster = match (&common.cluster, traffic_before) {
        (Some(c), Some(t0)) => {
            let t = c.traffic();
            Some(ClusterRun {
                workers: c.peers(),
                processes: c.processes(),
                remote_bytes: t.remote_bytes - t0.remote_bytes,
                rounds: t.rounds - t0.rounds,
                remote_bytes_per_superstep: per_step.lock().map(|p| p.1.clone()).unwrap_or_default(),
            })
        }
        _ => None,
    };
    match &ex.executed {
        Executed::Kernel { description } => {
            phases.push(Phase {
                kind: PhaseKind::Csr,
                name: "CSR".into(),
                details: "compressed sparse rows of the graph".into(),
                elapsed: ex.prepare,
            });
            phases.push(Phase {
                kind: PhaseKind::Kernel,
                name: format!("Kernel({})", spec.name),
                details: format!("{description}; {params}{sep}supersteps={steps}, arcs read={messages}"),
                elapsed: ex.compute,
            });
        }
        Executed::Pregel { partition: r } => {
            phases.push(Phase {
                kind: PhaseKind::Partition,
                name: "Partition".into(),
                details: format!(
                    "strategy={}, partitions={}, replication factor={:.3}, edge balance={:.3}",
                    r.strategy.name(),
                    r.num_partitions,
                    r.replication_factor,
                    r.edge_balance
                ),
                elapsed: ex.prepare,
            });
            let across = match &cluster {
                Some(c) => format!(
                    ", workers={} in {} processes, this worker sent {} bytes to other processes in {} rounds",
                    c.workers, c.processes, c.remote_bytes, c.rounds
                ),
                None => String::new(),
            };
            phases.push(Phase {
                kind: PhaseKind::Pregel,
                name: format!("Pregel({})", spec.name),
                details: format!("{params}{sep}supersteps={steps}, messages={messages}{across}"),
                elapsed: ex.compute,
            });
        }
    }
    phases.push(Phase {
        kind: PhaseKind::Output,
        name: "Output".into(),
        details: format!("{} rows, columns: {}", out.table.num_rows(), column_list(&out.table)),
        elapsed: Duration::ZERO,
    });
    let partition = ex.partition().cloned();
    Ok(JobOutput {
        table: out.table,
        supersteps: steps,
        messages,
        summary: out.summary,
        execution: out.execution,
        plan: JobPlan { phases, supersteps, partition },
        cluster,
    })
}

/// A distributed run as one worker saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterRun {
    pub workers: usize,
    pub processes: usize,
    /// Bytes this worker sent to workers of other processes, and collective rounds, during
    /// the algorithm (partitioning included).
    pub remote_bytes: u64,
    pub rounds: u64,
    /// Of `remote_bytes`, what each reported superstep sent (the first includes partitioning).
    pub remote_bytes_per_superstep: Vec<u64>,
}

fn column_list(b: &RecordBatch) -> String {
    b.schema().fields().iter().map(|f| f.name().as_str()).collect::<Vec<_>>().join(", ")
}
