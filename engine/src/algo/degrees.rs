//! Degrees (GraphX `inDegrees` / `outDegrees` / `degrees`) by one `aggregateMessages` round.
//! Every edge counts, parallel edges included; a self-loop adds one to the in- and one to the
//! out-degree. In an undirected graph in-, out- and total degree are all the number of edge
//! ends at the vertex.

use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::{Int64Array, RecordBatch};

use crate::algo::common::{Common, id_batch, no_edge_attrs};
use crate::algo::spec::{
    AlgoRun, AlgorithmSpec, Column, ColumnType, Engines, Execution, Params, RunOptions, top_lines,
};
use crate::error::Result;
use crate::graph::Graph;
use crate::pregel::{self, Msgs, TripletFields};

/// The registry entry.
pub static SPEC: AlgorithmSpec = AlgorithmSpec {
    name: "degrees",
    summary: "in-, out- and total degree (arcs, self-loops and parallel edges included)",
    params: &[],
    output: &[
        Column { name: "in_degree", ty: ColumnType::Int64, doc: "arcs into the vertex" },
        Column { name: "out_degree", ty: ColumnType::Int64, doc: "arcs out of the vertex" },
        Column { name: "degree", ty: ColumnType::Int64, doc: "in + out (undirected: the degree)" },
    ],
    exec_name: "DegreesExec",
    engines: Engines { kernel: None, pregel: true, checkpoints: false, shares: true },
    run: run_spec,
};

fn run_spec(graph: &Graph, _: &Params, common: &Common, opts: RunOptions) -> Result<AlgoRun> {
    let out = run(graph, &Config { common: common.clone() })?;
    let d: Vec<f64> = out.degree.iter().map(|&x| x as f64).collect();
    let summary = top_lines(graph, &d, opts.top, SPEC.output[2].name);
    Ok(AlgoRun { table: out.to_batch(graph)?, summary, supersteps: 1, execution: out.execution })
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub common: Common,
}

#[derive(Debug, Clone)]
pub struct Output {
    pub in_degree: Vec<u64>,
    pub out_degree: Vec<u64>,
    pub degree: Vec<u64>,
    /// One `aggregateMessages` round.
    pub execution: Execution,
}

impl Output {
    pub fn to_batch(&self, graph: &Graph) -> Result<RecordBatch> {
        // Int64, the type a Spark or pandas reader takes; counts are far below 2^63.
        let col = |v: &Vec<u64>| Arc::new(Int64Array::from_iter_values(v.iter().map(|&x| x as i64))) as _;
        id_batch(
            graph,
            vec![
                (SPEC.output[0].name, col(&self.in_degree)),
                (SPEC.output[1].name, col(&self.out_degree)),
                (SPEC.output[2].name, col(&self.degree)),
            ],
        )
    }
}

pub fn run(graph: &Graph, cfg: &Config) -> Result<Output> {
    cfg.common.use_kernel(false, SPEC.name)?;
    cfg.common.ctx.check()?;
    let (pg, prepare) = cfg.common.partition_timed(graph)?;
    let t = Instant::now();
    let attrs = vec![(); graph.num_vertices()];
    let counts = pregel::aggregate_messages(
        &pg,
        &attrs,
        &no_edge_attrs(graph),
        TripletFields::None,
        |_| Msgs::both((1u64, 0u64), (0, 1)),
        |a, b| (a.0 + b.0, a.1 + b.1),
    )?;
    let (out, inn): (Vec<u64>, Vec<u64>) = counts.iter().map(|c| c.unwrap_or((0, 0))).unzip();
    let degree: Vec<u64> = out.iter().zip(&inn).map(|(a, b)| a + b).collect();
    let execution = Execution::pregel(pg.report().clone(), prepare, t.elapsed());
    if graph.is_directed() {
        Ok(Output { in_degree: inn, out_degree: out, degree, execution })
    } else {
        Ok(Output { in_degree: degree.clone(), out_degree: degree.clone(), degree, execution })
    }
}
