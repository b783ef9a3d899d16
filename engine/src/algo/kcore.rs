//! k-core decomposition (GraphFrames' `k_core`): each vertex's core number, the largest k such
//! that the vertex belongs to a subgraph in which every vertex has at least k neighbours. Over
//! the simple undirected graph underlying the input (direction, self-loops and parallel edges
//! ignored, as networkx's `core_number` and the usual definition have it); an isolated vertex
//! has core 0.
//!
//! Kernel: Batagelj and Zaversnik's O(m) peeling ("An O(m) algorithm for cores decomposition of
//! networks", 2003): vertices bucket-sorted by degree, repeatedly the vertex of least current
//! degree is removed and its remaining neighbours' degrees lowered, each moved one bucket down
//! in O(1). GraphFrames computes the same numbers with a Pregel program of h-index merges
//! (Mandal and Al Hasan, 2017); the peeling does O(m) work in total instead of per superstep.

use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::{Int64Array, RecordBatch};

use crate::algo::common::{Common, id_batch};
use crate::algo::neighbors::sets;
use crate::algo::spec::{
    AlgoRun, AlgorithmSpec, Column, ColumnType, Engines, Execution, Params, RunOptions, top_lines,
};
use crate::error::Result;
use crate::graph::Graph;
use crate::kernel::{Csr, Direction};

/// The registry entry.
pub static SPEC: AlgorithmSpec = AlgorithmSpec {
    name: "kcore",
    summary: "k-core decomposition: each vertex's core number (GraphFrames' k_core; direction ignored)",
    params: &[],
    output: &[Column { name: "kcore", ty: ColumnType::Int64, doc: "the largest k whose k-core holds the vertex" }],
    exec_name: "KCoreExec",
    engines: Engines { kernel: Some(KERNEL), pregel: false, checkpoints: false, shares: false },
    run: run_spec,
};

const KERNEL: &str = "bucket peeling (Batagelj-Zaversnik) over neighbour sets";

fn run_spec(graph: &Graph, _: &Params, common: &Common, opts: RunOptions) -> Result<AlgoRun> {
    let out = run(graph, &Config { common: common.clone() })?;
    let max = out.core.iter().copied().max().unwrap_or(0);
    let mut summary = vec![format!("degeneracy (largest core number): {max}")];
    let c: Vec<f64> = out.core.iter().map(|&x| x as f64).collect();
    summary.extend(top_lines(graph, &c, opts.top, SPEC.output[0].name));
    Ok(AlgoRun { table: out.to_batch(graph)?, summary, supersteps: 0, execution: out.execution })
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub common: Common,
}

#[derive(Debug, Clone)]
pub struct Output {
    /// Core number per vertex (dense index).
    pub core: Vec<u32>,
    pub execution: Execution,
}

impl Output {
    pub fn to_batch(&self, graph: &Graph) -> Result<RecordBatch> {
        let col = Int64Array::from_iter_values(self.core.iter().map(|&x| x as i64));
        id_batch(graph, vec![(SPEC.output[0].name, Arc::new(col))])
    }
}

/// Runs the peeling kernel whatever `common.engine` says (there is no Pregel program).
pub fn run(graph: &Graph, cfg: &Config) -> Result<Output> {
    cfg.common.ctx.check()?;
    let t = Instant::now();
    let nb = sets(graph, Direction::Both);
    let prepare = t.elapsed();
    let t = Instant::now();
    let core = cores(&nb);
    Ok(Output { core, execution: Execution::kernel(KERNEL, prepare, t.elapsed()) })
}

/// Core numbers of the simple graph whose neighbour sets are `nb`.
pub fn cores(nb: &Csr) -> Vec<u32> {
    let n = nb.num_vertices();
    let mut deg: Vec<u32> = (0..n as u32).map(|v| nb.neighbors(v).len() as u32).collect();
    let max = deg.iter().copied().max().unwrap_or(0) as usize;
    // bin[d] = first position of degree d in `vert`; pos[v] = v's position.
    let mut bin = vec![0u32; max + 2];
    for &d in &deg {
        bin[d as usize + 1] += 1;
    }
    for d in 1..bin.len() {
        bin[d] += bin[d - 1];
    }
    let mut pos = vec![0u32; n];
    let mut vert = vec![0u32; n];
    let mut next = bin.clone();
    for v in 0..n {
        let d = deg[v] as usize;
        pos[v] = next[d];
        vert[next[d] as usize] = v as u32;
        next[d] += 1;
    }
    for i in 0..n {
        let v = vert[i];
        let dv = deg[v as usize];
        for &u in nb.neighbors(v) {
            let du = deg[u as usize];
            if du > dv {
                // Swap u with the first vertex of its bucket, then shrink the bucket.
                let pu = pos[u as usize];
                let pw = bin[du as usize];
                let w = vert[pw as usize];
                if u != w {
                    vert.swap(pu as usize, pw as usize);
                    pos[u as usize] = pw;
                    pos[w as usize] = pu;
                }
                bin[du as usize] += 1;
                deg[u as usize] = du - 1;
            }
        }
    }
    deg
}
