//! Local clustering coefficient (LDBC Graphalytics LCC): N(v) is the set of in- and
//! out-neighbours of v, v excluded; LCC(v) = (number of edges among N(v)) / (|N|(|N|-1)),
//! counting directed edges one by one (an undirected edge counts in both directions);
//! |N(v)| < 2 gives 0. Self-loops and parallel edges are ignored (set semantics).
//!
//! On the engine as in GraphX's `TriangleCount`: neighbour sets are collected, then one
//! `aggregateMessages` round over the simple undirected graph of neighbour pairs {v, u} sends
//! v the number |out(u) ∩ N(v)| (and u the symmetric count): their sum over u ∈ N(v) is the
//! number of edges among N(v).

use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::{Float64Array, RecordBatch};
use rayon::prelude::*;

use crate::algo::common::{Common, id_batch, no_edge_attrs};
use crate::algo::neighbors::{intersect_count, sets};
use crate::algo::spec::{
    AlgoRun, AlgorithmSpec, Column, ColumnType, Engines, Execution, Params, RunOptions, top_lines,
};
use crate::error::Result;
use crate::graph::Graph;
use crate::kernel::{Csr, Direction};
use crate::pregel::{self, Msgs, TripletFields};

/// The registry entry.
pub static SPEC: AlgorithmSpec = AlgorithmSpec {
    name: "lcc",
    summary: "local clustering coefficient (LDBC LCC)",
    params: &[],
    output: &[Column { name: "lcc", ty: ColumnType::Float64, doc: "edges among the neighbours / possible ones" }],
    exec_name: "LocalClusteringCoefficientExec",
    engines: Engines { kernel: None, pregel: true, checkpoints: false, shares: false },
    run: run_spec,
};

fn run_spec(graph: &Graph, _: &Params, common: &Common, opts: RunOptions) -> Result<AlgoRun> {
    let out = run(graph, &Config { common: common.clone() })?;
    let mean = out.lcc.iter().sum::<f64>() / out.lcc.len().max(1) as f64;
    let mut summary = vec![format!("average clustering coefficient: {mean:.6}")];
    summary.extend(top_lines(graph, &out.lcc, opts.top, SPEC.output[0].name));
    Ok(AlgoRun { table: out.to_batch(graph)?, summary, supersteps: 1, execution: out.execution })
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub common: Common,
}

#[derive(Debug, Clone)]
pub struct Output {
    pub lcc: Vec<f64>,
    /// One `aggregateMessages` round over the partitioned graph of neighbour pairs.
    pub execution: Execution,
}

impl Output {
    pub fn to_batch(&self, graph: &Graph) -> Result<RecordBatch> {
        id_batch(graph, vec![(SPEC.output[0].name, Arc::new(Float64Array::from(self.lcc.clone())))])
    }
}

/// The simple undirected graph of neighbour pairs {v, u}, v < u, over the same vertices.
pub(crate) fn pair_graph(graph: &Graph, nb: &Csr) -> Graph {
    let n = graph.num_vertices() as u32;
    let (mut s, mut d) = (Vec::new(), Vec::new());
    for v in 0..n {
        for &u in nb.neighbors(v).iter().filter(|&&u| u > v) {
            s.push(v);
            d.push(u);
        }
    }
    Graph::from_dense(graph.ids().clone(), s, d, false)
}

pub fn run(graph: &Graph, cfg: &Config) -> Result<Output> {
    cfg.common.use_kernel(false, SPEC.name)?;
    cfg.common.ctx.check()?;
    let t = Instant::now();
    let all = sets(graph, Direction::Both);
    let out = if graph.is_directed() { sets(graph, Direction::Out) } else { all.clone() };
    let pairs = pair_graph(graph, &all);
    let pg = cfg.common.partition(&pairs)?;
    let prepare = t.elapsed();
    let t = Instant::now();
    let units = no_edge_attrs(&pairs);
    let attrs = vec![(); pairs.num_vertices()];
    let counts = pregel::aggregate_messages(
        &pg,
        &attrs,
        &units,
        TripletFields::None,
        |t| {
            let (v, u) = (t.src, t.dst);
            Msgs::both(
                intersect_count(out.neighbors(u), all.neighbors(v)),
                intersect_count(out.neighbors(v), all.neighbors(u)),
            )
        },
        |a, b| a + b,
    )?;
    let lcc = counts
        .par_iter()
        .enumerate()
        .map(|(v, c)| {
            let k = all.neighbors(v as u32).len() as f64;
            if k < 2.0 { 0.0 } else { c.unwrap_or(0) as f64 / (k * (k - 1.0)) }
        })
        .collect();
    Ok(Output { lcc, execution: Execution::pregel(pg.report().clone(), prepare, t.elapsed()) })
}
