//! Graph algorithms, each `run(&Graph, &Config) -> Result<Output>` (partitioning per
//! `config.common`) and `run_partitioned(&PartitionedGraph, &Config)` to reuse a partitioning.
//! Outputs hold dense per-vertex vectors and turn into record batches keyed by original ids.
//!
//! Invariant: algorithms speak to partitions only through the [`crate::pregel`] engine; they
//! never see threads. What each does with self-loops and parallel edges is stated in its docs.

pub mod bfs;
pub mod cdlp;
pub mod degrees;
pub mod lcc;
pub mod neighbors;
pub mod pagerank;
pub mod scc;
pub mod sssp;
pub mod triangles;
pub mod wcc;

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::arrow::datatypes::{Field, Schema};

use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::partition::{PartitionedGraph, Strategy};
use crate::pregel::RunContext;

/// Which implementation runs an algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Engine {
    /// The specialised [`crate::kernel`] where one computes the same result, else Pregel.
    #[default]
    Auto,
    /// Always the general Pregel engine over vertex-cut partitions.
    Pregel,
    /// The specialised kernel; an error where there is none.
    Kernel,
}

impl Engine {
    pub fn parse(s: &str) -> Result<Engine> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(Engine::Auto),
            "pregel" => Ok(Engine::Pregel),
            "kernel" => Ok(Engine::Kernel),
            other => Err(Error::Config(format!("unknown engine '{other}'; known: auto, pregel, kernel"))),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Engine::Auto => "auto",
            Engine::Pregel => "pregel",
            Engine::Kernel => "kernel",
        }
    }
}

/// Settings every algorithm shares: which engine, how to partition for Pregel, and how to
/// observe or cancel the run.
#[derive(Debug, Clone, Default)]
pub struct Common {
    pub strategy: Strategy,
    /// Number of edge partitions; 0 means one per worker thread.
    pub partitions: u32,
    pub ctx: RunContext,
    pub engine: Engine,
}

impl Common {
    /// Whether to run the specialised kernel, given whether one exists for the configuration
    /// (`what` names the configuration in the error when `Engine::Kernel` asks for a missing one).
    pub fn use_kernel(&self, supported: bool, what: &str) -> Result<bool> {
        match (self.engine, supported) {
            (Engine::Pregel, _) => Ok(false),
            (Engine::Auto, s) => Ok(s),
            (Engine::Kernel, true) => Ok(true),
            (Engine::Kernel, false) => {
                Err(Error::Config(format!("there is no specialised kernel for {what}; use engine=pregel or auto")))
            }
        }
    }

    /// Partitions `graph` as configured.
    pub fn partition<'g>(&self, graph: &'g Graph) -> Result<PartitionedGraph<'g>> {
        let p = if self.partitions == 0 { rayon::current_num_threads() as u32 } else { self.partitions };
        PartitionedGraph::new(graph, self.strategy, p)
    }
}

/// A record batch with the graph's `id` column followed by `columns`.
pub fn id_batch(graph: &Graph, columns: Vec<(&str, ArrayRef)>) -> Result<RecordBatch> {
    let ids = graph.ids().to_array();
    let mut fields = vec![Field::new("id", ids.data_type().clone(), false)];
    let mut cols = vec![ids];
    for (name, col) in columns {
        fields.push(Field::new(name, col.data_type().clone(), col.null_count() > 0));
        cols.push(col);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).map_err(|e| Error::arrow("building result table", e))
}

/// Sum of `f(i)` for `i in 0..n` with a fixed reduction order (chunks of 4096 summed in
/// parallel, partial sums added in order), so results do not depend on the thread count.
pub(crate) fn det_sum(n: usize, f: impl Fn(usize) -> f64 + Sync) -> f64 {
    use rayon::prelude::*;
    const CHUNK: usize = 4096;
    let partial: Vec<f64> =
        (0..n.div_ceil(CHUNK)).into_par_iter().map(|c| (c * CHUNK..((c + 1) * CHUNK).min(n)).map(&f).sum()).collect();
    partial.iter().sum()
}

/// Unit edge attributes (zero-sized: no allocation).
pub(crate) fn no_edge_attrs(graph: &Graph) -> Vec<()> {
    vec![(); graph.num_edges()]
}
