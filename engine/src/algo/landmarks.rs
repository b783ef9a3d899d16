//! GraphX-style landmark shortest paths (`ShortestPaths`): for every vertex, the hops of its
//! shortest path to each landmark, as one Pregel BFS per landmark along reversed edges. Directed
//! graphs follow out-edges (the path runs from the vertex to the landmark); undirected graphs
//! every edge. Self-loops and parallel edges do not matter.

use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::arrow::array::{Int64Array, RecordBatch, UInt32Array};

use crate::algo::bfs::{UNREACHED, hops_from};
use crate::algo::common::Common;
use crate::algo::spec::{
    AlgoRun, AlgorithmSpec, Column, ColumnType, DefaultValue, Engines, Execution, Param, ParamKind, Params, RunOptions,
    vertex_indices,
};
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::partition::PartitionedGraph;

/// The registry entry.
pub static SPEC: AlgorithmSpec = AlgorithmSpec {
    name: "landmarks",
    summary: "hops from every vertex to each landmark (GraphX ShortestPaths)",
    params: &[Param {
        name: "landmarks",
        kind: ParamKind::Vertices,
        default: DefaultValue::Required,
        doc: "landmark vertex ids, comma-separated",
        aliases: &[],
    }],
    output: &[
        Column { name: "landmark", ty: ColumnType::Id, doc: "the landmark" },
        Column { name: "distance", ty: ColumnType::Int64, doc: "hops to the landmark (reachable pairs only)" },
    ],
    exec_name: "LandmarkShortestPathsExec",
    engines: Engines { kernel: None, pregel: true, checkpoints: false, shares: true },
    run: run_spec,
};

fn run_spec(graph: &Graph, p: &Params, common: &Common, _: RunOptions) -> Result<AlgoRun> {
    let landmarks = vertex_indices(graph, p.ids("landmarks")?, SPEC.name, "landmark")?;
    let out = run(graph, &Config { landmarks, common: common.clone() })?;
    let mut summary = Vec::new();
    for (k, &l) in out.landmarks.iter().enumerate() {
        let reach = out.hops[k].iter().filter(|&&h| h != UNREACHED).count();
        summary.push(format!("landmark {}: reached from {reach} vertices", graph.ids().display(l)));
    }
    Ok(AlgoRun { table: out.to_batch(graph)?, summary, supersteps: out.supersteps, execution: out.execution })
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Landmark vertices (dense indices).
    pub landmarks: Vec<u32>,
    pub common: Common,
}

#[derive(Debug, Clone)]
pub struct Output {
    pub landmarks: Vec<u32>,
    /// `hops[k][v]`: hops from `v` to landmark `k` ([`UNREACHED`] if none).
    pub hops: Vec<Vec<u32>>,
    /// Supersteps of all the landmarks' runs together.
    pub supersteps: u32,
    pub execution: Execution,
}

impl Output {
    /// Long format, reachable pairs only: `id, landmark, distance`.
    pub fn to_batch(&self, graph: &Graph) -> Result<RecordBatch> {
        let (mut vs, mut ls, mut ds) = (Vec::new(), Vec::new(), Vec::new());
        for v in 0..graph.num_vertices() {
            for (k, &l) in self.landmarks.iter().enumerate() {
                let h = self.hops[k][v];
                if h != UNREACHED {
                    vs.push(v as u32);
                    ls.push(l);
                    ds.push(h as i64);
                }
            }
        }
        let ids = graph.ids().to_array();
        let take = |idx: Vec<u32>| {
            datafusion::arrow::compute::take(ids.as_ref(), &UInt32Array::from(idx), None)
                .map_err(|e| Error::arrow("building result table", e))
        };
        let id_col = take(vs)?;
        let l_col = take(ls)?;
        let schema = Arc::new(datafusion::arrow::datatypes::Schema::new(vec![
            datafusion::arrow::datatypes::Field::new("id", id_col.data_type().clone(), false),
            datafusion::arrow::datatypes::Field::new(SPEC.output[0].name, l_col.data_type().clone(), false),
            datafusion::arrow::datatypes::Field::new(
                SPEC.output[1].name,
                datafusion::arrow::datatypes::DataType::Int64,
                false,
            ),
        ]));
        RecordBatch::try_new(schema, vec![id_col, l_col, Arc::new(Int64Array::from(ds))])
            .map_err(|e| Error::arrow("building result table", e))
    }
}

/// Runs on the Pregel engine (there is no kernel: `engine=kernel` is an error).
pub fn run(graph: &Graph, cfg: &Config) -> Result<Output> {
    cfg.common.use_kernel(false, SPEC.name)?;
    if cfg.landmarks.is_empty() {
        return Err(Error::Config("landmarks: give at least one landmark vertex".into()));
    }
    let (pg, prepare) = cfg.common.partition_timed(graph)?;
    let mut out = run_partitioned(&pg, cfg)?;
    out.execution.prepare = prepare;
    Ok(out)
}

pub fn run_partitioned(pg: &PartitionedGraph<'_>, cfg: &Config) -> Result<Output> {
    if cfg.landmarks.is_empty() {
        return Err(Error::Config("landmarks: give at least one landmark vertex".into()));
    }
    let t = Instant::now();
    let mut supersteps = 0;
    let mut hops = Vec::with_capacity(cfg.landmarks.len());
    for &l in &cfg.landmarks {
        let (h, s) = hops_from(pg, l, true, &cfg.common)?;
        hops.push(h);
        supersteps += s;
    }
    let execution = Execution::pregel(pg.report().clone(), Duration::ZERO, t.elapsed());
    Ok(Output { landmarks: cfg.landmarks.clone(), hops, supersteps, execution })
}
