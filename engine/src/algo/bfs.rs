//! Breadth-first search hop distances from a source: the direction-optimizing kernel
//! ([`crate::kernel::bfs`]) or a Pregel program. Directed graphs follow out-edges, undirected
//! graphs every edge. Self-loops and parallel edges do not matter.

use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::arrow::array::{Int64Array, RecordBatch};

use crate::algo::common::{Common, id_batch, no_edge_attrs};
use crate::algo::spec::{
    AlgoRun, AlgorithmSpec, Column, ColumnType, DefaultValue, Engines, Execution, Param, ParamKind, Params, RunOptions,
    vertex_indices,
};
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::kernel;
use crate::partition::PartitionedGraph;
use crate::pregel::{self, ActiveDirection, Msgs, PregelConfig};

pub use crate::kernel::bfs::UNREACHED;

/// The registry entry.
pub static SPEC: AlgorithmSpec = AlgorithmSpec {
    name: "bfs",
    summary: "breadth-first search: hops from a source vertex",
    params: &[SOURCE],
    output: &[Column { name: "distance", ty: ColumnType::Int64, doc: "hops from the source (NULL: unreachable)" }],
    exec_name: "BreadthFirstSearchExec",
    engines: Engines { kernel: Some(KERNEL), pregel: true, checkpoints: true, shares: true },
    run: run_spec,
};

/// The source parameter of BFS and SSSP.
pub(crate) const SOURCE: Param = Param {
    name: "source",
    kind: ParamKind::Vertex,
    default: DefaultValue::Required,
    doc: "source vertex id",
    aliases: &[],
};

const KERNEL: &str = "direction-optimizing";

fn run_spec(graph: &Graph, p: &Params, common: &Common, _: RunOptions) -> Result<AlgoRun> {
    let source = vertex_indices(graph, &[p.vertex("source")?.to_string()], SPEC.name, "source")?[0];
    let out = run(graph, &Config { source, common: common.clone() })?;
    let reached: Vec<u64> = out.hops.iter().filter(|&&h| h != UNREACHED).map(|&h| h as u64).collect();
    let summary = vec![format!(
        "reached: {}; max hops: {}; sum of hops: {}",
        reached.len(),
        reached.iter().max().unwrap_or(&0),
        reached.iter().sum::<u64>()
    )];
    Ok(AlgoRun { table: out.to_batch(graph)?, summary, supersteps: out.supersteps, execution: out.execution })
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub source: u32,
    pub common: Common,
}

#[derive(Debug, Clone)]
pub struct Output {
    /// Hops from the source; [`UNREACHED`] when unreachable.
    pub hops: Vec<u32>,
    pub supersteps: u32,
    pub execution: Execution,
}

impl Output {
    /// `id, distance` (null when unreachable).
    pub fn to_batch(&self, graph: &Graph) -> Result<RecordBatch> {
        let d: Int64Array = self.hops.iter().map(|&h| (h != UNREACHED).then_some(h as i64)).collect();
        id_batch(graph, vec![(SPEC.output[0].name, Arc::new(d))])
    }
}

/// Runs on `graph`: direction-optimizing BFS ([`crate::kernel::bfs`]) unless `common.engine`
/// asks for Pregel.
pub fn run(graph: &Graph, cfg: &Config) -> Result<Output> {
    if cfg.common.use_kernel(true, SPEC.name)? {
        let t = Instant::now();
        let (out, inn) = kernel::bfs::layout(graph);
        let prepare = t.elapsed();
        let t = Instant::now();
        let h = kernel::bfs::run(&out, Some(inn.as_ref().unwrap_or(&out)), cfg.source, &cfg.common.ctx)?;
        let execution = Execution::kernel(KERNEL, prepare, t.elapsed());
        return Ok(Output { hops: h.hops, supersteps: h.levels, execution });
    }
    let (pg, prepare) = cfg.common.partition_timed(graph)?;
    let mut out = run_partitioned(&pg, cfg)?;
    out.execution.prepare = prepare;
    Ok(out)
}

pub fn run_partitioned(pg: &PartitionedGraph<'_>, cfg: &Config) -> Result<Output> {
    let t = Instant::now();
    let (hops, supersteps) = hops_from(pg, cfg.source, false, &cfg.common)?;
    Ok(Output { hops, supersteps, execution: Execution::pregel(pg.report().clone(), Duration::ZERO, t.elapsed()) })
}

/// Hop distances from `source` (with `reverse`, distances *to* it along directed edges).
pub(crate) fn hops_from(
    pg: &PartitionedGraph<'_>,
    source: u32,
    reverse: bool,
    common: &Common,
) -> Result<(Vec<u32>, u32)> {
    let g = pg.graph();
    let n = g.num_vertices();
    if source as usize >= n {
        return Err(Error::Config(format!("source index {source} is not a vertex")));
    }
    let directed = g.is_directed();
    let mut init = vec![UNREACHED; n];
    init[source as usize] = 0;
    let direction = match (directed, reverse) {
        (false, _) => ActiveDirection::Either,
        (true, false) => ActiveDirection::Out,
        (true, true) => ActiveDirection::In,
    };
    let forward = !directed || !reverse;
    let backward = !directed || reverse;
    let res = pregel::pregel_resumable(
        pg,
        init,
        &no_edge_attrs(g),
        UNREACHED,
        &PregelConfig { max_supersteps: u32::MAX, direction },
        &common.ctx,
        |_, &a, &m| a.min(m),
        |t| {
            let to_dst = (forward && *t.src_attr != UNREACHED && t.src_attr + 1 < *t.dst_attr).then(|| t.src_attr + 1);
            let to_src = (backward && *t.dst_attr != UNREACHED && t.dst_attr + 1 < *t.src_attr).then(|| t.dst_attr + 1);
            Msgs { to_src, to_dst }
        },
        |a, b| a.min(b),
    )?;
    Ok((res.attrs, res.supersteps))
}
