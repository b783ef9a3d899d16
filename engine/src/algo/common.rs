//! What every algorithm shares: the engine choice ([`Engine`], decided in one place,
//! [`Common::use_kernel`]), the partitioning and run context ([`Common`]), and result tables
//! keyed by the original ids ([`id_batch`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::arrow::datatypes::{Field, Schema};

use crate::cluster::Cluster;
use crate::context::RunContext;
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::partition::{PartitionedGraph, Strategy};

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
    /// The names the front ends accept.
    pub const NAMES: &'static [&'static str] = &["auto", "pregel", "kernel"];

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
    /// A distributed run's worker: the Pregel engine is chosen and partitions are shared out
    /// among the run's workers ([`PartitionedGraph::distributed`]).
    pub cluster: Option<Cluster>,
}

impl Common {
    /// The one place the engine is chosen: whether to run the specialised kernel, given whether
    /// one exists for the configuration (`what` names the configuration in the error when
    /// `Engine::Kernel` asks for a missing one). Algorithms call it and report what ran in
    /// their output's `execution`.
    /// A run that writes checkpoints takes the Pregel engine (only [`Common::use_resumable_kernel`]
    /// kernels checkpoint).
    pub fn use_kernel(&self, supported: bool, what: &str) -> Result<bool> {
        if self.ctx.checkpoint.is_some() {
            return match self.engine {
                Engine::Kernel => Err(Error::Config(format!(
                    "the kernel for {what} writes no checkpoints; use engine=pregel or auto, or no checkpoint"
                ))),
                _ => Ok(false),
            };
        }
        self.use_resumable_kernel(supported, what)
    }

    /// [`Common::use_kernel`] for a kernel that writes checkpoints itself.
    pub fn use_resumable_kernel(&self, supported: bool, what: &str) -> Result<bool> {
        if self.cluster.is_some() {
            return match self.engine {
                Engine::Kernel => Err(Error::Config(format!(
                    "the kernel for {what} runs in one process; a distributed run uses engine=pregel (or auto)"
                ))),
                _ => Ok(false),
            };
        }
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
    /// In a distributed run, 0 partitions means one per worker of the run.
    pub fn partition<'g>(&self, graph: &'g Graph) -> Result<PartitionedGraph<'g>> {
        if let Some(c) = &self.cluster {
            let (strategy, p) = self.shared_partitioning(c.peers());
            return PartitionedGraph::distributed(graph, strategy, p, c.clone());
        }
        let p = if self.partitions == 0 { rayon::current_num_threads() as u32 } else { self.partitions };
        PartitionedGraph::new(graph, self.strategy, p)
    }

    /// The strategy and number of partitions of a distributed run of `workers` workers (0
    /// partitions means one per worker): what a graph read in shares must be read for
    /// ([`crate::load::shard::read`]).
    pub fn shared_partitioning(&self, workers: usize) -> (Strategy, u32) {
        (self.strategy, if self.partitions == 0 { workers as u32 } else { self.partitions })
    }

    /// Partitions `graph` as configured and says how long it took.
    pub fn partition_timed<'g>(&self, graph: &'g Graph) -> Result<(PartitionedGraph<'g>, Duration)> {
        let t = Instant::now();
        let pg = self.partition(graph)?;
        Ok((pg, t.elapsed()))
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

/// Unit edge attributes (zero-sized: no allocation).
pub(crate) fn no_edge_attrs(graph: &Graph) -> Vec<()> {
    vec![(); graph.num_edges()]
}
