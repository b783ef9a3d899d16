//! Weighted single-source shortest paths (Bellman-Ford as a Pregel program, the GraphX way):
//! distances relax along out-edges (both ways when undirected) until no distance improves.
//! Weights must be finite and non-negative. Parallel edges: the lightest wins; self-loops
//! never shorten a path. Unreachable vertices get +infinity.

use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::arrow::array::{Float64Array, RecordBatch};

use crate::algo::bfs::SOURCE;
use crate::algo::common::{Common, id_batch};
use crate::algo::spec::{
    AlgoRun, AlgorithmSpec, Column, ColumnType, Engines, Execution, Params, RunOptions, vertex_indices,
};
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::kernel::{Csr, Direction, sssp};
use crate::partition::PartitionedGraph;
use crate::pregel::{self, ActiveDirection, Msgs, PregelConfig};

/// The registry entry.
pub static SPEC: AlgorithmSpec = AlgorithmSpec {
    name: "sssp",
    summary: "weighted shortest path lengths from a source vertex (weights finite, >= 0)",
    params: &[SOURCE],
    output: &[Column { name: "distance", ty: ColumnType::Float64, doc: "path length (inf: unreachable)" }],
    exec_name: "ShortestPathsExec",
    engines: Engines { kernel: Some(KERNEL), pregel: true, checkpoints: true, shares: true },
    run: run_spec,
};

const KERNEL: &str = "delta-stepping";

fn run_spec(graph: &Graph, p: &Params, common: &Common, _: RunOptions) -> Result<AlgoRun> {
    let source = vertex_indices(graph, &[p.vertex("source")?.to_string()], SPEC.name, "source")?[0];
    let out = run(graph, &Config { source, common: common.clone() })?;
    let reached: Vec<f64> = out.distance.iter().copied().filter(|d| d.is_finite()).collect();
    let summary = vec![format!(
        "reached: {}; max distance: {}; sum: {}",
        reached.len(),
        reached.iter().copied().fold(0.0, f64::max),
        reached.iter().sum::<f64>()
    )];
    Ok(AlgoRun { table: out.to_batch(graph)?, summary, supersteps: out.supersteps, execution: out.execution })
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Source vertex (dense index).
    pub source: u32,
    pub common: Common,
}

#[derive(Debug, Clone)]
pub struct Output {
    pub distance: Vec<f64>,
    pub supersteps: u32,
    pub execution: Execution,
}

impl Output {
    /// `id, distance` (`inf` when unreachable).
    pub fn to_batch(&self, graph: &Graph) -> Result<RecordBatch> {
        id_batch(graph, vec![(SPEC.output[0].name, Arc::new(Float64Array::from(self.distance.clone())))])
    }
}

/// Runs on `graph`: delta-stepping ([`crate::kernel::sssp`]) unless `common.engine` asks for
/// Pregel.
pub fn run(graph: &Graph, cfg: &Config) -> Result<Output> {
    check_weights(graph)?;
    if cfg.common.use_kernel(true, SPEC.name)? {
        let t = Instant::now();
        let out = Csr::build(graph, Direction::Out, true);
        let prepare = t.elapsed();
        let t = Instant::now();
        let d = sssp::run(&out, cfg.source, sssp::default_delta(&out), &cfg.common.ctx)?;
        let execution = Execution::kernel(KERNEL, prepare, t.elapsed());
        return Ok(Output { distance: d.distance, supersteps: d.steps, execution });
    }
    let (pg, prepare) = cfg.common.partition_timed(graph)?;
    let mut out = run_partitioned(&pg, cfg)?;
    out.execution.prepare = prepare;
    Ok(out)
}

/// Errors on a missing weight column or a negative, infinite or NaN weight (naming the edge).
pub fn check_weights(g: &Graph) -> Result<&[f64]> {
    let w = g
        .weights()
        .ok_or_else(|| Error::Input("sssp needs edge weights and the graph has none (bfs gives hop counts)".into()))?;
    if let Some(e) = w.iter().position(|x| !(x.is_finite() && *x >= 0.0)) {
        // A distributed run's share holds some of the edges: its positions are not the input's.
        let which = if g.share().is_some() { "an edge".to_string() } else { format!("edge {}", e + 1) };
        return Err(Error::Input(format!(
            "{which} ({} -> {}) has weight {}; shortest paths need finite non-negative weights",
            g.ids().display(g.src()[e]),
            g.ids().display(g.dst()[e]),
            w[e]
        )));
    }
    Ok(w)
}

pub fn run_partitioned(pg: &PartitionedGraph<'_>, cfg: &Config) -> Result<Output> {
    let t = Instant::now();
    let g = pg.graph();
    let w = match pg.cluster() {
        Some(c) => c.agree(check_weights(g))?,
        None => check_weights(g)?,
    };
    let n = g.num_vertices();
    if cfg.source as usize >= n {
        return Err(Error::Config(format!("source index {} is not a vertex", cfg.source)));
    }
    let directed = g.is_directed();
    let mut init = vec![f64::INFINITY; n];
    init[cfg.source as usize] = 0.0;
    let pcfg = PregelConfig {
        max_supersteps: u32::MAX,
        direction: if directed { ActiveDirection::Out } else { ActiveDirection::Either },
    };
    let res = pregel::pregel_resumable(
        pg,
        init,
        w,
        f64::INFINITY,
        &pcfg,
        &cfg.common.ctx,
        |_, &a, &m| a.min(m),
        |t| {
            let to_dst = (t.src_attr + t.attr < *t.dst_attr).then(|| t.src_attr + t.attr);
            let to_src = (!directed && t.dst_attr + t.attr < *t.src_attr).then(|| t.dst_attr + t.attr);
            Msgs { to_src, to_dst }
        },
        f64::min,
    )?;
    let execution = Execution::pregel(pg.report().clone(), Duration::ZERO, t.elapsed());
    Ok(Output { distance: res.attrs, supersteps: res.supersteps, execution })
}
