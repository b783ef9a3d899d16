//! Triangle count per vertex (GraphX `TriangleCount`): the number of triangles through each
//! vertex of the simple undirected graph underlying the input (direction, self-loops and
//! parallel edges ignored). One `aggregateMessages` round over neighbour pairs {v, u} sends
//! both ends |N(v) ∩ N(u)|; each triangle at v is counted twice.

use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::{Int64Array, RecordBatch};

use crate::algo::common::{Common, id_batch, no_edge_attrs};
use crate::algo::lcc::pair_graph;
use crate::algo::neighbors::{intersect_count, sets};
use crate::algo::spec::{
    AlgoRun, AlgorithmSpec, Column, ColumnType, Engines, Execution, Params, RunOptions, top_lines,
};
use crate::error::Result;
use crate::graph::Graph;
use crate::kernel::Direction;
use crate::pregel::{self, Msgs, TripletFields};

/// The registry entry.
pub static SPEC: AlgorithmSpec = AlgorithmSpec {
    name: "triangles",
    summary: "triangles through each vertex (neighbour sets; direction ignored)",
    params: &[],
    output: &[Column { name: "triangles", ty: ColumnType::Int64, doc: "triangles the vertex is in" }],
    exec_name: "TriangleCountExec",
    engines: Engines { kernel: None, pregel: true, checkpoints: false, shares: false },
    run: run_spec,
};

fn run_spec(graph: &Graph, _: &Params, common: &Common, opts: RunOptions) -> Result<AlgoRun> {
    let out = run(graph, &Config { common: common.clone() })?;
    let mut summary = vec![format!("triangles: {}", out.total())];
    let t: Vec<f64> = out.triangles.iter().map(|&x| x as f64).collect();
    summary.extend(top_lines(graph, &t, opts.top, SPEC.output[0].name));
    Ok(AlgoRun { table: out.to_batch(graph)?, summary, supersteps: 1, execution: out.execution })
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub common: Common,
}

#[derive(Debug, Clone)]
pub struct Output {
    pub triangles: Vec<u64>,
    /// One `aggregateMessages` round over the partitioned graph of neighbour pairs.
    pub execution: Execution,
}

impl Output {
    pub fn total(&self) -> u64 {
        self.triangles.iter().sum::<u64>() / 3
    }
    pub fn to_batch(&self, graph: &Graph) -> Result<RecordBatch> {
        id_batch(
            graph,
            vec![(
                SPEC.output[0].name,
                Arc::new(Int64Array::from_iter_values(self.triangles.iter().map(|&x| x as i64))),
            )],
        )
    }
}

pub fn run(graph: &Graph, cfg: &Config) -> Result<Output> {
    cfg.common.use_kernel(false, SPEC.name)?;
    cfg.common.ctx.check()?;
    let t = Instant::now();
    let nb = sets(graph, Direction::Both);
    let pairs = pair_graph(graph, &nb);
    let pg = cfg.common.partition(&pairs)?;
    let prepare = t.elapsed();
    let t = Instant::now();
    let attrs = vec![(); pairs.num_vertices()];
    let counts = pregel::aggregate_messages(
        &pg,
        &attrs,
        &no_edge_attrs(&pairs),
        TripletFields::None,
        |t| {
            let c = intersect_count(nb.neighbors(t.src), nb.neighbors(t.dst));
            Msgs::both(c, c)
        },
        |a, b| a + b,
    )?;
    let execution = Execution::pregel(pg.report().clone(), prepare, t.elapsed());
    Ok(Output { triangles: counts.iter().map(|c| c.unwrap_or(0) / 2).collect(), execution })
}
